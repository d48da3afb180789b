//! Synthetic contacts for the reputation index benchmarks (`check_index`, `check_server`), made one way so that
//! both load the same set. Contact `i` is a pure function of `i`: contacts `0..N` are the loaded set and contacts
//! `N..2N` are valid, canonical and absent (the misses). Nothing is held: [`records`] is a lazy iterator.
//!
//! The mix, by `i % 20`: 40 % phone numbers (`+849x`, `+843x`), 25 % bank accounts at five banks by their NAPAS
//! BIN, 10 % links (`https://<name>.top/<path>`), 10 % domains, 5 % MoMo wallets, 10 % social accounts
//! (Telegram, TikTok). Every contact has at least one signal: 10 % several citizen reports from different
//! reporters, often a bank's listing, a feed entry and a related contact; the other 90 % one feed entry.

use canhgiac_core::access::OrganisationKind;
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::ReportStatus;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::trust::TrustDirectory;
use canhgiac_core::verdict::{
    ContactRecord, ContactSignals, FeedSignal, ListingSignal, ReportSignal, ReporterIdentity,
};
use std::fmt::Write as _;
use std::sync::Arc;

/// The time the index is judged at (Unix ms; 2026-11-17). Signals are dated before it.
pub const NOW_MS: i64 = 1_795_000_000_000;
const DAY_MS: i64 = 86_400_000;

/// The contacts `i` can name: 20 disjoint families of 10 million each.
pub const MAX_CONTACTS: u64 = 200_000_000;

/// splitmix64: the random source of everything here, as a function of a number.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A bijection of `0..modulus` (an odd multiplier not divisible by 5 is coprime with any power of ten, and with
/// powers of 36 when not divisible by 3): numbers that look random but never repeat.
fn scramble(seq: u64, modulus: u64) -> u64 {
    (seq.wrapping_mul(2_654_435_761) % modulus + 12_345_678) % modulus
}

const PHONE_PREFIXES: [&str; 8] = ["90", "91", "93", "94", "97", "98", "32", "35"];
/// BIN, the bank's short name people write, the account's fixed head (the rest: nine digits).
const BANKS: [(&str, &str, &str); 5] = [
    ("970436", "Vietcombank", "0011"),
    ("970415", "VietinBank", "108"),
    ("970418", "BIDV", "21510"),
    ("970422", "MB", "0680"),
    ("970407", "Techcombank", "19036"),
];
/// Words that start link and domain names; each family has its own, none a prefix of another of the same length
/// class, and the code after them has a fixed length, so names never collide.
const URL_WORDS: [[&str; 4]; 2] = [
    ["vcb-xacminh", "nhanqua", "shopee-hoantien", "vaytien"],
    ["dichvucong-", "evn-thanhtoan", "congviec", "tiki-uudai"],
];
const URL_PATHS: [&str; 5] = ["login", "xac-minh", "nhan-thuong", "dang-nhap", "vi/khuyen-mai"];
const DOMAIN_WORDS: [[&str; 3]; 2] = [["dautu", "sanvang", "tuyendung"], ["giaohang", "vemaybay", "taichinh"]];
const DOMAIN_SUFFIXES: [&str; 2] = ["vip", "com.vn"];
const SOCIAL_WORDS: [&str; 4] = ["hotro", "admin", "cskh", "tuyen"];
const FEEDS: [&str; 5] = ["chongluadao.vn", "tinnhiemmang.vn", "openphish", "feed-viettel", "feed-vnpt"];
const LISTING_BANKS: [&str; 4] = ["Vietcombank", "BIDV", "MB", "Techcombank"];

fn base36(mut value: u64, width: usize, out: &mut String) {
    let mut digits = [b'0'; 16];
    for slot in digits[..width].iter_mut().rev() {
        *slot = b"0123456789abcdefghijklmnopqrstuvwxyz"[(value % 36) as usize];
        value /= 36;
    }
    out.push_str(std::str::from_utf8(&digits[..width]).unwrap_or_default());
}

/// The kind and canonical form of contact `i`.
pub fn contact(i: u64) -> (IdentifierKind, String) {
    assert!(i < MAX_CONTACTS, "contact {i} is beyond the generator's range");
    let family = i % 20;
    let seq = i / 20;
    let r = mix(i);
    let mut out = String::with_capacity(40);
    let kind = match family {
        0..=7 => {
            let _ = write!(out, "+84{}{:07}", PHONE_PREFIXES[family as usize], scramble(seq, 10_000_000));
            IdentifierKind::Phone
        }
        8..=12 => {
            let (bin, _, head) = BANKS[(family - 8) as usize];
            let _ = write!(out, "bank:{bin}:{head}{:09}", scramble(seq, 1_000_000_000));
            IdentifierKind::BankAccount
        }
        13 | 14 => {
            let words = URL_WORDS[(family - 13) as usize];
            out.push_str("https://");
            out.push_str(words[(r % 4) as usize]);
            base36(scramble(seq, 36u64.pow(6)), 6, &mut out);
            out.push_str(".top/");
            out.push_str(URL_PATHS[((r >> 8) % 5) as usize]);
            IdentifierKind::Url
        }
        15 | 16 => {
            let words = DOMAIN_WORDS[(family - 15) as usize];
            out.push_str(words[(r % 3) as usize]);
            base36(scramble(seq, 36u64.pow(6)), 6, &mut out);
            out.push('.');
            out.push_str(DOMAIN_SUFFIXES[(family - 15) as usize]);
            IdentifierKind::Domain
        }
        17 => {
            let _ = write!(out, "momo:+8486{:07}", scramble(seq, 10_000_000));
            IdentifierKind::Ewallet
        }
        18 => {
            out.push_str("telegram:");
            out.push_str(SOCIAL_WORDS[(r % 4) as usize]);
            out.push('_');
            base36(scramble(seq, 36u64.pow(6)), 6, &mut out);
            IdentifierKind::Social
        }
        _ => {
            out.push_str("tiktok:shop.");
            base36(scramble(seq, 36u64.pow(6)), 6, &mut out);
            IdentifierKind::Social
        }
    };
    (kind, out)
}

/// Contact `i` as people write it in a search box or a message: `0912 345 678`, `0011004123456 Vietcombank`,
/// defanged links, upper-case domains, `@handle`.
pub fn raw_form(i: u64) -> String {
    let (_, canonical) = contact(i);
    let family = i % 20;
    let r = mix(i ^ 0x5eed);
    match family {
        0..=7 => {
            // +84912345678 → 0912 345 678 (or 0912.345.678, or +84 912 345 678)
            let n = &canonical[3..];
            match r % 3 {
                0 => format!("0{} {} {}", &n[..3], &n[3..6], &n[6..]),
                1 => format!("0{}.{}.{}", &n[..3], &n[3..6], &n[6..]),
                _ => format!("+84 {} {} {}", &n[..3], &n[3..6], &n[6..]),
            }
        }
        8..=12 => {
            let (_, name, _) = BANKS[(family - 8) as usize];
            let account = &canonical[12..];
            if r.is_multiple_of(2) { format!("{account} {name}") } else { format!("STK {account} {name}") }
        }
        13 | 14 => {
            if r.is_multiple_of(2) {
                canonical.replacen("https", "hxxps", 1).replacen(".top", "[.]top", 1)
            } else {
                canonical.replacen(".top", ".TOP", 1)
            }
        }
        15 | 16 => canonical.to_ascii_uppercase(),
        17 => {
            let n = &canonical[8..];
            format!("momo 0{} {} {}", &n[..3], &n[3..6], &n[6..])
        }
        18 => format!("@{}", &canonical["telegram:".len()..]),
        _ => format!("https://www.tiktok.com/@{}", &canonical["tiktok:".len()..]),
    }
}

/// The signals of contact `i`: several reports (and often a bank listing and a related contact) for one contact
/// in ten, one feed entry for the others.
pub fn signals(i: u64) -> (ContactSignals, Vec<String>) {
    let r = mix(i ^ 0xfeed_0000);
    let mut signals = ContactSignals::default();
    let mut related = Vec::new();
    let scam_type = ScamType::ALL[(r >> 40) as usize % ScamType::ALL.len()];
    signals.feeds.push(FeedSignal {
        source: FEEDS[(r >> 4) as usize % FEEDS.len()].to_owned(),
        trust_level: 40 + ((r >> 12) % 51) as u8,
        seen_at: NOW_MS - ((r >> 20) % 365) as i64 * DAY_MS - ((r >> 32) % 86_400) as i64 * 1000,
        scam_type: if r & 0x100 == 0 { Some(scam_type) } else { None },
    });
    if r.is_multiple_of(10) {
        let reports = 1 + (r >> 48) % 4;
        for k in 0..reports {
            let s = mix(i.wrapping_mul(31).wrapping_add(k));
            signals.reports.push(ReportSignal {
                status: if s.is_multiple_of(4) { ReportStatus::Verified } else { ReportStatus::Received },
                at: NOW_MS - ((s >> 8) % 200) as i64 * DAY_MS - ((s >> 20) % 86_400) as i64 * 1000,
                reporter: ReporterIdentity::Fingerprint(mix(s)),
                loss_vnd: ((s >> 32) % 50) * 1_000_000,
                scam_type,
            });
        }
        if (r >> 56) % 10 < 6 {
            signals.listings.push(ListingSignal {
                organisation: LISTING_BANKS[(r >> 58) as usize % LISTING_BANKS.len()].to_owned(),
                organisation_kind: OrganisationKind::Bank,
                trust_level: 80,
                listed_at: NOW_MS - ((r >> 24) % 90) as i64 * DAY_MS,
                expires_at: if r & 0x200 == 0 { None } else { Some(NOW_MS + 180 * DAY_MS) },
                scam_type,
            });
        }
        if (r >> 60).is_multiple_of(2) {
            // A contact of another family, reported in the same reports.
            let other = (i + 7 + 20 * ((r >> 33) % 1000)) % MAX_CONTACTS;
            related.push(contact(other).1);
        }
    }
    (signals, related)
}

/// The record of contact `i`, as the store would give it.
pub fn record(i: u64) -> ContactRecord {
    let (kind, canonical) = contact(i);
    let (signals, related) = signals(i);
    ContactRecord { kind, canonical, signals, related }
}

/// Records `0..n`, made one at a time.
pub fn records(n: u64) -> impl Iterator<Item = ContactRecord> {
    (0..n).map(record)
}

/// The trust directory every benchmark index is built with.
pub fn trust() -> Arc<TrustDirectory> {
    Arc::new(canhgiac_core::trust::trust_directory().clone())
}

/// Percent-encodes a value for a query string (everything but unreserved characters).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Every contact `extract` finds in `texts`, once each, listed by a bank (the analyzer benchmarks: messages whose
/// contacts the index knows).
#[allow(dead_code)]
pub fn listed_by_a_bank(texts: &[String]) -> Vec<ContactRecord> {
    let mut seen = std::collections::HashSet::new();
    let mut records = Vec::new();
    for text in texts {
        for found in canhgiac_core::identifier::extract(text) {
            let canonical = found.identifier.canonical().to_string();
            if !seen.insert(canonical.clone()) {
                continue;
            }
            let r = mix(records.len() as u64 ^ 0xa11a);
            let mut signals = ContactSignals::default();
            signals.listings.push(ListingSignal {
                organisation: "Vietcombank".to_owned(),
                organisation_kind: OrganisationKind::Bank,
                trust_level: 80,
                listed_at: NOW_MS - (1 + (r % 60) as i64) * DAY_MS,
                expires_at: None,
                scam_type: ScamType::ALL[(r >> 32) as usize % ScamType::ALL.len()],
            });
            records.push(ContactRecord { kind: found.identifier.kind(), canonical, signals, related: Vec::new() });
        }
    }
    records
}
