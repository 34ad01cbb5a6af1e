-- Full-text index of residents' names, terms precomputed by
-- civicgrid_domain::ledger::search_terms (characters, pairs, words), split on spaces.
CREATE TABLE resident_search (
    resident_id BIGINT PRIMARY KEY REFERENCES residents(id),
    terms       TSVECTOR NOT NULL
);
CREATE INDEX resident_search_terms ON resident_search USING GIN (terms);
