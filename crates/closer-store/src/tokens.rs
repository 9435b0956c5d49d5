//! API tokens: bound to a user, shown once, stored as a hash, with a read or read-write scope.

use closer_domain::ids::{TokenId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::ApiTokens;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub scope: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: [ApiTokens; 9] = [
    ApiTokens::Id,
    ApiTokens::WorkspaceId,
    ApiTokens::UserId,
    ApiTokens::Name,
    ApiTokens::Scope,
    ApiTokens::CreatedAt,
    ApiTokens::LastUsedAt,
    ApiTokens::ExpiresAt,
    ApiTokens::RevokedAt,
];

pub async fn insert(conn: Conn<'_>, token: &ApiToken, token_hash: &str) -> Result<()> {
    let statement = Query::insert()
        .into_table(ApiTokens::Table)
        .columns([
            ApiTokens::WorkspaceId,
            ApiTokens::Id,
            ApiTokens::UserId,
            ApiTokens::Name,
            ApiTokens::TokenHash,
            ApiTokens::Scope,
            ApiTokens::CreatedAt,
            ApiTokens::ExpiresAt,
        ])
        .values_panic([
            token.workspace_id.into(),
            token.id.into(),
            token.user_id.into(),
            token.name.clone().into(),
            token_hash.into(),
            token.scope.clone().into(),
            token.created_at.into(),
            token.expires_at.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// The token with this secret hash, revoked or not.
pub async fn find(conn: Conn<'_>, token_hash: &str) -> Result<Option<ApiToken>> {
    let statement = Query::select()
        .columns(COLUMNS)
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::TokenHash).eq(token_hash))
        .to_owned();
    conn.fetch_optional(&statement).await
}

/// A user's tokens, newest first.
pub async fn list_for_user(conn: Conn<'_>, workspace: WorkspaceId, user: UserId) -> Result<Vec<ApiToken>> {
    let statement = Query::select()
        .columns(COLUMNS)
        .from(ApiTokens::Table)
        .and_where(Expr::col(ApiTokens::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ApiTokens::UserId).eq(user.as_uuid()))
        .order_by(ApiTokens::Id, Order::Desc)
        .to_owned();
    conn.fetch_all(&statement).await
}

pub async fn touch(conn: Conn<'_>, id: Uuid, now: OffsetDateTime) -> Result<()> {
    let statement = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::LastUsedAt, now)
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Revokes one of a user's tokens; false when the user has no such live token.
pub async fn revoke(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: UserId,
    id: TokenId,
    now: OffsetDateTime,
) -> Result<bool> {
    let statement = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RevokedAt, now)
        .and_where(Expr::col(ApiTokens::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ApiTokens::UserId).eq(user.as_uuid()))
        .and_where(Expr::col(ApiTokens::Id).eq(id.as_uuid()))
        .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Revokes every live token of a user (when the user is disabled).
pub async fn revoke_all_for_user(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: UserId,
    now: OffsetDateTime,
) -> Result<u64> {
    let statement = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RevokedAt, now)
        .and_where(Expr::col(ApiTokens::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ApiTokens::UserId).eq(user.as_uuid()))
        .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
        .to_owned();
    conn.execute(&statement).await
}
