//! `canhgiac import`: a feed of scam contacts (a phishing list, a partner's export) into the store.
//!
//! The file is read on one thread (`canhgiac_core::feed`), contacts repeated within it are kept once (the first
//! line wins), and the entries, in the order of their canonical forms, are written in batches of [`BATCH`] on
//! another by `Store::add_feed_entries` (one transaction each). The server need not run: a running server sees the
//! new entries when its index is next built or refreshed.
//!
//! Memory is bounded by an external sort: at most [`RUN_ENTRIES`] entries are held at once. A feed that fits in
//! one run (real feeds do: thousands to hundreds of thousands of lines) is sorted in memory and nothing touches the
//! disk; a larger one is cut into runs, each sorted and spilled to an unnamed temporary file, then the runs are
//! merged. The temporary files are made in the data directory (its disk is the one meant for data; `/tmp` may be
//! memory), or in `std::env::temp_dir()` with PostgreSQL; they have no name, so the system removes them when the
//! command ends, however it ends.
//!
//! Output: a summary (accepted: created and already known; repeated within the file; refused, by reason, with
//! the first line numbers: never the lines' contents), as text or `--json`. A progress bar on standard error
//! only when it is a terminal. Exit status: 0 when the file was read to its end, refused lines or not; 2 when
//! the arguments or the file are refused, or the store or the temporary files cannot be reached (as every command
//! says 2 for what is not its own failure); 1 on an internal failure.

use canhgiac_core::feed::{self, FeedFormat, FeedLine, RejectReason};
use canhgiac_core::{Error, ErrorCategory, ErrorCode, IdentifierKind, ScamType};
use canhgiac_store::{NewFeedEntry, Store, StoreLocation};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};
use std::iter::Peekable;
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

/// The most entries held in memory at once while a feed is read. A feed with more is sorted in runs of this many,
/// each spilled to a temporary file, and the runs merged. About 40 MB of phones: 10,000,000 phones imported at a
/// peak of 165 MB in runs of 250,000, 192 MB in runs of 1,000,000 and 233 MB in runs of 2,000,000, the rest being the
/// store's page cache and the batches in flight (bench/RESULTS.md).
pub const RUN_ENTRIES: usize = 1_000_000;
/// Buffer of each temporary file, written or read back (one per run while they are merged).
const SPILL_BUFFER_BYTES: usize = 64 * 1024;

/// A contact as read, before it is sent: what differs between entries only (the feed's name and trust are the
/// plan's, added per batch), so that a run fits in memory at about half the size of its `NewFeedEntry`s.
struct ReadEntry {
    canonical: Box<str>,
    seen_at: i64,
    kind: IdentifierKind,
    scam_type: Option<ScamType>,
}

/// Reads the feed, then sends its distinct entries in batches, in the order of their canonical forms: a store
/// takes entries in its own order far faster than scattered (3,000,000 phones: 6.4 s against 45 s). At most
/// `run_entries` entries are held at once: a longer feed is read in runs, each sorted and spilled to a temporary
/// file in `spill_directory`, and the runs are merged (10,000,000 phones: 0.19-0.20 GB at the peak against 0.73 GB
/// with the whole feed held, bench/RESULTS.md). A line that cannot be read stops the reading; what was read before
/// it is still sent. Stops early when the writer has gone.
fn read_feed(
    plan: &Plan,
    reader: impl Read + Send,
    now: i64,
    run_entries: usize,
    spill_directory: &Path,
    batches: mpsc::SyncSender<Vec<NewFeedEntry>>,
) -> Result<Reading, Error> {
    let run_entries = run_entries.max(1);
    let mut reading = Reading::default();
    let mut run = Vec::new();
    let mut spilled_runs = Vec::new();
    let outcome = match feed::read(plan.format, reader) {
        Err(error) => Err(error),
        Ok(lines) => {
            let mut lines = lines.peekable();
            loop {
                match read_run(plan, &mut lines, now, run_entries, &mut reading, &mut run) {
                    Ok(RunEnd::Full) => {
                        sort_run(&mut run, &mut reading);
                        spilled_runs.push(SpilledRun::write(&mut run, spill_directory)?);
                    }
                    Ok(RunEnd::EndOfFile) => break Ok(()),
                    Err(error) => break Err(error),
                }
            }
        }
    };
    sort_run(&mut run, &mut reading);
    let mut sender = BatchSender { plan, batch: Vec::new(), batches };
    if spilled_runs.is_empty() {
        for entry in run {
            if !sender.send(entry, &mut reading) {
                break;
            }
        }
    } else {
        // The run still in memory is the last: the file's latest lines.
        let mut runs: Vec<SortedRun> = spilled_runs.into_iter().map(SortedRun::Spilled).collect();
        runs.push(SortedRun::InMemory(run.into_iter()));
        merge_runs(runs, &mut sender, &mut reading)?;
    }
    sender.send_batch();
    outcome.map(|()| reading)
}

/// Why [`read_run`] returned.
enum RunEnd {
    /// The run holds as many entries as it may, and lines follow.
    Full,
    EndOfFile,
}

/// Reads lines until `run` holds `run_entries` entries or the file ends: refusals are counted in `reading`,
/// contacts pushed to `run` in file order.
fn read_run(
    plan: &Plan,
    lines: &mut Peekable<impl Iterator<Item = Result<FeedLine, Error>>>,
    now: i64,
    run_entries: usize,
    reading: &mut Reading,
    run: &mut Vec<ReadEntry>,
) -> Result<RunEnd, Error> {
    while run.len() < run_entries {
        let Some(line) = lines.next() else {
            return Ok(RunEnd::EndOfFile);
        };
        let line = line?;
        reading.entries += 1;
        match line.outcome {
            Ok(item) => run.push(ReadEntry {
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
    // A file that ends exactly with a full run needs no spill.
    Ok(if lines.peek().is_some() { RunEnd::Full } else { RunEnd::EndOfFile })
}

/// Sorts a run by canonical form, stably, so that of a contact repeated within it the first line is kept.
fn sort_run(run: &mut Vec<ReadEntry>, reading: &mut Reading) {
    run.sort_by(|a, b| a.canonical.cmp(&b.canonical));
    let read = run.len();
    run.dedup_by(|later, earlier| later.canonical == earlier.canonical);
    reading.duplicates_in_file += read - run.len();
}

/// A sorted run in an unnamed temporary file (removed by the system when closed, however the command ends), read
/// back once while the runs are merged. Each entry: the canonical form's length (u32, little-endian) and bytes,
/// `seen_at` (i64, little-endian), the kind's position in `IdentifierKind::ALL`, and 0 for no scam type or 1 + its
/// position in `ScamType::ALL` (the index codec's convention: the file lives only as long as the command).
struct SpilledRun {
    file: BufReader<File>,
    remaining: usize,
    /// The longest canonical form written: a longer length read back means a damaged file, not an allocation.
    longest: usize,
}

impl SpilledRun {
    /// Writes the sorted `run` to a new temporary file in `directory`, leaving `run` empty (its capacity kept for
    /// the next run).
    fn write(run: &mut Vec<ReadEntry>, directory: &Path) -> Result<SpilledRun, Error> {
        let failed = |action: &str, error: std::io::Error| {
            Error::new(
                ErrorCode::Unavailable,
                format!(
                    "cannot {action} a temporary file for a sorted part of the feed in {}: {error}",
                    directory.display()
                ),
            )
        };
        let file = tempfile::tempfile_in(directory).map_err(|e| failed("create", e))?;
        let mut writer = BufWriter::with_capacity(SPILL_BUFFER_BYTES, file);
        let remaining = run.len();
        let mut longest = 0;
        for entry in run.drain(..) {
            longest = longest.max(entry.canonical.len());
            // Canonical forms are at most 4,096 characters (`MAX_VALUE_CHARS`): the length fits.
            let length = u32::try_from(entry.canonical.len()).unwrap_or(u32::MAX);
            let codes = [
                position_in(IdentifierKind::ALL, entry.kind),
                entry.scam_type.map_or(0, |scam_type| 1 + position_in(ScamType::ALL, scam_type)),
            ];
            writer
                .write_all(&length.to_le_bytes())
                .and_then(|()| writer.write_all(entry.canonical.as_bytes()))
                .and_then(|()| writer.write_all(&entry.seen_at.to_le_bytes()))
                .and_then(|()| writer.write_all(&codes))
                .map_err(|e| failed("write", e))?;
        }
        let mut file = writer.into_inner().map_err(|e| failed("write", e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| failed("rewind", e))?;
        Ok(SpilledRun { file: BufReader::with_capacity(SPILL_BUFFER_BYTES, file), remaining, longest })
    }

    /// The run's next entry; none at its end.
    fn next(&mut self) -> Result<Option<ReadEntry>, Error> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let failed = |error: std::io::Error| {
            Error::new(
                ErrorCode::Unavailable,
                format!("cannot read back a temporary file holding a sorted part of the feed: {error}"),
            )
        };
        let damaged =
            || Error::new(ErrorCode::Internal, "a temporary file holding a sorted part of the feed reads back damaged");
        let mut length = [0; 4];
        self.file.read_exact(&mut length).map_err(failed)?;
        let length = u32::from_le_bytes(length) as usize;
        if length > self.longest {
            return Err(damaged());
        }
        let mut canonical = vec![0; length];
        self.file.read_exact(&mut canonical).map_err(failed)?;
        let canonical = String::from_utf8(canonical).map_err(|_| damaged())?.into_boxed_str();
        let mut seen_at = [0; 8];
        self.file.read_exact(&mut seen_at).map_err(failed)?;
        let mut codes = [0; 2];
        self.file.read_exact(&mut codes).map_err(failed)?;
        let kind = IdentifierKind::ALL.get(usize::from(codes[0])).copied().ok_or_else(damaged)?;
        let scam_type = match codes[1] {
            0 => None,
            code => Some(ScamType::ALL.get(usize::from(code - 1)).copied().ok_or_else(damaged)?),
        };
        Ok(Some(ReadEntry { canonical, seen_at: i64::from_le_bytes(seen_at), kind, scam_type }))
    }
}

/// `value`'s position in its enum's `ALL` list, as one byte (the lists are far shorter than 256).
fn position_in<T: PartialEq + Copy>(all: &[T], value: T) -> u8 {
    all.iter().position(|candidate| *candidate == value).unwrap_or(0) as u8
}

/// A sorted run being merged: spilled, or the last one, still in memory.
enum SortedRun {
    Spilled(SpilledRun),
    InMemory(std::vec::IntoIter<ReadEntry>),
}

impl SortedRun {
    fn next(&mut self) -> Result<Option<ReadEntry>, Error> {
        match self {
            SortedRun::Spilled(spilled) => spilled.next(),
            SortedRun::InMemory(entries) => Ok(entries.next()),
        }
    }
}

/// The next entry of one run while the runs are merged, ordered by canonical form, then by run: of a contact in
/// several runs the earliest run's, the earlier line's, comes first.
struct MergeHead {
    entry: ReadEntry,
    run: usize,
}

impl Ord for MergeHead {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.entry.canonical, self.run).cmp(&(&other.entry.canonical, other.run))
    }
}

impl PartialOrd for MergeHead {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MergeHead {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MergeHead {}

/// Sends the entries of the sorted runs (each already without repeats) in the order of their canonical forms; of a
/// contact in several runs only the earliest run's is sent, the others counted as repeated within the file.
fn merge_runs(mut runs: Vec<SortedRun>, sender: &mut BatchSender, reading: &mut Reading) -> Result<(), Error> {
    // A max-heap: `Reverse` gives the smallest head first.
    let mut heads = BinaryHeap::with_capacity(runs.len());
    for run in 0..runs.len() {
        push_next_head(&mut runs, &mut heads, run)?;
    }
    while let Some(Reverse(head)) = heads.pop() {
        push_next_head(&mut runs, &mut heads, head.run)?;
        // Every smaller form has been taken, so any other run holding this contact has it at its head now.
        while heads.peek().is_some_and(|Reverse(next)| next.entry.canonical == head.entry.canonical) {
            if let Some(Reverse(repeat)) = heads.pop() {
                reading.duplicates_in_file += 1;
                push_next_head(&mut runs, &mut heads, repeat.run)?;
            }
        }
        if !sender.send(head.entry, reading) {
            break;
        }
    }
    Ok(())
}

/// Moves the next entry of `runs[run]`, if any, into `heads`.
fn push_next_head(runs: &mut [SortedRun], heads: &mut BinaryHeap<Reverse<MergeHead>>, run: usize) -> Result<(), Error> {
    if let Some(entry) = runs[run].next()? {
        heads.push(Reverse(MergeHead { entry, run }));
    }
    Ok(())
}

/// Gathers entries, in the order given, into batches of [`BATCH`] for the writer, counting those accepted.
struct BatchSender<'plan> {
    plan: &'plan Plan,
    batch: Vec<NewFeedEntry>,
    batches: mpsc::SyncSender<Vec<NewFeedEntry>>,
}

impl BatchSender<'_> {
    /// Adds an entry, sending the batch when it is full: false when the writer has gone.
    fn send(&mut self, entry: ReadEntry, reading: &mut Reading) -> bool {
        reading.accepted += 1;
        *reading.kinds.entry(entry.kind).or_default() += 1;
        if self.batch.capacity() == 0 {
            self.batch.reserve_exact(BATCH);
        }
        self.batch.push(NewFeedEntry {
            source: self.plan.source.clone(),
            trust_level: self.plan.trust,
            kind: entry.kind,
            canonical: entry.canonical.into(),
            scam_type: entry.scam_type,
            seen_at: entry.seen_at,
        });
        self.batch.len() < BATCH || self.send_batch()
    }

    /// Sends what has been gathered: false when the writer has gone.
    fn send_batch(&mut self) -> bool {
        self.batch.is_empty() || self.batches.send(std::mem::take(&mut self.batch)).is_ok()
    }
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

    // Beside the store when it is SQLite: that disk is meant for data, where /tmp may be memory.
    let spill_directory = match &location {
        StoreLocation::Sqlite(_) => args.data_dir.clone(),
        StoreLocation::Postgres(_) => std::env::temp_dir(),
    };

    let started = Instant::now();
    let now = jiff::Timestamp::now().as_millisecond();
    let bar = progress_bar(length);
    let (batches, received) = mpsc::sync_channel::<Vec<NewFeedEntry>>(2);
    let reader = bar.wrap_read(std::io::BufReader::with_capacity(256 * 1024, file));
    let (reading, written) = std::thread::scope(|scope| {
        let plan = &plan;
        let reading = scope.spawn(move || read_feed(plan, reader, now, RUN_ENTRIES, &spill_directory, batches));
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

    const NOW: i64 = 1_800_000_000_000;

    fn plan(format: FeedFormat) -> Plan {
        Plan { source: "test".to_string(), trust: 50, format, scam_type: None }
    }

    /// `read_feed` over `reader` with runs of `run_entries`, spilling into `spill_directory`, drained as the
    /// writer would: what it returned and every batch sent.
    fn read_in_runs(
        plan: &Plan,
        reader: impl Read + Send,
        run_entries: usize,
        spill_directory: &Path,
    ) -> (Result<Reading, Error>, Vec<Vec<NewFeedEntry>>) {
        let (batches, received) = mpsc::sync_channel(2);
        std::thread::scope(|scope| {
            let reading = scope.spawn(move || read_feed(plan, reader, NOW, run_entries, spill_directory, batches));
            let sent: Vec<Vec<NewFeedEntry>> = received.iter().collect();
            (reading.join().unwrap(), sent)
        })
    }

    /// As [`read_in_runs`] over `text`, which must be read to its end; the spill directory is left empty.
    fn read_text(plan: &Plan, text: &str, run_entries: usize) -> (Reading, Vec<Vec<NewFeedEntry>>) {
        let spill_directory = tempfile::tempdir().unwrap();
        let (reading, sent) = read_in_runs(plan, text.as_bytes(), run_entries, spill_directory.path());
        let left: Vec<_> = std::fs::read_dir(spill_directory.path()).unwrap().collect();
        assert!(left.is_empty(), "temporary files left behind: {left:?}");
        (reading.unwrap(), sent)
    }

    fn entry<'a>(sent: &'a [Vec<NewFeedEntry>], canonical: &str) -> &'a NewFeedEntry {
        let mut found = sent.iter().flatten().filter(|entry| entry.canonical == canonical);
        let first = found.next().unwrap_or_else(|| panic!("{canonical} was not sent"));
        assert!(found.next().is_none(), "{canonical} was sent twice");
        first
    }

    fn assert_same_reading(single: &Reading, in_runs: &Reading) {
        assert_eq!(single.entries, in_runs.entries);
        assert_eq!(single.accepted, in_runs.accepted);
        assert_eq!(single.duplicates_in_file, in_runs.duplicates_in_file);
        assert_eq!(single.kinds, in_runs.kinds);
        assert_eq!(single.rejected, in_runs.rejected);
    }

    /// Runs of 3 entries: lines 2-4 | 5, 7, 8 (6 is refused) | 9-11 | 12-14, the last run kept in memory.
    const REPEATS: &str = "value,kind,scam_type,seen_at
0912000003,,task_scam,1700000000002
0912000001,,,1700000000003
0912000003,,investment,1700000000004
0912000002,,,1700000000005
not a contact,,,
0912000001,,gambling,1700000000007
https://vcb-online.top/login,,prize,1700000000008
0912000003,,other,1700000000009
scam-shop.vn,,,1700000000010
0912000002,,delivery,1700000000011
0912000004,,online_loan,1700000000012
0912000004,,,1700000000013
scam-shop.vn,,job_scam,1700000000014
";

    #[test]
    fn the_first_line_of_a_repeated_contact_wins_within_and_across_runs() {
        let plan = plan(FeedFormat::Csv);
        let (single, single_sent) = read_text(&plan, REPEATS, RUN_ENTRIES);
        let (in_runs, sent) = read_text(&plan, REPEATS, 3);
        assert_eq!(sent, single_sent);
        assert_same_reading(&single, &in_runs);

        assert_eq!(in_runs.entries, 13);
        assert_eq!(in_runs.accepted, 6);
        // Line 4 within the first run, 13 within the last; 7, 9, 11 and 14 across runs.
        assert_eq!(in_runs.duplicates_in_file, 6);
        let kinds: Vec<(IdentifierKind, usize)> = in_runs.kinds.iter().map(|(kind, count)| (*kind, *count)).collect();
        assert_eq!(kinds, [(IdentifierKind::Phone, 4), (IdentifierKind::Url, 1), (IdentifierKind::Domain, 1)]);
        assert_eq!(in_runs.rejected[&RejectReason::NotAContact], (1, vec![6]));

        let kept = |canonical| {
            let entry = entry(&sent, canonical);
            (entry.seen_at, entry.scam_type)
        };
        assert_eq!(kept("+84912000003"), (1_700_000_000_002, Some(ScamType::TaskScam)));
        assert_eq!(kept("+84912000001"), (1_700_000_000_003, None));
        assert_eq!(kept("+84912000002"), (1_700_000_000_005, None));
        assert_eq!(kept("+84912000004"), (1_700_000_000_012, Some(ScamType::OnlineLoan)));
        assert_eq!(kept("scam-shop.vn"), (1_700_000_000_010, None));
        let link = sent.iter().flatten().find(|entry| entry.kind == IdentifierKind::Url).unwrap();
        assert_eq!((link.seen_at, link.scam_type), (1_700_000_000_008, Some(ScamType::Prize)));

        let canonicals: Vec<&str> = sent.iter().flatten().map(|entry| entry.canonical.as_str()).collect();
        assert!(canonicals.is_sorted(), "{canonicals:?}");
        assert!(sent.iter().flatten().all(|entry| entry.source == "test" && entry.trust_level == 50));
    }

    #[test]
    fn batches_in_runs_are_those_of_one_run() {
        // 120,000 lines: 100,000 distinct phones in a scattered order, then 20,000 of them again; every tenth line
        // a domain, every thousandth refused.
        let mut text = String::new();
        for line in 0..120_000u64 {
            match line {
                _ if line % 1_000 == 999 => text += "not a contact\n",
                _ if line % 10 == 3 => text += &format!("shop-{}.vn\n", (line * 7_919) % 100_000),
                _ => text += &format!("09{:08}\n", (line * 7_919) % 100_000),
            }
        }
        let plan = plan(FeedFormat::Plain);
        let (single, single_sent) = read_text(&plan, &text, RUN_ENTRIES);
        let (in_runs, sent) = read_text(&plan, &text, 7_000);
        assert_same_reading(&single, &in_runs);
        assert_eq!(in_runs.entries, 120_000);
        assert_eq!(in_runs.accepted, 100_000 - 100);
        assert_eq!(in_runs.duplicates_in_file, 20_000 - 20);
        let sizes: Vec<usize> = sent.iter().map(Vec::len).collect();
        assert_eq!(sizes, [BATCH, in_runs.accepted - BATCH]);
        assert!(sent == single_sent, "the batches differ from those of one run");
        let canonicals: Vec<&str> = sent.iter().flatten().map(|entry| entry.canonical.as_str()).collect();
        assert!(canonicals.is_sorted_by(|a, b| a < b), "not in strictly ascending order");
    }

    /// Reads `text`, then fails as a disk would.
    struct FailingAfter<'a>(&'a [u8]);

    impl Read for FailingAfter<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let read = self.0.read(buffer)?;
            Ok(read)
        }
    }

    #[test]
    fn a_line_that_cannot_be_read_stops_the_reading_and_what_came_before_is_sent() {
        let text = "0912000003\n0912000001\n0912000003\nscam-shop.vn\n0912000002\n0912000001\n0912000004\n";
        let plan = plan(FeedFormat::Plain);
        for run_entries in [RUN_ENTRIES, 2] {
            let spill_directory = tempfile::tempdir().unwrap();
            let (reading, sent) =
                read_in_runs(&plan, FailingAfter(text.as_bytes()), run_entries, spill_directory.path());
            let error = reading.expect_err("the reading fails");
            assert!(error.message.contains("the disk is gone"), "{}", error.message);
            let canonicals: Vec<&str> = sent.iter().flatten().map(|entry| entry.canonical.as_str()).collect();
            assert_eq!(canonicals, ["+84912000001", "+84912000002", "+84912000003", "+84912000004", "scam-shop.vn"]);
        }
    }

    #[test]
    fn a_run_that_cannot_be_spilled_is_a_clear_error_and_one_run_needs_no_disk() {
        let missing = tempfile::tempdir().unwrap().path().join("missing");
        let plan = plan(FeedFormat::Csv);
        let (reading, sent) = read_in_runs(&plan, REPEATS.as_bytes(), 3, &missing);
        let error = reading.expect_err("nowhere to spill");
        assert_eq!(error.code, ErrorCode::Unavailable);
        assert!(error.message.contains("cannot create a temporary file"), "{}", error.message);
        assert!(error.message.contains("missing"), "{}", error.message);
        assert!(sent.is_empty());

        let (reading, sent) = read_in_runs(&plan, REPEATS.as_bytes(), 12, &missing);
        assert_eq!(reading.unwrap().accepted, 6);
        assert_eq!(sent.iter().map(Vec::len).sum::<usize>(), 6);
    }

    #[test]
    fn a_spilled_run_reads_back_what_was_written() {
        let mut run = vec![
            ReadEntry { canonical: "+84912000001".into(), seen_at: -5, kind: IdentifierKind::Phone, scam_type: None },
            ReadEntry {
                canonical: "vietcombank-hotro.com".into(),
                seen_at: i64::MAX,
                kind: IdentifierKind::Domain,
                scam_type: Some(ScamType::Other),
            },
            ReadEntry {
                canonical: "https://vcb-online.top/đăng-nhập".into(),
                seen_at: 0,
                kind: IdentifierKind::Url,
                scam_type: Some(ScamType::ImpersonationAuthority),
            },
        ];
        let expected: Vec<(String, i64, IdentifierKind, Option<ScamType>)> =
            run.iter().map(|e| (e.canonical.to_string(), e.seen_at, e.kind, e.scam_type)).collect();
        let directory = tempfile::tempdir().unwrap();
        let mut spilled = SpilledRun::write(&mut run, directory.path()).unwrap();
        assert!(run.is_empty());
        let mut read = Vec::new();
        while let Some(e) = spilled.next().unwrap() {
            read.push((e.canonical.to_string(), e.seen_at, e.kind, e.scam_type));
        }
        assert_eq!(read, expected);
        assert!(spilled.next().unwrap().is_none());
    }

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(34_467), "34,467");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
