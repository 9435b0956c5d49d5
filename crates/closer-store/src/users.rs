//! Users of Closer: the people on our side who sign in, own records and do the work.
//! A user is never a CRM contact: no contact edit reaches this table.

use closer_domain::ids::{UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::Users;

/// A user as stored, without the password hash.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct User {
    pub id: Uuid,
    /// Lower case; the sign-in name.
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub disabled_at: Option<OffsetDateTime>,
    /// The language chosen for the web application (`en`, `zh`); None follows the browser.
    pub language: Option<String>,
    /// The IANA time zone the user lives in; None is UTC.
    pub time_zone: Option<String>,
}

impl User {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Users::Id,
            Users::Email,
            Users::DisplayName,
            Users::Role,
            Users::DisabledAt,
            Users::Language,
            Users::TimeZone,
        ])
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::DeletedAt).is_null())
        .to_owned()
}

pub async fn insert(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: &User,
    password_hash: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let statement = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::WorkspaceId,
            Users::Id,
            Users::Email,
            Users::DisplayName,
            Users::Role,
            Users::PasswordHash,
            Users::DisabledAt,
            Users::Language,
            Users::TimeZone,
            Users::CreatedAt,
            Users::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            user.id.into(),
            user.email.clone().into(),
            user.display_name.clone().into(),
            user.role.clone().into(),
            password_hash.map(str::to_owned).into(),
            user.disabled_at.into(),
            user.language.clone().into(),
            user.time_zone.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Writes a user's name, e-mail, role and disabled state.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, user: &User, now: OffsetDateTime) -> Result<bool> {
    let statement = Query::update()
        .table(Users::Table)
        .value(Users::Email, user.email.clone())
        .value(Users::DisplayName, user.display_name.clone())
        .value(Users::Role, user.role.clone())
        .value(Users::DisabledAt, user.disabled_at)
        .value(Users::Language, user.language.clone())
        .value(Users::TimeZone, user.time_zone.clone())
        .value(Users::UpdatedAt, now)
        .value(Users::Version, Expr::col(Users::Version).add(1))
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(user.id))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

pub async fn set_password(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    id: UserId,
    hash: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let statement = Query::update()
        .table(Users::Table)
        .value(Users::PasswordHash, hash)
        .value(Users::UpdatedAt, now)
        .value(Users::Version, Expr::col(Users::Version).add(1))
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Every user of the workspace (disabled ones too), oldest first.
pub async fn list(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<User>> {
    conn.fetch_all(&select(workspace).order_by(Users::Id, Order::Asc).to_owned())
        .await
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: UserId) -> Result<Option<User>> {
    conn.fetch_optional(
        &select(workspace)
            .and_where(Expr::col(Users::Id).eq(id.as_uuid()))
            .to_owned(),
    )
    .await
}

pub async fn by_email(conn: Conn<'_>, workspace: WorkspaceId, email: &str) -> Result<Option<User>> {
    let statement = select(workspace)
        .and_where(Expr::col(Users::Email).eq(email.to_lowercase()))
        .to_owned();
    conn.fetch_optional(&statement).await
}

#[derive(FromRow)]
struct HashRow {
    password_hash: Option<String>,
}

/// The stored password hash of a user (None when the user has no password yet).
pub async fn password_hash(conn: Conn<'_>, workspace: WorkspaceId, id: UserId) -> Result<Option<String>> {
    let statement = Query::select()
        .column(Users::PasswordHash)
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(conn
        .fetch_optional::<HashRow, _>(&statement)
        .await?
        .and_then(|r| r.password_hash))
}

/// True when the user exists and is active (not disabled).
pub async fn exists(conn: Conn<'_>, workspace: WorkspaceId, id: UserId) -> Result<bool> {
    Ok(get(conn, workspace, id).await?.is_some_and(|u| u.disabled_at.is_none()))
}
