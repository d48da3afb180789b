//! Helpers shared by this crate's integration tests.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

/// A response read whole, its body as JSON.
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// Sends `request` through `app` (the whole [`canhgiac_server::App`], or a router under the middleware) and reads
/// the JSON answer (a body that is not JSON fails the test, naming it).
pub async fn send<S>(app: S, request: Request<Body>) -> Answer
where
    S: tower::Service<Request<Body>, Response = axum::response::Response, Error = std::convert::Infallible>,
{
    let response = app.oneshot(request).await.expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.expect("a readable body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {:?}", String::from_utf8_lossy(&bytes)));
    Answer { status, headers, body }
}
