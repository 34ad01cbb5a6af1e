//! The writer side of an import: per chunk, one write transaction that creates the
//! places it needs, inserts new residents, updates changed ones (with a history entry
//! naming what changed, personal values masked), leaves identical ones alone, and
//! records one audit entry with counts only.

use std::collections::{HashMap, HashSet};

use civicgrid_domain::access::Actor;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_store::BulkTx;
use civicgrid_store::ledger_bulk::{
    self as bulk, GridPlaces, HistoryRow, NewHousehold, ResidentRow, StoredResident,
};
use civicgrid_store::pii::F_PHONE;
use serde_json::{Value, json};

use super::places::{GridRes, GridResolver};
use super::validate::{Chunk, Prepared};
use super::{ImportOptions, ImportSummary, RejectedRow};
use crate::authz::{Change, audit_fields};
use crate::{App, AppResult};

pub struct Writer<'a> {
    app: &'a App,
    actor: &'a Actor,
    opts: &'a ImportOptions,
    file_name: &'a str,
    grids: GridResolver,
    places: HashMap<i64, GridPlaces>,
    /// The ledger was empty when the import began: no row can match a stored resident.
    first_load: bool,
    /// The connection the chunks are written on, opened with the first chunk.
    bulk: Option<civicgrid_store::BulkConn>,
}

/// A row whose grid is known, with the household it belongs to (once resolved).
struct Placed {
    p: Prepared,
    grid_id: Option<i64>,
    household_id: Option<i64>,
}

impl<'a> Writer<'a> {
    pub fn new(
        app: &'a App,
        actor: &'a Actor,
        opts: &'a ImportOptions,
        file_name: &'a str,
        first_load: bool,
    ) -> Writer<'a> {
        Writer {
            app,
            actor,
            opts,
            file_name,
            grids: GridResolver::default(),
            places: HashMap::new(),
            first_load,
            bulk: None,
        }
    }

    pub fn created_nodes(&self) -> Vec<String> {
        self.grids.created.clone()
    }

    /// Ends the writing: builds the deferred indexes of a first load, checkpoints and
    /// closes the bulk connection.
    pub async fn finish(&mut self) -> AppResult<()> {
        if let Some(bulk) = self.bulk.take() {
            bulk.finish(self.first_load).await?;
        }
        Ok(())
    }

    pub async fn write_chunk(&mut self, chunk: Chunk, sum: &mut ImportSummary) -> AppResult<()> {
        let mut rejects = chunk.rejects;
        let mut placed = Vec::with_capacity(chunk.rows.len());
        for p in chunk.rows {
            let res = self
                .grids
                .resolve(
                    self.app,
                    self.actor,
                    &p.row.community,
                    &p.row.grid,
                    self.opts.create_missing,
                    self.opts.dry_run,
                )
                .await?;
            match res {
                GridRes::Found { id, .. } => placed.push(Placed {
                    p,
                    grid_id: Some(id),
                    household_id: None,
                }),
                GridRes::WouldCreate => placed.push(Placed {
                    p,
                    grid_id: None,
                    household_id: None,
                }),
                GridRes::Reject(reason) => rejects.push(RejectedRow {
                    line: p.line,
                    reason,
                    cells: p.cells,
                }),
            }
        }
        sum.rejected += rejects.len() as u64;
        sum.rejects.extend(rejects);
        if self.opts.dry_run {
            return self.dry_run(placed, sum).await;
        }
        // Held outside `self` while a transaction borrows it; an error drops (closes) it.
        let mut bulk = match self.bulk.take() {
            Some(b) => b,
            None => self.app.db.bulk_conn().await?,
        };
        let mut tx = bulk.begin().await?;
        let counts = self.write(&mut tx, &mut placed).await?;
        let entry = audit_fields(
            self.actor,
            Change {
                action: "ledger.import",
                target_type: "import",
                target_id: self.file_name.to_owned(),
                scope: None,
                reason: None,
                details: json!({
                    "file": self.file_name,
                    "rows": placed.len(),
                    "inserted": counts.0, "updated": counts.1, "unchanged": counts.2,
                }),
            },
        );
        tx.audit_append(entry).await?;
        if let Err(e) = tx.commit().await {
            // The places read into the cache may not exist after a failed commit.
            self.places.clear();
            return Err(e.into());
        }
        self.bulk = Some(bulk);
        sum.inserted += counts.0;
        sum.updated += counts.1;
        sum.unchanged += counts.2;
        Ok(())
    }

    /// Counts what would happen, reading only.
    async fn dry_run(&mut self, placed: Vec<Placed>, sum: &mut ImportSummary) -> AppResult<()> {
        let mut conn = self.app.db.read().await?;
        let idx: Vec<String> = placed
            .iter()
            .filter_map(|r| r.p.pii.id_number_idx.clone())
            .collect();
        let stored: HashMap<String, StoredResident> = bulk::residents_by_id_index(&mut conn, &idx)
            .await?
            .into_iter()
            .map(|s| (s.id_number_idx.clone(), s))
            .collect();
        for r in &placed {
            let key = r.p.pii.id_number_idx.clone().unwrap_or_default();
            let Some(s) = stored.get(&key) else {
                sum.inserted += 1;
                continue;
            };
            let household = match r.grid_id {
                Some(g) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = self.places.entry(g) {
                        e.insert(bulk::grid_places(&mut conn, g).await?);
                    }
                    self.places.get(&g).and_then(|p| household_of(p, &r.p))
                }
                None => None,
            };
            if household.is_some() && diff(s, &r.p, r.grid_id, household).is_empty() {
                sum.unchanged += 1;
            } else {
                sum.updated += 1;
            }
        }
        Ok(())
    }

    /// Writes one chunk; returns (inserted, updated, unchanged).
    async fn write(
        &mut self,
        tx: &mut BulkTx<'_>,
        rows: &mut [Placed],
    ) -> AppResult<(u64, u64, u64)> {
        self.ensure_places(tx, rows).await?;
        let idx: Vec<String> = rows
            .iter()
            .filter_map(|r| r.p.pii.id_number_idx.clone())
            .collect();
        let stored: HashMap<String, StoredResident> = if self.first_load {
            HashMap::new()
        } else {
            tx.residents_by_id_index(idx)
                .await?
                .into_iter()
                .map(|s| (s.id_number_idx.clone(), s))
                .collect()
        };
        let mut new_rows: Vec<(ResidentRow, &Placed)> = Vec::new();
        let mut history: Vec<HistoryRow> = Vec::new();
        let mut retag: Vec<i64> = Vec::new();
        let mut tags: Vec<(i64, String)> = Vec::new();
        let mut terms: Vec<(i64, String)> = Vec::new();
        let mut renamed: Vec<(i64, String)> = Vec::new();
        let (mut updated, mut unchanged) = (0u64, 0u64);
        for r in rows.iter() {
            let (Some(grid_id), Some(household_id)) = (r.grid_id, r.household_id) else {
                continue;
            };
            let row = resident_row(r, grid_id, household_id);
            let key = r.p.pii.id_number_idx.clone().unwrap_or_default();
            match stored.get(&key) {
                None => new_rows.push((row, r)),
                Some(s) => {
                    let changes = diff(s, &r.p, Some(grid_id), Some(household_id));
                    if changes.is_empty() {
                        unchanged += 1;
                        continue;
                    }
                    let mut changes = changes;
                    if let Some(v) = changes.get_mut("phone") {
                        *v = json!({"from": self.masked_phone(s), "to": r.p.row.phone.as_ref().map(Phone::masked)});
                    }
                    tx.update_resident(s.id, row).await?;
                    if changes.contains_key("tags") {
                        retag.push(s.id);
                        tags.extend(r.p.row.tags.iter().map(|t| (s.id, t.clone())));
                    }
                    if changes.contains_key("name") {
                        renamed.push((s.id, r.p.terms.clone()));
                    }
                    history.push(HistoryRow {
                        subject_type: "resident",
                        subject_id: s.id,
                        action: "import.update",
                        changes: Value::Object(changes).to_string(),
                    });
                    updated += 1;
                }
            }
        }
        let plain: Vec<ResidentRow> = new_rows.iter().map(|(row, _)| row.clone()).collect();
        let ids = match tx.insert_residents(plain).await {
            Err(civicgrid_store::StoreError::Conflict(_)) if self.first_load => {
                return Err(crate::AppError::Conflict(
                    "a resident with one of these ID numbers was added while the import ran; \
                     import the file again to merge them"
                        .into(),
                ));
            }
            r => r?,
        };
        for (id, (_, r)) in ids.iter().zip(&new_rows) {
            tags.extend(r.p.row.tags.iter().map(|t| (*id, t.clone())));
            terms.push((*id, r.p.terms.clone()));
            history.push(HistoryRow {
                subject_type: "resident",
                subject_id: *id,
                action: "import.create",
                changes: created_json(r.household_id).to_string(),
            });
        }
        tx.replace_tags(retag, tags).await?;
        tx.index_residents(terms, false).await?;
        if !renamed.is_empty() {
            tx.index_residents(renamed, true).await?;
        }
        write_history(tx, self.actor, self.file_name, history).await?;
        Ok((ids.len() as u64, updated, unchanged))
    }

    fn masked_phone(&self, s: &StoredResident) -> Option<String> {
        let sealed = s.phone_enc.as_deref()?;
        let plain = self.app.config.field_keys.open(F_PHONE, sealed).ok()?;
        Some(Phone::parse(&plain).map_or_else(|_| "****".into(), |p| p.masked()))
    }

    /// Creates the buildings, units, rooms and households the rows need, and sets
    /// each row's household.
    async fn ensure_places(&mut self, tx: &mut BulkTx<'_>, rows: &mut [Placed]) -> AppResult<()> {
        let grids: HashSet<i64> = rows.iter().filter_map(|r| r.grid_id).collect();
        for g in grids {
            if let std::collections::hash_map::Entry::Vacant(e) = self.places.entry(g) {
                e.insert(tx.grid_places(g).await?);
            }
        }
        let places = &mut self.places;
        // Buildings
        let mut want: Vec<(i64, String)> = Vec::new();
        for r in rows.iter() {
            if let Some(g) = r.grid_id
                && let Some(p) = places.get(&g)
                && !p.buildings.contains_key(&r.p.row.building)
            {
                want.push((g, r.p.row.building.clone()));
            }
        }
        dedup(&mut want);
        for ((g, name), id) in tx.insert_buildings(want).await? {
            if let Some(p) = places.get_mut(&g) {
                p.buildings.insert(name, id);
            }
        }
        // Units
        let building_of = |p: &GridPlaces, r: &Placed| p.buildings.get(&r.p.row.building).copied();
        let mut want: Vec<(i64, (i64, String))> = Vec::new();
        for r in rows.iter() {
            if let Some(g) = r.grid_id
                && let Some(p) = places.get(&g)
                && let Some(b) = building_of(p, r)
                && !p.units.contains_key(&(b, r.p.row.unit.clone()))
            {
                want.push((g, (b, r.p.row.unit.clone())));
            }
        }
        want.sort();
        want.dedup();
        let grid_of: HashMap<(i64, String), i64> =
            want.iter().map(|(g, k)| (k.clone(), *g)).collect();
        let keys: Vec<(i64, String)> = want.into_iter().map(|(_, k)| k).collect();
        for (k, id) in tx.insert_units(keys).await? {
            if let Some(p) = grid_of.get(&k).and_then(|g| places.get_mut(g)) {
                p.units.insert(k, id);
            }
        }
        // Rooms
        let unit_of = |p: &GridPlaces, r: &Placed| {
            building_of(p, r).and_then(|b| p.units.get(&(b, r.p.row.unit.clone())).copied())
        };
        let mut want: Vec<(i64, (i64, String))> = Vec::new();
        for r in rows.iter() {
            if let Some(g) = r.grid_id
                && let Some(p) = places.get(&g)
                && let Some(u) = unit_of(p, r)
                && !p.rooms.contains_key(&(u, r.p.row.room.clone()))
            {
                want.push((g, (u, r.p.row.room.clone())));
            }
        }
        want.sort();
        want.dedup();
        let grid_of: HashMap<(i64, String), i64> =
            want.iter().map(|(g, k)| (k.clone(), *g)).collect();
        let keys: Vec<(i64, String)> = want.into_iter().map(|(_, k)| k).collect();
        for (k, id) in tx.insert_rooms(keys).await? {
            if let Some(p) = grid_of.get(&k).and_then(|g| places.get_mut(g)) {
                p.rooms.insert(k, id);
            }
        }
        // Households: one per room and ownership; the first area given wins.
        let mut groups: Vec<((i64, String), i64)> = Vec::new();
        let mut area_of: HashMap<(i64, String), Option<i64>> = HashMap::new();
        for r in rows.iter() {
            let Some(g) = r.grid_id else { continue };
            let Some(p) = places.get(&g) else { continue };
            let Some(room) = room_of(p, &r.p) else {
                continue;
            };
            let key = (room, r.p.row.ownership.code().to_owned());
            match area_of.get_mut(&key) {
                None => {
                    area_of.insert(key.clone(), r.p.row.area_centi);
                    groups.push((key, g));
                }
                Some(a) if a.is_none() => *a = r.p.row.area_centi,
                Some(_) => {}
            }
        }
        let mut want: Vec<NewHousehold> = Vec::new();
        let mut areas: Vec<(i64, Option<i64>)> = Vec::new();
        for (key, g) in groups {
            let area = area_of.get(&key).copied().flatten();
            let Some(p) = places.get(&g) else { continue };
            match p.households.get(&key) {
                Some((id, old)) => {
                    if area.is_some() && area != *old {
                        areas.push((*id, area));
                    }
                }
                None => want.push(NewHousehold {
                    room_id: key.0,
                    grid_id: g,
                    ownership: key.1,
                    area_centi: area,
                }),
            }
        }
        let grid_of: HashMap<i64, i64> = want.iter().map(|h| (h.room_id, h.grid_id)).collect();
        for ((room, own), id) in tx.insert_households(want).await? {
            let area = area_of.get(&(room, own.clone())).copied().flatten();
            if let Some(p) = grid_of.get(&room).and_then(|g| places.get_mut(g)) {
                p.households.insert((room, own), (id, area));
            }
        }
        let mut history = Vec::new();
        for (id, area) in &areas {
            tx.set_household_area(*id, *area).await?;
            for p in places.values_mut() {
                for v in p.households.values_mut() {
                    if v.0 == *id {
                        let old = v.1;
                        v.1 = *area;
                        history.push(HistoryRow {
                            subject_type: "household",
                            subject_id: *id,
                            action: "import.update",
                            changes: json!({"area_centi": {"from": old, "to": area}}).to_string(),
                        });
                    }
                }
            }
        }
        if !history.is_empty() {
            write_history(tx, self.actor, self.file_name, history).await?;
        }
        for r in rows.iter_mut() {
            if let Some(g) = r.grid_id
                && let Some(p) = places.get(&g)
            {
                r.household_id = household_of(p, &r.p);
            }
        }
        Ok(())
    }
}

/// Appends history entries by the importing actor, giving the file as reason.
async fn write_history(
    tx: &mut BulkTx<'_>,
    actor: &Actor,
    file_name: &str,
    rows: Vec<HistoryRow>,
) -> AppResult<()> {
    let reason = format!("import of {file_name}");
    tx.insert_history(actor.user_id, actor.label.clone(), reason, rows)
        .await?;
    Ok(())
}

fn dedup(v: &mut Vec<(i64, String)>) {
    v.sort();
    v.dedup();
}

fn room_of(p: &GridPlaces, r: &Prepared) -> Option<i64> {
    let b = p.buildings.get(&r.row.building)?;
    let u = p.units.get(&(*b, r.row.unit.clone()))?;
    p.rooms.get(&(*u, r.row.room.clone())).copied()
}

fn household_of(p: &GridPlaces, r: &Prepared) -> Option<i64> {
    let room = room_of(p, r)?;
    p.households
        .get(&(room, r.row.ownership.code().to_owned()))
        .map(|h| h.0)
}

fn resident_row(r: &Placed, grid_id: i64, household_id: i64) -> ResidentRow {
    ResidentRow {
        household_id,
        grid_id,
        name: r.p.row.name.clone(),
        gender: r.p.row.gender.code(),
        relation: r.p.row.relation.code(),
        residence_status: r.p.row.status.code(),
        pii: r.p.pii.clone(),
    }
}

/// What differs between the stored resident and the row (blind indexes compared for
/// personal fields; the birth date is part of the matched ID number).
fn diff(
    s: &StoredResident,
    p: &Prepared,
    grid_id: Option<i64>,
    household_id: Option<i64>,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, from: Value, to: Value| {
        if from != to {
            m.insert(k.to_owned(), json!({"from": from, "to": to}));
        }
    };
    put("name", json!(s.name), json!(p.row.name));
    put("gender", json!(s.gender), json!(p.row.gender.code()));
    put("relation", json!(s.relation), json!(p.row.relation.code()));
    put(
        "residence_status",
        json!(s.residence_status),
        json!(p.row.status.code()),
    );
    put("household_id", json!(s.household_id), json!(household_id));
    put("grid_id", json!(s.grid_id), json!(grid_id));
    put("tags", json!(s.tags), json!(p.row.tags));
    if s.phone_idx != p.pii.phone_idx {
        m.insert("phone".into(), json!({"changed": true}));
    }
    m
}

/// A created resident's history entry: the household it joined. Its values are the
/// record itself, masked on the card; later entries name each change from → to.
fn created_json(household_id: Option<i64>) -> Value {
    json!({ "household_id": household_id })
}
