//! The check API through the whole HTTP stack (no socket), on both stores: the index is built from the store
//! and follows reports, status changes and listings as they are written.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_evidence::{EvidenceLimits, EvidenceStore};
use canhgiac_secrets::{ApiKey, Keyring};
use canhgiac_server::intake::Intake;
use canhgiac_server::reputation::{build_index, index_for_checks, spawn_index_updater};
use canhgiac_server::{App, AppState, HttpLimits, app};
use canhgiac_store::{ApiKeyRecord, Organisation, Store};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

struct Platform {
    app: App,
    store: Arc<dyn Store>,
    bank_key: String,
    police_key: String,
    _directory: tempfile::TempDir,
    _database: Option<canhgiac_testkit::TestDatabase>,
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

async fn open_store(
    backend: Backend,
    test: &str,
    directory: &std::path::Path,
) -> (Arc<dyn Store>, Option<canhgiac_testkit::TestDatabase>) {
    match backend {
        Backend::Sqlite => {
            (Arc::new(canhgiac_store::SqliteStore::open(&directory.join("canhgiac.db")).await.unwrap()), None)
        }
        Backend::Postgres => {
            let database = canhgiac_testkit::require_postgres_database(test);
            (Arc::new(canhgiac_store::PostgresStore::connect(database.url()).await.unwrap()), Some(database))
        }
    }
}

async fn app_over(store: Arc<dyn Store>, directory: &std::path::Path) -> App {
    let trust = Arc::new(canhgiac_core::trust::trust_directory().clone());
    let index = Arc::new(build_index(&*store, trust).await.unwrap());
    let updates = spawn_index_updater(store.clone(), index.clone());
    let evidence = Arc::new(EvidenceStore::open(directory.join("evidence")).unwrap());
    let intake = Intake::new(store, Arc::new(Keyring::generate()), evidence, EvidenceLimits::default())
        .with_index_updates(updates);
    app(AppState::with_intake(directory, HttpLimits::default(), intake).with_index(index))
}

async fn platform(backend: Backend, test: &str) -> Platform {
    let directory = tempfile::tempdir().unwrap();
    let (store, database) = open_store(backend, test, directory.path()).await;
    let mut keys = Vec::new();
    for (name, kind) in [("Ngân hàng A", OrganisationKind::Bank), ("Công an TP", OrganisationKind::Police)] {
        let id = format!("org-{}", keys.len());
        store
            .create_organisation(Organisation {
                id: id.clone(),
                name: name.into(),
                kind,
                trust_level: 90,
                created_at: 1,
                bank_bin: None,
            })
            .await
            .unwrap();
        let key = ApiKey::generate();
        store
            .create_api_key(ApiKeyRecord {
                id: format!("key-{id}"),
                organisation_id: id,
                prefix: key.prefix().to_string(),
                key_hash: key.hash().to_vec(),
                role: Role::Analyst,
                label: name.into(),
                created_at: 1,
                revoked_at: None,
            })
            .await
            .unwrap();
        keys.push(key.expose().to_string());
    }
    let app = app_over(store.clone(), directory.path()).await;
    Platform {
        app,
        store,
        bank_key: keys[0].clone(),
        police_key: keys[1].clone(),
        _directory: directory,
        _database: database,
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

async fn send(app: &App, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, body, text }
}

fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

fn post(uri: &str, body: &Value, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn check(app: &App, value: &str) -> Answer {
    send(app, get(&format!("/v1/check?q={}", encode(value)), &[])).await
}

/// Waits for the index updater to catch up (it trails the store by one batch).
async fn check_until(app: &App, value: &str, wanted: &str) -> Answer {
    for _ in 0..100 {
        let answer = check(app, value).await;
        if answer.body["verdict"] == wanted {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = check(app, value).await;
    panic!("{value} never became {wanted}: {}", answer.body);
}

fn citizen_report(reporter_phone: &str, scam_phone: &str) -> Value {
    json!({
        "reporter": {"phone": reporter_phone},
        "scam_type": "task_scam",
        "narrative": format!("Người lạ gọi từ {scam_phone} mời làm cộng tác viên, bắt chuyển tiền."),
        "loss_vnd": 2000000,
        "contacts": [scam_phone],
        "consent": {"share_with_authorities": true, "contact_me": false}
    })
}

mod scenarios {
    use super::*;

    pub async fn unknown_values_official_contacts_and_bad_input(backend: Backend) {
        let p = platform(backend, "check_basics").await;
        let unknown = check(&p.app, "0912 345 678").await;
        assert_eq!(unknown.status, StatusCode::OK, "{}", unknown.text);
        assert_eq!(unknown.body["verdict"], "no_data");
        assert_eq!(unknown.body["canonical"], "+84912345678");
        assert_eq!(unknown.body["kind"], "phone");
        for field in ["score", "reasons", "counts", "scam_types", "first_seen", "last_seen", "related"] {
            assert!(unknown.body.get(field).is_some(), "{field}: {}", unknown.body);
        }
        let official = check(&p.app, "https://vietcombank.com.vn/").await;
        assert_eq!(official.body["verdict"], "official_verified", "{}", official.body);
        let lookalike = check(&p.app, "vietcombank-xacthuc.com").await;
        assert!(
            ["suspicious", "high_risk"].contains(&lookalike.body["verdict"].as_str().unwrap()),
            "{}",
            lookalike.body
        );
        assert_eq!(lookalike.body["imitates"]["brand"], "Vietcombank");

        let bad = check(&p.app, "hello there").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        assert_eq!(bad.body["field"], "q");
        assert!(bad.body["message"].as_str().unwrap().contains("expected a phone number"), "{}", bad.body);
        let missing = send(&p.app, get("/v1/check", &[])).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert_eq!(missing.body["field"], "q");
        assert_eq!(missing.body["code"], "empty_input");
        let twice = send(&p.app, get("/v1/check?q=0912345678&q=0987654321", &[])).await;
        assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);
        assert_eq!(twice.body["field"], "q");
        // `+` is a space and other parameters are ignored, as in any form-encoded query.
        let spaced = send(&p.app, get("/v1/check?lang=vi&q=0912+345+678", &[])).await;
        assert_eq!(spaced.status, StatusCode::OK, "{}", spaced.text);
        assert_eq!(spaced.body["canonical"], "+84912345678");

        // An anonymous look-up is answered before the router; one with a key goes through it (the key checked
        // first). Both give the same answer, headers and errors.
        for query in ["/v1/check?q=0912345678", "/v1/check?q=vietcombank-xacthuc.com", "/v1/check?q=hello+there"] {
            let anonymous = send(&p.app, get(query, &[])).await;
            let keyed = send(&p.app, get(query, &[("authorization", &bearer(&p.bank_key))])).await;
            assert_eq!(anonymous.status, keyed.status, "{query}");
            assert_eq!(anonymous.text, keyed.text, "{query}");
            for name in [header::CONTENT_TYPE, header::CACHE_CONTROL, header::CONTENT_LENGTH] {
                assert_eq!(anonymous.headers.get(&name), keyed.headers.get(&name), "{query}: {name}");
            }
        }
        let wrong_key = send(&p.app, get("/v1/check?q=0912345678", &[("x-api-key", "cg_nope")])).await;
        assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED, "{}", wrong_key.text);
        assert_eq!(wrong_key.body["code"], "unauthenticated");
        // Any other method or path is the router's: 405 and 404 in the API's shape.
        let posted = send(&p.app, post("/v1/check?q=0912345678", &json!({}), &[])).await;
        assert_eq!(posted.status, StatusCode::METHOD_NOT_ALLOWED, "{}", posted.text);
        assert_eq!(posted.body["code"], "method_not_allowed");
        let slash = send(&p.app, get("/v1/check/?q=0912345678", &[])).await;
        assert_eq!(slash.status, StatusCode::NOT_FOUND, "{}", slash.text);
    }

    pub async fn reports_raise_a_contact_as_they_arrive(backend: Backend) {
        let p = platform(backend, "check_reports").await;
        // One person reporting three times stays `reported`.
        for _ in 0..3 {
            let answer = send(&p.app, post("/v1/reports", &citizen_report("0911000001", "0987 111 222"), &[])).await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        }
        let one = check_until(&p.app, "0987111222", "reported").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let one = if one.body["counts"]["reports"] == 3 { one } else { check(&p.app, "0987111222").await };
        assert_eq!(one.body["counts"]["reports"], 3, "{}", one.body);
        assert_eq!(one.body["counts"]["distinct_reporters"], 1, "{}", one.body);
        assert_eq!(one.body["verdict"], "reported");
        // Four more people: independent reporters.
        for reporter in ["0911000002", "0911000003", "0911000004", "0911000005"] {
            let answer = send(&p.app, post("/v1/reports", &citizen_report(reporter, "0987 111 222"), &[])).await;
            assert_eq!(answer.status, StatusCode::CREATED);
        }
        let many = check_until(&p.app, "0987111222", "high_risk").await;
        assert_eq!(many.body["counts"]["distinct_reporters"], 5, "{}", many.body);
        assert_eq!(many.body["counts"]["losses_vnd"], 14_000_000u64);
        assert_eq!(many.body["scam_types"][0], "task_scam");
        assert!(many.body["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "independent_reporters"));
        assert!(many.body["first_seen"].as_str().is_some());
        // The reporters' own numbers never appear.
        assert!(!many.text.contains("0911000002") && !many.text.contains("+84911000002"));

        // A police listing confirms it; the index follows.
        let listing = json!({"listings": [{"value": "0987111222", "scam_type": "task_scam", "reason": "vụ án số 12"}]});
        let answer =
            send(&p.app, post("/v1/partner/listings", &listing, &[("authorization", &bearer(&p.police_key))])).await;
        assert_eq!(answer.status.as_u16() / 100, 2, "{}", answer.text);
        let confirmed = check_until(&p.app, "0987111222", "confirmed_scam").await;
        assert!(confirmed.body["reasons"][0]["vi"].as_str().unwrap().contains("Công an TP"), "{}", confirmed.body);

        // After a restart the index is built from the store alone, with the same answer.
        let directory = tempfile::tempdir().unwrap();
        let rebuilt = app_over(p.store.clone(), directory.path()).await;
        let again = check(&rebuilt, "0987111222").await;
        assert_eq!(again.body["verdict"], "confirmed_scam");
        assert_eq!(again.body["counts"], confirmed.body["counts"]);
    }

    pub async fn a_bank_listing_reaches_accounts_qr_codes_and_lists(backend: Backend) {
        let p = platform(backend, "check_listing").await;
        let auth = bearer(&p.bank_key);
        let phones_before = send(&p.app, get("/v1/lists/phone", &[("authorization", &auth)])).await;
        assert_eq!(phones_before.status, StatusCode::OK, "{}", phones_before.text);
        let etag = phones_before.headers[header::ETAG].to_str().unwrap().to_string();
        let version = phones_before.body["version"].as_u64().unwrap();

        let listing = json!({"listings": [
            {"value": "stk 0011004123456 VCB", "scam_type": "impersonation_bank", "reason": "tài khoản nhận tiền lừa đảo"},
            {"value": "0966 777 888", "scam_type": "impersonation_bank", "reason": "gọi giả nhân viên ngân hàng"}
        ]});
        let answer = send(&p.app, post("/v1/partner/listings", &listing, &[("authorization", &auth)])).await;
        assert_eq!(answer.status.as_u16() / 100, 2, "{}", answer.text);
        let account = check_until(&p.app, "bank:970436:0011004123456", "suspicious").await;
        assert!(account.body["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "partner_listed"));
        let qr =
            canhgiac_core::identifier::encode_napas("970436", "0011004123456", Some(100_000), Some("phi xac minh"));
        let qr_answer = check(&p.app, &qr).await;
        assert_eq!(qr_answer.body["kind"], "vietqr");
        assert_eq!(qr_answer.body["verdict"], "suspicious", "{}", qr_answer.body);

        // Lists: the new phone is in, with a new ETag; the old ETag is no longer current; a delta says what changed.
        check_until(&p.app, "0966777888", "suspicious").await;
        let phones = send(&p.app, get("/v1/lists/phone", &[("authorization", &auth)])).await;
        assert_ne!(phones.headers[header::ETAG].to_str().unwrap(), etag);
        assert!(phones.body["contacts"].as_array().unwrap().iter().any(|c| c["canonical"] == "+84966777888"));
        let current = phones.headers[header::ETAG].to_str().unwrap().to_string();
        let not_modified =
            send(&p.app, get("/v1/lists/phone", &[("authorization", &auth), ("if-none-match", &current)])).await;
        assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
        let delta = send(&p.app, get(&format!("/v1/lists/phone?since={version}"), &[("authorization", &auth)])).await;
        assert_eq!(delta.body["delta"], true, "{}", delta.text);
        let changed: Vec<&str> =
            delta.body["changed"].as_array().unwrap().iter().map(|c| c["canonical"].as_str().unwrap()).collect();
        assert_eq!(changed, vec!["+84966777888"]);
        let text = send(&p.app, get("/v1/lists/bank_account?format=text", &[("authorization", &auth)])).await;
        assert!(text.text.contains("bank:970436:0011004123456\tsuspicious\t"), "{}", text.text);
        // Keys are needed; bad kinds and versions are clear errors.
        assert_eq!(send(&p.app, get("/v1/lists/phone", &[])).await.status, StatusCode::UNAUTHORIZED);
        let bad_kind = send(&p.app, get("/v1/lists/fax", &[("authorization", &auth)])).await;
        assert_eq!((bad_kind.status.as_u16(), bad_kind.body["field"].as_str()), (400, Some("kind")));
        let bad_since = send(&p.app, get("/v1/lists/phone?since=abc", &[("authorization", &auth)])).await;
        assert_eq!((bad_since.status.as_u16(), bad_since.body["field"].as_str()), (400, Some("since")));

        // Private look-up: the phone's hash prefix answers its suffix among decoys, in a fixed size.
        let digest: String = Sha256::digest(b"+84966777888").iter().map(|b| format!("{b:02x}")).collect();
        let range = send(&p.app, get(&format!("/v1/range/{}", &digest[..5].to_uppercase()), &[])).await;
        assert_eq!(range.status, StatusCode::OK);
        let lines: Vec<&str> = range.text.lines().collect();
        assert_eq!(lines.len(), 256);
        assert!(lines.contains(&format!("{}:3", &digest[5..32]).as_str()), "suspicious is level 3");
        let empty_prefix = send(&p.app, get("/v1/range/00000", &[])).await;
        assert_eq!(empty_prefix.text.len(), range.text.len(), "the size does not tell the count");
        let bad_prefix = send(&p.app, get("/v1/range/xyz", &[])).await;
        assert_eq!((bad_prefix.status.as_u16(), bad_prefix.body["field"].as_str()), (400, Some("prefix")));
    }

    /// `POST /v1/analyze`: a message whose account a bank listed becomes a scam through its contact, even when
    /// its words alone are mild; bad input is a clear 400 naming the field.
    pub async fn analyze_checks_the_contacts_in_a_message(backend: Backend) {
        let p = platform(backend, "analyze_contacts").await;
        let message = "Chi oi em gui lai so tai khoan nhe: stk 0011004123456 Vietcombank, chi chuyen giup em nhe";
        let before = send(&p.app, post("/v1/analyze", &json!({"text": message, "channel": "zalo"}), &[])).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.text);
        let account = &before.body["identifiers"][0];
        assert_eq!(account["canonical"], "bank:970436:0011004123456", "{}", before.text);
        assert_eq!(account["check"]["verdict"], "no_data");
        let probability_before = before.body["scam_probability"].as_f64().unwrap();

        let listing = json!({"listings": [
            {"value": "stk 0011004123456 VCB", "scam_type": "account_takeover", "reason": "tài khoản nhận tiền lừa đảo"}
        ]});
        let listed =
            send(&p.app, post("/v1/partner/listings", &listing, &[("authorization", &bearer(&p.bank_key))])).await;
        assert_eq!(listed.status.as_u16() / 100, 2, "{}", listed.text);
        check_until(&p.app, "bank:970436:0011004123456", "suspicious").await;
        let after = send(&p.app, post("/v1/analyze", &json!({"text": message, "channel": "zalo"}), &[])).await;
        assert_eq!(after.body["identifiers"][0]["check"]["verdict"], "suspicious", "{}", after.text);
        assert!(after.body["scam_probability"].as_f64().unwrap() > probability_before, "{}", after.text);
        assert_ne!(after.body["verdict"], "safe", "{}", after.text);
        assert!(
            after.body["advice"].as_array().unwrap().iter().any(|a| a["en"].as_str().unwrap_or("").len() > 10),
            "{}",
            after.text
        );

        for (body, field) in [
            (json!({"text": "  "}), "text"),
            (json!({"text": "x".repeat(40_000)}), "text"),
            (json!({"text": "hello", "channel": "pigeon"}), "channel"),
        ] {
            let refused = send(&p.app, post("/v1/analyze", &body, &[])).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
            assert_eq!(refused.body["field"], field, "{}", refused.text);
        }
        let unknown_field = send(&p.app, post("/v1/analyze", &json!({"text": "hi", "colour": "red"}), &[])).await;
        assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST, "{}", unknown_field.text);
    }

    pub async fn an_upheld_appeal_clears_a_contact(backend: Backend) {
        let p = platform(backend, "check_appeal").await;
        let bank = bearer(&p.bank_key);
        let police = bearer(&p.police_key);
        let listing = json!({"listings": [{"value": "0977 000 111", "scam_type": "online_loan", "reason": "app vay tín dụng đen"}]});
        let answer = send(&p.app, post("/v1/partner/listings", &listing, &[("authorization", &bank)])).await;
        assert_eq!(answer.status.as_u16() / 100, 2, "{}", answer.text);
        check_until(&p.app, "0977000111", "suspicious").await;

        let reason = "Đây là số của cửa hàng tôi, bị báo nhầm sau khi đổi chủ thuê bao.";
        let not_listed =
            send(&p.app, post("/v1/appeals", &json!({"value": "0977 000 999", "reason": reason}), &[])).await;
        assert_eq!(
            (not_listed.status.as_u16(), not_listed.body["field"].as_str()),
            (400, Some("value")),
            "{}",
            not_listed.text
        );
        let short = send(&p.app, post("/v1/appeals", &json!({"value": "0977000111", "reason": "nhầm"}), &[])).await;
        assert_eq!((short.status.as_u16(), short.body["field"].as_str()), (400, Some("reason")));
        let with_escape = json!({"value": "0977000111", "reason": "Số của cửa hàng tôi\u{0}\u{1b}[2J"});
        let with_escape = send(&p.app, post("/v1/appeals", &with_escape, &[])).await;
        assert_eq!((with_escape.status.as_u16(), with_escape.body["code"].as_str()), (400, Some("invalid_value")));
        assert_eq!(with_escape.body["field"], "reason");
        let filed = send(&p.app, post("/v1/appeals", &json!({"value": "0977 000 111", "reason": reason}), &[])).await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text);
        assert_eq!(filed.body["state"], "pending");
        let id = filed.body["id"].as_str().unwrap().to_string();
        let twice = send(&p.app, post("/v1/appeals", &json!({"value": "0977000111", "reason": reason}), &[])).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        for _ in 0..100 {
            let pending = check(&p.app, "0977000111").await;
            if pending.body["appeal"]["state"] == "pending" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let pending = check(&p.app, "0977000111").await;
        assert_eq!(pending.body["verdict"], "suspicious", "a pending appeal changes nothing yet");
        assert!(
            pending.body["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "appeal_pending"),
            "{}",
            pending.body
        );

        let decision = json!({"decision": "upheld", "reason": "xác minh chủ thuê bao mới"});
        let uri = format!("/v1/partner/appeals/{id}/decision");
        let by_bank = send(&p.app, post(&uri, &decision, &[("authorization", &bank)])).await;
        assert_eq!(by_bank.status, StatusCode::FORBIDDEN);
        let bad =
            send(&p.app, post(&uri, &json!({"decision": "maybe", "reason": "x"}), &[("authorization", &police)])).await;
        assert_eq!((bad.status.as_u16(), bad.body["field"].as_str()), (400, Some("decision")));
        let decided = send(&p.app, post(&uri, &decision, &[("authorization", &police)])).await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
        assert_eq!(decided.body["state"], "upheld");
        let cleared = check_until(&p.app, "0977000111", "no_data").await;
        assert_eq!(cleared.body["appeal"]["state"], "upheld");
        assert!(cleared.body["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "appeal_upheld"));
        let again = send(&p.app, post(&uri, &decision, &[("authorization", &police)])).await;
        assert_eq!(again.status.as_u16() / 100, 4, "a decided appeal cannot be decided again: {}", again.text);
        let listed = send(&p.app, get("/v1/partner/appeals?state=upheld", &[("authorization", &police)])).await;
        assert_eq!(listed.body["appeals"][0]["canonical"], "+84977000111", "{}", listed.text);
        assert_eq!(listed.body["appeals"][0]["reason"], reason);
        // No longer listed: off the phone list.
        let phones = send(&p.app, get("/v1/lists/phone", &[("authorization", &bank)])).await;
        assert!(!phones.text.contains("+84977000111"));
    }

    pub async fn batch_checks_answer_in_order(backend: Backend) {
        let p = platform(backend, "check_batch").await;
        let auth = bearer(&p.bank_key);
        let values =
            json!({"values": ["0912 345 678", "not a contact", "https://vietcombank.com.vn", "stk 0011004123456 VCB"]});
        let none = send(&p.app, post("/v1/check/batch", &values, &[])).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        let answer = send(&p.app, post("/v1/check/batch", &values, &[("authorization", &auth)])).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let results = answer.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        assert_eq!(results[0]["canonical"], "+84912345678");
        assert_eq!(results[1]["error"]["field"], "values[1]");
        assert!(results[1]["error"]["code"].as_str().is_some());
        assert_eq!(results[2]["verdict"], "official_verified");
        assert_eq!(results[3]["canonical"], "bank:970436:0011004123456");
        let too_many = json!({"values": vec!["0912345678"; 10_001]});
        let refused = send(&p.app, post("/v1/check/batch", &too_many, &[("authorization", &auth)])).await;
        assert_eq!(
            (refused.status.as_u16(), refused.body["field"].as_str()),
            (400, Some("values")),
            "{}",
            refused.text
        );
        // Spread over threads in chunks, the answers still come back in order, and a refused value far into the
        // batch is named by its own position: in a batch checked one value at a time and in one large enough to be
        // checked with its look-ups made together.
        for size in [1_300, 2_600] {
            let mut many: Vec<String> = (0..size).map(|i| format!("0912 00{i:04}")).collect();
            let refused_at = [0, 249, 250, 251, 777, 778, size - 501, size - 500, size - 1];
            for at in refused_at {
                many[at] = "not a contact".into();
            }
            let ordered =
                send(&p.app, post("/v1/check/batch", &json!({"values": many}), &[("authorization", &auth)])).await;
            let ordered = ordered.body["results"].as_array().unwrap().clone();
            assert_eq!(ordered.len(), size);
            for (i, result) in ordered.iter().enumerate() {
                if refused_at.contains(&i) {
                    assert_eq!(result["error"]["field"], format!("values[{i}]"));
                } else {
                    assert_eq!(result["canonical"], format!("+8491200{i:04}"));
                }
            }
        }
        let empty = send(&p.app, post("/v1/check/batch", &json!({"values": []}), &[("authorization", &auth)])).await;
        assert_eq!((empty.status, empty.text.as_str()), (StatusCode::OK, r#"{"results":[]}"#));
        let full = json!({"values": vec!["0912345678"; 10_000]});
        let ok = send(&p.app, post("/v1/check/batch", &full, &[("authorization", &auth)])).await;
        assert_eq!(ok.body["results"].as_array().unwrap().len(), 10_000);
    }
}

macro_rules! on_both_stores {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() { scenarios::$scenario(Backend::Sqlite).await })+
        }
        mod postgres {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() { scenarios::$scenario(Backend::Postgres).await })+
        }
    };
}

on_both_stores!(
    unknown_values_official_contacts_and_bad_input,
    reports_raise_a_contact_as_they_arrive,
    a_bank_listing_reaches_accounts_qr_codes_and_lists,
    batch_checks_answer_in_order,
    an_upheld_appeal_clears_a_contact,
    analyze_checks_the_contacts_in_a_message,
);

/// The raw answer: status, headers and the bytes as sent (compressed or not).
async fn send_raw(app: &App, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26).await.unwrap();
    (status, headers, bytes.to_vec())
}

fn content_encoding(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut decoded).unwrap();
    decoded
}

/// Lists, batches, analyses and the API document are compressed when the client accepts it, and decompress to the
/// very answer a client that does not gets; small answers, look-ups and errors are sent as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_answers_are_compressed_for_clients_that_accept_it() {
    let p = platform(Backend::Sqlite, "check_compression").await;
    let auth = bearer(&p.bank_key);
    let phones: Vec<String> = (0..60).map(|i| format!("09121{i:05}")).collect();
    let listings: Vec<Value> = phones
        .iter()
        .map(|phone| json!({"value": phone, "scam_type": "task_scam", "reason": "nhóm lừa việc nhẹ"}))
        .collect();
    let answer =
        send(&p.app, post("/v1/partner/listings", &json!({"listings": listings}), &[("authorization", &auth)])).await;
    assert_eq!(answer.status.as_u16() / 100, 2, "{}", answer.text);
    check_until(&p.app, "0912100059", "suspicious").await;

    let batch = json!({"values": phones});
    for (uri, request) in [
        ("/v1/lists/phone", None),
        ("/v1/lists/phone?format=text", None),
        ("/v1/check/batch", Some(&batch)),
        (
            "/v1/analyze",
            Some(&json!({"text": format!("Chuyen tien vao cac so sau de nhan thuong: {}", phones.join(", "))})),
        ),
        ("/openapi.json", None),
    ] {
        let build = |accept: Option<&str>| {
            let mut headers = vec![("authorization", auth.as_str())];
            headers.extend(accept.map(|accept| ("accept-encoding", accept)));
            match request {
                Some(body) => post(uri, body, &headers),
                None => get(uri, &headers),
            }
        };
        let (status, plain_headers, plain) = send_raw(&p.app, build(None)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(content_encoding(&plain_headers), None, "{uri}: a client that names no encoding gets none");
        assert!(plain.len() > 1024, "{uri}: {} bytes", plain.len());

        let (_, headers, gzipped) = send_raw(&p.app, build(Some("gzip, deflate, br;q=0.5"))).await;
        assert_eq!(content_encoding(&headers), Some("gzip"), "{uri}");
        assert_eq!(headers[header::VARY], "accept-encoding", "{uri}");
        assert!(headers.get(header::CONTENT_LENGTH).is_none(), "{uri}");
        let decoded = gunzip(&gzipped);
        assert!(gzipped.len() < plain.len(), "{uri}: {} gzipped of {}", gzipped.len(), plain.len());
        // The analysis and the batch carry no time; a list's bytes are the same list's.
        assert_eq!(decoded, plain, "{uri}");

        let (_, headers, brotli) = send_raw(&p.app, build(Some("br"))).await;
        assert_eq!(content_encoding(&headers), Some("br"), "{uri}");
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(&mut brotli_decompressor::Decompressor::new(brotli.as_slice(), 4096), &mut decoded)
            .unwrap();
        assert_eq!(decoded, plain, "{uri}");

        let (_, headers, refused) = send_raw(&p.app, build(Some("gzip;q=0, identity"))).await;
        assert_eq!((content_encoding(&headers), refused.len()), (None, plain.len()), "{uri}: gzip;q=0 is a refusal");
    }

    // A look-up's answer is small and never compressed; nor is an error, whatever the route.
    let (_, headers, _) = send_raw(&p.app, get("/v1/check?q=0912100001", &[("accept-encoding", "gzip")])).await;
    assert_eq!(content_encoding(&headers), None);
    let too_many = json!({"values": vec!["0912345678"; 10_001]});
    let (status, headers, body) =
        send_raw(&p.app, post("/v1/check/batch", &too_many, &[("authorization", &auth), ("accept-encoding", "gzip")]))
            .await;
    assert_eq!(status.as_u16() / 100, 4);
    assert_eq!(content_encoding(&headers), None);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert!(error["code"].is_string(), "{error}");
}

/// `index_for_checks` reads only what the checks of some contacts consult; its answers for them are the whole
/// index's, for contacts whose verdicts come through the contacts reported with them, their domains, the contacts a
/// link or a QR code carries, and an e-mail's domain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_of_what_a_check_consults_answers_as_the_whole_index() {
    let p = platform(Backend::Sqlite, "check_targeted").await;
    let auth = bearer(&p.bank_key);
    // A ring: five people report a phone together with an account and a wallet; a bank lists a domain and an
    // account; other reports name other contacts, so the whole index holds more than any one check reads.
    for reporter in ["0911000002", "0911000003", "0911000004", "0911000005", "0911000006"] {
        let mut report = citizen_report(reporter, "0987 111 222");
        report["contacts"] = json!(["0987 111 222", "stk 0011004123456 VCB", "momo 0868 317 835"]);
        let answer = send(&p.app, post("/v1/reports", &report, &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    for n in 0..20 {
        let answer =
            send(&p.app, post("/v1/reports", &citizen_report("0911000009", &format!("09770{n:05}")), &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let listing = json!({"listings": [
        {"value": "vietcombank-xacthuc.com", "scam_type": "impersonation_bank", "reason": "trang giả"},
        {"value": "stk 19036012345678 Techcombank", "scam_type": "impersonation_bank", "reason": "tài khoản nhận tiền"},
        {"value": "lua-dao.example.com", "scam_type": "task_scam", "reason": "trang giả"}
    ]});
    let answer = send(&p.app, post("/v1/partner/listings", &listing, &[("authorization", &auth)])).await;
    assert_eq!(answer.status.as_u16() / 100, 2, "{}", answer.text);
    check_until(&p.app, "0987111222", "high_risk").await;
    check_until(&p.app, "0977000019", "reported").await;
    check_until(&p.app, "vietcombank-xacthuc.com", "high_risk").await;
    check_until(&p.app, "lua-dao.example.com", "suspicious").await;

    let trust = Arc::new(canhgiac_core::trust::trust_directory().clone());
    let whole = build_index(&*p.store, trust.clone()).await.unwrap();
    let qr = canhgiac_core::identifier::encode_napas("970407", "19036012345678", Some(500_000), Some("phi"));
    let values = [
        "0987 111 222".to_string(),
        "stk 0011004123456 VCB".to_string(),
        "momo 0868 317 835".to_string(),
        "https://login.vietcombank-xacthuc.com/dang-nhap".to_string(),
        "https://pay.example.net/?stk=19036012345678&bank=Techcombank".to_string(),
        "sub.lua-dao.example.com".to_string(),
        "hotro@vietcombank-xacthuc.com".to_string(),
        qr,
        "0977 000 003".to_string(),
        "0912 345 678".to_string(),
        "https://vietcombank.com.vn/".to_string(),
    ];
    // The whole index judged its contacts when it was built: the same moment, to the second, for both.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let identifiers: Vec<canhgiac_core::Identifier> =
        values.iter().map(|value| canhgiac_core::detect(value).unwrap()).collect();
    let mut judged_worse = 0;
    for identifier in &identifiers {
        let expected = serde_json::to_value(whole.check(identifier, now)).unwrap();
        let small = index_for_checks(&*p.store, trust.clone(), std::slice::from_ref(identifier), now).await.unwrap();
        assert!(small.len() < whole.len(), "{} of {}", small.len(), whole.len());
        assert_eq!(serde_json::to_value(small.check(identifier, now)).unwrap(), expected, "{}", identifier.canonical());
        judged_worse += usize::from(expected["verdict"] != "no_data" && expected["verdict"] != "official_verified");
    }
    // Every way a verdict comes from elsewhere is exercised: the ring, the domains, the carried account, the QR code.
    assert!(judged_worse >= 8, "{judged_worse}");
    // All at once, as `canhgiac analyze` asks for a message's contacts.
    let together = index_for_checks(&*p.store, trust, &identifiers, now).await.unwrap();
    for identifier in &identifiers {
        assert_eq!(
            serde_json::to_value(together.check(identifier, now)).unwrap(),
            serde_json::to_value(whole.check(identifier, now)).unwrap()
        );
    }
}
