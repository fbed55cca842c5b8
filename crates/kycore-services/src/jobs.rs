//! The kinds of background job and what each needs to run: the vocabulary the worker and the
//! use cases that queue work share.

use kycore_domain::ids::JobId;
use kycore_store::Millis;
use kycore_store::jobs::{self, JobRecord};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_format::{datetime_of, now_millis};
use crate::{ServiceError, Services};

/// Attempts a one-off job gets before it fails for good.
const MAX_ATTEMPTS: i64 = 10;

/// Every kind of job, with what it needs to run. Recurring system jobs are seeded by the
/// first migration and reschedule themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Job {
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
    /// Redact the cases whose organization's retention period has passed since they closed.
    ApplyRetention,
    /// Delete redacted documents' files from the blob store (missing ones count as deleted).
    PurgeBlobs { keys: Vec<String> },
    /// E-mail a related person's case its own hosted link. Names the case only: the address
    /// (sealed) and the link are read and built when the job runs.
    EmailRelatedLink {
        organization_id: String,
        environment: String,
        case_id: String,
    },
}

impl Job {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Job::ExpireCases => "expire_cases",
            Job::ProcessCase { .. } => "process_case",
            Job::Rescreen { .. } => "rescreen",
            Job::ApplyRetention => "apply_retention",
            Job::PurgeBlobs { .. } => "purge_blobs",
            Job::EmailRelatedLink { .. } => "email_related_link",
        }
    }

    /// A one-off job row, due now.
    pub(crate) fn record(&self, now: Millis) -> Result<JobRecord, ServiceError> {
        let payload = serde_json::to_string(self)
            .map_err(|e| ServiceError::internal(format!("job payload: {e}")))?;
        Ok(JobRecord {
            id: JobId::generate().to_string(),
            kind: self.kind().to_owned(),
            payload,
            dedupe_key: None,
            run_at: now,
            attempts: 0,
            max_attempts: MAX_ATTEMPTS,
            locked_until: None,
            last_error: None,
            failed_at: None,
            created_at: now,
            claim_token: None,
            started_at: None,
            finished_at: None,
        })
    }
}

/// Which jobs an operator asks to see.
pub use kycore_store::jobs::JobState;

/// A job as operators see it: what it is, where it stands, how its attempts went.
#[derive(Clone, Debug)]
pub struct JobSummary {
    pub id: String,
    pub kind: String,
    /// `waiting`, `running`, `done` or `failed`.
    pub state: &'static str,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    /// When it runs next (waiting) or ran last.
    pub run_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

fn summary(record: JobRecord, now: Millis) -> JobSummary {
    let state = match (record.finished_at, record.failed_at, record.locked_until) {
        (Some(_), Some(_), _) => "failed",
        (Some(_), None, _) => "done",
        (None, _, Some(until)) if until >= now => "running",
        (None, _, _) => "waiting",
    };
    JobSummary {
        id: record.id,
        kind: record.kind,
        state,
        attempts: record.attempts,
        max_attempts: record.max_attempts,
        last_error: record.last_error,
        created_at: datetime_of(record.created_at),
        run_at: datetime_of(record.run_at),
        finished_at: record.finished_at.map(datetime_of),
    }
}

impl Services {
    /// The newest jobs in a state (all when none is given), at most `limit`.
    pub async fn list_jobs(
        &self,
        state: Option<JobState>,
        limit: i64,
    ) -> Result<Vec<JobSummary>, ServiceError> {
        let now = now_millis();
        let records = jobs::list(self.store().reader(), state, limit).await?;
        Ok(records.into_iter().map(|r| summary(r, now)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_payloads_carry_their_kind() {
        // The row seeded by the first migration must parse.
        let seeded: Job = serde_json::from_str(r#"{"kind":"expire_cases"}"#).unwrap();
        assert_eq!(seeded, Job::ExpireCases);
        let job = Job::Rescreen {
            versions_key: "v".into(),
            after_case_id: String::new(),
        };
        let record = job.record(5).unwrap();
        assert_eq!(record.kind, "rescreen");
        assert_eq!(serde_json::from_str::<Job>(&record.payload).unwrap(), job);
    }
}
