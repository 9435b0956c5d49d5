-- A rep's board: their own deals and each team's, read per stage in stage order (the longest in
-- the stage first) instead of filtering every deal of the stage.
CREATE INDEX deals_owner_stage_cards ON deals (workspace_id, owner_id, stage_id, stage_entered_at, id);
CREATE INDEX deals_team_stage_cards ON deals (workspace_id, team_id, stage_id, stage_entered_at, id);
