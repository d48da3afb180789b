//! canhgiac's secrets, in one place so that every random value and every key is made the same way:
//!
//! - [`Keyring`]: the keys that seal reporters' personal data at rest (XChaCha20-Poly1305, each sealed value
//!   bound to the row it belongs to), with rotation: new data is sealed with the first key, older keys still open.
//! - [`ApiKey`]: partner API keys, random, shown once, stored as a SHA-256 hash with a public prefix for logs.
//! - [`TrackingCode`] and [`ReportSecret`]: what a reporter gets back to follow a report.
//!
//! Randomness comes from the operating system (getrandom); nothing here logs or prints a secret.

mod api_key;
mod keyring;
mod random;
mod tracking;

pub use api_key::{ApiKey, ApiKeyPrefix, hash_api_key, parse_api_key_prefix};
pub use keyring::{Keyring, KeyringError, KeyringSource, PII_KEYS_ENV, PII_KEYS_FILE};
pub use random::{random_bytes, random_string};
pub use tracking::{ReportSecret, TrackingCode};

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as used to store secrets that are only ever compared.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compares two byte strings in constant time (for hashes of secrets).
pub fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
