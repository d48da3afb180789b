//! The service the server runs: the router, with two hot routes taken in front of it.
//!
//! An anonymous `GET /v1/check` (no API key, no body) is a synchronous look-up that every citizen, browser and
//! telecom makes, thousands of times a second. Through the router it paid more for routing, the per-request copy of
//! the route's middleware, authentication and extractors than for the look-up itself. [`App`] answers it directly
//! with what the router would have run for it: the same handler code ([`crate::check`]), the same request-log line,
//! the panic catcher and the API's error shape. There is no timeout to apply: nothing in it waits.
//!
//! `POST /v1/screen/transfer`, which a bank calls on every transfer, goes to the same middleware stack the router
//! gives it (request log, timeout, error shape, panic catcher, authentication, body limit, the handler), built once
//! instead of found and copied for every request; the route's template travels as [`DirectRoute`] where the router
//! would have put its `MatchedPath`. Every other request, and a look-up with a key (which must be checked), goes
//! through the router unchanged.
//!
//! A request with a body has its body watched ([`BodyReadToEnd`]): an answer made before the body was read to its
//! end says `Connection: close`, since hyper will not keep that connection.

use crate::check;
use crate::middleware::{self, DirectRoute};
use crate::{AppState, access_log};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, Version, header};
use axum::response::IntoResponse;
use axum::response::Response;
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// The route [`App`] answers without the router.
pub(crate) const CHECK_ROUTE: &str = "/v1/check";

/// Headers that take a `GET /v1/check` off the anonymous path: a key to check, or a body to limit. Both look-up
/// paths read this list (`is_anonymous_check` here, and `lookup_connection`'s, which adds what hyper itself acts on).
pub(crate) const NOT_ANONYMOUS_CHECK_HEADERS: [&str; 4] =
    ["authorization", "x-api-key", "content-length", "transfer-encoding"];
/// The route [`App`] sends to its middleware stack without the router.
const SCREEN_TRANSFER_ROUTE: &str = "/v1/screen/transfer";

/// `POST /v1/screen/transfer`'s handler under the middleware stack the router gives the routes of the API, in the
/// same order (outermost first): [`middleware::with_middleware`]'s request log, timeout and error shape, then the
/// panic catcher; the routes' authentication; [`middleware::with_body_limit`]'s two body limits. Axum's router
/// converts each layer's answer to its `Response` between layers; so does this.
fn screen_transfer_route(state: &AppState) -> BoxCloneSyncService<Request, Response, Infallible> {
    let body_limit = state.limits().body_limit;
    let handler = axum::handler::Handler::with_state(crate::screen::screen_transfer, state.clone());
    let limited = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(DefaultBodyLimit::max(body_limit))
        .service(handler);
    let service = ServiceBuilder::new()
        .map_response(with_content_length)
        .layer(middleware::EdgeLayer { limits: state.limits() })
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(middleware::panic_response as fn(_) -> Response))
        .layer(crate::auth::AuthenticateLayer::new(state.clone()))
        .service(limited);
    BoxCloneSyncService::new(service)
}

/// What axum's router adds to every answer it routes: the body's length, when the body knows it (hyper would write
/// it on the wire anyway; this keeps the answers the same before it, where the tests read them).
fn with_content_length(mut response: Response) -> Response {
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(length) = axum::body::HttpBody::size_hint(response.body()).exact()
    {
        response.headers_mut().insert(header::CONTENT_LENGTH, axum::http::HeaderValue::from(length));
    }
    response
}

/// The whole application (see the module's documentation). A `tower::Service` of requests, so tests send requests
/// to exactly what [`crate::serve`] runs.
#[derive(Clone)]
pub struct App {
    router: Router,
    /// `POST /v1/screen/transfer` under its middleware stack (see the module's documentation).
    screen_transfer: BoxCloneSyncService<Request, Response, Infallible>,
    state: AppState,
    /// The connection's peer, given to the router's handlers as `ConnectInfo` (the portal's rate limits are per
    /// client); `None` outside a server (tests).
    peer: Option<SocketAddr>,
}

impl App {
    pub(crate) fn new(router: Router, state: AppState) -> Self {
        let screen_transfer = screen_transfer_route(&state);
        App { router, screen_transfer, state, peer: None }
    }

    /// The same application for one connection from `peer`.
    pub(crate) fn for_peer(&self, peer: SocketAddr) -> App {
        App { peer: Some(peer), ..self.clone() }
    }

    pub(crate) fn state(&self) -> &AppState {
        &self.state
    }

    pub(crate) fn limits(&self) -> crate::HttpLimits {
        self.state.limits()
    }

    /// The answer to `request`, without the `&mut` a tower service's call takes: an anonymous look-up is answered
    /// from `self`; any other request goes to a copy of the one service that answers it (the router, or the direct
    /// route's stack). No `poll_ready` first: both are always ready (see `poll_ready`). The body is boxed into
    /// axum's `Body` only for a request that goes further than the look-up.
    pub(crate) fn answer<B>(&self, request: axum::http::Request<B>) -> AppFuture
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        if is_anonymous_check(&request) {
            return AppFuture::Answered { inner: std::future::ready(Ok(self.answer_check(&request))) };
        }
        self.answer_other(request.map(Body::new))
    }

    fn answer_check<B>(&self, request: &axum::http::Request<B>) -> Response {
        let started = Instant::now();
        let answered =
            std::panic::catch_unwind(AssertUnwindSafe(|| check::check_response(&self.state, request.uri().query())));
        let response = match answered {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => middleware::json_errors(error.into_response()),
            Err(payload) => middleware::panic_response(payload),
        };
        access_log::log_request(Method::GET.as_str(), CHECK_ROUTE, &response, started.elapsed());
        with_content_length(response)
    }
}

/// Whether the request says it has a body (one that is not empty).
fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.to_str().ok().and_then(|text| text.trim().parse::<u64>().ok()) != Some(0))
}

/// A request body that records whether it was read to its end. An answer made before its request's body was read
/// (401 before it, 413 on its length, a timeout) leaves the rest of the body on the connection: hyper then
/// closes the connection, without saying so in the answer, and a client that kept it for its next request (a
/// bank's pooled HTTP client) saw that request fail. Such an answer now says `Connection: close`.
struct BodyReadToEnd {
    inner: Body,
    read_to_end: Arc<AtomicBool>,
}

impl http_body::Body for BodyReadToEnd {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.read_to_end.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A look-up the router would send to the check handler with nothing to authenticate and no body to limit.
fn is_anonymous_check<B>(request: &axum::http::Request<B>) -> bool {
    let headers = request.headers();
    request.method() == Method::GET
        && request.uri().path() == CHECK_ROUTE
        && !NOT_ANONYMOUS_CHECK_HEADERS.iter().any(|&name| headers.contains_key(name))
}

impl Service<Request> for App {
    type Response = Response;
    type Error = Infallible;
    type Future = AppFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both are always ready (axum's router and plain tower layers).
        std::task::ready!(self.screen_transfer.poll_ready(cx))?;
        Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, request: Request) -> AppFuture {
        if is_anonymous_check(&request) {
            return AppFuture::Answered { inner: std::future::ready(Ok(self.answer_check(&request))) };
        }
        self.answer_other(request)
    }
}

impl App {
    /// The answer to a request that is not an anonymous look-up; one with a body has it watched.
    fn answer_other(&self, request: Request) -> AppFuture {
        if !has_body(&request) || request.version() > Version::HTTP_11 {
            return self.route(request);
        }
        let read_to_end = Arc::new(AtomicBool::new(false));
        let request = request.map(|body| Body::new(BodyReadToEnd { inner: body, read_to_end: read_to_end.clone() }));
        let answer = self.route(request);
        AppFuture::Direct {
            inner: Box::pin(async move {
                let Ok(mut response) = answer.await;
                if !read_to_end.load(Ordering::Relaxed) {
                    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok(response)
            }),
        }
    }

    /// The answer to a request that is not an anonymous look-up: the direct route's or the router's.
    fn route(&self, mut request: Request) -> AppFuture {
        if request.method() == Method::POST && request.uri().path() == SCREEN_TRANSFER_ROUTE {
            request.extensions_mut().insert(DirectRoute(SCREEN_TRANSFER_ROUTE));
            return AppFuture::Direct { inner: self.screen_transfer.clone().call(request) };
        }
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        AppFuture::Routed { inner: self.router.clone().call(request) }
    }
}

pin_project! {
    /// [`App`]'s future: an answer already made; a boxed one (the direct route's, or any answer to a request with a
    /// body, watched for `Connection: close`); or the router's.
    #[project = AppFutureProjection]
    pub enum AppFuture {
        Answered { #[pin] inner: std::future::Ready<Result<Response, Infallible>> },
        Direct { #[pin] inner: Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>> },
        Routed { #[pin] inner: axum::routing::future::RouteFuture<Infallible> },
    }
}

impl Future for AppFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AppFutureProjection::Answered { inner } => inner.poll(cx),
            AppFutureProjection::Direct { inner } => inner.poll(cx),
            AppFutureProjection::Routed { inner } => inner.poll(cx),
        }
    }
}
