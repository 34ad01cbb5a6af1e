//! A resident card: masked values, tags, history; the forms to edit, move, record a
//! death or move-out, set tags, and unmask with a stated purpose (shown once).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::ledger::person::{Gender, Relation};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::ledger::{ResidentCard, ResidentPatch, Unmasked};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use super::household::{HistoryLine, MatchesFragment, history_lines, household_matches};
use super::{Badge, TagNames, badges, grid_name, place_address};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, form_id, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, is_search};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/residents/{id}", card)
        .post("/ledger/residents/{id}/edit", edit)
        .get("/ledger/residents/{id}/households", household_choices)
        .post("/ledger/residents/{id}/move", move_to)
        .post("/ledger/residents/{id}/departure", departure)
        .post("/ledger/residents/{id}/tags", set_tags)
        .post("/ledger/residents/{id}/unmask", unmask)
        .post("/ledger/residents/{id}/link", link)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EditFields {
    name: String,
    gender: String,
    birth_date: String,
    id_number: String,
    phone: String,
    relation: String,
    residence_status: String,
    version: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MoveFields {
    household_id: String,
    relation: String,
    reason: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DepartureFields {
    status: String,
    date: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagFields {
    reason: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LinkFields {
    username: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnmaskFields {
    purpose: String,
}

#[derive(Default)]
struct Kept {
    form: &'static str,
    edit: Option<EditFields>,
    mv: MoveFields,
    /// The move form's household picker as the form left it.
    move_pick: Option<Pick>,
    dep: DepartureFields,
    tags: Option<Vec<String>>,
    purpose: String,
    reason: String,
    username: String,
    unmasked: Option<Unmasked>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "ledger/resident.html")]
struct ResidentPage {
    ctx: PageCtx,
    card: ResidentCard,
    derived: Vec<Badge>,
    manual: Vec<Badge>,
    history: Vec<HistoryLine>,
    /// Where the resident lives, as people say it: 1栋1单元204室 · 湖光社区第1网格.
    place: String,
    move_pick: Pick,
    genders: Vec<&'static str>,
    relations: Vec<&'static str>,
    catalogue: Vec<(String, String, bool)>,
    can_edit: bool,
    can_unmask: bool,
    unmasked: Option<Unmasked>,
    form: &'static str,
    edit: EditFields,
    mv: MoveFields,
    dep: DepartureFields,
    purpose: String,
    reason: String,
    username: String,
    notice: Option<String>,
    problems: Problems,
}

async fn page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    kept: Kept,
    problems: Problems,
) -> PageResult<Response> {
    let card = st.app.resident_card(&me.actor, id).await?;
    let catalogue = st.app.tag_catalogue(&me.actor).await?;
    let names = TagNames::new(ctx.lang, &catalogue);
    let grid = card.resident.grid_id;
    let can_edit = st
        .app
        .ledger_can(&me.actor, Permission::EditLedger, grid)
        .await;
    let can_unmask = st
        .app
        .ledger_can(&me.actor, Permission::UnmaskPersonalData, grid)
        .await;
    let chosen = kept.tags.unwrap_or_else(|| card.resident.tags.clone());
    let r = &card.resident;
    let edit = kept.edit.unwrap_or_else(|| EditFields {
        name: r.name.clone(),
        gender: r.gender.clone(),
        relation: r.relation.clone(),
        residence_status: r.residence_status.clone(),
        version: r.version.to_string(),
        ..EditFields::default()
    });
    Ok(render(&ResidentPage {
        derived: badges(&names, &r.derived_tags),
        manual: badges(&names, &r.tags),
        history: history_lines(ctx.lang, &names, &card.history),
        place: card.place.as_ref().map_or_else(String::new, |p| {
            format!(
                "{} · {}",
                place_address(ctx.lang, p),
                grid_name(ctx.lang, &p.grid)
            )
        }),
        move_pick: kept.move_pick.unwrap_or_else(|| move_pick_new(id)),
        genders: Gender::ALL.iter().map(|g| g.code()).collect(),
        relations: Relation::ALL.iter().map(|g| g.code()).collect(),
        catalogue: catalogue
            .iter()
            .filter(|t| t.active && !t.def.derived)
            .map(|t| {
                (
                    t.def.code.clone(),
                    names.name(&t.def.code),
                    chosen.contains(&t.def.code),
                )
            })
            .collect(),
        can_edit,
        can_unmask,
        unmasked: kept.unmasked,
        form: kept.form,
        edit,
        mv: kept.mv,
        dep: kept.dep,
        purpose: kept.purpose,
        reason: kept.reason,
        username: kept.username,
        notice: kept.notice,
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
    let kept = Kept {
        notice: n,
        ..Kept::default()
    };
    page(&st, ctx, &me, id, kept, Problems::none()).await
}

fn done(id: i64, what: &str) -> Response {
    Redirect::to(&format!("/ledger/residents/{id}?done={what}")).into_response()
}

async fn failed(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    e: civicgrid_app::AppError,
    kept: Kept,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, "id_number")?;
    let p = page(st, ctx, me, id, kept, problems).await?;
    Ok((status, p).into_response())
}

async fn edit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<EditFields>,
) -> PageResult<Response> {
    let patch = ResidentPatch {
        name: optional(&f.name).map(str::to_owned),
        gender: optional(&f.gender).map(str::to_owned),
        birth_date: optional(&f.birth_date).map(str::to_owned),
        id_number: optional(&f.id_number).map(str::to_owned),
        phone: optional(&f.phone).map(str::to_owned),
        relation: optional(&f.relation).map(str::to_owned),
        residence_status: optional(&f.residence_status).map(str::to_owned),
        version: optional(&f.version).and_then(|v| v.parse().ok()),
    };
    match st
        .app
        .edit_resident(&me.actor, id, &patch, optional(&f.reason))
        .await
    {
        Ok(()) => Ok(done(id, "ledger_resident_saved")),
        Err(e) => {
            let reason = f.reason.clone();
            let kept = Kept {
                form: "edit",
                edit: Some(f),
                reason,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

async fn move_to(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MoveFields>,
) -> PageResult<Response> {
    if is_search(&f.rest, "household") {
        let pick = move_pick(&st, &ctx, &me, id, &move_pick_fields(&f)).await?;
        let kept = Kept {
            form: "move",
            mv: f,
            move_pick: Some(pick),
            ..Kept::default()
        };
        return page(&st, ctx, &me, id, kept, Problems::none()).await;
    }
    let result = match form_id("household_id", &f.household_id) {
        Ok(h) => {
            st.app
                .move_resident(&me.actor, id, h, &f.relation, optional(&f.reason))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(done(id, "ledger_moved")),
        Err(e) => {
            let reason = f.reason.clone();
            let pick = move_pick(&st, &ctx, &me, id, &move_pick_fields(&f)).await?;
            let kept = Kept {
                form: "move",
                mv: f,
                move_pick: Some(pick),
                reason,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

async fn departure(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DepartureFields>,
) -> PageResult<Response> {
    match st
        .app
        .record_departure(&me.actor, id, &f.status, &f.date, optional(&f.reason))
        .await
    {
        Ok(()) => Ok(done(id, "ledger_departure")),
        Err(e) => {
            let reason = f.reason.clone();
            let kept = Kept {
                form: "departure",
                dep: f,
                reason,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

async fn set_tags(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<TagFields>,
) -> PageResult<Response> {
    let chosen: Vec<String> = f
        .rest
        .keys()
        .filter_map(|k| k.strip_prefix("tag_"))
        .map(str::to_owned)
        .collect();
    match st
        .app
        .set_resident_tags(&me.actor, id, &chosen, optional(&f.reason))
        .await
    {
        Ok(_) => Ok(done(id, "ledger_tags_saved")),
        Err(e) => {
            let kept = Kept {
                form: "tags",
                tags: Some(chosen),
                reason: f.reason,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

async fn unmask(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<UnmaskFields>,
) -> PageResult<Response> {
    match st.app.unmask_resident(&me.actor, id, &f.purpose).await {
        Ok(values) => {
            let kept = Kept {
                form: "unmask",
                purpose: f.purpose,
                unmasked: Some(values),
                ..Kept::default()
            };
            let p = page(&st, ctx, &me, id, kept, Problems::none()).await?;
            Ok((StatusCode::OK, p).into_response())
        }
        Err(e) => {
            let kept = Kept {
                form: "unmask",
                purpose: f.purpose,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

async fn link(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<LinkFields>,
) -> PageResult<Response> {
    match st
        .app
        .link_username_to_resident(&me.actor, id, &f.username)
        .await
    {
        Ok(()) => Ok(done(id, "ledger_linked")),
        Err(e) => {
            let kept = Kept {
                form: "link",
                username: f.username,
                ..Kept::default()
            };
            failed(&st, ctx, &me, id, e, kept).await
        }
    }
}

fn move_pick_new(id: i64) -> Pick {
    Pick::new(
        "household_id",
        "household",
        &format!("/ledger/residents/{id}/households"),
        "",
    )
}

fn move_pick_fields(f: &MoveFields) -> HashMap<String, String> {
    let mut m = f.rest.clone();
    m.insert("household_id".into(), f.household_id.clone());
    m
}

/// The move form's household picker with the households its search text finds
/// (where the actor may edit the ledger, the resident's own left out). Only someone
/// who may edit this resident searches.
async fn move_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let own = st.app.resident_for_edit(&me.actor, id).await?;
    let pick = move_pick_new(id).read(fields);
    Ok(match household_matches(st, ctx, me, own, &pick.q).await? {
        Some(m) => pick.found(m),
        None => pick,
    })
}

async fn household_choices(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = move_pick(&st, &ctx, &me, id, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}
