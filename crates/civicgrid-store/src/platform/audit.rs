//! The append-only, hash-chained audit log.
//!
//! [`append`] must run inside the write transaction of the change it records. It bumps
//! the single `audit_head` row first, which serialises appends on both backends (a row
//! lock on PostgreSQL, the write lock on SQLite), so sequence numbers have no gaps.

use civicgrid_domain::platform::audit::{
    AuditFields, ChainBreak, ChainVerifier, StoredEntry, chain_hash,
};
use futures_util::TryStreamExt;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::dialect::{anon, query, values_sql};
use crate::{StoreError, StoreResult, prefix_end};

/// Appends one entry; returns its sequence number.
pub async fn append(conn: &mut AnyConnection, fields: &AuditFields) -> StoreResult<i64> {
    let seqs = append_many(conn, std::slice::from_ref(fields)).await?;
    seqs.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("no audit sequence number was taken".into()))
}

/// Appends several entries in order, chained one after another, with one statement
/// per step however many there are (group-committed intake). Returns their sequence
/// numbers.
pub async fn append_many(
    conn: &mut AnyConnection,
    entries: &[AuditFields],
) -> StoreResult<Vec<i64>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let head = sqlx::query(TAKE_SEQS_SQL)
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
    let chained = chain_taken(head.try_get("seq")?, head.try_get("hash")?, entries);
    for chunk in chained.chunks(APPEND_CHUNK) {
        let q = query(insert_sql(chunk.len(), anon(conn)));
        bind_chained(q, chunk).execute(&mut *conn).await?;
    }
    sqlx::query(SET_HEAD_HASH_SQL)
        .bind(chained.last().map(|c| c.hash.clone()))
        .execute(&mut *conn)
        .await?;
    Ok(chained.iter().map(|c| c.seq).collect())
}

/// Every append goes in three steps, on the sqlx connection ([`append_many`]) and on
/// a bulk load's native SQLite connection alike:
///
/// 1. `TAKE_SEQS_SQL` moves the head's sequence number past `$1` new entries (which
///    serialises appenders) and returns it with the hash of the last entry;
/// 2. [`chain_taken`] links the entries after that hash, and [`insert_sql`] writes
///    each entry's [`Chained::row`];
/// 3. `SET_HEAD_HASH_SQL` records the hash of the newest entry in the head.
///
/// A batch of new requests on SQLite, which holds the write lock from its start, reads
/// the head there instead and sets it in the same call as its rows
/// ([`crate::requests::write_batch`]); it links its entries with [`chain`] all the same.
pub(crate) const TAKE_SEQS_SQL: &str =
    "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash";
/// See [`TAKE_SEQS_SQL`].
pub(crate) const SET_HEAD_HASH_SQL: &str = "UPDATE audit_head SET hash = $1 WHERE id = 1";

/// Entries per multi-row insert (13 columns each).
const APPEND_CHUNK: usize = 500;

/// An entry with its place in the chain.
pub(crate) struct Chained<'a> {
    pub seq: i64,
    pub fields: &'a AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// The values of one `audit_log` row, in the column order of [`insert_sql`].
pub(crate) type AuditRow<'a> = (
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
);

impl Chained<'_> {
    /// The entry as the row [`insert_sql`] writes.
    pub(crate) fn row(&self) -> AuditRow<'_> {
        let f = self.fields;
        (
            self.seq,
            f.at_ms,
            f.actor_user_id,
            f.actor_token_id,
            &f.actor_label,
            &f.action,
            &f.target_type,
            &f.target_id,
            f.scope_path.as_deref(),
            f.reason.as_deref(),
            &f.details,
            &self.prev_hash,
            &self.hash,
        )
    }
}

/// Links `entries` after the entry `head_seq` whose hash is `head_hash`.
pub(crate) fn chain(head_seq: i64, head_hash: String, entries: &[AuditFields]) -> Vec<Chained<'_>> {
    let mut prev_hash = head_hash;
    let mut out = Vec::with_capacity(entries.len());
    for (seq, fields) in (head_seq + 1..).zip(entries) {
        let hash = chain_hash(&prev_hash, seq, fields);
        let prev_hash = std::mem::replace(&mut prev_hash, hash.clone());
        out.push(Chained {
            seq,
            fields,
            prev_hash,
            hash,
        });
    }
    out
}

/// Links `entries` into the sequence numbers that [`TAKE_SEQS_SQL`] took for them:
/// the head now stands at `taken_seq`, the last of them, and `head_hash` is the hash
/// of the entry before the first.
pub(crate) fn chain_taken(
    taken_seq: i64,
    head_hash: String,
    entries: &[AuditFields],
) -> Vec<Chained<'_>> {
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    chain(taken_seq - n, head_hash, entries)
}

/// `INSERT INTO audit_log … VALUES` for `rows` entries.
pub(crate) fn insert_sql(rows: usize, anon: bool) -> String {
    values_sql(
        "INSERT INTO audit_log (seq, at_ms, actor_user_id, actor_token_id, actor_label, \
         action, target_type, target_id, scope_path, reason, details, prev_hash, hash)",
        13,
        rows,
        "",
        anon,
    )
}

/// Binds the entries of [`insert_sql`], in order.
pub(crate) fn bind_chained<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    entries: &'q [Chained<'q>],
) -> Query<'q, Any, AnyArguments> {
    for c in entries {
        let (seq, at, user, token, label, action, ttype, tid, scope, reason, details, prev, hash) =
            c.row();
        q = q
            .bind(seq)
            .bind(at)
            .bind(user)
            .bind(token)
            .bind(label)
            .bind(action)
            .bind(ttype)
            .bind(tid)
            .bind(scope)
            .bind(reason)
            .bind(details)
            .bind(prev)
            .bind(hash);
    }
    q
}

macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT seq, at_ms, actor_user_id, actor_token_id, actor_label, action, target_type, \
             target_id, scope_path, reason, details, prev_hash, hash FROM audit_log ",
            $rest
        )
    };
}

/// An `audit_log` row as stored.
#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at_ms: i64,
    actor_user_id: Option<i64>,
    actor_token_id: Option<i64>,
    actor_label: String,
    action: String,
    target_type: String,
    target_id: String,
    scope_path: Option<String>,
    reason: Option<String>,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for StoredEntry {
    fn from(r: EntryRow) -> Self {
        StoredEntry {
            seq: r.seq,
            fields: AuditFields {
                at_ms: r.at_ms,
                actor_user_id: r.actor_user_id,
                actor_token_id: r.actor_token_id,
                actor_label: r.actor_label,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                scope_path: r.scope_path,
                reason: r.reason,
                details: r.details,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Filters for reading the log; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries whose scope lies inside one of these subtrees (all when `None`).
    pub scope: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub actor_user_id: Option<i64>,
    /// Entries with a sequence number below this (for paging backwards).
    pub before_seq: Option<i64>,
}

/// Newest entries first, at most `limit`.
pub async fn list(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    limit: i64,
) -> StoreResult<Vec<StoredEntry>> {
    let scope_end = f.scope.as_deref().map(prefix_end);
    let rows: Vec<EntryRow> = sqlx::query_as(select_entries!(
        "WHERE (CAST($1 AS TEXT) IS NULL OR (scope_path >= $1 AND scope_path < $2)) \
         AND (CAST($3 AS TEXT) IS NULL OR target_type = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR target_id = $4) \
         AND (CAST($5 AS BIGINT) IS NULL OR actor_user_id = $5) \
         AND (CAST($6 AS BIGINT) IS NULL OR seq < $6) \
         ORDER BY seq DESC LIMIT $7"
    ))
    .bind(f.scope.as_deref())
    .bind(scope_end.as_deref())
    .bind(f.target_type.as_deref())
    .bind(f.target_id.as_deref())
    .bind(f.actor_user_id)
    .bind(f.before_seq)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(StoredEntry::from).collect())
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: u64,
    pub head_seq: i64,
    pub first_break: Option<ChainBreak>,
}

/// Walks every entry in order and checks each link, then that the chain ends where
/// the head says it does (so deleting the newest entries is found too).
pub async fn verify(conn: &mut AnyConnection) -> StoreResult<Verification> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit head row is missing".into()))?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let mut verifier = ChainVerifier::default();
    let mut last_hash = civicgrid_domain::platform::audit::GENESIS_HASH.to_owned();
    let mut last_seq = 0;
    {
        let mut rows =
            sqlx::query_as::<_, EntryRow>(select_entries!("ORDER BY seq")).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let entry = StoredEntry::from(row);
            if let Err(b) = verifier.check(&entry) {
                return Ok(Verification {
                    checked: verifier.checked(),
                    head_seq,
                    first_break: Some(b),
                });
            }
            last_seq = entry.seq;
            last_hash = entry.hash;
        }
    }
    let first_break = if last_seq != head_seq {
        Some(ChainBreak::Truncated { last_seq, head_seq })
    } else if last_hash != head_hash {
        Some(ChainBreak::Link { seq: head_seq })
    } else {
        None
    };
    Ok(Verification {
        checked: verifier.checked(),
        head_seq,
        first_break,
    })
}
