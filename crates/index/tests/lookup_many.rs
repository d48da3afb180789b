//! Batched look-ups through a snapshot answer exactly as one look-up at a time: hits, misses, duplicates,
//! forms that are not canonical, empty input, any group size; warming the memory of any contacts
//! (`prefetch_records`) changes no answer.

use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::ReportStatus;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::trust::trust_directory;
use canhgiac_core::verdict::{ContactRecord, ContactSignals, FeedSignal, ReportSignal, ReporterIdentity, VerdictLevel};
use canhgiac_index::{IndexSnapshot, LOOKUP_GROUP, ReputationIndex, Summary};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

const NOW: i64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;
/// Contacts loaded: about 50 a shard, so that tags collide now and then inside a shard.
const CONTACTS: u64 = 200_000;

/// Contact `i`'s kind and canonical form; `i >= CONTACTS` is never loaded.
fn contact(i: u64) -> (IdentifierKind, String) {
    match i % 5 {
        0 => (IdentifierKind::Phone, format!("+849{:08}", i % 100_000_000)),
        1 => (IdentifierKind::BankAccount, format!("bank:970436:{:013}", i)),
        2 => (IdentifierKind::Url, format!("https://shop{i}.top/login")),
        3 => (IdentifierKind::Domain, format!("vay{i}.vip")),
        _ => (IdentifierKind::Ewallet, format!("momo:+843{:08}", i % 100_000_000)),
    }
}

fn record(i: u64) -> ContactRecord {
    let (kind, canonical) = contact(i);
    let signals = if i.is_multiple_of(10) {
        ContactSignals {
            reports: (0..(i % 7))
                .map(|r| ReportSignal {
                    status: ReportStatus::Received,
                    at: NOW - (r as i64) * DAY,
                    reporter: ReporterIdentity::Fingerprint(r),
                    loss_vnd: 1_000_000,
                    scam_type: ScamType::TaskScam,
                })
                .collect(),
            ..Default::default()
        }
    } else {
        ContactSignals {
            feeds: vec![FeedSignal {
                source: "feed".into(),
                trust_level: (i % 100) as u8,
                seen_at: NOW - (i as i64 % 300) * DAY,
                scam_type: Some(ScamType::TaskScam),
            }],
            ..Default::default()
        }
    };
    ContactRecord { kind, canonical, signals, related: Vec::new() }
}

fn index() -> &'static ReputationIndex {
    static INDEX: OnceLock<ReputationIndex> = OnceLock::new();
    INDEX.get_or_init(|| ReputationIndex::build(Arc::new(trust_directory().clone()), (0..CONTACTS).map(record), NOW))
}

/// One query of a batch.
#[derive(Debug, Clone)]
enum Query {
    Hit(u64),
    Miss(u64),
    /// A loaded contact as people write it, not canonical: never found.
    NotCanonical(u64),
    Text(String),
}

impl Query {
    fn text(&self) -> String {
        match self {
            Query::Hit(i) => contact(i % CONTACTS).1,
            Query::Miss(i) => contact(CONTACTS + i % CONTACTS).1,
            Query::NotCanonical(i) => {
                let canonical = contact(i % CONTACTS).1;
                match i % 4 {
                    0 => canonical.to_uppercase(),
                    1 => format!(" {canonical}"),
                    2 => canonical.replacen("+84", "0", 1),
                    _ => canonical[..canonical.len() - 1].to_string(),
                }
            }
            Query::Text(text) => text.clone(),
        }
    }
}

fn query() -> impl Strategy<Value = Query> {
    prop_oneof![
        4 => any::<u64>().prop_map(Query::Hit),
        4 => any::<u64>().prop_map(Query::Miss),
        1 => any::<u64>().prop_map(Query::NotCanonical),
        1 => prop_oneof![Just(String::new()), ".*", "[+0-9]{1,14}", Just("vietcombank.com.vn".to_string())]
            .prop_map(Query::Text),
    ]
}

/// The answers one look-up at a time, through the index and through the snapshot (which must agree).
fn one_at_a_time(snapshot: &IndexSnapshot, queries: &[&str]) -> Vec<Option<Summary>> {
    queries
        .iter()
        .map(|q| {
            let answer = snapshot.lookup(q);
            assert_eq!(answer, index().lookup(q), "{q:?}");
            answer
        })
        .collect()
}

fn grouped<const GROUP: usize>(snapshot: &IndexSnapshot, queries: &[&str]) -> Vec<Option<Summary>> {
    let mut answers = Vec::new();
    snapshot.lookup_each::<GROUP>(queries.iter().copied(), |answer| answers.push(answer));
    answers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn lookup_many_answers_as_lookup(queries in prop::collection::vec(query(), 0..150), repeat in 0usize..4) {
        let mut texts: Vec<String> = queries.iter().map(Query::text).collect();
        // Duplicates, next to each other and apart.
        if let Some(first) = texts.first().cloned() {
            for _ in 0..repeat {
                texts.push(first.clone());
                texts.insert(texts.len() / 2, first.clone());
            }
        }
        let queries: Vec<&str> = texts.iter().map(String::as_str).collect();
        let snapshot = index().snapshot();
        let expected = one_at_a_time(&snapshot, &queries);

        // Answers are appended after what `out` holds.
        let sentinel = Some(Summary { kind: IdentifierKind::Phone, level: VerdictLevel::NoData, score: 255 });
        let mut out = vec![sentinel];
        snapshot.lookup_many(&queries, &mut out);
        prop_assert_eq!(out[0], sentinel);
        prop_assert_eq!(&out[1..], expected.as_slice());

        prop_assert_eq!(grouped::<1>(&snapshot, &queries), expected.clone());
        prop_assert_eq!(grouped::<3>(&snapshot, &queries), expected.clone());
        prop_assert_eq!(grouped::<8>(&snapshot, &queries), expected.clone());
        prop_assert_eq!(grouped::<32>(&snapshot, &queries), expected.clone());

        index().prefetch_records(queries.iter().copied());
        prop_assert_eq!(one_at_a_time(&snapshot, &queries), expected);
    }
}

#[test]
fn every_loaded_contact_and_none_other_is_found_in_batches() {
    let snapshot = index().snapshot();
    let texts: Vec<String> = (0..2 * CONTACTS).map(|i| contact(i).1).collect();
    let queries: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    snapshot.lookup_many(&queries, &mut out);
    assert_eq!(out.len(), queries.len());
    for (i, (query, answer)) in queries.iter().zip(&out).enumerate() {
        assert_eq!(*answer, snapshot.lookup(query), "{query}");
        assert_eq!(answer.is_some(), (i as u64) < CONTACTS, "{query}");
    }
    // The trust directory's contacts too.
    let official: Vec<String> = trust_directory().contacts().iter().map(|c| c.canonical.clone()).collect();
    let official: Vec<&str> = official.iter().map(String::as_str).collect();
    out.clear();
    snapshot.lookup_many(&official, &mut out);
    assert_eq!(out, one_at_a_time(&snapshot, &official));
    assert!(out.iter().all(Option::is_some));
}

#[test]
fn empty_batches_and_an_empty_index() {
    let snapshot = index().snapshot();
    let mut out = Vec::new();
    snapshot.lookup_many(&[], &mut out);
    assert!(out.is_empty());
    assert_eq!(grouped::<LOOKUP_GROUP>(&snapshot, &[]), Vec::new());

    let empty = ReputationIndex::build(Arc::new(trust_directory().clone()), std::iter::empty(), NOW);
    let snapshot = empty.snapshot();
    let queries = ["+84912345678", "", "vietcombank.com.vn", "https://a.top/x"];
    snapshot.lookup_many(&queries, &mut out);
    assert_eq!(out, one_at_a_time_in(&empty, &queries));
    empty.prefetch_records(queries);
    empty.prefetch_records([]);
    assert_eq!(out, one_at_a_time_in(&empty, &queries));
}

fn one_at_a_time_in(index: &ReputationIndex, queries: &[&str]) -> Vec<Option<Summary>> {
    queries.iter().map(|q| index.lookup(q)).collect()
}

#[test]
fn batches_follow_updates_only_in_later_snapshots() {
    let index = ReputationIndex::build(Arc::new(trust_directory().clone()), (0..1000).map(record), NOW);
    let queries: Vec<String> = (0..2000).map(|i| contact(i).1).collect();
    let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
    let before = index.snapshot();
    // Remove a few contacts, add others (tables copied and grown).
    let mut changes: Vec<ContactRecord> =
        (0..1000).step_by(3).map(|i| ContactRecord { signals: ContactSignals::default(), ..record(i) }).collect();
    changes.extend((1000..2000).map(record));
    index.upsert(changes, NOW);
    let after = index.snapshot();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    before.lookup_many(&queries, &mut old);
    after.lookup_many(&queries, &mut new);
    assert_eq!(old, queries.iter().map(|q| before.lookup(q)).collect::<Vec<_>>());
    assert_eq!(new, one_at_a_time_in(&index, &queries));
    assert_eq!(old.iter().filter(|a| a.is_some()).count(), 1000 + trust_contacts_in(&queries));
    // Added contacts with no signal (no report: every 70th) are not kept.
    let added = (1000..2000).filter(|i| i % 70 != 0).count();
    assert_eq!(new.iter().filter(|a| a.is_some()).count(), 1000 - 334 + added + trust_contacts_in(&queries));
}

fn trust_contacts_in(queries: &[&str]) -> usize {
    queries.iter().filter(|q| trust_directory().contacts().iter().any(|c| c.canonical == **q)).count()
}

/// Parsed contacts of every kind the test index holds, hits and misses, with parts that are looked up too (a
/// link's host and registrable domain, an e-mail's domain) and values that are no contact left out.
fn identifiers(texts: &[String]) -> Vec<canhgiac_core::identifier::Identifier> {
    texts.iter().filter_map(|text| canhgiac_core::identifier::detect(text).ok()).collect()
}

fn checked_one_at_a_time(
    index: &ReputationIndex,
    identifiers: &[canhgiac_core::identifier::Identifier],
) -> Vec<canhgiac_index::CheckAnswer> {
    identifiers.iter().map(|identifier| index.check(identifier, NOW)).collect()
}

fn checked_many(
    index: &ReputationIndex,
    snapshot: &IndexSnapshot,
    identifiers: &[canhgiac_core::identifier::Identifier],
) -> Vec<canhgiac_index::CheckAnswer> {
    let mut answers = Vec::new();
    index.check_many(snapshot, identifiers, NOW, |number, answer| {
        assert_eq!(number, answers.len(), "answers come in order");
        answers.push(answer);
    });
    answers
}

#[test]
fn check_many_answers_as_check() {
    let mut texts: Vec<String> = (0..400).map(|i| contact(i * 7919 % (2 * CONTACTS)).1).collect();
    texts.extend(
        [
            "vietcombank.com.vn",
            "https://vietcombank.com.vn/khach-hang",
            "https://vay3.vip/pay?stk=0011004123456",
            "https://m.vay8.vip/",
            "ho.tro@vay13.vip",
            "vietcombank-xacthuc.com",
            "not a contact",
            "",
        ]
        .map(String::from),
    );
    let identifiers = identifiers(&texts);
    assert!(identifiers.len() > 400);
    let expected = checked_one_at_a_time(index(), &identifiers);
    assert!(expected.iter().filter(|a| a.verdict > VerdictLevel::NoData).count() > 100, "hits among them");
    let snapshot = index().snapshot();
    assert_eq!(checked_many(index(), &snapshot, &identifiers), expected);
    assert_eq!(checked_many(index(), &snapshot, &identifiers[..1]), expected[..1]);
    assert!(checked_many(index(), &snapshot, &[]).is_empty());
}

#[test]
fn check_many_sees_changes_published_after_its_snapshot() {
    let index = ReputationIndex::build(Arc::new(trust_directory().clone()), (0..1000).map(record), NOW);
    let stale = index.snapshot();
    let mut changes: Vec<ContactRecord> =
        (0..1000).step_by(3).map(|i| ContactRecord { signals: ContactSignals::default(), ..record(i) }).collect();
    changes.extend((1000..2000).map(record));
    index.upsert(changes, NOW);
    let identifiers = identifiers(&(0..2000).map(|i| contact(i).1).collect::<Vec<_>>());
    let expected = checked_one_at_a_time(&index, &identifiers);
    assert_eq!(checked_many(&index, &stale, &identifiers), expected);
    // Contacts added after the snapshot are among the answers compared, and found.
    assert!(expected[1000..].iter().any(|a| a.verdict > VerdictLevel::NoData));
}
