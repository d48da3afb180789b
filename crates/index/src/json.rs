//! The explained answer's JSON, written by hand: the check routes write one for every value they are asked
//! about, and serde_json's string escaping (one byte at a time, a call per string) was a sixth of a batch
//! check's time. The output is byte for byte what `serde_json::to_vec(&answer)` writes (the derived
//! `Serialize` stays, and tests compare the two on every kind of answer).

use crate::check::{AppealAnswer, CheckAnswer, Imitation, RelatedContact};
use canhgiac_core::verdict::{Counts, Reason};
use std::io::Write as _;

impl CheckAnswer {
    /// Appends the answer's JSON to `out`: the same bytes as `serde_json::to_writer(out, self)`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"canonical\":");
        push_string(out, &self.canonical);
        out.extend_from_slice(b",\"kind\":");
        push_string(out, self.kind.as_str());
        out.extend_from_slice(b",\"display\":");
        push_string(out, &self.display);
        out.extend_from_slice(b",\"verdict\":");
        push_string(out, self.verdict.as_str());
        out.extend_from_slice(b",\"score\":");
        push_number(out, u64::from(self.score));
        out.extend_from_slice(b",\"reasons\":");
        push_array(out, &self.reasons, push_reason);
        out.extend_from_slice(b",\"counts\":");
        push_counts(out, &self.counts);
        out.extend_from_slice(b",\"scam_types\":");
        push_array(out, &self.scam_types, |out, scam_type| push_string(out, scam_type.code()));
        out.extend_from_slice(b",\"first_seen\":");
        push_time(out, self.first_seen);
        out.extend_from_slice(b",\"last_seen\":");
        push_time(out, self.last_seen);
        out.extend_from_slice(b",\"related\":");
        push_array(out, &self.related, push_related);
        out.extend_from_slice(b",\"appeal\":");
        push_appeal(out, &self.appeal);
        out.extend_from_slice(b",\"imitates\":");
        match &self.imitates {
            Some(imitation) => push_imitation(out, imitation),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }

    /// The answer's JSON in a new buffer.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        self.write_json(&mut out);
        out
    }
}

/// `[a,b,...]`, each item written by `push_item`.
fn push_array<T>(out: &mut Vec<u8>, items: &[T], push_item: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (number, item) in items.iter().enumerate() {
        if number > 0 {
            out.push(b',');
        }
        push_item(out, item);
    }
    out.push(b']');
}

fn push_reason(out: &mut Vec<u8>, reason: &Reason) {
    out.extend_from_slice(b"{\"code\":");
    push_string(out, reason.code);
    out.extend_from_slice(b",\"vi\":");
    push_string(out, &reason.vi);
    out.extend_from_slice(b",\"en\":");
    push_string(out, &reason.en);
    out.push(b'}');
}

fn push_counts(out: &mut Vec<u8>, counts: &Counts) {
    out.extend_from_slice(b"{\"reports\":");
    push_number(out, u64::from(counts.reports));
    out.extend_from_slice(b",\"distinct_reporters\":");
    push_number(out, u64::from(counts.distinct_reporters));
    out.extend_from_slice(b",\"losses_vnd\":");
    push_number(out, counts.losses_vnd);
    out.push(b'}');
}

fn push_related(out: &mut Vec<u8>, related: &RelatedContact) {
    out.extend_from_slice(b"{\"canonical\":");
    push_string(out, &related.canonical);
    out.extend_from_slice(b",\"kind\":");
    push_optional_string(out, related.kind.map(|kind| kind.as_str()));
    out.extend_from_slice(b",\"verdict\":");
    push_string(out, related.verdict.as_str());
    out.push(b'}');
}

fn push_appeal(out: &mut Vec<u8>, appeal: &AppealAnswer) {
    out.extend_from_slice(b"{\"state\":");
    push_string(out, appeal.state);
    out.extend_from_slice(b",\"at\":");
    push_time(out, appeal.at);
    out.push(b'}');
}

fn push_imitation(out: &mut Vec<u8>, imitation: &Imitation) {
    out.extend_from_slice(b"{\"brand\":");
    push_string(out, &imitation.brand);
    out.extend_from_slice(b",\"official_domain\":");
    push_optional_string(out, imitation.official_domain.as_deref());
    out.push(b'}');
}

fn push_optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => push_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_number(out: &mut Vec<u8>, number: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
}

/// A time as the derived serialisation writes it (`crate::check::rfc3339`): RFC 3339 in UTC, or `null`.
fn push_time(out: &mut Vec<u8>, at_ms: Option<i64>) {
    if let Some(ms) = at_ms
        && (0..MS_BEFORE_YEAR_10000).contains(&ms)
    {
        push_time_since_1970(out, ms);
        return;
    }
    match at_ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()) {
        Some(timestamp) => {
            out.push(b'"');
            // Writing to a Vec cannot fail; an RFC 3339 time needs no escaping.
            let _ = write!(out, "{timestamp}");
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// Just past the last millisecond jiff takes (9999-12-30T22:00:00Z; later times are written `null`): times from
/// 1970 up to it are written by [`push_time_since_1970`].
const MS_BEFORE_YEAR_10000: i64 = 253_402_207_200_001;

/// `"YYYY-MM-DDTHH:MM:SS[.f]Z"` as jiff's `Display` writes it (the fraction only when there is one, without
/// trailing zeros), without the formatting machinery: every hit of a check writes two times. The test
/// `times_are_written_as_jiff_writes_them` holds the two side by side.
fn push_time_since_1970(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let ms_of_day = ms.rem_euclid(86_400_000);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let seconds = ms_of_day / 1000;
    let fraction = ms_of_day % 1000;
    let two = |value: i64| [b'0' + (value / 10) as u8, b'0' + (value % 10) as u8];
    let mut text = [0u8; 26];
    text[0] = b'"';
    text[1..3].copy_from_slice(&two(year / 100));
    text[3..5].copy_from_slice(&two(year % 100));
    text[5] = b'-';
    text[6..8].copy_from_slice(&two(month));
    text[8] = b'-';
    text[9..11].copy_from_slice(&two(day));
    text[11] = b'T';
    text[12..14].copy_from_slice(&two(seconds / 3600));
    text[14] = b':';
    text[15..17].copy_from_slice(&two(seconds / 60 % 60));
    text[17] = b':';
    text[18..20].copy_from_slice(&two(seconds % 60));
    let mut end = 20;
    if fraction > 0 {
        text[20] = b'.';
        text[21] = b'0' + (fraction / 100) as u8;
        text[22] = b'0' + (fraction / 10 % 10) as u8;
        text[23] = b'0' + (fraction % 10) as u8;
        end = 24;
        while text[end - 1] == b'0' {
            end -= 1;
        }
    }
    text[end] = b'Z';
    text[end + 1] = b'"';
    out.extend_from_slice(&text[..end + 2]);
}

/// `text` as a JSON string, escaped as serde_json escapes: `"` and `\`, the control characters (`\b`, `\t`,
/// `\n`, `\f`, `\r` by name, the others as `\u00xx`); everything else, DEL and non-ASCII included, as it is.
pub(crate) fn push_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut clean_from = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Eight bytes at a time while none of them needs escaping (the common case: whole reasons).
        if at + 8 <= bytes.len() {
            let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let byte = bytes[at];
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => &[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]],
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[clean_from..at]);
        out.extend_from_slice(escape);
        at += 1;
        clean_from = at;
    }
    out.extend_from_slice(&bytes[clean_from..]);
    out.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether any of the eight bytes of `word` is below 0x20, a `"` or a `\` (exact for "none": the classic
/// zero-byte and less-than tests, which never miss a byte; a false alarm only sends the bytes to the byte loop).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space || has_zero(word ^ (ONES * u64::from(b'"'))) || has_zero(word ^ (ONES * u64::from(b'\\')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use canhgiac_core::identifier::IdentifierKind;
    use canhgiac_core::scam_type::ScamType;
    use canhgiac_core::verdict::VerdictLevel;
    use proptest::prelude::*;

    #[test]
    fn times_are_written_as_jiff_writes_them() {
        let jiff_json = |ms: i64| format!("\"{}\"", jiff::Timestamp::from_millisecond(ms).expect("in range"));
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut samples: Vec<i64> = vec![0, 1, 10, 100, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000];
        samples.extend([MS_BEFORE_YEAR_10000 - 1, 1_767_225_599_999, 1_767_225_600_000, 4_107_542_400_000]);
        for _ in 0..200_000 {
            let ms = (next() % MS_BEFORE_YEAR_10000 as u64) as i64;
            // Whole seconds, tenths and hundredths too, which end in zeros.
            samples.extend([ms, ms - ms % 1000, ms - ms % 100, ms - ms % 10]);
        }
        for ms in samples {
            let mut out = Vec::new();
            push_time_since_1970(&mut out, ms);
            assert_eq!(String::from_utf8(out).expect("ASCII"), jiff_json(ms), "{ms}");
        }
        let mut out = Vec::new();
        push_time(&mut out, Some(-1));
        assert_eq!(String::from_utf8(out).expect("ASCII"), jiff_json(-1));
        let mut out = Vec::new();
        push_time(&mut out, Some(MS_BEFORE_YEAR_10000));
        assert_eq!(out, b"null");
    }

    fn string_json(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        push_string(&mut out, text);
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte = String::new();
        for c in (0u8..0x80).map(char::from) {
            every_byte.push(c);
        }
        for text in [
            "",
            "a",
            "\"",
            "\\",
            "12345678",
            "1234567\"",
            "\"1234567",
            "Có trong nguồn cảnh báo feed-viettel từ ngày 07/04/2026",
            "tab\there, line\nthere, \u{7f} and \u{1f}\u{0}\u{8}\u{c}\r",
            "ký tự \"trích dẫn\" và \\ gạch chéo ngược, rất dài để đi qua nhiều khối tám byte",
            every_byte.as_str(),
        ] {
            assert_eq!(string_json(text), serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in "\\PC*|[\\x00-\\x7f]{0,40}") {
            prop_assert_eq!(string_json(&text), serde_json::to_vec(&text).unwrap());
        }
    }

    #[test]
    fn every_field_is_written_as_the_derived_serialisation_writes_it() {
        let mut answer = CheckAnswer {
            canonical: "https://vietcombank-xacthuc.top/dang-nhap?stk=\"0011\"".into(),
            kind: IdentifierKind::Url,
            display: "vietcombank-xacthuc.top/dang-nhap".into(),
            verdict: VerdictLevel::HighRisk,
            score: 87,
            reasons: vec![
                Reason {
                    code: "lookalike",
                    vi: "Giả mạo Vietcombank (giống vietcombank.com.vn)".into(),
                    en: "looks like \\ it".into(),
                },
                Reason {
                    code: "feed_listed", vi: "Có trong nguồn\tcảnh báo".into(), en: "in the feed\nsince".into()
                },
            ],
            counts: Counts { reports: 12, distinct_reporters: 9, losses_vnd: u64::MAX },
            scam_types: vec![ScamType::ImpersonationBank, ScamType::FakeAppWebsite, ScamType::Other],
            first_seen: Some(1_775_528_702_000),
            last_seen: Some(1_775_528_702_123),
            related: vec![
                RelatedContact {
                    canonical: "+84912345678".into(),
                    kind: Some(IdentifierKind::Phone),
                    verdict: VerdictLevel::Suspicious,
                },
                RelatedContact { canonical: "momo:+84912345678".into(), kind: None, verdict: VerdictLevel::NoData },
            ],
            appeal: AppealAnswer { state: "pending", at: Some(1_775_528_702_000) },
            imitates: Some(Imitation {
                brand: "Vietcombank".into(),
                official_domain: Some("vietcombank.com.vn".into()),
            }),
        };
        assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap());
        answer.imitates = Some(Imitation { brand: "Cổng dịch vụ công".into(), official_domain: None });
        answer.appeal = AppealAnswer { state: "none", at: None };
        answer.first_seen = None;
        answer.last_seen = Some(i64::MAX);
        assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap());
        answer.imitates = None;
        answer.reasons.clear();
        answer.related.clear();
        answer.scam_types.clear();
        answer.kind = IdentifierKind::Phone;
        assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap());
        for kind in IdentifierKind::ALL.iter().copied() {
            answer.kind = kind;
            assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap(), "{kind:?}");
        }
        for scam_type in ScamType::ALL.iter().copied() {
            answer.scam_types = vec![scam_type];
            assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap(), "{scam_type:?}");
        }
        for verdict in crate::shard::LEVELS {
            answer.verdict = verdict;
            assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap(), "{verdict:?}");
        }
    }
}
