//! IP addresses: IPv4 in the notations browsers and `inet_aton` accept (octal, hex, fewer than four
//! parts), canonically dotted decimal; IPv6 canonically in RFC 5952 form.
//!
//! The strict parser refuses a plain digit string such as `3279880203`, although it is a valid
//! IPv4 spelling: typed on its own it is far more likely a phone or account number. In a link's
//! host it is an address (`http://3279880203/` is `http://195.127.0.11/`); that reading belongs
//! to the URL parser, through [`parse_ipv4_loose`].

use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpAddress {
    canonical: String,
    addr: IpAddr,
}

/// Why a string is not an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ipv4Problem {
    NotNumeric,
    EmptyPart,
    TooManyParts,
    BadOctal,
    OutOfRange,
}

impl Ipv4Problem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Ipv4Problem::NotNumeric => "a part is not a number",
            Ipv4Problem::EmptyPart => "a part is empty",
            Ipv4Problem::TooManyParts => "it has more than four parts",
            Ipv4Problem::BadOctal => "a part starting with 0 is octal but has the digit 8 or 9",
            Ipv4Problem::OutOfRange => "a part is too large",
        }
    }
}

impl IpAddress {
    /// Strict parser for a field that should hold an IP address: dotted IPv4 in any notation
    /// (`195.127.0.11`, `0303.0177.0.013`, `0xC3.0x7F.0.11`, `195.127.11`), a single `0x` hex
    /// number, defanged dots (`1.2.3[.]4`), and IPv6 with or without brackets. A plain decimal
    /// number is refused (see the module documentation), as are ports and zone indices.
    pub fn parse(input: &str) -> Result<Self> {
        let input = super::guard_length(input)?;
        let cleaned = crate::text::clean_cow(input);
        let refanged = super::domain::refang_str(&cleaned, super::domain::DOT_TOKENS);
        let text = refanged.as_deref().unwrap_or(&cleaned);
        let invalid = |message: String| Error::new(ErrorCode::InvalidIp, message);
        let shown = || crate::text::shorten_for_message(text);

        if text.contains(':') || text.starts_with('[') {
            let inner = text.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).unwrap_or(text);
            if inner.contains('%') {
                return Err(invalid(format!("`{}` has a zone index (`%...`); give the address alone", shown())));
            }
            if let Ok(addr) = inner.parse::<Ipv6Addr>() {
                return Ok(Self::from_addr(IpAddr::V6(addr)));
            }
            // `1.2.3.4:80` and `[::1]:80`.
            if let Some((host, port)) = text.rsplit_once(':') {
                let host_is_ip = host.parse::<Ipv4Addr>().is_ok()
                    || host
                        .strip_prefix('[')
                        .and_then(|h| h.strip_suffix(']'))
                        .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok());
                if host_is_ip && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(format!("`{}` has a port (`:{port}`); give the address alone", shown())));
                }
            }
            return Err(invalid(format!("`{}` is not a valid IPv6 address", shown())));
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!(
                "`{}` is a plain number; it is not taken as an IP address (it is more likely a phone or account number): write the address dotted, like 195.127.0.11",
                shown()
            )));
        }
        match parse_ipv4_bytes(text.as_bytes()) {
            Ok(addr) => Ok(Self::from_addr(IpAddr::V4(addr))),
            Err(problem) => Err(invalid(format!("`{}` is not a valid IPv4 address: {}", shown(), problem.describe()))),
        }
    }

    fn from_addr(addr: IpAddr) -> Self {
        IpAddress { canonical: addr.to_string(), addr }
    }

    /// Dotted decimal for IPv4; RFC 5952 for IPv6 (lowercase, longest zero run as `::`,
    /// IPv4-mapped addresses as `::ffff:1.2.3.4`).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn display(&self) -> String {
        self.canonical.clone()
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The IPv4 address an IPv4-mapped (`::ffff:0:0/96`) or NAT64 (`64:ff9b::/96`) IPv6 address
    /// stands for.
    pub fn embedded_ipv4(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(_) => None,
            IpAddr::V6(v6) => embedded_ipv4(v6),
        }
    }

    /// Where the address routes: `public`, `private`, `loopback`, `link_local`, `shared`
    /// (carrier-grade NAT), `documentation`, `benchmarking`, `multicast`, `broadcast`,
    /// `unspecified` or `reserved`.
    pub fn scope(&self) -> &'static str {
        match self.addr {
            IpAddr::V4(v4) => ipv4_scope(v4),
            IpAddr::V6(v6) => ipv6_scope(v6),
        }
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        let version = if self.addr.is_ipv4() { 4 } else { 6 };
        map.insert("version".into(), Value::from(version));
        map.insert("scope".into(), Value::from(self.scope()));
        if let Some(v4) = self.embedded_ipv4() {
            map.insert("embedded_ipv4".into(), Value::from(v4.to_string()));
        }
    }
}

/// IPv4 in any notation a browser accepts in a host: one to four dot-separated parts, each
/// decimal, octal (leading `0`) or hex (`0x`); the last part fills the remaining bytes, so
/// `3279880203`, `195.127.11` and `0xC37F000B` are all `195.127.0.11`. Overflowing parts are
/// refused. No trailing dot, no surrounding text.
pub fn parse_ipv4_loose(s: &str) -> Option<Ipv4Addr> {
    parse_ipv4_bytes(s.as_bytes()).ok()
}

/// [`parse_ipv4_loose`] on bytes, saying why it failed.
pub(crate) fn parse_ipv4_bytes(bytes: &[u8]) -> std::result::Result<Ipv4Addr, Ipv4Problem> {
    if bytes.is_empty() {
        return Err(Ipv4Problem::EmptyPart);
    }
    let mut parts = [0u32; 4];
    let mut count = 0;
    for part in bytes.split(|&b| b == b'.') {
        if count == parts.len() {
            return Err(Ipv4Problem::TooManyParts);
        }
        parts[count] = parse_ipv4_number(part)?;
        count += 1;
    }
    let (leading, last) = parts[..count].split_at(count - 1);
    if leading.iter().any(|&part| part > 255) {
        return Err(Ipv4Problem::OutOfRange);
    }
    // The last part fills the bytes the others left: 4 parts → 1 byte, 1 part → 4 bytes.
    let last_bits = 8 * (5 - count) as u32;
    if last_bits < 32 && last[0] >> last_bits != 0 {
        return Err(Ipv4Problem::OutOfRange);
    }
    let mut value = last[0];
    for (i, &part) in leading.iter().enumerate() {
        value |= part << (24 - 8 * i);
    }
    Ok(Ipv4Addr::from(value))
}

fn parse_ipv4_number(part: &[u8]) -> std::result::Result<u32, Ipv4Problem> {
    if part.is_empty() {
        return Err(Ipv4Problem::EmptyPart);
    }
    let (digits, radix) = if part.len() >= 2 && part[0] == b'0' && (part[1] | 0x20) == b'x' {
        (&part[2..], 16)
    } else if part.len() >= 2 && part[0] == b'0' {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return Err(Ipv4Problem::NotNumeric);
    }
    let mut value: u64 = 0;
    for &b in digits {
        let digit = match (b as char).to_digit(radix) {
            Some(digit) => digit,
            None if radix == 8 && b.is_ascii_digit() => return Err(Ipv4Problem::BadOctal),
            None => return Err(Ipv4Problem::NotNumeric),
        };
        value = value * u64::from(radix) + u64::from(digit);
        if value > u64::from(u32::MAX) {
            return Err(Ipv4Problem::OutOfRange);
        }
    }
    Ok(value as u32)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 well-known-prefix
/// (`64:ff9b::a.b.c.d`) IPv6 address.
pub(crate) fn embedded_ipv4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = addr.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., a, b, c, d] = addr.octets();
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    None
}

fn ipv4_scope(addr: Ipv4Addr) -> &'static str {
    match addr.octets() {
        [0, 0, 0, 0] => "unspecified",
        [0, ..] => "reserved",
        [127, ..] => "loopback",
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => "private",
        [100, 64..=127, ..] => "shared",
        [169, 254, ..] => "link_local",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation",
        [198, 18..=19, ..] => "benchmarking",
        [192, 0, 0, _] => "reserved",
        [224..=239, ..] => "multicast",
        [255, 255, 255, 255] => "broadcast",
        [240..=255, ..] => "reserved",
        _ => "public",
    }
}

fn ipv6_scope(addr: Ipv6Addr) -> &'static str {
    // A mapped or NAT64 address reaches the IPv4 address it carries.
    if let Some(v4) = embedded_ipv4(addr) {
        return ipv4_scope(v4);
    }
    let first = addr.segments()[0];
    if addr.is_unspecified() {
        "unspecified"
    } else if addr.is_loopback() {
        "loopback"
    } else if first & 0xfe00 == 0xfc00 {
        // Unique local addresses are IPv6's private ranges.
        "private"
    } else if first & 0xffc0 == 0xfe80 {
        "link_local"
    } else if first & 0xff00 == 0xff00 {
        "multicast"
    } else if first == 0x2001 && addr.segments()[1] == 0x0db8 {
        "documentation"
    } else if first & 0xe000 == 0x2000 {
        "public"
    } else {
        "reserved"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        match IpAddress::parse(input) {
            Ok(ip) => ip.canonical().to_string(),
            Err(error) => panic!("{input:?} was refused: {}", error.message),
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("195.127.0.11", "195.127.0.11"),
        (" 8.8.8.8 ", "8.8.8.8"),
        ("0xC37F000B", "195.127.0.11"),
        ("0xc37f000b", "195.127.0.11"),
        ("0300.0177.0.013", "192.127.0.11"),
        ("0303.0177.0.013", "195.127.0.11"),
        ("0xC3.0x7F.0.0xB", "195.127.0.11"),
        ("195.127.11", "195.127.0.11"),
        ("195.8323083", "195.127.0.11"),
        ("12.0x12.01234", "12.18.2.156"),
        ("012.034.01.055", "10.28.1.45"),
        ("0x12.0x43.0x44.0x01", "18.67.68.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("0.0.0.0", "0.0.0.0"),
        ("00000000000300.0.0.1", "192.0.0.1"),
        ("192.168.1[.]1", "192.168.1.1"),
        ("10(.)0(.)0(.)1", "10.0.0.1"),
        ("１９２.１６８.１.１", "192.168.1.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("[2001:db8:0:0:1:0:0:1]", "2001:db8::1:0:0:1"),
        ("2001:db8::0:1", "2001:db8::1"),
        ("FEDC:BA98:7654:3210:FEDC:BA98:7654:3210", "fedc:ba98:7654:3210:fedc:ba98:7654:3210"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::FFFF:0102:0304", "::ffff:1.2.3.4"),
        ("64:ff9b::1.2.3.4", "64:ff9b::102:304"),
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
            assert!(IpAddress::parse(input).is_ok(), "{input:?}");
            crate::identifier::invariants::check_parser(crate::IdentifierKind::Ip, input);
        }
    }

    #[test]
    fn loose_forms_for_url_hosts() {
        let expect = |s: &str, ip: Option<[u8; 4]>| assert_eq!(parse_ipv4_loose(s), ip.map(Ipv4Addr::from), "{s:?}");
        expect("3279880203", Some([195, 127, 0, 11]));
        expect("167838211", Some([10, 1, 2, 3]));
        expect("4294967295", Some([255, 255, 255, 255]));
        expect("4294967296", None);
        expect("0x100000000", None);
        expect("276.2.3", None);
        expect("1.2.65536", None);
        expect("1.2.65535", Some([1, 2, 255, 255]));
        expect("1.16777215", Some([1, 255, 255, 255]));
        expect("1.16777216", None);
        expect("123.123.0.0.1", None);
        expect("1.2.3.00x0", None);
        expect("1.2.3.09", None);
        expect("1.2.3.", None);
        expect(".1.2.3", None);
        expect("1..3", None);
        expect("0x", None);
        expect("", None);
        expect("1.2.3.4 ", None);
        expect("99999999999999999999999999", None);
        expect("0x00000000000000000000000001", Some([0, 0, 0, 1]));
    }

    #[test]
    fn plain_numbers_are_refused_by_the_strict_parser() {
        for input in ["3279880203", "0912345678", "1", "0300"] {
            let error = IpAddress::parse(input).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidIp, "{input}");
            assert!(error.message.contains("plain number"), "{}", error.message);
        }
    }

    #[test]
    fn refusals() {
        for input in [
            "256.1.1.1",
            "1.2.3.4.5",
            "1.2.3.4.",
            "1.2.3.09",
            "1.2.3.4:80",
            "[::1]:80",
            "fe80::1%eth0",
            "[::1",
            "::1]",
            "1:2:3:4:5:6:7:8:9",
            "::g",
            "example.com",
            "1.2.3.x",
            "0x",
            "-1.2.3.4",
        ] {
            let error = IpAddress::parse(input).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidIp, "{input}: {}", error.message);
        }
        assert!(IpAddress::parse("1.2.3.4:80").unwrap_err().message.contains("port"));
        assert!(IpAddress::parse("[::1]:80").unwrap_err().message.contains("port"));
        assert!(IpAddress::parse("fe80::1%eth0").unwrap_err().message.contains("zone"));
        assert!(IpAddress::parse("256.1.1.1").unwrap_err().message.contains("too large"));
    }

    #[test]
    fn scopes() {
        let scope = |s: &str| IpAddress::parse(s).unwrap().scope();
        assert_eq!(scope("8.8.8.8"), "public");
        assert_eq!(scope("10.1.2.3"), "private");
        assert_eq!(scope("172.16.0.1"), "private");
        assert_eq!(scope("172.32.0.1"), "public");
        assert_eq!(scope("192.168.0.1"), "private");
        assert_eq!(scope("127.0.0.1"), "loopback");
        assert_eq!(scope("169.254.169.254"), "link_local");
        assert_eq!(scope("100.64.0.1"), "shared");
        assert_eq!(scope("192.0.2.1"), "documentation");
        assert_eq!(scope("198.18.0.1"), "benchmarking");
        assert_eq!(scope("224.0.0.1"), "multicast");
        assert_eq!(scope("255.255.255.255"), "broadcast");
        assert_eq!(scope("240.0.0.1"), "reserved");
        assert_eq!(scope("0.0.0.0"), "unspecified");
        assert_eq!(scope("::"), "unspecified");
        assert_eq!(scope("::1"), "loopback");
        assert_eq!(scope("fd00::1"), "private");
        assert_eq!(scope("fe80::1"), "link_local");
        assert_eq!(scope("ff02::1"), "multicast");
        assert_eq!(scope("2001:db8::1"), "documentation");
        assert_eq!(scope("2606:4700::1111"), "public");
        assert_eq!(scope("::ffff:10.0.0.1"), "private");
        assert_eq!(scope("64:ff9b::7f00:1"), "loopback");
        assert_eq!(scope("4000::1"), "reserved");
    }

    #[test]
    fn details_fields() {
        let mut map = Map::new();
        IpAddress::parse("195.127.0.11").unwrap().details(&mut map);
        assert_eq!(map["version"], 4);
        assert_eq!(map["scope"], "public");
        assert!(!map.contains_key("embedded_ipv4"));

        let mut map = Map::new();
        IpAddress::parse("::ffff:192.168.1.1").unwrap().details(&mut map);
        assert_eq!(map["version"], 6);
        assert_eq!(map["scope"], "private");
        assert_eq!(map["embedded_ipv4"], "192.168.1.1");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "[",
            "]",
            "[]",
            ":",
            "::::",
            "%",
            "0x.0x",
            "0.0.0.0.0.0.0",
            "9".repeat(5000).as_str(),
            "1.".repeat(3000).as_str(),
        ] {
            let _ = IpAddress::parse(input);
            let _ = parse_ipv4_loose(input);
        }
    }
}
