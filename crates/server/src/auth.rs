//! Authentication and authorisation, in one place for every route.
//!
//! [`AuthenticateLayer`] runs before every handler: a request that presents an API key (`Authorization:
//! Bearer <key>` or `X-Api-Key: <key>`) is checked against the store (unknown or malformed → 401
//! `unauthenticated`, revoked → 401 `api_key_revoked`) and its [`Principal`] put in the request's
//! extensions. Then the route's required [`Action`] is looked up in [`PARTNER_ROUTES`]: a partner route
//! without a key is 401, with a key that may not do it 403. Public routes need nothing. Handlers never
//! test roles; they read the principal.

use crate::AppState;
use crate::error::ApiError;
use crate::middleware::RouteTemplate;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::access::{Action, Principal};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_secrets::{constant_time_equal, hash_api_key, parse_api_key_prefix};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceExt as _};

/// Every route that needs a key, and what it does. Routes not listed are public.
pub const PARTNER_ROUTES: &[(Method, &str, Action)] = &[
    (Method::POST, "/v1/intake/sms", Action::SubmitSmsReports),
    (Method::POST, "/v1/partner/listings", Action::SubmitListings),
    (Method::GET, "/v1/partner/reports", Action::ReadReports),
    (Method::GET, "/v1/partner/reports/{code}", Action::ReadReports),
    (Method::POST, "/v1/partner/reports/{code}/status", Action::ChangeReportStatus),
    (Method::GET, "/v1/partner/appeals", Action::DecideAppeals),
    (Method::POST, "/v1/partner/appeals/{id}/decision", Action::DecideAppeals),
    (Method::POST, "/v1/check/batch", Action::CheckInBulk),
    (Method::GET, "/v1/lists/{kind}", Action::DownloadLists),
    (Method::POST, "/v1/screen/transfer", Action::ScreenTransfers),
    (Method::POST, "/v1/screen/feed", Action::ScreenTransfers),
    (Method::POST, "/v1/screen/outcome", Action::ScreenTransfers),
    (Method::GET, "/v1/screen/transfers/{transfer_id}", Action::ScreenTransfers),
    (Method::GET, "/v1/screen/freeze-requests", Action::ReadFreezeRequests),
    (Method::POST, "/v1/screen/rules/reload", Action::Administer),
    (Method::GET, "/metrics", Action::ReadMetrics),
];

/// The action a route requires, if any.
pub fn required_action(method: &Method, route: &str) -> Option<Action> {
    PARTNER_ROUTES.iter().find(|(m, r, _)| m == method && *r == route).map(|(_, _, action)| *action)
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        return Some(value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(value).trim());
    }
    headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::trim)
}

fn unauthenticated(message: &str) -> ApiError {
    Error::new(ErrorCode::Unauthenticated, message).with_field("Authorization").into()
}

/// The caller's organisation beyond what [`Principal`] says: its name (rules files name policies by it) and its
/// bank's BIN (where freeze requests are addressed). Put in the request's extensions with the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerOrganisation {
    pub name: String,
    pub bank_bin: Option<String>,
}

/// How long a key read from the store is trusted without reading it again. A revocation made by another process
/// (`canhgiac key revoke`) takes effect within this time; partners screening thousands of transfers a second would
/// otherwise cost a store read per request.
pub const KEY_CACHE_SECONDS: u64 = 10;
/// Keys remembered at most; beyond it the cache starts again (an attacker cycling random prefixes gains nothing).
const KEY_CACHE_ENTRIES: usize = 10_000;

/// Keys recently read from the store, by prefix.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: parking_lot::Mutex<std::collections::HashMap<String, CachedKey>>,
}

#[derive(Debug, Clone)]
struct CachedKey {
    read_at: std::time::Instant,
    /// `None`: no such key.
    found: Option<(Vec<u8>, Option<i64>, Principal, CallerOrganisation)>,
}

/// Checks a presented key against the store (or what was read from it in the last [`KEY_CACHE_SECONDS`]).
pub async fn principal_for_key(state: &AppState, presented: &str) -> Result<(Principal, CallerOrganisation), ApiError> {
    let prefix = parse_api_key_prefix(presented).ok_or_else(|| unauthenticated("the API key is malformed"))?;
    let cache = state.key_cache();
    let cached = cache
        .entries
        .lock()
        .get(prefix.as_str())
        .filter(|c| c.read_at.elapsed().as_secs() < KEY_CACHE_SECONDS)
        .cloned();
    let cached = match cached {
        Some(cached) => cached,
        None => {
            let intake = state.intake()?;
            let found = intake.store().api_key_by_prefix(prefix.as_str()).await?;
            let entry = CachedKey {
                read_at: std::time::Instant::now(),
                found: found.map(|f| {
                    let principal = Principal {
                        organisation_id: f.organisation.id,
                        organisation_kind: f.organisation.kind,
                        role: f.key.role,
                        label: f.key.prefix,
                    };
                    let organisation =
                        CallerOrganisation { name: f.organisation.name, bank_bin: f.organisation.bank_bin };
                    (f.key.key_hash, f.key.revoked_at, principal, organisation)
                }),
            };
            let mut entries = cache.entries.lock();
            if entries.len() >= KEY_CACHE_ENTRIES {
                entries.clear();
            }
            entries.insert(prefix.to_string(), entry.clone());
            entry
        }
    };
    let Some((_, revoked_at, principal, organisation)) =
        cached.found.filter(|(hash, ..)| constant_time_equal(&hash_api_key(presented), hash))
    else {
        return Err(unauthenticated("the API key is not valid"));
    };
    if revoked_at.is_some() {
        return Err(Error::new(ErrorCode::ApiKeyRevoked, "the API key has been revoked")
            .with_field("Authorization")
            .into());
    }
    Ok((principal, organisation))
}

/// The middleware: authenticates a presented key and enforces the route's required action. A request to a public
/// route without a key goes straight through (no allocation): that is every citizen's look-up.
#[derive(Debug, Clone)]
pub struct AuthenticateLayer {
    state: AppState,
}

impl AuthenticateLayer {
    pub fn new(state: AppState) -> Self {
        AuthenticateLayer { state }
    }
}

impl<S> Layer<S> for AuthenticateLayer {
    type Service = Authenticate<S>;

    fn layer(&self, inner: S) -> Authenticate<S> {
        Authenticate { inner, state: self.state.clone() }
    }
}

/// See [`AuthenticateLayer`].
#[derive(Debug, Clone)]
pub struct Authenticate<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Authenticate<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthenticateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let required = RouteTemplate::of(&request).and_then(|route| required_action(request.method(), route.as_str()));
        if required.is_none() && presented_key(request.headers()).is_none() {
            return AuthenticateFuture::Anonymous { inner: self.inner.call(request) };
        }
        // `self.inner` is the clone that was made ready; a fresh clone stays for the next call.
        let fresh = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, fresh);
        AuthenticateFuture::Checked { inner: Box::pin(authenticate(self.state.clone(), request, required, ready)) }
    }
}

pin_project! {
    /// [`Authenticate`]'s future: the route's own for an anonymous call to a public route, else the check's.
    #[project = AuthenticateProjection]
    pub enum AuthenticateFuture<F> {
        Anonymous { #[pin] inner: F },
        Checked { inner: Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>> },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for AuthenticateFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthenticateProjection::Anonymous { inner } => inner.poll(cx),
            AuthenticateProjection::Checked { inner } => inner.as_mut().poll(cx),
        }
    }
}

async fn authenticate<S>(
    state: AppState,
    mut request: Request,
    required: Option<Action>,
    inner: S,
) -> Result<Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let presented = presented_key(request.headers()).map(str::to_string);
    let principal = match presented {
        Some(key) => match principal_for_key(&state, &key).await {
            Ok((principal, organisation)) => {
                request.extensions_mut().insert(organisation);
                Some(principal)
            }
            Err(error) => {
                let mut response = error.into_response();
                if let Some(prefix) = parse_api_key_prefix(&key) {
                    response.extensions_mut().insert(CallerLabel(prefix.to_string()));
                }
                return Ok(response);
            }
        },
        None => None,
    };
    if let Some(action) = required {
        let Some(principal) = &principal else {
            return Ok(unauthenticated("this endpoint needs an API key: 'Authorization: Bearer <key>'").into_response());
        };
        if let Err(error) = principal.authorize(action) {
            return Ok(ApiError::from(error).into_response());
        }
    }
    let label = principal.as_ref().map(|p| CallerLabel(p.label.clone()));
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    let mut response = inner.oneshot(request).await?;
    if let Some(label) = label {
        response.extensions_mut().insert(label);
    }
    Ok(response)
}

/// The public prefix of the API key that made a request, for the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerLabel(pub String);
