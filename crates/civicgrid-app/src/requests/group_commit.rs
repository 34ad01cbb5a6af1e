//! Group commit for intake: submissions are checked, located, routed and scheduled on
//! read connections, then handed to one writer task that writes whatever has queued
//! up (up to [`MAX_BATCH`]) in one durable transaction — each submission inside its own
//! savepoint with its timeline line, audit entry, inbox and outbox rows — and answers
//! each caller only after that transaction has committed. One fsync then serves many
//! requests, and no request waits on the database's write lock while others read.

use civicgrid_domain::access::Actor;
use civicgrid_domain::requests::RequestId;
use civicgrid_store::requests::{self as repo, RequestRecord};
use civicgrid_store::{AnyConnection, Db, commit, savepoint};
use tokio::sync::{mpsc, oneshot};

use super::{Step, write_step};
use crate::{AppError, AppResult};

/// Most submissions written in one transaction.
pub const MAX_BATCH: usize = 64;
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
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write_batch(&db, batch).await;
    }
}

async fn write_batch(db: &Db, batch: Vec<Job>) {
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            let message = e.to_string();
            for job in batch {
                let _ = job
                    .reply
                    .send(Err(AppError::Internal(message.clone().into())));
            }
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

async fn write_one(conn: &mut AnyConnection, p: &Pending) -> AppResult<RequestId> {
    let mut rec = p.rec.clone();
    rec.id = repo::insert_request(conn, &rec).await?;
    write_step(conn, &p.actor, &p.role, &rec, p.step.clone(), p.now).await?;
    if let Some(token) = &p.open311_token {
        repo::insert_open311_token(conn, token, rec.id, p.now).await?;
    }
    Ok(rec.id)
}
