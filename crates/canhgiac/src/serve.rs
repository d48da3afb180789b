//! `canhgiac serve`: the HTTP API until SIGINT or SIGTERM.

use canhgiac_server::{ServerConfig, install_shutdown_signal};
use clap::Args;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", env = "CANHGIAC_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the data store; created when absent.
    #[arg(long, value_name = "DIR", env = "CANHGIAC_DATA_DIR", default_value = "./canhgiac-data")]
    data_dir: PathBuf,
    /// Use PostgreSQL at this URL (postgres://user:password@host/db) instead of the embedded SQLite store.
    #[arg(long, value_name = "URL", env = "CANHGIAC_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Largest evidence file accepted, in MiB.
    #[arg(long, value_name = "MIB", env = "CANHGIAC_MAX_FILE_MIB", default_value_t = 10)]
    max_file_mib: u64,
    /// Most evidence files one report may carry.
    #[arg(long, value_name = "N", env = "CANHGIAC_MAX_FILES", default_value_t = 20)]
    max_files: usize,
    /// The server runs behind a reverse proxy that appends the client's address to X-Forwarded-For: the portal's
    /// rate limits count that address. Never set it when clients reach the server directly (they could forge it).
    #[arg(long, env = "CANHGIAC_BEHIND_PROXY")]
    behind_proxy: bool,
    /// Most connections served at once (fewer when the open-file limit is lower); the next wait until one closes.
    #[arg(long, value_name = "N", env = "CANHGIAC_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Threads answering anonymous look-ups on event loops of their own (default: half the cores, at least one);
    /// 0 answers them on the async runtime's workers with everything else.
    #[arg(long, value_name = "N", env = "CANHGIAC_LOOKUP_THREADS",
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    lookup_threads: Option<u16>,
}

pub fn run(args: ServeArgs) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(error = %err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let portal = canhgiac_portal::PortalConfig { behind_proxy: args.behind_proxy, ..Default::default() };
    let mut config = ServerConfig::new(args.listen, args.data_dir);
    config.database_url = args.database;
    config.evidence_limits =
        canhgiac_evidence::EvidenceLimits { max_file_bytes: args.max_file_mib.max(1) << 20, max_files: args.max_files };
    // The report body may carry every file at its largest, and the report itself.
    config.limits.report_body_limit = (args.max_file_mib.max(1) as usize)
        .saturating_mul(1 << 20)
        .saturating_mul(args.max_files.max(1))
        .saturating_add(1 << 20);
    config.limits.max_connections = connections_within_open_file_limit(args.max_connections as usize);
    if let Some(threads) = args.lookup_threads {
        config.limits.lookup_threads = usize::from(threads);
    }
    let result = runtime.block_on(async {
        // Installed before binding, so that a signal sent once the port answers is never missed.
        let shutdown = install_shutdown_signal().map_err(|err| format!("cannot install signal handlers: {err}"))?;
        // The API and, beside it, the public portal's pages.
        canhgiac_server::run_with_routes(config, |state| canhgiac_portal::routes_with(state, portal), shutdown)
            .await
            .map_err(|err| err.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

const DEFAULT_MAX_CONNECTIONS: u32 = canhgiac_server::HttpLimits::DEFAULT_MAX_CONNECTIONS as u32;

/// Open files kept for the store, the evidence files and the logs beside the connections.
const FILES_BESIDE_CONNECTIONS: u64 = 256;

/// Raises the soft limit on open files to the hard one (as Go and nginx do: the soft default, often 1,024, is
/// below what a server's connections need) and returns `wanted`, or fewer if the limit would not leave
/// [`FILES_BESIDE_CONNECTIONS`] files for the rest once every connection is open.
fn connections_within_open_file_limit(wanted: usize) -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is a valid rlimit for getrlimit and setrlimit to read and write.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return wanted;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above; raising the soft limit up to the hard one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return wanted;
    }
    let room = limit.rlim_cur.saturating_sub(FILES_BESIDE_CONNECTIONS).max(16);
    if (wanted as u64) <= room {
        return wanted;
    }
    tracing::warn!(
        open_file_limit = limit.rlim_cur,
        max_connections = room,
        "the open-file limit allows fewer connections than asked for; raise it (ulimit -n) to serve more at once"
    );
    room as usize
}

/// Logs to stderr; `RUST_LOG` is respected, `info` by default.
pub fn init_logging() {
    let (filter, bad_rust_log) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        Err(err) => (EnvFilter::new("info"), std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty()).map(|_| err)),
    };
    // axum logs extractor rejections, whose text can quote the request body: personal data is never logged.
    let filter = filter.add_directive("axum::rejection=off".parse().expect("a valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if let Some(err) = bad_rust_log {
        tracing::warn!(error = %err, "RUST_LOG is not a valid filter; logging at info");
    }
}
