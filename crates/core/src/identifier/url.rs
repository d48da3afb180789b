//! Web links, canonicalised as Google Safe Browsing does (the "Canonicalization" section of the
//! Safe Browsing URL-hashing docs, as Chrome implements it), so a canonical URL is the key that
//! Safe Browsing-style blocklists use:
//!
//! 1. tab, CR and LF are removed; the fragment (from the first `#`) is dropped;
//! 2. the whole URL is percent-unescaped repeatedly until no escape is left;
//! 3. the host loses leading, trailing and repeated dots, is lowercased, and an IPv4 address in
//!    any notation becomes dotted decimal; a bracketed IPv6 address is written per RFC 5952,
//!    except that IPv4-mapped and NAT64 (`64:ff9b::/96`) addresses become the IPv4 they carry;
//! 4. the path has `/./` and `/../` resolved, then runs of slashes collapsed; the query is kept
//!    as it is;
//! 5. every byte <= 0x20 or >= 0x7F, and `#` and `%`, is percent-escaped with uppercase hex.
//!
//! The port and any `user:password@` are dropped. Beyond Safe Browsing the parser accepts
//! scheme-less links (`vcb-xacthuc.com/login` means `http://`), defanged links
//! (`hxxps://evil[.]com[/]login`) and Unicode hosts (UTS-46 to punycode before escaping), and
//! refuses every scheme but http and https.

use super::domain::{DOT_TOKENS, has_punycode_label, refang};
use super::ip::{embedded_ipv4, parse_ipv4_bytes};
use crate::error::{Error, ErrorCode, Result};
use crate::text::shorten_for_message;
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::net::Ipv6Addr;

/// Defanged dots and `:` in a host (`evil[.]com[:]8080`).
const HOST_TOKENS: &[(&[u8], u8)] = &[DOT_TOKENS[0], DOT_TOKENS[1], (b":", b':')];
/// Defanged dots and slashes in a path (`[/]login[.]php`).
const PATH_TOKENS: &[(&[u8], u8)] = &[DOT_TOKENS[0], DOT_TOKENS[1], (b"/", b'/')];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A web link, e.g. `http://vcb-xacthuc.com/login`.
///
/// Equality and hashing look at the canonical form only: the facts about how the link was
/// written (`had_userinfo`, `had_port`, `defanged`) are reported in the details but do not make
/// two links different.
#[derive(Debug, Clone)]
pub struct Url {
    canonical: String,
    scheme: Scheme,
    /// End of the host in `canonical` (it starts right after `scheme://`).
    host_end: usize,
    /// End of the path; the query, when there is one, starts after the `?` at `path_end`.
    path_end: usize,
    has_query: bool,
    /// Where the registrable domain starts in `canonical`, for host names under a known suffix.
    registrable_start: Option<usize>,
    ip_host: bool,
    had_userinfo: bool,
    had_port: bool,
    defanged: bool,
}

impl PartialEq for Url {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl Eq for Url {}

impl Hash for Url {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical.hash(state);
    }
}

/// What the scheme parser found at the start of the unescaped URL.
struct SchemePart {
    scheme: Scheme,
    /// Whether the link had no scheme at all, so `http` was assumed.
    assumed: bool,
    defanged: bool,
    /// Where the authority starts.
    rest: usize,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidUrl, message)
}

/// Whether `text` (no scheme, no path) is a dotted host and a port, as blocklists and scam messages write a site on a
/// cheap server (`sn99.cc:100`, `103.45.6.7:8080`): such a value is a link, which [`Url::parse`] reads (the host must
/// still be a full IP address or have a known top-level domain, so that a time such as `10.30:45` is none).
pub(crate) fn is_host_and_port(text: &str) -> bool {
    text.rsplit_once(':').is_some_and(|(host, port)| {
        host.contains('.')
            && !host.contains([':', '@', '/', '?', '#'])
            && (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
    })
}

impl Url {
    /// Strict parser for a field that should hold a web link; see the module documentation.
    pub fn parse(input: &str) -> Result<Self> {
        let input = super::guard_length(input)?;
        let unescaped = unescape_fully(crate::text::clean_cow(input).into_owned().into_bytes());
        let url = parse_unescaped(&unescaped)?;
        // Escaping can triple a URL's length; a canonical form the strict parser would refuse as
        // too long could not be parsed back.
        if url.canonical.len() > super::MAX_VALUE_CHARS {
            return Err(invalid(format!(
                "the link is longer than {} characters once canonicalised",
                super::MAX_VALUE_CHARS
            )));
        }
        Ok(url)
    }

    /// The Safe Browsing canonical form, e.g. `http://195.127.0.11/blah`.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn display(&self) -> String {
        self.canonical.clone()
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// The canonical host: a lowercase name (punycode for IDNs, escapes kept), dotted-decimal
    /// IPv4, or bracketed IPv6.
    pub fn host(&self) -> &str {
        &self.canonical[self.scheme.as_str().len() + 3..self.host_end]
    }

    /// The registrable domain of the host by the Public Suffix List (private section included);
    /// `None` for IP hosts, hosts under no known suffix and hosts that are a public suffix.
    pub fn registrable_domain(&self) -> Option<&str> {
        self.registrable_start.map(|start| &self.canonical[start..self.host_end])
    }

    /// Everything after the host: the path, and `?` with the query when there is one.
    pub fn path_and_query(&self) -> &str {
        &self.canonical[self.host_end..]
    }

    /// The canonical path, at least `/`.
    pub fn path(&self) -> &str {
        &self.canonical[self.host_end..self.path_end]
    }

    /// The query without its `?`; `Some("")` for a URL ending in `?`.
    pub fn query(&self) -> Option<&str> {
        self.has_query.then(|| &self.canonical[self.path_end + 1..])
    }

    pub fn is_ip_host(&self) -> bool {
        self.ip_host
    }

    /// Whether the link carried a `user:password@` part, a classic trick to make
    /// `http://vietcombank.com.vn@evil.com/` look like a bank's link.
    pub fn had_userinfo(&self) -> bool {
        self.had_userinfo
    }

    pub fn had_port(&self) -> bool {
        self.had_port
    }

    /// Whether the link was written defanged (`hxxp://`, `[.]`, ...).
    pub fn was_defanged(&self) -> bool {
        self.defanged
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("scheme".into(), Value::from(self.scheme()));
        map.insert("host".into(), Value::from(self.host()));
        map.insert("registrable_domain".into(), self.registrable_domain().map_or(Value::Null, Value::from));
        map.insert("path".into(), Value::from(self.path()));
        if let Some(query) = self.query() {
            map.insert("query".into(), Value::from(query));
        }
        map.insert("ip_host".into(), Value::from(self.ip_host));
        if !self.ip_host && has_punycode_label(self.host()) {
            let (unicode, result) = idna::domain_to_unicode(self.host());
            if result.is_ok() && unicode != self.host() {
                map.insert("unicode_host".into(), Value::from(unicode));
            }
        }
        if self.had_userinfo {
            map.insert("had_userinfo".into(), Value::from(true));
        }
        if self.had_port {
            map.insert("had_port".into(), Value::from(true));
        }
        if self.defanged {
            map.insert("defanged".into(), Value::from(true));
        }
    }
}

/// Steps 1 and 2: drops the fragment, the whitespace it exposes, and every tab, CR and LF, then
/// percent-unescapes until no escape is left, in place and in one pass.
///
/// Unescaping is a rewriting system whose redexes (`%XY`) can never overlap, so every order of
/// rewriting reaches the same result as Safe Browsing's "unescape until nothing changes". Here the
/// output is kept free of escapes as it grows: a new escape can only end at the byte just written,
/// so checking the last three bytes after each write (and again after each decode) suffices, and
/// each decode shortens the output, which bounds the work by the input length.
///
/// A C1 control character (U+0080..U+009F) in the input stands for the raw byte of the same
/// value: such characters only appear in text when bytes were decoded as Latin-1, and this is
/// how Safe Browsing's byte example `http://\x01\x80.com/` reaches a `&str`.
fn unescape_fully(mut buffer: Vec<u8>) -> Vec<u8> {
    let mut end = buffer.iter().position(|&b| b == b'#').unwrap_or(buffer.len());
    while end > 0 && buffer[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    // Most links have nothing to unescape or remove: skip to the first byte that needs work.
    let Some(first) = buffer[..end].iter().position(|&b| matches!(b, b'%' | b'\t' | b'\r' | b'\n' | 0xC2)) else {
        buffer.truncate(end);
        return buffer;
    };
    let mut read = first;
    let mut write = first;
    while read < end {
        let mut byte = buffer[read];
        read += 1;
        match byte {
            b'\t' | b'\r' | b'\n' => continue,
            0xC2 if read < end && (0x80..=0x9F).contains(&buffer[read]) => {
                byte = buffer[read];
                read += 1;
            }
            _ => {}
        }
        // `write < read` here, so the unread input is never overwritten.
        buffer[write] = byte;
        write += 1;
        while write >= 3 && buffer[write - 3] == b'%' {
            let (Some(high), Some(low)) = (hex_value(buffer[write - 2]), hex_value(buffer[write - 1])) else {
                break;
            };
            buffer[write - 3] = high << 4 | low;
            write -= 2;
        }
    }
    buffer.truncate(write);
    buffer
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Step 5 for one byte.
fn push_escaped(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if byte <= 0x20 || byte >= 0x7F || byte == b'#' || byte == b'%' {
        out.extend_from_slice(&[b'%', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]]);
    } else {
        out.push(byte);
    }
}

fn extend_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &byte in bytes {
        push_escaped(out, byte);
    }
}

/// Steps 3 to 5 on the fully unescaped URL.
fn parse_unescaped(s: &[u8]) -> Result<Url> {
    let SchemePart { scheme, assumed, defanged: scheme_defanged, rest } = split_scheme(s)?;

    // The authority runs to the first `/`, `\`, `?` or defanged `[/]`.
    let mut authority_end = rest;
    let mut slash_token = false;
    while authority_end < s.len() {
        match s[authority_end] {
            b'/' | b'\\' | b'?' => break,
            b'[' if s[authority_end..].starts_with(b"[/]") => {
                slash_token = true;
                break;
            }
            _ => authority_end += 1,
        }
    }
    let authority = &s[rest..authority_end];

    // `user:password@host`: the host is after the last `@`.
    let (had_userinfo, host_and_port) = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    if had_userinfo && assumed {
        return Err(invalid(format!(
            "`{}` looks like an e-mail address; a link without `http://` cannot have a `user@` part",
            shorten_for_message(&String::from_utf8_lossy(s))
        )));
    }
    let refanged_host = refang(host_and_port, HOST_TOKENS);
    let host_and_port = refanged_host.as_deref().unwrap_or(host_and_port);
    let (host, port) = split_port(host_and_port)?;
    let had_port = !port.is_empty();

    let mut out = Vec::with_capacity(s.len() + 16);
    out.extend_from_slice(scheme.as_str().as_bytes());
    out.extend_from_slice(b"://");
    let host_start = out.len();
    let host_kind = write_host(&mut out, host)?;
    let host_end = out.len();
    let host_bytes = &out[host_start..host_end];

    let registrable_start = match host_kind {
        HostKind::Name => registrable_start(host_bytes).map(|offset| host_start + offset),
        HostKind::Ip { .. } => None,
    };
    if assumed {
        check_schemeless_host(host_bytes, host_kind, s)?;
    }

    // The path runs to the first `?`; the query is kept as it is.
    let (path, query) = match s[authority_end..].iter().position(|&b| b == b'?') {
        Some(offset) => (&s[authority_end..authority_end + offset], Some(&s[authority_end + offset + 1..])),
        None => (&s[authority_end..], None),
    };
    let defanged = scheme_defanged || refanged_host.is_some() || slash_token;
    let refanged_path = if defanged { refang(path, PATH_TOKENS) } else { None };
    write_path(&mut out, refanged_path.as_deref().unwrap_or(path));
    let path_end = out.len();
    if let Some(query) = query {
        out.push(b'?');
        extend_escaped(&mut out, query);
    }

    // Every byte written is ASCII: everything else was escaped.
    let canonical = String::from_utf8(out).map_err(|_| invalid("the link could not be canonicalised"))?;
    Ok(Url {
        canonical,
        scheme,
        host_end,
        path_end,
        has_query: query.is_some(),
        registrable_start,
        ip_host: matches!(host_kind, HostKind::Ip { .. }),
        had_userinfo,
        had_port,
        defanged,
    })
}

/// Finds the scheme: a word of letters, digits, `+`, `-`, `.` (and `*` for `h**p`) followed by
/// `:`, `[:]` or `[://]`, then any slashes. `host:port` is not a scheme, nor is a word with a dot
/// (`example.com:`); with no scheme, `http` is assumed.
fn split_scheme(s: &[u8]) -> Result<SchemePart> {
    let assumed = |rest: usize| Ok(SchemePart { scheme: Scheme::Http, assumed: true, defanged: false, rest });
    // A protocol-relative `//host/...` has no scheme either.
    let schemeless_start = if s.starts_with(b"//") || s.starts_with(b"\\\\") { 2 } else { 0 };
    let word_len = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'*')))
        .unwrap_or(s.len());
    if word_len == 0 || !s[0].is_ascii_alphabetic() || s[..word_len].contains(&b'.') {
        return assumed(schemeless_start);
    }
    let after = &s[word_len..];
    let separator_len = if after.starts_with(b":") {
        let digits = after[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        // `tel:0912345678` is a scheme: no port has more than five digits.
        let port_like = (1..=5).contains(&digits) && matches!(after.get(1 + digits), None | Some(b'/' | b'\\' | b'?'));
        if port_like {
            return assumed(0);
        }
        1
    } else if after.starts_with(b"[://]") {
        5
    } else if after.starts_with(b"[:]") {
        3
    } else {
        return assumed(schemeless_start);
    };
    let word = &s[..word_len];
    let (scheme, defanged) = if word.eq_ignore_ascii_case(b"http") {
        (Scheme::Http, false)
    } else if word.eq_ignore_ascii_case(b"https") {
        (Scheme::Https, false)
    } else if word.eq_ignore_ascii_case(b"hxxp") || word == b"h**p" {
        (Scheme::Http, true)
    } else if word.eq_ignore_ascii_case(b"hxxps") || word == b"h**ps" {
        (Scheme::Https, true)
    } else {
        let name = String::from_utf8_lossy(word).to_ascii_lowercase();
        return Err(invalid(format!(
            "`{}:` links are not web links; only http and https links are accepted",
            shorten_for_message(&name)
        )));
    };
    // Browsers ignore any number of slashes (and backslashes) after a web scheme.
    let mut rest = word_len + separator_len;
    while rest < s.len() && matches!(s[rest], b'/' | b'\\') {
        rest += 1;
    }
    Ok(SchemePart { scheme, assumed: false, defanged: defanged || separator_len != 1, rest })
}

/// Splits `host:port` (the host may be a bracketed IPv6 address). The port must be a number up
/// to 65535; an empty port (`host:`) is allowed and ignored.
fn split_port(host_and_port: &[u8]) -> Result<(&[u8], &[u8])> {
    let (host, port) = if host_and_port.starts_with(b"[") {
        let close = host_and_port
            .iter()
            .position(|&b| b == b']')
            .ok_or_else(|| invalid("the IPv6 address in the host has no closing `]`"))?;
        let (host, after) = host_and_port.split_at(close + 1);
        match after.split_first() {
            None => (host, &after[..0]),
            Some((b':', port)) => (host, port),
            Some(_) => {
                return Err(invalid("unexpected characters after the IPv6 address in the host"));
            }
        }
    } else {
        match host_and_port.iter().rposition(|&b| b == b':') {
            Some(colon) => (&host_and_port[..colon], &host_and_port[colon + 1..]),
            None => (host_and_port, &host_and_port[..0]),
        }
    };
    let port_ok = port.len() <= 5
        && port.iter().all(u8::is_ascii_digit)
        && port.iter().fold(0u32, |value, &b| value * 10 + u32::from(b - b'0')) <= 65535;
    if !port_ok {
        return Err(invalid(format!(
            "the port `{}` is not a number from 0 to 65535",
            shorten_for_message(&String::from_utf8_lossy(port))
        )));
    }
    Ok((host, port))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostKind {
    Name,
    /// `four_parts`: written as a dotted quad (or IPv6), which a scheme-less link requires.
    Ip {
        four_parts: bool,
    },
}

/// Step 3: writes the canonical host to `out`.
fn write_host(out: &mut Vec<u8>, host: &[u8]) -> Result<HostKind> {
    let host_start = out.len();
    if host.starts_with(b"[") {
        let inner = &host[1..host.len() - 1];
        let addr = std::str::from_utf8(inner).ok().and_then(|text| text.parse::<Ipv6Addr>().ok()).ok_or_else(|| {
            invalid(format!("`{}` is not a valid IPv6 address", shorten_for_message(&String::from_utf8_lossy(host))))
        })?;
        // Writing to a Vec cannot fail.
        let _ = match embedded_ipv4(addr) {
            Some(v4) => write!(out, "{v4}"),
            None => write!(out, "[{addr}]"),
        };
        return Ok(HostKind::Ip { four_parts: true });
    }
    // Safe Browsing keeps odd bytes in a host, but not these: `:` and brackets belong to ports
    // and IPv6 literals, and a bracket, parenthesis or brace left after refanging could read as a
    // defanged token (`[/]`, `{.}`) when the canonical form is parsed again.
    if let Some(&bad) = host.iter().find(|&&b| matches!(b, b':' | b'[' | b']' | b'(' | b')' | b'{' | b'}')) {
        let hint = if bad == b':' { "; an IPv6 address must be in brackets" } else { "" };
        return Err(invalid(format!(
            "the host `{}` contains `{}`, which a host name cannot have{hint}",
            shorten_for_message(&String::from_utf8_lossy(host)),
            bad as char
        )));
    }
    // A Unicode host goes through IDNA (UTS-46, as browsers do); one that is not UTF-8 (raw bytes
    // from escapes) is kept byte for byte, as Safe Browsing does.
    let is_unicode = host.iter().any(|&b| b >= 0x80) && std::str::from_utf8(host).is_ok();
    if is_unicode {
        // The URL deny list refuses `%`, `#`, spaces and the like next to Unicode, as browsers do.
        let ascii =
            Uts46::new().to_ascii(host, AsciiDenyList::URL, Hyphens::Allow, DnsLength::Ignore).map_err(|_| {
                invalid(format!(
                    "the host `{}` is not a valid internationalised domain name",
                    shorten_for_message(&String::from_utf8_lossy(host))
                ))
            })?;
        // IDNA maps some characters to dots (`。`), so dots are collapsed after it.
        write_host_name(out, ascii.as_bytes());
    } else {
        write_host_name(out, host);
    }
    if out.len() == host_start {
        return Err(invalid("the link has no host"));
    }
    let name = &out[host_start..];
    if !super::domain::ends_in_number(name) {
        return Ok(HostKind::Name);
    }
    // A host ending in a number can only be an IPv4 address (no top-level domain is numeric).
    match parse_ipv4_bytes(name) {
        Ok(addr) => {
            let four_parts = name.iter().filter(|&&b| b == b'.').count() == 3;
            out.truncate(host_start);
            let _ = write!(out, "{addr}");
            Ok(HostKind::Ip { four_parts })
        }
        Err(problem) => Err(invalid(format!(
            "the host `{}` looks like an IPv4 address but is not one: {}",
            shorten_for_message(&String::from_utf8_lossy(name)),
            problem.describe()
        ))),
    }
}

/// Writes a host name lowercased and escaped, without leading, trailing or repeated dots.
fn write_host_name(out: &mut Vec<u8>, host: &[u8]) {
    let host_start = out.len();
    for &byte in host {
        if byte == b'.' && (out.len() == host_start || out.last() == Some(&b'.')) {
            continue;
        }
        push_escaped(out, byte.to_ascii_lowercase());
    }
    if out.len() > host_start && out.last() == Some(&b'.') {
        out.pop();
    }
}

/// Offset of the registrable domain in a canonical host name, when the name is a plausible DNS
/// name (letters, digits, `-`, `_`) under a known public suffix.
fn registrable_start(host: &[u8]) -> Option<usize> {
    let plausible =
        host.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    if !plausible {
        return None;
    }
    let domain = psl::domain(host)?;
    domain.suffix().is_known().then(|| host.len() - domain.as_bytes().len())
}

/// Without a scheme, random words with a dot (`file.txt`, `1.5`) must not become links: the host
/// needs a dot and a known public suffix, or to be an IP address written in full.
fn check_schemeless_host(host: &[u8], kind: HostKind, s: &[u8]) -> Result<()> {
    let accepted = match kind {
        HostKind::Ip { four_parts } => four_parts,
        HostKind::Name => host.contains(&b'.') && psl::suffix(host).is_some_and(|suffix| suffix.is_known()),
    };
    if accepted {
        return Ok(());
    }
    Err(invalid(format!(
        "`{}` is not a link: without `http://` a link needs a host name with a known top-level domain (like `example.com`) or a full IP address",
        shorten_for_message(&String::from_utf8_lossy(s))
    )))
}

/// Step 4: writes the canonical path. Dot segments are resolved first, treating empty segments
/// as real ones (`/a//../b` is `/a/b`), then runs of slashes are collapsed. A path ending in `.`
/// or `..` names a directory and keeps a trailing slash (`/blah/..` is `/`).
fn write_path(out: &mut Vec<u8>, path: &[u8]) {
    let path_start = out.len();
    out.push(b'/');
    // The path region always ends with `/` while segments are added: `/` + (segment `/`)*.
    let mut ends_with_directory = true;
    // The first piece is what precedes the first slash: empty, since the path starts with one.
    for segment in path.split(|&b| b == b'/' || b == b'\\').skip(1) {
        match segment {
            b"." => ends_with_directory = true,
            b".." => {
                // Drop the last segment: back to the slash before the region's final one.
                let last_slash = out.len() - 1;
                let previous = out[path_start..last_slash].iter().rposition(|&b| b == b'/');
                if let Some(previous) = previous {
                    out.truncate(path_start + previous + 1);
                }
                ends_with_directory = true;
            }
            _ => {
                extend_escaped(out, segment);
                out.push(b'/');
                ends_with_directory = segment.is_empty();
            }
        }
    }
    if !ends_with_directory {
        out.pop();
    }
    // Collapse runs of slashes in place.
    let mut write = path_start + 1;
    for read in path_start + 1..out.len() {
        let byte = out[read];
        if byte == b'/' && out[write - 1] == b'/' {
            continue;
        }
        out[write] = byte;
        write += 1;
    }
    out.truncate(write);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        match Url::parse(input) {
            Ok(url) => url.canonical().to_string(),
            Err(error) => panic!("{input:?} was refused: {}", error.message),
        }
    }

    fn refused(input: &str) -> Error {
        match Url::parse(input) {
            Ok(url) => panic!("{input:?} was accepted as {}", url.canonical()),
            Err(error) => error,
        }
    }

    /// Every example of the "Canonicalization" section of Google's Safe Browsing URL-hashing
    /// documentation, verbatim. `\u{80}` stands for the byte 0x80 of the original.
    const SAFE_BROWSING: &[(&str, &str)] = &[
        ("http://host/%25%32%35", "http://host/%25"),
        ("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
        ("http://host/%2525252525252525", "http://host/%25"),
        ("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
        ("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
        ("http://www.google.com/", "http://www.google.com/"),
        (
            "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
            "http://168.188.99.26/.secure/www.ebay.com/",
        ),
        (
            "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
            "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        ),
        (
            "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
            "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
        ),
        ("http://3279880203/blah", "http://195.127.0.11/blah"),
        ("http://www.google.com/blah/..", "http://www.google.com/"),
        ("www.google.com/", "http://www.google.com/"),
        ("www.google.com", "http://www.google.com/"),
        ("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
        ("http://www.GOOgle.com/", "http://www.google.com/"),
        ("http://www.google.com.../", "http://www.google.com/"),
        ("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
        ("http://www.google.com/q?", "http://www.google.com/q?"),
        ("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
        ("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
        ("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
        ("http://evil.com/foo;", "http://evil.com/foo;"),
        ("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
        ("http://\x01\u{80}.com/", "http://%01%80.com/"),
        ("http://notrailingslash.com", "http://notrailingslash.com/"),
        ("http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
        ("  http://www.google.com/  ", "http://www.google.com/"),
        ("http:// leadingspace.com/", "http://%20leadingspace.com/"),
        ("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
        ("%20leadingspace.com/", "http://%20leadingspace.com/"),
        ("https://www.securesite.com/", "https://www.securesite.com/"),
        ("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
        ("http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
    ];

    /// Further cases from Google's reference implementations and our own additions.
    const MORE: &[(&str, &str)] = &[
        // Safe Browsing's Go client tests (those that agree with the documentation).
        ("http://www.\u{FC}mlat.com/", "http://www.xn--mlat-zra.com/"),
        ("http://[2001:470:1:18::114]/", "http://[2001:470:1:18::114]/"),
        ("http%3A%2F%2Fwackyurl.com:80/", "http://wackyurl.com/"),
        ("http://W!eird<>Ho$^.com/", "http://w!eird<>ho$^.com/"),
        ("http://i.have.way.too.many.dots.com/", "http://i.have.way.too.many.dots.com/"),
        ("http://some%1Bhost.com/%1b", "http://some%1Bhost.com/%1B"),
        ("http://www.google.com/q?r?s%3F", "http://www.google.com/q?r?s?"),
        ("http://a.com/foo/.././bar/./../foo.html", "http://a.com/foo.html"),
        ("http://a.com//a//b///c////", "http://a.com/a/b/c/"),
        ("http://google.com.:8080/foo.html", "http://google.com/foo.html"),
        ("http://..google.com/foo.html", "http://google.com/foo.html"),
        ("http://google...com/foo.html", "http://google.com/foo.html"),
        (
            "http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/index.html",
            "http://[fedc:ba98:7654:3210:fedc:ba98:7654:3210]/index.html",
        ),
        ("http://0x12.0x43.0x44.0x01", "http://18.67.68.1/"),
        ("http://192.168.0.1:80/index.html", "http://192.168.0.1/index.html"),
        ("www.google.com:8080/foo.html", "http://www.google.com/foo.html"),
        ("www.google.com:80", "http://www.google.com/"),
        // Safe Browsing v5: bracketed IPv6, with mapped and NAT64 addresses as IPv4.
        ("http://[2001:0db8:0000::1]/", "http://[2001:db8::1]/"),
        ("http://[::ffff:1.2.3.4]/", "http://1.2.3.4/"),
        ("http://[64:ff9b::1.2.3.4]/", "http://1.2.3.4/"),
        // IPv4 notations.
        ("http://0300.0177.0.013/", "http://192.127.0.11/"),
        ("http://0303.0177.0.013/", "http://195.127.0.11/"),
        ("http://0xC37F000B/", "http://195.127.0.11/"),
        ("http://195.127.11/", "http://195.127.0.11/"),
        ("http://1.2.3.4./", "http://1.2.3.4/"),
        // Paths.
        ("http://a.com/a/b/..", "http://a.com/a/"),
        ("http://a.com/a/b/.", "http://a.com/a/b/"),
        ("http://a.com/a//../b", "http://a.com/a/b"),
        ("http://a.com/../../..", "http://a.com/"),
        ("http://a.com/%2e%2e/x", "http://a.com/x"),
        ("http://a.com/..a/.b/...", "http://a.com/..a/.b/..."),
        ("http://a.com\\path\\to", "http://a.com/path/to"),
        ("http://a.com/tiếng-việt", "http://a.com/ti%E1%BA%BFng-vi%E1%BB%87t"),
        ("http://a.com/?q=tiếng việt", "http://a.com/?q=ti%E1%BA%BFng%20vi%E1%BB%87t"),
        ("http://a.com/%7e%7E", "http://a.com/~~"),
        ("http://a.com/a%2Fb", "http://a.com/a/b"),
        ("http://a.com/a%3Fb", "http://a.com/a?b"),
        // Schemes and authority.
        ("HTTPS://Example.COM", "https://example.com/"),
        ("http:example.com", "http://example.com/"),
        ("http:\\\\example.com", "http://example.com/"),
        ("https:///example.com/x", "https://example.com/x"),
        ("//example.com/x", "http://example.com/x"),
        ("http://vietcombank.com.vn@evil.com/login", "http://evil.com/login"),
        ("http://user:pass@evil.com:8080/", "http://evil.com/"),
        ("http://evil.com%2F@vietcombank.com.vn/", "http://evil.com/@vietcombank.com.vn/"),
        ("http://example.com:/", "http://example.com/"),
        ("http://example.com?q", "http://example.com/?q"),
        // Scheme-less links.
        ("vcb-xacthuc.com/login", "http://vcb-xacthuc.com/login"),
        ("Vietcombank-Xacthuc.COM.vn/dang-nhap?id=1", "http://vietcombank-xacthuc.com.vn/dang-nhap?id=1"),
        ("x.y.blogspot.com/p", "http://x.y.blogspot.com/p"),
        ("195.127.0.11/uploads", "http://195.127.0.11/uploads"),
        ("[2001:db8::1]/x", "http://[2001:db8::1]/x"),
        // Defanged links.
        ("hxxp://evil[.]com/login", "http://evil.com/login"),
        ("hxxps://evil[.]com/login", "https://evil.com/login"),
        ("hXXps://evil(.)com", "https://evil.com/"),
        ("HXXP://evil.com/", "http://evil.com/"),
        ("h**p://evil[dot]com/", "http://evil.com/"),
        ("h**ps://evil(dot)com/", "https://evil.com/"),
        ("hxxp[:]//evil[.]com/a[.]php", "http://evil.com/a.php"),
        ("hxxps[://]evil[.]com[/]login[/]x", "https://evil.com/login/x"),
        ("http[:]//evil[.]com[:]8080/", "http://evil.com/"),
        ("evil[.]com/login", "http://evil.com/login"),
        ("evil[.]com[/]login", "http://evil.com/login"),
        ("hxxp://1.2.3[.]4/x", "http://1.2.3.4/x"),
        // Not defanged: brackets in a path are data.
        ("http://evil.com/a[.]b", "http://evil.com/a[.]b"),
        // Internationalised hosts and invisible characters.
        ("http://vietc\u{043E}mbank.com/", "http://xn--vietcmbank-ivi.com/"),
        ("vietc\u{043E}mbank.com/dang-nhap", "http://xn--vietcmbank-ivi.com/dang-nhap"),
        ("http://ví-dụ.com.vn/", "http://xn--v-d-rma6749a.com.vn/"),
        ("http://%C3%BCmlat.com/", "http://xn--mlat-zra.com/"),
        ("http://EXAMPLE。com/", "http://example.com/"),
        ("http://exa\u{200B}mple.com/lo\u{200D}gin", "http://example.com/login"),
        ("ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ／", "http://example.com/"),
        ("\u{FEFF}http://example.com/\u{200B}", "http://example.com/"),
        ("http://a.com/x #frag", "http://a.com/x"),
        ("http://a.com/x%20", "http://a.com/x%20"),
    ];

    #[test]
    fn safe_browsing_examples() {
        for &(input, expected) in SAFE_BROWSING {
            assert_eq!(canonical(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn further_examples() {
        for &(input, expected) in MORE {
            assert_eq!(canonical(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn round_trips() {
        for &(input, _) in SAFE_BROWSING.iter().chain(MORE) {
            let url = Url::parse(input).unwrap();
            let again = Url::parse(url.canonical()).unwrap();
            assert_eq!(again, url, "canonical of {input:?}");
            assert_eq!(again.canonical(), url.canonical());
            assert_eq!(again.host(), url.host(), "host of {input:?}");
            assert_eq!(again.registrable_domain(), url.registrable_domain(), "registrable domain of {input:?}");
            assert_eq!(again.path_and_query(), url.path_and_query());
            assert_eq!(Url::parse(&url.display()).unwrap(), url, "display of {input:?}");
        }
    }

    #[test]
    fn accessors() {
        let url = Url::parse("https://User@Login.Vietcombank.com.vn.evil.co.uk:8443/a/./b?x=1#frag").unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host(), "login.vietcombank.com.vn.evil.co.uk");
        assert_eq!(url.registrable_domain(), Some("evil.co.uk"));
        assert_eq!(url.path(), "/a/b");
        assert_eq!(url.query(), Some("x=1"));
        assert_eq!(url.path_and_query(), "/a/b?x=1");
        assert!(!url.is_ip_host());
        assert!(url.had_userinfo());
        assert!(url.had_port());
        assert!(!url.was_defanged());

        let url = Url::parse("http://3279880203/blah").unwrap();
        assert_eq!(url.host(), "195.127.0.11");
        assert!(url.is_ip_host());
        assert_eq!(url.registrable_domain(), None);
        assert_eq!(url.query(), None);

        let url = Url::parse("http://www.google.com/q?").unwrap();
        assert_eq!(url.query(), Some(""));
        assert_eq!(url.path(), "/q");

        assert_eq!(Url::parse("http://x.y.blogspot.com/").unwrap().registrable_domain(), Some("y.blogspot.com"));
        assert_eq!(Url::parse("http://blogspot.com/").unwrap().registrable_domain(), None);
        assert_eq!(Url::parse("http://host/").unwrap().registrable_domain(), None);
        assert_eq!(Url::parse("http://abc.local/").unwrap().registrable_domain(), None);
        assert_eq!(Url::parse("http://%20leadingspace.com/").unwrap().registrable_domain(), None);
        assert_eq!(Url::parse("http://[::1]/").unwrap().host(), "[::1]");
    }

    #[test]
    fn details_fields() {
        let mut map = Map::new();
        Url::parse("hxxp://vietcombank.com.vn@vietc\u{043E}mbank.com:8080/login?id=1").unwrap().details(&mut map);
        assert_eq!(map["scheme"], "http");
        assert_eq!(map["host"], "xn--vietcmbank-ivi.com");
        assert_eq!(map["registrable_domain"], "xn--vietcmbank-ivi.com");
        assert_eq!(map["unicode_host"], "vietc\u{043E}mbank.com");
        assert_eq!(map["path"], "/login");
        assert_eq!(map["query"], "id=1");
        assert_eq!(map["ip_host"], false);
        assert_eq!(map["had_userinfo"], true);
        assert_eq!(map["had_port"], true);
        assert_eq!(map["defanged"], true);

        let mut map = Map::new();
        Url::parse("http://195.127.0.11/").unwrap().details(&mut map);
        assert_eq!(map["ip_host"], true);
        assert_eq!(map["registrable_domain"], Value::Null);
        assert!(!map.contains_key("query"));
        assert!(!map.contains_key("had_userinfo"));
        assert!(!map.contains_key("had_port"));
        assert!(!map.contains_key("unicode_host"));
    }

    #[test]
    fn equality_ignores_how_the_link_was_written() {
        let tricky = Url::parse("http://user@evil.com:81/").unwrap();
        let plain = Url::parse("http://evil.com/").unwrap();
        assert_eq!(tricky, plain);
        assert!(tricky.had_userinfo() && !plain.had_userinfo());
    }

    #[test]
    fn look_alike_idn_stays_distinct() {
        let fake = Url::parse("https://vietc\u{043E}mbank.com/").unwrap();
        let real = Url::parse("https://vietcombank.com/").unwrap();
        assert_ne!(fake, real);
        assert!(fake.host().starts_with("xn--"));
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        for (input, scheme) in [
            ("javascript:alert(1)", "javascript:"),
            ("mailto:an@gmail.com", "mailto:"),
            ("data:text/html,<script>", "data:"),
            ("ftp://ftp.myfiles.com/", "ftp:"),
            ("FILE:///etc/passwd", "file:"),
            ("tel:0912345678", "tel:"),
        ] {
            let error = refused(input);
            assert_eq!(error.code, ErrorCode::InvalidUrl);
            assert!(error.message.contains(scheme), "{input}: {}", error.message);
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            // No host (Safe Browsing's failure cases).
            ":",
            "/blah",
            "#ref",
            "/blah#ref",
            "?query#ref",
            "/blah?query#ref",
            "/blah;param",
            "http://#ref",
            "http://?query#ref",
            "http://",
            "http://@/",
            "http://.../",
            "http:www.google.com:xxyy/foo.html:80",
            // Scheme-less words and numbers.
            "file.txt",
            "hello",
            "abc.local/x",
            "1.5",
            "3279880203/blah",
            "v.v",
            "an@gmail.com",
            "user:pass@evil.com/",
            // Bad hosts and ports.
            "http://256.1.1.1/",
            "http://1.2.3.4.5/",
            "http://example.123/",
            "http://[::1/",
            "http://[::g]/",
            "http://[::1]x/",
            "http://example.com:99999/",
            "http://example.com:8o/",
            "http://exa mple.vn:80:80/",
            "http://%C2%80é.com/",
            "http://é%23.com/",
        ];
        for input in cases {
            let error = refused(input);
            assert_eq!(error.code, ErrorCode::InvalidUrl, "{input:?}: {}", error.message);
        }
        assert!(refused("file.txt").message.contains("known top-level domain"));
        assert!(refused("http://example.com:99999/").message.contains("port"));
        assert!(refused("http://256.1.1.1/").message.contains("IPv4"));
    }

    #[test]
    fn unescaping_is_linear_and_complete() {
        // `%25` nested n deep decodes to a single `%` without n passes over the string.
        let mut nested = String::from("%");
        for _ in 0..2000 {
            nested.push_str("25");
        }
        assert_eq!(canonical(&format!("http://host/{nested}")), "http://host/%25");
        assert_eq!(unescape_fully(b"%%341".to_vec()), b"A");
        assert_eq!(unescape_fully(b"%2%341".to_vec()), b"$1");
        assert_eq!(unescape_fully(b"%252541".to_vec()), b"A");
        assert_eq!(unescape_fully(b"%zz%4".to_vec()), b"%zz%4");
        assert_eq!(unescape_fully(b"a\tb\r\nc#d%41".to_vec()), b"abc");
    }

    #[test]
    fn long_inputs_are_fast_and_bounded() {
        let long_path = format!("http://a.com/{}", "../".repeat(1300));
        assert_eq!(canonical(&long_path), "http://a.com/");
        let many_segments = format!("http://a.com/{}", "a/".repeat(2000));
        assert!(Url::parse(&many_segments).is_ok());
        // Escaping would triple this past the length limit.
        let wide = format!("http://a.com/{}", "é".repeat(1000));
        assert_eq!(refused(&wide).code, ErrorCode::InvalidUrl);
        let dots = format!("http://{}a.com/", ".".repeat(4000));
        assert_eq!(canonical(&dots), "http://a.com/");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "[",
            "]",
            "[]",
            "http://[",
            "http://[]",
            "http://[]:",
            "http://]",
            "h**p:",
            "hxxp[:]",
            "hxxp[://]",
            "[/]",
            "[.]",
            "http://a.com/%",
            "http://a.com/%%",
            "http://a.com/%4",
            "%",
            "%%",
            "%C2",
            "%FF%FE",
            "http://%FF/",
            "http://%00/",
            "http://a.com:/",
            "http://:80/",
            "a:",
            "a:1",
            ":1",
            "\u{80}",
            "\u{9F}\u{80}",
            "http://\u{80}",
            "0x",
            "http://0x/",
            "http://0x.0x/",
            "http://a.0x/",
            "http://xn--/",
            "http://xn--zz.com/",
            "http://é/",
            "http://ﬀ.com/",
            "http://。/",
            "http://a.com/..%2f..%2f",
            "http://a.com/\\..\\..",
            "//",
            "///",
            "\\\\",
            "http:////",
            "http://a@",
            "http://@",
        ];
        for input in odd {
            if let Ok(url) = Url::parse(input) {
                assert_eq!(Url::parse(url.canonical()).unwrap(), url, "{input:?}");
            }
        }
    }
}
