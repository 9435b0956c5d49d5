-- Contracts of deals (issue 7): the customer's approval chain and the signature envelope travel
-- with the contract; an organisation remembers its paper process for the next deal.

CREATE TABLE contracts (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    contract_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    quote_id BLOB,
    start_date TEXT,
    end_date TEXT,
    cooling_off_days INTEGER,
    our_signatory_id BLOB,
    -- [person id, ...]
    their_signatory_ids TEXT NOT NULL,
    -- [{"order": 1, "function": "legal", "status": "in_review", ...}, ...]
    customer_steps TEXT NOT NULL,
    -- {"provider": ..., "external_id": ..., "status": ..., "sent_at": ..., "completed_at": ...}
    signature TEXT NOT NULL,
    executed_at TEXT,
    ended_at TEXT,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id)
);
CREATE INDEX contracts_by_deal ON contracts (workspace_id, deal_id);

CREATE TABLE paper_processes (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    organisation_id BLOB NOT NULL,
    -- [{"order": 1, "function": "legal", "approver_id": ..., "expected_days": 5}, ...]
    steps TEXT NOT NULL,
    learned_from BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, organisation_id),
    FOREIGN KEY (workspace_id, organisation_id) REFERENCES parties (workspace_id, id)
);
