//! A contact's signals packed into a few bytes: the index keeps millions of contacts, and only an explained
//! answer needs them whole. Varints (LEB128) for counts and times, one byte for every enum (its position in
//! the enum's `ALL` list: the encoding lives only in memory, so the order may change between versions),
//! names interned in [`Names`].

use arc_swap::ArcSwap;
use canhgiac_core::access::OrganisationKind;
use canhgiac_core::report::ReportStatus;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::verdict::{
    AppealState, ConfirmationSignal, ContactSignals, FeedSignal, ListingSignal, ReportSignal, ReporterIdentity,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Related contacts kept per contact (the store gives them most frequent first).
pub const MAX_RELATED: usize = 10;

const REPORT_STATUSES: [ReportStatus; 6] = [
    ReportStatus::Received,
    ReportStatus::Triaged,
    ReportStatus::Verified,
    ReportStatus::Rejected,
    ReportStatus::Duplicate,
    ReportStatus::Closed,
];

/// Organisation and feed names, each stored once and referred to by number. Read on every explained answer,
/// from every core at once, so reads take no lock (a lock's counter, written by every reader, is a cache line
/// bouncing between the cores); a new name (rare: a new partner or feed) replaces the whole table.
#[derive(Debug, Default)]
pub struct Names {
    current: ArcSwap<NamesInner>,
    /// Serialises the writers of new names.
    adding: Mutex<()>,
}

#[derive(Debug, Default, Clone)]
struct NamesInner {
    numbers: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Names {
    pub fn number(&self, name: &str) -> u32 {
        if let Some(&number) = self.current.load().numbers.get(name) {
            return number;
        }
        let _adding = self.adding.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.current.load_full();
        if let Some(&number) = current.numbers.get(name) {
            return number;
        }
        let mut next = NamesInner::clone(&current);
        let number = next.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        next.names.push(name.clone());
        next.numbers.insert(name, number);
        self.current.store(Arc::new(next));
        number
    }

    pub fn name(&self, number: u32) -> String {
        self.current.load().names.get(number as usize).map(|n| n.to_string()).unwrap_or_default()
    }

    pub fn heap_bytes(&self) -> usize {
        let inner = self.current.load();
        inner.names.iter().map(|n| n.len() + 16).sum::<usize>() * 2 + inner.names.capacity() * 16
    }
}

fn position<T: PartialEq + Copy>(all: &[T], value: T) -> u8 {
    all.iter().position(|v| *v == value).unwrap_or(0) as u8
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Times are Unix milliseconds; zigzag keeps the rare negative one short too.
fn put_time(out: &mut Vec<u8>, at: i64) {
    put_varint(out, ((at << 1) ^ (at >> 63)) as u64);
}

/// Appends the encoding of `signals` (without `official`, which the trust directory gives) and `related`.
pub fn encode(signals: &ContactSignals, related: &[String], names: &Names, out: &mut Vec<u8>) {
    put_varint(out, signals.reports.len() as u64);
    for report in &signals.reports {
        out.push(position(&REPORT_STATUSES, report.status));
        put_time(out, report.at);
        match report.reporter {
            ReporterIdentity::Fingerprint(value) => {
                out.push(0);
                out.extend_from_slice(&value.to_le_bytes());
            }
            ReporterIdentity::Anonymous { report } => {
                out.push(1);
                out.extend_from_slice(&report.to_le_bytes());
            }
        }
        put_varint(out, report.loss_vnd);
        out.push(position(ScamType::ALL, report.scam_type));
    }
    put_varint(out, signals.listings.len() as u64);
    for listing in &signals.listings {
        put_varint(out, u64::from(names.number(&listing.organisation)));
        out.push(position(OrganisationKind::ALL, listing.organisation_kind));
        out.push(listing.trust_level);
        put_time(out, listing.listed_at);
        match listing.expires_at {
            None => out.push(0),
            Some(at) => {
                out.push(1);
                put_time(out, at);
            }
        }
        out.push(position(ScamType::ALL, listing.scam_type));
    }
    put_varint(out, signals.feeds.len() as u64);
    for feed in &signals.feeds {
        put_varint(out, u64::from(names.number(&feed.source)));
        out.push(feed.trust_level);
        put_time(out, feed.seen_at);
        out.push(feed.scam_type.map_or(0, |t| position(ScamType::ALL, t) + 1));
    }
    put_varint(out, signals.confirmations.len() as u64);
    for confirmation in &signals.confirmations {
        put_varint(out, u64::from(names.number(&confirmation.organisation)));
        put_time(out, confirmation.at);
        out.push(position(ScamType::ALL, confirmation.scam_type));
    }
    match signals.appeal {
        AppealState::None => out.push(0),
        AppealState::Pending { since } => {
            out.push(1);
            put_time(out, since);
        }
        AppealState::Upheld { at } => {
            out.push(2);
            put_time(out, at);
        }
        AppealState::Rejected { at } => {
            out.push(3);
            put_time(out, at);
        }
    }
    let related = &related[..related.len().min(MAX_RELATED)];
    put_varint(out, related.len() as u64);
    for canonical in related {
        put_varint(out, canonical.len() as u64);
        out.extend_from_slice(canonical.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.bytes.split_first().unwrap_or((&0, &[]));
        self.bytes = rest;
        first
    }

    fn varint(&mut self) -> u64 {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = self.byte();
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 || shift >= 63 {
                return value;
            }
            shift += 7;
        }
    }

    fn time(&mut self) -> i64 {
        let zigzag = self.varint();
        ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64)
    }

    fn u64_le(&mut self) -> u64 {
        let mut buffer = [0u8; 8];
        for slot in &mut buffer {
            *slot = self.byte();
        }
        u64::from_le_bytes(buffer)
    }

    fn text(&mut self) -> String {
        let len = (self.varint() as usize).min(self.bytes.len());
        let (text, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

fn scam_type_at(position: u8) -> ScamType {
    ScamType::ALL.get(usize::from(position)).copied().unwrap_or(ScamType::ALL[0])
}

/// The signals and related contacts written by [`encode`].
pub fn decode(bytes: &[u8], names: &Names) -> (ContactSignals, Vec<String>) {
    let mut reader = Reader { bytes };
    let mut signals = ContactSignals::default();
    for _ in 0..reader.varint() {
        let status = REPORT_STATUSES[usize::from(reader.byte()).min(REPORT_STATUSES.len() - 1)];
        let at = reader.time();
        let reporter = match reader.byte() {
            0 => ReporterIdentity::Fingerprint(reader.u64_le()),
            _ => ReporterIdentity::Anonymous { report: reader.u64_le() },
        };
        let loss_vnd = reader.varint();
        let scam_type = scam_type_at(reader.byte());
        signals.reports.push(ReportSignal { status, at, reporter, loss_vnd, scam_type });
    }
    for _ in 0..reader.varint() {
        let organisation = names.name(reader.varint() as u32);
        let organisation_kind =
            OrganisationKind::ALL.get(usize::from(reader.byte())).copied().unwrap_or(OrganisationKind::ALL[0]);
        let trust_level = reader.byte();
        let listed_at = reader.time();
        let expires_at = match reader.byte() {
            0 => None,
            _ => Some(reader.time()),
        };
        let scam_type = scam_type_at(reader.byte());
        signals.listings.push(ListingSignal {
            organisation,
            organisation_kind,
            trust_level,
            listed_at,
            expires_at,
            scam_type,
        });
    }
    for _ in 0..reader.varint() {
        let source = names.name(reader.varint() as u32);
        let trust_level = reader.byte();
        let seen_at = reader.time();
        let scam_type = match reader.byte() {
            0 => None,
            position => Some(scam_type_at(position - 1)),
        };
        signals.feeds.push(FeedSignal { source, trust_level, seen_at, scam_type });
    }
    for _ in 0..reader.varint() {
        let organisation = names.name(reader.varint() as u32);
        let at = reader.time();
        let scam_type = scam_type_at(reader.byte());
        signals.confirmations.push(ConfirmationSignal { organisation, at, scam_type });
    }
    signals.appeal = match reader.byte() {
        1 => AppealState::Pending { since: reader.time() },
        2 => AppealState::Upheld { at: reader.time() },
        3 => AppealState::Rejected { at: reader.time() },
        _ => AppealState::None,
    };
    let related = (0..reader.varint()).map(|_| reader.text()).collect();
    (signals, related)
}
