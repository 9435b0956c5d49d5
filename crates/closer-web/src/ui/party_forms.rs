//! Forms that add people and organisations, and where a person works. Errors are shown next to
//! their fields and everything typed stays in the form; a person and their workplace are made
//! together or not at all.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::PartyId;
use closer_domain::party::{EmploymentDraft, OrganisationDraft, PartyKind, PersonDraft};
use closer_store::PageRequest;
use closer_store::parties::{self, PartyFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, form_date, refusal_message, render, see_other};
use crate::app::duplicates::{self, Candidate, DuplicateMatch};
use crate::app::parties::{Workplace, create_employment, create_organisation, create_person_at};
use crate::app::{AppError, AppResult, Ctx};

/// Organisations the pickers offer; more than this needs the search of the lists.
const PICKER_LIMIT: u32 = 200;

/// One field of a form: what it is, what it holds, and what was wrong with it.
struct Field {
    name: &'static str,
    label: &'static str,
    /// `text`, `email`, `tel`, `url`, `date`, `select` or `checkbox`.
    kind: &'static str,
    value: String,
    required: bool,
    /// For a select: value and label of each option (the first is "none" when not required).
    options: Vec<(String, String)>,
    error: String,
}

#[derive(Template)]
#[template(path = "party_form.html")]
struct PartyFormPage {
    chrome: Chrome,
    title: &'static str,
    action: String,
    fields: Vec<Field>,
    /// Why the form was refused, when it is not one field's fault.
    refusal: Option<String>,
    /// Records the new one would duplicate: the form asks before making it.
    duplicates: Vec<super::duplicate_pages::Match>,
}

/// Which form, for whom.
enum Which {
    Person,
    Organisation,
    /// Where the person with this id works.
    Employment(PartyId),
}

impl Which {
    fn names(&self) -> &'static [(&'static str, &'static str, &'static str, bool)] {
        match self {
            Which::Person => &[
                ("name", "party_form.name", "text", true),
                ("email", "party_form.email", "email", false),
                ("phone", "party_form.phone", "tel", false),
                ("organisation_id", "party_form.works_at", "select", false),
                ("title", "party_form.job_title", "text", false),
                ("department", "party_form.department", "text", false),
            ],
            Which::Organisation => &[
                ("name", "party_form.name", "text", true),
                ("legal_name", "party_form.legal_name", "text", false),
                ("industry", "party_form.industry", "text", false),
                ("region", "party_form.region", "text", false),
                ("website", "party_form.website", "url", false),
                ("email", "party_form.email", "email", false),
                ("phone", "party_form.phone", "tel", false),
                ("requires_po", "party_form.requires_po", "checkbox", false),
            ],
            Which::Employment(_) => &[
                ("organisation_id", "party_form.works_at", "select", true),
                ("title", "party_form.job_title", "text", false),
                ("department", "party_form.department", "text", false),
                ("started_on", "party_form.started_on", "date", false),
            ],
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Which::Person => "party_form.new_person",
            Which::Organisation => "party_form.new_organisation",
            Which::Employment(_) => "party_form.new_employment",
        }
    }

    fn action(&self) -> String {
        match self {
            Which::Person => "/people".into(),
            Which::Organisation => "/organisations".into(),
            Which::Employment(person) => format!("/people/{person}/employments"),
        }
    }
}

/// The organisations a picker offers, by name.
async fn organisation_choices(ctx: &Ctx) -> AppResult<Vec<(String, String)>> {
    let mut conn = ctx.db.acquire().await?;
    let page = PageRequest {
        after: None,
        limit: PICKER_LIMIT,
    };
    let found = parties::list_organisations(
        conn.conn(),
        ctx.workspace,
        &ctx.visibility(),
        &PartyFilter::default(),
        page,
    )
    .await?;
    let mut named: Vec<(String, String)> = found
        .items
        .into_iter()
        .map(|o| (o.id.to_string(), o.fields.name))
        .collect();
    named.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(named)
}

/// The form page: empty, prefilled, or as refused with its errors.
async fn form_page(
    viewer: Viewer,
    which: Which,
    kept: &FormValues,
    errors: HashMap<String, String>,
    refusal: Option<String>,
    status: StatusCode,
) -> Response {
    form_page_warning(viewer, which, kept, errors, refusal, status, Vec::new()).await
}

/// The form page, warning of the records the new one would duplicate.
async fn form_page_warning(
    viewer: Viewer,
    which: Which,
    kept: &FormValues,
    errors: HashMap<String, String>,
    refusal: Option<String>,
    status: StatusCode,
    duplicates: Vec<DuplicateMatch>,
) -> Response {
    let needs_organisations = which.names().iter().any(|(name, ..)| *name == "organisation_id");
    let organisations = if needs_organisations {
        match organisation_choices(&viewer.ctx).await {
            Ok(choices) => choices,
            Err(e) => return crate::api::problem::Problem::from(e).into_response(),
        }
    } else {
        Vec::new()
    };
    let chrome = viewer.chrome;
    let fields = which
        .names()
        .iter()
        .map(|&(name, label, kind, required)| {
            let mut options = Vec::new();
            if kind == "select" {
                options.push((String::new(), chrome.text("party_form.none").to_owned()));
                options.extend(organisations.iter().cloned());
            }
            Field {
                name,
                label: chrome.text(label),
                kind,
                value: kept.get(name).to_owned(),
                required,
                options,
                error: errors.get(name).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let kind = match which {
        Which::Organisation => "organisations",
        _ => "people",
    };
    let duplicates = duplicates
        .into_iter()
        .map(|found| super::duplicate_pages::Match::of(&chrome, kind, found))
        .collect();
    render(
        &PartyFormPage {
            title: chrome.text(which.title()),
            action: which.action(),
            fields,
            refusal,
            duplicates,
            chrome,
        },
        status,
    )
}

/// Prefills from the query string (an organisation page links to a new person working there).
#[derive(Deserialize)]
pub struct Prefill {
    organisation_id: Option<String>,
}

fn prefilled(prefill: Prefill) -> FormValues {
    FormValues(
        prefill
            .organisation_id
            .map(|id| ("organisation_id".to_owned(), id))
            .into_iter()
            .collect(),
    )
}

pub async fn new_person(viewer: Viewer, Query(prefill): Query<Prefill>) -> Response {
    form_page(
        viewer,
        Which::Person,
        &prefilled(prefill),
        HashMap::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn new_organisation(viewer: Viewer) -> Response {
    let empty = FormValues::default();
    form_page(
        viewer,
        Which::Organisation,
        &empty,
        HashMap::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn new_employment(viewer: Viewer, Path(person): Path<Uuid>) -> Response {
    let empty = FormValues::default();
    let which = Which::Employment(PartyId(person));
    form_page(viewer, which, &empty, HashMap::new(), None, StatusCode::OK).await
}

/// `Some(text)` for a filled-in field, `None` for an empty one.
fn optional(kept: &FormValues, name: &str) -> Option<String> {
    Some(kept.get(name).trim()).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A list of at most one value, from a single form field.
fn one(kept: &FormValues, name: &str) -> Vec<String> {
    optional(kept, name).into_iter().collect()
}

/// The form field an error of the use case belongs to (`emails[0]` → `email`).
fn form_field(error_field: &str) -> &str {
    match error_field.split('[').next().unwrap_or(error_field) {
        "emails" => "email",
        "phones" => "phone",
        other => other,
    }
}

/// A chosen organisation, or the error of the field.
fn organisation(kept: &FormValues) -> Result<Option<PartyId>, String> {
    match kept.get("organisation_id").trim() {
        "" => Ok(None),
        text => Uuid::parse_str(text)
            .map(|id| Some(PartyId(id)))
            .map_err(|_| "choose an organisation from the list".to_owned()),
    }
}

/// On to the new record's page, or the form again with what went wrong.
async fn answer(viewer: Viewer, which: Which, kept: FormValues, outcome: AppResult<String>) -> Response {
    let error = match outcome {
        Ok(path) => return see_other(path),
        Err(error) => error,
    };
    let (errors, refusal, status) = match &error {
        AppError::Invalid(found) | AppError::MissingReference(found) => {
            let known: Vec<&str> = which.names().iter().map(|(name, ..)| *name).collect();
            let mut errors = HashMap::new();
            let mut rest = Vec::new();
            for e in &found.0 {
                let field = form_field(&e.field);
                if known.contains(&field) {
                    errors.entry(field.to_owned()).or_insert_with(|| e.message.clone());
                } else {
                    rest.push(format!("{}: {}", e.field, e.message));
                }
            }
            let refusal = (!rest.is_empty()).then(|| rest.join("; "));
            (errors, refusal, StatusCode::UNPROCESSABLE_ENTITY)
        }
        other => match refusal_message(&viewer.chrome, other) {
            Some((status, message)) => (HashMap::new(), Some(message), status),
            None => return crate::api::problem::Problem::from(error).into_response(),
        },
    };
    form_page(viewer, which, &kept, errors, refusal, status).await
}

pub async fn create_person(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let outcome = async {
        let organisation_id = organisation(&kept)
            .map_err(|m| AppError::Invalid(closer_domain::ValidationErrors::single("organisation_id", m)))?;
        let draft = PersonDraft {
            name: kept.get("name").to_owned(),
            emails: one(&kept, "email"),
            phones: one(&kept, "phone"),
            timezone: None,
        };
        let workplace = organisation_id.map(|organisation_id| Workplace {
            organisation_id,
            title: optional(&kept, "title"),
            department: optional(&kept, "department"),
        });
        let candidate = Candidate {
            emails: draft.emails.clone(),
            phones: draft.phones.clone(),
            ..Candidate::default()
        };
        let found = unconfirmed_duplicates(&viewer.ctx, &kept, PartyKind::Person, &candidate).await?;
        if !found.is_empty() {
            return Ok(Err(found));
        }
        let person = create_person_at(&viewer.ctx, &draft, workplace.as_ref()).await?;
        Ok(Ok(format!("/people/{}", person.id)))
    }
    .await;
    warn_or_answer(viewer, Which::Person, kept, outcome).await
}

/// The records a new one would duplicate, unless the form says to make it anyway.
async fn unconfirmed_duplicates(
    ctx: &Ctx,
    kept: &FormValues,
    kind: PartyKind,
    candidate: &Candidate,
) -> AppResult<Vec<DuplicateMatch>> {
    if kept.has("create_anyway", "1") {
        return Ok(Vec::new());
    }
    duplicates::check(ctx, kind, candidate).await
}

/// The form again with a warning of what the new record would duplicate, or [`answer`].
async fn warn_or_answer(
    viewer: Viewer,
    which: Which,
    kept: FormValues,
    outcome: AppResult<Result<String, Vec<DuplicateMatch>>>,
) -> Response {
    match outcome {
        Ok(Err(found)) => form_page_warning(viewer, which, &kept, HashMap::new(), None, StatusCode::OK, found).await,
        Ok(Ok(path)) => answer(viewer, which, kept, Ok(path)).await,
        Err(error) => answer(viewer, which, kept, Err(error)).await,
    }
}

pub async fn create_organisation_form(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let draft = OrganisationDraft {
        name: kept.get("name").to_owned(),
        legal_name: optional(&kept, "legal_name"),
        tax_id: None,
        industry: optional(&kept, "industry"),
        employee_band: None,
        region: optional(&kept, "region"),
        website: optional(&kept, "website"),
        emails: one(&kept, "email"),
        phones: one(&kept, "phone"),
        parent_id: None,
        requires_po: kept.has("requires_po", "on"),
    };
    let candidate = Candidate {
        name: Some(draft.name.clone()),
        emails: draft.emails.clone(),
        phones: draft.phones.clone(),
        website: draft.website.clone(),
        tax_id: None,
    };
    let outcome = async {
        let found = unconfirmed_duplicates(&viewer.ctx, &kept, PartyKind::Organisation, &candidate).await?;
        if !found.is_empty() {
            return Ok(Err(found));
        }
        let organisation = create_organisation(&viewer.ctx, &draft).await?;
        Ok(Ok(format!("/organisations/{}", organisation.id)))
    }
    .await;
    warn_or_answer(viewer, Which::Organisation, kept, outcome).await
}

pub async fn add_employment(
    viewer: Viewer,
    Path(person): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let person = PartyId(person);
    let outcome = async {
        let invalid =
            |field: &str, message: String| AppError::Invalid(closer_domain::ValidationErrors::single(field, message));
        let organisation_id = organisation(&kept)
            .map_err(|m| invalid("organisation_id", m))?
            .ok_or_else(|| invalid("organisation_id", "choose an organisation".to_owned()))?;
        let started_on = match optional(&kept, "started_on") {
            Some(text) => Some(form_date(&text, "start date").map_err(|m| invalid("started_on", m))?),
            None => None,
        };
        let draft = EmploymentDraft {
            person_id: person,
            organisation_id,
            title: optional(&kept, "title"),
            department: optional(&kept, "department"),
            seniority: None,
            started_on,
            ended_on: None,
        };
        create_employment(&viewer.ctx, &draft).await?;
        Ok(format!("/people/{person}"))
    }
    .await;
    if let Err(AppError::MissingReference(found)) = &outcome
        && found.0.iter().any(|e| e.field == "person_id")
    {
        return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "list.not_found");
    }
    answer(viewer, Which::Employment(person), kept, outcome).await
}
