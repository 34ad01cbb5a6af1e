-- The rejected rows of an import get a table of their own: bounded (the first rows,
-- with ID numbers and phones masked), sealed, and kept until expires_at (seven days
-- after the import), then deleted. The job page opens only the short preview (line
-- and reason of the first rows); the download opens the file. Counts stay in the
-- job's summary. Rows kept before held values unmasked and never expired: they go.
CREATE TABLE import_job_rejects (
    job_id      INTEGER PRIMARY KEY REFERENCES import_jobs(id),
    expires_at  BIGINT NOT NULL,
    kept_rows   BIGINT NOT NULL,
    preview_enc TEXT NOT NULL,
    file_enc    TEXT NOT NULL
);
CREATE INDEX import_job_rejects_expiry ON import_job_rejects(expires_at);
ALTER TABLE import_jobs DROP COLUMN rejects_enc;
