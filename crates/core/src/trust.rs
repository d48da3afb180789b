//! The trust directory: verified official contacts (domains, hotlines, short codes, accounts) of banks, e-wallets,
//! carriers, delivery companies and public services, and the brands they protect from look-alike domains.
//!
//! The seed, `data/trust_directory.tsv`, is written by the project from public facts, one contact a row with the
//! public page where the fact is published; admins edit it. Every value is parsed with the core parsers, so a
//! contact is looked up by the same canonical form every other part of the system uses (`+841900545413`,
//! `short:5656`, `vietcombank.com.vn`). A domain contact makes its whole registrable domain official.
//!
//! Pure: the seed is compiled in; [`TrustDirectory::parse`] reads an edited copy given as text.

use crate::error::{Error, ErrorCode, Result};
use crate::identifier::{Domain, Email, Identifier, PhoneNumber, SocialAccount};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The compiled-in seed file, as written.
pub const SEED: &str = include_str!("../data/trust_directory.tsv");
const COLUMNS: [&str; 6] = ["organisation", "organisation_kind", "brand_keys", "contact_kind", "value", "source"];

/// What kind of organisation owns an official contact. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustedOrganisationKind {
    Bank,
    /// Consumer finance, securities and insurance companies (often a bank's subsidiary, named after it).
    Finance,
    Ewallet,
    Telecom,
    Government,
    Police,
    PublicService,
    Delivery,
    Platform,
}

impl TrustedOrganisationKind {
    pub const ALL: &'static [TrustedOrganisationKind] = &[
        TrustedOrganisationKind::Bank,
        TrustedOrganisationKind::Finance,
        TrustedOrganisationKind::Ewallet,
        TrustedOrganisationKind::Telecom,
        TrustedOrganisationKind::Government,
        TrustedOrganisationKind::Police,
        TrustedOrganisationKind::PublicService,
        TrustedOrganisationKind::Delivery,
        TrustedOrganisationKind::Platform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrustedOrganisationKind::Bank => "bank",
            TrustedOrganisationKind::Finance => "finance",
            TrustedOrganisationKind::Ewallet => "ewallet",
            TrustedOrganisationKind::Telecom => "telecom",
            TrustedOrganisationKind::Government => "government",
            TrustedOrganisationKind::Police => "police",
            TrustedOrganisationKind::PublicService => "public_service",
            TrustedOrganisationKind::Delivery => "delivery",
            TrustedOrganisationKind::Platform => "platform",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == value)
    }
}

/// How a contact was written in the directory. Stable values (the TSV's `contact_kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Domain,
    Phone,
    ShortCode,
    Social,
    Email,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Domain => "domain",
            ContactKind::Phone => "phone",
            ContactKind::ShortCode => "short_code",
            ContactKind::Social => "social",
            ContactKind::Email => "email",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        Some(match value.trim().to_ascii_lowercase().replace(['_', '-'], " ").as_str() {
            "domain" => ContactKind::Domain,
            "phone" => ContactKind::Phone,
            "short code" | "shortcode" => ContactKind::ShortCode,
            "social" => ContactKind::Social,
            "email" | "e mail" => ContactKind::Email,
            _ => return None,
        })
    }
}

/// One verified official contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedContact {
    pub organisation: String,
    pub organisation_kind: TrustedOrganisationKind,
    /// The organisation's brand keys (the union over its rows), e.g. `vietcombank`, `vcb`.
    pub brand_keys: Vec<BrandKey>,
    pub contact_kind: ContactKind,
    /// The value parsed by the core parsers.
    pub identifier: Identifier,
    /// `identifier.canonical()`, the lookup key.
    pub canonical: String,
    /// The value as the directory wrote it.
    pub value: String,
    /// An https URL of the public page where the fact is published.
    pub source: String,
}

/// A name or abbreviation that scam domains imitate: lowercase ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct BrandKey {
    pub key: String,
    /// A common word (written `~key` in the directory): it names the brand only with other evidence.
    pub common_word: bool,
    /// The key's confusable skeleton, computed once.
    #[serde(skip)]
    skeleton: String,
}

impl BrandKey {
    /// A key as the directory writes it: `vietcombank`, or `~vietcom` for a common word.
    pub fn parse(written: &str) -> Result<Self> {
        let written = written.trim();
        let (key, common_word) = match written.strip_prefix('~') {
            Some(key) => (key, true),
            None => (written, false),
        };
        if key.len() < 2 || key.len() > 63 || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                format!(
                    "brand key `{written}`: keys are 2 to 63 lowercase ASCII letters or digits (`~` marks a common word)"
                ),
            ));
        }
        Ok(BrandKey { key: key.to_string(), common_word, skeleton: crate::lookalike::skeleton_of(key) })
    }

    /// The UTS 39 confusable skeleton of the key (`vietcombank` → `vietcornbank`), for look-alike matching.
    pub(crate) fn skeleton(&self) -> &str {
        &self.skeleton
    }
}

/// A brand that look-alike domains imitate: an organisation of the directory with its keys and official domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedBrand {
    pub name: String,
    pub organisation_kind: TrustedOrganisationKind,
    pub keys: Vec<BrandKey>,
    /// Registrable domains (or, for a name under a restricted suffix such as `gov.vn`, the name itself) that the
    /// organisation owns: they and their subdomains are official. The first is the one shown to users.
    pub official_domains: Vec<String>,
}

impl ProtectedBrand {
    /// A brand built by hand (tests, callers with their own list). Keys as the directory writes them.
    pub fn new(
        name: &str,
        organisation_kind: TrustedOrganisationKind,
        keys: &[&str],
        official_domains: &[&str],
    ) -> Result<Self> {
        let keys = keys.iter().map(|key| BrandKey::parse(key)).collect::<Result<Vec<_>>>()?;
        let official_domains = official_domains
            .iter()
            .map(|domain| Domain::parse(domain).map(|domain| official_part(&domain)))
            .collect::<Result<Vec<_>>>()?;
        Ok(ProtectedBrand { name: name.to_string(), organisation_kind, keys, official_domains })
    }

    /// Whether a canonical host is one of the brand's official domains or under one.
    pub fn is_official_host(&self, host: &str) -> bool {
        self.official_domains.iter().any(|official| is_same_or_subdomain(host, official))
    }

    /// The official domain shown to users ("looks like vietcombank.com.vn").
    pub fn main_domain(&self) -> Option<&str> {
        self.official_domains.first().map(String::as_str)
    }
}

/// `host` is `parent` or a subdomain of it (both canonical).
pub(crate) fn is_same_or_subdomain(host: &str, parent: &str) -> bool {
    host == parent
        || (host.len() > parent.len()
            && host.ends_with(parent)
            && host.as_bytes()[host.len() - parent.len() - 1] == b'.')
}

/// What a domain contact makes official: its registrable domain, or the name itself when it has none.
fn official_part(domain: &Domain) -> String {
    domain.registrable_domain().unwrap_or(domain.canonical()).to_string()
}

/// The parsed directory.
#[derive(Debug, Clone)]
pub struct TrustDirectory {
    contacts: Vec<TrustedContact>,
    by_canonical: HashMap<String, usize, foldhash::fast::RandomState>,
    brands: Vec<ProtectedBrand>,
    /// Each domain contact's official part (its registrable domain) and the position of the first contact with
    /// it, made once: a host is official when the part is the host or one of its parents.
    official_parts: HashMap<String, usize, foldhash::fast::RandomState>,
    /// The brands' keys as the look-alike detector needs them, gathered on first use.
    lookalike_keys: std::sync::OnceLock<crate::lookalike::Keys>,
    /// The look-alike judgements of hosts judged lately: hosts repeat (a campaign's link in thousands of SMS, the
    /// sites a browser visits) and a judgement is a pure function of the host and this directory.
    lookalike_memo: crate::lookalike::JudgementMemo,
}

/// The compiled-in seed directory.
pub fn trust_directory() -> &'static TrustDirectory {
    static DIRECTORY: LazyLock<TrustDirectory> =
        LazyLock::new(|| TrustDirectory::parse(SEED).expect("the compiled-in trust directory is valid"));
    &DIRECTORY
}

impl TrustDirectory {
    /// Parses a directory in the seed's format: `#` comments and blank lines ignored, a header row naming the six
    /// columns, then one tab-separated contact a row. Every row must parse; two rows with the same canonical value
    /// are refused.
    pub fn parse(text: &str) -> Result<Self> {
        let mut lines = text.lines().enumerate().filter(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#')
        });
        let Some((_, header)) = lines.next() else {
            return Err(csv_error("the trust directory is empty: a header row is expected"));
        };
        let header: Vec<&str> = header.split('\t').map(str::trim).collect();
        if header != COLUMNS {
            return Err(csv_error(format!(
                "the header row must be `{}` (tab-separated); found `{}`",
                COLUMNS.join(" | "),
                header.join(" | ")
            )));
        }
        let mut contacts: Vec<TrustedContact> = Vec::new();
        // A fast hash: the directory's own canonical forms, asked for every link and contact checked.
        let mut by_canonical = HashMap::default();
        for (index, line) in lines {
            let contact = parse_row(line).map_err(|error| {
                csv_error(format!("line {}: {}", index + 1, error.message)).with_field(format!("line {}", index + 1))
            })?;
            if let Some(&previous) = by_canonical.get(&contact.canonical) {
                let previous: &TrustedContact = &contacts[previous];
                return Err(csv_error(format!(
                    "line {}: `{}` is already listed for {}",
                    index + 1,
                    contact.canonical,
                    previous.organisation
                )));
            }
            by_canonical.insert(contact.canonical.clone(), contacts.len());
            contacts.push(contact);
        }
        let brands = build_brands(&mut contacts)?;
        let mut official_parts = HashMap::default();
        for (position, contact) in contacts.iter().enumerate() {
            if let Identifier::Domain(domain) = &contact.identifier {
                official_parts.entry(official_part(domain)).or_insert(position);
            }
        }
        Ok(TrustDirectory {
            contacts,
            by_canonical,
            brands,
            official_parts,
            lookalike_keys: std::sync::OnceLock::new(),
            lookalike_memo: crate::lookalike::JudgementMemo::default(),
        })
    }

    /// Every contact, in the directory's order.
    pub fn contacts(&self) -> &[TrustedContact] {
        &self.contacts
    }

    /// The official contact with this canonical identifier (as [`Identifier::canonical`] writes it).
    pub fn official(&self, canonical: &str) -> Option<&TrustedContact> {
        self.by_canonical.get(canonical).map(|&index| &self.contacts[index])
    }

    /// The official domain contact that owns a host: the host itself, or a subdomain of an official
    /// registrable domain (`portal.vietcombank.com.vn` → Vietcombank's `vietcombank.com.vn`).
    pub fn official_domain(&self, host: &str) -> Option<&TrustedContact> {
        if let Some(contact) = self.official(host) {
            return Some(contact);
        }
        // The host and each of its parents (`a.b.vn`, `b.vn`, `vn`), looked up; when two official parts own the
        // host, the one listed first wins.
        let parents = std::iter::successors(Some(host), |name| name.split_once('.').map(|(_, parent)| parent));
        parents.filter_map(|name| self.official_parts.get(name)).min().map(|&position| &self.contacts[position])
    }

    pub(crate) fn lookalike_keys(&self) -> &crate::lookalike::Keys {
        self.lookalike_keys.get_or_init(|| crate::lookalike::keys_of(&self.brands))
    }

    pub(crate) fn lookalike_memo(&self) -> &crate::lookalike::JudgementMemo {
        &self.lookalike_memo
    }

    /// One brand per organisation, in the directory's order.
    pub fn protected_brands(&self) -> &[ProtectedBrand] {
        &self.brands
    }

    /// The brand of an organisation, by its name in the directory.
    pub fn brand(&self, name: &str) -> Option<&ProtectedBrand> {
        self.brands.iter().find(|brand| brand.name == name)
    }
}

fn csv_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCsv, message)
}

fn parse_row(line: &str) -> Result<TrustedContact> {
    let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
    if cells.len() != COLUMNS.len() {
        return Err(csv_error(format!("{} tab-separated cells; {} are expected", cells.len(), COLUMNS.len())));
    }
    let [organisation, kind, keys, contact_kind, value, source] =
        [cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]];
    if organisation.is_empty() {
        return Err(csv_error("the organisation is empty"));
    }
    let organisation_kind = TrustedOrganisationKind::parse(kind).ok_or_else(|| {
        let names: Vec<_> = TrustedOrganisationKind::ALL.iter().map(|k| k.as_str()).collect();
        csv_error(format!("unknown organisation_kind `{kind}`; expected one of {}", names.join(", ")))
    })?;
    let brand_keys = keys
        .split('|')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(BrandKey::parse)
        .collect::<Result<Vec<_>>>()?;
    let contact_kind = ContactKind::parse(contact_kind).ok_or_else(|| {
        csv_error(format!("unknown contact_kind `{contact_kind}`; expected domain, phone, short code, social or email"))
    })?;
    let identifier = match contact_kind {
        ContactKind::Domain => Identifier::Domain(Domain::parse(value)?),
        ContactKind::Phone | ContactKind::ShortCode => {
            let phone = PhoneNumber::parse(value)?;
            let is_short = phone.canonical().starts_with("short:");
            if is_short != (contact_kind == ContactKind::ShortCode) {
                return Err(csv_error(format!(
                    "`{value}` parses as `{}`, which is not a {}",
                    phone.canonical(),
                    contact_kind.as_str().replace('_', " ")
                )));
            }
            Identifier::Phone(phone)
        }
        ContactKind::Social => Identifier::Social(SocialAccount::parse(value)?),
        ContactKind::Email => Identifier::Email(Email::parse(value)?),
    };
    check_source(source)?;
    let canonical = identifier.canonical();
    Ok(TrustedContact {
        organisation: organisation.to_string(),
        organisation_kind,
        brand_keys,
        contact_kind,
        identifier,
        canonical,
        value: value.to_string(),
        source: source.to_string(),
    })
}

/// A source is an https URL with a host name.
fn check_source(source: &str) -> Result<()> {
    let Some(rest) = source.strip_prefix("https://") else {
        return Err(csv_error(format!("source `{source}` is not an https URL")));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    Domain::parse(host).map_err(|_| csv_error(format!("source `{source}` has no valid host name")))?;
    Ok(())
}

/// One brand per organisation: keys and official domains gathered over its rows. Every row of an organisation
/// gets the organisation's whole key set and one kind.
fn build_brands(contacts: &mut [TrustedContact]) -> Result<Vec<ProtectedBrand>> {
    let mut brands: Vec<ProtectedBrand> = Vec::new();
    for contact in contacts.iter() {
        let index = match brands.iter().position(|brand| brand.name == contact.organisation) {
            Some(index) => index,
            None => {
                brands.push(ProtectedBrand {
                    name: contact.organisation.clone(),
                    organisation_kind: contact.organisation_kind,
                    keys: Vec::new(),
                    official_domains: Vec::new(),
                });
                brands.len() - 1
            }
        };
        let brand = &mut brands[index];
        if brand.organisation_kind != contact.organisation_kind {
            return Err(csv_error(format!(
                "{} is listed both as {} and as {}",
                brand.name,
                brand.organisation_kind.as_str(),
                contact.organisation_kind.as_str()
            )));
        }
        for key in &contact.brand_keys {
            if !brand.keys.iter().any(|known| known.key == key.key) {
                brand.keys.push(key.clone());
            }
        }
        if let Identifier::Domain(domain) = &contact.identifier {
            let official = official_part(domain);
            if !brand.official_domains.contains(&official) {
                brand.official_domains.push(official);
            }
        }
    }
    for contact in contacts.iter_mut() {
        if let Some(brand) = brands.iter().find(|brand| brand.name == contact.organisation) {
            contact.brand_keys = brand.keys.clone();
        }
    }
    Ok(brands)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "organisation\torganisation_kind\tbrand_keys\tcontact_kind\tvalue\tsource\n";

    #[test]
    fn seed_parses_and_looks_up() {
        let directory = trust_directory();
        assert!(directory.contacts().len() > 50);
        let hotline = directory.official(PhoneNumber::parse("1900 54 54 13").unwrap().canonical());
        assert_eq!(hotline.map(|c| c.organisation.as_str()), Some("Vietcombank"));
        assert_eq!(directory.official("vietcombank.com.vn").unwrap().contact_kind, ContactKind::Domain);
        assert_eq!(directory.official("short:5656").unwrap().organisation, "Cục An toàn thông tin");
        assert_eq!(directory.official_domain("portal.vietcombank.com.vn").unwrap().organisation, "Vietcombank");
        assert!(directory.official_domain("vietcombank.com.vn.evil.xyz").is_none());
        assert!(directory.official_domain("xvietcombank.com.vn").is_none());
        let vcb = directory.brand("Vietcombank").unwrap();
        assert_eq!(vcb.main_domain(), Some("vietcombank.com.vn"));
        assert!(vcb.keys.iter().any(|k| k.key == "vcb" && !k.common_word));
        assert!(vcb.keys.iter().any(|k| k.key == "vietcom" && k.common_word));
        // A subdomain contact makes its registrable domain official.
        let ncsc = directory.official("canhbao.khonggianmang.vn").unwrap();
        assert!(directory.brand(&ncsc.organisation).unwrap().is_official_host("khonggianmang.vn"));
    }

    #[test]
    fn refuses_bad_rows() {
        let bad = [
            ("x\tbank\txx\tdomain\tnot a domain\thttps://x.vn/\n", "domain"),
            ("x\tbank\txx\tdomain\tx.vn\thttp://x.vn/\n", "https"),
            ("x\tbanks\txx\tdomain\tx.vn\thttps://x.vn/\n", "organisation_kind"),
            ("x\tbank\tX\tdomain\tx.vn\thttps://x.vn/\n", "brand key"),
            ("x\tbank\txx\tfax\tx.vn\thttps://x.vn/\n", "contact_kind"),
            ("x\tbank\txx\tdomain\tx.vn\n", "cells"),
            ("x\tbank\txx\tshort code\t1900 545 413\thttps://x.vn/\n", "short code"),
            ("x\tbank\txx\tdomain\tx.vn\thttps://x.vn/\ny\tbank\tyy\tdomain\tX.VN\thttps://y.vn/\n", "already listed"),
            ("x\tbank\txx\tdomain\tx.vn\thttps://x.vn/\nx\tewallet\txx\tdomain\ty.vn\thttps://y.vn/\n", "listed both"),
        ];
        for (rows, expected) in bad {
            let error = TrustDirectory::parse(&format!("{HEADER}{rows}")).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidCsv, "{rows:?}");
            assert!(error.message.contains(expected), "{rows:?}: {}", error.message);
        }
        assert!(TrustDirectory::parse("# only a comment\n").is_err());
        assert!(TrustDirectory::parse("a\tb\n").unwrap_err().message.contains("header"));
    }

    #[test]
    fn brands_gather_rows() {
        let text = format!(
            "{HEADER}A\tbank\taa|aaa\tdomain\twww.a.com.vn\thttps://a.com.vn/\nA\tbank\t~ab\tdomain\ta.vn\thttps://a.vn/\n\
             A\tbank\t\tphone\t1800 1234\thttps://a.vn/\nB\tgovernment\t\tdomain\tb.gov.vn\thttps://b.gov.vn/\n"
        );
        let directory = TrustDirectory::parse(&text).unwrap();
        let a = directory.brand("A").unwrap();
        assert_eq!(a.official_domains, ["a.com.vn", "a.vn"]);
        assert_eq!(a.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(), ["aa", "aaa", "ab"]);
        assert_eq!(directory.contacts()[2].brand_keys.len(), 3);
        assert_eq!(directory.brand("B").unwrap().official_domains, ["b.gov.vn"]);
    }
}
