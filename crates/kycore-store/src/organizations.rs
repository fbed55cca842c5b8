//! Organizations (tenants).

use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct OrganizationRecord {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
    /// Days after a case's final decision its personal data is redacted; `None` keeps it.
    pub retention_days: Option<i64>,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    org: &OrganizationRecord,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&org.id)
        .bind(&org.name)
        .bind(org.created_at)
        .execute(db)
        .await?;
    Ok(())
}

/// The oldest organization: the one `kycore init` created for a single-tenant deployment.
pub async fn first<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Option<OrganizationRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, retention_days FROM organizations ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(db)
    .await?)
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<OrganizationRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, retention_days FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Every organization's id: deployment-wide events (a failed watchlist refresh) go to each.
pub async fn list_ids<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM organizations ORDER BY id")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Every organization, oldest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<OrganizationRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, retention_days FROM organizations ORDER BY created_at, id",
    )
    .fetch_all(db)
    .await?)
}

/// Sets (or with `None` removes) an organization's retention policy; returns whether the
/// organization exists.
pub async fn set_retention<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    days: Option<i64>,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE organizations SET retention_days = $1 WHERE id = $2")
        .bind(days)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The organizations that keep personal data for a limited time.
pub async fn with_retention<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<OrganizationRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, retention_days FROM organizations \
         WHERE retention_days IS NOT NULL ORDER BY id",
    )
    .fetch_all(db)
    .await?)
}
