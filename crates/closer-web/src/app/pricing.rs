//! The catalogue and the quotes of deals: products with their prices; quote revisions written,
//! sent (then frozen), answered by the customer and revised.

use std::collections::HashMap;

use closer_domain::ValidationErrors;
use closer_domain::access::Action;
use closer_domain::approvals::{Approval, ApprovalNeed};
use closer_domain::audit::AuditAction;
use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, ProductId, QuoteId};
use closer_domain::money::Money;
use closer_domain::pricing::{
    Product, ProductDraft, ProductPatch, Quote, QuoteDraft, QuoteFields, QuoteLineDraft, QuotePatch, QuoteStatus,
};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, products, quotes};

use super::approvals::DealApprovals;
use super::{
    AppError, AppResult, Ctx, Expected, begin_change, begin_update, finish_change, finish_update, insert_in, new_id,
    now, update_in,
};

/// Refuses a SKU another live product has.
async fn sku_free(ctx: &Ctx, conn: Conn<'_>, sku: &str, this: Option<ProductId>) -> AppResult<()> {
    match products::by_sku(conn, ctx.workspace, sku).await? {
        Some(other) if Some(other.id) != this => Err(AppError::Invalid(ValidationErrors::single(
            "sku",
            format!("product {} already has SKU {}", other.id, other.fields.sku),
        ))),
        _ => Ok(()),
    }
}

pub async fn create_product(ctx: &Ctx, draft: &ProductDraft) -> AppResult<Product> {
    let fields = draft.parse()?;
    let product = Product {
        id: ProductId(new_id()),
        fields,
        meta: RecordMeta::created(now()),
    };
    let mut tx = ctx.begin().await?;
    sku_free(ctx, tx.conn(), &product.fields.sku, None).await?;
    insert_in(ctx, tx.conn(), &product).await?;
    tx.commit().await?;
    Ok(product)
}

pub async fn patch_product(ctx: &Ctx, id: ProductId, version: &Expected, patch: &ProductPatch) -> AppResult<Product> {
    let (mut tx, current) = begin_update::<Product>(ctx, id.as_uuid(), version).await?;
    let fields = patch.apply(&current.fields)?;
    sku_free(ctx, tx.conn(), &fields.sku, Some(id)).await?;
    let next = Product {
        fields,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

/// Brings a deleted product back, unless a live one took its SKU meanwhile.
pub async fn restore_product(ctx: &Ctx, id: ProductId, version: &Expected) -> AppResult<Product> {
    let mut conn = ctx.db.acquire().await?;
    if let Some(product) = products::get(conn.conn(), ctx.workspace, id).await? {
        sku_free(ctx, conn.conn(), &product.fields.sku, Some(id)).await?;
    }
    drop(conn);
    super::restore::<Product>(ctx, id.as_uuid(), version).await
}

/// The products the lines name, deleted or not (the domain tells which may be quoted).
async fn products_of(ctx: &Ctx, conn: Conn<'_>, lines: &[QuoteLineDraft]) -> AppResult<HashMap<ProductId, Product>> {
    let ids: Vec<ProductId> = lines.iter().filter_map(|l| l.product_id).collect();
    Ok(products::by_ids(conn, ctx.workspace, &ids).await?)
}

/// Refuses a second draft: changes go to the deal's open draft.
fn no_open_draft(existing: &[Quote]) -> AppResult<()> {
    match existing.iter().find(|q| q.fields.status == QuoteStatus::Draft) {
        Some(draft) => Err(AppError::Conflict(format!(
            "revision {} ({}) is still a draft: change it instead of starting another",
            draft.fields.revision, draft.id
        ))),
        None => Ok(()),
    }
}

/// Starts the deal's next quote revision.
pub async fn create_quote(ctx: &Ctx, deal_id: DealId, draft: &QuoteDraft) -> AppResult<Quote> {
    let mut tx = ctx.begin().await?;
    let deal = super::deals::open_deal_to_edit(ctx, tx.conn(), deal_id, "quote").await?;
    no_open_draft(&quotes::for_deal(tx.conn(), ctx.workspace, deal_id).await?)?;
    let revision = quotes::last_revision(tx.conn(), ctx.workspace, deal_id).await? + 1;
    let products = products_of(ctx, tx.conn(), &draft.lines).await?;
    let at = now();
    let fields = draft.parse(&deal, revision, &products, at.date())?;
    let fields = super::promotions::price_quote(ctx, tx.conn(), &deal, fields).await?;
    let quote = Quote::new(QuoteId(new_id()), fields, RecordMeta::created(at));
    insert_in(ctx, tx.conn(), &quote).await?;
    tx.commit().await?;
    Ok(quote)
}

/// The deal's live quotes, newest revision first.
pub async fn quotes_of(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Quote>> {
    let _deal: Deal = super::get(ctx, deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(quotes::for_deal(conn.conn(), ctx.workspace, deal_id).await?)
}

/// Changes a draft. Not while it waits for approval; an approval it had stops counting once the
/// change goes beyond what was approved.
pub async fn patch_quote(ctx: &Ctx, id: QuoteId, version: &Expected, patch: &QuotePatch) -> AppResult<Quote> {
    let (mut tx, current) = begin_update::<Quote>(ctx, id.as_uuid(), version).await?;
    let paper = DealApprovals::load(ctx, tx.conn(), current.fields.deal_id).await?;
    paper.not_pending(&current)?;
    let lines = patch.lines.as_deref().unwrap_or_default();
    let products = products_of(ctx, tx.conn(), lines).await?;
    let deal = super::deals::stored(ctx, tx.conn(), current.fields.deal_id).await?;
    let fields = patch.apply(&current.fields, deal.progress.kind, &products, now().date())?;
    let fields = super::promotions::price_quote(ctx, tx.conn(), &deal, fields).await?;
    let next = Quote::new(current.id, fields, current.meta.clone());
    paper.invalidate_if_exceeded(ctx, tx.conn(), &deal, &next).await?;
    finish_update(ctx, tx, &current, next).await
}

/// Gives the quote to the customer: it is frozen from now on, and the revisions sent before it
/// are superseded.
pub async fn send_quote(ctx: &Ctx, id: QuoteId, version: &Expected) -> AppResult<Quote> {
    let (mut tx, current) = begin_change::<Quote>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let at = now();
    let sent = current.fields.send(at)?;
    let deal = super::deals::stored(ctx, tx.conn(), current.fields.deal_id).await?;
    DealApprovals::load(ctx, tx.conn(), deal.id)
        .await?
        .approved_enough(&deal, &current)?;
    let earlier = quotes::for_deal(tx.conn(), ctx.workspace, current.fields.deal_id).await?;
    for old in earlier
        .into_iter()
        .filter(|q| q.fields.status == QuoteStatus::Sent && q.fields.revision < current.fields.revision)
    {
        let superseded = QuoteFields {
            status: QuoteStatus::Superseded,
            ..old.fields.clone()
        };
        let next = Quote::new(old.id, superseded, old.meta.clone());
        update_in(ctx, tx.conn(), &old, next, AuditAction::Update).await?;
    }
    let next = Quote::new(current.id, sent, current.meta.clone());
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}

/// Records the customer's answer. An accepted quote sets the deal's amount to its total (after
/// promotions), so the pipeline and the forecast count what the customer agreed to, and redeems
/// its promotions.
pub async fn decide_quote(ctx: &Ctx, id: QuoteId, version: &Expected, accepted: bool) -> AppResult<Quote> {
    let (mut tx, current) = begin_change::<Quote>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let fields = current.fields.decide(accepted, now())?;
    if accepted {
        let deal = super::deals::stored(ctx, tx.conn(), current.fields.deal_id).await?;
        super::promotions::redeem_quote(ctx, tx.conn(), &deal, &current).await?;
        let amount = Money {
            amount_minor: current.totals.total_minor,
            currency: current.fields.currency,
        };
        if deal.terms.amount != amount {
            let mut next = deal.clone();
            next.terms.amount = amount;
            update_in(ctx, tx.conn(), &deal, next, AuditAction::Update).await?;
        }
    }
    let next = Quote::new(current.id, fields, current.meta.clone());
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}

/// Makes the next revision from a sent or declined quote: a draft with the same lines and terms.
pub async fn revise_quote(ctx: &Ctx, id: QuoteId) -> AppResult<Quote> {
    let (mut tx, current) = begin_change::<Quote>(ctx, id.as_uuid(), &Expected::Any, Action::Edit).await?;
    let deal_id = current.fields.deal_id;
    super::deals::open_deal_to_edit(ctx, tx.conn(), deal_id, "quote").await?;
    no_open_draft(&quotes::for_deal(tx.conn(), ctx.workspace, deal_id).await?)?;
    let revision = quotes::last_revision(tx.conn(), ctx.workspace, deal_id).await? + 1;
    let at = now();
    let fields = current.fields.revise(revision, at.date())?;
    let quote = Quote::new(QuoteId(new_id()), fields, RecordMeta::created(at));
    insert_in(ctx, tx.conn(), &quote).await?;
    tx.commit().await?;
    Ok(quote)
}

/// What a quote needs approved on our side before it goes out, under the workspace's matrix, once
/// what the deal's earlier requests approved is counted.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QuoteApproval {
    /// The quote may not be sent before the approvals in `need` are given.
    pub required: bool,
    /// The reasons and the chain of approvers; null when the seller may send it alone.
    pub need: Option<ApprovalNeed>,
    /// The latest request about this revision, if any.
    pub request: Option<Approval>,
}

pub async fn approval_of(ctx: &Ctx, id: QuoteId) -> AppResult<QuoteApproval> {
    let quote: Quote = super::get(ctx, id.as_uuid()).await?;
    let deal: Deal = super::get(ctx, quote.fields.deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let paper = DealApprovals::load(ctx, conn.conn(), deal.id).await?;
    let need = match quote.fields.status {
        QuoteStatus::Draft => paper.still_needed(&deal, &quote),
        _ => None,
    };
    Ok(QuoteApproval {
        required: need.is_some(),
        need,
        request: paper.requests.into_iter().find(|a| a.fields.quote_id == id),
    })
}

/// Deletes a draft; a quote the customer has seen stays on record.
pub async fn delete_quote(ctx: &Ctx, id: QuoteId, version: &Expected) -> AppResult<Quote> {
    let quote: Quote = super::get(ctx, id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let paper = DealApprovals::load(ctx, conn.conn(), quote.fields.deal_id).await?;
    drop(conn);
    paper.not_pending(&quote)?;
    if quote.fields.status != QuoteStatus::Draft {
        return Err(AppError::Conflict(format!(
            "revision {} is {}: only a draft is deleted",
            quote.fields.revision, quote.fields.status
        )));
    }
    super::remove::<Quote>(ctx, id.as_uuid(), version).await
}
