//! The organisation hierarchy: the tree, a node with its map, and the forms to add
//! and edit nodes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::geo::{Boundary, MapFeature, render_svg_map};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::platform::org::{NodeEdit, NodeInput, NodeView, OrgNode};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, node_name, optional, problems_of, tree_order};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/org", tree)
        .get("/org/{id}", node_page)
        .get("/org/{id}/map.svg", map_svg)
        .get("/org/{id}/new", new_child_form)
        .post("/org/{id}/children", create_child)
        .get("/org/{id}/edit", edit_form)
        .post("/org/{id}/edit", update)
}

/// Width and height of the map's viewBox; CSS scales it to the screen.
const MAP_SIZE: (u32, u32) = (640, 480);

/// A count of nodes of one kind, e.g. ("grid", 20).
type KindCount = (&'static str, i64);

struct TreeLine {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
    depth: usize,
    counts: Vec<KindCount>,
}

#[derive(Template)]
#[template(path = "platform/org_tree.html")]
struct TreePage {
    ctx: PageCtx,
    lines: Vec<TreeLine>,
}

/// How many nodes of each kind lie beneath each node, from one listing.
fn descendant_counts(nodes: &[OrgNode]) -> HashMap<i64, Vec<KindCount>> {
    let mut counts: HashMap<i64, [i64; 5]> = HashMap::new();
    let index = |k: NodeKind| NodeKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    for n in nodes {
        for ancestor in n.path.ids().into_iter().filter(|a| *a != n.id) {
            counts.entry(ancestor).or_default()[index(n.kind)] += 1;
        }
    }
    counts
        .into_iter()
        .map(|(id, by_kind)| {
            let list = NodeKind::ALL
                .iter()
                .zip(by_kind)
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| (k.as_str(), n))
                .collect();
            (id, list)
        })
        .collect()
}

async fn tree(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let nodes = st.app.visible_nodes(&me.actor).await?;
    let mut counts = descendant_counts(&nodes);
    let top = nodes.iter().map(|n| n.path.depth()).min().unwrap_or(0);
    let lines = tree_order(&nodes)
        .into_iter()
        .map(|n| TreeLine {
            id: n.id,
            name: node_name(ctx.lang, n).to_owned(),
            code: n.code.clone(),
            kind: n.kind.as_str(),
            depth: n.path.depth().saturating_sub(top).min(4),
            counts: counts.remove(&n.id).unwrap_or_default(),
        })
        .collect();
    Ok(render(&TreePage { ctx, lines }))
}

/// A link in the breadcrumbs or the list of children.
struct NodeLink {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
}

impl NodeLink {
    fn of(lang: Lang, n: &OrgNode) -> NodeLink {
        NodeLink {
            id: n.id,
            name: node_name(lang, n).to_owned(),
            code: n.code.clone(),
            kind: n.kind.as_str(),
        }
    }
}

#[derive(Template)]
#[template(path = "platform/org_node.html")]
struct NodePage {
    ctx: PageCtx,
    node: OrgNode,
    kind: &'static str,
    crumbs: Vec<NodeLink>,
    children: Vec<NodeLink>,
    counts: Vec<KindCount>,
    may_have_children: bool,
    map_svg: String,
    notice: Option<String>,
}

/// An area of a map, owning what a [`MapFeature`] borrows.
struct Area {
    id: i64,
    label: String,
    boundary: Boundary,
    href: Option<String>,
}

fn area(lang: Lang, node: &OrgNode, href: Option<String>) -> Option<Area> {
    let text = node.boundary.as_deref()?;
    match Boundary::parse_geojson(text) {
        Ok(boundary) => Some(Area {
            id: node.id,
            label: node_name(lang, node).to_owned(),
            boundary,
            href,
        }),
        Err(e) => {
            tracing::warn!(node = node.id, error = %e, "stored boundary does not parse");
            None
        }
    }
}

/// The map of a node: its children's areas, or the node's own when no child has one.
fn node_map(lang: Lang, view: &NodeView) -> String {
    let mut areas: Vec<Area> = view
        .children
        .iter()
        .filter_map(|c| area(lang, c, Some(format!("/org/{}", c.id))))
        .collect();
    if areas.is_empty() {
        areas.extend(area(lang, &view.node, None));
    }
    let features: Vec<MapFeature<'_>> = areas
        .iter()
        .map(|a| MapFeature {
            id: a.id,
            label: &a.label,
            boundary: &a.boundary,
            href: a.href.as_deref(),
            highlight: false,
            labelled: true,
            class: "",
        })
        .collect();
    render_svg_map(&features, MAP_SIZE.0, MAP_SIZE.1, &lang.t("map-empty"))
}

async fn node_page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let view = st.app.node(&me.actor, id).await?;
    let lang = ctx.lang;
    let own_kind = view.node.kind;
    Ok(render(&NodePage {
        map_svg: node_map(lang, &view),
        kind: own_kind.as_str(),
        crumbs: view
            .ancestors
            .iter()
            .map(|n| NodeLink::of(lang, n))
            .collect(),
        children: view
            .children
            .iter()
            .map(|n| NodeLink::of(lang, n))
            .collect(),
        counts: view
            .counts
            .iter()
            .filter(|(k, _)| *k != own_kind)
            .map(|(k, n)| (k.as_str(), *n))
            .collect(),
        may_have_children: own_kind.child_kind().is_some(),
        notice: n,
        node: view.node,
        ctx,
    }))
}

async fn map_svg(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let view = st.app.node(&me.actor, id).await?;
    // Opened on its own, the map takes its look from the site's stylesheet.
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <?xml-stylesheet type=\"text/css\" href=\"/static/app.css\"?>\n{}",
        node_map(ctx.lang, &view)
    );
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    Ok(res)
}

/// What the node form holds; missing fields are blank (the use case names them).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NodeFields {
    code: String,
    name_zh: String,
    name_en: String,
    boundary: String,
    reason: String,
    /// Set by the 预览 button: show the boundary drawn, save nothing.
    preview: Option<String>,
}

/// The boundary typed or uploaded, drawn alone; nothing when it is empty, and a
/// problem on the field when it does not read.
fn boundary_preview(lang: Lang, text: &str) -> Result<String, Problems> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let boundary = Boundary::parse_geojson(text)
        .map_err(|e| Problems::one(lang, "boundary", &e.to_string()))?;
    let label = lang.t("org-boundary-preview");
    let feature = MapFeature {
        id: 0,
        label: &label,
        boundary: &boundary,
        href: None,
        highlight: true,
        labelled: false,
        class: "",
    };
    Ok(render_svg_map(&[feature], MAP_SIZE.0, MAP_SIZE.1 / 2, ""))
}

#[derive(Template)]
#[template(path = "platform/org_form.html")]
struct NodeFormPage {
    ctx: PageCtx,
    /// The parent of a new node, or the node being edited.
    subject: NodeLink,
    crumbs: Vec<NodeLink>,
    heading: String,
    action: String,
    /// False when the subject is a grid and the form would add a child to it.
    allowed: bool,
    fields: NodeFields,
    problems: Problems,
    /// The boundary in the form, drawn (empty when there is none or it does not read).
    preview_svg: String,
}

impl NodeFormPage {
    /// Draws the form's boundary; a boundary that does not read is named on the field
    /// when no other problem is.
    fn with_preview(mut self) -> Self {
        match boundary_preview(self.ctx.lang, &self.fields.boundary) {
            Ok(svg) => self.preview_svg = svg,
            Err(p) if self.fields.preview.is_some() && self.problems.is_empty() => {
                self.problems = p
            }
            Err(_) => {}
        }
        self
    }

    fn new_child(ctx: PageCtx, view: &NodeView, fields: NodeFields, problems: Problems) -> Self {
        let lang = ctx.lang;
        let subject = NodeLink::of(lang, &view.node);
        let child_kind = view.node.kind.child_kind();
        let heading = match child_kind {
            Some(k) => lang.t_args(
                "org-new-heading",
                &[
                    ("kind", lang.t(&format!("kind-{}", k.as_str()))),
                    ("parent", subject.name.clone()),
                ],
            ),
            None => lang.t("org-no-children"),
        };
        NodeFormPage {
            crumbs: crumbs_through(lang, view),
            action: format!("/org/{}/children", view.node.id),
            allowed: child_kind.is_some(),
            subject,
            heading,
            fields,
            problems,
            preview_svg: String::new(),
            ctx,
        }
        .with_preview()
    }

    fn edit(ctx: PageCtx, view: &NodeView, fields: NodeFields, problems: Problems) -> Self {
        let lang = ctx.lang;
        let subject = NodeLink::of(lang, &view.node);
        NodeFormPage {
            crumbs: crumbs_through(lang, view),
            heading: ctx.t1("org-edit-heading", "name", &subject.name),
            action: format!("/org/{}/edit", view.node.id),
            allowed: true,
            subject,
            fields,
            problems,
            preview_svg: String::new(),
            ctx,
        }
        .with_preview()
    }
}

/// Breadcrumbs down to and including the node itself.
fn crumbs_through(lang: Lang, view: &NodeView) -> Vec<NodeLink> {
    view.ancestors
        .iter()
        .chain(std::iter::once(&view.node))
        .map(|n| NodeLink::of(lang, n))
        .collect()
}

/// A preview that found the boundary unreadable answers like a refused form.
fn preview_status(page: &NodeFormPage) -> StatusCode {
    if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn with_status(status: StatusCode, page: Response) -> Response {
    (status, page).into_response()
}

async fn new_child_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let view = st.app.manageable_node(&me.actor, id).await?;
    let page = NodeFormPage::new_child(ctx, &view, NodeFields::default(), Problems::none());
    Ok(render(&page))
}

async fn create_child(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<NodeFields>,
) -> PageResult<Response> {
    if fields.preview.is_some() {
        let view = st.app.manageable_node(&me.actor, id).await?;
        let page = NodeFormPage::new_child(ctx, &view, fields, Problems::none());
        return Ok(with_status(preview_status(&page), render(&page)));
    }
    let input = NodeInput {
        parent_id: Some(id),
        kind: None,
        code: fields.code.clone(),
        name_zh: fields.name_zh.clone(),
        name_en: fields.name_en.clone(),
        boundary: optional(&fields.boundary).map(str::to_owned),
    };
    match st
        .app
        .create_node(&me.actor, &input, optional(&fields.reason))
        .await
    {
        Ok(node) => Ok(Redirect::to(&format!("/org/{}?done=created", node.id)).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let view = st.app.manageable_node(&me.actor, id).await?;
            let page = NodeFormPage::new_child(ctx, &view, fields, problems);
            Ok(with_status(status, render(&page)))
        }
    }
}

async fn edit_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let view = st.app.manageable_node(&me.actor, id).await?;
    let n = &view.node;
    let fields = NodeFields {
        code: n.code.clone(),
        name_zh: n.name_zh.clone(),
        name_en: n.name_en.clone(),
        boundary: n.boundary.clone().unwrap_or_default(),
        reason: String::new(),
        preview: None,
    };
    Ok(render(&NodeFormPage::edit(
        ctx,
        &view,
        fields,
        Problems::none(),
    )))
}

async fn update(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(fields): PageForm<NodeFields>,
) -> PageResult<Response> {
    if fields.preview.is_some() {
        let view = st.app.manageable_node(&me.actor, id).await?;
        let page = NodeFormPage::edit(ctx, &view, fields, Problems::none());
        return Ok(with_status(preview_status(&page), render(&page)));
    }
    let edit = NodeEdit {
        code: fields.code.clone(),
        name_zh: fields.name_zh.clone(),
        name_en: fields.name_en.clone(),
        boundary: optional(&fields.boundary).map(str::to_owned),
    };
    match st
        .app
        .update_node(&me.actor, id, &edit, optional(&fields.reason))
        .await
    {
        Ok(node) => Ok(Redirect::to(&format!("/org/{}?done=updated", node.id)).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let view = st.app.manageable_node(&me.actor, id).await?;
            let page = NodeFormPage::edit(ctx, &view, fields, problems);
            Ok(with_status(status, render(&page)))
        }
    }
}
