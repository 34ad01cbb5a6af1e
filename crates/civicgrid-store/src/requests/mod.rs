//! Repository of resident requests ("small things"): the category catalogue and the
//! capability's settings, responder organisations, routing rules, the requests with
//! their deadlines and escalation, the timeline, photos, Open311 tokens, the residents'
//! inbox and the outbox of notifications.
//!
//! The rules (state machine, deadlines, routing, duplicates) are the domain's
//! ([`civicgrid_domain::requests`]); this module stores what they decided. One query
//! text serves both backends except where [`crate::dialect::backend_of`] says otherwise
//! (the advisory lock of the escalation job).
//!
//! One module per kind of record; everything is re-exported here.

/// `SELECT <all request columns> FROM requests <rest>` as one static query text.
macro_rules! select_requests {
    ($($rest:tt)+) => {
        concat!(
            "SELECT id, category, channel, description, grid_id, community_id, path, \
             building_id, room_id, lon_e7, lat_e7, address, requester_user_id, \
             requester_resident_id, contact_name, contact_phone_enc, contact_phone_idx, \
             intake_user_id, intake_token_id, status, held_from, party, assignee_user_id, \
             routed_rule_id, escalation_level, next_step_at, response_warn_at, \
             response_due_at, resolution_warn_at, resolution_due_at, warn_at, due_at, \
             held_at, responded_at, resolved_at, closed_at, rating, rating_comment, rated_at, \
             flagged, return_visit, return_visit_at, public, duplicate_of, created_at, \
             updated_at, version FROM requests ",
            $($rest)+
        )
    };
}

/// The columns a new request is written with, in the order
/// [`records::bind_request`] binds them.
macro_rules! request_columns {
    () => {
        "category, channel, description, grid_id, community_id, path, building_id, room_id, \
         lon_e7, lat_e7, address, requester_user_id, requester_resident_id, contact_name, \
         contact_phone_enc, contact_phone_idx, intake_user_id, intake_token_id, status, \
         held_from, open, party, assignee_user_id, routed_rule_id, escalation_level, \
         next_step_at, response_warn_at, response_due_at, resolution_warn_at, \
         resolution_due_at, warn_at, due_at, held_at, responded_at, resolved_at, closed_at, \
         rating, rating_comment, rated_at, flagged, return_visit, return_visit_at, public, \
         duplicate_of, created_at, updated_at"
    };
}

/// The columns of a timeline line (all but its id), in the order
/// [`events::bind_event`] binds them.
macro_rules! event_columns {
    () => {
        "request_id, at_ms, kind, from_status, to_status, actor_user_id, actor_token_id, \
         actor_label, actor_role, party, related_id, note, visible"
    };
}

/// How many columns [`request_columns!`] names.
const REQUEST_COLUMNS: usize = 46;

mod catalogue;
mod escalation;
mod events;
mod intake_batch;
mod open311;
mod overview;
mod photos;
mod queues;
mod records;
mod responders;
mod routing;

pub use catalogue::*;
pub use escalation::*;
pub use events::*;
pub use intake_batch::*;
pub use open311::*;
pub use overview::*;
pub use photos::*;
pub use queues::*;
pub use records::*;
pub use responders::*;
pub use routing::*;

use crate::repo::{corrupt, flag};

/// Degrees as stored: WGS-84 × 10^7, rounded (about a centimetre).
pub fn degrees_to_e7(deg: f64) -> i64 {
    (deg * 1e7).round() as i64
}

/// Stored degrees back to `f64`.
pub fn e7_to_degrees(e7: i64) -> f64 {
    e7 as f64 / 1e7
}
