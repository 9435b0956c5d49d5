//! The people and organisations lists: search over names, e-mails and phones, keyset pages.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::activity::SubjectType;
use closer_domain::ids::PartyId;
use closer_domain::party::{Organisation, Person};
use closer_store::PageRequest;
use closer_store::deals::{self, DealFilter};
use closer_store::employments::{self, EmploymentFilter};
use closer_store::meetings::{self, MeetingFilter};
use closer_store::notes::{self, NoteFilter};
use closer_store::parties::{self, PartyFilter};
use closer_store::records::PAGE_MAX;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Viewer, error_page, render};
use crate::app::{AppError, AppResult, get};

const PAGE_DEFAULT: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// `1`: only the records the viewer owns.
    #[serde(default)]
    mine: String,
    after: Option<String>,
    limit: Option<u32>,
}

struct Row {
    href: String,
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
    mine: bool,
    /// The list as shown, as a CSV file.
    export: String,
    rows: Vec<Row>,
    /// The link to the next page, when there is one.
    next: Option<String>,
    /// The form that adds one, and its label key.
    new: (String, &'static str),
}

fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The query string for the page after `after`, keeping the search and the owner filter.
fn next_link(kind: &str, q: &str, mine: bool, after: Option<Uuid>, limit: u32) -> Option<String> {
    let encoded = encoded(q);
    let mine = if mine { "&mine=1" } else { "" };
    after.map(|after| format!("/{kind}?q={encoded}{mine}&after={after}&limit={limit}"))
}

/// The list as shown, every page of it, as a CSV file.
fn export_link(kind: &str, q: &str, owner: Option<closer_domain::ids::UserId>) -> String {
    let owner = owner.map(|id| format!("&owner_id={id}")).unwrap_or_default();
    format!("/api/v1/{kind}/export?q={}{owner}", encoded(q))
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
                href: format!("/people/{}", p.id),
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
                href: format!("/organisations/{}", o.id),
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
    let mine = match query.mine.as_str() {
        "" => false,
        "1" => true,
        _ => return error_page(&viewer.chrome, StatusCode::BAD_REQUEST, "error.bad_filter"),
    };
    let filter = PartyFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        owner_id: mine.then(|| viewer.ctx.actor()),
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
    let next = next_link(kind, &q, mine, after, page.limit);
    let export = export_link(kind, &q, mine.then(|| viewer.ctx.actor()));
    render(
        &PartiesPage {
            chrome,
            kind,
            title,
            export,
            q,
            mine,
            rows,
            next,
            new: if kind == "people" {
                ("/people/new".to_owned(), "party_form.new_person")
            } else {
                ("/organisations/new".to_owned(), "party_form.new_organisation")
            },
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

struct Link {
    href: Option<String>,
    label: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyPage {
    chrome: Chrome,
    name: String,
    details: Vec<String>,
    /// Where they work (a person) or who works there (an organisation).
    employments: Vec<Link>,
    deals: Vec<Link>,
    meetings: Vec<Link>,
    notes: Vec<Link>,
    /// The form that adds to the employment list, and its label key.
    add_employment: (String, &'static str),
    /// Who can introduce us: to this person, or to the people of this organisation.
    intros: super::warm_paths::IntroPanel,
    /// Where the billing form posts.
    billing_action: String,
    /// The people who work at an organisation, for its accounts-payable contact: id, name,
    /// chosen. Empty on a person's page (a consumer pays their own invoices).
    ap_choices: Vec<(String, String, bool)>,
    billing: closer_domain::billing::BillingProfile,
    /// What the billing profile still lacks, as labels.
    billing_missing: Vec<&'static str>,
    /// Why the billing form was refused.
    refused: Option<String>,
}

/// The most people of an organisation the warm-path panel lists.
const INTROS_SHOWN: usize = 8;

/// Everything about one person or organisation the viewer may see.
async fn party_page(
    viewer: Viewer,
    id: PartyId,
    person: bool,
    refused: Option<(StatusCode, String)>,
) -> AppResult<Option<Response>> {
    let ctx = &viewer.ctx;
    let (name, details) = if person {
        match get::<Person>(ctx, id.as_uuid()).await {
            Ok(p) => {
                let mut details: Vec<String> = p.fields.emails.iter().map(|e| e.as_str().to_owned()).collect();
                details.extend(p.fields.phones.iter().map(|n| n.as_str().to_owned()));
                (p.fields.name, details)
            }
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => return Ok(None),
            Err(e) => return Err(e),
        }
    } else {
        match get::<Organisation>(ctx, id.as_uuid()).await {
            Ok(o) => {
                let details = [
                    o.fields.legal_name,
                    o.fields.industry,
                    o.fields.region,
                    o.fields.website,
                ];
                (o.fields.name, details.into_iter().flatten().collect())
            }
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    let mut conn = ctx.db.acquire().await?;
    let visibility = ctx.visibility();
    let page = PageRequest {
        after: None,
        limit: PAGE_MAX,
    };
    let filter = if person {
        EmploymentFilter {
            person_id: Some(id),
            ..Default::default()
        }
    } else {
        EmploymentFilter {
            organisation_id: Some(id),
            ..Default::default()
        }
    };
    let jobs = employments::list(conn.conn(), ctx.workspace, &visibility, &filter, page)
        .await?
        .items;
    let others: Vec<PartyId> = jobs
        .iter()
        .map(|j| {
            if person {
                j.fields.organisation_id
            } else {
                j.fields.person_id
            }
        })
        .collect();
    let names = parties::names(conn.conn(), ctx.workspace, &others).await?;
    let locale = viewer.chrome.locale;
    let employments = jobs
        .iter()
        .map(|j| {
            let other = if person {
                j.fields.organisation_id
            } else {
                j.fields.person_id
            };
            let since = j.fields.started_on.map(|d| locale.date(d));
            let until = j.fields.ended_on.map(|d| locale.date(d));
            let period = match (since, until) {
                (Some(s), Some(u)) => format!("{s} – {u}"),
                (Some(s), None) => format!("{s} –"),
                (None, Some(u)) => format!("– {u}"),
                (None, None) => String::new(),
            };
            let detail = [
                j.fields.title.clone(),
                j.fields.department.clone(),
                Some(period).filter(|p| !p.is_empty()),
            ];
            Link {
                href: Some(if person {
                    format!("/organisations/{other}")
                } else {
                    format!("/people/{other}")
                }),
                label: names.get(&other).cloned().unwrap_or_default(),
                detail: detail.into_iter().flatten().collect::<Vec<_>>().join(" · "),
            }
        })
        .collect();
    let deal_filter = DealFilter {
        counterparties: vec![id],
        ..Default::default()
    };
    let deals = deals::list(conn.conn(), ctx.workspace, &visibility, &deal_filter, page)
        .await?
        .items
        .into_iter()
        .map(|d| Link {
            href: Some(format!("/deals/{}", d.id)),
            detail: format!("{} · {}", locale.money(&d.terms.amount), d.progress.status.as_str()),
            label: d.terms.title,
        })
        .collect();
    let meeting_filter = MeetingFilter {
        party_id: Some(id),
        ..Default::default()
    };
    let mut found_meetings = meetings::list(conn.conn(), ctx.workspace, &visibility, &meeting_filter, page)
        .await?
        .items;
    found_meetings.sort_by_key(|m| std::cmp::Reverse(m.fields.planned_start));
    let meetings = found_meetings
        .into_iter()
        .map(|m| Link {
            href: m.fields.deal_id.map(|deal| format!("/deals/{deal}")),
            label: format!(
                "{} · {}",
                locale.text(&format!("purpose.{}", m.fields.purpose.as_str())),
                locale.text(&format!("venue.{}", m.fields.venue.as_str()))
            ),
            detail: format!(
                "{} · {}",
                viewer.chrome.day_and_time(m.fields.planned_start),
                locale.text(&format!("meeting_status.{}", m.fields.status.as_str()))
            ),
        })
        .collect();
    let subject_type = if person {
        SubjectType::Person
    } else {
        SubjectType::Organisation
    };
    let note_filter = NoteFilter {
        subject_type: Some(subject_type),
        subject_id: Some(id.as_uuid()),
        ..Default::default()
    };
    let mut found = notes::list(conn.conn(), ctx.workspace, &visibility, &note_filter, page)
        .await?
        .items;
    found.reverse();
    let notes = found
        .into_iter()
        .map(|n| Link {
            href: None,
            label: n.fields.body,
            detail: viewer.chrome.day(n.meta.created_at),
        })
        .collect();
    let billing = closer_store::billing::profile(conn.conn(), ctx.workspace, id)
        .await?
        .unwrap_or_default();
    let billing_missing = billing
        .missing()
        .into_iter()
        .map(|field| locale.text(&format!("billing.{field}")))
        .collect();
    let mut ap_choices: Vec<(String, String, bool)> = Vec::new();
    if !person {
        ap_choices.extend(jobs.iter().filter(|j| j.fields.ended_on.is_none()).map(|j| {
            let who = j.fields.person_id;
            let name = names.get(&who).cloned().unwrap_or_default();
            (who.to_string(), name, billing.ap_contact_id == Some(who))
        }));
        // The contact chosen before stays offered after they left, so saving keeps them.
        if let Some(current) = billing.ap_contact_id
            && !ap_choices.iter().any(|(_, _, chosen)| *chosen)
        {
            let name = parties::names(conn.conn(), ctx.workspace, &[current])
                .await?
                .remove(&current)
                .unwrap_or_else(|| current.to_string());
            ap_choices.push((current.to_string(), name, true));
        }
    }
    drop(conn);
    let intros = if person {
        super::warm_paths::to_person(ctx, &viewer.chrome, id, &name).await?
    } else {
        let staff: Vec<(PartyId, String)> = jobs
            .iter()
            .filter(|j| j.fields.ended_on.is_none())
            .map(|j| {
                (
                    j.fields.person_id,
                    names.get(&j.fields.person_id).cloned().unwrap_or_default(),
                )
            })
            .collect();
        super::warm_paths::to_people(ctx, &viewer.chrome, &staff, INTROS_SHOWN).await?
    };
    let chrome = viewer.chrome;
    let status = refused.as_ref().map_or(StatusCode::OK, |(status, _)| *status);
    let page = PartyPage {
        intros,
        billing_action: format!("/parties/{id}/billing"),
        ap_choices,
        billing,
        billing_missing,
        refused: refused.map(|(_, message)| message),
        chrome,
        name,
        details,
        employments,
        deals,
        meetings,
        notes,
        add_employment: if person {
            (format!("/people/{id}/employments"), "party.add_employment")
        } else {
            (format!("/people/new?organisation_id={id}"), "party.add_person")
        },
    };
    Ok(Some(render(&page, status)))
}

async fn detail(viewer: Viewer, id: Uuid, person: bool) -> Response {
    let chrome = viewer.chrome.clone();
    match party_page(viewer, PartyId(id), person, None).await {
        Ok(Some(page)) => page,
        Ok(None) => error_page(&chrome, StatusCode::NOT_FOUND, "list.not_found"),
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

pub async fn person(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    detail(viewer, id, true).await
}

pub async fn organisation(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    detail(viewer, id, false).await
}

/// Saves a customer's billing profile from the form on their page.
pub async fn save_billing(
    viewer: Viewer,
    Path(id): Path<Uuid>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let kept = super::FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let given = |name: &str| Some(kept.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned);
    let profile = closer_domain::billing::BillingProfile {
        legal_entity: given("legal_entity"),
        tax_id: given("tax_id"),
        billing_address: given("billing_address"),
        ap_contact_id: None,
        ap_email: given("ap_email"),
        invoice_portal: given("invoice_portal"),
        requires_po: kept.has("requires_po", "on"),
        fapiao_required: kept.has("fapiao_required", "on"),
    };
    let party = PartyId(id);
    let person = matches!(
        get::<Person>(&viewer.ctx, id).await,
        Ok(_) | Err(AppError::Deleted { .. })
    );
    let back = if person {
        format!("/people/{id}")
    } else {
        format!("/organisations/{id}")
    };
    // Without the picker (a person's page, or nobody works at the organisation yet) the contact
    // set before stays.
    let ap_contact = if person || !kept.0.iter().any(|(name, _)| name == "ap_contact_id") {
        match crate::app::billing::profile(&viewer.ctx, party).await {
            Ok(current) => current.profile.ap_contact_id,
            Err(e) => return crate::api::problem::Problem::from(e).into_response(),
        }
    } else {
        match kept.get("ap_contact_id").trim() {
            "" => None,
            chosen => match Uuid::parse_str(chosen) {
                Ok(chosen) => Some(PartyId(chosen)),
                Err(_) => {
                    let refusal = (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "ap_contact_id: choose a person from the list".to_owned(),
                    );
                    return billing_refused(viewer, party, person, refusal).await;
                }
            },
        }
    };
    let profile = closer_domain::billing::BillingProfile {
        ap_contact_id: ap_contact,
        ..profile
    };
    match crate::app::billing::set_profile(&viewer.ctx, party, &profile).await {
        Ok(_) => super::see_other(format!("{back}#billing")),
        Err(e) => match super::refusal_message(&viewer.chrome, &e) {
            Some(refusal) => billing_refused(viewer, party, person, refusal).await,
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}

/// The customer's page again, with the billing form refused.
async fn billing_refused(viewer: Viewer, party: PartyId, person: bool, refusal: (StatusCode, String)) -> Response {
    let chrome = viewer.chrome.clone();
    match party_page(viewer, party, person, Some(refusal)).await {
        Ok(Some(page)) => page,
        Ok(None) => error_page(&chrome, StatusCode::NOT_FOUND, "list.not_found"),
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}
