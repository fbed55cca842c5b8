//! Phone hand-offs: single-use, short-lived tokens (kept as their SHA-256 only) that open a
//! new portal session for a case on another device.

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct HandoffRecord {
    pub token_hash: String,
    pub organization_id: String,
    pub environment: String,
    pub case_id: String,
    /// The link the session that made the hand-off was opened with.
    pub link_token_id: String,
    pub expires_at: Millis,
    pub used_at: Option<Millis>,
    pub created_at: Millis,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    record: &HandoffRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO portal_handoffs (token_hash, organization_id, environment, case_id, \
         link_token_id, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&record.token_hash)
    .bind(&record.organization_id)
    .bind(&record.environment)
    .bind(&record.case_id)
    .bind(&record.link_token_id)
    .bind(record.expires_at)
    .bind(record.used_at)
    .bind(record.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Hand-offs of `case_id` still waiting to be opened at `now`.
pub async fn count_open<'e>(
    db: impl Executor<'e, Database = Any>,
    case_id: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM portal_handoffs \
         WHERE case_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(case_id)
    .bind(now)
    .fetch_one(db)
    .await?)
}

/// Marks the hand-off used at `now` and returns it; `None` when there is no such hand-off
/// or it was used before. One statement, so two devices racing for it cannot both win.
/// Whether it has expired is the caller's to judge (an expired one is used up all the same).
pub async fn take<'e>(
    db: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: Millis,
) -> Result<Option<HandoffRecord>, StoreError> {
    Ok(sqlx::query_as(
        "UPDATE portal_handoffs SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         RETURNING token_hash, organization_id, environment, case_id, link_token_id, \
         expires_at, used_at, created_at",
    )
    .bind(now)
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}

/// Forgets hand-offs that expired before `before`; returns how many.
pub async fn prune<'e>(
    db: impl Executor<'e, Database = Any>,
    before: Millis,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM portal_handoffs WHERE expires_at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
