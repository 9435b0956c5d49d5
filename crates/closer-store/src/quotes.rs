//! Quotes of deals and their lines. A quote row is one revision; its lines are written with it
//! and replaced while it is a draft.

use closer_domain::ids::{DealId, ProductId, QuoteId, WorkspaceId};
use closer_domain::money::Currency;
use closer_domain::pricing::{PaymentTerms, Quote, QuoteFields, QuoteLine, QuoteStatus};
use closer_domain::promotions::Channel;
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::{Deals, QuoteLines, Quotes};

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Uuid,
    revision: i64,
    currency: String,
    status: String,
    payment_terms: String,
    valid_until: Date,
    notes: Option<String>,
    sent_at: Option<OffsetDateTime>,
    decided_at: Option<OffsetDateTime>,
    channel: Option<String>,
    promotion_codes: String,
    promotions: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct LineRow {
    quote_id: Uuid,
    product_id: Option<Uuid>,
    description: String,
    quantity: i64,
    list_unit_price_minor: i64,
    net_unit_price_minor: i64,
}

impl LineRow {
    fn into_line(self) -> Result<QuoteLine> {
        QuoteLine::priced(
            self.product_id.map(ProductId),
            self.description,
            self.quantity,
            self.list_unit_price_minor,
            self.net_unit_price_minor,
        )
        .map_err(|e| StoreError::Corrupt(format!("quote line: {e}")))
    }
}

impl Row {
    fn into_quote(self, lines: Vec<QuoteLine>) -> Result<Quote> {
        let fields = QuoteFields {
            deal_id: DealId(self.deal_id),
            revision: self.revision,
            currency: Currency::parse(&self.currency).map_err(StoreError::Corrupt)?,
            status: label(QuoteStatus::parse, &self.status)?,
            lines,
            payment_terms: label(PaymentTerms::parse, &self.payment_terms)?,
            valid_until: self.valid_until,
            notes: self.notes,
            sent_at: self.sent_at,
            decided_at: self.decided_at,
            channel: self.channel.map(|c| label(Channel::parse, &c)).transpose()?,
            promotion_codes: serde_json::from_str(&self.promotion_codes)
                .map_err(|e| StoreError::Corrupt(format!("quote promotion codes: {e}")))?,
            promotions: serde_json::from_str(&self.promotions)
                .map_err(|e| StoreError::Corrupt(format!("quote promotions: {e}")))?,
        };
        let meta = records::meta(self.version, self.created_at, self.updated_at, self.deleted_at);
        Ok(Quote::new(QuoteId(self.id), fields, meta))
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Quotes::Id,
            Quotes::DealId,
            Quotes::Revision,
            Quotes::Currency,
            Quotes::Status,
            Quotes::PaymentTerms,
            Quotes::ValidUntil,
            Quotes::Notes,
            Quotes::SentAt,
            Quotes::DecidedAt,
            Quotes::Channel,
            Quotes::PromotionCodes,
            Quotes::Promotions,
            Quotes::Version,
            Quotes::CreatedAt,
            Quotes::UpdatedAt,
            Quotes::DeletedAt,
        ])
        .from(Quotes::Table)
        .and_where(Expr::col(Quotes::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(quote: &Quote) -> Vec<(Quotes, Expr)> {
    let f = &quote.fields;
    vec![
        (Quotes::DealId, f.deal_id.as_uuid().into()),
        (Quotes::Revision, f.revision.into()),
        (Quotes::Currency, f.currency.code().to_owned().into()),
        (Quotes::Status, f.status.as_str().into()),
        (Quotes::PaymentTerms, f.payment_terms.as_str().into()),
        (Quotes::ValidUntil, f.valid_until.into()),
        (Quotes::Notes, f.notes.clone().into()),
        (Quotes::SentAt, f.sent_at.into()),
        (Quotes::DecidedAt, f.decided_at.into()),
        (Quotes::ListTotalMinor, quote.totals.list_total_minor.into()),
        (Quotes::NetTotalMinor, quote.totals.net_total_minor.into()),
        (Quotes::Channel, f.channel.map(|c| c.as_str()).into()),
        (
            Quotes::PromotionCodes,
            serde_json::to_string(&f.promotion_codes).unwrap_or_default().into(),
        ),
        (
            Quotes::Promotions,
            serde_json::to_string(&f.promotions).unwrap_or_default().into(),
        ),
    ]
}

async fn assemble(mut conn: Conn<'_>, workspace: WorkspaceId, rows: Vec<Row>) -> Result<Vec<Quote>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let statement = Query::select()
        .columns([
            QuoteLines::QuoteId,
            QuoteLines::ProductId,
            QuoteLines::Description,
            QuoteLines::Quantity,
            QuoteLines::ListUnitPriceMinor,
            QuoteLines::NetUnitPriceMinor,
        ])
        .from(QuoteLines::Table)
        .and_where(Expr::col(QuoteLines::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(QuoteLines::QuoteId).is_in(rows.iter().map(|r| r.id).collect::<Vec<_>>()))
        .order_by(QuoteLines::QuoteId, Order::Asc)
        .order_by(QuoteLines::Position, Order::Asc)
        .to_owned();
    let line_rows: Vec<LineRow> = conn.reborrow().fetch_all(&statement).await?;
    let mut lines: std::collections::HashMap<Uuid, Vec<QuoteLine>> = std::collections::HashMap::new();
    for row in line_rows {
        let quote = row.quote_id;
        lines.entry(quote).or_default().push(row.into_line()?);
    }
    rows.into_iter()
        .map(|row| {
            let mine = lines.remove(&row.id).unwrap_or_default();
            row.into_quote(mine)
        })
        .collect()
}

/// A quote by id, deleted or not.
pub async fn get(mut conn: Conn<'_>, workspace: WorkspaceId, id: QuoteId) -> Result<Option<Quote>> {
    let statement = select(workspace)
        .and_where(Expr::col(Quotes::Id).eq(id.as_uuid()))
        .to_owned();
    let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
    Ok(assemble(conn, workspace, rows).await?.into_iter().next())
}

/// Every live quote of a deal, newest revision first.
pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<Quote>> {
    for_deals(conn, workspace, &[deal]).await
}

/// Every live quote of several deals.
pub async fn for_deals(mut conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Quote>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Quotes::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Quotes::DeletedAt).is_null())
        .order_by(Quotes::Revision, Order::Desc)
        .to_owned();
    let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
    assemble(conn, workspace, rows).await
}

/// The highest revision the deal's quotes reached, deleted ones included (a revision number is
/// never given twice); 0 before the first quote.
pub async fn last_revision(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<i64> {
    #[derive(FromRow)]
    struct Last {
        last: Option<i64>,
    }
    let statement = Query::select()
        .expr_as(Func::max(Expr::col(Quotes::Revision)), "last")
        .from(Quotes::Table)
        .and_where(Expr::col(Quotes::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Quotes::DealId).eq(deal.as_uuid()))
        .to_owned();
    let row: Option<Last> = conn.fetch_optional(&statement).await?;
    Ok(row.and_then(|r| r.last).unwrap_or(0))
}

async fn write_lines(mut conn: Conn<'_>, workspace: WorkspaceId, quote: &Quote, replace: bool) -> Result<()> {
    if replace {
        let clear = Query::delete()
            .from_table(QuoteLines::Table)
            .and_where(Expr::col(QuoteLines::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(QuoteLines::QuoteId).eq(quote.id.as_uuid()))
            .to_owned();
        conn.reborrow().execute(&clear).await?;
    }
    if quote.fields.lines.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(QuoteLines::Table)
        .columns([
            QuoteLines::WorkspaceId,
            QuoteLines::QuoteId,
            QuoteLines::Position,
            QuoteLines::ProductId,
            QuoteLines::Description,
            QuoteLines::Quantity,
            QuoteLines::ListUnitPriceMinor,
            QuoteLines::NetUnitPriceMinor,
        ])
        .to_owned();
    for (position, line) in quote.fields.lines.iter().enumerate() {
        insert.values_panic([
            workspace.as_uuid().into(),
            quote.id.as_uuid().into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            line.product_id.map(|p| p.as_uuid()).into(),
            line.description.clone().into(),
            line.quantity.into(),
            line.list_unit_price_minor.into(),
            line.net_unit_price_minor.into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}

pub async fn insert(mut conn: Conn<'_>, workspace: WorkspaceId, quote: &Quote) -> Result<()> {
    records::insert_record(
        conn.reborrow(),
        Quotes::Table,
        workspace,
        quote.id.as_uuid(),
        &quote.meta,
        values(quote),
    )
    .await?;
    write_lines(conn, workspace, quote, false).await
}

/// Writes a changed quote (and its lines) if it is still at `expected_version`; false when it
/// is not.
pub async fn update(mut conn: Conn<'_>, workspace: WorkspaceId, quote: &Quote, expected_version: i64) -> Result<bool> {
    let written = records::update_record(
        conn.reborrow(),
        Quotes::Table,
        workspace,
        quote.id.as_uuid(),
        &quote.meta,
        expected_version,
        values(quote),
    )
    .await?;
    if written {
        write_lines(conn, workspace, quote, true).await?;
    }
    Ok(written)
}

/// The customer already accepted a quote on another deal: they are not ordering for the first
/// time.
pub async fn customer_has_ordered(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    customer: closer_domain::ids::PartyId,
    except_deal: DealId,
) -> Result<bool> {
    #[derive(FromRow)]
    struct Found {
        id: Uuid,
    }
    let statement = Query::select()
        .column((Quotes::Table, Quotes::Id))
        .from(Quotes::Table)
        .inner_join(
            Deals::Table,
            Expr::col((Deals::Table, Deals::WorkspaceId))
                .equals((Quotes::Table, Quotes::WorkspaceId))
                .and(Expr::col((Deals::Table, Deals::Id)).equals((Quotes::Table, Quotes::DealId))),
        )
        .and_where(Expr::col((Quotes::Table, Quotes::WorkspaceId)).eq(workspace.as_uuid()))
        .and_where(Expr::col((Deals::Table, Deals::CounterpartyId)).eq(customer.as_uuid()))
        .and_where(Expr::col((Quotes::Table, Quotes::DealId)).ne(except_deal.as_uuid()))
        .and_where(Expr::col((Quotes::Table, Quotes::Status)).eq(QuoteStatus::Accepted.as_str()))
        .and_where(Expr::col((Quotes::Table, Quotes::DeletedAt)).is_null())
        .limit(1)
        .to_owned();
    let found: Option<Found> = conn.fetch_optional(&statement).await?;
    Ok(found.is_some_and(|f| !f.id.is_nil()))
}
