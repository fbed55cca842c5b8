//! The background worker: claims due jobs with a lease, runs up to [`MAX_CONCURRENT_JOBS`]
//! at once, renews each job's lease while it runs, and records how each ended — done,
//! retried later with exponential backoff, or failed for good. Handlers are idempotent,
//! because a job whose worker died mid-way is claimed again once its lease runs out.
//!
//! Every `kycore serve` process runs one worker, supervised: a worker loop that panics is
//! restarted, logged and counted; a job that panics fails that attempt only. On PostgreSQL
//! any number of workers share the queue.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use kycore_store::jobs::{self, Claim, JobRecord};
use kycore_store::{Millis, Tx};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::crypto::random_alphanumeric;
use crate::jobs::Job;
use crate::time_format::now_millis;
use crate::{ServiceError, Services};

/// Jobs one worker runs at the same time.
pub const MAX_CONCURRENT_JOBS: usize = 8;
/// A claimed job is hidden from other workers this long; renewed while it runs.
const LEASE_MILLIS: Millis = 60_000;
const RENEW_EVERY: Duration = Duration::from_secs(20);
const MAX_BACKOFF_SECONDS: i64 = 3600;
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);
/// How long finished jobs stay visible to operators.
const DONE_RETENTION_MILLIS: Millis = 7 * 24 * 3600 * 1000;
const FAILED_RETENTION_MILLIS: Millis = 30 * 24 * 3600 * 1000;
/// Running jobs get this long to finish when the server shuts down; a job cut short is
/// claimed again by a worker once its lease runs out.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// A worker loop that has not come round for this long is reported as stuck.
const STALE_AFTER_MILLIS: Millis = 60_000;

/// How often the expiry sweeper looks for cases whose link lifetime passed.
const EXPIRY_SWEEP_EVERY: Millis = 30_000;
/// How often the retention sweep looks for cases past their organization's period.
const RETENTION_SWEEP_EVERY: Millis = 10 * 60 * 1000;
/// Cases expired per sweep; a full batch makes the sweeper run again at once.
const EXPIRY_BATCH: i64 = 200;

/// What a handler asks of the queue once it has run.
enum Next {
    Done,
    RunAgainAt(Millis),
}

/// The worker's heartbeat, for the readiness probe and the metrics.
#[derive(Debug, Default)]
pub(crate) struct WorkerHealth {
    started: AtomicBool,
    last_beat: AtomicI64,
    restarts: AtomicU64,
}

/// How the worker of this process is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkerStatus {
    /// This process runs no worker (a CLI command, a test).
    NotStarted,
    Running,
    /// The worker loop has not come round for a minute.
    Stuck,
}

impl WorkerHealth {
    fn beat(&self) {
        self.started.store(true, Ordering::Relaxed);
        self.last_beat.store(now_millis(), Ordering::Relaxed);
    }

    pub(crate) fn status(&self) -> WorkerStatus {
        if !self.started.load(Ordering::Relaxed) {
            return WorkerStatus::NotStarted;
        }
        let silent_for = now_millis() - self.last_beat.load(Ordering::Relaxed);
        if silent_for > STALE_AFTER_MILLIS {
            WorkerStatus::Stuck
        } else {
            WorkerStatus::Running
        }
    }

    pub(crate) fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }
}

/// Seconds before attempt `attempts + 1`: 2, 4, 8, … capped at an hour.
fn backoff_seconds(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 12)).unwrap_or(12);
    2i64.pow(exponent).min(MAX_BACKOFF_SECONDS)
}

impl Services {
    /// Runs the worker until `shutdown` is cancelled, restarting its loop if it panics.
    pub async fn run_worker(&self, poll_interval: Duration, shutdown: CancellationToken) {
        loop {
            let services = self.clone();
            let token = shutdown.clone();
            let worker =
                tokio::spawn(async move { services.worker_loop(poll_interval, token).await });
            match worker.await {
                Err(e) if e.is_panic() => {
                    self.worker_health()
                        .restarts
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::error!("the job worker panicked; restarting it");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Ok(()) | Err(_) => return,
            }
        }
    }

    async fn worker_loop(&self, poll_interval: Duration, shutdown: CancellationToken) {
        let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_JOBS));
        let mut running = JoinSet::new();
        let mut last_housekeeping: Option<tokio::time::Instant> = None;
        loop {
            self.worker_health().beat();
            while running.try_join_next().is_some() {}
            let free = slots.available_permits();
            let claimed = if free == 0 {
                0
            } else {
                match self.claim_jobs(free).await {
                    Ok(claimed) => {
                        let count = claimed.len();
                        for (job, token) in claimed {
                            let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                                return;
                            };
                            let services = self.clone();
                            running.spawn(async move {
                                services.run_claimed(job, token).await;
                                drop(slot);
                            });
                        }
                        count
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming jobs failed");
                        0
                    }
                }
            };
            if last_housekeeping.is_none_or(|at| at.elapsed() >= HOUSEKEEPING_EVERY) {
                last_housekeeping = Some(tokio::time::Instant::now());
                self.housekeeping().await;
            }
            if claimed > 0 && claimed == free {
                continue; // more may be due
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(poll_interval) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("jobs still running at shutdown; they run again after their lease");
        }
    }

    /// Claims and runs one batch of due jobs, all at once; returns how many ran. Tests call
    /// this to drive the worker step by step.
    pub async fn run_due_jobs(&self) -> Result<usize, ServiceError> {
        let claimed = self.claim_jobs(MAX_CONCURRENT_JOBS).await?;
        let count = claimed.len();
        let runs = claimed
            .into_iter()
            .map(|(job, token)| self.run_claimed(job, token));
        futures_util::future::join_all(runs).await;
        Ok(count)
    }

    async fn claim_jobs(&self, limit: usize) -> Result<Vec<(JobRecord, String)>, ServiceError> {
        let backend = self.store().backend();
        let token = random_alphanumeric(24);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let claim_token = token.clone();
        let claimed = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Vec<JobRecord>, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        let claim = Claim {
                            token: &claim_token,
                            now,
                            lease_until: now + LEASE_MILLIS,
                            limit,
                        };
                        Ok(jobs::claim(tx.conn().await?, backend, &claim).await?)
                    })
                },
            )
            .await?;
        Ok(claimed
            .into_iter()
            .map(|job| (job, token.clone()))
            .collect())
    }

    /// Runs a claimed job while keeping its lease, then records how it ended. A job that
    /// panics fails that attempt; a job whose lease was lost to another worker is left to it.
    async fn run_claimed(&self, job: JobRecord, token: String) {
        let work = AssertUnwindSafe(self.run_job(&job)).catch_unwind();
        let outcome = tokio::select! {
            outcome = work => outcome.unwrap_or_else(|_| Err("the job panicked".to_owned())),
            () = self.keep_lease(&job.id, &token) => {
                tracing::warn!(job_id = %job.id, kind = %job.kind, "lost the lease of a running job; another worker has it");
                return;
            }
        };
        if let Err(e) = self.settle(job, token, outcome).await {
            tracing::warn!(error = %e, "recording a job's outcome failed; it runs again after its lease");
        }
    }

    /// Renews a job's lease until the claim no longer holds it (returns then).
    async fn keep_lease(&self, id: &str, token: &str) {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let (id, token) = (id.to_owned(), token.to_owned());
            let renewed = self
                .store()
                .write(
                    move |tx: &mut Tx| -> BoxFuture<'_, Result<bool, ServiceError>> {
                        Box::pin(async move {
                            let until = now_millis() + LEASE_MILLIS;
                            Ok(jobs::renew(tx.conn().await?, &id, &token, until).await?)
                        })
                    },
                )
                .await;
            match renewed {
                Ok(true) => {}
                Ok(false) => return,
                // The database is away: keep working; the next renewal may succeed.
                Err(e) => tracing::warn!(error = %e, "renewing a job's lease failed"),
            }
        }
    }

    async fn run_job(&self, job: &JobRecord) -> Result<Next, String> {
        let parsed: Job =
            serde_json::from_str(&job.payload).map_err(|e| format!("unreadable job: {e}"))?;
        match parsed {
            Job::ExpireCases => {
                let expired = self
                    .expire_due_cases(EXPIRY_BATCH)
                    .await
                    .map_err(|e| e.to_string())?;
                let full = i64::try_from(expired).unwrap_or(i64::MAX) >= EXPIRY_BATCH;
                let delay = if full { 0 } else { EXPIRY_SWEEP_EVERY };
                Ok(Next::RunAgainAt(now_millis() + delay))
            }
            Job::ProcessCase {
                organization_id,
                environment,
                case_id,
            } => {
                let scope = crate::scope::parse_stored(&organization_id, &environment)
                    .map_err(|e| e.to_string())?;
                self.process_case(&scope, &case_id)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Next::Done)
            }
            Job::Rescreen {
                versions_key,
                after_case_id,
            } => {
                self.rescreen_page(&versions_key, &after_case_id)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Next::Done)
            }
            Job::ApplyRetention => {
                let redacted = self
                    .apply_retention(crate::redaction::RETENTION_BATCH)
                    .await
                    .map_err(|e| e.to_string())?;
                let full = i64::try_from(redacted).unwrap_or(i64::MAX)
                    >= crate::redaction::RETENTION_BATCH;
                let delay = if full { 0 } else { RETENTION_SWEEP_EVERY };
                Ok(Next::RunAgainAt(now_millis() + delay))
            }
            Job::PurgeBlobs { keys } => {
                self.delete_blobs(&keys).await.map_err(|e| e.to_string())?;
                Ok(Next::Done)
            }
            Job::EmailRelatedLink {
                organization_id,
                environment,
                case_id,
            } => {
                let scope = crate::scope::parse_stored(&organization_id, &environment)
                    .map_err(|e| e.to_string())?;
                self.email_related_link(&scope, &case_id)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Next::Done)
            }
        }
    }

    async fn settle(
        &self,
        job: JobRecord,
        token: String,
        outcome: Result<Next, String>,
    ) -> Result<(), ServiceError> {
        let now = now_millis();
        let held = self
            .store()
            .write(move |tx: &mut Tx| -> BoxFuture<'_, Result<bool, ServiceError>> {
                Box::pin(async move {
                    let conn = tx.conn().await?;
                    Ok(match outcome {
                        Ok(Next::Done) => jobs::complete(conn, &job.id, &token, now).await?,
                        Ok(Next::RunAgainAt(at)) => {
                            jobs::reschedule(conn, &job.id, &token, at).await?
                        }
                        Err(error) => {
                            tracing::warn!(job_id = %job.id, kind = %job.kind, attempts = job.attempts, error = %error, "job failed");
                            let retry_at = (job.attempts < job.max_attempts)
                                .then(|| now + backoff_seconds(job.attempts) * 1000);
                            jobs::fail(conn, &job.id, &token, &error, retry_at, now).await?
                        }
                    })
                })
            })
            .await?;
        if !held {
            tracing::warn!("a job's lease ran out before it finished; another worker has it");
        }
        Ok(())
    }

    /// Forgets old idempotent responses, old finished jobs, used phone hand-offs, ended
    /// console sessions and held files past their retention; indexes applicants written
    /// before the name index existed.
    async fn housekeeping(&self) {
        if let Err(e) = self.prune_idempotency_keys().await {
            tracing::warn!(error = %e, "pruning idempotency keys failed");
        }
        let now = now_millis();
        let pruned = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<u64, ServiceError>> {
                    Box::pin(async move {
                        Ok(jobs::prune(
                            tx.conn().await?,
                            now - DONE_RETENTION_MILLIS,
                            now - FAILED_RETENTION_MILLIS,
                        )
                        .await?)
                    })
                },
            )
            .await;
        if let Err(e) = pruned {
            tracing::warn!(error = %e, "pruning finished jobs failed");
        }
        if let Err(e) = self.prune_handoffs().await {
            tracing::warn!(error = %e, "pruning phone hand-offs failed");
        }
        if let Err(e) = self.prune_console_sessions().await {
            tracing::warn!(error = %e, "pruning ended console sessions failed");
        }
        if let Err(e) = self.expire_held_files().await {
            tracing::warn!(error = %e, "erasing old held files failed");
        }
        if let Err(e) = self.index_applicant_names().await {
            tracing::warn!(error = %e, "indexing applicants' names failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_seconds(1), 2);
        assert_eq!(backoff_seconds(2), 4);
        assert_eq!(backoff_seconds(11), 2048);
        assert_eq!(backoff_seconds(50), MAX_BACKOFF_SECONDS);
    }

    #[test]
    fn a_worker_that_never_started_is_not_stuck() {
        let health = WorkerHealth::default();
        assert_eq!(health.status(), WorkerStatus::NotStarted);
        health.beat();
        assert_eq!(health.status(), WorkerStatus::Running);
        health
            .last_beat
            .store(now_millis() - 2 * STALE_AFTER_MILLIS, Ordering::Relaxed);
        assert_eq!(health.status(), WorkerStatus::Stuck);
    }
}
