//! A fresh database per test, on the run's shared server or on this process's own cluster.
//!
//! Databases are created and dropped with the `psql` client (Debian's `postgresql-client`, which
//! `postgresql` pulls in), so the testkit needs no PostgreSQL library of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::postgres::{PgBinaries, PostgresCluster, find_psql};

/// Environment variable holding the admin URL of a running server for the tests
/// (`postgres://postgres@127.0.0.1:PORT/postgres`); `./scripts/test` sets it.
pub const POSTGRES_URL_ENV: &str = "CANHGIAC_TEST_POSTGRES_URL";

const HOW_TO_GET_POSTGRES: &str = "PostgreSQL tests need a PostgreSQL server. Run the tests with ./scripts/test \
     (it installs Debian's `postgresql` package if absent and starts a throwaway cluster), or install Debian's \
     `postgresql` package (`apt-get install postgresql`) so that the tests start one themselves, or set \
     CANHGIAC_TEST_POSTGRES_URL to the admin URL of a running server (postgres://postgres@127.0.0.1:PORT/postgres). \
     CANHGIAC_PG_BIN may name a directory holding initdb, pg_ctl and psql.";

/// The server this process's tests share.
enum Server {
    /// From `CANHGIAC_TEST_POSTGRES_URL`.
    External { admin_url: String, psql: PathBuf },
    /// Started by this process, stopped at its exit.
    Own { admin_url: String, cluster: PostgresCluster },
}

static SHARED: OnceLock<Result<Server, String>> = OnceLock::new();

fn shared_server() -> Result<(&'static str, &'static Path), String> {
    let server = SHARED.get_or_init(|| {
        let url = std::env::var(POSTGRES_URL_ENV).ok().filter(|url| !url.trim().is_empty());
        if let Some(admin_url) = url {
            let admin_url = admin_url.trim().to_owned();
            with_database(&admin_url, "postgres")?;
            let psql = find_psql().ok_or_else(|| {
                format!("{POSTGRES_URL_ENV} is set but psql is not found (Debian's postgresql-client). {HOW_TO_GET_POSTGRES}")
            })?;
            return Ok(Server::External { admin_url, psql });
        }
        let bins = PgBinaries::find().map_err(|e| format!("{HOW_TO_GET_POSTGRES}\n({e})"))?;
        let cluster = PostgresCluster::start_with(bins)
            .map_err(|e| format!("cannot start a throwaway PostgreSQL cluster: {e}\n{HOW_TO_GET_POSTGRES}"))?;
        // The cluster lives in a static, which is never dropped: stop it when the process exits
        // normally (its watchdog covers the other ways to die).
        // SAFETY: registers a plain function that does not unwind.
        unsafe { libc::atexit(stop_shared_cluster) };
        Ok(Server::Own { admin_url: cluster.admin_url(), cluster })
    });
    match server {
        Ok(Server::External { admin_url, psql }) => Ok((admin_url, psql)),
        Ok(Server::Own { admin_url, cluster }) => Ok((admin_url, &cluster.binaries().psql)),
        Err(error) => Err(error.clone()),
    }
}

extern "C" fn stop_shared_cluster() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(Err(error)) = shared_cluster().map(PostgresCluster::shutdown) {
            eprintln!("canhgiac-testkit: {error}");
        }
    });
}

/// The cluster this process started for [`postgres_database`], if it started one (it does not when
/// `CANHGIAC_TEST_POSTGRES_URL` is set).
pub fn shared_cluster() -> Option<&'static PostgresCluster> {
    match SHARED.get() {
        Some(Ok(Server::Own { cluster, .. })) => Some(cluster),
        _ => None,
    }
}

/// Whether [`postgres_database`] has a server to use: `CANHGIAC_TEST_POSTGRES_URL` is set, or the
/// PostgreSQL programs are installed. Tests should not skip when this is false: see
/// [`require_postgres_database`].
pub fn postgres_available() -> bool {
    std::env::var(POSTGRES_URL_ENV).is_ok_and(|url| !url.trim().is_empty()) || PgBinaries::find().is_ok()
}

/// A fresh, empty database for the test `test_name`, on the server named by
/// `CANHGIAC_TEST_POSTGRES_URL`, or else on a cluster this process starts (once) and stops at exit.
pub fn postgres_database(test_name: &str) -> Result<TestDatabase, String> {
    let (admin_url, psql) = shared_server()?;
    TestDatabase::create(admin_url, psql, test_name)
}

/// [`postgres_database`], panicking (so failing the test) with a message saying how to get a
/// server when there is none.
#[track_caller]
pub fn require_postgres_database(test_name: &str) -> TestDatabase {
    match postgres_database(test_name) {
        Ok(database) => database,
        Err(error) => panic!("{error}"),
    }
}

/// Runs `sql` with `psql` against the database at `url` and returns the rows, unaligned (`|`
/// between columns), one a line, without the trailing newline.
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    static PSQL: OnceLock<Option<PathBuf>> = OnceLock::new();
    let program =
        PSQL.get_or_init(find_psql).as_deref().ok_or_else(|| format!("psql not found. {HOW_TO_GET_POSTGRES}"))?;
    run_psql(program, url, sql)
}

fn run_psql(program: &Path, url: &str, sql: &str) -> Result<String, String> {
    let output = Command::new(program)
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !output.status.success() {
        return Err(format!(
            "psql {sql:?} on {url} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut rows = String::from_utf8_lossy(&output.stdout).into_owned();
    if rows.ends_with('\n') {
        rows.pop();
    }
    Ok(rows)
}

/// A database of one test's own, dropped (`WITH (FORCE)`, best effort) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
    psql: PathBuf,
}

impl TestDatabase {
    /// Creates a database named after `test_name` (plus this process's id and a counter) on the
    /// server whose superuser URL is `admin_url`.
    pub(crate) fn create(admin_url: &str, psql: &Path, test_name: &str) -> Result<TestDatabase, String> {
        let mut attempts = 0;
        loop {
            let name = database_name(test_name);
            match run_psql(psql, admin_url, &format!("CREATE DATABASE \"{name}\"")) {
                Ok(_) => {
                    let url = with_database(admin_url, &name)?;
                    return Ok(TestDatabase { name, url, admin_url: admin_url.to_owned(), psql: psql.to_owned() });
                }
                // Left over from an earlier process with the same id on a long-lived server.
                Err(error) if error.contains("already exists") && attempts < 3 => attempts += 1,
                Err(error) => return Err(format!("cannot create a database for {test_name}: {error}")),
            }
        }
    }

    /// The database's URL (the admin URL with this database's name).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's superuser URL (database `postgres`).
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// Runs `sql` in this database (see [`psql`]).
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        run_psql(&self.psql, &self.url, sql)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ =
            run_psql(&self.psql, &self.admin_url, &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
    }
}

/// `t_<test name, sanitised>_<pid>_<counter>`: unique among live processes, at most 63 bytes
/// (PostgreSQL's limit), only `[a-z0-9_]`.
fn database_name(test_name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut sanitised = String::new();
    for c in test_name.chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' };
        if !(c == '_' && (sanitised.is_empty() || sanitised.ends_with('_'))) {
            sanitised.push(c);
        }
    }
    let sanitised = sanitised.trim_end_matches('_');
    // The end of a test path (the function's name) says the most.
    let sanitised = &sanitised[sanitised.len().saturating_sub(32)..];
    let sanitised = sanitised.trim_start_matches('_');
    let sanitised = if sanitised.is_empty() { "test" } else { sanitised };
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t_{sanitised}_{}_{counter}", std::process::id())
}

/// `url` with its database (path) replaced by `database`; the query string is kept.
fn with_database(url: &str, database: &str) -> Result<String, String> {
    let invalid = || format!("{url:?} is not a postgres:// URL (postgres://postgres@127.0.0.1:PORT/postgres)");
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    if scheme != "postgres" && scheme != "postgresql" {
        return Err(invalid());
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let query = path_and_query.find('?').map_or("", |i| &path_and_query[i..]);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_valid_and_unique() {
        let a = database_name("postgres::tests::Put-Then-Get");
        let b = database_name("postgres::tests::Put-Then-Get");
        assert_ne!(a, b);
        assert!(a.starts_with("t_postgres_tests_put_then_get_"), "{a}");
        let long = database_name(&"x::".repeat(100));
        assert!(long.len() <= 63, "{long}");
        assert!(long.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{long}");
        assert!(database_name("::").starts_with("t_test_"));
        assert!(
            database_name("a::very::long::module::path::to::the_test_function")
                .starts_with("t_module_path_to_the_test_function_")
        );
        assert!(database_name(&"ý".repeat(40)).starts_with("t_test_"));
    }

    #[test]
    fn database_replaces_the_path_of_a_url() {
        let replace = |url| with_database(url, "db").unwrap();
        assert_eq!(replace("postgres://postgres@127.0.0.1:5432/postgres"), "postgres://postgres@127.0.0.1:5432/db");
        assert_eq!(replace("postgresql://u:p@[::1]:5432"), "postgresql://u:p@[::1]:5432/db");
        assert_eq!(replace("postgres://h/x?sslmode=disable"), "postgres://h/db?sslmode=disable");
        assert_eq!(replace("postgres://h?connect_timeout=3"), "postgres://h/db?connect_timeout=3");
        assert!(with_database("host=localhost port=5432", "db").is_err());
        assert!(with_database("mysql://h/x", "db").is_err());
    }
}
