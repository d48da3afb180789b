//! Nothing acknowledged is lost, and reporters' personal data stays sealed: the built binary, killed,
//! restarted, backed up and restored under load, on both stores.
//!
//! - A server killed with SIGKILL at a random moment while clients submit as fast as they can keeps every
//!   report it answered `201` for; resubmitting what was in flight with the same Idempotency-Key never
//!   stores a report twice.
//! - An online backup taken under load holds every report acknowledged before it began, and restores.
//! - Personal data is in no public answer, no answer to a bank or a telecom, no database byte and no log line.
//!
//! The crash tests print their seed; `CANHGIAC_TEST_SEED=<seed>` replays the same kill moments.

mod support;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{
    Backend, Log, Outcome, Place, Receipt, Rng, Server, Submission, agent, all_reports, check_listing_is_exactly,
    client, get, post_report, reporter_view, resubmit, stderr, stdout, tally,
};

const CLIENTS: usize = 4;
const ROUNDS: usize = 2;

// ---- 1. crash ----

/// Load, SIGKILL at a random moment, restart, check; twice. Then every report exists exactly once.
fn crash_and_restart(backend: Backend) {
    let name = format!("crash_{backend:?}").to_lowercase();
    let mut rng = Rng::from_env_or_time(&name);
    let temp = tempfile::tempdir().unwrap();
    let database = (backend == Backend::Postgres).then(|| canhgiac_testkit::require_postgres_database(&name));
    let place = Place::new(temp.path().join("data"), database.as_ref().map(|d| d.url()));
    let police = place.partner_key("Cục Cảnh sát hình sự", "police", "investigator");
    let run = format!("crash-{:x}", rng.next());
    let next = AtomicU64::new(0);
    let agent = agent(Duration::from_secs(30));

    let mut starts = 0;
    let mut start = || {
        starts += 1;
        Server::start(&place, &temp.path().join(format!("server-{starts}.log")), "info")
    };
    // Every report that must exist, by Idempotency-Key.
    let mut stored: HashMap<String, (Submission, Receipt)> = HashMap::new();
    let mut total_acked = 0;
    let mut server = start();
    for round in 1..=ROUNDS {
        let delay = Duration::from_millis(rng.between(300, 1500));
        let log = Log::default();
        let stop = AtomicBool::new(false);
        let base = server.base();
        std::thread::scope(|scope| {
            for _ in 0..CLIENTS {
                scope.spawn(|| client(&base, &run, &next, &stop, &log));
            }
            std::thread::sleep(delay);
            server.kill();
            stop.store(true, Ordering::SeqCst);
        });
        let entries = log.take();
        let (acked, unknown, refused) = tally(&entries);
        println!(
            "{name} round {round}: SIGKILL {delay:?} after the load began: {acked} reports acknowledged before the kill, \
             {unknown} in flight (unknown)"
        );
        for (submission, outcome) in &entries {
            if let Outcome::Refused(status, text) = outcome {
                panic!("#{} was answered {status} (of {refused} refused): {text}", submission.n);
            }
        }
        total_acked += acked;

        server = start();
        let base = server.base();
        let mut unknowns = Vec::new();
        let mut acked_now = Vec::new();
        for (submission, outcome) in entries {
            match outcome {
                Outcome::Acked(receipt) => {
                    acked_now.push(submission.key.clone());
                    assert!(stored.insert(submission.key.clone(), (submission, receipt)).is_none());
                }
                Outcome::Unknown(_) => unknowns.push(submission),
                Outcome::Refused(..) => unreachable!(),
            }
        }
        // Every acknowledged report, of this round and the ones before, survived intact.
        for (submission, receipt) in stored.values() {
            let view = reporter_view(&agent, &base, &receipt.code, &receipt.secret);
            assert_eq!(view.status, 200, "acknowledged #{} is lost after the crash: {}", submission.n, view.text);
            submission.check_view(&view.json, &receipt.code);
        }
        // The idempotency records survived too: a retry of an acknowledged submission is a replay.
        for key in acked_now.iter().take(25) {
            let (submission, receipt) = &stored[key];
            let (again, replayed) = resubmit(&agent, &base, submission);
            assert!(replayed, "retrying acknowledged #{} after the crash was not a replay", submission.n);
            assert_eq!(&again, receipt, "#{}", submission.n);
        }
        // What was in flight: a retry either finds the first answer or creates the report now.
        let (mut replays, mut created) = (0, 0);
        for submission in unknowns {
            let (receipt, replayed) = resubmit(&agent, &base, &submission);
            if replayed {
                replays += 1
            } else {
                created += 1
            }
            let view = reporter_view(&agent, &base, &receipt.code, &receipt.secret);
            assert_eq!(view.status, 200, "#{}: {}", submission.n, view.text);
            submission.check_view(&view.json, &receipt.code);
            let (again, replayed) = resubmit(&agent, &base, &submission);
            assert!(replayed && again == receipt, "#{}: a second retry must replay the first answer", submission.n);
            assert!(stored.insert(submission.key.clone(), (submission, receipt)).is_none());
        }
        println!(
            "{name} round {round}: after restart all {} acknowledged reports are intact; retried the in-flight ones: \
             {replays} had been stored (replayed), {created} had not (created now)",
            stored.len() - replays - created
        );
    }
    assert!(total_acked > 0, "no report was acknowledged before any kill: the test proved nothing");

    // Exactly once: the store holds one report per Idempotency-Key, and nothing else.
    let listing = all_reports(&agent, &server.base(), &police);
    println!(
        "{name}: {} reports stored for {} distinct Idempotency-Keys ({total_acked} acknowledged before a kill)",
        listing.len(),
        stored.len()
    );
    let expected = stored.values().map(|(s, r)| (s.narrative.clone(), r.code.clone())).collect();
    check_listing_is_exactly(&listing, &expected);
    server.stop();
}

#[test]
fn sqlite_keeps_every_acknowledged_report_across_sigkill() {
    crash_and_restart(Backend::Sqlite);
}

#[test]
fn postgres_keeps_every_acknowledged_report_across_sigkill() {
    crash_and_restart(Backend::Postgres);
}

// ---- 2. backup under load ----

#[test]
fn backup_under_load_holds_every_report_acknowledged_before_it_began() {
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), None);
    let police = place.partner_key("Cục Cảnh sát hình sự", "police", "investigator");
    let mut server = Server::start(&place, &temp.path().join("server.log"), "info");
    let backup = temp.path().join("backup.db");
    let backup_arg = backup.to_str().unwrap();

    let log = Log::default();
    let (stop, next) = (AtomicBool::new(false), AtomicU64::new(0));
    let base = server.base();
    let (acked_before, backup_output) = std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| client(&base, "backup", &next, &stop, &log));
        }
        let wait_for = |count: usize| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while log.len() < count && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait_for(40);
        // Every answer in the log now came before the backup command started.
        let before = log.len();
        let output = place.run(&["backup", backup_arg]);
        // Keep the load on a moment after the backup.
        wait_for(log.len() + 20);
        stop.store(true, Ordering::SeqCst);
        (before, output)
    });
    assert!(backup_output.status.success(), "backup failed: {}", stderr(&backup_output));
    let entries = log.take();
    let (acked, unknown, refused) = tally(&entries);
    assert_eq!((unknown, refused), (0, 0), "{:?}", entries.iter().find(|(_, o)| !matches!(o, Outcome::Acked(_))));
    let backed_up: usize = stdout(&backup_output)
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(" reports)"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("a report count in {:?}", stdout(&backup_output)));
    println!(
        "backup under load: {acked_before} reports acknowledged before the backup began, {acked} in all; the backup \
         holds {backed_up}"
    );
    assert!(backed_up >= acked_before && backed_up <= acked, "{acked_before} <= {backed_up} <= {acked}");

    // restore refuses while a server runs on the data directory.
    let refused = place.run(&["restore", backup_arg]);
    assert!(!refused.status.success(), "restore ran under a live server: {}", stdout(&refused));
    assert!(stderr(&refused).contains("stop the server"), "{}", stderr(&refused));
    server.stop();

    // Into a new data directory, with the same keyring.
    let restored = Place::new(temp.path().join("restored"), None);
    std::fs::create_dir_all(&restored.data_dir).unwrap();
    std::fs::copy(place.data_dir.join("pii-keys"), restored.data_dir.join("pii-keys")).expect("the keyring file");
    let restore_output = restored.run_ok(&["restore", backup_arg]);
    assert!(restore_output.contains(&format!("({backed_up} reports)")), "{restore_output}");
    let server = Server::start(&restored, &temp.path().join("restored.log"), "info");
    let agent = agent(Duration::from_secs(30));
    for (submission, outcome) in &entries[..acked_before] {
        let Outcome::Acked(receipt) = outcome else { unreachable!() };
        let view = reporter_view(&agent, &server.base(), &receipt.code, &receipt.secret);
        assert_eq!(view.status, 200, "#{} acknowledged before the backup is not in it: {}", submission.n, view.text);
        submission.check_view(&view.json, &receipt.code);
    }
    // The restore holds what the backup said, each report once, each one a report a client was answered for.
    let listing = all_reports(&agent, &server.base(), &police);
    assert_eq!(listing.len(), backed_up);
    let answered: HashMap<String, String> = entries
        .iter()
        .map(|(s, o)| match o {
            Outcome::Acked(r) => (s.narrative.clone(), r.code.clone()),
            _ => unreachable!(),
        })
        .collect();
    let in_backup: HashMap<String, String> = listing
        .iter()
        .map(|r| (r["narrative"].as_str().unwrap().to_owned(), r["tracking_code"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(in_backup.len(), listing.len(), "a report is in the backup twice");
    for (narrative, code) in &in_backup {
        assert_eq!(answered.get(narrative), Some(code), "{narrative:?} in the backup was never answered with {code}");
    }
}

// ---- 3. personal data ----

const REPORTER_PHONE: &str = "0912 000 111";
const REPORTER_PHONE_CANONICAL: &str = "+84912000111";
const NATIONAL_ID: &str = "001099012345";
const EMAIL: &str = "bao.mat.kiemthu@example.vn";
const NAME: &str = "Trần Thị Bảo Mật";
const VICTIM_ACCOUNT: &str = "19031234567890";
const REMARK: &str = "Bao Mat chuyen tien xac minh";

/// Every written form of the reporter's personal data.
const PERSONAL: &[&str] = &[
    "0912000111",
    "+84912000111",
    "84912000111",
    // The subscriber digits: every form above, and any other.
    "912000111",
    "0912 000 111",
    "0912.000.111",
    NATIONAL_ID,
    EMAIL,
    "bao.mat.kiemthu",
    NAME,
    "tran thi bao mat",
    VICTIM_ACCOUNT,
    REMARK,
];

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[track_caller]
fn assert_no_personal_data(what: &str, haystack: &[u8], also_hex: bool) {
    let text = String::from_utf8_lossy(haystack);
    for needle in PERSONAL {
        let found = haystack.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!found, "{what} holds `{needle}`");
        if also_hex {
            assert!(!text.contains(&hex(needle)), "{what} holds `{needle}` hex-encoded");
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn report_with_personal_data() -> Value {
    json!({
        "reporter": {"name": NAME, "phone": REPORTER_PHONE, "email": EMAIL, "national_id": NATIONAL_ID, "role": "victim"},
        "scam_type": "impersonation_bank",
        "narrative": "Kẻ gian gọi từ 0987654321 yêu cầu chuyển tiền để xác minh tài khoản",
        "occurred_at": "2026-11-20",
        "place": {"province": "Hà Nội", "commune": "Phường Ba Đình"},
        "loss_vnd": 5_000_000,
        "transfers": [{
            "from_bank": "TCB", "from_account": VICTIM_ACCOUNT,
            "to_bank": "VCB", "to_account": "0011004123456", "amount_vnd": 5_000_000, "remark": REMARK,
        }],
        "consent": {"share_with_authorities": true, "contact_me": true},
    })
}

/// Every row of every table of the database, as text.
fn postgres_rows(database: &canhgiac_testkit::TestDatabase) -> String {
    let tables = database
        .psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        .unwrap();
    let mut rows = String::new();
    for table in tables.lines().filter(|t| !t.is_empty()) {
        rows.push_str(&format!("-- {table}\n"));
        rows.push_str(&database.psql(&format!("SELECT t::text FROM \"{table}\" t")).unwrap());
        rows.push('\n');
    }
    rows
}

fn personal_data_stays_sealed(backend: Backend) {
    let name = format!("personal_data_{backend:?}").to_lowercase();
    let temp = tempfile::tempdir().unwrap();
    let database = (backend == Backend::Postgres).then(|| canhgiac_testkit::require_postgres_database(&name));
    let place = Place::new(temp.path().join("data"), database.as_ref().map(|d| d.url()));
    let investigator = place.partner_key("Công an TP Hà Nội", "police", "investigator");
    let analyst = place.run_ok(&["key", "create", "--org", "Công an TP Hà Nội", "--role", "analyst"]).trim().to_owned();
    let bank = place.partner_key("Vietcombank", "bank", "admin");
    let telecom = place.partner_key("Viettel", "telecom", "admin");
    // At debug level: personal data never reaches the log, whatever the level.
    let mut server = Server::start(&place, &temp.path().join("server.log"), "debug");
    let base = server.base();
    let agent = agent(Duration::from_secs(30));

    let answer = post_report(&agent, &base, Some("personal-data-1"), &report_with_personal_data()).unwrap();
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_no_personal_data("the receipt", answer.text.as_bytes(), false);
    let receipt = Receipt::from_answer(&answer);
    let replay = post_report(&agent, &base, Some("personal-data-1"), &report_with_personal_data()).unwrap();
    assert!(replay.replayed && Receipt::from_answer(&replay) == receipt, "{}", replay.text);

    // (a) The reporter's own view.
    let view = reporter_view(&agent, &base, &receipt.code, &receipt.secret);
    assert_eq!(view.status, 200, "{}", view.text);
    assert!(view.json.get("reporter").is_none(), "{}", view.text);
    assert_eq!(view.json["contacts"].as_array().map(Vec::len), Some(2), "only the scammer's contacts: {}", view.text);
    assert_no_personal_data("the reporter's view", view.text.as_bytes(), false);

    // (b) Banks and telecoms read no report, so no personal data.
    let report_url = format!("{base}/v1/partner/reports/{}", receipt.code);
    let listing_url = format!("{base}/v1/partner/reports?limit=500");
    for (who, key) in [("a bank admin", &bank), ("a telecom admin", &telecom)] {
        for url in [&report_url, &listing_url] {
            let answer = get(&agent, url, &[("Authorization", &format!("Bearer {key}"))]).unwrap();
            assert_eq!(answer.status, 403, "{who} GET {url}: {}", answer.text);
            assert_eq!(answer.json["code"], "forbidden", "{}", answer.text);
            assert_no_personal_data(&format!("the answer to {who}"), answer.text.as_bytes(), false);
        }
    }
    // A police analyst reads the report, without the reporter.
    let answer = get(&agent, &report_url, &[("Authorization", &format!("Bearer {analyst}"))]).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.json.get("reporter").is_none(), "{}", answer.text);
    assert_no_personal_data("the answer to a police analyst", answer.text.as_bytes(), false);

    // (c) A police investigator sees who reported it.
    for url in [&report_url, &listing_url] {
        let answer = get(&agent, url, &[("Authorization", &format!("Bearer {investigator}"))]).unwrap();
        assert_eq!(answer.status, 200, "{}", answer.text);
        let report = if url == &listing_url { &answer.json["reports"][0] } else { &answer.json };
        let reporter = &report["reporter"];
        assert_eq!(reporter["phone"], REPORTER_PHONE_CANONICAL, "{}", answer.text);
        assert_eq!(reporter["national_id"], NATIONAL_ID, "{}", answer.text);
        assert_eq!(reporter["email"], EMAIL, "{}", answer.text);
        assert_eq!(reporter["name"], NAME, "{}", answer.text);
        assert_eq!(
            reporter["transfers"][0]["from_account"],
            format!("bank:970407:{VICTIM_ACCOUNT}"),
            "{}",
            answer.text
        );
    }

    // (d) The store, read raw.
    let check_store = |when: &str| match backend {
        Backend::Sqlite => {
            let mut bytes = Vec::new();
            for file in ["canhgiac.db", "canhgiac.db-wal"] {
                if let Ok(content) = std::fs::read(place.data_dir.join(file)) {
                    assert_no_personal_data(&format!("{file} ({when})"), &content, false);
                    bytes.extend(content);
                }
            }
            assert!(contains(&bytes, &receipt.code), "the database files ({when}) do not hold the report at all");
        }
        Backend::Postgres => {
            let rows = postgres_rows(database.as_ref().unwrap());
            assert_no_personal_data(&format!("the PostgreSQL rows ({when})"), rows.as_bytes(), true);
            assert!(rows.contains(&receipt.code) && rows.contains("0987654321"), "the rows hold the report: {rows}");
        }
    };
    check_store("while the server runs");
    if backend == Backend::Sqlite {
        let backup = temp.path().join("backup.db");
        place.run_ok(&["backup", backup.to_str().unwrap()]);
        let bytes = std::fs::read(&backup).unwrap();
        assert_no_personal_data("the backup", &bytes, false);
        assert!(contains(&bytes, &receipt.code), "the backup holds the report");
    }

    // (e) The log.
    server.stop();
    check_store("after the server stopped");
    let log = server.log_text();
    assert!(log.contains("route=/v1/reports") && log.contains("status=201"), "requests are logged: {log}");
    assert_no_personal_data("the server's log", log.as_bytes(), false);
}

#[test]
fn sqlite_keeps_personal_data_out_of_answers_files_and_logs() {
    personal_data_stays_sealed(Backend::Sqlite);
}

#[test]
fn postgres_keeps_personal_data_out_of_answers_rows_and_logs() {
    personal_data_stays_sealed(Backend::Postgres);
}
