-- B2C promotions (issue 7): campaigns with budgets, promotions, their redemptions, and the
-- promotions a quote carries.

CREATE TABLE promotion_campaigns (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    name TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ,
    budget_kind TEXT CHECK (budget_kind IN ('usage', 'spend')),
    budget_limit BIGINT,
    budget_currency TEXT,
    -- Kept by redemptions in the same transaction, so a budget is checked and spent atomically.
    used_count BIGINT NOT NULL DEFAULT 0,
    spent_minor BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE promotions (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    name TEXT NOT NULL,
    campaign_id UUID,
    code TEXT,
    class TEXT NOT NULL CHECK (class IN ('product', 'order', 'gift')),
    -- {"type": "percentage", "bp": 1000} and the other rewards
    reward TEXT NOT NULL,
    -- {"product_ids": [...], "categories": [...], "min_subtotal_minor": ..., ...}
    eligibility TEXT NOT NULL,
    currency TEXT,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ,
    usage_limit_total BIGINT,
    usage_limit_per_customer BIGINT,
    -- {"product": true, "order": false, "gift": true}
    combines_with TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    -- Kept by redemptions, like the campaign's counters.
    used_count BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, campaign_id) REFERENCES promotion_campaigns (workspace_id, id)
);
-- One live promotion per code, case ignored.
CREATE UNIQUE INDEX promotions_live_code ON promotions (workspace_id, lower(code))
    WHERE deleted_at IS NULL AND code IS NOT NULL;
CREATE INDEX promotions_by_campaign ON promotions (workspace_id, campaign_id);

CREATE TABLE promotion_redemptions (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    promotion_id UUID NOT NULL,
    campaign_id UUID,
    customer_id UUID NOT NULL,
    deal_id UUID NOT NULL,
    quote_id UUID NOT NULL,
    discount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    redeemed_at TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, promotion_id) REFERENCES promotions (workspace_id, id),
    FOREIGN KEY (workspace_id, quote_id) REFERENCES quotes (workspace_id, id),
    UNIQUE (workspace_id, quote_id, promotion_id)
);
CREATE INDEX promotion_redemptions_by_customer ON promotion_redemptions (workspace_id, promotion_id, customer_id);

ALTER TABLE quotes ADD COLUMN channel TEXT;
ALTER TABLE quotes ADD COLUMN promotion_codes TEXT NOT NULL DEFAULT '[]';
-- The promotions applied when the quote was last priced: [{"promotion_id": ..., "discount_minor": ...}, ...]
ALTER TABLE quotes ADD COLUMN promotions TEXT NOT NULL DEFAULT '[]';
