//! The live tally (`/participation/votes/{id}/tally`) for who follows a vote: ballots
//! by choice, for an owners' matter both quorums and both majorities of art. 278 with
//! how much area and how many owners are still needed, turnout by building, and the
//! rooms whose owners have not voted — each with a form to enter a paper ballot taken
//! at the door, with its scan if one was made. Staff also record and revoke proxies
//! (委托书) here. A paper ballot's scan is served to those who may see it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::ballot_scans::MAX_SCAN_BYTES;
use civicgrid_app::domain::participation::votes::{Stance, VoteKind};
use civicgrid_app::participation::votes::{PaperBallot, Tally, VoteView};
use civicgrid_app::platform::auth::SignedIn;

use super::{VoteFacts, area, percent, vote_facts};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::ledger::pages::address;
use crate::page::{PageCtx, format_time, render};
use crate::picker::{Pick, PickMatch, is_search};
use crate::requests::pages::resident::read_posted_file;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    // A paper ballot may carry its scan: room for the largest one and the form around it.
    let limit = MAX_SCAN_BYTES + 64 * 1024;
    r.get("/participation/votes/{id}/tally", tally)
        .post_with_body_limit("/participation/votes/{id}/paper", paper, limit)
        .get("/participation/ballot-scans/{id}", scan)
        .post("/participation/votes/{id}/proxy", proxy)
        .post("/participation/votes/{id}/proxy/revoke", revoke)
        .get("/participation/votes/{id}/holders", holders)
}

/// One line of the count, in words and figures.
pub(super) struct ChoiceLine {
    pub label: String,
    pub ballots: i64,
    pub share: String,
    pub area: String,
    pub area_share: String,
    /// Bar width in percent of the ballots cast.
    pub width: i64,
}

/// Art. 278's four conditions, each met or not, with what is still missing.
pub(super) struct Art278Lines {
    pub major: bool,
    pub quorum_area: bool,
    pub quorum_heads: bool,
    pub majority_area: bool,
    pub majority_heads: bool,
    pub participating_area: String,
    pub participating_area_share: String,
    pub participating_heads_share: String,
    pub agreeing_area_share: String,
    pub agreeing_heads_share: String,
    pub quorum_short_area: String,
    pub quorum_short_heads: i64,
    pub majority_short_area: String,
    pub majority_short_heads: i64,
}

pub(super) struct BuildingLine {
    pub name: String,
    pub rooms: i64,
    pub voted_rooms: i64,
    pub rooms_share: String,
    pub area_share: String,
    pub width: i64,
}

/// A tally as a page shows it (the live tally and the published result alike).
pub(super) struct TallyLines {
    /// The vote still runs: the decision is what the figures say so far.
    pub live: bool,
    pub ballots: i64,
    pub electorate: i64,
    pub turnout: String,
    pub choices: Vec<ChoiceLine>,
    pub passed: Option<bool>,
    pub art278: Option<Art278Lines>,
    pub winner: Option<String>,
    pub rounds: usize,
    pub buildings: Vec<BuildingLine>,
    pub counted_at: String,
}

fn width(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 / whole).clamp(0, 100)
    }
}

pub(super) fn tally_lines(ctx: &PageCtx, v: &VoteView, t: &Tally) -> TallyLines {
    let participating_area: i64 = t.choices.iter().map(|c| c.area_centi).sum::<i64>();
    let choices = t
        .choices
        .iter()
        .map(|c| ChoiceLine {
            label: if v.vote.spec.kind == VoteKind::Poll {
                c.label.clone()
            } else {
                ctx.tk("vote-choice-", &c.choice)
            },
            ballots: c.ballots,
            share: percent(c.ballots, t.ballots),
            area: area(c.area_centi),
            area_share: percent(c.area_centi, participating_area),
            width: width(c.ballots, t.ballots),
        })
        .collect();
    let art278 = match (t.art278, t.counts) {
        (Some(d), Some(c)) => Some(Art278Lines {
            major: d.major,
            quorum_area: d.quorum_area,
            quorum_heads: d.quorum_heads,
            majority_area: d.majority_area,
            majority_heads: d.majority_heads,
            participating_area: area(c.participating.area_centi),
            participating_area_share: percent(c.participating.area_centi, c.total.area_centi),
            participating_heads_share: percent(c.participating.heads, c.total.heads),
            agreeing_area_share: percent(c.agreeing.area_centi, c.participating.area_centi),
            agreeing_heads_share: percent(c.agreeing.heads, c.participating.heads),
            quorum_short_area: area(d.quorum_short.area_centi),
            quorum_short_heads: d.quorum_short.heads,
            majority_short_area: area(d.majority_short.area_centi),
            majority_short_heads: d.majority_short.heads,
        }),
        _ => None,
    };
    TallyLines {
        live: !v.ended,
        ballots: t.ballots,
        electorate: t.electorate,
        turnout: percent(t.ballots, t.electorate),
        choices,
        passed: t.passed,
        art278,
        winner: t
            .winner
            .and_then(|w| v.vote.spec.options.get(usize::from(w)).cloned()),
        rounds: t.rounds.as_ref().map_or(0, Vec::len),
        buildings: t
            .buildings
            .iter()
            .map(|b| BuildingLine {
                name: civicgrid_app::domain::ledger::place::building(
                    &b.building,
                    crate::ledger::pages::speech(ctx.lang),
                ),
                rooms: b.rooms,
                voted_rooms: b.voted_rooms,
                rooms_share: percent(b.voted_rooms, b.rooms),
                area_share: percent(b.voted_area_centi, b.area_centi),
                width: width(b.voted_rooms, b.rooms),
            })
            .collect(),
        counted_at: format_time(t.counted_at),
    }
}

/// A room still to canvass.
struct CanvassRoom {
    id: i64,
    address: String,
}

#[derive(Template)]
#[template(path = "participation/tally.html")]
struct TallyPage {
    ctx: PageCtx,
    v: VoteView,
    facts: VoteFacts,
    t: TallyLines,
    canvass: Vec<CanvassRoom>,
    /// Stances a paper ballot may mark (value, text); empty for polls.
    stances: Vec<(String, String)>,
    /// Poll options (value, text).
    options: Vec<(String, String)>,
    holder: Pick,
    proxy_room: String,
    notice: Option<String>,
    problems: Problems,
}

fn holder_pick(id: i64) -> Pick {
    Pick::new(
        "holder_id",
        "holder",
        &format!("/participation/votes/{id}/holders"),
        "",
    )
}

async fn found_holders(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    pick: Pick,
) -> PageResult<Pick> {
    if pick.q.is_empty() {
        return Ok(pick);
    }
    let found = st
        .app
        .proxy_holder_candidates(&me.actor, id, &pick.q)
        .await?;
    let matches = found
        .into_iter()
        .map(|(rid, masked, p)| PickMatch {
            value: rid.to_string(),
            label: masked,
            detail: address(
                ctx.lang,
                p.building.as_deref().unwrap_or_default(),
                p.unit.as_deref().unwrap_or_default(),
                p.room.as_deref().unwrap_or_default(),
            ),
        })
        .collect();
    Ok(pick.found(matches))
}

async fn tally_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    posted: &HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let (v, t, rooms) = st.app.vote_tally(&me.actor, id).await?;
    let facts = vote_facts(&ctx, &v);
    let t = tally_lines(&ctx, &v, &t);
    let canvass = rooms
        .iter()
        .map(|r| CanvassRoom {
            id: r.room_id,
            address: address(ctx.lang, &r.building, &r.unit, &r.room),
        })
        .collect();
    let (stances, options) = if v.vote.spec.kind == VoteKind::Poll {
        let o = v
            .vote
            .spec
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| ((i + 1).to_string(), o.clone()))
            .collect();
        (Vec::new(), o)
    } else {
        let s = [Stance::Agree, Stance::Oppose, Stance::Abstain]
            .iter()
            .map(|s| (s.code().to_owned(), ctx.tk("vote-choice-", s.code())))
            .collect();
        (s, Vec::new())
    };
    let pick = holder_pick(id).read(posted);
    let holder = if v.may_record {
        found_holders(st, &ctx, me, id, pick).await?
    } else {
        pick
    };
    Ok(render(&TallyPage {
        proxy_room: posted.get("room_id").cloned().unwrap_or_default(),
        ctx,
        facts,
        t,
        canvass,
        stances,
        options,
        holder,
        v,
        notice,
        problems,
    }))
}

async fn tally(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    tally_page(&st, ctx, &me, id, &HashMap::new(), n, Problems::none()).await
}

fn id_field(f: &HashMap<String, String>, k: &'static str) -> Result<Option<i64>, AppError> {
    match f.get(k).and_then(|v| optional(v)) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(k, "choose from the list")),
    }
}

async fn after(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: &HashMap<String, String>,
    done: Result<&'static str, AppError>,
    field: &str,
) -> PageResult<Response> {
    match done {
        Ok(code) => Ok(
            Redirect::to(&format!("/participation/votes/{id}/tally?done={code}")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, field)?;
            let page = tally_page(st, ctx, me, id, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// A paper ballot as posted: its fields, and its scan as a multipart file `scan`.
async fn paper(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted_file(&st, req, "scan").await?;
    let f = posted.fields;
    let scan = posted.photo.map(|(_, bytes)| bytes);
    let done = async {
        let ballot = PaperBallot {
            room_id: id_field(&f, "room_id")?,
            resident_id: id_field(&f, "resident_id")?,
            choice: f.get("choice").cloned().unwrap_or_default(),
            collector: f.get("collector").cloned().unwrap_or_default(),
            scan,
        };
        let replaced = st.app.record_paper_ballot(&me.actor, id, &ballot).await?;
        Ok(if replaced {
            "ballot_replaced"
        } else {
            "paper_ballot_recorded"
        })
    }
    .await;
    after(&st, ctx, &me, id, &f, done, "choice").await
}

/// A paper ballot's scan, for the auditor and those who record or follow the vote's
/// ballots.
async fn scan(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (meta, data) = st.app.ballot_scan(&me.actor, id).await?;
    Ok(crate::page::photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        false,
    ))
}

async fn proxy(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    if is_search(&f, "holder") {
        return tally_page(&st, ctx, &me, id, &f, None, Problems::none()).await;
    }
    let done = async {
        let holder = id_field(&f, "holder_id")?
            .ok_or_else(|| AppError::invalid("holder_id", "choose who holds the proxy"))?;
        st.app
            .record_proxy(
                &me.actor,
                id,
                id_field(&f, "room_id")?,
                id_field(&f, "resident_id")?,
                holder,
            )
            .await?;
        Ok("proxy_recorded")
    }
    .await;
    after(&st, ctx, &me, id, &f, done, "holder_id").await
}

async fn revoke(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let done = async {
        st.app
            .revoke_proxy(
                &me.actor,
                id,
                id_field(&f, "room_id")?,
                id_field(&f, "resident_id")?,
            )
            .await?;
        Ok("proxy_revoked")
    }
    .await;
    after(&st, ctx, &me, id, &f, done, "room_id").await
}

/// The proxy holder picker's matches alone (htmx swaps them in after a search).
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

async fn holders(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = holder_pick(id).read(&q);
    // Who may not record proxies here is refused even for a blank search.
    let pick = if pick.q.is_empty() {
        st.app.proxy_holder_candidates(&me.actor, id, "").await?;
        pick
    } else {
        found_holders(&st, &ctx, &me, id, pick).await?
    };
    Ok(render(&MatchesFragment { ctx, pick }))
}
