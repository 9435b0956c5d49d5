//! Request parsing and response shaping shared by every handler: JSON bodies with field-level
//! errors, query strings, path ids, `If-Match`, ETags and pages.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use closer_store::PageRequest;
use closer_store::records::PAGE_MAX;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use uuid::Uuid;

use super::AppState;
use super::problem::Problem;
use closer_store::access_defaults;

use crate::app::auth::{self, Authenticated};
use crate::app::{Ctx, Expected, Resource};

/// A JSON body. Malformed JSON is a 400; a body of the wrong shape is a 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = is_json(&request);
        let bytes = body_bytes(request, state).await?;
        if !is_json {
            return Err(not_json());
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out: no body at all stands for `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = is_json(&request);
        let bytes = body_bytes(request, state).await?;
        if bytes.is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        if !is_json {
            return Err(not_json());
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

fn not_json() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Unsupported media type",
        "send the body as JSON with Content-Type: application/json",
    )
}

async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(request, state).await.map_err(|e: BytesRejection| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
                "the body is larger than 1 MiB",
            )
        } else {
            Problem::bad_request(format!("could not read the body: {e}"))
        }
    })
}

/// Parses a JSON document into `T`, telling syntax errors (400) from shape errors (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Problem::bad_request(format!("malformed JSON: {e}")))?;
    integral_floats(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        Problem::field(field_of(&path, &message), message)
    })
}

/// Turns numbers written with a zero fraction (`100.0`) into integers: JSON does not tell them
/// apart, and clients in languages without an integer type send them so.
fn integral_floats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if number.is_f64() => {
            // Below 2^53 every whole float is exact, so the conversion loses nothing.
            if let Some(float) = number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                *value = serde_json::Value::from(float as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// The field an error is about: its path, or for a missing or unknown field, that field's name.
fn field_of(path: &str, message: &str) -> String {
    // A bad map key shows as `?` in the path; name the key instead.
    if let Some(prefix) = path.strip_suffix('?')
        && let Some(key) = message
            .strip_prefix("unknown variant `")
            .and_then(|rest| rest.split('`').next())
    {
        return format!("{prefix}{key}");
    }
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (_, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        (_, Some(name)) => format!("{path}.{name}"),
        (".", None) => "body".to_owned(),
        (_, None) => path.to_owned(),
    }
}

/// Query parameters; a bad or unknown parameter is a 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_problem(&rejection)),
        }
    }
}

fn query_problem(rejection: &QueryRejection) -> Problem {
    let text = rejection.body_text();
    let message = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    match message.split_once(": ") {
        Some((field, reason)) if !field.contains(' ') => Problem::field(field, reason),
        _ => Problem::field(field_of(".", message).replace("body", "query"), message),
    }
}

/// A record id in the path; anything but a UUID is a 404 naming the bad id.
pub struct ApiId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(raw)) => Uuid::parse_str(&raw)
                .map(ApiId)
                .map_err(|_| Problem::not_found(format!("'{raw}' is not a record id (ids are UUIDs)"))),
            Err(e @ PathRejection::FailedToDeserializePathParams(_)) => Err(Problem::bad_request(e.body_text())),
            Err(e) => Err(Problem::internal(e.body_text())),
        }
    }
}

/// The versions named by a required `If-Match` header: `*`, or a list of ETags such as `"3"`.
/// Tags that are not ours match nothing, so a garbled header fails the precondition (412).
pub struct IfMatch(pub Expected);

/// The versions named by an optional `If-Match` header (any version when absent).
pub struct OptionalIfMatch(pub Expected);

fn parse_if_match(headers: &HeaderMap) -> Option<Expected> {
    let values: Vec<&str> = headers
        .get_all(header::IF_MATCH)
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    if values.is_empty() {
        return None;
    }
    let tags: Vec<&str> = values.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
    if tags.contains(&"*") {
        return Some(Expected::Any);
    }
    let versions = tags
        .iter()
        .filter_map(|tag| {
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.strip_prefix('"')?.strip_suffix('"')?.parse::<i64>().ok()
        })
        .collect();
    Some(Expected::OneOf(versions))
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parse_if_match(&parts.headers).map(IfMatch).ok_or_else(|| {
            Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Precondition required",
                "send If-Match with the ETag of the version you read, so no one else's change is overwritten",
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for OptionalIfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        Ok(OptionalIfMatch(parse_if_match(&parts.headers).unwrap_or(Expected::Any)))
    }
}

/// The cookie that carries a session over TLS or on localhost (where browsers accept `Secure`).
pub const SECURE_SESSION_COOKIE: &str = "__Host-closer_session";
/// The cookie that carries a session over plain HTTP to another host.
pub const PLAIN_SESSION_COOKIE: &str = "closer_session";
/// The header a cookie-authenticated, state-changing request must carry its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of a cookie in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The authenticated caller of a request: its use-case context and how it signed in.
pub struct Caller {
    pub ctx: Ctx,
    pub auth: Authenticated,
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Finds who is calling: an API token (`Authorization: Bearer`) or a session cookie. Cookie
/// sessions must also prove, on state-changing requests, that the page sending them is ours.
async fn authenticate(state: &AppState, parts: &Parts) -> Result<Authenticated, Problem> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| Problem::unauthenticated("use Authorization: Bearer with an API token"))?;
        return auth::authenticate_token(&state.db, token).await?.ok_or_else(|| {
            Problem::unauthenticated("the API token is unknown, revoked, expired, or its user is disabled")
        });
    }
    let secret = cookie(&parts.headers, SECURE_SESSION_COOKIE)
        .or_else(|| cookie(&parts.headers, PLAIN_SESSION_COOKIE))
        .ok_or_else(|| Problem::unauthenticated("sign in (POST /api/v1/session) or send an API token"))?;
    let authenticated = auth::authenticate_session(&state.db, secret)
        .await?
        .ok_or_else(|| Problem::unauthenticated("the session has ended; sign in again"))?;
    if !is_safe(&parts.method) {
        let cross_site = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected = authenticated.csrf_token.as_deref().unwrap_or("");
        if cross_site || expected.is_empty() || !auth::same_secret(sent, expected) {
            return Err(Problem::forbidden(format!(
                "a signed-in request that changes data must carry the session's CSRF token in {CSRF_HEADER}"
            )));
        }
    }
    Ok(authenticated)
}

/// The use-case context of an authenticated request.
pub async fn context_for(app: &AppState, auth: &Authenticated, headers: &HeaderMap) -> Result<Ctx, Problem> {
    let mut conn = app.db.acquire().await?;
    let defaults = access_defaults::load(conn.conn(), auth.workspace).await?;
    drop(conn);
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Ctx {
        db: app.db.clone(),
        workspace: auth.workspace,
        principal: auth.principal.clone(),
        defaults,
        request_id,
        graphs: app.graphs.clone(),
    })
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let app = AppState::from_ref(state);
        let auth = authenticate(&app, parts).await?;
        let ctx = context_for(&app, &auth, &parts.headers).await?;
        Ok(Caller { ctx, auth })
    }
}

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Ok(Caller::from_request_parts(parts, state).await?.ctx)
    }
}

/// The ETag of a record version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// A record answered with its ETag.
pub struct Tagged<R>(pub R);

impl<R: Resource> IntoResponse for Tagged<R> {
    fn into_response(self) -> Response {
        let tag = etag(self.0.meta().version);
        let mut response = Json(self.0).into_response();
        response.headers_mut().insert(header::ETAG, tag);
        response
    }
}

/// A new record: 201 with its ETag and Location.
pub struct Created<R> {
    pub record: R,
    pub location: String,
}

impl<R: Resource> IntoResponse for Created<R> {
    fn into_response(self) -> Response {
        let mut response = Tagged(self.record).into_response();
        *response.status_mut() = StatusCode::CREATED;
        if let Ok(location) = HeaderValue::from_str(&self.location) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}

/// One page of a list; pass `next_after` as `after` to get the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T: ToSchema> {
    pub items: Vec<T>,
    /// The cursor for the next page; null on the last page.
    pub next_after: Option<Uuid>,
}

impl<T: ToSchema> From<closer_store::Page<T>> for PageBody<T> {
    fn from(page: closer_store::Page<T>) -> Self {
        PageBody {
            items: page.items,
            next_after: page.next_after,
        }
    }
}

/// The paging of a list that takes no filters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Checks the paging parameters of a list.
pub fn page_request(after: Option<Uuid>, limit: Option<u32>) -> Result<PageRequest, Problem> {
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > PAGE_MAX {
        return Err(Problem::field("limit", format!("must be between 1 and {PAGE_MAX}")));
    }
    Ok(PageRequest { after, limit })
}

/// The client's IP address, when the server was started with connection info.
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddress(
            info.map(|axum::extract::ConnectInfo(address)| address.ip().to_string()),
        ))
    }
}

/// A JSON answer with the ETag of `version`, for views that are not records themselves.
pub fn json_with_etag<T: Serialize>(status: StatusCode, version: i64, body: &T) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}
