//! Anonymous look-ups answered on the connection itself, before hyper.
//!
//! `GET /v1/check` without a key is nearly all of the server's traffic: every citizen's app, browser and telecom asks
//! it, a request at a time on kept-alive connections. Through hyper's connection, hyper, the `http` types, `bytes` and
//! axum's response types took 11 % of the server's CPU for a look-up (perf, 1M contacts: a fifth of what the program
//! itself spent), and a look-up cost about 30 % more server CPU than it does here (bench/RESULTS.md, issue 4's
//! thirteenth run). So a connection is read here first: each request head is parsed with `httparse` (the parser hyper
//! itself uses), and an anonymous look-up over HTTP/1.1 is answered with the bytes hyper would have written for
//! [`App`]'s answer (same status, headers, body and request-log line). At the first request that is anything else (a
//! key, a body, another route or method, HTTP/1.0, a `Connection` other than `keep-alive`, a target `http::Uri` would
//! refuse), the connection is handed to hyper for good with the bytes read and not yet answered; hyper then answers
//! them exactly as it did before this module existed. A head `httparse` refuses, and an unfinished head that reaches
//! the size limit, are answered here (400 and 431, where hyper would answer the same statuses with no body) in the
//! API's error shape, logged, and the connection closed; once a connection is hyper's, hyper refuses such heads
//! itself, and its bare 400 and 431 are rewritten in the same shape on their way out ([`HandedOffStream`]).
//!
//! The limits are hyper's: a head must be complete [`crate::HttpLimits::header_read_timeout`] after the connection
//! opened or the answer before was written (else the connection is closed without an answer, as hyper does), and
//! at most [`crate::HttpLimits::max_request_head_bytes`] are read for one. Instead of a timer per request, one timer
//! per connection is moved only when it fires early.

use crate::app::{App, NOT_ANONYMOUS_CHECK_HEADERS};
use crate::check;
use crate::error::ApiError;
use axum::http::StatusCode;
use canhgiac_core::identifier::Identifier;
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// The route answered here.
const CHECK_PATH: &str = crate::app::CHECK_ROUTE;
/// Headers read from one request head before it is left to hyper (which takes up to 100).
const MAX_HEADERS: usize = 32;
/// What a connection reads at a time while its heads are short.
const READ_CHUNK_BYTES: usize = 4096;
/// Answers to look-ups sent together are written out once they pass this size.
pub(crate) const MAX_ANSWER_BYTES_HELD: usize = 64 * 1024;

/// How [`answer_lookups`] left the connection.
pub(crate) enum LookupsEnded {
    /// Closed, or to be closed: the peer left, a head took too long, writing failed, or the server is stopping.
    Closed,
    /// A request that is not an anonymous look-up: hyper serves the connection from here, starting with these bytes
    /// (read from the connection, not answered).
    HandedOff(Vec<u8>),
}

/// Where a connection stands when the runtime takes it over from a look-up loop (`crate::lookup_loops`).
#[derive(Debug)]
pub(crate) struct Begun {
    /// Bytes read and not yet answered.
    pub(crate) unread: Vec<u8>,
    /// Answers the loop could not write at once: written first.
    pub(crate) unwritten: Vec<u8>,
    /// When the head now awaited began to be awaited.
    pub(crate) head_awaited_since: Instant,
}

impl Begun {
    /// A connection just accepted.
    pub(crate) fn new() -> Begun {
        Begun {
            unread: Vec::with_capacity(READ_CHUNK_BYTES),
            unwritten: Vec::new(),
            head_awaited_since: Instant::now(),
        }
    }
}

/// Answers the anonymous look-ups that `stream` sends, in order, until it sends something else, closes, or
/// `stopped` resolves while no request is complete; `begun` is what happened on the connection before.
pub(crate) async fn answer_lookups(
    stream: &mut TcpStream,
    app: &App,
    mut stopped: Pin<&mut impl Future<Output = ()>>,
    begun: Begun,
) -> LookupsEnded {
    let limits = app.limits();
    let max_head_bytes = limits.request_head_buffer_bytes();
    let head_time = limits.header_read_timeout;
    let write_limit = limits.write_stall_timeout;
    let Begun { mut unread, unwritten, head_awaited_since } = begun;
    if !write_answers(stream, &unwritten, write_limit).await {
        return LookupsEnded::Closed;
    }
    let mut answers: Vec<u8> = Vec::new();
    // When the head now awaited began to be awaited: the connection's start, then the end of each answer.
    let mut head_awaited_since = tokio::time::Instant::from_std(head_awaited_since);
    let timer = tokio::time::sleep_until(head_deadline(head_awaited_since, head_time));
    let mut timer = std::pin::pin!(timer);
    // How much of an unfinished head was read when it was last parsed: the next read is parsed again only if it may
    // have finished the head (parsing from the start on every read of a head sent a byte at a time took time that
    // grew with the square of its length).
    let mut unfinished_head_bytes: Option<usize> = None;
    loop {
        // Answer every complete look-up read so far (a client may send several before reading an answer).
        let mut answered_bytes = 0;
        loop {
            let bytes = &unread[answered_bytes..];
            if let Some(read_before) = unfinished_head_bytes
                && !may_end_a_head(bytes, read_before)
            {
                unfinished_head_bytes = Some(bytes.len());
                break;
            }
            unfinished_head_bytes = None;
            match next_request(bytes) {
                NextRequest::Lookup { head_bytes, query } => {
                    write_lookup_answer(app, query, &mut answers);
                    answered_bytes += head_bytes;
                    // A client that sends look-ups without reading the answers waits for them here, as it would
                    // with hyper, rather than have them pile up in memory.
                    if answers.len() >= MAX_ANSWER_BYTES_HELD {
                        if !write_answers(stream, &answers, write_limit).await {
                            return LookupsEnded::Closed;
                        }
                        answers.clear();
                    }
                }
                NextRequest::Incomplete => {
                    // Nothing left (the usual end after an answer) is no unfinished head: the next read is parsed.
                    unfinished_head_bytes = Some(unread.len() - answered_bytes).filter(|&read| read > 0);
                    break;
                }
                NextRequest::Refused(error) => {
                    if !write_answers(stream, &answers, write_limit).await {
                        return LookupsEnded::Closed;
                    }
                    let message = format!("the request is not HTTP/1.1: {error} in its request line or headers");
                    refuse_head(stream, StatusCode::BAD_REQUEST, message, write_limit, stopped).await;
                    return LookupsEnded::Closed;
                }
                NextRequest::Other => {
                    if !write_answers(stream, &answers, write_limit).await {
                        return LookupsEnded::Closed;
                    }
                    unread.drain(..answered_bytes);
                    return LookupsEnded::HandedOff(unread);
                }
            }
        }
        if answered_bytes > 0 {
            unread.drain(..answered_bytes);
            if !write_answers(stream, &answers, write_limit).await {
                return LookupsEnded::Closed;
            }
            answers.clear();
            // An idle connection keeps a few kilobytes, whatever its longest head was.
            if unread.capacity() > 4 * READ_CHUNK_BYTES && unread.len() < READ_CHUNK_BYTES {
                unread.shrink_to(READ_CHUNK_BYTES);
            }
            answers.shrink_to(MAX_ANSWER_BYTES_HELD);
            head_awaited_since = tokio::time::Instant::now();
        }
        if unread.len() >= max_head_bytes {
            // Where hyper answers an empty 431 (its buffer full without a head), the API's error shape.
            let message =
                format!("the request's head (request line and headers) is larger than {max_head_bytes} bytes");
            refuse_head(stream, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message, write_limit, stopped).await;
            return LookupsEnded::Closed;
        }
        if unread.capacity() - unread.len() < READ_CHUNK_BYTES / 4 {
            unread.reserve(READ_CHUNK_BYTES.min(max_head_bytes - unread.len()));
        }
        tokio::select! {
            biased;
            read = stream.read_buf(&mut unread) => match read {
                Ok(0) | Err(_) => return LookupsEnded::Closed,
                Ok(_) => {}
            },
            () = &mut timer => {
                let deadline = head_deadline(head_awaited_since, head_time);
                if tokio::time::Instant::now() >= deadline {
                    return LookupsEnded::Closed;
                }
                // The timer was set for an earlier head: moved only now, not on every answer.
                timer.as_mut().reset(deadline);
            }
            () = stopped.as_mut() => return LookupsEnded::Closed,
        }
    }
}

/// When a head awaited since `since` is too late; a limit too long to add (`Duration::MAX`) is a year.
fn head_deadline(since: tokio::time::Instant, limit: std::time::Duration) -> tokio::time::Instant {
    since.checked_add(limit).unwrap_or_else(|| since + std::time::Duration::from_secs(365 * 24 * 3600))
}

/// Whether the bytes read after the first `read_before` of an unfinished head may end it (a blank line: `\n\n` or
/// `\n\r\n`, looked for from three bytes before them), as hyper checks before parsing a head again.
pub(crate) fn may_end_a_head(bytes: &[u8], read_before: usize) -> bool {
    let mut from = read_before.saturating_sub(3).min(bytes.len());
    while let Some(offset) = bytes[from..].iter().position(|&byte| byte == b'\n') {
        let after = &bytes[from + offset + 1..];
        if after.starts_with(b"\n") || after.starts_with(b"\r\n") {
            return true;
        }
        from += offset + 1;
    }
    false
}

/// The first request in a connection's unanswered bytes.
#[derive(Debug, PartialEq)]
pub(crate) enum NextRequest<'a> {
    /// An anonymous look-up over HTTP/1.1 whose head is `head_bytes` long, with its target's query (`None` without a
    /// `?`), fragment cut off as `http::Uri` cuts it.
    Lookup { head_bytes: usize, query: Option<&'a str> },
    /// Not a whole head yet.
    Incomplete,
    /// A head that is not HTTP/1.x (hyper's parser, `httparse`, refuses it): answered 400 here, in the API's error
    /// shape, where hyper answers an empty 400.
    Refused(httparse::Error),
    /// Anything else: hyper's to answer.
    Other,
}

pub(crate) fn next_request(bytes: &[u8]) -> NextRequest<'_> {
    if bytes.is_empty() {
        return NextRequest::Incomplete;
    }
    // Left uninitialised: httparse fills the ones it uses (32 empty headers are a kilobyte to set out per head).
    let mut headers = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let head_bytes = match request.parse_with_uninit_headers(bytes, &mut headers) {
        Ok(httparse::Status::Complete(head_bytes)) => head_bytes,
        Ok(httparse::Status::Partial) => return NextRequest::Incomplete,
        // Hyper reads up to 100 headers: more than are read here is not yet an error.
        Err(httparse::Error::TooManyHeaders) => return NextRequest::Other,
        Err(error) => return NextRequest::Refused(error),
    };
    if request.method != Some("GET") || request.version != Some(1) {
        return NextRequest::Other;
    }
    let Some(query) = request.path.and_then(lookup_query) else {
        return NextRequest::Other;
    };
    let anonymous_without_body = request.headers.iter().all(|header| {
        let name = header.name;
        if name.eq_ignore_ascii_case("connection") {
            return header.value.trim_ascii().eq_ignore_ascii_case(b"keep-alive");
        }
        // What `App` checks before answering a look-up without the router, and what hyper itself acts on.
        !(NOT_ANONYMOUS_CHECK_HEADERS.iter().any(|other| name.eq_ignore_ascii_case(other))
            || name.eq_ignore_ascii_case("expect")
            || name.eq_ignore_ascii_case("upgrade"))
    });
    if !anonymous_without_body {
        return NextRequest::Other;
    }
    NextRequest::Lookup { head_bytes, query }
}

/// The query of a request target that is `/v1/check` (`Some(None)` without one), or `None` for any other target and
/// for one that `http::Uri` would refuse or read differently: only the bytes it takes in a query (printable ASCII but
/// `"`, `<`, `>`), up to a fragment, which it drops.
fn lookup_query(target: &str) -> Option<Option<&str>> {
    const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;
    let rest = target.strip_prefix(CHECK_PATH)?;
    if target.len() > MAX_TARGET_BYTES {
        return None;
    }
    if rest.is_empty() || rest.starts_with('#') {
        return Some(None);
    }
    let query = rest.strip_prefix('?')?;
    let query = query.split_once('#').map_or(query, |(query, _fragment)| query);
    let takes = |byte: u8| matches!(byte, 0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x7E);
    query.bytes().all(takes).then_some(Some(query))
}

/// Appends the answer to a look-up with this query string: what hyper writes for [`App`]'s answer (status line,
/// `content-type`, `cache-control` on a verdict, `content-length`, `date`, the JSON), and logs the request.
pub(crate) fn write_lookup_answer(app: &App, query: Option<&str>, answers: &mut Vec<u8>) {
    let started = Instant::now();
    write_answer_about(app, contact_asked(query), started, answers);
}

/// The contact a look-up with this query string asks about, or the error it is answered with (a panic included).
pub(crate) fn contact_asked(query: Option<&str>) -> Result<Identifier, ApiError> {
    std::panic::catch_unwind(|| check::contact_asked(query))
        .unwrap_or_else(|payload| Err(crate::middleware::panic_error(payload)))
}

/// [`write_lookup_answer`] in two halves: this one answers a look-up about `asked` ([`contact_asked`]), begun at
/// `started`.
pub(crate) fn write_answer_about(
    app: &App,
    asked: Result<Identifier, ApiError>,
    started: Instant,
    answers: &mut Vec<u8>,
) {
    let answered = asked.and_then(|contact| {
        std::panic::catch_unwind(AssertUnwindSafe(|| check::answer_json(app.state(), &contact)))
            .map_err(crate::middleware::panic_error)
    });
    let (status, body, error_code) = match answered {
        Ok(body) => (StatusCode::OK, body, None),
        Err(error) => error_answer(error),
    };
    let cache_control = (status == StatusCode::OK).then_some(check::CHECK_CACHE_CONTROL);
    append_json_answer(answers, status, cache_control, false, &body);
    crate::access_log::log_answer(
        "GET",
        CHECK_PATH,
        status.as_u16(),
        None,
        error_code.map(|code: canhgiac_core::ErrorCode| code.as_str()),
        started.elapsed(),
    );
}

/// Appends a whole answer with a JSON body: the status line, `content-type`, `cache-control` when given,
/// `connection: close` when the connection closes after it, `content-length`, `date`, and the body.
fn append_json_answer(
    answers: &mut Vec<u8>,
    status: StatusCode,
    cache_control: Option<&str>,
    close: bool,
    body: &[u8],
) {
    answers.extend_from_slice(b"HTTP/1.1 ");
    answers.extend_from_slice(status.as_str().as_bytes());
    answers.push(b' ');
    answers.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    answers.extend_from_slice(b"\r\ncontent-type: application/json\r\n");
    if let Some(cache_control) = cache_control {
        answers.extend_from_slice(b"cache-control: ");
        answers.extend_from_slice(cache_control.as_bytes());
        answers.extend_from_slice(b"\r\n");
    }
    if close {
        answers.extend_from_slice(b"connection: close\r\n");
    }
    answers.extend_from_slice(b"content-length: ");
    answers.extend_from_slice(itoa::Buffer::new().format(body.len()).as_bytes());
    answers.extend_from_slice(b"\r\ndate: ");
    append_http_date(answers);
    answers.extend_from_slice(b"\r\n\r\n");
    answers.extend_from_slice(body);
}

/// Writes `answers` (nothing to do when empty); false when the connection failed, or when what the socket did not
/// take at once was not all written within `limit` ([`crate::HttpLimits::write_stall_timeout`]: at most 64 KiB and
/// an answer wait so, which only a client reading nothing, or next to nothing, makes wait that long).
async fn write_answers(stream: &mut TcpStream, answers: &[u8], limit: std::time::Duration) -> bool {
    if answers.is_empty() {
        return true;
    }
    // Nearly always the socket takes the whole answer at once, and no timer is needed.
    let rest = match stream.try_write(answers) {
        Ok(written) => &answers[written..],
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => answers,
        Err(_) => return false,
    };
    if rest.is_empty() {
        return true;
    }
    matches!(tokio::time::timeout(limit, stream.write_all(rest)).await, Ok(Ok(())))
}

/// Most bytes read and dropped after refusing a head, and for how long, before the connection is closed.
const LINGER_BYTES: usize = 1024 * 1024;
const LINGER_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// Answers a head that cannot be served (`status` 400 or 431, code `invalid_request`, as
/// [`ApiError::from_status`] names them), logs it, and ends the connection as hyper does after such an answer.
async fn refuse_head(
    stream: &mut TcpStream,
    status: StatusCode,
    message: String,
    write_limit: std::time::Duration,
    mut stopped: Pin<&mut impl Future<Output = ()>>,
) {
    let started = Instant::now();
    let error =
        ApiError::new(canhgiac_core::Error::new(canhgiac_core::ErrorCode::InvalidRequest, message)).with_status(status);
    let (status, body, code) = error_answer(error);
    let mut answer = Vec::with_capacity(256 + body.len());
    append_json_answer(&mut answer, status, None, true, &body);
    // The method and route are unknown: the head could not be read.
    crate::access_log::log_answer("-", "-", status.as_u16(), None, code.map(|code| code.as_str()), started.elapsed());
    if !write_answers(stream, &answer, write_limit).await || stream.shutdown().await.is_err() {
        return;
    }
    // Closing with unread bytes would send a reset, which may destroy the answer before the client reads it: the
    // rest of what the client sends is read and dropped first, for a while.
    let deadline = tokio::time::Instant::now() + LINGER_TIME;
    let mut dropped = 0;
    let mut buffer = [0u8; 4096];
    while dropped < LINGER_BYTES {
        tokio::select! {
            read = tokio::time::timeout_at(deadline, stream.read(&mut buffer)) => match read {
                Ok(Ok(read)) if read > 0 => dropped += read,
                _ => return,
            },
            () = stopped.as_mut() => return,
        }
    }
}

/// An error's status, its JSON body (as `ApiError`'s response has it) and its code.
fn error_answer(error: ApiError) -> (StatusCode, Vec<u8>, Option<canhgiac_core::ErrorCode>) {
    let body = serde_json::to_vec(&error.body()).unwrap_or_else(|_| b"{}".to_vec());
    (error.status(), body, Some(error.code()))
}

/// Appends the `date` header's value (RFC 9110's IMF-fixdate), formatted once a second per thread, as hyper does.
fn append_http_date(answers: &mut Vec<u8>) {
    thread_local! {
        static CACHED: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    CACHED.with_borrow_mut(|(cached_second, text)| {
        if *cached_second != second {
            *cached_second = second;
            *text = httpdate::fmt_http_date(now);
        }
        answers.extend_from_slice(text.as_bytes());
    });
}

/// A connection handed to hyper: the bytes read before the hand-off, then the connection; a write that makes no
/// progress for the write-stall limit fails (hyper has no such limit, and then closes the connection).
///
/// hyper answers a head it cannot read (400) or that outgrows its buffer (431) with a bare head and no body, and
/// closes the connection: that answer is written in the API's error shape instead, as the heads refused before the
/// hand-off are ([`refuse_head`]), and logged.
pub(crate) struct HandedOffStream {
    write_stall: WriteStall,
    unread: Vec<u8>,
    read_from: usize,
    stream: TcpStream,
    /// The answer written in place of hyper's bare refusal, and how much of it is written.
    refusal: Option<(Vec<u8>, usize)>,
}

impl HandedOffStream {
    pub(crate) fn new(unread: Vec<u8>, stream: TcpStream, write_stall_timeout: std::time::Duration) -> Self {
        HandedOffStream {
            write_stall: WriteStall::new(write_stall_timeout),
            unread,
            read_from: 0,
            stream,
            refusal: None,
        }
    }

    /// Writes the answer that replaces hyper's refusal `buf`; done, all of `buf` counts as written.
    fn poll_write_refusal(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let Some((answer, written)) = &mut self.refusal else { return Poll::Ready(Ok(0)) };
        while *written < answer.len() {
            match Pin::new(&mut self.stream).poll_write(cx, &answer[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(count)) => *written += count,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return self.write_stall.watch(cx, Poll::Pending),
            }
        }
        self.write_stall.watch(cx, Poll::Ready(Ok(buf.len())))
    }
}

/// Where hyper's own answer to a head it cannot read begins in `bytes`, which it ends (after any answers written with
/// it), and its status: a 400 or 431 head with no body that closes the connection. Every 4xx the API itself answers
/// carries a JSON body, so a bodiless one is hyper's. Only the tail is looked at, and only when it ends a head.
fn hyper_head_refusal(bytes: &[u8]) -> Option<(usize, StatusCode)> {
    if !bytes.ends_with(b"\r\n\r\n") {
        return None;
    }
    let tail_start = bytes.len().saturating_sub(256);
    let tail = &bytes[tail_start..];
    let find_last = |needle: &[u8]| tail.windows(needle.len()).rposition(|window| window == needle);
    for (status_line, status) in [
        (&b"HTTP/1.1 400 Bad Request\r\n"[..], StatusCode::BAD_REQUEST),
        (&b"HTTP/1.1 431 Request Header Fields Too Large\r\n"[..], StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
    ] {
        let Some(at) = find_last(status_line) else { continue };
        let head = &tail[at..];
        let has = |needle: &[u8]| head.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle));
        let one_head = head.windows(4).position(|window| window == b"\r\n\r\n") == Some(head.len() - 4);
        if one_head && has(b"\r\ncontent-length: 0\r\n") && has(b"\r\nconnection: close\r\n") {
            return Some((tail_start + at, status));
        }
    }
    None
}

/// The API's answer (and request-log line) for a head hyper refused with `status`.
fn head_refusal_answer(status: StatusCode) -> Vec<u8> {
    let message = if status == StatusCode::BAD_REQUEST {
        "the request is not HTTP/1.1: its request line or headers cannot be read"
    } else {
        "the request's head (request line and headers) is larger than the server reads"
    };
    let error =
        ApiError::new(canhgiac_core::Error::new(canhgiac_core::ErrorCode::InvalidRequest, message)).with_status(status);
    let (status, body, code) = error_answer(error);
    let mut answer = Vec::with_capacity(256 + body.len());
    append_json_answer(&mut answer, status, None, true, &body);
    let code = code.map(|code| code.as_str());
    crate::access_log::log_answer("-", "-", status.as_u16(), None, code, std::time::Duration::ZERO);
    answer
}

impl AsyncRead for HandedOffStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.read_from < this.unread.len() {
            let take = buf.remaining().min(this.unread.len() - this.read_from);
            buf.put_slice(&this.unread[this.read_from..this.read_from + take]);
            this.read_from += take;
            if this.read_from == this.unread.len() {
                this.unread = Vec::new();
                this.read_from = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for HandedOffStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let mut buf = buf;
        if this.refusal.is_none()
            && let Some((start, status)) = hyper_head_refusal(buf)
        {
            if start == 0 {
                this.refusal = Some((head_refusal_answer(status), 0));
            } else {
                // The answers before it go first, as they are; hyper then writes the refusal alone.
                buf = &buf[..start];
            }
        }
        if this.refusal.is_some() {
            return this.poll_write_refusal(cx, buf);
        }
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.write_stall.watch(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper's refusal is a head, in the last slice: the slices before it go first, then it alone.
        let mut bufs = bufs;
        if let Some(last) = bufs.iter().rposition(|slice| !slice.is_empty())
            && (self.refusal.is_some() || hyper_head_refusal(&bufs[last]).is_some())
        {
            if bufs[..last].iter().all(|slice| slice.is_empty()) {
                return self.poll_write(cx, &bufs[last]);
            }
            bufs = &bufs[..last];
        }
        let this = &mut *self;
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.write_stall.watch(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A timer started when a write cannot go on, dropped when one does: writes that wait past `limit` fail.
struct WriteStall {
    limit: std::time::Duration,
    since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WriteStall {
    fn new(limit: std::time::Duration) -> Self {
        WriteStall { limit, since: None }
    }

    /// `written` as it is, except a wait that has lasted `limit`, which becomes a `TimedOut` error.
    fn watch<T>(&mut self, cx: &mut Context<'_>, written: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if written.is_ready() {
            self.since = None;
            return written;
        }
        let limit = self.limit;
        let timer = self.since.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the answer within the write-stall limit",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_bodiless_refusals_are_found_alone_or_after_the_answers_written_with_them() {
        let refusal = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 17:15:01 GMT\r\n\r\n";
        assert_eq!(hyper_head_refusal(refusal), Some((0, StatusCode::BAD_REQUEST)));
        let answered =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}";
        let together = [&answered[..], &refusal[..]].concat();
        assert_eq!(hyper_head_refusal(&together), Some((answered.len(), StatusCode::BAD_REQUEST)));
        let too_large =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_head_refusal(too_large), Some((0, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)));
        // The API's own 400s carry a body; an answer that only ends a head (a 304) is no refusal.
        let api_refusal = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(hyper_head_refusal(api_refusal), None);
        let kept_open = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_head_refusal(kept_open), None);
        assert_eq!(hyper_head_refusal(b"HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\n\r\n"), None);
        assert_eq!(hyper_head_refusal(answered), None);
    }

    #[test]
    fn a_look_up_head_is_taken_and_its_query_read_as_http_uri_reads_it() {
        let head = b"GET /v1/check?q=0912345678#frag HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\nGET";
        assert_eq!(next_request(head), NextRequest::Lookup { head_bytes: head.len() - 3, query: Some("q=0912345678") });
        assert_eq!(
            next_request(b"GET /v1/check HTTP/1.1\r\n\r\n"),
            NextRequest::Lookup { head_bytes: 26, query: None }
        );
        assert_eq!(next_request(b"GET /v1/check?q=1 HTTP/1.1\r\nHost: x\r\n"), NextRequest::Incomplete);
    }

    #[test]
    fn an_unfinished_head_is_parsed_again_only_when_what_was_read_after_it_may_end_it() {
        let head = b"GET /v1/check?q=1 HTTP/1.1\r\nhost: x\r\n\r\n";
        // Every place the head may have been cut before: the rest is found to end it.
        for cut in 0..head.len() {
            assert!(may_end_a_head(head, cut), "cut at {cut}");
        }
        assert!(may_end_a_head(b"GET / HTTP/1.1\n\n", 14));
        assert!(!may_end_a_head(&head[..head.len() - 1], 10));
        assert!(!may_end_a_head(b"GET /v1/check?q=1 HTTP/1.1\r\nhost: x\r\n", 30));
        // Nothing new read: no blank line in the last three bytes already seen.
        assert!(!may_end_a_head(b"GET /\r\n", 7));
    }

    /// The server's and the client's ends of a loopback connection.
    async fn connected() -> (TcpStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (server, client)
    }

    #[tokio::test]
    async fn look_ups_are_answered_here_and_the_first_other_request_is_handed_on_unread() {
        let app = crate::app(crate::AppState::new("unused"));
        let (mut server, mut client) = connected().await;
        let look_up = "GET /v1/check?q=0912345678 HTTP/1.1\r\nhost: x\r\n\r\n";
        let other = "POST /v1/identifiers/extract HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nab";
        client.write_all(format!("{look_up}{look_up}{other}").as_bytes()).await.unwrap();
        let stopped = std::pin::pin!(std::future::pending::<()>());
        let ended = answer_lookups(&mut server, &app, stopped, Begun::new()).await;
        // The POST's head and what of its body was read with it (all of it, when it came in one piece), unanswered.
        let LookupsEnded::HandedOff(unread) = ended else { panic!("not handed on") };
        let unread = String::from_utf8(unread).unwrap();
        assert!(other.starts_with(&unread) && unread.contains("\r\n\r\n"), "{unread:?}");
        // Both look-ups answered, and nothing else written.
        drop(server);
        let mut answers = String::new();
        client.read_to_string(&mut answers).await.unwrap();
        assert_eq!(answers.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{answers}");
        assert_eq!(answers.matches("\"canonical\":\"+84912345678\"").count(), 2, "{answers}");

        // A connection closed by its client, and one open when the server stops: closed here, nothing handed on.
        let (mut server, client) = connected().await;
        drop(client);
        let stopped = std::pin::pin!(std::future::pending::<()>());
        assert!(matches!(answer_lookups(&mut server, &app, stopped, Begun::new()).await, LookupsEnded::Closed));
        let (mut server, _client) = connected().await;
        let stopped = std::pin::pin!(std::future::ready(()));
        assert!(matches!(answer_lookups(&mut server, &app, stopped, Begun::new()).await, LookupsEnded::Closed));
    }

    #[test]
    fn a_head_time_limit_too_long_to_add_is_a_year() {
        let now = tokio::time::Instant::now();
        let second = std::time::Duration::from_secs(1);
        assert_eq!(head_deadline(now, second), now + second);
        assert!(head_deadline(now, std::time::Duration::MAX) > now + 364 * 24 * 3600 * second);
    }

    #[test]
    fn everything_but_an_anonymous_http_1_1_look_up_is_left_to_hyper() {
        for head in [
            "GET /v1/check?q=1 HTTP/1.0\r\n\r\n",
            "POST /v1/check?q=1 HTTP/1.1\r\n\r\n",
            "GET /v1/checks?q=1 HTTP/1.1\r\n\r\n",
            "GET /v1/check/batch HTTP/1.1\r\n\r\n",
            "GET http://host/v1/check?q=1 HTTP/1.1\r\n\r\n",
            "GET /v1/check?q=\"1\" HTTP/1.1\r\n\r\n",
            "GET /v1/check?q=<1> HTTP/1.1\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nAuthorization: Bearer k\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nX-API-Key: k\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nConnection: close\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
            "GET /v1/check?q=1 HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        ] {
            assert_eq!(next_request(head.as_bytes()), NextRequest::Other, "{head:?}");
        }
        // More headers than are read here: hyper reads up to 100.
        let many_headers = format!("GET /v1/check?q=1 HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(next_request(many_headers.as_bytes()), NextRequest::Other);
        // What the parser refuses is refused here, finished or not.
        for (head, error) in [
            ("GET /v1/check?q=1 HTTP/1.1\r\nBad Header: x\r\n\r\n", httparse::Error::HeaderName),
            ("GET /v1/check?q=1 HTTP/1.1\r\nBad Header", httparse::Error::HeaderName),
            ("NOT HTTP\r\n\r\n", httparse::Error::Token),
            ("GET / HTTP/3.0\r\n\r\n", httparse::Error::Version),
            ("G\x01T / HTTP/1.1\r\n", httparse::Error::Token),
        ] {
            assert_eq!(next_request(head.as_bytes()), NextRequest::Refused(error), "{head:?}");
        }
    }

    #[test]
    fn the_query_bytes_taken_are_those_http_uri_takes() {
        let mut refused = Vec::new();
        for byte in 0x21u8..=0x7E {
            let target = format!("/v1/check?q={}", byte as char);
            let ours = lookup_query(&target).is_some();
            let http_takes = target.parse::<axum::http::uri::PathAndQuery>().is_ok();
            assert_eq!(ours, http_takes, "{:?}", byte as char);
            if !ours {
                refused.push(byte as char);
            }
        }
        assert_eq!(refused, ['"', '<', '>']);
    }
}
