//! The PostgreSQL store: a pool of connections, every operation one transaction.
//!
//! Concurrency is PostgreSQL's: two submissions with one idempotency key race on the key's primary
//! key; the loser's transaction rolls back whole and is run again, and then finds the winner's answer.

use crate::decode::{self, RowValues};
use crate::migrations::{self, MIGRATIONS, now_millis};
use crate::records::*;
use crate::signals::{self, Assembler};
use crate::sql::{self, CanonicalList};
use crate::{Backend, Result, Store, conflict, internal, not_found};
use canhgiac_core::report::ReportStatus;
use canhgiac_core::verdict::ContactRecord;
use canhgiac_core::{Error, ErrorCode};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Transaction};
use std::sync::Arc;
use tokio_postgres::IsolationLevel;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row};

const POOL_SIZE: usize = 16;
/// Most contacts one array parameter carries.
const ARRAY_CHUNK: usize = 5_000;

pub struct PostgresStore {
    pool: Pool,
    description: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("database", &self.description).finish()
    }
}

/// A URL with its password replaced by `***`, for messages and logs.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn postgres_error(context: &str) -> impl Fn(tokio_postgres::Error) -> Error + '_ {
    move |error| {
        if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            return conflict(format!("{context}: already exists"));
        }
        if error.is_closed() || error.code().is_none() && error.as_db_error().is_none() {
            return Error::new(ErrorCode::Unavailable, format!("store: {context}: the database is unreachable"));
        }
        internal(context, error)
    }
}

impl PostgresStore {
    /// Connects, checks the server answers, and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| {
            Error::new(ErrorCode::InvalidValue, format!("the database URL is not valid: {e}")).with_field("database")
        })?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool =
            Pool::builder(manager).max_size(POOL_SIZE).build().map_err(|e| internal("build the connection pool", e))?;
        let store = PostgresStore { pool, description: redact_url(url) };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client> {
        self.pool.get().await.map_err(|e| {
            Error::new(ErrorCode::Unavailable, format!("store: cannot connect to {}: {e}", self.description))
        })
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        client
            .batch_execute(migrations::SCHEMA_MIGRATIONS_TABLE)
            .await
            .map_err(postgres_error("create schema_migrations"))?;
        for migration in MIGRATIONS {
            let transaction = client.transaction().await.map_err(postgres_error("begin a migration"))?;
            let applied = applied_version(&transaction).await?;
            migrations::check_not_newer(applied)?;
            if migration.version <= applied {
                continue;
            }
            // The version row first: a second server migrating at the same moment waits on it, then fails
            // with a unique violation and finds the migration applied.
            let recorded = transaction
                .execute(sql::INSERT_MIGRATION, &[&(migration.version as i32), &migration.name, &now_millis()])
                .await;
            match recorded {
                Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => continue,
                other => other.map_err(postgres_error("record a migration"))?,
            };
            transaction
                .batch_execute(migration.postgres)
                .await
                .map_err(postgres_error(&format!("migration {} ({})", migration.version, migration.name)))?;
            transaction.commit().await.map_err(postgres_error("commit a migration"))?;
            tracing::info!(version = migration.version, name = migration.name, "applied migration");
        }
        Ok(())
    }
}

async fn applied_version(transaction: &Transaction<'_>) -> Result<u32> {
    let row = transaction
        .query_one(sql::SELECT_SCHEMA_VERSION, &[])
        .await
        .map_err(postgres_error("read the schema version"))?;
    Ok(row.integer(0)? as u32)
}

impl RowValues for Row {
    fn text(&self, index: usize) -> Result<String> {
        self.try_get(index).map_err(|e| internal("decode", e))
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        self.try_get(index).map_err(|e| internal("decode", e))
    }
    fn integer(&self, index: usize) -> Result<i64> {
        self.optional_integer(index)?.ok_or_else(|| internal("decode", "unexpected NULL"))
    }
    fn optional_integer(&self, index: usize) -> Result<Option<i64>> {
        let column_type = self.columns().get(index).map(|c| c.type_().clone());
        let value = match column_type {
            Some(Type::INT2) => self.try_get::<_, Option<i16>>(index).map(|v| v.map(i64::from)),
            Some(Type::INT4) => self.try_get::<_, Option<i32>>(index).map(|v| v.map(i64::from)),
            _ => self.try_get::<_, Option<i64>>(index),
        };
        value.map_err(|e| internal("decode", e))
    }
    fn bytes(&self, index: usize) -> Result<Vec<u8>> {
        self.try_get(index).map_err(|e| internal("decode", e))
    }
    fn optional_bytes(&self, index: usize) -> Result<Option<Vec<u8>>> {
        self.try_get(index).map_err(|e| internal("decode", e))
    }
    fn boolean(&self, index: usize) -> Result<bool> {
        self.try_get(index).map_err(|e| internal("decode", e))
    }
}

async fn query_all<T>(
    transaction: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: impl Fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    let statement = transaction.prepare_cached(sql).await.map_err(postgres_error("prepare"))?;
    let rows = transaction.query(&statement, params).await.map_err(postgres_error("query"))?;
    rows.iter().map(decode).collect()
}

async fn query_one<T>(
    transaction: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: impl Fn(&Row) -> Result<T>,
) -> Result<Option<T>> {
    Ok(query_all(transaction, sql, params, decode).await?.into_iter().next())
}

async fn execute(
    transaction: &Transaction<'_>,
    context: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64> {
    let statement = transaction.prepare_cached(sql).await.map_err(postgres_error(context))?;
    transaction.execute(&statement, params).await.map_err(postgres_error(context))
}

async fn load_report(transaction: &Transaction<'_>, condition: &str, value: &str) -> Result<Option<ReportRecord>> {
    let Some(mut report) =
        query_one(transaction, &sql::select_report_where(condition), &[&value], decode::report).await?
    else {
        return Ok(None);
    };
    let id = report.id.clone();
    report.contacts = query_all(transaction, sql::SELECT_CONTACTS, &[&id], decode::contact).await?;
    report.transfers = query_all(transaction, sql::SELECT_TRANSFERS, &[&id], decode::transfer).await?;
    report.evidence = query_all(transaction, sql::SELECT_EVIDENCE, &[&id], decode::evidence).await?;
    report.history = query_all(transaction, sql::SELECT_HISTORY, &[&id], decode::status_change).await?;
    Ok(Some(report))
}

async fn insert_report(transaction: &Transaction<'_>, r: &NewReport) -> Result<()> {
    let loss = r.loss_vnd.map(decode::amount_to_sql);
    let role = r.reporter_role.map(|x| x.as_str());
    execute(
        transaction,
        "insert a report",
        sql::INSERT_REPORT,
        &[
            &r.id,
            &r.tracking_code,
            &r.secret_hash,
            &r.channel.as_str(),
            &r.submitted_by_organisation,
            &r.submitted_by,
            &role,
            &r.reporter_sealed,
            &r.scam_type.code(),
            &r.narrative,
            &r.occurred_at,
            &r.province,
            &r.commune,
            &loss,
            &r.consent.share_with_authorities,
            &r.consent.contact_me,
            &ReportStatus::Received.as_str(),
            &r.created_at,
            &r.created_at,
            &r.reporter_fingerprint,
        ],
    )
    .await?;
    for (position, contact) in r.contacts.iter().enumerate() {
        execute(
            transaction,
            "insert a contact",
            sql::INSERT_CONTACT,
            &[&r.id, &(position as i32), &contact.kind.as_str(), &contact.canonical, &contact.source.as_str()],
        )
        .await?;
    }
    for (position, transfer) in r.transfers.iter().enumerate() {
        execute(
            transaction,
            "insert a transfer",
            sql::INSERT_TRANSFER,
            &[
                &r.id,
                &(position as i32),
                &transfer.to_account,
                &decode::amount_to_sql(transfer.amount_vnd),
                &transfer.at,
            ],
        )
        .await?;
    }
    for (position, evidence) in r.evidence.iter().enumerate() {
        execute(
            transaction,
            "insert evidence",
            sql::INSERT_EVIDENCE,
            &[&r.id, &(position as i32), &evidence.sha256, &evidence.media_type, &(evidence.size_bytes as i64)],
        )
        .await?;
    }
    execute(
        transaction,
        "insert the first status",
        sql::INSERT_STATUS_CHANGE,
        &[&r.id, &0i32, &None::<String>, &ReportStatus::Received.as_str(), &"system", &"received", &r.created_at],
    )
    .await?;
    Ok(())
}

/// The signals of `canonicals` (see [`Store::contact_signals`]): per chunk, one query per table with the
/// chunk as one array parameter, the five sent together (tokio-postgres pipelines them on the connection).
async fn contact_signals(transaction: &Transaction<'_>, canonicals: &[String]) -> Result<Vec<ContactRecord>> {
    let order = signals::distinct(canonicals);
    let mut records = Vec::new();
    for chunk in order.chunks(ARRAY_CHUNK) {
        let array = chunk.to_vec();
        records.extend(assemble_signals(transaction, CanonicalList::Array, &[&array], chunk).await?);
    }
    Ok(records)
}

/// The records of `page`, every contact after `after` up to `last` in the database's order.
async fn contact_signals_in_range(
    transaction: &Transaction<'_>,
    page: &[String],
    after: &str,
    last: &str,
) -> Result<Vec<ContactRecord>> {
    assemble_signals(transaction, CanonicalList::Range, &[&after, &last], page).await
}

/// The records of `order`'s contacts, read by the five signal queries over `list` (bound to `values`) at once.
async fn assemble_signals(
    transaction: &Transaction<'_>,
    list: CanonicalList,
    values: &[&(dyn ToSql + Sync)],
    order: &[String],
) -> Result<Vec<ContactRecord>> {
    let (reports_sql, listings_sql, feeds_sql, appeals_sql, related_sql) = (
        sql::select_signal_reports(list),
        sql::select_signal_listings(list),
        sql::select_signal_feeds(list),
        sql::select_signal_appeals(list),
        sql::select_signal_related(list),
    );
    let (reports, listings, feeds, appeals, related) = tokio::try_join!(
        query_all(transaction, &reports_sql, values, decode::signal_report),
        query_all(transaction, &listings_sql, values, decode::signal_listing),
        query_all(transaction, &feeds_sql, values, decode::signal_feed),
        query_all(transaction, &appeals_sql, values, decode::signal_appeal),
        query_all(transaction, &related_sql, values, decode::signal_related),
    )?;
    let mut assembler = Assembler::default();
    reports.into_iter().for_each(|row| assembler.report(row));
    listings.into_iter().for_each(|row| assembler.listing(row));
    feeds.into_iter().for_each(|row| assembler.feed(row));
    appeals.into_iter().for_each(|row| assembler.appeal(row));
    related.into_iter().for_each(|(canonical, other, reports)| assembler.related(canonical, other, reports));
    Ok(assembler.finish(order))
}

async fn load_appeal(transaction: &Transaction<'_>, id: &str) -> Result<Option<AppealRecord>> {
    query_one(transaction, &sql::select_appeals(Some("id")), &[&id], decode::appeal).await
}

/// Runs `$body` in a read-only transaction that sees one snapshot (repeatable read) and commits it.
macro_rules! in_snapshot {
    ($self:ident, |$transaction:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let $transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(postgres_error("begin a read"))?;
        let value = $body;
        $transaction.commit().await.map_err(postgres_error("commit"))?;
        Ok(value)
    }};
}

/// Runs `$body` in a transaction on a pooled connection and commits it.
macro_rules! in_transaction {
    ($self:ident, |$transaction:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let $transaction = client.transaction().await.map_err(postgres_error("begin a transaction"))?;
        let value = $body;
        $transaction.commit().await.map_err(postgres_error("commit"))?;
        Ok(value)
    }};
}

impl PostgresStore {
    async fn try_submit(&self, report: &NewReport, idempotency: &Option<IdempotencyRecord>) -> Result<SubmitOutcome> {
        in_transaction!(self, |transaction| {
            if let Some(record) = idempotency {
                let existing = query_one(
                    &transaction,
                    sql::SELECT_IDEMPOTENCY,
                    &[&record.scope, &record.key],
                    decode::idempotency,
                )
                .await?;
                if let Some(existing) = existing {
                    return Ok(if existing.request_hash == record.request_hash {
                        SubmitOutcome::Replayed(existing)
                    } else {
                        SubmitOutcome::KeyReused
                    });
                }
            }
            insert_report(&transaction, report).await?;
            if let Some(r) = idempotency {
                execute(
                    &transaction,
                    "record the idempotency key",
                    sql::INSERT_IDEMPOTENCY,
                    &[&r.scope, &r.key, &r.request_hash, &r.report_id, &r.response_sealed, &r.created_at],
                )
                .await?;
            }
            SubmitOutcome::Created
        })
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn schema_version(&self) -> Result<u32> {
        in_transaction!(self, |transaction| applied_version(&transaction).await?)
    }

    async fn create_organisation(&self, organisation: Organisation) -> Result<Organisation> {
        crate::check_organisation(&organisation)?;
        let o = &organisation;
        in_transaction!(self, |transaction| {
            execute(
                &transaction,
                "create an organisation",
                sql::INSERT_ORGANISATION,
                &[&o.id, &o.name, &o.kind.as_str(), &i32::from(o.trust_level), &o.created_at, &o.bank_bin],
            )
            .await?;
            organisation.clone()
        })
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_ORGANISATIONS, &[], |row| decode::organisation(row, 0)).await?
        })
    }

    async fn organisation(&self, id_or_name: &str) -> Result<Option<Organisation>> {
        in_transaction!(self, |transaction| {
            query_one(&transaction, sql::SELECT_ORGANISATION, &[&id_or_name], |row| decode::organisation(row, 0))
                .await?
        })
    }

    async fn organisation_by_bank_bin(&self, bin: &str) -> Result<Option<Organisation>> {
        in_transaction!(self, |transaction| {
            query_one(&transaction, sql::SELECT_ORGANISATION_BY_BANK_BIN, &[&bin], |row| decode::organisation(row, 0))
                .await?
        })
    }

    async fn create_user(&self, user: User) -> Result<User> {
        let u = &user;
        in_transaction!(self, |transaction| {
            execute(
                &transaction,
                "create a user",
                sql::INSERT_USER,
                &[&u.id, &u.organisation_id, &u.username, &u.display_name, &u.role.as_str(), &u.created_at],
            )
            .await?;
            user.clone()
        })
    }

    async fn users(&self, organisation_id: &str) -> Result<Vec<User>> {
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_USERS, &[&organisation_id], decode::user).await?
        })
    }

    async fn create_api_key(&self, key: ApiKeyRecord) -> Result<ApiKeyRecord> {
        let k = &key;
        in_transaction!(self, |transaction| {
            execute(
                &transaction,
                "create an API key",
                sql::INSERT_API_KEY,
                &[
                    &k.id,
                    &k.organisation_id,
                    &k.prefix,
                    &k.key_hash,
                    &k.role.as_str(),
                    &k.label,
                    &k.created_at,
                    &k.revoked_at,
                ],
            )
            .await?;
            key.clone()
        })
    }

    async fn api_keys(&self, organisation_id: Option<&str>) -> Result<Vec<ApiKeyRecord>> {
        in_transaction!(self, |transaction| match organisation_id {
            Some(id) => query_all(&transaction, sql::SELECT_API_KEYS_OF, &[&id], decode::api_key).await?,
            None => query_all(&transaction, sql::SELECT_API_KEYS, &[], decode::api_key).await?,
        })
    }

    async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKeyWithOrganisation>> {
        in_transaction!(self, |transaction| {
            query_one(&transaction, sql::SELECT_API_KEY_BY_PREFIX, &[&prefix], |row| {
                Ok(ApiKeyWithOrganisation { key: decode::api_key(row)?, organisation: decode::organisation(row, 8)? })
            })
            .await?
        })
    }

    async fn revoke_api_key(&self, prefix: &str, at: i64) -> Result<ApiKeyRecord> {
        in_transaction!(self, |transaction| {
            execute(&transaction, "revoke an API key", sql::REVOKE_API_KEY, &[&prefix, &at]).await?;
            query_one(&transaction, sql::SELECT_API_KEY_BY_PREFIX, &[&prefix], decode::api_key)
                .await?
                .ok_or_else(|| not_found("API key"))?
        })
    }

    async fn submit_report(&self, report: NewReport, idempotency: Option<IdempotencyRecord>) -> Result<SubmitOutcome> {
        crate::check_report_amounts(&report)?;
        match self.try_submit(&report, &idempotency).await {
            // Another submission with the same idempotency key committed first: this run finds its answer.
            Err(error) if error.code == ErrorCode::Conflict && idempotency.is_some() => {
                self.try_submit(&report, &idempotency).await
            }
            other => other,
        }
    }

    async fn report_by_tracking_code(&self, tracking_code: &str) -> Result<Option<ReportRecord>> {
        in_transaction!(self, |transaction| load_report(&transaction, "tracking_code = $1", tracking_code).await?)
    }

    async fn report_by_id(&self, id: &str) -> Result<Option<ReportRecord>> {
        in_transaction!(self, |transaction| load_report(&transaction, "id = $1", id).await?)
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportRecord>> {
        let status = filter.status.map(|s| s.as_str());
        let limit = filter.limit.clamp(1, 1000) as i64;
        in_transaction!(self, |transaction| {
            let ids = query_all(
                &transaction,
                sql::SELECT_REPORT_IDS,
                &[&status, &filter.before, &filter.contact, &limit, &filter.before_id],
                |row| row.text(0),
            )
            .await?;
            let mut reports = Vec::with_capacity(ids.len());
            for id in ids {
                reports.extend(load_report(&transaction, "id = $1", &id).await?);
            }
            reports
        })
    }

    async fn count_reports(&self) -> Result<u64> {
        in_transaction!(self, |transaction| {
            query_one(&transaction, sql::COUNT_REPORTS, &[], |row| row.integer(0)).await?.unwrap_or(0) as u64
        })
    }

    async fn report_counts_by_scam_type(&self, from: i64, to: i64) -> Result<Vec<(String, u64)>> {
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::COUNT_REPORTS_BY_SCAM_TYPE, &[&from, &to], |row| {
                Ok((row.text(0)?, row.integer(1)? as u64))
            })
            .await?
        })
    }

    async fn change_report_status(
        &self,
        report_id: &str,
        to: ReportStatus,
        actor: &str,
        reason: &str,
        at: i64,
    ) -> Result<ReportRecord> {
        in_transaction!(self, |transaction| {
            // FOR UPDATE: two analysts changing one report at once take turns.
            let current =
                query_one(&transaction, "SELECT status FROM reports WHERE id = $1 FOR UPDATE", &[&report_id], |row| {
                    row.text(0)
                })
                .await?
                .ok_or_else(|| not_found("report"))?;
            let current: ReportStatus = current.parse()?;
            current.check_transition(to)?;
            let position =
                query_one(&transaction, sql::COUNT_HISTORY, &[&report_id], |row| row.integer(0)).await?.unwrap_or(0);
            execute(
                &transaction,
                "record a status change",
                sql::INSERT_STATUS_CHANGE,
                &[&report_id, &(position as i32), &current.as_str(), &to.as_str(), &actor, &reason, &at],
            )
            .await?;
            execute(&transaction, "change a status", sql::UPDATE_STATUS, &[&report_id, &to.as_str(), &at]).await?;
            load_report(&transaction, "id = $1", report_id).await?.ok_or_else(|| not_found("report"))?
        })
    }

    async fn sealed_reporter_data(&self) -> Result<Vec<(String, Vec<u8>)>> {
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_SEALED, &[], |row| Ok((row.text(0)?, row.bytes(1)?))).await?
        })
    }

    async fn reseal_reporter_data(&self, resealed: Vec<(String, Vec<u8>)>) -> Result<usize> {
        in_transaction!(self, |transaction| {
            let mut updated = 0;
            for (id, sealed) in &resealed {
                updated += execute(&transaction, "re-seal personal data", sql::UPDATE_SEALED, &[id, sealed]).await?;
            }
            updated as usize
        })
    }

    async fn add_listings(&self, listings: Vec<NewListing>) -> Result<ListingOutcome> {
        in_transaction!(self, |transaction| {
            let mut outcome = ListingOutcome::default();
            for l in &listings {
                let exists =
                    query_one(&transaction, sql::SELECT_LISTING_EXISTS, &[&l.organisation_id, &l.canonical], |row| {
                        row.integer(0)
                    })
                    .await?
                    .unwrap_or(0);
                execute(
                    &transaction,
                    "list a contact",
                    sql::UPSERT_LISTING,
                    &[
                        &l.id,
                        &l.organisation_id,
                        &l.kind.as_str(),
                        &l.canonical,
                        &l.scam_type.code(),
                        &l.reason,
                        &l.listed_at,
                        &l.expires_at,
                        &l.listed_by,
                    ],
                )
                .await?;
                if exists > 0 {
                    outcome.updated += 1;
                } else {
                    outcome.created += 1;
                }
            }
            outcome
        })
    }

    async fn listings(&self, canonical: Option<&str>) -> Result<Vec<ListingRecord>> {
        in_transaction!(self, |transaction| match canonical {
            Some(value) => query_all(&transaction, &sql::select_listings(true), &[&value], decode::listing).await?,
            None => query_all(&transaction, &sql::select_listings(false), &[], decode::listing).await?,
        })
    }

    async fn add_feed_entries(&self, entries: Vec<NewFeedEntry>) -> Result<FeedImportOutcome> {
        crate::check_feed_entries(&entries)?;
        let total = entries.len();
        let groups = signals::merge_feed_entries(entries);
        in_transaction!(self, |transaction| {
            let mut created = 0;
            let (select_existing, upsert) =
                (sql::select_existing_feed_entries(CanonicalList::Array), sql::upsert_feed_entries_from_arrays());
            for group in &groups {
                for chunk in group.entries.chunks(ARRAY_CHUNK) {
                    let canonicals: Vec<&str> = chunk.iter().map(|e| e.canonical.as_str()).collect();
                    let existing =
                        query_all(&transaction, &select_existing, &[&group.source, &canonicals], |row| row.text(0))
                            .await?;
                    created += chunk.len() - existing.len();
                    let kinds: Vec<&str> = chunk.iter().map(|e| e.kind.as_str()).collect();
                    let trusts: Vec<i32> = chunk.iter().map(|e| i32::from(e.trust_level)).collect();
                    let scam_types: Vec<Option<&str>> = chunk.iter().map(|e| e.scam_type.map(|t| t.code())).collect();
                    let first_seen: Vec<i64> = chunk.iter().map(|e| e.first_seen_at).collect();
                    let last_seen: Vec<i64> = chunk.iter().map(|e| e.last_seen_at).collect();
                    execute(
                        &transaction,
                        "store feed entries",
                        &upsert,
                        &[&group.source, &canonicals, &kinds, &trusts, &scam_types, &first_seen, &last_seen],
                    )
                    .await?;
                }
            }
            FeedImportOutcome { created, duplicates: total - created }
        })
    }

    async fn feed_entries(&self, canonical: &str) -> Result<Vec<FeedEntryRecord>> {
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_FEED_ENTRIES, &[&canonical], decode::feed_entry).await?
        })
    }

    async fn submit_appeal(&self, appeal: NewAppeal) -> Result<AppealRecord> {
        let a = &appeal;
        in_transaction!(self, |transaction| {
            execute(
                &transaction,
                "submit an appeal",
                sql::INSERT_APPEAL,
                &[&a.id, &a.kind.as_str(), &a.canonical, &a.reason, &a.submitted_at],
            )
            .await
            .map_err(|e| if e.code == ErrorCode::Conflict { crate::appeal_pending_already() } else { e })?;
            load_appeal(&transaction, &a.id).await?.ok_or_else(|| not_found("appeal"))?
        })
    }

    async fn decide_appeal(&self, id: &str, upheld: bool, actor: &str, reason: &str, at: i64) -> Result<AppealRecord> {
        let state = if upheld { AppealStatus::Upheld } else { AppealStatus::Rejected };
        in_transaction!(self, |transaction| {
            let changed = execute(
                &transaction,
                "decide an appeal",
                sql::DECIDE_APPEAL,
                &[&id, &state.as_str(), &at, &actor, &reason],
            )
            .await?;
            let appeal = load_appeal(&transaction, id).await?.ok_or_else(|| not_found("appeal"))?;
            if changed == 0 {
                return Err(crate::appeal_already_decided(&appeal));
            }
            appeal
        })
    }

    async fn appeals(&self, canonical: Option<&str>) -> Result<Vec<AppealRecord>> {
        in_transaction!(self, |transaction| match canonical {
            Some(value) => {
                query_all(&transaction, &sql::select_appeals(Some("canonical")), &[&value], decode::appeal).await?
            }
            None => query_all(&transaction, &sql::select_appeals(None), &[], decode::appeal).await?,
        })
    }

    async fn record_screen_decisions(&self, decisions: Arc<[NewScreenDecision]>) -> Result<ScreenDecisionsOutcome> {
        crate::check_screen_decisions(&decisions)?;
        if decisions.is_empty() {
            return Ok(ScreenDecisionsOutcome::default());
        }
        // In key order: two batches with transfers in common (a replay racing the first call) then wait on each
        // other's keys in the same order and never deadlock. Stable, so the first of a key in the call is stored.
        let mut decisions: Vec<&NewScreenDecision> = decisions.iter().collect();
        decisions.sort_by(|a, b| {
            (&a.decision.organisation_id, &a.decision.transfer_id)
                .cmp(&(&b.decision.organisation_id, &b.decision.transfer_id))
        });
        in_transaction!(self, |transaction| {
            let mut outcome = ScreenDecisionsOutcome::default();
            for new in decisions.iter().copied() {
                let d = &new.decision;
                let stored = execute(
                    &transaction,
                    "store a screening decision",
                    sql::INSERT_SCREEN_DECISION,
                    &[
                        &d.id,
                        &d.organisation_id,
                        &d.transfer_id,
                        &d.transfer_at,
                        &d.decided_at,
                        &d.amount,
                        &d.payer,
                        &d.payee,
                        &d.decision,
                        &i32::from(d.level),
                        &i32::from(d.score),
                        &d.rules_version,
                        &d.body,
                    ],
                )
                .await?;
                if stored == 0 {
                    let decided = query_one(
                        &transaction,
                        sql::SCREEN_DECISION_EXISTS,
                        &[&d.organisation_id, &d.transfer_id],
                        |row| row.boolean(0),
                    )
                    .await?;
                    if decided != Some(true) {
                        return Err(crate::screen_decision_id_taken());
                    }
                    outcome.already_stored += 1;
                    continue;
                }
                outcome.stored += 1;
                if let Some(f) = &new.freeze_request {
                    execute(
                        &transaction,
                        "store a freeze request",
                        sql::INSERT_FREEZE_REQUEST,
                        &[
                            &f.id,
                            &f.decision_id,
                            &f.requesting_organisation_id,
                            &f.transfer_id,
                            &f.payee_bin,
                            &f.payee,
                            &f.amount,
                            &f.reason,
                            &f.state,
                            &f.created_at,
                        ],
                    )
                    .await?;
                }
            }
            outcome
        })
    }

    async fn screen_decision(&self, organisation_id: &str, transfer_id: &str) -> Result<Option<ScreenDecisionRecord>> {
        in_transaction!(self, |transaction| {
            query_one(
                &transaction,
                sql::SELECT_SCREEN_DECISION,
                &[&organisation_id, &transfer_id],
                decode::screen_decision,
            )
            .await?
        })
    }

    async fn screen_decisions_of_payee(&self, payee: &str, limit: usize) -> Result<Vec<ScreenDecisionRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = limit.min(crate::MAX_SCREEN_ROWS) as i64;
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_SCREEN_DECISIONS_OF_PAYEE, &[&payee, &limit], decode::screen_decision)
                .await?
        })
    }

    async fn screen_decisions_since(
        &self,
        since: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ScreenDecisionRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let after = after.unwrap_or_default().to_string();
        let limit = limit.min(crate::MAX_SCREEN_ROWS) as i64;
        in_transaction!(self, |transaction| {
            query_all(
                &transaction,
                sql::SELECT_SCREEN_DECISIONS_SINCE,
                &[&since, &after, &limit],
                decode::screen_decision,
            )
            .await?
        })
    }

    async fn freeze_requests(&self, payee_bin: &str, limit: usize) -> Result<Vec<FreezeRequestRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = limit.min(crate::MAX_SCREEN_ROWS) as i64;
        in_transaction!(self, |transaction| {
            query_all(&transaction, sql::SELECT_FREEZE_REQUESTS, &[&payee_bin, &limit], decode::freeze_request).await?
        })
    }

    async fn record_screen_outcome(&self, outcome: ScreenOutcomeRecord) -> Result<ScreenOutcomeRecord> {
        crate::check_screen_outcome(&outcome)?;
        let o = &outcome;
        in_transaction!(self, |transaction| {
            let decisions =
                query_one(&transaction, sql::COUNT_SCREEN_DECISION, &[&o.organisation_id, &o.transfer_id], |row| {
                    row.integer(0)
                })
                .await?
                .unwrap_or(0);
            if decisions == 0 {
                return Err(not_found("screened transfer"));
            }
            execute(
                &transaction,
                "record a screening outcome",
                sql::INSERT_SCREEN_OUTCOME,
                &[&o.id, &o.organisation_id, &o.transfer_id, &o.outcome, &o.note, &o.at],
            )
            .await?;
            outcome.clone()
        })
    }

    async fn screen_outcomes(&self, organisation_id: &str, transfer_id: &str) -> Result<Vec<ScreenOutcomeRecord>> {
        in_transaction!(self, |transaction| {
            query_all(
                &transaction,
                sql::SELECT_SCREEN_OUTCOMES,
                &[&organisation_id, &transfer_id],
                decode::screen_outcome,
            )
            .await?
        })
    }

    async fn contact_signals(&self, canonicals: &[String]) -> Result<Vec<ContactRecord>> {
        if canonicals.is_empty() {
            return Ok(Vec::new());
        }
        in_snapshot!(self, |transaction| contact_signals(&transaction, canonicals).await?)
    }

    async fn contact_signals_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<ContactRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Every canonical form is longer than '' (and sorts after it in any collation).
        let after = after.unwrap_or("");
        let limit = limit.min(crate::MAX_PAGE) as i64;
        in_snapshot!(self, |transaction| {
            let page = query_all(&transaction, sql::SELECT_CONTACT_PAGE, &[&after, &limit], |row| row.text(0)).await?;
            match page.last() {
                // The page is every contact in (after, last]: each table is read by that range.
                Some(last) => contact_signals_in_range(&transaction, &page, after, last).await?,
                None => Vec::new(),
            }
        })
    }
}
