//! The screening audit trail's cost in the SQLite store alone (issue 6): decisions stored per second and the writer
//! thread's CPU per decision, by the number of decisions per transaction, as the table grows.
//!
//! ```sh
//! cargo run --release -p canhgiac-bench --example screen_audit -- --decisions 1000000 --batches 200,2000,20000
//! ```
//!
//! For each batch size, a fresh SQLite store in a temporary directory (the product's settings) and one bank
//! organisation; then `--decisions` decisions as the server's audit writer stores them
//! (`Store::record_screen_decisions`, one call per batch, each call one transaction synced to disk): a UUID v7 id,
//! a unique transfer id, a payer and a payee drawn from 1,000,000 accounts, the answer's JSON (about 600 bytes, as
//! `POST /v1/screen/transfer` answers), one decision in 200 with a freeze request. Printed per tenth of the run:
//! decisions per second and the calling thread's and the store writer's CPU time per decision (from /proc).
//! `--without-payee-index` drops the index of decisions by payee first, to show what it costs (the product keeps it:
//! a bank's investigators look decisions up by payee).

use canhgiac_core::access::OrganisationKind;
use canhgiac_store::{FreezeRequestRecord, NewScreenDecision, Organisation, ScreenDecisionRecord, SqliteStore, Store};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut decisions = 1_000_000usize;
    let mut batches = vec![200usize, 2_000, 20_000];
    let mut without_payee_index = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--without-payee-index" {
            without_payee_index = true;
            continue;
        }
        let value = args.next();
        let parsed = match (arg.as_str(), value) {
            ("--decisions", Some(v)) => v.parse().map(|n| decisions = n).is_ok(),
            ("--batches", Some(v)) => {
                let list: Result<Vec<usize>, _> = v.split(',').map(str::parse).collect();
                list.map(|l| batches = l).is_ok()
            }
            _ => false,
        };
        if !parsed {
            eprintln!("usage: screen_audit [--decisions N] [--batches B1,B2,...] [--without-payee-index]");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("screen_audit: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    for batch in batches {
        if let Err(message) = runtime.block_on(run(decisions, batch.max(1), without_payee_index)) {
            eprintln!("screen_audit: {message}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

async fn run(decisions: usize, batch: usize, without_payee_index: bool) -> Result<(), String> {
    let directory = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = directory.path().join("canhgiac.db");
    let store = SqliteStore::open(&path).await.map_err(|e| e.to_string())?;
    store
        .create_organisation(Organisation {
            id: "org-bank".into(),
            name: "Ngân hàng A".into(),
            kind: OrganisationKind::Bank,
            trust_level: 90,
            created_at: 1,
            bank_bin: Some("970436".into()),
        })
        .await
        .map_err(|e| e.to_string())?;
    if without_payee_index {
        let connection = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
        connection.execute_batch("DROP INDEX screen_decisions_by_payee").map_err(|e| e.to_string())?;
    }
    println!("batch of {batch} decisions per transaction, {decisions} decisions, a fresh store in {}", path.display());
    let slice = (decisions / 10).max(batch);
    let mut random = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random
    };
    let started = Instant::now();
    let (mut slice_started, mut writer0, mut caller0) = (Instant::now(), writer_cpu(), thread_cpu());
    let mut stored = 0usize;
    let mut in_slice = 0usize;
    while stored < decisions {
        let count = batch.min(decisions - stored);
        let records: Vec<NewScreenDecision> = (stored..stored + count).map(|n| decision(n, &mut next)).collect();
        store.record_screen_decisions(records.into()).await.map_err(|e| e.to_string())?;
        stored += count;
        in_slice += count;
        if in_slice >= slice || stored == decisions {
            let seconds = slice_started.elapsed().as_secs_f64();
            let done = std::mem::take(&mut in_slice);
            let (writer1, caller1) = (writer_cpu(), thread_cpu());
            println!(
                "  {stored:>9} stored: {:>8.0} decisions/s; CPU per decision: writer {:.1} µs, caller {:.1} µs; file {:.0} MiB",
                done as f64 / seconds,
                (writer1 - writer0) / done as f64 * 1e6,
                (caller1 - caller0) / done as f64 * 1e6,
                file_mib(&path),
            );
            (slice_started, writer0, caller0) = (Instant::now(), writer1, caller1);
        }
    }
    println!("  all: {:.0} decisions/s", decisions as f64 / started.elapsed().as_secs_f64());
    // The store's writer thread ends with the store: gone before the next run counts its own.
    drop(store);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    Ok(())
}

fn decision(n: usize, next: &mut impl FnMut() -> u64) -> NewScreenDecision {
    let now = 1_796_000_000_000i64 + n as i64;
    let payer = format!("bank:970436:86{:010}", next() % 1_000_000);
    let payee = format!("bank:970418:86{:010}", next() % 1_000_000);
    let id = uuid::Uuid::now_v7().to_string();
    let transfer_id = format!("FT{n:012}");
    let body = format!(
        "{{\"decision_id\":\"{id}\",\"transfer_id\":\"{transfer_id}\",\"decision\":\"allow\",\"level\":0,\"score\":0,\
         \"reasons\":[],\"scam_type\":null,\"customer_warning_vi\":null,\"customer_warning_en\":null,\"payee\":{{\
         \"canonical\":\"{payee}\",\"verdict\":\"no_data\",\"score\":0,\"reasons\":[],\"scam_types\":[],\"related\":[]}},\
         \"rules_fired\":[{{\"code\":\"night_first_transfer\",\"inputs\":{{\"hour\":23,\"first_transfer\":true}},\
         \"weight\":10}}],\"policy\":\"hold\",\"rules_version\":\"2026-11-30.1\",\"decided_at\":\"2026-11-30T09:47:55.849Z\",\
         \"freeze_requested\":false,\"padding\":\"{}\"}}",
        "x".repeat(120)
    );
    let freeze_request = n.is_multiple_of(200).then(|| FreezeRequestRecord {
        id: uuid::Uuid::now_v7().to_string(),
        decision_id: id.clone(),
        requesting_organisation_id: "org-bank".into(),
        transfer_id: transfer_id.clone(),
        payee_bin: "970418".into(),
        payee: payee.clone(),
        amount: 9_000_000,
        reason: "payee_reported|pass_through".into(),
        state: "open".into(),
        created_at: now,
    });
    NewScreenDecision {
        decision: ScreenDecisionRecord {
            id,
            organisation_id: "org-bank".into(),
            transfer_id,
            transfer_at: now,
            decided_at: now,
            amount: 1_500_000,
            payer,
            payee,
            decision: if freeze_request.is_some() { "hold".into() } else { "allow".into() },
            level: if freeze_request.is_some() { 3 } else { 0 },
            score: 0,
            rules_version: "2026-11-30.1".into(),
            body,
        },
        freeze_request,
    }
}

/// CPU seconds of this process's threads named `name`.
fn named_threads_cpu(name: &str) -> f64 {
    let ticks = 100.0;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    tasks
        .flatten()
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
        .map(|stat| {
            let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
            let field = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            (field(11) + field(12)) / ticks
        })
        .sum()
}

fn writer_cpu() -> f64 {
    named_threads_cpu("sqlite-writer")
}

fn thread_cpu() -> f64 {
    named_threads_cpu("tokio-runtime-w") + named_threads_cpu("screen_audit")
}

fn file_mib(path: &std::path::Path) -> f64 {
    let wal = path.with_extension("db-wal");
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    (size(path) + size(&wal)) as f64 / (1024.0 * 1024.0)
}
