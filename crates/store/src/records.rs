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
