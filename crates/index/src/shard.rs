//! One shard of the index: an open-addressing table of 24-byte entries and one byte arena holding each
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

/// One contact. 24 bytes: the table stores entries inline so that a look-up touches one cache line of the
/// table and one of the arena.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub hash: u64,
    /// Where the canonical form starts in the arena; the packed signals follow it.
    pub offset: u32,
    pub signals_len: u32,
    pub canonical_len: u16,
    pub kind: u8,
    pub level: u8,
    pub score: u8,
    /// [`FLAG_OFFICIAL`].
    pub flags: u8,
}

/// The contact is in the trust directory.
pub const FLAG_OFFICIAL: u8 = 1;

#[derive(Debug, Clone, Default)]
pub struct Shard {
    pub table: HashTable<Entry>,
    pub arena: Vec<u8>,
    /// Arena bytes no entry points at any more (replaced contacts); the shard is compacted when they pass half.
    pub garbage: usize,
}

impl Shard {
    pub fn canonical<'a>(&'a self, entry: &Entry) -> &'a [u8] {
        let start = entry.offset as usize;
        &self.arena[start..start + usize::from(entry.canonical_len)]
    }

    pub fn signals<'a>(&'a self, entry: &Entry) -> &'a [u8] {
        let start = entry.offset as usize + usize::from(entry.canonical_len);
        &self.arena[start..start + entry.signals_len as usize]
    }

    #[inline]
    pub fn find(&self, hash: u64, canonical: &[u8]) -> Option<&Entry> {
        self.table.find(hash, |entry| entry.hash == hash && self.canonical(entry) == canonical)
    }

    /// Adds or replaces a contact. `signals` are its packed signals.
    pub fn put(&mut self, mut entry: Entry, canonical: &[u8], signals: &[u8]) {
        entry.offset = self.arena.len() as u32;
        entry.canonical_len = canonical.len() as u16;
        entry.signals_len = signals.len() as u32;
        self.arena.extend_from_slice(canonical);
        self.arena.extend_from_slice(signals);
        let arena = &self.arena;
        let found = self.table.find_mut(entry.hash, |e| {
            e.hash == entry.hash
                && &arena[e.offset as usize..e.offset as usize + usize::from(e.canonical_len)] == canonical
        });
        match found {
            Some(existing) => {
                self.garbage += usize::from(existing.canonical_len) + existing.signals_len as usize;
                *existing = entry;
            }
            None => {
                self.table.insert_unique(entry.hash, entry, |e| e.hash);
            }
        }
    }

    pub fn remove(&mut self, hash: u64, canonical: &[u8]) -> Option<Entry> {
        let arena = &self.arena;
        let found = self.table.find_entry(hash, |e| {
            e.hash == hash && &arena[e.offset as usize..e.offset as usize + usize::from(e.canonical_len)] == canonical
        });
        let removed = found.ok().map(|occupied| occupied.remove().0)?;
        self.garbage += usize::from(removed.canonical_len) + removed.signals_len as usize;
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
            shard.arena.extend_from_slice(self.canonical(entry));
            shard.arena.extend_from_slice(self.signals(entry));
            shard.table.insert_unique(copy.hash, copy, |e| e.hash);
        }
        shard
    }

    pub fn heap_bytes(&self) -> usize {
        // hashbrown: one control byte per bucket plus a group's worth.
        let capacity = self.table.capacity();
        let buckets = if capacity == 0 { 0 } else { (capacity * 8 / 7).next_power_of_two() };
        buckets * (std::mem::size_of::<Entry>() + 1) + 16 + self.arena.capacity()
    }
}
