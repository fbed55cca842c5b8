//! Webhooks' tables: endpoints, the fan-out cursor over the events outbox, deliveries (one
//! per event and endpoint, claimed with a lease like jobs) and the attempt log.
//!
//! Fan-out reads the outbox after its cursor, by position, and never scans it whole; the
//! cursor row is locked by the unit that advances it, so two processes never fan out the
//! same events twice (and the unique (endpoint, event) pair makes it harmless if they did).
//!
//! A claim picks due deliveries with at most `per_endpoint` running at once for any one
//! endpoint (counting the ones other claims still hold), so a slow endpoint's backlog never
//! fills the claim and delays the others. On PostgreSQL the picked rows are locked with
//! `SKIP LOCKED` and re-checked by the `UPDATE`, so concurrent claims never share a row.

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Executor, FromRow};

use crate::list::ScopedList;
use crate::{Backend, Millis, StoreError};

#[derive(Clone, Debug, FromRow)]
pub struct EndpointRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub url: String,
    pub description: Option<String>,
    /// JSON array of patterns; `None` for every event.
    pub events: Option<String>,
    /// 1 or 0.
    pub enabled: i64,
    pub format: String,
    pub secrets_sealed: Vec<u8>,
    pub failing_since: Option<Millis>,
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

macro_rules! endpoint_columns {
    () => {
        "id, organization_id, environment, url, description, events, enabled, format, \
         secrets_sealed, failing_since, disabled_reason, created_at, updated_at"
    };
}

pub async fn insert_endpoint<'e>(
    db: impl Executor<'e, Database = Any>,
    e: &EndpointRecord,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO webhook_endpoints (",
        endpoint_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(&e.id)
    .bind(&e.organization_id)
    .bind(&e.environment)
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.events)
    .bind(e.enabled)
    .bind(&e.format)
    .bind(&e.secrets_sealed)
    .bind(e.failing_since)
    .bind(&e.disabled_reason)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Writes every changeable column of an endpoint of the scope; false when it is gone.
/// Writes an endpoint read before, if no one changed it since (`read_updated_at`, its
/// `updated_at` as read); false when it is gone or was changed meanwhile.
pub async fn update_endpoint<'e>(
    db: impl Executor<'e, Database = Any>,
    e: &EndpointRecord,
    read_updated_at: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, enabled = $4, \
         format = $5, secrets_sealed = $6, failing_since = $7, disabled_reason = $8, \
         updated_at = $9 WHERE id = $10 AND organization_id = $11 AND environment = $12 \
         AND updated_at = $13",
    )
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.events)
    .bind(e.enabled)
    .bind(&e.format)
    .bind(&e.secrets_sealed)
    .bind(e.failing_since)
    .bind(&e.disabled_reason)
    .bind(e.updated_at)
    .bind(&e.id)
    .bind(&e.organization_id)
    .bind(&e.environment)
    .bind(read_updated_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_endpoint<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<Option<EndpointRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        endpoint_columns!(),
        " FROM webhook_endpoints WHERE organization_id = $1 AND environment = $2 AND id = $3"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Newest first.
pub async fn list_endpoints<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    before_id: &Option<String>,
    limit: i64,
) -> Result<Vec<EndpointRecord>, StoreError> {
    ScopedList::new(
        concat!("SELECT ", endpoint_columns!(), " FROM webhook_endpoints"),
        scope,
    )
    .fetch(db, before_id, limit)
    .await
}

/// The scope's enabled endpoints, oldest first.
pub async fn enabled_endpoints<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    environment: &str,
) -> Result<Vec<EndpointRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        endpoint_columns!(),
        " FROM webhook_endpoints WHERE organization_id = $1 AND environment = $2 \
         AND enabled = 1 ORDER BY id"
    ))
    .bind(organization_id)
    .bind(environment)
    .fetch_all(db)
    .await?)
}

/// An endpoint by id alone, for the delivery worker (its deliveries carry their scope).
pub async fn endpoint_by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<EndpointRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        endpoint_columns!(),
        " FROM webhook_endpoints WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Deletes an endpoint of the scope with its deliveries and attempts; false when none.
pub async fn delete_endpoint<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM webhook_endpoints WHERE organization_id = $1 AND environment = $2 AND id = $3",
    )
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records an endpoint's failing streak: starts it at `now` unless one runs. Returns when
/// the streak started.
pub async fn mark_failing(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
    now: Millis,
) -> Result<Option<Millis>, StoreError> {
    // Written only when a streak begins: a row written at every failure would be locked by
    // every batch that settles one, in whatever order the batches reach it.
    sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL",
    )
    .bind(now)
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_as::<_, (Option<Millis>,)>(
        "SELECT failing_since FROM webhook_endpoints WHERE id = $1",
    )
    .bind(endpoint_id)
    .fetch_optional(&mut *conn)
    .await?
    .and_then(|(since,)| since))
}

/// Ends an endpoint's failing streak; true when there was one.
pub async fn mark_succeeding(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = NULL \
         WHERE id = $1 AND failing_since IS NOT NULL",
    )
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables an enabled endpoint, saying why; false when it was not enabled.
pub async fn disable(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
    reason: &str,
    now: Millis,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1, updated_at = $2 \
         WHERE id = $3 AND enabled = 1",
    )
    .bind(reason)
    .bind(now)
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the fan-out cursor until the transaction ends and returns its position.
pub async fn lock_fanout(conn: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
    // A no-op UPDATE takes the row lock on both backends (SQLite has one writer anyway).
    let (position,): (i64,) = sqlx::query_as(
        "UPDATE webhook_fanout SET last_position = last_position WHERE id = 1 \
         RETURNING last_position",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(position)
}

/// The fan-out cursor, read without locking: lets an idle worker skip the write.
pub async fn fanout_position<'e>(db: impl Executor<'e, Database = Any>) -> Result<i64, StoreError> {
    let (position,): (i64,) =
        sqlx::query_as("SELECT last_position FROM webhook_fanout WHERE id = 1")
            .fetch_one(db)
            .await?;
    Ok(position)
}

/// Whether any delivery is due and unclaimed at `now`: lets an idle worker skip the claim.
/// Enabled endpoints (`e`) with a due, unclaimed delivery at `$1`. Asked endpoint by
/// endpoint, so a disabled endpoint's backlog is never scanned.
macro_rules! endpoints_with_due_work {
    () => {
        "FROM webhook_endpoints e WHERE e.enabled = 1 AND EXISTS (\
           SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id \
           AND d.status = 'pending' AND d.next_attempt_at <= $1 \
           AND (d.locked_until IS NULL OR d.locked_until < $1))"
    };
}

/// The deliveries of endpoint `$1` leased and not settled at `$2`.
macro_rules! held_count {
    ($endpoint:literal, $now:literal) => {
        concat!(
            "SELECT COUNT(*) FROM webhook_deliveries h WHERE h.endpoint_id = ",
            $endpoint,
            " AND h.status = 'pending' AND h.locked_until IS NOT NULL AND h.locked_until >= ",
            $now
        )
    };
}

pub async fn any_due<'e>(
    db: impl Executor<'e, Database = Any>,
    now: Millis,
) -> Result<bool, StoreError> {
    let found: Option<(i64,)> =
        sqlx::query_as(concat!("SELECT 1 ", endpoints_with_due_work!(), " LIMIT 1"))
            .bind(now)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

pub async fn set_fanout(conn: &mut sqlx::AnyConnection, position: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE webhook_fanout SET last_position = $1 WHERE id = 1")
        .bind(position)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct DeliveryRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_position: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<Millis>,
    pub locked_until: Option<Millis>,
    pub claim_token: Option<String>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
}

macro_rules! delivery_columns {
    () => {
        "id, organization_id, environment, endpoint_id, event_id, event_position, status, \
         attempts, next_attempt_at, locked_until, claim_token, created_at, finished_at"
    };
}

impl crate::rows::AppendRow for DeliveryRecord {
    const TABLE: &'static str = "webhook_deliveries";
    const COLUMNS: &'static str = delivery_columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.endpoint_id)
            .bind(&self.event_id)
            .bind(self.event_position)
            .bind(&self.status)
            .bind(self.attempts)
            .bind(self.next_attempt_at)
            .bind(self.locked_until)
            .bind(&self.claim_token)
            .bind(self.created_at)
            .bind(self.finished_at)
    }
}

/// Adds deliveries; one that exists for its (endpoint, event) already is left as it is.
pub async fn insert_deliveries(
    conn: &mut sqlx::AnyConnection,
    rows: &[DeliveryRecord],
) -> Result<(), StoreError> {
    crate::rows::insert_all_then(
        conn,
        rows,
        " ON CONFLICT (endpoint_id, event_id) DO NOTHING",
    )
    .await
}

/// Makes the delivery of `row.event_id` to `row.endpoint_id` pending and due at once: a new
/// row, or the existing one (keeping its id, the receiver's `webhook-id`) with its attempts
/// counted afresh. A claim still running keeps it: its attempt is the new one, and settles it.
pub async fn requeue(
    conn: &mut sqlx::AnyConnection,
    row: &DeliveryRecord,
) -> Result<(), StoreError> {
    let query = sqlx::query(concat!(
        "INSERT INTO webhook_deliveries (",
        delivery_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'pending', attempts = 0, \
         next_attempt_at = excluded.next_attempt_at, finished_at = NULL, \
         locked_until = CASE WHEN webhook_deliveries.locked_until >= excluded.next_attempt_at \
           THEN webhook_deliveries.locked_until END, \
         claim_token = CASE WHEN webhook_deliveries.locked_until >= excluded.next_attempt_at \
           THEN webhook_deliveries.claim_token END"
    ));
    crate::rows::AppendRow::bind(row, query)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A claim of deliveries: who holds them and until when.
#[derive(Clone, Debug)]
pub struct DeliveryClaim<'a> {
    pub token: &'a str,
    pub now: Millis,
    pub lease_until: Millis,
    /// The most deliveries of one endpoint held at once, by every claim together.
    pub per_endpoint: i64,
    /// The same for an endpoint whose attempts are failing: a dead receiver holds few slots.
    pub per_failing_endpoint: i64,
    pub limit: i64,
}

/// Leases up to `claim.limit` due deliveries of enabled endpoints to `claim.token`, at most
/// `per_endpoint` held per endpoint (`per_failing_endpoint` while its attempts fail); counts
/// the attempt. Endpoints holding the fewest deliveries are served first (then the one
/// waiting longest), so a backlogged or slow endpoint never keeps slots from the others;
/// each endpoint's deliveries go oldest due first, then in commit order. A disabled
/// endpoint's deliveries wait until it is enabled again.
///
/// The work is per endpoint and bounded by what is claimed: the due deliveries behind an
/// endpoint's held ones, or a disabled endpoint's backlog, are never scanned. On PostgreSQL
/// each endpoint's row is locked (`SKIP LOCKED`) while it is claimed from, so claims of
/// several servers respect the per-endpoint limit together.
pub async fn claim(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    claim: &DeliveryClaim<'_>,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    let ready: Vec<(String, Option<Millis>, i64)> = sqlx::query_as(concat!(
        "SELECT e.id, e.failing_since, (",
        held_count!("e.id", "$1"),
        ") AS held ",
        endpoints_with_due_work!(),
        " ORDER BY held, (SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d \
           WHERE d.endpoint_id = e.id AND d.status = 'pending'), e.id"
    ))
    .bind(claim.now)
    .fetch_all(&mut *conn)
    .await?;
    let mut claimed: Vec<DeliveryRecord> = Vec::new();
    for (endpoint_id, failing_since, held_when_listed) in ready {
        let left = claim.limit - i64::try_from(claimed.len()).unwrap_or(i64::MAX);
        if left <= 0 {
            break;
        }
        // SQLite has one writer, so the count listed stands; on PostgreSQL another server may
        // have claimed since, so it is counted again once the endpoint is locked.
        let held = match backend {
            Backend::Sqlite => held_when_listed,
            Backend::Postgres => {
                if !lock_endpoint(conn, &endpoint_id).await? {
                    continue; // another server is claiming from it
                }
                held(conn, &endpoint_id, claim.now).await?
            }
        };
        let most = match failing_since {
            Some(_) => claim.per_failing_endpoint.min(claim.per_endpoint),
            None => claim.per_endpoint,
        };
        let room = (most - held).min(left);
        if room > 0 {
            claimed.extend(claim_from(conn, backend, claim, &endpoint_id, room).await?);
        }
    }
    // RETURNING follows no ORDER BY: put the claim back in due order, then commit order.
    claimed.sort_by_key(|d| (d.next_attempt_at, d.event_position));
    Ok(claimed)
}

/// Locks an endpoint's row until the transaction ends; false when another claim holds it.
/// `NO KEY UPDATE` leaves the row to the key-share locks that inserting its deliveries and
/// attempts takes.
async fn lock_endpoint(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
) -> Result<bool, StoreError> {
    let locked: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
    )
    .bind(endpoint_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(locked.is_some())
}

/// How many of an endpoint's deliveries are leased and not settled at `now`.
async fn held(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    let (count,): (i64,) = sqlx::query_as(held_count!("$1", "$2"))
        .bind(endpoint_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    Ok(count)
}

/// Leases up to `room` of one endpoint's due deliveries.
async fn claim_from(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    claim: &DeliveryClaim<'_>,
    endpoint_id: &str,
    room: i64,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    // The pick is materialized: inlined into the UPDATE, PostgreSQL may run a LIMIT
    // subquery once per row it scans and so take more than `room`.
    macro_rules! claim_sql {
        ($lock:literal) => {
            concat!(
                "WITH picked AS MATERIALIZED (SELECT id FROM webhook_deliveries \
                   WHERE endpoint_id = $4 AND status = 'pending' AND next_attempt_at <= $3 \
                   AND (locked_until IS NULL OR locked_until < $3) \
                   ORDER BY next_attempt_at, event_position LIMIT $5 ",
                $lock,
                ") UPDATE webhook_deliveries SET locked_until = $1, claim_token = $2, \
                 attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM picked) AND status = 'pending' \
                 AND (locked_until IS NULL OR locked_until < $3) RETURNING ",
                delivery_columns!()
            )
        };
    }
    let sql = match backend {
        Backend::Postgres => claim_sql!("FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim_sql!(""),
    };
    Ok(sqlx::query_as(sql)
        .bind(claim.lease_until)
        .bind(claim.token)
        .bind(claim.now)
        .bind(endpoint_id)
        .bind(room)
        .fetch_all(&mut *conn)
        .await?)
}

/// How an attempt ended, for [`settle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    Delivered,
    RetryAt(Millis),
    Failed,
}

/// Records the outcome of an attempt the claim holds; false when it no longer holds it.
pub async fn settle(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    token: &str,
    outcome: Settlement,
    now: Millis,
) -> Result<bool, StoreError> {
    let (status, next_attempt_at, finished_at) = match outcome {
        Settlement::Delivered => ("delivered", None, Some(now)),
        Settlement::RetryAt(at) => ("pending", Some(at), None),
        Settlement::Failed => ("failed", None, Some(now)),
    };
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, finished_at = $3, \
         locked_until = NULL, claim_token = NULL WHERE id = $4 AND claim_token = $5",
    )
    .bind(status)
    .bind(next_attempt_at)
    .bind(finished_at)
    .bind(id)
    .bind(token)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes an endpoint's waiting retries due now; returns how many.
pub async fn release_endpoint(
    conn: &mut sqlx::AnyConnection,
    endpoint_id: &str,
    now: Millis,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 \
         WHERE endpoint_id = $2 AND status = 'pending' AND next_attempt_at > $1",
    )
    .bind(now)
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Pending deliveries per endpoint, for the backlog metric.
pub async fn backlog<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT endpoint_id, COUNT(*) FROM webhook_deliveries WHERE status = 'pending' \
         GROUP BY endpoint_id ORDER BY endpoint_id",
    )
    .fetch_all(db)
    .await?)
}

#[derive(Clone, Debug, FromRow)]
pub struct AttemptRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    pub endpoint_id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub url: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub response_body: Option<String>,
    pub attempted_at: Millis,
}

macro_rules! attempt_columns {
    () => {
        "id, organization_id, environment, endpoint_id, delivery_id, event_id, url, \
         status_code, error, duration_ms, response_body, attempted_at"
    };
}

impl crate::rows::AppendRow for AttemptRecord {
    const TABLE: &'static str = "webhook_attempts";
    const COLUMNS: &'static str = attempt_columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.endpoint_id)
            .bind(&self.delivery_id)
            .bind(&self.event_id)
            .bind(&self.url)
            .bind(self.status_code)
            .bind(&self.error)
            .bind(self.duration_ms)
            .bind(&self.response_body)
            .bind(self.attempted_at)
    }
}

/// Logs attempts, in a few multi-row statements.
pub async fn insert_attempts(
    conn: &mut sqlx::AnyConnection,
    attempts: &[AttemptRecord],
) -> Result<(), StoreError> {
    crate::rows::insert_all(conn, attempts).await
}

/// How a delivery ended for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Final {
    Delivered,
    Failed,
}

/// Settles the deliveries of `ids` that `token` still holds as `outcome`, in one statement
/// per 64 (a retry has a time of its own: [`settle`]); returns the ids it settled.
pub async fn settle_held(
    conn: &mut sqlx::AnyConnection,
    token: &str,
    ids: &[&str],
    outcome: Final,
    now: Millis,
) -> Result<Vec<String>, StoreError> {
    let status = match outcome {
        Final::Delivered => "delivered",
        Final::Failed => "failed",
    };
    let mut settled = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(SETTLE_CHUNK) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "UPDATE webhook_deliveries SET status = $1, next_attempt_at = NULL, finished_at = $2, \
             locked_until = NULL, claim_token = NULL WHERE claim_token = $3 AND id IN ({}) \
             RETURNING id",
            placeholders.join(", ")
        );
        // Built only from numbered placeholders; every value is bound.
        let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql))
            .bind(status)
            .bind(now)
            .bind(token);
        for id in chunk {
            query = query.bind(*id);
        }
        settled.extend(
            query
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|(id,)| id),
        );
    }
    Ok(settled)
}

/// Ids per [`settle_held`] statement: a claim takes at most this many of one endpoint.
const SETTLE_CHUNK: usize = 64;

/// An endpoint's attempts, newest first.
pub async fn list_attempts<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    endpoint_id: &str,
    before_id: &Option<String>,
    limit: i64,
) -> Result<Vec<AttemptRecord>, StoreError> {
    ScopedList::new(
        concat!("SELECT ", attempt_columns!(), " FROM webhook_attempts"),
        scope,
    )
    .text("endpoint_id =", &Some(endpoint_id.to_owned()))
    .fetch(db, before_id, limit)
    .await
}
