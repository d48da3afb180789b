//! Red flags: the words and links in a message that give a scam away, each with a stable code, a short
//! explanation in Vietnamese and English, and where it stands in the original text.
//!
//! Most flags come from a curated lexicon (`data/red_flags.tsv`, codes and explanations in
//! `data/red_flag_codes.tsv`) matched with one Aho-Corasick automaton, whole words only, on the accent-free twin
//! of [`NormalisedMessage`]: one entry catches a phrase written with diacritics, without, in teencode or
//! obfuscated. Warning contexts in the same file cancel phrases that are advice rather than a request ("KHÔNG
//! chia sẻ mã OTP cho bất kỳ ai"). Other flags are computed: `lookalike_domain` (core's look-alike judgement on
//! every link and domain that `canhgiac_core::identifier::extract` finds, and on the links a link carries),
//! `shortened_link` (a link through a shortening service of `data/link_shorteners.txt`), `cheap_domain_link`,
//! `disguised_text`, `personal_number_as_brand` (the message speaks for a bank, carrier or authority but the
//! sender is a personal number), `personal_contact_for_brand` (it gives a mobile number to call), and
//! `gambling_terms` also for a host named like a betting site (`kwin668.com`).

use crate::normalise::{NormalisedMessage, Span, normalise};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use canhgiac_core::identifier::{Identifier, PhoneNumber, PhoneType};
use canhgiac_core::lookalike::judge_domain_in;
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::trust::trust_directory;
use serde::Serialize;
use std::sync::LazyLock;

/// One red flag found in a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlag {
    /// Stable `snake_case` API value (a code of `data/red_flag_codes.tsv`).
    pub code: &'static str,
    /// Why it matters, in Vietnamese (shown first) and English.
    pub vi: &'static str,
    pub en: &'static str,
    /// `[start, end)` in characters of the original text, in order, not overlapping.
    pub spans: Vec<Span>,
    /// 0..1: the strongest phrase or finding behind the flag.
    pub weight: f32,
    /// The scam types the flag suggests, in catalogue order.
    pub scam_types: Vec<ScamType>,
    /// What was found, when a code needs more than its explanation (the brand a look-alike domain imitates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The computed codes (also listed in `data/red_flag_codes.tsv`).
pub const LOOKALIKE_DOMAIN: &str = "lookalike_domain";
pub const SHORTENED_LINK: &str = "shortened_link";
pub const PERSONAL_NUMBER_AS_BRAND: &str = "personal_number_as_brand";
pub const PERSONAL_CONTACT_FOR_BRAND: &str = "personal_contact_for_brand";
pub const LOGIN_OR_INSTALL_LINK: &str = "login_or_install_link";
pub const CHEAP_DOMAIN_LINK: &str = "cheap_domain_link";
pub const DISGUISED_TEXT: &str = "disguised_text";
pub const GAMBLING_TERMS: &str = "gambling_terms";

/// A lexicon code (`data/red_flags.tsv`) the combiner reads beside another.
pub const IMPERSONATE_AUTHORITY: &str = "impersonate_authority";

/// The codes whose presence means the message speaks for a bank, carrier or authority.
const BRAND_CLAIM_CODES: &[&str] = &["impersonate_bank", IMPERSONATE_AUTHORITY, "impersonate_utility"];

/// The weight of the computed flags.
const LOOKALIKE_WEIGHT: f32 = 0.9;
const SHORTENED_LINK_WEIGHT: f32 = 0.5;
const PERSONAL_NUMBER_AS_BRAND_WEIGHT: f32 = 0.8;
const PERSONAL_CONTACT_FOR_BRAND_WEIGHT: f32 = 0.7;
const CHEAP_DOMAIN_WEIGHT: f32 = 0.6;
/// Deep-link services whose subdomains belong to their business customers (`myvt.page.link` is Viettel's): their
/// cheap-looking endings say nothing about the sender.
const DEEP_LINK_SERVICES: &[&str] =
    &["page.link", "go.link", "app.link", "onelink.me", "onelink.to", "adj.st", "sng.link"];
const DISGUISED_TEXT_WEIGHT: f32 = 0.8;
/// A host named like a betting site (`kwin668.com`, `789club.top`): stems betting sites put beside a lucky number.
const GAMBLING_HOST_STEMS: &[&str] =
    &["bet", "win", "club", "casino", "slot", "vip", "cash", "nohu", "taixiu", "banca"];
const GAMBLING_HOST_WEIGHT: f32 = 0.7;
/// Disguised words a message needs before it is flagged: one odd character is a typo, three are a method.
const MIN_DISGUISES: usize = 3;

/// Whether the character at `at` lies inside one of `links` (a link's own spelling is not a disguise).
fn inside_a_link(links: &[Link], at: usize) -> bool {
    links.iter().any(|link| link.span.0 <= at && at < link.span.1)
}

/// Words disguised to slip past filters, outside links: a symbol between two letters (`N'ha'n`, `T,j,en`,
/// `d!eu`), or letters of two scripts side by side (`vietcоmbank` with a Cyrillic `о`). Spans in characters.
fn disguised_spans(original: &str, links: &[Link]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    // One pass over a window of three characters, each asked whether it is a letter once.
    let mut chars = original.chars();
    let (Some(mut before), Some(mut here)) = (chars.next(), chars.next()) else {
        return spans;
    };
    let mut before_alphabetic = is_alphabetic(before);
    let mut here_alphabetic = is_alphabetic(here);
    let mut at = 0;
    // Letters in a row ending at `before`.
    let mut letters_before = usize::from(before_alphabetic);
    while let Some(after) = chars.next() {
        at += 1;
        let after_alphabetic = is_alphabetic(after);
        if before_alphabetic && after_alphabetic {
            let symbol = match here {
                // Between two words, a comma, semicolon or colon is a missing space ("red,red for blood",
                // "Sender:Name", "H;C2" in a timetable, "Blue;u put", "Red;i'm"); cutting a word, it leaves a
                // single letter on one side and a lower-case one after it ("N,ha7n", "M:oj", "T,j,en").
                ',' | ';' | ':' => {
                    let mut rest = chars.clone();
                    let single_letter_after = match rest.next() {
                        None => false,
                        Some(next) if is_alphabetic(next) => false,
                        // A one-letter word (`u`, `i'm`) ends at a space or an apostrophe.
                        Some(next) => !next.is_whitespace() && !matches!(next, '\'' | '\u{2019}'),
                    };
                    after.is_lowercase() && (letters_before == 1 || single_letter_after)
                }
                // English contractions and possessives: don't, it's, we're, I'll, I'd, I'm, I've.
                '\'' | '\u{2019}' => !is_contraction_ending(after, chars.clone()),
                _ => matches!(here, '"' | '_' | '~' | '^' | '*' | '$' | '!' | '|' | '`'),
            };
            let mixed_scripts =
                here_alphabetic && script_of(here) != script_of(before) && script_of(before) == script_of(after);
            if (symbol || mixed_scripts) && !inside_a_link(links, at) {
                spans.push((at - 1, at + 2));
            }
        }
        letters_before = if here_alphabetic { letters_before + 1 } else { 0 };
        (before, before_alphabetic) = (here, here_alphabetic);
        (here, here_alphabetic) = (after, after_alphabetic);
    }
    join_overlapping(&mut spans);
    spans
}

/// Words written with a digit or a `j` for a letter to slip past filters (`th0ng ba0`, `T1EN`, `MU0N`, `Tjen`,
/// `DacBjet`), outside links: a `0`, `1`, `3` or `4` between two letters or a `0` ending a word of letters, or a `j`
/// after a letter (Vietnamese has no `j`), where the part of the word around it (cut where a capital follows a small
/// letter) becomes a Vietnamese syllable once the letter is put back. Product codes and foreign names do not
/// (`on4g`, `3UMAX4G`, `B0DY`, `enjoy`, `Ranjith`). Spans in characters.
fn digit_for_letter_spans(original: &str, links: &[Link]) -> Vec<Span> {
    // Most messages hold no digit or `j` right after a letter: answered without collecting their characters.
    let bytes = original.as_bytes();
    let candidate = bytes
        .windows(2)
        .any(|pair| pair[0].is_ascii_alphabetic() && matches!(pair[1], b'0' | b'1' | b'3' | b'4' | b'j' | b'J'));
    if !candidate {
        return Vec::new();
    }
    let mut spans = Vec::new();
    let mut part = String::with_capacity(8);
    // Runs of ASCII letters and digits: a run touching another letter (`đ0ng`, `Tjền`) is part of a longer word
    // and left alone.
    let chars: Vec<char> = original.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        if !chars[start].is_ascii_alphanumeric() {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < chars.len() && chars[end].is_ascii_alphanumeric() {
            end += 1;
        }
        let touches_letter = start.checked_sub(1).is_some_and(|i| is_alphabetic(chars[i]))
            || chars.get(end).is_some_and(|&c| is_alphabetic(c));
        if !touches_letter && !inside_a_link(links, start) {
            // Parts of a camel-cased run: `QuaLiXj` is `Qua`, `Li`, `Xj`.
            let mut part_start = start;
            for at in start + 1..=end {
                let cut = at == end || (chars[at].is_ascii_uppercase() && chars[at - 1].is_ascii_lowercase());
                if cut {
                    if repaired_syllable(&chars[part_start..at], &mut part) {
                        spans.push((part_start, at));
                    }
                    part_start = at;
                }
            }
        }
        start = end;
    }
    spans
}

/// Whether `word` holds a digit or `j` standing for a letter and reads as a Vietnamese syllable with the letter
/// put back (in `scratch`).
fn repaired_syllable(word: &[char], scratch: &mut String) -> bool {
    scratch.clear();
    let mut repaired = false;
    for (i, &c) in word.iter().enumerate() {
        let before = i.checked_sub(1).map(|k| word[k]).filter(char::is_ascii_alphabetic);
        let after = word.get(i + 1).copied().filter(char::is_ascii_alphabetic);
        let letter = match c {
            '0' if before.is_some() && (after.is_some() || i + 1 == word.len()) => 'o',
            '1' if before.is_some() && after.is_some() => 'i',
            '3' if before.is_some() && after.is_some() => 'e',
            '4' if before.is_some() && after.is_some() => 'a',
            'j' | 'J' if before.is_some() => 'i',
            c if c.is_ascii_alphabetic() => c,
            // Another digit: a code or a number, not a word.
            _ => return false,
        };
        repaired |= letter != c;
        scratch.push(letter);
    }
    repaired && crate::syllable::is_vietnamese_syllable(scratch)
}

/// Two sorted lists of spans as one, overlapping spans joined.
fn merged(mut spans: Vec<Span>, more: Vec<Span>) -> Vec<Span> {
    if more.is_empty() {
        return spans;
    }
    spans.extend(more);
    spans.sort_unstable();
    join_overlapping(&mut spans);
    spans
}

/// Joins overlapping spans of a list sorted by start.
fn join_overlapping(spans: &mut Vec<Span>) {
    spans.dedup_by(|later, earlier| {
        if later.0 < earlier.1 {
            earlier.1 = earlier.1.max(later.1);
            true
        } else {
            false
        }
    });
}

/// Whether the letters from `first` on (`rest` follows it) end an English contraction or possessive: `s`, `t`,
/// `d`, `m`, `re`, `ve` or `ll`, then the end of the word.
fn is_contraction_ending(first: char, mut rest: std::str::Chars<'_>) -> bool {
    let second = rest.next();
    let ends_word = |c: Option<char>| c.is_none_or(|c| !is_alphabetic(c));
    match first.to_ascii_lowercase() {
        's' | 't' | 'd' | 'm' => ends_word(second),
        'r' | 'v' => second.is_some_and(|c| c.eq_ignore_ascii_case(&'e')) && ends_word(rest.next()),
        'l' => second.is_some_and(|c| c.eq_ignore_ascii_case(&'l')) && ends_word(rest.next()),
        _ => false,
    }
}

/// [`char::is_alphabetic`], answering precomposed Latin letters (every Vietnamese letter) before Unicode's
/// tables, which are slow.
#[inline]
fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    canhgiac_core::text::is_latin_letter(c) || c.is_alphabetic()
}

/// Latin, Cyrillic, Greek or other, for telling scripts apart inside a word.
fn script_of(c: char) -> u8 {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => 0,
        '\u{370}'..='\u{3ff}' => 1,
        '\u{400}'..='\u{4ff}' => 2,
        _ => 3,
    }
}

/// Every red flag of a message, ordered by where each first appears. `original` is the text `message` was
/// normalised from; `sender` the number or brand name it came from, when known.
pub fn red_flags(message: &NormalisedMessage, original: &str, sender: Option<&str>) -> Vec<RedFlag> {
    let found = canhgiac_core::identifier::extract(original);
    red_flags_with_found(message, original, sender.is_some_and(is_personal_number), &found, trust_directory())
}

/// [`red_flags`] when the identifiers of `original` are already found (`extract`): the analyzer needs them too.
/// `directory` is the trust directory in use (an instance's own, or the compiled-in one): its brands are the ones
/// look-alikes imitate and its domains the official ones. `personal_sender`: the message came from someone's phone
/// number ([`is_personal_number`]), which a bank, carrier or authority never writes from.
pub fn red_flags_with_found(
    message: &NormalisedMessage,
    original: &str,
    personal_sender: bool,
    found: &[canhgiac_core::identifier::Found],
    directory: &canhgiac_core::trust::TrustDirectory,
) -> Vec<RedFlag> {
    let lexicon = &*LEXICON;
    let links = find_links(found);
    let mut accumulators: Vec<Option<Accumulator>> = vec![None; lexicon.codes.len()];
    lexicon.match_phrases(message, !links.is_empty(), &mut accumulators);

    if let Some(login) = lexicon.computed.login.and_then(|i| accumulators[i].as_mut()) {
        // The link itself is the evidence a login request points at.
        login.spans.extend(links.iter().map(|link| link.span));
    }
    for link in &links {
        if let Some(finding) = judge_domain_in(&link.host, directory) {
            let detail = format!("{} → {}", finding.host, finding.brand);
            lexicon.raise(
                &mut accumulators,
                lexicon.computed.lookalike,
                link.span,
                LOOKALIKE_WEIGHT,
                &[],
                Some(detail),
            );
        }
        if is_gambling_host(&link.host) {
            lexicon.raise(
                &mut accumulators,
                lexicon.computed.gambling,
                link.span,
                GAMBLING_HOST_WEIGHT,
                &[],
                Some(link.host.clone()),
            );
        }
        if lexicon.is_shortener(&link.host) {
            lexicon.raise(&mut accumulators, lexicon.computed.shortened, link.span, SHORTENED_LINK_WEIGHT, &[], None);
        }
        let tld = link.host.rsplit('.').next().unwrap_or_default();
        let deep_link = DEEP_LINK_SERVICES
            .iter()
            .any(|service| link.host.strip_suffix(service).is_some_and(|head| head.ends_with('.')));
        if canhgiac_core::lookalike::is_abused_tld(tld) && !deep_link && directory.official_domain(&link.host).is_none()
        {
            lexicon.raise(&mut accumulators, lexicon.computed.cheap_domain, link.span, CHEAP_DOMAIN_WEIGHT, &[], None);
        }
    }
    let disguises = merged(disguised_spans(original, &links), digit_for_letter_spans(original, &links));
    if disguises.len() >= MIN_DISGUISES {
        for span in disguises {
            lexicon.raise(&mut accumulators, lexicon.computed.disguised, span, DISGUISED_TEXT_WEIGHT, &[], None);
        }
    }
    // A bank, carrier or authority that gives a mobile number to call: their lines are hotlines and landlines.
    let has_brand_claim = lexicon.computed.brand_claims.iter().any(|&i| accumulators[i].is_some());
    if has_brand_claim {
        for item in found {
            let mobile = match &item.identifier {
                Identifier::Phone(phone) => phone.phone_type() == PhoneType::Mobile,
                // A Zalo account named by a phone number is a person's.
                Identifier::Social(social) => social.canonical().starts_with("zalo:+84"),
                _ => false,
            };
            let official = directory.official(&item.identifier.canonical()).is_some();
            if mobile && !official && is_offered_as_contact(message, item.span) {
                lexicon.raise(
                    &mut accumulators,
                    lexicon.computed.personal_contact,
                    item.span,
                    PERSONAL_CONTACT_FOR_BRAND_WEIGHT,
                    &[],
                    None,
                );
            }
        }
    }
    if personal_sender {
        let claims: Vec<(Span, Vec<ScamType>)> = lexicon
            .computed
            .brand_claims
            .iter()
            .filter_map(|&i| accumulators[i].as_ref().map(|a| (i, a)))
            .flat_map(|(i, a)| {
                let types = lexicon.codes[i].scam_types.clone();
                a.spans.iter().map(move |&span| (span, types.clone()))
            })
            .collect();
        for (span, types) in claims {
            lexicon.raise(
                &mut accumulators,
                lexicon.computed.personal_number,
                span,
                PERSONAL_NUMBER_AS_BRAND_WEIGHT,
                &types,
                None,
            );
        }
    }

    let mut flags: Vec<RedFlag> = accumulators
        .into_iter()
        .zip(&lexicon.codes)
        .filter_map(|(accumulator, info)| {
            let mut accumulator = accumulator?;
            let mut scam_types = info.scam_types.clone();
            scam_types.append(&mut accumulator.scam_types);
            scam_types.sort();
            scam_types.dedup();
            Some(RedFlag {
                code: info.code,
                vi: info.vi,
                en: info.en,
                spans: merge_spans(accumulator.spans),
                weight: accumulator.weight,
                scam_types,
                detail: accumulator.detail,
            })
        })
        .collect();
    flags.sort_by_key(|flag| (flag.spans.first().copied().unwrap_or((usize::MAX, 0)), flag.code));
    flags
}

/// [`red_flags`] for a text not normalised yet.
pub fn red_flags_of_text(original: &str, sender: Option<&str>) -> Vec<RedFlag> {
    red_flags(&normalise(original), original, sender)
}

/// Every code a flag can have, with its explanations and the scam types it suggests, in file order.
pub fn red_flag_codes() -> impl Iterator<Item = (&'static str, &'static str, &'static str, &'static [ScamType])> {
    LEXICON.codes.iter().map(|info| (info.code, info.vi, info.en, info.scam_types.as_slice()))
}

/// Problems in the compiled-in lexicon (empty when it is well formed; a test keeps it so).
pub fn lexicon_problems() -> Vec<String> {
    parse_lexicon().1
}

/// A sender that is someone's phone number rather than a brand name, a short code or a hotline.
pub fn is_personal_number(sender: &str) -> bool {
    PhoneNumber::parse(sender).is_ok_and(|phone| {
        matches!(phone.phone_type(), PhoneType::Mobile | PhoneType::Fixed | PhoneType::Voip | PhoneType::International)
    }) || crate::sender::sender_kind(Some(sender)) == "personal_number"
}

#[derive(Debug, Clone, Default)]
struct Accumulator {
    spans: Vec<Span>,
    weight: f32,
    scam_types: Vec<ScamType>,
    detail: Option<String>,
}

/// Sorted spans, overlapping or touching ones merged.
fn merge_spans(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// A link or bare domain of the message.
struct Link {
    host: String,
    span: Span,
}

/// The links and bare domains of the message, and the links a link carries in its query's values
/// (`google.com/search?q=casino88.com`, `l.facebook.com/l.php?u=…`: redirects that hide where a link leads),
/// which stand at the carrying link's span.
fn find_links(found: &[canhgiac_core::identifier::Found]) -> Vec<Link> {
    let mut links = Vec::new();
    for item in found {
        match &item.identifier {
            Identifier::Url(url) => {
                links.push(Link { host: url.host().to_string(), span: item.span });
                let values = url.query().into_iter().flat_map(|query| query.split('&')).filter_map(|pair| {
                    let value = pair.split_once('=').map_or(pair, |(_, value)| value);
                    value.contains('.').then_some(value)
                });
                for value in values {
                    for carried in canhgiac_core::identifier::extract(value) {
                        let host = match &carried.identifier {
                            Identifier::Url(inner) => inner.host().to_string(),
                            Identifier::Domain(domain) => domain.canonical().to_string(),
                            _ => continue,
                        };
                        if host != url.host() {
                            links.push(Link { host, span: item.span });
                        }
                    }
                }
            }
            Identifier::Domain(domain) => links.push(Link { host: domain.canonical().to_string(), span: item.span }),
            _ => {}
        }
    }
    links
}

/// Words that offer the number after them as the one to call or write to (`liên hệ: 09…`, `LH 09…`, `SĐT/Zalo`):
/// a subscriber's own number in a carrier's notice (`Thuê bao 09… của Quý khách`) is not offered so.
/// (`he` ends `liên hệ`.)
const CONTACT_CUES: &[&str] = &["lh", "lhe", "hotline", "sdt", "dt", "zalo", "goi", "call", "cskv", "he"];

/// Whether one of the two words before `span` (in the original's characters) is a [`CONTACT_CUES`] word.
fn is_offered_as_contact(message: &NormalisedMessage, span: Span) -> bool {
    let before = message.tokens().iter().rev().skip_while(|token| token.span.1 > span.0).take(2);
    before.into_iter().any(|token| CONTACT_CUES.contains(&message.token_text(token)))
}

/// Whether a label of `host` (its ending aside) puts a betting stem beside a number of two digits or more:
/// `kwin668`, `cash288699`, `789club`, `go99club`, `79vip-abc`. A stem must touch the number, so `windows11`
/// is not one.
fn is_gambling_host(host: &str) -> bool {
    let labels = host.rsplit_once('.').map_or("", |(head, _)| head);
    labels.split(['.', '-']).any(|label| {
        let bytes = label.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if !bytes[at].is_ascii_digit() {
                at += 1;
                continue;
            }
            let digits_start = at;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            if at - digits_start < 2 {
                continue;
            }
            let before = &label[..digits_start];
            let after = &label[at..];
            let letters_after = after.find(|c: char| !c.is_ascii_alphabetic()).map_or(after, |end| &after[..end]);
            if GAMBLING_HOST_STEMS.iter().any(|stem| before.ends_with(stem) || letters_after.starts_with(stem)) {
                return true;
            }
        }
        false
    })
}

// ---------------------------------------------------------------------------------------------------------
// The lexicon.

struct CodeInfo {
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    scam_types: Vec<ScamType>,
}

struct Phrase {
    code: usize,
    weight: f32,
    scam_types: Vec<ScamType>,
    needs_link: bool,
    /// Whether the phrase begins and ends with a letter or digit: only those edges need a word boundary.
    word_start: bool,
    word_end: bool,
}

struct Warning {
    code: usize,
    /// In bytes of the twin (which is ASCII wherever the lexicon can match).
    reach: usize,
    word_start: bool,
    word_end: bool,
}

enum Entry {
    Phrase(Phrase),
    Warning(Warning),
}

struct Lexicon {
    codes: Vec<CodeInfo>,
    entries: Vec<Entry>,
    /// For every pattern of `matcher`, the entries that share it.
    pattern_entries: Vec<Vec<usize>>,
    matcher: Option<AhoCorasick>,
    shorteners: Vec<&'static str>,
    computed: ComputedCodes,
}

/// Where the codes the code itself raises or reads sit in `Lexicon::codes`, found once.
struct ComputedCodes {
    lookalike: Option<usize>,
    shortened: Option<usize>,
    personal_number: Option<usize>,
    personal_contact: Option<usize>,
    login: Option<usize>,
    cheap_domain: Option<usize>,
    disguised: Option<usize>,
    gambling: Option<usize>,
    brand_claims: Vec<usize>,
}

static CODES_TSV: &str = include_str!("../data/red_flag_codes.tsv");
static PHRASES_TSV: &str = include_str!("../data/red_flags.tsv");
static SHORTENERS_TXT: &str = include_str!("../data/link_shorteners.txt");

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| parse_lexicon().0);

/// A phrase match, as a byte range of the twin.
#[derive(Clone, Copy)]
struct Hit {
    entry: usize,
    start: usize,
    end: usize,
}

impl Lexicon {
    fn is_shortener(&self, host: &str) -> bool {
        let host = host.strip_prefix("www.").unwrap_or(host);
        self.shorteners.contains(&host)
    }

    fn raise(
        &self,
        accumulators: &mut [Option<Accumulator>],
        code: Option<usize>,
        span: Span,
        weight: f32,
        scam_types: &[ScamType],
        detail: Option<String>,
    ) {
        let Some(accumulator) = code.and_then(|i| accumulators.get_mut(i)) else {
            return;
        };
        let accumulator = accumulator.get_or_insert_with(Accumulator::default);
        accumulator.spans.push(span);
        accumulator.weight = accumulator.weight.max(weight);
        accumulator.scam_types.extend_from_slice(scam_types);
        if accumulator.detail.is_none() {
            accumulator.detail = detail;
        }
    }

    fn match_phrases(&self, message: &NormalisedMessage, has_link: bool, accumulators: &mut [Option<Accumulator>]) {
        let Some(matcher) = &self.matcher else {
            return;
        };
        let folded = message.folded();
        let mut phrases: Vec<Hit> = Vec::new();
        let mut warnings: Vec<Hit> = Vec::new();
        for found in matcher.find_overlapping_iter(folded) {
            let (start, end) = (found.start(), found.end());
            let Some(entries) = self.pattern_entries.get(found.pattern().as_usize()) else {
                continue;
            };
            for &entry in entries {
                let (word_start, word_end) = match &self.entries[entry] {
                    Entry::Phrase(phrase) => (phrase.word_start, phrase.word_end),
                    Entry::Warning(warning) => (warning.word_start, warning.word_end),
                };
                if (word_start && !boundary_before(folded, start)) || (word_end && !boundary_after(folded, end)) {
                    continue;
                }
                let hit = Hit { entry, start, end };
                match &self.entries[entry] {
                    Entry::Phrase(phrase) if phrase.needs_link && !has_link => {}
                    Entry::Phrase(_) => phrases.push(hit),
                    Entry::Warning(_) => warnings.push(hit),
                }
            }
        }
        for hit in phrases {
            let Entry::Phrase(phrase) = &self.entries[hit.entry] else {
                continue;
            };
            if warnings.iter().any(|warning| self.cancels(folded, warning, phrase.code, hit.start)) {
                continue;
            }
            let Some(span) = message.folded_span(hit.start, hit.end) else {
                continue;
            };
            let Some(slot) = accumulators.get_mut(phrase.code) else {
                continue;
            };
            let accumulator = slot.get_or_insert_with(Accumulator::default);
            accumulator.spans.push(span);
            accumulator.weight = accumulator.weight.max(phrase.weight);
            accumulator.scam_types.extend_from_slice(&phrase.scam_types);
        }
    }

    /// Whether a warning context cancels a phrase of `code` that begins at `start`: the phrase begins inside
    /// the warning or within its reach after it, with no sentence end between.
    fn cancels(&self, folded: &str, warning: &Hit, code: usize, start: usize) -> bool {
        let Entry::Warning(context) = &self.entries[warning.entry] else {
            return false;
        };
        if context.code != code || start < warning.start {
            return false;
        }
        if start <= warning.end {
            return true;
        }
        start - warning.end <= context.reach
            && folded.get(warning.end..start).is_some_and(|between| !has_sentence_end(between))
    }
}

/// Whether a stretch of the twin holds the end of a sentence: a newline, `!`, `?`, `;`, or a `.` followed by
/// a space (a dot inside a number or a link ends nothing).
fn has_sentence_end(between: &str) -> bool {
    let bytes = between.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'!' | b'?' | b';' => true,
        b'.' => bytes.get(i + 1).is_none_or(|&next| next == b' '),
        _ => false,
    })
}

fn boundary_before(folded: &str, start: usize) -> bool {
    folded.get(..start).and_then(|head| head.chars().next_back()).is_none_or(|c| !c.is_alphanumeric())
}

fn boundary_after(folded: &str, end: usize) -> bool {
    folded.get(end..).and_then(|tail| tail.chars().next()).is_none_or(|c| !c.is_alphanumeric())
}

fn scam_type_by_code(code: &str) -> Option<ScamType> {
    ScamType::ALL.iter().copied().find(|t| t.code() == code)
}

fn columns(tsv: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    tsv.lines().enumerate().filter_map(|(number, line)| {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            return None;
        }
        Some((number + 1, line.split('\t').map(str::trim).collect()))
    })
}

fn parse_lexicon() -> (Lexicon, Vec<String>) {
    let mut problems = Vec::new();
    let mut codes: Vec<CodeInfo> = Vec::new();
    for (line, cells) in columns(CODES_TSV) {
        let [code, types, vi, en] = cells[..] else {
            problems.push(format!("red_flag_codes.tsv line {line}: expected 4 columns"));
            continue;
        };
        let is_snake = !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !is_snake || codes.iter().any(|info| info.code == code) || vi.is_empty() || en.is_empty() {
            problems.push(format!("red_flag_codes.tsv line {line}: {code:?} is not a new snake_case code with texts"));
            continue;
        }
        let mut scam_types = Vec::new();
        for name in types.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            match scam_type_by_code(name) {
                Some(t) => scam_types.push(t),
                None => problems.push(format!("red_flag_codes.tsv line {line}: unknown scam type {name:?}")),
            }
        }
        codes.push(CodeInfo { code, vi, en, scam_types });
    }
    for computed in [
        LOOKALIKE_DOMAIN,
        SHORTENED_LINK,
        PERSONAL_NUMBER_AS_BRAND,
        LOGIN_OR_INSTALL_LINK,
        CHEAP_DOMAIN_LINK,
        DISGUISED_TEXT,
    ]
    .iter()
    .chain(BRAND_CLAIM_CODES)
    {
        if !codes.iter().any(|info| info.code == *computed) {
            problems.push(format!("red_flag_codes.tsv: the code {computed:?} is missing"));
        }
    }

    let mut entries: Vec<Entry> = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_entries: Vec<Vec<usize>> = Vec::new();
    for (line, cells) in columns(PHRASES_TSV) {
        let (code_cell, number, written, hints) = match cells[..] {
            [code, number, pattern] => (code, number, pattern, ""),
            [code, number, pattern, hints] => (code, number, pattern, hints),
            _ => {
                problems.push(format!("red_flags.tsv line {line}: expected 3 or 4 columns"));
                continue;
            }
        };
        let (is_warning, code_name) = match code_cell.strip_prefix('!') {
            Some(name) => (true, name),
            None => (false, code_cell),
        };
        let Some(code) = codes.iter().position(|info| info.code == code_name) else {
            problems.push(format!("red_flags.tsv line {line}: unknown code {code_name:?}"));
            continue;
        };
        let pattern = normalise(written).folded().to_string();
        if pattern.is_empty() || !pattern.is_ascii() {
            problems.push(format!("red_flags.tsv line {line}: pattern {written:?} is empty or not accent-free"));
            continue;
        }
        let word_start = pattern.starts_with(|c: char| c.is_ascii_alphanumeric());
        let word_end = pattern.ends_with(|c: char| c.is_ascii_alphanumeric());
        let mut scam_types = Vec::new();
        let mut needs_link = false;
        for hint in hints.split(',').map(str::trim).filter(|hint| !hint.is_empty()) {
            if hint == "needs_link" {
                needs_link = true;
            } else if let Some(t) = scam_type_by_code(hint) {
                scam_types.push(t);
            } else {
                problems.push(format!("red_flags.tsv line {line}: unknown hint {hint:?}"));
            }
        }
        let entry = if is_warning {
            let Ok(reach) = number.parse::<usize>() else {
                problems.push(format!("red_flags.tsv line {line}: a warning context's reach must be a whole number"));
                continue;
            };
            Entry::Warning(Warning { code, reach, word_start, word_end })
        } else {
            let weight = number.parse::<f32>().ok().filter(|w| (0.0..=1.0).contains(w));
            let Some(weight) = weight else {
                problems.push(format!("red_flags.tsv line {line}: weight {number:?} is not in 0..1"));
                continue;
            };
            Entry::Phrase(Phrase { code, weight, scam_types, needs_link, word_start, word_end })
        };
        let pattern_index = match patterns.iter().position(|p| *p == pattern) {
            Some(index) => index,
            None => {
                patterns.push(pattern.clone());
                pattern_entries.push(Vec::new());
                patterns.len() - 1
            }
        };
        let duplicate = pattern_entries[pattern_index].iter().any(|&other| {
            let (a, b) = (&entries[other], &entry);
            matches!((a, b), (Entry::Phrase(x), Entry::Phrase(y)) if x.code == y.code)
                || matches!((a, b), (Entry::Warning(x), Entry::Warning(y)) if x.code == y.code)
        });
        if duplicate {
            problems.push(format!("red_flags.tsv line {line}: {pattern:?} is listed twice for {code_name}"));
            continue;
        }
        pattern_entries[pattern_index].push(entries.len());
        entries.push(entry);
    }
    let matcher = match AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
    {
        Ok(matcher) => Some(matcher),
        Err(error) => {
            problems.push(format!("red_flags.tsv: the automaton cannot be built: {error}"));
            None
        }
    };

    let mut shorteners = Vec::new();
    for line in SHORTENERS_TXT.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.bytes().any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace()) || !line.contains('.') {
            problems.push(format!("link_shorteners.txt: {line:?} is not a lowercase host name"));
            continue;
        }
        shorteners.push(line);
    }
    let index = |code: &str| codes.iter().position(|info| info.code == code);
    let computed = ComputedCodes {
        lookalike: index(LOOKALIKE_DOMAIN),
        shortened: index(SHORTENED_LINK),
        personal_number: index(PERSONAL_NUMBER_AS_BRAND),
        personal_contact: index(PERSONAL_CONTACT_FOR_BRAND),
        login: index(LOGIN_OR_INSTALL_LINK),
        cheap_domain: index(CHEAP_DOMAIN_LINK),
        disguised: index(DISGUISED_TEXT),
        gambling: index(GAMBLING_TERMS),
        brand_claims: BRAND_CLAIM_CODES.iter().filter_map(|code| index(code)).collect(),
    };
    (Lexicon { codes, entries, pattern_entries, matcher, shorteners, computed }, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_is_well_formed() {
        assert_eq!(lexicon_problems(), Vec::<String>::new());
    }

    #[test]
    fn gambling_hosts() {
        for host in [
            "kwin668.com",
            "c19.kwin668.com",
            "cash288699.com",
            "789club.top",
            "go99club.vip",
            "79vip-abc.tech",
            "bet365.com",
        ] {
            assert!(is_gambling_host(host), "{host}");
        }
        for host in ["windows11.com", "win.vn", "club.vn", "vietcombank.com.vn", "a1club.vn", "mb24h.vn", "365bet"] {
            assert!(!is_gambling_host(host), "{host}");
        }
    }

    #[test]
    fn merge_spans_joins_overlaps() {
        assert_eq!(merge_spans(vec![(5, 9), (0, 2), (1, 3), (9, 10)]), vec![(0, 3), (5, 10)]);
    }

    #[test]
    fn latin_letters_are_alphabetic() {
        for c in ('\0'..='\u{2000}').chain('\u{1E00}'..='\u{1EFF}') {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
        }
    }

    #[test]
    fn sentence_ends() {
        assert!(has_sentence_end("abc. def"));
        assert!(!has_sentence_end("2.000.000 dong"));
    }
}
