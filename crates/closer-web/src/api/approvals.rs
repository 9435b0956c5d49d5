//! `/api/v1/approvals`: our side's approval of quotes. Sellers submit a draft quote
//! (`/quotes/{id}/approvals`); approvers find what waits for them in `/approvals` and approve or
//! reject; sellers recall. Administrators say who acts in which approver role
//! (`/users/{id}/approver-roles`).

use axum::Json;
use closer_domain::approvals::{Approval, ApprovalDecision, ApprovalMatrix, ApprovalSubmission, ApproverRole};
use closer_domain::ids::{ApprovalId, DealId, QuoteId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiId, ApiJson, Created, OptionalIfMatch, OptionalJson, Tagged};
use super::problem::{Problem, ProblemBody};
use crate::app::Ctx;
use crate::app::approvals::{self, ApprovalView, MatrixView};

/// Submits a draft quote for the approvals it needs (discount beyond the seller's own limit,
/// payment terms beyond Net 30). What earlier approved requests of the deal covered is not asked
/// again.
#[utoipa::path(post, path = "/quotes/{id}/approvals", tag = "approvals",
    params(("id" = String, Path, format = Uuid)),
    request_body(content = Option<ApprovalSubmission>, description = "Optional: the justification"),
    responses((status = 201, body = Approval, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn submit_approval(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalJson(submission): OptionalJson<ApprovalSubmission>,
) -> Result<Created<Approval>, Problem> {
    let approval = approvals::submit(&ctx, QuoteId(id), &submission).await?;
    Ok(Created {
        location: format!("/api/v1/approvals/{}", approval.id),
        record: approval,
    })
}

/// The requests about a deal's quotes, newest first.
#[utoipa::path(get, path = "/deals/{id}/approvals", tag = "approvals",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Approval>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn deal_approvals(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Approval>>, Problem> {
    Ok(Json(approvals::of_deal(&ctx, DealId(id)).await?))
}

/// Your approval inbox: the pending requests with a step you may decide now (your approver
/// roles, the sales manager's on your teams' deals, and steps escalated to you past their SLA),
/// oldest first.
#[utoipa::path(get, path = "/approvals", tag = "approvals",
    responses((status = 200, body = Vec<ApprovalView>)))]
pub async fn approval_inbox(ctx: Ctx) -> Result<Json<Vec<ApprovalView>>, Problem> {
    Ok(Json(approvals::inbox(&ctx).await?))
}

/// Reads one request: visible to whoever sees its deal and to its approvers.
#[utoipa::path(get, path = "/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ApprovalView),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_approval(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<ApprovalView>, Problem> {
    Ok(Json(approvals::get(&ctx, ApprovalId(id)).await?))
}

macro_rules! approval_decision {
    ($name:ident, $path:literal, $approve:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "approvals",
            params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
            request_body(content = Option<ApprovalDecision>, description = "The role decided for and a comment"),
            responses((status = 200, body = Approval, headers(("ETag" = String))),
                      (status = 403, body = ProblemBody, content_type = "application/problem+json"),
                      (status = 404, body = ProblemBody, content_type = "application/problem+json"),
                      (status = 409, body = ProblemBody, content_type = "application/problem+json"),
                      (status = 412, body = ProblemBody, content_type = "application/problem+json"),
                      (status = 415, body = ProblemBody, content_type = "application/problem+json"),
                      (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
        pub async fn $name(
            ctx: Ctx,
            ApiId(id): ApiId,
            OptionalIfMatch(version): OptionalIfMatch,
            OptionalJson(decision): OptionalJson<ApprovalDecision>,
        ) -> Result<Tagged<Approval>, Problem> {
            Ok(Tagged(
                approvals::decide_step(&ctx, ApprovalId(id), &version, &decision, $approve).await?,
            ))
        }
    };
}

approval_decision!(
    approve_approval,
    "/approvals/{id}/approve",
    true,
    "Approves the open step that is yours; the last approval lets the quote go out."
);
approval_decision!(
    reject_approval,
    "/approvals/{id}/reject",
    false,
    "Rejects the open step that is yours, with a comment the seller acts on; the request ends."
);

/// Takes a pending request back (the seller, or whoever may edit the deal).
#[utoipa::path(post, path = "/approvals/{id}/recall", tag = "approvals",
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Approval, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn recall_approval(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
) -> Result<Tagged<Approval>, Problem> {
    Ok(Tagged(approvals::recall(&ctx, ApprovalId(id), &version).await?))
}

/// The approver roles a user holds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproverRoles {
    pub roles: Vec<ApproverRole>,
}

/// The approver roles a user holds. Team managers also approve as sales manager on their teams'
/// deals without holding the role.
#[utoipa::path(get, path = "/users/{id}/approver-roles", tag = "approvals",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ApproverRoles),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_approver_roles(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<ApproverRoles>, Problem> {
    Ok(Json(ApproverRoles {
        roles: approvals::roles_of(&ctx, UserId(id)).await?,
    }))
}

/// Sets the approver roles a user holds (administrators).
#[utoipa::path(put, path = "/users/{id}/approver-roles", tag = "approvals",
    params(("id" = String, Path, format = Uuid)), request_body = ApproverRoles,
    responses((status = 200, body = ApproverRoles),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_approver_roles(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<ApproverRoles>,
) -> Result<Json<ApproverRoles>, Problem> {
    Ok(Json(ApproverRoles {
        roles: approvals::set_roles_of(&ctx, UserId(id), &body.roles).await?,
    }))
}

/// The workspace's discount approval matrix: rows of deal kind, discount threshold, optional
/// amount band (in one currency, never converted), the approver chain and the SLA. The strictest
/// row that applies decides. Payment terms beyond Net 30 add the deal desk at the end.
#[utoipa::path(get, path = "/approval-matrix", tag = "approvals",
    responses((status = 200, body = MatrixView)))]
pub async fn get_matrix(ctx: Ctx) -> Result<Json<MatrixView>, Problem> {
    Ok(Json(approvals::matrix_view(&ctx).await?))
}

/// Replaces the matrix (administrators). `If-Match` with the version read (0 for the default)
/// guards against overwriting another administrator's change.
#[utoipa::path(put, path = "/approval-matrix", tag = "approvals", request_body = ApprovalMatrix,
    params(("If-Match" = Option<String>, Header)),
    responses((status = 200, body = MatrixView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_matrix(
    ctx: Ctx,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(matrix): ApiJson<ApprovalMatrix>,
) -> Result<Json<MatrixView>, Problem> {
    Ok(Json(approvals::set_matrix(&ctx, &version, &matrix).await?))
}
