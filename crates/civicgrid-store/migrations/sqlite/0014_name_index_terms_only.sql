-- The name index keeps which residents hold each term and nothing more: queries are
-- single quoted terms joined by AND (see civicgrid_domain::ledger::search_terms), so
-- the positions `detail = full` stored were never read. The terms come lower-cased
-- and stripped to letters, digits and CJK, split on single spaces, so the plain
-- `ascii` tokenizer (spaces and ASCII punctuation split, every other character part
-- of a term) takes them as they are, without unicode61's per-character tables.
-- Half the index's data pages, and a faster build. The new index starts empty;
-- civicgrid refills it from residents' names at start-up (name_index::ensure_filled).
DROP TABLE resident_search;
CREATE VIRTUAL TABLE resident_search USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'ascii'
);
