//! A closed vote's published result (公示, `/participation/votes/{id}/result`), open to
//! anyone: the question, the figures that decided it — for an owners' matter the two
//! quorums and majorities of art. 278 — and turnout by building. It is the tally kept
//! when the vote closed and never changes. Below it, what the decision led to: its
//! commitments (落实情况).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::participation::votes::VoteView;

use super::tally::{TallyLines, tally_lines};
use super::{VoteFacts, vote_facts};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
use crate::forms::DoneNotice;
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/votes/{id}/result", result)
        .get("/participation/votes/{id}/ballots", ballots)
}

#[derive(Template)]
#[template(path = "participation/result.html")]
struct ResultPage {
    ctx: PageCtx,
    v: VoteView,
    facts: VoteFacts,
    t: TallyLines,
    commitments: Vec<super::CommitmentCard>,
    /// The reader may start a commitment from this vote (it passed, in their scope).
    may_commit: bool,
    notice: Option<String>,
}

async fn result(
    State(st): State<AppState>,
    ctx: PageCtx,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let (v, t) = st.app.published_vote(id).await?;
    let facts = vote_facts(&ctx, &v);
    let t = tally_lines(&ctx, &v, &t);
    let commitments = st
        .app
        .commitments_of_vote(id)
        .await?
        .iter()
        .map(|c| super::commitment_card(&ctx, c))
        .collect();
    let may_commit = match &ctx.user {
        Some(u) => st.app.may_commit_from(&u.actor, id).await?,
        None => false,
    };
    Ok(render(&ResultPage {
        ctx,
        v,
        facts,
        t,
        commitments,
        may_commit,
        notice,
    }))
}

/// One ballot as the auditor reads it.
struct BallotLine {
    at: String,
    voter: String,
    channel: String,
    choice: String,
    collector: String,
    /// The paper ballot's scan, when one was kept.
    scan_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "participation/ballots.html")]
struct BallotsPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    lines: Vec<BallotLine>,
}

/// Every ballot cast, replacements included, for the auditor to verify the count.
async fn ballots(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (v, history) = st.app.ballot_history(&me.actor, id).await?;
    let lines = history
        .into_iter()
        .map(|(name, b)| BallotLine {
            at: format_time(b.cast_at),
            voter: if name.is_empty() {
                ctx.t("vote-developer")
            } else {
                name
            },
            channel: ctx.tk("vote-channel-", &b.channel),
            choice: super::votes::choice_words(&ctx, &v.spec, &b.choice),
            collector: b.collector.unwrap_or_default(),
            scan_id: b.scan_id,
        })
        .collect();
    Ok(render(&BallotsPage {
        ctx,
        id,
        title: v.spec.title,
        lines,
    }))
}
