//! B2C promotions: campaigns and promotions kept by admins and managers, the engine run over a
//! cart (a preview, or a B2C quote as it is written), and redemptions when the customer accepts.

use std::collections::HashMap;

use closer_domain::ValidationErrors;
use closer_domain::deal::Deal;
use closer_domain::ids::{CampaignId, PartyId, ProductId, PromotionId, RedemptionId, WorkspaceId};
use closer_domain::money::Currency;
use closer_domain::playbook::DealKind;
use closer_domain::pricing::{Quote, QuoteFields};
use closer_domain::promotions::{
    BetterOffer, Campaign, CampaignDraft, Cart, CartLine, Channel, Offer, Outcome, Promotion, PromotionDraft, Reward,
    Situation, Verdict, best, parse_code,
};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, products, promotions};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{AppError, AppResult, Ctx, Expected, begin_update, finish_update, insert_in, new_id, now};

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors::single(field, message))
}

/// Refuses a code another live promotion has, and a campaign that does not exist.
async fn references_hold(ctx: &Ctx, mut conn: Conn<'_>, draft: &Promotion) -> AppResult<()> {
    if let Some(code) = &draft.fields.code
        && let Some(other) = promotions::by_code(conn.reborrow(), ctx.workspace, code).await?
        && other.id != draft.id
    {
        return Err(invalid(
            "code",
            format!("promotion {} already has code {code}", other.id),
        ));
    }
    if let Some(campaign) = draft.fields.campaign_id {
        let found = promotions::get_campaign(conn, ctx.workspace, campaign).await?;
        if found.is_none_or(|c| c.meta.deleted_at.is_some()) {
            return Err(AppError::MissingReference(ValidationErrors::single(
                "campaign_id",
                format!("campaign {campaign} does not exist"),
            )));
        }
    }
    Ok(())
}

pub async fn create_promotion(ctx: &Ctx, draft: &PromotionDraft) -> AppResult<Promotion> {
    let promotion = Promotion {
        id: PromotionId(new_id()),
        fields: draft.parse()?,
        used_count: 0,
        meta: RecordMeta::created(now()),
    };
    let mut tx = ctx.begin().await?;
    references_hold(ctx, tx.conn(), &promotion).await?;
    insert_in(ctx, tx.conn(), &promotion).await?;
    tx.commit().await?;
    Ok(promotion)
}

/// Replaces a promotion's terms; what it was used so far stays.
pub async fn replace_promotion(
    ctx: &Ctx,
    id: PromotionId,
    version: &Expected,
    draft: &PromotionDraft,
) -> AppResult<Promotion> {
    let (mut tx, current) = begin_update::<Promotion>(ctx, id.as_uuid(), version).await?;
    let next = Promotion {
        fields: draft.parse()?,
        ..current.clone()
    };
    references_hold(ctx, tx.conn(), &next).await?;
    finish_update(ctx, tx, &current, next).await
}

pub async fn create_campaign(ctx: &Ctx, draft: &CampaignDraft) -> AppResult<Campaign> {
    let campaign = Campaign {
        id: CampaignId(new_id()),
        fields: draft.parse()?,
        used_count: 0,
        spent_minor: 0,
        meta: RecordMeta::created(now()),
    };
    super::create(ctx, campaign).await
}

pub async fn replace_campaign(
    ctx: &Ctx,
    id: CampaignId,
    version: &Expected,
    draft: &CampaignDraft,
) -> AppResult<Campaign> {
    let (tx, current) = begin_update::<Campaign>(ctx, id.as_uuid(), version).await?;
    let next = Campaign {
        fields: draft.parse()?,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

/// A cart line as a client sends it to the preview: a product (priced from the catalogue unless
/// a price is given) or a line of its own.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLineDraft {
    pub product_id: Option<ProductId>,
    /// For a line without a product: its category, for category promotions.
    pub category: Option<String>,
    pub quantity: i64,
    /// Defaults to the product's list price in the cart's currency.
    pub unit_price_minor: Option<i64>,
}

/// What the preview prices.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartDraft {
    pub currency: String,
    pub lines: Vec<CartLineDraft>,
    /// The customer, for per-customer limits and first-order promotions.
    pub customer_id: Option<PartyId>,
    pub channel: Option<Channel>,
    #[serde(default)]
    pub codes: Vec<String>,
}

/// The live promotions with their campaigns and what `customer` used of them, priced for `cart`.
async fn run(
    workspace: WorkspaceId,
    mut conn: Conn<'_>,
    cart: &Cart,
    customer: Option<PartyId>,
    situation: &Situation,
) -> AppResult<Outcome> {
    let live = promotions::current(conn.reborrow(), workspace).await?;
    run_over(workspace, conn, &live, cart, customer, situation).await
}

/// [`run`] over the live promotions already read.
async fn run_over(
    workspace: WorkspaceId,
    mut conn: Conn<'_>,
    live: &[Promotion],
    cart: &Cart,
    customer: Option<PartyId>,
    situation: &Situation,
) -> AppResult<Outcome> {
    let campaign_ids: Vec<CampaignId> = live.iter().filter_map(|p| p.fields.campaign_id).collect();
    let campaigns = promotions::campaigns_by_ids(conn.reborrow(), workspace, &campaign_ids).await?;
    let ids: Vec<PromotionId> = live.iter().map(|p| p.id).collect();
    let used = match customer {
        Some(customer) => promotions::used_by_customer(conn.reborrow(), workspace, customer, &ids).await?,
        None => HashMap::new(),
    };
    let gift_ids: Vec<ProductId> = live
        .iter()
        .filter_map(|p| match p.fields.reward {
            Reward::Gift { product_id, .. } => Some(product_id),
            _ => None,
        })
        .collect();
    let gifts = products::by_ids(conn, workspace, &gift_ids).await?;
    let offers: Vec<Offer> = live
        .iter()
        .map(|p| Offer {
            promotion: p,
            campaign: p
                .fields
                .campaign_id
                .and_then(|c| campaigns.get(&c))
                .filter(|c| c.meta.deleted_at.is_none()),
            used_total: p.used_count,
            used_by_customer: used.get(&p.id).copied().unwrap_or(0),
            gift_unit_price_minor: match p.fields.reward {
                Reward::Gift { product_id, .. } => gifts
                    .get(&product_id)
                    .filter(|g| g.meta.deleted_at.is_none())
                    .and_then(|g| g.fields.price_in(cart.currency)),
                _ => None,
            },
        })
        .collect();
    Ok(best(cart, &offers, situation))
}

/// Prices a cart: the best combination of the live promotions and why each other one did not
/// apply. Nothing is written.
pub async fn evaluate(ctx: &Ctx, draft: &CartDraft) -> AppResult<Outcome> {
    let mut check = closer_domain::validation::Validation::new();
    let currency = check.check("currency", Currency::parse(&draft.currency));
    let codes = check.check_each("codes", &draft.codes, 20, |c| parse_code(c));
    if draft.lines.is_empty() || draft.lines.len() > closer_domain::pricing::LINES_MAX {
        check.push("lines", "from 1 to 200 lines");
    }
    let mut conn = ctx.db.acquire().await?;
    let ids: Vec<ProductId> = draft.lines.iter().filter_map(|l| l.product_id).collect();
    let catalogue = products::by_ids(conn.conn(), ctx.workspace, &ids).await?;
    let mut lines = Vec::new();
    for (index, line) in draft.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{index}].{field}");
        if !(1..=closer_domain::pricing::QUANTITY_MAX).contains(&line.quantity) {
            check.push(at("quantity"), "from 1 to 1000000");
        }
        let product = line.product_id.and_then(|id| catalogue.get(&id));
        if line.product_id.is_some() && product.is_none_or(|p| p.meta.deleted_at.is_some()) {
            check.push(at("product_id"), "no such product");
        }
        let price = line
            .unit_price_minor
            .or_else(|| currency.and_then(|c| product.and_then(|p| p.fields.price_in(c))));
        match price {
            Some(price) if (0..=closer_domain::money::AMOUNT_MAX / 1_000_000).contains(&price) => {
                lines.push(CartLine {
                    product_id: line.product_id,
                    category: line
                        .category
                        .clone()
                        .or_else(|| product.and_then(|p| p.fields.category.clone())),
                    quantity: line.quantity,
                    unit_price_minor: price,
                });
            }
            Some(_) => check.push(at("unit_price_minor"), "from 0 to 1000000000 minor units"),
            None => check.push(
                at("unit_price_minor"),
                "give the price: the product has none in this currency",
            ),
        }
    }
    let (currency, codes) = match check.finish(|| currency.zip(codes)) {
        Ok(parsed) => parsed,
        Err(errors) => return Err(AppError::Invalid(errors)),
    };
    let first_order = match draft.customer_id {
        Some(customer) => {
            !closer_store::quotes::customer_has_ordered(
                conn.conn(),
                ctx.workspace,
                customer,
                closer_domain::ids::DealId(uuid::Uuid::nil()),
            )
            .await?
        }
        None => true,
    };
    let situation = Situation {
        now: now(),
        channel: draft.channel,
        first_order,
        codes,
    };
    run(
        ctx.workspace,
        conn.conn(),
        &Cart { currency, lines },
        draft.customer_id,
        &situation,
    )
    .await
}

/// A quote's lines as the engine prices them: at their net prices, with their products'
/// categories.
async fn cart_lines(
    workspace: WorkspaceId,
    conn: Conn<'_>,
    lines: &[closer_domain::pricing::QuoteLine],
) -> AppResult<Vec<CartLine>> {
    let ids: Vec<ProductId> = lines.iter().filter_map(|l| l.product_id).collect();
    let catalogue = products::by_ids(conn, workspace, &ids).await?;
    Ok(lines
        .iter()
        .map(|l| CartLine {
            product_id: l.product_id,
            category: l
                .product_id
                .and_then(|id| catalogue.get(&id))
                .and_then(|p| p.fields.category.clone()),
            quantity: l.quantity,
            unit_price_minor: l.net_unit_price_minor,
        })
        .collect())
}

/// The engine's answer for a B2C quote as written: its lines at their net prices, with the codes
/// it carries; `None` for a B2B quote or one without lines.
pub async fn outcome_for_quote(
    ctx: &Ctx,
    mut conn: Conn<'_>,
    deal: &Deal,
    fields: &QuoteFields,
) -> AppResult<Option<Outcome>> {
    if deal.progress.kind != DealKind::B2c || fields.lines.is_empty() {
        return Ok(None);
    }
    let cart = Cart {
        currency: fields.currency,
        lines: cart_lines(ctx.workspace, conn.reborrow(), &fields.lines).await?,
    };
    let customer = deal.terms.counterparty_id;
    let first_order =
        !closer_store::quotes::customer_has_ordered(conn.reborrow(), ctx.workspace, customer, deal.id).await?;
    let situation = Situation {
        now: now(),
        channel: fields.channel,
        first_order,
        codes: fields.promotion_codes.clone(),
    };
    Ok(Some(run(ctx.workspace, conn, &cart, Some(customer), &situation).await?))
}

/// What the best promotions valid now would give a consumer whom the price holds back (R5.1),
/// beyond what their latest offer gives: priced on that quote's lines as written, else on the
/// deal's amount.
/// Promotions that need a code count: the seller can give the customer the code.
pub(crate) async fn better_offer(
    workspace: WorkspaceId,
    mut conn: Conn<'_>,
    deal: &Deal,
    quotes: &[Quote],
    at: time::OffsetDateTime,
) -> AppResult<Option<BetterOffer>> {
    use closer_domain::pricing::QuoteStatus;
    let latest = quotes
        .iter()
        .filter(|q| !matches!(q.fields.status, QuoteStatus::Declined | QuoteStatus::Superseded))
        .max_by_key(|q| q.fields.revision);
    let (currency, lines, current) = match latest {
        Some(quote) if !quote.fields.lines.is_empty() => {
            let lines = cart_lines(workspace, conn.reborrow(), &quote.fields.lines).await?;
            let current = quote
                .fields
                .promotions
                .iter()
                .map(|p| p.discount_minor + p.gift.as_ref().map_or(0, |g| g.value_minor))
                .sum();
            (quote.fields.currency, lines, current)
        }
        _ if deal.terms.amount.amount_minor > 0 => (
            deal.terms.amount.currency,
            vec![CartLine {
                product_id: None,
                category: None,
                quantity: 1,
                unit_price_minor: deal.terms.amount.amount_minor,
            }],
            0,
        ),
        _ => return Ok(None),
    };
    let live = promotions::current(conn.reborrow(), workspace).await?;
    let customer = deal.terms.counterparty_id;
    let first_order =
        !closer_store::quotes::customer_has_ordered(conn.reborrow(), workspace, customer, deal.id).await?;
    let situation = Situation {
        now: at,
        channel: latest
            .and_then(|q| q.fields.channel)
            .or_else(|| deal.terms.lead_source.and_then(Channel::of_lead_source)),
        first_order,
        codes: live.iter().filter_map(|p| p.fields.code.clone()).collect(),
    };
    let cart = Cart { currency, lines };
    let outcome = run_over(workspace, conn, &live, &cart, Some(customer), &situation).await?;
    Ok(BetterOffer::beyond(&outcome, current, currency))
}

/// The promotions a B2C quote gets as written; a B2B quote gets none.
pub async fn price_quote(ctx: &Ctx, mut conn: Conn<'_>, deal: &Deal, fields: QuoteFields) -> AppResult<QuoteFields> {
    let Some(outcome) = outcome_for_quote(ctx, conn.reborrow(), deal, &fields).await? else {
        return Ok(QuoteFields {
            promotions: Vec::new(),
            ..fields
        });
    };
    codes_hold(ctx, conn, &fields.promotion_codes, &outcome).await?;
    Ok(QuoteFields {
        promotions: outcome.applied,
        ..fields
    })
}

/// Refuses a code that names no live promotion, or one that does not apply to this quote (a code
/// left out only for a better combination is fine: the customer gets more).
async fn codes_hold(ctx: &Ctx, mut conn: Conn<'_>, codes: &[String], outcome: &Outcome) -> AppResult<()> {
    for code in codes {
        let Some(promotion) = promotions::by_code(conn.reborrow(), ctx.workspace, code).await? else {
            return Err(invalid("promotion_codes", format!("no promotion has code {code}")));
        };
        let verdict = outcome
            .explanations
            .iter()
            .find(|e| e.promotion_id == promotion.id)
            .map_or(Verdict::NotActive, |e| e.verdict);
        if !matches!(verdict, Verdict::Applied | Verdict::BetterCombination) {
            return Err(invalid(
                "promotion_codes",
                format!("code {code} does not apply: {verdict}"),
            ));
        }
    }
    Ok(())
}

/// Writes the redemptions of an accepted quote's promotions, spending their limits and budgets;
/// refused (and nothing written) when one ran out meanwhile.
pub async fn redeem_quote(ctx: &Ctx, mut conn: Conn<'_>, deal: &Deal, quote: &Quote) -> AppResult<()> {
    for applied in &quote.fields.promotions {
        let redemption = promotions::Redemption {
            id: RedemptionId(new_id()),
            promotion_id: applied.promotion_id,
            campaign_id: applied.campaign_id,
            customer_id: deal.terms.counterparty_id,
            deal_id: deal.id,
            quote_id: quote.id,
            discount_minor: applied.discount_minor,
            currency: quote.fields.currency,
            at: now(),
        };
        if let Err(refusal) = promotions::redeem(conn.reborrow(), ctx.workspace, &redemption).await? {
            let why = match refusal {
                promotions::Refusal::UsageLimit => "reached its usage limit",
                promotions::Refusal::CustomerLimit => "was already used by this customer as often as allowed",
                promotions::Refusal::CampaignBudget => "has no campaign budget left",
            };
            return Err(AppError::Conflict(format!(
                "promotion {} {why} meanwhile: revise the quote without it",
                applied.name
            )));
        }
    }
    Ok(())
}
