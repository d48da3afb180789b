//! `GET /metrics` on a running `canhgiac serve`: who may read it, that it counts what was answered on both
//! connection paths (look-ups before hyper, everything else through it), screening decisions and their audit,
//! the analyzer's verdicts, and that no value a request carried reaches it.

mod support;

use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{Place, Server, agent, get};

/// The metrics text, parsed: each sample line's name with its labels (as written) → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line: {line}"));
            (series.to_string(), value.parse::<f64>().unwrap_or_else(|_| panic!("a number: {line}")))
        })
        .collect()
}

fn metrics(client: &ureq::Agent, server: &Server, key: &str) -> (String, BTreeMap<String, f64>) {
    let response = client
        .get(server.url("/metrics"))
        .header("Authorization", format!("Bearer {key}"))
        .call()
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.into_body().read_to_string().unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let parsed = samples(&text);
    (text, parsed)
}

#[test]
fn metrics_count_requests_decisions_and_verdicts_for_the_platform_only() {
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), None);
    let operator = place.partner_key("Operations", "platform_admin", "analyst");
    let bank = place.bank_key("Vietcombank", "VCB", "reporter");
    let server = Server::start(&place, &temp.path().join("server.log"), "info");
    let client = agent(Duration::from_secs(20));

    // Who may read them: a key of the platform's organisation; no key is 401, a bank's key 403.
    let anonymous = get(&client, &server.url("/metrics"), &[]).unwrap();
    assert_eq!(
        (anonymous.status, anonymous.json["code"].as_str()),
        (401, Some("unauthenticated")),
        "{}",
        anonymous.text
    );
    let bank_answer = get(&client, &server.url("/metrics"), &[("Authorization", &format!("Bearer {bank}"))]).unwrap();
    assert_eq!(
        (bank_answer.status, bank_answer.json["code"].as_str()),
        (403, Some("forbidden")),
        "{}",
        bank_answer.text
    );

    // Look-ups (answered before hyper), a refused look-up, an analysis and a screened transfer (through hyper).
    let phones = ["0912345678", "0987654321", "0356789012"];
    for phone in phones {
        assert_eq!(get(&client, &server.url(&format!("/v1/check?q={phone}")), &[]).unwrap().status, 200);
    }
    assert_eq!(get(&client, &server.url("/v1/check?q=%21%21"), &[]).unwrap().status, 400);
    let analysis = client
        .post(server.url("/v1/analyze"))
        .send_json(json!({"text": "Tai khoan cua ban bi khoa, dang nhap ngay vietcombank-xacthuc.com de mo khoa"}))
        .unwrap();
    assert_eq!(analysis.status().as_u16(), 200);
    let verdict =
        analysis.into_body().read_json::<serde_json::Value>().unwrap()["verdict"].as_str().unwrap().to_string();
    let transfer = json!({"transfer_id": "M-1", "time": 1_796_004_000, "amount": 2_000_000,
        "payer": {"bank": "VCB", "account": "0011004123456"}, "payee": {"bank": "BIDV", "account": "21100001234"},
        "remark": "phi xac minh tai khoan"});
    let screened = client
        .post(server.url("/v1/screen/transfer"))
        .header("Authorization", format!("Bearer {bank}"))
        .send_json(&transfer)
        .unwrap();
    assert_eq!(screened.status().as_u16(), 200);
    let decision =
        screened.into_body().read_json::<serde_json::Value>().unwrap()["decision"].as_str().unwrap().to_string();
    // Unknown methods count as `other`: a client cannot add series without end.
    assert_eq!(brew(&server), 405);
    // A listing changes a contact: the index's updater takes it, and its backlog goes back to nothing.
    let listed = client
        .post(server.url("/v1/partner/listings"))
        .header("Authorization", format!("Bearer {operator}"))
        .send_json(json!({"listings": [{"value": "0911222333", "scam_type": "impersonation_bank", "reason": "test"}]}))
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200, "{}", listed.into_body().read_to_string().unwrap());

    // The decision is written to the store within the audit writer's linger (half a second).
    let deadline = Instant::now() + Duration::from_secs(20);
    let (text, parsed) = loop {
        let (text, parsed) = metrics(&client, &server, &operator);
        let settled = parsed.get("canhgiac_screen_audit_stored_total") == Some(&1.0)
            && parsed.get("canhgiac_index_updates_backlog") == Some(&0.0);
        if settled || Instant::now() > deadline {
            break (text, parsed);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let value = |series: &str| parsed.get(series).copied().unwrap_or_else(|| panic!("{series} in\n{text}"));

    assert_eq!(value(r#"canhgiac_http_requests_total{method="GET",route="/v1/check",status="200"}"#), 3.0);
    assert_eq!(value(r#"canhgiac_http_requests_total{method="GET",route="/v1/check",status="400"}"#), 1.0);
    assert_eq!(value(r#"canhgiac_http_requests_total{method="POST",route="/v1/analyze",status="200"}"#), 1.0);
    assert_eq!(value(r#"canhgiac_http_requests_total{method="POST",route="/v1/screen/transfer",status="200"}"#), 1.0);
    assert_eq!(value(r#"canhgiac_http_requests_total{method="GET",route="/metrics",status="401"}"#), 1.0);
    assert_eq!(value(r#"canhgiac_http_requests_total{method="GET",route="/metrics",status="403"}"#), 1.0);
    // The histogram agrees with the counts: every look-up answered is in its `+Inf` bucket and its count.
    assert_eq!(value(r#"canhgiac_http_request_duration_seconds_count{method="GET",route="/v1/check"}"#), 4.0);
    assert_eq!(
        value(r#"canhgiac_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/check"}"#),
        4.0
    );
    assert!(value(r#"canhgiac_http_request_duration_seconds_sum{method="GET",route="/v1/check"}"#) > 0.0);
    let buckets: Vec<f64> = text
        .lines()
        .filter(|line| {
            line.starts_with("canhgiac_http_request_duration_seconds_bucket{")
                && line.contains(r#"method="GET",route="/v1/check""#)
        })
        .map(|line| line.rsplit_once(' ').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 15, "{text}");
    assert!(buckets.windows(2).all(|pair| pair[0] <= pair[1]), "buckets are cumulative: {buckets:?}");

    assert_eq!(value(&format!(r#"canhgiac_screen_decisions_total{{decision="{decision}"}}"#)), 1.0);
    assert_eq!(value("canhgiac_screen_audit_stored_total"), 1.0, "{text}");
    assert_eq!(value("canhgiac_screen_audit_backlog"), 0.0);
    assert_eq!(value("canhgiac_screen_audit_refused_total"), 0.0);
    assert_eq!(value(&format!(r#"canhgiac_analyze_verdicts_total{{verdict="{verdict}"}}"#)), 1.0);
    assert!(value("canhgiac_http_connections_accepted_total") >= 1.0);
    assert!(value("canhgiac_http_connections_open") >= 1.0);
    assert!(value("canhgiac_index_contacts") > 0.0, "the trust directory's contacts at least");
    assert_eq!(value("canhgiac_index_updates_backlog"), 0.0);
    assert!(value("canhgiac_index_updates_total") >= 1.0, "the listed phone");
    assert_eq!(value("canhgiac_index_updates_failed_total"), 0.0);
    assert!(value("canhgiac_index_whole_store_read_timestamp_seconds") > 1.7e9, "built at the start");
    assert_eq!(value(r#"canhgiac_http_requests_total{method="POST",route="/v1/partner/listings",status="200"}"#), 1.0);
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_open_fds") > 0.0);
    assert!(text.contains(r#"canhgiac_screen_rules_info{version=""#), "{text}");

    // Nothing a request carried: no phone number, account, key or message text.
    for carried in
        phones.iter().copied().chain(["0011004123456", "21100001234", "0911222333", "xacthuc", "M-1", &bank, &operator])
    {
        assert!(!text.contains(carried), "{carried} is in the metrics");
    }
    assert_eq!(value(r#"canhgiac_http_requests_total{method="other",route="/v1/check",status="405"}"#), 1.0);
    assert!(!text.contains("BREW"), "an unknown method is not a label: {text}");
}

/// Sends one request with the method `BREW` and reads the status of its answer.
fn brew(server: &Server) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(b"BREW /v1/check?q=0912345678 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).and_then(|status| status.parse().ok()).unwrap_or(0)
}

/// `/readyz` says whether the store answers: 200 while it does, 503 `unavailable` (field `store`) once the
/// PostgreSQL server behind it is stopped, while `/healthz` still says the process serves.
#[test]
fn readiness_follows_the_store() {
    let cluster = canhgiac_testkit::PostgresCluster::start().unwrap_or_else(|error| panic!("{error}"));
    let database = cluster.create_database("readiness_follows_the_store").unwrap_or_else(|error| panic!("{error}"));
    let temp = tempfile::tempdir().unwrap();
    let place = Place::new(temp.path().join("data"), Some(database.url()));
    let server = Server::start(&place, &temp.path().join("server.log"), "info");
    let client = agent(Duration::from_secs(20));

    let ready = get(&client, &server.url("/readyz"), &[]).unwrap();
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json["status"], "ready");
    assert_eq!(ready.json["store"], "postgres");
    assert!(ready.json["schema_version"].as_u64().is_some_and(|version| version >= 1), "{}", ready.text);
    assert!(ready.json["index_contacts"].as_u64().is_some_and(|contacts| contacts > 0), "{}", ready.text);

    cluster.stop().unwrap();
    let started = Instant::now();
    let refused = get(&client, &server.url("/readyz"), &[]).unwrap();
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!((refused.json["code"].as_str(), refused.json["field"].as_str()), (Some("unavailable"), Some("store")));
    assert!(started.elapsed() < Duration::from_secs(10), "answered in {:?}", started.elapsed());
    assert_eq!(get(&client, &server.url("/healthz"), &[]).unwrap().status, 200, "the process still serves");
}
