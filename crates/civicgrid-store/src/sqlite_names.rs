//! A held first load's name index, built beside the database while the load's own
//! connection builds the other indexes.
//!
//! The name index (FTS5) of a million new residents takes seconds of one core, and
//! the load's connection is the only writer: it would build the name index and then
//! the B-tree indexes one after the other. Instead a second connection builds the name
//! index in a scratch database next to the ledger ([`build_beside`]), starting from the
//! index as last committed, while the load's connection sorts its indexes; the load's
//! connection then replaces its name index's tables with the scratch ones
//! ([`copy_back`]) inside its transaction, so the load still commits as one.
//!
//! An FTS5 index is nothing but its shadow tables (`resident_search_data`, `_idx`,
//! `_docsize`, `_config`), so the copy is the index. Each step that writes those
//! tables directly runs on a connection that never opens the index itself, so no
//! connection holds a cached view of the index that the copy made stale.

use std::path::{Path, PathBuf};

use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OpenFlags};

use crate::StoreResult;

/// The name index's virtual table.
const INDEX: &str = "resident_search";

/// The scratch database beside the ledger file `db`.
pub fn side_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-names");
    PathBuf::from(name)
}

/// Deletes the scratch database, if any (also what an interrupted load left).
pub fn remove_side(db: &Path) {
    let side = side_path(db);
    for p in [
        side.clone(),
        PathBuf::from(format!("{}-journal", side.display())),
    ] {
        let _ = std::fs::remove_file(p);
    }
}

/// Builds, in the scratch database beside `db`, the name index as last committed in
/// `db` plus `entries` (resident id, terms); returns the scratch database's path.
/// Calls `read` once it has read what it needs of `db` and closed its connection.
pub fn build_beside(
    db: &Path,
    entries: Vec<(i64, String)>,
    read: impl FnOnce(),
) -> StoreResult<PathBuf> {
    remove_side(db);
    let side = side_path(db);
    let live = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    live.execute_batch("PRAGMA busy_timeout = 10000")?;
    let ddl: String = live.query_row(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [INDEX],
        |r| r.get(0),
    )?;
    // 1. The same (empty) index, created on a connection of its own.
    scratch(&side)?.execute_batch(&ddl)?;
    // 2. Its tables replaced by the committed ones, without opening the index.
    {
        let out = scratch(&side)?;
        live.execute_batch("BEGIN")?;
        out.execute_batch("BEGIN")?;
        replace_tables(&live, &out)?;
        out.execute_batch("COMMIT")?;
        live.execute_batch("COMMIT")?;
    }
    drop(live);
    read();
    // 3. The new entries, on a connection that opens the index as it now is.
    let out = scratch(&side)?;
    out.execute_batch("BEGIN")?;
    out.execute_batch(crate::sqlite_bulk::NAME_INDEX_HASH)?;
    crate::sqlite_bulk_rows::index_residents(&out, entries, false)?;
    out.execute_batch("COMMIT")?;
    Ok(side)
}

/// Replaces the name index's tables on `c` (in its open transaction) with those of
/// the scratch database at `side`.
pub fn copy_back(c: &Connection, side: &Path) -> StoreResult<()> {
    let from = Connection::open_with_flags(
        side,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    replace_tables(&from, c)
}

/// A connection to the scratch database: nothing in it needs to survive a crash.
fn scratch(side: &Path) -> StoreResult<Connection> {
    let c = Connection::open(side)?;
    c.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;",
    )?;
    Ok(c)
}

/// The shadow tables of the name index on `c`.
fn shadow_tables(c: &Connection) -> StoreResult<Vec<String>> {
    let mut st = c.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?1 ORDER BY name",
    )?;
    let names = st
        .query_map([format!("{INDEX}_*")], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}

/// Empties each shadow table of `to` and fills it with the rows of the same table in
/// `from`.
fn replace_tables(from: &Connection, to: &Connection) -> StoreResult<()> {
    let tables = shadow_tables(from)?;
    if tables != shadow_tables(to)? {
        return Err(crate::StoreError::Corrupt(
            "the name index's tables differ between the ledger and its scratch copy".into(),
        ));
    }
    for t in tables {
        let quoted = format!("\"{}\"", t.replace('"', "\"\""));
        to.execute(&format!("DELETE FROM {quoted}"), [])?;
        let mut read = from.prepare(&format!("SELECT * FROM {quoted}"))?;
        let n = read.column_count();
        let slots: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        let mut write = to.prepare(&format!(
            "INSERT INTO {quoted} VALUES ({})",
            slots.join(", ")
        ))?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            // Bound straight from the row: a million `_docsize` rows are not copied twice.
            for i in 0..n {
                write.raw_bind_parameter(i + 1, ToSqlOutput::Borrowed(r.get_ref(i)?))?;
            }
            write.raw_execute()?;
        }
    }
    Ok(())
}
