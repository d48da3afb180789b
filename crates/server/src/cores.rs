//! Serving HTTP on every core: one single-threaded runtime per core, each serving the connections the acceptor
//! hands it, round robin. A connection stays on one thread from its first request to its last, so no request waits
//! for another thread to be woken: on a small machine shared with other work, tokio's work-stealing runtime spent
//! as much on those hand-offs as its second thread gave (bench/RESULTS.md, issue 4).

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower::ServiceExt as _;

type Accepted = (std::net::TcpStream, SocketAddr);

/// Accepts connections on `listener` until `stop` turns true, serving them with `app` on one thread per core; then
/// lets every connection finish the request it is on and returns when all are closed.
pub(crate) async fn serve_on_every_core(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut workers = Vec::with_capacity(cores);
    let mut threads = Vec::with_capacity(cores);
    for number in 0..cores {
        let (sender, connections) = mpsc::unbounded_channel::<Accepted>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (app, stop) = (app.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name(format!("http-{number}"))
            .spawn(move || runtime.block_on(serve_handed_connections(connections, app, stop)))?;
        workers.push(sender);
        threads.push(thread);
    }
    let mut next = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Handed over as a std stream: it is registered again with the worker's own I/O driver.
                    let Ok(stream) = stream.into_std() else { continue };
                    if workers[next].send((stream, peer)).is_err() {
                        break;
                    }
                    next = (next + 1) % workers.len();
                }
                // Out of file descriptors and the like: wait rather than spin, as axum's own loop does.
                Err(error) if !is_connection_error(&error) => {
                    tracing::error!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(_) => {}
            },
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    drop(workers);
    tokio::task::spawn_blocking(move || {
        for thread in threads {
            let _ = thread.join();
        }
    })
    .await
    .map_err(io::Error::other)
}

/// A worker's loop: serves each connection it is handed until its channel closes, then waits for them to end.
async fn serve_handed_connections(
    mut connections: mpsc::UnboundedReceiver<Accepted>,
    app: Router,
    stop: watch::Receiver<bool>,
) {
    let mut open = tokio::task::JoinSet::new();
    while let Some((stream, peer)) = connections.recv().await {
        while open.try_join_next().is_some() {}
        let Ok(stream) = tokio::net::TcpStream::from_std(stream) else { continue };
        open.spawn(serve_connection(stream, peer, app.clone(), stop.clone()));
    }
    while open.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    mut stop: watch::Receiver<bool>,
) {
    // The peer's address reaches the handlers (`ConnectInfo`): the portal's rate limits are per client.
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request.map(Body::new))
    });
    let builder = Builder::new(TokioExecutor::new());
    let mut connection = pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
    let mut stopping = false;
    loop {
        tokio::select! {
            // A client that goes away mid-request is not the server's error.
            _ = connection.as_mut() => break,
            () = stopped(&mut stop), if !stopping => {
                // Finish the request in flight, then close; an idle keep-alive connection closes now.
                connection.as_mut().graceful_shutdown();
                stopping = true;
            }
        }
    }
}

/// Resolves when `stop` turns true (or its sender is gone), holding no borrow of the value across an await.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}
