//! `/api/v1/playbooks`: the playbooks deals follow, with their stages (read-only for now).

use axum::Json;
use closer_domain::ids::PlaybookId;
use closer_domain::playbook::Playbook;
use closer_store::playbooks;

use axum::http::StatusCode;
use closer_domain::gates::{Gate, catalogue};
use closer_domain::revision::PlaybookRevisionDraft;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{ApiId, ApiJson};
use super::problem::{Problem, ProblemBody};
use crate::app::{self, Ctx};

/// Lists the workspace's playbooks with their stages, B2C first.
#[utoipa::path(get, path = "/playbooks", tag = "playbooks", responses((status = 200, body = Vec<Playbook>)))]
pub async fn list_playbooks(ctx: Ctx) -> Result<Json<Vec<Playbook>>, Problem> {
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(playbooks::list(conn.conn(), ctx.workspace).await?))
}

/// Reads one playbook with its stages.
#[utoipa::path(get, path = "/playbooks/{id}", tag = "playbooks",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Playbook),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_playbook(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Playbook>, Problem> {
    let mut conn = ctx.db.acquire().await?;
    playbooks::get(conn.conn(), ctx.workspace, PlaybookId(id))
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no playbook with id {id}")))
}

/// Revises a playbook (administrators only): stages, budgets, and the exit criteria chosen from
/// the catalogue, each hard or soft. The answer is the new revision; deals already under way keep
/// the revision they started in.
#[utoipa::path(post, path = "/playbooks/{id}/revisions", tag = "playbooks",
    params(("id" = String, Path, format = Uuid)), request_body = PlaybookRevisionDraft,
    responses((status = 201, body = Playbook),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revise_playbook(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<PlaybookRevisionDraft>,
) -> Result<(StatusCode, Json<Playbook>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(app::playbooks::revise(&ctx, PlaybookId(id), &draft).await?),
    ))
}

/// A criterion of the catalogue, as admins choose them for stages.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueEntry {
    pub key: &'static str,
    /// The gate it has in the default playbooks.
    pub gate: Gate,
    pub differences: Vec<&'static str>,
    pub requirement: &'static str,
    pub action: &'static str,
}

/// Every exit criterion Closer can check, with the differences it comes from.
#[utoipa::path(get, path = "/playbooks/criteria", tag = "playbooks", responses((status = 200, body = Vec<CatalogueEntry>)))]
pub async fn criteria_catalogue(_ctx: Ctx) -> Json<Vec<CatalogueEntry>> {
    Json(
        catalogue()
            .map(|c| CatalogueEntry {
                key: c.key,
                gate: c.gate,
                differences: c.differences.to_vec(),
                requirement: c.requirement,
                action: c.action,
            })
            .collect(),
    )
}
