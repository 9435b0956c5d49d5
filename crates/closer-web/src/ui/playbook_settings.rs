//! An administrator edits a playbook: its name and cycle budget (D7), and for every stage its
//! name, probability, target and rot days and the exit criteria it checks, each hard or soft,
//! chosen from the catalogue. Saving makes a new revision; deals keep the one they started in.

use std::collections::BTreeSet;

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::gates::{Gate, StageCriterion, catalogue};
use closer_domain::ids::PlaybookId;
use closer_domain::playbook::{DealStatus, Playbook};
use closer_domain::revision::{PlaybookRevisionDraft, StageDraft};
use closer_store::playbooks;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, refusal_message, render, see_other, translated};
use crate::app::{AppError, AppResult};

struct CriterionRow {
    key: String,
    text: String,
    /// `hard`, `soft`, or `off` (no longer checked).
    gate: String,
}

struct StageRow {
    index: usize,
    name: String,
    /// The stage's name in the viewer's language, for the heading.
    label: String,
    probability: String,
    target_days: String,
    rot_days: String,
    /// Closing stages (won, lost) check no criteria.
    working: bool,
    criteria: Vec<CriterionRow>,
    /// Catalogue criteria the stage does not check yet.
    addable: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "playbook_settings.html")]
struct PlaybookSettingsPage {
    chrome: Chrome,
    id: String,
    title: String,
    revision: i32,
    name: String,
    budget_min: String,
    budget_max: String,
    stages: Vec<StageRow>,
    /// Why saving was refused.
    refusal: Option<String>,
}

pub async fn edit(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    editor(viewer, PlaybookId(id), None).await
}

/// The editor of playbook `id`: as stored, or as the refused form held it.
async fn editor(viewer: Viewer, id: PlaybookId, refused: Option<(StatusCode, String, FormValues)>) -> Response {
    if !viewer.ctx.principal.is_admin() {
        return error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden");
    }
    let playbook = match load(&viewer, id).await {
        Ok(Some(playbook)) => playbook,
        Ok(None) => return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.no_playbook"),
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let (status, refusal, kept) = match refused {
        Some((status, message, kept)) => (status, Some(message), Some(kept)),
        None => (StatusCode::OK, None, None),
    };
    // A refused form shows what was typed; a fresh one, what is stored.
    let value = |name: &str, stored: String| match &kept {
        Some(kept) => kept.get(name).to_owned(),
        None => stored,
    };
    let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_default();
    let stages = playbook
        .stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            let field = |name: &str| format!("stage.{index}.{name}");
            let criteria: Vec<CriterionRow> = stage
                .criteria
                .iter()
                .map(|c| CriterionRow {
                    key: c.key.clone(),
                    text: criterion_text(&chrome, &c.key),
                    gate: value(&field(&format!("gate.{}", c.key)), c.gate.as_str().to_owned()),
                })
                .collect();
            let checked: BTreeSet<&str> = stage.criteria.iter().map(|c| c.key.as_str()).collect();
            let mut offered = BTreeSet::new();
            let addable = catalogue()
                .filter(|c| !checked.contains(c.key) && offered.insert(c.key))
                .map(|c| (c.key.to_owned(), criterion_text(&chrome, c.key)))
                .collect();
            StageRow {
                index,
                label: translated(&chrome, &format!("stage.{}", stage.key), &stage.name),
                name: value(&field("name"), stage.name.clone()),
                probability: value(&field("probability"), stage.probability.to_string()),
                target_days: value(&field("target_days"), days(stage.target_days)),
                rot_days: value(&field("rot_days"), days(stage.rot_days)),
                working: stage.status == DealStatus::Open,
                criteria,
                addable,
            }
        })
        .collect();
    let page = PlaybookSettingsPage {
        id: playbook.id.to_string(),
        title: translated(&chrome, &format!("playbook.{}", playbook.key), &playbook.name),
        revision: playbook.revision,
        name: value("name", playbook.name.clone()),
        budget_min: value("cycle_budget_min_days", playbook.cycle_budget_min_days.to_string()),
        budget_max: value("cycle_budget_max_days", playbook.cycle_budget_max_days.to_string()),
        stages,
        refusal,
        chrome,
    };
    render(&page, status)
}

async fn load(viewer: &Viewer, id: PlaybookId) -> AppResult<Option<Playbook>> {
    let mut conn = viewer.ctx.db.acquire().await?;
    Ok(playbooks::get(conn.conn(), viewer.ctx.workspace, id).await?)
}

fn criterion_text(chrome: &Chrome, key: &str) -> String {
    let english = catalogue().find(|c| c.key == key).map_or(key, |c| c.requirement);
    chrome.locale.criterion(key, english).to_owned()
}

/// A whole number typed into the form field `name` (none when empty); when it is not one,
/// `wrong` gets an error that names the field as the API does.
fn number(kept: &FormValues, name: &str, field: String, wrong: &mut Vec<(String, String)>) -> Option<i32> {
    match kept.get(name).trim() {
        "" => None,
        text => text
            .parse::<i32>()
            .map_err(|_| wrong.push((field, "give a whole number".to_owned())))
            .ok(),
    }
}

/// The revision the form asks for, or the fields it got wrong.
fn revision(current: &Playbook, kept: &FormValues) -> Result<PlaybookRevisionDraft, Vec<(String, String)>> {
    let mut wrong = Vec::new();
    let min = number(
        kept,
        "cycle_budget_min_days",
        "cycle_budget_min_days".into(),
        &mut wrong,
    );
    let max = number(
        kept,
        "cycle_budget_max_days",
        "cycle_budget_max_days".into(),
        &mut wrong,
    );
    let mut stages = Vec::with_capacity(current.stages.len());
    for (index, stage) in current.stages.iter().enumerate() {
        let name = |n: &str| format!("stage.{index}.{n}");
        let at = |n: &str| format!("stages[{index}].{n}");
        let probability = number(kept, &name("probability"), at("probability"), &mut wrong);
        let target_days = number(kept, &name("target_days"), at("target_days"), &mut wrong);
        let rot_days = number(kept, &name("rot_days"), at("rot_days"), &mut wrong);
        let mut criteria: Vec<StageCriterion> = Vec::new();
        for criterion in &stage.criteria {
            match kept.get(&name(&format!("gate.{}", criterion.key))) {
                "off" => {}
                gate => match Gate::parse(gate) {
                    Ok(gate) => criteria.push(StageCriterion {
                        key: criterion.key.clone(),
                        gate,
                    }),
                    Err(message) => wrong.push((at("criteria"), message)),
                },
            }
        }
        let added = kept.get(&name("add")).trim();
        if !added.is_empty() {
            match Gate::parse(kept.get(&name("add_gate"))) {
                Ok(gate) => criteria.push(StageCriterion {
                    key: added.to_owned(),
                    gate,
                }),
                Err(message) => wrong.push((at("criteria"), message)),
            }
        }
        stages.push(StageDraft {
            key: stage.key.clone(),
            name: kept.get(&name("name")).to_owned(),
            status: stage.status,
            probability: probability.unwrap_or(stage.probability),
            target_days,
            rot_days,
            guidance: Some(stage.guidance.clone()),
            criteria: Some(criteria),
        });
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(PlaybookRevisionDraft {
        name: Some(kept.get("name").to_owned()),
        cycle_budget_min_days: min,
        cycle_budget_max_days: max,
        stages: Some(stages),
        ..PlaybookRevisionDraft::default()
    })
}

pub async fn save(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let id = PlaybookId(id);
    let current = match load(&viewer, id).await {
        Ok(Some(current)) => current,
        Ok(None) => return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.no_playbook"),
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let outcome = match revision(&current, &kept) {
        Ok(draft) => crate::app::playbooks::revise(&viewer.ctx, id, &draft).await.map(|_| ()),
        Err(wrong) => {
            let errors = wrong.into_iter().fold(
                closer_domain::ValidationErrors::default(),
                |mut all, (field, message)| {
                    all.0.push(closer_domain::FieldError { field, message });
                    all
                },
            );
            Err(AppError::Invalid(errors))
        }
    };
    match outcome {
        Ok(()) => see_other("/settings#playbooks".into()),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => editor(viewer, id, Some((status, message, kept))).await,
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}
