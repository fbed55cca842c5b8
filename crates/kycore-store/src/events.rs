//! Events: the transactional outbox. Appended through [`crate::Tx::append_event`] and
//! written with the change they describe, in the same transaction; never changed after their
//! commit.
//!
//! Each event has a `position` in the deployment's commit order, given by the writer just
//! before the commit that makes it visible ([`number_new`]): positions only grow in the
//! order readers can see them, so "every event after position N" is a complete feed.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::{ScopedIn, ScopedList};
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
    /// Position in the deployment's commit order; `None` only inside the unit that
    /// appended it, before its commit.
    pub position: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, event_type, case_id, applicant_id, sequence, payload, created_at, position"
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
            .bind(self.position)
    }
}

/// Numbers the `count` events of this transaction that have no position yet, after every
/// position given before, in id order (ids grow as events are appended); returns how many
/// it numbered. The counter row stays locked until the transaction ends, so concurrent
/// transactions take their positions in commit order.
pub(crate) async fn number_new(
    conn: &mut sqlx::AnyConnection,
    count: i64,
) -> Result<i64, sqlx::Error> {
    let (last,): (i64,) = sqlx::query_as(
        "UPDATE event_positions SET last_position = last_position + $1 WHERE id = 1 \
         RETURNING last_position",
    )
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE events SET position = $1 + numbered.n FROM \
         (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM events WHERE position IS NULL) \
         AS numbered WHERE events.id = numbered.id",
    )
    .bind(last - count)
    .execute(&mut *conn)
    .await?;
    Ok(i64::try_from(done.rows_affected()).unwrap_or(i64::MAX))
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

/// The scope's events among `ids` (in no particular order; missing ids are left out).
pub async fn get_many<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    ids: &[&str],
) -> Result<Vec<EventRecord>, StoreError> {
    const READ: ScopedIn = ScopedIn {
        select_from: concat!("SELECT ", columns!(), " FROM events"),
        qualifier: "",
        column: "id",
        order_by: "",
        key: true,
    };
    READ.fetch(db, scope, ids).await
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

/// The scope's events after `position`, in commit order (oldest first), at most `limit`.
pub async fn after<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    filter: &EventFilter,
    position: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    ScopedList::new(concat!("SELECT ", columns!(), " FROM events"), scope)
        .text("case_id =", &filter.case_id)
        .text("event_type =", &filter.event_type)
        .int("position >", Some(position))
        .fetch_ordered(db, "position", filter.limit)
        .await
}

/// Every scope's events after `position`, in commit order, at most `limit`: the webhook
/// fan-out's read of the outbox.
pub async fn after_all<'e>(
    db: impl Executor<'e, Database = Any>,
    position: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE position > $1 ORDER BY position LIMIT $2"
    ))
    .bind(position)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The scope's events created at or after `since`, after `position`, in commit order, at
/// most `limit` (a replay reads them page by page).
pub async fn since<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    since: crate::Millis,
    position: i64,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    ScopedList::new(concat!("SELECT ", columns!(), " FROM events"), scope)
        .int("position >", Some(position))
        .int("created_at >=", Some(since))
        .fetch_ordered(db, "position", limit)
        .await
}
