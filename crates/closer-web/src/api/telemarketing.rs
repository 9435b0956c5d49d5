//! `/api/v1/call-campaigns` and `/api/v1/call-entries`: campaigns with their script and
//! dialling rules, the people to call, the next call for an agent and its disposition (D9).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::{CallCampaignId, CallEntryId};
use closer_domain::telemarketing::{
    CallEntry, CallMetrics, Campaign, CampaignDraft, DispositionDraft, EntriesDraft, EntryStatus,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, IfMatch, PageBody, PageQuery, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use crate::app::call_lists::{self, CallListImport, EntriesAdded};
use crate::app::telemarketing::{self, Disposed, NextCall};
use crate::app::{self, Ctx};

/// Lists the campaigns, in id order.
#[utoipa::path(get, path = "/call-campaigns", tag = "telemarketing", params(PageQuery),
    responses((status = 200, body = PageBody<Campaign>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_campaigns(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<PageBody<Campaign>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    Ok(Json(telemarketing::list_campaigns(&ctx, page).await?.into()))
}

/// Starts a campaign (administrators and managers): its script (opener, questions, answers to
/// objections, close), and its calling window and retry policy.
#[utoipa::path(post, path = "/call-campaigns", tag = "telemarketing", request_body = CampaignDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Campaign, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_campaign(ctx: Ctx, ApiJson(draft): ApiJson<CampaignDraft>) -> Result<Created<Campaign>, Problem> {
    let campaign = telemarketing::create_campaign(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/call-campaigns/{}", campaign.id),
        record: campaign,
    })
}

/// Reads one campaign.
#[utoipa::path(get, path = "/call-campaigns/{id}", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Campaign, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_campaign(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Campaign>, Problem> {
    Ok(Tagged(app::get::<Campaign>(&ctx, id).await?))
}

/// Replaces a campaign's settings (pause or end it, change its rules or script: a changed script
/// is a new version).
#[utoipa::path(put, path = "/call-campaigns/{id}", tag = "telemarketing", request_body = CampaignDraft,
    params(("id" = String, Path, format = Uuid),
           ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Campaign, headers(("ETag" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn put_campaign(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(expected): IfMatch,
    ApiJson(draft): ApiJson<CampaignDraft>,
) -> Result<Tagged<Campaign>, Problem> {
    Ok(Tagged(
        telemarketing::update_campaign(&ctx, CallCampaignId(id), &expected, &draft).await?,
    ))
}

/// Filters and paging of a campaign's entries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    pub status: Option<EntryStatus>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists a campaign's entries, in id order.
#[utoipa::path(get, path = "/call-campaigns/{id}/entries", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid), EntriesQuery),
    responses((status = 200, body = PageBody<CallEntry>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_entries(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> Result<Json<PageBody<CallEntry>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    Ok(Json(
        telemarketing::list_entries(&ctx, CallCampaignId(id), query.status, page)
            .await?
            .into(),
    ))
}

/// Adds people to a campaign's call list (administrators and managers), each on their first
/// phone number: those named in `person_ids`, or everyone the people list shows with `filter`
/// (up to 100,000). Who could not be added is listed with the reason.
#[utoipa::path(post, path = "/call-campaigns/{id}/entries", tag = "telemarketing", request_body = EntriesDraft,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = EntriesAdded),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn add_entries(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<EntriesDraft>,
) -> Result<Json<EntriesAdded>, Problem> {
    Ok(Json(call_lists::add_entries(&ctx, CallCampaignId(id), &draft).await?))
}

/// The priority of the imported rows that give none.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesImportQuery {
    /// -1,000 to 1,000 (default 0).
    pub priority: Option<i32>,
}

/// Imports a call list from a CSV file (administrators and managers). The header row names the
/// columns: `phone` (required; also mobile, telephone, 电话, 手机), and when present `name`,
/// `email`, `person_id`, `timezone`, `priority`. A row's person is the one with that id, else
/// with that number, else with that e-mail; a row matching nobody that gives a name adds the
/// person. Counts add up: read = created (entries) + skipped + failed.
#[utoipa::path(post, path = "/call-campaigns/{id}/entries/import", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid), EntriesImportQuery),
    request_body(description = "The call list", content(("text/csv"))),
    responses((status = 200, body = CallListImport),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "The file is larger than 1 MiB"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn import_entries(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiQuery(query): ApiQuery<EntriesImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<CallListImport>, Problem> {
    Ok(Json(
        call_lists::import_entries(&ctx, CallCampaignId(id), &body, query.priority).await?,
    ))
}

/// The caller's next call in the campaign: the entry they hold, or the best due entry whose
/// number may be dialled now (callbacks they promised first, then the pool's, then priority),
/// now theirs for 15 minutes. 204 when nothing may be called now.
#[utoipa::path(post, path = "/call-campaigns/{id}/next-call", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = NextCall),
              (status = 204, description = "Nothing to call now"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The campaign is paused or ended")))]
pub async fn next_call(ctx: Ctx, ApiId(id): ApiId) -> Result<Response, Problem> {
    Ok(match telemarketing::next(&ctx, CallCampaignId(id)).await? {
        Some(call) => Json(call).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Records how a call the caller holds ended, and moves the entry on: retry later, a callback
/// (theirs or the pool's), converted, closed, on the do-not-call list, or exhausted.
#[utoipa::path(post, path = "/call-entries/{id}/disposition", tag = "telemarketing", request_body = DispositionDraft,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Disposed),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The caller does not hold the entry"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn dispose(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<DispositionDraft>,
) -> Result<Json<Disposed>, Problem> {
    Ok(Json(telemarketing::dispose(&ctx, CallEntryId(id), &draft).await?))
}

/// The period and agent of the metrics.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// First day (YYYY-MM-DD, on your clocks); a week before `to` by default.
    pub from: Option<String>,
    /// Last day, included; today by default.
    pub to: Option<String>,
    /// One agent's calls (administrators and managers; others always see their own).
    pub agent_id: Option<Uuid>,
}

/// A campaign's calls per day and agent: dials, dials per hour, connect rate, right-party
/// contact rate, conversion, abandonment, callbacks kept, talk time.
#[utoipa::path(get, path = "/call-campaigns/{id}/metrics", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid), MetricsQuery),
    responses((status = 200, body = Vec<CallMetrics>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn metrics(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<Json<Vec<CallMetrics>>, Problem> {
    let day = |field: &str, text: &str| {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(text.trim(), format).map_err(|_| Problem::field(field, "give a day as YYYY-MM-DD"))
    };
    let today = app::relationships::own_zone(&ctx).await?.local(app::now()).date();
    let to = match &query.to {
        Some(text) => day("to", text)?,
        None => today,
    };
    let from = match &query.from {
        Some(text) => day("from", text)?,
        None => to - time::Duration::days(6),
    };
    Ok(Json(
        telemarketing::metrics(
            &ctx,
            CallCampaignId(id),
            from,
            to,
            query.agent_id.map(closer_domain::ids::UserId),
        )
        .await?,
    ))
}
