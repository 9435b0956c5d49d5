-- Seller-side approvals of quotes (issue 7): who acts in which approver role, the requests and
-- their steps.

CREATE TABLE approver_roles (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    user_id UUID NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, user_id, role),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX approver_roles_by_role ON approver_roles (workspace_id, role);

CREATE TABLE approvals (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    quote_id UUID NOT NULL,
    deal_id UUID NOT NULL,
    revision BIGINT NOT NULL,
    -- comma-separated reasons: discount, payment_terms
    reasons TEXT NOT NULL,
    discount_bp BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'recalled', 'invalidated')),
    requested_by UUID NOT NULL,
    justification TEXT,
    sla_hours BIGINT NOT NULL,
    -- {"discount_bp": ..., "payment_terms": ..., "lines": [...]}: what the request approves
    approved_values TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
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
    workspace_id UUID NOT NULL,
    approval_id UUID NOT NULL,
    position BIGINT NOT NULL,
    step_order BIGINT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'pending', 'approved', 'rejected', 'cancelled')),
    opened_at TIMESTAMPTZ,
    due_at TIMESTAMPTZ,
    decided_by UUID,
    decided_at TIMESTAMPTZ,
    comment TEXT,
    PRIMARY KEY (workspace_id, approval_id, position),
    FOREIGN KEY (workspace_id, approval_id) REFERENCES approvals (workspace_id, id) ON DELETE CASCADE
);
