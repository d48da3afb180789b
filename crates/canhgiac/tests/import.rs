//! `canhgiac import`: a small generated file of each format, on SQLite and PostgreSQL; the refusals; and a
//! timed import of the largest real feeds in ../shared/data (the rate is printed, never asserted).

mod support;

use canhgiac_core::IdentifierKind;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::verdict::{ContactRecord, FeedSignal};
use canhgiac_store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{Place, stderr, stdout};

/// Writes `contents` to `name` in `dir`.
fn feed_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `canhgiac import ... --json FILE`, which must succeed: its summary.
#[track_caller]
fn import(place: &Place, file: &Path, source: &str, format: &str, extra: &[&str]) -> Value {
    let mut args = vec!["import", "--source", source, "--trust", "60", "--format", format, "--json"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let output = place.run(&args);
    assert!(output.status.success(), "import {format} failed ({}): {}", output.status, stderr(&output));
    assert!(stderr(&output).is_empty(), "no progress bar without a terminal: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)))
}

/// (entries, accepted, created, already known, repeated in the file, rejected)
fn counts(summary: &Value) -> [u64; 6] {
    ["entries", "accepted", "created", "already_known", "duplicates_in_file", "rejected"]
        .map(|key| summary[key].as_u64().unwrap_or_else(|| panic!("{key} in {summary}")))
}

fn rejected_lines(summary: &Value, reason: &str) -> Vec<u64> {
    summary["rejections"][reason]["first_lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{reason} in {summary}"))
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

const PLAIN: &str = "# scam contacts from a partner\n0912 345 678\nagribank-xacminh.com\n\nnot a contact at all\n\
                     0912345678\nhttps://vcb-online.top/login\n";
const CHONGLUADAO: &str = r#"[{"url":"*.agribank-vn.top/*","meta":{}},
{"url":"http://vietcombank-hotro.com/*","meta":{}},
{"meta":{}},
{"url":"*.agribank-vn.top/*","meta":{}}]"#;
const OPENPHISH: &str = "{\n  \"http://amazonlandingpageclone.netlify.app/\": \"2025-01-18T11:19:06.205+00:00\",\n  \
                         \"http://telehot-eta.vercel.app/\": \"2025-01-17T12:05:58.109+00:00\"\n}";
const PHISHTANK: &str = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n\
7019669,https://www.viptbslook.tonohost.com/,http://www.phishtank.com/phish_detail.php?phish_id=7019669,2021-03-14T07:31:24+00:00,yes,2021-03-14T07:36:16+00:00,yes,Other\n\
7019670,,http://www.phishtank.com/,2021-03-14T07:31:24+00:00,yes,,yes,Other\n";
const URLHAUS: &str = "# abuse.ch URLhaus Database Dump (CSV)\n\
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n\
\"3393998\",\"2025-01-18 12:30:00\",\"https://evil-payload.com/a.exe\",\"offline\",\"\",\"malware_download\",\"exe\",\"https://urlhaus.abuse.ch/url/3393998/\",\"abuse_ch\"\n";
const CSV: &str = "value,kind,scam_type,seen_at\n\
0981000111,phone,impersonation_bank,2026-11-20\n\
\"0011004123456 VCB\",,,\n\
NOT-A-CONTACT-SECRET,,,\n\
lua-dao-shop.vn,domain,romance_gift,\n";

#[test]
fn every_format_imports_from_a_small_file() {
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), None);
    let dir = temp.path();

    let plain = import(&place, &feed_file(dir, "plain.txt", PLAIN), "partner", "plain", &["--scam-type", "investment"]);
    assert_eq!(counts(&plain), [5, 3, 3, 0, 1, 1], "{plain}");
    assert_eq!(rejected_lines(&plain, "not_a_contact"), [5]);
    assert_eq!(plain["kinds"]["phone"], 1);

    let json = import(&place, &feed_file(dir, "cld.json", CHONGLUADAO), "chongluadao", "chongluadao-json", &[]);
    assert_eq!(counts(&json), [4, 2, 2, 0, 1, 1], "{json}");
    assert_eq!(rejected_lines(&json, "invalid_row"), [3]);

    let openphish = import(&place, &feed_file(dir, "openphish.json", OPENPHISH), "openphish", "openphish", &[]);
    assert_eq!(counts(&openphish), [2, 2, 2, 0, 0, 0], "{openphish}");

    let phishtank =
        import(&place, &feed_file(dir, "verified_online.csv", PHISHTANK), "phishtank", "phishtank-csv", &[]);
    assert_eq!(counts(&phishtank), [2, 1, 1, 0, 0, 1], "{phishtank}");
    assert_eq!(rejected_lines(&phishtank, "invalid_row"), [3]);

    let urlhaus = import(&place, &feed_file(dir, "csv.txt", URLHAUS), "urlhaus", "urlhaus", &[]);
    assert_eq!(counts(&urlhaus), [1, 1, 1, 0, 0, 0], "{urlhaus}");

    let csv = import(&place, &feed_file(dir, "partner.csv", CSV), "partner-csv", "csv", &["--scam-type", "other"]);
    assert_eq!(counts(&csv), [4, 3, 3, 0, 0, 1], "{csv}");
    assert_eq!(rejected_lines(&csv, "not_a_contact"), [4]);

    // What the store holds: each feed's trust, its scam type (the row's, else --scam-type), its time.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let records: Vec<ContactRecord> = runtime.block_on(async {
        let store = canhgiac_store::SqliteStore::open(&place.data_dir.join("canhgiac.db")).await.unwrap();
        let wanted = ["+84912345678", "+84981000111", "agribank-vn.top", "http://amazonlandingpageclone.netlify.app/"];
        store.contact_signals(&wanted.map(String::from)).await.unwrap()
    });
    assert_eq!(records.len(), 4);
    let phone = &records[0];
    assert_eq!(phone.kind, IdentifierKind::Phone);
    assert_eq!(phone.signals.feeds.len(), 1);
    assert_eq!(phone.signals.feeds[0].source, "partner");
    assert_eq!(phone.signals.feeds[0].trust_level, 60);
    assert_eq!(phone.signals.feeds[0].scam_type, Some(ScamType::Investment));
    assert_eq!(
        records[1].signals.feeds,
        vec![FeedSignal {
            source: "partner-csv".into(),
            trust_level: 60,
            seen_at: 1_795_107_600_000,
            scam_type: Some(ScamType::ImpersonationBank),
        }]
    );
    assert_eq!(records[2].kind, IdentifierKind::Domain);
    assert_eq!(records[2].signals.feeds[0].source, "chongluadao");
    assert_eq!(records[3].signals.feeds[0].seen_at, 1_737_199_146_205);
}

#[test]
fn importing_again_refreshes_and_the_text_summary_names_only_line_numbers() {
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), None);
    let file = feed_file(temp.path(), "partner.csv", CSV);
    let first = import(&place, &file, "partner", "csv", &[]);
    assert_eq!(counts(&first)[2], 3);
    let again = import(&place, &file, "partner", "csv", &[]);
    assert_eq!(counts(&again), [4, 3, 0, 3, 0, 1], "{again}");
    // The same contacts from another feed are new entries of that feed.
    let other = import(&place, &file, "other-feed", "csv", &[]);
    assert_eq!(counts(&other)[2], 3);

    let output =
        place.run(&["import", "--source", "partner", "--trust", "60", "--format", "csv", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("already known 3"), "{text}");
    assert!(text.contains("not_a_contact: 1 (line 4)"), "{text}");
    assert!(!text.contains("NOT-A-CONTACT-SECRET"), "a refused line's contents are never printed: {text}");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn bad_arguments_and_files_are_refused_with_a_code_and_a_field() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let place = Place::new(&data, None);
    let good = feed_file(temp.path(), "good.txt", PLAIN);
    let good = good.to_str().unwrap();
    let missing = temp.path().join("missing.txt");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], &str, &str); 7] = [
        (&["--source", "s", "--trust", "60", "--format", "xml", good], "invalid_value", "format"),
        (&["--source", "s", "--trust", "101", "--format", "plain", good], "invalid_value", "trust"),
        (&["--source", "s", "--trust", "-1", "--format", "plain", good], "invalid_value", "trust"),
        (&["--source", "s", "--trust", "high", "--format", "plain", good], "invalid_value", "trust"),
        (&["--source", "two words", "--trust", "60", "--format", "plain", good], "invalid_value", "source"),
        (
            &["--source", "s", "--trust", "60", "--format", "plain", "--scam-type", "bad", good],
            "invalid_scam_type",
            "scam_type",
        ),
        (&["--source", "s", "--trust", "60", "--format", "plain", missing], "not_found", "file"),
    ];
    for (args, code, field) in cases {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        let output = place.run(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains(&format!("error[{code}]")), "{args:?}: {message}");
        assert!(message.contains(&format!("(field: {field})")), "{args:?}: {message}");
        assert!(stdout(&output).is_empty());
    }
    assert!(!data.exists(), "refused arguments leave no data directory behind");

    // A file that is not of its format as a whole.
    let not_json = feed_file(temp.path(), "broken.json", "[{\"url\": ");
    let output = place.run(&[
        "import",
        "--source",
        "s",
        "--trust",
        "60",
        "--format",
        "chongluadao-json",
        not_json.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("error[invalid_file]"), "{}", stderr(&output));
    let no_value = feed_file(temp.path(), "no-value.csv", "phone\n0912345678\n");
    let output =
        place.run(&["import", "--source", "s", "--trust", "60", "--format", "csv", no_value.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("error[invalid_csv]") && stderr(&output).contains("(field: value)"));
}

#[test]
fn imports_into_postgres() {
    let database = canhgiac_testkit::require_postgres_database("imports_into_postgres");
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), Some(database.url()));
    let file = feed_file(temp.path(), "plain.txt", PLAIN);
    let first = import(&place, &file, "partner", "plain", &[]);
    assert_eq!(counts(&first), [5, 3, 3, 0, 1, 1], "{first}");
    assert!(first["store"].as_str().unwrap().starts_with("postgres"));
    let again = import(&place, &file, "partner", "plain", &[]);
    assert_eq!(counts(&again), [5, 3, 0, 3, 1, 1], "{again}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let records = runtime.block_on(async {
        let store = canhgiac_store::PostgresStore::connect(database.url()).await.unwrap();
        store.contact_signals(&["agribank-xacminh.com".to_string()]).await.unwrap()
    });
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].signals.feeds[0].source, "partner");
}

#[test]
fn the_largest_real_feeds_import_at_a_measured_rate() {
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    // The most entries (34,467 hosts) and the most bytes (2.3 MB of PhishTank rows).
    let feeds = [
        ("phish_chongluadao_blocklist/urls.txt", "plain", 30_000),
        ("phish_phishtank_verified_online_2021/verified_online.csv", "phishtank-csv", 11_000),
    ];
    for (relative, format, at_least) in feeds {
        let path = shared.join(relative);
        if !path.exists() {
            eprintln!("SKIPPED: {} is absent (../shared/data is not beside the repository)", path.display());
            return;
        }
        let temp = tempfile::tempdir().unwrap();
        let place = Place::new(temp.path().join("data"), None);
        let summary = import(&place, &path, "real", format, &[]);
        let [entries, accepted, created, ..] = counts(&summary);
        println!(
            "{relative} ({format}, {} build): {entries} entries, {accepted} accepted, {} rejected, in {} s: {} entries/s",
            if cfg!(debug_assertions) { "debug" } else { "release" },
            summary["rejected"],
            summary["seconds"],
            summary["entries_per_second"]
        );
        assert!(entries >= at_least, "{summary}");
        let rejected = summary["rejected"].as_u64().unwrap();
        assert!(rejected * 100 <= entries, "{summary}");
        assert_eq!(created, accepted);
    }
}

/// Entries are written in the order of their canonical forms, not the file's: of a contact repeated within the file
/// the first line is kept, and the counts are the file's.
#[test]
fn the_first_of_repeated_lines_is_kept() {
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), None);
    let csv = "value,kind,scam_type,seen_at\n\
               0981000222,phone,task_scam,2026-11-01\n\
               zzz-lua-dao.vn,domain,,\n\
               0981 000 222,phone,investment,2026-11-20\n\
               aaa-lua-dao.vn,domain,,\n";
    let summary = import(&place, &feed_file(temp.path(), "repeats.csv", csv), "partner", "csv", &[]);
    assert_eq!(counts(&summary), [4, 3, 3, 0, 1, 0], "{summary}");
    assert_eq!(summary["kinds"]["phone"], 1, "{summary}");
    assert_eq!(summary["kinds"]["domain"], 2, "{summary}");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let records: Vec<ContactRecord> = runtime.block_on(async {
        let store = canhgiac_store::SqliteStore::open(&place.data_dir.join("canhgiac.db")).await.unwrap();
        let wanted = ["+84981000222", "aaa-lua-dao.vn", "zzz-lua-dao.vn"];
        store.contact_signals(&wanted.map(String::from)).await.unwrap()
    });
    assert_eq!(records.len(), 3);
    // The first line's scam type and time, not the repeat's.
    assert_eq!(records[0].signals.feeds.len(), 1);
    assert_eq!(records[0].signals.feeds[0].scam_type, Some(ScamType::TaskScam));
    assert_eq!(records[0].signals.feeds[0].seen_at, 1_793_466_000_000, "2026-11-01 in Vietnam");
}
