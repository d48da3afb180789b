//! Guesses the kind of one value typed into a search box: a phone number, an account, a link, a
//! whole VietQR payload, ...

use super::bank::CardNumber;
use super::{
    BankAccount, CryptoAddress, Domain, Email, Ewallet, Identifier, IdentifierKind, IpAddress, PhoneNumber,
    SocialAccount, Url, VietQr, extract, guard_length,
};
use crate::error::{Error, ErrorCode, Result};
use crate::text;

/// Canonical prefixes and the kind they announce.
const PREFIXES: &[(&str, IdentifierKind)] = &[
    ("bank:", IdentifierKind::BankAccount),
    ("card:", IdentifierKind::Card),
    ("short:", IdentifierKind::Phone),
    ("tel:", IdentifierKind::Phone),
    ("mailto:", IdentifierKind::Email),
    ("btc:", IdentifierKind::Crypto),
    ("bitcoin:", IdentifierKind::Crypto),
    ("eth:", IdentifierKind::Crypto),
    ("ethereum:", IdentifierKind::Crypto),
    ("tron:", IdentifierKind::Crypto),
    ("trx:", IdentifierKind::Crypto),
    ("momo:", IdentifierKind::Ewallet),
    ("zalopay:", IdentifierKind::Ewallet),
    ("viettelmoney:", IdentifierKind::Ewallet),
    ("vnpay:", IdentifierKind::Ewallet),
    ("shopeepay:", IdentifierKind::Ewallet),
    ("vnptmoney:", IdentifierKind::Ewallet),
    ("facebook:", IdentifierKind::Social),
    ("fb:", IdentifierKind::Social),
    ("zalo:", IdentifierKind::Social),
    ("telegram:", IdentifierKind::Social),
    ("tg:", IdentifierKind::Social),
    ("tiktok:", IdentifierKind::Social),
    ("instagram:", IdentifierKind::Social),
    ("youtube:", IdentifierKind::Social),
    ("x:", IdentifierKind::Social),
    ("twitter:", IdentifierKind::Social),
    ("vietqr:", IdentifierKind::Vietqr),
];

/// Guesses the kind of `input` and parses it strictly as that kind.
pub fn detect(input: &str) -> Result<Identifier> {
    let input = guard_length(input)?;
    let cleaned = text::clean_cow(input);
    let lower = cleaned.to_ascii_lowercase();

    if lower.starts_with("000201") {
        return VietQr::parse(&cleaned).map(|qr| Identifier::Vietqr(Box::new(qr)));
    }
    if let Some(&(_, kind)) = PREFIXES.iter().find(|(prefix, _)| lower.starts_with(prefix)) {
        return kind.parse(&cleaned);
    }
    let is_link = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("hxxp")
        || lower.starts_with("www.");
    if is_link {
        if let Ok(social) = SocialAccount::parse(&cleaned) {
            return Ok(Identifier::Social(social));
        }
        return Url::parse(&cleaned).map(Identifier::Url);
    }
    if cleaned.starts_with('@') {
        return SocialAccount::parse(&cleaned).map(Identifier::Social);
    }
    // Defanged forms (`[at]`, `[.]`) are rare: looked for only when there is a bracket.
    let bracketed = lower.bytes().any(|b| b == b'[' || b == b'(');
    if cleaned.contains('@') || (bracketed && (lower.contains("[at]") || lower.contains("(at)"))) {
        return Email::parse(&cleaned).map(Identifier::Email);
    }
    // `sn99.cc:100`, `103.45.6.7:8080`: a link without its scheme (and, for an IP address, no phone number).
    if super::url::is_host_and_port(&cleaned)
        && !cleaned.contains(char::is_whitespace)
        && let Ok(url) = Url::parse(&cleaned)
    {
        return Ok(Identifier::Url(url));
    }
    if super::crypto::may_be_address(&cleaned)
        && let Ok(crypto) = CryptoAddress::parse(&cleaned)
    {
        return Ok(Identifier::Crypto(crypto));
    }

    let (digit_count, letter_count) = if cleaned.is_ascii() {
        let bytes = cleaned.as_bytes();
        (bytes.iter().filter(|b| b.is_ascii_digit()).count(), bytes.iter().filter(|b| b.is_ascii_alphabetic()).count())
    } else {
        let digits = cleaned.chars().filter(|&c| text::digit_value(c).is_some()).count();
        (digits, cleaned.chars().filter(|c| c.is_alphabetic()).count())
    };
    if digit_count > 0 && letter_count == 0 {
        return detect_number(&cleaned);
    }
    if digit_count >= 6 {
        // Digits with words: "0011004123456 VCB", "MoMo 0912345678", "Zalo 0912 345 678".
        if let Ok(wallet) = Ewallet::parse(&cleaned) {
            return Ok(Identifier::Ewallet(wallet));
        }
        if let Ok(account) = BankAccount::parse(&cleaned) {
            return Ok(Identifier::BankAccount(account));
        }
        if let Ok(social) = SocialAccount::parse(&cleaned) {
            return Ok(Identifier::Social(social));
        }
    }
    if let Ok(social) = SocialAccount::parse(&cleaned) {
        return Ok(Identifier::Social(social));
    }
    // An address is hex digits, dots, colons and `x` (or defanged with brackets): other text is not tried.
    let may_be_ip = bracketed
        || lower.contains('{')
        || lower.bytes().all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'x'));
    if may_be_ip && let Ok(ip) = IpAddress::parse(&cleaned) {
        return Ok(Identifier::Ip(ip));
    }
    if !cleaned.contains(char::is_whitespace)
        && (cleaned.contains('.') || (bracketed && (lower.contains("[.]") || lower.contains("(.)"))))
    {
        if cleaned.contains('/') || cleaned.contains('?') {
            return Url::parse(&cleaned).map(Identifier::Url);
        }
        return Domain::parse(&cleaned).map(Identifier::Domain);
    }
    // A longer text: if it holds exactly one identifier, that is what was meant.
    let mut found = extract(&cleaned);
    if found.len() == 1 {
        return Ok(found.remove(0).identifier);
    }
    Err(Error::new(
        ErrorCode::UnknownKind,
        "could not tell what kind of contact this is: enter one phone number, bank account with its bank, link, e-mail, social account, crypto address or VietQR code",
    )
    .with_field("value"))
}

fn detect_number(cleaned: &str) -> Result<Identifier> {
    let digits: String = if cleaned.is_ascii() {
        cleaned.bytes().filter(u8::is_ascii_digit).map(char::from).collect()
    } else {
        cleaned.chars().filter_map(text::digit_value).map(|d| (b'0' + d) as char).collect()
    };
    let dotted_quad = cleaned.bytes().filter(|&b| b == b'.').count() == 3
        && cleaned.split('.').all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if dotted_quad {
        return IpAddress::parse(cleaned).map(Identifier::Ip);
    }
    if (16..=19).contains(&digits.len()) && text::luhn_valid(&digits) && CardNumber::network_of(&digits).is_some() {
        return CardNumber::parse(cleaned).map(Identifier::Card);
    }
    // Vietcombank accounts start with 00, like international dialling: without a `+` or 0084, a long
    // 00-number is far more likely an account.
    let looks_like_account =
        digits.len() > 11 && !cleaned.starts_with('+') && (digits.starts_with("00") && !digits.starts_with("0084"));
    if !looks_like_account {
        match PhoneNumber::parse(cleaned) {
            Ok(phone) => return Ok(Identifier::Phone(phone)),
            Err(error) if digits.len() <= 11 || cleaned.starts_with('+') => return Err(error.with_field("value")),
            Err(_) => {}
        }
    }
    Err(Error::new(
        ErrorCode::UnknownBank,
        "this looks like a bank account number: add the bank's name, e.g. `0011004123456 Vietcombank`",
    )
    .with_field("value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_and_canonical(value: &str) -> (IdentifierKind, String) {
        let identifier = detect(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        (identifier.kind(), identifier.canonical())
    }

    #[test]
    fn detects_numbers() {
        assert_eq!(kind_and_canonical("0912.345.678"), (IdentifierKind::Phone, "+84912345678".into()));
        assert_eq!(kind_and_canonical("+84 912 345 678"), (IdentifierKind::Phone, "+84912345678".into()));
        assert_eq!(kind_and_canonical("5656"), (IdentifierKind::Phone, "short:5656".into()));
        assert_eq!(kind_and_canonical("4111 1111 1111 1111"), (IdentifierKind::Card, "card:411111******1111".into()));
        assert_eq!(
            kind_and_canonical("0011004123456 VCB"),
            (IdentifierKind::BankAccount, "bank:970436:0011004123456".into())
        );
        assert_eq!(
            kind_and_canonical("bank:970436:0011004123456"),
            (IdentifierKind::BankAccount, "bank:970436:0011004123456".into())
        );
        assert_eq!(detect("0011004123456").unwrap_err().code, ErrorCode::UnknownBank);
        assert_eq!(detect("").unwrap_err().code, ErrorCode::EmptyInput);
        assert_eq!(detect("xin chào các bạn").unwrap_err().code, ErrorCode::UnknownKind);
    }

    #[test]
    fn a_host_and_port_is_a_link() {
        // The Safe Browsing canonical form drops the port.
        assert_eq!(kind_and_canonical("sn99.cc:100"), (IdentifierKind::Url, "http://sn99.cc/".into()));
        assert_eq!(kind_and_canonical("103.45.6.7:8080"), (IdentifierKind::Url, "http://103.45.6.7/".into()));
        assert_eq!(kind_and_canonical("VCB-Xacminh.TOP:8443"), (IdentifierKind::Url, "http://vcb-xacminh.top/".into()));
        // Not a host: a time, a phone number with a stray colon, a port too large.
        assert_ne!(detect("10.30:45").map(|i| i.kind()).ok(), Some(IdentifierKind::Url));
        assert_ne!(detect("0912.345.678:1").map(|i| i.kind()).ok(), Some(IdentifierKind::Url));
        assert!(detect("sn99.cc:99999999").is_err());
    }
}
