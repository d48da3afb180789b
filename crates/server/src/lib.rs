//! canhgiac's HTTP API.
//!
//! [`app`] builds the whole application (routes and middleware) for a state; [`run`] creates the
//! data directory, binds, serves and shuts down gracefully. Every error the API answers, whoever
//! produced it, has the shape of [`ApiError`]. Personal data is never logged: the request log holds
//! the method, the matched route template, the status, the latency and the error code, never the
//! path, query string or body.

pub mod access_log;
pub mod analyze;
mod app;
mod appeals;
mod auth;
pub mod check;
mod connections;
mod error;
pub mod intake;
mod json;
mod lookup_connection;
mod lookup_loops;
mod metrics;
mod middleware;
mod openapi;
pub mod platform;
mod reports;
pub mod reputation;
mod routes;
pub mod screen;

pub use app::App;
pub use auth::{PARTNER_ROUTES, required_action};
pub use error::{ApiError, ErrorCodeExtension, status_for};
pub use json::{ApiJson, from_json_slice};
pub use middleware::{HttpLimits, compress_large_answers, with_body_limit, with_middleware};
pub use reports::{IDEMPOTENCY_KEY_HEADER, REPORT_SECRET_HEADER};
pub use routes::{identifier_json, routes};

use axum::Router;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Where the server listens and keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Created when absent; the SQLite store, the keyring file and the evidence files live inside it.
    pub data_dir: PathBuf,
    /// A `postgres://` URL to use PostgreSQL instead of the embedded SQLite store.
    pub database_url: Option<String>,
    pub limits: HttpLimits,
    pub evidence_limits: canhgiac_evidence::EvidenceLimits,
}

impl ServerConfig {
    /// The defaults: SQLite in `data_dir`, default limits.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            listen,
            data_dir: data_dir.into(),
            database_url: None,
            limits: HttpLimits::default(),
            evidence_limits: Default::default(),
        }
    }
}

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

#[derive(Debug, Clone)]
struct StateInner {
    data_dir: PathBuf,
    limits: HttpLimits,
    intake: Option<intake::Intake>,
    index: Arc<canhgiac_index::ReputationIndex>,
    screening: Option<Arc<screen::Screening>>,
    key_cache: Arc<auth::KeyCache>,
}

/// An index holding only the compiled-in trust directory: what a server without a store answers from.
fn trust_only_index() -> Arc<canhgiac_index::ReputationIndex> {
    Arc::new(canhgiac_index::ReputationIndex::new(Arc::new(canhgiac_core::trust::trust_directory().clone())))
}

impl AppState {
    /// A state without a store: the identifier routes work, the report routes answer 503.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self::with_limits(data_dir, HttpLimits::default())
    }

    pub fn with_limits(data_dir: impl Into<PathBuf>, limits: HttpLimits) -> Self {
        AppState {
            inner: Arc::new(StateInner {
                data_dir: data_dir.into(),
                limits,
                intake: None,
                index: trust_only_index(),
                screening: None,
                key_cache: Default::default(),
            }),
        }
    }

    /// The whole platform: store, keyring and evidence behind the intake.
    pub fn with_intake(data_dir: impl Into<PathBuf>, limits: HttpLimits, intake: intake::Intake) -> Self {
        AppState {
            inner: Arc::new(StateInner {
                data_dir: data_dir.into(),
                limits,
                intake: Some(intake),
                index: trust_only_index(),
                screening: None,
                key_cache: Default::default(),
            }),
        }
    }

    /// The same state answering checks from `index`.
    pub fn with_index(self, index: Arc<canhgiac_index::ReputationIndex>) -> Self {
        self.changed(|inner| inner.index = index)
    }

    /// The same state with transfer screening.
    pub fn with_screening(self, screening: Arc<screen::Screening>) -> Self {
        self.changed(|inner| inner.screening = Some(screening))
    }

    fn changed(self, change: impl FnOnce(&mut StateInner)) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        change(&mut inner);
        AppState { inner: Arc::new(inner) }
    }

    /// Transfer screening, when the server has a store.
    pub fn screening(&self) -> Option<&Arc<screen::Screening>> {
        self.inner.screening.as_ref()
    }

    pub(crate) fn key_cache(&self) -> &auth::KeyCache {
        &self.inner.key_cache
    }

    /// The reputation index the check routes answer from.
    pub fn index(&self) -> &canhgiac_index::ReputationIndex {
        &self.inner.index
    }

    /// The index as an owned handle, for work moved off the async threads.
    pub fn index_handle(&self) -> Arc<canhgiac_index::ReputationIndex> {
        self.inner.index.clone()
    }

    pub fn intake(&self) -> Result<&intake::Intake, ApiError> {
        self.inner.intake.as_ref().ok_or_else(|| {
            canhgiac_core::Error::new(canhgiac_core::ErrorCode::Unavailable, "this server runs without a store").into()
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub fn limits(&self) -> HttpLimits {
        self.inner.limits
    }
}

/// The whole application: every route under the middleware stack, behind [`App`] (which takes look-ups and
/// screened transfers without routing).
pub fn app(state: AppState) -> App {
    app_with(state, Router::new())
}

/// The API's routes and `extra` (the web portal's pages, from a crate that builds on this one) under the one
/// middleware stack. `extra` has no authentication layer and no fallback of its own.
pub fn app_with(state: AppState, extra: Router<AppState>) -> App {
    let limits = state.limits();
    App::new(with_middleware(routes(&state).merge(extra).with_state(state.clone()), limits), state)
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Platform(canhgiac_core::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("server error: {0}")]
    Serve(#[source] io::Error),
}

/// How long shutdown waits for in-flight requests before it gives up on them. Longer than the
/// request timeout, so a request that is still running has been answered by then.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);

/// Creates the data directory if absent, binds `config.listen`, logs the bound address and serves
/// until `shutdown` resolves; then stops accepting, lets in-flight requests finish (for at most
/// [`SHUTDOWN_GRACE`]) and returns.
pub async fn run(config: ServerConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
    run_with_routes(config, |_| Router::new(), shutdown).await
}

/// [`run`], with the routes `extra` makes for the platform's state served beside the API's (see [`app_with`]).
pub async fn run_with_routes(
    config: ServerConfig,
    extra: impl FnOnce(&AppState) -> Router<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    metrics::note_start();
    // Once, at start-up: blocking the runtime for it is fine.
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| ServeError::DataDir { path: config.data_dir.clone(), source })?;
    let _lock = platform::DataDirLock::acquire(&config.data_dir).map_err(ServeError::Platform)?;
    let platform = platform::Platform::open(&config.data_dir, config.database_url.as_deref())
        .await
        .map_err(ServeError::Platform)?;
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| ServeError::Bind { addr: config.listen, source })?;
    let trust = reputation::load_trust_directory(&config.data_dir).map_err(ServeError::Platform)?;
    let index = Arc::new(reputation::build_index(&*platform.store, trust).await.map_err(ServeError::Platform)?);
    // Load the analyzer's model now rather than on the first `/v1/analyze` request.
    canhgiac_analyzer::analyze::Analyzer::shipped();
    let updates = reputation::spawn_index_updater(platform.store.clone(), index.clone());
    let intake = platform.intake(config.evidence_limits).with_index_updates(updates);
    let (screening, audit_writer) = screen::Screening::start(&config.data_dir, platform.store.clone(), index.clone())
        .await
        .map_err(ServeError::Platform)?;
    let state =
        AppState::with_intake(config.data_dir, config.limits, intake).with_index(index).with_screening(screening);
    let extra = extra(&state);
    let served = serve(listener, app_with(state, extra), shutdown).await;
    // The router (and with it every sender of decisions) is gone: wait for the decisions still queued.
    audit_writer.drained(SHUTDOWN_GRACE).await;
    served
}

/// Serves `app` on `listener` until `shutdown` resolves, then shuts down gracefully (see [`run`]).
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let address = listener.local_addr().map_err(ServeError::Serve)?;
    metrics::note_start();
    tracing::info!(%address, "listening");

    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let server = connections::serve_connections(listener, app, async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; waiting for requests in flight");
        let _ = signalled_tx.send(());
    });
    let grace_over = async move {
        if signalled_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            // The server ended without a shutdown signal.
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = server => {}
        () = grace_over => {
            tracing::warn!(grace_s = SHUTDOWN_GRACE.as_secs(), "requests still in flight after the grace period; stopping anyway");
        }
    }
    access_log::flush();
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere than Unix).
///
/// The handlers are installed when the future is first polled; a program that must not miss an
/// early signal calls [`install_shutdown_signal`] before it binds.
pub async fn shutdown_signal() {
    match install_shutdown_signal() {
        Ok(signal) => signal.await,
        Err(err) => {
            tracing::error!(error = %err, "cannot install signal handlers; the server will not stop on a signal");
            std::future::pending::<()>().await
        }
    }
}

/// Installs the SIGINT and SIGTERM handlers now, and returns a future that resolves on the first
/// of them.
#[cfg(unix)]
pub fn install_shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "shutdown signal received");
    })
}

/// Installs the Ctrl-C handler, and returns a future that resolves on it.
#[cfg(not(unix))]
pub fn install_shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("shutdown signal received");
        }
    })
}
