//! The household ledger's use cases: records and their history, import and export, the
//! natural order of places, search and the population summary, and the trace that
//! looking at a record leaves.

mod support;

mod import;
mod order;
mod records;
mod search;
mod trace;
