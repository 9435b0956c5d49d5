//! Moving a deal from its workspace: any stage of its playbook, won or lost (with the reason and
//! the competitor), back with a reason, and — for managers and admins — past a hard gate with an
//! override reason that is audited.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::deal::{DealMove, LostReason};
use closer_domain::ids::{DealId, StageId};
use uuid::Uuid;

use super::deal::{Refusal, deal_page, summary};
use super::{FormValues, Viewer, error_page, see_other};
use crate::app::{AppError, Expected, deals};

fn request(form: &FormValues) -> Result<DealMove, String> {
    let stage = Uuid::parse_str(form.get("stage_id")).map_err(|_| "choose the stage".to_owned())?;
    let typed = |name: &str| Some(form.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned);
    let lost_reason = typed("lost_reason").map(|r| LostReason::parse(&r)).transpose()?;
    Ok(DealMove {
        stage_id: StageId(stage),
        reason: typed("reason"),
        lost_reason,
        lost_note: typed("lost_note"),
        override_reason: typed("override_reason"),
        competitor: typed("competitor"),
    })
}

pub async fn move_deal(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(id);
    let refuse = |message: String, kept: FormValues| {
        Some(Refusal {
            panel: "stage",
            message,
            kept,
        })
    };
    let request = match request(&kept) {
        Ok(request) => request,
        Err(message) => return deal_page(viewer, deal, refuse(message, kept), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let version = kept
        .get("version")
        .parse::<i64>()
        .map_or(Expected::Any, |v| Expected::OneOf(vec![v]));
    match deals::move_deal(&viewer.ctx, deal, &version, &request).await {
        Ok(_) => see_other(format!("/deals/{deal}")),
        Err(AppError::GateBlocked(check)) => {
            let locale = viewer.chrome.locale;
            let failed: Vec<String> = check
                .blocking
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c.differences.join(" "),
                        locale.criterion(&c.key, &c.requirement)
                    )
                })
                .collect();
            let message = format!("{} {}", viewer.chrome.text("board.move_blocked"), failed.join("; "));
            deal_page(viewer, deal, refuse(message, kept), StatusCode::CONFLICT).await
        }
        Err(AppError::Invalid(errors) | AppError::MissingReference(errors)) => {
            deal_page(
                viewer,
                deal,
                refuse(summary(&errors), kept),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::StaleVersion { .. }) => {
            let message = viewer.chrome.text("board.move_stale").to_owned();
            deal_page(viewer, deal, refuse(message, kept), StatusCode::CONFLICT).await
        }
        Err(AppError::Conflict(message)) => deal_page(viewer, deal, refuse(message, kept), StatusCode::CONFLICT).await,
        Err(AppError::Forbidden(_)) => error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden"),
        Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
            error_page(&viewer.chrome, StatusCode::NOT_FOUND, "deal.not_found")
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}
