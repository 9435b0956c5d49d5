//! The invoice panel's forms: invoice the accepted quote, finalise a draft (with its PO number),
//! record a payment of an open invoice, or void it; mark a pending payment received or failed,
//! or refund one.

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use closer_domain::ValidationErrors;
use closer_domain::billing::{
    Invoice, InvoicePatch, Payment, PaymentDraft, PaymentMethod, PaymentStatus, RefundDraft, RefundReason,
};
use closer_domain::ids::{DealId, InvoiceId, PaymentId};
use uuid::Uuid;

use super::Viewer;
use super::deal_form::parse_amount;
use super::deal_panels::{panel_form, version};
use crate::app::billing::{self, InvoiceStep, PaymentStep};
use crate::app::{AppError, Expected, get};

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::single(field, message))
}

/// Drafts the invoices of the deal's accepted quote.
pub async fn schedule(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let deal = DealId(id);
    panel_form(viewer, deal, "invoices", fields, async |viewer, _kept| {
        billing::schedule_invoices(&viewer.ctx, deal).await
    })
    .await
}

/// Finalises, pays or voids one invoice, as the button pressed says.
pub async fn act(
    viewer: Viewer,
    Path((deal, invoice)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let invoice = InvoiceId(invoice);
    panel_form(viewer, DealId(deal), "invoices", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let ctx = &viewer.ctx;
        match kept.get("action") {
            "finalise" => {
                let po = Some(kept.get("po_number").trim())
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned);
                let current: Invoice = get(ctx, invoice.as_uuid()).await?;
                let expected = if current.fields.po_number != po {
                    let patch = InvoicePatch {
                        po_number: Some(po),
                        notes: None,
                    };
                    let patched = billing::patch_invoice(ctx, invoice, &expected, &patch).await?;
                    Expected::OneOf(vec![patched.meta.version])
                } else {
                    expected
                };
                billing::advance_invoice(ctx, invoice, &expected, InvoiceStep::Finalise)
                    .await
                    .map(drop)
            }
            "void" => billing::advance_invoice(ctx, invoice, &expected, InvoiceStep::Void)
                .await
                .map(drop),
            "pay" => {
                let current: Invoice = get(ctx, invoice.as_uuid()).await?;
                let method = PaymentMethod::parse(kept.get("method")).map_err(|m| invalid("method", m))?;
                let amount = parse_amount(kept.get("amount"), current.fields.currency.code())
                    .map_err(|m| invalid("amount", m))?;
                let draft = PaymentDraft {
                    method,
                    amount_minor: amount,
                    status: None,
                    reference: None,
                };
                billing::record_payment(ctx, invoice, &draft).await.map(drop)
            }
            other => Err(invalid("action", format!("'{other}' is not something an invoice does"))),
        }
    })
    .await
}

/// Marks a pending payment received or failed, or refunds part or all of a received one.
pub async fn act_on_payment(
    viewer: Viewer,
    Path((deal, payment)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let payment = PaymentId(payment);
    panel_form(viewer, DealId(deal), "invoices", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let ctx = &viewer.ctx;
        let step = |status| billing::advance_payment(ctx, payment, &expected, PaymentStep::Settle(status));
        match kept.get("action") {
            "succeeded" => step(PaymentStatus::Succeeded).await.map(drop),
            "failed" => step(PaymentStatus::Failed).await.map(drop),
            "refund" => {
                let current: Payment = get(ctx, payment.as_uuid()).await?;
                let draft = RefundDraft {
                    amount_minor: parse_amount(kept.get("amount"), current.fields.currency.code())
                        .map_err(|m| invalid("amount", m))?,
                    reason: RefundReason::parse(kept.get("reason")).map_err(|m| invalid("reason", m))?,
                };
                billing::advance_payment(ctx, payment, &expected, PaymentStep::Refund(&draft))
                    .await
                    .map(drop)
            }
            other => Err(invalid("action", format!("'{other}' is not something a payment does"))),
        }
    })
    .await
}
