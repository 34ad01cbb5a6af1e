//! Commitments (落实事项) with their milestones, progress updates and photos, linked
//! requests, spending lines and the public history of every change.

use chrono::NaiveDate;
use civicgrid_domain::participation::commitments::{Milestone, Spending, State};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentRecord {
    pub id: i64,
    /// The community where it is delivered (and whose requests may be linked).
    pub community_id: i64,
    pub scope: OrgPath,
    /// Its source: the vote that decided it, or the council's adopted agenda item.
    pub vote_id: Option<i64>,
    pub meeting_item_id: Option<i64>,
    pub title: String,
    pub summary: String,
    /// The responder organisation that delivers it; `None`: the community's staff.
    pub owner_org_id: Option<i64>,
    pub state: State,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct CommitmentRow {
    id: i64,
    community_id: i64,
    scope_path: String,
    vote_id: Option<i64>,
    meeting_item_id: Option<i64>,
    title: String,
    summary: String,
    owner_org_id: Option<i64>,
    state: String,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl TryFrom<CommitmentRow> for CommitmentRecord {
    type Error = StoreError;

    fn try_from(r: CommitmentRow) -> StoreResult<Self> {
        Ok(CommitmentRecord {
            id: r.id,
            community_id: r.community_id,
            scope: OrgPath::from_stored(r.scope_path),
            vote_id: r.vote_id,
            meeting_item_id: r.meeting_item_id,
            title: r.title,
            summary: r.summary,
            owner_org_id: r.owner_org_id,
            state: State::parse(&r.state).map_err(corrupt)?,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

macro_rules! select_commitments {
    ($rest:literal) => {
        concat!(
            "SELECT id, community_id, scope_path, vote_id, meeting_item_id, title, summary, \
             owner_org_id, state, created_by, created_at, updated_at, version FROM commitments ",
            $rest
        )
    };
}

fn date(raw: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(corrupt)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Stores a new commitment; `id` and `version` of `c` are ignored.
pub async fn insert_commitment(conn: &mut AnyConnection, c: &CommitmentRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO commitments (community_id, scope_path, vote_id, title, summary, \
         owner_org_id, state, created_by, created_at, updated_at, meeting_item_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(c.community_id)
    .bind(c.scope.as_str())
    .bind(c.vote_id)
    .bind(c.title.as_str())
    .bind(c.summary.as_str())
    .bind(c.owner_org_id)
    .bind(c.state.code())
    .bind(c.created_by)
    .bind(c.created_at)
    .bind(c.updated_at)
    .bind(c.meeting_item_id)
    .fetch_one(conn)
    .await?)
}

pub async fn get_commitment(conn: &mut AnyConnection, id: i64) -> StoreResult<CommitmentRecord> {
    let row: CommitmentRow = sqlx::query_as(select_commitments!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Writes title, summary, owner, state and `updated_at` if `c` is still at its
/// version; returns the new version, or `None` when someone changed it first.
pub async fn update_commitment(
    conn: &mut AnyConnection,
    c: &CommitmentRecord,
) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE commitments SET title = $2, summary = $3, owner_org_id = $4, state = $5, \
         updated_at = $6, version = version + 1 WHERE id = $1 AND version = $7",
    )
    .bind(c.id)
    .bind(c.title.as_str())
    .bind(c.summary.as_str())
    .bind(c.owner_org_id)
    .bind(c.state.code())
    .bind(c.updated_at)
    .bind(c.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(c.version + 1))
}

/// Commitments inside the subtree of `scope`, newest first, at most `limit`.
pub async fn list_commitments(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<CommitmentRecord>> {
    let rows: Vec<CommitmentRow> = sqlx::query_as(select_commitments!(
        "WHERE scope_path >= $1 AND scope_path < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// The commitments a council decision (an adopted agenda item) led to, oldest first.
pub async fn commitments_of_item(
    conn: &mut AnyConnection,
    item_id: i64,
) -> StoreResult<Vec<CommitmentRecord>> {
    let rows: Vec<CommitmentRow> = sqlx::query_as(select_commitments!(
        "WHERE meeting_item_id = $1 ORDER BY id"
    ))
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// The commitments a vote's decision led to, oldest first.
pub async fn commitments_of_vote(
    conn: &mut AnyConnection,
    vote_id: i64,
) -> StoreResult<Vec<CommitmentRecord>> {
    let rows: Vec<CommitmentRow> =
        sqlx::query_as(select_commitments!("WHERE vote_id = $1 ORDER BY id"))
            .bind(vote_id)
            .fetch_all(conn)
            .await?;
    records(rows)
}

/// The commitments an organisation delivers, newest first, at most `limit`.
pub async fn commitments_owned_by(
    conn: &mut AnyConnection,
    org_id: i64,
    limit: i64,
) -> StoreResult<Vec<CommitmentRecord>> {
    let rows: Vec<CommitmentRow> = sqlx::query_as(select_commitments!(
        "WHERE owner_org_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(org_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneRecord {
    pub id: i64,
    pub commitment_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct MilestoneRow {
    id: i64,
    commitment_id: i64,
    title: String,
    due_on: String,
    done_on: Option<String>,
    done_by: Option<i64>,
    created_at: i64,
}

impl TryFrom<MilestoneRow> for MilestoneRecord {
    type Error = StoreError;

    fn try_from(r: MilestoneRow) -> StoreResult<Self> {
        Ok(MilestoneRecord {
            id: r.id,
            commitment_id: r.commitment_id,
            title: r.title,
            due_on: date(&r.due_on)?,
            done_on: r.done_on.as_deref().map(date).transpose()?,
            done_by: r.done_by,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_milestone(
    conn: &mut AnyConnection,
    commitment_id: i64,
    m: &Milestone,
    at_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO commitment_milestones (commitment_id, title, due_on, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(commitment_id)
    .bind(m.title.as_str())
    .bind(day(m.due_on))
    .bind(at_ms)
    .fetch_one(conn)
    .await?)
}

/// A commitment's milestones by due date.
pub async fn milestones(
    conn: &mut AnyConnection,
    commitment_id: i64,
) -> StoreResult<Vec<MilestoneRecord>> {
    let rows: Vec<MilestoneRow> = sqlx::query_as(
        "SELECT id, commitment_id, title, due_on, done_on, done_by, created_at \
         FROM commitment_milestones WHERE commitment_id = $1 ORDER BY due_on, id",
    )
    .bind(commitment_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Marks a milestone of `commitment_id` done on `done_on`, or not done (`None`).
pub async fn set_milestone_done(
    conn: &mut AnyConnection,
    commitment_id: i64,
    milestone_id: i64,
    done_on: Option<NaiveDate>,
    by: Option<i64>,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE commitment_milestones SET done_on = $3, done_by = $4 \
             WHERE id = $2 AND commitment_id = $1",
        )
        .bind(commitment_id)
        .bind(milestone_id)
        .bind(done_on.map(day))
        .bind(by.filter(|_| done_on.is_some()))
        .execute(conn)
        .await?,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UpdateRecord {
    pub id: i64,
    pub commitment_id: i64,
    pub body: String,
    pub posted_by: Option<i64>,
    pub posted_at: i64,
}

pub async fn insert_update(
    conn: &mut AnyConnection,
    commitment_id: i64,
    body: &str,
    by: Option<i64>,
    at_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO commitment_updates (commitment_id, body, posted_by, posted_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(commitment_id)
    .bind(body)
    .bind(by)
    .bind(at_ms)
    .fetch_one(conn)
    .await?)
}

/// A commitment's progress updates, oldest first.
pub async fn updates(
    conn: &mut AnyConnection,
    commitment_id: i64,
) -> StoreResult<Vec<UpdateRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, commitment_id, body, posted_by, posted_at FROM commitment_updates \
         WHERE commitment_id = $1 ORDER BY posted_at, id",
    )
    .bind(commitment_id)
    .fetch_all(conn)
    .await?)
}

/// A photo's metadata; the bytes are read only by [`photo`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhotoMeta {
    pub id: i64,
    pub commitment_id: i64,
    pub update_id: Option<i64>,
    pub content_type: String,
    pub byte_len: i64,
    /// Hex SHA-256 of the bytes, for ETags.
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: i64,
}

/// Stores a checked photo; `id` and `byte_len` of `meta` are ignored.
pub async fn insert_photo(
    conn: &mut AnyConnection,
    meta: &PhotoMeta,
    data: &[u8],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO commitment_photos (commitment_id, update_id, content_type, byte_len, \
         sha256, width, height, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(meta.commitment_id)
    .bind(meta.update_id)
    .bind(&meta.content_type)
    .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
    .bind(&meta.sha256)
    .bind(meta.width)
    .bind(meta.height)
    .bind(meta.uploaded_by)
    .bind(meta.uploaded_at)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO commitment_photo_data (photo_id, data) VALUES ($1, $2)")
        .bind(id)
        .bind(data.to_vec())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

macro_rules! select_photos {
    ($rest:literal) => {
        concat!(
            "SELECT id, commitment_id, update_id, content_type, byte_len, sha256, width, \
             height, uploaded_by, uploaded_at FROM commitment_photos ",
            $rest
        )
    };
}

/// A commitment's photos in upload order.
pub async fn photos(conn: &mut AnyConnection, commitment_id: i64) -> StoreResult<Vec<PhotoMeta>> {
    Ok(
        sqlx::query_as(select_photos!("WHERE commitment_id = $1 ORDER BY id"))
            .bind(commitment_id)
            .fetch_all(conn)
            .await?,
    )
}

/// One photo with its bytes.
pub async fn photo(conn: &mut AnyConnection, id: i64) -> StoreResult<(PhotoMeta, Vec<u8>)> {
    let meta: PhotoMeta = sqlx::query_as(select_photos!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let data: Vec<u8> =
        sqlx::query_scalar("SELECT data FROM commitment_photo_data WHERE photo_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((meta, data))
}

/// Links a request; linking it twice is no change. Returns whether a link was added.
pub async fn link_request(
    conn: &mut AnyConnection,
    commitment_id: i64,
    request_id: i64,
    by: Option<i64>,
    at_ms: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO commitment_requests (commitment_id, request_id, linked_by, linked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (commitment_id, request_id) DO NOTHING",
    )
    .bind(commitment_id)
    .bind(request_id)
    .bind(by)
    .bind(at_ms)
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// Ids of the linked requests with when they were linked, in linking order.
pub async fn linked_requests(
    conn: &mut AnyConnection,
    commitment_id: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT request_id, linked_at FROM commitment_requests WHERE commitment_id = $1 \
         ORDER BY linked_at, request_id",
    )
    .bind(commitment_id)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingRecord {
    pub id: i64,
    pub commitment_id: i64,
    pub line: Spending,
    pub recorded_by: Option<i64>,
    pub recorded_at: i64,
}

#[derive(sqlx::FromRow)]
struct SpendingRow {
    id: i64,
    commitment_id: i64,
    what: String,
    amount_fen: i64,
    spent_on: String,
    payer: String,
    recorded_by: Option<i64>,
    recorded_at: i64,
}

impl TryFrom<SpendingRow> for SpendingRecord {
    type Error = StoreError;

    fn try_from(r: SpendingRow) -> StoreResult<Self> {
        Ok(SpendingRecord {
            id: r.id,
            commitment_id: r.commitment_id,
            line: Spending {
                what: r.what,
                amount_fen: r.amount_fen,
                spent_on: date(&r.spent_on)?,
                payer: r.payer,
            },
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

pub async fn insert_spending(
    conn: &mut AnyConnection,
    commitment_id: i64,
    s: &Spending,
    by: Option<i64>,
    at_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO commitment_spending (commitment_id, what, amount_fen, spent_on, payer, \
         recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(commitment_id)
    .bind(s.what.as_str())
    .bind(s.amount_fen)
    .bind(day(s.spent_on))
    .bind(s.payer.as_str())
    .bind(by)
    .bind(at_ms)
    .fetch_one(conn)
    .await?)
}

/// A commitment's spending lines by date.
pub async fn spending(
    conn: &mut AnyConnection,
    commitment_id: i64,
) -> StoreResult<Vec<SpendingRecord>> {
    let rows: Vec<SpendingRow> = sqlx::query_as(
        "SELECT id, commitment_id, what, amount_fen, spent_on, payer, recorded_by, \
         recorded_at FROM commitment_spending WHERE commitment_id = $1 ORDER BY spent_on, id",
    )
    .bind(commitment_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// One line of a commitment's public history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub commitment_id: i64,
    pub kind: String,
    /// JSON: what the page needs to say it in words.
    pub details: String,
    pub actor_user_id: Option<i64>,
    pub at: i64,
}

pub async fn insert_event(
    conn: &mut AnyConnection,
    commitment_id: i64,
    kind: &str,
    details: &serde_json::Value,
    by: Option<i64>,
    at_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO commitment_events (commitment_id, kind, details, actor_user_id, at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(commitment_id)
    .bind(kind)
    .bind(details.to_string())
    .bind(by)
    .bind(at_ms)
    .fetch_one(conn)
    .await?)
}

/// A commitment's history in time order.
pub async fn events(conn: &mut AnyConnection, commitment_id: i64) -> StoreResult<Vec<EventRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, commitment_id, kind, details, actor_user_id, at FROM commitment_events \
         WHERE commitment_id = $1 ORDER BY at, id",
    )
    .bind(commitment_id)
    .fetch_all(conn)
    .await?)
}

/// Ids of the requests of a community, newest first, at most `limit` (to pick from).
pub async fn community_requests(
    conn: &mut AnyConnection,
    community_id: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM requests WHERE community_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
