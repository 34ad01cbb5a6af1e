//! Co-governance pages: the participation hub (votes and estates), an estate's page,
//! drafting a vote, a vote's page with the resident's ballot, the live tally with the
//! rooms to canvass and the paper ballots and proxies staff enter, the published
//! result, and the commitments that follow a decision to delivery.

use civicgrid_app::domain::ledger::import::format_area;
use civicgrid_app::participation::votes::VoteView;

use crate::page::{PageCtx, format_time};
use crate::routes::Routes;

mod commitment_forms;
mod commitments;
mod estates;
mod hub;
mod meetings;
mod notices;
pub(crate) mod proposals;
mod result;
mod tally;
mod votes;

pub(crate) use notices::notice_file_response;

pub(crate) use commitments::{CommitmentCard, card as commitment_card};

pub(crate) fn routes(r: Routes) -> Routes {
    let r = hub::routes(r);
    let r = estates::routes(r);
    let r = votes::routes(r);
    let r = tally::routes(r);
    let r = notices::routes(r);
    let r = proposals::routes(r);
    let r = meetings::routes(r);
    let r = commitments::routes(r);
    let r = commitment_forms::routes(r);
    result::routes(r)
}

/// A record's id in a page's path; anything but a number is a missing page.
pub(crate) fn id_of(raw: &str) -> crate::error::PageResult<i64> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| crate::error::PageError(crate::error::Failure::not_found()))
}

/// The community's time (UTC+8), in minutes, for times typed on the forms.
const COMMUNITY_OFFSET_MINUTES: i64 = 8 * 60;

/// A `datetime-local` value in the community's time as an instant; blank or unreadable
/// is an objection on `field`.
pub(crate) fn local_time_ms(
    raw: &str,
    field: &'static str,
    message: &'static str,
) -> Result<i64, civicgrid_app::AppError> {
    let bad = || civicgrid_app::AppError::invalid(field, message);
    let raw = crate::forms::optional(raw).ok_or_else(bad)?;
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| bad())?;
    Ok(local.and_utc().timestamp_millis() - COMMUNITY_OFFSET_MINUTES * 60_000)
}

/// An area in hundredths of m², as people read it: "1,234.5 m²" → "1234.5".
pub(crate) fn area(centi: i64) -> String {
    format_area(centi)
}

/// `part` of `whole` as a percentage with one decimal ("66.7%"); "–" of nothing.
pub(crate) fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".into();
    }
    let tenths = (i128::from(part) * 1000 + i128::from(whole) / 2) / i128::from(whole);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A vote on a list: title, kind, state, place and closing time, in words.
pub(crate) struct VoteLine {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub state: &'static str,
    pub state_label: String,
    pub closes: String,
}

pub(crate) fn vote_line(
    ctx: &PageCtx,
    v: &civicgrid_app::participation::votes::StoredVote,
) -> VoteLine {
    VoteLine {
        id: v.id,
        title: v.spec.title.clone(),
        kind: ctx.tk("vote-kind-", v.spec.kind.code()),
        state: v.state.code(),
        state_label: ctx.tk("vote-state-", v.state.code()),
        closes: format_time(v.closes_at),
    }
}

/// The heading facts of a vote: kind, matter, electorate, place, times.
pub(crate) struct VoteFacts {
    pub kind: String,
    pub matter: Option<String>,
    pub major: bool,
    pub electorate: String,
    pub place: String,
    pub state: &'static str,
    pub state_label: String,
    pub closes: String,
    pub opened: Option<String>,
    pub closed: Option<String>,
    pub voters: i64,
    pub area: String,
}

pub(crate) fn vote_facts(ctx: &PageCtx, v: &VoteView) -> VoteFacts {
    let r = &v.vote;
    VoteFacts {
        kind: ctx.tk("vote-kind-", r.spec.kind.code()),
        matter: r.spec.matter.map(|m| ctx.tk("vote-matter-", m.code())),
        major: r.spec.is_major(),
        electorate: if r.spec.electorate
            == civicgrid_app::domain::participation::votes::Electorate::Residents
        {
            ctx.t1(
                "vote-electorate-residents-age",
                "age",
                &r.spec.min_age.to_string(),
            )
        } else {
            ctx.tk("vote-electorate-", r.spec.electorate.code())
        },
        place: v.place_name.clone(),
        state: r.state.code(),
        state_label: if r.state.code() == "open" && v.ended {
            ctx.t("vote-state-ended")
        } else {
            ctx.tk("vote-state-", r.state.code())
        },
        closes: format_time(r.closes_at),
        opened: r.opened_at.map(format_time),
        closed: r.closed_at.map(format_time),
        voters: r.total_heads,
        area: area(r.total_area),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(1, 2), "50.0%");
        assert_eq!(percent(0, 0), "–");
    }
}
