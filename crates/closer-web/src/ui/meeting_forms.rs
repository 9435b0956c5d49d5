//! Meetings from the deal workspace: plan one with the committee (D4, D8, D9), then log it as
//! held, with who attended and the agreed next step, or as a no-show.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::{DealId, MeetingId, PartyId, UserId};
use closer_domain::meeting::{
    AttendanceEntry, AttendeeDraft, MeetingDraft, MeetingLog, MeetingOutcome, MeetingPurpose, Venue,
};
use closer_domain::zone::Zone;
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::deal::{Refusal, deal_page, summary};
use super::{FormValues, Viewer, error_page, form_date, see_other};
use crate::app::{AppError, AppResult, Expected, meetings};

/// An invitee or attendee as the forms send it: `person:<id>` or `user:<id>`.
fn party_or_user(value: &str) -> Result<(Option<PartyId>, Option<UserId>), String> {
    let bad = || format!("'{value}' is neither a person nor a user");
    let (side, id) = value.split_once(':').ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    match side {
        "person" => Ok((Some(PartyId(id)), None)),
        "user" => Ok((None, Some(UserId(id)))),
        _ => Err(bad()),
    }
}

fn meeting_draft(deal: DealId, form: &FormValues, organiser: UserId, zone: &Zone) -> Result<MeetingDraft, String> {
    let purpose = MeetingPurpose::parse(form.get("purpose"))?;
    let venue = Venue::parse(form.get("venue"))?;
    let day = form_date(form.get("date"), "date")?;
    let clock = time::macros::format_description!("[hour]:[minute]");
    let at = Time::parse(form.get("time").trim(), clock).map_err(|_| "give the time as HH:MM".to_owned())?;
    let minutes: i64 = form
        .get("minutes")
        .parse()
        .map_err(|_| "choose how long it lasts".to_owned())?;
    // Typed on the rep's own clocks.
    let start: OffsetDateTime = zone.instant(day, at);
    let invited = |person_id, user_id| AttendeeDraft {
        person_id,
        user_id,
        invite: None,
        response: None,
    };
    let mut attendees = vec![invited(None, Some(organiser))];
    for value in form.all("invite") {
        let (person_id, user_id) = party_or_user(value)?;
        attendees.push(invited(person_id, user_id));
    }
    let objective = Some(form.get("objective").trim())
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    Ok(MeetingDraft {
        deal_id: Some(deal),
        purpose,
        venue,
        location: None,
        planned_start: start,
        planned_end: start + Duration::minutes(minutes),
        objective,
        attendees,
        visit_plan: None,
        negotiation_plan: None,
    })
}

/// Sends the deal page back with the refusal in the meetings panel.
async fn refuse(viewer: Viewer, deal: DealId, message: String, kept: FormValues, status: StatusCode) -> Response {
    deal_page(
        viewer,
        deal,
        Some(Refusal {
            panel: "meetings",
            message,
            kept,
        }),
        status,
    )
    .await
}

/// The answer to a meeting write: back to the deal, or the refusal in place.
async fn answer(viewer: Viewer, deal: DealId, kept: FormValues, outcome: AppResult<()>) -> Response {
    match outcome {
        Ok(()) => see_other(format!("/deals/{deal}")),
        Err(AppError::Invalid(errors) | AppError::MissingReference(errors)) => {
            refuse(viewer, deal, summary(&errors), kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::StaleVersion { .. }) => {
            let message = viewer.chrome.text("board.move_stale").to_owned();
            refuse(viewer, deal, message, kept, StatusCode::CONFLICT).await
        }
        Err(AppError::Conflict(message)) => refuse(viewer, deal, message, kept, StatusCode::CONFLICT).await,
        Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
            error_page(&viewer.chrome, StatusCode::NOT_FOUND, "deal.not_found")
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

pub async fn plan(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(id);
    let draft = match meeting_draft(deal, &kept, viewer.ctx.actor(), &viewer.chrome.zone) {
        Ok(draft) => draft,
        Err(message) => return refuse(viewer, deal, message, kept, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let outcome = meetings::create_meeting(&viewer.ctx, &draft).await.map(|_| ());
    answer(viewer, deal, kept, outcome).await
}

fn meeting_log(form: &FormValues) -> Result<MeetingLog, String> {
    let outcome = MeetingOutcome::parse(form.get("outcome"))?;
    let attended: Vec<&str> = form.all("attended").collect();
    let mut attendance = Vec::new();
    for value in form.all("attendee") {
        let (person_id, user_id) = party_or_user(value)?;
        attendance.push(AttendanceEntry {
            person_id,
            user_id,
            attended: attended.contains(&value),
        });
    }
    let typed = |name: &str| Some(form.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned);
    let next_step_due = typed("next_step_due")
        .map(|d| form_date(&d, "next step's date"))
        .transpose()?;
    Ok(MeetingLog {
        outcome,
        attendance,
        actual_start: None,
        actual_end: None,
        agreed_next_step: typed("agreed_next_step"),
        next_step_due,
        outcome_notes: typed("outcome_notes"),
    })
}

pub async fn log(
    viewer: Viewer,
    Path((deal, meeting)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(deal);
    let log = match meeting_log(&kept) {
        Ok(log) => log,
        Err(message) => return refuse(viewer, deal, message, kept, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let version = match kept.get("version").parse::<i64>() {
        Ok(version) => Expected::OneOf(vec![version]),
        Err(_) => Expected::Any,
    };
    let outcome = meetings::log_meeting(&viewer.ctx, MeetingId(meeting), &version, &log)
        .await
        .map(|_| ());
    answer(viewer, deal, kept, outcome).await
}
