//! The request log: one line per request (method, matched route, status, latency, the API key's public prefix,
//! the error code; never the path, query or body), on stderr beside the rest of the log. The latency runs from the
//! request's arrival to its answer's head: for an answer sent while it is written (`POST /v1/check/batch`), the
//! time to its first bytes.
//!
//! Written here rather than as a `tracing` event because at tens of thousands of requests a second the event cost
//! as much as the look-up it logged (a span, a field visitor, a formatted timestamp: about 15,000 instructions) and
//! one `write` system call per line. Lines are formatted by hand into one shared buffer, which a thread of its own
//! writes out every [`FLUSH_INTERVAL`] or as soon as it holds 32 KiB, and the server once more when it stops
//! ([`flush`]): a request thread never waits for stderr, and a crash may lose the last fraction of a second of
//! lines and nothing else. Whether a line is written follows the log filter (`RUST_LOG`,
//! `--log`) for the target `canhgiac_server::access`: `info` logs every request, 5xx answers log at `error`.

use crate::auth::CallerLabel;
use crate::error::ErrorCodeExtension;
use axum::response::Response;
use parking_lot::Mutex;
use std::io::Write as _;
use std::sync::OnceLock;
use std::thread::Thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest a line waits in the buffer before it reaches stderr.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// The buffer is written out when it holds this much.
const FLUSH_BYTES: usize = 32 * 1024;

/// Logs one answered request (the edge layer in `middleware.rs` calls it).
pub(crate) fn log_request(method: &str, route: &str, response: &Response, latency: Duration) {
    log_answer(
        method,
        route,
        response.status().as_u16(),
        // The key's public prefix says which partner called; the key itself is never logged.
        response.extensions().get::<CallerLabel>().map(|label| label.0.as_str()),
        response.extensions().get::<ErrorCodeExtension>().map(|code| code.0.as_str()),
        latency,
    );
}

/// Logs one answered request from its parts: the look-ups answered before hyper have no `Response`.
pub(crate) fn log_answer(
    method: &str,
    route: &str,
    status: u16,
    key: Option<&str>,
    code: Option<&str>,
    latency: Duration,
) {
    crate::metrics::record_answer(method, route, status, latency);
    let failed = status >= 500;
    let enabled = if failed {
        tracing::enabled!(target: "canhgiac_server::access", tracing::Level::ERROR)
    } else {
        tracing::enabled!(target: "canhgiac_server::access", tracing::Level::INFO)
    };
    if !enabled {
        return;
    }
    let line = RequestLine { method, route, status, latency, key, code, failed };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let wake_writer = {
        let mut log = LOG.lock();
        if log.buffer.len() >= MAX_BUFFERED_BYTES {
            log.dropped += 1;
            DROPPED_LINES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            false
        } else {
            line.write(now, &mut log);
            log.buffer.len() >= FLUSH_BYTES
        }
    };
    let writer = WRITER.get_or_init(start_writer);
    if wake_writer && let Some(writer) = writer {
        writer.unpark();
    }
}

/// Lines dropped since the process started (for the metrics; the log says so itself every time it drops some).
static DROPPED_LINES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn dropped_lines() -> u64 {
    DROPPED_LINES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes out the lines not yet written. The server calls it when it stops.
pub fn flush() {
    // One writer at a time, so that lines reach stderr in the order they were logged.
    let _writing = WRITING.lock();
    let (mut lines, dropped) = {
        let mut log = LOG.lock();
        let spare = std::mem::take(&mut log.spare);
        (std::mem::replace(&mut log.buffer, spare), std::mem::take(&mut log.dropped))
    };
    // The request threads never wait for stderr: they only append to the buffer, and the write happens here,
    // outside its lock. Nothing to do about a failed write to stderr: the lines are dropped, as tracing's writer
    // drops them.
    if !lines.is_empty() {
        let _ = std::io::stderr().lock().write_all(&lines);
    }
    if dropped > 0 {
        tracing::warn!(dropped, "request log lines dropped: stderr did not keep up");
    }
    lines.clear();
    LOG.lock().spare = lines;
}

/// More than this waiting (stderr blocked) and new lines are dropped, counted, rather than held without bound.
const MAX_BUFFERED_BYTES: usize = 8 * 1024 * 1024;

static LOG: Mutex<Buffered> =
    Mutex::new(Buffered { buffer: Vec::new(), spare: Vec::new(), dropped: 0, second: u64::MAX, second_text: [0; 20] });
static WRITING: Mutex<()> = Mutex::new(());
/// The thread that writes the buffer out; `None` when it could not be started (then [`flush`] alone writes).
static WRITER: OnceLock<Option<Thread>> = OnceLock::new();

struct Buffered {
    buffer: Vec<u8>,
    /// The buffer written last time, emptied, kept so that swapping buffers allocates nothing.
    spare: Vec<u8>,
    dropped: u64,
    /// The Unix second that `second_text` spells (`2026-11-30T08:09:23.`): formatted once a second.
    second: u64,
    second_text: [u8; 20],
}

fn start_writer() -> Option<Thread> {
    let spawned = std::thread::Builder::new().name("access-log".to_owned()).spawn(|| {
        loop {
            std::thread::park_timeout(FLUSH_INTERVAL);
            flush();
        }
    });
    match spawned {
        Ok(handle) => Some(handle.thread().clone()),
        Err(error) => {
            tracing::warn!(%error, "cannot start the request log's writer thread; lines reach stderr at shutdown");
            None
        }
    }
}

struct RequestLine<'a> {
    method: &'a str,
    route: &'a str,
    status: u16,
    latency: Duration,
    key: Option<&'a str>,
    code: Option<&'a str>,
    failed: bool,
}

impl RequestLine<'_> {
    /// `2026-11-30T08:09:23.446481Z  INFO canhgiac_server::access: request method=GET route=/v1/check status=200
    /// latency_ms=0.013 key=-` (one line), the layout of the rest of the log.
    fn write(&self, now: Duration, log: &mut Buffered) {
        let second = now.as_secs();
        if second != log.second {
            log.second = second;
            log.second_text = second_text(second);
        }
        let Buffered { buffer, second_text, .. } = log;
        buffer.extend_from_slice(second_text);
        push_digits(buffer, u64::from(now.subsec_micros()), 6);
        buffer.extend_from_slice(if self.failed {
            b"Z ERROR canhgiac_server::access: request failed method="
        } else {
            b"Z  INFO canhgiac_server::access: request method="
        });
        buffer.extend_from_slice(self.method.as_bytes());
        buffer.extend_from_slice(b" route=");
        buffer.extend_from_slice(self.route.as_bytes());
        buffer.extend_from_slice(b" status=");
        push_digits(buffer, u64::from(self.status), 3);
        // Microsecond precision is plenty, and prints short.
        let micros = self.latency.as_micros().min(u128::from(u64::MAX)) as u64;
        buffer.extend_from_slice(b" latency_ms=");
        push_digits(buffer, micros / 1000, 1);
        buffer.push(b'.');
        push_digits(buffer, micros % 1000, 3);
        buffer.extend_from_slice(b" key=");
        buffer.extend_from_slice(self.key.unwrap_or("-").as_bytes());
        if let Some(code) = self.code {
            buffer.extend_from_slice(b" code=");
            buffer.extend_from_slice(code.as_bytes());
        }
        buffer.push(b'\n');
    }
}

/// `2026-11-30T08:09:23.` for a Unix second.
fn second_text(second: u64) -> [u8; 20] {
    let timestamp = i64::try_from(second)
        .ok()
        .and_then(|second| jiff::Timestamp::from_second(second).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    // A whole second prints as `2026-11-30T08:09:23Z` (years past 9999 are not valid timestamps).
    let mut text = [b'0'; 20];
    let written = timestamp.to_string();
    if let Some(date_and_time) = written.strip_suffix('Z').filter(|text| text.len() == 19) {
        text[..19].copy_from_slice(date_and_time.as_bytes());
        text[19] = b'.';
    }
    text
}

/// `value` in decimal, padded with zeros to `width` digits.
fn push_digits(buffer: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = at.min(digits.len() - width.min(digits.len()));
    buffer.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(status: u16, key: Option<&str>, code: Option<&str>, latency: Duration) -> String {
        let mut log =
            Buffered { buffer: Vec::new(), spare: Vec::new(), dropped: 0, second: u64::MAX, second_text: [0; 20] };
        let request =
            RequestLine { method: "GET", route: "/v1/check", status, latency, key, code, failed: status >= 500 };
        // 2026-11-30T08:09:23.004481Z
        request.write(Duration::new(1_796_026_163, 4_481_999), &mut log);
        String::from_utf8(log.buffer).unwrap()
    }

    #[test]
    fn a_line_has_the_time_level_route_status_latency_and_key() {
        assert_eq!(
            line(200, None, None, Duration::from_micros(13)),
            "2026-11-30T08:09:23.004481Z  INFO canhgiac_server::access: request method=GET route=/v1/check \
             status=200 latency_ms=0.013 key=-\n"
        );
        assert_eq!(
            line(404, Some("cgk_kzstxri7"), Some("not_found"), Duration::from_micros(12_345_678)),
            "2026-11-30T08:09:23.004481Z  INFO canhgiac_server::access: request method=GET route=/v1/check \
             status=404 latency_ms=12345.678 key=cgk_kzstxri7 code=not_found\n"
        );
        assert_eq!(
            line(500, None, Some("internal"), Duration::ZERO),
            "2026-11-30T08:09:23.004481Z ERROR canhgiac_server::access: request failed method=GET \
             route=/v1/check status=500 latency_ms=0.000 key=- code=internal\n"
        );
    }

    #[test]
    fn the_second_is_spelled_in_utc() {
        assert_eq!(&second_text(0), b"1970-01-01T00:00:00.");
        assert_eq!(&second_text(1_796_026_163), b"2026-11-30T08:09:23.");
        assert_eq!(&second_text(4_102_444_799), b"2099-12-31T23:59:59.");
    }

    #[test]
    fn digits_are_padded_to_their_width_and_never_cut() {
        let mut buffer = Vec::new();
        push_digits(&mut buffer, 7, 3);
        push_digits(&mut buffer, 0, 1);
        push_digits(&mut buffer, 123_456, 3);
        push_digits(&mut buffer, u64::MAX, 1);
        assert_eq!(String::from_utf8(buffer).unwrap(), format!("0070123456{}", u64::MAX));
    }
}
