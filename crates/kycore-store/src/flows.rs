//! Flows created by an organization. Built-in flows live in the domain crate, not here.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct FlowRecord {
    pub id: String,
    pub version: i64,
    pub organization_id: String,
    pub environment: String,
    pub kind: String,
    pub is_default: i64,
    /// The flow definition as JSON.
    pub definition: String,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, version, organization_id, environment, kind, is_default, definition, created_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    f: &FlowRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO flows (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&f.id)
    .bind(f.version)
    .bind(&f.organization_id)
    .bind(&f.environment)
    .bind(&f.kind)
    .bind(f.is_default)
    .bind(&f.definition)
    .bind(f.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The latest version of a flow, or a given one.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
    version: Option<i64>,
) -> Result<Option<FlowRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM flows WHERE organization_id = $1 AND environment = $2 AND id = $3 \
         AND ($4 IS NULL OR version = $4) ORDER BY version DESC LIMIT 1"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .bind(version)
    .fetch_optional(db)
    .await?)
}

/// Latest version of every flow of the scope, newest flow first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
) -> Result<Vec<FlowRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM flows f WHERE organization_id = $1 AND environment = $2 \
         AND version = (SELECT MAX(version) FROM flows g WHERE g.id = f.id) ORDER BY id DESC"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .fetch_all(db)
    .await?)
}

/// Latest versions of the scope's default flows of one kind, newest first.
pub async fn defaults<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    kind: &str,
) -> Result<Vec<FlowRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM flows f WHERE organization_id = $1 AND environment = $2 AND kind = $3 \
         AND is_default = 1 AND version = (SELECT MAX(version) FROM flows g WHERE g.id = f.id) \
         ORDER BY id DESC"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(kind)
    .fetch_all(db)
    .await?)
}
