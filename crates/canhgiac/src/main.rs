//! `canhgiac`: the one binary. Each command lives in its own module.

mod admin;
mod analyze;
mod check;
mod import;
mod parse;
mod screen;
mod serve;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's allocator: requests, JSON and decisions allocate many small short-lived values, and
/// bench/screen measured 21,020 against 16,715 decisions/s with it (bench/RESULTS.md, issue 6, third run).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// canhgiac: nền tảng chống lừa đảo mở / open anti-scam platform.
#[derive(Debug, Parser)]
#[command(name = "canhgiac", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(serve::ServeArgs),
    /// Find identifiers in a text, or parse one value strictly.
    Parse(parse::ParseArgs),
    /// Apply the store's pending migrations and print the schema version.
    Migrate(admin::MigrateArgs),
    /// Partner organisations.
    Org(admin::OrgArgs),
    /// API keys of partner organisations.
    Key(admin::KeyArgs),
    /// Users of partner organisations.
    User(admin::UserArgs),
    /// Copy the SQLite store to a file, while the server runs.
    Backup(admin::BackupArgs),
    /// Replace the SQLite store with a backup (the server must be stopped).
    Restore(admin::BackupArgs),
    /// The keyring that seals reporters' personal data: new keys, re-sealing.
    Secrets(admin::SecretsArgs),
    /// Is this contact a scam? The verdict, with reasons, from the data directory or a running server.
    Check(check::CheckArgs),
    /// The trust directory of official contacts: export it for editing, check it.
    Trust(check::TrustArgs),
    /// Import a feed of scam contacts (phishing lists, partners' exports) into the store.
    Import(import::ImportArgs),
    /// Is this message a scam? Verdict, red flags with the words that raised them, contacts checked, advice.
    Analyze(analyze::AnalyzeArgs),
    /// Rebuild the analyzer's model from the corpus (writes crates/analyzer/data/model.bin).
    TrainAnalyzer(analyze::TrainArgs),
    /// Measure the analyzer on a labelled CSV or JSON Lines file: precision, recall, F1, confusion matrix.
    EvalAnalyzer(analyze::EvalArgs),
    /// Replay a CSV of transfers through the screening engine in time order: allow, warn, hold or block each.
    Screen(screen::ScreenArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Migrate(args) => admin::migrate(args),
        Command::Org(args) => admin::org(args),
        Command::Key(args) => admin::key(args),
        Command::User(args) => admin::user(args),
        Command::Backup(args) => admin::backup(args),
        Command::Restore(args) => admin::restore(args),
        Command::Secrets(args) => admin::secrets(args),
        Command::Import(args) => import::run(args),
        Command::Check(args) => check::run(args),
        Command::Trust(args) => check::trust(args),
        Command::Analyze(args) => analyze::run(args),
        Command::TrainAnalyzer(args) => analyze::train_command(args),
        Command::EvalAnalyzer(args) => analyze::eval_command(args),
        Command::Screen(args) => screen::run(args),
    }
}
