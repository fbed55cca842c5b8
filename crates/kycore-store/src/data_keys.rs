//! Data keys: one per organization and one per applicant, each wrapped by a master key.
//! Deleting an applicant's row is what makes its sealed data unreadable for good.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct DataKeyRecord {
    /// The owner's id: an organization's or an applicant's.
    pub id: String,
    pub organization_id: String,
    pub wrapped: Vec<u8>,
    pub master_key_id: String,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, wrapped, master_key_id, created_at"
    };
}

impl crate::rows::AppendRow for DataKeyRecord {
    const TABLE: &'static str = "data_keys";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.wrapped)
            .bind(&self.master_key_id)
            .bind(self.created_at)
    }
}

/// The data key of `owner_id` within the organization, if it (still) exists.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    owner_id: &str,
) -> Result<Option<DataKeyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM data_keys WHERE organization_id = $1 AND id = $2"
    ))
    .bind(organization_id)
    .bind(owner_id)
    .fetch_optional(db)
    .await?)
}

/// The data keys among `owner_ids` within the organization (missing ones are left out).
pub async fn get_many<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    owner_ids: &[String],
) -> Result<Vec<DataKeyRecord>, StoreError> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Only placeholders are formatted into the statement; every value is bound.
    let placeholders: Vec<String> = (0..owner_ids.len())
        .map(|i| format!("${}", i + 2))
        .collect();
    let sql = format!(
        "SELECT {} FROM data_keys WHERE organization_id = $1 AND id IN ({})",
        columns!(),
        placeholders.join(", ")
    );
    let mut query =
        sqlx::query_as::<_, DataKeyRecord>(sqlx::AssertSqlSafe(sql)).bind(organization_id);
    for id in owner_ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(db).await?)
}

/// Stores a key unless its owner has one already; returns whether this one was stored.
pub async fn insert_if_absent<'e>(
    db: impl Executor<'e, Database = Any>,
    key: &DataKeyRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(concat!(
        "INSERT INTO data_keys (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING"
    ))
    .bind(&key.id)
    .bind(&key.organization_id)
    .bind(&key.wrapped)
    .bind(&key.master_key_id)
    .bind(key.created_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Destroys `owner_id`'s key; returns whether there was one.
pub async fn delete<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    owner_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM data_keys WHERE organization_id = $1 AND id = $2")
        .bind(organization_id)
        .bind(owner_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Up to `limit` keys wrapped by a master key other than `master_key_id`, in id order after
/// `after`: a rotation's next batch.
pub async fn wrapped_by_other<'e>(
    db: impl Executor<'e, Database = Any>,
    master_key_id: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<DataKeyRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM data_keys WHERE master_key_id <> $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(master_key_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Replaces a key's wrapping if it is still the one read (`previous_master_key_id`);
/// returns whether it was replaced.
pub async fn rewrap<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    previous_master_key_id: &str,
    wrapped: &[u8],
    master_key_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE data_keys SET wrapped = $1, master_key_id = $2 \
         WHERE id = $3 AND master_key_id = $4",
    )
    .bind(wrapped)
    .bind(master_key_id)
    .bind(id)
    .bind(previous_master_key_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many keys each master key wraps.
pub async fn count_by_master<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT master_key_id, COUNT(*) FROM data_keys GROUP BY master_key_id ORDER BY 1",
    )
    .fetch_all(db)
    .await?)
}
