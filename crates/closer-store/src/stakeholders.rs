//! The stakeholders of deals' buying committees.

use closer_domain::committee::{BuyingRole, ResponseMode, StakeholderFields, Stance};
use closer_domain::ids::{DealId, PartyId, StakeholderId, WorkspaceId};
use closer_domain::record::RecordMeta;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::Stakeholders;

/// A stakeholder as stored, before meetings add what they say about them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredStakeholder {
    pub id: StakeholderId,
    #[serde(flatten)]
    pub fields: StakeholderFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Uuid,
    person_id: Uuid,
    department: Option<String>,
    roles: String,
    is_key_person: bool,
    influence: i64,
    stance: String,
    response_mode: String,
    win_result: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_stakeholder(self) -> Result<StoredStakeholder> {
        let roles: Vec<String> =
            serde_json::from_str(&self.roles).map_err(|e| StoreError::Corrupt(format!("roles: {e}")))?;
        Ok(StoredStakeholder {
            id: StakeholderId(self.id),
            fields: StakeholderFields {
                deal_id: DealId(self.deal_id),
                person_id: PartyId(self.person_id),
                department: self.department,
                roles: roles
                    .iter()
                    .map(|r| label(BuyingRole::parse, r))
                    .collect::<Result<_>>()?,
                is_key_person: self.is_key_person,
                influence: i32::try_from(self.influence).unwrap_or(3),
                stance: label(Stance::parse, &self.stance)?,
                response_mode: label(ResponseMode::parse, &self.response_mode)?,
                win_result: self.win_result,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Stakeholders::Id,
            Stakeholders::DealId,
            Stakeholders::PersonId,
            Stakeholders::Department,
            Stakeholders::Roles,
            Stakeholders::IsKeyPerson,
            Stakeholders::Influence,
            Stakeholders::Stance,
            Stakeholders::ResponseMode,
            Stakeholders::WinResult,
            Stakeholders::Version,
            Stakeholders::CreatedAt,
            Stakeholders::UpdatedAt,
            Stakeholders::DeletedAt,
        ])
        .from(Stakeholders::Table)
        .and_where(Expr::col(Stakeholders::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(fields: &StakeholderFields) -> Vec<(Stakeholders, Expr)> {
    let roles: Vec<&str> = fields.roles.iter().map(|r| r.as_str()).collect();
    vec![
        (Stakeholders::Department, fields.department.clone().into()),
        (
            Stakeholders::Roles,
            serde_json::to_string(&roles).unwrap_or_else(|_| "[]".into()).into(),
        ),
        (Stakeholders::IsKeyPerson, fields.is_key_person.into()),
        (Stakeholders::Influence, i64::from(fields.influence).into()),
        (Stakeholders::Stance, fields.stance.as_str().into()),
        (Stakeholders::ResponseMode, fields.response_mode.as_str().into()),
        (Stakeholders::WinResult, fields.win_result.clone().into()),
    ]
}

/// A stakeholder by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: StakeholderId) -> Result<Option<StoredStakeholder>> {
    let statement = select(workspace)
        .and_where(Expr::col(Stakeholders::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_stakeholder)
        .transpose()
}

/// The live stakeholders of a deal, in the order they were added.
pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<StoredStakeholder>> {
    for_deals(conn, workspace, &[deal]).await
}

/// The live stakeholders of several deals, in id order (for jobs that go over many deals).
pub async fn for_deals(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<StoredStakeholder>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Stakeholders::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Stakeholders::DeletedAt).is_null())
        .order_by(Stakeholders::Id, Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(Row::into_stakeholder).collect()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, stakeholder: &StoredStakeholder) -> Result<()> {
    let mut row = vec![
        (Stakeholders::DealId, stakeholder.fields.deal_id.as_uuid().into()),
        (Stakeholders::PersonId, stakeholder.fields.person_id.as_uuid().into()),
    ];
    row.extend(values(&stakeholder.fields));
    records::insert_record(
        conn,
        Stakeholders::Table,
        workspace,
        stakeholder.id.as_uuid(),
        &stakeholder.meta,
        row,
    )
    .await
}

pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    stakeholder: &StoredStakeholder,
    expected_version: i64,
) -> Result<bool> {
    let (id, meta) = (stakeholder.id.as_uuid(), &stakeholder.meta);
    records::update_record(
        conn,
        Stakeholders::Table,
        workspace,
        id,
        meta,
        expected_version,
        values(&stakeholder.fields),
    )
    .await
}
