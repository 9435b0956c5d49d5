//! First start: a fresh database gets its workspace, a first user and the default playbooks.

use closer_domain::ids::{PlaybookId, StageId, UserId, WorkspaceId};
use closer_domain::playbook::{DEFAULT_PLAYBOOKS, Playbook, PlaybookTemplate, Stage};
use closer_store::workspaces::{self, Workspace};
use closer_store::{Db, playbooks, users};
use uuid::Uuid;

use closer_domain::ValidationErrors;
use closer_domain::user::parse_login_email;

use super::{AppError, AppResult, auth, new_id, now};

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
        revision: 1,
        is_default: true,
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
                criteria: closer_domain::gates::default_criteria(stage.key),
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

/// Who the first administrator is.
#[derive(Clone, Default)]
pub struct AdminSetup {
    /// Sign-in e-mail; `admin@closer.local` when empty.
    pub email: String,
    /// The password; generated (and returned once) when `None`.
    pub password: Option<String>,
}

impl std::fmt::Debug for AdminSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSetup")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The installation, and on first start the administrator and their generated password (to show
/// once).
#[derive(Debug, Clone)]
pub struct Started {
    pub installation: Installation,
    /// Set on first start only.
    pub created_admin: Option<String>,
    pub generated_password: Option<String>,
}

/// Returns the installation, creating the workspace, its administrator and the default playbooks
/// on first start.
pub async fn ensure_installation(db: &Db, setup: &AdminSetup) -> AppResult<Started> {
    if let Some(installation) = find(db).await? {
        return Ok(Started {
            installation,
            created_admin: None,
            generated_password: None,
        });
    }
    let email = if setup.email.trim().is_empty() {
        "admin@closer.local"
    } else {
        setup.email.as_str()
    };
    let email = parse_login_email(email).map_err(|m| ValidationErrors::single("admin_email", m))?;
    let (password, generated) = match &setup.password {
        Some(password) => (password.clone(), None),
        None => {
            let password = auth::random_secret()?[..20].to_owned();
            (password.clone(), Some(password))
        }
    };
    auth::check_password(&password, &[&email]).map_err(|m| ValidationErrors::single("admin_password", m))?;
    let hash = auth::hash_password(&password).await?;
    let at = now();
    let workspace = Workspace {
        id: DEFAULT_WORKSPACE,
        name: "Closer".into(),
    };
    let admin = users::User {
        id: new_id(),
        email: email.clone(),
        display_name: "Administrator".into(),
        role: "admin".into(),
        disabled_at: None,
        language: None,
        time_zone: None,
    };
    let mut tx = db.begin().await?;
    match workspaces::insert(tx.conn(), &workspace, at).await {
        Ok(()) => {}
        // Another server created it first; use theirs.
        Err(e) if e.is_unique_violation() => {
            drop(tx);
            let installation = find(db)
                .await?
                .ok_or_else(|| AppError::Conflict("workspace creation raced".into()))?;
            return Ok(Started {
                installation,
                created_admin: None,
                generated_password: None,
            });
        }
        Err(e) => return Err(e.into()),
    }
    let workspace_id = workspace.workspace_id();
    users::insert(tx.conn(), workspace_id, &admin, Some(&hash), at).await?;
    for template in &DEFAULT_PLAYBOOKS {
        playbooks::insert(tx.conn(), workspace_id, &playbook_from(template), true, at).await?;
    }
    tx.commit().await?;
    Ok(Started {
        installation: Installation {
            workspace: workspace_id,
            admin: admin.user_id(),
        },
        created_admin: Some(email),
        generated_password: generated,
    })
}
