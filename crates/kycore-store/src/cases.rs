//! Cases.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::{ScopedIn, ScopedList};
use crate::{Backend, Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct CaseRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub applicant_id: String,
    pub kind: String,
    pub flow_id: String,
    pub flow_version: i64,
    pub status: String,
    pub revision: i64,
    pub external_id: Option<String>,
    pub link_token_id: String,
    pub link_expires_at: Millis,
    pub link_opened_at: Option<Millis>,
    /// JSON, once decided; what identifies the applicant (the decision's note) is sealed.
    pub decision: Option<String>,
    /// The metadata, redirect URL and decision note (JSON), sealed under the applicant's data
    /// key; `None` once redacted.
    pub sealed: Option<Vec<u8>>,
    /// When the case last reached a final status; retention counts from here.
    pub closed_at: Option<Millis>,
    /// When its personal data was erased.
    pub redacted_at: Option<Millis>,
    /// When the applicant (or the platform) last submitted it for checks.
    pub submitted_at: Option<Millis>,
    /// Under four eyes: who approved first, and when, while a second approval is awaited.
    pub first_approved_by: Option<String>,
    pub first_approved_at: Option<Millis>,
    /// The person working on the case (a principal id), if one took it.
    pub assigned_to: Option<String>,
    pub last_event_seq: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, applicant_id, kind, flow_id, flow_version, status, \
     revision, external_id, link_token_id, link_expires_at, link_opened_at, decision, sealed, \
     closed_at, redacted_at, submitted_at, first_approved_by, first_approved_at, assigned_to, \
     last_event_seq, created_at, updated_at"
    };
}

impl crate::rows::AppendRow for CaseRecord {
    const TABLE: &'static str = "cases";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.applicant_id)
            .bind(&self.kind)
            .bind(&self.flow_id)
            .bind(self.flow_version)
            .bind(&self.status)
            .bind(self.revision)
            .bind(&self.external_id)
            .bind(&self.link_token_id)
            .bind(self.link_expires_at)
            .bind(self.link_opened_at)
            .bind(&self.decision)
            .bind(&self.sealed)
            .bind(self.closed_at)
            .bind(self.redacted_at)
            .bind(self.submitted_at)
            .bind(&self.first_approved_by)
            .bind(self.first_approved_at)
            .bind(&self.assigned_to)
            .bind(self.last_event_seq)
            .bind(self.created_at)
            .bind(self.updated_at)
    }
}

/// Saves the mutable part of a case if its revision is still `expected_revision`; returns
/// false when someone else changed it first.
pub async fn update<'e>(
    db: impl Executor<'e, Database = Any>,
    c: &CaseRecord,
    expected_revision: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE cases SET status = $1, revision = $2, link_token_id = $3, link_expires_at = $4, \
         link_opened_at = $5, decision = $6, sealed = $7, closed_at = $8, redacted_at = $9, \
         submitted_at = $10, last_event_seq = $11, updated_at = $12, first_approved_by = $13, \
         first_approved_at = $14, assigned_to = $15 \
         WHERE id = $16 AND organization_id = $17 AND environment = $18 AND revision = $19",
    )
    .bind(&c.status)
    .bind(c.revision)
    .bind(&c.link_token_id)
    .bind(c.link_expires_at)
    .bind(c.link_opened_at)
    .bind(&c.decision)
    .bind(&c.sealed)
    .bind(c.closed_at)
    .bind(c.redacted_at)
    .bind(c.submitted_at)
    .bind(c.last_event_seq)
    .bind(c.updated_at)
    .bind(&c.first_approved_by)
    .bind(c.first_approved_at)
    .bind(&c.assigned_to)
    .bind(&c.id)
    .bind(&c.organization_id)
    .bind(&c.environment)
    .bind(expected_revision)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<CaseRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM cases WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The scope's cases among `ids` (in no particular order; missing ids are left out).
pub async fn get_many<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    ids: &[&str],
) -> Result<Vec<CaseRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM cases"),
        qualifier: "",
        column: "id",
        order_by: "",
        key: true,
    };
    READ.fetch(db, scope, ids).await
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Any of these statuses; every status when empty.
    pub statuses: Vec<String>,
    pub kind: Option<String>,
    pub flow_id: Option<String>,
    pub external_id: Option<String>,
    /// A search box's words: the case's external id, or an applicant with every one of
    /// these name tokens (the applicants' blind index).
    pub search: Option<CaseSearch>,
    pub applicant_id: Option<String>,
    pub created_from: Option<Millis>,
    pub created_until: Option<Millis>,
    /// Only cases assigned to this principal id.
    pub assigned_to: Option<String>,
    /// Only each applicant's newest case of its kind: the applicant's current one, for APIs
    /// whose item is the applicant rather than each of its cases.
    pub newest_per_applicant: bool,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// What a search box looks for in cases.
#[derive(Clone, Debug, Default)]
pub struct CaseSearch {
    /// Matched whole against the platform's external id.
    pub external_id: String,
    /// Blind-index tokens an applicant must all have; none matches no applicant.
    pub name_tokens: Vec<String>,
}

/// Newest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &CaseFilter,
) -> Result<Vec<CaseRecord>, StoreError> {
    filtered(concat!("SELECT ", columns!(), " FROM cases"), scope, filter)
        .fetch(db, &filter.before_id, filter.limit)
        .await
}

/// Newest first, the `offset`th on (the filter's cursor is not used).
pub async fn list_window<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &CaseFilter,
    offset: i64,
) -> Result<Vec<CaseRecord>, StoreError> {
    filtered(concat!("SELECT ", columns!(), " FROM cases"), scope, filter)
        .fetch_window(db, "id DESC", filter.limit, offset)
        .await
}

/// How many cases the filter selects (its cursor and limit are not used).
pub async fn count<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &CaseFilter,
) -> Result<i64, StoreError> {
    filtered("SELECT COUNT(*) FROM cases", scope, filter)
        .count(db)
        .await
}

fn filtered(select_from: &'static str, scope: &Scope, filter: &CaseFilter) -> ScopedList {
    ScopedList::new(select_from, scope)
        .any_text("status", &filter.statuses)
        .text("kind =", &filter.kind)
        .text("flow_id =", &filter.flow_id)
        .text("external_id =", &filter.external_id)
        .search(filter.search.as_ref())
        .text("applicant_id =", &filter.applicant_id)
        .int("created_at >=", filter.created_from)
        .int("created_at <", filter.created_until)
        .text("assigned_to =", &filter.assigned_to)
        .condition_if(filter.newest_per_applicant, NEWEST_PER_APPLICANT)
}

/// No newer case of the same applicant (and kind): ids sort by creation. Served by the
/// `cases_applicant` index.
const NEWEST_PER_APPLICANT: &str = "NOT EXISTS (SELECT 1 FROM cases AS newer \
     WHERE newer.organization_id = cases.organization_id \
     AND newer.environment = cases.environment \
     AND newer.applicant_id = cases.applicant_id \
     AND newer.kind = cases.kind AND newer.id > cases.id)";

/// A case of the scope, read to be changed: on PostgreSQL its row stays locked until the
/// transaction ends, so concurrent changes of one case queue up instead of both writing
/// what each read (on SQLite the transaction already holds the only write lock).
pub async fn get_for_update<'e>(
    db: impl Executor<'e, Database = Any>,
    backend: Backend,
    scope: &Scope,
    id: &str,
) -> Result<Option<CaseRecord>, StoreError> {
    macro_rules! select_sql {
        ($lock:literal) => {
            concat!(
                "SELECT ",
                columns!(),
                " FROM cases WHERE organization_id = $1 AND environment = $2 AND id = $3",
                $lock
            )
        };
    }
    let sql = match backend {
        Backend::Postgres => select_sql!(" FOR UPDATE"),
        Backend::Sqlite => select_sql!(""),
    };
    Ok(sqlx::query_as(sql)
        .bind(scope.organization_id.as_str())
        .bind(scope.environment.as_str())
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// A case found by id alone: the hosted link knows its case from a verified token, and the
/// token also names the scope, which the caller compares.
pub async fn get_unscoped<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<CaseRecord>, StoreError> {
    Ok(
        sqlx::query_as(concat!("SELECT ", columns!(), " FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// Cases of every tenant due to expire, oldest expiry first: the expiry sweeper's work list.
/// A case nobody started is due when its link expired (by `now`); one the applicant started
/// only when its link expired by `started_before`, so a new link can still resume it.
pub async fn due_for_expiry<'e>(
    db: impl Executor<'e, Database = Any>,
    now: Millis,
    started_before: Millis,
    limit: i64,
) -> Result<Vec<CaseRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM cases WHERE (status = 'created' AND link_expires_at <= $1) \
         OR (status = 'in_progress' AND link_expires_at <= $2) \
         ORDER BY link_expires_at LIMIT $3"
    ))
    .bind(now)
    .bind(started_before)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// An organization's cases (either environment) closed before `closed_before` and not yet
/// redacted, oldest first: the retention sweep's work list.
pub async fn due_for_retention<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    closed_before: Millis,
    limit: i64,
) -> Result<Vec<CaseRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM cases WHERE organization_id = $1 AND redacted_at IS NULL \
         AND closed_at IS NOT NULL AND closed_at < $2 ORDER BY closed_at LIMIT $3"
    ))
    .bind(organization_id)
    .bind(closed_before)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Every case of an applicant, oldest first.
pub async fn of_applicant<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    applicant_id: &str,
) -> Result<Vec<CaseRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM cases WHERE organization_id = $1 AND environment = $2 AND applicant_id = $3 \
         ORDER BY id"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(applicant_id)
    .fetch_all(db)
    .await?)
}
