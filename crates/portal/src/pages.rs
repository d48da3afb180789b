//! The pages other than the report form: home and search, check, message analysis, QR upload, tracking,
//! the scam library, the language switch and the API reference.

use crate::Portal;
use crate::format;
use crate::language::{LANGUAGE_COOKIE, Language};
use crate::library::{scam_library, scam_page};
use crate::qr::{MAX_QR_FILE_BYTES, QrError, read_qr_code};
use crate::views::{
    CheckView, FormError, Layout, NamedScamType, csrf_refused, domain_error_page, error_message, error_page,
    kind_words, page, page_with_status, query_value, rate_limited,
};
use crate::visitor::Visitor;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use canhgiac_analyzer::analyze::{Analysis, Analyzer, Channel, Message, check_message};
use canhgiac_core::identifier::Identifier;
use canhgiac_core::report::ReportStatus;
use canhgiac_core::trust::{ContactKind, TrustedOrganisationKind, trust_directory};
use canhgiac_core::{ErrorCode, ScamType, detect};
use canhgiac_server::AppState;
use canhgiac_server::intake::now_millis;
use parking_lot::Mutex;
use serde::Deserialize;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

// ---- home and search ----

/// A scam type's reports in the last 30 days against the 30 before.
#[derive(Debug, Clone)]
pub struct RisingCount {
    scam_type: ScamType,
    recent: u64,
    before: u64,
}

/// The counts behind "rising this month", read from the store at most every [`RISING_REFRESH`].
#[derive(Debug, Default)]
pub struct RisingCache {
    counts: Mutex<Option<(Instant, Arc<Vec<RisingCount>>)>>,
}

const RISING_REFRESH: Duration = Duration::from_secs(600);
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Types shown in "rising this month".
const RISING_SHOWN: usize = 5;

impl RisingCache {
    async fn counts(&self, state: &AppState) -> Arc<Vec<RisingCount>> {
        if let Some((at, counts)) = self.counts.lock().as_ref()
            && at.elapsed() < RISING_REFRESH
        {
            return counts.clone();
        }
        let counts = Arc::new(read_rising(state).await.unwrap_or_else(|error| {
            tracing::warn!(code = %error.code, "cannot count recent reports by scam type");
            Vec::new()
        }));
        *self.counts.lock() = Some((Instant::now(), counts.clone()));
        counts
    }
}

async fn read_rising(state: &AppState) -> Result<Vec<RisingCount>, canhgiac_core::Error> {
    let store = state
        .intake()
        .map_err(|_| canhgiac_core::Error::new(ErrorCode::Unavailable, "this server runs without a store"))?
        .store()
        .clone();
    let now = now_millis();
    let recent = store.report_counts_by_scam_type(now - 30 * DAY_MS, now + 1).await?;
    let before = store.report_counts_by_scam_type(now - 60 * DAY_MS, now - 30 * DAY_MS).await?;
    let mut counts: Vec<RisingCount> = recent
        .iter()
        .filter_map(|(code, count)| {
            let scam_type = ScamType::parse(code).ok()?;
            let before = before.iter().find(|(other, _)| other == code).map_or(0, |(_, n)| *n);
            Some(RisingCount { scam_type, recent: *count, before })
        })
        .collect();
    // Most reports first; among equals, the one that grew most.
    counts.sort_by(|a, b| {
        b.recent.cmp(&a.recent).then((b.recent as i64 - b.before as i64).cmp(&(a.recent as i64 - a.before as i64)))
    });
    counts.truncate(RISING_SHOWN);
    Ok(counts)
}

struct RisingItem {
    code: &'static str,
    name: &'static str,
    count: String,
    trend: String,
}

struct BankHotline {
    organisation: String,
    number: String,
    dial: String,
    source: String,
}

/// The hotlines of the banks in the trust directory.
fn bank_hotlines() -> &'static [BankHotline] {
    static HOTLINES: LazyLock<Vec<BankHotline>> = LazyLock::new(|| {
        trust_directory()
            .contacts()
            .iter()
            .filter(|contact| {
                contact.organisation_kind == TrustedOrganisationKind::Bank && contact.contact_kind == ContactKind::Phone
            })
            .map(|contact| BankHotline {
                organisation: contact.organisation.clone(),
                number: contact.value.clone(),
                dial: contact.value.chars().filter(char::is_ascii_digit).collect(),
                source: contact.source.clone(),
            })
            .collect()
    });
    &HOTLINES
}

/// The hotline of the bank named `bank` as people write it (`VCB`, `Vietcombank`, `970436`), from the trust
/// directory: `(organisation, number)`.
pub fn bank_hotline(bank: &str) -> Option<(String, String)> {
    let bank = canhgiac_core::identifier::bank_by_name(bank)
        .or_else(|| canhgiac_core::identifier::bank_by_bin(bank.trim()))?;
    let names = [bank.code.to_ascii_lowercase(), bank.short_name.to_ascii_lowercase().replace(' ', "")];
    trust_directory()
        .contacts()
        .iter()
        .filter(|contact| {
            contact.organisation_kind == TrustedOrganisationKind::Bank && contact.contact_kind == ContactKind::Phone
        })
        .find(|contact| {
            contact.organisation.to_ascii_lowercase().replace(' ', "") == names[1]
                || contact.brand_keys.iter().any(|key| !key.common_word && names.contains(&key.key))
        })
        .map(|contact| (contact.organisation.clone(), contact.value.clone()))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    form_error: Option<FormError>,
    query: String,
    rising: Vec<RisingItem>,
    bank_hotlines: &'static [BankHotline],
}

async fn home_page(
    state: &AppState,
    portal: &Portal,
    visitor: &Visitor,
    query: String,
    form_error: Option<FormError>,
) -> Response {
    let language = visitor.language;
    let t = language.texts();
    let rising = portal
        .rising
        .counts(state)
        .await
        .iter()
        .map(|count| RisingItem {
            code: count.scam_type.code(),
            name: language.pick(count.scam_type.name_vi(), count.scam_type.name_en()),
            count: format::grouped(count.recent),
            trend: if count.before == 0 {
                t.rising_new.to_string()
            } else {
                let change = (count.recent as f64 / count.before as f64 - 1.0) * 100.0;
                format!("{:+.0}\u{a0}%", change)
            },
        })
        .collect();
    let status = if form_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let code = form_error.as_ref().map(|_| ErrorCode::InvalidValue);
    let layout = Layout::new(visitor, t.home_title, "check");
    page_with_status(
        visitor,
        status,
        code,
        &HomePage { layout, form_error, query, rising, bank_hotlines: bank_hotlines() },
    )
}

pub async fn home(
    State(state): State<AppState>,
    Extension(portal): Extension<Arc<Portal>>,
    visitor: Visitor,
) -> Response {
    home_page(&state, &portal, &visitor, String::new(), None).await
}

#[derive(Debug, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    q: String,
}

/// Words in a search that is still one contact as people write it (`momo 0862 345 678`, `STK 0011012345678
/// Vietcombank`); longer text is a message, analysed whole even when it holds a contact.
const MAX_CONTACT_WORDS: usize = 6;

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// `POST /search`: a contact goes to its check; a message to its analysis.
pub async fn search(
    State(state): State<AppState>,
    Extension(portal): Extension<Arc<Portal>>,
    visitor: Visitor,
    form: Result<Form<SearchForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let t = visitor.language.texts();
    let Ok(Form(form)) = form else {
        return error_page(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.search_empty);
    };
    if !visitor.form_is_genuine(form.csrf.as_deref()) {
        return csrf_refused(&visitor);
    }
    let query = form.q.trim();
    if query.is_empty() {
        let error = FormError::new(t.search_empty, "q", Some(t.search_label));
        return home_page(&state, &portal, &visitor, String::new(), Some(error)).await;
    }
    let words = word_count(query);
    match detect(query) {
        Ok(identifier) if words <= MAX_CONTACT_WORDS => {
            visitor.finish(Redirect::to(&format!("/check?q={}", query_value(&identifier.canonical()))).into_response())
        }
        _ if words >= 3 => analysis_page(&state, &visitor, query).await,
        _ => {
            let error = FormError::new(t.search_not_contact, "q", Some(t.search_label));
            home_page(&state, &portal, &visitor, query.to_string(), Some(error)).await
        }
    }
}

// ---- check ----

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    layout: Layout,
    form_error: Option<FormError>,
    answer: Option<CheckView>,
}

#[derive(Debug, Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    q: String,
}

/// `GET /check?q=`: the explained verdict of one contact.
pub async fn check(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<CheckQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let t = visitor.language.texts();
    let value = query.map(|Query(query)| query.q).unwrap_or_default();
    let layout = Layout::new(&visitor, t.check_title, "check");
    match detect(value.trim()) {
        Ok(identifier) => {
            let answer = state.index().check(&identifier, now_millis());
            let answer = Some(CheckView::new(visitor.language, &answer));
            page(&visitor, &CheckPage { layout, form_error: None, answer })
        }
        Err(error) => {
            let message = if value.trim().is_empty() {
                t.search_empty.to_string()
            } else {
                error_message(visitor.language, &error)
            };
            let form_error = Some(FormError::new(message, "q", None));
            page_with_status(
                &visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(error.code),
                &CheckPage { layout, form_error, answer: None },
            )
        }
    }
}

// ---- message analysis ----

struct FlagMark {
    code: &'static str,
    title: &'static str,
}

struct Segment {
    text: String,
    flag: Option<FlagMark>,
}

struct FlagView {
    code: &'static str,
    title: &'static str,
    detail: Option<String>,
    quotes: String,
}

struct ContactView {
    display: String,
    kind: &'static str,
    query: String,
    verdict_code: &'static str,
    verdict_words: &'static str,
}

struct AnalysisView {
    verdict: &'static str,
    verdict_class: &'static str,
    verdict_words: &'static str,
    icon: &'static str,
    probability: String,
    scam_types: Vec<NamedScamType>,
    segments: Vec<Segment>,
    flags: Vec<FlagView>,
    /// What the page says where the flags would be, when there are none: the analyzer says `suspicious` or `scam`
    /// without a red flag only for a reported contact or for its wording, and the reader is told which.
    no_flags_words: &'static str,
    contacts: Vec<ContactView>,
    advice: Vec<&'static str>,
    more_advice: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "analyze.html")]
struct AnalyzePage {
    layout: Layout,
    form_error: Option<FormError>,
    text: String,
    result: Option<AnalysisView>,
}

/// Cuts `text` into runs of characters that share the same red flag (the first flag that covers a character).
fn segments(language: Language, text: &str, analysis: &Analysis) -> Vec<Segment> {
    let characters: Vec<char> = text.chars().collect();
    let mut owner: Vec<Option<usize>> = vec![None; characters.len()];
    for (index, flag) in analysis.red_flags.iter().enumerate() {
        for &(start, end) in &flag.spans {
            let (start, end) =
                (start.min(characters.len()), end.min(characters.len()).max(start.min(characters.len())));
            for slot in &mut owner[start..end] {
                slot.get_or_insert(index);
            }
        }
    }
    let mut out: Vec<Segment> = Vec::new();
    let mut run_start = 0;
    for position in 1..=characters.len() {
        if position == characters.len() || owner[position] != owner[run_start] {
            let flag = owner[run_start].map(|index| {
                let flag = &analysis.red_flags[index];
                FlagMark { code: flag.code, title: language.pick(flag.vi, flag.en) }
            });
            out.push(Segment { text: characters[run_start..position].iter().collect(), flag });
            run_start = position;
        }
    }
    out
}

/// Pieces of advice shown unfolded under an analysis.
const MAX_ADVICE_SHOWN: usize = 4;

fn analysis_view(language: Language, text: &str, analysis: &Analysis) -> AnalysisView {
    let t = language.texts();
    let (verdict_words, icon) = match analysis.verdict.as_str() {
        "scam" => (t.analysis_scam, "✗"),
        "suspicious" => (t.analysis_suspicious, "⚠"),
        _ => (t.analysis_safe, "✓"),
    };
    // Reported or worse: what the analyzer counts against a message.
    let reported_contact = analysis.identifiers.iter().any(|found| {
        found.check.as_ref().is_some_and(|check| check.verdict >= canhgiac_core::verdict::VerdictLevel::Reported)
    });
    let no_flags_words = match analysis.verdict.as_str() {
        "safe" => t.no_flags,
        _ if reported_contact => t.no_flags_contact_reported,
        _ => t.no_flags_wording,
    };
    let characters: Vec<char> = text.chars().collect();
    let quote = |start: usize, end: usize| -> String {
        let end = end.min(characters.len());
        characters[start.min(end)..end].iter().collect()
    };
    AnalysisView {
        verdict: analysis.verdict.as_str(),
        verdict_class: match analysis.verdict.as_str() {
            "scam" => "high_risk",
            "suspicious" => "suspicious",
            _ => "safe",
        },
        verdict_words,
        icon,
        probability: format::percent(analysis.scam_probability),
        scam_types: analysis
            .scam_types
            .iter()
            .filter(|likely| likely.probability >= 0.2)
            .take(3)
            .filter_map(|likely| ScamType::parse(likely.code).ok())
            .map(|scam| NamedScamType::new(language, scam))
            .collect(),
        segments: segments(language, text, analysis),
        flags: analysis
            .red_flags
            .iter()
            .map(|flag| FlagView {
                code: flag.code,
                title: language.pick(flag.vi, flag.en),
                detail: flag.detail.clone(),
                quotes: flag
                    .spans
                    .iter()
                    .take(3)
                    .map(|&(start, end)| quote(start, end))
                    .collect::<Vec<_>>()
                    .join(" … "),
            })
            .collect(),
        no_flags_words,
        contacts: analysis
            .identifiers
            .iter()
            .map(|found| {
                let level = found.check.as_ref().map_or(canhgiac_core::verdict::VerdictLevel::NoData, |c| c.verdict);
                ContactView {
                    display: found.display.clone(),
                    kind: kind_words(language, found.kind),
                    query: query_value(&found.canonical),
                    verdict_code: level.as_str(),
                    verdict_words: language.verdict_words(level),
                }
            })
            .collect(),
        // The analyzer's advice comes most important first; a worried reader takes in a handful, the rest folds.
        advice: analysis
            .advice
            .iter()
            .take(MAX_ADVICE_SHOWN)
            .map(|advice| language.pick(advice.vi, advice.en))
            .collect(),
        more_advice: analysis
            .advice
            .iter()
            .skip(MAX_ADVICE_SHOWN)
            .map(|advice| language.pick(advice.vi, advice.en))
            .collect(),
    }
}

async fn analysis_page(state: &AppState, visitor: &Visitor, text: &str) -> Response {
    let t = visitor.language.texts();
    let layout = Layout::new(visitor, t.analyze_title, "analyze");
    let analysed = check_message(text).and_then(|()| {
        let message = Message { text, sender: None, channel: Channel::Other, sender_kind: None };
        Analyzer::shipped().analyze(&message, Some(state.index()), now_millis())
    });
    match analysed {
        Ok(analysis) => {
            let result = Some(analysis_view(visitor.language, text, &analysis));
            page(visitor, &AnalyzePage { layout, form_error: None, text: String::new(), result })
        }
        Err(error) => {
            let form_error =
                Some(FormError::new(error_message(visitor.language, &error), "text", Some(t.analyze_label)));
            page_with_status(
                visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(error.code),
                &AnalyzePage { layout, form_error, text: text.to_string(), result: None },
            )
        }
    }
}

pub async fn analyze_form(visitor: Visitor) -> Response {
    let layout = Layout::new(&visitor, visitor.language.texts().analyze_title, "analyze");
    page(&visitor, &AnalyzePage { layout, form_error: None, text: String::new(), result: None })
}

#[derive(Debug, Deserialize)]
pub struct AnalyzeForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    text: String,
}

/// `POST /analyze`.
pub async fn analyze(
    State(state): State<AppState>,
    visitor: Visitor,
    form: Result<Form<AnalyzeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        let t = visitor.language.texts();
        return error_page(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.search_empty);
    };
    if !visitor.form_is_genuine(form.csrf.as_deref()) {
        return csrf_refused(&visitor);
    }
    analysis_page(&state, &visitor, &form.text).await
}

// ---- QR ----

struct PaymentView {
    account: Option<String>,
    bank: Option<String>,
    merchant: Option<String>,
    amount: Option<String>,
    message: Option<String>,
}

struct QrResult {
    content: String,
    payment: Option<PaymentView>,
    answer: Option<CheckView>,
}

#[derive(Template)]
#[template(path = "qr.html")]
struct QrPage {
    layout: Layout,
    form_error: Option<FormError>,
    result: Option<QrResult>,
}

pub async fn qr_form(visitor: Visitor) -> Response {
    let layout = Layout::new(&visitor, visitor.language.texts().qr_title, "qr");
    page(&visitor, &QrPage { layout, form_error: None, result: None })
}

fn qr_error(visitor: &Visitor, status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let t = visitor.language.texts();
    let layout = Layout::new(visitor, t.qr_title, "qr");
    let form_error = Some(FormError::new(message, "qr-image", Some(t.qr_label)));
    page_with_status(visitor, status, Some(code), &QrPage { layout, form_error, result: None })
}

/// `POST /qr` (multipart: `csrf`, `image`): the picture is read while it streams in, up to
/// [`MAX_QR_FILE_BYTES`]; decoded off the async threads; never stored.
pub async fn qr_upload(
    State(state): State<AppState>,
    Extension(portal): Extension<Arc<Portal>>,
    visitor: Visitor,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let t = visitor.language.texts();
    if let Err(retry_after) = portal.uploads.allow(&visitor.client) {
        return rate_limited(&visitor, retry_after);
    }
    let Ok(mut multipart) = multipart else {
        return qr_error(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.qr_missing);
    };
    let (mut csrf, mut image) = (None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return qr_error(&visitor, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::FileTooLarge, t.qr_too_large);
            }
            Err(_) => return qr_error(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.qr_missing),
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("image") => {
                let mut field = field;
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > MAX_QR_FILE_BYTES {
                                return qr_error(
                                    &visitor,
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    ErrorCode::FileTooLarge,
                                    t.qr_too_large,
                                );
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => {
                            return qr_error(
                                &visitor,
                                StatusCode::BAD_REQUEST,
                                ErrorCode::InvalidRequest,
                                t.qr_missing,
                            );
                        }
                    }
                }
                image = Some(bytes);
            }
            _ => {}
        }
    }
    if !visitor.form_is_genuine(csrf.as_deref()) {
        return csrf_refused(&visitor);
    }
    let Some(image) = image.filter(|bytes| !bytes.is_empty()) else {
        return qr_error(&visitor, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::MissingField, t.qr_missing);
    };
    let content = match tokio::task::spawn_blocking(move || read_qr_code(&image)).await {
        Ok(Ok(content)) => content,
        Ok(Err(QrError::NotAnImage)) => {
            return qr_error(
                &visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UnsupportedFileType,
                t.qr_not_image,
            );
        }
        Ok(Err(QrError::TooLarge)) => {
            return qr_error(&visitor, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::FileTooLarge, t.qr_too_large);
        }
        Ok(Err(QrError::NoCode)) => {
            return qr_error(&visitor, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFile, t.qr_no_code);
        }
        Err(_) => {
            return error_page(&visitor, StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, t.error_unavailable);
        }
    };
    let language = visitor.language;
    let identifier = detect(&content).ok();
    let payment = match &identifier {
        Some(Identifier::Vietqr(code)) => Some(PaymentView {
            account: code.account().map(|account| account.display()),
            bank: code
                .bank_bin()
                .and_then(canhgiac_core::identifier::bank_by_bin)
                .map(|bank| format!("{} ({})", bank.short_name, bank.code)),
            merchant: code.merchant_name().map(str::to_string),
            amount: code.amount().map(format::money),
            message: code.message().map(str::to_string),
        }),
        _ => None,
    };
    let answer = identifier.as_ref().map(|identifier| {
        let mut view = CheckView::new(language, &state.index().check(identifier, now_millis()));
        // The link to the whole check names the account the code pays, not the payload.
        if let Identifier::Vietqr(code) = identifier
            && let Some(account) = code.account()
        {
            view.display = account.display();
            view.query = query_value(account.canonical());
        }
        view
    });
    let layout = Layout::new(&visitor, t.qr_title, "qr");
    page(&visitor, &QrPage { layout, form_error: None, result: Some(QrResult { content, payment, answer }) })
}

// ---- tracking ----

struct HistoryView {
    at: String,
    status: &'static str,
    reason: String,
}

struct TrackedReport {
    tracking_code: String,
    status: String,
    status_words: &'static str,
    created_at: String,
    scam_type: &'static str,
    loss: Option<String>,
    evidence: usize,
    history: Vec<HistoryView>,
    narrative: String,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    layout: Layout,
    form_error: Option<FormError>,
    code: String,
    report: Option<TrackedReport>,
}

pub async fn track_form(visitor: Visitor) -> Response {
    let layout = Layout::new(&visitor, visitor.language.texts().track_title, "track");
    page(&visitor, &TrackPage { layout, form_error: None, code: String::new(), report: None })
}

#[derive(Debug, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

fn status_words(language: Language, status: &str) -> &'static str {
    status.parse::<ReportStatus>().map_or("", |status| language.status_words(status))
}

/// The reporter's view of a report (the API's `GET /v1/reports/{code}` answer), ready to show.
fn tracked_report(language: Language, view: &serde_json::Value) -> TrackedReport {
    let text = |key: &str| view[key].as_str().unwrap_or_default().to_string();
    let status = text("status");
    TrackedReport {
        tracking_code: text("tracking_code"),
        status_words: status_words(language, &status),
        status,
        created_at: view["created_at"].as_i64().map(format::date_time).unwrap_or_default(),
        scam_type: view["scam_type"]
            .as_str()
            .and_then(|code| ScamType::parse(code).ok())
            .map_or("", |scam| language.pick(scam.name_vi(), scam.name_en())),
        loss: view["loss_vnd"].as_u64().map(format::money),
        evidence: view["evidence"].as_array().map_or(0, Vec::len),
        history: view["history"]
            .as_array()
            .map(|history| {
                history
                    .iter()
                    .map(|change| HistoryView {
                        at: change["at"].as_i64().map(format::date_time).unwrap_or_default(),
                        status: status_words(language, change["status"].as_str().unwrap_or_default()),
                        // The first change's reason is the status's own code: nothing to add.
                        reason: change["reason"]
                            .as_str()
                            .filter(|reason| Some(*reason) != change["status"].as_str())
                            .unwrap_or_default()
                            .to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        narrative: text("narrative"),
    }
}

/// `POST /track` (code and secret in the body, never in the URL).
pub async fn track(
    State(state): State<AppState>,
    Extension(portal): Extension<Arc<Portal>>,
    visitor: Visitor,
    form: Result<Form<TrackForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let t = visitor.language.texts();
    if let Err(retry_after) = portal.lookups.allow(&visitor.client) {
        return rate_limited(&visitor, retry_after);
    }
    let Ok(Form(form)) = form else {
        return error_page(&visitor, StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, t.track_not_found);
    };
    if !visitor.form_is_genuine(form.csrf.as_deref()) {
        return csrf_refused(&visitor);
    }
    let layout = Layout::new(&visitor, t.track_title, "track");
    let code = form.code.trim().to_ascii_uppercase();
    let intake = match state.intake() {
        Ok(intake) => intake,
        Err(_) => {
            return error_page(&visitor, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, t.error_unavailable);
        }
    };
    match intake.report_for_reporter(&code, form.secret.trim()).await {
        Ok(view) => {
            let report = Some(tracked_report(visitor.language, &view));
            page(&visitor, &TrackPage { layout, form_error: None, code, report })
        }
        Err(error) if error.code == ErrorCode::NotFound => {
            let form_error = Some(FormError::new(t.track_not_found, "code", Some(t.code_label)));
            page_with_status(
                &visitor,
                StatusCode::NOT_FOUND,
                Some(ErrorCode::NotFound),
                &TrackPage { layout, form_error, code, report: None },
            )
        }
        Err(error) => domain_error_page(&visitor, &error),
    }
}

// ---- the scam library ----

struct LibraryEntry {
    code: &'static str,
    name: &'static str,
    summary: &'static str,
}

#[derive(Template)]
#[template(path = "scams.html")]
struct LibraryIndexPage {
    layout: Layout,
    scams: Vec<LibraryEntry>,
}

pub async fn library_index(visitor: Visitor) -> Response {
    let language = visitor.language;
    let scams = scam_library()
        .iter()
        .map(|scam| LibraryEntry { code: scam.code.code(), name: scam.name(language), summary: scam.summary(language) })
        .collect();
    let layout = Layout::new(&visitor, language.texts().library_title, "library");
    page(&visitor, &LibraryIndexPage { layout, scams })
}

#[derive(Template)]
#[template(path = "scam.html")]
struct ScamPageView {
    layout: Layout,
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    how: &'static [String],
    signs: &'static [String],
    todo: &'static [String],
    example: &'static str,
}

pub async fn library_page(visitor: Visitor, Path(code): Path<String>) -> Response {
    let language = visitor.language;
    let Some(scam) = scam_page(&code) else {
        return error_page(&visitor, StatusCode::NOT_FOUND, ErrorCode::NotFound, language.texts().error_not_found);
    };
    let layout = Layout::new(&visitor, scam.name(language), "library");
    page(
        &visitor,
        &ScamPageView {
            layout,
            code: scam.code.code(),
            name: scam.name(language),
            summary: scam.summary(language),
            how: scam.how(language),
            signs: scam.signs(language),
            todo: scam.what_to_do(language),
            example: scam.example(language),
        },
    )
}

// ---- language, API reference ----

#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    to: String,
    #[serde(default)]
    back: String,
}

/// Only a path of this site: never `//elsewhere` or `https://elsewhere` (an open redirect).
fn safe_back(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') { back } else { "/" }
}

/// `GET /lang?to=en&back=/path`: remembers the language for a year and goes back.
pub async fn switch_language(
    query: Result<Query<LanguageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (language, back) = match &query {
        Ok(Query(query)) => (Language::parse(&query.to).unwrap_or_default(), safe_back(&query.back).to_string()),
        Err(_) => (Language::default(), "/".to_string()),
    };
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", language.code());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "docs.html")]
struct ApiReferencePage {
    layout: Layout,
}

/// `GET /docs`: Swagger UI (vendored) over `/openapi.json`.
pub async fn api_reference(visitor: Visitor) -> Response {
    let layout = Layout::new(&visitor, visitor.language.texts().docs_title, "");
    page(&visitor, &ApiReferencePage { layout })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_hotlines_are_found_by_the_names_people_write() {
        let (organisation, number) = bank_hotline("VCB").expect("Vietcombank is in the trust directory");
        assert_eq!(organisation, "Vietcombank");
        assert_eq!(number, "1900 54 54 13");
        assert_eq!(bank_hotline("vietcombank").map(|(o, _)| o), Some("Vietcombank".to_string()));
        assert_eq!(bank_hotline("BIDV").map(|(o, _)| o), Some("BIDV".to_string()));
        assert_eq!(bank_hotline("no such bank"), None);
    }

    #[test]
    fn only_local_paths_are_gone_back_to() {
        assert_eq!(safe_back("/check?q=1"), "/check?q=1");
        assert_eq!(safe_back("//evil.example"), "/");
        assert_eq!(safe_back("https://evil.example"), "/");
        assert_eq!(safe_back("/\\evil.example"), "/");
    }

    #[test]
    fn with_no_flag_the_page_says_why_a_message_is_still_suspicious() {
        use canhgiac_analyzer::{Analysis, Channel, MessageVerdict};
        let analysis = |verdict| Analysis {
            verdict,
            scam_probability: 0.5,
            scam_types: vec![],
            red_flags: vec![],
            identifiers: vec![],
            advice: vec![],
            channel: Channel::Other,
            sender_kind: "unknown",
        };
        let t = Language::English.texts();
        let view = |verdict| analysis_view(Language::English, "xin chao", &analysis(verdict));
        assert_eq!(view(MessageVerdict::Safe).no_flags_words, t.no_flags);
        // The analyzer calls a message suspicious without a flag only for its wording or a reported contact.
        assert_eq!(view(MessageVerdict::Suspicious).no_flags_words, t.no_flags_wording);
        let page = AnalyzePage {
            layout: Layout {
                lang: "en",
                other_lang: "vi",
                t,
                title: String::new(),
                csrf: "token".into(),
                lang_switch_href: "/".into(),
                section: "analyze",
            },
            form_error: None,
            text: "xin chao".into(),
            result: Some(view(MessageVerdict::Suspicious)),
        };
        let html = page.render().unwrap();
        assert!(html.contains("the wording is like that of the scam messages"), "{html}");
    }

    #[test]
    fn messages_are_told_from_single_values() {
        assert!(word_count("momo 0862 345 678") <= MAX_CONTACT_WORDS);
        assert!(word_count("Vietcombank thong bao: tai khoan cua quy khach bi tam khoa") > MAX_CONTACT_WORDS);
    }
}
