//! Labelled messages from files: the project's corpus (JSON Lines), and the public sets the analyzer is trained
//! or measured on (the UCI SMS Spam Collection, the Mishra-Soni smishing set, the UIT IE403 Vietnamese SMS).
//! Parsing only: the caller reads the files.

use crate::train::Example;
use canhgiac_core::ScamType;
use serde::Deserialize;

/// A labelled message for evaluation: the message, its label, and the sender kind when the set gives only that.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub example: Example,
    pub sender_kind: Option<&'static str>,
}

/// Where a line of a labelled file went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
struct CorpusLine {
    text: String,
    label: String,
    scam_type: Option<String>,
    sender: Option<String>,
}

/// The project's corpus: one JSON object a line with `text`, `label` (`scam` or `safe`), optional `scam_type` and
/// `sender`; other fields are kept for people, not read.
pub fn read_corpus_jsonl(text: &str) -> Result<Vec<Example>, CorpusError> {
    let mut examples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let fail = |message: String| CorpusError { line: number + 1, message };
        if line.trim().is_empty() {
            continue;
        }
        let row: CorpusLine = serde_json::from_str(line).map_err(|e| fail(format!("not a corpus line: {e}")))?;
        let scam = match row.label.as_str() {
            "scam" => true,
            "safe" => false,
            other => return Err(fail(format!("label {other:?} is neither scam nor safe"))),
        };
        let scam_type = match row.scam_type.as_deref() {
            None | Some("") => None,
            Some(code) => Some(ScamType::parse(code).map_err(|_| fail(format!("unknown scam_type {code:?}")))?),
        };
        if row.text.trim().is_empty() {
            return Err(fail("empty text".into()));
        }
        examples.push(Example { text: row.text, scam, scam_type, sender: row.sender.filter(|s| !s.is_empty()) });
    }
    Ok(examples)
}

/// The UCI SMS Spam Collection (`ham|spam<TAB>text`), de-duplicated by text (first kept), split in its
/// de-duplicated order: rows at positions `4, 9, 14, …` (position % 5 == 4) are held out for evaluation, the others
/// train. `bench/analyze_peer.py` makes the same split.
pub fn read_uci_split(text: &str) -> Result<(Vec<Example>, Vec<Example>), CorpusError> {
    let mut seen = std::collections::HashSet::new();
    let mut training = Vec::new();
    let mut held_out = Vec::new();
    let mut position = 0usize;
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, message)) = line.split_once('\t') else {
            return Err(CorpusError { line: number + 1, message: "expected ham or spam, a tab, the text".into() });
        };
        let scam = match label {
            "spam" => true,
            "ham" => false,
            other => return Err(CorpusError { line: number + 1, message: format!("label {other:?}") }),
        };
        if !seen.insert(message.to_string()) {
            continue;
        }
        let example = Example { text: message.to_string(), scam, scam_type: None, sender: None };
        if position % 5 == 4 {
            held_out.push(example)
        } else {
            training.push(example)
        }
        position += 1;
    }
    Ok((training, held_out))
}

/// A labelled file for `eval-analyzer`, its layout told by its first line:
/// - CSV with a `content` and a `label` column (0/1), optional `sender_type` (UIT IE403 Vietnamese SMS);
/// - CSV with `label` (ham, spam, smishing) and `TEXT` columns (Mishra-Soni);
/// - CSV with `text` and `spam` (0/1) columns (Vietnamese social-media comments);
/// - `ham|spam<TAB>text` lines (UCI);
/// - JSON Lines with `text` and `label` (`scam`/`safe`, `1`/`0`, `spam`/`ham`), optional `sender`.
///
/// Also returns how many CSV rows were skipped for an empty label cell (a row nobody labelled cannot be measured);
/// any other label that is not one of the values above is an error.
pub fn read_labelled(text: &str) -> Result<(Vec<Labelled>, usize), CorpusError> {
    let first = text.lines().next().unwrap_or_default().trim_start_matches('\u{feff}');
    if first.trim_start().starts_with('{') {
        return read_labelled_jsonl(text).map(|rows| (rows, 0));
    }
    if first.starts_with("ham\t") || first.starts_with("spam\t") {
        return text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                let (label, message) = line
                    .split_once('\t')
                    .ok_or_else(|| CorpusError { line: number + 1, message: "expected a tab".into() })?;
                Ok(labelled(message, label_value(label).ok_or_else(|| bad_label(number, label))?, None, None))
            })
            .collect::<Result<_, _>>()
            .map(|rows| (rows, 0));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CorpusError { line: 1, message: format!("not CSV: {e}") })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let text_column = column(&["content", "text", "message", "sms"]).ok_or_else(|| CorpusError {
        line: 1,
        message: format!("no text column (content, text, message) among {headers:?}"),
    })?;
    let label_column = column(&["label", "class", "category", "spam"])
        .ok_or_else(|| CorpusError { line: 1, message: format!("no label column among {headers:?}") })?;
    let sender_type_column = column(&["sender_type"]);
    let mut rows = Vec::new();
    let mut unlabelled = 0;
    for (number, record) in reader.records().enumerate() {
        let line = number + 2;
        let record = record.map_err(|e| CorpusError { line, message: format!("bad CSV row: {e}") })?;
        let message = record.get(text_column).unwrap_or_default();
        let label = record.get(label_column).unwrap_or_default();
        if label.trim().is_empty() {
            unlabelled += 1;
            continue;
        }
        let scam = label_value(label).ok_or_else(|| bad_label(line - 1, label))?;
        let sender_kind = sender_type_column.and_then(|c| record.get(c)).and_then(|kind| match kind.trim() {
            "brandname" => Some("brandname"),
            "shortcode" => Some("shortcode"),
            "personal_number" => Some("personal_number"),
            _ => None,
        });
        rows.push(labelled(message, scam, None, sender_kind));
    }
    Ok((rows, unlabelled))
}

fn read_labelled_jsonl(text: &str) -> Result<Vec<Labelled>, CorpusError> {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        label: serde_json::Value,
        sender: Option<String>,
    }
    let mut rows = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(line).map_err(|e| CorpusError {
            line: number + 1,
            message: format!("not a JSON line with text and label: {e}"),
        })?;
        let label = match &row.label {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let scam = label_value(&label).ok_or_else(|| bad_label(number, &label))?;
        rows.push(labelled(&row.text, scam, row.sender, None));
    }
    Ok(rows)
}

fn labelled(text: &str, scam: bool, sender: Option<String>, sender_kind: Option<&'static str>) -> Labelled {
    Labelled { example: Example { text: text.to_string(), scam, scam_type: None, sender }, sender_kind }
}

fn label_value(label: &str) -> Option<bool> {
    match label.trim().to_ascii_lowercase().as_str() {
        "1" | "1.0" | "scam" | "spam" | "smishing" | "true" | "suspicious" => Some(true),
        "0" | "0.0" | "safe" | "ham" | "false" | "legit" => Some(false),
        _ => None,
    }
}

fn bad_label(number: usize, label: &str) -> CorpusError {
    CorpusError {
        line: number + 1,
        message: format!("label {label:?} is not one of 1/0, scam/safe, spam/smishing/ham"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_format_is_read_and_checked() {
        let good = "{\"text\":\"Nhận quà\",\"label\":\"scam\",\"scam_type\":\"prize\",\"sender\":\"0912xxxxxx\"}\n\n\
                    {\"text\":\"Mã OTP 123456\",\"label\":\"safe\",\"category\":\"otp\"}\n";
        let examples = read_corpus_jsonl(good).unwrap();
        assert_eq!(examples.len(), 2);
        assert!(examples[0].scam && examples[0].scam_type == Some(ScamType::Prize));
        assert!(!examples[1].scam && examples[1].sender.is_none());
        let bad = "{\"text\":\"x\",\"label\":\"maybe\"}";
        assert_eq!(read_corpus_jsonl(bad).unwrap_err().line, 1);
        let bad_type = "\n{\"text\":\"x\",\"label\":\"scam\",\"scam_type\":\"nonsense\"}";
        assert_eq!(read_corpus_jsonl(bad_type).unwrap_err().line, 2);
    }

    #[test]
    fn uci_is_deduplicated_and_split_by_position() {
        let text = "ham\ta\nspam\tb\nham\ta\nham\tc\nham\td\nspam\te\nham\tf\n";
        let (training, held_out) = read_uci_split(text).unwrap();
        assert_eq!(held_out.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["e"]);
        assert_eq!(training.len(), 5);
    }

    #[test]
    fn every_labelled_layout_is_told_apart() {
        let vi = "content,label,has_url,has_phone_number,sender_type\n\"Chào, bạn\",0,0,0,personal_number\nTrúng thưởng,1,0,0,brandname\n";
        let (rows, unlabelled) = read_labelled(vi).unwrap();
        assert_eq!((rows.len(), unlabelled), (2, 0));
        assert_eq!(rows[0].example.text, "Chào, bạn");
        assert_eq!(rows[0].sender_kind, Some("personal_number"));
        assert!(rows[1].example.scam);
        let mishra = "label,TEXT,URL,EMAIL,PHONE\nham,hello,No,No,No\nSmishing,click here,yes,No,No\n";
        let (rows, _) = read_labelled(mishra).unwrap();
        assert!(!rows[0].example.scam && rows[1].example.scam);
        let uci = "ham\thi\nspam\twin\n";
        assert_eq!(read_labelled(uci).unwrap().0.len(), 2);
        let jsonl = "{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":\"safe\"}\n";
        let (rows, _) = read_labelled(jsonl).unwrap();
        assert!(rows[0].example.scam && !rows[1].example.scam);
        let social = "text,spam\nphim hay qua,0\nTuyen CTV lam tai nha,1\n TUYEN GAP ,\nxem di, 0\n";
        let (rows, unlabelled) = read_labelled(social).unwrap();
        assert_eq!((rows.len(), unlabelled), (3, 1));
        assert!(!rows[0].example.scam && rows[1].example.scam && !rows[2].example.scam);
        assert!(read_labelled("content,label\nx,maybe\n").is_err());
        assert!(read_labelled("a,b\n1,2\n").is_err());
    }
}
