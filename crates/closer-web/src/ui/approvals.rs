//! The approval inbox: the quotes waiting for the viewer's approval, each with what it gives
//! away and why, and the buttons to approve or reject it.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::approvals::{ApprovalDecision, ApproverRole};
use closer_domain::ids::ApprovalId;
use closer_domain::money::{Currency, Money};
use uuid::Uuid;

use super::deal::percent;
use super::{Chrome, FormValues, Viewer, refusal_message, render, see_other};
use crate::app::approvals::{self, ApprovalView};
use crate::app::{AppError, AppResult, Expected};

struct RequestRow {
    id: String,
    version: i64,
    deal_link: String,
    deal_title: String,
    revision: i64,
    net_total: String,
    list_total: String,
    discount: String,
    terms: &'static str,
    requested_by: String,
    submitted: String,
    justification: String,
    /// The open steps: role labels and whether each is past its SLA.
    open: Vec<(&'static str, bool)>,
    /// The roles the viewer could decide for, when more than one is open to them.
    roles: Vec<(&'static str, &'static str)>,
    escalated: bool,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    chrome: Chrome,
    requests: Vec<RequestRow>,
    /// A refused decision: which request, and why.
    refused: Option<(String, String)>,
}

fn row(
    chrome: &Chrome,
    names: &std::collections::HashMap<closer_domain::ids::UserId, String>,
    view: &ApprovalView,
) -> RequestRow {
    let locale = chrome.locale;
    let text = |key: String| locale.text(&key);
    let fields = &view.approval.fields;
    let money = |amount_minor| match Currency::parse(&view.quote.currency) {
        Ok(currency) => locale.money(&Money { amount_minor, currency }),
        Err(_) => amount_minor.to_string(),
    };
    let now = crate::app::now();
    let open: Vec<_> = fields.open_steps().collect();
    RequestRow {
        id: view.approval.id.to_string(),
        version: view.approval.meta.version,
        deal_link: format!("/deals/{}", fields.deal_id),
        deal_title: view.deal_title.clone(),
        revision: view.quote.revision,
        net_total: money(view.quote.net_total_minor),
        list_total: money(view.quote.list_total_minor),
        discount: percent(fields.discount_bp),
        terms: text(format!("terms.{}", view.quote.payment_terms)),
        requested_by: names.get(&fields.requested_by).cloned().unwrap_or_default(),
        submitted: chrome.day_and_time(fields.submitted_at),
        justification: fields.justification.clone().unwrap_or_default(),
        open: open
            .iter()
            .map(|s| (text(format!("approver_role.{}", s.role.as_str())), s.overdue(now)))
            .collect(),
        roles: if open.len() > 1 {
            open.iter()
                .map(|s| (s.role.as_str(), text(format!("approver_role.{}", s.role.as_str()))))
                .collect()
        } else {
            Vec::new()
        },
        escalated: view.overdue,
    }
}

async fn page(viewer: Viewer, refused: Option<(String, String)>, status: StatusCode) -> Response {
    let loaded = async {
        let inbox = approvals::inbox(&viewer.ctx).await?;
        let mut conn = viewer.ctx.db.acquire().await?;
        let names = closer_store::users::list(conn.conn(), viewer.ctx.workspace)
            .await?
            .into_iter()
            .map(|u| (u.user_id(), u.display_name))
            .collect();
        Ok::<_, AppError>((inbox, names))
    }
    .await;
    let (inbox, names) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let requests = inbox.iter().map(|v| row(&chrome, &names, v)).collect();
    render(
        &ApprovalsPage {
            chrome,
            requests,
            refused,
        },
        status,
    )
}

pub async fn show(viewer: Viewer) -> Response {
    page(viewer, None, StatusCode::OK).await
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid(closer_domain::ValidationErrors::single(field, message))
}

/// Approves or rejects the viewer's open step of a request.
pub async fn decide(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let outcome: AppResult<()> = async {
        let version = kept
            .get("version")
            .parse::<i64>()
            .map_err(|_| invalid("version", "the form names no version"))?;
        let role = match kept.get("role") {
            "" => None,
            role => Some(ApproverRole::parse(role).map_err(|m| invalid("role", &m))?),
        };
        let comment = Some(kept.get("comment").trim())
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let approve = match kept.get("action") {
            "approve" => true,
            "reject" => false,
            _ => return Err(invalid("action", "approve or reject")),
        };
        let decision = ApprovalDecision { role, comment };
        approvals::decide_step(
            &viewer.ctx,
            ApprovalId(id),
            &Expected::OneOf(vec![version]),
            &decision,
            approve,
        )
        .await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => see_other("/approvals".into()),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => page(viewer, Some((id.to_string(), message)), status).await,
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}
