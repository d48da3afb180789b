//! The middleware stack every route runs under: request log, error shape, timeout, panic catcher,
//! body limit.
//!
//! Outermost first:
//! 1. request log ([`crate::access_log`]: method, matched route, status, latency, the API key's public prefix,
//!    error code; never the path, query or body),
//! 2. JSON errors: any error response not already in the API's shape gets it, status and headers kept,
//! 3. request timeout → 503 `unavailable`,
//! 4. panic catcher → 500 `internal`,
//! 5. body limit → 413 `payload_too_large`, per route group ([`with_body_limit`] in `routes`).
//!
//! The first three are one tower service (`Edge`), so that axum's per-request copy of each route's stack stays small.

use crate::access_log;
use crate::error::{ApiError, ErrorCodeExtension};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{And, NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;

/// Applies a body limit to every route of `router`: by `Content-Length` up front, and while reading.
pub fn with_body_limit<S: Clone + Send + Sync + 'static>(router: Router<S>, limit: usize) -> Router<S> {
    router.layer(DefaultBodyLimit::max(limit)).layer(RequestBodyLimitLayer::new(limit))
}

/// What [`compress_large_answers`] compresses: a successful answer of at least
/// [`SMALLEST_COMPRESSED_ANSWER`] bytes that is not an image.
pub type LargeAnswers = And<And<SizeAbove, NotForContentType>, SuccessfulAnswer>;

/// Answers smaller than this are sent as they are: they fit one packet anyway.
pub const SMALLEST_COMPRESSED_ANSWER: u16 = 1024;

/// Compresses an answer with gzip or brotli when the client's `Accept-Encoding` allows it (its order of preference,
/// `q=0` respected) and `LargeAnswers` says it is worth it. Level 4 of either: most of the saving of the best
/// level for a fraction of its CPU (a full list of a million contacts is compressed as it is sent). Put only on
/// routes whose answers can be large (lists, batches, pages): the look-up and screening answers are small and
/// their microseconds are counted. Error answers are never compressed, so the error-shape layer may replace
/// their bodies.
pub fn compress_large_answers() -> CompressionLayer<LargeAnswers> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(SizeAbove::new(SMALLEST_COMPRESSED_ANSWER).and(NotForContentType::IMAGES).and(SuccessfulAnswer))
}

/// A [`Predicate`] true for 2xx answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuccessfulAnswer;

impl Predicate for SuccessfulAnswer {
    fn should_compress<B: http_body::Body>(&self, response: &axum::http::Response<B>) -> bool {
        response.status().is_success()
    }
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
    /// Longest a connection may take to send a request's head, counted from the end of the answer before (or
    /// from the connection's start): a connection idle for longer, or one sending its head byte by byte, is
    /// closed, so that neither holds a connection forever.
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers), in bytes; a larger one is answered 431 (in the API's error
    /// shape, hyper's own 431 rewritten so) and the connection closed. It is
    /// also the most a connection buffers of a body at once, so it bounds what each connection holds in memory.
    pub max_request_head_bytes: usize,
    /// Most connections served at once; the next one waits in the kernel's queue until one closes. It keeps the
    /// process's open files for its store and evidence when clients open connections without end.
    pub max_connections: usize,
    /// Longest an answer may wait to be written while the client reads none of it: the connection is then closed,
    /// so that clients which send requests and never read the answers cannot hold every connection.
    pub write_stall_timeout: Duration,
    /// Threads answering anonymous look-ups (`GET /v1/check` without a key) on event loops of their own, outside the
    /// async runtime: a connection stays on one until it sends anything else, or anything unusual happens (an
    /// answer the client is slow to take, a long or refused head), when the runtime takes it over. 0: look-ups
    /// are answered on the runtime's workers. A bare loop costs a look-up about a tenth less CPU than the runtime
    /// (bench/RESULTS.md, issue 4, `bench/transport-probe`), and a loop warms the index's memory for all the
    /// look-ups of a turn at once (about a fifth more look-ups a second again).
    pub lookup_threads: usize,
}

impl HttpLimits {
    /// Half the cores, at least one: the rest are the runtime's, for every other route, the store's writes and
    /// the index's updates.
    fn default_lookup_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
    }

    /// What a connection buffers at most for a request's head: `max_request_head_bytes`, but not under the 8 KiB
    /// hyper refuses to go below.
    pub(crate) fn request_head_buffer_bytes(&self) -> usize {
        self.max_request_head_bytes.max(8 * 1024)
    }

    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
    /// 20 files of 10 MiB, and room for the report and the multipart framing.
    pub const DEFAULT_REPORT_BODY_LIMIT: usize = 20 * 10 * 1024 * 1024 + 1024 * 1024;
    /// 10,000 listings of about 1 KB.
    pub const DEFAULT_BULK_BODY_LIMIT: usize = 16 * 1024 * 1024;
    /// hyper's own default; a pooled client's idle connection lives as long.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
    /// As long as a head may take: a client on a bad mobile link still reads an answer within it.
    pub const DEFAULT_WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(30);
    /// Room for the longest value a look-up takes in its query string (4,096 characters, percent-encoded) and a
    /// browser's headers; hyper's default (about 400 KB) let 10,000 unfinished heads hold 4 GB.
    pub const DEFAULT_MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;

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
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            max_request_head_bytes: Self::DEFAULT_MAX_REQUEST_HEAD_BYTES,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            write_stall_timeout: Self::DEFAULT_WRITE_STALL_TIMEOUT,
            lookup_threads: Self::default_lookup_threads(),
        }
    }
}

/// Wraps every route of `router` (and its fallback) in the middleware stack.
pub fn with_middleware(router: Router, limits: HttpLimits) -> Router {
    // `Router::layer` wraps what is there already: the last layer added is the outermost. Every route gets its
    // own copy of the stack and axum clones it for each request, so the layers are plain tower services (a
    // `from_fn` layer clones its inner service once more and boxes its future).
    // Body limits are per route group (see `routes`): an upload may be far larger than a lookup.
    router.layer(CatchPanicLayer::custom(panic_response)).layer(EdgeLayer { limits })
}

/// The route template of a request [`crate::App`] sends to a route's middleware stack without the router (which
/// would have put a [`MatchedPath`] there): read by the request log, the timeout and authentication alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DirectRoute(pub &'static str);

/// The route template a request was matched to, by the router or by [`crate::App`].
#[derive(Debug, Clone)]
pub(crate) enum RouteTemplate {
    Matched(MatchedPath),
    Direct(&'static str),
}

impl RouteTemplate {
    pub(crate) fn of(request: &Request) -> Option<RouteTemplate> {
        let extensions = request.extensions();
        match extensions.get::<MatchedPath>() {
            Some(matched) => Some(RouteTemplate::Matched(matched.clone())),
            None => extensions.get::<DirectRoute>().map(|direct| RouteTemplate::Direct(direct.0)),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            RouteTemplate::Matched(matched) => matched.as_str(),
            RouteTemplate::Direct(template) => template,
        }
    }
}

/// The request timeout (503 `unavailable`), then the API's error shape on any error response that lacks it, then
/// the request's line in the log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgeLayer {
    pub(crate) limits: HttpLimits,
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge { inner, limits: self.limits }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Edge<S> {
    inner: S,
    limits: HttpLimits,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The route template, never the path: the path and the query may hold a phone number or an account.
        let route = RouteTemplate::of(&request);
        let limit = if route.as_ref().is_some_and(|route| HttpLimits::is_upload_route(route.as_str())) {
            self.limits.upload_timeout
        } else {
            self.limits.request_timeout
        };
        let method = request.method().clone();
        let started = Instant::now();
        EdgeFuture { inner: tokio::time::timeout(limit, self.inner.call(request)), limit, started, method, route }
    }
}

pin_project! {
    pub(crate) struct EdgeFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        limit: Duration,
        started: Instant,
        method: Method,
        route: Option<RouteTemplate>,
    }
}

impl<F, E> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match std::task::ready!(this.inner.poll(cx)) {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Poll::Ready(Err(error)),
            Err(_elapsed) => ApiError::timeout(*this.limit).into_response(),
        };
        let response = json_errors(response);
        let route = this.route.as_ref().map_or("<unmatched>", RouteTemplate::as_str);
        access_log::log_request(this.method.as_str(), route, &response, this.started.elapsed());
        Poll::Ready(Ok(response))
    }
}

/// The answer to a request whose handler panicked (see [`panic_error`]).
pub(crate) fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    panic_error(payload).into_response()
}

/// The error a caught panic is answered with. The panic message is not logged: it may quote the input. The panic
/// hook has printed it already.
pub(crate) fn panic_error(_payload: Box<dyn Any + Send + 'static>) -> ApiError {
    tracing::error!("a request handler panicked");
    ApiError::internal()
}

/// Gives the API's error shape to error responses that something other than [`ApiError`] made
/// (tower-http's body limit, axum's defaults), keeping their status and headers (`Allow`, ...).
pub(crate) fn json_errors(response: Response) -> Response {
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
