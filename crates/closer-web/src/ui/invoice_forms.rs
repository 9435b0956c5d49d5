//! The invoice panel's forms: invoice the accepted quote, finalise a draft (with its PO number),
//! record a payment of an open invoice, or void it.

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use closer_domain::ValidationErrors;
use closer_domain::billing::{Invoice, InvoicePatch, PaymentDraft, PaymentMethod};
use closer_domain::ids::{DealId, InvoiceId};
use uuid::Uuid;

use super::Viewer;
use super::deal_form::parse_amount;
use super::deal_panels::{panel_form, version};
use crate::app::billing::{self, InvoiceStep};
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
