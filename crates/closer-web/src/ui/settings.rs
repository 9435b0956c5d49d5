//! Settings for administrators: users with their roles, teams with their members and managers,
//! and the playbooks with their stages, budgets and exit criteria (edited in
//! `playbook_settings`). Every form goes through the same use cases as the API.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::access::Role;
use closer_domain::approvals::ApproverRole;
use closer_domain::gates::{Gate, catalogue};
use closer_domain::ids::{TeamId, UserId};
use closer_domain::user::{UserDraft, UserPatch};
use closer_store::playbooks;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, refusal_message, render, see_other, translated};
use crate::app::admin::{self, MemberDraft, TeamDraft};
use crate::app::{AppError, AppResult};

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    teams: String,
    /// Every approver role: value, label, held by this user.
    approver_roles: Vec<(&'static str, &'static str, bool)>,
    /// The roles held, as one line.
    approver_summary: String,
}

struct MemberRow {
    user_id: String,
    name: String,
    manager: bool,
}

struct TeamRow {
    id: String,
    name: String,
    members: Vec<MemberRow>,
}

struct StageRow {
    name: String,
    target_days: String,
    rot_days: String,
    criteria: Vec<(String, bool)>,
}

struct PlaybookRow {
    id: String,
    name: String,
    revision: i32,
    budget: String,
    stages: Vec<StageRow>,
}

/// What the last form did: refused (with why and what it held) or done (with what to say).
pub struct Outcome {
    /// Which form: `new_user`, `user:<id>`, `new_team`, `team:<id>`.
    form: String,
    message: String,
    refused: bool,
    kept: FormValues,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    teams: Vec<TeamRow>,
    playbooks: Vec<PlaybookRow>,
    roles: Vec<(&'static str, &'static str)>,
    /// Active users, for adding to a team.
    choices: Vec<(String, String)>,
    outcome: Option<Outcome>,
}

impl SettingsPage {
    /// Why the form `form` was refused, if it was.
    fn refused(&self, form: &str) -> Option<&str> {
        self.outcome
            .as_ref()
            .filter(|o| o.refused && o.form == form)
            .map(|o| o.message.as_str())
    }

    /// What the form `form` did, if it was the last one sent and it worked.
    fn done(&self, form: &str) -> Option<&str> {
        self.outcome
            .as_ref()
            .filter(|o| !o.refused && o.form == form)
            .map(|o| o.message.as_str())
    }

    /// What the refused form `form` held, so nothing typed is lost.
    fn kept(&self, form: &str, field: &str) -> &str {
        self.outcome
            .as_ref()
            .filter(|o| o.refused && o.form == form)
            .map_or("", |o| o.kept.get(field))
    }
}

pub async fn show(viewer: Viewer) -> Response {
    settings_page(viewer, None, StatusCode::OK).await
}

async fn settings_page(viewer: Viewer, outcome: Option<Outcome>, status: StatusCode) -> Response {
    if !viewer.ctx.principal.is_admin() {
        return error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden");
    }
    let loaded = async {
        let users = admin::list_users(&viewer.ctx).await?;
        let teams = admin::list_teams(&viewer.ctx).await?;
        let mut conn = viewer.ctx.db.acquire().await?;
        let playbooks = playbooks::list(conn.conn(), viewer.ctx.workspace).await?;
        let holders = closer_store::approvals::role_holders(conn.conn(), viewer.ctx.workspace, None).await?;
        Ok::<_, AppError>((users, teams, playbooks, holders))
    }
    .await;
    let (users, teams, all_playbooks, holders) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let locale = chrome.locale;
    let team_names: HashMap<_, _> = teams.iter().map(|t| (t.id, t.name.clone())).collect();
    let user_names: HashMap<_, _> = users.iter().map(|u| (u.id, u.display_name.clone())).collect();
    let requirement: HashMap<&str, &str> = catalogue().map(|c| (c.key, c.requirement)).collect();
    let users_rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role.as_str(),
            disabled: u.disabled,
            teams: u
                .teams
                .iter()
                .filter_map(|m| team_names.get(&m.team_id).cloned())
                .collect::<Vec<_>>()
                .join(", "),
            approver_roles: ApproverRole::ALL
                .iter()
                .map(|r| {
                    let held = holders.iter().any(|(user, role)| *user == u.id && role == r);
                    (r.as_str(), locale.text(&format!("approver_role.{}", r.as_str())), held)
                })
                .collect(),
            approver_summary: ApproverRole::ALL
                .iter()
                .filter(|r| holders.iter().any(|(user, role)| *user == u.id && role == *r))
                .map(|r| locale.text(&format!("approver_role.{}", r.as_str())))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let choices = users
        .iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id.to_string(), u.display_name.clone()))
        .collect();
    let team_rows = teams
        .iter()
        .map(|t| TeamRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            members: t
                .members
                .iter()
                .map(|m| MemberRow {
                    user_id: m.user_id.to_string(),
                    name: user_names.get(&m.user_id).cloned().unwrap_or_default(),
                    manager: m.is_manager,
                })
                .collect(),
        })
        .collect();
    let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    let playbook_rows = all_playbooks
        .iter()
        .filter(|p| p.is_default)
        .map(|p| PlaybookRow {
            id: p.id.to_string(),
            name: translated(&chrome, &format!("playbook.{}", p.key), &p.name),
            revision: p.revision,
            budget: format!("{}–{}", p.cycle_budget_min_days, p.cycle_budget_max_days),
            stages: p
                .stages
                .iter()
                .map(|s| StageRow {
                    name: translated(&chrome, &format!("stage.{}", s.key), &s.name),
                    target_days: days(s.target_days),
                    rot_days: days(s.rot_days),
                    criteria: s
                        .criteria
                        .iter()
                        .map(|c| {
                            let english = requirement.get(c.key.as_str()).copied().unwrap_or(c.key.as_str());
                            (locale.criterion(&c.key, english).to_owned(), c.gate == Gate::Hard)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), locale.text(&format!("user_role.{}", r.as_str()))))
        .collect();
    render(
        &SettingsPage {
            chrome,
            users: users_rows,
            teams: team_rows,
            playbooks: playbook_rows,
            roles,
            choices,
            outcome,
        },
        status,
    )
}

/// Back to the settings at `anchor` when the form worked; else the page again with the form
/// refused in place, holding what was typed.
async fn answer<T>(viewer: Viewer, form: String, kept: FormValues, outcome: AppResult<T>, anchor: &str) -> Response {
    match outcome {
        Ok(_) => see_other(format!("/settings#{anchor}")),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => {
                let outcome = Outcome {
                    form,
                    message,
                    refused: true,
                    kept,
                };
                settings_page(viewer, Some(outcome), status).await
            }
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}

/// The refusal of a settings form without this session's CSRF token or not from an admin.
fn refuse(viewer: &Viewer, kept: &FormValues) -> Option<Response> {
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return Some(refused);
    }
    (!viewer.ctx.principal.is_admin()).then(|| error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden"))
}

fn role(text: &str) -> AppResult<Role> {
    Role::parse(text).map_err(|m| closer_domain::ValidationErrors::single("role", m).into())
}

pub async fn add_user(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let created = async {
        let draft = UserDraft {
            email: kept.get("email").to_owned(),
            display_name: kept.get("display_name").to_owned(),
            role: role(kept.get("role"))?,
            password: Some(kept.get("password")).filter(|p| !p.is_empty()).map(str::to_owned),
        };
        admin::create_user(&viewer.ctx, &draft).await
    }
    .await;
    match created {
        // A generated password is shown once, here, for the admin to pass on.
        Ok((user, Some(password))) => {
            let message = format!(
                "{} {}: {password}",
                viewer.chrome.text("settings.password_once"),
                user.email
            );
            let outcome = Outcome {
                form: "new_user".into(),
                message,
                refused: false,
                kept: FormValues::default(),
            };
            settings_page(viewer, Some(outcome), StatusCode::CREATED).await
        }
        other => answer(viewer, "new_user".into(), kept, other, "users").await,
    }
}

pub async fn update_user(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let updated = async {
        let patch = UserPatch {
            role: Some(role(kept.get("role"))?),
            disabled: Some(kept.has("disabled", "on")),
            ..UserPatch::default()
        };
        admin::patch_user(&viewer.ctx, UserId(id), &patch).await
    }
    .await;
    answer(viewer, format!("user:{id}"), kept, updated, "users").await
}

/// Sets the approver roles a user holds, as the ticked boxes say.
pub async fn set_approver_roles(
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let set = async {
        let roles = kept
            .all("approver_role")
            .map(|r| {
                ApproverRole::parse(r)
                    .map_err(|m| AppError::from(closer_domain::ValidationErrors::single("approver_role", m)))
            })
            .collect::<AppResult<Vec<_>>>()?;
        crate::app::approvals::set_roles_of(&viewer.ctx, UserId(id), &roles).await
    }
    .await;
    answer(viewer, format!("user:{id}"), kept, set, "users").await
}

pub async fn add_team(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let draft = TeamDraft {
        name: kept.get("name").to_owned(),
    };
    let created = admin::create_team(&viewer.ctx, &draft).await;
    answer(viewer, "new_team".into(), kept, created, "teams").await
}

pub async fn rename_team(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let draft = TeamDraft {
        name: kept.get("name").to_owned(),
    };
    let renamed = admin::rename_team(&viewer.ctx, TeamId(id), &draft).await;
    answer(viewer, format!("team:{id}"), kept, renamed, "teams").await
}

/// Adds a user to a team, or changes whether they manage it.
pub async fn set_member(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let outcome = async {
        let user = Uuid::parse_str(kept.get("user_id"))
            .map_err(|_| closer_domain::ValidationErrors::single("user_id", "choose a user"))?;
        let draft = MemberDraft {
            is_manager: kept.has("is_manager", "on"),
        };
        admin::set_member(&viewer.ctx, TeamId(id), UserId(user), &draft).await
    }
    .await;
    answer(viewer, format!("team:{id}"), kept, outcome, "teams").await
}

pub async fn remove_member(
    viewer: Viewer,
    Path((team, user)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = refuse(&viewer, &kept) {
        return refused;
    }
    let removed = admin::remove_member(&viewer.ctx, TeamId(team), UserId(user)).await;
    answer(viewer, format!("team:{team}"), kept, removed, "teams").await
}
