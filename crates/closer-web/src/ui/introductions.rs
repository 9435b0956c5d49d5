//! Introductions (D5): the requests for a warm introduction the viewer made or was asked, with
//! the step each one waits for, and the form that asks one from a warm path.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::{DealId, IntroRequestId, PartyId, UserId};
use closer_domain::relationships::{IntroRequest, IntroRequestDraft, IntroStatus, IntroStep};
use closer_store::PageRequest;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, refusal_message, render, see_other};
use crate::app::{AppError, AppResult, Expected, relationships};

/// What the viewer may do to a request now: the step's path segment and its label.
struct Action {
    step: &'static str,
    label: &'static str,
    /// Declining takes a reason.
    with_reason: bool,
}

struct RequestRow {
    id: String,
    version: i64,
    target: String,
    target_href: String,
    /// The colleague or outside person asked.
    connector: String,
    requester: String,
    deal_href: Option<String>,
    status: &'static str,
    status_label: &'static str,
    message: String,
    asked: String,
    actions: Vec<Action>,
}

struct Section {
    name: &'static str,
    /// The heading's text key.
    title: &'static str,
    rows: Vec<RequestRow>,
}

#[derive(Template)]
#[template(path = "introductions.html")]
struct IntroductionsPage {
    chrome: Chrome,
    sections: Vec<Section>,
    refusal: Option<String>,
}

/// At most this many requests are read for the page.
const SHOWN: usize = 500;

pub async fn show(viewer: Viewer) -> Response {
    page(viewer, None, StatusCode::OK).await
}

async fn page(viewer: Viewer, refusal: Option<String>, status: StatusCode) -> Response {
    match rows(&viewer).await {
        Ok((asked_of_me, mine)) => render(
            &IntroductionsPage {
                chrome: viewer.chrome,
                sections: vec![
                    Section {
                        name: "asked-of-me",
                        title: "intro.asked_of_me",
                        rows: asked_of_me,
                    },
                    Section {
                        name: "mine",
                        title: "intro.mine",
                        rows: mine,
                    },
                ],
                refusal,
            },
            status,
        ),
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

/// The requests asked of the viewer and those they made, newest first.
async fn rows(viewer: &Viewer) -> AppResult<(Vec<RequestRow>, Vec<RequestRow>)> {
    let ctx = &viewer.ctx;
    let me = ctx.actor();
    let mut requests: Vec<IntroRequest> = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: 200,
    };
    loop {
        let found = relationships::intro_requests(ctx, page).await?;
        requests.extend(
            found
                .items
                .into_iter()
                .filter(|r| r.fields.requester_id == me || r.fields.connector.user_id == Some(me)),
        );
        match found.next_after {
            Some(after) if requests.len() < SHOWN => page.after = Some(after),
            _ => break,
        }
    }
    requests.reverse();
    let people: Vec<PartyId> = requests
        .iter()
        .flat_map(|r| std::iter::once(r.fields.target_id).chain(r.fields.connector.person_id))
        .collect();
    let mut conn = ctx.db.acquire().await?;
    let names = closer_store::parties::names(conn.conn(), ctx.workspace, &people).await?;
    let colleagues: HashMap<UserId, String> = closer_store::users::list(conn.conn(), ctx.workspace)
        .await?
        .into_iter()
        .map(|u| (u.user_id(), u.display_name))
        .collect();
    drop(conn);
    let at = crate::app::now();
    let chrome = &viewer.chrome;
    let row = |r: &IntroRequest| {
        let f = &r.fields;
        let status = f.status_at(at);
        let connector = match (f.connector.user_id, f.connector.person_id) {
            (Some(user), _) => colleagues.get(&user).cloned().unwrap_or_default(),
            (None, Some(person)) => names.get(&person).cloned().unwrap_or_default(),
            (None, None) => String::new(),
        };
        RequestRow {
            id: r.id.to_string(),
            version: r.meta.version,
            target: names.get(&f.target_id).cloned().unwrap_or_default(),
            target_href: format!("/people/{}", f.target_id),
            connector,
            requester: colleagues.get(&f.requester_id).cloned().unwrap_or_default(),
            deal_href: f.deal_id.map(|d| format!("/deals/{d}")),
            status: status.as_str(),
            status_label: chrome.text(&format!("intro.status.{}", status.as_str())),
            message: f.message.clone().unwrap_or_default(),
            asked: f.requested_at.map(|at| chrome.day(at)).unwrap_or_default(),
            actions: actions(chrome, r, status, me),
        }
    };
    let asked_of_me = requests
        .iter()
        .filter(|r| r.fields.connector.user_id == Some(me))
        .map(row)
        .collect();
    let mine = requests
        .iter()
        .filter(|r| r.fields.requester_id == me)
        .map(row)
        .collect();
    Ok((asked_of_me, mine))
}

/// The steps `me` may take on a request in `status`: the colleague asked answers; who asked
/// sends a draft, records an outside connector's answer, and says when the introduction was made.
fn actions(chrome: &Chrome, request: &IntroRequest, status: IntroStatus, me: UserId) -> Vec<Action> {
    let f = &request.fields;
    let answerer = f.connector.user_id.unwrap_or(f.requester_id);
    let action = |step, key: &str, with_reason| Action {
        step,
        label: chrome.text(key),
        with_reason,
    };
    let mut found = Vec::new();
    match status {
        IntroStatus::Draft if me == f.requester_id => found.push(action("request", "intro.send", false)),
        IntroStatus::Requested if me == answerer => {
            found.push(action("accept", "intro.accept", false));
            found.push(action("decline", "intro.decline", true));
        }
        IntroStatus::Accepted if me == f.requester_id => found.push(action("intro-made", "intro.made", false)),
        _ => {}
    }
    found
}

fn uuid_of(form: &FormValues, field: &str) -> Result<Option<Uuid>, AppError> {
    match form.get(field).trim() {
        "" => Ok(None),
        text => Uuid::parse_str(text)
            .map(Some)
            .map_err(|_| AppError::Invalid(closer_domain::ValidationErrors::single(field, "not an id"))),
    }
}

/// Asks for an introduction from a warm path's button, then shows the introductions page.
pub async fn ask(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let asked = async {
        let target = uuid_of(&kept, "target_id")?
            .ok_or_else(|| AppError::Invalid(closer_domain::ValidationErrors::single("target_id", "required")))?;
        let draft = IntroRequestDraft {
            target_id: PartyId(target),
            connector_user_id: uuid_of(&kept, "connector_user_id")?.map(UserId),
            connector_person_id: uuid_of(&kept, "connector_person_id")?.map(PartyId),
            deal_id: uuid_of(&kept, "deal_id")?.map(DealId),
            message: Some(kept.get("message").trim().to_owned()).filter(|m| !m.is_empty()),
            draft: false,
        };
        relationships::ask_intro(&viewer.ctx, &draft).await
    }
    .await;
    match asked {
        Ok(_) => see_other("/introductions".to_owned()),
        Err(e) => refused(viewer, e).await,
    }
}

/// Takes one step on a request from the introductions page.
pub async fn step(
    viewer: Viewer,
    Path((id, step)): Path<(Uuid, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let step = match step.as_str() {
        "request" => IntroStep::Request,
        "accept" => IntroStep::Accept,
        "decline" => IntroStep::Decline {
            reason: Some(kept.get("reason").trim().to_owned()).filter(|r| !r.is_empty()),
        },
        "intro-made" => IntroStep::IntroMade,
        _ => return super::error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.not_found"),
    };
    let expected = match kept.get("version").parse::<i64>() {
        Ok(version) => Expected::OneOf(vec![version]),
        Err(_) => Expected::Any,
    };
    match relationships::step_intro(&viewer.ctx, IntroRequestId(id), &expected, &step).await {
        Ok(_) => see_other("/introductions".to_owned()),
        Err(e) => refused(viewer, e).await,
    }
}

async fn refused(viewer: Viewer, error: AppError) -> Response {
    match refusal_message(&viewer.chrome, &error) {
        Some((status, message)) => page(viewer, Some(message), status).await,
        None => crate::api::problem::Problem::from(error).into_response(),
    }
}
