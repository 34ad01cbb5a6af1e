-- Commitments (落实事项): what a decision promised, followed to delivery on a public
-- page. A commitment has one source; today that is a vote that closed and passed
-- (`vote_id`); other sources (council meeting items) come as columns of their own in
-- later migrations. Its owner is a responder organisation serving the community, or,
-- when `owner_org_id` is NULL, the community's own staff. Times are milliseconds since
-- the Unix epoch, UTC; dates are `YYYY-MM-DD` text; amounts are fen (分).

CREATE TABLE commitments (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    vote_id       BIGINT REFERENCES votes(id),
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    owner_org_id  BIGINT REFERENCES responder_orgs(id),
    state         TEXT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX commitments_scope ON commitments(scope_path, id);
CREATE INDEX commitments_vote ON commitments(vote_id);
CREATE INDEX commitments_owner ON commitments(owner_org_id);

CREATE TABLE commitment_milestones (
    id             INTEGER PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    title          TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    done_on        TEXT,
    done_by        BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX commitment_milestones_commitment ON commitment_milestones(commitment_id, due_on);

-- Progress updates, written by staff or the owner's members.
CREATE TABLE commitment_updates (
    id             INTEGER PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    body           TEXT NOT NULL,
    posted_by      BIGINT REFERENCES users(id),
    posted_at      BIGINT NOT NULL
);
CREATE INDEX commitment_updates_commitment ON commitment_updates(commitment_id, id);

-- Photos of an update, checked and stripped of metadata as requests' photos are; the
-- bytes sit in commitment_photo_data so that listings stay small.
CREATE TABLE commitment_photos (
    id             INTEGER PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    update_id      BIGINT REFERENCES commitment_updates(id),
    content_type   TEXT NOT NULL,
    byte_len       BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    width          BIGINT,
    height         BIGINT,
    uploaded_by    BIGINT REFERENCES users(id),
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX commitment_photos_commitment ON commitment_photos(commitment_id, id);

CREATE TABLE commitment_photo_data (
    photo_id  BIGINT PRIMARY KEY REFERENCES commitment_photos(id),
    data      BLOB NOT NULL
);

-- Resident requests that the commitment answers (of the same community).
CREATE TABLE commitment_requests (
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    request_id     BIGINT NOT NULL REFERENCES requests(id),
    linked_by      BIGINT REFERENCES users(id),
    linked_at      BIGINT NOT NULL,
    PRIMARY KEY (commitment_id, request_id)
);

CREATE TABLE commitment_spending (
    id             INTEGER PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    what           TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL,
    spent_on       TEXT NOT NULL,
    payer          TEXT NOT NULL,
    recorded_by    BIGINT REFERENCES users(id),
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX commitment_spending_commitment ON commitment_spending(commitment_id, id);

-- The public history: one line per change (created, edited, state, milestone added or
-- ticked, update posted, request linked, spending recorded), in time order. `details`
-- is JSON of what the page needs to say it in words.
CREATE TABLE commitment_events (
    id             INTEGER PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES commitments(id),
    kind           TEXT NOT NULL,
    details        TEXT NOT NULL DEFAULT '{}',
    actor_user_id  BIGINT REFERENCES users(id),
    at             BIGINT NOT NULL
);
CREATE INDEX commitment_events_commitment ON commitment_events(commitment_id, id);
