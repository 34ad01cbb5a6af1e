//! The emergency API: depots and their ledgers under `/api/v1/depots`, material
//! requests under `/api/v1/material-requests`.

pub(crate) mod depots;
pub(crate) mod materials;
