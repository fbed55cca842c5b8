//! The audit log: who did what to which object, append-only.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct AuditRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    /// `api_key`, `applicant`, `system` or `operator`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// JSON object; never personal data.
    pub detail: String,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, actor_type, actor_id, action, target_type, target_id, detail, created_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    a: &AuditRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO audit_log (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&a.id)
    .bind(&a.organization_id)
    .bind(&a.environment)
    .bind(&a.actor_type)
    .bind(&a.actor_id)
    .bind(&a.action)
    .bind(&a.target_type)
    .bind(&a.target_id)
    .bind(&a.detail)
    .bind(a.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Every entry about one object, oldest first.
pub async fn for_target<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    target_id: &str,
) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM audit_log WHERE organization_id = $1 AND environment = $2 AND target_id = $3 \
         ORDER BY id"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(target_id)
    .fetch_all(db)
    .await?)
}
