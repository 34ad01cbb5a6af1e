-- One bulk act on the ledger (a chunk of an import): who, when, what, why, once. A
-- resident the act created names it instead of carrying a history entry of its own,
-- so a million-row import writes one row here rather than a million history rows. A
-- resident's history is its own entries plus the act that created it, if any.
CREATE TABLE ledger_batches (
    id            INTEGER PRIMARY KEY,
    at_ms         BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_label   TEXT NOT NULL,
    action        TEXT NOT NULL,
    reason        TEXT
);
ALTER TABLE residents ADD COLUMN created_in_batch BIGINT REFERENCES ledger_batches(id);
