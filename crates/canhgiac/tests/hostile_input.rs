//! Every operation the OpenAPI document describes, sent hostile input through the real server: bodies with each
//! field replaced by a value of the wrong type, out of range, huge, empty or strange; bodies that are not JSON at
//! all; odd path and query values; with no key and with keys of two kinds of organisation. Every answer must be a
//! success or a refusal in the API's error shape (`code`, `message`, `message_vi`), never a 5xx, and the server
//! must log no panic. The routes' own tests check what each refusal says; this one guards the routes no test
//! thought of, and the routes added later. It also holds every body to two conventions: an object sent as the array
//! of its values is never taken, and an optional string field sent blank is taken or refused as when it is left out.

mod support;

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{Place, Server, agent};

/// Values put in place of a field: wrong types, limits, empty, long, control and astral characters, injection
/// attempts, deep nesting.
fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e308),
        json!(-0.5),
        json!(""),
        json!(" "),
        json!("x".repeat(20_000)),
        json!("\u{0}\u{1b}[31m\u{200b}"),
        json!("𝕏🙂".repeat(40)),
        json!("' OR 1=1 --"),
        json!("<script>alert(1)</script>"),
        json!("9".repeat(400)),
        json!("2026-13-45T99:99:99Z"),
        json!([]),
        json!({}),
        json!([[[[[[[[[[[]]]]]]]]]]]),
        json!({"a": {"b": {"c": [1, "x", null]}}}),
    ]
}

/// Bodies that are not the JSON the route reads.
fn hostile_raw_bodies(valid: &[u8]) -> Vec<Vec<u8>> {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let mut trailing = valid.to_vec();
    trailing.extend_from_slice(b" garbage");
    vec![
        Vec::new(),
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"x\"".to_vec(),
        b"{\"a\":1,\"a\":2}".to_vec(),
        deep.into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        trailing,
        valid[..valid.len() / 2].to_vec(),
    ]
}

fn resolve<'a>(document: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        schema = document.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null);
    }
    schema
}

/// A plausible value of `schema`: its example when it has one, else one built from its type.
fn sample(document: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(document, schema);
    if depth > 6 {
        return Value::Null;
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(choice).and_then(Value::as_array).and_then(|c| c.first()) {
            return sample(document, first, depth + 1);
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut object = Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(document, part, depth + 1) {
                object.extend(fields);
            }
        }
        return Value::Object(object);
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null"),
        Some(Value::String(kind)) => kind.as_str(),
        _ if schema.get("properties").is_some() => "object",
        _ => "null",
    };
    match kind {
        "object" => Value::Object(
            schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| {
                    properties.iter().map(|(name, field)| (name.clone(), sample(document, field, depth + 1))).collect()
                })
                .unwrap_or_default(),
        ),
        "array" => json!([sample(document, schema.get("items").unwrap_or(&Value::Null), depth + 1)]),
        "string" => json!("x"),
        "integer" => json!(1),
        "number" => json!(1.5),
        "boolean" => json!(true),
        _ => Value::Null,
    }
}

/// The body with the value at each field (top level, and one level into objects and the first element of arrays)
/// replaced by each hostile value, with the value.
fn field_mutations(body: &Value) -> Vec<(Value, Value)> {
    let mut bodies = Vec::new();
    let Value::Object(fields) = body else { return bodies };
    for (name, value) in fields {
        for hostile in hostile_values() {
            let mut changed = body.clone();
            changed[name] = hostile.clone();
            bodies.push((changed, hostile.clone()));
            let inner: Vec<String> = match value {
                Value::Object(inner) => inner.keys().cloned().collect(),
                Value::Array(items) => {
                    items.first().and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            for inner_name in inner {
                let mut changed = body.clone();
                match &mut changed[name] {
                    Value::Array(items) => items[0][&inner_name] = hostile.clone(),
                    object => object[&inner_name] = hostile.clone(),
                }
                bodies.push((changed, hostile.clone()));
            }
        }
    }
    bodies
}

/// The body with each object inside it (one level down, and the first element of arrays) given as the array of its
/// values, a form serde would read as the struct: the API takes objects only.
fn objects_as_arrays(body: &Value) -> Vec<Value> {
    let mut bodies = Vec::new();
    let Value::Object(fields) = body else { return bodies };
    let as_array = |object: &Map<String, Value>| Value::Array(object.values().cloned().collect());
    for (name, value) in fields {
        let mut changed = body.clone();
        match value {
            Value::Object(object) if !object.is_empty() => changed[name] = as_array(object),
            Value::Array(items) => match items.first() {
                Some(Value::Object(object)) if !object.is_empty() => changed[name][0] = as_array(object),
                _ => continue,
            },
            _ => continue,
        }
        bodies.push(changed);
    }
    bodies
}

/// For each optional string field of `body` (top level, and one level into objects), the body with it blank and
/// the body without it, with the field's name.
fn blank_and_absent(document: &Value, schema: &Value, body: &Value) -> Vec<(Value, Value, String)> {
    let optional = |schema: &Value| -> Vec<String> {
        let schema = resolve(document, schema);
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let properties = schema["properties"].as_object().into_iter().flatten();
        properties.filter(|(name, _)| !required.contains(&name.as_str())).map(|(name, _)| name.clone()).collect()
    };
    let mut bodies = Vec::new();
    let Value::Object(fields) = body else { return bodies };
    for name in optional(schema) {
        if fields.get(&name).is_some_and(Value::is_string) {
            let (mut blank, mut absent) = (body.clone(), body.clone());
            blank[&name] = json!("");
            absent.as_object_mut().unwrap().remove(&name);
            bodies.push((blank, absent, name.clone()));
        }
    }
    for (name, value) in fields {
        let Value::Object(inner) = value else { continue };
        let inner_schema = &resolve(document, schema)["properties"][name];
        for inner_name in optional(inner_schema) {
            if inner.get(&inner_name).is_some_and(Value::is_string) {
                let (mut blank, mut absent) = (body.clone(), body.clone());
                blank[name][&inner_name] = json!("  ");
                absent[name].as_object_mut().unwrap().remove(&inner_name);
                bodies.push((blank, absent, format!("{name}.{inner_name}")));
            }
        }
    }
    bodies
}

struct Operation {
    method: String,
    path: String,
    path_parameters: Vec<String>,
    query_parameters: Vec<String>,
    /// (content type, a plausible body, the body's schema)
    bodies: Vec<(String, Value, Value)>,
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let parameters: Vec<&Value> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|parameter| resolve(document, parameter))
                .collect();
            let named = |place: &str| -> Vec<String> {
                parameters
                    .iter()
                    .filter(|p| p["in"] == place)
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            };
            let bodies = resolve(document, &operation["requestBody"])["content"]
                .as_object()
                .map(|content| {
                    content
                        .iter()
                        .map(|(content_type, media)| {
                            let body = media
                                .get("example")
                                .cloned()
                                .unwrap_or_else(|| sample(document, media.get("schema").unwrap_or(&Value::Null), 0));
                            let schema = resolve(document, media.get("schema").unwrap_or(&Value::Null)).clone();
                            (content_type.clone(), body, schema)
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                path_parameters: named("path"),
                query_parameters: named("query"),
                bodies,
            });
        }
    }
    operations
}

/// Every refusal the test saw, by status, and what broke the rules.
#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, usize>,
    problems: Vec<String>,
    /// Optional fields sent blank and left out.
    blank_fields: usize,
}

impl Tally {
    /// Sends one request and checks its answer; its status, when one came.
    fn send(
        &mut self,
        agent: &ureq::Agent,
        method: &str,
        url: &str,
        key: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> Option<u16> {
        let answer = (|| -> Result<(u16, String), ureq::Error> {
            let mut response = match body {
                Some((content_type, bytes)) => {
                    let mut request = agent.post(url).header("Content-Type", content_type);
                    if let Some(key) = key {
                        request = request.header("Authorization", format!("Bearer {key}"));
                    }
                    request.send(bytes)?
                }
                None => {
                    let mut request = agent.get(url);
                    if let Some(key) = key {
                        request = request.header("Authorization", format!("Bearer {key}"));
                    }
                    request.call()?
                }
            };
            let status = response.status().as_u16();
            Ok((status, response.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default()))
        })();
        let shown = |bytes: &[u8]| String::from_utf8_lossy(&bytes[..bytes.len().min(160)]).into_owned();
        let sent = body.map(|(_, bytes)| shown(bytes)).unwrap_or_default();
        match answer {
            Err(error) => {
                self.problems.push(format!("{method} {url} [{sent}]: no answer: {error}"));
                None
            }
            Ok((status, text)) => {
                *self.statuses.entry(status).or_default() += 1;
                if status >= 500 {
                    self.problems.push(format!("{method} {url} [{sent}]: {status} {}", shown(text.as_bytes())));
                } else if status >= 400 {
                    let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let shaped = ["code", "message", "message_vi"].iter().all(|field| error[*field].is_string());
                    if !shaped {
                        self.problems.push(format!(
                            "{method} {url} [{sent}]: {status} not in the error shape: {}",
                            shown(text.as_bytes())
                        ));
                    }
                }
                Some(status)
            }
        }
    }
}

#[test]
fn every_documented_operation_refuses_hostile_input_in_the_error_shape_and_never_fails() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path().join("data"), None);
    let bank_key = place.bank_key("Ngân hàng thử", "VCB", "admin");
    let police_key = place.partner_key("Công an thử", "police", "admin");
    let log = directory.path().join("server.log");
    let server = Server::start(&place, &log, "info");
    let agent = agent(Duration::from_secs(30));
    let document: Value = serde_json::from_str(
        &support::get(&agent, &server.url("/openapi.json"), &[]).expect("the document is served").text,
    )
    .expect("the document is JSON");

    let odd_segments = ["x", "0", "..", "%2e%2e%2f", "%00", &"9".repeat(300), "%F0%9F%99%82", "-1", "a%20b"];
    let odd_query_values =
        ["", &"x".repeat(5_000), "-1", "99999999999999999999", "%F0%9F%99%82", "%00", "1e9", "true", "%FF"];
    let mut tally = Tally::default();
    let operations = operations(&document);
    assert!(operations.len() >= 20, "the document lists {} operations", operations.len());
    for operation in &operations {
        let path_with = |segment: &str| {
            operation
                .path_parameters
                .iter()
                .fold(operation.path.clone(), |path, name| path.replace(&format!("{{{name}}}"), segment))
        };
        for key in [None, Some(bank_key.as_str()), Some(police_key.as_str())] {
            let first_body =
                operation.bodies.first().map(|(content_type, body, _)| (content_type.as_str(), body.to_string()));
            let first_body = first_body.as_ref().map(|(content_type, text)| (*content_type, text.as_bytes()));
            if !operation.path_parameters.is_empty() {
                for segment in odd_segments {
                    tally.send(&agent, &operation.method, &server.url(&path_with(segment)), key, first_body);
                }
            }
            let path = path_with("x");
            for name in &operation.query_parameters {
                for value in odd_query_values {
                    tally.send(
                        &agent,
                        &operation.method,
                        &server.url(&format!("{path}?{name}={value}")),
                        key,
                        first_body,
                    );
                }
            }
            for (content_type, body, schema) in &operation.bodies {
                let valid = body.to_string();
                let valid_status = tally.send(
                    &agent,
                    &operation.method,
                    &server.url(&path),
                    key,
                    Some((content_type, valid.as_bytes())),
                );
                if content_type == "application/json" && valid_status.is_some_and(|status| status < 300) {
                    // A blank optional field counts as absent: sent blank, it is taken or refused as when left out.
                    for (blank, absent, field) in blank_and_absent(&document, schema, body) {
                        tally.blank_fields += 1;
                        let mut accepted = [blank, absent].map(|body| {
                            let text = body.to_string();
                            let url = server.url(&path);
                            tally.send(&agent, &operation.method, &url, key, Some((content_type, text.as_bytes())))
                        });
                        accepted.iter_mut().for_each(|status| *status = status.map(|status| (status < 300) as u16));
                        if accepted[0] != accepted[1] {
                            tally.problems.push(format!(
                                "{} {path}: {field} blank and absent answered differently (accepted: {accepted:?})",
                                operation.method
                            ));
                        }
                    }
                }
                for raw in hostile_raw_bodies(valid.as_bytes()) {
                    tally.send(&agent, &operation.method, &server.url(&path), key, Some((content_type, &raw)));
                }
                if content_type == "application/json" {
                    for changed in objects_as_arrays(body) {
                        let text = changed.to_string();
                        let status = tally.send(
                            &agent,
                            &operation.method,
                            &server.url(&path),
                            key,
                            Some((content_type, text.as_bytes())),
                        );
                        if status.is_some_and(|status| status < 300) {
                            tally.problems.push(format!(
                                "{} {path}: read an object from an array in {text:.200}",
                                operation.method
                            ));
                        }
                    }
                    for (changed, hostile) in field_mutations(body) {
                        let text = changed.to_string();
                        let url = server.url(&path);
                        let status =
                            tally.send(&agent, &operation.method, &url, key, Some((content_type, text.as_bytes())));
                        // Every number the API takes has a range: a number no field could mean is refused.
                        let absurd =
                            hostile == json!(u64::MAX) || hostile == json!(i64::MIN) || hostile == json!(1e308);
                        if absurd && status.is_some_and(|status| status < 300) {
                            tally
                                .problems
                                .push(format!("{} {path}: accepted {hostile} in {text:.200}", operation.method));
                        }
                    }
                }
            }
        }
    }
    let sent: usize = tally.statuses.values().sum();
    eprintln!(
        "{sent} requests to {} operations; answers by status: {:?}; {} optional fields sent blank and absent",
        operations.len(),
        tally.statuses,
        tally.blank_fields
    );
    assert!(tally.blank_fields >= 15, "{} optional fields were sent blank and absent", tally.blank_fields);
    assert!(
        tally.problems.is_empty(),
        "{} answers broke the rules:\n{}",
        tally.problems.len(),
        tally.problems.join("\n")
    );
    // Refusals were made by the routes themselves, not only by authentication.
    assert!(tally.statuses.get(&400).copied().unwrap_or(0) > sent / 4, "{:?}", tally.statuses);
    let log_text = server.log_text();
    assert!(!log_text.contains("panicked"), "the server logged a panic:\n{log_text}");
}
