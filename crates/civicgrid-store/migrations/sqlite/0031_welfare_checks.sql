-- Welfare checks (逐户排查): a campaign of a running emergency, the households it
-- targets with their checker and state, and every check made. Times are milliseconds
-- since the Unix epoch, UTC; lists of codes are stored as `,code,code,`.

CREATE TABLE welfare_campaigns (
    id             INTEGER PRIMARY KEY,
    activation_id  BIGINT NOT NULL REFERENCES emergency_activations(id),
    community_id   BIGINT NOT NULL REFERENCES org_nodes(id),
    node_id        BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path     TEXT NOT NULL,
    title          TEXT NOT NULL,
    tags           TEXT NOT NULL,
    starts_at      BIGINT NOT NULL,
    deadline_at    BIGINT NOT NULL,
    created_by     BIGINT REFERENCES users(id),
    closed_at      BIGINT
);
CREATE INDEX welfare_campaigns_activation ON welfare_campaigns(activation_id);

-- One row per targeted household: its place in walking order, its checker, and where
-- it stands (`state` to_check or checked; `outcome` of the latest check).
CREATE TABLE welfare_targets (
    campaign_id   BIGINT NOT NULL REFERENCES welfare_campaigns(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    building_id   BIGINT NOT NULL REFERENCES buildings(id),
    grid_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    walk_key      TEXT NOT NULL,
    checker_id    BIGINT REFERENCES users(id),
    state         TEXT NOT NULL,
    outcome       TEXT,
    needs         TEXT NOT NULL DEFAULT ',',
    attempts      BIGINT NOT NULL DEFAULT 0,
    checked_at    BIGINT,
    PRIMARY KEY (campaign_id, household_id)
);
CREATE INDEX welfare_targets_checker ON welfare_targets(campaign_id, checker_id, state, walk_key);
CREATE INDEX welfare_targets_building ON welfare_targets(campaign_id, building_id);

-- Every check, appended; `client_key` makes a retried submission count once.
CREATE TABLE welfare_checks (
    id            INTEGER PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES welfare_campaigns(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    outcome       TEXT NOT NULL,
    needs         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    checked_by    BIGINT REFERENCES users(id),
    checked_at    BIGINT NOT NULL,
    client_key    TEXT NOT NULL,
    request_id    BIGINT REFERENCES requests(id)
);
CREATE UNIQUE INDEX welfare_checks_once ON welfare_checks(campaign_id, client_key);
CREATE INDEX welfare_checks_household ON welfare_checks(campaign_id, household_id, id);
