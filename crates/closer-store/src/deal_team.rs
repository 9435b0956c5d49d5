//! Deal teams: our users on a deal, their seller roles, coverage and access.

use closer_domain::committee::BuyingRole;
use closer_domain::ids::{DealId, DealTeamMemberId, UserId, WorkspaceId};
use closer_domain::team::{DealTeamMember, DealTeamMemberFields, SellerRole, TeamAccess};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::DealTeamMembers;

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Uuid,
    user_id: Uuid,
    role: String,
    covers: String,
    access: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_member(self) -> Result<DealTeamMember> {
        let covers: Vec<String> =
            serde_json::from_str(&self.covers).map_err(|e| StoreError::Corrupt(format!("covers: {e}")))?;
        Ok(DealTeamMember {
            id: DealTeamMemberId(self.id),
            fields: DealTeamMemberFields {
                deal_id: DealId(self.deal_id),
                user_id: UserId(self.user_id),
                role: label(SellerRole::parse, &self.role)?,
                covers: covers
                    .iter()
                    .map(|r| label(BuyingRole::parse, r))
                    .collect::<Result<_>>()?,
                access: label(TeamAccess::parse, &self.access)?,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            DealTeamMembers::Id,
            DealTeamMembers::DealId,
            DealTeamMembers::UserId,
            DealTeamMembers::Role,
            DealTeamMembers::Covers,
            DealTeamMembers::Access,
            DealTeamMembers::Version,
            DealTeamMembers::CreatedAt,
            DealTeamMembers::UpdatedAt,
            DealTeamMembers::DeletedAt,
        ])
        .from(DealTeamMembers::Table)
        .and_where(Expr::col(DealTeamMembers::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(fields: &DealTeamMemberFields) -> Vec<(DealTeamMembers, Expr)> {
    let covers: Vec<&str> = fields.covers.iter().map(|r| r.as_str()).collect();
    vec![
        (DealTeamMembers::Role, fields.role.as_str().into()),
        (
            DealTeamMembers::Covers,
            serde_json::to_string(&covers).unwrap_or_else(|_| "[]".into()).into(),
        ),
        (DealTeamMembers::Access, fields.access.as_str().into()),
    ]
}

/// A place on a deal team by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: DealTeamMemberId) -> Result<Option<DealTeamMember>> {
    let statement = select(workspace)
        .and_where(Expr::col(DealTeamMembers::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_member)
        .transpose()
}

/// A deal's live team, in the order it was formed.
pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<DealTeamMember>> {
    for_deals(conn, workspace, &[deal]).await
}

/// The live deal-team places of several deals, in id order.
pub async fn for_deals(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<DealTeamMember>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(DealTeamMembers::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(DealTeamMembers::DeletedAt).is_null())
        .order_by(DealTeamMembers::Id, Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(Row::into_member).collect()
}

/// What a user's live place on a deal's team lets them do, if they have one.
pub async fn access_of(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deal: DealId,
    user: UserId,
) -> Result<Option<TeamAccess>> {
    let statement = select(workspace)
        .and_where(Expr::col(DealTeamMembers::DealId).eq(deal.as_uuid()))
        .and_where(Expr::col(DealTeamMembers::UserId).eq(user.as_uuid()))
        .and_where(Expr::col(DealTeamMembers::DeletedAt).is_null())
        .to_owned();
    Ok(conn
        .fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_member)
        .transpose()?
        .map(|m| m.fields.access))
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, member: &DealTeamMember) -> Result<()> {
    let mut row = vec![
        (DealTeamMembers::DealId, member.fields.deal_id.as_uuid().into()),
        (DealTeamMembers::UserId, member.fields.user_id.as_uuid().into()),
    ];
    row.extend(values(&member.fields));
    records::insert_record(
        conn,
        DealTeamMembers::Table,
        workspace,
        member.id.as_uuid(),
        &member.meta,
        row,
    )
    .await
}

pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    member: &DealTeamMember,
    expected_version: i64,
) -> Result<bool> {
    let (id, meta) = (member.id.as_uuid(), &member.meta);
    records::update_record(
        conn,
        DealTeamMembers::Table,
        workspace,
        id,
        meta,
        expected_version,
        values(&member.fields),
    )
    .await
}
