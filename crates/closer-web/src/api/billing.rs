//! Billing (D3): `/api/v1/billing-profiles/{party_id}`, the deal's invoices and payments,
//! `/api/v1/invoices/{id}` (finalise, void, write off, payments), `/api/v1/payments/{id}` (status,
//! refunds) and `/api/v1/receivables` (ageing).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::billing::{
    BillingProfile, Invoice, InvoicePatch, Payment, PaymentDraft, PaymentStatus, RefundDraft,
};
use closer_domain::ids::{DealId, InvoiceId, PartyId, PaymentId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::{ApiId, ApiJson, Created, IfMatch, OptionalIfMatch, Tagged};
use super::problem::{Problem, ProblemBody};
use crate::app::billing::{self, InvoiceStep, PaymentStep, ProfileView, Receivables};
use crate::app::{self, Ctx};

/// A customer's billing profile and what is still missing to invoice them.
#[utoipa::path(get, path = "/billing-profiles/{party_id}", tag = "billing",
    params(("party_id" = String, Path, format = Uuid)),
    responses((status = 200, body = ProfileView),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_profile(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<ProfileView>, Problem> {
    Ok(Json(billing::profile(&ctx, PartyId(id)).await?))
}

/// Sets a customer's billing profile (whoever may edit the customer).
#[utoipa::path(put, path = "/billing-profiles/{party_id}", tag = "billing", request_body = BillingProfile,
    params(("party_id" = String, Path, format = Uuid)),
    responses((status = 200, body = ProfileView),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn set_profile(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(profile): ApiJson<BillingProfile>,
) -> Result<Json<ProfileView>, Problem> {
    Ok(Json(billing::set_profile(&ctx, PartyId(id), &profile).await?))
}

/// The deal's invoices, oldest first.
#[utoipa::path(get, path = "/deals/{id}/invoices", tag = "billing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Invoice>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_invoices(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Invoice>>, Problem> {
    Ok(Json(billing::invoices_of(&ctx, DealId(id)).await?))
}

/// Drafts the deal's invoices from its accepted quote: one per instalment of its payment terms
/// (30% on signature and 70% on acceptance make two), the parts adding up to the quote's total.
#[utoipa::path(post, path = "/deals/{id}/invoices", tag = "billing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = Vec<Invoice>),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn schedule_invoices(ctx: Ctx, ApiId(id): ApiId) -> Result<Response, Problem> {
    let invoices = billing::schedule_invoices(&ctx, DealId(id)).await?;
    Ok((StatusCode::CREATED, Json(invoices)).into_response())
}

/// The deal's payments, oldest first.
#[utoipa::path(get, path = "/deals/{id}/payments", tag = "billing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Payment>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_payments(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Payment>>, Problem> {
    Ok(Json(billing::payments_of(&ctx, DealId(id)).await?))
}

/// Reads one invoice.
#[utoipa::path(get, path = "/invoices/{id}", tag = "billing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Invoice, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_invoice(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Invoice>, Problem> {
    Ok(Tagged(app::get::<Invoice>(&ctx, id).await?))
}

/// Sets a draft's PO number or notes. Needs `If-Match`.
#[utoipa::path(patch, path = "/invoices/{id}", tag = "billing", request_body = InvoicePatch,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Invoice, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_invoice(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<InvoicePatch>,
) -> Result<Tagged<Invoice>, Problem> {
    Ok(Tagged(
        billing::patch_invoice(&ctx, InvoiceId(id), &version, &patch).await?,
    ))
}

macro_rules! invoice_step {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "billing",
                            params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
                            responses((status = 200, body = Invoice, headers(("ETag" = String))),
                                      (status = 404, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 412, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
        pub async fn $name(
            ctx: Ctx,
            ApiId(id): ApiId,
            OptionalIfMatch(version): OptionalIfMatch,
        ) -> Result<Tagged<Invoice>, Problem> {
            Ok(Tagged(
                billing::advance_invoice(&ctx, InvoiceId(id), &version, $step).await?,
            ))
        }
    };
}

invoice_step!(
    finalise_invoice,
    "/invoices/{id}/finalise",
    InvoiceStep::Finalise,
    "Issues a draft: the next number of the workspace (no gaps), today's date and the due date. Refused without the PO number a customer requires."
);
invoice_step!(
    void_invoice,
    "/invoices/{id}/void",
    InvoiceStep::Void,
    "Voids an open invoice without payments; its number stays used."
);
invoice_step!(
    write_off_invoice,
    "/invoices/{id}/mark-uncollectible",
    InvoiceStep::Uncollectible,
    "Writes an open invoice off; a late payment still settles it."
);

/// Records a payment of an open invoice: received (`succeeded`, the default) or `pending` with a
/// provider. Never more than is left to pay.
#[utoipa::path(post, path = "/invoices/{id}/payments", tag = "billing", request_body = PaymentDraft,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = Payment, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn record_payment(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<PaymentDraft>,
) -> Result<Created<Payment>, Problem> {
    let payment = billing::record_payment(&ctx, InvoiceId(id), &draft).await?;
    Ok(Created {
        location: format!("/api/v1/payments/{}", payment.id),
        record: payment,
    })
}

/// Reads one payment with its refunds.
#[utoipa::path(get, path = "/payments/{id}", tag = "billing",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Payment, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_payment(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Payment>, Problem> {
    Ok(Tagged(app::get::<Payment>(&ctx, id).await?))
}

/// A provider's news of a pending payment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentNews {
    pub status: PaymentStatus,
}

/// The provider's news: a pending payment requires action, succeeded, failed or was cancelled.
#[utoipa::path(post, path = "/payments/{id}/status", tag = "billing", request_body = PaymentNews,
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Payment, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn payment_status(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(news): ApiJson<PaymentNews>,
) -> Result<Tagged<Payment>, Problem> {
    let step = PaymentStep::Settle(news.status);
    Ok(Tagged(
        billing::advance_payment(&ctx, PaymentId(id), &version, step).await?,
    ))
}

/// Refunds part or all of a succeeded payment; when every payment of the deal is refunded, the
/// promotions the sale used are given back.
#[utoipa::path(post, path = "/payments/{id}/refunds", tag = "billing", request_body = RefundDraft,
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Payment, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn refund_payment(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
    ApiJson(refund): ApiJson<RefundDraft>,
) -> Result<Tagged<Payment>, Problem> {
    let step = PaymentStep::Refund(&refund);
    Ok(Tagged(
        billing::advance_payment(&ctx, PaymentId(id), &version, step).await?,
    ))
}

/// What customers owe on the deals you see, per currency, aged: current, 1–30, 31–60, 61–90,
/// 91–120 and over 120 days past due.
#[utoipa::path(get, path = "/receivables", tag = "billing",
    responses((status = 200, body = Receivables)))]
pub async fn receivables(ctx: Ctx) -> Result<Json<Receivables>, Problem> {
    Ok(Json(billing::receivables(&ctx).await?))
}
