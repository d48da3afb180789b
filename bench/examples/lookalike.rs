//! Look-alike judgement speed: the synthetic hosts of the check benchmark, the ChongLuaDao blocklist's hosts and
//! the Moz top 500, each judged against the compiled-in trust directory. Prints ns per host by set.
//!
//! `cargo run --release -p canhgiac-bench --example lookalike [ROUNDS [LIMIT]]`
//!
//! `... --example lookalike -- --dump FILE`: every host's finding (brand, level, score, reasons in both languages)
//! written one per line instead, so that a change meant to keep every judgement can be checked with `cmp`.

#[path = "support/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::lookalike::{judge_domain_in, judge_domain_in_afresh};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let trust = synthetic::trust();
    let mut sets: Vec<(&str, Vec<String>)> = Vec::new();
    let synthetic_hosts: Vec<String> = (0..2_000_000u64)
        .filter_map(|i| {
            let (kind, canonical) = synthetic::contact(i);
            match kind {
                IdentifierKind::Domain => Some(canonical),
                IdentifierKind::Url => Some(canonical["https://".len()..].split('/').next()?.to_string()),
                _ => None,
            }
        })
        .take(20_000)
        .collect();
    sets.push(("synthetic (check benchmark)", synthetic_hosts));
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    if let Ok(text) = std::fs::read_to_string(data.join("phish_chongluadao_blocklist/urls.txt")) {
        let hosts = text
            .lines()
            .map(|line| line.trim().trim_start_matches("*.").to_string())
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        sets.push(("ChongLuaDao blocklist", hosts));
    }
    if let Ok(text) = std::fs::read_to_string(data.join("legit_top_sites_moz500/top-sites.json")) {
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let hosts = json
            .as_array()
            .map(|rows| rows.iter().filter_map(|row| row["rootDomain"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        sets.push(("Moz top 500", hosts));
    }
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.get(1).map(String::as_str) == Some("--dump") {
        let Some(path) = arguments.get(2) else {
            eprintln!("lookalike --dump FILE");
            std::process::exit(2);
        };
        let mut lines = String::new();
        for (name, hosts) in &sets {
            for host in hosts {
                let finding = judge_domain_in(host, &trust).map(|finding| {
                    let reasons: Vec<String> =
                        finding.reasons.iter().map(|r| format!("{}:{}:{}:{}", r.code, r.weight, r.vi, r.en)).collect();
                    format!("{} {:?} {} {}", finding.brand, finding.level, finding.score, reasons.join(" | "))
                });
                lines.push_str(&format!("{name}\t{host}\t{}\n", finding.unwrap_or_else(|| "-".into())));
            }
        }
        if let Err(error) = std::fs::write(path, lines) {
            eprintln!("lookalike: {path}: {error}");
            std::process::exit(1);
        }
        return;
    }
    let rounds: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(3);
    let limit: usize = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
    for (name, hosts) in &sets {
        let hosts = &hosts[..hosts.len().min(limit)];
        let mut flagged = 0;
        let started = Instant::now();
        for _ in 0..rounds {
            flagged = 0;
            for host in hosts {
                // Afresh: the directory's memo would answer every round after the first.
                if black_box(judge_domain_in_afresh(black_box(host), &trust)).is_some() {
                    flagged += 1;
                }
            }
        }
        let per_host = started.elapsed().as_nanos() as f64 / (rounds * hosts.len()).max(1) as f64;
        println!("{name:<30} {:>7} hosts  {flagged:>6} flagged  {:>8.0} ns/host", hosts.len(), per_host);
    }
}
