-- The buying committee of a deal (stakeholders), our deal team, meetings with their
-- attendees from both sides, and the qualification notes of deals.

CREATE TABLE stakeholders (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    department TEXT,
    roles TEXT NOT NULL DEFAULT '[]',
    is_key_person INTEGER NOT NULL DEFAULT 0,
    influence INTEGER NOT NULL,
    stance TEXT NOT NULL,
    response_mode TEXT NOT NULL,
    win_result TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES parties (workspace_id, id)
);
CREATE INDEX stakeholders_by_deal ON stakeholders (workspace_id, deal_id, id);
CREATE INDEX stakeholders_by_person ON stakeholders (workspace_id, person_id);

CREATE TABLE deal_team_members (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    role TEXT NOT NULL,
    covers TEXT NOT NULL DEFAULT '[]',
    access TEXT NOT NULL CHECK (access IN ('read', 'edit')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX deal_team_members_by_deal ON deal_team_members (workspace_id, deal_id, id);
CREATE INDEX deal_team_members_by_user ON deal_team_members (workspace_id, user_id, deal_id);

CREATE TABLE meetings (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    deal_id BLOB,
    purpose TEXT NOT NULL,
    venue TEXT NOT NULL,
    location TEXT,
    status TEXT NOT NULL,
    planned_start TEXT NOT NULL,
    planned_end TEXT NOT NULL,
    actual_start TEXT,
    actual_end TEXT,
    objective TEXT,
    agreed_next_step TEXT,
    next_step_due TEXT,
    outcome_notes TEXT,
    visit_plan TEXT,
    negotiation_plan TEXT,
    rescheduled_to BLOB,
    organiser_id BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, organiser_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX meetings_by_deal ON meetings (workspace_id, deal_id, id);
CREATE INDEX meetings_by_organiser ON meetings (workspace_id, organiser_id, id);

CREATE TABLE meeting_attendees (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    meeting_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buyer', 'seller')),
    person_id BLOB,
    user_id BLOB,
    invite TEXT NOT NULL,
    response TEXT NOT NULL,
    attendance TEXT NOT NULL,
    PRIMARY KEY (workspace_id, meeting_id, position),
    FOREIGN KEY (workspace_id, meeting_id) REFERENCES meetings (workspace_id, id)
);
CREATE INDEX meeting_attendees_by_person ON meeting_attendees (workspace_id, person_id);

ALTER TABLE deals ADD COLUMN qualification TEXT NOT NULL DEFAULT '{}';
