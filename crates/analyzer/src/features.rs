//! Hashed features of a normalised message for the linear models: its words and word pairs, and the letter
//! n-grams of its words (3 to 5 letters, word edges marked), each hashed into a fixed number of buckets. Letter
//! n-grams carry what words alone miss in SMS Vietnamese: glued words (`nhanqua`), misspellings, new brand names.
//! Digits are kept only as their count (`0912345678` and `0987654321` are the same feature), so the model learns
//! "a 10-digit number", never a particular one.

/// Most words of a message that make features: a message is judged by its beginning, long texts cost no more.
pub const MAX_FEATURE_WORDS: usize = 400;
/// Words longer than this make one word feature and no letter n-grams (a URL path, a hash).
const MAX_GRAM_WORD: usize = 24;

/// The buckets a message falls into, once per occurrence, and the value every occurrence carries
/// (`1 / √count`, so that long and short messages weigh alike).
#[derive(Debug, Default, Clone)]
pub struct Features {
    pub buckets: Vec<u32>,
    pub value: f32,
    word: Vec<u8>,
}

impl Features {
    pub fn new() -> Self {
        Features::default()
    }

    /// Fills the features of a message from its normalised, accent-free, lower-case words, hashed into
    /// `2^bits` buckets.
    pub fn fill<'w>(&mut self, words: impl IntoIterator<Item = &'w str>, bits: u32) {
        self.buckets.clear();
        let mut previous: Option<u64> = None;
        for raw in words.into_iter().take(MAX_FEATURE_WORDS) {
            self.word.clear();
            self.word.extend(raw.bytes().map(|b| if b.is_ascii_digit() { b'0' } else { b }));
            let word = &self.word[..];
            if word.is_empty() {
                continue;
            }
            let word_hash = hash_bytes(SEED_WORD, word);
            self.buckets.push(bucket(word_hash, bits));
            if let Some(before) = previous {
                self.buckets.push(bucket(mix(before ^ word_hash.rotate_left(17) ^ SEED_PAIR), bits));
            }
            previous = Some(word_hash);
            if word.len() <= MAX_GRAM_WORD && !word.iter().all(u8::is_ascii_digit) {
                // Letter n-grams over `^word$`.
                let padded_len = word.len() + 2;
                for n in 3..=5usize {
                    if padded_len < n {
                        break;
                    }
                    for start in 0..=padded_len - n {
                        let mut hash = SEED_GRAM ^ (n as u64);
                        for position in start..start + n {
                            let byte = if position == 0 {
                                b'^'
                            } else if position == padded_len - 1 {
                                b'$'
                            } else {
                                word[position - 1]
                            };
                            hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
                        }
                        self.buckets.push(bucket(hash, bits));
                    }
                }
            }
        }
        // A feature seen twice counts twice (term frequency): no sorting on the hot path.
        self.value = if self.buckets.is_empty() { 0.0 } else { 1.0 / (self.buckets.len() as f32).sqrt() };
    }
}

impl Features {
    /// The same features in a table `2^shift` times smaller: a bucket is the top bits of a hash, so dropping low
    /// bits gives the bucket the smaller table would have chosen.
    pub fn reduce_into(&self, shift: u32, out: &mut Features) {
        out.buckets.clear();
        out.buckets.extend(self.buckets.iter().map(|bucket| bucket >> shift));
        out.value = if out.buckets.is_empty() { 0.0 } else { 1.0 / (out.buckets.len() as f32).sqrt() };
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const SEED_WORD: u64 = FNV_OFFSET ^ 0x5745;
const SEED_PAIR: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED_GRAM: u64 = FNV_OFFSET ^ 0x4752;

/// FNV-1a: stable across versions and platforms, which the shipped weights depend on.
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME))
}

/// A final mix so that the top bits, which pick the bucket, depend on every input bit.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn bucket(hash: u64, bits: u32) -> u32 {
    (mix(hash) >> (64 - bits)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_OTP_BUCKET: u32 = 203_187;

    #[test]
    fn digits_count_but_their_values_do_not() {
        let mut a = Features::new();
        let mut b = Features::new();
        a.fill(["goi", "0912345678", "ngay"], 18);
        b.fill(["goi", "0987654321", "ngay"], 18);
        assert_eq!(a.buckets, b.buckets);
        b.fill(["goi", "098765432", "ngay"], 18);
        assert_ne!(a.buckets, b.buckets);
    }

    #[test]
    fn features_count_every_occurrence_and_are_weighted() {
        let mut features = Features::new();
        features.fill(["chuyen", "khoan"], 16);
        let once = features.buckets.len();
        features.fill(["chuyen", "khoan", "chuyen", "khoan"], 16);
        // Each word's features twice, and three word pairs instead of one.
        assert_eq!(features.buckets.len(), 2 * once + 1);
        assert!(features.buckets.iter().all(|&bucket| bucket < 1 << 16));
        assert!((features.value - 1.0 / (features.buckets.len() as f32).sqrt()).abs() < 1e-6);
        features.fill(std::iter::empty(), 16);
        assert!(features.buckets.is_empty());
        assert_eq!(features.value, 0.0);
    }

    #[test]
    fn the_hash_is_stable() {
        // The shipped weights were trained with these buckets: changing the hash needs a retrain.
        let mut features = Features::new();
        features.fill(["otp"], 18);
        assert_eq!(features.buckets.len(), 1 + 3 + 2 + 1);
        assert_eq!(features.buckets[0], PINNED_OTP_BUCKET);
    }
}
