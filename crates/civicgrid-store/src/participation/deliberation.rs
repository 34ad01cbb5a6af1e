//! Deliberation records: proposals with their supporters, comments and photos, each
//! community's support rules, and the residents' council's meetings with their agenda
//! items. The supporter count is kept on the proposal in the support's transaction.

use civicgrid_domain::participation::deliberation::{
    DEFAULT_RULES, ItemOutcome, MeetingState, ProposalState, SupportRules,
};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found};
use crate::{StoreResult, prefix_end};

/// A proposal as stored, with its author's display name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Proposal {
    pub id: i64,
    pub node_id: i64,
    pub community_id: i64,
    pub scope_path: String,
    pub title: String,
    pub description: String,
    pub reason: String,
    pub cost_fen: Option<i64>,
    pub state: String,
    pub author_user_id: i64,
    pub author_name: String,
    pub threshold: i64,
    pub deadline_at: i64,
    pub supporters: i64,
    pub vote_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Proposal {
    pub fn scope(&self) -> OrgPath {
        OrgPath::from_stored(self.scope_path.clone())
    }

    pub fn state(&self) -> StoreResult<ProposalState> {
        ProposalState::parse(&self.state).map_err(corrupt)
    }
}

const PROPOSAL_COLUMNS: &str = "p.id, p.node_id, p.community_id, p.scope_path, p.title, \
    p.description, p.reason, p.cost_fen, p.state, p.author_user_id, u.display_name AS author_name, \
    p.threshold, p.deadline_at, p.supporters, p.vote_id, p.created_at, p.updated_at";

/// A proposal to store, open.
#[derive(Debug, Clone)]
pub struct NewProposal<'a> {
    pub node_id: i64,
    pub community_id: i64,
    pub scope: &'a OrgPath,
    pub title: &'a str,
    pub description: &'a str,
    pub reason: &'a str,
    pub cost_fen: Option<i64>,
    pub author_user_id: i64,
    pub threshold: i64,
    pub deadline_at: i64,
    pub now: i64,
}

pub async fn insert_proposal(conn: &mut AnyConnection, p: &NewProposal<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposals (node_id, community_id, scope_path, title, description, reason, \
         cost_fen, state, author_user_id, threshold, deadline_at, supporters, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, 0, $11, $11) \
         RETURNING id",
    )
    .bind(p.node_id)
    .bind(p.community_id)
    .bind(p.scope.as_str())
    .bind(p.title)
    .bind(p.description)
    .bind(p.reason)
    .bind(p.cost_fen)
    .bind(p.author_user_id)
    .bind(p.threshold)
    .bind(p.deadline_at)
    .bind(p.now)
    .fetch_one(conn)
    .await?)
}

pub async fn get_proposal(conn: &mut AnyConnection, id: i64) -> StoreResult<Proposal> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals p JOIN users u ON u.id = p.author_user_id \
         WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// The proposals raised in `scope` (or below it), open and on the agenda first, then
/// the newest.
pub async fn list_proposals(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<Proposal>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals p JOIN users u ON u.id = p.author_user_id \
         WHERE p.scope_path >= $1 AND p.scope_path < $2 \
         ORDER BY CASE p.state WHEN 'agenda' THEN 0 WHEN 'open' THEN 1 ELSE 2 END, \
                  p.created_at DESC, p.id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The proposals of a community waiting for the council (state `agenda`) and not yet
/// placed on a planned meeting.
pub async fn awaiting_council(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Vec<Proposal>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals p JOIN users u ON u.id = p.author_user_id \
         WHERE p.community_id = $1 AND p.state = 'agenda' \
           AND NOT EXISTS (SELECT 1 FROM meeting_items i JOIN council_meetings m \
                ON m.id = i.meeting_id WHERE i.proposal_id = p.id AND m.state = 'planned') \
         ORDER BY p.updated_at, p.id"
    ))
    .bind(community_id)
    .fetch_all(conn)
    .await?)
}

/// Moves a proposal from `from` to `to` (optionally linking its vote); a proposal no
/// longer in `from` is [`crate::StoreError::NotFound`].
pub async fn set_proposal_state(
    conn: &mut AnyConnection,
    id: i64,
    from: &[ProposalState],
    to: ProposalState,
    vote_id: Option<i64>,
    now: i64,
) -> StoreResult<()> {
    let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.code())).collect();
    found(
        crate::dialect::query(format!(
            "UPDATE proposals SET state = $1, vote_id = COALESCE($2, vote_id), updated_at = $3 \
             WHERE id = $4 AND state IN ({})",
            states.join(", ")
        ))
        .bind(to.code())
        .bind(vote_id)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?,
    )
}

/// Records `user`'s support once; returns the supporter count after it, or `None` if
/// they had supported it already.
pub async fn add_support(
    conn: &mut AnyConnection,
    proposal_id: i64,
    user_id: i64,
    now: i64,
) -> StoreResult<Option<i64>> {
    let added = sqlx::query(
        "INSERT INTO proposal_supports (proposal_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(proposal_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if added == 0 {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar(
            "UPDATE proposals SET supporters = supporters + 1, updated_at = $1 WHERE id = $2 \
             RETURNING supporters",
        )
        .bind(now)
        .bind(proposal_id)
        .fetch_one(conn)
        .await?,
    ))
}

pub async fn has_supported(
    conn: &mut AnyConnection,
    proposal_id: i64,
    user_id: i64,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = $1 AND user_id = $2",
    )
    .bind(proposal_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// A community's support rules; the default when it has set none.
pub async fn rules(conn: &mut AnyConnection, community_id: i64) -> StoreResult<SupportRules> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT threshold, window_days FROM deliberation_rules WHERE community_id = $1",
    )
    .bind(community_id)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map_or(DEFAULT_RULES, |(threshold, window_days)| SupportRules {
            threshold,
            window_days,
        }),
    )
}

pub async fn set_rules(
    conn: &mut AnyConnection,
    community_id: i64,
    r: SupportRules,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deliberation_rules (community_id, threshold, window_days, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (community_id) DO UPDATE SET \
         threshold = excluded.threshold, window_days = excluded.window_days, \
         updated_at = excluded.updated_at",
    )
    .bind(community_id)
    .bind(r.threshold)
    .bind(r.window_days)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A comment with its writer's display name; a removed one keeps its text here for
/// the auditor (the app hides it from everyone else).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub proposal_id: i64,
    pub user_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
    pub removed_at: Option<i64>,
    pub removal_reason: Option<String>,
    pub removal_note: Option<String>,
}

pub async fn insert_comment(
    conn: &mut AnyConnection,
    proposal_id: i64,
    user_id: i64,
    body: &str,
    now: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposal_comments (proposal_id, user_id, body, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(proposal_id)
    .bind(user_id)
    .bind(body)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

const COMMENT_COLUMNS: &str = "c.id, c.proposal_id, c.user_id, u.display_name AS author_name, \
    c.body, c.created_at, c.removed_at, c.removal_reason, c.removal_note";

pub async fn comments(conn: &mut AnyConnection, proposal_id: i64) -> StoreResult<Vec<Comment>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {COMMENT_COLUMNS} FROM proposal_comments c JOIN users u ON u.id = c.user_id \
         WHERE c.proposal_id = $1 ORDER BY c.id LIMIT 500"
    ))
    .bind(proposal_id)
    .fetch_all(conn)
    .await?)
}

pub async fn get_comment(conn: &mut AnyConnection, id: i64) -> StoreResult<Comment> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {COMMENT_COLUMNS} FROM proposal_comments c JOIN users u ON u.id = c.user_id \
         WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Removes a comment still shown; one removed already is [`crate::StoreError::NotFound`].
pub async fn remove_comment(
    conn: &mut AnyConnection,
    id: i64,
    by: Option<i64>,
    reason: &str,
    note: &str,
    now: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE proposal_comments SET removed_at = $1, removed_by = $2, removal_reason = $3, \
             removal_note = $4 WHERE id = $5 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(by)
        .bind(reason)
        .bind(note)
        .bind(id)
        .execute(conn)
        .await?,
    )
}

/// A photo's metadata (the bytes are read only to show it).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProposalPhoto {
    pub id: i64,
    pub proposal_id: i64,
    pub content_type: String,
    pub byte_len: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploaded_at: i64,
}

/// A checked, cleaned photo to store.
pub struct NewPhoto<'a> {
    pub proposal_id: i64,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub width: i64,
    pub height: i64,
    pub uploaded_by: Option<i64>,
    pub now: i64,
    pub data: &'a [u8],
}

pub async fn insert_photo(conn: &mut AnyConnection, p: &NewPhoto<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO proposal_photos (proposal_id, content_type, byte_len, sha256, width, height, \
         uploaded_by, uploaded_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(p.proposal_id)
    .bind(p.content_type)
    .bind(i64::try_from(p.data.len()).unwrap_or(i64::MAX))
    .bind(p.sha256)
    .bind(p.width)
    .bind(p.height)
    .bind(p.uploaded_by)
    .bind(p.now)
    .bind(p.data.to_vec())
    .fetch_one(conn)
    .await?)
}

const PHOTO_COLUMNS: &str =
    "id, proposal_id, content_type, byte_len, sha256, width, height, uploaded_at";

pub async fn photos(conn: &mut AnyConnection, proposal_id: i64) -> StoreResult<Vec<ProposalPhoto>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {PHOTO_COLUMNS} FROM proposal_photos WHERE proposal_id = $1 ORDER BY id"
    ))
    .bind(proposal_id)
    .fetch_all(conn)
    .await?)
}

/// A photo with its bytes.
pub async fn photo(conn: &mut AnyConnection, id: i64) -> StoreResult<(ProposalPhoto, Vec<u8>)> {
    let meta: ProposalPhoto = crate::dialect::query_as(format!(
        "SELECT {PHOTO_COLUMNS} FROM proposal_photos WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM proposal_photos WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok((meta, data))
}

/// A council meeting as stored; attendees one per line.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub community_id: i64,
    pub scope_path: String,
    pub title: String,
    pub held_at: i64,
    pub place: String,
    pub state: String,
    pub attendees: String,
    pub minutes: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Meeting {
    pub fn scope(&self) -> OrgPath {
        OrgPath::from_stored(self.scope_path.clone())
    }

    pub fn state(&self) -> StoreResult<MeetingState> {
        MeetingState::parse(&self.state).map_err(corrupt)
    }

    pub fn attendee_names(&self) -> Vec<&str> {
        self.attendees.lines().filter(|l| !l.is_empty()).collect()
    }
}

const MEETING_COLUMNS: &str = "id, community_id, scope_path, title, held_at, place, state, \
    attendees, minutes, created_by, created_at, updated_at";

pub struct NewMeeting<'a> {
    pub community_id: i64,
    pub scope: &'a OrgPath,
    pub title: &'a str,
    pub held_at: i64,
    pub place: &'a str,
    pub created_by: Option<i64>,
    pub now: i64,
}

pub async fn insert_meeting(conn: &mut AnyConnection, m: &NewMeeting<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO council_meetings (community_id, scope_path, title, held_at, place, state, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7, $7) \
         RETURNING id",
    )
    .bind(m.community_id)
    .bind(m.scope.as_str())
    .bind(m.title)
    .bind(m.held_at)
    .bind(m.place)
    .bind(m.created_by)
    .bind(m.now)
    .fetch_one(conn)
    .await?)
}

pub async fn get_meeting(conn: &mut AnyConnection, id: i64) -> StoreResult<Meeting> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {MEETING_COLUMNS} FROM council_meetings WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// The meetings of `scope`'s communities, the coming ones first, then the latest held.
pub async fn list_meetings(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<Meeting>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {MEETING_COLUMNS} FROM council_meetings \
         WHERE (scope_path >= $1 AND scope_path < $2) OR $1 LIKE scope_path || '%' \
         ORDER BY CASE state WHEN 'planned' THEN 0 ELSE 1 END, held_at DESC, id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records a planned meeting as held, with its attendees and minutes; a meeting held
/// already is [`crate::StoreError::NotFound`].
pub async fn record_minutes(
    conn: &mut AnyConnection,
    id: i64,
    attendees: &[String],
    minutes: &str,
    now: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE council_meetings SET state = 'held', attendees = $1, minutes = $2, \
             updated_at = $3 WHERE id = $4 AND state = 'planned'",
        )
        .bind(attendees.join("\n"))
        .bind(minutes)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?,
    )
}

/// An agenda item as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingItem {
    pub id: i64,
    pub meeting_id: i64,
    pub position: i64,
    pub proposal_id: Option<i64>,
    pub title: String,
    pub outcome: Option<String>,
    pub outcome_note: String,
}

impl MeetingItem {
    pub fn outcome(&self) -> StoreResult<Option<ItemOutcome>> {
        self.outcome
            .as_deref()
            .map(|o| ItemOutcome::parse(o).map_err(corrupt))
            .transpose()
    }
}

/// Appends an item to a meeting's agenda; a proposal already on it is a conflict.
pub async fn add_item(
    conn: &mut AnyConnection,
    meeting_id: i64,
    proposal_id: Option<i64>,
    title: &str,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO meeting_items (meeting_id, position, proposal_id, title) VALUES ($1, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM meeting_items WHERE meeting_id = $1), \
         $2, $3) RETURNING id",
    )
    .bind(meeting_id)
    .bind(proposal_id)
    .bind(title)
    .fetch_one(conn)
    .await?)
}

pub async fn items(conn: &mut AnyConnection, meeting_id: i64) -> StoreResult<Vec<MeetingItem>> {
    Ok(sqlx::query_as(
        "SELECT id, meeting_id, position, proposal_id, title, outcome, outcome_note \
         FROM meeting_items WHERE meeting_id = $1 ORDER BY position",
    )
    .bind(meeting_id)
    .fetch_all(conn)
    .await?)
}

pub async fn set_outcome(
    conn: &mut AnyConnection,
    item_id: i64,
    outcome: ItemOutcome,
    note: &str,
) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE meeting_items SET outcome = $1, outcome_note = $2 WHERE id = $3")
            .bind(outcome.code())
            .bind(note)
            .bind(item_id)
            .execute(conn)
            .await?,
    )
}

/// The meeting items that discussed a proposal, with their meeting, oldest first.
pub async fn items_of_proposal(
    conn: &mut AnyConnection,
    proposal_id: i64,
) -> StoreResult<Vec<(MeetingItem, Meeting)>> {
    let items: Vec<MeetingItem> = sqlx::query_as(
        "SELECT id, meeting_id, position, proposal_id, title, outcome, outcome_note \
         FROM meeting_items WHERE proposal_id = $1 ORDER BY id",
    )
    .bind(proposal_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        let m = get_meeting(conn, i.meeting_id).await?;
        out.push((i, m));
    }
    Ok(out)
}

/// The agenda items the council adopted at meetings of `scope`'s communities, with
/// their meeting, the latest first.
pub async fn adopted_items(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<(MeetingItem, Meeting)>> {
    let items: Vec<MeetingItem> = sqlx::query_as(
        "SELECT i.id, i.meeting_id, i.position, i.proposal_id, i.title, i.outcome, \
         i.outcome_note FROM meeting_items i JOIN council_meetings m ON m.id = i.meeting_id \
         WHERE i.outcome = 'adopted' AND m.scope_path >= $1 AND m.scope_path < $2 \
         ORDER BY m.held_at DESC, i.position LIMIT $3",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        let m = get_meeting(conn, i.meeting_id).await?;
        out.push((i, m));
    }
    Ok(out)
}

/// One agenda item.
pub async fn get_item(conn: &mut AnyConnection, id: i64) -> StoreResult<MeetingItem> {
    Ok(sqlx::query_as(
        "SELECT id, meeting_id, position, proposal_id, title, outcome, outcome_note \
         FROM meeting_items WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}
