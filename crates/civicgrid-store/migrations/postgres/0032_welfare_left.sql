-- Welfare checks: the households still to check per campaign and grid, counted from
-- the index alone for the home pages of the grid workers and staff they climb to.
CREATE INDEX welfare_targets_left ON welfare_targets(campaign_id, state, grid_id);
