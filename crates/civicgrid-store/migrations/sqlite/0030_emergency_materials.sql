-- Emergency materials (应急物资): depots, items, batches and the stock ledger; material
-- requests for households and transfer requests between depots. Times are
-- milliseconds since the Unix epoch, UTC; dates are `YYYY-MM-DD` text in the
-- community's time.

-- A depot at a community or a street; `scope_path` is its node's path.
CREATE TABLE material_depots (
    id          INTEGER PRIMARY KEY,
    node_id     BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path  TEXT NOT NULL,
    level       TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX material_depots_scope ON material_depots(scope_path, id);

-- The item catalogue, shared by every depot.
CREATE TABLE material_items (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX material_items_name ON material_items(name);

-- The least a depot should hold of an item.
CREATE TABLE material_minimums (
    depot_id    BIGINT NOT NULL REFERENCES material_depots(id),
    item_id     BIGINT NOT NULL REFERENCES material_items(id),
    minimum     BIGINT NOT NULL,
    PRIMARY KEY (depot_id, item_id)
);

-- What a depot holds of one batch: changed only with the movement that explains it.
CREATE TABLE material_batches (
    id           INTEGER PRIMARY KEY,
    depot_id     BIGINT NOT NULL REFERENCES material_depots(id),
    item_id      BIGINT NOT NULL REFERENCES material_items(id),
    batch_code   TEXT NOT NULL,
    expires_on   TEXT,
    quantity     BIGINT NOT NULL CHECK (quantity >= 0),
    received_at  BIGINT NOT NULL
);
CREATE INDEX material_batches_depot ON material_batches(depot_id, item_id, expires_on);

-- Material requests for a household; `scope_path` is the household's grid. The
-- vulnerability points, people and tags are read from the ledger when it is raised.
CREATE TABLE material_requests (
    id                INTEGER PRIMARY KEY,
    household_id      BIGINT NOT NULL REFERENCES households(id),
    community_id      BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path        TEXT NOT NULL,
    source            TEXT NOT NULL,
    source_id         BIGINT,
    status            TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    vulnerability     BIGINT NOT NULL,
    people            BIGINT NOT NULL,
    care_tags         TEXT NOT NULL DEFAULT '',
    depot_id          BIGINT REFERENCES material_depots(id),
    deliverer_user_id BIGINT REFERENCES users(id),
    status_reason     TEXT,
    raised_by         BIGINT REFERENCES users(id),
    raised_at         BIGINT NOT NULL,
    issued_at         BIGINT,
    delivered_at      BIGINT,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX material_requests_scope ON material_requests(scope_path, status, id);
CREATE INDEX material_requests_deliverer ON material_requests(deliverer_user_id, status);
CREATE INDEX material_requests_household ON material_requests(household_id);

CREATE TABLE material_request_lines (
    request_id  BIGINT NOT NULL REFERENCES material_requests(id),
    item_id     BIGINT NOT NULL REFERENCES material_items(id),
    quantity    BIGINT NOT NULL,
    PRIMARY KEY (request_id, item_id)
);

-- A community depot short of an item asks its street's depot.
CREATE TABLE material_transfers (
    id             INTEGER PRIMARY KEY,
    from_depot_id  BIGINT NOT NULL REFERENCES material_depots(id),
    to_depot_id    BIGINT NOT NULL REFERENCES material_depots(id),
    item_id        BIGINT NOT NULL REFERENCES material_items(id),
    quantity       BIGINT NOT NULL,
    status         TEXT NOT NULL,
    request_id     BIGINT REFERENCES material_requests(id),
    reason         TEXT,
    raised_by      BIGINT REFERENCES users(id),
    raised_at      BIGINT NOT NULL,
    decided_by     BIGINT REFERENCES users(id),
    decided_at     BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX material_transfers_from ON material_transfers(from_depot_id, status);
CREATE INDEX material_transfers_to ON material_transfers(to_depot_id, status, item_id);

-- The stock ledger: appended only. `quantity` is signed (+ in, − out), `balance` the
-- batch's quantity after it.
CREATE TABLE material_movements (
    id                  INTEGER PRIMARY KEY,
    depot_id            BIGINT NOT NULL REFERENCES material_depots(id),
    item_id             BIGINT NOT NULL REFERENCES material_items(id),
    batch_id            BIGINT NOT NULL REFERENCES material_batches(id),
    kind                TEXT NOT NULL,
    quantity            BIGINT NOT NULL,
    balance             BIGINT NOT NULL,
    reason              TEXT,
    request_id          BIGINT REFERENCES material_requests(id),
    transfer_id         BIGINT REFERENCES material_transfers(id),
    other_depot_id      BIGINT REFERENCES material_depots(id),
    actor_user_id       BIGINT REFERENCES users(id),
    actor_label         TEXT NOT NULL,
    at                  BIGINT NOT NULL
);
CREATE INDEX material_movements_depot ON material_movements(depot_id, id);
CREATE INDEX material_movements_request ON material_movements(request_id);
