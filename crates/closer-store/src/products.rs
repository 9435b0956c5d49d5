//! The catalogue: products with a list price per currency.

use std::collections::HashMap;

use closer_domain::ids::{ProductId, WorkspaceId};
use closer_domain::money::{Currency, Money};
use closer_domain::pricing::{Product, ProductFields};
use sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, like_contains};
use crate::schema::Products;

#[derive(FromRow)]
struct Row {
    id: Uuid,
    sku: String,
    name: String,
    category: Option<String>,
    description: Option<String>,
    unit: Option<String>,
    prices: String,
    active: bool,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

/// A price as the `prices` column keeps it.
#[derive(Serialize, Deserialize)]
struct StoredPrice {
    currency: String,
    amount_minor: i64,
}

impl Row {
    fn into_product(self) -> Result<Product> {
        let stored: Vec<StoredPrice> =
            serde_json::from_str(&self.prices).map_err(|e| StoreError::Corrupt(format!("product prices: {e}")))?;
        let prices = stored
            .into_iter()
            .map(|p| {
                Ok(Money {
                    amount_minor: p.amount_minor,
                    currency: Currency::parse(&p.currency).map_err(StoreError::Corrupt)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Product {
            id: ProductId(self.id),
            fields: ProductFields {
                sku: self.sku,
                name: self.name,
                category: self.category,
                description: self.description,
                unit: self.unit,
                prices,
                active: self.active,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Products::Id,
            Products::Sku,
            Products::Name,
            Products::Category,
            Products::Description,
            Products::Unit,
            Products::Prices,
            Products::Active,
            Products::Version,
            Products::CreatedAt,
            Products::UpdatedAt,
            Products::DeletedAt,
        ])
        .from(Products::Table)
        .and_where(Expr::col(Products::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(product: &Product) -> Vec<(Products, Expr)> {
    let f = &product.fields;
    let prices: Vec<StoredPrice> = f
        .prices
        .iter()
        .map(|p| StoredPrice {
            currency: p.currency.code().to_owned(),
            amount_minor: p.amount_minor,
        })
        .collect();
    vec![
        (Products::Sku, f.sku.clone().into()),
        (Products::Name, f.name.clone().into()),
        (Products::Category, f.category.clone().into()),
        (Products::Description, f.description.clone().into()),
        (Products::Unit, f.unit.clone().into()),
        (
            Products::Prices,
            serde_json::to_string(&prices).unwrap_or_else(|_| "[]".into()).into(),
        ),
        (Products::Active, f.active.into()),
    ]
}

/// A product by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: ProductId) -> Result<Option<Product>> {
    let statement = select(workspace)
        .and_where(Expr::col(Products::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_product)
        .transpose()
}

/// The products with these ids (deleted or not), by id.
pub async fn by_ids(conn: Conn<'_>, workspace: WorkspaceId, ids: &[ProductId]) -> Result<HashMap<ProductId, Product>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Products::Id).is_in(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter()
        .map(|row| row.into_product().map(|p| (p.id, p)))
        .collect()
}

/// The live product with this SKU (case ignored), if any.
pub async fn by_sku(conn: Conn<'_>, workspace: WorkspaceId, sku: &str) -> Result<Option<Product>> {
    let statement = select(workspace)
        .and_where(Expr::expr(Func::lower(Expr::col(Products::Sku))).eq(sku.to_lowercase()))
        .and_where(Expr::col(Products::DeletedAt).is_null())
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_product)
        .transpose()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, product: &Product) -> Result<()> {
    records::insert_record(
        conn,
        Products::Table,
        workspace,
        product.id.as_uuid(),
        &product.meta,
        values(product),
    )
    .await
}

/// Writes a changed product if it is still at `expected_version`; false when it is not.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, product: &Product, expected_version: i64) -> Result<bool> {
    records::update_record(
        conn,
        Products::Table,
        workspace,
        product.id.as_uuid(),
        &product.meta,
        expected_version,
        values(product),
    )
    .await
}

/// Filters of the catalogue.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub active: Option<bool>,
    pub category: Option<String>,
    /// Part of the SKU or name, case ignored.
    pub search: Option<String>,
    pub deleted: Deleted,
}

/// One page of the catalogue, in creation order.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    filter: &ProductFilter,
    page: PageRequest,
) -> Result<Page<Product>> {
    let mut statement = select(workspace);
    if let Some(active) = filter.active {
        statement.and_where(Expr::col(Products::Active).eq(active));
    }
    if let Some(category) = &filter.category {
        statement.and_where(Expr::col(Products::Category).eq(category.clone()));
    }
    if let Some(needle) = &filter.search {
        let pattern = like_contains(&needle.to_lowercase());
        let like = |column: Products| {
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        statement.cond_where(
            sea_query::Cond::any()
                .add(like(Products::Sku))
                .add(like(Products::Name)),
        );
    }
    records::scope_page(&mut statement, Products::Table, workspace, filter.deleted, page);
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    let page_rows = Page::from_rows(rows, page, |r| r.id);
    let next_after = page_rows.next_after;
    Ok(Page {
        items: page_rows
            .items
            .into_iter()
            .map(Row::into_product)
            .collect::<Result<Vec<_>>>()?,
        next_after,
    })
}
