//! A transfer to screen: what a bank sends (`TransferRequest`, strict JSON) and what the engine works on
//! (`Transfer`: both accounts canonical, the time in milliseconds, every field checked).

use canhgiac_core::identifier::{BankAccount, bank_by_bin, bank_by_name};
use canhgiac_core::report::MAX_AMOUNT_VND;
use canhgiac_core::text::one_line_at_most;
use canhgiac_core::text::shorten_for_message;
use canhgiac_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// How the payer made the transfer. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferChannel {
    Mobile,
    Internet,
    Counter,
    Atm,
    Qr,
}

impl TransferChannel {
    pub const ALL: &'static [TransferChannel] = &[
        TransferChannel::Mobile,
        TransferChannel::Internet,
        TransferChannel::Counter,
        TransferChannel::Atm,
        TransferChannel::Qr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferChannel::Mobile => "mobile",
            TransferChannel::Internet => "internet",
            TransferChannel::Counter => "counter",
            TransferChannel::Atm => "atm",
            TransferChannel::Qr => "qr",
        }
    }

    /// The channel's number in rules' signals (its position, from 1; 0 is "not given").
    pub fn position(self) -> usize {
        TransferChannel::ALL.iter().position(|c| *c == self).unwrap_or_default() + 1
    }

    pub fn parse(text: &str) -> Result<TransferChannel, Error> {
        let wanted = text.trim().to_ascii_lowercase();
        TransferChannel::ALL.iter().copied().find(|c| c.as_str() == wanted).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidValue,
                format!(
                    "unknown channel '{}': expected one of mobile, internet, counter, atm, qr",
                    shorten_for_message(text)
                ),
            )
            .with_field("channel")
        })
    }
}

/// A time as banks send it: Unix seconds, or ISO 8601 text (with an offset; without one it is Vietnam's time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a time as Unix seconds or ISO 8601 text (\"2026-11-30T10:15:00+07:00\")")]
pub enum TimeValue {
    Seconds(i64),
    Text(String),
}

/// The payer as the bank describes its own customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerRequest {
    pub bank: String,
    pub account: String,
    /// When the payer became the bank's customer (a date is enough).
    #[serde(default)]
    pub customer_since: Option<TimeValue>,
    #[serde(default)]
    pub new_device: Option<bool>,
    #[serde(default)]
    pub biometric_passed: Option<bool>,
}

/// The payee as the payee's bank reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayeeRequest {
    pub bank: String,
    pub account: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /v1/screen/transfer`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The bank's own id of the transfer: screening it again answers the first decision.
    pub transfer_id: String,
    pub time: TimeValue,
    /// In đồng.
    pub amount: u64,
    #[serde(default)]
    pub channel: Option<String>,
    pub payer: PayerRequest,
    pub payee: PayeeRequest,
    /// Nội dung chuyển khoản.
    #[serde(default)]
    pub remark: Option<String>,
    /// What the payer said the transfer is for, when the bank's app asks.
    #[serde(default)]
    pub declared_purpose: Option<String>,
}

/// A checked transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: String,
    /// Unix milliseconds.
    pub at: i64,
    pub amount: u64,
    pub channel: Option<TransferChannel>,
    /// `bank:<BIN>:<account>`.
    pub payer: String,
    pub payer_customer_since: Option<i64>,
    pub payer_new_device: Option<bool>,
    pub payer_biometric_passed: Option<bool>,
    pub payee: String,
    pub payee_bin: String,
    pub payee_name: Option<String>,
    pub remark: String,
    pub declared_purpose: String,
}

pub const MAX_TRANSFER_ID_CHARS: usize = 64;
pub const MAX_REMARK_CHARS: usize = 500;
pub const MAX_NAME_CHARS: usize = 200;
/// Vietnam's offset from UTC, in seconds (no daylight saving).
pub const VIETNAM_OFFSET_SECONDS: i64 = 7 * 3600;

fn invalid(message: impl Into<String>, field: &str) -> Error {
    Error::new(ErrorCode::InvalidValue, message).with_field(field)
}

/// Parses a time: Unix seconds (as a number or digits), RFC 3339 text, or a date and time (or a date) in
/// Vietnam's time. Returns Unix milliseconds.
pub fn parse_time(value: &TimeValue, field: &str) -> Result<i64, Error> {
    let seconds_to_ms = |seconds: i64| -> Result<i64, Error> {
        // 1990 to 2100: a wrong unit (milliseconds sent as seconds) is an error, not a date in year 50,000.
        if !(631_152_000..=4_102_444_800).contains(&seconds) {
            return Err(invalid("a time in Unix seconds must fall between 1990 and 2100", field));
        }
        Ok(seconds * 1000)
    };
    let text = match value {
        TimeValue::Seconds(seconds) => return seconds_to_ms(*seconds),
        TimeValue::Text(text) => text.trim(),
    };
    if text.is_empty() {
        return Err(Error::new(ErrorCode::MissingField, "the time is empty").with_field(field));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && text.len() <= 12 {
        return seconds_to_ms(text.parse().map_err(|_| invalid("the time is not a number", field))?);
    }
    let refused = || {
        invalid(
            format!(
                "'{}' is not a time: use ISO 8601 (2026-11-30T09:15:00+07:00, or without an offset for Vietnam's time) \
                 or Unix seconds",
                shorten_for_message(text)
            ),
            field,
        )
    };
    let vietnam = jiff::tz::offset(7);
    let milliseconds = if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        timestamp.as_millisecond()
    } else if let Ok(local) = text.parse::<jiff::civil::DateTime>() {
        vietnam.to_timestamp(local).map_err(|_| refused())?.as_millisecond()
    } else if let Ok(date) = text.parse::<jiff::civil::Date>() {
        vietnam.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).map_err(|_| refused())?.as_millisecond()
    } else {
        return Err(refused());
    };
    seconds_to_ms(milliseconds.div_euclid(1000)).map(|_| milliseconds)
}

/// Resolves a bank named any way people name it (VCB, Vietcombank, 970436) and an account into the
/// canonical account and the bank's BIN.
pub fn canonical_account(bank: &str, account: &str, field: &str) -> Result<(String, String), Error> {
    let bank = bank.trim();
    if bank.is_empty() {
        return Err(Error::new(ErrorCode::MissingField, "name the bank").with_field(format!("{field}.bank")));
    }
    let bin = if bank.len() == 6 && bank.bytes().all(|b| b.is_ascii_digit()) {
        // A well-formed BIN the bank list does not know yet is kept: the list may lag behind NAPAS.
        bank_by_bin(bank).map_or(bank, |b| b.bin).to_string()
    } else {
        match bank_by_name(bank) {
            Some(found) => found.bin.to_string(),
            None => {
                return Err(Error::new(
                    ErrorCode::UnknownBank,
                    format!(
                        "the bank '{}' is not one we know: use its NAPAS BIN or short name (VCB, BIDV, MB...)",
                        shorten_for_message(bank)
                    ),
                )
                .with_field(format!("{field}.bank")));
            }
        }
    };
    if account.trim().is_empty() {
        return Err(
            Error::new(ErrorCode::MissingField, "the account number is empty").with_field(format!("{field}.account"))
        );
    }
    let parsed = BankAccount::from_parts(&bin, account.trim()).map_err(|e| e.with_field(format!("{field}.account")))?;
    Ok((parsed.canonical().to_string(), bin))
}

/// A transfer's optional text (a remark, a name), read as a reported transfer's remark is ([`one_line_at_most`]).
fn bounded_text(value: Option<&str>, max: usize, field: &str) -> Result<String, Error> {
    one_line_at_most(value.unwrap_or_default(), max, field)
}

/// Checks a transfer id: 1-64 printable ASCII characters without spaces.
pub fn check_transfer_id(id: &str) -> Result<String, Error> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::new(ErrorCode::MissingField, "the transfer id is empty").with_field("transfer_id"));
    }
    if id.chars().count() > MAX_TRANSFER_ID_CHARS {
        return Err(Error::new(
            ErrorCode::InputTooLong,
            format!("a transfer id has at most {MAX_TRANSFER_ID_CHARS} characters"),
        )
        .with_field("transfer_id"));
    }
    if !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid("a transfer id holds printable ASCII characters without spaces", "transfer_id"));
    }
    Ok(id.to_string())
}

/// Checks an amount in đồng.
pub fn check_amount(amount: u64) -> Result<u64, Error> {
    // The platform's one ceiling on an amount, as for reported losses and transfers.
    if amount == 0 || amount > MAX_AMOUNT_VND {
        return Err(invalid(format!("an amount is 1 to {MAX_AMOUNT_VND} đồng"), "amount"));
    }
    Ok(amount)
}

impl TransferRequest {
    /// Checks every field; the first problem is the error, with its field (`payee.account`, `time`...).
    pub fn validate(&self) -> Result<Transfer, Error> {
        let id = check_transfer_id(&self.transfer_id)?;
        let at = parse_time(&self.time, "time")?;
        let amount = check_amount(self.amount)?;
        let channel = match self.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(channel) => Some(TransferChannel::parse(channel)?),
            None => None,
        };
        let (payer, _) = canonical_account(&self.payer.bank, &self.payer.account, "payer")?;
        let (payee, payee_bin) = canonical_account(&self.payee.bank, &self.payee.account, "payee")?;
        // Blank counts as absent, as for every optional field.
        let payer_customer_since = match &self.payer.customer_since {
            Some(TimeValue::Text(text)) if text.trim().is_empty() => None,
            since => since.as_ref().map(|since| parse_time(since, "payer.customer_since")).transpose()?,
        };
        let payee_name = Some(bounded_text(self.payee.name.as_deref(), MAX_NAME_CHARS, "payee.name")?)
            .filter(|name| !name.is_empty());
        Ok(Transfer {
            id,
            at,
            amount,
            channel,
            payer,
            payer_customer_since,
            payer_new_device: self.payer.new_device,
            payer_biometric_passed: self.payer.biometric_passed,
            payee,
            payee_bin,
            payee_name,
            remark: bounded_text(self.remark.as_deref(), MAX_REMARK_CHARS, "remark")?,
            declared_purpose: bounded_text(self.declared_purpose.as_deref(), MAX_REMARK_CHARS, "declared_purpose")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> TransferRequest {
        serde_json::from_value(serde_json::json!({
            "transfer_id": "FT26334-0001",
            "time": "2026-11-30T09:15:00+07:00",
            "amount": 9_500_000u64,
            "channel": "mobile",
            "payer": {"bank": "VCB", "account": "0011004123456", "customer_since": "2019-05-01", "new_device": true},
            "payee": {"bank": "970422", "account": "0912 345 678", "name": "NGUYEN VAN A"},
            "remark": "phi xac minh ho so"
        }))
        .unwrap()
    }

    #[test]
    fn a_transfer_is_made_canonical() {
        let transfer = request().validate().unwrap();
        assert_eq!(transfer.payer, "bank:970436:0011004123456");
        assert_eq!(transfer.payee, "bank:970422:0912345678");
        assert_eq!(transfer.payee_bin, "970422");
        assert_eq!(transfer.at, 1_796_004_900_000);
        assert_eq!(transfer.channel, Some(TransferChannel::Mobile));
        assert_eq!(transfer.payer_customer_since, Some(1_556_643_600_000));
        assert_eq!(transfer.payer_new_device, Some(true));
        // Decomposed letters are recomposed and whitespace collapsed, as in a reported transfer's remark.
        let mut decomposed = request();
        decomposed.remark = Some("phi\u{301}  xa\u{301}c\tminh\n".into());
        assert_eq!(decomposed.validate().unwrap().remark, "phí xác minh");
        let mut blank_since = request();
        blank_since.payer.customer_since = Some(TimeValue::Text(" ".into()));
        assert_eq!(blank_since.validate().unwrap().payer_customer_since, None);
    }

    #[test]
    fn times_are_read_in_every_accepted_form() {
        let ms = |v: TimeValue| parse_time(&v, "time").unwrap();
        assert_eq!(ms(TimeValue::Seconds(1_796_004_900)), 1_796_004_900_000);
        assert_eq!(ms(TimeValue::Text("1796004900".into())), 1_796_004_900_000);
        assert_eq!(ms(TimeValue::Text("2026-11-30T02:15:00Z".into())), 1_796_004_900_000);
        assert_eq!(ms(TimeValue::Text("2026-11-30T09:15:00".into())), 1_796_004_900_000);
        assert_eq!(ms(TimeValue::Text("2026-11-30 09:15:00".into())), 1_796_004_900_000);
        for wrong in ["", "yesterday", "2026-13-01", "1796004900000"] {
            let error = parse_time(&TimeValue::Text(wrong.into()), "time").unwrap_err();
            assert_eq!(error.field.as_deref(), Some("time"), "{wrong}");
        }
        assert!(parse_time(&TimeValue::Seconds(1_796_004_900_000), "time").is_err(), "milliseconds are not seconds");
    }

    #[test]
    fn bad_fields_are_named() {
        type Change = Box<dyn Fn(&mut TransferRequest)>;
        let cases: Vec<(Change, ErrorCode, &str)> = vec![
            (Box::new(|r| r.transfer_id = " ".into()), ErrorCode::MissingField, "transfer_id"),
            (Box::new(|r| r.transfer_id = "a b".into()), ErrorCode::InvalidValue, "transfer_id"),
            (Box::new(|r| r.transfer_id = "x".repeat(65)), ErrorCode::InputTooLong, "transfer_id"),
            (Box::new(|r| r.amount = 0), ErrorCode::InvalidValue, "amount"),
            (Box::new(|r| r.channel = Some("fax".into())), ErrorCode::InvalidValue, "channel"),
            (Box::new(|r| r.payer.bank = "Ngân hàng Mặt Trăng".into()), ErrorCode::UnknownBank, "payer.bank"),
            (Box::new(|r| r.payee.account = "12".into()), ErrorCode::InvalidBankAccount, "payee.account"),
            (Box::new(|r| r.payee.account = "".into()), ErrorCode::MissingField, "payee.account"),
            (Box::new(|r| r.remark = Some("x".repeat(501))), ErrorCode::InputTooLong, "remark"),
            (Box::new(|r| r.remark = Some("phi\u{1b}[2Jxac minh".into())), ErrorCode::InvalidValue, "remark"),
            (Box::new(|r| r.declared_purpose = Some("\u{0}".into())), ErrorCode::InvalidValue, "declared_purpose"),
            (Box::new(|r| r.payee.name = Some("NGUYEN\u{7f}".into())), ErrorCode::InvalidValue, "payee.name"),
            (
                Box::new(|r| r.payer.customer_since = Some(TimeValue::Text("soon".into()))),
                ErrorCode::InvalidValue,
                "payer.customer_since",
            ),
        ];
        for (change, code, field) in cases {
            let mut request = request();
            change(&mut request);
            let error = request.validate().unwrap_err();
            assert_eq!((error.code, error.field.as_deref()), (code, Some(field)), "{error:?}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut value = serde_json::to_value(request()).unwrap();
        value["payee"]["nickname"] = "x".into();
        assert!(serde_json::from_value::<TransferRequest>(value).is_err());
    }
}
