//! One shard of the index: an open-addressing table of 16-byte entries and one byte arena holding each
//! contact's canonical form followed by its packed signals. Shards are immutable once published; a writer
//! copies the shard it changes (a few thousand entries at 10M contacts over 4,096 shards) and swaps it in.

use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::verdict::VerdictLevel;
use hashbrown::HashTable;

/// The levels in the order of their one-byte codes (also the range API's level digits).
pub const LEVELS: [VerdictLevel; 6] = [
    VerdictLevel::OfficialVerified,
    VerdictLevel::NoData,
    VerdictLevel::Reported,
    VerdictLevel::Suspicious,
    VerdictLevel::HighRisk,
    VerdictLevel::ConfirmedScam,
];

pub fn level_code(level: VerdictLevel) -> u8 {
    LEVELS.iter().position(|l| *l == level).unwrap_or(1) as u8
}

pub fn kind_code(kind: IdentifierKind) -> u8 {
    IdentifierKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

pub fn kind_at(code: u8) -> IdentifierKind {
    IdentifierKind::ALL.get(usize::from(code)).copied().unwrap_or(IdentifierKind::ALL[0])
}

/// One contact. 16 bytes, stored inline in the table: at 10M contacts the table is about a third of the index,
/// and a look-up touches one cache line of it and one of the arena.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// 32 bits of the contact's hash ([`fold`]): compared before the canonical form, and enough to place the
    /// entry again when the table grows ([`table_hash`]).
    pub hash: u32,
    /// Where the canonical form starts in the arena; the length of the packed signals (a varint) and the
    /// signals follow it.
    pub offset: u32,
    pub canonical_len: u16,
    pub kind: u8,
    pub level: u8,
    pub score: u8,
    /// [`FLAG_OFFICIAL`].
    pub flags: u8,
}

impl Entry {
    /// An entry for a contact with this hash (its place in the arena is set by [`Shard::put`]).
    pub fn new(hash: u64, kind: u8, level: u8, score: u8, flags: u8) -> Entry {
        Entry { hash: fold(hash), offset: 0, canonical_len: 0, kind, level, score, flags }
    }
}

/// The contact hash in 32 bits. Both halves take part: bits 28..40 choose the shard, so they are the same for
/// every contact of a shard.
fn fold(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

/// The hash the table works with, rebuilt from the folded one: its low bits choose the bucket (they come from
/// the contact hash's low bits) and its top seven are the tag (they depend on all 32).
fn table_hash(folded: u32) -> u64 {
    u64::from(folded).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The contact is in the trust directory.
pub const FLAG_OFFICIAL: u8 = 1;

#[derive(Debug, Clone, Default)]
pub struct Shard {
    pub table: HashTable<Entry>,
    /// Per contact: canonical form, varint length of the packed signals, packed signals.
    pub arena: Vec<u8>,
    /// Arena bytes no entry points at any more (replaced contacts); the shard is compacted when they pass half.
    pub garbage: usize,
}

fn put_varint(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A varint at the start of `bytes`: its value and its length.
fn read_varint(bytes: &[u8]) -> (usize, usize) {
    let mut value = 0usize;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    (value, bytes.len().min(5))
}

fn canonical_at<'a>(arena: &'a [u8], entry: &Entry) -> &'a [u8] {
    let start = entry.offset as usize;
    &arena[start..start + usize::from(entry.canonical_len)]
}

/// Where an entry's signals start in the arena, and how long they are.
fn signals_span(arena: &[u8], entry: &Entry) -> (usize, usize) {
    let start = entry.offset as usize + usize::from(entry.canonical_len);
    let (len, varint_len) = read_varint(&arena[start..]);
    (start + varint_len, len)
}

/// The arena bytes of an entry: canonical form, signals' length and signals.
fn record_len(arena: &[u8], entry: &Entry) -> usize {
    let (start, len) = signals_span(arena, entry);
    start + len - entry.offset as usize
}

impl Shard {
    /// A shard with room for `contacts` entries, so that a build does not grow the table step by step.
    pub fn with_capacity(contacts: usize) -> Shard {
        Shard { table: HashTable::with_capacity(contacts), arena: Vec::new(), garbage: 0 }
    }

    pub fn canonical<'a>(&'a self, entry: &Entry) -> &'a [u8] {
        canonical_at(&self.arena, entry)
    }

    pub fn signals<'a>(&'a self, entry: &Entry) -> &'a [u8] {
        let (start, len) = signals_span(&self.arena, entry);
        &self.arena[start..start + len]
    }

    #[inline]
    pub fn find(&self, hash: u64, canonical: &[u8]) -> Option<&Entry> {
        let folded = fold(hash);
        self.table.find(table_hash(folded), |entry| entry.hash == folded && self.canonical(entry) == canonical)
    }

    /// Adds or replaces a contact. `signals` are its packed signals.
    pub fn put(&mut self, mut entry: Entry, canonical: &[u8], signals: &[u8]) {
        entry.offset = self.arena.len() as u32;
        entry.canonical_len = canonical.len() as u16;
        self.arena.extend_from_slice(canonical);
        put_varint(&mut self.arena, signals.len());
        self.arena.extend_from_slice(signals);
        let arena = &self.arena;
        let found = self
            .table
            .find_mut(table_hash(entry.hash), |e| e.hash == entry.hash && canonical_at(arena, e) == canonical);
        match found {
            Some(existing) => {
                self.garbage += record_len(arena, existing);
                *existing = entry;
            }
            None => {
                self.table.insert_unique(table_hash(entry.hash), entry, |e| table_hash(e.hash));
            }
        }
    }

    pub fn remove(&mut self, hash: u64, canonical: &[u8]) -> Option<Entry> {
        let folded = fold(hash);
        let arena = &self.arena;
        let found =
            self.table.find_entry(table_hash(folded), |e| e.hash == folded && canonical_at(arena, e) == canonical);
        let removed = found.ok().map(|occupied| occupied.remove().0)?;
        self.garbage += record_len(&self.arena, &removed);
        Some(removed)
    }

    /// A copy without the arena's garbage, with no spare capacity.
    pub fn compacted(&self) -> Shard {
        let live = self.arena.len() - self.garbage;
        let mut shard =
            Shard { table: HashTable::with_capacity(self.table.len()), arena: Vec::with_capacity(live), garbage: 0 };
        for entry in self.table.iter() {
            let mut copy = *entry;
            copy.offset = shard.arena.len() as u32;
            let start = entry.offset as usize;
            shard.arena.extend_from_slice(&self.arena[start..start + record_len(&self.arena, entry)]);
            shard.table.insert_unique(table_hash(copy.hash), copy, |e| table_hash(e.hash));
        }
        shard
    }

    /// Drops the spare capacity of the table and the arena.
    pub fn shrink_to_fit(&mut self) {
        self.table.shrink_to_fit(|e| table_hash(e.hash));
        self.arena.shrink_to_fit();
    }

    pub fn heap_bytes(&self) -> usize {
        // hashbrown: one control byte per bucket plus a group's worth.
        let capacity = self.table.capacity();
        let buckets = if capacity == 0 { 0 } else { (capacity * 8 / 7).next_power_of_two() };
        buckets * (std::mem::size_of::<Entry>() + 1) + 16 + self.arena.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(canonical: &str) -> u64 {
        crate::contact_hash(canonical.as_bytes())
    }

    #[test]
    fn contacts_are_put_replaced_removed_and_compacted() {
        let mut shard = Shard::with_capacity(4);
        let long_signals = vec![7u8; 300];
        for (i, name) in ["+84912345678", "bank:970436:0011004123456", "https://a.top/x"].iter().enumerate() {
            shard.put(Entry::new(hash(name), i as u8, 2, 10, 0), name.as_bytes(), &long_signals[..i * 100]);
        }
        // Many contacts: the table grows and places every entry again from its folded hash.
        for i in 0..1000 {
            let name = format!("+8490{i:07}");
            shard.put(Entry::new(hash(&name), 0, 3, 40, 0), name.as_bytes(), &[1, 2, 3]);
        }
        let replaced = shard.find(hash("+84912345678"), b"+84912345678").copied().unwrap();
        assert_eq!(shard.signals(&replaced), &[] as &[u8]);
        shard.put(Entry::new(hash("+84912345678"), 0, 4, 80, FLAG_OFFICIAL), b"+84912345678", &long_signals);
        let entry = *shard.find(hash("+84912345678"), b"+84912345678").unwrap();
        assert_eq!((entry.level, entry.score, entry.flags), (4, 80, FLAG_OFFICIAL));
        assert_eq!(shard.signals(&entry), long_signals.as_slice());
        assert_eq!(shard.garbage, "+84912345678".len() + 1);
        let removed = shard.remove(hash("https://a.top/x"), b"https://a.top/x").unwrap();
        assert_eq!(removed.kind, 2);
        assert!(shard.find(hash("https://a.top/x"), b"https://a.top/x").is_none());
        assert!(shard.find(hash("+84900000000"), b"+84900000000").is_some());
        assert!(shard.find(hash("+84999999999"), b"+84999999999").is_none());

        let mut compact = shard.compacted();
        compact.shrink_to_fit();
        assert_eq!(compact.garbage, 0);
        assert_eq!(compact.table.len(), shard.table.len());
        for entry in shard.table.iter() {
            let canonical = shard.canonical(entry);
            let copy = compact.find(hash(std::str::from_utf8(canonical).unwrap()), canonical).unwrap();
            assert_eq!(compact.signals(copy), shard.signals(entry));
            assert_eq!(
                (copy.kind, copy.level, copy.score, copy.flags),
                (entry.kind, entry.level, entry.score, entry.flags)
            );
        }
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }
}
