//! The OpenAPI document (`crates/server/openapi.json`, served at `/openapi.json`) against the code: it is valid
//! JSON of OpenAPI 3.1 whose every `$ref` resolves, it documents exactly the routes `routes.rs` registers, its
//! security matches `PARTNER_ROUTES`, its error codes are `ErrorCode::ALL`, and live answers have what its
//! schemas require.
//!
//! No JSON Schema crate: the checker below handles what the document uses (`$ref`, `type`, `required`,
//! `properties`, `additionalProperties: false`, `items`, `enum`, `const`, `allOf`, `anyOf`, `oneOf`).

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use canhgiac_core::ErrorCode;
use canhgiac_server::{App, AppState, PARTNER_ROUTES, app as whole_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::send;

const DOCUMENT: &str = include_str!("../openapi.json");
const ROUTES_SOURCE: &str = include_str!("../src/routes.rs");

/// The methods OpenAPI names as keys of a path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is valid JSON")
}

// ---- (a) the document itself ----

/// Follows a local JSON pointer (`#/components/schemas/Error`).
fn resolve_pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Every `$ref` in `value`, with where it is.
fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref"
                    && let Some(target) = child.as_str()
                {
                    out.push((at.to_string(), target.to_string()));
                }
                collect_refs(child, &format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_and_every_ref_resolves() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "canhgiac");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["license"]["identifier"], "AGPL-3.0-or-later");
    assert_eq!(doc["servers"], json!([{"url": "/", "description": "This server."}]));

    let mut refs = Vec::new();
    collect_refs(&doc, "#", &mut refs);
    assert!(refs.len() > 100, "the document uses components: {} refs", refs.len());
    let unresolved: Vec<String> = refs
        .iter()
        .filter(|(_, target)| !target.starts_with("#/") || resolve_pointer(&doc, target).is_none())
        .map(|(at, target)| format!("{at}: {target}"))
        .collect();
    assert!(unresolved.is_empty(), "unresolved $ref:\n{}", unresolved.join("\n"));

    // Every operation: an id, a known tag, a summary, a description and responses.
    let tags: BTreeSet<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        tags,
        BTreeSet::from(["identifiers", "reports", "partner", "check", "analyzer", "appeals", "screening", "meta"])
    );
    let mut ids = BTreeSet::new();
    for (path, method, operation) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        assert!(ids.insert(operation["operationId"].as_str().unwrap_or_else(|| panic!("{name}: operationId"))));
        for tag in operation["tags"].as_array().unwrap_or_else(|| panic!("{name}: tags")) {
            assert!(tags.contains(tag.as_str().unwrap()), "{name}: unknown tag {tag}");
        }
        assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
        assert!(operation["description"].as_str().is_some_and(|s| !s.is_empty()), "{name}: description");
        let responses = operation["responses"].as_object().unwrap_or_else(|| panic!("{name}: responses"));
        assert!(responses.keys().any(|status| status.starts_with('2')), "{name}: a success response");
        // Path parameters are declared.
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let parameter = segment.trim_start_matches('{').trim_end_matches('}');
            let declared = operation["parameters"].as_array().into_iter().flatten().any(|p| {
                let p = resolve_ref(&doc, p);
                p["in"] == "path" && p["name"] == parameter && p["required"] == true
            });
            assert!(declared, "{name}: path parameter {parameter} is not declared");
        }
    }
}

#[test]
fn the_error_schema_lists_every_stable_error_code() {
    let doc = document();
    let documented: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let actual: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(documented, actual, "components/schemas/ErrorCode must list ErrorCode::ALL");
    let types: BTreeSet<String> = doc["components"]["schemas"]["ErrorType"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    for code in ErrorCode::ALL {
        let category = serde_json::to_value(code.category()).unwrap();
        assert!(types.contains(category.as_str().unwrap()), "{code}: type {category} is not documented");
    }
    let required = &doc["components"]["schemas"]["Error"]["required"];
    assert_eq!(*required, json!(["code", "message", "message_vi", "field", "type"]));
}

// ---- (b) the routes ----

/// The line up to a `//` comment that is not inside a string literal.
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let mut previous_slash = false;
    for (at, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if previous_slash => return &line[..at - 1],
            _ => {}
        }
        previous_slash = c == '/';
    }
    line
}

/// `(path, method)` for every `.route("PATH", get(..).post(..))` call in `routes.rs`.
fn registered_routes(source: &str) -> BTreeSet<(String, String)> {
    // Comments may mention routes; only code counts.
    let code: String = source.lines().map(without_comment).collect::<Vec<_>>().join("\n");
    let bytes = code.as_bytes();
    let mut routes = BTreeSet::new();
    let mut from = 0;
    while let Some(found) = code[from..].find(".route(") {
        let start = from + found + ".route(".len();
        from = start;
        let rest = code[start..].trim_start();
        let Some(literal) = rest.strip_prefix('"') else { continue };
        let path = &literal[..literal.find('"').expect("a closed string literal")];
        // The call's arguments: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut end = start;
        while depth > 0 {
            match bytes[end] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            end += 1;
        }
        let arguments = &code[start..end - 1];
        let mut methods = 0;
        for method in METHODS.iter().chain(["any"].iter()) {
            let needle = format!("{method}(");
            let mut at = 0;
            while let Some(position) = arguments[at..].find(&needle) {
                let absolute = at + position;
                let before = arguments[..absolute].chars().next_back();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    assert_ne!(*method, "any", "{path}: `any(..)` cannot be documented method by method");
                    routes.insert((path.to_string(), method.to_string()));
                    methods += 1;
                }
                at = absolute + needle.len();
            }
        }
        assert!(methods > 0, "cannot read the methods of route {path}: {arguments}");
    }
    routes
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, operation) in item.as_object().expect("a path item") {
            if METHODS.contains(&key.as_str()) {
                out.push((path.clone(), key.clone(), operation));
            }
        }
    }
    out
}

#[test]
fn the_route_reader_reads_chained_methods() {
    let source = r#"
        // .route("/commented", get(nothing))
        let small = Router::new()
            .route("/a", get(a))
            .route("/b/{id}", post(reports::b).get(c::budget))
            .route("/c",
                axum::routing::get(h).delete(d)) // trailing comment .route("/x", get(y))
            .route_layer(layer);
    "#;
    let routes = registered_routes(source);
    let expected: BTreeSet<(String, String)> =
        [("/a", "get"), ("/b/{id}", "post"), ("/b/{id}", "get"), ("/c", "get"), ("/c", "delete")]
            .iter()
            .map(|(p, m)| (p.to_string(), m.to_string()))
            .collect();
    assert_eq!(routes, expected);
}

#[test]
fn every_registered_route_is_documented_and_nothing_else() {
    let doc = document();
    let registered = registered_routes(ROUTES_SOURCE);
    assert!(registered.len() >= 25, "read {} routes from routes.rs: {registered:?}", registered.len());
    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(p, m, _)| (p, m)).collect();
    let undocumented: Vec<String> =
        registered.difference(&documented).map(|(p, m)| format!("{} {p}", m.to_uppercase())).collect();
    let stale: Vec<String> =
        documented.difference(&registered).map(|(p, m)| format!("{} {p}", m.to_uppercase())).collect();
    assert!(
        undocumented.is_empty(),
        "routes registered in crates/server/src/routes.rs but not documented in crates/server/openapi.json: {}",
        undocumented.join(", ")
    );
    assert!(
        stale.is_empty(),
        "routes documented in crates/server/openapi.json that crates/server/src/routes.rs does not register: {}",
        stale.join(", ")
    );
}

#[test]
fn partner_routes_and_only_they_require_a_key() {
    let doc = document();
    let partner: BTreeSet<(String, String)> =
        PARTNER_ROUTES.iter().map(|(method, path, _)| (path.to_string(), method.as_str().to_lowercase())).collect();
    for (path, method, operation) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let requirements = operation["security"].as_array().cloned().unwrap_or_default();
        // An empty requirement object means "no key needed" (the key is optional).
        let key_optional = requirements.is_empty() || requirements.iter().any(|r| r == &json!({}));
        if partner.contains(&(path.clone(), method.clone())) {
            assert!(!key_optional, "{name} needs an API key (PARTNER_ROUTES) but the document does not say so");
            assert!(operation["x-canhgiac-action"].is_string(), "{name}: x-canhgiac-action");
            assert!(operation["responses"]["401"].is_object(), "{name}: 401");
            assert!(operation["responses"]["403"].is_object(), "{name}: 403");
        } else {
            assert!(key_optional, "{name} is public but the document requires a key");
            assert!(operation.get("x-canhgiac-action").is_none(), "{name} is public");
        }
        for requirement in &requirements {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(doc["components"]["securitySchemes"][scheme].is_object(), "{name}: scheme {scheme}");
            }
        }
    }
    assert_eq!(doc["components"]["securitySchemes"]["apiKeyHeader"]["name"], "X-API-Key");
    assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
}

// ---- (c) served ----

fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    (whole_app(AppState::new(dir.path())), dir)
}

fn request(method: Method, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match body {
        Some(body) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

#[tokio::test]
async fn get_openapi_json_serves_the_document() {
    let (app, _dir) = app();
    let answer = send(app, request(Method::GET, "/openapi.json", None)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(answer.headers[header::CACHE_CONTROL], "public, max-age=300");
    assert_eq!(answer.body, document());
}

// ---- (d) live answers against their schemas ----

fn resolve_ref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        value = resolve_pointer(doc, reference).unwrap_or_else(|| panic!("unresolved {reference}"));
    }
    value
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown type {other} in the document"),
    }
}

/// Checks `value` against `schema`, pushing what does not hold to `errors` (with its JSON path).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve_ref(doc, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(doc, part, value, at, errors);
        }
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
            let matching = options
                .iter()
                .filter(|option| {
                    let mut inner = Vec::new();
                    check(doc, option, value, at, &mut inner);
                    inner.is_empty()
                })
                .count();
            let fine = if keyword == "oneOf" { matching == 1 } else { matching >= 1 };
            if !fine {
                errors.push(format!("{at}: {matching} of the {keyword} options match {value}"));
            }
        }
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => panic!("{at}: a type is a string or an array"),
        };
        if !names.iter().any(|name| type_matches(name, value)) {
            errors.push(format!("{at}: {value} is not of type {types}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {}", Value::Array(allowed.clone())));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        errors.push(format!("{at}: {value} is not {constant}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                errors.push(format!("{at}: the required property `{name}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, child) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => check(doc, property, child, &format!("{at}.{name}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: the property `{name}` is not allowed"))
                }
                None => {
                    if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                        check(doc, extra, child, &format!("{at}.{name}"), errors);
                    }
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (index, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{index}]"), errors);
        }
    }
}

/// The schema the document gives for `method path`'s `status` answer in JSON.
fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = operation["responses"]
        .get(status.to_string())
        .or_else(|| operation["responses"].get("default"))
        .unwrap_or_else(|| panic!("{method} {path}: no {status} response"));
    let response = resolve_ref(doc, response);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} {status}: no JSON schema");
    schema
}

/// Sends the request and checks the answer against the document.
async fn assert_answer_matches(method: Method, path_template: &str, uri: &str, body: Option<Value>, status: u16) {
    let doc = document();
    let (app, _dir) = app();
    let answer = send(app, request(method.clone(), uri, body)).await;
    assert_eq!(answer.status.as_u16(), status, "{method} {uri}: {}", answer.body);
    let method = method.as_str().to_lowercase();
    let schema = response_schema(&doc, path_template, &method, status);
    let mut errors = Vec::new();
    check(&doc, schema, &answer.body, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{} {uri} {status} does not match the document:\n{}\n{}",
        method.to_uppercase(),
        errors.join("\n"),
        answer.body
    );
}

#[tokio::test]
async fn a_check_answer_has_everything_the_document_requires() {
    assert_answer_matches(Method::GET, "/v1/check", "/v1/check?q=0912345678", None, 200).await;
    // An official hotline (from the compiled-in trust directory) and a look-alike link.
    assert_answer_matches(Method::GET, "/v1/check", "/v1/check?q=1900545413", None, 200).await;
    assert_answer_matches(
        Method::GET,
        "/v1/check",
        "/v1/check?q=https%3A%2F%2Fvietcombank-xacminh.com%2Fdang-nhap",
        None,
        200,
    )
    .await;
}

#[tokio::test]
async fn error_answers_have_the_error_shape() {
    assert_answer_matches(Method::GET, "/v1/check", "/v1/check", None, 400).await;
    assert_answer_matches(Method::GET, "/v1/check", "/v1/check?q=not%20a%20contact", None, 400).await;
    assert_answer_matches(Method::POST, "/v1/identifiers/parse", "/v1/identifiers/parse", Some(json!({})), 400).await;
    assert_answer_matches(
        Method::POST,
        "/v1/identifiers/parse",
        "/v1/identifiers/parse",
        Some(json!({"value": "0912345678", "knd": "phone"})),
        400,
    )
    .await;
    assert_answer_matches(Method::GET, "/v1/partner/reports", "/v1/partner/reports", None, 401).await;
    assert_answer_matches(Method::POST, "/v1/check/batch", "/v1/check/batch", Some(json!({"values": []})), 401).await;
    assert_answer_matches(Method::GET, "/v1/range/{prefix}", "/v1/range/xyz", None, 400).await;
    // Without a store: 503 in the same shape.
    assert_answer_matches(
        Method::POST,
        "/v1/appeals",
        "/v1/appeals",
        Some(json!({"value": "0912345678", "reason": "Số của cửa hàng tôi, bị báo cáo nhầm."})),
        503,
    )
    .await;
}

#[tokio::test]
async fn other_public_answers_match_their_schemas() {
    assert_answer_matches(Method::GET, "/healthz", "/healthz", None, 200).await;
    assert_answer_matches(
        Method::POST,
        "/v1/identifiers/parse",
        "/v1/identifiers/parse",
        Some(json!({"value": "0011004123456", "kind": "bank_account"})),
        400,
    )
    .await;
    assert_answer_matches(
        Method::POST,
        "/v1/identifiers/parse",
        "/v1/identifiers/parse",
        Some(json!({"value": "0912 345 678"})),
        200,
    )
    .await;
    assert_answer_matches(
        Method::POST,
        "/v1/identifiers/extract",
        "/v1/identifiers/extract",
        Some(json!({"text": "Chuyển khoản vào STK 0011004123456 Vietcombank, gọi 0912345678 hoặc vào https://vcb-xacminh.com/login"})),
        200,
    )
    .await;
    assert_answer_matches(
        Method::POST,
        "/v1/analyze",
        "/v1/analyze",
        Some(json!({
            "text": "[BoCongAn] Ong/ba co ho so vi pham, truy cap http://bocongan-gov.top/xac-minh de xac minh trong 24h",
            "sender": "0912345678",
            "channel": "sms"
        })),
        200,
    )
    .await;
}

#[test]
fn the_checker_finds_what_is_missing_or_wrong() {
    let doc = document();
    let schema = json!({"$ref": "#/components/schemas/Error"});
    let mut errors = Vec::new();
    check(&doc, &schema, &json!({"code": "no_such_code", "message": 5}), "$", &mut errors);
    let text = errors.join("\n");
    assert!(text.contains("`message_vi` is missing"), "{text}");
    assert!(text.contains("no_such_code"), "{text}");
    assert!(text.contains("$.message: 5 is not of type"), "{text}");
    let mut errors = Vec::new();
    let request = json!({"$ref": "#/components/schemas/ParseRequest"});
    check(&doc, &request, &json!({"value": "x", "knd": "phone"}), "$", &mut errors);
    assert_eq!(errors, ["$: the property `knd` is not allowed"]);
}

#[test]
fn request_examples_match_their_schemas() {
    let doc = document();
    let mut errors = Vec::new();
    for (path, method, operation) in operations(&doc) {
        let mut media: Vec<(String, &Value)> = Vec::new();
        if let Some(content) = operation["requestBody"]["content"].as_object() {
            media.extend(content.iter().map(|(ct, m)| (format!("request {ct}"), m)));
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            if let Some(content) = resolve_ref(&doc, response)["content"].as_object() {
                media.extend(content.iter().map(|(ct, m)| (format!("{status} {ct}"), m)));
            }
        }
        for (which, media) in media {
            let Some(schema) = media.get("schema") else { continue };
            let mut examples: Vec<&Value> = media.get("example").into_iter().collect();
            if let Some(named) = media["examples"].as_object() {
                examples.extend(named.values().map(|e| &e["value"]));
            }
            for example in examples {
                check(&doc, schema, example, &format!("{} {path} {which}", method.to_uppercase()), &mut errors);
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for example in schema["examples"].as_array().into_iter().flatten() {
            check(&doc, schema, example, &format!("components/schemas/{name}"), &mut errors);
        }
    }
    assert!(errors.is_empty(), "examples that do not match their schemas:\n{}", errors.join("\n"));
}
