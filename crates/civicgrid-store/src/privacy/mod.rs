//! Privacy records kept apart from the audit chain: the data-access log.

pub mod data_access;
