//! `/api/v1/party`: party members registering where they live (在职党员报到) — the
//! caller's own registration and pledges, notes of fulfilment, and for staff the
//! registrations, their moves, linked requests and the yearly summary per member and
//! per party organisation. Names are masked on lists.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_app::AppError;
use civicgrid_app::care::party::{MemberLine, PartyMember};
use civicgrid_app::care::party_year::{PartySummary, PledgeProgress, YearRecord};
use civicgrid_app::domain::care::party::{MemberStatus, PledgeKind, PledgeSpec, parse_amount};
use civicgrid_app::domain::privacy::mask_name;
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/party/me", me)
        .put("/api/v1/party/me", register)
        .get("/api/v1/party/summary", summary)
        .get("/api/v1/party-members", list)
        .get("/api/v1/party-members/{id}", get)
        .post("/api/v1/party-members/{id}/status", move_to)
        .post("/api/v1/party-members/{id}/pledges", pledge)
        .post("/api/v1/party-members/{id}/requests", link_request)
        .post("/api/v1/pledges/{id}/notes", note)
}

/// The party members' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me, register, summary, list, get, move_to, pledge, link_request, note))]
pub(crate) struct Api;

/// A registration: the party organisation of the member's employer and whether they
/// show a public badge (党员示范岗) to the community.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationBody {
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    #[serde(default)]
    pub public_badge: bool,
}

/// A move: confirmed, declined or ended (declining and ending need a reason).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberStatusBody {
    #[schema(pattern = "^(confirmed|declined|ended)$")]
    pub status: String,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A pledge for the year: visits, volunteering (target in hours), requests or other.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PledgeBody {
    pub year: i32,
    #[schema(pattern = "^(visits|volunteering|requests|other)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 200)]
    pub text: String,
    /// Times (1–999), or hours for volunteering (`40`, `2.5`).
    pub target: String,
}

/// A note of what was done towards a pledge, with its evidence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PledgeNoteBody {
    /// The day it was done: inside the pledge's year, not in the future.
    pub on: NaiveDate,
    /// Times, or hours for a volunteering pledge.
    pub amount: String,
    /// What was done and who can confirm it.
    #[schema(min_length = 1, max_length = 200)]
    pub text: String,
}

/// A resolved request of the member's community that they helped resolve.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequestBody {
    pub request_id: i64,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct MemberListQuery {
    /// pending, confirmed, declined or ended.
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    /// The year (default: this year).
    pub year: Option<i32>,
}

/// A registration.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyMemberOut {
    pub id: i64,
    /// Masked on lists (张*).
    pub name: String,
    pub organisation: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub public_badge: bool,
    /// The grid where they live.
    pub grid_name: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn member_out(m: PartyMember, grid_name: String, masked: bool) -> PartyMemberOut {
    PartyMemberOut {
        id: m.id,
        name: if masked { mask_name(&m.name) } else { m.name },
        organisation: m.organisation,
        status: m.status.code().to_owned(),
        status_reason: m.status_reason,
        public_badge: m.public_badge,
        grid_name,
        confirmed_at: m.confirmed_at.map(time),
        created_at: time(m.created_at),
    }
}

impl From<MemberLine> for PartyMemberOut {
    fn from(l: MemberLine) -> PartyMemberOut {
        member_out(l.m, l.grid_name, true)
    }
}

/// A pledge and how far it is kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PledgeOut {
    pub id: i64,
    pub year: i32,
    pub kind: String,
    pub text: String,
    /// Times, or minutes for volunteering.
    pub target: i64,
    /// From real activity: care visits, volunteer minutes or linked requests.
    pub from_activity: i64,
    pub from_notes: i64,
    pub fulfilled: i64,
    pub percent: i64,
    pub met: bool,
}

fn pledge_out(p: PledgeProgress) -> PledgeOut {
    PledgeOut {
        id: p.pledge.id,
        year: p.pledge.year,
        kind: p.pledge.kind.code().to_owned(),
        text: p.pledge.text,
        target: p.pledge.target,
        from_activity: p.from_activity,
        from_notes: p.from_notes,
        fulfilled: p.fulfilled,
        percent: p.percent,
        met: p.met,
    }
}

/// A note of fulfilment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PledgeNoteOut {
    pub id: i64,
    pub pledge_id: i64,
    pub on: NaiveDate,
    pub amount: i64,
    pub text: String,
    pub recorded_at: DateTime<Utc>,
}

/// A member's year: pledges with fulfilment, and the activity behind it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyYear {
    pub year: i32,
    pub pledges: Vec<PledgeOut>,
    /// Care visits logged as a carer.
    pub visits: i64,
    /// Confirmed volunteer minutes.
    pub volunteer_minutes: i64,
    /// Ids of the resolved requests linked to the member.
    pub requests: Vec<i64>,
    pub notes: Vec<PledgeNoteOut>,
}

fn year_out(year: i32, r: YearRecord) -> PartyYear {
    PartyYear {
        year,
        visits: r.visits.len() as i64,
        volunteer_minutes: r.served.iter().map(|d| d.minutes).sum(),
        requests: r.requests.iter().map(|q| q.request_id).collect(),
        notes: r
            .notes
            .into_iter()
            .map(|n| PledgeNoteOut {
                id: n.id,
                pledge_id: n.pledge_id,
                on: n.on,
                amount: n.amount,
                text: n.text,
                recorded_at: time(n.recorded_at),
            })
            .collect(),
        pledges: r.pledges.into_iter().map(pledge_out).collect(),
    }
}

/// The caller's own registration, if any, and its year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyParty {
    /// The account is linked to a living ledger record (may register).
    pub linked: bool,
    pub member: Option<PartyMemberOut>,
    pub year: Option<PartyYear>,
}

/// One registration with its year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyMemberDetail {
    pub member: PartyMemberOut,
    pub community_name: String,
    pub year: PartyYear,
}

/// One member's line of the summary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryMemberOut {
    pub member_id: i64,
    pub name: String,
    pub grid_name: String,
    pub pledges: Vec<PledgeOut>,
    pub met: usize,
}

/// A party organisation's members and totals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryBranchOut {
    pub organisation: String,
    pub members: Vec<SummaryMemberOut>,
    pub pledged: usize,
    pub met: usize,
    pub members_all_met: usize,
}

/// The yearly summary per member and per party organisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartySummaryOut {
    pub year: i32,
    pub members: usize,
    pub pledged: usize,
    pub met: usize,
    pub branches: Vec<SummaryBranchOut>,
}

fn summary_out(s: PartySummary) -> PartySummaryOut {
    PartySummaryOut {
        year: s.year,
        members: s.members,
        pledged: s.pledged,
        met: s.met,
        branches: s
            .branches
            .into_iter()
            .map(|b| SummaryBranchOut {
                organisation: b.organisation,
                pledged: b.pledged,
                met: b.met,
                members_all_met: b.members_all_met,
                members: b
                    .members
                    .into_iter()
                    .map(|m| SummaryMemberOut {
                        member_id: m.member_id,
                        name: m.name,
                        grid_name: m.grid_name,
                        met: m.met,
                        pledges: m.pledges.into_iter().map(pledge_out).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/party/me", tag = "party",
    params(YearQuery),
    responses((status = 200, body = MyParty, description = "The caller's own registration and year")))]
pub async fn me(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<MyParty>> {
    let mine = st.app.my_party(&caller.actor, q.year).await?;
    let grid = mine
        .home
        .as_ref()
        .map(|h| h.grid_name.clone())
        .unwrap_or_default();
    Ok(Json(MyParty {
        linked: mine.home.is_some(),
        member: mine.member.map(|m| member_out(m, grid, false)),
        year: mine.record.map(|r| year_out(mine.year, r)),
    }))
}

#[utoipa::path(put, path = "/api/v1/party/me", tag = "party",
    request_body = RegistrationBody,
    responses(
        (status = 200, body = PartyMemberOut, description = "Registered (pending), or the registration changed"),
        (status = 403, body = ErrorBody, description = "The account is not linked to a living ledger record"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn register(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<RegistrationBody>,
) -> ApiResult<Json<PartyMemberOut>> {
    let m = st
        .app
        .party_register(&caller.actor, &b.organisation, b.public_badge)
        .await?;
    let mine = st.app.my_party(&caller.actor, None).await?;
    let grid = mine.home.map(|h| h.grid_name).unwrap_or_default();
    Ok(Json(member_out(m, grid, false)))
}

#[utoipa::path(get, path = "/api/v1/party/summary", tag = "party",
    params(YearQuery),
    responses(
        (status = 200, body = PartySummaryOut),
        (status = 403, body = ErrorBody, description = "The caller follows party members nowhere"),
    ))]
pub async fn summary(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<PartySummaryOut>> {
    let year = q.year.unwrap_or_else(this_year);
    Ok(Json(summary_out(
        st.app.party_summary(&caller.actor, year).await?,
    )))
}

/// This year in the community's time.
pub(crate) fn this_year() -> i32 {
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    chrono::Datelike::year(&now)
}

#[utoipa::path(get, path = "/api/v1/party-members", tag = "party",
    params(MemberListQuery),
    responses(
        (status = 200, body = Vec<PartyMemberOut>, description = "Newest first, names masked"),
        (status = 403, body = ErrorBody, description = "The caller follows party members nowhere"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> ApiResult<Json<Vec<PartyMemberOut>>> {
    let status =
        match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(MemberStatus::parse(s).map_err(|_| {
                AppError::invalid("status", "pending, confirmed, declined or ended")
            })?),
            None => None,
        };
    let list = st.app.party_members(&caller.actor, status).await?;
    Ok(Json(list.into_iter().map(PartyMemberOut::from).collect()))
}

async fn detail(
    st: &AppState,
    caller: &ApiCaller,
    id: i64,
    year: Option<i32>,
) -> ApiResult<PartyMemberDetail> {
    let v = st.app.party_member(&caller.actor, id, year).await?;
    Ok(PartyMemberDetail {
        community_name: v.community_name,
        year: year_out(v.year, v.record),
        member: member_out(v.m, v.grid_name, false),
    })
}

#[utoipa::path(get, path = "/api/v1/party-members/{id}", tag = "party",
    params(("id" = i64, Path), YearQuery),
    responses(
        (status = 200, body = PartyMemberDetail, description = "A look by staff is traced on the member's data-access page"),
        (status = 404, body = ErrorBody, description = "No such registration in the caller's sight"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<PartyMemberDetail>> {
    Ok(Json(detail(&st, &caller, id, q.year).await?))
}

#[utoipa::path(post, path = "/api/v1/party-members/{id}/status", tag = "party",
    params(("id" = i64, Path)),
    request_body = MemberStatusBody,
    responses(
        (status = 200, body = PartyMemberOut),
        (status = 403, body = ErrorBody, description = "The caller may see but not keep the registration"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A move the registration's state does not allow, or no reason"),
    ))]
pub async fn move_to(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MemberStatusBody>,
) -> ApiResult<Json<PartyMemberOut>> {
    let to = MemberStatus::parse(&b.status)
        .map_err(|_| AppError::invalid("status", "confirmed, declined or ended"))?;
    st.app
        .move_party_member(&caller.actor, id, to, b.reason.as_deref())
        .await?;
    Ok(Json(detail(&st, &caller, id, None).await?.member))
}

#[utoipa::path(post, path = "/api/v1/party-members/{id}/pledges", tag = "party",
    params(("id" = i64, Path)),
    request_body = PledgeBody,
    responses(
        (status = 201, body = PartyYear, description = "Pledged; the year with it"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field at fault; `member` when the registration is someone else's or not confirmed"),
    ))]
pub async fn pledge(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PledgeBody>,
) -> ApiResult<Response> {
    let kind = PledgeKind::parse(&b.kind)
        .map_err(|_| AppError::invalid("pledge_kind", "visits, volunteering, requests or other"))?;
    let target = parse_amount("pledge_target", kind, &b.target)
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    let p = st
        .app
        .party_pledge(
            &caller.actor,
            id,
            PledgeSpec {
                year: b.year,
                kind,
                text: b.text,
                target,
            },
        )
        .await?;
    let d = detail(&st, &caller, id, Some(p.year)).await?;
    Ok(created(format!("/api/v1/party-members/{id}"), d.year))
}

#[utoipa::path(post, path = "/api/v1/party-members/{id}/requests", tag = "party",
    params(("id" = i64, Path)),
    request_body = LinkRequestBody,
    responses(
        (status = 200, body = PartyYear, description = "Linked; the year with it"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Not a resolved request of the community, or linked already"),
    ))]
pub async fn link_request(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<LinkRequestBody>,
) -> ApiResult<Json<PartyYear>> {
    st.app
        .link_party_request(&caller.actor, id, b.request_id)
        .await?;
    Ok(Json(detail(&st, &caller, id, None).await?.year))
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/notes", tag = "party",
    params(("id" = i64, Path)),
    request_body = PledgeNoteBody,
    responses(
        (status = 201, body = PledgeNoteOut),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such pledge in the caller's sight"),
        (status = 422, body = ErrorBody, description = "A date in the future or outside the pledge's year, no text"),
    ))]
pub async fn note(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PledgeNoteBody>,
) -> ApiResult<Response> {
    let p = st.app.pledge(&caller.actor, id).await?;
    let amount = parse_amount("note_amount", p.kind, &b.amount)
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    let n = st
        .app
        .party_note(&caller.actor, id, b.on, amount, &b.text)
        .await?;
    Ok(created(
        format!("/api/v1/party-members/{}", p.member_id),
        PledgeNoteOut {
            id: n.id,
            pledge_id: n.pledge_id,
            on: n.on,
            amount: n.amount,
            text: n.text,
            recorded_at: time(n.recorded_at),
        },
    ))
}
