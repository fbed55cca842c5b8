//! The audit log: who did what to which object, append-only. Entries are appended through
//! [`crate::Tx::append_audit`] in the transaction of the action they record.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
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

impl crate::rows::AppendRow for AuditRecord {
    const TABLE: &'static str = "audit_log";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.actor_type)
            .bind(&self.actor_id)
            .bind(&self.action)
            .bind(&self.target_type)
            .bind(&self.target_id)
            .bind(&self.detail)
            .bind(self.created_at)
    }
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
