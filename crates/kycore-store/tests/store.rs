//! The store's conformance suite: every test runs against SQLite, and against PostgreSQL too
//! when `KYCORE_TEST_DATABASE_URL` is set, so both backends keep one behaviour.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;

use kycore_domain::ids::OrganizationId;
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::cases::{self, CaseFilter, CaseRecord};
use kycore_store::events::{self, EventRecord};
use kycore_store::jobs::{self, JobRecord};
use kycore_store::organizations::{self, OrganizationRecord};
use kycore_store::related_person_cases::{self, RelatedPersonCaseRecord};
use kycore_store::testing::TestDatabase;
use kycore_store::{Store, StoreError, Tx, applicants, checks, idempotency, screening_hits};
use sqlx::Connection;

/// Runs `test` once per configured backend, each on a fresh database.
macro_rules! each_backend {
    (|$store:ident, $db:ident| $body:block) => {
        for $db in TestDatabase::all().await {
            let $store = Store::open(&$db.url).await.unwrap();
            $body
            $db.cleanup().await;
        }
    };
}

fn scope(org: &str, environment: Environment) -> Scope {
    Scope {
        organization_id: OrganizationId::from_trusted(org.into()),
        environment,
    }
}

async fn add_org(store: &Store, id: &str) {
    let org = OrganizationRecord {
        id: id.into(),
        name: id.into(),
        created_at: 1,
        retention_days: None,
    };
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move { organizations::insert(tx.conn().await?, &org).await })
        })
        .await
        .unwrap();
}

fn applicant(id: &str, scope: &Scope) -> applicants::ApplicantRecord {
    applicants::ApplicantRecord {
        id: id.into(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().into(),
        applicant_type: "individual".into(),
        external_id: Some(format!("ext-{id}")),
        profile_sealed: vec![1, 2, 3],
        id_number_hash: None,
        name_dob_hash: None,
        email_hash: None,
        name_tokens: None,
        revision: 1,
        created_at: 10,
        updated_at: 10,
        redacted_at: None,
    }
}

fn case(id: &str, applicant_id: &str, scope: &Scope, status: &str, created_at: i64) -> CaseRecord {
    CaseRecord {
        id: id.into(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().into(),
        applicant_id: applicant_id.into(),
        kind: "kyc".into(),
        flow_id: "flow_kyc_default".into(),
        flow_version: 0,
        status: status.into(),
        revision: 1,
        external_id: None,
        link_token_id: format!("lnk_{id}"),
        link_expires_at: 1_000,
        link_opened_at: None,
        decision: None,
        sealed: None,
        closed_at: None,
        redacted_at: None,
        submitted_at: None,
        first_approved_by: None,
        first_approved_at: None,
        assigned_to: None,
        last_event_seq: 0,
        created_at,
        updated_at: created_at,
    }
}

async fn seed_cases(store: &Store, scope: &Scope, cases: Vec<CaseRecord>) {
    let applicant = applicant(&format!("app_{}", scope.environment), scope);
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                tx.append_applicant(applicant);
                for c in cases {
                    tx.append_case(c);
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
}

fn job(id: &str, dedupe: Option<&str>, run_at: i64) -> JobRecord {
    JobRecord {
        id: id.into(),
        kind: "test".into(),
        payload: "{}".into(),
        dedupe_key: dedupe.map(str::to_owned),
        run_at,
        attempts: 0,
        max_attempts: 3,
        locked_until: None,
        last_error: None,
        failed_at: None,
        created_at: 0,
        claim_token: None,
        started_at: None,
        finished_at: None,
    }
}

#[tokio::test]
async fn reads_are_scoped_to_organization_and_environment() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        add_org(&store, "org_b").await;
        let sandbox = scope("org_a", Environment::Sandbox);
        seed_cases(
            &store,
            &sandbox,
            vec![case("case_1", "app_sandbox", &sandbox, "created", 1)],
        )
        .await;
        assert!(
            cases::get(store.reader(), &sandbox, "case_1")
                .await
                .unwrap()
                .is_some()
        );
        for other in [
            scope("org_a", Environment::Live),
            scope("org_b", Environment::Sandbox),
        ] {
            assert!(
                cases::get(store.reader(), &other, "case_1")
                    .await
                    .unwrap()
                    .is_none()
            );
            let all = CaseFilter {
                limit: 10,
                ..Default::default()
            };
            assert!(
                cases::list(store.reader(), &other, &all)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(
                applicants::get(store.reader(), &other, "app_sandbox")
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    });
}

#[tokio::test]
async fn case_lists_filter_and_page_newest_first() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        let statuses = ["created", "approved", "created", "rejected", "created"];
        let seeded = statuses
            .iter()
            .enumerate()
            .map(|(i, status)| {
                case(
                    &format!("case_{i}"),
                    "app_sandbox",
                    &s,
                    status,
                    100 + i as i64,
                )
            })
            .collect();
        seed_cases(&store, &s, seeded).await;

        let page = |before: Option<&str>| CaseFilter {
            before_id: before.map(str::to_owned),
            limit: 2,
            ..Default::default()
        };
        let ids = |rows: Vec<CaseRecord>| rows.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            ids(cases::list(store.reader(), &s, &page(None)).await.unwrap()),
            ["case_4", "case_3"]
        );
        assert_eq!(
            ids(cases::list(store.reader(), &s, &page(Some("case_3")))
                .await
                .unwrap()),
            ["case_2", "case_1"]
        );

        let created = CaseFilter {
            statuses: vec!["created".into()],
            created_from: Some(101),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            ids(cases::list(store.reader(), &s, &created).await.unwrap()),
            ["case_4", "case_2"]
        );

        // Numbered pages: a window by offset, and the total the filter selects.
        let decided = CaseFilter {
            statuses: vec!["approved".into(), "rejected".into(), "expired".into()],
            limit: 1,
            ..Default::default()
        };
        assert_eq!(cases::count(store.reader(), &s, &decided).await.unwrap(), 2);
        assert_eq!(
            ids(cases::list_window(store.reader(), &s, &decided, 1)
                .await
                .unwrap()),
            ["case_1"]
        );
        // One applicant's cases: only its newest is its current one.
        let current = CaseFilter {
            newest_per_applicant: true,
            limit: 10,
            ..Default::default()
        };
        assert_eq!(cases::count(store.reader(), &s, &current).await.unwrap(), 1);
        assert_eq!(
            ids(cases::list_window(store.reader(), &s, &current, 0)
                .await
                .unwrap()),
            ["case_4"]
        );
        let everything = CaseFilter {
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            cases::count(store.reader(), &s, &everything).await.unwrap(),
            5
        );
        let other = scope("org_a", Environment::Live);
        assert_eq!(
            cases::count(store.reader(), &other, &everything)
                .await
                .unwrap(),
            0
        );
        assert!(
            cases::list_window(store.reader(), &s, &everything, 5)
                .await
                .unwrap()
                .is_empty()
        );
    });
}

#[tokio::test]
async fn a_failed_unit_rolls_back_alone_while_its_batch_commits() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        let mut writes = Vec::new();
        for i in 0..50 {
            let store = store.clone();
            let s = s.clone();
            writes.push(tokio::spawn(async move {
                let record = applicant(&format!("app_{i:03}"), &s);
                let key = idempotency::IdempotencyRecord {
                    organization_id: "org_a".into(),
                    environment: "sandbox".into(),
                    surface: "native".into(),
                    idempotency_key: format!("key-{i:03}"),
                    request_hash: vec![1],
                    response_status: 201,
                    response_body: vec![],
                    created_at: 1,
                };
                store
                    .write(move |tx: &mut Tx| {
                        Box::pin(async move {
                            // One appended row and one written at once: both must vanish.
                            tx.append_applicant(record);
                            idempotency::insert(tx.conn().await?, &key).await?;
                            if i % 10 == 0 {
                                return Err(StoreError::Corrupt("deliberate".into()));
                            }
                            Ok(())
                        })
                    })
                    .await
            }));
        }
        let mut failed = 0;
        for w in writes {
            if w.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 5);
        let filter = applicants::ApplicantFilter {
            limit: 100,
            ..Default::default()
        };
        let rows = applicants::list(store.reader(), &s, &filter).await.unwrap();
        assert_eq!(rows.len(), 45);
        assert!(rows.iter().all(|r| !r.id.ends_with('0')));
        for i in [0, 10, 20, 30, 40] {
            assert!(
                idempotency::find(store.reader(), &s, "native", &format!("key-{i:03}"))
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert!(
            idempotency::find(store.reader(), &s, "native", "key-001")
                .await
                .unwrap()
                .is_some()
        );
    });
}

#[tokio::test]
async fn sqlite_connections_commit_durably() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    let mut conn = store.reader().acquire().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!((journal.as_str(), synchronous), ("wal", 2), "2 is FULL");
}

#[tokio::test]
async fn committed_writes_survive_reopening_the_database() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        seed_cases(
            &store,
            &s,
            vec![case("case_durable", "app_sandbox", &s, "created", 1)],
        )
        .await;
        drop(store);
        let reopened = Store::open(&db.url).await.unwrap();
        assert!(
            cases::get(reopened.reader(), &s, "case_durable")
                .await
                .unwrap()
                .is_some()
        );
    });
}

#[tokio::test]
async fn case_updates_are_refused_when_the_revision_moved() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        let mut c = case("case_rev", "app_sandbox", &s, "created", 1);
        seed_cases(&store, &s, vec![c.clone()]).await;
        c.status = "in_progress".into();
        c.revision = 2;
        let first = c.clone();
        let applied = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move { cases::update(tx.conn().await?, &first, 1).await })
            })
            .await
            .unwrap();
        assert!(applied);
        let stale = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move { cases::update(tx.conn().await?, &c, 1).await })
            })
            .await
            .unwrap();
        assert!(!stale);
    });
}

#[tokio::test]
async fn idempotency_keys_are_taken_once() {
    each_backend!(|store, db| {
        let record = idempotency::IdempotencyRecord {
            organization_id: "org_a".into(),
            environment: "sandbox".into(),
            surface: "native".into(),
            idempotency_key: "k1".into(),
            request_hash: vec![1],
            response_status: 201,
            response_body: b"{}".to_vec(),
            created_at: 5,
        };
        let insert = |r: idempotency::IdempotencyRecord| {
            let store = store.clone();
            async move {
                store
                    .write(move |tx: &mut Tx| {
                        Box::pin(async move { idempotency::insert(tx.conn().await?, &r).await })
                    })
                    .await
                    .unwrap()
            }
        };
        assert!(insert(record.clone()).await);
        assert!(!insert(record.clone()).await);
        let s = scope("org_a", Environment::Sandbox);
        let found = idempotency::find(store.reader(), &s, "native", "k1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.response_status, 201);
        let pruned = store
            .write(|tx: &mut Tx| {
                Box::pin(async move { idempotency::prune(tx.conn().await?, 6).await })
            })
            .await
            .unwrap();
        assert_eq!(pruned, 1);
    });
}

/// Takes away the recurring system jobs the migrations seed (case expiry, retention), so a
/// test sees only its own jobs; checks on the way that the seeds are there.
async fn without_system_jobs(store: &Store) {
    let seeded = jobs::get(store.reader(), "job_expire_cases")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seeded.kind, "expire_cases");
    let retention = jobs::get(store.reader(), "job_apply_retention")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retention.kind, "apply_retention");
    store
        .write(|tx: &mut Tx| {
            Box::pin(async move {
                sqlx::query(
                    "DELETE FROM jobs WHERE id IN ('job_expire_cases', 'job_apply_retention')",
                )
                .execute(tx.conn().await?)
                .await?;
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
}

/// Claims due jobs at `now` under `token`, for a lease of 100 ms.
async fn claim_as(store: &Store, token: &'static str, now: i64) -> Vec<String> {
    claim_some(store, token, now, 10).await
}

/// Claims at most `limit` due jobs at `now` under `token`, for a lease of 100 ms.
async fn claim_some(store: &Store, token: &'static str, now: i64, limit: i64) -> Vec<String> {
    let backend = store.backend();
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                let claim = jobs::Claim {
                    token,
                    now,
                    lease_until: now + 100,
                    limit,
                };
                jobs::claim(tx.conn().await?, backend, &claim).await
            })
        })
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect()
}

async fn claim(store: &Store, now: i64) -> Vec<String> {
    claim_as(store, "token", now).await
}

async fn enqueue(store: &Store, j: JobRecord) -> bool {
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move { jobs::enqueue(tx.conn().await?, &j).await })
        })
        .await
        .unwrap()
}

/// Runs one job-table change in a unit of its own.
async fn settle<F>(store: &Store, change: F) -> bool
where
    F: for<'c> FnOnce(&'c mut Tx) -> futures_util::future::BoxFuture<'c, Result<bool, StoreError>>
        + Send
        + 'static,
{
    store.write(change).await.unwrap()
}

#[tokio::test]
async fn a_claim_takes_no_more_jobs_than_its_limit() {
    // PostgreSQL may run an inlined `LIMIT … SKIP LOCKED` subquery once per row it scans.
    each_backend!(|store, db| {
        without_system_jobs(&store).await;
        for n in 0..20 {
            assert!(enqueue(&store, job(&format!("job_{n:02}"), None, 10)).await);
        }
        assert_eq!(claim_some(&store, "first", 10, 3).await.len(), 3);
        assert_eq!(claim_some(&store, "second", 10, 5).await.len(), 5);
        assert_eq!(claim_some(&store, "third", 10, 100).await.len(), 12);
    });
}

#[tokio::test]
async fn jobs_are_deduplicated_leased_retried_and_failed() {
    each_backend!(|store, db| {
        without_system_jobs(&store).await;
        assert!(enqueue(&store, job("job_a", Some("once"), 10)).await);
        assert!(!enqueue(&store, job("job_dup", Some("once"), 10)).await);
        assert!(enqueue(&store, job("job_later", None, 500)).await);
        let counts = jobs::counts(store.reader(), 10).await.unwrap();
        assert_eq!((counts.pending, counts.failed), (1, 0), "only job_a is due");

        assert!(claim(&store, 5).await.is_empty(), "nothing is due yet");
        assert_eq!(claim(&store, 10).await, ["job_a"]);
        let counts = jobs::counts(store.reader(), 50).await.unwrap();
        assert_eq!((counts.pending, counts.running), (0, 1));
        assert!(
            claim(&store, 50).await.is_empty(),
            "the lease hides a claimed job"
        );
        assert_eq!(
            claim_as(&store, "second", 200).await,
            ["job_a"],
            "an expired lease releases it"
        );
        // The first claim lost the job: it can neither renew nor settle it.
        assert!(
            !settle(&store, |tx| Box::pin(async move {
                jobs::renew(tx.conn().await?, "job_a", "token", 400).await
            }))
            .await
        );
        assert!(
            !settle(&store, |tx| Box::pin(async move {
                jobs::complete(tx.conn().await?, "job_a", "token", 201).await
            }))
            .await
        );
        assert!(
            settle(&store, |tx| Box::pin(async move {
                jobs::renew(tx.conn().await?, "job_a", "second", 260).await
            }))
            .await
        );
        assert!(
            claim(&store, 250).await.is_empty(),
            "the renewed lease holds"
        );

        assert!(
            settle(&store, |tx| Box::pin(async move {
                jobs::fail(tx.conn().await?, "job_a", "second", "boom", Some(300), 200).await
            }))
            .await
        );
        assert!(claim(&store, 280).await.is_empty());
        assert_eq!(claim_as(&store, "third", 300).await, ["job_a"]);
        assert!(
            settle(&store, |tx| Box::pin(async move {
                jobs::fail(tx.conn().await?, "job_a", "third", "boom", None, 301).await
            }))
            .await
        );
        let failed = jobs::get(store.reader(), "job_a").await.unwrap().unwrap();
        assert_eq!(
            (
                failed.attempts,
                failed.failed_at,
                failed.finished_at,
                failed.last_error.as_deref()
            ),
            (3, Some(301), Some(301), Some("boom"))
        );
        assert_eq!(
            claim(&store, 10_000).await,
            ["job_later"],
            "a failed job is never claimed again"
        );
        let counts = jobs::counts(store.reader(), 10_000).await.unwrap();
        assert_eq!((counts.pending, counts.running, counts.failed), (0, 1, 1));

        assert!(
            settle(&store, |tx| Box::pin(async move {
                jobs::complete(tx.conn().await?, "job_later", "token", 10_001).await
            }))
            .await
        );
        // A finished job stays for operators to see, then is pruned.
        let done = jobs::get(store.reader(), "job_later")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.finished_at, done.failed_at), (Some(10_001), None));
        let listed = jobs::list(store.reader(), Some(jobs::JobState::Done), 10)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        let failed = jobs::list(store.reader(), Some(jobs::JobState::Failed), 10)
            .await
            .unwrap();
        assert_eq!(failed[0].id, "job_a");
        // The dedupe key of a finished job is free again.
        assert!(enqueue(&store, job("job_again", Some("once"), 20_000)).await);
        let pruned = store
            .write(|tx: &mut Tx| {
                Box::pin(async move { jobs::prune(tx.conn().await?, 10_002, 302).await })
            })
            .await
            .unwrap();
        assert_eq!(pruned, 2);
        assert!(
            jobs::get(store.reader(), "job_later")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            jobs::get(store.reader(), "job_again")
                .await
                .unwrap()
                .is_some()
        );
    });
}

#[tokio::test]
async fn concurrent_claimers_never_share_a_job() {
    each_backend!(|store, db| {
        without_system_jobs(&store).await;
        let records: Vec<JobRecord> = (0..40)
            .map(|i| job(&format!("job_{i:02}"), None, 1))
            .collect();
        store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    for j in &records {
                        jobs::enqueue(tx.conn().await?, j).await?;
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .await
            .unwrap();
        // A second process on the same database.
        let other = Store::open(&db.url).await.unwrap();
        let mut claimers = Vec::new();
        for s in [store.clone(), other.clone(), store.clone(), other] {
            claimers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = claim(&s, 2).await;
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got);
                }
            }));
        }
        let mut all = Vec::new();
        for c in claimers {
            all.extend(c.await.unwrap());
        }
        let unique: BTreeSet<_> = all.iter().cloned().collect();
        assert_eq!(all.len(), 40);
        assert_eq!(unique.len(), 40);
    });
}

fn event(id: &str, scope: &Scope, case_id: Option<&str>, sequence: Option<i64>) -> EventRecord {
    EventRecord {
        id: id.into(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().into(),
        event_type: "case.created".into(),
        case_id: case_id.map(str::to_owned),
        applicant_id: None,
        sequence,
        payload: "{}".into(),
        created_at: 1,
        position: None,
    }
}

/// Submits `count` units at once so they share batches; unit `i` runs `unit(i, tx)`.
async fn concurrent_units<F>(store: &Store, count: usize, unit: F) -> Vec<Result<(), StoreError>>
where
    F: Fn(usize, &mut Tx) -> Result<(), StoreError> + Clone + Send + Sync + 'static,
{
    let writes: Vec<_> = (0..count)
        .map(|i| {
            let store = store.clone();
            let unit = unit.clone();
            tokio::spawn(async move {
                store
                    .write(move |tx: &mut Tx| Box::pin(async move { unit(i, tx) }))
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for w in writes {
        results.push(w.await.unwrap());
    }
    results
}

#[tokio::test]
async fn an_appended_row_that_breaks_a_constraint_fails_its_own_unit_only() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        // Every fifth unit appends an event whose (case, sequence) another unit of the same
        // batch, or an earlier one, already took: only those units fail, with their error.
        let unit_scope = s.clone();
        let results = concurrent_units(&store, 50, move |i, tx| {
            let sequence = if i % 5 == 0 { 1 } else { i as i64 + 1 };
            tx.append_event(event(
                &format!("evt_c{i:03}"),
                &unit_scope,
                Some("case_shared"),
                Some(sequence),
            ));
            tx.append_applicant(applicant(&format!("app_{i:03}"), &unit_scope));
            Ok(())
        })
        .await;
        let failed: Vec<usize> = (0..50).filter(|i| results[*i].is_err()).collect();
        // The first of the sequence-1 units may win; every other one fails.
        assert!(
            failed.len() >= 9 && failed.len() <= 10,
            "failed: {failed:?}"
        );
        assert!(failed.iter().all(|i| i % 5 == 0));
        for i in &failed {
            let error = results[*i].as_ref().unwrap_err();
            assert!(error.is_unique_violation(), "unit {i}: {error}");
        }
        let all = applicants::ApplicantFilter {
            limit: 100,
            ..Default::default()
        };
        let kept = applicants::list(store.reader(), &s, &all).await.unwrap();
        assert_eq!(kept.len(), 50 - failed.len(), "a failed unit keeps nothing");
    });
}

#[tokio::test]
async fn a_panicking_unit_is_rolled_back_alone_and_the_writer_goes_on() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        let unit_scope = s.clone();
        let results = concurrent_units(&store, 30, move |i, tx| {
            tx.append_applicant(applicant(&format!("app_{i:03}"), &unit_scope));
            assert!(i % 10 != 7, "a deliberate panic in unit {i}");
            Ok(())
        })
        .await;
        for (i, result) in results.iter().enumerate() {
            match result {
                Err(StoreError::UnitPanicked) => assert_eq!(i % 10, 7),
                Err(other) => panic!("unit {i}: {other}"),
                Ok(()) => assert_ne!(i % 10, 7),
            }
        }
        let all = applicants::ApplicantFilter {
            limit: 100,
            ..Default::default()
        };
        assert_eq!(
            applicants::list(store.reader(), &s, &all)
                .await
                .unwrap()
                .len(),
            27
        );
        let mut status = store.writer_status();
        assert_eq!(status.panicked_units, 3);
        // A writer may still be (re)connecting: the units above need only one. Every
        // writer must be connected again within a few seconds.
        for _ in 0..100 {
            if status.connected == status.writers {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            status = store.writer_status();
        }
        assert_eq!(
            status.connected, status.writers,
            "every writer still runs: {status:?}"
        );
        // And it keeps writing.
        seed_cases(
            &store,
            &s,
            vec![case("case_after", "app_sandbox", &s, "created", 1)],
        )
        .await;
    });
}

#[tokio::test]
async fn a_writer_that_loses_its_connection_is_replaced() {
    let Ok(base) = std::env::var(kycore_store::testing::POSTGRES_ENV) else {
        eprintln!("skipped: the database cuts connections only on PostgreSQL");
        return;
    };
    let db = TestDatabase::postgres(&base).await;
    let store = Store::open(&db.url).await.unwrap();
    add_org(&store, "org_a").await;
    // Every connection of this store is cut, as a database restart or a network fault would.
    let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(db.schema().unwrap())
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!cut.is_empty());
    let s = scope("org_a", Environment::Sandbox);
    let started = std::time::Instant::now();
    loop {
        let seeded = store
            .write({
                let s = s.clone();
                move |tx: &mut Tx| {
                    Box::pin(async move {
                        tx.append_applicant(applicant("app_after_cut", &s));
                        Ok::<_, StoreError>(())
                    })
                }
            })
            .await;
        if seeded.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the writer never came back: {seeded:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = store.writer_status();
    assert!(status.restarts >= 1, "{status:?}");
    assert_eq!(status.connected, status.writers, "{status:?}");
    assert!(status.last_error.is_some());
    db.cleanup().await;
}

#[tokio::test]
async fn a_unit_reads_back_what_it_appended() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        let unit_scope = s.clone();
        let seen = store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    tx.append_applicant(applicant("app_new", &unit_scope));
                    tx.append_case(case("case_new", "app_new", &unit_scope, "created", 1));
                    tx.append_event(event("evt_new", &unit_scope, Some("case_new"), Some(1)));
                    let case = cases::get(tx.conn().await?, &unit_scope, "case_new").await?;
                    let event = events::get(tx.conn().await?, &unit_scope, "evt_new").await?;
                    Ok::<_, StoreError>((case.is_some(), event.map(|e| e.position)))
                })
            })
            .await
            .unwrap();
        assert_eq!(seen, (true, Some(None)), "no position before the commit");
        let committed = events::get(store.reader(), &s, "evt_new")
            .await
            .unwrap()
            .unwrap();
        assert!(committed.position.is_some());
    });
}

#[tokio::test]
async fn a_reader_polling_after_a_position_never_misses_an_event() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let s = scope("org_a", Environment::Sandbox);
        // Writers from two "servers" append events while a reader polls after the last
        // position it saw; the reader must end up with every event exactly once.
        let other = Store::open(&db.url).await.unwrap();
        let mut writers = Vec::new();
        for (n, store) in [store.clone(), other.clone()].into_iter().enumerate() {
            let s = s.clone();
            writers.push(tokio::spawn(async move {
                concurrent_units(&store, 200, move |i, tx| {
                    for k in 0..3 {
                        let id = format!("evt_{n}_{i:03}_{k}");
                        tx.append_event(event(&id, &s, None, None));
                    }
                    Ok(())
                })
                .await
            }));
        }
        let reader_scope = s.clone();
        let reader_store = store.clone();
        let reader = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = 0;
            let filter = events::EventFilter {
                limit: 50,
                ..Default::default()
            };
            while seen.len() < 1200 {
                let page = events::after(reader_store.reader(), &reader_scope, &filter, after)
                    .await
                    .unwrap();
                for e in page {
                    let position = e.position.unwrap();
                    assert!(position > after, "positions only grow");
                    after = position;
                    seen.push(e.id);
                }
                tokio::task::yield_now().await;
            }
            seen
        });
        for w in writers {
            assert!(w.await.unwrap().iter().all(Result::is_ok));
        }
        let seen = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
            .await
            .expect("the reader saw every event")
            .unwrap();
        let unique: BTreeSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (1200, 1200));
    });
}

fn check(id: &str, case_id: &str, scope: &Scope) -> checks::CheckRecord {
    checks::CheckRecord {
        id: id.into(),
        organization_id: scope.organization_id.to_string(),
        environment: scope.environment.as_str().into(),
        case_id: case_id.into(),
        kind: "document".into(),
        status: "passed".into(),
        score: Some(0.5),
        provider: "native".into(),
        sealed: None,
        created_at: 1,
    }
}

fn hit(id: &str, case: &CaseRecord) -> screening_hits::ScreeningHitRecord {
    screening_hits::ScreeningHitRecord {
        id: id.into(),
        organization_id: case.organization_id.clone(),
        environment: case.environment.clone(),
        case_id: case.id.clone(),
        applicant_id: case.applicant_id.clone(),
        subject: "applicant".into(),
        list_id: "ofac_sdn".into(),
        list_version: "1".into(),
        entity_id: "e1".into(),
        entity_fingerprint: "f1".into(),
        score: 0.9,
        detail_sealed: None,
        source: "check".into(),
        status: "pending".into(),
        review_note_sealed: None,
        reviewed_by: None,
        reviewed_at: None,
        created_at: 1,
        updated_at: 1,
    }
}

fn child(parent: &CaseRecord, person: &str, child: &CaseRecord) -> RelatedPersonCaseRecord {
    RelatedPersonCaseRecord {
        parent_case_id: parent.id.clone(),
        related_person_id: person.into(),
        organization_id: parent.organization_id.clone(),
        environment: parent.environment.clone(),
        case_id: child.id.clone(),
        mode: "link".into(),
        created_at: 1,
        email_requested_at: None,
        email_sent_at: None,
    }
}

/// A tenant's cases `{prefix}case_1` (checks 1 and 3, a hit, child `{prefix}case_2`) and
/// `{prefix}case_2` (check 2), each with an event `evt_{case id}`.
async fn seed_case_rows(store: &Store, scope: &Scope, prefix: &str) {
    let scope = scope.clone();
    let prefix = prefix.to_owned();
    store
        .write(move |tx: &mut Tx| {
            Box::pin(async move {
                let applicant_id = format!("{prefix}app");
                tx.append_applicant(applicant(&applicant_id, &scope));
                let [first, second] = ["case_1", "case_2"].map(|id| {
                    case(
                        &format!("{prefix}{id}"),
                        &applicant_id,
                        &scope,
                        "created",
                        1,
                    )
                });
                for (n, of) in [(1, &first), (2, &second), (3, &first)] {
                    tx.append_check(check(&format!("{prefix}chk_{n}"), &of.id, &scope));
                }
                for c in [&first, &second] {
                    tx.append_case(c.clone());
                    tx.append_event(event(
                        &format!("evt_{}", c.id),
                        &scope,
                        Some(&c.id),
                        Some(1),
                    ));
                }
                let conn = tx.conn().await?;
                screening_hits::insert(&mut *conn, &hit(&format!("{prefix}hit_1"), &first)).await?;
                related_person_cases::insert(&mut *conn, &child(&first, "rp_1", &second)).await?;
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
}

/// sqlx 0.9.0's Any driver declares a missing f64 to PostgreSQL as float4: a multi-row
/// statement prepared for one chunk of checks with a missing score refused the next chunk's
/// present score in the same place.
#[tokio::test]
async fn missing_and_present_scores_take_turns_in_one_statement() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        let scope = scope("org_a", Environment::Sandbox);
        // Two chunks of four rows: the same statement twice, the scores in opposite places.
        let scores = [
            Some(1.0),
            None,
            None,
            Some(0.25),
            None,
            Some(0.5),
            Some(0.75),
            None,
        ];
        let unit_scope = scope.clone();
        store
            .write(move |tx: &mut Tx| {
                Box::pin(async move {
                    tx.append_applicant(applicant("app_1", &unit_scope));
                    tx.append_case(case("case_1", "app_1", &unit_scope, "created", 1));
                    for (n, score) in scores.into_iter().enumerate() {
                        tx.append_check(checks::CheckRecord {
                            score,
                            ..check(&format!("chk_{n}"), "case_1", &unit_scope)
                        });
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .await
            .unwrap();
        let stored = checks::for_case(store.reader(), &scope, "case_1")
            .await
            .unwrap();
        let read: Vec<Option<f64>> = stored.iter().map(|c| c.score).collect();
        assert_eq!(read, scores);
    });
}

/// Rows as comparable text, in id order.
fn sorted<R: std::fmt::Debug>(rows: Vec<R>) -> Vec<String> {
    let mut rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn batched_reads_give_what_reads_by_id_give_and_only_the_tenants_rows() {
    each_backend!(|store, db| {
        add_org(&store, "org_a").await;
        add_org(&store, "org_b").await;
        let mine = scope("org_a", Environment::Sandbox);
        seed_case_rows(&store, &mine, "").await;
        // Another tenant with rows of its own.
        let theirs = scope("org_b", Environment::Sandbox);
        seed_case_rows(&store, &theirs, "b_").await;
        let db_reader = store.reader();
        // Repeated and unknown ids, and another tenant's, in a batch padded past its size.
        let ids = ["case_1", "case_2", "b_case_1", "case_missing", "case_1"];
        let batch = cases::get_many(db_reader, &mine, &ids).await.unwrap();
        let mut one_by_one = Vec::new();
        for id in ["case_1", "case_2"] {
            one_by_one.push(cases::get(db_reader, &mine, id).await.unwrap().unwrap());
        }
        assert_eq!(sorted(batch), sorted(one_by_one));

        let event_ids = ["evt_case_1", "evt_case_2", "evt_b_case_1", "evt_case_1"];
        let batch = events::get_many(db_reader, &mine, &event_ids)
            .await
            .unwrap();
        let mut one_by_one = Vec::new();
        for id in ["evt_case_1", "evt_case_2"] {
            one_by_one.push(events::get(db_reader, &mine, id).await.unwrap().unwrap());
        }
        assert_eq!(sorted(batch), sorted(one_by_one));

        let case_ids = ["case_1", "case_2", "b_case_1"];
        let batch = checks::for_cases(db_reader, &mine, &case_ids)
            .await
            .unwrap();
        let ids: Vec<&str> = batch.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["chk_1", "chk_2", "chk_3"], "in the order recorded");
        let hits = screening_hits::for_cases(db_reader, &mine, &case_ids)
            .await
            .unwrap();
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["hit_1"]);
        let children = related_person_cases::statuses_for_parents(db_reader, &mine, &case_ids)
            .await
            .unwrap();
        let single = related_person_cases::statuses_for_parent(db_reader, &mine, "case_1")
            .await
            .unwrap();
        assert_eq!(children, single);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].parent_case_id, "case_1");
        assert_eq!(children[0].case_id, "case_2");

        let none: [&str; 0] = [];
        assert!(
            cases::get_many(db_reader, &mine, &none)
                .await
                .unwrap()
                .is_empty()
        );
    });
}
