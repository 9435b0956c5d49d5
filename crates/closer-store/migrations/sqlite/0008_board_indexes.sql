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
-- deal. `team_key` is the team, or 16 zero bytes for none (a key column cannot be NULL).
CREATE TABLE deal_stage_totals (
    workspace_id BLOB NOT NULL,
    stage_id BLOB NOT NULL,
    owner_id BLOB NOT NULL,
    team_key BLOB NOT NULL,
    currency TEXT NOT NULL,
    deals INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, stage_id, owner_id, team_key, currency)
);

INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
SELECT workspace_id, stage_id, owner_id, COALESCE(team_id, zeroblob(16)), currency, COUNT(*), SUM(amount_minor)
FROM deals WHERE deleted_at IS NULL
GROUP BY workspace_id, stage_id, owner_id, COALESCE(team_id, zeroblob(16)), currency;

CREATE TRIGGER deals_counted_on_insert AFTER INSERT ON deals WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
    VALUES (NEW.workspace_id, NEW.stage_id, NEW.owner_id, COALESCE(NEW.team_id, zeroblob(16)), NEW.currency, 1, NEW.amount_minor)
    ON CONFLICT (workspace_id, stage_id, owner_id, team_key, currency)
    DO UPDATE SET deals = deals + 1, amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER deals_counted_on_update
AFTER UPDATE OF stage_id, owner_id, team_id, currency, amount_minor, deleted_at ON deals
BEGIN
    UPDATE deal_stage_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE OLD.deleted_at IS NULL AND workspace_id = OLD.workspace_id AND stage_id = OLD.stage_id
      AND owner_id = OLD.owner_id AND team_key = COALESCE(OLD.team_id, zeroblob(16)) AND currency = OLD.currency;
    INSERT INTO deal_stage_totals (workspace_id, stage_id, owner_id, team_key, currency, deals, amount_minor)
    SELECT NEW.workspace_id, NEW.stage_id, NEW.owner_id, COALESCE(NEW.team_id, zeroblob(16)), NEW.currency, 1, NEW.amount_minor
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (workspace_id, stage_id, owner_id, team_key, currency)
    DO UPDATE SET deals = deals + 1, amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER deals_counted_on_delete AFTER DELETE ON deals WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE deal_stage_totals SET deals = deals - 1, amount_minor = amount_minor - OLD.amount_minor
    WHERE workspace_id = OLD.workspace_id AND stage_id = OLD.stage_id AND owner_id = OLD.owner_id
      AND team_key = COALESCE(OLD.team_id, zeroblob(16)) AND currency = OLD.currency;
END;
