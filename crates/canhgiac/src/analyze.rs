//! `canhgiac analyze`: is this message a scam? The verdict, the red flags with the words that raised them, every
//! contact in it checked, and advice. `--jsonl` analyses JSON Lines from standard input in bulk.
//! `canhgiac train-analyzer`: rebuilds the shipped model from the corpus. `canhgiac eval-analyzer`: measures it.

use crate::admin::{StoreArgs, fail, with_platform};
use canhgiac_analyzer::analyze::{Analyzer, Channel, Message, Scratch, check_message};
use canhgiac_analyzer::corpus::{Labelled, read_corpus_jsonl, read_labelled, read_uci_split};
use canhgiac_analyzer::eval::{Evaluation, evaluate};
use canhgiac_analyzer::train::{Calibration, Example, TrainOptions, train};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_index::ReputationIndex;
use canhgiac_server::reputation::{build_index, index_for_checks, load_trust_directory};
use clap::Args;
use serde::Deserialize;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The message; `-` or nothing reads it from standard input.
    text: Option<String>,
    /// Who sent it: a brand name (`Vietcombank`), a short code (`9029`) or a phone number.
    #[arg(long)]
    sender: Option<String>,
    /// sms, zalo, facebook, email, call_transcript or other.
    #[arg(long, default_value = "other")]
    channel: String,
    /// Print the analysis as JSON (the API's shape).
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,
    /// Read JSON Lines (`{"text": ..., "sender": ..., "channel": ...}`) from standard input and write one analysis
    /// per line, in order.
    #[arg(long)]
    jsonl: bool,
    /// Do not look the contacts up in the data directory's reputation index (they are listed unjudged).
    #[arg(long)]
    no_contacts: bool,
    /// Ask a running server (e.g. http://127.0.0.1:8080) instead of reading the data directory.
    #[arg(long, value_name = "URL", env = "CANHGIAC_SERVER", conflicts_with_all = ["jsonl", "no_contacts"])]
    server: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: AnalyzeArgs) -> ExitCode {
    let channel = match Channel::parse(&args.channel) {
        Ok(channel) => channel,
        Err(error) => return fail(error),
    };
    let text = if args.jsonl {
        None
    } else {
        match args.text.as_deref() {
            Some(text) if text != "-" => Some(text.to_string()),
            _ => {
                let mut text = String::new();
                if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                    return fail(Error::new(ErrorCode::InvalidValue, format!("cannot read standard input: {e}")));
                }
                Some(text)
            }
        }
    };
    if let Some(text) = &text {
        // Refuse an empty or oversized message before opening anything.
        if let Err(error) = check_message(text) {
            return fail(error);
        }
    }
    if let Some(server) = &args.server {
        let Some(text) = &text else {
            return fail(
                Error::new(ErrorCode::InvalidValue, "--jsonl reads the data directory; use it without --server")
                    .with_field("server"),
            );
        };
        return match ask_server(server, text, args.sender.as_deref(), channel) {
            Ok(analysis) => {
                let out = if args.json { format!("{analysis:#}\n") } else { human(text, &analysis) };
                match write_out(out.as_bytes()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => fail(error),
                }
            }
            Err(error) => fail(error),
        };
    }
    // One message: only its contacts (and what their checks consult) are read; lines on standard input: all of them.
    let contacts: Option<Vec<canhgiac_core::Identifier>> =
        text.as_deref().map(|text| canhgiac_core::extract(text).into_iter().map(|found| found.identifier).collect());
    let analyse = move |index: Option<&ReputationIndex>| -> Result<(), Error> {
        let now = jiff::Timestamp::now().as_millisecond();
        let analyzer = Analyzer::shipped();
        match &text {
            Some(text) => {
                let message = Message { text, sender: args.sender.as_deref(), channel, sender_kind: None };
                let analysis = analyzer.analyze(&message, index, now)?;
                // Through text, as the API sends it: a probability stays `0.979`, not its f32 expansion.
                let analysis: Value = serde_json::to_string(&analysis)
                    .and_then(|json| serde_json::from_str(&json))
                    .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
                let out = if args.json { format!("{analysis:#}\n") } else { human(text, &analysis) };
                write_out(out.as_bytes())
            }
            None => analyse_lines(analyzer, index, now),
        }
    };
    if args.no_contacts {
        return match analyse(None) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(error),
        };
    }
    let data_dir = args.store.data_dir.clone();
    with_platform(&args.store, move |platform| async move {
        let trust = load_trust_directory(&data_dir)?;
        let index = match &contacts {
            Some(contacts) => {
                let now = jiff::Timestamp::now().as_millisecond();
                index_for_checks(&*platform.store, trust, contacts, now).await?
            }
            None => build_index(&*platform.store, trust).await?,
        };
        tokio::task::block_in_place(|| analyse(Some(&index)))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineRequest {
    text: String,
    sender: Option<String>,
    channel: Option<String>,
}

/// One analysis per input line, in order; a line that is refused gets `{"error": {code, message, field, line}}`.
fn analyse_lines(analyzer: &Analyzer, index: Option<&ReputationIndex>, now: i64) -> Result<(), Error> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut scratch = Scratch::new();
    for (number, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| Error::new(ErrorCode::InvalidValue, format!("cannot read standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        // Read as the API reads a body, so a bad line gets the API's error: `missing_field`, `unknown_field`,
        // `invalid_type` with the field named, `invalid_request` for what is not a JSON object.
        let answer = canhgiac_server::from_json_slice::<LineRequest>(line.as_bytes())
            .map_err(|rejection| rejection.error().clone())
            .and_then(|request| {
                let channel = Channel::parse_optional(request.channel.as_deref())?;
                let message =
                    Message { text: &request.text, sender: request.sender.as_deref(), channel, sender_kind: None };
                analyzer.analyze_with(&message, index, now, &mut scratch)
            });
        let json = match answer {
            Ok(analysis) => serde_json::to_string(&analysis),
            Err(error) => {
                // Said of a line, not of a request body: serde's position is within the line.
                let message = error
                    .message
                    .replace("the body must be a JSON object", "each line must be a JSON object")
                    .replace(" at line 1 column ", " at column ");
                serde_json::to_string(&serde_json::json!({"error": {
                    "code": error.code.as_str(), "message": message, "field": error.field, "line": number + 1,
                }}))
            }
        }
        .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        let written = out.write_all(json.as_bytes()).and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Internal, format!("cannot write standard output: {e}")));
        }
    }
    out.flush()
        .or_else(|e| if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) })
        .map_err(|e| Error::new(ErrorCode::Internal, format!("cannot write standard output: {e}")))
}

fn write_out(bytes: &[u8]) -> Result<(), Error> {
    match std::io::stdout().write_all(bytes) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::new(ErrorCode::Internal, format!("cannot write standard output: {e}"))),
    }
}

/// The analysis for people: verdict, then each red flag with the words that raised it, the contacts, advice.
fn human(text: &str, analysis: &Value) -> String {
    let chars: Vec<char> = text.chars().collect();
    let quote = |span: &Value| {
        let (start, end) = (span[0].as_u64().unwrap_or(0) as usize, span[1].as_u64().unwrap_or(0) as usize);
        chars.get(start..end).map(|c| c.iter().collect::<String>()).unwrap_or_default()
    };
    let text_of = |value: &Value| value.as_str().unwrap_or("").to_string();
    let verdict = text_of(&analysis["verdict"]);
    let verdict_vi = match verdict.as_str() {
        "scam" => "LỪA ĐẢO",
        "suspicious" => "ĐÁNG NGỜ",
        _ => "an toàn",
    };
    let percent = |value: &Value| value.as_f64().unwrap_or(0.0) * 100.0;
    let mut out = format!(
        "{verdict_vi} / {verdict} — xác suất lừa đảo / scam probability {:.0}%\n",
        percent(&analysis["scam_probability"])
    );
    let list = |key: &str| analysis[key].as_array().cloned().unwrap_or_default();
    for scam_type in list("scam_types") {
        out.push_str(&format!(
            "  loại / type: {} / {} ({:.0}%)\n",
            text_of(&scam_type["vi"]),
            text_of(&scam_type["en"]),
            percent(&scam_type["probability"])
        ));
    }
    let flags = list("red_flags");
    if !flags.is_empty() {
        out.push_str("Dấu hiệu / red flags:\n");
    }
    for flag in flags {
        let spans = flag["spans"].as_array().cloned().unwrap_or_default();
        let evidence: Vec<String> = spans.iter().map(|span| format!("«{}»", quote(span))).collect();
        out.push_str(&format!(
            "  - {}: {}\n    {} {}\n",
            text_of(&flag["code"]),
            text_of(&flag["vi"]),
            text_of(&flag["en"]),
            evidence.join(" ")
        ));
    }
    let contacts = list("identifiers");
    if !contacts.is_empty() {
        out.push_str("Liên hệ trong tin / contacts in the message:\n");
    }
    for contact in contacts {
        let verdict = contact["check"]["verdict"].as_str().unwrap_or("not checked");
        out.push_str(&format!("  - {} ({}): {verdict}\n", text_of(&contact["display"]), text_of(&contact["kind"])));
    }
    let advice = list("advice");
    if !advice.is_empty() {
        out.push_str("Lời khuyên / advice:\n");
    }
    for piece in advice {
        out.push_str(&format!("  - {}\n    {}\n", text_of(&piece["vi"]), text_of(&piece["en"])));
    }
    out
}

/// `POST /v1/analyze` on a running server: its JSON, or its refusal as an error with the field named.
fn ask_server(server: &str, text: &str, sender: Option<&str>, channel: Channel) -> Result<Value, Error> {
    let url = format!("{}/v1/analyze", server.trim_end_matches('/'));
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let mut body = serde_json::json!({"text": text, "channel": channel.as_str()});
    if let Some(sender) = sender {
        body["sender"] = sender.into();
    }
    let mut response = agent.post(&url).send_json(&body).map_err(|e| {
        Error::new(ErrorCode::Unavailable, format!("cannot reach the server at {server}: {e}")).with_field("server")
    })?;
    let status = response.status().as_u16();
    let answer: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| Error::new(ErrorCode::Unavailable, format!("the server's answer is not JSON: {e}")))?;
    if status == 200 {
        return Ok(answer);
    }
    let code = if status == 400 { ErrorCode::InvalidValue } else { ErrorCode::Unavailable };
    let mut error = Error::new(
        code,
        format!(
            "{} (the server answered {status} {})",
            answer["message"].as_str().unwrap_or("the server refused the message"),
            answer["code"].as_str().unwrap_or("")
        ),
    );
    if let Some(field) = answer["field"].as_str() {
        error = error.with_field(field);
    }
    Err(error)
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The project's corpus: every `*.jsonl` file in this directory.
    #[arg(long, default_value = "crates/analyzer/corpus")]
    corpus: PathBuf,
    /// The UCI SMS Spam Collection; its held-out fifth is not trained on. `--uci none` trains without it.
    #[arg(long, default_value = "../shared/data/en_sms_spam_collection_uci/SMSSpamCollection")]
    uci: String,
    /// Where to write the model.
    #[arg(long, default_value = "crates/analyzer/data/model.bin")]
    out: PathBuf,
    /// The share of scams among the messages the model will judge: probabilities are calibrated for it rather
    /// than for the corpus's mix. About one message in ten is a scam in the real Vietnamese SMS the project
    /// measures with.
    #[arg(long, default_value_t = 0.1)]
    scam_share: f32,
    /// L2 penalty of the text models (higher: smoother, less sure of the corpus's own wording).
    #[arg(long)]
    l2: Option<f32>,
    /// Passes over the examples.
    #[arg(long)]
    epochs: Option<usize>,
}

/// Every example the shipped model is trained on, in a fixed order: the corpus files by name, then UCI's
/// training rows. `bench/analyze_peer.py` reads the same.
pub fn training_examples(corpus: &Path, uci: Option<&Path>) -> Result<(Vec<Example>, String), Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map_err(|e| {
            Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", corpus.display())).with_field("corpus")
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    let mut examples = Vec::new();
    let mut sources = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", file.display())))?;
        let found = read_corpus_jsonl(&text).map_err(|e| {
            Error::new(ErrorCode::InvalidValue, format!("{}: {e}", file.display())).with_field("corpus")
        })?;
        sources.push(format!("{} ({})", file.file_name().unwrap_or_default().to_string_lossy(), found.len()));
        examples.extend(found);
    }
    if examples.is_empty() {
        return Err(Error::new(ErrorCode::InvalidValue, format!("no examples in {}/*.jsonl", corpus.display()))
            .with_field("corpus"));
    }
    if let Some(uci) = uci {
        let text = std::fs::read_to_string(uci).map_err(|e| {
            Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", uci.display())).with_field("uci")
        })?;
        let (training, _) = read_uci_split(&text)
            .map_err(|e| Error::new(ErrorCode::InvalidValue, format!("{}: {e}", uci.display())).with_field("uci"))?;
        sources.push(format!("UCI SMS Spam Collection, training four fifths ({})", training.len()));
        examples.extend(training);
    }
    Ok((examples, sources.join(", ")))
}

pub fn train_command(args: TrainArgs) -> ExitCode {
    let uci = (args.uci != "none").then(|| PathBuf::from(&args.uci));
    let (examples, sources) = match training_examples(&args.corpus, uci.as_deref()) {
        Ok(found) => found,
        Err(error) => return fail(error),
    };
    let started = Instant::now();
    if !(0.001..=0.999).contains(&args.scam_share) {
        return fail(
            Error::new(ErrorCode::InvalidValue, "--scam-share is a share between 0.001 and 0.999")
                .with_field("scam_share"),
        );
    }
    let options = TrainOptions {
        trained_on: format!(
            "canhgiac train-analyzer --scam-share {}, log-odds calibrated as {}·x{:+}: {sources}",
            args.scam_share,
            Calibration::REAL_SMS.scale,
            Calibration::REAL_SMS.shift
        ),
        deployment_scam_share: Some(args.scam_share),
        l2: args.l2.unwrap_or(TrainOptions::default().l2),
        epochs: args.epochs.unwrap_or(TrainOptions::default().epochs),
        ..TrainOptions::default()
    };
    let (model, report) = train(&examples, &options);
    let bytes = model.to_bytes();
    if let Err(e) = std::fs::write(&args.out, &bytes) {
        return fail(
            Error::new(ErrorCode::InvalidValue, format!("cannot write {}: {e}", args.out.display())).with_field("out"),
        );
    }
    println!(
        "trained on {} examples ({} scams) from {sources} in {:.1} s\nout-of-fold accuracy: text model {:.1}%, combined {:.1}%\nwrote {} ({} bytes)",
        report.examples,
        report.scams,
        started.elapsed().as_secs_f32(),
        report.text_accuracy * 100.0,
        report.combined_accuracy * 100.0,
        args.out.display(),
        bytes.len()
    );
    ExitCode::SUCCESS
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A labelled CSV or JSON Lines file (see `docs/analyzer.md` for the layouts read).
    file: PathBuf,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Ignore the sender kind that a set gives (UIT IE403's `sender_type`).
    #[arg(long)]
    without_sender: bool,
    /// List the false positives and false negatives (their text, which a public set may hold).
    #[arg(long)]
    errors: bool,
    /// Measure this model file instead of the shipped one (from `train-analyzer --out`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// The file is the UCI SMS Spam Collection: measure only its held-out fifth, which is never trained on.
    #[arg(long)]
    uci_held_out: bool,
    /// Skip every message whose text is also in this file (one text a line, or a UCI-style `label<TAB>text`
    /// file): a set that shares messages with the training data is measured on the rest.
    #[arg(long, value_name = "FILE")]
    exclude_texts_of: Option<PathBuf>,
}

pub fn eval_command(args: EvalArgs) -> ExitCode {
    let text = match std::fs::read(&args.file) {
        // Latin-1 sets (Mishra-Soni) are read byte for byte into characters.
        Ok(bytes) => String::from_utf8(bytes).unwrap_or_else(|e| e.into_bytes().iter().map(|&b| b as char).collect()),
        Err(e) => {
            return fail(
                Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", args.file.display()))
                    .with_field("file"),
            );
        }
    };
    let read = if args.uci_held_out {
        read_uci_split(&text).map(|(_, held_out)| {
            (held_out.into_iter().map(|example| Labelled { example, sender_kind: None }).collect::<Vec<_>>(), 0)
        })
    } else {
        read_labelled(&text)
    };
    let (mut rows, unlabelled) = match read {
        Ok(rows) => rows,
        Err(e) => {
            return fail(
                Error::new(ErrorCode::InvalidValue, format!("{}: {e}", args.file.display())).with_field("file"),
            );
        }
    };
    let total_rows = rows.len();
    let mut seen = std::collections::HashSet::new();
    rows.retain(|row| seen.insert(row.example.text.clone()));
    let duplicates = total_rows - rows.len();
    let mut excluded = 0;
    if let Some(other) = &args.exclude_texts_of {
        let other_text = match std::fs::read(other) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                return fail(
                    Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", other.display()))
                        .with_field("exclude_texts_of"),
                );
            }
        };
        let texts: std::collections::HashSet<&str> =
            other_text.lines().map(|line| line.split_once('\t').map_or(line, |(_, text)| text)).collect();
        let before = rows.len();
        rows.retain(|row| !texts.contains(row.example.text.as_str()));
        excluded = before - rows.len();
    }
    let loaded;
    let analyzer = match &args.model {
        None => Analyzer::shipped(),
        Some(path) => {
            let bytes = match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    return fail(
                        Error::new(ErrorCode::InvalidValue, format!("cannot read {}: {e}", path.display()))
                            .with_field("model"),
                    );
                }
            };
            loaded = match Analyzer::from_bytes(&bytes) {
                Ok(analyzer) => analyzer,
                Err(e) => {
                    return fail(
                        Error::new(ErrorCode::InvalidValue, format!("{}: {e}", path.display())).with_field("model"),
                    );
                }
            };
            &loaded
        }
    };
    // Contacts are checked against an index with no data but the compiled-in trust directory: what a new
    // instance knows (official contacts, look-alikes of protected brands), never what a set's own labels say.
    let index = ReputationIndex::new(std::sync::Arc::new(canhgiac_core::trust::trust_directory().clone()));
    let now = jiff::Timestamp::now().as_millisecond();
    let mut scratch = Scratch::new();
    let started = Instant::now();
    let mut results = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for row in &rows {
        let message = Message {
            text: &row.example.text,
            sender: row.example.sender.as_deref(),
            channel: Channel::Other,
            sender_kind: if args.without_sender { Some("unknown") } else { row.sender_kind },
        };
        let (verdict, probability) = match analyzer.analyze_with(&message, Some(&index), now, &mut scratch) {
            Ok(analysis) => (analysis.verdict, analysis.scam_probability),
            // An empty message in a set is judged safe, as the API would refuse it.
            Err(_) => (canhgiac_analyzer::MessageVerdict::Safe, 0.0),
        };
        if args.errors && (verdict != canhgiac_analyzer::MessageVerdict::Safe) != row.example.scam {
            errors.push((row.example.scam, probability, row.example.text.clone()));
        }
        results.push((row.example.scam, verdict, probability));
    }
    let seconds = started.elapsed().as_secs_f64();
    let evaluation = evaluate(&results);
    let out = if args.json {
        let mut value = serde_json::to_value(&evaluation).unwrap_or_default();
        value["file"] = args.file.display().to_string().into();
        value["skipped"] = serde_json::json!({
            "repeated_texts": duplicates,
            "excluded_texts": excluded,
            "rows_without_label": unlabelled,
        });
        value["messages_per_second"] = (rows.len() as f64 / seconds.max(1e-9)).round().into();
        format!("{value:#}\n")
    } else {
        let mut text = report(&args.file, &evaluation, rows.len() as f64 / seconds.max(1e-9));
        if duplicates + excluded + unlabelled > 0 {
            text.push_str(&format!(
                "skipped: repeated texts {duplicates}, texts found in the excluded file {excluded}, rows without a \
                 label {unlabelled}\n"
            ));
        }
        text
    };
    let mut out = out;
    for (scam, probability, text) in &errors {
        let label = if *scam { "missed scam" } else { "false alarm" };
        out.push_str(&format!("{label} ({probability:.2}): {}\n", text.replace('\n', " ")));
    }
    match write_out(out.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

fn report(file: &Path, e: &Evaluation, per_second: f64) -> String {
    let mut out = format!(
        "{}: {} messages, {} scams\nprecision {:.3}  recall {:.3}  F1 {:.3}  false-positive rate {:.2}%  accuracy {:.3}  Brier {:.3}\n",
        file.display(),
        e.messages,
        e.positives,
        e.precision,
        e.recall,
        e.f1,
        e.false_positive_rate * 100.0,
        e.accuracy,
        e.brier
    );
    out.push_str("confusion (rows: label; columns: verdict)\n               safe  suspicious   scam\n");
    for (label, row) in ["scam      ", "legitimate"].iter().zip(&e.confusion) {
        out.push_str(&format!("  {label} {:>6} {:>11} {:>6}\n", row[0], row[1], row[2]));
    }
    out.push_str("calibration (probability band: messages, mean probability, share that are scams)\n");
    for band in &e.calibration {
        out.push_str(&format!(
            "  {:.1}–{:.1}: {:>5}  {:.3}  {:.3}\n",
            band.from, band.to, band.messages, band.mean_probability, band.scam_share
        ));
    }
    out.push_str(&format!(
        "{per_second:.0} messages/s (one thread; contacts checked against an empty index with the trust directory)\n"
    ));
    out
}
