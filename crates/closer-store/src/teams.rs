//! Teams and their members; a member may also manage the team.

use closer_domain::ids::{TeamId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::{TeamMembers, Teams};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Membership {
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub is_manager: bool,
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, team: &Team, now: OffsetDateTime) -> Result<()> {
    let statement = Query::insert()
        .into_table(Teams::Table)
        .columns([
            Teams::WorkspaceId,
            Teams::Id,
            Teams::Name,
            Teams::CreatedAt,
            Teams::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            team.id.into(),
            team.name.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

pub async fn rename(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    id: TeamId,
    name: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let statement = Query::update()
        .table(Teams::Table)
        .value(Teams::Name, name)
        .value(Teams::UpdatedAt, now)
        .value(Teams::Version, Expr::col(Teams::Version).add(1))
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Teams::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Teams::DeletedAt).is_null())
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// The workspace's teams, oldest first.
pub async fn list(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<Team>> {
    let statement = Query::select()
        .columns([Teams::Id, Teams::Name])
        .from(Teams::Table)
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Teams::DeletedAt).is_null())
        .order_by(Teams::Id, Order::Asc)
        .to_owned();
    conn.fetch_all(&statement).await
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: TeamId) -> Result<Option<Team>> {
    let statement = Query::select()
        .columns([Teams::Id, Teams::Name])
        .from(Teams::Table)
        .and_where(Expr::col(Teams::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Teams::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Teams::DeletedAt).is_null())
        .to_owned();
    conn.fetch_optional(&statement).await
}

/// Adds a member or changes whether they manage the team.
pub async fn set_member(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    team: TeamId,
    user: UserId,
    is_manager: bool,
    now: OffsetDateTime,
) -> Result<()> {
    let statement = Query::insert()
        .into_table(TeamMembers::Table)
        .columns([
            TeamMembers::WorkspaceId,
            TeamMembers::TeamId,
            TeamMembers::UserId,
            TeamMembers::IsManager,
            TeamMembers::CreatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            team.as_uuid().into(),
            user.as_uuid().into(),
            is_manager.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([TeamMembers::WorkspaceId, TeamMembers::TeamId, TeamMembers::UserId])
                .update_column(TeamMembers::IsManager)
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

pub async fn remove_member(conn: Conn<'_>, workspace: WorkspaceId, team: TeamId, user: UserId) -> Result<bool> {
    let statement = Query::delete()
        .from_table(TeamMembers::Table)
        .and_where(Expr::col(TeamMembers::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(TeamMembers::TeamId).eq(team.as_uuid()))
        .and_where(Expr::col(TeamMembers::UserId).eq(user.as_uuid()))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Memberships of a user (`user`), of a team (`team`), or all of them, in joining order.
pub async fn memberships(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: Option<UserId>,
    team: Option<TeamId>,
) -> Result<Vec<Membership>> {
    let mut statement = Query::select()
        .columns([TeamMembers::TeamId, TeamMembers::UserId, TeamMembers::IsManager])
        .from(TeamMembers::Table)
        .and_where(Expr::col(TeamMembers::WorkspaceId).eq(workspace.as_uuid()))
        .order_by(TeamMembers::CreatedAt, Order::Asc)
        .order_by(TeamMembers::TeamId, Order::Asc)
        .to_owned();
    if let Some(user) = user {
        statement.and_where(Expr::col(TeamMembers::UserId).eq(user.as_uuid()));
    }
    if let Some(team) = team {
        statement.and_where(Expr::col(TeamMembers::TeamId).eq(team.as_uuid()));
    }
    conn.fetch_all(&statement).await
}
