//! The buffer `extract` works on: the text with invisible characters removed, full-width forms and
//! foreign digits folded and defanged link notation restored. For every character it keeps the
//! classes the scans look for, so that finding the next separator, digit or word is a bit test
//! eight characters at a time, and where the character came from in the original.

use super::MAX_EXTRACT_CHARS;
use crate::text;

pub(super) struct NormalisedText {
    pub(super) chars: Vec<char>,
    /// The classes of `chars[i]` (`SEPARATOR`, `MARK`, `NUMERIC`, `WORD`), one byte each.
    pub(super) classes: Vec<u8>,
    /// Where `chars[i]` begins in the original: `i + shift`, with the `shift` of the last
    /// `(from, shift)` here whose `from <= i` (0 before the first). The shift changes only after a
    /// dropped invisible character and around a defanged notation, so most texts have none.
    /// Each character ends one character later, except the characters a defanged notation became.
    shifts: Vec<(u32, u32)>,
    /// `(i, end)` for the characters restored from a defanged notation (`[.]` → `.`), in order.
    long_ends: Vec<(u32, u32)>,
}

/// Tokens end at whitespace and at characters that never stand inside a link someone wrote:
/// `NGAY>>m.bidstk.icu`, `<fr3e.win/z1r5Dd>`, `{abc.tech}`, `Te|egram`.
pub(super) const SEPARATOR: u8 = 1;
/// '.', '@', ':' and '/': every link-like token holds one.
pub(super) const MARK: u8 = 2;
/// Digits and '+', where digit runs start.
pub(super) const NUMERIC: u8 = 4;
/// Letters, digits and '/': what context words are made of.
pub(super) const WORD: u8 = 8;

/// The classes of every ASCII character.
static ASCII_CLASSES: [u8; 128] = {
    let mut classes = [0; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_whitespace() || matches!(c, b'<' | b'>' | b'{' | b'}' | b'|' | b'"') {
            classes[b] = SEPARATOR;
        }
        if matches!(c, b'.' | b'@' | b':' | b'/') {
            classes[b] |= MARK;
        }
        if c.is_ascii_digit() || c == b'+' {
            classes[b] |= NUMERIC;
        }
        if c.is_ascii_alphanumeric() || c == b'/' {
            classes[b] |= WORD;
        }
        b += 1;
    }
    classes
};

/// The classes of a character of the buffer (after folding: every digit and mark is ASCII).
fn class_of(c: char) -> u8 {
    if let Some(&classes) = ASCII_CLASSES.get(c as usize) {
        return classes;
    }
    let separator = c.is_whitespace() || matches!(c, '«' | '»' | '“' | '”');
    let word = text::is_latin_letter(c) || c.is_alphanumeric();
    (if separator { SEPARATOR } else { 0 }) | (if word { WORD } else { 0 })
}

impl NormalisedText {
    // The phases of `extract` stay out of line so that a profile shows the time of each
    // (bench/RESULTS.md); each runs once or a few times per text, so the calls cost nothing.
    #[inline(never)]
    pub(super) fn new(input: &str) -> Self {
        let bytes = input.as_bytes();
        let capacity = bytes.len().min(MAX_EXTRACT_CHARS);
        let mut text = NormalisedText {
            chars: Vec::with_capacity(capacity),
            classes: Vec::with_capacity(capacity),
            shifts: Vec::new(),
            long_ends: Vec::new(),
        };
        let mut byte = 0;
        let mut index = 0u32; // in characters of the input
        while byte < bytes.len() && (index as usize) < MAX_EXTRACT_CHARS {
            let b = bytes[byte];
            if !b.is_ascii() {
                let c = input[byte..].chars().next().unwrap_or(' ');
                byte += c.len_utf8();
                // Latin letters (every Vietnamese letter) are kept as they are.
                if text::is_latin_letter(c) {
                    text.chars.push(c);
                    text.classes.push(WORD);
                } else if text::is_invisible(c) {
                    text.next_starts_at(index + 1);
                } else {
                    text.push(match text::digit_value(c) {
                        Some(d) => (b'0' + d) as char,
                        None if c == '\u{00A0}' => ' ',
                        None => text::fold_width(c),
                    });
                }
                index += 1;
                continue;
            }
            // Most of an SMS is ASCII that needs no change: copy it in one go.
            let plain = plain_ascii_len(&bytes[byte..]).min(MAX_EXTRACT_CHARS - index as usize);
            if plain > 0 {
                let stretch = &bytes[byte..byte + plain];
                text.chars.extend(stretch.iter().map(|&b| b as char));
                // The mask changes no ASCII byte; it spares a bounds check.
                text.classes.extend(stretch.iter().map(|&b| ASCII_CLASSES[(b & 0x7f) as usize]));
                byte += plain;
                index += plain as u32;
                continue;
            }
            // A bracket or an 'h' that may begin a defanged notation. Every notation is ASCII, so
            // its length in bytes is its length in characters.
            if let Some((pattern, replacement)) = text::DEFANGED_NOTATIONS.iter().find(|(pattern, _)| {
                pattern.as_bytes()[0] == b.to_ascii_lowercase()
                    && bytes.get(byte..byte + pattern.len()).is_some_and(|s| s.eq_ignore_ascii_case(pattern.as_bytes()))
            }) {
                let end = index + pattern.len() as u32;
                for r in replacement.chars() {
                    text.next_starts_at(index);
                    text.long_ends.push((text.chars.len() as u32, end));
                    text.push(r);
                }
                text.next_starts_at(end);
                byte += pattern.len();
                index = end;
            } else {
                text.push(b as char);
                byte += 1;
                index += 1;
            }
        }
        text
    }

    fn push(&mut self, c: char) {
        self.chars.push(c);
        self.classes.push(class_of(c));
    }

    /// Notes that the next character pushed begins at `start` in the original; called only where
    /// that stops following from the character before (after a dropped one, around a notation).
    fn next_starts_at(&mut self, start: u32) {
        let at = self.chars.len() as u32;
        let shift = start.wrapping_sub(at);
        match self.shifts.last_mut() {
            Some(last) if last.0 == at => last.1 = shift,
            Some(&mut (_, last)) if last == shift => {}
            None if shift == 0 => {}
            _ => self.shifts.push((at, shift)),
        }
    }

    /// Where `chars[i]` begins in the original.
    fn start(&self, i: usize) -> u32 {
        let after = self.shifts.partition_point(|&(from, _)| from as usize <= i);
        let shift = if after == 0 { 0 } else { self.shifts[after - 1].1 };
        (i as u32).wrapping_add(shift)
    }

    /// The span in the original of `chars[from..to]`.
    pub(super) fn span(&self, from: usize, to: usize) -> (usize, usize) {
        let last = to - 1;
        let end = match self.long_ends.binary_search_by_key(&(last as u32), |&(i, _)| i) {
            Ok(found) => self.long_ends[found].1,
            Err(_) => self.start(last) + 1,
        };
        (self.start(from) as usize, end as usize)
    }

    pub(super) fn string(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    /// The first position in `[from, to)` whose classes include any of `bits`, or `to`.
    pub(super) fn next_with(&self, from: usize, to: usize, bits: u8) -> usize {
        next(&self.classes[from..to], |word| word & (ONES * bits as u64), |c| c & bits != 0).map_or(to, |p| from + p)
    }

    /// The first position in `[from, to)` whose classes lack `bit`, or `to`.
    pub(super) fn next_without(&self, from: usize, to: usize, bit: u8) -> usize {
        next(&self.classes[from..to], |word| !word & (ONES * bit as u64), |c| c & bit == 0).map_or(to, |p| from + p)
    }

    /// The last position in `[from, to)` whose classes include `bit`.
    pub(super) fn last_with(&self, from: usize, to: usize, bit: u8) -> Option<usize> {
        last(&self.classes[from..to], |word| word & (ONES * bit as u64), |c| c & bit != 0).map(|p| from + p)
    }

    /// The last position in `[from, to)` whose classes lack `bit`.
    pub(super) fn last_without(&self, from: usize, to: usize, bit: u8) -> Option<usize> {
        last(&self.classes[from..to], |word| !word & (ONES * bit as u64), |c| c & bit == 0).map(|p| from + p)
    }
}

/// The first byte of `bytes` that `test` accepts, eight at a time: `marks` turns eight bytes into
/// a word with bits set only in the bytes accepted.
#[inline(always)]
fn next(bytes: &[u8], marks: impl Fn(u64) -> u64, test: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut k = 0;
    for chunk in &mut chunks {
        let hits = marks(load(chunk));
        if hits != 0 {
            return Some(k + hits.trailing_zeros() as usize / 8);
        }
        k += 8;
    }
    chunks.remainder().iter().position(|&b| test(b)).map(|p| k + p)
}

/// The last byte of `bytes` that `test` accepts, eight at a time as in [`next`].
#[inline(always)]
fn last(bytes: &[u8], marks: impl Fn(u64) -> u64, test: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = bytes.rchunks_exact(8);
    let mut k = bytes.len();
    for chunk in &mut chunks {
        let hits = marks(load(chunk));
        if hits != 0 {
            return Some(k - 1 - hits.leading_zeros() as usize / 8);
        }
        k -= 8;
    }
    chunks.remainder().iter().rposition(|&b| test(b))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes as one word, the first in the lowest byte.
fn load(chunk: &[u8]) -> u64 {
    u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]])
}

/// How many bytes at the start of `bytes` are ASCII that cannot begin a defanged notation.
fn plain_ascii_len(bytes: &[u8]) -> usize {
    let mut k = 0;
    while k < bytes.len() {
        // Eight bytes at a time; zeros pad the last ones and never stop a stretch.
        let word = match bytes.get(k..k + 8) {
            Some(chunk) => load(chunk),
            None => {
                let mut padded = [0u8; 8];
                padded[..bytes.len() - k].copy_from_slice(&bytes[k..]);
                u64::from_le_bytes(padded)
            }
        };
        let stops = stop_bytes(word);
        if stops == 0 {
            k += 8;
            continue;
        }
        let at = k + stops.trailing_zeros() as usize / 8;
        match bytes[at] {
            // "hxxp": stop before its 'h' ('h' is everywhere in Vietnamese, "hx" almost nowhere).
            b'x' | b'X' if at > 0 && matches!(bytes[at - 1], b'h' | b'H') => return at - 1,
            b'x' | b'X' => k = at + 1,
            _ => return at,
        }
    }
    bytes.len()
}

/// The high bit of every byte of `word` (eight bytes of text, first in the lowest) that may end a
/// plain ASCII stretch: a non-ASCII byte, a bracket, an 'x'. Exact for the lowest byte it marks,
/// which is the only one read.
fn stop_bytes(word: u64) -> u64 {
    // The classic test for zero bytes, on the bytes equal to `b` turned to zero.
    let equal = |v: u64, b: u8| {
        let x = v ^ (ONES * b as u64);
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    // Setting 0x20 in every byte folds '[' onto '{' and 'X' onto 'x', and nothing else onto them.
    let folded = word | (ONES * 0x20);
    (word & HIGHS) | equal(folded, b'{') | equal(folded, b'x') | equal(word, b'(')
}
