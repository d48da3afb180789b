//! Canonical identifiers for every kind of contact a scammer uses.
//!
//! Each kind has a type with a strict `parse` (for a field that should hold that kind), a canonical
//! string form (an API value: never change one), a display form for people, and kind-specific
//! details. `parse(display(x)) == x` and `parse(canonical(x)) == x` hold for every kind.
//! `detect` guesses the kind of one typed value; `extract` finds every identifier in free text.

mod bank;
mod crypto;
mod detect;
mod domain;
mod email;
mod ewallet;
mod extract;
#[doc(hidden)]
pub mod invariants;
mod ip;
mod phone;
mod social;
mod url;
mod vietqr;

pub use bank::{Bank, BankAccount, CardNumber, bank_by_bin, bank_by_name, banks};
pub use crypto::{Chain, CryptoAddress};
pub use detect::detect;
pub use domain::Domain;
pub use email::Email;
pub use ewallet::{Ewallet, EwalletProvider};
pub use extract::{Found, extract};
pub use ip::IpAddress;
pub use phone::{PhoneNumber, PhoneType};
pub use social::{SocialAccount, SocialPlatform};
pub use url::Url;
pub use vietqr::{VietQr, encode_napas};

use crate::error::{Error, ErrorCode, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// Longest value a strict parser accepts; longer input is refused before any work.
pub const MAX_VALUE_CHARS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Phone,
    BankAccount,
    Card,
    Ewallet,
    Url,
    Domain,
    Email,
    Ip,
    Social,
    Crypto,
    Vietqr,
}

impl IdentifierKind {
    pub const ALL: &'static [IdentifierKind] = &[
        IdentifierKind::Phone,
        IdentifierKind::BankAccount,
        IdentifierKind::Card,
        IdentifierKind::Ewallet,
        IdentifierKind::Url,
        IdentifierKind::Domain,
        IdentifierKind::Email,
        IdentifierKind::Ip,
        IdentifierKind::Social,
        IdentifierKind::Crypto,
        IdentifierKind::Vietqr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::BankAccount => "bank_account",
            IdentifierKind::Card => "card",
            IdentifierKind::Ewallet => "ewallet",
            IdentifierKind::Url => "url",
            IdentifierKind::Domain => "domain",
            IdentifierKind::Email => "email",
            IdentifierKind::Ip => "ip",
            IdentifierKind::Social => "social",
            IdentifierKind::Crypto => "crypto",
            IdentifierKind::Vietqr => "vietqr",
        }
    }

    /// Strict parse of `input` as this kind.
    pub fn parse(self, input: &str) -> Result<Identifier> {
        let input = guard_length(input)?;
        Ok(match self {
            IdentifierKind::Phone => Identifier::Phone(PhoneNumber::parse(input)?),
            IdentifierKind::BankAccount => Identifier::BankAccount(BankAccount::parse(input)?),
            IdentifierKind::Card => Identifier::Card(CardNumber::parse(input)?),
            IdentifierKind::Ewallet => Identifier::Ewallet(Ewallet::parse(input)?),
            IdentifierKind::Url => Identifier::Url(Url::parse(input)?),
            IdentifierKind::Domain => Identifier::Domain(Domain::parse(input)?),
            IdentifierKind::Email => Identifier::Email(Email::parse(input)?),
            IdentifierKind::Ip => Identifier::Ip(IpAddress::parse(input)?),
            IdentifierKind::Social => Identifier::Social(SocialAccount::parse(input)?),
            IdentifierKind::Crypto => Identifier::Crypto(CryptoAddress::parse(input)?),
            IdentifierKind::Vietqr => Identifier::Vietqr(Box::new(VietQr::parse(input)?)),
        })
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdentifierKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match wanted.as_str() {
            "bank" | "account" => "bank_account",
            "wallet" => "ewallet",
            "link" => "url",
            "qr" => "vietqr",
            other => other,
        };
        IdentifierKind::ALL.iter().copied().find(|k| k.as_str() == alias).ok_or_else(|| {
            let names: Vec<_> = IdentifierKind::ALL.iter().map(|k| k.as_str()).collect();
            Error::new(
                ErrorCode::UnknownKind,
                format!("unknown identifier kind `{s}`; expected one of {}", names.join(", ")),
            )
            .with_field("kind")
        })
    }
}

/// Refuses empty and over-long input before a parser sees it.
pub(crate) fn guard_length(input: &str) -> Result<&str> {
    if input.trim().is_empty() {
        return Err(Error::new(ErrorCode::EmptyInput, "the value is empty"));
    }
    // Counting characters is needed only when there are more bytes than the limit allows characters.
    if input.len() > MAX_VALUE_CHARS * 4 || (input.len() > MAX_VALUE_CHARS && input.chars().count() > MAX_VALUE_CHARS) {
        return Err(Error::new(
            ErrorCode::InputTooLong,
            format!("the value is longer than {MAX_VALUE_CHARS} characters"),
        ));
    }
    Ok(input)
}

/// Any canonical identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    Phone(PhoneNumber),
    BankAccount(BankAccount),
    Card(CardNumber),
    Ewallet(Ewallet),
    Url(Url),
    Domain(Domain),
    Email(Email),
    Ip(IpAddress),
    Social(SocialAccount),
    Crypto(CryptoAddress),
    /// Boxed: a decoded payload is much larger than the other kinds.
    Vietqr(Box<VietQr>),
}

impl Identifier {
    pub fn kind(&self) -> IdentifierKind {
        match self {
            Identifier::Phone(_) => IdentifierKind::Phone,
            Identifier::BankAccount(_) => IdentifierKind::BankAccount,
            Identifier::Card(_) => IdentifierKind::Card,
            Identifier::Ewallet(_) => IdentifierKind::Ewallet,
            Identifier::Url(_) => IdentifierKind::Url,
            Identifier::Domain(_) => IdentifierKind::Domain,
            Identifier::Email(_) => IdentifierKind::Email,
            Identifier::Ip(_) => IdentifierKind::Ip,
            Identifier::Social(_) => IdentifierKind::Social,
            Identifier::Crypto(_) => IdentifierKind::Crypto,
            Identifier::Vietqr(_) => IdentifierKind::Vietqr,
        }
    }

    /// The canonical string form: the key everything after intake works on.
    pub fn canonical(&self) -> String {
        self.canonical_str().to_string()
    }

    /// [`Identifier::canonical`] without a copy.
    pub fn canonical_str(&self) -> &str {
        match self {
            Identifier::Phone(x) => x.canonical(),
            Identifier::BankAccount(x) => x.canonical(),
            Identifier::Card(x) => x.canonical(),
            Identifier::Ewallet(x) => x.canonical(),
            Identifier::Url(x) => x.canonical(),
            Identifier::Domain(x) => x.canonical(),
            Identifier::Email(x) => x.canonical(),
            Identifier::Ip(x) => x.canonical(),
            Identifier::Social(x) => x.canonical(),
            Identifier::Crypto(x) => x.canonical(),
            Identifier::Vietqr(x) => x.canonical(),
        }
    }

    /// The form shown to people (Vietnamese style for Vietnamese numbers).
    pub fn display(&self) -> String {
        match self {
            Identifier::Phone(x) => x.display(),
            Identifier::BankAccount(x) => x.display(),
            Identifier::Card(x) => x.display(),
            Identifier::Ewallet(x) => x.display(),
            Identifier::Url(x) => x.display(),
            Identifier::Domain(x) => x.display(),
            Identifier::Email(x) => x.display(),
            Identifier::Ip(x) => x.display(),
            Identifier::Social(x) => x.display(),
            Identifier::Crypto(x) => x.display(),
            Identifier::Vietqr(x) => x.display(),
        }
    }

    /// `{kind, canonical, display, ...kind-specific fields}`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("kind".into(), Value::from(self.kind().as_str()));
        map.insert("canonical".into(), Value::from(self.canonical()));
        map.insert("display".into(), Value::from(self.display()));
        match self {
            Identifier::Phone(x) => x.details(&mut map),
            Identifier::BankAccount(x) => x.details(&mut map),
            Identifier::Card(x) => x.details(&mut map),
            Identifier::Ewallet(x) => x.details(&mut map),
            Identifier::Url(x) => x.details(&mut map),
            Identifier::Domain(x) => x.details(&mut map),
            Identifier::Email(x) => x.details(&mut map),
            Identifier::Ip(x) => x.details(&mut map),
            Identifier::Social(x) => x.details(&mut map),
            Identifier::Crypto(x) => x.details(&mut map),
            Identifier::Vietqr(x) => x.details(&mut map),
        }
        map
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for Identifier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}
