//! Applicants. The profile is stored sealed; only keyed hashes support equality lookups.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::{ScopedIn, ScopedList};
use crate::{Backend, Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct ApplicantRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub applicant_type: String,
    pub external_id: Option<String>,
    pub profile_sealed: Vec<u8>,
    pub id_number_hash: Option<Vec<u8>>,
    pub name_dob_hash: Option<Vec<u8>>,
    pub email_hash: Option<Vec<u8>>,
    /// The blind index of name and e-mail words: keyed hashes between spaces (" h1 h2 ").
    pub name_tokens: Option<String>,
    pub revision: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// When its personal data was erased.
    pub redacted_at: Option<Millis>,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, applicant_type, external_id, profile_sealed, \
     id_number_hash, name_dob_hash, email_hash, name_tokens, revision, created_at, updated_at, \
     redacted_at"
    };
}

impl crate::rows::AppendRow for ApplicantRecord {
    const TABLE: &'static str = "applicants";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.applicant_type)
            .bind(&self.external_id)
            .bind(&self.profile_sealed)
            .bind(&self.id_number_hash)
            .bind(&self.name_dob_hash)
            .bind(&self.email_hash)
            .bind(&self.name_tokens)
            .bind(self.revision)
            .bind(self.created_at)
            .bind(self.updated_at)
            .bind(self.redacted_at)
    }
}

/// Writes a new version of the applicant if nobody else changed it since `expected_revision`;
/// returns false when the revision moved (the caller reports a conflict).
pub async fn update<'e>(
    db: impl Executor<'e, Database = Any>,
    a: &ApplicantRecord,
    expected_revision: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE applicants SET external_id = $1, profile_sealed = $2, id_number_hash = $3, \
         name_dob_hash = $4, email_hash = $5, name_tokens = $6, revision = $7, updated_at = $8 \
         WHERE id = $9 AND organization_id = $10 AND environment = $11 AND revision = $12",
    )
    .bind(&a.external_id)
    .bind(&a.profile_sealed)
    .bind(&a.id_number_hash)
    .bind(&a.name_dob_hash)
    .bind(&a.email_hash)
    .bind(&a.name_tokens)
    .bind(a.revision)
    .bind(a.updated_at)
    .bind(&a.id)
    .bind(&a.organization_id)
    .bind(&a.environment)
    .bind(expected_revision)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<ApplicantRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM applicants WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The scope's applicants among `ids` (in no particular order; missing ids are left out).
pub async fn get_many<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    ids: &[String],
) -> Result<Vec<ApplicantRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM applicants"),
        qualifier: "",
        column: "id",
        order_by: "",
        key: true,
    };
    READ.fetch(db, scope, ids).await
}

#[derive(Clone, Debug, Default)]
pub struct ApplicantFilter {
    pub external_id: Option<String>,
    pub applicant_type: Option<String>,
    /// Only ids sorting before this one (the page cursor).
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &ApplicantFilter,
) -> Result<Vec<ApplicantRecord>, StoreError> {
    filtered(
        concat!("SELECT ", columns!(), " FROM applicants"),
        scope,
        filter,
    )
    .fetch(db, &filter.before_id, filter.limit)
    .await
}

/// Newest first, the `offset`th on (the filter's cursor is not used).
pub async fn list_window<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &ApplicantFilter,
    offset: i64,
) -> Result<Vec<ApplicantRecord>, StoreError> {
    filtered(
        concat!("SELECT ", columns!(), " FROM applicants"),
        scope,
        filter,
    )
    .fetch_window(db, "id DESC", filter.limit, offset)
    .await
}

/// How many applicants the filter selects (its cursor and limit are not used).
pub async fn count<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &ApplicantFilter,
) -> Result<i64, StoreError> {
    filtered("SELECT COUNT(*) FROM applicants", scope, filter)
        .count(db)
        .await
}

fn filtered(select_from: &'static str, scope: &Scope, filter: &ApplicantFilter) -> ScopedList {
    ScopedList::new(select_from, scope)
        .text("external_id =", &filter.external_id)
        .text("applicant_type =", &filter.applicant_type)
}

/// Locks an applicant of the scope until the transaction ends (on PostgreSQL; SQLite's
/// transaction already holds the only write lock), so units that decide from the applicant's
/// cases whether to add one take turns. Whether it exists.
pub async fn lock<'e>(
    db: impl Executor<'e, Database = Any>,
    backend: Backend,
    scope: &Scope,
    id: &str,
) -> Result<bool, StoreError> {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT id FROM applicants WHERE organization_id = $1 AND environment = $2 AND id = $3 FOR UPDATE"
        }
        Backend::Sqlite => {
            "SELECT id FROM applicants WHERE organization_id = $1 AND environment = $2 AND id = $3"
        }
    };
    let found: Option<String> = sqlx::query_scalar(sql)
        .bind(scope.organization_id.as_str())
        .bind(scope.environment.as_str())
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// Other applicants of the scope with the same id number or the same name and date of birth
/// (by their keyed hashes), oldest first.
pub async fn similar<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    applicant_id: &str,
    id_number_hash: Option<&[u8]>,
    name_dob_hash: Option<&[u8]>,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    if id_number_hash.is_none() && name_dob_hash.is_none() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM applicants WHERE organization_id = $1 AND environment = $2 AND id <> $3 \
         AND (id_number_hash = $4 OR name_dob_hash = $5) ORDER BY id LIMIT $6",
    )
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(applicant_id)
    .bind(id_number_hash)
    .bind(name_dob_hash)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Erases an applicant's personal data: the sealed profile (left empty) and the lookup
/// hashes; its id, type and reference stay. Returns whether the applicant exists.
pub async fn redact<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE applicants SET profile_sealed = $1, id_number_hash = NULL, name_dob_hash = NULL, \
         email_hash = NULL, name_tokens = NULL, revision = revision + 1, updated_at = $2, redacted_at = $2 \
         WHERE organization_id = $3 AND environment = $4 AND id = $5",
    )
    .bind(Vec::<u8>::new())
    .bind(now)
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Applicants of every organization not yet in the name index (written before it existed),
/// not erased, after `after_id` in id order, at most `limit`.
pub async fn unindexed<'e>(
    db: impl Executor<'e, Database = Any>,
    after_id: &str,
    limit: i64,
) -> Result<Vec<ApplicantRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM applicants WHERE name_tokens IS NULL AND redacted_at IS NULL AND id > $1 \
         ORDER BY id LIMIT $2"
    ))
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Sets an applicant's name index, unless it was erased or indexed meanwhile.
pub async fn set_name_tokens<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    tokens: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE applicants SET name_tokens = $1 \
         WHERE id = $2 AND name_tokens IS NULL AND redacted_at IS NULL",
    )
    .bind(tokens)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
