//! Contracts (D2): a consumer signs a personal agreement, often in the same sitting as the offer;
//! a company's contract passes the customer's own approval chain (legal, procurement, finance…,
//! in order or side by side), is redlined and versioned, and is signed through a provider whose
//! envelope status is tracked without tying Closer to one vendor (§4.5, §4.6).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::ids::{ContractId, DealId, PartyId, QuoteId, UserId};
use crate::playbook::DealKind;
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX, LABEL_MAX, NAME_MAX};
use crate::validation::{Validation, ValidationErrors, patch};

string_enum!(
    /// What is signed.
    ContractKind {
        /// A consumer's agreement (B2C).
        PersonalAgreement => "personal_agreement",
        /// A company contract (B2B), also as a master agreement, order form or statement of work.
        CompanyContract => "company_contract",
        Msa => "msa",
        OrderForm => "order_form",
        Sow => "sow",
    }
);

impl ContractKind {
    fn b2c(self) -> bool {
        self == ContractKind::PersonalAgreement
    }
}

string_enum!(
    /// Where a contract stands (§4.5).
    ContractStatus {
        Draft => "draft",
        /// Approved on our side (the quote's approvals), ready for the customer.
        ReadyToSend => "ready_to_send",
        /// The customer's approval chain is reviewing it.
        WithCustomer => "with_customer",
        /// The customer asked for changes: a new version is being made.
        Redlining => "redlining",
        /// Every customer step approved: ready for signature.
        CustomerApproved => "customer_approved",
        OutForSignature => "out_for_signature",
        /// Signed: the deal is booked.
        Executed => "executed",
        /// Withdrawn, rejected by the customer, or cancelled by a consumer within the cooling-off
        /// period.
        Cancelled => "cancelled",
        /// Ended early after it was executed.
        Terminated => "terminated",
    }
);

string_enum!(
    /// Who on the customer's side approves.
    CustomerFunction {
        Legal => "legal", Procurement => "procurement", Finance => "finance",
        ItSecurity => "it_security", BusinessOwner => "business_owner", Executive => "executive",
        Signatory => "signatory",
    }
);

string_enum!(
    /// Where one customer approval step stands (§4.6).
    CustomerStepStatus {
        /// Earlier steps have not approved yet.
        Waiting => "waiting",
        InReview => "in_review",
        Approved => "approved",
        ChangesRequested => "changes_requested",
        Rejected => "rejected",
    }
);

string_enum!(
    /// The signature envelope's status, as any e-signature provider reports it.
    SignatureStatus {
        NotSent => "not_sent", Sent => "sent", Delivered => "delivered", Completed => "completed",
        Declined => "declined", Voided => "voided", Expired => "expired",
    }
);

/// One step of the customer's approval chain, as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerStepDraft {
    /// Steps approve in this order; equal orders review side by side.
    pub order: u8,
    pub function: CustomerFunction,
    /// The customer's person who approves, if known.
    pub approver_id: Option<PartyId>,
    /// Days the step is expected to take (1–90).
    pub expected_days: u16,
}

/// One step of the customer's approval chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomerStep {
    pub order: u8,
    pub function: CustomerFunction,
    pub approver_id: Option<PartyId>,
    pub expected_days: u16,
    pub status: CustomerStepStatus,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub notes: Option<String>,
}

impl CustomerStep {
    /// In review longer than expected at `now`.
    pub fn slipping(&self, now: OffsetDateTime) -> bool {
        self.status == CustomerStepStatus::InReview
            && self
                .opened_at
                .is_some_and(|opened| now - opened > Duration::days(i64::from(self.expected_days)))
    }

    fn draft(&self) -> CustomerStepDraft {
        CustomerStepDraft {
            order: self.order,
            function: self.function,
            approver_id: self.approver_id,
            expected_days: self.expected_days,
        }
    }
}

/// The usual chain when the account's own is not known yet: legal, then procurement, then
/// finance, then the signatory.
pub fn default_paper_process() -> Vec<CustomerStepDraft> {
    use CustomerFunction::{Finance, Legal, Procurement, Signatory};
    [(Legal, 5), (Procurement, 5), (Finance, 3), (Signatory, 2)]
        .into_iter()
        .zip(1u8..)
        .map(|((function, expected_days), order)| CustomerStepDraft {
            order,
            function,
            approver_id: None,
            expected_days,
        })
        .collect()
}

/// The envelope of a signature provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Signature {
    /// "docusign", "esign.cn", "paper"…: whoever collects the signatures.
    pub provider: Option<String>,
    /// The provider's id of the envelope.
    pub external_id: Option<String>,
    pub status: Option<SignatureStatus>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// A contract as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractDraft {
    /// Defaults to a personal agreement on a B2C deal, a company contract on a B2B one.
    pub kind: Option<ContractKind>,
    /// Defaults to the deal's title.
    pub title: Option<String>,
    /// The quote it puts into words; defaults to the deal's latest issued quote.
    pub quote_id: Option<QuoteId>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    /// Days a consumer may cancel after signing (B2C; by jurisdiction, e.g. 7 or 14).
    pub cooling_off_days: Option<u16>,
    pub our_signatory_id: Option<UserId>,
    /// The customer's people who sign.
    #[serde(default)]
    pub their_signatory_ids: Vec<PartyId>,
    /// The customer's approval chain (B2B); left out, the account's known paper process, or the
    /// usual one.
    pub customer_steps: Option<Vec<CustomerStepDraft>>,
    pub notes: Option<String>,
}

/// Changes to a draft (or a contract being redlined).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub start_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub end_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub cooling_off_days: Option<Option<u16>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub our_signatory_id: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub their_signatory_ids: Option<Vec<PartyId>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub customer_steps: Option<Vec<CustomerStepDraft>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub notes: Option<Option<String>>,
}

/// A contract's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContractFields {
    pub deal_id: DealId,
    pub kind: ContractKind,
    pub title: String,
    /// 1, then one more for each redlined version.
    pub contract_version: i64,
    pub status: ContractStatus,
    pub quote_id: Option<QuoteId>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub cooling_off_days: Option<u16>,
    pub our_signatory_id: Option<UserId>,
    pub their_signatory_ids: Vec<PartyId>,
    pub customer_steps: Vec<CustomerStep>,
    pub signature: Signature,
    /// When it was signed: the deal's booking date.
    #[serde(with = "time::serde::rfc3339::option")]
    pub executed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub notes: Option<String>,
}

/// A stored contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contract {
    pub id: ContractId,
    #[serde(flatten)]
    pub fields: ContractFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

const STEPS_MAX: usize = 12;
const SIGNATORIES_MAX: usize = 10;

fn steps(check: &mut Validation, drafts: &[CustomerStepDraft]) -> Option<Vec<CustomerStep>> {
    if drafts.len() > STEPS_MAX {
        check.push("customer_steps", format!("at most {STEPS_MAX} steps"));
        return None;
    }
    let mut orders: Vec<u8> = drafts.iter().map(|s| s.order).collect();
    orders.sort_unstable();
    orders.dedup();
    if orders.iter().zip(1u8..).any(|(order, expected)| *order != expected) {
        check.push(
            "customer_steps",
            "orders run 1, 2, 3… without gaps; equal orders review side by side",
        );
    }
    for (index, step) in drafts.iter().enumerate() {
        if !(1..=90).contains(&step.expected_days) {
            check.push(format!("customer_steps[{index}].expected_days"), "from 1 to 90 days");
        }
    }
    Some(
        drafts
            .iter()
            .map(|s| CustomerStep {
                order: s.order,
                function: s.function,
                approver_id: s.approver_id,
                expected_days: s.expected_days,
                status: CustomerStepStatus::Waiting,
                opened_at: None,
                decided_at: None,
                notes: None,
            })
            .collect(),
    )
}

fn dates(check: &mut Validation, start: Option<Date>, end: Option<Date>) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        check.push("end_date", "must not be before start_date");
    }
}

fn cooling_off(check: &mut Validation, kind: ContractKind, days: Option<u16>) {
    match days {
        Some(_) if !kind.b2c() => check.push("cooling_off_days", "a cooling-off period is for consumer agreements"),
        Some(days) if days > 60 => check.push("cooling_off_days", "at most 60 days"),
        _ => {}
    }
}

fn signatories(check: &mut Validation, ids: &[PartyId]) -> Vec<PartyId> {
    if ids.len() > SIGNATORIES_MAX {
        check.push("their_signatory_ids", format!("at most {SIGNATORIES_MAX} signatories"));
    }
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids
}

impl ContractDraft {
    /// Checks the draft for a deal of `kind` titled `deal_title`; `paper_process` is the chain
    /// used when the draft names none.
    pub fn parse(
        &self,
        deal_id: DealId,
        deal_kind: DealKind,
        deal_title: &str,
        quote_id: Option<QuoteId>,
        paper_process: &[CustomerStepDraft],
    ) -> Result<ContractFields, ValidationErrors> {
        let mut check = Validation::new();
        let kind = self.kind.unwrap_or(match deal_kind {
            DealKind::B2c => ContractKind::PersonalAgreement,
            DealKind::B2b => ContractKind::CompanyContract,
        });
        if kind.b2c() != (deal_kind == DealKind::B2c) {
            check.push("kind", format!("a {deal_kind} deal does not sign a {kind}"));
        }
        let title = check.check(
            "title",
            text::required(self.title.as_deref().unwrap_or(deal_title), NAME_MAX),
        );
        dates(&mut check, self.start_date, self.end_date);
        cooling_off(&mut check, kind, self.cooling_off_days);
        let chain = match (&self.customer_steps, kind.b2c()) {
            (Some(given), true) if !given.is_empty() => {
                check.push("customer_steps", "a consumer signs alone: no approval chain");
                Vec::new()
            }
            (_, true) => Vec::new(),
            (Some(given), false) => given.clone(),
            (None, false) => paper_process.to_vec(),
        };
        let customer_steps = steps(&mut check, &chain);
        let their_signatory_ids = signatories(&mut check, &self.their_signatory_ids);
        let notes = check.check("notes", text::optional(self.notes.as_deref(), BODY_MAX));
        check.finish(|| {
            Some(ContractFields {
                deal_id,
                kind,
                title: title?,
                contract_version: 1,
                status: ContractStatus::Draft,
                quote_id,
                start_date: self.start_date,
                end_date: self.end_date,
                cooling_off_days: self.cooling_off_days,
                our_signatory_id: self.our_signatory_id,
                their_signatory_ids,
                customer_steps: customer_steps?,
                signature: Signature::default(),
                executed_at: None,
                ended_at: None,
                notes: notes?,
            })
        })
    }
}

fn refused(fields: &ContractFields, what: &str) -> ValidationErrors {
    ValidationErrors::single("status", format!("the contract is {}: it cannot {what}", fields.status))
}

impl ContractPatch {
    /// Changes a draft, or the new version made while redlining.
    pub fn apply(&self, current: &ContractFields) -> Result<ContractFields, ValidationErrors> {
        if !matches!(current.status, ContractStatus::Draft | ContractStatus::Redlining) {
            return Err(refused(
                current,
                "change; only a draft or a contract being redlined changes",
            ));
        }
        let mut check = Validation::new();
        let title = match &self.title {
            Some(raw) => check.check("title", text::required(raw, NAME_MAX)),
            None => Some(current.title.clone()),
        };
        let start = self.start_date.unwrap_or(current.start_date);
        let end = self.end_date.unwrap_or(current.end_date);
        dates(&mut check, start, end);
        let cooling = self.cooling_off_days.unwrap_or(current.cooling_off_days);
        cooling_off(&mut check, current.kind, cooling);
        let customer_steps = match &self.customer_steps {
            Some(_) if current.kind.b2c() => {
                check.push("customer_steps", "a consumer signs alone: no approval chain");
                None
            }
            Some(given) => steps(&mut check, given),
            None => Some(current.customer_steps.clone()),
        };
        let their = match &self.their_signatory_ids {
            Some(ids) => signatories(&mut check, ids),
            None => current.their_signatory_ids.clone(),
        };
        let notes = match &self.notes {
            Some(notes) => check.check("notes", text::optional(notes.as_deref(), BODY_MAX)),
            None => Some(current.notes.clone()),
        };
        check.finish(|| {
            Some(ContractFields {
                title: title?,
                start_date: start,
                end_date: end,
                cooling_off_days: cooling,
                our_signatory_id: self.our_signatory_id.unwrap_or(current.our_signatory_id),
                their_signatory_ids: their,
                customer_steps: customer_steps?,
                notes: notes?,
                ..current.clone()
            })
        })
    }
}

/// What a customer step's reviewer decided.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDecision {
    pub outcome: CustomerStepStatus,
    pub notes: Option<String>,
}

/// A new version after the customer's changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redline {
    /// Price, discount or terms changed: our side approves again (the contract goes back to
    /// draft, the customer's chain starts over). Otherwise only the steps that asked for changes
    /// review again.
    #[serde(default)]
    pub commercial_change: bool,
}

/// News of the signature envelope.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureEvent {
    pub status: SignatureStatus,
    pub provider: Option<String>,
    pub external_id: Option<String>,
}

impl ContractFields {
    fn open_next(&mut self, now: OffsetDateTime) {
        let next = self
            .customer_steps
            .iter()
            .filter(|s| s.status == CustomerStepStatus::Waiting)
            .map(|s| s.order)
            .min();
        match next {
            Some(order) => {
                for step in self.customer_steps.iter_mut().filter(|s| s.order == order) {
                    step.status = CustomerStepStatus::InReview;
                    step.opened_at = Some(now);
                }
            }
            None => self.status = ContractStatus::CustomerApproved,
        }
    }

    /// B2B: our side has approved (the quote is issued): ready for the customer.
    pub fn ready(&self, quote_issued: bool) -> Result<ContractFields, ValidationErrors> {
        if self.kind.b2c() {
            return Err(refused(self, "go to an approval chain; send it for signature"));
        }
        if self.status != ContractStatus::Draft {
            return Err(refused(self, "be made ready; only a draft is"));
        }
        if !quote_issued {
            return Err(ValidationErrors::single(
                "quote_id",
                "send the quote (with its approvals) before the contract",
            ));
        }
        Ok(ContractFields {
            status: ContractStatus::ReadyToSend,
            ..self.clone()
        })
    }

    /// B2B: the contract goes to the customer and their first steps open (R2.5: an organisation
    /// with a named signatory).
    pub fn send_to_customer(&self, now: OffsetDateTime) -> Result<ContractFields, ValidationErrors> {
        if self.status != ContractStatus::ReadyToSend {
            return Err(refused(self, "go to the customer; it must be ready to send"));
        }
        let mut check = Validation::new();
        if self.their_signatory_ids.is_empty() {
            check.push("their_signatory_ids", "name the customer's signatory first");
        }
        if self.customer_steps.is_empty() {
            check.push("customer_steps", "map the customer's approval chain first");
        }
        check.finish(|| Some(()))?;
        let mut next = self.clone();
        next.status = ContractStatus::WithCustomer;
        next.open_next(now);
        Ok(next)
    }

    /// A customer step in review is decided.
    pub fn decide_step(
        &self,
        index: usize,
        decision: &StepDecision,
        now: OffsetDateTime,
    ) -> Result<ContractFields, ValidationErrors> {
        if self.status != ContractStatus::WithCustomer {
            return Err(refused(self, "take a customer decision; it is not with the customer"));
        }
        let Some(step) = self.customer_steps.get(index) else {
            return Err(ValidationErrors::single("step", format!("there is no step {index}")));
        };
        if step.status != CustomerStepStatus::InReview {
            return Err(ValidationErrors::single(
                "step",
                format!("the {} step is {}, not in review", step.function, step.status),
            ));
        }
        if matches!(
            decision.outcome,
            CustomerStepStatus::Waiting | CustomerStepStatus::InReview
        ) {
            return Err(ValidationErrors::single(
                "outcome",
                "approved, changes_requested or rejected",
            ));
        }
        let notes =
            text::optional(decision.notes.as_deref(), BODY_MAX).map_err(|e| ValidationErrors::single("notes", e))?;
        let mut next = self.clone();
        let order = step.order;
        let step = &mut next.customer_steps[index];
        step.status = decision.outcome;
        step.decided_at = Some(now);
        step.notes = notes;
        match decision.outcome {
            CustomerStepStatus::ChangesRequested => next.status = ContractStatus::Redlining,
            CustomerStepStatus::Rejected => {
                next.status = ContractStatus::Cancelled;
                next.ended_at = Some(now);
            }
            _ => {
                let group_open = next
                    .customer_steps
                    .iter()
                    .any(|s| s.order == order && s.status == CustomerStepStatus::InReview);
                if !group_open {
                    next.open_next(now);
                }
            }
        }
        Ok(next)
    }

    /// The next version after the customer's changes.
    pub fn revise(&self, redline: &Redline, now: OffsetDateTime) -> Result<ContractFields, ValidationErrors> {
        if self.status != ContractStatus::Redlining {
            return Err(refused(self, "be revised; only a contract being redlined is"));
        }
        let mut next = self.clone();
        next.contract_version += 1;
        next.signature = Signature::default();
        if redline.commercial_change {
            next.status = ContractStatus::Draft;
            for step in &mut next.customer_steps {
                *step = CustomerStep {
                    status: CustomerStepStatus::Waiting,
                    opened_at: None,
                    decided_at: None,
                    notes: None,
                    ..step.clone()
                };
            }
        } else {
            next.status = ContractStatus::WithCustomer;
            let asked = next
                .customer_steps
                .iter()
                .any(|s| s.status == CustomerStepStatus::ChangesRequested);
            for step in &mut next.customer_steps {
                if step.status == CustomerStepStatus::ChangesRequested {
                    step.status = CustomerStepStatus::InReview;
                    step.opened_at = Some(now);
                    step.decided_at = None;
                }
            }
            if !asked {
                // Declined at signature: back to the signatory's step, or approved again.
                next.open_next(now);
            }
        }
        Ok(next)
    }

    /// The envelope goes out (B2C from a draft, B2B once the customer approved).
    pub fn send_for_signature(
        &self,
        event: &SignatureEvent,
        now: OffsetDateTime,
    ) -> Result<ContractFields, ValidationErrors> {
        let allowed = if self.kind.b2c() {
            self.status == ContractStatus::Draft
        } else {
            self.status == ContractStatus::CustomerApproved
        };
        if !allowed {
            let when = if self.kind.b2c() {
                "go out for signature; only a draft does"
            } else {
                "go out for signature before the customer's chain approved it"
            };
            return Err(refused(self, when));
        }
        let provider = text::optional(event.provider.as_deref(), LABEL_MAX)
            .map_err(|e| ValidationErrors::single("provider", e))?;
        let external_id = text::optional(event.external_id.as_deref(), LABEL_MAX)
            .map_err(|e| ValidationErrors::single("external_id", e))?;
        Ok(ContractFields {
            status: ContractStatus::OutForSignature,
            signature: Signature {
                provider,
                external_id,
                status: Some(SignatureStatus::Sent),
                sent_at: Some(now),
                completed_at: None,
            },
            ..self.clone()
        })
    }

    /// What the provider reports about the envelope out for signature.
    pub fn signature_news(
        &self,
        event: &SignatureEvent,
        now: OffsetDateTime,
    ) -> Result<ContractFields, ValidationErrors> {
        if event.status == SignatureStatus::Sent {
            return self.send_for_signature(event, now);
        }
        if self.status != ContractStatus::OutForSignature {
            return Err(refused(self, "take signature news; it is not out for signature"));
        }
        let mut next = self.clone();
        next.signature.status = Some(event.status);
        match event.status {
            SignatureStatus::Completed => {
                next.status = ContractStatus::Executed;
                next.signature.completed_at = Some(now);
                next.executed_at = Some(now);
            }
            SignatureStatus::Declined if self.kind.b2c() => {
                next.status = ContractStatus::Cancelled;
                next.ended_at = Some(now);
            }
            SignatureStatus::Declined => next.status = ContractStatus::Redlining,
            // The customer's approvals still hold: only the envelope is sent again.
            SignatureStatus::Voided | SignatureStatus::Expired if self.kind.b2c() => {
                next.status = ContractStatus::Draft
            }
            SignatureStatus::Voided | SignatureStatus::Expired => next.status = ContractStatus::CustomerApproved,
            SignatureStatus::NotSent => {
                return Err(ValidationErrors::single(
                    "status",
                    "not_sent is not news of an envelope",
                ));
            }
            SignatureStatus::Sent | SignatureStatus::Delivered => {}
        }
        Ok(next)
    }

    /// Withdrawn before signature, or cancelled by a consumer within the cooling-off period.
    pub fn cancel(&self, now: OffsetDateTime) -> Result<ContractFields, ValidationErrors> {
        match self.status {
            ContractStatus::Executed => {
                let within = match (self.cooling_off_days, self.executed_at) {
                    (Some(days), Some(signed)) => now - signed <= Duration::days(i64::from(days)),
                    _ => false,
                };
                if !within {
                    return Err(refused(
                        self,
                        "be cancelled: it is signed and no cooling-off period runs; terminate it instead",
                    ));
                }
            }
            ContractStatus::Cancelled | ContractStatus::Terminated => return Err(refused(self, "be cancelled")),
            _ => {}
        }
        Ok(ContractFields {
            status: ContractStatus::Cancelled,
            ended_at: Some(now),
            ..self.clone()
        })
    }

    /// Ends a signed contract early.
    pub fn terminate(&self, now: OffsetDateTime) -> Result<ContractFields, ValidationErrors> {
        if self.status != ContractStatus::Executed {
            return Err(refused(self, "be terminated; only a signed one is"));
        }
        Ok(ContractFields {
            status: ContractStatus::Terminated,
            ended_at: Some(now),
            ..self.clone()
        })
    }

    /// The chain to remember for the account's next deal.
    pub fn paper_process(&self) -> Vec<CustomerStepDraft> {
        self.customer_steps.iter().map(CustomerStep::draft).collect()
    }

    /// Still in play: neither cancelled nor terminated.
    pub fn live(&self) -> bool {
        !matches!(self.status, ContractStatus::Cancelled | ContractStatus::Terminated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use uuid::Uuid;

    fn at(hours: i64) -> OffsetDateTime {
        datetime!(2026-11-02 09:00 UTC) + Duration::hours(hours)
    }

    fn company(steps: Vec<CustomerStepDraft>) -> ContractFields {
        let draft = ContractDraft {
            their_signatory_ids: vec![PartyId(Uuid::from_u128(5))],
            customer_steps: Some(steps),
            ..ContractDraft::default()
        };
        draft
            .parse(DealId(Uuid::from_u128(1)), DealKind::B2b, "Fleet", None, &[])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn step(order: u8, function: CustomerFunction) -> CustomerStepDraft {
        CustomerStepDraft {
            order,
            function,
            approver_id: None,
            expected_days: 3,
        }
    }

    fn decide(fields: &ContractFields, index: usize, outcome: CustomerStepStatus, hours: i64) -> ContractFields {
        fields
            .decide_step(index, &StepDecision { outcome, notes: None }, at(hours))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn statuses(fields: &ContractFields) -> Vec<&'static str> {
        fields.customer_steps.iter().map(|s| s.status.as_str()).collect()
    }

    #[test]
    fn a_company_contract_passes_the_customers_chain_and_is_signed() {
        use CustomerFunction::*;
        let contract = company(vec![
            step(1, Legal),
            step(2, Procurement),
            step(2, ItSecurity),
            step(3, Signatory),
        ]);
        assert!(contract.ready(false).is_err(), "our approvals come first");
        let sent = contract
            .ready(true)
            .and_then(|c| c.send_to_customer(at(0)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(statuses(&sent), ["in_review", "waiting", "waiting", "waiting"]);
        let after_legal = decide(&sent, 0, CustomerStepStatus::Approved, 1);
        assert_eq!(
            statuses(&after_legal),
            ["approved", "in_review", "in_review", "waiting"],
            "side by side"
        );
        let one_of_two = decide(&after_legal, 1, CustomerStepStatus::Approved, 2);
        assert_eq!(one_of_two.customer_steps[3].status, CustomerStepStatus::Waiting);
        let redlined = decide(&one_of_two, 2, CustomerStepStatus::ChangesRequested, 3);
        assert_eq!(redlined.status, ContractStatus::Redlining);
        let next = redlined
            .revise(&Redline::default(), at(4))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((next.contract_version, next.status), (2, ContractStatus::WithCustomer));
        assert_eq!(
            statuses(&next),
            ["approved", "approved", "in_review", "waiting"],
            "only IT security reviews again"
        );
        let approved = decide(
            &decide(&next, 2, CustomerStepStatus::Approved, 5),
            3,
            CustomerStepStatus::Approved,
            6,
        );
        assert_eq!(approved.status, ContractStatus::CustomerApproved);
        let event = |status| SignatureEvent {
            status,
            provider: Some("esign".into()),
            external_id: Some("env-42".into()),
        };
        let out = approved
            .send_for_signature(&event(SignatureStatus::Sent), at(7))
            .unwrap_or_else(|e| panic!("{e}"));
        let voided = out
            .signature_news(&event(SignatureStatus::Voided), at(8))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            voided.status,
            ContractStatus::CustomerApproved,
            "the approvals still hold"
        );
        let signed = voided
            .send_for_signature(&event(SignatureStatus::Sent), at(9))
            .and_then(|c| c.signature_news(&event(SignatureStatus::Completed), at(10)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (signed.status, signed.executed_at),
            (ContractStatus::Executed, Some(at(10)))
        );
        assert!(
            signed.cancel(at(11)).is_err(),
            "a signed company contract is terminated, not cancelled"
        );
        assert_eq!(
            signed.paper_process().len(),
            4,
            "the chain is remembered for the account"
        );
    }

    #[test]
    fn a_commercial_change_starts_over_and_a_rejection_ends_it() {
        use CustomerFunction::*;
        let contract = company(vec![step(1, Legal), step(2, Finance)]);
        let sent = contract
            .ready(true)
            .and_then(|c| c.send_to_customer(at(0)))
            .unwrap_or_else(|e| panic!("{e}"));
        let redlined = decide(
            &decide(&sent, 0, CustomerStepStatus::Approved, 1),
            1,
            CustomerStepStatus::ChangesRequested,
            2,
        );
        let priced_again = redlined
            .revise(
                &Redline {
                    commercial_change: true,
                },
                at(3),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(priced_again.status, ContractStatus::Draft);
        assert_eq!(statuses(&priced_again), ["waiting", "waiting"]);
        let sent = priced_again
            .ready(true)
            .and_then(|c| c.send_to_customer(at(4)))
            .unwrap_or_else(|e| panic!("{e}"));
        let rejected = decide(&sent, 0, CustomerStepStatus::Rejected, 5);
        assert_eq!(rejected.status, ContractStatus::Cancelled);
        assert!(
            sent.decide_step(
                1,
                &StepDecision {
                    outcome: CustomerStepStatus::Approved,
                    notes: None
                },
                at(5)
            )
            .is_err(),
            "finance waits for legal"
        );
    }

    #[test]
    fn a_consumer_signs_in_one_sitting_and_may_cool_off() {
        let draft = ContractDraft {
            cooling_off_days: Some(7),
            ..ContractDraft::default()
        };
        let agreement = draft
            .parse(
                DealId(Uuid::from_u128(1)),
                DealKind::B2c,
                "Membership",
                None,
                &default_paper_process(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(agreement.customer_steps.is_empty(), "a consumer signs alone");
        let event = |status| SignatureEvent {
            status,
            provider: Some("paper".into()),
            external_id: None,
        };
        let signed = agreement
            .send_for_signature(&event(SignatureStatus::Sent), at(0))
            .and_then(|c| c.signature_news(&event(SignatureStatus::Completed), at(0)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(signed.status, ContractStatus::Executed);
        assert!(
            signed.cancel(at(24 * 8)).is_err(),
            "after seven days the agreement holds"
        );
        let cooled = signed.cancel(at(24 * 6)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cooled.status, ContractStatus::Cancelled);
    }

    #[test]
    fn drafts_are_checked() {
        let bad = ContractDraft {
            kind: Some(ContractKind::PersonalAgreement),
            start_date: Some(time::macros::date!(2026 - 12 - 01)),
            end_date: Some(time::macros::date!(2026 - 11 - 01)),
            cooling_off_days: Some(7),
            customer_steps: Some(vec![step(2, CustomerFunction::Legal)]),
            ..ContractDraft::default()
        };
        let errors = bad
            .parse(DealId(Uuid::from_u128(1)), DealKind::B2b, "Fleet", None, &[])
            .err()
            .unwrap_or_else(|| panic!("refused"));
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "end_date", "customer_steps"]);
        let company = ContractDraft::default()
            .parse(
                DealId(Uuid::from_u128(1)),
                DealKind::B2b,
                "Fleet",
                None,
                &default_paper_process(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let functions: Vec<&str> = company.customer_steps.iter().map(|s| s.function.as_str()).collect();
        assert_eq!(
            functions,
            ["legal", "procurement", "finance", "signatory"],
            "the usual chain"
        );
        assert!(
            company.ready(true).and_then(|c| c.send_to_customer(at(0))).is_err(),
            "no signatory named"
        );
    }
}
