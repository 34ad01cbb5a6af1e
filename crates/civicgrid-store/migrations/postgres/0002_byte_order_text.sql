-- Text the store sorts on compares byte by byte, as SQLite's BINARY collation does, so
-- both backends list in the same order ("Bob" before "alice") whatever the database's
-- default collation is. Without it a linguistic default (en_US, ICU) reorders
-- usernames, codes and token names, and accounts::list_users, which merges per-scope
-- pages sorted by the database with a byte-order sort in Rust, returns wrong pages.
-- (org_nodes.path and audit_log.scope_path are "C" since 0001 for prefix ranges.)
ALTER TABLE org_nodes ALTER COLUMN code TYPE TEXT COLLATE "C";
ALTER TABLE users ALTER COLUMN username TYPE TEXT COLLATE "C";
ALTER TABLE role_assignments ALTER COLUMN role TYPE TEXT COLLATE "C";
ALTER TABLE api_tokens ALTER COLUMN name TYPE TEXT COLLATE "C";
