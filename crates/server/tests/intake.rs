//! Report intake through the whole HTTP stack (no socket), on both stores: every scenario runs on SQLite
//! and on PostgreSQL (the throwaway cluster of `./scripts/test`, or one the testkit starts).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_evidence::{EvidenceLimits, EvidenceStore};
use canhgiac_secrets::{ApiKey, Keyring};
use canhgiac_server::intake::Intake;
use canhgiac_server::{App, AppState, HttpLimits, app};
use canhgiac_store::{ApiKeyRecord, Organisation, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../evidence/tests/fixtures");

struct Platform {
    app: App,
    store: Arc<dyn Store>,
    evidence_dir: std::path::PathBuf,
    keys: HashMap<&'static str, String>,
    _directory: tempfile::TempDir,
    _database: Option<canhgiac_testkit::TestDatabase>,
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

async fn platform(backend: Backend, test: &str, limits: EvidenceLimits) -> Platform {
    let directory = tempfile::tempdir().unwrap();
    let (store, database): (Arc<dyn Store>, _) = match backend {
        Backend::Sqlite => {
            (Arc::new(canhgiac_store::SqliteStore::open(&directory.path().join("canhgiac.db")).await.unwrap()), None)
        }
        Backend::Postgres => {
            let database = canhgiac_testkit::require_postgres_database(test);
            (Arc::new(canhgiac_store::PostgresStore::connect(database.url()).await.unwrap()), Some(database))
        }
    };
    let evidence_dir = directory.path().join("evidence");
    let evidence = Arc::new(EvidenceStore::open(&evidence_dir).unwrap());
    let intake = Intake::new(store.clone(), Arc::new(Keyring::generate()), evidence, limits);
    let mut keys = HashMap::new();
    let organisations = [
        ("police", OrganisationKind::Police),
        ("bank", OrganisationKind::Bank),
        ("telecom", OrganisationKind::Telecom),
    ];
    for (name, kind) in organisations {
        store
            .create_organisation(Organisation {
                id: format!("org-{name}"),
                name: name.into(),
                kind,
                trust_level: 80,
                created_at: 1,
                bank_bin: None,
            })
            .await
            .unwrap();
    }
    let grants = [
        ("police_investigator", "police", Role::Investigator),
        ("police_analyst", "police", Role::Analyst),
        ("bank_admin", "bank", Role::Admin),
        ("telecom_admin", "telecom", Role::Admin),
        ("revoked", "bank", Role::Reporter),
    ];
    for (label, organisation, role) in grants {
        let key = ApiKey::generate();
        store
            .create_api_key(ApiKeyRecord {
                id: format!("key-{label}"),
                organisation_id: format!("org-{organisation}"),
                prefix: key.prefix().to_string(),
                key_hash: key.hash().to_vec(),
                role,
                label: label.into(),
                created_at: 1,
                revoked_at: None,
            })
            .await
            .unwrap();
        keys.insert(label, key.expose().to_string());
    }
    store.revoke_api_key(keys["revoked"].split('_').take(2).collect::<Vec<_>>().join("_").as_str(), 2).await.unwrap();
    let app = app(AppState::with_intake(directory.path(), HttpLimits::default(), intake));
    Platform { app, store, evidence_dir, keys, _directory: directory, _database: database }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(app: &App, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
    Answer { status, headers, body }
}

fn json_request(method: &str, uri: &str, body: &Value, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

#[track_caller]
fn assert_error(answer: &Answer, status: u16, code: &str, field: Option<&str>) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.body["code"], code, "{}", answer.body);
    assert_eq!(answer.body["field"].as_str(), field, "{}", answer.body);
    assert!(answer.body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

fn full_report() -> Value {
    json!({
        "reporter": {"name": "Nguyễn Thị Hoa", "phone": "0912 000 111", "email": "hoa@example.vn", "national_id": "001099012345", "role": "victim"},
        "scam_type": "impersonation_authority",
        "narrative": "Người tự xưng công an gọi từ 0987 654 321, bảo tôi chuyển tiền vào stk 0011004123456 Vietcombank để xác minh. Số của tôi 0912000111.",
        "occurred_at": "2026-11-20T09:30:00+07:00",
        "place": {"province": "Bình Dương", "commune": "Phường Thủ Dầu Một"},
        "loss_vnd": 50000000,
        "transfers": [{"from_bank": "TCB", "from_account": "19033333333011", "to_bank": "VCB", "to_account": "0011004123456", "amount_vnd": 50000000, "at": "2026-11-20", "remark": "NGUYEN THI HOA chuyen tien"}],
        "contacts": ["t.me/hotro_congan", {"kind": "url", "value": "congan-xacminh[.]com/login"}],
        "consent": {"share_with_authorities": true, "contact_me": true}
    })
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

mod scenarios {
    use super::*;

    pub async fn a_report_is_received_and_followed_with_its_secret(backend: Backend) {
        let p = platform(backend, "receive_follow", EvidenceLimits::default()).await;
        let answer = send(&p.app, json_request("POST", "/v1/reports", &full_report(), &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let code = answer.body["tracking_code"].as_str().unwrap().to_string();
        let secret = answer.body["secret"].as_str().unwrap().to_string();
        assert!(code.starts_with("CG-") && secret.len() >= 20);
        assert_eq!(answer.body["status"], "received");

        let view = send(&p.app, get(&format!("/v1/reports/{code}"), &[("x-report-secret", &secret)])).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.body);
        assert_eq!(view.body["status"], "received");
        assert_eq!(view.body["scam_type"], "impersonation_authority");
        assert_eq!(view.body["province"], "ho_chi_minh", "Bình Dương merged into Hồ Chí Minh City in 2025");
        assert_eq!(view.body["loss_vnd"], 50_000_000);
        assert_eq!(view.body["history"].as_array().unwrap().len(), 1);
        let contacts: Vec<&str> =
            view.body["contacts"].as_array().unwrap().iter().map(|c| c["canonical"].as_str().unwrap()).collect();
        for expected in ["telegram:hotro_congan", "bank:970436:0011004123456", "+84987654321"] {
            assert!(contacts.contains(&expected), "{expected} in {contacts:?}");
        }
        assert!(contacts.iter().any(|c| c.contains("congan-xacminh.com")), "{contacts:?}");
        assert!(!contacts.contains(&"+84912000111"), "the reporter's own number is not a scam contact");
        assert!(!contacts.iter().any(|c| c.contains("19033333333011")), "the victim's account is not a scam contact");
        let text = view.body.to_string();
        for personal in ["Hoa", "HOA", "0912000111", "+84912000111", "hoa@example.vn", "001099012345", "19033333333011"]
        {
            assert!(!text.contains(personal), "{personal} shown to the secret holder: {text}");
        }
        // A lowercase code without dashes works; a wrong secret and an unknown code look the same.
        let loose = code.to_lowercase().replace('-', "");
        let view = send(&p.app, get(&format!("/v1/reports/{loose}"), &[("x-report-secret", &secret)])).await;
        assert_eq!(view.status, StatusCode::OK);
        let wrong = send(&p.app, get(&format!("/v1/reports/{code}"), &[("x-report-secret", "wrong")])).await;
        assert_error(&wrong, 404, "not_found", None);
        let unknown = send(&p.app, get("/v1/reports/CG-2222-2222", &[("x-report-secret", &secret)])).await;
        assert_eq!(unknown.body, wrong.body);
        let missing = send(&p.app, get(&format!("/v1/reports/{code}"), &[])).await;
        assert_error(&missing, 401, "unauthenticated", Some("X-Report-Secret"));
    }

    pub async fn a_retry_with_the_same_idempotency_key_returns_the_first_answer(backend: Backend) {
        let p = platform(backend, "idempotency", EvidenceLimits::default()).await;
        let headers = [("idempotency-key", "client-42-attempt")];
        let first = send(&p.app, json_request("POST", "/v1/reports", &full_report(), &headers)).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let again = send(&p.app, json_request("POST", "/v1/reports", &full_report(), &headers)).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.body, first.body);
        assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
        let mut changed = full_report();
        changed["loss_vnd"] = json!(1);
        let reused = send(&p.app, json_request("POST", "/v1/reports", &changed, &headers)).await;
        assert_error(&reused, 409, "idempotency_key_reused", Some("Idempotency-Key"));
        let bad_key =
            send(&p.app, json_request("POST", "/v1/reports", &full_report(), &[("idempotency-key", "")])).await;
        assert_error(&bad_key, 400, "invalid_idempotency_key", Some("Idempotency-Key"));
        assert_eq!(p.store.count_reports().await.unwrap(), 1);
    }

    pub async fn bad_input_gets_a_clear_error_and_writes_nothing(backend: Backend) {
        let p = platform(backend, "bad_input", EvidenceLimits::default()).await;
        let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
            (json!({"narrative": "x", "colour": "red"}), 400, "unknown_field", Some("colour")),
            (json!({"narrative": 12}), 400, "invalid_type", Some("narrative")),
            (json!({"loss_vnd": -5}), 400, "invalid_type", Some("loss_vnd")),
            // Above the platform's ceiling on an amount (it was stored clamped before).
            (json!({"narrative": "x", "loss_vnd": 10_000_000_000_001u64}), 400, "invalid_value", Some("loss_vnd")),
            (json!({"narrative": "x", "loss_vnd": u64::MAX}), 400, "invalid_value", Some("loss_vnd")),
            (
                json!({"transfers": [{"to_bank": "VCB", "to_account": "0011004123456", "amount_vnd": u64::MAX}]}),
                400,
                "invalid_value",
                Some("transfers[0].amount_vnd"),
            ),
            (json!({"reporter": {"phone": "09x12"}}), 400, "invalid_phone", Some("reporter.phone")),
            (json!({"reporter": {"national_id": "12"}}), 400, "invalid_value", Some("reporter.national_id")),
            (json!({"reporter": {"role": "boss"}}), 400, "invalid_value", Some("reporter.role")),
            (json!({"scam_type": "alien_invasion"}), 400, "invalid_scam_type", Some("scam_type")),
            (json!({"place": {"province": "Atlantis"}}), 400, "unknown_province", Some("place.province")),
            (json!({"occurred_at": "yesterday"}), 400, "invalid_value", Some("occurred_at")),
            (json!({"contacts": ["0912345678", "not a contact at all"]}), 400, "unknown_kind", Some("contacts[1]")),
            (json!({"contacts": [{"kind": "phone", "value": "0123"}]}), 400, "invalid_phone", Some("contacts[0]")),
            (
                json!({"transfers": [{"to_bank": "VCB", "to_account": "0011004123456"}]}),
                400,
                "missing_field",
                Some("transfers[0].amount_vnd"),
            ),
            (
                json!({"transfers": [{"to_bank": "Ngân hàng Mặt Trăng", "to_account": "1", "amount_vnd": 5}]}),
                400,
                "unknown_bank",
                Some("transfers[0].to_bank"),
            ),
            (json!({"channel": "sms_5656"}), 400, "invalid_value", Some("channel")),
        ];
        for (body, status, code, field) in cases {
            let answer = send(&p.app, json_request("POST", "/v1/reports", &body, &[])).await;
            assert_error(&answer, status, code, field);
        }
        let not_utf8 = Request::post("/v1/reports")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b"{\"narrative\": \"\xff\xfe\"}".to_vec()))
            .unwrap();
        assert_error(&send(&p.app, not_utf8).await, 400, "invalid_utf8", None);
        let malformed = Request::post("/v1/reports")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"narrative\": "))
            .unwrap();
        assert_error(&send(&p.app, malformed).await, 400, "invalid_request", None);
        let text =
            Request::post("/v1/reports").header(header::CONTENT_TYPE, "text/plain").body(Body::from("hi")).unwrap();
        assert_error(&send(&p.app, text).await, 415, "unsupported_media_type", None);
        assert_eq!(p.store.count_reports().await.unwrap(), 0);
    }

    pub async fn evidence_files_are_checked_stripped_and_stored_by_hash(backend: Backend) {
        let limits = EvidenceLimits { max_file_bytes: 64 * 1024, max_files: 3 };
        let p = platform(backend, "evidence", limits).await;
        let photo = std::fs::read(format!("{FIXTURES}/photo-gps.jpg")).unwrap();
        let recording = std::fs::read(format!("{FIXTURES}/call.mp3")).unwrap();
        let report = json!({"narrative": "Ảnh chụp màn hình tin nhắn lừa đảo", "scam_type": "delivery"});
        let answer = send(&p.app, multipart(&report, &[("photo.png", &photo), ("call.txt", &recording)])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let code = answer.body["tracking_code"].as_str().unwrap();
        let secret = answer.body["secret"].as_str().unwrap();
        let view = send(&p.app, get(&format!("/v1/reports/{code}"), &[("x-report-secret", secret)])).await;
        let evidence = view.body["evidence"].as_array().unwrap().clone();
        let types: Vec<&str> = evidence.iter().map(|e| e["media_type"].as_str().unwrap()).collect();
        assert_eq!(types, ["image/jpeg", "audio/mpeg"], "types come from the bytes, not the names");
        let stored_photo = EvidenceStore::open(&p.evidence_dir)
            .unwrap()
            .get(evidence[0]["sha256"].as_str().unwrap())
            .unwrap()
            .expect("stored by its hash");
        assert!(stored_photo.starts_with(&[0xFF, 0xD8, 0xFF]));
        let contains = |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
        assert!(contains(&photo, b"GPS-SECRET-HOAN-KIEM") && !contains(&stored_photo, b"GPS-SECRET-HOAN-KIEM"));

        let program = b"MZ\x90\x00this is a windows program".to_vec();
        let refused = send(&p.app, multipart(&report, &[("photo.jpg", &photo), ("invoice.pdf", &program)])).await;
        assert_error(&refused, 415, "unsupported_file_type", Some("files[1]"));
        let big = vec![0xFFu8; 70 * 1024];
        let too_big = send(&p.app, multipart(&report, &[("big.jpg", &big)])).await;
        assert_error(&too_big, 413, "file_too_large", Some("files[0]"));
        let four = [("a.jpg", &photo), ("b.jpg", &photo), ("c.jpg", &photo), ("d.jpg", &photo)];
        let too_many = send(&p.app, multipart(&report, &four.map(|(n, b)| (n, b.as_slice())))).await;
        assert_error(&too_many, 413, "too_many_files", Some("files"));
        let no_report = send(&p.app, multipart_parts(&[("files", "a.jpg", &photo)])).await;
        assert_error(&no_report, 400, "missing_field", Some("report"));
        assert_eq!(p.store.count_reports().await.unwrap(), 1, "refused submissions wrote nothing");
    }

    pub async fn keys_and_roles_decide_who_sees_what(backend: Backend) {
        let p = platform(backend, "keys_roles", EvidenceLimits::default()).await;
        let receipt = send(&p.app, json_request("POST", "/v1/reports", &full_report(), &[])).await;
        let code = receipt.body["tracking_code"].as_str().unwrap().to_string();
        let path = format!("/v1/partner/reports/{code}");

        assert_error(&send(&p.app, get(&path, &[])).await, 401, "unauthenticated", Some("Authorization"));
        let malformed = send(&p.app, get(&path, &[("authorization", "Bearer nonsense")])).await;
        assert_error(&malformed, 401, "unauthenticated", Some("Authorization"));
        // The real key with its last character changed (to one it is not: a key ending in `x` once made this the key).
        let real = &p.keys["bank_admin"];
        let other_last = if real.ends_with('x') { 'y' } else { 'x' };
        let forged = format!("{}{other_last}", &real[..real.len() - 1]);
        assert_error(
            &send(&p.app, get(&path, &[("authorization", &bearer(&forged))])).await,
            401,
            "unauthenticated",
            Some("Authorization"),
        );
        let revoked = send(&p.app, get(&path, &[("authorization", &bearer(&p.keys["revoked"]))])).await;
        assert_error(&revoked, 401, "api_key_revoked", Some("Authorization"));
        // Even on a public route, a bad key is refused rather than ignored.
        let public_with_revoked = send(
            &p.app,
            json_request("POST", "/v1/reports", &full_report(), &[("authorization", &bearer(&p.keys["revoked"]))]),
        )
        .await;
        assert_error(&public_with_revoked, 401, "api_key_revoked", Some("Authorization"));
        for label in ["bank_admin", "telecom_admin"] {
            let answer = send(&p.app, get(&path, &[("authorization", &bearer(&p.keys[label]))])).await;
            assert_error(&answer, 403, "forbidden", None);
            assert!(!answer.body.to_string().contains("0912000111"));
        }
        let analyst = send(&p.app, get(&path, &[("x-api-key", &p.keys["police_analyst"])])).await;
        assert_eq!(analyst.status, StatusCode::OK, "{}", analyst.body);
        assert!(analyst.body["narrative"].as_str().unwrap().contains("công an"));
        assert!(analyst.body.get("reporter").is_none(), "an analyst does not see personal data");
        let investigator =
            send(&p.app, get(&path, &[("authorization", &bearer(&p.keys["police_investigator"]))])).await;
        assert_eq!(investigator.status, StatusCode::OK);
        let reporter = &investigator.body["reporter"];
        assert_eq!(reporter["phone"], "+84912000111");
        assert_eq!(reporter["national_id"], "001099012345");
        assert_eq!(reporter["transfers"][0]["from_account"], "bank:970407:19033333333011");
        let list =
            send(&p.app, get("/v1/partner/reports?limit=10", &[("authorization", &bearer(&p.keys["police_analyst"]))]))
                .await;
        assert_eq!(list.body["reports"].as_array().unwrap().len(), 1);
        let bad_query = send(
            &p.app,
            get("/v1/partner/reports?status=lost", &[("authorization", &bearer(&p.keys["police_analyst"]))]),
        )
        .await;
        assert_error(&bad_query, 400, "invalid_value", Some("status"));
    }

    pub async fn the_status_lifecycle_is_enforced_and_recorded(backend: Backend) {
        let p = platform(backend, "lifecycle", EvidenceLimits::default()).await;
        let receipt = send(&p.app, json_request("POST", "/v1/reports", &full_report(), &[])).await;
        let code = receipt.body["tracking_code"].as_str().unwrap().to_string();
        let secret = receipt.body["secret"].as_str().unwrap().to_string();
        let path = format!("/v1/partner/reports/{code}/status");
        let analyst = bearer(&p.keys["police_analyst"]);
        let change = |status: &str, reason: &str| json!({"status": status, "reason": reason});
        let skip =
            send(&p.app, json_request("POST", &path, &change("closed", "done"), &[("authorization", &analyst)])).await;
        assert_error(&skip, 409, "invalid_status_transition", Some("status"));
        let triaged = send(
            &p.app,
            json_request("POST", &path, &change("triaged", "đủ thông tin"), &[("authorization", &analyst)]),
        )
        .await;
        assert_eq!(triaged.status, StatusCode::OK, "{}", triaged.body);
        let no_reason =
            send(&p.app, json_request("POST", &path, &change("verified", " "), &[("authorization", &analyst)])).await;
        assert_error(&no_reason, 400, "invalid_value", Some("reason"));
        let escape = change("verified", "ok \u{1b}[2J");
        let escape = send(&p.app, json_request("POST", &path, &escape, &[("authorization", &analyst)])).await;
        assert_error(&escape, 400, "invalid_value", Some("reason"));
        let bank = bearer(&p.keys["bank_admin"]);
        let forbidden =
            send(&p.app, json_request("POST", &path, &change("verified", "x"), &[("authorization", &bank)])).await;
        assert_error(&forbidden, 403, "forbidden", None);
        let verified = send(
            &p.app,
            json_request("POST", &path, &change("verified", "ngân hàng xác nhận"), &[("authorization", &analyst)]),
        )
        .await;
        assert_eq!(verified.body["status"], "verified");
        let history = &verified.body["history"];
        assert_eq!(history[1]["by"], p.keys["police_analyst"][..12]);
        assert_eq!(history[2]["reason"], "ngân hàng xác nhận");
        let view = send(&p.app, get(&format!("/v1/reports/{code}"), &[("x-report-secret", &secret)])).await;
        assert_eq!(view.body["status"], "verified");
        assert_eq!(view.body["status_vi"], "Đã xác minh");
        assert!(view.body["history"][1].get("by").is_none(), "the reporter does not see who");
    }

    pub async fn telecom_gateways_turn_5656_messages_into_reports(backend: Backend) {
        let p = platform(backend, "sms_5656", EvidenceLimits::default()).await;
        let telecom = bearer(&p.keys["telecom_admin"]);
        let batch = json!({"messages": [
            {"subscriber": "0912000111", "text": "S 0987.654.321 Chuc mung ban trung thuong 100tr, truy cap bit.ly/nhanqua", "message_id": "gw-1"},
            {"subscriber": "0912000112", "text": "v   +84 98 765 4321   goi tu xung cong an", "message_id": "gw-2"},
            {"subscriber": "0912000113", "text": "s VCB-BANK Tai khoan cua ban bi khoa", "message_id": "gw-3"},
            {"subscriber": "0912000114", "text": "X 0987654321 abc", "message_id": "gw-4"},
            {"subscriber": "not a phone", "text": "S 0987654321 abc", "message_id": "gw-5"}
        ]});
        let answer = send(&p.app, json_request("POST", "/v1/intake/sms", &batch, &[("authorization", &telecom)])).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["accepted"], 3);
        assert_eq!(answer.body["refused"], 2);
        let results = answer.body["results"].as_array().unwrap();
        assert_eq!(results[3]["error"]["code"], "invalid_sms_report");
        assert_eq!(results[3]["error"]["field"], "messages[3].text");
        assert_eq!(results[4]["error"]["field"], "messages[4].subscriber");
        let code = results[0]["tracking_code"].as_str().unwrap();
        let police = bearer(&p.keys["police_investigator"]);
        let report = send(&p.app, get(&format!("/v1/partner/reports/{code}"), &[("authorization", &police)])).await;
        assert_eq!(report.body["channel"], "sms_5656");
        assert_eq!(report.body["contacts"][0]["canonical"], "+84987654321");
        assert_eq!(report.body["reporter"]["phone"], "+84912000111");
        // The gateway retries the whole batch: no second report.
        let again = send(&p.app, json_request("POST", "/v1/intake/sms", &batch, &[("authorization", &telecom)])).await;
        assert_eq!(again.body["results"][0]["tracking_code"], code);
        assert_eq!(again.body["results"][0]["replayed"], true);
        assert_eq!(p.store.count_reports().await.unwrap(), 3);
        let bank = bearer(&p.keys["bank_admin"]);
        let forbidden = send(&p.app, json_request("POST", "/v1/intake/sms", &batch, &[("authorization", &bank)])).await;
        assert_error(&forbidden, 403, "forbidden", None);
    }

    pub async fn partners_list_contacts_in_bulk_all_or_nothing(backend: Backend) {
        let p = platform(backend, "listings", EvidenceLimits::default()).await;
        let bank = bearer(&p.keys["bank_admin"]);
        let listings = json!({"listings": [
            {"value": "0011004123456 VCB", "scam_type": "task_scam", "reason": "mule account, 14 victims"},
            {"value": "0987 654 321", "kind": "phone", "scam_type": "impersonation_bank", "reason": "called customers", "expires_at": "2030-01-01"}
        ]});
        let answer =
            send(&p.app, json_request("POST", "/v1/partner/listings", &listings, &[("authorization", &bank)])).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body, json!({"created": 2, "updated": 0}));
        let stored = p.store.listings(Some("bank:970436:0011004123456")).await.unwrap();
        assert_eq!(stored[0].organisation_id, "org-bank");

        let csv = "value,kind,scam_type,reason,expires_at\n0987654321,phone,impersonation_bank,still calling,\nvcb-xacminh.top,,fake_app_website,phishing site,2030-06-01\n";
        let request = Request::post("/v1/partner/listings")
            .header(header::CONTENT_TYPE, "text/csv")
            .header(header::AUTHORIZATION, &bank)
            .body(Body::from(csv))
            .unwrap();
        let answer = send(&p.app, request).await;
        assert_eq!(answer.body, json!({"created": 1, "updated": 1}), "{}", answer.body);

        let bad = json!({"listings": [
            {"value": "0912345678", "scam_type": "task_scam", "reason": "x"},
            {"value": "09x12", "kind": "phone", "scam_type": "task_scam", "reason": "x"}
        ]});
        let refused =
            send(&p.app, json_request("POST", "/v1/partner/listings", &bad, &[("authorization", &bank)])).await;
        assert_error(&refused, 400, "invalid_phone", Some("listings[1].value"));
        let past = json!({"listings": [{"value": "0912345678", "scam_type": "task_scam", "reason": "x", "expires_at": "2001-01-01"}]});
        let refused =
            send(&p.app, json_request("POST", "/v1/partner/listings", &past, &[("authorization", &bank)])).await;
        assert_error(&refused, 400, "invalid_value", Some("listings[0].expires_at"));
        // A control character in a reason (here a terminal escape) is refused, as in a report's narrative.
        let escape =
            json!({"listings": [{"value": "0912345678", "scam_type": "task_scam", "reason": "mule\u{1b}[31m"}]});
        let refused =
            send(&p.app, json_request("POST", "/v1/partner/listings", &escape, &[("authorization", &bank)])).await;
        assert_error(&refused, 400, "invalid_value", Some("listings[0].reason"));
        let bad_csv = Request::post("/v1/partner/listings")
            .header(header::CONTENT_TYPE, "text/csv")
            .header(header::AUTHORIZATION, &bank)
            .body(Body::from("number,why\n0912345678,x\n"))
            .unwrap();
        assert_error(&send(&p.app, bad_csv).await, 400, "invalid_csv", Some("line 1"));
        assert_eq!(p.store.listings(None).await.unwrap().len(), 3, "refused calls listed nothing");
        let anonymous = send(&p.app, json_request("POST", "/v1/partner/listings", &listings, &[])).await;
        assert_error(&anonymous, 401, "unauthenticated", Some("Authorization"));
    }
}

fn multipart(report: &Value, files: &[(&str, &[u8])]) -> Request<Body> {
    let report_bytes = report.to_string().into_bytes();
    let mut parts: Vec<(&str, &str, &[u8])> = vec![("report", "", &report_bytes)];
    parts.extend(files.iter().map(|(name, bytes)| ("files", *name, *bytes)));
    multipart_parts(&parts)
}

fn multipart_parts(parts: &[(&str, &str, &[u8])]) -> Request<Body> {
    let boundary = "canhgiac-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if file_name.is_empty() {
            body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes());
            body.extend_from_slice(b"Content-Type: application/json\r\n\r\n");
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n").as_bytes(),
            );
            body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::post("/v1/reports")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap()
}

macro_rules! on_both_stores {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::scenarios::$scenario(super::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::scenarios::$scenario(super::Backend::Postgres).await;
                }
            )+
        }
    };
}

on_both_stores!(
    a_report_is_received_and_followed_with_its_secret,
    a_retry_with_the_same_idempotency_key_returns_the_first_answer,
    bad_input_gets_a_clear_error_and_writes_nothing,
    evidence_files_are_checked_stripped_and_stored_by_hash,
    keys_and_roles_decide_who_sees_what,
    the_status_lifecycle_is_enforced_and_recorded,
    telecom_gateways_turn_5656_messages_into_reports,
    partners_list_contacts_in_bulk_all_or_nothing,
);
