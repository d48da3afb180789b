//! Replays a file of transfers through the engine in time order: `canhgiac screen --input --output`.
//!
//! Input columns (a header row names them; extra columns are ignored, optional ones may be missing):
//! `id,time,amount,payer_bank,payer_account,payee_bank,payee_account,payee_name,remark,channel` (and
//! `declared_purpose`). Output: `id,decision,level,score,reasons` with the reason codes joined by `|`.
//! A row that cannot be read is left out and reported with its line number; the others are screened.

use crate::engine::{Asker, Screener};
use crate::remark::RemarkReader;
use crate::transfer::{
    MAX_NAME_CHARS, MAX_REMARK_CHARS, TimeValue, Transfer, TransferChannel, canonical_account, check_amount,
    check_transfer_id, parse_time,
};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_index::ReputationIndex;
use std::io::{Read, Write};

/// A row left out, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    /// 1-based, the header being line 1.
    pub line: u64,
    pub error: Error,
}

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    pub screened: u64,
    pub allowed: u64,
    pub warned: u64,
    pub held: u64,
    pub blocked: u64,
    pub refused: Vec<RefusedRow>,
}

/// Transfers read into one vector before the next is started.
const READ_CHUNK_ROWS: usize = 65_536;

const REQUIRED: &[&str] = &["id", "time", "amount", "payer_bank", "payer_account", "payee_bank", "payee_account"];

struct Columns {
    required: [usize; 7],
    payee_name: Option<usize>,
    remark: Option<usize>,
    channel: Option<usize>,
    declared_purpose: Option<usize>,
}

fn csv_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCsv, message)
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Columns, Error> {
        let find = |name: &str| header.iter().position(|column| column.trim().eq_ignore_ascii_case(name));
        let mut required = [0; 7];
        for (slot, name) in required.iter_mut().zip(REQUIRED) {
            *slot = find(name).ok_or_else(|| {
                csv_error(format!("the header has no '{name}' column: it needs {}", REQUIRED.join(",")))
                    .with_field(*name)
            })?;
        }
        Ok(Columns {
            required,
            payee_name: find("payee_name"),
            remark: find("remark"),
            channel: find("channel"),
            declared_purpose: find("declared_purpose"),
        })
    }
}

/// `text` without the whitespace around it; most fields have none, and are answered without `str::trim`'s
/// Unicode search.
fn trimmed(text: &str) -> &str {
    let bare = |byte: &u8| byte.is_ascii() && !matches!(byte, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ');
    match text.as_bytes() {
        [first, .., last] if bare(first) && bare(last) => text,
        [only] if bare(only) => text,
        _ => text.trim(),
    }
}

/// At most `max` characters of `text`.
fn clip(text: &str, max: usize) -> String {
    // A character takes at least one byte: a text of at most `max` bytes is whole.
    if text.len() <= max {
        return text.to_string();
    }
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

fn row_transfer(row: &csv::StringRecord, columns: &Columns) -> Result<Transfer, Error> {
    let get = |i: usize| trimmed(row.get(i).unwrap_or_default());
    let optional = |i: Option<usize>| i.map(get).unwrap_or_default();
    let [id, time, amount, payer_bank, payer_account, payee_bank, payee_account] = columns.required.map(get);
    let id = check_transfer_id(id).map_err(|e| e.with_field("id"))?;
    let at = parse_time(&TimeValue::Text(time.to_string()), "time")?;
    let amount = amount.split('.').next().unwrap_or_default().parse::<u64>().map_err(|_| {
        Error::new(ErrorCode::InvalidValue, "the amount is a whole number of đồng").with_field("amount")
    })?;
    let amount = check_amount(amount)?;
    let (payer, _) = canonical_account(payer_bank, payer_account, "payer").map_err(flatten_field)?;
    let (payee, payee_bin) = canonical_account(payee_bank, payee_account, "payee").map_err(flatten_field)?;
    let channel = match optional(columns.channel) {
        "" => None,
        text => Some(TransferChannel::parse(text)?),
    };
    let payee_name = Some(clip(optional(columns.payee_name), MAX_NAME_CHARS)).filter(|n| !n.is_empty());
    Ok(Transfer {
        id,
        at,
        amount,
        channel,
        payer,
        payer_customer_since: None,
        payer_new_device: None,
        payer_biometric_passed: None,
        payee,
        payee_bin,
        payee_name,
        remark: clip(optional(columns.remark), MAX_REMARK_CHARS),
        declared_purpose: clip(optional(columns.declared_purpose), MAX_REMARK_CHARS),
    })
}

/// `payer.bank` → `payer_bank`: the CSV's own column names.
fn flatten_field(error: Error) -> Error {
    match error.field.clone() {
        Some(field) => error.with_field(field.replace('.', "_")),
        None => error,
    }
}

/// Reads every row, sorts by time (ties keep file order), screens each and writes the decisions in that order.
pub fn replay(
    input: impl Read,
    output: impl Write,
    screener: &Screener,
    index: Option<&ReputationIndex>,
    asker: Asker,
) -> Result<ReplaySummary, Error> {
    replay_in_chunks(input, output, screener, index, asker, READ_CHUNK_ROWS)
}

/// [`replay`], reading `chunk_rows` transfers into each vector (tests use small chunks).
fn replay_in_chunks(
    input: impl Read,
    output: impl Write,
    screener: &Screener,
    index: Option<&ReputationIndex>,
    asker: Asker,
    chunk_rows: usize,
) -> Result<ReplaySummary, Error> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::None).from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(format!("the header cannot be read: {e}")))?.clone();
    let columns = Columns::from_header(&header)?;
    let mut summary = ReplaySummary::default();
    // Read in chunks rather than one vector grown by doubling: a transfer is about 200 bytes, and a million of
    // them copied as the vector grew, onto fresh pages, cost a tenth of a replay.
    let mut chunks: Vec<Vec<Transfer>> = vec![Vec::with_capacity(chunk_rows)];
    let mut in_time_order = true;
    let mut latest = i64::MIN;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match row_transfer(&record, &columns) {
                Ok(transfer) => {
                    in_time_order &= transfer.at >= latest;
                    latest = latest.max(transfer.at);
                    if chunks.last().is_some_and(|chunk| chunk.len() == chunk_rows) {
                        chunks.push(Vec::with_capacity(chunk_rows));
                    }
                    chunks.last_mut().expect("one chunk at least").push(transfer);
                }
                Err(error) => summary.refused.push(RefusedRow { line, error }),
            },
            Err(error) => {
                // A broken row (bad UTF-8, an unclosed quote): say where, keep going where the reader can.
                summary.refused.push(RefusedRow { line, error: csv_error(format!("the row cannot be read: {error}")) });
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    return Err(csv_error(format!("the input cannot be read: {error}")));
                }
            }
        }
    }
    // In time order, ties in file order (a stable sort); a file already in order, as exports usually are, keeps
    // its chunks and is not sorted.
    if !in_time_order {
        let mut transfers = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
        for chunk in chunks.drain(..) {
            transfers.extend(chunk);
        }
        transfers.sort_by_key(|t| t.at);
        chunks.push(transfers);
    }

    let mut writer = csv::Writer::from_writer(output);
    let write_error = |e: csv::Error| Error::new(ErrorCode::Internal, format!("the output cannot be written: {e}"));
    writer.write_record(["id", "decision", "level", "score", "reasons"]).map_err(write_error)?;
    let mut remarks = RemarkReader::default();
    let mut written = Ok(());
    let mut numbers = (itoa::Buffer::new(), itoa::Buffer::new());
    let mut write_decision = |_: &Transfer, decision: crate::Decision| {
        match decision.decision {
            crate::DecisionKind::Allow => summary.allowed += 1,
            crate::DecisionKind::Warn => summary.warned += 1,
            crate::DecisionKind::Hold => summary.held += 1,
            crate::DecisionKind::Block => summary.blocked += 1,
        }
        summary.screened += 1;
        if written.is_err() {
            return;
        }
        written = writer
            .write_record([
                decision.transfer_id.as_str(),
                decision.decision.as_str(),
                numbers.0.format(decision.level),
                numbers.1.format(decision.score),
                decision.reason_codes().as_str(),
            ])
            .map_err(write_error);
    };
    // In runs, the replay's way (`screen_many`): the same decisions as `screen` for each in turn.
    // Each chunk is let go once screened: the windows, which grow as accounts appear, reuse its memory.
    for chunk in chunks {
        screener.screen_many(&chunk, asker, index, &mut remarks, &mut write_decision);
    }
    written?;
    writer.flush().map_err(|e| Error::new(ErrorCode::Internal, format!("the output cannot be written: {e}")))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    const HEADER: &str = "id,time,amount,payer_bank,payer_account,payee_bank,payee_account,payee_name,remark,channel\n";

    /// A file of `rows` transfers among a few accounts, so that behaviour (pairs, fan-in, splits) shapes the
    /// decisions; times shuffled when `shuffled`, with ties, a scam pretext now and then, and bad rows.
    fn file(rows: usize, shuffled: bool) -> String {
        let mut text = HEADER.to_string();
        for i in 0..rows {
            let minute = if shuffled { (i * 7919) % rows / 3 } else { i / 3 };
            let remark = if i % 17 == 0 { "phi giai ngan khoan vay" } else { "tien an trua" };
            let _ = std::fmt::Write::write_fmt(
                &mut text,
                format_args!(
                    "T{i}, {} ,{},VCB,00110041{:05},BIDV,211000{:05},  NGUYEN VAN B ,{remark},mobile\n",
                    1_796_004_000 + minute * 60,
                    (i % 23 + 1) * 450_000,
                    i % 40,
                    i % 11,
                ),
            );
            if i % 97 == 0 {
                text.push_str("BAD,not a time,1000,VCB,1,BIDV,2,,,\n");
            }
        }
        text
    }

    fn run(input: &str, chunk_rows: usize) -> (ReplaySummary, String) {
        let screener = Screener::new(RuleSet::shipped());
        let mut output = Vec::new();
        let summary =
            replay_in_chunks(input.as_bytes(), &mut output, &screener, None, Asker { names: &[] }, chunk_rows)
                .expect("replayed");
        (summary, String::from_utf8(output).expect("UTF-8"))
    }

    #[test]
    fn chunks_change_no_decision_in_order_or_not() {
        for shuffled in [false, true] {
            let input = file(1_000, shuffled);
            let (whole, expected) = run(&input, 1_000_000);
            assert_eq!(whole.screened, 1_000);
            assert_eq!(whole.refused.len(), 11, "{:?}", whole.refused);
            assert!(whole.warned + whole.held > 0, "behaviour and remarks shape some decisions");
            for chunk_rows in [1, 7, 64, 999, 1_000, 1_001] {
                let (summary, decisions) = run(&input, chunk_rows);
                assert_eq!((summary, decisions.as_str()), (whole.clone(), expected.as_str()), "chunks of {chunk_rows}");
            }
        }
    }

    #[test]
    fn a_shuffled_file_is_screened_in_time_order_ties_in_file_order() {
        let (_, decisions) = run(&file(300, true), 16);
        let order: Vec<usize> =
            decisions.lines().skip(1).map(|line| line[1..line.find(',').unwrap()].parse().unwrap()).collect();
        let minute = |i: usize| (i * 7919) % 300 / 3;
        assert_eq!(order.len(), 300);
        assert!(order.windows(2).all(|w| (minute(w[0]), w[0]) < (minute(w[1]), w[1])), "{order:?}");
    }

    #[test]
    fn fields_are_trimmed_and_clipped_by_characters() {
        for (text, expected) in
            [("", ""), ("a", "a"), (" a", "a"), ("a ", "a"), ("\ta\u{a0}", "a"), ("\u{3000}ab", "ab"), ("x\u{b}", "x")]
        {
            assert_eq!(trimmed(text), expected, "{text:?}");
            assert_eq!(trimmed(text), text.trim(), "{text:?}");
        }
        assert_eq!(clip("abc", 2), "ab");
        assert_eq!(clip("ăâđ", 2), "ăâ");
        assert_eq!(clip("ăâ", 2), "ăâ");
        assert_eq!(clip("ab", 5), "ab");
        assert_eq!(clip("", 0), "");
    }
}
