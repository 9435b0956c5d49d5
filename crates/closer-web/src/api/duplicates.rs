//! The duplicate finder, the check before a record is made, and merging.

use axum::Json;
use closer_domain::ids::PartyId;
use closer_domain::party::PartyKind;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiId, ApiJson, ApiQuery, OptionalIfMatch};
use super::problem::{Problem, ProblemBody};
use crate::app::duplicates::{self, Duplicates};
use crate::app::merges::{self, MergeOutcome};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// `person` or `organisation`.
    pub kind: PartyKind,
}

/// Likely duplicates over the whole workspace, as pairs with their reasons: people sharing an
/// e-mail or a phone, or with similar names at the same organisation; organisations sharing a
/// tax id, web domain, e-mail, phone or name. Only pairs whose both records you may see; at
/// most 500, most reasons first.
#[utoipa::path(get, path = "/duplicates", tag = "imports", params(DuplicatesQuery),
    responses((status = 200, body = Duplicates),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn find_duplicates(
    ctx: crate::app::Ctx,
    ApiQuery(query): ApiQuery<DuplicatesQuery>,
) -> Result<Json<Duplicates>, Problem> {
    Ok(Json(duplicates::find(&ctx, query.kind).await?))
}

/// What a record about to be made holds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// `person` or `organisation`.
    pub kind: PartyKind,
    /// The name (organisations are matched by name too).
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// An organisation's web address or domain.
    pub website: Option<String>,
    pub tax_id: Option<String>,
}

/// Before making a person or an organisation: the records you may see that it would duplicate
/// (same e-mail or phone; for organisations also same web domain, tax id or name), with why.
/// Values that are not valid are passed over.
#[utoipa::path(get, path = "/duplicates/check", tag = "imports", params(CheckQuery),
    responses((status = 200, body = Vec<duplicates::DuplicateMatch>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn check_duplicates(
    ctx: crate::app::Ctx,
    ApiQuery(query): ApiQuery<CheckQuery>,
) -> Result<Json<Vec<duplicates::DuplicateMatch>>, Problem> {
    let candidate = duplicates::Candidate {
        name: query.name,
        emails: query.email.into_iter().collect(),
        phones: query.phone.into_iter().collect(),
        website: query.website,
        tax_id: query.tax_id,
    };
    Ok(Json(duplicates::check(&ctx, query.kind, &candidate).await?))
}

/// Which record is merged into the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The duplicate: its relations move to the record in the path, and it is deleted.
    pub duplicate_id: PartyId,
}

/// Merges a duplicate person into this one. This person keeps its name and gains the other's
/// e-mails, phones and time zone (if it had none); the other's deals, meetings, notes, tasks,
/// interactions, committee places, employments, consents, call entries, invoices and ids in
/// other systems move here, and the other is deleted. Every changed record is in the audit
/// trail as `merge`. Needs the right to edit this person and to delete the other.
#[utoipa::path(post, path = "/people/{id}/merge", tag = "imports", request_body = MergeRequest,
    params(("id" = String, Path, format = Uuid, description = "The person kept"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the kept person's version")),
    responses((status = 200, body = MergeOutcome),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn merge_people(
    ctx: crate::app::Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(request): ApiJson<MergeRequest>,
) -> Result<Json<MergeOutcome>, Problem> {
    Ok(Json(
        merges::merge_people(&ctx, PartyId(id), request.duplicate_id, &version).await?,
    ))
}

/// Merges a duplicate organisation into this one, as for people: this one keeps its name and
/// fills its empty details (legal name, tax id, industry, size, region, website) from the other;
/// the other's staff, deals, subsidiaries, notes, tasks, invoices, billing profile and paper
/// process (when this one has none) move here, and the other is deleted.
#[utoipa::path(post, path = "/organisations/{id}/merge", tag = "imports", request_body = MergeRequest,
    params(("id" = String, Path, format = Uuid, description = "The organisation kept"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the kept organisation's version")),
    responses((status = 200, body = MergeOutcome),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn merge_organisations(
    ctx: crate::app::Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(request): ApiJson<MergeRequest>,
) -> Result<Json<MergeOutcome>, Problem> {
    Ok(Json(
        merges::merge_organisations(&ctx, PartyId(id), request.duplicate_id, &version).await?,
    ))
}
