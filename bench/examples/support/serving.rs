//! What the HTTP benchmark servers share (`check_server`, `analyze_server`, `screen_server`): the product's allocator
//! (mimalloc, as `canhgiac` uses) and logging, running `run` on a multi-threaded runtime with one error line on failure, and a
//! bank organisation with an API key in the store.

use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_secrets::ApiKey;
use canhgiac_store::{ApiKeyRecord, Organisation, Store};
use std::future::Future;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The product's logging, as `canhgiac serve` sets it up: `filter` (`info`: one line per request) on stderr.
pub fn init_logging(filter: &str) {
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Runs `work` on a multi-threaded runtime; an error is printed as `<name>: <message>`.
pub fn block_on(name: &str, work: impl Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{name}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{name}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Creates "Benchmark Bank" (with `bank_bin`, when given) and an API key of it labelled `label`: the key.
pub async fn bench_bank(store: &dyn Store, bank_bin: Option<&str>, label: &str) -> Result<ApiKey, String> {
    let now = now_millis();
    let organisation = store
        .create_organisation(Organisation {
            id: "00000000-0000-7000-8000-00000000b4c4".to_owned(),
            name: "Benchmark Bank".to_owned(),
            kind: OrganisationKind::Bank,
            trust_level: 80,
            created_at: now,
            bank_bin: bank_bin.map(str::to_owned),
        })
        .await
        .map_err(|e| e.message)?;
    let key = ApiKey::generate();
    store
        .create_api_key(ApiKeyRecord {
            id: "00000000-0000-7000-8000-00000000ce75".to_owned(),
            organisation_id: organisation.id,
            prefix: key.prefix().to_string(),
            key_hash: key.hash().to_vec(),
            role: Role::Reporter,
            label: label.to_owned(),
            created_at: now,
            revoked_at: None,
        })
        .await
        .map_err(|e| e.message)?;
    Ok(key)
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
