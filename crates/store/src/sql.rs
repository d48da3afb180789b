//! The SQL both backends run, written once with PostgreSQL's `$n` parameters; SQLite reads them as `?n`.
//!
//! Only plain SQL that PostgreSQL, SQLite and the PostgreSQL-compatible distributed engines all accept:
//! no sequences (ids come from the application), no triggers, no stored procedures, no advisory locks,
//! `INSERT ... ON CONFLICT` for upserts.

use std::borrow::Cow;

/// `$n` → `?n` for SQLite (which binds `?NNN` by index).
pub fn for_sqlite(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') { Cow::Owned(sql.replace('$', "?")) } else { Cow::Borrowed(sql) }
}

pub const INSERT_ORGANISATION: &str =
    "INSERT INTO organisations (id, name, kind, trust_level, created_at) VALUES ($1, $2, $3, $4, $5)";
pub const SELECT_ORGANISATIONS: &str =
    "SELECT id, name, kind, trust_level, created_at FROM organisations ORDER BY created_at, id";
pub const SELECT_ORGANISATION: &str =
    "SELECT id, name, kind, trust_level, created_at FROM organisations WHERE id = $1 OR name = $1";
pub const INSERT_USER: &str = "INSERT INTO users (id, organisation_id, username, display_name, role, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
pub const SELECT_USERS: &str = "SELECT id, organisation_id, username, display_name, role, created_at FROM users \
     WHERE organisation_id = $1 ORDER BY username";
pub const INSERT_API_KEY: &str = "INSERT INTO api_keys (id, organisation_id, prefix, key_hash, role, label, \
     created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const SELECT_API_KEYS: &str = "SELECT id, organisation_id, prefix, key_hash, role, label, created_at, revoked_at \
     FROM api_keys ORDER BY created_at, id";
pub const SELECT_API_KEYS_OF: &str = "SELECT id, organisation_id, prefix, key_hash, role, label, created_at, \
     revoked_at FROM api_keys WHERE organisation_id = $1 ORDER BY created_at, id";
pub const SELECT_API_KEY_BY_PREFIX: &str = "SELECT k.id, k.organisation_id, k.prefix, k.key_hash, k.role, k.label, \
     k.created_at, k.revoked_at, o.id, o.name, o.kind, o.trust_level, o.created_at \
     FROM api_keys k JOIN organisations o ON o.id = k.organisation_id WHERE k.prefix = $1";
pub const REVOKE_API_KEY: &str = "UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL";

pub const SELECT_IDEMPOTENCY: &str = "SELECT scope, idempotency_key, request_hash, report_id, response_sealed, \
     created_at FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2";
pub const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, report_id, \
     response_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const INSERT_REPORT: &str = "INSERT INTO reports (id, tracking_code, secret_hash, channel, \
     submitted_by_organisation, submitted_by, reporter_role, reporter_sealed, scam_type, narrative, occurred_at, \
     province, commune, loss_vnd, consent_share_with_authorities, consent_contact_me, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
pub const INSERT_CONTACT: &str =
    "INSERT INTO report_contacts (report_id, position, kind, canonical, source) VALUES ($1, $2, $3, $4, $5)";
pub const INSERT_TRANSFER: &str = "INSERT INTO report_transfers (report_id, position, to_account, amount_vnd, \
     transferred_at) VALUES ($1, $2, $3, $4, $5)";
pub const INSERT_EVIDENCE: &str = "INSERT INTO report_evidence (report_id, position, sha256, media_type, size_bytes) \
     VALUES ($1, $2, $3, $4, $5)";
pub const INSERT_STATUS_CHANGE: &str = "INSERT INTO report_status_history (report_id, position, from_status, \
     to_status, actor, reason, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

const REPORT_COLUMNS: &str = "id, tracking_code, secret_hash, channel, submitted_by_organisation, submitted_by, \
     reporter_role, reporter_sealed, scam_type, narrative, occurred_at, province, commune, loss_vnd, \
     consent_share_with_authorities, consent_contact_me, status, created_at, updated_at";

pub fn select_report_where(condition: &str) -> String {
    format!("SELECT {REPORT_COLUMNS} FROM reports WHERE {condition}")
}

pub const SELECT_CONTACTS: &str =
    "SELECT kind, canonical, source FROM report_contacts WHERE report_id = $1 ORDER BY position";
pub const SELECT_TRANSFERS: &str =
    "SELECT to_account, amount_vnd, transferred_at FROM report_transfers WHERE report_id = $1 ORDER BY position";
pub const SELECT_EVIDENCE: &str =
    "SELECT sha256, media_type, size_bytes FROM report_evidence WHERE report_id = $1 ORDER BY position";
pub const SELECT_HISTORY: &str = "SELECT from_status, to_status, actor, reason, changed_at \
     FROM report_status_history WHERE report_id = $1 ORDER BY position";
/// Report ids for a filter, newest first. The casts let PostgreSQL type parameters that may be NULL.
pub const SELECT_REPORT_IDS: &str = "SELECT id FROM reports \
     WHERE (CAST($1 AS TEXT) IS NULL OR status = CAST($1 AS TEXT)) \
     AND (CAST($2 AS BIGINT) IS NULL OR created_at < CAST($2 AS BIGINT) \
          OR (created_at = CAST($2 AS BIGINT) AND id < CAST($5 AS TEXT))) \
     AND (CAST($3 AS TEXT) IS NULL OR id IN (SELECT report_id FROM report_contacts WHERE canonical = CAST($3 AS TEXT))) \
     ORDER BY created_at DESC, id DESC LIMIT $4";
pub const COUNT_REPORTS: &str = "SELECT COUNT(*) FROM reports";
pub const COUNT_HISTORY: &str = "SELECT COUNT(*) FROM report_status_history WHERE report_id = $1";
pub const UPDATE_STATUS: &str = "UPDATE reports SET status = $2, updated_at = $3 WHERE id = $1";
pub const SELECT_SEALED: &str = "SELECT id, reporter_sealed FROM reports WHERE reporter_sealed IS NOT NULL ORDER BY id";
pub const UPDATE_SEALED: &str = "UPDATE reports SET reporter_sealed = $2 WHERE id = $1";

pub const SELECT_LISTING_EXISTS: &str = "SELECT COUNT(*) FROM listings WHERE organisation_id = $1 AND canonical = $2";
pub const UPSERT_LISTING: &str = "INSERT INTO listings (id, organisation_id, kind, canonical, scam_type, reason, \
     listed_at, expires_at, listed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (organisation_id, canonical) DO UPDATE SET kind = excluded.kind, scam_type = excluded.scam_type, \
     reason = excluded.reason, listed_at = excluded.listed_at, expires_at = excluded.expires_at, \
     listed_by = excluded.listed_by";
const LISTING_COLUMNS: &str =
    "id, organisation_id, kind, canonical, scam_type, reason, listed_at, expires_at, listed_by";

pub fn select_listings(by_canonical: bool) -> String {
    if by_canonical {
        format!("SELECT {LISTING_COLUMNS} FROM listings WHERE canonical = $1 ORDER BY listed_at, id")
    } else {
        format!("SELECT {LISTING_COLUMNS} FROM listings ORDER BY listed_at, id")
    }
}

pub const SELECT_SCHEMA_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
pub const INSERT_MIGRATION: &str = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
