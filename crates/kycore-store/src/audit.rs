//! The audit log: who did what to which object, append-only. Entries are appended through
//! [`crate::Tx::append_audit`] in the transaction of the action they record.
//!
//! Each organization's entries form a hash chain in commit order: the writer gives a batch's
//! new entries their `seq`, `prev_hash` and `hash` just before the commit
//! ([`link_batch`]), holding the organization's row of `audit_chain_heads` locked until
//! then, so concurrent transactions — other writers, other servers — extend a chain one
//! after another and never fork it. How an entry is hashed is not the store's business: the
//! services hand the store an [`AuditChain`] once they hold the key.

use std::collections::BTreeMap;

use kycore_domain::tenancy::Scope;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use crate::list::ScopedList;
use crate::{Backend, Millis, StoreError};

/// What the first entry of a chain names as its previous hash.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

#[derive(Clone, Debug, FromRow)]
pub struct AuditRecord {
    pub id: String,
    pub organization_id: String,
    pub environment: String,
    /// `api_key`, `applicant`, `system` or `operator`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// JSON object; never personal data.
    pub detail: String,
    pub created_at: Millis,
    /// The case the entry belongs to, when it is about one (or one of its documents, hits…).
    pub case_id: Option<String>,
    /// Place in the organization's chain, from 1; `None` until the commit that chains it.
    pub seq: Option<i64>,
    /// The previous entry's `hash` ([`GENESIS_HASH`] for the first).
    pub prev_hash: Option<Vec<u8>>,
    /// The keyed hash of every field above and `prev_hash`.
    pub hash: Option<Vec<u8>>,
}

/// Hashes an entry whose `seq` and `prev_hash` are set: the services' keyed hash, given to
/// the store so its writer can chain entries in commit order without knowing the key.
pub trait AuditChain: Send + Sync {
    fn hash(&self, entry: &AuditRecord) -> Vec<u8>;
}

macro_rules! columns {
    () => {
        "id, organization_id, environment, actor_type, actor_id, action, target_type, target_id, detail, created_at, case_id, seq, prev_hash, hash"
    };
}

impl crate::rows::AppendRow for AuditRecord {
    const TABLE: &'static str = "audit_log";
    const COLUMNS: &'static str = columns!();

    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(&self.id)
            .bind(&self.organization_id)
            .bind(&self.environment)
            .bind(&self.actor_type)
            .bind(&self.actor_id)
            .bind(&self.action)
            .bind(&self.target_type)
            .bind(&self.target_id)
            .bind(&self.detail)
            .bind(self.created_at)
            .bind(&self.case_id)
            .bind(self.seq)
            .bind(&self.prev_hash)
            .bind(&self.hash)
    }
}

/// Every entry about one object, oldest first.
pub async fn for_target<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    target_id: &str,
) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM audit_log WHERE organization_id = $1 AND environment = $2 AND target_id = $3 \
         ORDER BY id"
    ))
    .bind(scope.organization_id.as_str())
    .bind(scope.environment.as_str())
    .bind(target_id)
    .fetch_all(db)
    .await?)
}

/// The scope's chained entries after `after_seq` in chain order, at most `limit`; only one
/// case's when `case_id` is given.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Any>,
    scope: &Scope,
    case_id: &Option<String>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    ScopedList::new(concat!("SELECT ", columns!(), " FROM audit_log"), scope)
        .text("case_id =", case_id)
        .int("seq >", Some(after_seq))
        .fetch_ordered(db, "seq", limit)
        .await
}

/// One page of an organization's chain after `after_seq`, in chain order, every
/// environment: what verification walks.
pub async fn chain_page<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM audit_log WHERE organization_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    ))
    .bind(organization_id)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// An organization's chain head: its newest entry's seq and hash, if it has a chain.
pub async fn head<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM audit_chain_heads WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_optional(db)
            .await?,
    )
}

/// Organizations with a chain head, whether or not the organization row still exists.
pub async fn chained_organizations<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT organization_id FROM audit_chain_heads ORDER BY organization_id")
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The ids of an organization's unchained entries, oldest first, at most `limit`.
pub async fn unchained_ids<'e>(
    db: impl Executor<'e, Database = Any>,
    organization_id: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM audit_log WHERE organization_id = $1 AND seq IS NULL \
         ORDER BY created_at, id LIMIT $2",
    )
    .bind(organization_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Organizations with unchained entries and no chain yet: the ones a start may chain.
pub async fn unchained_organizations<'e>(
    db: impl Executor<'e, Database = Any>,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT organization_id FROM audit_log WHERE seq IS NULL AND NOT EXISTS \
         (SELECT 1 FROM audit_chain_heads h WHERE h.organization_id = audit_log.organization_id) \
         ORDER BY organization_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Up to `limit` of an organization's unchained entries, oldest first, locked for this
/// transaction on PostgreSQL; entries another server is chaining right now are skipped.
pub(crate) async fn claim_unchained(
    conn: &mut AnyConnection,
    backend: Backend,
    organization_id: &str,
    limit: i64,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let sql = match backend {
        // One writer at a time: nobody else can be chaining them.
        Backend::Sqlite => concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE organization_id = $1 AND seq IS NULL \
             ORDER BY created_at, id LIMIT $2"
        ),
        Backend::Postgres => concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE organization_id = $1 AND seq IS NULL \
             ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
        ),
    };
    sqlx::query_as(sql)
        .bind(organization_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Rows per `UPDATE … FROM (VALUES …)` statement when chaining (4 values each): a few fixed
/// sizes, so only a handful of distinct statements reach the prepared-statement cache.
const LINK_CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// Chains `entries` (a batch's, in the order they were appended) onto their organizations'
/// chains, right before the batch commits. Organizations are locked in id order, after the
/// event counter (see the writer), so two batches always take their locks in the same order
/// and cannot deadlock; each head stays locked until the commit, so chains grow in commit
/// order. Per organization: one statement to lock and read the head, one per chunk of
/// entries (usually one), one to move the head.
pub(crate) async fn link_batch(
    conn: &mut AnyConnection,
    chain: &dyn AuditChain,
    entries: Vec<AuditRecord>,
) -> Result<(), sqlx::Error> {
    let mut by_organization: BTreeMap<String, Vec<AuditRecord>> = BTreeMap::new();
    for entry in entries {
        by_organization
            .entry(entry.organization_id.clone())
            .or_default()
            .push(entry);
    }
    for (organization_id, mut entries) in by_organization {
        // Taking the row lock and reading the head in one statement; a new organization's
        // head row is created here, and a second transaction inserting it waits for ours.
        let (mut seq, mut hash): (i64, Vec<u8>) = sqlx::query_as(
            "INSERT INTO audit_chain_heads (organization_id, seq, hash) VALUES ($1, 0, $2) \
             ON CONFLICT (organization_id) DO UPDATE SET seq = audit_chain_heads.seq \
             RETURNING seq, hash",
        )
        .bind(&organization_id)
        .bind(GENESIS_HASH.to_vec())
        .fetch_one(&mut *conn)
        .await?;
        for entry in &mut entries {
            seq += 1;
            entry.seq = Some(seq);
            entry.prev_hash = Some(hash);
            hash = chain.hash(entry);
            entry.hash = Some(hash.clone());
        }
        let mut rest = entries.as_slice();
        for size in LINK_CHUNKS {
            while rest.len() >= size {
                let (chunk, after) = rest.split_at(size);
                let linked = set_links(conn, chunk).await?;
                if linked != size as u64 {
                    return Err(sqlx::Error::Protocol(format!(
                        "chained {linked} of {size} audit entries: another transaction chained them"
                    )));
                }
                rest = after;
            }
        }
        sqlx::query("UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE organization_id = $1")
            .bind(&organization_id)
            .bind(seq)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Writes the chain columns of `entries` (still unchained) in one statement.
async fn set_links(conn: &mut AnyConnection, entries: &[AuditRecord]) -> Result<u64, sqlx::Error> {
    // VALUES columns are named column1, column2… by both databases.
    let tuples: Vec<String> = (0..entries.len())
        .map(|i| {
            let n = i * 4;
            format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)
        })
        .collect();
    let sql = format!(
        "UPDATE audit_log SET seq = v.column2, prev_hash = v.column3, hash = v.column4 \
         FROM (VALUES {}) AS v WHERE audit_log.id = v.column1 AND audit_log.seq IS NULL",
        tuples.join(", ")
    );
    // Built only from numbered placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for entry in entries {
        query = query
            .bind(&entry.id)
            .bind(entry.seq)
            .bind(&entry.prev_hash)
            .bind(&entry.hash);
    }
    Ok(query.execute(conn).await?.rows_affected())
}
