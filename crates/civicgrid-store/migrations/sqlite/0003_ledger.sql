-- Household ledger (一房一户): buildings → units → rooms, households, residents, tags,
-- change history. Personal data (ID number, phone, exact birth date) is stored only
-- encrypted (*_enc) with keyed blind indexes (*_idx) for exact-match lookups.
-- Areas are hundredths of a square metre (BIGINT) so sums are exact.

CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    grid_id     INTEGER NOT NULL REFERENCES org_nodes(id),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (grid_id, name)
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    name        TEXT NOT NULL,
    UNIQUE (building_id, name)
);

CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    name        TEXT NOT NULL,
    floor       BIGINT,
    UNIQUE (unit_id, name)
);

CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES rooms(id),
    grid_id      INTEGER NOT NULL REFERENCES org_nodes(id),
    ownership    TEXT NOT NULL CHECK (ownership IN ('owner','tenant')),
    area_centi   BIGINT,
    active       BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX households_room ON households(room_id);
CREATE INDEX households_grid ON households(grid_id);

CREATE TABLE residents (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER REFERENCES households(id),
    grid_id          INTEGER NOT NULL REFERENCES org_nodes(id),
    name             TEXT NOT NULL,
    gender           TEXT NOT NULL CHECK (gender IN ('male','female')),
    birth_ym         BIGINT NOT NULL,
    birth_date_enc   TEXT NOT NULL,
    id_number_enc    TEXT,
    id_number_idx    TEXT UNIQUE,
    phone_enc        TEXT,
    phone_idx        TEXT,
    phone_last4_idx  TEXT,
    relation         TEXT NOT NULL,
    residence_status TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_grid ON residents(grid_id, residence_status);
CREATE INDEX residents_phone ON residents(phone_idx);
CREATE INDEX residents_phone_last4 ON residents(phone_last4_idx);
CREATE INDEX residents_name ON residents(name);
CREATE INDEX residents_status ON residents(residence_status);

CREATE TABLE tag_catalogue (
    code     TEXT PRIMARY KEY,
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    care     BIGINT NOT NULL DEFAULT 0,
    derived  BIGINT NOT NULL DEFAULT 0,
    active   BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE resident_tags (
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    tag_code    TEXT NOT NULL REFERENCES tag_catalogue(code),
    PRIMARY KEY (resident_id, tag_code)
);
CREATE INDEX resident_tags_tag ON resident_tags(tag_code);

-- Every change to a resident, household or room: who, when, what, why.
CREATE TABLE ledger_history (
    id            INTEGER PRIMARY KEY,
    subject_type  TEXT NOT NULL,
    subject_id    BIGINT NOT NULL,
    at_ms         BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_label   TEXT NOT NULL,
    action        TEXT NOT NULL,
    reason        TEXT,
    changes       TEXT NOT NULL
);
CREATE INDEX ledger_history_subject ON ledger_history(subject_type, subject_id);

-- A signed-in resident's link to their own ledger record.
ALTER TABLE users ADD COLUMN resident_id BIGINT REFERENCES residents(id);
