//! Visit policies (走访标准) per community: by care tag (and a second tag), a care
//! level, a cadence and a way of visiting (see [`civicgrid_domain::care::policies`]).
//!
//! Who may do what: [`Permission::ViewCare`] or [`Permission::ManageCare`] at the
//! community reads them; [`Permission::ManageCare`] at the community writes them. A
//! community without policies of its own starts from the default table, written the
//! first time someone changes one or pairs a resident.

use civicgrid_domain::care::policies::{PolicySpec, default_policies, policy_for};
use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::tags::derived_tags;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::care::pairings as pairing_repo;
use civicgrid_store::care::policies::{self as repo, PolicyRecord};
use civicgrid_store::ledger;
use civicgrid_store::platform::org::{self, OrgNode};
use civicgrid_store::{AnyConnection, commit, now_ms};

use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// A community's policies as a page shows them.
#[derive(Debug, Clone)]
pub struct PoliciesView {
    pub community: OrgNode,
    /// Stored policies, or the defaults (id 0) while none were stored.
    pub policies: Vec<PolicyRecord>,
    /// The catalogue's tags: (code, 中文, English, care).
    pub tags: Vec<(String, String, String, bool)>,
    pub may_manage: bool,
}

/// The community node `id`, refused unless it is one.
pub(crate) async fn community(conn: &mut AnyConnection, id: i64) -> AppResult<OrgNode> {
    let node = org::get(conn, id)
        .await
        .map_err(|_| AppError::NotFound("community"))?;
    if node.kind != NodeKind::Community {
        return Err(AppError::invalid("community_id", "choose a community"));
    }
    Ok(node)
}

/// The community on `path`'s line (itself or an ancestor).
pub(crate) async fn community_of(conn: &mut AnyConnection, path: &OrgPath) -> AppResult<OrgNode> {
    for id in path.ids().into_iter().rev() {
        let node = org::get(conn, id).await?;
        if node.kind == NodeKind::Community {
            return Ok(node);
        }
    }
    Err(AppError::invalid(
        "grid_id",
        "the place lies in no community",
    ))
}

/// A community's policies, writing the defaults first when it has none (on the
/// caller's write transaction, audited).
pub(crate) async fn ensure_policies(
    conn: &mut AnyConnection,
    actor: &Actor,
    community: &OrgNode,
) -> AppResult<Vec<PolicyRecord>> {
    let stored = repo::policies(conn, community.id).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let now = now_ms();
    for spec in default_policies() {
        repo::put_policy(conn, community.id, &spec, actor.user_id, now).await?;
    }
    record(
        conn,
        actor,
        Change {
            action: "care.policy.seed",
            target_type: "community",
            target_id: community.id.to_string(),
            scope: Some(&community.path),
            reason: None,
            details: serde_json::json!({ "count": default_policies().len() }),
        },
    )
    .await?;
    Ok(repo::policies(conn, community.id).await?)
}

/// The tags a resident holds for policies: those recorded and those their birth
/// month gives (aged 80+ from the first day of the month, the later of the two
/// readings never counting someone too young).
pub(crate) async fn resident_tags(
    conn: &mut AnyConnection,
    resident_id: i64,
    birth_ym: i64,
) -> AppResult<Vec<String>> {
    let mut tags = ledger::tags_of(conn, resident_id).await?;
    let (y, m) = (birth_ym / 100, birth_ym % 100);
    if let (Ok(y), Ok(m)) = (i32::try_from(y), u32::try_from(m))
        && let Some(birth) = Date::from_ymd_opt(y, m, 1)
    {
        let today = chrono::Utc::now().date_naive();
        tags.extend(derived_tags(birth, today).into_iter().map(str::to_owned));
    }
    Ok(tags)
}

/// The policy covering a resident with `tags`, among `policies`.
pub(crate) fn covering<'a>(
    policies: &'a [PolicyRecord],
    tags: &[String],
) -> Option<&'a PolicyRecord> {
    let specs: Vec<PolicySpec> = policies.iter().map(|p| p.spec.clone()).collect();
    let chosen = policy_for(&specs, tags)?;
    policies.iter().find(|p| &p.spec == chosen)
}

impl App {
    /// A community's visit policies.
    pub async fn care_policies(&self, actor: &Actor, community_id: i64) -> AppResult<PoliciesView> {
        if !(actor.can_somewhere(Permission::ViewCare)
            || actor.can_somewhere(Permission::ManageCare))
        {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let community = community(&mut conn, community_id).await?;
        if !(actor.can(Permission::ViewCare, &community.path)
            || actor.can(Permission::ManageCare, &community.path))
        {
            return Err(AppError::NotFound("community"));
        }
        let mut policies = repo::policies(&mut conn, community.id).await?;
        if policies.is_empty() {
            policies = default_policies()
                .into_iter()
                .map(|spec| PolicyRecord {
                    id: 0,
                    community_id: community.id,
                    spec,
                    updated_by: None,
                    updated_at: 0,
                })
                .collect();
        }
        let tags = ledger::catalogue(&mut conn)
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| (t.def.code, t.def.name_zh, t.def.name_en, t.def.care))
            .collect();
        Ok(PoliciesView {
            may_manage: actor.can(Permission::ManageCare, &community.path),
            community,
            policies,
            tags,
        })
    }

    /// Writes the policy for (tag, second tag) of a community, and carries its
    /// cadence, way and level to the pairings that follow it (not to those whose
    /// schedule staff set by hand); their next visit falls due a cadence after the
    /// last one.
    pub async fn set_care_policy(
        &self,
        actor: &Actor,
        community_id: i64,
        spec: PolicySpec,
    ) -> AppResult<PolicyRecord> {
        crate::authz::require_somewhere(actor, Permission::ManageCare)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let community = community(&mut tx, community_id).await?;
        crate::authz::require_in_sight(
            actor,
            Permission::ManageCare,
            Permission::ViewCare,
            &community.path,
            || AppError::NotFound("community"),
        )?;
        let catalogue = ledger::catalogue(&mut tx).await?;
        let care: Vec<&str> = catalogue
            .iter()
            .filter(|t| t.def.care && t.active)
            .map(|t| t.def.code.as_str())
            .collect();
        let all: Vec<&str> = catalogue.iter().map(|t| t.def.code.as_str()).collect();
        let spec = spec
            .check(&care, &all)
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        ensure_policies(&mut tx, actor, &community).await?;
        let (id, created) =
            repo::put_policy(&mut tx, community.id, &spec, actor.user_id, now).await?;
        let mut carried = 0;
        for mut p in pairing_repo::active_in_community(&mut tx, community.id).await? {
            if p.policy_id != Some(id) || p.overridden {
                continue;
            }
            p.level = spec.level;
            p.cadence = spec.cadence;
            p.mode = spec.mode;
            super::pairings::reschedule(&mut p);
            p.updated_at = now;
            pairing_repo::update_pairing(&mut tx, &p)
                .await?
                .ok_or_else(super::pairings::stale)?;
            carried += 1;
        }
        record(
            &mut tx,
            actor,
            Change {
                action: if created {
                    "care.policy.create"
                } else {
                    "care.policy.edit"
                },
                target_type: "care_policy",
                target_id: id.to_string(),
                scope: Some(&community.path),
                reason: None,
                details: serde_json::json!({
                    "tag": spec.tag,
                    "with_tag": spec.with_tag,
                    "level": spec.level,
                    "cadence_days": spec.cadence.as_days(),
                    "mode": spec.mode.code(),
                    "pairings": carried,
                }),
            },
        )
        .await?;
        let policy = repo::get_policy(&mut tx, id).await?;
        commit(tx).await?;
        Ok(policy)
    }
}
