//! What the reputation index reads: every signal about a contact, gathered from reports, listings, feeds and
//! appeals into one [`ContactRecord`]; and the bulk merge of feed entries. Written once for both backends:
//! they run the SQL of [`crate::sql`] (one query per table per chunk of contacts) and hand the decoded rows
//! here.

use crate::records::NewFeedEntry;
use canhgiac_core::access::OrganisationKind;
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::ReportStatus;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::verdict::{
    AppealState, ConfirmationSignal, ContactRecord, ContactSignals, FeedSignal, ListingSignal, ReportSignal,
    ReporterIdentity,
};
use std::collections::{HashMap, HashSet};

/// Most contacts one `IN (...)` list names.
pub const CHUNK: usize = 500;
/// Most related contacts given per contact.
pub const MAX_RELATED: usize = 10;
/// The sizes an `IN (...)` list is padded to (by repeating its last value), so that a handful of prepared
/// statements serve every chunk.
const LIST_SIZES: &[usize] = &[1, 4, 16, 64, 200, CHUNK];

/// `canonicals` without repeats, in first-seen order.
pub fn distinct(canonicals: &[String]) -> Vec<String> {
    let mut seen = HashSet::with_capacity(canonicals.len());
    canonicals.iter().filter(|c| seen.insert(c.as_str())).cloned().collect()
}

/// A chunk of at most [`CHUNK`] canonical forms, padded to one of a few sizes with its last value.
pub fn padded(chunk: &[String]) -> Vec<String> {
    let size = LIST_SIZES.iter().copied().find(|&s| s >= chunk.len()).unwrap_or(chunk.len());
    let mut list = chunk.to_vec();
    if let Some(last) = chunk.last() {
        list.resize(size, last.clone());
    }
    list
}

pub struct SignalReportRow {
    pub canonical: String,
    pub kind: IdentifierKind,
    pub report_id: String,
    pub status: ReportStatus,
    pub created_at: i64,
    pub reporter_fingerprint: Option<String>,
    pub loss_vnd: u64,
    pub scam_type: ScamType,
    /// For a closed report, the status it was closed from.
    pub closed_from: Option<ReportStatus>,
}

pub struct SignalListingRow {
    pub canonical: String,
    pub kind: IdentifierKind,
    pub organisation: String,
    pub organisation_kind: OrganisationKind,
    pub trust_level: u8,
    pub listed_at: i64,
    pub expires_at: Option<i64>,
    pub scam_type: ScamType,
}

pub struct SignalFeedRow {
    pub canonical: String,
    pub kind: IdentifierKind,
    pub source: String,
    pub trust_level: u8,
    pub first_seen_at: i64,
    pub scam_type: Option<ScamType>,
}

pub struct SignalAppealRow {
    pub canonical: String,
    pub kind: IdentifierKind,
    pub state: crate::records::AppealStatus,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
}

/// FNV-1a, 64 bits: a hash that stays the same across runs, builds and Rust versions (unlike `DefaultHasher`),
/// so that an anonymous report counts as the same reporter every time the index is built.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Who made a report, for counting distinct reporters: the reporter's fingerprint when the report has one
/// (16 hex digits), else the report itself.
pub fn reporter_identity(report_id: &str, fingerprint: Option<&str>) -> ReporterIdentity {
    match fingerprint.map(str::trim).filter(|f| !f.is_empty() && f.len() <= 16) {
        Some(hex) => match u64::from_str_radix(hex, 16) {
            Ok(value) => ReporterIdentity::Fingerprint(value),
            // Not a fingerprint this version wrote: the reporter is still one person, named by the text.
            Err(_) => ReporterIdentity::Fingerprint(stable_hash(hex)),
        },
        None => ReporterIdentity::Anonymous { report: stable_hash(report_id) },
    }
}

#[derive(Default)]
struct Contact {
    kind: Option<IdentifierKind>,
    signals: ContactSignals,
    /// Report ids already counted (a report naming a contact twice counts once).
    reports: HashSet<String>,
    related: Vec<(String, u64)>,
}

/// Gathers the rows of one chunk of contacts into [`ContactRecord`]s.
#[derive(Default)]
pub struct Assembler {
    contacts: HashMap<String, Contact>,
}

impl Assembler {
    fn contact(&mut self, canonical: &str, kind: IdentifierKind) -> &mut Contact {
        let contact = self.contacts.entry(canonical.to_string()).or_default();
        // The first kind seen wins: reports, then listings, feeds, appeals (the order rows are added in).
        contact.kind.get_or_insert(kind);
        contact
    }

    pub fn report(&mut self, row: SignalReportRow) {
        let contact = self.contact(&row.canonical, row.kind);
        if !contact.reports.insert(row.report_id.clone()) {
            return;
        }
        let status = match (row.status, row.closed_from) {
            (ReportStatus::Closed, Some(from)) => from,
            (status, _) => status,
        };
        contact.signals.reports.push(ReportSignal {
            status,
            at: row.created_at,
            reporter: reporter_identity(&row.report_id, row.reporter_fingerprint.as_deref()),
            loss_vnd: row.loss_vnd,
            scam_type: row.scam_type,
        });
    }

    /// A listing; one by the police is a police confirmation.
    pub fn listing(&mut self, row: SignalListingRow) {
        let contact = self.contact(&row.canonical, row.kind);
        if row.organisation_kind == OrganisationKind::Police {
            contact.signals.confirmations.push(ConfirmationSignal {
                organisation: row.organisation,
                at: row.listed_at,
                scam_type: row.scam_type,
            });
        } else {
            contact.signals.listings.push(ListingSignal {
                organisation: row.organisation,
                organisation_kind: row.organisation_kind,
                trust_level: row.trust_level,
                listed_at: row.listed_at,
                expires_at: row.expires_at,
                scam_type: row.scam_type,
            });
        }
    }

    pub fn feed(&mut self, row: SignalFeedRow) {
        let contact = self.contact(&row.canonical, row.kind);
        contact.signals.feeds.push(FeedSignal {
            source: row.source,
            trust_level: row.trust_level,
            seen_at: row.first_seen_at,
            scam_type: row.scam_type,
        });
    }

    /// Appeals must come oldest first: the last one is the contact's state.
    pub fn appeal(&mut self, row: SignalAppealRow) {
        use crate::records::AppealStatus;
        let contact = self.contact(&row.canonical, row.kind);
        contact.signals.appeal = match (row.state, row.decided_at) {
            (AppealStatus::Pending, _) => AppealState::Pending { since: row.submitted_at },
            (AppealStatus::Upheld, at) => AppealState::Upheld { at: at.unwrap_or(row.submitted_at) },
            (AppealStatus::Rejected, at) => AppealState::Rejected { at: at.unwrap_or(row.submitted_at) },
        };
    }

    /// `related` was named in `reports` reports together with `canonical`. Only kept for a contact that has a
    /// signal of its own (it always has: the reports are signals).
    pub fn related(&mut self, canonical: String, related: String, reports: u64) {
        if let Some(contact) = self.contacts.get_mut(&canonical) {
            contact.related.push((related, reports));
        }
    }

    /// The records of `order`'s contacts that have any signal, in that order.
    pub fn finish(mut self, order: &[String]) -> Vec<ContactRecord> {
        let mut records = Vec::with_capacity(order.len().min(self.contacts.len()));
        for canonical in order {
            let Some(mut contact) = self.contacts.remove(canonical) else { continue };
            let Some(kind) = contact.kind else { continue };
            contact.related.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            contact.related.truncate(MAX_RELATED);
            records.push(ContactRecord {
                kind,
                canonical: canonical.clone(),
                signals: contact.signals,
                related: contact.related.into_iter().map(|(related, _)| related).collect(),
            });
        }
        records
    }
}

/// One (source, contact) of a bulk feed import, with every sighting of it in the call merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedFeedEntry {
    pub canonical: String,
    pub kind: IdentifierKind,
    /// The last entry's.
    pub trust_level: u8,
    /// The last entry's that has one.
    pub scam_type: Option<ScamType>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// The entries of one source, distinct by contact, in first-seen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedGroup {
    pub source: String,
    pub entries: Vec<MergedFeedEntry>,
}

/// Merges a call's entries by (source, contact): one statement may not touch a row twice, and the count of
/// created rows is then the number of merged entries that did not exist before.
pub fn merge_feed_entries(entries: Vec<NewFeedEntry>) -> Vec<FeedGroup> {
    let mut groups: Vec<FeedGroup> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    let mut index_of: Vec<HashMap<String, usize>> = Vec::new();
    for entry in entries {
        let group = *group_of.entry(entry.source.clone()).or_insert_with(|| {
            groups.push(FeedGroup { source: entry.source.clone(), entries: Vec::new() });
            index_of.push(HashMap::new());
            groups.len() - 1
        });
        let merged = &mut groups[group].entries;
        match index_of[group].get(&entry.canonical) {
            Some(&at) => {
                let known = &mut merged[at];
                known.trust_level = entry.trust_level;
                known.scam_type = entry.scam_type.or(known.scam_type);
                known.first_seen_at = known.first_seen_at.min(entry.seen_at);
                known.last_seen_at = known.last_seen_at.max(entry.seen_at);
            }
            None => {
                index_of[group].insert(entry.canonical.clone(), merged.len());
                merged.push(MergedFeedEntry {
                    canonical: entry.canonical,
                    kind: entry.kind,
                    trust_level: entry.trust_level,
                    scam_type: entry.scam_type,
                    first_seen_at: entry.seen_at,
                    last_seen_at: entry.seen_at,
                });
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporters_are_told_apart_by_fingerprint_or_report() {
        assert_eq!(reporter_identity("r1", Some("00000000000000ff")), ReporterIdentity::Fingerprint(255));
        assert_eq!(reporter_identity("r1", Some("ffffffffffffffff")), ReporterIdentity::Fingerprint(u64::MAX));
        assert_eq!(reporter_identity("r1", None), ReporterIdentity::Anonymous { report: stable_hash("r1") });
        assert_ne!(reporter_identity("r1", None), reporter_identity("r2", None));
        assert_eq!(reporter_identity("r1", Some("")), reporter_identity("r1", None));
        // Stable across builds: FNV-1a of "a".
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn lists_are_padded_to_few_sizes() {
        let chunk: Vec<String> = (0..5).map(|n| n.to_string()).collect();
        let list = padded(&chunk);
        assert_eq!(list.len(), 16);
        assert_eq!(list[15], "4");
        assert_eq!(padded(&chunk[..1]).len(), 1);
        assert_eq!(distinct(&["a".into(), "b".into(), "a".into()]), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn feed_entries_merge_by_source_and_contact() {
        let entry = |source: &str, canonical: &str, seen_at: i64, scam_type: Option<ScamType>| NewFeedEntry {
            source: source.into(),
            trust_level: seen_at as u8,
            kind: IdentifierKind::Domain,
            canonical: canonical.into(),
            scam_type,
            seen_at,
        };
        let groups = merge_feed_entries(vec![
            entry("a", "x.com", 5, Some(ScamType::Investment)),
            entry("a", "y.com", 1, None),
            entry("b", "x.com", 2, None),
            entry("a", "x.com", 3, None),
            entry("a", "x.com", 9, None),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].entries.len(), 2);
        let x = &groups[0].entries[0];
        assert_eq!((x.first_seen_at, x.last_seen_at, x.trust_level), (3, 9, 9));
        assert_eq!(x.scam_type, Some(ScamType::Investment));
        assert_eq!(groups[1].entries.len(), 1);
    }
}
