//! `/api/v1/audit`: who changed what, when, from which request.

use axum::Json;
use closer_domain::audit::AuditEntry;
use closer_domain::ids::UserId;
use closer_store::audit::AuditFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiQuery, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use crate::app::{self, Ctx};

/// Filters and paging of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The changed record.
    pub entity_id: Option<Uuid>,
    /// `person`, `organisation`, `employment`, `deal`, `note` or `task`.
    pub entity_type: Option<String>,
    pub actor_id: Option<UserId>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists audit entries in the order they were written. Admins may list everything; others name
/// a record they may see (`entity_id`).
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = PageBody<AuditEntry>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_audit(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<PageBody<AuditEntry>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = AuditFilter {
        entity_id: query.entity_id,
        entity_type: query.entity_type,
        actor_id: query.actor_id,
    };
    Ok(Json(app::history::list(&ctx, &filter, page).await?.into()))
}
