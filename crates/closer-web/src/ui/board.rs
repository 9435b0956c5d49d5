//! The pipeline board: a column per stage with its count and total, a card per deal.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::deal::DealMove;
use closer_domain::ids::{DealId, StageId, UserId};
use closer_domain::money::{Currency, Money};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Viewer, error_page, render, see_other, translated};
use crate::app::board::{self, BoardCard};
use crate::app::{AppError, Expected, deals};

#[derive(Deserialize)]
pub struct BoardQuery {
    playbook: Option<String>,
    /// Only this user's deals (empty: everyone's).
    owner: Option<String>,
    /// The stage whose column shows all its cards, not only the first ones.
    expand: Option<String>,
}

/// The owner filter: none when empty, an error page when it names no one.
fn owner_filter(text: Option<&str>) -> Result<Option<UserId>, ()> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => Uuid::parse_str(text).map(|id| Some(UserId(id))).map_err(|_| ()),
    }
}

struct Tab {
    key: String,
    name: String,
    active: bool,
}

struct Column {
    key: String,
    name: String,
    count: String,
    total: String,
    cards: Vec<Card>,
    more: usize,
}

struct Target {
    id: String,
    key: String,
    name: String,
    current: bool,
}

/// Why the last move of a card did not happen, shown on the card.
pub struct Refusal {
    deal_id: DealId,
    message: String,
    criteria: Vec<FailedCriterion>,
}

struct FailedCriterion {
    requirement: String,
    differences: String,
    action: String,
}

struct Card {
    id: String,
    version: i64,
    targets: Vec<Target>,
    refusal: Option<Refusal>,
    title: String,
    counterparty: String,
    amount: String,
    owner: String,
    /// Days since the deal was created, as the last health run found.
    age_days: Option<i64>,
    rotting: bool,
    over_budget: bool,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    playbook_key: String,
    /// The owner filter as sent, kept in the filter form and in moves.
    owner: String,
    owners: Vec<(String, String)>,
    tabs: Vec<Tab>,
    columns: Vec<Column>,
}

fn card(chrome: &Chrome, card: BoardCard, refusal: &mut Option<Refusal>) -> Card {
    let health = card.health.as_ref();
    let targets = card
        .targets
        .iter()
        .map(|stage| Target {
            id: stage.id.to_string(),
            key: stage.key.clone(),
            name: translated(chrome, &format!("stage.{}", stage.key), &stage.name),
            current: stage.id == card.deal.progress.stage_id,
        })
        .collect();
    Card {
        id: card.deal.id.to_string(),
        version: card.deal.meta.version,
        targets,
        refusal: refusal.take_if(|r| r.deal_id == card.deal.id),
        amount: chrome.locale.money(&card.deal.terms.amount),
        title: card.deal.terms.title,
        counterparty: card.counterparty,
        owner: card.owner,
        age_days: health.map(|h| h.cycle_age_days),
        rotting: health.is_some_and(|h| h.rotting),
        over_budget: health.is_some_and(|h| h.over_budget),
    }
}

pub async fn show(viewer: Viewer, Query(query): Query<BoardQuery>) -> Response {
    let owner = query.owner.unwrap_or_default();
    let view = BoardView {
        key: query.playbook.as_deref(),
        owner: &owner,
        expand: query.expand.as_deref(),
    };
    board_page(viewer, view, None, StatusCode::OK).await
}

/// The board of the playbook with `key`, with a card's refused move shown on it.
/// Which board, filtered how.
struct BoardView<'a> {
    key: Option<&'a str>,
    owner: &'a str,
    expand: Option<&'a str>,
}

async fn board_page(viewer: Viewer, view: BoardView<'_>, mut refusal: Option<Refusal>, status: StatusCode) -> Response {
    let BoardView { key, owner, expand } = view;
    let chrome = viewer.chrome;
    let Ok(owner_id) = owner_filter(Some(owner)) else {
        return error_page(&chrome, StatusCode::BAD_REQUEST, "error.bad_filter");
    };
    let loaded = match board::load(&viewer.ctx, key, owner_id, expand).await {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return error_page(&chrome, StatusCode::NOT_FOUND, "error.no_playbook"),
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let tabs = loaded
        .playbooks
        .iter()
        .map(|p| Tab {
            key: p.key.clone(),
            name: translated(&chrome, &format!("playbook.{}", p.key), &p.name),
            active: p.id == loaded.playbook.id,
        })
        .collect();
    let columns = loaded
        .columns
        .into_iter()
        .map(|column| {
            let total = column
                .totals
                .iter()
                .filter_map(|(code, minor)| {
                    let currency = Currency::parse(code).ok()?;
                    Some(chrome.locale.money(&Money {
                        amount_minor: *minor,
                        currency,
                    }))
                })
                .collect::<Vec<_>>()
                .join(" + ");
            Column {
                key: column.stage.key.clone(),
                name: translated(&chrome, &format!("stage.{}", column.stage.key), &column.stage.name),
                count: chrome.locale.number(i64::try_from(column.count).unwrap_or(i64::MAX)),
                more: column.count.saturating_sub(column.cards.len()),
                total,
                cards: column
                    .cards
                    .into_iter()
                    .map(|c| card(&chrome, c, &mut refusal))
                    .collect(),
            }
        })
        .collect();
    let playbook_key = loaded.playbook.key;
    let owners = loaded
        .owners
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let owner = owner.trim().to_owned();
    render(
        &BoardPage {
            chrome,
            playbook_key,
            owner,
            owners,
            tabs,
            columns,
        },
        status,
    )
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    stage_id: String,
    version: i64,
    #[serde(default)]
    playbook: String,
    #[serde(default)]
    owner: String,
}

/// Moves a card to another stage (by drag and drop, or by the card's own form from the
/// keyboard). A move the stage gates block leaves the card where it was and shows, on it, each
/// failed criterion, its difference and the action that satisfies it.
pub async fn move_card(mut viewer: Viewer, Path(id): Path<Uuid>, Form(form): Form<MoveForm>) -> Response {
    if let Some(refused) = viewer.refuse_forged(&form.csrf_token) {
        return refused;
    }
    let key = (!form.playbook.is_empty()).then_some(form.playbook.as_str());
    let mut back = format!("/board?playbook={}", urlencoding(key.unwrap_or("")));
    if !form.owner.trim().is_empty() {
        back.push_str(&format!("&owner={}", urlencoding(form.owner.trim())));
    }
    viewer.chrome.here = back.clone();
    let deal_id = DealId(id);
    let refuse = |message: String, criteria: Vec<FailedCriterion>| Refusal {
        deal_id,
        message,
        criteria,
    };
    let Ok(stage) = Uuid::parse_str(&form.stage_id) else {
        let refusal = refuse(viewer.chrome.text("board.move_unknown_stage").to_owned(), Vec::new());
        let view = BoardView {
            key,
            owner: &form.owner,
            expand: None,
        };
        return board_page(viewer, view, Some(refusal), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let request = DealMove {
        stage_id: StageId(stage),
        reason: None,
        lost_reason: None,
        lost_note: None,
        override_reason: None,
        competitor: None,
    };
    let expected = Expected::OneOf(vec![form.version]);
    let (status, refusal) = match deals::move_deal(&viewer.ctx, deal_id, &expected, &request).await {
        Ok(_) => return see_other(back),
        Err(AppError::GateBlocked(check)) => {
            let criteria = check
                .blocking
                .into_iter()
                .map(|c| FailedCriterion {
                    requirement: viewer.chrome.locale.criterion(&c.key, &c.requirement).to_owned(),
                    differences: c.differences.join(", "),
                    action: viewer.chrome.locale.criterion_action(&c.key, &c.action).to_owned(),
                })
                .collect();
            (
                StatusCode::CONFLICT,
                refuse(viewer.chrome.text("board.move_blocked").to_owned(), criteria),
            )
        }
        Err(AppError::StaleVersion { .. }) => (
            StatusCode::CONFLICT,
            refuse(viewer.chrome.text("board.move_stale").to_owned(), Vec::new()),
        ),
        Err(AppError::Invalid(errors) | AppError::MissingReference(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            (StatusCode::UNPROCESSABLE_ENTITY, refuse(message, Vec::new()))
        }
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, refuse(message, Vec::new())),
        Err(other) => return crate::api::problem::Problem::from(other).into_response(),
    };
    let view = BoardView {
        key,
        owner: &form.owner,
        expand: None,
    };
    board_page(viewer, view, Some(refusal), status).await
}

/// Percent-encodes a query value (playbook keys are plain, but a form can send anything).
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
