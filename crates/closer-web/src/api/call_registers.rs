//! `/api/v1/do-not-call` and `/api/v1/consents`: the registers checked before every call
//! (R9.1), and the check itself.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::PartyId;
use closer_domain::telemarketing::{
    Consent, ConsentDraft, DncEntry, DncEntryDraft, DncScope, JurisdictionDraft, JurisdictionPack,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, IfMatch, PageBody, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::DeletedView;
use crate::app::call_registers::{self, DialCheck};
use crate::app::imports::ImportReport;
use crate::app::{self, Ctx};

/// Filters and paging of the do-not-call list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DncQuery {
    /// Only the entries of this number (international format).
    pub phone: Option<String>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists the do-not-call entries, in id order.
#[utoipa::path(get, path = "/do-not-call", tag = "telemarketing", params(DncQuery),
    responses((status = 200, body = PageBody<DncEntry>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_dnc(ctx: Ctx, ApiQuery(query): ApiQuery<DncQuery>) -> Result<Json<PageBody<DncEntry>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let deleted = query.deleted.unwrap_or_default().into();
    Ok(Json(
        call_registers::list_dnc(&ctx, query.phone.as_deref(), deleted, page)
            .await?
            .into(),
    ))
}

/// Puts a number on a do-not-call list: by default the company's list for a customer's
/// request. No call is offered to a listed number. A number already listed in that scope
/// answers 200 with its entry.
#[utoipa::path(post, path = "/do-not-call", tag = "telemarketing", request_body = DncEntryDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = DncEntry, headers(("ETag" = String), ("Location" = String))),
              (status = 200, body = DncEntry, description = "Already listed in that scope"),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_dnc(ctx: Ctx, ApiJson(draft): ApiJson<DncEntryDraft>) -> Result<Response, Problem> {
    let (entry, new) = call_registers::add_dnc(&ctx, &draft).await?;
    Ok(if new {
        Created {
            location: format!("/api/v1/do-not-call/{}", entry.id),
            record: entry,
        }
        .into_response()
    } else {
        Tagged(entry).into_response()
    })
}

/// Reads one do-not-call entry.
#[utoipa::path(get, path = "/do-not-call/{id}", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DncEntry, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_dnc(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<DncEntry>, Problem> {
    Ok(Tagged(app::get::<DncEntry>(&ctx, id).await?))
}

/// Takes a number off a do-not-call list (administrators and managers: an entry made in
/// error, or a customer who asks to be called again).
#[utoipa::path(delete, path = "/do-not-call/{id}", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid),
           ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = DncEntry, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_dnc(ctx: Ctx, ApiId(id): ApiId, IfMatch(expected): IfMatch) -> Result<Tagged<DncEntry>, Problem> {
    Ok(Tagged(app::remove::<DncEntry>(&ctx, id, &expected).await?))
}

/// The list a file is imported into.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DncImportQuery {
    /// `national_registry` (the default) or `internal`.
    pub scope: Option<DncScope>,
}

/// Imports numbers onto a do-not-call list from a text or CSV file (`text/plain` or
/// `text/csv`): one number per line, or the first column; a header row is skipped. Numbers
/// already listed are skipped; invalid ones are reported with their line.
#[utoipa::path(post, path = "/do-not-call/import", tag = "telemarketing", params(DncImportQuery),
    request_body(description = "The list", content(("text/plain"), ("text/csv"))),
    responses((status = 200, body = ImportReport, description = "What was imported; created + skipped + failed = read"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "The file is larger than 1 MiB"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn import_dnc(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<DncImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<ImportReport>, Problem> {
    let scope = query.scope.unwrap_or(DncScope::NationalRegistry);
    Ok(Json(call_registers::import_dnc(&ctx, &body, scope).await?))
}

/// The number to check.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DialCheckQuery {
    /// In international format.
    pub phone: String,
    /// Whose number it is: their consent and time zone count.
    pub person_id: Option<Uuid>,
}

/// Whether a number may be called now: not on a do-not-call list, with the consent its region
/// requires (China: explicit consent), inside 08:00–21:00 on the callee's clocks (their time
/// zone, else every zone of the number's region).
#[utoipa::path(get, path = "/do-not-call/check", tag = "telemarketing", params(DialCheckQuery),
    responses((status = 200, body = DialCheck),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn check_dial(ctx: Ctx, ApiQuery(query): ApiQuery<DialCheckQuery>) -> Result<Json<DialCheck>, Problem> {
    Ok(Json(
        call_registers::check_dial(&ctx, &query.phone, query.person_id.map(PartyId)).await?,
    ))
}

/// Whose consents to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsentsQuery {
    pub person_id: Uuid,
}

/// A person's consent records, oldest first: the latest per channel is what holds.
#[utoipa::path(get, path = "/consents", tag = "telemarketing", params(ConsentsQuery),
    responses((status = 200, body = Vec<Consent>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "No such person, or not one you may see"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_consents(ctx: Ctx, ApiQuery(query): ApiQuery<ConsentsQuery>) -> Result<Json<Vec<Consent>>, Problem> {
    Ok(Json(call_registers::consents_of(&ctx, PartyId(query.person_id)).await?))
}

/// Records that a person gave or withdrew consent to be contacted on a channel, with its
/// evidence. Records are never changed: a later one says what holds.
#[utoipa::path(post, path = "/consents", tag = "telemarketing", request_body = ConsentDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Consent, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_consent(ctx: Ctx, ApiJson(draft): ApiJson<ConsentDraft>) -> Result<Created<Consent>, Problem> {
    let consent = call_registers::record_consent(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/consents/{}", consent.id),
        record: consent,
    })
}

/// Reads one consent record.
#[utoipa::path(get, path = "/consents/{id}", tag = "telemarketing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Consent, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_consent(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Consent>, Problem> {
    Ok(Tagged(app::get::<Consent>(&ctx, id).await?))
}

/// The calling laws in force (R9.1): the packs Closer ships (`*`: everyone 08:00–21:00 on the
/// callee's clocks; `CN`: consent on file as well) and the workspace's own, which win for their
/// region. A campaign's `rules.jurisdiction` adds its own region's law to the callee's.
#[utoipa::path(get, path = "/calling-jurisdictions", tag = "telemarketing",
    responses((status = 200, body = Vec<JurisdictionPack>)))]
pub async fn list_jurisdictions(ctx: Ctx) -> Result<Json<Vec<JurisdictionPack>>, Problem> {
    Ok(Json(call_registers::list_jurisdictions(&ctx).await?))
}

/// Sets the workspace's calling law for a region (an ISO code Closer knows, or `*` for every
/// region without its own); administrators only.
#[utoipa::path(put, path = "/calling-jurisdictions/{region}", tag = "telemarketing",
    params(("region" = String, Path, description = "ISO code (CN, US, GB…) or *")),
    request_body = JurisdictionDraft,
    responses((status = 200, body = JurisdictionPack),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn put_jurisdiction(
    ctx: Ctx,
    axum::extract::Path(region): axum::extract::Path<String>,
    ApiJson(draft): ApiJson<JurisdictionDraft>,
) -> Result<Json<JurisdictionPack>, Problem> {
    Ok(Json(call_registers::put_jurisdiction(&ctx, &region, &draft).await?))
}

/// Takes the workspace's own law for a region away, so the built-in pack applies again;
/// administrators only.
#[utoipa::path(delete, path = "/calling-jurisdictions/{region}", tag = "telemarketing",
    params(("region" = String, Path, description = "ISO code (CN, US, GB…) or *")),
    responses((status = 204, description = "Removed"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_jurisdiction(
    ctx: Ctx,
    axum::extract::Path(region): axum::extract::Path<String>,
) -> Result<StatusCode, Problem> {
    if call_registers::delete_jurisdiction(&ctx, &region).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!(
            "the workspace has no calling law of its own for '{region}'"
        )))
    }
}
