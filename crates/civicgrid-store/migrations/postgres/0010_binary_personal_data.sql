-- Residents' sealed values and blind indexes are stored as bytes, not text: a sealed
-- value loses its "v1:" prefix and base64 (FieldKeys::seal_bytes), a blind index its
-- hex, and the index of a phone's last four digits keeps 8 bytes of 16. Values sealed
-- before stay as the bytes of their text, which FieldKeys::open_bytes still opens; the
-- indexes convert in place (the first 8 bytes of the last-four index are the 8 bytes
-- computed now).
ALTER TABLE residents
    ALTER COLUMN birth_date_enc TYPE BYTEA USING convert_to(birth_date_enc, 'UTF8'),
    ALTER COLUMN id_number_enc TYPE BYTEA USING convert_to(id_number_enc, 'UTF8'),
    ALTER COLUMN phone_enc TYPE BYTEA USING convert_to(phone_enc, 'UTF8'),
    ALTER COLUMN id_number_idx TYPE BYTEA USING decode(id_number_idx, 'hex'),
    ALTER COLUMN phone_idx TYPE BYTEA USING decode(phone_idx, 'hex'),
    ALTER COLUMN phone_last4_idx TYPE BYTEA USING decode(substr(phone_last4_idx, 1, 16), 'hex');

-- resident_tags_tag_resident (tag_code, resident_id) serves every lookup by tag.
DROP INDEX IF EXISTS resident_tags_tag;
