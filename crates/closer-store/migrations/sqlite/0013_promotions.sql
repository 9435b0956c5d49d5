-- B2C promotions (issue 7): campaigns with budgets, promotions, their redemptions, and the
-- promotions a quote carries.

CREATE TABLE promotion_campaigns (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    budget_kind TEXT CHECK (budget_kind IN ('usage', 'spend')),
    budget_limit INTEGER,
    budget_currency TEXT,
    -- Kept by redemptions in the same transaction, so a budget is checked and spent atomically.
    used_count INTEGER NOT NULL DEFAULT 0,
    spent_minor INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE promotions (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    campaign_id BLOB,
    code TEXT,
    class TEXT NOT NULL CHECK (class IN ('product', 'order', 'gift')),
    -- {"type": "percentage", "bp": 1000} and the other rewards
    reward TEXT NOT NULL,
    -- {"product_ids": [...], "categories": [...], "min_subtotal_minor": ..., ...}
    eligibility TEXT NOT NULL,
    currency TEXT,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    usage_limit_total INTEGER,
    usage_limit_per_customer INTEGER,
    -- {"product": true, "order": false, "gift": true}
    combines_with TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    -- Kept by redemptions, like the campaign's counters.
    used_count INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, campaign_id) REFERENCES promotion_campaigns (workspace_id, id)
);
-- One live promotion per code, case ignored.
CREATE UNIQUE INDEX promotions_live_code ON promotions (workspace_id, lower(code))
    WHERE deleted_at IS NULL AND code IS NOT NULL;
CREATE INDEX promotions_by_campaign ON promotions (workspace_id, campaign_id);

CREATE TABLE promotion_redemptions (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    promotion_id BLOB NOT NULL,
    campaign_id BLOB,
    customer_id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    quote_id BLOB NOT NULL,
    discount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    redeemed_at TEXT NOT NULL,
    released_at TEXT,
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
