//! Imported feeds: lists of scam contacts published by others (phishing and malware lists, partners' exports),
//! read entry by entry into canonical identifiers.
//!
//! Formats ([`FeedFormat`]):
//! - `plain`: one value per line (a phone number, account, link, domain, IP, ...), its kind guessed.
//! - `chongluadao-json`: ChongLuaDao's blocklist API, a JSON array of objects whose `url` may carry the
//!   wildcards `*.` and `/*` (`[{"url": "*.example.vn/*", "meta": {}}]`); a `created`/`createdAt` time when given.
//! - `openphish`: OpenPhish, one URL per line (the community feed), or a JSON object `{url: first_seen}` (the
//!   archives).
//! - `phishtank-csv`: PhishTank's `verified_online.csv`: a header row with a `url` column, and
//!   `submission_time`.
//! - `urlhaus`: URLhaus's CSV dump (`#` comment lines, then quoted `"id","dateadded","url",...` rows) or a
//!   list derived from it (one domain or URL per line, also as hosts-file `0.0.0.0 host` or `||host^` lines).
//! - `csv`: a CSV file with a header: `value` (required), `kind`, `scam_type`, `seen_at` (optional).
//!
//! Blank lines and lines starting with `#` are skipped, not refused. Every other line gives a [`FeedLine`]:
//! a [`FeedItem`] or a [`FeedRejection`] with a stable reason code. Line-based and CSV formats are read as a
//! stream; the JSON formats are one document, read whole. Link feeds (`chongluadao-json`, `openphish`,
//! `phishtank-csv`, `urlhaus`) hold links, domains, IPs, social accounts and e-mail addresses only.
//!
//! Pure: the caller opens the file and hands a reader; nothing here touches a file, the clock or the network.

use crate::error::{Error, ErrorCode};
use crate::identifier::{Domain, Identifier, IdentifierKind, Url, detect};
use crate::scam_type::ScamType;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

/// How a feed file is laid out. Stable names: see [`FeedFormat::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    Plain,
    ChongluadaoJson,
    Openphish,
    PhishtankCsv,
    Urlhaus,
    Csv,
}

impl FeedFormat {
    pub const ALL: &'static [FeedFormat] = &[
        FeedFormat::Plain,
        FeedFormat::ChongluadaoJson,
        FeedFormat::Openphish,
        FeedFormat::PhishtankCsv,
        FeedFormat::Urlhaus,
        FeedFormat::Csv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Plain => "plain",
            FeedFormat::ChongluadaoJson => "chongluadao-json",
            FeedFormat::Openphish => "openphish",
            FeedFormat::PhishtankCsv => "phishtank-csv",
            FeedFormat::Urlhaus => "urlhaus",
            FeedFormat::Csv => "csv",
        }
    }

    /// By its name (`_` and `-` alike, any case).
    pub fn parse(text: &str) -> Result<FeedFormat, Error> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        FeedFormat::ALL.iter().copied().find(|f| f.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = FeedFormat::ALL.iter().map(|f| f.as_str()).collect();
            Error::new(
                ErrorCode::InvalidValue,
                format!(
                    "unknown feed format '{}': expected one of {}",
                    crate::text::shorten_for_message(text),
                    names.join(", ")
                ),
            )
            .with_field("format")
        })
    }

    /// Whether the format lists links (and hosts) only.
    fn is_link_feed(self) -> bool {
        matches!(
            self,
            FeedFormat::ChongluadaoJson | FeedFormat::Openphish | FeedFormat::PhishtankCsv | FeedFormat::Urlhaus
        )
    }
}

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FeedFormat {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        FeedFormat::parse(text)
    }
}

/// One contact read from a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub identifier: Identifier,
    /// When the feed says (the `csv` format's `scam_type` column); else the importer's choice.
    pub scam_type: Option<ScamType>,
    /// When the feed saw it (Unix milliseconds), if the feed says.
    pub seen_at: Option<i64>,
}

/// Why a line was refused. Stable codes: see [`RejectReason::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// The value is not a contact of any kind (or not a valid one of the kind the row names).
    NotAContact,
    /// A contact of a kind this feed may not carry (a phone number in a link feed, a card, a VietQR payload),
    /// or a `kind` column naming no kind.
    UnsupportedKind,
    /// The row is malformed: no value, a JSON entry that is not an object with a `url`, bytes that are not UTF-8.
    InvalidRow,
    /// The row's time cannot be read.
    InvalidTime,
    /// The row's scam type is not one of the catalogue's codes.
    InvalidScamType,
}

impl RejectReason {
    pub const ALL: &'static [RejectReason] = &[
        RejectReason::NotAContact,
        RejectReason::UnsupportedKind,
        RejectReason::InvalidRow,
        RejectReason::InvalidTime,
        RejectReason::InvalidScamType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotAContact => "not_a_contact",
            RejectReason::UnsupportedKind => "unsupported_kind",
            RejectReason::InvalidRow => "invalid_row",
            RejectReason::InvalidTime => "invalid_time",
            RejectReason::InvalidScamType => "invalid_scam_type",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused line: the reason and a short message (which never repeats the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRejection {
    pub reason: RejectReason,
    pub message: String,
}

impl FeedRejection {
    fn new(reason: RejectReason, message: impl Into<String>) -> Self {
        FeedRejection { reason, message: message.into() }
    }
}

/// One entry of a feed and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLine {
    /// The 1-based line of the file where the entry starts.
    pub line: usize,
    pub outcome: Result<FeedItem, FeedRejection>,
}

/// The entries of a feed, in file order. An `Err` item is fatal (the file cannot be read on, e.g. an I/O
/// error) and ends the iteration.
pub struct FeedReader<'a> {
    inner: Box<dyn Iterator<Item = Result<FeedLine, Error>> + Send + 'a>,
}

impl Iterator for FeedReader<'_> {
    type Item = Result<FeedLine, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl fmt::Debug for FeedReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FeedReader")
    }
}

/// Reads a feed of `format` from `reader`. Fails at once when the file as a whole is not of the format
/// (a JSON document that does not parse, a CSV header without its required column).
pub fn read<'a, R: Read + Send + 'a>(format: FeedFormat, reader: R) -> Result<FeedReader<'a>, Error> {
    let inner: Box<dyn Iterator<Item = Result<FeedLine, Error>> + Send + 'a> = match format {
        FeedFormat::Plain => Box::new(Lines::new(reader).map(move |line| line.map(|l| plain_line(format, l)))),
        FeedFormat::Openphish | FeedFormat::Urlhaus => {
            let (first, reader) = first_meaningful_byte(reader)?;
            match (format, first) {
                (FeedFormat::Openphish, Some(b'{')) => Box::new(openphish_json(reader)?.into_iter().map(Ok)),
                (FeedFormat::Urlhaus, Some(b'"')) => Box::new(urlhaus_csv(reader)),
                _ => Box::new(Lines::new(reader).map(move |line| line.map(|l| plain_line(format, l)))),
            }
        }
        FeedFormat::ChongluadaoJson => Box::new(chongluadao_json(reader)?.into_iter().map(Ok)),
        FeedFormat::PhishtankCsv => Box::new(phishtank_csv(reader)?),
        FeedFormat::Csv => Box::new(generic_csv(reader)?),
    };
    Ok(FeedReader { inner })
}

/// Reads a whole feed held in memory (see [`read`]).
pub fn read_bytes(format: FeedFormat, bytes: &[u8]) -> Result<Vec<FeedLine>, Error> {
    read(format, bytes)?.collect()
}

fn io_error(error: std::io::Error) -> Error {
    Error::new(ErrorCode::InvalidFile, format!("cannot read the feed: {error}"))
}

/// Most bytes read ahead to find the first line that is neither blank nor a comment.
const PEEK_LIMIT: usize = 1 << 20;

/// A reader given back whole after its first bytes were read ahead.
type Rewound<R> = std::io::Chain<std::io::Cursor<Vec<u8>>, R>;

/// The first byte of the first line that is neither blank nor a `#` comment (`None`: the file has none in its
/// first [`PEEK_LIMIT`] bytes), and a reader that still gives the whole file.
fn first_meaningful_byte<R: Read>(mut reader: R) -> Result<(Option<u8>, Rewound<R>), Error> {
    let mut prefix = Vec::new();
    let mut chunk = [0u8; 8192];
    let first = loop {
        let text = prefix.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&prefix);
        // Every line but the last is whole; the last one decides only once it shows a character.
        let decided = text.split(|&b| b == b'\n').find_map(|line| match line.trim_ascii_start().first() {
            None | Some(b'#') => None,
            Some(&byte) => Some(byte),
        });
        if decided.is_some() || prefix.len() >= PEEK_LIMIT {
            break decided;
        }
        let read = reader.read(&mut chunk).map_err(io_error)?;
        if read == 0 {
            break None;
        }
        prefix.extend_from_slice(&chunk[..read]);
    };
    Ok((first, std::io::Cursor::new(prefix).chain(reader)))
}

/// Lines of text with their numbers, blank and `#` lines skipped, a line that is not UTF-8 refused.
struct Lines<R> {
    reader: BufReader<R>,
    buffer: Vec<u8>,
    number: usize,
    done: bool,
}

/// A line's number and its text (trimmed), or its refusal.
type RawLine = (usize, Result<String, FeedRejection>);

impl<R: Read> Lines<R> {
    fn new(reader: R) -> Self {
        Lines { reader: BufReader::with_capacity(64 * 1024, reader), buffer: Vec::new(), number: 0, done: false }
    }
}

impl<R: Read> Iterator for Lines<R> {
    type Item = Result<RawLine, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buffer.clear();
            match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.number += 1;
                    let mut bytes = self.buffer.as_slice();
                    if self.number == 1 {
                        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
                    }
                    let bytes = bytes.trim_ascii();
                    if bytes.is_empty() || bytes.starts_with(b"#") {
                        continue;
                    }
                    let text = match std::str::from_utf8(bytes) {
                        Ok(text) => Ok(text.to_string()),
                        Err(_) => Err(FeedRejection::new(RejectReason::InvalidRow, "the line is not UTF-8")),
                    };
                    return Some(Ok((self.number, text)));
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(io_error(error)));
                }
            }
        }
        None
    }
}

fn plain_line(format: FeedFormat, (line, text): RawLine) -> FeedLine {
    let outcome = text.and_then(|text| {
        let value = if format == FeedFormat::Urlhaus { blocklist_host(&text) } else { text.as_str() };
        contact(format, value, None).map(|identifier| FeedItem { identifier, scam_type: None, seen_at: None })
    });
    FeedLine { line, outcome }
}

/// The host of a blocklist line in hosts-file (`0.0.0.0 host`) or adblock (`||host^`) syntax; other lines as
/// they are.
fn blocklist_host(line: &str) -> &str {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("||") {
        return rest.split('^').next().unwrap_or(rest).trim();
    }
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("0.0.0.0" | "127.0.0.1" | "::" | "::1"), Some(host)) => host,
        _ => line,
    }
}

/// Links in feeds sometimes carry blocklist wildcards (`*.host/*`) and zero-width characters.
fn strip_wildcards(value: &str) -> String {
    let cleaned: String = value.chars().filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}')).collect();
    let mut value = cleaned.trim();
    for prefix in ["*://", "*."] {
        value = value.strip_prefix(prefix).unwrap_or(value);
    }
    value = value.strip_suffix("/*").or_else(|| value.strip_suffix('*')).unwrap_or(value);
    value.to_string()
}

/// The kind of a feed's value, guessed. Unlike a search box, a feed that lists `www.host` means the host (a
/// domain), not a link to its home page; and a link feed's `host:port` is a link.
fn guess(format: FeedFormat, value: &str) -> Result<Identifier, Error> {
    let bare = !value.contains("://") && !value.contains(['/', '?', '@']) && !value.contains(char::is_whitespace);
    if bare
        && value.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("www."))
        && let Ok(domain) = Domain::parse(value)
    {
        return Ok(Identifier::Domain(domain));
    }
    detect(value).or_else(|error| {
        if format.is_link_feed() && !value.contains("://") && !value.contains(char::is_whitespace) {
            Url::parse(&format!("http://{value}")).map(Identifier::Url).map_err(|_| error)
        } else {
            Err(error)
        }
    })
}

/// The kinds a link feed may carry.
fn is_link_kind(kind: IdentifierKind) -> bool {
    matches!(
        kind,
        IdentifierKind::Url
            | IdentifierKind::Domain
            | IdentifierKind::Ip
            | IdentifierKind::Social
            | IdentifierKind::Email
    )
}

/// The contact `value` names: parsed strictly as `kind` when given, else its kind guessed.
fn contact(format: FeedFormat, value: &str, kind: Option<IdentifierKind>) -> Result<Identifier, FeedRejection> {
    let value = if format.is_link_feed() { strip_wildcards(value) } else { value.trim().to_string() };
    if value.is_empty() {
        return Err(FeedRejection::new(RejectReason::InvalidRow, "the entry has no value"));
    }
    let parsed = match kind {
        Some(kind) => kind.parse(&value),
        None => guess(format, &value),
    };
    let identifier = parsed
        .map_err(|error| FeedRejection::new(RejectReason::NotAContact, format!("{}: {}", error.code, error.message)))?;
    match identifier.kind() {
        IdentifierKind::Card => Err(FeedRejection::new(
            RejectReason::UnsupportedKind,
            "card numbers are never kept whole, so a feed cannot list them",
        )),
        IdentifierKind::Vietqr => Err(FeedRejection::new(
            RejectReason::UnsupportedKind,
            "list the account a VietQR code pays (bank:BIN:ACCOUNT), not the code",
        )),
        kind if format.is_link_feed() && !is_link_kind(kind) => Err(FeedRejection::new(
            RejectReason::UnsupportedKind,
            format!("a {format} feed lists links, domains and IPs, not a {kind}"),
        )),
        _ => Ok(identifier),
    }
}

/// A time as feeds write it: RFC 3339, a date (Vietnamese midnight), `YYYY-MM-DD HH:MM:SS` (UTC, as URLhaus
/// writes), or a Unix time in seconds or milliseconds.
pub fn parse_seen_at(text: &str) -> Result<i64, FeedRejection> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_millisecond());
    }
    // A date and a time without an offset (a date alone also parses as a civil date-time, at midnight).
    if text.contains(':')
        && let Ok(datetime) = text.parse::<jiff::civil::DateTime>()
        && let Ok(at) = jiff::tz::Offset::UTC.to_timestamp(datetime)
    {
        return Ok(at.as_millisecond());
    }
    if let Ok(at) = crate::report::parse_instant(text, "seen_at") {
        return Ok(at);
    }
    if let Ok(number) = text.parse::<i64>() {
        // Before 5138 as seconds, after 1973 as milliseconds.
        if number > 0 && number < 100_000_000_000 {
            return Ok(number * 1000);
        }
        if number > 0 {
            return Ok(number);
        }
    }
    Err(FeedRejection::new(
        RejectReason::InvalidTime,
        "expected a time as RFC 3339, a date (YYYY-MM-DD), 'YYYY-MM-DD HH:MM:SS' (UTC) or a Unix time",
    ))
}

/// A JSON time: a string (see [`parse_seen_at`]) or a number (Unix seconds or milliseconds).
fn json_seen_at(value: &serde_json::Value) -> Option<Result<i64, FeedRejection>> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(parse_seen_at(text)),
        serde_json::Value::Number(number) => Some(parse_seen_at(&number.to_string())),
        _ => Some(Err(FeedRejection::new(RejectReason::InvalidTime, "the time is neither text nor a number"))),
    }
}

/// The whole document as text, for the JSON formats.
fn whole_text<R: Read>(mut reader: R) -> Result<String, Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorCode::InvalidUtf8, "the feed is not UTF-8 text"))
}

/// Line numbers of positions in a text, asked for in increasing order.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text, offset: 0, line: 1 }
    }

    /// The line of `part`, a slice of the text.
    fn line_of(&mut self, part: &str) -> usize {
        let at = (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize).min(self.text.len());
        if at >= self.offset {
            self.line += self.text.as_bytes()[self.offset..at].iter().filter(|&&b| b == b'\n').count();
            self.offset = at;
        }
        self.line
    }
}

fn invalid_json(format: FeedFormat, error: serde_json::Error) -> Error {
    Error::new(ErrorCode::InvalidFile, format!("the file is not a {format} feed: {error}")).with_field("format")
}

/// ChongLuaDao's API: `[{"url": "...", ...}, ...]`; plain strings in the array are taken as URLs too.
fn chongluadao_json<R: Read>(reader: R) -> Result<Vec<FeedLine>, Error> {
    let format = FeedFormat::ChongluadaoJson;
    let text = whole_text(reader)?;
    let entries: Vec<&RawValue> = serde_json::from_str(&text).map_err(|e| invalid_json(format, e))?;
    let mut lines = LineCounter::new(&text);
    let mut out = Vec::with_capacity(entries.len());
    for raw in entries {
        let line = lines.line_of(raw.get());
        let outcome = match serde_json::from_str::<serde_json::Value>(raw.get()) {
            Ok(serde_json::Value::String(url)) => {
                contact(format, &url, None).map(|identifier| FeedItem { identifier, scam_type: None, seen_at: None })
            }
            Ok(serde_json::Value::Object(object)) => match object.get("url").and_then(|u| u.as_str()) {
                None => Err(FeedRejection::new(RejectReason::InvalidRow, "the entry has no \"url\" text")),
                Some(url) => {
                    let seen_at = ["created", "createdAt", "created_at", "date"]
                        .iter()
                        .find_map(|key| object.get(*key).and_then(json_seen_at))
                        .transpose();
                    seen_at.and_then(|seen_at| {
                        contact(format, url, None).map(|identifier| FeedItem { identifier, scam_type: None, seen_at })
                    })
                }
            },
            _ => Err(FeedRejection::new(RejectReason::InvalidRow, "the entry is not an object with a \"url\"")),
        };
        out.push(FeedLine { line, outcome });
    }
    Ok(out)
}

/// An object's entries in document order, each value left raw (to know its position).
struct OrderedEntries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for OrderedEntries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedEntries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of URLs and the times they were first seen")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(OrderedEntries(entries))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// OpenPhish archives: `{"http://...": "2025-01-18T11:19:06.205+00:00", ...}`.
fn openphish_json<R: Read>(reader: R) -> Result<Vec<FeedLine>, Error> {
    let format = FeedFormat::Openphish;
    let text = whole_text(reader)?;
    let OrderedEntries(entries) = serde_json::from_str(&text).map_err(|e| invalid_json(format, e))?;
    let mut lines = LineCounter::new(&text);
    let mut out = Vec::with_capacity(entries.len());
    for (url, raw) in entries {
        let line = lines.line_of(raw.get());
        let seen_at = match serde_json::from_str::<serde_json::Value>(raw.get()) {
            Ok(value) => json_seen_at(&value).transpose(),
            Err(_) => Ok(None),
        };
        let outcome = seen_at.and_then(|seen_at| {
            contact(format, &url, None).map(|identifier| FeedItem { identifier, scam_type: None, seen_at })
        });
        out.push(FeedLine { line, outcome });
    }
    Ok(out)
}

/// The bytes a CSV reader has read and not yet given out as records, to tell the line a record starts on
/// (the csv crate counts the comment and blank lines before a record as part of it).
#[derive(Default)]
struct Window {
    bytes: std::collections::VecDeque<u8>,
    /// The offset in the file of `bytes[0]`, and its line (1-based).
    start: u64,
    line: usize,
}

/// A reader that keeps what passes through in a [`Window`].
struct Tracked<R> {
    inner: R,
    window: Arc<Mutex<Window>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.window.lock().unwrap_or_else(|p| p.into_inner()).bytes.extend(&buffer[..read]);
        Ok(read)
    }
}

impl Window {
    /// The line of the first record line at or after byte `offset` (blank and `#` lines skipped); forgets the
    /// bytes before `offset`. Offsets must be asked for in increasing order.
    fn line_at(&mut self, offset: u64) -> usize {
        let forget = (offset.saturating_sub(self.start) as usize).min(self.bytes.len());
        self.line += self.bytes.range(..forget).filter(|&&b| b == b'\n').count();
        self.bytes.drain(..forget);
        self.start += forget as u64;
        let (mut line, mut at) = (self.line, 0);
        while let Some(end) = self.bytes.range(at..).position(|&b| b == b'\n').map(|n| at + n) {
            let mut content = self.bytes.range(at..end).copied().skip_while(|b| b.is_ascii_whitespace());
            match content.next() {
                None | Some(b'#') => {
                    line += 1;
                    at = end + 1;
                }
                Some(_) => break,
            }
        }
        line
    }
}

type CsvReader<R> = (csv::Reader<Tracked<R>>, Arc<Mutex<Window>>);

fn csv_reader<R: Read>(reader: R, has_headers: bool) -> CsvReader<R> {
    let window = Arc::new(Mutex::new(Window { line: 1, ..Window::default() }));
    let reader = csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(Tracked { inner: reader, window: window.clone() });
    (reader, window)
}

fn csv_error(error: csv::Error) -> Error {
    Error::new(ErrorCode::InvalidCsv, format!("cannot read the CSV feed: {error}"))
}

/// The columns of a CSV header, lowercase.
fn header_names(reader: &mut csv::Reader<impl Read>) -> Result<Vec<String>, Error> {
    let headers = reader.byte_headers().map_err(csv_error)?;
    Ok(headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{FEFF}').to_ascii_lowercase())
        .collect())
}

/// Field `index` of a row as text: `Ok(None)` when absent or empty.
fn field(record: &csv::ByteRecord, index: Option<usize>) -> Result<Option<&str>, FeedRejection> {
    let Some(bytes) = index.and_then(|i| record.get(i)) else { return Ok(None) };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FeedRejection::new(RejectReason::InvalidRow, "the row is not UTF-8"))?
        .trim();
    Ok((!text.is_empty()).then_some(text))
}

/// Rows of a CSV reader as `(line, row)`, stopping after a fatal error.
fn csv_rows<R: Read>(
    (mut reader, window): CsvReader<R>,
) -> impl Iterator<Item = Result<(usize, csv::ByteRecord), Error>> {
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let offset = record.position().map_or(0, |p| p.byte());
                let line = window.lock().unwrap_or_else(|p| p.into_inner()).line_at(offset);
                Some(Ok((line, record)))
            }
            Ok(false) => {
                done = true;
                None
            }
            Err(error) => {
                done = true;
                Some(Err(csv_error(error)))
            }
        }
    })
}

/// PhishTank: `phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target`.
fn phishtank_csv<'a, R: Read + Send + 'a>(
    reader: R,
) -> Result<impl Iterator<Item = Result<FeedLine, Error>> + Send + 'a, Error> {
    let format = FeedFormat::PhishtankCsv;
    let mut reader = csv_reader(reader, true);
    let names = header_names(&mut reader.0)?;
    let url = names.iter().position(|n| n == "url").ok_or_else(|| {
        Error::new(ErrorCode::InvalidCsv, "the PhishTank CSV has no 'url' column in its header").with_field("url")
    })?;
    let time = names.iter().position(|n| n == "submission_time");
    Ok(csv_rows(reader).map(move |row| {
        row.map(|(line, record)| {
            let outcome = (|| {
                let value = field(&record, Some(url))?
                    .ok_or_else(|| FeedRejection::new(RejectReason::InvalidRow, "the row has no url"))?;
                let seen_at = field(&record, time)?.map(parse_seen_at).transpose()?;
                let identifier = contact(format, value, None)?;
                Ok(FeedItem { identifier, scam_type: None, seen_at })
            })();
            FeedLine { line, outcome }
        })
    }))
}

/// URLhaus's CSV dump: `"id","dateadded","url","url_status",...` (the header is a comment line).
fn urlhaus_csv<'a, R: Read + Send + 'a>(reader: R) -> impl Iterator<Item = Result<FeedLine, Error>> + Send + 'a {
    let format = FeedFormat::Urlhaus;
    csv_rows(csv_reader(reader, false)).map(move |row| {
        row.map(|(line, record)| {
            let outcome = (|| {
                let value = field(&record, Some(2))?
                    .ok_or_else(|| FeedRejection::new(RejectReason::InvalidRow, "the row has no url (third column)"))?;
                let seen_at = field(&record, Some(1))?.map(parse_seen_at).transpose()?;
                let identifier = contact(format, value, None)?;
                Ok(FeedItem { identifier, scam_type: None, seen_at })
            })();
            FeedLine { line, outcome }
        })
    })
}

/// A CSV with a header: `value` (required), `kind`, `scam_type`, `seen_at`.
fn generic_csv<'a, R: Read + Send + 'a>(
    reader: R,
) -> Result<impl Iterator<Item = Result<FeedLine, Error>> + Send + 'a, Error> {
    let format = FeedFormat::Csv;
    let mut reader = csv_reader(reader, true);
    let names = header_names(&mut reader.0)?;
    let column = |name: &str| names.iter().position(|n| n == name);
    let value = column("value").ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidCsv,
            "the CSV has no 'value' column in its header (value, kind, scam_type, seen_at)",
        )
        .with_field("value")
    })?;
    let (kind, scam_type, seen_at) = (column("kind"), column("scam_type"), column("seen_at"));
    Ok(csv_rows(reader).map(move |row| {
        row.map(|(line, record)| {
            let outcome = (|| {
                let text = field(&record, Some(value))?
                    .ok_or_else(|| FeedRejection::new(RejectReason::InvalidRow, "the row has no value"))?;
                let kind = field(&record, kind)?
                    .map(|k| {
                        k.parse::<IdentifierKind>().map_err(|_| {
                            FeedRejection::new(
                                RejectReason::UnsupportedKind,
                                "the kind column names no kind of contact",
                            )
                        })
                    })
                    .transpose()?;
                let scam_type = field(&record, scam_type)?
                    .map(|t| {
                        ScamType::parse(t).map_err(|_| {
                            FeedRejection::new(RejectReason::InvalidScamType, "the scam_type is not a catalogue code")
                        })
                    })
                    .transpose()?;
                let seen_at = field(&record, seen_at)?.map(parse_seen_at).transpose()?;
                let identifier = contact(format, text, kind)?;
                Ok(FeedItem { identifier, scam_type, seen_at })
            })();
            FeedLine { line, outcome }
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(format: FeedFormat, text: &str) -> Vec<FeedLine> {
        read_bytes(format, text.as_bytes()).unwrap_or_else(|e| panic!("{format}: {e}"))
    }

    /// (line, canonical) of the accepted, (line, reason) of the refused.
    type Summary = (Vec<(usize, String)>, Vec<(usize, &'static str)>);

    fn summary(lines: &[FeedLine]) -> Summary {
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for line in lines {
            match &line.outcome {
                Ok(item) => accepted.push((line.line, item.identifier.canonical())),
                Err(rejection) => refused.push((line.line, rejection.reason.as_str())),
            }
        }
        (accepted, refused)
    }

    #[test]
    fn formats_have_stable_names() {
        for format in FeedFormat::ALL {
            assert_eq!(FeedFormat::parse(format.as_str()).unwrap(), *format);
        }
        assert_eq!(FeedFormat::parse(" PhishTank_CSV ").unwrap(), FeedFormat::PhishtankCsv);
        let error = FeedFormat::parse("xml").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidValue);
        assert_eq!(error.field.as_deref(), Some("format"));
        assert!(error.message.contains("chongluadao-json"));
    }

    #[test]
    fn plain_guesses_each_kind_and_skips_comments() {
        let text = "\u{FEFF}# scam contacts\n\n0912 345 678\r\nagribank-xacminh.com\n  \nhttps://vcb-online.top/login?id=1\n\
                    not a contact at all\n4111 1111 1111 1111\n# end\n1.2.3.4\n";
        let (accepted, refused) = summary(&lines(FeedFormat::Plain, text));
        assert_eq!(
            accepted,
            vec![
                (3, "+84912345678".to_string()),
                (4, "agribank-xacminh.com".to_string()),
                (6, "https://vcb-online.top/login?id=1".to_string()),
                (10, "1.2.3.4".to_string()),
            ]
        );
        assert_eq!(refused, vec![(7, "not_a_contact"), (8, "unsupported_kind")]);
    }

    #[test]
    fn plain_refuses_a_line_that_is_not_utf8_and_goes_on() {
        let (accepted, refused) = summary(&read_bytes(FeedFormat::Plain, b"a-shop.com\n\xff\xfe\nb-shop.com").unwrap());
        assert_eq!(accepted.len(), 2);
        assert_eq!(refused, vec![(2, "invalid_row")]);
    }

    #[test]
    fn chongluadao_json_strips_wildcards_and_counts_lines() {
        let text = r#"[{"url":"http://vietnamairslines.com/*", "meta": {}},
{"url":"*.agribank-vn.top/*","meta": {}},
{"url":"https://www.facebook.com/HieuPC.Fan/*","meta": {}, "created": "2021-03-01T00:00:00Z"},
{"meta": {}},
"mbankingvn.com",
{"url":"0912345678"}]"#;
        let lines = lines(FeedFormat::ChongluadaoJson, text);
        let (accepted, refused) = summary(&lines);
        assert_eq!(accepted[0], (1, "http://vietnamairslines.com/".to_string()));
        assert_eq!(accepted[1], (2, "agribank-vn.top".to_string()));
        assert_eq!(lines[2].outcome.as_ref().unwrap().identifier.kind(), IdentifierKind::Social);
        assert_eq!(lines[2].outcome.as_ref().unwrap().seen_at, Some(1_614_556_800_000));
        assert_eq!(accepted[3], (5, "mbankingvn.com".to_string()));
        assert_eq!(refused, vec![(4, "invalid_row"), (6, "unsupported_kind")]);
        let error = read_bytes(FeedFormat::ChongluadaoJson, b"{\"url\": 1").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidFile);
    }

    #[test]
    fn openphish_reads_the_feed_and_the_archive() {
        let feed = "https://secure-login-site.com.com/paypal/\nhttp://pub-1.r2.dev/index.html\n";
        let (accepted, refused) = summary(&lines(FeedFormat::Openphish, feed));
        assert_eq!(accepted.len(), 2);
        assert!(refused.is_empty());
        let archive = "{\n  \"http://amazonlandingpageclone.netlify.app/\": \"2025-01-18T11:19:06.205+00:00\",\n  \
                       \"http://telehot-eta.vercel.app/\": \"yesterday\",\n  \"http://x-site.com/\": null\n}";
        let lines = lines(FeedFormat::Openphish, archive);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 2);
        let item = lines[0].outcome.as_ref().unwrap();
        assert_eq!(item.identifier.canonical(), "http://amazonlandingpageclone.netlify.app/");
        assert_eq!(item.seen_at, Some(1_737_199_146_205));
        assert_eq!(lines[1].outcome.as_ref().unwrap_err().reason, RejectReason::InvalidTime);
        assert_eq!(lines[1].line, 3);
        assert_eq!(lines[2].outcome.as_ref().unwrap().seen_at, None);
    }

    #[test]
    fn phishtank_reads_url_and_submission_time() {
        let text = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n\
7019669,https://www.viptbslook.tonohost.com/,http://www.phishtank.com/phish_detail.php?phish_id=7019669,2021-03-14T07:31:24+00:00,yes,2021-03-14T07:36:16+00:00,yes,Other\n\
7019670,\"http://a-site.com/x,y\",http://www.phishtank.com/,2021-03-14T07:31:24+00:00,yes,,yes,PayPal\n\
7019671,,http://www.phishtank.com/,2021-03-14T07:31:24+00:00,yes,,yes,Other\n\
7019672,http://b-site.com/,http://www.phishtank.com/,someday,yes,,yes,Other\n";
        let lines = lines(FeedFormat::PhishtankCsv, text);
        let (accepted, refused) = summary(&lines);
        assert_eq!(accepted[0], (2, "https://www.viptbslook.tonohost.com/".to_string()));
        assert_eq!(lines[0].outcome.as_ref().unwrap().seen_at, Some(1_615_707_084_000));
        assert_eq!(accepted[1].0, 3);
        assert_eq!(refused, vec![(4, "invalid_row"), (5, "invalid_time")]);
        let error = read_bytes(FeedFormat::PhishtankCsv, b"id,link\n1,http://a-site.com/\n").unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidCsv, Some("url")));
    }

    #[test]
    fn urlhaus_reads_the_csv_dump_and_the_domain_lists() {
        let dump = "################################################################\n\
# abuse.ch URLhaus Database Dump (CSV - recent URLs)             #\n\
#\n\
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n\
\"3393999\",\"2025-01-18 12:34:56\",\"http://103.1.2.3:4455/bin.sh\",\"online\",\"2025-01-18 12:34:56\",\"malware_download\",\"32-bit,elf,mips,Mozi\",\"https://urlhaus.abuse.ch/url/3393999/\",\"geenensp\"\n\
\"3393998\",\"2025-01-18 12:30:00\",\"https://evil-site.com/payload.exe\",\"offline\",\"\",\"malware_download\",\"exe\",\"https://urlhaus.abuse.ch/url/3393998/\",\"abuse_ch\"\n\
\"3393997\",\"not a time\",\"https://evil2-site.com/\",\"offline\",\"\",\"malware_download\",\"\",\"\",\"\"\n";
        let dump_lines = lines(FeedFormat::Urlhaus, dump);
        let (accepted, refused) = summary(&dump_lines);
        assert_eq!(
            accepted,
            vec![(5, "http://103.1.2.3/bin.sh".to_string()), (6, "https://evil-site.com/payload.exe".to_string()),]
        );
        assert_eq!(dump_lines[0].outcome.as_ref().unwrap().seen_at, Some(1_737_203_696_000));
        assert_eq!(refused, vec![(7, "invalid_time")]);

        let list = "# Title: Malicious Domains Blocklist\n# Updated: 2025-07-19T12:11:28Z\n0022a601.pphost.net\n\
                    1.0.209.238\n0.0.0.0 hosts-style-site.com\n||adblock-style-site.com^\n";
        let (accepted, refused) = summary(&lines(FeedFormat::Urlhaus, list));
        assert_eq!(
            accepted,
            vec![
                (3, "0022a601.pphost.net".to_string()),
                (4, "1.0.209.238".to_string()),
                (5, "hosts-style-site.com".to_string()),
                (6, "adblock-style-site.com".to_string()),
            ]
        );
        assert!(refused.is_empty());
    }

    /// A reader that gives a few bytes at a time, like a pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buffer.len()).min(3);
            buffer[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_layout_is_told_however_the_bytes_arrive() {
        let dump = "# URLhaus\n#\n\n\"1\",\"2025-01-18 12:30:00\",\"https://evil-site.com/a.exe\",\"online\"\n";
        let lines: Vec<FeedLine> =
            read(FeedFormat::Urlhaus, Trickle(dump.as_bytes())).unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line, 4);
        assert_eq!(lines[0].outcome.as_ref().unwrap().identifier.canonical(), "https://evil-site.com/a.exe");
        let archive = "\n\n  {\"http://a-site.com/\": \"2025-01-18T11:19:06Z\"}";
        let lines: Vec<FeedLine> =
            read(FeedFormat::Openphish, Trickle(archive.as_bytes())).unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line, 3);
        assert!(lines[0].outcome.as_ref().unwrap().seen_at.is_some());
    }

    #[test]
    fn generic_csv_reads_value_kind_scam_type_and_seen_at() {
        let text = "value,kind,scam_type,seen_at,note\n\
0912345678,phone,impersonation_bank,2026-11-20,from a partner\n\
\"0011004123456 VCB\",,task_scam,1763600000,\n\
# a comment row\n\
\n\
scam-shop.vn,domain,,,\n\
0912345678,bank_account,,,\n\
x-shop.com,pager,,,\n\
y-shop.com,,romance,,\n\
z-shop.com,,,tomorrow,\n\
,phone,,,\n";
        let lines = lines(FeedFormat::Csv, text);
        let (accepted, refused) = summary(&lines);
        assert_eq!(
            accepted,
            vec![
                (2, "+84912345678".to_string()),
                (3, "bank:970436:0011004123456".to_string()),
                (6, "scam-shop.vn".to_string()),
            ]
        );
        let first = lines[0].outcome.as_ref().unwrap();
        assert_eq!(first.scam_type, Some(ScamType::ImpersonationBank));
        assert_eq!(first.seen_at, Some(1_795_107_600_000));
        assert_eq!(lines[1].outcome.as_ref().unwrap().seen_at, Some(1_763_600_000_000));
        assert_eq!(
            refused,
            vec![
                (7, "not_a_contact"),
                (8, "unsupported_kind"),
                (9, "invalid_scam_type"),
                (10, "invalid_time"),
                (11, "invalid_row")
            ]
        );
        let error = read_bytes(FeedFormat::Csv, b"phone\n0912345678\n").unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidCsv, Some("value")));
        assert_eq!(read_bytes(FeedFormat::Csv, b"").unwrap_err().code, ErrorCode::InvalidCsv);
    }

    #[test]
    fn times_in_every_form_feeds_use() {
        assert_eq!(parse_seen_at("2025-01-18T11:19:06.205+00:00").unwrap(), 1_737_199_146_205);
        assert_eq!(parse_seen_at("2025-01-18 12:34:56").unwrap(), 1_737_203_696_000);
        assert_eq!(parse_seen_at("1737199146").unwrap(), 1_737_199_146_000);
        assert_eq!(parse_seen_at("1737199146205").unwrap(), 1_737_199_146_205);
        assert_eq!(parse_seen_at("2026-11-20").unwrap(), 1_795_107_600_000);
        assert_eq!(parse_seen_at("soon").unwrap_err().reason, RejectReason::InvalidTime);
        assert_eq!(parse_seen_at("-5").unwrap_err().reason, RejectReason::InvalidTime);
    }

    #[test]
    fn empty_feeds_have_no_lines() {
        for format in [FeedFormat::Plain, FeedFormat::Openphish, FeedFormat::Urlhaus] {
            assert!(read_bytes(format, b"").unwrap().is_empty(), "{format}");
            assert!(read_bytes(format, b"# only a comment\n\n").unwrap().is_empty(), "{format}");
        }
        assert!(read_bytes(FeedFormat::ChongluadaoJson, b"[]").unwrap().is_empty());
        assert!(read_bytes(FeedFormat::PhishtankCsv, b"phish_id,url\n").unwrap().is_empty());
    }
}
