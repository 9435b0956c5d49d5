//! Receivables: what customers owe on the deals the viewer sees, per currency and by how late.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::billing::AgingBucket;
use closer_domain::money::{Currency, Money};

use super::{Chrome, Viewer, render};
use crate::app::billing;

struct CurrencyRow {
    currency: String,
    total: String,
    invoices: usize,
    /// Bucket label and amount, in age order.
    buckets: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "receivables.html")]
struct ReceivablesPage {
    chrome: Chrome,
    headers: Vec<&'static str>,
    currencies: Vec<CurrencyRow>,
}

pub async fn show(viewer: Viewer) -> Response {
    let owed = match billing::receivables(&viewer.ctx).await {
        Ok(owed) => owed,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let locale = chrome.locale;
    let headers = AgingBucket::ALL
        .iter()
        .map(|b| locale.text(&format!("aging.{}", b.as_str())))
        .collect();
    let currencies = owed
        .currencies
        .iter()
        .map(|c| {
            let money = |amount_minor: i64| match Currency::parse(&c.currency) {
                Ok(currency) => locale.money(&Money { amount_minor, currency }),
                Err(_) => amount_minor.to_string(),
            };
            CurrencyRow {
                currency: c.currency.clone(),
                total: money(c.total_minor),
                invoices: c.invoices,
                buckets: AgingBucket::ALL
                    .iter()
                    .map(|b| {
                        let amount = c.buckets.get(b.as_str()).copied().unwrap_or(0);
                        (b.as_str(), money(amount))
                    })
                    .collect(),
            }
        })
        .collect();
    render(
        &ReceivablesPage {
            chrome,
            headers,
            currencies,
        },
        StatusCode::OK,
    )
}
