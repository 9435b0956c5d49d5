//! Contracts of deals (D2): drawn up from the deal's issued quote, sent through the customer's
//! approval chain (B2B) or straight to signature (B2C), and signed. A signed company contract
//! teaches the account's paper process for its next deal.

use closer_domain::ValidationErrors;
use closer_domain::access::Action;
use closer_domain::audit::AuditAction;
use closer_domain::contracts::{
    Contract, ContractDraft, ContractFields, ContractPatch, ContractStatus, CustomerStepDraft, Redline, SignatureEvent,
    StepDecision, default_paper_process,
};
use closer_domain::deal::Deal;
use closer_domain::ids::{ContractId, DealId, PartyId};
use closer_domain::playbook::DealKind;
use closer_domain::pricing::{Quote, QuoteStatus};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, contracts, parties, quotes};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, AppResult, Ctx, Expected, begin_change, finish_change, insert_in, new_id, now, update_in};

fn issued(quote: &Quote) -> bool {
    matches!(quote.fields.status, QuoteStatus::Sent | QuoteStatus::Accepted)
}

/// The customer's people named as signatories exist.
async fn signatories_exist(ctx: &Ctx, conn: Conn<'_>, ids: &[PartyId]) -> AppResult<()> {
    let known = parties::names(conn, ctx.workspace, ids).await?;
    match ids.iter().position(|id| !known.contains_key(id)) {
        Some(index) => Err(AppError::MissingReference(ValidationErrors::single(
            format!("their_signatory_ids[{index}]"),
            format!("person {} does not exist", ids[index]),
        ))),
        None => Ok(()),
    }
}

/// The approvers named in a customer chain exist.
async fn approvers_exist(ctx: &Ctx, conn: Conn<'_>, steps: &[CustomerStepDraft]) -> AppResult<()> {
    let ids: Vec<PartyId> = steps.iter().filter_map(|s| s.approver_id).collect();
    let known = parties::names(conn, ctx.workspace, &ids).await?;
    match steps
        .iter()
        .position(|s| s.approver_id.is_some_and(|id| !known.contains_key(&id)))
    {
        Some(index) => Err(AppError::MissingReference(ValidationErrors::single(
            format!("customer_steps[{index}].approver_id"),
            "no such person",
        ))),
        None => Ok(()),
    }
}

/// R2.5: a company contract goes to the customer only with a signatory who is on the buying
/// committee as one.
async fn signatory_on_committee(ctx: &Ctx, conn: Conn<'_>, contract: &ContractFields) -> AppResult<()> {
    let committee = closer_store::stakeholders::for_deal(conn, ctx.workspace, contract.deal_id).await?;
    let signs = committee.iter().any(|s| {
        s.fields
            .roles
            .contains(&closer_domain::committee::BuyingRole::Signatory)
            && contract.their_signatory_ids.contains(&s.fields.person_id)
    });
    if signs {
        Ok(())
    } else {
        Err(AppError::Invalid(ValidationErrors::single(
            "their_signatory_ids",
            "put the customer's signatory on the buying committee with the signatory role first",
        )))
    }
}

/// The chain the account is known to follow, or the usual one.
async fn paper_process_of(ctx: &Ctx, conn: Conn<'_>, deal: &Deal) -> AppResult<Vec<CustomerStepDraft>> {
    if deal.progress.kind == DealKind::B2c {
        return Ok(Vec::new());
    }
    Ok(
        contracts::paper_process(conn, ctx.workspace, deal.terms.counterparty_id)
            .await?
            .unwrap_or_else(default_paper_process),
    )
}

/// Draws up a contract of the deal from its latest issued quote (or the one named).
pub async fn create(ctx: &Ctx, deal_id: DealId, draft: &ContractDraft) -> AppResult<Contract> {
    let mut tx = ctx.begin().await?;
    let deal = super::deals::open_deal_to_edit(ctx, tx.conn(), deal_id, "draw up contracts").await?;
    let deal_quotes = quotes::for_deal(tx.conn(), ctx.workspace, deal_id).await?;
    let quote_id = match draft.quote_id {
        Some(id) if !deal_quotes.iter().any(|q| q.id == id) => {
            return Err(AppError::MissingReference(ValidationErrors::single(
                "quote_id",
                format!("quote {id} is not one of this deal's"),
            )));
        }
        Some(id) => Some(id),
        None => deal_quotes.iter().find(|q| issued(q)).map(|q| q.id),
    };
    signatories_exist(ctx, tx.conn(), &draft.their_signatory_ids).await?;
    if let Some(steps) = &draft.customer_steps {
        approvers_exist(ctx, tx.conn(), steps).await?;
    }
    let process = paper_process_of(ctx, tx.conn(), &deal).await?;
    let fields = draft.parse(deal.id, deal.progress.kind, &deal.terms.title, quote_id, &process)?;
    let at = now();
    let contract = Contract {
        id: ContractId(new_id()),
        fields,
        meta: RecordMeta::created(at),
    };
    insert_in(ctx, tx.conn(), &contract).await?;
    tx.commit().await?;
    Ok(contract)
}

/// R2.1: a consumer who said yes on a call gets their personal agreement drawn up at once, from
/// the offer they were given, so it can be signed (and paid) in the same conversation. Nothing
/// is drawn up without an issued offer, beside a live contract, or when the principal may not
/// edit the deal: the recommendation on the deal then asks for it.
pub(crate) async fn agreement_on_yes(ctx: &Ctx, deal_id: DealId) -> AppResult<Option<Contract>> {
    let (offered, live) = {
        let mut conn = ctx.db.acquire().await?;
        let offered = quotes::for_deal(conn.conn(), ctx.workspace, deal_id)
            .await?
            .iter()
            .any(issued);
        let live = contracts::for_deals(conn.conn(), ctx.workspace, &[deal_id])
            .await?
            .iter()
            .any(|c| c.fields.live());
        (offered, live)
    };
    if !offered || live {
        return Ok(None);
    }
    match create(ctx, deal_id, &ContractDraft::default()).await {
        Ok(contract) => Ok(Some(contract)),
        Err(AppError::Forbidden(_) | AppError::NotFound { .. } | AppError::Conflict(_) | AppError::Invalid(_)) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The deal's contracts, oldest first.
pub async fn of_deal(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Contract>> {
    let _deal: Deal = super::get(ctx, deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(contracts::for_deal(conn.conn(), ctx.workspace, deal_id).await?)
}

pub async fn patch(ctx: &Ctx, id: ContractId, version: &Expected, patch: &ContractPatch) -> AppResult<Contract> {
    let (mut tx, current) = begin_change::<Contract>(ctx, id.as_uuid(), version, Action::Edit).await?;
    if let Some(ids) = &patch.their_signatory_ids {
        signatories_exist(ctx, tx.conn(), ids).await?;
    }
    if let Some(steps) = &patch.customer_steps {
        approvers_exist(ctx, tx.conn(), steps).await?;
    }
    let next = Contract {
        fields: patch.apply(&current.fields)?,
        ..current.clone()
    };
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}

/// One step of a contract's life, as the route names it.
pub enum Step<'a> {
    Ready,
    SendToCustomer,
    DecideCustomerStep(usize, &'a StepDecision),
    Revise(&'a Redline),
    Signature(&'a SignatureEvent),
    Cancel,
    Terminate,
}

/// Moves a contract on. A signed B2B contract teaches its account's paper process.
pub async fn advance(ctx: &Ctx, id: ContractId, version: &Expected, step: Step<'_>) -> AppResult<Contract> {
    let (mut tx, current) = begin_change::<Contract>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let at = now();
    let f = &current.fields;
    let fields: ContractFields = match step {
        Step::Ready => {
            let deal_quotes = quotes::for_deal(tx.conn(), ctx.workspace, f.deal_id).await?;
            let quote_issued = match f.quote_id {
                Some(quote) => deal_quotes.iter().any(|q| q.id == quote && issued(q)),
                None => deal_quotes.iter().any(issued),
            };
            f.ready(quote_issued)?
        }
        Step::SendToCustomer => {
            let sent = f.send_to_customer(at)?;
            signatory_on_committee(ctx, tx.conn(), f).await?;
            sent
        }
        Step::DecideCustomerStep(index, decision) => f.decide_step(index, decision, at)?,
        Step::Revise(redline) => f.revise(redline, at)?,
        Step::Signature(event) => f.signature_news(event, at)?,
        Step::Cancel => f.cancel(at)?,
        Step::Terminate => f.terminate(at)?,
    };
    let signed_now = fields.status == ContractStatus::Executed && f.status != ContractStatus::Executed;
    let next = Contract {
        fields,
        ..current.clone()
    };
    if signed_now && !next.fields.customer_steps.is_empty() {
        let deal = super::deals::stored(ctx, tx.conn(), f.deal_id).await?;
        contracts::remember_paper_process(tx.conn(), ctx.workspace, deal.terms.counterparty_id, &next, at).await?;
    }
    let next = update_in(ctx, tx.conn(), &current, next, AuditAction::Update).await?;
    tx.commit().await?;
    Ok(next)
}

/// The approval chain an organisation follows: learned from its last signed contract, or the
/// usual one until then.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperProcess {
    pub steps: Vec<CustomerStepDraft>,
    /// Learned from a signed contract (false: the usual chain).
    pub known: bool,
}

pub async fn paper_process(ctx: &Ctx, organisation: PartyId) -> AppResult<PaperProcess> {
    let _organisation: closer_domain::party::Organisation = super::get(ctx, organisation.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(
        match contracts::paper_process(conn.conn(), ctx.workspace, organisation).await? {
            Some(steps) => PaperProcess { steps, known: true },
            None => PaperProcess {
                steps: default_paper_process(),
                known: false,
            },
        },
    )
}
