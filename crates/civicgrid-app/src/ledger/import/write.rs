//! The writer side of an import: per chunk, one write transaction that creates the
//! places it needs, inserts new residents, updates changed ones (with a history entry
//! naming what changed, personal values masked), leaves identical ones alone, and
//! records one audit entry with counts only.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::search::name_terms;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::privacy::mask_stored_phone;
use civicgrid_store::ledger::import::BulkTx;
use civicgrid_store::ledger::import::names::LoadNames;
use civicgrid_store::ledger::import::rows::{
    self as bulk, GridPlaces, HistoryRow, NewHousehold, PlacedHousehold, ResidentRow,
    StoredResident,
};
use serde_json::{Value, json};

use super::places::{GridRes, GridResolver, OUTSIDE_PLACES};
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
    /// Grids where matched residents live, by whether the actor may import there
    /// (decided once per grid, for the first resident matched in it).
    old_grids: HashMap<i64, bool>,
    /// The ledger was empty when the import began: no row can match a stored resident.
    first_load: bool,
    /// The connection the chunks are written on, opened with the first chunk.
    bulk: Option<civicgrid_store::ledger::import::BulkConn>,
    /// The names of the rows read so far, by the numbers the reader gave them.
    names: LoadNames,
}

/// Where a row belongs, beside the row: its grid (`None` for one a dry run would
/// create) and, once resolved, its building, unit, room and household.
#[derive(Debug, Clone, Copy, Default)]
struct Slots {
    grid_id: Option<i64>,
    building: Option<i64>,
    unit: Option<i64>,
    room: Option<i64>,
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
            old_grids: HashMap::new(),
            first_load,
            bulk: None,
            names: LoadNames::default(),
        }
    }

    /// Whether this load's chunks share one transaction (see [`ImportOptions`]).
    fn held(&self) -> bool {
        self.first_load && self.opts.hold_writes
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

    /// Writes one chunk; returns its emptied row buffer, for the reader to fill again
    /// (a chunk's rows take tens of megabytes: reusing them spares the system zeroing
    /// fresh memory for every chunk).
    pub async fn write_chunk(
        &mut self,
        chunk: Chunk,
        sum: &mut ImportSummary,
    ) -> AppResult<Vec<Prepared>> {
        let mut rejects = chunk.rejects;
        for terms in chunk.new_names {
            self.names.push(terms);
        }
        // Grids first: the pairs not seen before, looked up (and created) together.
        let mut fresh: HashSet<(&str, &str)> = HashSet::new();
        for (c, g) in &chunk.places {
            if self.grids.cached(c, g).is_none() {
                fresh.insert((c.as_str(), g.as_str()));
            }
        }
        for p in &chunk.rows {
            let pair = (p.row.community.as_str(), p.row.grid.as_str());
            if self.grids.cached(pair.0, pair.1).is_none() {
                fresh.insert(pair);
            }
        }
        if !fresh.is_empty() {
            let pairs = fresh
                .into_iter()
                .map(|(c, g)| (c.to_owned(), g.to_owned()))
                .collect();
            let to_create = self
                .grids
                .look_up(
                    self.app,
                    self.actor,
                    pairs,
                    self.opts.create_missing,
                    self.opts.dry_run,
                )
                .await?;
            if !to_create.is_empty() {
                // Creating them writes through the pool: a held load lets go first.
                if let Some(bulk) = self.bulk.as_mut() {
                    bulk.release().await?;
                }
                self.grids.create(self.app, self.actor, to_create).await?;
            }
        }
        let mut rows = chunk.rows;
        if rows.is_empty() && rejects.is_empty() {
            return Ok(rows);
        }
        // The rows stay where the reader put them; their places go in `slots` beside.
        let mut slots = Vec::with_capacity(rows.len());
        let mut keep = Vec::with_capacity(rows.len());
        for p in &rows {
            let grid = match self.grids.cached(&p.row.community, &p.row.grid) {
                Some(GridRes::Found { id, .. }) => Ok(Some(*id)),
                Some(GridRes::WouldCreate) => Ok(None),
                Some(GridRes::Reject(reason)) => Err(reason.clone()),
                None => Err("grid: could not be found".to_owned()),
            };
            keep.push(grid.is_ok());
            match grid {
                Ok(grid_id) => slots.push(Slots {
                    grid_id,
                    ..Slots::default()
                }),
                Err(reason) => rejects.push(RejectedRow {
                    line: p.line,
                    reason,
                    cells: p.cells.unpack(),
                }),
            }
        }
        if keep.contains(&false) {
            let mut keep = keep.into_iter();
            rows.retain(|_| keep.next().unwrap_or(false));
        }
        sum.rejected += rejects.len() as u64;
        sum.rejects.extend(rejects);
        if self.opts.dry_run {
            self.dry_run(&mut rows, &mut slots, sum).await?;
            rows.clear();
            return Ok(rows);
        }
        // Held outside `self` while a transaction borrows it; an error drops (closes) it.
        let mut bulk = match self.bulk.take() {
            Some(b) => b,
            None => {
                let mut b = self.app.db.bulk_conn().await?;
                if self.held() {
                    b.hold().await?;
                }
                b
            }
        };
        let mut tx = bulk.begin().await?;
        let mut withheld = Vec::new();
        let counts = self.write(&mut tx, &mut rows, slots, &mut withheld).await?;
        let written = counts.0 + counts.1 + counts.2;
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
                    "rows": written,
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
        sum.rejected += withheld.len() as u64;
        sum.rejects.extend(withheld);
        sum.inserted += counts.0;
        sum.updated += counts.1;
        sum.unchanged += counts.2;
        Ok(rows)
    }

    /// Counts what would happen, reading only.
    async fn dry_run(
        &mut self,
        rows: &mut Vec<Prepared>,
        slots: &mut Vec<Slots>,
        sum: &mut ImportSummary,
    ) -> AppResult<()> {
        let mut conn = self.app.db.read().await?;
        let idx: Vec<Vec<u8>> = rows
            .iter()
            .filter_map(|p| p.pii.id_number_idx.clone())
            .collect();
        let stored: HashMap<Vec<u8>, StoredResident> = bulk::residents_by_id_index(&mut conn, &idx)
            .await?
            .into_iter()
            .map(|s| (s.id_number_idx.clone(), s))
            .collect();
        // Rejected as the import would reject them, before anything is counted.
        let mut withheld = Vec::new();
        self.withhold_outside(&stored, rows, slots, &mut withheld)
            .await?;
        sum.rejected += withheld.len() as u64;
        sum.rejects.extend(withheld);
        for (p, slot) in rows.iter().zip(slots.iter()) {
            let key = p.pii.id_number_idx.clone().unwrap_or_default();
            let Some(s) = stored.get(&key) else {
                sum.inserted += 1;
                continue;
            };
            let household = match slot.grid_id {
                Some(g) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = self.places.entry(g) {
                        e.insert(bulk::grid_places(&mut conn, g).await?);
                    }
                    self.places
                        .get(&g)
                        .and_then(|places| household_of(places, p))
                }
                None => None,
            };
            if household.is_some() && diff(s, p, slot.grid_id, household).is_empty() {
                sum.unchanged += 1;
            } else {
                sum.updated += 1;
            }
        }
        Ok(())
    }

    /// Writes one chunk's rows (leaving `rows` empty); returns (inserted, updated,
    /// unchanged). A row matching a resident who lives where the actor may not import
    /// goes to `withheld` instead, before any place is created for it.
    async fn write(
        &mut self,
        tx: &mut BulkTx<'_>,
        rows: &mut Vec<Prepared>,
        mut slots: Vec<Slots>,
        withheld: &mut Vec<RejectedRow>,
    ) -> AppResult<(u64, u64, u64)> {
        let stored: HashMap<Vec<u8>, StoredResident> = if self.first_load {
            HashMap::new()
        } else {
            let idx: Vec<Vec<u8>> = rows
                .iter()
                .filter_map(|p| p.pii.id_number_idx.clone())
                .collect();
            tx.residents_by_id_index(idx)
                .await?
                .into_iter()
                .map(|s| (s.id_number_idx.clone(), s))
                .collect()
        };
        self.withhold_outside(&stored, rows, &mut slots, withheld)
            .await?;
        self.ensure_places(tx, rows, &mut slots).await?;
        // New residents, and what follows their insert: tags, name terms, household.
        let mut new_rows: Vec<ResidentRow> = Vec::with_capacity(rows.len());
        let mut new_extra: Vec<(Vec<String>, u32)> = Vec::with_capacity(rows.len());
        let mut history: Vec<HistoryRow> = Vec::new();
        let mut retag: Vec<i64> = Vec::new();
        let mut tags: Vec<(i64, String)> = Vec::new();
        let mut renamed: Vec<(i64, String)> = Vec::new();
        let (mut updated, mut unchanged) = (0u64, 0u64);
        for (p, slot) in rows.drain(..).zip(slots) {
            let (Some(grid_id), Some(household_id)) = (slot.grid_id, slot.household_id) else {
                continue;
            };
            let found = p.pii.id_number_idx.as_deref().and_then(|k| stored.get(k));
            let Some(s) = found else {
                let Prepared {
                    row, pii, name_no, ..
                } = p;
                new_rows.push(ResidentRow {
                    household_id,
                    grid_id,
                    name: row.name,
                    gender: row.gender.code(),
                    relation: row.relation.code(),
                    residence_status: row.status.code(),
                    pii,
                });
                new_extra.push((row.tags, name_no));
                continue;
            };
            let mut changes = diff(s, &p, Some(grid_id), Some(household_id));
            if changes.is_empty() {
                unchanged += 1;
                continue;
            }
            if let Some(v) = changes.get_mut("phone") {
                *v = json!({"from": self.masked_phone(s), "to": p.row.phone.as_ref().map(Phone::masked)});
            }
            tx.update_resident(s.id, resident_row(&p, grid_id, household_id))
                .await?;
            if changes.contains_key("tags") {
                retag.push(s.id);
                tags.extend(p.row.tags.iter().map(|t| (s.id, t.clone())));
            }
            if changes.contains_key("name") {
                let terms = self.names.terms(p.name_no).map(str::to_owned);
                renamed.push((s.id, terms.unwrap_or_else(|| name_terms(&p.row.name))));
            }
            history.push(HistoryRow {
                subject_type: "resident",
                subject_id: s.id,
                action: "import.update",
                changes: Value::Object(changes).to_string(),
            });
            updated += 1;
        }
        // The new residents name this chunk's import as what created them, instead of
        // each carrying a history entry of its own.
        let batch = if new_rows.is_empty() {
            None
        } else {
            Some(
                tx.insert_batch(
                    self.actor.user_id,
                    self.actor.label.clone(),
                    "import.create",
                    import_reason(self.file_name),
                )
                .await?,
            )
        };
        let ids = match tx.insert_residents(new_rows, batch).await {
            Err(civicgrid_store::StoreError::Conflict(_)) if self.first_load => {
                return Err(crate::AppError::Conflict(
                    "a resident with one of these ID numbers was added while the import ran; \
                     import the file again to merge them"
                        .into(),
                ));
            }
            r => r?,
        };
        let mut named: Vec<(i64, u32)> = Vec::with_capacity(ids.len());
        for (id, (row_tags, name_no)) in ids.iter().zip(new_extra) {
            tags.extend(row_tags.into_iter().map(|t| (*id, t)));
            named.push((*id, name_no));
        }
        tx.replace_tags(retag, tags).await?;
        tx.index_new_residents(&self.names, named).await?;
        if !renamed.is_empty() {
            tx.index_residents(renamed, true).await?;
        }
        if !history.is_empty() {
            write_history(tx, self.actor, self.file_name, history).await?;
        }
        Ok((ids.len() as u64, updated, unchanged))
    }

    /// Takes out of `rows` (and `slots`) each row whose ID number matches a stored
    /// resident living in a grid where the actor may not import, rejecting it with
    /// the reason a row naming such a grid gets: whoever updates or moves a resident
    /// must be allowed to import both where the resident lives and where the row puts
    /// them, and the rejects do not tell that the ID number exists elsewhere. Each
    /// grid is looked up once per import; a first load matches nothing, and the system
    /// actor imports everywhere.
    async fn withhold_outside(
        &mut self,
        stored: &HashMap<Vec<u8>, StoredResident>,
        rows: &mut Vec<Prepared>,
        slots: &mut Vec<Slots>,
        withheld: &mut Vec<RejectedRow>,
    ) -> AppResult<()> {
        if stored.is_empty() || self.actor.is_system() {
            return Ok(());
        }
        let unknown: HashSet<i64> = stored
            .values()
            .map(|s| s.grid_id)
            .filter(|g| !self.old_grids.contains_key(g))
            .collect();
        if !unknown.is_empty() {
            let mut conn = self.app.db.read().await?;
            for g in unknown {
                let may = match civicgrid_store::platform::org::get(&mut conn, g).await {
                    Ok(node) => self.actor.can(Permission::ImportLedger, &node.path),
                    Err(civicgrid_store::StoreError::NotFound) => false,
                    Err(e) => return Err(e.into()),
                };
                self.old_grids.insert(g, may);
            }
        }
        let outside: HashSet<&[u8]> = stored
            .iter()
            .filter(|(_, s)| !self.old_grids.get(&s.grid_id).copied().unwrap_or(false))
            .map(|(k, _)| k.as_slice())
            .collect();
        if outside.is_empty() {
            return Ok(());
        }
        let keep: Vec<bool> = rows
            .iter()
            .map(|p| {
                !p.pii
                    .id_number_idx
                    .as_deref()
                    .is_some_and(|k| outside.contains(k))
            })
            .collect();
        for (p, _) in rows.iter().zip(&keep).filter(|(_, k)| !**k) {
            withheld.push(RejectedRow {
                line: p.line,
                reason: OUTSIDE_PLACES.to_owned(),
                cells: p.cells.unpack(),
            });
        }
        let mut k = keep.iter();
        rows.retain(|_| k.next().copied().unwrap_or(true));
        let mut k = keep.iter();
        slots.retain(|_| k.next().copied().unwrap_or(true));
        Ok(())
    }

    fn masked_phone(&self, s: &StoredResident) -> Option<String> {
        let sealed = s.phone_enc.as_deref()?;
        let keys = &self.app.config.field_keys;
        let plain =
            civicgrid_store::ledger::pii::open_phone(keys, sealed, s.phone_idx.as_deref()).ok()?;
        Some(mask_stored_phone(&plain))
    }

    /// Creates the buildings, units, rooms and households the rows need, and sets
    /// each row's household. Each level is found by borrowed names; only places to
    /// create are copied.
    async fn ensure_places(
        &mut self,
        tx: &mut BulkTx<'_>,
        rows: &[Prepared],
        slots: &mut [Slots],
    ) -> AppResult<()> {
        let mut grids: HashSet<i64> = slots.iter().filter_map(|s| s.grid_id).collect();
        // A grid this load has not written under holds only what is committed: a held
        // load reads it on a pooled connection instead of waiting for its queued writes,
        // or, when it has the database to itself, reads every grid it knows through its
        // own connection at its first chunk, before anything is queued.
        let (app, held, exclusive) = (self.app, self.held(), tx.exclusive());
        if exclusive {
            grids.extend(self.grids.found_ids());
        }
        let mut pooled = None;
        for g in grids {
            if let std::collections::hash_map::Entry::Vacant(e) = self.places.entry(g) {
                let found = if held && !exclusive {
                    let conn = match &mut pooled {
                        Some(c) => c,
                        None => pooled.insert(app.db.read().await?),
                    };
                    bulk::grid_places(conn, g).await?
                } else {
                    tx.grid_places(g).await?
                };
                e.insert(found);
            }
        }
        let places = &mut self.places;
        for level in [Level::Building, Level::Unit, Level::Room] {
            level.ensure(tx, places, rows, slots).await?;
        }
        // Households: one per room and ownership; the first area given wins.
        let mut groups: Vec<((i64, &'static str), i64)> = Vec::new();
        let mut area_of: HashMap<(i64, &'static str), Option<i64>> = HashMap::new();
        for (p, s) in rows.iter().zip(slots.iter()) {
            let (Some(g), Some(room)) = (s.grid_id, s.room) else {
                continue;
            };
            let key = (room, p.row.ownership.code());
            match area_of.get_mut(&key) {
                None => {
                    area_of.insert(key, p.row.area_centi);
                    groups.push((key, g));
                }
                Some(a) if a.is_none() => *a = p.row.area_centi,
                Some(_) => {}
            }
        }
        let mut want: Vec<NewHousehold> = Vec::new();
        let mut areas: Vec<(i64, i64, Option<i64>, Option<i64>)> = Vec::new();
        for ((room, own), g) in groups {
            let area = area_of.get(&(room, own)).copied().flatten();
            let Some(p) = places.get(&g) else { continue };
            match p.household(room, own) {
                Some(h) => {
                    if area.is_some() && area != h.area_centi {
                        areas.push((g, h.id, h.area_centi, area));
                    }
                }
                None => want.push(NewHousehold {
                    room_id: room,
                    grid_id: g,
                    ownership: own.to_owned(),
                    area_centi: area,
                }),
            }
        }
        if !want.is_empty() {
            let grid_of: HashMap<i64, i64> = want.iter().map(|h| (h.room_id, h.grid_id)).collect();
            for ((room, own), id) in tx.insert_households(want).await? {
                let area = area_of.get(&(room, own.as_str())).copied().flatten();
                if let Some(p) = grid_of.get(&room).and_then(|g| places.get_mut(g)) {
                    p.add_household(
                        room,
                        PlacedHousehold {
                            ownership: own,
                            id,
                            area_centi: area,
                        },
                    );
                }
            }
        }
        let mut history = Vec::new();
        for (g, id, old, area) in areas {
            tx.set_household_area(id, area).await?;
            if let Some(h) = places.get_mut(&g).and_then(|p| {
                p.households
                    .values_mut()
                    .flat_map(|hs| hs.iter_mut())
                    .find(|h| h.id == id)
            }) {
                h.area_centi = area;
            }
            history.push(HistoryRow {
                subject_type: "household",
                subject_id: id,
                action: "import.update",
                changes: json!({"area_centi": {"from": old, "to": area}}).to_string(),
            });
        }
        if !history.is_empty() {
            write_history(tx, self.actor, self.file_name, history).await?;
        }
        for (p, s) in rows.iter().zip(slots.iter_mut()) {
            if let (Some(g), Some(room)) = (s.grid_id, s.room) {
                s.household_id = places
                    .get(&g)
                    .and_then(|gp| gp.household(room, p.row.ownership.code()))
                    .map(|h| h.id);
            }
        }
        Ok(())
    }
}

/// A level of places under a grid, each found by its name under its parent: a
/// building under the grid, a unit under the building, a room under the unit.
#[derive(Clone, Copy)]
enum Level {
    Building,
    Unit,
    Room,
}

impl Level {
    /// The row's parent id and name at this level.
    fn key<'r>(self, p: &'r Prepared, s: &Slots) -> Option<(i64, &'r str)> {
        let row = &p.row;
        match self {
            Level::Building => s.grid_id.map(|g| (g, row.building.as_str())),
            Level::Unit => s.building.map(|b| (b, row.unit.as_str())),
            Level::Room => s.unit.map(|u| (u, row.room.as_str())),
        }
    }

    fn slot(self, s: &mut Slots) -> &mut Option<i64> {
        match self {
            Level::Building => &mut s.building,
            Level::Unit => &mut s.unit,
            Level::Room => &mut s.room,
        }
    }

    fn find(self, p: &GridPlaces, parent: i64, name: &str) -> Option<i64> {
        match self {
            Level::Building => p.buildings.get(name).copied(),
            Level::Unit => p.unit(parent, name),
            Level::Room => p.room(parent, name),
        }
    }

    fn add(self, p: &mut GridPlaces, parent: i64, name: String, id: i64) {
        match self {
            Level::Building => {
                p.buildings.insert(name, id);
            }
            Level::Unit => p.add_unit(parent, name, id),
            Level::Room => p.add_room(parent, name, id),
        }
    }

    /// Sets each row's id at this level, creating the places that do not exist yet.
    async fn ensure(
        self,
        tx: &mut BulkTx<'_>,
        places: &mut HashMap<i64, GridPlaces>,
        rows: &[Prepared],
        slots: &mut [Slots],
    ) -> AppResult<()> {
        // Each place to create is copied once, however many rows name it.
        let mut want: Vec<(i64, String)> = Vec::new();
        let mut grid_of: HashMap<i64, i64> = HashMap::new();
        // Per row: `None` where this level does not apply, else the place found.
        let mut found_ids: Vec<Option<Option<i64>>> = Vec::with_capacity(rows.len());
        {
            let mut asked: HashSet<(i64, &str)> = HashSet::new();
            for (r, s) in rows.iter().zip(slots.iter()) {
                let known = s
                    .grid_id
                    .and_then(|g| Some((g, self.key(r, s)?, places.get(&g)?)));
                let Some((g, (parent, name), p)) = known else {
                    found_ids.push(None);
                    continue;
                };
                let found = self.find(p, parent, name);
                if found.is_none() && asked.insert((parent, name)) {
                    want.push((parent, name.to_owned()));
                    grid_of.insert(parent, g);
                }
                found_ids.push(Some(found));
            }
        }
        for (s, found) in slots.iter_mut().zip(found_ids) {
            if let Some(found) = found {
                *self.slot(s) = found;
            }
        }
        if want.is_empty() {
            return Ok(());
        }
        want.sort();
        let created = match self {
            Level::Building => tx.insert_buildings(want).await?,
            Level::Unit => tx.insert_units(want).await?,
            Level::Room => tx.insert_rooms(want).await?,
        };
        for ((parent, name), id) in created {
            if let Some(p) = grid_of.get(&parent).and_then(|g| places.get_mut(g)) {
                self.add(p, parent, name, id);
            }
        }
        for (r, s) in rows.iter().zip(slots.iter_mut()) {
            if self.slot(s).is_some() {
                continue;
            }
            let found = s.grid_id.and_then(|g| places.get(&g)).and_then(|p| {
                self.key(r, s)
                    .and_then(|(parent, name)| self.find(p, parent, name))
            });
            *self.slot(s) = found;
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
    tx.insert_history(
        actor.user_id,
        actor.label.clone(),
        import_reason(file_name),
        rows,
    )
    .await?;
    Ok(())
}

/// Why an import's changes were made, as its history shows.
fn import_reason(file_name: &str) -> String {
    format!("import of {file_name}")
}

/// The household a row names, if its places all exist already.
fn household_of(p: &GridPlaces, r: &Prepared) -> Option<i64> {
    let b = p.buildings.get(r.row.building.as_str())?;
    let u = p.unit(*b, &r.row.unit)?;
    let room = p.room(u, &r.row.room)?;
    p.household(room, r.row.ownership.code()).map(|h| h.id)
}

fn resident_row(p: &Prepared, grid_id: i64, household_id: i64) -> ResidentRow {
    ResidentRow {
        household_id,
        grid_id,
        name: p.row.name.clone(),
        gender: p.row.gender.code(),
        relation: p.row.relation.code(),
        residence_status: p.row.status.code(),
        pii: p.pii.clone(),
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
