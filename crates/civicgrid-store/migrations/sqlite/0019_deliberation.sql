-- Deliberation (议事协商): proposals raised in a community or grid, their supporters,
-- moderated comments and photos; each community's support rules; and the residents'
-- council's meetings with their agenda items and outcomes. Times are milliseconds
-- since the Unix epoch, UTC; money is fen.

-- How much support within how many days puts a proposal on the agenda (a community
-- without a row uses the default: 10 within 30 days).
CREATE TABLE deliberation_rules (
    community_id  BIGINT NOT NULL PRIMARY KEY REFERENCES org_nodes(id),
    threshold     BIGINT NOT NULL,
    window_days   BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- `threshold` and `deadline_at` are fixed when it is raised; `supporters` is kept
-- with every support in the same transaction.
CREATE TABLE proposals (
    id                 INTEGER PRIMARY KEY,
    node_id            BIGINT NOT NULL REFERENCES org_nodes(id),
    community_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path         TEXT NOT NULL,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL,
    reason             TEXT NOT NULL,
    cost_fen           BIGINT,
    state              TEXT NOT NULL,
    author_user_id     BIGINT NOT NULL REFERENCES users(id),
    threshold          BIGINT NOT NULL,
    deadline_at        BIGINT NOT NULL,
    supporters         BIGINT NOT NULL DEFAULT 0,
    vote_id            BIGINT REFERENCES votes(id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX proposals_scope ON proposals(scope_path, state);
CREATE INDEX proposals_community ON proposals(community_id, state);

CREATE TABLE proposal_supports (
    proposal_id  BIGINT NOT NULL REFERENCES proposals(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);

-- A removed comment keeps its text (for the auditor) and the moderator's reason.
CREATE TABLE proposal_comments (
    id              INTEGER PRIMARY KEY,
    proposal_id     BIGINT NOT NULL REFERENCES proposals(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    removed_at      BIGINT,
    removed_by      BIGINT REFERENCES users(id),
    removal_reason  TEXT,
    removal_note    TEXT
);
CREATE INDEX proposal_comments_proposal ON proposal_comments(proposal_id, id);

CREATE TABLE proposal_photos (
    id            INTEGER PRIMARY KEY,
    proposal_id   BIGINT NOT NULL REFERENCES proposals(id),
    content_type  TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    width         BIGINT,
    height        BIGINT,
    uploaded_by   BIGINT REFERENCES users(id),
    uploaded_at   BIGINT NOT NULL,
    data          BLOB NOT NULL
);
CREATE INDEX proposal_photos_proposal ON proposal_photos(proposal_id);

-- A residents' council meeting (居民议事会); attendees one per line.
CREATE TABLE council_meetings (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    title         TEXT NOT NULL,
    held_at       BIGINT NOT NULL,
    place         TEXT NOT NULL,
    state         TEXT NOT NULL,
    attendees     TEXT NOT NULL DEFAULT '',
    minutes       TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX council_meetings_scope ON council_meetings(scope_path, held_at);

-- An agenda item: a proposal, or a matter staff named; its outcome once held.
CREATE TABLE meeting_items (
    id            INTEGER PRIMARY KEY,
    meeting_id    BIGINT NOT NULL REFERENCES council_meetings(id),
    position      BIGINT NOT NULL,
    proposal_id   BIGINT REFERENCES proposals(id),
    title         TEXT NOT NULL,
    outcome       TEXT,
    outcome_note  TEXT NOT NULL DEFAULT '',
    UNIQUE (meeting_id, proposal_id)
);
CREATE INDEX meeting_items_proposal ON meeting_items(proposal_id);
