//! E-wallet accounts (MoMo, ZaloPay, Viettel Money, VNPAY, ShopeePay, VNPT Money).
//!
//! People's wallets are keyed by their phone number, so the canonical form is
//! `<provider>:<E.164>` (`momo:+84912345678`). Merchant wallets have provider-specific ids, kept
//! lowercase: `momo:shopabc_01`.

use super::phone::PhoneNumber;
use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde_json::{Map, Value};
use std::fmt;

/// Longest wallet name, in words ("vi viettel money").
const MAX_NAME_WORDS: usize = 3;
/// Longest input looked at; a wallet name and number are far shorter.
const MAX_INPUT_CHARS: usize = 256;
const MERCHANT_ID_CHARS: std::ops::RangeInclusive<usize> = 6..=32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EwalletProvider {
    Momo,
    Zalopay,
    Viettelmoney,
    Vnpay,
    Shopeepay,
    Vnptmoney,
}

impl EwalletProvider {
    pub const ALL: &'static [EwalletProvider] = &[
        EwalletProvider::Momo,
        EwalletProvider::Zalopay,
        EwalletProvider::Viettelmoney,
        EwalletProvider::Vnpay,
        EwalletProvider::Shopeepay,
        EwalletProvider::Vnptmoney,
    ];

    /// The stable API value, used as the canonical prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            EwalletProvider::Momo => "momo",
            EwalletProvider::Zalopay => "zalopay",
            EwalletProvider::Viettelmoney => "viettelmoney",
            EwalletProvider::Vnpay => "vnpay",
            EwalletProvider::Shopeepay => "shopeepay",
            EwalletProvider::Vnptmoney => "vnptmoney",
        }
    }

    /// The brand name people know.
    pub fn display_name(self) -> &'static str {
        match self {
            EwalletProvider::Momo => "MoMo",
            EwalletProvider::Zalopay => "ZaloPay",
            EwalletProvider::Viettelmoney => "Viettel Money",
            EwalletProvider::Vnpay => "VNPAY",
            EwalletProvider::Shopeepay => "ShopeePay",
            EwalletProvider::Vnptmoney => "VNPT Money",
        }
    }

    /// The provider a name refers to. `folded` is accent-folded lowercase text
    /// (`text::fold_accents_lower`), e.g. "vi momo", "viettelpay", "shopee pay", "airpay"; a leading
    /// "vi" (ví, wallet) is allowed before any name. Only a whole name matches.
    pub fn from_name(folded: &str) -> Option<Self> {
        let mut words = folded.split_whitespace();
        let mut normalized = String::with_capacity(folded.len());
        // Names are at most a few words; anything longer is not a name (and is not worth joining).
        for word in words.by_ref().take(MAX_NAME_WORDS + 2) {
            if !normalized.is_empty() {
                normalized.push(' ');
            }
            normalized.push_str(word);
        }
        if words.next().is_some() {
            return None;
        }
        let name = normalized.strip_prefix("vi ").unwrap_or(&normalized);
        let provider = match name {
            "momo" | "vi momo" => EwalletProvider::Momo,
            "zalopay" | "zalo pay" => EwalletProvider::Zalopay,
            "viettel money" | "viettelmoney" | "viettelpay" | "viettel pay" => EwalletProvider::Viettelmoney,
            "vnpay" | "vn pay" | "vi vnpay" => EwalletProvider::Vnpay,
            "shopeepay" | "shopee pay" | "airpay" => EwalletProvider::Shopeepay,
            "vnpt money" | "vnptmoney" | "vnpt pay" | "vnptpay" => EwalletProvider::Vnptmoney,
            _ => return None,
        };
        Some(provider)
    }
}

impl fmt::Display for EwalletProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An e-wallet account: a provider and a phone number (people) or a merchant id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ewallet {
    provider: EwalletProvider,
    /// `<provider>:<id>`; the id (E.164 or a lowercase merchant id) follows the first `:`.
    canonical: String,
    /// The phone's display form (`0912 345 678`) for phone-keyed wallets, derived from the E.164 id.
    phone_display: Option<String>,
}

impl Ewallet {
    /// Accepts `momo:+84912345678`, `momo: 0912.345.678`, `MoMo 0912345678`, `Ví MoMo - 0912 345 678`,
    /// `0912345678 momo`, `ZaloPay 0912345678`, `Viettel Money 0987654321`, `momo:shop_abc123`.
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean_cow(input);
        if cleaned.is_empty() {
            return Err(invalid("the e-wallet account is empty"));
        }
        if cleaned.chars().nth(MAX_INPUT_CHARS).is_some() {
            return Err(invalid(format!("an e-wallet account is at most {MAX_INPUT_CHARS} characters")));
        }
        let Some((provider, id_text)) = split_provider(&cleaned) else {
            return Err(Error::new(
                ErrorCode::UnknownEwalletProvider,
                "name the e-wallet (MoMo, ZaloPay, Viettel Money, VNPAY, ShopeePay, VNPT Money) with the number, \
                 e.g. `MoMo 0912345678` or `momo:0912345678`",
            ));
        };
        let id_text = id_text.trim_matches(is_separator);
        if id_text.is_empty() {
            return Err(invalid(format!("there is no {} phone number or id", provider.display_name())));
        }
        Self::from_parts(provider, id_text)
    }

    /// A wallet of `provider` keyed by `id`: a Vietnamese phone number in any common form, or a
    /// merchant id of 6-32 characters `[A-Za-z0-9_.-]` that starts and ends with a letter or digit.
    pub fn from_parts(provider: EwalletProvider, id: &str) -> Result<Self> {
        let id = id.trim();
        let phone_error = match PhoneNumber::parse(id) {
            Ok(phone) if phone.is_vietnamese() => {
                return Ok(Self::phone_based(provider, phone.canonical()));
            }
            Ok(_) if looks_like_phone(id) => {
                return Err(invalid(format!(
                    "{} accounts are registered to Vietnamese phone numbers; `{}` is not one",
                    provider.display_name(),
                    text::shorten_for_message(id)
                )));
            }
            Ok(_) => None,
            Err(error) => Some(error),
        };
        if let Some(error) = phone_error.filter(|_| looks_like_phone(id)) {
            return Err(invalid(format!(
                "`{}` is not a valid phone number: {}",
                text::shorten_for_message(id),
                error.message
            )));
        }
        // Starting and ending with a letter or digit keeps the id clear of the separators around it.
        let is_merchant_id = MERCHANT_ID_CHARS.contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && id.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
        if !is_merchant_id {
            return Err(invalid(format!(
                "`{}` is neither a Vietnamese phone number nor a merchant id (6-32 letters, digits, `_`, `.`, `-`)",
                text::shorten_for_message(id)
            )));
        }
        Ok(Ewallet {
            provider,
            canonical: format!("{}:{}", provider.as_str(), id.to_ascii_lowercase()),
            phone_display: None,
        })
    }

    fn phone_based(provider: EwalletProvider, e164: &str) -> Self {
        // Re-parse the E.164 form so the display depends only on the canonical form.
        let phone_display = PhoneNumber::parse(e164).map(|p| p.display()).unwrap_or_else(|_| e164.to_string());
        Ewallet { provider, canonical: format!("{}:{e164}", provider.as_str()), phone_display: Some(phone_display) }
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// `MoMo 0912 345 678`, `ZaloPay shop_abc123`.
    pub fn display(&self) -> String {
        let id = self.phone_display.as_deref().unwrap_or_else(|| self.id());
        format!("{} {id}", self.provider.display_name())
    }

    pub fn provider(&self) -> EwalletProvider {
        self.provider
    }

    /// The E.164 phone number or the lowercase merchant id.
    pub fn id(&self) -> &str {
        self.canonical.get(self.provider.as_str().len() + 1..).unwrap_or_default()
    }

    /// The E.164 phone number of a phone-keyed wallet.
    pub fn phone(&self) -> Option<&str> {
        self.phone_display.as_ref().map(|_| self.id())
    }

    pub fn is_merchant(&self) -> bool {
        self.phone_display.is_none()
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("provider".into(), Value::from(self.provider.as_str()));
        map.insert("provider_name".into(), Value::from(self.provider.display_name()));
        map.insert("id".into(), Value::from(self.id()));
        map.insert("id_type".into(), Value::from(if self.is_merchant() { "merchant" } else { "phone" }));
        if let Some(phone) = self.phone() {
            map.insert("phone".into(), Value::from(phone));
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidEwallet, message)
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | ':' | '|' | ',' | ';' | '(' | ')' | '[' | ']' | '/' | '=' | '>' | '•' | '·')
}

/// Finds the wallet name before a `:` (`momo: 0912...`), or as the first or last words
/// (`Ví MoMo - 0912 345 678`, `0912345678 momo`), and returns it with the rest of the text.
fn split_provider(cleaned: &str) -> Option<(EwalletProvider, String)> {
    if !may_name_a_wallet(cleaned) {
        return None;
    }
    if let Some((name, rest)) = cleaned.split_once(':')
        && let Some(provider) = EwalletProvider::from_name(&name_key(name))
    {
        return Some((provider, rest.to_string()));
    }
    // Words that are only separators ("-", "|") join nothing; drop them.
    let words: Vec<&str> = cleaned.split_whitespace().filter(|w| !w.chars().all(is_separator)).collect();
    let keys: Vec<String> = words.iter().take(MAX_NAME_WORDS).map(|w| name_key(w)).collect();
    for count in (1..=keys.len()).rev() {
        if let Some(provider) = EwalletProvider::from_name(&keys[..count].join(" ")) {
            return Some((provider, words[count..].join(" ")));
        }
    }
    let tail_start = words.len().saturating_sub(MAX_NAME_WORDS);
    let tail_keys: Vec<String> = words[tail_start..].iter().map(|w| name_key(w)).collect();
    for count in (1..=tail_keys.len()).rev() {
        if let Some(provider) = EwalletProvider::from_name(&tail_keys[tail_keys.len() - count..].join(" ")) {
            return Some((provider, words[..words.len() - count].join(" ")));
        }
    }
    None
}

/// Every name [`EwalletProvider::from_name`] knows holds one of these inside one of its words, accent-folded
/// (they start with `m`, `z`, `v` or `p`).
const NAME_STEMS: &[&str] = &["momo", "zalo", "viettel", "pay", "vnpt"];

/// Whether `cleaned` may name a wallet at all: most values a search box gets hold no stem of a wallet name, and
/// are turned away before the word-by-word search (which folds and joins words many times).
fn may_name_a_wallet(cleaned: &str) -> bool {
    let holds_stem = |text: &[u8]| {
        (0..text.len()).any(|at| {
            // Only the stems' first letters start a comparison: one test per byte for most values.
            let rest = &text[at..];
            let starts =
                |stem: &str| rest.len() >= stem.len() && rest[..stem.len()].eq_ignore_ascii_case(stem.as_bytes());
            match text[at].to_ascii_lowercase() {
                b'm' | b'z' | b'v' | b'p' => NAME_STEMS.iter().any(|stem| starts(stem)),
                _ => false,
            }
        })
    };
    if cleaned.is_ascii() {
        holds_stem(cleaned.as_bytes())
    } else {
        holds_stem(text::fold_accents_lower(cleaned).as_bytes())
    }
}

/// The accent-free lowercase form of a name word, without surrounding punctuation.
fn name_key(word: &str) -> String {
    let folded = text::fold_accents_lower(word);
    folded.trim_matches(|c: char| is_separator(c) || c == '.' || c.is_whitespace()).to_string()
}

/// Digits with the usual phone punctuation, starting with 0 or + (a mistyped phone number rather
/// than a merchant id).
fn looks_like_phone(id: &str) -> bool {
    (id.starts_with('0') || id.starts_with('+'))
        && id.chars().any(|c| c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wallet_name_holds_a_stem() {
        for name in [
            "momo",
            "Ví MoMo",
            "ZaloPay",
            "zalo pay",
            "Viettel Money",
            "viettelmoney",
            "ViettelPay",
            "viettel pay",
            "VNPAY",
            "vn pay",
            "ví vnpay",
            "ShopeePay",
            "shopee pay",
            "AirPay",
            "VNPT Money",
            "vnptmoney",
            "vnpt pay",
            "vnptpay",
            "ＭｏＭｏ",
            "mo\u{200b}mo",
        ] {
            assert!(may_name_a_wallet(&text::clean(name)), "{name}");
        }
        for value in ["STK 0011012345678 Vietcombank", "0912 345 678", "@handle", "Techcombank 19036688"] {
            assert!(!may_name_a_wallet(value), "{value}");
        }
    }

    fn code(input: &str) -> ErrorCode {
        Ewallet::parse(input).expect_err(input).code
    }

    fn roundtrip(wallet: &Ewallet) {
        assert_eq!(&Ewallet::parse(wallet.canonical()).unwrap(), wallet, "canonical {}", wallet.canonical());
        assert_eq!(&Ewallet::parse(&wallet.display()).unwrap(), wallet, "display {}", wallet.display());
    }

    fn details(wallet: &Ewallet) -> Map<String, Value> {
        let mut map = Map::new();
        wallet.details(&mut map);
        map
    }

    #[test]
    fn provider_names() {
        let cases = [
            ("momo", EwalletProvider::Momo),
            ("vi momo", EwalletProvider::Momo),
            ("zalopay", EwalletProvider::Zalopay),
            ("zalo pay", EwalletProvider::Zalopay),
            ("viettel money", EwalletProvider::Viettelmoney),
            ("viettelmoney", EwalletProvider::Viettelmoney),
            ("viettelpay", EwalletProvider::Viettelmoney),
            ("viettel pay", EwalletProvider::Viettelmoney),
            ("vnpay", EwalletProvider::Vnpay),
            ("vn pay", EwalletProvider::Vnpay),
            ("vi vnpay", EwalletProvider::Vnpay),
            ("shopeepay", EwalletProvider::Shopeepay),
            ("shopee pay", EwalletProvider::Shopeepay),
            ("airpay", EwalletProvider::Shopeepay),
            ("vnpt money", EwalletProvider::Vnptmoney),
            ("vnptmoney", EwalletProvider::Vnptmoney),
            ("vnpt pay", EwalletProvider::Vnptmoney),
            ("vnptpay", EwalletProvider::Vnptmoney),
            ("vi  zalopay", EwalletProvider::Zalopay),
        ];
        for (name, provider) in cases {
            assert_eq!(EwalletProvider::from_name(name), Some(provider), "{name}");
        }
        for name in ["", "zalo", "momo momo", "vi", "money", "viettel", "pay", "a b c d e f g"] {
            assert_eq!(EwalletProvider::from_name(name), None, "{name}");
        }
        for &provider in EwalletProvider::ALL {
            assert_eq!(EwalletProvider::from_name(provider.as_str()), Some(provider));
            assert_eq!(EwalletProvider::from_name(&text::fold_accents_lower(provider.display_name())), Some(provider));
        }
    }

    #[test]
    fn phone_based_wallets() {
        let want = "momo:+84912345678";
        for input in [
            "MoMo 0912345678",
            "momo: 0912.345.678",
            "Ví MoMo - 0912 345 678",
            "0912345678 momo",
            "momo:+84912345678",
            "MOMO 84912345678",
            "ví momo: 0912-345-678",
            "0912 345 678 (MoMo)",
            "Ｍｏｍｏ ０９１２３４５６７８",
        ] {
            let wallet = Ewallet::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(wallet.canonical(), want, "{input}");
            assert_eq!(wallet.provider(), EwalletProvider::Momo);
        }
        let wallet = Ewallet::parse("MoMo 0912345678").unwrap();
        assert_eq!(wallet.display(), "MoMo 0912 345 678");
        assert_eq!(wallet.phone(), Some("+84912345678"));
        roundtrip(&wallet);
        let map = details(&wallet);
        assert_eq!(map["provider"], "momo");
        assert_eq!(map["provider_name"], "MoMo");
        assert_eq!(map["phone"], "+84912345678");
        assert_eq!(map["id_type"], "phone");

        let zalopay = Ewallet::parse("ZaloPay 0912345678").unwrap();
        assert_eq!(zalopay.canonical(), "zalopay:+84912345678");
        roundtrip(&zalopay);
        let viettel = Ewallet::parse("Viettel Money 0987654321").unwrap();
        assert_eq!(viettel.canonical(), "viettelmoney:+84987654321");
        assert_eq!(viettel.display(), "Viettel Money 0987 654 321");
        roundtrip(&viettel);
        for &provider in EwalletProvider::ALL {
            let wallet = Ewallet::from_parts(provider, "0912345678").unwrap();
            assert_eq!(wallet.canonical(), format!("{}:+84912345678", provider.as_str()));
            roundtrip(&wallet);
        }
    }

    #[test]
    fn merchant_ids() {
        let wallet = Ewallet::parse("momo:Shop_ABC.01").unwrap();
        assert_eq!(wallet.canonical(), "momo:shop_abc.01");
        assert_eq!(wallet.display(), "MoMo shop_abc.01");
        assert!(wallet.is_merchant());
        assert_eq!(wallet.phone(), None);
        let map = details(&wallet);
        assert_eq!(map["id_type"], "merchant");
        assert!(!map.contains_key("phone"));
        roundtrip(&wallet);
        let numeric = Ewallet::parse("vnpay:123456").unwrap();
        assert_eq!(numeric.canonical(), "vnpay:123456");
        roundtrip(&numeric);
    }

    #[test]
    fn errors() {
        for input in ["0912345678", "Techcombank 0912345678", "zalo 0912345678", "hello world"] {
            assert_eq!(code(input), ErrorCode::UnknownEwalletProvider, "{input}");
        }
        for input in [
            "momo",
            "momo:",
            "Ví MoMo -",
            "momo: 12345",
            "momo: 0912 345",
            "momo:+14155552671",
            "momo: shop abc 123",
            "momo:this_merchant_id_is_far_too_long_to_be_real",
            "momo:shop@abc",
            "momo:_shop_abc",
            "momo:0123456789",
        ] {
            assert_eq!(code(input), ErrorCode::InvalidEwallet, "{input}");
        }
        assert!(Ewallet::parse("momo:0912 345").unwrap_err().message.contains("phone"));
        let long = format!("momo {}", "9".repeat(100_000));
        assert_eq!(code(&long), ErrorCode::InvalidEwallet);
        let long_words = "momo ".repeat(10_000);
        let _ = Ewallet::parse(&long_words);
    }
}
