//! A household card: where it lives, its members, its history, and the forms to add a
//! resident, split off some members and merge it into another household.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::ledger::person::{Gender, Ownership, Relation};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::ledger::{HouseholdCard, ResidentInput, SplitInput};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use super::{Badge, TagNames, address, badges, checked_ids, grid_name, place_address};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, form_id, optional, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch, is_search};
use crate::routes::Routes;
use crate::state::AppState;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::ledger::search::SearchRequest;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/households/{id}", card)
        .get("/ledger/households/{id}/rooms", room_matches)
        .get("/ledger/households/{id}/merge-targets", merge_matches)
        .post("/ledger/households/{id}/residents", add_resident)
        .post("/ledger/households/{id}/split", split)
        .post("/ledger/households/{id}/merge", merge)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AddFields {
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub relation: String,
    pub residence_status: String,
    pub reason: String,
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SplitFields {
    room_id: String,
    ownership: String,
    area_m2: String,
    reason: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MergeFields {
    into_household_id: String,
    reason: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

pub(super) struct MemberLine {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub relation: String,
    pub status: String,
    pub present: bool,
    pub id_number: String,
    pub phone: String,
    pub birth_date: String,
    pub age: String,
    pub badges: Vec<Badge>,
}

pub(super) fn member_lines(names: &TagNames, card: &HouseholdCard) -> Vec<MemberLine> {
    card.members
        .iter()
        .map(|m| {
            let mut codes = m.derived_tags.clone();
            codes.extend(m.tags.iter().cloned());
            MemberLine {
                id: m.id,
                name: m.name.clone(),
                gender: m.gender.clone(),
                relation: m.relation.clone(),
                status: m.residence_status.clone(),
                present: m.residence_status == "registered" || m.residence_status == "floating",
                id_number: m.id_number.clone().unwrap_or_else(|| "-".into()),
                phone: m.phone.clone().unwrap_or_else(|| "-".into()),
                birth_date: m.birth_date.clone(),
                age: m.age.map_or_else(|| "-".into(), |a| a.to_string()),
                badges: badges(names, &codes),
            }
        })
        .collect()
}

pub(super) struct HistoryLine {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub changes: String,
}

pub(super) fn history_lines(
    lang: Lang,
    names: &TagNames,
    h: &[civicgrid_app::ledger::HistoryView],
) -> Vec<HistoryLine> {
    h.iter()
        .map(|e| HistoryLine {
            at_ms: e.at_ms,
            actor: if e.actor == "system" {
                lang.t("ledger-actor-system")
            } else {
                e.actor.clone()
            },
            action: lang.t(&format!("ledger-hist-{}", e.action.replace('.', "-"))),
            reason: match e.reason.as_deref() {
                // The import's own reason names its file.
                Some(r) => match r.strip_prefix("import of ") {
                    Some(file) => lang.t_args("ledger-import-of", &[("file", file.to_owned())]),
                    None => r.to_owned(),
                },
                None => String::new(),
            },
            changes: changes_text(lang, names, &e.changes),
        })
        .collect()
}

/// Fields a history entry names by a record number only (rooms, households, people):
/// the entry's action already says what happened, so the number is not shown.
const ID_FIELDS: [&str; 9] = [
    "room_id",
    "household_id",
    "new_household",
    "into_household",
    "from_household",
    "to_household",
    "resident_id",
    "user_id",
    "replaced_resident_id",
];

/// One value of a history entry in words: codes named, tags by name, members counted.
fn value_text(lang: Lang, names: &TagNames, field: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match (field, v) {
        (_, Value::Null) => "-".into(),
        ("gender", Value::String(c)) => lang.t(&format!("ledger-gender-{c}")),
        ("relation", Value::String(c)) => lang.t(&format!("ledger-rel-{c}")),
        ("residence_status", Value::String(c)) => lang.t(&format!("ledger-status-{c}")),
        ("ownership", Value::String(c)) => lang.t(&format!("ledger-own-{c}")),
        ("tags", Value::Array(a)) => {
            let tags: Vec<String> = a
                .iter()
                .filter_map(Value::as_str)
                .map(|c| names.name(c))
                .collect();
            if tags.is_empty() {
                "-".into()
            } else {
                tags.join("、")
            }
        }
        ("members", Value::Array(a)) => {
            lang.t_args("ledger-tile-members", &[("n", a.len().to_string())])
        }
        ("area_centi", Value::Number(n)) => n
            .as_i64()
            .map_or_else(|| "-".into(), civicgrid_app::ledger::format_area),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        _ => "-".into(),
    }
}

/// `姓名：张三 → 张四；…` from a history entry's JSON, in the reader's language.
/// Fields without words of their own (record numbers, unknown keys) are left out.
fn changes_text(lang: Lang, names: &TagNames, v: &serde_json::Value) -> String {
    let Some(o) = v.as_object() else {
        return String::new();
    };
    let sep = match lang {
        Lang::ZhCn => "；",
        Lang::En => "; ",
    };
    o.iter()
        .filter(|(k, _)| !ID_FIELDS.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            let label_id = format!("ledger-field-{k}");
            let label = lang.t(&label_id);
            if label == label_id {
                return None;
            }
            Some(match (v.get("from"), v.get("to")) {
                (Some(f), Some(t)) => format!(
                    "{label}: {} → {}",
                    value_text(lang, names, k, f),
                    value_text(lang, names, k, t)
                ),
                _ => format!("{label}: {}", value_text(lang, names, k, v)),
            })
        })
        .collect::<Vec<_>>()
        .join(sep)
}

#[derive(Template)]
#[template(path = "ledger/household.html")]
struct HouseholdPage {
    ctx: PageCtx,
    card: HouseholdCard,
    /// Where it lives, as people say it: 1栋1单元204室.
    address: String,
    grid: String,
    members: Vec<MemberLine>,
    history: Vec<HistoryLine>,
    room_pick: Pick,
    into_pick: Pick,
    genders: Vec<&'static str>,
    relations: Vec<&'static str>,
    ownerships: Vec<&'static str>,
    catalogue: Vec<(String, String)>,
    can_edit: bool,
    form: &'static str,
    add: AddFields,
    split_area: String,
    /// The members ticked to go with the new household (kept across a room search).
    split_members: Vec<i64>,
    split_ownership: String,
    reason: String,
    notice: Option<String>,
    problems: Problems,
}

impl HouseholdPage {
    fn tag_checked(&self, code: &str) -> bool {
        self.add.rest.contains_key(&format!("tag_{code}"))
    }
}

#[derive(Default)]
struct Kept {
    form: &'static str,
    add: AddFields,
    split: SplitFields,
    merge: MergeFields,
    /// The pickers as the form left them (search text, matches, choice).
    room_pick: Option<Pick>,
    into_pick: Option<Pick>,
}

/// The split form's room picker, before any search: the household's own room chosen.
fn default_room_pick(id: i64, card: &HouseholdCard, address: &str) -> Pick {
    let mut p = Pick::new(
        "room_id",
        "room",
        &format!("/ledger/households/{id}/rooms"),
        &card.place.room_id.to_string(),
    );
    p.chosen_label = address.to_owned();
    p
}

fn default_into_pick(id: i64) -> Pick {
    Pick::new(
        "into_household_id",
        "into",
        &format!("/ledger/households/{id}/merge-targets"),
        "",
    )
}

async fn page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    kept: Kept,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let card = st.app.household_card(&me.actor, id).await?;
    let catalogue = st.app.tag_catalogue(&me.actor).await?;
    let names = TagNames::new(ctx.lang, &catalogue);
    let members = member_lines(&names, &card);
    let history = history_lines(ctx.lang, &names, &card.history);
    let can_edit = st
        .app
        .ledger_can(&me.actor, Permission::EditLedger, card.place.grid.id)
        .await;
    let address = place_address(ctx.lang, &card.place);
    let grid = grid_name(ctx.lang, &card.place.grid);
    let room_pick = kept
        .room_pick
        .unwrap_or_else(|| default_room_pick(id, &card, &address));
    let into_pick = kept.into_pick.unwrap_or_else(|| default_into_pick(id));
    let reason = match kept.form {
        "split" => kept.split.reason.clone(),
        "merge" => kept.merge.reason.clone(),
        _ => kept.add.reason.clone(),
    };
    Ok(render(&HouseholdPage {
        address,
        grid,
        room_pick,
        into_pick,
        members,
        history,
        genders: Gender::ALL.iter().map(|g| g.code()).collect(),
        relations: Relation::ALL.iter().map(|g| g.code()).collect(),
        ownerships: Ownership::ALL.iter().map(|g| g.code()).collect(),
        catalogue: catalogue
            .iter()
            .filter(|t| t.active && !t.def.derived)
            .map(|t| (t.def.code.clone(), names.name(&t.def.code)))
            .collect(),
        can_edit,
        form: kept.form,
        add: kept.add,
        split_members: checked_ids(&kept.split.rest, "member_"),
        split_area: kept.split.area_m2,
        split_ownership: kept.split.ownership,
        reason,
        notice,
        problems,
        card,
        ctx,
    }))
}

async fn card(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    page(&st, ctx, &me, id, Kept::default(), n, Problems::none()).await
}

async fn add_resident(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<AddFields>,
) -> PageResult<Response> {
    let input = ResidentInput {
        household_id: id,
        name: f.name.clone(),
        gender: optional(&f.gender).map(str::to_owned),
        birth_date: optional(&f.birth_date).map(str::to_owned),
        id_number: optional(&f.id_number).map(str::to_owned),
        phone: optional(&f.phone).map(str::to_owned),
        relation: f.relation.clone(),
        residence_status: optional(&f.residence_status).map(str::to_owned),
        tags: f
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("tag_"))
            .map(str::to_owned)
            .collect(),
    };
    match st
        .app
        .add_resident(&me.actor, &input, optional(&f.reason))
        .await
    {
        Ok(r) => Ok(
            Redirect::to(&format!("/ledger/residents/{r}?done=ledger_resident_added"))
                .into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "id_number")?;
            let kept = Kept {
                form: "add",
                add: f,
                ..Kept::default()
            };
            let p = page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, p).into_response())
        }
    }
}

async fn split(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<SplitFields>,
) -> PageResult<Response> {
    if is_search(&f.rest, "room") {
        let pick = room_pick(&st, &ctx, &me, id, &split_pick_fields(&f)).await?;
        let kept = Kept {
            form: "split",
            split: f,
            room_pick: Some(pick),
            ..Kept::default()
        };
        return page(&st, ctx, &me, id, kept, None, Problems::none()).await;
    }
    let result = match form_id("room_id", &f.room_id) {
        Ok(room_id) => {
            let input = SplitInput {
                room_id,
                ownership: f.ownership.clone(),
                area_m2: optional(&f.area_m2).map(str::to_owned),
                member_ids: checked_ids(&f.rest, "member_"),
            };
            st.app
                .split_household(&me.actor, id, &input, optional(&f.reason))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(h) => {
            Ok(Redirect::to(&format!("/ledger/households/{h}?done=ledger_split")).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "room_id")?;
            let pick = room_pick(&st, &ctx, &me, id, &split_pick_fields(&f)).await?;
            let kept = Kept {
                form: "split",
                split: f,
                room_pick: Some(pick),
                ..Kept::default()
            };
            let p = page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, p).into_response())
        }
    }
}

async fn merge(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MergeFields>,
) -> PageResult<Response> {
    if is_search(&f.rest, "into") {
        let pick = into_pick(&st, &ctx, &me, id, &merge_pick_fields(&f)).await?;
        let kept = Kept {
            form: "merge",
            merge: f,
            into_pick: Some(pick),
            ..Kept::default()
        };
        return page(&st, ctx, &me, id, kept, None, Problems::none()).await;
    }
    let result = match form_id("into_household_id", &f.into_household_id) {
        Ok(into) => st
            .app
            .merge_households(&me.actor, id, into, optional(&f.reason))
            .await
            .map(|()| into),
        Err(e) => Err(e),
    };
    match result {
        Ok(into) => Ok(
            Redirect::to(&format!("/ledger/households/{into}?done=ledger_merged")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "into_household_id")?;
            let pick = into_pick(&st, &ctx, &me, id, &merge_pick_fields(&f)).await?;
            let kept = Kept {
                form: "merge",
                merge: f,
                into_pick: Some(pick),
                ..Kept::default()
            };
            let p = page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, p).into_response())
        }
    }
}

fn split_pick_fields(f: &SplitFields) -> HashMap<String, String> {
    let mut m = f.rest.clone();
    m.insert("room_id".into(), f.room_id.clone());
    m
}

fn merge_pick_fields(f: &MergeFields) -> HashMap<String, String> {
    let mut m = f.rest.clone();
    m.insert("into_household_id".into(), f.into_household_id.clone());
    m
}

/// The most matches a picker shows.
pub(crate) const MAX_MATCHES: usize = 20;

/// Does a room answer the search text? Each word of it (split at spaces, `-`, `/`
/// and the marks 栋/单元/室…) must be the building's, the unit's or the room's
/// number, or begin the room's: "3栋2单元302", "3-2-302", "302".
pub(crate) fn room_matches_query(words: &[String], building: &str, unit: &str, room: &str) -> bool {
    let bare = |s: &str| split_words(s).join("");
    let (b, u, r) = (bare(building), bare(unit), bare(room));
    !words.is_empty()
        && words
            .iter()
            .all(|w| *w == b || *w == u || r.starts_with(w.as_str()))
}

pub(crate) fn split_words(q: &str) -> Vec<String> {
    let mut s = q.to_owned();
    for mark in [
        "号楼", "单元", "栋", "幢", "座", "室", "号", "-", "/", "，", ",",
    ] {
        s = s.replace(mark, " ");
    }
    s.split_whitespace().map(str::to_owned).collect()
}

/// The split form's room picker with the rooms its search text finds, among the
/// grids where the actor may edit the ledger. Only someone who may edit this
/// household searches.
async fn room_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let own_grid = st.app.household_for_edit(&me.actor, id).await?;
    let pick = Pick::new(
        "room_id",
        "room",
        &format!("/ledger/households/{id}/rooms"),
        "",
    )
    .read(fields);
    let words = split_words(&pick.q);
    if words.is_empty() {
        return Ok(pick);
    }
    let mut grids = st.app.ledger_grids(&me.actor).await?;
    // The household's own grid first: a split mostly stays near.
    grids.sort_by_key(|g| g.id != own_grid);
    let mut matches = Vec::new();
    'grids: for g in grids {
        if !st
            .app
            .ledger_can(&me.actor, Permission::EditLedger, g.id)
            .await
        {
            continue;
        }
        let board = st.app.ledger_board(&me.actor, g.id).await?;
        let grid = grid_name(ctx.lang, &board.grid);
        for b in &board.buildings {
            for u in &b.units {
                for r in &u.rooms {
                    if room_matches_query(&words, &b.name, &u.name, &r.name) {
                        matches.push(PickMatch {
                            value: r.id.to_string(),
                            label: address(ctx.lang, &b.name, &u.name, &r.name),
                            detail: grid.clone(),
                        });
                        if matches.len() >= MAX_MATCHES {
                            break 'grids;
                        }
                    }
                }
            }
        }
    }
    Ok(pick.found(matches))
}

/// The merge form's household picker: households whose address or members' names
/// the search text finds, where the actor may edit the ledger, this one left out.
/// Names are masked.
async fn into_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    st.app.household_for_edit(&me.actor, id).await?;
    let pick = default_into_pick(id).read(fields);
    let matches = household_matches(st, ctx, me, Some(id), &pick.q).await?;
    Ok(match matches {
        Some(m) => pick.found(m),
        None => pick,
    })
}

/// Households whose address or members' names `q` finds, where the actor may edit
/// the ledger, `except` left out; `None` for a blank search. Names are masked.
pub(super) async fn household_matches(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    except: Option<i64>,
    q: &str,
) -> PageResult<Option<Vec<PickMatch>>> {
    if q.trim().is_empty() {
        return Ok(None);
    }
    let found = st
        .app
        .search_residents(
            &me.actor,
            &SearchRequest {
                q: q.to_owned(),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await?;
    let mut matches: Vec<PickMatch> = Vec::new();
    let mut editable: HashMap<i64, bool> = HashMap::new();
    for h in &found.hits {
        let Some(hid) = h.household_id.filter(|hid| Some(*hid) != except) else {
            continue;
        };
        if matches.iter().any(|m| m.value == hid.to_string()) {
            continue;
        }
        let may = match editable.get(&h.grid_id) {
            Some(may) => *may,
            None => {
                let may = st
                    .app
                    .ledger_can(&me.actor, Permission::EditLedger, h.grid_id)
                    .await;
                editable.insert(h.grid_id, may);
                may
            }
        };
        if !may {
            continue;
        }
        let place = address(
            ctx.lang,
            h.building.as_deref().unwrap_or_default(),
            h.unit.as_deref().unwrap_or_default(),
            h.room.as_deref().unwrap_or_default(),
        );
        matches.push(PickMatch {
            value: hid.to_string(),
            label: place,
            detail: format!("{} · {}", mask_name(&h.name), h.grid_name),
        });
        if matches.len() >= MAX_MATCHES {
            break;
        }
    }
    Ok(Some(matches))
}

/// The picker's matches alone (htmx swaps them in after a search).
#[derive(Template)]
#[template(path = "picker_matches.html")]
pub(super) struct MatchesFragment {
    pub ctx: PageCtx,
    pub pick: Pick,
}

async fn room_matches(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = room_pick(&st, &ctx, &me, id, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

async fn merge_matches(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = into_pick(&st, &ctx, &me, id, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_found_as_people_say_them() {
        let w = |q: &str| split_words(q);
        assert!(room_matches_query(&w("3栋2单元302"), "3", "2", "302"));
        assert!(room_matches_query(&w("3-2-302"), "3栋", "2单元", "302"));
        assert!(room_matches_query(&w("30"), "3", "2", "302"));
        assert!(!room_matches_query(&w("4栋 302"), "3", "2", "302"));
        assert!(!room_matches_query(&w(" "), "3", "2", "302"));
    }
}
