-- Access: passwords and disabling on users, teams and their members, sessions and API tokens
-- (stored as hashes), login throttling, org-wide access defaults per record type, and the team
-- of every owned record.

ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;

CREATE TABLE teams (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, name)
);

CREATE TABLE team_members (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    team_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    is_manager INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, team_id, user_id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX team_members_by_user ON team_members (workspace_id, user_id);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    user_id BLOB NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client_address TEXT,
    user_agent TEXT,
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX sessions_by_user ON sessions (workspace_id, user_id);

CREATE TABLE api_tokens (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'read_write')),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    expires_at TEXT,
    revoked_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX api_tokens_by_user ON api_tokens (workspace_id, user_id);

CREATE TABLE login_throttle (
    key TEXT NOT NULL PRIMARY KEY,
    window_started_at TEXT NOT NULL,
    failures INTEGER NOT NULL
);

CREATE TABLE access_defaults (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    record_type TEXT NOT NULL,
    level TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, record_type)
);

ALTER TABLE parties ADD COLUMN team_id BLOB;
ALTER TABLE deals ADD COLUMN team_id BLOB;
CREATE INDEX parties_by_team ON parties (workspace_id, team_id, id);
CREATE INDEX deals_by_team ON deals (workspace_id, team_id, id);
