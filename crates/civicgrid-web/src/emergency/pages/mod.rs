//! The emergency pages: material depots and their stock boards, material requests,
//! transfers and deliveries.

pub(crate) mod depots;
pub(crate) mod materials;
