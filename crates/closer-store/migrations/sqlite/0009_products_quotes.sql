-- The catalogue and the quotes of deals (issue 7: money, first slice).

CREATE TABLE products (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT,
    description TEXT,
    unit TEXT,
    -- [{"amount_minor": 399900, "currency": "CNY"}, ...], one per currency
    prices TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id)
);
-- One live product per SKU, case ignored.
CREATE UNIQUE INDEX products_live_sku ON products (workspace_id, lower(sku)) WHERE deleted_at IS NULL;

CREATE TABLE quotes (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'superseded')),
    payment_terms TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    notes TEXT,
    sent_at TEXT,
    decided_at TEXT,
    list_total_minor INTEGER NOT NULL,
    net_total_minor INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    UNIQUE (workspace_id, deal_id, revision)
);

CREATE TABLE quote_lines (
    workspace_id BLOB NOT NULL,
    quote_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    product_id BLOB,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    list_unit_price_minor INTEGER NOT NULL,
    net_unit_price_minor INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, quote_id, position),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX quote_lines_by_product ON quote_lines (workspace_id, product_id);
