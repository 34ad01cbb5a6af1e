//! The household ledger's use cases: records and their history, import and export, the
//! natural order of places, search and the population summary, and the trace that
//! looking at a record leaves.

mod support;

#[path = "ledger/import.rs"]
mod import;
#[path = "ledger/order.rs"]
mod order;
#[path = "ledger/records.rs"]
mod records;
#[path = "ledger/search.rs"]
mod search;
#[path = "ledger/trace.rs"]
mod trace;
