//! The keys that seal reporters' personal data at rest.
//!
//! A keyring is an ordered list of named 256-bit keys. The first one seals new data; every one of them
//! can open data sealed earlier, so keys rotate without downtime:
//!
//! 1. `canhgiac secrets new-key` prints a new key line; put it FIRST in the keyring (env or file);
//! 2. restart; new reports are sealed with it, old ones still open with the older keys;
//! 3. `canhgiac secrets reseal` re-seals every stored value with the first key;
//! 4. remove the old key.
//!
//! Where the keyring comes from: the environment variable [`PII_KEYS_ENV`] when set (production: keep the
//! key out of the data directory and its backups), otherwise the file [`PII_KEYS_FILE`] in the data
//! directory, created with one new key (mode 0600) on first start so that `canhgiac serve` works with no
//! configuration. Format, one key per line (or separated by `;` in the variable): `<id> <base64 key>`.
//!
//! A sealed value is `version (1) | id length (1) | id | nonce (24) | ciphertext and tag`, and is bound to
//! a context (the row it belongs to) as associated data, so a sealed value copied to another row does not open.

use crate::random_bytes;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const PII_KEYS_ENV: &str = "CANHGIAC_PII_KEYS";
pub const PII_KEYS_FILE: &str = "pii-keys";
const SEAL_VERSION: u8 = 1;
const NONCE_LENGTH: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("the keyring is empty")]
    Empty,
    #[error("keyring entry {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("cannot read or create the keyring file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("sealed value is malformed")]
    MalformedSealedValue,
    #[error("sealed with key '{0}', which is not in the keyring")]
    UnknownKey(String),
    #[error("sealed value does not open: wrong key, wrong context or tampered")]
    DoesNotOpen,
}

/// Where a keyring was read from (said at start-up; never the keys themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringSource {
    Environment,
    File(PathBuf),
    CreatedFile(PathBuf),
    Given,
}

struct NamedKey {
    id: String,
    cipher: XChaCha20Poly1305,
    /// A key for pseudonyms, derived from the key and never used to seal.
    pseudonym_key: [u8; 32],
}

pub struct Keyring {
    keys: Vec<NamedKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

impl Keyring {
    /// Parses keyring text: `<id> <base64 32-byte key>` per line or `;`-separated; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let mut keys = Vec::new();
        let entries = text.lines().flat_map(|line| line.split('#').next().unwrap_or("").split(';'));
        for (index, entry) in entries.enumerate() {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let malformed = |reason: &str| KeyringError::Malformed { line: index + 1, reason: reason.to_string() };
            let (id, key) = entry.split_once(char::is_whitespace).ok_or_else(|| malformed("expected '<id> <key>'"))?;
            let valid_id = !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_id {
                return Err(malformed("the id must be 1-64 letters, digits, '-' or '_'"));
            }
            let bytes = BASE64.decode(key.trim()).map_err(|_| malformed("the key is not base64"))?;
            if bytes.len() != 32 {
                return Err(malformed("the key must be 32 bytes"));
            }
            if keys.iter().any(|k: &NamedKey| k.id == id) {
                return Err(malformed("the id is used twice"));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| malformed("bad key length"))?;
            let pseudonym_key: [u8; 32] =
                Sha256::new().chain_update(b"canhgiac pseudonym key v1\0").chain_update(&bytes).finalize().into();
            keys.push(NamedKey { id: id.to_string(), cipher, pseudonym_key });
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Keyring { keys })
    }

    /// A new key line `<id> <base64>` with a random key, for a keyring file or variable.
    pub fn new_key_line(id: &str) -> String {
        format!("{id} {}", BASE64.encode(random_bytes::<32>()))
    }

    /// A keyring of one fresh key (tests, first start).
    pub fn generate() -> Self {
        Keyring::parse(&Keyring::new_key_line("k1")).expect("a generated key line parses")
    }

    /// The keyring from [`PII_KEYS_ENV`], else from `<data_dir>/pii-keys`, created when absent.
    pub fn load(data_dir: &Path) -> Result<(Self, KeyringSource), KeyringError> {
        if let Ok(text) = std::env::var(PII_KEYS_ENV) {
            return Ok((Keyring::parse(&text)?, KeyringSource::Environment));
        }
        let path = data_dir.join(PII_KEYS_FILE);
        let io_error = |source| KeyringError::Io { path: path.clone(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Keyring::parse(&text)?, KeyringSource::File(path))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let id = format!(
                    "k{}",
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs())
                );
                let text = format!(
                    "# canhgiac: keys that seal reporters' personal data. The first seals; all open. KEEP SECRET.\n{}\n",
                    Keyring::new_key_line(&id)
                );
                write_private_file(&path, text.as_bytes()).map_err(io_error)?;
                Ok((Keyring::parse(&text)?, KeyringSource::CreatedFile(path)))
            }
            Err(error) => Err(io_error(error)),
        }
    }

    /// The id of the key that seals new data.
    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    /// A stable pseudonym of a person's identifier (a phone number, an e-mail, an ID number), for counting
    /// distinct people without knowing who they are: 8 bytes of a keyed SHA-256, under the keyring's OLDEST key
    /// so that adding a key does not change anyone's pseudonym. Without the keyring, it cannot be reversed by
    /// trying every phone number.
    pub fn pseudonym(&self, purpose: &str, value: &str) -> u64 {
        let key = &self.keys[self.keys.len() - 1];
        let digest = Sha256::new()
            .chain_update(key.pseudonym_key)
            .chain_update(purpose.as_bytes())
            .chain_update([0u8])
            .chain_update(value.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }

    /// Seals `plaintext` with the first key, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let key = &self.keys[0];
        let nonce_bytes = random_bytes::<NONCE_LENGTH>();
        let nonce = XNonce::from(nonce_bytes);
        let ciphertext = key
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: context })
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut sealed = Vec::with_capacity(2 + key.id.len() + NONCE_LENGTH + ciphertext.len());
        sealed.push(SEAL_VERSION);
        sealed.push(key.id.len() as u8);
        sealed.extend_from_slice(key.id.as_bytes());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens a value sealed by any key of the keyring with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, KeyringError> {
        let (&version, rest) = sealed.split_first().ok_or(KeyringError::MalformedSealedValue)?;
        let (&id_length, rest) = rest.split_first().ok_or(KeyringError::MalformedSealedValue)?;
        if version != SEAL_VERSION || rest.len() < id_length as usize + NONCE_LENGTH {
            return Err(KeyringError::MalformedSealedValue);
        }
        let (id, rest) = rest.split_at(id_length as usize);
        let (nonce, ciphertext) = rest.split_at(NONCE_LENGTH);
        let id = std::str::from_utf8(id).map_err(|_| KeyringError::MalformedSealedValue)?;
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| KeyringError::UnknownKey(id.to_string()))?;
        let nonce = XNonce::try_from(nonce).map_err(|_| KeyringError::MalformedSealedValue)?;
        key.cipher.decrypt(&nonce, Payload { msg: ciphertext, aad: context }).map_err(|_| KeyringError::DoesNotOpen)
    }

    /// The id of the key that sealed a value, if the value has the sealed shape.
    pub fn sealed_with(sealed: &[u8]) -> Option<&str> {
        let id_length = *sealed.get(1)? as usize;
        std::str::from_utf8(sealed.get(2..2 + id_length)?).ok()
    }
}

/// Writes a file readable by its owner only, durably.
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_the_context() {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(b"0912345678", b"report-1");
        assert!(!sealed.windows(10).any(|w| w == b"0912345678"));
        assert_eq!(keyring.open(&sealed, b"report-1").unwrap(), b"0912345678");
        assert!(matches!(keyring.open(&sealed, b"report-2"), Err(KeyringError::DoesNotOpen)));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(keyring.open(&tampered, b"report-1").is_err());
        assert!(keyring.open(&[], b"").is_err());
    }

    #[test]
    fn rotation_keeps_old_values_open() {
        let old_line = Keyring::new_key_line("old");
        let old = Keyring::parse(&old_line).unwrap();
        let sealed_before = old.seal(b"secret", b"c");
        let rotated = Keyring::parse(&format!("{}\n{old_line}", Keyring::new_key_line("new"))).unwrap();
        assert_eq!(rotated.primary_id(), "new");
        assert_eq!(rotated.open(&sealed_before, b"c").unwrap(), b"secret");
        assert_eq!(Keyring::sealed_with(&rotated.seal(b"x", b"c")), Some("new"));
        let without_old = Keyring::parse(&Keyring::new_key_line("new")).unwrap();
        assert!(matches!(without_old.open(&sealed_before, b"c"), Err(KeyringError::UnknownKey(_))));
    }

    #[test]
    fn malformed_keyrings_are_refused() {
        assert!(matches!(Keyring::parse(""), Err(KeyringError::Empty)));
        assert!(Keyring::parse("k1 notbase64!!").is_err());
        assert!(Keyring::parse("k1 AAAA").is_err());
        let line = Keyring::new_key_line("k1");
        assert!(Keyring::parse(&format!("{line};{line}")).is_err());
    }

    #[test]
    fn load_creates_a_private_file_once() {
        let dir = tempfile::tempdir().unwrap();
        if std::env::var(PII_KEYS_ENV).is_ok() {
            return;
        }
        let (first, source) = Keyring::load(dir.path()).unwrap();
        assert!(matches!(source, KeyringSource::CreatedFile(_)));
        let (second, source) = Keyring::load(dir.path()).unwrap();
        assert!(matches!(source, KeyringSource::File(_)));
        assert_eq!(second.open(&first.seal(b"x", b"c"), b"c").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(PII_KEYS_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

#[cfg(test)]
mod pseudonym_tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_across_new_keys_and_differ_between_keyrings() {
        let old = Keyring::new_key_line("old");
        let one = Keyring::parse(&old).unwrap();
        let rotated = Keyring::parse(&format!("{}\n{old}", Keyring::new_key_line("new"))).unwrap();
        assert_eq!(rotated.primary_id(), "new");
        let phone = "+84912345678";
        assert_eq!(one.pseudonym("reporter", phone), rotated.pseudonym("reporter", phone));
        assert_ne!(one.pseudonym("reporter", phone), one.pseudonym("reporter", "+84912345679"));
        assert_ne!(one.pseudonym("reporter", phone), one.pseudonym("other", phone));
        assert_ne!(one.pseudonym("reporter", phone), Keyring::generate().pseudonym("reporter", phone));
    }
}
