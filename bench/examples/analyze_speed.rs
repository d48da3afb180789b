//! The message analyzer in process (issue 5): messages per second on one thread through the whole analysis
//! (`Analyzer::analyze_with`), with a reputation index of about 1,000,000 contacts and without one, and where
//! the time goes by stage. Run by `bench/analyze`, figures in RESULTS.md.
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/analyze_speed --contacts 1000000 [--passes 5] [--dev FILE] [--corpus DIR]
//! ./target/release/examples/analyze_speed --write-bodies FILE   # wrk's request bodies, nothing else run
//! ```
//!
//! The messages are SMS-length: the texts of the UIT IE403 Vietnamese SMS dev set (`dev.csv`) and of the
//! project's corpus (`crates/analyzer/corpus/*.jsonl`), each analysed as an SMS without a sender. The index holds
//! the synthetic contacts of `support/synthetic.rs` (as `check_index` builds them) plus every contact that
//! `canhgiac_core::extract` finds in the dev texts, listed by a bank, so that some contacts in the messages are
//! hits (`synthetic::listed_by_a_bank`, shared with `analyze_server`). A warm-up pass, then `--passes` timed passes (each
//! long enough to last about a second: the set is gone through several times), median and best printed. The
//! stage break-down times each stage alone over the same messages (median of 3 passes); "the rest" is the whole
//! analysis less the stages measured (the combiner, advice, the answer's contacts and vectors).

#[allow(dead_code)]
#[path = "support/synthetic.rs"]
mod synthetic;

use canhgiac_analyzer::analyze::{Analyzer, Channel, Message, MessageVerdict, Scratch};
use canhgiac_analyzer::corpus::{read_corpus_jsonl, read_labelled};
use canhgiac_analyzer::features::Features;
use canhgiac_analyzer::model::softmax;
use canhgiac_analyzer::normalise::NormalisedMessage;
use canhgiac_analyzer::red_flags::red_flags_with_found;
use canhgiac_core::identifier::{Found, extract};
use canhgiac_core::verdict::VerdictLevel;
use canhgiac_index::ReputationIndex;
use std::hint::black_box;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use synthetic::NOW_MS;

struct Options {
    contacts: u64,
    passes: usize,
    dev: PathBuf,
    corpus: PathBuf,
    write_bodies: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let usage = "analyze_speed [--contacts N] [--passes P] [--dev FILE] [--corpus DIR] [--write-bodies FILE]";
    let mut options = Options {
        contacts: 1_000_000,
        passes: 5,
        dev: PathBuf::from("../shared/data/vi_sms_smishing_ie403/dev.csv"),
        corpus: PathBuf::from("crates/analyzer/corpus"),
        write_bodies: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {usage}"));
        match arg.as_str() {
            "--contacts" => {
                let text = value()?;
                options.contacts =
                    text.replace('_', "").parse().map_err(|_| format!("--contacts: not a number: {text}"))?;
            }
            "--passes" => {
                let text = value()?;
                options.passes = text.parse().map_err(|_| format!("--passes: not a number: {text}"))?;
            }
            "--dev" => options.dev = PathBuf::from(value()?),
            "--corpus" => options.corpus = PathBuf::from(value()?),
            "--write-bodies" => options.write_bodies = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {usage}")),
        }
    }
    if options.contacts * 2 > synthetic::MAX_CONTACTS {
        return Err(format!("--contacts must be 0..={}", synthetic::MAX_CONTACTS / 2));
    }
    if options.passes == 0 {
        return Err("--passes must be at least 1".to_owned());
    }
    Ok(options)
}

/// The dev set's texts and the corpus's texts, in file order (corpus files by name); empty texts skipped.
/// Kept the same as `analyze_server.rs`.
fn messages(dev: &Path, corpus: &Path) -> Result<(Vec<String>, Vec<String>), String> {
    let text = std::fs::read_to_string(dev).map_err(|e| format!("cannot read {}: {e}", dev.display()))?;
    let dev_texts: Vec<String> = read_labelled(&text)
        .map_err(|e| format!("{}: {e}", dev.display()))?
        .0
        .into_iter()
        .map(|row| row.example.text)
        .filter(|text| !text.trim().is_empty())
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map_err(|e| format!("cannot read {}: {e}", corpus.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    let mut corpus_texts = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let examples = read_corpus_jsonl(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        corpus_texts.extend(examples.into_iter().map(|example| example.text).filter(|text| !text.trim().is_empty()));
    }
    Ok((dev_texts, corpus_texts))
}

/// One request body a line: `{"text": ..., "channel": "sms"}`.
fn write_bodies(path: &Path, texts: &[&String]) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    for text in texts {
        let body = serde_json::json!({ "text": text, "channel": "sms" });
        writeln!(out, "{body}").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    out.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A message as `POST /v1/analyze {text, channel: "sms"}` makes it.
fn message(text: &str) -> Message<'_> {
    Message { text, sender: None, channel: Channel::Sms, sender_kind: None }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// Times `passes` passes of `rounds` times over the messages; returns messages per second of each pass.
fn timed(passes: usize, rounds: usize, count: usize, mut pass: impl FnMut()) -> Vec<f64> {
    (0..passes)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..rounds {
                pass();
            }
            (rounds * count) as f64 / started.elapsed().as_secs_f64()
        })
        .collect()
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("analyze_speed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let (dev_texts, corpus_texts) = messages(&options.dev, &options.corpus)?;
    let texts: Vec<&String> = dev_texts.iter().chain(&corpus_texts).collect();
    if texts.is_empty() {
        return Err("no messages".to_owned());
    }
    if let Some(path) = &options.write_bodies {
        write_bodies(path, &texts)?;
        println!("wrote {} request bodies to {}", texts.len(), path.display());
        return Ok(());
    }
    let chars = |texts: &[String]| texts.iter().map(|t| t.chars().count()).sum::<usize>();
    let (dev_chars, corpus_chars) = (chars(&dev_texts), chars(&corpus_texts));
    let n = texts.len();
    println!(
        "messages: {n} ({} dev.csv texts, average {:.0} characters; {} corpus texts, average {:.0} characters; \
         all: average {:.0} characters, {:.0} bytes)",
        dev_texts.len(),
        dev_chars as f64 / dev_texts.len().max(1) as f64,
        corpus_texts.len(),
        corpus_chars as f64 / corpus_texts.len().max(1) as f64,
        (dev_chars + corpus_chars) as f64 / n as f64,
        texts.iter().map(|t| t.len()).sum::<usize>() as f64 / n as f64,
    );

    // The index: the synthetic contacts, then the dev texts' contacts put in as the store's updater would.
    let started = Instant::now();
    let index = ReputationIndex::build(synthetic::trust(), synthetic::records(options.contacts), NOW_MS);
    let synthetic_len = index.len();
    let listed = synthetic::listed_by_a_bank(&dev_texts);
    let listed_count = listed.len();
    index.upsert(listed, NOW_MS);
    println!(
        "index: {} contacts ({synthetic_len} synthetic + {} of the {listed_count} contacts found in the dev texts, \
         listed by a bank) built in {:.2} s, heap_bytes() {:.1} MiB",
        index.len(),
        index.len() - synthetic_len,
        started.elapsed().as_secs_f64(),
        index.heap_bytes() as f64 / (1024.0 * 1024.0)
    );

    let analyzer = Analyzer::shipped();
    let mut scratch = Scratch::new();

    // What the messages hold: contacts, hits, verdicts (one untimed pass, also the first warm-up).
    let (mut contacts, mut hits, mut with_contacts, mut refused) = (0usize, 0usize, 0usize, 0usize);
    let mut verdicts = [0usize; 3];
    for text in &texts {
        match analyzer.analyze_with(&message(text), Some(&index), NOW_MS, &mut scratch) {
            Ok(analysis) => {
                contacts += analysis.identifiers.len();
                with_contacts += usize::from(!analysis.identifiers.is_empty());
                hits += analysis
                    .identifiers
                    .iter()
                    .filter(|c| c.check.as_ref().is_some_and(|check| check.verdict > VerdictLevel::NoData))
                    .count();
                verdicts[analysis.verdict as usize] += 1;
            }
            Err(_) => refused += 1,
        }
    }
    println!(
        "contacts in the messages: {contacts} in {with_contacts} messages, {hits} of them known to the index; \
         verdicts: {} safe, {} suspicious, {} scam; {refused} refused",
        verdicts[0], verdicts[1], verdicts[2]
    );

    // Warm-up, and how many times a pass goes over the set so that it lasts about a second.
    let started = Instant::now();
    for text in &texts {
        black_box(analyzer.analyze_with(&message(text), Some(&index), NOW_MS, &mut scratch).ok());
    }
    let once = started.elapsed().as_secs_f64();
    let rounds = ((1.0 / once.max(1e-6)).ceil() as usize).clamp(1, 1000);
    println!(
        "one thread; warm-up pass, then {} timed passes of {rounds} × {n} messages (median; best in brackets)",
        options.passes
    );

    let mut with_index = timed(options.passes, rounds, n, || {
        for text in &texts {
            black_box(analyzer.analyze_with(&message(text), Some(&index), NOW_MS, &mut scratch).ok());
        }
    });
    let mut without_index = timed(options.passes, rounds, n, || {
        for text in &texts {
            black_box(analyzer.analyze_with(&message(text), None, NOW_MS, &mut scratch).ok());
        }
    });
    let (best_with, best_without) = (max(&with_index), max(&without_index));
    let (with_median, without_median) = (median(&mut with_index), median(&mut without_index));
    println!(
        "analyze_with, index of {} contacts: {with_median:.0} messages/s ({:.1} µs per message) [best {best_with:.0}]",
        index.len(),
        1e6 / with_median
    );
    println!(
        "analyze_with, no index (contacts unjudged): {without_median:.0} messages/s ({:.1} µs per message) \
         [best {best_without:.0}]",
        1e6 / without_median
    );

    // Stage by stage, each alone over the same messages.
    let found: Vec<Vec<Found>> = texts.iter().map(|text| extract(text)).collect();
    let mut normalised = NormalisedMessage::new();
    let mut features = Features::new();
    let model = analyzer.model();
    let stage_passes = 3;
    let mut stages: Vec<(&str, f64)> = Vec::new();
    let mut stage = |name: &'static str, rates: Vec<f64>| {
        let mut rates = rates;
        stages.push((name, 1e6 / median(&mut rates)));
    };
    stage(
        "extract (contacts in the text)",
        timed(stage_passes, rounds, n, || {
            for text in &texts {
                black_box(extract(text));
            }
        }),
    );
    stage(
        "normalise",
        timed(stage_passes, rounds, n, || {
            for text in &texts {
                normalised.refill(text);
                black_box(normalised.tokens().len());
            }
        }),
    );
    let normalised_all: Vec<NormalisedMessage> = texts.iter().map(|text| canhgiac_analyzer::normalise(text)).collect();
    stage(
        "text model (features + score)",
        timed(stage_passes, rounds, n, || {
            for normalised in &normalised_all {
                features.fill(normalised.tokens().iter().map(|t| normalised.token_text(t)), model.scam.bits);
                black_box(model.scam.score(&features));
            }
        }),
    );
    // The scam types are judged only for messages not found safe (with the index: the verdicts above).
    let type_shift = model.scam.bits.saturating_sub(model.types.bits);
    let not_safe: Vec<Features> = normalised_all
        .iter()
        .zip(&texts)
        .filter(|(_, text)| {
            analyzer
                .analyze_with(&message(text), Some(&index), NOW_MS, &mut scratch)
                .is_ok_and(|analysis| analysis.verdict != MessageVerdict::Safe)
        })
        .map(|(normalised, _)| {
            let mut features = Features::new();
            features.fill(normalised.tokens().iter().map(|t| normalised.token_text(t)), model.scam.bits);
            features
        })
        .collect();
    let mut reduced = Features::new();
    let mut type_scores = vec![0.0f32; model.types.classes];
    stage(
        "scam types (type model; messages not safe only)",
        timed(stage_passes, rounds, n, || {
            for features in &not_safe {
                features.reduce_into(type_shift, &mut reduced);
                model.types.scores(&reduced, &mut type_scores);
                softmax(&mut type_scores);
                black_box(&type_scores);
            }
        }),
    );
    stage(
        "red flags (lexicon, links, look-alikes)",
        timed(stage_passes, rounds, n, || {
            for ((normalised, found), text) in normalised_all.iter().zip(&found).zip(&texts) {
                black_box(red_flags_with_found(
                    normalised,
                    text,
                    false,
                    found,
                    canhgiac_core::trust::trust_directory(),
                ));
            }
        }),
    );
    stage(
        "contact checks (index.check)",
        timed(stage_passes, rounds, n, || {
            for found in &found {
                for item in found {
                    black_box(index.check(&item.identifier, NOW_MS));
                }
            }
        }),
    );
    let analyses: Vec<_> = texts
        .iter()
        .filter_map(|text| analyzer.analyze_with(&message(text), Some(&index), NOW_MS, &mut scratch).ok())
        .collect();
    stage(
        "answer to JSON (HTTP only, not in analyze_with)",
        timed(stage_passes, rounds, analyses.len(), || {
            for analysis in &analyses {
                black_box(serde_json::to_vec(analysis).ok());
            }
        }),
    );
    let whole = 1e6 / with_median;
    let measured: f64 = stages.iter().filter(|(name, _)| !name.starts_with("answer")).map(|(_, us)| us).sum();
    println!(
        "stages, µs per message (each alone, median of {stage_passes} passes; share of analyze_with with the index):"
    );
    for (name, us) in &stages {
        if name.starts_with("answer") {
            println!("  {name:<52} {us:>7.2} µs");
        } else {
            println!("  {name:<52} {us:>7.2} µs  {:>5.1} %", us / whole * 100.0);
        }
    }
    println!(
        "  {:<52} {:>7.2} µs  {:>5.1} %",
        "the rest (combiner, advice, the answer's contacts)",
        whole - measured,
        (whole - measured) / whole * 100.0
    );
    println!("  {:<52} {whole:>7.2} µs  100.0 %", "analyze_with, with the index");
    let goal = 20_000.0;
    println!(
        "SPEED with_index={with_median:.0} without_index={without_median:.0} us_with={:.2} us_without={:.2} goal={goal:.0} {}",
        1e6 / with_median,
        1e6 / without_median,
        if with_median >= goal { "met" } else { "NOT-met" }
    );
    Ok(())
}
