-- Relationships (issue 8): interactions as metadata only (never a subject or a body), who took
-- part in each, and whether a user shares their own connections for warm paths.

CREATE TABLE interactions (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('email_thread', 'meeting', 'call', 'message', 'connection', 'manual_assertion')),
    occurred_at TEXT NOT NULL,
    -- [{"person_id": ...} | {"user_id": ...}, "direction": "from" | "to" | "cc" | "attendee" | null]
    participants TEXT NOT NULL,
    participant_count INTEGER NOT NULL CHECK (participant_count >= 2),
    two_way INTEGER NOT NULL,
    face_to_face INTEGER NOT NULL,
    duration_seconds INTEGER,
    expires_at TEXT,
    source TEXT NOT NULL CHECK (source IN ('api', 'import', 'meeting')),
    source_id BLOB,
    recorded_by BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id)
);
-- One interaction per logged meeting, found again when the meeting changes.
CREATE UNIQUE INDEX interactions_source ON interactions (workspace_id, source, source_id) WHERE source_id IS NOT NULL;
-- The index is rebuilt from these in creation order; servers catch up on others' writes by time.
CREATE INDEX interactions_created ON interactions (workspace_id, created_at);

-- Each participant of each interaction: a person's or a user's interactions, found fast.
CREATE TABLE interaction_participants (
    workspace_id BLOB NOT NULL,
    interaction_id BLOB NOT NULL,
    participant_id BLOB NOT NULL,
    PRIMARY KEY (workspace_id, participant_id, interaction_id),
    FOREIGN KEY (workspace_id, interaction_id) REFERENCES interactions (workspace_id, id)
);

ALTER TABLE users ADD COLUMN shares_connections INTEGER NOT NULL DEFAULT 1;
