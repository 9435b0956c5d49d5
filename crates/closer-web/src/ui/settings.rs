//! Settings for administrators: users with their roles and teams, teams with their managers, and
//! the playbooks with their stages, budgets and exit criteria. Changes go through the API today.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::gates::{Gate, catalogue};
use closer_store::playbooks;

use super::{Chrome, Viewer, error_page, render, translated};
use crate::app::admin;

struct UserRow {
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    teams: String,
}

struct TeamRow {
    name: String,
    members: Vec<(String, bool)>,
}

struct StageRow {
    name: String,
    target_days: String,
    rot_days: String,
    criteria: Vec<(String, bool)>,
}

struct PlaybookRow {
    name: String,
    revision: i32,
    budget: String,
    stages: Vec<StageRow>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    teams: Vec<TeamRow>,
    playbooks: Vec<PlaybookRow>,
}

pub async fn show(viewer: Viewer) -> Response {
    if !viewer.ctx.principal.is_admin() {
        return error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden");
    }
    let loaded = async {
        let users = admin::list_users(&viewer.ctx).await?;
        let teams = admin::list_teams(&viewer.ctx).await?;
        let mut conn = viewer.ctx.db.acquire().await?;
        let playbooks = playbooks::list(conn.conn(), viewer.ctx.workspace).await?;
        Ok::<_, crate::app::AppError>((users, teams, playbooks))
    }
    .await;
    let (users, teams, all_playbooks) = match loaded {
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
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: locale.text(&format!("user_role.{}", u.role.as_str())),
            disabled: u.disabled,
            teams: u
                .teams
                .iter()
                .filter_map(|m| team_names.get(&m.team_id).cloned())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let team_rows = teams
        .iter()
        .map(|t| TeamRow {
            name: t.name.clone(),
            members: t
                .members
                .iter()
                .map(|m| (user_names.get(&m.user_id).cloned().unwrap_or_default(), m.is_manager))
                .collect(),
        })
        .collect();
    let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    let playbook_rows = all_playbooks
        .iter()
        .filter(|p| p.is_default)
        .map(|p| PlaybookRow {
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
    render(
        &SettingsPage {
            chrome,
            users: users_rows,
            teams: team_rows,
            playbooks: playbook_rows,
        },
        StatusCode::OK,
    )
}
