//! Playbooks and their stages.

use closer_domain::ids::{PlaybookId, StageId, WorkspaceId};
use closer_domain::playbook::{DealKind, DealStatus, Playbook, Stage, WonAt};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::records::label;
use crate::schema::{Playbooks, Stages};

#[derive(FromRow)]
struct PlaybookRow {
    id: Uuid,
    key: String,
    revision: i64,
    is_default: bool,
    name: String,
    kind: String,
    allow_skip: bool,
    allow_backward: bool,
    cycle_budget_min_days: i64,
    cycle_budget_max_days: i64,
    won_at: String,
}

#[derive(FromRow, Clone)]
struct StageRow {
    id: Uuid,
    playbook_id: Uuid,
    key: String,
    name: String,
    position: i64,
    status: String,
    probability: i64,
    target_days: Option<i64>,
    rot_days: Option<i64>,
    guidance: String,
    criteria: String,
}

fn small(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl StageRow {
    fn into_stage(self) -> Result<Stage> {
        Ok(Stage {
            id: StageId(self.id),
            key: self.key,
            name: self.name,
            position: small(self.position),
            status: label(DealStatus::parse, &self.status)?,
            probability: small(self.probability),
            target_days: self.target_days.map(small),
            rot_days: self.rot_days.map(small),
            guidance: self.guidance,
            criteria: serde_json::from_str(&self.criteria)
                .map_err(|e| crate::StoreError::Corrupt(format!("criteria: {e}")))?,
        })
    }
}

/// Stores a playbook with its stages (ids and positions as given).
pub async fn insert(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    playbook: &Playbook,
    is_default: bool,
    now: OffsetDateTime,
) -> Result<()> {
    let statement = Query::insert()
        .into_table(Playbooks::Table)
        .columns([
            Playbooks::WorkspaceId,
            Playbooks::Id,
            Playbooks::Key,
            Playbooks::Name,
            Playbooks::Kind,
            Playbooks::AllowSkip,
            Playbooks::AllowBackward,
            Playbooks::CycleBudgetMinDays,
            Playbooks::CycleBudgetMaxDays,
            Playbooks::WonAt,
            Playbooks::IsDefault,
            Playbooks::Revision,
            Playbooks::CreatedAt,
            Playbooks::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            playbook.id.as_uuid().into(),
            playbook.key.clone().into(),
            playbook.name.clone().into(),
            playbook.kind.as_str().into(),
            playbook.allow_skip.into(),
            playbook.allow_backward.into(),
            i64::from(playbook.cycle_budget_min_days).into(),
            i64::from(playbook.cycle_budget_max_days).into(),
            playbook.won_at.as_str().into(),
            is_default.into(),
            i64::from(playbook.revision).into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.reborrow().execute(&statement).await?;
    let mut stages = Query::insert()
        .into_table(Stages::Table)
        .columns([
            Stages::WorkspaceId,
            Stages::Id,
            Stages::PlaybookId,
            Stages::Key,
            Stages::Name,
            Stages::Position,
            Stages::Status,
            Stages::Probability,
            Stages::TargetDays,
            Stages::RotDays,
            Stages::Guidance,
            Stages::Criteria,
            Stages::CreatedAt,
            Stages::UpdatedAt,
        ])
        .to_owned();
    for stage in &playbook.stages {
        stages.values_panic([
            workspace.as_uuid().into(),
            stage.id.as_uuid().into(),
            playbook.id.as_uuid().into(),
            stage.key.clone().into(),
            stage.name.clone().into(),
            i64::from(stage.position).into(),
            stage.status.as_str().into(),
            i64::from(stage.probability).into(),
            stage.target_days.map(i64::from).into(),
            stage.rot_days.map(i64::from).into(),
            stage.guidance.clone().into(),
            serde_json::to_string(&stage.criteria)
                .unwrap_or_else(|_| "[]".into())
                .into(),
            now.into(),
            now.into(),
        ]);
    }
    conn.execute(&stages).await?;
    Ok(())
}

/// The current revision of every playbook of the workspace with its stages, B2C first.
pub async fn list(mut conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<Playbook>> {
    Ok(load(conn.reborrow(), workspace, None, None)
        .await?
        .into_iter()
        .filter(|p| p.is_default)
        .collect())
}

/// Makes a playbook revision no longer the one new deals start in.
pub async fn retire(conn: Conn<'_>, workspace: WorkspaceId, id: PlaybookId, now: OffsetDateTime) -> Result<()> {
    let statement = Query::update()
        .table(Playbooks::Table)
        .value(Playbooks::IsDefault, false)
        .value(Playbooks::UpdatedAt, now)
        .and_where(Expr::col(Playbooks::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Playbooks::Id).eq(id.as_uuid()))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// One live playbook with its stages.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: PlaybookId) -> Result<Option<Playbook>> {
    Ok(load(conn, workspace, Some(id), None).await?.into_iter().next())
}

/// The default playbook for a kind of deal.
pub async fn default_for(conn: Conn<'_>, workspace: WorkspaceId, kind: DealKind) -> Result<Option<Playbook>> {
    Ok(load(conn, workspace, None, Some(kind)).await?.into_iter().next())
}

async fn load(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    id: Option<PlaybookId>,
    default_kind: Option<DealKind>,
) -> Result<Vec<Playbook>> {
    let mut select = Query::select()
        .columns([
            Playbooks::Id,
            Playbooks::Key,
            Playbooks::Revision,
            Playbooks::IsDefault,
            Playbooks::Name,
            Playbooks::Kind,
            Playbooks::AllowSkip,
            Playbooks::AllowBackward,
            Playbooks::CycleBudgetMinDays,
            Playbooks::CycleBudgetMaxDays,
            Playbooks::WonAt,
        ])
        .from(Playbooks::Table)
        .and_where(Expr::col(Playbooks::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Playbooks::DeletedAt).is_null())
        .order_by(Playbooks::Kind, Order::Desc)
        .order_by(Playbooks::Id, Order::Asc)
        .to_owned();
    if let Some(id) = id {
        select.and_where(Expr::col(Playbooks::Id).eq(id.as_uuid()));
    }
    if let Some(kind) = default_kind {
        select
            .and_where(Expr::col(Playbooks::Kind).eq(kind.as_str()))
            .and_where(Expr::col(Playbooks::IsDefault).eq(true));
    }
    let rows: Vec<PlaybookRow> = conn.reborrow().fetch_all(&select).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let stages = Query::select()
        .columns([
            Stages::Id,
            Stages::PlaybookId,
            Stages::Key,
            Stages::Name,
            Stages::Position,
            Stages::Status,
            Stages::Probability,
            Stages::TargetDays,
            Stages::RotDays,
            Stages::Guidance,
            Stages::Criteria,
        ])
        .from(Stages::Table)
        .and_where(Expr::col(Stages::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Stages::PlaybookId).is_in(ids))
        .and_where(Expr::col(Stages::DeletedAt).is_null())
        .order_by(Stages::Position, Order::Asc)
        .to_owned();
    let stage_rows: Vec<StageRow> = conn.fetch_all(&stages).await?;
    let mut playbooks = Vec::with_capacity(rows.len());
    for row in rows {
        let stages = stage_rows
            .iter()
            .filter(|s| s.playbook_id == row.id)
            .map(|s| s.clone().into_stage())
            .collect::<Result<Vec<_>>>()?;
        playbooks.push(Playbook {
            id: PlaybookId(row.id),
            key: row.key,
            revision: small(row.revision),
            is_default: row.is_default,
            name: row.name,
            kind: label(DealKind::parse, &row.kind)?,
            allow_skip: row.allow_skip,
            allow_backward: row.allow_backward,
            cycle_budget_min_days: small(row.cycle_budget_min_days),
            cycle_budget_max_days: small(row.cycle_budget_max_days),
            won_at: label(WonAt::parse, &row.won_at)?,
            stages,
        });
    }
    Ok(playbooks)
}
