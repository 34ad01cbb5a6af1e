//! `/api/v1/proposals` and `/api/v1/meetings`: raise, list and read proposals, support
//! and discuss them, send one to a vote; plan the residents' council's meetings, read
//! them and record their outcomes.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::deliberation::{ItemOutcome, MeetingPlan, ProposalText};
use civicgrid_app::domain::participation::votes::Electorate;
use civicgrid_app::participation::deliberation::{
    Meeting, MeetingView, NewMeetingInput, NewProposalInput, Outcomes, ProposalLine, ProposalView,
};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::state::AppState;

/// A proposal to raise.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposalBody {
    /// The community or grid it concerns; the caller's own community when absent.
    pub node_id: Option<i64>,
    #[schema(min_length = 2, max_length = 80)]
    pub title: String,
    /// What should be done.
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// Why it is needed.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// A cost estimate in fen (hundredths of a yuan).
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub cost_fen: Option<i64>,
}

/// A proposal on a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalOut {
    pub id: i64,
    pub node_id: i64,
    pub place_name: String,
    pub title: String,
    pub description: String,
    pub reason: String,
    pub cost_fen: Option<i64>,
    /// open, agenda, voting, adopted, rejected or withdrawn.
    pub state: String,
    /// Open, but its support window has passed.
    pub lapsed: bool,
    pub author: String,
    pub supporters: i64,
    pub threshold: i64,
    pub support_until: DateTime<Utc>,
    pub vote_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<&ProposalLine> for ProposalOut {
    fn from(l: &ProposalLine) -> ProposalOut {
        let p = &l.proposal;
        ProposalOut {
            id: p.id,
            node_id: p.node_id,
            place_name: l.place_name.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            reason: p.reason.clone(),
            cost_fen: p.cost_fen,
            state: l.state.code().to_owned(),
            lapsed: l.lapsed,
            author: p.author_name.clone(),
            supporters: p.supporters,
            threshold: p.threshold,
            support_until: time(p.deadline_at),
            vote_id: p.vote_id,
            created_at: time(p.created_at),
        }
    }
}

/// A comment; a removed one carries only the reason for its removal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentOut {
    pub id: i64,
    pub author: String,
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    /// off_topic, abusive, personal_data, advertising or other, once removed.
    pub removal_reason: Option<String>,
    pub removal_note: Option<String>,
}

/// One proposal with its discussion and what the caller may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalDetail {
    pub proposal: ProposalOut,
    pub comments: Vec<CommentOut>,
    /// Photo ids (`GET /participation/proposal-photos/{id}`).
    pub photo_ids: Vec<i64>,
    /// The council meetings that took it up.
    pub meeting_ids: Vec<i64>,
    pub supported: bool,
    pub may_support: bool,
    pub may_comment: bool,
    pub may_advance: bool,
}

impl From<ProposalView> for ProposalDetail {
    fn from(v: ProposalView) -> ProposalDetail {
        ProposalDetail {
            proposal: (&v.line).into(),
            comments: v
                .comments
                .into_iter()
                .map(|c| CommentOut {
                    id: c.id,
                    author: c.author_name,
                    body: (!c.removed).then_some(c.body),
                    created_at: time(c.created_at),
                    removal_reason: c.removal_reason,
                    removal_note: c.removal_note,
                })
                .collect(),
            photo_ids: v.photos.iter().map(|p| p.id).collect(),
            meeting_ids: v.meetings.iter().map(|m| m.0).collect(),
            supported: v.supported,
            may_support: v.may_support,
            may_comment: v.may_comment,
            may_advance: v.may_advance,
        }
    }
}

/// A comment to post.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalCommentBody {
    #[schema(min_length = 1, max_length = 1000)]
    pub body: String,
}

/// Put a proposal to a vote: a draft proposal vote of its place.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToVoteBody {
    /// households (default) or residents.
    #[schema(pattern = "^(households|residents)$")]
    pub electorate: Option<String>,
    pub closes_at: DateTime<Utc>,
}

/// The draft vote created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DraftVote {
    pub vote_id: i64,
}

#[utoipa::path(get, path = "/api/v1/proposals", tag = "participation",
    responses((status = 200, body = Vec<ProposalOut>, description = "The proposals of the caller's community and scopes, those waiting for the council and open first")))]
pub async fn proposals(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<ProposalOut>>> {
    let list = st.app.proposals(&caller.actor).await?;
    Ok(Json(list.iter().map(ProposalOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/proposals", tag = "participation",
    request_body = NewProposalBody,
    responses(
        (status = 201, body = ProposalDetail, headers(("Location" = String))),
        (status = 403, body = ErrorBody, description = "Neither a resident of the place nor its staff"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn raise(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewProposalBody>,
) -> ApiResult<Response> {
    let id = st
        .app
        .raise_proposal(
            &caller.actor,
            NewProposalInput {
                node_id: b.node_id,
                text: ProposalText {
                    title: b.title,
                    description: b.description,
                    reason: b.reason,
                    cost_fen: b.cost_fen,
                },
                photo: None,
            },
        )
        .await?;
    let v = st.app.proposal(&caller.actor, id).await?;
    Ok(created(
        format!("/api/v1/proposals/{id}"),
        ProposalDetail::from(v),
    ))
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ProposalDetail),
        (status = 404, body = ErrorBody, description = "No such proposal, or not one the caller may see"),
    ))]
pub async fn proposal(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProposalDetail>> {
    Ok(Json(st.app.proposal(&caller.actor, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/support", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ProposalDetail, description = "Counted; at the threshold the proposal waits for the council"),
        (status = 404, body = ErrorBody, description = "No such proposal, or not one the caller may see"),
        (status = 409, body = ErrorBody, description = "Supported already, not living where it applies, or no longer collecting support"),
    ))]
pub async fn support(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProposalDetail>> {
    Ok(Json(
        st.app.support_proposal(&caller.actor, id).await?.into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/comments", tag = "participation",
    params(("id" = i64, Path)),
    request_body = ProposalCommentBody,
    responses(
        (status = 201, body = ProposalDetail, headers(("Location" = String))),
        (status = 404, body = ErrorBody, description = "No such proposal, or not one the caller may see"),
        (status = 409, body = ErrorBody, description = "The discussion has ended"),
        (status = 422, body = ErrorBody, description = "Empty or longer than 1,000 characters"),
    ))]
pub async fn comment(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProposalCommentBody>,
) -> ApiResult<Response> {
    st.app
        .comment_on_proposal(&caller.actor, id, &b.body)
        .await?;
    let v = st.app.proposal(&caller.actor, id).await?;
    Ok(created(
        format!("/api/v1/proposals/{id}"),
        ProposalDetail::from(v),
    ))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/vote", tag = "participation",
    params(("id" = i64, Path)),
    request_body = ToVoteBody,
    responses(
        (status = 201, body = DraftVote, headers(("Location" = String))),
        (status = 403, body = ErrorBody, description = "Not a manager of the proposal's place"),
        (status = 404, body = ErrorBody, description = "No such proposal, or not one the caller may see"),
        (status = 409, body = ErrorBody, description = "The proposal's course has ended"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn to_vote(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ToVoteBody>,
) -> ApiResult<Response> {
    let electorate = match b.electorate.as_deref().unwrap_or("households") {
        "households" => Electorate::Households,
        "residents" => Electorate::Residents,
        _ => return Err(AppError::invalid("electorate", "households or residents").into()),
    };
    let v = st
        .app
        .send_proposal_to_vote(
            &caller.actor,
            id,
            electorate,
            b.closes_at.timestamp_millis(),
        )
        .await?;
    Ok(created(
        format!("/api/v1/votes/{}", v.id),
        DraftVote { vote_id: v.id },
    ))
}

/// A council meeting to plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeetingBody {
    pub community_id: i64,
    #[schema(min_length = 2, max_length = 80)]
    pub title: String,
    pub held_at: DateTime<Utc>,
    #[schema(min_length = 1, max_length = 100)]
    pub place: String,
    /// Proposals of the community waiting for the council.
    #[serde(default)]
    pub proposal_ids: Vec<i64>,
    /// Other matters, by title.
    #[serde(default)]
    pub matters: Vec<String>,
}

/// An agenda item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemOut {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub proposal_id: Option<i64>,
    /// adopted, rejected, deferred or to_vote, once held.
    pub outcome: Option<String>,
    pub outcome_note: String,
}

/// A council meeting.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingOut {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub held_at: DateTime<Utc>,
    pub place: String,
    /// planned or held.
    pub state: String,
    pub attendees: Vec<String>,
    pub minutes: String,
}

impl From<&Meeting> for MeetingOut {
    fn from(m: &Meeting) -> MeetingOut {
        MeetingOut {
            id: m.id,
            community_id: m.community_id,
            title: m.title.clone(),
            held_at: time(m.held_at),
            place: m.place.clone(),
            state: m.state.clone(),
            attendees: m.attendee_names().iter().map(|s| (*s).to_owned()).collect(),
            minutes: m.minutes.clone(),
        }
    }
}

/// A meeting with its agenda.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    pub meeting: MeetingOut,
    pub items: Vec<ItemOut>,
    pub may_manage: bool,
}

impl From<MeetingView> for MeetingDetail {
    fn from(v: MeetingView) -> MeetingDetail {
        MeetingDetail {
            meeting: (&v.meeting).into(),
            items: v
                .items
                .into_iter()
                .map(|i| ItemOut {
                    id: i.item.id,
                    position: i.item.position,
                    title: i.item.title,
                    proposal_id: i.item.proposal_id,
                    outcome: i.outcome.map(|o| o.code().to_owned()),
                    outcome_note: i.item.outcome_note,
                })
                .collect(),
            may_manage: v.may_manage,
        }
    }
}

/// A matter added to a planned meeting's agenda: a proposal waiting for the council,
/// or a matter by its title.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItemBody {
    pub proposal_id: Option<i64>,
    /// The matter's title, when it is not a proposal.
    #[serde(default)]
    #[schema(max_length = 80)]
    pub title: String,
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/items", tag = "participation",
    params(("id" = i64, Path, description = "A planned meeting")),
    request_body = NewItemBody,
    responses(
        (status = 201, body = MeetingDetail, headers(("Location" = String))),
        (status = 409, body = ErrorBody, description = "The meeting has been held"),
        (status = 422, body = ErrorBody, description = "The proposal is not waiting for the \
            council, or the title is missing; the message names the field"),
    ))]
pub async fn add_item(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewItemBody>,
) -> ApiResult<Response> {
    st.app
        .add_meeting_item(&caller.actor, id, b.proposal_id, &b.title)
        .await?;
    let v = st.app.meeting(&caller.actor, id).await?;
    Ok(created(
        format!("/api/v1/meetings/{id}"),
        MeetingDetail::from(v),
    ))
}

/// The record of a held meeting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// One name each.
    pub attendees: Vec<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub minutes: String,
    /// An outcome for every agenda item.
    pub outcomes: Vec<OutcomeBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub item_id: i64,
    /// adopted, rejected, deferred or to_vote.
    #[schema(pattern = "^(adopted|rejected|deferred|to_vote)$")]
    pub outcome: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "participation",
    responses((status = 200, body = Vec<MeetingOut>, description = "The council meetings of the caller's community and scopes, planned ones first")))]
pub async fn meetings(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<MeetingOut>>> {
    let list = st.app.meetings(&caller.actor).await?;
    Ok(Json(list.iter().map(MeetingOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/meetings", tag = "participation",
    request_body = NewMeetingBody,
    responses(
        (status = 201, body = MeetingDetail, headers(("Location" = String))),
        (status = 403, body = ErrorBody, description = "Not a manager of the community"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn plan(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewMeetingBody>,
) -> ApiResult<Response> {
    let id = st
        .app
        .plan_meeting(
            &caller.actor,
            NewMeetingInput {
                community_id: b.community_id,
                plan: MeetingPlan {
                    title: b.title,
                    held_at: b.held_at.timestamp_millis(),
                    place: b.place,
                },
                proposal_ids: b.proposal_ids,
                matters: b.matters,
            },
        )
        .await?;
    let v = st.app.meeting(&caller.actor, id).await?;
    Ok(created(
        format!("/api/v1/meetings/{id}"),
        MeetingDetail::from(v),
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = MeetingDetail),
        (status = 404, body = ErrorBody, description = "No such meeting, or not one the caller may see"),
    ))]
pub async fn meeting(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MeetingDetail>> {
    Ok(Json(st.app.meeting(&caller.actor, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/record", tag = "participation",
    params(("id" = i64, Path)),
    request_body = RecordBody,
    responses(
        (status = 200, body = MeetingDetail, description = "Recorded; the proposals moved on by their outcomes"),
        (status = 403, body = ErrorBody, description = "Not a manager of the community"),
        (status = 404, body = ErrorBody, description = "No such meeting, or not one the caller may see"),
        (status = 409, body = ErrorBody, description = "Recorded already"),
        (status = 422, body = ErrorBody, description = "An item without an outcome, no attendees or no minutes"),
    ))]
pub async fn record(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecordBody>,
) -> ApiResult<Json<MeetingDetail>> {
    let mut items = Vec::with_capacity(b.outcomes.len());
    for o in b.outcomes {
        let outcome = ItemOutcome::parse(&o.outcome)
            .map_err(|_| AppError::invalid("outcome", "adopted, rejected, deferred or to_vote"))?;
        items.push((o.item_id, Some(outcome), o.note));
    }
    st.app
        .record_meeting(
            &caller.actor,
            id,
            Outcomes {
                attendees: b.attendees.join("\n"),
                minutes: b.minutes,
                items,
            },
        )
        .await?;
    Ok(Json(st.app.meeting(&caller.actor, id).await?.into()))
}
