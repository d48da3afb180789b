//! Transfer screening over HTTP, for banks and e-wallets (API keys of those organisations):
//!
//! - `POST /v1/screen/transfer`: the decision, answered from memory; idempotent by the bank's transfer id.
//! - `POST /v1/screen/feed`: transfers a bank reports after the fact (up to [`MAX_FEED_TRANSFERS`]), for the
//!   behaviour windows.
//! - `POST /v1/screen/outcome`: the customer cancelled or went ahead, or the transfer was confirmed as fraud
//!   (which lists the payee account in the reputation index, the bank as its source).
//! - `GET /v1/screen/transfers/{transfer_id}`: a decision as it was answered, with its outcomes (audit).
//! - `GET /v1/screen/freeze-requests`: the freeze requests addressed to the caller's bank.
//! - `POST /v1/screen/rules/reload` (platform admins) and SIGHUP: reload the rules file without a restart.
//!
//! Every decision is written to the store by one writer task, in batches, never on the answer's path; a failed
//! write is retried until it lands, and shutdown waits for the queue to drain.

use crate::AppState;
use crate::auth::CallerOrganisation;
use crate::error::ApiError;
use crate::intake::{ListingInput, now_millis};
use crate::json::ApiJson;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use canhgiac_core::access::Principal;
use canhgiac_core::text::free_text_at_most;
use canhgiac_core::{Error, ErrorCategory, ErrorCode, ScamType};
use canhgiac_screen::behaviour::{AccountKey, DAY_SECONDS, seconds};
use canhgiac_screen::remark::RemarkReader;
use canhgiac_screen::rules::{RULES_FILE, RuleSet, SHIPPED_RULES};
use canhgiac_screen::transfer::{TimeValue, canonical_account, check_amount, check_transfer_id, parse_time};
use canhgiac_screen::{Asker, Decision, DecisionKind, Screener, TransferRequest};
use canhgiac_store::{
    FREEZE_REQUEST_OPEN, FreezeRequestRecord, NewScreenDecision, ScreenDecisionRecord, ScreenOutcomeRecord, Store,
};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Most transfers one `POST /v1/screen/feed` may carry.
pub const MAX_FEED_TRANSFERS: usize = 10_000;
/// How long answered transfer ids are remembered in memory (and read back from the store at start-up) for
/// idempotent answers; an older transfer id is looked up in the store.
const ANSWERED_MEMORY_SECONDS: i64 = 2 * DAY_SECONDS as i64;
const ANSWERED_SHARDS: usize = 64;
/// Decisions written to the store in one transaction at most.
const AUDIT_BATCH: usize = 20_000;
/// How long the audit writer lets decisions gather after the first one arrives before it writes them, unless
/// [`AUDIT_BATCH`] are waiting or someone waits for one ([`until_stored`]). A decision goes into an index at a random
/// place (its payee), so every one costs a page write in a small transaction: in `bench/examples/screen_audit.rs`
/// the writer spent 31–34 µs per decision in transactions of 2,000 and 15–20 µs in transactions of 20,000, at 20,000
/// decisions a second a third of a core. Decisions are answered before they are stored either way.
const AUDIT_LINGER: Duration = Duration::from_millis(500);

/// What is known of a transfer id already answered.
#[derive(Debug, Clone)]
enum Answered {
    /// Being decided now by another request.
    InFlight,
    /// Answered; the body waits for the audit writer.
    Pending(Bytes),
    /// Answered and in the store.
    Stored,
}

#[derive(Debug, Default)]
struct AnsweredShard {
    /// Key: a hash of (organisation id, transfer id); value: the state and when it was answered (Unix seconds).
    entries: HashMap<u64, (Answered, i64)>,
}

/// Transfer ids answered recently, sharded so that concurrent screenings rarely meet on a lock.
#[derive(Debug)]
struct AnsweredIds {
    shards: Vec<Mutex<AnsweredShard>>,
}

fn answered_key(organisation_id: &str, transfer_id: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    organisation_id.hash(&mut hasher);
    transfer_id.hash(&mut hasher);
    hasher.finish()
}

impl AnsweredIds {
    fn new() -> Self {
        AnsweredIds { shards: (0..ANSWERED_SHARDS).map(|_| Mutex::new(AnsweredShard::default())).collect() }
    }

    fn shard(&self, key: u64) -> parking_lot::MutexGuard<'_, AnsweredShard> {
        self.shards[(key >> 58) as usize % ANSWERED_SHARDS].lock()
    }

    /// Claims a transfer id: `None` when it is new (now in flight), else what is known of it.
    fn claim(&self, key: u64, now_seconds: i64) -> Option<Answered> {
        let mut shard = self.shard(key);
        match shard.entries.get(&key) {
            Some((answered, _)) => Some(answered.clone()),
            None => {
                shard.entries.insert(key, (Answered::InFlight, now_seconds));
                None
            }
        }
    }

    fn set(&self, key: u64, answered: Answered, now_seconds: i64) {
        self.shard(key).entries.insert(key, (answered, now_seconds));
    }

    fn get(&self, key: u64) -> Option<Answered> {
        self.shard(key).entries.get(&key).map(|(a, _)| a.clone())
    }

    fn release(&self, key: u64) {
        self.shard(key).entries.remove(&key);
    }

    /// Forgets ids answered before `horizon` (Unix seconds) that are in the store.
    fn forget_before(&self, horizon: i64) -> usize {
        let mut forgotten = 0;
        for shard in &self.shards {
            let mut shard = shard.lock();
            let before = shard.entries.len();
            shard.entries.retain(|_, (answered, at)| !matches!(answered, Answered::Stored) || *at >= horizon);
            forgotten += before - shard.entries.len();
        }
        forgotten
    }
}

/// One decision on its way to the store.
struct AuditItem {
    key: u64,
    record: NewScreenDecision,
}

/// The screening service the routes share.
pub struct Screening {
    screener: Arc<Screener>,
    rules_path: PathBuf,
    answered: Arc<AnsweredIds>,
    audit: mpsc::UnboundedSender<AuditItem>,
    /// Tells the audit writer to stop gathering and write what is waiting.
    audit_now: Arc<tokio::sync::Notify>,
    counters: Arc<ScreeningCounters>,
}

/// What screening did since the server started, for the operators' metrics (`crate::metrics`).
#[derive(Debug, Default)]
struct ScreeningCounters {
    /// Decisions made (not answers repeated for a transfer id already screened), by `DecisionKind`.
    decisions: [AtomicU64; DecisionKind::ALL.len()],
    /// Decisions handed to the audit writer, and of them stored, and refused by the store for good.
    audit_queued: AtomicU64,
    audit_stored: AtomicU64,
    audit_refused: AtomicU64,
    /// Writes of a batch that failed and were tried again (the store down or busy).
    audit_failed_writes: AtomicU64,
}

impl ScreeningCounters {
    fn add(counter: &AtomicU64, count: usize) {
        counter.fetch_add(count as u64, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Screening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screening").field("screener", &self.screener).finish()
    }
}

/// The rules in `<data dir>/screening_rules.toml`, or the shipped ones when there is none.
pub fn load_rules(data_dir: &FilePath) -> Result<RuleSet, Error> {
    let path = data_dir.join(RULES_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => RuleSet::parse(&text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => RuleSet::parse(SHIPPED_RULES),
        Err(error) => {
            Err(Error::new(ErrorCode::InvalidRules, format!("cannot read {RULES_FILE}: {error}")).with_field("rules"))
        }
    }
}

/// Waits for the audit writer to drain when the server stops.
pub struct AuditWriter {
    handle: tokio::task::JoinHandle<()>,
}

impl AuditWriter {
    /// Waits (at most `limit`) for every decision queued before the last sender was dropped to be stored.
    pub async fn drained(self, limit: Duration) {
        if tokio::time::timeout(limit, self.handle).await.is_err() {
            tracing::error!("screening decisions still unwritten at shutdown after the wait");
        }
    }
}

impl Screening {
    /// Starts screening: the rules from the data directory, the transfer ids and windows of the last day read
    /// back from the store, the audit writer and the SIGHUP reload.
    pub async fn start(
        data_dir: &FilePath,
        store: Arc<dyn Store>,
        index: Arc<canhgiac_index::ReputationIndex>,
    ) -> Result<(Arc<Screening>, AuditWriter), Error> {
        let rules = load_rules(data_dir)?;
        tracing::info!(version = %rules.version, rules = rules.rules.len(), "screening rules loaded");
        let screener = Arc::new(Screener::new(rules));
        let answered = Arc::new(AnsweredIds::new());
        let warmed = warm_up(&*store, &screener, &answered, &index).await?;
        if warmed > 0 {
            tracing::info!(decisions = warmed, "screening windows refilled from the store");
        }
        let (audit, receiver) = mpsc::unbounded_channel();
        let audit_now = Arc::new(tokio::sync::Notify::new());
        let counters = Arc::new(ScreeningCounters::default());
        let writer = AuditTarget { store, answered: answered.clone(), counters: counters.clone() };
        let handle = tokio::spawn(write_audit(writer, receiver, audit_now.clone(), AUDIT_LINGER));
        let screening = Arc::new(Screening {
            screener,
            rules_path: data_dir.join(RULES_FILE),
            answered: answered.clone(),
            audit,
            audit_now,
            counters,
        });
        spawn_housekeeping(screening.clone());
        Ok((screening, AuditWriter { handle }))
    }

    pub fn screener(&self) -> &Screener {
        &self.screener
    }

    /// Reloads the rules file; on any error the rules in use stay.
    pub fn reload(&self) -> Result<Arc<RuleSet>, Error> {
        let text = match std::fs::read_to_string(&self.rules_path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => SHIPPED_RULES.to_string(),
            Err(error) => {
                return Err(Error::new(ErrorCode::InvalidRules, format!("cannot read {RULES_FILE}: {error}"))
                    .with_field("rules"));
            }
        };
        self.screener.reload(&text)
    }

    /// Writes screening's metrics: decisions by outcome, the audit writer's work and backlog, the rules' version.
    pub(crate) fn encode_metrics(
        &self,
        encoder: &mut prometheus_client::encoding::DescriptorEncoder,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        use prometheus_client::metrics::MetricType;
        use prometheus_client::metrics::counter::ConstCounter;
        let counters = &self.counters;
        {
            let mut metric = encoder.encode_descriptor(
                "canhgiac_screen_decisions",
                "Transfers screened by POST /v1/screen/transfer, by decision (an id asked again is not counted again).",
                None,
                MetricType::Counter,
            )?;
            for (kind, count) in DecisionKind::ALL.iter().zip(&counters.decisions) {
                let labels = [("decision", kind.as_str())];
                ConstCounter::new(count.load(Ordering::Relaxed)).encode(metric.encode_family(&labels)?)?;
            }
        }
        let queued = counters.audit_queued.load(Ordering::Relaxed);
        let stored = counters.audit_stored.load(Ordering::Relaxed);
        let refused = counters.audit_refused.load(Ordering::Relaxed);
        crate::metrics::counter(
            encoder,
            "canhgiac_screen_audit_stored",
            "Screening decisions written to the store by the audit writer.",
            stored,
        )?;
        crate::metrics::counter(
            encoder,
            "canhgiac_screen_audit_refused",
            "Screening decisions the store refused for good (each logged with its decision id).",
            refused,
        )?;
        crate::metrics::counter(
            encoder,
            "canhgiac_screen_audit_failed_writes",
            "Writes of a batch of decisions that failed and were tried again.",
            counters.audit_failed_writes.load(Ordering::Relaxed),
        )?;
        crate::metrics::gauge(
            encoder,
            "canhgiac_screen_audit_backlog",
            "Screening decisions answered and not yet written to the store.",
            i64::try_from(queued.saturating_sub(stored + refused)).unwrap_or(i64::MAX),
        )?;
        let rules = self.screener.rules();
        let mut metric = encoder.encode_descriptor(
            "canhgiac_screen_rules",
            "The screening rules in use.",
            None,
            MetricType::Info,
        )?;
        metric.encode_info(&[("version", rules.version.as_str())])
    }
}

/// Reads the decisions of the last two days: their ids (answered already) and, for the last day, their transfers
/// into the behaviour windows, in the order they were decided.
async fn warm_up(
    store: &dyn Store,
    screener: &Screener,
    answered: &AnsweredIds,
    index: &canhgiac_index::ReputationIndex,
) -> Result<usize, Error> {
    let now = now_millis();
    let since = now - ANSWERED_MEMORY_SECONDS * 1000;
    // Decision ids are UUID v7: their text starts with the millisecond they were made, so the walk starts at the
    // first id of `since` rather than at the table's beginning.
    let mut after: Option<String> = Some(uuid_v7_floor(since));
    let mut count = 0;
    loop {
        let page = store.screen_decisions_since(since, after.as_deref(), canhgiac_store::MAX_SCREEN_ROWS).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for decision in &page {
            answered.set(
                answered_key(&decision.organisation_id, &decision.transfer_id),
                Answered::Stored,
                decision.decided_at / 1000,
            );
            if decision.decided_at >= now - i64::from(DAY_SECONDS) * 1000 {
                screener.observe(
                    &decision.payer,
                    &decision.payee,
                    decision.transfer_at,
                    decision.amount.max(0) as u64,
                    Some(index),
                );
                if decision.level >= 2 {
                    screener.behaviour().flag(AccountKey::of(&decision.payee), seconds(decision.transfer_at));
                }
            }
            count += 1;
        }
    }
    Ok(count)
}

/// The smallest UUID v7 text of a millisecond (ids compare as text in the store).
fn uuid_v7_floor(at_ms: i64) -> String {
    let ms = at_ms.max(0) as u64 & 0xffff_ffff_ffff;
    format!("{:08x}-{:04x}-0000-0000-000000000000", ms >> 16, ms & 0xffff)
}

/// Where the audit writer writes, and what it marks and counts.
struct AuditTarget {
    store: Arc<dyn Store>,
    answered: Arc<AnsweredIds>,
    counters: Arc<ScreeningCounters>,
}

/// The audit writer: from the first decision that arrives, waits `linger` (or until told to write now), then
/// everything waiting (up to [`AUDIT_BATCH`]) goes to the store in one transaction; a failure is retried (the items
/// stay queued) until it lands. Ends when every sender is gone and the queue is empty.
async fn write_audit(
    target: AuditTarget,
    mut receiver: mpsc::UnboundedReceiver<AuditItem>,
    write_now: Arc<tokio::sync::Notify>,
    linger: Duration,
) {
    let AuditTarget { store, answered, counters } = target;
    let mut batch: Vec<AuditItem> = Vec::new();
    // The last batch was full: more are waiting, write them without lingering.
    let mut behind = false;
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        if !behind && !receiver.is_closed() {
            // Woken by the deadline or a waiter, not by each decision: the senders do not wake this task.
            tokio::select! {
                () = tokio::time::sleep(linger) => {}
                () = write_now.notified() => {}
            }
        }
        while batch.len() < AUDIT_BATCH {
            match receiver.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        behind = batch.len() == AUDIT_BATCH;
        // The records shared with the store, so that a retry needs no copy; the keys kept to mark them stored.
        let (keys, records): (Vec<u64>, Vec<NewScreenDecision>) =
            batch.drain(..).map(|item| (item.key, item.record)).unzip();
        let records: Arc<[NewScreenDecision]> = records.into();
        let mut wait = Duration::from_millis(50);
        loop {
            match store.record_screen_decisions(records.clone()).await {
                Ok(_) => {
                    ScreeningCounters::add(&counters.audit_stored, records.len());
                    break;
                }
                // The store is down or busy: wait and write the same batch again, for as long as it takes.
                Err(error) if matches!(error.category(), ErrorCategory::Internal | ErrorCategory::Unavailable) => {
                    ScreeningCounters::add(&counters.audit_failed_writes, 1);
                    tracing::warn!(
                        code = error.code.as_str(),
                        queued = records.len(),
                        "storing screening decisions failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                // One decision the store refuses (a conflict, a value it will never take) must not hold back the
                // others: write them one by one and say which could not be stored.
                Err(_) => {
                    write_one_by_one(&*store, &records, &counters).await;
                    break;
                }
            }
        }
        // Marked on a blocking thread, where the records are also freed: 20,000 decisions are milliseconds of work
        // that would stall the requests waiting on this async thread.
        let now = now_millis() / 1000;
        let answered = answered.clone();
        let marked = tokio::task::spawn_blocking(move || {
            for key in keys {
                answered.set(key, Answered::Stored, now);
            }
            drop(records);
        });
        if marked.await.is_err() {
            tracing::error!("marking stored screening decisions failed");
        }
    }
}

async fn write_one_by_one(store: &dyn Store, records: &[NewScreenDecision], counters: &ScreeningCounters) {
    for record in records {
        let mut wait = Duration::from_millis(50);
        loop {
            match store.record_screen_decisions(Arc::from([record.clone()])).await {
                Ok(_) => {
                    ScreeningCounters::add(&counters.audit_stored, 1);
                    break;
                }
                Err(error) if matches!(error.category(), ErrorCategory::Internal | ErrorCategory::Unavailable) => {
                    ScreeningCounters::add(&counters.audit_failed_writes, 1);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    // The decision id names the row for an operator; no personal data is logged.
                    tracing::error!(
                        code = error.code.as_str(),
                        decision_id = %record.decision.id,
                        "the store refuses a screening decision; it is not stored"
                    );
                    ScreeningCounters::add(&counters.audit_refused, 1);
                    break;
                }
            }
        }
    }
}

fn spawn_housekeeping(screening: Arc<Screening>) {
    let weak = Arc::downgrade(&screening);
    drop(screening);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        every.tick().await;
        #[cfg(unix)]
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let reload = {
                let hangup_received = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = every.tick() => false,
                    _ = hangup_received => true,
                }
            };
            #[cfg(not(unix))]
            let reload = {
                every.tick().await;
                false
            };
            let Some(screening) = weak.upgrade() else { break };
            if reload {
                match screening.reload() {
                    Ok(rules) => tracing::info!(version = %rules.version, "SIGHUP: screening rules reloaded"),
                    Err(error) => {
                        tracing::warn!(code = error.code.as_str(), message = %error.message, "SIGHUP: the screening rules file is refused; the rules in use stay")
                    }
                }
            }
            let forgotten = screening.answered.forget_before(now_millis() / 1000 - ANSWERED_MEMORY_SECONDS);
            if forgotten > 0 {
                tracing::debug!(forgotten, "old transfer ids forgotten");
            }
        }
    });
}

fn screening(state: &AppState) -> Result<&Arc<Screening>, ApiError> {
    state.screening().ok_or_else(|| Error::new(ErrorCode::Unavailable, "this server runs without a store").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(id: &str, transfer_id: &str) -> NewScreenDecision {
        NewScreenDecision {
            decision: ScreenDecisionRecord {
                id: id.into(),
                organisation_id: "org-bank".into(),
                transfer_id: transfer_id.into(),
                transfer_at: 1,
                decided_at: 2,
                amount: 1000,
                payer: "bank:970436:0011004123456".into(),
                payee: "bank:970418:21100000001".into(),
                decision: "allow".into(),
                level: 0,
                score: 0,
                rules_version: "test".into(),
                body: "{}".into(),
            },
            freeze_request: None,
        }
    }

    /// A SQLite store in a temporary directory (kept alive by the second value) with the bank `org-bank`.
    async fn store_with_a_bank() -> (Arc<dyn Store>, tempfile::TempDir) {
        let directory = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(canhgiac_store::SqliteStore::open(&directory.path().join("canhgiac.db")).await.unwrap());
        store
            .create_organisation(canhgiac_store::Organisation {
                id: "org-bank".into(),
                name: "Bank".into(),
                kind: canhgiac_core::access::OrganisationKind::Bank,
                trust_level: 80,
                created_at: 1,
                bank_bin: None,
            })
            .await
            .unwrap();
        (store, directory)
    }

    #[tokio::test]
    async fn a_decision_the_store_refuses_does_not_hold_back_the_others() {
        let (store, _directory) = store_with_a_bank().await;
        store.record_screen_decisions(Arc::from([decision("d-1", "T-1")])).await.unwrap();
        let answered = Arc::new(AnsweredIds::new());
        let (sender, receiver) = mpsc::unbounded_channel();
        // The same decision id for another transfer: a conflict the store will always refuse.
        sender.send(AuditItem { key: 1, record: decision("d-1", "T-2") }).unwrap();
        sender.send(AuditItem { key: 2, record: decision("d-3", "T-3") }).unwrap();
        drop(sender);
        let counters = Arc::new(ScreeningCounters::default());
        let target = AuditTarget { store: store.clone(), answered: answered.clone(), counters: counters.clone() };
        write_audit(target, receiver, Arc::new(tokio::sync::Notify::new()), Duration::ZERO).await;
        assert!(store.screen_decision("org-bank", "T-3").await.unwrap().is_some());
        assert!(store.screen_decision("org-bank", "T-2").await.unwrap().is_none());
        assert!(matches!(answered.get(2), Some(Answered::Stored)));
        assert_eq!(counters.audit_stored.load(Ordering::Relaxed), 1);
        assert_eq!(counters.audit_refused.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn the_audit_writer_lets_decisions_gather_unless_told_to_write_now() {
        let (store, _directory) = store_with_a_bank().await;
        let answered = Arc::new(AnsweredIds::new());
        let (sender, receiver) = mpsc::unbounded_channel();
        let write_now = Arc::new(tokio::sync::Notify::new());
        let linger = Duration::from_secs(60);
        let target = AuditTarget {
            store: store.clone(),
            answered: answered.clone(),
            counters: Arc::new(ScreeningCounters::default()),
        };
        let writer = tokio::spawn(write_audit(target, receiver, write_now.clone(), linger));
        for n in 1..=3u64 {
            answered.set(n, Answered::Pending(Bytes::from_static(b"{}")), 0);
            sender.send(AuditItem { key: n, record: decision(&format!("d-{n}"), &format!("T-{n}")) }).unwrap();
        }
        // Within the linger nothing is written.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(matches!(answered.get(1), Some(Answered::Pending(_))));
        // Told to write now, it writes the three in one transaction.
        write_now.notify_one();
        for _ in 0..1_000 {
            if matches!(answered.get(3), Some(Answered::Stored)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for (n, transfer) in [(1, "T-1"), (2, "T-2"), (3, "T-3")] {
            assert!(matches!(answered.get(n), Some(Answered::Stored)), "{n}");
            assert!(store.screen_decision("org-bank", transfer).await.unwrap().is_some(), "{transfer}");
        }
        drop(sender);
        writer.await.unwrap();
    }

    #[test]
    fn the_uuid_v7_floor_sorts_before_every_id_of_its_millisecond_and_after_earlier_ones() {
        let at = 1_796_004_900_123;
        let floor = super::uuid_v7_floor(at);
        for _ in 0..100 {
            let id = uuid::Uuid::now_v7().to_string();
            assert!(id > super::uuid_v7_floor(at - 86_400_000), "{id}");
        }
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, (at / 1000) as u64, ((at % 1000) * 1_000_000) as u32);
        let same_millisecond = uuid::Uuid::new_v7(ts).to_string();
        assert!(same_millisecond > floor && same_millisecond[..13] == floor[..13], "{same_millisecond} {floor}");
        let earlier =
            uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, (at / 1000) as u64 - 1, 0)).to_string();
        assert!(earlier < floor);
    }
}

fn json_body(body: Bytes, replayed: bool) -> Response {
    let mut response = ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Waits for another request deciding the same transfer id, then gives its answer.
async fn answer_of(
    state: &AppState,
    key: u64,
    principal: &Principal,
    transfer_id: &str,
) -> Result<Option<Bytes>, ApiError> {
    let screening = screening(state)?;
    for _ in 0..2_000 {
        match screening.answered.get(key) {
            Some(Answered::Pending(body)) => return Ok(Some(body)),
            Some(Answered::Stored) => {
                let store = state.intake()?.store();
                return Ok(store
                    .screen_decision(&principal.organisation_id, transfer_id)
                    .await?
                    .map(|d| Bytes::from(d.body)));
            }
            Some(Answered::InFlight) => tokio::time::sleep(Duration::from_millis(1)).await,
            None => return Ok(None),
        }
    }
    Err(Error::new(ErrorCode::Conflict, "this transfer id is being screened by another request; ask again")
        .with_field("transfer_id")
        .into())
}

thread_local! {
    static REMARKS: std::cell::RefCell<RemarkReader> = std::cell::RefCell::new(RemarkReader::default());
}

/// `POST /v1/screen/transfer`.
pub async fn screen_transfer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    organisation: Option<Extension<CallerOrganisation>>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> Result<Response, ApiError> {
    let transfer = request.validate()?;
    let service = screening(&state)?;
    let now = now_millis();
    let key = answered_key(&principal.organisation_id, &transfer.id);
    match service.answered.claim(key, now / 1000) {
        None => {}
        Some(_) => {
            return match answer_of(&state, key, &principal, &transfer.id).await? {
                Some(body) => Ok(json_body(body, true)),
                None => Err(Error::new(ErrorCode::Conflict, "ask again").with_field("transfer_id").into()),
            };
        }
    }
    // Not answered since the memory horizon: an old transfer id may still be in the store.
    if transfer.at < now - ANSWERED_MEMORY_SECONDS * 1000 {
        let stored = match state.intake()?.store().screen_decision(&principal.organisation_id, &transfer.id).await {
            Ok(stored) => stored,
            Err(error) => {
                service.answered.release(key);
                return Err(error.into());
            }
        };
        if let Some(stored) = stored {
            service.answered.set(key, Answered::Stored, now / 1000);
            return Ok(json_body(Bytes::from(stored.body), true));
        }
    }
    let names: Vec<&str> = match &organisation {
        Some(Extension(organisation)) => vec![organisation.name.as_str(), principal.organisation_id.as_str()],
        None => vec![principal.organisation_id.as_str()],
    };
    let decision = REMARKS.with(|remarks| {
        service.screener.screen(
            &transfer,
            Asker { names: &names },
            Some(state.index()),
            &mut remarks.borrow_mut(),
            now,
            uuid::Uuid::now_v7().to_string(),
        )
    });
    let body: String = match serde_json::to_string(&decision) {
        Ok(body) => body,
        Err(error) => {
            service.answered.release(key);
            return Err(Error::new(ErrorCode::Internal, format!("cannot write the decision: {error}")).into());
        }
    };
    let bytes = Bytes::from(body.clone());
    service.answered.set(key, Answered::Pending(bytes.clone()), now / 1000);
    let record = audit_record(&decision, &transfer, &principal, body);
    if service.audit.send(AuditItem { key, record }).is_err() {
        tracing::error!("the audit writer has stopped; a decision was answered without being stored");
    } else {
        ScreeningCounters::add(&service.counters.audit_queued, 1);
    }
    ScreeningCounters::add(&service.counters.decisions[decision.decision as usize], 1);
    Ok(json_body(bytes, false))
}

fn audit_record(
    decision: &Decision,
    transfer: &canhgiac_screen::Transfer,
    principal: &Principal,
    body: String,
) -> NewScreenDecision {
    let amount = i64::try_from(transfer.amount).unwrap_or(i64::MAX);
    let freeze_request = decision.freeze_requested.then(|| FreezeRequestRecord {
        id: uuid::Uuid::now_v7().to_string(),
        decision_id: decision.decision_id.clone(),
        requesting_organisation_id: principal.organisation_id.clone(),
        transfer_id: transfer.id.clone(),
        payee_bin: transfer.payee_bin.clone(),
        payee: transfer.payee.clone(),
        amount,
        reason: decision.reason_codes(),
        state: FREEZE_REQUEST_OPEN.to_string(),
        created_at: decision.decided_at,
    });
    NewScreenDecision {
        decision: ScreenDecisionRecord {
            id: decision.decision_id.clone(),
            organisation_id: principal.organisation_id.clone(),
            transfer_id: transfer.id.clone(),
            transfer_at: transfer.at,
            decided_at: decision.decided_at,
            amount,
            payer: transfer.payer.clone(),
            payee: transfer.payee.clone(),
            decision: decision.decision.as_str().to_string(),
            level: decision.level,
            score: decision.score,
            rules_version: decision.rules_version.clone(),
            body,
        },
        freeze_request,
    }
}

/// One transfer of a feed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedTransfer {
    pub time: TimeValue,
    pub amount: u64,
    pub payer_bank: String,
    pub payer_account: String,
    pub payee_bank: String,
    pub payee_account: String,
    /// The bank's id, echoed in errors only.
    #[serde(default)]
    pub transfer_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedRequest {
    pub transfers: Vec<FeedTransfer>,
}

/// `POST /v1/screen/feed`: every transfer is checked before any is recorded (all or none).
pub async fn screen_feed(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<FeedRequest>,
) -> Result<Json<Value>, ApiError> {
    let service = screening(&state)?;
    if request.transfers.is_empty() {
        return Err(Error::new(ErrorCode::EmptyInput, "the feed has no transfers").with_field("transfers").into());
    }
    if request.transfers.len() > MAX_FEED_TRANSFERS {
        return Err(Error::new(ErrorCode::InvalidValue, format!("at most {MAX_FEED_TRANSFERS} transfers per call"))
            .with_field("transfers")
            .into());
    }
    let mut checked = Vec::with_capacity(request.transfers.len());
    for (position, transfer) in request.transfers.iter().enumerate() {
        let in_field = |error: Error| {
            let field = error.field.clone().unwrap_or_default().replace('.', "_");
            error.with_field(format!("transfers[{position}].{field}"))
        };
        let at = parse_time(&transfer.time, "time").map_err(in_field)?;
        let amount = check_amount(transfer.amount).map_err(in_field)?;
        let (payer, _) = canonical_account(&transfer.payer_bank, &transfer.payer_account, "payer").map_err(in_field)?;
        let (payee, _) = canonical_account(&transfer.payee_bank, &transfer.payee_account, "payee").map_err(in_field)?;
        if let Some(id) = &transfer.transfer_id {
            check_transfer_id(id).map_err(in_field)?;
        }
        checked.push((at, amount, payer, payee));
    }
    checked.sort_by_key(|(at, ..)| *at);
    for (at, amount, payer, payee) in &checked {
        service.screener.observe(payer, payee, *at, *amount, Some(state.index()));
    }
    Ok(Json(json!({"accepted": checked.len(), "accounts_tracked": service.screener.behaviour().accounts()})))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Cancelled,
    Proceeded,
    ConfirmedFraud,
}

impl OutcomeKind {
    fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Cancelled => "cancelled",
            OutcomeKind::Proceeded => "proceeded",
            OutcomeKind::ConfirmedFraud => "confirmed_fraud",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub transfer_id: String,
    pub outcome: OutcomeKind,
    #[serde(default)]
    pub note: Option<String>,
}

/// Waits until the decision about `key` has reached the store, telling the audit writer not to linger.
async fn until_stored(service: &Screening, key: u64) {
    if matches!(service.answered.get(key), Some(Answered::Pending(_)) | Some(Answered::InFlight)) {
        service.audit_now.notify_one();
    }
    for _ in 0..5_000 {
        match service.answered.get(key) {
            Some(Answered::Pending(_)) | Some(Answered::InFlight) => tokio::time::sleep(Duration::from_millis(1)).await,
            _ => return,
        }
    }
}

/// `POST /v1/screen/outcome`.
pub async fn screen_outcome(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<OutcomeRequest>,
) -> Result<Json<Value>, ApiError> {
    let service = screening(&state)?;
    let transfer_id = check_transfer_id(&request.transfer_id)?;
    let note = request
        .note
        .as_deref()
        .map(|note| free_text_at_most(note, 1000, "note"))
        .transpose()?
        .filter(|n| !n.is_empty());
    until_stored(service, answered_key(&principal.organisation_id, &transfer_id)).await;
    let intake = state.intake()?;
    let store = intake.store();
    let now = now_millis();
    let recorded = store
        .record_screen_outcome(ScreenOutcomeRecord {
            id: uuid::Uuid::now_v7().to_string(),
            organisation_id: principal.organisation_id.clone(),
            transfer_id: transfer_id.clone(),
            outcome: request.outcome.as_str().to_string(),
            note,
            at: now,
        })
        .await
        .map_err(|error| if error.code == ErrorCode::NotFound { error.with_field("transfer_id") } else { error })?;
    let mut listed = None;
    if request.outcome == OutcomeKind::ConfirmedFraud
        && let Some(decision) = store.screen_decision(&principal.organisation_id, &transfer_id).await?
    {
        let body: Value = serde_json::from_str(&decision.body).unwrap_or(Value::Null);
        let scam_type = body
            .get("scam_type")
            .and_then(Value::as_str)
            .and_then(|t| ScamType::parse(t).ok())
            .unwrap_or(ScamType::Other);
        let listing = ListingInput {
            value: decision.payee.clone(),
            kind: Some("bank_account".into()),
            scam_type: scam_type.code().to_string(),
            reason: format!(
                "Giao dịch {transfer_id} được ngân hàng xác nhận là lừa đảo / transfer confirmed as fraud by the bank"
            ),
            expires_at: None,
        };
        intake.submit_listings(&principal, vec![listing]).await?;
        service.screener.confirm_fraud(&decision.payee, now);
        listed = Some(decision.payee);
    }
    Ok(Json(json!({
        "transfer_id": recorded.transfer_id,
        "outcome": recorded.outcome,
        "recorded_at": jiff::Timestamp::from_millisecond(recorded.at).map(|t| t.to_string()).unwrap_or_default(),
        "listed": listed,
    })))
}

/// `GET /v1/screen/transfers/{transfer_id}`: the decision as answered, and what became of the transfer.
pub async fn screened_transfer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(transfer_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let service = screening(&state)?;
    let transfer_id = check_transfer_id(&transfer_id)?;
    until_stored(service, answered_key(&principal.organisation_id, &transfer_id)).await;
    let store = state.intake()?.store();
    let Some(decision) = store.screen_decision(&principal.organisation_id, &transfer_id).await? else {
        return Err(Error::new(ErrorCode::NotFound, "no transfer of yours was screened with this id")
            .with_field("transfer_id")
            .into());
    };
    let outcomes = store.screen_outcomes(&principal.organisation_id, &transfer_id).await?;
    let body: Value = serde_json::from_str(&decision.body).unwrap_or(Value::Null);
    let outcomes: Vec<Value> = outcomes
        .into_iter()
        .map(|o| json!({"outcome": o.outcome, "note": o.note, "at": jiff::Timestamp::from_millisecond(o.at).map(|t| t.to_string()).unwrap_or_default()}))
        .collect();
    Ok(Json(json!({"decision": body, "outcomes": outcomes})))
}

/// `GET /v1/screen/freeze-requests`: those addressed to the caller's bank, newest first.
pub async fn freeze_requests(
    State(state): State<AppState>,
    organisation: Option<Extension<CallerOrganisation>>,
) -> Result<Json<Value>, ApiError> {
    let Some(bin) = organisation.and_then(|Extension(o)| o.bank_bin) else {
        return Err(Error::new(
            ErrorCode::Conflict,
            "this organisation has no bank BIN: an admin sets it with `canhgiac org add <name> --kind bank --bank <BIN>`",
        )
        .with_field("organisation")
        .into());
    };
    let store = state.intake()?.store();
    let requests = store.freeze_requests(&bin, canhgiac_store::MAX_SCREEN_ROWS).await?;
    let requests: Vec<Value> = requests
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "decision_id": r.decision_id,
                "requesting_organisation_id": r.requesting_organisation_id,
                "transfer_id": r.transfer_id,
                "payee": r.payee,
                "payee_bin": r.payee_bin,
                "amount": r.amount,
                "reasons": r.reason.split('|').filter(|c| !c.is_empty()).collect::<Vec<_>>(),
                "state": r.state,
                "created_at": jiff::Timestamp::from_millisecond(r.created_at).map(|t| t.to_string()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({"bank_bin": bin, "freeze_requests": requests})))
}

/// `POST /v1/screen/rules/reload`.
pub async fn reload_rules(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let rules = screening(&state)?.reload()?;
    tracing::info!(version = %rules.version, "screening rules reloaded");
    Ok(Json(json!({
        "version": rules.version,
        "rules": rules.rules.len(),
        "shadow_rules": rules.rules.iter().filter(|r| r.shadow).count(),
    })))
}
