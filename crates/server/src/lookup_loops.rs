//! Anonymous look-ups answered on event loops of the server's own, outside the async runtime.
//!
//! A look-up is nearly all of the server's traffic, and on the runtime its transport (the task, its waker, the
//! reactor's readiness, the timers) took about 1 µs of the 7.3 µs of CPU a look-up cost: a bare `mio` loop answered
//! the same look-ups with 7-25 % more requests a second (bench/RESULTS.md, issue 4, `bench/transport-probe`). So each
//! accepted connection is handed to one of [`crate::HttpLimits::lookup_threads`] loops, each a thread polling its
//! connections with `mio`. A loop does only the common case: it reads what a connection sent, answers every complete
//! anonymous look-up with the bytes [`crate::lookup_connection`] writes (the same parser, answer and request-log
//! line), and writes the answers at once. A turn goes in two halves: every connection the poll found ready is read
//! and its look-ups detected first; then the index's memory for all of them is warmed together
//! (`ReputationIndex::prefetch_records`, so that their memory reads overlap: about a fifth more look-ups a second at
//! 1M contacts, bench/RESULTS.md) and each connection is answered. At anything else it hands the connection to the
//! runtime, where [`crate::lookup_connection::answer_lookups`] carries on from the same place ([`Begun`]): a
//! request that is not a look-up (then hyper's), a head the parser refuses, an unfinished head longer than
//! [`MOST_UNREAD_ON_A_LOOP`], answers the socket did not take at once. So every limit stays where it was written, on
//! the runtime, and a loop keeps only one: a connection whose next head does not come within the header-read timeout is
//! closed, as on the runtime. When the server stops, a loop closes its connections (none of them is in the middle of an
//! answer: a loop answers and writes in one go).

use crate::HttpLimits;
use crate::connections::Connection;
use crate::error::ApiError;
use crate::lookup_connection::{self, Begun, MAX_ANSWER_BYTES_HELD, NextRequest};
use canhgiac_core::identifier::Identifier;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, IntoRawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most a loop holds of a connection's unanswered bytes: a look-up's head is a few hundred bytes; a longer one,
/// or many sent together, go to the runtime, which reads long heads without parsing them again at every read.
const MOST_UNREAD_ON_A_LOOP: usize = 16 * 1024;
/// What a loop reads at a time.
const READ_BYTES: usize = 8 * 1024;
/// The token of a loop's waker; connections take the others.
const WAKER: Token = Token(usize::MAX);

/// The loops, and where the next connection goes.
pub(crate) struct LookupLoops {
    loops: Vec<LoopHandle>,
    next: usize,
    stopping: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
}

struct LoopHandle {
    connections: mpsc::Sender<(std::net::TcpStream, Connection)>,
    waker: Arc<Waker>,
}

impl LookupLoops {
    /// Starts `threads` loops; a connection a loop gives up is served on `runtime`.
    pub(crate) fn start(threads: usize, runtime: tokio::runtime::Handle, limits: HttpLimits) -> io::Result<Self> {
        let stopping = Arc::new(AtomicBool::new(false));
        let mut loops = Vec::with_capacity(threads);
        for number in 0..threads {
            let poll = Poll::new()?;
            let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
            let (sender, receiver) = mpsc::channel();
            let lookup_loop = LookupLoop {
                poll,
                handed: receiver,
                connections: Vec::new(),
                free: Vec::new(),
                stopping: Arc::clone(&stopping),
                runtime: runtime.clone(),
                head_time: limits.header_read_timeout,
            };
            std::thread::Builder::new().name(format!("lookups-{number}")).spawn(move || lookup_loop.run())?;
            loops.push(LoopHandle { connections: sender, waker });
        }
        Ok(LookupLoops { loops, next: 0, stopping, runtime })
    }

    /// Hands an accepted connection to the next loop in turn (to the runtime if it cannot be).
    pub(crate) fn hand(&mut self, stream: tokio::net::TcpStream, connection: Connection) {
        let Ok(stream) = stream.into_std() else { return };
        let handle = &self.loops[self.next];
        self.next = (self.next + 1) % self.loops.len();
        match handle.connections.send((stream, connection)) {
            Ok(()) => {
                let _ = handle.waker.wake();
            }
            // The loop is gone (it panicked): the runtime serves the connection.
            Err(mpsc::SendError((stream, connection))) => {
                serve_on_runtime(&self.runtime, stream, connection, Begun::new())
            }
        }
    }

    /// Closes every connection the loops hold: the server is stopping.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        for handle in &self.loops {
            let _ = handle.waker.wake();
        }
    }
}

impl Drop for LookupLoops {
    /// The loops end once their connections have closed: they are told at once that no more will come.
    fn drop(&mut self) {
        let loops = std::mem::take(&mut self.loops);
        for LoopHandle { connections, waker } in loops {
            drop(connections);
            let _ = waker.wake();
        }
    }
}

/// The runtime takes over a connection from where `begun` says it stands.
fn serve_on_runtime(
    runtime: &tokio::runtime::Handle,
    stream: std::net::TcpStream,
    connection: Connection,
    begun: Begun,
) {
    runtime.spawn(async move {
        // Registering with the runtime's reactor fails only when the process is out of resources: the connection
        // is then closed.
        if let Ok(stream) = tokio::net::TcpStream::from_std(stream) {
            connection.serve(stream, begun).await;
        }
    });
}

/// One loop's state, owned by its thread.
struct LookupLoop {
    poll: Poll,
    handed: mpsc::Receiver<(std::net::TcpStream, Connection)>,
    /// By token; `None` where a connection was.
    connections: Vec<Option<LoopConnection>>,
    free: Vec<usize>,
    stopping: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
    head_time: Duration,
}

struct LoopConnection {
    stream: TcpStream,
    connection: Connection,
    unread: Vec<u8>,
    /// How much of an unfinished head was read when it was last parsed: it is parsed again only once a read may
    /// have ended it (a head sent a byte at a time is not parsed from its start at every byte).
    unfinished_head_bytes: Option<usize>,
    head_awaited_since: Instant,
}

/// What a connection's turn on a loop ended with.
enum Turn {
    Keep,
    Close,
    /// To the runtime, with the answers the socket did not take.
    HandOver {
        unwritten: Vec<u8>,
    },
}

impl LookupLoop {
    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        let mut scratch = Scratch {
            answers: Vec::with_capacity(MAX_ANSWER_BYTES_HELD),
            read: vec![0; READ_BYTES],
            turns: Vec::new(),
            asked: Vec::new(),
        };
        // Connections past their head's time limit are looked for this often: they are closed at most this late.
        let sweep_every = (self.head_time / 8).clamp(Duration::from_millis(10), Duration::from_millis(250));
        let mut next_sweep = Instant::now() + sweep_every;
        loop {
            let wait = next_sweep.saturating_duration_since(Instant::now());
            if let Err(error) = self.poll.poll(&mut events, Some(wait))
                && error.kind() != ErrorKind::Interrupted
            {
                tracing::error!(%error, "a look-up loop cannot poll; its connections go to the runtime");
                self.hand_everything_over();
                return;
            }
            for event in &events {
                if event.token() != WAKER {
                    self.read_what_was_sent(event.token().0, &mut scratch);
                }
            }
            self.answer_what_was_read(&mut scratch);
            let gone = self.take_new_connections(&mut scratch);
            if self.stopping.load(Ordering::Acquire) {
                self.close_every_connection();
            }
            if gone && self.connections.iter().all(Option::is_none) {
                return;
            }
            let now = Instant::now();
            if now >= next_sweep {
                self.close_late_heads(now);
                next_sweep = now + sweep_every;
            }
        }
    }

    /// Registers the connections handed over since the last turn and answers what they sent already; true when
    /// the sender is gone (the server has stopped accepting).
    fn take_new_connections(&mut self, scratch: &mut Scratch) -> bool {
        loop {
            let (stream, connection) = match self.handed.try_recv() {
                Ok(handed) => handed,
                Err(mpsc::TryRecvError::Empty) => return false,
                Err(mpsc::TryRecvError::Disconnected) => return true,
            };
            let mut stream = TcpStream::from_std(stream);
            let token = self.free.pop().unwrap_or(self.connections.len());
            if let Err(error) = self.poll.registry().register(&mut stream, Token(token), Interest::READABLE) {
                tracing::warn!(%error, "a look-up loop cannot take a connection; the runtime serves it");
                serve_on_runtime(&self.runtime, to_std(stream), connection, Begun::new());
                // A token taken from the free list goes back there; a new one was never used.
                if token < self.connections.len() {
                    self.free.push(token);
                }
                continue;
            }
            let entry = LoopConnection {
                stream,
                connection,
                unread: Vec::new(),
                unfinished_head_bytes: None,
                head_awaited_since: Instant::now(),
            };
            if token == self.connections.len() {
                self.connections.push(Some(entry));
            } else {
                self.connections[token] = Some(entry);
            }
            // Bytes that came before the registration are announced by it; reading now costs one call at most.
            self.read_what_was_sent(token, scratch);
            self.answer_what_was_read(scratch);
        }
    }

    /// A connection's turn, first half: reads what it sent and finds the look-ups it completed (closes it, or hands
    /// it to the runtime, when that is what its turn comes to).
    fn read_what_was_sent(&mut self, token: usize, scratch: &mut Scratch) {
        let Some(Some(entry)) = self.connections.get_mut(token) else { return };
        let turn = read_and_find_lookups(entry, token, scratch);
        self.end_turn(token, turn);
    }

    /// Closes the connection, or hands it to the runtime, when its turn ended so.
    fn end_turn(&mut self, token: usize, turn: Turn) {
        match turn {
            Turn::Keep => {}
            Turn::Close => {
                self.remove(token);
            }
            Turn::HandOver { unwritten } => self.hand_over(token, unwritten),
        }
    }

    /// The turns' second half, for every connection read since the last: warms the index's memory for all their
    /// look-ups at once (their reads overlap instead of following one another), then answers each connection.
    fn answer_what_was_read(&mut self, scratch: &mut Scratch) {
        if scratch.turns.is_empty() {
            return;
        }
        let Scratch { answers, asked, turns, .. } = scratch;
        let first = turns.first().and_then(|turn| self.connections.get(turn.token)?.as_ref());
        if let Some(first) = first {
            // One server: every connection's look-ups go to the same index.
            let contacts = asked.iter().filter_map(|asked| asked.contact.as_ref().ok());
            first.connection.app().state().index().prefetch_records(contacts.map(Identifier::canonical_str));
        }
        let mut asked = asked.drain(..);
        for turn in turns.drain(..) {
            let mut lookups = asked.by_ref().take(turn.lookups);
            let Some(Some(entry)) = self.connections.get_mut(turn.token) else {
                lookups.for_each(drop);
                continue;
            };
            answers.clear();
            let ended = answer_lookups_found(entry, &turn, lookups.by_ref(), answers);
            // Those left unanswered (handed over with the connection) are not the next connection's.
            lookups.for_each(drop);
            self.end_turn(turn.token, ended);
        }
    }

    /// Gives a connection to the runtime as it stands, with the answers its socket did not take.
    fn hand_over(&mut self, token: usize, unwritten: Vec<u8>) {
        if let Some(LoopConnection { mut stream, connection, unread, head_awaited_since, .. }) = self.remove(token) {
            let _ = self.poll.registry().deregister(&mut stream);
            let begun = Begun { unread, unwritten, head_awaited_since };
            serve_on_runtime(&self.runtime, to_std(stream), connection, begun);
        }
    }

    fn remove(&mut self, token: usize) -> Option<LoopConnection> {
        let entry = self.connections.get_mut(token)?.take()?;
        self.free.push(token);
        Some(entry)
    }

    fn close_every_connection(&mut self) {
        for token in 0..self.connections.len() {
            self.remove(token);
        }
    }

    /// Closes the connections whose next head has not come within the time limit, as the runtime does.
    fn close_late_heads(&mut self, now: Instant) {
        for token in 0..self.connections.len() {
            let late = self.connections[token]
                .as_ref()
                .is_some_and(|entry| now.saturating_duration_since(entry.head_awaited_since) >= self.head_time);
            if late {
                self.remove(token);
            }
        }
    }

    /// Gives every connection to the runtime, as it stands.
    fn hand_everything_over(&mut self) {
        for token in 0..self.connections.len() {
            self.hand_over(token, Vec::new());
        }
    }
}

/// What a loop reuses from one turn to the next (a fresh read buffer is 8 KiB to zero every time).
struct Scratch {
    answers: Vec<u8>,
    read: Vec<u8>,
    /// The connections read since their look-ups were last answered, in the order they were read.
    turns: Vec<ReadTurn>,
    /// Their look-ups, connection after connection.
    asked: Vec<AskedLookup>,
}

/// A connection read, and what its unanswered bytes hold.
struct ReadTurn {
    token: usize,
    /// How many of [`Scratch::asked`] are its look-ups.
    lookups: usize,
    /// After them comes a request this loop does not answer: the runtime takes the connection.
    then_hand_over: bool,
}

/// A complete look-up, not yet answered.
struct AskedLookup {
    head_bytes: usize,
    contact: Result<Identifier, ApiError>,
    started: Instant,
}

/// A connection's turn, first half: reads everything it sent (up to [`MOST_UNREAD_ON_A_LOOP`]) and finds the
/// complete look-ups in what it has not answered yet (they go to `scratch`, with a [`ReadTurn`]).
fn read_and_find_lookups(entry: &mut LoopConnection, token: usize, scratch: &mut Scratch) -> Turn {
    let buffer = &mut scratch.read;
    loop {
        match entry.stream.read(buffer) {
            Ok(0) => return Turn::Close,
            Ok(read) => {
                entry.unread.extend_from_slice(&buffer[..read]);
                if entry.unread.len() > MOST_UNREAD_ON_A_LOOP {
                    // The rest stays in the socket, for the runtime to read.
                    return Turn::HandOver { unwritten: Vec::new() };
                }
                // A short read emptied the socket: the next bytes will be announced (edge-triggered polling).
                if read < buffer.len() {
                    break;
                }
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Turn::Close,
        }
    }
    if let Some(read_before) = entry.unfinished_head_bytes
        && !lookup_connection::may_end_a_head(&entry.unread, read_before)
    {
        entry.unfinished_head_bytes = Some(entry.unread.len());
        return Turn::Keep;
    }
    entry.unfinished_head_bytes = None;
    let mut found = ReadTurn { token, lookups: 0, then_hand_over: false };
    let mut parsed = 0;
    loop {
        match lookup_connection::next_request(&entry.unread[parsed..]) {
            NextRequest::Lookup { head_bytes, query } => {
                let started = Instant::now();
                let contact = lookup_connection::contact_asked(query);
                scratch.asked.push(AskedLookup { head_bytes, contact, started });
                found.lookups += 1;
                parsed += head_bytes;
            }
            NextRequest::Incomplete => {
                entry.unfinished_head_bytes = Some(entry.unread.len() - parsed).filter(|&left| left > 0);
                break;
            }
            NextRequest::Refused(_) | NextRequest::Other => {
                found.then_hand_over = true;
                break;
            }
        }
    }
    if found.lookups > 0 || found.then_hand_over {
        scratch.turns.push(found);
    }
    Turn::Keep
}

/// A connection's turn, second half: answers the look-ups found in its turn into `answers` and writes them.
fn answer_lookups_found(
    entry: &mut LoopConnection,
    turn: &ReadTurn,
    lookups: impl Iterator<Item = AskedLookup>,
    answers: &mut Vec<u8>,
) -> Turn {
    let app = entry.connection.app();
    let mut answered = 0;
    let mut hand_over = turn.then_hand_over;
    for lookup in lookups {
        if answers.len() >= MAX_ANSWER_BYTES_HELD {
            // A client sending many look-ups without reading the answers: the runtime answers the rest as the
            // client reads, rather than have them pile up here.
            hand_over = true;
            break;
        }
        lookup_connection::write_answer_about(app, lookup.contact, lookup.started, answers);
        answered += lookup.head_bytes;
    }
    if answered > 0 {
        entry.unread.drain(..answered);
        entry.head_awaited_since = Instant::now();
    }
    let written = match write_at_once(&mut entry.stream, answers) {
        Ok(written) => written,
        Err(_) => return Turn::Close,
    };
    // Answers the socket did not take, or a request this loop does not answer: the runtime carries on.
    if written < answers.len() || hand_over {
        return Turn::HandOver { unwritten: answers[written..].to_vec() };
    }
    Turn::Keep
}

/// Writes what the socket takes without waiting; how much that was.
fn write_at_once(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(count) => written += count,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(written)
}

fn to_std(stream: TcpStream) -> std::net::TcpStream {
    // SAFETY: the descriptor comes from a stream given up here; the new stream owns it alone.
    unsafe { std::net::TcpStream::from_raw_fd(stream.into_raw_fd()) }
}
