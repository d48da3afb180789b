//! Who a message says it is from. Registered brand names and short codes go through the carriers' sender
//! registry; a personal number can be anyone, which is why a "bank" writing from one is a red flag.

use canhgiac_core::identifier::PhoneNumber;

/// The kinds of sender the model weighs, in a fixed order.
pub const SENDER_KINDS: &[&str] = &["brandname", "shortcode", "personal_number", "unknown"];

/// How much the kind of sender moves a message's log-odds of being a scam. Set from facts rather than learned,
/// because the corpus's senders are written by the project: in Vietnam a brand name or short code must be
/// registered with the carriers before it can send (Decree 91/2020/ND-CP), so most scams come from personal
/// numbers, and brand names are spoofed only by fake base stations. Checked, not fitted, on real SMS
/// (docs/analyzer.md).
pub const SENDER_LOG_ODDS: &[(&str, f32)] =
    &[("brandname", -1.2), ("shortcode", -1.5), ("personal_number", 1.2), ("unknown", 0.0)];

/// `brandname` (`Vietcombank`, `VIETTEL`), `shortcode` (`9029`, `1900 1234`), `personal_number` (a phone number
/// of ten or more digits), or `unknown` (none given, an e-mail address, a chat name).
pub fn sender_kind(sender: Option<&str>) -> &'static str {
    let Some(sender) = sender.map(str::trim).filter(|s| !s.is_empty()) else { return "unknown" };
    // A number written with some digits hidden (`0912xxx345`) is still a number.
    let number_like = sender.chars().all(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '+' | ' ' | '.' | '-'))
        && sender.chars().filter(char::is_ascii_digit).count() >= 3;
    if number_like {
        let length = sender.chars().filter(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X')).count();
        return if length <= 8 { "shortcode" } else { "personal_number" };
    }
    let digits = sender.chars().filter(char::is_ascii_digit).count();
    let letters = sender.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 && digits > 0 {
        if digits <= 8 {
            return "shortcode";
        }
        return if PhoneNumber::parse(sender).is_ok() || digits >= 9 { "personal_number" } else { "unknown" };
    }
    if sender.contains('@') || sender.contains(' ') && letters > 12 {
        return "unknown";
    }
    if letters > 0 && sender.chars().count() <= 16 {
        return "brandname";
    }
    "unknown"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_told_apart() {
        assert_eq!(sender_kind(Some("Vietcombank")), "brandname");
        assert_eq!(sender_kind(Some("VIETTEL")), "brandname");
        assert_eq!(sender_kind(Some("9029")), "shortcode");
        assert_eq!(sender_kind(Some("0912345678")), "personal_number");
        assert_eq!(sender_kind(Some("+84 912 345 678")), "personal_number");
        assert_eq!(sender_kind(Some("0912xxx345")), "personal_number");
        assert_eq!(sender_kind(Some("09xx xxx 214")), "personal_number");
        assert_eq!(sender_kind(Some("Xbox")), "brandname");
        assert_eq!(sender_kind(Some("")), "unknown");
        assert_eq!(sender_kind(None), "unknown");
        assert_eq!(sender_kind(Some("someone@example.com")), "unknown");
    }
}
