//! `/api/v1/tasks`: to-dos with due dates, optionally about a deal, person or organisation.

use closer_domain::activity::{Task, TaskDraft, TaskPatch};
use closer_domain::ids::{TaskId, UserId};
use closer_store::tasks::{self, TaskFilter};
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Created, PageBody, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::{DeletedView, record_handlers};
use crate::app::{self, Ctx};

/// Filters and paging of the task list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    pub assignee_id: Option<UserId>,
    /// The deal, person or organisation the tasks are about.
    pub subject_id: Option<Uuid>,
    pub done: Option<bool>,
    /// Open tasks due on or before this date (YYYY-MM-DD).
    pub due_by: Option<Date>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists tasks, oldest first.
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(TasksQuery),
    responses((status = 200, body = PageBody<Task>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_tasks(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<TasksQuery>,
) -> Result<axum::Json<PageBody<Task>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = tasks_filter(&query);
    let mut conn = ctx.db.acquire().await?;
    Ok(axum::Json(
        tasks::list(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page)
            .await?
            .into(),
    ))
}

fn tasks_filter(query: &TasksQuery) -> TaskFilter {
    TaskFilter {
        assignee_id: query.assignee_id,
        subject_id: query.subject_id,
        done: query.done,
        due_by: query.due_by,
        deleted: query.deleted.unwrap_or_default().into(),
    }
}

/// The tasks list with its filters as a CSV file (UTF-8): every one the caller may see, in the
/// list's order, streamed; `after` and `limit` are not used. Cells that start like a formula get
/// a leading apostrophe.
#[utoipa::path(get, path = "/tasks/export", tag = "tasks", params(TasksQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "id, title, due_on, done_at, assignee, subject_type, subject_id, created_at"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn export_tasks(ctx: Ctx, ApiQuery(query): ApiQuery<TasksQuery>) -> axum::response::Response {
    let filter = tasks_filter(&query);
    super::csv_download(
        "tasks.csv",
        crate::app::exports::csv(ctx, crate::app::exports::Export::Tasks(filter)),
    )
}

/// Creates a task.
#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = TaskDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Task, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "A referenced record does not exist"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The same Idempotency-Key is still being processed"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_task(ctx: Ctx, ApiJson(draft): ApiJson<TaskDraft>) -> Result<Created<Task>, Problem> {
    let task = app::activity::create_task(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/tasks/{}", task.id),
        record: task,
    })
}

record_handlers! {
    tag: "tasks",
    path: "/tasks/{id}",
    restore_path: "/tasks/{id}/restore",
    record: Task,
    id: TaskId,
    patch: TaskPatch => app::activity::patch_task,
    handlers: (get_task, patch_task, delete_task, restore_task),
}
