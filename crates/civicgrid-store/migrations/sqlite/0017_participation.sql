-- Co-governance: estates (物业管理区域) with their buildings, property company and
-- room owners; votes with their frozen electorate, ballots and proxies. Times are
-- milliseconds since the Unix epoch, UTC; areas are hundredths of a square metre.

CREATE TABLE estates (
    id               INTEGER PRIMARY KEY,
    community_id     BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path       TEXT NOT NULL,
    name             TEXT NOT NULL,
    property_org_id  BIGINT REFERENCES responder_orgs(id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (community_id, name)
);
CREATE INDEX estates_scope ON estates(scope_path);

-- A building belongs to at most one estate.
CREATE TABLE estate_buildings (
    estate_id   BIGINT NOT NULL REFERENCES estates(id),
    building_id BIGINT NOT NULL REFERENCES buildings(id) UNIQUE,
    PRIMARY KEY (estate_id, building_id)
);

-- Who owns a room when the ledger's households do not say it: an owner living
-- elsewhere (the room is let), or the developer (not sold or delivered).
CREATE TABLE room_owners (
    room_id           BIGINT NOT NULL PRIMARY KEY REFERENCES rooms(id),
    owner_resident_id BIGINT REFERENCES residents(id),
    updated_at        BIGINT NOT NULL
);

CREATE TABLE votes (
    id            INTEGER PRIMARY KEY,
    node_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    estate_id     BIGINT REFERENCES estates(id),
    kind          TEXT NOT NULL,
    electorate    TEXT NOT NULL,
    spec          TEXT NOT NULL,
    title         TEXT NOT NULL,
    state         TEXT NOT NULL,
    closes_at     BIGINT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    opened_at     BIGINT,
    closed_at     BIGINT,
    total_area    BIGINT NOT NULL DEFAULT 0,
    total_heads   BIGINT NOT NULL DEFAULT 0,
    result        TEXT,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX votes_scope ON votes(scope_path, state);

-- The electorate, frozen when the vote opens: a resident, a household or an owner
-- (key 0: the developer), with the area it holds (0 outside owners' votes).
CREATE TABLE vote_voters (
    vote_id     BIGINT NOT NULL REFERENCES votes(id),
    voter_key   BIGINT NOT NULL,
    area_centi  BIGINT NOT NULL,
    PRIMARY KEY (vote_id, voter_key)
);

-- An owners' vote's exclusive parts: which owner holds each room, and its area.
CREATE TABLE vote_parts (
    vote_id     BIGINT NOT NULL REFERENCES votes(id),
    room_id     BIGINT NOT NULL REFERENCES rooms(id),
    building_id BIGINT NOT NULL,
    voter_key   BIGINT NOT NULL,
    area_centi  BIGINT NOT NULL,
    PRIMARY KEY (vote_id, room_id)
);
CREATE INDEX vote_parts_voter ON vote_parts(vote_id, voter_key);

-- Each voter's standing ballot; a later one replaces it until the close.
CREATE TABLE ballots (
    vote_id      BIGINT NOT NULL REFERENCES votes(id),
    voter_key    BIGINT NOT NULL,
    choice       TEXT NOT NULL,
    agrees       BIGINT NOT NULL,
    channel      TEXT NOT NULL,
    cast_by      BIGINT REFERENCES users(id),
    collector    TEXT,
    cast_at      BIGINT NOT NULL,
    replaced     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, voter_key)
);

-- Every ballot ever cast, replacements included, for the auditor.
CREATE TABLE ballot_history (
    id         INTEGER PRIMARY KEY,
    vote_id    BIGINT NOT NULL REFERENCES votes(id),
    voter_key  BIGINT NOT NULL,
    choice     TEXT NOT NULL,
    channel    TEXT NOT NULL,
    cast_by    BIGINT REFERENCES users(id),
    collector  TEXT,
    cast_at    BIGINT NOT NULL
);
CREATE INDEX ballot_history_vote ON ballot_history(vote_id, voter_key);

-- A proxy (委托书): one holder per voter, revocable until the close.
CREATE TABLE vote_proxies (
    vote_id            BIGINT NOT NULL REFERENCES votes(id),
    voter_key          BIGINT NOT NULL,
    holder_resident_id BIGINT NOT NULL REFERENCES residents(id),
    granted_at         BIGINT NOT NULL,
    recorded_by        BIGINT REFERENCES users(id),
    PRIMARY KEY (vote_id, voter_key)
);
CREATE INDEX vote_proxies_holder ON vote_proxies(vote_id, holder_resident_id);
