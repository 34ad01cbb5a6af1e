-- Notices (通知公告): written by staff for a street, community or grid, narrowed to
-- residents with ledger tags, role holders or an estate's owners; on publishing the
-- audience is frozen as recipients, one per household (or per account for role
-- holders), each a read receipt that the grid worker completes by a visit or a call.
-- Times are milliseconds since the Unix epoch, UTC; flags are 0/1 integers.

CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    node_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    title_zh      TEXT,
    body_zh       TEXT,
    title_en      TEXT,
    body_en       TEXT,
    target        TEXT NOT NULL,
    target_values TEXT NOT NULL DEFAULT '',
    estate_id     BIGINT REFERENCES estates(id),
    pinned        BIGINT NOT NULL DEFAULT 0,
    important     BIGINT NOT NULL DEFAULT 0,
    read_by       BIGINT,
    expires_at    BIGINT,
    state         TEXT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    published_at  BIGINT,
    withdrawn_at  BIGINT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX notices_scope ON notices(scope_path, state);

-- The frozen audience: a household (with its grid and building, for coverage and the
-- grid worker's follow-up) or an account (role holders). `reading` is how it was read
-- (online, in_person, phone) or not_reached; `read_at` is set only once it was read.
CREATE TABLE notice_recipients (
    id            INTEGER PRIMARY KEY,
    notice_id     BIGINT NOT NULL REFERENCES notices(id),
    household_id  BIGINT REFERENCES households(id),
    user_id       BIGINT REFERENCES users(id),
    node_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    node_path     TEXT NOT NULL,
    building_id   BIGINT REFERENCES buildings(id),
    reading       TEXT,
    read_at       BIGINT,
    read_by_user  BIGINT REFERENCES users(id),
    followed_at   BIGINT,
    followed_by   BIGINT REFERENCES users(id),
    UNIQUE (notice_id, household_id),
    UNIQUE (notice_id, user_id)
);
CREATE INDEX notice_recipients_household ON notice_recipients(household_id);
CREATE INDEX notice_recipients_user ON notice_recipients(user_id);
CREATE INDEX notice_recipients_path ON notice_recipients(node_path, notice_id);
