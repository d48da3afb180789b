//! Opening the platform's state from a data directory: the store (SQLite inside it, or PostgreSQL),
//! the keyring that seals personal data, and the evidence files. Shared by `serve` and the commands
//! that work on the store (`migrate`, `org`, `key`, `backup`, `restore`, `secrets`).

use crate::intake::Intake;
use canhgiac_core::{Error, ErrorCode};
use canhgiac_evidence::{EvidenceLimits, EvidenceStore};
use canhgiac_secrets::{Keyring, KeyringSource};
use canhgiac_store::{Store, StoreLocation};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const LOCK_FILE_NAME: &str = "canhgiac.lock";
pub const EVIDENCE_DIR_NAME: &str = "evidence";

/// Everything the platform keeps, opened.
pub struct Platform {
    pub data_dir: PathBuf,
    pub location: StoreLocation,
    pub store: Arc<dyn Store>,
    pub keyring: Arc<Keyring>,
    pub evidence: Arc<EvidenceStore>,
}

impl Platform {
    /// Creates the data directory when absent, opens the store (applying migrations), loads or creates
    /// the keyring, and opens the evidence directory.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Platform, Error> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::new(ErrorCode::Unavailable, format!("cannot create the data directory {}: {e}", data_dir.display()))
        })?;
        let location = StoreLocation::choose(database_url, data_dir)?;
        let store = canhgiac_store::open(&location).await?;
        let (keyring, source) = Keyring::load(data_dir)
            .map_err(|e| Error::new(ErrorCode::Unavailable, format!("cannot load the keyring: {e}")))?;
        match source {
            KeyringSource::CreatedFile(path) => tracing::warn!(
                path = %path.display(),
                "created a new keyring file that seals personal data; in production set CANHGIAC_PII_KEYS instead and keep the key out of the data directory and its backups"
            ),
            KeyringSource::File(path) => tracing::info!(path = %path.display(), "keyring loaded"),
            KeyringSource::Environment | KeyringSource::Given => tracing::info!("keyring loaded from the environment"),
        }
        let evidence = EvidenceStore::open(data_dir.join(EVIDENCE_DIR_NAME))
            .map_err(|e| Error::new(ErrorCode::Unavailable, format!("cannot open the evidence directory: {e}")))?;
        tracing::info!(store = %location.describe(), "store open");
        Ok(Platform {
            data_dir: data_dir.to_path_buf(),
            location,
            store,
            keyring: Arc::new(keyring),
            evidence: Arc::new(evidence),
        })
    }

    pub fn intake(&self, limits: EvidenceLimits) -> Intake {
        Intake::new(self.store.clone(), self.keyring.clone(), self.evidence.clone(), limits)
    }
}

/// An exclusive lock on a data directory, held while a server runs: `restore` takes it to make sure
/// no server is writing. Released when dropped (or when the process dies: it is an OS file lock).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, Error> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::new(ErrorCode::Unavailable, format!("cannot create the data directory {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(LOCK_FILE_NAME);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::new(ErrorCode::Unavailable, format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::new(
                ErrorCode::Conflict,
                format!("another canhgiac process is using the data directory {}", data_dir.display()),
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::new(ErrorCode::Unavailable, format!("cannot lock {}: {e}", path.display())))
            }
        }
    }
}
