//! `canhgiac analyze`, `train-analyzer` and `eval-analyzer`, as people and operators run them: one message, bulk
//! JSON Lines, the same JSON as `POST /v1/analyze`, a model trained from a corpus and measured.

mod support;

use serde_json::{Value, json};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;
use support::{Place, Server, agent, stderr};

/// `canhgiac <args>` for the commands that need no data directory.
fn tool(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_canhgiac")).args(args).stdin(Stdio::null()).output().unwrap()
}

#[track_caller]
fn tool_ok(args: &[&str]) -> String {
    let output = tool(args);
    assert!(output.status.success(), "canhgiac {args:?} failed ({}): {}", output.status, stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

const SCAM: &str = "Vietcombank thong bao: tai khoan cua quy khach se bi KHOA trong 24h. Vui long dang nhap \
                    https://vietcombank-xacthuc.top de xac thuc va cung cap ma OTP.";
const OTP: &str = "Ma OTP cua Quy khach la 482913, hieu luc 3 phut. Vietcombank KHONG BAO GIO yeu cau cung cap OTP. \
                   Tuyet doi khong chia se ma nay cho bat ky ai.";

#[test]
fn analyze_explains_a_message_in_json_and_for_people() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let scam = json_of(&place.run_ok(&["analyze", "--json", "--sender", "0912345678", "--channel", "sms", SCAM]));
    assert_eq!(scam["verdict"], "scam", "{scam:#}");
    assert!(scam["scam_probability"].as_f64().unwrap() >= 0.85, "{scam:#}");
    assert_eq!(scam["channel"], "sms");
    assert_eq!(scam["sender_kind"], "personal_number");
    let codes: Vec<&str> = scam["red_flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    for expected in ["impersonate_bank", "credential_request", "lookalike_domain", "threat"] {
        assert!(codes.contains(&expected), "{expected} missing from {codes:?}");
    }
    assert_eq!(scam["scam_types"][0]["code"], "impersonation_bank", "{scam:#}");
    // The contact in the message is checked against the data directory's index: a look-alike of Vietcombank.
    let link = &scam["identifiers"][0];
    assert_eq!(link["kind"], "url");
    assert_eq!(link["check"]["imitates"]["brand"], "Vietcombank", "{link:#}");
    assert!(!scam["advice"].as_array().unwrap().is_empty());
    // Every span points at the words in the original text.
    let chars: Vec<char> = SCAM.chars().collect();
    for flag in scam["red_flags"].as_array().unwrap() {
        for span in flag["spans"].as_array().unwrap() {
            let (start, end) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
            assert!(start < end && end <= chars.len(), "{flag}");
        }
    }

    let otp = json_of(&place.run_ok(&["analyze", "--json", "--sender", "Vietcombank", OTP]));
    assert_eq!(otp["verdict"], "safe", "{otp:#}");
    assert!(otp["scam_types"].as_array().unwrap().is_empty());

    let human = place.run_ok(&["analyze", "--no-contacts", SCAM]);
    assert!(human.contains("LỪA ĐẢO") && human.contains("«"), "{human}");

    for bad in [&["analyze", "--channel", "pigeon", "hello"][..], &["analyze", "   "][..]] {
        let refused = place.run(bad);
        assert_eq!(refused.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&refused).starts_with("error["), "{}", stderr(&refused));
    }
}

#[test]
fn analyze_jsonl_answers_every_line_in_order_and_names_bad_lines() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let input = format!(
        "{}\n{}\nnot json\n\n{}\n{}\n{}\n{}\n",
        json!({"text": SCAM, "sender": "0912345678"}),
        json!({"text": OTP, "sender": "Vietcombank", "channel": "sms"}),
        json!({"text": "Chào bạn", "channel": "carrier-pigeon"}),
        json!({"text": "Chào bạn", "label": "scam"}),
        json!({"sender": "0912345678"}),
        json!({"text": 5}),
    );
    let mut child = place
        .command(&["analyze", "--jsonl", "--no-contacts"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> = String::from_utf8(output.stdout).unwrap().lines().map(json_of).collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["verdict"], "scam");
    assert_eq!(lines[1]["verdict"], "safe");
    assert_eq!(lines[1]["channel"], "sms");
    assert_eq!(lines[2]["error"]["line"], 3);
    assert_eq!(lines[2]["error"]["code"], "invalid_request");
    assert_eq!(lines[2]["error"]["message"], "each line must be a JSON object");
    assert_eq!(lines[3]["error"]["line"], 5);
    assert_eq!(lines[3]["error"]["field"], "channel");
    // The API's answers to the same bodies: the field at fault is named.
    assert_eq!((&lines[4]["error"]["code"], &lines[4]["error"]["field"]), (&json!("unknown_field"), &json!("label")));
    assert_eq!((&lines[5]["error"]["code"], &lines[5]["error"]["field"]), (&json!("missing_field"), &json!("text")));
    assert_eq!((&lines[6]["error"]["code"], &lines[6]["error"]["field"]), (&json!("invalid_type"), &json!("text")));
    assert_eq!(lines[6]["error"]["line"], 8);
    let message = lines[6]["error"]["message"].as_str().unwrap();
    assert!(message.ends_with("at column 9") && !message.contains("line 1"), "a position within the line: {message}");
}

#[test]
fn the_api_and_the_command_line_give_the_same_analysis() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let log = directory.path().join("server.log");
    let mut server = Server::start(&place, &log, "info");
    let body = json!({"text": SCAM, "sender": "0912345678", "channel": "sms"});
    let api = agent(Duration::from_secs(10))
        .post(&server.url("/v1/analyze"))
        .send_json(&body)
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let cli = place.run_ok(&["analyze", "--json", "--sender", "0912345678", "--channel", "sms", SCAM]);
    assert_eq!(json_of(&api), json_of(&cli));
    let through_server = place.run_ok(&[
        "analyze",
        "--json",
        "--server",
        &server.base(),
        "--sender",
        "0912345678",
        "--channel",
        "sms",
        SCAM,
    ]);
    assert_eq!(json_of(&api), json_of(&through_server));
    let human = place.run_ok(&["analyze", "--server", &server.base(), SCAM]);
    assert!(human.contains("LỪA ĐẢO") && human.contains("«"), "{human}");
    let refused = place.run(&["analyze", "--server", &server.base(), "--channel", "sms", &"x".repeat(40_000)]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("32768"), "{}", stderr(&refused));
    let unreachable = place.run(&["analyze", "--server", "http://127.0.0.1:9", SCAM]);
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(stderr(&unreachable).contains("cannot reach"), "{}", stderr(&unreachable));
    let refused = agent(Duration::from_secs(10))
        .post(&server.url("/v1/analyze"))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(json!({"text": "", "channel": "sms"}))
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    server.stop();
    // The message's text and the sender's number stay out of the request log.
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(!written.contains("0912345678") && !written.contains("xac thuc"), "{written}");
}

#[test]
fn a_model_is_trained_from_a_corpus_and_measured() {
    let directory = tempfile::tempdir().unwrap();
    let corpus = directory.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let mut lines = String::new();
    for i in 0..40 {
        lines.push_str(&json!({"text": format!("Chuc mung ban trung thuong {i} trieu, chuyen phi nhan qua vao stk {i}"), "label": "scam", "scam_type": "prize"}).to_string());
        lines.push('\n');
        lines.push_str(
            &json!({"text": format!("Con chao me, toi nay con ve an com luc {i} gio nhe"), "label": "safe"})
                .to_string(),
        );
        lines.push('\n');
    }
    std::fs::write(corpus.join("small.jsonl"), &lines).unwrap();
    let model = directory.path().join("model.bin");
    let train = || {
        tool(&[
            "train-analyzer",
            "--corpus",
            corpus.to_str().unwrap(),
            "--uci",
            "none",
            "--out",
            model.to_str().unwrap(),
        ])
    };
    let trained = train();
    assert!(trained.status.success(), "{}", stderr(&trained));
    let trained = String::from_utf8(trained.stdout).unwrap();
    assert!(trained.contains("trained on 80 examples (40 scams)"), "{trained}");
    let first = std::fs::read(&model).unwrap();
    assert!(train().status.success());
    assert_eq!(first, std::fs::read(&model).unwrap(), "training is reproducible");

    let labelled = directory.path().join("labelled.csv");
    std::fs::write(
        &labelled,
        "content,label\n\"Chuc mung ban trung thuong 5 trieu, chuyen phi nhan qua\",1\n\"Con chao me, toi nay con ve\",0\n",
    )
    .unwrap();
    let figures =
        json_of(&tool_ok(&["eval-analyzer", "--json", "--model", model.to_str().unwrap(), labelled.to_str().unwrap()]));
    assert_eq!(figures["messages"], 2);
    assert_eq!(figures["positives"], 1);
    assert_eq!(figures["confusion"].as_array().unwrap().len(), 2);
    let text = tool_ok(&["eval-analyzer", labelled.to_str().unwrap()]);
    assert!(text.contains("precision") && text.contains("confusion"), "{text}");

    std::fs::write(corpus.join("broken.jsonl"), "{\"text\": \"x\", \"label\": \"perhaps\"}\n").unwrap();
    let refused = train();
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("broken.jsonl") && stderr(&refused).contains("line 1"), "{}", stderr(&refused));
    let missing = tool(&["eval-analyzer", directory.path().join("absent.csv").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));

    // The social-comments layout: a row nobody labelled is skipped and counted; a label that is not 0/1 is refused
    // with its line.
    let comments = directory.path().join("comments.csv");
    std::fs::write(
        &comments,
        "text,spam
phim hay qua,0
Tuyen CTV lam tai nha,1
 TUYEN GAP ,
xem di, 0
",
    )
    .unwrap();
    let figures = json_of(&tool_ok(&["eval-analyzer", "--json", comments.to_str().unwrap()]));
    assert_eq!((figures["messages"].as_u64(), figures["positives"].as_u64()), (Some(3), Some(1)));
    assert_eq!(figures["skipped"]["rows_without_label"], 1);
    let text = tool_ok(&["eval-analyzer", comments.to_str().unwrap()]);
    assert!(text.contains("rows without a label 1"), "{text}");
    std::fs::write(
        &comments,
        "text,spam
phim hay qua,0
xem di,maybe
",
    )
    .unwrap();
    let refused = tool(&["eval-analyzer", comments.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("line 3") && stderr(&refused).contains("maybe"), "{}", stderr(&refused));
}

#[test]
fn the_instance_trust_directory_decides_which_links_are_official() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let message =
        "[TB] Ban dang co voucher 10.000d, mo app hoac truy cap https://km.vitienthu.vn/uudai de su dung ngay";
    let probability = |place: &Place| {
        json_of(&place.run_ok(&["analyze", "--json", "--sender", "VITIENTHU", message]))["scam_probability"]
            .as_f64()
            .unwrap()
    };
    let before = probability(&place);
    place.run_ok(&["trust", "export"]);
    let path = directory.path().join("trust_directory.tsv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("Ví Tiền Thử\tewallet\tvitienthu\tdomain\tvitienthu.vn\thttps://vitienthu.vn/\n");
    std::fs::write(&path, &text).unwrap();
    let after = probability(&place);
    assert!(after < before, "an official link lowers the probability: {before} → {after}");
}
