//! Bank accounts (`bank:<BIN>:<account>`) and payment cards (`card:<first 6>******<last 4>`).
//!
//! Banks are named by their NAPAS BIN; any way people name a bank (VCB, Vietcombank, Ngoại thương,
//! vietcombak) resolves through the VietQR bank list (MIT, vietnam-qr-pay 1.5.1) and the project's
//! alias file. Card numbers are never kept whole: only the first six and last four digits survive.

use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// A bank or e-wallet that has a NAPAS BIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    /// Six-digit NAPAS BIN, e.g. `970436`.
    pub bin: &'static str,
    /// VietQR bank code, e.g. `VCB`.
    pub code: &'static str,
    /// Short name people use, e.g. `Vietcombank`.
    pub short_name: &'static str,
    /// Full legal Vietnamese name.
    pub name: &'static str,
    pub swift_code: Option<&'static str>,
}

#[derive(Deserialize)]
struct BankRecord {
    key: String,
    code: String,
    name: String,
    bin: String,
    #[serde(rename = "shortName")]
    short_name: String,
    #[serde(rename = "swiftCode")]
    swift_code: Option<String>,
    keywords: Option<String>,
    deprecated: Option<bool>,
}

struct BankDirectory {
    banks: Vec<Bank>,
    /// Alias key (accent-free lowercase ASCII alphanumerics) → index into `banks`.
    by_alias: HashMap<String, usize, FxBuild>,
    by_bin: HashMap<&'static str, usize>,
    /// Every prefix of every alias key, so a search through free text stops at the first word that
    /// cannot begin a bank name.
    alias_prefixes: HashSet<String, FxBuild>,
}

/// The alias tables are looked up for most numbers `extract` reads, with short keys: FxHash
/// (rustc's hasher) costs a fraction of SipHash there. The tables hold only our own keys, so
/// there is no flooding to defend against.
type FxBuild = BuildHasherDefault<FxHasher>;

#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(byte as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Reduces a bank name to its matching key: accent-free, lowercase, alphanumerics only.
pub(crate) fn alias_key(name: &str) -> String {
    text::fold_accents_lower(name).chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

static DIRECTORY: LazyLock<BankDirectory> = LazyLock::new(|| {
    let records: Vec<BankRecord> = serde_json::from_str(include_str!("../../data/banks_vietqr.json"))
        .expect("the bundled bank list is valid JSON");
    let mut banks = Vec::new();
    let mut by_alias = HashMap::default();
    let mut by_bin = HashMap::new();
    let mut deprecated_aliases = Vec::new();
    for record in records {
        if record.bin.len() != 6 {
            continue; // BIDC has no BIN: it cannot receive NAPAS transfers.
        }
        let mut aliases = vec![record.code.clone(), record.key.clone(), record.short_name.clone()];
        aliases.extend(record.keywords.iter().flat_map(|k| k.split(',').map(str::to_string)));
        let legal = text::fold_accents_lower(&record.name);
        for prefix in ["ngan hang thuong mai co phan ", "ngan hang tmcp ", "ngan hang tnhh mtv ", "ngan hang "] {
            if let Some(rest) = legal.strip_prefix(prefix) {
                aliases.push(rest.to_string());
                break;
            }
        }
        aliases.push(legal);
        if record.deprecated == Some(true) {
            // A renamed bank (LienVietPostBank → LPBank) keeps its old names, pointing at the new entry.
            deprecated_aliases.push((record.bin, aliases));
            continue;
        }
        let index = banks.len();
        let bin: &'static str = leak(record.bin);
        banks.push(Bank {
            bin,
            code: leak(record.code),
            short_name: leak(record.short_name),
            name: leak(record.name),
            swift_code: record.swift_code.map(leak),
        });
        // When two live entries share a BIN (DongA Bank renamed Vikki Bank), the later one wins.
        by_bin.insert(bin, index);
        for alias in aliases {
            by_alias.entry(alias_key(&alias)).or_insert(index);
        }
    }
    for (bin, aliases) in deprecated_aliases {
        if let Some(&index) = by_bin.get(bin.as_str()) {
            for alias in aliases {
                by_alias.entry(alias_key(&alias)).or_insert(index);
            }
        }
    }
    for line in include_str!("../../data/bank_aliases.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((code, aliases)) = line.split_once('\t') else { continue };
        let Some(index) = banks.iter().position(|b| b.code == code) else { continue };
        for alias in aliases.split(',') {
            // The project's aliases are curated: they override names derived from the list.
            by_alias.insert(alias_key(alias), index);
        }
    }
    by_alias.remove("");
    let mut alias_prefixes = HashSet::default();
    for key in by_alias.keys() {
        for end in 1..=key.len() {
            alias_prefixes.insert(key[..end].to_string());
        }
    }
    BankDirectory { banks, by_alias, by_bin, alias_prefixes }
});

/// Every bank with a NAPAS BIN.
pub fn banks() -> &'static [Bank] {
    &DIRECTORY.banks
}

pub fn bank_by_bin(bin: &str) -> Option<&'static Bank> {
    DIRECTORY.by_bin.get(bin).map(|&i| &DIRECTORY.banks[i])
}

/// Finds a bank by any of its names, codes, aliases or common misspellings.
pub fn bank_by_name(name: &str) -> Option<&'static Bank> {
    let key = alias_key(name);
    if let Some(&i) = DIRECTORY.by_alias.get(&key) {
        return Some(&DIRECTORY.banks[i]);
    }
    // "Ngân hàng Vietcombank", "NH VCB", "VCB bank": drop the generic words and try again.
    for prefix in ["nganhang", "nh"] {
        if let Some(rest) = key.strip_prefix(prefix)
            && let Some(&i) = DIRECTORY.by_alias.get(rest)
        {
            return Some(&DIRECTORY.banks[i]);
        }
    }
    let rest = key.strip_suffix("bank")?;
    DIRECTORY.by_alias.get(rest).map(|&i| &DIRECTORY.banks[i])
}

/// Finds the longest bank name made of consecutive words of `words` (already accent-folded);
/// returns the bank and how many words it took. Used by parsers of free text.
pub(crate) fn bank_in_words(words: &[impl AsRef<[u8]>]) -> Option<(&'static Bank, usize)> {
    let directory = &*DIRECTORY;
    let mut key = String::new();
    let mut best = None;
    for (taken, word) in words.iter().enumerate().take(8) {
        key.extend(word.as_ref().iter().copied().filter(u8::is_ascii_alphanumeric).map(char::from));
        if let Some(&index) = directory.by_alias.get(&key) {
            best = Some((&directory.banks[index], taken + 1));
        } else if taken == 0
            && (key.starts_with("nganhang") || key.starts_with("nh") || key.ends_with("bank"))
            && let Some(bank) = bank_by_name(&key)
        {
            // "nganhangvcb", "vcbbank": the generic words glued to a name.
            best = Some((bank, 1));
        }
        if !directory.alias_prefixes.contains(&key) {
            break;
        }
    }
    best
}

/// Finds the longest bank name that ends with the first of `words_nearest_first` (accent-folded words
/// read backwards from a number: "… Ngân hàng Á Châu 0011…" gives `["chau", "a", "hang", "ngan"]`).
pub(crate) fn bank_ending_words(words_nearest_first: &[impl AsRef<[u8]>]) -> Option<&'static Bank> {
    let directory = &*DIRECTORY;
    let words = &words_nearest_first[..words_nearest_first.len().min(5)];
    // Every key tried is a tail of the words joined farthest first: join them once.
    let mut joined = Vec::with_capacity(words.iter().map(|w| w.as_ref().len()).sum());
    let mut starts = [0; 5];
    for (k, word) in words.iter().enumerate().rev() {
        starts[k] = joined.len();
        joined.extend(word.as_ref().iter().copied().filter(u8::is_ascii_alphanumeric));
    }
    let joined = std::str::from_utf8(&joined).unwrap_or_default(); // ASCII
    let mut best = None;
    for &start in &starts[..words.len()] {
        if let Some(&index) = directory.by_alias.get(&joined[start..]) {
            best = Some(&directory.banks[index]);
        }
    }
    best
}

/// A bank account: the bank's NAPAS BIN and the account number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount {
    canonical: String,
}

const BANK_PREFIX: &str = "bank:";

impl BankAccount {
    /// Accepts `bank:970436:0011004123456`, `970436:0011004123456`, and any text holding one account
    /// number and one bank name in either order: `0011004123456 VCB`, `STK 0011.004.123456 - Ngân
    /// hàng Ngoại thương`.
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean_cow(input);
        if cleaned.is_empty() {
            return Err(Error::new(ErrorCode::EmptyInput, "the bank account is empty"));
        }
        let without_prefix = text::strip_prefix_ignore_case(&cleaned, BANK_PREFIX);
        if let Some((bin, account)) = without_prefix.unwrap_or(&cleaned).split_once(':')
            && bin.len() == 6
            && bin.bytes().all(|b| b.is_ascii_digit())
        {
            return Self::from_parts(bin, account.trim());
        }
        if without_prefix.is_some() {
            return Err(invalid("the canonical form is bank:<6-digit BIN>:<account>"));
        }
        Self::parse_free_text(&cleaned)
    }

    fn parse_free_text(cleaned: &str) -> Result<Self> {
        let folded = text::fold_accents_lower(cleaned);
        let mut number_groups: Vec<&str> = Vec::new();
        let mut name_words: Vec<&str> = Vec::new();
        for token in folded
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '|' | '(' | ')' | '[' | ']' | '/'))
        {
            let token = token.trim_matches(|c: char| matches!(c, '-' | '.' | '_' | '–' | '—'));
            if token.is_empty() {
                continue;
            }
            if token.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
                && token.bytes().any(|b| b.is_ascii_digit())
            {
                number_groups.push(token);
            } else if !is_filler_word(token) {
                name_words.push(token);
            }
        }
        let mut digits = String::with_capacity(number_groups.iter().map(|group| group.len()).sum());
        for group in &number_groups {
            digits.extend(group.bytes().filter(u8::is_ascii_digit).map(char::from));
        }
        if digits.is_empty() {
            return Err(invalid("there is no account number"));
        }
        if name_words.is_empty() {
            return Err(Error::new(
                ErrorCode::UnknownBank,
                "name the bank too, e.g. `0011004123456 Vietcombank` or `bank:970436:0011004123456`",
            ));
        }
        let Some((bank, taken)) = bank_in_words(&name_words) else {
            return Err(Error::new(
                ErrorCode::UnknownBank,
                "the bank name is not one we know; use its short name (VCB, BIDV, MB…) or its NAPAS BIN",
            ));
        };
        if taken != name_words.len() {
            return Err(invalid("there are words besides the bank name and the account number"));
        }
        Self::from_parts(bank.bin, &digits)
    }

    /// Builds an account from a BIN and an account number (digits or, for virtual accounts that
    /// VietQR carries, letters and digits). An unknown but well-formed BIN is kept: the bank list
    /// may lag behind NAPAS.
    pub fn from_parts(bin: &str, account: &str) -> Result<Self> {
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("a bank BIN has exactly 6 digits"));
        }
        // The canonical form written straight into one string: this runs for every account checked or screened.
        let mut canonical = String::with_capacity(BANK_PREFIX.len() + bin.len() + 1 + account.len());
        canonical.push_str(BANK_PREFIX);
        canonical.push_str(bin);
        canonical.push(':');
        let start = canonical.len();
        for c in account.chars().filter(|c| !matches!(c, ' ' | '.' | '-')) {
            canonical.push(c.to_ascii_uppercase());
        }
        let number = &canonical[start..];
        if !(4..=32).contains(&number.len()) {
            return Err(invalid("an account number has 4 to 32 characters"));
        }
        if !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid("an account number holds only digits (and letters for virtual accounts)"));
        }
        if !number.bytes().any(|b| b.is_ascii_digit()) {
            return Err(invalid("an account number holds digits"));
        }
        Ok(BankAccount { canonical })
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn bin(&self) -> &str {
        &self.canonical[BANK_PREFIX.len()..BANK_PREFIX.len() + 6]
    }

    pub fn account_number(&self) -> &str {
        &self.canonical[BANK_PREFIX.len() + 7..]
    }

    pub fn bank(&self) -> Option<&'static Bank> {
        bank_by_bin(self.bin())
    }

    /// `Vietcombank 0011004123456`; the canonical form when the BIN is not in the bank list or the
    /// account holds letters (virtual accounts from VietQR), which free text could not carry back.
    pub fn display(&self) -> String {
        match self.bank() {
            Some(bank) if self.account_number().bytes().all(|b| b.is_ascii_digit()) => {
                [bank.short_name, " ", self.account_number()].concat()
            }
            _ => self.canonical.clone(),
        }
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        let bank = self.bank();
        map.insert("bin".into(), Value::from(self.bin()));
        map.insert("account_number".into(), Value::from(self.account_number()));
        map.insert("bank_name".into(), bank.map_or(Value::Null, |b| Value::from(b.short_name)));
        map.insert("bank_code".into(), bank.map_or(Value::Null, |b| Value::from(b.code)));
        map.insert("bank_full_name".into(), bank.map_or(Value::Null, |b| Value::from(b.name)));
    }
}

/// Words around an account number that name neither the bank nor the account.
fn is_filler_word(word: &str) -> bool {
    matches!(
        word,
        "stk"
            | "so"
            | "tai"
            | "khoan"
            | "tk"
            | "tknh"
            | "ngan"
            | "hang"
            | "nh"
            | "account"
            | "acc"
            | "a/c"
            | "no"
            | "number"
            | "chu"
            | "tai khoan"
            | "so tk"
            | "ck"
            | "chuyen"
            | "vao"
            | "qua"
            | "den"
            | "at"
            | "of"
            | "-"
            | "–"
    )
}

fn invalid(reason: &str) -> Error {
    Error::new(ErrorCode::InvalidBankAccount, format!("not a valid bank account: {reason}"))
}

/// A payment card, kept masked: first six digits (the issuer BIN), last four, and the length.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardNumber {
    canonical: String,
}

const CARD_PREFIX: &str = "card:";
const MASK: char = '*';

impl CardNumber {
    /// Accepts a whole Luhn-valid number of 16-19 digits (spaces and dashes allowed) or a masked one
    /// (`9704 36** **** 1234`, `970436******1234`). The whole number is never kept.
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean_cow(input);
        let body = text::strip_prefix_ignore_case(&cleaned, CARD_PREFIX).unwrap_or(&cleaned);
        let mut compact = String::with_capacity(body.len());
        for c in body.chars() {
            if let Some(d) = text::digit_value(c) {
                compact.push((b'0' + d) as char);
            } else if matches!(c, '*' | 'x' | 'X' | '•' | '#') {
                compact.push(MASK);
            } else if !(c.is_whitespace() || c == '-' || c == '.') {
                return Err(invalid_card(&format!("unexpected character `{c}`")));
            }
            if compact.len() > 19 {
                return Err(invalid_card("a card number has at most 19 digits"));
            }
        }
        if !(16..=19).contains(&compact.len()) {
            return Err(invalid_card("a card number has 16 to 19 digits"));
        }
        let first6 = &compact[..6];
        let last4 = &compact[compact.len() - 4..];
        if !first6.bytes().chain(last4.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(invalid_card("the first 6 and last 4 digits must be visible"));
        }
        let middle = &compact[6..compact.len() - 4];
        if middle.bytes().all(|b| b.is_ascii_digit()) {
            if !text::luhn_valid(&compact) {
                return Err(Error::new(
                    ErrorCode::InvalidChecksum,
                    "not a valid card number: the Luhn check digit does not match",
                ));
            }
        } else if !middle.chars().all(|c| c == MASK) {
            return Err(invalid_card("a masked card number hides all the middle digits"));
        }
        if Self::network_of(first6).is_none() {
            return Err(invalid_card("the first digits match no card network"));
        }
        let masked_middle: String = std::iter::repeat_n(MASK, compact.len() - 10).collect();
        Ok(CardNumber { canonical: format!("{CARD_PREFIX}{first6}{masked_middle}{last4}") })
    }

    /// The card network a number's leading digits belong to.
    pub(crate) fn network_of(digits: &str) -> Option<&'static str> {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        match () {
            _ if digits.starts_with("9704") => Some("napas"),
            _ if digits.starts_with('4') => Some("visa"),
            _ if matches!(prefix(2), Some(51..=55)) || matches!(prefix(4), Some(2221..=2720)) => Some("mastercard"),
            _ if matches!(prefix(4), Some(3528..=3589)) => Some("jcb"),
            _ if digits.starts_with("62") => Some("unionpay"),
            _ if digits.starts_with("34") || digits.starts_with("37") => Some("amex"),
            _ => None,
        }
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    fn masked(&self) -> &str {
        &self.canonical[CARD_PREFIX.len()..]
    }

    /// `9704 36** **** 1234`.
    pub fn display(&self) -> String {
        let masked: Vec<char> = self.masked().chars().collect();
        masked.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        let masked = self.masked();
        map.insert("network".into(), Value::from(Self::network_of(masked).unwrap_or("unknown")));
        map.insert("issuer_bin".into(), Value::from(&masked[..6]));
        map.insert("last4".into(), Value::from(&masked[masked.len() - 4..]));
        map.insert("length".into(), Value::from(masked.len()));
        let issuer = if masked.starts_with("9704") { bank_by_bin(&masked[..6]) } else { None };
        map.insert("bank_name".into(), issuer.map_or(Value::Null, |b| Value::from(b.short_name)));
    }
}

fn invalid_card(reason: &str) -> Error {
    Error::new(ErrorCode::InvalidCard, format!("not a valid card number: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banks_are_found_by_every_name() {
        for (name, code) in [
            ("VCB", "VCB"),
            ("Vietcombank", "VCB"),
            ("Ngoại thương", "VCB"),
            ("ngoai thuong", "VCB"),
            ("vietcombak", "VCB"),
            ("Ngân hàng TMCP Ngoại Thương Việt Nam", "VCB"),
            ("TCB", "TCB"),
            ("Techcombank", "TCB"),
            ("MB", "MBB"),
            ("MBBank", "MBB"),
            ("MB Bank", "MBB"),
            ("Quân đội", "MBB"),
            ("CTG", "CTG"),
            ("VietinBank", "CTG"),
            ("Viettinbank", "CTG"),
            ("BIDV", "BID"),
            ("ACB", "ACB"),
            ("Agribank", "AGRIBANK"),
            ("TPBank", "TPB"),
            ("VPBank", "VPB"),
            ("Sacombank", "STB"),
            ("LienVietPostBank", "LPB"),
            ("Ngân hàng Vietcombank", "VCB"),
            ("NH Sacombank", "STB"),
            ("Đông Nam Á", "SSB"),
            ("Nam Á", "NAB"),
        ] {
            assert_eq!(bank_by_name(name).map(|b| b.code), Some(code), "{name}");
        }
        assert_eq!(bank_by_bin("970436").unwrap().short_name, "Vietcombank");
        assert_eq!(bank_by_bin("970414").unwrap().code, "MBV");
        assert!(bank_by_name("Ngân hàng không tồn tại").is_none());
        assert!(banks().len() >= 55);
    }

    #[test]
    fn accounts_in_every_written_form() {
        for input in [
            "bank:970436:0011004123456",
            "970436:0011004123456",
            "0011004123456 VCB",
            "VCB 0011004123456",
            "stk 0011004123456 VCB",
            "STK: 0011.004.123456 - Vietcombank",
            "Số tài khoản 0011 004 123456 ngân hàng Ngoại Thương",
            "0011004123456 (Vietcombank)",
        ] {
            let account = BankAccount::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(account.canonical(), "bank:970436:0011004123456", "{input}");
        }
        let account = BankAccount::parse("19035551234019 Techcombank").unwrap();
        assert_eq!(account.display(), "Techcombank 19035551234019");
        assert_eq!(BankAccount::parse(&account.display()).unwrap(), account);
        assert_eq!(BankAccount::parse(account.canonical()).unwrap(), account);
        // Found by fuzzing: a virtual account with letters displays in canonical form.
        let virtual_account = BankAccount::parse("bank:970436:0A01nk1170").unwrap();
        assert_eq!(virtual_account.display(), "bank:970436:0A01NK1170");
        assert_eq!(BankAccount::parse(&virtual_account.display()).unwrap(), virtual_account);
    }

    #[test]
    fn bad_accounts_say_why() {
        assert_eq!(BankAccount::parse("0011004123456").unwrap_err().code, ErrorCode::UnknownBank);
        assert_eq!(BankAccount::parse("0011004123456 Ngân hàng Mặt Trăng").unwrap_err().code, ErrorCode::UnknownBank);
        assert_eq!(BankAccount::parse("VCB").unwrap_err().code, ErrorCode::InvalidBankAccount);
        assert_eq!(BankAccount::parse("bank:97043:123456").unwrap_err().code, ErrorCode::InvalidBankAccount);
        assert_eq!(BankAccount::parse("bank:970436:12").unwrap_err().code, ErrorCode::InvalidBankAccount);
    }

    #[test]
    fn cards_are_kept_masked() {
        let card = CardNumber::parse("4111 1111 1111 1111").unwrap();
        assert_eq!(card.canonical(), "card:411111******1111");
        assert_eq!(card.display(), "4111 11** **** 1111");
        assert_eq!(CardNumber::parse(&card.display()).unwrap(), card);
        assert_eq!(CardNumber::parse(card.canonical()).unwrap(), card);
        let napas = CardNumber::parse("9704-3612-3456-7895").unwrap();
        assert_eq!(napas.canonical(), "card:970436******7895");
        let mut details = Map::new();
        napas.details(&mut details);
        assert_eq!(details["network"], "napas");
        assert_eq!(details["bank_name"], "Vietcombank");
        assert_eq!(CardNumber::parse("4111 1111 1111 1112").unwrap_err().code, ErrorCode::InvalidChecksum);
        assert_eq!(CardNumber::parse("4111 11** 1111 1111").unwrap_err().code, ErrorCode::InvalidCard);
        assert_eq!(CardNumber::parse("1234").unwrap_err().code, ErrorCode::InvalidCard);
    }
}
