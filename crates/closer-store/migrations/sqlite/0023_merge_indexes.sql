-- Merging duplicates (issue 10) points every row that names the duplicate at the record kept;
-- these columns name parties and had no index to find those rows by.
CREATE INDEX parties_by_parent ON parties (workspace_id, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX invoices_by_customer ON invoices (workspace_id, customer_id);
CREATE INDEX endorsements_by_person ON endorsements (workspace_id, by_person_id) WHERE by_person_id IS NOT NULL;
CREATE INDEX intro_requests_by_target ON intro_requests (workspace_id, target_id);
CREATE INDEX call_entries_by_person ON call_entries (workspace_id, person_id);
CREATE INDEX promotion_redemptions_by_customer_only ON promotion_redemptions (workspace_id, customer_id);
