//! Signing in and proving who you are: passwords (argon2id), sessions kept in the database,
//! API tokens, login throttling, and the principal a request acts as.
//!
//! Invariants: secrets (session ids, tokens) are 256-bit random values stored only as SHA-256
//! hashes; a disabled user's sessions and tokens stop working on their next request; unknown
//! accounts cost the same password verification as known ones, so timing does not reveal them.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use closer_domain::access::{Principal, Role, TokenScope};
use closer_domain::ids::{TeamId, TokenId, UserId, WorkspaceId};
use closer_store::sessions::{self, Session};
use closer_store::tokens::{self, ApiToken};
use closer_store::{Db, teams, throttle, users};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::{AppError, AppResult, new_id, now};

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(24);
/// A session ends this long after sign-in, however busy.
pub const SESSION_ABSOLUTE: Duration = Duration::days(14);
/// Sign-in failures are counted over windows of this length.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures per account per window before it is locked until the window closes (at most 40
/// verifications per account per hour).
pub const ACCOUNT_FAILURES: i64 = 10;
/// Failures per client address per window before it is locked.
pub const ADDRESS_FAILURES: i64 = 100;
/// Password length limits, in characters. No composition rules, no forced rotation.
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A fresh random secret: 32 bytes from the operating system, hex-encoded.
pub fn random_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Conflict(format!("no randomness available: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a new password: 8–128 characters and not easily guessed (zxcvbn score ≥ 2, judged
/// against the user's own name and e-mail too).
pub fn check_password(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(format!("must be at least {PASSWORD_MIN} characters"));
    }
    if length > PASSWORD_MAX {
        return Err(format!("must be at most {PASSWORD_MAX} characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if (estimate.score() as u8) < 2 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".into());
        return Err(format!(
            "is too easy to guess ({hint}); a few uncommon words make a strong one"
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id (m=19456 KiB, t=2, p=1), off the async threads.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Conflict(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| AppError::Conflict(format!("hashing failed: {e}")))?
}

/// A hash to verify against when the account does not exist, so that both cases cost the same.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"closer-dummy-password-for-timing")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

/// True when `password` matches the stored hash (always false without one, after the same work).
pub async fn password_matches(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
        && known
}

/// The principal a user acts as: role and teams from the database, full scope.
pub async fn principal_for(db: &Db, workspace: WorkspaceId, user: &users::User) -> AppResult<Principal> {
    let role = Role::parse(&user.role).map_err(|e| AppError::Conflict(format!("stored role: {e}")))?;
    let mut conn = db.acquire().await?;
    let memberships = teams::memberships(conn.conn(), workspace, Some(user.user_id()), None).await?;
    Ok(Principal {
        user: user.user_id(),
        role,
        teams: memberships.iter().map(|m| TeamId(m.team_id)).collect(),
        managed: memberships
            .iter()
            .filter(|m| m.is_manager)
            .map(|m| TeamId(m.team_id))
            .collect(),
        scope: TokenScope::ReadWrite,
    })
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong e-mail or password")]
    Rejected,
    #[error("too many failed sign-ins; try again in {0} seconds")]
    Throttled(i64),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A new session: the secret for the cookie (never stored) and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
    pub user: users::User,
    pub expires_at: OffsetDateTime,
}

fn throttle_keys(email: &str, client_address: Option<&str>) -> Vec<(String, i64)> {
    let mut keys = vec![(format!("account:{}", email.trim().to_lowercase()), ACCOUNT_FAILURES)];
    if let Some(address) = client_address {
        keys.push((format!("address:{address}"), ADDRESS_FAILURES));
    }
    keys
}

/// Signs a user in with e-mail and password and opens a fresh session (a new id every time, so
/// a session id planted before sign-in is worthless).
pub async fn login(
    db: &Db,
    workspace: WorkspaceId,
    email: &str,
    password: &str,
    client_address: Option<&str>,
    user_agent: Option<&str>,
) -> Result<NewSession, LoginError> {
    let at = now();
    let keys = throttle_keys(email, client_address);
    {
        let mut conn = db.acquire().await.map_err(AppError::from)?;
        for (key, limit) in &keys {
            let counter = throttle::failures(conn.conn(), key, at, THROTTLE_WINDOW)
                .await
                .map_err(AppError::from)?;
            if counter.failures >= *limit {
                let retry = (counter.window_started_at + THROTTLE_WINDOW - at)
                    .whole_seconds()
                    .max(1);
                return Err(LoginError::Throttled(retry));
            }
        }
    }
    let mut conn = db.acquire().await.map_err(AppError::from)?;
    let user = users::by_email(conn.conn(), workspace, email.trim())
        .await
        .map_err(AppError::from)?;
    let hash = match &user {
        Some(u) if u.disabled_at.is_none() => users::password_hash(conn.conn(), workspace, u.user_id())
            .await
            .map_err(AppError::from)?,
        _ => None,
    };
    drop(conn);
    let verified = password.chars().count() <= PASSWORD_MAX && password_matches(password, hash).await;
    let mut tx = db.begin().await.map_err(AppError::from)?;
    let Some(user) = user.filter(|_| verified) else {
        for (key, _) in &keys {
            throttle::record_failure(tx.conn(), key, at, THROTTLE_WINDOW)
                .await
                .map_err(AppError::from)?;
        }
        tx.commit().await.map_err(AppError::from)?;
        return Err(LoginError::Rejected);
    };
    throttle::reset(tx.conn(), &keys[0].0).await.map_err(AppError::from)?;
    let secret = random_secret()?;
    let csrf_token = random_secret()?;
    let session = Session {
        token_hash: secret_hash(&secret),
        workspace_id: workspace.as_uuid(),
        user_id: user.id,
        csrf_token: csrf_token.clone(),
        created_at: at,
        last_seen_at: at,
        expires_at: at + SESSION_ABSOLUTE,
    };
    sessions::insert(tx.conn(), &session, client_address, user_agent)
        .await
        .map_err(AppError::from)?;
    sessions::delete_expired(tx.conn(), at).await.map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(NewSession {
        secret,
        csrf_token,
        user,
        expires_at: session.expires_at,
    })
}

/// Who a request is.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub workspace: WorkspaceId,
    pub principal: Principal,
    pub user: users::User,
    /// For cookie sessions: the token state-changing requests must echo (None for API tokens).
    pub csrf_token: Option<String>,
    /// For cookie sessions: the stored hash of the session secret.
    pub session_hash: Option<String>,
}

/// The user behind a session secret, if the session is alive and the user active.
pub async fn authenticate_session(db: &Db, secret: &str) -> AppResult<Option<Authenticated>> {
    let at = now();
    let hash = secret_hash(secret);
    let mut conn = db.acquire().await?;
    let Some(session) = sessions::find(conn.conn(), &hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= at || session.last_seen_at + SESSION_IDLE <= at {
        sessions::delete(conn.conn(), &hash).await?;
        return Ok(None);
    }
    let workspace = WorkspaceId(session.workspace_id);
    let Some(user) = users::get(conn.conn(), workspace, UserId(session.user_id)).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() {
        sessions::delete_for_user(conn.conn(), workspace, user.user_id()).await?;
        return Ok(None);
    }
    // Idle time is tracked to the minute; writing on every request would serialise reads.
    if at - session.last_seen_at > Duration::minutes(1) {
        sessions::touch(conn.conn(), &hash, at).await?;
    }
    drop(conn);
    let principal = principal_for(db, workspace, &user).await?;
    Ok(Some(Authenticated {
        workspace,
        principal,
        user,
        csrf_token: Some(session.csrf_token),
        session_hash: Some(hash),
    }))
}

/// The user behind an API token, if the token is live and the user active; the principal's
/// scope is the token's.
pub async fn authenticate_token(db: &Db, secret: &str) -> AppResult<Option<Authenticated>> {
    let at = now();
    let mut conn = db.acquire().await?;
    let Some(token) = tokens::find(conn.conn(), &secret_hash(secret)).await? else {
        return Ok(None);
    };
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= at) {
        return Ok(None);
    }
    let workspace = WorkspaceId(token.workspace_id);
    let Some(user) = users::get(conn.conn(), workspace, UserId(token.user_id)).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() {
        return Ok(None);
    }
    if token.last_used_at.is_none_or(|used| at - used > Duration::minutes(1)) {
        tokens::touch(conn.conn(), token.id, at).await?;
    }
    drop(conn);
    let mut principal = principal_for(db, workspace, &user).await?;
    principal.scope = TokenScope::parse(&token.scope).map_err(AppError::Conflict)?;
    Ok(Some(Authenticated {
        workspace,
        principal,
        user,
        csrf_token: None,
        session_hash: None,
    }))
}

/// Ends a session.
pub async fn logout(db: &Db, session_hash: &str) -> AppResult<()> {
    let mut conn = db.acquire().await?;
    sessions::delete(conn.conn(), session_hash).await?;
    Ok(())
}

/// Makes an API token for a user; the secret is returned once and stored only as a hash.
pub async fn create_token(
    db: &Db,
    workspace: WorkspaceId,
    user: UserId,
    name: &str,
    scope: TokenScope,
    expires_at: Option<OffsetDateTime>,
) -> AppResult<(ApiToken, String)> {
    let secret = format!("closer_{}", random_secret()?);
    let token = ApiToken {
        id: new_id(),
        workspace_id: workspace.as_uuid(),
        user_id: user.as_uuid(),
        name: name.to_owned(),
        scope: scope.as_str().to_owned(),
        created_at: now(),
        last_used_at: None,
        expires_at,
        revoked_at: None,
    };
    let mut conn = db.acquire().await?;
    tokens::insert(conn.conn(), &token, &secret_hash(&secret)).await?;
    Ok((token, secret))
}

/// Revokes one of the user's own tokens.
pub async fn revoke_token(db: &Db, workspace: WorkspaceId, user: UserId, id: TokenId) -> AppResult<bool> {
    let mut conn = db.acquire().await?;
    Ok(tokens::revoke(conn.conn(), workspace, user, id, now()).await?)
}
