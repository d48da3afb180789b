//! A throwaway PostgreSQL cluster: `initdb` and `pg_ctl` in a temporary directory, on a loopback port.
//!
//! The flags are those of `scripts/throwaway-postgres` (which `./scripts/test` uses to start the one
//! server of a whole run); keep the two in step.
//!
//! `initdb` and `postgres` refuse to run as root. When the test process is root (CI containers
//! often are), the cluster's directory is given to the `postgres` system user (created by Debian's
//! `postgresql` package) and `initdb`, `pg_ctl` and the watchdog run as that user (`setuid` in the
//! child, as `runuser -u postgres --` does in the script).

use std::ffi::{CString, OsStr};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crate::database::TestDatabase;
use crate::free_loopback_port;

/// Environment variable naming a directory that holds `initdb`, `pg_ctl` and `psql`; it takes
/// precedence over `PATH` and Debian's `/usr/lib/postgresql/<version>/bin`.
pub const PG_BIN_ENV: &str = "CANHGIAC_PG_BIN";

/// Where Debian's `postgresql-<version>` packages put the server programs (not on `PATH`).
const DEBIAN_PG_LIB: &str = "/usr/lib/postgresql";

/// The cluster's superuser, and the system user that runs it when the tests run as root.
const SUPERUSER: &str = "postgres";

/// `initdb` flags (as in `scripts/throwaway-postgres`). `--no-sync` because the cluster is
/// thrown away: it saves seconds per cluster; the server itself runs with `fsync=on`.
const INITDB_ARGS: &[&str] = &["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"];

/// How many ports to try: [`free_loopback_port`] can race with another process taking the port.
const START_ATTEMPTS: usize = 5;

/// Seconds `pg_ctl` waits for the server to start or stop.
const PG_CTL_TIMEOUT_S: &str = "60";

/// Waits for EOF on its stdin (a pipe whose write end only the test process holds, so EOF means
/// that process closed it or is gone), then stops the server and removes its directory.
/// `$1` is `pg_ctl`, `$2` the cluster's directory.
const WATCHDOG_SCRIPT: &str = r#"read -r line || :
"$1" stop -w -t 30 -m immediate -D "$2/data" >/dev/null 2>&1
rm -rf "$2"
"#;

/// The PostgreSQL programs the tests use.
#[derive(Clone, Debug)]
pub struct PgBinaries {
    /// `initdb`.
    pub initdb: PathBuf,
    /// `pg_ctl`, from the same directory as `initdb`.
    pub pg_ctl: PathBuf,
    /// `psql`: from the same directory when it is there (see [`PgBinaries::find`]).
    pub psql: PathBuf,
}

impl PgBinaries {
    /// Finds `initdb` and `pg_ctl` in `$CANHGIAC_PG_BIN`, else on `PATH`, else in the newest
    /// `/usr/lib/postgresql/<version>/bin`; and `psql`, from the same directory
    /// or else from those places in the same order.
    pub fn find() -> Result<PgBinaries, String> {
        let dir = find_server_bin_dir()?;
        let psql = Some(dir.join("psql")).filter(|p| is_executable(p)).or_else(find_psql).ok_or_else(|| {
            format!("found initdb and pg_ctl in {} but no psql (Debian's postgresql-client)", dir.display())
        })?;
        Ok(PgBinaries { initdb: dir.join("initdb"), pg_ctl: dir.join("pg_ctl"), psql })
    }
}

fn find_server_bin_dir() -> Result<PathBuf, String> {
    let has_server_programs = |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("pg_ctl"));
    if let Some(dir) = std::env::var_os(PG_BIN_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if has_server_programs(&dir) {
            Ok(dir)
        } else {
            Err(format!("{PG_BIN_ENV}={} holds no initdb and pg_ctl", dir.display()))
        };
    }
    let on_path = find_on_path("initdb").and_then(|p| p.parent().map(Path::to_path_buf));
    if let Some(dir) = on_path.filter(|dir| has_server_programs(dir)) {
        return Ok(dir);
    }
    debian_bin_dirs()
        .into_iter()
        .find(|dir| has_server_programs(dir))
        .ok_or_else(|| format!("no initdb and pg_ctl: not in ${PG_BIN_ENV}, on PATH nor in {DEBIAN_PG_LIB}/*/bin"))
}

/// Finds `psql` in `$CANHGIAC_PG_BIN`, on `PATH` or in the newest `/usr/lib/postgresql/<version>/bin`.
pub(crate) fn find_psql() -> Option<PathBuf> {
    let from_env = std::env::var_os(PG_BIN_ENV).filter(|d| !d.is_empty()).map(|d| PathBuf::from(d).join("psql"));
    from_env
        .filter(|p| is_executable(p))
        .or_else(|| find_on_path("psql"))
        .or_else(|| debian_bin_dirs().into_iter().map(|d| d.join("psql")).find(|p| is_executable(p)))
}

/// `/usr/lib/postgresql/<version>/bin`, newest version first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(DEBIAN_PG_LIB) else { return Vec::new() };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name.split('.').map(|part| part.parse::<u32>().ok()).collect::<Option<Vec<u32>>>()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Who runs the cluster's programs.
#[derive(Clone, Debug)]
enum Owner {
    /// This process's user (not root).
    Me,
    /// The `postgres` system user, when this process is root.
    System { uid: u32, gid: u32 },
}

impl Owner {
    fn for_this_process() -> Result<Owner, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(Owner::Me);
        }
        let (uid, gid) = lookup_user(SUPERUSER).ok_or_else(|| {
            format!(
                "the tests run as root, where initdb refuses to run, and there is no `{SUPERUSER}` system user \
                 to run the cluster as (Debian's postgresql package creates it)"
            )
        })?;
        Ok(Owner::System { uid, gid })
    }

    /// A command running `program` as this owner.
    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        if let Owner::System { uid, gid } = *self {
            // std drops the supplementary groups too when root sets a uid.
            command.uid(uid).gid(gid);
        }
        command
    }
}

/// The uid and gid of user `name`.
fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let name = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain old data; getpwnam_r fills it and `result`, pointing into `buf`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the stated length for the duration of the call.
    let rc = unsafe { libc::getpwnam_r(name.as_ptr(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    (rc == 0 && !result.is_null()).then_some((pwd.pw_uid, pwd.pw_gid))
}

/// Whether process `pid` exists and has not exited (a zombie counts as exited).
pub fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain anything.
        Ok(stat) => stat.rsplit_once(')').is_none_or(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

fn wait_until_dead(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if !process_alive(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn describe_output(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.trim().is_empty() {
        text.push('\n');
        text.push_str(stdout.trim());
    }
    format!("{} ({})", text, output.status)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A PostgreSQL server of its own, in a temporary directory, listening on 127.0.0.1 only, with
/// trust authentication for the superuser `postgres`.
///
/// Dropping it stops the server (`pg_ctl stop -m immediate`) and removes its directory; so does a
/// watchdog process if the test process dies without dropping it.
#[derive(Debug)]
pub struct PostgresCluster {
    bins: PgBinaries,
    owner: Owner,
    dir: PathBuf,
    port: u16,
    /// The watchdog, until the cluster is stopped; `None` inside once stopped.
    watchdog: Mutex<Option<Option<Child>>>,
}

impl PostgresCluster {
    /// Starts a cluster with the programs [`PgBinaries::find`] finds.
    pub fn start() -> Result<PostgresCluster, String> {
        Self::start_with(PgBinaries::find()?)
    }

    /// Starts a cluster with these programs: `initdb` into a new temporary directory, then
    /// `pg_ctl start -w` on a free loopback port (another port if that one was taken meanwhile).
    pub fn start_with(bins: PgBinaries) -> Result<PostgresCluster, String> {
        let owner = Owner::for_this_process()?;
        let dir = make_cluster_dir(&owner)?;
        // From here on, dropping `cluster` (on an error) removes the directory.
        let mut cluster = PostgresCluster { bins, owner, dir, port: 0, watchdog: Mutex::new(Some(None)) };
        let watchdog = cluster.spawn_watchdog()?;
        *cluster.watchdog.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(Some(watchdog));

        let output = cluster
            .owner
            .command(&cluster.bins.initdb)
            .current_dir(&cluster.dir)
            .arg("-D")
            .arg(cluster.data_dir())
            .args(INITDB_ARGS)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", cluster.bins.initdb.display()))?;
        if !output.status.success() {
            return Err(format!("initdb failed: {}", describe_output(&output)));
        }

        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_loopback_port();
            match cluster.pg_ctl_start(port) {
                Ok(()) => {
                    cluster.port = port;
                    return Ok(cluster);
                }
                Err(error) => {
                    // A server that came up after all (pg_ctl timed out) would hold the data directory.
                    cluster.stop_postmaster()?;
                    let log = fs::read_to_string(cluster.log_path()).unwrap_or_default();
                    last_error = format!("{error}\nserver log (last lines):\n{}", last_lines(&log, 30));
                    let port_taken = log.contains("could not bind") || log.contains("Address already in use");
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(format!("cannot start PostgreSQL: {last_error}"))
    }

    fn pg_ctl_start(&self, port: u16) -> Result<(), String> {
        let dir = self.dir.to_str().ok_or("the cluster directory is not UTF-8")?;
        // The same server options as scripts/throwaway-postgres. pg_ctl hands them to a shell,
        // hence the quotes (make_cluster_dir rejects directories containing a quote).
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -k '{dir}' -c fsync=on");
        let output = self
            .owner
            .command(&self.bins.pg_ctl)
            .current_dir(&self.dir)
            .args(["start", "-w", "-t", PG_CTL_TIMEOUT_S, "-D"])
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_path())
            .arg("-o")
            .arg(options)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bins.pg_ctl.display()))?;
        if output.status.success() { Ok(()) } else { Err(format!("pg_ctl start failed: {}", describe_output(&output))) }
    }

    fn spawn_watchdog(&self) -> Result<Child, String> {
        let mut command = self.owner.command("/bin/sh");
        command
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("canhgiac-postgres-watchdog")
            .arg(&self.bins.pg_ctl)
            .arg(&self.dir)
            .current_dir("/")
            // Out of the test's process group, so that a signal to the group (nextest's timeout)
            // leaves it alive to clean up. std makes the pipe's write end close-on-exec: no other
            // child of the test process holds it.
            .process_group(0)
            .stdin(Stdio::piped())
            // Not the test's stdout and stderr: nextest would report them held open as a leak.
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command.spawn().map_err(|e| format!("cannot start the cluster's watchdog (/bin/sh): {e}"))
    }

    /// The superuser's URL for the `postgres` database: `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding everything: `data/`, `postgres.log`, the Unix socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data directory (`initdb -D`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The programs this cluster runs.
    pub fn binaries(&self) -> &PgBinaries {
        &self.bins
    }

    /// The postmaster's process id (from `postmaster.pid`), while the server runs.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Creates a fresh database for `test_name` on this cluster (see [`TestDatabase`]).
    pub fn create_database(&self, test_name: &str) -> Result<TestDatabase, String> {
        TestDatabase::create(&self.admin_url(), &self.bins.psql, test_name)
    }

    /// Stops the server and removes its directory; `Drop` does the same, ignoring errors.
    pub fn stop(self) -> Result<(), String> {
        self.shutdown()
    }

    /// Stops the server and removes the directory, once; later calls do nothing.
    pub(crate) fn shutdown(&self) -> Result<(), String> {
        let mut guard = self.watchdog.lock().unwrap_or_else(|p| p.into_inner());
        let Some(watchdog) = guard.take() else { return Ok(()) };
        let stopped = self.stop_postmaster();
        // Even when the server would not stop: without its lock file it shuts itself down.
        let removed = match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", self.dir.display())),
            _ => Ok(()),
        };
        if let Some(mut watchdog) = watchdog {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        stopped.and(removed)
    }

    /// `pg_ctl stop -m immediate`, then signals if the postmaster is still there.
    fn stop_postmaster(&self) -> Result<(), String> {
        let Some(pid) = self.postmaster_pid() else { return Ok(()) };
        let result = self
            .owner
            .command(&self.bins.pg_ctl)
            .current_dir(&self.dir)
            .args(["stop", "-w", "-t", PG_CTL_TIMEOUT_S, "-m", "immediate", "-D"])
            .arg(self.data_dir())
            .stdin(Stdio::null())
            .output();
        let pg_ctl_error = match result {
            Ok(output) if output.status.success() => None,
            Ok(output) => Some(describe_output(&output)),
            Err(e) => Some(e.to_string()),
        };
        if wait_until_dead(pid, Duration::from_secs(if pg_ctl_error.is_none() { 10 } else { 0 })) {
            return Ok(());
        }
        // SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL as the last resort.
        for (signal, wait) in [(libc::SIGQUIT, 10), (libc::SIGKILL, 5)] {
            // SAFETY: plain kill(2) on the postmaster's pid.
            unsafe { libc::kill(pid, signal) };
            if wait_until_dead(pid, Duration::from_secs(wait)) {
                return Ok(());
            }
        }
        Err(format!(
            "the postmaster (pid {pid}) of {} would not stop: {}",
            self.dir.display(),
            pg_ctl_error.unwrap_or_else(|| "it outlived pg_ctl stop".to_owned())
        ))
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            eprintln!("canhgiac-testkit: {error}");
        }
    }
}

/// A new empty directory for a cluster, owned by whoever runs it.
///
/// Under `$TMPDIR` for a normal user; under `/tmp` for root, since the `postgres` user must be able
/// to reach it, and when `$TMPDIR` is long, since the server's Unix socket path (in this directory)
/// must stay under about 100 bytes.
fn make_cluster_dir(owner: &Owner) -> Result<PathBuf, String> {
    let mut base = std::env::temp_dir();
    if matches!(owner, Owner::System { .. }) || base.as_os_str().len() > 60 || base.to_string_lossy().contains('\'') {
        base = PathBuf::from("/tmp");
    }
    let dir = tempfile::Builder::new()
        .prefix("canhgiac-pg-")
        .tempdir_in(&base)
        .map_err(|e| format!("cannot create a directory in {}: {e}", base.display()))?
        .keep();
    if let Owner::System { uid, gid } = *owner {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| {
            let _ = fs::remove_dir(&dir);
            format!("cannot give {} to the {SUPERUSER} user: {e}", dir.display())
        })?;
    }
    Ok(dir)
}
