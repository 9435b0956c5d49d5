-- Core sales model: workspaces, users, parties, employments, playbooks and stages, deals and
-- their stage transitions, notes, tasks, the audit trail and idempotency keys.
-- Ids are UUIDv7 (native UUID), times TIMESTAMPTZ, dates DATE, money BIGINT minor units.

CREATE TABLE workspaces (
    id UUID NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE users (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, email)
);

CREATE TABLE parties (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name TEXT NOT NULL,
    legal_name TEXT,
    tax_id TEXT,
    industry TEXT,
    employee_band TEXT,
    region TEXT,
    website TEXT,
    timezone TEXT,
    emails TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    parent_id UUID,
    requires_po BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id UUID NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, parent_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX parties_by_kind ON parties (workspace_id, kind, id);
CREATE INDEX parties_by_owner ON parties (workspace_id, owner_id, id);

CREATE TABLE employments (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    person_id UUID NOT NULL,
    organisation_id UUID NOT NULL,
    title TEXT,
    department TEXT,
    seniority TEXT,
    started_on DATE,
    ended_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES parties (workspace_id, id),
    FOREIGN KEY (workspace_id, organisation_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX employments_by_person ON employments (workspace_id, person_id, id);
CREATE INDEX employments_by_organisation ON employments (workspace_id, organisation_id, id);

CREATE TABLE playbooks (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('b2c', 'b2b')),
    allow_skip BOOLEAN NOT NULL,
    allow_backward BOOLEAN NOT NULL,
    cycle_budget_min_days BIGINT NOT NULL,
    cycle_budget_max_days BIGINT NOT NULL,
    won_at TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    revision BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, key, revision)
);

CREATE TABLE stages (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    playbook_id UUID NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    probability BIGINT NOT NULL,
    target_days BIGINT,
    rot_days BIGINT,
    guidance TEXT NOT NULL DEFAULT '',
    criteria TEXT NOT NULL DEFAULT '[]',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, playbook_id, position),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id)
);

CREATE TABLE deals (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('b2c', 'b2b')),
    counterparty_id UUID NOT NULL,
    playbook_id UUID NOT NULL,
    stage_id UUID NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    expected_close DATE,
    lead_source TEXT,
    owner_id UUID NOT NULL,
    competitor TEXT,
    stage_entered_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    lost_reason TEXT,
    lost_note TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, counterparty_id) REFERENCES parties (workspace_id, id),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id),
    FOREIGN KEY (workspace_id, stage_id) REFERENCES stages (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX deals_by_stage ON deals (workspace_id, stage_id, id);
CREATE INDEX deals_by_status ON deals (workspace_id, status, id);
CREATE INDEX deals_by_owner ON deals (workspace_id, owner_id, id);
CREATE INDEX deals_by_counterparty ON deals (workspace_id, counterparty_id, id);

CREATE TABLE stage_transitions (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    deal_id UUID NOT NULL,
    from_stage_id UUID,
    to_stage_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    reason TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, to_stage_id) REFERENCES stages (workspace_id, id)
);
CREATE INDEX stage_transitions_by_deal ON stage_transitions (workspace_id, deal_id, id);

CREATE TABLE notes (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('deal', 'person', 'organisation')),
    subject_id UUID NOT NULL,
    body TEXT NOT NULL,
    author_id UUID NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, author_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX notes_by_subject ON notes (workspace_id, subject_id, id);

CREATE TABLE tasks (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    title TEXT NOT NULL,
    due_on DATE,
    assignee_id UUID NOT NULL,
    subject_type TEXT CHECK (subject_type IN ('deal', 'person', 'organisation')),
    subject_id UUID,
    done_at TIMESTAMPTZ,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, assignee_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX tasks_by_assignee ON tasks (workspace_id, assignee_id, id);
CREATE INDEX tasks_by_subject ON tasks (workspace_id, subject_id, id);

CREATE TABLE audit_log (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    request_id TEXT,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_log_by_entity ON audit_log (workspace_id, entity_id, id);

CREATE TABLE idempotency_keys (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_headers TEXT,
    response_body BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, scope, key)
);
