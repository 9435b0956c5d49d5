//! RFC 9457 problem details: every error the API returns, and the one place that renders them.
//!
//! A handler or extractor answers with a [`Problem`]; the [`render_problems`] middleware turns it
//! into `application/problem+json` with the request id, and logs server-side failures with their
//! cause. Clients never see causes, SQL or paths.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use closer_domain::gates::CriterionResult;
use closer_domain::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemBody {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The id of the request, also in the `x-request-id` header and the server log.
    pub request_id: Option<String>,
    /// The rejected fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a move the stage gates block: each criterion not met (hard ones first), with the
    /// difference it comes from and the action that satisfies it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<CriterionResult>,
}

/// An error answer, before it is rendered.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Logged for 5xx answers, never sent.
    pub cause: Option<String>,
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    pub headers: Vec<(HeaderName, String)>,
    pub criteria: Vec<CriterionResult>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            cause: None,
            headers: Vec::new(),
            criteria: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid input", detail)
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the server failed to answer; quote the request id when reporting it",
            )
        }
    }

    /// No credentials, or credentials that no longer work.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self {
            headers: vec![(header::WWW_AUTHENTICATE, "Bearer realm=\"closer\"".into())],
            ..Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Sign-in required", detail)
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    pub fn too_many(retry_after_seconds: i64, detail: impl Into<String>) -> Self {
        Self {
            headers: vec![(header::RETRY_AFTER, retry_after_seconds.to_string())],
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
                detail,
            )
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
    }
}

impl From<ValidationErrors> for Problem {
    fn from(errors: ValidationErrors) -> Self {
        Problem::invalid(errors.0)
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound { entity, id } => Problem::not_found(format!("no {entity} with id {id}")),
            AppError::Deleted { entity, id } => Problem::not_found(format!(
                "{entity} {id} was deleted; POST to its /restore path to bring it back"
            )),
            AppError::Invalid(errors) => errors.into(),
            AppError::MissingReference(errors) => Problem {
                status: StatusCode::NOT_FOUND,
                kind: "missing-reference",
                title: "Referenced record not found",
                ..Problem::invalid(errors.0)
            },
            AppError::StaleVersion { expected, current } => Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "Precondition failed",
                format!("If-Match names {expected}, but the record is at version {current}; reload it and retry"),
            ),
            AppError::Conflict(detail) => Problem::conflict(detail),
            AppError::Forbidden(detail) => Problem::forbidden(detail),
            AppError::GateBlocked(gates) => {
                let detail = gates
                    .blocking
                    .iter()
                    .map(|c| format!("{} ({}): {}", c.requirement, c.differences.join(", "), c.action))
                    .collect::<Vec<_>>()
                    .join("; ");
                Problem {
                    criteria: gates.blocking.into_iter().chain(gates.warnings).collect(),
                    ..Problem::new(StatusCode::CONFLICT, "gate-blocked", "Stage gate not met", detail)
                }
            }
            AppError::Store(e) if e.is_contention() => Problem::unavailable("the database is busy; retry in a moment"),
            // A concurrent write took the same unique value first (the checks before the write
            // saw it free): the loser is told, never a 500.
            AppError::Store(e) if e.is_unique_violation() => {
                Problem::conflict("a concurrent change took the same unique value (SKU, revision…); reload and retry")
            }
            AppError::Store(e) => Problem::internal(e),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders [`Problem`]s left in response extensions as problem+json bodies with the request id.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    if problem.status.is_server_error() {
        tracing::error!(
            request_id = request_id.as_deref().unwrap_or("-"),
            %method,
            %path,
            status = problem.status.as_u16(),
            cause = problem.cause.as_deref().unwrap_or("-"),
            "request failed"
        );
    }
    problem_response(&problem, request_id)
}

pub fn problem_response(problem: &Problem, request_id: Option<String>) -> Response {
    let body = ProblemBody {
        kind: format!("urn:closer:problem:{}", problem.kind),
        title: problem.title.to_owned(),
        status: problem.status.as_u16(),
        detail: problem.detail.clone(),
        request_id,
        errors: problem.errors.clone(),
        criteria: problem.criteria.clone(),
    };
    let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (problem.status, json).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    for (name, value) in &problem.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name.clone(), value);
        }
    }
    response
}

/// The answer for a panic caught in a handler: a plain 500 problem; the panic is logged.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".into());
    Problem::internal(format!("panic: {message}")).into_response()
}

/// The answer for a path no route serves.
pub async fn no_route() -> Problem {
    Problem::not_found("no such resource; see /api/docs for the API")
}

/// The answer for a method a route does not support.
pub async fn wrong_method() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this resource does not support this method",
    )
}

impl From<closer_store::StoreError> for Problem {
    fn from(error: closer_store::StoreError) -> Self {
        AppError::from(error).into()
    }
}
