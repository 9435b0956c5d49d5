//! `/api/v1/deals/{id}/stakeholders` and `/deals/{id}/team`: the buying committee (D1) and our
//! deal team (D6), each with its coverage.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use closer_domain::committee::{Stakeholder, StakeholderDraft, StakeholderPatch};
use closer_domain::ids::{DealId, DealTeamMemberId, StakeholderId};
use closer_domain::team::{DealTeamMember, DealTeamMemberDraft, DealTeamMemberPatch};
use closer_store::stakeholders::StoredStakeholder;

use super::extract::{ApiId, ApiJson, Created, IfMatch, json_with_etag};
use super::problem::{Problem, ProblemBody};
use super::records::record_handlers;
use crate::app::committee::{self, Committee, DealTeam};
use crate::app::{self, Ctx};

/// The deal's buying committee, each stakeholder's engagement from meetings attended, and the
/// committee's coverage (departments, threads, the decision-maker).
#[utoipa::path(get, path = "/deals/{id}/stakeholders", tag = "committee", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Committee), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_stakeholders(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Committee>, Problem> {
    Ok(Json(committee::committee(&ctx, DealId(id)).await?))
}

/// Puts a person on the buying committee of a B2B deal.
#[utoipa::path(post, path = "/deals/{id}/stakeholders", tag = "committee", params(("id" = String, Path, format = Uuid)),
    request_body = StakeholderDraft,
    responses((status = 201, body = Stakeholder, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn add_stakeholder(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<StakeholderDraft>,
) -> Result<Response, Problem> {
    let stakeholder = committee::add_stakeholder(&ctx, DealId(id), &draft).await?;
    Ok(json_with_etag(
        StatusCode::CREATED,
        stakeholder.meta.version,
        &stakeholder,
    ))
}

/// Reads one stakeholder.
#[utoipa::path(get, path = "/stakeholders/{id}", tag = "committee", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Stakeholder, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_stakeholder(ctx: Ctx, ApiId(id): ApiId) -> Result<Response, Problem> {
    let stakeholder = committee::stakeholder(&ctx, StakeholderId(id)).await?;
    Ok(json_with_etag(StatusCode::OK, stakeholder.meta.version, &stakeholder))
}

/// Changes a stakeholder's roles, influence, stance and the rest. Needs `If-Match`.
#[utoipa::path(patch, path = "/stakeholders/{id}", tag = "committee",
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header, description = "The ETag of the version being changed")),
    request_body = StakeholderPatch,
    responses((status = 200, body = Stakeholder, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_stakeholder(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<StakeholderPatch>,
) -> Result<Response, Problem> {
    let stakeholder = committee::patch_stakeholder(&ctx, StakeholderId(id), &version, &patch).await?;
    Ok(json_with_etag(StatusCode::OK, stakeholder.meta.version, &stakeholder))
}

/// Takes a stakeholder off the committee. Needs `If-Match`.
#[utoipa::path(delete, path = "/stakeholders/{id}", tag = "committee",
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header, description = "The ETag of the version being removed")),
    responses((status = 204, description = "Removed"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn remove_stakeholder(ctx: Ctx, ApiId(id): ApiId, IfMatch(version): IfMatch) -> Result<StatusCode, Problem> {
    app::remove::<StoredStakeholder>(&ctx, id, &version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deal team and its coverage map: which buying roles each member faces, and the gaps.
#[utoipa::path(get, path = "/deals/{id}/team", tag = "committee", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DealTeam), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_team(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<DealTeam>, Problem> {
    Ok(Json(committee::deal_team(&ctx, DealId(id)).await?))
}

/// Puts one of our users on the deal team.
#[utoipa::path(post, path = "/deals/{id}/team", tag = "committee", params(("id" = String, Path, format = Uuid)),
    request_body = DealTeamMemberDraft,
    responses((status = 201, body = DealTeamMember, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn add_member(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<DealTeamMemberDraft>,
) -> Result<Created<DealTeamMember>, Problem> {
    let member = committee::add_member(&ctx, DealId(id), &draft).await?;
    Ok(Created {
        location: format!("/api/v1/deal-team/{}", member.id),
        record: member,
    })
}

record_handlers! {
    tag: "committee",
    path: "/deal-team/{id}",
    restore_path: "/deal-team/{id}/restore",
    record: DealTeamMember,
    id: DealTeamMemberId,
    patch: DealTeamMemberPatch => committee::patch_member,
    handlers: (get_member, patch_member, remove_member, restore_member),
}
