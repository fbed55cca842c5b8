//! The background worker: claims due jobs with a lease, runs them, and retries failures with
//! exponential backoff. Handlers are idempotent, because a job whose worker died mid-way is
//! claimed again once its lease runs out.
//!
//! Every `kycore serve` process runs one; on PostgreSQL any number may share the queue.

use std::time::Duration;

use futures_util::future::BoxFuture;
use kycore_domain::ids::{JobId, OrganizationId};
use kycore_domain::tenancy::{Environment, Scope};
use kycore_store::jobs::{self, JobRecord};
use kycore_store::{Millis, Tx};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::time_format::now_millis;
use crate::{ServiceError, Services};

const CLAIM_BATCH: i64 = 16;
const MAX_ATTEMPTS: i64 = 10;
const LEASE_MILLIS: Millis = 60_000;
const MAX_BACKOFF_SECONDS: i64 = 3600;
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// How often the expiry sweeper looks for cases whose link lifetime passed.
const EXPIRY_SWEEP_EVERY: Millis = 30_000;
/// Cases expired per sweep; a full batch makes the sweeper run again at once.
const EXPIRY_BATCH: i64 = 200;

/// Every kind of job, with what it needs to run. Recurring system jobs are seeded by the
/// first migration and reschedule themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Expire the cases whose link lifetime passed before submission.
    ExpireCases,
    /// Run a submitted case's checks and decide it.
    ProcessCase {
        organization_id: String,
        environment: String,
        case_id: String,
    },
    /// Ongoing monitoring: re-screen the approved cases after `after_case_id` against the
    /// list versions `versions_key` names (one page; the next page is another job).
    Rescreen {
        versions_key: String,
        after_case_id: String,
    },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::ExpireCases => "expire_cases",
            Job::ProcessCase { .. } => "process_case",
            Job::Rescreen { .. } => "rescreen",
        }
    }

    /// A one-off job row, due now.
    pub(crate) fn record(&self, id: JobId, now: Millis) -> JobRecord {
        JobRecord {
            id: id.to_string(),
            kind: self.kind().to_owned(),
            payload: serde_json::to_string(self).unwrap_or_default(),
            dedupe_key: None,
            run_at: now,
            attempts: 0,
            max_attempts: MAX_ATTEMPTS,
            locked_until: None,
            last_error: None,
            failed_at: None,
            created_at: now,
        }
    }
}

/// What a handler asks of the queue once it has run.
enum Next {
    Done,
    RunAgainAt(Millis),
}

/// Seconds before attempt `attempts + 1`: 2, 4, 8, … capped at an hour.
fn backoff_seconds(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 12)).unwrap_or(12);
    2i64.pow(exponent).min(MAX_BACKOFF_SECONDS)
}

fn scope_of(organization_id: &str, environment: &str) -> Option<Scope> {
    Some(Scope {
        organization_id: OrganizationId::parse(organization_id)?,
        environment: Environment::parse(environment)?,
    })
}

impl Services {
    /// Runs the worker until `shutdown` is cancelled.
    pub async fn run_worker(&self, poll_interval: Duration, shutdown: CancellationToken) {
        let mut last_housekeeping = tokio::time::Instant::now();
        loop {
            let ran = match self.run_due_jobs().await {
                Ok(ran) => ran,
                Err(e) => {
                    tracing::warn!(error = %e, "job round failed");
                    0
                }
            };
            if last_housekeeping.elapsed() >= HOUSEKEEPING_EVERY {
                last_housekeeping = tokio::time::Instant::now();
                if let Err(e) = self.prune_idempotency_keys().await {
                    tracing::warn!(error = %e, "pruning idempotency keys failed");
                }
            }
            if ran > 0 {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(poll_interval) => {}
            }
        }
    }

    /// Claims and runs one batch of due jobs; returns how many ran. Tests call this to drive
    /// the worker step by step.
    pub async fn run_due_jobs(&self) -> Result<usize, ServiceError> {
        let backend = self.store().backend();
        let claimed = self
            .store()
            .write(
                move |tx: &mut Tx| -> BoxFuture<'_, Result<Vec<JobRecord>, ServiceError>> {
                    Box::pin(async move {
                        let now = now_millis();
                        Ok(
                            jobs::claim(tx.conn(), backend, now, now + LEASE_MILLIS, CLAIM_BATCH)
                                .await?,
                        )
                    })
                },
            )
            .await?;
        let count = claimed.len();
        for job in claimed {
            let outcome = self.run_job(&job).await;
            self.settle(job, outcome).await?;
        }
        Ok(count)
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
                let scope =
                    scope_of(&organization_id, &environment).ok_or("job names an invalid scope")?;
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
        }
    }

    async fn settle(
        &self,
        job: JobRecord,
        outcome: Result<Next, String>,
    ) -> Result<(), ServiceError> {
        let now = now_millis();
        let kind = job.kind.clone();
        self.store()
            .write(move |tx: &mut Tx| -> BoxFuture<'_, Result<(), ServiceError>> {
                Box::pin(async move {
                    match outcome {
                        Ok(Next::Done) => jobs::complete(tx.conn(), &job.id).await?,
                        Ok(Next::RunAgainAt(at)) => {
                            jobs::reschedule(tx.conn(), &job.id, at).await?;
                        }
                        Err(error) => {
                            tracing::warn!(job_id = %job.id, kind = %kind, attempts = job.attempts, error = %error, "job failed");
                            let retry_at = (job.attempts < job.max_attempts)
                                .then(|| now + backoff_seconds(job.attempts) * 1000);
                            jobs::fail(tx.conn(), &job.id, &error, retry_at, now).await?;
                        }
                    }
                    Ok(())
                })
            })
            .await
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
    fn job_payloads_carry_their_kind() {
        // The row seeded by the first migration must parse.
        let seeded: Job = serde_json::from_str(r#"{"kind":"expire_cases"}"#).unwrap();
        assert_eq!(seeded, Job::ExpireCases);
    }
}
