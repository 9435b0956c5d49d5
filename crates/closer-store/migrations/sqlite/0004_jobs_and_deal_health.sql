-- Background jobs (claimed with SKIP LOCKED on PostgreSQL, by one writer on SQLite) and the
-- health of each deal they compute (cycle age, days in stage, last activity, rotting, over
-- budget), and the decisions taken on proposed next best actions.

CREATE TABLE jobs (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    run_at TEXT NOT NULL,
    locked_until TEXT,
    locked_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_run_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, kind)
);
CREATE INDEX jobs_by_run_at ON jobs (run_at);

CREATE TABLE deal_health (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    deal_id BLOB NOT NULL,
    cycle_age_days INTEGER NOT NULL,
    days_in_stage INTEGER NOT NULL,
    last_activity_at TEXT NOT NULL,
    rotting INTEGER NOT NULL,
    over_budget INTEGER NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, deal_id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);

-- What people decided about the next best actions proposed for a deal: done, dismissed (with the
-- reason, kept for tuning the rules) or snoozed until a time.
CREATE TABLE recommendation_decisions (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    deal_id BLOB NOT NULL,
    key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('done', 'dismissed', 'snoozed')),
    reason TEXT,
    snoozed_until TEXT,
    decided_by BLOB NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, deal_id, key),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
