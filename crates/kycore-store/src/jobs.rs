//! The job queue: one table, claimed with a lease so a crashed worker's jobs come back.
//!
//! On PostgreSQL several processes claim concurrently with `FOR UPDATE SKIP LOCKED`; SQLite
//! has a single writer, so a plain `UPDATE … RETURNING` is already exclusive.
//!
//! Every claim hands its jobs a fresh token. Renewing the lease, finishing and failing a job
//! all name that token, so a worker whose lease ran out (and whose job another worker has
//! claimed since) changes nothing. Finished jobs stay, with their attempts and last error,
//! until [`prune`] removes them.

use sqlx::{Any, Executor, FromRow};

use crate::{Backend, Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub run_at: Millis,
    pub attempts: i64,
    pub max_attempts: i64,
    pub locked_until: Option<Millis>,
    pub last_error: Option<String>,
    /// Set once the attempts are used up.
    pub failed_at: Option<Millis>,
    pub created_at: Millis,
    /// The token of the claim that holds the job, while one does.
    pub claim_token: Option<String>,
    /// When the latest attempt started.
    pub started_at: Option<Millis>,
    /// When the job was done or failed for good.
    pub finished_at: Option<Millis>,
}

macro_rules! columns {
    () => {
        "id, kind, payload, dedupe_key, run_at, attempts, max_attempts, locked_until, last_error, \
         failed_at, created_at, claim_token, started_at, finished_at"
    };
}

/// Adds a job unless a pending one with the same dedupe key exists; returns whether it was
/// added.
pub async fn enqueue<'e>(
    db: impl Executor<'e, Database = Any>,
    j: &JobRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(concat!(
        "INSERT INTO jobs (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (dedupe_key) DO NOTHING"
    ))
    .bind(&j.id)
    .bind(&j.kind)
    .bind(&j.payload)
    .bind(&j.dedupe_key)
    .bind(j.run_at)
    .bind(j.attempts)
    .bind(j.max_attempts)
    .bind(j.locked_until)
    .bind(&j.last_error)
    .bind(j.failed_at)
    .bind(j.created_at)
    .bind(&j.claim_token)
    .bind(j.started_at)
    .bind(j.finished_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A claim: who holds the jobs it returns, and until when.
#[derive(Clone, Debug)]
pub struct Claim<'a> {
    pub token: &'a str,
    pub now: Millis,
    pub lease_until: Millis,
    pub limit: i64,
}

/// Leases up to `claim.limit` due jobs to `claim.token` and counts the attempt.
pub async fn claim<'e>(
    db: impl Executor<'e, Database = Any>,
    backend: Backend,
    claim: &Claim<'_>,
) -> Result<Vec<JobRecord>, StoreError> {
    // The pick is materialized: inlined into the UPDATE, PostgreSQL may run a LIMIT
    // subquery once per row it scans and so take more than `limit` jobs.
    macro_rules! claim_sql {
        ($lock:literal) => {
            concat!(
                "WITH picked AS MATERIALIZED (SELECT id FROM jobs WHERE run_at <= $3 \
                 AND finished_at IS NULL AND (locked_until IS NULL OR locked_until < $3) \
                 ORDER BY run_at, id LIMIT $4 ",
                $lock,
                ") UPDATE jobs SET locked_until = $1, attempts = attempts + 1, claim_token = $2, \
                 started_at = $3 WHERE id IN (SELECT id FROM picked) RETURNING ",
                columns!()
            )
        };
    }
    let sql = match backend {
        Backend::Postgres => claim_sql!("FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim_sql!(""),
    };
    Ok(sqlx::query_as(sql)
        .bind(claim.lease_until)
        .bind(claim.token)
        .bind(claim.now)
        .bind(claim.limit)
        .fetch_all(db)
        .await?)
}

/// Extends the lease of a job the claim still holds; false when it no longer does.
pub async fn renew<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    token: &str,
    lease_until: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND claim_token = $3 \
         AND finished_at IS NULL",
    )
    .bind(lease_until)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many jobs wait, run and failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Due and not finished, not running.
    pub pending: i64,
    /// Held by a worker whose lease has not run out.
    pub running: i64,
    /// Failed for good (kept until pruned).
    pub failed: i64,
}

pub async fn counts<'e>(
    db: impl Executor<'e, Database = Any>,
    now: Millis,
) -> Result<JobCounts, StoreError> {
    let (pending, running, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
         COUNT(CASE WHEN finished_at IS NULL AND run_at <= $1 \
            AND (locked_until IS NULL OR locked_until < $1) THEN 1 END), \
         COUNT(CASE WHEN finished_at IS NULL AND locked_until >= $1 THEN 1 END), \
         COUNT(failed_at) FROM jobs",
    )
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(JobCounts {
        pending,
        running,
        failed,
    })
}

/// Marks a job the claim holds as done; false when the claim no longer holds it. Its dedupe
/// key is released so the same work can be queued again.
pub async fn complete<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    token: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET finished_at = $1, locked_until = NULL, claim_token = NULL, \
         dedupe_key = NULL WHERE id = $2 AND claim_token = $3 AND finished_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt of a job the claim holds: it runs again at `retry_at`, or, with
/// none, fails for good. False when the claim no longer holds the job.
pub async fn fail<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    token: &str,
    error: &str,
    retry_at: Option<Millis>,
    now: Millis,
) -> Result<bool, StoreError> {
    let failed_at = retry_at.is_none().then_some(now);
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = NULL, claim_token = NULL, last_error = $1, \
         run_at = COALESCE($2, run_at), failed_at = $3, finished_at = $3, \
         dedupe_key = CASE WHEN $3 IS NULL THEN dedupe_key END \
         WHERE id = $4 AND claim_token = $5 AND finished_at IS NULL",
    )
    .bind(error)
    .bind(retry_at)
    .bind(failed_at)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a job the claim holds to `run_at` without counting the attempt (a recurring job,
/// or a handler that asked to run later). False when the claim no longer holds it.
pub async fn reschedule<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    token: &str,
    run_at: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET locked_until = NULL, claim_token = NULL, run_at = $1, \
         attempts = attempts - 1 WHERE id = $2 AND claim_token = $3 AND finished_at IS NULL",
    )
    .bind(run_at)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<JobRecord>, StoreError> {
    Ok(
        sqlx::query_as(concat!("SELECT ", columns!(), " FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// Which jobs a listing shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Not finished: waiting, scheduled or running.
    Open,
    Done,
    Failed,
}

/// Jobs in a state, newest first, at most `limit`.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    state: Option<JobState>,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let condition = match state {
        None => "",
        Some(JobState::Open) => " WHERE finished_at IS NULL",
        Some(JobState::Done) => " WHERE finished_at IS NOT NULL AND failed_at IS NULL",
        Some(JobState::Failed) => " WHERE failed_at IS NOT NULL",
    };
    let sql = format!(
        "SELECT {} FROM jobs{condition} ORDER BY created_at DESC, id DESC LIMIT $1",
        columns!()
    );
    // Only our constant conditions are formatted in; the limit is bound.
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Forgets jobs done before `done_before` and jobs failed before `failed_before`; returns
/// how many.
pub async fn prune<'e>(
    db: impl Executor<'e, Database = Any>,
    done_before: Millis,
    failed_before: Millis,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM jobs WHERE finished_at IS NOT NULL AND \
         ((failed_at IS NULL AND finished_at < $1) OR (failed_at IS NOT NULL AND finished_at < $2))",
    )
    .bind(done_before)
    .bind(failed_before)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
