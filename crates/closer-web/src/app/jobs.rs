//! Background jobs: claimed from the job table (several servers share the work on PostgreSQL),
//! run, and rescheduled. The deal-health job computes every open deal's cycle age, time in
//! stage, rotting and over-budget flags (D7).

use std::collections::HashMap;

use closer_domain::cycle::{DealHealth, health};
use closer_domain::ids::{DealId, PlaybookId, WorkspaceId};
use closer_domain::playbook::{DealStatus, Playbook};
use closer_store::access::Visibility;
use closer_store::deals::{self, DealFilter};
use closer_store::{Db, PageRequest, deal_health, jobs, playbooks, recommendations, tasks};
use time::Duration;

use super::relationships::{Graphs, Owners, weigh_committees};
use super::{AppError, AppResult, now};

/// The job that keeps deal health current, and how often it runs.
pub const DEAL_HEALTH: &str = "deal_health";
pub const DEAL_HEALTH_EVERY: Duration = Duration::hours(1);
/// The job that routes inbound leads nobody called within five minutes (R7.3), and how often.
pub const SPEED_TO_LEAD: &str = "speed_to_lead";
pub const SPEED_TO_LEAD_EVERY: Duration = Duration::minutes(1);
/// How long a claimed job stays claimed before another worker may take it over.
const LEASE: Duration = Duration::minutes(10);

/// Recomputes the health of every open deal of the workspace, and how many next best actions
/// are open on it (for the board's badge); returns how many deals were checked.
pub async fn refresh_deal_health(db: &Db, graphs: &Graphs, workspace: WorkspaceId) -> AppResult<usize> {
    let at = now();
    let mut conn = db.acquire().await?;
    let playbooks: HashMap<PlaybookId, Playbook> = playbooks::list(conn.conn(), workspace)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let everything = Visibility::everything(workspace);
    let filter = DealFilter {
        status: Some(DealStatus::Open),
        ..DealFilter::default()
    };
    let mut page = PageRequest {
        after: None,
        limit: 200,
    };
    let mut checked = 0;
    let mut owners = Owners::default();
    loop {
        let deals = deals::list(conn.conn(), workspace, &everything, &filter, page).await?;
        let ids: Vec<uuid::Uuid> = deals.items.iter().map(|d| d.id.as_uuid()).collect();
        let activity = deal_health::last_activity(conn.conn(), workspace, &ids).await?;
        // The page's committees, meetings, teams, tasks and decisions in a few statements.
        let deal_ids: Vec<DealId> = deals.items.iter().map(|d| d.id).collect();
        let mut loaded = super::deals::load_snapshots(conn.conn(), workspace, &deals.items).await?;
        weigh_committees(db, graphs, workspace, &deals.items, &mut loaded, &mut owners, at).await?;
        let with_tasks = tasks::with_open_tasks(conn.conn(), workspace, &ids).await?;
        let decisions = recommendations::for_deals(conn.conn(), workspace, &deal_ids).await?;
        // Worked out before the write transaction, so SQLite's one writer is held briefly.
        let mut checks = Vec::with_capacity(deals.items.len());
        for deal in &deals.items {
            let (Some(playbook), Some(snapshot)) = (playbooks.get(&deal.progress.playbook_id), loaded.get(&deal.id))
            else {
                continue;
            };
            let last = activity
                .get(&deal.id.as_uuid())
                .copied()
                .unwrap_or(deal.meta.created_at);
            let checked_health = health(deal, playbook, last, at);
            let open = super::recommendations::still_open(
                snapshot,
                deal,
                playbook,
                &checked_health,
                with_tasks.contains(&deal.id.as_uuid()),
                decisions.get(&deal.id).map_or(&[], Vec::as_slice),
                at,
            )
            .len();
            checks.push((deal.id, checked_health, i64::try_from(open).unwrap_or(i64::MAX)));
        }
        let mut tx = db.begin().await?;
        deal_health::save_checks(tx.conn(), workspace, &checks).await?;
        tx.commit().await?;
        checked += checks.len();
        match deals.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(checked),
        }
    }
}

/// The stored health of a deal, or (before the job first ran) its health now.
pub async fn deal_health_now(
    db: &Db,
    workspace: WorkspaceId,
    deal: &closer_domain::deal::Deal,
) -> AppResult<DealHealth> {
    let mut conn = db.acquire().await?;
    if let Some(stored) = deal_health::get(conn.conn(), workspace, deal.id).await? {
        return Ok(stored);
    }
    let playbook = playbooks::get(conn.conn(), workspace, deal.progress.playbook_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "the deal's playbook {} no longer exists",
                deal.progress.playbook_id
            ))
        })?;
    let activity = deal_health::last_activity(conn.conn(), workspace, &[deal.id.as_uuid()]).await?;
    let last = activity
        .get(&deal.id.as_uuid())
        .copied()
        .unwrap_or(deal.meta.created_at);
    Ok(health(deal, &playbook, last, now()))
}

/// Runs every job that is due; returns how many ran.
pub async fn run_due(db: &Db, graphs: &Graphs, worker: &str) -> AppResult<usize> {
    let mut ran = 0;
    while let Some(job) = jobs::claim(db, worker, now(), LEASE).await? {
        let workspace = WorkspaceId(job.workspace_id);
        let (outcome, every) = match job.kind.as_str() {
            DEAL_HEALTH => (
                refresh_deal_health(db, graphs, workspace).await.map(|_| ()),
                DEAL_HEALTH_EVERY,
            ),
            SPEED_TO_LEAD => (
                super::telemarketing::route_waiting_leads(db, workspace, now())
                    .await
                    .map(|_| ()),
                SPEED_TO_LEAD_EVERY,
            ),
            other => {
                tracing::warn!(kind = other, "unknown job kind; it will be retried");
                (Ok(()), DEAL_HEALTH_EVERY)
            }
        };
        let at = now();
        match outcome {
            Ok(()) => jobs::finish(db, job.id, at + every, at, None).await?,
            Err(e) => {
                tracing::error!(kind = %job.kind, error = %e, "job failed");
                jobs::finish(db, job.id, at + Duration::minutes(5), at, Some(&e.to_string())).await?;
            }
        }
        ran += 1;
    }
    Ok(ran)
}

/// Schedules the recurring jobs of a workspace (their first run is now).
pub async fn schedule(db: &Db, workspace: WorkspaceId) -> AppResult<()> {
    jobs::ensure(db, workspace, DEAL_HEALTH, now()).await?;
    jobs::ensure(db, workspace, SPEED_TO_LEAD, now()).await?;
    Ok(())
}

/// The worker loop a server runs: due jobs every `every`, until the process ends.
pub async fn work(db: Db, graphs: Graphs, every: std::time::Duration) {
    let worker = format!("closer-{}", uuid::Uuid::now_v7());
    loop {
        if let Err(e) = run_due(&db, &graphs, &worker).await {
            tracing::error!(error = %e, "the job worker failed; it will try again");
        }
        tokio::time::sleep(every).await;
    }
}
