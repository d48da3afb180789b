//! Sustained report intake over HTTP, SQLite beside PostgreSQL, in one run (issue 3).
//!
//! ```sh
//! cargo run --release -p canhgiac-bench --example intake_load
//! cargo run --release -p canhgiac-bench --example intake_load -- --connections 64 --seconds 5 --store sqlite
//! ```
//!
//! For each store and each number of connections, a fresh release server (`canhgiac serve`, built first with
//! `cargo build --release -p canhgiac` unless `--server PATH` names one) on a fresh database: SQLite in a temporary
//! directory, PostgreSQL in a new database of a throwaway cluster (`fsync=on`, `synchronous_commit=on`). The client
//! keeps N HTTP/1.1 keep-alive connections busy with `POST /v1/reports` (JSON, a unique `Idempotency-Key` each, the
//! narrative and amounts varied), one request in flight per connection; it warms up, then counts the `201 Created`
//! answers of the measured window (each one sent only after the report's commit). Anything else is an error,
//! counted and shown. Then the server is killed (`SIGKILL`) and the `reports` table counted: every acknowledged
//! report must be there.
//!
//! The client runs on one thread of the same machine as the server (and PostgreSQL): it shares the cores with them.
//! Its own CPU time is printed beside theirs, with the rest of the machine's ("other CPU": well above 0.1 core means
//! something else ran meanwhile and the level should be run again), the SQLite writer thread's time, and the disks'
//! cache flushes (from /proc).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use canhgiac_testkit::{PostgresCluster, TestDatabase, free_loopback_port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest the client waits for one answer before it counts a timeout and reconnects.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a server may take to answer `GET /healthz` after it is started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreKind {
    Sqlite,
    Postgres,
}

impl StoreKind {
    fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "SQLite",
            StoreKind::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug)]
struct Options {
    connections: Vec<usize>,
    warmup: Duration,
    measure: Duration,
    stores: Vec<StoreKind>,
    server: Option<PathBuf>,
    server_log: String,
}

fn usage() -> &'static str {
    "intake_load [--connections 16,64,256] [--warmup SECONDS] [--seconds SECONDS] [--store sqlite|postgres|both] \
     [--server PATH] [--server-log RUST_LOG]"
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        connections: vec![16, 64, 256],
        warmup: Duration::from_secs(2),
        measure: Duration::from_secs(10),
        stores: vec![StoreKind::Sqlite, StoreKind::Postgres],
        server: None,
        // The product's default: one line per request on stderr, here into a file.
        server_log: "info".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        // `cargo bench` style flags are ignored.
        if arg == "--bench" {
            continue;
        }
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {}", usage()));
        let seconds = |text: String| {
            text.parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.0 && s.is_finite())
                .map(Duration::from_secs_f64)
                .ok_or_else(|| format!("not a number of seconds: {text}"))
        };
        match arg.as_str() {
            "--connections" => {
                options.connections = value()?
                    .split(',')
                    .map(|n| n.trim().parse::<usize>().ok().filter(|n| *n > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("--connections takes positive numbers separated by commas")?;
            }
            "--warmup" => options.warmup = seconds(value()?)?,
            "--seconds" => options.measure = seconds(value()?)?,
            "--store" => {
                options.stores = match value()?.as_str() {
                    "sqlite" => vec![StoreKind::Sqlite],
                    "postgres" | "postgresql" => vec![StoreKind::Postgres],
                    "both" => vec![StoreKind::Sqlite, StoreKind::Postgres],
                    other => return Err(format!("unknown store {other:?}: sqlite, postgres or both")),
                }
            }
            "--server" => options.server = Some(PathBuf::from(value()?)),
            "--server-log" => options.server_log = value()?,
            "-h" | "--help" => return Err(usage().to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {}", usage())),
        }
    }
    if options.measure.is_zero() {
        return Err("--seconds must be above 0".to_owned());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("intake_load: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every store and level; false when a durability check failed.
fn run(options: &Options) -> Result<bool, String> {
    let server = match &options.server {
        Some(path) => path.clone(),
        None => build_server()?,
    };
    println!("server: {} (RUST_LOG={}, its log in a file)", server.display(), options.server_log);
    println!(
        "machine: {} cores; load average before the run: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    println!(
        "client: one thread, same machine; {} warm-up, {} measured per level\n",
        seconds_text(options.warmup),
        seconds_text(options.measure)
    );

    let cluster = if options.stores.contains(&StoreKind::Postgres) {
        let cluster = PostgresCluster::start()?;
        let settings = canhgiac_testkit::psql(
            &cluster.admin_url(),
            "SELECT current_setting('server_version'), current_setting('fsync'), \
             current_setting('synchronous_commit'), current_setting('wal_sync_method')",
        )?;
        let fields: Vec<&str> = settings.split('|').collect();
        if let [version, fsync, synchronous_commit, wal_sync_method] = fields[..] {
            println!(
                "PostgreSQL {version}: fsync={fsync}, synchronous_commit={synchronous_commit}, \
                 wal_sync_method={wal_sync_method}; canhgiac's pool: 16 connections\n"
            );
        }
        Some(cluster)
    } else {
        None
    };

    let mut results = Vec::new();
    for &store in &options.stores {
        for &connections in &options.connections {
            let result = run_level(&server, options, store, connections, cluster.as_ref())?;
            println!("{}", result.line());
            results.push(result);
        }
    }
    drop(cluster);

    println!("\nload average after the run: {}\n", load_average());
    println!("{}", table(&results));
    let all_durable = results.iter().all(|r| r.durable());
    if !all_durable {
        println!("\nDURABILITY CHECK FAILED: see the `rows` column");
    }
    print_errors(&results);
    Ok(all_durable)
}

/// `cargo build --release -p canhgiac`, and the binary's path beside this example's directory.
fn build_server() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "-p", "canhgiac"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release -p canhgiac failed ({status})"));
    }
    // This example is target/release/examples/intake_load; the server is target/release/canhgiac.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    let server = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("canhgiac"))
        .filter(|path| path.is_file())
        .ok_or("no canhgiac binary beside target/*/examples; pass --server PATH")?;
    Ok(server)
}

/// One store at one number of connections: its own server and fresh database.
fn run_level(
    server: &Path,
    options: &Options,
    store: StoreKind,
    connections: usize,
    cluster: Option<&PostgresCluster>,
) -> Result<LevelResult, String> {
    let data_dir = tempfile::Builder::new()
        .prefix("canhgiac-intake-load-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let database: Option<TestDatabase> = match store {
        StoreKind::Sqlite => None,
        StoreKind::Postgres => {
            let cluster = cluster.ok_or("no PostgreSQL cluster")?;
            Some(cluster.create_database(&format!("intake_load_{connections}"))?)
        }
    };
    let mut running = RunningServer::start(server, data_dir.path(), database.as_ref().map(|d| d.url()), options)?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client's runtime: {e}"))?;
    let postgres = cluster.filter(|_| store == StoreKind::Postgres).and_then(PostgresCluster::postmaster_pid);
    let watched = Watched { server: running.pid(), postgres };
    let load = runtime.block_on(drive(running.address, connections, options.warmup, options.measure, watched));

    // Killed, not stopped: what was acknowledged must already be on disk, not flushed at shutdown.
    running.kill()?;
    let rows = match (&database, store) {
        (Some(database), _) => database
            .psql("SELECT COUNT(*) FROM reports")?
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("cannot read the count of reports: {e}"))?,
        (None, _) => {
            let path = data_dir.path().join("data").join("canhgiac.db");
            if !path.is_file() {
                return Err(format!("{} is absent", path.display()));
            }
            let connection =
                rusqlite::Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            connection
                .query_row("SELECT COUNT(*) FROM reports", [], |row| row.get::<_, i64>(0))
                .map_err(|e| format!("cannot count the reports in {}: {e}", path.display()))? as u64
        }
    };
    if load.errors_total() > 0 {
        let log = std::fs::read_to_string(data_dir.path().join("server.log")).unwrap_or_default();
        let warnings: Vec<&str> = log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
        if !warnings.is_empty() {
            println!("server warnings and errors (last 5):");
            for line in &warnings[warnings.len().saturating_sub(5)..] {
                println!("  {line}");
            }
        }
    }
    Ok(LevelResult { store, connections, load, rows })
}

/// A `canhgiac serve` child process, killed when dropped.
struct RunningServer {
    child: Option<Child>,
    address: SocketAddr,
}

impl RunningServer {
    fn start(
        server: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        options: &Options,
    ) -> Result<RunningServer, String> {
        let log_path = data_dir.join("server.log");
        let mut last_error = String::new();
        // The port is free a moment before the server binds it; another process may take it meanwhile.
        for _ in 0..3 {
            let address = SocketAddr::from(([127, 0, 0, 1], free_loopback_port()));
            let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot create the server's log: {e}"))?;
            let mut command = Command::new(server);
            command.arg("serve").arg("--listen").arg(address.to_string()).arg("--data-dir").arg(data_dir.join("data"));
            if let Some(url) = database_url {
                command.arg("--database").arg(url);
            }
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("CANHGIAC_") {
                    command.env_remove(name);
                }
            }
            command.env("RUST_LOG", &options.server_log).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
            let child = command.spawn().map_err(|e| format!("cannot start {}: {e}", server.display()))?;
            let mut running = RunningServer { child: Some(child), address };
            match running.wait_ready() {
                Ok(()) => return Ok(running),
                Err(error) => {
                    let _ = running.kill();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    last_error = format!("{error}; server log:\n{log}");
                    if !log.contains("in use") {
                        break;
                    }
                }
            }
        }
        Err(format!("the server did not start: {last_error}"))
    }

    fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("it exited ({status})"));
            }
            if health_ok(self.address) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("no answer to GET /healthz within {}", seconds_text(STARTUP_TIMEOUT)));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, then waits for the process to be gone.
    fn kill(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        let _ = child.kill();
        child.wait().map(|_| ()).map_err(|e| format!("cannot wait for the server: {e}"))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

fn health_ok(address: SocketAddr) -> bool {
    let Ok(mut stream) = StdTcpStream::connect_timeout(&address, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

/// Processes whose CPU time is measured over the window.
#[derive(Debug, Clone, Copy)]
struct Watched {
    server: Option<i32>,
    /// The postmaster: its own time and its children's (the backends, the WAL writer, ...).
    postgres: Option<i32>,
}

/// What one level's client saw.
#[derive(Debug, Default)]
struct LoadResult {
    /// 201s answered inside the measured window.
    acked_in_window: u64,
    /// Every 201, warm-up and tail included: what the database must hold.
    acked_total: u64,
    window: Duration,
    /// Microseconds, of the window's 201s.
    latencies: Vec<u32>,
    /// Non-201 answers by status.
    statuses: BTreeMap<u16, u64>,
    io_errors: u64,
    timeouts: u64,
    first_error: Option<String>,
    usage: Option<Usage>,
}

impl LoadResult {
    fn errors_total(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.io_errors + self.timeouts
    }

    fn per_second(&self) -> f64 {
        self.acked_in_window as f64 / self.window.as_secs_f64()
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[index] as f64 / 1000.0
    }

    fn merge(&mut self, other: ConnectionResult) {
        self.acked_in_window += other.acked_in_window;
        self.acked_total += other.acked_total;
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.io_errors += other.io_errors;
        self.timeouts += other.timeouts;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

#[derive(Debug, Default)]
struct ConnectionResult {
    acked_in_window: u64,
    acked_total: u64,
    latencies: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    io_errors: u64,
    timeouts: u64,
    first_error: Option<String>,
}

impl ConnectionResult {
    fn error(&mut self, description: impl FnOnce() -> String) {
        if self.first_error.is_none() {
            self.first_error = Some(description());
        }
    }
}

/// When each phase of a level starts and ends.
#[derive(Debug)]
struct Plan {
    address: SocketAddr,
    measure_start: Instant,
    end: Instant,
    /// Makes idempotency keys unique across runs too.
    run_id: u64,
}

async fn drive(
    address: SocketAddr,
    connections: usize,
    warmup: Duration,
    measure: Duration,
    watched: Watched,
) -> LoadResult {
    let start = Instant::now();
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64);
    let plan = Arc::new(Plan { address, measure_start: start + warmup, end: start + warmup + measure, run_id });
    let tasks: Vec<_> = (0..connections).map(|id| tokio::spawn(connection(plan.clone(), id))).collect();

    tokio::time::sleep_until(plan.measure_start.into()).await;
    let before = Snapshot::take(watched);
    tokio::time::sleep_until(plan.end.into()).await;
    let after = Snapshot::take(watched);

    let mut result = LoadResult { window: measure, ..LoadResult::default() };
    for task in tasks {
        match task.await {
            Ok(connection) => result.merge(connection),
            Err(error) => {
                result.io_errors += 1;
                result.first_error.get_or_insert_with(|| format!("client task failed: {error}"));
            }
        }
    }
    result.latencies.sort_unstable();
    result.usage = Some(Usage::between(&before, &after));
    result
}

/// One keep-alive connection sending one report at a time until the end of the window.
async fn connection(plan: Arc<Plan>, id: usize) -> ConnectionResult {
    let mut result = ConnectionResult::default();
    let mut stream: Option<TcpStream> = None;
    let mut request = Vec::with_capacity(2048);
    let mut body = String::with_capacity(1024);
    let mut answer = Vec::with_capacity(1024);
    let mut sequence: u64 = 0;
    while Instant::now() < plan.end {
        let stream_ref = match &mut stream {
            Some(stream) => stream,
            None => match TcpStream::connect(plan.address).await {
                Ok(connected) => {
                    let _ = connected.set_nodelay(true);
                    stream.insert(connected)
                }
                Err(error) => {
                    result.io_errors += 1;
                    result.error(|| format!("connect: {error}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        build_request(&mut request, &mut body, &plan, id, sequence);
        sequence += 1;
        let sent = Instant::now();
        let outcome = tokio::time::timeout(REQUEST_TIMEOUT, exchange(stream_ref, &request, &mut answer)).await;
        let done = Instant::now();
        match outcome {
            Ok(Ok(response)) => {
                if response.status == 201 {
                    result.acked_total += 1;
                    if done >= plan.measure_start && done < plan.end {
                        result.acked_in_window += 1;
                        result.latencies.push(done.duration_since(sent).as_micros().min(u32::MAX as u128) as u32);
                    }
                } else {
                    *result.statuses.entry(response.status).or_default() += 1;
                    result.error(|| {
                        format!("HTTP {}: {}", response.status, String::from_utf8_lossy(&answer[response.body]))
                    });
                }
                if response.close {
                    stream = None;
                }
            }
            Ok(Err(error)) => {
                result.io_errors += 1;
                result.error(|| format!("connection: {error}"));
                stream = None;
            }
            Err(_) => {
                result.timeouts += 1;
                result.error(|| format!("no answer within {}", seconds_text(REQUEST_TIMEOUT)));
                stream = None;
            }
        }
    }
    result
}

/// A small deterministic mix of (connection, sequence) for varying the reports.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

const SCAMS: [(&str, &str); 4] = [
    ("impersonation_bank", "giả danh ngân hàng, yêu cầu chuyển"),
    ("impersonation_bank", "giả danh nhân viên ngân hàng, nói thẻ bị khoá, yêu cầu chuyển"),
    ("impersonation_authority", "xưng là công an, nói tôi liên quan đến vụ án, bắt chuyển"),
    ("online_loan", "mời vay online, đòi phí hồ sơ và bảo hiểm khoản vay, tôi đã chuyển"),
];
const BANKS: [&str; 4] = ["VCB", "TCB", "MB", "ACB"];

/// `POST /v1/reports` with a report like a citizen's, different on every call.
fn build_request(request: &mut Vec<u8>, body: &mut String, plan: &Plan, connection: usize, sequence: u64) {
    let h = mix(((connection as u64) << 40) ^ sequence ^ plan.run_id.rotate_left(17));
    let millions = 1 + h % 80;
    let phone = 1_000_000 + (h >> 8) % 9_000_000;
    let account = 100_000 + (h >> 32) % 900_000;
    let (scam_type, story) = SCAMS[(h >> 50) as usize % SCAMS.len()];
    let bank = BANKS[(h >> 54) as usize % BANKS.len()];
    let day = 1 + (h >> 58) % 20;
    body.clear();
    let _ = write!(
        body,
        r#"{{"reporter":{{"name":"Nguyễn Văn A","phone":"0912345678","role":"victim"}},"scam_type":"{scam_type}","narrative":"Kẻ gian gọi từ 098{phone} {story} {millions} triệu vào stk 0011004{account} {bank}","occurred_at":"2026-11-{day:02}","place":{{"province":"Hà Nội"}},"loss_vnd":{millions}000000,"transfers":[{{"to_bank":"{bank}","to_account":"0011004{account}","amount_vnd":{millions}000000}}],"consent":{{"share_with_authorities":true}}}}"#
    );
    request.clear();
    let _ = write!(
        request,
        "POST /v1/reports HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nIdempotency-Key: load-{:x}-{connection}-{sequence}\r\nContent-Length: {}\r\n\r\n",
        plan.address,
        plan.run_id,
        body.len()
    );
    request.extend_from_slice(body.as_bytes());
}

#[derive(Debug)]
struct Response {
    status: u16,
    /// Where the body lies in the answer buffer.
    body: std::ops::Range<usize>,
    close: bool,
}

/// Writes one request and reads its answer (`Content-Length` bodies only: what the server sends).
async fn exchange(stream: &mut TcpStream, request: &[u8], answer: &mut Vec<u8>) -> std::io::Result<Response> {
    stream.write_all(request).await?;
    answer.clear();
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    loop {
        if let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&answer[..head_end]).map_err(|_| invalid("a non-UTF-8 answer head"))?;
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or_default();
            let status = status_line
                .strip_prefix("HTTP/1.1 ")
                .and_then(|rest| rest.get(..3))
                .and_then(|code| code.parse::<u16>().ok())
                .ok_or_else(|| invalid("a malformed status line"))?;
            let mut length = None;
            let mut close = false;
            for line in lines {
                let Some((name, value)) = line.split_once(':') else { continue };
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    return Err(invalid("a chunked answer, which this client does not read"));
                }
            }
            let length = length.ok_or_else(|| invalid("an answer without Content-Length"))?;
            let body_start = head_end + 4;
            while answer.len() < body_start + length {
                if stream.read_buf(answer).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
            return Ok(Response { status, body: body_start..body_start + length, close });
        }
        if stream.read_buf(answer).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// CPU and disk counters at one moment.
#[derive(Debug, Clone)]
struct Snapshot {
    at: Instant,
    /// Clock ticks of user and system time.
    server: Option<u64>,
    postgres: Option<u64>,
    client: Option<u64>,
    /// Ticks of the whole machine: busy (not idle, not waiting for I/O) and all.
    machine_busy: u64,
    machine_total: u64,
    /// Cache flushes completed by the whole disks, and the milliseconds spent on them.
    disk_flushes: u64,
    disk_flush_ms: u64,
    /// The server's threads by name: how many, nanoseconds on a core, nanoseconds runnable but waiting for one.
    server_threads: BTreeMap<String, (u32, u64, u64)>,
}

impl Snapshot {
    fn take(watched: Watched) -> Snapshot {
        let (machine_busy, machine_total) = machine_ticks();
        let (disk_flushes, disk_flush_ms) = disk_flushes();
        Snapshot {
            at: Instant::now(),
            server: watched.server.and_then(process_ticks),
            postgres: watched.postgres.map(process_tree_ticks),
            client: process_ticks(std::process::id() as i32),
            machine_busy,
            machine_total,
            disk_flushes,
            disk_flush_ms,
            server_threads: watched.server.map(thread_times).unwrap_or_default(),
        }
    }
}

/// One kind of server thread over the window, in cores (1.0 = one core's worth of the window).
#[derive(Debug, Clone)]
struct ThreadUsage {
    name: String,
    count: u32,
    on_cpu: f64,
    /// Runnable, waiting for a core: the price of sharing two cores.
    waiting: f64,
}

/// Rates over the measured window.
#[derive(Debug, Clone)]
struct Usage {
    /// CPU use in cores (1.0 = one core busy all the time).
    server: Option<f64>,
    postgres: Option<f64>,
    client: Option<f64>,
    /// The whole machine's busy share, 0..1.
    machine: f64,
    flushes_per_second: f64,
    /// Share of the window the disks spent flushing their caches.
    flushing: f64,
    threads: Vec<ThreadUsage>,
}

impl Usage {
    /// The machine's busy cores that are none of the watched processes'.
    fn other(&self) -> f64 {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let watched = self.server.unwrap_or(0.0) + self.postgres.unwrap_or(0.0) + self.client.unwrap_or(0.0);
        (self.machine * cores - watched).max(0.0)
    }

    fn between(before: &Snapshot, after: &Snapshot) -> Usage {
        let seconds = after.at.duration_since(before.at).as_secs_f64().max(1e-9);
        let ticks_per_second = clock_ticks_per_second();
        let cores = |a: Option<u64>, b: Option<u64>| Some(b?.saturating_sub(a?) as f64 / ticks_per_second / seconds);
        let total = after.machine_total.saturating_sub(before.machine_total).max(1) as f64;
        Usage {
            server: cores(before.server, after.server),
            postgres: cores(before.postgres, after.postgres),
            client: cores(before.client, after.client),
            machine: after.machine_busy.saturating_sub(before.machine_busy) as f64 / total,
            flushes_per_second: after.disk_flushes.saturating_sub(before.disk_flushes) as f64 / seconds,
            flushing: after.disk_flush_ms.saturating_sub(before.disk_flush_ms) as f64 / 1000.0 / seconds,
            threads: after
                .server_threads
                .iter()
                .map(|(name, &(count, on_cpu, waiting))| {
                    let (_, on_cpu_before, waiting_before) =
                        before.server_threads.get(name).copied().unwrap_or_default();
                    ThreadUsage {
                        name: name.clone(),
                        count,
                        on_cpu: on_cpu.saturating_sub(on_cpu_before) as f64 / 1e9 / seconds,
                        waiting: waiting.saturating_sub(waiting_before) as f64 / 1e9 / seconds,
                    }
                })
                .collect(),
        }
    }
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// The fields of `/proc/PID/stat` after the command name: state, ppid, ...
fn proc_stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime of one process (all its threads).
fn process_ticks(pid: i32) -> Option<u64> {
    let fields = proc_stat_fields(pid)?;
    // Fields 14 and 15 of proc(5); the name was field 2, so they are at 11 and 12 here.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// `/proc/PID/task/*/schedstat` by thread name (the main thread is named after the program).
fn thread_times(pid: i32) -> BTreeMap<String, (u32, u64, u64)> {
    let mut threads = BTreeMap::<String, (u32, u64, u64)>::new();
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return threads };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(name) = std::fs::read_to_string(path.join("comm")) else { continue };
        let Ok(schedstat) = std::fs::read_to_string(path.join("schedstat")) else { continue };
        let mut values = schedstat.split_whitespace().map(|v| v.parse::<u64>().unwrap_or(0));
        let (on_cpu, waiting) = (values.next().unwrap_or(0), values.next().unwrap_or(0));
        let slot = threads.entry(name.trim().to_owned()).or_default();
        *slot = (slot.0 + 1, slot.1 + on_cpu, slot.2 + waiting);
    }
    threads
}

/// A process's time and its living children's (PostgreSQL's backends are the postmaster's children).
fn process_tree_ticks(root: i32) -> u64 {
    let mut total = process_ticks(root).unwrap_or(0);
    let Ok(entries) = std::fs::read_dir("/proc") else { return total };
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Some(fields) = proc_stat_fields(pid) else { continue };
        if fields.get(1).and_then(|p| p.parse::<i32>().ok()) == Some(root) {
            total += process_ticks(pid).unwrap_or(0);
        }
    }
    total
}

fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return (0, 0) };
    let values: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// Flushes completed and milliseconds spent flushing (fields 16 and 17 of the kernel's iostats), summed over whole
/// disks (not partitions, loop or RAM devices).
fn disk_flushes() -> (u64, u64) {
    let stats = std::fs::read_to_string("/proc/diskstats").unwrap_or_default();
    let mut flushes = 0;
    let mut flush_ms = 0;
    for line in stats.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(name) = fields.get(2) else { continue };
        if name.starts_with("loop") || name.starts_with("ram") || !Path::new("/sys/block").join(name).exists() {
            continue;
        }
        flushes += fields.get(18).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        flush_ms += fields.get(19).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    (flushes, flush_ms)
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn seconds_text(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64()).replace(".000 s", " s")
}

#[derive(Debug)]
struct LevelResult {
    store: StoreKind,
    connections: usize,
    load: LoadResult,
    /// Rows of `reports` after the server was killed.
    rows: u64,
}

impl LevelResult {
    /// Every acknowledged report is stored; the only extra rows allowed are those of requests answered with an
    /// error after their commit (a timeout) or cut off by the kill (none: the client waits for every answer).
    fn durable(&self) -> bool {
        self.rows >= self.load.acked_total && self.rows <= self.load.acked_total + self.load.errors_total()
    }

    fn line(&self) -> String {
        format!(
            "{:<10} {:>4} connections: {:>7.0} acknowledged reports/s, p50 {:.1} ms, p99 {:.1} ms, {} errors, \
             {} acknowledged in all, {} rows",
            self.store.name(),
            self.connections,
            self.load.per_second(),
            self.load.percentile_ms(0.50),
            self.load.percentile_ms(0.99),
            self.load.errors_total(),
            self.load.acked_total,
            self.rows
        ) + &self.load.usage.as_ref().map_or_else(String::new, |usage| {
            let threads: Vec<String> = usage
                .threads
                .iter()
                .filter(|t| t.on_cpu + t.waiting >= 0.005)
                .map(|t| {
                    let count = if t.count > 1 { format!(" ×{}", t.count) } else { String::new() };
                    format!("{}{count} {:.2} on a core + {:.2} waiting for one", t.name, t.on_cpu, t.waiting)
                })
                .collect();
            format!(
                "\n{:16}server threads (cores): {}; disks flushing {:.0} % of the time",
                "",
                threads.join(", "),
                usage.flushing * 100.0
            )
        })
    }

    /// The SQLite writer thread's time on a core and waiting for one, in cores.
    fn writer_text(&self) -> String {
        let writer = self.load.usage.as_ref().and_then(|u| u.threads.iter().find(|t| t.name == "sqlite-writer"));
        writer.map_or_else(|| "–".to_owned(), |t| format!("{:.2} + {:.2}", t.on_cpu, t.waiting))
    }
}

fn cores_text(cores: Option<f64>) -> String {
    cores.map_or_else(|| "–".to_owned(), |c| format!("{c:.2}"))
}

/// The side-by-side table, in Markdown.
fn table(results: &[LevelResult]) -> String {
    let mut out = String::new();
    out.push_str(
        "| store | connections | acknowledged reports/s | p50 ms | p99 ms | errors | server CPU | PostgreSQL CPU \
         | client CPU | other CPU | writer thread | disk flushes/s | reports per flush | rows = acknowledged |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for r in results {
        let usage = r.load.usage.as_ref();
        let flushes = usage.map_or(0.0, |u| u.flushes_per_second);
        let _ = writeln!(
            out,
            "| {} | {} | **{:.0}** | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} |",
            r.store.name(),
            r.connections,
            r.load.per_second(),
            r.load.percentile_ms(0.50),
            r.load.percentile_ms(0.99),
            r.load.errors_total(),
            cores_text(usage.and_then(|u| u.server)),
            cores_text(usage.and_then(|u| u.postgres)),
            cores_text(usage.and_then(|u| u.client)),
            cores_text(usage.map(Usage::other)),
            r.writer_text(),
            flushes,
            if flushes > 0.0 { format!("{:.1}", r.load.per_second() / flushes) } else { "–".to_owned() },
            if r.durable() {
                format!("yes ({})", r.rows)
            } else {
                format!("**NO**: {} rows, {} acknowledged", r.rows, r.load.acked_total)
            },
        );
    }
    out.push_str(
        "\nCPU in cores (2 = both cores busy); the client is this program, on the same machine. Other CPU: the rest \
         of the machine's busy time (kernel threads, any other program): well above 0.1, the run was disturbed. \
         Writer thread: SQLite's one writing thread, on a core + runnable but waiting for a core (which includes \
         waking an idle virtual CPU).",
    );
    out
}

fn print_errors(results: &[LevelResult]) {
    for r in results.iter().filter(|r| r.load.errors_total() > 0) {
        let statuses: Vec<String> = r.load.statuses.iter().map(|(s, n)| format!("{n} × HTTP {s}")).collect();
        println!(
            "{} at {} connections: {} errors ({}{} connection failures, {} timeouts); first: {}",
            r.store.name(),
            r.connections,
            r.load.errors_total(),
            if statuses.is_empty() { String::new() } else { format!("{}, ", statuses.join(", ")) },
            r.load.io_errors,
            r.load.timeouts,
            r.load.first_error.as_deref().unwrap_or("?")
        );
    }
}
