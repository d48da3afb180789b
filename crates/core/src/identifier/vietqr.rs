//! VietQR: the EMVCo merchant-presented QR payload in the NAPAS profile, and the other Vietnamese
//! providers that use the same TLV format (VNPAY-QR, ShopeePay, ...).
//!
//! The payload is a sequence of fields `TTLLvalue`: a 2-digit tag, a 2-digit decimal length counted
//! in characters (payloads can hold Vietnamese text), and the value. Tag 63 is a CRC-16/CCITT-FALSE
//! over everything before its value.
//!
//! A QR is keyed by who it pays: a NAPAS VietQR's canonical form is the bank account it pays
//! (`bank:<BIN>:<ACCOUNT>`), another provider's is `vietqr:<guid>:<merchant id>`, and a payload with
//! no merchant account template is keyed by the payload itself, `vietqr:<payload>`. Two `VietQr`
//! values are equal when their canonical forms are, so the amount, message and the rest of the
//! payload are details, not identity. A QR that pays a card (service QRIBFTTC) is keyed by the card,
//! masked (`card:970436******1234`), and its payload is kept with the card number masked: card
//! numbers are never kept whole.

use super::bank::{BankAccount, CardNumber, bank_by_bin};
use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};

/// Longest payload we look at. EMVCo caps a payload at 512 characters; we allow some slack.
const MAX_PAYLOAD_CHARS: usize = 1024;
/// The NAPAS (VietQR) application identifier in tag 38 sub-tag 00.
const NAPAS_GUID: &str = "A000000727";
const VNPAY_GUID: &str = "A000000775";
const SHOPEEPAY_GUID: &str = "vn.airpay.www";
/// NAPAS service codes in tag 38 sub-tag 02: transfer to an account or to a card.
const SERVICE_ACCOUNT: &str = "QRIBFTTA";
const SERVICE_CARD: &str = "QRIBFTTC";
const CURRENCY_VND: &str = "704";
const CANONICAL_PREFIX: &str = "vietqr:";
const BANK_PREFIX: &str = "bank:";
/// Every payload starts with tag 00 (payload format indicator), length 02, value 01.
const PAYLOAD_START: &str = "000201";

/// Who operates the merchant account a QR pays into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Provider {
    Napas,
    Vnpay,
    Shopeepay,
    Other,
}

impl Provider {
    fn from_guid(guid: &str) -> Self {
        if guid.eq_ignore_ascii_case(NAPAS_GUID) {
            Provider::Napas
        } else if guid.eq_ignore_ascii_case(VNPAY_GUID) {
            Provider::Vnpay
        } else if guid.eq_ignore_ascii_case(SHOPEEPAY_GUID) {
            Provider::Shopeepay
        } else {
            Provider::Other
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Provider::Napas => "napas",
            Provider::Vnpay => "vnpay",
            Provider::Shopeepay => "shopeepay",
            Provider::Other => "other",
        }
    }
}

/// A parsed, CRC-checked EMVCo QR payload.
#[derive(Debug, Clone)]
pub struct VietQr {
    canonical: String,
    /// The payload as given (cleaned and trimmed): the display form.
    payload: String,
    provider: Provider,
    guid: Option<String>,
    account: Option<BankAccount>,
    /// The card a NAPAS card-transfer QR pays, masked.
    card: Option<CardNumber>,
    /// The acquirer BIN of a NAPAS VietQR (tag 38.01.00).
    bank_bin: Option<String>,
    /// The merchant id of a non-NAPAS provider (sub-tag 01 of its template).
    merchant_id: Option<String>,
    service: Option<&'static str>,
    point_of_initiation: Option<String>,
    amount: Option<u64>,
    currency: Option<String>,
    country: Option<String>,
    merchant_name: Option<String>,
    city: Option<String>,
    bill_number: Option<String>,
    store_label: Option<String>,
    reference_label: Option<String>,
    terminal_label: Option<String>,
    message: Option<String>,
}

// Identity is the canonical form: `parse(canonical(x)) == x` must hold although the canonical form
// drops the amount and message.
impl PartialEq for VietQr {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl Eq for VietQr {}

impl Hash for VietQr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical.hash(state);
    }
}

impl VietQr {
    /// Parses an EMVCo QR payload (as decoded from the image), or a canonical form
    /// (`bank:<BIN>:<ACCOUNT>`, `vietqr:<guid>:<merchant id>`, `vietqr:<payload>`).
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = text::clean(input);
        if cleaned.is_empty() {
            return Err(invalid("the QR payload is empty"));
        }
        if cleaned.chars().nth(MAX_PAYLOAD_CHARS).is_some() {
            return Err(invalid(format!("a QR payload is at most {MAX_PAYLOAD_CHARS} characters")));
        }
        if let Some(rest) = text::strip_prefix_ignore_case(&cleaned, BANK_PREFIX) {
            return Self::from_bank_canonical(&cleaned, rest);
        }
        if text::strip_prefix_ignore_case(&cleaned, "card:").is_some() {
            // A card QR's canonical form: the static QR that pays this (masked) card.
            let card = CardNumber::parse(&cleaned).map_err(|e| invalid(format!("not a VietQR card: {}", e.message)))?;
            let masked = &card.canonical()["card:".len()..];
            return Self::parse_payload(&encode_napas_service(&masked[..6], masked, SERVICE_CARD, None, None));
        }
        if let Some(rest) = text::strip_prefix_ignore_case(&cleaned, CANONICAL_PREFIX) {
            return Self::from_vietqr_canonical(rest.trim());
        }
        Self::parse_payload(&cleaned)
    }

    /// `bank:<BIN>:<ACCOUNT>` for NAPAS, `vietqr:<guid lowercase>:<merchant id>` for other providers,
    /// `vietqr:<payload>` when the payload names no merchant account.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The payload itself.
    pub fn display(&self) -> String {
        self.payload.clone()
    }

    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The bank account a NAPAS VietQR pays.
    pub fn account(&self) -> Option<&BankAccount> {
        self.account.as_ref()
    }

    /// The amount (tag 54) in VND.
    pub fn amount(&self) -> Option<u64> {
        self.amount
    }

    /// The transfer message (tag 62 sub-tag 08, purpose of transaction).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Point of initiation 12: a QR made for one payment, usually with an amount.
    pub fn is_dynamic(&self) -> bool {
        self.point_of_initiation.as_deref() == Some("12")
    }

    /// The raw point-of-initiation code (tag 01): `11` static, `12` dynamic.
    pub fn point_of_initiation(&self) -> Option<&str> {
        self.point_of_initiation.as_deref()
    }

    /// `napas`, `vnpay`, `shopeepay` or `other`.
    pub fn provider(&self) -> &'static str {
        self.provider.as_str()
    }

    /// The globally unique identifier of the merchant account template (`A000000727` for NAPAS).
    pub fn guid(&self) -> Option<&str> {
        self.guid.as_deref()
    }

    /// The merchant id of a non-NAPAS provider.
    pub fn merchant_id(&self) -> Option<&str> {
        self.merchant_id.as_deref()
    }

    /// The acquirer BIN of a NAPAS VietQR.
    pub fn bank_bin(&self) -> Option<&str> {
        self.bank_bin.as_deref()
    }

    /// The card a NAPAS card-transfer QR pays, masked.
    pub fn card(&self) -> Option<&CardNumber> {
        self.card.as_ref()
    }

    pub fn merchant_name(&self) -> Option<&str> {
        self.merchant_name.as_deref()
    }

    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        let text = |value: Option<&str>| value.map_or(Value::Null, Value::from);
        map.insert("payload".into(), Value::from(self.payload.as_str()));
        map.insert("provider".into(), Value::from(self.provider.as_str()));
        map.insert("guid".into(), text(self.guid.as_deref()));
        map.insert("bank_bin".into(), text(self.bank_bin()));
        let bank = self.bank_bin().and_then(bank_by_bin);
        map.insert("bank_name".into(), text(bank.map(|b| b.short_name)));
        map.insert("account".into(), text(self.account.as_ref().map(BankAccount::account_number)));
        if let Some(card) = &self.card {
            map.insert("card".into(), Value::from(card.canonical()));
        }
        map.insert("service".into(), text(self.service));
        map.insert("merchant_id".into(), text(self.merchant_id.as_deref()));
        map.insert("amount".into(), self.amount.map_or(Value::Null, Value::from));
        let currency = self.currency.as_deref().map(|c| if c == CURRENCY_VND { "VND" } else { c });
        map.insert("currency".into(), text(currency));
        map.insert("message".into(), text(self.message.as_deref()));
        map.insert("merchant_name".into(), text(self.merchant_name.as_deref()));
        map.insert("city".into(), text(self.city.as_deref()));
        map.insert("country".into(), text(self.country.as_deref()));
        map.insert("bill_number".into(), text(self.bill_number.as_deref()));
        map.insert("store_label".into(), text(self.store_label.as_deref()));
        map.insert("reference_label".into(), text(self.reference_label.as_deref()));
        map.insert("terminal_label".into(), text(self.terminal_label.as_deref()));
        let initiation = match self.point_of_initiation.as_deref() {
            Some("11") => Value::from("static"),
            Some("12") => Value::from("dynamic"),
            _ => Value::Null,
        };
        map.insert("point_of_initiation".into(), initiation);
    }

    /// `bank:<BIN>:<ACCOUNT>`: the static VietQR that pays this account.
    fn from_bank_canonical(whole: &str, rest: &str) -> Result<Self> {
        let account = match rest.split_once(':') {
            Some((bin, account)) => BankAccount::from_parts(bin.trim(), account.trim()),
            None => BankAccount::parse(whole),
        }
        .map_err(|e| invalid(format!("not a VietQR bank account: {}", e.message)))?;
        Self::parse_payload(&encode_napas(account.bin(), account.account_number(), None, None))
    }

    /// `vietqr:<payload>` or `vietqr:<guid>:<merchant id>`.
    fn from_vietqr_canonical(rest: &str) -> Result<Self> {
        if rest.starts_with(PAYLOAD_START) {
            return Self::parse_payload(rest);
        }
        let Some((guid, merchant_id)) = rest.split_once(':') else {
            return Err(invalid("the canonical form is vietqr:<guid>:<merchant id> or vietqr:<payload>"));
        };
        if !is_keyable_guid(guid) || !is_keyable_merchant_id(merchant_id) {
            return Err(invalid("the canonical form is vietqr:<guid>:<merchant id> or vietqr:<payload>"));
        }
        let template = format!("{}{}", tlv("00", guid), tlv("01", merchant_id));
        if template.len() > 99 {
            return Err(invalid("the guid and merchant id do not fit in one merchant account template"));
        }
        let body = format!("{PAYLOAD_START}010211{}5303704{}6304", tlv("26", &template), tlv("58", "VN"));
        Self::parse_payload(&with_crc(body))
    }

    fn parse_payload(payload: &str) -> Result<Self> {
        let fields = parse_tlv(payload, None)?;
        check_envelope(payload, &fields)?;

        let mut qr = VietQr {
            canonical: String::new(),
            payload: payload.to_string(),
            provider: Provider::Other,
            guid: None,
            account: None,
            card: None,
            bank_bin: None,
            merchant_id: None,
            service: None,
            point_of_initiation: None,
            amount: None,
            currency: None,
            country: None,
            merchant_name: None,
            city: None,
            bill_number: None,
            store_label: None,
            reference_label: None,
            terminal_label: None,
            message: None,
        };
        let mut other_template: Option<(String, Option<String>)> = None;
        for field in &fields {
            match field.tag {
                1 => qr.point_of_initiation = non_empty(field.value),
                26..=51 => {
                    let subfields = parse_tlv(field.value, Some(&tag_name(field.tag)))?;
                    let Some(guid) = find(&subfields, 0) else {
                        continue;
                    };
                    if Provider::from_guid(guid) == Provider::Napas {
                        if qr.account.is_none() && qr.card.is_none() {
                            let (beneficiary, service) = parse_napas_template(field.tag, &subfields)?;
                            match beneficiary {
                                Beneficiary::Account(account) => {
                                    qr.bank_bin = Some(account.bin().to_string());
                                    qr.account = Some(account);
                                }
                                Beneficiary::Card { bin, card, written } => {
                                    qr.bank_bin = Some(bin);
                                    if written.bytes().all(|b| b.is_ascii_digit()) {
                                        qr.payload = mask_card_in_payload(&qr.payload, &written, &card);
                                    }
                                    qr.card = Some(card);
                                }
                            }
                            qr.service = service;
                            qr.guid = Some(guid.to_string());
                        }
                    } else if other_template.is_none() {
                        other_template = Some((guid.to_string(), find(&subfields, 1).and_then(non_empty)));
                    }
                }
                53 => qr.currency = non_empty(field.value),
                54 => qr.amount = Some(parse_amount(field.value)?),
                58 => qr.country = non_empty(field.value),
                59 => qr.merchant_name = non_empty(field.value),
                60 => qr.city = non_empty(field.value),
                62 => {
                    let subfields = parse_tlv(field.value, Some("62"))?;
                    qr.bill_number = find(&subfields, 1).and_then(non_empty);
                    qr.store_label = find(&subfields, 3).and_then(non_empty);
                    qr.reference_label = find(&subfields, 5).and_then(non_empty);
                    qr.terminal_label = find(&subfields, 7).and_then(non_empty);
                    qr.message = find(&subfields, 8).and_then(non_empty);
                }
                _ => {}
            }
        }

        qr.canonical = if let Some(account) = &qr.account {
            qr.provider = Provider::Napas;
            account.canonical().to_string()
        } else if let Some(card) = &qr.card {
            qr.provider = Provider::Napas;
            card.canonical().to_string()
        } else if let Some((guid, merchant_id)) = other_template {
            qr.provider = Provider::from_guid(&guid);
            let key = match &merchant_id {
                Some(id) if is_keyable_guid(&guid) && is_keyable_merchant_id(id) => {
                    Some(format!("{CANONICAL_PREFIX}{}:{id}", guid.to_ascii_lowercase()))
                }
                _ => None,
            };
            qr.guid = Some(guid);
            qr.merchant_id = merchant_id;
            key.unwrap_or_else(|| payload_key(payload))
        } else {
            payload_key(payload)
        };
        Ok(qr)
    }
}

/// Builds a valid NAPAS VietQR payload that pays `account` at the bank with `bin`: static without
/// an amount, dynamic with one. The message is normalised the way `parse` cleans input (invisible
/// characters dropped, full-width forms folded) and cut to fit its field; a field longer than the
/// format allows (99 characters) is cut too, so the result always has a valid structure.
pub fn encode_napas(bin: &str, account: &str, amount: Option<u64>, message: Option<&str>) -> String {
    encode_napas_service(bin, account, SERVICE_ACCOUNT, amount, message)
}

fn encode_napas_service(bin: &str, account: &str, service: &str, amount: Option<u64>, message: Option<&str>) -> String {
    let beneficiary = format!("{}{}", tlv("00", bin), tlv("01", account));
    let napas = format!("{}{}{}", tlv("00", NAPAS_GUID), tlv("01", &beneficiary), tlv("02", service));
    let mut body = String::from(PAYLOAD_START);
    body.push_str(if amount.is_some() { "010212" } else { "010211" });
    body.push_str(&tlv("38", &napas));
    body.push_str(&tlv("53", CURRENCY_VND));
    if let Some(amount) = amount {
        body.push_str(&tlv("54", &amount.to_string()));
    }
    body.push_str(&tlv("58", "VN"));
    if let Some(message) = message {
        let message: String =
            message.chars().filter(|&c| !text::is_invisible(c)).map(text::fold_width).take(95).collect();
        if !message.is_empty() {
            body.push_str(&tlv("62", &tlv("08", &message)));
        }
    }
    body.push_str("6304");
    with_crc(body)
}

/// One `TTLLvalue` field; the value is cut to 99 characters, the most a 2-digit length can say.
fn tlv(tag: &str, value: &str) -> String {
    let value: String = value.chars().take(99).collect();
    format!("{tag}{:02}{value}", value.chars().count())
}

fn with_crc(mut body_through_6304: String) -> String {
    let crc = crc16_ccitt_false(body_through_6304.as_bytes());
    body_through_6304.push_str(&format!("{crc:04X}"));
    body_through_6304
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

struct Field<'a> {
    tag: u8,
    value: &'a str,
}

/// Splits `data` into TLV fields. `parent` names the enclosing template in errors (`38`, `38.01`).
/// Linear in the input: each value is walked once to find where its characters end.
fn parse_tlv<'a>(data: &'a str, parent: Option<&str>) -> Result<Vec<Field<'a>>> {
    let name = |tag: &str| match parent {
        Some(parent) => format!("tag {parent}.{tag}"),
        None => format!("tag {tag}"),
    };
    let mut fields = Vec::new();
    let mut rest = data;
    let mut position = 0usize;
    while !rest.is_empty() {
        let header = rest.as_bytes().get(..4).filter(|h| h[..2].iter().all(u8::is_ascii_digit));
        let Some(header) = header else {
            let where_ = match parent {
                Some(parent) => format!("inside tag {parent}"),
                None => "in the payload".to_string(),
            };
            return Err(invalid(format!(
                "not an EMVCo QR payload: expected a 2-digit tag and a 2-digit length at character {position} {where_}"
            )));
        };
        // The header's first two bytes are ASCII digits, so slicing at 2 is on a char boundary.
        let tag_text = &rest[..2];
        if !header[2..].iter().all(u8::is_ascii_digit) {
            return Err(invalid(format!("{} has a length that is not 2 decimal digits", name(tag_text))));
        }
        let tag = (header[0] - b'0') * 10 + (header[1] - b'0');
        let length = usize::from((header[2] - b'0') * 10 + (header[3] - b'0'));
        let after_header = &rest[4..];
        let value_end = match after_header.char_indices().nth(length) {
            Some((end, _)) => end,
            None if after_header.chars().count() == length => after_header.len(),
            None => {
                return Err(invalid(format!(
                    "{} declares {length} characters but only {} remain: the payload is truncated or a length is wrong",
                    name(tag_text),
                    after_header.chars().count()
                )));
            }
        };
        fields.push(Field { tag, value: &after_header[..value_end] });
        rest = &after_header[value_end..];
        position += 4 + length;
    }
    Ok(fields)
}

/// Tag 00 first, tag 63 last with a matching CRC, no tag twice.
fn check_envelope(payload: &str, fields: &[Field<'_>]) -> Result<()> {
    match fields.first() {
        Some(first) if first.tag == 0 => {
            if first.value != "01" {
                return Err(invalid(format!("tag 00 (payload format indicator) must be 01, found `{}`", first.value)));
            }
        }
        _ if fields.iter().any(|f| f.tag == 0) => {
            return Err(invalid("tag 00 (payload format indicator) must be the first field"));
        }
        _ => {
            return Err(invalid("missing tag 00 (payload format indicator): this is not an EMVCo QR payload"));
        }
    }
    let mut seen = [false; 100];
    for field in fields {
        let slot = &mut seen[usize::from(field.tag)];
        if *slot {
            return Err(invalid(format!("{} appears twice", tag_name(field.tag))));
        }
        *slot = true;
    }
    let crc_field = match fields.last() {
        Some(last) if last.tag == 63 => last,
        _ if seen[63] => return Err(invalid("tag 63 (CRC) must be the last field")),
        _ => return Err(invalid("missing tag 63 (CRC)")),
    };
    let found = crc_field.value;
    if found.len() != 4 || !found.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(format!("tag 63 (CRC) must be 4 hexadecimal digits, found `{found}`")));
    }
    // The CRC covers everything up to and including `6304`, i.e. all but its own 4 ASCII digits.
    let covered = &payload.as_bytes()[..payload.len() - 4];
    let expected = format!("{:04X}", crc16_ccitt_false(covered));
    if !expected.eq_ignore_ascii_case(found) {
        return Err(Error::new(
            ErrorCode::VietqrCrcMismatch,
            format!(
                "the QR checksum (CRC) does not match: expected {expected}, found {}; the payload was altered or misread",
                found.to_ascii_uppercase()
            ),
        ));
    }
    Ok(())
}

/// Whom a NAPAS VietQR pays.
enum Beneficiary {
    Account(BankAccount),
    /// A card, with the acquirer BIN and the number as the payload wrote it (whole or masked).
    Card {
        bin: String,
        card: CardNumber,
        written: String,
    },
}

/// Replaces a whole card number in a payload by its masked form (same length, so the TLV lengths
/// hold) and recomputes the CRC.
fn mask_card_in_payload(payload: &str, written: &str, card: &CardNumber) -> String {
    let masked: String = card.canonical().trim_start_matches("card:").to_string();
    let body = payload.replacen(written, &masked, 1);
    with_crc(body[..body.len() - 4].to_string())
}

/// Tag 38's sub-TLV: 00 GUID, 01 beneficiary (00 BIN, 01 account or card number), 02 service code.
fn parse_napas_template(tag: u8, subfields: &[Field<'_>]) -> Result<(Beneficiary, Option<&'static str>)> {
    let name = tag_name(tag);
    let Some(beneficiary) = find(subfields, 1) else {
        return Err(invalid(format!("{name}.01 (beneficiary) is missing from the NAPAS merchant account")));
    };
    let beneficiary_fields = parse_tlv(beneficiary, Some(&format!("{tag:02}.01")))?;
    let bin = find(&beneficiary_fields, 0)
        .ok_or_else(|| invalid(format!("{name}.01.00 (bank BIN) is missing from the NAPAS merchant account")))?;
    let account = find(&beneficiary_fields, 1).ok_or_else(|| {
        invalid(format!("{name}.01.01 (account or card number) is missing from the NAPAS merchant account"))
    })?;
    let service = match find(subfields, 2) {
        Some(code) if code.eq_ignore_ascii_case(SERVICE_ACCOUNT) => Some("account"),
        Some(code) if code.eq_ignore_ascii_case(SERVICE_CARD) => Some("card"),
        _ => None,
    };
    if service == Some("card")
        && let Ok(card) = CardNumber::parse(account)
    {
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!("{name}.01.00 (bank BIN) must have 6 digits")));
        }
        let beneficiary = Beneficiary::Card { bin: bin.to_string(), card, written: account.to_string() };
        return Ok((beneficiary, service));
    }
    let account = BankAccount::from_parts(bin, account)
        .map_err(|e| invalid(format!("{name}.01 does not hold a valid bank account: {}", e.message)))?;
    Ok((Beneficiary::Account(account), service))
}

/// Tag 54: a non-negative whole number of VND. `10000.00` is accepted; `-5`, `1e3`, `10.5` are not.
fn parse_amount(value: &str) -> Result<u64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b == b'0') {
        return Err(invalid(format!("tag 54 (amount) must be a non-negative whole number of VND, found `{value}`")));
    }
    whole.parse::<u64>().map_err(|_| invalid(format!("tag 54 (amount) `{value}` is too large")))
}

fn find<'a>(fields: &[Field<'a>], tag: u8) -> Option<&'a str> {
    fields.iter().find(|f| f.tag == tag).map(|f| f.value)
}

/// A field value as written (not trimmed, so `encode_napas` round-trips); empty means absent.
fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

fn tag_name(tag: u8) -> String {
    format!("tag {tag:02}")
}

/// A guid that can stand in `vietqr:<guid>:<merchant id>` and be read back unambiguously.
fn is_keyable_guid(guid: &str) -> bool {
    (1..=32).contains(&guid.len())
        && !guid.starts_with(PAYLOAD_START)
        && guid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn is_keyable_merchant_id(id: &str) -> bool {
    (1..=99).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// The key of a payload with no usable merchant account: the payload itself, CRC in uppercase.
fn payload_key(payload: &str) -> String {
    let (body, crc) = payload.split_at(payload.len() - 4);
    format!("{CANONICAL_PREFIX}{body}{}", crc.to_ascii_uppercase())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidVietqr, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    // From vietnam-qr-pay (MIT; /work/shared/data/vn_banks_vietqr).
    const ACB_STATIC: &str =
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F";
    const ACB_DYNAMIC: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6";
    const VNPAY: &str = "00020101021126280010A0000007750110010531314453037045408210900005802VN5910CELLPHONES62600312CPSHN ONLINE0517021908061613127850705ONLHN0810CellphoneS63047685";
    const LOWERCASE_CRC: &str =
        "00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479db";
    const VNPAY_WALLET: &str =
        "00020101021002020103069084010411VNPayWallet071003933571580809Lê Anh Tú09051000010037041107content63042678";

    fn code(input: &str) -> ErrorCode {
        VietQr::parse(input).expect_err(input).code
    }

    fn roundtrip(qr: &VietQr) {
        let from_canonical = VietQr::parse(qr.canonical()).unwrap_or_else(|e| panic!("{}: {e}", qr.canonical()));
        assert_eq!(&from_canonical, qr);
        assert_eq!(from_canonical.canonical(), qr.canonical());
        let from_display = VietQr::parse(&qr.display()).unwrap();
        assert_eq!(&from_display, qr);
        assert_eq!(from_display.payload(), qr.payload());
    }

    fn details(qr: &VietQr) -> Map<String, Value> {
        let mut map = Map::new();
        qr.details(&mut map);
        map
    }

    #[test]
    fn crc_reference_value() {
        // The CRC-16/CCITT-FALSE check value.
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn napas_static() {
        let qr = VietQr::parse(ACB_STATIC).unwrap();
        assert_eq!(qr.canonical(), "bank:970416:257678859");
        assert_eq!(qr.account().unwrap().account_number(), "257678859");
        assert_eq!(qr.bank_bin(), Some("970416"));
        assert_eq!(qr.amount(), None);
        assert_eq!(qr.message(), None);
        assert!(!qr.is_dynamic());
        assert_eq!(qr.provider(), "napas");
        assert_eq!(qr.display(), ACB_STATIC);
        let map = details(&qr);
        assert_eq!(map["provider"], "napas");
        assert_eq!(map["bank_bin"], "970416");
        assert_eq!(map["account"], "257678859");
        assert_eq!(map["service"], "account");
        assert_eq!(map["currency"], "VND");
        assert_eq!(map["point_of_initiation"], "static");
        assert_eq!(map["amount"], Value::Null);
        roundtrip(&qr);
    }

    #[test]
    fn napas_dynamic_with_amount_and_message() {
        let qr = VietQr::parse(&format!("  {ACB_DYNAMIC}\n")).unwrap();
        assert_eq!(qr.canonical(), "bank:970416:257678859");
        assert_eq!(qr.amount(), Some(10000));
        assert_eq!(qr.message(), Some("Chuyen tien"));
        assert!(qr.is_dynamic());
        assert_eq!(qr.payload(), ACB_DYNAMIC);
        let map = details(&qr);
        assert_eq!(map["amount"], 10000);
        assert_eq!(map["message"], "Chuyen tien");
        assert_eq!(map["point_of_initiation"], "dynamic");
        // Same account, so the same identifier as the static QR.
        assert_eq!(qr, VietQr::parse(ACB_STATIC).unwrap());
        roundtrip(&qr);
    }

    #[test]
    fn other_providers_and_lowercase_crc() {
        let vnpay = VietQr::parse(VNPAY).unwrap();
        assert_eq!(vnpay.canonical(), "vietqr:a000000775:0105313144");
        assert_eq!(vnpay.provider(), "vnpay");
        assert_eq!(vnpay.account(), None);
        assert_eq!(vnpay.amount(), Some(21_090_000));
        assert_eq!(vnpay.merchant_name(), Some("CELLPHONES"));
        assert_eq!(vnpay.message(), Some("CellphoneS"));
        let map = details(&vnpay);
        assert_eq!(map["bill_number"], Value::Null);
        assert_eq!(map["store_label"], "CPSHN ONLINE");
        assert_eq!(map["reference_label"], "02190806161312785");
        assert_eq!(map["terminal_label"], "ONLHN");
        roundtrip(&vnpay);

        let lower = VietQr::parse(LOWERCASE_CRC).unwrap();
        assert_eq!(lower.canonical(), "bank:970422:0352350917");
        roundtrip(&lower);
    }

    #[test]
    fn payload_without_merchant_account_is_keyed_by_payload() {
        // Lengths count characters: `0809Lê Anh Tú` is 9 characters, 12 bytes.
        let qr = VietQr::parse(VNPAY_WALLET).unwrap();
        assert_eq!(qr.canonical(), format!("vietqr:{VNPAY_WALLET}"));
        assert_eq!(qr.provider(), "other");
        assert_eq!(qr.point_of_initiation(), Some("10"));
        assert_eq!(details(&qr)["point_of_initiation"], Value::Null);
        roundtrip(&qr);
    }

    #[test]
    fn crc_mismatch() {
        let mut tampered = ACB_STATIC.to_string();
        tampered.replace_range(tampered.len() - 4.., "AE9E");
        let error = VietQr::parse(&tampered).unwrap_err();
        assert_eq!(error.code, ErrorCode::VietqrCrcMismatch);
        assert!(error.message.contains("expected AE9F, found AE9E"), "{}", error.message);
        // A changed account number with the old CRC.
        let altered = ACB_STATIC.replace("257678859", "257678850");
        assert_eq!(code(&altered), ErrorCode::VietqrCrcMismatch);
    }

    #[test]
    fn structural_errors_name_the_tag() {
        let cases: &[(&str, &str)] = &[
            // Truncated: tag 63 declares 4 characters, 2 remain.
            (&ACB_STATIC[..ACB_STATIC.len() - 2], "tag 63"),
            // Non-digit length.
            ("000201010211385A", "tag 38"),
            // No CRC.
            ("00020101021153037045802VN", "tag 63"),
            // No payload format indicator.
            ("010211530370463041234", "tag 00"),
            // CRC not last.
            ("000201010211630412345802VN", "tag 63"),
        ];
        // Nested TLV in tag 38 overruns (38 holds `0099…`), under a valid CRC.
        let overrun = with_crc("000201010211381000991234565802VN6304".to_string());
        let nested_in_62 = with_crc("000201010211".to_string() + ACB_STATIC.get(12..69).unwrap() + "62050810x6304");
        let cases: Vec<(&str, &str)> = cases
            .iter()
            .copied()
            .chain([(overrun.as_str(), "tag 38.00"), (nested_in_62.as_str(), "tag 62.08")])
            .collect();
        for (payload, tag) in cases {
            let error = VietQr::parse(payload).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidVietqr, "{payload}: {error:?}");
            assert!(error.message.contains(tag), "{payload}: {}", error.message);
        }
        for junk in ["hello", "0", "00", "0002", "000201", "vietqr:", "vietqr:abc", "bank:12:34", "6304", "ＡＢ"] {
            assert_eq!(code(junk), ErrorCode::InvalidVietqr, "{junk}");
        }
    }

    #[test]
    fn amount_must_be_a_whole_non_negative_number() {
        for (amount, ok) in [("1000", Some(1000)), ("1000.00", Some(1000)), ("0", Some(0))] {
            let body = format!("000201010212{}5303704{}5802VN6304", napas_template(), tlv("54", amount));
            assert_eq!(VietQr::parse(&with_crc(body)).unwrap().amount(), ok, "{amount}");
        }
        for amount in ["-1000", "10.5", "1e3", "abc", ".5", "99999999999999999999999"] {
            let body = format!("000201010212{}5303704{}5802VN6304", napas_template(), tlv("54", amount));
            let error = VietQr::parse(&with_crc(body)).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidVietqr, "{amount}");
            assert!(error.message.contains("tag 54"), "{}", error.message);
        }
    }

    fn napas_template() -> String {
        let beneficiary = format!("{}{}", tlv("00", "970436"), tlv("01", "0011004123456"));
        tlv("38", &format!("{}{}{}", tlv("00", NAPAS_GUID), tlv("01", &beneficiary), tlv("02", SERVICE_CARD)))
    }

    #[test]
    fn encode_then_parse() {
        let payload = encode_napas("970436", "0011004123456", Some(500_000), Some("Hoàn tiền đơn hàng"));
        let qr = VietQr::parse(&payload).unwrap();
        assert_eq!(qr.canonical(), "bank:970436:0011004123456");
        assert_eq!(qr.amount(), Some(500_000));
        assert_eq!(qr.message(), Some("Hoàn tiền đơn hàng"));
        assert!(qr.is_dynamic());
        roundtrip(&qr);
        let plain = VietQr::parse(&encode_napas("970436", "0011004123456", None, None)).unwrap();
        assert!(!plain.is_dynamic());
        assert_eq!(plain.message(), None);
        assert_eq!(plain, qr);
        // A message too long for its field is cut, never producing a broken payload.
        let long = "x".repeat(500);
        let cut = VietQr::parse(&encode_napas("970436", "0011004123456", Some(1), Some(&long))).unwrap();
        assert_eq!(cut.message().map(str::len), Some(95));
        // The static payload VietQR builds for this account is the one vietnam-qr-pay gives.
        assert_eq!(encode_napas("970416", "257678859", None, None), ACB_STATIC);
    }

    #[test]
    fn card_service_and_bank_canonical_forms() {
        let body = format!("000201010211{}5303704{}6304", napas_template(), tlv("58", "VN"));
        let qr = VietQr::parse(&with_crc(body)).unwrap();
        assert_eq!(details(&qr)["service"], "card");
        for input in ["bank:970436:0011004123456", "BANK:970436:0011004123456", "bank: 970436 : 0011004123456"] {
            assert_eq!(VietQr::parse(input).unwrap(), qr, "{input}");
        }
    }

    #[test]
    fn card_qrs_keep_the_card_masked() {
        let payload = encode_napas_service("970436", "9704361234567895", SERVICE_CARD, Some(50_000), None);
        let qr = VietQr::parse(&payload).unwrap();
        assert_eq!(qr.canonical(), "card:970436******7895");
        assert!(!qr.display().contains("9704361234567895"));
        assert!(!details(&qr).values().any(|v| v.to_string().contains("1234567895")));
        assert_eq!(VietQr::parse(&qr.display()).unwrap(), qr);
        assert_eq!(VietQr::parse(qr.canonical()).unwrap(), qr);
        assert_eq!(qr.amount(), Some(50_000));
    }

    #[test]
    fn never_panics_on_odd_input() {
        let inputs = [
            "0002é1",
            "00020101021138é",
            "0002010102113804é0001",
            "00020101021163049\u{00e9}99",
            "000201010211630400é",
            "99999999",
            "vietqr:000201",
            "vietqr:a:b c",
        ];
        for input in inputs {
            let _ = VietQr::parse(input);
        }
        let long = "0".repeat(100_000);
        assert_eq!(code(&long), ErrorCode::InvalidVietqr);
    }
}
