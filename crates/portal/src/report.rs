//! The report form: five short steps in one plain HTML form (the script shows one step at a time and keeps a
//! draft; without it every step shows), sent as multipart with the evidence files, handed to the same intake as
//! `POST /v1/reports`. The receipt gives the tracking code and secret and what to do at once.

use crate::Portal;
use crate::language::{Language, Texts};
use crate::pages::bank_hotline;
use crate::views::{
    FormError, Layout, csrf_refused, domain_error_page, error_message, error_page, page, page_with_status, rate_limited,
};
use crate::visitor::Visitor;
use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canhgiac_core::report::{ConsentInput, ContactInput, PlaceInput, ReportSubmission, ReporterInput, TransferInput};
use canhgiac_core::{Error, ErrorCategory, ErrorCode, ScamType};
use canhgiac_server::AppState;
use canhgiac_server::intake::{UploadedFile, now_millis};
use serde::Deserialize;
use std::sync::Arc;

/// What the visitor typed, kept to show the form again after an error (files are chosen again).
#[derive(Debug, Default, Clone)]
pub struct ReportFormView {
    pub submission_id: String,
    pub scam_type: String,
    pub narrative: String,
    pub occurred_at: String,
    pub province: String,
    pub contacts: String,
    pub loss_vnd: String,
    /// The money trail: at least one row, at most [`MAX_TRANSFERS`].
    pub transfers: Vec<TransferRow>,
    pub named: bool,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    pub consent: bool,
    pub contact_me: bool,
    /// The field (outside the money trail) an error names, or empty.
    pub invalid: &'static str,
}

/// Rows of the money trail one report may carry through the form.
pub const MAX_TRANSFERS: usize = 10;

/// One transfer of the money trail as typed.
#[derive(Debug, Default, Clone)]
pub struct TransferRow {
    /// 1-based, for the legend.
    pub number: usize,
    /// Appended to the fields' ids: empty for the first row (the ids docs/portal.md names), `-2`, `-3`… after.
    pub suffix: String,
    pub from_bank: String,
    pub from_account: String,
    pub to_bank: String,
    pub to_account: String,
    pub amount_vnd: String,
    pub transfer_at: String,
    /// The field of this row an error names, or empty.
    pub invalid: &'static str,
}

impl TransferRow {
    fn numbered(number: usize) -> TransferRow {
        TransferRow {
            number,
            suffix: if number == 1 { String::new() } else { format!("-{number}") },
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        [&self.from_bank, &self.from_account, &self.to_bank, &self.to_account, &self.amount_vnd, &self.transfer_at]
            .iter()
            .all(|field| field.trim().is_empty())
    }
}

impl ReportFormView {
    fn new() -> ReportFormView {
        ReportFormView {
            submission_id: new_submission_id(),
            transfers: vec![TransferRow::numbered(1)],
            ..Default::default()
        }
    }

    /// The row `index` (0-based), added (with the rows before it) when the form sent fewer.
    fn transfer_row(&mut self, index: usize) -> &mut TransferRow {
        while self.transfers.len() <= index {
            let number = self.transfers.len() + 1;
            self.transfers.push(TransferRow::numbered(number));
        }
        &mut self.transfers[index]
    }
}

/// A fresh id for one filling of the form: sent again with a retried submission, it is the idempotency key,
/// so a double click or a reload stores one report.
fn new_submission_id() -> String {
    canhgiac_secrets::random_bytes::<16>().iter().map(|byte| format!("{byte:02x}")).collect()
}

struct ScamTypeOption {
    code: &'static str,
    name: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    form_error: Option<FormError>,
    form: ReportFormView,
    scam_types: Vec<ScamTypeOption>,
    banks: Vec<&'static str>,
    today: String,
    max_transfers: usize,
}

fn report_page(visitor: &Visitor, form: ReportFormView, form_error: Option<FormError>) -> Response {
    let language = visitor.language;
    let t = language.texts();
    let scam_types = ScamType::ALL
        .iter()
        .map(|scam| ScamTypeOption { code: scam.code(), name: language.pick(scam.name_vi(), scam.name_en()) })
        .collect();
    let banks = canhgiac_core::identifier::banks().iter().map(|bank| bank.short_name).collect();
    let layout = Layout::new(visitor, t.report_title, "report");
    let status = if form_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let code = form_error.as_ref().map(|_| ErrorCode::InvalidValue);
    let page_view = ReportPage {
        layout,
        form_error,
        form,
        scam_types,
        banks,
        today: crate::format::today_iso(now_millis()),
        max_transfers: MAX_TRANSFERS,
    };
    page_with_status(visitor, status, code, &page_view)
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    scam_type: Option<String>,
}

/// `GET /report[?contact=…&scam_type=…]`.
pub async fn report_form(
    visitor: Visitor,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let mut form = ReportFormView::new();
    if let Ok(Query(query)) = query {
        form.contacts = query.contact.unwrap_or_default().chars().take(200).collect();
        form.scam_type = query
            .scam_type
            .and_then(|code| ScamType::parse(&code).ok())
            .map(|scam| scam.code().to_string())
            .unwrap_or_default();
    }
    report_page(&visitor, form, None)
}

/// The form field an intake error names (`transfers[1].to_account` → `to_account` of the second submitted transfer),
/// and its label.
fn field_of(error_field: &str, t: &'static Texts) -> (&'static str, &'static str) {
    let last = error_field.rsplit('.').next().unwrap_or(error_field);
    let base = last.split('[').next().unwrap_or(last);
    match (error_field.split(['.', '[']).next().unwrap_or(""), base) {
        ("transfers", "from_bank") => ("from_bank", t.from_bank_label),
        ("transfers", "from_account") => ("from_account", t.from_account_label),
        ("transfers", "to_bank") => ("to_bank", t.to_bank_label),
        ("transfers", "to_account") => ("to_account", t.to_account_label),
        ("transfers", "amount_vnd") => ("amount_vnd", t.amount_label),
        ("transfers", "at") => ("transfer_at", t.transfer_at_label),
        ("transfers", _) => ("to_account", t.to_account_label),
        ("reporter", "name") => ("reporter_name", t.reporter_name_label),
        ("reporter", "phone") => ("reporter_phone", t.reporter_phone_label),
        ("reporter", "email") => ("reporter_email", t.reporter_email_label),
        ("place", _) => ("province", t.province_label),
        ("contacts", _) => ("contacts", t.contacts_label),
        ("files", _) => ("files", t.files_label),
        (_, "scam_type") => ("scam_type", t.scam_type_label),
        (_, "occurred_at") => ("occurred_at", t.occurred_label),
        (_, "loss_vnd") => ("loss_vnd", t.loss_label),
        _ => ("narrative", t.narrative_label),
    }
}

/// The position in `transfers[N].…`, when the field names one.
fn transfer_position(error_field: &str) -> Option<usize> {
    error_field.strip_prefix("transfers[")?.split(']').next()?.parse().ok()
}

/// An amount of đồng as people write it: digits with separators (`1.250.000`, `1,250,000 đ`, `1250000 VND`), or in
/// the words of speech (`15tr`, `15 triệu`, `1,5 tỷ`, `500k`, `500 nghìn`, `15tr5` = 15.5 million, `2 tỷ 300 triệu`);
/// empty → `None`.
fn parse_amount(text: &str, field: &str) -> Result<Option<u64>, Error> {
    let mut cleaned = text.trim().to_lowercase();
    for unit in ["vnđ", "vnd", "đồng", "dong", "₫", "đ"] {
        cleaned = cleaned.replace(unit, "");
    }
    let cleaned: String = cleaned.chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    spoken_amount(&cleaned).map(Some).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidValue,
            "write the amount in đồng as digits (15.000.000), or with tr, triệu, tỷ or k (15tr, 1,5 tỷ, 500k)",
        )
        .with_field(field)
    })
}

/// Scale words of amounts in speech.
const AMOUNT_SCALES: [(&str, u64); 11] = [
    ("tỷ", 1_000_000_000),
    ("tỉ", 1_000_000_000),
    ("ty", 1_000_000_000),
    ("triệu", 1_000_000),
    ("trieu", 1_000_000),
    ("tr", 1_000_000),
    ("nghìn", 1_000),
    ("nghin", 1_000),
    ("ngàn", 1_000),
    ("ngan", 1_000),
    ("k", 1_000),
];

/// `spaces removed, lowercase`: digits with separators, or a number and a scale word followed by a smaller amount
/// (`2tỷ300triệu`) or by the digits that continue it (`15tr5`, `15tr500`: 15,500,000).
fn spoken_amount(text: &str) -> Option<u64> {
    // The first scale word, the longest where two begin at one place (`triệu`, not `tr`).
    let scale = AMOUNT_SCALES
        .iter()
        .filter_map(|&(word, scale)| Some((text.find(word)?, std::cmp::Reverse(word.len()), word, scale)))
        .min();
    let Some((position, _, word, scale)) = scale else {
        let digits: String = text.chars().filter(|c| !matches!(c, '.' | ',')).collect();
        return (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok())?;
    };
    let (number, rest) = (&text[..position], &text[position + word.len()..]);
    // One separator is a decimal point (`1,5 tỷ`) unless three digits follow it (`1.500 tỷ`, a thousands separator).
    let (whole, fraction) = match number.split_once(['.', ',']) {
        Some((whole, fraction)) if fraction.len() == 3 => (format!("{whole}{fraction}"), String::new()),
        Some((whole, fraction)) => (whole.to_string(), fraction.to_string()),
        None => (number.to_string(), String::new()),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(&whole) || !all_digits(&fraction) || fraction.len() > 9 {
        return None;
    }
    let scaled_fraction = |digits: &str| -> Option<u64> {
        if digits.is_empty() {
            return Some(0);
        }
        let value: u64 = digits.parse().ok()?;
        value.checked_mul(scale)?.checked_div(10u64.checked_pow(digits.len() as u32)?)
    };
    let head = whole.parse::<u64>().ok()?.checked_mul(scale)?.checked_add(scaled_fraction(&fraction)?)?;
    let tail = if rest.is_empty() {
        0
    } else if all_digits(rest) && fraction.is_empty() {
        scaled_fraction(rest).filter(|&tail| tail < scale)?
    } else {
        spoken_amount(rest).filter(|&tail| tail < scale)?
    };
    head.checked_add(tail)
}

/// A date, or a date and time, as a reporter gives it: the browser's `date` or `datetime-local` value
/// (`2026-11-20`, `2026-11-20T09:30`), or what a phone whose browser lacks those inputs lets one type in a text box
/// (`20/11/2026`, `20-11-2026 9:30`, `9h30 20/11/2026`, `20.11.26 21g15`, `3h chiều hôm qua`, `lúc 9h sáng ngày
/// 20/11/2026`), read in Vietnam's time, `today` being today's date there: the API's form (`2026-11-20` or
/// `2026-11-20T09:30:00+07:00`), or `None` when blank.
fn vietnam_time(text: &str, field: &str, today: jiff::civil::Date) -> Result<Option<String>, Error> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        Error::new(
            ErrorCode::InvalidValue,
            "write the date as day/month/year (20/11/2026), and the time if you know it (20/11/2026 09:30)",
        )
        .with_field(field)
    };
    // `2026-11-20T09:30`: the date and time of `datetime-local`.
    let mut text = match text.split_once('t') {
        Some((date, time)) if date.len() == 10 && date.as_bytes()[4] == b'-' => format!("{date} {time}"),
        _ => text,
    };
    for (words, days_ago) in
        [("hôm nay", 0), ("hom nay", 0), ("hôm qua", 1), ("hom qua", 1), ("hôm kia", 2), ("hom kia", 2)]
    {
        let day = today.checked_sub(jiff::Span::new().days(days_ago)).map_err(|_| invalid())?;
        text = text.replace(words, &day.strftime(" %d/%m/%Y ").to_string());
    }
    let (mut date, mut time, mut part_of_day) = (None, None, None);
    for word in text.split_whitespace() {
        let word = word.trim_matches([',', '.']);
        match word {
            // "at", "on the day", "around", "in the morning": nothing to read.
            "lúc" | "luc" | "ngày" | "ngay" | "vào" | "vao" | "khoảng" | "khoang" | "sáng" | "sang" => {}
            "trưa" | "trua" | "chiều" | "chieu" | "tối" | "toi" | "đêm" | "dem" => part_of_day = Some(word),
            _ if word.contains([':', 'h', 'g']) => {
                time = Some(time.map_or_else(|| read_clock(word), |_| None).ok_or_else(invalid)?);
            }
            _ => date = Some(date.map_or_else(|| read_date(word), |_| None).ok_or_else(invalid)?),
        }
    }
    let date = date.ok_or_else(invalid)?;
    let Some(time) = time else { return Ok(Some(date.to_string())) };
    // "3h chiều" is 15:00, "11h đêm" 23:00, "1h trưa" 13:00; "2h đêm" stays 02:00.
    let hour = time.hour();
    let past_noon = match part_of_day {
        Some("trưa" | "trua") => hour < 6,
        Some("chiều" | "chieu" | "tối" | "toi") => hour < 12,
        Some("đêm" | "dem") => (6..12).contains(&hour),
        _ => false,
    };
    let time = if past_noon { time.with().hour(hour + 12).build().map_err(|_| invalid())? } else { time };
    Ok(Some(format!("{date}T{}+07:00", time.strftime("%H:%M:%S"))))
}

/// `20/11/2026`, `20-11-26`, `20.11.2026`, `2026-11-20`.
fn read_date(word: &str) -> Option<jiff::civil::Date> {
    let parts: Vec<&str> = word.split(['/', '-', '.']).collect();
    let [first, month, last] = parts[..] else { return None };
    let number = |part: &str| -> Option<i16> {
        (!part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok())?
    };
    let (year, day) = if first.len() == 4 { (number(first)?, number(last)?) } else { (number(last)?, number(first)?) };
    let year = match year {
        0..=99 => 2000 + year,
        1900..=2999 => year,
        _ => return None,
    };
    jiff::civil::Date::new(year, i8::try_from(number(month)?).ok()?, i8::try_from(day).ok()?).ok()
}

/// `09:30`, `9:30:15`, `9h30`, `21g15`, `9h`.
fn read_clock(word: &str) -> Option<jiff::civil::Time> {
    let word = word.to_ascii_lowercase();
    let parts: Vec<&str> = word.split([':', 'h', 'g']).collect();
    let number = |part: &str| -> Option<i8> {
        (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok())?
    };
    let (hour, minute, second) = match parts[..] {
        [hour, ""] => (number(hour)?, 0, 0),
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        [hour, minute, second] => (number(hour)?, number(minute)?, number(second)?),
        _ => return None,
    };
    jiff::civil::Time::new(hour, minute, second, 0).ok()
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The API's submission from the form, and for each of its transfers the form row it came from (empty rows are
/// left out, so an intake error's `transfers[N]` is the N-th row sent, not the N-th row shown).
fn submission_of(form: &ReportFormView) -> Result<(ReportSubmission, Vec<usize>), Error> {
    let today = crate::format::today_in_vietnam(now_millis());
    let mut transfers = Vec::new();
    let mut rows = Vec::new();
    for (row_index, row) in form.transfers.iter().enumerate().filter(|(_, row)| !row.is_empty()) {
        // An error here names the form's row (the caller maps it as such).
        let amount = parse_amount(&row.amount_vnd, &format!("transfers[{row_index}].amount_vnd"))?;
        // The payer's bank alone (for the hotline) is not part of the API's transfer: it goes with an account.
        let from_account = non_empty(&row.from_account);
        transfers.push(TransferInput {
            from_bank: from_account.as_ref().and(non_empty(&row.from_bank)),
            from_account,
            to_bank: non_empty(&row.to_bank),
            to_account: non_empty(&row.to_account),
            amount_vnd: amount,
            // `datetime-local` has no zone: the reporter is in Vietnam.
            at: vietnam_time(&row.transfer_at, &format!("transfers[{row_index}].at"), today)?,
            remark: None,
        });
        rows.push(row_index);
    }
    let reporter = form.named.then(|| ReporterInput {
        name: non_empty(&form.reporter_name),
        phone: non_empty(&form.reporter_phone),
        email: non_empty(&form.reporter_email),
        national_id: None,
        role: Some("victim".to_string()),
    });
    let submission = ReportSubmission {
        channel: Some("web".to_string()),
        reporter,
        scam_type: non_empty(&form.scam_type),
        narrative: form.narrative.trim().to_string(),
        occurred_at: vietnam_time(&form.occurred_at, "occurred_at", today)?,
        place: non_empty(&form.province).map(|province| PlaceInput { province: Some(province), commune: None }),
        loss_vnd: parse_amount(&form.loss_vnd, "loss_vnd")?,
        transfers,
        contacts: form.contacts.lines().filter_map(non_empty).map(ContactInput::Typed).collect(),
        consent: Some(ConsentInput { share_with_authorities: form.consent, contact_me: form.contact_me }),
    };
    Ok((submission, rows))
}

/// Stores a form field's text in the view. The money trail's fields repeat once per row, in the rows' order:
/// `counts` says how many of each were read so far.
fn set_field(form: &mut ReportFormView, counts: &mut [usize; 6], name: &str, value: String) {
    let value: String = value.chars().take(20_000).collect();
    const TRANSFER_FIELDS: [&str; 6] =
        ["from_bank", "from_account", "to_bank", "to_account", "amount_vnd", "transfer_at"];
    if let Some(column) = TRANSFER_FIELDS.iter().position(|field| *field == name) {
        let index = counts[column];
        if index >= MAX_TRANSFERS {
            return;
        }
        counts[column] += 1;
        let row = form.transfer_row(index);
        let slot = match column {
            0 => &mut row.from_bank,
            1 => &mut row.from_account,
            2 => &mut row.to_bank,
            3 => &mut row.to_account,
            4 => &mut row.amount_vnd,
            _ => &mut row.transfer_at,
        };
        *slot = value;
        return;
    }
    match name {
        "submission_id" => form.submission_id = value,
        "scam_type" => form.scam_type = value,
        "narrative" => form.narrative = value,
        "occurred_at" => form.occurred_at = value,
        "province" => form.province = value,
        "contacts" => form.contacts = value,
        "loss_vnd" => form.loss_vnd = value,
        "identity" => form.named = value == "named",
        "reporter_name" => form.reporter_name = value,
        "reporter_phone" => form.reporter_phone = value,
        "reporter_email" => form.reporter_email = value,
        "consent" => form.consent = !value.is_empty(),
        "contact_me" => form.contact_me = !value.is_empty(),
        _ => {}
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    layout: Layout,
    tracking_code: String,
    secret: String,
    next_steps: Vec<String>,
}

/// What the victim should do now, the payer banks' hotlines first when the form names them.
fn next_steps(language: Language, form: &ReportFormView) -> Vec<String> {
    let t = language.texts();
    let mut steps = Vec::new();
    let paid = !form.loss_vnd.trim().is_empty() || form.transfers.iter().any(|row| !row.is_empty());
    // Every payer bank named, each once: a victim who paid from two banks calls both.
    let mut hotlines: Vec<(String, String)> = Vec::new();
    for row in &form.transfers {
        if let Some(hotline) = bank_hotline(&row.from_bank)
            && !hotlines.contains(&hotline)
        {
            hotlines.push(hotline);
        }
    }
    for (bank, hotline) in &hotlines {
        steps.push(t.next_call_bank.replace("{bank}", bank).replace("{hotline}", hotline));
    }
    if hotlines.is_empty() && paid {
        steps.push(t.next_call_your_bank.to_string());
    }
    steps.push(t.next_police.to_string());
    steps.push(t.next_evidence.to_string());
    steps.push(t.next_5656.to_string());
    steps.push(t.next_recovery.to_string());
    steps
}

/// The error above the form, with the named field marked (in its transfer row when it is in one). `rows` maps
/// the submission's transfers to the form's rows.
fn show_error(language: Language, form: &mut ReportFormView, error: &Error, rows: &[usize]) -> FormError {
    let t = language.texts();
    let error_field = error.field.as_deref().unwrap_or("");
    let (id, label) = field_of(error_field, t);
    match transfer_position(error_field) {
        Some(position) => {
            let row_index = rows.get(position).copied().unwrap_or(position);
            let row = form.transfer_row(row_index.min(MAX_TRANSFERS - 1));
            row.invalid = id;
            let field_id = format!("{id}{}", row.suffix);
            FormError { field_id, ..FormError::new(error_message(language, error), id, Some(label)) }
        }
        None => {
            form.invalid = id;
            FormError::new(error_message(language, error), id, Some(label))
        }
    }
}

/// `POST /report` (multipart).
pub async fn submit_report(
    State(state): State<AppState>,
    Extension(portal): Extension<Arc<Portal>>,
    visitor: Visitor,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let language = visitor.language;
    let t = language.texts();
    if let Err(retry_after) = portal.reports.allow(&visitor.client) {
        return rate_limited(&visitor, retry_after);
    }
    let intake = match state.intake() {
        Ok(intake) => intake.clone(),
        Err(_) => {
            return error_page(&visitor, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, t.error_unavailable);
        }
    };
    let Ok(mut multipart) = multipart else {
        return error_page(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.error_csrf);
    };
    let limits = intake.evidence_limits();
    let mut form = ReportFormView { transfers: Vec::new(), ..ReportFormView::default() };
    let mut transfer_counts = [0usize; 6];
    let mut action = String::new();
    let mut csrf = None;
    let mut files: Vec<UploadedFile> = Vec::new();
    // Reads every part; an evidence file is checked against the limits while it streams in.
    let read: Result<(), Error> = async {
        let too_large =
            |error: &axum::extract::multipart::MultipartError| error.status() == StatusCode::PAYLOAD_TOO_LARGE;
        let unreadable = |error: axum::extract::multipart::MultipartError| {
            if too_large(&error) {
                Error::new(ErrorCode::PayloadTooLarge, "the report and its files are too large").with_field("files")
            } else {
                Error::new(ErrorCode::InvalidRequest, "the form could not be read; send it again")
            }
        };
        while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "files" {
                let has_file = field.file_name().is_some_and(|name| !name.is_empty());
                let position = files.len();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    bytes.extend_from_slice(&chunk);
                    limits.check_size(bytes.len() as u64).map_err(|e| e.with_field(format!("files[{position}]")))?;
                }
                // A file input left empty still sends a part with no name and no bytes.
                if has_file || !bytes.is_empty() {
                    limits.check_count(position + 1).map_err(|e| e.with_field("files"))?;
                    files.push(UploadedFile { bytes });
                }
            } else {
                let value = field.text().await.map_err(unreadable)?;
                match name.as_str() {
                    "csrf" => csrf = Some(value),
                    "action" => action = value,
                    _ => set_field(&mut form, &mut transfer_counts, &name, value),
                }
            }
        }
        Ok(())
    }
    .await;
    if !visitor.form_is_genuine(csrf.as_deref()) {
        return csrf_refused(&visitor);
    }
    if form.transfers.is_empty() {
        form.transfers.push(TransferRow::numbered(1));
    }
    if form.submission_id.len() != 32 || !form.submission_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        form.submission_id = new_submission_id();
    }
    if let Err(error) = read {
        let form_error = show_error(language, &mut form, &error, &[]);
        return report_page(&visitor, form, Some(form_error));
    }
    // "Add another transfer" without JavaScript: the same form with one more row, nothing sent yet.
    if action == "add_transfer" {
        let rows = form.transfers.len();
        form.transfer_row(rows.min(MAX_TRANSFERS - 1));
        return report_page(&visitor, form, None);
    }
    let (submission, rows) = match submission_of(&form) {
        Ok(built) => built,
        Err(error) => {
            // The form's own reading of a date or an amount failed: say how to write one, in the visitor's language.
            let mut form_error = show_error(language, &mut form, &error, &[]);
            form_error.message = match form_error.field_id.split('-').next() {
                Some("occurred_at" | "transfer_at") => t.date_format_hint.to_string(),
                Some("amount_vnd" | "loss_vnd") => t.amount_format_hint.to_string(),
                _ => form_error.message,
            };
            return report_page(&visitor, form, Some(form_error));
        }
    };
    let key = format!("portal-{}", form.submission_id);
    match intake.submit(None, submission, files, Some(key)).await {
        Ok(receipt) => {
            let layout = Layout::new(&visitor, t.receipt_title, "report");
            let next_steps = next_steps(language, &form);
            page(
                &visitor,
                &ReceiptPage { layout, tracking_code: receipt.tracking_code, secret: receipt.secret, next_steps },
            )
        }
        Err(error) if error.category() == ErrorCategory::InvalidRequest || error.code == ErrorCode::PayloadTooLarge => {
            let form_error = show_error(language, &mut form, &error, &rows);
            report_page(&visitor, form, Some(form_error))
        }
        Err(error) => domain_error_page(&visitor, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::VI;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        assert_eq!(parse_amount("15.000.000", "x").unwrap(), Some(15_000_000));
        assert_eq!(parse_amount("15,000,000 đ", "x").unwrap(), Some(15_000_000));
        assert_eq!(parse_amount("2000000 VND", "x").unwrap(), Some(2_000_000));
        assert_eq!(parse_amount("  ", "x").unwrap(), None);
        assert_eq!(parse_amount("mười triệu", "loss_vnd").unwrap_err().field.as_deref(), Some("loss_vnd"));
        let spoken = [
            ("15tr", 15_000_000),
            ("15 triệu", 15_000_000),
            ("15 Trieu dong", 15_000_000),
            ("1,5 tỷ", 1_500_000_000),
            ("1.5tr", 1_500_000),
            ("1.500 tỷ", 1_500_000_000_000),
            ("500k", 500_000),
            ("500 nghìn đồng", 500_000),
            ("15tr5", 15_500_000),
            ("15tr500", 15_500_000),
            ("2 tỷ 300 triệu", 2_300_000_000),
            ("2ty300tr50k", 2_300_050_000),
        ];
        for (typed, amount) in spoken {
            assert_eq!(parse_amount(typed, "x").unwrap(), Some(amount), "{typed:?}");
        }
        for typed in ["tr", "15 triệu 2 tỷ", "1,5,5 tr", "15tr5tr", "abc", "99999999999 tỷ", "15 củ"] {
            assert!(parse_amount(typed, "loss_vnd").is_err(), "{typed:?}");
        }
    }

    #[test]
    fn dates_and_times_are_read_as_people_type_them() {
        let cases = [
            ("2026-11-20", Some("2026-11-20")),
            ("2026-11-20T09:30", Some("2026-11-20T09:30:00+07:00")),
            ("2026-11-20T09:30:15", Some("2026-11-20T09:30:15+07:00")),
            ("20/11/2026", Some("2026-11-20")),
            (" 20-11-26 ", Some("2026-11-20")),
            ("20.11.2026 21g15", Some("2026-11-20T21:15:00+07:00")),
            ("20/11/2026 9:30", Some("2026-11-20T09:30:00+07:00")),
            ("9h30 20/11/2026", Some("2026-11-20T09:30:00+07:00")),
            ("21H 1/2/2026", Some("2026-02-01T21:00:00+07:00")),
            ("", None),
            ("  ", None),
        ];
        let today = jiff::civil::date(2026, 12, 1);
        let said = [
            ("hôm nay", Some("2026-12-01")),
            ("Hôm qua lúc 21h", Some("2026-11-30T21:00:00+07:00")),
            ("3h chiều hôm qua", Some("2026-11-30T15:00:00+07:00")),
            ("lúc 9h sáng ngày 20/11/2026", Some("2026-11-20T09:00:00+07:00")),
            ("khoảng 11h đêm hôm kia", Some("2026-11-29T23:00:00+07:00")),
            ("2h đêm hôm qua", Some("2026-11-30T02:00:00+07:00")),
            ("1h30 trưa 20/11/2026", Some("2026-11-20T13:30:00+07:00")),
            ("20:15 tối 20/11/2026", Some("2026-11-20T20:15:00+07:00")),
        ];
        for (typed, expected) in cases.into_iter().chain(said) {
            assert_eq!(vietnam_time(typed, "occurred_at", today).unwrap().as_deref(), expected, "{typed:?}");
        }
        for typed in [
            "tuần trước",
            "31/02/2026",
            "20/11",
            "20/11/2026 25:00",
            "9:30",
            "20/11/2026 9:30 10:00",
            "1/1/1/1",
            "chiều",
        ] {
            let error = vietnam_time(typed, "transfers[1].at", today).unwrap_err();
            assert_eq!(
                (error.code, error.field.as_deref()),
                (ErrorCode::InvalidValue, Some("transfers[1].at")),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn intake_fields_map_to_form_fields() {
        assert_eq!(field_of("transfers[0].to_account", &VI).0, "to_account");
        assert_eq!(field_of("transfers[0].at", &VI).0, "transfer_at");
        assert_eq!(field_of("reporter.phone", &VI).0, "reporter_phone");
        assert_eq!(field_of("contacts[2]", &VI).0, "contacts");
        assert_eq!(field_of("files[1]", &VI).0, "files");
        assert_eq!(field_of("scam_type", &VI).0, "scam_type");
        assert_eq!(field_of("place.province", &VI).0, "province");
        assert_eq!(field_of("narrative", &VI).0, "narrative");
    }

    #[test]
    fn the_form_becomes_the_apis_submission() {
        let mut form = ReportFormView {
            scam_type: "task_scam".into(),
            narrative: " Họ bảo làm nhiệm vụ ".into(),
            contacts: "0912 000 111\n\n t.me/lua_dao \n".into(),
            consent: true,
            ..ReportFormView::new()
        };
        let mut counts = [0; 6];
        for (name, value) in [
            ("from_bank", "VCB"),
            ("to_bank", "BIDV"),
            ("to_account", "21510001234567"),
            ("amount_vnd", "15.000.000"),
            ("transfer_at", "2026-11-20T09:30"),
            // A second row left empty, and a third.
            ("from_bank", ""),
            ("to_bank", ""),
            ("to_account", ""),
            ("from_bank", "BIDV"),
            ("to_bank", "VCB"),
            ("to_account", "0011001234567"),
        ] {
            set_field(&mut form, &mut counts, name, value.to_string());
        }
        assert_eq!(form.transfers.len(), 3);
        assert_eq!(form.transfers[2].suffix, "-3");
        let (submission, rows) = submission_of(&form).unwrap();
        assert_eq!(rows, vec![0, 2], "the empty row is left out");
        assert_eq!(submission.narrative, "Họ bảo làm nhiệm vụ");
        assert_eq!(submission.contacts.len(), 2);
        assert!(submission.reporter.is_none(), "anonymous unless the visitor chose otherwise");
        let transfer = &submission.transfers[0];
        assert_eq!(transfer.amount_vnd, Some(15_000_000));
        assert_eq!(transfer.at.as_deref(), Some("2026-11-20T09:30:00+07:00"));
        assert!(submission.consent.unwrap().share_with_authorities);
        assert_eq!(submission.transfers.len(), 2);
        let steps = next_steps(Language::Vietnamese, &form);
        assert!(steps[0].contains("1900 54 54 13") && steps[1].contains("BIDV"), "both payer banks: {steps:?}");
        let (empty, _) = submission_of(&ReportFormView::new()).unwrap();
        assert!(empty.transfers.is_empty(), "an empty row is no transfer");
    }

    #[test]
    fn an_error_in_a_transfer_marks_its_row() {
        let mut form = ReportFormView::new();
        form.transfer_row(2).to_account = "12".into();
        // The submission's only transfer came from the third row.
        let error = Error::new(ErrorCode::InvalidBankAccount, "too short").with_field("transfers[0].to_account");
        let shown = show_error(Language::English, &mut form, &error, &[2]);
        assert_eq!(shown.field_id, "to_account-3");
        assert_eq!(form.transfers[2].invalid, "to_account");
        assert_eq!(form.transfers[0].invalid, "");
    }
}
