-- The workspace's discount approval matrix, as administrators set it; no row means the default
-- ladder.

CREATE TABLE approval_matrices (
    workspace_id UUID NOT NULL PRIMARY KEY REFERENCES workspaces (id),
    -- {"tiers": [{"deal_kind": "b2b", "above_bp": 1000, "min_amount": null, "chain": [...], "sla_hours": 24}, ...]}
    matrix TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID
);
