//! The whole analysis of one message: normalise it, find its red flags and its contacts, score it with the
//! text model, combine everything into a calibrated probability, name the scam types and give advice.

use crate::features::Features;
use crate::model::{AnalyzerModel, ModelError, sigmoid, softmax};
use crate::normalise::NormalisedMessage;
use crate::red_flags::{
    DISGUISED_TEXT, GAMBLING_TERMS, IMPERSONATE_AUTHORITY, PERSONAL_CONTACT_FOR_BRAND, PERSONAL_NUMBER_AS_BRAND,
    RedFlag, is_personal_number, red_flags_with_found,
};
use crate::sender::sender_kind;
use canhgiac_core::identifier::{Found, Identifier, IdentifierKind, extract};
use canhgiac_core::trust::{TrustDirectory, trust_directory};
use canhgiac_core::verdict::VerdictLevel;
use canhgiac_core::{Error, ErrorCode, ScamType};
use canhgiac_index::{CheckAnswer, ReputationIndex};
use serde::Serialize;
use std::sync::OnceLock;

/// The model shipped with this build (`canhgiac train-analyzer` writes it).
static SHIPPED_MODEL: &[u8] = include_bytes!("../data/model.bin");
static ADVICE: &str = include_str!("../data/advice.tsv");
/// Longest message analysed, in bytes: an SMS is 160 characters, an e-mail or a call transcript a few pages
/// (the API's body limit, 64 KiB, leaves room for JSON escapes).
pub const MAX_ANALYZE_BYTES: usize = 32 * 1024;

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Zalo,
    Facebook,
    Email,
    CallTranscript,
    #[default]
    Other,
}

impl Channel {
    pub const ALL: &'static [Channel] =
        &[Channel::Sms, Channel::Zalo, Channel::Facebook, Channel::Email, Channel::CallTranscript, Channel::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Zalo => "zalo",
            Channel::Facebook => "facebook",
            Channel::Email => "email",
            Channel::CallTranscript => "call_transcript",
            Channel::Other => "other",
        }
    }

    /// The channel a request names, if any: absent or blank is `other` (as every blank optional field of the API
    /// counts as absent).
    pub fn parse_optional(text: Option<&str>) -> Result<Channel, Error> {
        match text.map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => Channel::parse(text),
            None => Ok(Channel::default()),
        }
    }

    pub fn parse(text: &str) -> Result<Channel, Error> {
        let wanted = text.trim().to_ascii_lowercase();
        Channel::ALL.iter().copied().find(|channel| channel.as_str() == wanted).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidValue,
                format!(
                    "unknown channel {text:?}; one of: {}",
                    Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_field("channel")
        })
    }
}

/// The analyzer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageVerdict {
    Safe,
    Suspicious,
    Scam,
}

impl MessageVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageVerdict::Safe => "safe",
            MessageVerdict::Suspicious => "suspicious",
            MessageVerdict::Scam => "scam",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScamTypeLikelihood {
    pub code: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub probability: f32,
}

/// A contact found in the message, with its verdict when an index was given.
#[derive(Debug, Clone, Serialize)]
pub struct FoundContact {
    pub kind: IdentifierKind,
    pub canonical: String,
    pub display: String,
    /// `[start, end)` in characters of the original text.
    pub span: (usize, usize),
    pub check: Option<CheckAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    pub vi: &'static str,
    pub en: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub verdict: MessageVerdict,
    /// Calibrated: of the messages given 0.8, about 80 % are scams (see docs/analyzer.md for the measurement).
    pub scam_probability: f32,
    pub scam_types: Vec<ScamTypeLikelihood>,
    pub red_flags: Vec<RedFlag>,
    pub identifiers: Vec<FoundContact>,
    pub advice: Vec<Advice>,
    pub channel: Channel,
    /// `brandname`, `shortcode`, `personal_number` or `unknown`.
    pub sender_kind: &'static str,
}

/// What to analyse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Message<'a> {
    pub text: &'a str,
    pub sender: Option<&'a str>,
    pub channel: Channel,
    /// The kind of sender when only that is known (evaluation sets): overrides what `sender` says.
    pub sender_kind: Option<&'static str>,
}

/// Refuses what cannot be analysed: an empty message (nothing but spaces, control and invisible characters), or one
/// over [`MAX_ANALYZE_BYTES`].
pub fn check_message(text: &str) -> Result<(), Error> {
    let nothing_to_read = |c: char| c.is_whitespace() || c.is_control() || canhgiac_core::text::is_invisible(c);
    if text.chars().all(nothing_to_read) {
        return Err(Error::new(ErrorCode::EmptyInput, "give the message to analyse").with_field("text"));
    }
    if text.len() > MAX_ANALYZE_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            format!("a message is at most {MAX_ANALYZE_BYTES} bytes; this one has {}", text.len()),
        )
        .with_field("text"));
    }
    Ok(())
}

/// The analyzer with its model loaded once; cheap to share between threads.
pub struct Analyzer {
    model: AnalyzerModel,
    type_shift: u32,
    advice: Vec<(String, Advice)>,
}

/// Scratch buffers reused from one message to the next.
#[derive(Default)]
pub struct Scratch {
    message: NormalisedMessage,
    features: Features,
    reduced: Features,
    type_scores: Vec<f32>,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch::default()
    }

    /// The last message normalised with this scratch.
    pub fn normalised(&self) -> &NormalisedMessage {
        &self.message
    }
}

/// How much a contact's standing in the reputation index moves the message's log-odds. Set by hand, not
/// learned: the training corpus has no index behind it. A listed scam contact makes a message a scam whatever
/// its words; an official contact alone does not make it safe (scammers quote real hotlines too).
fn contact_weight(level: VerdictLevel) -> f32 {
    match level {
        VerdictLevel::ConfirmedScam => 6.0,
        VerdictLevel::HighRisk => 4.0,
        VerdictLevel::Suspicious => 2.0,
        VerdictLevel::Reported => 0.8,
        VerdictLevel::NoData | VerdictLevel::OfficialVerified => 0.0,
    }
}

impl Analyzer {
    /// The analyzer of this build, with the shipped model (loaded on first use).
    pub fn shipped() -> &'static Analyzer {
        static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
        ANALYZER.get_or_init(|| {
            // The shipped model is checked by the tests; a damaged one is a build that must not be released.
            Analyzer::new(AnalyzerModel::from_bytes(SHIPPED_MODEL).expect("the shipped analyzer model loads"))
        })
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Analyzer, ModelError> {
        Ok(Analyzer::new(AnalyzerModel::from_bytes(bytes)?))
    }

    pub fn new(model: AnalyzerModel) -> Analyzer {
        let type_shift = model.scam.bits.saturating_sub(model.types.bits);
        Analyzer { model, type_shift, advice: parse_advice(ADVICE) }
    }

    pub fn model(&self) -> &AnalyzerModel {
        &self.model
    }

    /// Analyses one message; `index` gives the contacts' verdicts (without it they are listed unjudged).
    pub fn analyze(&self, message: &Message, index: Option<&ReputationIndex>, now: i64) -> Result<Analysis, Error> {
        self.analyze_with(message, index, now, &mut Scratch::new())
    }

    pub fn analyze_with(
        &self,
        message: &Message,
        index: Option<&ReputationIndex>,
        now: i64,
        scratch: &mut Scratch,
    ) -> Result<Analysis, Error> {
        let text = message.text;
        check_message(text)?;
        let found = extract(text);
        let directory: &TrustDirectory = match index {
            Some(index) => index.trust_directory(),
            None => trust_directory(),
        };
        let (probability, flags) = self.score(message, &found, directory, scratch);
        let kind = message.sender_kind.unwrap_or_else(|| sender_kind(message.sender));

        let mut identifiers: Vec<FoundContact> = found
            .into_iter()
            .map(|found| FoundContact {
                kind: found.identifier.kind(),
                canonical: found.identifier.canonical().to_string(),
                display: found.identifier.display(),
                span: found.span,
                check: index.map(|index| index.check(&found.identifier, now)),
            })
            .collect();
        identifiers.dedup_by(|a, b| a.canonical == b.canonical && a.span == b.span);
        let worst_contact = identifiers
            .iter()
            .filter_map(|contact| contact.check.as_ref().map(|check| check.verdict))
            .map(contact_weight)
            .fold(0.0f32, f32::max);
        let scam_probability = if worst_contact > 0.0 {
            let p = probability.clamp(1e-6, 1.0 - 1e-6);
            sigmoid((p / (1.0 - p)).ln() + worst_contact)
        } else {
            probability
        };
        // Every verdict explains itself: with no red flag and no listed contact to show, the wording alone makes a
        // message suspicious at most, never a scam.
        let evidence = !flags.is_empty() || worst_contact > 0.0;
        let scam_probability = if evidence {
            scam_probability
        } else {
            scam_probability.min(self.model.header.scam_from - WORDING_ALONE_BELOW_SCAM)
        };
        let verdict = if scam_probability >= self.model.header.scam_from {
            MessageVerdict::Scam
        } else if scam_probability >= self.model.header.suspicious_from {
            MessageVerdict::Suspicious
        } else {
            MessageVerdict::Safe
        };
        let scam_types = if verdict == MessageVerdict::Safe {
            Vec::new()
        } else {
            self.scam_types(scratch, &flags, scam_probability)
        };
        let advice = self.advice_for(verdict, &scam_types, worst_contact >= contact_weight(VerdictLevel::Suspicious));
        Ok(Analysis {
            verdict,
            scam_probability: (scam_probability * 1000.0).round() / 1000.0,
            scam_types,
            red_flags: flags,
            identifiers,
            advice,
            channel: message.channel,
            sender_kind: kind,
        })
    }

    /// The combined probability without the contacts' verdicts: the text model, the red flags and the sender.
    /// Leaves the normalised message and its features in `scratch`.
    pub fn probability_with(&self, message: &Message, scratch: &mut Scratch) -> f32 {
        self.score(message, &extract(message.text), trust_directory(), scratch).0
    }

    /// [`probability_with`](Self::probability_with) with the red flags it found (for callers that judge a short
    /// text, such as a transfer's remark, without the whole analysis).
    pub fn probability_and_flags_with(&self, message: &Message, scratch: &mut Scratch) -> (f32, Vec<RedFlag>) {
        self.score(message, &extract(message.text), trust_directory(), scratch)
    }

    fn score(
        &self,
        message: &Message,
        found: &[Found],
        directory: &TrustDirectory,
        scratch: &mut Scratch,
    ) -> (f32, Vec<RedFlag>) {
        scratch.message.refill(message.text);
        let normalised = &scratch.message;
        scratch
            .features
            .fill(normalised.tokens().iter().map(|token| normalised.token_text(token)), self.model.scam.bits);
        let text_logit = self.model.scam.score(&scratch.features);
        // The sender's kind may be all a caller knows (an evaluation set gives only that).
        let personal_sender = match message.sender_kind {
            Some(kind) => kind == "personal_number",
            None => message.sender.is_some_and(is_personal_number),
        };
        let flags = red_flags_with_found(&scratch.message, message.text, personal_sender, found, directory);
        let codes = combiner_signals(message.text, &flags, found, directory);
        let kind = message.sender_kind.unwrap_or_else(|| sender_kind(message.sender));
        (self.model.combine(text_logit, &codes, kind), flags)
    }

    fn scam_types(&self, scratch: &mut Scratch, flags: &[RedFlag], probability: f32) -> Vec<ScamTypeLikelihood> {
        scratch.features.reduce_into(self.type_shift, &mut scratch.reduced);
        scratch.type_scores.resize(self.model.types.classes, 0.0);
        self.model.types.scores(&scratch.reduced, &mut scratch.type_scores);
        softmax(&mut scratch.type_scores);
        // The red flags' own hints count too: a gambling word makes gambling likelier whatever the text model says.
        for flag in flags {
            for hinted in &flag.scam_types {
                if let Some(position) = self.model.scam_types.iter().position(|t| t == hinted) {
                    scratch.type_scores[position] += 0.15 * flag.weight;
                }
            }
        }
        let total: f32 = scratch.type_scores.iter().sum();
        let mut likely: Vec<ScamTypeLikelihood> = self
            .model
            .scam_types
            .iter()
            .zip(&scratch.type_scores)
            .map(|(scam_type, score)| (scam_type, score / total.max(1e-6) * probability))
            .filter(|(_, p)| *p >= 0.1)
            .map(|(scam_type, p)| ScamTypeLikelihood {
                code: scam_type.code(),
                vi: scam_type.name_vi(),
                en: scam_type.name_en(),
                probability: (p * 1000.0).round() / 1000.0,
            })
            .collect();
        likely.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        likely.truncate(3);
        likely
    }

    fn advice_for(&self, verdict: MessageVerdict, types: &[ScamTypeLikelihood], listed: bool) -> Vec<Advice> {
        let mut keys: Vec<&str> = Vec::new();
        if verdict == MessageVerdict::Safe {
            keys.push("safe");
        } else {
            keys.extend(types.iter().take(2).map(|t| t.code));
            if listed {
                keys.push("contacts_listed");
            }
            keys.push("any_scam");
            keys.push("report");
        }
        let mut advice: Vec<Advice> = Vec::new();
        for key in keys {
            for (_, piece) in self.advice.iter().filter(|(k, _)| k == key) {
                if !advice.iter().any(|known| known.vi == piece.vi) {
                    advice.push(piece.clone());
                }
            }
        }
        advice
    }
}

/// How far below the `scam` threshold a message with nothing to show but its wording is held.
const WORDING_ALONE_BELOW_SCAM: f32 = 0.001;

/// What the combiner reads beside the red flags (not red flags themselves: they are not shown, nor counted among
/// the flags): every link goes to an official domain of the trust directory (`official_links_only`), or some link
/// does not (`unofficial_link`); the message disguises many words (`heavily_disguised`); a personal number sent a
/// message that opens with a bank's, carrier's or authority's name, as their own SMS do (`brand_header_from_person`:
/// the format copied, not a person mentioning where they work); a link goes to a host named like a betting site
/// (`betting_host`: `kwin668.com`, `cash288699.com`; the gambling flag's words, such as `nạp đầu`, also sit in
/// carriers' top-up promotions, a betting site's name does not); a message in an authority's name gives a personal
/// mobile number to call (`authority_personal_contact`: police, courts, ministries and the tax office never settle a
/// fine or a case through someone's mobile; carriers' and banks' sales staff do give theirs).
pub const SIGNALS_BESIDE_FLAGS: &[&str] = &[
    "official_links_only",
    "unofficial_link",
    HEAVILY_DISGUISED,
    BRAND_HEADER_FROM_PERSON,
    BETTING_HOST,
    AUTHORITY_PERSONAL_CONTACT,
];
pub const HEAVILY_DISGUISED: &str = "heavily_disguised";
pub const BRAND_HEADER_FROM_PERSON: &str = "brand_header_from_person";
pub const BETTING_HOST: &str = "betting_host";
pub const AUTHORITY_PERSONAL_CONTACT: &str = "authority_personal_contact";
/// Disguised words that make a message heavily disguised: three are a method, five a whole message written to
/// slip past filters (no legitimate message of the UCI or UIT IE403 sets, 6,222 in all, has more than three).
const HEAVY_DISGUISES: usize = 5;

/// The combiner's input for one message: the codes of its red flags and the signals beside them, sorted.
pub fn combiner_signals(
    text: &str,
    flags: &[RedFlag],
    found: &[Found],
    directory: &TrustDirectory,
) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = flags.iter().map(|flag| flag.code).collect();
    codes.extend(link_signals(found, directory));
    let disguises = flags.iter().find(|flag| flag.code == DISGUISED_TEXT).map_or(0, |flag| flag.spans.len());
    if disguises >= HEAVY_DISGUISES {
        codes.push(HEAVILY_DISGUISED);
    }
    // The claim starts at the message's first letter or digit (`(TPBank) Tu 01/07…`, `Vietcombank: …`).
    let opening = text.chars().position(char::is_alphanumeric);
    let headed = flags
        .iter()
        .find(|flag| flag.code == PERSONAL_NUMBER_AS_BRAND)
        .is_some_and(|flag| flag.spans.iter().any(|span| Some(span.0) == opening));
    if headed {
        codes.push(BRAND_HEADER_FROM_PERSON);
    }
    // The gambling flag names the host when a link's host is a betting site's.
    if flags.iter().any(|flag| flag.code == GAMBLING_TERMS && flag.detail.is_some()) {
        codes.push(BETTING_HOST);
    }
    let has = |code: &str| flags.iter().any(|flag| flag.code == code);
    if has(IMPERSONATE_AUTHORITY) && has(PERSONAL_CONTACT_FOR_BRAND) {
        codes.push(AUTHORITY_PERSONAL_CONTACT);
    }
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn link_signals(found: &[Found], directory: &TrustDirectory) -> Vec<&'static str> {
    let mut links = 0;
    let mut official = 0;
    for item in found {
        let host = match &item.identifier {
            Identifier::Url(url) => url.host().to_string(),
            Identifier::Domain(domain) => domain.canonical().to_string(),
            _ => continue,
        };
        links += 1;
        // Government domains (`*.gov.vn`) can be registered by public bodies only.
        let government = host.ends_with(".gov.vn") || host == "gov.vn";
        if government || directory.official_domain(&host).is_some() {
            official += 1;
        }
    }
    match (links, official) {
        (0, _) => Vec::new(),
        (links, official) if links == official => vec![SIGNALS_BESIDE_FLAGS[0]],
        _ => vec![SIGNALS_BESIDE_FLAGS[1]],
    }
}

/// `key<TAB>vi<TAB>en` lines; `#` comments.
fn parse_advice(text: &'static str) -> Vec<(String, Advice)> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.split('\t');
            let key = columns.next()?.trim();
            let vi = columns.next()?.trim();
            let en = columns.next()?.trim();
            Some((key.to_string(), Advice { vi, en }))
        })
        .collect()
}

/// Problems in the advice file: keys that are neither a scam type nor a general key, scam types without advice.
pub fn advice_problems() -> Vec<String> {
    const GENERAL: &[&str] = &["any_scam", "safe", "contacts_listed", "report"];
    let advice = parse_advice(ADVICE);
    let mut problems = Vec::new();
    for (line, raw) in ADVICE.lines().enumerate() {
        if !raw.trim().is_empty() && !raw.starts_with('#') && raw.split('\t').count() != 3 {
            problems.push(format!("advice.tsv line {}: expected key, vi, en separated by tabs", line + 1));
        }
    }
    for (key, _) in &advice {
        if !GENERAL.contains(&key.as_str()) && ScamType::parse(key).is_err() {
            problems.push(format!("advice.tsv: unknown key {key}"));
        }
    }
    for key in ScamType::ALL.iter().map(|t| t.code()).chain(GENERAL.iter().copied()) {
        if !advice.iter().any(|(k, _)| k == key) {
            problems.push(format!("advice.tsv: no advice for {key}"));
        }
    }
    problems
}
