//! `/api/v1/people`: people, B2C customers and the employees of organisations.

use closer_domain::ids::{PartyId, UserId};
use closer_domain::party::{Person, PersonDraft, PersonPatch};
use closer_store::parties::{self, PartyFilter};
use closer_store::records::search_needle;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Created, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, assign_handler, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the people list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Text in the name, e-mail addresses or phone numbers.
    pub q: Option<String>,
    pub owner_id: Option<UserId>,
    /// People employed (now or before) by this organisation.
    pub organisation_id: Option<PartyId>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists people, oldest first.
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleQuery),
    responses((status = 200, body = PageBody<Person>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_people(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<PeopleQuery>,
) -> Result<axum::Json<PageBody<Person>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = people_filter(&query);
    let mut conn = ctx.db.acquire().await?;
    let people = parties::list_people(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page).await?;
    Ok(axum::Json(people.into()))
}

fn people_filter(query: &PeopleQuery) -> PartyFilter {
    PartyFilter {
        search: query.q.as_deref().and_then(search_needle),
        owner_id: query.owner_id,
        organisation_id: query.organisation_id,
        deleted: query.deleted.unwrap_or_default().into(),
    }
}

/// The people list with its filters as a CSV file (UTF-8): everyone the caller may see, in the
/// list's order, streamed; `after` and `limit` are not used. Cells that start like a formula
/// (`=`, `+`, `-`, `@`; so phone numbers too) get a leading apostrophe.
#[utoipa::path(get, path = "/people/export", tag = "people", params(PeopleQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "id, name, emails, phones, timezone, owner, created_at, updated_at"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn export_people(ctx: Ctx, ApiQuery(query): ApiQuery<PeopleQuery>) -> axum::response::Response {
    let filter = people_filter(&query);
    super::csv_download(
        "people.csv",
        crate::app::exports::csv(ctx, crate::app::exports::Export::People(filter)),
    )
}

/// Creates a person.
#[utoipa::path(post, path = "/people", tag = "people", request_body = PersonDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Person, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_person(ctx: Ctx, ApiJson(draft): ApiJson<PersonDraft>) -> Result<Created<Person>, Problem> {
    let person = app::parties::create_person(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/people/{}", person.id),
        record: person,
    })
}

record_handlers! {
    tag: "people",
    path: "/people/{id}",
    restore_path: "/people/{id}/restore",
    record: Person,
    id: PartyId,
    patch: PersonPatch => app::parties::patch_person,
    handlers: (get_person, patch_person, delete_person, restore_person),
}

assign_handler! {
    tag: "people",
    path: "/people/{id}/assign",
    record: Person,
    handler: assign_person,
}
