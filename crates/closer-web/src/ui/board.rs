//! The pipeline board: a column per stage with its count and total, a card per deal.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::money::{Currency, Money};
use serde::Deserialize;

use super::{Chrome, Viewer, error_page, render};
use crate::app::board::{self, BoardCard};

#[derive(Deserialize)]
pub struct BoardQuery {
    playbook: Option<String>,
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

struct Card {
    id: String,
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
    tabs: Vec<Tab>,
    columns: Vec<Column>,
}

/// A name in the viewer's language: the translation of `key` when there is one (the default
/// playbooks and their stages), else the name an admin gave it.
fn translated(chrome: &Chrome, key: &str, name: &str) -> String {
    let text = chrome.text(key);
    if text == "?" { name.to_owned() } else { text.to_owned() }
}

fn card(chrome: &Chrome, card: BoardCard) -> Card {
    let health = card.health.as_ref();
    Card {
        id: card.deal.id.to_string(),
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
    let chrome = viewer.chrome;
    let loaded = match board::load(&viewer.ctx, query.playbook.as_deref()).await {
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
                cards: column.cards.into_iter().map(|c| card(&chrome, c)).collect(),
            }
        })
        .collect();
    render(&BoardPage { chrome, tabs, columns }, StatusCode::OK)
}
