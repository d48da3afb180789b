//! One conformance suite, run on both stores: every scenario runs once on SQLite (a temporary file) and
//! once on PostgreSQL (a fresh database on the throwaway cluster that `./scripts/test` starts, or that
//! the testkit starts itself).

use canhgiac_core::ErrorCode;
use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::report::{Channel, Consent, ContactSource, ReportContact, ReportStatus, ReporterRole, Transfer};
use canhgiac_core::scam_type::ScamType;
use canhgiac_store::*;
use std::sync::Arc;

fn organisation(name: &str, kind: OrganisationKind) -> Organisation {
    Organisation {
        id: format!("org-{name}"),
        name: name.into(),
        kind,
        trust_level: 80,
        created_at: 1_000,
        bank_bin: None,
    }
}

/// A bank organisation with its NAPAS BIN.
fn bank(name: &str, bin: &str) -> Organisation {
    Organisation { bank_bin: Some(bin.into()), ..organisation(name, OrganisationKind::Bank) }
}

/// The decision of `organisation` about its transfer `transfer_id` to `payee`, decided at `at`.
fn screen_decision(organisation: &Organisation, transfer_id: &str, payee: &str, at: i64) -> ScreenDecisionRecord {
    ScreenDecisionRecord {
        id: format!("decision-{}-{transfer_id}", organisation.name),
        organisation_id: organisation.id.clone(),
        transfer_id: transfer_id.into(),
        transfer_at: at - 5,
        decided_at: at,
        amount: 25_000_000,
        payer: "bank:970436:0011001234567".into(),
        payee: payee.into(),
        decision: "hold".into(),
        level: 3,
        score: 87,
        rules_version: "2025-01".into(),
        body: format!(r#"{{"transfer_id":"{transfer_id}","decision":"hold","reasons":["payee_reported"]}}"#),
    }
}

/// `decision` with the freeze request it raised, addressed to the payee's bank `payee_bin`.
fn with_freeze(decision: ScreenDecisionRecord, payee_bin: &str) -> NewScreenDecision {
    let freeze = FreezeRequestRecord {
        id: format!("freeze-{}", decision.id),
        decision_id: decision.id.clone(),
        requesting_organisation_id: decision.organisation_id.clone(),
        transfer_id: decision.transfer_id.clone(),
        payee_bin: payee_bin.into(),
        payee: decision.payee.clone(),
        amount: decision.amount,
        reason: "payee_reported|new_payee".into(),
        state: FREEZE_REQUEST_OPEN.into(),
        created_at: decision.decided_at,
    };
    NewScreenDecision { decision, freeze_request: Some(freeze) }
}

fn without_freeze(decision: ScreenDecisionRecord) -> NewScreenDecision {
    NewScreenDecision { decision, freeze_request: None }
}

fn screen_outcome(id: &str, decision: &ScreenDecisionRecord, outcome: &str, at: i64) -> ScreenOutcomeRecord {
    ScreenOutcomeRecord {
        id: id.into(),
        organisation_id: decision.organisation_id.clone(),
        transfer_id: decision.transfer_id.clone(),
        outcome: outcome.into(),
        note: None,
        at,
    }
}

fn new_report(n: usize) -> NewReport {
    NewReport {
        id: format!("report-{n:05}"),
        tracking_code: format!("CG-TEST-{n:04}"),
        secret_hash: vec![n as u8; 32],
        channel: Channel::Web,
        submitted_by_organisation: None,
        submitted_by: None,
        reporter_role: Some(ReporterRole::Victim),
        reporter_sealed: Some(vec![1, 2, 3, n as u8]),
        reporter_fingerprint: None,
        scam_type: ScamType::ImpersonationBank,
        narrative: format!("Kẻ gian gọi từ 0912345678 lần {n}"),
        occurred_at: Some(1_700_000_000_000),
        province: Some("ha_noi".into()),
        commune: Some("Phường Ba Đình".into()),
        loss_vnd: Some(50_000_000),
        consent: Consent { share_with_authorities: true, contact_me: false },
        transfers: vec![Transfer { to_account: "bank:970436:0011004123456".into(), amount_vnd: 50_000_000, at: None }],
        contacts: vec![
            ReportContact {
                kind: IdentifierKind::BankAccount,
                canonical: "bank:970436:0011004123456".into(),
                source: ContactSource::Transfer,
            },
            ReportContact {
                kind: IdentifierKind::Phone,
                canonical: "+84912345678".into(),
                source: ContactSource::Narrative,
            },
        ],
        evidence: vec![EvidenceRecord { sha256: "ab".repeat(32), media_type: "image/png".into(), size_bytes: 1234 }],
        created_at: 1_700_000_000_000 + n as i64,
    }
}

/// Report `n` naming exactly `contacts` (phones as `+84...`, accounts as `bank:...`, links as domains).
fn report_naming(n: usize, contacts: &[&str], fingerprint: Option<&str>) -> NewReport {
    let mut report = new_report(n);
    report.reporter_fingerprint = fingerprint.map(str::to_string);
    report.contacts = contacts
        .iter()
        .map(|canonical| ReportContact {
            kind: kind_of(canonical),
            canonical: canonical.to_string(),
            source: ContactSource::Field,
        })
        .collect();
    report
}

fn kind_of(canonical: &str) -> IdentifierKind {
    if canonical.starts_with('+') {
        IdentifierKind::Phone
    } else if canonical.starts_with("bank:") {
        IdentifierKind::BankAccount
    } else {
        IdentifierKind::Domain
    }
}

fn feed_entry(source: &str, canonical: &str, trust_level: u8, seen_at: i64) -> NewFeedEntry {
    NewFeedEntry {
        source: source.into(),
        trust_level,
        kind: kind_of(canonical),
        canonical: canonical.into(),
        scam_type: None,
        seen_at,
    }
}

fn appeal(id: &str, canonical: &str, submitted_at: i64) -> NewAppeal {
    NewAppeal {
        id: id.into(),
        kind: kind_of(canonical),
        canonical: canonical.into(),
        reason: "this is my shop's number".into(),
        submitted_at,
    }
}

fn listing_by(organisation: &Organisation, id: &str, canonical: &str, listed_at: i64) -> NewListing {
    NewListing {
        id: id.into(),
        organisation_id: organisation.id.clone(),
        kind: kind_of(canonical),
        canonical: canonical.into(),
        scam_type: ScamType::Investment,
        reason: "mule".into(),
        listed_at,
        expires_at: Some(listed_at + 1_000),
        listed_by: "cgk_test0000".into(),
    }
}

fn idempotency(key: &str, report: &NewReport, request: u8) -> IdempotencyRecord {
    IdempotencyRecord {
        scope: "public".into(),
        key: key.into(),
        request_hash: vec![request; 32],
        report_id: report.id.clone(),
        response_sealed: vec![9, 9, 9],
        created_at: report.created_at,
    }
}

mod scenarios {
    use super::*;

    pub async fn migrations_are_applied_and_recorded(store: Arc<dyn Store>) {
        assert_eq!(store.schema_version().await.unwrap(), migrations::latest_version());
    }

    pub async fn a_report_reads_back_whole(store: Arc<dyn Store>) {
        let report = new_report(1);
        assert_eq!(store.submit_report(report.clone(), None).await.unwrap(), SubmitOutcome::Created);
        let stored = store.report_by_tracking_code(&report.tracking_code).await.unwrap().expect("stored");
        assert_eq!(stored.id, report.id);
        assert_eq!(stored.secret_hash, report.secret_hash);
        assert_eq!(stored.narrative, report.narrative);
        assert_eq!(stored.reporter_sealed, report.reporter_sealed);
        assert_eq!(stored.scam_type, report.scam_type);
        assert_eq!(stored.reporter_role, report.reporter_role);
        assert_eq!(stored.occurred_at, report.occurred_at);
        assert_eq!(stored.province, report.province);
        assert_eq!(stored.commune, report.commune);
        assert_eq!(stored.loss_vnd, report.loss_vnd);
        assert_eq!(stored.consent, report.consent);
        assert_eq!(stored.transfers, report.transfers);
        assert_eq!(stored.evidence, report.evidence);
        let contacts: Vec<_> = stored.contacts.iter().map(|c| (c.kind, c.canonical.clone(), c.source)).collect();
        let expected: Vec<_> = report.contacts.iter().map(|c| (c.kind, c.canonical.clone(), c.source)).collect();
        assert_eq!(contacts, expected);
        assert_eq!(stored.status, ReportStatus::Received);
        assert_eq!(stored.history.len(), 1);
        assert_eq!(stored.history[0].to, ReportStatus::Received);
        assert_eq!(store.report_by_id(&report.id).await.unwrap(), Some(stored));
        assert_eq!(store.report_by_tracking_code("CG-NONE-0000").await.unwrap(), None);
        assert_eq!(store.count_reports().await.unwrap(), 1);
    }

    pub async fn idempotency_keys_replay_and_refuse_reuse(store: Arc<dyn Store>) {
        let first = new_report(1);
        let outcome = store.submit_report(first.clone(), Some(idempotency("key-1", &first, 7))).await.unwrap();
        assert_eq!(outcome, SubmitOutcome::Created);
        // The same key and request again: the first answer, and no second report.
        let retry = new_report(2);
        let outcome = store.submit_report(retry.clone(), Some(idempotency("key-1", &retry, 7))).await.unwrap();
        match outcome {
            SubmitOutcome::Replayed(record) => {
                assert_eq!(record.report_id, first.id);
                assert_eq!(record.response_sealed, vec![9, 9, 9]);
            }
            other => panic!("expected a replay, got {other:?}"),
        }
        // The same key with another request.
        let other = new_report(3);
        let outcome = store.submit_report(other.clone(), Some(idempotency("key-1", &other, 8))).await.unwrap();
        assert_eq!(outcome, SubmitOutcome::KeyReused);
        assert_eq!(store.count_reports().await.unwrap(), 1);
        // Another scope may use the same key.
        let mut scoped = idempotency("key-1", &other, 8);
        scoped.scope = "org-bank".into();
        assert_eq!(store.submit_report(other, Some(scoped)).await.unwrap(), SubmitOutcome::Created);
        assert_eq!(store.count_reports().await.unwrap(), 2);
    }

    pub async fn concurrent_submissions_with_one_key_store_one_report(store: Arc<dyn Store>) {
        let mut tasks = Vec::new();
        for n in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let report = new_report(100 + n);
                store.submit_report(report.clone(), Some(idempotency("same-key", &report, 1))).await
            }));
        }
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                SubmitOutcome::Created => created += 1,
                SubmitOutcome::Replayed(_) => {}
                SubmitOutcome::KeyReused => panic!("same request"),
            }
        }
        assert_eq!(created, 1);
        assert_eq!(store.count_reports().await.unwrap(), 1);
    }

    pub async fn a_failed_write_leaves_nothing(store: Arc<dyn Store>) {
        let first = new_report(1);
        store.submit_report(first.clone(), None).await.unwrap();
        // Same tracking code: the report row conflicts after nothing else was written.
        let mut clash = new_report(2);
        clash.tracking_code = first.tracking_code.clone();
        let error = store.submit_report(clash.clone(), None).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Conflict);
        // A clash on the last insert (a duplicate contact position cannot happen; use the idempotency key
        // pointing at a missing report instead) must roll back the report, contacts and history too.
        let mut orphan = new_report(3);
        orphan.id = "report-00003".into();
        let mut record = idempotency("k", &orphan, 1);
        record.report_id = "no-such-report".into();
        let result = store.submit_report(orphan.clone(), Some(record)).await;
        assert!(result.is_err(), "a foreign key violation must fail the whole write");
        assert_eq!(store.report_by_id(&orphan.id).await.unwrap(), None);
        assert_eq!(store.report_by_id(&clash.id).await.unwrap(), None);
        assert_eq!(store.count_reports().await.unwrap(), 1);
        // An amount the store could only write changed (clamped into its BIGINT) is refused, nothing written.
        let mut huge_loss = new_report(5);
        huge_loss.loss_vnd = Some(u64::MAX);
        let error = store.submit_report(huge_loss.clone(), None).await.unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some("loss_vnd")));
        let mut huge_transfer = new_report(6);
        huge_transfer.transfers[0].amount_vnd = u64::MAX;
        let error = store.submit_report(huge_transfer.clone(), None).await.unwrap_err();
        assert_eq!(error.field.as_deref(), Some("transfers[0].amount_vnd"));
        assert_eq!(store.count_reports().await.unwrap(), 1);
        // And the store still works.
        store.submit_report(new_report(4), None).await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), 2);
    }

    pub async fn status_lifecycle_records_who_and_why(store: Arc<dyn Store>) {
        let report = new_report(1);
        store.submit_report(report.clone(), None).await.unwrap();
        let error =
            store.change_report_status(&report.id, ReportStatus::Verified, "cgk_analyst", "skip", 2).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidStatusTransition);
        store.change_report_status(&report.id, ReportStatus::Triaged, "cgk_analyst", "looks real", 2).await.unwrap();
        let verified = store
            .change_report_status(&report.id, ReportStatus::Verified, "cgk_police", "bank confirmed", 3)
            .await
            .unwrap();
        assert_eq!(verified.status, ReportStatus::Verified);
        let steps: Vec<_> =
            verified.history.iter().map(|c| (c.from, c.to, c.actor.as_str(), c.reason.as_str(), c.at)).collect();
        assert_eq!(
            steps,
            vec![
                (None, ReportStatus::Received, "system", "received", report.created_at),
                (Some(ReportStatus::Received), ReportStatus::Triaged, "cgk_analyst", "looks real", 2),
                (Some(ReportStatus::Triaged), ReportStatus::Verified, "cgk_police", "bank confirmed", 3),
            ]
        );
        let closed =
            store.change_report_status(&report.id, ReportStatus::Closed, "cgk_police", "done", 4).await.unwrap();
        assert_eq!(closed.updated_at, 4);
        let error = store.change_report_status(&report.id, ReportStatus::Triaged, "x", "reopen", 5).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidStatusTransition);
        let error = store.change_report_status("missing", ReportStatus::Triaged, "x", "", 5).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::NotFound);
    }

    pub async fn reports_filter_and_page_newest_first(store: Arc<dyn Store>) {
        for n in 1..=5 {
            let mut report = new_report(n);
            if n % 2 == 0 {
                report.contacts.truncate(1);
                report.contacts[0].canonical = format!("+8491000000{n}");
                report.contacts[0].kind = IdentifierKind::Phone;
            }
            store.submit_report(report, None).await.unwrap();
        }
        let all = store.reports(&ReportFilter { limit: 10, ..Default::default() }).await.unwrap();
        let ids: Vec<_> = all.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["report-00005", "report-00004", "report-00003", "report-00002", "report-00001"]);
        let page = store
            .reports(&ReportFilter { limit: 2, before: Some(all[1].created_at), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(page.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["report-00003", "report-00002"]);
        let by_contact = store
            .reports(&ReportFilter { limit: 10, contact: Some("+84912345678".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(by_contact.len(), 3);
        store.change_report_status("report-00001", ReportStatus::Triaged, "a", "", 9).await.unwrap();
        let triaged = store
            .reports(&ReportFilter { limit: 10, status: Some(ReportStatus::Triaged), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(triaged.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["report-00001"]);
    }

    pub async fn paging_never_skips_reports_that_share_a_millisecond(store: Arc<dyn Store>) {
        for n in 1..=7 {
            let mut report = new_report(n);
            report.created_at = if n <= 5 { 5_000 } else { 4_000 };
            store.submit_report(report, None).await.unwrap();
        }
        let mut seen = Vec::new();
        let mut filter = ReportFilter { limit: 2, ..Default::default() };
        loop {
            let page = store.reports(&filter).await.unwrap();
            seen.extend(page.iter().map(|r| r.id.clone()));
            let Some(last) = page.last().filter(|_| page.len() == 2) else { break };
            filter.before = Some(last.created_at);
            filter.before_id = Some(last.id.clone());
        }
        assert_eq!(
            seen,
            [
                "report-00005",
                "report-00004",
                "report-00003",
                "report-00002",
                "report-00001",
                "report-00007",
                "report-00006"
            ]
        );
    }

    pub async fn organisations_users_and_keys(store: Arc<dyn Store>) {
        let bank = store.create_organisation(organisation("Vietcombank", OrganisationKind::Bank)).await.unwrap();
        let error = store.create_organisation(organisation("Vietcombank", OrganisationKind::Bank)).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Conflict);
        store.create_organisation(organisation("C06", OrganisationKind::Police)).await.unwrap();
        assert_eq!(store.organisations().await.unwrap().len(), 2);
        assert_eq!(store.organisation("Vietcombank").await.unwrap(), Some(bank.clone()));
        assert_eq!(store.organisation(&bank.id).await.unwrap(), Some(bank.clone()));
        assert_eq!(store.organisation("nobody").await.unwrap(), None);

        let user = User {
            id: "user-1".into(),
            organisation_id: bank.id.clone(),
            username: "analyst1".into(),
            display_name: "Analyst One".into(),
            role: Role::Analyst,
            created_at: 5,
        };
        store.create_user(user.clone()).await.unwrap();
        assert_eq!(store.users(&bank.id).await.unwrap(), vec![user]);

        let key = ApiKeyRecord {
            id: "key-1".into(),
            organisation_id: bank.id.clone(),
            prefix: "cgk_abcdefgh".into(),
            key_hash: vec![7; 32],
            role: Role::Reporter,
            label: "core banking".into(),
            created_at: 6,
            revoked_at: None,
        };
        store.create_api_key(key.clone()).await.unwrap();
        let found = store.api_key_by_prefix("cgk_abcdefgh").await.unwrap().expect("key");
        assert_eq!(found.key, key);
        assert_eq!(found.organisation, bank);
        assert_eq!(store.api_keys(Some(&bank.id)).await.unwrap().len(), 1);
        assert_eq!(store.api_keys(Some("org-C06")).await.unwrap().len(), 0);
        let revoked = store.revoke_api_key("cgk_abcdefgh", 10).await.unwrap();
        assert_eq!(revoked.revoked_at, Some(10));
        // Revoking again keeps the first time.
        assert_eq!(store.revoke_api_key("cgk_abcdefgh", 20).await.unwrap().revoked_at, Some(10));
        assert_eq!(store.revoke_api_key("cgk_missing0", 20).await.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(store.api_key_by_prefix("cgk_missing0").await.unwrap(), None);
    }

    pub async fn listings_upsert_per_organisation_and_contact(store: Arc<dyn Store>) {
        let bank = store.create_organisation(organisation("BIDV", OrganisationKind::Bank)).await.unwrap();
        let listing = |id: &str, canonical: &str, reason: &str| NewListing {
            id: id.into(),
            organisation_id: bank.id.clone(),
            kind: IdentifierKind::BankAccount,
            canonical: canonical.into(),
            scam_type: ScamType::TaskScam,
            reason: reason.into(),
            listed_at: 100,
            expires_at: Some(200),
            listed_by: "cgk_bidv0000".into(),
        };
        let outcome = store
            .add_listings(vec![
                listing("l1", "bank:970418:123456789", "mule"),
                listing("l2", "bank:970418:987654321", "mule"),
            ])
            .await
            .unwrap();
        assert_eq!(outcome, ListingOutcome { created: 2, updated: 0 });
        let outcome = store.add_listings(vec![listing("l3", "bank:970418:123456789", "confirmed mule")]).await.unwrap();
        assert_eq!(outcome, ListingOutcome { created: 0, updated: 1 });
        let found = store.listings(Some("bank:970418:123456789")).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, "confirmed mule");
        assert_eq!(found[0].expires_at, Some(200));
        assert_eq!(store.listings(None).await.unwrap().len(), 2);
        // All or nothing: an unknown organisation fails the whole batch.
        let mut bad = listing("l4", "bank:970418:555555555", "x");
        bad.organisation_id = "org-missing".into();
        assert!(store.add_listings(vec![listing("l5", "bank:970418:444444444", "x"), bad]).await.is_err());
        assert_eq!(store.listings(None).await.unwrap().len(), 2);
    }

    pub async fn sealed_personal_data_can_be_resealed(store: Arc<dyn Store>) {
        let mut anonymous = new_report(2);
        anonymous.reporter_sealed = None;
        store.submit_report(new_report(1), None).await.unwrap();
        store.submit_report(anonymous, None).await.unwrap();
        let sealed = store.sealed_reporter_data().await.unwrap();
        assert_eq!(sealed, vec![("report-00001".to_string(), vec![1, 2, 3, 1])]);
        assert_eq!(store.reseal_reporter_data(vec![("report-00001".into(), vec![4, 5])]).await.unwrap(), 1);
        let stored = store.report_by_id("report-00001").await.unwrap().unwrap();
        assert_eq!(stored.reporter_sealed, Some(vec![4, 5]));
    }

    pub async fn feed_imports_count_created_and_duplicates(store: Arc<dyn Store>) {
        let outcome = store
            .add_feed_entries(vec![
                feed_entry("openphish", "a.example", 60, 500),
                feed_entry("openphish", "b.example", 60, 500),
                // Again in the same call: a duplicate, merged (earliest first, latest last sighting).
                feed_entry("openphish", "a.example", 60, 400),
            ])
            .await
            .unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 2, duplicates: 1 });
        let mut again = feed_entry("openphish", "a.example", 70, 900);
        again.scam_type = Some(ScamType::Investment);
        let outcome = store.add_feed_entries(vec![again, feed_entry("openphish", "c.example", 70, 900)]).await.unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 1, duplicates: 1 });
        // The same contact from another feed is another row.
        let outcome = store.add_feed_entries(vec![feed_entry("urlhaus", "a.example", 40, 100)]).await.unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 1, duplicates: 0 });
        // A refresh without a scam type keeps the known one, and an older sighting moves no time forward.
        let outcome = store.add_feed_entries(vec![feed_entry("openphish", "a.example", 65, 450)]).await.unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 0, duplicates: 1 });
        let rows = store.feed_entries("a.example").await.unwrap();
        assert_eq!(
            rows,
            vec![
                FeedEntryRecord {
                    source: "openphish".into(),
                    trust_level: 65,
                    kind: IdentifierKind::Domain,
                    canonical: "a.example".into(),
                    scam_type: Some(ScamType::Investment),
                    first_seen_at: 400,
                    last_seen_at: 900,
                },
                FeedEntryRecord {
                    source: "urlhaus".into(),
                    trust_level: 40,
                    kind: IdentifierKind::Domain,
                    canonical: "a.example".into(),
                    scam_type: None,
                    first_seen_at: 100,
                    last_seen_at: 100,
                },
            ]
        );
        // Bulk, across several statements: every count right.
        let bulk: Vec<NewFeedEntry> =
            (0..1_234).map(|n| feed_entry("bulk", &format!("host{n:05}.example"), 50, n as i64)).collect();
        let outcome = store.add_feed_entries(bulk.clone()).await.unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 1_234, duplicates: 0 });
        let outcome = store.add_feed_entries(bulk).await.unwrap();
        assert_eq!(outcome, FeedImportOutcome { created: 0, duplicates: 1_234 });
        // All or none: one bad entry writes nothing.
        let mut bad = feed_entry("bulk", "bad.example", 50, 1);
        bad.trust_level = 101;
        let error = store.add_feed_entries(vec![feed_entry("new", "z.example", 50, 1), bad]).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidValue);
        assert!(store.feed_entries("z.example").await.unwrap().is_empty());
        assert_eq!(store.add_feed_entries(Vec::new()).await.unwrap(), FeedImportOutcome::default());
    }

    pub async fn contact_signals_gather_every_source(store: Arc<dyn Store>) {
        use canhgiac_core::verdict::*;
        let bank = store.create_organisation(organisation("BIDV", OrganisationKind::Bank)).await.unwrap();
        let police = store.create_organisation(organisation("C06", OrganisationKind::Police)).await.unwrap();
        let target = "+84912345678";
        let account = "bank:970418:123456789";
        // Two reporters: `aa` twice, `bb` once; one anonymous report.
        let mut first = report_naming(1, &[target, account], Some("00000000000000aa"));
        first.created_at = 1_000;
        let mut second = report_naming(2, &[target], Some("00000000000000bb"));
        second.created_at = 2_000;
        second.loss_vnd = None;
        second.scam_type = ScamType::Investment;
        let mut third = report_naming(3, &[target, account], Some("00000000000000aa"));
        third.created_at = 3_000;
        let mut anonymous = report_naming(4, &[account], None);
        anonymous.created_at = 4_000;
        for report in [first, second, third, anonymous] {
            store.submit_report(report, None).await.unwrap();
        }
        assert_eq!(
            store.report_by_id("report-00001").await.unwrap().unwrap().reporter_fingerprint.as_deref(),
            Some("00000000000000aa")
        );
        store.change_report_status("report-00002", ReportStatus::Triaged, "analyst", "", 2_500).await.unwrap();
        store
            .add_listings(vec![listing_by(&bank, "l1", target, 5_000), listing_by(&police, "l2", target, 6_000)])
            .await
            .unwrap();
        let mut feed = feed_entry("chongluadao", target, 55, 7_000);
        feed.scam_type = Some(ScamType::ImpersonationBank);
        store.add_feed_entries(vec![feed]).await.unwrap();
        store.submit_appeal(appeal("appeal-1", target, 8_000)).await.unwrap();

        let records = store
            .contact_signals(&[target.to_string(), "+84900000000".to_string(), account.into(), target.into()])
            .await
            .unwrap();
        assert_eq!(records.len(), 2, "contacts without signals are left out, repeats given once");
        let record = &records[0];
        let expected = ContactRecord {
            kind: IdentifierKind::Phone,
            canonical: target.into(),
            signals: ContactSignals {
                reports: vec![
                    ReportSignal {
                        status: ReportStatus::Received,
                        at: 1_000,
                        reporter: ReporterIdentity::Fingerprint(0xaa),
                        loss_vnd: 50_000_000,
                        scam_type: ScamType::ImpersonationBank,
                    },
                    ReportSignal {
                        status: ReportStatus::Triaged,
                        at: 2_000,
                        reporter: ReporterIdentity::Fingerprint(0xbb),
                        loss_vnd: 0,
                        scam_type: ScamType::Investment,
                    },
                    ReportSignal {
                        status: ReportStatus::Received,
                        at: 3_000,
                        reporter: ReporterIdentity::Fingerprint(0xaa),
                        loss_vnd: 50_000_000,
                        scam_type: ScamType::ImpersonationBank,
                    },
                ],
                listings: vec![ListingSignal {
                    organisation: "BIDV".into(),
                    organisation_kind: OrganisationKind::Bank,
                    trust_level: 80,
                    listed_at: 5_000,
                    expires_at: Some(6_000),
                    scam_type: ScamType::Investment,
                }],
                feeds: vec![FeedSignal {
                    source: "chongluadao".into(),
                    trust_level: 55,
                    seen_at: 7_000,
                    scam_type: Some(ScamType::ImpersonationBank),
                }],
                confirmations: vec![ConfirmationSignal {
                    organisation: "C06".into(),
                    at: 6_000,
                    scam_type: ScamType::Investment,
                }],
                official: None,
                appeal: AppealState::Pending { since: 8_000 },
            },
            related: vec![account.to_string()],
        };
        assert_eq!(record, &expected);
        let account_record = &records[1];
        assert_eq!(account_record.canonical, account);
        assert_eq!(account_record.kind, IdentifierKind::BankAccount);
        assert_eq!(account_record.signals.reports.len(), 3);
        let reporters: Vec<_> = account_record.signals.reports.iter().map(|r| r.reporter).collect();
        assert_eq!(reporters[0], reporters[1], "one reporter, two reports");
        assert!(matches!(reporters[2], ReporterIdentity::Anonymous { .. }));
        // Anonymous reports are told apart, and the same every time.
        let again = store.contact_signals(&[account.to_string()]).await.unwrap();
        assert_eq!(again[0].signals.reports[2].reporter, reporters[2]);
        assert_eq!(account_record.related, vec![target.to_string()]);
        assert!(store.contact_signals(&[]).await.unwrap().is_empty());
        // A contact known only from a feed, or only from an appeal.
        store.add_feed_entries(vec![feed_entry("openphish", "only-feed.example", 40, 1)]).await.unwrap();
        store.submit_appeal(appeal("appeal-2", "only-appeal.example", 2)).await.unwrap();
        let records = store.contact_signals(&["only-appeal.example".into(), "only-feed.example".into()]).await.unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].signals.appeal, AppealState::Pending { since: 2 });
        assert_eq!(records[1].signals.feeds.len(), 1);
        assert!(records[1].related.is_empty());
    }

    pub async fn closed_reports_count_with_the_status_they_were_closed_from(store: Arc<dyn Store>) {
        let contact = "+84911111111";
        for n in 1..=3 {
            store.submit_report(report_naming(n, &[contact], None), None).await.unwrap();
        }
        for (id, resolution) in [("report-00001", ReportStatus::Verified), ("report-00002", ReportStatus::Rejected)] {
            store.change_report_status(id, ReportStatus::Triaged, "a", "", 10).await.unwrap();
            store.change_report_status(id, resolution, "a", "", 11).await.unwrap();
            store.change_report_status(id, ReportStatus::Closed, "a", "", 12).await.unwrap();
        }
        let records = store.contact_signals(&[contact.to_string()]).await.unwrap();
        let statuses: Vec<_> = records[0].signals.reports.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [ReportStatus::Verified, ReportStatus::Rejected, ReportStatus::Received]);
    }

    pub async fn related_contacts_come_most_frequent_first(store: Arc<dyn Store>) {
        let x = "+84900000001";
        let (a, b, c) = ("+84900000002", "bank:970418:111111111", "scam.example");
        store.submit_report(report_naming(1, &[x, a, b], None), None).await.unwrap();
        store.submit_report(report_naming(2, &[a, x], None), None).await.unwrap();
        store.submit_report(report_naming(3, &[x, c, a], None), None).await.unwrap();
        store.submit_report(report_naming(4, &[c, x], None), None).await.unwrap();
        let records = store.contact_signals(&[x.to_string(), b.to_string()]).await.unwrap();
        assert_eq!(records[0].related, vec![a.to_string(), c.to_string(), b.to_string()]);
        assert_eq!(records[1].related, vec![x.to_string(), a.to_string()]);
        // At most ten.
        let many: Vec<String> = (0..12).map(|n| format!("host{n:02}.example")).collect();
        let mut contacts: Vec<&str> = vec![x];
        contacts.extend(many.iter().map(String::as_str));
        store.submit_report(report_naming(5, &contacts, None), None).await.unwrap();
        let records = store.contact_signals(&[x.to_string()]).await.unwrap();
        assert_eq!(records[0].related.len(), 10);
        assert_eq!(records[0].related[..2], [a.to_string(), c.to_string()]);
    }

    pub async fn contact_pages_visit_every_contact_once_in_order(store: Arc<dyn Store>) {
        let bank = store.create_organisation(organisation("BIDV", OrganisationKind::Bank)).await.unwrap();
        let mut expected = std::collections::BTreeSet::new();
        for n in 0..9 {
            let phone = format!("+8491000{n:04}");
            let account = format!("bank:970418:{n:09}");
            store.submit_report(report_naming(n, &[&phone, &account], None), None).await.unwrap();
            expected.extend([phone, account]);
        }
        let listings: Vec<NewListing> = (0..6)
            .map(|n| {
                // Half of them contacts that reports name too.
                let canonical = if n % 2 == 0 { format!("+8491000{n:04}") } else { format!("listed{n}.example") };
                expected.insert(canonical.clone());
                listing_by(&bank, &format!("l{n}"), &canonical, 10)
            })
            .collect();
        store.add_listings(listings).await.unwrap();
        let feeds: Vec<NewFeedEntry> = (0..1_100)
            .map(|n| {
                let canonical = if n < 3 { format!("bank:970418:{n:09}") } else { format!("feed{n:05}.example") };
                expected.insert(canonical.clone());
                feed_entry("bulk", &canonical, 50, 1)
            })
            .collect();
        store.add_feed_entries(feeds).await.unwrap();
        for n in 0..3 {
            let canonical = format!("appealed{n}.example");
            store.submit_appeal(appeal(&format!("appeal-{n}"), &canonical, 5)).await.unwrap();
            expected.insert(canonical);
        }
        store.submit_appeal(appeal("appeal-x", "+84910000001", 5)).await.unwrap();
        // The test cluster runs with the C locale, so the database's order is Rust's byte order.
        let expected: Vec<String> = expected.into_iter().collect();
        for limit in [7, 600, 5_000] {
            let mut seen = Vec::new();
            let mut records = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = store.contact_signals_page(after.as_deref(), limit).await.unwrap();
                if page.is_empty() {
                    break;
                }
                assert!(page.len() <= limit);
                after = Some(page.last().unwrap().canonical.clone());
                for record in page {
                    let has_signal = !record.signals.reports.is_empty()
                        || !record.signals.listings.is_empty()
                        || !record.signals.feeds.is_empty()
                        || record.signals.appeal != canhgiac_core::verdict::AppealState::None;
                    assert!(has_signal, "{}", record.canonical);
                    seen.push(record.canonical.clone());
                    records.push(record);
                }
            }
            assert_eq!(seen.len(), expected.len(), "limit {limit}");
            assert_eq!(seen, expected, "limit {limit}");
            // Pages are read by ranges of canonical forms; asking for the contacts one by one gives the same records.
            assert_eq!(store.contact_signals(&seen).await.unwrap(), records, "limit {limit}");
        }
        // A page holds the same records as asking for its contacts.
        let page = store.contact_signals_page(Some("+84910000000"), 3).await.unwrap();
        let asked: Vec<String> = page.iter().map(|r| r.canonical.clone()).collect();
        assert_eq!(asked[0], "+84910000001");
        assert_eq!(store.contact_signals(&asked).await.unwrap(), page);
        assert!(store.contact_signals_page(Some("zzz"), 10).await.unwrap().is_empty());
        assert!(store.contact_signals_page(None, 0).await.unwrap().is_empty());
    }

    pub async fn appeals_are_decided_once(store: Arc<dyn Store>) {
        let contact = "+84912000000";
        let submitted = store.submit_appeal(appeal("appeal-1", contact, 100)).await.unwrap();
        assert_eq!(submitted.state, AppealStatus::Pending);
        assert_eq!((submitted.decided_at, submitted.decided_by.clone()), (None, None));
        let error = store.submit_appeal(appeal("appeal-2", contact, 101)).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Conflict, "one pending appeal per contact");
        let decided = store.decide_appeal("appeal-1", true, "cgk_police", "the shop is real", 200).await.unwrap();
        assert_eq!(decided.state, AppealStatus::Upheld);
        assert_eq!(decided.decided_at, Some(200));
        assert_eq!(decided.decided_by.as_deref(), Some("cgk_police"));
        assert_eq!(decided.decision_reason.as_deref(), Some("the shop is real"));
        let error = store.decide_appeal("appeal-1", false, "x", "", 300).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidStatusTransition);
        let error = store.decide_appeal("missing", true, "x", "", 300).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::NotFound);
        let signals = store.contact_signals(&[contact.to_string()]).await.unwrap();
        assert_eq!(signals[0].signals.appeal, canhgiac_core::verdict::AppealState::Upheld { at: 200 });
        // Once decided, a new appeal may be made; the latest is the contact's state.
        store.submit_appeal(appeal("appeal-3", contact, 400)).await.unwrap();
        let rejected = store.decide_appeal("appeal-3", false, "cgk_police", "still scamming", 500).await.unwrap();
        assert_eq!(rejected.state, AppealStatus::Rejected);
        let signals = store.contact_signals(&[contact.to_string()]).await.unwrap();
        assert_eq!(signals[0].signals.appeal, canhgiac_core::verdict::AppealState::Rejected { at: 500 });
        let ids: Vec<_> = store.appeals(Some(contact)).await.unwrap().into_iter().map(|a| a.id).collect();
        assert_eq!(ids, ["appeal-1", "appeal-3"]);
        store.submit_appeal(appeal("appeal-4", "other.example", 600)).await.unwrap();
        assert_eq!(store.appeals(None).await.unwrap().len(), 3);
        assert!(store.appeals(Some("nobody.example")).await.unwrap().is_empty());
    }

    pub async fn organisations_keep_their_bank_bin_and_are_found_by_it(store: Arc<dyn Store>) {
        let vietcombank = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let police = store.create_organisation(organisation("C06", OrganisationKind::Police)).await.unwrap();
        assert_eq!(vietcombank.bank_bin.as_deref(), Some("970436"));
        assert_eq!(store.organisation("Vietcombank").await.unwrap(), Some(vietcombank.clone()));
        assert_eq!(store.organisation(&police.id).await.unwrap().unwrap().bank_bin, None);
        let listed: Vec<_> = store.organisations().await.unwrap().into_iter().map(|o| (o.name, o.bank_bin)).collect();
        assert_eq!(listed, [("C06".to_string(), None), ("Vietcombank".to_string(), Some("970436".to_string()))]);
        assert_eq!(store.organisation_by_bank_bin("970436").await.unwrap(), Some(vietcombank.clone()));
        assert_eq!(store.organisation_by_bank_bin("970418").await.unwrap(), None);
        // Two organisations with one BIN (a bank and its card arm): the oldest answers.
        let newer = Organisation { created_at: 2_000, ..bank("VCB Cards", "970436") };
        store.create_organisation(newer).await.unwrap();
        let older = Organisation { created_at: 500, ..bank("VCB Head Office", "970436") };
        let older = store.create_organisation(older).await.unwrap();
        assert_eq!(store.organisation_by_bank_bin("970436").await.unwrap(), Some(older));
        // Authentication reads it too.
        let key = ApiKeyRecord {
            id: "key-1".into(),
            organisation_id: vietcombank.id.clone(),
            prefix: "cgk_vcbscreen".into(),
            key_hash: vec![1; 32],
            role: Role::Reporter,
            label: "screening".into(),
            created_at: 6,
            revoked_at: None,
        };
        store.create_api_key(key).await.unwrap();
        let found = store.api_key_by_prefix("cgk_vcbscreen").await.unwrap().unwrap();
        assert_eq!(found.organisation, vietcombank);
        // A BIN is six digits.
        for bin in ["97043", "97043a", "9704360", ""] {
            let error = store.create_organisation(bank(&format!("Bad {bin}"), bin)).await.unwrap_err();
            assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some("bank_bin")), "{bin}");
        }
        assert_eq!(store.organisations().await.unwrap().len(), 4);
    }

    pub async fn screen_decisions_store_once_per_organisation_and_transfer(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let bidv = store.create_organisation(bank("BIDV", "970418")).await.unwrap();
        let payee = "bank:970418:123456789";
        let first = screen_decision(&vcb, "tx-1", payee, 10_000);
        let second = ScreenDecisionRecord {
            decision: "allow".into(),
            level: 0,
            score: 3,
            ..screen_decision(&vcb, "tx-2", payee, 11_000)
        };
        let outcome = store
            .record_screen_decisions(vec![with_freeze(first.clone(), "970418"), without_freeze(second.clone())].into())
            .await
            .unwrap();
        assert_eq!(outcome, ScreenDecisionsOutcome { stored: 2, already_stored: 0 });
        assert_eq!(store.screen_decision(&vcb.id, "tx-1").await.unwrap(), Some(first.clone()));
        assert_eq!(store.screen_decision(&vcb.id, "tx-2").await.unwrap(), Some(second.clone()));
        assert_eq!(store.screen_decision(&vcb.id, "tx-3").await.unwrap(), None);
        assert_eq!(store.screen_decision(&bidv.id, "tx-1").await.unwrap(), None);

        // The bank asks again (a retry, with a new decision id and a different answer): nothing changes, the first
        // answer stays to be replayed, and no second freeze request is raised.
        let mut retry = screen_decision(&vcb, "tx-1", payee, 12_000);
        retry.id = "decision-retry".into();
        retry.body = r#"{"decision":"block"}"#.into();
        let third = screen_decision(&vcb, "tx-3", payee, 13_000);
        let outcome = store
            .record_screen_decisions(
                vec![
                    with_freeze(retry, "970418"),
                    without_freeze(third.clone()),
                    // The same transfer twice in one call: the first is stored.
                    without_freeze(ScreenDecisionRecord { id: "decision-dup".into(), ..third.clone() }),
                ]
                .into(),
            )
            .await
            .unwrap();
        assert_eq!(outcome, ScreenDecisionsOutcome { stored: 1, already_stored: 2 });
        assert_eq!(store.screen_decision(&vcb.id, "tx-1").await.unwrap(), Some(first.clone()));
        assert_eq!(store.screen_decision(&vcb.id, "tx-3").await.unwrap(), Some(third.clone()));
        assert_eq!(store.freeze_requests("970418", 10).await.unwrap().len(), 1);

        // Another bank's transfer id is its own.
        let other = screen_decision(&bidv, "tx-1", payee, 9_000);
        let outcome = store.record_screen_decisions(vec![without_freeze(other.clone())].into()).await.unwrap();
        assert_eq!(outcome, ScreenDecisionsOutcome { stored: 1, already_stored: 0 });
        assert_eq!(store.screen_decision(&bidv.id, "tx-1").await.unwrap(), Some(other.clone()));
        assert_eq!(store.record_screen_decisions(Vec::new().into()).await.unwrap(), ScreenDecisionsOutcome::default());

        // A payee's decisions, newest first.
        let of_payee = store.screen_decisions_of_payee(payee, 10).await.unwrap();
        assert_eq!(of_payee, vec![third.clone(), second.clone(), first.clone(), other]);
        assert_eq!(store.screen_decisions_of_payee(payee, 2).await.unwrap(), vec![third, second]);
        assert!(store.screen_decisions_of_payee(payee, 0).await.unwrap().is_empty());
        assert!(store.screen_decisions_of_payee("bank:970418:000000000", 10).await.unwrap().is_empty());

        // A decision id already used for another transfer is a conflict, not a replay.
        let clash = ScreenDecisionRecord { id: first.id.clone(), ..screen_decision(&vcb, "tx-4", payee, 14_000) };
        let error = store.record_screen_decisions(vec![without_freeze(clash)].into()).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Conflict);
        assert_eq!(store.screen_decision(&vcb.id, "tx-4").await.unwrap(), None);
    }

    pub async fn recent_decisions_page_in_id_order_without_bodies(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let payee = "bank:970418:123456789";
        let decisions: Vec<ScreenDecisionRecord> = (0..5)
            .map(|n| ScreenDecisionRecord {
                id: format!("0190-{n}"),
                ..screen_decision(&vcb, &format!("tx-{n}"), payee, 10_000 + n * 1_000)
            })
            .collect();
        store
            .record_screen_decisions(decisions.iter().cloned().map(without_freeze).collect::<Vec<_>>().into())
            .await
            .unwrap();
        let first = store.screen_decisions_since(11_000, None, 2).await.unwrap();
        let ids: Vec<&str> = first.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, vec!["0190-1", "0190-2"]);
        assert!(first.iter().all(|d| d.body.is_empty()), "bodies are left out");
        assert_eq!(first[0], ScreenDecisionRecord { body: String::new(), ..decisions[1].clone() });
        let rest = store.screen_decisions_since(11_000, Some("0190-2"), 10).await.unwrap();
        assert_eq!(rest.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), vec!["0190-3", "0190-4"]);
        assert!(store.screen_decisions_since(11_000, Some("0190-4"), 10).await.unwrap().is_empty());
        assert!(store.screen_decisions_since(0, None, 0).await.unwrap().is_empty());
    }

    pub async fn freeze_requests_are_addressed_by_payee_bin_newest_first(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let to_bidv = "bank:970418:123456789";
        let decisions = vec![
            with_freeze(screen_decision(&vcb, "tx-a", to_bidv, 10), "970418"),
            with_freeze(screen_decision(&vcb, "tx-c", to_bidv, 30), "970418"),
            with_freeze(screen_decision(&vcb, "tx-b", to_bidv, 20), "970418"),
            // Two in one millisecond: by id.
            with_freeze(screen_decision(&vcb, "tx-d", to_bidv, 20), "970418"),
            without_freeze(screen_decision(&vcb, "tx-e", to_bidv, 40)),
            with_freeze(screen_decision(&vcb, "tx-f", "bank:970415:555555555", 50), "970415"),
        ];
        let outcome = store.record_screen_decisions(decisions.clone().into()).await.unwrap();
        assert_eq!(outcome, ScreenDecisionsOutcome { stored: 6, already_stored: 0 });
        let requests = store.freeze_requests("970418", 10).await.unwrap();
        let order: Vec<_> = requests.iter().map(|r| r.transfer_id.as_str()).collect();
        assert_eq!(order, ["tx-c", "tx-d", "tx-b", "tx-a"]);
        // Read back whole.
        assert_eq!(requests[0], decisions[1].freeze_request.clone().unwrap());
        assert_eq!(requests[0].state, "open");
        assert_eq!(requests[0].requesting_organisation_id, vcb.id);
        assert_eq!(requests[0].reason, "payee_reported|new_payee");
        let first_two: Vec<_> =
            store.freeze_requests("970418", 2).await.unwrap().into_iter().map(|r| r.transfer_id).collect();
        assert_eq!(first_two, ["tx-c", "tx-d"]);
        // Not visible to another bank.
        assert!(store.freeze_requests("970436", 10).await.unwrap().is_empty());
        let other = store.freeze_requests("970415", 10).await.unwrap();
        assert_eq!(other.iter().map(|r| r.transfer_id.as_str()).collect::<Vec<_>>(), ["tx-f"]);
        assert!(store.freeze_requests("970418", 0).await.unwrap().is_empty());
    }

    pub async fn a_batch_with_one_invalid_decision_writes_nothing(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let payee = "bank:970418:123456789";
        let good = || {
            vec![
                with_freeze(screen_decision(&vcb, "tx-1", payee, 10), "970418"),
                without_freeze(screen_decision(&vcb, "tx-2", payee, 20)),
            ]
        };
        for field in ["transfer_id", "organisation_id", "id", "decision", "payee_bin", "decision_id"] {
            let mut invalid = with_freeze(screen_decision(&vcb, "tx-3", payee, 30), "970418");
            let (decision, freeze) = (&mut invalid.decision, invalid.freeze_request.as_mut().unwrap());
            match field {
                "transfer_id" => decision.transfer_id = " ".into(),
                "organisation_id" => decision.organisation_id = String::new(),
                "id" => decision.id = String::new(),
                "decision" => decision.decision = "maybe".into(),
                "payee_bin" => freeze.payee_bin = "9704".into(),
                _ => freeze.decision_id = "another".into(),
            }
            let mut batch = good();
            batch.push(invalid);
            let error = store.record_screen_decisions(batch.into()).await.unwrap_err();
            assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some(field)));
            assert!(!error.message.contains(payee), "no personal data in messages: {}", error.message);
        }
        // A batch the database refuses (the second freeze request reuses the first one's id) rolls back whole.
        let mut batch = good();
        let mut clashing = with_freeze(screen_decision(&vcb, "tx-3", payee, 30), "970418");
        clashing.freeze_request.as_mut().unwrap().id = batch[0].freeze_request.as_ref().unwrap().id.clone();
        batch.push(clashing);
        assert_eq!(store.record_screen_decisions(batch.into()).await.unwrap_err().code, ErrorCode::Conflict);
        // An unknown organisation: refused whole as well.
        let mut batch = good();
        let mut stranger = screen_decision(&vcb, "tx-9", payee, 90);
        stranger.organisation_id = "org-missing".into();
        batch.push(without_freeze(stranger));
        assert!(store.record_screen_decisions(batch.into()).await.is_err());
        for transfer in ["tx-1", "tx-2", "tx-3", "tx-9"] {
            assert_eq!(store.screen_decision(&vcb.id, transfer).await.unwrap(), None, "{transfer}");
        }
        assert!(store.screen_decisions_of_payee(payee, 10).await.unwrap().is_empty());
        assert!(store.freeze_requests("970418", 10).await.unwrap().is_empty());
        // And the same batch, valid, stores whole.
        let outcome = store.record_screen_decisions(good().into()).await.unwrap();
        assert_eq!(outcome, ScreenDecisionsOutcome { stored: 2, already_stored: 0 });
        assert_eq!(store.freeze_requests("970418", 10).await.unwrap().len(), 1);
    }

    pub async fn a_screen_outcome_needs_a_stored_decision(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let bidv = store.create_organisation(bank("BIDV", "970418")).await.unwrap();
        let decision = screen_decision(&vcb, "tx-1", "bank:970418:123456789", 100);
        // Before the decision is stored: no such screened transfer.
        let error =
            store.record_screen_outcome(screen_outcome("outcome-0", &decision, "cancelled", 150)).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::NotFound);
        store.record_screen_decisions(vec![without_freeze(decision.clone())].into()).await.unwrap();
        let error =
            store.record_screen_outcome(screen_outcome("outcome-1", &decision, "refunded", 150)).await.unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some("outcome")));
        // Another bank cannot speak for this transfer.
        let mut foreign = screen_outcome("outcome-2", &decision, "proceeded", 150);
        foreign.organisation_id = bidv.id.clone();
        assert_eq!(store.record_screen_outcome(foreign).await.unwrap_err().code, ErrorCode::NotFound);

        let proceeded =
            store.record_screen_outcome(screen_outcome("outcome-3", &decision, "proceeded", 200)).await.unwrap();
        let confirmed = ScreenOutcomeRecord {
            note: Some("customer called back: scam confirmed".into()),
            ..screen_outcome("outcome-4", &decision, "confirmed_fraud", 300)
        };
        store.record_screen_outcome(confirmed.clone()).await.unwrap();
        // Recorded out of order: read oldest first.
        let cancelled =
            store.record_screen_outcome(screen_outcome("outcome-5", &decision, "cancelled", 150)).await.unwrap();
        assert_eq!(store.screen_outcomes(&vcb.id, "tx-1").await.unwrap(), vec![cancelled, proceeded, confirmed]);
        assert!(store.screen_outcomes(&vcb.id, "tx-2").await.unwrap().is_empty());
        assert!(store.screen_outcomes(&bidv.id, "tx-1").await.unwrap().is_empty());
        // An outcome id is used once.
        let error =
            store.record_screen_outcome(screen_outcome("outcome-3", &decision, "cancelled", 400)).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Conflict);
        assert_eq!(store.screen_outcomes(&vcb.id, "tx-1").await.unwrap().len(), 3);
    }

    pub async fn many_concurrent_decision_batches_all_commit(store: Arc<dyn Store>) {
        let vcb = store.create_organisation(bank("Vietcombank", "970436")).await.unwrap();
        let payee = "bank:970418:123456789";
        let batch = move |n: usize| -> Vec<NewScreenDecision> {
            (0..10)
                .map(|k| {
                    let decision = screen_decision(&vcb, &format!("tx-{n:02}-{k}"), payee, (n * 10 + k) as i64);
                    if k % 3 == 0 { with_freeze(decision, "970418") } else { without_freeze(decision) }
                })
                .collect()
        };
        let mut tasks = Vec::new();
        // 40 batches, and 10 of them sent twice at once (a bank retrying before the first answer came).
        for n in (0..40).chain(0..10) {
            let (store, decisions) = (store.clone(), batch(n));
            tasks.push(tokio::spawn(async move { store.record_screen_decisions(decisions.into()).await }));
        }
        let mut total = ScreenDecisionsOutcome::default();
        for task in tasks {
            let outcome = task.await.unwrap().unwrap();
            assert_eq!(outcome.stored + outcome.already_stored, 10);
            total.stored += outcome.stored;
            total.already_stored += outcome.already_stored;
        }
        assert_eq!(total, ScreenDecisionsOutcome { stored: 400, already_stored: 100 });
        assert_eq!(store.screen_decisions_of_payee(payee, 1_000).await.unwrap().len(), 400);
        assert_eq!(store.freeze_requests("970418", 1_000).await.unwrap().len(), 40 * 4);
    }

    pub async fn many_concurrent_writes_all_commit(store: Arc<dyn Store>) {
        let mut tasks = Vec::new();
        for n in 0..200 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.submit_report(new_report(1000 + n), None).await }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), SubmitOutcome::Created);
        }
        assert_eq!(store.count_reports().await.unwrap(), 200);
    }

    pub async fn reports_are_counted_by_scam_type_in_a_window(store: Arc<dyn Store>) {
        // Reports 1-6 are created at 1_700_000_000_000 + n.
        for n in 1..=6 {
            let mut report = new_report(n);
            report.scam_type = if n <= 3 { ScamType::TaskScam } else { ScamType::ImpersonationBank };
            store.submit_report(report, None).await.unwrap();
        }
        // A rejected report is not counted.
        store.change_report_status("report-00002", ReportStatus::Triaged, "analyst", "read", 1).await.unwrap();
        store.change_report_status("report-00002", ReportStatus::Rejected, "analyst", "not a scam", 2).await.unwrap();
        let counts = store.report_counts_by_scam_type(1_700_000_000_000, 1_700_000_000_006).await.unwrap();
        assert_eq!(counts, vec![("impersonation_bank".to_string(), 2), ("task_scam".to_string(), 2)]);
        assert!(store.report_counts_by_scam_type(0, 1_700_000_000_000).await.unwrap().is_empty());
    }
}

macro_rules! conformance {
    ($($scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let directory = tempfile::tempdir().unwrap();
                    let store = canhgiac_store::SqliteStore::open(&directory.path().join("canhgiac.db")).await.unwrap();
                    super::scenarios::$scenario(std::sync::Arc::new(store)).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let database = canhgiac_testkit::require_postgres_database(stringify!($scenario));
                    let store = canhgiac_store::PostgresStore::connect(database.url()).await.unwrap();
                    super::scenarios::$scenario(std::sync::Arc::new(store)).await;
                }
            )+
        }
    };
}

conformance!(
    migrations_are_applied_and_recorded,
    a_report_reads_back_whole,
    idempotency_keys_replay_and_refuse_reuse,
    concurrent_submissions_with_one_key_store_one_report,
    a_failed_write_leaves_nothing,
    status_lifecycle_records_who_and_why,
    reports_filter_and_page_newest_first,
    paging_never_skips_reports_that_share_a_millisecond,
    organisations_users_and_keys,
    listings_upsert_per_organisation_and_contact,
    sealed_personal_data_can_be_resealed,
    many_concurrent_writes_all_commit,
    feed_imports_count_created_and_duplicates,
    contact_signals_gather_every_source,
    closed_reports_count_with_the_status_they_were_closed_from,
    related_contacts_come_most_frequent_first,
    contact_pages_visit_every_contact_once_in_order,
    appeals_are_decided_once,
    organisations_keep_their_bank_bin_and_are_found_by_it,
    screen_decisions_store_once_per_organisation_and_transfer,
    recent_decisions_page_in_id_order_without_bodies,
    freeze_requests_are_addressed_by_payee_bin_newest_first,
    a_batch_with_one_invalid_decision_writes_nothing,
    a_screen_outcome_needs_a_stored_decision,
    many_concurrent_decision_batches_all_commit,
    reports_are_counted_by_scam_type_in_a_window,
);

#[tokio::test]
async fn sqlite_refuses_a_database_from_a_newer_canhgiac() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("canhgiac.db");
    drop(SqliteStore::open(&path).await.unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)", [])
        .unwrap();
    drop(connection);
    let error = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::SchemaVersionMismatch);
}

#[tokio::test]
async fn sqlite_backup_and_restore_round_trip() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("canhgiac.db");
    let store = SqliteStore::open(&path).await.unwrap();
    for n in 0..10 {
        store.submit_report(new_report(n), None).await.unwrap();
    }
    let backup = directory.path().join("backup.db");
    assert_eq!(backup_sqlite(&path, &backup).unwrap(), 10);
    store.submit_report(new_report(99), None).await.unwrap();
    drop(store);
    let restored_path = directory.path().join("restored").join("canhgiac.db");
    assert_eq!(restore_sqlite(&backup, &restored_path).unwrap(), 10);
    let restored = SqliteStore::open(&restored_path).await.unwrap();
    assert_eq!(restored.count_reports().await.unwrap(), 10);
    assert!(restored.report_by_id("report-00099").await.unwrap().is_none());
    // Not a database: refused, nothing changed.
    let junk = directory.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").unwrap();
    assert_eq!(restore_sqlite(&junk, &restored_path).unwrap_err().code, ErrorCode::InvalidFile);
    assert_eq!(restored.count_reports().await.unwrap(), 10);
}
