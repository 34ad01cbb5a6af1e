-- A whole phone number is looked up with the index of its last four digits too, so one
-- index on (last four, whole) serves both searches and replaces the two single ones.
-- Nothing looks residents up by name (names are found through resident_search).
-- Fewer indexes to keep up on every write, and to build after a first import.
DROP INDEX IF EXISTS residents_phone;
DROP INDEX IF EXISTS residents_phone_last4;
DROP INDEX IF EXISTS residents_name;
CREATE INDEX IF NOT EXISTS residents_phone_keys ON residents(phone_last4_idx, phone_idx);
