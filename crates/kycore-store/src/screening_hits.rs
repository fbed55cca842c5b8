//! Screening hits: written by a case's checks and by ongoing monitoring, reviewed by analysts.

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::list::ScopedIn;
use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct ScreeningHitRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub case_id: String,
    pub applicant_id: String,
    pub subject: String,
    pub list_id: String,
    pub list_version: String,
    pub entity_id: String,
    pub entity_fingerprint: String,
    pub score: f64,
    /// The entry's and the screened names, the explanation (JSON), sealed under the
    /// applicant's data key; `None` once redacted.
    pub detail_sealed: Option<Vec<u8>>,
    pub source: String,
    pub status: String,
    /// The reviewer's note, sealed like the detail.
    pub review_note_sealed: Option<Vec<u8>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, case_id, applicant_id, subject, list_id, list_version, \
         entity_id, entity_fingerprint, score, detail_sealed, source, status, review_note_sealed, reviewed_by, \
         reviewed_at, created_at, updated_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    h: &ScreeningHitRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO screening_hits (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    ))
    .bind(&h.id)
    .bind(&h.organization_id)
    .bind(&h.environment)
    .bind(&h.case_id)
    .bind(&h.applicant_id)
    .bind(&h.subject)
    .bind(&h.list_id)
    .bind(&h.list_version)
    .bind(&h.entity_id)
    .bind(&h.entity_fingerprint)
    .bind(h.score)
    .bind(&h.detail_sealed)
    .bind(&h.source)
    .bind(&h.status)
    .bind(&h.review_note_sealed)
    .bind(&h.reviewed_by)
    .bind(h.reviewed_at)
    .bind(h.created_at)
    .bind(h.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Whose hits to read.
#[derive(Clone, Copy, Debug)]
pub enum HitsOf<'a> {
    /// A case's.
    Case(&'a str),
    /// Every hit ever recorded for an applicant: what is already known is not reported again.
    Applicant(&'a str),
}

/// Hits of a case or an applicant, oldest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    of: HitsOf<'_>,
) -> Result<Vec<ScreeningHitRecord>, StoreError> {
    match of {
        HitsOf::Case(id) => for_cases(db, scope, &[id]).await,
        HitsOf::Applicant(id) => {
            const READ: ScopedIn = ScopedIn {
                select_from: concat!("SELECT ", columns!(), " FROM screening_hits"),
                qualifier: "",
                column: "applicant_id",
                order_by: "id",
                key: false,
            };
            READ.fetch(db, scope, &[id]).await
        }
    }
}

/// The hits of several cases, oldest first.
pub async fn for_cases<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_ids: &[&str],
) -> Result<Vec<ScreeningHitRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM screening_hits"),
        qualifier: "",
        column: "case_id",
        order_by: "id",
        key: false,
    };
    READ.fetch(db, scope, case_ids).await
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<ScreeningHitRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM screening_hits WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Records an analyst's review of a hit.
pub async fn review<'e>(
    db: impl Executor<'e, Database = Any>,
    hit: &ScreeningHitRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE screening_hits SET status = $1, review_note_sealed = $2, reviewed_by = $3, reviewed_at = $4, \
         updated_at = $5 WHERE organization_id = $6 AND environment = $7 AND id = $8",
    )
    .bind(&hit.status)
    .bind(&hit.review_note_sealed)
    .bind(&hit.reviewed_by)
    .bind(hit.reviewed_at)
    .bind(hit.updated_at)
    .bind(&hit.organization_id)
    .bind(&hit.environment)
    .bind(&hit.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Erases the names and notes of a case's hits; lists, entries, scores and verdicts stay.
pub async fn redact_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<(), StoreError> {
    let update = "UPDATE screening_hits SET detail_sealed = NULL, review_note_sealed = NULL";
    crate::update_case_rows(db, update, scope, case_id).await
}
