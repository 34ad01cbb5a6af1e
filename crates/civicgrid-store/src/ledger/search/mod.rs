//! The name search index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. The
//! dialect difference lives here and nowhere else.

pub mod name_index;

use civicgrid_domain::ledger::search::{QueryTerm, fts5_match, tsquery};
use sqlx::{AnyConnection, Row};

use crate::dialect::backend_of;
use crate::{Backend, StoreResult};

/// Sets the search terms of one resident (replacing earlier ones): the one-resident
/// case of [`index_residents`].
pub async fn index_resident(
    conn: &mut AnyConnection,
    resident_id: i64,
    terms: &str,
) -> StoreResult<()> {
    index_residents(conn, &[(resident_id, terms.to_owned())], true).await
}

/// Lists a resident as changed since the load that indexed it, if one did (SQLite).
async fn mark_stale(conn: &mut AnyConnection, resident_id: i64) -> StoreResult<()> {
    sqlx::query(crate::ledger::import::postings::STALE_SQL)
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes a resident from the index.
pub async fn unindex_resident(conn: &mut AnyConnection, resident_id: i64) -> StoreResult<()> {
    let sql = match backend_of(conn) {
        Backend::Sqlite => {
            mark_stale(conn, resident_id).await?;
            "DELETE FROM resident_search WHERE rowid = $1"
        }
        Backend::Postgres => "DELETE FROM resident_search WHERE resident_id = $1",
    };
    sqlx::query(sql)
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets the search terms of many residents at once, with multi-row statements: for
/// bulk imports. `replace` removes earlier terms first (for residents that may
/// already be indexed); new residents skip that step.
pub async fn index_residents(
    conn: &mut AnyConnection,
    entries: &[(i64, String)],
    replace: bool,
) -> StoreResult<()> {
    use crate::dialect::values_sql;
    use crate::ledger::import::rows::BATCH;
    let backend = backend_of(conn);
    if replace && backend == Backend::Sqlite {
        // One point delete each: FTS5 finds a rowid fast only when it is compared by `=`.
        for (id, _) in entries {
            mark_stale(conn, *id).await?;
            sqlx::query("DELETE FROM resident_search WHERE rowid = $1")
                .bind(*id)
                .execute(&mut *conn)
                .await?;
        }
    }
    for chunk in entries.chunks(BATCH) {
        let sql = match backend {
            Backend::Sqlite => values_sql(
                "INSERT INTO resident_search (rowid, terms)",
                2,
                chunk.len(),
                "",
                true,
            ),
            // Each terms parameter goes through to_tsvector('simple', …).
            Backend::Postgres => tsvector_values(&values_sql(
                "INSERT INTO resident_search (resident_id, terms)",
                2,
                chunk.len(),
                "ON CONFLICT (resident_id) DO UPDATE SET terms = excluded.terms",
                false,
            )),
        };
        let mut q = crate::dialect::query(sql);
        for (id, terms) in chunk {
            q = q.bind(*id).bind(terms.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Wraps every second parameter of a two-column VALUES list in `to_tsvector`.
fn tsvector_values(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() * 2);
    let mut rest = sql;
    while let Some(i) = rest.find(",$") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(after.len(), |e| e + 1);
        out.push_str(",to_tsvector('simple', ");
        out.push_str(&after[..end]);
        out.push(')');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The blind indexes of a whole phone number that a search looks it up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneKeys {
    /// Of its last four digits (the index's leading column).
    pub last4_idx: Vec<u8>,
    /// Of the whole number.
    pub phone_idx: Vec<u8>,
}

/// What to look for; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Subtrees (org paths) to search in; `None` is everywhere, an empty list nowhere.
    pub scopes: Option<Vec<String>>,
    /// Name terms, all of which must match.
    pub name: Vec<QueryTerm>,
    /// Blind indexes of a whole phone number.
    pub phone: Option<PhoneKeys>,
    /// Blind index of the phone's last four digits.
    pub phone_last4_idx: Option<Vec<u8>>,
    /// Accepted names of the building, unit and room (empty: any).
    pub buildings: Vec<String>,
    pub units: Vec<String>,
    pub rooms: Vec<String>,
    /// A recorded tag's code.
    pub tag: Option<String>,
    /// Birth year-months (inclusive) for an age-derived tag.
    pub birth_ym: Option<(i64, i64)>,
    pub status: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One resident found, as a result list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub birth_ym: i64,
    pub residence_status: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub household_id: Option<i64>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub tags: Vec<String>,
}

enum Arg {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

/// Collects bound values and hands out their placeholders.
#[derive(Default)]
struct Args(Vec<Arg>);

impl Args {
    fn text(&mut self, v: impl Into<String>) -> String {
        self.0.push(Arg::Text(v.into()));
        format!("${}", self.0.len())
    }
    fn bytes(&mut self, v: Vec<u8>) -> String {
        self.0.push(Arg::Bytes(v));
        format!("${}", self.0.len())
    }
    fn int(&mut self, v: i64) -> String {
        self.0.push(Arg::Int(v));
        format!("${}", self.0.len())
    }
    fn list(&mut self, values: &[String]) -> String {
        let marks: Vec<String> = values.iter().map(|v| self.text(v.clone())).collect();
        marks.join(", ")
    }
}

/// `(g.path >= $a AND g.path < $b) OR …` for the given subtrees.
fn scope_clause(args: &mut Args, alias: &str, scopes: &[String]) -> String {
    let parts: Vec<String> = scopes
        .iter()
        .map(|p| {
            let lo = args.text(p.clone());
            let hi = args.text(crate::prefix_end(p));
            format!("({alias}path >= {lo} AND {alias}path < {hi})")
        })
        .collect();
    format!("({})", parts.join(" OR "))
}

/// A subquery selecting the residents of the places named by `filter`'s building,
/// unit and room names.
///
/// In a scope the places are walked down from its grids: each grid's building by
/// (grid_id, name), the unit by (building_id, name), the room by (unit_id, name), then
/// households and members — a handful of index probes per grid, whatever the city's
/// size. (`CROSS JOIN` keeps SQLite to that order; PostgreSQL plans it as it likes.)
/// Without a scope the planner starts from the names (`rooms_name`, `buildings_name`).
/// Either way the outer query reads residents by id, never every resident of the scope.
fn place_clause(args: &mut Args, filter: &SearchFilter) -> String {
    let mut conds = vec![
        "pu.building_id = pb.id".to_owned(),
        "pr.unit_id = pu.id".to_owned(),
        "ph.room_id = pr.id".to_owned(),
        "pm.household_id = ph.id".to_owned(),
    ];
    let from = match filter.scopes.as_deref() {
        Some(scopes) => {
            conds.push("pb.grid_id = pg.id".to_owned());
            conds.push(scope_clause(args, "pg.", scopes));
            "org_nodes pg CROSS JOIN buildings pb CROSS JOIN units pu CROSS JOIN rooms pr \
             CROSS JOIN households ph CROSS JOIN residents pm"
        }
        None => "rooms pr, units pu, buildings pb, households ph, residents pm",
    };
    for (alias, names) in [
        ("pb", &filter.buildings),
        ("pu", &filter.units),
        ("pr", &filter.rooms),
    ] {
        if !names.is_empty() {
            conds.push(format!("{alias}.name IN ({})", args.list(names)));
        }
    }
    format!("SELECT pm.id FROM {from} WHERE {}", conds.join(" AND "))
}

/// `r.id` among the ids a subquery selects, written so each backend starts from the
/// subquery. SQLite computes an `IN (SELECT …)` once and reads residents by id from
/// the result. PostgreSQL may instead walk residents in id order, hoping to meet
/// `LIMIT` matches early: right for a common name, a scan of the whole table for a rare
/// one, which its estimates (none before the first ANALYZE, rough ones for prefixes)
/// cannot tell apart. A `narrow` subquery is therefore handed to it as an array that is
/// computed first; the cost is then bounded by the number of matches.
fn ids_in(backend: Backend, subquery: &str, narrow: bool) -> String {
    match backend {
        Backend::Postgres if narrow => format!("r.id = ANY(ARRAY({subquery}))"),
        Backend::Postgres | Backend::Sqlite => format!("r.id IN ({subquery})"),
    }
}

/// Whether a name query is likely to match few residents: it holds a pair of Chinese
/// characters or a Latin word of three letters or more ("张三", "zsf", "zhangsan"). A
/// lone character or two initials ("王", "王 wj") match thousands in a city; those are
/// best found walking residents in id order, which stops at the page's end.
fn narrow_name(terms: &[QueryTerm]) -> bool {
    terms
        .iter()
        .any(|t| t.text.chars().count() >= if t.prefix { 3 } else { 2 })
}

/// The residents whose name holds every one of `terms`, as a subquery on SQLite: those
/// in FTS5, and `loaded`, those that a held load's own index matched
/// ([`crate::ledger::import::postings::loaded_matches`]), less those changed since.
fn sqlite_name_ids(args: &mut Args, terms: &[QueryTerm], loaded: &[i64]) -> Option<String> {
    let fts = format!(
        "SELECT rowid FROM resident_search WHERE resident_search MATCH {}",
        args.text(fts5_match(terms)?)
    );
    if loaded.is_empty() {
        return Some(fts);
    }
    Some(format!(
        "{fts} UNION ALL SELECT value FROM json_each({}) \
         WHERE value NOT IN (SELECT resident_id FROM resident_name_stale)",
        args.text(crate::ledger::import::postings::json_array(loaded))
    ))
}

/// Residents matching `filter`, by id, at most `filter.limit` of them.
pub async fn search_residents(
    conn: &mut AnyConnection,
    filter: &SearchFilter,
) -> StoreResult<Vec<Hit>> {
    let mut args = Args::default();
    let mut wheres: Vec<String> = Vec::new();
    if let Some(scopes) = &filter.scopes {
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        // As a subquery, so the planner may start from the name index, the phone index
        // or the grids in scope, whichever is narrower.
        wheres.push(format!(
            "r.grid_id IN (SELECT id FROM org_nodes WHERE {})",
            scope_clause(&mut args, "", scopes)
        ));
    }
    let backend = backend_of(conn);
    if !filter.name.is_empty() {
        let subquery = match backend {
            Backend::Sqlite => {
                let loaded =
                    crate::ledger::import::postings::loaded_matches(conn, &filter.name).await?;
                sqlite_name_ids(&mut args, &filter.name, &loaded)
            }
            Backend::Postgres => tsquery(&filter.name).map(|q| {
                format!(
                    "SELECT resident_id FROM resident_search \
                     WHERE terms @@ to_tsquery('simple', {})",
                    args.text(q)
                )
            }),
        };
        let narrow = narrow_name(&filter.name);
        wheres.extend(subquery.map(|s| ids_in(backend, &s, narrow)));
    }
    // Both phone searches start from the index on (last four, whole number).
    let phone: Vec<(&str, &Vec<u8>)> = match (&filter.phone, &filter.phone_last4_idx) {
        (Some(p), last4) => {
            if last4.as_ref().is_some_and(|l| *l != p.last4_idx) {
                return Ok(Vec::new());
            }
            vec![
                ("phone_last4_idx", &p.last4_idx),
                ("phone_idx", &p.phone_idx),
            ]
        }
        (None, Some(last4)) => vec![("phone_last4_idx", last4)],
        (None, None) => Vec::new(),
    };
    if !phone.is_empty() {
        let prefix = if backend == Backend::Sqlite { "r." } else { "" };
        let cond = phone
            .into_iter()
            .map(|(column, idx)| format!("{prefix}{column} = {}", args.bytes(idx.clone())))
            .collect::<Vec<_>>()
            .join(" AND ");
        wheres.push(match backend {
            Backend::Sqlite => cond,
            Backend::Postgres => ids_in(
                backend,
                &format!("SELECT id FROM residents WHERE {cond}"),
                true,
            ),
        });
    }
    if !(filter.buildings.is_empty() && filter.units.is_empty() && filter.rooms.is_empty()) {
        // Narrow when a room is named or a scope bounds the grids; "3栋" across a city
        // is not.
        let narrow = !filter.rooms.is_empty() || filter.scopes.is_some();
        wheres.push(ids_in(backend, &place_clause(&mut args, filter), narrow));
    }
    if let Some(tag) = &filter.tag {
        // As a subquery, so the planner may start from the tag's index
        // (resident_tags(tag_code, resident_id)) when the tag is rarer than the scope.
        wheres.push(ids_in(
            backend,
            &format!(
                "SELECT t.resident_id FROM resident_tags t WHERE t.tag_code = {}",
                args.text(tag.clone())
            ),
            false,
        ));
    }
    if let Some((lo, hi)) = filter.birth_ym {
        wheres.push(format!(
            "r.birth_ym >= {} AND r.birth_ym <= {}",
            args.int(lo),
            args.int(hi)
        ));
    }
    if let Some(status) = &filter.status {
        wheres.push(format!(
            "r.residence_status = {}",
            args.text(status.clone())
        ));
    }
    let where_sql = if wheres.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wheres.join(" AND "))
    };
    let limit = args.int(filter.limit.clamp(0, 1000));
    let offset = args.int(filter.offset.max(0));
    // The page of ids first, from the residents table alone; only its rows are joined
    // to their grid and place.
    let sql = format!(
        "SELECT r.id, r.name, r.gender, r.birth_ym, r.residence_status, r.grid_id, \
         g.name_zh AS grid_name, r.household_id, b.name AS building, u.name AS unit, \
         rm.name AS room \
         FROM (SELECT r.id FROM residents r {where_sql} \
               ORDER BY r.id LIMIT {limit} OFFSET {offset}) page \
         JOIN residents r ON r.id = page.id \
         JOIN org_nodes g ON g.id = r.grid_id \
         LEFT JOIN households h ON h.id = r.household_id \
         LEFT JOIN rooms rm ON rm.id = h.room_id \
         LEFT JOIN units u ON u.id = rm.unit_id \
         LEFT JOIN buildings b ON b.id = u.building_id \
         ORDER BY r.id"
    );
    let mut query = crate::dialect::query(sql);
    for a in args.0 {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
            Arg::Bytes(b) => query.bind(b),
        };
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in &rows {
        hits.push(Hit {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            gender: row.try_get("gender")?,
            birth_ym: row.try_get("birth_ym")?,
            residence_status: row.try_get("residence_status")?,
            grid_id: row.try_get("grid_id")?,
            grid_name: row.try_get("grid_name")?,
            household_id: row.try_get("household_id")?,
            building: row.try_get("building")?,
            unit: row.try_get("unit")?,
            room: row.try_get("room")?,
            tags: Vec::new(),
        });
    }
    attach_tags(conn, &mut hits).await?;
    Ok(hits)
}

/// Fills in each hit's recorded tag codes (sorted).
async fn attach_tags(conn: &mut AnyConnection, hits: &mut [Hit]) -> StoreResult<()> {
    if hits.is_empty() {
        return Ok(());
    }
    let mut args = Args::default();
    let marks: Vec<String> = hits.iter().map(|h| args.int(h.id)).collect();
    let sql = format!(
        "SELECT resident_id, tag_code FROM resident_tags WHERE resident_id IN ({}) \
         ORDER BY resident_id, tag_code",
        marks.join(", ")
    );
    let mut query = crate::dialect::query(sql);
    for h in hits.iter() {
        query = query.bind(h.id);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let id: i64 = row.try_get("resident_id")?;
        let code: String = row.try_get("tag_code")?;
        if let Some(h) = hits.iter_mut().find(|h| h.id == id) {
            h.tags.push(code);
        }
    }
    Ok(())
}

/// Refreshes PostgreSQL's planner statistics, as autovacuum does after a bulk load
/// (benchmarks run it so as not to depend on the server's autovacuum settings). SQLite
/// is left without statistics, as the application always runs it.
pub async fn analyze(conn: &mut AnyConnection) -> StoreResult<()> {
    if backend_of(conn) == Backend::Postgres {
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
    }
    Ok(())
}

/// The bare indexed point read that benchmarks compare searches with.
pub async fn point_read(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT name FROM residents WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

#[cfg(test)]
mod tests {
    use civicgrid_domain::ledger::search::query_terms;

    use super::*;

    #[test]
    fn names_with_a_pair_or_a_long_word_are_narrow() {
        for q in ["张三", "张三丰", "zsf", "zhangsan", "王 wjk", "Smith"] {
            assert!(narrow_name(&query_terms(q)), "{q}");
        }
        for q in ["王", "王 wj", "zs", "j"] {
            assert!(!narrow_name(&query_terms(q)), "{q}");
        }
    }

    #[test]
    fn postgres_gets_narrow_subqueries_as_arrays() {
        let sub = "SELECT 1";
        assert_eq!(
            ids_in(Backend::Postgres, sub, true),
            "r.id = ANY(ARRAY(SELECT 1))"
        );
        assert_eq!(ids_in(Backend::Postgres, sub, false), "r.id IN (SELECT 1)");
        assert_eq!(ids_in(Backend::Sqlite, sub, true), "r.id IN (SELECT 1)");
    }
}
