//! What the templates show, made from the domain's answers: every text already in the visitor's language,
//! every number and date already formatted, so the templates only place them.

use crate::format;
use crate::language::{Language, Texts};
use crate::visitor::Visitor;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::verdict::VerdictLevel;
use canhgiac_core::{Error, ErrorCode, ScamType};
use canhgiac_index::CheckAnswer;
use canhgiac_server::ErrorCodeExtension;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// What the base template needs.
pub struct Layout {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub t: &'static Texts,
    pub title: String,
    pub csrf: String,
    pub lang_switch_href: String,
    /// The navigation entry marked current: `check`, `analyze`, `qr`, `report`, `track`, `library` or empty.
    pub section: &'static str,
}

impl Layout {
    pub fn new(visitor: &Visitor, title: &str, section: &'static str) -> Layout {
        let language = visitor.language;
        Layout {
            lang: language.code(),
            other_lang: language.other().code(),
            t: language.texts(),
            title: title.to_string(),
            csrf: visitor.csrf.clone(),
            lang_switch_href: format!(
                "/lang?to={}&back={}",
                language.other().code(),
                query_value(&back_path(&visitor.path_and_query))
            ),
            section,
        }
    }
}

/// Where the language switch comes back to: the page itself, or home after a form was sent (a POST page
/// cannot be reloaded by a GET).
fn back_path(path_and_query: &str) -> String {
    match path_and_query {
        "/search" => "/".to_string(),
        other => other.to_string(),
    }
}

/// A value placed in a URL's query.
pub fn query_value(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// An error shown above a form, naming the field to fix.
pub struct FormError {
    pub message: String,
    pub field_label: Option<String>,
    /// The `id` of the field, for the link that moves the focus to it.
    pub field_id: String,
}

impl FormError {
    pub fn new(message: impl Into<String>, field_id: &str, field_label: Option<&str>) -> FormError {
        FormError {
            message: message.into(),
            field_label: field_label.map(str::to_string),
            field_id: field_id.to_string(),
        }
    }
}

/// What a domain error says to the visitor: the code's Vietnamese summary on a Vietnamese page (the domain's
/// messages are in English), the message itself on an English one.
pub fn error_message(language: Language, error: &Error) -> String {
    match language {
        Language::Vietnamese => error.code.summary_vi().to_string(),
        Language::English => error.message.clone(),
    }
}

/// Renders `template` as the page, with the visitor's cookie.
pub fn page(visitor: &Visitor, template: &impl Template) -> Response {
    page_with_status(visitor, StatusCode::OK, None, template)
}

/// Renders `template` with `status`; an error status carries its code, so the API's error layer leaves the
/// page alone and the request log names it.
pub fn page_with_status(
    visitor: &Visitor,
    status: StatusCode,
    code: Option<ErrorCode>,
    template: &impl Template,
) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if let Some(code) = code {
                response.extensions_mut().insert(ErrorCodeExtension(code));
            }
            visitor.finish(response)
        }
        Err(error) => {
            tracing::error!(%error, "a page template failed to render");
            let mut response = (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            response.extensions_mut().insert(ErrorCodeExtension(ErrorCode::Internal));
            response
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

/// A whole page saying what went wrong.
pub fn error_page(visitor: &Visitor, status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let layout = Layout::new(visitor, visitor.language.texts().error_title, "");
    page_with_status(visitor, status, Some(code), &ErrorPage { layout, message: message.to_string() })
}

/// The page for an error from the domain: a refusal of the input is the visitor's to fix; anything else is ours.
pub fn domain_error_page(visitor: &Visitor, error: &Error) -> Response {
    let t = visitor.language.texts();
    let status = canhgiac_server::status_for(error.category());
    if status.is_server_error() {
        tracing::error!(code = %error.code, "a portal page failed");
        error_page(visitor, status, error.code, t.error_unavailable)
    } else {
        error_page(visitor, status, error.code, &error_message(visitor.language, error))
    }
}

pub fn csrf_refused(visitor: &Visitor) -> Response {
    error_page(visitor, StatusCode::FORBIDDEN, ErrorCode::Forbidden, visitor.language.texts().error_csrf)
}

pub fn rate_limited(visitor: &Visitor, retry_after: std::time::Duration) -> Response {
    let mut response =
        error_page(visitor, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, visitor.language.texts().error_rate);
    if let Ok(value) = retry_after.as_secs().max(1).to_string().parse() {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

pub struct VerdictView {
    pub code: &'static str,
    /// A symbol beside the words and the colour: the verdict is never told by colour alone.
    pub icon: &'static str,
    pub words: &'static str,
    pub explained: &'static str,
    pub score: u8,
}

pub fn verdict_icon(level: VerdictLevel) -> &'static str {
    match level {
        // Symbols that the default fonts of phones and of Debian (DejaVu) all have: no emoji.
        VerdictLevel::OfficialVerified => "✓",
        VerdictLevel::NoData => "?",
        VerdictLevel::Reported => "!",
        VerdictLevel::Suspicious => "⚠",
        VerdictLevel::HighRisk => "✗",
        VerdictLevel::ConfirmedScam => "✗",
    }
}

pub fn kind_words(language: Language, kind: IdentifierKind) -> &'static str {
    let (vi, en) = match kind {
        IdentifierKind::Phone => ("Số điện thoại", "Phone number"),
        IdentifierKind::BankAccount => ("Tài khoản ngân hàng", "Bank account"),
        IdentifierKind::Card => ("Thẻ ngân hàng", "Bank card"),
        IdentifierKind::Ewallet => ("Ví điện tử", "E-wallet"),
        IdentifierKind::Url => ("Đường link", "Link"),
        IdentifierKind::Domain => ("Tên miền", "Domain"),
        IdentifierKind::Email => ("Email", "E-mail"),
        IdentifierKind::Ip => ("Địa chỉ IP", "IP address"),
        IdentifierKind::Social => ("Tài khoản mạng xã hội", "Social account"),
        IdentifierKind::Crypto => ("Ví tiền mã hoá", "Crypto wallet"),
        IdentifierKind::Vietqr => ("Mã VietQR", "VietQR code"),
    };
    language.pick(vi, en)
}

pub struct NamedScamType {
    pub code: &'static str,
    pub name: &'static str,
}

impl NamedScamType {
    pub fn new(language: Language, scam_type: ScamType) -> Self {
        NamedScamType { code: scam_type.code(), name: language.pick(scam_type.name_vi(), scam_type.name_en()) }
    }
}

pub struct ImitationView {
    pub brand: String,
    pub official_domain: Option<String>,
}

pub struct RelatedView {
    pub display: String,
    pub query: String,
    pub verdict_code: &'static str,
    pub verdict_words: &'static str,
}

/// A check's answer, ready to show.
pub struct CheckView {
    pub kind: &'static str,
    pub display: String,
    pub query: String,
    pub verdict: VerdictView,
    pub imitates: Option<ImitationView>,
    pub reasons: Vec<String>,
    pub appeal: Option<&'static str>,
    pub reports: String,
    pub reporters: String,
    pub losses: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub scam_types: Vec<NamedScamType>,
    pub related: Vec<RelatedView>,
    pub advice: Vec<&'static str>,
    /// The contact for the report form's link.
    pub report_query: String,
}

pub fn advice_for(language: Language, level: VerdictLevel) -> Vec<&'static str> {
    let t = language.texts();
    match level {
        VerdictLevel::OfficialVerified => vec![t.advice_official_1, t.advice_risky_2],
        VerdictLevel::NoData | VerdictLevel::Reported => {
            vec![t.advice_unknown_1, t.advice_unknown_2, t.advice_risky_2]
        }
        VerdictLevel::Suspicious | VerdictLevel::HighRisk | VerdictLevel::ConfirmedScam => {
            vec![t.advice_risky_1, t.advice_risky_2, t.advice_risky_3]
        }
    }
}

impl CheckView {
    pub fn new(language: Language, answer: &CheckAnswer) -> CheckView {
        let t = language.texts();
        let seen = |at: Option<i64>| at.map(format::date);
        let appeal = match answer.appeal.state {
            "pending" => Some(t.appeal_pending),
            "upheld" => Some(t.appeal_upheld),
            "rejected" => Some(t.appeal_rejected),
            _ => None,
        };
        CheckView {
            kind: kind_words(language, answer.kind),
            display: answer.display.clone(),
            query: query_value(&answer.canonical),
            verdict: VerdictView {
                code: answer.verdict.as_str(),
                icon: verdict_icon(answer.verdict),
                words: language.verdict_words(answer.verdict),
                explained: language.verdict_explained(answer.verdict),
                score: answer.score,
            },
            imitates: answer.imitates.as_ref().map(|imitation| ImitationView {
                brand: imitation.brand.clone(),
                official_domain: imitation.official_domain.clone(),
            }),
            reasons: answer.reasons.iter().map(|reason| language.pick(&reason.vi, &reason.en).to_string()).collect(),
            appeal,
            reports: format::grouped(u64::from(answer.counts.reports)),
            reporters: format::grouped(u64::from(answer.counts.distinct_reporters)),
            losses: format::money(answer.counts.losses_vnd),
            first_seen: seen(answer.first_seen),
            last_seen: seen(answer.last_seen),
            scam_types: answer.scam_types.iter().map(|scam| NamedScamType::new(language, *scam)).collect(),
            related: answer
                .related
                .iter()
                .map(|related| RelatedView {
                    display: canhgiac_core::detect(&related.canonical)
                        .map(|identifier| identifier.display())
                        .unwrap_or_else(|_| related.canonical.clone()),
                    query: query_value(&related.canonical),
                    verdict_code: related.verdict.as_str(),
                    verdict_words: language.verdict_words(related.verdict),
                })
                .collect(),
            advice: advice_for(language, answer.verdict),
            report_query: query_value(&answer.display),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_comes_back_to_the_page() {
        assert_eq!(query_value("/check?q=+84912"), "%2Fcheck%3Fq%3D%2B84912");
        assert_eq!(back_path("/search"), "/");
    }
}
