//! Keeps SQLite's name index whole when an upgrade recreates it.
//!
//! The index's terms are computed in Rust from residents' names
//! ([`civicgrid_domain::ledger::search::name_terms`]), so a migration that
//! recreates the index (a new tokenizer, new index options) cannot refill it in SQL: it
//! leaves it empty, and [`ensure_filled`] refills it from the `residents` table at the
//! next start-up. Every resident is indexed while the ledger is in use, so an empty
//! index beside a non-empty ledger can only mean such an upgrade (or one stopped before
//! its refill committed, which the next start-up finishes).

use std::time::Instant;

use civicgrid_domain::ledger::search::name_terms;
use sqlx::{AnyConnection, Row};

use crate::StoreResult;

/// Residents read and indexed per statement round.
const PAGE: i64 = 5_000;

/// Whether the name index is empty while the ledger holds residents: a read, so a
/// start-up checks without taking the write lock. The index is empty when neither
/// FTS5 nor a load's own index ([`crate::ledger::import::postings`]) holds anyone. SQLite only.
pub async fn needs_fill(conn: &mut AnyConnection) -> StoreResult<bool> {
    let indexed = sqlx::query(
        "SELECT rowid FROM resident_search UNION ALL SELECT first_id FROM resident_name_loads \
         LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(indexed.is_none() && !crate::ledger::import::indexes::ledger_is_empty(conn).await?)
}

/// Refills an empty name index from residents' names, in the caller's (write)
/// transaction; a no-op when the index holds anything or the ledger is empty. Returns
/// how many residents it indexed. SQLite only.
///
/// Covered by: crates/civicgrid-store/tests/conformance/upgrades.rs::names_are_found_after_the_name_index_is_recreated
/// (through Db::migrate)
pub async fn ensure_filled(conn: &mut AnyConnection) -> StoreResult<u64> {
    if !needs_fill(conn).await? {
        return Ok(0);
    }
    let started = Instant::now();
    // Terms gathered in memory up to 64 MiB per segment, as a bulk load sets it.
    sqlx::raw_sql(crate::ledger::import::sqlite::NAME_INDEX_HASH)
        .execute(&mut *conn)
        .await?;
    let (mut after, mut total) = (0i64, 0u64);
    loop {
        let rows = sqlx::query("SELECT id, name FROM residents WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        let entries = rows
            .iter()
            .map(|r| Ok((r.try_get::<i64, _>("id")?, name_terms(r.try_get("name")?))))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        crate::ledger::search::index_residents(conn, &entries, false).await?;
        total += entries.len() as u64;
    }
    tracing::info!(residents = total, took = ?started.elapsed(), "name index refilled");
    Ok(total)
}
