//! The thread a SQLite bulk load's connection lives on.
//!
//! The load's connection stays on one thread for the whole load and runs the calls
//! sent to it in order. A call whose result the load needs ([`BulkWorker::call`]) is
//! awaited; a write whose result the load already knows ([`BulkWorker::submit`]: a
//! held load assigns the new rows' ids itself) is only queued, so the importer prepares
//! the next chunk while the database writes this one. The first failed write is
//! returned by the next call or queued write, and every write after it is skipped: a
//! load that failed part-way is rolled back as a whole when its connection closes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::{StoreError, StoreResult};

/// Calls queued ahead of the database: about two chunks of a load.
const QUEUE: usize = 16;

/// What the thread knows of the writes queued without waiting.
enum Outcome {
    Ok,
    /// A queued write failed; the next call returns this error.
    Failed(StoreError),
    /// The failure was returned; every later call fails too.
    Reported,
}

type Job = Box<dyn FnOnce(&Connection, &mut Outcome) + Send>;

/// Time spent in the database, in all and by the kind of call (the calling
/// function's name), for the load's debug log.
#[derive(Default, Clone)]
pub struct Busy {
    pub total: Duration,
    pub by_kind: Vec<(&'static str, Duration)>,
}

impl Busy {
    fn add(&mut self, kind: &'static str, took: Duration) {
        self.total += took;
        match self.by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, t)) => *t += took,
            None => self.by_kind.push((kind, took)),
        }
    }
}

/// A connection on a thread of its own, fed through a queue.
pub struct BulkWorker {
    jobs: Option<tokio::sync::mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    busy: Arc<Mutex<Busy>>,
    /// Set when the load is abandoned: what is still queued is not run.
    abandoned: Arc<AtomicBool>,
    /// Set by the thread when a queued write fails, so the next write reports it at
    /// once instead of the load reading on to its end.
    failed: Arc<AtomicBool>,
}

fn lost() -> StoreError {
    StoreError::Native("the bulk connection was lost".into())
}

/// The name of the function that made the call `F`.
fn kind_of<F>() -> &'static str {
    std::any::type_name::<F>().trim_end_matches("::{{closure}}")
}

fn timed<R>(busy: &Mutex<Busy>, kind: &'static str, f: impl FnOnce() -> R) -> R {
    let started = Instant::now();
    let r = f();
    if let Ok(mut b) = busy.lock() {
        b.add(kind, started.elapsed());
    }
    r
}

impl BulkWorker {
    /// Moves `conn` onto a thread of its own.
    pub fn start(conn: Connection) -> StoreResult<BulkWorker> {
        let (jobs, mut queue) = tokio::sync::mpsc::channel::<Job>(QUEUE);
        let abandoned = Arc::new(AtomicBool::new(false));
        let stop = abandoned.clone();
        let failed = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("civicgrid-bulk".into())
            .spawn(move || {
                let mut outcome = Outcome::Ok;
                while let Some(job) = queue.blocking_recv() {
                    if !stop.load(Ordering::Relaxed) {
                        job(&conn, &mut outcome);
                    }
                }
            })
            .map_err(|e| StoreError::Native(format!("starting the bulk connection: {e}")))?;
        Ok(BulkWorker {
            jobs: Some(jobs),
            thread: Some(thread),
            busy: Arc::new(Mutex::new(Busy::default())),
            abandoned,
            failed,
        })
    }

    async fn send(&self, job: Job) -> StoreResult<()> {
        let jobs = self.jobs.as_ref().ok_or_else(lost)?;
        jobs.send(job).await.map_err(|_| lost())
    }

    /// Runs `f` after everything queued before it and returns its result, or the
    /// error of a queued write that failed.
    ///
    /// Covered by: crates/civicgrid-store/src/ledger/import/sqlite/worker.rs::tests::a_failed_write_is_returned_by_the_next_call_and_stops_the_rest
    pub async fn call<R, F>(&self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let kind = kind_of::<F>();
        let busy = self.busy.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Box::new(move |c, outcome| {
            let r = match std::mem::replace(outcome, Outcome::Reported) {
                Outcome::Ok => {
                    *outcome = Outcome::Ok;
                    timed(&busy, kind, || f(c))
                }
                Outcome::Failed(e) => Err(e),
                Outcome::Reported => Err(StoreError::Native(
                    "an earlier write of this load failed".into(),
                )),
            };
            let _ = tx.send(r);
        }))
        .await?;
        rx.await.map_err(|_| lost())?
    }

    /// Queues the write `f` without waiting for it (see the module's documentation).
    pub async fn submit<F>(&self, f: F) -> StoreResult<()>
    where
        F: FnOnce(&Connection) -> StoreResult<()> + Send + 'static,
    {
        if self.failed.load(Ordering::Relaxed) {
            return self.call(|_| Ok(())).await;
        }
        let kind = kind_of::<F>();
        let busy = self.busy.clone();
        let failed = self.failed.clone();
        self.send(Box::new(move |c, outcome| {
            if let Outcome::Ok = outcome
                && let Err(e) = timed(&busy, kind, || f(c))
            {
                *outcome = Outcome::Failed(e);
                failed.store(true, Ordering::Relaxed);
            }
        }))
        .await
    }

    /// The time spent in the database so far.
    ///
    /// Covered by: crates/civicgrid-store/src/ledger/import/sqlite/worker.rs::tests::calls_run_after_what_was_queued_before_them
    pub fn busy(&self) -> Busy {
        self.busy.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Waits for the queue to empty and closes the connection (rolling back whatever
    /// is still open).
    pub async fn close(&mut self) -> StoreResult<()> {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .map_err(|e| StoreError::Native(format!("closing the bulk connection: {e}")))?
                .map_err(|_| StoreError::Native("the bulk connection's thread failed".into()))?;
        }
        Ok(())
    }
}

impl Drop for BulkWorker {
    /// An abandoned load (its importer failed or was cancelled) skips what it queued;
    /// its thread rolls back and closes the connection on its own.
    fn drop(&mut self) {
        if self.jobs.is_some() {
            self.abandoned.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_write_is_returned_by_the_next_call_and_stops_the_rest() {
        let w = BulkWorker::start(Connection::open_in_memory().unwrap()).unwrap();
        w.submit(|c| Ok(c.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")?))
            .await
            .unwrap();
        w.submit(|c| Ok(c.execute_batch("INSERT INTO t VALUES (1)")?))
            .await
            .unwrap();
        w.submit(|c| Ok(c.execute_batch("INSERT INTO t VALUES (1)")?))
            .await
            .unwrap();
        w.submit(|c| Ok(c.execute_batch("INSERT INTO t VALUES (2)")?))
            .await
            .unwrap();
        let first = w.call(|_| Ok(())).await;
        assert!(matches!(first, Err(StoreError::Conflict(_))), "{first:?}");
        // Once a queued write has failed, the next one is refused at once.
        let refused = w.submit(|_| Ok(())).await;
        assert!(refused.is_err(), "{refused:?}");
        let later = w
            .call(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))?))
            .await;
        assert!(later.is_err(), "{later:?}");
        let mut w = w;
        w.close().await.unwrap();
    }

    #[tokio::test]
    async fn calls_run_after_what_was_queued_before_them() {
        let w = BulkWorker::start(Connection::open_in_memory().unwrap()).unwrap();
        w.submit(|c| Ok(c.execute_batch("CREATE TABLE t (x)")?))
            .await
            .unwrap();
        for i in 0..100 {
            w.submit(move |c| {
                c.execute("INSERT INTO t VALUES (?1)", [i])?;
                Ok(())
            })
            .await
            .unwrap();
        }
        let n: i64 = w
            .call(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 100);
        assert!(!w.busy().by_kind.is_empty());
        let mut w = w;
        w.close().await.unwrap();
    }
}
