//! `/api/v1/notes`: notes on deals, people and organisations.

use closer_domain::activity::{Note, NoteDraft, NotePatch, SubjectType};
use closer_domain::ids::{NoteId, UserId};
use closer_store::notes::{self, NoteFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Created, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the note list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotesQuery {
    pub subject_type: Option<SubjectType>,
    /// The deal, person or organisation the notes are about.
    pub subject_id: Option<Uuid>,
    pub author_id: Option<UserId>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists notes, oldest first.
#[utoipa::path(get, path = "/notes", tag = "notes", params(NotesQuery),
    responses((status = 200, body = PageBody<Note>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_notes(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<NotesQuery>,
) -> Result<axum::Json<PageBody<Note>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = NoteFilter {
        subject_type: query.subject_type,
        subject_id: query.subject_id,
        author_id: query.author_id,
        deleted: query.deleted.unwrap_or_default().into(),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(axum::Json(
        notes::list(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

/// Writes a note on a deal, person or organisation.
#[utoipa::path(post, path = "/notes", tag = "notes", request_body = NoteDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Note, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_note(ctx: Ctx, ApiJson(draft): ApiJson<NoteDraft>) -> Result<Created<Note>, Problem> {
    let note = app::activity::create_note(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/notes/{}", note.id),
        record: note,
    })
}

record_handlers! {
    tag: "notes",
    path: "/notes/{id}",
    restore_path: "/notes/{id}/restore",
    record: Note,
    id: NoteId,
    patch: NotePatch => app::activity::patch_note,
    handlers: (get_note, patch_note, delete_note, restore_note),
}
