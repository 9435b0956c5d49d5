-- The pipeline board and the deal lists at scale.

-- Each stage's first cards, the longest in the stage first, without sorting the stage.
CREATE INDEX deals_stage_cards ON deals (workspace_id, stage_id, stage_entered_at, id);
-- Lists filtered by kind and status (the open B2B deals), in id order.
CREATE INDEX deals_by_kind_status ON deals (workspace_id, kind, status, id);

-- Live deals counted and summed per stage, owner, team and currency, kept by the trigger below
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
       currency, COUNT(*), SUM(amount_minor)
FROM deals WHERE deleted_at IS NULL
GROUP BY workspace_id, stage_id, owner_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid), currency;

CREATE FUNCTION deals_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        UPDATE deal_stage_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
        WHERE workspace_id = OLD.workspace_id AND stage_id = OLD.stage_id AND owner_id = OLD.owner_id
          AND team_key = COALESCE(OLD.team_id, '00000000-0000-0000-0000-000000000000'::uuid)
          AND currency = OLD.currency;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
        VALUES (NEW.workspace_id, NEW.stage_id, NEW.owner_id,
                COALESCE(NEW.team_id, '00000000-0000-0000-0000-000000000000'::uuid), NEW.currency, 1, NEW.amount_minor)
        ON CONFLICT (workspace_id, stage_id, owner_id, team_key, currency)
        DO UPDATE SET deals = deal_stage_totals.deals + 1,
                      amount_minor = deal_stage_totals.amount_minor + EXCLUDED.amount_minor;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER deals_counted
AFTER INSERT OR DELETE OR UPDATE OF stage_id, owner_id, team_id, currency, amount_minor, deleted_at ON deals
FOR EACH ROW EXECUTE FUNCTION deals_counted();
