//! The API's routes and handlers.

use crate::error::ApiError;
use crate::json::ApiJson;
use crate::middleware::{compress_large_answers, with_body_limit};
use crate::{AppState, analyze, appeals, auth, check, reports, screen};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use canhgiac_core::{Identifier, IdentifierKind, detect, extract};
use serde::Deserialize;
use serde_json::{Value, json};

/// The routes with their body limits and authentication, without the middleware stack (see
/// [`crate::with_middleware`]).
pub fn routes(state: &AppState) -> Router<AppState> {
    // Routes whose answers can be large are compressed when the client accepts it (`compress_large_answers`).
    let limits = state.limits();
    let small = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(crate::openapi::openapi_document).layer(compress_large_answers()))
        .route("/v1/identifiers/parse", post(parse_identifier))
        .route("/v1/identifiers/extract", post(extract_identifiers))
        .route("/v1/reports/{code}", get(reports::report_status))
        .route("/v1/partner/reports", get(reports::partner_reports).layer(compress_large_answers()))
        .route("/v1/partner/reports/{code}", get(reports::partner_report))
        .route("/v1/partner/reports/{code}/status", post(reports::change_report_status))
        .route("/v1/check", get(check::check))
        .route("/v1/analyze", post(analyze::analyze).layer(compress_large_answers()))
        .route("/v1/range/{prefix}", get(check::range))
        .route("/v1/lists/{kind}", get(check::list).layer(compress_large_answers()))
        .route("/v1/appeals", post(appeals::submit_appeal))
        .route("/v1/partner/appeals", get(appeals::list_appeals).layer(compress_large_answers()))
        .route("/v1/partner/appeals/{id}/decision", post(appeals::decide_appeal))
        .route("/v1/screen/transfer", post(screen::screen_transfer))
        .route("/v1/screen/outcome", post(screen::screen_outcome))
        .route("/v1/screen/transfers/{transfer_id}", get(screen::screened_transfer))
        .route("/v1/screen/freeze-requests", get(screen::freeze_requests).layer(compress_large_answers()))
        .route("/v1/screen/rules/reload", post(screen::reload_rules));
    let reports_route = Router::new().route("/v1/reports", post(reports::submit_report));
    let bulk = Router::new()
        .route("/v1/intake/sms", post(reports::intake_sms))
        .route("/v1/partner/listings", post(reports::partner_listings))
        .route("/v1/check/batch", post(check::check_batch).layer(compress_large_answers()))
        .route("/v1/screen/feed", post(screen::screen_feed));
    with_body_limit(small, limits.body_limit)
        .merge(with_body_limit(reports_route, limits.report_body_limit))
        .merge(with_body_limit(bulk, limits.bulk_body_limit))
        // Around the routes only: it needs the matched route to know what the route requires.
        .route_layer(auth::AuthenticateLayer::new(state.clone()))
        .fallback(not_found)
        // After the routes: it applies to the routes added so far.
        .method_not_allowed_fallback(method_not_allowed)
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// How long `/readyz` waits for the store.
const READY_STORE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /readyz`: whether this server can take traffic (for a load balancer or an orchestrator's readiness probe):
/// its store answers a query within [`READY_STORE_WAIT`]. `/healthz` says only that the process serves.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let store = state.intake()?.store();
    let why_not = match tokio::time::timeout(READY_STORE_WAIT, store.schema_version()).await {
        Ok(Ok(schema_version)) => {
            return Ok(Json(json!({
                "status": "ready",
                "store": store.backend().as_str(),
                "schema_version": schema_version,
                "index_contacts": state.index().len(),
            })));
        }
        // The store's own message may name hosts: it goes to the log, not to whoever asked (no key is needed).
        Ok(Err(error)) => {
            tracing::warn!(code = error.code.as_str(), message = %error.message, "readiness: the store does not answer");
            "the store does not answer (the server's log says why)".to_string()
        }
        Err(_) => format!("the store did not answer within {} s", READY_STORE_WAIT.as_secs()),
    };
    Err(canhgiac_core::Error::new(canhgiac_core::ErrorCode::Unavailable, why_not).with_field("store").into())
}

/// `GET /metrics` (a key of the platform's organisation): the operators' metrics, for Prometheus.
async fn metrics_text(State(state): State<AppState>) -> Response {
    let text = crate::metrics::render(&state);
    ([(header::CONTENT_TYPE, crate::metrics::METRICS_CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], text)
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParseRequest {
    value: String,
    #[serde(default)]
    kind: Option<String>,
}

/// `POST /v1/identifiers/parse`: the strict parser of `kind`, or `detect` without one.
async fn parse_identifier(ApiJson(request): ApiJson<ParseRequest>) -> Result<Json<Value>, ApiError> {
    let parsed = match &request.kind {
        Some(kind) => kind.parse::<IdentifierKind>()?.parse(&request.value),
        None => detect(&request.value),
    };
    let identifier = parsed.map_err(|mut err| {
        if err.field.is_none() {
            err.field = Some("value".into());
        }
        err
    })?;
    Ok(Json(identifier_json(&identifier, None)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractRequest {
    text: String,
}

/// `POST /v1/identifiers/extract`: every identifier found in free text, with its span in characters.
async fn extract_identifiers(ApiJson(request): ApiJson<ExtractRequest>) -> Json<Value> {
    let identifiers: Vec<Value> =
        extract(&request.text).iter().map(|found| identifier_json(&found.identifier, Some(found.span))).collect();
    Json(json!({ "identifiers": identifiers }))
}

/// The identifier's JSON, with `"span": [start, end]` when it was found in a text.
pub fn identifier_json(identifier: &Identifier, span: Option<(usize, usize)>) -> Value {
    let mut map = identifier.to_json();
    if let Some((start, end)) = span {
        map.insert("span".into(), json!([start, end]));
    }
    Value::Object(map)
}

/// A path that is no route: the API's JSON error, or, for a browser asking for a page outside `/v1/`, a short page
/// in both languages that leads back to the portal's home.
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_page = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if !wants_page || uri.path().starts_with("/v1/") {
        return ApiError::not_found().into_response();
    }
    let page = "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Không tìm thấy trang · Page not found</title><link rel=\"stylesheet\" href=\"/static/portal.css\"></head>\
        <body><main id=\"main\"><h1>Không tìm thấy trang này</h1><p lang=\"en\">This page does not exist.</p>\
        <p><a class=\"button\" href=\"/\">Về trang chủ · Home</a></p></main></body></html>";
    let mut response = (axum::http::StatusCode::NOT_FOUND, axum::response::Html(page)).into_response();
    // Marked with its code, so the JSON error layer leaves the page alone.
    response.extensions_mut().insert(crate::ErrorCodeExtension(canhgiac_core::ErrorCode::NotFound));
    response
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
