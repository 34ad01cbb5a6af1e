//! Privacy that threads through every capability: the trace each look at a resident's
//! record leaves in the data-access log.

pub mod trace;
