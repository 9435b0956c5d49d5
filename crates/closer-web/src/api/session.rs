//! `/api/v1/session`: signing in and out with e-mail and password. A session lives in a cookie
//! (`__Host-closer_session` over TLS and on localhost); scripts use API tokens instead.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use closer_domain::access::TokenScope;
use closer_domain::user::{Preferences, UserView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::AppState;
use super::extract::{ApiJson, Caller, ClientAddress, PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE};
use super::problem::{Problem, ProblemBody};
use crate::app::auth::{self, LoginError, SESSION_ABSOLUTE};
use crate::app::{self, Ctx};

/// E-mail and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

/// Who is signed in, and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    /// For cookie sessions: send it back in `X-CSRF-Token` on every request that changes data.
    pub csrf_token: Option<String>,
    /// `session` or `token`.
    pub via: &'static str,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// True when the browser will keep a `Secure` cookie: the request came over TLS (as a proxy
/// says) or to the local machine.
pub fn secure_context(headers: &HeaderMap) -> bool {
    let forwarded_tls = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    forwarded_tls || matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

pub(crate) fn session_cookie(headers: &HeaderMap, value: &str, max_age: i64) -> String {
    if secure_context(headers) {
        format!("{SECURE_SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax; Secure")
    } else {
        format!("{PLAIN_SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")
    }
}

/// Signs in. Answers with the user and the CSRF token, and sets the session cookie. Too many
/// failures for one account (10 in 15 minutes) or one client address (100) lock it until the
/// window closes (429 with `Retry-After`).
#[utoipa::path(post, path = "/session", tag = "session", request_body = LoginRequest,
    security(()),
    responses((status = 201, body = SessionView, headers(("Set-Cookie" = String))),
              (status = 400, body = ProblemBody, content_type = "application/problem+json"),
              (status = 401, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 429, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, Problem> {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let session = match auth::login(
        &state.db,
        state.installation.workspace,
        &request.email,
        &request.password,
        address.as_deref(),
        agent,
    )
    .await
    {
        Ok(session) => session,
        Err(LoginError::Rejected) => return Err(Problem::unauthenticated("wrong e-mail or password")),
        Err(LoginError::Throttled(seconds)) => {
            return Err(Problem::too_many(
                seconds,
                format!("too many failed sign-ins; try again in {seconds} seconds"),
            ));
        }
        Err(LoginError::App(e)) => return Err(e.into()),
    };
    let principal = auth::principal_for(&state.db, state.installation.workspace, &session.user).await?;
    let ctx = Ctx {
        db: state.db.clone(),
        workspace: state.installation.workspace,
        principal,
        defaults: Default::default(),
        request_id: None,
        graphs: state.graphs.clone(),
    };
    let user = app::admin::get_user(&ctx, session.user.user_id()).await?;
    let body = SessionView {
        user,
        csrf_token: Some(session.csrf_token),
        via: "session",
        scope: TokenScope::ReadWrite,
        expires_at: Some(session.expires_at),
    };
    let cookie = session_cookie(&headers, &session.secret, SESSION_ABSOLUTE.whole_seconds());
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Who is signed in.
#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, body = SessionView),
              (status = 401, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn current_session(caller: Caller) -> Result<Json<SessionView>, Problem> {
    let user = app::admin::get_user(&caller.ctx, caller.ctx.actor()).await?;
    let via = if caller.auth.session_hash.is_some() {
        "session"
    } else {
        "token"
    };
    Ok(Json(SessionView {
        user,
        csrf_token: caller.auth.csrf_token,
        via,
        scope: caller.ctx.principal.scope,
        expires_at: None,
    }))
}

/// Signs out: the session ends on the server and its cookie is cleared.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204, description = "Signed out"),
              (status = 401, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn logout(caller: Caller, headers: HeaderMap) -> Result<Response, Problem> {
    let Some(hash) = caller.auth.session_hash else {
        return Err(Problem::conflict(
            "this request uses an API token, not a session; revoke the token instead",
        ));
    };
    auth::logout(&caller.ctx.db, &hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(&headers, "", 0))],
    )
        .into_response())
}

/// The current and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    /// 8–128 characters, not easily guessed.
    #[schema(format = Password)]
    pub new_password: String,
}

/// Changes your own password. Every session of yours ends; sign in again.
#[utoipa::path(post, path = "/session/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed"),
              (status = 401, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn change_password(ctx: Ctx, ApiJson(change): ApiJson<PasswordChange>) -> Result<StatusCode, Problem> {
    app::admin::change_own_password(&ctx, &change.current_password, &change.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets your own preferences: the language of the web application (null follows the browser).
#[utoipa::path(put, path = "/session/preferences", tag = "session", request_body = Preferences,
    responses((status = 200, body = UserView),
              (status = 401, body = ProblemBody, content_type = "application/problem+json"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_preferences(ctx: Ctx, ApiJson(preferences): ApiJson<Preferences>) -> Result<Json<UserView>, Problem> {
    Ok(Json(app::admin::set_own_preferences(&ctx, &preferences).await?))
}
