-- Who looked at a resident's record: one row per resident shown on a card (masked),
-- written in the request that showed it. Unmasking and changes stay in the
-- hash-chained audit log; this table keeps the far more frequent reads out of the
-- chain. It holds no personal values: ids, who looked, in which role, and the path
-- of the grid that holds the record (so auditors see the rows of their scope).
CREATE TABLE data_access_log (
    id             INTEGER PRIMARY KEY,
    at_ms          BIGINT NOT NULL,
    resident_id    BIGINT NOT NULL REFERENCES residents(id),
    household_id   BIGINT,
    actor_user_id  BIGINT,
    actor_token_id BIGINT,
    actor_label    TEXT NOT NULL,
    actor_role     TEXT,
    action         TEXT NOT NULL,
    scope_path     TEXT NOT NULL
);
CREATE INDEX data_access_log_resident ON data_access_log(resident_id, id);
CREATE INDEX data_access_log_scope ON data_access_log(scope_path, id);
CREATE INDEX data_access_log_actor ON data_access_log(actor_user_id, id);
