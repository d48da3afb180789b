//! The built `canhgiac` binary, run as a user runs it.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn canhgiac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canhgiac")).args(args).stdin(Stdio::null()).output().expect("the binary runs")
}

fn canhgiac_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canhgiac"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {:?}; stderr: {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ---- parse ----

const SCAM_TEXT: &str =
    "Chị ơi, em bên ngân hàng đây. Tài khoản của chị bị khóa, gọi ngay 0912.345.678 hoặc vào link để xác minh.";

#[test]
fn parse_json_on_a_vietnamese_text_gives_an_array() {
    let output = canhgiac(&["parse", "--json", SCAM_TEXT]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json = stdout_json(&output);
    let identifiers = json.as_array().expect("a JSON array");
    for identifier in identifiers {
        assert!(identifier["kind"].is_string() && identifier["canonical"].is_string(), "{identifier}");
        assert!(identifier["display"].is_string(), "{identifier}");
        assert_eq!(identifier["span"].as_array().map(Vec::len), Some(2), "{identifier}");
    }
    let phone = identifiers.iter().find(|i| i["kind"] == "phone").unwrap_or_else(|| panic!("a phone in {json}"));
    assert_eq!(phone["canonical"], "+84912345678");
    let (start, end) = (phone["span"][0].as_u64().unwrap() as usize, phone["span"][1].as_u64().unwrap() as usize);
    let found: String = SCAM_TEXT.chars().skip(start).take(end - start).collect();
    assert_eq!(found, "0912.345.678", "the span counts characters");
}

#[test]
fn parse_json_without_identifiers_prints_an_empty_array_and_exits_0() {
    let output = canhgiac(&["parse", "--json", "xin chào"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output), serde_json::json!([]));
}

#[test]
fn parse_reads_standard_input_when_the_text_is_dash_or_absent() {
    for args in [&["parse", "--json", "-"][..], &["parse", "--json"][..]] {
        let output = canhgiac_with_stdin(args, "xin chào\n");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
        assert_eq!(stdout_json(&output), serde_json::json!([]), "{args:?}");
    }
    let output = canhgiac_with_stdin(&["parse", "--kind", "phone"], "abc\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("error[invalid_phone]"), "{}", stderr(&output));
}

#[test]
fn parse_kind_phone_refuses_abc_with_exit_2() {
    let output = canhgiac(&["parse", "--kind", "phone", "abc"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("error[invalid_phone]: "), "{err}");
    assert!(output.stdout.is_empty());
    let output = canhgiac(&["parse", "--json", "--kind", "phone", "abc"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("error[invalid_phone]: "));
}

#[test]
fn parse_unknown_kind_lists_the_kinds() {
    let output = canhgiac(&["parse", "--kind", "nonsense", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.starts_with("error[unknown_kind]: "), "{err}");
    for kind in ["phone", "bank_account", "ewallet", "vietqr"] {
        assert!(err.contains(kind), "{err}");
    }
}

#[test]
fn parse_kind_phone_prints_one_identifier() {
    let output = canhgiac(&["parse", "--json", "--kind", "phone", "0912.345.678"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json = stdout_json(&output);
    assert_eq!(json["kind"], "phone");
    assert_eq!(json["canonical"], "+84912345678");
    assert!(json.get("span").is_none());

    let output = canhgiac(&["parse", "--kind", "phone", "0912.345.678"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("phone") && text.contains("+84912345678"), "{text}");
}

#[test]
fn parse_detect_guesses_the_kind() {
    let output = canhgiac(&["parse", "--json", "--detect", "0912.345.678"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json = stdout_json(&output);
    assert_eq!(json["kind"], "phone");
    assert_eq!(json["canonical"], "+84912345678");
}

#[test]
fn parse_without_json_prints_a_line_per_identifier() {
    let output = canhgiac(&["parse", SCAM_TEXT]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("phone")).unwrap_or_else(|| panic!("a phone line in {text:?}"));
    assert!(line.contains("+84912345678") && line.contains("span: "), "{line}");
}

#[test]
fn parse_kind_and_detect_conflict() {
    let output = canhgiac(&["parse", "--kind", "phone", "--detect", "x"]);
    assert_eq!(output.status.code(), Some(2));
}

// ---- serve ----

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 GET with `Connection: close`: the status and the body.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// Kills the server if a test fails before it stops it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn wait_for_health(server: &mut Server, addr: SocketAddr, log: &Path) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok((200, body)) = http_get(addr, "/healthz") {
            return serde_json::from_str(&body).expect("JSON");
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        assert!(Instant::now() < deadline, "no answer: {}", std::fs::read_to_string(log).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for_exit(server: &mut Server, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `serve`, checks it answers and creates its data directory, makes a request that carries a
/// phone number in its path and query, sends `signal`, and checks the exit and the log.
fn serve_then_signal(signal: libc::c_int, configure: impl FnOnce(&mut Command, SocketAddr, &Path)) {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    let log = temp.path().join("server.log");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_canhgiac"));
    command
        .arg("serve")
        .env_remove("CANHGIAC_LISTEN")
        .env_remove("CANHGIAC_DATA_DIR")
        // Even at debug level, no personal data reaches the log.
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(temp.path().join("server.out")).unwrap())
        .stderr(std::fs::File::create(&log).unwrap());
    configure(&mut command, addr, &data_dir);
    let mut server = Server(command.spawn().expect("the binary runs"));

    let health = wait_for_health(&mut server, addr, &log);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(data_dir.is_dir(), "the data directory is created");
    let (status, _) = http_get(addr, "/v1/check/0912345678?reporter=0987654321").unwrap();
    assert_eq!(status, 404);
    // A look-up (answered before the router) and a refused one.
    let (status, _) = http_get(addr, "/v1/check?q=0912345678").unwrap();
    assert_eq!(status, 200);
    let (status, _) = http_get(addr, "/v1/check?q=").unwrap();
    assert_eq!(status, 400);

    let sent = Instant::now();
    // SAFETY: kill(2) on the child's own pid, with a valid signal number.
    assert_eq!(unsafe { libc::kill(server.0.id() as libc::pid_t, signal) }, 0);
    let status = wait_for_exit(&mut server, Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "exit status {status}");
    assert!(sent.elapsed() < Duration::from_secs(5));

    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("listening") && log.contains(&addr.to_string()), "{log}");
    assert!(log.contains("route=/healthz") && log.contains("status=200"), "requests are logged: {log}");
    assert!(
        log.contains("route=<unmatched>") && log.contains("status=404"),
        "unmatched routes are logged without their path: {log}"
    );
    assert!(
        log.contains("route=/v1/check status=200") && log.contains("route=/v1/check status=400"),
        "look-ups are logged: {log}"
    );
    for personal in ["0912345678", "0987654321", "reporter"] {
        assert!(!log.contains(personal), "`{personal}` leaked into the log: {log}");
    }
}

#[test]
fn serve_answers_healthz_and_stops_on_sigterm() {
    serve_then_signal(libc::SIGTERM, |command, addr, data_dir| {
        command.arg("--listen").arg(addr.to_string()).arg("--data-dir").arg(data_dir);
    });
}

#[test]
fn serve_takes_its_settings_from_the_environment_and_stops_on_sigint() {
    serve_then_signal(libc::SIGINT, |command, addr, data_dir| {
        command.env("CANHGIAC_LISTEN", addr.to_string()).env("CANHGIAC_DATA_DIR", data_dir);
    });
}

#[test]
fn serve_on_a_port_in_use_fails_with_exit_1() {
    let temp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_canhgiac"))
        .args(["serve", "--listen", &taken.local_addr().unwrap().to_string(), "--data-dir"])
        .arg(temp.path().join("data"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot listen on"), "{}", stderr(&output));
}

#[test]
fn serve_raises_its_open_file_limit_and_serves_fewer_connections_when_the_limit_is_low() {
    use std::os::unix::process::CommandExt;
    let temp = tempfile::tempdir().unwrap();
    let log = temp.path().join("server.log");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_canhgiac"));
    command
        .args(["serve", "--listen", &addr.to_string(), "--max-connections", "5000", "--data-dir"])
        .arg(temp.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    // SAFETY: setrlimit(2) between fork and exec, on a valid rlimit; it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            let low = libc::rlimit { rlim_cur: 300, rlim_max: 400 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &low) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut server = Server(command.spawn().expect("the binary runs"));
    assert_eq!(wait_for_health(&mut server, addr, &log)["status"], "ok");

    // The soft limit was raised to the hard one...
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.0.id())).unwrap();
    let open_files = limits.lines().find(|line| line.starts_with("Max open files")).unwrap();
    assert_eq!(open_files.split_whitespace().skip(3).take(2).collect::<Vec<_>>(), ["400", "400"], "{open_files}");
    // ...and the connections kept within it, leaving 256 files for the rest, with a warning that says so.
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("open_file_limit=400") && log_text.contains("max_connections=144"),
        "the log says how many connections the limit allows: {log_text}"
    );

    // SAFETY: kill(2) on the child's own pid.
    assert_eq!(unsafe { libc::kill(server.0.id() as libc::pid_t, libc::SIGTERM) }, 0);
    assert_eq!(wait_for_exit(&mut server, Duration::from_secs(5)).code(), Some(0));
}

#[test]
fn serve_refuses_a_connection_limit_that_is_not_a_positive_number() {
    assert_serve_refuses("--max-connections", &["0", "-5", "lots"]);
}

/// `canhgiac serve` exits 2 for each of these values of `option`, naming the option and the value.
fn assert_serve_refuses(option: &str, values: &[&str]) {
    for bad in values {
        let output = Command::new(env!("CARGO_BIN_EXE_canhgiac"))
            .args(["serve", "--listen", "127.0.0.1:0", &format!("{option}={bad}")])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{option}={bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(option) && stderr.contains(bad), "{option}={bad}: {stderr}");
    }
}

#[test]
fn serve_answers_look_ups_on_as_many_loops_as_asked_and_refuses_a_count_that_is_not_one() {
    for (asked, loops) in [("3", 3), ("0", 0)] {
        let temp = tempfile::tempdir().unwrap();
        let log = temp.path().join("server.log");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_canhgiac"));
        command
            .args(["serve", "--listen", &addr.to_string(), "--lookup-threads", asked, "--data-dir"])
            .arg(temp.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let mut server = Server(command.spawn().expect("the binary runs"));
        assert_eq!(wait_for_health(&mut server, addr, &log)["status"], "ok");
        // A look-up is answered, on a loop or on the runtime.
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(b"GET /v1/check?q=0912345678 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("+84912345678"), "{asked}: {answer}");
        // The loops are threads of their own, named so.
        let named_lookups = std::fs::read_dir(format!("/proc/{}/task", server.0.id()))
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
            .filter(|name| name.starts_with("lookups-"))
            .count();
        assert_eq!(named_lookups, loops, "--lookup-threads {asked}");
        // SAFETY: kill(2) on the child's own pid.
        assert_eq!(unsafe { libc::kill(server.0.id() as libc::pid_t, libc::SIGTERM) }, 0);
        assert_eq!(wait_for_exit(&mut server, Duration::from_secs(5)).code(), Some(0));
    }
    assert_serve_refuses("--lookup-threads", &["-1", "lots", "5000"]);
}
