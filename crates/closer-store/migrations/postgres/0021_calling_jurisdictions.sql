-- A workspace's own calling laws (R9.1, issue 9): per region (ISO code, or '*' for every region
-- without its own), the calling window on the callee's clocks and whether consent must be on
-- file. They override the packs Closer ships.
CREATE TABLE calling_jurisdictions (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    region TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    consent_required BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID NOT NULL,
    PRIMARY KEY (workspace_id, region)
);
