//! The API's routes and handlers.

use crate::AppState;
use crate::error::ApiError;
use crate::json::ApiJson;
use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use canhgiac_core::{Identifier, IdentifierKind, detect, extract};
use serde::Deserialize;
use serde_json::{Value, json};

/// The routes, without the middleware stack (see [`crate::with_middleware`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/identifiers/parse", post(parse_identifier))
        .route("/v1/identifiers/extract", post(extract_identifiers))
        .fallback(not_found)
        // After the routes: it applies to the routes added so far.
        .method_not_allowed_fallback(method_not_allowed)
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
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

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
