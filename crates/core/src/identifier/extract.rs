//! Finds every identifier inside free Vietnamese text (an SMS, a report narrative), with its span in
//! characters of the original text, including the forms scammers use to slip past filters: digits
//! split by spaces, dots or dashes, full-width digits, invisible characters, defanged links, links cut by a
//! space or written without the scheme's colon (`https://svip- scb.com`, `https//…`), and "stk"/"số tài khoản"
//! next to a bank name in either order.
//!
//! The text is first mapped to a normalised character buffer (`buffer`) that remembers, for every
//! character, its classes (separator, mark, digit, word character) and where it came from; every
//! later step works on that buffer and spans are mapped back at the end.

use super::bank::{CardNumber, bank_ending_words, bank_in_words};
use super::{
    BankAccount, CryptoAddress, Domain, Email, Ewallet, EwalletProvider, Identifier, IpAddress, PhoneNumber, PhoneType,
    SocialAccount, Url, VietQr,
};
use crate::text;
use buffer::{MARK, NUMERIC, NormalisedText, SEPARATOR, WORD};
use std::cell::OnceCell;

mod buffer;

/// One identifier found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub identifier: Identifier,
    /// `[start, end)` in characters (Unicode scalar values) of the original text.
    pub span: (usize, usize),
}

/// Texts longer than this are cut: extraction is for messages and narratives, not books.
pub const MAX_EXTRACT_CHARS: usize = 1 << 20;

pub fn extract(input: &str) -> Vec<Found> {
    let view = NormalisedText::new(input);
    let mut found: Vec<Found> = Vec::new();
    // The tokens recognised as identifiers: digit runs inside them are not read.
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    view.find_tokens(&mut found, &mut claimed);
    view.find_digit_runs(&mut found, &claimed);
    found.sort_by_key(|f| f.span);
    found
}

/// Words near a digit run, accent-free and lowercase, side by side in one inline buffer: a window
/// holds at most `MAX_WINDOW_WORDS` words of at most `CONTEXT_CHARS` characters in all, so deciding
/// what a number is allocates nothing.
struct WindowWords {
    folded: [u8; 4 * CONTEXT_CHARS],
    len: usize,
    /// Where each word ends in `folded`; the next one starts there.
    ends: [u8; MAX_WINDOW_WORDS],
    count: usize,
}

const MAX_WINDOW_WORDS: usize = 8;

impl WindowWords {
    fn new() -> Self {
        WindowWords { folded: [0; 4 * CONTEXT_CHARS], len: 0, ends: [0; MAX_WINDOW_WORDS], count: 0 }
    }

    fn push(&mut self, word: &[char]) {
        for &c in word {
            if c.is_ascii() {
                self.folded[self.len] = (c as u8).to_ascii_lowercase();
                self.len += 1;
            } else if let Some(f) = text::fold_char(c) {
                self.len += f.encode_utf8(&mut self.folded[self.len..]).len();
            }
        }
        self.ends[self.count] = self.len as u8;
        self.count += 1;
    }

    /// The words, as bytes: most questions compare them with ASCII keywords.
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.count].iter().map(move |&end| {
            let word = &self.folded[start..end as usize];
            start = end as usize;
            word
        })
    }
}

/// A word of a `WindowWords` as text: only whole characters were written, so this never fails.
fn as_str(word: &[u8]) -> &str {
    std::str::from_utf8(word).unwrap_or_default()
}

/// How every VietQR payload starts (payload format indicator "01").
const VIETQR_START: [char; 6] = ['0', '0', '0', '2', '0', '1'];

/// How far from a digit run its context words may stand, in characters.
const CONTEXT_CHARS: usize = 48;

impl NormalisedText {
    /// Up to `count` words that end at or before `position` and within reach of it, nearest first.
    fn words_before(&self, position: usize, count: usize, floor: usize) -> WindowWords {
        let limit = position.saturating_sub(CONTEXT_CHARS).max(floor);
        let mut words = WindowWords::new();
        let mut i = position;
        while words.count < count.min(MAX_WINDOW_WORDS)
            && let Some(last) = self.last_with(limit, i, WORD)
        {
            let start = self.last_without(limit, last, WORD).map_or(limit, |p| p + 1);
            words.push(&self.chars[start..=last]);
            i = start;
        }
        words
    }

    /// Up to `count` words that start at or after `position` and within reach of it, in order.
    fn words_after(&self, position: usize, count: usize, ceiling: usize) -> WindowWords {
        let limit = (position + CONTEXT_CHARS).min(ceiling).min(self.chars.len());
        let mut words = WindowWords::new();
        let mut i = position;
        while words.count < count.min(MAX_WINDOW_WORDS) {
            let start = self.next_with(i, limit, WORD);
            if start == limit {
                break;
            }
            i = self.next_without(start, limit, WORD);
            words.push(&self.chars[start..i]);
        }
        words
    }

    /// Whitespace-separated tokens: links, domains, e-mails, handles, crypto addresses, VietQR payloads.
    #[inline(never)]
    fn find_tokens(&self, found: &mut Vec<Found>, claimed: &mut Vec<(usize, usize)>) {
        let n = self.chars.len();
        // The first '.', '@', ':' or '/' at or after the token: most tokens hold none.
        let mut next_mark = self.next_with(0, n, MARK);
        let mut i = 0;
        loop {
            i = self.next_without(i, n, SEPARATOR);
            if i == n {
                break;
            }
            let mut end = self.next_with(i, n, SEPARATOR);
            if next_mark < i {
                next_mark = self.next_with(i, n, MARK);
            }
            let marked = next_mark < end;
            // Most tokens are plain words: leave before looking closer.
            if !marked && !(14..=90).contains(&(end - i)) && !self.chars[i..end].starts_with(&VIETQR_START) {
                i = end;
                continue;
            }
            // "tai:https://…", "egram;https://…": a link glued to the word before it starts a token.
            if marked
                && self.chars[i..end].contains(&':')
                && let Some(scheme) = self.scheme_inside(i, end)
            {
                end = scheme;
            }
            let identified = match self.link_broken_by_a_space(i, end) {
                Some(joined) => Some(joined),
                None => self.token_identifier(i, end),
            };
            if let Some((identifier, from, to)) = identified {
                claimed.push((from, to));
                found.push(Found { identifier, span: self.span(from, to) });
                i = to.max(i + 1);
            } else {
                i = end;
            }
        }
    }

    /// A link whose host is cut by one space after a `-` or `.` to slip past filters (`https://svip- scb.com`,
    /// `https://vcb-digibank. top`), read as one link spanning both pieces.
    fn link_broken_by_a_space(&self, start: usize, end: usize) -> Option<(Identifier, usize, usize)> {
        let cut = *self.chars.get(end.checked_sub(1)?)?;
        if !matches!(cut, '-' | '.') || self.chars.get(end) != Some(&' ') {
            return None;
        }
        let head = self.string(start, end);
        let lower = head.to_ascii_lowercase();
        let host = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"))?;
        // The cut is in the host: no path has started, and the host has begun.
        if host.len() < 2 || host.contains('/') {
            return None;
        }
        let tail_start = end + 1;
        let mut tail_end = self.next_with(tail_start, self.chars.len(), SEPARATOR);
        while tail_end > tail_start && is_trailing_punctuation(self.chars[tail_end - 1]) {
            tail_end -= 1;
        }
        let tail = self.string(tail_start, tail_end);
        let host_tail = tail.split(['/', '?', '#']).next().unwrap_or_default();
        let host_tail_ok = host_tail.len() >= 2
            && host_tail.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            && host_tail.as_bytes()[0].is_ascii_alphanumeric();
        // After a `-` the rest of the host still holds its ending (`scb.com`). After a `.` the host must have no
        // ending yet (`vcb-digibank.`): `https://vietcombank.com.vn.` ends a sentence, and the next word
        // (`de`, `cam`) may well spell an ending too.
        let continues = match cut {
            '-' => host_tail.contains('.'),
            _ => !host[..host.len() - 1].contains('.'),
        };
        if !host_tail_ok || !continues {
            return None;
        }
        let url = Url::parse(&format!("{head}{tail}")).ok()?;
        Some((Identifier::Url(url), start, tail_end))
    }

    /// Where `http://` or `https://` starts inside `[start, end)`, after its first character.
    fn scheme_inside(&self, start: usize, end: usize) -> Option<usize> {
        (start + 1..end.saturating_sub(7)).find(|&p| {
            let at = |k: usize| self.chars.get(p + k).map(|c| c.to_ascii_lowercase());
            at(0) == Some('h')
                && at(1) == Some('t')
                && at(2) == Some('t')
                && at(3) == Some('p')
                && (at(4) == Some(':') || (at(4) == Some('s') && at(5) == Some(':')))
        })
    }

    #[inline(never)]
    fn token_identifier(&self, start: usize, end: usize) -> Option<(Identifier, usize, usize)> {
        let chars = &self.chars[start..end];
        // A VietQR payload may hold spaces in its message, so it is read past the token's end.
        if chars.starts_with(&VIETQR_START) {
            return self.vietqr_at(start);
        }
        let interesting = self.next_with(start, end, MARK) < end;
        if !interesting && !(14..=90).contains(&chars.len()) {
            return None;
        }
        let (mut from, mut to) = (start, end);
        while from < to && is_leading_punctuation(self.chars[from]) {
            from += 1;
        }
        while to > from && is_trailing_punctuation(self.chars[to - 1]) {
            to -= 1;
        }
        if to - from < 4 {
            return None;
        }
        let trimmed = &self.chars[from..to];
        if !interesting {
            // Bare addresses start with bc1/BC1, 0x, T, 1 or 3 (`looks_like_crypto`).
            if !matches!(trimmed[0], 'b' | 'B' | '0' | 'T' | '1' | '3') {
                return None;
            }
            return Some(self.string(from, to))
                .filter(|token| looks_like_crypto(token))
                .and_then(|token| CryptoAddress::parse(&token).ok())
                .map(|c| (Identifier::Crypto(c), from, to));
        }
        // Handles and e-mails hold '@', links and domains '.', crypto URIs ':'; a word that only had
        // them around it ("ngay.", "STK:") or holds only '/' ("500k-1tr/ngày") is none of them.
        if !trimmed.iter().any(|&c| matches!(c, '.' | '@' | ':')) {
            return None;
        }
        // Dotted digits are phone numbers and amounts, unless they are a dotted quad.
        if trimmed.iter().all(|&c| c.is_ascii_digit() || c == '.') {
            let mut parts = 0;
            let quad = trimmed.split(|&c| c == '.').all(|part| {
                parts += 1;
                (1..=3).contains(&part.len()) && part.iter().fold(0u32, |v, &d| v * 10 + d as u32 - '0' as u32) <= 255
            }) && parts == 4;
            return if quad {
                IpAddress::parse(&self.string(from, to)).ok().map(|ip| (Identifier::Ip(ip), from, to))
            } else {
                None
            };
        }
        let token = self.string(from, to);
        if let Some(handle) = token.strip_prefix('@') {
            let platform =
                self.previous_word(from).filter(|w| is_social_keyword(w)).unwrap_or_else(|| "telegram".into());
            return SocialAccount::parse(&format!("{platform}:{handle}"))
                .ok()
                .map(|s| (Identifier::Social(s), from, to));
        }
        if token.contains('@') {
            let token = token.strip_prefix("mailto:").unwrap_or(&token);
            return Email::parse(token).ok().map(|e| (Identifier::Email(e), from, to));
        }
        let lower = token.to_ascii_lowercase();
        if is_crypto_uri(&lower) {
            return CryptoAddress::parse(&token).ok().map(|c| (Identifier::Crypto(c), from, to));
        }
        // `https//host`: a scheme without its colon, written so to slip past filters.
        let (token, lower) = match ["https//", "http//"].iter().find(|scheme| lower.starts_with(**scheme)) {
            Some(scheme) => {
                let repaired = format!("{}://{}", &scheme[..scheme.len() - 2], &token[scheme.len()..]);
                let lower = repaired.to_ascii_lowercase();
                (repaired, lower)
            }
            None => (token, lower),
        };
        let has_scheme = lower.starts_with("http://") || lower.starts_with("https://");
        if !has_scheme && !lower.contains('.') {
            return None;
        }
        if !has_scheme && !lower.starts_with("www.") && joins_two_sentences(&token) {
            return None;
        }
        if names_social_platform(&lower)
            && let Ok(social) = SocialAccount::parse(&token)
        {
            return Some((Identifier::Social(social), from, to));
        }
        let has_path = token.contains('/') || token.contains('?');
        if has_scheme || has_path || lower.starts_with("www.") || super::url::is_host_and_port(&token) {
            return Url::parse(&token).ok().map(|u| (Identifier::Url(u), from, to));
        }
        Domain::parse(&token).ok().map(|d| (Identifier::Domain(d), from, to))
    }

    fn vietqr_at(&self, start: usize) -> Option<(Identifier, usize, usize)> {
        let limit = (start + 512).min(self.chars.len());
        let window: Vec<char> = self.chars[start..limit].to_vec();
        let mut position = 0;
        while position + 8 <= window.len() {
            if window[position..position + 4] == ['6', '3', '0', '4']
                && window[position + 4..position + 8].iter().all(char::is_ascii_hexdigit)
            {
                let candidate: String = window[..position + 8].iter().collect();
                if let Ok(qr) = VietQr::parse(&candidate) {
                    return Some((Identifier::Vietqr(Box::new(qr)), start, start + position + 8));
                }
            }
            position += 1;
        }
        None
    }

    fn previous_word(&self, before: usize) -> Option<String> {
        self.words_before(before, 1, 0).iter().next().map(|word| as_str(word).to_string())
    }

    /// Runs of digits, possibly split by spaces, dots, dashes or brackets, and possibly led by `+`:
    /// phone numbers, bank accounts, cards and e-wallets.
    #[inline(never)]
    fn find_digit_runs(&self, found: &mut Vec<Found>, claimed: &[(usize, usize)]) {
        let n = self.chars.len();
        // One run, refilled for every number of the text.
        let mut run = DigitRun { start: 0, plus: false, groups: Vec::new(), end: 0 };
        let mut i = 0;
        loop {
            // Runs start at a digit or a '+'.
            i = self.next_with(i, n, NUMERIC);
            if i == n {
                break;
            }
            let c = self.chars[i];
            let starts_run = c.is_ascii_digit() || (c == '+' && i + 1 < n && self.chars[i + 1].is_ascii_digit());
            if !starts_run || (i > 0 && (self.chars[i - 1].is_ascii_digit() || self.glued_to_word(i))) {
                i += 1;
                continue;
            }
            self.read_digit_run(i, &mut run);
            let run_end = run.end;
            if claimed.iter().any(|&(a, b)| a < run_end && i < b) {
                i = run_end;
                continue;
            }
            self.interpret_run(&run, found, claimed);
            i = run_end;
        }
    }

    /// Letters right before a digit glue it into a word ("A1", "COVID19", "IE104"), except the
    /// keywords people glue to numbers ("TB0912…", "sdt0912…", "stk0011…", "Zalo0912…").
    fn glued_to_word(&self, digit: usize) -> bool {
        let mut start = digit;
        while start > 0 && self.chars[start - 1].is_alphabetic() && digit - start < 8 {
            start -= 1;
        }
        if start == digit {
            return false;
        }
        // The keywords are ASCII: a word that folds to anything else is none of them.
        let mut word = [0u8; 8];
        let mut len = 0;
        for &c in &self.chars[start..digit] {
            match text::fold_char(c) {
                Some(f) if f.is_ascii() => {
                    word[len] = f as u8;
                    len += 1;
                }
                Some(_) => return true,
                None => {}
            }
        }
        !matches!(
            &word[..len],
            b"tb" | b"sdt" | b"dt" | b"stk" | b"tk" | b"lh" | b"zl" | b"zalo" | b"hotline" | b"tel" | b"sms" | b"so"
        )
    }

    fn read_digit_run(&self, start: usize, run: &mut DigitRun) {
        let n = self.chars.len();
        let plus = self.chars[start] == '+';
        let groups = &mut run.groups;
        groups.clear();
        let mut digits = 0;
        let mut i = if plus { start + 1 } else { start };
        loop {
            let group_start = i;
            while i < n && self.chars[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((group_start, i));
            digits += i - group_start;
            // A separator: up to three of space, dot, dash, brackets, slash, with a digit after.
            let mut j = i;
            while j < n && j - i < 3 && matches!(self.chars[j], ' ' | '.' | '-' | '(' | ')' | '/' | '\u{2013}') {
                j += 1;
            }
            if j == i || j >= n || !self.chars[j].is_ascii_digit() || digits > 40 {
                break;
            }
            i = j;
        }
        let end = groups.last().map_or(start + 1, |g| g.1);
        if self.is_amount_or_date(groups) {
            groups.clear();
        } else if let Some(&(_, last_end)) = groups.last()
            && last_end < n
            && self.chars[last_end].is_alphabetic()
        {
            // A group glued to letters on its right ("… 500k", "3tr") is not part of a number.
            groups.pop();
        }
        run.start = start;
        run.plus = plus;
        run.end = end;
    }

    /// Amounts (`500.000đ`, `1.250.000 VND`, `2 triệu`) and dates (`16/2/2025`, `25-11-2025`) are
    /// dropped whole before anyone looks for numbers in them.
    fn is_amount_or_date(&self, groups: &[(usize, usize)]) -> bool {
        let Some(&(first_start, first_end)) = groups.first() else { return false };
        let last_end = groups.last().map_or(first_end, |g| g.1);
        let separator = |k: usize| self.chars[groups[k].1];
        let length = |k: usize| groups[k].1 - groups[k].0;
        let is_date = (groups.len() == 3 || groups.len() == 2)
            && matches!(separator(0), '/' | '-')
            && (groups.len() == 2 || separator(1) == separator(0))
            && length(0) <= 2
            && length(1) <= 2
            && (groups.len() == 2 || matches!(length(2), 2 | 4));
        if is_date {
            return true;
        }
        // Thousands written with dots ("1.250.000"), followed by a currency or a unit ("ngàn" is left
        // out: it folds to "ngan", as "ngân hàng" does).
        let thousands = groups.len() >= 2
            && (0..groups.len() - 1).all(|k| separator(k) == '.')
            && (1..groups.len()).all(|k| length(k) == 3);
        let unit_at = if self.chars.get(last_end) == Some(&' ') { last_end + 1 } else { last_end };
        let unit_end = (unit_at..self.chars.len().min(unit_at + 6))
            .find(|&k| self.classes[k] & WORD == 0)
            .unwrap_or(self.chars.len().min(unit_at + 6));
        let mut unit = [0u8; 6];
        for (slot, &c) in unit.iter_mut().zip(&self.chars[unit_at.min(unit_end)..unit_end]) {
            *slot = text::fold_char(c).filter(char::is_ascii).map_or(b'?', |f| f as u8);
        }
        let unit = std::str::from_utf8(&unit[..unit_end.saturating_sub(unit_at)]).unwrap_or("");
        let is_unit =
            matches!(unit, "d" | "vnd" | "dong" | "k" | "tr" | "trieu" | "ty" | "ti" | "nghin" | "usd" | "usdt" | "xu")
                || self.chars.get(last_end) == Some(&'%')
                || (first_start > 0 && self.chars[first_start - 1] == '$');
        is_unit && (thousands || groups.len() == 1)
    }

    fn interpret_run(&self, run: &DigitRun, found: &mut Vec<Found>, claimed: &[(usize, usize)]) {
        let mut first = 0;
        while first < run.groups.len() {
            match self.identifier_from_groups(run, first, claimed) {
                Some((identifier, taken)) => {
                    let from = if first == 0 { run.start } else { run.groups[first].0 };
                    let to = run.groups[first + taken - 1].1;
                    found.push(Found { identifier, span: self.span(from, to) });
                    first += taken;
                }
                None => first += 1,
            }
        }
    }

    /// The longest identifier made of groups `first..`; returns it and how many groups it took.
    #[inline(never)]
    fn identifier_from_groups(
        &self,
        run: &DigitRun,
        first: usize,
        claimed: &[(usize, usize)],
    ) -> Option<(Identifier, usize)> {
        let groups = &run.groups[first..];
        let plus = first == 0 && run.plus;
        let from = if plus { run.start } else { groups[0].0 };
        let total_digits: usize = groups.iter().map(|&(a, b)| b - a).sum();
        if total_digits < 3 {
            return None; // Nothing shorter than a 3-digit short code is an identifier.
        }
        let context = RunContext::new(self, from, groups, claimed);

        // Every prefix of the run that ends at a group boundary, up to 20 digits: (its length, how
        // many groups). Kept on the stack: most runs are amounts, dates and codes that become nothing.
        let mut buffer = [0u8; 20];
        let mut prefixes = [(0usize, 0usize); 20];
        let (mut len, mut count) = (0, 0);
        for (taken, &(a, b)) in groups.iter().enumerate() {
            if len + (b - a) > 20 {
                break;
            }
            for (slot, &c) in buffer[len..].iter_mut().zip(&self.chars[a..b]) {
                *slot = c as u8; // an ASCII digit
            }
            len += b - a;
            prefixes[count] = (len, taken + 1);
            count += 1;
        }
        let all_digits = std::str::from_utf8(&buffer[..len]).unwrap_or_default();
        // (digits, how many groups), longest first.
        let candidates = || prefixes[..count].iter().rev().map(|&(len, taken)| (&all_digits[..len], taken));

        // Cards first: 16-19 Luhn-valid digits of a known network.
        for (digits, taken) in candidates() {
            if (16..=19).contains(&digits.len())
                && text::luhn_valid(digits)
                && CardNumber::network_of(digits).is_some()
                && let Ok(card) = CardNumber::parse(digits)
            {
                return Some((Identifier::Card(card), taken));
            }
        }
        // A bank named next to the number, or an account keyword before it, makes it an account.
        // An account number is the whole run (up to 19 digits), never a piece of it: a phone number
        // that stands next to a bank's name stays a phone unless an account keyword says otherwise.
        if let Some((digits, taken)) = candidates().find(|(digits, _)| digits.len() <= 19)
            && digits.len() >= 6
            && (context.account_keyword()
                || !PhoneNumber::read_digits(plus, digits).is_ok_and(|reading| is_clean_phone(reading.phone_type())))
            && let Some(bank) = context.bank()
            && let Ok(account) = BankAccount::from_parts(bank.bin, digits)
        {
            return Some((Identifier::BankAccount(account), taken));
        }
        for (digits, taken) in candidates() {
            // Read first, built only once usable: most readings are dates, amounts and counts.
            let Ok(reading) = PhoneNumber::read_digits(plus, digits) else { continue };
            let usable = match reading.phone_type() {
                PhoneType::ShortCode => taken == 1 && digits.len() <= 5 && context.short_code_keyword(),
                PhoneType::International => plus,
                // The Ministry of Public Security's 069 numbers: what fake police claim to call from.
                PhoneType::Special => digits.starts_with("069"),
                // Toll-free and premium numbers are written without a 0; a mobile or landline
                // number without its 0 or +84 is more often a date, a time or an amount.
                PhoneType::TollFree | PhoneType::Premium => true,
                _ => {
                    digits.starts_with('0')
                        || digits.starts_with("84")
                        || plus
                        || context.zalo()
                        || context.ewallet().is_some()
                }
            };
            if !usable {
                continue;
            }
            let phone = reading.build();
            if let Some(provider) = context.ewallet()
                && let Ok(wallet) = Ewallet::parse(&format!("{}:{}", provider.as_str(), phone.canonical()))
            {
                return Some((Identifier::Ewallet(wallet), taken));
            }
            if context.zalo()
                && let Ok(social) = SocialAccount::parse(&format!("zalo:{}", phone.canonical()))
            {
                return Some((Identifier::Social(social), taken));
            }
            return Some((Identifier::Phone(phone), taken));
        }
        None
    }
}

/// What the words around a digit run say about it. Each answer is worked out the first time it is
/// asked: most runs (amounts, dates, codes) never need most of them.
struct RunContext<'a> {
    text: &'a NormalisedText,
    from: usize,
    to: usize,
    /// Context stops at tokens already recognised: "vietcombank" inside a link is not a bank name
    /// next to a number.
    floor: usize,
    ceiling: usize,
    before: OnceCell<WindowWords>,
    /// The two words before, when nothing asked for more: all that a short code asks, and most
    /// numbers that read as one (counts, years) are asked nothing else.
    two_before: OnceCell<WindowWords>,
    after: OnceCell<WindowWords>,
    bank: OnceCell<Option<&'static super::Bank>>,
    ewallet: OnceCell<Option<EwalletProvider>>,
}

impl<'a> RunContext<'a> {
    fn new(text: &'a NormalisedText, from: usize, groups: &[(usize, usize)], claimed: &[(usize, usize)]) -> Self {
        let to = groups.last().map_or(from, |g| g.1);
        let floor = claimed.iter().map(|&(_, end)| end).filter(|&end| end <= from).max().unwrap_or(0);
        let ceiling =
            claimed.iter().map(|&(start, _)| start).filter(|&start| start >= to).min().unwrap_or(text.chars.len());
        RunContext {
            text,
            from,
            to,
            floor,
            ceiling,
            before: OnceCell::new(),
            two_before: OnceCell::new(),
            after: OnceCell::new(),
            bank: OnceCell::new(),
            ewallet: OnceCell::new(),
        }
    }

    /// Words right before the number, nearest first.
    fn before(&self) -> impl Iterator<Item = &[u8]> {
        self.before.get_or_init(|| self.text.words_before(self.from, 6, self.floor)).iter()
    }

    /// The (up to) two words right before the number, nearest first.
    fn two_before(&self) -> impl Iterator<Item = &[u8]> {
        let words = match self.before.get() {
            Some(all) => all,
            None => self.two_before.get_or_init(|| self.text.words_before(self.from, 2, self.floor)),
        };
        words.iter().take(2)
    }

    /// Words right after the number, in order.
    fn after(&self) -> impl Iterator<Item = &[u8]> {
        self.after.get_or_init(|| self.text.words_after(self.to, 8, self.ceiling)).iter()
    }

    fn account_keyword(&self) -> bool {
        self.before()
            .take(4)
            .any(|w| matches!(w, b"stk" | b"tk" | b"tknh" | b"stknh" | b"khoan" | b"account" | b"acc" | b"a/c"))
    }

    fn short_code_keyword(&self) -> bool {
        // "gọi 113", "gửi đến 5656": the keyword is one of the two words right before.
        self.two_before().any(|w| {
            matches!(w, b"goi" | b"nhan" | b"soan" | b"gui" | b"dai" | b"hotline" | b"call" | b"sms" | b"text")
        })
    }

    fn zalo(&self) -> bool {
        self.before().take(2).any(|w| w == b"zalo") || self.after().next() == Some(b"zalo")
    }

    /// An e-wallet named right before the number ("MoMo 0912…", "ví ZaloPay: 0912…") or right after it.
    fn ewallet(&self) -> Option<EwalletProvider> {
        *self.ewallet.get_or_init(|| {
            let before = || self.before().filter(|w| !matches!(*w, b"vi" | b"so" | b"sdt" | b"tk")).take(2);
            let after = || self.after().filter(|w| *w != b"vi").take(2);
            if !before().chain(after()).any(is_wallet_word) {
                return None; // Most numbers stand next to no wallet's name: skip building phrases.
            }
            let (before, before_count) = first_words::<2>(before());
            let (after, after_count) = first_words::<2>(after());
            let (before, after) = (&before[..before_count], &after[..after_count]);
            let mut phrase = String::new();
            let named_before =
                (1..=before.len()).find_map(|k| wallet_named(&mut phrase, before[..k].iter().rev().copied()));
            named_before
                .or_else(|| (1..=after.len()).rev().find_map(|k| wallet_named(&mut phrase, after[..k].iter().copied())))
        })
    }

    /// A bank named right after the number ("0011004123456 VCB", "… ngân hàng Á Châu") or right
    /// before it ("VCB 0011004123456", "Techcombank stk 1903…").
    fn bank(&self) -> Option<&'static super::Bank> {
        *self.bank.get_or_init(|| {
            let (after, count) = first_words::<6>(self.after().skip_while(|w| is_bank_filler(w)));
            if let Some((bank, _)) = bank_in_words(&after[..count]) {
                return Some(bank);
            }
            let (names, count) = first_words::<5>(self.before().skip_while(|w| is_bank_filler(w)));
            bank_ending_words(&names[..count])
        })
    }
}

/// The first `N` words of `words` and how many there were, without allocating.
fn first_words<'a, const N: usize>(words: impl Iterator<Item = &'a [u8]>) -> ([&'a [u8]; N], usize) {
    let mut out: [&[u8]; N] = [&[]; N];
    let mut count = 0;
    for (slot, word) in out.iter_mut().zip(words) {
        *slot = word;
        count += 1;
    }
    (out, count)
}

struct DigitRun {
    start: usize,
    plus: bool,
    /// `[start, end)` of each group of consecutive digits that may form an identifier.
    groups: Vec<(usize, usize)>,
    /// Where the digits read end, whether or not they were kept.
    end: usize,
}

/// Whether a lowercased token's host is a social platform's, before the costlier parse.
fn names_social_platform(lower: &str) -> bool {
    if lower.starts_with("tg:") {
        return true;
    }
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or(lower);
    let host = &rest[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len())];
    // Every platform's host is two labels: the host is one of them or under one of them.
    let Some(last_dot) = host.rfind('.') else { return false };
    let tail = &host[host[..last_dot].rfind('.').map_or(0, |dot| dot + 1)..];
    matches!(
        tail,
        "facebook.com"
            | "fb.com"
            | "fb.me"
            | "m.me"
            | "zalo.me"
            | "t.me"
            | "telegram.me"
            | "telegram.dog"
            | "tiktok.com"
            | "instagram.com"
            | "youtube.com"
            | "youtu.be"
            | "x.com"
            | "twitter.com"
            | "fb.watch"
    )
}

fn is_clean_phone(phone_type: PhoneType) -> bool {
    matches!(phone_type, PhoneType::Mobile | PhoneType::Fixed | PhoneType::TollFree | PhoneType::Premium)
}

/// The e-wallet that `words` joined with spaces name, if any; `phrase` is room to join them.
fn wallet_named<'a>(phrase: &mut String, words: impl Iterator<Item = &'a [u8]>) -> Option<EwalletProvider> {
    phrase.clear();
    for (k, word) in words.enumerate() {
        if k > 0 {
            phrase.push(' ');
        }
        phrase.push_str(as_str(word));
    }
    EwalletProvider::from_name(phrase)
}

/// Words that make up e-wallet names (`EwalletProvider::from_name` knows the whole names).
fn is_wallet_word(word: &[u8]) -> bool {
    matches!(
        word,
        b"momo"
            | b"zalopay"
            | b"zalo"
            | b"pay"
            | b"viettel"
            | b"viettelpay"
            | b"viettelmoney"
            | b"money"
            | b"vnpay"
            | b"vn"
            | b"shopeepay"
            | b"shopee"
            | b"airpay"
            | b"vnpt"
            | b"vnptpay"
            | b"vnptmoney"
    )
}

fn is_bank_filler(word: &[u8]) -> bool {
    matches!(
        word,
        b"stk"
            | b"tk"
            | b"tknh"
            | b"so"
            | b"tai"
            | b"khoan"
            | b"ngan"
            | b"hang"
            | b"nh"
            | b"bank"
            | b"account"
            | b"acc"
            | b"chu"
            | b"ck"
            | b"vao"
            | b"qua"
            | b"den"
            | b"cua"
            | b"o"
            | b"la"
            | b"number"
            | b"no"
            | b"at"
            | b"tien"
            | b"chuyen"
            | b"khoan:"
            | b"a/c"
    )
}

fn is_social_keyword(word: &str) -> bool {
    matches!(
        word,
        "tiktok"
            | "instagram"
            | "ig"
            | "facebook"
            | "fb"
            | "telegram"
            | "tele"
            | "tg"
            | "youtube"
            | "yt"
            | "twitter"
            | "x"
    )
}

fn is_leading_punctuation(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '<' | '"' | '\'' | '“' | '‘' | '«' | ',' | ';' | ':' | '-' | '*' | '>')
}

fn is_trailing_punctuation(c: char) -> bool {
    matches!(c, ')' | ']' | '}' | '>' | '"' | '\'' | '”' | '’' | '»' | ',' | ';' | ':' | '.' | '!' | '?' | '…' | '*')
}

/// `xong.Click` is two sentences whose space was lost, not a domain: real domains are written in
/// lowercase after their last dot, or wholly in uppercase.
/// Common top-level domains: capitalised ("TraoThuong.Com") they are still a domain.
const COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "vn", "info", "biz", "xyz", "top", "vip", "cc", "co", "me", "io", "online", "site", "shop",
    "store", "app", "club", "icu", "asia", "tk", "ml", "ga", "cf", "gq",
];

fn joins_two_sentences(token: &str) -> bool {
    let host_end = token.bytes().position(|b| matches!(b, b'/' | b'?' | b'#' | b':')).unwrap_or(token.len());
    let host = &token[..host_end];
    if host.chars().all(|c| !c.is_lowercase()) {
        return false;
    }
    let Some(tld) = host.rsplit('.').next() else { return false };
    tld.chars().next().is_some_and(char::is_uppercase)
        && !COMMON_TLDS.iter().any(|common| common.eq_ignore_ascii_case(tld))
}

fn is_crypto_uri(lower: &str) -> bool {
    ["bitcoin:", "ethereum:", "btc:", "eth:", "tron:", "trx:"].iter().any(|p| lower.starts_with(p))
}

/// Shapes of bare addresses (bc1…, 0x…, T…, 1…/3…), checked before the checksum is.
fn looks_like_crypto(token: &str) -> bool {
    let len = token.len();
    (token.starts_with("bc1") || token.starts_with("BC1")) && (14..=74).contains(&len)
        || token.starts_with("0x") && len == 42
        || token.starts_with('T') && len == 34
        || (token.starts_with('1') || token.starts_with('3'))
            && (26..=35).contains(&len)
            && token.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_canonicals(text: &str) -> Vec<(String, String)> {
        extract(text).into_iter().map(|f| (f.identifier.kind().to_string(), f.identifier.canonical())).collect()
    }

    fn spans(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        extract(text).into_iter().map(|f| chars[f.span.0..f.span.1].iter().collect()).collect()
    }

    #[test]
    fn phones_in_every_disguise() {
        for text in [
            "Gọi ngay 0912.345.678 để nhận quà",
            "Lien he 0912 345 678 gap",
            "sdt: +84 912 345 678",
            "SĐT 0 9 1 2 . 3 4 5 . 6 7 8 nhé",
            "số ０９１２３４５６７８",
            "hotline 09\u{200B}12-345-678!",
            "(0912) 345 678",
        ] {
            assert_eq!(kinds_and_canonicals(text), vec![("phone".to_string(), "+84912345678".to_string())], "{text}");
        }
        assert_eq!(spans("Gọi ngay 0912.345.678 để nhận quà"), vec!["0912.345.678"]);
        assert_eq!(spans("SĐT 0 9 1 2 . 3 4 5 . 6 7 8 nhé"), vec!["0 9 1 2 . 3 4 5 . 6 7 8"]);
        assert_eq!(kinds_and_canonicals("số cũ 01689 123 456"), vec![("phone".into(), "+84389123456".into())]);
    }

    #[test]
    fn two_phones_side_by_side() {
        let found = kinds_and_canonicals("Liên hệ 0912 345 678 - 0987 654 321 hoặc 024 3825 4321");
        assert_eq!(
            found,
            vec![
                ("phone".into(), "+84912345678".into()),
                ("phone".into(), "+84987654321".into()),
                ("phone".into(), "+842438254321".into())
            ]
        );
    }

    #[test]
    fn bank_accounts_with_the_bank_on_either_side() {
        for text in [
            "stk 0011004123456 VCB",
            "STK: 0011.004.123456 - Vietcombank - NGUYEN VAN A",
            "chuyển khoản vào VCB 0011004123456 ngay",
            "Số tài khoản 0011004123456 ngân hàng Ngoại thương",
            "Vietcombank: 0011004123456",
        ] {
            assert_eq!(
                kinds_and_canonicals(text),
                vec![("bank_account".into(), "bank:970436:0011004123456".into())],
                "{text}"
            );
        }
        // An account number that is also a phone number (MB lets customers choose one).
        assert_eq!(
            kinds_and_canonicals("stk 0912345678 MB Bank"),
            vec![("bank_account".into(), "bank:970422:0912345678".into())]
        );
    }

    #[test]
    fn links_written_to_slip_past_filters() {
        let cases = [
            ("vui long nhan vao https://svip- scb.com de huy", "https://svip-scb.com/"),
            ("dang nhap https://vcb-digibank. top ngay", "https://vcb-digibank.top/"),
            ("truy cap https//vcb-online.xyz/login", "https://vcb-online.xyz/login"),
            // A link at the end of a sentence is not joined to the next one.
            ("Xem tai https://vietcombank.com.vn. Tran trong", "https://vietcombank.com.vn/"),
            ("Xem tai https://vietcombank.com.vn. cam on", "https://vietcombank.com.vn/"),
            // A host and a port, without a scheme: a site on a cheap server.
            ("vao sn99.cc:100 de nhan thuong", "http://sn99.cc/"),
            ("dang nhap 103.45.6.7:8080 ngay.", "http://103.45.6.7/"),
        ];
        for (text, canonical) in cases {
            assert_eq!(kinds_and_canonicals(text), vec![("url".to_string(), canonical.to_string())], "{text}");
        }
        assert_eq!(spans("vao https://svip- scb.com/x de huy"), vec!["https://svip- scb.com/x"]);
    }

    #[test]
    fn amounts_and_codes_are_not_identifiers() {
        assert!(extract("Chuyển 500.000đ phí xác minh, mã OTP 123456, năm 2024").is_empty());
        assert!(extract("nhận 5tr mỗi ngày, giá 1.250.000 VND").is_empty());
        // Times and scores written with a colon are no host and port.
        assert!(extract("hẹn lúc 10.30:45, tỉ số 2.1:0").is_empty());
        assert!(extract("").is_empty());
    }

    #[test]
    fn short_codes_need_a_keyword() {
        assert_eq!(kinds_and_canonicals("Soạn tin gửi 5656 để báo cáo"), vec![("phone".into(), "short:5656".into())]);
        assert_eq!(kinds_and_canonicals("gọi 113 ngay"), vec![("phone".into(), "short:113".into())]);
        assert!(extract("có 5656 người").is_empty());
    }

    #[test]
    fn words_inside_links_and_pieces_of_phones_are_not_accounts() {
        // Found by hand: "vietcombank" inside the link made "0912345" a Vietcombank account.
        assert_eq!(
            kinds_and_canonicals("Gọi 0912.345.678, vào vietcombank-xacminh[.]com"),
            vec![("phone".into(), "+84912345678".into()), ("domain".into(), "vietcombank-xacminh.com".into())]
        );
        assert_eq!(kinds_and_canonicals("gọi 0912 345 678 Vietcombank"), vec![("phone".into(), "+84912345678".into())]);
    }

    #[test]
    fn cards_are_found_and_masked() {
        assert_eq!(
            kinds_and_canonicals("số thẻ 4111 1111 1111 1111 hết hạn"),
            vec![("card".into(), "card:411111******1111".into())]
        );
    }
}
