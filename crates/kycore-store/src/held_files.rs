//! Files uploaded before a document of a case takes them (the file itself is in the blob
//! store, sealed under the organization's key).

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct HeldFileRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    /// The file's name as uploaded, if it had one.
    pub name: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub blob_key: String,
    /// JSON array of the platform's labels.
    pub tags: String,
    pub description: Option<String>,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, name, content_type, size_bytes, blob_key, tags, \
         description, created_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    file: &HeldFileRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO held_files (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&file.id)
    .bind(&file.organization_id)
    .bind(&file.environment)
    .bind(&file.name)
    .bind(&file.content_type)
    .bind(file.size_bytes)
    .bind(&file.blob_key)
    .bind(&file.tags)
    .bind(&file.description)
    .bind(file.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// One held file of the scope.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<HeldFileRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM held_files WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Held files uploaded before `before`, every organization's, oldest first, at most `limit`.
pub async fn older_than<'e>(
    db: impl Executor<'e, Database = Any>,
    before: Millis,
    limit: i64,
) -> Result<Vec<HeldFileRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM held_files WHERE created_at < $1 ORDER BY created_at, id LIMIT $2"
    ))
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Forgets a held file's row (its blob is the caller's to delete).
pub async fn delete<'e>(db: impl Executor<'e, Database = Any>, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM held_files WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
