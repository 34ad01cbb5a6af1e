-- A commitment's second kind of source: an item the residents' council adopted at a
-- meeting (a commitment has either a vote or a council decision as its source).
ALTER TABLE commitments ADD COLUMN meeting_item_id BIGINT REFERENCES meeting_items(id);
CREATE INDEX commitments_meeting_item ON commitments(meeting_item_id);
