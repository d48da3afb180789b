//! `canhgiac check <value>`: the verdict on one contact, from a running server (`--server`) or straight from
//! the data directory (what that check consults is read from the store and judged as the server's index does).
//! `--json` prints the API's JSON. `canhgiac trust export`: the trust directory in use, for admins to edit.

use crate::admin::{StoreArgs, fail, with_platform};
use canhgiac_core::{Error, ErrorCode, detect};
use canhgiac_server::reputation::{TRUST_DIRECTORY_FILE, index_for_checks, load_trust_directory};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The contact: a phone number, an account ("stk 0011004123456 VCB"), a link, a VietQR payload, ...
    value: String,
    /// Print the verdict as JSON (the API's shape).
    #[arg(long)]
    json: bool,
    /// Ask a running server (e.g. http://127.0.0.1:8080) instead of reading the data directory.
    #[arg(long, value_name = "URL", env = "CANHGIAC_SERVER")]
    server: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: CheckArgs) -> ExitCode {
    if let Some(server) = &args.server {
        return match ask_server(server, &args.value) {
            Ok(answer) => print_answer(&answer, args.json),
            Err(error) => fail(error),
        };
    }
    // Refuse what is not a contact before opening anything.
    let identifier = match detect(&args.value) {
        Ok(identifier) => identifier,
        Err(error) => return fail(error.with_field("value")),
    };
    let json = args.json;
    let data_dir = args.store.data_dir.clone();
    with_platform(&args.store, move |platform| async move {
        let trust = load_trust_directory(&data_dir)?;
        let now = jiff::Timestamp::now().as_millisecond();
        let index = index_for_checks(&*platform.store, trust, std::slice::from_ref(&identifier), now).await?;
        let answer = index.check(&identifier, now);
        let answer = serde_json::to_value(&answer).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        match print_answer(&answer, json) {
            code if code == ExitCode::SUCCESS => Ok(()),
            _ => Err(Error::new(ErrorCode::Internal, "cannot write standard output")),
        }
    })
}

fn ask_server(server: &str, value: &str) -> Result<Value, Error> {
    let url = format!("{}/v1/check", server.trim_end_matches('/'));
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let mut response = agent.get(&url).query("q", value).call().map_err(|e| {
        Error::new(ErrorCode::Unavailable, format!("cannot reach the server at {server}: {e}")).with_field("server")
    })?;
    let status = response.status().as_u16();
    let body: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| Error::new(ErrorCode::Unavailable, format!("the server's answer is not JSON: {e}")))?;
    if status == 200 {
        return Ok(body);
    }
    let code = match status {
        400 => ErrorCode::InvalidValue,
        _ => ErrorCode::Unavailable,
    };
    let message = format!(
        "{} (the server answered {status} {})",
        body["message"].as_str().unwrap_or("the server refused the check"),
        body["code"].as_str().unwrap_or("")
    );
    let mut error = Error::new(code, message);
    if let Some(field) = body["field"].as_str() {
        error = error.with_field(if field == "q" { "value" } else { field });
    }
    Err(error)
}

fn print_answer(answer: &Value, json: bool) -> ExitCode {
    let text = if json { format!("{:#}\n", answer) } else { human(answer) };
    match std::io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// The verdict for people: level and score, then every reason in Vietnamese and English.
fn human(answer: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = format!(
        "{} ({}): {} — điểm rủi ro / risk score {}/100\n",
        text(&answer["display"]),
        text(&answer["kind"]),
        text(&answer["verdict"]),
        answer["score"]
    );
    let counts = &answer["counts"];
    if counts["reports"].as_u64().unwrap_or(0) > 0 {
        out.push_str(&format!(
            "  {} báo cáo / reports, {} người báo cáo / reporters, thiệt hại / losses {} VND\n",
            counts["reports"], counts["distinct_reporters"], counts["losses_vnd"]
        ));
    }
    for reason in answer["reasons"].as_array().into_iter().flatten() {
        out.push_str(&format!("  - {}\n    {}\n", text(&reason["vi"]), text(&reason["en"])));
    }
    if let Some(imitates) = answer["imitates"].as_object() {
        out.push_str(&format!("  giả mạo / imitates: {}\n", imitates["brand"].as_str().unwrap_or("")));
    }
    for related in answer["related"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  liên quan / related: {} ({})\n",
            text(&related["canonical"]),
            text(&related["verdict"])
        ));
    }
    if let (Some(first), Some(last)) = (answer["first_seen"].as_str(), answer["last_seen"].as_str()) {
        out.push_str(&format!("  lần đầu / first seen {first}, lần cuối / last seen {last}\n"));
    }
    out
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    command: TrustCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Subcommand)]
enum TrustCommand {
    /// Write the trust directory in use (the instance's own, else the compiled-in seed) to the data directory as
    /// `trust_directory.tsv`, for admins to edit; the server reads it at its next start.
    Export {
        /// Write to standard output instead.
        #[arg(long)]
        stdout: bool,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check the data directory's trust directory and say how many contacts and brands it has.
    Check,
}

pub fn trust(args: TrustArgs) -> ExitCode {
    let path = args.store.data_dir.join(TRUST_DIRECTORY_FILE);
    match args.command {
        TrustCommand::Export { stdout, force } => {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(_) => canhgiac_core::trust::SEED.to_string(),
            };
            if stdout {
                print!("{text}");
                return ExitCode::SUCCESS;
            }
            if path.exists() && !force {
                return fail(
                    Error::new(ErrorCode::Conflict, format!("{} exists; edit it, or pass --force", path.display()))
                        .with_field("force"),
                );
            }
            if let Err(e) = std::fs::create_dir_all(&args.store.data_dir).and_then(|()| std::fs::write(&path, text)) {
                return fail(Error::new(ErrorCode::Unavailable, format!("cannot write {}: {e}", path.display())));
            }
            println!("wrote {}; restart the server after editing it", path.display());
            ExitCode::SUCCESS
        }
        TrustCommand::Check => match load_trust_directory(&args.store.data_dir) {
            Ok(directory) => {
                let source = if path.exists() { path.display().to_string() } else { "the compiled-in seed".into() };
                println!(
                    "{source}: {} contacts, {} protected brands",
                    directory.contacts().len(),
                    directory.protected_brands().len()
                );
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
    }
}
