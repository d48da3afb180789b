//! The reputation index in process (issue 4): build time, memory per contact, look-ups per second on one core
//! (hits and misses apart; one at a time, through a snapshot, and in batches of 8, 16 and 32 through
//! `IndexSnapshot::lookup_each` / `lookup_many`) and a batch of 10,000 explained checks. Run by `bench/check`,
//! figures in RESULTS.md.
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/check_index --contacts 10000000
//! ```
//!
//! The contacts are synthetic (`support/synthetic.rs`, shared with `check_server`) and made lazily while the
//! index is built, so the input is never held whole. Memory is counted by a global allocator that adds up the
//! bytes live (requested sizes, without the allocator's own overhead): live after the build minus live before,
//! with every input record already dropped. `heap_bytes()` (the index's own estimate) and the process's RSS are
//! printed beside it.
//!
//! Helper modes for the HTTP comparison (same contacts, nothing else run):
//! - `--write-queries FILE --count N [--no-links]`: N wrk request paths `/v1/check?q=…`, half hits, half misses,
//!   raw forms (`--no-links`: without links and domains);
//! - `--write-batch FILE --count N [--batch-number K]`: a `POST /v1/check/batch` body of N raw values, half hits
//!   (each K its own values: hosts a server judged lately answer from its memo, so a timed call needs new ones);
//! - `--dump-answers FILE --count N`: the JSON answer of each of N batch values, one per line (to compare two builds);
//! - `--redis-protocol`: `SET key:<12 digits> <verdict>` for every contact, in Redis's protocol, on stdout.

#[allow(dead_code)]
#[path = "support/memory.rs"]
mod memory;
#[path = "support/synthetic.rs"]
mod synthetic;

use memory::{mib, proc_status_bytes};

use canhgiac_core::detect;
use canhgiac_core::verdict::{VerdictLevel, assess};
use canhgiac_index::ReputationIndex;
use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::io::{BufWriter, Write as _};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use synthetic::{NOW_MS, contact, mix, raw_form, records, trust, url_encode};

/// Counts the bytes live on the heap, over mimalloc (the allocator `canhgiac` uses).
struct Counting;

static INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Off for the multi-threaded batch at the end: one counter written by every allocation of two threads is a cache
/// line bouncing between the cores, which the product does not have (and no memory is measured after it).
static COUNTING: AtomicBool = AtomicBool::new(true);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { INNER.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { INNER.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { INNER.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { INNER.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

struct Options {
    contacts: u64,
    small: u64,
    queries: usize,
    batch: usize,
    rounds: usize,
    write_queries: Option<String>,
    write_batch: Option<String>,
    batch_number: u64,
    dump_answers: Option<String>,
    count: usize,
    redis_protocol: bool,
    no_links: bool,
}

fn usage() -> &'static str {
    "check_index [--contacts N] [--small N] [--queries N] [--batch N] [--rounds N] \
     | --write-queries FILE [--count N] [--no-links] | --write-batch FILE [--count N] [--batch-number K] | --dump-answers FILE [--count N] | --redis-protocol  (all with --contacts N)"
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        contacts: 10_000_000,
        small: 1_000_000,
        queries: 4_000_000,
        batch: 10_000,
        rounds: 20,
        write_queries: None,
        write_batch: None,
        batch_number: 0,
        dump_answers: None,
        count: 100_000,
        redis_protocol: false,
        no_links: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--bench" {
            continue;
        }
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {}", usage()));
        let number = |text: String| text.replace('_', "").parse::<u64>().map_err(|_| format!("not a number: {text}"));
        match arg.as_str() {
            "--contacts" => options.contacts = number(value()?)?,
            "--small" => options.small = number(value()?)?,
            "--queries" => options.queries = number(value()?)? as usize,
            "--batch" => options.batch = number(value()?)? as usize,
            "--rounds" => options.rounds = (number(value()?)? as usize).max(1),
            "--count" => options.count = number(value()?)? as usize,
            "--write-queries" => options.write_queries = Some(value()?),
            "--write-batch" => options.write_batch = Some(value()?),
            "--batch-number" => options.batch_number = number(value()?)?,
            "--dump-answers" => options.dump_answers = Some(value()?),
            "--redis-protocol" => options.redis_protocol = true,
            "--no-links" => options.no_links = true,
            "-h" | "--help" => return Err(usage().to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {}", usage())),
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
    let result = if let Some(path) = &options.write_queries {
        write_queries(path, options.contacts, options.count, options.no_links)
    } else if let Some(path) = &options.write_batch {
        write_batch(path, options.contacts, options.count, options.batch_number)
    } else if let Some(path) = &options.dump_answers {
        dump_answers(path, options.contacts, options.count)
    } else if options.redis_protocol {
        redis_protocol(options.contacts)
    } else {
        run(&options)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("check_index: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Query number `k` of a set: a hit (a loaded contact) for even `k`, a miss for odd `k`, chosen at random.
fn query_contact(k: u64, contacts: u64, salt: u64) -> u64 {
    let r = mix(k ^ salt);
    if k.is_multiple_of(2) { r % contacts } else { contacts + r % contacts }
}

/// Whether contact `i` is a link or a domain (the kinds also judged against the protected brands).
fn is_link_or_domain(i: u64) -> bool {
    (13..=16).contains(&(i % 20))
}

fn write_queries(path: &str, contacts: u64, count: usize, no_links: bool) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = BufWriter::new(file);
    let mut written = 0;
    let mut k = 0u64;
    while written < count {
        let i = query_contact(k, contacts, 0x7772_6b00);
        k += 1;
        if no_links && is_link_or_domain(i) {
            continue;
        }
        writeln!(out, "/v1/check?q={}", url_encode(&raw_form(i))).map_err(|e| e.to_string())?;
        written += 1;
    }
    out.flush().map_err(|e| e.to_string())
}

/// Batch `number`'s values: every number draws its own contacts (and so, for links and domains, hosts the
/// look-alike memo has not seen).
fn batch_values(contacts: u64, count: usize, number: u64) -> Vec<String> {
    let salt = 0xba7c_4000 ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..count as u64).map(|k| raw_form(query_contact(k, contacts, salt))).collect()
}

fn write_batch(path: &str, contacts: u64, count: usize, number: u64) -> Result<(), String> {
    let body = serde_json::json!({ "values": batch_values(contacts, count, number) });
    std::fs::write(path, serde_json::to_vec(&body).map_err(|e| e.to_string())?).map_err(|e| format!("{path}: {e}"))
}

/// The explained answer (or the refusal) of every batch value, one JSON line each: a change meant to keep every
/// answer is checked by comparing two dumps with `cmp`.
fn dump_answers(path: &str, contacts: u64, count: usize) -> Result<(), String> {
    let index = build(contacts).index;
    let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = BufWriter::new(file);
    for value in batch_values(contacts, count, 0) {
        let line = match detect(&value) {
            Ok(identifier) => {
                let answer = index.check(&identifier, NOW_MS);
                let json = serde_json::to_string(&answer).map_err(|e| e.to_string())?;
                // The hand-written writer the routes use must write the derived serialisation's bytes.
                if answer.to_json() != json.as_bytes() {
                    return Err(format!("write_json differs from serde_json for {value:?}: {json}"));
                }
                json
            }
            Err(error) => format!("{{\"error\":\"{}\"}}", error.code.as_str()),
        };
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// `SET key:000000000042 <level>:<score>` for every contact, in RESP: what `redis-benchmark -t get -r N` reads.
fn redis_protocol(contacts: u64) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    for i in 0..contacts {
        let record = synthetic::record(i);
        let assessment = assess(&record.signals, NOW_MS);
        let key = format!("key:{i:012}");
        let value = format!("{}:{}", assessment.level.as_str(), assessment.score);
        write!(out, "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n", key.len(), value.len())
            .map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// Canonical forms and raw forms of a sample of contacts, loaded and absent, parse back to themselves.
fn verify_generator(contacts: u64) -> Result<(), String> {
    let sample = 20_000u64;
    for k in 0..sample {
        let i = mix(k ^ 0x00c0_ffee) % (2 * contacts);
        let (kind, canonical) = contact(i);
        let parsed = detect(&canonical).map_err(|e| format!("{canonical:?} refused: {}", e.message))?;
        if parsed.canonical() != canonical || parsed.kind() != kind {
            return Err(format!("{canonical:?} reads back as {:?} ({:?})", parsed.canonical(), parsed.kind()));
        }
        let raw = raw_form(i);
        let parsed = detect(&raw).map_err(|e| format!("raw form {raw:?} refused: {}", e.message))?;
        if parsed.canonical() != canonical {
            return Err(format!("raw form {raw:?} reads as {:?}, not {canonical:?}", parsed.canonical()));
        }
    }
    // Every family appears, and one example each.
    let examples: Vec<String> = (0..20).map(|i| format!("{} ({})", contact(i).1, raw_form(i))).collect();
    println!(
        "generator: {sample} sampled contacts (loaded and absent) and their raw forms parse back; one per family:"
    );
    for example in examples {
        println!("  {example}");
    }
    Ok(())
}

struct Built {
    index: ReputationIndex,
    seconds: f64,
    live_bytes: usize,
}

fn build(contacts: u64) -> Built {
    let trust = trust();
    let before = live();
    let started = Instant::now();
    let index = ReputationIndex::build(trust, records(contacts), NOW_MS);
    let seconds = started.elapsed().as_secs_f64();
    Built { index, seconds, live_bytes: live().saturating_sub(before) }
}

fn generation_seconds(contacts: u64) -> f64 {
    let started = Instant::now();
    let mut bytes = 0usize;
    for record in records(contacts) {
        bytes += black_box(record).canonical.len();
    }
    black_box(bytes);
    started.elapsed().as_secs_f64()
}

/// Query strings back to back in one buffer, so that the timed loop reads them in order.
struct Queries {
    text: String,
    ends: Vec<u32>,
}

impl Queries {
    fn new(count: usize, pick: impl Fn(u64) -> u64) -> Queries {
        let mut queries = Queries { text: String::with_capacity(count * 24), ends: Vec::with_capacity(count) };
        for k in 0..count as u64 {
            queries.text.push_str(&contact(pick(k)).1);
            queries.ends.push(queries.text.len() as u32);
        }
        queries
    }

    /// The queries in order.
    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let query = &self.text[start..end as usize];
            start = end as usize;
            query
        })
    }

    fn for_each(&self, mut f: impl FnMut(&str)) {
        let mut start = 0usize;
        for &end in &self.ends {
            f(&self.text[start..end as usize]);
            start = end as usize;
        }
    }
}

/// Look-ups per second over every query (one thread); returns (rate, found).
fn time_lookups(index: &ReputationIndex, queries: &Queries) -> (f64, usize) {
    let mut found = 0usize;
    let started = Instant::now();
    queries.for_each(|q| {
        if black_box(index.lookup(black_box(q))).is_some() {
            found += 1;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    (queries.ends.len() as f64 / elapsed, found)
}

/// The same through a snapshot of the index (what a batch uses): no atomic operation per look-up.
fn time_snapshot_lookups(index: &ReputationIndex, queries: &Queries) -> (f64, usize) {
    let mut found = 0usize;
    let started = Instant::now();
    let snapshot = index.snapshot();
    queries.for_each(|q| {
        if black_box(snapshot.lookup(black_box(q))).is_some() {
            found += 1;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    (queries.ends.len() as f64 / elapsed, found)
}

/// The same in batches through a snapshot: `IndexSnapshot::lookup_each` takes `GROUP` queries at a time
/// through the stages of a look-up, prefetching, so that their memory reads overlap.
fn time_batched_lookups<const GROUP: usize>(index: &ReputationIndex, queries: &Queries) -> (f64, usize) {
    let mut found = 0usize;
    let started = Instant::now();
    let snapshot = index.snapshot();
    snapshot.lookup_each::<GROUP>(queries.iter(), |answer| {
        if black_box(answer).is_some() {
            found += 1;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    (queries.ends.len() as f64 / elapsed, found)
}

/// `IndexSnapshot::lookup_many` (its default group) over every query in one slice, answers into a vector (the
/// slice and the vector are made before timing).
fn time_lookup_many(index: &ReputationIndex, queries: &Queries) -> (f64, usize) {
    let slice: Vec<&str> = queries.iter().collect();
    let mut out = Vec::with_capacity(slice.len());
    let started = Instant::now();
    let snapshot = index.snapshot();
    snapshot.lookup_many(black_box(&slice), &mut out);
    let found = black_box(&out).iter().filter(|answer| answer.is_some()).count();
    let elapsed = started.elapsed().as_secs_f64();
    (queries.ends.len() as f64 / elapsed, found)
}

/// Three passes of hits and misses with `time`, checked (every hit found, no miss found) and printed.
fn lookup_passes(
    title: &str,
    hits: &Queries,
    misses: &Queries,
    time: impl Fn(&Queries) -> (f64, usize),
) -> Result<(), String> {
    let (mut hit_rates, mut miss_rates) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let (rate, found) = time(hits);
        if found != hits.ends.len() {
            return Err(format!("{title}: {} of {} hits not found", hits.ends.len() - found, hits.ends.len()));
        }
        hit_rates.push(rate);
        let (rate, found) = time(misses);
        if found != 0 {
            return Err(format!("{title}: {found} misses found"));
        }
        miss_rates.push(rate);
    }
    let best = |rates: &[f64]| rates.iter().copied().fold(0.0, f64::max);
    let (hit_best, miss_best) = (best(&hit_rates), best(&miss_rates));
    let (hit_median, miss_median) = (median(&mut hit_rates), median(&mut miss_rates));
    println!(
        "{title}, 3 passes: hits {:.2} M/s median ({:.0} ns each; best {:.2} M/s), misses {:.2} M/s median ({:.0} ns \
         each; best {:.2} M/s)",
        hit_median / 1e6,
        1e9 / hit_median,
        hit_best / 1e6,
        miss_median / 1e6,
        1e9 / miss_median,
        miss_best / 1e6,
    );
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(options: &Options) -> Result<(), String> {
    let n = options.contacts;
    println!(
        "check_index: {n} contacts (first build {}), {} look-ups per pass, batch of {}; one thread",
        options.small, options.queries, options.batch
    );
    verify_generator(n)?;

    // Build of the smaller set, then of the full set: two separate builds.
    if options.small > 0 && options.small < n {
        let generation = generation_seconds(options.small);
        let built = build(options.small);
        println!(
            "build {} contacts: {:.2} s ({:.2} s of it making the records: generation alone {:.2} s); {} in the \
             index; {:.1} bytes/contact live ({:.1} MiB), heap_bytes() {:.1} MiB",
            options.small,
            built.seconds,
            generation,
            generation,
            built.index.len(),
            built.live_bytes as f64 / built.index.len() as f64,
            mib(built.live_bytes),
            mib(built.index.heap_bytes()),
        );
        drop(built);
    }
    let generation = generation_seconds(n);
    let rss_before = proc_status_bytes("VmRSS");
    let built = build(n);
    let rss_after = proc_status_bytes("VmRSS");
    let index = built.index;
    let len = index.len();
    println!(
        "build {n} contacts: {:.2} s (making the records alone: {generation:.2} s, so about {:.2} s of index work); \
         {len} in the index ({} from the trust directory)",
        built.seconds,
        built.seconds - generation,
        len as u64 - n.min(len as u64),
    );
    println!(
        "memory at {n}: {:.1} bytes/contact live on the heap ({:.1} MiB, counting allocator; input records \
         dropped); heap_bytes() {:.1} bytes/contact ({:.1} MiB); RSS {:.1} MiB before the build, {:.1} MiB after \
         (+{:.1} bytes/contact), peak RSS {:.1} MiB",
        built.live_bytes as f64 / len as f64,
        mib(built.live_bytes),
        index.heap_bytes() as f64 / len as f64,
        mib(index.heap_bytes()),
        mib(rss_before),
        mib(rss_after),
        rss_after.saturating_sub(rss_before) as f64 / len as f64,
        mib(proc_status_bytes("VmHWM")),
    );

    // The levels of the loaded set (a sample).
    let mut levels = std::collections::BTreeMap::<VerdictLevel, usize>::new();
    for k in 0..100_000u64 {
        let summary = index.lookup(&contact(mix(k ^ 0x1e7e1) % n).1).ok_or("a loaded contact is missing")?;
        *levels.entry(summary.level).or_default() += 1;
    }
    let shares: Vec<String> =
        levels.iter().map(|(level, count)| format!("{} {:.1} %", level.as_str(), *count as f64 / 1000.0)).collect();
    println!("levels of 100,000 loaded contacts: {}", shares.join(", "));

    // Look-ups: queries made before timing; hits are random loaded contacts, misses valid absent ones.
    let hits = Queries::new(options.queries, |k| mix(k ^ 0x4177) % n);
    let misses = Queries::new(options.queries, |k| n + mix(k ^ 0x3155) % n);
    lookup_passes(&format!("lookup, one thread, {} random queries per pass", options.queries), &hits, &misses, |q| {
        time_lookups(&index, q)
    })?;
    // Through a snapshot (taking it is timed too).
    lookup_passes("lookup through a snapshot, one thread, same queries", &hits, &misses, |q| {
        time_snapshot_lookups(&index, q)
    })?;
    // In batches through a snapshot (issue 4's look-up goal): groups of 8, 16 and 32 look-ups in stages.
    lookup_passes("lookup in batches of 8 through a snapshot, one thread, same queries", &hits, &misses, |q| {
        time_batched_lookups::<8>(&index, q)
    })?;
    lookup_passes("lookup in batches of 16 through a snapshot, one thread, same queries", &hits, &misses, |q| {
        time_batched_lookups::<16>(&index, q)
    })?;
    lookup_passes("lookup in batches of 32 through a snapshot, one thread, same queries", &hits, &misses, |q| {
        time_batched_lookups::<32>(&index, q)
    })?;
    lookup_passes(
        &format!(
            "lookup_many (batches of {}) through a snapshot, one slice, same queries",
            canhgiac_index::LOOKUP_GROUP
        ),
        &hits,
        &misses,
        |q| time_lookup_many(&index, q),
    )?;
    drop((hits, misses));

    batch_check(&index, n, options)
}

/// A batch of raw values as people write them, half hits, through detect and the explained check (its own
/// function so that `valgrind --tool=callgrind --toggle-collect=check_index::batch_check` counts it alone).
#[inline(never)]
fn batch_check(index: &ReputationIndex, n: u64, options: &Options) -> Result<(), String> {
    // Every round of every way of checking takes values of its own: a host judged once is remembered (the trust
    // directory's look-alike memo), and these figures are for hosts not judged before. The last line repeats
    // values already checked, for what the memo saves.
    let rounds = options.rounds as u64;
    let values_of = |number: u64| batch_values(n, options.batch, number);
    let one_by_one: Vec<Vec<String>> = (0..rounds).map(values_of).collect();
    let grouped: Vec<Vec<String>> = (rounds..2 * rounds).map(values_of).collect();
    let shared: Vec<Vec<String>> = (2 * rounds..3 * rounds).map(values_of).collect();
    let values = values_of(3 * rounds);
    let mut check_ms = Vec::new();
    let mut json_ms = Vec::new();
    let mut many_ms = Vec::new();
    const GROUP_VALUES: usize = 250;
    let mut refused = 0;
    let mut dangerous = 0;
    for round in 0..options.rounds {
        let values = &one_by_one[round];
        let started = Instant::now();
        let mut answers = Vec::with_capacity(values.len());
        for value in values {
            match detect(value) {
                Ok(identifier) => answers.push(index.check(&identifier, NOW_MS)),
                Err(_) => refused += usize::from(round == 0),
            }
        }
        check_ms.push(ms(started.elapsed()));
        if round == 0 {
            dangerous = answers.iter().filter(|a| a.verdict > VerdictLevel::NoData).count();
        }
        // As `POST /v1/check/batch` writes them: each answer by its own JSON writer, side by side.
        let mut json = Vec::with_capacity(answers.len() * 512);
        for (number, answer) in answers.iter().enumerate() {
            if number > 0 {
                json.push(b',');
            }
            answer.write_json(&mut json);
        }
        json_ms.push(ms(started.elapsed()));
        black_box(json);

        // The same through `check_many` (the batch route's way): detect a group, then check it with its first
        // look-ups made together.
        let values = &grouped[round];
        let started = Instant::now();
        let snapshot = index.snapshot();
        let mut answers = Vec::with_capacity(values.len());
        let mut identifiers = Vec::with_capacity(GROUP_VALUES);
        for group in values.chunks(GROUP_VALUES) {
            identifiers.clear();
            identifiers.extend(group.iter().filter_map(|value| detect(value).ok()));
            index.check_many(&snapshot, &identifiers, NOW_MS, |_, answer| answers.push(answer));
        }
        many_ms.push(ms(started.elapsed()));
        black_box(answers);
    }
    // Where a check's time goes, by kind: one more round, each value timed alone (hits and misses together).
    let mut by_kind = std::collections::BTreeMap::<&'static str, (Duration, usize)>::new();
    for value in &values {
        let started = Instant::now();
        if let Ok(identifier) = detect(value) {
            let kind = identifier.kind().as_str();
            black_box(index.check(&identifier, NOW_MS));
            let slot = by_kind.entry(kind).or_default();
            slot.0 += started.elapsed();
            slot.1 += 1;
        }
    }
    let check_min = check_ms.iter().copied().fold(f64::MAX, f64::min);
    println!(
        "batch check of {} raw values (half hits), detect + check, {} rounds: median {:.2} ms (best {:.2} ms); \
         with the answers serialised to JSON: median {:.2} ms; {refused} refused by detect, {dangerous} answered \
         worse than no_data",
        options.batch,
        options.rounds,
        median(&mut check_ms),
        check_min,
        median(&mut json_ms),
    );
    let many_min = many_ms.iter().copied().fold(f64::MAX, f64::min);
    println!(
        "batch check through check_many, {GROUP_VALUES} values at a time, detect + check: median {:.2} ms (best {many_min:.2} ms)",
        median(&mut many_ms)
    );
    let kinds: Vec<String> = by_kind
        .iter()
        .map(|(kind, (total, count))| {
            format!("{kind} {:.1} µs × {count} = {:.1} ms", total.as_secs_f64() * 1e6 / *count as f64, ms(*total))
        })
        .collect();
    println!("batch check by kind (detect + check, one value at a time): {}", kinds.join("; "));

    // As `POST /v1/check/batch` does it, without HTTP: the values in chunks that the threads of a pool living
    // across calls (the route uses tokio's blocking threads) take one after another, each chunk checked and written
    // as JSON, the chunks joined in order.
    COUNTING.store(false, Ordering::Relaxed);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // As the route's `BATCH_CHUNK_VALUES`: each thread takes the next chunk as it gets free.
    const CHUNK_VALUES: usize = 250;
    let chunks = options.batch.div_ceil(CHUNK_VALUES);
    let next_chunk = AtomicUsize::new(0);
    let mut split_ms = Vec::new();
    std::thread::scope(|scope| {
        let (done_sender, done) = std::sync::mpsc::channel::<Vec<(usize, Vec<u8>)>>();
        let workers: Vec<std::sync::mpsc::Sender<usize>> = (0..threads)
            .map(|_| {
                let (sender, rounds) = std::sync::mpsc::channel::<usize>();
                let (done_sender, next_chunk, shared) = (done_sender.clone(), &next_chunk, &shared);
                scope.spawn(move || {
                    for round in rounds {
                        let values = &shared[round];
                        let mut written = Vec::new();
                        // As the route: a snapshot per thread and batch, for `check_many`'s look-ups made together.
                        let snapshot = index.snapshot();
                        loop {
                            let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                            if chunk >= chunks {
                                break;
                            }
                            let part = &values[chunk * CHUNK_VALUES..((chunk + 1) * CHUNK_VALUES).min(values.len())];
                            let mut json = Vec::with_capacity(part.len() * 512);
                            let identifiers: Vec<_> = part.iter().filter_map(|value| detect(value).ok()).collect();
                            index.check_many(&snapshot, &identifiers, NOW_MS, |number, answer| {
                                if number > 0 {
                                    json.push(b',');
                                }
                                answer.write_json(&mut json);
                            });
                            written.push((chunk, json));
                        }
                        let _ = done_sender.send(written);
                    }
                });
                sender
            })
            .collect();
        for round in 0..options.rounds {
            let started = Instant::now();
            next_chunk.store(0, Ordering::Relaxed);
            for worker in &workers {
                let _ = worker.send(round);
            }
            let mut written: Vec<(usize, Vec<u8>)> = done.iter().take(threads).flatten().collect();
            written.sort_by_key(|(number, _)| *number);
            let mut body = Vec::with_capacity(written.iter().map(|(_, json)| json.len() + 1).sum::<usize>() + 2);
            for (number, (_, json)) in written.iter().enumerate() {
                if number > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(json);
            }
            split_ms.push(ms(started.elapsed()));
            black_box(body);
        }
        drop(workers);
    });
    let split_min = split_ms.iter().copied().fold(f64::MAX, f64::min);
    println!(
        "batch check of {} raw values on {threads} threads in chunks of {CHUNK_VALUES} as the batch route shares them (detect, check, JSON): \
         median {:.2} ms (best {split_min:.2} ms) of {} rounds",
        options.batch,
        median(&mut split_ms),
        options.rounds,
    );

    // Values checked before, again: their hosts' look-alike judgements come from the memo.
    let mut again_ms: Vec<f64> = one_by_one
        .iter()
        .take(5)
        .map(|values| {
            let started = Instant::now();
            for value in values {
                if let Ok(identifier) = detect(value) {
                    black_box(index.check(&identifier, NOW_MS));
                }
            }
            ms(started.elapsed())
        })
        .collect();
    println!(
        "batch check of {} raw values checked before (hosts' look-alike judgements remembered), detect + check, one thread: median {:.2} ms of {}",
        options.batch,
        median(&mut again_ms),
        again_ms.len(),
    );
    Ok(())
}
