//! Phone numbers: every way Vietnamese people write them, canonical as E.164 (`+84912345678`), short
//! codes as `short:5656`.
//!
//! Validation follows libphonenumber's Vietnamese metadata (9.0.43), widened where the numbering plan
//! has moved ahead of it (052/055 mobiles). Pre-2018 11-digit mobiles are mapped by the 2018
//! conversion table (Circular 11/2018/TT-BTTTT). The carrier is the one the prefix was allocated to:
//! number portability (since 2019) makes it a hint, and the JSON says so.

use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneType {
    Mobile,
    Fixed,
    TollFree,
    Premium,
    ShortCode,
    Voip,
    /// Special numbers of libphonenumber's "UAN" class (`[17]99xxxx`), and the 069 numbers of the
    /// Ministry of Public Security.
    Special,
    /// A number outside Vietnam; its type is not classified.
    International,
}

impl PhoneType {
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneType::Mobile => "mobile",
            PhoneType::Fixed => "fixed",
            PhoneType::TollFree => "toll_free",
            PhoneType::Premium => "premium",
            PhoneType::ShortCode => "short_code",
            PhoneType::Voip => "voip",
            PhoneType::Special => "special",
            PhoneType::International => "international",
        }
    }
}

/// Two numbers are equal when their canonical forms are: how a number was written (an old 11-digit
/// form) is provenance, not identity.
#[derive(Debug, Clone)]
pub struct PhoneNumber {
    /// `+84912345678`, `+14155552671` or `short:5656`.
    canonical: String,
    phone_type: PhoneType,
    carrier: Option<&'static str>,
    /// The pre-2018 national form this number was converted from (`01689123456`).
    converted_from: Option<String>,
}

const SHORT_PREFIX: &str = "short:";

impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl Eq for PhoneNumber {}

impl std::hash::Hash for PhoneNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.canonical.hash(state);
    }
}

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean_cow(input);
        let mut rest = &*cleaned;
        for scheme in ["tel:", "sms:", "callto:"] {
            if let Some(after) = text::strip_prefix_ignore_case(rest, scheme) {
                rest = after.trim_start();
            }
        }
        if let Some(digits) = text::strip_prefix_ignore_case(rest, SHORT_PREFIX) {
            if (3..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
            {
                return Ok(Self::short_code(digits));
            }
            return Err(invalid("a short code has 3 to 6 digits and does not start with 0"));
        }

        let (plus, digits) = collect_digits(rest)?;
        Self::from_digits(plus, &digits).map_err(PhoneProblem::into_error)
    }

    /// Interprets a digit string as written (with or without a leading `+`).
    pub(crate) fn from_digits(plus: bool, digits: &str) -> std::result::Result<Self, PhoneProblem> {
        Self::read_digits(plus, digits).map(|reading| reading.build())
    }

    /// What a digit string written with or without a leading `+` reads as, without building the
    /// number: `extract` reads many digit strings and keeps few, so a reading allocates nothing and
    /// a refusal is a small value, not a message.
    pub(crate) fn read_digits(plus: bool, digits: &str) -> std::result::Result<PhoneReading<'_>, PhoneProblem> {
        if digits.is_empty() {
            return Err(PhoneProblem::NoDigits);
        }
        if plus {
            if let Some(national) = digits.strip_prefix("84") {
                // "+84 0912..." is a common mistake: the 0 is dropped.
                let national = national.strip_prefix('0').unwrap_or(national);
                return Self::vietnamese(national);
            }
            return Self::international(digits);
        }
        if let Some(international) = digits.strip_prefix("00") {
            if let Some(national) = international.strip_prefix("84") {
                return Self::vietnamese(national.strip_prefix('0').unwrap_or(national));
            }
            return Self::international(international);
        }
        if let Some(national) = digits.strip_prefix('0') {
            return Self::vietnamese(national);
        }
        // "84912345678": the country code written without `+`.
        if let Some(national) = digits.strip_prefix("84")
            && (national.len() == 9 || national.len() == 10)
            && classify_national(national).is_some()
        {
            return Self::vietnamese(national);
        }
        // Toll-free, premium and special numbers are dialled without a 0; so is a mobile number whose
        // leading 0 a spreadsheet ate ("912345678").
        if classify_national(digits).is_some() {
            return Self::vietnamese(digits);
        }
        if (3..=6).contains(&digits.len()) {
            return Ok(PhoneReading { phone_type: PhoneType::ShortCode, form: Form::Short(digits) });
        }
        Err(PhoneProblem::NoPrefix { digits: digits.len() })
    }

    fn short_code(digits: &str) -> Self {
        PhoneNumber {
            canonical: [SHORT_PREFIX, digits].concat(),
            phone_type: PhoneType::ShortCode,
            carrier: None,
            converted_from: None,
        }
    }

    fn international(digits: &str) -> std::result::Result<PhoneReading<'_>, PhoneProblem> {
        if digits.starts_with('0') {
            return Err(PhoneProblem::CountryCodeZero);
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(PhoneProblem::InternationalLength { digits: digits.len() });
        }
        Ok(PhoneReading { phone_type: PhoneType::International, form: Form::International(digits) })
    }

    /// `national` is the national significant number (no leading 0).
    fn vietnamese(national: &str) -> std::result::Result<PhoneReading<'_>, PhoneProblem> {
        if let Some(phone_type) = classify_national(national) {
            return Ok(PhoneReading { phone_type, form: Form::Vietnamese(national) });
        }
        // Pre-2018 mobile: 01XY + 7 digits.
        if national.len() == 10
            && national.starts_with('1')
            && let Some(&(_, new_prefix, carrier)) =
                CONVERSION_2018.iter().find(|(old, _, _)| national.as_bytes()[..3] == old.as_bytes()[1..])
            && classify_national(&converted_2018(new_prefix, national)) == Some(PhoneType::Mobile)
        {
            return Ok(PhoneReading {
                phone_type: PhoneType::Mobile,
                form: Form::Converted { national, new_prefix, carrier },
            });
        }
        Err(PhoneProblem::InvalidNational { digits: national.len(), first: national.bytes().next().unwrap_or(b'0') })
    }

    /// E.164 (`+84912345678`) or `short:5656`.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn phone_type(&self) -> PhoneType {
        self.phone_type
    }

    /// The carrier the prefix was allocated to; a hint, since numbers can be ported.
    pub fn carrier(&self) -> Option<&'static str> {
        self.carrier
    }

    pub fn is_vietnamese(&self) -> bool {
        self.canonical.starts_with("+84")
    }

    /// The national significant number of a Vietnamese number (`912345678`).
    pub fn national_number(&self) -> Option<&str> {
        self.canonical.strip_prefix("+84")
    }

    /// Vietnamese style: `0912 345 678`, `024 3825 4321`, `1800 1234`; E.164 for other countries.
    pub fn display(&self) -> String {
        if let Some(short) = self.canonical.strip_prefix(SHORT_PREFIX) {
            return short.to_string();
        }
        let Some(national) = self.national_number() else {
            return self.canonical.clone();
        };
        match self.phone_type {
            // Joined rather than formatted: the display of every phone the check answers.
            PhoneType::Mobile | PhoneType::Voip => {
                ["0", &national[..3], " ", &national[3..6], " ", &national[6..]].concat()
            }
            PhoneType::Fixed => {
                // Hanoi (024) and Ho Chi Minh City (028) have 2-digit area codes and 8-digit numbers.
                let area = if national.starts_with("24") || national.starts_with("28") { 2 } else { 3 };
                let subscriber = &national[area..];
                let split = subscriber.len() - 4;
                format!("0{} {} {}", &national[..area], &subscriber[..split], &subscriber[split..])
            }
            PhoneType::TollFree | PhoneType::Premium => {
                let (head, tail) = national.split_at(4);
                if tail.len() > 4 { format!("{head} {} {}", &tail[..3], &tail[3..]) } else { format!("{head} {tail}") }
            }
            PhoneType::Special if national.starts_with("69") => {
                let rest = &national[2..];
                format!("069 {} {}", &rest[..3], &rest[3..])
            }
            _ => national.to_string(),
        }
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("type".into(), Value::from(self.phone_type.as_str()));
        map.insert("carrier".into(), self.carrier.map_or(Value::Null, Value::from));
        if self.carrier.is_some() {
            map.insert("carrier_is_hint".into(), Value::from(true));
        }
        if let Some(old) = &self.converted_from {
            map.insert("converted_from".into(), Value::from(old.as_str()));
        }
        map.insert(
            "country".into(),
            Value::from(if self.is_vietnamese() || self.phone_type == PhoneType::ShortCode { "VN" } else { "" }),
        );
    }
}

fn invalid(reason: &str) -> Error {
    Error::new(ErrorCode::InvalidPhone, format!("not a valid phone number: {reason}"))
}

/// Keeps the digits of a written number; spaces, dots, dashes, brackets and slashes may separate
/// groups, and a `+` may lead. Anything else is an error.
fn collect_digits(input: &str) -> Result<(bool, String)> {
    let mut digits = String::with_capacity(input.len());
    let mut plus = false;
    for c in input.chars() {
        if let Some(d) = text::digit_value(c) {
            digits.push((b'0' + d) as char);
        } else if c == '+' && digits.is_empty() && !plus {
            plus = true;
        } else if c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')' | '/' | '_' | '\u{2010}'..='\u{2015}') {
            continue;
        } else {
            return Err(invalid(&format!(
                "unexpected character `{c}`; a phone number holds digits, spaces, dots, dashes and brackets"
            )));
        }
        if digits.len() > 20 {
            return Err(invalid("too many digits"));
        }
    }
    Ok((plus, digits))
}

/// Classifies a Vietnamese national significant number (no leading 0), or None if invalid.
pub(crate) fn classify_national(n: &str) -> Option<PhoneType> {
    let b = n.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| b.get(i).map(|d| d - b'0');
    let len = b.len();
    match (len, digit(0)?) {
        (9, _) if is_mobile(b) => Some(PhoneType::Mobile),
        (10, 2) if is_fixed_area(digit(1)?, digit(2)?) => Some(PhoneType::Fixed),
        (8..=10, 1) if n.starts_with("1800") => Some(PhoneType::TollFree),
        (8, 1) if n.starts_with("1201") || n.starts_with("1203") || n.starts_with("1228") => Some(PhoneType::TollFree),
        (8..=10, 1) if n.starts_with("1900") => Some(PhoneType::Premium),
        (9, 6) if n.starts_with("672") => Some(PhoneType::Voip),
        (7, 1 | 7) if &n[1..3] == "99" => Some(PhoneType::Special),
        // libphonenumber says 69 + 5-6 digits; the Ministry of Public Security publishes 069 numbers
        // with 7 (069 2342 593).
        (7..=9, 6) if n.starts_with("69") => Some(PhoneType::Special),
        _ => None,
    }
}

/// libphonenumber's mobile pattern for 9-digit national numbers, with 052x, 055x and 089x opened up
/// (allocated to Vietnamobile, Reddi and MobiFone).
fn is_mobile(b: &[u8]) -> bool {
    let d = |i: usize| b[i] - b'0';
    match d(0) {
        1 => (d(1) == 2 && d(2) == 1 && d(3) <= 3) || (d(2) == 0 && (d(1) == 4 || d(1) == 6)),
        3 => true,
        5 => matches!(d(1), 1 | 2 | 5 | 6 | 8 | 9),
        7 => matches!(d(1), 0 | 6..=9),
        8 => d(1) >= 1,
        9 => d(1) <= 8 || (d(1) == 9 && d(2) != 2),
        _ => false,
    }
}

/// Area codes of libphonenumber's fixed-line pattern: 2(?:0[3-9]|1[0-689]|2[0-25-9]|[38][2-9]|4[2-8]|5[124-9]|6[0-39]|7[0-7]|9[0-4679]).
fn is_fixed_area(second: u8, third: u8) -> bool {
    match second {
        0 => (3..=9).contains(&third),
        1 => matches!(third, 0..=6 | 8 | 9),
        2 => matches!(third, 0..=2 | 5..=9),
        3 | 8 => (2..=9).contains(&third),
        4 => (2..=8).contains(&third),
        5 => matches!(third, 1 | 2 | 4..=9),
        6 => matches!(third, 0..=3 | 9),
        7 => third <= 7,
        9 => matches!(third, 0..=4 | 6 | 7 | 9),
        _ => false,
    }
}

/// A digit string read as a phone number (see [`PhoneNumber::read_digits`]).
pub(crate) struct PhoneReading<'a> {
    phone_type: PhoneType,
    form: Form<'a>,
}

enum Form<'a> {
    Short(&'a str),
    /// The digits after the `+`.
    International(&'a str),
    /// The national significant number.
    Vietnamese(&'a str),
    /// A pre-2018 11-digit mobile number (national significant number) and its 2018 prefix.
    Converted {
        national: &'a str,
        new_prefix: &'static str,
        carrier: &'static str,
    },
}

impl PhoneReading<'_> {
    pub(crate) fn phone_type(&self) -> PhoneType {
        self.phone_type
    }

    /// The number itself. Canonical forms are joined with `concat`: `format!` costs several times
    /// more, and `extract` builds one for every number it keeps.
    pub(crate) fn build(&self) -> PhoneNumber {
        match self.form {
            Form::Short(digits) => PhoneNumber::short_code(digits),
            Form::International(digits) => PhoneNumber {
                canonical: ["+", digits].concat(),
                phone_type: PhoneType::International,
                carrier: None,
                converted_from: None,
            },
            Form::Vietnamese(national) => PhoneNumber {
                canonical: ["+84", national].concat(),
                phone_type: self.phone_type,
                carrier: if self.phone_type == PhoneType::Mobile { carrier_of(national) } else { None },
                converted_from: None,
            },
            Form::Converted { national, new_prefix, carrier } => PhoneNumber {
                canonical: format!("+84{}", converted_2018(new_prefix, national)),
                phone_type: PhoneType::Mobile,
                carrier: Some(carrier),
                converted_from: Some(format!("0{national}")),
            },
        }
    }
}

/// The national number a pre-2018 one (`1XY` + 7 digits) became under the 2018 prefix `new_prefix`
/// (written with its 0).
fn converted_2018(new_prefix: &str, national: &str) -> String {
    format!("{}{}", &new_prefix[1..], &national[3..])
}

/// Why a digit string is not a phone number; turned into an [`Error`] only when someone will read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneProblem {
    NoDigits,
    NoPrefix { digits: usize },
    CountryCodeZero,
    InternationalLength { digits: usize },
    InvalidNational { digits: usize, first: u8 },
}

impl PhoneProblem {
    fn into_error(self) -> Error {
        invalid(&match self {
            PhoneProblem::NoDigits => "there are no digits".to_string(),
            PhoneProblem::NoPrefix { digits } => format!(
                "{digits} digits without a leading 0 or +: write Vietnamese numbers as 0912 345 678 or +84 912 345 678, and other countries' numbers with +"
            ),
            PhoneProblem::CountryCodeZero => "a country code never starts with 0".to_string(),
            PhoneProblem::InternationalLength { digits } => {
                format!("an international number has 7 to 15 digits with its country code, this one has {digits}")
            }
            PhoneProblem::InvalidNational { digits: 0, .. } => "there are no digits after the prefix".to_string(),
            PhoneProblem::InvalidNational { digits, .. } if digits < 9 => {
                format!("too few digits ({digits} after the leading 0; mobile numbers have 9)")
            }
            PhoneProblem::InvalidNational { digits: 9, .. } => {
                "no Vietnamese mobile network uses this prefix".to_string()
            }
            PhoneProblem::InvalidNational { digits: 10, first: b'2' } => {
                "no Vietnamese area code matches this landline number".to_string()
            }
            PhoneProblem::InvalidNational { digits: 10, first: b'1' } => {
                "this 11-digit number uses a prefix that the 2018 conversion did not cover".to_string()
            }
            PhoneProblem::InvalidNational { digits, .. } => {
                format!("too many digits ({digits} after the leading 0; mobile numbers have 9, landlines 10)")
            }
        })
    }
}

/// The 2018 conversion table: (old 4-digit prefix, new 3-digit prefix, carrier).
static CONVERSION_2018: LazyLock<Vec<(&'static str, &'static str, &'static str)>> = LazyLock::new(|| {
    include_str!("../../data/vn_mobile_prefix_conversion_2018.tsv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            Some((cols.next()?, cols.next()?, normalise_carrier(cols.next()?)))
        })
        .collect()
});

/// National prefix → carrier, longest prefix first (libphonenumber 9.0.43 plus allocations it lacks).
static CARRIERS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut table: Vec<(&str, &str)> = include_str!("../../data/vn_carrier_prefixes_libphonenumber_9.0.43.tsv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let _e164 = cols.next()?;
            let national = cols.next()?.strip_prefix('0')?;
            Some((national, normalise_carrier(cols.next()?)))
        })
        .collect();
    // 087 was allocated to iTel (Indochina Telecom); libphonenumber files it under 08 → Vinaphone.
    table.push(("87", "Indochina Telecom"));
    table.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
    table
});

fn normalise_carrier(name: &str) -> &'static str {
    match name.trim() {
        "Viettel" | "Viettel Mobile" => "Viettel",
        "Vinaphone" => "Vinaphone",
        "MobiFone" => "MobiFone",
        "Vietnamobile" => "Vietnamobile",
        "G-Mobile" | "Gmobile" => "Gmobile",
        "Reddi" => "Reddi",
        "Indochina Telecom" => "Indochina Telecom",
        _ => "other",
    }
}

fn carrier_of(national: &str) -> Option<&'static str> {
    // The longest prefix that is in the table (the first listed, should one be listed twice), found by looking up
    // the national number's prefixes of each length the table has, longest first, instead of reading the table.
    type ByPrefix = std::collections::HashMap<&'static str, &'static str, foldhash::fast::FixedState>;
    static BY_PREFIX: LazyLock<(Vec<usize>, ByPrefix)> = LazyLock::new(|| {
        let mut lengths: Vec<usize> = CARRIERS.iter().map(|(prefix, _)| prefix.len()).collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        lengths.dedup();
        let mut by_prefix = ByPrefix::default();
        for &(prefix, carrier) in CARRIERS.iter() {
            by_prefix.entry(prefix).or_insert(carrier);
        }
        (lengths, by_prefix)
    });
    let (lengths, by_prefix) = &*BY_PREFIX;
    lengths.iter().find_map(|&length| by_prefix.get(national.get(..length)?).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_are_found_by_prefix_as_by_reading_the_table() {
        let by_reading =
            |national: &str| CARRIERS.iter().find(|(prefix, _)| national.starts_with(prefix)).map(|&(_, c)| c);
        for first in 0..1000u32 {
            for national in
                [format!("{first:03}4567890"), format!("{first:03}456789"), format!("{first}"), format!("{first:03}")]
            {
                assert_eq!(carrier_of(&national), by_reading(&national), "{national}");
            }
        }
        assert_eq!(carrier_of(""), by_reading(""));
    }

    fn canonical(input: &str) -> String {
        PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}")).canonical
    }

    #[test]
    fn vietnamese_written_forms() {
        for input in [
            "0912345678",
            "0912.345.678",
            "0912-345-678",
            "0912 345 678",
            "(0912) 345 678",
            "+84912345678",
            "+84 912 345 678",
            "+84 (0) 912 345 678",
            "+840912345678",
            "84912345678",
            "0084912345678",
            "0084 912 345 678",
            "912345678",
            "tel:+84912345678",
            "０９１２３４５６７８",
            "09\u{200B}12 345 678",
        ] {
            assert_eq!(canonical(input), "+84912345678", "{input}");
        }
    }

    #[test]
    fn pre_2018_numbers_are_converted() {
        let phone = PhoneNumber::parse("01689 123 456").unwrap();
        assert_eq!(phone.canonical(), "+84389123456");
        assert_eq!(phone.carrier(), Some("Viettel"));
        assert_eq!(phone.converted_from.as_deref(), Some("01689123456"));
        assert_eq!(canonical("0121 234 5678"), "+84792345678");
        assert_eq!(canonical("+84 1234567890"), "+84834567890");
        assert_eq!(canonical("0199 123 4567"), "+84591234567");
    }

    #[test]
    fn types_and_carriers() {
        let cases = [
            ("0912345678", PhoneType::Mobile, Some("Vinaphone")),
            ("0987654321", PhoneType::Mobile, Some("Viettel")),
            ("0869123456", PhoneType::Mobile, Some("Viettel")),
            ("0898123456", PhoneType::Mobile, Some("MobiFone")),
            ("0871234567", PhoneType::Mobile, Some("Indochina Telecom")),
            ("0559123456", PhoneType::Mobile, Some("Reddi")),
            ("0591234567", PhoneType::Mobile, Some("Gmobile")),
            ("024 3825 4321", PhoneType::Fixed, None),
            ("0203 3825 432", PhoneType::Fixed, None),
            ("1800 1234", PhoneType::TollFree, None),
            ("1800 599 928", PhoneType::TollFree, None),
            ("1900 545 413", PhoneType::Premium, None),
            ("0672 012 345", PhoneType::Voip, None),
            ("5656", PhoneType::ShortCode, None),
            ("113", PhoneType::ShortCode, None),
            ("+1 415 555 2671", PhoneType::International, None),
        ];
        for (input, phone_type, carrier) in cases {
            let phone = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(phone.phone_type(), phone_type, "{input}");
            assert_eq!(phone.carrier(), carrier, "{input}");
        }
        assert_eq!(canonical("5656"), "short:5656");
        assert_eq!(canonical("short:9029"), "short:9029");
        assert_eq!(canonical("+1 (415) 555-2671"), "+14155552671");
        assert_eq!(canonical("00 44 20 7946 0958"), "+442079460958");
    }

    #[test]
    fn libphonenumber_vietnamese_examples() {
        // example_number of each type in libphonenumber's VN metadata (9.0.43).
        for (national, phone_type) in [
            ("2101234567", PhoneType::Fixed),
            ("912345678", PhoneType::Mobile),
            ("1800123456", PhoneType::TollFree),
            ("1900123456", PhoneType::Premium),
            ("672012345", PhoneType::Voip),
            ("1992000", PhoneType::Special),
        ] {
            let phone = PhoneNumber::parse(&format!("+84{national}")).unwrap();
            assert_eq!(phone.phone_type(), phone_type, "{national}");
            assert_eq!(PhoneNumber::parse(&phone.display()).unwrap(), phone, "{national}");
        }
    }

    #[test]
    fn display_round_trips() {
        for input in [
            "0912345678",
            "024 3825 4321",
            "0203 3825 432",
            "1800 1234",
            "1900 545 413",
            "5656",
            "+14155552671",
            "01689123456",
            "0672012345",
            "069 123 456",
        ] {
            let phone = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(PhoneNumber::parse(&phone.display()).unwrap(), phone, "display of {input}: {}", phone.display());
            assert_eq!(PhoneNumber::parse(phone.canonical()).unwrap().canonical, phone.canonical);
        }
        assert_eq!(PhoneNumber::parse("0912345678").unwrap().display(), "0912 345 678");
        assert_eq!(PhoneNumber::parse("02438254321").unwrap().display(), "024 3825 4321");
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        for input in [
            "",
            "abc",
            "0912 345 67",
            "0912 345 6789 1",
            "0612345678",
            "0000",
            "+0123456",
            "0912x345678",
            "12",
            "0111 234 5678",
            "++84912345678",
        ] {
            let error = PhoneNumber::parse(input).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidPhone, "{input}");
            assert!(!error.message.is_empty());
        }
    }
}
