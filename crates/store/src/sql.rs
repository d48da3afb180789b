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
    "INSERT INTO organisations (id, name, kind, trust_level, created_at, bank_bin) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SELECT_ORGANISATIONS: &str =
    "SELECT id, name, kind, trust_level, created_at, bank_bin FROM organisations ORDER BY created_at, id";
pub const SELECT_ORGANISATION: &str =
    "SELECT id, name, kind, trust_level, created_at, bank_bin FROM organisations WHERE id = $1 OR name = $1";
/// The oldest organisation with a NAPAS BIN.
pub const SELECT_ORGANISATION_BY_BANK_BIN: &str = "SELECT id, name, kind, trust_level, created_at, bank_bin \
     FROM organisations WHERE bank_bin = $1 ORDER BY created_at, id LIMIT 1";
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
     k.created_at, k.revoked_at, o.id, o.name, o.kind, o.trust_level, o.created_at, o.bank_bin \
     FROM api_keys k JOIN organisations o ON o.id = k.organisation_id WHERE k.prefix = $1";
pub const REVOKE_API_KEY: &str = "UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL";

pub const SELECT_IDEMPOTENCY: &str = "SELECT scope, idempotency_key, request_hash, report_id, response_sealed, \
     created_at FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2";
pub const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, report_id, \
     response_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const INSERT_REPORT: &str = "INSERT INTO reports (id, tracking_code, secret_hash, channel, \
     submitted_by_organisation, submitted_by, reporter_role, reporter_sealed, scam_type, narrative, occurred_at, \
     province, commune, loss_vnd, consent_share_with_authorities, consent_contact_me, status, created_at, updated_at, \
     reporter_fingerprint) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
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
     consent_share_with_authorities, consent_contact_me, status, created_at, updated_at, reporter_fingerprint";

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
pub const COUNT_REPORTS_BY_SCAM_TYPE: &str = "SELECT scam_type, COUNT(*) FROM reports \
     WHERE created_at >= $1 AND created_at < $2 AND status NOT IN ('rejected', 'duplicate') \
     GROUP BY scam_type ORDER BY scam_type";
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

// ---- feeds ----

/// `$first, $first+1, ...`: `count` parameters for an `IN (...)` list.
pub fn parameters(first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for index in 0..count {
        if index > 0 {
            out.push_str(", ");
        }
        out.push('$');
        out.push_str(&(first + index).to_string());
    }
    out
}

/// How a query names a list of canonical forms: `IN ($1, ..., $n)` (SQLite, which has no arrays; the
/// statement is prepared per length), or one array parameter `= ANY($1)` (PostgreSQL and the engines
/// compatible with it: one statement for any length, planned once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanonicalList {
    Parameters(usize),
    Array,
    /// Every canonical form after `$first` up to and including the next parameter, in the database's order: a
    /// page of [`SELECT_CONTACT_PAGE`] read by ranges of the indexes instead of one look-up per contact.
    Range,
}

impl CanonicalList {
    /// `column` is one of the list, whose parameters start at `$first`.
    fn condition(self, column: &str, first: usize) -> String {
        match self {
            CanonicalList::Parameters(count) => format!("{column} IN ({})", parameters(first, count)),
            CanonicalList::Array => format!("{column} = ANY(${first})"),
            CanonicalList::Range => format!("{column} > ${first} AND {column} <= ${}", first + 1),
        }
    }
}

/// The feed rows of `$1` (the source) among a list of canonical forms (from `$2`) that exist already.
pub fn select_existing_feed_entries(list: CanonicalList) -> String {
    format!("SELECT canonical FROM feed_entries WHERE source = $1 AND {}", list.condition("canonical", 2))
}

/// Parameters per row of [`upsert_feed_entries`], after the shared `$1` (the source).
pub const FEED_ROW_PARAMETERS: usize = 6;

/// Creates or refreshes `rows` feed entries of source `$1`, each row `(canonical, kind, trust_level, scam_type,
/// first_seen_at, last_seen_at)`. A refresh keeps the earliest first sighting and the latest last one, takes the
/// new trust level, and keeps the known scam type when the new row has none. The rows must be distinct (one
/// statement may not touch a row twice). `CASE` rather than `GREATEST`/`MAX`, which differ between the engines.
pub fn upsert_feed_entries(rows: usize) -> String {
    let mut values = String::with_capacity(rows * 40);
    for row in 0..rows {
        let first = 2 + row * FEED_ROW_PARAMETERS;
        if row > 0 {
            values.push_str(", ");
        }
        values.push_str("($1, ");
        values.push_str(&parameters(first, FEED_ROW_PARAMETERS));
        values.push(')');
    }
    format!(
        "INSERT INTO feed_entries (source, canonical, kind, trust_level, scam_type, first_seen_at, last_seen_at) \
         VALUES {values} {FEED_CONFLICT}"
    )
}

const FEED_CONFLICT: &str = "ON CONFLICT (source, canonical) DO UPDATE SET trust_level = excluded.trust_level, \
     scam_type = COALESCE(excluded.scam_type, feed_entries.scam_type), \
     first_seen_at = CASE WHEN excluded.first_seen_at < feed_entries.first_seen_at \
         THEN excluded.first_seen_at ELSE feed_entries.first_seen_at END, \
     last_seen_at = CASE WHEN excluded.last_seen_at > feed_entries.last_seen_at \
         THEN excluded.last_seen_at ELSE feed_entries.last_seen_at END";

/// [`upsert_feed_entries`] with the rows as arrays, one per column (`$2` canonical, `$3` kind, `$4` trust level,
/// `$5` scam type, `$6` first and `$7` last sighting): PostgreSQL, CockroachDB and YugabyteDB.
pub fn upsert_feed_entries_from_arrays() -> String {
    format!(
        "INSERT INTO feed_entries (source, canonical, kind, trust_level, scam_type, first_seen_at, last_seen_at) \
         SELECT $1, canonical, kind, trust_level, scam_type, first_seen_at, last_seen_at \
         FROM unnest(CAST($2 AS TEXT[]), CAST($3 AS TEXT[]), CAST($4 AS INTEGER[]), CAST($5 AS TEXT[]), \
             CAST($6 AS BIGINT[]), CAST($7 AS BIGINT[])) \
             AS rows (canonical, kind, trust_level, scam_type, first_seen_at, last_seen_at) \
         {FEED_CONFLICT}"
    )
}

pub const SELECT_FEED_ENTRIES: &str = "SELECT source, trust_level, kind, canonical, scam_type, first_seen_at, \
     last_seen_at FROM feed_entries WHERE canonical = $1 ORDER BY source";

// ---- appeals ----

pub const INSERT_APPEAL: &str = "INSERT INTO appeals (id, kind, canonical, reason, state, submitted_at) \
     VALUES ($1, $2, $3, $4, 'pending', $5)";
/// Decides a pending appeal; touches nothing when it is not pending.
pub const DECIDE_APPEAL: &str = "UPDATE appeals SET state = $2, decided_at = $3, decided_by = $4, \
     decision_reason = $5 WHERE id = $1 AND state = 'pending'";
const APPEAL_COLUMNS: &str =
    "id, kind, canonical, reason, state, submitted_at, decided_at, decided_by, decision_reason";

pub fn select_appeals(by: Option<&str>) -> String {
    match by {
        Some(column) => format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE {column} = $1 ORDER BY submitted_at, id"),
        None => format!("SELECT {APPEAL_COLUMNS} FROM appeals ORDER BY submitted_at, id"),
    }
}

// ---- transfer screening ----

/// Stores a decision unless it clashes with a stored one; then it touches nothing (no row counted) and the caller
/// asks `SCREEN_DECISION_EXISTS` whether it was a replay. Every unique key is an arbiter: on PostgreSQL a clash on a
/// key that is not one (the id, when two calls replay the same decisions at once) is an error, not a skip.
pub const INSERT_SCREEN_DECISION: &str = "INSERT INTO screen_decisions (id, organisation_id, transfer_id, \
     transfer_at, decided_at, amount, payer, payee, decision, level, score, rules_version, body) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT DO NOTHING";
/// Whether the organisation `$1` already has a decision about its transfer `$2`: tells a replay (nothing inserted,
/// the transfer decided) from a decision id used for another transfer.
pub const SCREEN_DECISION_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM screen_decisions WHERE organisation_id = $1 AND transfer_id = $2)";
pub const SELECT_SCREEN_DECISION: &str = "SELECT id, organisation_id, transfer_id, transfer_at, decided_at, amount, \
     payer, payee, decision, level, score, rules_version, body FROM screen_decisions \
     WHERE organisation_id = $1 AND transfer_id = $2";
/// The latest `$2` decisions about transfers to `$1`, newest first.
pub const SELECT_SCREEN_DECISIONS_OF_PAYEE: &str = "SELECT id, organisation_id, transfer_id, transfer_at, decided_at, \
     amount, payer, payee, decision, level, score, rules_version, body FROM screen_decisions WHERE payee = $1 \
     ORDER BY decided_at DESC, id DESC LIMIT $2";
/// Decisions made since `$1` (ms), after the id `$2` in id order (UUID v7: time order), at most `$3`, without
/// their bodies: what a starting server reads to know which transfers it answered and to refill its windows.
pub const SELECT_SCREEN_DECISIONS_SINCE: &str = "SELECT id, organisation_id, transfer_id, transfer_at, decided_at, \
     amount, payer, payee, decision, level, score, rules_version, '' AS body FROM screen_decisions \
     WHERE decided_at >= $1 AND id > $2 ORDER BY id LIMIT $3";
pub const COUNT_SCREEN_DECISION: &str =
    "SELECT COUNT(*) FROM screen_decisions WHERE organisation_id = $1 AND transfer_id = $2";

pub const INSERT_FREEZE_REQUEST: &str = "INSERT INTO freeze_requests (id, decision_id, requesting_organisation_id, \
     transfer_id, payee_bin, payee, amount, reason, state, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
/// The latest `$2` freeze requests addressed to the bank whose BIN is `$1`, newest first.
pub const SELECT_FREEZE_REQUESTS: &str = "SELECT id, decision_id, requesting_organisation_id, transfer_id, \
     payee_bin, payee, amount, reason, state, created_at FROM freeze_requests WHERE payee_bin = $1 \
     ORDER BY created_at DESC, id DESC LIMIT $2";

pub const INSERT_SCREEN_OUTCOME: &str = "INSERT INTO screen_outcomes (id, organisation_id, transfer_id, outcome, \
     note, at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SELECT_SCREEN_OUTCOMES: &str = "SELECT id, organisation_id, transfer_id, outcome, note, at \
     FROM screen_outcomes WHERE organisation_id = $1 AND transfer_id = $2 ORDER BY at, id";

// ---- signals of contacts, for the reputation index ----
//
// Each takes a list of canonical forms from `$1` (see [`CanonicalList`]). Times, kinds and statuses are decoded by
// `decode::signal_*`, assembled by `signals::Assembler`.

/// Every report naming one of the contacts, with the status a closed report was closed from.
pub fn select_signal_reports(list: CanonicalList) -> String {
    format!(
        "SELECT c.canonical, c.kind, r.id, r.status, r.created_at, r.reporter_fingerprint, r.loss_vnd, r.scam_type, \
         h.from_status FROM report_contacts c JOIN reports r ON r.id = c.report_id \
         LEFT JOIN report_status_history h ON h.report_id = r.id AND h.to_status = 'closed' \
         WHERE {} ORDER BY c.canonical, r.created_at, r.id",
        list.condition("c.canonical", 1)
    )
}

/// Every listing of the contacts, with its organisation.
pub fn select_signal_listings(list: CanonicalList) -> String {
    format!(
        "SELECT l.canonical, l.kind, o.name, o.kind, o.trust_level, l.listed_at, l.expires_at, l.scam_type \
         FROM listings l JOIN organisations o ON o.id = l.organisation_id \
         WHERE {} ORDER BY l.canonical, l.listed_at, l.id",
        list.condition("l.canonical", 1)
    )
}

pub fn select_signal_feeds(list: CanonicalList) -> String {
    format!(
        "SELECT canonical, kind, source, trust_level, first_seen_at, scam_type FROM feed_entries \
         WHERE {} ORDER BY canonical, first_seen_at, source",
        list.condition("canonical", 1)
    )
}

/// Every appeal of the contacts, oldest first (the last one is the contact's appeal state).
pub fn select_signal_appeals(list: CanonicalList) -> String {
    format!(
        "SELECT canonical, kind, state, submitted_at, decided_at FROM appeals \
         WHERE {} ORDER BY canonical, submitted_at, id",
        list.condition("canonical", 1)
    )
}

/// For each contact, the other contacts named in the same reports and in how many reports.
pub fn select_signal_related(list: CanonicalList) -> String {
    format!(
        "SELECT a.canonical, b.canonical, COUNT(DISTINCT a.report_id) FROM report_contacts a \
         JOIN report_contacts b ON b.report_id = a.report_id AND b.canonical <> a.canonical \
         WHERE {} GROUP BY a.canonical, b.canonical",
        list.condition("a.canonical", 1)
    )
}

/// The next `$2` contacts with any signal, in the database's order of canonical forms, strictly after `$1`.
/// Each table gives at most `$2` from its index on `canonical`, so a page costs the same at any depth.
pub const SELECT_CONTACT_PAGE: &str = "SELECT canonical FROM ( \
     SELECT canonical FROM (SELECT DISTINCT canonical FROM report_contacts WHERE canonical > $1 \
         ORDER BY canonical LIMIT $2) AS r \
     UNION SELECT canonical FROM (SELECT DISTINCT canonical FROM listings WHERE canonical > $1 \
         ORDER BY canonical LIMIT $2) AS l \
     UNION SELECT canonical FROM (SELECT DISTINCT canonical FROM feed_entries WHERE canonical > $1 \
         ORDER BY canonical LIMIT $2) AS f \
     UNION SELECT canonical FROM (SELECT DISTINCT canonical FROM appeals WHERE canonical > $1 \
         ORDER BY canonical LIMIT $2) AS a \
     ) AS contacts ORDER BY canonical LIMIT $2";

pub const SELECT_SCHEMA_VERSION: &str = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
pub const INSERT_MIGRATION: &str = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
