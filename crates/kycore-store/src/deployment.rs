//! The deployment row: what every server sharing the database must agree on (the master
//! key's check value). Written once, by the first server to start on an empty database.

use sqlx::{Any, Executor};

use crate::{Millis, StoreError};

/// Records the master key's check value unless one is recorded; returns whether this call
/// recorded it. Concurrent callers on PostgreSQL wait for the first one's transaction and
/// then see its row.
pub async fn claim<'e>(
    db: impl Executor<'e, Database = Any>,
    key_check: &[u8],
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO deployment (id, key_check, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(key_check.to_vec())
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The recorded check value, if any.
pub async fn key_check<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT key_check FROM deployment WHERE id = 1")
        .fetch_optional(db)
        .await?;
    Ok(row.map(|(check,)| check))
}
