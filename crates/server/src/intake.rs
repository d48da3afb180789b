//! Report intake and the reads that follow it, free of HTTP: the handlers and the command line call these.
//!
//! A submission is validated by the core crate, its evidence files checked and stored (content-addressed,
//! before the database write: an orphan file is harmless, a report pointing to a missing file is not),
//! the reporter's personal data sealed with the keyring, and the whole report written in one transaction
//! with its idempotency record. "Received" is answered only after the commit.

use canhgiac_core::access::{Action, Principal};
use canhgiac_core::identifier::{Identifier, IdentifierKind};
use canhgiac_core::report::{
    Channel, ContactSource, ReportContact, ReportStatus, ReportSubmission, ReporterPersonalData, ValidatedReport,
    clean_reason,
};
use canhgiac_core::scam_type::ScamType;
use canhgiac_core::sms_report::{ReportedSender, parse_5656};
use canhgiac_core::{Error, ErrorCode, extract};
use canhgiac_evidence::{EvidenceLimits, EvidenceStore};
use canhgiac_secrets::{Keyring, ReportSecret, TrackingCode, sha256};
use canhgiac_store::{
    AppealRecord, EvidenceRecord, IdempotencyRecord, NewAppeal, NewListing, NewReport, ReportRecord, Store,
    SubmitOutcome,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
/// Most contacts one listing call may carry.
pub const MAX_LISTINGS_PER_CALL: usize = 10_000;
/// Most 5656 messages one gateway call may carry.
pub const MAX_SMS_PER_CALL: usize = 1_000;

/// An uploaded evidence file, as received.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub bytes: Vec<u8>,
}

/// What a submitter gets back: the tracking code and the secret that goes with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub tracking_code: String,
    pub secret: String,
    pub status: ReportStatus,
    /// Unix milliseconds.
    pub created_at: i64,
    #[serde(skip)]
    pub replayed: bool,
}

#[derive(Clone)]
pub struct Intake {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    evidence: Arc<EvidenceStore>,
    limits: EvidenceLimits,
    /// Told which contacts each write changed, to keep the reputation index current.
    index_updates: Option<crate::reputation::IndexUpdates>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake").field("store", &self.store).field("limits", &self.limits).finish()
    }
}

pub fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks an `Idempotency-Key`: 1-255 visible ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<(), Error> {
    let valid = !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::InvalidIdempotencyKey, "an Idempotency-Key is 1-255 visible ASCII characters")
            .with_field("Idempotency-Key"))
    }
}

impl Intake {
    pub fn new(
        store: Arc<dyn Store>,
        keyring: Arc<Keyring>,
        evidence: Arc<EvidenceStore>,
        limits: EvidenceLimits,
    ) -> Self {
        Intake { store, keyring, evidence, limits, index_updates: None }
    }

    /// The same intake, telling `updates` about every contact a write changes.
    pub fn with_index_updates(mut self, updates: crate::reputation::IndexUpdates) -> Self {
        self.index_updates = Some(updates);
        self
    }

    /// The updater that keeps the index up with this intake's writes, when the server runs one.
    pub(crate) fn index_updates(&self) -> Option<&crate::reputation::IndexUpdates> {
        self.index_updates.as_ref()
    }

    fn contacts_changed(&self, contacts: impl IntoIterator<Item = (IdentifierKind, String)>) {
        if let Some(updates) = &self.index_updates {
            updates.contacts_changed(contacts.into_iter().collect());
        }
    }

    /// A pseudonym of the reporter (from their ID number, phone or e-mail, in that order), so the index counts
    /// distinct reporters without knowing them. `None` for an anonymous report.
    fn reporter_fingerprint(&self, data: &ReporterPersonalData) -> Option<String> {
        let identity = data
            .national_id
            .as_deref()
            .map(|id| format!("id:{}", id.trim().to_ascii_uppercase()))
            .or_else(|| data.phone.as_deref().map(|phone| format!("phone:{}", phone.trim())))
            .or_else(|| data.email.as_deref().map(|email| format!("email:{}", email.trim().to_lowercase())))?;
        Some(format!("{:016x}", self.keyring.pseudonym("reporter", &identity)))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub fn evidence_limits(&self) -> EvidenceLimits {
        self.limits
    }

    /// Takes a report from a citizen (`caller` None) or a partner.
    pub async fn submit(
        &self,
        caller: Option<&Principal>,
        submission: ReportSubmission,
        files: Vec<UploadedFile>,
        idempotency_key: Option<String>,
    ) -> Result<Receipt, Error> {
        if let Some(key) = &idempotency_key {
            check_idempotency_key(key)?;
        }
        let (default_channel, allowed): (Channel, &[Channel]) = match caller {
            None => (Channel::Web, &[Channel::Web]),
            Some(_) => (Channel::Api, &[Channel::Api, Channel::Partner, Channel::Hotline, Channel::Web]),
        };
        let validated = submission.validate(default_channel, allowed)?;
        self.limits.check_count(files.len()).map_err(|e| e.with_field("files"))?;

        // The request's fingerprint: the submission as understood, plus each file's content.
        let mut fingerprint = serde_json::to_vec(&submission).map_err(|e| internal("fingerprint", e))?;
        // Decoding, cleaning and hashing up to 200 MB of files: off the thread that serves other connections.
        let limits = self.limits;
        let (evidence, hashes) = tokio::task::spawn_blocking(move || {
            let mut evidence = Vec::with_capacity(files.len());
            let mut hashes = Vec::with_capacity(files.len());
            for (position, file) in files.iter().enumerate() {
                let field = format!("files[{position}]");
                evidence.push(canhgiac_evidence::prepare(&file.bytes, &limits).map_err(|e| e.with_field(&field))?);
                hashes.push(sha256(&file.bytes));
            }
            Ok::<_, Error>((evidence, hashes))
        })
        .await
        .map_err(|e| internal("prepare evidence", e))??;
        for hash in &hashes {
            fingerprint.extend_from_slice(hash);
        }
        let mut records = Vec::with_capacity(evidence.len());
        for prepared in evidence {
            let evidence_store = self.evidence.clone();
            let media_type = prepared.media.mime().to_string();
            let stored = tokio::task::spawn_blocking(move || evidence_store.put(&prepared.bytes))
                .await
                .map_err(|e| internal("store evidence", e))?
                .map_err(|e| internal("store evidence", e))?;
            records.push(EvidenceRecord { sha256: stored.sha256_hex, media_type, size_bytes: stored.size });
        }
        let submitted_by = caller.map(|p| (p.organisation_id.clone(), p.label.clone()));
        self.store_report(validated, records, submitted_by, idempotency_key, &fingerprint, scope_of(caller)).await
    }

    /// Writes a validated report; retries once with a new code on the (rare) tracking-code clash.
    async fn store_report(
        &self,
        validated: ValidatedReport,
        evidence: Vec<EvidenceRecord>,
        submitted_by: Option<(String, String)>,
        idempotency_key: Option<String>,
        fingerprint: &[u8],
        scope: String,
    ) -> Result<Receipt, Error> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let id = new_id();
            let code = TrackingCode::generate();
            let secret = ReportSecret::generate();
            let created_at = now_millis();
            let receipt = Receipt {
                tracking_code: code.to_string(),
                secret: secret.expose().to_string(),
                status: ReportStatus::Received,
                created_at,
                replayed: false,
            };
            let reporter_sealed =
                (!validated.personal_data.is_empty()).then(|| self.seal_personal_data(&id, &validated.personal_data));
            let report = NewReport {
                id: id.clone(),
                tracking_code: code.to_string(),
                secret_hash: secret.hash().to_vec(),
                channel: validated.channel,
                submitted_by_organisation: submitted_by.as_ref().map(|(org, _)| org.clone()),
                submitted_by: submitted_by.as_ref().map(|(_, label)| label.clone()),
                reporter_role: validated.reporter_role,
                reporter_sealed,
                reporter_fingerprint: self.reporter_fingerprint(&validated.personal_data),
                scam_type: validated.scam_type,
                narrative: validated.narrative.clone(),
                occurred_at: validated.occurred_at,
                province: validated.province.clone(),
                commune: validated.commune.clone(),
                loss_vnd: validated.loss_vnd,
                consent: validated.consent,
                transfers: validated.transfers.clone(),
                contacts: validated.contacts.clone(),
                evidence: evidence.clone(),
                created_at,
            };
            let idempotency = idempotency_key.as_ref().map(|key| {
                let context = idempotency_context(&scope, key);
                IdempotencyRecord {
                    scope: scope.clone(),
                    key: key.clone(),
                    request_hash: sha256(fingerprint).to_vec(),
                    report_id: id.clone(),
                    response_sealed: self
                        .keyring
                        .seal(&serde_json::to_vec(&receipt).expect("a receipt serialises"), &context),
                    created_at,
                }
            });
            match self.store.submit_report(report, idempotency).await {
                Ok(SubmitOutcome::Created) => {
                    self.contacts_changed(validated.contacts.iter().map(|c| (c.kind, c.canonical.clone())));
                    return Ok(receipt);
                }
                Ok(SubmitOutcome::Replayed(record)) => {
                    let context = idempotency_context(&record.scope, &record.key);
                    let opened = self
                        .keyring
                        .open(&record.response_sealed, &context)
                        .map_err(|e| internal("open the first answer", e))?;
                    let mut first: Receipt =
                        serde_json::from_slice(&opened).map_err(|e| internal("read the first answer", e))?;
                    first.replayed = true;
                    return Ok(first);
                }
                Ok(SubmitOutcome::KeyReused) => {
                    return Err(Error::new(
                        ErrorCode::IdempotencyKeyReused,
                        "this Idempotency-Key was used before for a different report; use a new key for a new report",
                    )
                    .with_field("Idempotency-Key"));
                }
                Err(error) if error.code == ErrorCode::Conflict && attempts < 3 => continue,
                Err(error) => return Err(error),
            }
        }
    }

    fn seal_personal_data(&self, report_id: &str, data: &ReporterPersonalData) -> Vec<u8> {
        let plain = serde_json::to_vec(data).expect("personal data serialises");
        self.keyring.seal(&plain, report_id.as_bytes())
    }

    /// Opens a report's sealed personal data (for roles allowed to read it).
    pub fn open_personal_data(&self, report: &ReportRecord) -> Result<Option<ReporterPersonalData>, Error> {
        let Some(sealed) = &report.reporter_sealed else { return Ok(None) };
        let plain = self.keyring.open(sealed, report.id.as_bytes()).map_err(|e| internal("open personal data", e))?;
        serde_json::from_slice(&plain).map(Some).map_err(|e| internal("read personal data", e))
    }

    /// The report behind a tracking code, for its reporter (who proves it with the secret). A wrong code
    /// and a wrong secret answer the same `not_found`, so codes cannot be probed.
    pub async fn report_for_reporter(&self, code: &str, secret: &str) -> Result<Value, Error> {
        let not_found = || Error::new(ErrorCode::NotFound, "no report has this tracking code and secret");
        let code = TrackingCode::parse(code).map_err(|_| not_found())?;
        let report = self.store.report_by_tracking_code(code.as_str()).await?.ok_or_else(not_found)?;
        if !ReportSecret::matches_hash(secret, &report.secret_hash) {
            return Err(not_found());
        }
        Ok(reporter_view(&report))
    }

    /// A report for a partner; reporters' personal data only for roles that may read it.
    pub async fn report_for_partner(&self, principal: &Principal, code: &str) -> Result<Value, Error> {
        let code = TrackingCode::parse(code)?;
        let report = self
            .store
            .report_by_tracking_code(code.as_str())
            .await?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "no report has this tracking code"))?;
        self.partner_view(principal, &report)
    }

    pub fn partner_view(&self, principal: &Principal, report: &ReportRecord) -> Result<Value, Error> {
        let mut view = reporter_view(report);
        view["id"] = json!(report.id);
        view["narrative"] = json!(report.narrative);
        view["commune"] = json!(report.commune);
        view["reporter_role"] = json!(report.reporter_role);
        view["submitted_by"] = json!(report.submitted_by);
        view["consent"] = json!(report.consent);
        view["anonymous"] = json!(report.reporter_sealed.is_none());
        view["history"] = json!(
            report
                .history
                .iter()
                .map(|c| json!({"status": c.to, "from": c.from, "at": c.at, "reason": c.reason, "by": c.actor}))
                .collect::<Vec<_>>()
        );
        if principal.may(Action::ReadReporterPersonalData) {
            view["reporter"] = json!(self.open_personal_data(report)?);
        }
        Ok(view)
    }

    /// Moves a report through its lifecycle.
    pub async fn change_status(
        &self,
        principal: &Principal,
        code: &str,
        to: ReportStatus,
        reason: &str,
    ) -> Result<Value, Error> {
        let code = TrackingCode::parse(code)?;
        let reason = clean_reason(reason, 1..=1000, "reason", "say why")?;
        let report = self
            .store
            .report_by_tracking_code(code.as_str())
            .await?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "no report has this tracking code"))?;
        let changed = self.store.change_report_status(&report.id, to, &principal.label, &reason, now_millis()).await?;
        self.contacts_changed(changed.contacts.iter().map(|c| (c.kind, c.canonical.clone())));
        self.partner_view(principal, &changed)
    }

    /// Turns one 5656 message forwarded by a telecom gateway into a report.
    pub async fn submit_sms(&self, principal: &Principal, message: &SmsMessage) -> Result<Receipt, Error> {
        let parsed = parse_5656(&message.text)?;
        let subscriber = canhgiac_core::identifier::PhoneNumber::parse(&message.subscriber)
            .map_err(|e| e.with_field("subscriber"))?;
        let mut contacts = Vec::new();
        let sender_contact = match &parsed.reported {
            ReportedSender::Phone(phone) => Some(Identifier::Phone(phone.clone())),
            ReportedSender::Brandname(_) => None,
        };
        if let Some(identifier) = &sender_contact {
            contacts.push(ReportContact {
                kind: IdentifierKind::Phone,
                canonical: identifier.canonical(),
                source: ContactSource::Sms,
            });
        }
        for found in extract(&parsed.content) {
            let canonical = found.identifier.canonical();
            if canonical != subscriber.canonical() && !contacts.iter().any(|c| c.canonical == canonical) {
                contacts.push(ReportContact {
                    kind: found.identifier.kind(),
                    canonical,
                    source: ContactSource::Narrative,
                });
            }
        }
        let narrative = match &parsed.reported {
            ReportedSender::Brandname(name) => format!("[{} {name}] {}", parsed.kind.keyword(), parsed.content),
            ReportedSender::Phone(phone) => {
                format!("[{} {}] {}", parsed.kind.keyword(), phone.canonical(), parsed.content)
            }
        };
        let validated = ValidatedReport {
            channel: Channel::Sms5656,
            reporter_role: None,
            personal_data: ReporterPersonalData {
                phone: Some(subscriber.canonical().to_string()),
                ..Default::default()
            },
            scam_type: ScamType::Other,
            narrative,
            occurred_at: message.received_at,
            province: None,
            commune: None,
            loss_vnd: None,
            transfers: Vec::new(),
            contacts,
            consent: Default::default(),
        };
        let key = message.message_id.as_ref().map(|id| format!("sms:{id}"));
        if let Some(key) = &key {
            check_idempotency_key(key).map_err(|e| e.with_field("message_id"))?;
        }
        let fingerprint = serde_json::to_vec(message).map_err(|e| internal("fingerprint", e))?;
        let submitted_by = Some((principal.organisation_id.clone(), principal.label.clone()));
        self.store_report(validated, Vec::new(), submitted_by, key, &fingerprint, scope_of(Some(principal))).await
    }

    /// Records contacts listed by a partner; all or none.
    pub async fn submit_listings(
        &self,
        principal: &Principal,
        items: Vec<ListingInput>,
    ) -> Result<canhgiac_store::ListingOutcome, Error> {
        if items.is_empty() {
            return Err(Error::new(ErrorCode::EmptyInput, "no listings given").with_field("listings"));
        }
        if items.len() > MAX_LISTINGS_PER_CALL {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                format!("at most {MAX_LISTINGS_PER_CALL} listings per call; split the list"),
            )
            .with_field("listings"));
        }
        let now = now_millis();
        let mut listings = Vec::with_capacity(items.len());
        for (position, item) in items.iter().enumerate() {
            let field = |name: &str| format!("listings[{position}].{name}");
            let identifier = match item.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                Some(kind) => {
                    kind.parse::<IdentifierKind>().map_err(|e| e.with_field(field("kind")))?.parse(&item.value)
                }
                None => canhgiac_core::detect(&item.value),
            }
            .map_err(|e| e.with_field(field("value")))?;
            let scam_type = ScamType::parse(&item.scam_type).map_err(|e| e.with_field(field("scam_type")))?;
            let reason = clean_reason(&item.reason, 1..=1000, &field("reason"), "say why the contact is listed")?;
            let expires_at = item
                .expires_at
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| canhgiac_core::report::parse_instant(t, &field("expires_at")))
                .transpose()?;
            if expires_at.is_some_and(|at| at <= now) {
                return Err(
                    Error::new(ErrorCode::InvalidValue, "the expiry is in the past").with_field(field("expires_at"))
                );
            }
            listings.push(NewListing {
                id: new_id(),
                organisation_id: principal.organisation_id.clone(),
                kind: identifier.kind(),
                canonical: identifier.canonical(),
                scam_type,
                reason,
                listed_at: now,
                expires_at,
                listed_by: principal.label.clone(),
            });
        }
        let changed: Vec<(IdentifierKind, String)> = listings.iter().map(|l| (l.kind, l.canonical.clone())).collect();
        let outcome = self.store.add_listings(listings).await?;
        self.contacts_changed(changed);
        Ok(outcome)
    }

    /// Records an appeal by someone whose contact is listed or reported by mistake. Only a contact the index
    /// holds something against can be appealed, and it has at most one pending appeal.
    pub async fn submit_appeal(
        &self,
        index: &canhgiac_index::ReputationIndex,
        value: &str,
        reason: &str,
    ) -> Result<AppealRecord, Error> {
        let identifier = canhgiac_core::detect(value).map_err(|e| e.with_field("value"))?;
        let reason = clean_reason(reason, 10..=2000, "reason", "say why the contact is not a scam")?;
        let canonical = identifier.canonical();
        let listed = index.lookup(&canonical).is_some_and(|s| {
            !matches!(
                s.level,
                canhgiac_core::verdict::VerdictLevel::NoData | canhgiac_core::verdict::VerdictLevel::OfficialVerified
            )
        });
        if !listed {
            return Err(Error::new(
                ErrorCode::InvalidValue,
                "nothing is reported or listed about this contact: there is nothing to appeal",
            )
            .with_field("value"));
        }
        let appeal = self
            .store
            .submit_appeal(NewAppeal {
                id: new_id(),
                kind: identifier.kind(),
                canonical: canonical.clone(),
                reason,
                submitted_at: now_millis(),
            })
            .await?;
        self.contacts_changed([(identifier.kind(), canonical)]);
        Ok(appeal)
    }

    /// Upholds or rejects a pending appeal. Upheld, every signal before the decision is set aside.
    pub async fn decide_appeal(
        &self,
        principal: &Principal,
        id: &str,
        upheld: bool,
        reason: &str,
    ) -> Result<AppealRecord, Error> {
        let reason = clean_reason(reason, 1..=1000, "reason", "say why")?;
        let decided = self.store.decide_appeal(id, upheld, &principal.label, &reason, now_millis()).await?;
        self.contacts_changed([(decided.kind, decided.canonical.clone())]);
        Ok(decided)
    }
}

/// One message from a telecom's 5656 gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsMessage {
    /// The subscriber who sent the report to 5656 (personal data: sealed).
    pub subscriber: String,
    /// The message as sent: `S <sender> <content>` or `V <caller> <content>`.
    pub text: String,
    /// The gateway's id for the message: a retry with the same id makes no second report.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Unix milliseconds.
    #[serde(default)]
    pub received_at: Option<i64>,
}

/// One contact listed by a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    pub value: String,
    #[serde(default)]
    pub kind: Option<String>,
    pub scam_type: String,
    pub reason: String,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Reads listings from CSV with a header row: `value,scam_type,reason` and optionally `kind`, `expires_at`.
pub fn listings_from_csv(bytes: &[u8]) -> Result<Vec<ListingInput>, Error> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| {
            Error::new(ErrorCode::InvalidCsv, format!("cannot read the header row: {e}")).with_field("line 1")
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(value), Some(scam_type), Some(reason)) = (column("value"), column("scam_type"), column("reason")) else {
        return Err(Error::new(
            ErrorCode::InvalidCsv,
            "the header row must name the columns value, scam_type and reason (kind and expires_at are optional)",
        )
        .with_field("line 1"));
    };
    let known = ["value", "kind", "scam_type", "reason", "expires_at"];
    if let Some(unknown) = headers.iter().find(|h| !known.iter().any(|k| h.eq_ignore_ascii_case(k))) {
        return Err(Error::new(
            ErrorCode::UnknownField,
            format!("unknown column '{}'", canhgiac_core::text::shorten_for_message(unknown)),
        )
        .with_field("line 1"));
    }
    let (kind, expires_at) = (column("kind"), column("expires_at"));
    let mut items = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|e| {
            let message = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".to_string(),
                _ => format!("cannot read the line: {e}"),
            };
            Error::new(ErrorCode::InvalidCsv, message).with_field(format!("line {line}"))
        })?;
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::to_string).filter(|s| !s.is_empty());
        items.push(ListingInput {
            value: get(Some(value)).unwrap_or_default(),
            kind: get(kind),
            scam_type: get(Some(scam_type)).unwrap_or_default(),
            reason: get(Some(reason)).unwrap_or_default(),
            expires_at: get(expires_at),
        });
    }
    Ok(items)
}

/// What the reporter may see: never personal data, never the narrative (a leaked secret must not leak it).
fn reporter_view(report: &ReportRecord) -> Value {
    json!({
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_vi": report.status.name_vi(),
        "channel": report.channel,
        "scam_type": report.scam_type,
        // The reporter's own words, shown back to whoever holds the code and the secret.
        "narrative": report.narrative,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "occurred_at": report.occurred_at,
        "province": report.province,
        "loss_vnd": report.loss_vnd,
        "contacts": report.contacts.iter().map(|c| json!({"kind": c.kind, "canonical": c.canonical, "source": c.source.as_str()})).collect::<Vec<_>>(),
        "transfers": report.transfers.iter().map(|t| json!({"to_account": t.to_account, "amount_vnd": t.amount_vnd, "at": t.at})).collect::<Vec<_>>(),
        "evidence": report.evidence.iter().map(|e| json!({"sha256": e.sha256, "media_type": e.media_type, "size_bytes": e.size_bytes})).collect::<Vec<_>>(),
        "history": report.history.iter().map(|c| json!({"status": c.to, "at": c.at, "reason": c.reason})).collect::<Vec<_>>(),
    })
}

fn scope_of(caller: Option<&Principal>) -> String {
    caller.map_or_else(|| "public".to_string(), |p| p.organisation_id.clone())
}

fn idempotency_context(scope: &str, key: &str) -> Vec<u8> {
    format!("idempotency\u{0}{scope}\u{0}{key}").into_bytes()
}

fn internal(context: &str, error: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("intake: {context}: {error}"))
}
