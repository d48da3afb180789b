//! Evidence files of scam reports: the screenshots, photos, PDFs, call recordings and videos that citizens
//! attach to a report.
//!
//! Three things happen to an uploaded file, in this order ([`prepare`]):
//!
//! 1. **Its type is read from its content** ([`sniff`]), never from its name or the client's content type,
//!    which anyone can fake. Only JPEG, PNG, WebP, PDF, MP3, M4A, AMR and MP4 are accepted: what phones
//!    produce for screenshots, photos, documents, call recordings and videos. A program or an archive
//!    renamed `.jpg` is refused.
//! 2. **Location metadata is removed from images** ([`strip_location_metadata`]). Phone photos carry the
//!    GPS position where they were taken (EXIF, XMP); a reporter, anonymous or not, must not give away
//!    where they live by attaching a photo. Only the pixels and what is needed to show them stay.
//! 3. **It is stored content-addressed** ([`EvidenceStore`]): the file's name is the SHA-256 of its bytes.
//!    The same screenshot sent by a hundred victims is stored once, the name proves the content was not
//!    altered afterwards (an evidence trail that holds in court), and a stored file is written atomically
//!    and synced, so an accepted file survives a crash.
//!
//! The limits (size of a file, files per report) are enforced by the caller with [`EvidenceLimits`].

mod media;
mod store;
mod strip;

pub use media::{MediaType, sniff};
pub use store::{EvidenceStore, StoredEvidence, is_sha256_hex, sha256_hex};
pub use strip::strip_location_metadata;

use canhgiac_core::{Error, ErrorCode};

const MIB: u64 = 1024 * 1024;

/// How much evidence a report may carry. The caller enforces these (with [`EvidenceLimits::check_size`] and
/// [`EvidenceLimits::check_count`], or through [`prepare`] for the size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceLimits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// The most files one report may carry.
    pub max_files: usize,
}

impl Default for EvidenceLimits {
    /// 10 MiB per file, 20 files per report.
    fn default() -> Self {
        EvidenceLimits { max_file_bytes: 10 * MIB, max_files: 20 }
    }
}

impl EvidenceLimits {
    /// Refuses a file of `len` bytes when it is over the limit, with [`ErrorCode::FileTooLarge`].
    pub fn check_size(&self, len: u64) -> Result<(), Error> {
        if len > self.max_file_bytes {
            return Err(Error::new(
                ErrorCode::FileTooLarge,
                format!(
                    "the file is {}, over the limit of {} per file",
                    megabytes(len),
                    megabytes(self.max_file_bytes)
                ),
            ));
        }
        Ok(())
    }

    /// Refuses `count` files when there are more than a report may carry, with [`ErrorCode::TooManyFiles`].
    pub fn check_count(&self, count: usize) -> Result<(), Error> {
        if count > self.max_files {
            return Err(Error::new(
                ErrorCode::TooManyFiles,
                format!("{count} files attached; a report may carry at most {}", self.max_files),
            ));
        }
        Ok(())
    }
}

/// A size for people: "10 MB" for a whole number of MiB, "512 KB" for a whole number of KiB, otherwise one
/// decimal rounded up, so that a file just over a limit never reads as equal to it ("10.1 MB").
fn megabytes(bytes: u64) -> String {
    let (unit, name) = if bytes >= MIB { (MIB, "MB") } else { (1024, "KB") };
    if bytes.is_multiple_of(unit) {
        format!("{} {name}", bytes / unit)
    } else {
        let tenths = (u128::from(bytes) * 10).div_ceil(u128::from(unit));
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}

/// An uploaded file made ready to store: its type, its bytes with location metadata removed, and the
/// SHA-256 of those bytes (the name it gets in the [`EvidenceStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedEvidence {
    pub media: MediaType,
    pub bytes: Vec<u8>,
    pub sha256_hex: String,
}

impl PreparedEvidence {
    /// The size of the prepared bytes.
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// Checks the size, reads the type from the content, and removes location metadata from images.
///
/// Errors: [`ErrorCode::FileTooLarge`] over `limits.max_file_bytes`, [`ErrorCode::InvalidFile`] for an
/// empty file or a corrupt image, [`ErrorCode::UnsupportedFileType`] for any other type. The caller names
/// the field (`.with_field("files[2]")`).
pub fn prepare(bytes: &[u8], limits: &EvidenceLimits) -> Result<PreparedEvidence, Error> {
    limits.check_size(bytes.len() as u64)?;
    let media = sniff(bytes)?;
    let bytes = strip_location_metadata(media, bytes)?;
    let sha256_hex = sha256_hex(&bytes);
    Ok(PreparedEvidence { media, bytes, sha256_hex })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits() {
        let limits = EvidenceLimits::default();
        assert_eq!(limits.max_file_bytes, 10 * 1024 * 1024);
        assert_eq!(limits.max_files, 20);
    }

    #[test]
    fn size_messages_name_the_limit() {
        let limits = EvidenceLimits::default();
        assert!(limits.check_size(10 * MIB).is_ok());
        let err = limits.check_size(10 * MIB + 1).unwrap_err();
        assert_eq!(err.code, ErrorCode::FileTooLarge);
        assert_eq!(err.message, "the file is 10.1 MB, over the limit of 10 MB per file");
        let err = EvidenceLimits { max_file_bytes: 512 * 1024, max_files: 1 }.check_size(3 * MIB).unwrap_err();
        assert_eq!(err.message, "the file is 3 MB, over the limit of 512 KB per file");
        assert_eq!(megabytes(1536), "1.5 KB");
        assert_eq!(megabytes(MIB + MIB / 2), "1.5 MB");
    }

    #[test]
    fn count_limit() {
        let limits = EvidenceLimits::default();
        assert!(limits.check_count(20).is_ok());
        let err = limits.check_count(21).unwrap_err();
        assert_eq!(err.code, ErrorCode::TooManyFiles);
        assert_eq!(err.message, "21 files attached; a report may carry at most 20");
    }
}
