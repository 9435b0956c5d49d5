-- Billing (issue 7): customers' billing profiles, invoices numbered without gaps per workspace,
-- and payments with their refunds.

CREATE TABLE billing_profiles (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    party_id BLOB NOT NULL,
    -- {"legal_entity": ..., "tax_id": ..., "requires_po": true, ...}
    profile TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, party_id),
    FOREIGN KEY (workspace_id, party_id) REFERENCES parties (workspace_id, id)
);

-- The last invoice number given; raised in the finalising transaction, so a rolled-back
-- finalisation gives its number back and the sequence has no gaps.
CREATE TABLE invoice_counters (
    workspace_id BLOB NOT NULL PRIMARY KEY REFERENCES workspaces (id),
    last_number INTEGER NOT NULL
);

CREATE TABLE invoices (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    customer_id BLOB NOT NULL,
    quote_id BLOB,
    number TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    currency TEXT NOT NULL,
    label TEXT NOT NULL,
    amount_due_minor INTEGER NOT NULL CHECK (amount_due_minor >= 0),
    amount_paid_minor INTEGER NOT NULL,
    -- {"on": "days_after_issue", "days": 30} | {"on": "signature"} | {"on": "acceptance"}
    due TEXT NOT NULL,
    po_number TEXT,
    issue_date TEXT,
    due_date TEXT,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE UNIQUE INDEX invoices_number ON invoices (workspace_id, number) WHERE number IS NOT NULL;
CREATE INDEX invoices_by_deal ON invoices (workspace_id, deal_id);
CREATE INDEX invoices_open ON invoices (workspace_id, status, due_date);

CREATE TABLE payments (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    invoice_id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    method TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')),
    reference TEXT,
    received_at TEXT,
    refunded_minor INTEGER NOT NULL DEFAULT 0,
    -- [{"amount_minor": ..., "reason": ..., "at": ...}, ...]
    refunds TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id)
);
CREATE INDEX payments_by_invoice ON payments (workspace_id, invoice_id);
CREATE INDEX payments_by_deal ON payments (workspace_id, deal_id);
