//! The 5656 spam-report message: how Vietnamese subscribers report spam to the telecoms by SMS.
//!
//! `S <sender> <content>` reports a spam SMS: the sender is the phone number, short code or brand name it came
//! from, the content is the message (required). `V <caller> <content>` reports a spam call: the caller is a phone
//! number, the content describes the call (may be empty). People type these on a phone keyboard, so the parser
//! is lenient about case, spacing and how the number is written, and strict about what the sender is: the
//! number comes out canonical, as everywhere else.

use crate::error::{Error, ErrorCode, Result};
use crate::identifier::{Identifier, MAX_VALUE_CHARS, PhoneNumber};
use crate::text;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// What the subscriber reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsReportKind {
    /// `S`: a spam SMS.
    Sms,
    /// `V`: a spam call.
    Call,
}

impl SmsReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsReportKind::Sms => "sms",
            SmsReportKind::Call => "call",
        }
    }

    /// The keyword that starts the message.
    pub fn keyword(self) -> char {
        match self {
            SmsReportKind::Sms => 'S',
            SmsReportKind::Call => 'V',
        }
    }
}

/// Who sent the spam: a phone number (canonical, short codes included) or an SMS brand name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReportedSender {
    Phone(PhoneNumber),
    /// An alphanumeric sender ID, uppercased: reports typed in any case group together.
    Brandname(String),
}

impl ReportedSender {
    /// `+84912345678`, `short:9029` or the brand name (`VCB-BANK`).
    pub fn canonical(&self) -> &str {
        match self {
            ReportedSender::Phone(phone) => phone.canonical(),
            ReportedSender::Brandname(name) => name,
        }
    }

    pub fn display(&self) -> String {
        match self {
            ReportedSender::Phone(phone) => phone.display(),
            ReportedSender::Brandname(name) => name.clone(),
        }
    }

    pub fn as_phone(&self) -> Option<&PhoneNumber> {
        match self {
            ReportedSender::Phone(phone) => Some(phone),
            ReportedSender::Brandname(_) => None,
        }
    }
}

/// A phone is written as the identifier JSON (`{kind: "phone", canonical, display, type, ...}`); a brand name
/// in the same shape with `kind: "brandname"`.
impl Serialize for ReportedSender {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ReportedSender::Phone(phone) => Identifier::Phone(phone.clone()).serialize(serializer),
            ReportedSender::Brandname(name) => {
                let mut map = Map::new();
                map.insert("kind".into(), Value::from("brandname"));
                map.insert("canonical".into(), Value::from(name.as_str()));
                map.insert("display".into(), Value::from(name.as_str()));
                map.serialize(serializer)
            }
        }
    }
}

/// One parsed 5656 message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SmsReport {
    pub kind: SmsReportKind,
    pub reported: ReportedSender,
    /// The spam message (for `S`) or the reporter's description of the call (for `V`, possibly empty),
    /// trimmed; its inner text is kept as written.
    pub content: String,
}

/// Longest SMS brand name (the alphanumeric sender ID of GSM is 11 characters).
pub const MAX_BRANDNAME_CHARS: usize = 11;

const FORMAT: &str =
    "expected 'S <sender> <content>' to report a spam SMS or 'V <caller> <content>' to report a spam call";

/// How many whitespace-separated pieces a written number may take ("0 9 1 2 ..." is still one number).
const MAX_NUMBER_PIECES: usize = 12;

/// Parses a message sent to 5656: `S <sender> <content>` or `V <caller> <content>`.
pub fn parse_5656(text: &str) -> Result<SmsReport> {
    if text.len() > MAX_VALUE_CHARS * 4 || text.chars().count() > MAX_VALUE_CHARS {
        return Err(Error::new(
            ErrorCode::InputTooLong,
            format!("the report is longer than {MAX_VALUE_CHARS} characters"),
        )
        .with_field("text"));
    }
    let cleaned = text::clean(text);
    if cleaned.is_empty() {
        return Err(Error::new(ErrorCode::EmptyInput, format!("the report is empty; {FORMAT}")).with_field("text"));
    }
    let mut chars = cleaned.chars();
    let keyword = chars.next().unwrap_or(' ');
    let kind = match keyword {
        'S' | 's' => Some(SmsReportKind::Sms),
        'V' | 'v' => Some(SmsReportKind::Call),
        _ => None,
    };
    let rest = chars.as_str();
    // The keyword stands alone, or runs straight into the number ("S0912345678 ...").
    let keyword_ends = match rest.chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || c == '+' || text::digit_value(c).is_some(),
    };
    let Some(kind) = kind.filter(|_| keyword_ends) else {
        let first_word = cleaned.split_whitespace().next().unwrap_or_default();
        return Err(invalid(format!("{FORMAT}; the message starts with `{}`", text::shorten_for_message(first_word))));
    };

    let pieces = pieces(rest);
    let Some(&(first_start, first_end)) = pieces.first() else {
        return Err(invalid(match kind {
            SmsReportKind::Sms => format!("the report names no sender; {FORMAT}"),
            SmsReportKind::Call => format!("the report names no caller; {FORMAT}"),
        }));
    };
    let (reported, content_start) = match read_phone_sender(kind, rest, &pieces)? {
        Some((phone, end)) => (ReportedSender::Phone(phone), end),
        None => (ReportedSender::Brandname(brandname(&rest[first_start..first_end])?), first_end),
    };
    let content = rest[content_start..].trim().to_string();
    if kind == SmsReportKind::Sms && content.is_empty() {
        return Err(invalid(format!(
            "a spam SMS report needs the message after the sender: 'S {} <content>'",
            reported.display()
        )));
    }
    Ok(SmsReport { kind, reported, content })
}

/// The byte spans of the whitespace-separated pieces of `text`.
fn pieces(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (index, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, index));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// Whether a piece can be part of a written number: digits, `+` and the separators people put between groups.
fn is_number_piece(piece: &str) -> bool {
    piece.chars().any(|c| text::digit_value(c).is_some())
        && piece.chars().all(|c| text::digit_value(c).is_some() || matches!(c, '+' | '.' | '-' | '(' | ')'))
}

/// A separator people put after the sender ("S 0912345678: ..."); dropped from the sender.
fn strip_separator(piece: &str) -> &str {
    piece.strip_suffix([':', ',']).unwrap_or(piece)
}

/// The sender as a phone number, and where the content starts. `Ok(None)` when the sender may be a brand name
/// (an `S` report whose first piece holds letters).
fn read_phone_sender(
    kind: SmsReportKind,
    rest: &str,
    pieces: &[(usize, usize)],
) -> Result<Option<(PhoneNumber, usize)>> {
    let (first_start, first_end) = pieces[0];
    // The number may be written in several pieces ("0912 345 678"): the longest run of pieces that reads as a
    // number wins, so digits that begin the content ("... 500000 đồng") are left to it.
    let mut run = 0;
    for &(start, end) in pieces.iter().take(MAX_NUMBER_PIECES) {
        let piece = &rest[start..end];
        let ends_run = strip_separator(piece).len() != piece.len();
        if !is_number_piece(strip_separator(piece)) {
            break;
        }
        run += 1;
        if ends_run {
            break;
        }
    }
    let mut longest_error = None;
    for count in (1..=run).rev() {
        let (_, end) = pieces[count - 1];
        let written = strip_separator(&rest[first_start..end]);
        match PhoneNumber::parse(written) {
            Ok(phone) => return Ok(Some((phone, end))),
            Err(error) => {
                longest_error.get_or_insert(error);
            }
        }
    }
    let first = strip_separator(&rest[first_start..first_end]);
    if run == 0 {
        // "tel:0912345678" and the like.
        match PhoneNumber::parse(first) {
            Ok(phone) => return Ok(Some((phone, first_end))),
            Err(error) => longest_error = Some(error),
        }
    }
    let phone_error = longest_error.map(|e| e.message).unwrap_or_default();
    match kind {
        SmsReportKind::Call => {
            Err(invalid(format!("the caller in 'V <caller> <content>' must be a phone number: {phone_error}")))
        }
        // Digits only: meant as a number, and a brand name needs a letter.
        SmsReportKind::Sms if run > 0 => Err(invalid(format!(
            "the sender in 'S <sender> <content>' is neither a phone number nor a short code: {phone_error}"
        ))),
        SmsReportKind::Sms => Ok(None),
    }
}

/// An SMS brand name: 1 to 11 ASCII letters, digits, `-`, `_` or `.`, with at least one letter. Names with a
/// space ("FE CREDIT") cannot be told from the content; their first word is taken.
fn brandname(piece: &str) -> Result<String> {
    let name = strip_separator(piece);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !name.is_empty()
        && name.chars().count() <= MAX_BRANDNAME_CHARS
        && name.chars().all(allowed)
        && name.chars().any(|c| c.is_ascii_alphabetic())
    {
        return Ok(name.to_ascii_uppercase());
    }
    Err(invalid(format!(
        "the sender in 'S <sender> <content>' must be a phone number, a short code or a brand name of at most \
         {MAX_BRANDNAME_CHARS} letters, digits, '-', '_' or '.'; `{}` is none of these",
        text::shorten_for_message(name)
    )))
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidSmsReport, message).with_field("text")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SmsReport {
        parse_5656(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn pieces_are_whitespace_runs() {
        assert_eq!(pieces(" ab  c\td "), vec![(1, 3), (5, 6), (7, 8)]);
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn numbers_in_pieces_leave_the_content_its_digits() {
        let report = parse("S 0912 345 678 500000 dong");
        assert_eq!(report.reported.canonical(), "+84912345678");
        assert_eq!(report.content, "500000 dong");
        let report = parse("S 9029 5000 dong");
        assert_eq!(report.reported.canonical(), "short:9029");
        assert_eq!(report.content, "5000 dong");
        let report = parse("S 0912345678: Ban da trung thuong");
        assert_eq!(report.content, "Ban da trung thuong");
    }

    #[test]
    fn json_shape() {
        let value = serde_json::to_value(parse("v 0912.345.678 goi gia danh cong an")).unwrap();
        assert_eq!(value["kind"], "call");
        assert_eq!(value["reported"]["kind"], "phone");
        assert_eq!(value["reported"]["canonical"], "+84912345678");
        assert_eq!(value["content"], "goi gia danh cong an");
        let value = serde_json::to_value(parse("S vcb-bank Tai khoan bi khoa")).unwrap();
        assert_eq!(value["kind"], "sms");
        assert_eq!(
            value["reported"],
            serde_json::json!({"kind": "brandname", "canonical": "VCB-BANK", "display": "VCB-BANK"})
        );
    }

    #[test]
    fn brandnames() {
        assert_eq!(brandname("VCB-BANK").unwrap(), "VCB-BANK");
        assert_eq!(brandname("Viettel").unwrap(), "VIETTEL");
        assert_eq!(brandname("FE_CREDIT.").unwrap(), "FE_CREDIT.");
        assert!(brandname("ABCDEFGHIJKL").is_err());
        assert!(brandname("VCB!").is_err());
        assert!(brandname("Ngân").is_err());
        assert!(brandname("---").is_err());
    }
}
