//! Verdicts on a contact: from its signals (citizen reports, partner listings, police confirmations, imported
//! feeds, the trust directory, appeals) to a level, a score 0-100 and reasons in Vietnamese and English.
//!
//! Pure: the caller gathers the signals and gives the time. The rules every verdict keeps:
//! - one citizen report alone never makes a contact more than `reported`, however much was lost;
//! - a rejected report counts nothing, a verified one counts most; weights fade with age (half-life
//!   [`REPORT_HALF_LIFE_DAYS`] for reports, [`LISTING_HALF_LIFE_DAYS`] for listings and feeds); an expired listing
//!   counts nothing;
//! - a police confirmation makes it `confirmed_scam`;
//! - an official contact of the trust directory is `official_verified` whatever is reported about it (the reports
//!   are still counted and said, since a spoofed caller ID shows an official number);
//! - an upheld appeal sets aside every signal older than the decision.

use crate::access::OrganisationKind;
use crate::report::ReportStatus;
use crate::scam_type::ScamType;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

pub const REPORT_HALF_LIFE_DAYS: f64 = 180.0;
pub const LISTING_HALF_LIFE_DAYS: f64 = 365.0;
const DAY_MS: f64 = 86_400_000.0;
/// The window of "recent" reports said in the reasons.
const RECENT_DAYS: i64 = 30;

/// The verdict scale of DESIGN.md, lowest concern first after `official_verified`. Stable API values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictLevel {
    OfficialVerified,
    NoData,
    Reported,
    Suspicious,
    HighRisk,
    ConfirmedScam,
}

impl VerdictLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictLevel::OfficialVerified => "official_verified",
            VerdictLevel::NoData => "no_data",
            VerdictLevel::Reported => "reported",
            VerdictLevel::Suspicious => "suspicious",
            VerdictLevel::HighRisk => "high_risk",
            VerdictLevel::ConfirmedScam => "confirmed_scam",
        }
    }
}

/// Who made a report, for counting distinct reporters without knowing who they are: a pseudonymous
/// fingerprint of the reporter, or the report itself when it was anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReporterIdentity {
    Fingerprint(u64),
    Anonymous { report: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSignal {
    /// The report's resolution: its status, or for a closed report the status it was closed from.
    pub status: ReportStatus,
    /// Unix milliseconds.
    pub at: i64,
    pub reporter: ReporterIdentity,
    pub loss_vnd: u64,
    pub scam_type: ScamType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingSignal {
    pub organisation: String,
    pub organisation_kind: OrganisationKind,
    /// 0-100.
    pub trust_level: u8,
    pub listed_at: i64,
    pub expires_at: Option<i64>,
    pub scam_type: ScamType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSignal {
    pub source: String,
    /// 0-100.
    pub trust_level: u8,
    pub seen_at: i64,
    pub scam_type: Option<ScamType>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationSignal {
    pub organisation: String,
    pub at: i64,
    /// The scam the police confirmed.
    pub scam_type: ScamType,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AppealState {
    #[default]
    None,
    Pending {
        since: i64,
    },
    /// The appeal held: signals before `at` are set aside.
    Upheld {
        at: i64,
    },
    Rejected {
        at: i64,
    },
}

/// The official owner of a contact, from the trust directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialOwner {
    pub organisation: String,
    pub source: String,
}

/// Everything known about one contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSignals {
    pub reports: Vec<ReportSignal>,
    pub listings: Vec<ListingSignal>,
    pub feeds: Vec<FeedSignal>,
    pub confirmations: Vec<ConfirmationSignal>,
    pub official: Option<OfficialOwner>,
    pub appeal: AppealState,
}

/// One contact and everything known about it, as the store gives it to the reputation index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub kind: crate::identifier::IdentifierKind,
    pub canonical: String,
    pub signals: ContactSignals,
    /// Canonical forms of the contacts reported together with this one, most often first.
    pub related: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// A stable code: `official_contact`, `police_confirmed`, `partner_listed`, `feed_listed`,
    /// `independent_reporters`, `single_report`, `reported_losses`, `verified_reports`, `appeal_pending`,
    /// `appeal_upheld`.
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub reports: u32,
    pub distinct_reporters: u32,
    pub losses_vnd: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub verdict: VerdictLevel,
    pub score: u8,
    pub reasons: Vec<Reason>,
    pub counts: Counts,
    /// Scam types, most reported first.
    pub scam_types: Vec<ScamType>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub appeal: AppealState,
}

fn decay(at: i64, now: i64, half_life_days: f64) -> f64 {
    let age_days = ((now - at).max(0) as f64) / DAY_MS;
    0.5f64.powf(age_days / half_life_days)
}

fn report_weight(status: ReportStatus) -> f64 {
    match status {
        ReportStatus::Verified => 3.0,
        ReportStatus::Triaged => 1.3,
        ReportStatus::Received => 1.0,
        ReportStatus::Duplicate => 0.3,
        ReportStatus::Rejected | ReportStatus::Closed => 0.0,
    }
}

fn organisation_weight(kind: OrganisationKind) -> f64 {
    match kind {
        OrganisationKind::Police => 5.0,
        OrganisationKind::Government => 4.0,
        OrganisationKind::Bank | OrganisationKind::Ewallet | OrganisationKind::Telecom => 3.0,
        OrganisationKind::PlatformAdmin => 3.0,
        OrganisationKind::Communication => 1.5,
    }
}

fn kind_vi(kind: OrganisationKind) -> &'static str {
    match kind {
        OrganisationKind::Police => "cơ quan công an",
        OrganisationKind::Bank => "ngân hàng",
        OrganisationKind::Ewallet => "ví điện tử",
        OrganisationKind::Telecom => "nhà mạng",
        OrganisationKind::Government => "cơ quan nhà nước",
        OrganisationKind::Communication => "đơn vị truyền thông",
        OrganisationKind::PlatformAdmin => "quản trị nền tảng",
    }
}

fn kind_en(kind: OrganisationKind) -> &'static str {
    match kind {
        OrganisationKind::Police => "the police",
        OrganisationKind::Bank => "a bank",
        OrganisationKind::Ewallet => "an e-wallet",
        OrganisationKind::Telecom => "a telecom",
        OrganisationKind::Government => "a government agency",
        OrganisationKind::Communication => "a communication unit",
        OrganisationKind::PlatformAdmin => "the platform",
    }
}

/// A date in Vietnamese time, `2026-11-02` (the English reasons).
pub fn date_vn(at_ms: i64) -> String {
    let Ok(timestamp) = jiff::Timestamp::from_millisecond(at_ms) else { return "?".into() };
    let date = jiff::tz::Offset::constant(7).to_datetime(timestamp).date();
    match four_digit_year(date.year()) {
        // Written by hand: every explained check writes several dates, and the formatting machinery costs more
        // than the date itself.
        Some(year) => {
            let mut text = String::with_capacity(10);
            push_year(&mut text, year);
            text.push('-');
            push_two_digits(&mut text, date.month());
            text.push('-');
            push_two_digits(&mut text, date.day());
            text
        }
        None => date.to_string(),
    }
}

/// A date in Vietnamese time as Vietnamese readers write it, `02/11/2026` (the Vietnamese reasons).
pub fn date_vn_written(at_ms: i64) -> String {
    let Ok(timestamp) = jiff::Timestamp::from_millisecond(at_ms) else { return "?".into() };
    let date = jiff::tz::Offset::constant(7).to_datetime(timestamp).date();
    match four_digit_year(date.year()) {
        Some(year) => {
            let mut text = String::with_capacity(10);
            push_two_digits(&mut text, date.day());
            text.push('/');
            push_two_digits(&mut text, date.month());
            text.push('/');
            push_year(&mut text, year);
            text
        }
        None => format!("{:02}/{:02}/{}", date.day(), date.month(), date.year()),
    }
}

/// Years 1000-9999, which are written as four digits by hand (the others take the general formatting path).
fn four_digit_year(year: i16) -> Option<u16> {
    u16::try_from(year).ok().filter(|year| (1000..=9999).contains(year))
}

fn push_year(text: &mut String, year: u16) {
    for divisor in [1000, 100, 10, 1] {
        text.push(char::from(b'0' + (year / divisor % 10) as u8));
    }
}

fn push_two_digits(text: &mut String, value: i8) {
    let value = value.unsigned_abs();
    text.push(char::from(b'0' + value / 10 % 10));
    text.push(char::from(b'0' + value % 10));
}

/// `50.000.000` (Vietnamese thousands separator).
fn vnd(amount: u64) -> String {
    crate::text::group_thousands(amount, '.')
}

/// A verdict's level and score without its reasons: what the reputation index keeps for every contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub level: VerdictLevel,
    pub score: u8,
}

/// The level and score of [`judge`], computed without building reasons and, for a contact with at most
/// [`SMALL_REPORTER_COUNT`] reports, without allocating: the index assesses millions of contacts at start-up.
pub fn assess(signals: &ContactSignals, now: i64) -> Assessment {
    let set_aside_before = match signals.appeal {
        AppealState::Upheld { at } => at,
        _ => i64::MIN,
    };
    // Each reporter counts once (their heaviest report), so one person cannot report a contact up.
    let mut small: [(ReporterIdentity, f64); SMALL_REPORTER_COUNT] =
        [(ReporterIdentity::Anonymous { report: 0 }, 0.0); SMALL_REPORTER_COUNT];
    let mut large: Vec<(ReporterIdentity, f64)> = Vec::new();
    let mut reporters = 0usize;
    for report in signals.reports.iter().filter(|r| r.at >= set_aside_before) {
        let base = report_weight(report.status);
        if base <= 0.0 {
            continue;
        }
        let weight = base * decay(report.at, now, REPORT_HALF_LIFE_DAYS);
        let known = if reporters <= SMALL_REPORTER_COUNT {
            small[..reporters].iter_mut().find(|(who, _)| *who == report.reporter)
        } else {
            large.iter_mut().find(|(who, _)| *who == report.reporter)
        };
        match known {
            Some((_, heaviest)) => *heaviest = heaviest.max(weight),
            None if reporters < SMALL_REPORTER_COUNT => {
                small[reporters] = (report.reporter, weight);
                reporters += 1;
            }
            None => {
                if reporters == SMALL_REPORTER_COUNT {
                    large.extend_from_slice(&small);
                }
                large.push((report.reporter, weight));
                reporters += 1;
            }
        }
    }
    let report_weight_total: f64 = if reporters <= SMALL_REPORTER_COUNT {
        small[..reporters].iter().map(|(_, w)| w).sum()
    } else {
        large.iter().map(|(_, w)| w).sum()
    };
    let mut live_listings = 0usize;
    let mut trusted_listing = false;
    let mut listing_weight = 0.0;
    for listing in signals
        .listings
        .iter()
        .filter(|l| l.listed_at >= set_aside_before && l.expires_at.is_none_or(|expiry| expiry > now))
    {
        live_listings += 1;
        trusted_listing |= listing.trust_level >= 70 && listing.organisation_kind != OrganisationKind::Communication;
        listing_weight += organisation_weight(listing.organisation_kind) * f64::from(listing.trust_level.min(100))
            / 100.0
            * decay(listing.listed_at, now, LISTING_HALF_LIFE_DAYS);
    }
    let mut live_feeds = 0usize;
    let mut feed_weight = 0.0;
    for feed in signals.feeds.iter().filter(|f| f.seen_at >= set_aside_before) {
        live_feeds += 1;
        feed_weight +=
            2.0 * f64::from(feed.trust_level.min(100)) / 100.0 * decay(feed.seen_at, now, LISTING_HALF_LIFE_DAYS);
    }
    let confirmed = signals.confirmations.iter().any(|c| c.at >= set_aside_before);
    let total = report_weight_total + listing_weight + feed_weight;
    let score = (100.0 * (1.0 - (-total / 4.0).exp())).round().clamp(0.0, 100.0) as u8;

    if signals.official.is_some() {
        return Assessment { level: VerdictLevel::OfficialVerified, score: 0 };
    }
    if confirmed {
        return Assessment { level: VerdictLevel::ConfirmedScam, score: score.max(95) };
    }
    if total <= 0.0 {
        return Assessment { level: VerdictLevel::NoData, score: 0 };
    }
    let mut level = match score {
        0..=29 => VerdictLevel::Reported,
        30..=64 => VerdictLevel::Suspicious,
        _ => VerdictLevel::HighRisk,
    };
    let mut score = score;
    if trusted_listing {
        level = level.max(VerdictLevel::Suspicious);
    }
    // One citizen alone never makes a contact more than `reported`.
    if live_listings == 0 && live_feeds == 0 && reporters <= 1 {
        level = level.min(VerdictLevel::Reported);
        score = score.min(29);
    }
    Assessment { level, score }
}

/// Reporters counted on the stack by [`assess`] before it needs the heap.
pub const SMALL_REPORTER_COUNT: usize = 16;

/// Judges a contact from its signals at time `now` (Unix milliseconds).
pub fn judge(signals: &ContactSignals, now: i64) -> Verdict {
    let set_aside_before = match signals.appeal {
        AppealState::Upheld { at } => at,
        _ => i64::MIN,
    };
    let reports: Vec<&ReportSignal> = signals.reports.iter().filter(|r| r.at >= set_aside_before).collect();
    let listings: Vec<&ListingSignal> = signals
        .listings
        .iter()
        .filter(|l| l.listed_at >= set_aside_before && l.expires_at.is_none_or(|expiry| expiry > now))
        .collect();
    let feeds: Vec<&FeedSignal> = signals.feeds.iter().filter(|f| f.seen_at >= set_aside_before).collect();
    let confirmations: Vec<&ConfirmationSignal> =
        signals.confirmations.iter().filter(|c| c.at >= set_aside_before).collect();

    // Counts (rejected reports are not counted as reports of a scam).
    let counted: Vec<&&ReportSignal> = reports.iter().filter(|r| report_weight(r.status) > 0.0).collect();
    let distinct: HashSet<ReporterIdentity> = counted.iter().map(|r| r.reporter).collect();
    let recent_distinct: HashSet<ReporterIdentity> =
        counted.iter().filter(|r| now - r.at <= RECENT_DAYS * DAY_MS as i64).map(|r| r.reporter).collect();
    let counts = Counts {
        reports: counted.len() as u32,
        distinct_reporters: distinct.len() as u32,
        losses_vnd: counted.iter().map(|r| r.loss_vnd).fold(0u64, u64::saturating_add),
    };
    let mut type_counts: BTreeMap<ScamType, u32> = BTreeMap::new();
    for report in &counted {
        *type_counts.entry(report.scam_type).or_default() += 1;
    }
    for listing in &listings {
        *type_counts.entry(listing.scam_type).or_default() += 1;
    }
    for confirmation in &confirmations {
        *type_counts.entry(confirmation.scam_type).or_default() += 1;
    }
    for feed in &feeds {
        if let Some(scam_type) = feed.scam_type {
            *type_counts.entry(scam_type).or_default() += 1;
        }
    }
    let mut scam_types: Vec<(ScamType, u32)> = type_counts.into_iter().collect();
    scam_types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let times = counted
        .iter()
        .map(|r| r.at)
        .chain(listings.iter().map(|l| l.listed_at))
        .chain(feeds.iter().map(|f| f.seen_at))
        .chain(confirmations.iter().map(|c| c.at));
    let (first_seen, last_seen) = times.fold((None, None), |(first, last): (Option<i64>, Option<i64>), at| {
        (Some(first.map_or(at, |f| f.min(at))), Some(last.map_or(at, |l| l.max(at))))
    });

    let Assessment { level, score } = assess(signals, now);
    let mut reasons = Vec::new();
    if let Some(official) = &signals.official {
        reasons.push(Reason {
            code: "official_contact",
            vi: ["Liên hệ chính thức của ", &official.organisation, " (nguồn: ", &official.source, ")"].concat(),
            en: ["an official contact of ", &official.organisation, " (source: ", &official.source, ")"].concat(),
        });
    } else if let Some(confirmation) = confirmations.iter().max_by_key(|c| c.at) {
        reasons.push(Reason {
            code: "police_confirmed",
            vi: [&confirmation.organisation, " xác nhận lừa đảo ngày ", &date_vn_written(confirmation.at)].concat(),
            en: [&confirmation.organisation, " confirmed it a scam on ", &date_vn(confirmation.at)].concat(),
        });
    }

    for listing in listings.iter().rev().take(3) {
        reasons.push(Reason {
            code: "partner_listed",
            vi: [
                &listing.organisation,
                " (",
                kind_vi(listing.organisation_kind),
                ") đưa vào danh sách ngày ",
                &date_vn_written(listing.listed_at),
            ]
            .concat(),
            en: [
                &listing.organisation,
                " (",
                kind_en(listing.organisation_kind),
                ") listed it on ",
                &date_vn(listing.listed_at),
            ]
            .concat(),
        });
    }
    for feed in feeds.iter().take(3) {
        reasons.push(Reason {
            code: "feed_listed",
            // Joined rather than formatted: nine contacts in ten carry only this reason.
            vi: ["Có trong nguồn cảnh báo ", &feed.source, " từ ngày ", &date_vn_written(feed.seen_at)].concat(),
            en: ["in the ", &feed.source, " feed since ", &date_vn(feed.seen_at)].concat(),
        });
    }
    if distinct.len() > 1 {
        let (vi, en) = if recent_distinct.len() > 1 {
            (
                format!("{} người báo cáo độc lập trong {RECENT_DAYS} ngày", recent_distinct.len()),
                format!("{} independent reporters in the last {RECENT_DAYS} days", recent_distinct.len()),
            )
        } else {
            (format!("{} người báo cáo độc lập", distinct.len()), format!("{} independent reporters", distinct.len()))
        };
        reasons.push(Reason { code: "independent_reporters", vi, en });
    } else if distinct.len() == 1 {
        reasons.push(Reason {
            code: "single_report",
            vi: "Có 1 người báo cáo; chưa đủ để kết luận".into(),
            en: "reported by one person; not enough to conclude".into(),
        });
    }
    let verified = counted.iter().filter(|r| r.status == ReportStatus::Verified).count();
    if verified > 0 {
        reasons.push(Reason {
            code: "verified_reports",
            vi: format!("{verified} báo cáo đã được xác minh"),
            en: format!("{verified} verified report{}", if verified == 1 { "" } else { "s" }),
        });
    }
    if counts.losses_vnd > 0 {
        reasons.push(Reason {
            code: "reported_losses",
            vi: format!("Tổng thiệt hại được báo cáo: {} ₫", vnd(counts.losses_vnd)),
            en: format!("reported losses: {} VND", vnd(counts.losses_vnd)),
        });
    }
    match signals.appeal {
        AppealState::Pending { since } => reasons.push(Reason {
            code: "appeal_pending",
            vi: format!("Đang xem xét khiếu nại từ ngày {}", date_vn_written(since)),
            en: format!("an appeal is under review since {}", date_vn(since)),
        }),
        AppealState::Upheld { at } => reasons.push(Reason {
            code: "appeal_upheld",
            vi: format!(
                "Khiếu nại được chấp nhận ngày {}; thông tin trước đó không còn được tính",
                date_vn_written(at)
            ),
            en: format!("an appeal was upheld on {}; earlier signals no longer count", date_vn(at)),
        }),
        AppealState::None | AppealState::Rejected { .. } => {}
    }

    Verdict {
        verdict: level,
        score,
        reasons,
        counts,
        scam_types: scam_types.into_iter().map(|(t, _)| t).collect(),
        first_seen,
        last_seen,
        appeal: signals.appeal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn dates_are_written_in_vietnam_time_by_hand_and_by_the_general_path() {
        // 2026-11-01 17:30 UTC is 2 November in Vietnam (UTC+7).
        let at = jiff::Timestamp::from_second(1_793_554_200).unwrap().as_millisecond();
        assert_eq!((date_vn(at), date_vn_written(at)), ("2026-11-02".to_string(), "02/11/2026".to_string()));
        for at in [0, NOW, -62_135_596_800_000 + 40 * 365 * DAY, 253_402_000_000_000] {
            let date = jiff::tz::Offset::constant(7).to_datetime(jiff::Timestamp::from_millisecond(at).unwrap()).date();
            assert_eq!(date_vn(at), date.to_string(), "{at}");
            assert_eq!(date_vn_written(at), format!("{:02}/{:02}/{}", date.day(), date.month(), date.year()), "{at}");
        }
        assert_eq!(date_vn(i64::MAX), "?");
    }

    fn report(reporter: u64, status: ReportStatus, days_ago: i64, loss: u64) -> ReportSignal {
        ReportSignal {
            status,
            at: NOW - days_ago * DAY,
            reporter: ReporterIdentity::Fingerprint(reporter),
            loss_vnd: loss,
            scam_type: ScamType::ImpersonationBank,
        }
    }

    fn listing(kind: OrganisationKind, trust: u8, days_ago: i64, expires_in_days: Option<i64>) -> ListingSignal {
        ListingSignal {
            organisation: "Vietcombank".into(),
            organisation_kind: kind,
            trust_level: trust,
            listed_at: NOW - days_ago * DAY,
            expires_at: expires_in_days.map(|d| NOW + d * DAY),
            scam_type: ScamType::TaskScam,
        }
    }

    #[test]
    fn many_reporters_are_counted_once_each_past_the_stack_buffer() {
        let mut signals = ContactSignals::default();
        for reporter in 0..40u64 {
            // Each reporter twice: the heavier report counts, once.
            signals.reports.push(report(reporter, ReportStatus::Received, 5, 0));
            signals.reports.push(report(reporter, ReportStatus::Verified, 5, 0));
        }
        let verdict = judge(&signals, NOW);
        assert_eq!(verdict.counts.distinct_reporters, 40);
        assert_eq!(verdict.verdict, VerdictLevel::HighRisk);
        let one_reporter = ContactSignals {
            reports: (0..40).map(|_| report(7, ReportStatus::Verified, 1, 1_000_000)).collect(),
            ..ContactSignals::default()
        };
        assert_eq!(assess(&one_reporter, NOW), Assessment { level: VerdictLevel::Reported, score: 29 });
    }

    #[test]
    fn nothing_known_is_no_data() {
        let verdict = judge(&ContactSignals::default(), NOW);
        assert_eq!(verdict.verdict, VerdictLevel::NoData);
        assert_eq!(verdict.score, 0);
        assert!(verdict.reasons.is_empty());
    }

    #[test]
    fn one_citizen_alone_is_only_reported_however_many_times_and_however_much_lost() {
        let signals = ContactSignals {
            reports: (0..20).map(|d| report(7, ReportStatus::Verified, d, 900_000_000)).collect(),
            ..Default::default()
        };
        let verdict = judge(&signals, NOW);
        assert_eq!(verdict.verdict, VerdictLevel::Reported);
        assert!(verdict.score < 30);
        assert_eq!(verdict.counts.distinct_reporters, 1);
        assert_eq!(verdict.counts.reports, 20);
        assert!(verdict.reasons.iter().any(|r| r.code == "single_report"));
    }

    #[test]
    fn independent_reporters_raise_the_level_and_are_said() {
        let signals = ContactSignals {
            reports: (0..12).map(|n| report(n, ReportStatus::Received, n as i64, 5_000_000)).collect(),
            ..Default::default()
        };
        let verdict = judge(&signals, NOW);
        assert_eq!(verdict.verdict, VerdictLevel::HighRisk, "{verdict:?}");
        let reason = verdict.reasons.iter().find(|r| r.code == "independent_reporters").unwrap();
        assert_eq!(reason.vi, "12 người báo cáo độc lập trong 30 ngày");
        assert_eq!(reason.en, "12 independent reporters in the last 30 days");
        assert!(verdict.reasons.iter().any(|r| r.vi == "Tổng thiệt hại được báo cáo: 60.000.000 ₫"));
        let two = ContactSignals {
            reports: vec![report(1, ReportStatus::Received, 1, 0), report(2, ReportStatus::Received, 2, 0)],
            ..Default::default()
        };
        assert_eq!(judge(&two, NOW).verdict, VerdictLevel::Suspicious);
    }

    #[test]
    fn rejected_reports_count_nothing_and_verified_ones_count_most() {
        let rejected = ContactSignals {
            reports: (0..5).map(|n| report(n, ReportStatus::Rejected, 1, 0)).collect(),
            ..Default::default()
        };
        assert_eq!(judge(&rejected, NOW).verdict, VerdictLevel::NoData);
        let received = ContactSignals {
            reports: (0..2).map(|n| report(n, ReportStatus::Received, 1, 0)).collect(),
            ..Default::default()
        };
        let verified = ContactSignals {
            reports: (0..2).map(|n| report(n, ReportStatus::Verified, 1, 0)).collect(),
            ..Default::default()
        };
        assert!(judge(&verified, NOW).score > judge(&received, NOW).score);
    }

    #[test]
    fn weights_fade_with_age() {
        let fresh = ContactSignals {
            reports: (0..3).map(|n| report(n, ReportStatus::Received, 1, 0)).collect(),
            ..Default::default()
        };
        let old = ContactSignals {
            reports: (0..3).map(|n| report(n, ReportStatus::Received, 720, 0)).collect(),
            ..Default::default()
        };
        assert!(judge(&old, NOW).score < judge(&fresh, NOW).score / 2);
    }

    #[test]
    fn a_trusted_bank_listing_is_suspicious_at_least_and_expires() {
        let listed =
            ContactSignals { listings: vec![listing(OrganisationKind::Bank, 80, 21, None)], ..Default::default() };
        let verdict = judge(&listed, NOW);
        assert!(verdict.verdict >= VerdictLevel::Suspicious, "{verdict:?}");
        let reason = verdict.reasons.iter().find(|r| r.code == "partner_listed").unwrap();
        assert!(reason.en.starts_with("Vietcombank (a bank) listed it on "), "{}", reason.en);
        let expired =
            ContactSignals { listings: vec![listing(OrganisationKind::Bank, 80, 21, Some(-1))], ..Default::default() };
        assert_eq!(judge(&expired, NOW).verdict, VerdictLevel::NoData);
    }

    #[test]
    fn police_confirmation_is_confirmed_scam_and_official_contacts_stay_official() {
        let confirmed = ContactSignals {
            reports: vec![report(1, ReportStatus::Received, 3, 0)],
            confirmations: vec![ConfirmationSignal {
                organisation: "Công an TP Hà Nội".into(),
                at: NOW - DAY,
                scam_type: ScamType::ImpersonationAuthority,
            }],
            ..Default::default()
        };
        let verdict = judge(&confirmed, NOW);
        assert_eq!(verdict.verdict, VerdictLevel::ConfirmedScam);
        assert!(verdict.score >= 95);
        let official = ContactSignals {
            reports: (0..9).map(|n| report(n, ReportStatus::Received, 1, 0)).collect(),
            official: Some(OfficialOwner {
                organisation: "Vietcombank".into(),
                source: "https://vietcombank.com.vn".into(),
            }),
            ..Default::default()
        };
        let verdict = judge(&official, NOW);
        assert_eq!(verdict.verdict, VerdictLevel::OfficialVerified);
        assert_eq!(verdict.counts.reports, 9, "reports about a spoofed official number are still said");
    }

    #[test]
    fn an_upheld_appeal_sets_earlier_signals_aside() {
        let signals = ContactSignals {
            reports: (0..6).map(|n| report(n, ReportStatus::Received, 10, 0)).collect(),
            listings: vec![listing(OrganisationKind::Bank, 90, 10, None)],
            appeal: AppealState::Upheld { at: NOW - 2 * DAY },
            ..Default::default()
        };
        let verdict = judge(&signals, NOW);
        assert_eq!(verdict.verdict, VerdictLevel::NoData);
        assert!(verdict.reasons.iter().any(|r| r.code == "appeal_upheld"));
        let pending = ContactSignals { appeal: AppealState::Pending { since: NOW - DAY }, ..signals };
        let verdict = judge(&pending, NOW);
        assert!(verdict.verdict >= VerdictLevel::Suspicious);
        assert!(verdict.reasons.iter().any(|r| r.code == "appeal_pending"));
    }

    #[test]
    fn first_and_last_seen_and_scam_types() {
        let signals = ContactSignals {
            reports: vec![report(1, ReportStatus::Received, 10, 0), report(2, ReportStatus::Received, 2, 0)],
            listings: vec![listing(OrganisationKind::Bank, 80, 5, None)],
            ..Default::default()
        };
        let verdict = judge(&signals, NOW);
        assert_eq!(verdict.first_seen, Some(NOW - 10 * DAY));
        assert_eq!(verdict.last_seen, Some(NOW - 2 * DAY));
        assert_eq!(verdict.scam_types, vec![ScamType::ImpersonationBank, ScamType::TaskScam]);
        assert_eq!(vnd(1_234_567), "1.234.567");
        assert_eq!(date_vn(0), "1970-01-01");
        assert_eq!(date_vn_written(0), "01/01/1970");
    }
}
