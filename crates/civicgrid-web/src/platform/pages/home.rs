//! The home page: what each signed-in role may do, or an invitation to sign in.

use askama::Template;
use axum::response::Response;
use civicgrid_app::domain::platform::access::Permission;

use crate::error::PageResult;
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/", home)
}

struct RoleLine {
    role: &'static str,
    node: String,
    may: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "platform/home.html")]
struct HomePage {
    ctx: PageCtx,
    roles: Vec<RoleLine>,
}

fn permission_key(p: Permission) -> &'static str {
    match p {
        Permission::ViewOrg => "view_org",
        Permission::ManageOrg => "manage_org",
        Permission::ViewUsers => "view_users",
        Permission::ManageUsers => "manage_users",
        Permission::ViewAudit => "view_audit",
        Permission::ManageTokens => "manage_tokens",
        Permission::ViewLedger => "view_ledger",
        Permission::EditLedger => "edit_ledger",
        Permission::UnmaskPersonalData => "unmask_personal_data",
        Permission::ImportLedger => "import_ledger",
        Permission::ExportLedger => "export_ledger",
        Permission::ManageCatalogue => "manage_catalogue",
        Permission::SubmitRequest => "submit_request",
        Permission::ViewRequests => "view_requests",
        Permission::HandleRequests => "handle_requests",
        Permission::RespondToRequests => "respond_to_requests",
        Permission::SuperviseRequests => "supervise_requests",
        Permission::ManageRequestCatalogue => "manage_request_catalogue",
        Permission::ManageRouting => "manage_routing",
        Permission::ManageResponders => "manage_responders",
    }
}

async fn home(
    axum::extract::State(st): axum::extract::State<AppState>,
    ctx: PageCtx,
) -> PageResult<Response> {
    let mut roles = Vec::new();
    if let Some(u) = &ctx.user {
        let view = st.app.user(&u.actor, u.user.id).await?;
        for a in &view.assignments {
            roles.push(RoleLine {
                role: a.assignment.role.as_str(),
                node: match ctx.lang {
                    Lang::ZhCn => a.node_name_zh.clone(),
                    Lang::En => a.node_name_en.clone(),
                },
                may: a
                    .assignment
                    .role
                    .permissions()
                    .iter()
                    .map(|p| permission_key(*p))
                    .collect(),
            });
        }
    }
    Ok(render(&HomePage { ctx, roles }))
}
