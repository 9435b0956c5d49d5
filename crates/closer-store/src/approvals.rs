//! Seller-side approvals: who acts in which approver role, and the approval requests of quotes
//! with their steps. A request row carries what it approves as a JSON document; its steps are rows
//! of their own, rewritten with the request.

use std::collections::HashMap;

use closer_domain::approvals::{
    Approval, ApprovalFields, ApprovalMatrix, ApprovalReason, ApprovalStatus, ApprovedValues, ApproverRole, StepState,
    StepStatus,
};
use closer_domain::ids::{ApprovalId, DealId, QuoteId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::{ApprovalMatrices, ApprovalSteps, Approvals, ApproverRoles, Users};

#[derive(FromRow)]
struct RoleRow {
    user_id: Uuid,
    role: String,
}

/// Every approver role held by an enabled user, optionally of one user only.
pub async fn role_holders(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: Option<UserId>,
) -> Result<Vec<(UserId, ApproverRole)>> {
    let mut statement = Query::select()
        .column((ApproverRoles::Table, ApproverRoles::UserId))
        .column((ApproverRoles::Table, ApproverRoles::Role))
        .from(ApproverRoles::Table)
        .inner_join(
            Users::Table,
            Expr::col((Users::Table, Users::WorkspaceId))
                .equals((ApproverRoles::Table, ApproverRoles::WorkspaceId))
                .and(Expr::col((Users::Table, Users::Id)).equals((ApproverRoles::Table, ApproverRoles::UserId))),
        )
        .and_where(Expr::col((ApproverRoles::Table, ApproverRoles::WorkspaceId)).eq(workspace.as_uuid()))
        .and_where(Expr::col((Users::Table, Users::DisabledAt)).is_null())
        .order_by((ApproverRoles::Table, ApproverRoles::UserId), Order::Asc)
        .order_by((ApproverRoles::Table, ApproverRoles::Role), Order::Asc)
        .to_owned();
    if let Some(user) = user {
        statement.and_where(Expr::col((ApproverRoles::Table, ApproverRoles::UserId)).eq(user.as_uuid()));
    }
    let rows: Vec<RoleRow> = conn.fetch_all(&statement).await?;
    rows.into_iter()
        .map(|r| Ok((UserId(r.user_id), label(ApproverRole::parse, &r.role)?)))
        .collect()
}

/// Replaces the approver roles a user holds.
pub async fn set_roles(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    user: UserId,
    roles: &[ApproverRole],
    now: OffsetDateTime,
) -> Result<()> {
    let clear = Query::delete()
        .from_table(ApproverRoles::Table)
        .and_where(Expr::col(ApproverRoles::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ApproverRoles::UserId).eq(user.as_uuid()))
        .to_owned();
    conn.reborrow().execute(&clear).await?;
    if roles.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(ApproverRoles::Table)
        .columns([
            ApproverRoles::WorkspaceId,
            ApproverRoles::UserId,
            ApproverRoles::Role,
            ApproverRoles::CreatedAt,
        ])
        .to_owned();
    for role in roles {
        insert.values_panic([
            workspace.as_uuid().into(),
            user.as_uuid().into(),
            role.as_str().into(),
            now.into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    quote_id: Uuid,
    deal_id: Uuid,
    revision: i64,
    reasons: String,
    discount_bp: i64,
    status: String,
    requested_by: Uuid,
    justification: Option<String>,
    sla_hours: i64,
    approved_values: String,
    submitted_at: OffsetDateTime,
    decided_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct StepRow {
    approval_id: Uuid,
    step_order: i64,
    role: String,
    status: String,
    opened_at: Option<OffsetDateTime>,
    due_at: Option<OffsetDateTime>,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    comment: Option<String>,
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("approval {what}: {error}"))
}

impl StepRow {
    fn into_step(self) -> Result<StepState> {
        Ok(StepState {
            order: u8::try_from(self.step_order).map_err(|e| corrupt("step order", e))?,
            role: label(ApproverRole::parse, &self.role)?,
            status: label(StepStatus::parse, &self.status)?,
            opened_at: self.opened_at,
            due_at: self.due_at,
            decided_by: self.decided_by.map(UserId),
            decided_at: self.decided_at,
            comment: self.comment,
        })
    }
}

impl Row {
    fn into_approval(self, steps: Vec<StepState>) -> Result<Approval> {
        let reasons = self
            .reasons
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| label(ApprovalReason::parse, r))
            .collect::<Result<Vec<_>>>()?;
        let values: ApprovedValues = serde_json::from_str(&self.approved_values).map_err(|e| corrupt("values", e))?;
        let fields = ApprovalFields {
            quote_id: QuoteId(self.quote_id),
            deal_id: DealId(self.deal_id),
            revision: self.revision,
            reasons,
            discount_bp: self.discount_bp,
            status: label(ApprovalStatus::parse, &self.status)?,
            requested_by: UserId(self.requested_by),
            justification: self.justification,
            sla_hours: u16::try_from(self.sla_hours).map_err(|e| corrupt("SLA", e))?,
            steps,
            values,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
        };
        let meta = records::meta(self.version, self.created_at, self.updated_at, self.deleted_at);
        Ok(Approval {
            id: ApprovalId(self.id),
            fields,
            meta,
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Approvals::Id,
            Approvals::QuoteId,
            Approvals::DealId,
            Approvals::Revision,
            Approvals::Reasons,
            Approvals::DiscountBp,
            Approvals::Status,
            Approvals::RequestedBy,
            Approvals::Justification,
            Approvals::SlaHours,
            Approvals::ApprovedValues,
            Approvals::SubmittedAt,
            Approvals::DecidedAt,
            Approvals::Version,
            Approvals::CreatedAt,
            Approvals::UpdatedAt,
            Approvals::DeletedAt,
        ])
        .from(Approvals::Table)
        .and_where(Expr::col(Approvals::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(approval: &Approval) -> Vec<(Approvals, Expr)> {
    let f = &approval.fields;
    let reasons: Vec<&str> = f.reasons.iter().map(|r| r.as_str()).collect();
    vec![
        (Approvals::QuoteId, f.quote_id.as_uuid().into()),
        (Approvals::DealId, f.deal_id.as_uuid().into()),
        (Approvals::Revision, f.revision.into()),
        (Approvals::Reasons, reasons.join(",").into()),
        (Approvals::DiscountBp, f.discount_bp.into()),
        (Approvals::Status, f.status.as_str().into()),
        (Approvals::RequestedBy, f.requested_by.as_uuid().into()),
        (Approvals::Justification, f.justification.clone().into()),
        (Approvals::SlaHours, i64::from(f.sla_hours).into()),
        (
            Approvals::ApprovedValues,
            serde_json::to_string(&f.values).unwrap_or_default().into(),
        ),
        (Approvals::SubmittedAt, f.submitted_at.into()),
        (Approvals::DecidedAt, f.decided_at.into()),
    ]
}

async fn fetch(mut conn: Conn<'_>, workspace: WorkspaceId, statement: &SelectStatement) -> Result<Vec<Approval>> {
    let rows: Vec<Row> = conn.reborrow().fetch_all(statement).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let steps = Query::select()
        .columns([
            ApprovalSteps::ApprovalId,
            ApprovalSteps::StepOrder,
            ApprovalSteps::Role,
            ApprovalSteps::Status,
            ApprovalSteps::OpenedAt,
            ApprovalSteps::DueAt,
            ApprovalSteps::DecidedBy,
            ApprovalSteps::DecidedAt,
            ApprovalSteps::Comment,
        ])
        .from(ApprovalSteps::Table)
        .and_where(Expr::col(ApprovalSteps::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ApprovalSteps::ApprovalId).is_in(rows.iter().map(|r| r.id).collect::<Vec<_>>()))
        .order_by(ApprovalSteps::ApprovalId, Order::Asc)
        .order_by(ApprovalSteps::Position, Order::Asc)
        .to_owned();
    let step_rows: Vec<StepRow> = conn.fetch_all(&steps).await?;
    let mut by_approval: HashMap<Uuid, Vec<StepState>> = HashMap::new();
    for row in step_rows {
        by_approval.entry(row.approval_id).or_default().push(row.into_step()?);
    }
    rows.into_iter()
        .map(|row| {
            let steps = by_approval.remove(&row.id).unwrap_or_default();
            row.into_approval(steps)
        })
        .collect()
}

/// A request by id.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: ApprovalId) -> Result<Option<Approval>> {
    let statement = select(workspace)
        .and_where(Expr::col(Approvals::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(fetch(conn, workspace, &statement).await?.into_iter().next())
}

/// The requests about the deals' quotes, newest first.
pub async fn for_deals(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Approval>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Approvals::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .order_by(Approvals::SubmittedAt, Order::Desc)
        .order_by(Approvals::Id, Order::Desc)
        .to_owned();
    fetch(conn, workspace, &statement).await
}

/// The requests about one deal's quotes, newest first.
pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<Approval>> {
    for_deals(conn, workspace, &[deal]).await
}

/// Every request of a status in the workspace, oldest first (the inbox reads the pending ones).
pub async fn with_status(conn: Conn<'_>, workspace: WorkspaceId, status: ApprovalStatus) -> Result<Vec<Approval>> {
    let statement = select(workspace)
        .and_where(Expr::col(Approvals::Status).eq(status.as_str()))
        .order_by(Approvals::SubmittedAt, Order::Asc)
        .order_by(Approvals::Id, Order::Asc)
        .to_owned();
    fetch(conn, workspace, &statement).await
}

async fn write_steps(mut conn: Conn<'_>, workspace: WorkspaceId, approval: &Approval, replace: bool) -> Result<()> {
    if replace {
        let clear = Query::delete()
            .from_table(ApprovalSteps::Table)
            .and_where(Expr::col(ApprovalSteps::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(ApprovalSteps::ApprovalId).eq(approval.id.as_uuid()))
            .to_owned();
        conn.reborrow().execute(&clear).await?;
    }
    if approval.fields.steps.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(ApprovalSteps::Table)
        .columns([
            ApprovalSteps::WorkspaceId,
            ApprovalSteps::ApprovalId,
            ApprovalSteps::Position,
            ApprovalSteps::StepOrder,
            ApprovalSteps::Role,
            ApprovalSteps::Status,
            ApprovalSteps::OpenedAt,
            ApprovalSteps::DueAt,
            ApprovalSteps::DecidedBy,
            ApprovalSteps::DecidedAt,
            ApprovalSteps::Comment,
        ])
        .to_owned();
    for (position, step) in approval.fields.steps.iter().enumerate() {
        insert.values_panic([
            workspace.as_uuid().into(),
            approval.id.as_uuid().into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            i64::from(step.order).into(),
            step.role.as_str().into(),
            step.status.as_str().into(),
            step.opened_at.into(),
            step.due_at.into(),
            step.decided_by.map(|u| u.as_uuid()).into(),
            step.decided_at.into(),
            step.comment.clone().into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}

pub async fn insert(mut conn: Conn<'_>, workspace: WorkspaceId, approval: &Approval) -> Result<()> {
    records::insert_record(
        conn.reborrow(),
        Approvals::Table,
        workspace,
        approval.id.as_uuid(),
        &approval.meta,
        values(approval),
    )
    .await?;
    write_steps(conn, workspace, approval, false).await
}

/// Writes a changed request (and its steps) if it is still at `expected_version`.
pub async fn update(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    approval: &Approval,
    expected_version: i64,
) -> Result<bool> {
    let written = records::update_record(
        conn.reborrow(),
        Approvals::Table,
        workspace,
        approval.id.as_uuid(),
        &approval.meta,
        expected_version,
        values(approval),
    )
    .await?;
    if written {
        write_steps(conn, workspace, approval, true).await?;
    }
    Ok(written)
}

/// The matrix as stored, with its version.
pub struct StoredMatrix {
    pub matrix: ApprovalMatrix,
    pub version: i64,
    pub updated_at: OffsetDateTime,
}

/// The workspace's own matrix; `None` while it uses the default.
pub async fn matrix(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Option<StoredMatrix>> {
    #[derive(FromRow)]
    struct MatrixRow {
        matrix: String,
        version: i64,
        updated_at: OffsetDateTime,
    }
    let statement = Query::select()
        .columns([
            ApprovalMatrices::Matrix,
            ApprovalMatrices::Version,
            ApprovalMatrices::UpdatedAt,
        ])
        .from(ApprovalMatrices::Table)
        .and_where(Expr::col(ApprovalMatrices::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned();
    let row: Option<MatrixRow> = conn.fetch_optional(&statement).await?;
    row.map(|r| {
        Ok(StoredMatrix {
            matrix: serde_json::from_str(&r.matrix).map_err(|e| corrupt("matrix", e))?,
            version: r.version,
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

/// Writes the workspace's matrix over the one at `expected_version` (0: the default, never
/// saved); false when another write came first.
pub async fn save_matrix(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    matrix: &ApprovalMatrix,
    expected_version: i64,
    by: UserId,
    now: OffsetDateTime,
) -> Result<bool> {
    let document = serde_json::to_string(matrix).map_err(|e| corrupt("matrix", e))?;
    let written = if expected_version == 0 {
        let statement = Query::insert()
            .into_table(ApprovalMatrices::Table)
            .columns([
                ApprovalMatrices::WorkspaceId,
                ApprovalMatrices::Matrix,
                ApprovalMatrices::Version,
                ApprovalMatrices::UpdatedAt,
                ApprovalMatrices::UpdatedBy,
            ])
            .values_panic([
                workspace.as_uuid().into(),
                document.into(),
                1i64.into(),
                now.into(),
                by.as_uuid().into(),
            ])
            .on_conflict(
                OnConflict::column(ApprovalMatrices::WorkspaceId)
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        conn.execute(&statement).await?
    } else {
        let statement = Query::update()
            .table(ApprovalMatrices::Table)
            .value(ApprovalMatrices::Matrix, document)
            .value(ApprovalMatrices::Version, expected_version + 1)
            .value(ApprovalMatrices::UpdatedAt, now)
            .value(ApprovalMatrices::UpdatedBy, by.as_uuid())
            .and_where(Expr::col(ApprovalMatrices::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(ApprovalMatrices::Version).eq(expected_version))
            .to_owned();
        conn.execute(&statement).await?
    };
    Ok(written == 1)
}
