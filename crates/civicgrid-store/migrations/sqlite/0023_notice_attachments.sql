-- Files attached to a notice: PDF documents and photos (cleaned of their metadata),
-- added while the notice is written and frozen with it once it is published.
CREATE TABLE notice_attachments (
    id            INTEGER PRIMARY KEY,
    notice_id     BIGINT NOT NULL REFERENCES notices(id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_by   BIGINT REFERENCES users(id),
    uploaded_at   BIGINT NOT NULL,
    data          BLOB NOT NULL
);
CREATE INDEX notice_attachments_notice ON notice_attachments(notice_id);
