//! Billing (D3): customers' billing profiles, invoices scheduled from the accepted quote and
//! finalised with gapless numbers (never without a PO the customer requires), payments with their
//! states, refunds (a full refund gives the promotions' limits back), and the receivables' ageing.

use std::collections::BTreeMap;

use closer_domain::ValidationErrors;
use closer_domain::access::Action;
use closer_domain::activity::{Subject, SubjectType};
use closer_domain::audit::AuditAction;
use closer_domain::billing::{
    AgingBucket, BillingProfile, Invoice, InvoiceFields, InvoicePatch, Payment, PaymentDraft, PaymentStatus,
    RefundDraft,
};
use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, InvoiceId, PartyId, PaymentId};
use closer_domain::playbook::DealStatus;
use closer_domain::pricing::QuoteStatus;
use closer_domain::record::RecordMeta;
use closer_store::{Conn, billing, promotions, quotes};
use serde::Serialize;
use utoipa::ToSchema;

use super::records::{Decision, Guard, decide};
use super::{AppError, AppResult, Ctx, Expected, begin_change, finish_change, insert_in, new_id, now, update_in};

/// Whether the principal may do `action` to the party (organisation or person).
async fn party_access(ctx: &Ctx, mut conn: Conn<'_>, party: PartyId, action: Action) -> AppResult<()> {
    for kind in [SubjectType::Organisation, SubjectType::Person] {
        let guard = Guard::Part(Subject {
            kind,
            id: party.as_uuid(),
        });
        match decide(ctx, conn.reborrow(), guard, action).await? {
            Decision::Allowed => return Ok(()),
            Decision::Denied => return Err(AppError::Forbidden("you may not change this customer's billing".into())),
            Decision::Hidden => {}
        }
    }
    Err(AppError::NotFound {
        entity: "party",
        id: party.as_uuid(),
    })
}

/// A customer's billing profile (empty until someone fills it in), with what is still missing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: BillingProfile,
    /// What is still needed to invoice a company: legal_entity, tax_id, billing_address,
    /// ap_contact.
    pub missing: Vec<&'static str>,
}

pub async fn profile(ctx: &Ctx, party: PartyId) -> AppResult<ProfileView> {
    let mut conn = ctx.db.acquire().await?;
    party_access(ctx, conn.conn(), party, Action::Read).await?;
    let profile = billing::profile(conn.conn(), ctx.workspace, party)
        .await?
        .unwrap_or_default();
    Ok(ProfileView {
        missing: profile.missing(),
        profile,
    })
}

pub async fn set_profile(ctx: &Ctx, party: PartyId, draft: &BillingProfile) -> AppResult<ProfileView> {
    let profile = draft.parse()?;
    let mut tx = ctx.begin().await?;
    party_access(ctx, tx.conn(), party, Action::Edit).await?;
    if let Some(contact) = profile.ap_contact_id
        && closer_store::parties::names(tx.conn(), ctx.workspace, &[contact])
            .await?
            .is_empty()
    {
        return Err(AppError::MissingReference(ValidationErrors::single(
            "ap_contact_id",
            format!("person {contact} does not exist"),
        )));
    }
    let before = billing::profile(tx.conn(), ctx.workspace, party)
        .await?
        .unwrap_or_default();
    let at = now();
    billing::save_profile(tx.conn(), ctx.workspace, party, &profile, at).await?;
    let entries = ctx.audit_change(
        at,
        "billing_profile",
        party.as_uuid(),
        AuditAction::Update,
        Some(&before),
        &profile,
    );
    closer_store::audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(ProfileView {
        missing: profile.missing(),
        profile,
    })
}

/// The deal's invoices, one per instalment of its accepted quote's payment terms, as drafts.
pub async fn schedule_invoices(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Invoice>> {
    let mut tx = ctx.begin().await?;
    let deal = super::deals::stored(ctx, tx.conn(), deal_id).await?;
    super::records::refuse_unless(ctx, tx.conn(), &deal, Action::Edit).await?;
    if deal.progress.status == DealStatus::Lost {
        return Err(AppError::Conflict(format!(
            "deal {deal_id} was lost: nothing to invoice"
        )));
    }
    let accepted = quotes::for_deal(tx.conn(), ctx.workspace, deal_id)
        .await?
        .into_iter()
        .find(|q| q.fields.status == QuoteStatus::Accepted)
        .ok_or_else(|| AppError::Conflict("the customer has accepted no quote yet: invoices follow from it".into()))?;
    let existing = billing::invoices_of(tx.conn(), ctx.workspace, &[deal_id]).await?;
    if existing.iter().any(|i| {
        i.fields.quote_id == Some(accepted.id) && i.fields.status != closer_domain::billing::InvoiceStatus::Void
    }) {
        return Err(AppError::Conflict(format!(
            "revision {} is already invoiced",
            accepted.fields.revision
        )));
    }
    let at = now();
    let mut made = Vec::new();
    for fields in InvoiceFields::from_quote(&accepted, deal.terms.counterparty_id) {
        let invoice = Invoice {
            id: InvoiceId(new_id()),
            fields,
            meta: RecordMeta::created(at),
        };
        insert_in(ctx, tx.conn(), &invoice).await?;
        made.push(invoice);
    }
    tx.commit().await?;
    Ok(made)
}

pub async fn invoices_of(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Invoice>> {
    let _deal: Deal = super::get(ctx, deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(billing::invoices_of(conn.conn(), ctx.workspace, &[deal_id]).await?)
}

pub async fn payments_of(ctx: &Ctx, deal_id: DealId) -> AppResult<Vec<Payment>> {
    let _deal: Deal = super::get(ctx, deal_id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(billing::payments_of(conn.conn(), ctx.workspace, &[deal_id]).await?)
}

pub async fn patch_invoice(ctx: &Ctx, id: InvoiceId, version: &Expected, patch: &InvoicePatch) -> AppResult<Invoice> {
    let (tx, current) = begin_change::<Invoice>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let next = Invoice {
        fields: current.fields.patch(patch)?,
        ..current.clone()
    };
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}

/// What an invoice's life allows next.
pub enum InvoiceStep {
    Finalise,
    Void,
    Uncollectible,
}

pub async fn advance_invoice(ctx: &Ctx, id: InvoiceId, version: &Expected, step: InvoiceStep) -> AppResult<Invoice> {
    let (mut tx, current) = begin_change::<Invoice>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let fields = match step {
        InvoiceStep::Finalise => {
            let profile = billing::profile(tx.conn(), ctx.workspace, current.fields.customer_id)
                .await?
                .unwrap_or_default();
            // Checked before a number is taken, so a refusal never spends one.
            current
                .fields
                .finalise(String::new(), now().date(), profile.requires_po)?;
            let number = billing::next_invoice_number(tx.conn(), ctx.workspace).await?;
            current
                .fields
                .finalise(format!("INV-{number:06}"), now().date(), profile.requires_po)?
        }
        InvoiceStep::Void => current.fields.void()?,
        InvoiceStep::Uncollectible => current.fields.uncollectible()?,
    };
    let next = Invoice {
        fields,
        ..current.clone()
    };
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}

/// Brings an invoice's paid amount in line with its payments; a deal whose payments were all
/// refunded gives its promotions back.
async fn settle_invoice(ctx: &Ctx, mut conn: Conn<'_>, invoice_id: InvoiceId) -> AppResult<()> {
    let invoice = billing::get_invoice(conn.reborrow(), ctx.workspace, invoice_id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "invoice",
            id: invoice_id.as_uuid(),
        })?;
    let payments = billing::payments_of(conn.reborrow(), ctx.workspace, &[invoice.fields.deal_id]).await?;
    let paid: i64 = payments
        .iter()
        .filter(|p| p.fields.invoice_id == invoice_id)
        .map(|p| p.fields.net_minor())
        .sum();
    if paid != invoice.fields.amount_paid_minor {
        let next = Invoice {
            fields: invoice.fields.with_paid(paid),
            ..invoice.clone()
        };
        update_in(ctx, conn.reborrow(), &invoice, next, AuditAction::Update).await?;
    }
    let received: i64 = payments
        .iter()
        .filter(|p| p.fields.status == PaymentStatus::Succeeded)
        .map(|p| p.fields.amount_minor)
        .sum();
    let kept: i64 = payments.iter().map(|p| p.fields.net_minor()).sum();
    if received > 0
        && kept == 0
        && let Some(quote) = invoice.fields.quote_id
    {
        promotions::release_quote(conn, ctx.workspace, quote, now()).await?;
    }
    Ok(())
}

/// Records a payment of an invoice (money received, or pending with a provider).
pub async fn record_payment(ctx: &Ctx, invoice_id: InvoiceId, draft: &PaymentDraft) -> AppResult<Payment> {
    let (mut tx, invoice) = begin_change::<Invoice>(ctx, invoice_id.as_uuid(), &Expected::Any, Action::Edit).await?;
    let at = now();
    let payment = Payment {
        id: PaymentId(new_id()),
        fields: draft.parse(&invoice, at)?,
        meta: RecordMeta::created(at),
    };
    insert_in(ctx, tx.conn(), &payment).await?;
    settle_invoice(ctx, tx.conn(), invoice_id).await?;
    tx.commit().await?;
    Ok(payment)
}

/// What happened to a payment: the provider's news, or a refund.
pub enum PaymentStep<'a> {
    Settle(PaymentStatus),
    Refund(&'a RefundDraft),
}

pub async fn advance_payment(
    ctx: &Ctx,
    id: PaymentId,
    version: &Expected,
    step: PaymentStep<'_>,
) -> AppResult<Payment> {
    let (mut tx, current) = begin_change::<Payment>(ctx, id.as_uuid(), version, Action::Edit).await?;
    let at = now();
    let fields = match step {
        PaymentStep::Settle(status) => current.fields.settle(status, at)?,
        PaymentStep::Refund(draft) => current.fields.refund(draft, at)?,
    };
    if fields.status == PaymentStatus::Succeeded && current.fields.status != PaymentStatus::Succeeded {
        let invoice = billing::get_invoice(tx.conn(), ctx.workspace, fields.invoice_id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "invoice",
                id: fields.invoice_id.as_uuid(),
            })?;
        if fields.amount_minor > invoice.fields.outstanding() {
            return Err(AppError::Conflict(
                "the invoice was paid meanwhile: this payment would pay it twice".into(),
            ));
        }
    }
    let next = Payment {
        fields,
        ..current.clone()
    };
    let next = update_in(ctx, tx.conn(), &current, next, AuditAction::Update).await?;
    settle_invoice(ctx, tx.conn(), next.fields.invoice_id).await?;
    tx.commit().await?;
    Ok(next)
}

/// What customers owe, by currency (never added across currencies) and by how late.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receivables {
    pub currencies: Vec<CurrencyReceivables>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyReceivables {
    pub currency: String,
    pub total_minor: i64,
    pub invoices: usize,
    /// Outstanding amount per bucket: current, 1_30, 31_60, 61_90, 91_120, over_120.
    pub buckets: BTreeMap<String, i64>,
}

pub async fn receivables(ctx: &Ctx) -> AppResult<Receivables> {
    let mut conn = ctx.db.acquire().await?;
    let open = billing::open_invoices(conn.conn(), &ctx.visibility()).await?;
    let today = now().date();
    let mut by_currency: BTreeMap<String, CurrencyReceivables> = BTreeMap::new();
    for invoice in open {
        let currency = invoice.fields.currency.code().to_owned();
        let entry = by_currency
            .entry(currency.clone())
            .or_insert_with(|| CurrencyReceivables {
                currency,
                total_minor: 0,
                invoices: 0,
                buckets: AgingBucket::ALL.iter().map(|b| (b.as_str().to_owned(), 0)).collect(),
            });
        let outstanding = invoice.fields.outstanding();
        let bucket = AgingBucket::of(invoice.fields.days_overdue(today));
        entry.total_minor += outstanding;
        entry.invoices += 1;
        *entry.buckets.entry(bucket.as_str().to_owned()).or_insert(0) += outstanding;
    }
    Ok(Receivables {
        currencies: by_currency.into_values().collect(),
    })
}
