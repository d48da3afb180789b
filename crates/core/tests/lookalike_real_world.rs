//! The look-alike detector measured on real data written by others (../shared/data), with none of it loaded into
//! the detector: recall on the ChongLuaDao phishing list, false positives on the Moz top 500 sites, on every domain
//! of the trust directory and on a hand-written list of legitimate Vietnamese sites.
//!
//! `cargo test -p canhgiac-core --release --test lookalike_real_world -- --nocapture` prints the figures;
//! `LOOKALIKE_MISSES=200` prints more of the misses (default 40). Skips with a message when the data is absent.
//!
//! Which hosts are bank-, wallet- or government-themed is decided by the rule below, written for this test and
//! independent of the detector's output (it does not call the detector, and it is broader than the detector's
//! keys: collisions such as `shbet` or `lqmb` count as themed, and so count as misses when not flagged).

use canhgiac_core::lookalike::{LookalikeFinding, judge_domain, judge_domain_in};
use canhgiac_core::trust::{ProtectedBrand, trust_directory};
use std::collections::{BTreeMap, BTreeSet};

mod common;

use common::shared_data;

// ---------------------------------------------------------------------------------------------------------------
// The theme rule. A host is themed when it contains one of these names anywhere...

const BANK_NAMES: &[&str] = &[
    "vietcombank",
    "vietinbank",
    "bidv",
    "agribank",
    "techcombank",
    "mbbank",
    "vpbank",
    "tpbank",
    "sacombank",
    "hdbank",
    "seabank",
    "eximbank",
    "lienviet",
    "lpbank",
    "namabank",
    "pvcombank",
    "kienlongbank",
    "abbank",
    "bacabank",
    "baovietbank",
    "oceanbank",
    "vietabank",
    "saigonbank",
];
const WALLET_NAMES: &[&str] = &["momo", "zalopay", "viettelmoney", "viettelpay", "vnpay", "shopeepay", "napas"];
const GOVERNMENT_NAMES: &[&str] = &[
    "dichvucong",
    "vneid",
    "bocongan",
    "congan",
    "chinhphu",
    "baohiemxahoi",
    "bhxh",
    "thuedientu",
    "cucthue",
    "csgt",
    "canhsatgiaothong",
    "phatnguoi",
    "gplx",
    "xuatnhapcanh",
    "dinhdanh",
];
/// ...or one of these abbreviations at the start or end of a run of letters (next to a dot, a hyphen, a digit or
/// the end of the host: `acb-vn`, `vcbdigibank`, `tinchapvcb`, `shb8`)...
const BANK_ABBREVIATIONS: &[&str] =
    &["vcb", "acb", "vib", "shb", "ocb", "msb", "tcb", "tpb", "vpb", "scb", "hdb", "ctg", "lpb", "ncb", "sbv"];
const GOVERNMENT_ABBREVIATIONS: &[&str] = &["gov"];
/// ...or this one as a whole run of letters.
const BANK_WHOLE_WORDS: &[&str] = &["mb"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Theme {
    Bank,
    Wallet,
    Government,
}

fn letter_runs(host: &str) -> Vec<&str> {
    host.split(|c: char| !c.is_ascii_lowercase()).filter(|run| !run.is_empty()).collect()
}

/// The theme of a host and the word that decided it.
fn theme(host: &str) -> Option<(Theme, &'static str)> {
    for (names, theme) in
        [(BANK_NAMES, Theme::Bank), (WALLET_NAMES, Theme::Wallet), (GOVERNMENT_NAMES, Theme::Government)]
    {
        if let Some(name) = names.iter().find(|name| host.contains(*name)) {
            return Some((theme, name));
        }
    }
    let runs = letter_runs(host);
    for (abbreviations, theme) in [(BANK_ABBREVIATIONS, Theme::Bank), (GOVERNMENT_ABBREVIATIONS, Theme::Government)] {
        for abbreviation in abbreviations {
            if runs.iter().any(|run| run.starts_with(abbreviation) || run.ends_with(abbreviation)) {
                return Some((theme, abbreviation));
            }
        }
    }
    BANK_WHOLE_WORDS.iter().find(|word| runs.contains(word)).map(|word| (Theme::Bank, *word))
}

// ---------------------------------------------------------------------------------------------------------------

/// Legitimate Vietnamese sites, written for this test (news, shops, transport, securities and finance companies
/// named after banks, foreign banks whose names collide with Vietnamese ones). None is in the trust directory.
const LEGIT_VIETNAMESE: &[&str] = &[
    "vnexpress.net",
    "tuoitre.vn",
    "thanhnien.vn",
    "dantri.com.vn",
    "vietnamnet.vn",
    "znews.vn",
    "kenh14.vn",
    "24h.com.vn",
    "baomoi.com",
    "cafef.vn",
    "cafebiz.vn",
    "vtv.vn",
    "vov.vn",
    "nhandan.vn",
    "laodong.vn",
    "tienphong.vn",
    "nld.com.vn",
    "plo.vn",
    "vietstock.vn",
    "shopee.vn",
    "lazada.vn",
    "tiki.vn",
    "sendo.vn",
    "thegioididong.com",
    "dienmayxanh.com",
    "fptshop.com.vn",
    "cellphones.com.vn",
    "hoanghamobile.com",
    "chotot.com",
    "batdongsan.com.vn",
    "vng.com.vn",
    "zalo.me",
    "fpt.com.vn",
    "vinamilk.com.vn",
    "vingroup.net",
    "vinfastauto.com",
    "vietnamairlines.com",
    "vietjetair.com",
    "bambooairways.com",
    "xanhsm.com",
    "be.com.vn",
    "grab.com",
    "mytour.vn",
    "vinmec.com",
    "petrolimex.com.vn",
    "ssi.com.vn",
    "vndirect.com.vn",
    "vps.com.vn",
    "hsc.com.vn",
    "vcbs.com.vn",
    "acbs.com.vn",
    "tcbs.com.vn",
    "mbs.com.vn",
    "bsc.com.vn",
    "fecredit.com.vn",
    "homecredit.vn",
    "hdsaison.com.vn",
    "mcredit.com.vn",
    "prudential.com.vn",
    "manulife.com.vn",
    "baoviet.com.vn",
    "pvi.com.vn",
    "hust.edu.vn",
    "vnu.edu.vn",
    "thuvienphapluat.vn",
    "luatvietnam.vn",
    "hanoi.gov.vn",
    "dichvucong.hanoi.gov.vn",
    "congan.hanoi.gov.vn",
    "momondo.com",
    "vibe.com",
    "ocbc.com",
    "mbank.pl",
    "nab.com.au",
    "scb.co.th",
    "seabank.ph",
    "seabank.co.id",
    "agrobank.uz",
    "afreximbank.com",
    "eximbankindia.in",
    "hdfcbank.com",
];

fn flagged(host: &str, brands: &[ProtectedBrand]) -> Option<LookalikeFinding> {
    // The compiled-in directory's brands take the fast path a server takes (keys gathered once).
    if std::ptr::eq(brands, trust_directory().protected_brands()) {
        return judge_domain_in(host, trust_directory());
    }
    judge_domain(host, brands)
}

#[test]
fn recall_on_chongluadao_and_false_positives() {
    let Some(blocklist) = shared_data("phish_chongluadao_blocklist/urls.txt") else { return };
    let Some(top_sites) = shared_data("legit_top_sites_moz500/top-sites.json") else { return };
    let brands = trust_directory().protected_brands();

    // Hosts, paths dropped, `www.` dropped, each once.
    let text = std::fs::read_to_string(blocklist).unwrap();
    let hosts: BTreeSet<String> = text
        .lines()
        .map(|line| line.trim().split('/').next().unwrap_or_default().to_ascii_lowercase())
        .map(|host| host.strip_prefix("www.").map(str::to_string).unwrap_or(host))
        .filter(|host| !host.is_empty())
        .collect();

    #[derive(Default)]
    struct Tally {
        hosts: usize,
        flagged: usize,
        high_risk: usize,
    }
    let mut by_theme: BTreeMap<Option<Theme>, Tally> = BTreeMap::new();
    let mut by_word: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut main_codes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bonus_codes: BTreeMap<&str, usize> = BTreeMap::new();
    // Themed findings that would fall below `suspicious` without a reason.
    let mut needed_codes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut brands_named: BTreeMap<String, usize> = BTreeMap::new();
    // LOOKALIKE_DUMP=<file> writes every host with its theme and finding, for tuning.
    let mut dump = std::env::var("LOOKALIKE_DUMP").ok().map(|_| String::new());
    let mut themed_misses = Vec::new();
    let mut other_flagged = Vec::new();
    let mut wrong_theme = Vec::new();
    let mut judging = std::time::Duration::ZERO;
    for host in &hosts {
        let themed = theme(host);
        let started = std::time::Instant::now();
        let finding = flagged(host, brands);
        judging += started.elapsed();
        if let Some(dump) = &mut dump {
            let (brand, score, codes) = finding
                .as_ref()
                .map(|f| (f.brand.as_str(), f.score, f.codes().join(",")))
                .unwrap_or(("-", 0, String::new()));
            dump.push_str(&format!("{host}\t{themed:?}\t{brand}\t{score}\t{codes}\n"));
        }
        let tally = by_theme.entry(themed.map(|(theme, _)| theme)).or_default();
        tally.hosts += 1;
        if let Some((_, word)) = themed {
            by_word.entry(word).or_default().hosts += 1;
        }
        match &finding {
            Some(finding) => {
                tally.flagged += 1;
                if finding.level == canhgiac_core::lookalike::LookalikeLevel::HighRisk {
                    tally.high_risk += 1;
                }
                if let Some((_, word)) = themed {
                    by_word.entry(word).or_default().flagged += 1;
                }
                *main_codes.entry(finding.reasons[0].code).or_default() += 1;
                for reason in &finding.reasons[1..] {
                    *bonus_codes.entry(reason.code).or_default() += 1;
                    if themed.is_some() && i32::from(finding.score) - i32::from(reason.weight) < 50 {
                        *needed_codes.entry(reason.code).or_default() += 1;
                    }
                }
                *brands_named.entry(finding.brand.clone()).or_default() += 1;
                if themed.is_none() {
                    other_flagged.push(format!("{host} → {} ({})", finding.brand, finding.score));
                } else if let Some((Theme::Government, _)) = themed {
                    let kind = brands.iter().find(|b| b.name == finding.brand).map(|b| b.organisation_kind);
                    if kind.is_some_and(|k| k.as_str() == "bank") {
                        wrong_theme.push(format!("{host} → {}", finding.brand));
                    }
                }
            }
            None => {
                if themed.is_some() {
                    themed_misses.push(host.clone());
                }
            }
        }
    }

    if let (Some(dump), Ok(path)) = (dump, std::env::var("LOOKALIKE_DUMP")) {
        std::fs::write(&path, dump).unwrap();
        println!("every host written to {path}");
    }
    let per_host = judging / hosts.len() as u32;
    let percent = |part: usize, whole: usize| if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 };
    let themed_hosts: usize = by_theme.iter().filter(|(t, _)| t.is_some()).map(|(_, t)| t.hosts).sum();
    let themed_flagged: usize = by_theme.iter().filter(|(t, _)| t.is_some()).map(|(_, t)| t.flagged).sum();
    let themed_recall = percent(themed_flagged, themed_hosts);
    println!("ChongLuaDao blocklist: {} distinct hosts (paths and `www.` dropped), {per_host:?} a host", hosts.len());
    println!("  themed (bank, wallet, government): {themed_flagged} / {themed_hosts} flagged = {themed_recall:.1}%");
    for (theme, tally) in &by_theme {
        println!(
            "    {:<12} {:>5} / {:>5} flagged = {:>5.1}% ({} high_risk)",
            theme.map_or("other".to_string(), |t| format!("{t:?}").to_lowercase()),
            tally.flagged,
            tally.hosts,
            percent(tally.flagged, tally.hosts),
            tally.high_risk
        );
    }
    println!("  themed, by the word that made the theme (hosts ≥ 5):");
    let mut words: Vec<_> = by_word.iter().filter(|(_, t)| t.hosts >= 5).collect();
    words.sort_by_key(|(_, t)| std::cmp::Reverse(t.hosts));
    for (word, tally) in words {
        println!(
            "    {word:<14} {:>4} / {:>4} = {:>5.1}%",
            tally.flagged,
            tally.hosts,
            percent(tally.flagged, tally.hosts)
        );
    }
    println!("  how the brand was found (first reason of each finding, all groups): {main_codes:?}");
    println!("  supporting reasons (findings carrying each): {bonus_codes:?}");
    println!("  themed findings that need the reason to reach `suspicious`: {needed_codes:?}");
    let mut named: Vec<_> = brands_named.into_iter().collect();
    named.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    println!("  brands named (top 15): {:?}", &named[..named.len().min(15)]);
    let shown: usize = std::env::var("LOOKALIKE_MISSES").ok().and_then(|n| n.parse().ok()).unwrap_or(40);
    let step = (themed_misses.len() / shown.max(1)).max(1);
    println!("  sample of themed misses ({} of {}):", shown.min(themed_misses.len()), themed_misses.len());
    for miss in themed_misses.iter().step_by(step).take(shown) {
        println!("    {miss}");
    }
    let step = (other_flagged.len() / 30).max(1);
    println!("  sample of flagged hosts outside the themes ({} in all):", other_flagged.len());
    for host in other_flagged.iter().step_by(step).take(30) {
        println!("    {host}");
    }
    println!("  government-themed hosts attributed to a bank: {}", wrong_theme.len());

    // False positives.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(top_sites).unwrap()).unwrap();
    let sites: Vec<&str> = json.as_array().unwrap().iter().filter_map(|site| site["rootDomain"].as_str()).collect();
    let moz_fp: Vec<String> =
        sites.iter().filter_map(|site| flagged(site, brands).map(|f| format!("{site} → {}", f.brand))).collect();
    println!("Moz top 500: {} sites, {} flagged {moz_fp:?}", sites.len(), moz_fp.len());

    let directory_domains: Vec<(&str, &str)> = trust_directory()
        .contacts()
        .iter()
        .filter(|c| c.contact_kind == canhgiac_core::trust::ContactKind::Domain)
        .map(|c| (c.canonical.as_str(), c.organisation.as_str()))
        .collect();
    let directory_fp: Vec<&str> =
        directory_domains.iter().filter(|(domain, _)| flagged(domain, brands).is_some()).map(|(d, _)| *d).collect();
    println!("trust directory: {} domains, {} flagged {directory_fp:?}", directory_domains.len(), directory_fp.len());
    // Harder: each official domain judged against every brand but its own organisation's.
    let cross: Vec<String> = directory_domains
        .iter()
        .filter_map(|(domain, organisation)| {
            let others: Vec<ProtectedBrand> = brands.iter().filter(|b| b.name != *organisation).cloned().collect();
            flagged(domain, &others).map(|f| format!("{domain} → {}", f.brand))
        })
        .collect();
    println!("trust directory, own brand left out: {} flagged {cross:?}", cross.len());

    let vn_fp: Vec<String> = LEGIT_VIETNAMESE
        .iter()
        .filter_map(|site| flagged(site, brands).map(|f| format!("{site} → {} ({})", f.brand, f.score)))
        .collect();
    println!(
        "hand-written legitimate Vietnamese and namesake sites: {}, {} flagged {vn_fp:?}",
        LEGIT_VIETNAMESE.len(),
        vn_fp.len()
    );

    assert!(moz_fp.is_empty(), "false positives on the Moz top 500: {moz_fp:?}");
    assert!(directory_fp.is_empty(), "trust directory domains flagged: {directory_fp:?}");
    assert!(vn_fp.is_empty(), "legitimate Vietnamese sites flagged: {vn_fp:?}");
    assert!(themed_recall >= 60.0, "recall on the themed part fell to {themed_recall:.1}%");
}

#[test]
fn theme_rule_examples() {
    assert_eq!(theme("vietcombank-xacthuc.com"), Some((Theme::Bank, "vietcombank")));
    assert_eq!(theme("vcbdiyrtbaik.com"), Some((Theme::Bank, "vcb")));
    assert_eq!(theme("olinacb.com"), Some((Theme::Bank, "acb")));
    assert_eq!(theme("chanlemomo.com"), Some((Theme::Wallet, "momo")));
    assert_eq!(theme("gplx-gov.vn"), Some((Theme::Government, "gplx")));
    assert_eq!(theme("mb247.top"), Some((Theme::Bank, "mb")));
    assert_eq!(theme("dacbiet.vn"), None);
    assert_eq!(theme("bithumb.icu"), None);
    assert_eq!(theme("garena-sukien.com"), None);
}

/// The links in real Vietnamese SMS (inbox exports: mostly carrier, bank and shop messages): none of the
/// non-scam messages' links may be flagged; the scam messages' links are counted.
#[test]
fn links_in_real_vietnamese_sms() {
    let Some(path) = shared_data("vi_sms_smishing_ie403/dev.csv") else { return };
    let brands = trust_directory().protected_brands();
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut ham_hosts = BTreeSet::new();
    let mut scam_hosts = BTreeSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        let scam = &record[1] == "1";
        for found in canhgiac_core::extract(&record[0]) {
            let host = match &found.identifier {
                canhgiac_core::Identifier::Url(url) if !url.is_ip_host() => url.host().to_string(),
                canhgiac_core::Identifier::Domain(domain) => domain.canonical().to_string(),
                _ => continue,
            };
            if scam {
                scam_hosts.insert(host)
            } else {
                ham_hosts.insert(host)
            };
        }
    }
    let ham_flagged: Vec<String> = ham_hosts
        .iter()
        .filter_map(|host| flagged(host, brands).map(|f| format!("{host} → {} ({})", f.brand, f.score)))
        .collect();
    let scam_flagged: Vec<String> = scam_hosts
        .iter()
        .filter_map(|host| flagged(host, brands).map(|f| format!("{host} → {} ({})", f.brand, f.score)))
        .collect();
    println!("links in non-scam SMS: {} hosts, {} flagged {ham_flagged:?}", ham_hosts.len(), ham_flagged.len());
    println!("links in scam SMS: {} hosts, {} flagged {scam_flagged:?}", scam_hosts.len(), scam_flagged.len());
    println!("  scam SMS hosts: {scam_hosts:?}");
    assert!(ham_flagged.is_empty(), "links of non-scam SMS flagged: {ham_flagged:?}");
}

/// Brand matches on lists that are not about Vietnamese brands: URLhaus malware hosts (mostly compromised ordinary
/// sites) and PhishTank's 2021 phishing with its target brand. A finding there is a spurious brand match unless
/// the host really names a Vietnamese brand: printed for reading, not asserted.
#[test]
fn brand_matches_on_unrelated_lists() {
    let brands = trust_directory().protected_brands();
    if let Some(path) = shared_data("malware_urlhaus_filter_2025/urlhaus-filter-domains.txt") {
        let text = std::fs::read_to_string(path).unwrap();
        let hosts: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
        let found: Vec<String> = hosts
            .iter()
            .filter_map(|host| flagged(host, brands).map(|f| format!("{host} → {} ({})", f.brand, f.score)))
            .collect();
        println!("URLhaus malware hosts: {}, {} flagged: {found:?}", hosts.len(), found.len());
    }
    if let Some(path) = shared_data("phish_phishtank_verified_online_2021/verified_online.csv") {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let mut by_target: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut samples = Vec::new();
        let mut seen = BTreeSet::new();
        for record in reader.records() {
            let record = record.unwrap();
            let Ok(url) = canhgiac_core::identifier::Url::parse(&record[1]) else { continue };
            if url.is_ip_host() || !seen.insert(url.host().to_string()) {
                continue;
            }
            let entry = by_target.entry(record[7].to_string()).or_default();
            entry.0 += 1;
            if let Some(finding) = flagged(url.host(), brands) {
                entry.1 += 1;
                if samples.len() < 40 {
                    samples.push(format!("{} [{}] → {} ({})", url.host(), &record[7], finding.brand, finding.score));
                }
            }
        }
        let flagged_total: usize = by_target.values().map(|(_, f)| f).sum();
        let hosts_total: usize = by_target.values().map(|(h, _)| h).sum();
        println!("PhishTank 2021: {hosts_total} hosts, {flagged_total} flagged as a Vietnamese brand: {samples:?}");
    }
}
