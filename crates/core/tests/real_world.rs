//! The identifier layer against real data written by others (../shared/data): phishing lists, popular
//! domains, and real Vietnamese SMS labelled with whether they hold a link or a phone number. Each
//! test prints what it measured and skips with a message when the data is absent.

use canhgiac_core::identifier::{Domain, IpAddress, Url};
use canhgiac_core::{IdentifierKind, extract};

mod common;

use common::shared_data;

#[test]
fn chongluadao_phishing_hosts_are_domains_or_ips() {
    let Some(path) = shared_data("phish_chongluadao_blocklist/urls.txt") else { return };
    let text = std::fs::read_to_string(path).unwrap();
    let hosts: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let mut refused = Vec::new();
    for host in &hosts {
        if Domain::parse(host).is_err() && IpAddress::parse(host).is_err() && Url::parse(host).is_err() {
            refused.push(*host);
        }
    }
    eprintln!(
        "chongluadao: {} of {} hosts refused, e.g. {:?}",
        refused.len(),
        hosts.len(),
        &refused[..refused.len().min(10)]
    );
    assert!(hosts.len() > 30_000);
    // Hosts on suffixes missing from the Public Suffix List are the only acceptable refusals.
    assert!(refused.len() * 1000 <= hosts.len(), "{} refused", refused.len());
}

#[test]
fn chongluadao_ips_parse() {
    let Some(path) = shared_data("phish_chongluadao_blocklist/ips.txt") else { return };
    let text = std::fs::read_to_string(path).unwrap();
    for ip in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parsed = IpAddress::parse(ip).unwrap_or_else(|e| panic!("{ip}: {e}"));
        assert_eq!(parsed.canonical(), ip);
    }
}

#[test]
fn openphish_urls_canonicalise() {
    let Some(path) = shared_data("phish_openphish_archive_2025/openphish_archive_2025.json") else { return };
    let feed: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut refused = Vec::new();
    for url in feed.keys() {
        match Url::parse(url) {
            Ok(parsed) => {
                let again = Url::parse(parsed.canonical()).unwrap();
                assert_eq!(again.canonical(), parsed.canonical(), "not idempotent: {url}");
            }
            Err(_) => refused.push(url.as_str()),
        }
    }
    eprintln!(
        "openphish: {} of {} URLs refused, e.g. {:?}",
        refused.len(),
        feed.len(),
        &refused[..refused.len().min(10)]
    );
    assert!(refused.len() * 100 <= feed.len());
}

#[test]
fn popular_domains_parse() {
    let Some(path) = shared_data("legit_top_sites_moz500/top-sites.json") else { return };
    let sites: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for site in &sites {
        let domain = site["rootDomain"].as_str().unwrap();
        if domain.ends_with("...") {
            continue; // One entry of the list is truncated ("marketingplatform.google....").
        }
        let parsed = Domain::parse(domain).unwrap_or_else(|e| panic!("{domain}: {e}"));
        assert_eq!(parsed.canonical(), domain.to_ascii_lowercase());
    }
    assert_eq!(sites.len(), 500);
}

/// Real Vietnamese SMS carry labels `has_url` and `has_phone_number`; `extract` should agree.
#[test]
fn real_sms_links_and_phone_numbers() {
    let Some(path) = shared_data("vi_sms_smishing_ie403/dev.csv") else { return };
    let mut reader = csv::Reader::from_path(path).unwrap();
    let (mut url_agree, mut url_total, mut phone_tp, mut phone_fp, mut phone_fn) = (0, 0, 0, 0, 0);
    let (mut misses, mut false_alarms, mut link_disagreements) = (Vec::new(), Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.unwrap();
        let (text, has_url, has_phone) = (&record[0], &record[2] == "1", &record[3] == "1");
        let found = extract(text);
        let found_link = found.iter().any(|f| match f.identifier.kind() {
            IdentifierKind::Url | IdentifierKind::Domain => true,
            // "Zalo: 0912…" is a phone number, not a link.
            IdentifierKind::Social => !f.identifier.to_json().contains_key("phone") || text.contains("zalo.me"),
            _ => false,
        });
        let found_phone = found.iter().any(|f| {
            let json = f.identifier.to_json();
            // A zalo.me/<phone> link counts as a link, as the labels count it.
            f.identifier.kind() == IdentifierKind::Phone && json["type"] != "short_code"
                || f.identifier.kind() == IdentifierKind::Ewallet
                || f.identifier.kind() == IdentifierKind::Social
                    && json["platform"] == "zalo"
                    && !text.contains("zalo.me")
        });
        url_total += 1;
        if found_link == has_url {
            url_agree += 1;
        } else {
            link_disagreements.push(format!(
                "labelled {has_url}, found {found_link}: {}",
                canhgiac_core::text::mask_digits(&text.chars().take(140).collect::<String>())
            ));
        }
        match (found_phone, has_phone) {
            (true, true) => phone_tp += 1,
            (true, false) => {
                phone_fp += 1;
                let chars: Vec<char> = text.chars().collect();
                let phones: Vec<String> = found
                    .iter()
                    .filter(|f| f.identifier.kind() == IdentifierKind::Phone)
                    .map(|f| {
                        let (start, end) = f.span;
                        let context: String =
                            chars[start.saturating_sub(20)..(end + 10).min(chars.len())].iter().collect();
                        canhgiac_core::text::mask_digits(&context)
                    })
                    .collect();
                false_alarms.push(phones.join(" | "));
            }
            (false, true) => {
                phone_fn += 1;
                // Show where the digits are, masked.
                let chars: Vec<char> = text.chars().collect();
                let first_digit = chars.iter().position(|c| c.is_ascii_digit()).unwrap_or(0);
                let window: String =
                    chars[first_digit.saturating_sub(30)..(first_digit + 40).min(chars.len())].iter().collect();
                misses.push(canhgiac_core::text::mask_digits(&window));
            }
            _ => {}
        }
    }
    let precision = phone_tp as f64 / (phone_tp + phone_fp).max(1) as f64;
    let recall = phone_tp as f64 / (phone_tp + phone_fn).max(1) as f64;
    eprintln!(
        "vi_sms dev: link agreement {url_agree}/{url_total}; phone precision {precision:.3} recall {recall:.3} (tp {phone_tp}, fp {phone_fp}, fn {phone_fn})"
    );
    for miss in misses.iter().take(20) {
        eprintln!("  missed phone in: {miss}");
    }
    for disagreement in link_disagreements.iter().take(30) {
        eprintln!("  link {disagreement}");
    }
    for alarm in false_alarms.iter().take(8) {
        eprintln!("  phone found but not labelled in: {alarm}");
    }
    // Measured 0.992, 0.924 and 0.979 on 2026-11-23; what is left is mostly label noise (see the output).
    assert!(url_agree as f64 / url_total as f64 >= 0.97);
    assert!(precision >= 0.9 && recall >= 0.95);
}
