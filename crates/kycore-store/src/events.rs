//! Events: the transactional outbox. Appended through [`crate::Tx::append_event`] and
//! written with the change they describe, in the same transaction; never updated.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::ScopedList;
use crate::{Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct EventRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub event_type: String,
    pub case_id: Option<String>,
    pub applicant_id: Option<String>,
    /// Position among the case's events (1, 2, …); none for events outside a case.
    pub sequence: Option<i64>,
    /// JSON object.
    pub payload: String,
    pub created_at: Millis,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, event_type, case_id, applicant_id, sequence, payload, created_at"
    };
}

impl crate::rows::AppendRow for EventRecord {
    const TABLE: &'static str = "events";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.event_type)
            .bind(&self.case_id)
            .bind(&self.applicant_id)
            .bind(self.sequence)
            .bind(&self.payload)
            .bind(self.created_at)
    }
}

pub async fn get<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<EventRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub case_id: Option<String>,
    pub event_type: Option<String>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &EventFilter,
) -> Result<Vec<EventRecord>, StoreError> {
    ScopedList::new(concat!("SELECT ", columns!(), " FROM events"), scope)
        .text("case_id =", &filter.case_id)
        .text("event_type =", &filter.event_type)
        .fetch(db, &filter.before_id, filter.limit)
        .await
}
