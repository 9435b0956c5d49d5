//! Billing profiles of customers, invoices (numbered without gaps per workspace) and payments.

use closer_domain::billing::{
    BillingProfile, Due, Invoice, InvoiceFields, InvoiceStatus, Payment, PaymentFields, PaymentMethod, PaymentStatus,
    Refund,
};
use closer_domain::ids::{DealId, InvoiceId, PartyId, PaymentId, QuoteId, WorkspaceId};
use closer_domain::money::Currency;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::{BillingProfiles, InvoiceCounters, Invoices, Payments};

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("billing {what}: {error}"))
}

pub async fn profile(conn: Conn<'_>, workspace: WorkspaceId, party: PartyId) -> Result<Option<BillingProfile>> {
    #[derive(FromRow)]
    struct Row {
        profile: String,
    }
    let statement = Query::select()
        .column(BillingProfiles::Profile)
        .from(BillingProfiles::Table)
        .and_where(Expr::col(BillingProfiles::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(BillingProfiles::PartyId).eq(party.as_uuid()))
        .to_owned();
    let row: Option<Row> = conn.fetch_optional(&statement).await?;
    row.map(|r| serde_json::from_str(&r.profile).map_err(|e| corrupt("profile", e)))
        .transpose()
}

/// The billing profiles of several customers.
pub async fn profiles_of(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    parties: &[PartyId],
) -> Result<std::collections::HashMap<PartyId, BillingProfile>> {
    #[derive(FromRow)]
    struct Row {
        party_id: Uuid,
        profile: String,
    }
    if parties.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let statement = Query::select()
        .columns([BillingProfiles::PartyId, BillingProfiles::Profile])
        .from(BillingProfiles::Table)
        .and_where(Expr::col(BillingProfiles::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(BillingProfiles::PartyId).is_in(parties.iter().map(|p| p.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter()
        .map(|r| {
            let profile = serde_json::from_str(&r.profile).map_err(|e| corrupt("profile", e))?;
            Ok((PartyId(r.party_id), profile))
        })
        .collect()
}

pub async fn save_profile(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    party: PartyId,
    profile: &BillingProfile,
    now: OffsetDateTime,
) -> Result<()> {
    let statement = Query::insert()
        .into_table(BillingProfiles::Table)
        .columns([
            BillingProfiles::WorkspaceId,
            BillingProfiles::PartyId,
            BillingProfiles::Profile,
            BillingProfiles::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            party.as_uuid().into(),
            records::json_text(profile).into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([BillingProfiles::WorkspaceId, BillingProfiles::PartyId])
                .update_columns([BillingProfiles::Profile, BillingProfiles::UpdatedAt])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// The next invoice number of the workspace. Call inside the transaction that finalises the
/// invoice: the counter's row stays locked until it ends, and a rollback gives the number back.
pub async fn next_invoice_number(mut conn: Conn<'_>, workspace: WorkspaceId) -> Result<i64> {
    #[derive(FromRow)]
    struct Last {
        last_number: i64,
    }
    let bump = Query::insert()
        .into_table(InvoiceCounters::Table)
        .columns([InvoiceCounters::WorkspaceId, InvoiceCounters::LastNumber])
        .values_panic([workspace.as_uuid().into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(InvoiceCounters::WorkspaceId)
                .value(
                    InvoiceCounters::LastNumber,
                    Expr::col((InvoiceCounters::Table, InvoiceCounters::LastNumber)).add(1),
                )
                .to_owned(),
        )
        .to_owned();
    conn.reborrow().execute(&bump).await?;
    let read = Query::select()
        .column(InvoiceCounters::LastNumber)
        .from(InvoiceCounters::Table)
        .and_where(Expr::col(InvoiceCounters::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned();
    let last: Option<Last> = conn.fetch_optional(&read).await?;
    last.map(|l| l.last_number).ok_or_else(|| corrupt("counter", "missing"))
}

/// Sets the workspace's last invoice number (for loads that number invoices themselves).
pub async fn set_last_invoice_number(conn: Conn<'_>, workspace: WorkspaceId, last: i64) -> Result<()> {
    let statement = Query::insert()
        .into_table(InvoiceCounters::Table)
        .columns([InvoiceCounters::WorkspaceId, InvoiceCounters::LastNumber])
        .values_panic([workspace.as_uuid().into(), last.into()])
        .on_conflict(
            OnConflict::column(InvoiceCounters::WorkspaceId)
                .update_column(InvoiceCounters::LastNumber)
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

#[derive(FromRow)]
struct InvoiceRow {
    id: Uuid,
    deal_id: Uuid,
    customer_id: Uuid,
    quote_id: Option<Uuid>,
    number: Option<String>,
    status: String,
    currency: String,
    label: String,
    amount_due_minor: i64,
    amount_paid_minor: i64,
    due: String,
    po_number: Option<String>,
    issue_date: Option<Date>,
    due_date: Option<Date>,
    notes: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl InvoiceRow {
    fn into_invoice(self) -> Result<Invoice> {
        let due: Due = serde_json::from_str(&self.due).map_err(|e| corrupt("due", e))?;
        Ok(Invoice {
            id: InvoiceId(self.id),
            fields: InvoiceFields {
                deal_id: DealId(self.deal_id),
                customer_id: PartyId(self.customer_id),
                quote_id: self.quote_id.map(QuoteId),
                number: self.number,
                status: label(InvoiceStatus::parse, &self.status)?,
                currency: Currency::parse(&self.currency).map_err(StoreError::Corrupt)?,
                label: self.label,
                amount_due_minor: self.amount_due_minor,
                amount_paid_minor: self.amount_paid_minor,
                due,
                po_number: self.po_number,
                issue_date: self.issue_date,
                due_date: self.due_date,
                notes: self.notes,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_invoices(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Invoices::Id,
            Invoices::DealId,
            Invoices::CustomerId,
            Invoices::QuoteId,
            Invoices::Number,
            Invoices::Status,
            Invoices::Currency,
            Invoices::Label,
            Invoices::AmountDueMinor,
            Invoices::AmountPaidMinor,
            Invoices::Due,
            Invoices::PoNumber,
            Invoices::IssueDate,
            Invoices::DueDate,
            Invoices::Notes,
            Invoices::Version,
            Invoices::CreatedAt,
            Invoices::UpdatedAt,
            Invoices::DeletedAt,
        ])
        .from(Invoices::Table)
        .and_where(Expr::col(Invoices::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn invoice_values(invoice: &Invoice) -> Vec<(Invoices, Expr)> {
    let f = &invoice.fields;
    vec![
        (Invoices::DealId, f.deal_id.as_uuid().into()),
        (Invoices::CustomerId, f.customer_id.as_uuid().into()),
        (Invoices::QuoteId, f.quote_id.map(|q| q.as_uuid()).into()),
        (Invoices::Number, f.number.clone().into()),
        (Invoices::Status, f.status.as_str().into()),
        (Invoices::Currency, f.currency.code().to_owned().into()),
        (Invoices::Label, f.label.clone().into()),
        (Invoices::AmountDueMinor, f.amount_due_minor.into()),
        (Invoices::AmountPaidMinor, f.amount_paid_minor.into()),
        (Invoices::Due, records::json_text(&f.due).into()),
        (Invoices::PoNumber, f.po_number.clone().into()),
        (Invoices::IssueDate, f.issue_date.into()),
        (Invoices::DueDate, f.due_date.into()),
        (Invoices::Notes, f.notes.clone().into()),
    ]
}

async fn fetch_invoices(conn: Conn<'_>, statement: &SelectStatement) -> Result<Vec<Invoice>> {
    let rows: Vec<InvoiceRow> = conn.fetch_all(statement).await?;
    rows.into_iter().map(InvoiceRow::into_invoice).collect()
}

pub async fn get_invoice(conn: Conn<'_>, workspace: WorkspaceId, id: InvoiceId) -> Result<Option<Invoice>> {
    let statement = select_invoices(workspace)
        .and_where(Expr::col(Invoices::Id).eq(id.as_uuid()))
        .to_owned();
    Ok(fetch_invoices(conn, &statement).await?.into_iter().next())
}

/// The live invoices of several deals, oldest first.
pub async fn invoices_of(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Invoice>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select_invoices(workspace)
        .and_where(Expr::col(Invoices::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Invoices::DeletedAt).is_null())
        .order_by(Invoices::CreatedAt, Order::Asc)
        .order_by(Invoices::Id, Order::Asc)
        .to_owned();
    fetch_invoices(conn, &statement).await
}

/// The open invoices of the deals `visibility` shows: what the receivables are made of.
pub async fn open_invoices(conn: Conn<'_>, visibility: &crate::access::Visibility) -> Result<Vec<Invoice>> {
    let workspace = visibility.workspace;
    let statement = select_invoices(workspace)
        .and_where(Expr::col(Invoices::Status).eq(InvoiceStatus::Open.as_str()))
        .and_where(Expr::col(Invoices::DealId).in_subquery(crate::access::visible_deal_ids(workspace, visibility)))
        .and_where(Expr::col(Invoices::DeletedAt).is_null())
        .order_by(Invoices::DueDate, Order::Asc)
        .to_owned();
    fetch_invoices(conn, &statement).await
}

pub async fn insert_invoice(conn: Conn<'_>, workspace: WorkspaceId, invoice: &Invoice) -> Result<()> {
    records::insert_record(
        conn,
        Invoices::Table,
        workspace,
        invoice.id.as_uuid(),
        &invoice.meta,
        invoice_values(invoice),
    )
    .await
}

pub async fn update_invoice(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    invoice: &Invoice,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        Invoices::Table,
        workspace,
        invoice.id.as_uuid(),
        &invoice.meta,
        expected_version,
        invoice_values(invoice),
    )
    .await
}

#[derive(FromRow)]
struct PaymentRow {
    id: Uuid,
    invoice_id: Uuid,
    deal_id: Uuid,
    method: String,
    currency: String,
    amount_minor: i64,
    status: String,
    reference: Option<String>,
    received_at: Option<OffsetDateTime>,
    refunded_minor: i64,
    refunds: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl PaymentRow {
    fn into_payment(self) -> Result<Payment> {
        let refunds: Vec<Refund> = serde_json::from_str(&self.refunds).map_err(|e| corrupt("refunds", e))?;
        Ok(Payment {
            id: PaymentId(self.id),
            fields: PaymentFields {
                invoice_id: InvoiceId(self.invoice_id),
                deal_id: DealId(self.deal_id),
                method: label(PaymentMethod::parse, &self.method)?,
                currency: Currency::parse(&self.currency).map_err(StoreError::Corrupt)?,
                amount_minor: self.amount_minor,
                status: label(PaymentStatus::parse, &self.status)?,
                reference: self.reference,
                received_at: self.received_at,
                refunded_minor: self.refunded_minor,
                refunds,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_payments(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Payments::Id,
            Payments::InvoiceId,
            Payments::DealId,
            Payments::Method,
            Payments::Currency,
            Payments::AmountMinor,
            Payments::Status,
            Payments::Reference,
            Payments::ReceivedAt,
            Payments::RefundedMinor,
            Payments::Refunds,
            Payments::Version,
            Payments::CreatedAt,
            Payments::UpdatedAt,
            Payments::DeletedAt,
        ])
        .from(Payments::Table)
        .and_where(Expr::col(Payments::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn payment_values(payment: &Payment) -> Vec<(Payments, Expr)> {
    let f = &payment.fields;
    vec![
        (Payments::InvoiceId, f.invoice_id.as_uuid().into()),
        (Payments::DealId, f.deal_id.as_uuid().into()),
        (Payments::Method, f.method.as_str().into()),
        (Payments::Currency, f.currency.code().to_owned().into()),
        (Payments::AmountMinor, f.amount_minor.into()),
        (Payments::Status, f.status.as_str().into()),
        (Payments::Reference, f.reference.clone().into()),
        (Payments::ReceivedAt, f.received_at.into()),
        (Payments::RefundedMinor, f.refunded_minor.into()),
        (Payments::Refunds, records::json_text(&f.refunds).into()),
    ]
}

pub async fn get_payment(conn: Conn<'_>, workspace: WorkspaceId, id: PaymentId) -> Result<Option<Payment>> {
    let statement = select_payments(workspace)
        .and_where(Expr::col(Payments::Id).eq(id.as_uuid()))
        .to_owned();
    let row: Option<PaymentRow> = conn.fetch_optional(&statement).await?;
    row.map(PaymentRow::into_payment).transpose()
}

/// The payments of several deals, oldest first.
pub async fn payments_of(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Payment>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select_payments(workspace)
        .and_where(Expr::col(Payments::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .order_by(Payments::CreatedAt, Order::Asc)
        .order_by(Payments::Id, Order::Asc)
        .to_owned();
    let rows: Vec<PaymentRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(PaymentRow::into_payment).collect()
}

pub async fn insert_payment(conn: Conn<'_>, workspace: WorkspaceId, payment: &Payment) -> Result<()> {
    records::insert_record(
        conn,
        Payments::Table,
        workspace,
        payment.id.as_uuid(),
        &payment.meta,
        payment_values(payment),
    )
    .await
}

pub async fn update_payment(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    payment: &Payment,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        Payments::Table,
        workspace,
        payment.id.as_uuid(),
        &payment.meta,
        expected_version,
        payment_values(payment),
    )
    .await
}
