//! Everything the deal workspace shows about one deal, loaded through the same access rules as
//! the API: header, gates, recommendations, committee, team, meetings, notes, tasks, history.

use std::collections::HashMap;

use closer_domain::activity::{Note, SubjectType, Task};
use closer_domain::audit::AuditEntry;
use closer_domain::cycle::DealHealth;
use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, PartyId, UserId};
use closer_domain::meeting::Meeting;
use closer_domain::playbook::Playbook;
use closer_domain::pricing::{Product, Quote, QuoteStatus};
use closer_domain::rules::Proposal;
use closer_store::audit::AuditFilter;
use closer_store::meetings::MeetingFilter;
use closer_store::notes::NoteFilter;
use closer_store::products::ProductFilter;
use closer_store::tasks::TaskFilter;
use closer_store::{PageRequest, meetings, notes, parties, playbooks, products, quotes, tasks, users};

use super::committee::{Committee, DealTeam};
use super::deals::DealGates;
use super::{AppError, AppResult, Ctx, committee, deals, get, history, jobs, recommendations};

/// How many of the latest history entries the workspace shows.
const HISTORY_SHOWN: u32 = 50;

pub struct DealView {
    pub deal: Deal,
    pub playbook: Playbook,
    pub counterparty: String,
    pub health: DealHealth,
    pub gates: DealGates,
    pub recommendations: Vec<Proposal>,
    pub committee: Committee,
    pub team: DealTeam,
    /// In planned order.
    pub meetings: Vec<Meeting>,
    /// Newest first.
    pub notes: Vec<Note>,
    pub tasks: Vec<Task>,
    /// Newest first.
    pub history: Vec<AuditEntry>,
    /// The deal's quote revisions, newest first.
    pub quotes: Vec<Quote>,
    /// The deal's invoices and payments, oldest first.
    pub invoices: Vec<closer_domain::billing::Invoice>,
    pub payments: Vec<closer_domain::billing::Payment>,
    /// The deal's contracts, oldest first.
    pub contracts: Vec<closer_domain::contracts::Contract>,
    /// What backs the deal with trust the buyer already has, oldest first.
    pub endorsements: Vec<closer_domain::relationships::Endorsement>,
    /// The approval requests about those quotes and the matrix that judges them.
    pub approvals: super::approvals::DealApprovals,
    /// The promotion engine's answer for the open draft of a B2C deal: what applies and why the
    /// others do not.
    pub promotion_outcome: Option<closer_domain::promotions::Outcome>,
    /// Active products sold in the deal's currency, for the quote form.
    pub products: Vec<Product>,
    /// Display names of the people and users the page mentions.
    pub people: HashMap<PartyId, String>,
    pub users: HashMap<UserId, String>,
}

pub async fn load(ctx: &Ctx, id: DealId) -> AppResult<DealView> {
    let deal: Deal = get(ctx, id.as_uuid()).await?;
    let gates = deals::gates(ctx, id).await?;
    let recommendations = recommendations::open(ctx, id).await?;
    let committee = committee::committee(ctx, id).await?;
    let team = committee::deal_team(ctx, id).await?;
    let health = jobs::deal_health_now(&ctx.db, ctx.workspace, &deal).await?;
    let audit = AuditFilter {
        entity_id: Some(id.as_uuid()),
        ..Default::default()
    };
    let mut history = history::list(
        ctx,
        &audit,
        PageRequest {
            after: None,
            limit: 200,
        },
    )
    .await?
    .items;
    history.reverse();
    history.truncate(HISTORY_SHOWN as usize);

    let mut conn = ctx.db.acquire().await?;
    let playbook = playbooks::get(conn.conn(), ctx.workspace, deal.progress.playbook_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "the deal's playbook {} no longer exists",
                deal.progress.playbook_id
            ))
        })?;
    let visibility = ctx.visibility();
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    let meeting_filter = MeetingFilter {
        deal_id: Some(id),
        ..Default::default()
    };
    let mut meetings = meetings::list(conn.conn(), ctx.workspace, &visibility, &meeting_filter, page)
        .await?
        .items;
    meetings.sort_by_key(|m| m.fields.planned_start);
    let note_filter = NoteFilter {
        subject_type: Some(SubjectType::Deal),
        subject_id: Some(id.as_uuid()),
        ..Default::default()
    };
    let mut notes = notes::list(conn.conn(), ctx.workspace, &visibility, &note_filter, page)
        .await?
        .items;
    notes.reverse();
    let task_filter = TaskFilter {
        subject_id: Some(id.as_uuid()),
        ..Default::default()
    };
    let tasks = tasks::list(conn.conn(), ctx.workspace, &visibility, &task_filter, page)
        .await?
        .items;

    let quotes = quotes::for_deal(conn.conn(), ctx.workspace, id).await?;
    let approvals = super::approvals::DealApprovals::load(ctx, conn.conn(), id).await?;
    let contracts = closer_store::contracts::for_deal(conn.conn(), ctx.workspace, id).await?;
    let endorsements = closer_store::endorsements::for_deals(conn.conn(), ctx.workspace, &[id]).await?;
    let invoices = closer_store::billing::invoices_of(conn.conn(), ctx.workspace, &[id]).await?;
    let payments = closer_store::billing::payments_of(conn.conn(), ctx.workspace, &[id]).await?;
    let promotion_outcome = match quotes.iter().find(|q| q.fields.status == QuoteStatus::Draft) {
        Some(draft) => super::promotions::outcome_for_quote(ctx, conn.conn(), &deal, &draft.fields).await?,
        None => None,
    };
    let active = ProductFilter {
        active: Some(true),
        ..Default::default()
    };
    let currency = deal.terms.amount.currency;
    let products = products::list(conn.conn(), ctx.workspace, &active, page)
        .await?
        .items
        .into_iter()
        .filter(|p| p.fields.price_in(currency).is_some())
        .collect();

    let mut mentioned: Vec<PartyId> = vec![deal.terms.counterparty_id];
    mentioned.extend(committee.stakeholders.iter().map(|s| s.fields.person_id));
    mentioned.extend(
        meetings
            .iter()
            .flat_map(|m| m.fields.attendees.iter().filter_map(|a| a.person_id)),
    );
    mentioned.extend(contracts.iter().flat_map(|c| {
        c.fields
            .their_signatory_ids
            .iter()
            .copied()
            .chain(c.fields.customer_steps.iter().filter_map(|s| s.approver_id))
    }));
    mentioned.extend(endorsements.iter().filter_map(|e| e.fields.by_person_id));
    let people = parties::names(conn.conn(), ctx.workspace, &mentioned).await?;
    let users = users::list(conn.conn(), ctx.workspace)
        .await?
        .into_iter()
        .map(|u| (u.user_id(), u.display_name))
        .collect();
    Ok(DealView {
        counterparty: people.get(&deal.terms.counterparty_id).cloned().unwrap_or_default(),
        deal,
        playbook,
        health,
        gates,
        recommendations,
        committee,
        team,
        meetings,
        notes,
        tasks,
        history,
        quotes,
        approvals,
        invoices,
        payments,
        contracts,
        endorsements,
        promotion_outcome,
        products,
        people,
        users,
    })
}
