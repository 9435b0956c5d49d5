//! The new-deal form: a B2B deal for an organisation or a B2C deal for a person. Errors are shown
//! next to their fields and everything typed stays in the form.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::deal::{DealDraft, LeadSource};
use closer_domain::ids::PartyId;
use closer_domain::money::Currency;
use closer_domain::playbook::DealKind;
use closer_store::PageRequest;
use closer_store::parties::{self, PartyFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Locale, Viewer, form_date, render, see_other};
use crate::app::{AppError, AppResult, Ctx, deals};

/// Counterparties the picker offers; more than this needs the search of the lists.
const PICKER_LIMIT: u32 = 200;
pub(super) const CURRENCIES: [&str; 6] = ["CNY", "USD", "EUR", "GBP", "HKD", "JPY"];

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// What was typed, kept as text so an error loses nothing.
#[derive(Deserialize, Default)]
pub struct DealForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    counterparty_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    lead_source: String,
}

#[derive(Template)]
#[template(path = "deal_form.html")]
struct DealFormPage {
    chrome: Chrome,
    b2b: bool,
    form: DealForm,
    counterparties: Vec<Choice>,
    currencies: Vec<Choice>,
    lead_sources: Vec<Choice>,
    errors: HashMap<String, String>,
}

impl DealFormPage {
    fn error(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
pub struct NewDealQuery {
    kind: Option<String>,
}

pub async fn new_deal(viewer: Viewer, Query(query): Query<NewDealQuery>) -> Response {
    let currency = match viewer.chrome.locale {
        Locale::Zh => "CNY",
        Locale::En => "USD",
    };
    let form = DealForm {
        kind: query.kind.filter(|k| k == "b2c").unwrap_or_else(|| "b2b".to_owned()),
        currency: currency.to_owned(),
        ..Default::default()
    };
    form_page(viewer, form, HashMap::new(), StatusCode::OK).await
}

async fn form_page(viewer: Viewer, form: DealForm, errors: HashMap<String, String>, status: StatusCode) -> Response {
    let b2b = form.kind != "b2c";
    let counterparties = match counterparty_choices(&viewer.ctx, b2b, &form.counterparty_id).await {
        Ok(choices) => choices,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let currencies = CURRENCIES
        .iter()
        .map(|code| Choice {
            value: (*code).to_owned(),
            label: (*code).to_owned(),
            selected: form.currency == *code,
        })
        .collect();
    let lead_sources = LeadSource::ALL
        .iter()
        .map(|source| Choice {
            value: source.as_str().to_owned(),
            label: chrome.text(&format!("lead_source.{}", source.as_str())).to_owned(),
            selected: form.lead_source == source.as_str(),
        })
        .collect();
    render(
        &DealFormPage {
            chrome,
            b2b,
            form,
            counterparties,
            currencies,
            lead_sources,
            errors,
        },
        status,
    )
}

async fn counterparty_choices(ctx: &Ctx, b2b: bool, selected: &str) -> AppResult<Vec<Choice>> {
    let mut conn = ctx.db.acquire().await?;
    let page = PageRequest {
        after: None,
        limit: PICKER_LIMIT,
    };
    let filter = PartyFilter::default();
    let mut named: Vec<(PartyId, String)> = if b2b {
        let found = parties::list_organisations(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page).await?;
        found.items.into_iter().map(|o| (o.id, o.fields.name)).collect()
    } else {
        let found = parties::list_people(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page).await?;
        found.items.into_iter().map(|p| (p.id, p.fields.name)).collect()
    };
    named.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(named
        .into_iter()
        .map(|(id, label)| Choice {
            selected: id.to_string() == selected,
            value: id.to_string(),
            label,
        })
        .collect())
}

/// An amount in minor units as the form shows it for editing (`12500.50`).
pub(super) fn amount_text(amount: &closer_domain::money::Money) -> String {
    amount.decimal()
}

/// An amount as people type it (`12,500.50`) in minor units of `currency`.
pub(super) fn parse_amount(text: &str, currency: &str) -> Result<i64, String> {
    let digits = Currency::parse(currency)
        .map(|c| u32::from(c.minor_digits()))
        .unwrap_or(2);
    parse_decimal(text, digits).map_err(|wrong| match wrong {
        DecimalError::NotANumber => "write the amount as a number, such as 12500 or 12,500.50".into(),
        DecimalError::TooPrecise => format!("{currency} has {digits} decimal places"),
        DecimalError::TooLarge => "the amount is too large".into(),
    })
}

/// A percentage as people type it (`12.5`, `12.5%`) in basis points.
pub(super) fn parse_percent(text: &str) -> Result<i64, String> {
    parse_decimal(text.trim().trim_end_matches('%'), 2).map_err(|wrong| match wrong {
        DecimalError::NotANumber | DecimalError::TooLarge => "write a percentage, such as 15 or 12.5".into(),
        DecimalError::TooPrecise => "at most two decimal places".into(),
    })
}

/// Basis points as a form shows them for editing (`12.5`).
pub(super) fn percent_text(basis_points: i64) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    match hundredths {
        0 => whole.to_string(),
        h if h % 10 == 0 => format!("{whole}.{}", h / 10),
        h => format!("{whole}.{h:02}"),
    }
}

enum DecimalError {
    NotANumber,
    TooPrecise,
    TooLarge,
}

/// A non-negative decimal number with at most `digits` decimal places, scaled to a whole number
/// (`12.5` with 2 digits is 1250). Thousands separators are ignored; empty is 0.
fn parse_decimal(text: &str, digits: u32) -> Result<i64, DecimalError> {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | ' ' | '_' | '，')).collect();
    if cleaned.is_empty() {
        return Ok(0);
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let numeric = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !numeric(whole) || !numeric(fraction) {
        return Err(DecimalError::NotANumber);
    }
    if fraction.len() > digits as usize {
        return Err(DecimalError::TooPrecise);
    }
    let padded = format!("{fraction:0<width$}", width = digits as usize);
    let whole: i64 = whole.parse().map_err(|_| DecimalError::TooLarge)?;
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| DecimalError::TooLarge)?
    };
    whole
        .checked_mul(10_i64.pow(digits))
        .and_then(|w| w.checked_add(fraction))
        .ok_or(DecimalError::TooLarge)
}

fn draft(form: &DealForm) -> Result<DealDraft, HashMap<String, String>> {
    let mut errors = HashMap::new();
    let kind = DealKind::parse(&form.kind).unwrap_or(DealKind::B2b);
    let counterparty = Uuid::parse_str(&form.counterparty_id).map(PartyId);
    if counterparty.is_err() {
        let message = if kind == DealKind::B2b {
            "choose the organisation"
        } else {
            "choose the person"
        };
        errors.insert("counterparty_id".to_owned(), message.to_owned());
    }
    let amount = parse_amount(&form.amount, &form.currency.to_ascii_uppercase())
        .map_err(|message| errors.insert("amount".to_owned(), message));
    let expected_close = match form.expected_close.trim() {
        "" => None,
        text => form_date(text, "expected close")
            .map_err(|message| errors.insert("expected_close".to_owned(), message))
            .ok(),
    };
    let lead_source = match form.lead_source.as_str() {
        "" => None,
        text => LeadSource::parse(text)
            .map_err(|message| errors.insert("lead_source".to_owned(), message))
            .ok(),
    };
    match (counterparty, amount) {
        (Ok(counterparty_id), Ok(amount_minor)) if errors.is_empty() => Ok(DealDraft {
            title: form.title.clone(),
            kind,
            counterparty_id,
            playbook_id: None,
            stage_id: None,
            amount_minor,
            currency: form.currency.clone(),
            expected_close,
            lead_source,
            competitor: None,
            qualification: Default::default(),
        }),
        _ => Err(errors),
    }
}

pub async fn create(viewer: Viewer, Form(form): Form<DealForm>) -> Response {
    if let Some(refused) = viewer.refuse_forged(&form.csrf_token) {
        return refused;
    }
    let draft = match draft(&form) {
        Ok(draft) => draft,
        Err(errors) => return form_page(viewer, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match deals::create_deal(&viewer.ctx, &draft).await {
        Ok(deal) => see_other(format!("/deals/{}", deal.id)),
        Err(AppError::Invalid(errors) | AppError::MissingReference(errors)) => {
            let errors = errors
                .0
                .into_iter()
                .map(|e| {
                    let field = if e.field == "amount_minor" {
                        "amount".to_owned()
                    } else {
                        e.field
                    };
                    (field, e.message)
                })
                .collect();
            form_page(viewer, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Forbidden(_)) => super::error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden"),
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_are_read_as_people_type_them() {
        assert_eq!(parse_amount("12,500.5", "USD"), Ok(1_250_050));
        assert_eq!(parse_amount(" 1 000 ", "JPY"), Ok(1000));
        assert_eq!(parse_amount("", "CNY"), Ok(0));
        assert!(parse_amount("1.234", "USD").is_err());
        assert!(parse_amount("1.5", "JPY").is_err());
        assert!(parse_amount("-5", "USD").is_err());
        assert!(parse_amount("12abc", "USD").is_err());
        assert!(parse_amount("99999999999999999999", "USD").is_err());
        assert_eq!(super::parse_percent("12.5%"), Ok(1_250));
        assert_eq!(super::parse_percent(" 15 "), Ok(1_500));
        assert!(super::parse_percent("12.345").is_err());
        assert!(super::parse_percent("-3").is_err());
        assert_eq!(
            [1_250, 1_500, 1_234, 5].map(super::percent_text),
            ["12.5", "15", "12.34", "0.05"]
        );
    }
}
