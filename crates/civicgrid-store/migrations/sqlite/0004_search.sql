-- Full-text index of residents' names: rowid = residents.id, terms precomputed by
-- civicgrid_domain::ledger::search_terms (characters, pairs, words), split on spaces.
CREATE VIRTUAL TABLE resident_search USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
