//! What the repository modules share: reading rows into records and checking that a
//! statement found the row it names.
//!
//! Rows are read by derive (`#[derive(sqlx::FromRow)]`); a record holding domain
//! codes is read into a row struct of the stored columns first and converted with
//! `TryFrom`, where a code the domain does not know is [`StoreError::Corrupt`].

use civicgrid_domain::platform::org::OrgPath;
use sqlx::any::AnyQueryResult;

use crate::{StoreError, StoreResult};

/// Stored data the domain refuses (an unknown code, a missing path).
pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// A boolean as stored: `0` or `1`.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// An org node's materialised path as stored: set right after the node is inserted,
/// so a node without one is corrupt.
pub(crate) fn node_path(path: Option<String>) -> StoreResult<OrgPath> {
    Ok(OrgPath::from_stored(path.ok_or_else(|| {
        StoreError::Corrupt("org node without a path".into())
    })?))
}

/// An update or delete of one record by its key: no row changed means no such record
/// ([`StoreError::NotFound`]).
pub(crate) fn found(done: AnyQueryResult) -> StoreResult<()> {
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Converts fetched row structs into their records, failing on the first that does not
/// convert.
pub(crate) fn records<R, T>(rows: Vec<R>) -> StoreResult<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
