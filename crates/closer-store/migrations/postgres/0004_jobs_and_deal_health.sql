-- Background jobs (claimed with SKIP LOCKED on PostgreSQL, by one writer on SQLite) and the
-- health of each deal they compute (cycle age, days in stage, last activity, rotting, over
-- budget), and the decisions taken on proposed next best actions.

CREATE TABLE jobs (
    id UUID NOT NULL PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    locked_by TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    last_run_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, kind)
);
CREATE INDEX jobs_by_run_at ON jobs (run_at);

CREATE TABLE deal_health (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    deal_id UUID NOT NULL,
    cycle_age_days BIGINT NOT NULL,
    days_in_stage BIGINT NOT NULL,
    last_activity_at TIMESTAMPTZ NOT NULL,
    rotting BOOLEAN NOT NULL,
    over_budget BOOLEAN NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, deal_id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);

-- What people decided about the next best actions proposed for a deal: done, dismissed (with the
-- reason, kept for tuning the rules) or snoozed until a time.
CREATE TABLE recommendation_decisions (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    deal_id UUID NOT NULL,
    key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('done', 'dismissed', 'snoozed')),
    reason TEXT,
    snoozed_until TIMESTAMPTZ,
    decided_by UUID NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, deal_id, key),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
