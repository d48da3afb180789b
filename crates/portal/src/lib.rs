//! canhgiac's public web portal: server-rendered pages (askama templates, checked at compile time) in
//! Vietnamese and English for a citizen on a cheap phone — check a contact, analyse a message, read a payment QR
//! code, report a scam and follow the report, read how each scam works.
//!
//! The pages are plain HTML forms that work without JavaScript; `assets/portal.js` adds the step-by-step report
//! form and its draft. Every answer comes from the same domain code as the API (the reputation index, the
//! message analyzer, the report intake): the portal only renders. [`routes`] gives the pages for the server to
//! serve beside the API (`canhgiac_server::run_with_routes`). docs/portal.md has the page map.

mod assets;
pub mod format;
pub mod language;
pub mod library;
mod pages;
pub mod qr;
mod report;
mod views;
pub mod visitor;

use axum::Router;
use axum::routing::get;
use canhgiac_server::{AppState, with_body_limit};
use std::sync::Arc;
use std::time::Duration;

/// How often one client may act, per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalLimits {
    /// Reports sent through the form.
    pub reports: u32,
    /// QR pictures uploaded.
    pub uploads: u32,
    /// Tracking look-ups (each guesses a code and a secret).
    pub lookups: u32,
    pub window: Duration,
}

impl Default for PortalLimits {
    fn default() -> Self {
        PortalLimits { reports: 10, uploads: 30, lookups: 30, window: Duration::from_secs(600) }
    }
}

/// How the portal is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortalConfig {
    pub limits: PortalLimits,
    /// The server runs behind a reverse proxy that appends the client's address to `X-Forwarded-For`: the rate
    /// limits count that address (the last one, which the proxy wrote) instead of the proxy's.
    pub behind_proxy: bool,
}

/// Largest body of the small forms (search, analysis, tracking): a 32 KiB message, form-encoded.
const FORM_BODY_LIMIT: usize = 160 * 1024;

/// The portal's own state, beside the API's.
#[derive(Debug)]
pub struct Portal {
    behind_proxy: bool,
    reports: visitor::RateLimit,
    uploads: visitor::RateLimit,
    lookups: visitor::RateLimit,
    rising: pages::RisingCache,
}

impl Portal {
    pub fn new(config: PortalConfig) -> Self {
        let limits = config.limits;
        Portal {
            behind_proxy: config.behind_proxy,
            reports: visitor::RateLimit::new(limits.reports, limits.window),
            uploads: visitor::RateLimit::new(limits.uploads, limits.window),
            lookups: visitor::RateLimit::new(limits.lookups, limits.window),
            rising: Default::default(),
        }
    }
}

/// The portal's pages with the default configuration.
pub fn routes(state: &AppState) -> Router<AppState> {
    routes_with(state, PortalConfig::default())
}

/// The portal's pages, under their body limits and security headers.
pub fn routes_with(state: &AppState, config: PortalConfig) -> Router<AppState> {
    let portal = Arc::new(Portal::new(config));
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/search", axum::routing::post(pages::search))
        .route("/check", get(pages::check))
        .route("/analyze", get(pages::analyze_form).post(pages::analyze))
        .route("/track", get(pages::track_form).post(pages::track))
        .route("/scams", get(pages::library_index))
        .route("/scams/{code}", get(pages::library_page))
        .route("/lang", get(pages::switch_language))
        .route("/docs", get(pages::api_reference))
        .route("/static/{*path}", get(assets::asset));
    let qr = Router::new().route("/qr", get(pages::qr_form).post(pages::qr_upload));
    let report = Router::new().route("/report", get(report::report_form).post(report::submit_report));
    with_body_limit(pages, FORM_BODY_LIMIT)
        .merge(with_body_limit(qr, qr::MAX_QR_FILE_BYTES + 64 * 1024))
        .merge(with_body_limit(report, state.limits().report_body_limit))
        // Pages are compressed when the browser accepts it; the static files come gzipped already (`assets`).
        .layer(canhgiac_server::compress_large_answers())
        .layer(axum::Extension(portal))
        .layer(axum::middleware::from_fn(visitor::security_headers))
}
