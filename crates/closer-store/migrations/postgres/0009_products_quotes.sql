-- The catalogue and the quotes of deals (issue 7: money, first slice).

CREATE TABLE products (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT,
    description TEXT,
    unit TEXT,
    -- [{"amount_minor": 399900, "currency": "CNY"}, ...], one per currency
    prices TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id)
);
-- One live product per SKU, case ignored.
CREATE UNIQUE INDEX products_live_sku ON products (workspace_id, lower(sku)) WHERE deleted_at IS NULL;

CREATE TABLE quotes (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    deal_id UUID NOT NULL,
    revision BIGINT NOT NULL CHECK (revision >= 1),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'superseded')),
    payment_terms TEXT NOT NULL,
    valid_until DATE NOT NULL,
    notes TEXT,
    sent_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ,
    list_total_minor BIGINT NOT NULL,
    net_total_minor BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    UNIQUE (workspace_id, deal_id, revision)
);

CREATE TABLE quote_lines (
    workspace_id UUID NOT NULL,
    quote_id UUID NOT NULL,
    position BIGINT NOT NULL,
    product_id UUID,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 1),
    list_unit_price_minor BIGINT NOT NULL,
    net_unit_price_minor BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, quote_id, position),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX quote_lines_by_product ON quote_lines (workspace_id, product_id);
