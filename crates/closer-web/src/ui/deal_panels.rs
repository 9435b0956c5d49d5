//! The smaller forms of the deal workspace: the deal's own details, our deal team (D6), what a
//! stakeholder thinks of us (D1), and ticking off tasks. Each goes back to the deal page, or
//! shows its refusal in its own panel with what was typed.

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ValidationErrors;
use closer_domain::activity::TaskPatch;
use closer_domain::committee::{BuyingRole, StakeholderPatch, Stance};
use closer_domain::deal::{DealPatch, LeadSource};
use closer_domain::ids::{DealId, StakeholderId, TaskId, UserId};
use closer_domain::money::Currency;
use closer_domain::team::{DealTeamMemberDraft, SellerRole};
use uuid::Uuid;

use super::deal::{Refusal, deal_page};
use super::deal_form::parse_amount;
use super::{FormValues, Viewer, error_page, form_date, refusal_message, see_other};
use crate::app::{AppError, AppResult, Expected, activity, committee, deals};

/// Back to the deal when the form worked; else the deal page with the form refused in `panel`.
pub(super) async fn answer<T>(
    viewer: Viewer,
    deal: DealId,
    panel: &'static str,
    kept: FormValues,
    outcome: AppResult<T>,
) -> Response {
    match outcome {
        Ok(_) => see_other(format!("/deals/{deal}")),
        Err(AppError::NotFound { entity: "deal", .. } | AppError::Deleted { entity: "deal", .. }) => {
            error_page(&viewer.chrome, StatusCode::NOT_FOUND, "deal.not_found")
        }
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => {
                let refusal = Refusal { panel, message, kept };
                deal_page(viewer, deal, Some(refusal), status).await
            }
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}

/// Runs a form of one of the deal page's panels: checks its anti-forgery token, does `work` with
/// what it holds, and answers with the deal page (the panel showing a refusal, if any).
pub(super) async fn panel_form<T>(
    viewer: Viewer,
    deal: DealId,
    panel: &'static str,
    fields: Vec<(String, String)>,
    work: impl AsyncFnOnce(&Viewer, &FormValues) -> AppResult<T>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let outcome = work(&viewer, &kept).await;
    answer(viewer, deal, panel, kept, outcome).await
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::single(field, message))
}

/// The version a form was filled in against, so a change made meanwhile is not overwritten.
pub(super) fn version(kept: &FormValues) -> AppResult<Expected> {
    kept.get("version")
        .trim()
        .parse::<i64>()
        .map(|v| Expected::OneOf(vec![v]))
        .map_err(|_| invalid("version", "reload the page and try again"))
}

fn optional(kept: &FormValues, name: &str) -> Option<String> {
    Some(kept.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Changes the deal's title, amount, expected close, lead source and competitor.
pub async fn edit_details(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(id);
    let outcome = async {
        let expected = version(&kept)?;
        let currency = kept.get("currency").trim().to_owned();
        Currency::parse(&currency).map_err(|m| invalid("currency", m))?;
        let amount_minor = parse_amount(kept.get("amount"), &currency).map_err(|m| invalid("amount", m))?;
        let expected_close = optional(&kept, "expected_close")
            .map(|text| form_date(&text, "expected close"))
            .transpose()
            .map_err(|m| invalid("expected_close", m))?;
        let lead_source = optional(&kept, "lead_source")
            .map(|text| LeadSource::parse(&text))
            .transpose()
            .map_err(|m| invalid("lead_source", m))?;
        let patch = DealPatch {
            title: Some(kept.get("title").to_owned()),
            amount_minor: Some(amount_minor),
            currency: Some(currency),
            expected_close: Some(expected_close),
            lead_source: Some(lead_source),
            competitor: Some(optional(&kept, "competitor")),
            ..DealPatch::default()
        };
        deals::patch_deal(&viewer.ctx, deal, &expected, &patch).await
    }
    .await;
    answer(viewer, deal, "details", kept, outcome).await
}

/// Puts one of our people on the deal team, in a seller role, facing some buying roles.
pub async fn add_member(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(id);
    let outcome = async {
        let user = Uuid::parse_str(kept.get("user_id")).map_err(|_| invalid("user_id", "choose who joins"))?;
        let role = SellerRole::parse(kept.get("role")).map_err(|m| invalid("role", m))?;
        let covers = kept
            .all("covers")
            .map(BuyingRole::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| invalid("covers", m))?;
        let draft = DealTeamMemberDraft {
            user_id: UserId(user),
            role,
            // None of them ticked: the role's usual counterparts.
            covers: (!covers.is_empty()).then_some(covers),
            access: None,
        };
        committee::add_member(&viewer.ctx, deal, &draft).await
    }
    .await;
    answer(viewer, deal, "team", kept, outcome).await
}

/// Records what a stakeholder now thinks of the deal, how much they weigh, whether they are key.
pub async fn update_stakeholder(
    viewer: Viewer,
    Path((deal, stakeholder)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal = DealId(deal);
    let outcome = async {
        let expected = version(&kept)?;
        let stance = Stance::parse(kept.get("stance")).map_err(|m| invalid("stance", m))?;
        let influence = kept
            .get("influence")
            .trim()
            .parse::<i32>()
            .map_err(|_| invalid("influence", "influence is a number from 1 to 5"))?;
        let patch = StakeholderPatch {
            stance: Some(stance),
            influence: Some(influence),
            is_key_person: Some(kept.has("is_key_person", "true")),
            ..StakeholderPatch::default()
        };
        committee::patch_stakeholder(&viewer.ctx, StakeholderId(stakeholder), &expected, &patch).await
    }
    .await;
    answer(viewer, deal, "committee", kept, outcome).await
}

/// Ticks a task off (or opens it again), then returns to where it was ticked: the deal page or
/// My day.
pub async fn toggle_task(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let back = match kept.get("back") {
        path if path.starts_with("/deals/") || path == "/my-day" => path.to_owned(),
        _ => "/my-day".to_owned(),
    };
    let outcome = async {
        let expected = version(&kept)?;
        let patch = TaskPatch {
            done: Some(kept.get("done") == "true"),
            ..TaskPatch::default()
        };
        activity::patch_task(&viewer.ctx, TaskId(id), &expected, &patch).await
    }
    .await;
    match outcome {
        Ok(_) => see_other(back),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, _)) if status == StatusCode::NOT_FOUND => {
                error_page(&viewer.chrome, status, "error.not_found")
            }
            Some((status, _)) if status == StatusCode::CONFLICT => error_page(&viewer.chrome, status, "error.stale"),
            Some((status, _)) if status == StatusCode::FORBIDDEN => {
                error_page(&viewer.chrome, status, "error.forbidden")
            }
            Some((status, _)) => error_page(&viewer.chrome, status, "error.bad_form"),
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}
