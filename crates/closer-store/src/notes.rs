//! Notes on deals, people and organisations.

use closer_domain::activity::{Note, NoteFields, Subject, SubjectType};
use closer_domain::ids::{NoteId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::records::{self, Deleted, Page, PageRequest, label};
use crate::schema::Notes;

#[derive(FromRow)]
struct NoteRow {
    id: Uuid,
    subject_type: String,
    subject_id: Uuid,
    body: String,
    author_id: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl NoteRow {
    fn into_note(self) -> Result<Note> {
        Ok(Note {
            id: NoteId(self.id),
            fields: NoteFields {
                subject: Subject {
                    kind: label(SubjectType::parse, &self.subject_type)?,
                    id: self.subject_id,
                },
                body: self.body,
                author_id: UserId(self.author_id),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Notes::Id,
            Notes::SubjectType,
            Notes::SubjectId,
            Notes::Body,
            Notes::AuthorId,
            Notes::Version,
            Notes::CreatedAt,
            Notes::UpdatedAt,
            Notes::DeletedAt,
        ])
        .from(Notes::Table)
        .and_where(Expr::col(Notes::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

/// A note by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: NoteId) -> Result<Option<Note>> {
    let statement = select(workspace)
        .and_where(Expr::col(Notes::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<NoteRow, _>(&statement)
        .await?
        .map(NoteRow::into_note)
        .transpose()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, note: &Note) -> Result<()> {
    let f = &note.fields;
    let statement = Query::insert()
        .into_table(Notes::Table)
        .columns([
            Notes::WorkspaceId,
            Notes::Id,
            Notes::SubjectType,
            Notes::SubjectId,
            Notes::Body,
            Notes::AuthorId,
            Notes::Version,
            Notes::CreatedAt,
            Notes::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            note.id.as_uuid().into(),
            f.subject.kind.as_str().into(),
            f.subject.id.into(),
            f.body.clone().into(),
            f.author_id.as_uuid().into(),
            note.meta.version.into(),
            note.meta.created_at.into(),
            note.meta.updated_at.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Writes a changed note if it is still at `expected_version`; false when it is not.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, note: &Note, expected_version: i64) -> Result<bool> {
    let statement = Query::update()
        .table(Notes::Table)
        .value(Notes::Body, note.fields.body.clone())
        .value(Notes::Version, note.meta.version)
        .value(Notes::UpdatedAt, note.meta.updated_at)
        .and_where(Expr::col(Notes::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Notes::Id).eq(note.id.as_uuid()))
        .and_where(Expr::col(Notes::Version).eq(expected_version))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Filters of the note list.
#[derive(Debug, Clone, Default)]
pub struct NoteFilter {
    pub subject_type: Option<SubjectType>,
    pub subject_id: Option<Uuid>,
    pub author_id: Option<UserId>,
    pub deleted: Deleted,
}

pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    filter: &NoteFilter,
    page: PageRequest,
) -> Result<Page<Note>> {
    let mut statement = select(workspace);
    if let Some(kind) = filter.subject_type {
        statement.and_where(Expr::col(Notes::SubjectType).eq(kind.as_str()));
    }
    if let Some(subject) = filter.subject_id {
        statement.and_where(Expr::col(Notes::SubjectId).eq(subject));
    }
    if let Some(author) = filter.author_id {
        statement.and_where(Expr::col(Notes::AuthorId).eq(author.as_uuid()));
    }
    records::scope_page(&mut statement, Notes::Table, workspace, filter.deleted, page);
    let rows: Vec<NoteRow> = conn.fetch_all(&statement).await?;
    let items = rows.into_iter().map(NoteRow::into_note).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |n| n.id.as_uuid()))
}
