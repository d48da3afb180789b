//! The store commands of the binary: organisations, keys, migrations, backup and restore refusals,
//! and key rotation of the sealed personal data.

use canhgiac_secrets::Keyring;
use canhgiac_store::{NewReport, SqliteStore, Store};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn canhgiac(data_dir: &Path, args: &[&str], keyring: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canhgiac"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("CANHGIAC_DATA_DIR")
        .env_remove("CANHGIAC_DATABASE_URL")
        .env_remove("CANHGIAC_PII_KEYS")
        .stdin(Stdio::null());
    if let Some(keyring) = keyring {
        command.env("CANHGIAC_PII_KEYS", keyring);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn organisations_and_keys_are_managed_from_the_command_line() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let added = canhgiac(dir, &["org", "add", "Vietcombank", "--kind", "bank", "--trust", "80"], None);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("bank\tVietcombank\ttrust 80"));
    let again = canhgiac(dir, &["org", "add", "Vietcombank", "--kind", "bank"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("error[conflict]"), "{}", stderr(&again));
    let bad_kind = canhgiac(dir, &["org", "add", "X", "--kind", "bakery"], None);
    assert_eq!(bad_kind.status.code(), Some(2));
    assert!(stderr(&bad_kind).contains("error[invalid_value]") && stderr(&bad_kind).contains("police"));

    let created =
        canhgiac(dir, &["key", "create", "--org", "Vietcombank", "--role", "reporter", "--label", "core"], None);
    assert!(created.status.success(), "{}", stderr(&created));
    let key = stdout(&created).trim().to_string();
    assert!(key.starts_with("cgk_") && key.len() == 45, "{key}");
    assert!(stderr(&created).contains("Shown once"));
    let prefix = &key[..12];
    let listed = canhgiac(dir, &["key", "list"], None);
    assert!(stdout(&listed).contains(prefix) && stdout(&listed).contains("active"));
    assert!(!stdout(&listed).contains(&key[13..]), "the secret part is never listed");
    let unknown = canhgiac(dir, &["key", "create", "--org", "Nobody"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("error[not_found]"));
    let bad_role = canhgiac(dir, &["key", "create", "--org", "Vietcombank", "--role", "king"], None);
    assert!(stderr(&bad_role).contains("error[invalid_value]"));
    let revoked = canhgiac(dir, &["key", "revoke", prefix], None);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(stdout(&canhgiac(dir, &["key", "list", "--org", "Vietcombank"], None)).contains("revoked"));
    let missing = canhgiac(dir, &["key", "revoke", "cgk_zzzzzzzz"], None);
    assert!(stderr(&missing).contains("error[not_found]"));

    let migrated = canhgiac(dir, &["migrate"], None);
    let expected = format!("schema version {}", canhgiac_store::migrations::latest_version());
    assert!(stdout(&migrated).contains(&expected), "{}", stdout(&migrated));
}

#[test]
fn backup_and_restore_refuse_what_they_must() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    assert!(canhgiac(&dir, &["migrate"], None).status.success());
    let backup = temp.path().join("backup.db");
    let made = canhgiac(&dir, &["backup", backup.to_str().unwrap()], None);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("(0 reports)"));
    let twice = canhgiac(&dir, &["backup", backup.to_str().unwrap()], None);
    assert!(stderr(&twice).contains("error[conflict]"), "an existing file is never overwritten");
    let junk = temp.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let refused = canhgiac(&dir, &["restore", junk.to_str().unwrap()], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("error[invalid_file]"), "{}", stderr(&refused));
    let restored = canhgiac(&dir, &["restore", backup.to_str().unwrap()], None);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let postgres = canhgiac(&dir, &["backup", "x.db", "--database", "postgres://localhost/x"], None);
    assert!(stderr(&postgres).contains("pg_dump"), "{}", stderr(&postgres));
}

fn report_with_personal_data(id: &str, keyring: &Keyring) -> NewReport {
    NewReport {
        id: id.into(),
        tracking_code: format!("CG-{}", &id[..9]),
        secret_hash: vec![0; 32],
        channel: canhgiac_core::report::Channel::Web,
        submitted_by_organisation: None,
        submitted_by: None,
        reporter_role: None,
        reporter_sealed: Some(keyring.seal(br#"{"phone":"+84912000111"}"#, id.as_bytes())),
        reporter_fingerprint: None,
        scam_type: canhgiac_core::ScamType::Other,
        narrative: String::new(),
        occurred_at: None,
        province: None,
        commune: None,
        loss_vnd: None,
        consent: Default::default(),
        transfers: vec![],
        contacts: vec![],
        evidence: vec![],
        created_at: 1,
    }
}

#[tokio::test]
async fn key_rotation_reseals_every_report_under_the_new_key() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let old_line = Keyring::new_key_line("old");
    let old = Keyring::parse(&old_line).unwrap();
    {
        let store = SqliteStore::open(&dir.join("canhgiac.db")).await.unwrap();
        for id in ["AAAA-AAAA-1", "BBBB-BBBB-2"] {
            store.submit_report(report_with_personal_data(id, &old), None).await.unwrap();
        }
    }
    let new_key = canhgiac(dir, &["secrets", "new-key", "--id", "new"], None);
    let new_line = stdout(&new_key).trim().to_string();
    assert!(new_line.starts_with("new "), "{new_line}");
    let rotated = format!("{new_line};{old_line}");
    let resealed = canhgiac(dir, &["secrets", "reseal"], Some(&rotated));
    assert!(resealed.status.success(), "{}", stderr(&resealed));
    assert!(stdout(&resealed).contains("re-sealed 2 of 2 reports with key 'new'"), "{}", stdout(&resealed));
    let again = canhgiac(dir, &["secrets", "reseal"], Some(&rotated));
    assert!(stdout(&again).contains("re-sealed 0 of 2"), "already sealed with the first key: {}", stdout(&again));

    let only_new = Keyring::parse(&new_line).unwrap();
    let store = SqliteStore::open(&dir.join("canhgiac.db")).await.unwrap();
    for (id, sealed) in store.sealed_reporter_data().await.unwrap() {
        assert_eq!(Keyring::sealed_with(&sealed), Some("new"));
        assert_eq!(only_new.open(&sealed, id.as_bytes()).unwrap(), br#"{"phone":"+84912000111"}"#);
    }
    let broken = canhgiac(dir, &["secrets", "reseal"], Some("x notbase64"));
    assert_ne!(broken.status.code(), Some(0));
}
