//! Ballots: a resident votes online for themselves or as a proxy; staff enter paper
//! and door-to-door ballots by room (or by resident) with the collector's name, and
//! proxies (委托书, one holder per voter, revocable until the close). A later ballot
//! replaces the earlier one until the close; every ballot is kept and audited. A paper
//! ballot may keep its scan (the signed sheet), which only the auditor and those who
//! follow or record the vote's ballots may open — never other residents.

use civicgrid_domain::ledger::person::Relation;
use civicgrid_domain::participation::votes::{Channel, Choice, Electorate, VoteState};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::ledger as ledger_repo;
use civicgrid_store::participation::votes::{
    self as repo, Ballot, BallotInput, BallotScan, NewBallotScan, VoteRecord,
};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};

use super::vote_in_sight;
use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// What the signed-in resident may cast in a vote, and has cast.
#[derive(Debug, Clone)]
pub struct MyBallot {
    pub resident_id: i64,
    /// The voter they vote as (themselves, their household, or the owner they share a
    /// household with as spouse); `None` when the electorate does not include them.
    pub own_key: Option<i64>,
    pub own: Option<Ballot>,
    /// Voters whose proxy they hold: (voter key, the voter's masked name, their ballot).
    pub proxies: Vec<(i64, String, Option<Ballot>)>,
    /// Someone else holds their proxy (masked name).
    pub proxy_held_by: Option<String>,
}

/// Whom an online ballot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotFor {
    Myself,
    /// A voter whose proxy the resident holds.
    Proxy(i64),
}

/// A ballot on paper or taken door to door, entered by staff.
#[derive(Debug, Clone)]
pub struct PaperBallot {
    /// The room (owners' and households' votes).
    pub room_id: Option<i64>,
    /// The resident (residents' votes).
    pub resident_id: Option<i64>,
    pub choice: String,
    /// Who collected it.
    pub collector: String,
    /// The sheet photographed or scanned (JPEG, PNG, WebP or PDF), if any.
    pub scan: Option<Vec<u8>>,
}

fn closed_error() -> AppError {
    AppError::Conflict("the vote has closed; no more ballots are taken".into())
}

/// Refuses a change to ballots or proxies once the vote no longer runs.
fn still_open(v: &VoteRecord) -> AppResult<()> {
    if v.state == VoteState::Draft {
        return Err(AppError::Conflict("the vote has not opened yet".into()));
    }
    if v.state != VoteState::Open || now_ms() >= v.closes_at {
        return Err(closed_error());
    }
    Ok(())
}

/// The voter a resident votes as: themselves (residents; owners), their household, or
/// — for a spouse in an owners' vote — the owner heading their household.
async fn own_key(
    conn: &mut AnyConnection,
    v: &VoteRecord,
    resident_id: i64,
) -> AppResult<Option<i64>> {
    let r = ledger_repo::get_resident(conn, resident_id).await?;
    if !r.status.is_present() {
        return Ok(None);
    }
    let candidate = match v.spec.electorate {
        Electorate::Residents => Some(r.id),
        Electorate::Households => r.household_id,
        Electorate::Owners => {
            if repo::voter_area(conn, v.id, r.id).await?.is_some() {
                Some(r.id)
            } else if let (Relation::Spouse, Some(h)) = (r.relation, r.household_id) {
                ledger_repo::members(conn, h)
                    .await?
                    .into_iter()
                    .find(|m| m.relation == Relation::Head)
                    .map(|m| m.id)
            } else {
                None
            }
        }
    };
    match candidate {
        Some(k) if repo::voter_area(conn, v.id, k).await?.is_some() => Ok(Some(k)),
        _ => Ok(None),
    }
}

/// A voter's name for the one holding their proxy, masked (张**); the developer and
/// households by a word.
async fn voter_label(conn: &mut AnyConnection, v: &VoteRecord, key: i64) -> AppResult<String> {
    Ok(match v.spec.electorate {
        Electorate::Households => match ledger_repo::members(conn, key).await?.first() {
            Some(head) => mask_name(&head.name),
            None => String::new(),
        },
        _ if key == civicgrid_domain::participation::estates::DEVELOPER => String::new(),
        _ => match ledger_repo::get_resident(conn, key).await {
            Ok(r) => mask_name(&r.name),
            Err(_) => String::new(),
        },
    })
}

/// What the signed-in resident may cast in vote `v`: `None` when they are not a
/// resident living inside the vote's place (nor a proxy holder there).
pub(crate) async fn my_ballot(
    conn: &mut AnyConnection,
    actor: &Actor,
    v: &VoteRecord,
) -> AppResult<Option<MyBallot>> {
    if v.state == VoteState::Draft {
        return Ok(None);
    }
    let Some(user) = actor.user_id else {
        return Ok(None);
    };
    let Some(resident_id) = ledger_repo::resident_of_user(conn, user).await? else {
        return Ok(None);
    };
    let r = ledger_repo::get_resident(conn, resident_id).await?;
    let grid = org::get(conn, r.grid_id).await?;
    let proxy_keys = repo::proxies_held(conn, v.id, resident_id).await?;
    if !grid.path.is_within(&v.scope) && proxy_keys.is_empty() {
        return Ok(None);
    }
    let own_key = own_key(conn, v, resident_id).await?;
    let own = match own_key {
        Some(k) => repo::ballot_of(conn, v.id, k).await?,
        None => None,
    };
    let proxy_held_by = match own_key {
        Some(k) => match repo::proxy_holder(conn, v.id, k).await? {
            Some(h) => Some(mask_name(&ledger_repo::get_resident(conn, h).await?.name)),
            None => None,
        },
        None => None,
    };
    let mut proxies = Vec::with_capacity(proxy_keys.len());
    for k in proxy_keys {
        let label = voter_label(conn, v, k).await?;
        proxies.push((k, label, repo::ballot_of(conn, v.id, k).await?));
    }
    Ok(Some(MyBallot {
        resident_id,
        own_key,
        own,
        proxies,
        proxy_held_by,
    }))
}

/// A paper ballot's sheet: who collected it, and its scan if one was made.
#[derive(Clone, Copy)]
struct Sheet<'a> {
    collector: &'a str,
    scan: Option<&'a crate::photo::ScanUpload>,
}

/// Writes a ballot (with its sheet's scan, if any) and its audit entry; returns whether
/// it replaced an earlier one.
async fn write_ballot(
    conn: &mut AnyConnection,
    actor: &Actor,
    v: &VoteRecord,
    key: i64,
    choice: &Choice,
    channel: Channel,
    sheet: Option<Sheet<'_>>,
) -> AppResult<bool> {
    let collector = sheet.map(|s| s.collector);
    let scan = sheet.and_then(|s| s.scan);
    let code = choice.code();
    let replaced = repo::cast_ballot(
        conn,
        &BallotInput {
            vote_id: v.id,
            voter_key: key,
            choice: &code,
            agrees: choice.agrees(),
            channel,
            cast_by: actor.user_id,
            collector,
            at_ms: now_ms(),
        },
    )
    .await?;
    if let Some(u) = scan {
        repo::insert_ballot_scan(
            conn,
            &NewBallotScan {
                vote_id: v.id,
                voter_key: key,
                content_type: u.scan.content_type,
                sha256: &u.sha256,
                data: &u.scan.data,
                uploaded_by: actor.user_id,
                at_ms: now_ms(),
            },
        )
        .await?;
    }
    let mut details = serde_json::json!({
        "voter_id": key, "ballot_channel": channel.code(), "choice": code,
        "collector": collector,
    });
    if scan.is_some() {
        details["scan_attached"] = serde_json::Value::Bool(true);
    }
    record(
        conn,
        actor,
        Change {
            action: if replaced {
                "vote.ballot_replace"
            } else {
                "vote.ballot"
            },
            target_type: "vote",
            target_id: v.id.to_string(),
            scope: Some(&v.scope),
            reason: None,
            details,
        },
    )
    .await?;
    Ok(replaced)
}

/// The voter a paper ballot or a proxy names: by room (owners' and households'
/// votes) or by resident (residents' votes).
async fn voter_named(
    conn: &mut AnyConnection,
    v: &VoteRecord,
    room_id: Option<i64>,
    resident_id: Option<i64>,
) -> AppResult<i64> {
    let key = match v.spec.electorate {
        Electorate::Owners => {
            let room = room_id.ok_or_else(|| AppError::invalid("room_id", "choose the room"))?;
            repo::voter_of_room(conn, v.id, room).await?
        }
        Electorate::Households => {
            let room = room_id.ok_or_else(|| AppError::invalid("room_id", "choose the room"))?;
            repo::household_voter_of_room(conn, v.id, room).await?
        }
        Electorate::Residents => {
            let r = resident_id
                .ok_or_else(|| AppError::invalid("resident_id", "choose the resident"))?;
            repo::voter_area(conn, v.id, r).await?.map(|_| r)
        }
    };
    key.ok_or_else(|| match v.spec.electorate {
        Electorate::Residents => {
            AppError::invalid("resident_id", "this resident is not among the voters")
        }
        Electorate::Owners => AppError::invalid(
            "room_id",
            "this room is not an exclusive part of the estate",
        ),
        Electorate::Households => {
            AppError::invalid("room_id", "no voting household lives in this room")
        }
    })
}

impl App {
    /// The signed-in resident casts (or replaces) a ballot online, for themselves or
    /// for a voter whose proxy they hold.
    pub async fn cast_ballot(
        &self,
        actor: &Actor,
        vote_id: i64,
        choice: &str,
        whom: BallotFor,
    ) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let v = repo::get_vote(&mut tx, vote_id)
            .await
            .map_err(|_| AppError::NotFound("vote"))?;
        let Some(mine) = my_ballot(&mut tx, actor, &v).await? else {
            return Err(AppError::NotFound("vote"));
        };
        still_open(&v)?;
        let choice =
            Choice::parse(&v.spec, choice).map_err(|e| AppError::invalid(e.field, e.message))?;
        let (key, channel) = match whom {
            BallotFor::Myself => match mine.own_key {
                Some(k) => (k, Channel::Online),
                None => {
                    return Err(AppError::invalid(
                        "voter",
                        match v.spec.electorate {
                            Electorate::Owners => {
                                "only the owners of the estate vote on this matter; the ledger does not list you as an owner here"
                            }
                            Electorate::Households => {
                                "your household is not among the voting households"
                            }
                            Electorate::Residents => {
                                "you are not among the voters (too young, or not living here when the vote opened)"
                            }
                        },
                    ));
                }
            },
            BallotFor::Proxy(k) => {
                if !mine.proxies.iter().any(|(p, _, _)| *p == k) {
                    return Err(AppError::invalid(
                        "voter",
                        "you do not hold this voter's proxy",
                    ));
                }
                (k, Channel::Proxy)
            }
        };
        let replaced = write_ballot(&mut tx, actor, &v, key, &choice, channel, None).await?;
        commit(tx).await?;
        Ok(replaced)
    }

    /// Staff enter a paper or door-to-door ballot, with the collector's name and, if
    /// given, its scan — checked before anything is written and kept with the ballot
    /// in the same transaction.
    pub async fn record_paper_ballot(
        &self,
        actor: &Actor,
        vote_id: i64,
        b: &PaperBallot,
    ) -> AppResult<bool> {
        let collector = b.collector.trim();
        if collector.is_empty() || collector.chars().count() > 50 {
            return Err(AppError::invalid(
                "collector",
                "name who collected the ballot (1–50 characters)",
            ));
        }
        let scan = match &b.scan {
            Some(data) => Some(crate::photo::check_scan_upload(data)?),
            None => None,
        };
        let mut tx = self.db.begin_write().await?;
        let v = vote_in_sight(&mut tx, actor, vote_id, Permission::RecordBallots).await?;
        still_open(&v)?;
        let choice =
            Choice::parse(&v.spec, &b.choice).map_err(|e| AppError::invalid(e.field, e.message))?;
        let key = voter_named(&mut tx, &v, b.room_id, b.resident_id).await?;
        let replaced = write_ballot(
            &mut tx,
            actor,
            &v,
            key,
            &choice,
            Channel::Paper,
            Some(Sheet {
                collector,
                scan: scan.as_ref(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(replaced)
    }

    /// Staff record a proxy (委托书): resident `holder` votes for the voter named by
    /// room or resident. A voter has at most one proxy; revoke it to give another.
    pub async fn record_proxy(
        &self,
        actor: &Actor,
        vote_id: i64,
        room_id: Option<i64>,
        resident_id: Option<i64>,
        holder: i64,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let v = vote_in_sight(&mut tx, actor, vote_id, Permission::RecordBallots).await?;
        still_open(&v)?;
        let key = voter_named(&mut tx, &v, room_id, resident_id).await?;
        let h = ledger_repo::get_resident(&mut tx, holder)
            .await
            .map_err(|_| {
                AppError::invalid("holder_id", "choose the proxy holder from the ledger")
            })?;
        if !h.status.is_present() {
            return Err(AppError::invalid(
                "holder_id",
                "the proxy holder no longer lives here",
            ));
        }
        if h.id == key {
            return Err(AppError::invalid(
                "holder_id",
                "a voter cannot hold their own proxy",
            ));
        }
        if let Some(existing) = repo::proxy_holder(&mut tx, v.id, key).await? {
            let name = mask_name(&ledger_repo::get_resident(&mut tx, existing).await?.name);
            return Err(AppError::invalid(
                "holder_id",
                format!("this voter's proxy is already held by {name}; revoke it first"),
            ));
        }
        repo::set_proxy(&mut tx, v.id, key, h.id, actor.user_id, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "vote.proxy",
                target_type: "vote",
                target_id: v.id.to_string(),
                scope: Some(&v.scope),
                reason: None,
                details: serde_json::json!({"voter_id": key, "holder_resident_id": h.id}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Withdraws the proxy of the voter named by room or resident (until the close).
    pub async fn revoke_proxy(
        &self,
        actor: &Actor,
        vote_id: i64,
        room_id: Option<i64>,
        resident_id: Option<i64>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let v = vote_in_sight(&mut tx, actor, vote_id, Permission::RecordBallots).await?;
        still_open(&v)?;
        let key = voter_named(&mut tx, &v, room_id, resident_id).await?;
        if repo::proxy_holder(&mut tx, v.id, key).await?.is_none() {
            return Err(AppError::invalid(
                "room_id",
                "this voter has given no proxy",
            ));
        }
        repo::revoke_proxy(&mut tx, v.id, key).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "vote.proxy_revoke",
                target_type: "vote",
                target_id: v.id.to_string(),
                scope: Some(&v.scope),
                reason: None,
                details: serde_json::json!({"voter_id": key}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Every ballot ever cast in a vote, replacements included, in the order cast, each
    /// with its voter's masked name (the developer's has none): for the auditor, who
    /// verifies the count. Nobody else reads another's ballot.
    pub async fn ballot_history(
        &self,
        actor: &Actor,
        vote_id: i64,
    ) -> AppResult<(VoteRecord, Vec<(String, Ballot)>)> {
        let mut conn = self.db.read().await?;
        let v = vote_in_sight(&mut conn, actor, vote_id, Permission::ViewAudit).await?;
        let mut out = Vec::new();
        let mut names: std::collections::HashMap<i64, String> = Default::default();
        for b in repo::ballot_history(&mut conn, v.id).await? {
            let name = match names.get(&b.voter_key) {
                Some(n) => n.clone(),
                None => {
                    let n = voter_label(&mut conn, &v, b.voter_key).await?;
                    names.insert(b.voter_key, n.clone());
                    n
                }
            };
            out.push((name, b));
        }
        Ok((v, out))
    }
}

impl App {
    /// A paper ballot's scan with its bytes, for the auditor and for those who record
    /// or follow the ballots of its vote's place; to anyone else it does not exist.
    pub async fn ballot_scan(&self, actor: &Actor, id: i64) -> AppResult<(BallotScan, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        let (meta, data) = repo::ballot_scan(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("ballot scan"))?;
        const MAY_SEE: [Permission; 3] = [
            Permission::ViewAudit,
            Permission::RecordBallots,
            Permission::ViewParticipation,
        ];
        if !MAY_SEE.iter().any(|p| actor.can_somewhere(*p)) {
            return Err(AppError::Forbidden);
        }
        let v = repo::get_vote(&mut conn, meta.vote_id)
            .await
            .map_err(|_| AppError::NotFound("ballot scan"))?;
        if !MAY_SEE.iter().any(|p| actor.can(*p, &v.scope)) {
            return Err(AppError::NotFound("ballot scan"));
        }
        Ok((meta, data))
    }
}

/// The most people one search for a proxy holder returns.
const HOLDER_MATCHES: i64 = 20;

impl App {
    /// Residents living inside the vote's place whose name begins with `q`, who may be
    /// chosen to hold a proxy: (resident id, masked name, home address parts). For
    /// those who record ballots there; a blank search finds nobody. The full name is not
    /// handed out (the match's `name` is empty).
    pub async fn proxy_holder_candidates(
        &self,
        actor: &Actor,
        vote_id: i64,
        q: &str,
    ) -> AppResult<Vec<(i64, String, repo::PersonMatch)>> {
        let mut conn = self.db.read().await?;
        let v = vote_in_sight(&mut conn, actor, vote_id, Permission::RecordBallots).await?;
        if q.trim().is_empty() {
            return Ok(Vec::new());
        }
        Ok(
            repo::residents_named(&mut conn, &v.scope, q, HOLDER_MATCHES)
                .await?
                .into_iter()
                .map(|mut p| {
                    let masked = mask_name(&std::mem::take(&mut p.name));
                    (p.id, masked, p)
                })
                .collect(),
        )
    }
}
