//! canhgiac's real HTTP application over a synthetic reputation index, for `bench/check` (issue 4).
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/check_server --contacts 10000000 [--port 0] [--log info]
//! ```
//!
//! Builds the index of `support/synthetic.rs` (the same contacts as `check_index`), opens a real platform
//! (SQLite store, keyring, evidence directory) in a temporary directory, creates a bank organisation and an API
//! key in it for `POST /v1/check/batch`, and serves `canhgiac_server::app` with the index on 127.0.0.1. It
//! prints `PORT <port>`, `KEY <api key>` (a throwaway key of the temporary store) and `READY` on stdout, then
//! serves until SIGINT or SIGTERM. Logging is the product's: `--log` is the filter (`info`: one line per request,
//! on stderr).

#[path = "support/serving.rs"]
mod serving;

#[allow(dead_code)]
#[path = "support/synthetic.rs"]
mod synthetic;

use canhgiac_index::ReputationIndex;
use canhgiac_server::platform::Platform;
use canhgiac_server::{AppState, HttpLimits, app, serve};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

struct Options {
    contacts: u64,
    port: u16,
    log: String,
}

fn parse_options() -> Result<Options, String> {
    let usage = "check_server [--contacts N] [--port PORT] [--log FILTER]";
    let mut options = Options { contacts: 10_000_000, port: 0, log: "info".to_owned() };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {usage}"));
        match arg.as_str() {
            "--contacts" => {
                let text = value()?;
                options.contacts =
                    text.replace('_', "").parse().map_err(|_| format!("--contacts: not a number: {text}"))?;
            }
            "--port" => {
                let text = value()?;
                options.port = text.parse().map_err(|_| format!("--port: not a port: {text}"))?;
            }
            "--log" => options.log = value()?,
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {usage}")),
        }
    }
    if options.contacts == 0 || options.contacts * 2 > synthetic::MAX_CONTACTS {
        return Err(format!("--contacts must be 1..={}", synthetic::MAX_CONTACTS / 2));
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
    let index = ReputationIndex::build(synthetic::trust(), synthetic::records(options.contacts), synthetic::NOW_MS);
    println!(
        "index: {} contacts built in {:.2} s, heap_bytes() {:.1} MiB",
        index.len(),
        started.elapsed().as_secs_f64(),
        index.heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    let index = Arc::new(index);

    serving::block_on("check_server", run(options, index))
}

async fn run(options: Options, index: Arc<ReputationIndex>) -> Result<(), String> {
    let shutdown = canhgiac_server::install_shutdown_signal().map_err(|e| format!("signal handlers: {e}"))?;
    let data = tempfile::Builder::new().prefix("canhgiac-check-bench-").tempdir().map_err(|e| e.to_string())?;
    let platform = Platform::open(data.path(), None).await.map_err(|e| e.message)?;
    let key = serving::bench_bank(&*platform.store, None, "bench/check").await?;

    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
        .await
        .map_err(|e| format!("cannot listen: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let state = AppState::with_intake(data.path(), HttpLimits::default(), platform.intake(Default::default()))
        .with_index(index);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PORT {port}");
        let _ = writeln!(out, "KEY {}", key.expose());
        let _ = writeln!(out, "READY");
        let _ = out.flush();
    }
    serve(listener, app(state), shutdown).await.map_err(|e| e.to_string())?;
    drop(data);
    Ok(())
}
