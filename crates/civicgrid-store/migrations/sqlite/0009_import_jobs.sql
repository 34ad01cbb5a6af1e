-- Imports run as background jobs: an upload is answered at once with the job's page,
-- which follows its progress. Counts and the header row are kept in clear (no personal
-- values); the rejected rows, which hold what staff typed (ID numbers, phones), are
-- kept only sealed with the field key, like every personal value.
CREATE TABLE import_jobs (
    id               INTEGER PRIMARY KEY,
    user_id          BIGINT REFERENCES users(id),
    file_name        TEXT NOT NULL,
    dry_run          BIGINT NOT NULL,
    create_missing   BIGINT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('running','done','failed')),
    done_units       BIGINT NOT NULL DEFAULT 0,
    total_units      BIGINT NOT NULL DEFAULT 0,
    summary          TEXT,
    rejects_enc      TEXT,
    error            TEXT,
    started_at       BIGINT NOT NULL,
    heartbeat_at     BIGINT NOT NULL,
    finished_at      BIGINT
);
CREATE INDEX import_jobs_user ON import_jobs(user_id, id);
