//! Documents submitted for a case (the metadata; files live in the blob store).

use kycore_domain::tenancy::Scope;
use sqlx::{Any, Executor, FromRow};

use crate::list::{ScopedIn, ScopedList};
use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct DocumentRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub case_id: String,
    pub document_type: String,
    pub subtype: Option<String>,
    pub side: String,
    pub status: String,
    pub attempt: i64,
    /// Why the checks rejected it (JSON), sealed under the applicant's data key.
    pub rejection_sealed: Option<Vec<u8>>,
    pub blob_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub file_hash: Vec<u8>,
    pub mrz_sealed: Option<Vec<u8>>,
    /// What the applicant typed from a document without an MRZ (JSON), sealed.
    pub details_sealed: Option<Vec<u8>>,
    /// What the document engines read from the image (JSON), sealed.
    pub reading_sealed: Option<Vec<u8>>,
    /// Keyed hash of the document number read from the MRZ.
    pub document_number_hash: Option<Vec<u8>>,
    /// The person who gave the verdict, when a person did (not the checks), and when.
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Millis>,
    /// The person reviewing it now, when one took it, and since when.
    pub review_started_by: Option<String>,
    pub review_started_at: Option<Millis>,
    /// The held file it was made of, if it was.
    pub held_file_id: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, case_id, document_type, subtype, side, status, attempt, \
         rejection_sealed, blob_key, content_type, size_bytes, file_hash, mrz_sealed, details_sealed, \
         reading_sealed, document_number_hash, reviewed_by, reviewed_at, review_started_by, review_started_at, \
         held_file_id, created_at, updated_at"
    };
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    d: &DocumentRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO documents (",
        columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
    ))
    .bind(&d.id)
    .bind(&d.organization_id)
    .bind(&d.environment)
    .bind(&d.case_id)
    .bind(&d.document_type)
    .bind(&d.subtype)
    .bind(&d.side)
    .bind(&d.status)
    .bind(d.attempt)
    .bind(&d.rejection_sealed)
    .bind(&d.blob_key)
    .bind(&d.content_type)
    .bind(d.size_bytes)
    .bind(&d.file_hash)
    .bind(&d.mrz_sealed)
    .bind(&d.details_sealed)
    .bind(&d.reading_sealed)
    .bind(&d.document_number_hash)
    .bind(&d.reviewed_by)
    .bind(d.reviewed_at)
    .bind(&d.review_started_by)
    .bind(d.review_started_at)
    .bind(&d.held_file_id)
    .bind(d.created_at)
    .bind(d.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A case's documents, oldest first.
pub async fn for_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Vec<DocumentRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM documents WHERE organization_id = $1 AND environment = $2 AND case_id = $3 ORDER BY id"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(case_id)
    .fetch_all(db)
    .await?)
}

/// The documents of several cases of the scope, each case's oldest first.
pub async fn for_cases<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_ids: &[&str],
) -> Result<Vec<DocumentRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM documents"),
        qualifier: "",
        column: "case_id",
        order_by: "id",
        key: false,
    };
    READ.fetch(db, scope, case_ids).await
}

/// One document of the scope by its id.
pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<DocumentRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM documents WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Which of a scope's documents a listing selects; every filter left empty selects all.
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// Any of these cases.
    pub case_ids: Vec<String>,
    /// Any of these types.
    pub types: Vec<String>,
    /// Any of these statuses.
    pub statuses: Vec<String>,
    pub side: Option<String>,
    /// Only documents of cases of this kind that were not canceled.
    pub open_case_kind: Option<String>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
    pub limit: i64,
}

/// Documents of a case of the kind, still open to the API (a canceled case is withdrawn).
const OF_OPEN_CASE_OF_KIND: &str = "case_id IN (SELECT cases.id FROM cases \
     WHERE cases.organization_id = documents.organization_id \
     AND cases.environment = documents.environment AND cases.status <> 'canceled' \
     AND cases.kind =";

fn filtered(select_from: &'static str, scope: &Scope, filter: &DocumentFilter) -> ScopedList {
    ScopedList::new(select_from, scope)
        .any_text("case_id", &filter.case_ids)
        .any_text("document_type", &filter.types)
        .any_text("status", &filter.statuses)
        .text("side =", &filter.side)
        .text_closed(OF_OPEN_CASE_OF_KIND, &filter.open_case_kind, ")")
        .int("created_at >=", filter.created_from)
        .int("created_at <", filter.created_until)
}

/// Newest first, the `offset`th on, at most the filter's limit.
pub async fn list_window<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &DocumentFilter,
    offset: i64,
) -> Result<Vec<DocumentRecord>, StoreError> {
    filtered(
        concat!("SELECT ", columns!(), " FROM documents"),
        scope,
        filter,
    )
    .fetch_window(db, "id DESC", filter.limit, offset)
    .await
}

/// How many documents the filter selects (its limit is not used).
pub async fn count<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &DocumentFilter,
) -> Result<i64, StoreError> {
    filtered("SELECT COUNT(*) FROM documents", scope, filter)
        .count(db)
        .await
}

/// How many documents of this type the case already has (the next upload's attempt - 1).
pub async fn count_of_type<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
    document_type: &str,
    side: &str,
) -> Result<i64, StoreError> {
    let count: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM documents WHERE organization_id = $1 AND environment = $2 AND case_id = $3 \
         AND document_type = $4 AND side = $5",
    )
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(case_id)
    .bind(document_type)
    .bind(side)
    .fetch_one(db)
    .await?;
    Ok(count.0)
}

/// How many documents the case has, of any type.
pub async fn count_for_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<i64, StoreError> {
    let count: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM documents WHERE organization_id = $1 AND environment = $2 AND case_id = $3",
    )
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(case_id)
    .fetch_one(db)
    .await?;
    Ok(count.0)
}

/// Records a verdict on a document, the checks' or a person's (`reviewed_by`): `accepted`,
/// or `rejected` with the reasons (sealed JSON).
pub async fn set_verdict<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
    status: &str,
    rejection_sealed: Option<&[u8]>,
    reviewed_by: Option<&str>,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE documents SET status = $1, rejection_sealed = $2, reviewed_by = $3, \
         reviewed_at = $4, updated_at = $5, review_started_by = NULL, review_started_at = NULL \
         WHERE organization_id = $6 AND environment = $7 AND id = $8",
    )
    .bind(status)
    .bind(rejection_sealed)
    .bind(reviewed_by)
    .bind(reviewed_by.map(|_| now))
    .bind(now)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records who reviews a document now and who reviewed it last, as `document` holds them.
pub async fn set_review_marks<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    document: &DocumentRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE documents SET review_started_by = $1, review_started_at = $2, reviewed_by = $3, \
         reviewed_at = $4, updated_at = $5 \
         WHERE organization_id = $6 AND environment = $7 AND id = $8",
    )
    .bind(&document.review_started_by)
    .bind(document.review_started_at)
    .bind(&document.reviewed_by)
    .bind(document.reviewed_at)
    .bind(document.updated_at)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(&document.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Which hash a duplicate lookup compares.
#[derive(Clone, Copy, Debug)]
pub enum DocumentHash {
    DocumentNumber,
    File,
}

/// Another applicant of the scope who submitted a document with this hash, if any.
pub async fn other_applicant_with<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    applicant_id: &str,
    which: DocumentHash,
    hash: &[u8],
) -> Result<Option<String>, StoreError> {
    let sql = match which {
        DocumentHash::DocumentNumber => concat!(
            "SELECT c.applicant_id FROM documents d JOIN cases c ON c.id = d.case_id ",
            "WHERE d.organization_id = $1 AND d.environment = $2 AND d.document_number_hash = $3 ",
            "AND c.applicant_id <> $4 ORDER BY d.id LIMIT 1"
        ),
        DocumentHash::File => concat!(
            "SELECT c.applicant_id FROM documents d JOIN cases c ON c.id = d.case_id ",
            "WHERE d.organization_id = $1 AND d.environment = $2 AND d.file_hash = $3 ",
            "AND c.applicant_id <> $4 ORDER BY d.id LIMIT 1"
        ),
    };
    let found: Option<(String,)> = sqlx::query_as(sql)
        .bind(scope.organization_id.as_str())
        .bind(scope.environment.as_str())
        .bind(hash)
        .bind(applicant_id)
        .fetch_optional(db)
        .await?;
    Ok(found.map(|(id,)| id))
}

/// Erases what a case's documents hold about the applicant (MRZ, typed details, what the
/// engines read, rejection messages, the lookup hashes of number and file); returns their
/// blob keys, whose files the caller deletes. Type, side, status and attempt stay.
pub async fn redact_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Vec<String>, StoreError> {
    let keys: Vec<(String,)> = sqlx::query_as(
        "UPDATE documents SET mrz_sealed = NULL, details_sealed = NULL, reading_sealed = NULL, rejection_sealed = NULL, \
         document_number_hash = NULL, file_hash = $4 \
         WHERE organization_id = $1 AND environment = $2 AND case_id = $3 RETURNING blob_key",
    )
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(case_id)
    .bind(Vec::<u8>::new())
    .fetch_all(db)
    .await?;
    Ok(keys.into_iter().map(|(key,)| key).collect())
}
