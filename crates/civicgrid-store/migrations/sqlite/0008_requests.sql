-- Resident requests ("small things", 身边小事): the category catalogue, responder
-- organisations and their members, routing rules, the requests with their deadlines
-- and escalation, the timeline, photos, Open311 tokens, the residents' inbox and the
-- outbox of notifications. Times are milliseconds since the Unix epoch, UTC; flags are
-- 0/1 integers; points are WGS-84 degrees × 10^7 as integers.

-- The catalogue; seeded lazily with the domain's defaults.
CREATE TABLE request_categories (
    code               TEXT PRIMARY KEY,
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    party_kind         TEXT NOT NULL,
    response_minutes   BIGINT NOT NULL,
    resolution_minutes BIGINT NOT NULL,
    public             BIGINT NOT NULL DEFAULT 0,
    active             BIGINT NOT NULL DEFAULT 1,
    position           BIGINT NOT NULL DEFAULT 0
);

-- Settings of the requests capability as JSON: the business calendar, SLA, escalation,
-- rating and duplicate policies.
CREATE TABLE request_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Property companies, owners' committees, police stations, urban management, utilities.
CREATE TABLE responder_orgs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    node_id    BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX responder_orgs_scope ON responder_orgs(scope_path);

CREATE TABLE responder_members (
    org_id     BIGINT NOT NULL REFERENCES responder_orgs(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX responder_members_user ON responder_members(user_id);

-- category × scope → party (org:<id> or role:<role>); NULL category: any category.
CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    category   TEXT,
    node_id    BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path TEXT NOT NULL,
    party      TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_scope ON routing_rules(scope_path);

CREATE TABLE requests (
    id                    INTEGER PRIMARY KEY,
    category              TEXT NOT NULL REFERENCES request_categories(code),
    channel               TEXT NOT NULL,
    description           TEXT NOT NULL,
    grid_id               BIGINT NOT NULL REFERENCES org_nodes(id),
    community_id          BIGINT NOT NULL REFERENCES org_nodes(id),
    path                  TEXT NOT NULL,
    building_id           BIGINT REFERENCES buildings(id),
    room_id               BIGINT REFERENCES rooms(id),
    lon_e7                BIGINT,
    lat_e7                BIGINT,
    address               TEXT NOT NULL DEFAULT '',
    requester_user_id     BIGINT REFERENCES users(id),
    requester_resident_id BIGINT REFERENCES residents(id),
    contact_name          TEXT,
    contact_phone_enc     TEXT,
    contact_phone_idx     TEXT,
    intake_user_id        BIGINT REFERENCES users(id),
    intake_token_id       BIGINT,
    status                TEXT NOT NULL,
    held_from             TEXT,
    open                  BIGINT NOT NULL,
    party                 TEXT NOT NULL,
    assignee_user_id      BIGINT REFERENCES users(id),
    routed_rule_id        BIGINT,
    escalation_level      BIGINT NOT NULL DEFAULT 0,
    next_step_at          BIGINT,
    response_warn_at      BIGINT NOT NULL,
    response_due_at       BIGINT NOT NULL,
    resolution_warn_at    BIGINT NOT NULL,
    resolution_due_at     BIGINT NOT NULL,
    warn_at               BIGINT,
    due_at                BIGINT,
    held_at               BIGINT,
    responded_at          BIGINT,
    resolved_at           BIGINT,
    closed_at             BIGINT,
    rating                BIGINT,
    rating_comment        TEXT,
    rated_at              BIGINT,
    flagged               BIGINT NOT NULL DEFAULT 0,
    return_visit          BIGINT NOT NULL DEFAULT 0,
    return_visit_at       BIGINT,
    public                BIGINT NOT NULL DEFAULT 0,
    duplicate_of          BIGINT REFERENCES requests(id),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    version               BIGINT NOT NULL DEFAULT 1
);
-- Work queues read only open requests, earliest due first.
CREATE INDEX requests_party_queue ON requests(party, due_at, id) WHERE open = 1;
CREATE INDEX requests_assignee_queue ON requests(assignee_user_id, due_at, id) WHERE open = 1;
CREATE INDEX requests_path_queue ON requests(path, due_at, id) WHERE open = 1;
CREATE INDEX requests_overdue ON requests(due_at, id) WHERE open = 1;
-- Every request of a scope by status (including done ones), newest first.
CREATE INDEX requests_path_status ON requests(path, status, id);
CREATE INDEX requests_next_step ON requests(next_step_at) WHERE next_step_at IS NOT NULL;
CREATE INDEX requests_requester ON requests(requester_user_id, id);
CREATE INDEX requests_resident ON requests(requester_resident_id);
CREATE INDEX requests_community_created ON requests(community_id, created_at);
CREATE INDEX requests_contact_phone ON requests(contact_phone_idx);
CREATE INDEX requests_resolved ON requests(resolved_at) WHERE status = 'resolved';
CREATE INDEX requests_duplicate_of ON requests(duplicate_of);

-- The timeline: every transition, assignment, comment, escalation and rating.
CREATE TABLE request_events (
    id             INTEGER PRIMARY KEY,
    request_id     BIGINT NOT NULL REFERENCES requests(id),
    at_ms          BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    from_status    TEXT,
    to_status      TEXT,
    actor_user_id  BIGINT,
    actor_token_id BIGINT,
    actor_label    TEXT NOT NULL,
    actor_role     TEXT,
    party          TEXT,
    related_id     BIGINT,
    note           TEXT,
    visible        BIGINT NOT NULL
);
CREATE INDEX request_events_request ON request_events(request_id, id);

-- Photos' metadata; the bytes sit in request_photo_data so that listings stay small
-- and every instance behind a load balancer sees the same files.
CREATE TABLE request_photos (
    id            INTEGER PRIMARY KEY,
    request_id    BIGINT NOT NULL REFERENCES requests(id),
    stage         TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    width         BIGINT,
    height        BIGINT,
    uploaded_by   BIGINT,
    uploaded_at   BIGINT NOT NULL
);
CREATE INDEX request_photos_request ON request_photos(request_id, id);

CREATE TABLE request_photo_data (
    photo_id BIGINT PRIMARY KEY REFERENCES request_photos(id),
    data     BLOB NOT NULL
);

-- Open311 GeoReport v2 tokens handed to clients that posted a request.
CREATE TABLE request_open311_tokens (
    token      TEXT PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    created_at BIGINT NOT NULL
);

-- A resident's in-app inbox: one line per change of their request.
CREATE TABLE request_inbox (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    request_id BIGINT NOT NULL REFERENCES requests(id),
    event_id   BIGINT NOT NULL REFERENCES request_events(id),
    at_ms      BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX request_inbox_user ON request_inbox(user_id, id);
CREATE INDEX request_inbox_unread ON request_inbox(user_id) WHERE read_at IS NULL;

-- Notifications for outbound channels (webhook, SMTP), written in the transaction of
-- the change and delivered afterwards. The payload holds no personal data.
CREATE TABLE request_outbox (
    id           INTEGER PRIMARY KEY,
    at_ms        BIGINT NOT NULL,
    request_id   BIGINT NOT NULL REFERENCES requests(id),
    event_id     BIGINT NOT NULL REFERENCES request_events(id),
    recipient    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending',
    attempts     BIGINT NOT NULL DEFAULT 0,
    delivered_at BIGINT
);
CREATE INDEX request_outbox_pending ON request_outbox(id) WHERE state = 'pending';
