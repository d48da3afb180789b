//! canhgiac's durable store: one [`Store`] trait, two implementations that pass one conformance suite.
//!
//! - [`SqliteStore`] (the default, embedded, `<data dir>/canhgiac.db`): WAL, a busy timeout, and a single
//!   writer thread that commits waiting writes together (group commit), so that every acknowledged write
//!   is on disk (`synchronous = FULL`) without paying one fsync per request. Readers use their own
//!   connections and never wait for the writer.
//! - [`PostgresStore`] (`--database postgres://...`): a connection pool; SQL limited to what
//!   PostgreSQL-compatible distributed engines (CockroachDB, YugabyteDB, Citus) also accept — see
//!   ARCHITECTURE.md.
//!
//! Both apply their numbered migrations at start-up ([`migrations`]). A write either commits whole or
//! leaves nothing: each operation runs in one transaction. Errors are [`canhgiac_core::Error`]s whose
//! messages never carry personal data.

mod decode;
pub mod migrations;
mod postgres;
pub mod records;
mod signals;
mod sql;
mod sqlite;

pub use postgres::PostgresStore;
pub use records::*;
pub use sqlite::{SqliteStore, backup_sqlite, restore_sqlite};

use canhgiac_core::report::ReportStatus;
use canhgiac_core::verdict::ContactRecord;
use canhgiac_core::{Error, ErrorCode};
use std::path::Path;
use std::sync::Arc;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The SQLite file inside the data directory.
pub const SQLITE_FILE_NAME: &str = "canhgiac.db";
/// The environment variable that chooses PostgreSQL (same as `--database`).
pub const DATABASE_URL_ENV: &str = "CANHGIAC_DATABASE_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `<data dir>/canhgiac.db`.
    Sqlite(std::path::PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// PostgreSQL when a URL is given, else SQLite in the data directory.
    pub fn choose(database_url: Option<&str>, data_dir: &Path) -> Result<Self> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreLocation::Postgres(url.to_string()))
            }
            Some(url) if url.starts_with("sqlite://") => {
                Ok(StoreLocation::Sqlite(url.trim_start_matches("sqlite://").into()))
            }
            Some(_) => Err(Error::new(
                ErrorCode::InvalidValue,
                "the database must be a postgres:// URL (or leave it out for the embedded SQLite store)",
            )
            .with_field("database")),
            None => Ok(StoreLocation::Sqlite(data_dir.join(SQLITE_FILE_NAME))),
        }
    }

    /// Says where the store is without secrets (a PostgreSQL URL's password is hidden).
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Sqlite(path) => format!("sqlite {}", path.display()),
            StoreLocation::Postgres(url) => format!("postgres {}", postgres::redact_url(url)),
        }
    }
}

/// Opens the store and applies pending migrations.
pub async fn open(location: &StoreLocation) -> Result<Arc<dyn Store>> {
    Ok(match location {
        StoreLocation::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        StoreLocation::Postgres(url) => Arc::new(PostgresStore::connect(url).await?),
    })
}

/// The durable store. Every method is one transaction.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    fn backend(&self) -> Backend;

    /// The highest migration applied.
    async fn schema_version(&self) -> Result<u32>;

    // ---- organisations, users, keys ----

    async fn create_organisation(&self, organisation: Organisation) -> Result<Organisation>;
    async fn organisations(&self) -> Result<Vec<Organisation>>;
    /// By id or by exact name.
    async fn organisation(&self, id_or_name: &str) -> Result<Option<Organisation>>;
    /// The organisation whose NAPAS BIN is `bin` (the oldest, if several share it).
    async fn organisation_by_bank_bin(&self, bin: &str) -> Result<Option<Organisation>>;
    async fn create_user(&self, user: User) -> Result<User>;
    async fn users(&self, organisation_id: &str) -> Result<Vec<User>>;
    async fn create_api_key(&self, key: ApiKeyRecord) -> Result<ApiKeyRecord>;
    async fn api_keys(&self, organisation_id: Option<&str>) -> Result<Vec<ApiKeyRecord>>;
    async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKeyWithOrganisation>>;
    /// Revokes a key (idempotent: revoking twice keeps the first time). Not found is an error.
    async fn revoke_api_key(&self, prefix: &str, at: i64) -> Result<ApiKeyRecord>;

    // ---- reports ----

    /// Stores a report, its contacts, transfers, evidence and first status, and the idempotency record,
    /// in one transaction. With an idempotency record whose key was seen before, stores nothing and says so.
    async fn submit_report(&self, report: NewReport, idempotency: Option<IdempotencyRecord>) -> Result<SubmitOutcome>;
    async fn report_by_tracking_code(&self, tracking_code: &str) -> Result<Option<ReportRecord>>;
    async fn report_by_id(&self, id: &str) -> Result<Option<ReportRecord>>;
    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportRecord>>;
    async fn count_reports(&self) -> Result<u64>;
    /// How many reports of each scam type were received in `[from, to)` (milliseconds), rejected and duplicate
    /// ones left out; the portal's "rising this month". Types with none are absent.
    async fn report_counts_by_scam_type(&self, from: i64, to: i64) -> Result<Vec<(String, u64)>>;
    /// Moves a report to `to` if its lifecycle allows it, recording who and why.
    async fn change_report_status(
        &self,
        report_id: &str,
        to: ReportStatus,
        actor: &str,
        reason: &str,
        at: i64,
    ) -> Result<ReportRecord>;
    /// Replaces the sealed personal data of reports (key rotation). Returns how many were updated.
    async fn reseal_reporter_data(&self, resealed: Vec<(String, Vec<u8>)>) -> Result<usize>;
    /// Every report id with its sealed personal data, for re-sealing.
    async fn sealed_reporter_data(&self) -> Result<Vec<(String, Vec<u8>)>>;

    // ---- partner listings ----

    /// Creates or updates (same organisation and contact) listings, all or none.
    async fn add_listings(&self, listings: Vec<NewListing>) -> Result<ListingOutcome>;
    async fn listings(&self, canonical: Option<&str>) -> Result<Vec<ListingRecord>>;

    // ---- imported feeds ----

    /// Stores feed entries, all or none. An entry whose (source, contact) is stored already, or came earlier in
    /// the same call, refreshes it (latest trust level, earliest first and latest last sighting, the scam type
    /// when the entry has one) and counts as a duplicate; any other creates a row.
    async fn add_feed_entries(&self, entries: Vec<NewFeedEntry>) -> Result<FeedImportOutcome>;
    /// The feed entries of one contact, by source.
    async fn feed_entries(&self, canonical: &str) -> Result<Vec<FeedEntryRecord>>;

    // ---- appeals ----

    /// Records a pending appeal. A contact has at most one pending appeal: a second is a conflict.
    async fn submit_appeal(&self, appeal: NewAppeal) -> Result<AppealRecord>;
    /// Upholds or rejects a pending appeal, recording who and why. Not found: `not_found`; already decided:
    /// `invalid_status_transition`.
    async fn decide_appeal(&self, id: &str, upheld: bool, actor: &str, reason: &str, at: i64) -> Result<AppealRecord>;
    /// Appeals, oldest first: of one contact, or all.
    async fn appeals(&self, canonical: Option<&str>) -> Result<Vec<AppealRecord>>;

    // ---- transfer screening ----

    /// Stores screening decisions and the freeze requests they raised, all or none. A decision whose
    /// (organisation, transfer id) is stored already, or came earlier in the same call, is left out with its
    /// freeze request and counted as already stored (the stored one stays: its body is the answer to replay).
    /// Checked before anything is written: an empty id, organisation or transfer id, an unknown decision or a
    /// malformed freeze request is `invalid_value` naming the field.
    async fn record_screen_decisions(&self, decisions: Arc<[NewScreenDecision]>) -> Result<ScreenDecisionsOutcome>;
    /// The decision about one organisation's transfer.
    async fn screen_decision(&self, organisation_id: &str, transfer_id: &str) -> Result<Option<ScreenDecisionRecord>>;
    /// The latest `limit` (at most [`MAX_SCREEN_ROWS`]) decisions about transfers to `payee`, newest first.
    async fn screen_decisions_of_payee(&self, payee: &str, limit: usize) -> Result<Vec<ScreenDecisionRecord>>;
    /// Up to `limit` (at most [`MAX_SCREEN_ROWS`]) decisions made at or after `since` (Unix ms), in id order
    /// strictly after `after` (`None`: from the first), with empty bodies: to page through recent decisions. The
    /// walk is in id order (the primary key): a caller whose ids are time-ordered (UUID v7) starts `after` at the
    /// first id of `since` so that older rows are not read.
    async fn screen_decisions_since(
        &self,
        since: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ScreenDecisionRecord>>;
    /// The latest `limit` (at most [`MAX_SCREEN_ROWS`]) freeze requests addressed to the bank whose BIN is
    /// `payee_bin`, newest first (by id among those of one millisecond).
    async fn freeze_requests(&self, payee_bin: &str, limit: usize) -> Result<Vec<FreezeRequestRecord>>;
    /// Records what became of a screened transfer. Refused with `not_found` when no decision about the
    /// organisation's transfer is stored, and with `invalid_value` (field `outcome`) for an unknown outcome.
    async fn record_screen_outcome(&self, outcome: ScreenOutcomeRecord) -> Result<ScreenOutcomeRecord>;
    /// The outcomes recorded for one organisation's transfer, oldest first.
    async fn screen_outcomes(&self, organisation_id: &str, transfer_id: &str) -> Result<Vec<ScreenOutcomeRecord>>;

    // ---- what the reputation index reads ----

    /// Everything known about each of `canonicals` that has any signal (a report, a listing, a feed entry or
    /// an appeal), in the order asked; contacts with none are left out. From one snapshot of the store.
    /// `official` is left `None`: the trust directory is the index's to add.
    async fn contact_signals(&self, canonicals: &[String]) -> Result<Vec<ContactRecord>>;
    /// The next `limit` contacts with any signal, in the database's order of canonical forms, strictly after
    /// `after` (`None`: from the first): to build the index in pages, passing the last canonical form of one
    /// page as `after` of the next. An empty page is the end.
    async fn contact_signals_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<ContactRecord>>;
}

/// Most contacts one [`Store::contact_signals_page`] call returns.
pub const MAX_PAGE: usize = 50_000;

/// Most rows one [`Store::screen_decisions_of_payee`] or [`Store::freeze_requests`] call returns.
pub const MAX_SCREEN_ROWS: usize = 1_000;

/// A six-digit NAPAS BIN.
fn is_bank_bin(text: &str) -> bool {
    text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Checks an organisation before it is written.
pub(crate) fn check_organisation(organisation: &Organisation) -> Result<()> {
    if organisation.bank_bin.as_deref().is_some_and(|bin| !is_bank_bin(bin)) {
        return Err(Error::new(ErrorCode::InvalidValue, "a bank BIN is six digits").with_field("bank_bin"));
    }
    Ok(())
}

fn required(value: &str, what: &str, field: &'static str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::new(ErrorCode::InvalidValue, format!("{what} is empty")).with_field(field));
    }
    Ok(())
}

/// Checks a report's amounts before it is written: above the platform's ceiling they would not fit the store's
/// BIGINT unchanged, and the store never writes a changed amount.
pub(crate) fn check_report_amounts(report: &NewReport) -> Result<()> {
    let too_large = |amount: u64| amount > canhgiac_core::report::MAX_AMOUNT_VND;
    if report.loss_vnd.is_some_and(too_large) {
        return Err(
            Error::new(ErrorCode::InvalidValue, "a loss is above the ceiling on amounts").with_field("loss_vnd")
        );
    }
    if let Some(position) = report.transfers.iter().position(|transfer| too_large(transfer.amount_vnd)) {
        return Err(Error::new(ErrorCode::InvalidValue, "an amount is above the ceiling on amounts")
            .with_field(format!("transfers[{position}].amount_vnd")));
    }
    Ok(())
}

/// Checks a batch of screening decisions before anything is written.
pub(crate) fn check_screen_decisions(decisions: &[NewScreenDecision]) -> Result<()> {
    for new in decisions {
        let d = &new.decision;
        required(&d.id, "a decision's id", "id")?;
        required(&d.organisation_id, "a decision's organisation id", "organisation_id")?;
        required(&d.transfer_id, "a decision's transfer id", "transfer_id")?;
        if !SCREEN_DECISIONS.contains(&d.decision.as_str()) {
            return Err(
                Error::new(ErrorCode::InvalidValue, "a decision is allow, warn, hold or block").with_field("decision")
            );
        }
        let Some(f) = &new.freeze_request else { continue };
        required(&f.id, "a freeze request's id", "id")?;
        if f.decision_id != d.id {
            return Err(Error::new(ErrorCode::InvalidValue, "a freeze request names the decision that raised it")
                .with_field("decision_id"));
        }
        required(&f.requesting_organisation_id, "a freeze request's organisation id", "requesting_organisation_id")?;
        required(&f.transfer_id, "a freeze request's transfer id", "transfer_id")?;
        required(&f.payee, "a freeze request's payee", "payee")?;
        required(&f.state, "a freeze request's state", "state")?;
        if !is_bank_bin(&f.payee_bin) {
            return Err(Error::new(ErrorCode::InvalidValue, "a payee's bank BIN is six digits").with_field("payee_bin"));
        }
    }
    Ok(())
}

/// Checks a screened transfer's outcome before it is written.
pub(crate) fn check_screen_outcome(outcome: &ScreenOutcomeRecord) -> Result<()> {
    required(&outcome.id, "an outcome's id", "id")?;
    if !SCREEN_OUTCOMES.contains(&outcome.outcome.as_str()) {
        return Err(Error::new(ErrorCode::InvalidValue, "an outcome is cancelled, proceeded or confirmed_fraud")
            .with_field("outcome"));
    }
    Ok(())
}

/// Checks a bulk feed import before anything is written.
pub(crate) fn check_feed_entries(entries: &[NewFeedEntry]) -> Result<()> {
    for entry in entries {
        if entry.source.trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidValue, "a feed entry needs a source").with_field("source"));
        }
        if entry.trust_level > 100 {
            return Err(Error::new(ErrorCode::InvalidValue, "a trust level is 0-100").with_field("trust"));
        }
        if entry.canonical.is_empty() {
            return Err(Error::new(ErrorCode::EmptyInput, "a feed entry needs a contact").with_field("canonical"));
        }
    }
    Ok(())
}

/// The error for deciding an appeal that is not pending.
pub(crate) fn appeal_already_decided(appeal: &AppealRecord) -> Error {
    Error::new(
        ErrorCode::InvalidStatusTransition,
        format!("the appeal is already {}: only a pending appeal can be decided", appeal.state),
    )
    .with_field("state")
}

/// The error for a second pending appeal of one contact.
pub(crate) fn appeal_pending_already() -> Error {
    Error::new(ErrorCode::Conflict, "this contact already has a pending appeal").with_field("canonical")
}

/// A screening decision whose id another transfer's decision already has: not a replay, and nothing of its batch
/// is stored.
pub(crate) fn screen_decision_id_taken() -> Error {
    Error::new(ErrorCode::Conflict, "store a screening decision: its id is taken by another transfer's decision")
        .with_field("id")
}

pub(crate) fn internal(context: &str, error: impl std::fmt::Display) -> Error {
    // The message names the operation and the driver's error, which never holds personal data:
    // values travel as bind parameters, never in SQL text.
    Error::new(ErrorCode::Internal, format!("store: {context}: {error}"))
}

pub(crate) fn not_found(what: &str) -> Error {
    Error::new(ErrorCode::NotFound, format!("no such {what}"))
}

pub(crate) fn conflict(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Conflict, message)
}
