//! `/api/v1/votes`: votes — draft one, open it (the electorate is frozen from the
//! ledger), close it (the result is published for good); the live tally with both
//! majorities of art. 278; paper ballots and proxies entered by staff; a signed-in
//! resident's own ballot; the published result, public once the vote has closed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::art278::{Matter, Weight};
use civicgrid_app::domain::participation::votes::{
    DEFAULT_MIN_AGE, Electorate, VoteKind, VoteSpec,
};
use civicgrid_app::participation::votes::{
    BallotFor, MyBallot, NewVote, PaperBallot, Tally, VoteView,
};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

use super::{area_m2, renamed};

/// A vote to draft.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVoteBody {
    /// poll, proposal or owners.
    #[schema(pattern = "^(poll|proposal|owners)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub body: String,
    /// A poll's options (2–20), in the order shown; ballots mark them by number from 1.
    #[serde(default)]
    pub options: Vec<String>,
    /// How many options a poll ballot may mark (1 when omitted).
    pub max_choices: Option<u16>,
    /// A poll ballot ranks the options (instant run-off).
    #[serde(default)]
    pub ranked: bool,
    /// residents, households or owners; owners for an owners' vote when omitted.
    #[schema(pattern = "^(residents|households|owners)$")]
    pub electorate: Option<String>,
    /// The youngest who may vote in a residents' vote (18 when omitted).
    #[schema(minimum = 14, maximum = 120)]
    pub min_age: Option<u8>,
    /// For an owners' vote, which matter of art. 278: rules, covenant, committee,
    /// property_company, use_fund, raise_fund, rebuild, change_use or other
    /// (raise_fund, rebuild and change_use are major: 3/4 must agree).
    pub matter: Option<String>,
    /// The community, grid or street that votes (residents' and households' votes).
    pub node_id: Option<i64>,
    /// The estate whose owners vote (owners' votes).
    pub estate_id: Option<i64>,
    /// When ballots stop (RFC 3339; in the future, at most 180 days on).
    pub closes_at: DateTime<Utc>,
}

/// A vote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Vote {
    pub id: i64,
    /// poll, proposal or owners.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub options: Vec<String>,
    pub max_choices: u16,
    pub ranked: bool,
    /// residents, households or owners.
    pub electorate: String,
    pub min_age: u8,
    /// An owners' vote's matter of art. 278.
    pub matter: Option<String>,
    /// The matter needs 3/4 of those taking part to agree.
    pub major: bool,
    /// The node whose subtree votes (for an owners' vote, the estate's community).
    pub node_id: i64,
    pub estate_id: Option<i64>,
    /// draft, open or closed.
    pub state: String,
    pub closes_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The frozen electorate, once open: voters.
    pub voters: i64,
    /// Their exclusive area (owners' votes), hundredths of m².
    pub area_centi: i64,
    pub area_m2: String,
    pub version: i64,
}

/// The fields every vote record has, whatever use case returned it.
macro_rules! vote {
    ($v:expr) => {{
        let v = $v;
        Vote {
            id: v.id,
            kind: v.spec.kind.code().to_owned(),
            major: v.spec.is_major(),
            matter: v.spec.matter.map(|m| m.code().to_owned()),
            electorate: v.spec.electorate.code().to_owned(),
            title: v.spec.title,
            body: v.spec.body,
            options: v.spec.options,
            max_choices: v.spec.max_choices,
            ranked: v.spec.ranked,
            min_age: v.spec.min_age,
            node_id: v.node_id,
            estate_id: v.estate_id,
            state: v.state.code().to_owned(),
            closes_at: time(v.closes_at),
            created_at: time(v.created_at),
            opened_at: v.opened_at.map(time),
            closed_at: v.closed_at.map(time),
            voters: v.total_heads,
            area_centi: v.total_area,
            area_m2: area_m2(v.total_area),
            version: v.version,
        }
    }};
}

/// A standing ballot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BallotLine {
    /// agree, oppose or abstain; or the option numbers, comma separated.
    pub choice: String,
    /// online, paper or proxy.
    pub channel: String,
    pub cast_at: DateTime<Utc>,
    /// How many times it was replaced.
    pub replaced: i64,
}

macro_rules! ballot {
    ($b:expr) => {{
        let b = $b;
        BallotLine {
            choice: b.choice,
            channel: b.channel,
            cast_at: time(b.cast_at),
            replaced: b.replaced,
        }
    }};
}

/// A voter whose proxy the caller holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProxyHeld {
    /// Send it as `for_voter` to vote for them.
    pub voter: i64,
    /// Their name, masked.
    pub name: String,
    pub ballot: Option<BallotLine>,
}

/// What the signed-in resident may cast in this vote, and has cast.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Mine {
    /// The voter they vote as; null when the electorate does not include them.
    pub voter: Option<i64>,
    pub ballot: Option<BallotLine>,
    pub proxies: Vec<ProxyHeld>,
    /// Someone else holds their proxy (masked name).
    pub proxy_held_by: Option<String>,
}

impl From<MyBallot> for Mine {
    fn from(m: MyBallot) -> Mine {
        Mine {
            voter: m.own_key,
            ballot: m.own.map(|b| ballot!(b)),
            proxies: m
                .proxies
                .into_iter()
                .map(|(voter, name, b)| ProxyHeld {
                    voter,
                    name,
                    ballot: b.map(|b| ballot!(b)),
                })
                .collect(),
            proxy_held_by: m.proxy_held_by,
        }
    }
}

/// A vote as the caller sees it, with what they may do next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoteDetail {
    pub vote: Vote,
    /// The estate's name, or the community's or grid's.
    pub place_name: String,
    pub estate_name: Option<String>,
    /// Ballots are no longer taken (closed, or past its closing time).
    pub ended: bool,
    /// The caller may open and close it.
    pub may_manage: bool,
    /// The caller may follow its tally.
    pub may_follow: bool,
    /// The caller may enter paper ballots and proxies now.
    pub may_record: bool,
    /// For a signed-in resident of its place.
    pub mine: Option<Mine>,
}

impl From<VoteView> for VoteDetail {
    fn from(v: VoteView) -> VoteDetail {
        VoteDetail {
            vote: vote!(v.vote),
            place_name: v.place_name,
            estate_name: v.estate_name,
            ended: v.ended,
            may_manage: v.may_manage,
            may_follow: v.may_follow,
            may_record: v.may_record,
            mine: v.mine.map(Mine::from),
        }
    }
}

/// Area and headcount side by side.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaHeads {
    /// Hundredths of m².
    pub area_centi: i64,
    pub area_m2: String,
    pub heads: i64,
}

impl From<Weight> for AreaHeads {
    fn from(w: Weight) -> AreaHeads {
        AreaHeads {
            area_centi: w.area_centi,
            area_m2: area_m2(w.area_centi),
            heads: w.heads,
        }
    }
}

/// An owners' matter decided by art. 278: two quorums of 2/3 (area and heads of all
/// owners) and two majorities (area and heads of those taking part: more than 1/2, or
/// at least 3/4 for a major matter).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Art278 {
    pub major: bool,
    /// Every owner and their exclusive area.
    pub total: AreaHeads,
    /// Owners who cast a ballot of any choice.
    pub participating: AreaHeads,
    /// Participating owners who agreed.
    pub agreeing: AreaHeads,
    pub quorum_area: bool,
    pub quorum_heads: bool,
    pub majority_area: bool,
    pub majority_heads: bool,
    /// How much more must take part to reach the quorums.
    pub quorum_short: AreaHeads,
    /// How many more agreeing ballots (from owners not yet voting) would reach the
    /// majorities on what has taken part so far.
    pub majority_short: AreaHeads,
    pub passed: bool,
}

/// One choice's standing ballots.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChoiceCount {
    /// agree, oppose, abstain; or a poll option's number.
    pub choice: String,
    /// The stance's code or the option's text.
    pub label: String,
    pub ballots: i64,
    /// The voters' area (owners' votes), hundredths of m².
    pub area_centi: i64,
    pub area_m2: String,
}

/// One round of a ranked poll's run-off.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunoffRound {
    /// Each option's votes, by position; null once eliminated.
    pub votes: Vec<Option<u64>>,
    /// The option eliminated after this round (0-based).
    pub eliminated: Option<u16>,
}

/// Turnout in one building of an owners' vote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BuildingCount {
    pub building: String,
    pub rooms: i64,
    pub voted_rooms: i64,
    pub area_centi: i64,
    pub voted_area_centi: i64,
}

/// A vote's count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoteTally {
    pub counted_at: DateTime<Utc>,
    /// Voters in the frozen electorate.
    pub voters: i64,
    /// Their exclusive area (owners' votes), hundredths of m².
    pub area_centi: i64,
    pub area_m2: String,
    /// Standing ballots (one per voter who took part).
    pub ballots: i64,
    pub choices: Vec<ChoiceCount>,
    /// For proposals and owners' matters: whether it passes on these figures.
    pub passed: Option<bool>,
    /// For owners' matters: both quorums and majorities of art. 278.
    pub art278: Option<Art278>,
    /// For ranked polls: each round of the run-off, and the winning option (0-based).
    pub rounds: Option<Vec<RunoffRound>>,
    pub winner: Option<u16>,
    /// Turnout by building (owners' votes, in the published result).
    pub buildings: Vec<BuildingCount>,
}

impl From<Tally> for VoteTally {
    fn from(t: Tally) -> VoteTally {
        let art278 = match (t.art278, t.counts) {
            (Some(d), Some(c)) => Some(Art278 {
                major: d.major,
                total: c.total.into(),
                participating: c.participating.into(),
                agreeing: c.agreeing.into(),
                quorum_area: d.quorum_area,
                quorum_heads: d.quorum_heads,
                majority_area: d.majority_area,
                majority_heads: d.majority_heads,
                quorum_short: d.quorum_short.into(),
                majority_short: d.majority_short.into(),
                passed: d.passed,
            }),
            _ => None,
        };
        VoteTally {
            counted_at: time(t.counted_at),
            voters: t.electorate,
            area_centi: t.electorate_area_centi,
            area_m2: area_m2(t.electorate_area_centi),
            ballots: t.ballots,
            choices: t
                .choices
                .into_iter()
                .map(|c| ChoiceCount {
                    area_m2: area_m2(c.area_centi),
                    choice: c.choice,
                    label: c.label,
                    ballots: c.ballots,
                    area_centi: c.area_centi,
                })
                .collect(),
            passed: t.passed,
            art278,
            rounds: t.rounds.map(|rs| {
                rs.into_iter()
                    .map(|r| RunoffRound {
                        votes: r.votes,
                        eliminated: r.eliminated,
                    })
                    .collect()
            }),
            winner: t.winner,
            buildings: t
                .buildings
                .into_iter()
                .map(|b| BuildingCount {
                    building: b.building,
                    rooms: b.rooms,
                    voted_rooms: b.voted_rooms,
                    area_centi: b.area_centi,
                    voted_area_centi: b.voted_area_centi,
                })
                .collect(),
        }
    }
}

/// A closed vote's published result (公示).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoteResult {
    pub vote: Vote,
    pub place_name: String,
    pub estate_name: Option<String>,
    pub tally: VoteTally,
}

/// A paper or door-to-door ballot entered by staff.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperBallotBody {
    /// The room (owners' and households' votes).
    pub room_id: Option<i64>,
    /// The resident (residents' votes).
    pub resident_id: Option<i64>,
    /// agree, oppose or abstain; or the option numbers, comma separated (`1,3`), in
    /// order of preference for a ranked poll.
    pub choice: String,
    /// Who collected it.
    #[schema(min_length = 1, max_length = 50)]
    pub collector: String,
}

/// A signed-in resident's ballot.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MyBallotBody {
    pub choice: String,
    /// Vote as the proxy of this voter (`mine.proxies[].voter`); absent: for oneself.
    pub for_voter: Option<i64>,
}

/// Whether the ballot replaced an earlier one of the same voter.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BallotTaken {
    pub replaced: bool,
}

/// A proxy (委托书): the holder votes for the voter named by room or resident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyBody {
    pub room_id: Option<i64>,
    pub resident_id: Option<i64>,
    /// The resident who holds the proxy.
    pub holder_resident_id: i64,
}

/// The voter whose proxy is withdrawn: by room or by resident.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProxyQuery {
    pub room_id: Option<i64>,
    pub resident_id: Option<i64>,
}

fn parse_vote(b: NewVoteBody) -> Result<NewVote, AppError> {
    let kind = VoteKind::parse(&b.kind).map_err(|e| AppError::invalid("kind", e))?;
    let electorate = match b.electorate.as_deref().map(str::trim) {
        Some(e) if !e.is_empty() => {
            Electorate::parse(e).map_err(|e| AppError::invalid("electorate", e))?
        }
        _ if kind == VoteKind::Owners => Electorate::Owners,
        _ => {
            return Err(AppError::invalid(
                "electorate",
                "choose residents, households or owners",
            ));
        }
    };
    let matter = match b.matter.as_deref().map(str::trim) {
        Some(m) if !m.is_empty() => {
            Some(Matter::parse(m).map_err(|e| AppError::invalid("matter", e))?)
        }
        _ => None,
    };
    Ok(NewVote {
        spec: VoteSpec {
            kind,
            title: b.title,
            body: b.body,
            options: b.options,
            max_choices: b.max_choices.unwrap_or(1),
            ranked: b.ranked,
            electorate,
            min_age: b.min_age.unwrap_or(DEFAULT_MIN_AGE),
            matter,
        },
        node_id: b.node_id,
        estate_id: b.estate_id,
        closes_at: b.closes_at.timestamp_millis(),
    })
}

#[utoipa::path(post, path = "/api/v1/votes", tag = "participation",
    request_body = NewVoteBody,
    responses(
        (status = 201, body = Vote, headers(("Location" = String)), description = "A draft"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn create_vote(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewVoteBody>,
) -> ApiResult<Response> {
    let v = st.app.create_vote(&caller.actor, parse_vote(b)?).await?;
    Ok(created(format!("/api/v1/votes/{}", v.id), vote!(v)))
}

#[utoipa::path(get, path = "/api/v1/votes", tag = "participation",
    responses((status = 200, body = Vec<Vote>, description = "Newest first: the votes the caller follows, or for a resident the open and published votes of where they live")))]
pub async fn votes(State(st): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<Vote>>> {
    let list = st.app.votes(&caller.actor).await?;
    Ok(Json(list.into_iter().map(|v| vote!(v)).collect()))
}

#[utoipa::path(get, path = "/api/v1/votes/{id}", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = VoteDetail),
        (status = 404, body = ErrorBody, description = "No such vote, or not one the caller may see"),
    ))]
pub async fn vote(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VoteDetail>> {
    Ok(Json(st.app.vote(&caller.actor, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/open", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Vote, description = "Open, its electorate frozen"),
        (status = 409, body = ErrorBody, description = "Not a draft"),
        (status = 422, body = ErrorBody, description = "It cannot open: rooms without an area, nobody to vote, the closing time passed"),
    ))]
pub async fn open_vote(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vote>> {
    let v = st.app.open_vote(&caller.actor, id).await?;
    Ok(Json(vote!(v)))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/close", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Vote, description = "Closed, its result published"),
        (status = 409, body = ErrorBody, description = "Not open"),
    ))]
pub async fn close_vote(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vote>> {
    let v = st.app.close_vote(&caller.actor, id).await?;
    Ok(Json(vote!(v)))
}

#[utoipa::path(get, path = "/api/v1/votes/{id}/tally", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = VoteTally, description = "The count now"),
        (status = 404, body = ErrorBody, description = "No such vote, or not one the caller may follow"),
    ))]
pub async fn tally(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VoteTally>> {
    Ok(Json(st.app.vote_count(&caller.actor, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", tag = "participation",
    params(("id" = i64, Path)),
    request_body = PaperBallotBody,
    responses(
        (status = 200, body = BallotTaken),
        (status = 409, body = ErrorBody, description = "The vote is not open"),
        (status = 422, body = ErrorBody, description = "A field is invalid: a room or resident not among the voters, a choice the vote does not offer, no collector"),
    ))]
pub async fn paper_ballot(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PaperBallotBody>,
) -> ApiResult<Json<BallotTaken>> {
    let replaced = st
        .app
        .record_paper_ballot(
            &caller.actor,
            id,
            &PaperBallot {
                room_id: b.room_id,
                resident_id: b.resident_id,
                choice: b.choice,
                collector: b.collector,
                scan: None,
            },
        )
        .await?;
    Ok(Json(BallotTaken { replaced }))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/my-ballot", tag = "participation",
    params(("id" = i64, Path)),
    request_body = MyBallotBody,
    responses(
        (status = 200, body = BallotTaken),
        (status = 403, body = ErrorBody, description = "Not a signed-in user (API tokens do not vote)"),
        (status = 404, body = ErrorBody, description = "No such vote, or not one of the caller's place"),
        (status = 409, body = ErrorBody, description = "The vote is not open"),
        (status = 422, body = ErrorBody, description = "Not among the voters (e.g. a tenant in an owners' vote), not holding that proxy, or a choice the vote does not offer"),
    ))]
pub async fn my_ballot(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MyBallotBody>,
) -> ApiResult<Json<BallotTaken>> {
    if caller.signed_in.is_none() {
        return Err(AppError::Forbidden.into());
    }
    let whom = match b.for_voter {
        Some(k) => BallotFor::Proxy(k),
        None => BallotFor::Myself,
    };
    let replaced = st
        .app
        .cast_ballot(&caller.actor, id, &b.choice, whom)
        .await
        .map_err(|e| match whom {
            BallotFor::Proxy(_) => renamed(e, "voter", "for_voter"),
            BallotFor::Myself => e,
        })?;
    Ok(Json(BallotTaken { replaced }))
}

#[utoipa::path(post, path = "/api/v1/votes/{id}/proxies", tag = "participation",
    params(("id" = i64, Path)),
    request_body = ProxyBody,
    responses(
        (status = 204, description = "Recorded"),
        (status = 409, body = ErrorBody, description = "The vote is not open"),
        (status = 422, body = ErrorBody, description = "A voter not in the electorate, a holder not in the ledger, or a voter whose proxy is already held"),
    ))]
pub async fn record_proxy(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProxyBody>,
) -> ApiResult<StatusCode> {
    st.app
        .record_proxy(
            &caller.actor,
            id,
            b.room_id,
            b.resident_id,
            b.holder_resident_id,
        )
        .await
        .map_err(|e| renamed(e, "holder_id", "holder_resident_id"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/votes/{id}/proxies", tag = "participation",
    params(("id" = i64, Path), ProxyQuery),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 409, body = ErrorBody, description = "The vote is not open"),
        (status = 422, body = ErrorBody, description = "A voter not in the electorate, or one who gave no proxy"),
    ))]
pub async fn revoke_proxy(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ProxyQuery>,
) -> ApiResult<StatusCode> {
    st.app
        .revoke_proxy(&caller.actor, id, q.room_id, q.resident_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/votes/{id}/result", tag = "participation",
    params(("id" = i64, Path)),
    security(()),
    responses(
        (status = 200, body = VoteResult, description = "Public once the vote has closed"),
        (status = 404, body = ErrorBody, description = "No such vote, or not closed yet"),
    ))]
pub async fn result(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VoteResult>> {
    let (v, t) = st.app.published_vote(id).await?;
    Ok(Json(VoteResult {
        vote: vote!(v.vote),
        place_name: v.place_name,
        estate_name: v.estate_name,
        tally: t.into(),
    }))
}
