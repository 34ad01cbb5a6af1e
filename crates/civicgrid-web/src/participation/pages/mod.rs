//! Co-governance pages: the participation hub, estates, votes with their live tally
//! and ballots, and the published results.

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r
}
