//! The content-addressed store of evidence files.

use sha2::{Digest, Sha256};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The lowercase hex SHA-256 of `bytes`: the name of the file in the [`EvidenceStore`].
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap());
        hex.push(char::from_digit(u32::from(byte & 0xF), 16).unwrap());
    }
    hex
}

/// Whether `s` is a SHA-256 as the store names files: exactly 64 lowercase hex digits. Anything else
/// (upper case, `..`, `/`) is refused before it comes near a path.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A file in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvidence {
    pub sha256_hex: String,
    pub size: u64,
}

/// Evidence files stored by content, in `<data_dir>/evidence`: the file whose SHA-256 is `abcd12...` is
/// `abcd12...` in the folder `ab/cd/`, so that no folder grows too large. A file is written to a
/// temporary name in its folder, synced, renamed into place and the folder synced: a crash leaves either
/// the whole file or none (and at worst a stray `.tmp` file). Storing the same content twice stores it once.
/// Files are readable by the owner only.
#[derive(Debug, Clone)]
pub struct EvidenceStore {
    root: PathBuf,
}

/// Makes temporary names unique within the process; the process id makes them unique across processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl EvidenceStore {
    /// Opens the store in `root`, creating the folder if need be.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        dir_builder().recursive(true).create(&root)?;
        Ok(EvidenceStore { root })
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` under their SHA-256, durably. When a file with that content is already there, nothing is
    /// written.
    pub fn put(&self, bytes: &[u8]) -> io::Result<StoredEvidence> {
        let sha256_hex = sha256_hex(bytes);
        let size = bytes.len() as u64;
        let stored = StoredEvidence { sha256_hex, size };
        let path = self.path_for(&stored.sha256_hex);
        // A file of another size under this name can only be damage: it is replaced.
        if fs::metadata(&path).is_ok_and(|meta| meta.is_file() && meta.len() == size) {
            return Ok(stored);
        }
        let dir = self.ensure_dirs(&stored.sha256_hex)?;
        let temp = dir.join(format!(
            ".{}.{}.{}.tmp",
            stored.sha256_hex,
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = file_options().open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temp, &path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        sync_dir(&dir)?;
        Ok(stored)
    }

    /// The content stored under `sha256_hex`, `None` when there is none. The content is checked against its
    /// name: a damaged file is an [`io::ErrorKind::InvalidData`] error, never returned as evidence. A name that
    /// is not 64 lowercase hex digits is an [`io::ErrorKind::InvalidInput`] error.
    pub fn get(&self, sha256_hex: &str) -> io::Result<Option<Vec<u8>>> {
        let path = self.path_of(sha256_hex).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "an evidence file's name is 64 lowercase hex digits")
        })?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if self::sha256_hex(&bytes) != sha256_hex {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("evidence file {sha256_hex} does not match its SHA-256: the store is damaged"),
            ));
        }
        Ok(Some(bytes))
    }

    /// Whether a file is stored under `sha256_hex` (false for a malformed name).
    pub fn contains(&self, sha256_hex: &str) -> bool {
        self.path_of(sha256_hex).is_some_and(|path| path.is_file())
    }

    /// The path the file named `sha256_hex` has, or would have, in the store; `None` when the name is not 64
    /// lowercase hex digits. Whether the file exists is [`contains`](EvidenceStore::contains)'s question.
    pub fn path_of(&self, sha256_hex: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256_hex).then(|| self.path_for(sha256_hex))
    }

    /// Removes the file stored under `sha256_hex` (when a retention period ends, or a report is deleted and no
    /// other report refers to the file: the caller knows, the store does not). Returns whether there was one.
    pub fn remove(&self, sha256_hex: &str) -> io::Result<bool> {
        let path = self.path_of(sha256_hex).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "an evidence file's name is 64 lowercase hex digits")
        })?;
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(path.parent().expect("a stored file has a folder"))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `root/ab/cd/abcd...` for a name already checked.
    fn path_for(&self, hex: &str) -> PathBuf {
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// Creates `root/ab/cd`, syncing each folder whose entries changed so that the new folders survive a
    /// crash along with the file.
    fn ensure_dirs(&self, hex: &str) -> io::Result<PathBuf> {
        let mut dir = self.root.clone();
        for part in [&hex[0..2], &hex[2..4]] {
            let parent = dir.clone();
            dir.push(part);
            match dir_builder().create(&dir) {
                Ok(()) => sync_dir(&parent)?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(dir)
    }
}

fn dir_builder() -> fs::DirBuilder {
    #[allow(unused_mut)]
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

fn file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Makes a folder's entries (a rename, a new file or folder) durable. Folders cannot be opened for syncing on
/// Windows, where the rename itself is durable once it returns.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_known_input() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_sha256_hex(&sha256_hex(b"")));
    }

    #[test]
    fn names_are_checked() {
        let good = sha256_hex(b"x");
        assert!(is_sha256_hex(&good));
        assert!(!is_sha256_hex(&good.to_uppercase()));
        assert!(!is_sha256_hex(&good[..63]));
        assert!(!is_sha256_hex(&format!("{good}0")));
        assert!(!is_sha256_hex(&format!("../{}", &good[3..])));
        assert!(!is_sha256_hex(""));
    }
}
