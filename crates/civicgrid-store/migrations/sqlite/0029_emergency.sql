-- Emergency mode (应急管理): plans per community or street and hazard with their duty
-- roster, activations (a community switched into emergency or a drill), the checklist
-- of each activation and its incident log. Times are milliseconds since the Unix
-- epoch, UTC; lists of codes are stored as `,code,code,`, lists of lines joined by a
-- newline.

CREATE TABLE emergency_plans (
    id                         INTEGER PRIMARY KEY,
    node_id                    BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path                 TEXT NOT NULL,
    hazard                     TEXT NOT NULL,
    title                      TEXT NOT NULL,
    steps                      TEXT NOT NULL,
    urgent_categories          TEXT NOT NULL,
    urgent_response_minutes    BIGINT NOT NULL,
    urgent_resolution_minutes  BIGINT NOT NULL,
    check_tags                 TEXT NOT NULL,
    materials                  TEXT NOT NULL,
    updated_by                 BIGINT REFERENCES users(id),
    updated_at                 BIGINT NOT NULL
);
CREATE UNIQUE INDEX emergency_plans_node_hazard ON emergency_plans(node_id, hazard);
CREATE INDEX emergency_plans_scope ON emergency_plans(scope_path);

-- Who is on call under a plan, in order.
CREATE TABLE emergency_duty (
    plan_id   BIGINT NOT NULL REFERENCES emergency_plans(id),
    position  BIGINT NOT NULL,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    duty      TEXT NOT NULL,
    contact   TEXT NOT NULL,
    PRIMARY KEY (plan_id, position)
);

-- One running activation per community (`ended_at` empty); the plan's urgent
-- categories and deadlines are copied at the start, so editing the plan later does
-- not change a running emergency.
CREATE TABLE emergency_activations (
    id                         INTEGER PRIMARY KEY,
    community_id               BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path                 TEXT NOT NULL,
    kind                       TEXT NOT NULL,
    hazard                     TEXT NOT NULL,
    level                      TEXT NOT NULL,
    reason                     TEXT NOT NULL,
    plan_id                    BIGINT REFERENCES emergency_plans(id),
    urgent_categories          TEXT NOT NULL,
    urgent_response_minutes    BIGINT NOT NULL,
    urgent_resolution_minutes  BIGINT NOT NULL,
    started_by                 BIGINT REFERENCES users(id),
    started_at                 BIGINT NOT NULL,
    ended_by                   BIGINT REFERENCES users(id),
    ended_at                   BIGINT,
    closing_note               TEXT
);
CREATE UNIQUE INDEX emergency_activations_running ON emergency_activations(community_id)
    WHERE ended_at IS NULL;
CREATE INDEX emergency_activations_scope ON emergency_activations(scope_path, id);

CREATE TABLE emergency_checklist (
    activation_id  BIGINT NOT NULL REFERENCES emergency_activations(id),
    position       BIGINT NOT NULL,
    text           TEXT NOT NULL,
    done_by        BIGINT REFERENCES users(id),
    done_at        BIGINT,
    PRIMARY KEY (activation_id, position)
);

-- The incident log: events, decisions and resources used, appended only.
CREATE TABLE emergency_incidents (
    id             INTEGER PRIMARY KEY,
    activation_id  BIGINT NOT NULL REFERENCES emergency_activations(id),
    kind           TEXT NOT NULL,
    text           TEXT NOT NULL,
    happened_at    BIGINT NOT NULL,
    recorded_by    BIGINT REFERENCES users(id),
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX emergency_incidents_activation ON emergency_incidents(activation_id, happened_at);
