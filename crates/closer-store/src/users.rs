//! Users of Closer: the people on our side who own records and do the work.
//! (Passwords, roles in full, teams and sessions arrive with the access layer.)

use closer_domain::ids::{UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::Users;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

impl User {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, user: &User, now: OffsetDateTime) -> Result<()> {
    let statement = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::WorkspaceId,
            Users::Id,
            Users::Email,
            Users::DisplayName,
            Users::Role,
            Users::CreatedAt,
            Users::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            user.id.into(),
            user.email.clone().into(),
            user.display_name.clone().into(),
            user.role.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// The workspace's live users, oldest first.
pub async fn list(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<User>> {
    let statement = Query::select()
        .columns([Users::Id, Users::Email, Users::DisplayName, Users::Role])
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::DeletedAt).is_null())
        .order_by(Users::Id, Order::Asc)
        .to_owned();
    conn.fetch_all(&statement).await
}

/// True when the user exists and is live.
pub async fn exists(conn: Conn<'_>, workspace: WorkspaceId, id: UserId) -> Result<bool> {
    let statement = Query::select()
        .columns([Users::Id, Users::Email, Users::DisplayName, Users::Role])
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Users::DeletedAt).is_null())
        .to_owned();
    Ok(conn.fetch_optional::<User, _>(&statement).await?.is_some())
}
