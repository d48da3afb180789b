//! Finds every identifier inside free Vietnamese text (an SMS, a report narrative), with its span in
//! characters of the original text, including the forms scammers use to slip past filters: digits
//! split by spaces, dots or dashes, full-width digits, invisible characters, defanged links, and
//! "stk"/"số tài khoản" next to a bank name in either order.
//!
//! The text is first mapped to a normalised character buffer that remembers, for every character,
//! where it came from; every later step works on that buffer and spans are mapped back at the end.

use super::bank::{CardNumber, bank_ending_words, bank_in_words};
use super::{
    BankAccount, CryptoAddress, Domain, Email, Ewallet, EwalletProvider, Identifier, IpAddress, PhoneNumber, PhoneType,
    SocialAccount, Url, VietQr,
};
use crate::text;
use std::cell::OnceCell;

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
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    view.find_tokens(&mut found, &mut claimed);
    view.find_digit_runs(&mut found, &claimed);
    found.sort_by_key(|f| f.span);
    found
}

/// The text with invisible characters removed, full-width forms and foreign digits folded, and
/// defanged link notation restored, remembering each character's span in the original.
struct NormalisedText {
    chars: Vec<char>,
    /// Original character index where `chars[i]` begins; it ends one character later, except for
    /// the characters that a defanged notation became.
    starts: Vec<u32>,
    /// `(i, end)` for the characters restored from a defanged notation (`[.]` → `.`), in order.
    long_ends: Vec<(u32, u32)>,
}

/// Words near a digit run, accent-free and lowercase, in one buffer.
struct WindowWords {
    folded: String,
    ranges: Vec<(u32, u32)>,
}

impl WindowWords {
    fn iter(&self) -> impl Iterator<Item = &str> {
        self.ranges.iter().map(|&(a, b)| &self.folded[a as usize..b as usize])
    }
}

/// How far from a digit run its context words may stand, in characters.
const CONTEXT_CHARS: usize = 48;

/// Defanged notations and what they stand for. Matched case-insensitively.
const DEFANGS: &[(&str, &str)] = &[
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

impl NormalisedText {
    // The phases of `extract` stay out of line so that a profile shows the time of each
    // (bench/RESULTS.md); each runs once or a few times per text, so the calls cost nothing.
    #[inline(never)]
    fn new(input: &str) -> Self {
        let capacity = input.len().min(MAX_EXTRACT_CHARS);
        let mut chars = Vec::with_capacity(capacity);
        let mut starts = Vec::with_capacity(capacity);
        let mut long_ends = Vec::new();
        let bytes = input.as_bytes();
        let mut byte = 0;
        let mut index = 0u32; // in characters of the input
        while byte < bytes.len() && (index as usize) < MAX_EXTRACT_CHARS {
            let b = bytes[byte];
            // Only brackets and "hx" can start a defanged notation ('h' alone is everywhere in Vietnamese);
            // every notation is ASCII, so its length in bytes is its length in characters.
            let may_be_defanged = matches!(b, b'[' | b'(' | b'{')
                || (matches!(b, b'h' | b'H') && matches!(bytes.get(byte + 1), Some(b'x' | b'X')));
            if may_be_defanged
                && let Some((pattern, replacement)) = DEFANGS.iter().find(|(pattern, _)| {
                    bytes.get(byte..byte + pattern.len()).is_some_and(|s| s.eq_ignore_ascii_case(pattern.as_bytes()))
                })
            {
                let end = index + pattern.len() as u32;
                for r in replacement.chars() {
                    chars.push(r);
                    long_ends.push((chars.len() as u32 - 1, end));
                    starts.push(index);
                }
                byte += pattern.len();
                index = end;
                continue;
            }
            let c = if b.is_ascii() {
                byte += 1;
                b as char
            } else {
                let c = input[byte..].chars().next().unwrap_or(' ');
                byte += c.len_utf8();
                c
            };
            if c.is_ascii() || text::is_latin_letter(c) {
                chars.push(c);
                starts.push(index);
            } else if !text::is_invisible(c) {
                let folded = match text::digit_value(c) {
                    Some(d) => (b'0' + d) as char,
                    None if c == '\u{00A0}' => ' ',
                    None => text::fold_width(c),
                };
                chars.push(folded);
                starts.push(index);
            }
            index += 1;
        }
        NormalisedText { chars, starts, long_ends }
    }

    fn span(&self, from: usize, to: usize) -> (usize, usize) {
        let last = to - 1;
        let end = match self.long_ends.binary_search_by_key(&(last as u32), |&(i, _)| i) {
            Ok(found) => self.long_ends[found].1,
            Err(_) => self.starts[last] + 1,
        };
        (self.starts[from] as usize, end as usize)
    }

    fn string(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    /// Up to `count` words that end at or before `position` and within reach of it, nearest first.
    fn words_before(&self, position: usize, count: usize, floor: usize) -> WindowWords {
        let limit = position.saturating_sub(CONTEXT_CHARS).max(floor);
        let mut spans = Vec::with_capacity(count);
        let mut i = position;
        while i > limit && spans.len() < count {
            if !is_word_char(self.chars[i - 1]) {
                i -= 1;
                continue;
            }
            let end = i;
            while i > limit && is_word_char(self.chars[i - 1]) {
                i -= 1;
            }
            spans.push((i, end));
        }
        self.fold_words(&spans)
    }

    /// Up to `count` words that start at or after `position` and within reach of it, in order.
    fn words_after(&self, position: usize, count: usize, ceiling: usize) -> WindowWords {
        let limit = (position + CONTEXT_CHARS).min(ceiling).min(self.chars.len());
        let mut spans = Vec::with_capacity(count);
        let mut i = position;
        while i < limit && spans.len() < count {
            if !is_word_char(self.chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < limit && is_word_char(self.chars[i]) {
                i += 1;
            }
            spans.push((start, i));
        }
        self.fold_words(&spans)
    }

    fn fold_words(&self, spans: &[(usize, usize)]) -> WindowWords {
        let mut folded = String::with_capacity(spans.iter().map(|(a, b)| b - a).sum::<usize>() + 8);
        let mut ranges = Vec::with_capacity(spans.len());
        for &(a, b) in spans {
            let start = folded.len() as u32;
            folded.extend(self.chars[a..b].iter().filter_map(|&c| text::fold_char(c)));
            ranges.push((start, folded.len() as u32));
        }
        WindowWords { folded, ranges }
    }

    /// The accent-free lowercase form of `[from, to)`.
    fn folded(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().filter_map(|&c| text::fold_char(c)).collect()
    }

    /// Whitespace-separated tokens: links, domains, e-mails, handles, crypto addresses, VietQR payloads.
    #[inline(never)]
    fn find_tokens(&self, found: &mut Vec<Found>, claimed: &mut Vec<(usize, usize)>) {
        let n = self.chars.len();
        let mut i = 0;
        while i < n {
            if is_token_separator(self.chars[i]) {
                i += 1;
                continue;
            }
            let mut end = i;
            let mut has_colon = false;
            while end < n && !is_token_separator(self.chars[end]) {
                has_colon |= self.chars[end] == ':';
                end += 1;
            }
            // "tai:https://…", "egram;https://…": a link glued to the word before it starts a token.
            if has_colon && let Some(scheme) = self.scheme_inside(i, end) {
                end = scheme;
            }
            if let Some((identifier, from, to)) = self.token_identifier(i, end) {
                claimed.push((from, to));
                found.push(Found { identifier, span: self.span(from, to) });
                i = to.max(i + 1);
            } else {
                i = end;
            }
        }
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
        if chars.len() >= 6 && chars[..6] == ['0', '0', '0', '2', '0', '1'] {
            return self.vietqr_at(start);
        }
        let interesting = chars.iter().any(|&c| matches!(c, '.' | '@' | ':' | '/'));
        // Most tokens are plain words: leave before allocating anything.
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
        let token = self.string(from, to);
        if !interesting {
            return Some(&token)
                .filter(|token| looks_like_crypto(token))
                .and_then(|token| CryptoAddress::parse(token).ok())
                .map(|c| (Identifier::Crypto(c), from, to));
        }
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
        let has_scheme = lower.starts_with("http://") || lower.starts_with("https://");
        if !has_scheme && !lower.contains('.') {
            return None;
        }
        if !has_scheme && token.chars().all(|c| c.is_ascii_digit() || c == '.') {
            // Dotted digits are phone numbers and amounts, unless they are a dotted quad.
            let parts: Vec<&str> = token.split('.').collect();
            let quad = parts.len() == 4
                && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|v| v <= 255));
            return if quad { IpAddress::parse(&token).ok().map(|ip| (Identifier::Ip(ip), from, to)) } else { None };
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
        if has_scheme || has_path || lower.starts_with("www.") {
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
        self.words_before(before, 1, 0).iter().next().map(str::to_string)
    }

    /// Runs of digits, possibly split by spaces, dots, dashes or brackets, and possibly led by `+`:
    /// phone numbers, bank accounts, cards and e-wallets.
    #[inline(never)]
    fn find_digit_runs(&self, found: &mut Vec<Found>, claimed: &[(usize, usize)]) {
        let n = self.chars.len();
        let mut i = 0;
        while i < n {
            let c = self.chars[i];
            let starts_run = c.is_ascii_digit() || (c == '+' && i + 1 < n && self.chars[i + 1].is_ascii_digit());
            if !starts_run || (i > 0 && (self.chars[i - 1].is_ascii_digit() || self.glued_to_word(i))) {
                i += 1;
                continue;
            }
            let run = self.digit_run(i);
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
        let word = self.folded(start, digit);
        !matches!(
            word.as_str(),
            "tb" | "sdt" | "dt" | "stk" | "tk" | "lh" | "zl" | "zalo" | "hotline" | "tel" | "sms" | "so"
        )
    }

    fn digit_run(&self, start: usize) -> DigitRun {
        let n = self.chars.len();
        let plus = self.chars[start] == '+';
        let mut i = if plus { start + 1 } else { start };
        let mut groups: Vec<(usize, usize)> = Vec::new();
        loop {
            let group_start = i;
            while i < n && self.chars[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((group_start, i));
            // A separator: up to three of space, dot, dash, brackets, slash, with a digit after.
            let mut j = i;
            while j < n && j - i < 3 && matches!(self.chars[j], ' ' | '.' | '-' | '(' | ')' | '/' | '\u{2013}') {
                j += 1;
            }
            if j == i
                || j >= n
                || !self.chars[j].is_ascii_digit()
                || groups.iter().map(|g| g.1 - g.0).sum::<usize>() > 40
            {
                break;
            }
            i = j;
        }
        let end = groups.last().map_or(start + 1, |g| g.1);
        if self.is_amount_or_date(&groups) {
            groups.clear();
        } else if let Some(&(_, last_end)) = groups.last()
            && last_end < n
            && self.chars[last_end].is_alphabetic()
        {
            // A group glued to letters on its right ("… 500k", "3tr") is not part of a number.
            groups.pop();
        }
        DigitRun { start, plus, groups, end }
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
            .find(|&k| !is_word_char(self.chars[k]))
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

        // Every prefix of the run that ends at a group boundary: (its digits, how many groups).
        let mut all_digits = String::new();
        let mut ends: Vec<(usize, usize)> = Vec::with_capacity(groups.len());
        for (taken, &(a, b)) in groups.iter().enumerate() {
            all_digits.extend(&self.chars[a..b]);
            if all_digits.len() > 20 {
                break;
            }
            ends.push((all_digits.len(), taken + 1));
        }
        let candidates: Vec<(&str, usize)> = ends.iter().map(|&(len, taken)| (&all_digits[..len], taken)).collect();

        // Cards first: 16-19 Luhn-valid digits of a known network.
        for (digits, taken) in candidates.iter().rev() {
            if (16..=19).contains(&digits.len())
                && text::luhn_valid(digits)
                && CardNumber::network_of(digits).is_some()
                && let Ok(card) = CardNumber::parse(digits)
            {
                return Some((Identifier::Card(card), *taken));
            }
        }
        // A bank named next to the number, or an account keyword before it, makes it an account.
        // An account number is the whole run (up to 19 digits), never a piece of it: a phone number
        // that stands next to a bank's name stays a phone unless an account keyword says otherwise.
        if let Some((digits, taken)) = candidates.iter().rev().find(|(digits, _)| digits.len() <= 19)
            && digits.len() >= 6
            && (context.account_keyword() || !is_clean_phone(plus, digits))
            && let Some(bank) = context.bank()
            && let Ok(account) = BankAccount::from_parts(bank.bin, digits)
        {
            return Some((Identifier::BankAccount(account), *taken));
        }
        for (digits, taken) in candidates.iter().rev() {
            let Ok(phone) = PhoneNumber::from_digits(plus, digits) else { continue };
            let usable = match phone.phone_type() {
                PhoneType::ShortCode => context.short_code_keyword() && *taken == 1 && digits.len() <= 5,
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
            if let Some(provider) = context.ewallet()
                && let Ok(wallet) = Ewallet::parse(&format!("{}:{}", provider.as_str(), phone.canonical()))
            {
                return Some((Identifier::Ewallet(wallet), *taken));
            }
            if context.zalo()
                && let Ok(social) = SocialAccount::parse(&format!("zalo:{}", phone.canonical()))
            {
                return Some((Identifier::Social(social), *taken));
            }
            return Some((Identifier::Phone(phone), *taken));
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
            after: OnceCell::new(),
            bank: OnceCell::new(),
            ewallet: OnceCell::new(),
        }
    }

    /// Words right before the number, nearest first.
    fn before(&self) -> impl Iterator<Item = &str> {
        self.before.get_or_init(|| self.text.words_before(self.from, 6, self.floor)).iter()
    }

    /// Words right after the number, in order.
    fn after(&self) -> impl Iterator<Item = &str> {
        self.after.get_or_init(|| self.text.words_after(self.to, 8, self.ceiling)).iter()
    }

    fn account_keyword(&self) -> bool {
        self.before()
            .take(4)
            .any(|w| matches!(w, "stk" | "tk" | "tknh" | "stknh" | "khoan" | "account" | "acc" | "a/c"))
    }

    fn short_code_keyword(&self) -> bool {
        // "gọi 113", "gửi đến 5656": the keyword is one of the two words right before.
        self.before()
            .take(2)
            .any(|w| matches!(w, "goi" | "nhan" | "soan" | "gui" | "dai" | "hotline" | "call" | "sms" | "text"))
    }

    fn zalo(&self) -> bool {
        self.before().take(2).any(|w| w == "zalo") || self.after().next() == Some("zalo")
    }

    /// An e-wallet named right before the number ("MoMo 0912…", "ví ZaloPay: 0912…") or right after it.
    fn ewallet(&self) -> Option<EwalletProvider> {
        *self.ewallet.get_or_init(|| {
            let before: Vec<&str> =
                self.before().filter(|w| !matches!(*w, "vi" | "so" | "sdt" | "tk")).take(2).collect();
            let after: Vec<&str> = self.after().filter(|w| *w != "vi").take(2).collect();
            if !before.iter().chain(&after).any(|w| is_wallet_word(w)) {
                return None; // Most numbers stand next to no wallet's name: skip building phrases.
            }
            let named_before = (1..=before.len()).find_map(|k| {
                let phrase: Vec<&str> = before[..k].iter().rev().copied().collect();
                EwalletProvider::from_name(&phrase.join(" "))
            });
            named_before
                .or_else(|| (1..=after.len()).rev().find_map(|k| EwalletProvider::from_name(&after[..k].join(" "))))
        })
    }

    /// A bank named right after the number ("0011004123456 VCB", "… ngân hàng Á Châu") or right
    /// before it ("VCB 0011004123456", "Techcombank stk 1903…").
    fn bank(&self) -> Option<&'static super::Bank> {
        *self.bank.get_or_init(|| {
            let after: Vec<&str> = self.after().skip_while(|w| is_bank_filler(w)).take(6).collect();
            if let Some((bank, _)) = bank_in_words(&after) {
                return Some(bank);
            }
            let names: Vec<&str> = self.before().skip_while(|w| is_bank_filler(w)).take(5).collect();
            bank_ending_words(&names)
        })
    }
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
    const HOSTS: &[&str] = &[
        "facebook.com",
        "fb.com",
        "fb.me",
        "m.me",
        "zalo.me",
        "t.me",
        "telegram.me",
        "telegram.dog",
        "tiktok.com",
        "instagram.com",
        "youtube.com",
        "youtu.be",
        "x.com",
        "twitter.com",
        "fb.watch",
    ];
    if lower.starts_with("tg:") {
        return true;
    }
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).unwrap_or(lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    HOSTS
        .iter()
        .any(|h| host.ends_with(h) && (host.len() == h.len() || host.as_bytes()[host.len() - h.len() - 1] == b'.'))
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphanumeric() || c == '/' } else { text::is_latin_letter(c) || c.is_alphanumeric() }
}

fn is_clean_phone(plus: bool, digits: &str) -> bool {
    PhoneNumber::from_digits(plus, digits).is_ok_and(|p| {
        matches!(p.phone_type(), PhoneType::Mobile | PhoneType::Fixed | PhoneType::TollFree | PhoneType::Premium)
    })
}

/// Words that make up e-wallet names (`EwalletProvider::from_name` knows the whole names).
fn is_wallet_word(word: &str) -> bool {
    matches!(
        word,
        "momo"
            | "zalopay"
            | "zalo"
            | "pay"
            | "viettel"
            | "viettelpay"
            | "viettelmoney"
            | "money"
            | "vnpay"
            | "vn"
            | "shopeepay"
            | "shopee"
            | "airpay"
            | "vnpt"
            | "vnptpay"
            | "vnptmoney"
    )
}

fn is_bank_filler(word: &str) -> bool {
    matches!(
        word,
        "stk"
            | "tk"
            | "tknh"
            | "so"
            | "tai"
            | "khoan"
            | "ngan"
            | "hang"
            | "nh"
            | "bank"
            | "account"
            | "acc"
            | "chu"
            | "ck"
            | "vao"
            | "qua"
            | "den"
            | "cua"
            | "o"
            | "la"
            | "number"
            | "no"
            | "at"
            | "tien"
            | "chuyen"
            | "khoan:"
            | "a/c"
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
    let host_end = token.find(['/', '?', '#', ':']).unwrap_or(token.len());
    let host = &token[..host_end];
    if host.chars().all(|c| !c.is_lowercase()) {
        return false;
    }
    let Some(tld) = host.rsplit('.').next() else { return false };
    tld.chars().next().is_some_and(char::is_uppercase) && !COMMON_TLDS.contains(&tld.to_ascii_lowercase().as_str())
}

/// Tokens end at whitespace and at characters that never stand inside a link someone wrote:
/// `NGAY>>m.bidstk.icu`, `<fr3e.win/z1r5Dd>`, `{abc.tech}`, `Te|egram`.
fn is_token_separator(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_whitespace() || matches!(c, '<' | '>' | '{' | '}' | '|' | '"');
    }
    c.is_whitespace() || matches!(c, '<' | '>' | '{' | '}' | '|' | '"' | '«' | '»' | '“' | '”')
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
    fn amounts_and_codes_are_not_identifiers() {
        assert!(extract("Chuyển 500.000đ phí xác minh, mã OTP 123456, năm 2024").is_empty());
        assert!(extract("nhận 5tr mỗi ngày, giá 1.250.000 VND").is_empty());
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
