//! Group commit: writer tasks take every unit of work waiting in the queue, run each inside
//! its own savepoint of one transaction, commit once, and only then answer each caller.
//!
//! One fsync costs about 3 ms here, so committing each request on its own caps a durable
//! SQLite at ~300 writes/s; sharing the commit among the requests that arrived meanwhile
//! keeps every write durable while the fsync cost is spread over the batch.
//!
//! A unit fails alone: everything it wrote, the rows it appended included, goes to the
//! database inside its savepoint, so a unit that errs, breaks a constraint or panics is
//! rolled back by itself and only its caller hears of it. Each writer is supervised: a
//! writer task that dies (a panic outside any unit, a lost connection) is replaced by a new
//! one on a new connection, and the restart is logged and counted ([`WriterHealth`]).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Executor};
use tokio::sync::{mpsc, oneshot, watch};

use crate::applicants::ApplicantRecord;
use crate::audit::{self, AuditChain, AuditRecord};
use crate::cases::CaseRecord;
use crate::checks::CheckRecord;
use crate::data_keys::DataKeyRecord;
use crate::events::{self, EventRecord};
use crate::rows::{Script, bind_rows, insert_all};
use crate::{Backend, StoreError, connect};

/// Bounds the time one batch holds the write lock and the memory it pins.
const MAX_BATCH: usize = 256;
const QUEUE_DEPTH: usize = 4096;
/// The most values one unit's insert script binds; a unit with more rows inserts them
/// statement by statement.
const MAX_SCRIPT_PARAMS: usize = 30_000;
/// Waits between attempts to (re)connect a writer whose connection was lost.
const RECONNECT_BACKOFF: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// The connection a unit of work writes through, inside the batch's transaction.
///
/// New rows a unit appends (applicants, cases, checks, events, audit entries) are gathered
/// and inserted in a few multi-row statements — when the unit next reads or writes through
/// [`Tx::conn`], and at the latest when it ends, always inside its own savepoint. A unit
/// therefore reads back what it appended, and an appended row that breaks a constraint
/// fails its own unit only.
pub struct Tx {
    conn: AnyConnection,
    backend: Backend,
    /// Rows the running unit appended and that are not inserted yet.
    pending: Appended,
    /// Events the running unit inserted; they join the batch's if the unit is kept.
    unit_events: i64,
    /// Events inserted by the batch's kept units: numbered just before the commit.
    batch_events: i64,
    /// Audit entries the running unit inserted (or claimed to chain); they join the
    /// batch's if the unit is kept.
    unit_audits: Vec<AuditRecord>,
    /// Audit entries of the batch's kept units, in the order they were appended: chained
    /// just before the commit.
    batch_audits: Vec<AuditRecord>,
    /// Hashes audit entries once the services have set it (see [`crate::Store::set_audit_chain`]).
    chain: SharedChain,
    /// Counts the batches that committed events, so readers of the outbox wake at once.
    events_committed: EventsCommitted,
}

/// The audit chain's hasher, shared by every writer; unset until the services hold the key.
pub(crate) type SharedChain = Arc<OnceLock<Arc<dyn AuditChain>>>;

/// Grows by one each time a batch of this process commits events (see
/// [`crate::Store::watch_events`]).
pub(crate) type EventsCommitted = Arc<watch::Sender<u64>>;

/// New rows, in the order they must be inserted (a case refers to its applicant).
#[derive(Default)]
struct Appended {
    data_keys: Vec<DataKeyRecord>,
    applicants: Vec<ApplicantRecord>,
    cases: Vec<CaseRecord>,
    checks: Vec<CheckRecord>,
    events: Vec<EventRecord>,
    audits: Vec<AuditRecord>,
}

impl Appended {
    fn is_empty(&self) -> bool {
        self.data_keys.is_empty()
            && self.applicants.is_empty()
            && self.cases.is_empty()
            && self.checks.is_empty()
            && self.events.is_empty()
            && self.audits.is_empty()
    }
}

impl Tx {
    fn new(
        conn: AnyConnection,
        backend: Backend,
        chain: SharedChain,
        events_committed: EventsCommitted,
    ) -> Self {
        Tx {
            conn,
            backend,
            pending: Appended::default(),
            unit_events: 0,
            batch_events: 0,
            unit_audits: Vec::new(),
            batch_audits: Vec::new(),
            chain,
            events_committed,
        }
    }

    /// The connection, once the rows appended so far are inserted, so that whatever runs
    /// through it sees them.
    pub async fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        self.flush().await?;
        Ok(&mut self.conn)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Stores a new data key with the rest of the unit, before the rows sealed under it.
    pub fn append_data_key(&mut self, key: DataKeyRecord) {
        self.pending.data_keys.push(key);
    }

    /// Inserts a new applicant with the rest of the unit.
    pub fn append_applicant(&mut self, applicant: ApplicantRecord) {
        self.pending.applicants.push(applicant);
    }

    /// Inserts a new case with the rest of the unit.
    pub fn append_case(&mut self, case: CaseRecord) {
        self.pending.cases.push(case);
    }

    /// Records a check result with the rest of the unit.
    pub fn append_check(&mut self, check: CheckRecord) {
        self.pending.checks.push(check);
    }

    /// Adds an event to the outbox, committed with the rest of the unit. Its position in
    /// the deployment's event order is given at commit time.
    pub fn append_event(&mut self, event: EventRecord) {
        self.pending.events.push(event);
    }

    /// Adds an audit entry, committed with the rest of the unit.
    pub fn append_audit(&mut self, entry: AuditRecord) {
        self.pending.audits.push(entry);
    }

    /// Puts up to `limit` of an organization's unchained audit entries (oldest first) on
    /// this batch's chain, as if the unit had appended them; returns how many. On PostgreSQL
    /// they stay locked until the commit, so two servers never chain the same entries.
    pub async fn chain_unchained_audits(
        &mut self,
        organization_id: &str,
        limit: i64,
    ) -> Result<usize, StoreError> {
        self.flush().await?;
        let claimed =
            audit::claim_unchained(&mut self.conn, self.backend, organization_id, limit).await?;
        let count = claimed.len();
        self.unit_audits.extend(claimed);
        Ok(count)
    }

    /// Inserts what the running unit appended.
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        insert_all(&mut self.conn, &rows.data_keys).await?;
        insert_all(&mut self.conn, &rows.applicants).await?;
        insert_all(&mut self.conn, &rows.cases).await?;
        insert_all(&mut self.conn, &rows.checks).await?;
        insert_all(&mut self.conn, &rows.events).await?;
        insert_all(&mut self.conn, &rows.audits).await?;
        self.unit_events += i64::try_from(rows.events.len()).unwrap_or(i64::MAX);
        self.unit_audits.extend(rows.audits);
        Ok(())
    }

    fn start_unit(&mut self) {
        self.pending = Appended::default();
        self.unit_events = 0;
        self.unit_audits.clear();
    }

    /// Ends a unit that succeeded: inserts the rows it appended, releases its savepoint and
    /// opens the next one. On SQLite that is one script, one hand-off to the driver's thread:
    /// those hand-offs, not the fsync, bound how many units a batch holds.
    async fn end_unit(&mut self) -> Result<(), UnitEnd> {
        const NEXT: &str = "RELEASE SAVEPOINT unit; SAVEPOINT unit";
        let rows = std::mem::take(&mut self.pending);
        let mut script = Script::default();
        script.insert(&rows.data_keys);
        script.insert(&rows.applicants);
        script.insert(&rows.cases);
        script.insert(&rows.checks);
        script.insert(&rows.events);
        script.insert(&rows.audits);
        if self.backend == Backend::Sqlite && script.params() <= MAX_SCRIPT_PARAMS {
            script.then(NEXT);
            let query = bind_rows(script.query(), &rows.data_keys);
            let query = bind_rows(query, &rows.applicants);
            let query = bind_rows(query, &rows.cases);
            let query = bind_rows(query, &rows.checks);
            let query = bind_rows(query, &rows.events);
            let query = bind_rows(query, &rows.audits);
            query
                .execute(&mut self.conn)
                .await
                .map_err(|e| UnitEnd::Rows(e.into()))?;
            self.unit_events += i64::try_from(rows.events.len()).unwrap_or(i64::MAX);
            self.unit_audits.extend(rows.audits);
        } else {
            self.pending = rows;
            self.flush().await.map_err(UnitEnd::Rows)?;
            self.conn.execute(NEXT).await.map_err(UnitEnd::Savepoint)?;
        }
        self.batch_events += self.unit_events;
        self.unit_events = 0;
        self.batch_audits.append(&mut self.unit_audits);
        Ok(())
    }
}

/// Why a unit that succeeded could not be kept.
enum UnitEnd {
    /// A row it appended was refused (a constraint): the unit fails, its batch goes on.
    Rows(StoreError),
    /// The savepoint could not be released: the transaction can no longer be trusted.
    Savepoint(sqlx::Error),
}

/// A unit reports whether its changes should be kept; its typed result travels separately.
type UnitFn = Box<dyn for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, bool> + Send>;
/// Replaces a unit's result with the error that kept its rows out.
type FailFn = Box<dyn FnOnce(StoreError) + Send>;

/// How a unit's batch ended, as its caller hears it.
#[derive(Debug)]
enum Settled {
    /// The batch committed: the unit's own result (kept or refused) stands.
    Committed,
    /// The batch could not be committed; nothing of it was kept.
    BatchFailed(String),
    /// The unit panicked and was rolled back; the rest of its batch went on.
    Panicked,
}

struct Unit {
    run: UnitFn,
    fail: FailFn,
    settled: oneshot::Sender<Settled>,
}

/// How the writers are doing, for the readiness probe and the metrics.
#[derive(Debug, Default)]
pub struct WriterHealth {
    writers: AtomicUsize,
    connected: AtomicUsize,
    restarts: AtomicU64,
    panicked_units: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A snapshot of [`WriterHealth`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterStatus {
    /// Writer tasks the store runs.
    pub writers: usize,
    /// Of those, how many hold a working connection now.
    pub connected: usize,
    /// Writer tasks replaced after dying or losing their connection, since start.
    pub restarts: u64,
    /// Units that panicked and were rolled back alone, since start.
    pub panicked_units: u64,
    /// Why the last writer stopped or could not connect.
    pub last_error: Option<String>,
}

impl WriterHealth {
    fn note_error(&self, error: String) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    pub(crate) fn status(&self) -> WriterStatus {
        WriterStatus {
            writers: self.writers.load(Ordering::Relaxed),
            connected: self.connected.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            panicked_units: self.panicked_units.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

type SharedQueue = Arc<tokio::sync::Mutex<mpsc::Receiver<Unit>>>;

pub(crate) struct Writer {
    queue: mpsc::Sender<Unit>,
    health: Arc<WriterHealth>,
}

impl Writer {
    /// Starts `count` supervised writers; each connects with `options`.
    pub(crate) fn start(
        options: AnyConnectOptions,
        backend: Backend,
        count: usize,
        chain: SharedChain,
        events_committed: EventsCommitted,
    ) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_DEPTH);
        let receiver: SharedQueue = Arc::new(tokio::sync::Mutex::new(receiver));
        let health = Arc::new(WriterHealth::default());
        health.writers.store(count, Ordering::Relaxed);
        for _ in 0..count {
            tokio::spawn(supervise(
                options.clone(),
                backend,
                Arc::clone(&receiver),
                Arc::clone(&health),
                Arc::clone(&chain),
                Arc::clone(&events_committed),
            ));
        }
        Writer { queue, health }
    }

    pub(crate) fn health(&self) -> &WriterHealth {
        &self.health
    }

    pub(crate) async fn submit<T, E, F>(&self, unit: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let slot: Arc<Mutex<Option<Result<T, E>>>> = Arc::new(Mutex::new(None));
        let result_slot = Arc::clone(&slot);
        let run: UnitFn = Box::new(move |tx: &mut Tx| {
            Box::pin(async move {
                let result = unit(tx).await;
                let keep = result.is_ok();
                *result_slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                keep
            })
        });
        let fail_slot = Arc::clone(&slot);
        let fail: FailFn = Box::new(move |error| {
            *fail_slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Err(E::from(error)));
        });
        let (settled, done) = oneshot::channel();
        self.queue
            .send(Unit { run, fail, settled })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        match done.await {
            Ok(Settled::Committed) => slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .unwrap_or_else(|| Err(StoreError::WriterGone.into())),
            Ok(Settled::BatchFailed(message)) => Err(StoreError::Commit(message).into()),
            Ok(Settled::Panicked) => Err(StoreError::UnitPanicked.into()),
            // The writer died with the unit in hand; a new one has taken its place.
            Err(_) => Err(StoreError::WriterGone.into()),
        }
    }
}

/// Why a writer task stopped.
enum Stop {
    /// Every sender is gone: the store was dropped.
    QueueClosed,
    /// The connection can no longer be trusted; a new one is needed.
    ConnectionLost(String),
}

/// Keeps one writer running: connects, runs it, and replaces it when it dies.
async fn supervise(
    options: AnyConnectOptions,
    backend: Backend,
    queue: SharedQueue,
    health: Arc<WriterHealth>,
    chain: SharedChain,
    events_committed: EventsCommitted,
) {
    let mut failures = 0usize;
    loop {
        let conn = match connect(&options, backend).await {
            Ok(conn) => conn,
            Err(e) => {
                let wait = RECONNECT_BACKOFF[failures.min(RECONNECT_BACKOFF.len() - 1)];
                failures += 1;
                tracing::error!(error = %e, ?wait, "a store writer cannot connect; retrying");
                health.note_error(format!("cannot connect: {e}"));
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        failures = 0;
        health.connected.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(run_writer(
            Tx::new(
                conn,
                backend,
                Arc::clone(&chain),
                Arc::clone(&events_committed),
            ),
            Arc::clone(&queue),
            Arc::clone(&health),
        ));
        let outcome = task.await;
        health.connected.fetch_sub(1, Ordering::Relaxed);
        let reason = match outcome {
            Ok(Stop::QueueClosed) => return,
            Ok(Stop::ConnectionLost(reason)) => reason,
            Err(e) if e.is_panic() => "the writer panicked".to_owned(),
            Err(_) => return,
        };
        health.restarts.fetch_add(1, Ordering::Relaxed);
        health.note_error(reason.clone());
        tracing::error!(%reason, "a store writer stopped; starting a new one");
    }
}

async fn run_writer(mut tx: Tx, queue: SharedQueue, health: Arc<WriterHealth>) -> Stop {
    loop {
        let batch = {
            let mut receiver = queue.lock().await;
            let Some(first) = receiver.recv().await else {
                return Stop::QueueClosed;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(unit) => batch.push(unit),
                    Err(_) => break,
                }
            }
            batch
        };
        if let Err(reason) = commit_batch(&mut tx, batch, &health).await {
            return Stop::ConnectionLost(reason);
        }
    }
}

/// Runs a batch and answers its callers. Errs when the connection must be replaced.
async fn commit_batch(tx: &mut Tx, batch: Vec<Unit>, health: &WriterHealth) -> Result<(), String> {
    // Each unit runs inside the savepoint `unit`. Releasing one and opening the next is a
    // single round trip to the database, and the round trips — not the fsync — are what
    // bound a batch on SQLite, whose driver hands every statement to a worker thread.
    let begin = match tx.backend {
        // IMMEDIATE takes the write lock up front instead of failing at the first write.
        Backend::Sqlite => "BEGIN IMMEDIATE; SAVEPOINT unit",
        Backend::Postgres => "BEGIN; SAVEPOINT unit",
    };
    if let Err(e) = tx.conn.execute(begin).await {
        let message = e.to_string();
        settle_all(batch.into_iter().map(|u| u.settled), &message);
        return check_connection(tx, message).await;
    }
    tx.batch_events = 0;
    tx.batch_audits.clear();
    let mut ran = Vec::with_capacity(batch.len());
    for unit in batch {
        tx.start_unit();
        let outcome = AssertUnwindSafe((unit.run)(tx)).catch_unwind().await;
        if outcome.is_err() {
            health.panicked_units.fetch_add(1, Ordering::Relaxed);
            tracing::error!("a unit of work panicked; it was rolled back alone");
        }
        let broken = end_or_roll_back(tx, matches!(outcome, Ok(true)), unit.fail).await;
        if let Some(e) = broken {
            // The transaction can no longer be trusted; give up on the whole batch.
            let message = e.to_string();
            let _ = tx.conn.execute("ROLLBACK").await;
            settle_all(
                ran.into_iter()
                    .map(|(sender, _)| sender)
                    .chain([unit.settled]),
                &message,
            );
            return check_connection(tx, message).await;
        }
        ran.push((unit.settled, outcome.is_err()));
    }
    // Events first, then audit chains: every batch takes these locks in the same order.
    let committed = match number_events(tx).await {
        Ok(()) => match chain_audits(tx).await {
            Ok(()) => tx.conn.execute("COMMIT").await.map(|_| ()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match committed {
        Ok(()) => {
            if tx.batch_events > 0 {
                tx.events_committed.send_modify(|batches| *batches += 1);
            }
            for (sender, panicked) in ran {
                let settled = if panicked {
                    Settled::Panicked
                } else {
                    Settled::Committed
                };
                let _ = sender.send(settled);
            }
            Ok(())
        }
        Err(e) => {
            let message = e.to_string();
            let _ = tx.conn.execute("ROLLBACK").await;
            settle_all(ran.into_iter().map(|(sender, _)| sender), &message);
            check_connection(tx, message).await
        }
    }
}

/// Keeps a unit that succeeded (its rows inserted, its savepoint released) or rolls it back:
/// one that failed or panicked, or whose rows were refused (`fail` then gives its caller the
/// reason). Returns the error that leaves the transaction untrustworthy, if one did.
async fn end_or_roll_back(tx: &mut Tx, succeeded: bool, fail: FailFn) -> Option<sqlx::Error> {
    if succeeded {
        match tx.end_unit().await {
            Ok(()) => return None,
            Err(UnitEnd::Savepoint(e)) => return Some(e),
            Err(UnitEnd::Rows(error)) => fail(error),
        }
    }
    // ROLLBACK TO leaves the savepoint open, so the next unit can reuse it.
    tx.conn.execute("ROLLBACK TO SAVEPOINT unit").await.err()
}

/// Gives the events of the batch's kept units their positions, in the order they were
/// appended, after every position committed before. The counter row is locked until the
/// commit, so batches committing concurrently (other writers, other servers) take their
/// positions in the order they commit: a reader polling "after N" never misses an event.
async fn number_events(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if tx.batch_events == 0 {
        return Ok(());
    }
    let numbered = events::number_new(&mut tx.conn, tx.batch_events).await?;
    if numbered != tx.batch_events {
        return Err(sqlx::Error::Protocol(format!(
            "numbered {numbered} new events of {}",
            tx.batch_events
        )));
    }
    Ok(())
}

/// Chains the audit entries of the batch's kept units onto their organizations' chains, in
/// the order they were appended, holding each chain's head locked until the commit (see
/// [`audit::link_batch`]). The hashes are computed here, once, from the rows as inserted.
/// Until the services have set the chain (a deployment's very first unit, written before
/// its root secret exists), entries stay unchained; the start that sets it chains them.
async fn chain_audits(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let entries = std::mem::take(&mut tx.batch_audits);
    if entries.is_empty() {
        return Ok(());
    }
    let Some(chain) = tx.chain.get() else {
        return Ok(());
    };
    audit::link_batch(&mut tx.conn, chain.as_ref(), entries).await
}

fn settle_all(senders: impl Iterator<Item = oneshot::Sender<Settled>>, message: &str) {
    for sender in senders {
        let _ = sender.send(Settled::BatchFailed(message.to_owned()));
    }
}

/// After a failed batch: keeps the writer if its connection still answers.
async fn check_connection(tx: &mut Tx, reason: String) -> Result<(), String> {
    match tx.conn.execute("SELECT 1").await {
        Ok(_) => {
            tracing::warn!(error = %reason, "a write batch failed and was rolled back");
            Ok(())
        }
        Err(_) => Err(reason),
    }
}
