//! canhgiac's real HTTP application for `POST /v1/analyze`, for `bench/analyze` (issue 5).
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/analyze_server --contacts 1000000 [--dev FILE] [--port 0] [--log info]
//! ```
//!
//! Builds the same reputation index as `analyze_speed`: the synthetic contacts of `support/synthetic.rs` plus
//! every contact `extract` finds in the dev texts, listed by a bank. Opens a real platform (SQLite store, keyring,
//! evidence directory) in a temporary directory and serves `canhgiac_server::app` with that index on
//! 127.0.0.1 (`POST /v1/analyze` needs no API key). Prints `PORT <port>` and `READY` on stdout, then serves until
//! SIGINT or SIGTERM. Logging is the product's: `--log` is the filter (`info`: one line per request, on stderr).

#[allow(dead_code)]
#[path = "support/serving.rs"]
mod serving;

#[allow(dead_code)]
#[path = "support/synthetic.rs"]
mod synthetic;

use canhgiac_analyzer::corpus::read_labelled;
use canhgiac_index::ReputationIndex;
use canhgiac_server::platform::Platform;
use canhgiac_server::{AppState, HttpLimits, app, serve};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use synthetic::NOW_MS;

struct Options {
    contacts: u64,
    dev: PathBuf,
    port: u16,
    log: String,
}

fn parse_options() -> Result<Options, String> {
    let usage = "analyze_server [--contacts N] [--dev FILE] [--port PORT] [--log FILTER]";
    let mut options = Options {
        contacts: 1_000_000,
        dev: PathBuf::from("../shared/data/vi_sms_smishing_ie403/dev.csv"),
        port: 0,
        log: "info".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {usage}"));
        match arg.as_str() {
            "--contacts" => {
                let text = value()?;
                options.contacts =
                    text.replace('_', "").parse().map_err(|_| format!("--contacts: not a number: {text}"))?;
            }
            "--dev" => options.dev = PathBuf::from(value()?),
            "--port" => {
                let text = value()?;
                options.port = text.parse().map_err(|_| format!("--port: not a port: {text}"))?;
            }
            "--log" => options.log = value()?,
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {usage}")),
        }
    }
    if options.contacts * 2 > synthetic::MAX_CONTACTS {
        return Err(format!("--contacts must be 0..={}", synthetic::MAX_CONTACTS / 2));
    }
    Ok(options)
}

/// The dev set's texts, in file order; empty texts skipped. Kept the same as `analyze_speed.rs`.
fn dev_texts(dev: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(dev).map_err(|e| format!("cannot read {}: {e}", dev.display()))?;
    Ok(read_labelled(&text)
        .map_err(|e| format!("{}: {e}", dev.display()))?
        .0
        .into_iter()
        .map(|row| row.example.text)
        .filter(|text| !text.trim().is_empty())
        .collect())
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

    let listed = match dev_texts(&options.dev) {
        Ok(texts) => synthetic::listed_by_a_bank(&texts),
        Err(message) => {
            eprintln!("analyze_server: {message}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let index = ReputationIndex::build(synthetic::trust(), synthetic::records(options.contacts), NOW_MS);
    let synthetic_len = index.len();
    let listed_count = listed.len();
    index.upsert(listed, NOW_MS);
    println!(
        "index: {} contacts ({synthetic_len} synthetic + {} of the {listed_count} contacts found in the dev texts) \
         built in {:.2} s, heap_bytes() {:.1} MiB",
        index.len(),
        index.len() - synthetic_len,
        started.elapsed().as_secs_f64(),
        index.heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    let index = Arc::new(index);

    serving::block_on("analyze_server", run(options, index))
}

async fn run(options: Options, index: Arc<ReputationIndex>) -> Result<(), String> {
    let shutdown = canhgiac_server::install_shutdown_signal().map_err(|e| format!("signal handlers: {e}"))?;
    let data = tempfile::Builder::new().prefix("canhgiac-analyze-bench-").tempdir().map_err(|e| e.to_string())?;
    let platform = Platform::open(data.path(), None).await.map_err(|e| e.message)?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
        .await
        .map_err(|e| format!("cannot listen: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let state = AppState::with_intake(data.path(), HttpLimits::default(), platform.intake(Default::default()))
        .with_index(index);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PORT {port}");
        let _ = writeln!(out, "READY");
        let _ = out.flush();
    }
    serve(listener, app(state), shutdown).await.map_err(|e| e.to_string())?;
    drop(data);
    Ok(())
}
