//! The reputation index: look-ups, updates seen atomically by readers, private range look-ups, lists and
//! deltas, and explained checks of links, domains, QR codes and accounts.

use canhgiac_core::access::OrganisationKind;
use canhgiac_core::identifier::{IdentifierKind, detect};
use canhgiac_core::report::ReportStatus;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::trust::trust_directory;
use canhgiac_core::verdict::{
    ContactRecord, ContactSignals, FeedSignal, ListingSignal, ReportSignal, ReporterIdentity, VerdictLevel,
};
use canhgiac_index::{RANGE_PREFIX_HEX, ReputationIndex, SHARD_COUNT};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn index_of(records: Vec<ContactRecord>) -> ReputationIndex {
    ReputationIndex::build(Arc::new(trust_directory().clone()), records, NOW)
}

fn bank_listing(days_ago: i64) -> ListingSignal {
    ListingSignal {
        organisation: "Ngân hàng A".into(),
        organisation_kind: OrganisationKind::Bank,
        trust_level: 90,
        listed_at: NOW - days_ago * DAY,
        expires_at: None,
        scam_type: ScamType::ImpersonationBank,
    }
}

fn report(reporter: u64, days_ago: i64) -> ReportSignal {
    ReportSignal {
        status: ReportStatus::Received,
        at: NOW - days_ago * DAY,
        reporter: ReporterIdentity::Fingerprint(reporter),
        loss_vnd: 5_000_000,
        scam_type: ScamType::TaskScam,
    }
}

fn record(value: &str, signals: ContactSignals, related: &[&str]) -> ContactRecord {
    let identifier = detect(value).unwrap();
    ContactRecord {
        kind: identifier.kind(),
        canonical: identifier.canonical(),
        signals,
        related: related.iter().map(|r| detect(r).unwrap().canonical()).collect(),
    }
}

fn listed(value: &str) -> ContactRecord {
    record(value, ContactSignals { listings: vec![bank_listing(3)], ..Default::default() }, &[])
}

fn reported_by(value: &str, reporters: u64) -> ContactRecord {
    record(value, ContactSignals { reports: (0..reporters).map(|r| report(r, 2)).collect(), ..Default::default() }, &[])
}

fn sha_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn lookups_hit_miss_and_official_contacts() {
    let index = index_of(vec![listed("0912345678"), reported_by("+84987654321", 1)]);
    let hit = index.lookup("+84912345678").expect("listed phone");
    assert_eq!(hit.kind, IdentifierKind::Phone);
    assert_eq!(hit.level, VerdictLevel::Suspicious);
    assert_eq!(index.lookup("+84987654321").unwrap().level, VerdictLevel::Reported);
    assert_eq!(index.lookup("+84900000000"), None);
    // Every contact of the trust directory is in, official.
    let official = index.lookup("vietcombank.com.vn").expect("official domain");
    assert_eq!(official.level, VerdictLevel::OfficialVerified);
    assert_eq!(index.len(), 2 + trust_directory().contacts().len());
}

#[test]
fn updates_replace_remove_and_are_counted() {
    let index = index_of(vec![reported_by("0912345678", 1)]);
    let before = index.len();
    let version = index.upsert(vec![reported_by("0912345678", 5), listed("0911111111")], NOW);
    assert!(version > 1);
    assert_eq!(index.lookup("+84912345678").unwrap().level, VerdictLevel::HighRisk);
    assert_eq!(index.lookup("+84911111111").unwrap().level, VerdictLevel::Suspicious);
    assert_eq!(index.len(), before + 1);
    // A record without any signal removes the contact.
    index.upsert(vec![record("0911111111", ContactSignals::default(), &[])], NOW);
    assert_eq!(index.lookup("+84911111111"), None);
    assert_eq!(index.len(), before);
    // Official contacts stay, whatever is said about them.
    index.upsert(vec![reported_by("vietcombank.com.vn", 9)], NOW);
    assert_eq!(index.lookup("vietcombank.com.vn").unwrap().level, VerdictLevel::OfficialVerified);
    let (record, verdict) = index.verdict("vietcombank.com.vn", NOW).unwrap();
    assert!(record.signals.official.is_some());
    assert_eq!(verdict.counts.distinct_reporters, 9);
}

#[test]
fn signals_survive_packing() {
    let signals = ContactSignals {
        reports: vec![report(1, 400), report(u64::MAX, 0)],
        listings: vec![ListingSignal { expires_at: Some(NOW + DAY), ..bank_listing(10) }],
        feeds: vec![FeedSignal { source: "openphish".into(), trust_level: 60, seen_at: NOW - 5, scam_type: None }],
        confirmations: vec![canhgiac_core::verdict::ConfirmationSignal {
            organisation: "Công an Hà Nội".into(),
            at: NOW,
            scam_type: canhgiac_core::ScamType::ImpersonationAuthority,
        }],
        official: None,
        appeal: canhgiac_core::verdict::AppealState::Pending { since: NOW - 1 },
    };
    let original = record("stk 0011004123456 VCB", signals, &["0912345678", "t.me/hotro_vcb"]);
    let index = index_of(vec![original.clone()]);
    let back = index.record(&original.canonical).unwrap();
    assert_eq!(back, original);
    assert_eq!(index.lookup(&original.canonical).unwrap().level, VerdictLevel::ConfirmedScam);
}

#[test]
fn readers_see_each_version_whole_while_a_writer_updates() {
    let index = Arc::new(index_of((0..20_000).map(|i| listed(&format!("09{:08}", i))).collect()));
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (index, stop) = (index.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut lookups = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for i in (0..20_000).step_by(7) {
                        let summary = index.lookup(&format!("+849{:08}", i)).expect("never missing mid-update");
                        assert!(matches!(summary.level, VerdictLevel::Suspicious | VerdictLevel::HighRisk));
                        lookups += 1;
                    }
                }
                lookups
            })
        })
        .collect();
    for round in 0..20u64 {
        let batch = (0..20_000)
            .filter(|i| i % 20 == round as usize % 20)
            .map(|i| {
                let mut r = listed(&format!("09{:08}", i));
                r.signals.reports = (0..6).map(|who| report(who, 1)).collect();
                r
            })
            .collect();
        index.upsert(batch, NOW);
    }
    stop.store(true, Ordering::Relaxed);
    let lookups: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(lookups > 0);
    assert_eq!(index.lookup("+84900000000").unwrap().level, VerdictLevel::HighRisk);
    assert_eq!(index.len(), 20_000 + trust_directory().contacts().len());
    assert!(SHARD_COUNT.is_power_of_two());
}

#[test]
fn range_lookups_find_listed_contacts_by_hash_prefix_only() {
    let index = index_of(vec![listed("0912345678"), reported_by("0987654321", 3)]);
    for (canonical, level) in
        [("+84912345678", VerdictLevel::Suspicious), ("vietcombank.com.vn", VerdictLevel::OfficialVerified)]
    {
        let hex = sha_hex(canonical);
        let prefix = u32::from_str_radix(&hex[..RANGE_PREFIX_HEX], 16).unwrap();
        let hits = index.range(prefix);
        let hit =
            hits.iter().find(|h| h.suffix_hex() == hex[RANGE_PREFIX_HEX..32]).expect("listed contact in its range");
        assert_eq!(hit.level, level);
    }
    // A contact no longer listed leaves its range.
    let hex = sha_hex("+84912345678");
    let prefix = u32::from_str_radix(&hex[..RANGE_PREFIX_HEX], 16).unwrap();
    index.upsert(vec![record("0912345678", ContactSignals::default(), &[])], NOW);
    assert!(index.range(prefix).iter().all(|h| h.suffix_hex() != hex[RANGE_PREFIX_HEX..32]));
}

#[test]
fn lists_and_deltas_follow_changes() {
    let index = index_of(vec![listed("0912345678"), listed("https://vcb-xacthuc.top/login")]);
    let phones = index.list(IdentifierKind::Phone);
    let listed_phones: Vec<&str> = phones.contacts.iter().map(|c| c.canonical.as_str()).collect();
    assert!(listed_phones.contains(&"+84912345678"));
    let start = phones.version;
    assert_eq!(index.changes_since(IdentifierKind::Phone, start).unwrap().changed, vec![]);

    index.upsert(vec![listed("0922222222")], NOW);
    index.upsert(vec![record("0912345678", ContactSignals::default(), &[])], NOW);
    let delta = index.changes_since(IdentifierKind::Phone, start).unwrap();
    assert_eq!(delta.changed.iter().map(|c| c.canonical.as_str()).collect::<Vec<_>>(), vec!["+84922222222"]);
    assert_eq!(delta.removed, vec!["+84912345678".to_string()]);
    assert_eq!(delta.version, index.kind_version(IdentifierKind::Phone));
    assert!(index.kind_version(IdentifierKind::Url) < delta.version, "the url list did not change");
    assert!(index.changes_since(IdentifierKind::Phone, index.version() + 5).is_none());
}

#[test]
fn a_link_is_judged_by_its_domain_its_carried_contacts_and_its_look() {
    let index = index_of(vec![
        listed("scam-site.top"),
        record("0011004123456 VCB", ContactSignals { listings: vec![bank_listing(1)], ..Default::default() }, &[]),
    ]);
    let answer = index.check(&detect("https://scam-site.top/pay?x=1").unwrap(), NOW);
    assert_eq!(answer.verdict, VerdictLevel::Suspicious);
    assert!(answer.reasons.iter().any(|r| r.code == "domain_listed"), "{:?}", answer.reasons);

    let lookalike = index.check(&detect("https://vietcombank-xacthuc.com/dang-nhap").unwrap(), NOW);
    assert!(lookalike.verdict >= VerdictLevel::Suspicious);
    assert_eq!(lookalike.imitates.as_ref().unwrap().brand, "Vietcombank");
    assert!(lookalike.reasons.iter().any(|r| r.code == "lookalike" && r.en.contains("vietcombank.com.vn")));

    let official = index.check(&detect("https://www.vietcombank.com.vn/vi-VN/").unwrap(), NOW);
    assert_eq!(official.verdict, VerdictLevel::OfficialVerified);

    let qr_payload = canhgiac_core::identifier::encode_napas("970436", "0011004123456", Some(50_000), None);
    let qr = index.check(&detect(&qr_payload).unwrap(), NOW);
    assert_eq!(qr.kind, IdentifierKind::Vietqr);
    assert!(qr.reasons.iter().any(|r| r.code == "carried_contact"));
    assert!(qr.verdict >= VerdictLevel::Suspicious);

    let unknown = index.check(&detect("0933333333").unwrap(), NOW);
    assert_eq!(unknown.verdict, VerdictLevel::NoData);
    let json = serde_json::to_value(&unknown).unwrap();
    for field in [
        "verdict",
        "score",
        "reasons",
        "counts",
        "scam_types",
        "first_seen",
        "last_seen",
        "related",
        "canonical",
        "kind",
    ] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }
}

#[test]
fn an_account_is_judged_also_by_the_contacts_reported_with_it() {
    let index = index_of(vec![
        reported_by("0944444444", 8),
        record(
            "0011004999999 VCB",
            ContactSignals { reports: vec![report(1, 1)], ..Default::default() },
            &["0944444444"],
        ),
    ]);
    let answer = index.check(&detect("bank:970436:0011004999999").unwrap(), NOW);
    assert_eq!(answer.related[0].canonical, "+84944444444");
    assert_eq!(answer.related[0].verdict, VerdictLevel::HighRisk);
    assert_eq!(answer.verdict, VerdictLevel::Suspicious);
    assert!(answer.reasons.iter().any(|r| r.code == "related_contact"));
    let json = serde_json::to_value(&answer).unwrap();
    assert!(json["first_seen"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn reassessing_lets_old_signals_fade() {
    let index = index_of(vec![reported_by("0955555555", 6)]);
    assert_eq!(index.lookup("+84955555555").unwrap().level, VerdictLevel::HighRisk);
    let changed = index.reassess(NOW + 3 * 365 * DAY);
    assert!(changed >= 1);
    assert!(index.lookup("+84955555555").unwrap().level < VerdictLevel::HighRisk);
}

#[test]
fn refreshing_from_the_store_replaces_only_what_changed() {
    let index = index_of(vec![listed("0912345678"), reported_by("0987654321", 1)]);
    let version = index.version();
    assert_eq!(index.refresh(vec![listed("0912345678"), reported_by("0987654321", 1)], NOW), 0);
    assert_eq!(index.version(), version, "nothing changed, nothing published");
    assert_eq!(index.refresh(vec![listed("0912345678"), reported_by("0987654321", 6), listed("0933333333")], NOW), 2);
    assert_eq!(index.lookup("+84987654321").unwrap().level, VerdictLevel::HighRisk);
    assert_eq!(index.lookup("+84933333333").unwrap().level, VerdictLevel::Suspicious);
}

#[test]
fn a_snapshot_answers_as_the_index_did_when_it_was_taken() {
    let index = index_of(vec![listed("0912345678")]);
    let snapshot = index.snapshot();
    assert_eq!(snapshot.lookup("+84912345678"), index.lookup("+84912345678"));
    assert_eq!(snapshot.lookup("+84900000000"), None);
    index.upsert(vec![listed("0900000000")], NOW);
    assert_eq!(snapshot.lookup("+84900000000"), None, "published after the snapshot");
    assert!(index.snapshot().lookup("+84900000000").is_some());
}

#[test]
fn versions_never_repeat_across_rebuilds() {
    // A server restarted a minute later builds a new index: every version it gives must be above the old ones, so
    // that an ETag or a `since` from before the restart never names a state of the new index.
    let trust = Arc::new(canhgiac_core::trust::trust_directory().clone());
    let before = ReputationIndex::build(trust.clone(), std::iter::empty(), NOW);
    let mut last = before.version();
    for step in 0..100 {
        last = before.upsert(vec![reported_by("0912345678", step)], NOW);
    }
    let after = ReputationIndex::build(trust, std::iter::empty(), NOW + 60_000);
    assert!(after.version() > last, "{} after {}", after.version(), last);
    assert!(after.kind_version(IdentifierKind::Phone) > last);
    assert!(after.changes_since(IdentifierKind::Phone, last).is_none(), "a version from before is too old for a delta");
}
