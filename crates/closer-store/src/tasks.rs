//! Tasks: dated to-dos for a user, optionally about a deal, person or organisation.

use std::collections::HashSet;

use closer_domain::activity::{SubjectType, Task, TaskFields};
use closer_domain::ids::{TaskId, UserId, WorkspaceId};
use sea_query::{Cond, Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{self, Visibility};
use crate::db::{Conn, Result};
use crate::records::{self, Deleted, Page, PageRequest, optional_label};
use crate::schema::Tasks;

#[derive(FromRow)]
struct TaskRow {
    id: Uuid,
    title: String,
    due_on: Option<Date>,
    assignee_id: Uuid,
    subject_type: Option<String>,
    subject_id: Option<Uuid>,
    done_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl TaskRow {
    fn into_task(self) -> Result<Task> {
        Ok(Task {
            id: TaskId(self.id),
            done: self.done_at.is_some(),
            fields: TaskFields {
                title: self.title,
                due_on: self.due_on,
                assignee_id: UserId(self.assignee_id),
                subject_type: optional_label(SubjectType::parse, self.subject_type.as_deref())?,
                subject_id: self.subject_id,
                done_at: self.done_at,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Tasks::Id,
            Tasks::Title,
            Tasks::DueOn,
            Tasks::AssigneeId,
            Tasks::SubjectType,
            Tasks::SubjectId,
            Tasks::DoneAt,
            Tasks::Version,
            Tasks::CreatedAt,
            Tasks::UpdatedAt,
            Tasks::DeletedAt,
        ])
        .from(Tasks::Table)
        .and_where(Expr::col(Tasks::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(task: &Task) -> Vec<(Tasks, Expr)> {
    let f = &task.fields;
    vec![
        (Tasks::Title, f.title.clone().into()),
        (Tasks::DueOn, f.due_on.into()),
        (Tasks::AssigneeId, f.assignee_id.as_uuid().into()),
        (Tasks::SubjectType, f.subject_type.map(|s| s.as_str()).into()),
        (Tasks::SubjectId, f.subject_id.into()),
        (Tasks::DoneAt, f.done_at.into()),
    ]
}

/// A task by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: TaskId) -> Result<Option<Task>> {
    let statement = select(workspace)
        .and_where(Expr::col(Tasks::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<TaskRow, _>(&statement)
        .await?
        .map(TaskRow::into_task)
        .transpose()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, task: &Task) -> Result<()> {
    records::insert_record(
        conn,
        Tasks::Table,
        workspace,
        task.id.as_uuid(),
        &task.meta,
        values(task),
    )
    .await
}

/// Writes a changed task if it is still at `expected_version`; false when it is not.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, task: &Task, expected_version: i64) -> Result<bool> {
    records::update_record(
        conn,
        Tasks::Table,
        workspace,
        task.id.as_uuid(),
        &task.meta,
        expected_version,
        values(task),
    )
    .await
}

/// Which of `subjects` have a live task that is not done yet.
pub async fn with_open_tasks(conn: Conn<'_>, workspace: WorkspaceId, subjects: &[Uuid]) -> Result<HashSet<Uuid>> {
    #[derive(FromRow)]
    struct Row {
        subject_id: Uuid,
    }
    if subjects.is_empty() {
        return Ok(HashSet::new());
    }
    let statement = Query::select()
        .distinct()
        .column(Tasks::SubjectId)
        .from(Tasks::Table)
        .and_where(Expr::col(Tasks::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Tasks::SubjectId).is_in(subjects.to_vec()))
        .and_where(Expr::col(Tasks::DoneAt).is_null())
        .and_where(Expr::col(Tasks::DeletedAt).is_null())
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.subject_id).collect())
}

/// Filters of the task list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee_id: Option<UserId>,
    pub subject_id: Option<Uuid>,
    pub done: Option<bool>,
    /// Open tasks due on or before this date.
    pub due_by: Option<Date>,
    pub deleted: Deleted,
}

/// The tasks `visibility` admits (assigned to the principal, or about a record it may see) that
/// match `filter`, one page.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &TaskFilter,
    page: PageRequest,
) -> Result<Page<Task>> {
    let mut statement = select(workspace);
    if !visibility.admin {
        statement.cond_where(
            Cond::any()
                .add(Expr::col(Tasks::AssigneeId).eq(visibility.user.as_uuid()))
                .add(access::visible_subjects(
                    workspace,
                    visibility,
                    Tasks::SubjectType,
                    Tasks::SubjectId,
                )),
        );
    }
    if let Some(assignee) = filter.assignee_id {
        statement.and_where(Expr::col(Tasks::AssigneeId).eq(assignee.as_uuid()));
    }
    if let Some(subject) = filter.subject_id {
        statement.and_where(Expr::col(Tasks::SubjectId).eq(subject));
    }
    match filter.done {
        Some(true) => {
            statement.and_where(Expr::col(Tasks::DoneAt).is_not_null());
        }
        Some(false) => {
            statement.and_where(Expr::col(Tasks::DoneAt).is_null());
        }
        None => {}
    }
    if let Some(date) = filter.due_by {
        statement
            .and_where(Expr::col(Tasks::DueOn).lte(date))
            .and_where(Expr::col(Tasks::DoneAt).is_null());
    }
    records::scope_page(&mut statement, Tasks::Table, workspace, filter.deleted, page);
    let rows: Vec<TaskRow> = conn.fetch_all(&statement).await?;
    let items = rows.into_iter().map(TaskRow::into_task).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |t| t.id.as_uuid()))
}
