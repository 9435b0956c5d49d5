//! Decisions taken on proposed next best actions, by deal and proposal key.

use std::collections::HashMap;

use closer_domain::ids::{DealId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::RecommendationDecisions;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Decision {
    pub key: String,
    pub decision: String,
    pub reason: Option<String>,
    pub snoozed_until: Option<OffsetDateTime>,
    pub decided_by: Uuid,
    pub decided_at: OffsetDateTime,
}

pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<Decision>> {
    Ok(for_deals(conn, workspace, &[deal])
        .await?
        .remove(&deal)
        .unwrap_or_default())
}

/// Records (or replaces) the decision on one proposal.
/// The decisions on several deals' proposals, by deal.
pub async fn for_deals(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deals: &[DealId],
) -> Result<HashMap<DealId, Vec<Decision>>> {
    #[derive(FromRow)]
    struct Row {
        deal_id: Uuid,
        #[sqlx(flatten)]
        decision: Decision,
    }
    if deals.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([
            RecommendationDecisions::DealId,
            RecommendationDecisions::Key,
            RecommendationDecisions::Decision,
            RecommendationDecisions::Reason,
            RecommendationDecisions::SnoozedUntil,
            RecommendationDecisions::DecidedBy,
            RecommendationDecisions::DecidedAt,
        ])
        .from(RecommendationDecisions::Table)
        .and_where(Expr::col(RecommendationDecisions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(
            Expr::col(RecommendationDecisions::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()),
        )
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    let mut by_deal: HashMap<DealId, Vec<Decision>> = HashMap::new();
    for row in rows {
        by_deal.entry(DealId(row.deal_id)).or_default().push(row.decision);
    }
    Ok(by_deal)
}

pub async fn save(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId, by: UserId, decision: &Decision) -> Result<()> {
    let statement = Query::insert()
        .into_table(RecommendationDecisions::Table)
        .columns([
            RecommendationDecisions::WorkspaceId,
            RecommendationDecisions::DealId,
            RecommendationDecisions::Key,
            RecommendationDecisions::Decision,
            RecommendationDecisions::Reason,
            RecommendationDecisions::SnoozedUntil,
            RecommendationDecisions::DecidedBy,
            RecommendationDecisions::DecidedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            deal.as_uuid().into(),
            decision.key.clone().into(),
            decision.decision.clone().into(),
            decision.reason.clone().into(),
            decision.snoozed_until.into(),
            by.as_uuid().into(),
            decision.decided_at.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                RecommendationDecisions::WorkspaceId,
                RecommendationDecisions::DealId,
                RecommendationDecisions::Key,
            ])
            .update_columns([
                RecommendationDecisions::Decision,
                RecommendationDecisions::Reason,
                RecommendationDecisions::SnoozedUntil,
                RecommendationDecisions::DecidedBy,
                RecommendationDecisions::DecidedAt,
            ])
            .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}
