//! Drafting a vote (`/participation/votes/new`), a vote's page with what the reader
//! may do — open or close it, follow its tally, cast their ballot (or a proxy's) —
//! and the resident's ballot form.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::art278::Matter;
use civicgrid_app::domain::participation::votes::{
    DEFAULT_MIN_AGE, Electorate, Stance, VoteKind, VoteSpec,
};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::participation::estates::EstateSummary;
use civicgrid_app::participation::votes::{BallotFor, NewVote, VoteView};
use civicgrid_app::platform::auth::SignedIn;

use super::{VoteFacts, vote_facts};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/votes/new", new_form)
        .post("/participation/votes", create)
        .get("/participation/votes/{id}", vote)
        .post("/participation/votes/{id}/open", open)
        .post("/participation/votes/{id}/close", close)
        .post("/participation/votes/{id}/ballot", ballot)
}

#[derive(Template)]
#[template(path = "participation/vote_new.html")]
struct NewVotePage {
    ctx: PageCtx,
    f: HashMap<String, String>,
    places: Vec<NodeChoice>,
    estates: Vec<EstateSummary>,
    matters: Vec<(&'static str, bool)>,
    problems: Problems,
}

impl NewVotePage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<Response> {
    let nodes = st
        .app
        .nodes_for(&me.actor, Permission::ManageParticipation)
        .await?;
    let places: Vec<_> = nodes
        .into_iter()
        .filter(|n| {
            matches!(
                n.kind,
                NodeKind::Street | NodeKind::Community | NodeKind::Grid
            )
        })
        .collect();
    let estates = st.app.estates(&me.actor).await?;
    let matters = Matter::ALL
        .iter()
        .map(|m| (m.code(), m.is_major()))
        .collect();
    Ok(render(&NewVotePage {
        places: node_choices(ctx.lang, &places),
        ctx,
        f,
        estates,
        matters,
        problems,
    }))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let mut f: HashMap<String, String> = HashMap::new();
    f.insert("min_age".into(), DEFAULT_MIN_AGE.to_string());
    f.insert("max_choices".into(), "1".into());
    if let Some(e) = q.get("estate_id") {
        f.insert("estate_id".into(), e.clone());
        f.insert("kind".into(), "owners".into());
    }
    new_page(&st, ctx, &me, f, Problems::none()).await
}

/// A `datetime-local` value in the community's time as an instant.
fn closes_at_ms(raw: &str) -> Result<i64, AppError> {
    super::local_time_ms(raw, "closes_at", "choose the date and time voting ends")
}

/// Reads the draft form into a vote to create.
fn new_vote(f: &HashMap<String, String>) -> Result<NewVote, AppError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let kind = VoteKind::parse(get("kind"))
        .map_err(|_| AppError::invalid("kind", "choose what kind of vote this is"))?;
    let electorate = match kind {
        VoteKind::Owners => Electorate::Owners,
        _ => Electorate::parse(get("electorate"))
            .map_err(|_| AppError::invalid("electorate", "choose who votes"))?,
    };
    let matter = match kind {
        VoteKind::Owners => Some(
            Matter::parse(get("matter"))
                .map_err(|_| AppError::invalid("matter", "choose the matter"))?,
        ),
        _ => None,
    };
    let number = |k: &'static str, default: i64| -> Result<i64, AppError> {
        match optional(get(k)) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| AppError::invalid(k, "give a whole number")),
        }
    };
    let id = |k: &'static str| -> Result<Option<i64>, AppError> {
        match optional(get(k)) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::invalid(k, "choose from the list")),
        }
    };
    let spec = VoteSpec {
        kind,
        title: get("title").to_owned(),
        body: get("body").to_owned(),
        options: get("options").lines().map(str::to_owned).collect(),
        max_choices: u16::try_from(number("max_choices", 1)?.clamp(0, 100)).unwrap_or(1),
        ranked: !get("ranked").is_empty(),
        electorate,
        min_age: u8::try_from(number("min_age", i64::from(DEFAULT_MIN_AGE))?.clamp(0, 255))
            .unwrap_or(DEFAULT_MIN_AGE),
        matter,
    };
    Ok(NewVote {
        spec,
        node_id: id("node_id")?,
        estate_id: id("estate_id")?,
        closes_at: closes_at_ms(get("closes_at"))?,
    })
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let made = match new_vote(&f) {
        Ok(n) => st.app.create_vote(&me.actor, n).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(v) => Ok(
            Redirect::to(&format!("/participation/votes/{}?done=vote_created", v.id))
                .into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title")?;
            let page = new_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// A voter the resident may cast for: themselves or a proxy, with their standing
/// ballot in words.
struct Castable {
    /// `self` or the voter key of a proxy.
    whom: String,
    label: String,
    current: Option<String>,
    cast_at: Option<String>,
}

#[derive(Template)]
#[template(path = "participation/vote.html")]
struct VotePage {
    ctx: PageCtx,
    v: VoteView,
    facts: VoteFacts,
    /// (value, text) of each choice a ballot offers.
    choices: Vec<(String, String)>,
    multi: bool,
    ranked: bool,
    castable: Vec<Castable>,
    /// Why the reader, who lives here, may not vote (not an owner, too young…).
    not_eligible: Option<String>,
    proxy_held_by: Option<String>,
    notice: Option<String>,
    problems: Problems,
}

/// A stored choice in words: the stance, or the options' texts.
pub(super) fn choice_words(ctx: &PageCtx, spec: &VoteSpec, code: &str) -> String {
    if spec.kind != VoteKind::Poll {
        return ctx.tk("vote-choice-", code);
    }
    code.split(',')
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .filter_map(|n| n.checked_sub(1).and_then(|i| spec.options.get(i)))
        .cloned()
        .collect::<Vec<_>>()
        .join(" › ")
}

async fn vote_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let v = st.app.vote(&me.actor, id).await?;
    let facts = vote_facts(&ctx, &v);
    let choices: Vec<(String, String)> = match v.vote.spec.kind {
        VoteKind::Poll => v
            .vote
            .spec
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| ((i + 1).to_string(), o.clone()))
            .collect(),
        _ => [Stance::Agree, Stance::Oppose, Stance::Abstain]
            .iter()
            .map(|s| (s.code().to_owned(), ctx.tk("vote-choice-", s.code())))
            .collect(),
    };
    let mut castable = Vec::new();
    let mut not_eligible = None;
    let mut proxy_held_by = None;
    if let Some(m) = &v.mine {
        match m.own_key {
            Some(_) => castable.push(Castable {
                whom: "self".into(),
                label: ctx.t("vote-for-myself"),
                current: m
                    .own
                    .as_ref()
                    .map(|b| choice_words(&ctx, &v.vote.spec, &b.choice)),
                cast_at: m.own.as_ref().map(|b| format_time(b.cast_at)),
            }),
            None => {
                not_eligible = Some(ctx.tk("vote-not-eligible-", v.vote.spec.electorate.code()))
            }
        }
        for (key, name, b) in &m.proxies {
            castable.push(Castable {
                whom: key.to_string(),
                label: ctx.t1("vote-for-proxy", "name", name),
                current: b
                    .as_ref()
                    .map(|b| choice_words(&ctx, &v.vote.spec, &b.choice)),
                cast_at: b.as_ref().map(|b| format_time(b.cast_at)),
            });
        }
        proxy_held_by = m.proxy_held_by.clone();
    }
    Ok(render(&VotePage {
        multi: v.vote.spec.kind == VoteKind::Poll
            && v.vote.spec.max_choices > 1
            && !v.vote.spec.ranked,
        ranked: v.vote.spec.ranked,
        facts,
        choices,
        castable,
        not_eligible,
        proxy_held_by,
        ctx,
        v,
        notice,
        problems,
    }))
}

async fn vote(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    vote_page(&st, ctx, &me, id, n, Problems::none()).await
}

async fn open(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(_f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    match st.app.open_vote(&me.actor, id).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/participation/votes/{id}?done=vote_opened")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "vote")?;
            let page = vote_page(&st, ctx, &me, id, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn close(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(_f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    match st.app.close_vote(&me.actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/participation/votes/{id}/result?done=vote_closed"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "vote")?;
            let page = vote_page(&st, ctx, &me, id, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The ballot as the form posted it: a stance or one option (`choice`), marked options
/// (`opt1`, `opt2`, …) or ranks (`rank1` = the option ranked first, …).
fn posted_choice(f: &HashMap<String, String>, options: usize) -> String {
    if let Some(c) = f.get("choice").and_then(|c| optional(c)) {
        return c.to_owned();
    }
    let marked: Vec<String> = (1..=options)
        .filter(|i| f.contains_key(&format!("opt{i}")))
        .map(|i| i.to_string())
        .collect();
    if !marked.is_empty() {
        return marked.join(",");
    }
    (1..=options)
        .filter_map(|i| f.get(&format!("rank{i}")).and_then(|v| optional(v)))
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .join(",")
}

async fn ballot(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let options = civicgrid_app::domain::participation::votes::MAX_OPTIONS;
    let choice = posted_choice(&f, options);
    let whom = match f.get("whom").map(String::as_str) {
        None | Some("self") | Some("") => Ok(BallotFor::Myself),
        Some(k) => k
            .parse::<i64>()
            .map(BallotFor::Proxy)
            .map_err(|_| AppError::invalid("voter", "choose whom the ballot is for")),
    };
    let cast = match whom {
        Ok(w) => st.app.cast_ballot(&me.actor, id, &choice, w).await,
        Err(e) => Err(e),
    };
    match cast {
        Ok(replaced) => {
            let done = if replaced {
                "ballot_replaced"
            } else {
                "ballot_cast"
            };
            Ok(Redirect::to(&format!("/participation/votes/{id}?done={done}")).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "choice")?;
            let page = vote_page(&st, ctx, &me, id, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn ballots_read_from_every_form_shape() {
        assert_eq!(posted_choice(&form(&[("choice", "agree")]), 3), "agree");
        assert_eq!(
            posted_choice(&form(&[("opt3", "1"), ("opt1", "1")]), 3),
            "1,3"
        );
        assert_eq!(
            posted_choice(&form(&[("rank1", "2"), ("rank2", "3")]), 3),
            "2,3"
        );
        assert_eq!(posted_choice(&form(&[]), 3), "");
    }

    #[test]
    fn closing_times_are_read_in_the_community_time() {
        let ms = closes_at_ms("2026-12-31T18:00").unwrap();
        assert_eq!(format_time(ms), "2026-12-31 18:00");
        assert!(closes_at_ms("tomorrow").is_err());
    }
}
