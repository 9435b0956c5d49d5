//! Next best actions on a deal: what the rules propose now, less what people already decided
//! (done, dismissed with a reason, snoozed until later).

use closer_domain::ValidationErrors;
use closer_domain::access::Action;
use closer_domain::audit::AuditAction;
use closer_domain::cycle::DealHealth;
use closer_domain::deal::Deal;
use closer_domain::ids::DealId;
use closer_domain::playbook::Playbook;
use closer_domain::rules::{Proposal, propose};
use closer_domain::text::{self, BODY_MAX};
use closer_store::recommendations::{self, Decision};
use closer_store::tasks::{self, TaskFilter};
use closer_store::{PageRequest, audit, deal_health};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::deals::{Loaded, load_snapshots, playbook_of};
use super::{AppError, AppResult, Ctx, begin_change, now};

/// The deal's open proposals, best first.
pub async fn open(ctx: &Ctx, id: DealId) -> AppResult<Vec<Proposal>> {
    let deal: Deal = super::get(ctx, id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let playbook = playbook_of(conn.conn(), ctx, deal.progress.playbook_id).await?;
    drop(conn);
    let health = super::jobs::deal_health_now(&ctx.db, ctx.workspace, &deal).await?;
    let open = open_for(ctx, &deal, &playbook, &health, now()).await?;
    remember_count(ctx, id, &health, open.len()).await?;
    Ok(open)
}

/// What the rules propose for `deal` at `at`, less what people decided (done, dismissed, still
/// snoozed). For callers that already know the deal may be seen.
async fn open_for(
    ctx: &Ctx,
    deal: &Deal,
    playbook: &Playbook,
    health: &DealHealth,
    at: OffsetDateTime,
) -> AppResult<Vec<Proposal>> {
    let workspace = ctx.workspace;
    let mut loaded = {
        let mut conn = ctx.db.acquire().await?;
        load_snapshots(conn.conn(), workspace, std::slice::from_ref(deal)).await?
    };
    super::relationships::weigh_committees(
        &ctx.db,
        &ctx.graphs,
        workspace,
        std::slice::from_ref(deal),
        &mut loaded,
        &mut super::relationships::Owners::default(),
        at,
    )
    .await?;
    let loaded = loaded
        .remove(&deal.id)
        .ok_or_else(|| AppError::Conflict(format!("deal {} could not be loaded", deal.id)))?;
    let mut conn = ctx.db.acquire().await?;
    let mut conn = conn.conn();
    let open_tasks = TaskFilter {
        subject_id: Some(deal.id.as_uuid()),
        done: Some(false),
        ..TaskFilter::default()
    };
    let everything = closer_store::access::Visibility::everything(workspace);
    let has_open_task = !tasks::list(
        conn.reborrow(),
        workspace,
        &everything,
        &open_tasks,
        PageRequest { after: None, limit: 1 },
    )
    .await?
    .items
    .is_empty();
    let decisions = recommendations::for_deal(conn, workspace, deal.id).await?;
    Ok(still_open(
        &loaded,
        deal,
        playbook,
        health,
        has_open_task,
        &decisions,
        at,
    ))
}

/// What the rules propose for a loaded deal, less what people decided (done, dismissed, still
/// snoozed).
pub(crate) fn still_open(
    loaded: &Loaded,
    deal: &Deal,
    playbook: &Playbook,
    health: &DealHealth,
    has_open_task: bool,
    decisions: &[Decision],
    at: OffsetDateTime,
) -> Vec<Proposal> {
    propose(&loaded.snapshot(deal), playbook, Some(health), has_open_task, at)
        .into_iter()
        .filter(|p| {
            decisions
                .iter()
                .find(|d| d.key == p.key)
                .is_none_or(|d| d.decision == "snoozed" && d.snoozed_until.is_none_or(|until| until <= at))
        })
        .collect()
}

/// Keeps the number of open proposals beside the deal's health, for the badge on its board card
/// (worked out here, where the proposals are, rather than for every card of a board).
async fn remember_count(ctx: &Ctx, id: DealId, health: &DealHealth, count: usize) -> AppResult<()> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let mut conn = ctx.db.acquire().await?;
    let stored = deal_health::open_recommendations(conn.conn(), ctx.workspace, &[id]).await?;
    if stored.get(&id) == Some(&count) {
        return Ok(());
    }
    drop(conn);
    let mut tx = ctx.db.begin().await?;
    deal_health::save(tx.conn(), ctx.workspace, id, health).await?;
    deal_health::save_open_recommendations(tx.conn(), ctx.workspace, id, count).await?;
    tx.commit().await?;
    Ok(())
}

/// What someone decided about a proposal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDraft {
    /// The proposal's key, as listed.
    pub key: String,
    /// `done`, `dismissed` or `snoozed`.
    pub decision: String,
    /// Why it is dismissed (required then; kept to tune the rules).
    #[schema(value_type = Option<closer_domain::text::OptionalBodyText>)]
    pub reason: Option<String>,
    /// Until when it is snoozed (required then; in the future).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub snoozed_until: Option<OffsetDateTime>,
}

/// Records a decision on one of the deal's open proposals.
pub async fn decide(ctx: &Ctx, id: DealId, draft: &DecisionDraft) -> AppResult<()> {
    let open = open(ctx, id).await?;
    let at = now();
    let reason =
        text::optional(draft.reason.as_deref(), BODY_MAX).map_err(|m| ValidationErrors::single("reason", m))?;
    match draft.decision.as_str() {
        "done" => {}
        "dismissed" if reason.is_none() => {
            return Err(ValidationErrors::single(
                "reason",
                "say why the proposal does not fit; it helps tune the rules",
            )
            .into());
        }
        "dismissed" => {}
        "snoozed" if draft.snoozed_until.is_none_or(|until| until <= at) => {
            return Err(ValidationErrors::single("snoozed_until", "give a time in the future").into());
        }
        "snoozed" => {}
        other => {
            return Err(ValidationErrors::single(
                "decision",
                format!("'{other}' is not one of: done, dismissed, snoozed"),
            )
            .into());
        }
    }
    if !open.iter().any(|p| p.key == draft.key) {
        return Err(AppError::MissingReference(ValidationErrors::single(
            "key",
            format!("no open proposal {} on this deal", draft.key),
        )));
    }
    // Deciding is working the deal: it needs the right to edit it.
    let (mut tx, deal) = begin_change::<Deal>(ctx, id.as_uuid(), &super::Expected::Any, Action::Edit).await?;
    let decision = Decision {
        key: draft.key.clone(),
        decision: draft.decision.clone(),
        reason,
        snoozed_until: draft.snoozed_until,
        decided_by: ctx.actor().as_uuid(),
        decided_at: at,
    };
    recommendations::save(tx.conn(), ctx.workspace, deal.id, ctx.actor(), &decision).await?;
    let shown =
        serde_json::json!({ "recommendation": decision.key, "decision": decision.decision, "reason": decision.reason });
    let entries = ctx.audit_change(at, "deal", deal.id.as_uuid(), AuditAction::Update, None, &shown);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    let still_open = i64::try_from(open.len().saturating_sub(1)).unwrap_or(i64::MAX);
    deal_health::save_open_recommendations(tx.conn(), ctx.workspace, deal.id, still_open).await?;
    tx.commit().await?;
    Ok(())
}
