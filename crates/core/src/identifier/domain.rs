//! Domain names: a host name under a known public suffix, in lowercase ASCII (IDNs as punycode).
//!
//! The registrable domain comes from the Public Suffix List including its private section, so
//! `x.y.blogspot.com` is registered as `y.blogspot.com`: what a scammer actually controls.

use crate::error::{Error, ErrorCode, Result};
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde_json::{Map, Value};

/// Longest host name DNS allows, without the trailing dot.
const MAX_HOST_BYTES: usize = 253;
/// Longest label DNS allows.
const MAX_LABEL_BYTES: usize = 63;

/// Defanged spellings of a dot: `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `{dot}`.
pub(crate) const DOT_TOKENS: &[(&[u8], u8)] = &[(b".", b'.'), (b"dot", b'.')];

/// A domain name, e.g. `vietcombank.com.vn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain {
    canonical: String,
    /// Where the public suffix starts in `canonical`.
    suffix_start: usize,
    /// Where the registrable domain starts in `canonical`; `None` when the name is itself a
    /// public suffix (`com.vn`, `blogspot.com`).
    registrable_start: Option<usize>,
}

impl Domain {
    /// Strict parser for a field that should hold a domain name. Accepts defanged dots
    /// (`evil[.]com`, `evil(dot)com`), one trailing dot, any case and Unicode (IDN) names.
    pub fn parse(input: &str) -> Result<Self> {
        let input = super::guard_length(input)?;
        let cleaned = crate::text::clean_cow(input);
        let refanged = refang_str(&cleaned, DOT_TOKENS);
        let host = refanged.as_deref().unwrap_or(&cleaned);
        let host = host.strip_suffix('.').unwrap_or(host);
        Self::from_host(host).map_err(|message| Error::new(ErrorCode::InvalidDomain, message))
    }

    /// Domain from a host taken out of a link or message: skips the text cleaning and refanging
    /// and tolerates the leading, trailing and repeated dots that browsers ignore, but enforces
    /// every rule of [`Domain::parse`] on what is left.
    pub fn parse_host_lenient(host: &str) -> Result<Self> {
        let collapsed = collapse_dots(host);
        Self::from_host(&collapsed).map_err(|message| Error::new(ErrorCode::InvalidDomain, message))
    }

    /// Validates and canonicalises a host with no trailing dot. The error is a message, so that
    /// callers (e-mail) can wrap it in their own code.
    pub(crate) fn from_host(host: &str) -> std::result::Result<Self, String> {
        if host.is_empty() {
            return Err("the domain name is empty".into());
        }
        check_characters(host)?;
        if ends_in_number(host.as_bytes()) {
            return Err(number_message(host));
        }
        let ascii = if is_plain_ascii_host(host) {
            // What UTS-46 makes of letters, digits and hyphens in non-empty labels without punycode: the
            // same name in lowercase (the `plain_hosts_skip_idna_unchanged` test holds the two side by side).
            host.to_ascii_lowercase()
        } else {
            to_ascii_by_idna(host)?
        };
        check_labels(&ascii)?;
        // A mapping (e.g. `①` → `1`) can turn the last label into a number.
        if ends_in_number(ascii.as_bytes()) {
            return Err(number_message(&ascii));
        }
        let suffix = match psl::suffix(ascii.as_bytes()) {
            Some(suffix) if suffix.is_known() => suffix,
            _ => {
                let last = ascii.rsplit('.').next().unwrap_or(&ascii);
                return Err(format!(
                    "`{}` does not end in a known top-level domain (`.{last}` is not one)",
                    crate::text::shorten_for_message(host)
                ));
            }
        };
        let suffix_start = ascii.len() - suffix.as_bytes().len();
        let registrable_start = psl::domain(ascii.as_bytes()).map(|domain| ascii.len() - domain.as_bytes().len());
        Ok(Domain { canonical: ascii, suffix_start, registrable_start })
    }

    /// Lowercase ASCII host name without a trailing dot; IDNs in punycode (`xn--...`).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The ASCII form, never the Unicode one: a look-alike IDN must stay visibly different.
    pub fn display(&self) -> String {
        self.canonical.clone()
    }

    /// The name its owner registered (`y.blogspot.com` for `x.y.blogspot.com`); `None` when the
    /// name is itself a public suffix.
    pub fn registrable_domain(&self) -> Option<&str> {
        self.registrable_start.map(|start| &self.canonical[start..])
    }

    /// The public suffix (`com.vn`, `blogspot.com`), from the PSL's ICANN and private sections.
    pub fn public_suffix(&self) -> &str {
        &self.canonical[self.suffix_start..]
    }

    /// The Unicode form, for display fields that show it next to the ASCII form.
    pub fn unicode(&self) -> String {
        if !self.is_idn() {
            return self.canonical.clone();
        }
        let (unicode, result) = idna::domain_to_unicode(&self.canonical);
        if result.is_ok() { unicode } else { self.canonical.clone() }
    }

    /// Whether any label is an internationalised (punycode) label.
    pub fn is_idn(&self) -> bool {
        has_punycode_label(&self.canonical)
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("registrable_domain".into(), self.registrable_domain().map_or(Value::Null, Value::from));
        map.insert("public_suffix".into(), Value::from(self.public_suffix()));
        let unicode = self.unicode();
        if unicode != self.canonical {
            map.insert("unicode".into(), Value::from(unicode));
        }
        map.insert("idn".into(), Value::from(self.is_idn()));
    }
}

/// Whether any dot-separated label of an ASCII host starts with the IDNA prefix `xn--`.
pub(crate) fn has_punycode_label(host: &str) -> bool {
    // Most hosts have no `-` at all: no label of them can be punycode.
    host.contains('-') && host.split('.').any(|label| label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--"))
}

/// Gives clear messages for the usual non-domain inputs before IDNA refuses them wholesale.
fn check_characters(host: &str) -> std::result::Result<(), String> {
    for c in host.chars() {
        let problem = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' => continue,
            '*' => "wildcards (`*.example.com`) are patterns, not domain names",
            '/' | '?' | '#' | '\\' => "this looks like a link; give the host name alone or enter it as a URL",
            '@' => "this looks like an e-mail address, not a domain name",
            ':' | '[' | ']' => {
                if host.trim_matches(['[', ']']).parse::<std::net::Ipv6Addr>().is_ok() {
                    "this is an IPv6 address, not a domain name"
                } else {
                    "a domain name has no scheme or port (`:`); give the host name alone"
                }
            }
            c if c.is_whitespace() => "a domain name cannot contain spaces",
            c if c.is_ascii() => {
                return Err(format!(
                    "`{}` contains `{c}`; a domain name has only letters, digits, hyphens and dots",
                    crate::text::shorten_for_message(host)
                ));
            }
            // Non-ASCII letters are for IDNA to judge.
            _ => continue,
        };
        return Err(format!("`{}`: {problem}", crate::text::shorten_for_message(host)));
    }
    Ok(())
}

/// Label rules on the ASCII form: no empty labels, at most 63 bytes each and 253 in all, no
/// hyphen at either end, at least two labels.
fn check_labels(ascii: &str) -> std::result::Result<(), String> {
    if ascii.len() > MAX_HOST_BYTES {
        return Err(format!("the domain name is {} bytes long; at most {MAX_HOST_BYTES} are allowed", ascii.len()));
    }
    let mut labels = 0;
    for label in ascii.split('.') {
        labels += 1;
        if label.is_empty() {
            return Err(format!(
                "`{}` has an empty label (two dots in a row, or a leading dot)",
                crate::text::shorten_for_message(ascii)
            ));
        }
        if label.len() > MAX_LABEL_BYTES {
            return Err(format!(
                "a label of `{}` is {} bytes long; at most {MAX_LABEL_BYTES} are allowed",
                crate::text::shorten_for_message(ascii),
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the label `{label}` starts or ends with a hyphen"));
        }
    }
    if labels < 2 {
        return Err(format!(
            "`{}` is a single word; a domain name has at least two labels, like `example.com`",
            crate::text::shorten_for_message(ascii)
        ));
    }
    Ok(())
}

/// UTS-46 with the STD3 (letters, digits, hyphen) rules; hyphen and length rules are checked by [`check_labels`]
/// so that the message can say which rule failed.
fn to_ascii_by_idna(host: &str) -> std::result::Result<String, String> {
    let ascii = Uts46::new()
        .to_ascii(host.as_bytes(), AsciiDenyList::STD3, Hyphens::Allow, DnsLength::Ignore)
        .map_err(|_| {
            format!(
                "`{}` is not a valid internationalised domain name (IDNA refuses it)",
                crate::text::shorten_for_message(host)
            )
        })?;
    Ok(ascii.into_owned())
}

/// ASCII letters, digits and hyphens in non-empty labels, none of them punycode (`xn--`): a name UTS-46 only
/// lowercases. Every host checked or screened is judged, so this skips IDNA for nearly all of them.
fn is_plain_ascii_host(host: &str) -> bool {
    host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.split('.').any(str::is_empty)
        && !has_punycode_label(host)
}

fn number_message(host: &str) -> String {
    if super::ip::parse_ipv4_loose(host).is_some() {
        format!("`{}` is an IP address, not a domain name", crate::text::shorten_for_message(host))
    } else {
        format!("`{}` ends in a number, so it is not a domain name", crate::text::shorten_for_message(host))
    }
}

/// Whether the last label is a number (decimal, or `0x` hex) as the URL Standard defines it: such
/// a host can only be an IPv4 address, because no top-level domain is numeric.
pub(crate) fn ends_in_number(host: &[u8]) -> bool {
    let host = host.strip_suffix(b".").unwrap_or(host);
    let last = match host.iter().rposition(|&b| b == b'.') {
        Some(dot) => &host[dot + 1..],
        None => host,
    };
    if !last.is_empty() && last.iter().all(u8::is_ascii_digit) {
        return true;
    }
    last.len() >= 2 && last[0] == b'0' && (last[1] | 0x20) == b'x' && last[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Drops leading and trailing dots and collapses runs of dots, as browsers do with hosts.
pub(crate) fn collapse_dots(host: &str) -> String {
    let mut out = String::with_capacity(host.len());
    for part in host.split('.').filter(|part| !part.is_empty()) {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(part);
    }
    out
}

/// Replaces defanged tokens (`[x]`, `(x)` or `{x}` for each inner `x` of `tokens`, ASCII case
/// ignored) by their byte, eating spaces around each token (`evil [.] com`). `None` when there
/// is nothing to replace, so the common case allocates nothing.
pub(crate) fn refang(bytes: &[u8], tokens: &[(&[u8], u8)]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let close = match bytes[i] {
            b'[' => b']',
            b'(' => b')',
            b'{' => b'}',
            _ => {
                i += 1;
                continue;
            }
        };
        let found = tokens.iter().find_map(|&(inner, replacement)| {
            let end = i + 1 + inner.len();
            let matches = bytes.get(end) == Some(&close) && bytes[i + 1..end].eq_ignore_ascii_case(inner);
            matches.then_some((end + 1, replacement))
        });
        let Some((token_end, replacement)) = found else {
            i += 1;
            continue;
        };
        let buffer = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
        buffer.extend_from_slice(&bytes[copied..i]);
        while buffer.last() == Some(&b' ') {
            buffer.pop();
        }
        buffer.push(replacement);
        i = token_end;
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        copied = i;
    }
    let mut buffer = out?;
    buffer.extend_from_slice(&bytes[copied..]);
    Some(buffer)
}

/// [`refang`] for text. Replacing ASCII tokens by ASCII bytes keeps UTF-8 valid.
pub(crate) fn refang_str(text: &str, tokens: &[(&[u8], u8)]) -> Option<String> {
    refang(text.as_bytes(), tokens).and_then(|bytes| String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hosts_skip_idna_unchanged() {
        // Names built from the characters the fast path takes, in every arrangement that matters: case, hyphens
        // at the edges and in the third and fourth places, digits, `xn` without the two hyphens, long labels.
        let pieces = ["a", "Z", "0", "9", "-", "xn", "x-n", "--", "vietcombank", "VCB", "ab--cd", "a1", "a", "rn"];
        let mut checked = 0;
        for first in &pieces {
            for second in &pieces {
                for third in &pieces {
                    for suffix in ["com", "COM.VN", "top", "blogspot.com", "xyz", "vn"] {
                        let label = format!("{first}{second}{third}");
                        let host = format!("{label}.{suffix}");
                        if label.to_ascii_lowercase().starts_with("xn--") {
                            assert!(!is_plain_ascii_host(&host), "{host}");
                            continue;
                        }
                        assert!(is_plain_ascii_host(&host), "{host}");
                        assert_eq!(to_ascii_by_idna(&host), Ok(host.to_ascii_lowercase()), "{host}");
                        checked += 1;
                    }
                }
            }
        }
        let long = format!("{}.com", "a".repeat(70));
        assert_eq!(to_ascii_by_idna(&long), Ok(long.clone()));
        assert!(checked > 10_000);
        for host in ["xn--vietcmbank-5lj.com", "XN--abc.com", "a..com", ".a.com", "a.com.", "ví.vn", "a_b.com"] {
            assert!(!is_plain_ascii_host(host), "{host}");
        }
    }

    fn canonical(input: &str) -> String {
        match Domain::parse(input) {
            Ok(domain) => domain.canonical().to_string(),
            Err(error) => panic!("{input:?} was refused: {}", error.message),
        }
    }

    fn refused(input: &str) -> Error {
        match Domain::parse(input) {
            Ok(domain) => panic!("{input:?} was accepted as {}", domain.canonical()),
            Err(error) => error,
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("Vietcombank.COM.vn.", "vietcombank.com.vn"),
        ("vietcombank.com.vn", "vietcombank.com.vn"),
        ("  example.com ", "example.com"),
        ("exa\u{200B}mple.com", "example.com"),
        ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"),
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil(DOT)com", "evil.com"),
        ("evil [.] com", "evil.com"),
        ("x.y.blogspot.com", "x.y.blogspot.com"),
        ("blogspot.com", "blogspot.com"),
        ("com.vn", "com.vn"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("faß.de", "xn--fa-hia.de"),
        ("tên-miền.vn", "xn--tn-min-iva0322d.vn"),
        ("ví-dụ.com.vn", "xn--v-d-rma6749a.com.vn"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("foo-bar.github.io", "foo-bar.github.io"),
        ("a-b.co.uk", "a-b.co.uk"),
        ("123abc.com", "123abc.com"),
        ("sub.123.com", "sub.123.com"),
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
            assert!(Domain::parse(input).is_ok(), "{input:?}");
            crate::identifier::invariants::check_parser(crate::IdentifierKind::Domain, input);
            let domain = Domain::parse(input).unwrap();
            assert_eq!(Domain::parse_host_lenient(domain.canonical()).unwrap(), domain, "lenient {input:?}");
        }
    }

    #[test]
    fn registrable_domain_uses_private_section() {
        let domain = Domain::parse("x.y.blogspot.com").unwrap();
        assert_eq!(domain.registrable_domain(), Some("y.blogspot.com"));
        assert_eq!(domain.public_suffix(), "blogspot.com");

        let domain = Domain::parse("scam-shop.github.io").unwrap();
        assert_eq!(domain.registrable_domain(), Some("scam-shop.github.io"));
        assert_eq!(domain.public_suffix(), "github.io");

        let domain = Domain::parse("ib.vietcombank.com.vn").unwrap();
        assert_eq!(domain.registrable_domain(), Some("vietcombank.com.vn"));
        assert_eq!(domain.public_suffix(), "com.vn");

        let domain = Domain::parse("www.bbc.co.uk").unwrap();
        assert_eq!(domain.registrable_domain(), Some("bbc.co.uk"));

        // A public suffix on its own is a domain with nothing registrable.
        let domain = Domain::parse("blogspot.com").unwrap();
        assert_eq!(domain.registrable_domain(), None);
        assert_eq!(domain.public_suffix(), "blogspot.com");
    }

    #[test]
    fn look_alike_idn_stays_distinct() {
        // `о` below is CYRILLIC SMALL LETTER O.
        let fake = Domain::parse("vietc\u{043E}mbank.com").unwrap();
        let real = Domain::parse("vietcombank.com").unwrap();
        assert!(fake.canonical().starts_with("xn--"), "{}", fake.canonical());
        assert_ne!(fake, real);
        assert_ne!(fake.canonical(), real.canonical());
        assert_eq!(fake.display(), fake.canonical());
        assert!(fake.is_idn());
        assert_eq!(fake.unicode(), "vietc\u{043E}mbank.com");
        assert_eq!(fake.registrable_domain(), Some(fake.canonical()));
    }

    #[test]
    fn details_fields() {
        let mut map = Map::new();
        Domain::parse("bücher.de").unwrap().details(&mut map);
        assert_eq!(map["registrable_domain"], "xn--bcher-kva.de");
        assert_eq!(map["public_suffix"], "de");
        assert_eq!(map["unicode"], "bücher.de");
        assert_eq!(map["idn"], true);

        let mut map = Map::new();
        Domain::parse("com.vn").unwrap().details(&mut map);
        assert_eq!(map["registrable_domain"], Value::Null);
        assert!(!map.contains_key("unicode"));
        assert_eq!(map["idn"], false);
    }

    #[test]
    fn refusals() {
        let cases = [
            "",
            "   ",
            "localhost",
            "file.txt",
            "abc.local",
            "example",
            "*.example.com",
            "exa mple.com",
            "exa_mple.com",
            "a..b.com",
            ".example.com",
            "example.com..",
            "-abc.com",
            "abc-.com",
            "1.2.3.4",
            "195.127.11",
            "example.123",
            "[::1]",
            "2001:db8::1",
            "example.com:8080",
            "http://example.com",
            "example.com/path",
            "user@example.com",
            "xn--zz.com",
            "\u{0080}.com",
        ];
        for input in cases {
            let error = refused(input);
            if !input.trim().is_empty() {
                assert_eq!(error.code, ErrorCode::InvalidDomain, "{input:?}: {}", error.message);
            }
        }
        assert!(refused("1.2.3.4").message.contains("IP address"));
        assert!(refused("[::1]").message.contains("IPv6"));
        assert!(refused("file.txt").message.contains("known top-level domain"));
        assert!(refused("*.example.com").message.contains("wildcard"));
    }

    #[test]
    fn length_limits() {
        let label63 = "a".repeat(63);
        assert!(Domain::parse(&format!("{label63}.com")).is_ok());
        let label64 = "a".repeat(64);
        assert_eq!(refused(&format!("{label64}.com")).code, ErrorCode::InvalidDomain);
        // 4 × 63 + 3 dots = 255 bytes before the suffix: too long.
        let long = [label63.as_str(); 4].join(".") + ".com";
        assert!(refused(&long).message.contains("bytes long"));
        let ok = [label63.as_str(), label63.as_str(), label63.as_str(), "a".repeat(57).as_str()].join(".") + ".com";
        assert_eq!(ok.len(), 253);
        assert!(Domain::parse(&ok).is_ok());
    }

    #[test]
    fn refang_helper() {
        assert_eq!(refang(b"a[.]b(dot)c{.}d", DOT_TOKENS).unwrap(), b"a.b.c.d");
        assert_eq!(refang(b"a [ . ] b", DOT_TOKENS), None);
        assert_eq!(refang(b"plain.text", DOT_TOKENS), None);
        assert_eq!(refang(b"[.", DOT_TOKENS), None);
        assert_eq!(refang(b"[DoT]", DOT_TOKENS).unwrap(), b".");
        assert_eq!(collapse_dots("..a...b.."), "a.b");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in
            ["[", "[.", "(dot", ".", "..", "\u{0}", "a.\u{FFFF}", "é", "xn--", "xn--.com", "0x1.com", "a.0x", "a.0xg"]
        {
            let _ = Domain::parse(input);
            let _ = Domain::parse_host_lenient(input);
        }
    }
}
