-- The name index of residents a held bulk load added, written by the load in one pass
-- (see civicgrid_store::name_postings): for each term, the ids of the residents
-- holding it (ascending, as varints of their gaps), one row per term and load. Each
-- load's residents are the ids first_id..=last_id. A resident's later changes go to
-- resident_search (FTS5), and a resident of a load renamed or removed since is listed
-- in resident_name_stale, so a search finds it there and no longer here. A migration
-- that recreates resident_search must empty these three tables too: the refill at
-- start-up (name_index::ensure_filled) then indexes every resident again.
CREATE TABLE resident_name_loads (
    first_id INTEGER PRIMARY KEY,
    last_id  INTEGER NOT NULL
);
CREATE TABLE resident_name_postings (
    term     TEXT NOT NULL,
    first_id INTEGER NOT NULL REFERENCES resident_name_loads(first_id),
    ids      BLOB NOT NULL,
    PRIMARY KEY (term, first_id)
) WITHOUT ROWID;
CREATE TABLE resident_name_stale (
    resident_id INTEGER PRIMARY KEY
);
