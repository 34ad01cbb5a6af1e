-- Indexes for ledger search and the population summary.
-- Search by room or building name ("302", "3栋") starts from the name.
CREATE INDEX rooms_name ON rooms(name);
CREATE INDEX buildings_name ON buildings(name);
-- Residents with a tag, in id order, without visiting the tag table's rows.
CREATE INDEX resident_tags_tag_resident ON resident_tags(tag_code, resident_id);
-- The population summary counts from this index alone (no table rows read).
CREATE INDEX residents_population ON residents(grid_id, residence_status, gender, birth_ym);
-- It starts with (grid_id, residence_status), so that older index is no longer needed.
DROP INDEX residents_grid;
-- Status alone is not selective (most residents are registered) and led SQLite to scan
-- every present resident of the city for a community's summary.
DROP INDEX residents_status;
