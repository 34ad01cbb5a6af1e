-- no-transaction
-- Residents' ID numbers stay unique through a named index instead of the table's own
-- UNIQUE constraint, which SQLite cannot drop: a first load held in one transaction can
-- then build it once at the end like the other indexes. SQLite changes a constraint by
-- copying the table (its documented procedure, foreign keys off for the copy, which
-- keeps every id). Personal data columns are declared as the bytes they hold. Safe to
-- run again: it starts from the table as it is.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE IF EXISTS residents_copy;
CREATE TABLE residents_copy (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER REFERENCES households(id),
    grid_id          INTEGER NOT NULL REFERENCES org_nodes(id),
    name             TEXT NOT NULL,
    gender           TEXT NOT NULL CHECK (gender IN ('male','female')),
    birth_ym         BIGINT NOT NULL,
    birth_date_enc   BLOB NOT NULL,
    id_number_enc    BLOB,
    id_number_idx    BLOB,
    phone_enc        BLOB,
    phone_idx        BLOB,
    phone_last4_idx  BLOB,
    relation         TEXT NOT NULL,
    residence_status TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
INSERT INTO residents_copy (id, household_id, grid_id, name, gender, birth_ym,
    birth_date_enc, id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx,
    relation, residence_status, created_at, updated_at, version)
SELECT id, household_id, grid_id, name, gender, birth_ym, birth_date_enc, id_number_enc,
    id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, residence_status,
    created_at, updated_at, version
FROM residents ORDER BY id;
DROP TABLE residents;
ALTER TABLE residents_copy RENAME TO residents;
CREATE UNIQUE INDEX residents_id_number ON residents(id_number_idx);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_phone_keys ON residents(phone_last4_idx, phone_idx);
CREATE INDEX residents_population ON residents(grid_id, residence_status, gender, birth_ym);
COMMIT;
PRAGMA foreign_keys = ON;
