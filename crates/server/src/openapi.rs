//! `GET /openapi.json`: the OpenAPI 3.1 description of the whole public and partner API.
//!
//! The document is written by hand in `crates/server/openapi.json` and compiled in; `tests/openapi.rs` holds
//! it to the routes (every route registered in `routes.rs` is documented, and nothing else), checks that every
//! `$ref` resolves, and checks live answers against the schemas it gives.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as written.
pub const OPENAPI_DOCUMENT: &str = include_str!("../openapi.json");

/// `GET /openapi.json`.
pub async fn openapi_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=300")], OPENAPI_DOCUMENT)
}
