//! `/api/v1/estates`, `/api/v1/votes`, `/api/v1/notices`, `/api/v1/proposals`,
//! `/api/v1/meetings` and `/api/v1/commitments`: estates, votes, paper ballots by room
//! and the tally with both majorities of art. 278, notices, proposals and the
//! residents' council, and the commitments that follow a decision to delivery.

use civicgrid_app::AppError;
use civicgrid_app::domain::ledger::import::format_area;

use crate::routes::Routes;

mod commitments;
mod deliberation;
mod estates;
mod notice_files;
mod notices;
mod votes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = notices::routes(r);
    r.post("/api/v1/estates", estates::create_estate)
        .get("/api/v1/estates", estates::estates)
        .get("/api/v1/estates/{id}", estates::estate)
        .put("/api/v1/estates/{id}", estates::update_estate)
        .post("/api/v1/estates/{id}/room-owners", estates::set_room_owner)
        .post("/api/v1/votes", votes::create_vote)
        .get("/api/v1/votes", votes::votes)
        .get("/api/v1/votes/{id}", votes::vote)
        .post("/api/v1/votes/{id}/open", votes::open_vote)
        .post("/api/v1/votes/{id}/close", votes::close_vote)
        .get("/api/v1/votes/{id}/tally", votes::tally)
        .post("/api/v1/votes/{id}/ballots", votes::paper_ballot)
        .post("/api/v1/votes/{id}/my-ballot", votes::my_ballot)
        .post("/api/v1/votes/{id}/proxies", votes::record_proxy)
        .delete("/api/v1/votes/{id}/proxies", votes::revoke_proxy)
        .get("/api/v1/votes/{id}/result", votes::result)
        .get("/api/v1/proposals", deliberation::proposals)
        .post("/api/v1/proposals", deliberation::raise)
        .get("/api/v1/proposals/{id}", deliberation::proposal)
        .post("/api/v1/proposals/{id}/support", deliberation::support)
        .post("/api/v1/proposals/{id}/comments", deliberation::comment)
        .post("/api/v1/proposals/{id}/vote", deliberation::to_vote)
        .get("/api/v1/meetings", deliberation::meetings)
        .post("/api/v1/meetings", deliberation::plan)
        .get("/api/v1/meetings/{id}", deliberation::meeting)
        .post("/api/v1/meetings/{id}/items", deliberation::add_item)
        .post("/api/v1/meetings/{id}/record", deliberation::record)
        .post("/api/v1/commitments", commitments::create)
        .get("/api/v1/commitments", commitments::list)
        .get("/api/v1/commitments/{id}", commitments::get)
        .put("/api/v1/commitments/{id}", commitments::edit)
        .post("/api/v1/commitments/{id}/state", commitments::move_to)
        .post(
            "/api/v1/commitments/{id}/milestones",
            commitments::add_milestone,
        )
        .post(
            "/api/v1/commitments/{id}/milestones/{milestone_id}",
            commitments::tick,
        )
        .post("/api/v1/commitments/{id}/updates", commitments::post_update)
        .post(
            "/api/v1/commitments/{id}/requests",
            commitments::link_request,
        )
        .post("/api/v1/commitments/{id}/spending", commitments::spending)
}

/// The co-governance API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    estates::create_estate,
    estates::estates,
    estates::estate,
    estates::update_estate,
    estates::set_room_owner,
    votes::create_vote,
    votes::votes,
    votes::vote,
    votes::open_vote,
    votes::close_vote,
    votes::tally,
    votes::paper_ballot,
    votes::my_ballot,
    votes::record_proxy,
    votes::revoke_proxy,
    votes::result,
    notices::create,
    notices::publish,
    notices::list,
    notices::get_notice,
    notices::read,
    notices::coverage,
    notice_files::attach,
    notice_files::file,
    notice_files::remove,
    deliberation::proposals,
    deliberation::raise,
    deliberation::proposal,
    deliberation::support,
    deliberation::comment,
    deliberation::to_vote,
    deliberation::meetings,
    deliberation::plan,
    deliberation::meeting,
    deliberation::add_item,
    deliberation::record,
    commitments::create,
    commitments::list,
    commitments::get,
    commitments::edit,
    commitments::move_to,
    commitments::add_milestone,
    commitments::tick,
    commitments::post_update,
    commitments::link_request,
    commitments::spending,
))]
pub(crate) struct Api;

/// An area in hundredths of m² as m², a decimal (`8550` → `85.5`).
fn area_m2(centi: i64) -> String {
    format_area(centi)
}

/// `e`, naming the API's field `to` where the use case named its own `from`.
fn renamed(e: AppError, from: &'static str, to: &'static str) -> AppError {
    match e {
        AppError::Invalid { field, message } if field == from => {
            AppError::Invalid { field: to, message }
        }
        other => other,
    }
}
