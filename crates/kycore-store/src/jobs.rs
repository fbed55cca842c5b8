//! The job queue: one table, claimed with a lease so a crashed worker's jobs come back.
//!
//! On PostgreSQL several processes claim concurrently with `FOR UPDATE SKIP LOCKED`; SQLite
//! has a single writer, so a plain `UPDATE … RETURNING` is already exclusive.

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
    pub failed_at: Option<Millis>,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, kind, payload, dedupe_key, run_at, attempts, max_attempts, locked_until, last_error, failed_at, created_at"
    };
}

/// Adds a job unless one with the same dedupe key exists; returns whether it was added.
pub async fn enqueue<'e>(
    db: impl Executor<'e, Database = Any>,
    j: &JobRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(concat!(
        "INSERT INTO jobs (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
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
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Leases up to `limit` due jobs until `lease_until` and counts the attempt.
pub async fn claim<'e>(
    db: impl Executor<'e, Database = Any>,
    backend: Backend,
    now: Millis,
    lease_until: Millis,
    limit: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    macro_rules! claim_sql {
        ($lock:literal) => {
            concat!(
                "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 WHERE id IN \
                 (SELECT id FROM jobs WHERE run_at <= $2 AND failed_at IS NULL \
                 AND (locked_until IS NULL OR locked_until < $2) ORDER BY run_at, id LIMIT $3 ",
                $lock,
                ") RETURNING ",
                columns!()
            )
        };
    }
    let sql = match backend {
        Backend::Postgres => claim_sql!("FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim_sql!(""),
    };
    Ok(sqlx::query_as(sql)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// How many jobs wait: due (`run_at` passed) and not failed, and failed for good.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: i64,
    pub failed: i64,
}

/// Counts the queue. Finished jobs are deleted, so the table holds only these and the
/// not-yet-due ones: the count stays small.
pub async fn counts<'e>(
    db: impl Executor<'e, Database = Any>,
    now: Millis,
) -> Result<JobCounts, StoreError> {
    let (pending, failed): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN failed_at IS NULL AND run_at <= $1 THEN 1 END), COUNT(failed_at) \
         FROM jobs",
    )
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(JobCounts { pending, failed })
}

/// Removes a finished job.
pub async fn complete<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: the job runs again at `retry_at`, or, with none, stays failed.
pub async fn fail<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    error: &str,
    retry_at: Option<Millis>,
    now: Millis,
) -> Result<(), StoreError> {
    let failed_at = retry_at.is_none().then_some(now);
    sqlx::query(
        "UPDATE jobs SET locked_until = NULL, last_error = $1, run_at = COALESCE($2, run_at), failed_at = $3 \
         WHERE id = $4",
    )
    .bind(error)
    .bind(retry_at)
    .bind(failed_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
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

/// Moves a job to `run_at` without counting the attempt (the handler asked to run later).
pub async fn reschedule<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    run_at: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET locked_until = NULL, run_at = $1, attempts = attempts - 1 WHERE id = $2",
    )
    .bind(run_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
