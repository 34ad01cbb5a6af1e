//! Finding the grid of a row from its community and grid cells (codes or names), and
//! with `create_missing` creating unknown ones under the default street "Imported".

use std::collections::HashMap;

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_domain::org::{NodeKind, validate_code};
use civicgrid_store::org::{self as repo, OrgNode};
use sha2::{Digest, Sha256};

use crate::org::NodeInput;
use crate::{App, AppError, AppResult};

/// Code of the street that holds communities created by imports.
pub const IMPORTED_STREET: &str = "IMPORTED";

/// Where a row's grid is.
#[derive(Debug, Clone)]
pub enum GridRes {
    Found {
        id: i64,
    },
    /// Unknown, and would be created (a dry run with `create_missing`).
    WouldCreate,
    Reject(String),
}

#[derive(Default)]
pub struct GridResolver {
    /// community cell → grid cell → where it is
    cache: HashMap<String, HashMap<String, GridRes>>,
    pub created: Vec<String>,
}

fn matches(n: &OrgNode, key: &str) -> bool {
    n.code == key || n.name_zh == key || n.name_en == key
}

/// A code for a node created from a name: the text itself when it is a valid code,
/// else a prefix and a short hash of it.
fn code_for(prefix: &str, text: &str) -> String {
    match validate_code(text) {
        Ok(c) => c,
        Err(_) => {
            let h = hex::encode(Sha256::digest(text.as_bytes()));
            format!("{prefix}{}", &h[..10])
        }
    }
}

impl GridResolver {
    pub async fn resolve(
        &mut self,
        app: &App,
        actor: &Actor,
        community: &str,
        grid: &str,
        create: bool,
        dry_run: bool,
    ) -> AppResult<GridRes> {
        if let Some(r) = self.cache.get(community).and_then(|g| g.get(grid)) {
            return Ok(r.clone());
        }
        let r = self
            .lookup(app, actor, community, grid, create, dry_run)
            .await?;
        self.cache
            .entry(community.to_owned())
            .or_default()
            .insert(grid.to_owned(), r.clone());
        Ok(r)
    }

    async fn lookup(
        &mut self,
        app: &App,
        actor: &Actor,
        community: &str,
        grid: &str,
        create: bool,
        dry_run: bool,
    ) -> AppResult<GridRes> {
        let found_c = {
            let mut conn = app.db.read().await?;
            repo::find_by_code_or_name(&mut conn, NodeKind::Community, community).await?
        };
        let found_g = match &found_c {
            Some(c) => {
                let mut conn = app.db.read().await?;
                repo::children(&mut conn, c.id)
                    .await?
                    .into_iter()
                    .find(|g| matches(g, grid))
            }
            None => None,
        };
        if let Some(g) = found_g {
            return Ok(if actor.can(Permission::ImportLedger, &g.path) {
                GridRes::Found { id: g.id }
            } else {
                GridRes::Reject(format!(
                    "grid: '{grid}' is outside the places where you may import"
                ))
            });
        }
        if !create {
            return Ok(GridRes::Reject(match found_c {
                None => format!(
                    "community: unknown community '{community}' (create it first, or import with create-missing)"
                ),
                Some(_) => format!(
                    "grid: unknown grid '{grid}' in community '{community}' (create it first, or import with create-missing)"
                ),
            }));
        }
        if dry_run {
            return Ok(GridRes::WouldCreate);
        }
        match self.create(app, actor, found_c, community, grid).await {
            Ok(g) => Ok(GridRes::Found { id: g.id }),
            Err(AppError::Forbidden) => Ok(GridRes::Reject(format!(
                "grid: unknown grid '{grid}' in community '{community}', and you may not create it"
            ))),
            Err(AppError::Invalid { message, .. } | AppError::Conflict(message)) => Ok(
                GridRes::Reject(format!("grid: '{grid}' could not be created: {message}")),
            ),
            Err(e) => Err(e),
        }
    }

    async fn create(
        &mut self,
        app: &App,
        actor: &Actor,
        community: Option<OrgNode>,
        c_text: &str,
        g_text: &str,
    ) -> AppResult<OrgNode> {
        let why = Some("created by a residents import (create-missing)");
        let community = match community {
            Some(c) => c,
            None => {
                let street = default_street(app, actor).await?;
                let c = app
                    .create_node(
                        actor,
                        &input(Some(street.id), code_for("C-", c_text), c_text),
                        why,
                    )
                    .await?;
                self.created.push(c.code.clone());
                c
            }
        };
        let code = match validate_code(g_text) {
            Ok(c) => c,
            Err(_) => code_for("G-", &format!("{}/{g_text}", community.code)),
        };
        let g = app
            .create_node(actor, &input(Some(community.id), code, g_text), why)
            .await?;
        self.created.push(g.code.clone());
        Ok(g)
    }
}

fn input(parent_id: Option<i64>, code: String, name: &str) -> NodeInput {
    NodeInput {
        parent_id,
        kind: None,
        code,
        name_zh: name.to_owned(),
        name_en: name.to_owned(),
        boundary: None,
    }
}

/// The street "Imported" (code `IMPORTED`), created under the first district of the
/// first city; in an empty hierarchy a city and a district are created too.
async fn default_street(app: &App, actor: &Actor) -> AppResult<OrgNode> {
    let why = Some("default place for communities created by imports");
    let (street, roots) = {
        let mut conn = app.db.read().await?;
        (
            repo::find_by_code_or_name(&mut conn, NodeKind::Street, IMPORTED_STREET).await?,
            repo::roots(&mut conn).await?,
        )
    };
    if let Some(s) = street {
        return Ok(s);
    }
    let city = match roots.into_iter().next() {
        Some(c) => c,
        None => {
            let mut i = input(None, "CITY".into(), "City");
            i.name_zh = "城市".into();
            app.create_node(actor, &i, why).await?
        }
    };
    let district = {
        let mut conn = app.db.read().await?;
        repo::children(&mut conn, city.id).await?.into_iter().next()
    };
    let district = match district {
        Some(d) => d,
        None => {
            let mut i = input(Some(city.id), "IMPORTED-D".into(), "Imported District");
            i.name_zh = "导入区".into();
            app.create_node(actor, &i, why).await?
        }
    };
    let mut i = input(Some(district.id), IMPORTED_STREET.into(), "Imported");
    i.name_zh = "导入街道".into();
    app.create_node(actor, &i, why).await
}
