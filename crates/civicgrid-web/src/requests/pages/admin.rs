//! Settings of requests, one page with a section per permission held: the category
//! catalogue (targets, public flag, default party), the business calendar (hours per
//! weekday, holidays, make-up days), the policy (warnings, escalation, what a poor
//! rating leads to, the reopen window, category suggestions, duplicates), routing
//! rules, responder organisations and their members.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::domain::requests::calendar::{parse_dates, parse_spans};
use civicgrid_app::domain::requests::category::{Category, PartyKind, ResponderKind};
use civicgrid_app::domain::requests::routing::{Party, ROUTABLE_ROLES};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::requests::settings::{SettingsAccess, settings_access};
use serde::Deserialize;
use std::collections::HashMap;

use super::resident::field_number;
use super::{CategoryNames, language, party_label};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{MAX_QUERY_CHARS, Pick, PickMatch};
use crate::requests::api::policy::PolicyBody;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/settings", page)
        .post("/requests/settings/categories", save_category)
        .post("/requests/settings/calendar", save_calendar)
        .post("/requests/settings/calendar/dates", calendar_date)
        .post("/requests/settings/policy", save_policy)
        .post("/requests/settings/routing", add_rule)
        .post("/requests/settings/routing/{id}", edit_rule)
        .post("/requests/settings/responders", add_org)
        .post("/requests/settings/responders/{id}", edit_org)
        .get("/requests/settings/responders/{id}/members", members_page)
        .get(
            "/requests/settings/responders/{id}/members/search",
            member_search,
        )
        .post("/requests/settings/responders/{id}/members", member)
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

struct CategoryRow {
    c: Category,
    position: usize,
}

struct RuleRow {
    id: i64,
    category: String,
    category_code: String,
    node: String,
    party: String,
    party_code: String,
    active: bool,
}

struct OrgRow {
    id: i64,
    kind: &'static str,
    name: String,
    node: String,
    active: bool,
    /// (user id, name).
    members: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "requests/settings.html")]
struct SettingsPage {
    ctx: PageCtx,
    catalogue: bool,
    routing: bool,
    responders: bool,
    categories: Vec<CategoryRow>,
    blank: Category,
    party_kinds: Vec<&'static str>,
    week: Vec<(&'static str, String)>,
    holidays: Vec<String>,
    make_up_days: Vec<String>,
    make_up_hours: String,
    policy: PolicyFields,
    policy_inputs: Vec<PolicyInput>,
    duplicate_inputs: Vec<PolicyInput>,
    rules: Vec<RuleRow>,
    orgs: Vec<OrgRow>,
    responder_kinds: Vec<&'static str>,
    nodes: Vec<NodeChoice>,
    parties: Vec<(String, String)>,
    category_choices: Vec<(String, String)>,
    notice: Option<String>,
    problems: Problems,
}

async fn show(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    notice: Option<String>,
    problems: Problems,
    kept_policy: Option<PolicyFields>,
) -> PageResult<Response> {
    let SettingsAccess {
        catalogue,
        routing,
        responders,
    } = settings_access(&me.actor)?;
    let cats = st.app.request_categories().await?;
    let names = CategoryNames::new(ctx.lang, &cats);
    let lang = language(ctx.lang);
    let cal = st.app.request_calendar().await?;
    let spans = |v: &[civicgrid_app::domain::requests::Span]| {
        v.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let nodes = st.app.visible_nodes(&me.actor).await?;
    let node_label = |id: i64| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .map_or_else(|| format!("#{id}"), |n| ctx.node_name(n).to_owned())
    };
    let orgs = if responders || routing {
        st.app
            .responder_orgs_named(&me.actor)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let org_names = orgs.iter().map(|(o, _)| (o.id, o.name.clone())).collect();
    let rules = if routing {
        st.app
            .routing_rules(&me.actor)
            .await?
            .into_iter()
            .map(|r| RuleRow {
                id: r.rule.id,
                category: r
                    .rule
                    .category
                    .as_deref()
                    .map_or_else(|| ctx.t("request-any-category"), |c| names.name(c)),
                category_code: r.rule.category.clone().unwrap_or_default(),
                node: node_label(r.node_id),
                party: party_label(&ctx, &r.rule.party.encode(), &org_names),
                party_code: r.rule.party.encode(),
                active: r.rule.active,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut parties: Vec<(String, String)> = ROUTABLE_ROLES
        .iter()
        .filter_map(|r| Party::role(*r).ok())
        .map(|p| (p.encode(), party_label(&ctx, &p.encode(), &org_names)))
        .collect();
    parties.extend(
        orgs.iter()
            .filter(|(o, _)| o.active)
            .map(|(o, _)| (Party::Org(o.id).encode(), o.name.clone())),
    );
    let policy = match kept_policy {
        Some(kept) => kept,
        None if catalogue => PolicyFields::from(&PolicyBody::from(&st.app.request_policy().await?)),
        None => PolicyFields::default(),
    };
    let (policy_inputs, duplicate_inputs) = policy.inputs();
    let manageable: Vec<_> = nodes
        .iter()
        .filter(|n| n.kind != NodeKind::Grid || routing)
        .cloned()
        .collect();
    Ok(render(&SettingsPage {
        catalogue,
        routing,
        responders,
        categories: cats
            .iter()
            .enumerate()
            .map(|(i, c)| CategoryRow {
                c: c.clone(),
                position: (i + 1) * 10,
            })
            .collect(),
        blank: Category {
            code: String::new(),
            name_zh: String::new(),
            name_en: String::new(),
            description: String::new(),
            party_kind: PartyKind::GridWorker,
            response_minutes: 60,
            resolution_minutes: 1440,
            public: false,
            active: true,
        },
        party_kinds: std::iter::once(PartyKind::GridWorker)
            .chain(std::iter::once(PartyKind::CommunityStaff))
            .chain(ResponderKind::ALL.iter().map(|k| PartyKind::Responder(*k)))
            .map(PartyKind::code)
            .collect(),
        week: WEEKDAYS
            .iter()
            .zip(cal.week.iter())
            .map(|(d, s)| (*d, spans(s)))
            .collect(),
        holidays: cal.holidays.iter().map(ToString::to_string).collect(),
        make_up_days: cal.make_up_days.iter().map(ToString::to_string).collect(),
        make_up_hours: spans(&cal.make_up_hours),
        policy,
        policy_inputs,
        duplicate_inputs,
        rules,
        orgs: orgs
            .into_iter()
            .map(|(o, members)| OrgRow {
                id: o.id,
                kind: o.kind.code(),
                name: o.name,
                node: node_label(o.node_id),
                active: o.active,
                members,
            })
            .collect(),
        responder_kinds: ResponderKind::ALL.iter().map(|k| k.code()).collect(),
        nodes: node_choices(ctx.lang, &manageable),
        parties,
        category_choices: cats
            .iter()
            .map(|c| (c.code.clone(), c.name(lang).to_owned()))
            .collect(),
        notice,
        problems,
        ctx,
    }))
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    show(&st, ctx, &me, n, Problems::none(), None).await
}

async fn after(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    section: &'static str,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/requests/settings?done=request_saved#{section}"))
                .into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let page = show(st, ctx, me, None, problems, None).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CategoryFields {
    code: String,
    name_zh: String,
    name_en: String,
    description: String,
    party_kind: String,
    response_hours: String,
    resolution_hours: String,
    public: String,
    active: String,
    position: String,
}

/// Working hours as typed ("2", "0.5", "1.5") → business minutes, as stored.
fn hours_to_minutes(field: &'static str, raw: &str) -> Result<u32, AppError> {
    let bad = || AppError::invalid(field, "a number of working hours, such as 2 or 0.5");
    let hours = raw
        .trim()
        .replace('，', ".")
        .parse::<f64>()
        .map_err(|_| bad())?;
    if !hours.is_finite() || hours <= 0.0 || hours > 10_000.0 {
        return Err(bad());
    }
    let minutes = (hours * 60.0).round();
    if minutes < 1.0 {
        return Err(bad());
    }
    // Bounded above, so the cast keeps the value.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let minutes = minutes as u32;
    Ok(minutes)
}

/// Business minutes as working hours for the form ("24", "1.5", "0.75").
pub(crate) fn minutes_as_hours(minutes: &u32) -> String {
    let text = format!("{:.2}", f64::from(*minutes) / 60.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

async fn save_category(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<CategoryFields>,
) -> PageResult<Response> {
    let result = async {
        let category = Category {
            code: f.code.trim().to_owned(),
            name_zh: f.name_zh.trim().to_owned(),
            name_en: f.name_en.trim().to_owned(),
            description: f.description.trim().to_owned(),
            party_kind: PartyKind::parse(f.party_kind.trim())
                .map_err(|e| AppError::invalid("party_kind", e))?,
            response_minutes: hours_to_minutes("response_hours", &f.response_hours)?,
            resolution_minutes: hours_to_minutes("resolution_hours", &f.resolution_hours)?,
            public: !f.public.is_empty(),
            active: !f.active.is_empty(),
        };
        let position = field_number("position", &f.position)?.unwrap_or(1000);
        st.app
            .upsert_request_category(&me.actor, category, position)
            .await?;
        st.app.refresh_request_classifiers();
        Ok(())
    }
    .await
    .map_err(|e| match e {
        // The catalogue's objections name the stored minutes; the form asks hours.
        AppError::Invalid { field, message } => AppError::Invalid {
            field: match field {
                "response_minutes" => "response_hours",
                "resolution_minutes" => "resolution_hours",
                other => other,
            },
            message,
        },
        other => other,
    });
    after(&st, ctx, &me, "categories", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CalendarFields {
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
    make_up_hours: String,
    /// Kept as they are when not posted (they have their own add and remove forms).
    holidays: Option<String>,
    make_up_days: Option<String>,
}

async fn save_calendar(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<CalendarFields>,
) -> PageResult<Response> {
    let result = async {
        let mut cal = st.app.request_calendar().await?;
        let days = [&f.mon, &f.tue, &f.wed, &f.thu, &f.fri, &f.sat, &f.sun];
        for (i, (field, raw)) in WEEKDAYS.iter().zip(days).enumerate() {
            let field: &'static str = field;
            let spans = parse_spans(raw).map_err(|e| AppError::invalid(field, e))?;
            if let Some(slot) = cal.week.get_mut(i) {
                *slot = spans;
            }
        }
        cal.make_up_hours =
            parse_spans(&f.make_up_hours).map_err(|e| AppError::invalid("make_up_hours", e))?;
        if let Some(raw) = &f.holidays {
            cal.holidays = parse_dates(raw).map_err(|e| AppError::invalid("holidays", e))?;
        }
        if let Some(raw) = &f.make_up_days {
            cal.make_up_days =
                parse_dates(raw).map_err(|e| AppError::invalid("make_up_days", e))?;
        }
        st.app.set_request_calendar(&me.actor, cal).await
    }
    .await;
    after(&st, ctx, &me, "calendar", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DateFields {
    /// `holidays` or `make_up_days`.
    list: String,
    date: String,
    /// `add` or `remove`.
    op: String,
}

/// Adds one date to, or removes one from, the holidays or the make-up working days.
async fn calendar_date(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<DateFields>,
) -> PageResult<Response> {
    let result = async {
        let field: &'static str = match f.list.trim() {
            "make_up_days" => "make_up_days",
            _ => "holidays",
        };
        let date = parse_dates(f.date.trim())
            .ok()
            .and_then(|d| (d.len() == 1).then(|| d.into_iter().next()).flatten())
            .ok_or_else(|| AppError::invalid(field, "choose a date"))?;
        let mut cal = st.app.request_calendar().await?;
        let list = if field == "holidays" {
            &mut cal.holidays
        } else {
            &mut cal.make_up_days
        };
        if f.op.trim() == "remove" {
            list.retain(|d| *d != date);
        } else if !list.contains(&date) {
            list.push(date);
            list.sort();
        }
        st.app.set_request_calendar(&me.actor, cal).await
    }
    .await;
    after(&st, ctx, &me, "calendar", result).await
}

/// The policy form as typed: the API's field names, kept as text so that a value that
/// is refused is shown again as it was typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct PolicyFields {
    sla_warning_percent: String,
    community_staff_after_minutes: String,
    street_admin_after_minutes: String,
    poor_rating: String,
    reopen_window_hours: String,
    min_confidence: String,
    duplicate_radius_m: String,
    duplicate_window_hours: String,
    duplicate_threshold: String,
    duplicate_text_weight: String,
    duplicate_category_weight: String,
    duplicate_location_weight: String,
    duplicate_recency_weight: String,
    duplicate_max_results: String,
}

impl From<&PolicyBody> for PolicyFields {
    fn from(b: &PolicyBody) -> PolicyFields {
        PolicyFields {
            sla_warning_percent: b.sla_warning_percent.to_string(),
            community_staff_after_minutes: b.community_staff_after_minutes.to_string(),
            street_admin_after_minutes: b.street_admin_after_minutes.to_string(),
            poor_rating: b.poor_rating.clone(),
            reopen_window_hours: b.reopen_window_hours.to_string(),
            min_confidence: b.min_confidence.to_string(),
            duplicate_radius_m: b.duplicate_radius_m.to_string(),
            duplicate_window_hours: b.duplicate_window_hours.to_string(),
            duplicate_threshold: b.duplicate_threshold.to_string(),
            duplicate_text_weight: b.duplicate_text_weight.to_string(),
            duplicate_category_weight: b.duplicate_category_weight.to_string(),
            duplicate_location_weight: b.duplicate_location_weight.to_string(),
            duplicate_recency_weight: b.duplicate_recency_weight.to_string(),
            duplicate_max_results: b.duplicate_max_results.to_string(),
        }
    }
}

/// One number field of the policy form.
struct PolicyInput {
    name: &'static str,
    label: &'static str,
    value: String,
    min: &'static str,
    max: Option<&'static str>,
    /// `1` for whole numbers, `any` for decimals.
    step: &'static str,
}

fn input(
    name: &'static str,
    label: &'static str,
    value: &str,
    min: &'static str,
    max: Option<&'static str>,
    step: &'static str,
) -> PolicyInput {
    PolicyInput {
        name,
        label,
        value: value.to_owned(),
        min,
        max,
        step,
    }
}

impl PolicyFields {
    /// The number fields: the general ones, and those of duplicate suggestions.
    fn inputs(&self) -> (Vec<PolicyInput>, Vec<PolicyInput>) {
        let general = vec![
            input(
                "reopen_window_hours",
                "request-policy-reopen-window",
                &self.reopen_window_hours,
                "0",
                Some("8784"),
                "1",
            ),
            input(
                "sla_warning_percent",
                "request-policy-warning-percent",
                &self.sla_warning_percent,
                "1",
                Some("99"),
                "1",
            ),
            input(
                "community_staff_after_minutes",
                "request-policy-community-staff-after",
                &self.community_staff_after_minutes,
                "0",
                None,
                "1",
            ),
            input(
                "street_admin_after_minutes",
                "request-policy-street-admin-after",
                &self.street_admin_after_minutes,
                "0",
                None,
                "1",
            ),
            input(
                "min_confidence",
                "request-policy-min-confidence",
                &self.min_confidence,
                "0",
                Some("1"),
                "any",
            ),
        ];
        let duplicates = vec![
            input(
                "duplicate_radius_m",
                "request-policy-duplicate-radius",
                &self.duplicate_radius_m,
                "0",
                None,
                "any",
            ),
            input(
                "duplicate_window_hours",
                "request-policy-duplicate-window",
                &self.duplicate_window_hours,
                "1",
                Some("8784"),
                "1",
            ),
            input(
                "duplicate_threshold",
                "request-policy-duplicate-threshold",
                &self.duplicate_threshold,
                "0",
                Some("1"),
                "any",
            ),
            input(
                "duplicate_text_weight",
                "request-policy-weight-text",
                &self.duplicate_text_weight,
                "0",
                None,
                "any",
            ),
            input(
                "duplicate_category_weight",
                "request-policy-weight-category",
                &self.duplicate_category_weight,
                "0",
                None,
                "any",
            ),
            input(
                "duplicate_location_weight",
                "request-policy-weight-location",
                &self.duplicate_location_weight,
                "0",
                None,
                "any",
            ),
            input(
                "duplicate_recency_weight",
                "request-policy-weight-recency",
                &self.duplicate_recency_weight,
                "0",
                None,
                "any",
            ),
            input(
                "duplicate_max_results",
                "request-policy-duplicate-max",
                &self.duplicate_max_results,
                "0",
                Some("50"),
                "1",
            ),
        ];
        (general, duplicates)
    }
}

fn whole_number(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid(field, "a whole number"))
}

fn decimal(field: &'static str, raw: &str) -> Result<f64, AppError> {
    raw.trim()
        .parse::<f64>()
        .map_err(|_| AppError::invalid(field, "a number such as 0.5"))
}

impl PolicyFields {
    fn body(&self) -> Result<PolicyBody, AppError> {
        Ok(PolicyBody {
            sla_warning_percent: whole_number("sla_warning_percent", &self.sla_warning_percent)?,
            community_staff_after_minutes: whole_number(
                "community_staff_after_minutes",
                &self.community_staff_after_minutes,
            )?,
            street_admin_after_minutes: whole_number(
                "street_admin_after_minutes",
                &self.street_admin_after_minutes,
            )?,
            poor_rating: self.poor_rating.trim().to_owned(),
            reopen_window_hours: whole_number("reopen_window_hours", &self.reopen_window_hours)?,
            min_confidence: decimal("min_confidence", &self.min_confidence)?,
            duplicate_radius_m: decimal("duplicate_radius_m", &self.duplicate_radius_m)?,
            duplicate_window_hours: whole_number(
                "duplicate_window_hours",
                &self.duplicate_window_hours,
            )?,
            duplicate_threshold: decimal("duplicate_threshold", &self.duplicate_threshold)?,
            duplicate_text_weight: decimal("duplicate_text_weight", &self.duplicate_text_weight)?,
            duplicate_category_weight: decimal(
                "duplicate_category_weight",
                &self.duplicate_category_weight,
            )?,
            duplicate_location_weight: decimal(
                "duplicate_location_weight",
                &self.duplicate_location_weight,
            )?,
            duplicate_recency_weight: decimal(
                "duplicate_recency_weight",
                &self.duplicate_recency_weight,
            )?,
            duplicate_max_results: whole_number(
                "duplicate_max_results",
                &self.duplicate_max_results,
            )?,
        })
    }
}

async fn save_policy(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<PolicyFields>,
) -> PageResult<Response> {
    // Who may change it is answered before what was typed is judged.
    let result = st
        .app
        .edit_request_policy(&me.actor, |current| f.body()?.apply(current))
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/requests/settings?done=request_saved#policy").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "poor_rating")?;
            let page = show(&st, ctx, &me, None, problems, Some(f)).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RuleFields {
    category: String,
    node_id: String,
    party: String,
    active: String,
}

fn party_of(raw: &str) -> Result<Party, AppError> {
    Party::decode(raw.trim()).map_err(|_| AppError::invalid("party", "choose who takes it"))
}

async fn add_rule(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<RuleFields>,
) -> PageResult<Response> {
    let result = async {
        let node = field_number("node_id", &f.node_id)?
            .ok_or_else(|| AppError::invalid("node_id", "choose where the rule applies"))?;
        st.app
            .create_routing_rule(&me.actor, optional(&f.category), node, party_of(&f.party)?)
            .await
            .map(|_| ())
    }
    .await;
    after(&st, ctx, &me, "routing", result).await
}

async fn edit_rule(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RuleFields>,
) -> PageResult<Response> {
    let result = async {
        st.app
            .update_routing_rule(
                &me.actor,
                id,
                optional(&f.category),
                party_of(&f.party)?,
                !f.active.is_empty(),
            )
            .await
            .map(|_| ())
    }
    .await;
    after(&st, ctx, &me, "routing", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OrgFields {
    kind: String,
    name: String,
    node_id: String,
    active: String,
}

fn kind_of(raw: &str) -> Result<ResponderKind, AppError> {
    ResponderKind::parse(raw.trim()).map_err(|e| AppError::invalid("kind", e))
}

async fn add_org(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<OrgFields>,
) -> PageResult<Response> {
    let result = async {
        let node = field_number("node_id", &f.node_id)?
            .ok_or_else(|| AppError::invalid("node_id", "choose the area it serves"))?;
        st.app
            .create_responder_org(&me.actor, kind_of(&f.kind)?, &f.name, node)
            .await
            .map(|_| ())
    }
    .await;
    after(&st, ctx, &me, "responders", result).await
}

async fn edit_org(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<OrgFields>,
) -> PageResult<Response> {
    let result = async {
        st.app
            .update_responder_org(
                &me.actor,
                id,
                kind_of(&f.kind)?,
                &f.name,
                !f.active.is_empty(),
            )
            .await
            .map(|_| ())
    }
    .await;
    after(&st, ctx, &me, "responders", result).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MemberFields {
    user_id: String,
    /// `add` or `remove`.
    op: String,
    /// The member picker's search text and button (no-JavaScript path).
    member_q: String,
    find_member: Option<String>,
}

#[derive(Template)]
#[template(path = "requests/responder_members.html")]
struct MembersPage {
    ctx: PageCtx,
    id: i64,
    name: String,
    kind: &'static str,
    members: Vec<(i64, String)>,
    pick: Pick,
    notice: Option<String>,
    problems: Problems,
}

/// The picker's matches alone, for htmx.
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

fn member_pick(id: i64, q: &str, chosen: &str) -> Pick {
    let mut pick = Pick::new(
        "user_id",
        "member",
        &format!("/requests/settings/responders/{id}/members/search"),
        chosen,
    );
    pick.q = q.trim().chars().take(MAX_QUERY_CHARS).collect();
    pick
}

/// The accounts that may join, whose name holds the picker's text (nothing for a
/// blank search).
async fn member_matches(st: &AppState, me: &SignedIn, id: i64, pick: Pick) -> PageResult<Pick> {
    if pick.q.is_empty() {
        return Ok(pick.found(Vec::new()));
    }
    let found = st
        .app
        .responder_member_candidates(&me.actor, id, &pick.q)
        .await?;
    Ok(pick.found(
        found
            .into_iter()
            .map(|(user, name)| PickMatch {
                value: user.to_string(),
                label: name,
                detail: String::new(),
            })
            .collect(),
    ))
}

/// One organisation's members by name, with the form to add (a people picker) and
/// remove them.
async fn show_members(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    pick: Pick,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    // Only those who may change its members see this page.
    let (o, members) = st.app.responder_org_members(&me.actor, id).await?;
    Ok(render(&MembersPage {
        id,
        name: o.name,
        kind: o.kind.code(),
        members,
        pick,
        notice,
        problems,
        ctx,
    }))
}

async fn members_page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let pick = member_pick(id, "", "");
    show_members(&st, ctx, &me, id, pick, n, Problems::none()).await
}

async fn member_search(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = member_pick(id, "", "").read(&q);
    // Refused, as adding would be, for those who may not change its members.
    st.app.responder_org_members(&me.actor, id).await?;
    let pick = member_matches(&st, &me, id, pick).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

async fn member(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MemberFields>,
) -> PageResult<Response> {
    let pick = member_pick(id, &f.member_q, &f.user_id);
    if f.find_member.is_some() {
        let pick = member_matches(&st, &me, id, pick).await?;
        return show_members(&st, ctx, &me, id, pick, None, Problems::none()).await;
    }
    let result = async {
        let user = field_number("user_id", &f.user_id)?
            .ok_or_else(|| AppError::invalid("user_id", "choose a person"))?;
        st.app
            .set_responder_member(&me.actor, id, user, f.op.trim() != "remove")
            .await
            .map(|_| ())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/requests/settings/responders/{id}/members?done=request_saved"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "user_id")?;
            let page = show_members(&st, ctx, &me, id, pick, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
