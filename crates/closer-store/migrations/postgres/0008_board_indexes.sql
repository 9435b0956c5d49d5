-- The pipeline board and the deal lists at scale.

-- Each stage's first cards, the longest in the stage first, without sorting the stage.
CREATE INDEX deals_stage_cards ON deals (workspace_id, stage_id, stage_entered_at, id);
-- Lists filtered by kind and status (the open B2B deals), in id order.
CREATE INDEX deals_by_kind_status ON deals (workspace_id, kind, status, id);
-- A user's live places on deal teams, read without the table: checking what a rep may see
-- probes or lists them on every page.
CREATE INDEX deal_team_members_live_by_user ON deal_team_members (workspace_id, user_id, deal_id)
    WHERE deleted_at IS NULL;

-- Live deals counted and summed per stage, owner, team and currency, kept by the triggers below
-- on every write to deals, so a board's columns are added up from a few rows instead of every
-- deal. `team_key` is the team, or the nil UUID for none (a key column cannot be NULL).
CREATE TABLE deal_stage_totals (
    workspace_id UUID NOT NULL,
    stage_id UUID NOT NULL,
    owner_id UUID NOT NULL,
    team_key UUID NOT NULL,
    currency TEXT NOT NULL,
    deals BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, stage_id, owner_id, team_key, currency)
);

INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
SELECT workspace_id, stage_id, owner_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid),
       currency, COUNT(*), SUM(amount_minor)::BIGINT
FROM deals WHERE deleted_at IS NULL
GROUP BY workspace_id, stage_id, owner_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid), currency;

-- Statement-level triggers: a statement that writes many deals (a bulk load, an import) changes
-- each totals row once. Row-level triggers would update one totals row thousands of times in one
-- transaction, and PostgreSQL walks every version of that row on each update.
CREATE FUNCTION deals_counted_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
    SELECT workspace_id, stage_id, owner_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid),
           currency, COUNT(*), SUM(amount_minor)::BIGINT
    FROM inserted WHERE deleted_at IS NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (workspace_id, stage_id, owner_id, team_key, currency)
    DO UPDATE SET deals = deal_stage_totals.deals + EXCLUDED.deals,
                  amount_minor = deal_stage_totals.amount_minor + EXCLUDED.amount_minor;
    RETURN NULL;
END
$$;

CREATE FUNCTION deals_counted_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
    SELECT workspace_id, stage_id, owner_id, team_key, currency, SUM(deals)::BIGINT, SUM(amount_minor)::BIGINT
    FROM (
        SELECT workspace_id, stage_id, owner_id,
               COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid) AS team_key,
               currency, 1 AS deals, amount_minor
        FROM updated WHERE deleted_at IS NULL
        UNION ALL
        SELECT workspace_id, stage_id, owner_id,
               COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid) AS team_key,
               currency, -1 AS deals, -amount_minor
        FROM replaced WHERE deleted_at IS NULL
    ) AS changes
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(deals) <> 0 OR SUM(amount_minor) <> 0
    ON CONFLICT (workspace_id, stage_id, owner_id, team_key, currency)
    DO UPDATE SET deals = deal_stage_totals.deals + EXCLUDED.deals,
                  amount_minor = deal_stage_totals.amount_minor + EXCLUDED.amount_minor;
    RETURN NULL;
END
$$;

CREATE FUNCTION deals_counted_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deal_stage_totals AS t
    SET deals = t.deals - gone.deals, amount_minor = t.amount_minor - gone.amount_minor
    FROM (
        SELECT workspace_id, stage_id, owner_id,
               COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid) AS team_key,
               currency, COUNT(*) AS deals, SUM(amount_minor)::BIGINT AS amount_minor
        FROM deleted WHERE deleted_at IS NULL
        GROUP BY 1, 2, 3, 4, 5
    ) AS gone
    WHERE t.workspace_id = gone.workspace_id AND t.stage_id = gone.stage_id AND t.owner_id = gone.owner_id
      AND t.team_key = gone.team_key AND t.currency = gone.currency;
    RETURN NULL;
END
$$;

CREATE TRIGGER deals_counted_on_insert AFTER INSERT ON deals
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION deals_counted_on_insert();
CREATE TRIGGER deals_counted_on_update AFTER UPDATE ON deals
REFERENCING OLD TABLE AS replaced NEW TABLE AS updated FOR EACH STATEMENT EXECUTE FUNCTION deals_counted_on_update();
CREATE TRIGGER deals_counted_on_delete AFTER DELETE ON deals
REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION deals_counted_on_delete();
