//! `/api/v1/interactions`, `/api/v1/warm-paths` and `/api/v1/session/connection-sharing`: who
//! was in touch with whom (metadata only), the warm paths to a person, and whether your own
//! connections help your colleagues' paths.

use axum::Json;
use closer_domain::ids::{DealId, InteractionId, IntroRequestId, PartyId};
use closer_domain::party::Person;
use closer_domain::relationships::{
    Endorsement, EndorsementDraft, Interaction, InteractionDraft, InteractionKind, IntroRequest, IntroRequestDraft,
    IntroStep,
};
use closer_store::interactions::{self, InteractionFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, IfMatch, OptionalJson, PageBody, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::DeletedView;
use crate::app::relationships::{self, WarmPaths};
use crate::app::{self, Ctx};

/// Filters and paging of the interaction list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionsQuery {
    /// Only the interactions of this person (one you may see) or user (yourself, unless you
    /// are an administrator). Without it, the interactions you recorded (all, for
    /// administrators).
    pub participant_id: Option<Uuid>,
    pub kind: Option<InteractionKind>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists interactions, oldest first.
#[utoipa::path(get, path = "/interactions", tag = "relationships", params(InteractionsQuery),
    responses((status = 200, body = PageBody<Interaction>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "No such person or user, or not one you may see"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_interactions(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<InteractionsQuery>,
) -> Result<Json<PageBody<Interaction>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let admin = ctx.principal.is_admin();
    let mut recorded_by = None;
    match query.participant_id {
        Some(id) if id == ctx.actor().as_uuid() || admin => {}
        // A person the caller may see (404 otherwise, as for the person itself).
        Some(id) => {
            app::get::<Person>(&ctx, id).await?;
        }
        None if admin => {}
        None => recorded_by = Some(ctx.actor()),
    }
    let filter = InteractionFilter {
        participant: query.participant_id,
        recorded_by,
        kind: query.kind,
        deleted: query.deleted.unwrap_or_default().into(),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        interactions::list(conn.conn(), ctx.workspace, &filter, page)
            .await?
            .into(),
    ))
}

/// Records an interaction: its kind, when, who took part, how many were on it, and whether it
/// was two-way, face to face or how long a call lasted. Never its subject or its text. The
/// warm paths take it in at once.
#[utoipa::path(post, path = "/interactions", tag = "relationships", request_body = InteractionDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Interaction, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A participant does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_interaction(
    ctx: Ctx,
    ApiJson(draft): ApiJson<InteractionDraft>,
) -> Result<Created<Interaction>, Problem> {
    let interaction = relationships::record(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/interactions/{}", interaction.id),
        record: interaction,
    })
}

/// Reads one interaction.
#[utoipa::path(get, path = "/interactions/{id}", tag = "relationships",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Interaction, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_interaction(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Interaction>, Problem> {
    Ok(Tagged(app::get::<Interaction>(&ctx, id).await?))
}

/// Deletes an interaction (recorded in error); the ties it made are worked out again without it.
#[utoipa::path(delete, path = "/interactions/{id}", tag = "relationships",
    params(("id" = String, Path, format = Uuid),
           ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Interaction, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_interaction(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(expected): IfMatch,
) -> Result<Tagged<Interaction>, Problem> {
    Ok(Tagged(relationships::delete(&ctx, InteractionId(id), &expected).await?))
}

/// The person warm paths are asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WarmPathsQuery {
    /// The person to reach.
    #[param(value_type = String, format = Uuid)]
    pub to: PartyId,
}

/// Who can introduce you: your own tie to the person, colleagues who know them, and people you
/// know who know them (§7.2), best first, one path per connector, with the reach of the best
/// three. Only through people you may see, never through colleagues who keep their connections
/// to themselves.
#[utoipa::path(get, path = "/warm-paths", tag = "relationships", params(WarmPathsQuery),
    responses((status = 200, body = WarmPaths),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "No such person, or not one you may see"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn warm_paths(ctx: Ctx, ApiQuery(query): ApiQuery<WarmPathsQuery>) -> Result<Json<WarmPaths>, Problem> {
    Ok(Json(relationships::warm_paths(&ctx, query.to).await?))
}

/// Whether your connections help your colleagues' warm paths.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSharing {
    pub shares: bool,
}

/// Says whether your own connections may be a path for your colleagues (they are, unless you
/// say no). Your connections always remain your own paths.
#[utoipa::path(put, path = "/session/connection-sharing", tag = "relationships", request_body = ConnectionSharing,
    responses((status = 200, body = ConnectionSharing),
              (status = 401, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_connection_sharing(
    ctx: Ctx,
    ApiJson(sharing): ApiJson<ConnectionSharing>,
) -> Result<Json<ConnectionSharing>, Problem> {
    let shares = relationships::set_sharing(&ctx, sharing.shares).await?;
    Ok(Json(ConnectionSharing { shares }))
}

/// Whether your connections help your colleagues' warm paths.
#[utoipa::path(get, path = "/session/connection-sharing", tag = "relationships",
    responses((status = 200, body = ConnectionSharing),
              (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_connection_sharing(ctx: Ctx) -> Result<Json<ConnectionSharing>, Problem> {
    Ok(Json(ConnectionSharing {
        shares: relationships::shares(&ctx).await?,
    }))
}

/// The endorsements of a deal, oldest first.
#[utoipa::path(get, path = "/deals/{id}/endorsements", tag = "relationships",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Endorsement>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_endorsements(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Endorsement>>, Problem> {
    Ok(Json(relationships::endorsements_of(&ctx, DealId(id)).await?))
}

/// Records what backs a B2B deal with trust the buyer already has: a reference customer, a warm
/// introduction, a mutual connection, an association, a certification or a case study. The
/// stage gate's trust criterion is met by one.
#[utoipa::path(post, path = "/deals/{id}/endorsements", tag = "relationships", request_body = EndorsementDraft,
    params(("id" = String, Path, format = Uuid),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Endorsement, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_endorsement(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<EndorsementDraft>,
) -> Result<Created<Endorsement>, Problem> {
    let endorsement = relationships::endorse(&ctx, DealId(id), &draft).await?;
    Ok(Created {
        location: format!("/api/v1/endorsements/{}", endorsement.id),
        record: endorsement,
    })
}

/// Reads one endorsement.
#[utoipa::path(get, path = "/endorsements/{id}", tag = "relationships",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Endorsement, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_endorsement(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Endorsement>, Problem> {
    Ok(Tagged(app::get::<Endorsement>(&ctx, id).await?))
}

/// Deletes an endorsement recorded in error.
#[utoipa::path(delete, path = "/endorsements/{id}", tag = "relationships",
    params(("id" = String, Path, format = Uuid),
           ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Endorsement, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_endorsement(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(expected): IfMatch,
) -> Result<Tagged<Endorsement>, Problem> {
    Ok(Tagged(app::remove::<Endorsement>(&ctx, id, &expected).await?))
}

/// Paging of the intro requests.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IntroRequestsQuery {
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The requests for introductions you made or were asked (all, for administrators), oldest
/// first. A request left unanswered for seven days reads as `expired`.
#[utoipa::path(get, path = "/intro-requests", tag = "relationships", params(IntroRequestsQuery),
    responses((status = 200, body = PageBody<IntroRequest>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_intro_requests(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<IntroRequestsQuery>,
) -> Result<Json<PageBody<IntroRequest>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let mut found = relationships::intro_requests(&ctx, page).await?;
    let at = app::now();
    for request in &mut found.items {
        request.fields.status = request.fields.status_at(at);
    }
    Ok(Json(found.into()))
}

/// Asks a colleague (`connector_user_id`) or someone outside (`connector_person_id`) to
/// introduce you to a person; the path's score is kept, and the connector counts as asked for
/// the next 30 days' ranking.
#[utoipa::path(post, path = "/intro-requests", tag = "relationships", request_body = IntroRequestDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = IntroRequest, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_intro_request(
    ctx: Ctx,
    ApiJson(draft): ApiJson<IntroRequestDraft>,
) -> Result<Created<IntroRequest>, Problem> {
    let request = relationships::ask_intro(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/intro-requests/{}", request.id),
        record: request,
    })
}

/// Reads one request for an introduction.
#[utoipa::path(get, path = "/intro-requests/{id}", tag = "relationships",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = IntroRequest, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_intro_request(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<IntroRequest>, Problem> {
    let mut request: IntroRequest = app::get(&ctx, id).await?;
    request.fields.status = request.fields.status_at(app::now());
    Ok(Tagged(request))
}

/// What moves a request for an introduction on.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroStepBody {
    /// `decline`: why not (optional).
    pub reason: Option<String>,
    /// `meeting-booked`: the meeting the introduction led to.
    pub meeting_id: Option<closer_domain::ids::MeetingId>,
}

/// Moves a request for an introduction on: `request` (send a draft), `accept` or `decline` (the
/// colleague asked, or you for someone outside), `intro-made`, `meeting-booked`
/// (`meeting_id`). A request past its week without an answer has expired.
#[utoipa::path(post, path = "/intro-requests/{id}/{step}", tag = "relationships", request_body = IntroStepBody,
    params(("id" = String, Path, format = Uuid),
           ("step" = String, Path, description = "request, accept, decline, intro-made or meeting-booked"),
           ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = IntroRequest, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn step_intro_request(
    ctx: Ctx,
    axum::extract::Path((id, step)): axum::extract::Path<(String, String)>,
    IfMatch(expected): IfMatch,
    OptionalJson(body): OptionalJson<IntroStepBody>,
) -> Result<Tagged<IntroRequest>, Problem> {
    let id = Uuid::parse_str(&id).map_err(|_| Problem::not_found("no such intro request"))?;
    let step = match step.as_str() {
        "request" => IntroStep::Request,
        "accept" => IntroStep::Accept,
        "decline" => IntroStep::Decline { reason: body.reason },
        "intro-made" => IntroStep::IntroMade,
        "meeting-booked" => match body.meeting_id {
            Some(meeting) => IntroStep::MeetingBooked { meeting },
            None => return Err(Problem::field("meeting_id", "name the meeting the introduction led to")),
        },
        _ => {
            return Err(Problem::not_found(
                "no such step: request, accept, decline, intro-made or meeting-booked",
            ));
        }
    };
    Ok(Tagged(
        relationships::step_intro(&ctx, IntroRequestId(id), &expected, &step).await?,
    ))
}

/// How warm the deal's account is (§7.3): the committee's reach weighted by their roles, and how
/// many stakeholders are threads (reached at least 0.40); one or none is single-threaded.
#[utoipa::path(get, path = "/deals/{id}/warmth", tag = "relationships",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = relationships::DealWarmth),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_warmth(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<relationships::DealWarmth>, Problem> {
    Ok(Json(relationships::deal_warmth(&ctx, DealId(id)).await?))
}

/// Where an interaction import reads times that carry no zone.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The IANA zone of times written without one (`Asia/Shanghai`); your own zone by default.
    pub timezone: Option<String>,
}

/// Imports past interactions from a file: a CSV (`text/csv`: a header row with `occurred_at`
/// and `participants` — or `from`, `to`, `cc` — e-mail addresses, and optionally `kind`, `id`,
/// `two_way`, `face_to_face`, `duration_minutes`) or an iCalendar export (`text/calendar`:
/// each past event with its organiser and attendees is a meeting). Only metadata is kept, never a
/// subject, body or description. People and users are found by e-mail among those you may see;
/// a row with fewer than two of them is skipped. Importing the same file again adds nothing.
/// Larger files than the API takes (1 MiB) go through `closer import --kind interactions`.
#[utoipa::path(post, path = "/imports/interactions", tag = "relationships", params(ImportQuery),
    request_body(description = "The file", content(("text/csv"), ("text/calendar"))),
    responses((status = 200, body = app::imports::ImportReport, description = "What was imported; created + skipped + failed = read"),
              (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "The file is larger than 1 MiB"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json", description = "Neither text/csv nor text/calendar"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "The file cannot be read, or the time zone is unknown")))]
pub async fn import_interactions(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<app::imports::ImportReport>, Problem> {
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = app::interaction_import::FileFormat::from_name(media).ok_or_else(|| {
        Problem::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the file as text/csv or text/calendar",
        )
    })?;
    let zone = match query.timezone {
        Some(name) => closer_domain::zone::Zone::named(&name).map_err(|m| Problem::field("timezone", m))?,
        None => app::relationships::own_zone(&ctx).await?,
    };
    Ok(Json(
        app::interaction_import::import(&ctx, format, body.to_vec(), zone).await?,
    ))
}
