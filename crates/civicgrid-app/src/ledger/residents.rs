//! Residents: adding one to a household, editing, moving to another household, and
//! recording a death or a move-out.

use civicgrid_domain::ledger::date::{Date, not_after, parse_date};
use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::person::{
    Gender, Relation, ResidenceStatus, birth_and_gender, validate_name,
};
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::pii::{self, SealedPii};
use civicgrid_store::ledger::{self as repo, ResidentFields, ResidentRecord};
use civicgrid_store::{StoreError, commit};
use serde::Deserialize;

use super::tags::resolve_tags;
use super::{
    Changed, blank, household_named, mask, open_pii, require_active, require_reason,
    resident_in_scope, today, write_history,
};
use crate::authz::reason;
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
#[serde(default)]
pub struct ResidentPatch {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    /// `registered` or `floating` (record a death or a move-out with its own action).
    pub residence_status: Option<String>,
    /// The version the edit was based on; a newer stored version is a conflict.
    pub version: Option<i64>,
}

/// Personal values checked together: the ID number's birth date and gender must agree
/// with the typed ones (the domain's rule, the same as an import row's).
struct Person {
    id: Option<IdNumber>,
    phone: Option<Phone>,
    birth: Date,
    gender: Gender,
}

impl Person {
    /// The personal values sealed with `keys`, as the store keeps them.
    fn sealed(&self, keys: &FieldKeys) -> SealedPii {
        pii::seal(keys, self.id.as_ref(), self.phone.as_ref(), self.birth)
    }
}

/// A resident's values as checked: the name, the personal values, the relation to the
/// head of the household and the residence status.
struct Checked {
    name: String,
    person: Person,
    relation: Relation,
    status: ResidenceStatus,
}

impl Checked {
    /// What the store keeps of the resident, living in `household_id` in `grid_id`,
    /// with the personal values sealed in `pii`.
    fn fields<'a>(
        &'a self,
        household_id: Option<i64>,
        grid_id: i64,
        pii: &'a SealedPii,
    ) -> ResidentFields<'a> {
        ResidentFields {
            household_id,
            grid_id,
            name: &self.name,
            gender: self.person.gender,
            relation: self.relation,
            status: self.status,
            pii,
        }
    }
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
    let (birth, gender) = birth_and_gender(id.as_ref(), birth, gender, today())
        .map_err(|e| AppError::invalid(e.field(), e))?;
    Ok(Person {
        id,
        phone,
        birth,
        gender,
    })
}

/// The value an edit leaves: the typed one; else none when a new ID number is typed
/// (it brings its own birth date and gender); else the stored one.
fn typed_or_kept<'a>(
    typed: Option<&'a str>,
    new_id: Option<&str>,
    stored: &'a str,
) -> Option<&'a str> {
    match (typed, new_id) {
        (Some(v), _) => Some(v),
        (None, Some(_)) => None,
        (None, None) => Some(stored),
    }
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
        StoreError::Conflict(civicgrid_store::Unique::ResidentIdNumber) => {
            AppError::invalid("id_number", "another resident already holds this ID number")
        }
        StoreError::Stale => {
            AppError::Conflict("the resident was changed meanwhile; reload and try again".into())
        }
        other => other.into(),
    }
}

fn masked_json(keys: &FieldKeys, r: &ResidentRecord) -> serde_json::Value {
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
    /// Adds a resident to a household.
    pub async fn add_resident(
        &self,
        actor: &Actor,
        input: &ResidentInput,
        why: Option<&str>,
    ) -> AppResult<i64> {
        let why = reason(why)?;
        let name: String = validate_name(&input.name)
            .map_err(|e| AppError::invalid("name", e))?
            .into();
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
        let (h, path) = household_named(&mut tx, actor, input.household_id, "household_id").await?;
        require_active(&h)?;
        let tags = resolve_tags(&mut tx, &input.tags).await?;
        let checked = Checked {
            name,
            person,
            relation,
            status,
        };
        let sealed = checked.person.sealed(&self.config.field_keys);
        let r = repo::insert_resident(&mut tx, &checked.fields(Some(h.id), h.grid_id, &sealed))
            .await
            .map_err(id_conflict)?;
        repo::set_tags(&mut tx, r.id, &tags).await?;
        let changed = Changed::resident(r.id, &path, why.as_deref());
        let details = serde_json::json!({"household_id": h.id, "tags": tags});
        changed
            .audit(&mut tx, actor, "ledger.resident.create", details)
            .await?;
        let mut changes = masked_json(&self.config.field_keys, &r);
        if let Some(o) = changes.as_object_mut() {
            o.insert("tags".into(), serde_json::json!(tags));
        }
        changed
            .history(&mut tx, actor, "resident.create", &changes)
            .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h.id,
            "household.member_added",
            why.as_deref(),
            &serde_json::json!({"resident_id": r.id, "name": checked.name}),
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
            Some(n) => validate_name(n)
                .map_err(|e| AppError::invalid("name", e))?
                .into(),
            None => r.name.clone(),
        };
        let id_text = blank(&patch.id_number).or(opened.id_number.as_deref());
        let phone_text = blank(&patch.phone).or(opened.phone.as_deref());
        let new_id = blank(&patch.id_number);
        let birth_text = typed_or_kept(blank(&patch.birth_date), new_id, &opened.birth_date);
        let gender_text = typed_or_kept(blank(&patch.gender), new_id, r.gender.code());
        let person = check_person(id_text, phone_text, birth_text, gender_text)?;
        let relation = match blank(&patch.relation) {
            Some(v) => Relation::parse(v).map_err(|e| AppError::invalid("relation", e))?,
            None => r.relation,
        };
        let status = match blank(&patch.residence_status) {
            Some(v) => present_status(Some(v))?,
            None => r.status,
        };
        let checked = Checked {
            name,
            person,
            relation,
            status,
        };
        let sealed = checked.person.sealed(keys);
        let updated = repo::update_resident(
            &mut tx,
            r.id,
            patch.version.unwrap_or(r.version),
            &checked.fields(r.household_id, r.grid_id, &sealed),
        )
        .await
        .map_err(id_conflict)?;
        let (changes, fields) = diff(&masked_json(keys, &r), &masked_json(keys, &updated));
        // A re-typed identical value still counts (the ciphertext changed); note unchanged.
        let changed = Changed::resident(r.id, &path, Some(&why));
        let details = serde_json::json!({"fields": fields});
        changed
            .audit(&mut tx, actor, "ledger.resident.update", details)
            .await?;
        changed
            .history(&mut tx, actor, "resident.update", &changes)
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
            household_named(&mut tx, actor, household_id, "household_id").await?;
        require_active(&target)?;
        if r.household_id == Some(target.id) {
            return Err(AppError::invalid(
                "household_id",
                "the resident already lives there",
            ));
        }
        repo::move_resident(&mut tx, r.id, target.id, relation).await?;
        let changed = Changed::resident(r.id, &path, Some(&why));
        let details = serde_json::json!({"from_household": r.household_id, "to_household": target.id,
            "to_scope": target_path.as_str()});
        changed
            .audit(&mut tx, actor, "ledger.resident.move", details)
            .await?;
        let changes = serde_json::json!({"household_id": {"from": r.household_id, "to": target.id},
            "relation": {"from": r.relation.code(), "to": relation.code()}});
        changed
            .history(&mut tx, actor, "resident.move", &changes)
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
        let changed = Changed::resident(r.id, &path, Some(&why));
        let audited = if action == "death" {
            "ledger.resident.death"
        } else {
            "ledger.resident.move_out"
        };
        let details = serde_json::json!({"status": status.code(), "household_id": r.household_id});
        changed.audit(&mut tx, actor, audited, details).await?;
        let changes = serde_json::json!({"residence_status": {"from": r.status.code(), "to": status.code()},
            "date": date.to_string()});
        changed
            .history(&mut tx, actor, &format!("resident.{action}"), &changes)
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
}
