//! Notes and tasks on a deal, written from its workspace.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use closer_domain::activity::{NoteDraft, SubjectType, TaskDraft};
use closer_domain::ids::DealId;
use uuid::Uuid;

use super::deal::{Refusal, deal_page};
use super::{FormValues, Viewer, form_date};
use crate::app::{AppResult, activity};

/// Back to the deal, or the deal page with the refusal in the notes panel.
async fn answer(viewer: Viewer, deal: DealId, kept: FormValues, outcome: AppResult<()>) -> Response {
    super::deal_panels::answer(viewer, deal, "notes", kept, outcome).await
}

pub async fn add_note(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let draft = NoteDraft {
        subject_type: SubjectType::Deal,
        subject_id: id,
        body: kept.get("body").to_owned(),
    };
    let outcome = activity::create_note(&viewer.ctx, &draft).await.map(|_| ());
    answer(viewer, DealId(id), kept, outcome).await
}

pub async fn add_task(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(id);
    let due_on = match kept.get("due_on").trim() {
        "" => None,
        text => match form_date(text, "due date") {
            Ok(date) => Some(date),
            Err(message) => {
                let refusal = Refusal {
                    panel: "notes",
                    message,
                    kept,
                };
                return deal_page(viewer, deal, Some(refusal), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let draft = TaskDraft {
        title: kept.get("title").to_owned(),
        due_on,
        assignee_id: None,
        subject_type: Some(SubjectType::Deal),
        subject_id: Some(id),
        done: false,
    };
    let outcome = activity::create_task(&viewer.ctx, &draft).await.map(|_| ());
    answer(viewer, deal, kept, outcome).await
}
