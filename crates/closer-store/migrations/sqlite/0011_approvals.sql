-- Seller-side approvals of quotes (issue 7): who acts in which approver role, the requests and
-- their steps.

CREATE TABLE approver_roles (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    user_id BLOB NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, role),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX approver_roles_by_role ON approver_roles (workspace_id, role);

CREATE TABLE approvals (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    quote_id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    revision INTEGER NOT NULL,
    -- comma-separated reasons: discount, payment_terms
    reasons TEXT NOT NULL,
    discount_bp INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'recalled', 'invalidated')),
    requested_by BLOB NOT NULL,
    justification TEXT,
    sla_hours INTEGER NOT NULL,
    -- {"discount_bp": ..., "payment_terms": ..., "lines": [...]}: what the request approves
    approved_values TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, requested_by) REFERENCES users (workspace_id, id)
);
CREATE INDEX approvals_by_deal ON approvals (workspace_id, deal_id, submitted_at);
CREATE INDEX approvals_by_quote ON approvals (workspace_id, quote_id);
-- At most one pending request per quote; the inbox reads them all.
CREATE UNIQUE INDEX approvals_pending ON approvals (workspace_id, quote_id) WHERE status = 'pending';

CREATE TABLE approval_steps (
    workspace_id BLOB NOT NULL,
    approval_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    step_order INTEGER NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'pending', 'approved', 'rejected', 'cancelled')),
    opened_at TEXT,
    due_at TEXT,
    decided_by BLOB,
    decided_at TEXT,
    comment TEXT,
    PRIMARY KEY (workspace_id, approval_id, position),
    FOREIGN KEY (workspace_id, approval_id) REFERENCES approvals (workspace_id, id) ON DELETE CASCADE
);
