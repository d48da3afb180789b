//! Small text helpers: the one way free text is read before it is stored ([`free_text`], [`one_line`]), and what the
//! identifier parsers share: invisible characters, full-width forms, and the accent-free lowercase twin used to match
//! names ("Ngoại thương" → "ngoai thuong").

/// Free text as people write it: trimmed, NFC, newlines and tabs but no other control character (an escape
/// sequence would reach an operator's terminal). `field` names the field in the error.
pub fn free_text(text: &str, field: &str) -> Result<String, crate::Error> {
    let text = text.trim();
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(
            crate::Error::new(crate::ErrorCode::InvalidValue, "control characters are not allowed").with_field(field)
        );
    }
    Ok(nfc(text.to_string()))
}

/// One line of text (a name, a transfer's remark): NFC, no control character, every run of whitespace (newlines and
/// tabs too) made one space, trimmed. `field` names the field in the error.
pub fn one_line(text: &str, field: &str) -> Result<String, crate::Error> {
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(
            crate::Error::new(crate::ErrorCode::InvalidValue, "control characters are not allowed").with_field(field)
        );
    }
    let mut line = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    Ok(nfc(line))
}

/// [`free_text`] of at most `max` characters (`input_too_long` otherwise).
pub fn free_text_at_most(text: &str, max: usize, field: &str) -> Result<String, crate::Error> {
    at_most(free_text(text, field)?, max, field)
}

/// [`one_line`] of at most `max` characters (`input_too_long` otherwise).
pub fn one_line_at_most(text: &str, max: usize, field: &str) -> Result<String, crate::Error> {
    at_most(one_line(text, field)?, max, field)
}

fn at_most(text: String, max: usize, field: &str) -> Result<String, crate::Error> {
    if text.chars().count() > max {
        return Err(
            crate::Error::new(crate::ErrorCode::InputTooLong, format!("at most {max} characters")).with_field(field)
        );
    }
    Ok(text)
}

/// `text` in NFC; most text already is (all ASCII is), and the quick check spares the recomposition.
fn nfc(text: String) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if is_nfc_quick(text.chars()) == IsNormalized::Yes { text } else { text.nfc().collect() }
}

/// Characters that render as nothing and that scammers insert to split words and numbers.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}

/// Precomposed Latin letters (Latin-1, Latin Extended-A/B, Latin Extended Additional): every
/// Vietnamese letter. A fast answer before Unicode's tables on the hot path.
#[inline]
pub fn is_latin_letter(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// The table behind [`fold_char`] for precomposed Latin letters: the lowercase base letter of
/// U+00C0..U+024F and U+1E00..U+1EFF, from their canonical decompositions (built once).
static LATIN_BASES: std::sync::LazyLock<Vec<char>> = std::sync::LazyLock::new(|| {
    let ranges = ['\u{00C0}'..='\u{024F}', '\u{1E00}'..='\u{1EFF}'];
    ranges
        .into_iter()
        .flatten()
        .map(|c| {
            let mut base = None;
            unicode_normalization::char::decompose_canonical(c, |part| {
                base.get_or_insert(part);
            });
            match base.unwrap_or(c) {
                'đ' | 'Đ' => 'd',
                base => base.to_lowercase().next().unwrap_or(base),
            }
        })
        .collect()
});

#[inline]
fn latin_base(c: char) -> Option<char> {
    let u = c as u32;
    let index = match u {
        0x00C0..=0x024F => u - 0x00C0,
        0x1E00..=0x1EFF => u - 0x1E00 + (0x0250 - 0x00C0),
        _ => return None,
    };
    LATIN_BASES.get(index as usize).copied()
}

/// Maps full-width ASCII (U+FF01..U+FF5E) and the ideographic space to plain ASCII; other
/// characters are returned unchanged.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Any Unicode decimal digit we accept in a number (ASCII, full-width, Arabic-Indic, ...), as its value.
pub fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let c = fold_width(c);
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    // Other scripts' decimal digits come in contiguous blocks of ten starting at a zero.
    const ZEROS: &[u32] = &[0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6];
    let u = c as u32;
    ZEROS.iter().find(|&&z| u >= z && u < z + 10).map(|&z| (u - z) as u8)
}

/// Removes invisible characters, folds full-width forms and trims surrounding whitespace.
/// Every strict parser starts with this.
pub fn clean(input: &str) -> String {
    // No ASCII character is invisible or full-width.
    if input.is_ascii() {
        return input.trim().to_string();
    }
    input.chars().filter(|&c| !is_invisible(c)).map(fold_width).collect::<String>().trim().to_string()
}

/// [`clean`], borrowing when it can: ASCII text has no invisible or full-width characters, so cleaning it is only
/// trimming (the identifier parsers run on every value checked).
pub fn clean_cow(input: &str) -> std::borrow::Cow<'_, str> {
    if input.is_ascii() { std::borrow::Cow::Borrowed(input.trim()) } else { std::borrow::Cow::Owned(clean(input)) }
}

/// Lowercase, accent-free ASCII-ish twin of `input` for matching names (`Ngoại Thương` →
/// `ngoai thuong`): accents and tone marks dropped, `đ` → `d`, full-width folded, invisible
/// characters dropped. Characters with no Latin base are kept, lowercased.
pub fn fold_accents_lower(input: &str) -> String {
    // ASCII only lowercases (what `fold_char` does to it), in one pass over the bytes.
    if input.is_ascii() {
        return input.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if let Some(folded) = fold_char(c) {
            out.push(folded);
        }
    }
    out
}

/// One character of [`fold_accents_lower`]; `None` for characters that vanish (combining marks,
/// invisible characters). On the hot path of `extract`, so ASCII costs one branch.
#[inline]
pub fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    // Precomposed Latin letters (every Vietnamese letter among them) fold through a table.
    if let Some(base) = latin_base(c) {
        return Some(base);
    }
    if ('\u{0300}'..='\u{036F}').contains(&c) || is_invisible(c) {
        return None;
    }
    let c = fold_width(c);
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    Some(c.to_lowercase().next().unwrap_or(c))
}

/// `input` without `prefix`, compared ASCII-case-insensitively; never slices inside a character.
pub fn strip_prefix_ignore_case<'a>(input: &'a str, prefix: &str) -> Option<&'a str> {
    let head = input.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &input[prefix.len()..])
}

/// Masks digits for logs and diagnostics: in every run of digits only the first three stay
/// (`0912345678` → `091*******`), so phone, account and ID numbers never reach a log whole.
pub fn mask_digits(input: &str) -> String {
    let mut run = 0;
    input
        .chars()
        .map(|c| {
            if digit_value(c).is_some() {
                run += 1;
                if run > 3 { '*' } else { c }
            } else {
                run = 0;
                c
            }
        })
        .collect()
}

/// At most 80 characters of untrusted input, cut at a character boundary, for error messages.
pub fn shorten_for_message(text: &str) -> std::borrow::Cow<'_, str> {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// Luhn check over ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// `value` with its digits grouped by three: `group_thousands(50_000_000, '.')` is `50.000.000` (Vietnamese),
/// with `,` it is `50,000,000`.
pub fn group_thousands(value: u64, separator: char) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// Defanged notations (`vcb[.]com`, `hxxps://`) and what they stand for, matched case-insensitively; every one is
/// ASCII. Shared by `extract` and the message analyzer's normaliser.
pub const DEFANGED_NOTATIONS: &[(&str, &str)] = &[
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("[:]", ":"),
    ("[://]", "://"),
    ("[/]", "/"),
    ("[@]", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("hxxp", "http"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_names() {
        assert_eq!(fold_accents_lower("Ngoại Thương"), "ngoai thuong");
        assert_eq!(fold_accents_lower("ĐÔNG Á"), "dong a");
        assert_eq!(fold_accents_lower("Ｖｉｅｔｃｏｍｂａｎｋ"), "vietcombank");
        // Decomposed input (base letter + combining marks) folds the same way.
        assert_eq!(fold_accents_lower("Nga\u{0323}i"), "ngai");
        assert_eq!(fold_accents_lower("Lừa đảo ỨNG DỤNG"), "lua dao ung dung");
    }

    #[test]
    fn digits_and_invisibles() {
        assert_eq!(digit_value('７'), Some(7));
        assert_eq!(digit_value('٣'), Some(3));
        assert_eq!(digit_value('a'), None);
        assert_eq!(clean(" 09\u{200B}12\u{FEFF} "), "0912");
    }

    #[test]
    fn masks_digit_runs() {
        assert_eq!(mask_digits("gọi 0912345678 hoặc 113"), "gọi 091******* hoặc 113");
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn thousands_are_grouped_with_the_separator_asked() {
        assert_eq!(super::group_thousands(50_000_000, '.'), "50.000.000");
        assert_eq!(super::group_thousands(34_467, ','), "34,467");
        assert_eq!(super::group_thousands(999, '.'), "999");
        assert_eq!(super::group_thousands(0, '.'), "0");
    }
}
