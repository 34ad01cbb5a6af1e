-- Care pairings and visits (结对帮扶, 走访). A community's visit policies say how often
-- and how residents holding a care tag are visited; a pairing joins a vulnerable
-- resident (or their whole household) to one or more carers (accounts) and carries its
-- schedule on its own row: `next_due_at` (NULL once it ended) and the alert ladder's
-- state, so that a grid's due list is one range of (grid_id, next_due_at). Visits keep
-- their notes sealed (notes_enc, see FieldKeys::seal_bytes). Alerts are keyed by
-- (pairing, due time, level): the alert job raises each once however often it runs.
-- Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE care_policies (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES org_nodes(id),
    tag_code      TEXT NOT NULL REFERENCES tag_catalogue(code),
    with_tag      TEXT NOT NULL DEFAULT '',
    level         BIGINT NOT NULL,
    cadence_days  BIGINT NOT NULL,
    mode          TEXT NOT NULL,
    updated_by    BIGINT REFERENCES users(id),
    updated_at    BIGINT NOT NULL,
    CONSTRAINT care_policies_rule UNIQUE (community_id, tag_code, with_tag)
);

CREATE TABLE care_pairings (
    id               INTEGER PRIMARY KEY,
    community_id     BIGINT NOT NULL REFERENCES org_nodes(id),
    grid_id          BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path       TEXT NOT NULL,
    resident_id      BIGINT NOT NULL REFERENCES residents(id),
    household_id     BIGINT REFERENCES households(id),
    policy_id        BIGINT REFERENCES care_policies(id),
    level            BIGINT NOT NULL,
    cadence_days     BIGINT NOT NULL,
    mode             TEXT NOT NULL,
    overridden       BIGINT NOT NULL DEFAULT 0,
    active           BIGINT NOT NULL DEFAULT 1,
    next_due_at      BIGINT,
    retry_at         BIGINT,
    alert_level      BIGINT NOT NULL DEFAULT 0,
    next_alert_at    BIGINT,
    red              BIGINT NOT NULL DEFAULT 0,
    red_at           BIGINT,
    last_visit_at    BIGINT,
    last_reached_at  BIGINT,
    started_at       BIGINT NOT NULL,
    ended_at         BIGINT,
    end_reason       TEXT,
    created_by       BIGINT REFERENCES users(id),
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX care_pairings_grid_due ON care_pairings(grid_id, next_due_at);
CREATE INDEX care_pairings_community ON care_pairings(community_id, active);
CREATE INDEX care_pairings_next_alert ON care_pairings(next_alert_at);
CREATE INDEX care_pairings_red_at ON care_pairings(red_at);
CREATE UNIQUE INDEX care_pairings_one_active ON care_pairings(resident_id) WHERE active = 1;

CREATE TABLE care_pairing_carers (
    pairing_id  BIGINT NOT NULL REFERENCES care_pairings(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (pairing_id, user_id)
);
CREATE INDEX care_pairing_carers_user ON care_pairing_carers(user_id, pairing_id);

CREATE TABLE care_visits (
    id             INTEGER PRIMARY KEY,
    pairing_id     BIGINT NOT NULL REFERENCES care_pairings(id),
    resident_id    BIGINT NOT NULL REFERENCES residents(id),
    carer_user_id  BIGINT REFERENCES users(id),
    visited_at     BIGINT NOT NULL,
    due_at         BIGINT,
    mode           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    notes_enc      BLOB,
    request_id     BIGINT REFERENCES requests(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX care_visits_pairing ON care_visits(pairing_id, visited_at);

CREATE TABLE care_visit_photos (
    id            INTEGER PRIMARY KEY,
    visit_id      BIGINT NOT NULL REFERENCES care_visits(id),
    content_type  TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    width         BIGINT,
    height        BIGINT,
    uploaded_by   BIGINT REFERENCES users(id),
    uploaded_at   BIGINT NOT NULL
);
CREATE INDEX care_visit_photos_visit ON care_visit_photos(visit_id);

CREATE TABLE care_visit_photo_data (
    photo_id  BIGINT PRIMARY KEY REFERENCES care_visit_photos(id),
    data      BLOB NOT NULL
);

CREATE TABLE care_alerts (
    id           INTEGER PRIMARY KEY,
    pairing_id   BIGINT NOT NULL REFERENCES care_pairings(id),
    due_at       BIGINT NOT NULL,
    level        BIGINT NOT NULL,
    raised_at    BIGINT NOT NULL,
    cleared_at   BIGINT,
    CONSTRAINT care_alerts_once UNIQUE (pairing_id, due_at, level)
);
CREATE INDEX care_alerts_open ON care_alerts(cleared_at, pairing_id);
