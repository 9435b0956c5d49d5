//! `/api/v1/products` (the catalogue) and quotes: `/api/v1/deals/{id}/quotes` and
//! `/api/v1/quotes/{id}` with send, accept, decline and revise.

use axum::Json;
use closer_domain::ids::{DealId, ProductId, QuoteId};
use closer_domain::pricing::{Product, ProductDraft, ProductPatch, Quote, QuoteDraft, QuotePatch};
use closer_store::products::{self, ProductFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiId, ApiJson, ApiQuery, Created, IfMatch, OptionalIfMatch, PageBody, Tagged, page_request};
use super::problem::{Problem, ProblemBody};
use super::records::DeletedView;
use crate::app::{self, Ctx};

/// Filters and paging of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductsQuery {
    pub active: Option<bool>,
    pub category: Option<String>,
    /// Part of the SKU or the name, case ignored.
    pub q: Option<String>,
    #[param(inline)]
    pub deleted: Option<DeletedView>,
    pub after: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists the catalogue, oldest first.
#[utoipa::path(get, path = "/products", tag = "products", params(ProductsQuery),
    responses((status = 200, body = PageBody<Product>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_products(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<ProductsQuery>,
) -> Result<Json<PageBody<Product>>, Problem> {
    let page = page_request(query.after, query.limit)?;
    let filter = ProductFilter {
        active: query.active,
        category: query.category.filter(|c| !c.trim().is_empty()),
        search: query.q.filter(|q| !q.trim().is_empty()),
        deleted: query.deleted.unwrap_or_default().into(),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(
        products::list(conn.conn(), ctx.workspace, &filter, page).await?.into(),
    ))
}

/// Adds a product to the catalogue (admins and managers).
#[utoipa::path(post, path = "/products", tag = "products", request_body = ProductDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Product, headers(("ETag" = String), ("Location" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_product(ctx: Ctx, ApiJson(draft): ApiJson<ProductDraft>) -> Result<Created<Product>, Problem> {
    let product = app::pricing::create_product(&ctx, &draft).await?;
    Ok(Created {
        location: format!("/api/v1/products/{}", product.id),
        record: product,
    })
}

/// Reads one product.
#[utoipa::path(get, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Product, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_product(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Product>, Problem> {
    Ok(Tagged(app::get::<Product>(&ctx, id).await?))
}

/// Changes a product; `prices` replaces the whole price list. Needs `If-Match`.
#[utoipa::path(patch, path = "/products/{id}", tag = "products", request_body = ProductPatch,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Product, headers(("ETag" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_product(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<ProductPatch>,
) -> Result<Tagged<Product>, Problem> {
    Ok(Tagged(
        app::pricing::patch_product(&ctx, ProductId(id), &version, &patch).await?,
    ))
}

/// Deletes a product (restorable); quotes that name it keep their lines. Needs `If-Match`.
#[utoipa::path(delete, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Product),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_product(ctx: Ctx, ApiId(id): ApiId, IfMatch(version): IfMatch) -> Result<Tagged<Product>, Problem> {
    Ok(Tagged(app::remove::<Product>(&ctx, id, &version).await?))
}

/// Restores a deleted product, unless a live product has taken its SKU.
#[utoipa::path(post, path = "/products/{id}/restore", tag = "products",
    params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Product, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn restore_product(
    ctx: Ctx,
    ApiId(id): ApiId,
    OptionalIfMatch(version): OptionalIfMatch,
) -> Result<Tagged<Product>, Problem> {
    Ok(Tagged(
        app::pricing::restore_product(&ctx, ProductId(id), &version).await?,
    ))
}

/// The deal's quotes, newest revision first.
#[utoipa::path(get, path = "/deals/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Quote>),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list_quotes(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Vec<Quote>>, Problem> {
    Ok(Json(app::pricing::quotes_of(&ctx, DealId(id)).await?))
}

/// Starts the deal's next quote revision, in the deal's currency. Refused while another
/// revision is still a draft.
#[utoipa::path(post, path = "/deals/{id}/quotes", tag = "quotes", request_body = QuoteDraft,
    params(("id" = String, Path, format = Uuid),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = Quote, headers(("ETag" = String), ("Location" = String))),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create_quote(
    ctx: Ctx,
    ApiId(id): ApiId,
    ApiJson(draft): ApiJson<QuoteDraft>,
) -> Result<Created<Quote>, Problem> {
    let quote = app::pricing::create_quote(&ctx, DealId(id), &draft).await?;
    Ok(Created {
        location: format!("/api/v1/quotes/{}", quote.id),
        record: quote,
    })
}

/// Reads one quote revision.
#[utoipa::path(get, path = "/quotes/{id}", tag = "quotes",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Quote, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_quote(ctx: Ctx, ApiId(id): ApiId) -> Result<Tagged<Quote>, Problem> {
    Ok(Tagged(app::get::<Quote>(&ctx, id).await?))
}

/// Changes a draft quote; `lines` replaces every line. A sent quote is frozen: revise it.
#[utoipa::path(patch, path = "/quotes/{id}", tag = "quotes", request_body = QuotePatch,
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Quote, headers(("ETag" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn patch_quote(
    ctx: Ctx,
    ApiId(id): ApiId,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<QuotePatch>,
) -> Result<Tagged<Quote>, Problem> {
    Ok(Tagged(
        app::pricing::patch_quote(&ctx, QuoteId(id), &version, &patch).await?,
    ))
}

/// Deletes a draft quote. Needs `If-Match`.
#[utoipa::path(delete, path = "/quotes/{id}", tag = "quotes",
    params(("id" = String, Path, format = Uuid), ("If-Match" = String, Header)),
    responses((status = 200, body = Quote),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 412, body = ProblemBody, content_type = "application/problem+json"),
              (status = 428, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete_quote(ctx: Ctx, ApiId(id): ApiId, IfMatch(version): IfMatch) -> Result<Tagged<Quote>, Problem> {
    Ok(Tagged(app::pricing::delete_quote(&ctx, QuoteId(id), &version).await?))
}

macro_rules! quote_action {
    ($name:ident, $path:literal, $doc:literal, |$ctx:ident, $id:ident, $version:ident| $call:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "quotes",
                            params(("id" = String, Path, format = Uuid), ("If-Match" = Option<String>, Header)),
                            responses((status = 200, body = Quote, headers(("ETag" = String))),
                                      (status = 404, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 409, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 412, body = ProblemBody, content_type = "application/problem+json"),
                                      (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
        pub async fn $name(
            $ctx: Ctx,
            ApiId(id): ApiId,
            OptionalIfMatch($version): OptionalIfMatch,
        ) -> Result<Tagged<Quote>, Problem> {
            let $id = QuoteId(id);
            Ok(Tagged($call.await?))
        }
    };
}

quote_action!(
    send_quote,
    "/quotes/{id}/send",
    "Gives a draft quote to the customer: it is frozen from now on, and earlier sent revisions are superseded.",
    |ctx, id, version| app::pricing::send_quote(&ctx, id, &version)
);
quote_action!(
    accept_quote,
    "/quotes/{id}/accept",
    "Records that the customer accepted a sent quote while it held; the deal's amount becomes the quote's net total.",
    |ctx, id, version| app::pricing::decide_quote(&ctx, id, &version, true)
);
quote_action!(
    decline_quote,
    "/quotes/{id}/decline",
    "Records that the customer declined a sent quote.",
    |ctx, id, version| app::pricing::decide_quote(&ctx, id, &version, false)
);

/// What the quote needs approved on our side (discount depth, payment terms) under the default
/// approval matrix, and by whom in which order.
#[utoipa::path(get, path = "/quotes/{id}/approval", tag = "quotes",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = app::pricing::QuoteApproval),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn quote_approval(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<app::pricing::QuoteApproval>, Problem> {
    Ok(Json(app::pricing::approval_of(&ctx, QuoteId(id)).await?))
}

/// Makes the next revision of a sent or declined quote: a draft with the same lines and terms.
#[utoipa::path(post, path = "/quotes/{id}/revise", tag = "quotes",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = Quote, headers(("ETag" = String), ("Location" = String))),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revise_quote(ctx: Ctx, ApiId(id): ApiId) -> Result<Created<Quote>, Problem> {
    let quote = app::pricing::revise_quote(&ctx, QuoteId(id)).await?;
    Ok(Created {
        location: format!("/api/v1/quotes/{}", quote.id),
        record: quote,
    })
}
