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

-- Requests for warm introductions (§4.11): who asked whom to introduce them to whom.
CREATE TABLE intro_requests (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    id UUID NOT NULL,
    requester_id UUID NOT NULL,
    -- A colleague ({"user_id": ...}) or someone outside ({"person_id": ...}).
    connector TEXT NOT NULL,
    connector_id UUID NOT NULL,
    target_id UUID NOT NULL,
    deal_id UUID,
    path_score DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'requested', 'accepted', 'declined', 'intro_made', 'meeting_booked', 'expired')),
    message TEXT,
    requested_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    answered_at TIMESTAMPTZ,
    decline_reason TEXT,
    meeting_id UUID,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    PRIMARY KEY (workspace_id, id)
);
-- How often a connector was asked lately (fatigue), and each user's requests.
CREATE INDEX intro_requests_by_connector ON intro_requests (workspace_id, connector_id, requested_at);
CREATE INDEX intro_requests_by_requester ON intro_requests (workspace_id, requester_id);
