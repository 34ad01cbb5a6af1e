-- A paper ballot's optional scan (the signed sheet, photographed or scanned to PDF),
-- kept with the ballot entered from it: one per entry in the ballot history. The type
-- is decided from the content before it is stored; an image is stored cleaned of its
-- metadata.
CREATE TABLE ballot_scans (
    id            INTEGER PRIMARY KEY,
    history_id    BIGINT NOT NULL UNIQUE REFERENCES ballot_history(id),
    vote_id       BIGINT NOT NULL REFERENCES votes(id),
    content_type  TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_by   BIGINT REFERENCES users(id),
    uploaded_at   BIGINT NOT NULL,
    data          BLOB NOT NULL
);
CREATE INDEX ballot_scans_vote ON ballot_scans(vote_id);
