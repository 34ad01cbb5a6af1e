-- Residents' sealed values and blind indexes are stored as bytes, not text: a sealed
-- value loses its "v1:" prefix and base64 (FieldKeys::seal_bytes), a blind index its
-- hex, and the index of a phone's last four digits keeps 8 bytes of 16. A 1M-resident
-- ledger shrinks by about a third. Values sealed before stay as the bytes of their
-- text, which FieldKeys::open_bytes still opens; the indexes convert in place (the
-- first 8 bytes of the last-four index are the 8 bytes computed now).
UPDATE residents SET
    birth_date_enc = CAST(birth_date_enc AS BLOB),
    id_number_enc = CAST(id_number_enc AS BLOB),
    phone_enc = CAST(phone_enc AS BLOB),
    id_number_idx = unhex(id_number_idx),
    phone_idx = unhex(phone_idx),
    phone_last4_idx = unhex(substr(phone_last4_idx, 1, 16))
WHERE typeof(birth_date_enc) = 'text';

-- resident_tags_tag_resident (tag_code, resident_id) serves every lookup by tag.
DROP INDEX IF EXISTS resident_tags_tag;
