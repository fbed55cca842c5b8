//! Ongoing monitoring: which list versions have been re-screened against, and the approved
//! cases to re-screen, across every organization (lists are shared by the deployment).

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

/// Claims a run for a set of list versions; false when one was already started.
pub async fn start_run<'e>(
    db: impl Executor<'e, Database = Any>,
    versions_key: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO monitoring_runs (versions_key, started_at) VALUES ($1, $2) \
         ON CONFLICT (versions_key) DO NOTHING",
    )
    .bind(versions_key)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a page's counts to a run; `finished` marks it done.
pub async fn record_progress<'e>(
    db: impl Executor<'e, Database = Any>,
    versions_key: &str,
    screened: i64,
    hits: i64,
    finished_at: Option<Millis>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE monitoring_runs SET applicants_screened = applicants_screened + $1, \
         hits_found = hits_found + $2, finished_at = COALESCE($3, finished_at) WHERE versions_key = $4",
    )
    .bind(screened)
    .bind(hits)
    .bind(finished_at)
    .bind(versions_key)
    .execute(db)
    .await?;
    Ok(())
}

/// One monitoring run: the list versions it screened against and how far it got.
#[derive(Clone, Debug, FromRow)]
pub struct RunRecord {
    pub versions_key: String,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
    pub applicants_screened: i64,
    pub hits_found: i64,
}

/// The latest runs, newest first.
pub async fn recent_runs<'e>(
    db: impl Executor<'e, Database = Any>,
    limit: i64,
) -> Result<Vec<RunRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT versions_key, started_at, finished_at, applicants_screened, hits_found \
         FROM monitoring_runs ORDER BY started_at DESC, versions_key LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// An approved case whose applicant monitoring may re-screen.
#[derive(Clone, Debug, FromRow)]
pub struct ApprovedCase {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub applicant_id: String,
    pub flow_id: String,
    pub flow_version: i64,
}

/// Approved cases after `after_id`, in id order, every organization's.
pub async fn approved_after<'e>(
    db: impl Executor<'e, Database = Any>,
    after_id: &str,
    limit: i64,
) -> Result<Vec<ApprovedCase>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, organization_id, environment, applicant_id, flow_id, flow_version FROM cases \
         WHERE status = 'approved' AND redacted_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
