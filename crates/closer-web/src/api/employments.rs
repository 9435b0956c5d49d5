//! `/api/v1/employments`: a person's jobs at organisations over time.

use closer_domain::ids::{EmploymentId, PartyId};
use closer_domain::party::{Employment, EmploymentDraft, EmploymentPatch};
use closer_store::employments::{self, EmploymentFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Created, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the employment list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EmploymentsQuery {
    pub person_id: Option<PartyId>,
    pub organisation_id: Option<PartyId>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists employments, oldest first.
#[utoipa::path(get, path = "/employments", tag = "employments", params(EmploymentsQuery),
    responses((status = 200, body = PageBody<Employment>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_employments(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<EmploymentsQuery>,
) -> Result<axum::Json<PageBody<Employment>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = EmploymentFilter {
        person_id: query.person_id,
        organisation_id: query.organisation_id,
        deleted: query.deleted.unwrap_or_default().into(),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(axum::Json(
        employments::list(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

/// Records that a person works (or worked) at an organisation.
#[utoipa::path(post, path = "/employments", tag = "employments", request_body = EmploymentDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Employment, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_employment(
    ctx: Ctx,
    ApiJson(draft): ApiJson<EmploymentDraft>,
) -> Result<Created<Employment>, Problem> {
    let employment = app::parties::create_employment(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/employments/{}", employment.id),
        record: employment,
    })
}

record_handlers! {
    tag: "employments",
    path: "/employments/{id}",
    restore_path: "/employments/{id}/restore",
    record: Employment,
    id: EmploymentId,
    patch: EmploymentPatch => app::parties::patch_employment,
    handlers: (get_employment, patch_employment, delete_employment, restore_employment),
}
