//! The deployment row: what every server sharing the database must agree on — the root
//! secret, wrapped by the master key. Written once, by the first server to start on an empty
//! database; re-wrapped when the master key is rotated.

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct DeploymentRecord {
    /// The root secret, sealed under the master key named by `master_key_id`.
    pub root_key: Vec<u8>,
    pub master_key_id: String,
    pub created_at: Millis,
}

/// Records the deployment's wrapped root secret unless one is recorded; returns whether this
/// call recorded it. Concurrent callers on PostgreSQL wait for the first one's transaction
/// and then see its row.
pub async fn claim<'e>(
    db: impl Executor<'e, Database = Any>,
    record: &DeploymentRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO deployment (id, root_key, master_key_id, created_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&record.root_key)
    .bind(&record.master_key_id)
    .bind(record.created_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The recorded deployment, if any.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Option<DeploymentRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT root_key, master_key_id, created_at FROM deployment WHERE id = 1")
            .fetch_optional(db)
            .await?,
    )
}

/// Replaces the root secret's wrapping if it is still the one read; returns whether it was.
pub async fn rewrap_root<'e>(
    db: impl Executor<'e, Database = Any>,
    previous_master_key_id: &str,
    root_key: &[u8],
    master_key_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE deployment SET root_key = $1, master_key_id = $2 \
         WHERE id = 1 AND master_key_id = $3",
    )
    .bind(root_key)
    .bind(master_key_id)
    .bind(previous_master_key_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
