-- Telemarketing registers (issue 9): numbers on do-not-call lists, and consents to be contacted
-- (given or withdrawn, with evidence) that a dialler checks before every call (R9.1).

CREATE TABLE do_not_call (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    -- E.164, as Closer writes numbers: looked up as it is.
    phone TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('national_registry', 'entity_specific', 'internal')),
    source TEXT NOT NULL CHECK (source IN ('customer_request', 'registry_import', 'complaint', 'manual')),
    note TEXT,
    expires_at TIMESTAMPTZ,
    recorded_by UUID NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX do_not_call_by_phone ON do_not_call (workspace_id, phone);

CREATE TABLE consents (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    person_id UUID NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'sms', 'email', 'wechat')),
    granted BOOLEAN NOT NULL,
    purpose TEXT NOT NULL,
    evidence TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    recorded_by UUID NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX consents_by_person ON consents (workspace_id, person_id, channel, at);
