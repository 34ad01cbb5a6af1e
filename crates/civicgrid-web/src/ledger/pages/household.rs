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

use super::{Badge, TagNames, badges, checked_ids};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, form_id, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/households/{id}", card)
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

pub(super) fn history_lines(h: &[civicgrid_app::ledger::HistoryView]) -> Vec<HistoryLine> {
    h.iter()
        .map(|e| HistoryLine {
            at_ms: e.at_ms,
            actor: e.actor.clone(),
            action: e.action.clone(),
            reason: e.reason.clone().unwrap_or_default(),
            changes: changes_text(&e.changes),
        })
        .collect()
}

/// `field: from → to; …` from a history entry's JSON.
fn changes_text(v: &serde_json::Value) -> String {
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    };
    match v.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| match (v.get("from"), v.get("to")) {
                (Some(f), Some(t)) => format!("{k}: {} → {}", show(f), show(t)),
                _ => format!("{k}: {}", show(v)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "ledger/household.html")]
struct HouseholdPage {
    ctx: PageCtx,
    card: HouseholdCard,
    members: Vec<MemberLine>,
    history: Vec<HistoryLine>,
    genders: Vec<&'static str>,
    relations: Vec<&'static str>,
    ownerships: Vec<&'static str>,
    catalogue: Vec<(String, String)>,
    can_edit: bool,
    form: &'static str,
    add: AddFields,
    split_room: String,
    split_area: String,
    split_ownership: String,
    merge_into: String,
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
    let history = history_lines(&card.history);
    let can_edit = st
        .app
        .ledger_can(&me.actor, Permission::EditLedger, card.place.grid.id)
        .await;
    let reason = match kept.form {
        "split" => kept.split.reason.clone(),
        "merge" => kept.merge.reason.clone(),
        _ => kept.add.reason.clone(),
    };
    Ok(render(&HouseholdPage {
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
        split_room: kept.split.room_id,
        split_area: kept.split.area_m2,
        split_ownership: kept.split.ownership,
        merge_into: kept.merge.into_household_id,
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
            let kept = Kept {
                form: "split",
                split: f,
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
            let kept = Kept {
                form: "merge",
                merge: f,
                ..Kept::default()
            };
            let p = page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, p).into_response())
        }
    }
}
