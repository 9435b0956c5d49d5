//! `/api/v1/deals`: deals of both kinds, their stage moves and stage history.

use axum::Json;
use closer_domain::deal::{Deal, DealDraft, DealMove, DealPatch};
use closer_domain::ids::{DealId, PartyId, PlaybookId, StageId, TeamId, UserId};
use closer_domain::playbook::{DealKind, DealStatus};
use closer_store::deals::{self, DealFilter, StageTransition};
use closer_store::records::search_needle;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, OptionalIfMatch, PageBody, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, assign_handler, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the deal list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealsQuery {
    pub kind: Option<DealKind>,
    pub status: Option<DealStatus>,
    pub stage_id: Option<StageId>,
    pub playbook_id: Option<PlaybookId>,
    pub owner_id: Option<UserId>,
    /// Deals the team owns.
    pub team_id: Option<TeamId>,
    /// Deals expected to close on or after this day (`YYYY-MM-DD`).
    pub expected_close_from: Option<Date>,
    /// Deals expected to close on or before this day (`YYYY-MM-DD`).
    pub expected_close_to: Option<Date>,
    /// B2B deals with this organisation.
    pub organisation_id: Option<PartyId>,
    /// B2C deals with this person.
    pub person_id: Option<PartyId>,
    /// Text in the title or in the counterparty's name, e-mail addresses or phone numbers.
    pub q: Option<String>,
    /// Deals the last health check found rotting (no activity for the stage's rot days).
    pub rotting: Option<bool>,
    /// Deals the last health check found past their playbook's cycle budget.
    pub over_budget: Option<bool>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists deals, oldest first.
#[utoipa::path(get, path = "/deals", tag = "deals", params(DealsQuery),
    responses((status = 200, body = PageBody<Deal>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_deals(ctx: Ctx, ApiQuery(query): ApiQuery<DealsQuery>) -> Result<Json<PageBody<Deal>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = deal_filter(&query);
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        deals::list(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

fn deal_filter(query: &DealsQuery) -> DealFilter {
    DealFilter {
        kind: query.kind,
        status: query.status,
        stage_id: query.stage_id,
        playbook_id: query.playbook_id,
        owner_id: query.owner_id,
        team_id: query.team_id,
        expected_close_from: query.expected_close_from,
        expected_close_to: query.expected_close_to,
        counterparties: query.organisation_id.into_iter().chain(query.person_id).collect(),
        search: query.q.as_deref().and_then(search_needle),
        rotting: query.rotting,
        over_budget: query.over_budget,
        deleted: query.deleted.unwrap_or_default().into(),
    }
}

/// The deal list with its filters as a CSV file (UTF-8): every deal the caller may see, in the
/// list's order, streamed; `after` and `limit` are not used. Cells that start like a formula
/// (`=`, `+`, `-`, `@`) get a leading apostrophe.
#[utoipa::path(get, path = "/deals/export", tag = "deals", params(DealsQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "id, title, kind, status, stage, amount, currency, counterparty_id, counterparty, owner, lead_source, expected_close, lost_reason, created_at, closed_at"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn export_deals(ctx: Ctx, ApiQuery(query): ApiQuery<DealsQuery>) -> axum::response::Response {
    let filter = deal_filter(&query);
    super::csv_download(
        "deals.csv",
        crate::app::exports::csv(ctx, crate::app::exports::Export::Deals(filter)),
    )
}

/// Creates a deal: B2C with a person, B2B with an organisation. It starts in the first stage of
/// its playbook unless an open stage is named.
#[utoipa::path(post, path = "/deals", tag = "deals", request_body = DealDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Deal, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_deal(ctx: Ctx, ApiJson(draft): ApiJson<DealDraft>) -> Result<Created<Deal>, Problem> {
    let deal = app::deals::create_deal(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/deals/{}", deal.id),
        record: deal,
    })
}

record_handlers! {
    tag: "deals",
    path: "/deals/{id}",
    restore_path: "/deals/{id}/restore",
    record: Deal,
    id: DealId,
    patch: DealPatch => app::deals::patch_deal,
    handlers: (get_deal, patch_deal, delete_deal, restore_deal),
}

/// Moves a deal to another stage of its playbook. Moving forward passes the stage gates of every
/// stage left behind (409 with the criteria not met otherwise; a manager or admin may give an
/// `override_reason`). B2B playbooks do not skip stages; B2C may, when the gates hold; moving
/// back or reopening needs a reason; a lost stage needs a lost reason.
#[utoipa::path(post, path = "/deals/{id}/move", tag = "deals", request_body = DealMove,
    params(("id" = String, Path, format = Uuid),
           ("If-Match" = Option<String>, Header, description = "The ETag of the version being moved")),
    responses((status = 200, body = Deal, headers(("ETag" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json",
                description = "The stage gates are not met; the problem lists the criteria"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn move_deal(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(request): ApiJson<DealMove>,
) -> Result<Tagged<Deal>, Problem> {
    Ok(Tagged(
        app::deals::move_deal(&ctx, DealId(id), &version, &request).await?,
    ))
}

/// The exit criteria of the deal's current stage, each judged against the deal's committee,
/// team, meetings and qualification, with the difference it comes from and the action it needs.
#[utoipa::path(get, path = "/deals/{id}/gates", tag = "deals", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = app::deals::DealGates),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_gates(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<app::deals::DealGates>, Problem> {
    Ok(Json(app::deals::gates(&ctx, DealId(id)).await?))
}

/// The deal's cycle age against its playbook's budget, days in stage, last activity, and whether
/// it is rotting or over budget (D7), as the deal-health job last computed them.
#[utoipa::path(get, path = "/deals/{id}/health", tag = "deals", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = closer_domain::cycle::DealHealth),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_health(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<closer_domain::cycle::DealHealth>, Problem> {
    let deal: Deal = app::get(&ctx, id).await?;
    Ok(Json(app::jobs::deal_health_now(&ctx.db, ctx.workspace, &deal).await?))
}

/// Recomputes the health of every open deal now instead of at the next hourly run
/// (administrators only).
#[utoipa::path(post, path = "/jobs/deal-health", tag = "deals",
    responses((status = 200, body = JobRun), (status = 403, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn run_deal_health(ctx: Ctx) -> Result<Json<JobRun>, Problem> {
    if !(ctx.principal.is_admin() && ctx.principal.writes()) {
        return Err(Problem::forbidden("only an administrator may run jobs"));
    }
    let checked = app::jobs::refresh_deal_health(&ctx.db, &ctx.graphs, ctx.workspace).await?;
    Ok(Json(JobRun { deals_checked: checked }))
}

/// What a job run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRun {
    pub deals_checked: usize,
}

/// The deal's next best actions, best first: what the rules propose now (each with its rule and
/// the differences it comes from), less what was done, dismissed or snoozed.
#[utoipa::path(get, path = "/deals/{id}/recommendations", tag = "deals", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<closer_domain::rules::Proposal>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_recommendations(
    ctx: Ctx,
    ApiId(id): ApiId,
) -> Result<Json<Vec<closer_domain::rules::Proposal>>, Problem> {
    Ok(Json(app::recommendations::open(&ctx, DealId(id)).await?))
}

/// Marks one of the deal's proposals done, dismisses it (with a reason) or snoozes it.
#[utoipa::path(post, path = "/deals/{id}/recommendations/decisions", tag = "deals", params(("id" = String, Path, format = Uuid)),
    request_body = app::recommendations::DecisionDraft,
    responses((status = 204, description = "Recorded"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn decide_recommendation(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<app::recommendations::DecisionDraft>,
) -> Result<axum::http::StatusCode, Problem> {
    app::recommendations::decide(&ctx, DealId(id), &draft).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// One stage move of a deal.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageTransitionBody {
    pub id: Uuid,
    /// Null for the stage the deal was created in.
    pub from_stage_id: Option<StageId>,
    pub to_stage_id: StageId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    pub reason: Option<String>,
}

impl From<StageTransition> for StageTransitionBody {
    fn from(t: StageTransition) -> Self {
        Self {
            id: t.id,
            from_stage_id: t.from_stage_id,
            to_stage_id: t.to_stage_id,
            at: t.at,
            actor_id: t.actor_id,
            reason: t.reason,
        }
    }
}

/// The deal's stage history, oldest first.
#[utoipa::path(get, path = "/deals/{id}/transitions", tag = "deals",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<StageTransitionBody>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_stage_history(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<StageTransitionBody>>, Problem> {
    let history = app::deals::stage_history(&ctx, DealId(id)).await?;
    Ok(Json(history.into_iter().map(Into::into).collect()))
}

assign_handler! {
    tag: "deals",
    path: "/deals/{id}/assign",
    record: Deal,
    handler: assign_deal,
}
