//! E-mail addresses: `local@domain` in lowercase, the local part an RFC 5322 dot-atom and the
//! domain a [`Domain`] (known public suffix, IDN in punycode).

use super::domain::{DOT_TOKENS, Domain, refang_str};
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

/// Longest local part (RFC 5321).
const MAX_LOCAL_BYTES: usize = 64;
/// Longest address that fits a SMTP path (RFC 5321 with its errata).
const MAX_ADDRESS_BYTES: usize = 254;

/// Defanged `@` and dots: `[at]`, `(at)`, `{at}`, `[@]`, `(@)`, `{@}`, `[.]`, `[dot]`, ...
const EMAIL_TOKENS: &[(&[u8], u8)] = &[(b"at", b'@'), (b"@", b'@'), DOT_TOKENS[0], DOT_TOKENS[1]];

/// Free webmail domains: anyone can open a mailbox there, so the address says nothing about
/// the organisation it claims to be. Sorted for binary search.
const FREE_PROVIDERS: &[&str] = &[
    "163.com",
    "aol.com",
    "gmail.com",
    "gmx.com",
    "gmx.net",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "outlook.com",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rocketmail.com",
    "tutanota.com",
    "yahoo.com",
    "yahoo.com.vn",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
];

/// An e-mail address, e.g. `hotro@vietcombank.com.vn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email {
    canonical: String,
    domain: Domain,
}

impl Email {
    /// Strict parser for a field that should hold an e-mail address. Accepts a `mailto:` prefix
    /// (its `?subject=...` is dropped) and defanged forms (`an[at]gmail[.]com`, `an (at) gmail.com`).
    /// A spelled-out ` at ` is refused: in running text it is too often just the word.
    pub fn parse(input: &str) -> Result<Self> {
        let input = super::guard_length(input)?;
        let invalid = |message: String| Error::new(ErrorCode::InvalidEmail, message);
        let cleaned = crate::text::clean_cow(input);
        let mut text = &*cleaned;
        if text.len() >= 7 && text.is_char_boundary(7) && text[..7].eq_ignore_ascii_case("mailto:") {
            text = &text[7..];
            text = text.split('?').next().unwrap_or(text).trim();
        }
        let refanged = refang_str(text, EMAIL_TOKENS);
        let text = refanged.as_deref().unwrap_or(text);
        let shown = crate::text::shorten_for_message(text);

        if text.contains(char::is_whitespace) {
            let message = if text.to_ascii_lowercase().split_whitespace().any(|word| word == "at") {
                format!("`{shown}` spells out `at`; write the address with `@` (or `[at]`)")
            } else {
                format!("`{shown}` contains a space; an e-mail address has none")
            };
            return Err(invalid(message));
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(invalid(format!("`{shown}` has no `@`")));
        };
        if local.contains('@') {
            return Err(invalid(format!("`{shown}` has more than one `@`")));
        }
        check_local_part(local).map_err(|problem| invalid(format!("`{shown}`: {problem}")))?;
        if domain.starts_with('[') {
            return Err(invalid(format!("`{shown}`: addresses at a bare IP address (`@[...]`) are not accepted")));
        }
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        let domain = Domain::from_host(domain)
            .map_err(|problem| invalid(format!("the domain of `{shown}` is not valid: {problem}")))?;

        let mut canonical = String::with_capacity(local.len() + 1 + domain.canonical().len());
        canonical.push_str(&local.to_ascii_lowercase());
        canonical.push('@');
        canonical.push_str(domain.canonical());
        if canonical.len() > MAX_ADDRESS_BYTES {
            return Err(invalid(format!(
                "the address is {} bytes long; at most {MAX_ADDRESS_BYTES} are allowed",
                canonical.len()
            )));
        }
        Ok(Email { canonical, domain })
    }

    /// `local@domain`, all lowercase, the domain in punycode when it is an IDN.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn display(&self) -> String {
        self.canonical.clone()
    }

    /// The lowercase part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.canonical[..self.canonical.len() - self.domain.canonical().len() - 1]
    }

    /// The canonical domain after the `@`.
    pub fn domain(&self) -> &str {
        self.domain.canonical()
    }

    pub fn registrable_domain(&self) -> Option<&str> {
        self.domain.registrable_domain()
    }

    /// Whether the address is at a free webmail provider (gmail.com, yahoo.com.vn, ...).
    pub fn is_free_provider(&self) -> bool {
        FREE_PROVIDERS.binary_search(&self.domain.canonical()).is_ok()
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("domain".into(), Value::from(self.domain()));
        map.insert("registrable_domain".into(), self.registrable_domain().map_or(Value::Null, Value::from));
        map.insert("free_provider".into(), Value::from(self.is_free_provider()));
    }
}

/// RFC 5322 dot-atom: atext runs separated by single dots, at most 64 bytes. Quoted local parts
/// and internationalised (RFC 6531) mailboxes are refused.
fn check_local_part(local: &str) -> std::result::Result<(), String> {
    if local.is_empty() {
        return Err("nothing comes before the `@`".into());
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err(format!(
            "the part before `@` is {} bytes long; at most {MAX_LOCAL_BYTES} are allowed",
            local.len()
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before `@` cannot start or end with a dot or have two dots in a row".into());
    }
    for c in local.chars() {
        let allowed = c.is_ascii_alphanumeric() || c == '.' || "!#$%&'*+-/=?^_`{|}~".contains(c);
        if allowed {
            continue;
        }
        return Err(if c == '"' {
            "quoted local parts (`\"...\"@`) are not accepted".into()
        } else if !c.is_ascii() {
            format!(
                "the part before `@` contains `{c}`; only ASCII letters, digits and . ! # $ % & ' * + - / = ? ^ _ ` {{ | }} ~ are accepted"
            )
        } else {
            format!("the part before `@` contains `{}`, which an e-mail address cannot have", c.escape_default())
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        match Email::parse(input) {
            Ok(email) => email.canonical().to_string(),
            Err(error) => panic!("{input:?} was refused: {}", error.message),
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("hotro@vietcombank.com.vn", "hotro@vietcombank.com.vn"),
        ("HoTro@VietcomBank.COM.VN", "hotro@vietcombank.com.vn"),
        ("  an.nguyen+scam@gmail.com ", "an.nguyen+scam@gmail.com"),
        ("mailto:an@gmail.com", "an@gmail.com"),
        ("MAILTO:an@gmail.com?subject=Ho%20tro", "an@gmail.com"),
        ("an[at]gmail[.]com", "an@gmail.com"),
        ("an(at)gmail(dot)com", "an@gmail.com"),
        ("an [at] gmail [dot] com", "an@gmail.com"),
        ("an[@]gmail.com", "an@gmail.com"),
        ("an{AT}gmail.com", "an@gmail.com"),
        ("an@gmail.com.", "an@gmail.com"),
        ("ａｎ＠ｇｍａｉｌ．ｃｏｍ", "an@gmail.com"),
        ("a\u{200B}n@gmail.com", "an@gmail.com"),
        ("lien-he@bücher.de", "lien-he@xn--bcher-kva.de"),
        ("x@y.blogspot.com", "x@y.blogspot.com"),
        ("o'brien_1!#$%&*/=?^`{|}~-@example.com", "o'brien_1!#$%&*/=?^`{|}~-@example.com"),
    ];

    #[test]
    fn canonical_forms() {
        for &(input, expected) in GOOD {
            assert_eq!(canonical(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn round_trips() {
        for &(input, _) in GOOD {
            assert!(Email::parse(input).is_ok(), "{input:?}");
            crate::identifier::invariants::check_parser(crate::IdentifierKind::Email, input);
        }
    }

    #[test]
    fn parts_and_details() {
        let email = Email::parse("Khach.Hang@Mail.Vietcombank.com.vn").unwrap();
        assert_eq!(email.local_part(), "khach.hang");
        assert_eq!(email.domain(), "mail.vietcombank.com.vn");
        assert_eq!(email.registrable_domain(), Some("vietcombank.com.vn"));
        assert!(!email.is_free_provider());
        let mut map = Map::new();
        email.details(&mut map);
        assert_eq!(map["domain"], "mail.vietcombank.com.vn");
        assert_eq!(map["registrable_domain"], "vietcombank.com.vn");
        assert_eq!(map["free_provider"], false);

        for free in [
            "a@gmail.com",
            "a@yahoo.com.vn",
            "a@outlook.com",
            "a@hotmail.com",
            "a@icloud.com",
            "a@proton.me",
            "a@yahoo.com",
        ] {
            assert!(Email::parse(free).unwrap().is_free_provider(), "{free}");
        }
        assert!(FREE_PROVIDERS.windows(2).all(|pair| pair[0] < pair[1]), "FREE_PROVIDERS must stay sorted");
    }

    #[test]
    fn look_alike_domain_stays_distinct() {
        let fake = Email::parse("hotro@vietc\u{043E}mbank.com").unwrap();
        assert!(fake.domain().starts_with("xn--"));
        assert_ne!(fake, Email::parse("hotro@vietcombank.com").unwrap());
    }

    #[test]
    fn refusals() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("{}@{}.{}.{}.com", "a".repeat(64), "b".repeat(63), "c".repeat(63), "d".repeat(60));
        let cases = [
            "an.gmail.com",
            "an at gmail.com",
            "an at gmail dot com",
            "an @ gmail.com",
            "a@b@gmail.com",
            "@gmail.com",
            "an@",
            ".an@gmail.com",
            "an.@gmail.com",
            "a..n@gmail.com",
            "\"an\"@gmail.com",
            "nguyễn@gmail.com",
            "an<b>@gmail.com",
            "an@gmail",
            "an@localhost",
            "an@file.txt",
            "an@1.2.3.4",
            "an@[1.2.3.4]",
            "an@gmail..com",
            "an@-gmail.com",
            long_local.as_str(),
            long_total.as_str(),
        ];
        for input in cases {
            let error = Email::parse(input).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidEmail, "{input}: {}", error.message);
        }
        assert!(Email::parse("an at gmail.com").unwrap_err().message.contains("`at`"));
        assert!(Email::parse("an@gmail").unwrap_err().message.contains("domain"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in
            ["@", "@@", "mailto:", "mailto:?", "mailt", "[at]", "a[at]", "é@é", "a@[", "mailto:é@x.com", "mailtoé"]
        {
            let _ = Email::parse(input);
        }
    }
}
