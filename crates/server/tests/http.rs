//! The HTTP API through its whole middleware stack: without a socket (`oneshot`) for the routes and
//! the error shape, over a real socket for serving and graceful shutdown.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use canhgiac_core::ErrorCode;
use canhgiac_server::{
    App, AppState, HttpLimits, ServeError, ServerConfig, app as whole_app, app_with, serve, with_middleware,
};
use serde_json::{Value, json};
use std::time::Duration;
use support::{Answer, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

fn app() -> App {
    whole_app(AppState::new("unused-data-dir"))
}

fn post(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).unwrap()
}

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    post(uri, Some("application/json"), body.to_string())
}

/// A JSON POST that says its length (`Content-Length`), as a client on a socket does.
fn post_json_with_length(uri: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// Asserts the API's error shape, and returns the body.
#[track_caller]
fn assert_error(answer: &Answer, status: u16, code: &str, field: Option<&str>) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(
        answer.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{}",
        answer.body
    );
    let object = answer.body.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "field", "message", "message_vi", "type"], "{}", answer.body);
    assert_eq!(answer.body["code"], code, "{}", answer.body);
    assert_eq!(answer.body["field"], json!(field), "{}", answer.body);
    let error_code = ErrorCode::ALL.iter().find(|c| c.as_str() == code).expect("a known code");
    assert_eq!(answer.body["message_vi"], error_code.summary_vi());
    assert_eq!(answer.body["type"], serde_json::to_value(error_code.category()).unwrap());
    assert!(!answer.body["message"].as_str().unwrap().is_empty());
}

// ---- health ----

#[tokio::test]
async fn healthz_answers_ok_and_the_version() {
    let answer = send(app(), get_req("/healthz")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}));
}

#[tokio::test]
async fn a_server_without_a_store_is_alive_but_not_ready() {
    let answer = send(app(), get_req("/readyz")).await;
    assert_error(&answer, 503, "unavailable", None);
    assert_eq!(send(app(), get_req("/healthz")).await.status, StatusCode::OK);
}

// ---- the error shape for everything axum or tower-http would answer in plain text ----

#[tokio::test]
async fn malformed_json_is_invalid_request() {
    for body in ["{not json", "", "{\"value\": \"x\"} trailing", "[1, 2"] {
        let answer = send(app(), post("/v1/identifiers/parse", Some("application/json"), body)).await;
        assert_error(&answer, 400, "invalid_request", None);
    }
}

#[tokio::test]
async fn missing_field_names_the_field() {
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"kind": "phone"}))).await;
    assert_error(&answer, 400, "missing_field", Some("value"));
    let answer = send(app(), post_json("/v1/identifiers/extract", &json!({}))).await;
    assert_error(&answer, 400, "missing_field", Some("text"));
}

#[tokio::test]
async fn wrong_type_and_unknown_fields_name_the_field() {
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": 912345678}))).await;
    assert_error(&answer, 400, "invalid_type", Some("value"));
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "x", "knd": "phone"}))).await;
    assert_error(&answer, 400, "unknown_field", Some("knd"));
    let answer = send(app(), post_json("/v1/identifiers/extract", &json!(["text"]))).await;
    assert_error(&answer, 400, "invalid_request", None);
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415() {
    let body = json!({"text": "xin chào"}).to_string();
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let answer = send(app(), post("/v1/identifiers/extract", content_type, body.clone())).await;
        assert_error(&answer, 415, "unsupported_media_type", None);
    }
    let answer = send(app(), post("/v1/identifiers/extract", Some("application/json; charset=utf-8"), body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

fn oversize_body() -> String {
    let text = "a".repeat(HttpLimits::DEFAULT_BODY_LIMIT + 1);
    json!({ "text": text }).to_string()
}

#[tokio::test]
async fn oversize_body_with_content_length_is_413() {
    let body = oversize_body();
    let request = post_json_with_length("/v1/identifiers/extract", body);
    let answer = send(app(), request).await;
    assert_error(&answer, 413, "payload_too_large", None);
}

#[tokio::test]
async fn oversize_body_without_content_length_is_413() {
    // No Content-Length header: the limit is met while the body is read.
    let answer = send(app(), post("/v1/identifiers/extract", Some("application/json"), oversize_body())).await;
    assert_error(&answer, 413, "payload_too_large", None);
}

#[tokio::test]
async fn body_just_under_the_limit_is_accepted() {
    let text = "xin chào ".repeat((HttpLimits::DEFAULT_BODY_LIMIT - 100) / "xin chào ".len());
    let body = json!({ "text": text }).to_string();
    assert!(body.len() < HttpLimits::DEFAULT_BODY_LIMIT);
    let request = post_json_with_length("/v1/identifiers/extract", body);
    let answer = send(app(), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn unknown_route_is_404_json_and_does_not_echo_the_path() {
    for uri in ["/nope", "/v1/check/0912345678?reporter=0987654321", "/"] {
        let answer = send(app(), get_req(uri)).await;
        assert_error(&answer, 404, "not_found", None);
        assert!(!answer.body.to_string().contains("0912345678"));
    }
    let answer = send(app(), post_json("/v1/nope", &json!({}))).await;
    assert_error(&answer, 404, "not_found", None);
}

#[tokio::test]
async fn wrong_method_is_405_json_with_allow() {
    let answer = send(app(), get_req("/v1/identifiers/parse")).await;
    assert_error(&answer, 405, "method_not_allowed", None);
    let allow = answer.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(allow.contains("POST"), "Allow: {allow:?}");

    let answer = send(app(), post_json("/healthz", &json!({}))).await;
    assert_error(&answer, 405, "method_not_allowed", None);
    let request = Request::delete("/v1/identifiers/extract").body(Body::empty()).unwrap();
    assert_error(&send(app(), request).await, 405, "method_not_allowed", None);
}

#[tokio::test]
async fn a_panicking_handler_answers_500_internal() {
    async fn boom() -> &'static str {
        panic!("boom")
    }
    let panicking = Router::new().route("/boom", get(boom));
    let app = with_middleware(panicking, HttpLimits::default());
    let answer = send(app.clone(), get_req("/boom")).await;
    assert_error(&answer, 500, "internal", None);
    // The service is still usable afterwards.
    assert_error(&send(app, get_req("/other")).await, 404, "not_found", None);
}

#[tokio::test]
async fn a_slow_handler_times_out_with_503_unavailable() {
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let limits = HttpLimits { request_timeout: Duration::from_millis(50), ..HttpLimits::default() };
    let answer = send(with_middleware(slow, limits), get_req("/slow")).await;
    assert_error(&answer, 503, "unavailable", None);
}

#[test]
fn default_limits_are_10_s_and_64_kib() {
    let limits = HttpLimits::default();
    assert_eq!(limits.request_timeout, Duration::from_secs(10));
    assert_eq!(limits.body_limit, 64 * 1024);
    assert_eq!(AppState::new("d").limits(), limits);
}

// ---- /v1/identifiers/parse ----

#[tokio::test]
async fn parse_with_kind_phone_canonicalises() {
    let answer =
        send(app(), post_json("/v1/identifiers/parse", &json!({"value": "0912.345.678", "kind": "phone"}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["kind"], "phone");
    assert_eq!(answer.body["canonical"], "+84912345678");
    assert!(answer.body["display"].is_string());
    assert!(answer.body.get("span").is_none());
}

#[tokio::test]
async fn parse_without_kind_detects() {
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "0912.345.678"}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["kind"], "phone");
    assert_eq!(answer.body["canonical"], "+84912345678");
    // `"kind": null` is the same as no kind.
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "0912.345.678", "kind": null}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["canonical"], "+84912345678");
}

#[tokio::test]
async fn parse_refusals_name_the_field() {
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "abc", "kind": "phone"}))).await;
    assert_error(&answer, 400, "invalid_phone", Some("value"));
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "abc", "kind": "nonsense"}))).await;
    assert_error(&answer, 400, "unknown_kind", Some("kind"));
    assert!(answer.body["message"].as_str().unwrap().contains("bank_account"), "lists the kinds: {}", answer.body);
    let answer = send(app(), post_json("/v1/identifiers/parse", &json!({"value": "   ", "kind": "phone"}))).await;
    assert_error(&answer, 400, "empty_input", Some("value"));
}

// ---- /v1/identifiers/extract ----

#[tokio::test]
async fn extract_finds_identifiers_with_character_spans() {
    let text = "Gọi 0912.345.678 để nhận quà";
    let answer = send(app(), post_json("/v1/identifiers/extract", &json!({ "text": text }))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let identifiers = answer.body["identifiers"].as_array().expect("an array");
    for identifier in identifiers {
        assert!(identifier["kind"].is_string(), "{identifier}");
        assert!(identifier["canonical"].is_string(), "{identifier}");
        assert!(identifier["display"].is_string(), "{identifier}");
        let span = identifier["span"].as_array().expect("a span");
        assert_eq!(span.len(), 2);
        let (start, end) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
        assert!(start < end && end <= text.chars().count(), "{identifier}");
    }
    let phone =
        identifiers.iter().find(|i| i["kind"] == "phone").unwrap_or_else(|| panic!("a phone in {}", answer.body));
    assert_eq!(phone["canonical"], "+84912345678");
    // Spans count characters, not bytes: "Gọi " is 4 characters and 5 bytes.
    assert_eq!(phone["span"], json!([4, 16]));
}

#[tokio::test]
async fn extract_on_plain_text_gives_an_empty_list() {
    for text in ["xin chào", ""] {
        let answer = send(app(), post_json("/v1/identifiers/extract", &json!({ "text": text }))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body, json!({"identifiers": []}));
    }
}

// ---- serving over a socket ----

/// A server on a loopback port: its address, the sender that stops it and its task.
type Served = (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Result<(), ServeError>>);

/// Serves `app` on a free loopback port until the returned sender sends (or is dropped).
async fn serve_on_loopback(app: App) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, async move {
        let _ = shutdown_rx.await;
    }));
    (addr, shutdown_tx, server)
}

/// Sends one HTTP/1.1 request with `Connection: close` and returns the status and body.
async fn http(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{response:?}"));
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn graceful_shutdown_lets_the_request_in_flight_finish() {
    let (started_tx, started_rx) = tokio::sync::mpsc::channel::<()>(1);
    let slow = Router::new().route(
        "/slow",
        get(move || {
            let started = started_tx.clone();
            async move {
                started.send(()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(500)).await;
                "finished"
            }
        }),
    );
    let app = app_with(AppState::new("unused"), slow);
    let (addr, shutdown_tx, server) = serve_on_loopback(app).await;

    let (status, _) = http(addr, "GET", "/healthz").await;
    assert_eq!(status, 200);

    let in_flight = tokio::spawn(http(addr, "GET", "/slow"));
    let mut started_rx = started_rx;
    started_rx.recv().await.expect("the slow handler started");
    shutdown_tx.send(()).unwrap();

    // The request in flight is answered in full...
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), in_flight).await.expect("answered").unwrap();
    assert_eq!((status, body.as_str()), (200, "finished"));
    // ...the server then returns...
    let result = tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap();
    assert!(result.is_ok(), "{result:?}");
    // ...and no longer accepts connections.
    assert!(TcpStream::connect(addr).await.is_err());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn run_creates_the_data_dir_serves_and_stops() {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("nested").join("data");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let config = ServerConfig::new(addr, data_dir.clone());
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(canhgiac_server::run(config, async move {
        let _ = shutdown_rx.await;
    }));

    let mut answer = None;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_ok() {
            answer = Some(http(addr, "GET", "/healthz").await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = answer.expect("the server answers");
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "ok");
    assert!(data_dir.is_dir());

    shutdown_tx.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap();
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn run_reports_a_port_in_use_and_a_bad_data_dir() {
    let temp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ServerConfig::new(taken.local_addr().unwrap(), temp.path().join("data"));
    let result = canhgiac_server::run(config, std::future::pending()).await;
    assert!(matches!(result, Err(ServeError::Bind { .. })), "{result:?}");

    let file = temp.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), file.join("data"));
    let result = canhgiac_server::run(config, std::future::pending()).await;
    assert!(matches!(result, Err(ServeError::DataDir { .. })), "{result:?}");
}

// ---- an answer made before its request's body was read says that the connection closes ----

/// Reads one HTTP/1.1 answer from `stream` (head and `Content-Length` body): the head, lowercased, and the body.
/// Reads no byte past the answer, so that answers sent together are read one at a time.
async fn read_answer(stream: &mut TcpStream) -> (String, String) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await.unwrap().unwrap();
        assert!(read > 0, "the connection closed before a whole answer: {:?}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head[..head.len() - 4]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |value| value.trim().parse().unwrap());
    let mut body = vec![0u8; length];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut body)).await.unwrap().unwrap();
    (head, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn an_answer_made_before_the_body_was_read_closes_the_connection_and_says_so() {
    let (addr, shutdown_tx, server) = serve_on_loopback(app()).await;

    // A body announced larger than the limit, of which the client has sent the first kilobyte: 413 at once.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let announced = HttpLimits::DEFAULT_BODY_LIMIT * 4;
    let head = format!(
        "POST /v1/identifiers/extract HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[b' '; 1024]).await.unwrap();
    let (head, body) = read_answer(&mut stream).await;
    assert!(head.starts_with("http/1.1 413"), "{head}");
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(body.contains("payload_too_large"), "{body}");
    // ...and the server closes it, as it said.
    let mut rest = Vec::new();
    let _end_or_reset = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection");

    // A body read to its end keeps the connection for the next request.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let json = r#"{"text": "goi 0912345678"}"#;
    for _ in 0..2 {
        let request = format!(
            "POST /v1/identifiers/extract HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
            json.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let (head, _) = read_answer(&mut stream).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(!head.contains("connection: close"), "{head}");
    }

    // Refused before its body is read (no API key): the answer says so too.
    let batch = json!({"values": ["0912345678"]}).to_string();
    let request = post_json_with_length("/v1/check/batch", batch);
    let answer = send(app(), request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert_eq!(answer.headers.get(header::CONNECTION).map(|v| v.to_str().unwrap()), Some("close"));

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

// ---- the connections' limits: a time limit on a request's head, and a limit on connections served at once ----

/// Serves `limits` on a loopback port (see [`serve_on_loopback`]).
async fn serve_with_limits(limits: HttpLimits) -> Served {
    serve_on_loopback(whole_app(AppState::with_limits("unused", limits))).await
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n";

/// Waits (at most 5 s) for the server to close `stream`: end of file or a reset, with nothing more to read.
async fn closed_by_the_server(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    match tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await {
        Ok(_end_or_reset) => rest.is_empty(),
        Err(_still_open) => false,
    }
}

#[tokio::test]
async fn a_connection_slow_to_send_its_head_or_idle_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(1000);
    let (addr, shutdown_tx, server) =
        serve_with_limits(HttpLimits { header_read_timeout: timeout, ..HttpLimits::default() }).await;
    let started = std::time::Instant::now();

    // Half a head, then nothing.
    let mut half_head = TcpStream::connect(addr).await.unwrap();
    half_head.write_all(b"GET /healthz HTTP/1.1\r\nhost:").await.unwrap();
    // Nothing at all.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // One request answered, then idle.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(HEALTHZ.as_bytes()).await.unwrap();
    let (head, _) = read_answer(&mut idle).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    // The same with look-ups, which are answered before hyper: half a head; one answered, then idle.
    let mut half_look_up = TcpStream::connect(addr).await.unwrap();
    half_look_up.write_all(b"GET /v1/check?q=0912345678 HTTP/1.1\r\nhost:").await.unwrap();
    let mut idle_after_look_up = TcpStream::connect(addr).await.unwrap();
    idle_after_look_up.write_all(b"GET /v1/check?q=0912345678 HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let (head, _) = read_answer(&mut idle_after_look_up).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    // A head sent in three pieces within the time limit is answered, and its connection kept.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    for piece in HEALTHZ.as_bytes().chunks(12) {
        slow.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (head, _) = read_answer(&mut slow).await;
    assert!(head.starts_with("http/1.1 200") && !head.contains("connection: close"), "{head}");

    for (name, stream) in [
        ("half a head", &mut half_head),
        ("silent", &mut silent),
        ("idle", &mut idle),
        ("half a look-up", &mut half_look_up),
        ("idle after a look-up", &mut idle_after_look_up),
    ] {
        assert!(closed_by_the_server(stream).await, "the {name} connection is closed");
    }
    assert!(started.elapsed() >= timeout, "not before the time limit: {:?}", started.elapsed());

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let (addr, shutdown_tx, server) =
        serve_with_limits(HttpLimits { max_connections: 2, ..HttpLimits::default() }).await;
    let mut served = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEALTHZ.as_bytes()).await.unwrap();
        let (head, _) = read_answer(&mut stream).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        served.push(stream);
    }

    // The third connection is in the kernel's queue: its request is not read while two are open...
    let mut waiting = TcpStream::connect(addr).await.unwrap();
    waiting.write_all(HEALTHZ.as_bytes()).await.unwrap();
    let mut byte = [0u8; 1];
    let unanswered = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut byte)).await;
    assert!(unanswered.is_err(), "answered beyond the limit: {unanswered:?}");
    // ...and is answered once one of them closes.
    drop(served.pop());
    let (head, _) = read_answer(&mut waiting).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");

    // Shutting down closes the idle connections at once rather than waiting for their time limit.
    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
    assert!(closed_by_the_server(&mut waiting).await);
}

#[tokio::test]
async fn a_client_that_reads_none_of_its_answers_is_closed_after_the_write_stall_timeout() {
    // One connection at a time: while a client that reads nothing holds it, nobody else is served.
    let limits =
        HttpLimits { write_stall_timeout: Duration::from_millis(300), max_connections: 1, ..HttpLimits::default() };
    let (addr, shutdown_tx, server) = serve_with_limits(limits).await;
    let look_ups = request_head("GET", "/v1/check?q=0912345678").repeat(20_000);
    // Through hyper: the first request is not a look-up; each answer is the whole API description.
    let through_hyper = request_head("GET", "/openapi.json").repeat(200);
    for (what, requests) in [("look-ups", look_ups), ("requests served by hyper", through_hyper)] {
        // A small receive window, so that the server's writes stop soon.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut greedy = socket.connect(addr).await.unwrap();
        let (_reader, mut writer) = greedy.split();
        // The requests go as far as the server reads them; what it answers is never read.
        let _ = tokio::time::timeout(Duration::from_secs(2), writer.write_all(requests.as_bytes())).await;

        // The next client is served once the server has given up on the first.
        let mut next = TcpStream::connect(addr).await.unwrap();
        next.write_all(HEALTHZ.as_bytes()).await.unwrap();
        let (head, _) = read_answer(&mut next).await;
        assert!(head.starts_with("http/1.1 200"), "{what}: {head}");
        drop(next);
        drop(greedy);
    }

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_request_head_larger_than_the_limit_is_431_and_one_within_it_is_answered() {
    let (addr, shutdown_tx, server) = serve_with_limits(HttpLimits::default()).await;
    let header = |bytes: usize| format!("x-filler: {}\r\n", "a".repeat(bytes));

    // 40 KiB of headers (a long look-up URL and a browser's cookies fit in less): answered.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nhost: x\r\n{}\r\n", header(40 * 1024));
    stream.write_all(head.as_bytes()).await.unwrap();
    let (answer, _) = read_answer(&mut stream).await;
    assert!(answer.starts_with("http/1.1 200"), "{answer}");

    // The same for a look-up, answered before hyper (after another, to fill a connection's buffer from within).
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /v1/check?q=0912345678 HTTP/1.1\r\nhost: x\r\n{}\r\n", header(40 * 1024));
    stream.write_all(head.repeat(2).as_bytes()).await.unwrap();
    for _ in 0..2 {
        let (answer, body) = read_answer(&mut stream).await;
        assert!(answer.starts_with("http/1.1 200") && body.contains("+84912345678"), "{answer}");
    }

    // More than the limit, unfinished: refused as soon as the limit is passed, and closed.
    for target in ["/healthz", "/v1/check?q=0912345678"] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET {target} HTTP/1.1\r\nhost: x\r\n{}",
            header(HttpLimits::DEFAULT_MAX_REQUEST_HEAD_BYTES + 1024)
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let mut received = Vec::new();
        let _end_or_reset = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
            .await
            .expect("the server closes the connection");
        let received = String::from_utf8_lossy(&received);
        assert!(received.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{target}: {received}");
        // In the API's error shape, as every refusal is (hyper's own 431 has no body).
        let (head, body) = received.split_once("\r\n\r\n").expect("a whole answer");
        assert!(head.contains("\r\ncontent-type: application/json\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
        let error: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
        assert_eq!(error["code"], "invalid_request", "{body}");
        assert!(error["field"].is_null(), "{body}");
        let limit = HttpLimits::DEFAULT_MAX_REQUEST_HEAD_BYTES.to_string();
        assert!(error["message"].as_str().unwrap().contains(&limit), "{body}");
    }

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_request_head_that_is_not_http_is_refused_with_the_api_error_shape() {
    let (addr, shutdown_tx, server) = serve_with_limits(HttpLimits::default()).await;
    let heads = [
        ("a space in the target", "GET /v1/ch eck HTTP/1.1\r\nhost: x\r\n\r\n", "invalid HTTP version"),
        ("a control byte in the method", "G\x01T /v1/check HTTP/1.1\r\nhost: x\r\n\r\n", "invalid token"),
        ("a space in a header name", "GET /v1/check?q=1 HTTP/1.1\r\nbad header: x\r\n\r\n", "invalid header name"),
        ("a control byte in a header value", "POST /v1/analyze HTTP/1.1\r\nx: \x01\r\n\r\n", "invalid header value"),
        ("HTTP/3.0", "GET /healthz HTTP/3.0\r\nhost: x\r\n\r\n", "invalid HTTP version"),
    ];
    for (what, head, reason) in heads {
        // Alone; after a look-up answered on the same connection (the look-up keeps its answer); after a request
        // that handed the connection to hyper, which refuses the head itself (its bare 400 rewritten on its way).
        for before in [None, Some(request_head("GET", "/v1/check?q=0912345678")), Some(HEALTHZ.to_string())] {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let sent = format!("{}{head}", before.as_deref().unwrap_or(""));
            stream.write_all(sent.as_bytes()).await.unwrap();
            if before.is_some() {
                let (answer, _) = read_answer(&mut stream).await;
                assert!(answer.starts_with("http/1.1 200"), "{what}: {answer}");
            }
            let reason = if before.as_deref() == Some(HEALTHZ) { "cannot be read" } else { reason };
            let mut received = Vec::new();
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
                .await
                .expect("the server closes the connection")
                .unwrap();
            let received = String::from_utf8(received).unwrap();
            let (answer_head, body) = received.split_once("\r\n\r\n").expect("a whole answer");
            assert!(answer_head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{what}: {answer_head}");
            assert!(answer_head.contains("\r\nconnection: close\r\n"), "{what}: {answer_head}");
            let error: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
            assert_eq!(error["code"], "invalid_request", "{what}: {body}");
            assert!(error["message"].as_str().unwrap().contains(reason), "{what}: {body}");
        }
    }

    // A head the parser takes but hyper refuses (a `Content-Length` that is no number, more headers than hyper
    // reads) is hyper's to answer, in the same shape.
    let too_many_headers: String = (0..150).map(|n| format!("x-{n}: v\r\n")).collect();
    for (head, status) in [
        ("POST /v1/analyze HTTP/1.1\r\ncontent-length: abc\r\n\r\n".to_string(), "400 Bad Request"),
        (format!("GET /healthz HTTP/1.1\r\n{too_many_headers}\r\n"), "431 Request Header Fields Too Large"),
        (format!("{HEALTHZ}GET /healthz HTTP/1.1\r\n{too_many_headers}\r\n"), "431 Request Header Fields Too Large"),
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut received = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received)).await.unwrap().unwrap();
        let received = String::from_utf8(received).unwrap();
        let refusal = &received[received.rfind("HTTP/1.1 ").unwrap()..];
        assert!(refusal.starts_with(&format!("HTTP/1.1 {status}\r\n")), "{received}");
        let (answer_head, body) = refusal.split_once("\r\n\r\n").expect("a whole answer");
        assert!(answer_head.contains("\r\ncontent-type: application/json\r\n"), "{answer_head}");
        assert!(answer_head.contains("\r\nconnection: close\r\n"), "{answer_head}");
        let error: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
        assert_eq!(error["code"], "invalid_request", "{body}");
    }

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn handlers_behind_the_router_see_the_peer_address_of_a_served_connection() {
    use axum::extract::ConnectInfo;
    let peer_route = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>| async move { peer.ip().to_string() }),
    );
    let (addr, shutdown_tx, server) = serve_on_loopback(app_with(AppState::new("unused"), peer_route)).await;

    // The portal's rate limits count clients by this address; without it every client would share one count.
    let (status, body) = http(addr, "GET", "/peer").await;
    assert_eq!((status, body.as_str()), (200, "127.0.0.1"));

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

// ---- anonymous look-ups answered on the connection, before hyper ----

/// One HTTP/1.1 request head on a kept-alive connection.
fn request_head(method: &str, target: &str) -> String {
    format!("{method} {target} HTTP/1.1\r\nhost: x\r\n\r\n")
}

#[tokio::test]
async fn look_ups_answered_on_the_connection_are_the_answers_the_app_gives() {
    let app = app();
    let (addr, shutdown_tx, server) = serve_on_loopback(app.clone()).await;
    let long_value = format!("q={}", "9".repeat(5000));
    let queries = [
        "?q=0912345678",
        "?q=https%3A%2F%2Fvietcombank.com.vn%2F",
        "?q=vietcombank-xacthuc.com",
        "?q=%E2%80%8B0912%20345+678",
        "?q=0912345678#a-fragment",
        "?q=",
        "",
        "?other=1",
        "?q=hello+there",
        "?q=%ZZ",
        "?q=0912345678&q=0987654321",
        long_value.as_str(),
    ];
    // One connection, kept alive, as a client's pool keeps it.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for query in queries {
        let target = if query.starts_with('q') { format!("/v1/check?{query}") } else { format!("/v1/check{query}") };
        stream.write_all(request_head("GET", &target).as_bytes()).await.unwrap();
        let (head, body) = read_answer(&mut stream).await;

        let expected = app.clone().oneshot(get_req(&target)).await.unwrap();
        let status = expected.status();
        let headers = expected.headers().clone();
        let expected_body = axum::body::to_bytes(expected.into_body(), 1 << 20).await.unwrap();
        assert_eq!(body.as_bytes(), &expected_body[..], "{target}");
        let mut lines = head.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!("http/1.1 {} {}", status.as_str(), status.canonical_reason().unwrap()).to_lowercase(),
            "{target}"
        );
        let mut received: Vec<&str> = lines.filter(|line| !line.starts_with("date: ")).collect();
        let mut wanted: Vec<String> =
            headers.iter().map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()).to_lowercase()).collect();
        received.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(received, wanted, "{target}");
        assert_eq!(head.lines().filter(|line| line.starts_with("date: ")).count(), 1, "{head}");
    }

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn look_ups_and_other_requests_sent_together_are_answered_in_order_on_one_connection() {
    let (addr, shutdown_tx, server) = serve_on_loopback(app()).await;
    let look_up = |phone: &str| request_head("GET", &format!("/v1/check?q={phone}"));
    let json = r#"{"text": "goi 0911111111"}"#;
    let extract = format!(
        "POST /v1/identifiers/extract HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
        json.len()
    );
    // Look-ups, then requests hyper answers (the connection is handed to it), then look-ups again, in one write.
    let sent = [
        look_up("0912000001"),
        look_up("0912000002"),
        request_head("GET", "/healthz"),
        look_up("0912000003"),
        extract,
        "GET /v1/check?q=0912000004 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_owned(),
    ]
    .concat();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(sent.as_bytes()).await.unwrap();
    for expected in ["+84912000001", "+84912000002", "healthz", "+84912000003", "+84911111111", "+84912000004"] {
        let (head, body) = read_answer(&mut stream).await;
        assert!(head.starts_with("http/1.1 200"), "{expected}: {head}");
        match expected {
            "healthz" => assert!(body.contains("ok"), "{body}"),
            phone => assert!(body.contains(phone), "{expected}: {body}"),
        }
    }
    assert!(closed_by_the_server(&mut stream).await, "closed after the answer to `connection: close`");

    // A look-up's head in pieces is answered whole, and the connection kept.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for piece in look_up("0912000005").as_bytes().chunks(7) {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (head, body) = read_answer(&mut stream).await;
    assert!(head.starts_with("http/1.1 200") && body.contains("+84912000005"), "{head}{body}");

    // Shutting down closes a connection idle after look-ups at once.
    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
    assert!(closed_by_the_server(&mut stream).await);
}

#[tokio::test]
async fn thousands_of_look_ups_sent_at_once_are_all_answered_in_order() {
    let (addr, shutdown_tx, server) = serve_on_loopback(app()).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reading, mut writing) = stream.into_split();
    // About 300 KB of heads: read in many pieces, heads cut at every place, answers written out as they pile up.
    const LOOK_UPS: u32 = 5_000;
    let writer = tokio::spawn(async move {
        let heads: String = (0..LOOK_UPS).map(|n| request_head("GET", &format!("/v1/check?q=09{n:08}"))).collect();
        writing.write_all(heads.as_bytes()).await.unwrap();
        writing
    });
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut answered = 0;
    while answered < LOOK_UPS {
        let read = tokio::time::timeout(Duration::from_secs(10), reading.read(&mut buffer)).await.unwrap().unwrap();
        assert!(read > 0, "closed after {answered} answers");
        received.extend_from_slice(&buffer[..read]);
        // Take every whole answer received so far.
        while let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map(|value| value.parse().unwrap())
                .unwrap();
            if received.len() < end + 4 + length {
                break;
            }
            let body = String::from_utf8_lossy(&received[end + 4..end + 4 + length]).into_owned();
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(body.contains(&format!("\"+849{answered:08}\"")), "answer {answered}: {body}");
            received.drain(..end + 4 + length);
            answered += 1;
        }
    }
    assert!(received.is_empty());
    drop(writer.await.unwrap());

    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

/// Look-ups answered on the server's own loops (any number of them) and on the runtime (`lookup_threads: 0`) are the
/// same answers, and a connection goes on to hyper at its first other request, with the look-ups sent before it
/// answered first and in order; stopping the server closes the connections the loops hold.
#[tokio::test]
async fn look_ups_are_answered_alike_on_the_loops_and_on_the_runtime_and_a_connection_moves_on_to_hyper() {
    let mut answers_by_threads = Vec::new();
    for lookup_threads in [0, 1, 3] {
        let (addr, shutdown_tx, server) =
            serve_with_limits(HttpLimits { lookup_threads, ..HttpLimits::default() }).await;
        let mut answers = Vec::new();
        // Several connections, so that each of three loops gets one.
        for _ in 0..3 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let requests = [
                request_head("GET", "/v1/check?q=0912345678"),
                request_head("GET", "/v1/check?q=vietcombank-xacthuc.com"),
                HEALTHZ.to_owned(),
                request_head("GET", "/v1/check?q=0912345678"),
            ];
            stream.write_all(requests.concat().as_bytes()).await.unwrap();
            for expected in ["+84912345678", "vietcombank-xacthuc.com", "\"status\":\"ok\"", "+84912345678"] {
                let (head, body) = read_answer(&mut stream).await;
                assert!(head.starts_with("http/1.1 200"), "{lookup_threads} threads: {head}");
                assert!(body.contains(expected), "{lookup_threads} threads: {expected} not in {body}");
                answers.push(body);
            }
        }
        // A look-up sent a few bytes at a time is answered once its head is whole.
        let mut pieces = TcpStream::connect(addr).await.unwrap();
        for piece in request_head("GET", "/v1/check?q=0912345678").as_bytes().chunks(7) {
            pieces.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let (head, body) = read_answer(&mut pieces).await;
        assert!(head.starts_with("http/1.1 200") && body.contains("+84912345678"), "{lookup_threads}: {head}");
        // A connection that only looked up (it stays on a loop), and one that sent half a head.
        let mut looked_up = TcpStream::connect(addr).await.unwrap();
        looked_up.write_all(request_head("GET", "/v1/check?q=0912345678").as_bytes()).await.unwrap();
        let (head, _) = read_answer(&mut looked_up).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        let mut half = TcpStream::connect(addr).await.unwrap();
        half.write_all(b"GET /v1/check?q=09123").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;

        shutdown_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
        assert!(closed_by_the_server(&mut looked_up).await, "{lookup_threads} threads: the idle connection is closed");
        assert!(closed_by_the_server(&mut half).await, "{lookup_threads} threads: the half-sent head's connection");
        answers_by_threads.push(answers);
    }
    // The verdicts carry no time that moves between servers: the same bytes whichever way they were answered.
    assert_eq!(answers_by_threads[0], answers_by_threads[1]);
    assert_eq!(answers_by_threads[0], answers_by_threads[2]);
}

/// A loop reads every connection that sent something before it answers any (so that their look-ups' memory reads
/// overlap): each connection still gets the answers to its own look-ups, in order, even when one of them is handed
/// to the runtime halfway through its answers (more than 64 KiB of them) and another sends something else.
#[tokio::test]
async fn connections_read_together_on_a_loop_each_get_their_own_answers_in_order() {
    let (addr, shutdown_tx, server) =
        serve_with_limits(HttpLimits { lookup_threads: 1, ..HttpLimits::default() }).await;
    let phone = |connection: usize, number: usize| format!("0912{connection:02}{number:04}");
    let canonical = |connection: usize, number: usize| format!("+84912{connection:02}{number:04}");
    // Connection 0 asks 300 things (15 KiB of heads, more than 64 KiB of answers), connection 3 ends with a health
    // probe.
    let asked = |connection: usize| if connection == 0 { 300 } else { 1 + connection % 4 };
    let mut streams = Vec::new();
    for connection in 0..8 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // Registered on the loop before the bursts below.
        stream
            .write_all(request_head("GET", &format!("/v1/check?q={}", phone(connection, 9999))).as_bytes())
            .await
            .unwrap();
        read_answer(&mut stream).await;
        streams.push(stream);
    }
    // Keeps the loop busy (150 look-ups to answer) while the bursts below arrive: they are then read in one turn.
    let mut busy = TcpStream::connect(addr).await.unwrap();
    busy.write_all(request_head("GET", "/v1/check?q=0912345678").as_bytes()).await.unwrap();
    read_answer(&mut busy).await;
    let pile: String = (0..150).map(|_| request_head("GET", "/v1/check?q=vietcombank-xacthuc.com")).collect();
    busy.write_all(pile.as_bytes()).await.unwrap();
    for (connection, stream) in streams.iter_mut().enumerate() {
        let mut burst: String = (0..asked(connection))
            .map(|number| request_head("GET", &format!("/v1/check?q={}", phone(connection, number))))
            .collect();
        if connection == 3 {
            burst.push_str(HEALTHZ);
        }
        stream.write_all(burst.as_bytes()).await.unwrap();
    }
    for (connection, stream) in streams.iter_mut().enumerate() {
        for number in 0..asked(connection) {
            let (head, body) = read_answer(stream).await;
            assert!(head.starts_with("http/1.1 200"), "connection {connection}, look-up {number}: {head}");
            let expected = format!("\"canonical\":\"{}\"", canonical(connection, number));
            assert!(body.contains(&expected), "connection {connection}, look-up {number}: {body}");
        }
        if connection == 3 {
            let (head, body) = read_answer(stream).await;
            assert!(head.starts_with("http/1.1 200") && body.contains("\"status\":\"ok\""), "{head} {body}");
        }
    }
    for _ in 0..150 {
        assert!(read_answer(&mut busy).await.1.contains("vietcombank-xacthuc.com"));
    }
    shutdown_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
}
