//! The people and organisations lists: search over names, e-mails and phones, keyset pages.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_store::PageRequest;
use closer_store::parties::{self, PartyFilter};
use closer_store::records::PAGE_MAX;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Viewer, error_page, render};
use crate::app::AppResult;

const PAGE_DEFAULT: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
    limit: Option<u32>,
}

struct Row {
    name: String,
    details: Vec<String>,
}

#[derive(Template)]
#[template(path = "parties.html")]
struct PartiesPage {
    chrome: Chrome,
    /// `people` or `organisations`: the path and the texts.
    kind: &'static str,
    title: &'static str,
    q: String,
    rows: Vec<Row>,
    /// The link to the next page, when there is one.
    next: Option<String>,
}

/// The query string for the page after `after`, keeping the search.
fn next_link(kind: &str, q: &str, after: Option<Uuid>, limit: u32) -> Option<String> {
    let encoded: String = q
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    after.map(|after| format!("/{kind}?q={encoded}&after={after}&limit={limit}"))
}

fn page_request(query: &ListQuery) -> Result<PageRequest, ()> {
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        Some(text) => Some(Uuid::parse_str(text).map_err(|_| ())?),
        None => None,
    };
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    if limit == 0 || limit > PAGE_MAX {
        return Err(());
    }
    Ok(PageRequest { after, limit })
}

async fn people_rows(viewer: &Viewer, filter: &PartyFilter, page: PageRequest) -> AppResult<(Vec<Row>, Option<Uuid>)> {
    let ctx = &viewer.ctx;
    let mut conn = ctx.db.acquire().await?;
    let found = parties::list_people(conn.conn(), ctx.workspace, &ctx.visibility(), filter, page).await?;
    let rows = found
        .items
        .into_iter()
        .map(|p| {
            let mut details: Vec<String> = p.fields.emails.iter().map(|e| e.as_str().to_owned()).collect();
            details.extend(p.fields.phones.iter().map(|n| n.as_str().to_owned()));
            Row {
                name: p.fields.name,
                details,
            }
        })
        .collect();
    Ok((rows, found.next_after))
}

async fn organisation_rows(
    viewer: &Viewer,
    filter: &PartyFilter,
    page: PageRequest,
) -> AppResult<(Vec<Row>, Option<Uuid>)> {
    let ctx = &viewer.ctx;
    let mut conn = ctx.db.acquire().await?;
    let found = parties::list_organisations(conn.conn(), ctx.workspace, &ctx.visibility(), filter, page).await?;
    let rows = found
        .items
        .into_iter()
        .map(|o| {
            let details = [o.fields.industry, o.fields.region, o.fields.website]
                .into_iter()
                .flatten()
                .collect();
            Row {
                name: o.fields.name,
                details,
            }
        })
        .collect();
    Ok((rows, found.next_after))
}

async fn list(viewer: Viewer, query: ListQuery, kind: &'static str) -> Response {
    let Ok(page) = page_request(&query) else {
        return error_page(&viewer.chrome, StatusCode::BAD_REQUEST, "error.bad_filter");
    };
    let q = query.q.trim().to_owned();
    let filter = PartyFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        ..Default::default()
    };
    let found = if kind == "people" {
        people_rows(&viewer, &filter, page).await
    } else {
        organisation_rows(&viewer, &filter, page).await
    };
    let (rows, after) = match found {
        Ok(found) => found,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let title = chrome.text(if kind == "people" {
        "nav.people"
    } else {
        "nav.organisations"
    });
    let next = next_link(kind, &q, after, page.limit);
    render(
        &PartiesPage {
            chrome,
            kind,
            title,
            q,
            rows,
            next,
        },
        StatusCode::OK,
    )
}

pub async fn people(viewer: Viewer, Query(query): Query<ListQuery>) -> Response {
    list(viewer, query, "people").await
}

pub async fn organisations(viewer: Viewer, Query(query): Query<ListQuery>) -> Response {
    list(viewer, query, "organisations").await
}
