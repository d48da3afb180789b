//! Scam reports: what a citizen or partner submits, validated into canonical form.
//!
//! [`ReportSubmission`] is the input as it arrives (JSON); [`ReportSubmission::validate`] turns it into a
//! [`ValidatedReport`] in which every contact is canonical, the place is one of the 34 provinces, times are
//! instants and amounts are checked, or gives an error that names the field. Contacts come from the
//! fields, from the money trail and from the narrative (with [`crate::extract`]); the reporter's own phone
//! and e-mail are never listed as contacts of the scam.
//!
//! Personal data of the reporter ([`ReporterPersonalData`]: name, phone, e-mail, national ID, and the
//! victim's side of each transfer) is kept apart so that the store seals it as one value.

use crate::access::string_enum;
use crate::error::{Error, ErrorCode};
use crate::identifier::{BankAccount, Email, Identifier, IdentifierKind, PhoneNumber, bank_by_name, detect, extract};
use crate::place::{normalise_commune, resolve_province};
use crate::scam_type::ScamType;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest narrative accepted, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 20_000;
/// Most contacts and transfers one report may list.
pub const MAX_LISTED_CONTACTS: usize = 100;
pub const MAX_TRANSFERS: usize = 100;
/// The most đồng an amount may be, a loss or a transfer (ten thousand billion): far above any real one, low enough
/// that sums of them never overflow. Transfer screening uses the same ceiling.
pub const MAX_AMOUNT_VND: u64 = 10_000_000_000_000;
/// Vietnam's offset from UTC: a date without a time is read in Vietnamese time.
const VIETNAM_UTC_OFFSET_SECONDS: i32 = 7 * 3600;

/// How a report arrived. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Api,
    #[serde(rename = "sms_5656")]
    Sms5656,
    Hotline,
    Partner,
}

string_enum!(Channel, "channel", ErrorCode::InvalidValue, {
    Web => "web",
    Api => "api",
    Sms5656 => "sms_5656",
    Hotline => "hotline",
    Partner => "partner",
});

/// Who the reporter is to the scam. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReporterRole {
    Victim,
    Witness,
    Relative,
}

string_enum!(ReporterRole, "reporter role", ErrorCode::InvalidValue, {
    Victim => "victim",
    Witness => "witness",
    Relative => "relative",
});

/// Where a report is in its lifecycle: received → triaged → verified | rejected | duplicate → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Received,
    Triaged,
    Verified,
    Rejected,
    Duplicate,
    Closed,
}

string_enum!(ReportStatus, "report status", ErrorCode::InvalidValue, {
    Received => "received",
    Triaged => "triaged",
    Verified => "verified",
    Rejected => "rejected",
    Duplicate => "duplicate",
    Closed => "closed",
});

impl ReportStatus {
    /// Whether a report may move from `self` to `next`.
    pub fn may_become(self, next: ReportStatus) -> bool {
        use ReportStatus::*;
        matches!(
            (self, next),
            (Received, Triaged)
                | (Triaged, Verified | Rejected | Duplicate)
                | (Verified | Rejected | Duplicate, Closed)
        )
    }

    /// [`ReportStatus::may_become`] with a clear error.
    pub fn check_transition(self, next: ReportStatus) -> Result<(), Error> {
        if self.may_become(next) {
            return Ok(());
        }
        let allowed: Vec<&str> =
            ReportStatus::ALL.iter().filter(|s| self.may_become(**s)).map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() { "none: the report is closed".to_string() } else { allowed.join(", ") };
        Err(Error::new(
            ErrorCode::InvalidStatusTransition,
            format!("a {self} report cannot become {next}; it may become: {allowed}"),
        )
        .with_field("status"))
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            ReportStatus::Received => "Đã tiếp nhận",
            ReportStatus::Triaged => "Đã phân loại",
            ReportStatus::Verified => "Đã xác minh",
            ReportStatus::Rejected => "Không đủ căn cứ",
            ReportStatus::Duplicate => "Trùng với báo cáo khác",
            ReportStatus::Closed => "Đã đóng",
        }
    }
}

/// Where a report's contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// Listed by the reporter in `contacts`.
    Field,
    /// The receiving account of a transfer in the money trail.
    Transfer,
    /// Found in the narrative.
    Narrative,
    /// The sender of a 5656 message.
    Sms,
}

string_enum!(ContactSource, "contact source", ErrorCode::InvalidValue, {
    Field => "field",
    Transfer => "transfer",
    Narrative => "narrative",
    Sms => "sms",
});

// ---- input ----

/// A report as submitted (the JSON body of `POST /v1/reports`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub reporter: Option<ReporterInput>,
    #[serde(default)]
    pub scam_type: Option<String>,
    #[serde(default)]
    pub narrative: String,
    /// RFC 3339 (`2026-11-20T09:30:00+07:00`) or a date (`2026-11-20`, read in Vietnamese time).
    #[serde(default)]
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub place: Option<PlaceInput>,
    #[serde(default)]
    pub loss_vnd: Option<u64>,
    #[serde(default)]
    pub transfers: Vec<TransferInput>,
    /// Contacts as typed ("0912 345 678", "vcb-xacminh[.]com") or `{kind, value}`.
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default)]
    pub consent: Option<ConsentInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub national_id: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    #[serde(default)]
    pub from_bank: Option<String>,
    #[serde(default)]
    pub from_account: Option<String>,
    #[serde(default)]
    pub to_bank: Option<String>,
    #[serde(default)]
    pub to_account: Option<String>,
    #[serde(default)]
    pub amount_vnd: Option<u64>,
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields, expecting = "a contact as typed (\"0912 345 678\") or {\"kind\", \"value\"}")]
pub enum ContactInput {
    Typed(String),
    WithKind { kind: String, value: String },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The reporter agrees that the report is shared with the police and partners who act on it.
    #[serde(default)]
    pub share_with_authorities: bool,
    /// The reporter agrees to be contacted about the report.
    #[serde(default)]
    pub contact_me: bool,
}

// ---- validated ----

/// The reporter's personal data: sealed at rest, shown only to roles that need it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterPersonalData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_id: Option<String>,
    /// The victim's side of each transfer, by position in the money trail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<TransferPersonalData>,
}

impl ReporterPersonalData {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.national_id.is_none()
            && self.transfers.iter().all(|t| t.from_account.is_none() && t.remark.is_none())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferPersonalData {
    /// `bank:<BIN>:<account>` of the victim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_account: Option<String>,
    /// The transfer remark, which often carries the sender's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// One transfer of the money trail, without the victim's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// `bank:<BIN>:<account>` that received the money.
    pub to_account: String,
    pub amount_vnd: u64,
    /// Unix milliseconds.
    pub at: Option<i64>,
}

/// A canonical contact involved in a report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReportContact {
    pub kind: IdentifierKind,
    pub canonical: String,
    pub source: ContactSource,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub share_with_authorities: bool,
    pub contact_me: bool,
}

/// A report ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedReport {
    pub channel: Channel,
    pub reporter_role: Option<ReporterRole>,
    pub personal_data: ReporterPersonalData,
    pub scam_type: ScamType,
    pub narrative: String,
    /// Unix milliseconds.
    pub occurred_at: Option<i64>,
    /// A province code of [`crate::place`].
    pub province: Option<String>,
    pub commune: Option<String>,
    pub loss_vnd: Option<u64>,
    pub transfers: Vec<Transfer>,
    pub contacts: Vec<ReportContact>,
    pub consent: Consent,
}

impl ReportSubmission {
    /// Validates and canonicalises the submission. `default_channel` applies when none is given;
    /// `allowed_channels` are those this caller may claim.
    pub fn validate(&self, default_channel: Channel, allowed_channels: &[Channel]) -> Result<ValidatedReport, Error> {
        let channel = match optional_text(&self.channel) {
            None => default_channel,
            Some(text) => {
                let channel: Channel = text.parse().map_err(|e: Error| e.with_field("channel"))?;
                if !allowed_channels.contains(&channel) {
                    let allowed: Vec<&str> = allowed_channels.iter().map(|c| c.as_str()).collect();
                    return Err(Error::new(
                        ErrorCode::InvalidValue,
                        format!("this caller may not submit on channel '{channel}'; allowed: {}", allowed.join(", ")),
                    )
                    .with_field("channel"));
                }
                channel
            }
        };
        let reporter = self.reporter.clone().unwrap_or_default();
        let mut personal_data = validate_reporter(&reporter)?;
        let reporter_role = optional_text(&reporter.role)
            .map(|role| role.parse::<ReporterRole>().map_err(|e| e.with_field("reporter.role")))
            .transpose()?;
        let scam_type = match optional_text(&self.scam_type) {
            None => ScamType::Other,
            Some(text) => ScamType::parse(text).map_err(|e| e.with_field("scam_type"))?,
        };
        let narrative = crate::text::free_text_at_most(&self.narrative, MAX_NARRATIVE_CHARS, "narrative")?;
        let occurred_at =
            optional_text(&self.occurred_at).map(|text| parse_instant(text, "occurred_at")).transpose()?;
        let place = self.place.clone().unwrap_or_default();
        let province = optional_text(&place.province)
            .map(|text| resolve_province(text).map(|found| found.province.code.to_string()))
            .transpose()
            .map_err(|e| e.with_field("place.province"))?;
        let commune = match &place.commune {
            Some(text) => normalise_commune(text).map_err(|e| e.with_field("place.commune"))?,
            None => None,
        };
        if self.loss_vnd.is_some_and(|loss| loss > MAX_AMOUNT_VND) {
            return Err(Error::new(ErrorCode::InvalidValue, format!("a loss is at most {MAX_AMOUNT_VND} VND"))
                .with_field("loss_vnd"));
        }
        if self.transfers.len() > MAX_TRANSFERS {
            return Err(Error::new(ErrorCode::InvalidValue, format!("at most {MAX_TRANSFERS} transfers per report"))
                .with_field("transfers"));
        }
        if self.contacts.len() > MAX_LISTED_CONTACTS {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                format!("at most {MAX_LISTED_CONTACTS} contacts per report"),
            )
            .with_field("contacts"));
        }

        let mut contacts = ContactList::default();
        for (position, contact) in self.contacts.iter().enumerate() {
            let identifier = parse_contact(contact).map_err(|e| e.with_field(format!("contacts[{position}]")))?;
            contacts.add(&identifier, ContactSource::Field);
        }
        let mut transfers = Vec::with_capacity(self.transfers.len());
        for (position, input) in self.transfers.iter().enumerate() {
            let (transfer, victim_side) = validate_transfer(input, position)?;
            contacts.add_canonical(IdentifierKind::BankAccount, &transfer.to_account, ContactSource::Transfer);
            transfers.push(transfer);
            personal_data.transfers.push(victim_side);
        }
        if personal_data.transfers.iter().all(|t| t.from_account.is_none() && t.remark.is_none()) {
            personal_data.transfers.clear();
        }
        let reporter_own: Vec<String> = personal_data.phone.iter().chain(personal_data.email.iter()).cloned().collect();
        let victim_accounts: Vec<String> =
            personal_data.transfers.iter().filter_map(|t| t.from_account.clone()).collect();
        let mut own_spans = Vec::new();
        for found in extract(&narrative) {
            let canonical = found.identifier.canonical();
            if reporter_own.contains(&canonical) || victim_accounts.contains(&canonical) {
                own_spans.push(found.span);
                continue;
            }
            contacts.add(&found.identifier, ContactSource::Narrative);
        }
        let narrative = redact_reporter_data(&narrative, &own_spans, personal_data.national_id.as_deref());

        Ok(ValidatedReport {
            channel,
            reporter_role,
            personal_data,
            scam_type,
            narrative,
            occurred_at,
            province,
            commune,
            loss_vnd: self.loss_vnd,
            transfers,
            contacts: contacts.into_vec(),
            consent: self
                .consent
                .map(|c| Consent { share_with_authorities: c.share_with_authorities, contact_me: c.contact_me })
                .unwrap_or_default(),
        })
    }
}

/// Contacts without repeats; the first source seen wins (fields before transfers before the narrative).
#[derive(Default)]
struct ContactList {
    contacts: Vec<ReportContact>,
}

impl ContactList {
    fn add(&mut self, identifier: &Identifier, source: ContactSource) {
        self.add_canonical(identifier.kind(), &identifier.canonical(), source);
    }

    fn add_canonical(&mut self, kind: IdentifierKind, canonical: &str, source: ContactSource) {
        if !self.contacts.iter().any(|c| c.canonical == canonical) {
            self.contacts.push(ReportContact { kind, canonical: canonical.to_string(), source });
        }
    }

    fn into_vec(self) -> Vec<ReportContact> {
        self.contacts
    }
}

fn optional_text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn validate_reporter(reporter: &ReporterInput) -> Result<ReporterPersonalData, Error> {
    let name =
        optional_text(&reporter.name).map(|n| crate::text::one_line_at_most(n, 200, "reporter.name")).transpose()?;
    let phone = optional_text(&reporter.phone)
        .map(|p| PhoneNumber::parse(p).map(|p| p.canonical().to_string()))
        .transpose()
        .map_err(|e| e.with_field("reporter.phone"))?;
    let email = optional_text(&reporter.email)
        .map(|e| Email::parse(e).map(|e| e.canonical().to_string()))
        .transpose()
        .map_err(|e| e.with_field("reporter.email"))?;
    let national_id = optional_text(&reporter.national_id).map(validate_national_id).transpose()?;
    Ok(ReporterPersonalData { name, phone, email, national_id, transfers: Vec::new() })
}

/// A citizen identity card number (CCCD, 12 digits) or an old identity card number (CMND, 9 digits).
fn validate_national_id(text: &str) -> Result<String, Error> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '-').collect();
    if (digits.len() == 12 || digits.len() == 9) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(Error::new(
            ErrorCode::InvalidValue,
            "a national ID is a 12-digit citizen identity card number (CCCD) or a 9-digit identity card number (CMND)",
        )
        .with_field("reporter.national_id"))
    }
}

fn validate_transfer(input: &TransferInput, position: usize) -> Result<(Transfer, TransferPersonalData), Error> {
    let field = |name: &str| format!("transfers[{position}].{name}");
    let to_account = account(optional_text(&input.to_bank), optional_text(&input.to_account), &field("to"))?
        .ok_or_else(|| {
            Error::new(ErrorCode::MissingField, "a transfer needs the receiving account (to_bank and to_account)")
                .with_field(field("to_account"))
        })?;
    let from_account = account(optional_text(&input.from_bank), optional_text(&input.from_account), &field("from"))?;
    let amount_vnd = match input.amount_vnd {
        Some(0) => {
            return Err(Error::new(ErrorCode::InvalidValue, "the amount must be more than 0 VND")
                .with_field(field("amount_vnd")));
        }
        Some(amount) if amount > MAX_AMOUNT_VND => {
            return Err(Error::new(ErrorCode::InvalidValue, format!("an amount is at most {MAX_AMOUNT_VND} VND"))
                .with_field(field("amount_vnd")));
        }
        Some(amount) => amount,
        None => {
            return Err(
                Error::new(ErrorCode::MissingField, "missing field `amount_vnd`").with_field(field("amount_vnd"))
            );
        }
    };
    let at = optional_text(&input.at).map(|text| parse_instant(text, &field("at"))).transpose()?;
    let remark =
        optional_text(&input.remark).map(|r| crate::text::one_line_at_most(r, 500, &field("remark"))).transpose()?;
    Ok((Transfer { to_account, amount_vnd, at }, TransferPersonalData { from_account, remark }))
}

/// `bank:<BIN>:<account>` from a bank name and an account number, or from the account alone when it
/// already names its bank ("0011004123456 VCB").
fn account(bank: Option<&str>, number: Option<&str>, field: &str) -> Result<Option<String>, Error> {
    match (bank, number) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::new(ErrorCode::MissingField, "a bank was given without an account number")
            .with_field(format!("{field}_account"))),
        (Some(bank), Some(number)) => {
            let found = bank_by_name(bank).ok_or_else(|| {
                Error::new(ErrorCode::UnknownBank, format!("unknown bank '{}'", crate::text::shorten_for_message(bank)))
                    .with_field(format!("{field}_bank"))
            })?;
            BankAccount::from_parts(found.bin, number)
                .map(|a| Some(a.canonical().to_string()))
                .map_err(|e| e.with_field(format!("{field}_account")))
        }
        (None, Some(number)) => BankAccount::parse(number)
            .map(|a| Some(a.canonical().to_string()))
            .map_err(|e| e.with_field(format!("{field}_account"))),
    }
}

fn parse_contact(contact: &ContactInput) -> Result<Identifier, Error> {
    match contact {
        ContactInput::Typed(text) => detect(text),
        ContactInput::WithKind { kind, value } => {
            let kind: IdentifierKind = kind.parse()?;
            kind.parse(value)
        }
    }
}

/// What replaces the reporter's own phone, e-mail, account or national ID written in the narrative: the
/// narrative is stored in clear (analysts read it), the reporter's personal data never is.
pub const REDACTED_REPORTER_DATA: &str = "[thông tin người báo cáo]";

/// The narrative with the given character spans, and every occurrence of the national ID, replaced.
fn redact_reporter_data(narrative: &str, spans: &[(usize, usize)], national_id: Option<&str>) -> String {
    let mut out = String::with_capacity(narrative.len());
    let mut spans: Vec<(usize, usize)> = spans.to_vec();
    spans.sort_unstable();
    let mut next = spans.iter().peekable();
    let mut skip_until = 0;
    for (index, character) in narrative.chars().enumerate() {
        if index < skip_until {
            continue;
        }
        if let Some(&&(start, end)) = next.peek()
            && index == start
        {
            out.push_str(REDACTED_REPORTER_DATA);
            skip_until = end;
            next.next();
            continue;
        }
        out.push(character);
    }
    match national_id {
        Some(id) if !id.is_empty() => out.replace(id, REDACTED_REPORTER_DATA),
        _ => out,
    }
}

/// An instant from RFC 3339 or a bare date (midnight, Vietnamese time), as Unix milliseconds.
pub fn parse_instant(text: &str, field: &str) -> Result<i64, Error> {
    let invalid = || {
        Error::new(
            ErrorCode::InvalidValue,
            "expected a time as RFC 3339 ('2026-11-20T09:30:00+07:00') or a date ('2026-11-20')",
        )
        .with_field(field)
    };
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_millisecond());
    }
    let date: jiff::civil::Date = text.parse().map_err(|_| invalid())?;
    let offset = jiff::tz::Offset::from_seconds(VIETNAM_UTC_OFFSET_SECONDS).map_err(|_| invalid())?;
    let timestamp = offset.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).map_err(|_| invalid())?;
    Ok(timestamp.as_millisecond())
}

/// A reason someone gives (for a listing, a change of a report's status, an appeal and its decision), read as a
/// report's narrative is (trimmed, NFC, newlines and tabs but no other control character) and `characters` long;
/// else an `invalid_value` that asks for it (`"{ask}, in 1-1000 characters"`).
pub fn clean_reason(
    text: &str,
    characters: std::ops::RangeInclusive<usize>,
    field: &str,
    ask: &str,
) -> Result<String, Error> {
    let text = crate::text::free_text(text, field)?;
    if !characters.contains(&text.chars().count()) {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            format!("{ask}, in {}-{} characters", characters.start(), characters.end()),
        )
        .with_field(field));
    }
    Ok(text)
}

impl fmt::Display for ReportContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reporters_own_data_in_the_narrative_is_redacted_and_not_a_contact() {
        let submission = ReportSubmission {
            reporter: Some(ReporterInput {
                phone: Some("0912 000 111".into()),
                national_id: Some("001099012345".into()),
                ..Default::default()
            }),
            narrative: "Tôi (0912.000.111, CCCD 001099012345) bị số 0987654321 lừa.".into(),
            ..Default::default()
        };
        let report = submission.validate(Channel::Web, &[Channel::Web]).unwrap();
        assert_eq!(
            report.narrative,
            "Tôi ([thông tin người báo cáo], CCCD [thông tin người báo cáo]) bị số 0987654321 lừa."
        );
        let contacts: Vec<&str> = report.contacts.iter().map(|c| c.canonical.as_str()).collect();
        assert_eq!(contacts, ["+84987654321"]);
    }

    #[test]
    fn a_blank_channel_is_the_callers_default_and_a_named_one_must_be_allowed() {
        let submission = |channel: &str| ReportSubmission {
            channel: Some(channel.into()),
            narrative: "Số 0987654321 gọi tự xưng công an, bắt chuyển tiền.".into(),
            ..Default::default()
        };
        assert_eq!(submission(" ").validate(Channel::Web, &[Channel::Web]).unwrap().channel, Channel::Web);
        let error = submission("hotline").validate(Channel::Web, &[Channel::Web]).unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some("channel")));
    }

    #[test]
    fn a_contact_is_a_value_as_typed_or_a_kind_and_a_value_and_nothing_else() {
        assert_eq!(serde_json::from_str::<ContactInput>(r#""0912""#).unwrap(), ContactInput::Typed("0912".into()));
        let with_kind = serde_json::from_str::<ContactInput>(r#"{"kind": "url", "value": "x"}"#).unwrap();
        assert_eq!(with_kind, ContactInput::WithKind { kind: "url".into(), value: "x".into() });
        for text in [r#"{"kind": "url", "value": "x", "note": 1}"#, r#"["url", "x"]"#, "5", "null"] {
            let error = serde_json::from_str::<ContactInput>(text).unwrap_err().to_string();
            assert!(error.starts_with("a contact as typed"), "{text}: {error}");
        }
    }

    #[test]
    fn statuses_move_only_forward_along_the_lifecycle() {
        use ReportStatus::*;
        assert!(Received.may_become(Triaged));
        assert!(Triaged.may_become(Duplicate));
        assert!(Rejected.may_become(Closed));
        assert!(!Received.may_become(Verified));
        assert!(!Closed.may_become(Received));
        let error = Closed.check_transition(Triaged).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidStatusTransition);
        assert!(error.message.contains("closed"));
    }

    #[test]
    fn dates_are_read_in_vietnamese_time() {
        assert_eq!(parse_instant("2026-11-20", "t").unwrap(), parse_instant("2026-11-20T00:00:00+07:00", "t").unwrap());
        assert_eq!(parse_instant("2026-11-19T17:00:00Z", "t").unwrap(), parse_instant("2026-11-20", "t").unwrap());
        assert_eq!(parse_instant("hôm qua", "occurred_at").unwrap_err().field.as_deref(), Some("occurred_at"));
    }
}
