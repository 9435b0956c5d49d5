//! `/api/v1/playbooks`: the playbooks deals follow, with their stages (read-only for now).

use axum::Json;
use closer_domain::ids::PlaybookId;
use closer_domain::playbook::Playbook;
use closer_store::playbooks;

use super::extract::ApiId;
use super::problem::{Problem, ProblemBody};
use crate::app::Ctx;

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
