//! B2C promotions (the price half of D5): campaigns with budgets, promotions by code or
//! automatic, their rewards and eligibility, and the engine that picks, for one cart, the best
//! combination the stacking rules allow and says why every other promotion did not apply.
//!
//! Stacking (design §3.7): candidates are the live promotions whose window, limits, budget,
//! code and eligibility hold; at most one order promotion and one gift promotion; a line takes
//! one product promotion unless the promotions on it combine with each other; every pair in a set
//! must combine with the other's class, both ways. Of the valid sets the one worth most to the
//! customer wins; ties go to the higher summed priority, then the earlier end, then the lower ids.
//! Product promotions apply first, the order promotion then works on the discounted subtotal.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::ids::{CampaignId, ProductId, PromotionId};
use crate::money::{AMOUNT_MAX, Currency};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, LABEL_MAX, NAME_MAX};
use crate::validation::{Validation, ValidationErrors};

string_enum!(
    /// What a promotion discounts: lines (product), the whole order, or a gift added to it.
    PromotionClass { Product => "product", Order => "order", Gift => "gift" }
);

string_enum!(
    /// Where the promotion stands as its owner set it; the window and the limits decide the rest.
    PromotionStatus { Draft => "draft", Active => "active", Paused => "paused", Archived => "archived" }
);

string_enum!(
    /// How the sale is made.
    Channel { Store => "store", Phone => "phone", Online => "online", Field => "field" }
);

impl Channel {
    /// The channel a deal's lead source implies, if one does.
    pub fn of_lead_source(source: crate::deal::LeadSource) -> Option<Channel> {
        use crate::deal::LeadSource;
        match source {
            LeadSource::Telemarketing => Some(Channel::Phone),
            LeadSource::StoreVisit => Some(Channel::Store),
            LeadSource::Inbound => Some(Channel::Online),
            LeadSource::Outbound | LeadSource::Event => Some(Channel::Field),
            LeadSource::Referral | LeadSource::WarmIntro | LeadSource::Partner => None,
        }
    }
}

string_enum!(
    /// What a campaign budget counts.
    BudgetKind {
        /// Redemptions.
        Usage => "usage",
        /// Discount given, in the campaign's currency.
        Spend => "spend",
    }
);

/// What the customer gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reward {
    /// Basis points off each eligible line (product class) or off the order (order class).
    Percentage { bp: i64 },
    /// Minor units off each eligible unit (product class) or once off the order (order class).
    FixedAmount { amount_minor: i64 },
    /// Eligible units sold at this unit price (product class).
    FixedPrice { unit_price_minor: i64 },
    /// For every `buy_quantity + get_quantity` eligible units, the `get_quantity` cheapest are
    /// `bp` off (10000: free).
    BuyXGetY {
        buy_quantity: i64,
        get_quantity: i64,
        bp: i64,
    },
    /// A gift pack: the product, free, in this quantity (gift class).
    Gift { product_id: ProductId, quantity: i64 },
}

/// Which carts and customers a promotion is for. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Eligibility {
    /// The lines it applies to, by product…
    pub product_ids: Vec<ProductId>,
    /// …or by the product's category (case ignored).
    pub categories: Vec<String>,
    /// The eligible lines must add up to at least this, in the promotion's currency.
    pub min_subtotal_minor: Option<i64>,
    /// At least this many eligible units.
    pub min_quantity: Option<i64>,
    /// Only for a customer's first order.
    pub first_order_only: bool,
    pub channels: Vec<Channel>,
}

/// Which classes a promotion may be combined with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CombinesWith {
    pub product: bool,
    pub order: bool,
    pub gift: bool,
}

impl CombinesWith {
    fn allows(self, class: PromotionClass) -> bool {
        match class {
            PromotionClass::Product => self.product,
            PromotionClass::Order => self.order,
            PromotionClass::Gift => self.gift,
        }
    }
}

/// A promotion as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionDraft {
    pub name: String,
    pub campaign_id: Option<CampaignId>,
    /// Entered by the customer or the seller; left out, the promotion applies by itself.
    pub code: Option<String>,
    pub class: PromotionClass,
    pub reward: Reward,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Needed for fixed amounts, fixed prices and a minimum subtotal: the promotion applies to
    /// carts in this currency only.
    pub currency: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub usage_limit_total: Option<i64>,
    pub usage_limit_per_customer: Option<i64>,
    #[serde(default)]
    pub combines_with: CombinesWith,
    /// Higher wins a tie.
    #[serde(default)]
    pub priority: i32,
    /// Defaults to `active`.
    pub status: Option<PromotionStatus>,
}

/// A promotion, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PromotionFields {
    pub name: String,
    pub campaign_id: Option<CampaignId>,
    /// Upper case; `None` for an automatic promotion.
    pub code: Option<String>,
    pub class: PromotionClass,
    pub reward: Reward,
    pub eligibility: Eligibility,
    pub currency: Option<Currency>,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub usage_limit_total: Option<i64>,
    pub usage_limit_per_customer: Option<i64>,
    pub combines_with: CombinesWith,
    pub priority: i32,
    pub status: PromotionStatus,
}

impl PromotionFields {
    /// The draft these fields were checked from: what a client edits to change some of them.
    pub fn to_draft(&self) -> PromotionDraft {
        PromotionDraft {
            name: self.name.clone(),
            campaign_id: self.campaign_id,
            code: self.code.clone(),
            class: self.class,
            reward: self.reward.clone(),
            eligibility: self.eligibility.clone(),
            currency: self.currency.map(|c| c.code().to_owned()),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            usage_limit_total: self.usage_limit_total,
            usage_limit_per_customer: self.usage_limit_per_customer,
            combines_with: self.combines_with,
            priority: self.priority,
            status: Some(self.status),
        }
    }
}

/// A stored promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Promotion {
    pub id: PromotionId,
    #[serde(flatten)]
    pub fields: PromotionFields,
    /// Redemptions so far (released ones not counted).
    pub used_count: i64,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Longest promotion code.
pub const CODE_MAX: usize = 40;
const LIST_MAX: usize = 200;

/// A code in upper case: letters, digits, `-` and `_`.
pub fn parse_code(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_uppercase();
    if code.is_empty() || code.chars().count() > CODE_MAX {
        return Err(format!("from 1 to {CODE_MAX} characters"));
    }
    if !code.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err("letters, digits, '-' and '_' only".into());
    }
    Ok(code)
}

fn bp(value: i64) -> Result<i64, String> {
    if (1..=10_000).contains(&value) {
        Ok(value)
    } else {
        Err("basis points from 1 to 10000 (100%)".into())
    }
}

fn positive_amount(value: i64) -> Result<i64, String> {
    if (1..=AMOUNT_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(format!("from 1 to {AMOUNT_MAX} minor units"))
    }
}

fn count(value: i64) -> Result<i64, String> {
    if (1..=1_000_000).contains(&value) {
        Ok(value)
    } else {
        Err("from 1 to 1000000".into())
    }
}

impl PromotionDraft {
    pub fn parse(&self) -> Result<PromotionFields, ValidationErrors> {
        let mut check = Validation::new();
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        let code = match &self.code {
            None => Some(None),
            Some(raw) => check.check("code", parse_code(raw)).map(Some),
        };
        let currency = match &self.currency {
            None => Some(None),
            Some(raw) => check.check("currency", Currency::parse(raw)).map(Some),
        };
        let fits = match (self.class, &self.reward) {
            (PromotionClass::Product, Reward::Gift { .. }) => false,
            (PromotionClass::Product, _) => true,
            (PromotionClass::Order, Reward::Percentage { .. } | Reward::FixedAmount { .. }) => true,
            (PromotionClass::Gift, Reward::Gift { .. }) => true,
            _ => false,
        };
        if !fits {
            check.push("reward", format!("a {} promotion cannot give this reward", self.class));
        }
        let needs_currency = matches!(self.reward, Reward::FixedAmount { .. } | Reward::FixedPrice { .. })
            || self.eligibility.min_subtotal_minor.is_some();
        if needs_currency && self.currency.is_none() {
            check.push(
                "currency",
                "fixed amounts and a minimum subtotal need the currency they are in",
            );
        }
        match &self.reward {
            Reward::Percentage { bp: value } => {
                check.check("reward.bp", bp(*value));
            }
            Reward::FixedAmount { amount_minor } => {
                check.check("reward.amount_minor", positive_amount(*amount_minor));
            }
            Reward::FixedPrice { unit_price_minor } => {
                if !(0..=AMOUNT_MAX).contains(unit_price_minor) {
                    check.push("reward.unit_price_minor", format!("from 0 to {AMOUNT_MAX} minor units"));
                }
            }
            Reward::BuyXGetY {
                buy_quantity,
                get_quantity,
                bp: value,
            } => {
                check.check("reward.buy_quantity", count(*buy_quantity));
                check.check("reward.get_quantity", count(*get_quantity));
                check.check("reward.bp", bp(*value));
            }
            Reward::Gift { quantity, .. } => {
                check.check("reward.quantity", count(*quantity));
            }
        }
        let e = &self.eligibility;
        if e.product_ids.len() > LIST_MAX {
            check.push("eligibility.product_ids", format!("at most {LIST_MAX} products"));
        }
        let categories = check.check_each("eligibility.categories", &e.categories, LIST_MAX, |c| {
            text::required(c, LABEL_MAX)
        });
        if let Some(min) = e.min_subtotal_minor {
            check.check("eligibility.min_subtotal_minor", positive_amount(min));
        }
        if let Some(min) = e.min_quantity {
            check.check("eligibility.min_quantity", count(min));
        }
        if let Some(limit) = self.usage_limit_total {
            check.check("usage_limit_total", count(limit));
        }
        if let Some(limit) = self.usage_limit_per_customer {
            check.check("usage_limit_per_customer", count(limit));
        }
        if self.ends_at.is_some_and(|end| end <= self.starts_at) {
            check.push("ends_at", "must be after starts_at");
        }
        check.finish(|| {
            let mut product_ids = e.product_ids.clone();
            product_ids.sort();
            product_ids.dedup();
            Some(PromotionFields {
                name: name?,
                campaign_id: self.campaign_id,
                code: code?,
                class: self.class,
                reward: self.reward.clone(),
                eligibility: Eligibility {
                    product_ids,
                    categories: categories?,
                    ..e.clone()
                },
                currency: currency?,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                usage_limit_total: self.usage_limit_total,
                usage_limit_per_customer: self.usage_limit_per_customer,
                combines_with: self.combines_with,
                priority: self.priority,
                status: self.status.unwrap_or(PromotionStatus::Active),
            })
        })
    }
}

/// A campaign's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignBudget {
    pub kind: BudgetKind,
    /// Redemptions (usage), or minor units of `currency` (spend).
    pub limit: i64,
    /// The spend budget's currency.
    pub currency: Option<String>,
}

/// A campaign as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignDraft {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub budget: Option<CampaignBudget>,
}

/// A campaign, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignFields {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
    pub budget: Option<CampaignBudget>,
}

/// A stored campaign with what its promotions used so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Campaign {
    pub id: CampaignId,
    #[serde(flatten)]
    pub fields: CampaignFields,
    /// Redemptions so far (released ones not counted).
    pub used_count: i64,
    /// Discount given so far, in the budget's currency.
    pub spent_minor: i64,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl CampaignDraft {
    pub fn parse(&self) -> Result<CampaignFields, ValidationErrors> {
        let mut check = Validation::new();
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        if self.ends_at.is_some_and(|end| end <= self.starts_at) {
            check.push("ends_at", "must be after starts_at");
        }
        let budget = match &self.budget {
            None => Some(None),
            Some(budget) => {
                check.check("budget.limit", positive_amount(budget.limit));
                let currency = match (budget.kind, &budget.currency) {
                    (BudgetKind::Spend, None) => {
                        check.push("budget.currency", "a spend budget is in one currency");
                        None
                    }
                    (_, None) => Some(None),
                    (_, Some(raw)) => check
                        .check("budget.currency", Currency::parse(raw))
                        .map(|c| Some(c.code().to_owned())),
                };
                currency.map(|currency| {
                    Some(CampaignBudget {
                        currency,
                        ..budget.clone()
                    })
                })
            }
        };
        check.finish(|| {
            Some(CampaignFields {
                name: name?,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                budget: budget?,
            })
        })
    }
}

impl Campaign {
    /// Running at `now`.
    pub fn running(&self, now: OffsetDateTime) -> bool {
        self.fields.starts_at <= now && self.fields.ends_at.is_none_or(|end| now < end)
    }

    /// What is left of the budget: redemptions or minor units; `None` without a budget.
    pub fn remaining(&self) -> Option<i64> {
        self.fields.budget.as_ref().map(|b| match b.kind {
            BudgetKind::Usage => b.limit - self.used_count,
            BudgetKind::Spend => b.limit - self.spent_minor,
        })
    }
}

/// One line of the cart the engine prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub product_id: Option<ProductId>,
    /// The product's category, for category eligibility.
    pub category: Option<String>,
    pub quantity: i64,
    /// The unit price before promotions.
    pub unit_price_minor: i64,
}

/// What is being bought, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub currency: Currency,
    pub lines: Vec<CartLine>,
}

impl Cart {
    pub fn subtotal(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity * l.unit_price_minor).sum()
    }
}

/// Who buys, how, when, and with which codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    pub now: OffsetDateTime,
    pub channel: Option<Channel>,
    /// The customer has no accepted order yet.
    pub first_order: bool,
    /// Codes entered, upper case.
    pub codes: Vec<String>,
}

/// A promotion with what it has used so far, for the customer at hand.
#[derive(Debug, Clone)]
pub struct Offer<'a> {
    pub promotion: &'a Promotion,
    pub campaign: Option<&'a Campaign>,
    /// Redemptions of this promotion, by anyone.
    pub used_total: i64,
    /// Redemptions of this promotion by this customer.
    pub used_by_customer: i64,
    /// The list price of the gift, in the cart's currency, for a gift promotion.
    pub gift_unit_price_minor: Option<i64>,
}

string_enum!(
    /// Why a promotion did or did not apply.
    Verdict {
        Applied => "applied",
        NotActive => "not_active",
        NotStarted => "not_started",
        Ended => "ended",
        CodeNotEntered => "code_not_entered",
        CampaignNotRunning => "campaign_not_running",
        CampaignBudgetSpent => "campaign_budget_spent",
        UsageLimitReached => "usage_limit_reached",
        CustomerLimitReached => "customer_limit_reached",
        OtherCurrency => "other_currency",
        ChannelNotEligible => "channel_not_eligible",
        NotFirstOrder => "not_first_order",
        NoEligibleItems => "no_eligible_items",
        BelowMinSubtotal => "below_min_subtotal",
        BelowMinQuantity => "below_min_quantity",
        GiftNotPriced => "gift_not_priced",
        NothingOff => "nothing_off",
        /// It qualified, but a better combination left it out.
        BetterCombination => "better_combination",
    }
);

/// Why one promotion did or did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Explanation {
    pub promotion_id: PromotionId,
    pub name: String,
    pub verdict: Verdict,
    /// What it would have been worth alone (0 when it did not qualify).
    pub value_minor: i64,
}

/// A promotion the engine applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppliedPromotion {
    pub promotion_id: PromotionId,
    pub campaign_id: Option<CampaignId>,
    pub name: String,
    pub code: Option<String>,
    pub class: PromotionClass,
    /// Off the price (0 for a gift).
    pub discount_minor: i64,
    /// The gift given, its quantity and its worth at list price.
    pub gift: Option<Gift>,
    /// When the promotion ends: an offer built on it is urgent before then (R5.2).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
}

/// A gift added to the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Gift {
    pub product_id: ProductId,
    pub quantity: i64,
    pub value_minor: i64,
}

/// The engine's answer for one cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Outcome {
    pub subtotal_minor: i64,
    /// Off the price, all promotions together.
    pub discount_minor: i64,
    pub total_minor: i64,
    /// What the customer gains: the discount plus the gifts' worth.
    pub benefit_minor: i64,
    /// Each line's discount from product promotions, in cart order.
    pub line_discounts_minor: Vec<i64>,
    pub applied: Vec<AppliedPromotion>,
    /// Every promotion looked at, applied or not, and why.
    pub explanations: Vec<Explanation>,
}

/// What the best promotions valid now give a customer whom the price holds back (R5.1), beyond
/// what the offer made so far gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetterOffer {
    /// Each promotion's name, with its code when it needs one (`Spring sale (code SPRING)`).
    pub promotions: Vec<String>,
    /// The customer's gain beyond the current offer.
    pub extra: crate::money::Money,
}

impl BetterOffer {
    /// `best` as a better offer, when it gains the customer more than `current_benefit_minor`.
    pub fn beyond(best: &Outcome, current_benefit_minor: i64, currency: Currency) -> Option<BetterOffer> {
        let extra = best.benefit_minor - current_benefit_minor;
        (extra > 0 && !best.applied.is_empty()).then(|| BetterOffer {
            promotions: best
                .applied
                .iter()
                .map(|p| match &p.code {
                    Some(code) => format!("{} (code {code})", p.name),
                    None => p.name.clone(),
                })
                .collect(),
            extra: crate::money::Money {
                amount_minor: extra,
                currency,
            },
        })
    }
}

/// At most this many qualifying promotions are combined (the best alone first); 2^16 sets.
const COMBINE_MAX: usize = 16;

fn line_matches(eligibility: &Eligibility, line: &CartLine) -> bool {
    let by_product = !eligibility.product_ids.is_empty();
    let by_category = !eligibility.categories.is_empty();
    if !by_product && !by_category {
        return true;
    }
    let product = line.product_id.is_some_and(|p| eligibility.product_ids.contains(&p));
    let category = line.category.as_deref().is_some_and(|c| {
        eligibility
            .categories
            .iter()
            .any(|wanted| wanted.to_lowercase() == c.to_lowercase())
    });
    (by_product && product) || (by_category && category)
}

/// Why an offer cannot apply to this cart, if it cannot.
fn disqualified(offer: &Offer, cart: &Cart, situation: &Situation) -> Option<Verdict> {
    let p = &offer.promotion.fields;
    if p.status != PromotionStatus::Active {
        return Some(Verdict::NotActive);
    }
    if situation.now < p.starts_at {
        return Some(Verdict::NotStarted);
    }
    if p.ends_at.is_some_and(|end| situation.now >= end) {
        return Some(Verdict::Ended);
    }
    if let Some(code) = &p.code
        && !situation.codes.contains(code)
    {
        return Some(Verdict::CodeNotEntered);
    }
    if let Some(campaign) = offer.campaign {
        if !campaign.running(situation.now) {
            return Some(Verdict::CampaignNotRunning);
        }
        if campaign.remaining().is_some_and(|left| left <= 0) {
            return Some(Verdict::CampaignBudgetSpent);
        }
        // A spend budget counts in one currency; other currencies are never converted into it.
        let spend_currency = campaign
            .fields
            .budget
            .as_ref()
            .filter(|b| b.kind == BudgetKind::Spend)
            .and_then(|b| b.currency.as_deref());
        if spend_currency.is_some_and(|c| c != cart.currency.code()) {
            return Some(Verdict::OtherCurrency);
        }
    }
    if p.usage_limit_total.is_some_and(|limit| offer.used_total >= limit) {
        return Some(Verdict::UsageLimitReached);
    }
    if p.usage_limit_per_customer
        .is_some_and(|limit| offer.used_by_customer >= limit)
    {
        return Some(Verdict::CustomerLimitReached);
    }
    if p.currency.is_some_and(|c| c != cart.currency) {
        return Some(Verdict::OtherCurrency);
    }
    let e = &p.eligibility;
    if !e.channels.is_empty() && !situation.channel.is_some_and(|c| e.channels.contains(&c)) {
        return Some(Verdict::ChannelNotEligible);
    }
    if e.first_order_only && !situation.first_order {
        return Some(Verdict::NotFirstOrder);
    }
    let eligible: Vec<&CartLine> = cart.lines.iter().filter(|l| line_matches(e, l)).collect();
    if eligible.is_empty() {
        return Some(Verdict::NoEligibleItems);
    }
    let subtotal: i64 = eligible.iter().map(|l| l.quantity * l.unit_price_minor).sum();
    if e.min_subtotal_minor.is_some_and(|min| subtotal < min) {
        return Some(Verdict::BelowMinSubtotal);
    }
    let units: i64 = eligible.iter().map(|l| l.quantity).sum();
    if e.min_quantity.is_some_and(|min| units < min) {
        return Some(Verdict::BelowMinQuantity);
    }
    if matches!(p.reward, Reward::Gift { .. }) && offer.gift_unit_price_minor.is_none() {
        return Some(Verdict::GiftNotPriced);
    }
    None
}

/// `bp` basis points of `amount`, rounded half up (amounts are never negative).
fn share(amount: i64, bp: i64) -> i64 {
    let scaled = i128::from(amount) * i128::from(bp);
    i64::try_from((scaled + 5_000) / 10_000).unwrap_or(i64::MAX)
}

/// The discounts of one product promotion on each line, given what is left of each line.
fn product_discounts(promotion: &PromotionFields, cart: &Cart, left: &[i64]) -> Vec<i64> {
    let eligible: Vec<bool> = cart
        .lines
        .iter()
        .map(|l| line_matches(&promotion.eligibility, l))
        .collect();
    let mut off = vec![0; cart.lines.len()];
    match promotion.reward {
        Reward::Percentage { bp } => {
            for (i, _) in cart.lines.iter().enumerate().filter(|(i, _)| eligible[*i]) {
                off[i] = share(left[i], bp);
            }
        }
        Reward::FixedAmount { amount_minor } => {
            for (i, line) in cart.lines.iter().enumerate().filter(|(i, _)| eligible[*i]) {
                off[i] = amount_minor.saturating_mul(line.quantity).min(left[i]);
            }
        }
        Reward::FixedPrice { unit_price_minor } => {
            for (i, line) in cart.lines.iter().enumerate().filter(|(i, _)| eligible[*i]) {
                let above = (line.unit_price_minor - unit_price_minor).max(0);
                off[i] = above.saturating_mul(line.quantity).min(left[i]);
            }
        }
        Reward::BuyXGetY {
            buy_quantity,
            get_quantity,
            bp,
        } => {
            let units: i64 = cart
                .lines
                .iter()
                .enumerate()
                .filter(|(i, _)| eligible[*i])
                .map(|(_, l)| l.quantity)
                .sum();
            let mut free_units = units / (buy_quantity + get_quantity) * get_quantity;
            // The cheapest eligible units are the ones given.
            let mut cheapest: Vec<usize> = (0..cart.lines.len()).filter(|i| eligible[*i]).collect();
            cheapest.sort_by_key(|i| (cart.lines[*i].unit_price_minor, *i));
            for i in cheapest {
                if free_units == 0 {
                    break;
                }
                let line = &cart.lines[i];
                let given = line.quantity.min(free_units);
                free_units -= given;
                // Off what is left of the line, in proportion to the units given.
                let part = if line.quantity == 0 {
                    0
                } else {
                    i64::try_from(i128::from(left[i]) * i128::from(given) / i128::from(line.quantity)).unwrap_or(0)
                };
                off[i] = share(part, bp).min(left[i]);
            }
        }
        Reward::Gift { .. } => {}
    }
    off
}

/// A set of promotions applied together: the lines' discounts, the order discount and the
/// gifts; `None` when the set breaks a stacking rule.
fn apply_set(set: &[&Offer], cart: &Cart) -> Option<(Vec<i64>, Vec<AppliedPromotion>)> {
    for (i, a) in set.iter().enumerate() {
        for b in &set[i + 1..] {
            let (pa, pb) = (&a.promotion.fields, &b.promotion.fields);
            let mutual = pa.combines_with.allows(pb.class) && pb.combines_with.allows(pa.class);
            if pa.class == pb.class && pa.class != PromotionClass::Product {
                return None;
            }
            if pa.class == pb.class {
                let overlap = cart
                    .lines
                    .iter()
                    .any(|l| line_matches(&pa.eligibility, l) && line_matches(&pb.eligibility, l));
                if overlap && !mutual {
                    return None;
                }
            } else if !mutual {
                return None;
            }
        }
    }
    let mut ordered: Vec<&Offer> = set.to_vec();
    ordered.sort_by_key(|o| {
        let p = &o.promotion.fields;
        let class_rank = match p.class {
            PromotionClass::Product => 0,
            PromotionClass::Order => 1,
            PromotionClass::Gift => 2,
        };
        (class_rank, -i64::from(p.priority), o.promotion.id)
    });
    let mut left: Vec<i64> = cart.lines.iter().map(|l| l.quantity * l.unit_price_minor).collect();
    let mut line_off = vec![0; cart.lines.len()];
    let mut applied = Vec::new();
    for offer in ordered {
        let p = &offer.promotion.fields;
        let (discount, gift) = match (p.class, &p.reward) {
            (PromotionClass::Product, _) => {
                let off = product_discounts(p, cart, &left);
                for (i, amount) in off.iter().enumerate() {
                    left[i] -= amount;
                    line_off[i] += amount;
                }
                (off.iter().sum(), None)
            }
            (PromotionClass::Order, reward) => {
                let base: i64 = cart
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| line_matches(&p.eligibility, l))
                    .map(|(i, _)| left[i])
                    .sum();
                let discount = match reward {
                    Reward::Percentage { bp } => share(base, *bp),
                    Reward::FixedAmount { amount_minor } => (*amount_minor).min(base),
                    _ => 0,
                };
                (discount, None)
            }
            (PromotionClass::Gift, Reward::Gift { product_id, quantity }) => {
                let unit = offer.gift_unit_price_minor.unwrap_or(0);
                let gift = Gift {
                    product_id: *product_id,
                    quantity: *quantity,
                    value_minor: unit.saturating_mul(*quantity),
                };
                (0, Some(gift))
            }
            (PromotionClass::Gift, _) => (0, None),
        };
        applied.push(AppliedPromotion {
            promotion_id: offer.promotion.id,
            campaign_id: p.campaign_id,
            name: p.name.clone(),
            code: p.code.clone(),
            class: p.class,
            discount_minor: discount,
            gift,
            ends_at: p.ends_at,
        });
    }
    Some((line_off, applied))
}

fn benefit(applied: &[AppliedPromotion]) -> i64 {
    applied
        .iter()
        .map(|a| a.discount_minor + a.gift.as_ref().map_or(0, |g| g.value_minor))
        .sum()
}

/// Each promotion in the set gives something, and none spends more than its campaign has left.
fn within_budgets(applied: &[AppliedPromotion], offers: &[&Offer]) -> bool {
    let mut spent: Vec<(CampaignId, i64, i64)> = Vec::new();
    for a in applied {
        if a.discount_minor == 0 && a.gift.as_ref().is_none_or(|g| g.value_minor == 0) {
            return false;
        }
        let Some(offer) = offers.iter().find(|o| o.promotion.id == a.promotion_id) else {
            continue;
        };
        if let Some(campaign) = offer.campaign {
            match spent.iter_mut().find(|(id, _, _)| *id == campaign.id) {
                Some((_, uses, amount)) => {
                    *uses += 1;
                    *amount += a.discount_minor;
                }
                None => spent.push((campaign.id, 1, a.discount_minor)),
            }
        }
    }
    spent.iter().all(|(id, uses, amount)| {
        let campaign = offers.iter().filter_map(|o| o.campaign).find(|c| c.id == *id);
        match campaign.and_then(|c| c.fields.budget.as_ref().map(|b| (c, b))) {
            None => true,
            Some((c, b)) => match b.kind {
                BudgetKind::Usage => c.used_count + uses <= b.limit,
                BudgetKind::Spend => c.spent_minor + amount <= b.limit,
            },
        }
    })
}

/// The best combination of `offers` for `cart`, and why each offer did or did not apply.
pub fn best(cart: &Cart, offers: &[Offer], situation: &Situation) -> Outcome {
    let subtotal = cart.subtotal();
    let mut explanations: Vec<Explanation> = Vec::new();
    let mut qualified: Vec<(&Offer, i64)> = Vec::new();
    for offer in offers {
        let verdict = disqualified(offer, cart, situation).or_else(|| {
            let alone = apply_set(&[offer], cart).map(|(_, applied)| applied);
            match alone {
                Some(applied) if within_budgets(&applied, &[offer]) => {
                    qualified.push((offer, benefit(&applied)));
                    None
                }
                Some(applied) if benefit(&applied) > 0 => Some(Verdict::CampaignBudgetSpent),
                _ => Some(Verdict::NothingOff),
            }
        });
        if let Some(verdict) = verdict {
            explanations.push(Explanation {
                promotion_id: offer.promotion.id,
                name: offer.promotion.fields.name.clone(),
                verdict,
                value_minor: 0,
            });
        }
    }
    qualified.sort_by(|(a, va), (b, vb)| vb.cmp(va).then(a.promotion.id.cmp(&b.promotion.id)));
    for (offer, value) in qualified.iter().skip(COMBINE_MAX) {
        explanations.push(Explanation {
            promotion_id: offer.promotion.id,
            name: offer.promotion.fields.name.clone(),
            verdict: Verdict::BetterCombination,
            value_minor: *value,
        });
    }
    qualified.truncate(COMBINE_MAX);
    let pool: Vec<&Offer> = qualified.iter().map(|(o, _)| *o).collect();

    let mut chosen: Option<(Rank, Vec<i64>, Vec<AppliedPromotion>)> = None;
    for mask in 1u32..(1u32 << pool.len()) {
        let set: Vec<&Offer> = (0..pool.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| pool[i])
            .collect();
        let Some((line_off, applied)) = apply_set(&set, cart) else {
            continue;
        };
        if !within_budgets(&applied, &pool) {
            continue;
        }
        let rank = Rank::of(&set, &applied);
        if chosen.as_ref().is_none_or(|(best, _, _)| rank > *best) {
            chosen = Some((rank, line_off, applied));
        }
    }
    let (line_discounts, applied) = match chosen {
        Some((_, line_off, applied)) => (line_off, applied),
        None => (vec![0; cart.lines.len()], Vec::new()),
    };
    for (offer, value) in &qualified {
        let verdict = if applied.iter().any(|a| a.promotion_id == offer.promotion.id) {
            Verdict::Applied
        } else {
            Verdict::BetterCombination
        };
        explanations.push(Explanation {
            promotion_id: offer.promotion.id,
            name: offer.promotion.fields.name.clone(),
            verdict,
            value_minor: *value,
        });
    }
    explanations.sort_by_key(|e| (e.verdict != Verdict::Applied, e.promotion_id));
    let discount: i64 = applied.iter().map(|a| a.discount_minor).sum();
    Outcome {
        subtotal_minor: subtotal,
        discount_minor: discount,
        total_minor: subtotal - discount,
        benefit_minor: benefit(&applied),
        line_discounts_minor: line_discounts,
        applied,
        explanations,
    }
}

/// How good a set is: more for the customer, then the higher summed priority, then the earlier
/// end (ending sooner is used first), then the lower ids (so the answer never depends on order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    benefit: i64,
    priority: i64,
    /// An end sooner ranks higher; no end at all ranks lowest.
    earliest_end: Option<std::cmp::Reverse<OffsetDateTime>>,
    ids: std::cmp::Reverse<Vec<PromotionId>>,
}

impl Rank {
    fn of(set: &[&Offer], applied: &[AppliedPromotion]) -> Rank {
        let ends = set.iter().filter_map(|o| o.promotion.fields.ends_at).min();
        let mut ids: Vec<PromotionId> = set.iter().map(|o| o.promotion.id).collect();
        ids.sort();
        Rank {
            benefit: benefit(applied),
            priority: set.iter().map(|o| i64::from(o.promotion.fields.priority)).sum(),
            earliest_end: ends.map(std::cmp::Reverse),
            ids: std::cmp::Reverse(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    fn now() -> OffsetDateTime {
        datetime!(2026-11-20 10:00 UTC)
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}"))
    }

    fn product(n: u128) -> ProductId {
        ProductId(Uuid::from_u128(n))
    }

    fn line(n: u128, category: &str, quantity: i64, unit: i64) -> CartLine {
        CartLine {
            product_id: Some(product(n)),
            category: Some(category.into()),
            quantity,
            unit_price_minor: unit,
        }
    }

    fn cart(lines: Vec<CartLine>) -> Cart {
        Cart { currency: cny(), lines }
    }

    fn promotion(n: u128, class: PromotionClass, reward: Reward) -> Promotion {
        Promotion {
            id: PromotionId(Uuid::from_u128(n)),
            fields: PromotionFields {
                name: format!("promotion {n}"),
                campaign_id: None,
                code: None,
                class,
                reward,
                eligibility: Eligibility::default(),
                currency: Some(cny()),
                starts_at: now() - time::Duration::days(1),
                ends_at: None,
                usage_limit_total: None,
                usage_limit_per_customer: None,
                combines_with: CombinesWith::default(),
                priority: 0,
                status: PromotionStatus::Active,
            },
            used_count: 0,
            meta: RecordMeta::created(now()),
        }
    }

    fn offer(promotion: &Promotion) -> Offer<'_> {
        Offer {
            promotion,
            campaign: None,
            used_total: 0,
            used_by_customer: 0,
            gift_unit_price_minor: Some(5_000),
        }
    }

    fn situation() -> Situation {
        Situation {
            now: now(),
            channel: Some(Channel::Phone),
            first_order: true,
            codes: Vec::new(),
        }
    }

    fn applied(outcome: &Outcome) -> Vec<u128> {
        outcome
            .applied
            .iter()
            .map(|a| a.promotion_id.as_uuid().as_u128())
            .collect()
    }

    fn verdict(outcome: &Outcome, n: u128) -> Verdict {
        outcome
            .explanations
            .iter()
            .find(|e| e.promotion_id.as_uuid().as_u128() == n)
            .map(|e| e.verdict)
            .unwrap_or_else(|| panic!("promotion {n} is explained"))
    }

    #[test]
    fn combinable_promotions_stack_product_first_then_order() {
        let mut members = promotion(1, PromotionClass::Product, Reward::Percentage { bp: 1_000 });
        members.fields.eligibility.categories = vec!["fitness".into()];
        members.fields.combines_with.order = true;
        let mut big_basket = promotion(2, PromotionClass::Order, Reward::FixedAmount { amount_minor: 5_000 });
        big_basket.fields.eligibility.min_subtotal_minor = Some(50_000);
        big_basket.fields.combines_with.product = true;
        let basket = cart(vec![line(7, "Fitness", 2, 20_000), line(8, "Food", 1, 10_000)]);
        let outcome = best(&basket, &[offer(&members), offer(&big_basket)], &situation());
        assert_eq!(applied(&outcome), [1, 2]);
        // 10% off the two memberships (4,000), then 50.00 off the rest of the order.
        assert_eq!(outcome.line_discounts_minor, [4_000, 0]);
        assert_eq!(
            (outcome.subtotal_minor, outcome.discount_minor, outcome.total_minor),
            (50_000, 9_000, 41_000)
        );
    }

    #[test]
    fn without_mutual_consent_the_better_one_wins_and_the_other_is_told_why() {
        let mut product_off = promotion(1, PromotionClass::Product, Reward::Percentage { bp: 2_000 });
        product_off.fields.combines_with.order = true;
        let order_off = promotion(2, PromotionClass::Order, Reward::Percentage { bp: 1_500 });
        let basket = cart(vec![line(7, "Fitness", 1, 100_000)]);
        let outcome = best(&basket, &[offer(&order_off), offer(&product_off)], &situation());
        assert_eq!(
            applied(&outcome),
            [1],
            "20% beats 15%; the order promotion does not allow product ones"
        );
        assert_eq!(verdict(&outcome, 2), Verdict::BetterCombination);
        let explained = outcome
            .explanations
            .iter()
            .find(|e| e.verdict == Verdict::BetterCombination);
        assert_eq!(
            explained.map(|e| e.value_minor),
            Some(15_000),
            "what it would have given alone"
        );
    }

    #[test]
    fn buy_two_get_the_cheapest_free() {
        let deal = promotion(
            1,
            PromotionClass::Product,
            Reward::BuyXGetY {
                buy_quantity: 2,
                get_quantity: 1,
                bp: 10_000,
            },
        );
        let basket = cart(vec![
            line(1, "Tea", 1, 10_000),
            line(2, "Tea", 1, 8_000),
            line(3, "Tea", 4, 6_000),
        ]);
        // Six units: two groups of three, the two cheapest (6,000 each) free.
        let outcome = best(&basket, &[offer(&deal)], &situation());
        assert_eq!(outcome.line_discounts_minor, [0, 0, 12_000]);
    }

    #[test]
    fn every_reason_not_to_apply_is_named() {
        let basket = cart(vec![line(7, "Fitness", 1, 10_000)]);
        let mut coded = promotion(1, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        coded.fields.code = Some("WELCOME".into());
        let mut ended = promotion(2, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        ended.fields.ends_at = Some(now() - time::Duration::hours(1));
        let mut later = promotion(3, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        later.fields.starts_at = now() + time::Duration::hours(1);
        let mut used_up = promotion(4, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        used_up.fields.usage_limit_total = Some(10);
        let mut once = promotion(5, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        once.fields.usage_limit_per_customer = Some(1);
        let mut in_store = promotion(6, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        in_store.fields.eligibility.channels = vec![Channel::Store];
        let mut newcomers = promotion(7, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        newcomers.fields.eligibility.first_order_only = true;
        let mut food = promotion(8, PromotionClass::Product, Reward::Percentage { bp: 1_000 });
        food.fields.eligibility.categories = vec!["Food".into()];
        let mut big = promotion(9, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        big.fields.eligibility.min_subtotal_minor = Some(20_000);
        let mut dollars = promotion(10, PromotionClass::Order, Reward::FixedAmount { amount_minor: 100 });
        dollars.fields.currency = Some(Currency::parse("USD").unwrap_or_else(|e| panic!("{e}")));
        let mut paused = promotion(11, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        paused.fields.status = PromotionStatus::Paused;
        let all = [
            &coded, &ended, &later, &used_up, &once, &in_store, &newcomers, &food, &big, &dollars, &paused,
        ];
        let mut offers: Vec<Offer> = all.iter().map(|p| offer(p)).collect();
        offers[3].used_total = 10;
        offers[4].used_by_customer = 1;
        let returning = Situation {
            first_order: false,
            ..situation()
        };
        let outcome = best(&basket, &offers, &returning);
        assert!(outcome.applied.is_empty());
        let verdicts: Vec<&str> = (1..=11).map(|n| verdict(&outcome, n).as_str()).collect();
        assert_eq!(
            verdicts,
            [
                "code_not_entered",
                "ended",
                "not_started",
                "usage_limit_reached",
                "customer_limit_reached",
                "channel_not_eligible",
                "not_first_order",
                "no_eligible_items",
                "below_min_subtotal",
                "other_currency",
                "not_active",
            ]
        );
        let with_code = Situation {
            codes: vec!["WELCOME".into()],
            ..returning
        };
        assert_eq!(applied(&best(&basket, &offers, &with_code)), [1]);
    }

    #[test]
    fn a_gift_pack_counts_at_its_list_price_and_budgets_hold() {
        let basket = cart(vec![line(7, "Fitness", 1, 40_000)]);
        let mut towel = promotion(
            1,
            PromotionClass::Gift,
            Reward::Gift {
                product_id: product(99),
                quantity: 2,
            },
        );
        towel.fields.combines_with.order = true;
        let mut order_off = promotion(2, PromotionClass::Order, Reward::FixedAmount { amount_minor: 8_000 });
        order_off.fields.combines_with.gift = true;
        let campaign = Campaign {
            id: CampaignId(Uuid::from_u128(50)),
            fields: CampaignFields {
                name: "Double Eleven".into(),
                starts_at: now() - time::Duration::days(3),
                ends_at: None,
                budget: Some(CampaignBudget {
                    kind: BudgetKind::Spend,
                    limit: 100_000,
                    currency: Some("CNY".into()),
                }),
            },
            used_count: 40,
            spent_minor: 95_000,
            meta: RecordMeta::created(now()),
        };
        order_off.fields.campaign_id = Some(campaign.id);
        let order_offer = Offer {
            campaign: Some(&campaign),
            ..offer(&order_off)
        };
        let outcome = best(&basket, &[offer(&towel), order_offer.clone()], &situation());
        assert_eq!(
            applied(&outcome),
            [1],
            "80.00 off would overspend the 50.00 left in the budget"
        );
        assert_eq!(verdict(&outcome, 2), Verdict::CampaignBudgetSpent);
        assert_eq!(outcome.benefit_minor, 10_000, "two towels at 50.00");
        assert_eq!(outcome.discount_minor, 0, "a gift is not a discount");

        let roomy = Campaign {
            spent_minor: 0,
            ..campaign.clone()
        };
        let order_offer = Offer {
            campaign: Some(&roomy),
            ..offer(&order_off)
        };
        let outcome = best(&basket, &[offer(&towel), order_offer], &situation());
        assert_eq!(applied(&outcome), [2, 1], "the order discount, then the gift");
        assert_eq!(outcome.benefit_minor, 18_000);
    }

    #[test]
    fn ties_go_to_priority_then_the_earlier_end() {
        let basket = cart(vec![line(7, "Fitness", 1, 10_000)]);
        let a = promotion(1, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        let mut b = promotion(2, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        b.fields.priority = 5;
        assert_eq!(applied(&best(&basket, &[offer(&a), offer(&b)], &situation())), [2]);
        let mut c = promotion(3, PromotionClass::Order, Reward::Percentage { bp: 1_000 });
        c.fields.ends_at = Some(now() + time::Duration::days(2));
        assert_eq!(
            applied(&best(&basket, &[offer(&a), offer(&c)], &situation())),
            [3],
            "ending sooner is used first"
        );
    }

    #[test]
    fn a_draft_is_checked_as_a_whole() {
        let draft = PromotionDraft {
            name: " ".into(),
            campaign_id: None,
            code: Some("no spaces".into()),
            class: PromotionClass::Order,
            reward: Reward::FixedPrice { unit_price_minor: 1 },
            eligibility: Eligibility {
                min_subtotal_minor: Some(0),
                ..Eligibility::default()
            },
            currency: None,
            starts_at: now(),
            ends_at: Some(now()),
            usage_limit_total: Some(0),
            usage_limit_per_customer: None,
            combines_with: CombinesWith::default(),
            priority: 0,
            status: None,
        };
        let errors = draft.parse().err().unwrap_or_else(|| panic!("refused"));
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "code",
                "reward",
                "currency",
                "eligibility.min_subtotal_minor",
                "usage_limit_total",
                "ends_at"
            ]
        );
        let fine = PromotionDraft {
            name: "Welcome".into(),
            code: Some("welcome-10".into()),
            reward: Reward::Percentage { bp: 1_000 },
            eligibility: Eligibility::default(),
            ends_at: None,
            usage_limit_total: None,
            ..draft
        };
        let parsed = fine.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.code.as_deref(), Some("WELCOME-10"));
        assert_eq!(parsed.status, PromotionStatus::Active);
        assert_eq!(
            parsed.to_draft().parse(),
            Ok(parsed.clone()),
            "checked fields read back as a draft unchanged"
        );
    }

    fn arbitrary_promotion(n: u128, kind: u8, value: i64, flags: u8, eligible: u8) -> Promotion {
        let (class, reward) = match kind % 6 {
            0 => (PromotionClass::Product, Reward::Percentage { bp: value % 10_000 + 1 }),
            1 => (
                PromotionClass::Product,
                Reward::FixedAmount {
                    amount_minor: value % 5_000 + 1,
                },
            ),
            2 => (
                PromotionClass::Product,
                Reward::FixedPrice {
                    unit_price_minor: value % 8_000,
                },
            ),
            3 => (
                PromotionClass::Product,
                Reward::BuyXGetY {
                    buy_quantity: value % 3 + 1,
                    get_quantity: value % 2 + 1,
                    bp: value % 10_000 + 1,
                },
            ),
            4 => (PromotionClass::Order, Reward::Percentage { bp: value % 5_000 + 1 }),
            _ => (
                PromotionClass::Gift,
                Reward::Gift {
                    product_id: product(99),
                    quantity: value % 3 + 1,
                },
            ),
        };
        let mut p = promotion(n, class, reward);
        p.fields.combines_with = CombinesWith {
            product: flags & 1 != 0,
            order: flags & 2 != 0,
            gift: flags & 4 != 0,
        };
        p.fields.priority = i32::from(flags >> 4);
        if eligible % 3 == 1 {
            p.fields.eligibility.product_ids = vec![product(u128::from(eligible % 4) + 1)];
        }
        p
    }

    proptest::proptest! {
        #[test]
        fn the_chosen_set_is_never_worse_than_any_valid_alternative(
            lines in proptest::collection::vec((1u128..=4, 1i64..=5, 0i64..=10_000), 1..5),
            promos in proptest::collection::vec((0u8..6, 0i64..100_000, 0u8..64, 0u8..9, 0i64..3), 1..7),
        ) {
            let basket = cart(lines.iter().map(|(p, q, u)| line(*p, "Any", *q, *u)).collect());
            // Some promotions are used up: a limit of 2 reached by 2 uses.
            let promotions: Vec<Promotion> = promos
                .iter()
                .enumerate()
                .map(|(i, (kind, value, flags, eligible, used))| {
                    let mut p = arbitrary_promotion(u128::try_from(i).unwrap_or(0) + 1, *kind, *value, *flags, *eligible);
                    if *used == 2 {
                        p.fields.usage_limit_total = Some(2);
                    }
                    p
                })
                .collect();
            let offers: Vec<Offer> = promotions
                .iter()
                .zip(&promos)
                .map(|(p, (_, _, _, _, used))| Offer { used_total: *used, ..offer(p) })
                .collect();
            let outcome = best(&basket, &offers, &situation());

            proptest::prop_assert!(outcome.discount_minor >= 0 && outcome.discount_minor <= outcome.subtotal_minor);
            proptest::prop_assert_eq!(outcome.total_minor, outcome.subtotal_minor - outcome.discount_minor);
            for (i, off) in outcome.line_discounts_minor.iter().enumerate() {
                let amount = basket.lines[i].quantity * basket.lines[i].unit_price_minor;
                proptest::prop_assert!(*off >= 0 && *off <= amount, "line {} off {} of {}", i, off, amount);
            }
            for a in &outcome.applied {
                let o = offers.iter().find(|o| o.promotion.id == a.promotion_id).unwrap_or_else(|| panic!("known"));
                proptest::prop_assert!(disqualified(o, &basket, &situation()).is_none(), "a used-up promotion never applies");
            }
            // Brute force over every set of the offers that qualify.
            let eligible: Vec<&Offer> = offers
                .iter()
                .filter(|o| disqualified(o, &basket, &situation()).is_none())
                .collect();
            for mask in 1u32..(1u32 << eligible.len()) {
                let set: Vec<&Offer> = (0..eligible.len()).filter(|i| mask & (1 << i) != 0).map(|i| eligible[i]).collect();
                if let Some((_, alternative)) = apply_set(&set, &basket)
                    && within_budgets(&alternative, &set)
                {
                    proptest::prop_assert!(benefit(&alternative) <= outcome.benefit_minor);
                }
            }
            // The answer does not depend on the order the offers come in.
            let mut reversed = offers.clone();
            reversed.reverse();
            proptest::prop_assert_eq!(best(&basket, &reversed, &situation()).applied, outcome.applied);
        }
    }
}
