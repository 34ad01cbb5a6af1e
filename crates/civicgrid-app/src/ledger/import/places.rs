//! Finding the grid of a row from its community and grid cells (codes or names), and
//! with `create_missing` creating unknown ones under the default street "Imported".

use foldhash::HashMap;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, validate_code};
use civicgrid_store::platform::org::{self as repo, OrgNode};
use sha2::{Digest, Sha256};

use crate::platform::org::NodeInput;
use crate::{App, AppError, AppResult};

/// Code of the street that holds communities created by imports.
pub const IMPORTED_STREET: &str = "IMPORTED";

/// Why a row is rejected when it reaches outside the places where the importer may
/// import: a grid there, or a stored resident living there (matched by ID number).
/// One text for both, naming nothing, so that the rejects never tell that an ID
/// number is held by someone elsewhere.
pub const OUTSIDE_PLACES: &str = "grid: outside the places where you may import";

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

/// What looking a pair up found.
enum Looked {
    Done(GridRes),
    /// The grid must be created, in its community if that exists.
    Create(Option<OrgNode>),
}

impl GridResolver {
    /// Where a row's grid is, once [`Self::prepare`] has seen its pair.
    pub fn cached(&self, community: &str, grid: &str) -> Option<&GridRes> {
        self.cache.get(community)?.get(grid)
    }

    /// Ids of the grids found (or created) so far.
    pub fn found_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.cache.values().flat_map(|grids| {
            grids.values().filter_map(|res| match res {
                GridRes::Found { id } => Some(*id),
                _ => None,
            })
        })
    }

    fn put(&mut self, community: String, grid: String, res: GridRes) {
        self.cache.entry(community).or_default().insert(grid, res);
    }

    /// Resolves every (community, grid) pair not seen before that exists (or is
    /// refused, or would be created in a dry run), reading only; returns the pairs to
    /// create, for [`GridResolver::create`].
    pub async fn look_up(
        &mut self,
        app: &App,
        actor: &Actor,
        pairs: Vec<(String, String)>,
        create: bool,
        dry_run: bool,
    ) -> AppResult<ToCreate> {
        let mut pending = Vec::new();
        for (community, grid) in pairs {
            if self.cached(&community, &grid).is_some() {
                continue;
            }
            match lookup(app, actor, &community, &grid, create, dry_run).await? {
                Looked::Done(res) => self.put(community, grid, res),
                Looked::Create(found) => pending.push((community, grid, found)),
            }
        }
        Ok(ToCreate(pending))
    }

    /// Creates the missing communities and grids together in one transaction, each
    /// under a savepoint so that one refused node rejects only its rows.
    pub async fn create(&mut self, app: &App, actor: &Actor, pending: ToCreate) -> AppResult<()> {
        let pending = pending.0;
        if pending.is_empty() {
            return Ok(());
        }
        let street = match pending.iter().any(|p| p.2.is_none()) {
            true => Some(default_street(app, actor).await?),
            false => None,
        };
        let mut tx = app.db.begin_write().await?;
        let mut batch = Batch::default();
        let mut results = Vec::with_capacity(pending.len());
        for (community, grid, found) in pending {
            let res = batch
                .create(&mut tx, actor, street.as_ref(), found, &community, &grid)
                .await?;
            results.push((community, grid, res));
        }
        civicgrid_store::commit(tx).await?;
        self.created.extend(batch.created);
        for (community, grid, res) in results {
            self.put(community, grid, res);
        }
        Ok(())
    }
}

/// (community, grid) pairs to create, each with its community if that exists.
pub struct ToCreate(Vec<(String, String, Option<OrgNode>)>);

impl ToCreate {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

async fn lookup(
    app: &App,
    actor: &Actor,
    community: &str,
    grid: &str,
    create: bool,
    dry_run: bool,
) -> AppResult<Looked> {
    let mut conn = app.db.read().await?;
    let found_c = repo::find_by_code_or_name(&mut conn, NodeKind::Community, community).await?;
    let found_g = match &found_c {
        Some(c) => repo::children(&mut conn, c.id)
            .await?
            .into_iter()
            .find(|g| matches(g, grid)),
        None => None,
    };
    if let Some(g) = found_g {
        return Ok(Looked::Done(
            if actor.can(Permission::ImportLedger, &g.path) {
                GridRes::Found { id: g.id }
            } else {
                GridRes::Reject(OUTSIDE_PLACES.to_owned())
            },
        ));
    }
    if !create {
        return Ok(Looked::Done(GridRes::Reject(match found_c {
            None => format!(
                "community: unknown community '{community}' (create it first, or import with create-missing)"
            ),
            Some(_) => format!(
                "grid: unknown grid '{grid}' in community '{community}' (create it first, or import with create-missing)"
            ),
        })));
    }
    if dry_run {
        return Ok(Looked::Done(GridRes::WouldCreate));
    }
    Ok(Looked::Create(found_c))
}

/// Nodes created in one transaction: communities by the text that named them (so two
/// grids of a new community share it) and the codes of everything created.
#[derive(Default)]
struct Batch {
    communities: HashMap<String, Result<OrgNode, Refusal>>,
    created: Vec<String>,
}

impl Batch {
    async fn create(
        &mut self,
        tx: &mut civicgrid_store::AnyConnection,
        actor: &Actor,
        street: Option<&OrgNode>,
        found: Option<OrgNode>,
        c_text: &str,
        g_text: &str,
    ) -> AppResult<GridRes> {
        let why = Some("created by a residents import (create-missing)");
        let refused = |message: String| format!("grid: '{g_text}' could not be created: {message}");
        let forbidden = || {
            format!(
                "grid: unknown grid '{g_text}' in community '{c_text}', and you may not create it"
            )
        };
        let community = match found {
            Some(c) => c,
            None => {
                if !self.communities.contains_key(c_text) {
                    let street = street.ok_or_else(|| {
                        AppError::Conflict("the street for imported communities is missing".into())
                    })?;
                    // Only where the rows could then be imported (a new node holds no
                    // role of its own: its parent's scope is its scope).
                    let made = if actor.can(Permission::ImportLedger, &street.path) {
                        attempt(
                            tx,
                            actor,
                            &input(Some(street.id), code_for("C-", c_text), c_text),
                            why,
                        )
                        .await?
                    } else {
                        Err(Refusal::Forbidden)
                    };
                    if let Ok(c) = &made {
                        self.created.push(c.code.clone());
                    }
                    self.communities.insert(c_text.to_owned(), made);
                }
                match self.communities.get(c_text) {
                    Some(Ok(c)) => c.clone(),
                    Some(Err(Refusal::Forbidden)) | None => {
                        return Ok(GridRes::Reject(forbidden()));
                    }
                    Some(Err(Refusal::Invalid(m))) => {
                        return Ok(GridRes::Reject(refused(m.clone())));
                    }
                }
            }
        };
        if !actor.can(Permission::ImportLedger, &community.path) {
            return Ok(GridRes::Reject(forbidden()));
        }
        let code = match validate_code(g_text) {
            Ok(c) => c,
            Err(_) => code_for("G-", &format!("{}/{g_text}", community.code)),
        };
        Ok(
            match attempt(tx, actor, &input(Some(community.id), code, g_text), why).await? {
                Ok(g) => {
                    self.created.push(g.code.clone());
                    GridRes::Found { id: g.id }
                }
                Err(Refusal::Forbidden) => GridRes::Reject(forbidden()),
                Err(Refusal::Invalid(m)) => GridRes::Reject(refused(m)),
            },
        )
    }
}

/// Why a node could not be created (the row is rejected, the import goes on).
enum Refusal {
    Forbidden,
    Invalid(String),
}

/// Creates a node under a savepoint: a refusal rolls back only this node.
async fn attempt(
    tx: &mut civicgrid_store::AnyConnection,
    actor: &Actor,
    input: &NodeInput,
    why: Option<&str>,
) -> AppResult<Result<OrgNode, Refusal>> {
    let mut sp = civicgrid_store::savepoint(tx).await?;
    match App::create_node_in(&mut sp, actor, input, why).await {
        Ok(n) => {
            civicgrid_store::commit(sp).await?;
            Ok(Ok(n))
        }
        Err(AppError::Forbidden) => Ok(Err(Refusal::Forbidden)),
        Err(AppError::Invalid { message, .. } | AppError::Conflict(message)) => {
            Ok(Err(Refusal::Invalid(message)))
        }
        Err(e) => Err(e),
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
