//! Our side's approval of quotes (D5, D3): who acts in which approver role, requests submitted
//! by sellers, decided step by step by the approvers (or, past the SLA, by those above them),
//! recalled, and invalidated when the quote changes beyond what was approved.

use closer_domain::access::{Action, Role};
use closer_domain::approvals::{
    Approval, ApprovalDecision, ApprovalFields, ApprovalMatrix, ApprovalNeed, ApprovalStatus, ApprovalSubmission,
    ApproverRole, DiscountTier, approval_still_needed, approved_base, default_matrix,
};
use closer_domain::audit::AuditAction;
use closer_domain::deal::Deal;
use closer_domain::ids::{ApprovalId, DealId, QuoteId, UserId, WorkspaceId};
use closer_domain::pricing::{Quote, QuoteStatus};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, approvals, teams};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::records::{Decision, decide};
use super::{AppError, AppResult, Ctx, Expected, Resource, begin_change, insert_in, new_id, now, update_in};

/// The roles the principal decides for on `deal`: those they hold, and the sales manager's when
/// they manage the deal's team.
async fn roles_on(ctx: &Ctx, conn: Conn<'_>, deal: &Deal) -> AppResult<Vec<ApproverRole>> {
    let mut roles: Vec<ApproverRole> = approvals::role_holders(conn, ctx.workspace, Some(ctx.actor()))
        .await?
        .into_iter()
        .map(|(_, role)| role)
        .collect();
    let manages = deal
        .ownership
        .team_id
        .is_some_and(|t| ctx.principal.managed.contains(&t));
    if manages && !roles.contains(&ApproverRole::SalesManager) {
        roles.push(ApproverRole::SalesManager);
    }
    Ok(roles)
}

/// True when the principal may decide some open step of the request now.
fn may_decide(approval: &Approval, roles: &[ApproverRole], at: OffsetDateTime) -> bool {
    approval.fields.status == ApprovalStatus::Pending
        && approval
            .fields
            .open_steps()
            .any(|s| s.deciding_roles(at).iter().any(|r| roles.contains(r)))
}

/// The workspace's discount matrix: its own, or the default ladder.
pub async fn matrix_of(conn: Conn<'_>, workspace: WorkspaceId) -> AppResult<ApprovalMatrix> {
    Ok(approvals::matrix(conn, workspace)
        .await?
        .map_or_else(default_matrix, |stored| stored.matrix))
}

/// What decides whether a deal's quotes need approval: the workspace's matrix and the requests
/// made so far.
pub struct DealApprovals {
    pub matrix: ApprovalMatrix,
    /// Newest first.
    pub requests: Vec<Approval>,
}

impl DealApprovals {
    pub async fn load(ctx: &Ctx, mut conn: Conn<'_>, deal: DealId) -> AppResult<DealApprovals> {
        Ok(DealApprovals {
            matrix: matrix_of(conn.reborrow(), ctx.workspace).await?,
            requests: approvals::for_deal(conn, ctx.workspace, deal).await?,
        })
    }

    /// What `quote` still needs approved, once what earlier requests approved is counted.
    pub fn still_needed(&self, deal: &Deal, quote: &Quote) -> Option<ApprovalNeed> {
        approval_still_needed(&self.matrix, deal.progress.kind, quote, approved_base(&self.requests))
    }

    /// The pending request about `quote`, if any.
    fn pending(&self, quote: &Quote) -> Option<&Approval> {
        self.requests
            .iter()
            .find(|a| a.fields.quote_id == quote.id && a.fields.status == ApprovalStatus::Pending)
    }

    /// Refuses to change a quote under a pending request: the approvers would approve something
    /// else.
    pub fn not_pending(&self, quote: &Quote) -> AppResult<()> {
        match self.pending(quote) {
            Some(pending) => Err(AppError::Conflict(format!(
                "revision {} waits for approval {}: recall it before changing the quote",
                quote.fields.revision, pending.id
            ))),
            None => Ok(()),
        }
    }

    /// Refuses to send a quote that still needs approval.
    pub fn approved_enough(&self, deal: &Deal, quote: &Quote) -> AppResult<()> {
        match self.still_needed(deal, quote) {
            None => Ok(()),
            Some(need) => {
                let roles: Vec<&str> = need.chain.iter().map(|s| s.role.as_str()).collect();
                Err(AppError::Conflict(format!(
                    "revision {} needs approval by {} first: submit it for approval",
                    quote.fields.revision,
                    roles.join(", ")
                )))
            }
        }
    }

    /// After a draft changed: an approved request of the same revision that no longer covers it
    /// is invalidated.
    pub async fn invalidate_if_exceeded(
        &self,
        ctx: &Ctx,
        mut conn: Conn<'_>,
        deal: &Deal,
        quote: &Quote,
    ) -> AppResult<()> {
        for approved in self
            .requests
            .iter()
            .filter(|a| a.fields.quote_id == quote.id && a.fields.status == ApprovalStatus::Approved)
        {
            let beyond =
                approval_still_needed(&self.matrix, deal.progress.kind, quote, Some(&approved.fields.values)).is_some();
            if beyond {
                let next = Approval {
                    fields: approved.fields.invalidate()?,
                    ..approved.clone()
                };
                update_in(ctx, conn.reborrow(), approved, next, AuditAction::Update).await?;
            }
        }
        Ok(())
    }
}

/// The roles of `chain` nobody but `requester` could decide on `deal`.
async fn roles_without_approver(
    ctx: &Ctx,
    mut conn: Conn<'_>,
    deal: &Deal,
    need: &ApprovalNeed,
    requester: UserId,
) -> AppResult<Vec<ApproverRole>> {
    let holders = approvals::role_holders(conn.reborrow(), ctx.workspace, None).await?;
    let managers: Vec<UserId> = match deal.ownership.team_id {
        Some(team) => teams::memberships(conn, ctx.workspace, None, Some(team))
            .await?
            .into_iter()
            .filter(|m| m.is_manager)
            .map(|m| UserId(m.user_id))
            .collect(),
        None => Vec::new(),
    };
    let mut missing = Vec::new();
    for step in &need.chain {
        let held = holders
            .iter()
            .any(|(user, role)| *role == step.role && *user != requester);
        let manages = step.role == ApproverRole::SalesManager && managers.iter().any(|m| *m != requester);
        if !held && !manages && !missing.contains(&step.role) {
            missing.push(step.role);
        }
    }
    Ok(missing)
}

/// Submits a draft quote for the approvals it needs.
pub async fn submit(ctx: &Ctx, quote_id: QuoteId, submission: &ApprovalSubmission) -> AppResult<Approval> {
    let (mut tx, quote) = begin_change::<Quote>(ctx, quote_id.as_uuid(), &Expected::Any, Action::Edit).await?;
    if quote.fields.status != QuoteStatus::Draft {
        return Err(AppError::Conflict(format!(
            "revision {} is {}: only a draft is submitted for approval",
            quote.fields.revision, quote.fields.status
        )));
    }
    let deal = super::deals::stored(ctx, tx.conn(), quote.fields.deal_id).await?;
    let paper = DealApprovals::load(ctx, tx.conn(), deal.id).await?;
    if let Some(pending) = paper.pending(&quote) {
        return Err(AppError::Conflict(format!(
            "approval {} for this revision is still pending",
            pending.id
        )));
    }
    let need = paper.still_needed(&deal, &quote).ok_or_else(|| {
        AppError::Conflict(format!(
            "revision {} needs no approval: send it to the customer",
            quote.fields.revision
        ))
    })?;
    let missing = roles_without_approver(ctx, tx.conn(), &deal, &need, ctx.actor()).await?;
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|r| r.as_str()).collect();
        return Err(AppError::Conflict(format!(
            "nobody else can approve as {}: an administrator assigns approver roles (PUT /api/v1/users/{{id}}/approver-roles) or team managers",
            names.join(", ")
        )));
    }
    let at = now();
    let fields = ApprovalFields::submit(&quote, &need, ctx.actor(), submission, at)?;
    let approval = Approval {
        id: ApprovalId(new_id()),
        fields,
        meta: RecordMeta::created(at),
    };
    insert_in(ctx, tx.conn(), &approval).await?;
    tx.commit().await?;
    Ok(approval)
}

/// An approver approves (or rejects) the step of the request that is theirs to decide.
pub async fn decide_step(
    ctx: &Ctx,
    id: ApprovalId,
    version: &Expected,
    decision: &ApprovalDecision,
    approve: bool,
) -> AppResult<Approval> {
    if !ctx.principal.writes() {
        return Err(AppError::Forbidden("a read-only token decides nothing".into()));
    }
    let mut tx = ctx.begin().await?;
    let (current, roles) = readable(ctx, tx.conn(), id).await?;
    if !version.admits(current.meta.version) {
        return Err(AppError::StaleVersion {
            expected: version.clone(),
            current: current.meta.version,
        });
    }
    let fields = current
        .fields
        .decide(ctx.actor(), &roles, decision, approve, now())
        .map_err(|e| match roles.is_empty() {
            true => AppError::Forbidden("you hold no approver role for this request".into()),
            false => AppError::Invalid(e),
        })?;
    let next = Approval {
        fields,
        ..current.clone()
    };
    let next = update_in(ctx, tx.conn(), &current, next, AuditAction::Update).await?;
    tx.commit().await?;
    Ok(next)
}

/// The seller (or whoever may edit the deal) takes a pending request back.
pub async fn recall(ctx: &Ctx, id: ApprovalId, version: &Expected) -> AppResult<Approval> {
    let (mut tx, current) = begin_change::<Approval>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let fields = current.fields.recall(now())?;
    let next = Approval {
        fields,
        ..current.clone()
    };
    let next = update_in(ctx, tx.conn(), &current, next, AuditAction::Update).await?;
    tx.commit().await?;
    Ok(next)
}

/// A request the principal may see (with the deal, or as one of its approvers), with the roles
/// they decide for on its deal.
async fn readable(ctx: &Ctx, mut conn: Conn<'_>, id: ApprovalId) -> AppResult<(Approval, Vec<ApproverRole>)> {
    let missing = AppError::NotFound {
        entity: Approval::ENTITY,
        id: id.as_uuid(),
    };
    let Some(approval) = approvals::get(conn.reborrow(), ctx.workspace, id).await? else {
        return Err(missing);
    };
    let deal = super::deals::stored(ctx, conn.reborrow(), approval.fields.deal_id).await?;
    let roles = roles_on(ctx, conn.reborrow(), &deal).await?;
    let approver =
        approval.fields.steps.iter().any(|s| roles.contains(&s.role)) || may_decide(&approval, &roles, now());
    if !approver && decide(ctx, conn, approval.guard(), Action::Read).await? != Decision::Allowed {
        return Err(missing);
    }
    Ok((approval, roles))
}

/// A request as its reader sees it: what it is about and whether they decide it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    #[serde(flatten)]
    pub approval: Approval,
    pub deal_title: String,
    /// The quote's totals when it was submitted.
    pub quote: QuoteSummary,
    /// The principal may approve or reject an open step now.
    pub yours_to_decide: bool,
    /// An open step is past its SLA.
    pub overdue: bool,
}

/// The figures an approver reads first.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteSummary {
    pub revision: i64,
    pub currency: String,
    pub list_total_minor: i64,
    pub net_total_minor: i64,
    pub discount_bp: i64,
    pub payment_terms: String,
}

async fn view(ctx: &Ctx, mut conn: Conn<'_>, approval: Approval, roles: &[ApproverRole]) -> AppResult<ApprovalView> {
    let deal = super::deals::stored(ctx, conn.reborrow(), approval.fields.deal_id).await?;
    let quote = closer_store::quotes::get(conn, ctx.workspace, approval.fields.quote_id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "quote",
            id: approval.fields.quote_id.as_uuid(),
        })?;
    let at = now();
    let overdue = approval.fields.open_steps().any(|s| s.overdue(at));
    Ok(ApprovalView {
        deal_title: deal.terms.title.clone(),
        quote: QuoteSummary {
            revision: quote.fields.revision,
            currency: quote.fields.currency.code().to_owned(),
            list_total_minor: quote.totals.list_total_minor,
            net_total_minor: quote.totals.net_total_minor,
            discount_bp: quote.totals.discount_bp,
            payment_terms: quote.fields.payment_terms.as_str().to_owned(),
        },
        yours_to_decide: approval.fields.requested_by != ctx.actor() && may_decide(&approval, roles, at),
        overdue,
        approval,
    })
}

pub async fn get(ctx: &Ctx, id: ApprovalId) -> AppResult<ApprovalView> {
    let mut conn = ctx.db.acquire().await?;
    let (approval, roles) = readable(ctx, conn.conn(), id).await?;
    view(ctx, conn.conn(), approval, &roles).await
}

/// The pending requests the principal may decide now, oldest first: their approval inbox.
pub async fn inbox(ctx: &Ctx) -> AppResult<Vec<ApprovalView>> {
    let mut conn = ctx.db.acquire().await?;
    let pending = approvals::with_status(conn.conn(), ctx.workspace, ApprovalStatus::Pending).await?;
    let at = now();
    let mut out = Vec::new();
    for approval in pending {
        if approval.fields.requested_by == ctx.actor() {
            continue;
        }
        let deal = super::deals::stored(ctx, conn.conn(), approval.fields.deal_id).await?;
        let roles = roles_on(ctx, conn.conn(), &deal).await?;
        if may_decide(&approval, &roles, at) {
            out.push(view(ctx, conn.conn(), approval, &roles).await?);
        }
    }
    Ok(out)
}

/// The requests about a deal's quotes, newest first.
pub async fn of_deal(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Approval>> {
    let _deal: Deal = super::get(ctx, deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(approvals::for_deal(conn.conn(), ctx.workspace, deal_id).await?)
}

/// The approver roles a user holds.
pub async fn roles_of(ctx: &Ctx, user: UserId) -> AppResult<Vec<ApproverRole>> {
    let mut conn = ctx.db.acquire().await?;
    if !closer_store::users::exists(conn.conn(), ctx.workspace, user).await? {
        return Err(AppError::NotFound {
            entity: "user",
            id: user.as_uuid(),
        });
    }
    let mut roles: Vec<ApproverRole> = approvals::role_holders(conn.conn(), ctx.workspace, Some(user))
        .await?
        .into_iter()
        .map(|(_, role)| role)
        .collect();
    // In the order of the ladder, as they were set.
    roles.sort();
    Ok(roles)
}

/// An administrator sets the approver roles a user holds; the change is audited on the user.
pub async fn set_roles_of(ctx: &Ctx, user: UserId, roles: &[ApproverRole]) -> AppResult<Vec<ApproverRole>> {
    if ctx.principal.role != Role::Admin || !ctx.principal.writes() {
        return Err(AppError::Forbidden(
            "only an administrator assigns approver roles".into(),
        ));
    }
    let mut wanted = roles.to_vec();
    wanted.sort();
    wanted.dedup();
    let before = roles_of(ctx, user).await?;
    let mut tx = ctx.begin().await?;
    let at = now();
    approvals::set_roles(tx.conn(), ctx.workspace, user, &wanted, at).await?;
    if before != wanted {
        #[derive(Serialize)]
        struct Held<'a> {
            approver_roles: &'a [ApproverRole],
        }
        let entries = ctx.audit_change(
            at,
            "user",
            user.as_uuid(),
            AuditAction::Update,
            Some(&Held {
                approver_roles: &before,
            }),
            &Held {
                approver_roles: &wanted,
            },
        );
        closer_store::audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    }
    tx.commit().await?;
    Ok(wanted)
}

/// The workspace's discount matrix as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatrixView {
    pub tiers: Vec<DiscountTier>,
    /// A consumer quote discounted past this in all, by hand and by promotions, needs approval.
    pub max_b2c_total_discount_bp: i64,
    /// 0 while the workspace uses the default ladder; send it back in `If-Match` to replace it.
    pub version: i64,
    /// The default ladder is in force: no administrator has set a matrix yet.
    pub is_default: bool,
}

pub async fn matrix_view(ctx: &Ctx) -> AppResult<MatrixView> {
    let mut conn = ctx.db.acquire().await?;
    Ok(match approvals::matrix(conn.conn(), ctx.workspace).await? {
        Some(stored) => MatrixView {
            tiers: stored.matrix.tiers,
            max_b2c_total_discount_bp: stored.matrix.max_b2c_total_discount_bp,
            version: stored.version,
            is_default: false,
        },
        None => {
            let matrix = default_matrix();
            MatrixView {
                tiers: matrix.tiers,
                max_b2c_total_discount_bp: matrix.max_b2c_total_discount_bp,
                version: 0,
                is_default: true,
            }
        }
    })
}

/// An administrator replaces the matrix. Requests already submitted keep the chain they got;
/// quotes not yet sent are judged by the new one.
pub async fn set_matrix(ctx: &Ctx, expected: &Expected, draft: &ApprovalMatrix) -> AppResult<MatrixView> {
    if ctx.principal.role != Role::Admin || !ctx.principal.writes() {
        return Err(AppError::Forbidden(
            "only an administrator sets the approval matrix".into(),
        ));
    }
    let matrix = draft.parse()?;
    let before = matrix_view(ctx).await?;
    if !expected.admits(before.version) {
        return Err(AppError::StaleVersion {
            expected: expected.clone(),
            current: before.version,
        });
    }
    let mut tx = ctx.begin().await?;
    let at = now();
    if !approvals::save_matrix(tx.conn(), ctx.workspace, &matrix, before.version, ctx.actor(), at).await? {
        return Err(AppError::Conflict(
            "the approval matrix changed meanwhile; reload and retry".into(),
        ));
    }
    let old = ApprovalMatrix {
        tiers: before.tiers,
        max_b2c_total_discount_bp: before.max_b2c_total_discount_bp,
    };
    let entries = ctx.audit_change(
        at,
        "approval_matrix",
        ctx.workspace.as_uuid(),
        AuditAction::Update,
        Some(&old),
        &matrix,
    );
    closer_store::audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(MatrixView {
        tiers: matrix.tiers,
        max_b2c_total_discount_bp: matrix.max_b2c_total_discount_bp,
        version: before.version + 1,
        is_default: false,
    })
}
