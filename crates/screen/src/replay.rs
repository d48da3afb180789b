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

fn row_transfer(row: &csv::StringRecord, columns: &Columns) -> Result<Transfer, Error> {
    let get = |i: usize| row.get(i).unwrap_or_default().trim();
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
    let clip = |text: &str, max: usize| text.chars().take(max).collect::<String>();
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
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::None).from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(format!("the header cannot be read: {e}")))?.clone();
    let columns = Columns::from_header(&header)?;
    let mut summary = ReplaySummary::default();
    let mut transfers = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match row_transfer(&record, &columns) {
                Ok(transfer) => transfers.push(transfer),
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
    transfers.sort_by_key(|t| t.at);

    let mut writer = csv::Writer::from_writer(output);
    let write_error = |e: csv::Error| Error::new(ErrorCode::Internal, format!("the output cannot be written: {e}"));
    writer.write_record(["id", "decision", "level", "score", "reasons"]).map_err(write_error)?;
    let mut remarks = RemarkReader::default();
    // In runs, the replay's way (`screen_many`): the same decisions as `screen` for each in turn.
    let mut written = Ok(());
    screener.screen_many(&transfers, asker, index, &mut remarks, |_, decision| {
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
        let level_text = decision.level.to_string();
        let score_text = decision.score.to_string();
        written = writer
            .write_record([
                decision.transfer_id.as_str(),
                decision.decision.as_str(),
                level_text.as_str(),
                score_text.as_str(),
                decision.reason_codes().as_str(),
            ])
            .map_err(write_error);
    });
    written?;
    writer.flush().map_err(|e| Error::new(ErrorCode::Internal, format!("the output cannot be written: {e}")))?;
    Ok(summary)
}
