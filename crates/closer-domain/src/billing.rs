//! Billing (D3): how a customer is invoiced (billing profile, PO, fapiao), invoices scheduled
//! from the accepted quote's payment terms and numbered without gaps when finalised, payments by
//! the methods customers use (card, WeChat Pay, Alipay, bank transfer, cash, cheque) with their
//! states, refunds, and the receivables' ageing (§3.8, §4.8).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::ids::{DealId, InvoiceId, PartyId, PaymentId, QuoteId};
use crate::money::{AMOUNT_MAX, Currency};
use crate::pricing::{PaymentTerms, Quote};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX, LABEL_MAX, NAME_MAX};
use crate::validation::{Validation, ValidationErrors};

/// How a customer is invoiced, as a client sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingProfile {
    /// The legal entity invoiced.
    pub legal_entity: Option<String>,
    /// VAT number, unified social credit code…
    pub tax_id: Option<String>,
    pub billing_address: Option<String>,
    /// Who in accounts payable receives the invoices.
    pub ap_contact_id: Option<PartyId>,
    pub ap_email: Option<String>,
    /// Where invoices are uploaded, if the customer has a supplier portal.
    pub invoice_portal: Option<String>,
    /// No invoice is finalised without the customer's purchase-order number.
    #[serde(default)]
    pub requires_po: bool,
    /// The customer needs a VAT invoice (fapiao) issued.
    #[serde(default)]
    pub fapiao_required: bool,
}

impl BillingProfile {
    /// Trimmed and checked.
    pub fn parse(&self) -> Result<BillingProfile, ValidationErrors> {
        let mut check = Validation::new();
        let field = |check: &mut Validation, name: &str, value: &Option<String>, max| {
            check.check(name, text::optional(value.as_deref(), max)).flatten()
        };
        let legal_entity = field(&mut check, "legal_entity", &self.legal_entity, NAME_MAX);
        let tax_id = field(&mut check, "tax_id", &self.tax_id, LABEL_MAX);
        let billing_address = field(&mut check, "billing_address", &self.billing_address, BODY_MAX);
        let ap_email = match &self.ap_email {
            None => None,
            Some(raw) => check.check(
                "ap_email",
                crate::contact::EmailAddress::parse(raw).map(|e| e.as_str().to_owned()),
            ),
        };
        let invoice_portal = field(&mut check, "invoice_portal", &self.invoice_portal, LABEL_MAX);
        check.finish(|| {
            Some(BillingProfile {
                legal_entity,
                tax_id,
                billing_address,
                ap_contact_id: self.ap_contact_id,
                ap_email,
                invoice_portal,
                requires_po: self.requires_po,
                fapiao_required: self.fapiao_required,
            })
        })
    }

    /// What is still missing to invoice a company (R3.2): the legal entity, tax id, address and
    /// someone in accounts payable.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.legal_entity.is_none() {
            missing.push("legal_entity");
        }
        if self.tax_id.is_none() {
            missing.push("tax_id");
        }
        if self.billing_address.is_none() {
            missing.push("billing_address");
        }
        if self.ap_contact_id.is_none() && self.ap_email.is_none() {
            missing.push("ap_contact");
        }
        missing
    }
}

string_enum!(
    /// Where an invoice stands (§4.8); partly paid and overdue are read from it.
    InvoiceStatus {
        Draft => "draft", Open => "open", Paid => "paid", Void => "void",
        Uncollectible => "uncollectible",
    }
);

string_enum!(
    /// How long an open invoice is past due.
    AgingBucket {
        Current => "current", D1To30 => "1_30", D31To60 => "31_60", D61To90 => "61_90",
        D91To120 => "91_120", Over120 => "over_120",
    }
);

impl AgingBucket {
    pub fn of(days_overdue: i64) -> AgingBucket {
        match days_overdue {
            ..=0 => AgingBucket::Current,
            1..=30 => AgingBucket::D1To30,
            31..=60 => AgingBucket::D31To60,
            61..=90 => AgingBucket::D61To90,
            91..=120 => AgingBucket::D91To120,
            _ => AgingBucket::Over120,
        }
    }
}

/// When an instalment falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Due {
    /// This many days after the invoice is issued.
    DaysAfterIssue { days: u16 },
    /// When the contract is signed.
    Signature,
    /// When the customer accepts the delivery.
    Acceptance,
}

/// One part of what the customer pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Instalment {
    /// "30% on signature".
    pub label: String,
    /// Basis points of the total (10000 for all of it).
    pub share_bp: i64,
    pub due: Due,
}

/// The instalments a payment term means.
pub fn schedule(terms: PaymentTerms) -> Vec<Instalment> {
    let whole = |label: &str, days| Instalment {
        label: label.to_owned(),
        share_bp: 10_000,
        due: Due::DaysAfterIssue { days },
    };
    match terms {
        PaymentTerms::SignatureThenAcceptance => vec![
            Instalment {
                label: "30% on signature".into(),
                share_bp: 3_000,
                due: Due::Signature,
            },
            Instalment {
                label: "70% on acceptance".into(),
                share_bp: 7_000,
                due: Due::Acceptance,
            },
        ],
        other => vec![whole(other.as_str(), other.net_days())],
    }
}

/// The amounts of `total` split by `instalments`, the rounding remainder on the last so the
/// parts always add up to the total.
pub fn split(total: i64, instalments: &[Instalment]) -> Vec<i64> {
    let mut parts: Vec<i64> = instalments
        .iter()
        .map(|i| i64::try_from(i128::from(total) * i128::from(i.share_bp) / 10_000).unwrap_or(0))
        .collect();
    let sum: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - sum;
    }
    parts
}

/// An invoice's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoiceFields {
    pub deal_id: DealId,
    pub customer_id: PartyId,
    pub quote_id: Option<QuoteId>,
    /// Given when finalised: `INV-000042`, one after another without gaps in the workspace.
    pub number: Option<String>,
    pub status: InvoiceStatus,
    pub currency: Currency,
    /// What this invoice bills: "Net 30", "30% on signature"…
    pub label: String,
    pub amount_due_minor: i64,
    /// Succeeded payments less their refunds.
    pub amount_paid_minor: i64,
    pub due: Due,
    pub po_number: Option<String>,
    pub issue_date: Option<Date>,
    pub due_date: Option<Date>,
    pub notes: Option<String>,
}

/// A stored invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Invoice {
    pub id: InvoiceId,
    #[serde(flatten)]
    pub fields: InvoiceFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Changes to a draft invoice.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicePatch {
    #[serde(default, deserialize_with = "crate::validation::patch::nullable")]
    pub po_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::validation::patch::nullable")]
    pub notes: Option<Option<String>>,
}

fn state(fields: &InvoiceFields, what: &str) -> ValidationErrors {
    ValidationErrors::single("status", format!("the invoice is {}: it cannot {what}", fields.status))
}

impl InvoiceFields {
    /// The draft invoices of an accepted quote, one per instalment of its payment terms.
    pub fn from_quote(quote: &Quote, customer: PartyId) -> Vec<InvoiceFields> {
        let instalments = schedule(quote.fields.payment_terms);
        let amounts = split(quote.totals.total_minor, &instalments);
        instalments
            .into_iter()
            .zip(amounts)
            .map(|(instalment, amount)| InvoiceFields {
                deal_id: quote.fields.deal_id,
                customer_id: customer,
                quote_id: Some(quote.id),
                number: None,
                status: InvoiceStatus::Draft,
                currency: quote.fields.currency,
                label: instalment.label,
                amount_due_minor: amount,
                amount_paid_minor: 0,
                due: instalment.due,
                po_number: None,
                issue_date: None,
                due_date: None,
                notes: None,
            })
            .collect()
    }

    pub fn patch(&self, patch: &InvoicePatch) -> Result<InvoiceFields, ValidationErrors> {
        if self.status != InvoiceStatus::Draft {
            return Err(state(self, "change; only a draft does"));
        }
        let mut check = Validation::new();
        let po = match &patch.po_number {
            Some(po) => check.check("po_number", text::optional(po.as_deref(), LABEL_MAX)),
            None => Some(self.po_number.clone()),
        };
        let notes = match &patch.notes {
            Some(notes) => check.check("notes", text::optional(notes.as_deref(), BODY_MAX)),
            None => Some(self.notes.clone()),
        };
        check.finish(|| {
            Some(InvoiceFields {
                po_number: po?,
                notes: notes?,
                ..self.clone()
            })
        })
    }

    /// Issues the invoice as `number` on `today` (R3.3: not without the PO number the customer
    /// requires).
    pub fn finalise(&self, number: String, today: Date, requires_po: bool) -> Result<InvoiceFields, ValidationErrors> {
        if self.status != InvoiceStatus::Draft {
            return Err(state(self, "be finalised; only a draft is"));
        }
        if requires_po && self.po_number.is_none() {
            return Err(ValidationErrors::single(
                "po_number",
                "the customer requires a purchase-order number on its invoices",
            ));
        }
        let days = match self.due {
            Due::DaysAfterIssue { days } => i64::from(days),
            Due::Signature | Due::Acceptance => 0,
        };
        Ok(InvoiceFields {
            number: Some(number),
            status: if self.amount_due_minor == 0 {
                InvoiceStatus::Paid
            } else {
                InvoiceStatus::Open
            },
            issue_date: Some(today),
            due_date: Some(today + Duration::days(days)),
            ..self.clone()
        })
    }

    pub fn void(&self) -> Result<InvoiceFields, ValidationErrors> {
        if !matches!(self.status, InvoiceStatus::Open) || self.amount_paid_minor > 0 {
            return Err(state(self, "be voided; only an open invoice without payments is"));
        }
        Ok(InvoiceFields {
            status: InvoiceStatus::Void,
            ..self.clone()
        })
    }

    pub fn uncollectible(&self) -> Result<InvoiceFields, ValidationErrors> {
        if self.status != InvoiceStatus::Open {
            return Err(state(self, "be written off; only an open invoice is"));
        }
        Ok(InvoiceFields {
            status: InvoiceStatus::Uncollectible,
            ..self.clone()
        })
    }

    /// What is left to pay.
    pub fn outstanding(&self) -> i64 {
        (self.amount_due_minor - self.amount_paid_minor).max(0)
    }

    /// The invoice with `paid` received in total (succeeded payments less refunds): paid in full
    /// closes it, a late payment of a written-off invoice too.
    pub fn with_paid(&self, paid: i64) -> InvoiceFields {
        let status = match self.status {
            InvoiceStatus::Open | InvoiceStatus::Uncollectible if paid >= self.amount_due_minor => InvoiceStatus::Paid,
            status => status,
        };
        InvoiceFields {
            amount_paid_minor: paid,
            status,
            ..self.clone()
        }
    }

    /// Days past due at `today` (0 when not due yet or not open).
    pub fn days_overdue(&self, today: Date) -> i64 {
        match (self.status, self.due_date) {
            (InvoiceStatus::Open, Some(due)) => (today - due).whole_days().max(0),
            _ => 0,
        }
    }
}

string_enum!(
    /// How the customer pays.
    PaymentMethod {
        Card => "card", WechatPay => "wechat_pay", Alipay => "alipay",
        BankTransfer => "bank_transfer", Cash => "cash", Cheque => "cheque",
    }
);

string_enum!(
    /// Where a payment stands (Stripe's states, §4.8).
    PaymentStatus {
        Pending => "pending", RequiresAction => "requires_action", Succeeded => "succeeded",
        Failed => "failed", Canceled => "canceled",
    }
);

string_enum!(
    /// Why money went back.
    RefundReason {
        Duplicate => "duplicate", Fraudulent => "fraudulent",
        RequestedByCustomer => "requested_by_customer", Other => "other",
    }
);

/// A payment as a client records it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDraft {
    pub method: PaymentMethod,
    pub amount_minor: i64,
    /// Defaults to `succeeded` (money received); `pending` when a provider confirms later.
    pub status: Option<PaymentStatus>,
    /// The bank's or provider's reference.
    pub reference: Option<String>,
}

/// A payment's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PaymentFields {
    pub invoice_id: InvoiceId,
    pub deal_id: DealId,
    pub method: PaymentMethod,
    pub currency: Currency,
    pub amount_minor: i64,
    pub status: PaymentStatus,
    pub reference: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    /// Refunded so far.
    pub refunded_minor: i64,
    /// The refunds, oldest first.
    pub refunds: Vec<Refund>,
}

/// A refund of part or all of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    pub amount_minor: i64,
    pub reason: RefundReason,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A refund as a client asks for it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundDraft {
    pub amount_minor: i64,
    pub reason: RefundReason,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Payment {
    pub id: PaymentId,
    #[serde(flatten)]
    pub fields: PaymentFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl PaymentDraft {
    /// A payment of `invoice`, refused beyond what is left to pay.
    pub fn parse(&self, invoice: &Invoice, now: OffsetDateTime) -> Result<PaymentFields, ValidationErrors> {
        if !matches!(
            invoice.fields.status,
            InvoiceStatus::Open | InvoiceStatus::Uncollectible
        ) {
            return Err(state(&invoice.fields, "take a payment; finalise it first"));
        }
        let mut check = Validation::new();
        let left = invoice.fields.outstanding();
        if !(1..=AMOUNT_MAX).contains(&self.amount_minor) {
            check.push("amount_minor", "a positive amount in minor units");
        } else if self.amount_minor > left {
            check.push(
                "amount_minor",
                format!("at most {left}, what is left to pay on this invoice"),
            );
        }
        let status = self.status.unwrap_or(PaymentStatus::Succeeded);
        if matches!(status, PaymentStatus::Canceled) {
            check.push(
                "status",
                "a payment starts pending, requires action, succeeded or failed",
            );
        }
        let reference = check.check("reference", text::optional(self.reference.as_deref(), LABEL_MAX));
        check.finish(|| {
            Some(PaymentFields {
                invoice_id: invoice.id,
                deal_id: invoice.fields.deal_id,
                method: self.method,
                currency: invoice.fields.currency,
                amount_minor: self.amount_minor,
                status,
                reference: reference?,
                received_at: (status == PaymentStatus::Succeeded).then_some(now),
                refunded_minor: 0,
                refunds: Vec::new(),
            })
        })
    }
}

impl PaymentFields {
    /// The provider's news of a pending payment.
    pub fn settle(&self, status: PaymentStatus, now: OffsetDateTime) -> Result<PaymentFields, ValidationErrors> {
        let allowed = matches!(
            (self.status, status),
            (
                PaymentStatus::Pending,
                PaymentStatus::RequiresAction
                    | PaymentStatus::Succeeded
                    | PaymentStatus::Failed
                    | PaymentStatus::Canceled
            ) | (
                PaymentStatus::RequiresAction,
                PaymentStatus::Succeeded | PaymentStatus::Failed | PaymentStatus::Canceled
            )
        );
        if !allowed {
            return Err(ValidationErrors::single(
                "status",
                format!("a {} payment does not become {status}", self.status),
            ));
        }
        Ok(PaymentFields {
            status,
            received_at: (status == PaymentStatus::Succeeded).then_some(now),
            ..self.clone()
        })
    }

    /// Gives back part or all of a succeeded payment.
    pub fn refund(&self, draft: &RefundDraft, now: OffsetDateTime) -> Result<PaymentFields, ValidationErrors> {
        if self.status != PaymentStatus::Succeeded {
            return Err(ValidationErrors::single(
                "status",
                format!("a {} payment has nothing to refund", self.status),
            ));
        }
        let left = self.amount_minor - self.refunded_minor;
        if !(1..=left).contains(&draft.amount_minor) {
            return Err(ValidationErrors::single(
                "amount_minor",
                format!("from 1 to {left}, what is left of the payment"),
            ));
        }
        let mut next = self.clone();
        next.refunded_minor += draft.amount_minor;
        next.refunds.push(Refund {
            amount_minor: draft.amount_minor,
            reason: draft.reason,
            at: now,
        });
        Ok(next)
    }

    /// What the payment brought in: succeeded, less refunds.
    pub fn net_minor(&self) -> i64 {
        if self.status == PaymentStatus::Succeeded {
            self.amount_minor - self.refunded_minor
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn invoice(amount: i64) -> Invoice {
        Invoice {
            id: InvoiceId(Uuid::from_u128(1)),
            fields: InvoiceFields {
                deal_id: DealId(Uuid::from_u128(2)),
                customer_id: PartyId(Uuid::from_u128(3)),
                quote_id: None,
                number: None,
                status: InvoiceStatus::Draft,
                currency: Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
                label: "net_30".into(),
                amount_due_minor: amount,
                amount_paid_minor: 0,
                due: Due::DaysAfterIssue { days: 30 },
                po_number: None,
                issue_date: None,
                due_date: None,
                notes: None,
            },
            meta: RecordMeta::created(datetime!(2026-11-01 09:00 UTC)),
        }
    }

    #[test]
    fn instalments_always_add_up_to_the_total() {
        let thirds = schedule(PaymentTerms::SignatureThenAcceptance);
        assert_eq!(split(1_000_001, &thirds), [300_000, 700_001]);
        assert_eq!(split(7, &schedule(PaymentTerms::Net30)), [7]);
        proptest::proptest!(|(total in 0i64..=AMOUNT_MAX)| {
            proptest::prop_assert_eq!(split(total, &thirds).iter().sum::<i64>(), total);
        });
    }

    #[test]
    fn an_invoice_is_finalised_with_its_po_paid_in_parts_and_ages() {
        let draft = invoice(100_000);
        assert!(
            draft
                .fields
                .finalise("INV-000001".into(), date!(2026 - 11 - 02), true)
                .is_err(),
            "the customer requires a PO number"
        );
        let with_po = draft
            .fields
            .patch(&InvoicePatch {
                po_number: Some(Some("PO-77".into())),
                notes: None,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let open = with_po
            .finalise("INV-000001".into(), date!(2026 - 11 - 02), true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (open.status, open.due_date),
            (InvoiceStatus::Open, Some(date!(2026 - 12 - 02)))
        );
        assert!(
            open.patch(&InvoicePatch::default()).is_err(),
            "an issued invoice is frozen"
        );
        assert_eq!(open.days_overdue(date!(2027 - 01 - 15)), 44);
        assert_eq!(
            AgingBucket::of(open.days_overdue(date!(2027 - 01 - 15))),
            AgingBucket::D31To60
        );
        assert_eq!(AgingBucket::of(0), AgingBucket::Current);
        assert_eq!(AgingBucket::of(121), AgingBucket::Over120);

        let issued = Invoice {
            fields: open.clone(),
            ..draft.clone()
        };
        let now = datetime!(2026-11-03 10:00 UTC);
        let too_much = PaymentDraft {
            method: PaymentMethod::WechatPay,
            amount_minor: 100_001,
            status: None,
            reference: None,
        };
        assert!(too_much.parse(&issued, now).is_err(), "no more than is due");
        let part = PaymentDraft {
            amount_minor: 40_000,
            ..too_much
        }
        .parse(&issued, now)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            open.with_paid(part.net_minor()).status,
            InvoiceStatus::Open,
            "partly paid"
        );
        assert_eq!(open.with_paid(100_000).status, InvoiceStatus::Paid);
        let refunded = part
            .refund(
                &RefundDraft {
                    amount_minor: 15_000,
                    reason: RefundReason::RequestedByCustomer,
                },
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(refunded.net_minor(), 25_000);
        let too_far = RefundDraft {
            amount_minor: 25_001,
            reason: RefundReason::Other,
        };
        assert!(refunded.refund(&too_far, now).is_err(), "never more than was paid");
        assert!(
            part.settle(PaymentStatus::Failed, now).is_err(),
            "a succeeded payment stays succeeded"
        );
    }
}
