-- Residents' ID numbers stay unique through a named index (as on SQLite, where the
-- table's own UNIQUE constraint could not be dropped for a first load to build it once).
CREATE UNIQUE INDEX IF NOT EXISTS residents_id_number ON residents(id_number_idx);
ALTER TABLE residents DROP CONSTRAINT IF EXISTS residents_id_number_idx_key;
