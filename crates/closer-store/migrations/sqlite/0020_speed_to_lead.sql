-- Speed to lead (R7.3, issue 9): the campaigns that take inbound consumer leads nobody called
-- within five minutes, and when such a lead came in (for the speed-to-lead metric).
ALTER TABLE call_campaigns ADD COLUMN takes_inbound_leads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_entries ADD COLUMN lead_at TEXT;
-- The speed-to-lead job looks each minute for the inbound leads of the last day.
CREATE INDEX deals_by_lead_source ON deals (workspace_id, lead_source, created_at);
