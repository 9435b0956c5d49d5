-- The pipeline board reads each stage's first cards, longest in the stage first, and sums each
-- stage by currency; these indexes answer both without reading the table (counts and totals)
-- or sorting (cards), however many deals a stage holds.
CREATE INDEX deals_stage_cards ON deals (workspace_id, stage_id, stage_entered_at, id);
CREATE INDEX deals_stage_totals ON deals (workspace_id, stage_id, deleted_at, currency, amount_minor);
