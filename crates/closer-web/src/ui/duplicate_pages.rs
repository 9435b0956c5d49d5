//! The duplicate finder's page: likely duplicates as pairs with their reasons, each with a
//! button to keep one and merge the other into it; and the warning shown by the forms that
//! make people and organisations.

use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::PartyId;
use closer_domain::party::PartyKind;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, refusal_message, render, see_other};
use crate::app::duplicates::{self, DuplicateMatch, DuplicateParty};
use crate::app::merges;
use crate::app::{AppError, Expected};

/// Reasons as the finder words them, and their keys in the viewer's language.
const REASONS: [(&str, &str); 6] = [
    ("same e-mail", "duplicates.same_email"),
    ("same phone", "duplicates.same_phone"),
    ("same web domain", "duplicates.same_domain"),
    ("same tax id", "duplicates.same_tax_id"),
    ("same name", "duplicates.same_name"),
    ("similar names at", "duplicates.similar_names_at"),
];

/// A reason in the viewer's language ("same e-mail ann@acme.example" → "相同邮箱 ann@…").
fn reason_text(chrome: &Chrome, reason: &str) -> String {
    for (said, key) in REASONS {
        if let Some(rest) = reason.strip_prefix(said) {
            return format!("{}{rest}", chrome.text(key));
        }
    }
    reason.to_owned()
}

/// A record a new one would duplicate, as a form shows it.
pub struct Match {
    pub href: String,
    pub name: String,
    pub reasons: String,
}

impl Match {
    pub fn of(chrome: &Chrome, kind: &str, found: DuplicateMatch) -> Match {
        Match {
            href: format!("/{kind}/{}", found.id),
            name: found.name,
            reasons: reasons_text(chrome, &found.reasons),
        }
    }
}

fn reasons_text(chrome: &Chrome, reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| reason_text(chrome, r))
        .collect::<Vec<_>>()
        .join(" · ")
}

struct Side {
    id: String,
    name: String,
    href: String,
}

impl Side {
    fn of(kind: &str, party: DuplicateParty) -> Side {
        Side {
            id: party.id.to_string(),
            href: format!("/{kind}/{}", party.id),
            name: party.name,
        }
    }
}

/// One way to settle a pair: keep this record, merge the other into it.
struct Choice {
    kept: String,
    kept_name: String,
    duplicate: String,
}

struct Pair {
    a: Side,
    b: Side,
    reasons: String,
    choices: [Choice; 2],
}

impl Pair {
    fn of(chrome: &Chrome, kind: &str, pair: duplicates::DuplicatePair) -> Pair {
        let (a, b) = (Side::of(kind, pair.a), Side::of(kind, pair.b));
        let keep = |kept: &Side, gone: &Side| Choice {
            kept: kept.id.clone(),
            kept_name: kept.name.clone(),
            duplicate: gone.id.clone(),
        };
        Pair {
            reasons: reasons_text(chrome, &pair.reasons),
            choices: [keep(&a, &b), keep(&b, &a)],
            a,
            b,
        }
    }
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    chrome: Chrome,
    /// `people` or `organisations`.
    kind: &'static str,
    pairs: Vec<Pair>,
    truncated: bool,
    /// The record just kept by a merge.
    merged: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
pub struct DuplicatesQuery {
    kind: Option<String>,
    merged: Option<Uuid>,
}

fn kind_of(text: &str) -> Option<(PartyKind, &'static str)> {
    match text {
        "" | "people" => Some((PartyKind::Person, "people")),
        "organisations" => Some((PartyKind::Organisation, "organisations")),
        _ => None,
    }
}

async fn page(
    viewer: Viewer,
    path_kind: &str,
    merged: Option<Uuid>,
    refusal: Option<(StatusCode, String)>,
) -> Response {
    let Some((kind, kind_name)) = kind_of(path_kind) else {
        return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.not_found");
    };
    let found = match duplicates::find(&viewer.ctx, kind).await {
        Ok(found) => found,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let pairs = found
        .pairs
        .into_iter()
        .map(|pair| Pair::of(&chrome, kind_name, pair))
        .collect();
    let (status, refusal) = match refusal {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    render(
        &DuplicatesPage {
            chrome,
            kind: kind_name,
            pairs,
            truncated: found.truncated,
            merged: merged.map(|id| format!("/{kind_name}/{id}")),
            refusal,
        },
        status,
    )
}

pub async fn show(viewer: Viewer, Query(query): Query<DuplicatesQuery>) -> Response {
    page(viewer, query.kind.as_deref().unwrap_or(""), query.merged, None).await
}

/// Keeps one record of a pair and merges the other into it.
pub async fn merge(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let sent = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(sent.get("csrf_token")) {
        return refused;
    }
    let kind_name = sent.get("kind").to_owned();
    let Some((kind, _)) = kind_of(&kind_name) else {
        return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.not_found");
    };
    let (Ok(kept), Ok(duplicate)) = (
        Uuid::parse_str(sent.get("kept")),
        Uuid::parse_str(sent.get("duplicate")),
    ) else {
        return error_page(&viewer.chrome, StatusCode::UNPROCESSABLE_ENTITY, "duplicates.choose");
    };
    let (kept, duplicate) = (PartyId(kept), PartyId(duplicate));
    let outcome = match kind {
        PartyKind::Person => merges::merge_people(&viewer.ctx, kept, duplicate, &Expected::Any).await,
        PartyKind::Organisation => merges::merge_organisations(&viewer.ctx, kept, duplicate, &Expected::Any).await,
    };
    match outcome {
        Ok(done) => see_other(format!("/duplicates?kind={kind_name}&merged={}", done.kept_id)),
        Err(AppError::Store(e)) => crate::api::problem::Problem::from(AppError::Store(e)).into_response(),
        Err(error) => {
            let refusal = refusal_message(&viewer.chrome, &error);
            page(viewer, &kind_name, None, refusal).await
        }
    }
}
