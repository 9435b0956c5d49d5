//! The pipeline board: a column per stage with its count and total, a card per deal.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::deal::DealMove;
use closer_domain::ids::{DealId, StageId, TeamId, UserId};
use closer_domain::money::{Currency, Money};
use closer_domain::playbook::DealKind;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Viewer, error_page, form_date, render, see_other, translated};
use crate::app::board::{self, BoardCard, BoardFilter};
use crate::app::{AppError, Expected, deals};

/// The board's filters as the filter form (or a card's move form) sends them; empty is "any".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    playbook: String,
    /// Only playbooks of this kind (`b2b`, `b2c`).
    #[serde(default)]
    kind: String,
    /// Only this user's deals.
    #[serde(default)]
    owner: String,
    /// Only this team's deals.
    #[serde(default)]
    team: String,
    /// Expected to close on or after / on or before (`YYYY-MM-DD`).
    #[serde(default)]
    close_from: String,
    #[serde(default)]
    close_to: String,
}

impl BoardQuery {
    /// The filters as a query string, to come back to the same board.
    fn query(&self) -> String {
        [
            ("playbook", &self.playbook),
            ("kind", &self.kind),
            ("owner", &self.owner),
            ("team", &self.team),
            ("close_from", &self.close_from),
            ("close_to", &self.close_to),
        ]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", urlencoding(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The same filters on another playbook's board.
    fn on_playbook(&self, key: &str) -> String {
        let other = BoardQuery {
            playbook: key.to_owned(),
            ..self.clone()
        };
        other.query()
    }

    /// The filters checked; `None` when one of them makes no sense (an error page says so).
    fn parse(&self) -> Option<ParsedFilters> {
        fn id(text: &str) -> Option<Option<Uuid>> {
            match text.trim() {
                "" => Some(None),
                text => Uuid::parse_str(text).ok().map(Some),
            }
        }
        fn day(text: &str) -> Option<Option<time::Date>> {
            match text.trim() {
                "" => Some(None),
                text => form_date(text, "day").ok().map(Some),
            }
        }
        Some(ParsedFilters {
            kind: match self.kind.trim() {
                "" => None,
                kind => Some(DealKind::parse(kind).ok()?),
            },
            owner: id(&self.owner)?.map(UserId),
            team: id(&self.team)?.map(TeamId),
            expected_close_from: day(&self.close_from)?,
            expected_close_to: day(&self.close_to)?,
        })
    }
}

struct ParsedFilters {
    kind: Option<DealKind>,
    owner: Option<UserId>,
    team: Option<TeamId>,
    expected_close_from: Option<time::Date>,
    expected_close_to: Option<time::Date>,
}

/// What the board's query string holds: its filters, and the column shown in full.
#[derive(Deserialize)]
pub struct BoardRequest {
    #[serde(flatten)]
    filters: BoardQuery,
    /// The stage whose column shows all its cards, not only the first ones.
    expand: Option<String>,
}

struct Tab {
    /// The query string of this playbook's board, with the same filters.
    query: String,
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
    /// Open next best actions, when known and any.
    to_do: Option<i64>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    playbook_key: String,
    /// The filters as sent, kept in the filter form and in every move.
    filters: BoardQuery,
    /// The filters as a query string, for the links that keep them.
    query: String,
    owners: Vec<(String, String)>,
    teams: Vec<(String, String)>,
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
        to_do: card.open_recommendations.filter(|count| *count > 0),
    }
}

pub async fn show(viewer: Viewer, Query(request): Query<BoardRequest>) -> Response {
    board_page(viewer, request.filters, request.expand.as_deref(), None, StatusCode::OK).await
}

/// The board the filters ask for, with a card's refused move shown on it.
async fn board_page(
    viewer: Viewer,
    filters: BoardQuery,
    expand: Option<&str>,
    mut refusal: Option<Refusal>,
    status: StatusCode,
) -> Response {
    let chrome = viewer.chrome;
    let Some(parsed) = filters.parse() else {
        return error_page(&chrome, StatusCode::BAD_REQUEST, "error.bad_filter");
    };
    let wanted = BoardFilter {
        playbook: Some(filters.playbook.trim()).filter(|key| !key.is_empty()),
        kind: parsed.kind,
        owner: parsed.owner,
        team: parsed.team,
        expected_close_from: parsed.expected_close_from,
        expected_close_to: parsed.expected_close_to,
        expanded: expand,
    };
    let loaded = match board::load(&viewer.ctx, &wanted).await {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return error_page(&chrome, StatusCode::NOT_FOUND, "error.no_playbook"),
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let tabs = loaded
        .playbooks
        .iter()
        .map(|p| Tab {
            query: filters.on_playbook(&p.key),
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
    let teams = loaded
        .teams
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let filters = BoardQuery {
        playbook: playbook_key.clone(),
        ..filters
    };
    render(
        &BoardPage {
            chrome,
            query: filters.query(),
            playbook_key,
            filters,
            owners,
            teams,
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
    /// A string: numbers do not survive `serde(flatten)` in forms.
    version: String,
    /// The board the card was moved on, to come back to.
    #[serde(flatten)]
    filters: BoardQuery,
}

/// Moves a card to another stage (by drag and drop, or by the card's own form from the
/// keyboard). A move the stage gates block leaves the card where it was and shows, on it, each
/// failed criterion, its difference and the action that satisfies it.
pub async fn move_card(mut viewer: Viewer, Path(id): Path<Uuid>, Form(form): Form<MoveForm>) -> Response {
    if let Some(refused) = viewer.refuse_forged(&form.csrf_token) {
        return refused;
    }
    let back = format!("/board?{}", form.filters.query());
    viewer.chrome.here = back.clone();
    let deal_id = DealId(id);
    let refuse = |message: String, criteria: Vec<FailedCriterion>| Refusal {
        deal_id,
        message,
        criteria,
    };
    let Ok(stage) = Uuid::parse_str(&form.stage_id) else {
        let refusal = refuse(viewer.chrome.text("board.move_unknown_stage").to_owned(), Vec::new());
        return board_page(
            viewer,
            form.filters,
            None,
            Some(refusal),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let request = DealMove {
        stage_id: StageId(stage),
        reason: None,
        lost_reason: None,
        lost_note: None,
        override_reason: None,
        competitor: None,
    };
    let Ok(version) = form.version.trim().parse::<i64>() else {
        return error_page(&viewer.chrome, StatusCode::BAD_REQUEST, "error.bad_form");
    };
    let expected = Expected::OneOf(vec![version]);
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
    board_page(viewer, form.filters, None, Some(refusal), status).await
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
