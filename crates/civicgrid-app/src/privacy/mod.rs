//! Privacy that threads through every capability: the trace each look at a resident's
//! record leaves in the data-access log.

pub mod trace;

/// One look at a resident's record as the data-access log keeps it, and the filters
/// of a read of that log: plain records, the app's view of the store's.
pub use civicgrid_store::privacy::data_access::{DataView, ViewFilter};
