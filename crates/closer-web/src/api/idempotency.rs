//! `Idempotency-Key` on POST: the first response to a key is stored and replayed to retries with
//! the same key and body; the same key with another body is refused (422), and a retry that
//! arrives while the first request still runs is told so (409).

use std::collections::BTreeMap;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use closer_store::idempotency::{self, Reservation, StoredResponse};
use sha2::{Digest, Sha256};

use super::extract::{PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE, cookie};
use super::problem::{Problem, problem_response};
use super::{AppState, BODY_LIMIT};
use crate::app::auth::secret_hash;
use crate::app::now;

const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

/// Keys belong to the credential that sent them, so two clients never see each other's answers.
fn client_scope(headers: &axum::http::HeaderMap) -> String {
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .or_else(|| cookie(headers, SECURE_SESSION_COOKIE))
        .or_else(|| cookie(headers, PLAIN_SESSION_COOKIE))
        .unwrap_or("anonymous");
    format!("credential:{}", secret_hash(credential))
}

/// Any non-blank header value of up to 255 bytes is a key; it is stored hashed, so its
/// characters do not matter.
fn stored_key(raw: &HeaderValue) -> Option<String> {
    let bytes = raw.as_bytes();
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    (!blank && bytes.len() <= 255).then(|| hex::encode(Sha256::digest(bytes)))
}

/// The middleware; requests other than POST, or without the header, pass straight through.
pub async fn idempotent_posts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw_key) = request.headers().get("idempotency-key").cloned() else {
        return next.run(request).await;
    };
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let fail = |problem: Problem| problem_response(&problem, request_id.clone());
    let Some(key) = stored_key(&raw_key) else {
        return fail(Problem::bad_request(
            "Idempotency-Key must be 1 to 255 bytes and not blank",
        ));
    };
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return fail(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
                "the body is larger than 1 MiB",
            ));
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.to_string());
    hasher.update([0]);
    hasher.update(&bytes);
    let hash = hex::encode(hasher.finalize());
    let workspace = state.installation.workspace;
    let scope = client_scope(&parts.headers);

    let reservation = match state.db.acquire().await {
        Ok(mut conn) => idempotency::reserve(conn.conn(), workspace, &scope, &key, &hash, now()).await,
        Err(e) => Err(e),
    };
    match reservation {
        Err(e) => fail(Problem::from(e)),
        Ok(Reservation::Mismatch) => fail(Problem::field(
            "Idempotency-Key",
            "this key was already used for a different request; use a new key for a new request",
        )),
        Ok(Reservation::InFlight) => fail(Problem::conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )),
        Ok(Reservation::Replay(stored)) => replay(stored),
        Ok(Reservation::Reserved) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            finish(&state, &scope, &key, response).await
        }
    }
}

async fn finish(state: &AppState, scope: &str, key: &str, response: Response) -> Response {
    let workspace = state.installation.workspace;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Problem::internal("could not buffer the response").into_response();
    };
    let outcome = match state.db.acquire().await {
        Ok(mut conn) if parts.status.is_server_error() => {
            idempotency::release(conn.conn(), workspace, scope, key).await
        }
        Ok(mut conn) => {
            let headers: BTreeMap<&str, &str> = KEPT_HEADERS
                .iter()
                .filter_map(|name| Some((name.as_str(), parts.headers.get(name)?.to_str().ok()?)))
                .collect();
            let stored = StoredResponse {
                status_code: parts.status.as_u16(),
                headers: serde_json::to_string(&headers).unwrap_or_else(|_| "{}".into()),
                body: bytes.to_vec(),
            };
            idempotency::complete(conn.conn(), workspace, scope, key, &stored).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record the idempotency key's response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status_code).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers: BTreeMap<String, String> = serde_json::from_str(&stored.headers).unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
