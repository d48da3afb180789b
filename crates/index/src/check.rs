//! The explained answer to "is this contact a scam?": the contact's own verdict, and what its parts and
//! neighbours say. A link is judged by its URL, its host, its registrable domain, the contacts its path
//! carries and, without any list, whether its host imitates a protected brand; a VietQR code by the account
//! it pays; an account, a phone or an e-wallet also by the contacts reported together with it.

use crate::{IndexSnapshot, LOOKUP_GROUP, ReputationIndex, Summary};
use canhgiac_core::identifier::Domain;
use canhgiac_core::identifier::{Identifier, IdentifierKind, extract};
use canhgiac_core::lookalike::{judge_domain_in, judge_parsed_domain_in};
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::verdict::{AppealState, ContactSignals, Counts, Reason, VerdictLevel, judge};
use serde::{Serialize, Serializer};

/// A contact reported together with the one asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedContact {
    pub canonical: String,
    pub kind: Option<IdentifierKind>,
    pub verdict: VerdictLevel,
}

/// The appeal state with readable times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppealAnswer {
    /// `none`, `pending`, `upheld` or `rejected`.
    pub state: &'static str,
    #[serde(serialize_with = "rfc3339")]
    pub at: Option<i64>,
}

impl From<AppealState> for AppealAnswer {
    fn from(state: AppealState) -> Self {
        match state {
            AppealState::None => AppealAnswer { state: "none", at: None },
            AppealState::Pending { since } => AppealAnswer { state: "pending", at: Some(since) },
            AppealState::Upheld { at } => AppealAnswer { state: "upheld", at: Some(at) },
            AppealState::Rejected { at } => AppealAnswer { state: "rejected", at: Some(at) },
        }
    }
}

/// The brand a look-alike host imitates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imitation {
    pub brand: String,
    pub official_domain: Option<String>,
}

/// The JSON of a verdict, the same from the API and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckAnswer {
    pub canonical: String,
    pub kind: IdentifierKind,
    pub display: String,
    pub verdict: VerdictLevel,
    pub score: u8,
    pub reasons: Vec<Reason>,
    pub counts: Counts,
    pub scam_types: Vec<ScamType>,
    #[serde(serialize_with = "rfc3339")]
    pub first_seen: Option<i64>,
    #[serde(serialize_with = "rfc3339")]
    pub last_seen: Option<i64>,
    pub related: Vec<RelatedContact>,
    pub appeal: AppealAnswer,
    /// For a link or a domain that imitates a protected brand.
    pub imitates: Option<Imitation>,
}

fn rfc3339<S: Serializer>(at: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match at.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()) {
        Some(timestamp) => serializer.serialize_str(&timestamp.to_string()),
        None => serializer.serialize_none(),
    }
}

fn level_vi(level: VerdictLevel) -> &'static str {
    match level {
        VerdictLevel::OfficialVerified => "chính thức",
        VerdictLevel::NoData => "chưa có dữ liệu",
        VerdictLevel::Reported => "bị báo cáo",
        VerdictLevel::Suspicious => "đáng ngờ",
        VerdictLevel::HighRisk => "rủi ro cao",
        VerdictLevel::ConfirmedScam => "đã xác nhận lừa đảo",
    }
}

fn level_en(level: VerdictLevel) -> &'static str {
    match level {
        VerdictLevel::OfficialVerified => "official",
        VerdictLevel::NoData => "unknown",
        VerdictLevel::Reported => "reported",
        VerdictLevel::Suspicious => "suspicious",
        VerdictLevel::HighRisk => "high risk",
        VerdictLevel::ConfirmedScam => "a confirmed scam",
    }
}

impl CheckAnswer {
    /// Takes a part's or a neighbour's level when it is worse (never `official_verified` from a part: an
    /// official domain makes a link official only through [`ReputationIndex::check`]'s own rule).
    fn raise(&mut self, level: VerdictLevel, score: u8, reason: Reason) {
        if level <= VerdictLevel::NoData {
            return;
        }
        if level > self.verdict && self.verdict != VerdictLevel::OfficialVerified {
            self.verdict = level;
            self.score = self.score.max(score);
        }
        self.reasons.push(reason);
    }
}

/// The look-ups [`ReputationIndex::check`] starts with for a contact: its own, and those of the parts it is judged
/// by (a link's host and registrable domain, a domain's registrable domain, the account a VietQR code pays, an
/// e-mail's domain). The contacts reported together with it and those a link's path carries are found later.
fn first_lookups<'a>(identifier: &'a Identifier, mut lookup: impl FnMut(&'a str)) {
    lookup(identifier.canonical_str());
    match identifier {
        Identifier::Url(url) => {
            lookup(url.host());
            if let Some(registrable) = url.registrable_domain()
                && registrable != url.host()
            {
                lookup(registrable);
            }
        }
        Identifier::Domain(domain) => {
            if let Some(registrable) = domain.registrable_domain()
                && registrable != domain.canonical()
            {
                lookup(registrable);
            }
        }
        Identifier::Vietqr(qr) => {
            if let Some(account) = qr.account() {
                lookup(account.canonical());
            }
        }
        Identifier::Email(email) => {
            if let Some(domain) = email.canonical().rsplit_once('@').map(|(_, domain)| domain)
                && !domain.is_empty()
            {
                lookup(domain);
            }
        }
        _ => {}
    }
}

impl ReputationIndex {
    /// [`ReputationIndex::check`] of many contacts, each answer given to `answer` with the contact's position, in
    /// order: the same answers, faster on a large index. A check waits for memory on each of its first look-ups (the
    /// table, the entry, the canonical form: three reads in a row, each a cache miss at millions of contacts). Here
    /// the first look-ups of [`LOOKUP_GROUP`] contacts are made together through `snapshot` first, stage by stage
    /// ([`IndexSnapshot::lookup_each`]), so that their reads overlap, and the checks that follow find what they read
    /// in the cache. `snapshot` only brings memory closer: a change published after it was taken is still seen.
    pub fn check_many(
        &self,
        snapshot: &IndexSnapshot,
        identifiers: &[Identifier],
        now: i64,
        mut answer: impl FnMut(usize, CheckAnswer),
    ) {
        let mut lookups: Vec<&str> = Vec::with_capacity(LOOKUP_GROUP * 3);
        for (group_number, group) in identifiers.chunks(LOOKUP_GROUP).enumerate() {
            lookups.clear();
            for identifier in group {
                first_lookups(identifier, |canonical| lookups.push(canonical));
            }
            snapshot.lookup_each::<LOOKUP_GROUP>(lookups.iter().copied(), |summary| {
                std::hint::black_box(summary);
            });
            for (offset, identifier) in group.iter().enumerate() {
                answer(group_number * LOOKUP_GROUP + offset, self.check(identifier, now));
            }
        }
    }

    /// Judges a parsed contact at `now` with everything the index knows.
    pub fn check(&self, identifier: &Identifier, now: i64) -> CheckAnswer {
        let canonical = identifier.canonical();
        let (signals, related_canonicals) = match self.record(&canonical) {
            Some(record) => (record.signals, record.related),
            None => (ContactSignals::default(), Vec::new()),
        };
        let verdict = judge(&signals, now);
        let mut answer = CheckAnswer {
            kind: identifier.kind(),
            display: identifier.display(),
            verdict: verdict.verdict,
            score: verdict.score,
            reasons: verdict.reasons,
            counts: verdict.counts,
            scam_types: verdict.scam_types,
            first_seen: verdict.first_seen,
            last_seen: verdict.last_seen,
            related: Vec::new(),
            appeal: verdict.appeal.into(),
            imitates: None,
            canonical,
        };

        for related in related_canonicals {
            let summary = self.lookup(&related);
            answer.related.push(RelatedContact {
                kind: summary.map(|s| s.kind),
                verdict: summary.map_or(VerdictLevel::NoData, |s| s.level),
                canonical: related,
            });
        }
        // An account, a phone or a wallet used together with a dangerous contact is suspect itself.
        if let Some(worst) =
            answer.related.iter().filter(|r| r.verdict != VerdictLevel::OfficialVerified).max_by_key(|r| r.verdict)
            && worst.verdict >= VerdictLevel::HighRisk
        {
            let (canonical, level) = (worst.canonical.clone(), worst.verdict);
            answer.raise(
                VerdictLevel::Suspicious,
                30,
                Reason {
                    code: "related_contact",
                    vi: format!("Được báo cáo cùng với {canonical} ({})", level_vi(level)),
                    en: format!("reported together with {canonical} ({})", level_en(level)),
                },
            );
        }

        for part in consulted_parts(identifier) {
            self.raise_from_part(&mut answer, &part.canonical, part.code, part.vi, part.en);
        }
        match identifier {
            Identifier::Url(url) => self.judge_host(&mut answer, url.host(), None),
            Identifier::Domain(domain) => self.judge_host(&mut answer, domain.canonical(), Some(domain)),
            _ => {}
        }
        answer
    }

    fn raise_from_part(&self, answer: &mut CheckAnswer, part: &str, code: &'static str, vi: &str, en: &str) {
        if let Some(Summary { level, score, .. }) = self.lookup(part)
            && level > VerdictLevel::NoData
            && level != VerdictLevel::OfficialVerified
        {
            answer.raise(
                level,
                score,
                Reason {
                    code,
                    vi: format!("{vi} {part}: {}", level_vi(level)),
                    en: format!("{en} {part} is {}", level_en(level)),
                },
            );
        }
    }

    /// A host under an official domain is official (unless the link itself is rated worse than `reported`);
    /// any other host is compared with the protected brands.
    /// `parsed` is `host` as a parsed domain when the caller has one (it spares parsing it again).
    fn judge_host(&self, answer: &mut CheckAnswer, host: &str, parsed: Option<&Domain>) {
        let trust = self.trust_directory();
        if let Some(official) = trust.official_domain(host) {
            if answer.verdict <= VerdictLevel::Reported {
                answer.verdict = VerdictLevel::OfficialVerified;
                answer.score = 0;
                if !answer.reasons.iter().any(|r| r.code == "official_contact") {
                    answer.reasons.insert(
                        0,
                        Reason {
                            code: "official_contact",
                            vi: format!(
                                "Tên miền chính thức của {} (nguồn: {})",
                                official.organisation, official.source
                            ),
                            en: format!(
                                "an official domain of {} (source: {})",
                                official.organisation, official.source
                            ),
                        },
                    );
                }
            }
            return;
        }
        let finding = match parsed {
            Some(domain) => judge_parsed_domain_in(domain, trust),
            None => judge_domain_in(host, trust),
        };
        let Some(finding) = finding else { return };
        let shown = finding.official_domain.clone().unwrap_or_else(|| finding.brand.clone());
        answer.raise(
            finding.level.verdict_level(),
            finding.score,
            Reason {
                code: "lookalike",
                vi: format!("Giả mạo {} (giống {shown})", finding.brand),
                en: format!("looks like {shown} ({})", finding.brand),
            },
        );
        answer.imitates = Some(Imitation { brand: finding.brand, official_domain: finding.official_domain });
    }
}

/// Another contact whose verdict a check consults, and how a bad verdict of it is named among the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultedPart {
    pub canonical: String,
    pub code: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

/// The contacts besides `identifier` itself (and those reported with it) whose verdicts its check consults, in
/// the order it consults them: a link's host and registrable domain and the contacts written into its path or
/// query, a domain's registrable domain, the account a VietQR code pays, an e-mail address's domain. A caller that
/// reads only what one check needs from the store (`canhgiac check` on a data directory) reads these.
pub fn consulted_parts(identifier: &Identifier) -> Vec<ConsultedPart> {
    let part = |canonical: String, code, vi, en| ConsultedPart { canonical, code, vi, en };
    let mut parts = Vec::new();
    match identifier {
        Identifier::Url(url) => {
            let host = url.host().to_string();
            let mut domains = vec![host.clone()];
            if let Some(registrable) = url.registrable_domain()
                && registrable != host
            {
                domains.push(registrable.to_string());
            }
            // Contacts written into the link's path or query (an account to pay, a phone to call); most links carry
            // none, and then the link's own canonical form is not made again.
            let found = extract(url.path_and_query());
            let own = if found.is_empty() { String::new() } else { identifier.canonical() };
            let mut carried: Vec<String> = Vec::new();
            for found in found {
                let canonical = found.identifier.canonical();
                if canonical != own && !domains.contains(&canonical) {
                    carried.push(canonical);
                }
            }
            parts.extend(domains.into_iter().map(|d| part(d, "domain_listed", "Tên miền", "its domain")));
            parts.extend(carried.into_iter().map(|c| part(c, "carried_contact", "Liên kết chứa", "the link carries")));
        }
        Identifier::Domain(domain) => {
            if let Some(registrable) = domain.registrable_domain()
                && registrable != domain.canonical()
            {
                parts.push(part(registrable.to_string(), "domain_listed", "Tên miền", "its domain"));
            }
        }
        Identifier::Vietqr(qr) => {
            if let Some(account) = qr.account() {
                parts.push(part(
                    account.canonical().to_string(),
                    "carried_contact",
                    "Mã QR chuyển tiền tới",
                    "the QR code pays",
                ));
            }
        }
        Identifier::Email(email) => {
            let domain = email.canonical().rsplit('@').next().unwrap_or_default().to_string();
            if !domain.is_empty() {
                parts.push(part(domain, "domain_listed", "Tên miền", "its domain"));
            }
        }
        _ => {}
    }
    parts
}
