//! `canhgiac`: the one binary. Each command lives in its own module.

mod parse;
mod serve;

use clap::{Parser, Subcommand};
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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(args),
        Command::Parse(args) => parse::run(args),
    }
}
