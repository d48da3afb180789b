//! The check API: `GET /v1/check?q=` (anyone), `POST /v1/check/batch` (API key, up to
//! [`MAX_BATCH_VALUES`] values), private look-ups by hash prefix `GET /v1/range/{prefix}` (anyone), and the
//! lists for offline clients `GET /v1/lists/{kind}` (API key). The answers come from the in-memory
//! reputation index; this module only speaks HTTP.

use crate::AppState;
use crate::error::ApiError;
use crate::intake::now_millis;
use crate::json::ApiJson;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::identifier::{Identifier, IdentifierKind};
use canhgiac_core::{Error, ErrorCode, detect};
use canhgiac_index::{IndexSnapshot, RANGE_PREFIX_HEX, ReputationIndex, level_digit};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most values one `POST /v1/check/batch` may ask about.
pub const MAX_BATCH_VALUES: usize = 10_000;
/// From this many values a batch is checked with [`ReputationIndex::check_many`]: each thread then takes a snapshot of
/// the index (about 135 µs, a reference to each of its 4,096 shards) and saves about 0.2-0.4 µs a value (10M
/// contacts: 25.4 → 21.7 ms for 10,000 values on one thread), so a small batch is checked one value at a time.
const CHECK_MANY_FROM_VALUES: usize = 2_000;
/// Values a blocking thread checks at a time before it takes the next chunk of a batch.
const BATCH_CHUNK_VALUES: usize = 250;
/// Lines in a range answer: real suffixes padded with decoys up to this many (or the next multiple of it), so
/// the size of the answer does not tell how many contacts share the prefix. At 10M listed contacts a prefix
/// holds about 10.
pub const RANGE_ANSWER_LINES: usize = 256;

/// The `q` parameter of a query string (percent- and `+`-decoded); other parameters are ignored. Read by hand:
/// axum's `Query` (serde_urlencoded behind serde_path_to_error) cost a tenth of a whole look-up, and
/// `form_urlencoded::parse`, which decodes every name and value into its own string, still 7 % of the server's
/// instructions per look-up (callgrind: 1,520 a look-up). Decodes as `form_urlencoded` does (a test compares the two).
fn query_value(query: Option<&str>) -> Result<Option<String>, ApiError> {
    let mut found = None;
    for pair in query.unwrap_or("").as_bytes().split(|&byte| byte == b'&') {
        let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
            Some(equals) => (&pair[..equals], &pair[equals + 1..]),
            None => (pair, &[][..]),
        };
        let names_q =
            name == b"q" || (name.iter().any(|&byte| byte == b'%' || byte == b'+') && form_decoded(name) == "q");
        if !names_q {
            continue;
        }
        if found.is_some() {
            return Err(Error::new(ErrorCode::InvalidValue, "give `q` once: /v1/check?q=<phone, account, link, ...>")
                .with_field("q")
                .into());
        }
        found = Some(form_decoded(value).into_owned());
    }
    Ok(found)
}

/// A name or value of a form-encoded query: `+` is a space, `%` and two hex digits the byte they spell (any other
/// `%` stays), and the bytes are read as UTF-8 with invalid sequences replaced.
fn form_decoded(encoded: &[u8]) -> std::borrow::Cow<'_, str> {
    if !encoded.iter().any(|&byte| byte == b'+' || byte == b'%') {
        return String::from_utf8_lossy(encoded);
    }
    let hex = |byte: Option<&u8>| byte.and_then(|&byte| (byte as char).to_digit(16));
    let mut decoded = Vec::with_capacity(encoded.len());
    let mut at = 0;
    while at < encoded.len() {
        let byte = encoded[at];
        at += 1;
        if byte == b'+' {
            decoded.push(b' ');
        } else if byte == b'%'
            && let (Some(high), Some(low)) = (hex(encoded.get(at)), hex(encoded.get(at + 1)))
        {
            decoded.push((high * 16 + low) as u8);
            at += 2;
        } else {
            decoded.push(byte);
        }
    }
    match String::from_utf8(decoded) {
        Ok(text) => text.into(),
        Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned().into(),
    }
}

/// The contact a value is; a value that is no contact gets an error without a field (the caller names it).
fn detect_value(value: &str) -> Result<Identifier, Error> {
    detect(value).map_err(|error| {
        let message = format!(
            "{} (expected a phone number, a bank account, a card, an e-wallet, a link, a domain, an e-mail, an IP address, a social account, a crypto wallet or a VietQR payload)",
            error.message
        );
        Error::new(error.code, message)
    })
}

/// The answer of a batch in place of a value that is no contact (the others are [`canhgiac_index::CheckAnswer`]s).
#[derive(Debug, Serialize)]
pub struct RefusedValue {
    error: BatchError,
}

#[derive(Debug, Serialize)]
pub struct BatchError {
    code: &'static str,
    message: String,
    field: Option<String>,
}

/// `GET /v1/check?q=<anything>`: the value detected, made canonical and judged.
pub async fn check(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    check_response(&state, uri.query())
}

/// The answer of `GET /v1/check` for its query string. Synchronous: [`crate::App`] calls it without the router for
/// an anonymous look-up.
pub(crate) fn check_response(state: &AppState, query: Option<&str>) -> Result<Response, ApiError> {
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static(CHECK_CACHE_CONTROL)),
        ],
        check_json(state, query)?,
    )
        .into_response())
}

/// How long clients may keep a look-up's answer: a verdict may change with the next report.
pub(crate) const CHECK_CACHE_CONTROL: &str = "private, max-age=60";

/// The JSON body of `GET /v1/check`'s answer for its query string, or the error the look-up is answered with. The
/// look-ups answered on the connection before hyper (`crate::lookup_connection`) use it directly, and so does
/// `bench/examples/lookup_loop_probe.rs` (what a look-up costs on another event loop).
pub fn check_json(state: &AppState, query: Option<&str>) -> Result<Vec<u8>, ApiError> {
    Ok(answer_json(state, &contact_asked(query)?))
}

/// The contact `GET /v1/check` asks about in its query string (the value of `q`, detected), or the error the
/// look-up is answered with: the first half of [`check_json`], for a caller that looks at the contact before
/// answering (a look-up loop warms the index's memory for all the contacts of its turn).
pub(crate) fn contact_asked(query: Option<&str>) -> Result<Identifier, ApiError> {
    let Some(value) = query_value(query)?.filter(|q| !q.trim().is_empty()) else {
        return Err(Error::new(
            ErrorCode::EmptyInput,
            "give the contact to check: /v1/check?q=<phone, account, link, ...>",
        )
        .with_field("q")
        .into());
    };
    Ok(detect_value(&value).map_err(|e| e.with_field("q"))?)
}

/// The JSON body of `GET /v1/check`'s answer about a contact: the second half of [`check_json`].
pub(crate) fn answer_json(state: &AppState, contact: &Identifier) -> Vec<u8> {
    // Written straight from the answer by its own JSON writer (the derived serialisation's bytes, faster).
    state.index().check(contact, now_millis()).to_json()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    values: Vec<String>,
}

/// `POST /v1/check/batch {"values": [...]}`: one answer per value, in order; a value that is no contact gets
/// `{"error": {code, message, field}}` in its place and does not fail the others.
pub async fn check_batch(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<BatchRequest>,
) -> Result<Response, ApiError> {
    if request.values.len() > MAX_BATCH_VALUES {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            format!("at most {MAX_BATCH_VALUES} values per call; this one has {}", request.values.len()),
        )
        .with_field("values")
        .into());
    }
    const OPENING: &[u8] = b"{\"results\":[";
    const CLOSING: &[u8] = b"]}";
    if request.values.is_empty() {
        return Ok((
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            [OPENING, CLOSING].concat(),
        )
            .into_response());
    }
    let index = state.index_handle();
    let now = now_millis();
    let values: Arc<[String]> = request.values.into();
    // Pure CPU work: off the async threads, so other requests keep being served, and spread over the cores on
    // tokio's blocking threads (kept between calls: a fresh thread per call would start with an empty allocator
    // cache). The values go in chunks that each thread takes as it gets free (with one fixed part per core the
    // answer waited for the slower part), and the chunks are sent in order as soon as they are written, so that
    // sending the answer (430 bytes a value) overlaps checking the rest.
    let chunks = values.len().div_ceil(BATCH_CHUNK_VALUES);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(chunks);
    let next_chunk = Arc::new(AtomicUsize::new(0));
    let (written, arriving) = tokio::sync::mpsc::unbounded_channel::<(usize, Vec<u8>)>();
    for _ in 0..threads {
        let (index, values, next_chunk, written) = (index.clone(), values.clone(), next_chunk.clone(), written.clone());
        tokio::task::spawn_blocking(move || {
            // Taken when the batch is large enough to repay it (see `CHECK_MANY_FROM_VALUES`).
            let snapshot = (values.len() >= CHECK_MANY_FROM_VALUES).then(|| index.snapshot());
            loop {
                let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                if chunk >= chunks {
                    return;
                }
                let first = chunk * BATCH_CHUNK_VALUES;
                let part = &values[first..(first + BATCH_CHUNK_VALUES).min(values.len())];
                let mut json = Vec::with_capacity(part.len() * 512 + OPENING.len() + CLOSING.len());
                json.extend_from_slice(if chunk == 0 { OPENING } else { b"," });
                write_batch_part(&mut json, &index, snapshot.as_ref(), now, first, part);
                if chunk + 1 == chunks {
                    json.extend_from_slice(CLOSING);
                }
                // The client went away: the answer is dropped, so is the rest of the work.
                if written.send((chunk, json)).is_err() {
                    return;
                }
            }
        });
    }
    drop(written);
    let in_order = InOrderChunks { arriving, waiting: std::collections::BTreeMap::new(), next: 0, chunks };
    // Fused: an encoder (`compress_large_answers`) may poll the body once more after its end, which `unfold`
    // would answer with a panic.
    let body = futures_util::StreamExt::fuse(futures_util::stream::unfold(in_order, |mut state| async move {
        let chunk = state.next_chunk().await?;
        Some((chunk, state))
    }));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], axum::body::Body::from_stream(body))
        .into_response())
}

/// The chunks of a batch answer as the blocking threads finish them (in any order), handed out in order.
struct InOrderChunks {
    arriving: tokio::sync::mpsc::UnboundedReceiver<(usize, Vec<u8>)>,
    waiting: std::collections::BTreeMap<usize, Vec<u8>>,
    next: usize,
    chunks: usize,
}

impl InOrderChunks {
    /// The next chunk; `None` after the last. A thread that panicked leaves a chunk missing: the answer ends in an
    /// error, so that the connection is cut rather than the answer come back short (the status was already sent).
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, std::io::Error>> {
        if self.next == self.chunks {
            return None;
        }
        loop {
            if let Some(json) = self.waiting.remove(&self.next) {
                self.next += 1;
                return Some(Ok(json));
            }
            match self.arriving.recv().await {
                Some((chunk, json)) => {
                    self.waiting.insert(chunk, json);
                }
                None => {
                    // The 200 and its request-log line are out already: this is what the log keeps of the fault.
                    tracing::error!(
                        chunk = self.next,
                        chunks = self.chunks,
                        "a batch check thread failed; the answer was cut short"
                    );
                    self.next = self.chunks;
                    return Some(Err(std::io::Error::other("the batch check failed")));
                }
            }
        }
    }
}

/// The answers to `values` (which start at position `first` of the batch) as JSON, separated by commas, after what
/// `json` holds. The values are all detected first, then checked together ([`ReputationIndex::check_many`]) when
/// there is a snapshot, one by one otherwise.
fn write_batch_part(
    json: &mut Vec<u8>,
    index: &ReputationIndex,
    snapshot: Option<&IndexSnapshot>,
    now: i64,
    first: usize,
    values: &[String],
) {
    let mut identifiers = Vec::with_capacity(values.len());
    // The position in `values` of each identifier, and the values refused, by position.
    let mut positions = Vec::with_capacity(values.len());
    let mut refused = Vec::new();
    for (offset, value) in values.iter().enumerate() {
        match detect_value(value) {
            Ok(identifier) => {
                identifiers.push(identifier);
                positions.push(offset);
            }
            Err(error) => refused.push((offset, error)),
        }
    }
    let mut refused = refused.into_iter().peekable();
    // Every answer writes something, so an answer follows another exactly when `json` grew.
    let start = json.len();
    let separate = |json: &mut Vec<u8>| {
        if json.len() > start {
            json.push(b',');
        }
    };
    let mut write_refused_before = |json: &mut Vec<u8>, position: usize| {
        while let Some((offset, error)) = refused.next_if(|(offset, _)| *offset < position) {
            separate(json);
            // The field is named only for a refused value, not formatted for every one.
            let refused = RefusedValue {
                error: BatchError {
                    code: error.code.as_str(),
                    message: error.message,
                    field: Some(format!("values[{}]", first + offset)),
                },
            };
            // Writing to a Vec fails only when a value cannot be serialised, which ours always can.
            let _ = serde_json::to_writer(&mut *json, &refused);
        }
    };
    let mut write_answer = |number: usize, answer: canhgiac_index::CheckAnswer| {
        write_refused_before(json, positions[number]);
        separate(json);
        answer.write_json(json);
    };
    match snapshot {
        Some(snapshot) => index.check_many(snapshot, &identifiers, now, write_answer),
        None => {
            for (number, identifier) in identifiers.iter().enumerate() {
                write_answer(number, index.check(identifier, now));
            }
        }
    }
    write_refused_before(json, usize::MAX);
}

fn parse_prefix(prefix: &str) -> Result<u32, Error> {
    let valid = prefix.len() == RANGE_PREFIX_HEX && prefix.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            format!(
                "a range prefix is the first {RANGE_PREFIX_HEX} hex digits of the SHA-256 of a contact's canonical form, e.g. 3f2a9"
            ),
        )
        .with_field("prefix"));
    }
    u32::from_str_radix(prefix, 16).map_err(|_| Error::new(ErrorCode::InvalidValue, "not hex").with_field("prefix"))
}

/// A small generator for decoys, seeded from the operating system per answer.
struct Decoys(u64);

impl Decoys {
    fn next(&mut self) -> u64 {
        // xorshift64*: decoys only need to look like digests, not to be secret.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `GET /v1/range/{prefix}`: `SUFFIX:LEVEL` lines (27 hex digits, then the level digit of
/// [`canhgiac_index::level_digit`]) for every listed contact whose SHA-256 starts with `prefix`, mixed with
/// decoys so every answer has [`RANGE_ANSWER_LINES`] lines (or a multiple). docs/private-lookups.md.
pub async fn range(State(state): State<AppState>, Path(prefix): Path<String>) -> Result<Response, ApiError> {
    let prefix_value = parse_prefix(&prefix)?;
    let hits = state.index().range(prefix_value);
    let mut lines: Vec<String> =
        hits.iter().map(|hit| format!("{}:{}", hit.suffix_hex(), level_digit(hit.level))).collect();
    let target = lines.len().div_ceil(RANGE_ANSWER_LINES).max(1) * RANGE_ANSWER_LINES;
    let mut decoys = Decoys(u64::from_le_bytes(canhgiac_secrets::random_bytes::<8>()) | 1);
    while lines.len() < target {
        let suffix = format!("{:016x}{:016x}", decoys.next(), decoys.next());
        let level = char::from(b'2' + (decoys.next() % 4) as u8);
        lines.push(format!("{}:{level}", &suffix[..32 - RANGE_PREFIX_HEX]));
    }
    lines.sort_unstable();
    let mut body = String::with_capacity(lines.len() * 30);
    for line in lines {
        let _ = writeln!(body, "{line}");
    }
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    since: Option<String>,
    format: Option<String>,
}

/// `GET /v1/lists/{kind}[?since=<version>][&format=text]`: every contact of a kind with a verdict other than
/// `no_data`, with an ETag (`If-None-Match` answers 304); with `since`, only what changed after that version
/// (`"delta": true`), or the whole list (`"delta": false`) when the changes are no longer kept.
pub async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::invalid_request(rejection.body_text()))?;
    let kind: IdentifierKind = kind.parse().map_err(|e: Error| e.with_field("kind"))?;
    let since = query
        .since
        .as_deref()
        .map(|s| {
            s.trim().parse::<u64>().map_err(|_| {
                Error::new(ErrorCode::InvalidValue, "since is a list version: the number of an earlier ETag")
                    .with_field("since")
            })
        })
        .transpose()?;
    let text = match query.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidValue, "format is json or text").with_field("format").into());
        }
    };
    let index = state.index_handle();
    let version = index.kind_version(kind);
    let etag = format!("\"{}-{version}\"", kind.as_str());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    if matches {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii etag"));
        return Ok(response);
    }
    let body = tokio::task::spawn_blocking(move || list_body(&index, kind, since, text))
        .await
        .map_err(|e| ApiError::from(Error::new(ErrorCode::Internal, format!("list failed: {e}"))))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii etag"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let content_type = if text { "text/plain; charset=utf-8" } else { "application/json" };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

fn list_body(index: &ReputationIndex, kind: IdentifierKind, since: Option<u64>, text: bool) -> axum::body::Body {
    if let Some(delta) = since.and_then(|since| index.changes_since(kind, since)) {
        if text {
            let mut body =
                format!("# canhgiac {} list delta since {} to {}\n", kind.as_str(), delta.since, delta.version);
            for contact in &delta.changed {
                let _ = writeln!(body, "+{}\t{}\t{}", contact.canonical, contact.verdict.as_str(), contact.score);
            }
            for canonical in &delta.removed {
                let _ = writeln!(body, "-{canonical}");
            }
            return body.into();
        }
        let mut value = serde_json::to_value(&delta).unwrap_or(Value::Null);
        value["delta"] = Value::Bool(true);
        return value.to_string().into();
    }
    let snapshot = index.list(kind);
    if text {
        let mut body = format!("# canhgiac {} list version {}\n", kind.as_str(), snapshot.version);
        for contact in &snapshot.contacts {
            let _ = writeln!(body, "{}\t{}\t{}", contact.canonical, contact.verdict.as_str(), contact.score);
        }
        return body.into();
    }
    let mut value = serde_json::to_value(&snapshot).unwrap_or(Value::Null);
    value["delta"] = Value::Bool(false);
    value.to_string().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `query_value` answered when it was `form_urlencoded::parse`: the reference it must match.
    fn query_value_by_form_urlencoded(query: &str) -> Result<Option<String>, ()> {
        let mut found = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name == "q" {
                if found.is_some() {
                    return Err(());
                }
                found = Some(value.into_owned());
            }
        }
        Ok(found)
    }

    #[test]
    fn the_query_is_decoded_as_form_urlencoded_decodes_it() {
        let mut queries: Vec<String> = [
            "",
            "q",
            "q=",
            "=q",
            "&&q=1&&",
            "q=0912+345%20678",
            "q=%E1%BA%A1",
            "q=%e1%ba%a1",
            "q=%E1%BA",
            "q=%FF%FE",
            "q=%",
            "q=%4",
            "q=%4g",
            "q=%%41",
            "q=100%",
            "q=a=b=c",
            "%71=1",
            "%71%3d=1",
            "q+=1",
            "+q=1",
            "Q=1",
            "a=1&q=2&b=3",
            "q=1&q=2",
            "q=1&%71=2",
            "q&q",
            "q=%2B%26%3D",
            "q=https%3A%2F%2Fa.vn%2F%3Fx%3D1%26y%3D2",
        ]
        .iter()
        .map(|query| query.to_string())
        .collect();
        // Every short query over the bytes that matter to decoding, and some longer ones.
        let alphabet = ["q", "=", "&", "%", "+", "4", "1", "e", "g", "F", "%E1", "%BA", "a"];
        for first in alphabet {
            for second in alphabet {
                for third in alphabet {
                    for fourth in ["", "=", "%41", "&q=x"] {
                        queries.push(format!("{first}{second}{third}{fourth}"));
                        queries.push(format!("q={first}{second}{third}{fourth}"));
                    }
                }
            }
        }
        for query in &queries {
            let ours = query_value(Some(query)).map_err(|error| {
                assert_eq!(error.error().field.as_deref(), Some("q"), "{query}");
            });
            assert_eq!(ours, query_value_by_form_urlencoded(query), "{query:?}");
        }
        assert_eq!(query_value(None).unwrap(), None);
    }

    fn chunks_of(sent: &[(usize, &str)], chunks: usize) -> Vec<Result<String, String>> {
        let (written, arriving) = tokio::sync::mpsc::unbounded_channel();
        for (chunk, text) in sent {
            written.send((*chunk, text.as_bytes().to_vec())).unwrap();
        }
        drop(written);
        let mut in_order = InOrderChunks { arriving, waiting: Default::default(), next: 0, chunks };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = runtime.block_on(in_order.next_chunk()) {
            out.push(chunk.map(|bytes| String::from_utf8(bytes).unwrap()).map_err(|error| error.to_string()));
        }
        out
    }

    #[test]
    fn chunks_come_out_in_order_whatever_order_they_arrive_in() {
        let ok = |text: &str| Ok(text.to_string());
        assert_eq!(chunks_of(&[(2, "c"), (0, "a"), (1, "b")], 3), vec![ok("a"), ok("b"), ok("c")]);
        assert_eq!(chunks_of(&[(0, "a")], 1), vec![ok("a")]);
    }

    #[test]
    fn a_missing_chunk_ends_the_answer_in_an_error() {
        // Chunk 1 never comes (its thread panicked): what came before it is sent, then an error, then nothing.
        let answer = chunks_of(&[(0, "a"), (2, "c")], 3);
        assert_eq!(answer, vec![Ok("a".to_string()), Err("the batch check failed".to_string())]);
    }
}
