//! What the end-to-end tests share: the built binary run as an operator runs it, a server process
//! that can be stopped or killed, an HTTP client, and generated reports whose every field can be
//! checked after the fact.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_canhgiac");

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A data directory, and the PostgreSQL database when the store is PostgreSQL: what every command
/// is pointed at.
#[derive(Debug, Clone)]
pub struct Place {
    pub data_dir: PathBuf,
    pub database: Option<String>,
}

impl Place {
    pub fn new(data_dir: impl Into<PathBuf>, database: Option<&str>) -> Place {
        Place { data_dir: data_dir.into(), database: database.map(str::to_owned) }
    }

    /// `canhgiac <args> --data-dir DIR [--database URL]`, with nothing taken from the environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.args(args).arg("--data-dir").arg(&self.data_dir);
        if let Some(database) = &self.database {
            command.arg("--database").arg(database);
        }
        command
            .env_remove("CANHGIAC_DATA_DIR")
            .env_remove("CANHGIAC_DATABASE_URL")
            .env_remove("CANHGIAC_PII_KEYS")
            .env_remove("CANHGIAC_LISTEN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// Runs a command that must succeed; its standard output.
    #[track_caller]
    pub fn run_ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "canhgiac {args:?} failed ({}): {}", output.status, stderr(&output));
        stdout(&output)
    }

    /// Adds an organisation of `kind` and makes it a key with `role`: the key.
    #[track_caller]
    pub fn partner_key(&self, organisation: &str, kind: &str, role: &str) -> String {
        self.run_ok(&["org", "add", organisation, "--kind", kind]);
        let key = self.run_ok(&["key", "create", "--org", organisation, "--role", role]).trim().to_owned();
        assert!(key.starts_with("cgk_"), "{key}");
        key
    }

    /// Adds a bank whose accounts are at `bank` (a name, a short name or a BIN) and makes it a key with `role`.
    #[track_caller]
    pub fn bank_key(&self, organisation: &str, bank: &str, role: &str) -> String {
        self.run_ok(&["org", "add", organisation, "--kind", "bank", "--bank", bank]);
        let key = self.run_ok(&["key", "create", "--org", organisation, "--role", role]).trim().to_owned();
        assert!(key.starts_with("cgk_"), "{key}");
        key
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ---- the server ----

/// A running `canhgiac serve`; killed when dropped, so a failing test leaves nothing behind.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    /// Starts `serve` on a free port, its standard error to `log` (RUST_LOG=`rust_log`), and waits until
    /// `/healthz` answers.
    #[track_caller]
    pub fn start(place: &Place, log: &Path, rust_log: &str) -> Server {
        let addr: SocketAddr = format!("127.0.0.1:{}", canhgiac_testkit::free_loopback_port()).parse().unwrap();
        let mut command = place.command(&["serve", "--listen", &addr.to_string()]);
        command
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("the log file can be created"));
        let child = command.spawn().expect("the binary runs");
        let mut server = Server { child, addr, log: log.to_owned() };
        server.wait_until_healthy();
        server
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    #[track_caller]
    fn wait_until_healthy(&mut self) {
        let agent = agent(Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = get(&agent, &self.url("/healthz"), &[])
                && answer.status == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited with {status}: {}", self.log_text());
            }
            assert!(Instant::now() < deadline, "the server does not answer: {}", self.log_text());
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// SIGKILL: the process dies at once, with no chance to flush or answer anything.
    pub fn kill(&mut self) {
        // SAFETY: kill(2) on our own child's pid, with a valid signal number.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) }, 0);
        let status = self.child.wait().expect("wait for the killed server");
        assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGKILL), "{status}");
    }

    /// SIGTERM, then waits for a clean exit.
    #[track_caller]
    pub fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid, with a valid signal number.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the server exited with {status}: {}", self.log_text());
                return;
            }
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM: {}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---- HTTP ----

/// A client that returns 4xx and 5xx answers instead of failing on them; `timeout` bounds a whole call.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .timeout_connect(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// An HTTP answer: status, whether it was an idempotent replay, the body (as text and, when it is JSON, parsed).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub replayed: bool,
    pub text: String,
    pub json: Value,
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Answer, ureq::Error> {
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|v| v.as_bytes() == b"true");
    let text = response.body_mut().read_to_string()?;
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Answer { status, replayed, text, json })
}

pub fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Result<Answer, ureq::Error> {
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.call()?)
}

pub fn post_report(agent: &ureq::Agent, base: &str, key: Option<&str>, body: &Value) -> Result<Answer, ureq::Error> {
    let mut request = agent.post(format!("{base}/v1/reports"));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    answer(request.send_json(body)?)
}

/// `GET /v1/reports/{code}` with the report's secret: the reporter's view.
#[track_caller]
pub fn reporter_view(agent: &ureq::Agent, base: &str, code: &str, secret: &str) -> Answer {
    get(agent, &format!("{base}/v1/reports/{code}"), &[("X-Report-Secret", secret)])
        .unwrap_or_else(|e| panic!("GET /v1/reports/{code}: {e}"))
}

/// Every report the partner listing holds, for a key that may read reports, paged with `next_cursor`.
#[track_caller]
pub fn all_reports(agent: &ureq::Agent, base: &str, key: &str) -> Vec<Value> {
    let bearer = format!("Bearer {key}");
    let mut reports = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{base}/v1/partner/reports?limit=500"),
            Some(cursor) => format!("{base}/v1/partner/reports?limit=500&cursor={cursor}"),
        };
        let page = get(agent, &url, &[("Authorization", &bearer)]).unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert_eq!(page.status, 200, "{url}: {}", page.text);
        reports.extend(page.json["reports"].as_array().cloned().unwrap_or_default());
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return reports,
        }
    }
}

// ---- generated reports ----

const SCAM_TYPES: [&str; 4] = ["impersonation_bank", "investment", "task_scam", "online_loan"];
/// (as typed, the province code the store keeps)
const PROVINCES: [(&str, &str); 4] =
    [("Hà Nội", "ha_noi"), ("Đà Nẵng", "da_nang"), ("TP.HCM", "ho_chi_minh"), ("Hải Phòng", "hai_phong")];

/// One report a client sends, unique by its number `n`, with what the store must give back.
#[derive(Debug, Clone)]
pub struct Submission {
    pub n: u64,
    pub key: String,
    pub body: Value,
    pub narrative: String,
    pub loss_vnd: u64,
    pub scam_type: &'static str,
    pub province: &'static str,
    /// The scammer's phone (canonical), found in the narrative.
    pub phone: String,
    /// The receiving account (canonical), from the money trail.
    pub account: String,
}

impl Submission {
    /// The `n`th report of a run whose Idempotency-Keys start with `run`.
    pub fn new(run: &str, n: u64) -> Submission {
        assert!(n < 1_000_000);
        let phone = format!("0981{n:06}");
        let account = format!("0011004{n:06}");
        let narrative = format!("Kẻ gian gọi từ {phone} giả danh nhân viên ngân hàng, yêu cầu chuyển tiền gấp");
        let loss_vnd = 1_000_000 + n * 1_000;
        let scam_type = SCAM_TYPES[(n % 4) as usize];
        let (province_typed, province) = PROVINCES[(n / 4 % 4) as usize];
        let body = json!({
            "reporter": {"role": "victim"},
            "scam_type": scam_type,
            "narrative": narrative,
            "occurred_at": "2026-11-20",
            "place": {"province": province_typed},
            "loss_vnd": loss_vnd,
            "transfers": [{"to_bank": "VCB", "to_account": account, "amount_vnd": loss_vnd}],
            "consent": {"share_with_authorities": true},
        });
        Submission {
            n,
            key: format!("{run}-{n}"),
            body,
            narrative,
            loss_vnd,
            scam_type,
            province,
            phone: format!("+84981{n:06}"),
            account: format!("bank:970436:{account}"),
        }
    }

    /// Checks the reporter's view of this report: everything that was sent came back.
    #[track_caller]
    pub fn check_view(&self, view: &Value, code: &str) {
        let context = format!("report #{} ({code}): {view}", self.n);
        assert_eq!(view["tracking_code"], code, "{context}");
        assert_eq!(view["status"], "received", "{context}");
        assert_eq!(view["loss_vnd"], self.loss_vnd, "{context}");
        assert_eq!(view["scam_type"], self.scam_type, "{context}");
        assert_eq!(view["province"], self.province, "{context}");
        let mut contacts: Vec<(String, String, String)> = view["contacts"]
            .as_array()
            .unwrap_or_else(|| panic!("contacts in {context}"))
            .iter()
            .map(|c| (c["kind"].to_string(), c["canonical"].to_string(), c["source"].to_string()))
            .collect();
        contacts.sort();
        let mut expected = vec![
            ("\"bank_account\"".to_owned(), format!("\"{}\"", self.account), "\"transfer\"".to_owned()),
            ("\"phone\"".to_owned(), format!("\"{}\"", self.phone), "\"narrative\"".to_owned()),
        ];
        expected.sort();
        assert_eq!(contacts, expected, "{context}");
        let transfers = view["transfers"].as_array().unwrap_or_else(|| panic!("transfers in {context}"));
        assert_eq!(transfers.len(), 1, "{context}");
        assert_eq!(transfers[0]["to_account"], self.account.as_str(), "{context}");
        assert_eq!(transfers[0]["amount_vnd"], self.loss_vnd, "{context}");
        assert_eq!(view["history"].as_array().map(Vec::len), Some(1), "{context}");
    }
}

/// A `201` answer: the tracking code and the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub code: String,
    pub secret: String,
}

impl Receipt {
    #[track_caller]
    pub fn from_answer(answer: &Answer) -> Receipt {
        let code = answer.json["tracking_code"].as_str().unwrap_or_else(|| panic!("a tracking code: {}", answer.text));
        let secret = answer.json["secret"].as_str().unwrap_or_else(|| panic!("a secret: {}", answer.text));
        assert_eq!(answer.json["status"], "received", "{}", answer.text);
        Receipt { code: code.to_owned(), secret: secret.to_owned() }
    }
}

/// What became of one submission.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Answered `201`.
    Acked(Receipt),
    /// The call failed (connection refused or reset, timeout): the report may or may not be stored.
    Unknown(String),
    /// Answered with another status: never expected.
    Refused(u16, String),
}

/// Every submission of a load run, in the order the answers came.
#[derive(Debug, Default)]
pub struct Log {
    pub entries: Mutex<Vec<(Submission, Outcome)>>,
}

impl Log {
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }

    pub fn take(self) -> Vec<(Submission, Outcome)> {
        self.entries.into_inner().unwrap()
    }
}

/// One client thread: submits new reports one after another until `stop` is set or a call fails.
pub fn client(base: &str, run: &str, next: &AtomicU64, stop: &AtomicBool, log: &Log) {
    let agent = agent(Duration::from_secs(30));
    while !stop.load(Ordering::SeqCst) {
        let submission = Submission::new(run, next.fetch_add(1, Ordering::SeqCst));
        let (outcome, last) = match post_report(&agent, base, Some(&submission.key), &submission.body) {
            Ok(answer) if answer.status == 201 && !answer.replayed => {
                (Outcome::Acked(Receipt::from_answer(&answer)), false)
            }
            Ok(answer) => {
                (Outcome::Refused(answer.status, format!("replayed: {}, {}", answer.replayed, answer.text)), true)
            }
            Err(error) => (Outcome::Unknown(error.to_string()), true),
        };
        log.entries.lock().unwrap().push((submission, outcome));
        if last {
            return;
        }
    }
}

/// Resubmits `submission` (same Idempotency-Key, same body): must be answered `201`, a replay or a first creation.
#[track_caller]
pub fn resubmit(agent: &ureq::Agent, base: &str, submission: &Submission) -> (Receipt, bool) {
    let answer = post_report(agent, base, Some(&submission.key), &submission.body)
        .unwrap_or_else(|e| panic!("resubmitting #{}: {e}", submission.n));
    assert_eq!(answer.status, 201, "resubmitting #{}: {}", submission.n, answer.text);
    (Receipt::from_answer(&answer), answer.replayed)
}

/// Counts of each outcome.
pub fn tally(entries: &[(Submission, Outcome)]) -> (usize, usize, usize) {
    let acked = entries.iter().filter(|(_, o)| matches!(o, Outcome::Acked(_))).count();
    let unknown = entries.iter().filter(|(_, o)| matches!(o, Outcome::Unknown(_))).count();
    (acked, unknown, entries.len() - acked - unknown)
}

/// Checks the listing holds exactly the reports of `expected` (narrative → tracking code), each once.
#[track_caller]
pub fn check_listing_is_exactly(listing: &[Value], expected: &HashMap<String, String>) {
    let mut by_narrative: HashMap<&str, Vec<&str>> = HashMap::new();
    for report in listing {
        let narrative = report["narrative"].as_str().expect("partners see the narrative");
        by_narrative.entry(narrative).or_default().push(report["tracking_code"].as_str().unwrap());
    }
    for (narrative, codes) in &by_narrative {
        assert_eq!(codes.len(), 1, "stored {} times: {narrative:?} {codes:?}", codes.len());
    }
    for (narrative, code) in expected {
        let found = by_narrative.get(narrative.as_str()).unwrap_or_else(|| panic!("missing: {narrative:?} ({code})"));
        assert_eq!(found, &vec![code.as_str()], "{narrative:?}");
    }
    assert_eq!(listing.len(), expected.len(), "the store holds reports nobody was answered for");
}

// ---- randomness ----

/// xorshift64*: enough to pick a moment to kill a server, and reproducible from its printed seed.
pub struct Rng(u64);

impl Rng {
    /// From `CANHGIAC_TEST_SEED` when set (to replay a failure), else from the clock. Prints the seed.
    pub fn from_env_or_time(test: &str) -> Rng {
        let seed = std::env::var("CANHGIAC_TEST_SEED").ok().and_then(|s| s.trim().parse().ok()).unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
            now.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
        });
        println!("{test}: seed {seed} (set CANHGIAC_TEST_SEED={seed} to replay)");
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}
