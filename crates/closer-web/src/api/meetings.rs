//! `/api/v1/meetings`: meetings and visits, their attendees from both sides, and how they went.

use axum::Json;
use closer_domain::ids::{DealId, MeetingId, PartyId, UserId};
use closer_domain::meeting::{Meeting, MeetingDraft, MeetingLog, MeetingPatch, MeetingReschedule, MeetingStatus};
use closer_store::meetings::{self, MeetingFilter};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, OptionalIfMatch, PageBody, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the meeting list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingsQuery {
    pub deal_id: Option<DealId>,
    pub status: Option<MeetingStatus>,
    pub organiser_id: Option<UserId>,
    /// Meetings this person attends for the buyer, or on deals with this person or organisation.
    pub party_id: Option<PartyId>,
    /// Meetings planned to start at or after this instant (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<OffsetDateTime>,
    /// Meetings planned to start before this instant (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<OffsetDateTime>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists the meetings you may see: on deals you see, arranged by you, or with you in them.
#[utoipa::path(get, path = "/meetings", tag = "meetings", params(MeetingsQuery),
    responses((status = 200, body = PageBody<Meeting>), (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_meetings(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<MeetingsQuery>,
) -> Result<Json<PageBody<Meeting>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = meetings_filter(&query);
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        meetings::list(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

fn meetings_filter(query: &MeetingsQuery) -> MeetingFilter {
    MeetingFilter {
        deal_id: query.deal_id,
        status: query.status,
        organiser_id: query.organiser_id,
        party_id: query.party_id,
        from: query.from,
        to: query.to,
        deleted: query.deleted.unwrap_or_default().into(),
    }
}

/// The meetings list with its filters as a CSV file (UTF-8): every one the caller may see, in the
/// list's order, streamed; `after` and `limit` are not used. Cells that start like a formula get
/// a leading apostrophe.
#[utoipa::path(get, path = "/meetings/export", tag = "meetings", params(MeetingsQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "id, purpose, venue, status, planned_start, planned_end, actual_start, actual_end, deal_id, location, buyer_attendees, organiser, objective, agreed_next_step, next_step_due, outcome_notes, created_at"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn export_meetings(ctx: Ctx, ApiQuery(query): ApiQuery<MeetingsQuery>) -> axum::response::Response {
    let filter = meetings_filter(&query);
    super::csv_download(
        "meetings.csv",
        crate::app::exports::csv(ctx, crate::app::exports::Export::Meetings(filter)),
    )
}

/// Arranges a meeting or visit; you are its organiser.
#[utoipa::path(post, path = "/meetings", tag = "meetings", request_body = MeetingDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Meeting, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_meeting(ctx: Ctx, ApiJson(draft): ApiJson<MeetingDraft>) -> Result<Created<Meeting>, Problem> {
    let meeting = app::meetings::create_meeting(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/meetings/{}", meeting.id),
        record: meeting,
    })
}

record_handlers! {
    tag: "meetings",
    path: "/meetings/{id}",
    restore_path: "/meetings/{id}/restore",
    record: Meeting,
    id: MeetingId,
    patch: MeetingPatch => app::meetings::patch_meeting,
    handlers: (get_meeting, patch_meeting, delete_meeting, restore_meeting),
}

/// Logs how a meeting went: held (with the buyers who attended, an objective set beforehand and
/// the next step agreed) or a no-show.
#[utoipa::path(post, path = "/meetings/{id}/log", tag = "meetings", request_body = MeetingLog,
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Meeting, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn log_meeting(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(log): ApiJson<MeetingLog>,
) -> Result<Tagged<Meeting>, Problem> {
    Ok(Tagged(
        app::meetings::log_meeting(&ctx, MeetingId(id), &version, &log).await?,
    ))
}

/// Cancels a planned or confirmed meeting.
#[utoipa::path(post, path = "/meetings/{id}/cancel", tag = "meetings",
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Meeting, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn cancel_meeting(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
) -> Result<Tagged<Meeting>, Problem> {
    Ok(Tagged(
        app::meetings::cancel_meeting(&ctx, MeetingId(id), &version).await?,
    ))
}

/// Moves a meeting to new times: it is marked rescheduled and the answer is the new meeting.
#[utoipa::path(post, path = "/meetings/{id}/reschedule", tag = "meetings", request_body = MeetingReschedule,
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 201, body = Meeting, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn reschedule_meeting(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(request): ApiJson<MeetingReschedule>,
) -> Result<Created<Meeting>, Problem> {
    let meeting = app::meetings::reschedule_meeting(&ctx, MeetingId(id), &version, &request).await?;
    Ok(Created {
        location: format!("/api/v1/meetings/{}", meeting.id),
        record: meeting,
    })
}
