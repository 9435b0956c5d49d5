//! Telemarketing campaigns, their entries (the hopper's rows) and the calls made to them. An
//! entry changes hands only through a compare-and-set on its version, so two agents never hold
//! the same entry, on either database.

use std::collections::HashSet;

use closer_domain::contact::PhoneNumber;
use closer_domain::ids::{CallAttemptId, CallCampaignId, CallEntryId, DealId, PartyId, TeamId, UserId, WorkspaceId};
use closer_domain::record::Ownership;
use closer_domain::telemarketing::{
    CallAttempt, CallAttemptFields, CallEntry, CallEntryFields, Campaign, CampaignFields, CampaignStatus, DialingMode,
    Disposition, EntryStatus,
};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, from_json_text, json_text, label};
use crate::schema::{CallAttempts, CallCampaigns, CallEntries, CallScriptVersions};

#[derive(FromRow)]
struct CampaignRow {
    id: Uuid,
    name: String,
    currency: String,
    status: String,
    dialing_mode: String,
    rules: String,
    script: String,
    script_version: i32,
    takes_inbound_leads: bool,
    owner_id: Uuid,
    team_id: Option<Uuid>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl CampaignRow {
    fn into_campaign(self) -> Result<Campaign> {
        Ok(Campaign {
            id: CallCampaignId(self.id),
            fields: CampaignFields {
                name: self.name,
                currency: label(closer_domain::money::Currency::parse, &self.currency)?,
                status: label(CampaignStatus::parse, &self.status)?,
                dialing_mode: label(DialingMode::parse, &self.dialing_mode)?,
                rules: from_json_text("call_campaigns.rules", &self.rules)?,
                script: from_json_text("call_campaigns.script", &self.script)?,
                script_version: self.script_version,
                takes_inbound_leads: self.takes_inbound_leads,
            },
            ownership: Ownership {
                owner_id: UserId(self.owner_id),
                team_id: self.team_id.map(TeamId),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_campaigns(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            CallCampaigns::Id,
            CallCampaigns::Name,
            CallCampaigns::Currency,
            CallCampaigns::Status,
            CallCampaigns::DialingMode,
            CallCampaigns::Rules,
            CallCampaigns::Script,
            CallCampaigns::ScriptVersion,
            CallCampaigns::TakesInboundLeads,
            CallCampaigns::OwnerId,
            CallCampaigns::TeamId,
            CallCampaigns::Version,
            CallCampaigns::CreatedAt,
            CallCampaigns::UpdatedAt,
            CallCampaigns::DeletedAt,
        ])
        .from(CallCampaigns::Table)
        .and_where(Expr::col(CallCampaigns::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn campaign_values(campaign: &Campaign) -> Vec<(CallCampaigns, Expr)> {
    let f = &campaign.fields;
    vec![
        (CallCampaigns::Name, f.name.clone().into()),
        (CallCampaigns::Currency, f.currency.code().into()),
        (CallCampaigns::Status, f.status.as_str().into()),
        (CallCampaigns::DialingMode, f.dialing_mode.as_str().into()),
        (CallCampaigns::Rules, json_text(&f.rules).into()),
        (CallCampaigns::Script, json_text(&f.script).into()),
        (CallCampaigns::ScriptVersion, f.script_version.into()),
        (CallCampaigns::TakesInboundLeads, f.takes_inbound_leads.into()),
        (
            CallCampaigns::TeamId,
            campaign.ownership.team_id.map(|t| t.as_uuid()).into(),
        ),
    ]
}

pub async fn get_campaign(conn: Conn<'_>, workspace: WorkspaceId, id: CallCampaignId) -> Result<Option<Campaign>> {
    let statement = select_campaigns(workspace)
        .and_where(Expr::col(CallCampaigns::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<CampaignRow, _>(&statement)
        .await?
        .map(CampaignRow::into_campaign)
        .transpose()
}

/// Inserts a campaign and keeps its first script version.
pub async fn insert_campaign(mut conn: Conn<'_>, workspace: WorkspaceId, campaign: &Campaign) -> Result<()> {
    let mut row = campaign_values(campaign);
    row.push((CallCampaigns::OwnerId, campaign.ownership.owner_id.as_uuid().into()));
    records::insert_record(
        conn.reborrow(),
        CallCampaigns::Table,
        workspace,
        campaign.id.as_uuid(),
        &campaign.meta,
        row,
    )
    .await?;
    keep_script(conn, workspace, campaign).await
}

/// Writes a changed campaign if it is still at `expected_version`; a new script version is
/// kept beside the others.
pub async fn update_campaign(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: &Campaign,
    expected_version: i64,
) -> Result<bool> {
    let written = records::update_record(
        conn.reborrow(),
        CallCampaigns::Table,
        workspace,
        campaign.id.as_uuid(),
        &campaign.meta,
        expected_version,
        campaign_values(campaign),
    )
    .await?;
    if written {
        keep_script(conn, workspace, campaign).await?;
    }
    Ok(written)
}

async fn keep_script(conn: Conn<'_>, workspace: WorkspaceId, campaign: &Campaign) -> Result<()> {
    let statement = Query::insert()
        .into_table(CallScriptVersions::Table)
        .columns([
            CallScriptVersions::WorkspaceId,
            CallScriptVersions::CampaignId,
            CallScriptVersions::ScriptVersion,
            CallScriptVersions::Script,
            CallScriptVersions::CreatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            campaign.id.as_uuid().into(),
            campaign.fields.script_version.into(),
            json_text(&campaign.fields.script).into(),
            campaign.meta.updated_at.into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns([
                CallScriptVersions::WorkspaceId,
                CallScriptVersions::CampaignId,
                CallScriptVersions::ScriptVersion,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Campaigns, one page in id order.
pub async fn list_campaigns(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deleted: Deleted,
    page: PageRequest,
) -> Result<Page<Campaign>> {
    let mut statement = select_campaigns(workspace);
    records::scope_page(&mut statement, CallCampaigns::Table, workspace, deleted, page);
    let rows: Vec<CampaignRow> = conn.fetch_all(&statement).await?;
    let items = rows
        .into_iter()
        .map(CampaignRow::into_campaign)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |c| c.id.as_uuid()))
}

#[derive(FromRow)]
struct EntryRow {
    id: Uuid,
    campaign_id: Uuid,
    person_id: Uuid,
    phone: String,
    timezone: Option<String>,
    priority: i32,
    status: String,
    attempts: i32,
    last_attempt_at: Option<OffsetDateTime>,
    next_attempt_at: Option<OffsetDateTime>,
    waiting_since: OffsetDateTime,
    callback_agent_id: Option<Uuid>,
    claimed_by: Option<Uuid>,
    claimed_until: Option<OffsetDateTime>,
    deal_id: Option<Uuid>,
    lead_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl EntryRow {
    fn into_entry(self) -> Result<CallEntry> {
        Ok(CallEntry {
            id: CallEntryId(self.id),
            fields: CallEntryFields {
                campaign_id: CallCampaignId(self.campaign_id),
                person_id: PartyId(self.person_id),
                phone: PhoneNumber::parse(&self.phone)
                    .map_err(|e| StoreError::Corrupt(format!("call_entries.phone: {e}")))?,
                timezone: self.timezone,
                priority: self.priority,
                status: label(EntryStatus::parse, &self.status)?,
                attempts: u8::try_from(self.attempts).unwrap_or(u8::MAX),
                last_attempt_at: self.last_attempt_at,
                next_attempt_at: self.next_attempt_at,
                waiting_since: self.waiting_since,
                callback_agent_id: self.callback_agent_id.map(UserId),
                claimed_by: self.claimed_by.map(UserId),
                claimed_until: self.claimed_until,
                deal_id: self.deal_id.map(DealId),
                lead_at: self.lead_at,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

const ENTRY_COLUMNS: [CallEntries; 20] = [
    CallEntries::Id,
    CallEntries::CampaignId,
    CallEntries::PersonId,
    CallEntries::Phone,
    CallEntries::Timezone,
    CallEntries::Priority,
    CallEntries::Status,
    CallEntries::Attempts,
    CallEntries::LastAttemptAt,
    CallEntries::NextAttemptAt,
    CallEntries::WaitingSince,
    CallEntries::CallbackAgentId,
    CallEntries::ClaimedBy,
    CallEntries::ClaimedUntil,
    CallEntries::DealId,
    CallEntries::LeadAt,
    CallEntries::Version,
    CallEntries::CreatedAt,
    CallEntries::UpdatedAt,
    CallEntries::DeletedAt,
];

fn select_entries(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(ENTRY_COLUMNS)
        .from(CallEntries::Table)
        .and_where(Expr::col(CallEntries::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

/// The state columns an entry's calls (and a rerouted lead) change.
fn entry_state(entry: &CallEntry) -> Vec<(CallEntries, Expr)> {
    let f = &entry.fields;
    vec![
        (CallEntries::Priority, f.priority.into()),
        (CallEntries::LeadAt, f.lead_at.into()),
        (CallEntries::Status, f.status.as_str().into()),
        (CallEntries::Attempts, i32::from(f.attempts).into()),
        (CallEntries::LastAttemptAt, f.last_attempt_at.into()),
        (CallEntries::NextAttemptAt, f.next_attempt_at.into()),
        (CallEntries::WaitingSince, f.waiting_since.into()),
        (
            CallEntries::CallbackAgentId,
            f.callback_agent_id.map(|u| u.as_uuid()).into(),
        ),
        (CallEntries::ClaimedBy, f.claimed_by.map(|u| u.as_uuid()).into()),
        (CallEntries::ClaimedUntil, f.claimed_until.into()),
        (CallEntries::DealId, f.deal_id.map(|d| d.as_uuid()).into()),
    ]
}

pub async fn get_entry(conn: Conn<'_>, workspace: WorkspaceId, id: CallEntryId) -> Result<Option<CallEntry>> {
    let statement = select_entries(workspace)
        .and_where(Expr::col(CallEntries::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<EntryRow, _>(&statement)
        .await?
        .map(EntryRow::into_entry)
        .transpose()
}

/// The active campaigns that take inbound leads, oldest first.
pub async fn inbound_campaigns(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<Campaign>> {
    let statement = select_campaigns(workspace)
        .and_where(Expr::col(CallCampaigns::TakesInboundLeads).eq(true))
        .and_where(Expr::col(CallCampaigns::Status).eq(CampaignStatus::Active.as_str()))
        .and_where(Expr::col(CallCampaigns::DeletedAt).is_null())
        .order_by(CallCampaigns::CreatedAt, Order::Asc)
        .to_owned();
    let rows: Vec<CampaignRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(CampaignRow::into_campaign).collect()
}

/// The live entry of `phone` in `campaign`, if it has one.
pub async fn entry_of_number(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    phone: &str,
) -> Result<Option<CallEntry>> {
    let statement = select_entries(workspace)
        .and_where(Expr::col(CallEntries::CampaignId).eq(campaign.as_uuid()))
        .and_where(Expr::col(CallEntries::Phone).eq(phone))
        .and_where(Expr::col(CallEntries::DeletedAt).is_null())
        .to_owned();
    conn.fetch_optional::<EntryRow, _>(&statement)
        .await?
        .map(EntryRow::into_entry)
        .transpose()
}

/// When each of `entries` that is an inbound lead came in.
pub async fn lead_times(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    entries: &[CallEntryId],
) -> Result<std::collections::HashMap<CallEntryId, OffsetDateTime>> {
    #[derive(FromRow)]
    struct Lead {
        id: Uuid,
        lead_at: OffsetDateTime,
    }
    if entries.is_empty() {
        return Ok(Default::default());
    }
    let statement = Query::select()
        .columns([CallEntries::Id, CallEntries::LeadAt])
        .from(CallEntries::Table)
        .and_where(Expr::col(CallEntries::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(CallEntries::Id).is_in(entries.iter().map(|e| e.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(CallEntries::LeadAt).is_not_null())
        .to_owned();
    let rows: Vec<Lead> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| (CallEntryId(r.id), r.lead_at)).collect())
}

/// The numbers of `campaign` that already have a live entry.
pub async fn numbers_in(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    phones: &[&str],
) -> Result<HashSet<String>> {
    #[derive(FromRow)]
    struct Phone {
        phone: String,
    }
    if phones.is_empty() {
        return Ok(HashSet::new());
    }
    let statement = Query::select()
        .column(CallEntries::Phone)
        .from(CallEntries::Table)
        .and_where(Expr::col(CallEntries::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(CallEntries::CampaignId).eq(campaign.as_uuid()))
        .and_where(Expr::col(CallEntries::Phone).is_in(phones.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>()))
        .and_where(Expr::col(CallEntries::DeletedAt).is_null())
        .to_owned();
    let rows: Vec<Phone> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.phone).collect())
}

pub async fn insert_entry(conn: Conn<'_>, workspace: WorkspaceId, entry: &CallEntry) -> Result<()> {
    let f = &entry.fields;
    let mut row = entry_state(entry);
    row.extend([
        (CallEntries::CampaignId, f.campaign_id.as_uuid().into()),
        (CallEntries::PersonId, f.person_id.as_uuid().into()),
        (CallEntries::Phone, f.phone.as_str().into()),
        (CallEntries::Timezone, f.timezone.clone().into()),
    ]);
    records::insert_record(
        conn,
        CallEntries::Table,
        workspace,
        entry.id.as_uuid(),
        &entry.meta,
        row,
    )
    .await
}

/// Writes an entry's new state if it is still at `expected_version`: the compare-and-set every
/// claim and every disposition goes through. False when someone changed it meanwhile.
pub async fn update_entry(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    entry: &CallEntry,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        CallEntries::Table,
        workspace,
        entry.id.as_uuid(),
        &entry.meta,
        expected_version,
        entry_state(entry),
    )
    .await
}

/// A campaign's entries, one page in id order, optionally in one state.
pub async fn list_entries(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    status: Option<EntryStatus>,
    page: PageRequest,
) -> Result<Page<CallEntry>> {
    let mut statement = select_entries(workspace)
        .and_where(Expr::col(CallEntries::CampaignId).eq(campaign.as_uuid()))
        .to_owned();
    if let Some(status) = status {
        statement.and_where(Expr::col(CallEntries::Status).eq(status.as_str()));
    }
    records::scope_page(&mut statement, CallEntries::Table, workspace, Deleted::Hide, page);
    let rows: Vec<EntryRow> = conn.fetch_all(&statement).await?;
    let items = rows.into_iter().map(EntryRow::into_entry).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |e| e.id.as_uuid()))
}

/// The entry `agent` holds now in `campaign`, if any.
pub async fn held_by(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    agent: UserId,
    now: OffsetDateTime,
) -> Result<Option<CallEntry>> {
    let statement = select_entries(workspace)
        .and_where(Expr::col(CallEntries::CampaignId).eq(campaign.as_uuid()))
        .and_where(Expr::col(CallEntries::ClaimedBy).eq(agent.as_uuid()))
        .and_where(Expr::col(CallEntries::Status).eq(EntryStatus::InProgress.as_str()))
        .and_where(Expr::col(CallEntries::ClaimedUntil).gt(now))
        .and_where(Expr::col(CallEntries::DeletedAt).is_null())
        .limit(1)
        .to_owned();
    conn.fetch_optional::<EntryRow, _>(&statement)
        .await?
        .map(EntryRow::into_entry)
        .transpose()
}

/// Entries of `campaign` due for `agent` at `now`, `limit` of each kind from `offset`: the
/// callbacks due (the agent's and the pool's), claims whose lease ran out, and the new, queued and
/// retried entries by priority then the longest waiting. Each kind is one index range, so the
/// cost does not grow with the list, and all are read in one statement; the hopper ranks what
/// comes back.
pub async fn due_entries(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    agent: UserId,
    now: OffsetDateTime,
    limit: u64,
    offset: u64,
) -> Result<Vec<CallEntry>> {
    let of_kind = |status: EntryStatus| {
        select_entries(workspace)
            .and_where(Expr::col(CallEntries::CampaignId).eq(campaign.as_uuid()))
            .and_where(Expr::col(CallEntries::Status).eq(status.as_str()))
            .and_where(Expr::col(CallEntries::DeletedAt).is_null())
            .limit(limit)
            .offset(offset)
            .to_owned()
    };
    let mut statements = Vec::with_capacity(5);
    statements.push(
        of_kind(EntryStatus::CallbackScheduled)
            .and_where(Expr::col(CallEntries::NextAttemptAt).lte(now))
            .cond_where(
                Cond::any()
                    .add(Expr::col(CallEntries::CallbackAgentId).is_null())
                    .add(Expr::col(CallEntries::CallbackAgentId).eq(agent.as_uuid())),
            )
            .order_by(CallEntries::NextAttemptAt, Order::Asc)
            .to_owned(),
    );
    statements.push(
        of_kind(EntryStatus::InProgress)
            .and_where(Expr::col(CallEntries::ClaimedUntil).lte(now))
            .order_by(CallEntries::ClaimedUntil, Order::Asc)
            .to_owned(),
    );
    // A new entry waits since it was added, a retried one since it fell due: `waiting_since`
    // up to now is exactly "due", and the index keeps them in the hopper's order.
    for status in [EntryStatus::New, EntryStatus::Queued, EntryStatus::RetryLater] {
        statements.push(
            of_kind(status)
                .and_where(Expr::col(CallEntries::WaitingSince).lte(now))
                .order_by(CallEntries::Priority, Order::Desc)
                .order_by(CallEntries::WaitingSince, Order::Asc)
                .to_owned(),
        );
    }
    // One round trip: each range is a subquery (keeping its own order and limit), all joined.
    let mut ranges = statements.into_iter().enumerate().map(|(i, range)| {
        Query::select()
            .column(sea_query::Asterisk)
            .from_subquery(range, sea_query::Alias::new(format!("range{i}")))
            .to_owned()
    });
    let Some(mut all) = ranges.next() else {
        return Ok(Vec::new());
    };
    for range in ranges {
        all.union(sea_query::UnionType::All, range);
    }
    let rows: Vec<EntryRow> = conn.fetch_all(&all).await?;
    rows.into_iter().map(EntryRow::into_entry).collect()
}

#[derive(FromRow)]
struct AttemptRow {
    id: Uuid,
    campaign_id: Uuid,
    entry_id: Uuid,
    person_id: Uuid,
    agent_id: Uuid,
    disposition: String,
    script_version: i32,
    started_at: OffsetDateTime,
    ended_at: OffsetDateTime,
    talk_seconds: Option<i64>,
    notes: Option<String>,
    callback_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl AttemptRow {
    fn into_attempt(self) -> Result<CallAttempt> {
        Ok(CallAttempt {
            id: CallAttemptId(self.id),
            fields: CallAttemptFields {
                campaign_id: CallCampaignId(self.campaign_id),
                entry_id: CallEntryId(self.entry_id),
                person_id: PartyId(self.person_id),
                agent_id: UserId(self.agent_id),
                disposition: label(Disposition::parse, &self.disposition)?,
                script_version: self.script_version,
                started_at: self.started_at,
                ended_at: self.ended_at,
                talk_seconds: self.talk_seconds.and_then(|s| u32::try_from(s).ok()),
                notes: self.notes,
                callback_at: self.callback_at,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_attempts(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            CallAttempts::Id,
            CallAttempts::CampaignId,
            CallAttempts::EntryId,
            CallAttempts::PersonId,
            CallAttempts::AgentId,
            CallAttempts::Disposition,
            CallAttempts::ScriptVersion,
            CallAttempts::StartedAt,
            CallAttempts::EndedAt,
            CallAttempts::TalkSeconds,
            CallAttempts::Notes,
            CallAttempts::CallbackAt,
            CallAttempts::Version,
            CallAttempts::CreatedAt,
            CallAttempts::UpdatedAt,
            CallAttempts::DeletedAt,
        ])
        .from(CallAttempts::Table)
        .and_where(Expr::col(CallAttempts::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get_attempt(conn: Conn<'_>, workspace: WorkspaceId, id: CallAttemptId) -> Result<Option<CallAttempt>> {
    let statement = select_attempts(workspace)
        .and_where(Expr::col(CallAttempts::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<AttemptRow, _>(&statement)
        .await?
        .map(AttemptRow::into_attempt)
        .transpose()
}

pub async fn insert_attempt(conn: Conn<'_>, workspace: WorkspaceId, attempt: &CallAttempt) -> Result<()> {
    let f = &attempt.fields;
    let row = vec![
        (CallAttempts::CampaignId, f.campaign_id.as_uuid().into()),
        (CallAttempts::EntryId, f.entry_id.as_uuid().into()),
        (CallAttempts::PersonId, f.person_id.as_uuid().into()),
        (CallAttempts::AgentId, f.agent_id.as_uuid().into()),
        (CallAttempts::Disposition, f.disposition.as_str().into()),
        (CallAttempts::ScriptVersion, f.script_version.into()),
        (CallAttempts::StartedAt, f.started_at.into()),
        (CallAttempts::EndedAt, f.ended_at.into()),
        (CallAttempts::TalkSeconds, f.talk_seconds.map(i64::from).into()),
        (CallAttempts::Notes, f.notes.clone().into()),
        (CallAttempts::CallbackAt, f.callback_at.into()),
    ];
    records::insert_record(
        conn,
        CallAttempts::Table,
        workspace,
        attempt.id.as_uuid(),
        &attempt.meta,
        row,
    )
    .await
}

/// Attempts are history; this exists for the record machinery only.
pub async fn update_attempt(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    attempt: &CallAttempt,
    expected_version: i64,
) -> Result<bool> {
    records::update_stamps(
        conn,
        CallAttempts::Table,
        workspace,
        attempt.id.as_uuid(),
        &attempt.meta,
        expected_version,
    )
    .await
}

/// The latest calls to `person`, newest first, at most `limit`.
pub async fn attempts_of_person(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    person: PartyId,
    limit: u64,
) -> Result<Vec<CallAttempt>> {
    let statement = select_attempts(workspace)
        .and_where(Expr::col(CallAttempts::PersonId).eq(person.as_uuid()))
        .and_where(Expr::col(CallAttempts::DeletedAt).is_null())
        .order_by(CallAttempts::StartedAt, Order::Desc)
        .limit(limit)
        .to_owned();
    let rows: Vec<AttemptRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(AttemptRow::into_attempt).collect()
}

/// Every call to any of `people`, newest first.
pub async fn attempts_of_people(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    people: &[PartyId],
) -> Result<Vec<CallAttempt>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select_attempts(workspace)
        .and_where(Expr::col(CallAttempts::PersonId).is_in(people.iter().map(|p| p.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(CallAttempts::DeletedAt).is_null())
        .order_by(CallAttempts::StartedAt, Order::Desc)
        .to_owned();
    let rows: Vec<AttemptRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(AttemptRow::into_attempt).collect()
}

/// The calls of `campaign` started in `[from, to)`, optionally one agent's, oldest first.
pub async fn attempts_of_campaign(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: CallCampaignId,
    from: OffsetDateTime,
    to: OffsetDateTime,
    agent: Option<UserId>,
) -> Result<Vec<CallAttempt>> {
    let mut statement = select_attempts(workspace)
        .and_where(Expr::col(CallAttempts::CampaignId).eq(campaign.as_uuid()))
        .and_where(Expr::col(CallAttempts::StartedAt).gte(from))
        .and_where(Expr::col(CallAttempts::StartedAt).lt(to))
        .and_where(Expr::col(CallAttempts::DeletedAt).is_null())
        .order_by(CallAttempts::StartedAt, Order::Asc)
        .to_owned();
    if let Some(agent) = agent {
        statement.and_where(Expr::col(CallAttempts::AgentId).eq(agent.as_uuid()));
    }
    let rows: Vec<AttemptRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(AttemptRow::into_attempt).collect()
}
