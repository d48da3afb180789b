//! The middleware stack every route runs under: request log, error shape, timeout, panic catcher,
//! body limit.
//!
//! Outermost first:
//! 1. request log (method, matched route, status, latency, the API key's public prefix, error code; never the
//!    path, query or body),
//! 2. JSON errors: any error response not already in the API's shape gets it, status and headers kept,
//! 3. request timeout → 503 `unavailable`,
//! 4. panic catcher → 500 `internal`,
//! 5. body limit → 413 `payload_too_large`, per route group ([`with_body_limit`] in `routes`).

use crate::auth::CallerLabel;
use crate::error::{ApiError, ErrorCodeExtension};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Applies a body limit to every route of `router`: by `Content-Length` up front, and while reading.
pub fn with_body_limit<S: Clone + Send + Sync + 'static>(router: Router<S>, limit: usize) -> Router<S> {
    router.layer(DefaultBodyLimit::max(limit)).layer(RequestBodyLimitLayer::new(limit))
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest a request may take before it is answered 503 `unavailable`.
    pub request_timeout: Duration,
    /// Longest an upload (`POST /v1/reports` with files, bulk partner calls) may take.
    pub upload_timeout: Duration,
    /// Largest request body, in bytes, on routes that take small JSON bodies.
    pub body_limit: usize,
    /// Largest body of `POST /v1/reports` (JSON or multipart with evidence files).
    pub report_body_limit: usize,
    /// Largest body of bulk partner calls (listings, 5656 batches).
    pub bulk_body_limit: usize,
}

impl HttpLimits {
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
    /// 20 files of 10 MiB, and room for the report and the multipart framing.
    pub const DEFAULT_REPORT_BODY_LIMIT: usize = 20 * 10 * 1024 * 1024 + 1024 * 1024;
    /// 10,000 listings of about 1 KB.
    pub const DEFAULT_BULK_BODY_LIMIT: usize = 16 * 1024 * 1024;

    /// The routes that take uploads, and so the longer timeout (the portal's report form and QR upload too).
    pub fn is_upload_route(route: &str) -> bool {
        matches!(route, "/v1/reports" | "/v1/partner/listings" | "/v1/intake/sms" | "/report" | "/qr")
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            upload_timeout: Self::DEFAULT_UPLOAD_TIMEOUT,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            report_body_limit: Self::DEFAULT_REPORT_BODY_LIMIT,
            bulk_body_limit: Self::DEFAULT_BULK_BODY_LIMIT,
        }
    }
}

/// Limits applied to every request.
#[doc(hidden)]
const _LIMITS_DOC: () = ();

/// Wraps every route of `router` (and its fallback) in the middleware stack.
pub fn with_middleware(router: Router, limits: HttpLimits) -> Router {
    // `Router::layer` wraps what is there already: the last layer added is the outermost.
    // Body limits are per route group (see `routes`): an upload may be far larger than a lookup.
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(limits, timeout))
        .layer(middleware::map_response(json_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(log_response)
                .on_failure(()),
        )
}

/// The request's span: method and matched route only. The path itself and the query string may
/// hold a reporter's phone number or account, and personal data is never logged.
fn make_span(request: &Request) -> Span {
    let route = request.extensions().get::<MatchedPath>().map_or("<unmatched>", MatchedPath::as_str);
    tracing::info_span!("http", method = %request.method(), route = %route)
}

fn log_response(response: &Response, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    // Microsecond precision is plenty, and prints short.
    let latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3;
    // The key's public prefix says which partner called; the key itself is never logged.
    let key = response.extensions().get::<CallerLabel>().map_or("-", |label| label.0.as_str());
    match response.extensions().get::<ErrorCodeExtension>() {
        Some(ErrorCodeExtension(code)) if response.status().is_server_error() => {
            tracing::error!(status, latency_ms, key, code = %code, "request failed")
        }
        Some(ErrorCodeExtension(code)) => tracing::info!(status, latency_ms, key, code = %code, "request"),
        None => tracing::info!(status, latency_ms, key, "request"),
    }
}

async fn timeout(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let limit =
        if route.is_some_and(HttpLimits::is_upload_route) { limits.upload_timeout } else { limits.request_timeout };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::timeout(limit).into_response(),
    }
}

/// The panic message is not logged: it may quote the input. The panic hook has printed it already.
fn panic_response(_payload: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}

/// Gives the API's error shape to error responses that something other than [`ApiError`] made
/// (tower-http's body limit, axum's defaults), keeping their status and headers (`Allow`, ...).
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<ErrorCodeExtension>().is_some()
    {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    let replacement = ApiError::from_status(status).into_response();
    let (new_parts, body) = replacement.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.extend(new_parts.headers);
    parts.extensions.extend(new_parts.extensions);
    Response::from_parts(parts, body)
}
