//! Privacy: the data-access log.

use crate::{CITY_WIDE, Case, Empty, S, case, scoped};

/// Reading the data-access log (ViewAudit, narrowed to the reader's scope).
pub fn cases() -> Vec<Case> {
    vec![case(
        "GET",
        "/audit/views",
        scoped(CITY_WIDE, CITY_WIDE),
        S::None,
        Empty,
    )]
}
