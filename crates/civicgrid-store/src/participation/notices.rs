//! Notices and their recipients: the notice as written, the audience frozen when it is
//! published (a row per household, or per account for role holders), and each row's
//! read receipt with the grid worker's follow-up.

use civicgrid_domain::participation::notices::Target;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::found;
use crate::{StoreResult, prefix_end};

/// The residence statuses of people who live in a household (a notice reaches them).
const LIVING: &str = "('registered', 'floating')";

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub node_id: i64,
    pub scope_path: String,
    pub code: String,
    pub title_zh: Option<String>,
    pub body_zh: Option<String>,
    pub title_en: Option<String>,
    pub body_en: Option<String>,
    pub target: String,
    pub target_values: String,
    pub estate_id: Option<i64>,
    pub pinned: i64,
    pub important: i64,
    pub read_by: Option<i64>,
    pub expires_at: Option<i64>,
    pub state: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub updated_at: i64,
}

impl Notice {
    pub fn scope(&self) -> OrgPath {
        OrgPath::from_stored(self.scope_path.clone())
    }

    /// Whom it is for; `None` for a stored shape this version does not know.
    pub fn target(&self) -> Option<Target> {
        Target::from_stored(&self.target, &self.target_values, self.estate_id)
    }
}

const NOTICE_COLUMNS: &str = "n.id, n.node_id, n.scope_path, n.code, n.title_zh, n.body_zh, \
    n.title_en, n.body_en, n.target, n.target_values, n.estate_id, n.pinned, n.important, \
    n.read_by, n.expires_at, n.state, n.created_by, n.created_at, n.published_at, \
    n.withdrawn_at, n.updated_at";

/// A notice to store, as a draft.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub node_id: i64,
    pub scope: &'a OrgPath,
    pub code: &'a str,
    pub title_zh: Option<&'a str>,
    pub body_zh: Option<&'a str>,
    pub title_en: Option<&'a str>,
    pub body_en: Option<&'a str>,
    pub target: &'a Target,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<i64>,
    pub expires_at: Option<i64>,
    pub created_by: Option<i64>,
    pub at_ms: i64,
}

/// Stores a draft notice.
pub async fn insert_notice(conn: &mut AnyConnection, n: &NewNotice<'_>) -> StoreResult<Notice> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notices (node_id, scope_path, code, title_zh, body_zh, title_en, body_en, \
           target, target_values, estate_id, pinned, important, read_by, expires_at, state, \
           created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $16, $16) \
         RETURNING id",
    )
    .bind(n.node_id)
    .bind(n.scope.as_str())
    .bind(n.code)
    .bind(n.title_zh)
    .bind(n.body_zh)
    .bind(n.title_en)
    .bind(n.body_en)
    .bind(n.target.kind())
    .bind(n.target.values())
    .bind(n.target.estate())
    .bind(i64::from(n.pinned))
    .bind(i64::from(n.important))
    .bind(n.read_by)
    .bind(n.expires_at)
    .bind(n.created_by)
    .bind(n.at_ms)
    .fetch_one(&mut *conn)
    .await?;
    get_notice(conn, id).await
}

pub async fn get_notice(conn: &mut AnyConnection, id: i64) -> StoreResult<Notice> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// The notice with poster code `code` (as normalised by the domain), if any.
pub async fn notice_by_code(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<Notice>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.code = $1"
    ))
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// Marks a draft published at `at_ms`.
pub async fn mark_published(conn: &mut AnyConnection, id: i64, at_ms: i64) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE notices SET state = 'published', published_at = $2, updated_at = $2 \
             WHERE id = $1 AND state = 'draft'",
        )
        .bind(id)
        .bind(at_ms)
        .execute(conn)
        .await?,
    )
}

/// Marks a notice withdrawn at `at_ms`.
pub async fn mark_withdrawn(conn: &mut AnyConnection, id: i64, at_ms: i64) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE notices SET state = 'withdrawn', withdrawn_at = $2, updated_at = $2 \
             WHERE id = $1 AND state <> 'withdrawn'",
        )
        .bind(id)
        .bind(at_ms)
        .execute(conn)
        .await?,
    )
}

/// A notice on a staff list, with how far it has reached.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeSummary {
    #[sqlx(flatten)]
    pub notice: Notice,
    pub recipients: i64,
    pub read: i64,
}

/// The notices written for the subtree of `scope`, or reaching recipients in it:
/// pinned first, then newest first, at most `limit`.
pub async fn list_notices(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<NoticeSummary>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {NOTICE_COLUMNS}, \
           (SELECT COUNT(*) FROM notice_recipients r WHERE r.notice_id = n.id \
              AND r.node_path >= $1 AND r.node_path < $2) AS recipients, \
           (SELECT COUNT(*) FROM notice_recipients r WHERE r.notice_id = n.id \
              AND r.node_path >= $1 AND r.node_path < $2 AND r.read_at IS NOT NULL) AS read \
         FROM notices n \
         WHERE (n.scope_path >= $1 AND n.scope_path < $2) \
            OR EXISTS (SELECT 1 FROM notice_recipients r WHERE r.notice_id = n.id \
                 AND r.node_path >= $1 AND r.node_path < $2) \
         ORDER BY n.pinned DESC, n.created_at DESC, n.id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Freezes the households a notice reaches (its target inside `scope`) as its
/// recipients; returns how many. Active households only; for tags, those with a
/// living member carrying one of the tags; for an estate, the owner households of its
/// rooms.
pub async fn freeze_households(
    conn: &mut AnyConnection,
    notice_id: i64,
    scope: &OrgPath,
    target: &Target,
) -> StoreResult<u64> {
    const INSERT: &str = "INSERT INTO notice_recipients (notice_id, household_id, node_id, \
           node_path, building_id) \
         SELECT $1, h.id, h.grid_id, g.path, u.building_id FROM households h \
         JOIN org_nodes g ON g.id = h.grid_id JOIN rooms rm ON rm.id = h.room_id \
         JOIN units u ON u.id = rm.unit_id \
         WHERE h.active = 1 AND g.path >= $2 AND g.path < $3";
    let end = prefix_end(scope.as_str());
    let done = match target {
        Target::Everyone => sqlx::query(INSERT)
            .bind(notice_id)
            .bind(scope.as_str())
            .bind(&end)
            .execute(conn)
            .await?
            .rows_affected(),
        Target::Roles(_) => 0,
        Target::EstateOwners(estate) => crate::dialect::query(format!(
            "{INSERT} AND h.ownership = 'owner' AND u.building_id IN \
               (SELECT eb.building_id FROM estate_buildings eb WHERE eb.estate_id = $4)"
        ))
        .bind(notice_id)
        .bind(scope.as_str())
        .bind(&end)
        .bind(*estate)
        .execute(conn)
        .await?
        .rows_affected(),
        Target::Tags(tags) => {
            let mut total = 0;
            for tag in tags {
                total += crate::dialect::query(format!(
                    "{INSERT} AND EXISTS (SELECT 1 FROM residents x \
                       JOIN resident_tags t ON t.resident_id = x.id \
                       WHERE x.household_id = h.id AND t.tag_code = $4 \
                         AND x.residence_status IN {LIVING}) \
                     AND NOT EXISTS (SELECT 1 FROM notice_recipients o \
                       WHERE o.notice_id = $1 AND o.household_id = h.id)"
                ))
                .bind(notice_id)
                .bind(scope.as_str())
                .bind(&end)
                .bind(tag)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
            total
        }
    };
    Ok(done)
}

/// Freezes the active accounts holding one of `roles` at a node inside `scope` as a
/// notice's recipients (one row per account, at the first such node); returns how many.
pub async fn freeze_accounts(
    conn: &mut AnyConnection,
    notice_id: i64,
    scope: &OrgPath,
    roles: &[String],
) -> StoreResult<u64> {
    let mut total = 0;
    for role in roles {
        total += sqlx::query(
            "INSERT INTO notice_recipients (notice_id, user_id, node_id, node_path) \
             SELECT $1, m.user_id, g2.id, g2.path FROM \
               (SELECT a.user_id, MIN(g.path) AS p FROM role_assignments a \
                JOIN org_nodes g ON g.id = a.node_id JOIN users u ON u.id = a.user_id \
                WHERE a.role = $2 AND u.active = 1 AND g.path >= $3 AND g.path < $4 \
                GROUP BY a.user_id) m JOIN org_nodes g2 ON g2.path = m.p \
             WHERE NOT EXISTS (SELECT 1 FROM notice_recipients o \
                 WHERE o.notice_id = $1 AND o.user_id = m.user_id)",
        )
        .bind(notice_id)
        .bind(role)
        .bind(scope.as_str())
        .bind(prefix_end(scope.as_str()))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(total)
}

/// A notice in someone's inbox, with how their receipt stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InboxNotice {
    #[sqlx(flatten)]
    pub notice: Notice,
    pub read_at: Option<i64>,
}

/// The published, unexpired notices addressed to household `household_id` or account
/// `user_id`: pinned first, then newest first, at most `limit`.
pub async fn inbox(
    conn: &mut AnyConnection,
    household_id: Option<i64>,
    user_id: i64,
    now_ms: i64,
    limit: i64,
) -> StoreResult<Vec<InboxNotice>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {NOTICE_COLUMNS}, MIN(r.read_at) AS read_at FROM notices n \
         JOIN notice_recipients r ON r.notice_id = n.id \
         WHERE (r.household_id = $1 OR r.user_id = $2) AND n.state = 'published' \
           AND (n.expires_at IS NULL OR n.expires_at > $3) \
         GROUP BY {NOTICE_COLUMNS} \
         ORDER BY n.pinned DESC, n.published_at DESC, n.id DESC LIMIT $4"
    ))
    .bind(household_id)
    .bind(user_id)
    .bind(now_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Whether household `household_id` or account `user_id` is among a notice's
/// recipients.
pub async fn is_recipient(
    conn: &mut AnyConnection,
    notice_id: i64,
    household_id: Option<i64>,
    user_id: i64,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1 \
           AND (household_id = $2 OR user_id = $3)",
    )
    .bind(notice_id)
    .bind(household_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Records that `reader` opened the notice online, on the receipt of household
/// `household_id` and on that of account `reader`, where each exists and is not read
/// yet: opening it again changes nothing. Returns how many receipts it completed.
pub async fn record_read(
    conn: &mut AnyConnection,
    notice_id: i64,
    household_id: Option<i64>,
    reader: i64,
    at_ms: i64,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE notice_recipients SET reading = 'online', read_at = $4, read_by_user = $3 \
         WHERE notice_id = $1 AND (household_id = $2 OR user_id = $3) AND read_at IS NULL",
    )
    .bind(notice_id)
    .bind(household_id)
    .bind(reader)
    .bind(at_ms)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The public notices a community's board shows at `now_ms`: published for everyone,
/// unexpired, written for the community, a node above it, or a grid inside it.
/// Pinned first, then newest first.
pub async fn board(
    conn: &mut AnyConnection,
    community: &OrgPath,
    now_ms: i64,
) -> StoreResult<Vec<Notice>> {
    let mut out: Vec<Notice> = crate::dialect::query_as(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.state = 'published' \
           AND n.target = 'everyone' AND (n.expires_at IS NULL OR n.expires_at > $3) \
           AND n.scope_path >= $1 AND n.scope_path < $2"
    ))
    .bind(community.as_str())
    .bind(prefix_end(community.as_str()))
    .bind(now_ms)
    .fetch_all(&mut *conn)
    .await?;
    for above in community.lineage() {
        if above.as_str() == community.as_str() {
            continue;
        }
        let more: Vec<Notice> = crate::dialect::query_as(format!(
            "SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.state = 'published' \
               AND n.target = 'everyone' AND (n.expires_at IS NULL OR n.expires_at > $2) \
               AND n.scope_path = $1"
        ))
        .bind(above.as_str())
        .bind(now_ms)
        .fetch_all(&mut *conn)
        .await?;
        out.extend(more);
    }
    out.sort_by_key(|n| std::cmp::Reverse((n.pinned, n.published_at, n.id)));
    Ok(out)
}

/// A recipient with what a coverage table or a follow-up list shows: the household's
/// room and head (name as stored: the caller masks it), or the account's name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecipientLine {
    pub id: i64,
    pub notice_id: i64,
    pub household_id: Option<i64>,
    pub user_id: Option<i64>,
    pub node_id: i64,
    pub grid_name: String,
    pub building_id: Option<i64>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub head_name: Option<String>,
    pub account_name: Option<String>,
    pub reading: Option<String>,
    pub read_at: Option<i64>,
    pub followed_at: Option<i64>,
}

const RECIPIENT_SELECT: &str = "SELECT r.id, r.notice_id, r.household_id, r.user_id, \
      r.node_id, g.name_zh AS grid_name, r.building_id, b.name AS building, \
      u.name AS unit, rm.name AS room, \
      (SELECT MIN(x.name) FROM residents x WHERE x.household_id = r.household_id \
         AND x.relation = 'head') AS head_name, \
      acc.display_name AS account_name, r.reading, r.read_at, r.followed_at \
    FROM notice_recipients r JOIN org_nodes g ON g.id = r.node_id \
    LEFT JOIN households h ON h.id = r.household_id \
    LEFT JOIN rooms rm ON rm.id = h.room_id LEFT JOIN units u ON u.id = rm.unit_id \
    LEFT JOIN buildings b ON b.id = r.building_id \
    LEFT JOIN users acc ON acc.id = r.user_id";

/// A notice's recipients inside `within`, households by building, unit and room,
/// then accounts by name.
pub async fn recipients(
    conn: &mut AnyConnection,
    notice_id: i64,
    within: &OrgPath,
) -> StoreResult<Vec<RecipientLine>> {
    Ok(crate::dialect::query_as(format!(
        "{RECIPIENT_SELECT} WHERE r.notice_id = $1 AND r.node_path >= $2 AND r.node_path < $3 \
         ORDER BY CASE WHEN r.household_id IS NULL THEN 1 ELSE 0 END, b.name, u.name, rm.name, \
           acc.display_name, r.id"
    ))
    .bind(notice_id)
    .bind(within.as_str())
    .bind(prefix_end(within.as_str()))
    .fetch_all(conn)
    .await?)
}

/// The households inside `within` that have not read a notice (those not reached
/// before included), by grid, building, unit and room: the follow-up list.
pub async fn unread_households(
    conn: &mut AnyConnection,
    notice_id: i64,
    within: &OrgPath,
) -> StoreResult<Vec<RecipientLine>> {
    Ok(crate::dialect::query_as(format!(
        "{RECIPIENT_SELECT} WHERE r.notice_id = $1 AND r.node_path >= $2 AND r.node_path < $3 \
           AND r.household_id IS NOT NULL AND r.read_at IS NULL \
         ORDER BY g.name_zh, b.name, u.name, rm.name, r.id"
    ))
    .bind(notice_id)
    .bind(within.as_str())
    .bind(prefix_end(within.as_str()))
    .fetch_all(conn)
    .await?)
}

/// One recipient row.
pub async fn get_recipient(conn: &mut AnyConnection, id: i64) -> StoreResult<RecipientLine> {
    Ok(
        crate::dialect::query_as(format!("{RECIPIENT_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// The grid path a recipient row lies in.
pub async fn recipient_path(conn: &mut AnyConnection, id: i64) -> StoreResult<OrgPath> {
    let p: String = sqlx::query_scalar("SELECT node_path FROM notice_recipients WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(OrgPath::from_stored(p))
}

/// Records a grid worker's follow-up on a receipt: `reading` is `in_person` or
/// `phone` (the notice is then read, at `at_ms`) or `not_reached` (it stays unread).
pub async fn record_follow_up(
    conn: &mut AnyConnection,
    recipient_id: i64,
    reading: &str,
    read: bool,
    by: Option<i64>,
    at_ms: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE notice_recipients SET reading = $2, \
               read_at = CASE WHEN $3 = 1 THEN $5 ELSE NULL END, \
               read_by_user = CASE WHEN $3 = 1 THEN $4 ELSE NULL END, \
               followed_at = $5, followed_by = $4 \
             WHERE id = $1 AND read_at IS NULL",
        )
        .bind(recipient_id)
        .bind(reading)
        .bind(i64::from(read))
        .bind(by)
        .bind(at_ms)
        .execute(conn)
        .await?,
    )
}

/// Read and unread households of a notice inside `within`, by building.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuildingCoverage {
    pub building_id: i64,
    pub building: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub households: i64,
    pub read: i64,
}

/// How far a notice has reached the households inside `within`, building by building
/// (by grid and building name).
pub async fn coverage_by_building(
    conn: &mut AnyConnection,
    notice_id: i64,
    within: &OrgPath,
) -> StoreResult<Vec<BuildingCoverage>> {
    Ok(sqlx::query_as(
        "SELECT r.building_id, b.name AS building, g.id AS grid_id, g.name_zh AS grid_name, \
           COUNT(*) AS households, \
           SUM(CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END) AS read \
         FROM notice_recipients r JOIN buildings b ON b.id = r.building_id \
         JOIN org_nodes g ON g.id = b.grid_id \
         WHERE r.notice_id = $1 AND r.node_path >= $2 AND r.node_path < $3 \
         GROUP BY r.building_id, b.name, g.id, g.name_zh ORDER BY g.name_zh, b.name, r.building_id",
    )
    .bind(notice_id)
    .bind(within.as_str())
    .bind(prefix_end(within.as_str()))
    .fetch_all(conn)
    .await?)
}

/// An important notice with households still unread after its deadline inside a
/// scope: what a grid worker's follow-up lists are made of.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueFollowUp {
    pub notice_id: i64,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub read_by: i64,
    pub unread: i64,
}

/// The published important notices past their deadline at `now_ms` with unread
/// households inside `within`, earliest deadline first.
pub async fn due_follow_ups(
    conn: &mut AnyConnection,
    within: &OrgPath,
    now_ms: i64,
) -> StoreResult<Vec<DueFollowUp>> {
    Ok(sqlx::query_as(
        "SELECT n.id AS notice_id, n.title_zh, n.title_en, n.read_by, COUNT(*) AS unread \
         FROM notices n JOIN notice_recipients r ON r.notice_id = n.id \
         WHERE n.state = 'published' AND n.important = 1 AND n.read_by IS NOT NULL \
           AND n.read_by <= $3 AND r.household_id IS NOT NULL AND r.read_at IS NULL \
           AND r.node_path >= $1 AND r.node_path < $2 \
         GROUP BY n.id, n.title_zh, n.title_en, n.read_by ORDER BY n.read_by, n.id",
    )
    .bind(within.as_str())
    .bind(prefix_end(within.as_str()))
    .bind(now_ms)
    .fetch_all(conn)
    .await?)
}
