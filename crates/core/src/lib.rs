//! canhgiac's pure domain: canonical identifiers for every kind of scam contact, and the one error taxonomy.
//!
//! Invariant: nothing in this crate does I/O (no files, network, clock or randomness). Reference data
//! (bank list, phone prefixes) is compiled in with `include_str!`.

pub mod access;
pub mod error;
pub mod feed;
pub mod identifier;
pub mod lookalike;
pub mod place;
pub mod report;
pub mod scam_type;
pub mod sms_report;
pub mod text;
pub mod trust;
pub mod verdict;

pub use error::{Error, ErrorCategory, ErrorCode};
pub use identifier::{Found, Identifier, IdentifierKind, detect, extract};
pub use place::{Province, ProvinceKind, ProvinceMatch, province_by_code, provinces, resolve_province};
pub use scam_type::ScamType;
pub use sms_report::{ReportedSender, SmsReport, SmsReportKind, parse_5656};
