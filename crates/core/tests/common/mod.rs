//! What the real-data tests share.

use std::path::PathBuf;

/// A file or folder of `../shared/data`, or `None` (with a SKIPPED line) when the data sets are not beside the
/// repository.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("SKIPPED: {} is absent (../shared/data is not beside the repository)", path.display());
        None
    }
}
