-- How many next best actions were open on the deal when they were last worked out, for the
-- badge on its board card; NULL until then.
ALTER TABLE deal_health ADD COLUMN open_recommendations BIGINT;
