//! `/api/v1/promotions` and `/api/v1/promotion-campaigns`: B2C promotions and their campaigns,
//! kept by admins and managers and read by everyone; `/api/v1/promotions/evaluate` prices a
//! cart and explains every promotion that did not apply.

use axum::Json;
use closer_domain::ids::{CampaignId, PromotionId};
use closer_domain::promotions::{Campaign, CampaignDraft, Outcome, Promotion, PromotionDraft, PromotionStatus};
use closer_store::promotions::{self, PromotionFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, IfMatch, PageBody, PageQuery, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::DeletedView;
use crate::app::promotions::CartDraft;
use crate::app::{self, Ctx};

/// Filters and paging of the promotions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PromotionsQuery {
    pub status: Option<PromotionStatus>,
    pub campaign_id: Option<CampaignId>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists the promotions, oldest first.
#[utoipa::path(get, path = "/promotions", tag = "promotions", params(PromotionsQuery),
    responses((status = 200, body = PageBody<Promotion>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_promotions(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<PromotionsQuery>,
) -> Result<Json<PageBody<Promotion>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = PromotionFilter {
        status: query.status,
        campaign: query.campaign_id,
        deleted: query.deleted.unwrap_or_default().into(),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        promotions::list(conn.conn(), ctx.workspace, &filter, page)
            .await?
            .into(),
    ))
}

/// Adds a promotion (admins and managers). Without a code it applies by itself to every cart it
/// fits.
#[utoipa::path(post, path = "/promotions", tag = "promotions", request_body = PromotionDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Promotion, headers(("ETag" = String), ("Location" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_promotion(
    ctx: Ctx,
    ApiJson(draft): ApiJson<PromotionDraft>,
) -> Result<Created<Promotion>, Problem> {
    let promotion = app::promotions::create_promotion(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/promotions/{}", promotion.id),
        record: promotion,
    })
}

/// Reads one promotion with how often it was used.
#[utoipa::path(get, path = "/promotions/{id}", tag = "promotions",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Promotion, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_promotion(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Promotion>, Problem> {
    Ok(Tagged(app::get::<Promotion>(&ctx, id).await?))
}

/// Replaces a promotion's terms (pause it with `"status": "paused"`). Needs `If-Match`.
#[utoipa::path(put, path = "/promotions/{id}", tag = "promotions", request_body = PromotionDraft,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Promotion, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn replace_promotion(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(draft): ApiJson<PromotionDraft>,
) -> Result<Tagged<Promotion>, Problem> {
    Ok(Tagged(
        app::promotions::replace_promotion(&ctx, PromotionId(id), &version, &draft).await?,
    ))
}

/// Deletes a promotion; quotes that carry it keep it. Needs `If-Match`.
#[utoipa::path(delete, path = "/promotions/{id}", tag = "promotions",
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Promotion),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_promotion(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Promotion>, Problem> {
    Ok(Tagged(app::remove::<Promotion>(&ctx, id, &version).await?))
}

/// Prices a cart with the live promotions: the best combination the stacking rules allow, each
/// line's discount, the gifts, and why every other promotion did not apply. Writes nothing.
#[utoipa::path(post, path = "/promotions/evaluate", tag = "promotions", request_body = CartDraft,
    responses((status = 200, body = Outcome),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn evaluate(ctx: Ctx, ApiJson(cart): ApiJson<CartDraft>) -> Result<Json<Outcome>, Problem> {
    Ok(Json(app::promotions::evaluate(&ctx, &cart).await?))
}

/// Lists the campaigns with what their budgets have spent.
#[utoipa::path(get, path = "/promotion-campaigns", tag = "promotions", params(PageQuery),
    responses((status = 200, body = PageBody<Campaign>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_campaigns(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<PageBody<Campaign>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        promotions::list_campaigns(conn.conn(), ctx.workspace, Default::default(), page)
            .await?
            .into(),
    ))
}

/// Adds a campaign, with a usage or spend budget if it has one (admins and managers).
#[utoipa::path(post, path = "/promotion-campaigns", tag = "promotions", request_body = CampaignDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Campaign, headers(("ETag" = String), ("Location" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_campaign(ctx: Ctx, ApiJson(draft): ApiJson<CampaignDraft>) -> Result<Created<Campaign>, Problem> {
    let campaign = app::promotions::create_campaign(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/promotion-campaigns/{}", campaign.id),
        record: campaign,
    })
}

/// Reads one campaign.
#[utoipa::path(get, path = "/promotion-campaigns/{id}", tag = "promotions",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Campaign, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_campaign(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Campaign>, Problem> {
    Ok(Tagged(app::get::<Campaign>(&ctx, id).await?))
}

/// Replaces a campaign's name, window and budget; what it spent stays. Needs `If-Match`.
#[utoipa::path(put, path = "/promotion-campaigns/{id}", tag = "promotions", request_body = CampaignDraft,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Campaign, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn replace_campaign(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(draft): ApiJson<CampaignDraft>,
) -> Result<Tagged<Campaign>, Problem> {
    Ok(Tagged(
        app::promotions::replace_campaign(&ctx, CampaignId(id), &version, &draft).await?,
    ))
}
