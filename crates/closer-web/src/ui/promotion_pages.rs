//! The promotions page (D5, B2C): every promotion with its reward, window, limits and use, and
//! the campaigns with their budgets; administrators and managers add promotions and campaigns
//! and pause, resume or archive a promotion. Every form goes through the same use cases as the
//! API.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::{CampaignId, ProductId, PromotionId};
use closer_domain::money::{Currency, Money};
use closer_domain::promotions::{
    BudgetKind, Campaign, CampaignBudget, CampaignDraft, Channel, CombinesWith, Eligibility, Promotion, PromotionClass,
    PromotionDraft, PromotionFields, PromotionStatus, Reward,
};
use closer_domain::{FieldError, ValidationErrors};
use closer_store::products::{self, ProductFilter};
use closer_store::promotions::{self, PromotionFilter};
use closer_store::records::{Deleted, PageRequest};
use time::OffsetDateTime;
use uuid::Uuid;

use super::deal_form::{parse_amount, parse_percent};
use super::{Chrome, FormValues, Viewer, form_date, refusal_message, render, see_other};
use crate::app::promotions::{create_campaign, create_promotion, replace_promotion};
use crate::app::{AppError, AppResult, Expected};

/// Promotions and campaigns a page shows at most; a workspace runs far fewer at a time.
const SHOWN: u32 = 200;

struct PromotionRow {
    id: String,
    version: i64,
    name: String,
    code: String,
    class: &'static str,
    reward: &'static str,
    value: String,
    campaign: String,
    window: String,
    used: String,
    status: String,
    status_label: &'static str,
}

struct CampaignRow {
    name: String,
    window: String,
    budget: String,
}

/// What the last form did: refused (with why and what it held).
struct Refusal {
    /// Which form: `new_promotion`, `new_campaign` or `promotion:<id>`.
    form: String,
    message: String,
    kept: FormValues,
}

#[derive(Template)]
#[template(path = "promotions.html")]
struct PromotionsPage {
    chrome: Chrome,
    editor: bool,
    promotions: Vec<PromotionRow>,
    campaigns: Vec<CampaignRow>,
    campaign_choices: Vec<(String, String)>,
    products: Vec<(String, String)>,
    classes: Vec<(&'static str, &'static str)>,
    rewards: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    budgets: Vec<(&'static str, &'static str)>,
    refusal: Option<Refusal>,
}

impl PromotionsPage {
    fn refused(&self, form: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form)
            .map(|r| r.message.as_str())
    }

    fn kept(&self, form: &str, field: &str) -> &str {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form)
            .map_or("", |r| r.kept.get(field))
    }

    fn kept_has(&self, form: &str, field: &str, value: &str) -> bool {
        self.refusal
            .as_ref()
            .is_some_and(|r| r.form == form && r.kept.has(field, value))
    }
}

fn may_edit(viewer: &Viewer) -> bool {
    viewer.ctx.principal.keeps_catalogue()
}

pub async fn show(viewer: Viewer) -> Response {
    page(viewer, None, StatusCode::OK).await
}

async fn page(viewer: Viewer, refusal: Option<Refusal>, status: StatusCode) -> Response {
    let loaded = async {
        let mut conn = viewer.ctx.db.acquire().await?;
        let page = PageRequest {
            after: None,
            limit: SHOWN,
        };
        let filter = PromotionFilter {
            status: None,
            campaign: None,
            deleted: Deleted::Hide,
        };
        let all = promotions::list(conn.conn(), viewer.ctx.workspace, &filter, page).await?;
        let campaigns = promotions::list_campaigns(conn.conn(), viewer.ctx.workspace, Deleted::Hide, page).await?;
        let active = ProductFilter {
            active: Some(true),
            ..ProductFilter::default()
        };
        let catalogue = products::list(conn.conn(), viewer.ctx.workspace, &active, page).await?;
        Ok::<_, AppError>((all.items, campaigns.items, catalogue.items))
    }
    .await;
    let (all, campaigns, catalogue) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let editor = may_edit(&viewer);
    let chrome = viewer.chrome;
    let window = |from: OffsetDateTime, to: Option<OffsetDateTime>| match to {
        Some(to) => format!("{} – {}", chrome.day(from), chrome.day(to)),
        None => format!("{} –", chrome.day(from)),
    };
    let campaign_name = |id: Option<CampaignId>| {
        id.and_then(|id| campaigns.iter().find(|c| c.id == id))
            .map(|c| c.fields.name.clone())
            .unwrap_or_default()
    };
    let product_name = |id: ProductId| {
        catalogue
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.fields.name.clone())
    };
    let promotion_rows = all
        .iter()
        .map(|p| {
            let f = &p.fields;
            PromotionRow {
                id: p.id.to_string(),
                version: p.meta.version,
                name: f.name.clone(),
                code: f.code.clone().unwrap_or_default(),
                class: chrome.text(&format!("promotion_class.{}", f.class.as_str())),
                reward: chrome.text(&format!("reward.{}", reward_kind(&f.reward))),
                value: reward_value(&chrome, f, &product_name),
                campaign: campaign_name(f.campaign_id),
                window: window(f.starts_at, f.ends_at),
                used: match f.usage_limit_total {
                    Some(limit) => format!("{} / {limit}", p.used_count),
                    None => p.used_count.to_string(),
                },
                status: f.status.as_str().to_owned(),
                status_label: chrome.text(&format!("promotion_status.{}", f.status.as_str())),
            }
        })
        .collect();
    let campaign_rows = campaigns
        .iter()
        .map(|c| CampaignRow {
            name: c.fields.name.clone(),
            window: window(c.fields.starts_at, c.fields.ends_at),
            budget: budget_text(&chrome, c),
        })
        .collect();
    let labels = |prefix: &str, values: Vec<&'static str>| -> Vec<(&'static str, &'static str)> {
        values
            .into_iter()
            .map(|v| (v, chrome.text(&format!("{prefix}.{v}"))))
            .collect()
    };
    let page = PromotionsPage {
        editor,
        campaign_choices: campaigns
            .iter()
            .map(|c| (c.id.to_string(), c.fields.name.clone()))
            .collect(),
        products: catalogue
            .iter()
            .map(|p| (p.id.to_string(), format!("{} · {}", p.fields.sku, p.fields.name)))
            .collect(),
        classes: labels(
            "promotion_class",
            PromotionClass::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        rewards: labels("reward", REWARDS.to_vec()),
        statuses: labels(
            "promotion_status",
            PromotionStatus::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        channels: labels("channel", Channel::ALL.iter().map(|v| v.as_str()).collect()),
        budgets: labels("budget_kind", BudgetKind::ALL.iter().map(|v| v.as_str()).collect()),
        promotions: promotion_rows,
        campaigns: campaign_rows,
        refusal,
        chrome,
    };
    render(&page, status)
}

/// The reward kinds, as the API tags them.
const REWARDS: [&str; 5] = ["percentage", "fixed_amount", "fixed_price", "buy_x_get_y", "gift"];

fn reward_kind(reward: &Reward) -> &'static str {
    match reward {
        Reward::Percentage { .. } => "percentage",
        Reward::FixedAmount { .. } => "fixed_amount",
        Reward::FixedPrice { .. } => "fixed_price",
        Reward::BuyXGetY { .. } => "buy_x_get_y",
        Reward::Gift { .. } => "gift",
    }
}

fn reward_value(chrome: &Chrome, fields: &PromotionFields, product_name: &impl Fn(ProductId) -> String) -> String {
    let money = |amount_minor: i64| match fields.currency {
        Some(currency) => chrome.locale.money(&Money { amount_minor, currency }),
        None => amount_minor.to_string(),
    };
    match &fields.reward {
        Reward::Percentage { bp } => super::deal::percent(*bp),
        Reward::FixedAmount { amount_minor } => money(*amount_minor),
        Reward::FixedPrice { unit_price_minor } => money(*unit_price_minor),
        Reward::BuyXGetY {
            buy_quantity,
            get_quantity,
            bp,
        } => format!("{buy_quantity} + {get_quantity} · {}", super::deal::percent(*bp)),
        Reward::Gift { product_id, quantity } => format!("{quantity} × {}", product_name(*product_id)),
    }
}

fn budget_text(chrome: &Chrome, campaign: &Campaign) -> String {
    let Some(budget) = &campaign.fields.budget else {
        return format!("{} · {}", chrome.text("promotions.no_budget"), campaign.used_count);
    };
    match (budget.kind, budget.currency.as_deref().map(Currency::parse)) {
        (BudgetKind::Spend, Some(Ok(currency))) => {
            let money = |amount_minor| chrome.locale.money(&Money { amount_minor, currency });
            format!("{} / {}", money(campaign.spent_minor), money(budget.limit))
        }
        _ => format!("{} / {}", campaign.used_count, budget.limit),
    }
}

fn invalid(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A whole number field; empty is `None`.
fn count(kept: &FormValues, name: &str, wrong: &mut Vec<FieldError>) -> Option<i64> {
    match kept.get(name).trim() {
        "" => None,
        text => text
            .parse::<i64>()
            .map_err(|_| wrong.push(invalid(name, "give a whole number")))
            .ok(),
    }
}

/// A day typed into the form, as the first instant of that day on the viewer's clocks.
fn day(viewer: &Viewer, kept: &FormValues, name: &str, wrong: &mut Vec<FieldError>) -> Option<OffsetDateTime> {
    match kept.get(name).trim() {
        "" => None,
        text => form_date(text, name)
            .map(|date| viewer.chrome.zone.instant(date, time::Time::MIDNIGHT))
            .map_err(|m| wrong.push(invalid(name, m)))
            .ok(),
    }
}

fn uuid_field(kept: &FormValues, name: &str, wrong: &mut Vec<FieldError>) -> Option<Uuid> {
    match kept.get(name).trim() {
        "" => None,
        text => Uuid::parse_str(text)
            .map_err(|_| wrong.push(invalid(name, "choose one from the list")))
            .ok(),
    }
}

/// The promotion the form describes, or the fields it got wrong.
fn promotion_draft(viewer: &Viewer, kept: &FormValues) -> Result<PromotionDraft, ValidationErrors> {
    let mut wrong = Vec::new();
    let currency = kept.get("currency").trim().to_ascii_uppercase();
    let amount = |name: &str, wrong: &mut Vec<FieldError>| -> Option<i64> {
        let text = kept.get(name).trim();
        if text.is_empty() {
            return None;
        }
        if currency.is_empty() {
            wrong.push(invalid("currency", "an amount needs its currency"));
            return None;
        }
        parse_amount(text, &currency)
            .map_err(|m| wrong.push(invalid(name, m)))
            .ok()
    };
    let percent = |name: &str, wrong: &mut Vec<FieldError>| {
        parse_percent(kept.get(name))
            .map_err(|m| wrong.push(invalid(name, m)))
            .unwrap_or_default()
    };
    let reward = match kept.get("reward") {
        "percentage" => Some(Reward::Percentage {
            bp: percent("percent", &mut wrong),
        }),
        "fixed_amount" => Some(Reward::FixedAmount {
            amount_minor: amount("amount", &mut wrong).unwrap_or_default(),
        }),
        "fixed_price" => Some(Reward::FixedPrice {
            unit_price_minor: amount("amount", &mut wrong).unwrap_or_default(),
        }),
        "buy_x_get_y" => Some(Reward::BuyXGetY {
            buy_quantity: count(kept, "buy_quantity", &mut wrong).unwrap_or_default(),
            get_quantity: count(kept, "get_quantity", &mut wrong).unwrap_or_default(),
            bp: percent("percent", &mut wrong),
        }),
        "gift" => match uuid_field(kept, "gift_product_id", &mut wrong) {
            Some(product) => Some(Reward::Gift {
                product_id: ProductId(product),
                quantity: count(kept, "gift_quantity", &mut wrong).unwrap_or(1),
            }),
            None => {
                wrong.push(invalid("gift_product_id", "choose the gift"));
                None
            }
        },
        _ => {
            wrong.push(invalid("reward", "choose what the customer gets"));
            None
        }
    };
    let class = PromotionClass::parse(kept.get("class")).map_err(|m| wrong.push(invalid("class", m)));
    let starts_at = day(viewer, kept, "starts", &mut wrong);
    if starts_at.is_none() && !wrong.iter().any(|e| e.field == "starts") {
        wrong.push(invalid("starts", "give the first day"));
    }
    let channels = kept
        .all("channel")
        .filter_map(|c| Channel::parse(c).map_err(|m| wrong.push(invalid("channel", m))).ok())
        .collect();
    let product_ids = kept
        .all("product_id")
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            Uuid::parse_str(p)
                .map(ProductId)
                .map_err(|_| wrong.push(invalid("product_id", "choose products from the list")))
                .ok()
        })
        .collect();
    let eligibility = Eligibility {
        product_ids,
        categories: kept
            .get("categories")
            .split([',', '，'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        min_subtotal_minor: amount("min_subtotal", &mut wrong),
        min_quantity: count(kept, "min_quantity", &mut wrong),
        first_order_only: kept.has("first_order_only", "on"),
        channels,
    };
    let draft = PromotionDraft {
        name: kept.get("name").to_owned(),
        campaign_id: uuid_field(kept, "campaign_id", &mut wrong).map(CampaignId),
        code: Some(kept.get("code").trim())
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        class: class.unwrap_or(PromotionClass::Order),
        reward: reward.unwrap_or(Reward::Percentage { bp: 0 }),
        eligibility,
        currency: Some(currency.clone()).filter(|c| !c.is_empty()),
        starts_at: starts_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        ends_at: day(viewer, kept, "ends", &mut wrong),
        usage_limit_total: count(kept, "usage_limit_total", &mut wrong),
        usage_limit_per_customer: count(kept, "usage_limit_per_customer", &mut wrong),
        combines_with: CombinesWith {
            product: kept.has("combines_with", "product"),
            order: kept.has("combines_with", "order"),
            gift: kept.has("combines_with", "gift"),
        },
        priority: count(kept, "priority", &mut wrong).map_or(0, |p| i32::try_from(p).unwrap_or(i32::MAX)),
        status: Some(PromotionStatus::Active),
    };
    if wrong.is_empty() {
        Ok(draft)
    } else {
        Err(ValidationErrors(wrong))
    }
}

/// The campaign the form describes, or the fields it got wrong.
fn campaign_draft(viewer: &Viewer, kept: &FormValues) -> Result<CampaignDraft, ValidationErrors> {
    let mut wrong = Vec::new();
    let starts_at = day(viewer, kept, "starts", &mut wrong);
    if starts_at.is_none() && !wrong.iter().any(|e| e.field == "starts") {
        wrong.push(invalid("starts", "give the first day"));
    }
    let budget = match kept.get("budget_kind") {
        "" => None,
        kind => match BudgetKind::parse(kind) {
            Ok(BudgetKind::Usage) => count(kept, "budget_limit", &mut wrong).map(|limit| CampaignBudget {
                kind: BudgetKind::Usage,
                limit,
                currency: None,
            }),
            Ok(BudgetKind::Spend) => {
                let currency = kept.get("budget_currency").trim().to_ascii_uppercase();
                parse_amount(kept.get("budget_limit"), &currency)
                    .map(|limit| CampaignBudget {
                        kind: BudgetKind::Spend,
                        limit,
                        currency: Some(currency),
                    })
                    .map_err(|m| wrong.push(invalid("budget_limit", m)))
                    .ok()
            }
            Err(m) => {
                wrong.push(invalid("budget_kind", m));
                None
            }
        },
    };
    let draft = CampaignDraft {
        name: kept.get("name").to_owned(),
        starts_at: starts_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        ends_at: day(viewer, kept, "ends", &mut wrong),
        budget,
    };
    if wrong.is_empty() {
        Ok(draft)
    } else {
        Err(ValidationErrors(wrong))
    }
}

/// Back to the page when the form worked; else the page again with the form refused in place.
async fn answer<T>(viewer: Viewer, form: String, kept: FormValues, outcome: AppResult<T>) -> Response {
    match outcome {
        Ok(_) => see_other("/promotions".into()),
        Err(e) => match refusal_message(&viewer.chrome, &e) {
            Some((status, message)) => {
                let refusal = Refusal { form, message, kept };
                page(viewer, Some(refusal), status).await
            }
            None => crate::api::problem::Problem::from(e).into_response(),
        },
    }
}

pub async fn add_promotion(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let created = match promotion_draft(&viewer, &kept) {
        Ok(draft) => create_promotion(&viewer.ctx, &draft).await.map(|_| ()),
        Err(wrong) => Err(AppError::Invalid(wrong)),
    };
    answer(viewer, "new_promotion".into(), kept, created).await
}

pub async fn add_campaign(viewer: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let created = match campaign_draft(&viewer, &kept) {
        Ok(draft) => create_campaign(&viewer.ctx, &draft).await.map(|_| ()),
        Err(wrong) => Err(AppError::Invalid(wrong)),
    };
    answer(viewer, "new_campaign".into(), kept, created).await
}

/// Pauses, resumes or archives a promotion; its terms stay as they are.
pub async fn set_status(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let changed = async {
        let status = PromotionStatus::parse(kept.get("status"))
            .map_err(|m| AppError::Invalid(ValidationErrors::single("status", m)))?;
        let version = kept
            .get("version")
            .parse::<i64>()
            .map_or(Expected::Any, |v| Expected::OneOf(vec![v]));
        let current: Promotion = crate::app::get(&viewer.ctx, id).await?;
        let draft = PromotionDraft {
            status: Some(status),
            ..current.fields.to_draft()
        };
        replace_promotion(&viewer.ctx, PromotionId(id), &version, &draft).await
    }
    .await;
    answer(viewer, format!("promotion:{id}"), kept, changed).await
}
