//! The embedded SQLite store.
//!
//! One writer thread owns the only writing connection. Writes wait in a channel; the writer takes every
//! write that is waiting (up to [`MAX_WRITES_PER_COMMIT`]), runs each inside its own savepoint (a failing
//! write rolls back alone), commits once and only then answers each caller: group commit, so one fsync
//! acknowledges many writes and an acknowledged write is always on disk (`synchronous = FULL`).
//! Readers take connections from a small pool and run on tokio's blocking threads; WAL lets them read
//! while the writer writes.

use crate::decode::{self, RowValues};
use crate::migrations::{self, MIGRATIONS, now_millis};
use crate::records::*;
use crate::signals::{self, Assembler};
use crate::sql::{self, CanonicalList, for_sqlite};
use crate::{Backend, Result, Store, conflict, internal, not_found};
use canhgiac_core::report::ReportStatus;
use canhgiac_core::verdict::ContactRecord;
use canhgiac_core::{Error, ErrorCode};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Most writes one commit takes: bounds the latency a write waits behind others.
const MAX_WRITES_PER_COMMIT: usize = 512;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READER_POOL_SIZE: usize = 8;

/// A write waiting for the writer thread.
trait WriteJob: Send {
    /// Runs the write inside the open transaction; false when it failed (and must be rolled back).
    fn run(&mut self, connection: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<()>);
}

struct Job<T, F> {
    operation: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send, F: FnOnce(&Connection) -> Result<T> + Send> WriteJob for Job<T, F> {
    fn run(&mut self, connection: &Connection) -> bool {
        let operation = self.operation.take().expect("a write runs once");
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| operation(connection)))
            .unwrap_or_else(|_| Err(internal("write", "the write panicked")));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<()>) {
        let result = match (commit, self.result) {
            (_, Some(Err(own))) => Err(own),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Err(error), _) => Err(error),
            (Ok(()), None) => Err(internal("write", "the write did not run")),
        };
        let _ = self.reply.send(result);
    }
}

#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Box<dyn WriteJob>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn sqlite_error(context: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |error| {
        if let rusqlite::Error::SqliteFailure(failure, _) = &error
            && failure.code == rusqlite::ErrorCode::ConstraintViolation
        {
            return conflict(format!("{context}: already exists"));
        }
        internal(context, error)
    }
}

/// Pages of WAL after which a commit copies them into the database (see `configure`).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 20_000;
/// The writer connection's page cache, in KiB (see `configure`).
const WRITER_PAGE_CACHE_KIB: i64 = 64 * 1024;

fn configure(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: the WAL is synced at every commit, so an acknowledged write survives a power cut.
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // Checkpoint every 20,000 pages (80 MB of WAL) instead of 1,000: screening decisions go into indexes at random
    // places (the payee), and a page changed many times between two checkpoints is copied into the database once.
    // At 20,000 decisions a second the audit writer fell seconds behind with the default, and kept up with this.
    connection.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    // The writer's page cache: 64 MiB instead of SQLite's 2 MB. With screening decisions written 10,000-20,000 to
    // a transaction, the index by payee's pages are read back more than written; in
    // `bench/examples/screen_audit.rs` (transactions of 20,000) the writer spent 28.3 µs per decision at 1M rows
    // with the default and 19.6-22.9 µs with 64-128 MiB. Allocated as pages are read, so a small database uses little.
    connection.pragma_update(None, "cache_size", -WRITER_PAGE_CACHE_KIB)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating when absent) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| internal("create the data directory", e))?;
        }
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let mut connection = Connection::open(&opened).map_err(|e| internal("open the database", e))?;
            configure(&connection).map_err(|e| internal("configure the database", e))?;
            apply_migrations(&mut connection)?;
            Ok(connection)
        })
        .await
        .map_err(|e| internal("open the database", e))??;

        let (writer, jobs) = mpsc::channel::<Box<dyn WriteJob>>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(connection, jobs))
            .map_err(|e| internal("start the writer thread", e))?;
        Ok(SqliteStore { path, writer, readers: Arc::new(Mutex::new(Vec::new())) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `operation` on the writer thread inside the next group commit; returns after the commit.
    async fn write<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Job { operation: Some(operation), result: None, reply });
        self.writer.send(job).map_err(|_| Error::new(ErrorCode::Unavailable, "the store's writer has stopped"))?;
        answer.await.map_err(|_| Error::new(ErrorCode::Unavailable, "the store's writer has stopped"))?
    }

    /// Runs `operation` on a pooled read connection on a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let connection = match pooled {
                Some(connection) => connection,
                None => {
                    let connection = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(|e| internal("open a read connection", e))?;
                    connection.busy_timeout(BUSY_TIMEOUT).map_err(|e| internal("configure a read connection", e))?;
                    connection
                }
            };
            let result = operation(&connection);
            let mut pool = readers.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < READER_POOL_SIZE {
                pool.push(connection);
            }
            result
        })
        .await
        .map_err(|e| internal("read", e))?
    }
}

fn writer_loop(connection: Connection, jobs: mpsc::Receiver<Box<dyn WriteJob>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_WRITES_PER_COMMIT {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
            let error = internal("begin a transaction", error);
            for job in batch {
                job.finish(Err(error.clone()));
            }
            continue;
        }
        for job in batch.iter_mut() {
            let savepoint = connection.execute_batch("SAVEPOINT write");
            let ok = savepoint.is_ok() && job.run(&connection);
            let end = if ok { "RELEASE write" } else { "ROLLBACK TO write; RELEASE write" };
            let _ = connection.execute_batch(end);
        }
        let commit = connection.execute_batch("COMMIT").map_err(|e| internal("commit", e));
        if commit.is_err() {
            let _ = connection.execute_batch("ROLLBACK");
        }
        for job in batch {
            job.finish(commit.clone());
        }
    }
}

fn apply_migrations(connection: &mut Connection) -> Result<()> {
    connection
        .execute_batch(migrations::SCHEMA_MIGRATIONS_TABLE)
        .map_err(|e| internal("create schema_migrations", e))?;
    let applied: i64 = connection
        .query_row(sql::SELECT_SCHEMA_VERSION, [], |row| row.get(0))
        .map_err(|e| internal("read the schema version", e))?;
    migrations::check_not_newer(applied as u32)?;
    for migration in MIGRATIONS.iter().filter(|m| i64::from(m.version) > applied) {
        let transaction = connection.transaction().map_err(|e| internal("begin a migration", e))?;
        transaction
            .execute_batch(migration.sqlite)
            .map_err(|e| internal(&format!("migration {} ({})", migration.version, migration.name), e))?;
        transaction
            .execute(&for_sqlite(sql::INSERT_MIGRATION), params![migration.version, migration.name, now_millis()])
            .map_err(|e| internal("record a migration", e))?;
        transaction.commit().map_err(|e| internal("commit a migration", e))?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    Ok(())
}

impl RowValues for rusqlite::Row<'_> {
    fn text(&self, index: usize) -> Result<String> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn integer(&self, index: usize) -> Result<i64> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn optional_integer(&self, index: usize) -> Result<Option<i64>> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn bytes(&self, index: usize) -> Result<Vec<u8>> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn optional_bytes(&self, index: usize) -> Result<Option<Vec<u8>>> {
        self.get(index).map_err(|e| internal("decode", e))
    }
    fn boolean(&self, index: usize) -> Result<bool> {
        self.get(index).map_err(|e| internal("decode", e))
    }
}

/// Runs `sql` with `params` and decodes every row.
fn query_all<T>(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    decode: impl Fn(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut statement = connection.prepare_cached(&for_sqlite(sql)).map_err(|e| internal("prepare", e))?;
    let mut rows = statement.query(params).map_err(|e| internal("query", e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| internal("query", e))? {
        out.push(decode(row)?);
    }
    Ok(out)
}

fn query_one<T>(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    decode: impl Fn(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(query_all(connection, sql, params, decode)?.into_iter().next())
}

fn execute(connection: &Connection, context: &str, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
    connection
        .prepare_cached(&for_sqlite(sql))
        .and_then(|mut statement| statement.execute(params))
        .map_err(sqlite_error(context))
}

fn load_report(connection: &Connection, condition: &str, value: &str) -> Result<Option<ReportRecord>> {
    let Some(mut report) =
        query_one(connection, &sql::select_report_where(condition), [value], |row| decode::report(row))?
    else {
        return Ok(None);
    };
    let id = report.id.clone();
    report.contacts = query_all(connection, sql::SELECT_CONTACTS, [&id], |row| decode::contact(row))?;
    report.transfers = query_all(connection, sql::SELECT_TRANSFERS, [&id], |row| decode::transfer(row))?;
    report.evidence = query_all(connection, sql::SELECT_EVIDENCE, [&id], |row| decode::evidence(row))?;
    report.history = query_all(connection, sql::SELECT_HISTORY, [&id], |row| decode::status_change(row))?;
    Ok(Some(report))
}

fn insert_report(connection: &Connection, report: &NewReport) -> Result<()> {
    let r = report;
    execute(
        connection,
        "insert a report",
        sql::INSERT_REPORT,
        params![
            r.id,
            r.tracking_code,
            r.secret_hash,
            r.channel.as_str(),
            r.submitted_by_organisation,
            r.submitted_by,
            r.reporter_role.map(|x| x.as_str()),
            r.reporter_sealed,
            r.scam_type.code(),
            r.narrative,
            r.occurred_at,
            r.province,
            r.commune,
            r.loss_vnd.map(decode::amount_to_sql),
            r.consent.share_with_authorities,
            r.consent.contact_me,
            ReportStatus::Received.as_str(),
            r.created_at,
            r.created_at,
            r.reporter_fingerprint,
        ],
    )?;
    for (position, contact) in r.contacts.iter().enumerate() {
        execute(
            connection,
            "insert a contact",
            sql::INSERT_CONTACT,
            params![r.id, position as i64, contact.kind.as_str(), contact.canonical, contact.source.as_str()],
        )?;
    }
    for (position, transfer) in r.transfers.iter().enumerate() {
        execute(
            connection,
            "insert a transfer",
            sql::INSERT_TRANSFER,
            params![
                r.id,
                position as i64,
                transfer.to_account,
                decode::amount_to_sql(transfer.amount_vnd),
                transfer.at
            ],
        )?;
    }
    for (position, evidence) in r.evidence.iter().enumerate() {
        execute(
            connection,
            "insert evidence",
            sql::INSERT_EVIDENCE,
            params![r.id, position as i64, evidence.sha256, evidence.media_type, evidence.size_bytes as i64],
        )?;
    }
    execute(
        connection,
        "insert the first status",
        sql::INSERT_STATUS_CHANGE,
        params![r.id, 0i64, None::<String>, ReportStatus::Received.as_str(), "system", "received", r.created_at],
    )?;
    Ok(())
}

/// Runs `work` in one read transaction: every query in it sees the same snapshot.
fn in_snapshot<T>(connection: &Connection, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    connection.execute_batch("BEGIN").map_err(|e| internal("begin a read", e))?;
    let result = work(connection);
    let _ = connection.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
    result
}

/// The signals of `canonicals` (see [`Store::contact_signals`]), one query per table per chunk.
fn contact_signals(connection: &Connection, canonicals: &[String]) -> Result<Vec<ContactRecord>> {
    let order = signals::distinct(canonicals);
    let mut records = Vec::new();
    for chunk in order.chunks(signals::CHUNK) {
        let list = signals::padded(chunk);
        let count = CanonicalList::Parameters(list.len());
        records.extend(assemble_signals(connection, count, || rusqlite::params_from_iter(list.iter()), chunk)?);
    }
    Ok(records)
}

/// The records of `order`'s contacts, read by the five signal queries over `list` (bound by `values`).
fn assemble_signals<P: rusqlite::Params>(
    connection: &Connection,
    list: CanonicalList,
    values: impl Fn() -> P,
    order: &[String],
) -> Result<Vec<ContactRecord>> {
    let mut assembler = Assembler::default();
    for row in query_all(connection, &sql::select_signal_reports(list), values(), |r| decode::signal_report(r))? {
        assembler.report(row);
    }
    for row in query_all(connection, &sql::select_signal_listings(list), values(), |r| decode::signal_listing(r))? {
        assembler.listing(row);
    }
    for row in query_all(connection, &sql::select_signal_feeds(list), values(), |r| decode::signal_feed(r))? {
        assembler.feed(row);
    }
    for row in query_all(connection, &sql::select_signal_appeals(list), values(), |r| decode::signal_appeal(r))? {
        assembler.appeal(row);
    }
    for (canonical, related, reports) in
        query_all(connection, &sql::select_signal_related(list), values(), |r| decode::signal_related(r))?
    {
        assembler.related(canonical, related, reports);
    }
    Ok(assembler.finish(order))
}

fn load_appeal(connection: &Connection, id: &str) -> Result<Option<AppealRecord>> {
    query_one(connection, &sql::select_appeals(Some("id")), [id], |row| decode::appeal(row))
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn schema_version(&self) -> Result<u32> {
        self.read(|c| {
            c.query_row(sql::SELECT_SCHEMA_VERSION, [], |row| row.get::<_, i64>(0))
                .map(|v| v as u32)
                .map_err(|e| internal("read the schema version", e))
        })
        .await
    }

    async fn create_organisation(&self, organisation: Organisation) -> Result<Organisation> {
        crate::check_organisation(&organisation)?;
        self.write(move |c| {
            let o = &organisation;
            execute(
                c,
                "create an organisation",
                sql::INSERT_ORGANISATION,
                params![o.id, o.name, o.kind.as_str(), o.trust_level, o.created_at, o.bank_bin],
            )?;
            Ok(organisation)
        })
        .await
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        self.read(|c| query_all(c, sql::SELECT_ORGANISATIONS, [], |row| decode::organisation(row, 0))).await
    }

    async fn organisation(&self, id_or_name: &str) -> Result<Option<Organisation>> {
        let key = id_or_name.to_string();
        self.read(move |c| query_one(c, sql::SELECT_ORGANISATION, [key], |row| decode::organisation(row, 0))).await
    }

    async fn organisation_by_bank_bin(&self, bin: &str) -> Result<Option<Organisation>> {
        let bin = bin.to_string();
        self.read(move |c| {
            query_one(c, sql::SELECT_ORGANISATION_BY_BANK_BIN, [bin], |row| decode::organisation(row, 0))
        })
        .await
    }

    async fn create_user(&self, user: User) -> Result<User> {
        self.write(move |c| {
            let u = &user;
            execute(
                c,
                "create a user",
                sql::INSERT_USER,
                params![u.id, u.organisation_id, u.username, u.display_name, u.role.as_str(), u.created_at],
            )?;
            Ok(user)
        })
        .await
    }

    async fn users(&self, organisation_id: &str) -> Result<Vec<User>> {
        let id = organisation_id.to_string();
        self.read(move |c| query_all(c, sql::SELECT_USERS, [id], |row| decode::user(row))).await
    }

    async fn create_api_key(&self, key: ApiKeyRecord) -> Result<ApiKeyRecord> {
        self.write(move |c| {
            let k = &key;
            execute(
                c,
                "create an API key",
                sql::INSERT_API_KEY,
                params![
                    k.id,
                    k.organisation_id,
                    k.prefix,
                    k.key_hash,
                    k.role.as_str(),
                    k.label,
                    k.created_at,
                    k.revoked_at
                ],
            )?;
            Ok(key)
        })
        .await
    }

    async fn api_keys(&self, organisation_id: Option<&str>) -> Result<Vec<ApiKeyRecord>> {
        let id = organisation_id.map(str::to_string);
        self.read(move |c| match id {
            Some(id) => query_all(c, sql::SELECT_API_KEYS_OF, [id], |row| decode::api_key(row)),
            None => query_all(c, sql::SELECT_API_KEYS, [], |row| decode::api_key(row)),
        })
        .await
    }

    async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKeyWithOrganisation>> {
        let prefix = prefix.to_string();
        self.read(move |c| {
            query_one(c, sql::SELECT_API_KEY_BY_PREFIX, [prefix], |row| {
                Ok(ApiKeyWithOrganisation { key: decode::api_key(row)?, organisation: decode::organisation(row, 8)? })
            })
        })
        .await
    }

    async fn revoke_api_key(&self, prefix: &str, at: i64) -> Result<ApiKeyRecord> {
        let prefix = prefix.to_string();
        self.write(move |c| {
            execute(c, "revoke an API key", sql::REVOKE_API_KEY, params![prefix, at])?;
            query_one(c, sql::SELECT_API_KEY_BY_PREFIX, [&prefix], |row| decode::api_key(row))?
                .ok_or_else(|| not_found("API key"))
        })
        .await
    }

    async fn submit_report(&self, report: NewReport, idempotency: Option<IdempotencyRecord>) -> Result<SubmitOutcome> {
        crate::check_report_amounts(&report)?;
        self.write(move |c| {
            if let Some(record) = &idempotency {
                let existing = query_one(c, sql::SELECT_IDEMPOTENCY, params![record.scope, record.key], |row| {
                    decode::idempotency(row)
                })?;
                if let Some(existing) = existing {
                    return Ok(if existing.request_hash == record.request_hash {
                        SubmitOutcome::Replayed(existing)
                    } else {
                        SubmitOutcome::KeyReused
                    });
                }
            }
            insert_report(c, &report)?;
            if let Some(r) = &idempotency {
                execute(
                    c,
                    "record the idempotency key",
                    sql::INSERT_IDEMPOTENCY,
                    params![r.scope, r.key, r.request_hash, r.report_id, r.response_sealed, r.created_at],
                )?;
            }
            Ok(SubmitOutcome::Created)
        })
        .await
    }

    async fn report_by_tracking_code(&self, tracking_code: &str) -> Result<Option<ReportRecord>> {
        let code = tracking_code.to_string();
        self.read(move |c| load_report(c, "tracking_code = $1", &code)).await
    }

    async fn report_by_id(&self, id: &str) -> Result<Option<ReportRecord>> {
        let id = id.to_string();
        self.read(move |c| load_report(c, "id = $1", &id)).await
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportRecord>> {
        let filter = filter.clone();
        self.read(move |c| {
            let ids = query_all(
                c,
                sql::SELECT_REPORT_IDS,
                params![
                    filter.status.map(|s| s.as_str()),
                    filter.before,
                    filter.contact,
                    filter.limit.clamp(1, 1000) as i64,
                    filter.before_id
                ],
                |row| row.text(0),
            )?;
            let mut reports = Vec::with_capacity(ids.len());
            for id in ids {
                reports.extend(load_report(c, "id = $1", &id)?);
            }
            Ok(reports)
        })
        .await
    }

    async fn count_reports(&self) -> Result<u64> {
        self.read(|c| {
            c.query_row(sql::COUNT_REPORTS, [], |row| row.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| internal("count reports", e))
        })
        .await
    }

    async fn report_counts_by_scam_type(&self, from: i64, to: i64) -> Result<Vec<(String, u64)>> {
        self.read(move |c| {
            query_all(c, sql::COUNT_REPORTS_BY_SCAM_TYPE, params![from, to], |row| {
                Ok((row.text(0)?, row.integer(1)? as u64))
            })
        })
        .await
    }

    async fn change_report_status(
        &self,
        report_id: &str,
        to: ReportStatus,
        actor: &str,
        reason: &str,
        at: i64,
    ) -> Result<ReportRecord> {
        let (id, actor, reason) = (report_id.to_string(), actor.to_string(), reason.to_string());
        self.write(move |c| {
            let report = load_report(c, "id = $1", &id)?.ok_or_else(|| not_found("report"))?;
            report.status.check_transition(to)?;
            let position: i64 = query_one(c, sql::COUNT_HISTORY, [&id], |row| row.integer(0))?.unwrap_or(0);
            execute(
                c,
                "record a status change",
                sql::INSERT_STATUS_CHANGE,
                params![id, position, report.status.as_str(), to.as_str(), actor, reason, at],
            )?;
            execute(c, "change a status", sql::UPDATE_STATUS, params![id, to.as_str(), at])?;
            load_report(c, "id = $1", &id)?.ok_or_else(|| not_found("report"))
        })
        .await
    }

    async fn sealed_reporter_data(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.read(|c| query_all(c, sql::SELECT_SEALED, [], |row| Ok((row.text(0)?, row.bytes(1)?)))).await
    }

    async fn reseal_reporter_data(&self, resealed: Vec<(String, Vec<u8>)>) -> Result<usize> {
        self.write(move |c| {
            let mut updated = 0;
            for (id, sealed) in &resealed {
                updated += execute(c, "re-seal personal data", sql::UPDATE_SEALED, params![id, sealed])?;
            }
            Ok(updated)
        })
        .await
    }

    async fn add_listings(&self, listings: Vec<NewListing>) -> Result<ListingOutcome> {
        self.write(move |c| {
            let mut outcome = ListingOutcome::default();
            for l in &listings {
                let exists: i64 =
                    query_one(c, sql::SELECT_LISTING_EXISTS, params![l.organisation_id, l.canonical], |row| {
                        row.integer(0)
                    })?
                    .unwrap_or(0);
                execute(
                    c,
                    "list a contact",
                    sql::UPSERT_LISTING,
                    params![
                        l.id,
                        l.organisation_id,
                        l.kind.as_str(),
                        l.canonical,
                        l.scam_type.code(),
                        l.reason,
                        l.listed_at,
                        l.expires_at,
                        l.listed_by
                    ],
                )?;
                if exists > 0 {
                    outcome.updated += 1;
                } else {
                    outcome.created += 1;
                }
            }
            Ok(outcome)
        })
        .await
    }

    async fn listings(&self, canonical: Option<&str>) -> Result<Vec<ListingRecord>> {
        let canonical = canonical.map(str::to_string);
        self.read(move |c| match canonical {
            Some(value) => query_all(c, &sql::select_listings(true), [value], |row| decode::listing(row)),
            None => query_all(c, &sql::select_listings(false), [], |row| decode::listing(row)),
        })
        .await
    }

    async fn add_feed_entries(&self, entries: Vec<NewFeedEntry>) -> Result<FeedImportOutcome> {
        crate::check_feed_entries(&entries)?;
        let total = entries.len();
        let groups = signals::merge_feed_entries(entries);
        self.write(move |c| {
            let mut created = 0;
            for group in &groups {
                for chunk in group.entries.chunks(signals::CHUNK) {
                    let mut keys = Vec::with_capacity(chunk.len() + 1);
                    keys.push(Value::Text(group.source.clone()));
                    keys.extend(chunk.iter().map(|e| Value::Text(e.canonical.clone())));
                    let existing = query_all(
                        c,
                        &sql::select_existing_feed_entries(CanonicalList::Parameters(chunk.len())),
                        rusqlite::params_from_iter(keys),
                        |row| row.text(0),
                    )?;
                    created += chunk.len() - existing.len();
                    let mut values = Vec::with_capacity(1 + chunk.len() * sql::FEED_ROW_PARAMETERS);
                    values.push(Value::Text(group.source.clone()));
                    for e in chunk {
                        values.push(Value::Text(e.canonical.clone()));
                        values.push(Value::Text(e.kind.as_str().to_string()));
                        values.push(Value::Integer(i64::from(e.trust_level)));
                        values.push(e.scam_type.map_or(Value::Null, |t| Value::Text(t.code().to_string())));
                        values.push(Value::Integer(e.first_seen_at));
                        values.push(Value::Integer(e.last_seen_at));
                    }
                    execute(
                        c,
                        "store feed entries",
                        &sql::upsert_feed_entries(chunk.len()),
                        rusqlite::params_from_iter(values),
                    )?;
                }
            }
            Ok(FeedImportOutcome { created, duplicates: total - created })
        })
        .await
    }

    async fn feed_entries(&self, canonical: &str) -> Result<Vec<FeedEntryRecord>> {
        let canonical = canonical.to_string();
        self.read(move |c| query_all(c, sql::SELECT_FEED_ENTRIES, [canonical], |row| decode::feed_entry(row))).await
    }

    async fn submit_appeal(&self, appeal: NewAppeal) -> Result<AppealRecord> {
        self.write(move |c| {
            let a = &appeal;
            execute(
                c,
                "submit an appeal",
                sql::INSERT_APPEAL,
                params![a.id, a.kind.as_str(), a.canonical, a.reason, a.submitted_at],
            )
            .map_err(|e| if e.code == ErrorCode::Conflict { crate::appeal_pending_already() } else { e })?;
            load_appeal(c, &a.id)?.ok_or_else(|| not_found("appeal"))
        })
        .await
    }

    async fn decide_appeal(&self, id: &str, upheld: bool, actor: &str, reason: &str, at: i64) -> Result<AppealRecord> {
        let (id, actor, reason) = (id.to_string(), actor.to_string(), reason.to_string());
        let state = if upheld { AppealStatus::Upheld } else { AppealStatus::Rejected };
        self.write(move |c| {
            let changed =
                execute(c, "decide an appeal", sql::DECIDE_APPEAL, params![id, state.as_str(), at, actor, reason])?;
            let appeal = load_appeal(c, &id)?.ok_or_else(|| not_found("appeal"))?;
            if changed == 0 {
                return Err(crate::appeal_already_decided(&appeal));
            }
            Ok(appeal)
        })
        .await
    }

    async fn appeals(&self, canonical: Option<&str>) -> Result<Vec<AppealRecord>> {
        let canonical = canonical.map(str::to_string);
        self.read(move |c| match canonical {
            Some(value) => query_all(c, &sql::select_appeals(Some("canonical")), [value], |row| decode::appeal(row)),
            None => query_all(c, &sql::select_appeals(None), [], |row| decode::appeal(row)),
        })
        .await
    }

    async fn record_screen_decisions(&self, decisions: Arc<[NewScreenDecision]>) -> Result<ScreenDecisionsOutcome> {
        crate::check_screen_decisions(&decisions)?;
        if decisions.is_empty() {
            return Ok(ScreenDecisionsOutcome::default());
        }
        self.write(move |c| {
            let mut outcome = ScreenDecisionsOutcome::default();
            for new in decisions.iter() {
                let d = &new.decision;
                let stored = execute(
                    c,
                    "store a screening decision",
                    sql::INSERT_SCREEN_DECISION,
                    params![
                        d.id,
                        d.organisation_id,
                        d.transfer_id,
                        d.transfer_at,
                        d.decided_at,
                        d.amount,
                        d.payer,
                        d.payee,
                        d.decision,
                        d.level,
                        d.score,
                        d.rules_version,
                        d.body
                    ],
                )?;
                if stored == 0 {
                    let decided =
                        query_one(c, sql::SCREEN_DECISION_EXISTS, params![d.organisation_id, d.transfer_id], |row| {
                            row.boolean(0)
                        })?;
                    if decided != Some(true) {
                        return Err(crate::screen_decision_id_taken());
                    }
                    outcome.already_stored += 1;
                    continue;
                }
                outcome.stored += 1;
                if let Some(f) = &new.freeze_request {
                    execute(
                        c,
                        "store a freeze request",
                        sql::INSERT_FREEZE_REQUEST,
                        params![
                            f.id,
                            f.decision_id,
                            f.requesting_organisation_id,
                            f.transfer_id,
                            f.payee_bin,
                            f.payee,
                            f.amount,
                            f.reason,
                            f.state,
                            f.created_at
                        ],
                    )?;
                }
            }
            Ok(outcome)
        })
        .await
    }

    async fn screen_decision(&self, organisation_id: &str, transfer_id: &str) -> Result<Option<ScreenDecisionRecord>> {
        let (organisation_id, transfer_id) = (organisation_id.to_string(), transfer_id.to_string());
        self.read(move |c| {
            query_one(c, sql::SELECT_SCREEN_DECISION, params![organisation_id, transfer_id], |row| {
                decode::screen_decision(row)
            })
        })
        .await
    }

    async fn screen_decisions_of_payee(&self, payee: &str, limit: usize) -> Result<Vec<ScreenDecisionRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let payee = payee.to_string();
        let limit = limit.min(crate::MAX_SCREEN_ROWS) as i64;
        self.read(move |c| {
            query_all(c, sql::SELECT_SCREEN_DECISIONS_OF_PAYEE, params![payee, limit], |row| {
                decode::screen_decision(row)
            })
        })
        .await
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
        self.read(move |c| {
            query_all(c, sql::SELECT_SCREEN_DECISIONS_SINCE, params![since, after, limit], |row| {
                decode::screen_decision(row)
            })
        })
        .await
    }

    async fn freeze_requests(&self, payee_bin: &str, limit: usize) -> Result<Vec<FreezeRequestRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let payee_bin = payee_bin.to_string();
        let limit = limit.min(crate::MAX_SCREEN_ROWS) as i64;
        self.read(move |c| {
            query_all(c, sql::SELECT_FREEZE_REQUESTS, params![payee_bin, limit], |row| decode::freeze_request(row))
        })
        .await
    }

    async fn record_screen_outcome(&self, outcome: ScreenOutcomeRecord) -> Result<ScreenOutcomeRecord> {
        crate::check_screen_outcome(&outcome)?;
        self.write(move |c| {
            let o = &outcome;
            let decisions =
                query_one(c, sql::COUNT_SCREEN_DECISION, params![o.organisation_id, o.transfer_id], |row| {
                    row.integer(0)
                })?
                .unwrap_or(0);
            if decisions == 0 {
                return Err(not_found("screened transfer"));
            }
            execute(
                c,
                "record a screening outcome",
                sql::INSERT_SCREEN_OUTCOME,
                params![o.id, o.organisation_id, o.transfer_id, o.outcome, o.note, o.at],
            )?;
            Ok(outcome)
        })
        .await
    }

    async fn screen_outcomes(&self, organisation_id: &str, transfer_id: &str) -> Result<Vec<ScreenOutcomeRecord>> {
        let (organisation_id, transfer_id) = (organisation_id.to_string(), transfer_id.to_string());
        self.read(move |c| {
            query_all(c, sql::SELECT_SCREEN_OUTCOMES, params![organisation_id, transfer_id], |row| {
                decode::screen_outcome(row)
            })
        })
        .await
    }

    async fn contact_signals(&self, canonicals: &[String]) -> Result<Vec<ContactRecord>> {
        if canonicals.is_empty() {
            return Ok(Vec::new());
        }
        let canonicals = canonicals.to_vec();
        self.read(move |c| in_snapshot(c, |c| contact_signals(c, &canonicals))).await
    }

    async fn contact_signals_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<ContactRecord>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Every canonical form is longer than '' (and sorts after it in any collation).
        let after = after.unwrap_or("").to_string();
        let limit = limit.min(crate::MAX_PAGE) as i64;
        self.read(move |c| {
            in_snapshot(c, |c| {
                let page = query_all(c, sql::SELECT_CONTACT_PAGE, params![after, limit], |row| row.text(0))?;
                let Some(last) = page.last() else { return Ok(Vec::new()) };
                // The page is every contact in (after, last]: each table is read by that range.
                let bounds = [after.as_str(), last.as_str()];
                assemble_signals(c, CanonicalList::Range, || rusqlite::params_from_iter(bounds), &page)
            })
        })
        .await
    }
}

/// Copies the live database at `database` into `destination` as one consistent snapshot, while the
/// server keeps writing (WAL: the copy reads one snapshot and never blocks the writer).
pub fn backup_sqlite(database: &Path, destination: &Path) -> Result<u64> {
    if !database.exists() {
        return Err(Error::new(ErrorCode::NotFound, format!("no database at {}", database.display())));
    }
    let source = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| internal("open the database", e))?;
    source.busy_timeout(BUSY_TIMEOUT).map_err(|e| internal("configure the database", e))?;
    let temporary = destination.with_extension("partial");
    let _ = std::fs::remove_file(&temporary);
    {
        let mut target = Connection::open(&temporary).map_err(|e| internal("create the backup file", e))?;
        let backup =
            rusqlite::backup::Backup::new(&source, &mut target).map_err(|e| internal("start the backup", e))?;
        // All pages in one step: one read transaction, so one consistent snapshot.
        backup.step(-1).map_err(|e| internal("copy the database", e))?;
    }
    let file = std::fs::File::open(&temporary).map_err(|e| internal("open the backup file", e))?;
    file.sync_all().map_err(|e| internal("sync the backup file", e))?;
    std::fs::rename(&temporary, destination).map_err(|e| internal("move the backup into place", e))?;
    let reports: i64 = Connection::open_with_flags(destination, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row(sql::COUNT_REPORTS, [], |row| row.get(0)))
        .map_err(|e| internal("read the backup", e))?;
    Ok(reports as u64)
}

/// Replaces the database at `database` with the backup at `backup` (the server must be stopped).
/// The backup is checked first: a file that is not a canhgiac database changes nothing.
pub fn restore_sqlite(backup: &Path, database: &Path) -> Result<u64> {
    let source = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::new(ErrorCode::InvalidFile, format!("cannot open the backup: {e}")))?;
    let integrity: String = source
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|e| Error::new(ErrorCode::InvalidFile, format!("the backup is not a SQLite database: {e}")))?;
    if integrity != "ok" {
        return Err(Error::new(ErrorCode::InvalidFile, format!("the backup is damaged: {integrity}")));
    }
    let version: i64 = source
        .query_row(sql::SELECT_SCHEMA_VERSION, [], |row| row.get(0))
        .map_err(|_| Error::new(ErrorCode::InvalidFile, "the file is not a canhgiac backup (no schema_migrations)"))?;
    migrations::check_not_newer(version as u32)?;
    let reports: i64 =
        source.query_row(sql::COUNT_REPORTS, [], |row| row.get(0)).map_err(|e| internal("read the backup", e))?;
    if let Some(parent) = database.parent() {
        std::fs::create_dir_all(parent).map_err(|e| internal("create the data directory", e))?;
    }
    let mut target = Connection::open(database).map_err(|e| internal("open the database", e))?;
    configure(&target).map_err(|e| internal("configure the database", e))?;
    let backup = rusqlite::backup::Backup::new(&source, &mut target).map_err(|e| internal("start the restore", e))?;
    backup.step(-1).map_err(|e| internal("restore the database", e))?;
    drop(backup);
    target.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").map_err(|e| internal("checkpoint", e))?;
    Ok(reports as u64)
}

impl From<PathBuf> for crate::StoreLocation {
    fn from(path: PathBuf) -> Self {
        crate::StoreLocation::Sqlite(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store at schema version 3 with feed entries is moved to the table ordered by contact with every row kept,
    /// and the import's upsert still finds its rows by `(source, canonical)`.
    #[test]
    fn feed_entries_survive_the_move_to_a_table_ordered_by_contact() {
        let directory = tempfile::tempdir().unwrap();
        let mut connection = Connection::open(directory.path().join("old.db")).unwrap();
        configure(&connection).unwrap();
        connection.execute_batch(migrations::SCHEMA_MIGRATIONS_TABLE).unwrap();
        for migration in MIGRATIONS.iter().filter(|m| m.version <= 3) {
            connection.execute_batch(migration.sqlite).unwrap();
            connection
                .execute(&for_sqlite(sql::INSERT_MIGRATION), params![migration.version, migration.name, 0])
                .unwrap();
        }
        let rows = [
            ("openphish", "b.example", 60, None, 5, 6),
            ("chongluadao", "b.example", 70, Some("phishing"), 3, 9),
            ("openphish", "a.example", 60, Some("phishing"), 1, 2),
        ];
        for (source, canonical, trust, scam_type, first, last) in rows {
            connection
                .execute(
                    "INSERT INTO feed_entries (source, canonical, kind, trust_level, scam_type, first_seen_at, \
                     last_seen_at) VALUES (?1, ?2, 'domain', ?3, ?4, ?5, ?6)",
                    params![source, canonical, trust, scam_type, first, last],
                )
                .unwrap();
        }
        apply_migrations(&mut connection).unwrap();

        let version: i64 = connection.query_row(sql::SELECT_SCHEMA_VERSION, [], |row| row.get(0)).unwrap();
        assert_eq!(version, 4);
        let table: String = connection
            .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'feed_entries'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(table.contains("WITHOUT ROWID") && table.contains("PRIMARY KEY (canonical, source)"), "{table}");
        let read = |connection: &Connection| -> Vec<(String, String, i64, Option<String>, i64, i64)> {
            let mut statement = connection
                .prepare(
                    "SELECT source, canonical, trust_level, scam_type, first_seen_at, last_seen_at FROM feed_entries \
                     ORDER BY source, canonical",
                )
                .unwrap();
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let moved = read(&connection);
        let mut expected: Vec<_> = rows
            .iter()
            .map(|&(source, canonical, trust, scam_type, first, last)| {
                (source.to_string(), canonical.to_string(), trust, scam_type.map(str::to_string), first, last)
            })
            .collect();
        expected.sort();
        assert_eq!(moved, expected);

        // The upsert's conflict target names the key's columns in the other order.
        connection
            .execute(
                &for_sqlite(&sql::upsert_feed_entries(1)),
                params!["openphish", "a.example", "domain", 80, Option::<String>::None, 0, 7],
            )
            .unwrap();
        let count: i64 = connection.query_row("SELECT COUNT(*) FROM feed_entries", [], |row| row.get(0)).unwrap();
        assert_eq!(count, 3);
        let refreshed = read(&connection).into_iter().find(|row| row.0 == "openphish" && row.1 == "a.example").unwrap();
        assert_eq!(refreshed, ("openphish".into(), "a.example".into(), 80, Some("phishing".into()), 0, 7));
    }
}
