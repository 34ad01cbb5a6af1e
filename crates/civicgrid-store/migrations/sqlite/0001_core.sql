-- Platform core: hierarchy, accounts, roles, sessions, tokens, throttling, audit.
-- Times are milliseconds since the Unix epoch, UTC. Flags are 0/1 integers.

CREATE TABLE org_nodes (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES org_nodes(id),
    kind        TEXT NOT NULL CHECK (kind IN ('city','district','street','community','grid')),
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    path        TEXT UNIQUE,
    boundary    TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX org_nodes_parent ON org_nodes(parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE role_assignments (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL,
    node_id     INTEGER NOT NULL REFERENCES org_nodes(id),
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, role, node_id)
);
CREATE INDEX role_assignments_node ON role_assignments(node_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    node_id      INTEGER NOT NULL REFERENCES org_nodes(id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at_ms          BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor_token_id BIGINT,
    actor_label    TEXT NOT NULL,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    scope_path     TEXT,
    reason         TEXT,
    details        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);
CREATE INDEX audit_log_scope ON audit_log(scope_path);

-- The head of the chain: one row, updated by every append, which serialises appends.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
