-- Insight: figures counted per place and month and added up the tree, so a dashboard of
-- any place reads a few rows. `node_id` is any org node (grid up to city); `period` a
-- month `2026-12`; `measure` a code of domain::insight::measures (or `tag:<code>`).
-- Rewritten by each count of the period; `counted_at` says when.

CREATE TABLE insight_figures (
    node_id     BIGINT NOT NULL REFERENCES org_nodes(id),
    period      TEXT NOT NULL,
    measure     TEXT NOT NULL,
    value       BIGINT NOT NULL,
    counted_at  BIGINT NOT NULL,
    PRIMARY KEY (node_id, period, measure)
);
CREATE INDEX insight_figures_period ON insight_figures(period, measure);

-- Each count of a period: when it ran and how long it took (or why it failed), so a
-- dashboard says how fresh it is and the schedule sees what is missing.
CREATE TABLE insight_counts (
    period      TEXT PRIMARY KEY,
    counted_at  BIGINT NOT NULL,
    took_ms     BIGINT NOT NULL,
    error       TEXT
);
