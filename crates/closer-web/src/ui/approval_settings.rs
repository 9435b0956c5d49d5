//! An administrator edits the discount approval matrix (D5): for each row the deal kind, the
//! discount it starts above, an optional amount band, the hours each approver has, and which
//! approver roles decide at which step; and the consumer total-discount cap. The whole matrix is
//! saved at once through the same use case as `PUT /approval-matrix`, guarded by its version.

use askama::Template;
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::approvals::{ApprovalMatrix, ApprovalStep, ApproverRole, DiscountTier, MatrixAmount};
use closer_domain::money::{Currency, Money};
use closer_domain::playbook::DealKind;
use closer_domain::{FieldError, ValidationErrors};

use super::deal_form::{amount_text, parse_amount, parse_percent, percent_text};
use super::{Chrome, FormValues, Viewer, error_page, refusal_message, render, see_other};
use crate::app::approvals::{MatrixView, matrix_view, set_matrix};
use crate::app::{AppError, Expected};

/// The most approval steps a row offers in the form.
const STEPS: u8 = 4;

struct RoleCell {
    role: &'static str,
    label: &'static str,
    /// The step this role decides at ("" for none).
    step: String,
}

struct TierRow {
    index: usize,
    kind: String,
    above: String,
    band_currency: String,
    band_amount: String,
    sla_hours: String,
    roles: Vec<RoleCell>,
    /// The blank row for adding one.
    new: bool,
}

#[derive(Template)]
#[template(path = "approval_settings.html")]
struct ApprovalSettingsPage {
    chrome: Chrome,
    version: i64,
    /// The stored rows the form was drawn with (the blank one comes after).
    stored: usize,
    is_default: bool,
    cap: String,
    rows: Vec<TierRow>,
    kinds: Vec<(&'static str, &'static str)>,
    steps: Vec<u8>,
    refusal: Option<String>,
}

pub async fn show(viewer: Viewer) -> Response {
    editor(viewer, None).await
}

async fn editor(viewer: Viewer, refused: Option<(StatusCode, String, FormValues)>) -> Response {
    if !viewer.ctx.principal.is_admin() {
        return error_page(&viewer.chrome, StatusCode::FORBIDDEN, "error.forbidden");
    }
    let view = match matrix_view(&viewer.ctx).await {
        Ok(view) => view,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let (status, refusal, kept) = match refused {
        Some((status, message, kept)) => (status, Some(message), Some(kept)),
        None => (StatusCode::OK, None, None),
    };
    let rows = match &kept {
        Some(kept) => kept_rows(&chrome, kept, kept.get("rows").parse().unwrap_or(view.tiers.len())),
        None => stored_rows(&chrome, &view),
    };
    let page = ApprovalSettingsPage {
        version: view.version,
        stored: rows.len().saturating_sub(1),
        is_default: view.is_default,
        cap: kept.as_ref().map_or_else(
            || percent_text(view.max_b2c_total_discount_bp),
            |k| k.get("cap").to_owned(),
        ),
        rows,
        kinds: DealKind::ALL
            .iter()
            .map(|k| (k.as_str(), chrome.text(&format!("kind.{}", k.as_str()))))
            .collect(),
        steps: (1..=STEPS).collect(),
        refusal,
        chrome,
    };
    render(&page, status)
}

fn role_cells(chrome: &Chrome, step_of: impl Fn(ApproverRole) -> String) -> Vec<RoleCell> {
    ApproverRole::ALL
        .iter()
        .map(|r| RoleCell {
            role: r.as_str(),
            label: chrome.text(&format!("approver_role.{}", r.as_str())),
            step: step_of(*r),
        })
        .collect()
}

fn blank_row(chrome: &Chrome, index: usize) -> TierRow {
    TierRow {
        index,
        kind: DealKind::B2b.as_str().to_owned(),
        above: String::new(),
        band_currency: String::new(),
        band_amount: String::new(),
        sla_hours: "24".into(),
        roles: role_cells(chrome, |_| String::new()),
        new: true,
    }
}

fn stored_rows(chrome: &Chrome, view: &MatrixView) -> Vec<TierRow> {
    let mut rows: Vec<TierRow> = view
        .tiers
        .iter()
        .enumerate()
        .map(|(index, tier)| {
            let band = tier.min_amount.as_ref().and_then(|band| {
                let currency = Currency::parse(&band.currency).ok()?;
                Some((
                    band.currency.clone(),
                    amount_text(&Money {
                        amount_minor: band.amount_minor,
                        currency,
                    }),
                ))
            });
            let (band_currency, band_amount) = band.unwrap_or_default();
            TierRow {
                index,
                kind: tier.deal_kind.as_str().to_owned(),
                above: percent_text(tier.above_bp),
                band_currency,
                band_amount,
                sla_hours: tier.sla_hours.to_string(),
                roles: role_cells(chrome, |role| {
                    tier.chain
                        .iter()
                        .find(|s| s.role == role)
                        .map(|s| s.order.to_string())
                        .unwrap_or_default()
                }),
                new: false,
            }
        })
        .collect();
    rows.push(blank_row(chrome, rows.len()));
    rows
}

/// The rows as the refused form held them: every stored row and the new one.
fn kept_rows(chrome: &Chrome, kept: &FormValues, stored: usize) -> Vec<TierRow> {
    (0..=stored)
        .map(|index| {
            let field = |name: &str| kept.get(&format!("tier.{index}.{name}")).to_owned();
            TierRow {
                index,
                kind: field("kind"),
                above: field("above"),
                band_currency: field("band_currency"),
                band_amount: field("band_amount"),
                sla_hours: field("sla_hours"),
                roles: role_cells(chrome, |role| field(&format!("role.{}", role.as_str()))),
                new: index == stored,
            }
        })
        .collect()
}

/// The matrix the form asks for, or the fields it got wrong (named as the API names them).
fn matrix(kept: &FormValues, stored: usize) -> Result<ApprovalMatrix, Vec<FieldError>> {
    let mut wrong = Vec::new();
    let mut push = |field: String, message: String| wrong.push(FieldError { field, message });
    let cap = parse_percent(kept.get("cap"))
        .map_err(|m| push("max_b2c_total_discount_bp".into(), m))
        .unwrap_or_default();
    let mut tiers = Vec::new();
    for index in 0..=stored {
        let field = |name: &str| kept.get(&format!("tier.{index}.{name}")).trim().to_owned();
        let new = index == stored;
        // A stored row ticked for removal, and the blank new row left empty, are not kept.
        if kept.has(&format!("tier.{index}.remove"), "on") || (new && field("above").is_empty()) {
            continue;
        }
        let at = |name: &str| format!("tiers[{}].{name}", tiers.len());
        let deal_kind = DealKind::parse(&field("kind")).map_err(|m| push(at("deal_kind"), m));
        let above_bp = parse_percent(&field("above")).map_err(|m| push(at("above_bp"), m));
        let sla_hours = field("sla_hours")
            .parse::<u16>()
            .map_err(|_| push(at("sla_hours"), "give a whole number of hours".into()));
        let currency = field("band_currency").to_ascii_uppercase();
        let min_amount = match (currency.is_empty(), field("band_amount").is_empty()) {
            (true, true) => Ok(None),
            (false, false) => parse_amount(&field("band_amount"), &currency)
                .map(|amount_minor| {
                    Some(MatrixAmount {
                        currency: currency.clone(),
                        amount_minor,
                    })
                })
                .map_err(|m| push(at("min_amount.amount_minor"), m)),
            _ => {
                push(
                    at("min_amount"),
                    "give both the band's currency and its lowest amount, or neither".into(),
                );
                Err(())
            }
        };
        let mut chain = Vec::new();
        for role in ApproverRole::ALL {
            match field(&format!("role.{}", role.as_str())).as_str() {
                "" => {}
                step => match step.parse::<u8>() {
                    Ok(order) if (1..=STEPS).contains(&order) => chain.push(ApprovalStep { order, role: *role }),
                    _ => push(at("chain"), format!("steps run from 1 to {STEPS}")),
                },
            }
        }
        chain.sort_by_key(|s| s.order);
        if let (Ok(deal_kind), Ok(above_bp), Ok(sla_hours), Ok(min_amount)) =
            (deal_kind, above_bp, sla_hours, min_amount)
        {
            tiers.push(DiscountTier {
                deal_kind,
                above_bp,
                min_amount,
                chain,
                sla_hours,
            });
        }
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(ApprovalMatrix {
        tiers,
        max_b2c_total_discount_bp: cap,
    })
}

pub async fn save(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    // The rows the form was drawn with: the stored ones, then one blank.
    let stored = kept.get("rows").parse::<usize>().unwrap_or(0);
    let expected = match kept.get("version").parse::<i64>() {
        Ok(version) => Expected::OneOf(vec![version]),
        Err(_) => Expected::Any,
    };
    let saved = match matrix(&kept, stored) {
        Ok(draft) => set_matrix(&viewer.ctx, &expected, &draft).await.map(|_| ()),
        Err(wrong) => Err(AppError::Invalid(ValidationErrors(wrong))),
    };
    match saved {
        Ok(()) => see_other("/settings/approval-matrix".into()),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => editor(viewer, Some((status, message, kept))).await,
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}
