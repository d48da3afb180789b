//! The feed readers against the real feeds in ../shared/data: every format that has a real file, read whole,
//! with what was accepted and refused printed. Skips with a message when the data is absent.

use canhgiac_core::IdentifierKind;
use canhgiac_core::feed::{self, FeedFormat, FeedLine};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

mod common;

use common::shared_data;

/// Reads `bytes` as `format`, prints what came of it, and returns the share accepted.
fn measure(name: &str, format: FeedFormat, bytes: &[u8]) -> (usize, f64, BTreeMap<IdentifierKind, usize>) {
    let started = Instant::now();
    let lines: Vec<FeedLine> = feed::read(format, bytes).unwrap().collect::<Result<_, _>>().unwrap();
    let elapsed = started.elapsed();
    let mut kinds = BTreeMap::new();
    let mut reasons: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    for line in &lines {
        match &line.outcome {
            Ok(item) => *kinds.entry(item.identifier.kind()).or_insert(0) += 1,
            Err(rejection) => {
                let entry = reasons.entry(rejection.reason.as_str()).or_default();
                entry.0 += 1;
                if entry.1.len() < 5 {
                    entry.1.push(line.line);
                }
            }
        }
    }
    let accepted: usize = kinds.values().sum();
    let rate = accepted as f64 / lines.len().max(1) as f64;
    println!(
        "{name} ({format}): {} entries, {accepted} accepted ({:.2}%), kinds {kinds:?}, refused {reasons:?}, {:.0} entries/s",
        lines.len(),
        rate * 100.0,
        lines.len() as f64 / elapsed.as_secs_f64()
    );
    (lines.len(), rate, kinds)
}

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn chongluadao_hosts_read_as_plain_and_as_the_api_json() {
    let Some(path) = shared_data("phish_chongluadao_blocklist/urls.txt") else { return };
    let bytes = read(&path);
    let (entries, rate, kinds) = measure("chongluadao urls.txt", FeedFormat::Plain, &bytes);
    assert!(entries > 30_000, "{entries}");
    assert!(rate >= 0.99, "{rate}");
    // Hosts are domains (also `www.` ones); the hundred or so with a path are links.
    assert!(kinds[&IdentifierKind::Domain] > 30_000, "{kinds:?}");
    assert!(kinds[&IdentifierKind::Url] < 200, "{kinds:?}");
    // The same hosts as the API gives them (`*.host/*` wildcards).
    let text = String::from_utf8(bytes).unwrap();
    let json: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|host| serde_json::json!({"url": format!("*.{host}/*"), "meta": {}}))
        .collect();
    let json = serde_json::to_vec(&json).unwrap();
    let (json_entries, json_rate, _) = measure("chongluadao as API JSON", FeedFormat::ChongluadaoJson, &json);
    assert_eq!(json_entries, entries);
    assert!(json_rate >= 0.99, "{json_rate}");

    let Some(ips) = shared_data("phish_chongluadao_blocklist/ips.txt") else { return };
    let (_, rate, kinds) = measure("chongluadao ips.txt", FeedFormat::Plain, &read(&ips));
    assert_eq!(rate, 1.0);
    assert_eq!(kinds.keys().copied().collect::<Vec<_>>(), [IdentifierKind::Ip]);
}

#[test]
fn openphish_archive_reads_with_first_seen_times() {
    let Some(path) = shared_data("phish_openphish_archive_2025/openphish_archive_2025.json") else { return };
    let bytes = read(&path);
    let (entries, rate, _) = measure("openphish archive", FeedFormat::Openphish, &bytes);
    assert!(entries > 8_000, "{entries}");
    assert!(rate >= 0.99, "{rate}");
    let lines = feed::read_bytes(FeedFormat::Openphish, &bytes).unwrap();
    let dated = lines.iter().filter(|l| l.outcome.as_ref().is_ok_and(|i| i.seen_at.is_some())).count();
    assert!(dated * 100 >= lines.len() * 99, "{dated} of {} have a time", lines.len());
    // The archive's entries each sit on a line of their own, after the opening brace.
    assert_eq!(lines[0].line, 2);
    assert_eq!(lines[1].line, 3);
}

#[test]
fn phishtank_csv_reads_with_submission_times() {
    let Some(path) = shared_data("phish_phishtank_verified_online_2021/verified_online.csv") else { return };
    let bytes = read(&path);
    let (entries, rate, _) = measure("phishtank verified_online.csv", FeedFormat::PhishtankCsv, &bytes);
    assert!(entries > 11_000, "{entries}");
    assert!(rate >= 0.98, "{rate}");
    let lines = feed::read_bytes(FeedFormat::PhishtankCsv, &bytes).unwrap();
    assert_eq!(lines[0].line, 2, "the header is line 1");
    assert!(lines.iter().filter_map(|l| l.outcome.as_ref().ok()).all(|i| i.seen_at.is_some()));
}

#[test]
fn urlhaus_domain_lists_read() {
    for file in ["urlhaus-filter-domains.txt", "urlhaus-filter-domains-online.txt"] {
        let Some(path) = shared_data(&format!("malware_urlhaus_filter_2025/{file}")) else { return };
        let (entries, rate, _) = measure(file, FeedFormat::Urlhaus, &read(&path));
        assert!(entries > 2_000, "{entries}");
        assert!(rate >= 0.99, "{file}: {rate}");
    }
}
