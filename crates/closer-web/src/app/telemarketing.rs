//! Telemarketing (D9): campaigns with a script and dialling rules, the people to call, the
//! hopper that hands each agent their next call (never a number that may not be dialled now,
//! never one another agent holds), and what each disposition does.

use std::collections::HashMap;

use closer_domain::deal::{DealDraft, LeadSource};
use closer_domain::ids::{CallAttemptId, CallCampaignId, CallEntryId, DealId, PartyId, WorkspaceId};
use closer_domain::party::PartyKind;
use closer_domain::playbook::{DealKind, DealStatus};
use closer_domain::record::RecordMeta;
use closer_domain::telemarketing::{
    CALLBACK_GRACE, CLAIM_LEASE, CallAttempt, CallAttemptFields, CallEntry, CallEntryFields, CallMetrics, Campaign,
    CampaignDraft, CampaignStatus, ConsentChannel, DialFacts, Disposition, DispositionDraft, DncEntryDraft, DncScope,
    DncSource, EntryStatus, Script, after_call, call_metrics, callable, may_dial, phone_consent,
};
use closer_domain::zone::Zone;
use closer_store::access::Visibility;
use closer_store::deals::{self, DealFilter};
use closer_store::{Page, PageRequest, call_campaigns, call_registers, parties};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{AppError, AppResult, Ctx, Expected, begin_update, create, finish_update, get, insert_in, new_id, now};

pub async fn create_campaign(ctx: &Ctx, draft: &CampaignDraft) -> AppResult<Campaign> {
    let at = now();
    let campaign = Campaign {
        id: CallCampaignId(new_id()),
        fields: draft.parse(1)?,
        ownership: ctx.new_ownership(),
        meta: RecordMeta::created(at),
    };
    create(ctx, campaign).await
}

/// Changes a campaign; a changed script becomes its next version (calls keep the version they
/// used).
pub async fn update_campaign(
    ctx: &Ctx,
    id: CallCampaignId,
    expected: &Expected,
    draft: &CampaignDraft,
) -> AppResult<Campaign> {
    let (tx, current) = begin_update::<Campaign>(ctx, id.as_uuid(), expected).await?;
    let mut fields = draft.parse(current.fields.script_version)?;
    if fields.script != current.fields.script {
        fields.script_version += 1;
    }
    let next = Campaign {
        fields,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

pub async fn list_campaigns(ctx: &Ctx, page: PageRequest) -> AppResult<Page<Campaign>> {
    let mut conn = ctx.db.acquire().await?;
    Ok(call_campaigns::list_campaigns(conn.conn(), ctx.workspace, Default::default(), page).await?)
}

pub async fn list_entries(
    ctx: &Ctx,
    campaign: CallCampaignId,
    status: Option<EntryStatus>,
    page: PageRequest,
) -> AppResult<Page<CallEntry>> {
    let _campaign: Campaign = get(ctx, campaign.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(call_campaigns::list_entries(conn.conn(), ctx.workspace, campaign, status, page).await?)
}

/// The call an agent makes next: the entry (theirs until the lease ends), who it is, the
/// script, and the calls made to them before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextCall {
    pub entry: CallEntry,
    pub name: String,
    pub script: Script,
    pub script_version: i32,
    /// The latest calls to this person, newest first.
    pub history: Vec<CallAttempt>,
    /// Their open B2C deal, when the agent may see it.
    pub open_deal: Option<closer_domain::deal::Deal>,
}

/// Due entries of each kind read per round, and rounds at most, before the hopper says nothing
/// is due. Fewer per round measured slower under 50 agents: more of them lost every race and
/// read again (BENCHMARKS.md).
const HOPPER_BATCH: u64 = 50;
const HOPPER_ROUNDS: u64 = 20;
/// How many of the best callable entries agents asking at once spread over.
const RACE_SPREAD: usize = 8;

/// Hands the principal their next call in `campaign`: the entry they already hold, or the best
/// due entry whose number may be dialled now, claimed for them. Entries found on a do-not-call
/// list or without a consent their region requires are suppressed on the way.
pub async fn next(ctx: &Ctx, campaign: CallCampaignId) -> AppResult<Option<NextCall>> {
    let campaign: Campaign = get(ctx, campaign.as_uuid()).await?;
    if campaign.fields.status != CampaignStatus::Active {
        return Err(AppError::Conflict(format!(
            "the campaign is {}",
            campaign.fields.status
        )));
    }
    if !ctx.principal.writes() {
        return Err(AppError::Forbidden("only agents who may write take calls".into()));
    }
    let rules = campaign.fields.rules.check()?;
    let agent = ctx.actor();
    let at = now();
    let held = {
        let mut conn = ctx.db.acquire().await?;
        call_campaigns::held_by(conn.conn(), ctx.workspace, campaign.id, agent, at).await?
    };
    if let Some(entry) = held {
        return Ok(Some(describe(ctx, &campaign, entry).await?));
    }
    // The laws do not change between rounds: read once per call.
    let laws = {
        let mut conn = ctx.db.acquire().await?;
        super::call_registers::laws(conn.conn(), ctx.workspace).await?
    };
    let mut offset = 0;
    for _ in 0..HOPPER_ROUNDS {
        let due = {
            let mut conn = ctx.db.acquire().await?;
            call_campaigns::due_entries(conn.conn(), ctx.workspace, campaign.id, agent, at, HOPPER_BATCH, offset)
                .await?
        };
        if due.is_empty() {
            return Ok(None);
        }
        let phones: Vec<&str> = due.iter().map(|e| e.fields.phone.as_str()).collect();
        let people: Vec<PartyId> = due.iter().map(|e| e.fields.person_id).collect();
        let (blocked, consents) = {
            let mut conn = ctx.db.acquire().await?;
            let blocked = call_registers::blocked_numbers(conn.conn(), ctx.workspace, &phones, at).await?;
            let consents =
                call_registers::consents_of_people(conn.conn(), ctx.workspace, &people, ConsentChannel::Phone).await?;
            (blocked, consents)
        };
        // Zones are looked up once per name: a list shares a handful.
        let mut by_name: HashMap<&str, Option<Zone>> = HashMap::new();
        let zones: HashMap<CallEntryId, Zone> = due
            .iter()
            .filter_map(|e| {
                let name = e.fields.timezone.as_deref()?;
                let zone = by_name.entry(name).or_insert_with(|| Zone::named(name).ok()).clone()?;
                Some((e.id, zone))
            })
            .collect();
        let by_id: HashMap<CallEntryId, &CallEntry> = due.iter().map(|e| (e.id, e)).collect();
        let candidates: Vec<_> = due.iter().map(CallEntry::candidate).collect();
        let (mut ready, suppress) = callable(
            &candidates,
            agent,
            at,
            |candidate| {
                let entry = by_id[&candidate.key];
                let facts = DialFacts {
                    phone: entry.fields.phone.as_str(),
                    zone: zones.get(&entry.id),
                    on_dnc: blocked.contains(entry.fields.phone.as_str()),
                    consent: phone_consent(consents.get(&entry.fields.person_id).into_iter().flatten()),
                    law: laws.for_number(entry.fields.phone.as_str(), rules.home),
                };
                may_dial(&facts, &rules.window, at)
            },
            candidates.len(),
        );
        for (key, _) in &suppress {
            suppress_entry(ctx, by_id[key]).await?;
        }
        // Agents asking at once would all race for the best entry: each starts at a different
        // one of the first few that rank alike (same kind, same priority); a callback promised
        // by this agent is theirs alone anyway.
        let alike = |key: &CallEntryId| {
            let f = &by_id[key].fields;
            (f.status, f.priority, f.callback_agent_id == Some(agent))
        };
        if let Some(first) = ready.first().map(alike).filter(|(_, _, own)| !own) {
            let spread = ready
                .iter()
                .take(RACE_SPREAD)
                .take_while(|key| alike(key) == first)
                .count();
            if spread > 1 {
                ready[..spread].rotate_left(fastrand::usize(..spread));
            }
        }
        for key in &ready {
            if let Some(claimed) = claim(ctx, by_id[key], at).await? {
                return Ok(Some(describe(ctx, &campaign, claimed).await?));
            }
            // Another agent took it first: the next one.
        }
        if (due.len() as u64) < HOPPER_BATCH {
            return Ok(None);
        }
        offset += HOPPER_BATCH;
    }
    Ok(None)
}

/// The call the principal holds in `campaign`, if any (without taking a new one).
pub async fn held(ctx: &Ctx, campaign: CallCampaignId) -> AppResult<Option<NextCall>> {
    let campaign: Campaign = get(ctx, campaign.as_uuid()).await?;
    let entry = {
        let mut conn = ctx.db.acquire().await?;
        call_campaigns::held_by(conn.conn(), ctx.workspace, campaign.id, ctx.actor(), now()).await?
    };
    match entry {
        Some(entry) => Ok(Some(describe(ctx, &campaign, entry).await?)),
        None => Ok(None),
    }
}

/// Takes `entry` for the principal if nobody changed it since it was read.
async fn claim(ctx: &Ctx, entry: &CallEntry, at: time::OffsetDateTime) -> AppResult<Option<CallEntry>> {
    let mut claimed = entry.clone();
    claimed.fields.status = EntryStatus::InProgress;
    claimed.fields.claimed_by = Some(ctx.actor());
    claimed.fields.claimed_until = Some(at + CLAIM_LEASE);
    claimed.meta.version += 1;
    claimed.meta.updated_at = at;
    let mut conn = ctx.db.acquire().await?;
    let won = call_campaigns::update_entry(conn.conn(), ctx.workspace, &claimed, entry.meta.version).await?;
    Ok(won.then_some(claimed))
}

/// Marks an entry that may never be called (do-not-call, no consent); a lost race is fine.
async fn suppress_entry(ctx: &Ctx, entry: &CallEntry) -> AppResult<()> {
    let mut next = entry.clone();
    next.fields.status = EntryStatus::Suppressed;
    next.fields.claimed_by = None;
    next.fields.claimed_until = None;
    next.meta.version += 1;
    next.meta.updated_at = now();
    let mut conn = ctx.db.acquire().await?;
    call_campaigns::update_entry(conn.conn(), ctx.workspace, &next, entry.meta.version).await?;
    Ok(())
}

/// The person's open B2C deal that `visibility` admits, if any.
async fn open_consumer_deal(
    conn: closer_store::Conn<'_>,
    ctx: &Ctx,
    person: PartyId,
    visibility: &Visibility,
) -> AppResult<Option<closer_domain::deal::Deal>> {
    let filter = DealFilter {
        counterparties: vec![person],
        status: Some(DealStatus::Open),
        kind: Some(DealKind::B2c),
        ..DealFilter::default()
    };
    let page = PageRequest { after: None, limit: 1 };
    Ok(deals::list(conn, ctx.workspace, visibility, &filter, page)
        .await?
        .items
        .into_iter()
        .next())
}

async fn describe(ctx: &Ctx, campaign: &Campaign, entry: CallEntry) -> AppResult<NextCall> {
    let mut conn = ctx.db.acquire().await?;
    let person = entry.fields.person_id;
    let name = parties::names(conn.conn(), ctx.workspace, &[person])
        .await?
        .remove(&person)
        .unwrap_or_default();
    let history = call_campaigns::attempts_of_person(conn.conn(), ctx.workspace, person, 20).await?;
    let open_deal = open_consumer_deal(conn.conn(), ctx, person, &ctx.visibility()).await?;
    Ok(NextCall {
        entry,
        name,
        script: campaign.fields.script.clone(),
        script_version: campaign.fields.script_version,
        history,
        open_deal,
    })
}

/// What a disposition did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Disposed {
    pub entry: CallEntry,
    pub attempt: CallAttempt,
    /// The personal agreement drawn up because the customer said yes to the offer (R2.1).
    pub agreement: Option<closer_domain::contracts::Contract>,
}

/// Records how the call to an entry the principal holds ended, and moves the entry on (§4.10,
/// R9.2): a retry, a callback (the agent's or the pool's), converted, closed, suppressed (with
/// the number put on the company's do-not-call list) or exhausted.
pub async fn dispose(ctx: &Ctx, id: CallEntryId, draft: &DispositionDraft) -> AppResult<Disposed> {
    draft.check()?;
    let notes = draft.notes()?;
    let at = now();
    let entry = {
        let mut conn = ctx.db.acquire().await?;
        call_campaigns::get_entry(conn.conn(), ctx.workspace, id)
            .await?
            .filter(|e| e.meta.deleted_at.is_none())
            .ok_or(AppError::NotFound {
                entity: "call_entry",
                id: id.as_uuid(),
            })?
    };
    let holds = entry.fields.status == EntryStatus::InProgress && entry.fields.claimed_by == Some(ctx.actor());
    if !holds {
        return Err(AppError::Conflict(
            "this entry is not yours to record: take it with next call first".into(),
        ));
    }
    let campaign: Campaign = get(ctx, entry.fields.campaign_id.as_uuid()).await?;
    let rules = campaign.fields.rules.check()?;
    let moved = after_call(draft.disposition, entry.fields.attempts, draft.callback_at, &rules, at)
        .map_err(|m| closer_domain::ValidationErrors::single("callback_at", m))?;
    let mut next = entry.clone();
    next.fields.status = moved.status;
    next.fields.attempts = moved.attempts;
    next.fields.last_attempt_at = Some(at);
    next.fields.next_attempt_at = moved.next_attempt_at;
    next.fields.waiting_since = moved.next_attempt_at.unwrap_or(at);
    next.fields.claimed_by = None;
    next.fields.claimed_until = None;
    next.fields.callback_agent_id =
        (moved.status == EntryStatus::CallbackScheduled && draft.callback_to_me.unwrap_or(true)).then(|| ctx.actor());
    next.meta.version += 1;
    next.meta.updated_at = at;
    let attempt = CallAttempt {
        id: CallAttemptId(new_id()),
        fields: CallAttemptFields {
            campaign_id: campaign.id,
            entry_id: entry.id,
            person_id: entry.fields.person_id,
            agent_id: ctx.actor(),
            disposition: draft.disposition,
            script_version: campaign.fields.script_version,
            started_at: entry.meta.updated_at,
            ended_at: at,
            talk_seconds: draft.talk_seconds,
            notes,
            callback_at: draft.callback_at,
        },
        meta: RecordMeta::created(at),
    };
    if draft.disposition.converts() && next.fields.deal_id.is_none() {
        next.fields.deal_id = Some(deal_for(ctx, &campaign, &entry).await?);
    }
    let mut tx = ctx.begin().await?;
    if !call_campaigns::update_entry(tx.conn(), ctx.workspace, &next, entry.meta.version).await? {
        return Err(AppError::Conflict(
            "the entry changed meanwhile; take the next call again".into(),
        ));
    }
    insert_in(ctx, tx.conn(), &attempt).await?;
    tx.commit().await?;
    if moved.add_to_dnc {
        let request = DncEntryDraft {
            phone: entry.fields.phone.as_str().to_owned(),
            scope: Some(DncScope::EntitySpecific),
            source: Some(DncSource::CustomerRequest),
            note: Some(format!("Asked on a call of campaign {}", campaign.fields.name)),
            expires_at: None,
        };
        super::call_registers::add_dnc(ctx, &request).await?;
    }
    let agreement = match next.fields.deal_id {
        Some(deal) if draft.disposition == Disposition::Sale => super::contracts::agreement_on_yes(ctx, deal).await?,
        _ => None,
    };
    Ok(Disposed {
        entry: next,
        attempt,
        agreement,
    })
}

/// The B2C deal a converting call belongs to: the customer's open one, or a new one in the
/// first stage of the B2C playbook, owned by the agent, from telemarketing.
async fn deal_for(ctx: &Ctx, campaign: &Campaign, entry: &CallEntry) -> AppResult<DealId> {
    let person = entry.fields.person_id;
    let open = {
        let mut conn = ctx.db.acquire().await?;
        open_consumer_deal(conn.conn(), ctx, person, &Visibility::everything(ctx.workspace)).await?
    };
    if let Some(deal) = open {
        return Ok(deal.id);
    }
    let draft = DealDraft {
        title: campaign.fields.name.clone(),
        kind: DealKind::B2c,
        counterparty_id: person,
        playbook_id: None,
        stage_id: None,
        amount_minor: 0,
        currency: campaign.fields.currency.code().to_owned(),
        expected_close: None,
        lead_source: Some(LeadSource::Telemarketing),
        competitor: None,
        qualification: Default::default(),
    };
    Ok(super::deals::create_deal_with(ctx, &draft, Some(PartyKind::Person))
        .await?
        .id)
}

/// How many inbound leads one run routes at most (the rest wait a minute).
const LEADS_PER_RUN: u64 = 500;
/// A routed inbound lead comes before every other entry of its campaign but the callbacks due.
pub const INBOUND_PRIORITY: i32 = 1_000_000;

/// Speed to lead (R7.3): every inbound consumer lead of the last day that nobody has called
/// within five minutes of `at` goes first in line in the oldest active campaign taking inbound
/// leads, for the next free agent. The deal itself shows the alert (the R7.3 recommendation)
/// until a call is made. Returns how many leads were routed now.
pub async fn route_waiting_leads(
    db: &closer_store::Db,
    workspace: WorkspaceId,
    at: OffsetDateTime,
) -> AppResult<usize> {
    use closer_domain::rules::{LEAD_HOT_FOR, SPEED_TO_LEAD};
    let mut conn = db.acquire().await?;
    let Some(campaign) = call_campaigns::inbound_campaigns(conn.conn(), workspace)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(0);
    };
    let leads = deals::inbound_leads(
        conn.conn(),
        workspace,
        at - LEAD_HOT_FOR,
        at - SPEED_TO_LEAD,
        LEADS_PER_RUN,
    )
    .await?;
    let people: Vec<PartyId> = leads.iter().map(|d| d.terms.counterparty_id).collect();
    let mut called: HashMap<PartyId, OffsetDateTime> = HashMap::new();
    for call in call_campaigns::attempts_of_people(conn.conn(), workspace, &people).await? {
        let latest = called.entry(call.fields.person_id).or_insert(call.fields.ended_at);
        *latest = (*latest).max(call.fields.ended_at);
    }
    let mut routed = 0;
    for lead in leads {
        let customer = lead.terms.counterparty_id;
        if called.get(&customer).is_some_and(|last| *last >= lead.meta.created_at) {
            continue;
        }
        let Some(person) = parties::get_person(conn.conn(), workspace, customer).await? else {
            continue;
        };
        let Some(phone) = person.fields.phones.first().cloned() else {
            continue;
        };
        let existing = call_campaigns::entry_of_number(conn.conn(), workspace, campaign.id, phone.as_str()).await?;
        let written = match existing {
            Some(entry) if entry.fields.deal_id == Some(lead.id) || entry.fields.status == EntryStatus::Suppressed => {
                false
            }
            Some(entry) if entry.fields.status == EntryStatus::InProgress && entry.fields.claimed_until > Some(at) => {
                false
            }
            Some(entry) => {
                // Called before for something else: this lead starts afresh, first in line.
                let mut next = entry.clone();
                next.fields.status = EntryStatus::New;
                next.fields.attempts = 0;
                next.fields.next_attempt_at = None;
                next.fields.callback_agent_id = None;
                next.fields.claimed_by = None;
                next.fields.claimed_until = None;
                next.fields.priority = INBOUND_PRIORITY;
                next.fields.waiting_since = lead.meta.created_at;
                next.fields.deal_id = Some(lead.id);
                next.fields.lead_at = Some(lead.meta.created_at);
                next.meta.version += 1;
                next.meta.updated_at = at;
                call_campaigns::update_entry(conn.conn(), workspace, &next, entry.meta.version).await?
            }
            None => {
                let mut fields = CallEntryFields::fresh(
                    campaign.id,
                    customer,
                    phone,
                    person.fields.timezone.clone(),
                    INBOUND_PRIORITY,
                    lead.meta.created_at,
                );
                fields.deal_id = Some(lead.id);
                fields.lead_at = Some(lead.meta.created_at);
                let entry = CallEntry {
                    id: CallEntryId(new_id()),
                    fields,
                    meta: RecordMeta::created(at),
                };
                call_campaigns::insert_entry(conn.conn(), workspace, &entry).await?;
                true
            }
        };
        if written {
            tracing::info!(deal = %lead.id, campaign = %campaign.id, "inbound lead routed to the next free agent");
            routed += 1;
        }
    }
    Ok(routed)
}

/// The longest period metrics are asked for at once.
const METRICS_DAYS_MAX: i64 = 92;

/// A campaign's call metrics per day (on the principal's clocks) and agent, from `from` to `to`
/// inclusive: everyone's for administrators and managers, one's own for others.
pub async fn metrics(
    ctx: &Ctx,
    campaign: CallCampaignId,
    from: time::Date,
    to: time::Date,
    agent: Option<closer_domain::ids::UserId>,
) -> AppResult<Vec<CallMetrics>> {
    let campaign: Campaign = get(ctx, campaign.as_uuid()).await?;
    if to < from || (to - from).whole_days() >= METRICS_DAYS_MAX {
        return Err(closer_domain::ValidationErrors::single(
            "to",
            format!("give a period of 1 to {METRICS_DAYS_MAX} days, ending on or after its start"),
        )
        .into());
    }
    let agent = if ctx.principal.keeps_catalogue() {
        agent
    } else {
        Some(ctx.actor())
    };
    let zone = super::relationships::own_zone(ctx).await?;
    let start = zone.instant(from, time::Time::MIDNIGHT);
    let end = zone.instant(to.next_day().unwrap_or(to), time::Time::MIDNIGHT);
    // A callback due on the last day may be made just after it.
    let calls = {
        let mut conn = ctx.db.acquire().await?;
        call_campaigns::attempts_of_campaign(
            conn.conn(),
            ctx.workspace,
            campaign.id,
            start,
            end + CALLBACK_GRACE,
            agent,
        )
        .await?
    };
    let pairs: Vec<(CallEntryId, closer_domain::telemarketing::CallAttemptFields)> =
        calls.into_iter().map(|c| (c.fields.entry_id, c.fields)).collect();
    let mut entries: Vec<CallEntryId> = pairs.iter().map(|(entry, _)| *entry).collect();
    entries.sort_unstable();
    entries.dedup();
    let mut leads = HashMap::new();
    {
        let mut conn = ctx.db.acquire().await?;
        // A long period of a big campaign names many entries: a thousand per statement.
        for some in entries.chunks(1_000) {
            leads.extend(call_campaigns::lead_times(conn.conn(), ctx.workspace, some).await?);
        }
    }
    Ok(call_metrics(&pairs, &leads, &zone)
        .into_iter()
        .filter(|m| m.day >= from && m.day <= to)
        .collect())
}
