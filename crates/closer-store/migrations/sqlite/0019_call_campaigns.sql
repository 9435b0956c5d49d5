-- Telemarketing campaigns (issue 9): the script and dialling rules, the people to call with the
-- state of their calls (the hopper reads these), and every call made with its disposition.

CREATE TABLE call_campaigns (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    -- The currency of the deals its calls open.
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
    dialing_mode TEXT NOT NULL CHECK (dialing_mode IN ('preview')),
    -- The calling window, attempts and retry waits (JSON).
    rules TEXT NOT NULL,
    -- The current script (JSON); older versions are in call_script_versions.
    script TEXT NOT NULL,
    script_version INTEGER NOT NULL,
    owner_id BLOB NOT NULL,
    team_id BLOB,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE call_script_versions (
    workspace_id BLOB NOT NULL,
    campaign_id BLOB NOT NULL,
    script_version INTEGER NOT NULL,
    script TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, campaign_id, script_version),
    FOREIGN KEY (workspace_id, campaign_id) REFERENCES call_campaigns (workspace_id, id)
);

CREATE TABLE call_entries (
    workspace_id BLOB NOT NULL,
    id BLOB NOT NULL,
    campaign_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    phone TEXT NOT NULL,
    timezone TEXT,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'queued', 'in_progress', 'retry_later', 'callback_scheduled',
        'converted', 'closed', 'suppressed', 'exhausted')),
    attempts INTEGER NOT NULL,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    -- When it fell due or was added: the hopper serves the longest waiting first.
    waiting_since TEXT NOT NULL,
    callback_agent_id BLOB,
    claimed_by BLOB,
    claimed_until TEXT,
    deal_id BLOB,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, campaign_id) REFERENCES call_campaigns (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES parties (workspace_id, id)
);
-- One entry per number in a campaign.
CREATE UNIQUE INDEX call_entries_number ON call_entries (workspace_id, campaign_id, phone) WHERE deleted_at IS NULL;
-- The hopper: callbacks by due time, and the entries to call by priority then the longest
-- waiting, each state one index range.
CREATE INDEX call_entries_due ON call_entries (workspace_id, campaign_id, status, next_attempt_at);
CREATE INDEX call_entries_waiting ON call_entries (workspace_id, campaign_id, status, priority DESC, waiting_since);
CREATE INDEX call_entries_claimed ON call_entries (workspace_id, claimed_by) WHERE claimed_by IS NOT NULL;

CREATE TABLE call_attempts (
    workspace_id BLOB NOT NULL,
    id BLOB NOT NULL,
    campaign_id BLOB NOT NULL,
    entry_id BLOB NOT NULL,
    person_id BLOB NOT NULL,
    agent_id BLOB NOT NULL,
    disposition TEXT NOT NULL CHECK (disposition IN ('no_answer', 'busy', 'machine', 'left_message', 'wrong_number',
        'dropped', 'contacted', 'interested', 'not_interested', 'price_objection', 'callback_requested',
        'appointment_set', 'sale', 'do_not_call')),
    script_version INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    talk_seconds INTEGER,
    notes TEXT,
    callback_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, entry_id) REFERENCES call_entries (workspace_id, id)
);
-- Metrics per campaign, agent and day; a person's call history.
CREATE INDEX call_attempts_by_campaign ON call_attempts (workspace_id, campaign_id, started_at);
CREATE INDEX call_attempts_by_person ON call_attempts (workspace_id, person_id, started_at);
