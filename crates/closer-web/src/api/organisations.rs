//! `/api/v1/organisations`: companies and other organisations, the counterparties of B2B deals.

use closer_domain::ids::{PartyId, UserId};
use closer_domain::party::{Organisation, OrganisationDraft, OrganisationPatch};
use closer_store::parties::{self, PartyFilter};
use closer_store::records::search_needle;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Created, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, assign_handler, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationsQuery {
    /// Text in the name, legal name, tax id, website, e-mail addresses or phone numbers.
    pub q: Option<String>,
    pub owner_id: Option<UserId>,
    /// Subsidiaries of this organisation.
    pub parent_id: Option<PartyId>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists organisations, oldest first.
#[utoipa::path(get, path = "/organisations", tag = "organisations", params(OrganisationsQuery),
    responses((status = 200, body = PageBody<Organisation>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_organisations(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<OrganisationsQuery>,
) -> Result<axum::Json<PageBody<Organisation>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = organisation_filter(&query);
    let mut conn = ctx.db.acquire().await?;
    Ok(axum::Json(
        parties::list_organisations(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

fn organisation_filter(query: &OrganisationsQuery) -> PartyFilter {
    PartyFilter {
        search: query.q.as_deref().and_then(search_needle),
        owner_id: query.owner_id,
        organisation_id: query.parent_id,
        deleted: query.deleted.unwrap_or_default().into(),
    }
}

/// The organisation list with its filters as a CSV file (UTF-8): every organisation the caller
/// may see, in the list's order, streamed; `after` and `limit` are not used. Cells that start
/// like a formula (`=`, `+`, `-`, `@`) get a leading apostrophe.
#[utoipa::path(get, path = "/organisations/export", tag = "organisations", params(OrganisationsQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "id, name, legal_name, tax_id, industry, employee_band, region, website, emails, phones, parent_id, requires_po, owner, created_at, updated_at"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn export_organisations(ctx: Ctx, ApiQuery(query): ApiQuery<OrganisationsQuery>) -> axum::response::Response {
    let filter = organisation_filter(&query);
    super::csv_download(
        "organisations.csv",
        crate::app::exports::csv(ctx, crate::app::exports::Export::Organisations(filter)),
    )
}

/// Creates an organisation.
#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = OrganisationDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Organisation, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_organisation(
    ctx: Ctx,
    ApiJson(draft): ApiJson<OrganisationDraft>,
) -> Result<Created<Organisation>, Problem> {
    let organisation = app::parties::create_organisation(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/organisations/{}", organisation.id),
        record: organisation,
    })
}

record_handlers! {
    tag: "organisations",
    path: "/organisations/{id}",
    restore_path: "/organisations/{id}/restore",
    record: Organisation,
    id: PartyId,
    patch: OrganisationPatch => app::parties::patch_organisation,
    handlers: (get_organisation, patch_organisation, delete_organisation, restore_organisation),
}

assign_handler! {
    tag: "organisations",
    path: "/organisations/{id}/assign",
    record: Organisation,
    handler: assign_organisation,
}
