//! Promotion campaigns, promotions and their redemptions. A redemption spends a promotion's
//! usage, a customer's allowance and the campaign's budget in one transaction: each counter is
//! changed by an update that checks its limit, so concurrent redemptions never overshoot.

use std::collections::HashMap;

use closer_domain::ids::{CampaignId, DealId, PartyId, PromotionId, QuoteId, RedemptionId, WorkspaceId};
use closer_domain::money::Currency;
use closer_domain::promotions::{
    BudgetKind, Campaign, CampaignBudget, CampaignFields, CombinesWith, Eligibility, Promotion, PromotionClass,
    PromotionFields, PromotionStatus, Reward,
};
use sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, label};
use crate::schema::{PromotionCampaigns, PromotionRedemptions, Promotions};

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("promotion {what}: {error}"))
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

#[derive(FromRow)]
struct CampaignRow {
    id: Uuid,
    name: String,
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
    budget_kind: Option<String>,
    budget_limit: Option<i64>,
    budget_currency: Option<String>,
    used_count: i64,
    spent_minor: i64,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl CampaignRow {
    fn into_campaign(self) -> Result<Campaign> {
        let budget = match (self.budget_kind, self.budget_limit) {
            (Some(kind), Some(limit)) => Some(CampaignBudget {
                kind: label(BudgetKind::parse, &kind)?,
                limit,
                currency: self.budget_currency,
            }),
            _ => None,
        };
        Ok(Campaign {
            id: CampaignId(self.id),
            fields: CampaignFields {
                name: self.name,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                budget,
            },
            used_count: self.used_count,
            spent_minor: self.spent_minor,
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_campaigns(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            PromotionCampaigns::Id,
            PromotionCampaigns::Name,
            PromotionCampaigns::StartsAt,
            PromotionCampaigns::EndsAt,
            PromotionCampaigns::BudgetKind,
            PromotionCampaigns::BudgetLimit,
            PromotionCampaigns::BudgetCurrency,
            PromotionCampaigns::UsedCount,
            PromotionCampaigns::SpentMinor,
            PromotionCampaigns::Version,
            PromotionCampaigns::CreatedAt,
            PromotionCampaigns::UpdatedAt,
            PromotionCampaigns::DeletedAt,
        ])
        .from(PromotionCampaigns::Table)
        .and_where(Expr::col(PromotionCampaigns::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn campaign_values(campaign: &Campaign) -> Vec<(PromotionCampaigns, Expr)> {
    let f = &campaign.fields;
    let budget = f.budget.as_ref();
    vec![
        (PromotionCampaigns::Name, f.name.clone().into()),
        (PromotionCampaigns::StartsAt, f.starts_at.into()),
        (PromotionCampaigns::EndsAt, f.ends_at.into()),
        (PromotionCampaigns::BudgetKind, budget.map(|b| b.kind.as_str()).into()),
        (PromotionCampaigns::BudgetLimit, budget.map(|b| b.limit).into()),
        (
            PromotionCampaigns::BudgetCurrency,
            budget.and_then(|b| b.currency.clone()).into(),
        ),
    ]
}

pub async fn get_campaign(conn: Conn<'_>, workspace: WorkspaceId, id: CampaignId) -> Result<Option<Campaign>> {
    let statement = select_campaigns(workspace)
        .and_where(Expr::col(PromotionCampaigns::Id).eq(id.as_uuid()))
        .to_owned();
    let row: Option<CampaignRow> = conn.fetch_optional(&statement).await?;
    row.map(CampaignRow::into_campaign).transpose()
}

pub async fn campaigns_by_ids(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    ids: &[CampaignId],
) -> Result<HashMap<CampaignId, Campaign>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = select_campaigns(workspace)
        .and_where(Expr::col(PromotionCampaigns::Id).is_in(ids.iter().map(|i| i.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<CampaignRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(|r| r.into_campaign().map(|c| (c.id, c))).collect()
}

pub async fn list_campaigns(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    deleted: Deleted,
    page: PageRequest,
) -> Result<Page<Campaign>> {
    let mut statement = select_campaigns(workspace);
    records::scope_page(&mut statement, PromotionCampaigns::Table, workspace, deleted, page);
    let rows: Vec<CampaignRow> = conn.fetch_all(&statement).await?;
    let page = Page::from_rows(rows, page, |r| r.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(CampaignRow::into_campaign)
            .collect::<Result<_>>()?,
        next_after: page.next_after,
    })
}

pub async fn insert_campaign(conn: Conn<'_>, workspace: WorkspaceId, campaign: &Campaign) -> Result<()> {
    records::insert_record(
        conn,
        PromotionCampaigns::Table,
        workspace,
        campaign.id.as_uuid(),
        &campaign.meta,
        campaign_values(campaign),
    )
    .await
}

pub async fn update_campaign(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    campaign: &Campaign,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        PromotionCampaigns::Table,
        workspace,
        campaign.id.as_uuid(),
        &campaign.meta,
        expected_version,
        campaign_values(campaign),
    )
    .await
}

#[derive(FromRow)]
struct PromotionRow {
    id: Uuid,
    name: String,
    campaign_id: Option<Uuid>,
    code: Option<String>,
    class: String,
    reward: String,
    eligibility: String,
    currency: Option<String>,
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
    usage_limit_total: Option<i64>,
    usage_limit_per_customer: Option<i64>,
    combines_with: String,
    priority: i64,
    status: String,
    used_count: i64,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl PromotionRow {
    fn into_promotion(self) -> Result<Promotion> {
        let reward: Reward = json("reward", &self.reward)?;
        let eligibility: Eligibility = json("eligibility", &self.eligibility)?;
        let combines_with: CombinesWith = json("combinations", &self.combines_with)?;
        Ok(Promotion {
            id: PromotionId(self.id),
            fields: PromotionFields {
                name: self.name,
                campaign_id: self.campaign_id.map(CampaignId),
                code: self.code,
                class: label(PromotionClass::parse, &self.class)?,
                reward,
                eligibility,
                currency: self
                    .currency
                    .map(|c| Currency::parse(&c).map_err(StoreError::Corrupt))
                    .transpose()?,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                usage_limit_total: self.usage_limit_total,
                usage_limit_per_customer: self.usage_limit_per_customer,
                combines_with,
                priority: i32::try_from(self.priority).map_err(|e| corrupt("priority", e))?,
                status: label(PromotionStatus::parse, &self.status)?,
            },
            used_count: self.used_count,
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_promotions(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Promotions::Id,
            Promotions::Name,
            Promotions::CampaignId,
            Promotions::Code,
            Promotions::Class,
            Promotions::Reward,
            Promotions::Eligibility,
            Promotions::Currency,
            Promotions::StartsAt,
            Promotions::EndsAt,
            Promotions::UsageLimitTotal,
            Promotions::UsageLimitPerCustomer,
            Promotions::CombinesWith,
            Promotions::Priority,
            Promotions::Status,
            Promotions::UsedCount,
            Promotions::Version,
            Promotions::CreatedAt,
            Promotions::UpdatedAt,
            Promotions::DeletedAt,
        ])
        .from(Promotions::Table)
        .and_where(Expr::col(Promotions::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn promotion_values(promotion: &Promotion) -> Vec<(Promotions, Expr)> {
    let f = &promotion.fields;
    vec![
        (Promotions::Name, f.name.clone().into()),
        (Promotions::CampaignId, f.campaign_id.map(|c| c.as_uuid()).into()),
        (Promotions::Code, f.code.clone().into()),
        (Promotions::Class, f.class.as_str().into()),
        (Promotions::Reward, records::json_text(&f.reward).into()),
        (Promotions::Eligibility, records::json_text(&f.eligibility).into()),
        (Promotions::Currency, f.currency.map(|c| c.code().to_owned()).into()),
        (Promotions::StartsAt, f.starts_at.into()),
        (Promotions::EndsAt, f.ends_at.into()),
        (Promotions::UsageLimitTotal, f.usage_limit_total.into()),
        (Promotions::UsageLimitPerCustomer, f.usage_limit_per_customer.into()),
        (Promotions::CombinesWith, records::json_text(&f.combines_with).into()),
        (Promotions::Priority, i64::from(f.priority).into()),
        (Promotions::Status, f.status.as_str().into()),
    ]
}

async fn fetch_promotions(conn: Conn<'_>, statement: &SelectStatement) -> Result<Vec<Promotion>> {
    let rows: Vec<PromotionRow> = conn.fetch_all(statement).await?;
    rows.into_iter().map(PromotionRow::into_promotion).collect()
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: PromotionId) -> Result<Option<Promotion>> {
    let statement = select_promotions(workspace)
        .and_where(Expr::col(Promotions::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(fetch_promotions(conn, &statement).await?.into_iter().next())
}

/// The live promotion with this code, case ignored.
pub async fn by_code(conn: Conn<'_>, workspace: WorkspaceId, code: &str) -> Result<Option<Promotion>> {
    let statement = select_promotions(workspace)
        .and_where(Expr::expr(Func::lower(Expr::col(Promotions::Code))).eq(code.to_lowercase()))
        .and_where(Expr::col(Promotions::DeletedAt).is_null())
        .to_owned();
    Ok(fetch_promotions(conn, &statement).await?.into_iter().next())
}

/// Every promotion not deleted or archived: what the engine weighs (or explains) for a cart.
pub async fn current(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<Promotion>> {
    let statement = select_promotions(workspace)
        .and_where(Expr::col(Promotions::DeletedAt).is_null())
        .and_where(Expr::col(Promotions::Status).ne(PromotionStatus::Archived.as_str()))
        .to_owned();
    fetch_promotions(conn, &statement).await
}

/// Filters of the promotion list.
#[derive(Debug, Clone, Default)]
pub struct PromotionFilter {
    pub status: Option<PromotionStatus>,
    pub campaign: Option<CampaignId>,
    pub deleted: Deleted,
}

pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    filter: &PromotionFilter,
    page: PageRequest,
) -> Result<Page<Promotion>> {
    let mut statement = select_promotions(workspace);
    if let Some(status) = filter.status {
        statement.and_where(Expr::col(Promotions::Status).eq(status.as_str()));
    }
    if let Some(campaign) = filter.campaign {
        statement.and_where(Expr::col(Promotions::CampaignId).eq(campaign.as_uuid()));
    }
    records::scope_page(&mut statement, Promotions::Table, workspace, filter.deleted, page);
    let rows: Vec<PromotionRow> = conn.fetch_all(&statement).await?;
    let page = Page::from_rows(rows, page, |r| r.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(PromotionRow::into_promotion)
            .collect::<Result<_>>()?,
        next_after: page.next_after,
    })
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, promotion: &Promotion) -> Result<()> {
    records::insert_record(
        conn,
        Promotions::Table,
        workspace,
        promotion.id.as_uuid(),
        &promotion.meta,
        promotion_values(promotion),
    )
    .await
}

pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    promotion: &Promotion,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        Promotions::Table,
        workspace,
        promotion.id.as_uuid(),
        &promotion.meta,
        expected_version,
        promotion_values(promotion),
    )
    .await
}

/// How often `customer` redeemed each of the promotions (released redemptions not counted).
pub async fn used_by_customer(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    customer: PartyId,
    promotions: &[PromotionId],
) -> Result<HashMap<PromotionId, i64>> {
    #[derive(FromRow)]
    struct Used {
        promotion_id: Uuid,
        used: i64,
    }
    if promotions.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .column(PromotionRedemptions::PromotionId)
        .expr_as(Func::count(Expr::col(PromotionRedemptions::Id)), "used")
        .from(PromotionRedemptions::Table)
        .and_where(Expr::col(PromotionRedemptions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(PromotionRedemptions::CustomerId).eq(customer.as_uuid()))
        .and_where(
            Expr::col(PromotionRedemptions::PromotionId)
                .is_in(promotions.iter().map(|p| p.as_uuid()).collect::<Vec<_>>()),
        )
        .and_where(Expr::col(PromotionRedemptions::ReleasedAt).is_null())
        .group_by_col(PromotionRedemptions::PromotionId)
        .to_owned();
    let rows: Vec<Used> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .map(|r| (PromotionId(r.promotion_id), r.used))
        .collect())
}

/// One use of a promotion, about to be written.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub id: RedemptionId,
    pub promotion_id: PromotionId,
    pub campaign_id: Option<CampaignId>,
    pub customer_id: PartyId,
    pub deal_id: DealId,
    pub quote_id: QuoteId,
    pub discount_minor: i64,
    pub currency: Currency,
    pub at: OffsetDateTime,
}

/// Why a redemption was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UsageLimit,
    CustomerLimit,
    CampaignBudget,
}

/// Spends the promotion's usage, the customer's allowance and the campaign's budget, and writes
/// the redemption; each limit is checked by the statement that spends it. Call inside the
/// transaction that makes the sale, and roll it back on a refusal.
pub async fn redeem(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    redemption: &Redemption,
) -> Result<std::result::Result<(), Refusal>> {
    // The promotion's row is locked from here to the commit, so the customer count below sees
    // every redemption committed before it.
    let usage = Query::update()
        .table(Promotions::Table)
        .value(Promotions::UsedCount, Expr::col(Promotions::UsedCount).add(1))
        .and_where(Expr::col(Promotions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Promotions::Id).eq(redemption.promotion_id.as_uuid()))
        .and_where(
            Expr::col(Promotions::UsageLimitTotal)
                .is_null()
                .or(Expr::col(Promotions::UsedCount).lt(Expr::col(Promotions::UsageLimitTotal))),
        )
        .to_owned();
    if conn.reborrow().execute(&usage).await? != 1 {
        return Ok(Err(Refusal::UsageLimit));
    }
    let promotion = get(conn.reborrow(), workspace, redemption.promotion_id)
        .await?
        .ok_or_else(|| corrupt("redeemed", "vanished"))?;
    if let Some(limit) = promotion.fields.usage_limit_per_customer {
        let used = used_by_customer(conn.reborrow(), workspace, redemption.customer_id, &[promotion.id])
            .await?
            .get(&promotion.id)
            .copied()
            .unwrap_or(0);
        if used >= limit {
            return Ok(Err(Refusal::CustomerLimit));
        }
    }
    if let Some(campaign) = redemption.campaign_id {
        let spend = Query::update()
            .table(PromotionCampaigns::Table)
            .value(
                PromotionCampaigns::UsedCount,
                Expr::col(PromotionCampaigns::UsedCount).add(1),
            )
            .value(
                PromotionCampaigns::SpentMinor,
                Expr::col(PromotionCampaigns::SpentMinor).add(redemption.discount_minor),
            )
            .and_where(Expr::col(PromotionCampaigns::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(PromotionCampaigns::Id).eq(campaign.as_uuid()))
            .and_where(
                Expr::col(PromotionCampaigns::BudgetKind)
                    .is_null()
                    .or(Expr::col(PromotionCampaigns::BudgetKind)
                        .eq(BudgetKind::Usage.as_str())
                        .and(Expr::col(PromotionCampaigns::UsedCount).lt(Expr::col(PromotionCampaigns::BudgetLimit))))
                    .or(Expr::col(PromotionCampaigns::BudgetKind)
                        .eq(BudgetKind::Spend.as_str())
                        .and(
                            Expr::col(PromotionCampaigns::SpentMinor)
                                .add(redemption.discount_minor)
                                .lte(Expr::col(PromotionCampaigns::BudgetLimit)),
                        )),
            )
            .to_owned();
        if conn.reborrow().execute(&spend).await? != 1 {
            return Ok(Err(Refusal::CampaignBudget));
        }
    }
    let insert = Query::insert()
        .into_table(PromotionRedemptions::Table)
        .columns([
            PromotionRedemptions::WorkspaceId,
            PromotionRedemptions::Id,
            PromotionRedemptions::PromotionId,
            PromotionRedemptions::CampaignId,
            PromotionRedemptions::CustomerId,
            PromotionRedemptions::DealId,
            PromotionRedemptions::QuoteId,
            PromotionRedemptions::DiscountMinor,
            PromotionRedemptions::Currency,
            PromotionRedemptions::RedeemedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            redemption.id.as_uuid().into(),
            redemption.promotion_id.as_uuid().into(),
            redemption.campaign_id.map(|c| c.as_uuid()).into(),
            redemption.customer_id.as_uuid().into(),
            redemption.deal_id.as_uuid().into(),
            redemption.quote_id.as_uuid().into(),
            redemption.discount_minor.into(),
            redemption.currency.code().to_owned().into(),
            redemption.at.into(),
        ])
        .to_owned();
    conn.execute(&insert).await?;
    Ok(Ok(()))
}

/// Gives back what a quote's redemptions spent (a cancelled sale or a full refund): each is
/// marked released, and its promotion's usage and its campaign's budget are restored.
pub async fn release_quote(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    quote: QuoteId,
    now: OffsetDateTime,
) -> Result<u64> {
    #[derive(FromRow)]
    struct Held {
        id: Uuid,
        promotion_id: Uuid,
        campaign_id: Option<Uuid>,
        discount_minor: i64,
    }
    let held = Query::select()
        .columns([
            PromotionRedemptions::Id,
            PromotionRedemptions::PromotionId,
            PromotionRedemptions::CampaignId,
            PromotionRedemptions::DiscountMinor,
        ])
        .from(PromotionRedemptions::Table)
        .and_where(Expr::col(PromotionRedemptions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(PromotionRedemptions::QuoteId).eq(quote.as_uuid()))
        .and_where(Expr::col(PromotionRedemptions::ReleasedAt).is_null())
        .to_owned();
    let rows: Vec<Held> = conn.reborrow().fetch_all(&held).await?;
    for row in &rows {
        let release = Query::update()
            .table(PromotionRedemptions::Table)
            .value(PromotionRedemptions::ReleasedAt, now)
            .and_where(Expr::col(PromotionRedemptions::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(PromotionRedemptions::Id).eq(row.id))
            .to_owned();
        conn.reborrow().execute(&release).await?;
        let usage = Query::update()
            .table(Promotions::Table)
            .value(Promotions::UsedCount, Expr::col(Promotions::UsedCount).sub(1))
            .and_where(Expr::col(Promotions::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(Promotions::Id).eq(row.promotion_id))
            .to_owned();
        conn.reborrow().execute(&usage).await?;
        if let Some(campaign) = row.campaign_id {
            let budget = Query::update()
                .table(PromotionCampaigns::Table)
                .value(
                    PromotionCampaigns::UsedCount,
                    Expr::col(PromotionCampaigns::UsedCount).sub(1),
                )
                .value(
                    PromotionCampaigns::SpentMinor,
                    Expr::col(PromotionCampaigns::SpentMinor).sub(row.discount_minor),
                )
                .and_where(Expr::col(PromotionCampaigns::WorkspaceId).eq(workspace.as_uuid()))
                .and_where(Expr::col(PromotionCampaigns::Id).eq(campaign))
                .to_owned();
            conn.reborrow().execute(&budget).await?;
        }
    }
    Ok(u64::try_from(rows.len()).unwrap_or(u64::MAX))
}
