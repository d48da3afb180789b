//! A transfer's remark (nội dung chuyển khoản) and declared purpose, read for scam pretexts: the phrases of
//! `data/remark_phrases.tsv` ("phí xác minh", "nộp tiền bảo lãnh", "phí giải ngân"...) on the analyzer's
//! normalised text (teencode expanded, accents folded), and the message analyzer's probability and red flags.

use aho_corasick::{AhoCorasick, MatchKind};
use canhgiac_analyzer::analyze::Scratch;
use canhgiac_analyzer::{Analyzer, Message, normalise};
use canhgiac_core::ScamType;
use std::sync::LazyLock;

const CODES: &str = include_str!("../data/remark_codes.tsv");
const PHRASES: &str = include_str!("../data/remark_phrases.tsv");

/// A reason code a remark phrase raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemarkCode {
    pub code: &'static str,
    pub scam_type: Option<ScamType>,
    pub vi: &'static str,
    pub en: &'static str,
}

struct RemarkLexicon {
    codes: Vec<RemarkCode>,
    automaton: AhoCorasick,
    /// Pattern number → position in `codes`.
    pattern_codes: Vec<usize>,
    problems: Vec<String>,
}

fn data_lines(text: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
}

static LEXICON: LazyLock<RemarkLexicon> = LazyLock::new(|| {
    let mut problems = Vec::new();
    let mut codes = Vec::new();
    for (number, line) in data_lines(CODES) {
        let columns: Vec<&'static str> = line.split('\t').collect();
        let [code, scam_type, vi, en] = columns[..] else {
            problems.push(format!("remark_codes.tsv line {}: expected 4 columns", number + 1));
            continue;
        };
        let scam_type = match scam_type {
            "" => None,
            text => match ScamType::parse(text) {
                Ok(scam_type) => Some(scam_type),
                Err(_) => {
                    problems.push(format!("remark_codes.tsv line {}: unknown scam type {text}", number + 1));
                    None
                }
            },
        };
        codes.push(RemarkCode { code, scam_type, vi, en });
    }
    let mut patterns = Vec::new();
    let mut pattern_codes = Vec::new();
    for (number, line) in data_lines(PHRASES) {
        let Some((phrase, code)) = line.split_once('\t') else {
            problems.push(format!("remark_phrases.tsv line {}: expected phrase<TAB>code", number + 1));
            continue;
        };
        let Some(position) = codes.iter().position(|c| c.code == code.trim()) else {
            problems.push(format!("remark_phrases.tsv line {}: unknown code {code}", number + 1));
            continue;
        };
        // Folded the way remarks are, so that the file may be written with diacritics.
        let folded = normalise(phrase).folded().trim().to_string();
        if folded.is_empty() {
            problems.push(format!("remark_phrases.tsv line {}: empty phrase", number + 1));
            continue;
        }
        patterns.push(folded);
        pattern_codes.push(position);
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("the remark phrases build an automaton");
    RemarkLexicon { codes, automaton, pattern_codes, problems }
});

/// Problems in the compiled-in lexicon (a test keeps it empty).
pub fn remark_lexicon_problems() -> Vec<String> {
    LEXICON.problems.clone()
}

/// Every code a remark can raise.
pub fn remark_codes() -> &'static [RemarkCode] {
    &LEXICON.codes
}

/// What a remark says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemarkFindings {
    /// Codes of the pretexts named, each once, in order of appearance.
    pub codes: Vec<&'static RemarkCode>,
    /// The analyzer's scam probability (0 for an empty remark).
    pub scam_probability: f32,
    /// The analyzer's red flags' codes.
    pub red_flags: Vec<&'static str>,
}

/// What an empty remark says.
static NOTHING_FOUND: RemarkFindings =
    RemarkFindings { codes: Vec::new(), scam_probability: 0.0, red_flags: Vec::new() };

/// Remarks read recently, remembered: most are the same few words ("chuyen tien", "CK", a name and "chuyen
/// tien"), and the analyzer costs microseconds where a look-up costs nanoseconds.
const REMEMBERED_REMARKS: usize = 8_192;

/// Reads remarks, reusing the analyzer's buffers between transfers and remembering recent answers.
pub struct RemarkReader {
    analyzer: &'static Analyzer,
    scratch: Scratch,
    joined: String,
    /// Remark → its position in `readings`.
    remembered: std::collections::HashMap<String, usize>,
    readings: Vec<RemarkFindings>,
}

impl Default for RemarkReader {
    fn default() -> Self {
        RemarkReader::new(Analyzer::shipped())
    }
}

impl RemarkReader {
    pub fn new(analyzer: &'static Analyzer) -> Self {
        RemarkReader {
            analyzer,
            scratch: Scratch::new(),
            joined: String::new(),
            remembered: Default::default(),
            readings: Vec::new(),
        }
    }

    /// Reads the remark and the declared purpose together.
    pub fn read(&mut self, remark: &str, declared_purpose: &str) -> RemarkFindings {
        self.findings(remark, declared_purpose).clone()
    }

    /// [`RemarkReader::read`], borrowed: the findings as remembered, without a copy (the engine's way: a
    /// copy of a remembered reading would cost allocations for every transfer whose remark raised anything).
    pub fn findings(&mut self, remark: &str, declared_purpose: &str) -> &RemarkFindings {
        if remark.trim().is_empty() && declared_purpose.trim().is_empty() {
            return &NOTHING_FOUND;
        }
        self.joined.clear();
        self.joined.push_str(remark);
        if !declared_purpose.is_empty() {
            self.joined.push_str(" \n ");
            self.joined.push_str(declared_purpose);
        }
        if let Some(&position) = self.remembered.get(&self.joined) {
            return &self.readings[position];
        }
        let message = Message { text: &self.joined, ..Message::default() };
        let (probability, flags) = self.analyzer.probability_and_flags_with(&message, &mut self.scratch);
        let folded = self.scratch.normalised().folded();
        let lexicon = &*LEXICON;
        let mut codes: Vec<&'static RemarkCode> = Vec::new();
        for found in lexicon.automaton.find_iter(folded) {
            let bytes = folded.as_bytes();
            let starts_word = found.start() == 0 || !bytes[found.start() - 1].is_ascii_alphanumeric();
            let ends_word = found.end() == bytes.len() || !bytes[found.end()].is_ascii_alphanumeric();
            if !(starts_word && ends_word) {
                continue;
            }
            let code = &lexicon.codes[lexicon.pattern_codes[found.pattern().as_usize()]];
            if !codes.iter().any(|c| c.code == code.code) {
                codes.push(code);
            }
        }
        let found =
            RemarkFindings { codes, scam_probability: probability, red_flags: flags.iter().map(|f| f.code).collect() };
        if self.remembered.len() >= REMEMBERED_REMARKS {
            self.remembered.clear();
            self.readings.clear();
        }
        self.remembered.insert(self.joined.clone(), self.readings.len());
        self.readings.push(found);
        &self.readings[self.readings.len() - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_is_well_formed() {
        assert_eq!(remark_lexicon_problems(), Vec::<String>::new());
        assert!(remark_codes().len() >= 10);
    }

    #[test]
    fn pretexts_are_found_however_they_are_written() {
        let mut reader = RemarkReader::default();
        for (remark, code) in [
            ("NGUYEN VAN A chuyen phi xac minh ho so", "remark_verification_fee"),
            ("Nộp tiền bảo lãnh cho con", "remark_bail_or_investigation"),
            ("dong phat nguoi xe 29A", "remark_fine"),
            ("phi giai ngan khoan vay 50tr", "remark_loan_fee"),
            ("ck hoan thanh nhiem vu so 3", "remark_task_deposit"),
            ("THUE TRUNG THUONG", "remark_prize_fee"),
        ] {
            let found = reader.read(remark, "");
            assert_eq!(found.codes.iter().map(|c| c.code).collect::<Vec<_>>(), vec![code], "{remark}");
        }
        let plain = reader.read("NGUYEN VAN A chuyen tien an trua", "");
        assert!(plain.codes.is_empty());
        assert!(plain.scam_probability < 0.5, "{}", plain.scam_probability);
        let purpose = reader.read("", "đóng phạt vi phạm giao thông");
        assert_eq!(purpose.codes.len(), 1);
        assert_eq!(reader.read("", "đóng phạt vi phạm giao thông"), purpose, "remembered, the same answer");
        assert_eq!(reader.read("  ", ""), RemarkFindings::default());
        // Whole words only: "phạt" inside another word is not a fine.
        assert!(reader.read("chuyen tien nop phatxyz", "").codes.is_empty());
    }
}
