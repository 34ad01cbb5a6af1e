//! Secondary indexes of the ledger that a first bulk load builds once at the end
//! instead of updating row by row. Building an index from a finished table is a sort;
//! keeping it up to date through a million inserts is a million random B-tree writes.
//!
//! Only indexes that no import query reads are deferred: the unique ID-number blind
//! index (how residents are matched) and the place uniqueness constraints stay live,
//! but for the ID-number index in a load that keeps other writers out until it is
//! built again ([`ID_NUMBER_UNIQUE`]).
//! [`ensure`] runs at every start-up ([`crate::Db::migrate`]), so an import stopped
//! half-way (killed, power lost) leaves no index missing once civicgrid runs again.

use sqlx::AnyConnection;

use crate::StoreResult;

/// `(name, definition)` of each deferrable index, as the latest migration leaves it
/// (the same text serves both backends). A migration that drops or changes one of
/// these indexes must change this list too.
pub const DEFERRABLE: &[(&str, &str)] = &[
    (
        "residents_household",
        "CREATE INDEX IF NOT EXISTS residents_household ON residents(household_id)",
    ),
    (
        "residents_phone_keys",
        "CREATE INDEX IF NOT EXISTS residents_phone_keys \
         ON residents(phone_last4_idx, phone_idx)",
    ),
    (
        "residents_population",
        "CREATE INDEX IF NOT EXISTS residents_population \
         ON residents(grid_id, residence_status, gender, birth_ym)",
    ),
    (
        "resident_tags_tag_resident",
        "CREATE INDEX IF NOT EXISTS resident_tags_tag_resident \
         ON resident_tags(tag_code, resident_id)",
    ),
    (
        "ledger_history_subject",
        "CREATE INDEX IF NOT EXISTS ledger_history_subject \
         ON ledger_history(subject_type, subject_id)",
    ),
    (
        "rooms_name",
        "CREATE INDEX IF NOT EXISTS rooms_name ON rooms(name)",
    ),
    (
        "households_grid",
        "CREATE INDEX IF NOT EXISTS households_grid ON households(grid_id)",
    ),
    (
        "households_room",
        "CREATE INDEX IF NOT EXISTS households_room ON households(room_id)",
    ),
];

/// The unique index on residents' ID numbers, by which imports match residents: live
/// in every load but a held one (see [`crate::ledger::import::sqlite::SqliteBulk::hold`]), which
/// drops it in its first transaction and builds it again before any commit.
pub const ID_NUMBER_UNIQUE: &str =
    "CREATE UNIQUE INDEX IF NOT EXISTS residents_id_number ON residents(id_number_idx)";

/// Whether the ledger holds no resident at all (a first load).
pub async fn ledger_is_empty(conn: &mut AnyConnection) -> StoreResult<bool> {
    let row = sqlx::query("SELECT id FROM residents LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_none())
}

/// Deferrable indexes that a load reads while it runs unless it is held on SQLite:
/// a load finds the households of each grid it meets by `households_grid`, and only a
/// held load ([`crate::ledger::import::sqlite::SqliteBulk::hold`]) reads them before it has
/// written any (or as last committed, before it commits any). Another load keeps the
/// index, or each new grid would read every household written so far.
const READ_UNLESS_HELD: &[&str] = &["households_grid"];

/// Drops the deferrable indexes (in the caller's transaction) that a load of this
/// kind does not read: `held`, a load held on SQLite.
pub async fn drop_deferrable(conn: &mut AnyConnection, held: bool) -> StoreResult<()> {
    let held = held && crate::dialect::backend_of(conn) == crate::Backend::Sqlite;
    for (name, _) in DEFERRABLE {
        if !held && READ_UNLESS_HELD.contains(name) {
            continue;
        }
        let sql = format!("DROP INDEX IF EXISTS {name}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Creates whichever deferrable index is missing; a no-op when all exist.
pub async fn ensure(conn: &mut AnyConnection) -> StoreResult<()> {
    sqlx::raw_sql(ID_NUMBER_UNIQUE).execute(&mut *conn).await?;
    for (_, ddl) in DEFERRABLE {
        sqlx::raw_sql(*ddl).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics of the ledger tables after a bulk load (on
/// PostgreSQL; SQLite plans without statistics, as the application always runs it).
pub async fn analyze(conn: &mut AnyConnection) -> StoreResult<()> {
    if crate::dialect::backend_of(conn) == crate::Backend::Postgres {
        sqlx::raw_sql(
            "ANALYZE residents; ANALYZE resident_tags; ANALYZE resident_search; \
             ANALYZE households; ANALYZE rooms; ANALYZE units; ANALYZE buildings",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Names of the deferrable indexes that exist now.
pub async fn existing(conn: &mut AnyConnection) -> StoreResult<Vec<String>> {
    use sqlx::Row;
    let sql = match crate::dialect::backend_of(conn) {
        crate::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index'",
        crate::Backend::Postgres => {
            "SELECT CAST(indexname AS TEXT) AS name FROM pg_indexes \
             WHERE schemaname = current_schema()"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    let mut names = Vec::new();
    for r in rows {
        let name: String = r.try_get("name")?;
        if DEFERRABLE.iter().any(|(n, _)| *n == name) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
