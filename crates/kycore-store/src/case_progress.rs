//! Each case's progress through its hosted flow, stored as the domain's `Progress` in JSON.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor};

use crate::{Millis, StoreError};

/// The stored progress of a case of `scope`, as JSON; `None` before the applicant's first
/// step.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT progress FROM case_progress \
         WHERE case_id = $1 AND organization_id = $2 AND environment = $3",
    )
    .bind(case_id)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(progress,)| progress))
}

/// Replaces a case's progress. The caller has read the case in the same unit of work, which
/// is what makes the case the tenant's.
pub async fn put<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
    progress: &str,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_progress (case_id, organization_id, environment, progress, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (case_id) DO UPDATE SET progress = excluded.progress, \
         updated_at = excluded.updated_at",
    )
    .bind(case_id)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(progress)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
