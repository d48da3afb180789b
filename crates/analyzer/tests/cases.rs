//! Table tests written as data: `normalise_cases.tsv` (input → normalised text, accent-free twin, word spans)
//! and `red_flag_cases.tsv` (sender and message → flags that must be found, with their evidence, and flags that
//! must not). See the head of each file for its format.

use canhgiac_analyzer::{normalise, red_flags};

/// Reads `\t`, `\n`, `\\` and `\u{XXXX}` escapes, so invisible and look-alike characters stay visible in the file.
fn unescape(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('u') if chars.peek() == Some(&'{') => {
                chars.next();
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or_else(|| panic!("bad escape \\u{{{hex}}}")));
            }
            other => panic!("unknown escape \\{other:?} in {cell:?}"),
        }
    }
    out
}

/// The lines of a case file that hold cases, with their line numbers and tab-separated cells.
fn cases(file: &str) -> Vec<(usize, Vec<String>)> {
    let path = format!("{}/tests/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(number, line)| (number + 1, line.split('\t').map(unescape).collect()))
        .collect()
}

/// The original text of a span given in characters.
fn slice(text: &str, (start, end): (usize, usize)) -> String {
    text.chars().skip(start).take(end.saturating_sub(start)).collect()
}

#[test]
fn normalise_cases() {
    let cases = cases("normalise_cases.tsv");
    assert!(cases.len() >= 40, "only {} normalisation cases", cases.len());
    let mut failures = Vec::new();
    for (line, cells) in &cases {
        let [input, text, folded, rest @ ..] = &cells[..] else {
            panic!("normalise_cases.tsv line {line}: expected at least 3 columns");
        };
        let message = normalise(input);
        if message.text() != text {
            failures.push(format!("line {line}: text {:?}, expected {text:?}", message.text()));
        }
        if message.folded() != folded {
            failures.push(format!("line {line}: folded {:?}, expected {folded:?}", message.folded()));
        }
        // `word=original` pairs: the first token `word` of the twin came from exactly `original`.
        for check in rest.iter().flat_map(|cell| cell.split(" | ")).filter(|c| !c.is_empty()) {
            let Some((word, expected)) = check.split_once('=') else {
                panic!("normalise_cases.tsv line {line}: {check:?} is not word=original");
            };
            let found = message.tokens().iter().find(|t| message.token_text(t) == word);
            match found {
                Some(token) if slice(input, token.span) == expected => {}
                Some(token) => failures.push(format!(
                    "line {line}: token {word:?} came from {:?}, expected {expected:?}",
                    slice(input, token.span)
                )),
                None => failures.push(format!("line {line}: no token {word:?} in {:?}", message.folded())),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn red_flag_cases() {
    let cases = cases("red_flag_cases.tsv");
    assert!(cases.len() >= 40, "only {} red-flag cases", cases.len());
    let mut failures = Vec::new();
    for (line, cells) in &cases {
        let [sender, input, expectations] = &cells[..] else {
            panic!("red_flag_cases.tsv line {line}: expected 3 columns");
        };
        let sender = (sender != "-").then_some(sender.as_str());
        let flags = red_flags(&normalise(input), input, sender);
        for expectation in expectations.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some(code) = expectation.strip_prefix('!') {
                if let Some(flag) = flags.iter().find(|f| f.code == code) {
                    let evidence: Vec<String> = flag.spans.iter().map(|&s| slice(input, s)).collect();
                    failures.push(format!("line {line}: unexpected {code} on {evidence:?}"));
                }
                continue;
            }
            let (code, evidence) = match expectation.split_once('=') {
                Some((code, evidence)) => (code, Some(evidence.split('|').collect::<Vec<_>>())),
                None => (expectation, None),
            };
            let Some(flag) = flags.iter().find(|f| f.code == code) else {
                let codes: Vec<&str> = flags.iter().map(|f| f.code).collect();
                failures.push(format!("line {line}: no {code} (found {codes:?})"));
                continue;
            };
            let found: Vec<String> = flag.spans.iter().map(|&s| slice(input, s)).collect();
            if let Some(evidence) = evidence
                && found != evidence
            {
                failures.push(format!("line {line}: {code} spans {found:?}, expected {evidence:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
