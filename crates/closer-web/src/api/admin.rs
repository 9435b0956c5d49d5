//! `/api/v1/users`, `/teams`, `/tokens` and `/access-defaults`: who works in Closer, in which
//! teams, with which rights; and each user's own API tokens.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use closer_domain::access::{AccessDefaults, TokenScope};
use closer_domain::ids::{TeamId, TokenId, UserId};
use closer_domain::user::{UserDraft, UserPatch, UserView};
use closer_store::tokens;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson};
use super::problem::{Problem, ProblemBody};
use crate::app::admin::{self, MemberDraft, TeamDraft, TeamView};
use crate::app::{Ctx, auth};

/// Lists every user (any signed-in user may, to pick owners and assignees).
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_users(ctx: Ctx) -> Result<Json<Vec<UserView>>, Problem> {
    Ok(Json(admin::list_users(&ctx).await?))
}

/// A user and, when it was generated, their first password (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: UserView,
    pub initial_password: Option<String>,
}

/// Adds a user (administrators only).
#[utoipa::path(post, path = "/users", tag = "users", request_body = UserDraft,
    responses((status = 201, body = CreatedUser),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_user(
    ctx: Ctx,
    ApiJson(draft): ApiJson<UserDraft>,
) -> Result<(StatusCode, Json<CreatedUser>), Problem> {
    let (user, initial_password) = admin::create_user(&ctx, &draft).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, initial_password })))
}

/// Reads one user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = UserView), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_user(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<UserView>, Problem> {
    Ok(Json(admin::get_user(&ctx, UserId(id)).await?))
}

/// Changes a user's e-mail, name, role or disabled state (administrators only). Disabling ends
/// every session and token of the user at once; the last active administrator stays one.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = String, Path, format = Uuid)), request_body = UserPatch,
    responses((status = 200, body = UserView),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_user(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<UserView>, Problem> {
    Ok(Json(admin::patch_user(&ctx, UserId(id), &patch).await?))
}

/// A new password, or nothing to have one generated.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// The generated password, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetPassword {
    pub password: Option<String>,
}

/// Sets a user's password and ends their sessions (administrators only).
#[utoipa::path(post, path = "/users/{id}/reset-password", tag = "users", params(("id" = String, Path, format = Uuid)),
    request_body = PasswordReset,
    responses((status = 200, body = ResetPassword),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn reset_password(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(reset): ApiJson<PasswordReset>,
) -> Result<Json<ResetPassword>, Problem> {
    let password = admin::reset_password(&ctx, UserId(id), reset.password.as_deref()).await?;
    Ok(Json(ResetPassword { password }))
}

/// Lists the teams and their members.
#[utoipa::path(get, path = "/teams", tag = "teams",
    responses((status = 200, body = Vec<TeamView>), (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_teams(ctx: Ctx) -> Result<Json<Vec<TeamView>>, Problem> {
    Ok(Json(admin::list_teams(&ctx).await?))
}

/// Creates a team (administrators only).
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = TeamDraft,
    responses((status = 201, body = TeamView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_team(
    ctx: Ctx,
    ApiJson(draft): ApiJson<TeamDraft>,
) -> Result<(StatusCode, Json<TeamView>), Problem> {
    Ok((StatusCode::CREATED, Json(admin::create_team(&ctx, &draft).await?)))
}

/// Reads one team.
#[utoipa::path(get, path = "/teams/{id}", tag = "teams", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = TeamView), (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_team(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<TeamView>, Problem> {
    Ok(Json(admin::get_team(&ctx, TeamId(id)).await?))
}

/// Renames a team (administrators only).
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams", params(("id" = String, Path, format = Uuid)), request_body = TeamDraft,
    responses((status = 200, body = TeamView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn rename_team(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<TeamDraft>,
) -> Result<Json<TeamView>, Problem> {
    Ok(Json(admin::rename_team(&ctx, TeamId(id), &draft).await?))
}

fn two_ids(team: &str, user: &str) -> Result<(TeamId, UserId), Problem> {
    let parse = |raw: &str| {
        Uuid::parse_str(raw).map_err(|_| Problem::not_found(format!("'{raw}' is not a record id (ids are UUIDs)")))
    };
    Ok((TeamId(parse(team)?), UserId(parse(user)?)))
}

/// Adds a user to a team or changes whether they manage it (administrators only).
#[utoipa::path(put, path = "/teams/{id}/members/{user_id}", tag = "teams",
    params(("id" = String, Path, format = Uuid), ("user_id" = String, Path, format = Uuid)), request_body = MemberDraft,
    responses((status = 200, body = TeamView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_member(
    ctx: Ctx,
    Path((team, user)): Path<(String, String)>,
    ApiJson(draft): ApiJson<MemberDraft>,
) -> Result<Json<TeamView>, Problem> {
    let (team, user) = two_ids(&team, &user)?;
    Ok(Json(admin::set_member(&ctx, team, user, &draft).await?))
}

/// Takes a user out of a team (administrators only).
#[utoipa::path(delete, path = "/teams/{id}/members/{user_id}", tag = "teams",
    params(("id" = String, Path, format = Uuid), ("user_id" = String, Path, format = Uuid)),
    responses((status = 200, body = TeamView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn remove_member(ctx: Ctx, Path((team, user)): Path<(String, String)>) -> Result<Json<TeamView>, Problem> {
    let (team, user) = two_ids(&team, &user)?;
    Ok(Json(admin::remove_member(&ctx, team, user).await?))
}

/// An API token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

fn token_view(token: tokens::ApiToken) -> Result<TokenView, Problem> {
    Ok(TokenView {
        id: TokenId(token.id),
        scope: TokenScope::parse(&token.scope).map_err(Problem::internal)?,
        name: token.name,
        created_at: token.created_at,
        last_used_at: token.last_used_at,
        expires_at: token.expires_at,
        revoked: token.revoked_at.is_some(),
    })
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    /// What the token is for ("nightly export").
    #[schema(value_type = closer_domain::text::NameText)]
    pub name: String,
    /// `read` or `read_write`; a token never does more than its user may.
    pub scope: TokenScope,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A new token and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenView,
    /// Send as `Authorization: Bearer <token>`.
    pub token_secret: String,
}

/// Lists your API tokens.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_tokens(ctx: Ctx) -> Result<Json<Vec<TokenView>>, Problem> {
    let mut conn = ctx.db.acquire().await?;
    let all = tokens::list_for_user(conn.conn(), ctx.workspace, ctx.actor()).await?;
    Ok(Json(all.into_iter().map(token_view).collect::<Result<_, _>>()?))
}

/// Makes an API token for yourself; its secret is shown once and stored only as a hash.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = TokenDraft,
    responses((status = 201, body = CreatedToken),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_token(
    ctx: Ctx,
    ApiJson(draft): ApiJson<TokenDraft>,
) -> Result<(StatusCode, Json<CreatedToken>), Problem> {
    if ctx.principal.scope == TokenScope::Read {
        return Err(Problem::forbidden("a read-only token cannot make tokens"));
    }
    let name = closer_domain::text::required(&draft.name, closer_domain::text::NAME_MAX)
        .map_err(|m| Problem::field("name", m))?;
    let (token, secret) = auth::create_token(
        &ctx.db,
        ctx.workspace,
        ctx.actor(),
        &name,
        draft.scope,
        draft.expires_at,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token_view(token)?,
            token_secret: secret,
        }),
    ))
}

/// Revokes one of your API tokens; it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = String, Path, format = Uuid)),
    responses((status = 204, description = "Revoked"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revoke_token(ctx: Ctx, ApiId(id): ApiId) -> Result<StatusCode, Problem> {
    if ctx.principal.scope == TokenScope::Read {
        return Err(Problem::forbidden("a read-only token cannot revoke tokens"));
    }
    if auth::revoke_token(&ctx.db, ctx.workspace, ctx.actor(), TokenId(id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("you have no live token {id}")))
    }
}

/// The org-wide access level of each record type.
#[utoipa::path(get, path = "/access-defaults", tag = "users",
    responses((status = 200, body = AccessDefaults), (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_access_defaults(ctx: Ctx) -> Json<AccessDefaults> {
    Json(ctx.defaults)
}

/// Sets the org-wide access level of each record type (administrators only).
#[utoipa::path(put, path = "/access-defaults", tag = "users", request_body = AccessDefaults,
    responses((status = 200, body = AccessDefaults),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_access_defaults(
    ctx: Ctx,
    ApiJson(defaults): ApiJson<AccessDefaults>,
) -> Result<Json<AccessDefaults>, Problem> {
    Ok(Json(admin::set_access_defaults(&ctx, &defaults).await?))
}
