//! A probe, not a server: what `GET /v1/check` would cost on a bare event loop instead of tokio (issue 4).
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! THREADS=1 SPIN_US=0 CONTACTS=1000000 ./target/release/examples/lookup_loop_probe   # prints PORT <port>, READY
//! ```
//!
//! Builds the same synthetic index and `AppState` as `check_server`, then answers look-ups on `THREADS` threads,
//! each a `mio` poll loop with its own listener on one port (`SO_REUSEPORT`: the kernel spreads connections). A
//! loop reads what a connection sent, answers every complete request with the product's own JSON
//! (`canhgiac_server::check::check_json`) and the headers `check_server` writes (the date fixed), and writes the
//! answers in one call. With `SPIN_US` > 0 a loop polls without blocking for that long before it sleeps.
//!
//! What it leaves out, so its figures are a floor for a server built this way, not a server: every request is taken
//! for a look-up (no hand-off to hyper, no key, no other route), no head or write time limit, no connection limit,
//! no request log or metrics (the request log measured no difference, issue 4's twentieth run), a write is assumed
//! to go out whole. It looks each look-up up on its own: the shipped loops (`crates/server/src/lookup_loops.rs`)
//! warm the index for all the look-ups of a turn first, and have answered more than it since (bench/RESULTS.md).
//! `bench/transport-probe` runs it beside `check_server` and Redis.

#[allow(dead_code)]
#[path = "support/serving.rs"]
mod serving;

#[allow(dead_code)]
#[path = "support/synthetic.rs"]
mod synthetic;

use canhgiac_index::ReputationIndex;
use canhgiac_server::platform::Platform;
use canhgiac_server::{AppState, HttpLimits};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::FromRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.replace('_', "").parse().ok()).unwrap_or(default)
}

fn main() {
    let contacts = setting("CONTACTS", 1_000_000);
    let threads = setting("THREADS", 1).max(1);
    let spin = Duration::from_micros(setting("SPIN_US", 0));
    let index = Arc::new(ReputationIndex::build(synthetic::trust(), synthetic::records(contacts), synthetic::NOW_MS));
    // The platform (store, intake) is opened on a runtime of its own; the loops never enter it.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let data = tempfile::Builder::new().prefix("canhgiac-loop-probe-").tempdir().expect("a temporary directory");
    let state = runtime.block_on(async {
        let platform = Platform::open(data.path(), None).await.expect("the platform opens");
        AppState::with_intake(data.path(), HttpLimits::default(), platform.intake(Default::default())).with_index(index)
    });
    let state = Arc::new(state);

    let first = reuseport_listener(0);
    let port = first.local_addr().expect("an address").port();
    let mut listeners = vec![first];
    for _ in 1..threads {
        listeners.push(reuseport_listener(port));
    }
    println!("PORT {port}");
    println!("READY");
    let _ = std::io::stdout().flush();
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|listener| {
            let state = Arc::clone(&state);
            std::thread::spawn(move || answer_lookups(TcpListener::from_std(listener), &state, spin))
        })
        .collect();
    for handle in loops {
        let _ = handle.join();
    }
}

/// A non-blocking listener on 127.0.0.1:`port` (0: any) that other listeners may share (`SO_REUSEPORT`).
fn reuseport_listener(port: u16) -> std::net::TcpListener {
    // SAFETY: plain socket calls on a descriptor created here; it is owned by the listener returned.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let one: libc::c_int = 1;
        let size = size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT, (&raw const one).cast(), size);
        let mut address: libc::sockaddr_in = std::mem::zeroed();
        address.sin_family = libc::AF_INET as libc::sa_family_t;
        address.sin_port = port.to_be();
        address.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let bound = libc::bind(fd, (&raw const address).cast(), size_of::<libc::sockaddr_in>() as libc::socklen_t);
        assert_eq!(bound, 0, "bind: {}", std::io::Error::last_os_error());
        assert_eq!(libc::listen(fd, 1024), 0, "listen: {}", std::io::Error::last_os_error());
        std::net::TcpListener::from_raw_fd(fd)
    }
}

const LISTENER: Token = Token(0);

fn answer_lookups(mut listener: TcpListener, state: &AppState, spin: Duration) {
    let mut poll = Poll::new().expect("a poll");
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE).expect("the listener registers");
    let mut events = Events::with_capacity(1024);
    let mut connections: HashMap<usize, (TcpStream, Vec<u8>)> = HashMap::new();
    let mut next_token = 1;
    let mut chunk = vec![0u8; 4096];
    let mut answers = Vec::with_capacity(64 * 1024);
    loop {
        wait(&mut poll, &mut events, spin);
        for event in events.iter() {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    if poll.registry().register(&mut stream, Token(next_token), Interest::READABLE).is_ok() {
                        connections.insert(next_token, (stream, Vec::new()));
                        next_token += 1;
                    }
                }
                continue;
            }
            let token = event.token().0;
            let Some((stream, unread)) = connections.get_mut(&token) else { continue };
            let mut closed = false;
            loop {
                match stream.read(&mut chunk) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(read) => {
                        unread.extend_from_slice(&chunk[..read]);
                        // A short read emptied the socket: no second read only to hear "would block".
                        if read < chunk.len() {
                            break;
                        }
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        closed = true;
                        break;
                    }
                }
            }
            answers.clear();
            let answered = answer_complete_requests(state, unread, &mut answers);
            unread.drain(..answered);
            if !answers.is_empty() && stream.write_all(&answers).is_err() {
                closed = true;
            }
            if closed {
                connections.remove(&token);
            }
        }
    }
}

/// Polls without sleeping for up to `spin`, then sleeps until an event comes.
fn wait(poll: &mut Poll, events: &mut Events, spin: Duration) {
    if !spin.is_zero() {
        let until = Instant::now() + spin;
        loop {
            poll.poll(events, Some(Duration::ZERO)).expect("poll");
            if !events.is_empty() || Instant::now() >= until {
                return;
            }
            std::hint::spin_loop();
        }
    }
    poll.poll(events, None).expect("poll");
}

/// Appends the answers to every complete request in `unread`; the bytes they took.
fn answer_complete_requests(state: &AppState, unread: &[u8], answers: &mut Vec<u8>) -> usize {
    let mut taken = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        let Ok(httparse::Status::Complete(head_bytes)) = request.parse(&unread[taken..]) else { return taken };
        let query = request.path.and_then(|path| path.strip_prefix("/v1/check?"));
        let (status, body) = match canhgiac_server::check::check_json(state, query) {
            Ok(body) => ("200 OK", body),
            // Every value of the probe's query files is a contact; a refusal's shape is not what is measured.
            Err(_) => ("400 Bad Request", br#"{"code":"invalid_input"}"#.to_vec()),
        };
        answers.extend_from_slice(b"HTTP/1.1 ");
        answers.extend_from_slice(status.as_bytes());
        answers.extend_from_slice(b"\r\ncontent-type: application/json\r\ncache-control: private, max-age=60\r\n");
        answers.extend_from_slice(b"content-length: ");
        answers.extend_from_slice(body.len().to_string().as_bytes());
        answers.extend_from_slice(b"\r\ndate: Tue, 01 Dec 2026 21:00:00 GMT\r\n\r\n");
        answers.extend_from_slice(&body);
        taken += head_bytes;
    }
}
