//! Numbers, money and dates as Vietnamese readers write them: `1.250.000 ₫`, `20/11/2026`, in Vietnam's time
//! (UTC+7 all year), whatever the page's language.

use jiff::Timestamp;
use jiff::tz::Offset;

/// `1250000` → `1.250.000`.
pub fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// `1250000` → `1.250.000 ₫` (a no-break space before the sign, so it never wraps alone).
pub fn money(vnd: u64) -> String {
    format!("{}\u{a0}₫", grouped(vnd))
}

/// Milliseconds since the epoch written with `pattern` (strftime) in Vietnam's time, UTC+7 all year; empty for
/// an instant out of range.
fn in_vietnam(millis: i64, pattern: &str) -> String {
    match Timestamp::from_millisecond(millis) {
        Ok(at) => Offset::constant(7).to_datetime(at).strftime(pattern).to_string(),
        Err(_) => String::new(),
    }
}

/// Milliseconds since the epoch → `20/11/2026` in Vietnam's time.
pub fn date(millis: i64) -> String {
    in_vietnam(millis, "%d/%m/%Y")
}

/// Milliseconds since the epoch → `09:30 20/11/2026` in Vietnam's time.
pub fn date_time(millis: i64) -> String {
    in_vietnam(millis, "%H:%M %d/%m/%Y")
}

/// Today's date in Vietnam (what "hôm nay" means to a reporter).
pub fn today_in_vietnam(now_millis: i64) -> jiff::civil::Date {
    let at = Timestamp::from_millisecond(now_millis).unwrap_or(Timestamp::UNIX_EPOCH);
    Offset::constant(7).to_datetime(at).date()
}

/// The `YYYY-MM-DD` of today in Vietnam: the latest date the report form accepts.
pub fn today_iso(now_millis: i64) -> String {
    in_vietnam(now_millis, "%Y-%m-%d")
}

/// A probability 0..1 → `87 %` (Vietnamese and English both write a space here in this portal).
pub fn percent(probability: f32) -> String {
    format!("{}\u{a0}%", (probability.clamp(0.0, 1.0) * 100.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_with_dots() {
        assert_eq!(money(1_250_000), "1.250.000\u{a0}₫");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1.000");
        assert_eq!(grouped(12_345_678_901), "12.345.678.901");
    }

    #[test]
    fn dates_are_in_vietnam_time() {
        // 2026-11-19T20:30:00Z is 03:30 on the 20th in Hà Nội.
        let at = 1_795_120_200_000;
        assert_eq!(date(at), "20/11/2026");
        assert_eq!(date_time(at), "03:30 20/11/2026");
        assert_eq!(today_iso(at), "2026-11-20");
        assert_eq!(percent(0.873), "87\u{a0}%");
    }
}
