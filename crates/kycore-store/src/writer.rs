//! Group commit: one writer task per connection takes every unit of work waiting in the
//! queue, runs each inside its own savepoint of one transaction, commits once, and only then
//! answers each caller.
//!
//! One fsync costs about 3 ms here, so committing each request on its own caps a durable
//! SQLite at ~300 writes/s; sharing the commit among the requests that arrived meanwhile
//! keeps every write durable while the fsync cost is spread over the batch.

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::applicants::ApplicantRecord;
use crate::audit::AuditRecord;
use crate::cases::CaseRecord;
use crate::checks::CheckRecord;
use crate::events::EventRecord;
use crate::rows::insert_all;
use crate::{Backend, StoreError};

/// Bounds the time one batch holds the write lock and the memory it pins.
const MAX_BATCH: usize = 256;
const QUEUE_DEPTH: usize = 4096;

/// The connection a unit of work writes through, inside the batch's transaction, and the new
/// rows it appends. Appended rows are buffered and inserted for the whole batch just before
/// the commit, in a few multi-row statements — far cheaper per row than one statement each.
/// A unit therefore never reads back a row it appended.
pub struct Tx {
    conn: AnyConnection,
    backend: Backend,
    /// Rows of the unit now running; dropped if it fails.
    unit: Appended,
    /// Rows of the units of this batch that succeeded.
    batch: Appended,
}

/// New rows, in the order they must be inserted (a case refers to its applicant).
#[derive(Default)]
struct Appended {
    applicants: Vec<ApplicantRecord>,
    cases: Vec<CaseRecord>,
    checks: Vec<CheckRecord>,
    events: Vec<EventRecord>,
    audits: Vec<AuditRecord>,
}

impl Appended {
    fn clear(&mut self) {
        self.applicants.clear();
        self.cases.clear();
        self.checks.clear();
        self.events.clear();
        self.audits.clear();
    }

    fn take_from(&mut self, unit: &mut Appended) {
        self.applicants.append(&mut unit.applicants);
        self.cases.append(&mut unit.cases);
        self.checks.append(&mut unit.checks);
        self.events.append(&mut unit.events);
        self.audits.append(&mut unit.audits);
    }
}

impl Tx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Inserts a new applicant with the rest of the unit.
    pub fn append_applicant(&mut self, applicant: ApplicantRecord) {
        self.unit.applicants.push(applicant);
    }

    /// Inserts a new case with the rest of the unit.
    pub fn append_case(&mut self, case: CaseRecord) {
        self.unit.cases.push(case);
    }

    /// Records a check result with the rest of the unit.
    pub fn append_check(&mut self, check: CheckRecord) {
        self.unit.checks.push(check);
    }

    /// Adds an event to the outbox, committed with the rest of the unit.
    pub fn append_event(&mut self, event: EventRecord) {
        self.unit.events.push(event);
    }

    /// Adds an audit entry, committed with the rest of the unit.
    pub fn append_audit(&mut self, entry: AuditRecord) {
        self.unit.audits.push(entry);
    }

    fn keep_unit(&mut self) {
        self.batch.take_from(&mut self.unit);
    }

    async fn flush_appended(&mut self) -> Result<(), StoreError> {
        insert_all(&mut self.conn, &self.batch.applicants).await?;
        insert_all(&mut self.conn, &self.batch.cases).await?;
        insert_all(&mut self.conn, &self.batch.checks).await?;
        insert_all(&mut self.conn, &self.batch.events).await?;
        insert_all(&mut self.conn, &self.batch.audits).await?;
        self.batch.clear();
        Ok(())
    }
}

/// A unit reports whether its changes should be kept; its typed result travels separately.
type UnitFn = Box<dyn for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, bool> + Send>;

struct Unit {
    run: UnitFn,
    committed: oneshot::Sender<Result<(), String>>,
}

pub(crate) struct Writer {
    queue: mpsc::Sender<Unit>,
}

impl Writer {
    pub(crate) fn start(connections: Vec<AnyConnection>, backend: Backend) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_DEPTH);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for conn in connections {
            let tx = Tx {
                conn,
                backend,
                unit: Appended::default(),
                batch: Appended::default(),
            };
            tokio::spawn(run_writer(tx, Arc::clone(&receiver)));
        }
        Writer { queue }
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
                if let Ok(mut guard) = result_slot.lock() {
                    *guard = Some(result);
                }
                keep
            })
        });
        let (committed, done) = oneshot::channel();
        self.queue
            .send(Unit { run, committed })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        match done.await {
            Ok(Ok(())) => take(&slot).unwrap_or_else(|| Err(StoreError::WriterGone.into())),
            Ok(Err(message)) => Err(StoreError::Commit(message).into()),
            Err(_) => Err(StoreError::WriterGone.into()),
        }
    }
}

fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().ok().and_then(|mut guard| guard.take())
}

async fn run_writer(mut tx: Tx, receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Unit>>>) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
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
        commit_batch(&mut tx, batch).await;
    }
}

async fn commit_batch(tx: &mut Tx, batch: Vec<Unit>) {
    // Each unit runs inside the savepoint `unit`. Releasing one and opening the next is a
    // single round trip to the database, and the round trips — not the fsync — are what
    // bound a batch on SQLite, whose driver hands every statement to a worker thread.
    let begin = match tx.backend {
        // IMMEDIATE takes the write lock up front instead of failing at the first write.
        Backend::Sqlite => "BEGIN IMMEDIATE; SAVEPOINT unit",
        Backend::Postgres => "BEGIN; SAVEPOINT unit",
    };
    if let Err(e) = tx.conn.execute(begin).await {
        fail_all(batch, &e.to_string());
        return;
    }
    tx.unit.clear();
    tx.batch.clear();
    let mut waiting: Vec<oneshot::Sender<Result<(), String>>> = Vec::with_capacity(batch.len());
    for unit in batch {
        let keep = (unit.run)(tx).await;
        if keep {
            tx.keep_unit();
        } else {
            tx.unit.clear();
        }
        // ROLLBACK TO leaves the savepoint open, so the next unit can reuse it.
        let next = if keep {
            "RELEASE SAVEPOINT unit; SAVEPOINT unit"
        } else {
            "ROLLBACK TO SAVEPOINT unit"
        };
        if let Err(e) = tx.conn.execute(next).await {
            // The transaction can no longer be trusted; give up on the whole batch.
            let _ = tx.conn.execute("ROLLBACK").await;
            let message = e.to_string();
            let _ = unit.committed.send(Err(message.clone()));
            for sender in waiting {
                let _ = sender.send(Err(message.clone()));
            }
            return;
        }
        waiting.push(unit.committed);
    }
    let outcome = match tx.flush_appended().await {
        Ok(()) => tx
            .conn
            .execute("COMMIT")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if outcome.is_err() {
        let _ = tx.conn.execute("ROLLBACK").await;
    }
    for sender in waiting {
        let _ = sender.send(outcome.clone());
    }
}

fn fail_all(batch: Vec<Unit>, message: &str) {
    for unit in batch {
        let _ = unit.committed.send(Err(message.to_owned()));
    }
}
