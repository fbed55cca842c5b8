//! Imported watchlist versions: which list files a deployment screens against. Lists are
//! shared by every organization, so these rows carry no tenant. The files themselves live in
//! the data directory; a row names one by its relative path and checksum.

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

/// A version that loaded (or was never tried yet).
pub const STATUS_OK: &str = "ok";
/// A version whose file failed to load; the list's previous `ok` version is served instead.
pub const STATUS_FAILED: &str = "failed";

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct WatchlistVersionRecord {
    pub id: String,
    pub list_id: String,
    pub format: String,
    /// The main file, relative to the data directory.
    pub path: String,
    /// SHA-256 of the imported file(s), lowercase hex.
    pub sha256: String,
    pub source_version: Option<String>,
    pub entity_count: i64,
    pub name_count: i64,
    pub imported_at: Millis,
    /// [`STATUS_OK`] or [`STATUS_FAILED`].
    pub status: String,
    pub last_error: Option<String>,
    pub failed_at: Option<Millis>,
}

macro_rules! columns {
    () => {
        "id, list_id, format, path, sha256, source_version, entity_count, name_count, \
         imported_at, status, last_error, failed_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    v: &WatchlistVersionRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO watchlist_versions (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&v.id)
    .bind(&v.list_id)
    .bind(&v.format)
    .bind(&v.path)
    .bind(&v.sha256)
    .bind(&v.source_version)
    .bind(v.entity_count)
    .bind(v.name_count)
    .bind(v.imported_at)
    .bind(&v.status)
    .bind(&v.last_error)
    .bind(v.failed_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Every version, grouped by list, newest first within a list.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<WatchlistVersionRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM watchlist_versions ORDER BY list_id, imported_at DESC, id DESC"
    ))
    .fetch_all(db)
    .await?)
}

/// The versions that may be served, grouped by list, newest first within a list: the first
/// of each list is its current version, the others its fallbacks.
pub async fn usable<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<WatchlistVersionRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM watchlist_versions WHERE status = 'ok' ORDER BY list_id, imported_at DESC, id DESC"
    ))
    .fetch_all(db)
    .await?)
}

/// The current (newest usable) version of one list.
pub async fn current<'e>(
    db: impl Executor<'e, Database = Any>,
    list_id: &str,
) -> Result<Option<WatchlistVersionRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM watchlist_versions WHERE list_id = $1 AND status = 'ok' \
         ORDER BY imported_at DESC, id DESC LIMIT 1"
    ))
    .bind(list_id)
    .fetch_optional(db)
    .await?)
}

/// Marks a version failed with the reason; returns whether a usable version was found.
pub async fn mark_failed<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    error: &str,
    at: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE watchlist_versions SET status = 'failed', last_error = $1, failed_at = $2 \
         WHERE id = $3 AND status = 'ok'",
    )
    .bind(error)
    .bind(at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
