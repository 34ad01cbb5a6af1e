//! Changing the ledger: places, households, residents (add, edit, move, status), split
//! and merge, tags, the catalogue, and linking an account to a resident.

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_domain::ledger::date::{Date, not_after, parse_date};
use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::person::{
    Gender, Ownership, Relation, ResidenceStatus, validate_name,
};
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::tags::{self, TagDef};
use civicgrid_store::ledger::{self as repo, ResidentFields, ResidentRecord};
use civicgrid_store::{AnyConnection, StoreError, commit, pii};
use serde::Deserialize;

use super::{
    grid_in_scope, household_in_scope, mask, open_pii, parse_area, resident_in_scope, today,
    write_history,
};
use crate::authz::{Change, reason, record, require, require_somewhere};
use crate::{App, AppError, AppResult};

/// A new resident, as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ResidentInput {
    pub household_id: i64,
    pub name: String,
    /// `male`/`female` or 男/女; taken from the ID number when empty.
    #[serde(default)]
    pub gender: Option<String>,
    /// Taken from the ID number when empty; must agree with it otherwise.
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Relation to the head of the household (`head`, `spouse`, 配偶, …).
    pub relation: String,
    /// `registered` (default) or `floating`.
    #[serde(default)]
    pub residence_status: Option<String>,
    /// Manual tag codes or names.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A partial edit of a resident; absent or empty fields are kept.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ResidentPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub relation: Option<String>,
    /// `registered` or `floating` (record a death or a move-out with its own action).
    #[serde(default)]
    pub residence_status: Option<String>,
    /// The version the edit was based on; a newer stored version is a conflict.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Splitting part of a household into a new one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SplitInput {
    /// The room of the new household (the same room or another in scope).
    pub room_id: i64,
    pub ownership: String,
    #[serde(default)]
    pub area_m2: Option<String>,
    /// Members who move; the first becomes the new head.
    pub member_ids: Vec<i64>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn require_reason(raw: Option<&str>) -> AppResult<String> {
    reason(raw)?.ok_or_else(|| AppError::invalid("reason", "state the reason for the change"))
}

fn parse_birth(raw: &str) -> AppResult<Date> {
    let d = parse_date(raw).map_err(|e| AppError::invalid("birth_date", e))?;
    not_after(d, today()).map_err(|e| AppError::invalid("birth_date", e))
}

/// Personal values checked together: the ID number's birth date and gender must agree
/// with the typed ones.
struct Person {
    id: Option<IdNumber>,
    phone: Option<Phone>,
    birth: Date,
    gender: Gender,
}

fn check_person(
    id: Option<&str>,
    phone: Option<&str>,
    birth: Option<&str>,
    gender: Option<&str>,
) -> AppResult<Person> {
    let id = id
        .map(|v| IdNumber::parse(v).map_err(|e| AppError::invalid("id_number", e)))
        .transpose()?;
    let phone = phone
        .map(|v| Phone::parse(v).map_err(|e| AppError::invalid("phone", e)))
        .transpose()?;
    let typed_birth = birth.map(parse_birth).transpose()?;
    let id_birth = id
        .as_ref()
        .map(|i| {
            i.birth_date()
                .map_err(|e| AppError::invalid("id_number", e))
        })
        .transpose()?;
    let birth = match (typed_birth, id_birth) {
        (Some(t), Some(i)) if t != i => {
            return Err(AppError::invalid(
                "birth_date",
                "does not agree with the birth date in the ID number",
            ));
        }
        (Some(t), _) => t,
        (None, Some(i)) => i,
        (None, None) => {
            return Err(AppError::invalid(
                "birth_date",
                "give a birth date or an ID number",
            ));
        }
    };
    let typed_gender = gender
        .map(|g| Gender::parse(g).map_err(|e| AppError::invalid("gender", e)))
        .transpose()?;
    let gender = match (typed_gender, id.as_ref().map(IdNumber::gender)) {
        (Some(t), Some(i)) if t != i => {
            return Err(AppError::invalid(
                "gender",
                "does not agree with the ID number",
            ));
        }
        (Some(t), _) => t,
        (None, Some(i)) => i,
        (None, None) => return Err(AppError::invalid("gender", "choose a gender")),
    };
    Ok(Person {
        id,
        phone,
        birth,
        gender,
    })
}

fn present_status(raw: Option<&str>) -> AppResult<ResidenceStatus> {
    let s = match raw {
        None => ResidenceStatus::Registered,
        Some(v) => {
            ResidenceStatus::parse(v).map_err(|e| AppError::invalid("residence_status", e))?
        }
    };
    if !s.is_present() {
        return Err(AppError::invalid(
            "residence_status",
            "record a death or a move-out with its own action",
        ));
    }
    Ok(s)
}

fn id_conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) if m.to_lowercase().contains("id_number") => {
            AppError::invalid("id_number", "another resident already holds this ID number")
        }
        StoreError::Conflict(m) if m.contains("changed by someone else") => {
            AppError::Conflict("the resident was changed meanwhile; reload and try again".into())
        }
        other => other.into(),
    }
}

/// Resolves typed tags against the catalogue: only known, active, non-derived ones.
async fn resolve_tags(conn: &mut AnyConnection, typed: &[String]) -> AppResult<Vec<String>> {
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

fn masked_json(keys: &civicgrid_store::crypto::FieldKeys, r: &ResidentRecord) -> serde_json::Value {
    match mask(keys, r) {
        Ok(m) => serde_json::json!({
            "name": r.name,
            "gender": r.gender.code(),
            "birth_date": m.birth,
            "id_number": m.id_number,
            "phone": m.phone,
            "relation": r.relation.code(),
            "residence_status": r.status.code(),
            "household_id": r.household_id,
        }),
        Err(_) => serde_json::json!({ "name": r.name }),
    }
}

/// The fields that differ, as `{field: {from, to}}` of masked values.
fn diff(before: &serde_json::Value, after: &serde_json::Value) -> (serde_json::Value, Vec<String>) {
    let mut out = serde_json::Map::new();
    let mut fields = Vec::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, v) in a {
            let old = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
            if &old != v {
                out.insert(k.clone(), serde_json::json!({ "from": old, "to": v }));
                fields.push(k.clone());
            }
        }
    }
    (serde_json::Value::Object(out), fields)
}

impl App {
    /// Finds or creates a building, unit and room in a grid; returns the room id.
    pub async fn add_room(
        &self,
        actor: &Actor,
        grid_id: i64,
        building: &str,
        unit: &str,
        room: &str,
        floor: Option<i64>,
    ) -> AppResult<i64> {
        let name = |field: &'static str, v: &str| -> AppResult<String> {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > 40 {
                return Err(AppError::invalid(field, "give a name of 1–40 characters"));
            }
            Ok(v.to_owned())
        };
        let (b, u, r) = (
            name("building", building)?,
            name("unit", if unit.trim().is_empty() { "1" } else { unit })?,
            name("room", room)?,
        );
        let mut tx = self.db.begin_write().await?;
        let grid = grid_in_scope(&mut tx, actor, Permission::EditLedger, grid_id).await?;
        let building = match repo::find_building(&mut tx, grid.id, &b).await? {
            Some(x) => x,
            None => repo::insert_building(&mut tx, grid.id, &b, "").await?,
        };
        let unit = match repo::list_units(&mut tx, building.id)
            .await?
            .into_iter()
            .find(|x| x.name == u)
        {
            Some(x) => x,
            None => repo::insert_unit(&mut tx, building.id, &u).await?,
        };
        if let Some(existing) = repo::list_rooms(&mut tx, unit.id)
            .await?
            .into_iter()
            .find(|x| x.name == r)
        {
            return Ok(existing.id);
        }
        let room = repo::insert_room(&mut tx, unit.id, &r, floor).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.room.create",
                target_type: "room",
                target_id: room.id.to_string(),
                scope: Some(&grid.path),
                reason: None,
                details: serde_json::json!({"building": b, "unit": u, "room": r}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "room",
            room.id,
            "room.create",
            None,
            &serde_json::json!({"building": b, "unit": u, "room": r, "floor": floor}),
        )
        .await?;
        commit(tx).await?;
        Ok(room.id)
    }

    /// Records a new household living in a room.
    pub async fn add_household(
        &self,
        actor: &Actor,
        room_id: i64,
        ownership: &str,
        area_m2: Option<&str>,
    ) -> AppResult<i64> {
        let ownership =
            Ownership::parse(ownership).map_err(|e| AppError::invalid("ownership", e))?;
        let area = parse_area(area_m2.unwrap_or(""))?;
        let mut tx = self.db.begin_write().await?;
        let place = repo::place_of_room(&mut tx, room_id)
            .await
            .map_err(|_| AppError::invalid("room_id", "no such room"))?;
        require(actor, Permission::EditLedger, &place.grid_path)?;
        let h = repo::insert_household(&mut tx, room_id, ownership, area).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.household.create",
                target_type: "household",
                target_id: h.id.to_string(),
                scope: Some(&place.grid_path),
                reason: None,
                details: serde_json::json!({"room_id": room_id, "ownership": ownership.code()}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h.id,
            "household.create",
            None,
            &serde_json::json!({"room_id": room_id, "ownership": ownership.code(),
                "area_m2": area.map(super::format_area)}),
        )
        .await?;
        commit(tx).await?;
        Ok(h.id)
    }

    /// Adds a resident to a household.
    pub async fn add_resident(
        &self,
        actor: &Actor,
        input: &ResidentInput,
        why: Option<&str>,
    ) -> AppResult<i64> {
        let why = reason(why)?;
        let name = validate_name(&input.name).map_err(|e| AppError::invalid("name", e))?;
        let person = check_person(
            blank(&input.id_number),
            blank(&input.phone),
            blank(&input.birth_date),
            blank(&input.gender),
        )?;
        let relation =
            Relation::parse(&input.relation).map_err(|e| AppError::invalid("relation", e))?;
        let status = present_status(blank(&input.residence_status))?;
        let mut tx = self.db.begin_write().await?;
        let (h, path) =
            household_in_scope(&mut tx, actor, Permission::EditLedger, input.household_id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::invalid("household_id", "no such household"),
                    other => other,
                })?;
        if !h.active {
            return Err(AppError::invalid(
                "household_id",
                "the household is no longer active",
            ));
        }
        let tags = resolve_tags(&mut tx, &input.tags).await?;
        let sealed = pii::seal(
            &self.config.field_keys,
            person.id.as_ref(),
            person.phone.as_ref(),
            person.birth,
        );
        let r = repo::insert_resident(
            &mut tx,
            &ResidentFields {
                household_id: Some(h.id),
                grid_id: h.grid_id,
                name: &name,
                gender: person.gender,
                relation,
                status,
                pii: &sealed,
            },
        )
        .await
        .map_err(id_conflict)?;
        repo::set_tags(&mut tx, r.id, &tags).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.resident.create",
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: why.as_deref(),
                details: serde_json::json!({"household_id": h.id, "tags": tags}),
            },
        )
        .await?;
        let mut changes = masked_json(&self.config.field_keys, &r);
        if let Some(o) = changes.as_object_mut() {
            o.insert("tags".into(), serde_json::json!(tags));
        }
        write_history(
            &mut tx,
            actor,
            "resident",
            r.id,
            "resident.create",
            why.as_deref(),
            &changes,
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h.id,
            "household.member_added",
            why.as_deref(),
            &serde_json::json!({"resident_id": r.id, "name": name}),
        )
        .await?;
        commit(tx).await?;
        Ok(r.id)
    }

    /// Edits a resident; the reason is required and kept in the history.
    pub async fn edit_resident(
        &self,
        actor: &Actor,
        id: i64,
        patch: &ResidentPatch,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = require_reason(why)?;
        let mut tx = self.db.begin_write().await?;
        let (r, path) = resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        let keys = &self.config.field_keys;
        let opened = open_pii(keys, &r)?;
        let name = match blank(&patch.name) {
            Some(n) => validate_name(n).map_err(|e| AppError::invalid("name", e))?,
            None => r.name.clone(),
        };
        let id_text = blank(&patch.id_number).or(opened.id_number.as_deref());
        let phone_text = blank(&patch.phone).or(opened.phone.as_deref());
        // A new ID number brings its own birth date unless one is typed too.
        let birth_text = match (blank(&patch.birth_date), blank(&patch.id_number)) {
            (Some(b), _) => Some(b),
            (None, Some(_)) => None,
            (None, None) => Some(opened.birth_date.as_str()),
        };
        let gender_text = match (blank(&patch.gender), blank(&patch.id_number)) {
            (Some(g), _) => Some(g),
            (None, Some(_)) => None,
            (None, None) => Some(r.gender.code()),
        };
        let person = check_person(id_text, phone_text, birth_text, gender_text)?;
        let relation = match blank(&patch.relation) {
            Some(v) => Relation::parse(v).map_err(|e| AppError::invalid("relation", e))?,
            None => r.relation,
        };
        let status = match blank(&patch.residence_status) {
            Some(v) => present_status(Some(v))?,
            None => r.status,
        };
        let sealed = pii::seal(
            keys,
            person.id.as_ref(),
            person.phone.as_ref(),
            person.birth,
        );
        let updated = repo::update_resident(
            &mut tx,
            r.id,
            patch.version.unwrap_or(r.version),
            &ResidentFields {
                household_id: r.household_id,
                grid_id: r.grid_id,
                name: &name,
                gender: person.gender,
                relation,
                status,
                pii: &sealed,
            },
        )
        .await
        .map_err(id_conflict)?;
        let (changes, fields) = diff(&masked_json(keys, &r), &masked_json(keys, &updated));
        // A re-typed identical value still counts (the ciphertext changed); note unchanged.
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.resident.update",
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: Some(&why),
                details: serde_json::json!({"fields": fields}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "resident",
            r.id,
            "resident.update",
            Some(&why),
            &changes,
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Moves a resident to another household (in the actor's scope).
    pub async fn move_resident(
        &self,
        actor: &Actor,
        id: i64,
        household_id: i64,
        relation: &str,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = require_reason(why)?;
        let relation = Relation::parse(relation).map_err(|e| AppError::invalid("relation", e))?;
        let mut tx = self.db.begin_write().await?;
        let (r, path) = resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        let (target, target_path) =
            household_in_scope(&mut tx, actor, Permission::EditLedger, household_id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::invalid("household_id", "no such household"),
                    other => other,
                })?;
        if !target.active {
            return Err(AppError::invalid(
                "household_id",
                "the household is no longer active",
            ));
        }
        if r.household_id == Some(target.id) {
            return Err(AppError::invalid(
                "household_id",
                "the resident already lives there",
            ));
        }
        repo::move_resident(&mut tx, r.id, target.id, relation).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.resident.move",
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: Some(&why),
                details: serde_json::json!({"from_household": r.household_id, "to_household": target.id,
                    "to_scope": target_path.as_str()}),
            },
        )
        .await?;
        let changes = serde_json::json!({"household_id": {"from": r.household_id, "to": target.id},
            "relation": {"from": r.relation.code(), "to": relation.code()}});
        write_history(
            &mut tx,
            actor,
            "resident",
            r.id,
            "resident.move",
            Some(&why),
            &changes,
        )
        .await?;
        if let Some(old) = r.household_id {
            write_history(&mut tx, actor, "household", old, "household.member_left", Some(&why),
                &serde_json::json!({"resident_id": r.id, "name": r.name, "to_household": target.id})).await?;
        }
        write_history(&mut tx, actor, "household", target.id, "household.member_joined", Some(&why),
            &serde_json::json!({"resident_id": r.id, "name": r.name, "from_household": r.household_id})).await?;
        commit(tx).await?;
        Ok(())
    }

    /// Records a death or a move-out, with the date it happened.
    pub async fn record_departure(
        &self,
        actor: &Actor,
        id: i64,
        status: &str,
        date: &str,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = require_reason(why)?;
        let status = ResidenceStatus::parse(status).map_err(|e| AppError::invalid("status", e))?;
        if status.is_present() {
            return Err(AppError::invalid("status", "choose moved_out or deceased"));
        }
        let date = parse_date(date)
            .map_err(|e| AppError::invalid("date", e))
            .and_then(|d| not_after(d, today()).map_err(|e| AppError::invalid("date", e)))?;
        let mut tx = self.db.begin_write().await?;
        let (r, path) = resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        if !r.status.is_present() {
            return Err(AppError::invalid(
                "status",
                "the resident no longer lives here",
            ));
        }
        repo::set_status(&mut tx, r.id, status).await?;
        let action = match status {
            ResidenceStatus::Deceased => "death",
            _ => "move_out",
        };
        record(
            &mut tx,
            actor,
            Change {
                action: if action == "death" { "ledger.resident.death" } else { "ledger.resident.move_out" },
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: Some(&why),
                details: serde_json::json!({"status": status.code(), "household_id": r.household_id}),
            },
        )
        .await?;
        let changes = serde_json::json!({"residence_status": {"from": r.status.code(), "to": status.code()},
            "date": date.to_string()});
        write_history(
            &mut tx,
            actor,
            "resident",
            r.id,
            &format!("resident.{action}"),
            Some(&why),
            &changes,
        )
        .await?;
        if let Some(h) = r.household_id {
            write_history(
                &mut tx,
                actor,
                "household",
                h,
                &format!("household.member_{action}"),
                Some(&why),
                &serde_json::json!({"resident_id": r.id, "name": r.name, "date": date.to_string()}),
            )
            .await?;
        }
        commit(tx).await?;
        Ok(())
    }

    /// Moves some members of a household into a new one; returns the new household.
    pub async fn split_household(
        &self,
        actor: &Actor,
        id: i64,
        input: &SplitInput,
        why: Option<&str>,
    ) -> AppResult<i64> {
        let why = require_reason(why)?;
        let ownership =
            Ownership::parse(&input.ownership).map_err(|e| AppError::invalid("ownership", e))?;
        let area = parse_area(input.area_m2.as_deref().unwrap_or(""))?;
        let mut members = input.member_ids.clone();
        members.dedup();
        if members.is_empty() {
            return Err(AppError::invalid(
                "member_ids",
                "choose the members who move",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let (h, path) = household_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        if !h.active {
            return Err(AppError::invalid(
                "household_id",
                "the household is no longer active",
            ));
        }
        let place = repo::place_of_room(&mut tx, input.room_id)
            .await
            .map_err(|_| AppError::invalid("room_id", "no such room"))?;
        require(actor, Permission::EditLedger, &place.grid_path)?;
        let current = repo::members(&mut tx, h.id).await?;
        if members.iter().any(|m| !current.iter().any(|c| c.id == *m)) {
            return Err(AppError::invalid(
                "member_ids",
                "choose members of this household",
            ));
        }
        if members.len() == current.len() {
            return Err(AppError::invalid(
                "member_ids",
                "leave at least one member behind (or move the household)",
            ));
        }
        let new =
            repo::split_household(&mut tx, h.id, input.room_id, ownership, area, &members).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.household.split",
                target_type: "household",
                target_id: h.id.to_string(),
                scope: Some(&path),
                reason: Some(&why),
                details: serde_json::json!({"new_household": new.id, "room_id": input.room_id, "members": members}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h.id,
            "household.split",
            Some(&why),
            &serde_json::json!({"new_household": new.id, "members": members}),
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            new.id,
            "household.split_from",
            Some(&why),
            &serde_json::json!({"from_household": h.id, "room_id": input.room_id,
                "ownership": ownership.code(), "members": members}),
        )
        .await?;
        record_member_moves(&mut tx, actor, &members, h.id, new.id, &why).await?;
        commit(tx).await?;
        Ok(new.id)
    }

    /// Moves every member of household `from` into `into`; `from` becomes inactive.
    pub async fn merge_households(
        &self,
        actor: &Actor,
        from: i64,
        into: i64,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = require_reason(why)?;
        if from == into {
            return Err(AppError::invalid(
                "into_household_id",
                "choose another household",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let (h_from, path) =
            household_in_scope(&mut tx, actor, Permission::EditLedger, from).await?;
        let (h_into, _) = household_in_scope(&mut tx, actor, Permission::EditLedger, into)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => {
                    AppError::invalid("into_household_id", "no such household")
                }
                other => other,
            })?;
        if !h_from.active || !h_into.active {
            return Err(AppError::invalid(
                "into_household_id",
                "both households must be active",
            ));
        }
        let moved = repo::merge_households(&mut tx, h_from.id, h_into.id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.household.merge",
                target_type: "household",
                target_id: h_from.id.to_string(),
                scope: Some(&path),
                reason: Some(&why),
                details: serde_json::json!({"into_household": h_into.id, "members": moved}),
            },
        )
        .await?;
        write_history(&mut tx, actor, "household", h_from.id, "household.merged_into", Some(&why),
            &serde_json::json!({"into_household": h_into.id, "members": moved, "active": {"from": true, "to": false}})).await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h_into.id,
            "household.merged_from",
            Some(&why),
            &serde_json::json!({"from_household": h_from.id, "members": moved}),
        )
        .await?;
        record_member_moves(&mut tx, actor, &moved, h_from.id, h_into.id, &why).await?;
        commit(tx).await?;
        Ok(())
    }

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
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.resident.tags",
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: why.as_deref(),
                details: serde_json::json!({"from": before, "to": codes}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "resident",
            r.id,
            "resident.tags",
            why.as_deref(),
            &serde_json::json!({"tags": {"from": before, "to": codes}}),
        )
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

    /// Links a user account to a resident record (or unlinks with `None`), so the
    /// resident can see their own household.
    pub async fn link_user_resident(
        &self,
        actor: &Actor,
        user_id: i64,
        resident_id: Option<i64>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let target = match resident_id {
            Some(id) => Some(resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?),
            None => {
                let current = repo::resident_of_user(&mut tx, user_id).await?;
                match current {
                    Some(id) => {
                        Some(resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?)
                    }
                    None => None,
                }
            }
        };
        civicgrid_store::accounts::get_user(&mut tx, user_id)
            .await
            .map_err(|_| AppError::NotFound("user"))?;
        let Some((r, path)) = target else {
            return Ok(());
        };
        repo::link_user(&mut tx, user_id, resident_id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: if resident_id.is_some() {
                    "ledger.resident.link_user"
                } else {
                    "ledger.resident.unlink_user"
                },
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: None,
                details: serde_json::json!({"user_id": user_id}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}

impl App {
    /// Links the account `username` to a resident record (EditLedger in the resident's
    /// grid), so its holder sees their own household and who accessed their data.
    pub async fn link_username_to_resident(
        &self,
        actor: &Actor,
        resident_id: i64,
        username: &str,
    ) -> AppResult<()> {
        let username = username.trim().to_lowercase();
        if username.is_empty() {
            return Err(AppError::invalid("username", "give the account's username"));
        }
        let user_id = {
            let mut conn = self.db.read().await?;
            // Check the scope before saying whether an account exists.
            resident_in_scope(&mut conn, actor, Permission::EditLedger, resident_id).await?;
            civicgrid_store::accounts::find_credentials(&mut conn, &username)
                .await?
                .map(|c| c.user.id)
                .ok_or_else(|| AppError::invalid("username", "no account has this username"))?
        };
        self.link_user_resident(actor, user_id, Some(resident_id))
            .await
    }
}

/// One history entry per resident moved from household `from` to `to`.
async fn record_member_moves(
    conn: &mut AnyConnection,
    actor: &Actor,
    residents: &[i64],
    from: i64,
    to: i64,
    why: &str,
) -> AppResult<()> {
    for id in residents {
        write_history(
            conn,
            actor,
            "resident",
            *id,
            "resident.move",
            Some(why),
            &serde_json::json!({"household_id": {"from": from, "to": to}}),
        )
        .await?;
    }
    Ok(())
}
