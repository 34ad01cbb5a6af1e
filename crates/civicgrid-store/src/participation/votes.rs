//! Votes, their electorate frozen at opening, each voter's standing ballot with every
//! ballot ever cast kept beside it, the running count by choice that each ballot moves,
//! and proxies.

use civicgrid_domain::participation::estates::Owner;
use civicgrid_domain::participation::votes::{Channel, Electorate, VoteSpec, VoteState};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::corrupt;
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    pub id: i64,
    /// The node whose subtree votes (for an owners' vote, the estate's community).
    pub node_id: i64,
    pub scope: OrgPath,
    pub estate_id: Option<i64>,
    pub spec: VoteSpec,
    pub state: VoteState,
    pub closes_at: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The electorate's size once frozen: area (owners' votes) and voters.
    pub total_area: i64,
    pub total_heads: i64,
    /// The published result (JSON), once closed.
    pub result: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct VoteRow {
    id: i64,
    node_id: i64,
    scope_path: String,
    estate_id: Option<i64>,
    spec: String,
    state: String,
    closes_at: i64,
    created_by: Option<i64>,
    created_at: i64,
    opened_at: Option<i64>,
    closed_at: Option<i64>,
    total_area: i64,
    total_heads: i64,
    result: Option<String>,
    version: i64,
}

impl TryFrom<VoteRow> for VoteRecord {
    type Error = StoreError;

    fn try_from(r: VoteRow) -> StoreResult<Self> {
        Ok(VoteRecord {
            id: r.id,
            node_id: r.node_id,
            scope: OrgPath::from_stored(r.scope_path),
            estate_id: r.estate_id,
            spec: serde_json::from_str(&r.spec).map_err(corrupt)?,
            state: VoteState::parse(&r.state).map_err(corrupt)?,
            closes_at: r.closes_at,
            created_by: r.created_by,
            created_at: r.created_at,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            total_area: r.total_area,
            total_heads: r.total_heads,
            result: r.result,
            version: r.version,
        })
    }
}

macro_rules! select_votes {
    ($rest:literal) => {
        concat!(
            "SELECT id, node_id, scope_path, estate_id, spec, state, closes_at, created_by, \
             created_at, opened_at, closed_at, total_area, total_heads, result, version \
             FROM votes ",
            $rest
        )
    };
}

fn spec_json(spec: &VoteSpec) -> StoreResult<String> {
    serde_json::to_string(spec).map_err(corrupt)
}

/// Stores a new draft vote.
pub async fn insert_vote(conn: &mut AnyConnection, v: &VoteRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO votes (node_id, scope_path, estate_id, kind, electorate, spec, title, \
         state, closes_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(v.node_id)
    .bind(v.scope.as_str())
    .bind(v.estate_id)
    .bind(v.spec.kind.code())
    .bind(v.spec.electorate.code())
    .bind(spec_json(&v.spec)?)
    .bind(v.spec.title.as_str())
    .bind(v.state.code())
    .bind(v.closes_at)
    .bind(v.created_by)
    .bind(v.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_vote(conn: &mut AnyConnection, id: i64) -> StoreResult<VoteRecord> {
    let row: VoteRow = sqlx::query_as(select_votes!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Writes a vote's state, times, totals and result if it is still at `version`;
/// returns the new version, or `None` when someone changed it first.
pub async fn update_vote(conn: &mut AnyConnection, v: &VoteRecord) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE votes SET spec = $2, title = $3, state = $4, closes_at = $5, opened_at = $6, \
         closed_at = $7, total_area = $8, total_heads = $9, result = $10, version = version + 1 \
         WHERE id = $1 AND version = $11",
    )
    .bind(v.id)
    .bind(spec_json(&v.spec)?)
    .bind(v.spec.title.as_str())
    .bind(v.state.code())
    .bind(v.closes_at)
    .bind(v.opened_at)
    .bind(v.closed_at)
    .bind(v.total_area)
    .bind(v.total_heads)
    .bind(v.result.as_deref())
    .bind(v.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(v.version + 1))
}

/// Votes inside the subtree of `scope`, newest first, at most `limit`.
pub async fn list_votes(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<VoteRecord>> {
    let rows: Vec<VoteRow> = sqlx::query_as(select_votes!(
        "WHERE scope_path >= $1 AND scope_path < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    crate::repo::records(rows)
}

/// Opened votes (open or closed) held at one of `places` (a node and its ancestors:
/// the votes a resident there may take part in), newest first, at most `limit`.
pub async fn votes_over(
    conn: &mut AnyConnection,
    places: &[OrgPath],
    limit: i64,
) -> StoreResult<Vec<VoteRecord>> {
    let mut out = Vec::new();
    for p in places {
        let rows: Vec<VoteRow> = sqlx::query_as(select_votes!(
            "WHERE scope_path = $1 AND state <> 'draft' ORDER BY id DESC LIMIT $2"
        ))
        .bind(p.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        out.extend(crate::repo::records::<_, VoteRecord>(rows)?);
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.id));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Open votes past their closing time (for the closing job).
pub async fn votes_due_to_close(conn: &mut AnyConnection, now_ms: i64) -> StoreResult<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM votes WHERE state = 'open' AND closes_at <= $1")
            .bind(now_ms)
            .fetch_all(conn)
            .await?,
    )
}

/// Freezes the owners of an owners' vote: one voter per owner with its area, and each
/// room with the owner holding it.
pub async fn freeze_owners(
    conn: &mut AnyConnection,
    vote_id: i64,
    owners: &[Owner],
    parts: &[(i64, i64, i64, i64)],
) -> StoreResult<()> {
    let anon = crate::dialect::anon(conn);
    for chunk in owners.chunks(300) {
        let sql = crate::dialect::values_sql(
            "INSERT INTO vote_voters (vote_id, voter_key, area_centi)",
            3,
            chunk.len(),
            "",
            anon,
        );
        let mut q = crate::dialect::query(sql);
        for o in chunk {
            q = q.bind(vote_id).bind(o.key).bind(o.area_centi);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in parts.chunks(180) {
        let sql = crate::dialect::values_sql(
            "INSERT INTO vote_parts (vote_id, room_id, building_id, voter_key, area_centi)",
            5,
            chunk.len(),
            "",
            anon,
        );
        let mut q = crate::dialect::query(sql);
        for (room, building, key, area) in chunk {
            q = q
                .bind(vote_id)
                .bind(*room)
                .bind(*building)
                .bind(*key)
                .bind(*area);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Freezes a residents' or households' electorate from the ledger: every present
/// resident born in or before `born_by_ym` (YYYYMM), or every active household with a
/// present resident, inside the subtree of `scope`. Returns how many voters it froze.
pub async fn freeze_ledger_voters(
    conn: &mut AnyConnection,
    vote_id: i64,
    electorate: Electorate,
    scope: &OrgPath,
    born_by_ym: i64,
) -> StoreResult<i64> {
    let sql = match electorate {
        Electorate::Residents => {
            "INSERT INTO vote_voters (vote_id, voter_key, area_centi) \
             SELECT $1, r.id, 0 FROM residents r JOIN org_nodes g ON g.id = r.grid_id \
             WHERE g.path >= $2 AND g.path < $3 AND r.birth_ym <= $4 \
               AND r.residence_status IN ('registered', 'floating')"
        }
        Electorate::Households => {
            "INSERT INTO vote_voters (vote_id, voter_key, area_centi) \
             SELECT $1, h.id, 0 FROM households h JOIN org_nodes g ON g.id = h.grid_id \
             WHERE g.path >= $2 AND g.path < $3 AND h.active = 1 AND $4 >= 0 \
               AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id \
                 AND r.residence_status IN ('registered', 'floating'))"
        }
        Electorate::Owners => {
            return Err(StoreError::Corrupt("owners are frozen from parts".into()));
        }
    };
    let done = sqlx::query(sql)
        .bind(vote_id)
        .bind(scope.as_str())
        .bind(prefix_end(scope.as_str()))
        .bind(born_by_ym)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() as i64)
}

/// The area a voter holds in vote `vote_id`, or `None` when it is not in the
/// electorate.
pub async fn voter_area(
    conn: &mut AnyConnection,
    vote_id: i64,
    voter_key: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT area_centi FROM vote_voters WHERE vote_id = $1 AND voter_key = $2",
    )
    .bind(vote_id)
    .bind(voter_key)
    .fetch_optional(conn)
    .await?)
}

/// One room of each voter of an owners' vote (the lowest id), by room id.
pub async fn room_per_voter(conn: &mut AnyConnection, vote_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(room_id) AS room_id FROM vote_parts WHERE vote_id = $1 \
         GROUP BY voter_key ORDER BY room_id",
    )
    .bind(vote_id)
    .fetch_all(conn)
    .await?)
}

/// The voter holding room `room_id` in an owners' vote.
pub async fn voter_of_room(
    conn: &mut AnyConnection,
    vote_id: i64,
    room_id: i64,
) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT voter_key FROM vote_parts WHERE vote_id = $1 AND room_id = $2")
            .bind(vote_id)
            .bind(room_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// The voting household living in room `room_id` in a households' vote (the oldest
/// when several share it).
pub async fn household_voter_of_room(
    conn: &mut AnyConnection,
    vote_id: i64,
    room_id: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT v.voter_key FROM vote_voters v JOIN households h ON h.id = v.voter_key \
         WHERE v.vote_id = $1 AND h.room_id = $2 ORDER BY h.id LIMIT 1",
    )
    .bind(vote_id)
    .bind(room_id)
    .fetch_optional(conn)
    .await?)
}

/// One ballot as cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotInput<'a> {
    pub vote_id: i64,
    pub voter_key: i64,
    pub choice: &'a str,
    pub agrees: bool,
    pub channel: Channel,
    pub cast_by: Option<i64>,
    pub collector: Option<&'a str>,
    pub at_ms: i64,
}

/// How many times [`cast_ballot`] reads the standing ballot again when another ballot
/// of the same voter changed it in between (PostgreSQL, concurrent writers).
const CAST_ATTEMPTS: usize = 5;

/// Records a ballot: it becomes the voter's standing ballot (replacing an earlier one)
/// and joins the history. Returns whether it replaced one.
///
/// The vote's running count ([`count_ballots`]) moves in the same transaction: a new
/// ballot adds one and its voter's area to its choice; a replacement moves them from
/// the old choice to the new. A voter outside the frozen electorate counts nowhere, as
/// in a recount. The standing ballot is replaced only if its choice is still the one
/// read (compare and set), so two ballots of one voter racing on PostgreSQL cannot both
/// take the old choice away.
pub async fn cast_ballot(conn: &mut AnyConnection, b: &BallotInput<'_>) -> StoreResult<bool> {
    for _ in 0..CAST_ATTEMPTS {
        let (area, old): (Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT area_centi FROM vote_voters WHERE vote_id = $1 AND voter_key = $2),                     (SELECT choice FROM ballots WHERE vote_id = $1 AND voter_key = $2)",
        )
        .bind(b.vote_id)
        .bind(b.voter_key)
        .fetch_one(&mut *conn)
        .await?;
        let replaced = match &old {
            Some(old) => {
                let done = sqlx::query(
                    "UPDATE ballots SET choice = $3, agrees = $4, channel = $5, cast_by = $6, \
                     collector = $7, cast_at = $8, replaced = replaced + 1 \
                     WHERE vote_id = $1 AND voter_key = $2 AND choice = $9",
                )
                .bind(b.vote_id)
                .bind(b.voter_key)
                .bind(b.choice)
                .bind(i64::from(b.agrees))
                .bind(b.channel.code())
                .bind(b.cast_by)
                .bind(b.collector)
                .bind(b.at_ms)
                .bind(old.as_str())
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() != 1 {
                    // Another ballot of this voter landed since the read: read again.
                    continue;
                }
                true
            }
            None => {
                sqlx::query(
                    "INSERT INTO ballots (vote_id, voter_key, choice, agrees, channel, cast_by, \
                     collector, cast_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(b.vote_id)
                .bind(b.voter_key)
                .bind(b.choice)
                .bind(i64::from(b.agrees))
                .bind(b.channel.code())
                .bind(b.cast_by)
                .bind(b.collector)
                .bind(b.at_ms)
                .execute(&mut *conn)
                .await?;
                false
            }
        };
        if let Some(area) = area
            && old.as_deref() != Some(b.choice)
        {
            let mut moves = vec![(b.choice, 1, area)];
            if let Some(old) = old.as_deref() {
                moves.push((old, -1, -area));
            }
            // Every transaction touches the rows in one order, so two opposite moves
            // cannot deadlock on PostgreSQL.
            moves.sort_by_key(|m| m.0);
            for (choice, ballots, area_centi) in moves {
                add_to_total(conn, b.vote_id, choice, ballots, area_centi).await?;
            }
        }
        sqlx::query(
            "INSERT INTO ballot_history (vote_id, voter_key, choice, channel, cast_by, \
             collector, cast_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(b.vote_id)
        .bind(b.voter_key)
        .bind(b.choice)
        .bind(b.channel.code())
        .bind(b.cast_by)
        .bind(b.collector)
        .bind(b.at_ms)
        .execute(conn)
        .await?;
        return Ok(replaced);
    }
    Err(StoreError::Stale)
}

/// Adds `ballots` ballots and `area_centi` area (either may be negative) to a choice's
/// running count.
async fn add_to_total(
    conn: &mut AnyConnection,
    vote_id: i64,
    choice: &str,
    ballots: i64,
    area_centi: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO vote_totals (vote_id, choice, ballots, area_centi) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (vote_id, choice) DO UPDATE SET \
           ballots = vote_totals.ballots + excluded.ballots, \
           area_centi = vote_totals.area_centi + excluded.area_centi",
    )
    .bind(vote_id)
    .bind(choice)
    .bind(ballots)
    .bind(area_centi)
    .execute(conn)
    .await?;
    Ok(())
}

/// A voter's standing ballot: its choice, channel and when it was cast.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Ballot {
    pub voter_key: i64,
    pub choice: String,
    pub channel: String,
    pub collector: Option<String>,
    pub cast_at: i64,
    pub replaced: i64,
    /// The scan of the paper ballot, when one was kept with it (the history only).
    pub scan_id: Option<i64>,
}

pub async fn ballot_of(
    conn: &mut AnyConnection,
    vote_id: i64,
    voter_key: i64,
) -> StoreResult<Option<Ballot>> {
    Ok(sqlx::query_as(
        "SELECT voter_key, choice, channel, collector, cast_at, replaced, \
           CAST(NULL AS BIGINT) AS scan_id FROM ballots WHERE vote_id = $1 AND voter_key = $2",
    )
    .bind(vote_id)
    .bind(voter_key)
    .fetch_optional(conn)
    .await?)
}

/// Every ballot ever cast in a vote, replacements included, in the order cast, each
/// with its scan if one was kept (for the auditor).
pub async fn ballot_history(conn: &mut AnyConnection, vote_id: i64) -> StoreResult<Vec<Ballot>> {
    Ok(sqlx::query_as(
        "SELECT h.voter_key, h.choice, h.channel, h.collector, h.cast_at, 0 AS replaced, \
           s.id AS scan_id \
         FROM ballot_history h LEFT JOIN ballot_scans s ON s.history_id = h.id \
         WHERE h.vote_id = $1 ORDER BY h.id",
    )
    .bind(vote_id)
    .fetch_all(conn)
    .await?)
}

/// A paper ballot's scan to keep with the ballot just entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBallotScan<'a> {
    pub vote_id: i64,
    pub voter_key: i64,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: Option<i64>,
    pub at_ms: i64,
}

/// Keeps a scan with the voter's latest ballot in the history (the one just cast, in
/// the same transaction); returns the scan's id.
pub async fn insert_ballot_scan(
    conn: &mut AnyConnection,
    s: &NewBallotScan<'_>,
) -> StoreResult<i64> {
    let history_id: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(id) FROM ballot_history WHERE vote_id = $1 AND voter_key = $2",
    )
    .bind(s.vote_id)
    .bind(s.voter_key)
    .fetch_one(&mut *conn)
    .await?;
    let history_id = history_id.ok_or(StoreError::NotFound)?;
    Ok(sqlx::query_scalar(
        "INSERT INTO ballot_scans (history_id, vote_id, content_type, byte_len, sha256, \
         uploaded_by, uploaded_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(history_id)
    .bind(s.vote_id)
    .bind(s.content_type)
    .bind(i64::try_from(s.data.len()).unwrap_or(i64::MAX))
    .bind(s.sha256)
    .bind(s.uploaded_by)
    .bind(s.at_ms)
    .bind(s.data.to_vec())
    .fetch_one(conn)
    .await?)
}

/// What is known of a stored scan besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BallotScan {
    pub id: i64,
    pub vote_id: i64,
    pub content_type: String,
    pub byte_len: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

/// A scan with its bytes.
pub async fn ballot_scan(conn: &mut AnyConnection, id: i64) -> StoreResult<(BallotScan, Vec<u8>)> {
    let meta: BallotScan = sqlx::query_as(
        "SELECT id, vote_id, content_type, byte_len, sha256, uploaded_at FROM ballot_scans \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM ballot_scans WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok((meta, data))
}

/// The ballots of one choice: how many (one per voter, so also the headcount) and the
/// area their voters hold.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChoiceCount {
    pub choice: String,
    pub ballots: i64,
    pub area_centi: i64,
}

/// The standing ballots counted by choice, with their voters' area: the running count
/// [`cast_ballot`] keeps, a few rows whatever the number of ballots. It equals
/// [`recount_ballots`].
pub async fn count_ballots(
    conn: &mut AnyConnection,
    vote_id: i64,
) -> StoreResult<Vec<ChoiceCount>> {
    Ok(sqlx::query_as(
        "SELECT choice, ballots, area_centi FROM vote_totals \
         WHERE vote_id = $1 AND ballots <> 0 ORDER BY choice",
    )
    .bind(vote_id)
    .fetch_all(conn)
    .await?)
}

/// The standing ballots counted from the ballots themselves, by choice, with their
/// voters' area (every ballot read: for checking the running count).
pub async fn recount_ballots(
    conn: &mut AnyConnection,
    vote_id: i64,
) -> StoreResult<Vec<ChoiceCount>> {
    Ok(sqlx::query_as(
        "SELECT b.choice, COUNT(*) AS ballots, \
           CAST(COALESCE(SUM(v.area_centi), 0) AS BIGINT) AS area_centi \
         FROM ballots b JOIN vote_voters v ON v.vote_id = b.vote_id AND v.voter_key = b.voter_key \
         WHERE b.vote_id = $1 GROUP BY b.choice ORDER BY b.choice",
    )
    .bind(vote_id)
    .fetch_all(conn)
    .await?)
}

/// Every standing ballot's choice (ranked polls count them round by round).
pub async fn ballot_choices(conn: &mut AnyConnection, vote_id: i64) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT choice FROM ballots WHERE vote_id = $1")
            .bind(vote_id)
            .fetch_all(conn)
            .await?,
    )
}

/// An owners' vote's turnout in one building: its rooms and area, and how many of
/// them (and how much area) belong to owners who have voted.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuildingTurnout {
    pub building_id: i64,
    pub building: String,
    pub rooms: i64,
    pub voted_rooms: i64,
    pub area_centi: i64,
    pub voted_area_centi: i64,
}

pub async fn turnout_by_building(
    conn: &mut AnyConnection,
    vote_id: i64,
) -> StoreResult<Vec<BuildingTurnout>> {
    Ok(sqlx::query_as(
        "SELECT p.building_id, bd.name AS building, COUNT(*) AS rooms, \
           CAST(COALESCE(SUM(CASE WHEN b.voter_key IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) \
             AS voted_rooms, \
           CAST(COALESCE(SUM(p.area_centi), 0) AS BIGINT) AS area_centi, \
           CAST(COALESCE(SUM(CASE WHEN b.voter_key IS NULL THEN 0 ELSE p.area_centi END), 0) \
             AS BIGINT) AS voted_area_centi \
         FROM vote_parts p JOIN buildings bd ON bd.id = p.building_id \
         LEFT JOIN ballots b ON b.vote_id = p.vote_id AND b.voter_key = p.voter_key \
         WHERE p.vote_id = $1 GROUP BY p.building_id, bd.name ORDER BY bd.name, p.building_id",
    )
    .bind(vote_id)
    .fetch_all(conn)
    .await?)
}

/// Rooms of an owners' vote whose owner has not voted, at most `limit`, by room id.
pub async fn rooms_not_voted(
    conn: &mut AnyConnection,
    vote_id: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT p.room_id FROM vote_parts p \
         LEFT JOIN ballots b ON b.vote_id = p.vote_id AND b.voter_key = p.voter_key \
         WHERE p.vote_id = $1 AND b.voter_key IS NULL ORDER BY p.room_id LIMIT $2",
    )
    .bind(vote_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Gives voter `voter_key`'s proxy to resident `holder` (replacing an earlier one).
pub async fn set_proxy(
    conn: &mut AnyConnection,
    vote_id: i64,
    voter_key: i64,
    holder: i64,
    recorded_by: Option<i64>,
    at_ms: i64,
) -> StoreResult<()> {
    revoke_proxy(conn, vote_id, voter_key).await?;
    sqlx::query(
        "INSERT INTO vote_proxies (vote_id, voter_key, holder_resident_id, granted_at, \
         recorded_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(vote_id)
    .bind(voter_key)
    .bind(holder)
    .bind(at_ms)
    .bind(recorded_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Withdraws a voter's proxy (nothing happens when there is none).
pub async fn revoke_proxy(
    conn: &mut AnyConnection,
    vote_id: i64,
    voter_key: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM vote_proxies WHERE vote_id = $1 AND voter_key = $2")
        .bind(vote_id)
        .bind(voter_key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who holds voter `voter_key`'s proxy, if anyone.
pub async fn proxy_holder(
    conn: &mut AnyConnection,
    vote_id: i64,
    voter_key: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT holder_resident_id FROM vote_proxies WHERE vote_id = $1 AND voter_key = $2",
    )
    .bind(vote_id)
    .bind(voter_key)
    .fetch_optional(conn)
    .await?)
}

/// The voters whose proxy resident `holder` holds.
pub async fn proxies_held(
    conn: &mut AnyConnection,
    vote_id: i64,
    holder: i64,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT voter_key FROM vote_proxies WHERE vote_id = $1 AND holder_resident_id = $2 \
         ORDER BY voter_key",
    )
    .bind(vote_id)
    .bind(holder)
    .fetch_all(conn)
    .await?)
}

/// A present resident found by name, with their home's address parts (for choosing a
/// proxy holder).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonMatch {
    pub id: i64,
    pub name: String,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
}

/// Present residents inside the subtree of `scope` whose name begins with `prefix`,
/// by name, at most `limit`.
pub async fn residents_named(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    prefix: &str,
    limit: i64,
) -> StoreResult<Vec<PersonMatch>> {
    let pattern = format!("{}%", crate::platform::accounts::like_escape(prefix.trim()));
    Ok(sqlx::query_as(
        "SELECT r.id, r.name, b.name AS building, u.name AS unit, rm.name AS room \
         FROM residents r JOIN org_nodes g ON g.id = r.grid_id \
         LEFT JOIN households h ON h.id = r.household_id \
         LEFT JOIN rooms rm ON rm.id = h.room_id LEFT JOIN units u ON u.id = rm.unit_id \
         LEFT JOIN buildings b ON b.id = u.building_id \
         WHERE r.name LIKE $3 ESCAPE '\\' AND g.path >= $1 AND g.path < $2 \
           AND r.residence_status IN ('registered', 'floating') \
         ORDER BY r.name, r.id LIMIT $4",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(pattern)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
