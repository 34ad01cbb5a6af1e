//! `/api/v1/commitments`: commitments (落实事项) — create one from a passed vote,
//! change it, move it; add and tick milestones; post progress; link requests of its
//! community; record spending. Reading one is public, as its page is.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::commitments::{
    Milestone as MilestoneSpec, Spec, Spending, State as CState,
};
use civicgrid_app::participation::commitments::{
    CommitmentSummary, CommitmentView, NewCommitment, StoredCommitment,
};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::state::AppState;

/// A milestone to add: its name and due date.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    pub due_on: NaiveDate,
}

/// A commitment to create from a vote that closed and passed, or from a decision the
/// residents' council adopted: give exactly one of `vote_id` and `meeting_item_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommitmentBody {
    /// The source: a closed vote whose result passed, where the caller manages.
    pub vote_id: Option<i64>,
    /// Or the source: an agenda item a council meeting adopted, where the caller manages.
    pub meeting_item_id: Option<i64>,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: String,
    /// A responder organisation serving the vote's community; absent: community staff.
    pub owner_org_id: Option<i64>,
    #[serde(default)]
    pub milestones: Vec<MilestoneBody>,
}

/// What a commitment promises and who delivers it, as they are to be.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub owner_org_id: Option<i64>,
}

/// A move: planned, in_progress, delivered or dropped (dropping needs a reason).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    #[schema(pattern = "^(planned|in_progress|delivered|dropped)$")]
    pub state: String,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A milestone done (on `done_on`, today when absent) or not done again.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickBody {
    pub done: bool,
    pub done_on: Option<NaiveDate>,
}

/// A progress update (text only; photos are posted on the page).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
}

/// A request of the commitment's community to link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub request_id: i64,
}

/// A spending line: amount in fen (分).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendingBody {
    #[schema(min_length = 1, max_length = 100)]
    pub what: String,
    #[schema(minimum = 1)]
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    /// Who paid or the fund it came from (专项维修资金).
    #[schema(min_length = 1, max_length = 50)]
    pub payer: String,
}

/// A commitment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Commitment {
    pub id: i64,
    pub community_id: i64,
    /// The vote it comes from.
    pub vote_id: Option<i64>,
    /// Or the council decision (adopted agenda item) it comes from.
    pub meeting_item_id: Option<i64>,
    pub title: String,
    pub summary: String,
    /// The responder organisation delivering it; null: community staff.
    pub owner_org_id: Option<i64>,
    /// planned, in_progress, delivered or dropped.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn commitment(c: StoredCommitment) -> Commitment {
    Commitment {
        id: c.id,
        community_id: c.community_id,
        vote_id: c.vote_id,
        meeting_item_id: c.meeting_item_id,
        title: c.title,
        summary: c.summary,
        owner_org_id: c.owner_org_id,
        state: c.state.code().to_owned(),
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
    }
}

/// A commitment on a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitmentLine {
    pub commitment: Commitment,
    pub owner_name: Option<String>,
    pub milestones: usize,
    pub done: usize,
    pub overdue: usize,
}

impl From<CommitmentSummary> for CommitmentLine {
    fn from(s: CommitmentSummary) -> CommitmentLine {
        CommitmentLine {
            owner_name: s.owner_name,
            milestones: s.milestones,
            done: s.done,
            overdue: s.overdue,
            commitment: commitment(s.c),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MilestoneOut {
    pub id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpdateOut {
    pub id: i64,
    pub body: String,
    pub posted_at: DateTime<Utc>,
    /// Addresses of its photos.
    pub photos: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkedRequest {
    /// `R-2026-000123`.
    pub number: String,
    pub category: String,
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpendingOut {
    pub what: String,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub payer: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryOut {
    pub at: DateTime<Utc>,
    /// create, edit, state, milestone_add, milestone_done, milestone_undone, update,
    /// request_link or spending.
    pub kind: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A commitment with everything its public page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitmentDetail {
    pub commitment: Commitment,
    pub community_name: String,
    pub vote_title: Option<String>,
    pub owner_name: Option<String>,
    pub milestones: Vec<MilestoneOut>,
    pub updates: Vec<UpdateOut>,
    pub requests: Vec<LinkedRequest>,
    pub spending: Vec<SpendingOut>,
    pub spent_fen: i64,
    pub history: Vec<HistoryOut>,
}

impl From<CommitmentView> for CommitmentDetail {
    fn from(v: CommitmentView) -> CommitmentDetail {
        CommitmentDetail {
            community_name: v.community_name,
            vote_title: v.vote.map(|(_, t, _)| t),
            owner_name: v.owner_name,
            milestones: v
                .milestones
                .into_iter()
                .map(|m| MilestoneOut {
                    id: m.m.id,
                    title: m.m.title,
                    due_on: m.m.due_on,
                    done_on: m.m.done_on,
                    overdue: m.overdue,
                })
                .collect(),
            updates: v
                .updates
                .into_iter()
                .map(|u| UpdateOut {
                    id: u.u.id,
                    body: u.u.body,
                    posted_at: time(u.u.posted_at),
                    photos: u
                        .photos
                        .iter()
                        .map(|p| format!("/participation/commitments/photos/{p}"))
                        .collect(),
                })
                .collect(),
            requests: v
                .requests
                .into_iter()
                .map(|r| LinkedRequest {
                    number: r.number,
                    category: r.category,
                    status: r.status.to_string(),
                })
                .collect(),
            spending: v
                .spending
                .into_iter()
                .map(|s| SpendingOut {
                    what: s.line.what,
                    amount_fen: s.line.amount_fen,
                    spent_on: s.line.spent_on,
                    payer: s.line.payer,
                })
                .collect(),
            spent_fen: v.spent_fen,
            history: v
                .history
                .into_iter()
                .map(|h| HistoryOut {
                    at: time(h.at),
                    kind: h.kind,
                    details: h.details,
                })
                .collect(),
            commitment: commitment(v.c),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/commitments", tag = "participation",
    request_body = NewCommitmentBody,
    responses(
        (status = 201, body = Commitment, description = "Created, planned"),
        (status = 403, body = ErrorBody, description = "The caller manages participation nowhere"),
        (status = 422, body = ErrorBody, description = "A field at fault: a vote not passed or out of the caller's places, an owner of another community, a bad milestone"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewCommitmentBody>,
) -> ApiResult<Response> {
    let new = NewCommitment {
        vote_id: b.vote_id,
        meeting_item_id: b.meeting_item_id,
        spec: Spec {
            title: b.title,
            summary: b.summary,
        },
        owner_org_id: b.owner_org_id,
        milestones: b
            .milestones
            .into_iter()
            .map(|m| MilestoneSpec {
                title: m.title,
                due_on: m.due_on,
            })
            .collect(),
    };
    let c = st.app.create_commitment(&caller.actor, new).await?;
    Ok(created(
        format!("/api/v1/commitments/{}", c.id),
        commitment(c),
    ))
}

#[utoipa::path(get, path = "/api/v1/commitments", tag = "participation",
    responses((status = 200, body = Vec<CommitmentLine>, description = "Newest first: those the caller follows, delivers, or that belong to where they live")))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<CommitmentLine>>> {
    let list = st.app.commitment_cards(&caller.actor).await?;
    Ok(Json(list.into_iter().map(CommitmentLine::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/commitments/{id}", tag = "participation",
    params(("id" = i64, Path)),
    security(()),
    responses(
        (status = 200, body = CommitmentDetail, description = "Public"),
        (status = 404, body = ErrorBody, description = "No such commitment"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CommitmentDetail>> {
    Ok(Json(st.app.commitment(None, id).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/commitments/{id}", tag = "participation",
    params(("id" = i64, Path)), request_body = CommitmentBody,
    responses(
        (status = 200, body = Commitment),
        (status = 403, body = ErrorBody, description = "The caller does not manage its community"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn edit(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CommitmentBody>,
) -> ApiResult<Json<Commitment>> {
    let spec = Spec {
        title: b.title,
        summary: b.summary,
    };
    let c = st
        .app
        .edit_commitment(&caller.actor, id, spec, b.owner_org_id)
        .await?;
    Ok(Json(commitment(c)))
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/state", tag = "participation",
    params(("id" = i64, Path)), request_body = MoveBody,
    responses(
        (status = 200, body = Commitment),
        (status = 403, body = ErrorBody, description = "The caller does not manage its community"),
        (status = 422, body = ErrorBody, description = "Not allowed from its state, milestones still open, or no reason to drop it"),
    ))]
pub async fn move_to(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Json<Commitment>> {
    let to = CState::parse(&b.state)
        .map_err(|_| AppError::invalid("state", "planned, in_progress, delivered or dropped"))?;
    let c = st
        .app
        .move_commitment(&caller.actor, id, to, b.reason.as_deref())
        .await?;
    Ok(Json(commitment(c)))
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/milestones", tag = "participation",
    params(("id" = i64, Path)), request_body = MilestoneBody,
    responses(
        (status = 204, description = "Added"),
        (status = 403, body = ErrorBody, description = "The caller does not manage its community"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn add_milestone(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MilestoneBody>,
) -> ApiResult<StatusCode> {
    let m = MilestoneSpec {
        title: b.title,
        due_on: b.due_on,
    };
    st.app.add_milestone(&caller.actor, id, m).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/milestones/{milestone_id}", tag = "participation",
    params(("id" = i64, Path), ("milestone_id" = i64, Path)), request_body = TickBody,
    responses(
        (status = 204, description = "Ticked"),
        (status = 403, body = ErrorBody, description = "Neither managing its community nor a member of its owner"),
        (status = 422, body = ErrorBody, description = "Not a milestone of it, or a date after today"),
    ))]
pub async fn tick(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, milestone_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<TickBody>,
) -> ApiResult<StatusCode> {
    st.app
        .tick_milestone(&caller.actor, id, milestone_id, b.done, b.done_on)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/updates", tag = "participation",
    params(("id" = i64, Path)), request_body = UpdateBody,
    responses(
        (status = 204, description = "Posted"),
        (status = 403, body = ErrorBody, description = "Neither managing its community nor a member of its owner"),
        (status = 409, body = ErrorBody, description = "Delivered or dropped"),
        (status = 422, body = ErrorBody, description = "No text, or too long"),
    ))]
pub async fn post_update(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<UpdateBody>,
) -> ApiResult<StatusCode> {
    st.app
        .post_commitment_update(&caller.actor, id, &b.body, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/requests", tag = "participation",
    params(("id" = i64, Path)), request_body = LinkBody,
    responses(
        (status = 204, description = "Linked"),
        (status = 403, body = ErrorBody, description = "The caller does not manage its community"),
        (status = 422, body = ErrorBody, description = "Not a request of its community, or linked already"),
    ))]
pub async fn link_request(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<LinkBody>,
) -> ApiResult<StatusCode> {
    st.app
        .link_commitment_request(&caller.actor, id, b.request_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/commitments/{id}/spending", tag = "participation",
    params(("id" = i64, Path)), request_body = SpendingBody,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, body = ErrorBody, description = "The caller does not manage its community"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn spending(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SpendingBody>,
) -> ApiResult<StatusCode> {
    let line = Spending {
        what: b.what,
        amount_fen: b.amount_fen,
        spent_on: b.spent_on,
        payer: b.payer,
    };
    st.app
        .add_commitment_spending(&caller.actor, id, line)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
