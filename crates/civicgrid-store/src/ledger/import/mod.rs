//! Writing an import into the ledger.
//!
//! [`rows`] writes a batch of places, households and residents with multi-row
//! statements that serve both backends. A bulk load holds one connection for its whole
//! length through [`BulkConn`], the one seam behind which [`sqlite`] accelerates a load
//! on SQLite with a native connection of its own; nothing else in the store knows it is
//! there. [`jobs`] keeps the state of an upload running in the background.

mod conn;
pub mod indexes;
pub mod jobs;
pub mod names;
pub mod postings;
pub mod rows;
pub(crate) mod sqlite;
pub(crate) mod writeback;

pub use conn::{BulkConn, BulkTx};
