-- Core sales model: workspaces, users, parties, employments, playbooks and stages, deals and
-- their stage transitions, notes, tasks, the audit trail and idempotency keys.
-- Ids are UUIDv7 (16-byte BLOBs here), times RFC 3339 text in UTC, money integer minor units.

CREATE TABLE workspaces (
    id BLOB NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE users (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, email)
);

CREATE TABLE parties (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
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
    parent_id BLOB,
    requires_po INTEGER NOT NULL DEFAULT 0,
    owner_id BLOB NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, parent_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX parties_by_kind ON parties (workspace_id, kind, id);
CREATE INDEX parties_by_owner ON parties (workspace_id, owner_id, id);

CREATE TABLE employments (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    organisation_id BLOB NOT NULL,
    title TEXT,
    department TEXT,
    seniority TEXT,
    started_on TEXT,
    ended_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES parties (workspace_id, id),
    FOREIGN KEY (workspace_id, organisation_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX employments_by_person ON employments (workspace_id, person_id, id);
CREATE INDEX employments_by_organisation ON employments (workspace_id, organisation_id, id);

CREATE TABLE playbooks (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('b2c', 'b2b')),
    allow_skip INTEGER NOT NULL,
    allow_backward INTEGER NOT NULL,
    cycle_budget_min_days INTEGER NOT NULL,
    cycle_budget_max_days INTEGER NOT NULL,
    won_at TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    revision INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, key, revision)
);

CREATE TABLE stages (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    playbook_id BLOB NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    probability INTEGER NOT NULL,
    target_days INTEGER,
    rot_days INTEGER,
    guidance TEXT NOT NULL DEFAULT '',
    criteria TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, playbook_id, position),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id)
);

CREATE TABLE deals (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('b2c', 'b2b')),
    counterparty_id BLOB NOT NULL,
    playbook_id BLOB NOT NULL,
    stage_id BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency TEXT NOT NULL,
    expected_close TEXT,
    lead_source TEXT,
    owner_id BLOB NOT NULL,
    competitor TEXT,
    stage_entered_at TEXT NOT NULL,
    closed_at TEXT,
    lost_reason TEXT,
    lost_note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
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
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    from_stage_id BLOB,
    to_stage_id BLOB NOT NULL,
    at TEXT NOT NULL,
    actor_id BLOB,
    reason TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, to_stage_id) REFERENCES stages (workspace_id, id)
);
CREATE INDEX stage_transitions_by_deal ON stage_transitions (workspace_id, deal_id, id);

CREATE TABLE notes (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('deal', 'person', 'organisation')),
    subject_id BLOB NOT NULL,
    body TEXT NOT NULL,
    author_id BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, author_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX notes_by_subject ON notes (workspace_id, subject_id, id);

CREATE TABLE tasks (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT,
    assignee_id BLOB NOT NULL,
    subject_type TEXT CHECK (subject_type IN ('deal', 'person', 'organisation')),
    subject_id BLOB,
    done_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, assignee_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX tasks_by_assignee ON tasks (workspace_id, assignee_id, id);
CREATE INDEX tasks_by_subject ON tasks (workspace_id, subject_id, id);

CREATE TABLE audit_log (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    at TEXT NOT NULL,
    actor_id BLOB,
    request_id TEXT,
    entity_type TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_log_by_entity ON audit_log (workspace_id, entity_id, id);

CREATE TABLE idempotency_keys (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_headers TEXT,
    response_body BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, scope, key)
);
