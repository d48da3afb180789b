//! The throwaway PostgreSQL cluster and the per-test databases, against real servers.
//!
//! These need the PostgreSQL programs (Debian's `postgresql` package) and fail without them, like
//! every PostgreSQL test: `./scripts/test` installs the package.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use canhgiac_testkit::{
    POSTGRES_URL_ENV, PostgresCluster, TestDatabase, process_alive, psql, require_postgres_database, shared_cluster,
};

fn start_cluster() -> PostgresCluster {
    PostgresCluster::start().unwrap_or_else(|e| panic!("{e}"))
}

fn database_names(admin_url: &str) -> Vec<String> {
    psql(admin_url, "SELECT datname FROM pg_database").unwrap().lines().map(str::to_owned).collect()
}

/// Two databases on one server: both exist, each is its own, and dropping one removes it.
fn check_two_databases(a: TestDatabase, b: TestDatabase) {
    assert_ne!(a.name(), b.name());
    assert_ne!(a.url(), b.url());
    assert_eq!(a.admin_url(), b.admin_url());
    assert_eq!(a.psql("SELECT current_database()").unwrap(), a.name());
    assert_eq!(psql(b.url(), "SELECT current_database()").unwrap(), b.name());
    a.psql("CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (1)").unwrap();
    assert_eq!(a.psql("SELECT count(*) FROM only_in_a").unwrap(), "1");
    assert!(b.psql("SELECT count(*) FROM only_in_a").is_err(), "b sees a's table");

    let admin_url = a.admin_url().to_owned();
    let names = database_names(&admin_url);
    assert!(names.iter().any(|n| n == a.name()) && names.iter().any(|n| n == b.name()), "{names:?}");
    let (a_name, b_name) = (a.name().to_owned(), b.name().to_owned());
    // Dropped even with a session open on it (WITH (FORCE)).
    drop(a);
    assert!(!database_names(&admin_url).contains(&a_name));
    drop(b);
    assert!(!database_names(&admin_url).contains(&b_name));
}

fn assert_stopped(pid: i32, dir: &Path, port: u16) {
    assert!(!process_alive(pid), "the postmaster (pid {pid}) still runs");
    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "something still listens on port {port}");
}

#[test]
fn cluster_serves_separate_databases_and_stop_leaves_nothing_running() {
    let cluster = start_cluster();
    let admin_url = cluster.admin_url();
    assert_eq!(admin_url, format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port()));
    assert_eq!(psql(&admin_url, "SELECT current_user, current_database()").unwrap(), "postgres|postgres");
    assert_eq!(psql(&admin_url, "SHOW listen_addresses").unwrap(), "127.0.0.1");
    assert_eq!(psql(&admin_url, "SHOW fsync").unwrap(), "on");
    assert_eq!(psql(&admin_url, "SHOW server_encoding").unwrap(), "UTF8");

    check_two_databases(
        cluster.create_database("cluster::lifecycle").unwrap(),
        cluster.create_database("cluster::lifecycle").unwrap(),
    );

    let pid = cluster.postmaster_pid().expect("postmaster.pid");
    assert!(process_alive(pid));
    let (dir, port) = (cluster.dir().to_owned(), cluster.port());
    cluster.stop().unwrap();
    assert_stopped(pid, &dir, port);
}

#[test]
fn dropping_a_cluster_stops_it() {
    let cluster = start_cluster();
    let pid = cluster.postmaster_pid().expect("postmaster.pid");
    let (dir, port) = (cluster.dir().to_owned(), cluster.port());
    let database = cluster.create_database("dropping").unwrap();
    drop(cluster);
    assert_stopped(pid, &dir, port);
    // Dropping a database whose server is gone is harmless.
    drop(database);
}

#[test]
fn postgres_database_gives_each_test_its_own_database_on_the_shared_server() {
    let a = require_postgres_database(module_path!());
    let b = require_postgres_database(module_path!());
    match std::env::var(POSTGRES_URL_ENV).ok().filter(|url| !url.trim().is_empty()) {
        Some(url) => {
            assert_eq!(a.admin_url(), url.trim());
            assert!(shared_cluster().is_none());
        }
        None => assert_eq!(a.admin_url(), shared_cluster().expect("this process's cluster").admin_url()),
    }
    check_two_databases(a, b);
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/throwaway-postgres")
}

#[test]
fn script_starts_and_stops_a_cluster() {
    // Under /tmp: as root, the script gives the directory to the postgres user, who must reach it.
    let dir = tempfile::Builder::new().prefix("canhgiac-script-").tempdir_in("/tmp").unwrap();
    let output = Command::new("bash").arg(script()).arg("start").arg(dir.path()).output().unwrap();
    assert!(output.status.success(), "start: {}", String::from_utf8_lossy(&output.stderr));
    let url = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let pid: i32 = std::fs::read_to_string(dir.path().join("data/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stop = || Command::new("bash").arg(script()).arg("stop").arg(dir.path()).status().unwrap();
    let checked = std::panic::catch_unwind(|| {
        assert!(url.starts_with("postgres://postgres@127.0.0.1:") && url.ends_with("/postgres"), "{url}");
        assert_eq!(psql(&url, "SHOW listen_addresses").unwrap(), "127.0.0.1");
        assert_eq!(psql(&url, "SHOW fsync").unwrap(), "on");
        assert!(process_alive(pid));
    });
    assert!(stop().success());
    assert!(!process_alive(pid), "the postmaster (pid {pid}) still runs");
    assert!(stop().success(), "stopping twice");
    checked.unwrap();
}

// ---- the per-process cluster must not outlive its process ----

const CHILD_ENV: &str = "CANHGIAC_TESTKIT_CHILD";

/// Not a test by itself: the child process of the tests below (it does nothing without CHILD_ENV).
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(CHILD_ENV) else { return };
    let database = require_postgres_database("child");
    let cluster = shared_cluster().expect("the child starts its own cluster");
    // On a line of its own: libtest has written "test child_process ... " without a newline.
    println!("\nCHILD {} {}", cluster.postmaster_pid().unwrap(), cluster.dir().display());
    match mode.as_str() {
        "exit" => drop(database),
        "panic" => panic!("as asked"),
        "hang" => loop {
            thread::sleep(Duration::from_secs(1));
        },
        _ => unreachable!("{mode}"),
    }
}

/// Runs `child_process` in a new process of this test binary; returns it with its cluster's
/// postmaster pid and directory.
fn spawn_child(mode: &str) -> (Child, i32, PathBuf) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env_remove(POSTGRES_URL_ENV)
        .stdout(Stdio::piped())
        // The expected panic's message would only be noise.
        .stderr(if mode == "panic" { Stdio::null() } else { Stdio::inherit() })
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next() {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once("CHILD ") {
            let (pid, dir) = rest.split_once(' ').unwrap();
            // Keep reading: a child writing to a closed pipe would fail.
            thread::spawn(move || lines.for_each(drop));
            return (child, pid.parse().unwrap(), PathBuf::from(dir));
        }
    }
    panic!("the child process did not report its cluster: {:?}", child.wait());
}

fn wait_for(what: &str, timeout: Duration, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not after {timeout:?}");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_per_process_cluster_stops_when_the_process_exits() {
    for (mode, success) in [("exit", true), ("panic", false)] {
        let (mut child, pid, dir) = spawn_child(mode);
        assert_eq!(child.wait().unwrap().success(), success, "{mode}");
        // Stopped by the atexit handler before the process ended.
        assert!(!process_alive(pid), "{mode}: the postmaster (pid {pid}) still runs");
        assert!(!dir.exists(), "{mode}: {} is still there", dir.display());
    }
}

#[test]
fn the_watchdog_stops_the_cluster_of_a_killed_process() {
    let (mut child, pid, dir) = spawn_child("hang");
    assert!(process_alive(pid));
    child.kill().unwrap(); // SIGKILL: no atexit, no Drop
    child.wait().unwrap();
    wait_for("the watchdog stops the postmaster", Duration::from_secs(30), || !process_alive(pid));
    wait_for("the watchdog removes the directory", Duration::from_secs(10), || !dir.exists());
}
