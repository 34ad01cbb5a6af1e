//! The count: ballots by choice (with area for owners' votes), the decision — art. 278
//! for owners' matters, more than half for proposals, instant run-off for ranked polls
//! — turnout by building, and the rooms still to canvass.

use civicgrid_domain::participation::art278::{Counts, Decision, Weight, decide};
use civicgrid_domain::participation::votes::{
    Choice, Electorate, Round, Stance, VoteKind, instant_runoff, proposal_passes,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::AnyConnection;
use civicgrid_store::participation::votes::{self as repo, VoteRecord};
use serde::{Deserialize, Serialize};

use super::{VoteView, vote_in_sight};
use crate::participation::estates::{ROOM_LIST_MAX, RoomLabel, room_labels};
use crate::{App, AppResult};

/// One choice's ballots: a stance (`agree`) or a poll option (`1`, `2`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChoiceTally {
    pub choice: String,
    /// What the choice says: the stance's code or the option's text.
    pub label: String,
    pub ballots: i64,
    /// The voters' area, hundredths of m² (owners' votes).
    pub area_centi: i64,
}

/// Turnout in one building of an owners' vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuildingTally {
    pub building: String,
    pub rooms: i64,
    pub voted_rooms: i64,
    pub area_centi: i64,
    pub voted_area_centi: i64,
}

/// A vote's count at one moment; kept as the published result when the vote closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tally {
    pub counted_at: i64,
    /// Voters in the frozen electorate (owners for an owners' vote).
    pub electorate: i64,
    /// Their total exclusive area (owners' votes).
    pub electorate_area_centi: i64,
    /// Standing ballots (one per voter who took part).
    pub ballots: i64,
    pub choices: Vec<ChoiceTally>,
    /// For proposals and owners' matters: whether it passed on these figures.
    pub passed: Option<bool>,
    /// For owners' matters: the two quorums and majorities of art. 278.
    #[schema(value_type = Option<Object>)]
    pub art278: Option<Decision>,
    #[schema(value_type = Option<Object>)]
    pub counts: Option<Counts>,
    /// For ranked polls: each round of the run-off, and the winning option (0-based).
    #[schema(value_type = Option<Vec<Object>>)]
    pub rounds: Option<Vec<Round>>,
    pub winner: Option<u16>,
    pub buildings: Vec<BuildingTally>,
}

/// Counts vote `v` now; with `buildings`, its turnout by building too.
pub(crate) async fn count(
    conn: &mut AnyConnection,
    v: &VoteRecord,
    buildings: bool,
) -> AppResult<Tally> {
    // The running count: one row per choice, however many ballots.
    let rows = repo::count_ballots(conn, v.id).await?;
    let ballots: i64 = rows.iter().map(|r| r.ballots).sum();
    let mut choices: Vec<ChoiceTally> = Vec::new();
    let mut rounds = None;
    let mut winner = None;
    let mut passed = None;
    let mut art278 = None;
    let mut counts = None;
    match v.spec.kind {
        VoteKind::Poll => {
            for (i, o) in v.spec.options.iter().enumerate() {
                choices.push(ChoiceTally {
                    choice: (i + 1).to_string(),
                    label: o.clone(),
                    ballots: 0,
                    area_centi: 0,
                });
            }
            for r in &rows {
                let marked: Vec<usize> = r
                    .choice
                    .split(',')
                    .filter_map(|n| n.trim().parse::<usize>().ok())
                    .collect();
                // A ranked ballot counts for its first preference here.
                let counted = if v.spec.ranked {
                    &marked[..marked.len().min(1)]
                } else {
                    &marked[..]
                };
                for n in counted {
                    if let Some(c) = n.checked_sub(1).and_then(|i| choices.get_mut(i)) {
                        c.ballots += r.ballots;
                        c.area_centi += r.area_centi;
                    }
                }
            }
            if v.spec.ranked {
                // The running count keeps each whole ranking as one choice, which gives
                // first preferences above; the run-off transfers ballots round by round,
                // so it still reads every standing ballot (ranked polls only).
                let all = repo::ballot_choices(conn, v.id).await?;
                let ranked: Vec<Vec<u16>> = all
                    .iter()
                    .filter_map(|c| match Choice::parse(&v.spec, c) {
                        Ok(Choice::Options(o)) => Some(o),
                        _ => None,
                    })
                    .collect();
                let (r, w) = instant_runoff(v.spec.options.len(), &ranked);
                rounds = Some(r);
                winner = w;
            }
        }
        VoteKind::Proposal | VoteKind::Owners => {
            for s in [Stance::Agree, Stance::Oppose, Stance::Abstain] {
                let (b, a) = rows
                    .iter()
                    .filter(|r| r.choice == s.code())
                    .fold((0, 0), |(b, a), r| (b + r.ballots, a + r.area_centi));
                choices.push(ChoiceTally {
                    choice: s.code().into(),
                    label: s.code().into(),
                    ballots: b,
                    area_centi: a,
                });
            }
            let agree = &choices[0];
            if v.spec.electorate == Electorate::Owners {
                let c = Counts {
                    total: Weight::new(v.total_area, v.total_heads),
                    participating: Weight::new(rows.iter().map(|r| r.area_centi).sum(), ballots),
                    agreeing: Weight::new(agree.area_centi, agree.ballots),
                };
                let d = decide(v.spec.is_major(), &c);
                passed = Some(d.passed);
                art278 = Some(d);
                counts = Some(c);
            } else {
                passed = Some(proposal_passes(agree.ballots, ballots));
            }
        }
    }
    let buildings = if buildings && v.spec.electorate == Electorate::Owners {
        repo::turnout_by_building(conn, v.id)
            .await?
            .into_iter()
            .map(|b| BuildingTally {
                building: b.building,
                rooms: b.rooms,
                voted_rooms: b.voted_rooms,
                area_centi: b.area_centi,
                voted_area_centi: b.voted_area_centi,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Tally {
        counted_at: civicgrid_store::now_ms(),
        electorate: v.total_heads,
        electorate_area_centi: v.total_area,
        ballots,
        choices,
        passed,
        art278,
        counts,
        rounds,
        winner,
        buildings,
    })
}

impl App {
    /// The live count of an open vote (or the count of a closed one), with the rooms
    /// whose owners have not voted yet, to canvass (owners' votes; at most
    /// [`ROOM_LIST_MAX`]). For those who follow votes at its place.
    pub async fn vote_tally(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(VoteView, Tally, Vec<RoomLabel>)> {
        let mut conn = self.db.read().await?;
        let v = vote_in_sight(&mut conn, actor, id, Permission::ViewParticipation).await?;
        let t = count(&mut conn, &v, true).await?;
        let canvass = if v.spec.electorate == Electorate::Owners {
            let rooms = repo::rooms_not_voted(&mut conn, v.id, ROOM_LIST_MAX as i64).await?;
            room_labels(&mut conn, &rooms).await?
        } else {
            Vec::new()
        };
        let view = self.vote_view(&mut conn, actor, v, None).await?;
        Ok((view, t, canvass))
    }

    /// The count alone, as fast as it can be read (the live tally the API serves).
    pub async fn vote_count(&self, actor: &Actor, id: i64) -> AppResult<Tally> {
        let mut conn = self.db.read().await?;
        let v = vote_in_sight(&mut conn, actor, id, Permission::ViewParticipation).await?;
        count(&mut conn, &v, false).await
    }
}
