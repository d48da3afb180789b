//! Private look-ups (k-anonymity, as Have I Been Pwned's range API): a client sends the first five hex digits
//! of the SHA-256 of a canonical form and gets every listed contact under that prefix, so the server never
//! learns which one it wanted. Each listed contact is kept as the first 16 bytes of its digest and a level,
//! in 4,096 sorted buckets chosen by the digest's first 12 bits.

use crate::shard::{LEVELS, level_code};
use arc_swap::ArcSwap;
use canhgiac_core::verdict::VerdictLevel;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Hex digits of the prefix a client sends.
pub const RANGE_PREFIX_HEX: usize = 5;
const BUCKETS: usize = 4096;

/// The one-digit code of a level in range answers: `0` official_verified, `1` no_data, `2` reported,
/// `3` suspicious, `4` high_risk, `5` confirmed_scam.
pub fn level_digit(level: VerdictLevel) -> char {
    char::from(b'0' + level_code(level))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RangeEntry {
    digest: [u8; 16],
    level: u8,
}

/// One listed contact under a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeHit {
    /// The first 16 bytes of the SHA-256 of the canonical form.
    pub digest: [u8; 16],
    pub level: VerdictLevel,
}

impl RangeHit {
    /// Hex digits 6 to 32 of the digest: what follows the prefix.
    pub fn suffix_hex(&self) -> String {
        let hex: String = self.digest.iter().map(|b| format!("{b:02x}")).collect();
        hex[RANGE_PREFIX_HEX..].to_string()
    }
}

fn digest16(canonical: &str) -> [u8; 16] {
    let full = Sha256::digest(canonical.as_bytes());
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&full[..16]);
    digest
}

fn bucket_of(digest: &[u8; 16]) -> usize {
    (usize::from(digest[0]) << 4) | usize::from(digest[1] >> 4)
}

fn prefix_of(digest: &[u8; 16]) -> u32 {
    (u32::from(digest[0]) << 12) | (u32::from(digest[1]) << 4) | u32::from(digest[2] >> 4)
}

pub struct RangeBuilder {
    buckets: Vec<Vec<RangeEntry>>,
}

impl RangeBuilder {
    pub fn new() -> Self {
        RangeBuilder { buckets: vec![Vec::new(); BUCKETS] }
    }

    pub fn add(&mut self, canonical: &str, level: VerdictLevel) {
        let digest = digest16(canonical);
        self.buckets[bucket_of(&digest)].push(RangeEntry { digest, level: level_code(level) });
    }

    pub fn finish(self) -> RangeIndex {
        RangeIndex {
            buckets: self
                .buckets
                .into_iter()
                .map(|mut bucket| {
                    bucket.sort_unstable();
                    bucket.dedup_by(|a, b| a.digest == b.digest);
                    bucket.shrink_to_fit();
                    ArcSwap::from_pointee(bucket)
                })
                .collect(),
        }
    }
}

pub struct RangeIndex {
    buckets: Box<[ArcSwap<Vec<RangeEntry>>]>,
}

impl RangeIndex {
    /// Every entry whose digest starts with the 20-bit prefix.
    pub fn hits(&self, prefix: u32) -> Vec<RangeHit> {
        let prefix = prefix & 0xF_FFFF;
        let bucket = self.buckets[(prefix >> 8) as usize].load();
        let start = bucket.partition_point(|e| prefix_of(&e.digest) < prefix);
        bucket[start..]
            .iter()
            .take_while(|e| prefix_of(&e.digest) == prefix)
            .map(|e| RangeHit { digest: e.digest, level: LEVELS[usize::from(e.level)] })
            .collect()
    }

    /// Moves a contact from one listed level to another (`None`: not listed). Called by the one writer.
    pub fn replace(&self, canonical: &str, after: Option<VerdictLevel>) {
        let digest = digest16(canonical);
        let slot = &self.buckets[bucket_of(&digest)];
        let mut bucket = Vec::clone(&slot.load());
        let found = bucket.binary_search_by(|e| e.digest.cmp(&digest));
        match (found, after) {
            (Ok(at), Some(level)) => bucket[at].level = level_code(level),
            (Ok(at), None) => {
                bucket.remove(at);
            }
            (Err(at), Some(level)) => bucket.insert(at, RangeEntry { digest, level: level_code(level) }),
            (Err(_), None) => return,
        }
        slot.store(Arc::new(bucket));
    }

    pub fn heap_bytes(&self) -> usize {
        self.buckets.iter().map(|b| b.load().capacity() * std::mem::size_of::<RangeEntry>() + 48).sum()
    }
}
