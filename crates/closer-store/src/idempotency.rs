//! Idempotency keys for POST requests: the first response is stored and replayed to a retry with
//! the same key and body, so a retried create never creates twice.

use closer_domain::ids::WorkspaceId;
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::FromRow;
use time::{Duration, OffsetDateTime};

use crate::db::{Conn, Result};
use crate::schema::IdempotencyKeys;

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::hours(24);

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status_code: u16,
    /// JSON object of header name → value.
    pub headers: String,
    pub body: Vec<u8>,
}

/// What a key means for the request that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// First use: run the request, then [`complete`] or [`release`] the key.
    Reserved,
    /// Same key, same request, finished: answer with the stored response.
    Replay(StoredResponse),
    /// Same key, same request, still running.
    InFlight,
    /// Same key, a different request body.
    Mismatch,
}

#[derive(FromRow)]
struct KeyRow {
    request_hash: String,
    status_code: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
}

fn key_matches(workspace: WorkspaceId, scope: &str, key: &str) -> [Expr; 3] {
    [
        Expr::col(IdempotencyKeys::WorkspaceId).eq(workspace.as_uuid()),
        Expr::col(IdempotencyKeys::Scope).eq(scope),
        Expr::col(IdempotencyKeys::Key).eq(key),
    ]
}

/// Claims `key` for a request with body hash `request_hash`, or tells why it cannot.
/// Runs outside any transaction so the claim is visible to concurrent retries at once.
pub async fn reserve(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: OffsetDateTime,
) -> Result<Reservation> {
    // An expired key is forgotten before it is claimed again.
    let mut expired = Query::delete().from_table(IdempotencyKeys::Table).to_owned();
    for condition in key_matches(workspace, scope, key) {
        expired.and_where(condition);
    }
    expired.and_where(Expr::col(IdempotencyKeys::CreatedAt).lt(now - RETENTION));
    conn.reborrow().execute(&expired).await?;

    let claim = Query::insert()
        .into_table(IdempotencyKeys::Table)
        .columns([
            IdempotencyKeys::WorkspaceId,
            IdempotencyKeys::Scope,
            IdempotencyKeys::Key,
            IdempotencyKeys::RequestHash,
            IdempotencyKeys::CreatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            scope.into(),
            key.into(),
            request_hash.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                IdempotencyKeys::WorkspaceId,
                IdempotencyKeys::Scope,
                IdempotencyKeys::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    if conn.reborrow().execute(&claim).await? == 1 {
        return Ok(Reservation::Reserved);
    }
    let mut existing = Query::select()
        .columns([
            IdempotencyKeys::RequestHash,
            IdempotencyKeys::StatusCode,
            IdempotencyKeys::ResponseHeaders,
            IdempotencyKeys::ResponseBody,
        ])
        .from(IdempotencyKeys::Table)
        .to_owned();
    for condition in key_matches(workspace, scope, key) {
        existing.and_where(condition);
    }
    let Some(row) = conn.fetch_optional::<KeyRow, _>(&existing).await? else {
        // Released between our insert and read: the caller may simply retry.
        return Ok(Reservation::InFlight);
    };
    if row.request_hash != request_hash {
        return Ok(Reservation::Mismatch);
    }
    Ok(match row.status_code {
        None => Reservation::InFlight,
        Some(code) => Reservation::Replay(StoredResponse {
            status_code: u16::try_from(code).unwrap_or(500),
            headers: row.response_headers.unwrap_or_else(|| "{}".into()),
            body: row.response_body.unwrap_or_default(),
        }),
    })
}

/// Stores the response of a reserved key.
pub async fn complete(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<()> {
    let mut statement = Query::update()
        .table(IdempotencyKeys::Table)
        .value(IdempotencyKeys::StatusCode, i64::from(response.status_code))
        .value(IdempotencyKeys::ResponseHeaders, response.headers.clone())
        .value(IdempotencyKeys::ResponseBody, response.body.clone())
        .to_owned();
    for condition in key_matches(workspace, scope, key) {
        statement.and_where(condition);
    }
    conn.execute(&statement).await?;
    Ok(())
}

/// Forgets a reserved key whose request failed on our side, so a retry can run again.
pub async fn release(conn: Conn<'_>, workspace: WorkspaceId, scope: &str, key: &str) -> Result<()> {
    let mut statement = Query::delete().from_table(IdempotencyKeys::Table).to_owned();
    for condition in key_matches(workspace, scope, key) {
        statement.and_where(condition);
    }
    conn.execute(&statement).await?;
    Ok(())
}
