//! Co-governance pages: the participation hub, estates, votes with their live tally
//! and ballots, and the published results.

use crate::routes::Routes;

mod notices;

// Each page group adds its routes on a line of its own.
#[allow(clippy::let_and_return)]
pub(crate) fn routes(r: Routes) -> Routes {
    let r = notices::routes(r);
    r
}
