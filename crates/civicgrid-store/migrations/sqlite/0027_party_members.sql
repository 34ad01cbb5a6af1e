-- Party members registering where they live (在职党员到社区报到) and their pledges for
-- the year (承诺践诺). Times are milliseconds since the Unix epoch, UTC; dates are
-- `YYYY-MM-DD` text in the community's time.

-- One registration per ledger record. `scope_path` is the grid where the member lives
-- (who may see it); `organisation` the party organisation of their employer.
CREATE TABLE party_members (
    id             INTEGER PRIMARY KEY,
    resident_id    BIGINT NOT NULL REFERENCES residents(id),
    user_id        BIGINT REFERENCES users(id),
    community_id   BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path     TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_reason  TEXT,
    public_badge   BIGINT NOT NULL DEFAULT 0,
    confirmed_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX party_members_resident ON party_members(resident_id);
CREATE INDEX party_members_scope ON party_members(scope_path, id);
CREATE INDEX party_members_community ON party_members(community_id, status);
CREATE INDEX party_members_user ON party_members(user_id);

-- `target` and a note's `amount` are times, or minutes for a volunteering pledge.
CREATE TABLE party_pledges (
    id          INTEGER PRIMARY KEY,
    member_id   BIGINT NOT NULL REFERENCES party_members(id),
    year        BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    target      BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX party_pledges_member ON party_pledges(member_id, year);

-- Notes of fulfilment with their evidence: appended only.
CREATE TABLE party_pledge_notes (
    id           INTEGER PRIMARY KEY,
    pledge_id    BIGINT NOT NULL REFERENCES party_pledges(id),
    on_date      TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    text         TEXT NOT NULL,
    recorded_by  BIGINT REFERENCES users(id),
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX party_pledge_notes_pledge ON party_pledge_notes(pledge_id, id);

-- Requests a member helped resolve, linked by staff.
CREATE TABLE party_request_links (
    member_id   BIGINT NOT NULL REFERENCES party_members(id),
    request_id  BIGINT NOT NULL REFERENCES requests(id),
    linked_by   BIGINT REFERENCES users(id),
    linked_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, request_id)
);

-- A member's care visits of a year are counted by carer.
CREATE INDEX care_visits_carer ON care_visits(carer_user_id, visited_at);
