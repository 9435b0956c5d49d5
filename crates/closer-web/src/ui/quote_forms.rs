//! The quote panel's forms: start a quote with its first line, add lines to a draft, submit it
//! for approval (or recall the request), and send, accept, decline or revise a revision. Prices are typed in the deal's currency as people write
//! them ("3,599.10"); an empty price takes the product's list price.

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use closer_domain::ValidationErrors;
use closer_domain::approvals::ApprovalSubmission;
use closer_domain::ids::{ApprovalId, DealId, ProductId, QuoteId};
use closer_domain::pricing::{PaymentTerms, Quote, QuoteDraft, QuoteLineDraft, QuotePatch};
use uuid::Uuid;

use super::deal_form::parse_amount;
use super::deal_panels::{panel_form, version};
use super::{FormValues, Viewer, form_date};
use crate::app::{AppError, AppResult, Expected, approvals, get, pricing};

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::single(field, message))
}

/// A price field: empty means "not given".
fn price(form: &FormValues, name: &str, currency: &str) -> AppResult<Option<i64>> {
    let text = form.get(name).trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_amount(text, currency).map(Some).map_err(|m| invalid(name, m))
}

/// The line the form describes, priced in `currency`.
fn line(form: &FormValues, currency: &str) -> AppResult<QuoteLineDraft> {
    let product_id = match form.get("product_id").trim() {
        "" => None,
        id => Some(ProductId(
            Uuid::parse_str(id).map_err(|_| invalid("product_id", "choose a product from the list"))?,
        )),
    };
    let quantity = form
        .get("quantity")
        .trim()
        .parse::<i64>()
        .map_err(|_| invalid("quantity", "the quantity is a whole number, such as 1 or 12"))?;
    let description = Some(form.get("description").trim())
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    Ok(QuoteLineDraft {
        product_id,
        description,
        quantity,
        list_unit_price_minor: price(form, "list_price", currency)?,
        net_unit_price_minor: price(form, "net_price", currency)?,
    })
}

/// The currency of the deal, for reading the typed prices.
async fn currency_of(viewer: &Viewer, deal: DealId) -> AppResult<String> {
    let deal: closer_domain::deal::Deal = get(&viewer.ctx, deal.as_uuid()).await?;
    Ok(deal.terms.amount.currency.code().to_owned())
}

/// Starts the deal's next quote with its first line.
pub async fn start(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let deal = DealId(id);
    panel_form(viewer, deal, "quotes", fields, async |viewer, kept| {
        let currency = currency_of(viewer, deal).await?;
        let payment_terms = match kept.get("payment_terms").trim() {
            "" => None,
            terms => Some(PaymentTerms::parse(terms).map_err(|m| invalid("payment_terms", m))?),
        };
        let valid_until = match kept.get("valid_until").trim() {
            "" => None,
            date => Some(form_date(date, "valid until").map_err(|m| invalid("valid_until", m))?),
        };
        let draft = QuoteDraft {
            lines: vec![line(kept, &currency)?],
            payment_terms,
            valid_until,
            notes: None,
            promotion_codes: codes(kept),
            channel: None,
        };
        pricing::create_quote(&viewer.ctx, deal, &draft).await
    })
    .await
}

/// Adds a line to a draft quote.
pub async fn add_line(
    viewer: Viewer,
    Path((deal, quote)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    panel_form(viewer, DealId(deal), "quotes", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let current: Quote = get(&viewer.ctx, quote).await?;
        let currency = current.fields.currency.code().to_owned();
        // The lines already there go back as they are: list and net price kept.
        let mut lines: Vec<QuoteLineDraft> = current
            .fields
            .lines
            .iter()
            .map(|l| QuoteLineDraft {
                product_id: l.product_id,
                description: Some(l.description.clone()),
                quantity: l.quantity,
                list_unit_price_minor: Some(l.list_unit_price_minor),
                net_unit_price_minor: Some(l.net_unit_price_minor),
            })
            .collect();
        lines.push(line(kept, &currency)?);
        let patch = QuotePatch {
            lines: Some(lines),
            ..QuotePatch::default()
        };
        pricing::patch_quote(&viewer.ctx, QuoteId(quote), &expected, &patch).await
    })
    .await
}

/// The codes typed into a form, separated by commas or spaces.
fn codes(form: &FormValues) -> Vec<String> {
    form.get("promotion_codes")
        .split([',', ' ', '，'])
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sets the promotion codes of a B2C draft; the promotions are priced again.
pub async fn set_codes(
    viewer: Viewer,
    Path((deal, quote)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    panel_form(viewer, DealId(deal), "quotes", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let patch = QuotePatch {
            promotion_codes: Some(codes(kept)),
            ..QuotePatch::default()
        };
        pricing::patch_quote(&viewer.ctx, QuoteId(quote), &expected, &patch).await
    })
    .await
}

/// Sends, accepts, declines or revises one revision, as the button pressed says.
pub async fn act(
    viewer: Viewer,
    Path((deal, quote)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let quote = QuoteId(quote);
    panel_form(viewer, DealId(deal), "quotes", fields, async |viewer, kept| {
        let expected = version(kept)?;
        let ctx = &viewer.ctx;
        match kept.get("action") {
            "send" => pricing::send_quote(ctx, quote, &expected).await.map(drop),
            "accept" => pricing::decide_quote(ctx, quote, &expected, true).await.map(drop),
            "decline" => pricing::decide_quote(ctx, quote, &expected, false).await.map(drop),
            "revise" => pricing::revise_quote(ctx, quote).await.map(drop),
            "submit_approval" => {
                let submission = ApprovalSubmission {
                    justification: Some(kept.get("justification").trim())
                        .filter(|j| !j.is_empty())
                        .map(str::to_owned),
                };
                approvals::submit(ctx, quote, &submission).await.map(drop)
            }
            "recall_approval" => {
                let id = Uuid::parse_str(kept.get("approval_id"))
                    .map_err(|_| invalid("approval_id", "the form names no approval request"))?;
                let version = kept
                    .get("approval_version")
                    .parse::<i64>()
                    .map_err(|_| invalid("approval_version", "the form names no version"))?;
                approvals::recall(ctx, ApprovalId(id), &Expected::OneOf(vec![version]))
                    .await
                    .map(drop)
            }
            other => Err(invalid("action", format!("'{other}' is not something a quote does"))),
        }
    })
    .await
}
