//! `canhgiac check` and `canhgiac trust`, as an operator runs them: from the data directory and from a
//! running server, with the same JSON as the API.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{Place, Server, agent, stderr, stdout};

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn check_reads_the_data_directory_and_explains() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let lookalike = place.run_ok(&["check", "vietcombank-xacthuc.com"]);
    assert!(lookalike.contains("high_risk") || lookalike.contains("suspicious"), "{lookalike}");
    assert!(lookalike.contains("vietcombank.com.vn"), "{lookalike}");
    let unknown = json_of(&place.run_ok(&["check", "--json", "0912 345 678"]));
    assert_eq!(unknown["canonical"], "+84912345678");
    assert_eq!(unknown["verdict"], "no_data");
    let bad = place.run(&["check", "hello there"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).starts_with("error["), "{}", stderr(&bad));
}

#[test]
fn check_asks_a_running_server_and_gets_the_api_json() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let log = directory.path().join("server.log");
    let mut server = Server::start(&place, &log, "info");
    let from_server = place.run_ok(&["check", "--json", "--server", &server.base(), "https://vietcombank.com.vn/"]);
    let from_server = json_of(&from_server);
    assert_eq!(from_server["verdict"], "official_verified");
    let api = agent(Duration::from_secs(5))
        .get(&server.url("/v1/check"))
        .query("q", "https://vietcombank.com.vn/")
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(from_server, json_of(&api), "the CLI prints the API's JSON");
    let refused = place.run(&["check", "--server", &server.base(), "not a contact"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let unreachable = place.run(&["check", "--server", "http://127.0.0.1:9", "0912345678"]);
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(stderr(&unreachable).contains("cannot reach"), "{}", stderr(&unreachable));
    server.stop();
}

#[test]
fn the_trust_directory_can_be_exported_edited_and_is_checked() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    assert!(place.run_ok(&["trust", "check"]).contains("compiled-in seed"));
    place.run_ok(&["trust", "export"]);
    let path = directory.path().join("trust_directory.tsv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("Ngân hàng Thử\tbank\tnganhangthu\tdomain\tnganhangthu.vn\thttps://nganhangthu.vn/\n");
    std::fs::write(&path, &text).unwrap();
    assert!(place.run_ok(&["trust", "check"]).contains("trust_directory.tsv"));
    let official = json_of(&place.run_ok(&["check", "--json", "nganhangthu.vn"]));
    assert_eq!(official["verdict"], "official_verified", "{official}");
    // Exporting again does not overwrite an edited file.
    let again = place.run(&["trust", "export"]);
    assert_eq!(again.status.code(), Some(2));
    // A broken file is a clear error naming the file.
    std::fs::write(&path, "organisation\tnonsense\n").unwrap();
    let broken = place.run(&["trust", "check"]);
    assert_eq!(broken.status.code(), Some(2), "{}", stdout(&broken));
    assert!(stderr(&broken).contains("trust_directory.tsv"), "{}", stderr(&broken));
}

#[test]
fn a_feed_imported_while_the_server_runs_is_picked_up_on_sighup() {
    let directory = tempfile::tempdir().unwrap();
    let place = Place::new(directory.path(), None);
    let log = directory.path().join("server.log");
    let mut server = Server::start(&place, &log, "info");
    let feed = directory.path().join("feed.txt");
    std::fs::write(&feed, "# a test feed\nlua-dao-vay-tien.top\nhttps://nhan-qua-tri-an.xyz/dang-ky\n").unwrap();
    let summary = place.run_ok(&[
        "import",
        "--source",
        "test-feed",
        "--trust",
        "80",
        "--format",
        "plain",
        feed.to_str().unwrap(),
    ]);
    assert!(summary.contains('2'), "{summary}");
    let ask = |value: &str| -> Value {
        let text = agent(Duration::from_secs(5))
            .get(&server.url("/v1/check"))
            .query("q", value)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        json_of(&text)
    };
    assert_eq!(ask("lua-dao-vay-tien.top")["verdict"], "no_data", "not before the refresh");
    // SAFETY: kill(2) on the child's pid with a valid signal number.
    let signalled = unsafe { libc::kill(server.pid() as libc::pid_t, libc::SIGHUP) };
    assert_eq!(signalled, 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let answer = ask("lua-dao-vay-tien.top");
        if answer["verdict"] != "no_data" {
            assert_eq!(answer["verdict"], "suspicious", "{answer}");
            assert!(answer["reasons"][0]["en"].as_str().unwrap().contains("test-feed"), "{answer}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the refresh never came: {}", server.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(ask("https://nhan-qua-tri-an.xyz/dang-ky")["verdict"], "suspicious");
    // The index is swapped before the refresh logs its summary, so the line may come a moment later.
    while !server.log_text().contains("reputation index refreshed") {
        assert!(std::time::Instant::now() < deadline, "the refresh was never logged: {}", server.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop();
}
