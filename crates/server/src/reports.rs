//! Report intake over HTTP: `POST /v1/reports` (JSON, or multipart with evidence files), the reporter's
//! status page, 5656 messages from telecom gateways, partner listings, and the partner report reads.
//! The work is in [`crate::intake`]; this module only speaks HTTP.

use crate::AppState;
use crate::error::ApiError;
use crate::intake::{ListingInput, MAX_SMS_PER_CALL, SmsMessage, UploadedFile, listings_from_csv};
use crate::json::{ApiJson, from_json_slice};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::access::Principal;
use canhgiac_core::report::{ReportStatus, ReportSubmission};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_store::ReportFilter;
use serde::Deserialize;
use serde_json::{Value, json};

/// The header that carries a report's secret on `GET /v1/reports/{code}`.
pub const REPORT_SECRET_HEADER: &str = "x-report-secret";
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

fn content_type_essence(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get(IDEMPOTENCY_KEY_HEADER) {
        None => Ok(None),
        Some(value) => value.to_str().map(|v| Some(v.trim().to_string())).map_err(|_| {
            Error::new(ErrorCode::InvalidIdempotencyKey, "an Idempotency-Key is 1-255 visible ASCII characters")
                .with_field("Idempotency-Key")
                .into()
        }),
    }
}

/// `POST /v1/reports`.
pub async fn submit_report(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let intake = state.intake()?.clone();
    let principal = request.extensions().get::<Principal>().cloned();
    let key = idempotency_key(request.headers())?;
    let (submission, files) = if content_type_essence(request.headers()) == "multipart/form-data" {
        let multipart = Multipart::from_request(request, &state).await.map_err(|rejection| {
            ApiError::from(Error::new(
                ErrorCode::InvalidRequest,
                format!("cannot read the multipart body: {rejection}"),
            ))
        })?;
        read_multipart(multipart, intake.evidence_limits()).await?
    } else {
        let ApiJson(submission) = ApiJson::<ReportSubmission>::from_request(request, &state).await?;
        (submission, Vec::new())
    };
    let receipt = intake.submit(principal.as_ref(), submission, files, key).await?;
    let replayed = receipt.replayed;
    let mut response = (StatusCode::CREATED, Json(json!(receipt))).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Multipart: one `report` part holding the JSON submission, and `files` parts (any number up to the limit).
async fn read_multipart(
    mut multipart: Multipart,
    limits: canhgiac_evidence::EvidenceLimits,
) -> Result<(ReportSubmission, Vec<UploadedFile>), ApiError> {
    let mut submission = None;
    let mut files = Vec::new();
    let multipart_error = |error: axum::extract::multipart::MultipartError| -> ApiError {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large()
        } else {
            Error::new(ErrorCode::InvalidRequest, format!("cannot read the multipart body: {}", error.body_text()))
                .into()
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "report" => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                submission = Some(from_json_slice::<ReportSubmission>(&bytes)?);
            }
            "files" | "files[]" | "file" => {
                let position = files.len();
                limits.check_count(position + 1).map_err(|e| ApiError::from(e.with_field("files")))?;
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    bytes.extend_from_slice(&chunk);
                    limits
                        .check_size(bytes.len() as u64)
                        .map_err(|e| ApiError::from(e.with_field(format!("files[{position}]"))))?;
                }
                files.push(UploadedFile { bytes });
            }
            other => {
                return Err(Error::new(
                    ErrorCode::UnknownField,
                    format!(
                        "unknown part '{}': send 'report' (JSON) and 'files'",
                        canhgiac_core::text::shorten_for_message(other)
                    ),
                )
                .with_field(other.to_string())
                .into());
            }
        }
    }
    let submission = submission.ok_or_else(|| {
        ApiError::from(
            Error::new(ErrorCode::MissingField, "the multipart body needs a 'report' part holding the report as JSON")
                .with_field("report"),
        )
    })?;
    Ok((submission, files))
}

/// `GET /v1/reports/{code}` with `X-Report-Secret`.
pub async fn report_status(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let secret = headers.get(REPORT_SECRET_HEADER).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        ApiError::from(
            Error::new(ErrorCode::Unauthenticated, "send the report's secret in the X-Report-Secret header")
                .with_field("X-Report-Secret"),
        )
    })?;
    Ok(Json(state.intake()?.report_for_reporter(&code, secret).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsBatch {
    messages: Vec<SmsMessage>,
}

/// `POST /v1/intake/sms`: one report per message; each message answered on its own.
pub async fn intake_sms(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    ApiJson(batch): ApiJson<SmsBatch>,
) -> Result<Json<Value>, ApiError> {
    if batch.messages.len() > MAX_SMS_PER_CALL {
        return Err(Error::new(ErrorCode::InvalidValue, format!("at most {MAX_SMS_PER_CALL} messages per call"))
            .with_field("messages")
            .into());
    }
    let intake = state.intake()?;
    let mut results = Vec::with_capacity(batch.messages.len());
    let (mut accepted, mut refused) = (0, 0);
    for (index, message) in batch.messages.iter().enumerate() {
        match intake.submit_sms(&principal, message).await {
            Ok(receipt) => {
                accepted += 1;
                results.push(json!({"index": index, "tracking_code": receipt.tracking_code, "status": receipt.status, "replayed": receipt.replayed}));
            }
            Err(error) if error.category() == canhgiac_core::ErrorCategory::InvalidRequest => {
                refused += 1;
                let field = format!("messages[{index}].{}", error.field.as_deref().unwrap_or("text"));
                results.push(
                    json!({"index": index, "error": {"code": error.code, "message": error.message, "field": field}}),
                );
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(Json(json!({"accepted": accepted, "refused": refused, "results": results})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingBatch {
    listings: Vec<ListingInput>,
}

/// `POST /v1/partner/listings`: JSON `{listings: [...]}` or CSV; all or nothing.
pub async fn partner_listings(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let essence = content_type_essence(request.headers());
    let items = if essence == "text/csv" {
        let bytes = Bytes::from_request(request, &state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large()
            } else {
                ApiError::invalid_request("could not read the request body")
            }
        })?;
        listings_from_csv(&bytes)?
    } else {
        let ApiJson(batch) = ApiJson::<ListingBatch>::from_request(request, &state).await?;
        batch.listings
    };
    let outcome = state.intake()?.submit_listings(&principal, items).await?;
    Ok(Json(json!({"created": outcome.created, "updated": outcome.updated})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A page cursor: `<created_at>.<id>` of the last report of the previous page.
fn parse_cursor(cursor: &str) -> Result<(i64, String), Error> {
    cursor
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string())))
        .filter(|(_, id)| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| Error::new(ErrorCode::InvalidValue, "not a cursor given by this API").with_field("cursor"))
}

/// `GET /v1/partner/reports`: newest first, filtered by status or contact.
pub async fn partner_reports(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::invalid_request(rejection.body_text()))?;
    let status =
        query.status.as_deref().map(|s| s.parse::<ReportStatus>().map_err(|e| e.with_field("status"))).transpose()?;
    let contact = query
        .contact
        .as_deref()
        .map(|c| canhgiac_core::detect(c).map(|i| i.canonical()).map_err(|e| e.with_field("contact")))
        .transpose()?;
    let (before, before_id) = match query.cursor.as_deref() {
        Some(cursor) => {
            let (at, id) = parse_cursor(cursor)?;
            (Some(at), Some(id))
        }
        None => (query.before, None),
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let filter = ReportFilter { status, contact, before, before_id, limit };
    let intake = state.intake()?;
    let reports = intake.store().reports(&filter).await?;
    let views: Result<Vec<Value>, Error> = reports.iter().map(|r| intake.partner_view(&principal, r)).collect();
    let views = views?;
    // A full page may have a next one; the cursor names the last report so that none sharing its millisecond is skipped.
    let next_cursor =
        (reports.len() == limit).then(|| reports.last().map(|r| format!("{}.{}", r.created_at, r.id))).flatten();
    Ok(Json(json!({"reports": views, "next_cursor": next_cursor})))
}

/// `GET /v1/partner/reports/{code}`.
pub async fn partner_report(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.intake()?.report_for_partner(&principal, &code).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    status: String,
    reason: String,
}

/// `POST /v1/partner/reports/{code}/status`.
pub async fn change_report_status(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<StatusChangeRequest>,
) -> Result<Json<Value>, ApiError> {
    let status: ReportStatus = request.status.parse().map_err(|e: Error| e.with_field("status"))?;
    Ok(Json(state.intake()?.change_status(&principal, &code, status, &request.reason).await?))
}
