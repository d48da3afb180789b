//! Who is asking, and the page-level protections: the visitor's language, the CSRF token of the forms, the
//! per-client rate limits, and the security headers every page is sent with.

use crate::Portal;
use crate::language::{LANGUAGE_COOKIE, Language};
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cookie holding the visitor's CSRF token (double-submit: every form carries the same value in `csrf`).
pub const CSRF_COOKIE: &str = "csrf";
/// Hex characters of a token: 32 random bytes.
const CSRF_TOKEN_CHARS: usize = 64;

/// The Content-Security-Policy of every page: nothing from elsewhere, no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The visitor of one request: language, CSRF token, client key, and the path to come back to.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub language: Language,
    /// The token the forms of this response carry.
    pub csrf: String,
    /// Whether the token was made for this response (then it is set as a cookie).
    csrf_is_new: bool,
    /// Whether the browser says the request came from another site (`Sec-Fetch-Site: cross-site`) or an
    /// `Origin` that is not this host.
    from_another_site: bool,
    /// The client the rate limits count: the peer's IP address.
    pub client: String,
    /// Path and query of this page, for the language switch to come back to.
    pub path_and_query: String,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

fn new_token() -> String {
    canhgiac_secrets::random_bytes::<32>().iter().map(|byte| format!("{byte:02x}")).collect()
}

fn is_token(text: &str) -> bool {
    text.len() == CSRF_TOKEN_CHARS && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares without stopping at the first difference, so the time taken does not tell how much matched.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn from_another_site(headers: &HeaderMap) -> bool {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header_text("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (header_text("origin"), header_text("host")) {
        // Browsers send `Origin: null` from sandboxed or privacy-sensitive contexts: not this site.
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// The client the rate limits count: the peer, or behind a reverse proxy the last address of `X-Forwarded-For`
/// (the one the proxy appended; earlier ones are whatever the client sent).
fn client_address(parts: &Parts, behind_proxy: bool) -> String {
    if behind_proxy
        && let Some(forwarded) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|address| address.trim().parse::<std::net::IpAddr>().ok())
            .next_back()
    {
        return forwarded.to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |ConnectInfo(address)| address.ip().to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let headers = &parts.headers;
        let language = cookie(headers, LANGUAGE_COOKIE).and_then(Language::parse).unwrap_or_default();
        let (csrf, csrf_is_new) = match cookie(headers, CSRF_COOKIE).filter(|token| is_token(token)) {
            Some(token) => (token.to_string(), false),
            None => (new_token(), true),
        };
        let behind_proxy = parts.extensions.get::<Arc<Portal>>().is_some_and(|portal| portal.behind_proxy);
        let client = client_address(parts, behind_proxy);
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        Ok(Visitor {
            language,
            csrf,
            csrf_is_new,
            from_another_site: from_another_site(headers),
            client,
            path_and_query,
        })
    }
}

impl Visitor {
    /// Whether a submitted form may be acted on: it came from this site and carries the visitor's token.
    pub fn form_is_genuine(&self, submitted_token: Option<&str>) -> bool {
        !self.csrf_is_new
            && !self.from_another_site
            && submitted_token.is_some_and(|token| same_token(token.trim(), &self.csrf))
    }

    /// Adds what every page response needs from the visitor: the CSRF cookie when it is new.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.csrf_is_new {
            let cookie = format!("{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict", self.csrf);
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// Fixed-window counters per client: at most `limit` actions per `window`.
#[derive(Debug)]
pub struct RateLimit {
    limit: u32,
    window: Duration,
    clients: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Clients remembered before the expired ones are swept out.
const SWEEP_AT_CLIENTS: usize = 100_000;

impl RateLimit {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimit { limit, window, clients: Mutex::new(HashMap::new()) }
    }

    /// Counts one action of `client`; `Err(retry_after)` when over the limit (the action is not counted).
    pub fn allow(&self, client: &str) -> Result<(), Duration> {
        self.allow_at(client, Instant::now())
    }

    fn allow_at(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let mut clients = self.clients.lock();
        if clients.len() >= SWEEP_AT_CLIENTS {
            let window = self.window;
            clients.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = clients.entry(client.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Security headers on every portal response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages carry the visitor's CSRF token, and some a report's secret: never kept by a shared cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_limit_waits_for_the_next_window() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let start = Instant::now();
        assert!(limit.allow_at("a", start).is_ok());
        assert!(limit.allow_at("a", start).is_ok());
        let retry = limit.allow_at("a", start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(retry, Duration::from_secs(50));
        assert!(limit.allow_at("b", start).is_ok(), "other clients are counted apart");
        assert!(limit.allow_at("a", start + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn tokens_compare_whole() {
        let token = new_token();
        assert!(is_token(&token));
        assert!(same_token(&token, &token.clone()));
        assert!(!same_token(&token, &new_token()));
        assert!(!same_token(&token, &token[..63]));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; lang=en; csrf=x"));
        assert_eq!(cookie(&headers, "lang"), Some("en"));
        assert_eq!(cookie(&headers, "csrf"), Some("x"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn behind_a_proxy_the_client_is_the_address_the_proxy_appended() {
        let request = axum::http::Request::get("/")
            .header("x-forwarded-for", "6.6.6.6, 203.0.113.7")
            .extension(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))))
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        assert_eq!(client_address(&parts, true), "203.0.113.7");
        assert_eq!(client_address(&parts, false), "10.0.0.1", "the header is ignored unless configured");
    }

    #[test]
    fn requests_from_other_sites_are_recognised() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!from_another_site(&headers));
        headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(!from_another_site(&headers));
        headers.insert("origin", HeaderValue::from_static("https://evil.example"));
        assert!(from_another_site(&headers));
        headers.remove("origin");
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(from_another_site(&headers));
    }
}
