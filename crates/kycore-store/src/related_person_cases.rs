//! KYC cases of a business's related persons (child cases), started from the business's
//! hosted flow.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::list::ScopedIn;
use crate::{Millis, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct RelatedPersonCaseRecord {
    pub parent_case_id: String,
    pub related_person_id: String,
    pub organization_id: String,
    pub environment: String,
    pub case_id: String,
    /// `here` (verified in the same browser) or `link` (sent to the person).
    pub mode: String,
    pub created_at: Millis,
    /// When e-mailing the person their link was last asked for; a job sends it.
    pub email_requested_at: Option<Millis>,
    /// When that e-mail last went out.
    pub email_sent_at: Option<Millis>,
}

/// The child cases of `parent_case_id`.
pub async fn for_parent<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    parent_case_id: &str,
) -> Result<Vec<RelatedPersonCaseRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT parent_case_id, related_person_id, organization_id, environment, case_id, mode, \
         created_at, email_requested_at, email_sent_at FROM related_person_cases \
         WHERE parent_case_id = $1 AND organization_id = $2 AND environment = $3 \
         ORDER BY created_at, related_person_id",
    )
    .bind(parent_case_id)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .fetch_all(db)
    .await?)
}

/// The child cases of `parent_case_id` with each one's status, in one query.
pub async fn statuses_for_parent<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    parent_case_id: &str,
) -> Result<Vec<ChildStatus>, StoreError> {
    statuses_for_parents(db, scope, &[parent_case_id]).await
}

/// The child cases of several parents with each one's status, in one query, each parent's
/// in the order they were started.
pub async fn statuses_for_parents<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    parent_case_ids: &[&str],
) -> Result<Vec<ChildStatus>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: "SELECT r.parent_case_id, r.related_person_id, r.case_id, c.status \
                      FROM related_person_cases r JOIN cases c ON c.id = r.case_id",
        qualifier: "r.",
        column: "parent_case_id",
        order_by: "r.created_at, r.related_person_id",
        key: false,
    };
    READ.fetch(db, scope, parent_case_ids).await
}

/// A child case and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ChildStatus {
    pub parent_case_id: String,
    pub related_person_id: String,
    pub case_id: String,
    pub status: String,
}

/// Records a child case; false when the person already has one (the first one stays).
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    record: &RelatedPersonCaseRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO related_person_cases (parent_case_id, related_person_id, organization_id, \
         environment, case_id, mode, created_at, email_requested_at, email_sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (parent_case_id, related_person_id) DO NOTHING",
    )
    .bind(&record.parent_case_id)
    .bind(&record.related_person_id)
    .bind(&record.organization_id)
    .bind(&record.environment)
    .bind(&record.case_id)
    .bind(&record.mode)
    .bind(record.created_at)
    .bind(record.email_requested_at)
    .bind(record.email_sent_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The record of the child case `case_id`, if it is one.
pub async fn of_child<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Option<RelatedPersonCaseRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT parent_case_id, related_person_id, organization_id, environment, case_id, mode, \
         created_at, email_requested_at, email_sent_at FROM related_person_cases \
         WHERE case_id = $1 AND organization_id = $2 AND environment = $3",
    )
    .bind(case_id)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .fetch_optional(db)
    .await?)
}

/// A moment in the life of a child case's e-mailed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailMoment {
    /// Someone asked for the link to be e-mailed (a job then sends it).
    Requested,
    /// The link went out.
    Sent,
}

/// Notes when the child case's e-mailed link reached `moment`.
pub async fn note_email<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
    moment: EmailMoment,
    at: Millis,
) -> Result<(), StoreError> {
    let sql = match moment {
        EmailMoment::Requested => {
            "UPDATE related_person_cases SET email_requested_at = $1 \
             WHERE case_id = $2 AND organization_id = $3 AND environment = $4"
        }
        EmailMoment::Sent => {
            "UPDATE related_person_cases SET email_sent_at = $1 \
             WHERE case_id = $2 AND organization_id = $3 AND environment = $4"
        }
    };
    sqlx::query(sql)
        .bind(at)
        .bind(case_id)
        .bind(scope.organization_id.as_str())
        .bind(scope.environment.as_str())
        .execute(db)
        .await?;
    Ok(())
}
