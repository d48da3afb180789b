//! What the store keeps: plain records, one per table or closely related group of tables.
//!
//! Times are Unix milliseconds (`i64`) on both backends: one representation, no time-zone surprises,
//! and the same SQL on SQLite and PostgreSQL. Reporters' personal data arrives already sealed
//! ([`NewReport::reporter_sealed`]): the store never sees it in clear.

use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::{Channel, Consent, ReportContact, ReportStatus, ReporterRole, Transfer};
use canhgiac_core::scam_type::ScamType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    /// 0-100: how much the reputation index trusts this organisation's listings.
    pub trust_level: u8,
    pub created_at: i64,
    /// The six-digit NAPAS BIN of a bank or e-wallet organisation (e.g. `970436`), to which freeze requests
    /// about its accounts are addressed; `None` for the others.
    pub bank_bin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub organisation_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: i64,
}

/// An API key as stored: its prefix and hash, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub organisation_id: String,
    pub prefix: String,
    pub key_hash: Vec<u8>,
    pub role: Role,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// An API key with its organisation, as authentication needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyWithOrganisation {
    pub key: ApiKeyRecord,
    pub organisation: Organisation,
}

/// A file attached to a report; the bytes live in the evidence store, named by their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: u64,
}

/// A report to insert. Built by the intake service from a validated report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub id: String,
    pub tracking_code: String,
    pub secret_hash: Vec<u8>,
    pub channel: Channel,
    pub submitted_by_organisation: Option<String>,
    /// An API key prefix or user name: who submitted, safe to show analysts.
    pub submitted_by: Option<String>,
    pub reporter_role: Option<ReporterRole>,
    /// The reporter's personal data, sealed with the keyring and bound to the report id.
    pub reporter_sealed: Option<Vec<u8>>,
    /// A pseudonymous fingerprint of the reporter (16 lowercase hex digits), the same for every report of
    /// one reporter, so that the reputation index counts distinct reporters without knowing who they are.
    /// `None` for an anonymous report.
    pub reporter_fingerprint: Option<String>,
    pub scam_type: ScamType,
    pub narrative: String,
    pub occurred_at: Option<i64>,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub loss_vnd: Option<u64>,
    pub consent: Consent,
    pub transfers: Vec<Transfer>,
    pub contacts: Vec<ReportContact>,
    pub evidence: Vec<EvidenceRecord>,
    pub created_at: i64,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: String,
    pub tracking_code: String,
    pub secret_hash: Vec<u8>,
    pub channel: Channel,
    pub submitted_by_organisation: Option<String>,
    pub submitted_by: Option<String>,
    pub reporter_role: Option<ReporterRole>,
    pub reporter_sealed: Option<Vec<u8>>,
    pub reporter_fingerprint: Option<String>,
    pub scam_type: ScamType,
    pub narrative: String,
    pub occurred_at: Option<i64>,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub loss_vnd: Option<u64>,
    pub consent: Consent,
    pub transfers: Vec<Transfer>,
    pub contacts: Vec<StoredContact>,
    pub evidence: Vec<EvidenceRecord>,
    pub status: ReportStatus,
    pub history: Vec<StatusChange>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A contact as read back (its kind kept as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    pub kind: IdentifierKind,
    pub canonical: String,
    pub source: canhgiac_core::report::ContactSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from: Option<ReportStatus>,
    pub to: ReportStatus,
    /// Who made the change: `system`, an API key prefix or a user name.
    pub actor: String,
    pub reason: String,
    pub at: i64,
}

/// An `Idempotency-Key` and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Whose key space: `public`, or an organisation id. Two callers never share one.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the request, to refuse the same key with a different request.
    pub request_hash: Vec<u8>,
    pub report_id: String,
    /// The first answer, sealed (it carries the report's secret).
    pub response_sealed: Vec<u8>,
    pub created_at: i64,
}

/// What [`crate::Store::submit_report`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The report was stored (and committed).
    Created,
    /// The idempotency key was seen before with the same request: here is the first answer.
    Replayed(IdempotencyRecord),
    /// The idempotency key was seen before with a different request.
    KeyReused,
}

/// A contact listed by a partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewListing {
    pub id: String,
    pub organisation_id: String,
    pub kind: IdentifierKind,
    pub canonical: String,
    pub scam_type: ScamType,
    pub reason: String,
    pub listed_at: i64,
    pub expires_at: Option<i64>,
    pub listed_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRecord {
    pub id: String,
    pub organisation_id: String,
    pub kind: IdentifierKind,
    pub canonical: String,
    pub scam_type: ScamType,
    pub reason: String,
    pub listed_at: i64,
    pub expires_at: Option<i64>,
    pub listed_by: String,
}

/// How many listings a bulk call created and how many updated an earlier listing of the same contact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingOutcome {
    pub created: usize,
    pub updated: usize,
}

/// A page of reports for analysts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportFilter {
    pub status: Option<ReportStatus>,
    pub contact: Option<String>,
    /// Only reports created before this instant (for paging) ...
    pub before: Option<i64>,
    /// ... or at that instant with a smaller id: `(before, before_id)` is the last report of the previous page,
    /// so that reports sharing a millisecond are never skipped.
    pub before_id: Option<String>,
    pub limit: usize,
}

/// A contact seen in an imported feed (a phishing list, a partner's export), as `canhgiac import` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedEntry {
    /// The feed's name (`chongluadao`, `openphish`, ...): one row per feed and contact.
    pub source: String,
    /// 0-100: how much the reputation index trusts this feed.
    pub trust_level: u8,
    pub kind: IdentifierKind,
    pub canonical: String,
    pub scam_type: Option<ScamType>,
    /// When the feed saw it (Unix milliseconds).
    pub seen_at: i64,
}

/// A stored feed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntryRecord {
    pub source: String,
    pub trust_level: u8,
    pub kind: IdentifierKind,
    pub canonical: String,
    pub scam_type: Option<ScamType>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// What [`crate::Store::add_feed_entries`] did: `created` new (feed, contact) rows; `duplicates` entries whose
/// (feed, contact) was already stored, or came earlier in the same call, and only refreshed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedImportOutcome {
    pub created: usize,
    pub duplicates: usize,
}

/// Where an appeal stands. Stable values: `pending`, `upheld`, `rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppealStatus {
    Pending,
    Upheld,
    Rejected,
}

impl AppealStatus {
    pub const ALL: &'static [AppealStatus] = &[AppealStatus::Pending, AppealStatus::Upheld, AppealStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            AppealStatus::Pending => "pending",
            AppealStatus::Upheld => "upheld",
            AppealStatus::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for AppealStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AppealStatus {
    type Err = canhgiac_core::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AppealStatus::ALL.iter().copied().find(|s| s.as_str() == text.trim()).ok_or_else(|| {
            canhgiac_core::Error::new(
                canhgiac_core::ErrorCode::InvalidValue,
                "unknown appeal state: expected pending, upheld or rejected",
            )
            .with_field("state")
        })
    }
}

/// An appeal by someone whose contact is listed or reported by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppeal {
    pub id: String,
    pub kind: IdentifierKind,
    pub canonical: String,
    /// Why the contact should be delisted (free text from the appellant).
    pub reason: String,
    pub submitted_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealRecord {
    pub id: String,
    pub kind: IdentifierKind,
    pub canonical: String,
    pub reason: String,
    pub state: AppealStatus,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    /// Who decided: an API key prefix or a user name.
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
}

/// The answers a screening decision may give, least to most severe.
pub const SCREEN_DECISIONS: &[&str] = &["allow", "warn", "hold", "block"];
/// What the asking bank says became of a screened transfer.
pub const SCREEN_OUTCOMES: &[&str] = &["cancelled", "proceeded", "confirmed_fraud"];
/// The state a freeze request is created in.
pub const FREEZE_REQUEST_OPEN: &str = "open";

/// One screened transfer and the answer given, kept for idempotent replays and audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenDecisionRecord {
    /// The decision's id (UUID v7, made by the caller).
    pub id: String,
    /// The bank that asked.
    pub organisation_id: String,
    /// The asking bank's own id of the transfer: one decision per organisation and transfer id.
    pub transfer_id: String,
    pub transfer_at: i64,
    pub decided_at: i64,
    /// VND.
    pub amount: i64,
    /// Canonical `bank:<BIN>:<account>`.
    pub payer: String,
    /// Canonical `bank:<BIN>:<account>`.
    pub payee: String,
    /// One of [`SCREEN_DECISIONS`].
    pub decision: String,
    pub level: u8,
    pub score: u8,
    pub rules_version: String,
    /// The whole answer as JSON, returned verbatim when the same transfer is asked about again.
    pub body: String,
}

/// A request to the payee's bank (by its BIN) to freeze the payee's account, raised by a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeRequestRecord {
    pub id: String,
    /// The decision that raised it ([`ScreenDecisionRecord::id`]).
    pub decision_id: String,
    pub requesting_organisation_id: String,
    pub transfer_id: String,
    /// The six-digit NAPAS BIN of the payee's bank: whom the request is addressed to.
    pub payee_bin: String,
    /// Canonical `bank:<BIN>:<account>`.
    pub payee: String,
    /// VND.
    pub amount: i64,
    /// Reason codes joined by `|`.
    pub reason: String,
    /// [`FREEZE_REQUEST_OPEN`] when created.
    pub state: String,
    pub created_at: i64,
}

/// A decision to store, with the freeze request it raised, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScreenDecision {
    pub decision: ScreenDecisionRecord,
    pub freeze_request: Option<FreezeRequestRecord>,
}

/// What became of a screened transfer, as the asking bank tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenOutcomeRecord {
    pub id: String,
    pub organisation_id: String,
    pub transfer_id: String,
    /// One of [`SCREEN_OUTCOMES`].
    pub outcome: String,
    pub note: Option<String>,
    pub at: i64,
}

/// What [`crate::Store::record_screen_decisions`] did: `stored` new decisions; `already_stored` decisions whose
/// (organisation, transfer id) was stored before, or came earlier in the same call, and were left out with
/// their freeze requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenDecisionsOutcome {
    pub stored: usize,
    pub already_stored: usize,
}
