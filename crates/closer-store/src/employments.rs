//! Employments: which person works (or worked) where, with title, department and seniority.

use closer_domain::ids::{EmploymentId, PartyId, WorkspaceId};
use closer_domain::party::{Employment, EmploymentFields, Seniority};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{self, Visibility};
use crate::db::{Conn, Result};
use crate::records::{self, Deleted, Page, PageRequest, optional_label};
use crate::schema::Employments;

#[derive(FromRow)]
struct EmploymentRow {
    id: Uuid,
    person_id: Uuid,
    organisation_id: Uuid,
    title: Option<String>,
    department: Option<String>,
    seniority: Option<String>,
    started_on: Option<Date>,
    ended_on: Option<Date>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl EmploymentRow {
    fn into_employment(self) -> Result<Employment> {
        Ok(Employment {
            id: EmploymentId(self.id),
            fields: EmploymentFields {
                person_id: PartyId(self.person_id),
                organisation_id: PartyId(self.organisation_id),
                title: self.title,
                department: self.department,
                seniority: optional_label(Seniority::parse, self.seniority.as_deref())?,
                started_on: self.started_on,
                ended_on: self.ended_on,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Employments::Id,
            Employments::PersonId,
            Employments::OrganisationId,
            Employments::Title,
            Employments::Department,
            Employments::Seniority,
            Employments::StartedOn,
            Employments::EndedOn,
            Employments::Version,
            Employments::CreatedAt,
            Employments::UpdatedAt,
            Employments::DeletedAt,
        ])
        .from(Employments::Table)
        .and_where(Expr::col(Employments::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(employment: &Employment) -> Vec<(Employments, Expr)> {
    let f = &employment.fields;
    vec![
        (Employments::Title, f.title.clone().into()),
        (Employments::Department, f.department.clone().into()),
        (Employments::Seniority, f.seniority.map(|s| s.as_str()).into()),
        (Employments::StartedOn, f.started_on.into()),
        (Employments::EndedOn, f.ended_on.into()),
    ]
}

/// An employment by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: EmploymentId) -> Result<Option<Employment>> {
    let statement = select(workspace)
        .and_where(Expr::col(Employments::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<EmploymentRow, _>(&statement)
        .await?
        .map(EmploymentRow::into_employment)
        .transpose()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, employment: &Employment) -> Result<()> {
    let mut row = vec![
        (Employments::PersonId, employment.fields.person_id.as_uuid().into()),
        (
            Employments::OrganisationId,
            employment.fields.organisation_id.as_uuid().into(),
        ),
    ];
    row.extend(values(employment));
    records::insert_record(
        conn,
        Employments::Table,
        workspace,
        employment.id.as_uuid(),
        &employment.meta,
        row,
    )
    .await
}

/// Inserts many new employments in a few statements: for imports.
pub async fn insert_many(conn: Conn<'_>, workspace: WorkspaceId, employments: &[Employment]) -> Result<()> {
    let rows = employments
        .iter()
        .map(|employment| {
            let mut row = vec![
                (Employments::PersonId, employment.fields.person_id.as_uuid().into()),
                (
                    Employments::OrganisationId,
                    employment.fields.organisation_id.as_uuid().into(),
                ),
            ];
            row.extend(values(employment));
            (employment.id.as_uuid(), &employment.meta, row)
        })
        .collect();
    records::insert_records(conn, Employments::Table, workspace, rows).await
}

/// Writes a changed employment if it is still at `expected_version`; false when it is not.
pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    employment: &Employment,
    expected_version: i64,
) -> Result<bool> {
    let (id, meta) = (employment.id.as_uuid(), &employment.meta);
    records::update_record(
        conn,
        Employments::Table,
        workspace,
        id,
        meta,
        expected_version,
        values(employment),
    )
    .await
}

/// Filters of the employment list.
#[derive(Debug, Clone, Default)]
pub struct EmploymentFilter {
    pub person_id: Option<PartyId>,
    pub organisation_id: Option<PartyId>,
    pub deleted: Deleted,
}

/// The employments of people `visibility` admits that match `filter`, one page.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &EmploymentFilter,
    page: PageRequest,
) -> Result<Page<Employment>> {
    let mut statement = select(workspace);
    if !visibility.admin {
        statement
            .and_where(Expr::col(Employments::PersonId).in_subquery(access::visible_people_ids(workspace, visibility)));
    }
    if let Some(person) = filter.person_id {
        statement.and_where(Expr::col(Employments::PersonId).eq(person.as_uuid()));
    }
    if let Some(organisation) = filter.organisation_id {
        statement.and_where(Expr::col(Employments::OrganisationId).eq(organisation.as_uuid()));
    }
    records::scope_page(&mut statement, Employments::Table, workspace, filter.deleted, page);
    let rows: Vec<EmploymentRow> = conn.fetch_all(&statement).await?;
    let items = rows
        .into_iter()
        .map(EmploymentRow::into_employment)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |e| e.id.as_uuid()))
}

/// Every live employment, a chunk at a time in id order: how the relationship index learns who
/// worked together. Returns how many there were.
pub async fn for_each_live(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    chunk: u64,
    mut each: impl FnMut(Employment),
) -> Result<u64> {
    let mut after: Option<Uuid> = None;
    let mut count = 0;
    loop {
        let mut statement = select(workspace)
            .and_where(Expr::col(Employments::DeletedAt).is_null())
            .order_by(Employments::Id, sea_query::Order::Asc)
            .limit(chunk)
            .to_owned();
        if let Some(after) = after {
            statement.and_where(Expr::col(Employments::Id).gt(after));
        }
        let rows: Vec<EmploymentRow> = conn.reborrow().fetch_all(&statement).await?;
        let full = rows.len() as u64 == chunk;
        for row in rows {
            after = Some(row.id);
            each(row.into_employment()?);
            count += 1;
        }
        if !full {
            return Ok(count);
        }
    }
}

/// The live employments created since `since`, oldest first.
pub async fn created_since(conn: Conn<'_>, workspace: WorkspaceId, since: OffsetDateTime) -> Result<Vec<Employment>> {
    let statement = select(workspace)
        .and_where(Expr::col(Employments::CreatedAt).gte(since))
        .and_where(Expr::col(Employments::DeletedAt).is_null())
        .order_by(Employments::CreatedAt, sea_query::Order::Asc)
        .to_owned();
    let rows: Vec<EmploymentRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(EmploymentRow::into_employment).collect()
}

/// Whether `person` has a live employment at `organisation`.
pub async fn of_person_at(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    person: PartyId,
    organisation: PartyId,
) -> Result<bool> {
    let statement = select(workspace)
        .and_where(Expr::col(Employments::PersonId).eq(person.as_uuid()))
        .and_where(Expr::col(Employments::OrganisationId).eq(organisation.as_uuid()))
        .and_where(Expr::col(Employments::DeletedAt).is_null())
        .limit(1)
        .to_owned();
    let rows: Vec<EmploymentRow> = conn.fetch_all(&statement).await?;
    Ok(!rows.is_empty())
}

/// The live employments at `organisation`, at most `limit` (a caller that gets `limit` back
/// knows there may be more).
pub async fn at_organisation(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    organisation: PartyId,
    limit: u64,
) -> Result<Vec<Employment>> {
    let statement = select(workspace)
        .and_where(Expr::col(Employments::OrganisationId).eq(organisation.as_uuid()))
        .and_where(Expr::col(Employments::DeletedAt).is_null())
        .order_by(Employments::Id, sea_query::Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<EmploymentRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(EmploymentRow::into_employment).collect()
}
