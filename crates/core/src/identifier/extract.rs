//! Finds every identifier inside free Vietnamese text (an SMS, a report narrative), with its span in
//! characters of the original text, including the forms scammers use to slip past filters: digits
//! split by spaces, dots or dashes, full-width digits, invisible characters, defanged links, and
//! "stk"/"số tài khoản" next to a bank name in either order.
//!
//! The text is first mapped to a normalised character buffer that remembers, for every character,
//! where it came from; every later step works on that buffer and spans are mapped back at the end.

use super::bank::{CardNumber, bank_in_words};
use super::{
    BankAccount, CryptoAddress, Domain, Email, Ewallet, EwalletProvider, Identifier, IpAddress, PhoneNumber, PhoneType,
    SocialAccount, Url, VietQr,
};
use crate::text;

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
    /// Original character index where `chars[i]` begins, and where it ends (exclusive).
    starts: Vec<u32>,
    ends: Vec<u32>,
}

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
    fn new(input: &str) -> Self {
        let source: Vec<char> = input.chars().take(MAX_EXTRACT_CHARS).collect();
        let mut chars = Vec::with_capacity(source.len());
        let mut starts = Vec::with_capacity(source.len());
        let mut ends = Vec::with_capacity(source.len());
        let mut i = 0;
        'outer: while i < source.len() {
            let c = source[i];
            if matches!(c, '[' | '(' | '{' | 'h' | 'H') {
                for (pattern, replacement) in DEFANGS {
                    let len = pattern.len();
                    if i + len <= source.len()
                        && source[i..i + len].iter().zip(pattern.chars()).all(|(a, b)| a.to_ascii_lowercase() == b)
                    {
                        for r in replacement.chars() {
                            chars.push(r);
                            starts.push(i as u32);
                            ends.push((i + len) as u32);
                        }
                        i += len;
                        continue 'outer;
                    }
                }
            }
            if !text::is_invisible(c) {
                let folded = match text::digit_value(c) {
                    Some(d) => (b'0' + d) as char,
                    None => text::fold_width(c),
                };
                chars.push(if folded == '\u{00A0}' { ' ' } else { folded });
                starts.push(i as u32);
                ends.push(i as u32 + 1);
            }
            i += 1;
        }
        NormalisedText { chars, starts, ends }
    }

    fn span(&self, from: usize, to: usize) -> (usize, usize) {
        (self.starts[from] as usize, self.ends[to - 1] as usize)
    }

    fn string(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    /// Accent-free lowercase words in `[from, to)`.
    fn folded_words(&self, from: usize, to: usize) -> Vec<String> {
        text::fold_accents_lower(&self.string(from, to))
            .split(|c: char| !(c.is_alphanumeric() || c == '/'))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Whitespace-separated tokens: links, domains, e-mails, handles, crypto addresses, VietQR payloads.
    fn find_tokens(&self, found: &mut Vec<Found>, claimed: &mut Vec<(usize, usize)>) {
        let n = self.chars.len();
        let mut i = 0;
        while i < n {
            if is_token_separator(self.chars[i]) {
                i += 1;
                continue;
            }
            let mut end = i;
            while end < n && !is_token_separator(self.chars[end]) {
                end += 1;
            }
            // "tai:https://…", "egram;https://…": a link glued to the word before it starts a token.
            if let Some(scheme) = self.scheme_inside(i, end) {
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

    fn token_identifier(&self, start: usize, end: usize) -> Option<(Identifier, usize, usize)> {
        let chars = &self.chars[start..end];
        // A VietQR payload may hold spaces in its message, so it is read past the token's end.
        if chars.len() >= 6 && chars[..6] == ['0', '0', '0', '2', '0', '1'] {
            return self.vietqr_at(start);
        }
        let interesting = chars.iter().any(|&c| matches!(c, '.' | '@' | ':' | '/'));
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
            return CryptoAddress::parse(&token)
                .ok()
                .filter(|_| looks_like_crypto(&token))
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
        if let Ok(social) = SocialAccount::parse(&token) {
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
        let from = before.saturating_sub(24);
        self.folded_words(from, before).pop()
    }

    /// Runs of digits, possibly split by spaces, dots, dashes or brackets, and possibly led by `+`:
    /// phone numbers, bank accounts, cards and e-wallets.
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
            let run_end = run.groups.last().map_or(i + 1, |g| g.1);
            if claimed.iter().any(|&(a, b)| a < run_end && i < b) {
                i = run_end;
                continue;
            }
            self.interpret_run(&run, found);
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
        let word = text::fold_accents_lower(&self.string(start, digit));
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
        // A group glued to letters on its right ("500k", "3tr") is an amount, not part of a number.
        if let Some(&(_, last_end)) = groups.last()
            && last_end < n
            && self.chars[last_end].is_alphabetic()
            && !matches!(self.chars[last_end], 'đ' | 'Đ')
        {
            let word_end = (last_end..n).find(|&k| !self.chars[k].is_alphanumeric()).unwrap_or(n);
            let word = text::fold_accents_lower(&self.string(last_end, word_end));
            if !matches!(word.as_str(), "vnd" | "d" | "dong") {
                groups.pop();
            }
        }
        DigitRun { start, plus, groups }
    }

    fn interpret_run(&self, run: &DigitRun, found: &mut Vec<Found>) {
        let mut first = 0;
        while first < run.groups.len() {
            match self.identifier_from_groups(run, first) {
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
    fn identifier_from_groups(&self, run: &DigitRun, first: usize) -> Option<(Identifier, usize)> {
        let groups = &run.groups[first..];
        let plus = first == 0 && run.plus;
        let from = if plus { run.start } else { groups[0].0 };
        let context = self.context(from, groups);

        let mut digits = String::new();
        let mut candidates: Vec<(String, usize)> = Vec::with_capacity(groups.len());
        for (taken, &(a, b)) in groups.iter().enumerate() {
            digits.extend(&self.chars[a..b]);
            if digits.len() > 20 {
                break;
            }
            candidates.push((digits.clone(), taken + 1));
        }

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
        if let Some(bank) = context.bank {
            for (digits, taken) in candidates.iter().rev() {
                if (6..=19).contains(&digits.len())
                    && (context.account_keyword || !is_clean_phone(plus, digits))
                    && let Ok(account) = BankAccount::from_parts(bank.bin, digits)
                {
                    return Some((Identifier::BankAccount(account), *taken));
                }
            }
        }
        for (digits, taken) in candidates.iter().rev() {
            let Ok(phone) = PhoneNumber::from_digits(plus, digits) else { continue };
            let usable = match phone.phone_type() {
                PhoneType::ShortCode => context.short_code_keyword && *taken == 1 && digits.len() <= 5,
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
                        || context.zalo
                        || context.ewallet.is_some()
                }
            };
            if !usable {
                continue;
            }
            if let Some(provider) = context.ewallet
                && let Ok(wallet) = Ewallet::parse(&format!("{}:{}", provider.as_str(), phone.canonical()))
            {
                return Some((Identifier::Ewallet(wallet), *taken));
            }
            if context.zalo
                && let Ok(social) = SocialAccount::parse(&format!("zalo:{}", phone.canonical()))
            {
                return Some((Identifier::Social(social), *taken));
            }
            return Some((Identifier::Phone(phone), *taken));
        }
        None
    }

    /// What the words around a digit run say about it.
    fn context(&self, from: usize, groups: &[(usize, usize)]) -> RunContext {
        let to = groups.last().map_or(from, |g| g.1);
        let before_start = from.saturating_sub(48);
        let after_end = (to + 48).min(self.chars.len());
        let before = self.folded_words(before_start, from);
        let after = self.folded_words(to, after_end);
        let mut context = RunContext::default();

        // Words right before the number, nearest first, skipping filler.
        let near_before: Vec<&str> = before.iter().rev().take(6).map(String::as_str).collect();
        context.account_keyword = near_before
            .iter()
            .take(4)
            .any(|w| matches!(*w, "stk" | "tk" | "tknh" | "stknh" | "khoan" | "account" | "acc" | "a/c"));
        context.short_code_keyword = near_before
            .iter()
            .take(3)
            .any(|w| matches!(*w, "goi" | "nhan" | "soan" | "gui" | "dai" | "hotline" | "call" | "sms" | "text"));
        context.zalo = near_before.iter().take(2).any(|w| *w == "zalo") || after.first().is_some_and(|w| w == "zalo");

        let wallet_words_before: Vec<&str> =
            near_before.iter().copied().filter(|w| !matches!(*w, "vi" | "so" | "sdt" | "tk")).take(2).collect();
        context.ewallet = (1..=wallet_words_before.len()).find_map(|k| {
            let phrase: Vec<&str> = wallet_words_before[..k].iter().rev().copied().collect();
            EwalletProvider::from_name(&phrase.join(" "))
        });
        if context.ewallet.is_none() {
            let after_words: Vec<&str> = after.iter().map(String::as_str).filter(|w| *w != "vi").take(2).collect();
            context.ewallet =
                (1..=after_words.len()).rev().find_map(|k| EwalletProvider::from_name(&after_words[..k].join(" ")));
        }

        // A bank name right after the number ("0011004123456 VCB", "... ngân hàng Á Châu").
        let after_names: Vec<&str> =
            after.iter().map(String::as_str).skip_while(|w| is_bank_filler(w)).take(6).collect();
        let mut bank = bank_in_words(&after_names).map(|(b, _)| b);
        if bank.is_none() {
            // Or right before it ("VCB 0011004123456", "Techcombank stk 1903...").
            let names: Vec<&str> = near_before.iter().copied().skip_while(|w| is_bank_filler(w)).take(5).collect();
            for k in 1..=names.len() {
                let phrase: Vec<&str> = names[..k].iter().rev().copied().collect();
                if let Some((b, taken)) = bank_in_words(&phrase)
                    && taken == k
                {
                    bank = Some(b);
                }
            }
        }
        // A short alias like "mb" or "acb" alone is only trusted next to an account keyword or
        // when the number cannot be a phone.
        context.bank = bank;
        context
    }
}

struct DigitRun {
    start: usize,
    plus: bool,
    /// `[start, end)` of each group of consecutive digits.
    groups: Vec<(usize, usize)>,
}

#[derive(Default)]
struct RunContext {
    bank: Option<&'static super::Bank>,
    account_keyword: bool,
    short_code_keyword: bool,
    ewallet: Option<EwalletProvider>,
    zalo: bool,
}

fn is_clean_phone(plus: bool, digits: &str) -> bool {
    PhoneNumber::from_digits(plus, digits).is_ok_and(|p| {
        matches!(p.phone_type(), PhoneType::Mobile | PhoneType::Fixed | PhoneType::TollFree | PhoneType::Premium)
    })
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
    fn cards_are_found_and_masked() {
        assert_eq!(
            kinds_and_canonicals("số thẻ 4111 1111 1111 1111 hết hạn"),
            vec![("card".into(), "card:411111******1111".into())]
        );
    }
}
