//! Check results: appended by the case-processing job, read with their case.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::ScopedIn;
use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct CheckRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub case_id: String,
    pub kind: String,
    pub status: String,
    pub score: Option<f64>,
    pub provider: String,
    /// The result, explanation and the provider's raw answer (JSON), sealed under the
    /// applicant's data key; `None` once redacted.
    pub sealed: Option<Vec<u8>>,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, case_id, kind, status, score, provider, sealed, created_at"
    };
}

impl crate::rows::AppendRow for CheckRecord {
    const TABLE: &'static str = "checks";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        let query = query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.case_id)
            .bind(&self.kind)
            .bind(&self.status);
        // sqlx 0.9.0's Any driver declares a missing f64 to PostgreSQL as float4 (and a
        // missing f32 as float8): a statement first prepared with a missing score would then
        // refuse a present one in the same place (a later chunk of the same insert). A
        // missing score goes as a missing f32, which it declares as float8.
        let query = match self.score {
            Some(score) => query.bind(score),
            None => query.bind(None::<f32>),
        };
        query
            .bind(&self.provider)
            .bind(&self.sealed)
            .bind(self.created_at)
    }
}

/// A case's checks in the order they were recorded.
pub async fn for_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<Vec<CheckRecord>, StoreError> {
    for_cases(db, scope, &[case_id]).await
}

/// The checks of several cases, in the order they were recorded.
pub async fn for_cases<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_ids: &[&str],
) -> Result<Vec<CheckRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM checks"),
        qualifier: "",
        column: "case_id",
        order_by: "id",
        key: false,
    };
    READ.fetch(db, scope, case_ids).await
}

/// Erases what a case's checks say about the applicant; their kinds, statuses and scores stay.
pub async fn redact_case<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &str,
) -> Result<(), StoreError> {
    crate::update_case_rows(db, "UPDATE checks SET sealed = NULL", scope, case_id).await
}
