//! Rows to records, written once for both backends over [`RowValues`].

use crate::records::*;
use crate::signals::{SignalAppealRow, SignalFeedRow, SignalListingRow, SignalReportRow};
use crate::{Result, internal};
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::{Consent, ContactSource, ReportStatus, Transfer};
use canhgiac_core::scam_type::ScamType;
use std::str::FromStr;

/// Typed column access that both `rusqlite::Row` and `tokio_postgres::Row` provide.
pub trait RowValues {
    fn text(&self, index: usize) -> Result<String>;
    fn optional_text(&self, index: usize) -> Result<Option<String>>;
    fn integer(&self, index: usize) -> Result<i64>;
    fn optional_integer(&self, index: usize) -> Result<Option<i64>>;
    fn bytes(&self, index: usize) -> Result<Vec<u8>>;
    fn optional_bytes(&self, index: usize) -> Result<Option<Vec<u8>>>;
    fn boolean(&self, index: usize) -> Result<bool>;
}

fn parsed<T: FromStr>(text: String, what: &str) -> Result<T> {
    text.parse().map_err(|_| internal("decode", format!("unknown {what} '{text}' in the database")))
}

fn non_negative(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| internal("decode", format!("negative {what} in the database")))
}

pub fn organisation(row: &impl RowValues, at: usize) -> Result<Organisation> {
    Ok(Organisation {
        id: row.text(at)?,
        name: row.text(at + 1)?,
        kind: parsed(row.text(at + 2)?, "organisation kind")?,
        trust_level: row.integer(at + 3)?.clamp(0, 100) as u8,
        created_at: row.integer(at + 4)?,
        bank_bin: row.optional_text(at + 5)?,
    })
}

pub fn user(row: &impl RowValues) -> Result<User> {
    Ok(User {
        id: row.text(0)?,
        organisation_id: row.text(1)?,
        username: row.text(2)?,
        display_name: row.text(3)?,
        role: parsed(row.text(4)?, "role")?,
        created_at: row.integer(5)?,
    })
}

pub fn api_key(row: &impl RowValues) -> Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: row.text(0)?,
        organisation_id: row.text(1)?,
        prefix: row.text(2)?,
        key_hash: row.bytes(3)?,
        role: parsed(row.text(4)?, "role")?,
        label: row.text(5)?,
        created_at: row.integer(6)?,
        revoked_at: row.optional_integer(7)?,
    })
}

pub fn idempotency(row: &impl RowValues) -> Result<IdempotencyRecord> {
    Ok(IdempotencyRecord {
        scope: row.text(0)?,
        key: row.text(1)?,
        request_hash: row.bytes(2)?,
        report_id: row.text(3)?,
        response_sealed: row.bytes(4)?,
        created_at: row.integer(5)?,
    })
}

/// The `reports` row; contacts, transfers, evidence and history are filled in by the caller.
pub fn report(row: &impl RowValues) -> Result<ReportRecord> {
    Ok(ReportRecord {
        id: row.text(0)?,
        tracking_code: row.text(1)?,
        secret_hash: row.bytes(2)?,
        channel: parsed(row.text(3)?, "channel")?,
        submitted_by_organisation: row.optional_text(4)?,
        submitted_by: row.optional_text(5)?,
        reporter_role: row.optional_text(6)?.map(|r| parsed(r, "reporter role")).transpose()?,
        reporter_sealed: row.optional_bytes(7)?,
        reporter_fingerprint: row.optional_text(19)?,
        scam_type: scam_type(row.text(8)?)?,
        narrative: row.text(9)?,
        occurred_at: row.optional_integer(10)?,
        province: row.optional_text(11)?,
        commune: row.optional_text(12)?,
        loss_vnd: row.optional_integer(13)?.map(|v| non_negative(v, "loss")).transpose()?,
        consent: Consent { share_with_authorities: row.boolean(14)?, contact_me: row.boolean(15)? },
        status: parsed(row.text(16)?, "status")?,
        created_at: row.integer(17)?,
        updated_at: row.integer(18)?,
        transfers: Vec::new(),
        contacts: Vec::new(),
        evidence: Vec::new(),
        history: Vec::new(),
    })
}

fn scam_type(text: String) -> Result<ScamType> {
    ScamType::parse(&text).map_err(|_| internal("decode", format!("unknown scam type '{text}' in the database")))
}

pub fn contact(row: &impl RowValues) -> Result<StoredContact> {
    Ok(StoredContact {
        kind: parsed::<IdentifierKind>(row.text(0)?, "contact kind")?,
        canonical: row.text(1)?,
        source: parsed::<ContactSource>(row.text(2)?, "contact source")?,
    })
}

pub fn transfer(row: &impl RowValues) -> Result<Transfer> {
    Ok(Transfer {
        to_account: row.text(0)?,
        amount_vnd: non_negative(row.integer(1)?, "amount")?,
        at: row.optional_integer(2)?,
    })
}

pub fn evidence(row: &impl RowValues) -> Result<EvidenceRecord> {
    Ok(EvidenceRecord {
        sha256: row.text(0)?,
        media_type: row.text(1)?,
        size_bytes: non_negative(row.integer(2)?, "size")?,
    })
}

pub fn status_change(row: &impl RowValues) -> Result<StatusChange> {
    Ok(StatusChange {
        from: row.optional_text(0)?.map(|s| parsed::<ReportStatus>(s, "status")).transpose()?,
        to: parsed(row.text(1)?, "status")?,
        actor: row.text(2)?,
        reason: row.text(3)?,
        at: row.integer(4)?,
    })
}

pub fn listing(row: &impl RowValues) -> Result<ListingRecord> {
    Ok(ListingRecord {
        id: row.text(0)?,
        organisation_id: row.text(1)?,
        kind: parsed(row.text(2)?, "contact kind")?,
        canonical: row.text(3)?,
        scam_type: scam_type(row.text(4)?)?,
        reason: row.text(5)?,
        listed_at: row.integer(6)?,
        expires_at: row.optional_integer(7)?,
        listed_by: row.text(8)?,
    })
}

pub fn feed_entry(row: &impl RowValues) -> Result<FeedEntryRecord> {
    Ok(FeedEntryRecord {
        source: row.text(0)?,
        trust_level: row.integer(1)?.clamp(0, 100) as u8,
        kind: parsed(row.text(2)?, "contact kind")?,
        canonical: row.text(3)?,
        scam_type: row.optional_text(4)?.map(scam_type).transpose()?,
        first_seen_at: row.integer(5)?,
        last_seen_at: row.integer(6)?,
    })
}

pub fn appeal(row: &impl RowValues) -> Result<AppealRecord> {
    Ok(AppealRecord {
        id: row.text(0)?,
        kind: parsed(row.text(1)?, "contact kind")?,
        canonical: row.text(2)?,
        reason: row.text(3)?,
        state: parsed(row.text(4)?, "appeal state")?,
        submitted_at: row.integer(5)?,
        decided_at: row.optional_integer(6)?,
        decided_by: row.optional_text(7)?,
        decision_reason: row.optional_text(8)?,
    })
}

fn byte(value: i64, what: &str) -> Result<u8> {
    u8::try_from(value).map_err(|_| internal("decode", format!("{what} out of range in the database")))
}

pub fn screen_decision(row: &impl RowValues) -> Result<ScreenDecisionRecord> {
    Ok(ScreenDecisionRecord {
        id: row.text(0)?,
        organisation_id: row.text(1)?,
        transfer_id: row.text(2)?,
        transfer_at: row.integer(3)?,
        decided_at: row.integer(4)?,
        amount: row.integer(5)?,
        payer: row.text(6)?,
        payee: row.text(7)?,
        decision: row.text(8)?,
        level: byte(row.integer(9)?, "level")?,
        score: byte(row.integer(10)?, "score")?,
        rules_version: row.text(11)?,
        body: row.text(12)?,
    })
}

pub fn freeze_request(row: &impl RowValues) -> Result<FreezeRequestRecord> {
    Ok(FreezeRequestRecord {
        id: row.text(0)?,
        decision_id: row.text(1)?,
        requesting_organisation_id: row.text(2)?,
        transfer_id: row.text(3)?,
        payee_bin: row.text(4)?,
        payee: row.text(5)?,
        amount: row.integer(6)?,
        reason: row.text(7)?,
        state: row.text(8)?,
        created_at: row.integer(9)?,
    })
}

pub fn screen_outcome(row: &impl RowValues) -> Result<ScreenOutcomeRecord> {
    Ok(ScreenOutcomeRecord {
        id: row.text(0)?,
        organisation_id: row.text(1)?,
        transfer_id: row.text(2)?,
        outcome: row.text(3)?,
        note: row.optional_text(4)?,
        at: row.integer(5)?,
    })
}

/// A row of [`crate::sql::select_signal_reports`].
pub fn signal_report(row: &impl RowValues) -> Result<SignalReportRow> {
    Ok(SignalReportRow {
        canonical: row.text(0)?,
        kind: parsed(row.text(1)?, "contact kind")?,
        report_id: row.text(2)?,
        status: parsed(row.text(3)?, "status")?,
        created_at: row.integer(4)?,
        reporter_fingerprint: row.optional_text(5)?,
        loss_vnd: row.optional_integer(6)?.map(|v| non_negative(v, "loss")).transpose()?.unwrap_or(0),
        scam_type: scam_type(row.text(7)?)?,
        closed_from: row.optional_text(8)?.map(|s| parsed::<ReportStatus>(s, "status")).transpose()?,
    })
}

/// A row of [`crate::sql::select_signal_listings`].
pub fn signal_listing(row: &impl RowValues) -> Result<SignalListingRow> {
    Ok(SignalListingRow {
        canonical: row.text(0)?,
        kind: parsed(row.text(1)?, "contact kind")?,
        organisation: row.text(2)?,
        organisation_kind: parsed(row.text(3)?, "organisation kind")?,
        trust_level: row.integer(4)?.clamp(0, 100) as u8,
        listed_at: row.integer(5)?,
        expires_at: row.optional_integer(6)?,
        scam_type: scam_type(row.text(7)?)?,
    })
}

/// A row of [`crate::sql::select_signal_feeds`].
pub fn signal_feed(row: &impl RowValues) -> Result<SignalFeedRow> {
    Ok(SignalFeedRow {
        canonical: row.text(0)?,
        kind: parsed(row.text(1)?, "contact kind")?,
        source: row.text(2)?,
        trust_level: row.integer(3)?.clamp(0, 100) as u8,
        first_seen_at: row.integer(4)?,
        scam_type: row.optional_text(5)?.map(scam_type).transpose()?,
    })
}

/// A row of [`crate::sql::select_signal_appeals`].
pub fn signal_appeal(row: &impl RowValues) -> Result<SignalAppealRow> {
    Ok(SignalAppealRow {
        canonical: row.text(0)?,
        kind: parsed(row.text(1)?, "contact kind")?,
        state: parsed(row.text(2)?, "appeal state")?,
        submitted_at: row.integer(3)?,
        decided_at: row.optional_integer(4)?,
    })
}

/// A row of [`crate::sql::select_signal_related`]: (contact, related contact, reports naming both).
pub fn signal_related(row: &impl RowValues) -> Result<(String, String, u64)> {
    Ok((row.text(0)?, row.text(1)?, non_negative(row.integer(2)?, "count")?))
}

/// u64 amounts as SQL BIGINT. Amounts are at most `MAX_AMOUNT_VND` (10^13), checked before a write
/// (`check_report_amounts`, the screening checks), so the conversion never saturates.
pub fn amount_to_sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
