//! Vietnamese normalisation with spans back into the original text.
//!
//! Scammers write to slip past filters: without diacritics, in teencode (`ck`, `stk`, `ko`), with letters split
//! by dots or spaces (`N.h.a.n t.h.u.o.n.g`), digits for letters (`th0ng ba0`, `d!eu k!en`), Cyrillic or Greek
//! look-alikes, full-width forms, invisible characters and defanged links (`hxxp`, `[.]`). [`normalise`] undoes
//! all of that and gives two views of the message:
//!
//! - `text`: lowercase NFC Vietnamese, tone marks in one placement (the old style: `hòa`, `khỏe`, `thủy`, which
//!   most messages use), teencode expanded, split letters joined, whitespace runs collapsed;
//! - `folded`: its accent-free twin (`đ` → `d`, every tone and vowel mark dropped), for matching. Character `i`
//!   of `folded` is character `i` of `text` folded, so the two line up character for character.
//!
//! Every byte of both views maps back to a span `[start, end)` in characters (Unicode scalar values) of the
//! original text, the convention of `canhgiac_core::identifier::extract`. A character that came from several
//! original ones (an expanded abbreviation, a letter with a separate combining mark, a defanged `[.]`) maps to
//! all of them.
//!
//! It is on the hot path of the analyzer (telecoms run every SMS through it): one pass decodes into a reusable
//! buffer of characters with their origins, two short passes repair split letters and digit-for-letter words,
//! and a last pass writes both views; nothing allocates per character, and [`NormalisedMessage::refill`]
//! reuses every buffer from one message to the next.

use canhgiac_core::text;
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{compose, decompose_canonical, decompose_compatible, is_combining_mark};

/// A span `[start, end)` in characters (Unicode scalar values) of the original text.
pub type Span = (usize, usize);

/// Texts longer than this (in characters) are cut: the analyzer is for messages, not books.
pub const MAX_NORMALISE_CHARS: usize = 1 << 20;

/// One character of the message being normalised, with the span of the original it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unit {
    c: char,
    start: u32,
    end: u32,
}

/// One word (syllable) of the accent-free twin: a run of letters and digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte range `[folded_start, folded_end)` of the word in [`NormalisedMessage::folded`].
    pub folded_start: usize,
    pub folded_end: usize,
    /// Where the word came from in the original text.
    pub span: Span,
}

/// A message normalised for matching; see the module documentation. Reuse one value with
/// [`NormalisedMessage::refill`] to normalise many messages without allocating.
#[derive(Debug, Clone, Default)]
pub struct NormalisedMessage {
    text: String,
    /// The original span of every byte of `text`.
    text_origins: Vec<(u32, u32)>,
    folded: String,
    /// The original span of every byte of `folded`.
    folded_origins: Vec<(u32, u32)>,
    tokens: Vec<Token>,
    original_chars: usize,
    /// Working buffers, kept between messages.
    units: Vec<Unit>,
    units_spare: Vec<Unit>,
    word_key: String,
}

/// Normalises one message. For many messages, keep a [`NormalisedMessage`] and call
/// [`NormalisedMessage::refill`] instead: it reuses the buffers.
pub fn normalise(original: &str) -> NormalisedMessage {
    let mut message = NormalisedMessage::default();
    message.refill(original);
    message
}

impl NormalisedMessage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the contents with the normalisation of `original`, reusing the buffers.
    pub fn refill(&mut self, original: &str) {
        self.text.clear();
        self.text_origins.clear();
        self.folded.clear();
        self.folded_origins.clear();
        self.tokens.clear();
        let mut units = std::mem::take(&mut self.units);
        let mut spare = std::mem::take(&mut self.units_spare);
        units.clear();
        spare.clear();
        self.original_chars = decode(original, &mut units);
        join_split_letters(&units, &mut spare);
        units.clear();
        repair_words(&spare, &mut units);
        self.write_views(&units);
        self.find_tokens();
        self.units = units;
        self.units_spare = spare;
    }

    /// The normalised text: lowercase NFC Vietnamese with diacritics.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The accent-free lowercase twin of [`text`](Self::text), for matching.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The words (syllables) of the twin, in order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The twin's text of a token.
    pub fn token_text(&self, token: &Token) -> &str {
        self.folded.get(token.folded_start..token.folded_end).unwrap_or("")
    }

    /// How many characters the original had (after the cut at [`MAX_NORMALISE_CHARS`]).
    pub fn original_chars(&self) -> usize {
        self.original_chars
    }

    /// The original span of the byte range `[start, end)` of [`text`](Self::text); `None` when the range is
    /// empty or outside it.
    pub fn text_span(&self, start: usize, end: usize) -> Option<Span> {
        span_of(&self.text_origins, start, end)
    }

    /// The original span of the byte range `[start, end)` of [`folded`](Self::folded); `None` when the range
    /// is empty or outside it.
    pub fn folded_span(&self, start: usize, end: usize) -> Option<Span> {
        span_of(&self.folded_origins, start, end)
    }

    /// The original span of every byte of [`text`](Self::text).
    pub fn text_origins(&self) -> impl ExactSizeIterator<Item = Span> + '_ {
        self.text_origins.iter().map(|&(s, e)| (s as usize, e as usize))
    }

    /// The original span of every byte of [`folded`](Self::folded).
    pub fn folded_origins(&self) -> impl ExactSizeIterator<Item = Span> + '_ {
        self.folded_origins.iter().map(|&(s, e)| (s as usize, e as usize))
    }

    /// Appends one character to the text; [`write_folded`](Self::write_folded) makes the twin afterwards.
    #[inline(always)]
    fn emit(&mut self, c: char, start: u32, end: u32) {
        if c.is_ascii() {
            self.text.push(c);
            self.text_origins.push((start, end));
        } else {
            self.text_origins.extend(std::iter::repeat_n((start, end), c.len_utf8()));
            self.text.push(c);
        }
    }

    /// Writes the accent-free twin of the text, character for character, each with the origin of the character
    /// it folds.
    fn write_folded(&mut self) {
        if self.text.is_ascii() {
            // Every ASCII character folds to itself.
            self.folded.push_str(&self.text);
            self.folded_origins.extend_from_slice(&self.text_origins);
            return;
        }
        self.folded.reserve(self.text.len());
        self.folded_origins.reserve(self.text_origins.len());
        for (byte, c) in self.text.char_indices() {
            let origin = self.text_origins[byte];
            if c.is_ascii() {
                self.folded.push(c);
                self.folded_origins.push(origin);
            } else {
                let folded = fold(c);
                self.folded.push(folded);
                self.folded_origins.extend(std::iter::repeat_n(origin, folded.len_utf8()));
            }
        }
    }

    /// The last pass: whitespace runs collapsed, teencode expanded, tone marks placed, both views written (the
    /// text first, then its twin from it).
    fn write_views(&mut self, units: &[Unit]) {
        let teencode = &*TEENCODE;
        self.text.reserve(units.len());
        self.text_origins.reserve(units.len());
        // Whether the last word written was a number and only spaces followed it ("500 k").
        let mut after_number = false;
        let mut i = 0;
        while i < units.len() {
            let unit = units[i];
            if matches!(unit.c, ' ' | '\n') {
                let mut end = i + 1;
                let mut newline = unit.c == '\n';
                while let Some(next) = units.get(end).filter(|u| matches!(u.c, ' ' | '\n')) {
                    newline |= next.c == '\n';
                    end += 1;
                }
                // Leading whitespace is dropped; a run keeps the span of its first character.
                if !self.text.is_empty() {
                    self.emit(if newline { '\n' } else { ' ' }, unit.start, unit.end);
                }
                if newline {
                    after_number = false;
                }
                i = end;
                continue;
            }
            if !is_word_char(unit.c) {
                self.emit(unit.c, unit.start, unit.end);
                after_number = false;
                i += 1;
                continue;
            }
            let mut end = i + 1;
            while units.get(end).is_some_and(|u| is_word_char(u.c)) {
                end += 1;
            }
            let word = &units[i..end];
            if let Some(expansion) = self.teencode_expansion(teencode, word, after_number) {
                let word_start = unit.start;
                let word_end = word.iter().map(|u| u.end).max().unwrap_or(unit.end);
                for c in expansion.chars() {
                    self.emit(c, word_start, word_end);
                }
            } else {
                let (last_two, retoned) = retone(word);
                for u in &word[..word.len() - last_two] {
                    self.emit(u.c, u.start, u.end);
                }
                if let Some((first, second)) = retoned {
                    let a = word[word.len() - 2];
                    let b = word[word.len() - 1];
                    self.emit(first, a.start, a.end);
                    self.emit(second, b.start, b.end);
                }
            }
            after_number = word.last().is_some_and(|u| u.c.is_ascii_digit());
            i = end;
        }
        // Trailing whitespace is dropped.
        while self.text.ends_with([' ', '\n']) {
            self.text.pop();
            self.text_origins.pop();
        }
        self.write_folded();
    }

    /// The expansion of a word written as an abbreviation, if it is one.
    fn teencode_expansion(&mut self, teencode: &Teencode, word: &[Unit], after_number: bool) -> Option<&'static str> {
        if word.len() > teencode.longest_key {
            return None;
        }
        // One pass: a digit rules the word out, and so does a character outside ASCII that no key holds; an
        // ASCII word is looked up packed in a number, without building a string.
        let mut packed = 0u64;
        let mut ascii = true;
        for u in word {
            let c = abbreviation_key_char(u.c);
            if c.is_ascii_digit() {
                return None;
            }
            if c.is_ascii() {
                packed = packed << 8 | c as u64;
            } else if teencode.non_ascii_key_chars.contains(&c) {
                ascii = false;
            } else {
                return None;
            }
        }
        if ascii && word.len() <= 8 {
            let entry = teencode.ascii_entry(packed)?;
            if entry.not_after_number && after_number {
                return None;
            }
            return Some(entry.expansion);
        }
        self.word_key.clear();
        self.word_key.extend(word.iter().map(|u| abbreviation_key_char(u.c)));
        let entry = teencode.entries.get(self.word_key.as_str())?;
        if entry.not_after_number && after_number {
            return None;
        }
        Some(entry.expansion)
    }

    fn find_tokens(&mut self) {
        let mut start: Option<usize> = None;
        let bytes = self.folded.as_bytes();
        let mut byte = 0;
        while byte < bytes.len() {
            let b = bytes[byte];
            let (word_char, len) = if b.is_ascii() {
                (b.is_ascii_alphanumeric(), 1)
            } else {
                let c = self.folded[byte..].chars().next().unwrap_or(' ');
                (is_word_char(c), c.len_utf8())
            };
            match (word_char, start) {
                (true, None) => start = Some(byte),
                (false, Some(from)) => {
                    push_token(&mut self.tokens, &self.folded_origins, from, byte);
                    start = None;
                }
                _ => {}
            }
            byte += len;
        }
        if let Some(from) = start {
            push_token(&mut self.tokens, &self.folded_origins, from, self.folded.len());
        }
    }
}

fn push_token(tokens: &mut Vec<Token>, origins: &[(u32, u32)], from: usize, to: usize) {
    if let Some(span) = span_of(origins, from, to) {
        tokens.push(Token { folded_start: from, folded_end: to, span });
    }
}

/// The smallest original span covering the origins of `origins[start..end]`.
fn span_of(origins: &[(u32, u32)], start: usize, end: usize) -> Option<Span> {
    let range = origins.get(start..end)?;
    let first = range.first()?;
    let (mut from, mut to) = *first;
    for &(s, e) in range {
        from = from.min(s);
        to = to.max(e);
    }
    Some((from as usize, to as usize))
}

/// The accent-free lowercase form of one normalised character; every character folds to exactly one.
#[inline]
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    text::fold_char(c).unwrap_or(c)
}

/// How a character of a word is read when looking it up as an abbreviation: `đ` as `d`, other marks kept
/// (so `dong` is never taken for `đóng`).
#[inline]
fn abbreviation_key_char(c: char) -> char {
    if c == 'đ' { 'd' } else { c }
}

// ---------------------------------------------------------------------------------------------------------
// Pass 1: decode.

/// Decodes `original` into `units`: invisible characters dropped, combining marks composed onto the letter
/// before them, full-width forms, foreign digits, look-alike letters and compatibility forms folded, defanged
/// notations restored, everything lowercased. Returns how many original characters were read.
fn decode(original: &str, units: &mut Vec<Unit>) -> usize {
    let bytes = original.as_bytes();
    units.reserve(bytes.len().min(MAX_NORMALISE_CHARS));
    let mut byte = 0;
    let mut index = 0u32;
    while byte < bytes.len() && (index as usize) < MAX_NORMALISE_CHARS {
        let b = bytes[byte];
        if b.is_ascii() {
            // Every defanged notation starts with a bracket or `hxx`.
            if (matches!(b, b'[' | b'(' | b'{')
                || (b | 0x20 == b'h' && bytes.get(byte + 1..byte + 3).is_some_and(|s| s.eq_ignore_ascii_case(b"xx"))))
                && let Some((pattern, replacement)) =
                    canhgiac_core::text::DEFANGED_NOTATIONS.iter().find(|(pattern, _)| {
                        pattern.as_bytes().first() == Some(&b.to_ascii_lowercase())
                            && bytes
                                .get(byte..byte + pattern.len())
                                .is_some_and(|s| s.eq_ignore_ascii_case(pattern.as_bytes()))
                    })
            {
                let end = index + pattern.len() as u32;
                units.extend(replacement.chars().map(|c| Unit { c, start: index, end }));
                byte += pattern.len();
                index = end;
                continue;
            }
            let c = match b {
                b'\n' => '\n',
                _ if b.is_ascii_control() => ' ',
                // A small `l` between capitals stands for an `I` (`TRAlNGHlEM`, `NGlN`): no word is written so.
                b'l' if byte > 0
                    && bytes[byte - 1].is_ascii_uppercase()
                    && bytes.get(byte + 1).is_some_and(u8::is_ascii_uppercase) =>
                {
                    'i'
                }
                _ => b.to_ascii_lowercase() as char,
            };
            units.push(Unit { c, start: index, end: index + 1 });
            byte += 1;
            index += 1;
            continue;
        }
        let Some(c) = original.get(byte..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        byte += c.len_utf8();
        decode_non_ascii(c, index, units);
        index += 1;
    }
    index as usize
}

fn decode_non_ascii(c: char, index: u32, units: &mut Vec<Unit>) {
    let unit = |c| Unit { c, start: index, end: index + 1 };
    // Latin letters (every Vietnamese letter) first: most non-ASCII characters of a message are these.
    if let Some(decoded) = decode_latin_letter(c) {
        units.push(unit(decoded));
        return;
    }
    if text::is_invisible(c) {
        return;
    }
    if is_combining_mark(c) {
        attach_mark(c, index, units);
        return;
    }
    if c.is_whitespace() || c.is_control() {
        let newline = matches!(c, '\u{0085}' | '\u{2028}' | '\u{2029}');
        units.push(unit(if newline { '\n' } else { ' ' }));
        return;
    }
    if let Some(digit) = text::digit_value(c) {
        units.push(unit((b'0' + digit) as char));
        return;
    }
    let width_folded = text::fold_width(c);
    if width_folded.is_ascii() {
        units.push(unit(width_folded.to_ascii_lowercase()));
        return;
    }
    let lower = lowercase(c);
    if let Some(latin) = script_lookalike(lower) {
        units.push(unit(latin));
        return;
    }
    if has_compatibility_letters(c) {
        let before = units.len();
        decompose_compatible(c, |part| {
            if is_combining_mark(part) {
                attach_mark(part, index, units);
            } else if !text::is_invisible(part) {
                units.push(unit(latin_lookalike(lowercase(part))));
            }
        });
        if units.len() > before {
            return;
        }
    }
    units.push(unit(lower));
}

/// Composes a combining mark onto the character before it (NFC); a mark that composes with nothing is
/// dropped, and the character before it then also covers the mark's place in the original.
fn attach_mark(mark: char, index: u32, units: &mut [Unit]) {
    if let Some(last) = units.last_mut() {
        if let Some(composed) = compose(last.c, mark) {
            last.c = composed;
        }
        last.end = last.end.max(index + 1);
    }
}

/// The precomposed Latin letters (U+00C0..U+024F, U+1E00..U+1EFF): the blocks of [`text::is_latin_letter`].
const LATIN_BLOCKS: [std::ops::RangeInclusive<char>; 2] = ['\u{00C0}'..='\u{024F}', '\u{1E00}'..='\u{1EFF}'];

/// `latin_lookalike(lowercase(c))` of every character of [`LATIN_BLOCKS`], computed once: Unicode's case tables
/// are searched, and nearly every Vietnamese letter of a message goes through this.
static DECODED_LATIN: LazyLock<Vec<char>> =
    LazyLock::new(|| LATIN_BLOCKS.into_iter().flatten().map(|c| latin_lookalike(lowercase(c))).collect());

/// How [`decode`] reads a precomposed Latin letter; `None` for other characters.
#[inline]
fn decode_latin_letter(c: char) -> Option<char> {
    if !text::is_latin_letter(c) {
        return None;
    }
    let u = c as u32;
    let index = if u <= 0x024F { u - 0x00C0 } else { u - 0x1E00 + (0x024F - 0x00C0 + 1) };
    DECODED_LATIN.get(index as usize).copied()
}

#[inline]
fn lowercase(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Latin letters that stand in for Vietnamese ones (`ð` for `đ`, dotless `ı` for `i`).
#[inline]
fn latin_lookalike(c: char) -> char {
    match c {
        'ð' => 'đ',
        'ı' => 'i',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ɩ' => 'i',
        'ʏ' => 'y',
        _ => c,
    }
}

/// Cyrillic and Greek letters (lowercase) that look like Latin ones.
fn script_lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' | 'є' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' | 'һ' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' | 'ү' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        'ɩ' => 'i',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'γ' => 'y',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'ζ' => 'z',
        // Letter-like symbols
        'ℓ' => 'l',
        _ => return None,
    })
}

/// Blocks whose characters are styled Latin letters or digits under a compatibility decomposition
/// (mathematical bold `𝐀`, circled `ⓐ`, superscripts, ligatures `ﬁ`, squared `🄰`, `㎞`).
fn has_compatibility_letters(c: char) -> bool {
    matches!(c,
        '\u{2070}'..='\u{209F}' | '\u{2100}'..='\u{214F}' | '\u{2460}'..='\u{24FF}' | '\u{3200}'..='\u{33FF}'
        | '\u{FB00}'..='\u{FB06}' | '\u{1D400}'..='\u{1D7FF}' | '\u{1F100}'..='\u{1F1FF}')
}

// ---------------------------------------------------------------------------------------------------------
// Pass 2: letters split by separators.

/// What scammers put between the letters of a word to split it (`N.h.a.n`, `B/H/T/N`, `n h a n`).
#[inline]
fn is_split_separator(c: char) -> bool {
    matches!(c, '.' | ' ' | '-' | '_' | '*' | '/' | '+')
}

/// The fewest letters of a split word joined back: `v.v.` and initials stay as they are.
const MIN_SPLIT_LETTERS: usize = 3;

/// A letter of the decoded text (lowercase by then). Precomposed Latin letters answer before Unicode's tables,
/// which are slow and would otherwise be asked several times per character.
#[inline]
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    text::is_latin_letter(c) || c.is_alphabetic()
}

/// A character of a word: a letter or a digit, with the same fast answers as [`is_letter`].
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    text::is_latin_letter(c) || c.is_alphanumeric()
}

/// Copies `units` into `out`, joining runs of at least three single letters separated by the same one
/// separator (`c.o.n.g a.n` → `cong an`; a double space or another separator ends a run).
fn join_split_letters(units: &[Unit], out: &mut Vec<Unit>) {
    let is_alnum_at = |k: usize| units.get(k).is_some_and(|u| is_word_char(u.c));
    // Once a message has split one word with a separator, a two-letter run with the same one is split too
    // (`C-O-N-G A-N`).
    let mut separator_seen: Option<char> = None;
    let mut i = 0;
    while i < units.len() {
        let unit = units[i];
        // The cheapest test first: most characters are not followed by a separator.
        if let Some(separator) = units.get(i + 1).map(|u| u.c).filter(|&c| is_split_separator(c))
            && is_letter(unit.c)
            && (i == 0 || !is_alnum_at(i - 1))
        {
            let mut last = i;
            let mut letters = 1;
            while units.get(last + 1).is_some_and(|u| u.c == separator)
                && units.get(last + 2).is_some_and(|u| is_letter(u.c))
                && !is_alnum_at(last + 3)
            {
                last += 2;
                letters += 1;
            }
            let fewest = if separator_seen == Some(separator) { 2 } else { MIN_SPLIT_LETTERS };
            if letters >= fewest {
                separator_seen = Some(separator);
                out.extend(units[i..=last].iter().step_by(2).copied());
                i = last + 1;
                continue;
            }
        }
        out.push(unit);
        i += 1;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Pass 3: digits and symbols written for letters, noise inside words.

/// Copies `units` into `out`, repairing words: `th0ng` → `thong`, `d!eu` → `dieu`, `tjen` → `tien`,
/// `Nh'ap` → `nhap`, `KH0NG_DUOC` → `khong duoc`.
fn repair_words(units: &[Unit], out: &mut Vec<Unit>) {
    out.reserve(units.len());
    for (i, &unit) in units.iter().enumerate() {
        // Only these characters are ever repaired; the rest are copied as they are.
        if !matches!(unit.c, '\'' | '"' | '`' | '~' | '^' | '_' | '0' | '1' | '!' | '3' | '4' | '$' | '|' | 'j') {
            out.push(unit);
            continue;
        }
        let prev = i.checked_sub(1).and_then(|k| units.get(k)).map(|u| u.c);
        let next = units.get(i + 1).map(|u| u.c);
        let prev_letter = prev.is_some_and(is_letter);
        let next_letter = next.is_some_and(is_letter);
        let between_letters = prev_letter && next_letter;
        let c = match unit.c {
            // Noise inside a word: no Vietnamese or English word holds these between two letters.
            '\'' | '"' | '`' | '~' | '^' if between_letters => continue,
            '_' if between_letters => ' ',
            '0' if between_letters => 'o',
            '1' | '!' if between_letters => 'i',
            '3' if between_letters => 'e',
            '4' if between_letters => 'a',
            '$' if between_letters => 's',
            '|' if between_letters => 'l',
            // A `0` that ends a word of letters: `ba0`, `zal0`, `k0`.
            '0' if prev_letter && !next.is_some_and(is_word_char) && letters_before(units, i) => 'o',
            // Vietnamese has no `j`: inside a word it is an `i` (`tjen`, `nguoj`).
            'j' if prev_letter => 'i',
            c => c,
        };
        out.push(Unit { c, ..unit });
    }
}

/// Whether the word that ends just before `i` is made of letters only.
fn letters_before(units: &[Unit], i: usize) -> bool {
    let word = units[..i].iter().rev().take_while(|u| is_word_char(u.c));
    let mut any = false;
    for u in word {
        if !is_letter(u.c) {
            return false;
        }
        any = true;
    }
    any
}

// ---------------------------------------------------------------------------------------------------------
// Tone placement.

/// Tone marks, as combining characters.
const TONE_MARKS: &[char] = &['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}'];

/// The old-style placement for a word ending in `oa`, `oe` or `uy` with the tone on the second vowel
/// (`hoà` → `hòa`, `khoẻ` → `khỏe`, `thuỷ` → `thủy`; `quý` keeps it, `qu` is a consonant). Returns how many
/// trailing characters the caller must take from the second element instead of the word (0 or 2).
fn retone(word: &[Unit]) -> (usize, Option<(char, char)>) {
    let [.., before, first, second] = word else {
        return match word {
            [first, second] => retone_pair(None, first.c, second.c).map_or((0, None), |pair| (2, Some(pair))),
            _ => (0, None),
        };
    };
    retone_pair(Some(before.c), first.c, second.c).map_or((0, None), |pair| (2, Some(pair)))
}

fn retone_pair(before: Option<char>, first: char, second: char) -> Option<(char, char)> {
    if second.is_ascii() || !matches!(first, 'o' | 'u') {
        return None;
    }
    let mut parts = ['\0'; 2];
    let mut count = 0;
    decompose_canonical(second, |part| {
        if count < 2 {
            parts[count] = part;
        }
        count += 1;
    });
    let [base, tone] = parts;
    if count != 2 || !TONE_MARKS.contains(&tone) {
        return None;
    }
    let fits = match first {
        'o' => matches!(base, 'a' | 'e'),
        _ => base == 'y' && before != Some('q'),
    };
    if !fits {
        return None;
    }
    Some((compose(first, tone)?, base))
}

// ---------------------------------------------------------------------------------------------------------
// The teencode table.

#[derive(Clone, Copy)]
struct Abbreviation {
    expansion: &'static str,
    not_after_number: bool,
}

struct Teencode {
    entries: HashMap<String, Abbreviation, BuildFnv>,
    /// The entries whose key is ASCII (8 characters at most), keyed by [`pack_ascii_key`] in an open-addressing
    /// table of [`ASCII_SLOTS`] slots.
    ascii_slots: Vec<Option<(u64, Abbreviation)>>,
    /// The characters outside ASCII that keys hold.
    non_ascii_key_chars: Vec<char>,
    /// In characters: longer words are not looked up.
    longest_key: usize,
}

/// FNV-1a: the keys are a few bytes long and compiled in, so a fast hash with no DoS resistance is the right
/// trade (SipHash showed in profiles: nearly every syllable is looked up).
#[derive(Default, Clone, Copy)]
struct BuildFnv;

struct Fnv(u64);

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

static TEENCODE_TSV: &str = include_str!("../data/teencode.tsv");

static TEENCODE: LazyLock<Teencode> = LazyLock::new(|| {
    let (teencode, _problems) = parse_teencode(TEENCODE_TSV);
    teencode
});

/// Parses the teencode table; lines it cannot read are skipped and described in the second element (a test
/// keeps that list empty).
fn parse_teencode(tsv: &'static str) -> (Teencode, Vec<String>) {
    let mut entries = HashMap::with_hasher(BuildFnv);
    let mut problems = Vec::new();
    let mut longest_key = 0;
    for (number, line) in tsv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut columns = line.split('\t');
        let (Some(abbreviation), Some(expansion)) = (columns.next(), columns.next()) else {
            problems.push(format!("line {}: expected abbreviation<TAB>expansion", number + 1));
            continue;
        };
        let flags = columns.next().unwrap_or("");
        let not_after_number = flags.split(',').any(|flag| flag.trim() == "not_after_number");
        if flags.split(',').any(|flag| !matches!(flag.trim(), "" | "not_after_number")) {
            problems.push(format!("line {}: unknown flag in {flags:?}", number + 1));
        }
        let key: String = abbreviation.trim().nfc().map(|c| abbreviation_key_char(lowercase(c))).collect();
        let is_normal = expansion.nfc().eq(expansion.chars())
            && expansion.chars().all(|c| !c.is_uppercase())
            && !expansion.trim().is_empty();
        if key.is_empty() || key.chars().any(|c| !c.is_alphanumeric()) || !is_normal {
            problems.push(format!("line {}: {abbreviation:?} → {expansion:?} is not a lowercase NFC word", number + 1));
            continue;
        }
        longest_key = longest_key.max(key.chars().count());
        if entries.insert(key, Abbreviation { expansion, not_after_number }).is_some() {
            problems.push(format!("line {}: {abbreviation:?} is listed twice", number + 1));
        }
    }
    let mut ascii_slots = vec![None; ASCII_SLOTS];
    for (key, &entry) in &entries {
        let Some(packed) = pack_ascii_key(key.chars()) else {
            continue;
        };
        if entries.len() * 2 > ASCII_SLOTS {
            problems.push("too many abbreviations for the table of ASCII ones".to_owned());
            break;
        }
        let mut slot = ascii_slot(packed);
        while ascii_slots[slot].is_some() {
            slot = (slot + 1) % ASCII_SLOTS;
        }
        ascii_slots[slot] = Some((packed, entry));
    }
    let mut non_ascii_key_chars: Vec<char> =
        entries.keys().flat_map(|key| key.chars()).filter(|c| !c.is_ascii()).collect();
    non_ascii_key_chars.sort_unstable();
    non_ascii_key_chars.dedup();
    (Teencode { entries, ascii_slots, non_ascii_key_chars, longest_key }, problems)
}

/// The size of the table of ASCII abbreviations (a power of two).
const ASCII_SLOTS: usize = 512;

/// Where a packed ASCII key starts looking in the table (Fibonacci hashing).
#[inline]
fn ascii_slot(packed: u64) -> usize {
    (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - ASCII_SLOTS.trailing_zeros())) as usize
}

impl Teencode {
    /// The abbreviation of a packed ASCII key.
    #[inline]
    fn ascii_entry(&self, packed: u64) -> Option<&Abbreviation> {
        let mut slot = ascii_slot(packed);
        loop {
            let (key, entry) = self.ascii_slots.get(slot)?.as_ref()?;
            if *key == packed {
                return Some(entry);
            }
            slot = (slot + 1) % ASCII_SLOTS;
        }
    }
}

/// An ASCII word of at most 8 characters, none of them NUL, as one number (distinct words, distinct numbers);
/// `None` for other words.
#[inline]
fn pack_ascii_key(chars: impl Iterator<Item = char>) -> Option<u64> {
    let mut packed = 0u64;
    for (length, c) in chars.enumerate() {
        if !c.is_ascii() || c == '\0' || length == 8 {
            return None;
        }
        packed = packed << 8 | c as u64;
    }
    Some(packed)
}

/// Problems in the compiled-in teencode table (empty when it is well formed).
pub fn teencode_problems() -> Vec<String> {
    parse_teencode(TEENCODE_TSV).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teencode_table_is_well_formed() {
        assert_eq!(teencode_problems(), Vec::<String>::new());
    }

    #[test]
    fn latin_letters_decode_through_the_table() {
        for c in LATIN_BLOCKS.into_iter().flatten() {
            let expected = text::is_latin_letter(c).then(|| latin_lookalike(lowercase(c)));
            assert_eq!(decode_latin_letter(c), expected, "{c:?}");
        }
        assert_eq!(decode_latin_letter('a'), None);
    }

    #[test]
    fn ascii_teencode_keys_are_all_packed() {
        let teencode = &*TEENCODE;
        for (key, entry) in &teencode.entries {
            if key.is_ascii() && key.len() <= 8 {
                let packed = pack_ascii_key(key.chars()).expect("an ASCII key packs");
                assert_eq!(teencode.ascii_entry(packed).map(|e| e.expansion), Some(entry.expansion), "{key}");
            }
        }
        let packed = teencode.ascii_slots.iter().flatten().count();
        assert_eq!(packed, teencode.entries.keys().filter(|key| key.is_ascii() && key.len() <= 8).count());
    }

    #[test]
    fn views_line_up_character_for_character() {
        let message = normalise("Hoà bình! Chuyển khoản ngay, ck 500 k");
        assert_eq!(message.text().chars().count(), message.folded().chars().count());
        assert_eq!(message.text(), "hòa bình! chuyển khoản ngay, chuyển khoản 500 k");
        assert_eq!(message.folded(), "hoa binh! chuyen khoan ngay, chuyen khoan 500 k");
    }

    #[test]
    fn decomposed_input_is_composed() {
        let message = normalise("Kho\u{0301}a ta\u{0300}i khoa\u{0309}n");
        assert_eq!(message.text(), "khóa tài khoản");
        assert_eq!(message.folded_span(0, 5), Some((0, 6)));
    }
}
