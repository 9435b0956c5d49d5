-- Background jobs (claimed with SKIP LOCKED on PostgreSQL, by one writer on SQLite) and the
-- health of each deal they compute: cycle age, days in stage, last activity, rotting, over budget.

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
