//! API keys. Only a hash of a secret key is stored; the key itself is shown once.

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    /// `secret` or `publishable`.
    pub kind: String,
    pub key_hash: Vec<u8>,
    pub hint: String,
    pub publishable_key: Option<String>,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, kind, key_hash, hint, publishable_key, created_at, revoked_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    key: &ApiKeyRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO api_keys (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&key.id)
    .bind(&key.organization_id)
    .bind(&key.environment)
    .bind(&key.kind)
    .bind(&key.key_hash)
    .bind(&key.hint)
    .bind(&key.publishable_key)
    .bind(key.created_at)
    .bind(key.revoked_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The key with this hash, revoked or not (the caller decides what a revoked key means).
pub async fn find_by_hash<'e>(
    db: impl Executor<'e, Database = Any>,
    key_hash: &[u8],
) -> Result<Option<ApiKeyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE key_hash = $1"
    ))
    .bind(key_hash.to_vec())
    .fetch_optional(db)
    .await?)
}

/// The key with this id, revoked or not.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<ApiKeyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
) -> Result<Vec<ApiKeyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE organization_id = $1 ORDER BY created_at, id"
    ))
    .bind(organization_id)
    .fetch_all(db)
    .await?)
}

/// Marks the key revoked; returns whether a live key of this organization (and of
/// `environment`, when given) was found.
pub async fn revoke<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    environment: Option<&str>,
    id: &str,
    at: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE organization_id = $2 AND id = $3 \
         AND environment = COALESCE($4, environment) AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(organization_id)
    .bind(id)
    .bind(environment)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
