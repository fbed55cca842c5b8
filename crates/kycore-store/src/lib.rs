//! kycore's storage: one interface over SQLite (embedded default) and PostgreSQL (scale).
//!
//! The interface is a set of table modules whose functions take any sqlx executor, so the
//! same SQL serves reads on the pool and reads inside a write. All writes go through
//! [`Store::write`]: a unit of work that runs inside a group-committed transaction, so a 2xx
//! answered after `write` returns is on disk, yet concurrent requests share one fsync.
//!
//! Both backends speak the same SQL (`$n` placeholders, `ON CONFLICT`, `RETURNING`); the
//! only backend-specific statement is the job claim, which uses `SKIP LOCKED` on PostgreSQL.

#![forbid(unsafe_code)]

pub mod api_keys;
pub mod applicants;
pub mod audit;
pub mod branding;
pub mod case_progress;
pub mod cases;
pub mod checks;
pub mod console_users;
pub mod data_keys;
pub mod deployment;
pub mod documents;
pub mod events;
pub mod flows;
pub mod held_files;
pub mod idempotency;
pub mod jobs;
mod list;
pub mod monitoring;
pub mod organizations;
pub mod portal_handoffs;
pub mod related_person_cases;
mod rows;
pub mod screening_hits;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod watchlist_sources;
pub mod watchlists;
pub mod webhooks;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

pub use sqlx::{Any, AnyConnection, AnyPool, Executor};
use writer::Writer;
pub use writer::{Tx, WriterStatus};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Every SQLite connection is set up the same way: WAL so readers never block the writer,
/// `synchronous=FULL` so a committed transaction survives power loss, foreign keys enforced.
/// Temporary storage stays in memory: each unit of a group commit runs in a savepoint, whose
/// undo journal would otherwise be written to a temporary file page by page (it is only
/// needed until the savepoint is released, never after a crash).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;";

/// Runs `update` (an `UPDATE … SET …` without its condition) on the rows of one case in one
/// tenant: how redaction clears a case's sealed columns table by table.
async fn update_case_rows<'e>(
    db: impl Executor<'e, Database = Any>,
    update: &'static str,
    scope: &kycore_domain::tenancy::Scope,
    case_id: &str,
) -> Result<(), StoreError> {
    let sql = format!("{update} WHERE organization_id = $1 AND environment = $2 AND case_id = $3");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(scope.organization_id.as_str())
        .bind(scope.environment.as_str())
        .bind(case_id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}` (expected sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the transaction could not be committed: {0}")]
    Commit(String),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("the unit of work panicked and was rolled back")]
    UnitPanicked,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (the caller usually maps it to 409).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => {
                    format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

struct Inner {
    backend: Backend,
    pool: AnyPool,
    writer: Writer,
    audit_chain: writer::SharedChain,
    events_committed: writer::EventsCommitted,
}

impl Store {
    /// Connects, applies pending migrations and starts the writer(s).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();

        migrate(&options, backend).await?;

        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;

        // SQLite allows one writer at a time, so one connection batches every write; on
        // PostgreSQL a few writers overlap their commits.
        let writer_count = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 4,
        };
        let audit_chain = writer::SharedChain::default();
        let events_committed = Arc::new(tokio::sync::watch::Sender::new(0));
        let writer = Writer::start(
            options,
            backend,
            writer_count,
            Arc::clone(&audit_chain),
            Arc::clone(&events_committed),
        );
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                pool,
                writer,
                audit_chain,
                events_committed,
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The pool for reads. Reads never block the writer (WAL on SQLite, MVCC on PostgreSQL).
    pub fn reader(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Answers whether the database serves a trivial query: the readiness probe.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.inner.pool).await?;
        Ok(())
    }

    /// Gives the writers the audit chain's hasher: from the next batch on, audit entries are
    /// chained as they commit. Set once; a second call changes nothing and returns false.
    pub fn set_audit_chain(&self, chain: Arc<dyn audit::AuditChain>) -> bool {
        self.inner.audit_chain.set(chain).is_ok()
    }

    /// Changes each time this process commits new events, so a reader of the outbox (the
    /// webhook worker) wakes at the commit instead of at its next poll. Other processes'
    /// commits are not seen here.
    pub fn watch_events(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.events_committed.subscribe()
    }

    /// How the writers are doing: how many hold a connection, how often one was replaced.
    pub fn writer_status(&self) -> WriterStatus {
        self.inner.writer.health().status()
    }

    /// Runs `unit` inside a transaction shared with other concurrent units and returns once
    /// that transaction is durably committed. If `unit` fails — returns an error, appends a
    /// row that breaks a constraint, or panics — only its own changes are rolled back (it runs
    /// inside a savepoint) and only its caller gets the error ([`StoreError::UnitPanicked`]
    /// for a panic).
    pub async fn write<T, E, F>(&self, unit: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut Tx) -> futures_util::future::BoxFuture<'c, Result<T, E>>
            + Send
            + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.inner.writer.submit(unit).await
    }
}

/// Applies pending migrations. PostgreSQL serializes migrators with an advisory lock; SQLite
/// has none, so a process that raced another one through the same migration (and lost, its
/// transaction rolled back), or found the database locked by it while connecting (switching
/// to WAL needs the lock), tries again and finds it applied.
async fn migrate(options: &AnyConnectOptions, backend: Backend) -> Result<(), StoreError> {
    let mut attempts = 0;
    loop {
        let migrated = async {
            let mut setup = connect(options, backend).await?;
            match backend {
                Backend::Sqlite => SQLITE_MIGRATIONS.run(&mut setup).await,
                Backend::Postgres => POSTGRES_MIGRATIONS.run(&mut setup).await,
            }
            .map_err(StoreError::from)
        }
        .await;
        match migrated {
            Err(e) if backend == Backend::Sqlite && attempts < 3 => {
                attempts += 1;
                tracing::warn!(error = %e, "migrating the database failed; trying again");
                tokio::time::sleep(Duration::from_millis(200 * attempts)).await;
            }
            other => return other,
        }
    }
}

pub(crate) async fn connect(
    options: &AnyConnectOptions,
    backend: Backend,
) -> Result<AnyConnection, StoreError> {
    let mut conn = options.connect().await?;
    if backend == Backend::Sqlite {
        conn.execute(SQLITE_PRAGMAS).await?;
    }
    Ok(conn)
}

/// Milliseconds since the Unix epoch: the one time representation in storage.
pub type Millis = i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_hide_passwords() {
        assert_eq!(
            Backend::from_url("sqlite://x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u:secret@h/db").is_err());
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
