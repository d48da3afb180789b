//! Partner API keys: `cgk_<prefix>_<secret>`.
//!
//! The prefix (8 characters) is public: it names the key in logs, lists and the store's index. The whole
//! key is shown once, when it is created; the store keeps only its SHA-256. A plain hash is enough (no
//! password hashing) because the key has 160 random bits: there is nothing to guess.

use crate::{random_string, sha256};
use std::fmt;

const KEY_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
const PREFIX_LENGTH: usize = 8;
const SECRET_LENGTH: usize = 32;
const KEY_TAG: &str = "cgk_";

/// A key's public prefix, e.g. `cgk_7k3m9xq2`: safe to log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiKeyPrefix(String);

impl ApiKeyPrefix {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_stored(text: String) -> Self {
        ApiKeyPrefix(text)
    }
}

impl fmt::Display for ApiKeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A whole API key, as given once to its owner. Debug output shows only the prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    prefix: ApiKeyPrefix,
    full: String,
}

impl ApiKey {
    pub fn generate() -> Self {
        let prefix = format!("{KEY_TAG}{}", random_string(KEY_ALPHABET, PREFIX_LENGTH));
        let full = format!("{prefix}_{}", random_string(KEY_ALPHABET, SECRET_LENGTH));
        ApiKey { prefix: ApiKeyPrefix(prefix), full }
    }

    pub fn prefix(&self) -> &ApiKeyPrefix {
        &self.prefix
    }

    /// The whole key, to show its owner once.
    pub fn expose(&self) -> &str {
        &self.full
    }

    pub fn hash(&self) -> [u8; 32] {
        hash_api_key(&self.full)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}_***)", self.prefix)
    }
}

/// What the store keeps of a key.
pub fn hash_api_key(presented: &str) -> [u8; 32] {
    sha256(presented.trim().as_bytes())
}

/// Whether `byte` is in [`KEY_ALPHABET`]: lower-case letters but `l` and `o`, digits but `0` and `1`. Tested per
/// byte of every key presented, on every partner request (a scan of the alphabet cost as much as the key's hash).
fn in_key_alphabet(byte: u8) -> bool {
    matches!(byte, b'a'..=b'k' | b'm' | b'n' | b'p'..=b'z' | b'2'..=b'9')
}

/// The prefix of a presented key, or None when it does not have the shape of one of ours.
pub fn parse_api_key_prefix(presented: &str) -> Option<ApiKeyPrefix> {
    let presented = presented.trim();
    let rest = presented.strip_prefix(KEY_TAG)?;
    let (prefix_body, secret) = rest.split_once('_')?;
    let well_formed = prefix_body.len() == PREFIX_LENGTH
        && secret.len() == SECRET_LENGTH
        && prefix_body.bytes().chain(secret.bytes()).all(in_key_alphabet);
    well_formed.then(|| ApiKeyPrefix(format!("{KEY_TAG}{prefix_body}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_a_public_prefix_and_a_hidden_secret() {
        let key = ApiKey::generate();
        assert!(key.expose().starts_with(key.prefix().as_str()));
        assert_eq!(parse_api_key_prefix(key.expose()).as_ref(), Some(key.prefix()));
        assert_eq!(hash_api_key(key.expose()), key.hash());
        let debug = format!("{key:?}");
        assert!(!debug.contains(&key.expose()[13..]), "{debug}");
        assert_ne!(ApiKey::generate().expose(), key.expose());
    }

    #[test]
    fn the_alphabet_test_agrees_with_the_alphabet() {
        for byte in 0..=u8::MAX {
            assert_eq!(in_key_alphabet(byte), KEY_ALPHABET.contains(&byte), "{byte}");
        }
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        for bad in ["", "cgk_", "cgk_abc_def", "Bearer x", "cgk_abcdefgh_short"] {
            assert_eq!(parse_api_key_prefix(bad), None, "{bad}");
        }
    }
}
