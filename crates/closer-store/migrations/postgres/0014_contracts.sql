-- Contracts of deals (issue 7): the customer's approval chain and the signature envelope travel
-- with the contract; an organisation remembers its paper process for the next deal.

CREATE TABLE contracts (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    deal_id UUID NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    contract_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    quote_id UUID,
    start_date DATE,
    end_date DATE,
    cooling_off_days BIGINT,
    our_signatory_id UUID,
    -- [person id, ...]
    their_signatory_ids TEXT NOT NULL,
    -- [{"order": 1, "function": "legal", "status": "in_review", ...}, ...]
    customer_steps TEXT NOT NULL,
    -- {"provider": ..., "external_id": ..., "status": ..., "sent_at": ..., "completed_at": ...}
    signature TEXT NOT NULL,
    executed_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id)
);
CREATE INDEX contracts_by_deal ON contracts (workspace_id, deal_id);

CREATE TABLE paper_processes (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    organisation_id UUID NOT NULL,
    -- [{"order": 1, "function": "legal", "approver_id": ..., "expected_days": 5}, ...]
    steps TEXT NOT NULL,
    learned_from UUID NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, organisation_id),
    FOREIGN KEY (workspace_id, organisation_id) REFERENCES parties (workspace_id, id)
);
