//! Look-alike domains: a host that imitates a protected brand of the trust directory (a bank, an e-wallet, a
//! carrier, a public service), found without any list of bad domains.
//!
//! A finding needs a brand: a domain that names no brand is never flagged, however cheap its ending. The brand
//! is found in the part of the name the registrant chose (the labels left of the public suffix, or left of a free
//! hosting service's domain) in one of these ways, each with a base score:
//!
//! | how | long key (6+ letters) | 4-5 letters | abbreviation (2-3) | common word (`~key`) |
//! |---|---|---|---|---|
//! | the whole label (`vietcombank.top`) | 60 | 55 | 35 | 30 |
//! | a whole token of a label (`vietcombank-xacthuc`, `acb-vn`, `momo88`) | 60 | 50 | 30 (2 letters: only here) | 25 |
//! | glued to at most 2 other letters (`zvietcombank`, `ebidv`) | 50 | 40 | 0 | 20 (5+ letters) |
//! | glued to a lure word (`vcbdigibank`, `tinchapvcb`) | 50 | 40 (start or end) | 30 (start or end) | 25 (start or end) |
//! | glued to other letters (`chanlemomo`) | 40 | 30 (start or end) | 0 | 20 (5+ letters) |
//! | confusable characters, Unicode (`vietcоmbank` with a Cyrillic `о`) | 85 | 85 | 60 (whole token) | 50 |
//! | confusable ASCII (`vietc0mbank`, `vietcornbank`) | 60 | 50 | 0 | 0 |
//! | typing mistakes (`vietconbank`): 1 for 8+ letters, 2 for 11+; 1 after the first 3 letters for 6-7 | 50 (45 glued) | | | |
//! | a brand cut short (`agrib`: at least 5 letters and 60% of a key of 8+ letters) | 30 | | | |
//!
//! Then evidence around it: lure words (`xacthuc`, `hotro`, `vay`, `247`, `vn`, ...: +20 for the first, +10 for
//! each other, at most +30), a cheap or abused ending (`.top`, `.xyz`, ...: +15), free hosting (`weebly.com`, ...:
//! +15), the brand in a subdomain of someone else's domain (+10), an official domain written into the name
//! (`vietcombank.com.vn.xyz`: +30; `acb.vn-banking.xyz`: +20), and, with no lure word at all, another country's
//! domain (`seabank.ph`: -20, a namesake abroad is likelier). A score of 50 is `suspicious`, 80 `high_risk`.
//!
//! Never flagged: an official domain of any protected brand and its subdomains, names under a suffix only
//! governments may register (`gov.vn`, `gov.uk`, `.gov`, ...), and subdomains of deep-link services that give them
//! to their business customers (`myviettel.go.link`: the destination is what must be judged). Short keys alone
//! (`acb.com`, `mb.com`) stay below the threshold: an abbreviation counts only with other evidence. When one
//! brand's name holds another's (`shopeepay` holds `shopee`), the longer one found is the brand imitated.
//! `docs/lookalike.md` has the measured figures.

use crate::identifier::{Domain, Url};
use crate::trust::{BrandKey, ProtectedBrand, is_same_or_subdomain, trust_directory};
use crate::verdict::VerdictLevel;
use serde::Serialize;
use std::collections::HashSet;
use std::ops::ControlFlow;
use unicode_normalization::char::is_combining_mark;

/// The lowest score that is a finding (`suspicious`).
pub const SUSPICIOUS_SCORE: u8 = 50;
/// The lowest `high_risk` score.
pub const HIGH_RISK_SCORE: u8 = 80;

/// How bad a look-alike is. Stable API values, the same words as [`VerdictLevel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookalikeLevel {
    Suspicious,
    HighRisk,
}

impl LookalikeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LookalikeLevel::Suspicious => "suspicious",
            LookalikeLevel::HighRisk => "high_risk",
        }
    }

    pub fn verdict_level(self) -> VerdictLevel {
        match self {
            LookalikeLevel::Suspicious => VerdictLevel::Suspicious,
            LookalikeLevel::HighRisk => VerdictLevel::HighRisk,
        }
    }
}

/// One reason of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LookalikeReason {
    /// A stable code: `confusable_characters`, `brand_in_label`, `edit_distance`, `truncated_brand` (how the brand
    /// was found; one of these per finding), then `brand_with_lure_word`, `abused_tld`, `free_hosting`,
    /// `brand_in_subdomain_of_other_domain`, `official_domain_in_name`, `foreign_country_domain`.
    pub code: &'static str,
    /// What it added to the score (negative for `foreign_country_domain`).
    pub weight: i16,
    pub vi: String,
    pub en: String,
}

/// A domain that imitates a brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LookalikeFinding {
    /// The canonical host judged.
    pub host: String,
    /// The brand imitated: its organisation's name in the trust directory.
    pub brand: String,
    /// The brand's official domain, when it has one.
    pub official_domain: Option<String>,
    pub level: LookalikeLevel,
    /// 0-100.
    pub score: u8,
    pub reasons: Vec<LookalikeReason>,
}

impl LookalikeFinding {
    /// The codes of the reasons, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.reasons.iter().map(|reason| reason.code).collect()
    }
}

/// Judges a host name or a link against the protected brands. `None` when it names no brand strongly enough,
/// is an official domain (or under one), is under a government-only suffix, or is not a host name at all.
pub fn judge_domain(host_or_url: &str, brands: &[ProtectedBrand]) -> Option<LookalikeFinding> {
    judge_parsed(&parse_host(host_or_url)?, brands)
}

/// [`judge_domain`] against the brands of the compiled-in trust directory.
pub fn judge_domain_default(host_or_url: &str) -> Option<LookalikeFinding> {
    judge_domain_in(host_or_url, trust_directory())
}

/// [`judge_domain`] against a directory's brands, with the brands' keys gathered once per directory: the fast
/// path for a server judging every link it is asked about. A host judged lately is answered from the directory's
/// memo ([`JUDGEMENT_MEMO_BYTES`]).
pub fn judge_domain_in(host_or_url: &str, directory: &crate::trust::TrustDirectory) -> Option<LookalikeFinding> {
    directory.lookalike_memo().judgement(host_or_url, || judge_domain_in_afresh(host_or_url, directory))
}

/// [`judge_domain_in`] without the memo, judged afresh every time: for timing the judgement itself.
pub fn judge_domain_in_afresh(host_or_url: &str, directory: &crate::trust::TrustDirectory) -> Option<LookalikeFinding> {
    judge_with_keys(&parse_host(host_or_url)?, directory.protected_brands(), directory.lookalike_keys())
}

/// [`judge_domain_in`] for a domain already parsed (the check of a domain has parsed it once).
pub fn judge_parsed_domain_in(domain: &Domain, directory: &crate::trust::TrustDirectory) -> Option<LookalikeFinding> {
    directory.lookalike_memo().judgement(domain.canonical(), || {
        judge_with_keys(domain, directory.protected_brands(), directory.lookalike_keys())
    })
}

/// How much a trust directory's memo may hold, in bytes as [`RememberedWeight`] counts them (the text, the finding's
/// strings and a fixed share for the bookkeeping): about 60,000 hosts of 30 bytes with no finding, or about 9,000
/// with one.
pub const JUDGEMENT_MEMO_BYTES: u64 = 8 << 20;

/// The longest text the memo keeps: the longest host name DNS allows.
const MAX_REMEMBERED_BYTES: usize = 253;

/// The latest judgements of [`judge_domain_in`], by the text judged (a host or a link), bounded by
/// [`JUDGEMENT_MEMO_BYTES`]. `quick_cache` keeps the hosts asked about again and lets one-off hosts go first
/// (S3-FIFO), so a flood of new hosts does not push out the ones that repeat. It belongs to one directory: a
/// directory is never changed, an edited one is a new directory with an empty memo.
pub(crate) struct JudgementMemo {
    judgements: quick_cache::sync::Cache<Box<str>, Remembered, RememberedWeight>,
}

#[derive(Clone)]
struct Remembered {
    finding: Option<std::sync::Arc<LookalikeFinding>>,
    /// The entry's weight, counted once when it is remembered.
    bytes: u32,
}

/// An entry's weight in bytes: what its text and finding hold on the heap, and about 100 bytes for the key's and
/// the value's own fields and the cache's bookkeeping.
#[derive(Clone)]
struct RememberedWeight;

impl quick_cache::Weighter<Box<str>, Remembered> for RememberedWeight {
    fn weight(&self, judged: &Box<str>, remembered: &Remembered) -> u64 {
        judged.len() as u64 + u64::from(remembered.bytes)
    }
}

impl JudgementMemo {
    fn judgement(&self, judged: &str, judge: impl FnOnce() -> Option<LookalikeFinding>) -> Option<LookalikeFinding> {
        // A host is at most 253 bytes; a longer text (a whole link) is judged afresh.
        if judged.len() > MAX_REMEMBERED_BYTES {
            return judge();
        }
        if let Some(remembered) = self.judgements.get(judged) {
            return remembered.finding.as_deref().cloned();
        }
        let finding = judge();
        let finding_bytes = finding.as_ref().map_or(0, |finding| {
            let reasons: usize = finding
                .reasons
                .iter()
                .map(|reason| reason.vi.len() + reason.en.len() + size_of::<LookalikeReason>())
                .sum();
            size_of::<LookalikeFinding>()
                + finding.host.len()
                + finding.brand.len()
                + finding.official_domain.as_ref().map_or(0, String::len)
                + reasons
        });
        let bytes = u32::try_from(100 + finding_bytes).unwrap_or(u32::MAX);
        self.judgements.insert(judged.into(), Remembered { finding: finding.clone().map(std::sync::Arc::new), bytes });
        finding
    }
}

impl Default for JudgementMemo {
    fn default() -> Self {
        JudgementMemo {
            judgements: quick_cache::sync::Cache::with_weighter(32_768, JUDGEMENT_MEMO_BYTES, RememberedWeight),
        }
    }
}

/// A copy of a directory starts with an empty memo: what it remembers is a cache, not part of the directory.
impl Clone for JudgementMemo {
    fn clone(&self) -> Self {
        JudgementMemo::default()
    }
}

impl std::fmt::Debug for JudgementMemo {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("JudgementMemo").field("hosts", &self.judgements.len()).finish()
    }
}

/// [`judge_domain`] for a domain already parsed.
pub fn judge_parsed(domain: &Domain, brands: &[ProtectedBrand]) -> Option<LookalikeFinding> {
    judge_with_keys(domain, brands, &keys_of(brands))
}

fn judge_with_keys(domain: &Domain, brands: &[ProtectedBrand], all_keys: &Keys) -> Option<LookalikeFinding> {
    let host = domain.canonical();
    if is_restricted_suffix(domain.public_suffix())
        || host_and_parents(host).any(|suffix| all_keys.official_domains.contains(suffix))
        || LINK_SERVICES.iter().any(|service| is_same_or_subdomain(host, service))
    {
        return None;
    }
    let part = chosen_part(domain)?;
    if !may_reach_a_brand(part.chosen, all_keys) {
        return None;
    }
    let mut name = Name::new(domain, part);
    let reachable = reachable_brands(&mut name, all_keys);
    if reachable.is_empty() {
        return None;
    }
    // Only for names some brand is reachable from: which runs are a key or a lure word themselves.
    for label in &mut name.labels {
        label.known_runs = label
            .runs
            .iter()
            .map(|&(start, end, _)| {
                let run = &label.text[start..end];
                all_keys.all.contains(run) || is_lure_word(run)
            })
            .collect();
    }
    let hits: Vec<(&ProtectedBrand, Hit)> = brands
        .iter()
        .enumerate()
        .filter(|(number, _)| reachable.binary_search(&(*number as u16)).is_ok())
        .filter_map(|(number, brand)| best_hit(&name, number, brand, all_keys).map(|hit| (brand, hit)))
        .collect();
    let mut best: Option<(Scored, &ProtectedBrand, &Hit)> = None;
    for (brand, hit) in &hits {
        // A brand whose name is inside another's, where the other's is found (`shopee` in `shopeepay`, `viettel`
        // in `viettelpost`), is not the one imitated.
        let inside_another = hits.iter().any(|(other, wider)| {
            other.name != brand.name
                && matches!(wider.kind, HitKind::Raw { .. } | HitKind::Confusable { .. })
                && wider.label == hit.label
                && wider.start <= hit.start
                && hit.end <= wider.end
                && wider.end - wider.start > hit.end - hit.start
        });
        if inside_another {
            continue;
        }
        let scored = score(&name, brand, hit, all_keys);
        let better = match &best {
            None => true,
            Some((current, _, _)) => {
                (scored.score, scored.base, scored.closeness) > (current.score, current.base, current.closeness)
            }
        };
        if better {
            best = Some((scored, brand, hit));
        }
    }
    let (scored, brand, hit) = best?;
    let score = scored.score.clamp(0, 100) as u8;
    if score < SUSPICIOUS_SCORE {
        return None;
    }
    let level = if score >= HIGH_RISK_SCORE { LookalikeLevel::HighRisk } else { LookalikeLevel::Suspicious };
    Some(LookalikeFinding {
        host: host.to_string(),
        brand: brand.name.clone(),
        official_domain: brand.main_domain().map(str::to_string),
        level,
        score,
        reasons: reasons(&name, brand, hit, scored.parts),
    })
}

/// The brands (by number) some label of `name` holds a key of, as written, as a skeleton or within typing mistakes;
/// fills in what each label holds on the way.
fn reachable_brands<'k>(name: &mut Name<'k>, all_keys: &'k Keys) -> Vec<u16> {
    for label in &mut name.labels {
        label.present_keys = patterns_in(&label.text, &all_keys.finder, &all_keys.patterns);
        if !label.plain_ascii {
            label.present_skeletons =
                patterns_in(&label.skeleton, &all_keys.skeleton_finder, &all_keys.skeleton_patterns);
        }
        label.fuzzy_candidates = all_keys.fuzzy_candidates(label);
    }
    // The brands a hit is possible for; most names have none.
    let mut reachable: Vec<u16> = Vec::new();
    for label in &name.labels {
        for key in &label.present_keys {
            reachable.extend(all_keys.brands_by_key.get(*key).into_iter().flatten());
        }
        for skeleton in &label.present_skeletons {
            reachable.extend(all_keys.brands_by_skeleton.get(*skeleton).into_iter().flatten());
        }
        for &fuzzy in &label.fuzzy_candidates {
            reachable.extend(all_keys.brands_by_fuzzy_key.get(usize::from(fuzzy)).into_iter().flatten());
        }
    }
    reachable.sort_unstable();
    reachable.dedup();
    reachable
}

/// The patterns `finder` finds in `text` (anywhere, overlapping), sorted, each once.
fn patterns_in<'k>(text: &str, finder: &aho_corasick::AhoCorasick, patterns: &'k [String]) -> Vec<&'k str> {
    let mut present: Vec<&str> =
        finder.find_overlapping_iter(text).map(|found| patterns[found.pattern().as_usize()].as_str()).collect();
    present.sort();
    present.dedup();
    present
}

fn parse_host(input: &str) -> Option<Domain> {
    if let Ok(domain) = Domain::parse(input) {
        return Some(domain);
    }
    let url = Url::parse(input).ok()?;
    if url.is_ip_host() {
        return None;
    }
    Domain::parse_host_lenient(url.host()).ok()
}

/// Suffixes only governments (and a few treaty bodies) may register under.
fn is_restricted_suffix(suffix: &str) -> bool {
    let mut labels = suffix.split('.');
    let first = labels.next().unwrap_or_default();
    let more = labels.next().is_some();
    match first {
        "gov" | "mil" | "gob" | "gouv" => true,
        "go" => more,
        "edu" | "int" => !more,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Word lists. Every word is lowercase ASCII, accent-free (Vietnamese written without its marks, as domains are).

/// Words scam domains put next to a brand. Those of 4+ letters are found glued to other letters; shorter ones
/// only as whole tokens.
const LURE_WORDS: &[&str] = &[
    // account, verification, support (Vietnamese)
    "xacthuc",
    "xacminh",
    "hotro",
    "khachhang",
    "cskh",
    "chamsoc",
    "taikhoan",
    "capnhat",
    "kichhoat",
    "nangcap",
    "dangky",
    "dangki",
    "dangnhap",
    "baomat",
    "sinhtrac",
    "dinhdanh",
    "mokhoa",
    "khoatk",
    "hoantien",
    "hoanphi",
    "tructuyen",
    "chinhthuc",
    "thongbao",
    "tk",
    "cccd",
    "dichvu",
    "giaodich",
    "tracuu",
    "baohiem",
    "xacnhan",
    // money, cards, loans (Vietnamese)
    "nhantien",
    "chuyentien",
    "ruttien",
    "naptien",
    "vidientu",
    "nganhang",
    "hanmuc",
    "nanghanmuc",
    "thetindung",
    "tindung",
    "tinchap",
    "thechap",
    "vaytien",
    "vayvon",
    "vaynhanh",
    "vay",
    "giaingan",
    "khoanvay",
    "uudai",
    "khuyenmai",
    "quatang",
    "tangqua",
    "trian",
    "hoanthue",
    "the",
    "taichinh",
    "tieudung",
    // banking and account (English)
    "digibank",
    "digital",
    "ebank",
    "ibank",
    "ebanking",
    "ibanking",
    "smartbanking",
    "mobilebanking",
    "banking",
    "bank",
    "banks",
    "online",
    "login",
    "signin",
    "verify",
    "verification",
    "secure",
    "security",
    "update",
    "support",
    "service",
    "services",
    "care",
    "help",
    "account",
    "auth",
    "otp",
    "wallet",
    "finance",
    "credit",
    "loan",
    "loans",
    "card",
    "cards",
    "visa",
    "mastercard",
    "pay",
    "app",
    "official",
    "portal",
    "reward",
    "rewards",
    "gift",
    "bonus",
    "refund",
    "unlock",
    "mobile",
    "voucher",
    "vouchers",
    // gambling and easy money, which borrow wallet and bank names (added after reading the evaluation's misses)
    "chanle",
    "taixiu",
    "cltx",
    "xoso",
    "nohu",
    "casino",
    "cuoc",
    "kiemtien",
    "phattai",
    "minigame",
    "game",
    "giaitri",
    "lixi",
    "tailoc",
    "vanmay",
    // public services
    "gov",
    "govvn",
    "govn",
    "dichvucong",
    "congthongtin",
    "phatnguoi",
    "napas",
    "hoso",
    "thutuc",
    "vneid",
    // place and time
    "vn",
    "vietnam",
    "247",
    "24h",
    "365",
];

/// Short lure words distinctive enough to be found glued to other letters (`vaytien`, `vcb-vaysodo`).
const GLUED_SHORT_LURES: &[&str] = &["vay"];

/// Lure words that are numbers: found anywhere in a token.
const NUMERIC_LURES: &[&str] = &["247", "24h", "365"];

/// Endings that are cheap and, in Spamhaus' and Interisle's public abuse statistics, carry a large share of
/// phishing. Only a signal: never a finding alone.
const ABUSED_TLDS: &[&str] = &[
    "top", "xyz", "club", "online", "site", "icu", "vip", "shop", "buzz", "cyou", "sbs", "cfd", "bond", "rest", "live",
    "life", "fun", "win", "tk", "ml", "ga", "cf", "gq", "work", "click", "link", "support", "help", "monster", "quest",
    "space", "website", "store", "tech", "today", "cc", "ws", "pw", "info", "mobi", "bar", "cam", "lol", "mom",
    "autos", "homes", "beauty", "skin", "hair", "makeup", "loan", "men", "date", "racing", "review", "stream",
    "download", "trade", "party", "science", "cricket", "gdn", "country", "kim", "cyou",
];

/// Whether a top-level domain (`top`, `icu`, `xyz`, ...) is one that cheap registrations made a favourite of
/// phishing sites: alone it proves nothing, beside other signs it counts.
pub fn is_abused_tld(tld: &str) -> bool {
    ABUSED_TLDS.contains(&tld)
}

/// Two-letter endings used worldwide, not as a country's: no namesake-abroad discount.
const GENERIC_CCTLDS: &[&str] = &[
    "co", "me", "io", "cc", "tv", "ws", "ai", "to", "ly", "gg", "la", "sh", "ac", "im", "fm", "am", "so", "st", "vc",
    "ms", "nu", "tk", "ml", "ga", "cf", "gq", "pw", "bz", "mn", "cx", "ag", "gs", "lc", "sc", "vu", "vn",
];

/// Free hosting and site-builder services: their customers' sites are subdomains. Banks never use them.
const FREE_HOSTS: &[&str] = &[
    "weebly.com",
    "weeblysite.com",
    "000webhostapp.com",
    "blogspot.com",
    "wixsite.com",
    "wordpress.com",
    "netlify.app",
    "vercel.app",
    "github.io",
    "gitlab.io",
    "pages.dev",
    "workers.dev",
    "firebaseapp.com",
    "web.app",
    "herokuapp.com",
    "glitch.me",
    "repl.co",
    "replit.app",
    "webflow.io",
    "carrd.co",
    "mystrikingly.com",
    "strikingly.com",
    "jimdofree.com",
    "jimdosite.com",
    "square.site",
    "godaddysites.com",
    "webnode.page",
    "site123.me",
    "tiiny.site",
    "surge.sh",
    "onrender.com",
    "fly.dev",
    "azurewebsites.net",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "duckdns.org",
    "ddns.net",
    "dynv6.net",
    "rf.gd",
    "epizy.com",
    "infinityfreeapp.com",
    "wuaze.com",
    "free.nf",
    "great-site.net",
    "lovestoblog.com",
    "yolasite.com",
    "business.site",
    "mobirisesite.com",
    "framer.website",
    "framer.app",
    "notion.site",
    "gitbook.io",
    "zyrosite.com",
    "xtgem.com",
    "000nethost.com",
    "odoo.com",
    "zohosites.com",
    "bitrix24.site",
];

/// Deep-link and redirect services whose subdomains are given to their business customers (`myviettel.go.link`
/// is Viettel's): a name there is not judged; the link must be followed and its destination judged.
const LINK_SERVICES: &[&str] = &["go.link", "app.link", "onelink.me", "adj.st", "sng.link"];

fn free_host_numbers() -> &'static FastMap<&'static str, usize> {
    static NUMBERS: std::sync::OnceLock<FastMap<&'static str, usize>> = std::sync::OnceLock::new();
    NUMBERS.get_or_init(|| FREE_HOSTS.iter().enumerate().map(|(number, host)| (*host, number)).collect())
}

/// `a.b.c`, `b.c`, `c`: the host and every domain above it.
fn host_and_parents(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(host.match_indices('.').map(move |(dot, _)| &host[dot + 1..]))
}

/// `byethost7.com`, `byethost13.com`, ...
fn free_host_pattern(registrable: &str) -> bool {
    registrable
        .strip_prefix("byethost")
        .and_then(|rest| rest.strip_suffix(".com"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------------------------
// The name as the registrant chose it.

/// The labels a registrant chose, with what is around them.
struct Name<'k> {
    /// Left to right; the last one is the main label (the registrable one, or the site name on a free host).
    labels: Vec<Label<'k>>,
    /// The registrable domain (for texts).
    registrable: String,
    /// The last label of the host.
    tld: String,
    free_host: Option<String>,
    /// The whole host in Unicode, lowercase.
    host: String,
}

struct Label<'k> {
    /// Unicode, lowercase.
    text: String,
    /// UTS 39 skeleton of `text`, marks removed, lowercase.
    skeleton: String,
    /// For each byte of `skeleton`, the byte offset in `text` of the character it came from.
    origin: Vec<usize>,
    /// [`runs`] of `text`.
    runs: Vec<(usize, usize, bool)>,
    /// Plain ASCII letters without `rn`: no confusable can hide in it (computed once, asked for every key).
    plain_ascii: bool,
    /// Per run: a brand key or a lure word itself, which typing-mistake matching skips.
    known_runs: Vec<bool>,
    /// The brand keys written in `text` (anywhere, overlapping).
    present_keys: Vec<&'k str>,
    /// The brand keys' skeletons found in `skeleton` (left empty for a plain ASCII label).
    present_skeletons: Vec<&'k str>,
    /// The long keys that some run of the label shares enough letter pairs with to be within typing
    /// mistakes of it ([`Keys::fuzzy_candidates`]); the others need no edit distance.
    fuzzy_candidates: Vec<u16>,
}

impl Name<'_> {
    /// The name of `domain`, whose [`chosen_part`] is `part`.
    fn new(domain: &Domain, part: ChosenPart) -> Self {
        let host = domain.canonical();
        let ChosenPart { chosen, registrable, free_host } = part;
        let labels = chosen.split('.').map(Label::new).collect();
        let tld = host.rsplit('.').next().unwrap_or_default().to_string();
        let unicode_host = if domain.is_idn() { domain.unicode().to_lowercase() } else { host.to_string() };
        Name {
            labels,
            registrable: registrable.to_string(),
            tld,
            free_host: free_host.map(str::to_string),
            host: unicode_host,
        }
    }

    fn main_label(&self) -> usize {
        self.labels.len() - 1
    }
}

/// The part of a host its registrant chose, with the registrable domain and the free host it is under, if any.
struct ChosenPart<'d> {
    /// The labels left of the public suffix (or of the free host), dots between.
    chosen: &'d str,
    registrable: &'d str,
    free_host: Option<&'d str>,
}

/// `None` when the registrant chose nothing (the host is a public suffix or a free host itself).
fn chosen_part(domain: &Domain) -> Option<ChosenPart<'_>> {
    let host = domain.canonical();
    let registrable = domain.registrable_domain()?;
    // The first of FREE_HOSTS (in its order) that the host is under.
    let free_host = host_and_parents(host)
        .skip(1)
        .filter_map(|parent| free_host_numbers().get(parent))
        .min()
        .map(|&number| FREE_HOSTS[number])
        .or_else(|| (free_host_pattern(registrable) && registrable != host).then_some(registrable));
    let outside = match free_host {
        Some(free) => free.len(),
        None => domain.public_suffix().len(),
    };
    if host.len() <= outside + 1 {
        return None;
    }
    Some(ChosenPart { chosen: &host[..host.len() - outside - 1], registrable, free_host })
}

/// Whether a brand may be reachable from the labels of `chosen`: `false` only when [`judge_with_keys`] would find
/// no brand key in any label as written, as a skeleton or within typing mistakes. Most hosts imitate nothing; for
/// those of plain ASCII labels this answers without building a [`Name`] (no allocation). Other labels (Unicode,
/// punycode, characters outside `a-z0-9-`, over 63 bytes) answer `true` and take the whole way.
fn may_reach_a_brand(chosen: &str, all_keys: &Keys) -> bool {
    const LONGEST_LABEL: usize = 63;
    for label in chosen.split('.') {
        let bytes = label.as_bytes();
        let plain_host_label = bytes.len() <= LONGEST_LABEL
            && !label.starts_with("xn--")
            && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain_host_label || all_keys.finder.is_match(label) {
            return true;
        }
        // As `Label::new` decides whether to look for skeletons.
        if bytes.iter().any(u8::is_ascii_digit) || label.contains("rn") {
            let mut skeleton = [0u8; 2 * LONGEST_LABEL];
            let mut length = 0;
            for &byte in bytes {
                let piece = host_byte_skeleton(byte);
                skeleton[length..length + piece.len()].copy_from_slice(piece);
                length += piece.len();
            }
            if all_keys.skeleton_finder.is_match(&skeleton[..length]) {
                return true;
            }
        }
        if all_keys.has_fuzzy_candidate(label, runs_of(label)) {
            return true;
        }
    }
    false
}

impl Label<'_> {
    /// Whether the brand key is written in the label: known after [`judge_with_keys`] looked once for every key.
    fn holds_key(&self, key: &str) -> bool {
        self.present_keys.binary_search_by(|k| (*k).cmp(key)).is_ok()
    }

    fn new(ascii: &str) -> Self {
        let text = if ascii.starts_with("xn--") {
            let (unicode, result) = idna::domain_to_unicode(ascii);
            if result.is_ok() { unicode.to_lowercase() } else { ascii.to_string() }
        } else {
            ascii.to_string()
        };
        let mut skeleton = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (offset, c) in text.char_indices() {
            let before = skeleton.len();
            push_skeleton_of_char(c, &mut skeleton);
            origin.extend(std::iter::repeat_n(offset, skeleton.len() - before));
        }
        let runs = runs(&text);
        let plain_ascii = text.is_ascii() && !text.bytes().any(|b| b.is_ascii_digit()) && !text.contains("rn");
        Label {
            text,
            skeleton,
            origin,
            runs,
            plain_ascii,
            known_runs: Vec::new(),
            present_keys: Vec::new(),
            present_skeletons: Vec::new(),
            fuzzy_candidates: Vec::new(),
        }
    }

    /// The characters of `text` that produced `skeleton[start..end]`, as a byte range of `text`.
    fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.origin[start];
        let last = self.origin[end - 1];
        let last_len = self.text[last..].chars().next().map_or(0, char::len_utf8);
        (first, last + last_len)
    }
}

/// The confusable skeleton of one character (UTS 39), without marks, lowercase: `о` (Cyrillic) → `o`, `0` → `o`,
/// `1` → `l`, `m` → `rn`, `à` → `a`.
fn skeleton_of_char(c: char) -> String {
    let mut skeleton = String::new();
    push_skeleton_of_char(c, &mut skeleton);
    skeleton
}

/// [`skeleton_of_char`] written at the end of `out`, without a string of its own for the common characters.
fn push_skeleton_of_char(c: char, out: &mut String) {
    // The ASCII letters, digits and hyphen of host names, without the tables (the `ascii_fast_path` test checks
    // these against them).
    match c {
        'a'..='z' | '0'..='9' | '-' => {
            out.push_str(std::str::from_utf8(host_byte_skeleton(c as u8)).expect("ASCII"));
        }
        _ => out.push_str(&skeleton_by_tables(c)),
    }
}

/// The skeleton of a host name's letter, digit or hyphen (`a-z0-9-`): `m` → `rn`, `0` → `o`, `1` → `l`, the others
/// themselves (what the tables say; the `ascii_fast_path` test checks).
fn host_byte_skeleton(byte: u8) -> &'static [u8] {
    static ASCII: [u8; 128] = {
        let mut bytes = [0u8; 128];
        let mut at = 0;
        while at < 128 {
            bytes[at] = at as u8;
            at += 1;
        }
        bytes
    };
    match byte {
        b'm' => b"rn",
        b'0' => b"o",
        b'1' => b"l",
        _ => std::slice::from_ref(&ASCII[usize::from(byte & 0x7f)]),
    }
}

fn skeleton_by_tables(c: char) -> String {
    let mut buffer = [0u8; 4];
    unicode_security::skeleton(c.encode_utf8(&mut buffer))
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Skeleton of a key (ASCII).
pub(crate) fn skeleton_of(text: &str) -> String {
    let mut skeleton = String::with_capacity(text.len());
    for c in text.chars() {
        push_skeleton_of_char(c, &mut skeleton);
    }
    skeleton
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the brand.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyClass {
    Long,
    Medium,
    Short,
    Weak,
}

fn class_of(key: &BrandKey) -> KeyClass {
    if key.common_word {
        KeyClass::Weak
    } else if key.key.len() >= 6 {
        KeyClass::Long
    } else if key.key.len() >= 4 {
        KeyClass::Medium
    } else {
        KeyClass::Short
    }
}

#[derive(Debug, Clone)]
enum HitKind {
    /// The key as typed: the whole label, a whole token, or glued to other letters.
    Raw {
        abbreviation: bool,
    },
    /// Characters that look like the key's: (character, the letters it passes for), or the region as a whole.
    Confusable {
        region: String,
        swaps: Vec<(char, String)>,
    },
    EditDistance {
        token: String,
        distance: usize,
    },
    Truncated {
        token: String,
    },
}

#[derive(Debug, Clone)]
struct Hit {
    base: i32,
    kind: HitKind,
    key: String,
    label: usize,
    /// Byte range in the label's text.
    start: usize,
    end: usize,
}

/// The brands' keys, gathered once per set of brands: every key, and those [`mask_keys`] hides (4+ letters, not a
/// lure word), longest first so that a longer name is hidden before a key inside it.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    all: FastSet<String>,
    maskable: Vec<String>,
    /// Every key at once, to learn in one pass which keys a label holds: most hold none.
    finder: aho_corasick::AhoCorasick,
    /// The finder's patterns, by pattern number.
    patterns: Vec<String>,
    /// Every key's skeleton at once, for labels where a confusable may hide.
    skeleton_finder: aho_corasick::AhoCorasick,
    skeleton_patterns: Vec<String>,
    /// The long keys (6+ letters), by number, with how many of their letter pairs a run must share to be within
    /// [`fuzzy_hits`]'s typing mistakes or cut-short forms of them.
    fuzzy_keys: Vec<(String, u8)>,
    /// (letter pair, key number, how many times the pair is in the key), sorted by pair.
    fuzzy_pairs: Vec<(u16, u16, u8)>,
    /// For each brand (in the order the keys were made from), for each of its keys, its number in `fuzzy_keys`.
    fuzzy_numbers: Vec<Vec<Option<u16>>>,
    /// The brands (by number) that have a key, a key's skeleton, or a long key (by its number in `fuzzy_keys`):
    /// a brand none of whose keys is in a name, as written, as a skeleton, or close, cannot be hit by it.
    brands_by_key: FastMap<String, Vec<u16>>,
    brands_by_skeleton: FastMap<String, Vec<u16>>,
    brands_by_fuzzy_key: Vec<Vec<u16>>,
    /// Every brand's official domains: a host at or under one is not judged.
    official_domains: FastSet<String>,
}

/// Sets and maps asked on every judged host: a fast hash (the keys are the project's own brand names, not input
/// someone could choose to collide).
type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

fn letter_pair(a: u8, b: u8) -> u16 {
    (u16::from(a & 0x7f) << 7) | u16::from(b & 0x7f)
}

impl Keys {
    /// The fuzzy keys some run of `label` may be a typing mistake or a cut-short form of. Exact as a filter: an edit
    /// changes at most three of a key's letter pairs (a swap of two letters), so a run within `d` edits keeps at least
    /// `len - 1 - 3d` of them, a window inside a longer run keeps them too, and a cut-short form of `n` letters keeps
    /// `n - 1`.
    fn fuzzy_candidates(&self, label: &Label) -> Vec<u16> {
        let mut candidates = Vec::new();
        if label.text.is_ascii() {
            // Never breaks: every candidate is collected.
            let _ = self.each_fuzzy_candidate(&label.text, label.runs.iter().copied(), |key| {
                candidates.push(key);
                ControlFlow::Continue(())
            });
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// Whether [`Keys::fuzzy_candidates`] would find one for the ASCII `text` cut into `runs`.
    fn has_fuzzy_candidate(&self, text: &str, runs: impl Iterator<Item = (usize, usize, bool)>) -> bool {
        self.each_fuzzy_candidate(text, runs, |_| ControlFlow::Break(())).is_break()
    }

    /// Calls `found` with each fuzzy key (by number) some run of the ASCII `text` shares enough letter pairs with,
    /// once per run (a key may come more than once), until it breaks.
    fn each_fuzzy_candidate(
        &self,
        text: &str,
        runs: impl Iterator<Item = (usize, usize, bool)>,
        mut found: impl FnMut(u16) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if self.fuzzy_keys.is_empty() {
            return ControlFlow::Continue(());
        }
        // Counters on the stack for the usual number of keys: this runs for every label of every host judged.
        let mut shared_on_stack = [0u8; 256];
        let mut shared_on_heap = Vec::new();
        let shared: &mut [u8] = if self.fuzzy_keys.len() <= shared_on_stack.len() {
            &mut shared_on_stack[..self.fuzzy_keys.len()]
        } else {
            shared_on_heap.resize(self.fuzzy_keys.len(), 0u8);
            &mut shared_on_heap
        };
        // A run's letter pairs on the stack too (a label has at most 63 letters).
        let mut pairs_on_stack = [0u16; 64];
        let mut pairs_on_heap = Vec::new();
        for (start, end, digits) in runs {
            let run = &text.as_bytes()[start..end];
            if digits || run.len() < 5 {
                continue;
            }
            let pairs: &mut [u16] = if run.len() - 1 <= pairs_on_stack.len() {
                &mut pairs_on_stack[..run.len() - 1]
            } else {
                pairs_on_heap.resize(run.len() - 1, 0);
                &mut pairs_on_heap
            };
            for (slot, pair) in pairs.iter_mut().zip(run.windows(2)) {
                *slot = letter_pair(pair[0], pair[1]);
            }
            pairs.sort_unstable();
            shared.iter_mut().for_each(|count| *count = 0);
            for (position, &pair) in pairs.iter().enumerate() {
                if position > 0 && pairs[position - 1] == pair {
                    continue;
                }
                let first = self.fuzzy_pairs.partition_point(|&(p, _, _)| p < pair);
                for &(_, key, times) in self.fuzzy_pairs[first..].iter().take_while(|&&(p, _, _)| p == pair) {
                    shared[usize::from(key)] = shared[usize::from(key)].saturating_add(times);
                }
            }
            for (key, (_, needed)) in self.fuzzy_keys.iter().enumerate() {
                if shared[key] >= *needed {
                    found(key as u16)?;
                }
            }
        }
        ControlFlow::Continue(())
    }
}

pub(crate) fn keys_of(brands: &[ProtectedBrand]) -> Keys {
    let all: FastSet<String> = brands.iter().flat_map(|brand| brand.keys.iter().map(|key| key.key.clone())).collect();
    let mut maskable: Vec<String> =
        all.iter().filter(|key| key.len() >= 4 && !LURE_WORDS.contains(&key.as_str())).cloned().collect();
    maskable.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let mut patterns: Vec<String> = all.iter().cloned().collect();
    patterns.sort();
    let finder = aho_corasick::AhoCorasick::new(&patterns).expect("brand keys are short ASCII words");
    let mut skeleton_patterns: Vec<String> =
        brands.iter().flat_map(|brand| brand.keys.iter().map(|key| key.skeleton().to_string())).collect();
    skeleton_patterns.sort();
    skeleton_patterns.dedup();
    let skeleton_finder =
        aho_corasick::AhoCorasick::new(&skeleton_patterns).expect("brand key skeletons are short words");
    let mut fuzzy_keys: Vec<(String, u8)> = brands
        .iter()
        .flat_map(|brand| brand.keys.iter())
        .filter(|key| class_of(key) == KeyClass::Long && key.key.is_ascii())
        .map(|key| {
            let length = key.key.len();
            let needed = if length >= 8 {
                let edits = if length >= 11 { 2 } else { 1 };
                let shortest_cut = (3 * length).div_ceil(5).max(5);
                (length - 1 - 3 * edits).min(shortest_cut - 1)
            } else {
                // One letter changed or two swapped, in a run of the same length.
                length.saturating_sub(4)
            };
            (key.key.clone(), u8::try_from(needed).unwrap_or(u8::MAX))
        })
        .collect();
    fuzzy_keys.sort();
    fuzzy_keys.dedup_by(|a, b| a.0 == b.0);
    let mut fuzzy_pairs: Vec<(u16, u16, u8)> = Vec::new();
    for (number, (key, _)) in fuzzy_keys.iter().enumerate() {
        let mut pairs: Vec<u16> = key.as_bytes().windows(2).map(|pair| letter_pair(pair[0], pair[1])).collect();
        pairs.sort_unstable();
        for group in pairs.chunk_by(|a, b| a == b) {
            fuzzy_pairs.push((group[0], number as u16, group.len() as u8));
        }
    }
    fuzzy_pairs.sort_unstable();
    let fuzzy_numbers: Vec<Vec<Option<u16>>> = brands
        .iter()
        .map(|brand| {
            let number = |key: &BrandKey| fuzzy_keys.binary_search_by(|(k, _)| k.as_str().cmp(&key.key)).ok();
            brand.keys.iter().map(|key| number(key).map(|n| n as u16)).collect()
        })
        .collect();
    let mut brands_by_key: FastMap<String, Vec<u16>> = Default::default();
    let mut brands_by_skeleton: FastMap<String, Vec<u16>> = Default::default();
    let mut brands_by_fuzzy_key: Vec<Vec<u16>> = vec![Vec::new(); fuzzy_keys.len()];
    for (number, brand) in brands.iter().enumerate() {
        let number = number as u16;
        for (key, fuzzy) in brand.keys.iter().zip(&fuzzy_numbers[usize::from(number)]) {
            brands_by_key.entry(key.key.clone()).or_default().push(number);
            brands_by_skeleton.entry(key.skeleton().to_string()).or_default().push(number);
            if let Some(fuzzy) = fuzzy {
                brands_by_fuzzy_key[usize::from(*fuzzy)].push(number);
            }
        }
    }
    Keys {
        all,
        maskable,
        finder,
        patterns,
        skeleton_finder,
        skeleton_patterns,
        fuzzy_keys,
        fuzzy_pairs,
        fuzzy_numbers,
        brands_by_key,
        brands_by_skeleton,
        brands_by_fuzzy_key,
        official_domains: brands.iter().flat_map(|brand| brand.official_domains.iter().cloned()).collect(),
    }
}

fn best_hit(name: &Name, brand_number: usize, brand: &ProtectedBrand, all_keys: &Keys) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    let mut offer = |hit: Hit| {
        let better = match &best {
            None => true,
            // Prefer the higher base, then the main label, then the longer key.
            Some(current) => (hit.base, hit.label, hit.key.len()) > (current.base, current.label, current.key.len()),
        };
        if better && hit.base > 0 {
            best = Some(hit);
        }
    };
    for (key_number, key) in brand.keys.iter().enumerate() {
        let fuzzy_number = all_keys.fuzzy_numbers.get(brand_number).and_then(|keys| keys.get(key_number)).copied();
        let class = class_of(key);
        for (index, label) in name.labels.iter().enumerate() {
            for hit in raw_hits(label, index, key, class, all_keys) {
                offer(hit);
            }
            for hit in confusable_hits(label, index, key, class, key.skeleton()) {
                offer(hit);
            }
            if class == KeyClass::Long {
                for hit in fuzzy_hits(label, index, &key.key, fuzzy_number.flatten(), all_keys) {
                    offer(hit);
                }
            }
        }
    }
    best
}

/// Splits `text` into runs of letters (anything but ASCII digits and `-`) and runs of digits; hyphens separate.
fn runs(text: &str) -> Vec<(usize, usize, bool)> {
    runs_of(text).collect()
}

/// [`runs`], one at a time.
fn runs_of(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut chars = text.char_indices();
    let mut start: Option<usize> = None;
    let mut digits = false;
    std::iter::from_fn(move || {
        for (offset, c) in chars.by_ref() {
            if c == '-' {
                if let Some(s) = start.take() {
                    return Some((s, offset, digits));
                }
                continue;
            }
            let is_digit = c.is_ascii_digit();
            match start {
                Some(s) if is_digit != digits => {
                    let run = (s, offset, digits);
                    start = Some(offset);
                    digits = is_digit;
                    return Some(run);
                }
                Some(_) => {}
                None => {
                    start = Some(offset);
                    digits = is_digit;
                }
            }
        }
        start.take().map(|s| (s, text.len(), digits))
    })
}

/// The run of letters around `[start, end)`.
fn letter_run(text: &str, start: usize, end: usize) -> (usize, usize) {
    let run_start = text[..start].rfind(|c: char| c == '-' || c.is_ascii_digit()).map_or(0, |i| i + 1);
    let run_end = text[end..].find(|c: char| c == '-' || c.is_ascii_digit()).map_or(text.len(), |i| end + i);
    (run_start, run_end)
}

fn raw_hits(label: &Label, index: usize, key: &BrandKey, class: KeyClass, all_keys: &Keys) -> Vec<Hit> {
    let text = &label.text;
    let mut hits = Vec::new();
    if !label.holds_key(&key.key) {
        return hits;
    }
    for (start, _) in text.match_indices(key.key.as_str()) {
        let end = start + key.key.len();
        let (run_start, run_end) = letter_run(text, start, end);
        let entire = start == 0 && end == text.len();
        let whole = start == run_start && end == run_end;
        let left = &text[run_start..start];
        let right = &text[end..run_end];
        let base = if entire {
            match class {
                KeyClass::Long => 60,
                KeyClass::Medium => 55,
                KeyClass::Short => 35,
                KeyClass::Weak => 30,
            }
        } else if whole {
            match class {
                KeyClass::Long => 60,
                KeyClass::Medium => 50,
                KeyClass::Short => 30,
                KeyClass::Weak => 25,
            }
        } else {
            // A key ending in `vn` at the end of a longer run is most likely a word followed by the country code
            // (`lottevn` is not EVN).
            if key.key.ends_with("vn") && right.is_empty() {
                continue;
            }
            let at_edge = left.is_empty() || right.is_empty();
            // A lure inside another brand's name does not count (`hdbankfinancb` does not make `ncb` lured); the
            // other brand's name itself counts for a brand's full name, not for an abbreviation.
            let lured_piece = |piece: &str| {
                let (masked, names) = mask_keys(piece, all_keys);
                has_lure(&masked) || (class != KeyClass::Short && !names.is_empty())
            };
            let lured = lured_piece(left) || lured_piece(right);
            let other_letters = left.len() + right.len();
            match (class, lured) {
                (KeyClass::Long, true) => 50,
                (KeyClass::Long, false) if other_letters <= 2 => 50,
                (KeyClass::Long, false) => 40,
                (KeyClass::Medium, _) if other_letters <= 2 => 40,
                (KeyClass::Medium, true) if at_edge => 40,
                (KeyClass::Medium, _) if at_edge => 30,
                (KeyClass::Medium, _) => 0,
                (KeyClass::Short, true) if at_edge && key.key.len() >= 3 => 30,
                (KeyClass::Short, _) => 0,
                (KeyClass::Weak, true) if at_edge => 25,
                (KeyClass::Weak, false) if key.key.len() >= 5 => 20,
                (KeyClass::Weak, _) => 0,
            }
        };
        let abbreviation = matches!(class, KeyClass::Short);
        hits.push(Hit { base, kind: HitKind::Raw { abbreviation }, key: key.key.clone(), label: index, start, end });
    }
    hits
}

fn confusable_hits(label: &Label, index: usize, key: &BrandKey, class: KeyClass, key_skeleton: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    if label.plain_ascii || label.present_skeletons.binary_search_by(|k| (*k).cmp(key_skeleton)).is_err() {
        return hits;
    }
    for (s_start, _) in label.skeleton.match_indices(key_skeleton) {
        let (start, end) = label.source_range(s_start, s_start + key_skeleton.len());
        let region = &label.text[start..end];
        if region == key.key {
            continue;
        }
        let non_ascii = !region.is_ascii();
        let base = match (class, non_ascii) {
            (KeyClass::Long | KeyClass::Medium, true) => 85,
            (KeyClass::Short, true) => 60,
            (KeyClass::Weak, true) => 50,
            (KeyClass::Long, false) => 60,
            (KeyClass::Medium, false) => 50,
            (_, false) => 0,
        };
        if class == KeyClass::Short {
            let (run_start, run_end) = whole_between_hyphens(&label.text, start, end);
            if run_start != start || run_end != end {
                continue;
            }
        }
        let swaps = region
            .chars()
            .filter(|c| !c.is_ascii_lowercase())
            .map(|c| (c, skeleton_of_char(c)))
            .filter(|(c, s)| s.as_str() != c.to_string())
            .collect();
        hits.push(Hit {
            base,
            kind: HitKind::Confusable { region: region.to_string(), swaps },
            key: key.key.clone(),
            label: index,
            start,
            end,
        });
    }
    hits
}

/// The hyphen-separated piece around `[start, end)`.
fn whole_between_hyphens(text: &str, start: usize, end: usize) -> (usize, usize) {
    let piece_start = text[..start].rfind('-').map_or(0, |i| i + 1);
    let piece_end = text[end..].find('-').map_or(text.len(), |i| end + i);
    (piece_start, piece_end)
}

/// Typing mistakes and cut-short names of a long key, in runs of letters that do not contain it. Keys of 8+
/// letters: one mistake (two from 11 letters), also glued to other letters (same first and last letter); keys of
/// 6-7 letters (`tpbank`): one letter changed or two swapped after their first three letters (`tpbsnk`), since
/// changing those makes another bank's name (`abbank`, `mbbank`) and adding one makes words (`gardena`).
/// Whether `a` and `b` may be within `edits` typing mistakes (optimal string alignment distance): each mistake
/// changes the counts of at most two byte values by one (a swap changes none), so counts further apart than
/// `2 × edits` rule it out. Exact, and far cheaper than the distance itself, which most runs never need.
fn counts_within(a: &str, b: &str, edits: usize) -> bool {
    let mut counts = [0i16; 128];
    for &byte in a.as_bytes() {
        counts[usize::from(byte & 0x7f)] += 1;
    }
    for &byte in b.as_bytes() {
        counts[usize::from(byte & 0x7f)] -= 1;
    }
    counts.iter().map(|c| c.unsigned_abs() as usize).sum::<usize>() <= 2 * edits
}

fn fuzzy_hits(label: &Label, index: usize, key: &str, fuzzy_number: Option<u16>, all_keys: &Keys) -> Vec<Hit> {
    let mut hits = Vec::new();
    let text = &label.text;
    let ruled_out = fuzzy_number.is_some_and(|number| label.fuzzy_candidates.binary_search(&number).is_err());
    if !text.is_ascii() || ruled_out {
        return hits;
    }
    let long = key.len() >= 8;
    let max_distance = if key.len() >= 11 { 2 } else { 1 };
    for (position, &(start, end, digits)) in label.runs.iter().enumerate() {
        let run = &text[start..end];
        let known =
            label.known_runs.get(position).copied().unwrap_or_else(|| all_keys.all.contains(run) || is_lure_word(run));
        if digits || known || (label.holds_key(key) && run.contains(key)) {
            continue;
        }
        if !long {
            let same_start = run.len() >= 5 && run.get(..3) == key.get(..3);
            if same_start && run.len() == key.len() && counts_within(run, key, 1) && strsim::osa_distance(run, key) == 1
            {
                let kind = HitKind::EditDistance { token: run.to_string(), distance: 1 };
                hits.push(Hit { base: 50, kind, key: key.to_string(), label: index, start, end });
            }
            continue;
        }
        if run.len() + max_distance >= key.len()
            && run.len() <= key.len() + max_distance
            && counts_within(run, key, max_distance)
        {
            let distance = strsim::osa_distance(run, key);
            if distance >= 1 && distance <= max_distance {
                let base = 50;
                let kind = HitKind::EditDistance { token: run.to_string(), distance };
                hits.push(Hit { base, kind, key: key.to_string(), label: index, start, end });
                continue;
            }
        }
        if run.len() > key.len() + max_distance {
            // A mistyped key glued to other letters: one mistake in a window of the key's length, give or take one.
            'windows: for width in key.len() - 1..=key.len() + 1 {
                for offset in 0..=run.len() - width {
                    let window = &run[offset..offset + width];
                    if window.as_bytes()[0] != key.as_bytes()[0]
                        || window.as_bytes()[width - 1] != key.as_bytes()[key.len() - 1]
                        || all_keys.all.contains(window)
                    {
                        continue;
                    }
                    if strsim::osa_distance(window, key) == 1 {
                        let kind = HitKind::EditDistance { token: window.to_string(), distance: 1 };
                        let (s, e) = (start + offset, start + offset + width);
                        hits.push(Hit { base: 45, kind, key: key.to_string(), label: index, start: s, end: e });
                        break 'windows;
                    }
                }
            }
        }
        if run.len() >= 5 && run.len() < key.len() && key.starts_with(run) && run.len() * 5 >= key.len() * 3 {
            let kind = HitKind::Truncated { token: run.to_string() };
            hits.push(Hit { base: 30, kind, key: key.to_string(), label: index, start, end });
        }
    }
    hits
}

// ---------------------------------------------------------------------------------------------------------------
// Lure words.

/// Whether a piece of letters glued to a key holds a lure word (or is made of them, or is a misspelt "bank").
fn has_lure(piece: &str) -> bool {
    !piece.is_empty() && !lures_in_run(piece).is_empty()
}

/// [`LURE_WORDS`]' positions grouped by their first and by their last byte, in list order: a run is compared
/// only with the words that can start (or end) where it is looked at.
struct LureIndex {
    by_first: [Vec<u8>; 128],
    by_last: [Vec<u8>; 128],
}

fn lure_index() -> &'static LureIndex {
    static INDEX: std::sync::OnceLock<LureIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index =
            LureIndex { by_first: std::array::from_fn(|_| Vec::new()), by_last: std::array::from_fn(|_| Vec::new()) };
        for (number, word) in LURE_WORDS.iter().enumerate() {
            let number = u8::try_from(number).expect("fewer than 256 lure words");
            let bytes = word.as_bytes();
            index.by_first[usize::from(bytes[0] & 0x7f)].push(number);
            index.by_last[usize::from(bytes[bytes.len() - 1] & 0x7f)].push(number);
        }
        index
    })
}

/// Whether `run` is one of [`LURE_WORDS`].
fn is_lure_word(run: &str) -> bool {
    run.as_bytes().first().is_some_and(|&first| {
        lure_index().by_first[usize::from(first & 0x7f)].iter().any(|&number| LURE_WORDS[usize::from(number)] == run)
    })
}

/// The lure words a run is made of, when it is made of nothing else (`vnvn`, `tkvn`, `vayvn`). `run` is ASCII.
fn segment_into_lures(run: &str) -> Option<Vec<&'static str>> {
    let bytes = run.as_bytes();
    let index = lure_index();
    // word[i]: the last word of a segmentation of run[..i] (the first such word in list order), if there is one.
    let mut word_ending: Vec<Option<u8>> = vec![None; bytes.len() + 1];
    let segmented = |word_ending: &[Option<u8>], at: usize| at == 0 || word_ending[at].is_some();
    for end in 1..=bytes.len() {
        for &number in &index.by_last[usize::from(bytes[end - 1] & 0x7f)] {
            let word = LURE_WORDS[usize::from(number)];
            if word.len() <= end
                && segmented(&word_ending, end - word.len())
                && &bytes[end - word.len()..end] == word.as_bytes()
            {
                word_ending[end] = Some(number);
                break;
            }
        }
    }
    word_ending[bytes.len()]?;
    let mut words = Vec::new();
    let mut end = bytes.len();
    while end > 0 {
        let word = LURE_WORDS[usize::from(word_ending[end]?)];
        words.push(word);
        end -= word.len();
    }
    words.reverse();
    Some(words)
}

/// Lure words of 4+ letters in a run of letters, longest first, left to right, not overlapping; and a misspelt
/// "bank" (`bink`, `brnk`, `bauk`: one letter changed between `b` and `k`) when no lure covers it.
fn lures_in_run(run: &str) -> Vec<String> {
    if !run.is_ascii() {
        // Vietnamese written with its marks in an IDN (`víđiệntử`): the words are looked for without them.
        let folded = crate::text::fold_accents_lower(run);
        return if folded.is_ascii() { lures_in_run(&folded) } else { Vec::new() };
    }
    if let Some(words) = segment_into_lures(run) {
        return words.into_iter().map(str::to_string).collect();
    }
    let mut found = Vec::new();
    let bytes = run.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let matched = lure_index().by_first[usize::from(bytes[i] & 0x7f)]
            .iter()
            .map(|&number| LURE_WORDS[usize::from(number)])
            .filter(|word| (word.len() >= 4 || GLUED_SHORT_LURES.contains(word)) && run[i..].starts_with(*word))
            .max_by_key(|word| word.len());
        if let Some(word) = matched {
            found.push(word.to_string());
            i += word.len();
            continue;
        }
        if i + 4 <= bytes.len() && bytes[i] == b'b' && bytes[i + 3] == b'k' {
            let window = &run[i..i + 4];
            let differences = window.bytes().zip("bank".bytes()).filter(|(a, b)| a != b).count();
            if differences == 1 {
                found.push(format!("{window} (bank)"));
                i += 4;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// `text` with every brand key of 4+ letters replaced by hyphens, so that lure words are not looked for inside
/// brand names (`bank` in `hdbank`); keys that are lure words themselves (`napas`, `dichvucong`) stay. Also the
/// keys of 6+ letters it replaced: another brand's full name next to a brand is evidence too
/// (`dichvucongbaohiemxahoi`).
fn mask_keys<'k>(text: &str, all_keys: &'k Keys) -> (String, Vec<&'k str>) {
    let mut masked = text.to_string();
    let mut names = Vec::new();
    // Masking only writes hyphens, so a key not in the text at first is never in it.
    let present: Vec<&str> = all_keys
        .finder
        .find_overlapping_iter(text)
        .map(|found| all_keys.patterns[found.pattern().as_usize()].as_str())
        .collect();
    if present.is_empty() {
        return (masked, names);
    }
    for key in all_keys.maskable.iter().map(String::as_str).filter(|key| present.contains(key)) {
        let mut from = 0;
        while let Some(found) = masked[from..].find(key) {
            let at = from + found;
            masked.replace_range(at..at + key.len(), &"-".repeat(key.len()));
            from = at + key.len();
            if key.len() >= 6 {
                names.push(key);
            }
        }
    }
    (masked, names)
}

/// Every lure word of the name, the hit's letters and every brand name left out.
fn lure_words(name: &Name, brand: &ProtectedBrand, hit: &Hit, all_keys: &Keys) -> Vec<String> {
    let hit_class = brand.keys.iter().find(|key| key.key == hit.key).map_or(KeyClass::Long, class_of);
    let mut found: Vec<String> = Vec::new();
    for (index, label) in name.labels.iter().enumerate() {
        let mut text = label.text.clone();
        if index == hit.label {
            text.replace_range(hit.start..hit.end, &"-".repeat(hit.end - hit.start));
        }
        let (text, names) = mask_keys(&text, all_keys);
        if hit_class != KeyClass::Short {
            found.extend(names.into_iter().map(str::to_string));
        }
        for piece in text.split('-').filter(|piece| !piece.is_empty()) {
            for numeric in NUMERIC_LURES {
                if piece.contains(numeric) {
                    found.push(numeric.to_string());
                }
            }
            for (start, end, digits) in runs(piece) {
                if digits {
                    continue;
                }
                let run = &piece[start..end];
                found.extend(lures_in_run(run));
            }
        }
    }
    let mut seen = HashSet::new();
    found.retain(|word| !brand.keys.iter().any(|key| &key.key == word) && seen.insert(word.clone()));
    found
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring and reasons.

struct Scored {
    score: i32,
    base: i32,
    /// Ties between brands go to the closer spelling (`vietimbank` is one letter from `vietinbank`, two from
    /// `vietcombank`).
    closeness: i32,
    /// What made the score besides the hit, in the order the reasons list them.
    parts: Vec<(Part, i32)>,
}

fn reason(code: &'static str, weight: i32, vi: String, en: String) -> LookalikeReason {
    LookalikeReason { code, weight: weight as i16, vi, en }
}

/// What added to (or took from) a score, kept without its texts until the brand imitated is chosen: most hosts
/// weighed are let go, and writing the reasons of every brand weighed was about a tenth of the judgement's work.
enum Part {
    LureWords(Vec<String>),
    AbusedTld,
    FreeHosting,
    BrandInSubdomainOfOtherDomain,
    OfficialDomainInName(String),
    ForeignCountryDomain,
}

fn score(name: &Name, brand: &ProtectedBrand, hit: &Hit, all_keys: &Keys) -> Scored {
    let mut parts: Vec<(Part, i32)> = Vec::new();
    let lures = lure_words(name, brand, hit, all_keys);
    let no_lures = lures.is_empty();
    if !no_lures {
        let weight = (20 + 10 * (lures.len() as i32 - 1)).min(30);
        parts.push((Part::LureWords(lures), weight));
    }
    let tld = name.tld.as_str();
    if name.free_host.is_none() && ABUSED_TLDS.contains(&tld) {
        parts.push((Part::AbusedTld, 15));
    }
    if name.free_host.is_some() {
        parts.push((Part::FreeHosting, 15));
    }
    let main = name.main_label();
    let brand_in_main = brand.keys.iter().any(|key| name.labels[main].skeleton.contains(key.skeleton()));
    if name.free_host.is_none() && hit.label != main && !brand_in_main {
        parts.push((Part::BrandInSubdomainOfOtherDomain, 10));
    }
    if let Some((embedded, weight)) = embedded_official(name, brand, hit) {
        parts.push((Part::OfficialDomainInName(embedded), weight));
    }
    if no_lures
        && name.free_host.is_none()
        && tld.len() == 2
        && !GENERIC_CCTLDS.contains(&tld)
        && !ABUSED_TLDS.contains(&tld)
    {
        parts.push((Part::ForeignCountryDomain, -20));
    }
    let closeness = match &hit.kind {
        HitKind::EditDistance { distance, .. } => -(*distance as i32),
        _ => 0,
    };
    let total = hit.base + parts.iter().map(|(_, weight)| weight).sum::<i32>();
    Scored { score: total, base: hit.base, closeness, parts }
}

/// The reasons of a score, in Vietnamese and English: the hit's, then each part's.
fn reasons(name: &Name, brand: &ProtectedBrand, hit: &Hit, parts: Vec<(Part, i32)>) -> Vec<LookalikeReason> {
    let looks_like = brand.main_domain().unwrap_or(&brand.name);
    let tld = name.tld.as_str();
    let mut reasons = vec![main_reason(brand, looks_like, &name.labels[hit.label].text, hit)];
    for (part, weight) in parts {
        let (code, vi, en) = match part {
            Part::LureWords(lures) => {
                let list = lures.join(", ");
                (
                    "brand_with_lure_word",
                    format!("kèm từ hay dùng để dụ dỗ: {list}"),
                    format!("with words scams use as bait: {list}"),
                )
            }
            Part::AbusedTld => (
                "abused_tld",
                format!("đuôi .{tld} rẻ và bị lạm dụng nhiều cho lừa đảo"),
                format!("the .{tld} ending is cheap and widely abused by scams"),
            ),
            Part::FreeHosting => {
                let free = name.free_host.as_deref().unwrap_or_default();
                (
                    "free_hosting",
                    format!("đặt trên dịch vụ lưu trữ miễn phí {free}, {} không dùng dịch vụ này", brand.name),
                    format!("hosted on the free hosting service {free}, which {} does not use", brand.name),
                )
            }
            Part::BrandInSubdomainOfOtherDomain => {
                let registrable = &name.registrable;
                (
                    "brand_in_subdomain_of_other_domain",
                    format!("tên thương hiệu nằm ở tên miền con của {registrable}, không thuộc {}", brand.name),
                    format!(
                        "the brand name is in a subdomain of {registrable}, which does not belong to {}",
                        brand.name
                    ),
                )
            }
            Part::OfficialDomainInName(embedded) => (
                "official_domain_in_name",
                format!("chèn '{embedded}' vào tên để giả tên miền chính thức"),
                format!("writes '{embedded}' into the name to pass for the official domain"),
            ),
            Part::ForeignCountryDomain => (
                "foreign_country_domain",
                format!("đuôi .{tld} là tên miền của nước khác, nơi dễ có tổ chức trùng tên"),
                format!("under .{tld}, another country's domain, where a namesake is likelier"),
            ),
        };
        reasons.push(reason(code, weight, vi, en));
    }
    reasons
}

/// An official domain written into the name (`vietcombank.com.vn.xyz`: +30), or the key followed by a label that
/// starts like a Vietnamese ending (`acb.vn-banking.xyz`, `tpbank.com-vn.top`: +20).
fn embedded_official(name: &Name, brand: &ProtectedBrand, hit: &Hit) -> Option<(String, i32)> {
    for official in &brand.official_domains {
        let mut from = 0;
        while let Some(found) = name.host[from..].find(official.as_str()) {
            let at = from + found;
            let after = name.host[at + official.len()..].chars().next();
            let before_ok = at == 0 || name.host[..at].ends_with(['.', '-']);
            if before_ok && matches!(after, Some('.' | '-')) {
                return Some((official.clone(), 30));
            }
            from = at + 1;
        }
    }
    let label = &name.labels[hit.label].text;
    let next = name.labels.get(hit.label + 1)?;
    if hit.end == label.len() && (next.text.starts_with("vn") || next.text.starts_with("com")) {
        let shown = format!("{}.{}", &label[hit.start..hit.end], next.text.split('-').next().unwrap_or_default());
        return Some((shown, 20));
    }
    None
}

fn main_reason(brand: &ProtectedBrand, looks_like: &str, label: &str, hit: &Hit) -> LookalikeReason {
    let key = &hit.key;
    let name = &brand.name;
    match &hit.kind {
        HitKind::Raw { abbreviation } => {
            let (what_vi, what_en) =
                if *abbreviation { ("tên viết tắt", "abbreviation") } else { ("tên", "name") };
            reason(
                "brand_in_label",
                hit.base,
                format!(
                    "giống tên miền {looks_like}: chứa {what_vi} '{key}' của {name} nhưng không phải tên miền chính thức"
                ),
                format!("looks like {looks_like}: contains {name}'s {what_en} '{key}' but is not an official domain"),
            )
        }
        HitKind::Confusable { region, swaps } => {
            let (vi, en) = if swaps.is_empty() {
                (format!("'{region}' đọc giống '{key}'"), format!("'{region}' reads as '{key}'"))
            } else {
                let vi: Vec<String> = swaps.iter().map(|(c, s)| swap_text(*c, s, true)).collect();
                let en: Vec<String> = swaps.iter().map(|(c, s)| swap_text(*c, s, false)).collect();
                (format!("'{label}' dùng {}", vi.join(", ")), format!("'{label}' uses {}", en.join(", ")))
            };
            reason(
                "confusable_characters",
                hit.base,
                format!("giống tên miền {looks_like}: {vi}"),
                format!("looks like {looks_like}: {en}"),
            )
        }
        HitKind::EditDistance { token, distance } => reason(
            "edit_distance",
            hit.base,
            format!("giống tên miền {looks_like}: '{token}' chỉ khác '{key}' {distance} ký tự"),
            format!(
                "looks like {looks_like}: '{token}' is {distance} letter{} away from '{key}'",
                if *distance == 1 { "" } else { "s" }
            ),
        ),
        HitKind::Truncated { token } => reason(
            "truncated_brand",
            hit.base,
            format!("giống tên miền {looks_like}: '{token}' là '{key}' bị cắt ngắn"),
            format!("looks like {looks_like}: '{token}' is '{key}' cut short"),
        ),
    }
}

/// "a Cyrillic 'о' in place of 'o'".
fn swap_text(c: char, stands_for: &str, vietnamese: bool) -> String {
    if c.is_ascii_digit() {
        return if vietnamese {
            format!("số '{c}' thay cho chữ '{stands_for}'")
        } else {
            format!("the digit '{c}' in place of '{stands_for}'")
        };
    }
    let (vi, en) = script_of(c);
    if vietnamese {
        format!("{vi} '{c}' thay cho '{stands_for}'")
    } else {
        format!("{en} '{c}' in place of '{stands_for}'")
    }
}

fn script_of(c: char) -> (&'static str, &'static str) {
    match c as u32 {
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => ("chữ Kirin (Cyrillic)", "a Cyrillic"),
        0x0370..=0x03FF | 0x1F00..=0x1FFF => ("chữ Hy Lạp", "a Greek"),
        0x0530..=0x058F => ("chữ Armenia", "an Armenian"),
        0x13A0..=0x13FF | 0xAB70..=0xABBF => ("chữ Cherokee", "a Cherokee"),
        0x00C0..=0x024F | 0x1E00..=0x1EFF => ("chữ có dấu", "an accented"),
        0xFF00..=0xFFEF => ("ký tự toàn độ rộng", "a full-width"),
        0x0250..=0x02AF | 0x1D00..=0x1DBF => ("ký hiệu ngữ âm", "a phonetic"),
        _ => ("ký tự lạ", "a look-alike"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::TrustedOrganisationKind;

    fn brands() -> Vec<ProtectedBrand> {
        vec![
            ProtectedBrand::new(
                "Vietcombank",
                TrustedOrganisationKind::Bank,
                &["vietcombank", "vcb", "~vietcom"],
                &["vietcombank.com.vn"],
            )
            .unwrap(),
            ProtectedBrand::new("ACB", TrustedOrganisationKind::Bank, &["acb"], &["acb.com.vn"]).unwrap(),
            ProtectedBrand::new("Agribank", TrustedOrganisationKind::Bank, &["agribank"], &["agribank.com.vn"])
                .unwrap(),
            ProtectedBrand::new("MoMo", TrustedOrganisationKind::Ewallet, &["momo"], &["momo.vn"]).unwrap(),
            ProtectedBrand::new("EVN", TrustedOrganisationKind::PublicService, &["evn"], &["evn.com.vn"]).unwrap(),
            ProtectedBrand::new(
                "Cổng Dịch vụ công quốc gia",
                TrustedOrganisationKind::PublicService,
                &["dichvucong"],
                &["dichvucong.gov.vn"],
            )
            .unwrap(),
        ]
    }

    /// The prescreen is exact as a filter: a host it lets go has no brand reachable by the whole judgement. Checked
    /// on names built from every key of the shipped directory (typing mistakes, confusable digits, lure words,
    /// cut-short forms) and, when ../shared/data is beside the repository, on the ChongLuaDao blocklist.
    #[test]
    fn prescreen_never_drops_a_reachable_brand() {
        let directory = trust_directory();
        let all_keys = directory.lookalike_keys();
        let mut hosts: Vec<String> = Vec::new();
        let tlds = ["com", "vn", "com.vn", "top", "xyz", "weebly.com", "byethost7.com"];
        for brand in directory.protected_brands() {
            for key in &brand.keys {
                let word = key.key.as_str();
                if !word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                    continue;
                }
                let mut forms = vec![word.to_string(), format!("{word}-xacthuc"), format!("hotro{word}247")];
                for position in 0..word.len() {
                    forms.push(format!("{}{}", &word[..position], &word[position + 1..])); // a letter dropped
                    forms.push(format!("{}x{}", &word[..position], &word[position + 1..])); // a letter changed
                    if position + 1 < word.len() {
                        let mut swapped = word.as_bytes().to_vec();
                        swapped.swap(position, position + 1);
                        forms.push(String::from_utf8(swapped).unwrap());
                    }
                }
                forms.push(word.replace('o', "0").replace('l', "1").replace('m', "rn"));
                forms.push(word[..word.len().div_ceil(2) + 1.min(word.len() / 2)].to_string());
                for (number, form) in forms.iter().enumerate() {
                    hosts.push(format!("{form}.{}", tlds[number % tlds.len()]));
                    hosts.push(format!("login.{form}-vn.{}", tlds[(number + 3) % tlds.len()]));
                }
            }
        }
        let blocklist =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/phish_chongluadao_blocklist/urls.txt");
        match std::fs::read_to_string(blocklist) {
            Ok(text) => hosts
                .extend(text.lines().filter_map(|line| Url::parse(line.trim()).ok()).map(|url| url.host().to_string())),
            Err(_) => eprintln!("SKIPPED (part): {blocklist} is absent"),
        }
        let (mut screened_out, mut judged) = (0, 0);
        for host in &hosts {
            let Ok(domain) = Domain::parse(host) else { continue };
            let Some(part) = chosen_part(&domain) else { continue };
            judged += 1;
            if !may_reach_a_brand(part.chosen, all_keys) {
                screened_out += 1;
                let mut name = Name::new(&domain, chosen_part(&domain).unwrap());
                assert_eq!(reachable_brands(&mut name, all_keys), Vec::<u16>::new(), "{host}");
            }
        }
        assert!(judged > 4_000 && screened_out > 0, "{judged} judged, {screened_out} screened out");
    }

    fn judged(host: &str) -> Option<LookalikeFinding> {
        judge_domain(host, &brands())
    }

    #[test]
    fn skeletons() {
        assert_eq!(skeleton_of("vietc\u{43e}mbank"), skeleton_of("vietcombank"));
        assert_eq!(skeleton_of("vietc0mbank"), skeleton_of("vietcombank"));
        assert_eq!(skeleton_of("vietcornbank"), skeleton_of("vietcombank"));
        assert_eq!(skeleton_of("vietcombànk"), skeleton_of("vietcombank"));
        let label = Label::new("xn--vietcmbank-ivi");
        assert!(!label.text.is_ascii());
    }

    #[test]
    fn ascii_fast_path() {
        for c in ('a'..='z').chain('0'..='9').chain(['-']) {
            assert_eq!(skeleton_of_char(c), skeleton_by_tables(c), "{c:?}");
        }
    }

    #[test]
    fn runs_and_lures() {
        assert_eq!(runs("ab12-cd"), vec![(0, 2, false), (2, 4, true), (5, 7, false)]);
        assert_eq!(lures_in_run("tindunghotro"), ["tindung", "hotro"]);
        assert_eq!(lures_in_run("iglebink"), ["bink (bank)"]);
        assert!(lures_in_run("sukien").is_empty());
        assert_eq!(lures_in_run("vnvn"), ["vn", "vn"]);
        assert_eq!(lures_in_run("vaysodo"), ["vay"]);
        assert!(has_lure("vn") && !has_lure("x"));
    }

    #[test]
    fn issue_examples() {
        for (host, brand) in [
            ("vietcombank-xacthuc.com", "Vietcombank"),
            ("vcbdigibank-vn.top", "Vietcombank"),
            ("dichvucong-gov.vn.xyz", "Cổng Dịch vụ công quốc gia"),
            ("agrib-vn.com", "Agribank"),
            ("vietc\u{43e}mbank.com", "Vietcombank"),
        ] {
            let finding = judged(host).unwrap_or_else(|| panic!("{host} was not flagged"));
            assert_eq!(finding.brand, brand, "{host}: {finding:?}");
        }
        let cyrillic = judged("vietc\u{43e}mbank.com").unwrap();
        assert_eq!(cyrillic.level, LookalikeLevel::HighRisk);
        assert_eq!(cyrillic.reasons[0].code, "confusable_characters");
        assert!(cyrillic.reasons[0].en.contains("a Cyrillic 'о' in place of 'o'"), "{}", cyrillic.reasons[0].en);
        assert!(cyrillic.reasons[0].vi.starts_with("giống tên miền vietcombank.com.vn"));
        for host in ["vietcombank.com.vn", "portal.vietcombank.com.vn", "google.com", "wikipedia.org", "momo.vn"] {
            assert_eq!(judged(host), None, "{host}");
        }
    }

    #[test]
    fn short_keys_need_evidence() {
        for host in ["acb.com", "vib.com", "acbs.com.vn", "momondo.com", "lottevn-online.com", "dacbiet.vn"] {
            assert_eq!(judged(host), None, "{host}");
        }
        for host in ["acb-online.com", "acb.top", "tinchapvcb-vn.com", "vcbiglebink.com", "acb.vn-banking.xyz"] {
            assert!(judged(host).is_some(), "{host}");
        }
    }

    #[test]
    fn reasons_and_urls() {
        let finding = judged("https://vietcombank.com.vn.secure-login.xyz/ib").unwrap();
        assert_eq!(finding.level, LookalikeLevel::HighRisk);
        let codes = finding.codes();
        assert!(codes.contains(&"official_domain_in_name"), "{codes:?}");
        assert!(codes.contains(&"brand_in_subdomain_of_other_domain"), "{codes:?}");
        assert!(codes.contains(&"abused_tld"), "{codes:?}");
        let free = judged("idigital-vietcombank.weebly.com").unwrap();
        assert!(free.codes().contains(&"free_hosting"), "{:?}", free.codes());
        assert!(judged("http://1.2.3.4/vietcombank").is_none());
        assert!(judged("not a domain").is_none());
        let typo = judged("vietconbank.net").unwrap();
        assert_eq!(typo.reasons[0].code, "edit_distance");
        assert!(judged("dichvucong.hanoi.gov.vn").is_none());
        assert!(judged("agribank.ph").is_none(), "a namesake abroad needs more than the name");
    }

    /// The memo answers as the judgement does: the first time, again, after more hosts than it holds have pushed
    /// it out, and in a copy of the directory (which starts empty).
    #[test]
    fn the_memo_answers_as_the_judgement() {
        let directory = crate::trust::trust_directory();
        let hosts = [
            "vietcombank-xacthuc.com",
            "https://vietcombank.com.vn.secure-login.xyz/ib",
            "vcbdigibank-vn.top",
            "dichvucong-gov.vn.xyz",
            "vietc\u{43e}mbank.com",
            "vietcombank.com.vn",
            "shopee.vn",
            "not a domain",
            "",
            "example.org",
        ];
        let afresh: Vec<_> = hosts.iter().map(|host| judge_domain_in_afresh(host, directory)).collect();
        assert!(afresh.iter().filter(|finding| finding.is_some()).count() >= 4, "{afresh:?}");
        for _ in 0..2 {
            let remembered: Vec<_> = hosts.iter().map(|host| judge_domain_in(host, directory)).collect();
            assert_eq!(remembered, afresh);
        }
        let copy = directory.clone();
        assert!(format!("{:?}", copy.lookalike_memo()).contains("hosts: 0"), "{:?}", copy.lookalike_memo());
        let in_copy: Vec<_> = hosts.iter().map(|host| judge_domain_in(host, &copy)).collect();
        assert_eq!(in_copy, afresh);
        // More hosts than the memo holds (each a look-alike, so with a finding), then the same questions.
        for number in 0..20_000 {
            assert!(judge_domain_in(&format!("vcb-xacthuc{number}.top"), &copy).is_some());
        }
        let memo = &copy.lookalike_memo().judgements;
        assert!(memo.weight() <= JUDGEMENT_MEMO_BYTES, "{} bytes", memo.weight());
        assert!(memo.len() < 20_000, "{} hosts", memo.len());
        let after: Vec<_> = hosts.iter().map(|host| judge_domain_in(host, &copy)).collect();
        assert_eq!(after, afresh);
        let parsed = Domain::parse("vietcombank-xacthuc.com").unwrap();
        assert_eq!(judge_parsed_domain_in(&parsed, &copy), afresh[0]);
        assert_eq!(judge_parsed_domain_in(&parsed, &copy), afresh[0]);
    }
}
