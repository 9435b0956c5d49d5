//! Use cases for deals: create in a playbook, edit terms, move between stages.

use std::collections::HashMap;

use closer_domain::access::Action;
use closer_domain::access::Role;
use closer_domain::audit::AuditAction;
use closer_domain::deal::{Deal, DealDraft, DealMove, DealPatch, DealProgress};
use closer_domain::gates::{CriterionResult, Gate, Snapshot, Verdict, check_move, evaluate};
use closer_domain::ids::{DealId, PartyId, PlaybookId, WorkspaceId};
use closer_domain::party::PartyKind;
use closer_domain::playbook::{DealStatus, Playbook};
use closer_domain::record::RecordMeta;
use closer_store::deals::{self, StageTransition};
use closer_store::{Conn, audit, parties, playbooks};

use super::records::{Decision, decide};
use super::resources::References;
use super::{AppError, AppResult, Ctx, Expected, Resource, begin_update, finish_change, finish_update, new_id, now};

pub async fn create_deal(ctx: &Ctx, draft: &DealDraft) -> AppResult<Deal> {
    create_deal_with(ctx, draft, None).await
}

/// Creates a deal; `known` is the counterparty's kind when the caller already knows the
/// principal deals with it (an agent converting the customer on the line), else the
/// counterparty must be one the principal may see.
pub(crate) async fn create_deal_with(ctx: &Ctx, draft: &DealDraft, known: Option<PartyKind>) -> AppResult<Deal> {
    let mut tx = ctx.begin().await?;
    let mut refs = References::new();
    let playbook = match draft.playbook_id {
        Some(id) => playbooks::get(tx.conn(), ctx.workspace, id).await?,
        None => playbooks::default_for(tx.conn(), ctx.workspace, draft.kind).await?,
    };
    let counterparty = match known {
        Some(kind) => Some(kind),
        None => {
            refs.visible_party(ctx, tx.conn(), "counterparty_id", draft.counterparty_id)
                .await?
        }
    };
    let Some(playbook) = playbook else {
        return Err(match draft.playbook_id {
            Some(id) => refs.fail_missing("playbook_id", format!("no such playbook: {id}")),
            None => AppError::Conflict(format!("the workspace has no default {} playbook", draft.kind)),
        });
    };
    let new = refs.merge(draft.parse(&playbook, counterparty))?;
    let at = now();
    let deal = Deal {
        id: DealId(new_id()),
        terms: new.terms,
        ownership: ctx.new_ownership(),
        progress: DealProgress {
            kind: new.kind,
            playbook_id: new.playbook_id,
            stage_id: new.stage_id,
            status: DealStatus::Open,
            stage_entered_at: at,
            closed_at: None,
            lost_reason: None,
            lost_note: None,
        },
        meta: RecordMeta::created(at),
    };
    if decide(ctx, tx.conn(), deal.guard(), Action::Create).await? != Decision::Allowed {
        return Err(AppError::Forbidden("you may not create deals".into()));
    }
    deals::insert(tx.conn(), ctx.workspace, &deal).await?;
    let transition = StageTransition {
        id: new_id(),
        deal_id: deal.id,
        from_stage_id: None,
        to_stage_id: deal.progress.stage_id,
        at,
        actor_id: Some(ctx.actor()),
        reason: None,
    };
    deals::insert_transition(tx.conn(), ctx.workspace, &transition).await?;
    let entries = ctx.audit_change(at, "deal", deal.id.as_uuid(), AuditAction::Create, None, &deal);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(deal)
}

pub async fn patch_deal(ctx: &Ctx, id: DealId, version: &Expected, patch: &DealPatch) -> AppResult<Deal> {
    let (mut tx, current) = begin_update::<Deal>(ctx, id.as_uuid(), version).await?;
    let mut refs = References::new();
    let counterparty = match patch.counterparty_id {
        Some(party) => refs.visible_party(ctx, tx.conn(), "counterparty_id", party).await?,
        None => None,
    };
    let terms = refs.merge(patch.apply(&current, counterparty))?;
    let next = Deal {
        terms,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

/// What the gates look at, loaded for one deal.
pub(crate) struct Loaded {
    pub(crate) committee: Vec<closer_domain::committee::Stakeholder>,
    meetings: Vec<closer_domain::meeting::Meeting>,
    team: Vec<closer_domain::team::DealTeamMember>,
    quotes: Vec<closer_domain::pricing::Quote>,
    approvals: Vec<closer_domain::approvals::Approval>,
    approval_matrix: std::sync::Arc<closer_domain::approvals::ApprovalMatrix>,
    contracts: Vec<closer_domain::contracts::Contract>,
    invoices: Vec<closer_domain::billing::Invoice>,
    payments: Vec<closer_domain::billing::Payment>,
    billing_profile: Option<closer_domain::billing::BillingProfile>,
    endorsements: Vec<closer_domain::relationships::Endorsement>,
    /// Worked out only where the rules run (they need the relationship index).
    pub(crate) ties: Option<closer_domain::relationships::CommitteeTies>,
    counterparty_is_organisation: bool,
    counterparty_reachable: bool,
    calls: Vec<closer_domain::telemarketing::CallAttempt>,
    callable_number: Option<bool>,
    better_offer: Option<closer_domain::promotions::BetterOffer>,
}

pub(crate) async fn load_snapshot(conn: Conn<'_>, workspace: WorkspaceId, deal: &Deal) -> AppResult<Loaded> {
    let mut loaded = load_snapshots(conn, workspace, std::slice::from_ref(deal)).await?;
    loaded
        .remove(&deal.id)
        .ok_or_else(|| AppError::Conflict(format!("deal {} could not be loaded", deal.id)))
}

/// What the gates look at for each of `deals`, read a handful of statements for all of them (the
/// deal-health job goes over every open deal a page at a time).
pub(crate) async fn load_snapshots(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    deals: &[Deal],
) -> AppResult<HashMap<DealId, Loaded>> {
    let ids: Vec<DealId> = deals.iter().map(|d| d.id).collect();
    let mut stakeholders: HashMap<DealId, Vec<_>> = HashMap::new();
    for stakeholder in closer_store::stakeholders::for_deals(conn.reborrow(), workspace, &ids).await? {
        stakeholders
            .entry(stakeholder.fields.deal_id)
            .or_default()
            .push(stakeholder);
    }
    let mut meetings: HashMap<DealId, Vec<_>> = HashMap::new();
    for meeting in closer_store::meetings::for_deals(conn.reborrow(), workspace, &ids).await? {
        if let Some(deal) = meeting.fields.deal_id {
            meetings.entry(deal).or_default().push(meeting);
        }
    }
    let mut team: HashMap<DealId, Vec<_>> = HashMap::new();
    for member in closer_store::deal_team::for_deals(conn.reborrow(), workspace, &ids).await? {
        team.entry(member.fields.deal_id).or_default().push(member);
    }
    let approval_matrix = std::sync::Arc::new(super::approvals::matrix_of(conn.reborrow(), workspace).await?);
    let mut invoices: HashMap<DealId, Vec<_>> = HashMap::new();
    for invoice in closer_store::billing::invoices_of(conn.reborrow(), workspace, &ids).await? {
        invoices.entry(invoice.fields.deal_id).or_default().push(invoice);
    }
    let mut payments: HashMap<DealId, Vec<_>> = HashMap::new();
    for payment in closer_store::billing::payments_of(conn.reborrow(), workspace, &ids).await? {
        payments.entry(payment.fields.deal_id).or_default().push(payment);
    }
    let customers: Vec<_> = deals.iter().map(|d| d.terms.counterparty_id).collect();
    let profiles = closer_store::billing::profiles_of(conn.reborrow(), workspace, &customers).await?;
    let mut contracts: HashMap<DealId, Vec<_>> = HashMap::new();
    for contract in closer_store::contracts::for_deals(conn.reborrow(), workspace, &ids).await? {
        contracts.entry(contract.fields.deal_id).or_default().push(contract);
    }
    let mut approvals: HashMap<DealId, Vec<_>> = HashMap::new();
    for approval in closer_store::approvals::for_deals(conn.reborrow(), workspace, &ids).await? {
        approvals.entry(approval.fields.deal_id).or_default().push(approval);
    }
    let mut endorsements: HashMap<DealId, Vec<_>> = HashMap::new();
    for endorsement in closer_store::endorsements::for_deals(conn.reborrow(), workspace, &ids).await? {
        endorsements
            .entry(endorsement.fields.deal_id)
            .or_default()
            .push(endorsement);
    }
    let mut quotes: HashMap<DealId, Vec<_>> = HashMap::new();
    for quote in closer_store::quotes::for_deals(conn.reborrow(), workspace, &ids).await? {
        quotes.entry(quote.fields.deal_id).or_default().push(quote);
    }
    let counterparties: Vec<PartyId> = deals.iter().map(|d| d.terms.counterparty_id).collect();
    let reach = parties::reachability(conn.reborrow(), workspace, &counterparties).await?;
    // Consumers: the calls made to them, and whether they may be called at all.
    let people: Vec<(PartyId, &[String])> = reach
        .iter()
        .filter(|(_, r)| r.kind == PartyKind::Person)
        .map(|(id, r)| (*id, r.phones.as_slice()))
        .collect();
    let at = super::now();
    let callable = super::call_registers::callable_people(conn.reborrow(), workspace, &people, at).await?;
    let person_ids: Vec<PartyId> = people.iter().map(|(id, _)| *id).collect();
    let mut calls: HashMap<PartyId, Vec<_>> = HashMap::new();
    for call in closer_store::call_campaigns::attempts_of_people(conn.reborrow(), workspace, &person_ids).await? {
        calls.entry(call.fields.person_id).or_default().push(call);
    }
    let mut loaded = HashMap::with_capacity(deals.len());
    for deal in deals {
        let deal_meetings = meetings.remove(&deal.id).unwrap_or_default();
        let customer = deal.terms.counterparty_id;
        let (kind, reachable) = reach
            .get(&customer)
            .map_or((PartyKind::Person, false), |r| (r.kind, r.reachable()));
        let mut snapshot = Loaded {
            committee: super::committee::committee_from(
                stakeholders.remove(&deal.id).unwrap_or_default(),
                &deal_meetings,
            ),
            meetings: deal_meetings,
            team: team.remove(&deal.id).unwrap_or_default(),
            quotes: quotes.remove(&deal.id).unwrap_or_default(),
            approvals: approvals.remove(&deal.id).unwrap_or_default(),
            approval_matrix: approval_matrix.clone(),
            contracts: contracts.remove(&deal.id).unwrap_or_default(),
            invoices: invoices.remove(&deal.id).unwrap_or_default(),
            payments: payments.remove(&deal.id).unwrap_or_default(),
            billing_profile: profiles.get(&customer).cloned(),
            endorsements: endorsements.remove(&deal.id).unwrap_or_default(),
            ties: None,
            counterparty_is_organisation: kind == PartyKind::Organisation,
            counterparty_reachable: reachable,
            // A customer may have several deals: each sees every call.
            calls: calls.get(&customer).cloned().unwrap_or_default(),
            callable_number: callable.get(&customer).copied(),
            better_offer: None,
        };
        // The promotion engine runs only for the few deals the price holds back.
        if closer_domain::rules::price_holds_back(&snapshot.snapshot(deal), at) {
            snapshot.better_offer =
                super::promotions::better_offer(workspace, conn.reborrow(), deal, &snapshot.quotes, at).await?;
        }
        loaded.insert(deal.id, snapshot);
    }
    Ok(loaded)
}

impl Loaded {
    pub(crate) fn snapshot<'a>(&'a self, deal: &'a Deal) -> Snapshot<'a> {
        Snapshot {
            deal,
            counterparty_is_organisation: self.counterparty_is_organisation,
            counterparty_reachable: self.counterparty_reachable,
            committee: &self.committee,
            meetings: &self.meetings,
            team: &self.team,
            quotes: &self.quotes,
            approvals: &self.approvals,
            approval_matrix: &self.approval_matrix,
            contracts: &self.contracts,
            invoices: &self.invoices,
            payments: &self.payments,
            billing_profile: self.billing_profile.as_ref(),
            endorsements: &self.endorsements,
            ties: self.ties.as_ref(),
            calls: &self.calls,
            callable_number: self.callable_number,
            better_offer: self.better_offer.as_ref(),
        }
    }
}

/// The exit criteria of the deal's current stage, judged now.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DealGates {
    pub stage_id: closer_domain::ids::StageId,
    pub criteria: Vec<CriterionResult>,
    /// Every hard criterion is met or pending: the deal may move on without an override.
    pub can_advance: bool,
    /// The stage after this one and its exit criteria, judged now: what comes next.
    pub next: Option<NextStageGates>,
}

/// The exit criteria of the stage a deal moves to next, judged now.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NextStageGates {
    pub stage_id: closer_domain::ids::StageId,
    pub criteria: Vec<CriterionResult>,
}

pub async fn gates(ctx: &Ctx, id: DealId) -> AppResult<DealGates> {
    let deal: Deal = super::get(ctx, id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let playbook = playbook_of(conn.conn(), ctx, deal.progress.playbook_id).await?;
    let loaded = load_snapshot(conn.conn(), ctx.workspace, &deal).await?;
    let open = |s: &&closer_domain::playbook::Stage| s.status == closer_domain::playbook::DealStatus::Open;
    let current = playbook.stage(deal.progress.stage_id).filter(open);
    let criteria = current.map_or_else(Vec::new, |stage| evaluate(stage, &loaded.snapshot(&deal)));
    let next = current
        .and_then(|stage| {
            playbook
                .stages
                .iter()
                .filter(open)
                .find(|s| s.position > stage.position)
        })
        .map(|stage| NextStageGates {
            stage_id: stage.id,
            criteria: evaluate(stage, &loaded.snapshot(&deal)),
        });
    let can_advance = !criteria
        .iter()
        .any(|c| c.gate == Gate::Hard && c.verdict == Verdict::Unmet);
    Ok(DealGates {
        stage_id: deal.progress.stage_id,
        criteria,
        can_advance,
        next,
    })
}

/// Moves a deal to another stage of its playbook, logging the transition. Forward moves pass the
/// gates of every stage left behind; a manager or admin may override hard gates with a reason.
pub async fn move_deal(ctx: &Ctx, id: DealId, version: &Expected, request: &DealMove) -> AppResult<Deal> {
    let (mut tx, current) = begin_update::<Deal>(ctx, id.as_uuid(), version).await?;
    let playbook = playbook_of(tx.conn(), ctx, current.progress.playbook_id).await?;
    let mut checked = request.check(&current, &playbook, now())?;
    let override_reason =
        closer_domain::text::optional(request.override_reason.as_deref(), closer_domain::text::BODY_MAX)
            .map_err(|m| closer_domain::ValidationErrors::single("override_reason", m))?;
    if let (Some(from), Some(to)) = (
        playbook.stage(current.progress.stage_id),
        playbook.stage(request.stage_id),
    ) {
        let loaded = load_snapshot(tx.conn(), ctx.workspace, &current).await?;
        let gates = check_move(&playbook, from, to, &loaded.snapshot(&current));
        if !gates.blocking.is_empty() {
            let may_override = matches!(ctx.principal.role, Role::Manager | Role::Admin);
            match override_reason {
                Some(reason) if may_override => {
                    let keys: Vec<&str> = gates.blocking.iter().map(|c| c.key.as_str()).collect();
                    let note = format!("override of {} by a {}: {reason}", keys.join(", "), ctx.principal.role);
                    let record = serde_json::json!({ "gate_override": keys, "reason": reason });
                    let entries =
                        ctx.audit_change(now(), "deal", current.id.as_uuid(), AuditAction::Move, None, &record);
                    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
                    checked.reason = Some(match checked.reason.take() {
                        Some(given) => format!("{given}; {note}"),
                        None => note,
                    });
                }
                Some(_) => {
                    return Err(AppError::Forbidden(
                        "only a manager or an admin may override a stage gate".into(),
                    ));
                }
                None => return Err(AppError::GateBlocked(gates)),
            }
        }
    }
    let transition = StageTransition {
        id: new_id(),
        deal_id: current.id,
        from_stage_id: Some(checked.from),
        to_stage_id: checked.progress.stage_id,
        at: checked.progress.stage_entered_at,
        actor_id: Some(ctx.actor()),
        reason: checked.reason.clone(),
    };
    deals::insert_transition(tx.conn(), ctx.workspace, &transition).await?;
    let mut next = Deal {
        progress: checked.progress,
        ..current.clone()
    };
    next.terms.competitor = checked.competitor;
    finish_change(ctx, tx, &current, next, AuditAction::Move).await
}

pub(crate) async fn playbook_of(conn: Conn<'_>, ctx: &Ctx, id: PlaybookId) -> AppResult<Playbook> {
    playbooks::get(conn, ctx.workspace, id)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("the deal's playbook {id} no longer exists")))
}

/// A deal's stage history, oldest first.
pub async fn stage_history(ctx: &Ctx, id: DealId) -> AppResult<Vec<StageTransition>> {
    let _deal: Deal = super::get(ctx, id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(deals::transitions(conn.conn(), ctx.workspace, id).await?)
}

/// The stored deal (deleted or not), without an access check: for use cases that checked access
/// on the record that names it.
pub(crate) async fn stored(ctx: &Ctx, conn: closer_store::Conn<'_>, id: DealId) -> AppResult<Deal> {
    closer_store::deals::get(conn, ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "deal",
            id: id.as_uuid(),
        })
}

/// A deal the principal changes the paperwork of (quotes, contracts): live, visible, open, and
/// editable by them; `doing` names the work in the refusals.
pub(crate) async fn open_deal_to_edit(
    ctx: &Ctx,
    mut conn: closer_store::Conn<'_>,
    id: DealId,
    doing: &str,
) -> AppResult<Deal> {
    let missing = || AppError::NotFound {
        entity: "deal",
        id: id.as_uuid(),
    };
    let deal = stored(ctx, conn.reborrow(), id).await?;
    match super::records::decide(ctx, conn, deal.guard(), closer_domain::access::Action::Edit).await? {
        super::records::Decision::Allowed => {}
        super::records::Decision::Hidden => return Err(missing()),
        super::records::Decision::Denied => {
            return Err(AppError::Forbidden(format!("you may not {doing} on this deal")));
        }
    }
    if deal.meta.deleted_at.is_some() {
        return Err(AppError::Deleted {
            entity: "deal",
            id: id.as_uuid(),
        });
    }
    if deal.progress.status != closer_domain::playbook::DealStatus::Open {
        return Err(AppError::Conflict(format!(
            "deal {id} is {}; only an open deal's paperwork changes",
            deal.progress.status
        )));
    }
    Ok(deal)
}
