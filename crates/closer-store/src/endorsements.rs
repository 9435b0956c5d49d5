//! Endorsements of deals: references, warm introductions, mutual connections (D5).

use closer_domain::ids::{DealId, EndorsementId, MeetingId, PartyId, UserId, WorkspaceId};
use closer_domain::relationships::{Endorsement, EndorsementFields, EndorsementKind};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::records::{self, label};
use crate::schema::Endorsements;

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Uuid,
    kind: String,
    by_person_id: Option<Uuid>,
    meeting_id: Option<Uuid>,
    note: Option<String>,
    recorded_by: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_endorsement(self) -> Result<Endorsement> {
        Ok(Endorsement {
            id: EndorsementId(self.id),
            fields: EndorsementFields {
                deal_id: DealId(self.deal_id),
                kind: label(EndorsementKind::parse, &self.kind)?,
                by_person_id: self.by_person_id.map(PartyId),
                meeting_id: self.meeting_id.map(MeetingId),
                note: self.note,
                recorded_by: UserId(self.recorded_by),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Endorsements::Id,
            Endorsements::DealId,
            Endorsements::Kind,
            Endorsements::ByPersonId,
            Endorsements::MeetingId,
            Endorsements::Note,
            Endorsements::RecordedBy,
            Endorsements::Version,
            Endorsements::CreatedAt,
            Endorsements::UpdatedAt,
            Endorsements::DeletedAt,
        ])
        .from(Endorsements::Table)
        .and_where(Expr::col(Endorsements::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: EndorsementId) -> Result<Option<Endorsement>> {
    let statement = select(workspace)
        .and_where(Expr::col(Endorsements::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_endorsement)
        .transpose()
}

/// The live endorsements of `deals`, oldest first.
pub async fn for_deals(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Endorsement>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Endorsements::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Endorsements::DeletedAt).is_null())
        .order_by(Endorsements::CreatedAt, Order::Asc)
        .order_by(Endorsements::Id, Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(Row::into_endorsement).collect()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, endorsement: &Endorsement) -> Result<()> {
    let f = &endorsement.fields;
    let row = vec![
        (Endorsements::DealId, f.deal_id.as_uuid().into()),
        (Endorsements::Kind, f.kind.as_str().into()),
        (Endorsements::ByPersonId, f.by_person_id.map(|p| p.as_uuid()).into()),
        (Endorsements::MeetingId, f.meeting_id.map(|m| m.as_uuid()).into()),
        (Endorsements::Note, f.note.clone().into()),
        (Endorsements::RecordedBy, f.recorded_by.as_uuid().into()),
    ];
    records::insert_record(
        conn,
        Endorsements::Table,
        workspace,
        endorsement.id.as_uuid(),
        &endorsement.meta,
        row,
    )
    .await
}

/// Writes a changed endorsement (deleted or restored) if it is still at `expected_version`.
pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    endorsement: &Endorsement,
    expected_version: i64,
) -> Result<bool> {
    records::update_stamps(
        conn,
        Endorsements::Table,
        workspace,
        endorsement.id.as_uuid(),
        &endorsement.meta,
        expected_version,
    )
    .await
}
