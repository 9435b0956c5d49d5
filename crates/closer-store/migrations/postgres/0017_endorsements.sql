-- Endorsements (issue 8): what backs a B2B deal with trust the buyer already has (D5).

CREATE TABLE endorsements (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    deal_id UUID NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reference_customer', 'warm_intro', 'mutual_connection',
        'industry_association', 'certification', 'case_study')),
    by_person_id UUID,
    meeting_id UUID,
    note TEXT,
    recorded_by UUID NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE INDEX endorsements_by_deal ON endorsements (workspace_id, deal_id);
