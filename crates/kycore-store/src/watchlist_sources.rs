//! How the scheduled refreshes of each configured list source went: one row per source
//! (a path or a URL shown without credentials), with its current failure streak. Sources are
//! deployment-wide like list versions, so these rows carry no tenant; every server sharing
//! the database sees, and extends, the same streak.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct WatchlistSourceRecord {
    pub source: String,
    pub list_id: Option<String>,
    pub last_success_at: Option<Millis>,
    /// First failure of the current streak; `None` when the last refresh succeeded.
    pub failing_since: Option<Millis>,
    /// Failed refreshes in the current streak.
    pub failures: i64,
    /// The last failure, kept after a success so the status still shows it.
    pub last_failure_at: Option<Millis>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// Every source, by name.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<WatchlistSourceRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT source, list_id, last_success_at, failing_since, failures, last_failure_at, \
         error_code, error_message FROM watchlist_sources ORDER BY source",
    )
    .fetch_all(db)
    .await?)
}

/// Records a successful refresh: the failure streak, if any, ends.
pub async fn record_success<'e>(
    db: impl Executor<'e, Database = Any>,
    source: &str,
    list_id: &str,
    at: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO watchlist_sources (source, list_id, last_success_at, failures) \
         VALUES ($1, $2, $3, 0) \
         ON CONFLICT (source) DO UPDATE SET list_id = excluded.list_id, \
         last_success_at = excluded.last_success_at, failing_since = NULL, failures = 0",
    )
    .bind(source)
    .bind(list_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// A failed refresh to record.
#[derive(Clone, Copy, Debug)]
pub struct Failure<'a> {
    pub source: &'a str,
    pub list_id: Option<&'a str>,
    pub code: &'a str,
    pub message: &'a str,
    pub at: Millis,
}

/// Counts a failed refresh. Returns `true` when it starts a streak or fails differently from
/// the streak's last failure, `false` when it repeats the streak's error exactly.
pub async fn record_failure(
    conn: &mut AnyConnection,
    failure: Failure<'_>,
) -> Result<bool, StoreError> {
    let repeated = sqlx::query(
        "UPDATE watchlist_sources SET failures = failures + 1, last_failure_at = $1, \
         list_id = COALESCE($2, list_id) \
         WHERE source = $3 AND failing_since IS NOT NULL AND error_code = $4 AND error_message = $5",
    )
    .bind(failure.at)
    .bind(failure.list_id)
    .bind(failure.source)
    .bind(failure.code)
    .bind(failure.message)
    .execute(&mut *conn)
    .await?;
    if repeated.rows_affected() == 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO watchlist_sources (source, list_id, failing_since, failures, \
         last_failure_at, error_code, error_message) VALUES ($1, $2, $3, 1, $3, $4, $5) \
         ON CONFLICT (source) DO UPDATE SET \
         list_id = COALESCE(excluded.list_id, watchlist_sources.list_id), \
         failing_since = COALESCE(watchlist_sources.failing_since, excluded.failing_since), \
         failures = watchlist_sources.failures + 1, last_failure_at = excluded.last_failure_at, \
         error_code = excluded.error_code, error_message = excluded.error_message",
    )
    .bind(failure.source)
    .bind(failure.list_id)
    .bind(failure.at)
    .bind(failure.code)
    .bind(failure.message)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
