//! The stored health of deals, written by the deal-health job.

use std::collections::HashMap;

use closer_domain::cycle::DealHealth;
use closer_domain::ids::{DealId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::{DealHealthRows, Meetings, Notes, Tasks};

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Option<DealHealth>> {
    Ok(for_deals(conn, workspace, &[deal]).await?.remove(&deal))
}

pub async fn save(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId, health: &DealHealth) -> Result<()> {
    upsert(conn, workspace, &[(deal, health, None)]).await
}

/// Stores the health and the open-proposal count of many deals in one statement (the health
/// job writes a page of deals at a time).
pub async fn save_checks(conn: Conn<'_>, workspace: WorkspaceId, checks: &[(DealId, DealHealth, i64)]) -> Result<()> {
    let rows: Vec<(DealId, &DealHealth, Option<i64>)> = checks
        .iter()
        .map(|(deal, health, open)| (*deal, health, Some(*open)))
        .collect();
    upsert(conn, workspace, &rows).await
}

/// Inserts or replaces health rows; the open-proposal count is written only when given (all
/// rows give it or none do).
async fn upsert(conn: Conn<'_>, workspace: WorkspaceId, rows: &[(DealId, &DealHealth, Option<i64>)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let with_count = rows.iter().all(|(_, _, open)| open.is_some());
    let mut columns = vec![
        DealHealthRows::WorkspaceId,
        DealHealthRows::DealId,
        DealHealthRows::CycleAgeDays,
        DealHealthRows::DaysInStage,
        DealHealthRows::LastActivityAt,
        DealHealthRows::Rotting,
        DealHealthRows::OverBudget,
        DealHealthRows::CheckedAt,
    ];
    if with_count {
        columns.push(DealHealthRows::OpenRecommendations);
    }
    let mut statement = Query::insert()
        .into_table(DealHealthRows::Table)
        .columns(columns.clone())
        .to_owned();
    for (deal, health, open) in rows {
        let mut values: Vec<sea_query::Expr> = vec![
            workspace.as_uuid().into(),
            deal.as_uuid().into(),
            health.cycle_age_days.into(),
            health.days_in_stage.into(),
            health.last_activity_at.into(),
            health.rotting.into(),
            health.over_budget.into(),
            health.checked_at.into(),
        ];
        if with_count {
            values.push((*open).into());
        }
        statement.values_panic(values);
    }
    statement.on_conflict(
        OnConflict::columns([DealHealthRows::WorkspaceId, DealHealthRows::DealId])
            .update_columns(columns.into_iter().skip(2))
            .to_owned(),
    );
    conn.execute(&statement).await?;
    Ok(())
}

#[derive(FromRow)]
struct Touch {
    subject: Option<Uuid>,
    at: OffsetDateTime,
}

/// The rows of `table` about `deals`: which deal (`subject`) and when each last changed (`at`).
fn touches<T: Iden + Copy + 'static>(
    table: T,
    workspace_column: T,
    subject: T,
    at: T,
    workspace: WorkspaceId,
    deals: &[Uuid],
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(subject), sea_query::Alias::new("subject"))
        .expr_as(Expr::col(at), sea_query::Alias::new("at"))
        .from(table)
        .and_where(Expr::col(workspace_column).eq(workspace.as_uuid()))
        .and_where(Expr::col(subject).is_in(deals.to_vec()))
        .to_owned()
}

/// When anything last happened on each of `deals`: notes, tasks and meetings about it.
pub async fn last_activity(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    deals: &[Uuid],
) -> Result<HashMap<Uuid, OffsetDateTime>> {
    let mut latest: HashMap<Uuid, OffsetDateTime> = HashMap::new();
    if deals.is_empty() {
        return Ok(latest);
    }
    let notes = touches(
        Notes::Table,
        Notes::WorkspaceId,
        Notes::SubjectId,
        Notes::UpdatedAt,
        workspace,
        deals,
    );
    let tasks = touches(
        Tasks::Table,
        Tasks::WorkspaceId,
        Tasks::SubjectId,
        Tasks::UpdatedAt,
        workspace,
        deals,
    );
    let meetings = touches(
        Meetings::Table,
        Meetings::WorkspaceId,
        Meetings::DealId,
        Meetings::UpdatedAt,
        workspace,
        deals,
    );
    for statement in [notes, tasks, meetings] {
        let touches: Vec<Touch> = conn.reborrow().fetch_all(&statement).await?;
        for touch in touches {
            if let Some(subject) = touch.subject {
                let entry = latest.entry(subject).or_insert(touch.at);
                *entry = Ord::max(*entry, touch.at);
            }
        }
    }
    Ok(latest)
}

#[derive(FromRow)]
struct KeyedRow {
    deal_id: Uuid,
    cycle_age_days: i64,
    days_in_stage: i64,
    last_activity_at: OffsetDateTime,
    rotting: bool,
    over_budget: bool,
    checked_at: OffsetDateTime,
}

/// Records how many next best actions are open on a deal whose health is stored.
pub async fn save_open_recommendations(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId, count: i64) -> Result<()> {
    let statement = Query::update()
        .table(DealHealthRows::Table)
        .value(DealHealthRows::OpenRecommendations, count)
        .and_where(Expr::col(DealHealthRows::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(DealHealthRows::DealId).eq(deal.as_uuid()))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

#[derive(FromRow)]
struct CountRow {
    deal_id: Uuid,
    open_recommendations: Option<i64>,
}

/// How many next best actions were open on each of `deals` when last worked out.
pub async fn open_recommendations(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deals: &[DealId],
) -> Result<HashMap<DealId, i64>> {
    if deals.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([DealHealthRows::DealId, DealHealthRows::OpenRecommendations])
        .from(DealHealthRows::Table)
        .and_where(Expr::col(DealHealthRows::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(DealHealthRows::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<CountRow> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.open_recommendations.map(|count| (DealId(r.deal_id), count)))
        .collect())
}

/// The stored health of each of `deals` that has been checked.
pub async fn for_deals(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deals: &[DealId],
) -> Result<HashMap<DealId, DealHealth>> {
    if deals.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([
            DealHealthRows::DealId,
            DealHealthRows::CycleAgeDays,
            DealHealthRows::DaysInStage,
            DealHealthRows::LastActivityAt,
            DealHealthRows::Rotting,
            DealHealthRows::OverBudget,
            DealHealthRows::CheckedAt,
        ])
        .from(DealHealthRows::Table)
        .and_where(Expr::col(DealHealthRows::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(DealHealthRows::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<KeyedRow> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let health = DealHealth {
                cycle_age_days: r.cycle_age_days,
                days_in_stage: r.days_in_stage,
                last_activity_at: r.last_activity_at,
                rotting: r.rotting,
                over_budget: r.over_budget,
                checked_at: r.checked_at,
            };
            (DealId(r.deal_id), health)
        })
        .collect())
}
