//! canhgiac's real HTTP application for `POST /v1/screen/transfer`, for `bench/screen` (issue 6).
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/screen_server --accounts 1000000 [--history 10] [--index-contacts 1000000]
//!     [--feed-threads 2] [--port 0] [--log info]
//! ```
//!
//! Builds the reputation index of `support/synthetic.rs` (`--index-contacts`), opens a real platform (SQLite
//! store, keyring, evidence directory) in a temporary directory, creates a bank organisation (BIN 970436) and an
//! API key for it, starts screening as `canhgiac serve` does (`Screening::start`: rules, the audit writer that
//! stores every decision), then feeds the history of `screen_replay`'s population through the same screener
//! (`--accounts` accounts, each first seen 30 to 365 days ago, `--history` transfers each spread over the 24
//! hours before now). Prints `PORT <port>`,
//! `KEY <api key>` (a throwaway key of the temporary store) and `READY` on stdout, then serves `canhgiac_server::app` until
//! SIGINT or SIGTERM. After that it waits for the audit writer to store every queued decision and prints
//! `AUDIT decisions=… freeze_requests=… drain_s=… db_mib=…` (read back from the SQLite file). Logging is the
//! product's: `--log` is the filter (`info`: one line per request, on stderr).

#[path = "support/serving.rs"]
mod serving;

#[allow(dead_code)]
#[path = "screen_replay.rs"]
mod screen_replay;

use canhgiac_index::ReputationIndex;
use canhgiac_server::platform::Platform;
use canhgiac_server::screen::Screening;
use canhgiac_server::{AppState, HttpLimits, app, serve};
use screen_replay::population::{self, History, mib, proc_status_bytes};
use screen_replay::synthetic;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Options {
    accounts: u64,
    history: u64,
    index_contacts: u64,
    feed_threads: usize,
    port: u16,
    log: String,
}

fn parse_options() -> Result<Options, String> {
    let usage = "screen_server [--accounts N] [--history K] [--index-contacts C] [--feed-threads T] [--port PORT] \
                 [--log FILTER]";
    let mut options = Options {
        accounts: 1_000_000,
        history: 10,
        index_contacts: 1_000_000,
        feed_threads: 2,
        port: 0,
        log: "info".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    let number = |arg: &str, text: String| -> Result<u64, String> {
        text.replace('_', "").parse().map_err(|_| format!("{arg}: not a number: {text}"))
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {usage}"));
        match arg.as_str() {
            "--accounts" => options.accounts = number(&arg, value()?)?,
            "--history" => options.history = number(&arg, value()?)?,
            "--index-contacts" => options.index_contacts = number(&arg, value()?)?,
            "--feed-threads" => options.feed_threads = number(&arg, value()?)? as usize,
            "--port" => {
                let text = value()?;
                options.port = text.parse().map_err(|_| format!("--port: not a port: {text}"))?;
            }
            "--log" => options.log = value()?,
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {usage}")),
        }
    }
    if options.accounts < 2 {
        return Err("--accounts must be at least 2".to_owned());
    }
    if options.index_contacts > synthetic::MAX_CONTACTS {
        return Err(format!("--index-contacts must be at most {}", synthetic::MAX_CONTACTS));
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    serving::init_logging(&options.log);

    let started = Instant::now();
    let index =
        ReputationIndex::build(synthetic::trust(), synthetic::records(options.index_contacts), synthetic::NOW_MS);
    println!(
        "index: {} synthetic contacts built in {:.2} s, heap_bytes() {:.1} MiB",
        index.len(),
        started.elapsed().as_secs_f64(),
        mib(index.heap_bytes())
    );
    // As `canhgiac serve` does: the analyzer's model loaded before the first request.
    canhgiac_analyzer::analyze::Analyzer::shipped();
    let index = Arc::new(index);

    serving::block_on("screen_server", run(options, index))
}

async fn run(options: Options, index: Arc<ReputationIndex>) -> Result<(), String> {
    let shutdown = canhgiac_server::install_shutdown_signal().map_err(|e| format!("signal handlers: {e}"))?;
    let data = tempfile::Builder::new().prefix("canhgiac-screen-bench-").tempdir().map_err(|e| e.to_string())?;
    let platform = Platform::open(data.path(), None).await.map_err(|e| e.message)?;
    let key = serving::bench_bank(&*platform.store, Some("970436"), "bench/screen").await?;

    let (screening, audit_writer) =
        Screening::start(data.path(), platform.store.clone(), index.clone()).await.map_err(|e| e.message)?;

    // The history, up to now: fed on blocking threads while nothing is served yet.
    let history = History { accounts: options.accounts, per_account: options.history, end_ms: serving::now_millis() };
    let rss_before = proc_status_bytes("VmRSS");
    let (feeder, feed_index, threads) = (screening.clone(), index.clone(), options.feed_threads);
    let (fed, seconds) =
        tokio::task::spawn_blocking(move || population::feed(feeder.screener(), &history, threads, Some(&feed_index)))
            .await
            .map_err(|e| format!("feeding the history: {e}"))?;
    let rss_after = proc_status_bytes("VmRSS");
    let behaviour = screening.screener().behaviour();
    let tracked = behaviour.accounts();
    println!(
        "history: {} transfers among {} accounts in the last 24 h ({fed} with each account's older first one) fed \
         in {seconds:.1} s; {} accounts tracked, {} pairs, \
         heap_bytes() {:.1} MiB ({:.0} bytes/account), RSS {:.1} → {:.1} MiB (+{:.0} bytes/account)",
        history.transfers(),
        options.accounts,
        tracked,
        behaviour.pairs(),
        mib(behaviour.heap_bytes()),
        behaviour.heap_bytes() as f64 / tracked.max(1) as f64,
        mib(rss_before),
        mib(rss_after),
        rss_after.saturating_sub(rss_before) as f64 / tracked.max(1) as f64
    );

    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
        .await
        .map_err(|e| format!("cannot listen: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let state = AppState::with_intake(data.path(), HttpLimits::default(), platform.intake(Default::default()))
        .with_index(index)
        .with_screening(screening);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PORT {port}");
        let _ = writeln!(out, "KEY {}", key.expose());
        let _ = writeln!(out, "READY");
        let _ = out.flush();
    }
    serve(listener, app(state), shutdown).await.map_err(|e| e.to_string())?;

    // The router (and every sender of decisions) is gone: how long the audit writer still needs.
    let draining = Instant::now();
    audit_writer.drained(Duration::from_secs(600)).await;
    let drain_s = draining.elapsed().as_secs_f64();
    let database = data.path().join(canhgiac_store::SQLITE_FILE_NAME);
    let counts = rusqlite::Connection::open_with_flags(&database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|connection| {
            let decisions: i64 = connection.query_row("SELECT COUNT(*) FROM screen_decisions", [], |row| row.get(0))?;
            let freezes: i64 = connection.query_row("SELECT COUNT(*) FROM freeze_requests", [], |row| row.get(0))?;
            Ok((decisions, freezes))
        })
        .map_err(|e| format!("cannot count the stored decisions: {e}"))?;
    let file_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", database.display())).ok())
        .map(|m| m.len())
        .sum();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "AUDIT decisions={} freeze_requests={} drain_s={drain_s:.2} db_mib={:.1}",
            counts.0,
            counts.1,
            mib(file_bytes as usize)
        );
        let _ = out.flush();
    }
    drop(platform);
    drop(data);
    Ok(())
}
