//! Transfer screening through the whole HTTP stack (no socket), on both stores: decisions answered from memory
//! and written to the store, idempotent replays, freeze requests to the payee's bank, feeds, outcomes that list
//! the payee, rules reloaded without a restart, and every bad input refused with its field.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_evidence::{EvidenceLimits, EvidenceStore};
use canhgiac_secrets::{ApiKey, Keyring};
use canhgiac_server::intake::Intake;
use canhgiac_server::reputation::{build_index, spawn_index_updater};
use canhgiac_server::screen::Screening;
use canhgiac_server::{App, AppState, HttpLimits, app, routes, with_middleware};
use canhgiac_store::{ApiKeyRecord, Organisation, Store};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

struct Platform {
    app: App,
    /// The same routes and middleware as `app`, every request through axum's router: what `App`'s direct route for
    /// `POST /v1/screen/transfer` must answer like.
    routed: axum::Router,
    store: Arc<dyn Store>,
    keys: HashMap<&'static str, String>,
    directory: tempfile::TempDir,
    _database: Option<canhgiac_testkit::TestDatabase>,
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

async fn platform(backend: Backend, test: &str) -> Platform {
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
    let mut keys = HashMap::new();
    for (n, (name, kind, bin, role)) in [
        ("payer_bank", OrganisationKind::Bank, Some("970436"), Role::Reporter),
        ("payee_bank", OrganisationKind::Bank, Some("970418"), Role::Reporter),
        ("police", OrganisationKind::Police, None, Role::Analyst),
        ("telecom", OrganisationKind::Telecom, None, Role::Admin),
        ("admin", OrganisationKind::PlatformAdmin, None, Role::Admin),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("org-{n}");
        store
            .create_organisation(Organisation {
                id: id.clone(),
                name: name.into(),
                kind,
                trust_level: 90,
                created_at: 1,
                bank_bin: bin.map(str::to_string),
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
                role,
                label: name.into(),
                created_at: 1,
                revoked_at: None,
            })
            .await
            .unwrap();
        keys.insert(name, key.expose().to_string());
    }
    let trust = Arc::new(canhgiac_core::trust::trust_directory().clone());
    let index = Arc::new(build_index(&*store, trust).await.unwrap());
    let updates = spawn_index_updater(store.clone(), index.clone());
    let evidence = Arc::new(EvidenceStore::open(directory.path().join("evidence")).unwrap());
    let intake = Intake::new(store.clone(), Arc::new(Keyring::generate()), evidence, EvidenceLimits::default())
        .with_index_updates(updates);
    let (screening, _writer) = Screening::start(directory.path(), store.clone(), index.clone()).await.unwrap();
    let state = AppState::with_intake(directory.path(), HttpLimits::default(), intake)
        .with_index(index)
        .with_screening(screening);
    let routed = with_middleware(routes(&state).with_state(state.clone()), HttpLimits::default());
    let app = app(state);
    Platform { app, routed, store, keys, directory, _database: database }
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
    Answer { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), text }
}

fn request(method: &str, uri: &str, body: Option<&Value>, key: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    match body {
        Some(body) => {
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()
        }
        None => builder.body(Body::empty()).unwrap(),
    }
}

impl Platform {
    async fn call(&self, method: &str, uri: &str, body: Option<&Value>, key: &str) -> Answer {
        send(&self.app, request(method, uri, body, Some(self.keys[key].as_str()))).await
    }

    async fn screen(&self, transfer: &Value) -> Answer {
        self.call("POST", "/v1/screen/transfer", Some(transfer), "payer_bank").await
    }

    /// Waits until the index says `verdict` about `value`.
    async fn check_until(&self, value: &str, verdict: &str) {
        for _ in 0..200 {
            let answer = send(&self.app, request("GET", &format!("/v1/check?q={value}"), None, None)).await;
            if answer.body["verdict"] == verdict {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{value} never became {verdict}");
    }
}

fn transfer(id: &str, payee_account: &str, amount: u64, remark: &str) -> Value {
    json!({
        "transfer_id": id,
        "time": "2026-11-30T10:15:00+07:00",
        "amount": amount,
        "channel": "mobile",
        "payer": {"bank": "VCB", "account": "0011004123456", "customer_since": "2015-03-01"},
        "payee": {"bank": "BIDV", "account": payee_account, "name": "NGUYEN VAN B"},
        "remark": remark
    })
}

fn reason_codes(answer: &Answer) -> Vec<String> {
    answer.body["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_string()).collect()
}

mod scenarios {
    use super::*;

    pub async fn a_confirmed_scam_payee_is_blocked_and_its_bank_gets_a_freeze_request(backend: Backend) {
        let p = platform(backend, "screen_block").await;
        let listing = json!({"listings": [{"value": "bank:970418:21100099887", "scam_type": "impersonation_authority", "reason": "vụ án 45/2026"}]});
        let listed = p.call("POST", "/v1/partner/listings", Some(&listing), "police").await;
        assert_eq!(listed.status.as_u16() / 100, 2, "{}", listed.text);
        p.check_until("bank:970418:21100099887", "confirmed_scam").await;

        let body = transfer("FT-1", "21100099887", 45_000_000, "chuyen tien");
        let first = p.screen(&body).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert_eq!(first.body["decision"], "block");
        assert_eq!(first.body["level"], 3);
        assert_eq!(first.body["score"], 100);
        assert!(reason_codes(&first).contains(&"payee_confirmed_scam".to_string()));
        assert_eq!(first.body["payee"]["verdict"], "confirmed_scam");
        assert_eq!(first.body["scam_type"], "impersonation_authority", "{}", first.text);
        let warning = first.body["customer_warning_vi"].as_str().unwrap();
        assert!(warning.contains("giả danh công an"), "{warning}");
        assert!(first.body["customer_warning_en"].as_str().unwrap().contains("blocked"));
        assert!(first.body["freeze_requested"].as_bool().unwrap());
        assert!(first.body["rules_fired"][0]["inputs"]["payee_verdict"].as_f64().unwrap() >= 4.0);

        // The bank asks again about the same transfer: the same answer, said to be a replay.
        let again = p.screen(&body).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.text, first.text);
        assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");

        // The decision reaches the store; the payee's bank sees the freeze request, the payer's bank does not.
        let organisation = "org-0";
        let mut stored = None;
        for _ in 0..200 {
            stored = p.store.screen_decision(organisation, "FT-1").await.unwrap();
            if stored.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let stored = stored.expect("the decision is stored");
        assert_eq!(stored.body, first.text);
        assert_eq!(stored.decision, "block");
        let freezes = p.call("GET", "/v1/screen/freeze-requests", None, "payee_bank").await;
        assert_eq!(freezes.status, StatusCode::OK, "{}", freezes.text);
        let requests = freezes.body["freeze_requests"].as_array().unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0]["transfer_id"], "FT-1");
        assert_eq!(requests[0]["payee"], "bank:970418:21100099887");
        assert_eq!(requests[0]["state"], "open");
        let own = p.call("GET", "/v1/screen/freeze-requests", None, "payer_bank").await;
        assert!(own.body["freeze_requests"].as_array().unwrap().is_empty());
        let audit = p.call("GET", "/v1/screen/transfers/FT-1", None, "payer_bank").await;
        assert_eq!(audit.body["decision"]["decision_id"], first.body["decision_id"]);
        let other = p.call("GET", "/v1/screen/transfers/FT-1", None, "payee_bank").await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "another bank's transfer ids are its own");
    }

    pub async fn remarks_feeds_and_outcomes_shape_the_decisions(backend: Backend) {
        let p = platform(backend, "screen_signals").await;
        // An ordinary transfer: allowed, nothing to show the customer.
        let plain = p.screen(&transfer("FT-10", "31000000001", 2_000_000, "tien an trua")).await;
        assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
        assert_eq!(plain.body["decision"], "allow");
        assert!(plain.body["customer_warning_vi"].is_null());

        // A pretext in the remark: warned, with the pretext named and the scam type in the warning.
        let pretext =
            p.screen(&transfer("FT-11", "31000000002", 15_000_000, "nop tien bao lanh tai ngoai cho con")).await;
        assert_eq!(pretext.body["decision"], "warn", "{}", pretext.text);
        let codes = reason_codes(&pretext);
        assert!(codes.contains(&"remark_scam_pretext".to_string()), "{codes:?}");
        assert!(codes.contains(&"remark_bail_or_investigation".to_string()), "{codes:?}");
        assert_eq!(pretext.body["scam_type"], "impersonation_authority");
        assert!(pretext.body["customer_warning_vi"].as_str().unwrap().contains("Cảnh báo"));

        // A feed: nine accounts paid one account within the hour; the next payer is warned.
        let feed: Vec<Value> = (0..9)
            .map(|n| {
                json!({"time": format!("2026-11-30T09:{:02}:00+07:00", 30 + n), "amount": 3_000_000,
                       "payer_bank": "ACB", "payer_account": format!("88000{n:04}"),
                       "payee_bank": "BIDV", "payee_account": "31000000003"})
            })
            .collect();
        let fed = p.call("POST", "/v1/screen/feed", Some(&json!({"transfers": feed})), "payee_bank").await;
        assert_eq!(fed.status, StatusCode::OK, "{}", fed.text);
        assert_eq!(fed.body["accepted"], 9);
        let burst = p.screen(&transfer("FT-12", "31000000003", 3_000_000, "")).await;
        assert!(reason_codes(&burst).contains(&"fan_in_burst".to_string()), "{}", burst.text);
        assert_eq!(burst.body["decision"], "allow", "one signal of 35 stays under the warning level: {}", burst.text);

        // The customer went ahead with the plain transfer, which the bank later confirms as fraud: the payee is
        // listed with the bank as its source, and the next transfer to it is stopped.
        for (outcome, note) in [("proceeded", None), ("confirmed_fraud", Some("khách hàng trình báo"))] {
            let body = json!({"transfer_id": "FT-10", "outcome": outcome, "note": note});
            let answer = p.call("POST", "/v1/screen/outcome", Some(&body), "payer_bank").await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }
        p.check_until("bank:970418:31000000001", "suspicious").await;
        let next = p.screen(&transfer("FT-13", "31000000001", 2_000_000, "")).await;
        assert_ne!(next.body["decision"], "allow", "{}", next.text);
        assert!(reason_codes(&next).contains(&"payee_suspicious".to_string()), "{}", next.text);
        let audit = p.call("GET", "/v1/screen/transfers/FT-10", None, "payer_bank").await;
        assert_eq!(audit.body["outcomes"].as_array().unwrap().len(), 2);
        let unknown = p
            .call(
                "POST",
                "/v1/screen/outcome",
                Some(&json!({"transfer_id": "FT-404", "outcome": "cancelled"})),
                "payer_bank",
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.body["field"], "transfer_id");
        // A note is read as a report's reasons are: an escape sequence would reach the operator who reads it.
        let escape = json!({"transfer_id": "FT-10", "outcome": "cancelled", "note": "\u{1b}[2J"});
        let escape = p.call("POST", "/v1/screen/outcome", Some(&escape), "payer_bank").await;
        assert_eq!(escape.status, StatusCode::BAD_REQUEST, "{}", escape.text);
        assert_eq!(
            (escape.body["code"].as_str(), escape.body["field"].as_str()),
            (Some("invalid_value"), Some("note"))
        );
        let audit = p.call("GET", "/v1/screen/transfers/FT-10", None, "payer_bank").await;
        assert_eq!(audit.body["outcomes"].as_array().unwrap().len(), 2, "nothing was recorded");
    }

    pub async fn bad_input_and_wrong_callers_are_refused(backend: Backend) {
        let p = platform(backend, "screen_refusals").await;
        let body = transfer("FT-20", "31000000001", 2_000_000, "");
        let anonymous = send(&p.app, request("POST", "/v1/screen/transfer", Some(&body), None)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let telecom = p.call("POST", "/v1/screen/transfer", Some(&body), "telecom").await;
        assert_eq!(telecom.status, StatusCode::FORBIDDEN);
        // The route's whole middleware stack applies (the server sends it there without routing).
        let bearer = format!("Bearer {}", p.keys["payer_bank"]);
        let wrong_key = send(&p.app, request("POST", "/v1/screen/transfer", Some(&body), Some("cgk_nope"))).await;
        assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED, "{}", wrong_key.text);
        let as_text = Request::post("/v1/screen/transfer")
            .header(header::AUTHORIZATION, &bearer)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body.to_string()))
            .unwrap();
        let as_text = send(&p.app, as_text).await;
        assert_eq!(as_text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", as_text.text);
        assert_eq!(as_text.body["code"], "unsupported_media_type");
        let mut huge = body.clone();
        huge["remark"] = json!("x".repeat(70 * 1024));
        let huge = p.call("POST", "/v1/screen/transfer", Some(&huge), "payer_bank").await;
        assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
        assert_eq!(huge.body["code"], "payload_too_large");
        let read = p.call("GET", "/v1/screen/transfer", None, "payer_bank").await;
        assert_eq!(read.status, StatusCode::METHOD_NOT_ALLOWED, "{}", read.text);
        // Each refusal is the router's, to the byte: status, body and headers.
        let mut negative = body.clone();
        negative["amount"] = json!(-5);
        let refusals: Vec<(&str, Option<String>, &str, String)> = vec![
            ("no key", None, "application/json", body.to_string()),
            ("a malformed key", Some("Bearer cgk_nope".into()), "application/json", body.to_string()),
            ("a telecom's key", Some(format!("Bearer {}", p.keys["telecom"])), "application/json", body.to_string()),
            ("text", Some(bearer.clone()), "text/plain", body.to_string()),
            ("70 KiB", Some(bearer.clone()), "application/json", format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024))),
            ("not JSON", Some(bearer.clone()), "application/json", "{\"transfer_id\":".into()),
            ("a negative amount", Some(bearer.clone()), "application/json", negative.to_string()),
        ];
        for (what, authorization, content_type, text) in refusals {
            let build = || {
                let mut builder = Request::post("/v1/screen/transfer").header(header::CONTENT_TYPE, content_type);
                if let Some(authorization) = &authorization {
                    builder = builder.header(header::AUTHORIZATION, authorization);
                }
                builder.body(Body::from(text.clone())).unwrap()
            };
            let direct = send(&p.app, build()).await;
            let response = p.routed.clone().oneshot(build()).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
            assert_ne!(direct.status, StatusCode::OK, "{what}");
            assert_eq!(direct.status, status, "{what}: {}", direct.text);
            assert_eq!(direct.text, String::from_utf8_lossy(&bytes), "{what}");
            for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
                assert_eq!(direct.headers.get(&name), headers.get(&name), "{what}: {name}");
            }
        }
        assert_eq!(p.call("GET", "/v1/screen/freeze-requests", None, "police").await.status, StatusCode::FORBIDDEN);
        let admin_without_bin = p.call("GET", "/v1/screen/freeze-requests", None, "admin").await;
        assert_eq!(admin_without_bin.status, StatusCode::CONFLICT);

        for (change, code, field) in [
            (json!({"amount": 0}), "invalid_value", "amount"),
            (json!({"amount": -5}), "invalid_type", "amount"),
            (json!({"time": "hôm qua"}), "invalid_value", "time"),
            (json!({"channel": "fax"}), "invalid_value", "channel"),
            (json!({"payee": {"bank": "Ngân hàng Sao Hỏa", "account": "123456"}}), "unknown_bank", "payee.bank"),
            (json!({"payee": {"bank": "BIDV", "account": "12"}}), "invalid_bank_account", "payee.account"),
            (json!({"transfer_id": ""}), "missing_field", "transfer_id"),
            (json!({"colour": "red"}), "unknown_field", "colour"),
        ] {
            let mut bad = body.clone();
            for (name, value) in change.as_object().unwrap() {
                bad[name] = value.clone();
            }
            let answer = p.call("POST", "/v1/screen/transfer", Some(&bad), "payer_bank").await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{change}: {}", answer.text);
            assert_eq!(answer.body["code"], code, "{change}: {}", answer.text);
            assert_eq!(answer.body["field"], field, "{change}: {}", answer.text);
        }

        // A feed with one bad transfer records none of them.
        let feed = json!({"transfers": [
            {"time": 1796004900, "amount": 1000000, "payer_bank": "ACB", "payer_account": "880001", "payee_bank": "BIDV", "payee_account": "31000000009"},
            {"time": 1796004960, "amount": 1000000, "payer_bank": "ACB", "payer_account": "880002", "payee_bank": "BIDV", "payee_account": "1"}
        ]});
        let refused = p.call("POST", "/v1/screen/feed", Some(&feed), "payee_bank").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.body["field"], "transfers[1].payee_account");
        let after = p.screen(&transfer("FT-21", "31000000009", 1_000_000, "")).await;
        assert_eq!(after.body["rules_fired"], json!([]), "nothing of the refused feed was recorded: {}", after.text);
        let empty = p.call("POST", "/v1/screen/feed", Some(&json!({"transfers": []})), "payee_bank").await;
        assert_eq!(empty.body["code"], "empty_input");
    }

    pub async fn rules_reload_without_a_restart_and_a_bad_file_keeps_the_old_rules(backend: Backend) {
        let p = platform(backend, "screen_reload").await;
        let shipped = canhgiac_screen::rules::RuleSet::shipped().version;
        let first = p.screen(&transfer("FT-30", "31000000001", 1_000_000, "")).await;
        assert_eq!(first.body["rules_version"], shipped.as_str());

        let path = p.directory.path().join(canhgiac_screen::rules::RULES_FILE);
        std::fs::write(&path, "version = \"broken\"\n[levels]\nwarn = 10\nstrong_warn = 20\nhold = 30\n[[rules]]\ncode = \"x\"\nwhen = \"amount >\"\nweight = 10\nvi = \"x\"\nen = \"x\"\n").unwrap();
        let refused = p.call("POST", "/v1/screen/rules/reload", None, "admin").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.body["code"], "invalid_rules");
        assert_eq!(refused.body["field"], "rules[0].when");
        let still = p.screen(&transfer("FT-31", "31000000001", 1_000_000, "")).await;
        assert_eq!(still.body["rules_version"], shipped.as_str());

        std::fs::write(&path, "version = \"strict-1\"\n[levels]\nwarn = 10\nstrong_warn = 20\nhold = 30\n[policies.payer_bank]\nmode = \"warn_only\"\n[[rules]]\ncode = \"large\"\nwhen = \"amount >= 50000000\"\nweight = 40\nvi = \"Số tiền lớn: {amount}\"\nen = \"A large amount: {amount}\"\n[[rules]]\ncode = \"trial\"\nwhen = \"amount >= 1000\"\nweight = 5\nshadow = true\nvi = \"thử\"\nen = \"trial\"\n").unwrap();
        assert_eq!(p.call("POST", "/v1/screen/rules/reload", None, "payer_bank").await.status, StatusCode::FORBIDDEN);
        let reloaded = p.call("POST", "/v1/screen/rules/reload", None, "admin").await;
        assert_eq!(reloaded.status, StatusCode::OK, "{}", reloaded.text);
        assert_eq!(reloaded.body["version"], "strict-1");
        let large = p.screen(&transfer("FT-32", "31000000005", 60_000_000, "")).await;
        assert_eq!(large.body["rules_version"], "strict-1");
        // Level 3 under a warn-only policy (the organisation is named in the file) only warns.
        assert_eq!(
            (large.body["level"].as_u64(), large.body["decision"].as_str()),
            (Some(3), Some("warn")),
            "{}",
            large.text
        );
        assert_eq!(large.body["policy"], "warn_only");
        assert_eq!(large.body["reasons"][0]["vi"], "Số tiền lớn: 60.000.000 ₫");
        // The shadow rule is recorded with what it would have done, and did not act.
        assert_eq!(large.body["shadow"]["rules_fired"][0]["code"], "trial");
        assert_eq!(large.body["shadow"]["score"], 45);
        assert_eq!(large.body["score"], 40);
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
    a_confirmed_scam_payee_is_blocked_and_its_bank_gets_a_freeze_request,
    remarks_feeds_and_outcomes_shape_the_decisions,
    bad_input_and_wrong_callers_are_refused,
    rules_reload_without_a_restart_and_a_bad_file_keeps_the_old_rules,
);
