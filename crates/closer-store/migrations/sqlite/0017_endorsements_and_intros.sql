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

-- Requests for warm introductions (§4.11): who asked whom to introduce them to whom.
CREATE TABLE intro_requests (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    requester_id BLOB NOT NULL,
    -- A colleague ({"user_id": ...}) or someone outside ({"person_id": ...}).
    connector TEXT NOT NULL,
    connector_id BLOB NOT NULL,
    target_id BLOB NOT NULL,
    deal_id BLOB,
    path_score REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'requested', 'accepted', 'declined', 'intro_made', 'meeting_booked', 'expired')),
    message TEXT,
    requested_at TEXT,
    expires_at TEXT,
    answered_at TEXT,
    decline_reason TEXT,
    meeting_id BLOB,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id)
);
-- How often a connector was asked lately (fatigue), and each user's requests.
CREATE INDEX intro_requests_by_connector ON intro_requests (workspace_id, connector_id, requested_at);
CREATE INDEX intro_requests_by_requester ON intro_requests (workspace_id, requester_id);
