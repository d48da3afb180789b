//! Keeping the reputation index in step with the store: built from it at start-up, then told which contacts
//! changed after every write (a report, a status change, a listing, an appeal decision), re-reading those
//! contacts' signals from the store and replacing their records in the index. The store stays the source of
//! truth; the index trails it by one short batch.

use crate::intake::now_millis;
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::trust::{TrustDirectory, trust_directory};
use canhgiac_core::verdict::{ContactRecord, ContactSignals};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_index::ReputationIndex;
use canhgiac_store::Store;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// An instance's own trust directory: `<data dir>/trust_directory.tsv`, in the seed's format, used instead of
/// the compiled-in seed when present (`canhgiac trust export` writes the seed there for admins to edit).
pub const TRUST_DIRECTORY_FILE: &str = "trust_directory.tsv";
/// Contacts read from the store per page while building.
const BUILD_PAGE: usize = 10_000;
/// Pages read ahead of the index builder at start-up.
const BUILD_PAGES_AHEAD: usize = 4;
/// How often a running server re-reads the store (feeds imported by `canhgiac import` from another process) and
/// judges every contact again (weights fade, listings expire). SIGHUP does it at once.
pub const REFRESH_EVERY: Duration = Duration::from_secs(3600);

/// The trust directory of this instance: its own file when there is one, else the compiled-in seed.
pub fn load_trust_directory(data_dir: &Path) -> Result<Arc<TrustDirectory>, Error> {
    let path = data_dir.join(TRUST_DIRECTORY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let directory = TrustDirectory::parse(&text).map_err(|e| {
                Error::new(e.code, format!("{}: {}", path.display(), e.message)).with_field(TRUST_DIRECTORY_FILE)
            })?;
            tracing::info!(path = %path.display(), contacts = directory.contacts().len(), "trust directory loaded");
            Ok(Arc::new(directory))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Arc::new(trust_directory().clone())),
        Err(e) => Err(Error::new(ErrorCode::Unavailable, format!("cannot read {}: {e}", path.display()))),
    }
}

/// Reads every contact with a signal from the store and builds the index. The pages go to the builder, on a
/// blocking thread, as they are read, so that reading and building overlap and the records are never all held at
/// once (collected first, they were copied at every doubling of one large vector).
pub async fn build_index(store: &dyn Store, trust: Arc<TrustDirectory>) -> Result<ReputationIndex, Error> {
    let started = Instant::now();
    let now = now_millis();
    let (pages, received) = mpsc::channel::<Vec<ContactRecord>>(BUILD_PAGES_AHEAD);
    let builder = tokio::task::spawn_blocking(move || {
        let mut received = received;
        ReputationIndex::build(trust, std::iter::from_fn(move || received.blocking_recv()).flatten(), now)
    });
    let mut after: Option<String> = None;
    let mut read = Duration::ZERO;
    let reading = async {
        loop {
            let page_started = Instant::now();
            let page = store.contact_signals_page(after.as_deref(), BUILD_PAGE).await?;
            read += page_started.elapsed();
            let Some(last) = page.last() else { return Ok(()) };
            after = Some(last.canonical.clone());
            // Only fails when the builder has gone, which its own result below reports.
            if pages.send(page).await.is_err() {
                return Ok(());
            }
        }
    };
    let outcome: Result<(), Error> = reading.await;
    drop(pages);
    let index =
        builder.await.map_err(|e| Error::new(ErrorCode::Internal, format!("building the index failed: {e}")))?;
    // A failed read leaves a partial index behind: it is dropped, never served.
    outcome?;
    tracing::info!(
        contacts = index.len(),
        read_ms = read.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "reputation index built"
    );
    Ok(index)
}

/// An index holding just what checks of `identifiers` consult: each contact, the contacts reported with it, and
/// its parts ([`canhgiac_index::consulted_parts`]: a link's domains, a QR code's account, ...), read from the store.
/// Its answers for those identifiers are the full index's; `canhgiac check` and `canhgiac analyze` on a data
/// directory use it instead of building the whole index (18-20 s for 10 million contacts).
pub async fn index_for_checks(
    store: &dyn Store,
    trust: Arc<TrustDirectory>,
    identifiers: &[canhgiac_core::Identifier],
    now: i64,
) -> Result<ReputationIndex, Error> {
    let own: HashSet<String> = identifiers.iter().map(|identifier| identifier.canonical()).collect();
    let mut wanted: HashSet<String> = own.clone();
    for identifier in identifiers {
        wanted.extend(canhgiac_index::consulted_parts(identifier).into_iter().map(|part| part.canonical));
    }
    let mut records = store.contact_signals(&wanted.iter().cloned().collect::<Vec<_>>()).await?;
    let related: Vec<String> = records
        .iter()
        .filter(|record| own.contains(&record.canonical))
        .flat_map(|record| record.related.iter())
        .filter(|other| !wanted.contains(*other))
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !related.is_empty() {
        records.extend(store.contact_signals(&related).await?);
    }
    Ok(ReputationIndex::build(trust, records, now))
}

/// Tells the index updater which contacts changed. Cheap to clone; never blocks the caller.
#[derive(Debug, Clone)]
pub struct IndexUpdates {
    sender: mpsc::UnboundedSender<Vec<(IdentifierKind, String)>>,
    progress: Arc<IndexUpdateProgress>,
}

/// How far the updater is behind the writes, for the operators' metrics (`crate::metrics`).
#[derive(Debug, Default)]
pub(crate) struct IndexUpdateProgress {
    /// Contacts sent by writes (a contact changed twice counts twice), and of them settled: applied to the index,
    /// or given up (`failed`: they stay as they were until the next refresh).
    pub(crate) sent: AtomicU64,
    pub(crate) settled: AtomicU64,
    pub(crate) failed: AtomicU64,
    /// When the index was last built or refreshed from the whole store, in Unix milliseconds.
    pub(crate) whole_store_read_at: AtomicI64,
}

impl IndexUpdates {
    pub fn contacts_changed(&self, contacts: Vec<(IdentifierKind, String)>) {
        if !contacts.is_empty() {
            let count = contacts.len() as u64;
            // A closed channel means the server is stopping: the next start rebuilds from the store.
            if self.sender.send(contacts).is_ok() {
                self.progress.sent.fetch_add(count, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn progress(&self) -> &IndexUpdateProgress {
        &self.progress
    }
}

/// Starts the task that applies changes to `index`, and the hourly reassessment. Returns the handle writers use.
pub fn spawn_index_updater(store: Arc<dyn Store>, index: Arc<ReputationIndex>) -> IndexUpdates {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Vec<(IdentifierKind, String)>>();
    let updater_index = index.clone();
    let refresh_store = store.clone();
    // The index was built from the whole store just before.
    let progress =
        Arc::new(IndexUpdateProgress { whole_store_read_at: AtomicI64::new(now_millis()), ..Default::default() });
    let updater_progress = progress.clone();
    tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            // Everything waiting goes in one batch: one read of the store and one publication per shard.
            let mut taken = first.len() as u64;
            let mut changed: BTreeMap<String, IdentifierKind> = BTreeMap::new();
            for (kind, canonical) in first {
                changed.insert(canonical, kind);
            }
            while changed.len() < 5_000 {
                match receiver.try_recv() {
                    Ok(more) => {
                        taken += more.len() as u64;
                        changed.extend(more.into_iter().map(|(kind, canonical)| (canonical, kind)));
                    }
                    Err(_) => break,
                }
            }
            let given_up = apply(&*store, &updater_index, changed).await;
            updater_progress.failed.fetch_add(given_up as u64, Ordering::Relaxed);
            updater_progress.settled.fetch_add(taken, Ordering::Relaxed);
        }
    });
    let refresh_progress = progress.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(REFRESH_EVERY);
        every.tick().await;
        #[cfg(unix)]
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            {
                let hangup_received = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = every.tick() => {}
                    _ = hangup_received => tracing::info!("SIGHUP: refreshing the reputation index from the store"),
                }
            }
            #[cfg(not(unix))]
            every.tick().await;
            match refresh(&*refresh_store, &index).await {
                Ok(()) => refresh_progress.whole_store_read_at.store(now_millis(), Ordering::Relaxed),
                Err(error) => {
                    tracing::warn!(code = error.code.as_str(), "refreshing the reputation index failed; next time")
                }
            }
        }
    });
    IndexUpdates { sender, progress }
}

/// Re-reads every contact from the store, replaces those that changed (imports by another process), then judges
/// every contact again at the current time.
pub async fn refresh(store: &dyn Store, index: &Arc<ReputationIndex>) -> Result<(), Error> {
    let started = Instant::now();
    let mut after: Option<String> = None;
    let mut changed = 0;
    loop {
        let page = store.contact_signals_page(after.as_deref(), BUILD_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.canonical.clone());
        let index = index.clone();
        changed += tokio::task::spawn_blocking(move || index.refresh(page, now_millis()))
            .await
            .map_err(|e| Error::new(ErrorCode::Internal, format!("refresh failed: {e}")))?;
    }
    let reassess_index = index.clone();
    let reassessed = tokio::task::spawn_blocking(move || reassess_index.reassess(now_millis()))
        .await
        .map_err(|e| Error::new(ErrorCode::Internal, format!("reassessment failed: {e}")))?;
    tracing::info!(
        changed,
        reassessed,
        contacts = index.len(),
        took_ms = started.elapsed().as_millis() as u64,
        "reputation index refreshed"
    );
    Ok(())
}

/// Applies `changed` to the index from the store; the number of contacts given up (left as they were) when the
/// store could not be read.
async fn apply(store: &dyn Store, index: &Arc<ReputationIndex>, changed: BTreeMap<String, IdentifierKind>) -> usize {
    let canonicals: Vec<String> = changed.keys().cloned().collect();
    let mut attempt = 0u32;
    let records = loop {
        match store.contact_signals(&canonicals).await {
            Ok(records) => break records,
            Err(error) if attempt < 5 => {
                attempt += 1;
                tracing::warn!(code = error.code.as_str(), attempt, "reading signals for the index failed; retrying");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(error) => {
                tracing::error!(
                    code = error.code.as_str(),
                    contacts = canonicals.len(),
                    "reading signals for the index failed; these contacts stay as they were until the next start"
                );
                return canonicals.len();
            }
        }
    };
    let mut by_canonical: BTreeMap<String, ContactRecord> =
        records.into_iter().map(|record| (record.canonical.clone(), record)).collect();
    // A contact the store no longer has signals for leaves the index (unless it is official).
    let records: Vec<ContactRecord> = changed
        .into_iter()
        .map(|(canonical, kind)| {
            by_canonical.remove(&canonical).unwrap_or(ContactRecord {
                kind,
                canonical,
                signals: ContactSignals::default(),
                related: Vec::new(),
            })
        })
        .collect();
    let index = index.clone();
    let _ = tokio::task::spawn_blocking(move || index.upsert(records, now_millis())).await;
    0
}
