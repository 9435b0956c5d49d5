-- Deals imported from other systems keep their ids there ("salesforce:0065g00000AbCdE"), so a
-- later import of the same export updates them and notes find the deal they belong to.
CREATE TABLE deal_keys (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    key_value TEXT NOT NULL,
    deal_id BLOB NOT NULL,
    PRIMARY KEY (workspace_id, key_value),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX deal_keys_by_deal ON deal_keys (workspace_id, deal_id);
