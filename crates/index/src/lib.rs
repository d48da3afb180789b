//! The reputation index: every contact the platform knows something about, with its verdict, in memory.
//!
//! - Built from the store at start-up ([`ReputationIndex::build`]) and kept current as signals arrive
//!   ([`ReputationIndex::upsert`]); the store stays the source of truth, and a contact's record is always
//!   replaced whole, never patched.
//! - Readers never wait: the contacts are spread over [`SHARD_COUNT`] shards, each published through an
//!   [`ArcSwap`]. A writer copies the shard it changes and swaps the copy in; a reader holds whichever version
//!   it loaded. Writers take one lock among themselves.
//! - Small: a contact is a 16-byte table entry plus its canonical form and its signals packed into a few bytes
//!   (`codec`); its level and score ([`assess`]) are kept, its reasons are built only when asked
//!   ([`ReputationIndex::verdict`]).
//! - Private look-ups ([`ReputationIndex::range`]): a second structure keyed by the SHA-256 of the canonical
//!   form, for clients that must not say what they look up (docs/private-lookups.md).
//! - Lists for offline clients ([`ReputationIndex::list`], [`ReputationIndex::changes_since`]): a version that
//!   grows with every change, per kind, and a log of recent changes for deltas.

pub mod check;
mod codec;
mod json;
mod range;
mod shard;

pub use check::{CheckAnswer, ConsultedPart, RelatedContact, consulted_parts};
pub use codec::MAX_RELATED;
pub use range::{RANGE_PREFIX_HEX, RangeHit, level_digit};

use arc_swap::ArcSwap;
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::trust::TrustDirectory;
use canhgiac_core::verdict::{
    Assessment, ContactRecord, ContactSignals, OfficialOwner, Verdict, VerdictLevel, assess, judge,
};
use codec::Names;
use range::RangeIndex;
use serde::Serialize;
use shard::{Entry, FLAG_OFFICIAL, Shard, kind_at, kind_code, level_code};
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Shards of the index. At 10M contacts a shard holds about 2,400, so a writer copies a few tens of kilobytes.
pub const SHARD_COUNT: usize = 4096;
/// Changes kept for deltas; a client further behind gets the whole list again.
pub const CHANGE_LOG_CAPACITY: usize = 1_000_000;

/// The hash of the table. Fixed seed: the same contact lands in the same shard in every process, so shard
/// sizes are reproducible in benchmarks. Flooding is not a concern: only the platform inserts.
fn contact_hash(canonical: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6361_6e68_6769_6163).hash_one(canonical)
}

/// Bits 28..40 of the hash choose the shard: the table inside uses the low bits (bucket) and the top seven
/// (tag), which must vary within a shard.
fn shard_of(hash: u64) -> usize {
    ((hash >> 28) as usize) & (SHARD_COUNT - 1)
}

/// What a look-up gives on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub kind: IdentifierKind,
    #[serde(rename = "verdict")]
    pub level: VerdictLevel,
    pub score: u8,
}

/// One line of a list for offline clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedContact {
    pub canonical: String,
    pub verdict: VerdictLevel,
    pub score: u8,
}

/// A kind's list at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListSnapshot {
    pub kind: IdentifierKind,
    /// The index version of the kind's latest change: the list's ETag.
    pub version: u64,
    pub contacts: Vec<ListedContact>,
}

/// What changed in a kind's list after a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListDelta {
    pub kind: IdentifierKind,
    pub since: u64,
    pub version: u64,
    /// Added or changed contacts (level and score now).
    pub changed: Vec<ListedContact>,
    /// Contacts no longer listed.
    pub removed: Vec<String>,
}

#[derive(Debug, Clone)]
struct Change {
    version: u64,
    kind: IdentifierKind,
    canonical: Box<str>,
    /// `None`: no longer listed.
    now: Option<(VerdictLevel, u8)>,
}

#[derive(Debug, Default)]
struct WriterState {
    changes: VecDeque<Change>,
    /// Deltas can be given since any version ≥ this one.
    oldest_delta_base: u64,
    scratch: Vec<u8>,
}

/// The in-memory reputation index. Share it behind an `Arc`; every method takes `&self`.
pub struct ReputationIndex {
    shards: Box<[ArcSwap<Shard>]>,
    ranges: RangeIndex,
    names: Names,
    trust: Arc<TrustDirectory>,
    writer: Mutex<WriterState>,
    version: AtomicU64,
    kind_versions: Box<[AtomicU64]>,
    len: AtomicUsize,
}

impl std::fmt::Debug for ReputationIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReputationIndex").field("contacts", &self.len()).field("version", &self.version()).finish()
    }
}

/// Every shard of the index at one moment: see [`ReputationIndex::snapshot`].
pub struct IndexSnapshot {
    shards: Box<[Arc<Shard>]>,
    /// What the first stage of a batched look-up needs of each shard, in one array of 96 KiB.
    views: Box<[shard::ShardView]>,
}

impl IndexSnapshot {
    /// [`ReputationIndex::lookup`] through the snapshot.
    #[inline]
    pub fn lookup(&self, canonical: &str) -> Option<Summary> {
        let hash = contact_hash(canonical.as_bytes());
        let shard = &self.shards[shard_of(hash)];
        shard.find(hash, canonical.as_bytes()).map(|entry| Summary {
            kind: kind_at(entry.kind),
            level: shard::LEVELS[usize::from(entry.level)],
            score: entry.score,
        })
    }

    /// [`IndexSnapshot::lookup`] of every canonical form in order, each answer appended to `out`: the same
    /// answers, several times faster on a large index. One look-up at a time waits for three memory reads in a
    /// row (the table's control bytes, the entry, the canonical form in the arena); here the look-ups go
    /// through them [`LOOKUP_GROUP`] at a time, stage by stage, each stage prefetching what the next one reads,
    /// so that the reads of a group overlap (bench/RESULTS.md, issue 4).
    pub fn lookup_many(&self, canonicals: &[&str], out: &mut Vec<Option<Summary>>) {
        out.reserve(canonicals.len());
        self.lookup_each::<LOOKUP_GROUP>(canonicals.iter().copied(), |summary| out.push(summary));
    }

    /// [`IndexSnapshot::lookup_many`] over any sequence of canonical forms, without a vector, in groups of
    /// `GROUP` look-ups ([`LOOKUP_GROUP`] unless measured otherwise; at least 1): `answer` is called with each
    /// look-up's answer, in order, a group at a time.
    pub fn lookup_each<'q, const GROUP: usize>(
        &self,
        canonicals: impl IntoIterator<Item = &'q str>,
        mut answer: impl FnMut(Option<Summary>),
    ) {
        const { assert!(GROUP > 0, "a group holds at least one look-up") };
        let mut canonicals = canonicals.into_iter();
        let mut group: [&str; GROUP] = [""; GROUP];
        loop {
            let mut len = 0;
            for (slot, canonical) in group.iter_mut().zip(canonicals.by_ref()) {
                *slot = canonical;
                len += 1;
            }
            if len == 0 {
                return;
            }
            self.lookup_group::<GROUP>(&group[..len], &mut answer);
            if len < GROUP {
                return;
            }
        }
    }

    /// One group of a batch, stage by stage: [`shard::ShardView::prefetch`], then [`Shard::probe`],
    /// [`Shard::probe_entry`] and [`Shard::settle`], each over the whole group before the next.
    #[inline]
    fn lookup_group<const GROUP: usize>(&self, canonicals: &[&str], answer: &mut impl FnMut(Option<Summary>)) {
        debug_assert!(canonicals.len() <= GROUP);
        let mut hashes = [0u64; GROUP];
        let mut shards: [&Shard; GROUP] = [&self.shards[0]; GROUP];
        let mut probes = [shard::Probe::Absent; GROUP];
        for (i, canonical) in canonicals.iter().enumerate() {
            let hash = contact_hash(canonical.as_bytes());
            hashes[i] = hash;
            self.views[shard_of(hash)].prefetch(hash);
            shards[i] = &self.shards[shard_of(hash)];
        }
        for i in 0..canonicals.len() {
            probes[i] = shards[i].probe(hashes[i]);
        }
        for i in 0..canonicals.len() {
            if let shard::Probe::Bucket(_) = probes[i] {
                probes[i] = shards[i].probe_entry(hashes[i], probes[i]);
            }
        }
        for (i, canonical) in canonicals.iter().enumerate() {
            answer(shards[i].settle(hashes[i], canonical.as_bytes(), probes[i]).map(|entry| Summary {
                kind: kind_at(entry.kind),
                level: shard::LEVELS[usize::from(entry.level)],
                score: entry.score,
            }));
        }
    }
}

/// Look-ups [`IndexSnapshot::lookup_many`] takes through its stages together. Measured at 10M contacts
/// (`check_index`): 8 is 10-25 % slower than 16 for hits; 32 is no faster for hits, a little for misses. A
/// group of 16 issues at most about 32 prefetches a stage, about what a core keeps in flight.
pub const LOOKUP_GROUP: usize = 16;

/// Whether a contact with this level belongs to the lists and the range answers.
fn is_listed(level: VerdictLevel) -> bool {
    level != VerdictLevel::NoData
}

fn official_owner(trust: &TrustDirectory, canonical: &str) -> Option<OfficialOwner> {
    trust
        .official(canonical)
        .map(|contact| OfficialOwner { organisation: contact.organisation.clone(), source: contact.source.clone() })
}

/// The first version of an index built at `now` (Unix milliseconds): `now` × 1,000, so that the versions of an index
/// built after a restart are all above those of the one before (a list's `version` is its ETag and the `since` of
/// deltas: a client holding one from before the restart must get the whole list, never a delta against a different
/// index), as long as fewer than 1,000 changes a millisecond were published on average. Below 2^53 until the year
/// 2255, so JavaScript clients read it exactly.
fn first_version(now: i64) -> u64 {
    u64::try_from(now).unwrap_or(0).saturating_mul(1_000).max(1)
}

impl ReputationIndex {
    /// An index holding only the trust directory's official contacts.
    pub fn new(trust: Arc<TrustDirectory>) -> Self {
        Self::build(trust, std::iter::empty(), 0)
    }

    /// Builds the index from every contact's record (each canonical once; a repeated one replaces the earlier)
    /// and the trust directory, judged at `now` (Unix milliseconds).
    pub fn build(trust: Arc<TrustDirectory>, records: impl IntoIterator<Item = ContactRecord>, now: i64) -> Self {
        let records = records.into_iter();
        // Tables sized for the records announced (a tenth more for the uneven spread), so that they do not
        // grow and rehash step by step while the index is built.
        let per_shard = records.size_hint().0.div_ceil(SHARD_COUNT);
        let per_shard = if per_shard == 0 { 0 } else { per_shard + per_shard / 10 + 8 };
        let mut shards: Vec<Shard> = (0..SHARD_COUNT).map(|_| Shard::with_capacity(per_shard)).collect();
        let mut ranges = range::RangeBuilder::new();
        let names = Names::default();
        let mut scratch = Vec::with_capacity(256);
        let mut put = |mut record: ContactRecord, shards: &mut Vec<Shard>, ranges: &mut range::RangeBuilder| {
            record.signals.official = official_owner(&trust, &record.canonical);
            let Assessment { level, score } = assess(&record.signals, now);
            scratch.clear();
            codec::encode(&record.signals, &record.related, &names, &mut scratch);
            let hash = contact_hash(record.canonical.as_bytes());
            let flags = if record.signals.official.is_some() { FLAG_OFFICIAL } else { 0 };
            let entry = Entry::new(hash, kind_code(record.kind), level_code(level), score, flags);
            shards[shard_of(hash)].put(entry, record.canonical.as_bytes(), &scratch);
            if is_listed(level) {
                ranges.add(&record.canonical, level);
            }
        };
        for record in records {
            if record.canonical.is_empty() || record.canonical.len() > usize::from(u16::MAX) {
                continue;
            }
            put(record, &mut shards, &mut ranges);
        }
        for contact in trust.contacts() {
            let hash = contact_hash(contact.canonical.as_bytes());
            if shards[shard_of(hash)].find(hash, contact.canonical.as_bytes()).is_none() {
                let record = ContactRecord {
                    kind: contact.identifier.kind(),
                    canonical: contact.canonical.clone(),
                    signals: ContactSignals::default(),
                    related: Vec::new(),
                };
                put(record, &mut shards, &mut ranges);
            }
        }
        let len = shards.iter().map(|s| s.table.len()).sum();
        let shards: Box<[ArcSwap<Shard>]> = shards
            .into_iter()
            .map(|shard| {
                let mut shard = if shard.garbage > 0 { shard.compacted() } else { shard };
                shard.shrink_to_fit();
                ArcSwap::from_pointee(shard)
            })
            .collect();
        let first = first_version(now);
        ReputationIndex {
            shards,
            ranges: ranges.finish(),
            names,
            trust,
            writer: Mutex::new(WriterState { oldest_delta_base: first, ..WriterState::default() }),
            version: AtomicU64::new(first),
            kind_versions: IdentifierKind::ALL.iter().map(|_| AtomicU64::new(first)).collect(),
            len: AtomicUsize::new(len),
        }
    }

    /// The trust directory the index was built with.
    pub fn trust_directory(&self) -> &TrustDirectory {
        &self.trust
    }

    /// The level and score of a contact by its canonical form, or `None` when nothing is known about it.
    #[inline]
    pub fn lookup(&self, canonical: &str) -> Option<Summary> {
        let hash = contact_hash(canonical.as_bytes());
        let shard = self.shards[shard_of(hash)].load();
        shard.find(hash, canonical.as_bytes()).map(|entry| Summary {
            kind: kind_at(entry.kind),
            level: shard::LEVELS[usize::from(entry.level)],
            score: entry.score,
        })
    }

    /// Brings into the cache what looking up these contacts will read, without answering anything: for a caller
    /// about to check several contacts one after another (a look-up loop's turn, a request per connection ready),
    /// whose look-ups would otherwise each wait for their memory reads in a row (the shard, the table's control
    /// bytes, the entry, the record in the arena: about a tenth of a served look-up's time at 1M contacts, perf).
    /// The contacts go through those reads [`LOOKUP_GROUP`] at a time, stage by stage, each stage prefetching what
    /// the next one reads, as [`IndexSnapshot::lookup_many`] does; a shard is loaded afresh at each stage rather
    /// than held (no reference count to touch), so a change published meanwhile only wastes a fetch.
    pub fn prefetch_records<'q>(&self, canonicals: impl IntoIterator<Item = &'q str>) {
        let mut canonicals = canonicals.into_iter();
        let mut hashes = [0u64; LOOKUP_GROUP];
        let mut buckets = [None; LOOKUP_GROUP];
        loop {
            let mut len = 0;
            for (slot, canonical) in hashes.iter_mut().zip(canonicals.by_ref()) {
                *slot = contact_hash(canonical.as_bytes());
                // Stage 0: the shard's pointer.
                shard::prefetch((&raw const self.shards[shard_of(*slot)]).addr());
                len += 1;
            }
            if len == 0 {
                return;
            }
            let hashes = &hashes[..len];
            // Stage 1: the shard itself.
            for &hash in hashes {
                let shard = self.shards[shard_of(hash)].load();
                let address = (&raw const **shard).addr();
                shard::prefetch(address);
                shard::prefetch(address + std::mem::size_of::<Shard>() - 1);
            }
            // Stage 2: the control bytes; 3: the entry; 4: the record.
            for &hash in hashes {
                self.shards[shard_of(hash)].load().view().prefetch(hash);
            }
            for (bucket, &hash) in buckets.iter_mut().zip(hashes) {
                *bucket = match self.shards[shard_of(hash)].load().probe(hash) {
                    shard::Probe::Bucket(index) => Some(index),
                    _ => None,
                };
            }
            for (&bucket, &hash) in buckets.iter().zip(hashes) {
                if let Some(index) = bucket {
                    self.shards[shard_of(hash)].load().prefetch_record(hash, index);
                }
            }
            if len < LOOKUP_GROUP {
                return;
            }
        }
    }

    /// A view of every shard as it is now, for many look-ups in a row (a batch, a screening run). Taking it costs
    /// one reference count per shard and a 96 KiB array of what batched look-ups need of each shard (about
    /// 135 µs, measured at 1M and 10M contacts: worth it for a thousand look-ups or more); a look-up through it
    /// then does no atomic operation, so the processor overlaps the memory reads of consecutive look-ups, and
    /// [`IndexSnapshot::lookup_many`] overlaps them on purpose. Changes published after it was taken are not seen
    /// through it.
    pub fn snapshot(&self) -> IndexSnapshot {
        let shards: Box<[Arc<Shard>]> = self.shards.iter().map(|shard| shard.load_full()).collect();
        let views = shards.iter().map(|shard| shard.view()).collect();
        IndexSnapshot { shards, views }
    }

    /// Everything known about a contact: its kind, signals (with its official owner) and related contacts.
    pub fn record(&self, canonical: &str) -> Option<ContactRecord> {
        let hash = contact_hash(canonical.as_bytes());
        let shard = self.shards[shard_of(hash)].load();
        let entry = shard.find(hash, canonical.as_bytes())?;
        let (mut signals, related) = codec::decode(shard.signals(entry), &self.names);
        if entry.flags & FLAG_OFFICIAL != 0 {
            signals.official = official_owner(&self.trust, canonical);
        }
        Some(ContactRecord { kind: kind_at(entry.kind), canonical: canonical.to_string(), signals, related })
    }

    /// The explained verdict of a contact at `now`, judged afresh from its signals; `None` when unknown.
    pub fn verdict(&self, canonical: &str, now: i64) -> Option<(ContactRecord, Verdict)> {
        let record = self.record(canonical)?;
        let verdict = judge(&record.signals, now);
        Some((record, verdict))
    }

    /// Replaces the records of these contacts (a record with no signal, for a contact outside the trust
    /// directory, removes it) and publishes the change atomically per shard. Returns the new version.
    pub fn upsert(&self, records: Vec<ContactRecord>, now: i64) -> u64 {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let version = self.version.load(Ordering::Acquire) + 1;
        let mut by_shard: Vec<(usize, u64, ContactRecord)> = records
            .into_iter()
            .filter(|r| !r.canonical.is_empty() && r.canonical.len() <= usize::from(u16::MAX))
            .map(|r| {
                let hash = contact_hash(r.canonical.as_bytes());
                (shard_of(hash), hash, r)
            })
            .collect();
        by_shard.sort_by_key(|(shard, _, _)| *shard);
        let mut changed_kinds = vec![false; IdentifierKind::ALL.len()];
        let mut pending = by_shard.into_iter().peekable();
        while let Some((shard_index, first_hash, first_record)) = pending.next() {
            let mut group = vec![(first_hash, first_record)];
            while let Some((_, hash, record)) = pending.next_if(|(s, _, _)| *s == shard_index) {
                group.push((hash, record));
            }
            let current = self.shards[shard_index].load_full();
            let mut shard = Shard::clone(&current);
            for (hash, mut record) in group {
                record.signals.official = official_owner(&self.trust, &record.canonical);
                let before = shard.find(hash, record.canonical.as_bytes()).copied();
                let before_level = before.map(|e| shard::LEVELS[usize::from(e.level)]);
                let has_signals = record.signals != ContactSignals::default() || !record.related.is_empty();
                let after = if has_signals || record.signals.official.is_some() {
                    let Assessment { level, score } = assess(&record.signals, now);
                    writer.scratch.clear();
                    codec::encode(&record.signals, &record.related, &self.names, &mut writer.scratch);
                    let flags = if record.signals.official.is_some() { FLAG_OFFICIAL } else { 0 };
                    let entry = Entry::new(hash, kind_code(record.kind), level_code(level), score, flags);
                    shard.put(entry, record.canonical.as_bytes(), &writer.scratch);
                    if before.is_none() {
                        self.len.fetch_add(1, Ordering::Relaxed);
                    }
                    Some((level, score))
                } else {
                    if shard.remove(hash, record.canonical.as_bytes()).is_some() {
                        self.len.fetch_sub(1, Ordering::Relaxed);
                    }
                    None
                };
                let listed_before = before_level.filter(|l| is_listed(*l)).map(|l| (l, before.map_or(0, |e| e.score)));
                let listed_after = after.filter(|(l, _)| is_listed(*l));
                if listed_before != listed_after {
                    self.ranges.replace(&record.canonical, listed_after.map(|(l, _)| l));
                    changed_kinds[usize::from(kind_code(record.kind))] = true;
                    writer.changes.push_back(Change {
                        version,
                        kind: record.kind,
                        canonical: record.canonical.into_boxed_str(),
                        now: listed_after,
                    });
                }
            }
            if shard.garbage > shard.arena.len() / 2 {
                shard = shard.compacted();
            }
            self.shards[shard_index].store(Arc::new(shard));
        }
        while writer.changes.len() > CHANGE_LOG_CAPACITY {
            if let Some(dropped) = writer.changes.pop_front() {
                writer.oldest_delta_base = dropped.version;
            }
        }
        for (code, changed) in changed_kinds.iter().enumerate() {
            if *changed {
                self.kind_versions[code].store(version, Ordering::Release);
            }
        }
        self.version.store(version, Ordering::Release);
        version
    }

    /// Replaces only those of `records` that differ from what the index holds (signals, related contacts or
    /// kind), so that a periodic re-read of the whole store costs look-ups, not copies. Returns how many changed.
    pub fn refresh(&self, records: Vec<ContactRecord>, now: i64) -> usize {
        let mut scratch = Vec::with_capacity(256);
        let changed: Vec<ContactRecord> = records
            .into_iter()
            .filter(|record| {
                let hash = contact_hash(record.canonical.as_bytes());
                let shard = self.shards[shard_of(hash)].load();
                let Some(entry) = shard.find(hash, record.canonical.as_bytes()) else { return true };
                scratch.clear();
                codec::encode(&record.signals, &record.related, &self.names, &mut scratch);
                entry.kind != kind_code(record.kind) || shard.signals(entry) != scratch.as_slice()
            })
            .collect();
        let count = changed.len();
        if count > 0 {
            self.upsert(changed, now);
        }
        count
    }

    /// Judges every contact again at `now`: weights fade with age and listings expire, so a long-running
    /// server calls this now and then. Shard by shard; readers never wait.
    pub fn reassess(&self, now: i64) -> usize {
        let mut changed = Vec::new();
        for shard_index in 0..SHARD_COUNT {
            let shard = self.shards[shard_index].load_full();
            for entry in shard.table.iter() {
                let (mut signals, related) = codec::decode(shard.signals(entry), &self.names);
                let canonical = String::from_utf8_lossy(shard.canonical(entry)).into_owned();
                if entry.flags & FLAG_OFFICIAL != 0 {
                    signals.official = official_owner(&self.trust, &canonical);
                }
                let Assessment { level, score } = assess(&signals, now);
                if level_code(level) != entry.level || score != entry.score {
                    changed.push(ContactRecord { kind: kind_at(entry.kind), canonical, signals, related });
                }
            }
            if changed.len() >= 10_000 {
                self.upsert(std::mem::take(&mut changed), now);
            }
        }
        let count = changed.len();
        if !changed.is_empty() {
            self.upsert(changed, now);
        }
        count
    }

    /// Every listed contact whose SHA-256 starts with the 20-bit `prefix` (the first five hex digits).
    pub fn range(&self, prefix: u32) -> Vec<RangeHit> {
        self.ranges.hits(prefix)
    }

    /// The current list of a kind: every contact with a verdict other than `no_data`, sorted by canonical form.
    pub fn list(&self, kind: IdentifierKind) -> ListSnapshot {
        let code = kind_code(kind);
        // Read the version first: a change published while we walk is then in the list and in the next delta.
        let version = self.kind_version(kind);
        let mut contacts = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.load();
            for entry in shard.table.iter().filter(|e| e.kind == code) {
                let level = shard::LEVELS[usize::from(entry.level)];
                if is_listed(level) {
                    contacts.push(ListedContact {
                        canonical: String::from_utf8_lossy(shard.canonical(entry)).into_owned(),
                        verdict: level,
                        score: entry.score,
                    });
                }
            }
        }
        contacts.sort_unstable_by(|a, b| a.canonical.cmp(&b.canonical));
        ListSnapshot { kind, version, contacts }
    }

    /// The changes of a kind's list after version `since`, or `None` when they are no longer kept (the client
    /// must fetch the whole list again).
    pub fn changes_since(&self, kind: IdentifierKind, since: u64) -> Option<ListDelta> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let version = self.kind_version(kind);
        if since < writer.oldest_delta_base || since > self.version() {
            return None;
        }
        let mut latest: std::collections::BTreeMap<&str, Option<(VerdictLevel, u8)>> = Default::default();
        for change in writer.changes.iter().filter(|c| c.version > since && c.kind == kind) {
            latest.insert(&change.canonical, change.now);
        }
        let mut delta = ListDelta { kind, since, version, changed: Vec::new(), removed: Vec::new() };
        for (canonical, now) in latest {
            match now {
                Some((verdict, score)) => {
                    delta.changed.push(ListedContact { canonical: canonical.to_string(), verdict, score })
                }
                None => delta.removed.push(canonical.to_string()),
            }
        }
        Some(delta)
    }

    /// The version of the latest change of any kind.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The version of the latest change to a kind's list.
    pub fn kind_version(&self, kind: IdentifierKind) -> u64 {
        self.kind_versions[usize::from(kind_code(kind))].load(Ordering::Acquire)
    }

    /// Contacts in the index (official contacts included).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An estimate of the heap the index holds (tables, arenas, range index, names).
    pub fn heap_bytes(&self) -> usize {
        let shards: usize = self.shards.iter().map(|s| s.load().heap_bytes() + 64).sum();
        shards + self.ranges.heap_bytes() + self.names.heap_bytes()
    }
}
