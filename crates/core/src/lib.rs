//! canhgiac's pure domain: canonical identifiers for every kind of scam contact, and the one error taxonomy.
//!
//! Invariant: nothing in this crate does I/O (no files, network, clock or randomness). Reference data
//! (bank list, phone prefixes) is compiled in with `include_str!`.

pub mod error;
pub mod identifier;
pub mod text;

pub use error::{Error, ErrorCategory, ErrorCode};
pub use identifier::{Found, Identifier, IdentifierKind, detect, extract};
