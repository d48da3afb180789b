//! `canhgiac parse`: every identifier found in a text (`extract`), or one value parsed strictly
//! (`--kind KIND`) or by guessing its kind (`--detect`).
//!
//! Exit status: 0 on success (also when a text holds no identifier), 2 when the input or the
//! arguments are refused, 1 on an internal failure.

use canhgiac_core::{Error, ErrorCategory, ErrorCode, Identifier, IdentifierKind, detect, extract};
use canhgiac_server::identifier_json;
use clap::Args;
use serde_json::Value;
use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Print JSON: an array of identifiers for a text, one object for --kind or --detect.
    #[arg(long)]
    json: bool,
    /// Parse the whole value strictly as this kind (phone, bank_account, card, ewallet, url, domain,
    /// email, ip, social, crypto, vietqr).
    #[arg(long, value_name = "KIND", conflicts_with = "detect")]
    kind: Option<String>,
    /// Guess the kind of the whole value.
    #[arg(long)]
    detect: bool,
    /// The text (or the value, with --kind or --detect); `-` or absent: read standard input.
    #[arg(value_name = "TEXT")]
    text: Option<String>,
}

pub fn run(args: ParseArgs) -> ExitCode {
    match execute(&args) {
        Ok(output) => write_stdout(&output),
        Err(err) => {
            eprintln!("error[{}]: {}", err.code, err.message);
            eprintln!("  = {}", err.code.summary_vi());
            if err.category() == ErrorCategory::Internal { ExitCode::FAILURE } else { ExitCode::from(2) }
        }
    }
}

fn execute(args: &ParseArgs) -> Result<String, Error> {
    // Checked before reading input, so that a wrong kind does not wait on standard input.
    let kind = args.kind.as_deref().map(str::parse::<IdentifierKind>).transpose()?;
    let input = match args.text.as_deref() {
        Some(text) if text != "-" => text.to_string(),
        _ => read_stdin()?,
    };
    if kind.is_none() && !args.detect {
        return Ok(render_found(&input, args.json));
    }
    // A value read from a pipe ends with a newline that is not part of it.
    let value = input.trim_end_matches(['\n', '\r']);
    let identifier = match kind {
        Some(kind) => kind.parse(value)?,
        None => detect(value)?,
    };
    Ok(if args.json { json_text(&identifier_json(&identifier, None)) } else { line(&identifier, None) })
}

fn render_found(text: &str, json: bool) -> String {
    let found = extract(text);
    if json {
        let array: Vec<Value> = found.iter().map(|f| identifier_json(&f.identifier, Some(f.span))).collect();
        return json_text(&Value::Array(array));
    }
    if found.is_empty() {
        eprintln!("không tìm thấy thông tin nào / no identifiers found");
    }
    found.iter().map(|f| line(&f.identifier, Some(f.span))).collect()
}

fn line(identifier: &Identifier, span: Option<(usize, usize)>) -> String {
    let mut line =
        format!("{:<13}{}  display: {}", identifier.kind().as_str(), identifier.canonical(), identifier.display());
    if let Some((start, end)) = span {
        line.push_str(&format!("  span: {start}..{end}"));
    }
    line.push('\n');
    line
}

fn json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value serializes");
    text.push('\n');
    text
}

fn read_stdin() -> Result<String, Error> {
    let mut stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("reading standard input (Ctrl-D to end)");
    }
    let mut bytes = Vec::new();
    stdin
        .read_to_end(&mut bytes)
        .map_err(|err| Error::new(ErrorCode::Internal, format!("cannot read standard input: {err}")))?;
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorCode::InvalidRequest, "standard input is not valid UTF-8"))
}

fn write_stdout(output: &str) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): nothing more to say.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error[internal]: cannot write standard output: {err}");
            ExitCode::FAILURE
        }
    }
}
