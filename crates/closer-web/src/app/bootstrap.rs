//! First start: a fresh database gets its workspace, a first user and the default playbooks.

use closer_domain::ids::{PlaybookId, StageId, UserId, WorkspaceId};
use closer_domain::playbook::{DEFAULT_PLAYBOOKS, Playbook, PlaybookTemplate, Stage};
use closer_store::workspaces::{self, Workspace};
use closer_store::{Db, playbooks, users};
use uuid::Uuid;

use super::{AppError, AppResult, new_id, now};

/// The id of the workspace a fresh installation creates. Fixed, so that two servers starting
/// at once on one database agree on it instead of creating two.
pub const DEFAULT_WORKSPACE: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

/// The workspace the server serves and the user that acts when no one is signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installation {
    pub workspace: WorkspaceId,
    pub admin: UserId,
}

/// Builds a playbook with fresh ids from a template.
pub fn playbook_from(template: &PlaybookTemplate) -> Playbook {
    Playbook {
        id: PlaybookId(new_id()),
        key: template.key.to_owned(),
        name: template.name.to_owned(),
        kind: template.kind,
        allow_skip: template.allow_skip,
        allow_backward: template.allow_backward,
        cycle_budget_min_days: template.cycle_budget_min_days,
        cycle_budget_max_days: template.cycle_budget_max_days,
        won_at: template.won_at,
        stages: template
            .stages
            .iter()
            .zip(1..)
            .map(|(stage, position)| Stage {
                id: StageId(new_id()),
                key: stage.key.to_owned(),
                name: stage.name.to_owned(),
                position,
                status: stage.status,
                probability: stage.probability,
                target_days: stage.target_days,
                rot_days: stage.rot_days,
                guidance: stage.guidance.to_owned(),
            })
            .collect(),
    }
}

async fn find(db: &Db) -> AppResult<Option<Installation>> {
    let mut conn = db.acquire().await?;
    let Some(workspace) = workspaces::first(conn.conn()).await? else {
        return Ok(None);
    };
    let admin = users::list(conn.conn(), workspace.workspace_id())
        .await?
        .into_iter()
        .find(|u| u.role == "admin")
        .ok_or_else(|| AppError::Conflict("the workspace has no admin user".into()))?;
    Ok(Some(Installation {
        workspace: workspace.workspace_id(),
        admin: admin.user_id(),
    }))
}

/// Returns the installation, creating the workspace, its admin and the default playbooks on
/// first start.
pub async fn ensure_installation(db: &Db) -> AppResult<Installation> {
    if let Some(found) = find(db).await? {
        return Ok(found);
    }
    let at = now();
    let workspace = Workspace {
        id: DEFAULT_WORKSPACE,
        name: "Closer".into(),
    };
    let admin = users::User {
        id: new_id(),
        email: "admin@closer.local".into(),
        display_name: "Administrator".into(),
        role: "admin".into(),
    };
    let mut tx = db.begin().await?;
    match workspaces::insert(tx.conn(), &workspace, at).await {
        Ok(()) => {}
        // Another server created it first; use theirs.
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            return find(db)
                .await?
                .ok_or_else(|| AppError::Conflict("workspace creation raced".into()));
        }
        Err(e) => return Err(e.into()),
    }
    let workspace_id = workspace.workspace_id();
    users::insert(tx.conn(), workspace_id, &admin, at).await?;
    for template in &DEFAULT_PLAYBOOKS {
        playbooks::insert(tx.conn(), workspace_id, &playbook_from(template), true, at).await?;
    }
    tx.commit().await?;
    Ok(Installation {
        workspace: workspace_id,
        admin: admin.user_id(),
    })
}
