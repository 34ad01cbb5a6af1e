//! Group commit for intake: submissions are checked, located, routed and scheduled on
//! read connections, then handed to one writer task that writes whatever has queued
//! up (up to [`MAX_BATCH`]) in one durable transaction and answers each caller only
//! after that transaction has committed. One fsync then serves many requests, and no
//! request waits on the database's write lock while others read.
//!
//! A batch is written with one multi-row statement per table (requests, timeline
//! lines, audit entries chained in order, inbox, outbox, Open311 tokens), so its cost
//! hardly grows with its size. Should any statement fail, nothing of that attempt is
//! kept and the batch is written again one submission at a time, each in its own
//! savepoint, so that only the faulty submission is refused.

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::RequestId;
use civicgrid_store::requests::{self as repo, NewRequests, Open311TokenRow, RequestRecord};
use civicgrid_store::{AnyConnection, Db, ReadConn, commit, savepoint};
use tokio::sync::{mpsc, oneshot};

use super::{Step, step_rows, write_step};
use crate::{AppError, AppResult};

/// Most submissions written in one transaction.
pub const MAX_BATCH: usize = repo::BATCH_ROWS;
/// Scheduler turns the writer waits for a batch to grow back to the last one's size.
const JOIN_TURNS: usize = 8;
/// How long the writer keeps its connection with nothing to write.
const HOLD_IDLE: std::time::Duration = std::time::Duration::from_millis(50);
/// Submissions that may wait for the writer before callers wait to queue.
const QUEUE: usize = 1024;

/// A checked submission, ready to write.
pub(crate) struct Pending {
    pub actor: Actor,
    pub role: String,
    pub rec: RequestRecord,
    pub step: Step,
    pub now: i64,
    /// The Open311 token to store with it, if it came through Open311.
    pub open311_token: Option<String>,
}

struct Job {
    pending: Pending,
    reply: oneshot::Sender<AppResult<RequestId>>,
}

/// The queue in front of the intake writer task (started with the first submission).
pub(crate) struct IntakeWriter {
    queue: tokio::sync::OnceCell<mpsc::Sender<Job>>,
}

impl Default for IntakeWriter {
    fn default() -> IntakeWriter {
        IntakeWriter {
            queue: tokio::sync::OnceCell::new(),
        }
    }
}

fn stopped() -> AppError {
    AppError::Internal("the intake writer has stopped".into())
}

impl IntakeWriter {
    /// Writes `pending` durably (batched with whatever else is queued); returns its id
    /// once the transaction holding it has committed.
    pub async fn write(&self, db: &Db, pending: Pending) -> AppResult<RequestId> {
        let queue = self
            .queue
            .get_or_init(|| async {
                let (tx, rx) = mpsc::channel(QUEUE);
                tokio::spawn(run(db.clone(), rx));
                tx
            })
            .await;
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { pending, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    // The writer keeps one connection of its own while it is busy and the connection
    // works well; idle for [`HOLD_IDLE`], it gives it back to the pool.
    let mut held: Option<ReadConn> = None;
    let mut last_size = 0;
    loop {
        let next = if held.is_some() {
            match tokio::time::timeout(HOLD_IDLE, rx.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    held = None;
                    continue;
                }
            }
        } else {
            rx.recv().await
        };
        let Some(first) = next else { break };
        let mut batch = vec![first];
        drain(&mut rx, &mut batch);
        // Under load, let submissions already on their way join this commit: a few
        // turns of the scheduler cost microseconds, an extra commit an fsync.
        let mut turns = 0;
        while batch.len() < last_size.min(MAX_BATCH) && turns < JOIN_TURNS {
            tokio::task::yield_now().await;
            drain(&mut rx, &mut batch);
            turns += 1;
        }
        last_size = batch.len();
        let conn = match held.take() {
            Some(conn) => conn,
            None => match db.read().await {
                Ok(conn) => conn,
                Err(e) => {
                    fail_all(batch, &e);
                    continue;
                }
            },
        };
        held = write_batch(&db, conn, batch).await;
    }
}

/// Answers every submission of `batch` with `e`.
fn fail_all(batch: Vec<Job>, e: &dyn std::fmt::Display) {
    let message = e.to_string();
    for job in batch {
        let _ = job
            .reply
            .send(Err(AppError::Internal(message.clone().into())));
    }
}

/// Moves whatever has queued into `batch`, up to [`MAX_BATCH`].
fn drain(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Writes a batch; gives the connection back unless something went wrong on it.
async fn write_batch(db: &Db, mut conn: ReadConn, batch: Vec<Job>) -> Option<ReadConn> {
    let outcome = write_together(db, &mut conn, &batch).await;
    let keep = outcome.is_ok().then_some(conn);
    match outcome {
        Ok(ids) => {
            for (job, id) in batch.into_iter().zip(ids) {
                let _ = job.reply.send(Ok(id));
            }
        }
        Err(Together::BeforeCommit(e)) => {
            tracing::warn!(error = %e, size = batch.len(), "intake batch written again one by one");
            write_one_by_one(db, batch).await;
        }
        Err(Together::AtCommit(e)) => {
            // The outcome is unknown: writing again could store a request twice.
            fail_all(batch, &e);
        }
    }
    keep
}

/// Why writing a batch at once failed.
enum Together {
    /// Nothing was kept; the batch may be written again.
    BeforeCommit(AppError),
    /// The commit itself failed.
    AtCommit(AppError),
}

impl<E: Into<AppError>> From<E> for Together {
    fn from(e: E) -> Together {
        Together::BeforeCommit(e.into())
    }
}

/// Writes the whole batch with one statement per table; returns the ids in batch order.
async fn write_together(
    db: &Db,
    conn: &mut AnyConnection,
    batch: &[Job],
) -> Result<Vec<RequestId>, Together> {
    let mut tx = db.begin_write_on(conn).await?;
    let start = repo::start_batch(&mut tx, batch.len()).await?;
    let mut b = NewRequests::default();
    let ids = start.request_ids.iter().zip(&start.event_ids);
    for (job, (id, event_id)) in batch.iter().zip(ids) {
        let p = &job.pending;
        let mut rec = p.rec.clone();
        rec.id = RequestId(*id);
        let rows = step_rows(&p.actor, &p.role, &rec, p.step.clone(), p.now, *event_id);
        b.events.push(rows.event);
        b.audits.push(rows.audit);
        b.inbox.extend(rows.inbox);
        b.outbox.extend(rows.outbox);
        if let Some(token) = &p.open311_token {
            b.tokens.push(Open311TokenRow {
                token: token.clone(),
                request_id: rec.id,
                at_ms: p.now,
            });
        }
        b.requests.push(rec);
    }
    repo::write_batch(&mut tx, &start, &b).await?;
    commit(tx).await.map_err(|e| Together::AtCommit(e.into()))?;
    Ok(b.requests.into_iter().map(|r| r.id).collect())
}

/// Writes each submission in its own savepoint of one transaction.
async fn write_one_by_one(db: &Db, batch: Vec<Job>) {
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            fail_all(batch, &e);
            return;
        }
    };
    let mut written = Vec::with_capacity(batch.len());
    for job in batch {
        // A submission that fails is rolled back to its savepoint alone.
        let result = async {
            let mut sp = savepoint(&mut tx).await?;
            let id = write_one(&mut sp, &job.pending).await?;
            commit(sp).await?;
            Ok::<_, AppError>(id)
        }
        .await;
        written.push((job.reply, result));
    }
    match commit(tx).await {
        Ok(()) => {
            for (reply, result) in written {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let message = e.to_string();
            for (reply, _) in written {
                let _ = reply.send(Err(AppError::Internal(message.clone().into())));
            }
        }
    }
}

pub(crate) async fn write_one(conn: &mut AnyConnection, p: &Pending) -> AppResult<RequestId> {
    let mut rec = p.rec.clone();
    rec.id = repo::insert_request(conn, &rec).await?;
    write_step(conn, &p.actor, &p.role, &rec, p.step.clone(), p.now).await?;
    if let Some(token) = &p.open311_token {
        let row = Open311TokenRow {
            token: token.clone(),
            request_id: rec.id,
            at_ms: p.now,
        };
        repo::insert_open311_tokens(conn, &[row]).await?;
    }
    Ok(rec.id)
}
