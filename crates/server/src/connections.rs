//! Accepting connections and serving HTTP/1.1 on them, with the limits a server open to the public needs.
//!
//! `axum::serve` reads a request's head without a time limit, and so did its connections: one that sent half a
//! head, or nothing at all, stayed open until the client went away, and a client opening connections without end
//! took the process's open files (its store and evidence files included). Here each connection has hyper's
//! header-read timeout ([`crate::HttpLimits::header_read_timeout`]: from the connection's start or the end of the
//! answer before to the end of the next request's head); at most [`crate::HttpLimits::max_connections`] are served
//! at once (the next one is accepted when one closes, and waits in the kernel's queue till then); and a connection
//! buffers at most [`crate::HttpLimits::max_request_head_bytes`] (hyper's default, about 400 KB, let 1,000
//! unfinished heads hold 517 MiB).
//!
//! HTTP/1.1 only, as before (axum's `http2` feature was never on); hyper's own HTTP/1 connection, without the
//! protocol sniffing of hyper-util's `auto` builder, whose first read had no timeout. Each connection is read first
//! by a look-up loop of [`crate::lookup_loops`] (when `HttpLimits::lookup_threads` is not 0), then, from the first
//! thing a loop does not answer, by [`crate::lookup_connection`], which answers anonymous look-ups itself under the
//! same two head limits and hands the connection to hyper at its first other request. Both paths close a connection
//! whose client reads none of an answer for [`crate::HttpLimits::write_stall_timeout`] (hyper's writes go through
//! `HandedOffStream`).

use crate::app::App;
use crate::lookup_connection::{self, Begun, HandedOffStream, LookupsEnded};
use crate::lookup_loops::LookupLoops;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, asks every connection to finish its
/// request in flight and close, and returns once all have closed.
pub(crate) async fn serve_connections(listener: TcpListener, app: App, shutdown: impl Future<Output = ()>) {
    let limits = app.limits();
    let max_connections = limits.max_connections.clamp(1, u32::MAX as usize);
    let open_connections = Arc::new(Semaphore::new(max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.request_head_buffer_bytes());
    // Shared, not copied: most connections (look-ups only) never reach hyper.
    let http = Arc::new(http);
    // Connections wait on `closed()` of this sender; dropping the receiver tells them to finish.
    let (stop_sender, stop_receiver) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned_full = false;
    let mut loops = match limits.lookup_threads {
        0 => None,
        threads => match LookupLoops::start(threads, tokio::runtime::Handle::current(), limits) {
            Ok(loops) => Some(loops),
            Err(error) => {
                tracing::warn!(%error, "cannot start the look-up loops: look-ups are answered on the runtime");
                None
            }
        },
    };
    loop {
        let permit = match open_connections.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if !warned_full {
                    warned_full = true;
                    tracing::warn!(max_connections, "connection limit reached: new connections wait until one closes");
                }
                tokio::select! {
                    permit = open_connections.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    wait_after_accept_error(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if open_connections.available_permits() > max_connections / 2 {
            warned_full = false;
        }
        let connection = Connection {
            app: app.for_peer(peer),
            http: Arc::clone(&http),
            stop: stop_sender.clone(),
            _permit: permit,
            _open: crate::metrics::OpenConnection::opened(),
        };
        match loops.as_mut() {
            Some(loops) => loops.hand(stream, connection),
            None => {
                tokio::spawn(connection.serve(stream, Begun::new()));
            }
        }
    }
    drop(listener);
    drop(stop_receiver);
    if let Some(loops) = &loops {
        loops.stop();
    }
    // Every connection holds a permit until it has closed.
    let _all_closed = open_connections.acquire_many(max_connections as u32).await;
}

/// An accepted connection and what serving it takes, wherever it is served: on a look-up loop, then (or from the
/// start) on the runtime.
pub(crate) struct Connection {
    app: App,
    http: Arc<hyper::server::conn::http1::Builder>,
    /// Connections wait on `closed()` of this sender: the server is stopping.
    stop: watch::Sender<()>,
    _permit: OwnedSemaphorePermit,
    _open: crate::metrics::OpenConnection,
}

impl Connection {
    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    /// Serves the connection on the runtime from where `begun` says it stands: look-ups answered before hyper,
    /// then hyper from the first other request.
    pub(crate) async fn serve(self, mut stream: TcpStream, begun: Begun) {
        let Connection { app, http, stop, _permit, _open } = self;
        let mut stopped = std::pin::pin!(stop.closed());
        // Anonymous look-ups are answered before hyper; the connection is hyper's from its first other request.
        let unread = match lookup_connection::answer_lookups(&mut stream, &app, stopped.as_mut(), begun).await {
            LookupsEnded::Closed => return,
            LookupsEnded::HandedOff(unread) => unread,
        };
        let stream = TokioIo::new(HandedOffStream::new(unread, stream, app.limits().write_stall_timeout));
        let mut connection = std::pin::pin!(http.serve_connection(stream, ConnectionService { app }));
        tokio::select! {
            // A connection's end, with or without an error (the peer left, a bad request head, a timeout), is
            // the client's business: hyper has answered what could be answered.
            _ = connection.as_mut() => {}
            () = stopped => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }
}

/// What an accept error means: one about the connection (the peer gave up while it waited) is no reason to pause;
/// any other (out of open files or memory) would come back at once, so accepting pauses for a second.
async fn wait_after_accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection; accepting again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One connection's [`App`], as a hyper service.
struct ConnectionService {
    app: App,
}

impl hyper::service::Service<hyper::Request<Incoming>> for ConnectionService {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = crate::app::AppFuture;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        self.app.answer(request)
    }
}
