//! The tracking code and secret a reporter gets back.
//!
//! The code is short and readable aloud over a hotline: `CG-7K3M-9XQ2`, from an alphabet without the
//! characters people confuse (0/O, 1/I/L, U/V). The secret proves the caller is the reporter; only its
//! SHA-256 is stored.

use crate::{constant_time_equal, random_string, sha256};
use canhgiac_core::{Error, ErrorCode};
use std::fmt;

/// The characters of tracking codes: digits and capitals that cannot be mistaken for one another.
const TRACKING_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
const TRACKING_RANDOM_LENGTH: usize = 8;
const SECRET_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstwxyz";
const SECRET_LENGTH: usize = 26;

/// A report's public tracking code, canonical form `CG-XXXX-XXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// A new random code (29^8 ≈ 5 × 10^11 codes; the store's unique index catches the rare clash).
    pub fn generate() -> Self {
        let random = random_string(TRACKING_ALPHABET, TRACKING_RANDOM_LENGTH);
        TrackingCode(format!("CG-{}-{}", &random[..4], &random[4..]))
    }

    /// Reads a code as people type it: any case, with or without `CG` and the dashes, spaces ignored.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let compact: String =
            text.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        let body = compact.strip_prefix("CG").unwrap_or(&compact);
        let valid = body.len() == TRACKING_RANDOM_LENGTH && body.bytes().all(|b| TRACKING_ALPHABET.contains(&b));
        if !valid {
            return Err(Error::new(ErrorCode::NotFound, "no report has this tracking code").with_field("code"));
        }
        Ok(TrackingCode(format!("CG-{}-{}", &body[..4], &body[4..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a code read from the store (already canonical).
    pub fn from_stored(text: String) -> Self {
        TrackingCode(text)
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret that goes with a tracking code. Debug output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportSecret(String);

impl ReportSecret {
    /// 26 characters from a 29-letter alphabet: about 126 bits.
    pub fn generate() -> Self {
        ReportSecret(random_string(SECRET_ALPHABET, SECRET_LENGTH))
    }

    pub fn from_string(text: String) -> Self {
        ReportSecret(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps.
    pub fn hash(&self) -> [u8; 32] {
        sha256(self.0.trim().as_bytes())
    }

    /// Whether `presented` is this secret, given only its stored hash. Read as people copy it from a note: in any
    /// case, with spaces or dashes between its letters (the alphabet is lowercase, so nothing is lost).
    pub fn matches_hash(presented: &str, stored_hash: &[u8]) -> bool {
        let typed: String =
            presented.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
        constant_time_equal(&sha256(typed.as_bytes()), stored_hash)
    }
}

impl fmt::Debug for ReportSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReportSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_parse_back_leniently() {
        let code = TrackingCode::generate();
        assert!(code.as_str().starts_with("CG-") && code.as_str().len() == 12);
        assert_eq!(TrackingCode::parse(code.as_str()).unwrap(), code);
        let lower = code.as_str().to_lowercase().replace('-', " ");
        assert_eq!(TrackingCode::parse(&lower).unwrap(), code);
        assert_eq!(TrackingCode::parse(&code.as_str()[3..]).unwrap(), code);
        assert!(TrackingCode::parse("CG-0000-OOOO").is_err());
        assert!(TrackingCode::parse("").is_err());
    }

    #[test]
    fn secrets_match_only_their_hash() {
        let secret = ReportSecret::generate();
        assert!(ReportSecret::matches_hash(secret.expose(), &secret.hash()));
        assert!(!ReportSecret::matches_hash("wrong", &secret.hash()));
        let copied = secret.expose().to_uppercase();
        let copied = format!(" {}-{} {} ", &copied[..4], &copied[4..8], &copied[8..]);
        assert!(ReportSecret::matches_hash(&copied, &secret.hash()), "{copied}");
        assert_eq!(format!("{secret:?}"), "ReportSecret(***)");
    }
}
