-- The values a party is found by (issue 10): e-mails in lower case, E.164 phones, web domains,
-- tax ids, organisation names, and ids in the systems it was imported from ('hubspot:5107').
-- Kept with every write of a party; imports match on them, the duplicate finder groups by them.
CREATE TABLE party_keys (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    key_kind TEXT NOT NULL,
    key_value TEXT NOT NULL,
    party_id UUID NOT NULL,
    PRIMARY KEY (workspace_id, key_kind, key_value, party_id),
    -- Checked at commit: bulk loads send each table's rows together, keys possibly first.
    FOREIGN KEY (workspace_id, party_id) REFERENCES parties (workspace_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX party_keys_by_party ON party_keys (workspace_id, party_id);

-- Work the store does once in Rust after the migrations (here: the keys of parties already there).
CREATE TABLE pending_backfills (name TEXT PRIMARY KEY);
INSERT INTO pending_backfills (name) VALUES ('party_keys');

-- A file imported: its settings, where it stands (rows done, for resuming), and its counts.
CREATE TABLE imports (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    actor_id UUID NOT NULL,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    settings TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'reverted')),
    rows_done BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    skipped_because TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    reverted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX imports_by_file ON imports (workspace_id, file_sha256, kind);

-- What each row of an import did: the records it created or changed (a revert removes the
-- created ones).
CREATE TABLE import_rows (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    import_id UUID NOT NULL,
    row_number BIGINT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('created', 'updated')),
    PRIMARY KEY (workspace_id, import_id, row_number, entity_type, entity_id),
    FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id)
);

-- Why rows failed: row, column and reason, every one of them (the downloadable error report).
CREATE TABLE import_errors (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    import_id UUID NOT NULL,
    row_number BIGINT NOT NULL,
    position BIGINT NOT NULL,
    column_name TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (workspace_id, import_id, row_number, position),
    FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id)
);
