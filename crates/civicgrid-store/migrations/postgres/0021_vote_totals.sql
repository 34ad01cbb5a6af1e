-- A vote's running count: per choice, the standing ballots and the area their voters
-- hold (hundredths of m²), kept by each ballot in its own transaction so the live
-- tally reads a few rows instead of counting every ballot. A voter is one head, so
-- `ballots` is also the headcount. A choice whose last ballot moved away stays with 0.

CREATE TABLE vote_totals (
    vote_id     BIGINT NOT NULL REFERENCES votes(id),
    choice      TEXT NOT NULL,
    ballots     BIGINT NOT NULL,
    area_centi  BIGINT NOT NULL,
    PRIMARY KEY (vote_id, choice)
);

-- The ballots already standing, counted as the tally counted them.
INSERT INTO vote_totals (vote_id, choice, ballots, area_centi)
SELECT b.vote_id, b.choice, COUNT(*), CAST(COALESCE(SUM(v.area_centi), 0) AS BIGINT)
FROM ballots b JOIN vote_voters v ON v.vote_id = b.vote_id AND v.voter_key = b.voter_key
GROUP BY b.vote_id, b.choice;
