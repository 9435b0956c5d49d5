//! The contract panel's forms: draw up a contract, move it on (ready, to the customer, out for
//! signature, signed, declined, voided, new version, withdrawn, terminated), and record the
//! decision of one of the customer's approval steps.

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use closer_domain::ValidationErrors;
use closer_domain::contracts::{
    ContractDraft, CustomerStepStatus, Redline, SignatureEvent, SignatureStatus, StepDecision,
};
use closer_domain::ids::{ContractId, DealId, PartyId};
use uuid::Uuid;

use super::Viewer;
use super::deal_panels::{panel_form, version};
use crate::app::AppError;
use crate::app::contracts::{self, Step};

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::single(field, message))
}

/// Draws up the deal's contract: the customer's signatory, and a cooling-off period for a
/// consumer.
pub async fn start(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let deal = DealId(id);
    panel_form(viewer, deal, "contracts", fields, async |viewer, kept| {
        let their_signatory_ids = match kept.get("signatory_id").trim() {
            "" => Vec::new(),
            id => {
                vec![PartyId(Uuid::parse_str(id).map_err(|_| {
                    invalid("signatory_id", "choose the signatory from the list")
                })?)]
            }
        };
        let cooling_off_days = match kept.get("cooling_off_days").trim() {
            "" => None,
            days => Some(
                days.parse::<u16>()
                    .map_err(|_| invalid("cooling_off_days", "a whole number of days, such as 7"))?,
            ),
        };
        let draft = ContractDraft {
            their_signatory_ids,
            cooling_off_days,
            ..ContractDraft::default()
        };
        contracts::create(&viewer.ctx, deal, &draft).await
    })
    .await
}

/// Moves a contract on, as the button pressed says.
pub async fn act(
    viewer: Viewer,
    Path((deal, contract)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let contract = ContractId(contract);
    panel_form(viewer, DealId(deal), "contracts", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let signature = |status| SignatureEvent {
            status,
            provider: None,
            external_id: None,
        };
        let redline = Redline {
            commercial_change: kept.has("commercial_change", "on"),
        };
        let event;
        let step = match kept.get("action") {
            "ready" => Step::Ready,
            "send_to_customer" => Step::SendToCustomer,
            "out_for_signature" | "signed" | "declined" | "voided" => {
                event = signature(match kept.get("action") {
                    "out_for_signature" => SignatureStatus::Sent,
                    "signed" => SignatureStatus::Completed,
                    "declined" => SignatureStatus::Declined,
                    _ => SignatureStatus::Voided,
                });
                Step::Signature(&event)
            }
            "revise" => Step::Revise(&redline),
            "cancel" => Step::Cancel,
            "terminate" => Step::Terminate,
            other => return Err(invalid("action", format!("'{other}' is not something a contract does"))),
        };
        contracts::advance(&viewer.ctx, contract, &expected, step).await
    })
    .await
}

/// Records the decision of one of the customer's approval steps.
pub async fn decide_step(
    viewer: Viewer,
    Path((deal, contract, index)): Path<(Uuid, Uuid, usize)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    panel_form(viewer, DealId(deal), "contracts", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let outcome = CustomerStepStatus::parse(kept.get("outcome")).map_err(|m| invalid("outcome", m))?;
        let notes = Some(kept.get("notes").trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let decision = StepDecision { outcome, notes };
        contracts::advance(
            &viewer.ctx,
            ContractId(contract),
            &expected,
            Step::DecideCustomerStep(index, &decision),
        )
        .await
    })
    .await
}
