//! Tags: a resident's manual tags and the city-wide tag catalogue.

use civicgrid_domain::ledger::tags::{self, TagDef};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::ledger as repo;
use civicgrid_store::{AnyConnection, commit};

use super::{Changed, resident_in_scope};
use crate::authz::{Change, reason, record, require_somewhere};
use crate::{App, AppError, AppResult};

/// Resolves typed tags against the catalogue: only known, active, non-derived ones.
pub(super) async fn resolve_tags(
    conn: &mut AnyConnection,
    typed: &[String],
) -> AppResult<Vec<String>> {
    let catalogue = repo::catalogue(conn).await?;
    let defs: Vec<TagDef> = catalogue
        .iter()
        .filter(|t| t.active)
        .map(|t| t.def.clone())
        .collect();
    let mut out = Vec::new();
    for raw in typed.iter().flat_map(|t| tags::split_tags(t)) {
        let def = tags::lookup(&defs, &raw).ok_or_else(|| {
            AppError::invalid("tags", format!("'{raw}' is not in the tag catalogue"))
        })?;
        if def.derived {
            return Err(AppError::invalid(
                "tags",
                format!("'{}' is computed from the birth date", def.code),
            ));
        }
        out.push(def.code.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// May `actor` add and edit catalogue tags? (The catalogue page shows its form from
/// this; [`App::upsert_catalogue_tag`] checks the same.)
pub fn may_manage_catalogue(actor: &Actor) -> bool {
    actor.can_somewhere(Permission::ManageCatalogue)
}

impl App {
    /// Replaces a resident's manual tags (known, non-derived catalogue tags only).
    pub async fn set_resident_tags(
        &self,
        actor: &Actor,
        id: i64,
        typed: &[String],
        why: Option<&str>,
    ) -> AppResult<Vec<String>> {
        let why = reason(why)?;
        let mut tx = self.db.begin_write().await?;
        let (r, path) = resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        let codes = resolve_tags(&mut tx, typed).await?;
        let before = repo::tags_of(&mut tx, r.id).await?;
        repo::set_tags(&mut tx, r.id, &codes).await?;
        let changed = Changed::resident(r.id, &path, why.as_deref());
        let details = serde_json::json!({"from": before, "to": codes});
        changed
            .audit(&mut tx, actor, "ledger.resident.tags", details)
            .await?;
        let changes = serde_json::json!({"tags": {"from": before, "to": codes}});
        changed
            .history(&mut tx, actor, "resident.tags", &changes)
            .await?;
        commit(tx).await?;
        Ok(codes)
    }

    /// Adds or edits a catalogue tag (not the age-derived ones).
    pub async fn upsert_catalogue_tag(
        &self,
        actor: &Actor,
        code: &str,
        name_zh: &str,
        name_en: &str,
        care: bool,
        active: bool,
    ) -> AppResult<()> {
        require_somewhere(actor, Permission::ManageCatalogue)?;
        let code = code.trim().to_lowercase();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(AppError::invalid(
                "code",
                "use 1–40 lowercase letters, digits or _",
            ));
        }
        if super::is_age_tag(&code) {
            return Err(AppError::invalid(
                "code",
                "age-derived tags cannot be edited",
            ));
        }
        let check = |field: &'static str, v: &str| -> AppResult<String> {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > 60 {
                return Err(AppError::invalid(field, "give a name of 1–60 characters"));
            }
            Ok(v.to_owned())
        };
        let def = TagDef {
            code: code.clone(),
            name_zh: check("name_zh", name_zh)?,
            name_en: check("name_en", name_en)?,
            care,
            derived: false,
        };
        let mut tx = self.db.begin_write().await?;
        repo::upsert_tag(&mut tx, &def, active).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.tag.upsert",
                target_type: "tag",
                target_id: code.clone(),
                scope: None,
                reason: None,
                details: serde_json::json!({"name_zh": def.name_zh, "name_en": def.name_en, "care": care, "active": active}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}
