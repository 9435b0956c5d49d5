-- Endorsements (issue 8): what backs a B2B deal with trust the buyer already has (D5).

CREATE TABLE endorsements (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reference_customer', 'warm_intro', 'mutual_connection',
        'industry_association', 'certification', 'case_study')),
    by_person_id BLOB,
    meeting_id BLOB,
    note TEXT,
    recorded_by BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id)
);
CREATE INDEX endorsements_by_deal ON endorsements (workspace_id, deal_id);
