//! Products and their prices, and quotes on deals (the price half of D5, the terms of D2 and D3):
//! lines with quantities, list and net prices, payment terms and a validity date. A quote is a
//! revision of the deal's offer; once sent it never changes, and a change makes the next
//! revision.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::deal::Deal;
use crate::ids::{DealId, ProductId, QuoteId};
use crate::money::{AMOUNT_MAX, Currency, Money};
use crate::playbook::DealKind;
use crate::promotions::{AppliedPromotion, Channel, parse_code};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX, LABEL_MAX, NAME_MAX, NameText, OptionalBodyText};
use crate::validation::{Validation, ValidationErrors, patch};

/// Most lines one quote may have.
pub const LINES_MAX: usize = 200;
/// Largest quantity of one line.
pub const QUANTITY_MAX: i64 = 1_000_000;
/// Longest stock-keeping code.
pub const SKU_MAX: usize = 64;

/// A price as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceDraft {
    pub currency: String,
    /// Minor units (cents, fen) per unit.
    pub amount_minor: i64,
}

/// A product as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductDraft {
    /// The stock-keeping code, unique in the workspace (case is ignored when comparing).
    pub sku: String,
    #[schema(value_type = NameText)]
    pub name: String,
    /// A grouping for the catalogue and for promotion eligibility ("Fitness", "Licences").
    pub category: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub description: Option<String>,
    /// What one unit is ("seat per year", "piece"); shown beside the quantity.
    pub unit: Option<String>,
    /// The list price in each currency it is sold in, at most one per currency.
    #[serde(default)]
    pub prices: Vec<PriceDraft>,
    /// Inactive products stay on old quotes but cannot be quoted again (default true).
    pub active: Option<bool>,
}

/// Changes to a product. Fields left out stay as they are; `null` clears an optional one;
/// `prices` replaces the whole price list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false, value_type = NameText)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub prices: Option<Vec<PriceDraft>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

/// A product's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProductFields {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub unit: Option<String>,
    pub prices: Vec<Money>,
    pub active: bool,
}

/// A stored product of the workspace's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Product {
    pub id: ProductId,
    #[serde(flatten)]
    pub fields: ProductFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl ProductFields {
    /// The list price per unit in `currency`, if the product is sold in it.
    pub fn price_in(&self, currency: Currency) -> Option<i64> {
        self.prices
            .iter()
            .find(|p| p.currency == currency)
            .map(|p| p.amount_minor)
    }
}

fn sku(raw: &str) -> Result<String, String> {
    let sku = text::required(raw, SKU_MAX)?;
    if sku.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    Ok(sku)
}

fn prices(check: &mut Validation, drafts: &[PriceDraft]) -> Option<Vec<Money>> {
    let parsed = check.check_each("prices", drafts, 20, |draft| {
        let currency = Currency::parse(&draft.currency)?;
        let amount_minor = Money::parse_amount(draft.amount_minor).map_err(|e| format!("amount_minor {e}"))?;
        Ok(Money { amount_minor, currency })
    })?;
    for (index, price) in parsed.iter().enumerate() {
        if parsed[..index].iter().any(|p| p.currency == price.currency) {
            check.push(
                format!("prices[{index}]"),
                format!("a second price in {}: give one price per currency", price.currency),
            );
            return None;
        }
    }
    Some(parsed)
}

impl ProductDraft {
    pub fn parse(&self) -> Result<ProductFields, ValidationErrors> {
        let mut check = Validation::new();
        let sku = check.check("sku", sku(&self.sku));
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        let category = check.check("category", text::optional(self.category.as_deref(), LABEL_MAX));
        let description = check.check("description", text::optional(self.description.as_deref(), BODY_MAX));
        let unit = check.check("unit", text::optional(self.unit.as_deref(), LABEL_MAX));
        let prices = prices(&mut check, &self.prices);
        check.finish(|| {
            Some(ProductFields {
                sku: sku?,
                name: name?,
                category: category?,
                description: description?,
                unit: unit?,
                prices: prices?,
                active: self.active.unwrap_or(true),
            })
        })
    }
}

impl ProductPatch {
    pub fn apply(&self, current: &ProductFields) -> Result<ProductFields, ValidationErrors> {
        let mut check = Validation::new();
        let sku = match &self.sku {
            Some(raw) => check.check("sku", sku(raw)),
            None => Some(current.sku.clone()),
        };
        let name = match &self.name {
            Some(raw) => check.check("name", text::required(raw, NAME_MAX)),
            None => Some(current.name.clone()),
        };
        let mut optional = |field: &str, value: &Option<Option<String>>, max: usize, now: &Option<String>| match value {
            Some(value) => check.check(field, text::optional(value.as_deref(), max)),
            None => Some(now.clone()),
        };
        let category = optional("category", &self.category, LABEL_MAX, &current.category);
        let description = optional("description", &self.description, BODY_MAX, &current.description);
        let unit = optional("unit", &self.unit, LABEL_MAX, &current.unit);
        let prices = match &self.prices {
            Some(drafts) => prices(&mut check, drafts),
            None => Some(current.prices.clone()),
        };
        check.finish(|| {
            Some(ProductFields {
                sku: sku?,
                name: name?,
                category: category?,
                description: description?,
                unit: unit?,
                prices: prices?,
                active: self.active.unwrap_or(current.active),
            })
        })
    }
}

string_enum!(
    /// When and how the customer pays (D3): B2C pays at once, B2B on terms.
    PaymentTerms {
        DueOnReceipt => "due_on_receipt",
        Net15 => "net_15",
        Net30 => "net_30",
        Net45 => "net_45",
        Net60 => "net_60",
        /// 2% off when paid within 10 days, else due in 30.
        EarlyDiscountNet30 => "2_10_net_30",
        /// 30% on signature, 70% on acceptance of the delivery.
        SignatureThenAcceptance => "30_signature_70_acceptance",
    }
);

impl PaymentTerms {
    /// What a new quote of a deal of `kind` gets unless it says otherwise.
    pub fn default_for(kind: DealKind) -> PaymentTerms {
        match kind {
            DealKind::B2c => PaymentTerms::DueOnReceipt,
            DealKind::B2b => PaymentTerms::Net30,
        }
    }

    /// Days the customer has to pay the (last) amount.
    pub fn net_days(&self) -> u16 {
        match self {
            PaymentTerms::DueOnReceipt => 0,
            PaymentTerms::Net15 => 15,
            PaymentTerms::Net30 | PaymentTerms::EarlyDiscountNet30 | PaymentTerms::SignatureThenAcceptance => 30,
            PaymentTerms::Net45 => 45,
            PaymentTerms::Net60 => 60,
        }
    }

    /// Terms beyond Net 30 need approval (R3.5).
    pub fn beyond_net_30(&self) -> bool {
        self.net_days() > 30
    }
}

string_enum!(
    /// Where a quote revision stands.
    QuoteStatus {
        /// Being written; the only state in which it changes.
        Draft => "draft",
        /// Given to the customer: frozen from here on.
        Sent => "sent",
        Accepted => "accepted",
        Declined => "declined",
        /// A later revision was sent instead.
        Superseded => "superseded",
    }
);

/// A quote line as a client sends it. Quoting a product fills in its name and its list price in
/// the quote's currency; a line without a product needs both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineDraft {
    pub product_id: Option<ProductId>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    pub quantity: i64,
    /// Per unit, in minor units; defaults to the product's list price in the quote's currency.
    pub list_unit_price_minor: Option<i64>,
    /// What the customer pays per unit after the line's discount; defaults to the list price.
    pub net_unit_price_minor: Option<i64>,
}

/// A priced quote line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteLine {
    pub product_id: Option<ProductId>,
    pub description: String,
    pub quantity: i64,
    pub list_unit_price_minor: i64,
    pub net_unit_price_minor: i64,
    pub list_total_minor: i64,
    pub net_total_minor: i64,
    /// The line's discount off list in basis points (1250 = 12.5%); negative when priced above
    /// list.
    pub discount_bp: i64,
}

/// What a quote adds up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteTotals {
    pub list_total_minor: i64,
    pub net_total_minor: i64,
    pub discount_minor: i64,
    /// The whole quote's discount off list, in basis points.
    pub discount_bp: i64,
    /// The deepest discount of any line, in basis points (what the approval matrix looks at).
    pub max_line_discount_bp: i64,
    /// Off the net total by promotions (B2C).
    pub promotion_discount_minor: i64,
    /// What the customer pays: the net total less the promotions.
    pub total_minor: i64,
}

/// Basis points of `part` in `whole` (0 when `whole` is 0), rounded half away from zero.
fn basis_points(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let scaled = part * 10_000;
    let rounded = (scaled + scaled.signum() * whole / 2) / whole;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

impl QuoteTotals {
    /// Everything taken off list, manual discounts and promotions together, in basis points.
    pub fn total_discount_bp(&self) -> i64 {
        basis_points(self.list_total_minor - self.total_minor, self.list_total_minor)
    }

    pub fn of(lines: &[QuoteLine], promotions: &[AppliedPromotion]) -> QuoteTotals {
        // Each line total is at most AMOUNT_MAX and there are at most LINES_MAX lines: no overflow.
        let list_total_minor: i64 = lines.iter().map(|l| l.list_total_minor).sum();
        let net_total_minor: i64 = lines.iter().map(|l| l.net_total_minor).sum();
        let discount_minor = list_total_minor - net_total_minor;
        let promotion_discount: i64 = promotions.iter().map(|p| p.discount_minor.max(0)).sum();
        QuoteTotals {
            list_total_minor,
            net_total_minor,
            discount_minor,
            discount_bp: basis_points(discount_minor, list_total_minor),
            max_line_discount_bp: lines.iter().map(|l| l.discount_bp).max().unwrap_or(0).max(0),
            promotion_discount_minor: promotion_discount.min(net_total_minor),
            total_minor: net_total_minor - promotion_discount.min(net_total_minor),
        }
    }
}

impl QuoteLine {
    /// A line with its totals and discount worked out; refused when a total would pass
    /// [`AMOUNT_MAX`].
    pub fn priced(
        product_id: Option<ProductId>,
        description: String,
        quantity: i64,
        list_unit_price_minor: i64,
        net_unit_price_minor: i64,
    ) -> Result<QuoteLine, String> {
        Ok(QuoteLine {
            product_id,
            description,
            quantity,
            list_unit_price_minor,
            net_unit_price_minor,
            list_total_minor: line_total(quantity, list_unit_price_minor)?,
            net_total_minor: line_total(quantity, net_unit_price_minor)?,
            discount_bp: basis_points(list_unit_price_minor - net_unit_price_minor, list_unit_price_minor),
        })
    }
}

/// `quantity × unit`, when it stays within [`AMOUNT_MAX`].
fn line_total(quantity: i64, unit: i64) -> Result<i64, String> {
    let total = i128::from(quantity) * i128::from(unit);
    i64::try_from(total)
        .ok()
        .filter(|t| *t <= AMOUNT_MAX)
        .ok_or_else(|| format!("quantity × unit price must be at most {AMOUNT_MAX} minor units"))
}

/// Prices the lines of a quote in `currency`; `products` holds every product the lines name
/// (a missing one is reported as unknown).
pub fn price_lines(
    drafts: &[QuoteLineDraft],
    currency: Currency,
    products: &HashMap<ProductId, Product>,
) -> Result<Vec<QuoteLine>, ValidationErrors> {
    if drafts.len() > LINES_MAX {
        return Err(ValidationErrors::single(
            "lines",
            format!("at most {LINES_MAX} lines are allowed"),
        ));
    }
    let mut check = Validation::new();
    let mut lines = Vec::with_capacity(drafts.len());
    for (index, draft) in drafts.iter().enumerate() {
        let field = |name: &str| format!("lines[{index}].{name}");
        let product = match draft.product_id {
            Some(id) => match products.get(&id) {
                Some(product) if product.meta.deleted_at.is_none() && product.fields.active => Some(product),
                Some(_) => {
                    check.push(
                        field("product_id"),
                        format!("product {id} is not active; it cannot be quoted"),
                    );
                    continue;
                }
                None => {
                    check.push(field("product_id"), format!("no product {id}"));
                    continue;
                }
            },
            None => None,
        };
        let description = match (draft.description.as_deref(), product) {
            (Some(text), _) => check.check(&field("description"), text::required(text, NAME_MAX)),
            (None, Some(product)) => Some(product.fields.name.clone()),
            (None, None) => {
                check.push(field("description"), "give a description or a product_id");
                None
            }
        };
        let quantity = if (1..=QUANTITY_MAX).contains(&draft.quantity) {
            Some(draft.quantity)
        } else {
            check.push(field("quantity"), format!("must be between 1 and {QUANTITY_MAX}"));
            None
        };
        let list = match (draft.list_unit_price_minor, product) {
            (Some(amount), _) => check.check(&field("list_unit_price_minor"), Money::parse_amount(amount)),
            (None, Some(product)) => match product.fields.price_in(currency) {
                Some(amount) => Some(amount),
                None => {
                    check.push(
                        field("list_unit_price_minor"),
                        format!(
                            "product {} has no price in {currency}; give list_unit_price_minor",
                            product.fields.sku
                        ),
                    );
                    None
                }
            },
            (None, None) => {
                check.push(field("list_unit_price_minor"), "give a list price or a product_id");
                None
            }
        };
        let net = match draft.net_unit_price_minor {
            Some(amount) => check.check(&field("net_unit_price_minor"), Money::parse_amount(amount)),
            None => list,
        };
        let (Some(description), Some(quantity), Some(list), Some(net)) = (description, quantity, list, net) else {
            continue;
        };
        if let Some(line) = check.check(
            &field("quantity"),
            QuoteLine::priced(draft.product_id, description, quantity, list, net),
        ) {
            lines.push(line);
        }
    }
    check.finish(|| Some(lines))
}

/// A quote as a client sends it: the first revision of the deal's offer, or a new one when the
/// last was sent (then the deal's open draft is where changes go).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteDraft {
    #[serde(default)]
    pub lines: Vec<QuoteLineDraft>,
    /// Defaults to due on receipt for B2C, Net 30 for B2B.
    pub payment_terms: Option<PaymentTerms>,
    /// The last day the offer holds; defaults to 10 days ahead for B2C (the cycle budget), 30
    /// for B2B.
    pub valid_until: Option<Date>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub notes: Option<String>,
    /// Promotion codes the customer gave (B2C); automatic promotions apply without one.
    #[serde(default)]
    pub promotion_codes: Vec<String>,
    /// How the sale is made, for promotions limited to a channel; defaults from the deal's lead
    /// source.
    pub channel: Option<Channel>,
}

/// Changes to a draft quote; `lines` replaces every line.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotePatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub lines: Option<Vec<QuoteLineDraft>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub payment_terms: Option<PaymentTerms>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub valid_until: Option<Date>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub notes: Option<Option<String>>,
    /// Replaces the codes given.
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub promotion_codes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub channel: Option<Option<Channel>>,
}

/// A quote's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteFields {
    pub deal_id: DealId,
    /// 1 for the deal's first quote, then one more for each revision.
    pub revision: i64,
    /// The deal's currency.
    pub currency: Currency,
    pub status: QuoteStatus,
    pub lines: Vec<QuoteLine>,
    pub payment_terms: PaymentTerms,
    pub valid_until: Date,
    pub notes: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    /// When the customer accepted or declined.
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub channel: Option<Channel>,
    /// The codes given, upper case.
    pub promotion_codes: Vec<String>,
    /// The promotions applied when the quote was last priced (B2C), frozen once it is sent.
    pub promotions: Vec<AppliedPromotion>,
}

/// A stored quote revision with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Quote {
    pub id: QuoteId,
    #[serde(flatten)]
    pub fields: QuoteFields,
    pub totals: QuoteTotals,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl Quote {
    pub fn new(id: QuoteId, fields: QuoteFields, meta: RecordMeta) -> Quote {
        Quote {
            totals: QuoteTotals::of(&fields.lines, &fields.promotions),
            id,
            fields,
            meta,
        }
    }
}

fn valid_until(date: Date, today: Date) -> Result<Date, String> {
    if date < today {
        return Err(format!("must not be in the past (today is {today})"));
    }
    Ok(date)
}

/// Why a quote cannot do what was asked, in its current state.
fn frozen(fields: &QuoteFields) -> ValidationErrors {
    ValidationErrors::single(
        "status",
        format!(
            "revision {} is {}: only a draft changes; revise it to make revision {}",
            fields.revision,
            fields.status,
            fields.revision + 1
        ),
    )
}

impl QuoteDraft {
    /// Checks the draft as revision `revision` of `deal`'s quotes.
    pub fn parse(
        &self,
        deal: &Deal,
        revision: i64,
        products: &HashMap<ProductId, Product>,
        today: Date,
    ) -> Result<QuoteFields, ValidationErrors> {
        let mut check = Validation::new();
        let currency = deal.terms.amount.currency;
        let lines = check.absorb(price_lines(&self.lines, currency, products));
        let budget_days = match deal.progress.kind {
            DealKind::B2c => 10,
            DealKind::B2b => 30,
        };
        let valid = match self.valid_until {
            Some(date) => check.check("valid_until", valid_until(date, today)),
            None => Some(today + Duration::days(budget_days)),
        };
        let notes = check.check("notes", text::optional(self.notes.as_deref(), BODY_MAX));
        let codes = check.absorb(promotion_codes(&self.promotion_codes, deal.progress.kind));
        check.finish(|| {
            Some(QuoteFields {
                deal_id: deal.id,
                revision,
                currency,
                status: QuoteStatus::Draft,
                lines: lines?,
                payment_terms: self
                    .payment_terms
                    .unwrap_or_else(|| PaymentTerms::default_for(deal.progress.kind)),
                valid_until: valid?,
                notes: notes?,
                sent_at: None,
                decided_at: None,
                channel: self
                    .channel
                    .or_else(|| deal.terms.lead_source.and_then(Channel::of_lead_source)),
                promotion_codes: codes?,
                promotions: Vec::new(),
            })
        })
    }
}

/// The codes given, upper case and each once; refused on a B2B deal, whose price moves by
/// relationships and the approval matrix rather than promotions.
fn promotion_codes(raw: &[String], kind: DealKind) -> Result<Vec<String>, ValidationErrors> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    if kind == DealKind::B2b {
        return Err(ValidationErrors::single(
            "promotion_codes",
            "promotions are for B2C deals; a B2B discount goes through the approval matrix",
        ));
    }
    let mut check = Validation::new();
    let mut codes = check.check_each("promotion_codes", raw, 20, |c| parse_code(c));
    if let Some(codes) = codes.as_mut() {
        codes.sort();
        codes.dedup();
    }
    check.finish(|| codes)
}

impl QuotePatch {
    pub fn apply(
        &self,
        current: &QuoteFields,
        kind: DealKind,
        products: &HashMap<ProductId, Product>,
        today: Date,
    ) -> Result<QuoteFields, ValidationErrors> {
        if current.status != QuoteStatus::Draft {
            return Err(frozen(current));
        }
        let mut check = Validation::new();
        let lines = match &self.lines {
            Some(drafts) => check.absorb(price_lines(drafts, current.currency, products)),
            None => Some(current.lines.clone()),
        };
        let valid = match self.valid_until {
            Some(date) => check.check("valid_until", valid_until(date, today)),
            None => Some(current.valid_until),
        };
        let notes = match &self.notes {
            Some(notes) => check.check("notes", text::optional(notes.as_deref(), BODY_MAX)),
            None => Some(current.notes.clone()),
        };
        let codes = match &self.promotion_codes {
            Some(raw) => check.absorb(promotion_codes(raw, kind)),
            None => Some(current.promotion_codes.clone()),
        };
        check.finish(|| {
            Some(QuoteFields {
                lines: lines?,
                payment_terms: self.payment_terms.unwrap_or(current.payment_terms),
                valid_until: valid?,
                notes: notes?,
                promotion_codes: codes?,
                channel: self.channel.unwrap_or(current.channel),
                ..current.clone()
            })
        })
    }
}

impl QuoteFields {
    /// The quote given to the customer: frozen from now on.
    pub fn send(&self, now: OffsetDateTime) -> Result<QuoteFields, ValidationErrors> {
        if self.status != QuoteStatus::Draft {
            return Err(ValidationErrors::single(
                "status",
                format!("revision {} is already {}", self.revision, self.status),
            ));
        }
        if self.lines.is_empty() {
            return Err(ValidationErrors::single(
                "lines",
                "a quote needs at least one line to be sent",
            ));
        }
        if self.valid_until < now.date() {
            return Err(ValidationErrors::single(
                "valid_until",
                format!(
                    "the offer ended on {}; move valid_until before sending",
                    self.valid_until
                ),
            ));
        }
        Ok(QuoteFields {
            status: QuoteStatus::Sent,
            sent_at: Some(now),
            ..self.clone()
        })
    }

    /// The customer's answer to a sent quote: accepted while the offer holds, or declined.
    pub fn decide(&self, accepted: bool, now: OffsetDateTime) -> Result<QuoteFields, ValidationErrors> {
        if self.status != QuoteStatus::Sent {
            let hint = if self.status == QuoteStatus::Draft {
                "send it first"
            } else {
                "only a sent quote is answered"
            };
            return Err(ValidationErrors::single(
                "status",
                format!("revision {} is {}: {hint}", self.revision, self.status),
            ));
        }
        if accepted && self.valid_until < now.date() {
            return Err(ValidationErrors::single(
                "valid_until",
                format!(
                    "the offer expired on {}; revise the quote and send it again",
                    self.valid_until
                ),
            ));
        }
        Ok(QuoteFields {
            status: if accepted {
                QuoteStatus::Accepted
            } else {
                QuoteStatus::Declined
            },
            decided_at: Some(now),
            ..self.clone()
        })
    }

    /// The next revision, a draft with the same lines and terms, from a sent or declined quote.
    pub fn revise(&self, revision: i64, today: Date) -> Result<QuoteFields, ValidationErrors> {
        match self.status {
            QuoteStatus::Sent | QuoteStatus::Declined | QuoteStatus::Superseded => {}
            QuoteStatus::Draft => {
                return Err(ValidationErrors::single(
                    "status",
                    format!("revision {} is a draft: change it instead", self.revision),
                ));
            }
            QuoteStatus::Accepted => {
                return Err(ValidationErrors::single(
                    "status",
                    format!("revision {} was accepted; the contract follows from it", self.revision),
                ));
            }
        }
        Ok(QuoteFields {
            revision,
            status: QuoteStatus::Draft,
            valid_until: self.valid_until.max(today),
            sent_at: None,
            decided_at: None,
            channel: None,
            promotion_codes: Vec::new(),
            promotions: Vec::new(),
            ..self.clone()
        })
    }

    /// True when the offer is sent and its validity has passed.
    pub fn expired(&self, today: Date) -> bool {
        self.status == QuoteStatus::Sent && self.valid_until < today
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}"))
    }

    fn product(active: bool) -> Product {
        Product {
            id: ProductId(Uuid::from_u128(7)),
            fields: ProductFields {
                sku: "GYM-12".into(),
                name: "Annual membership".into(),
                category: Some("Fitness".into()),
                description: None,
                unit: Some("year".into()),
                prices: vec![Money {
                    amount_minor: 399_900,
                    currency: cny(),
                }],
                active,
            },
            meta: RecordMeta::created(datetime!(2026-11-01 0:00 UTC)),
        }
    }

    fn line(product_id: Option<ProductId>, quantity: i64, list: Option<i64>, net: Option<i64>) -> QuoteLineDraft {
        QuoteLineDraft {
            product_id,
            description: None,
            quantity,
            list_unit_price_minor: list,
            net_unit_price_minor: net,
        }
    }

    #[test]
    fn lines_take_the_products_name_and_price_and_add_up() {
        let gym = product(true);
        let products = HashMap::from([(gym.id, gym.clone())]);
        let mut towel = line(None, 2, Some(5_000), Some(0));
        towel.description = Some("Gift towel".into());
        let lines = price_lines(&[line(Some(gym.id), 2, None, Some(359_910)), towel], cny(), &products)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines[0].description, "Annual membership");
        assert_eq!(lines[0].list_total_minor, 799_800);
        assert_eq!(lines[0].net_total_minor, 719_820);
        assert_eq!(lines[0].discount_bp, 1_000);
        assert_eq!(lines[1].discount_bp, 10_000);
        let totals = QuoteTotals::of(&lines, &[]);
        assert_eq!(totals.list_total_minor, 809_800);
        assert_eq!(totals.net_total_minor, 719_820);
        assert_eq!(totals.discount_minor, 89_980);
        // 89,980 / 809,800 = 11.1114% → 1,111 basis points.
        assert_eq!(totals.discount_bp, 1_111);
        assert_eq!(totals.max_line_discount_bp, 10_000);
    }

    #[test]
    fn bad_lines_are_named_one_by_one() {
        let gym = product(true);
        let retired = Product {
            id: ProductId(Uuid::from_u128(8)),
            ..product(false)
        };
        let products = HashMap::from([(gym.id, gym.clone()), (retired.id, retired.clone())]);
        let usd = Currency::parse("USD").unwrap_or_else(|e| panic!("{e}"));
        let errors = price_lines(
            &[
                line(Some(gym.id), 1, None, None),
                line(None, 0, None, None),
                line(Some(retired.id), 1, None, None),
                line(None, QUANTITY_MAX, Some(AMOUNT_MAX), None),
            ],
            usd,
            &products,
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"lines[0].list_unit_price_minor"), "{fields:?}");
        assert!(fields.contains(&"lines[1].quantity"), "{fields:?}");
        assert!(fields.contains(&"lines[1].description"), "{fields:?}");
        assert!(fields.contains(&"lines[2].product_id"), "{fields:?}");
        assert!(fields.contains(&"lines[3].description"), "{fields:?}");
    }

    #[test]
    fn a_sent_quote_is_frozen_and_revised_into_a_new_draft() {
        let now = datetime!(2026-11-27 10:00 UTC);
        let draft = QuoteFields {
            deal_id: DealId(Uuid::from_u128(1)),
            revision: 1,
            currency: cny(),
            status: QuoteStatus::Draft,
            lines: Vec::new(),
            payment_terms: PaymentTerms::DueOnReceipt,
            valid_until: date!(2026 - 12 - 07),
            notes: None,
            sent_at: None,
            decided_at: None,
            channel: None,
            promotion_codes: Vec::new(),
            promotions: Vec::new(),
        };
        assert!(draft.send(now).is_err(), "no lines, nothing to send");
        let products = HashMap::new();
        let patch = QuotePatch {
            lines: Some(vec![line(None, 1, Some(100), None)]),
            ..QuotePatch::default()
        };
        let mut described = patch.clone();
        if let Some(lines) = described.lines.as_mut() {
            lines[0].description = Some("Setup".into());
        }
        let with_line = described
            .apply(&draft, DealKind::B2c, &products, now.date())
            .unwrap_or_else(|e| panic!("{e}"));
        let sent = with_line.send(now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent.status, QuoteStatus::Sent);
        let refused = patch
            .apply(&sent, DealKind::B2c, &products, now.date())
            .err()
            .unwrap_or_default();
        assert!(
            refused.0[0].message.contains("revise it to make revision 2"),
            "{refused}"
        );
        let next = sent.revise(2, now.date()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (next.revision, next.status, next.sent_at),
            (2, QuoteStatus::Draft, None)
        );
        assert!(sent.decide(true, datetime!(2026-12-08 9:00 UTC)).is_err(), "expired");
        let accepted = sent.decide(true, now).unwrap_or_else(|e| panic!("{e}"));
        assert!(accepted.revise(3, now.date()).is_err());
        assert!(draft.decide(true, now).is_err());
    }

    proptest::proptest! {
        /// Whatever the lines, an accepted quote never totals below zero, no discount exceeds its
        /// list price, and the totals are the sums of the lines.
        #[test]
        fn totals_stay_whole_and_discounts_within_the_price(
            lines in proptest::collection::vec((1i64..=QUANTITY_MAX, 0i64..=AMOUNT_MAX, 0i64..=AMOUNT_MAX), 0..12)
        ) {
            let drafts: Vec<QuoteLineDraft> = lines
                .iter()
                .map(|&(quantity, list, net)| QuoteLineDraft {
                    product_id: None,
                    description: Some("item".into()),
                    quantity,
                    list_unit_price_minor: Some(list),
                    net_unit_price_minor: Some(net),
                })
                .collect();
            if let Ok(priced) = price_lines(&drafts, cny(), &HashMap::new()) {
                let totals = QuoteTotals::of(&priced, &[]);
                proptest::prop_assert!(totals.net_total_minor >= 0 && totals.list_total_minor >= 0);
                proptest::prop_assert_eq!(totals.net_total_minor, priced.iter().map(|l| l.net_total_minor).sum::<i64>());
                for line in &priced {
                    proptest::prop_assert!(line.list_total_minor <= AMOUNT_MAX && line.net_total_minor <= AMOUNT_MAX);
                    proptest::prop_assert!(line.list_unit_price_minor - line.net_unit_price_minor <= line.list_unit_price_minor);
                    proptest::prop_assert!(line.discount_bp <= 10_000);
                }
                proptest::prop_assert!(totals.discount_bp <= 10_000);
            } else {
                // Refused only when a line total would pass the limit.
                proptest::prop_assert!(lines.iter().any(|&(q, l, n)| i128::from(q) * i128::from(l.max(n)) > i128::from(AMOUNT_MAX)));
            }
        }
    }

    #[test]
    fn products_need_one_price_per_currency() {
        let draft = ProductDraft {
            sku: "A 1".into(),
            name: "".into(),
            category: None,
            description: None,
            unit: None,
            prices: vec![
                PriceDraft {
                    currency: "cny".into(),
                    amount_minor: 100,
                },
                PriceDraft {
                    currency: "CNY".into(),
                    amount_minor: 200,
                },
            ],
            active: None,
        };
        let errors = draft.parse().err().unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sku", "name", "prices[1]"]);
        assert_eq!(basis_points(1, 3), 3_333);
        assert_eq!(basis_points(-1, 3), -3_333);
    }
}
