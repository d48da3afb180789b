//! `canhgiac import`: a feed of scam contacts (a phishing list, a partner's export) into the store.
//!
//! The file is read whole on one thread (`canhgiac_core::feed`), contacts repeated within it are kept once, and
//! the entries, in the order of their canonical forms, are written in batches of [`BATCH`] on another by
//! `Store::add_feed_entries` (one transaction each). The server need not run: a running server sees the new
//! entries when its index is next built or refreshed.
//!
//! Output: a summary (accepted: created and already known; repeated within the file; refused, by reason, with
//! the first line numbers: never the lines' contents), as text or `--json`. A progress bar on standard error
//! only when it is a terminal. Exit status: 0 when the file was read to its end, refused lines or not; 2 when
//! the arguments or the file are refused; 1 on an internal failure.

use canhgiac_core::feed::{self, FeedFormat, RejectReason};
use canhgiac_core::{Error, ErrorCategory, ErrorCode, IdentifierKind, ScamType};
use canhgiac_store::{NewFeedEntry, Store, StoreLocation};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Entries per write (one transaction); a running server's writes wait for at most one. Fewer, larger
/// transactions write far less when entries land all over the store's order of contacts (494,000 phones in file
/// order: 8.2-8.5 s in batches of 5,000, 4.6-5.1 s in batches of 50,000); sorted, as they are now, they land in a
/// few places each.
pub const BATCH: usize = 50_000;
/// Refused line numbers kept per reason.
const FIRST_LINES: usize = 5;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The feed's name (letters, digits, '.', '_', '-'; e.g. chongluadao, openphish): the store keeps one entry per
    /// feed and contact, so importing a newer copy of the same feed refreshes it.
    #[arg(long)]
    source: String,
    /// 0-100: how much the reputation index trusts this feed.
    #[arg(long, value_name = "0-100", allow_hyphen_values = true)]
    trust: String,
    /// plain, chongluadao-json, openphish, phishtank-csv, urlhaus or csv.
    #[arg(long)]
    format: String,
    /// The scam type of every entry that does not name its own (a catalogue code, e.g. fake_app_website).
    #[arg(long, value_name = "CODE")]
    scam_type: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Directory for the data store; created when absent.
    #[arg(long, value_name = "DIR", env = "CANHGIAC_DATA_DIR", default_value = "./canhgiac-data")]
    data_dir: PathBuf,
    /// Use PostgreSQL at this URL instead of the embedded SQLite store.
    #[arg(long, value_name = "URL", env = "CANHGIAC_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// The feed file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// The checked arguments.
struct Plan {
    source: String,
    trust: u8,
    format: FeedFormat,
    scam_type: Option<ScamType>,
}

fn check(args: &ImportArgs) -> Result<Plan, Error> {
    let format = FeedFormat::parse(&args.format)?;
    let trust = match args.trust.trim().parse::<i64>() {
        Ok(trust @ 0..=100) => trust as u8,
        _ => return Err(Error::new(ErrorCode::InvalidValue, "trust is a whole number 0-100").with_field("trust")),
    };
    let source = args.source.trim().to_ascii_lowercase();
    let valid = !source.is_empty()
        && source.len() <= 64
        && source.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid {
        return Err(Error::new(ErrorCode::InvalidValue, "a source is 1-64 letters, digits, '.', '_' or '-'")
            .with_field("source"));
    }
    let scam_type =
        args.scam_type.as_deref().map(ScamType::parse).transpose().map_err(|e: Error| e.with_field("scam_type"))?;
    Ok(Plan { source, trust, format, scam_type })
}

fn open_file(path: &Path) -> Result<(std::fs::File, u64), Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound { ErrorCode::NotFound } else { ErrorCode::InvalidFile };
        Error::new(code, format!("cannot open {}: {e}", path.display())).with_field("file")
    })?;
    let metadata = file.metadata().map_err(|e| Error::new(ErrorCode::InvalidFile, e.to_string()).with_field("file"))?;
    if metadata.is_dir() {
        return Err(Error::new(ErrorCode::InvalidFile, format!("{} is a directory", path.display())).with_field("file"));
    }
    Ok((file, metadata.len()))
}

/// What the reading thread found.
#[derive(Debug, Default)]
struct Reading {
    entries: usize,
    accepted: usize,
    duplicates_in_file: usize,
    rejected: BTreeMap<RejectReason, (usize, Vec<usize>)>,
    kinds: BTreeMap<IdentifierKind, usize>,
}

/// A contact as read, before it is sent: what differs between entries only (the feed's name and trust are the
/// plan's, added per batch), so that a whole feed fits in memory at about half the size of its `NewFeedEntry`s.
struct ReadEntry {
    canonical: Box<str>,
    seen_at: i64,
    kind: IdentifierKind,
    scam_type: Option<ScamType>,
}

/// Reads the whole feed, then sends its distinct entries in batches, in the order of their canonical forms: a
/// store takes entries in its own order far faster than scattered (3,000,000 phones: 6.4 s against 45 s), at the
/// cost of holding the feed's entries in memory (10,000,000 phones: 0.74-0.89 GB at the peak, bench/RESULTS.md). A
/// line that cannot be read stops the reading; what was read before it is still sent. Stops early when the writer
/// has gone.
fn read_feed(
    plan: &Plan,
    reader: impl Read + Send,
    now: i64,
    batches: mpsc::SyncSender<Vec<NewFeedEntry>>,
) -> Result<Reading, Error> {
    let mut reading = Reading::default();
    let mut entries = Vec::new();
    let outcome = read_entries(plan, reader, now, &mut reading, &mut entries);
    // Sorted stably, so that of a contact repeated within the file the first line is kept.
    entries.sort_by(|a: &ReadEntry, b: &ReadEntry| a.canonical.cmp(&b.canonical));
    let read = entries.len();
    entries.dedup_by(|later, earlier| later.canonical == earlier.canonical);
    reading.duplicates_in_file = read - entries.len();
    reading.accepted = entries.len();
    for entry in &entries {
        *reading.kinds.entry(entry.kind).or_default() += 1;
    }
    let mut entries = entries.into_iter();
    loop {
        let batch: Vec<NewFeedEntry> = entries
            .by_ref()
            .take(BATCH)
            .map(|entry| NewFeedEntry {
                source: plan.source.clone(),
                trust_level: plan.trust,
                kind: entry.kind,
                canonical: entry.canonical.into(),
                scam_type: entry.scam_type,
                seen_at: entry.seen_at,
            })
            .collect();
        if batch.is_empty() || batches.send(batch).is_err() {
            break;
        }
    }
    outcome.map(|()| reading)
}

/// Reads every line: refusals are counted in `reading`, contacts pushed to `entries` in file order.
fn read_entries(
    plan: &Plan,
    reader: impl Read + Send,
    now: i64,
    reading: &mut Reading,
    entries: &mut Vec<ReadEntry>,
) -> Result<(), Error> {
    for line in feed::read(plan.format, reader)? {
        let line = line?;
        reading.entries += 1;
        match line.outcome {
            Ok(item) => entries.push(ReadEntry {
                kind: item.identifier.kind(),
                canonical: item.identifier.canonical().into_boxed_str(),
                scam_type: item.scam_type.or(plan.scam_type),
                seen_at: item.seen_at.unwrap_or(now),
            }),
            Err(rejection) => {
                let (count, lines) = reading.rejected.entry(rejection.reason).or_default();
                *count += 1;
                if lines.len() < FIRST_LINES {
                    lines.push(line.line);
                }
            }
        }
    }
    Ok(())
}

pub fn run(args: ImportArgs) -> ExitCode {
    let json = args.json;
    match execute(args) {
        Ok(summary) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&summary).expect("a summary serialises"));
            } else {
                print!("{}", render(&summary));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let field = error.field.as_deref().map(|f| format!(" (field: {f})")).unwrap_or_default();
            eprintln!("error[{}]: {}{field}", error.code, error.message);
            eprintln!("  = {}", error.code.summary_vi());
            if error.category() == ErrorCategory::Internal { ExitCode::FAILURE } else { ExitCode::from(2) }
        }
    }
}

fn progress_bar(length: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn execute(args: ImportArgs) -> Result<Value, Error> {
    let plan = check(&args)?;
    let (file, length) = open_file(&args.file)?;
    let location = StoreLocation::choose(args.database.as_deref(), &args.data_dir)?;
    if matches!(location, StoreLocation::Sqlite(_)) {
        std::fs::create_dir_all(&args.data_dir).map_err(|e| {
            Error::new(
                ErrorCode::Unavailable,
                format!("cannot create the data directory {}: {e}", args.data_dir.display()),
            )
        })?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorCode::Internal, format!("cannot start the runtime: {e}")))?;
    let store: Arc<dyn Store> = runtime.block_on(canhgiac_store::open(&location))?;

    let started = Instant::now();
    let now = jiff::Timestamp::now().as_millisecond();
    let bar = progress_bar(length);
    let (batches, received) = mpsc::sync_channel::<Vec<NewFeedEntry>>(2);
    let reader = bar.wrap_read(std::io::BufReader::with_capacity(256 * 1024, file));
    let (reading, written) = std::thread::scope(|scope| {
        let plan = &plan;
        let reading = scope.spawn(move || read_feed(plan, reader, now, batches));
        // Written here while the next batch is read; the first failure stops both.
        let mut written = Ok((0usize, 0usize));
        for batch in received.iter() {
            let size = batch.len();
            match runtime.block_on(store.add_feed_entries(batch)) {
                Ok(outcome) => {
                    if let Ok((created, known)) = &mut written {
                        *created += outcome.created;
                        *known += outcome.duplicates;
                        bar.set_message(format!("{} stored", *created + *known));
                    }
                }
                Err(error) => {
                    written = Err(Error::new(
                        error.code,
                        format!(
                            "writing a batch of {size} entries failed (earlier batches are stored): {}",
                            error.message
                        ),
                    ));
                    break;
                }
            }
        }
        drop(received);
        let reading = reading.join().unwrap_or_else(|_| Err(Error::new(ErrorCode::Internal, "the reader panicked")));
        (reading, written)
    });
    bar.finish_and_clear();
    let (created, already_known) = written?;
    let reading = reading.map_err(|error| {
        let kept = created + already_known;
        Error { message: format!("{} ({kept} entries read before it are stored)", error.message), ..error }
    })?;
    let seconds = started.elapsed().as_secs_f64();

    let rejected: usize = reading.rejected.values().map(|(count, _)| count).sum();
    let reasons: serde_json::Map<String, Value> = reading
        .rejected
        .iter()
        .map(|(reason, (count, lines))| (reason.as_str().to_string(), json!({"count": count, "first_lines": lines})))
        .collect();
    let kinds: serde_json::Map<String, Value> =
        reading.kinds.iter().map(|(kind, count)| (kind.as_str().to_string(), json!(count))).collect();
    Ok(json!({
        "file": args.file.display().to_string(),
        "store": location.describe(),
        "source": plan.source,
        "format": plan.format.as_str(),
        "trust": plan.trust,
        "scam_type": plan.scam_type.map(|t| t.code()),
        "entries": reading.entries,
        "accepted": reading.accepted,
        "created": created,
        "already_known": already_known,
        "kinds": kinds,
        "duplicates_in_file": reading.duplicates_in_file,
        "rejected": rejected,
        "rejections": reasons,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "entries_per_second": (reading.entries as f64 / seconds.max(1e-9)).round(),
    }))
}

/// `34467` → `34,467`.
fn thousands(value: u64) -> String {
    canhgiac_core::text::group_thousands(value, ',')
}

fn render(summary: &Value) -> String {
    let number = |key: &str| thousands(summary[key].as_u64().unwrap_or(0));
    let mut out = format!(
        "imported {} into {} as feed '{}' ({}, trust {})\n",
        summary["file"].as_str().unwrap_or(""),
        summary["store"].as_str().unwrap_or(""),
        summary["source"].as_str().unwrap_or(""),
        summary["format"].as_str().unwrap_or(""),
        summary["trust"],
    );
    out += &format!("  entries read:                {}\n", number("entries"));
    out += &format!(
        "  accepted:                    {} (created {}, already known {})\n",
        number("accepted"),
        number("created"),
        number("already_known")
    );
    if let Some(kinds) = summary["kinds"].as_object().filter(|k| !k.is_empty()) {
        let kinds: Vec<String> =
            kinds.iter().map(|(kind, count)| format!("{kind} {}", thousands(count.as_u64().unwrap_or(0)))).collect();
        out += &format!("    by kind: {}\n", kinds.join(", "));
    }
    out += &format!("  repeated within the file:    {}\n", number("duplicates_in_file"));
    out += &format!("  rejected:                    {}\n", number("rejected"));
    if let Some(reasons) = summary["rejections"].as_object() {
        for (reason, detail) in reasons {
            let count = detail["count"].as_u64().unwrap_or(0);
            let lines: Vec<String> =
                detail["first_lines"].as_array().map(|l| l.iter().map(|n| n.to_string()).collect()).unwrap_or_default();
            let more = if count as usize > lines.len() { ", ..." } else { "" };
            let word = if lines.len() == 1 { "line" } else { "lines" };
            out += &format!("    {reason}: {} ({word} {}{more})\n", thousands(count), lines.join(", "));
        }
    }
    out += &format!(
        "  {:.1} s, {} entries/s\n",
        summary["seconds"].as_f64().unwrap_or(0.0),
        thousands(summary["entries_per_second"].as_f64().unwrap_or(0.0) as u64)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(34_467), "34,467");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
