//! Reading the audit trail under the same access rules as the records it describes: admins read
//! all of it; everyone else reads the history of one record they may see.

use closer_domain::access::Action;
use closer_domain::activity::{Note, Task};
use closer_domain::audit::AuditEntry;
use closer_domain::deal::Deal;
use closer_domain::meeting::Meeting;
use closer_domain::party::{Employment, Organisation, Person};
use closer_domain::team::DealTeamMember;
use closer_store::audit::{self, AuditFilter};
use closer_store::stakeholders::StoredStakeholder;
use closer_store::{Page, PageRequest};
use uuid::Uuid;

use super::records::{Decision, decide};
use super::{AppError, AppResult, Ctx, Resource};

async fn visible<R: Resource>(ctx: &Ctx, id: Uuid) -> AppResult<bool> {
    let mut conn = ctx.db.acquire().await?;
    let Some(record) = R::load(conn.conn(), ctx.workspace, id).await? else {
        return Ok(false);
    };
    Ok(decide(ctx, conn.conn(), record.guard(), Action::Read).await? != Decision::Hidden)
}

/// May the principal read the history of this entity?
async fn readable(ctx: &Ctx, entity_type: &str, id: Uuid) -> AppResult<bool> {
    match entity_type {
        "person" => visible::<Person>(ctx, id).await,
        "organisation" => visible::<Organisation>(ctx, id).await,
        "employment" => visible::<Employment>(ctx, id).await,
        "deal" => visible::<Deal>(ctx, id).await,
        "note" => visible::<Note>(ctx, id).await,
        "task" => visible::<Task>(ctx, id).await,
        "meeting" => visible::<Meeting>(ctx, id).await,
        "stakeholder" => visible::<StoredStakeholder>(ctx, id).await,
        "deal_team_member" => visible::<DealTeamMember>(ctx, id).await,
        // Users, teams and access settings are administration.
        _ => Ok(false),
    }
}

/// Audit entries the principal may read.
pub async fn list(ctx: &Ctx, filter: &AuditFilter, page: PageRequest) -> AppResult<Page<AuditEntry>> {
    let mut conn = ctx.db.acquire().await?;
    if ctx.principal.is_admin() {
        return Ok(audit::list(conn.conn(), ctx.workspace, filter, page).await?);
    }
    let Some(entity) = filter.entity_id else {
        return Err(closer_domain::ValidationErrors::single(
            "entity_id",
            "name the record whose history you want (only admins list everything)",
        )
        .into());
    };
    let first = audit::list(
        conn.conn(),
        ctx.workspace,
        &AuditFilter {
            entity_id: Some(entity),
            ..AuditFilter::default()
        },
        PageRequest { after: None, limit: 1 },
    )
    .await?;
    drop(conn);
    let hidden = match first.items.first() {
        None => true,
        Some(entry) => !readable(ctx, &entry.entity_type, entity).await?,
    };
    if hidden {
        return Err(AppError::NotFound {
            entity: "record",
            id: entity,
        });
    }
    let mut conn = ctx.db.acquire().await?;
    Ok(audit::list(conn.conn(), ctx.workspace, filter, page).await?)
}
