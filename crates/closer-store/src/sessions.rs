//! Sign-in sessions, kept in the database so that any server can serve any request. Only a
//! hash of the session secret is stored.

use closer_domain::ids::{UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::Sessions;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Session {
    pub token_hash: String,
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(
    conn: Conn<'_>,
    session: &Session,
    client_address: Option<&str>,
    user_agent: Option<&str>,
) -> Result<()> {
    let statement = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::TokenHash,
            Sessions::WorkspaceId,
            Sessions::UserId,
            Sessions::CsrfToken,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
            Sessions::ClientAddress,
            Sessions::UserAgent,
        ])
        .values_panic([
            session.token_hash.clone().into(),
            session.workspace_id.into(),
            session.user_id.into(),
            session.csrf_token.clone().into(),
            session.created_at.into(),
            session.last_seen_at.into(),
            session.expires_at.into(),
            client_address.map(str::to_owned).into(),
            user_agent.map(|a| a.chars().take(300).collect::<String>()).into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

pub async fn find(conn: Conn<'_>, token_hash: &str) -> Result<Option<Session>> {
    let statement = Query::select()
        .columns([
            Sessions::TokenHash,
            Sessions::WorkspaceId,
            Sessions::UserId,
            Sessions::CsrfToken,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
        ])
        .from(Sessions::Table)
        .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
        .to_owned();
    conn.fetch_optional(&statement).await
}

/// Records activity on a session.
pub async fn touch(conn: Conn<'_>, token_hash: &str, now: OffsetDateTime) -> Result<()> {
    let statement = Query::update()
        .table(Sessions::Table)
        .value(Sessions::LastSeenAt, now)
        .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

pub async fn delete(conn: Conn<'_>, token_hash: &str) -> Result<()> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Ends every session of a user (disabling, password reset).
pub async fn delete_for_user(conn: Conn<'_>, workspace: WorkspaceId, user: UserId) -> Result<u64> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Sessions::UserId).eq(user.as_uuid()))
        .to_owned();
    conn.execute(&statement).await
}

/// Forgets sessions that expired before `now`.
pub async fn delete_expired(conn: Conn<'_>, now: OffsetDateTime) -> Result<u64> {
    let statement = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::ExpiresAt).lt(now))
        .to_owned();
    conn.execute(&statement).await
}
