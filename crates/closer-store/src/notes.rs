//! Notes on deals, people and organisations.

use closer_domain::activity::{Note, NoteFields, Subject, SubjectType};
use closer_domain::ids::{NoteId, UserId, WorkspaceId};
use sea_query::{Cond, Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::{self, Visibility};
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
    let row = vec![
        (Notes::SubjectType, f.subject.kind.as_str().into()),
        (Notes::SubjectId, f.subject.id.into()),
        (Notes::Body, f.body.clone().into()),
        (Notes::AuthorId, f.author_id.as_uuid().into()),
    ];
    records::insert_record(conn, Notes::Table, workspace, note.id.as_uuid(), &note.meta, row).await
}

/// Writes a changed note if it is still at `expected_version`; false when it is not.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, note: &Note, expected_version: i64) -> Result<bool> {
    let row = vec![(Notes::Body, Expr::from(note.fields.body.clone()))];
    records::update_record(
        conn,
        Notes::Table,
        workspace,
        note.id.as_uuid(),
        &note.meta,
        expected_version,
        row,
    )
    .await
}

/// Filters of the note list.
#[derive(Debug, Clone, Default)]
pub struct NoteFilter {
    pub subject_type: Option<SubjectType>,
    pub subject_id: Option<Uuid>,
    pub author_id: Option<UserId>,
    pub deleted: Deleted,
}

/// The notes on records `visibility` admits that match `filter`, one page.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &NoteFilter,
    page: PageRequest,
) -> Result<Page<Note>> {
    let mut statement = select(workspace);
    if !visibility.admin {
        statement.cond_where(
            Cond::any()
                .add(Expr::col(Notes::AuthorId).eq(visibility.user.as_uuid()))
                .add(access::visible_subjects(
                    workspace,
                    visibility,
                    Notes::SubjectType,
                    Notes::SubjectId,
                )),
        );
    }
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
