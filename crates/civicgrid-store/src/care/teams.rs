//! Volunteer teams of a community and their members, leaders marked.

use civicgrid_domain::care::teams::TeamKind;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, flag, found, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: i64,
    pub community_id: i64,
    pub scope: OrgPath,
    pub name: String,
    pub kind: TeamKind,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: i64,
    community_id: i64,
    scope_path: String,
    name: String,
    kind: String,
    note: String,
    created_by: Option<i64>,
    created_at: i64,
}

impl TryFrom<TeamRow> for TeamRecord {
    type Error = StoreError;

    fn try_from(r: TeamRow) -> StoreResult<Self> {
        Ok(TeamRecord {
            id: r.id,
            community_id: r.community_id,
            scope: OrgPath::from_stored(r.scope_path),
            name: r.name,
            kind: TeamKind::parse(&r.kind).map_err(corrupt)?,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

macro_rules! select_teams {
    ($rest:literal) => {
        concat!(
            "SELECT id, community_id, scope_path, name, kind, note, created_by, created_at \
             FROM volunteer_teams ",
            $rest
        )
    };
}

/// Stores a new team; `id` of `t` is ignored.
pub async fn insert_team(conn: &mut AnyConnection, t: &TeamRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_teams (community_id, scope_path, name, kind, note, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(t.community_id)
    .bind(t.scope.as_str())
    .bind(t.name.as_str())
    .bind(t.kind.code())
    .bind(t.note.as_str())
    .bind(t.created_by)
    .bind(t.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_team(conn: &mut AnyConnection, id: i64) -> StoreResult<TeamRecord> {
    let row: TeamRow = sqlx::query_as(select_teams!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Teams of communities inside `scope`, by name.
pub async fn list_teams(conn: &mut AnyConnection, scope: &OrgPath) -> StoreResult<Vec<TeamRecord>> {
    let rows: Vec<TeamRow> = sqlx::query_as(select_teams!(
        "WHERE scope_path >= $1 AND scope_path < $2 ORDER BY name, id LIMIT 200"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberRow {
    pub volunteer_id: i64,
    pub leader: i64,
    pub added_at: i64,
}

/// The members of a team, leaders first.
pub async fn members_of(conn: &mut AnyConnection, team_id: i64) -> StoreResult<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT volunteer_id, leader, added_at FROM volunteer_team_members WHERE team_id = $1 \
         ORDER BY leader DESC, added_at, volunteer_id",
    )
    .bind(team_id)
    .fetch_all(conn)
    .await?)
}

/// Adds a member, or when already one sets whether they lead; `true` when added.
pub async fn put_member(
    conn: &mut AnyConnection,
    team_id: i64,
    volunteer_id: i64,
    leader: bool,
    now: i64,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "UPDATE volunteer_team_members SET leader = $3 WHERE team_id = $1 AND volunteer_id = $2",
    )
    .bind(team_id)
    .bind(volunteer_id)
    .bind(flag(leader))
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO volunteer_team_members (team_id, volunteer_id, leader, added_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(team_id)
    .bind(volunteer_id)
    .bind(flag(leader))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Removes a member.
pub async fn remove_member(
    conn: &mut AnyConnection,
    team_id: i64,
    volunteer_id: i64,
) -> StoreResult<()> {
    found(
        sqlx::query("DELETE FROM volunteer_team_members WHERE team_id = $1 AND volunteer_id = $2")
            .bind(team_id)
            .bind(volunteer_id)
            .execute(conn)
            .await?,
    )
}

/// The teams a volunteer belongs to, with whether they lead it.
pub async fn teams_of_volunteer(
    conn: &mut AnyConnection,
    volunteer_id: i64,
) -> StoreResult<Vec<(TeamRecord, bool)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        community_id: i64,
        scope_path: String,
        name: String,
        kind: String,
        note: String,
        created_by: Option<i64>,
        created_at: i64,
        leader: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.community_id, t.scope_path, t.name, t.kind, t.note, t.created_by, \
         t.created_at, m.leader FROM volunteer_teams t \
         JOIN volunteer_team_members m ON m.team_id = t.id WHERE m.volunteer_id = $1 \
         ORDER BY t.name, t.id",
    )
    .bind(volunteer_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let leader = r.leader != 0;
            TeamRecord::try_from(TeamRow {
                id: r.id,
                community_id: r.community_id,
                scope_path: r.scope_path,
                name: r.name,
                kind: r.kind,
                note: r.note,
                created_by: r.created_by,
                created_at: r.created_at,
            })
            .map(|t| (t, leader))
        })
        .collect()
}
