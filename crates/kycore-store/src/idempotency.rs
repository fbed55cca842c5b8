//! Stored responses for `Idempotency-Key`, per API surface (the native API, each dialect).
//! The record is written in the same transaction as the change it answers for, so a retry
//! after a crash sees either both or neither.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct IdempotencyRecord {
    pub organization_id: String,
    pub environment: String,
    /// `native`, or a dialect's name: each surface replays its own response.
    pub surface: String,
    pub idempotency_key: String,
    pub request_hash: Vec<u8>,
    pub response_status: i64,
    pub response_body: Vec<u8>,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "organization_id, environment, surface, idempotency_key, request_hash, response_status, \
         response_body, created_at"
    };
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    surface: &str,
    key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM idempotency_responses WHERE organization_id = $1 AND environment = $2 \
         AND surface = $3 AND idempotency_key = $4"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(surface)
    .bind(key)
    .fetch_optional(db)
    .await?)
}

/// Records the response; returns false if the key was already taken (a concurrent request
/// with the same key committed first).
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    r: &IdempotencyRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(concat!(
        "INSERT INTO idempotency_responses (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (organization_id, environment, surface, idempotency_key) DO NOTHING"
    ))
    .bind(&r.organization_id)
    .bind(&r.environment)
    .bind(&r.surface)
    .bind(&r.idempotency_key)
    .bind(&r.request_hash)
    .bind(r.response_status)
    .bind(&r.response_body)
    .bind(r.created_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets responses recorded before `before`; returns how many.
pub async fn prune<'e>(
    db: impl Executor<'e, Database = Any>,
    before: Millis,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM idempotency_responses WHERE created_at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
