//! Seller-side approvals of a quote (D5, D3): how deep a discount may go before whom, and which
//! payment terms need the deal desk. The matrix is data; this module ships the usual ladder as
//! the default and works out, for one quote, the chain of approvers it needs.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::ids::{ApprovalId, DealId, ProductId, QuoteId, UserId};
use crate::money::{Currency, Money};
use crate::playbook::DealKind;
use crate::pricing::{PaymentTerms, Quote, QuoteLine, QuoteTotals};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX};
use crate::validation::{Validation, ValidationErrors};

string_enum!(
    /// Who approves on our side.
    ApproverRole {
        SalesManager => "sales_manager",
        Director => "director",
        VpSales => "vp_sales",
        Cro => "cro",
        Cfo => "cfo",
        Ceo => "ceo",
        DealDesk => "deal_desk",
        Legal => "legal",
    }
);

string_enum!(
    /// Why a quote needs approval.
    ApprovalReason {
        /// A discount deeper than the seller may give alone.
        Discount => "discount",
        /// Payment later than Net 30, or less than 30% up front (R3.5).
        PaymentTerms => "payment_terms",
        /// A consumer quote whose manual and promotional discounts together pass the cap.
        TotalDiscountCap => "total_discount_cap",
    }
);

/// One row of the discount matrix: deals of `deal_kind` discounted beyond `above_bp` (and, with
/// a band, whose net total in the band's currency reaches `min_amount`) need this chain.
/// Approvers with the same `order` decide in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountTier {
    pub deal_kind: DealKind,
    /// Applies to discounts strictly deeper than this, in basis points (0–10000).
    pub above_bp: i64,
    /// The amount band: the row applies only to quotes in this currency whose net total is at
    /// least this. Amounts in other currencies are never converted.
    #[serde(default)]
    pub min_amount: Option<MatrixAmount>,
    pub chain: Vec<ApprovalStep>,
    /// How long each approver has before the request escalates (1–720).
    pub sla_hours: u16,
}

/// The lower end of an amount band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixAmount {
    /// ISO 4217 code.
    pub currency: String,
    pub amount_minor: i64,
}

/// The workspace's discount matrix, as administrators set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalMatrix {
    pub tiers: Vec<DiscountTier>,
    /// A consumer quote whose manual and promotional discounts together take off more than this
    /// (basis points of the list price) needs the B2C rows' approvers, or the sales manager.
    #[serde(default = "default_b2c_cap_bp")]
    pub max_b2c_total_discount_bp: i64,
}

/// No row and no cap: every quote goes out without approval.
pub static NO_MATRIX: ApprovalMatrix = ApprovalMatrix {
    tiers: Vec::new(),
    max_b2c_total_discount_bp: 10_000,
};

/// The consumer total-discount cap when none is set: 30% off list.
pub const DEFAULT_B2C_CAP_BP: i64 = 3_000;

fn default_b2c_cap_bp() -> i64 {
    DEFAULT_B2C_CAP_BP
}

/// At most this many rows: a matrix is read by people.
pub const TIERS_MAX: usize = 60;
const CHAIN_MAX: usize = 10;
const SLA_HOURS_MAX: u16 = 720;

impl ApprovalMatrix {
    /// Checks every row; the amounts and currencies come back normalised (`cny` → `CNY`).
    pub fn parse(&self) -> Result<ApprovalMatrix, ValidationErrors> {
        let mut check = Validation::new();
        if !(0..=10_000).contains(&self.max_b2c_total_discount_bp) {
            check.push(
                "max_b2c_total_discount_bp",
                "a discount in basis points from 0 to 10000 (100%)",
            );
        }
        if self.tiers.len() > TIERS_MAX {
            check.push("tiers", format!("at most {TIERS_MAX} rows are allowed"));
        }
        let mut tiers = Vec::with_capacity(self.tiers.len());
        for (index, tier) in self.tiers.iter().enumerate() {
            let at = |field: &str| format!("tiers[{index}].{field}");
            if !(0..=10_000).contains(&tier.above_bp) {
                check.push(at("above_bp"), "a discount in basis points from 0 to 10000 (100%)");
            }
            if !(1..=SLA_HOURS_MAX).contains(&tier.sla_hours) {
                check.push(at("sla_hours"), format!("from 1 to {SLA_HOURS_MAX} hours"));
            }
            if tier.chain.is_empty() || tier.chain.len() > CHAIN_MAX {
                check.push(at("chain"), format!("from 1 to {CHAIN_MAX} approvers"));
            }
            let mut orders: Vec<u8> = tier.chain.iter().map(|s| s.order).collect();
            orders.sort_unstable();
            orders.dedup();
            if orders.iter().zip(1u8..).any(|(order, expected)| *order != expected) {
                check.push(
                    at("chain"),
                    "orders run 1, 2, 3… without gaps; equal orders decide in parallel",
                );
            }
            let mut seen = Vec::new();
            for (position, step) in tier.chain.iter().enumerate() {
                if seen.contains(&step.role) {
                    check.push(
                        format!("tiers[{index}].chain[{position}].role"),
                        "each role appears once in a chain",
                    );
                }
                seen.push(step.role);
            }
            let min_amount = match &tier.min_amount {
                None => None,
                Some(amount) => {
                    let currency = check.check(&at("min_amount.currency"), Currency::parse(&amount.currency));
                    let minor = check.check(&at("min_amount.amount_minor"), Money::parse_amount(amount.amount_minor));
                    currency.zip(minor).map(|(currency, amount_minor)| MatrixAmount {
                        currency: currency.code().to_owned(),
                        amount_minor,
                    })
                }
            };
            let band = min_amount.as_ref().map(|m| (m.currency.clone(), m.amount_minor));
            let duplicate = tiers.iter().any(|t: &DiscountTier| {
                t.deal_kind == tier.deal_kind
                    && t.above_bp == tier.above_bp
                    && t.min_amount.as_ref().map(|m| (m.currency.clone(), m.amount_minor)) == band
            });
            if duplicate {
                check.push(at("above_bp"), "another row has the same kind, threshold and band");
            }
            tiers.push(DiscountTier {
                min_amount,
                ..tier.clone()
            });
        }
        check.finish(|| {
            Some(ApprovalMatrix {
                tiers,
                max_b2c_total_discount_bp: self.max_b2c_total_discount_bp,
            })
        })
    }
}

impl DiscountTier {
    /// The row applies to a `kind` deal's quote with this judged discount and net total.
    fn applies(&self, kind: DealKind, discount_bp: i64, net: &Money) -> bool {
        self.deal_kind == kind
            && discount_bp > self.above_bp
            && self
                .min_amount
                .as_ref()
                .is_none_or(|band| band.currency == net.currency.code() && net.amount_minor >= band.amount_minor)
    }
}

/// One approver of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStep {
    /// Steps decide in this order; steps of the same order decide in parallel.
    pub order: u8,
    pub role: ApproverRole,
}

fn chain(roles: &[&[ApproverRole]]) -> Vec<ApprovalStep> {
    roles
        .iter()
        .zip(1u8..)
        .flat_map(|(group, order)| group.iter().map(move |&role| ApprovalStep { order, role }))
        .collect()
}

/// The usual ladder: a B2B seller gives up to 10% alone; a manager approves to 20%, a director
/// after the manager to 30%, the CRO to 40%, and beyond that the CFO and the CEO together. B2C
/// prices move with promotions: a manual discount beyond 15% needs the sales manager.
pub fn default_matrix() -> ApprovalMatrix {
    use ApproverRole::{Ceo, Cfo, Cro, Director, SalesManager};
    let tier = |deal_kind, above_bp, roles: &[&[ApproverRole]]| DiscountTier {
        deal_kind,
        above_bp,
        min_amount: None,
        chain: chain(roles),
        sla_hours: 24,
    };
    ApprovalMatrix {
        tiers: vec![
            tier(DealKind::B2b, 1_000, &[&[SalesManager]]),
            tier(DealKind::B2b, 2_000, &[&[SalesManager], &[Director]]),
            tier(DealKind::B2b, 3_000, &[&[SalesManager], &[Director], &[Cro]]),
            tier(DealKind::B2b, 4_000, &[&[SalesManager], &[Director], &[Cfo, Ceo]]),
            tier(DealKind::B2c, 1_500, &[&[SalesManager]]),
        ],
        max_b2c_total_discount_bp: DEFAULT_B2C_CAP_BP,
    }
}

/// What a quote needs approved before it goes to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApprovalNeed {
    pub reasons: Vec<ApprovalReason>,
    /// The discount the matrix judged: the deeper of the whole quote's and its deepest line's.
    pub discount_bp: i64,
    /// Every approver, in order; the deal desk comes last for the terms.
    pub chain: Vec<ApprovalStep>,
    /// Hours each approver has, from the matrix row that applied (24 for terms alone).
    pub sla_hours: u16,
}

/// The approvals a quote of a `kind` deal with these totals, currency and terms needs under
/// `matrix`; `None` when the seller may send it alone.
pub fn approval_needed(
    matrix: &ApprovalMatrix,
    kind: DealKind,
    totals: &QuoteTotals,
    currency: Currency,
    terms: PaymentTerms,
) -> Option<ApprovalNeed> {
    let net = Money {
        amount_minor: totals.net_total_minor,
        currency,
    };
    let judged = Judged {
        discount_bp: totals.discount_bp.max(totals.max_line_discount_bp),
        total_bp: matrix.over_cap(kind, totals.total_discount_bp()),
        terms: terms_need_approval(terms),
    };
    matrix.need_for(kind, &net, judged)
}

/// What `quote` still needs approved when `approved` holds the values an earlier request of the
/// deal approved ("smart approvals"): a line priced no deeper than the same line was approved at
/// keeps its approval, so does a whole-quote discount no deeper than the approved one and the
/// same payment terms. Only what changed beyond them is judged by the matrix. The whole quote's
/// discount is covered up to the deepest discount approved, since dropping a full-price line
/// deepens the average without any line going deeper.
pub fn approval_still_needed(
    matrix: &ApprovalMatrix,
    kind: DealKind,
    quote: &Quote,
    approved: Option<&ApprovedValues>,
) -> Option<ApprovalNeed> {
    let Some(approved) = approved else {
        return approval_needed(
            matrix,
            kind,
            &quote.totals,
            quote.fields.currency,
            quote.fields.payment_terms,
        );
    };
    let changed_line_bp = quote
        .fields
        .lines
        .iter()
        .filter(|line| !approved.covers_line(line))
        .map(|line| line.discount_bp)
        .max()
        .unwrap_or(0);
    let total_bp = if quote.totals.discount_bp <= approved.ceiling_bp() {
        0
    } else {
        quote.totals.discount_bp
    };
    let net = Money {
        amount_minor: quote.totals.net_total_minor,
        currency: quote.fields.currency,
    };
    let judged = Judged {
        discount_bp: changed_line_bp.max(total_bp),
        total_bp: matrix
            .over_cap(kind, quote.totals.total_discount_bp())
            .filter(|bp| *bp > approved.total_discount_bp),
        terms: terms_need_approval(quote.fields.payment_terms) && quote.fields.payment_terms != approved.payment_terms,
    };
    matrix.need_for(kind, &net, judged)
}

/// The values of the deal's latest request that was approved: what later revisions are judged
/// against.
pub fn approved_base(requests: &[Approval]) -> Option<&ApprovedValues> {
    requests
        .iter()
        .filter(|a| a.fields.was_approved())
        .max_by_key(|a| a.fields.submitted_at)
        .map(|a| &a.fields.values)
}

/// What of a quote the matrix judges.
struct Judged {
    /// The seller's own discount not yet approved.
    discount_bp: i64,
    /// A consumer quote's manual and promotional discount together, when past the cap and not yet
    /// approved.
    total_bp: Option<i64>,
    /// Payment terms that need the deal desk.
    terms: bool,
}

impl ApprovalMatrix {
    /// `total_bp` when a `kind` quote taking that much off list passes the consumer cap.
    fn over_cap(&self, kind: DealKind, total_bp: i64) -> Option<i64> {
        (kind == DealKind::B2c && total_bp > self.max_b2c_total_discount_bp).then_some(total_bp)
    }

    /// The strictest row that applies: the longest chain, then the higher threshold, then the
    /// higher band. A band row with a short chain never weakens an unbanded row with a long one.
    fn strictest(&self, kind: DealKind, discount_bp: i64, net: &Money) -> Option<&DiscountTier> {
        self.tiers
            .iter()
            .filter(|t| t.applies(kind, discount_bp, net))
            .max_by_key(|t| (t.chain.len(), t.above_bp, t.min_amount.as_ref().map(|m| m.amount_minor)))
    }

    fn need_for(&self, kind: DealKind, net: &Money, judged: Judged) -> Option<ApprovalNeed> {
        let mut reasons = Vec::new();
        let mut steps = Vec::new();
        let mut sla_hours = 24;
        if let Some(tier) = self.strictest(kind, judged.discount_bp, net) {
            reasons.push(ApprovalReason::Discount);
            steps.extend(tier.chain.iter().cloned());
            sla_hours = tier.sla_hours;
        }
        if let Some(total_bp) = judged.total_bp {
            reasons.push(ApprovalReason::TotalDiscountCap);
            // The B2C rows judge the whole discount; with no row that deep, the sales manager.
            if steps.is_empty() {
                match self.strictest(kind, total_bp, net) {
                    Some(tier) => {
                        steps.extend(tier.chain.iter().cloned());
                        sla_hours = tier.sla_hours;
                    }
                    None => steps.push(ApprovalStep {
                        order: 1,
                        role: ApproverRole::SalesManager,
                    }),
                }
            }
        }
        if judged.terms {
            reasons.push(ApprovalReason::PaymentTerms);
            let order = steps.iter().map(|s| s.order).max().unwrap_or(0) + 1;
            steps.push(ApprovalStep {
                order,
                role: ApproverRole::DealDesk,
            });
        }
        (!reasons.is_empty()).then_some(ApprovalNeed {
            reasons,
            discount_bp: judged.discount_bp,
            chain: steps,
            sla_hours,
        })
    }
}

/// Payment later than Net 30, or less than 30% up front (R3.5).
fn terms_need_approval(terms: PaymentTerms) -> bool {
    terms.beyond_net_30()
}

impl ApproverRole {
    /// Who takes over a step its approver left past the SLA: the next level up.
    pub fn escalates_to(self) -> Option<ApproverRole> {
        use ApproverRole::*;
        match self {
            SalesManager => Some(Director),
            Director => Some(VpSales),
            VpSales => Some(Cro),
            Cro | Cfo | Legal => Some(Ceo),
            DealDesk => Some(Cfo),
            Ceo => None,
        }
    }

    /// The roles above this one, nearest first.
    pub fn escalation_chain(self) -> Vec<ApproverRole> {
        std::iter::successors(self.escalates_to(), |r| r.escalates_to()).collect()
    }
}

string_enum!(
    /// Where an approval request stands (§4.7).
    ApprovalStatus {
        /// Waiting for the approvers, step by step.
        Pending => "pending",
        /// Every step approved: the quote may go out.
        Approved => "approved",
        /// An approver said no.
        Rejected => "rejected",
        /// The seller took it back before it was decided.
        Recalled => "recalled",
        /// It was approved, then the quote changed beyond what was approved.
        Invalidated => "invalidated",
    }
);

string_enum!(
    /// Where one approver's step stands.
    StepStatus {
        /// Earlier steps have not decided yet.
        Waiting => "waiting",
        /// Open for this approver's decision.
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        /// Never decided: the request was rejected or recalled first.
        Cancelled => "cancelled",
    }
);

/// One approver's step of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StepState {
    /// Steps decide in this order; steps of the same order decide in parallel.
    pub order: u8,
    pub role: ApproverRole,
    pub status: StepStatus,
    /// When the step opened for a decision.
    #[serde(with = "time::serde::rfc3339::option")]
    pub opened_at: Option<OffsetDateTime>,
    /// When the step escalates one level up if still undecided.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub decided_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub comment: Option<String>,
}

impl StepState {
    /// Open, and past its SLA at `now`.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.status == StepStatus::Pending && self.due_at.is_some_and(|due| due < now)
    }

    /// The roles that may decide this step at `now`: its own, and once it is overdue, every role
    /// above it.
    pub fn deciding_roles(&self, now: OffsetDateTime) -> Vec<ApproverRole> {
        let mut roles = vec![self.role];
        if self.overdue(now) {
            roles.extend(self.role.escalation_chain());
        }
        roles
    }
}

/// A line as it was approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedLine {
    pub product_id: Option<ProductId>,
    pub description: String,
    pub discount_bp: i64,
}

/// The values a request asks to approve, kept so that a later revision is judged only on what
/// it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedValues {
    /// The whole quote's discount, in basis points.
    pub discount_bp: i64,
    /// The manual and promotional discounts together, off list, in basis points.
    #[serde(default)]
    pub total_discount_bp: i64,
    pub payment_terms: PaymentTerms,
    pub lines: Vec<ApprovedLine>,
}

impl ApprovedValues {
    pub fn of(quote: &Quote) -> ApprovedValues {
        ApprovedValues {
            discount_bp: quote.totals.discount_bp,
            total_discount_bp: quote.totals.total_discount_bp(),
            payment_terms: quote.fields.payment_terms,
            lines: quote
                .fields
                .lines
                .iter()
                .map(|l| ApprovedLine {
                    product_id: l.product_id,
                    description: l.description.clone(),
                    discount_bp: l.discount_bp,
                })
                .collect(),
        }
    }

    /// The deepest discount approved: the whole quote's or its deepest line's.
    fn ceiling_bp(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.discount_bp)
            .fold(self.discount_bp, i64::max)
    }

    /// The same product (or, without one, the same description) was approved at this discount
    /// or deeper.
    fn covers_line(&self, line: &QuoteLine) -> bool {
        self.lines.iter().any(|approved| {
            let same = match (approved.product_id, line.product_id) {
                (Some(a), Some(b)) => a == b,
                (None, None) => approved.description == line.description,
                _ => false,
            };
            same && line.discount_bp <= approved.discount_bp
        })
    }
}

/// A seller's request to submit a quote for approval.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSubmission {
    /// Why the discount or terms are worth it: what the approvers read first.
    pub justification: Option<String>,
}

/// An approver's answer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    /// The role decided for, when the approver holds several that are open; left out, the one
    /// open step the approver may decide.
    pub role: Option<ApproverRole>,
    /// Required to reject: the seller needs to know what to change.
    pub comment: Option<String>,
}

/// A request for our side's approval of one quote revision, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApprovalFields {
    pub quote_id: QuoteId,
    pub deal_id: DealId,
    /// The quote revision submitted.
    pub revision: i64,
    pub reasons: Vec<ApprovalReason>,
    /// The discount judged by the matrix, in basis points.
    pub discount_bp: i64,
    pub status: ApprovalStatus,
    pub requested_by: UserId,
    pub justification: Option<String>,
    /// Hours each step has before it escalates.
    pub sla_hours: u16,
    pub steps: Vec<StepState>,
    /// What is being approved (and, once approved, what later revisions are judged against).
    pub values: ApprovedValues,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
}

/// A stored approval request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Approval {
    pub id: ApprovalId,
    #[serde(flatten)]
    pub fields: ApprovalFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

fn state_error(message: String) -> ValidationErrors {
    ValidationErrors::single("status", message)
}

impl ApprovalFields {
    /// A request for `need` on `quote`, its first steps open from `now`.
    pub fn submit(
        quote: &Quote,
        need: &ApprovalNeed,
        requested_by: UserId,
        submission: &ApprovalSubmission,
        now: OffsetDateTime,
    ) -> Result<ApprovalFields, ValidationErrors> {
        let justification = text::optional(submission.justification.as_deref(), BODY_MAX)
            .map_err(|e| ValidationErrors::single("justification", e))?;
        let steps = need
            .chain
            .iter()
            .map(|s| StepState {
                order: s.order,
                role: s.role,
                status: StepStatus::Waiting,
                opened_at: None,
                due_at: None,
                decided_by: None,
                decided_at: None,
                comment: None,
            })
            .collect();
        let mut fields = ApprovalFields {
            quote_id: quote.id,
            deal_id: quote.fields.deal_id,
            revision: quote.fields.revision,
            reasons: need.reasons.clone(),
            discount_bp: need.discount_bp,
            status: ApprovalStatus::Pending,
            requested_by,
            justification,
            sla_hours: need.sla_hours,
            steps,
            values: ApprovedValues::of(quote),
            submitted_at: now,
            decided_at: None,
        };
        fields.open_next(now);
        Ok(fields)
    }

    /// Opens the earliest order whose steps all wait; approves the request when none is left.
    fn open_next(&mut self, now: OffsetDateTime) {
        let next = self
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Waiting)
            .map(|s| s.order)
            .min();
        match next {
            Some(order) => {
                let due = now + Duration::hours(i64::from(self.sla_hours));
                for step in self.steps.iter_mut().filter(|s| s.order == order) {
                    step.status = StepStatus::Pending;
                    step.opened_at = Some(now);
                    step.due_at = Some(due);
                }
            }
            None => {
                self.status = ApprovalStatus::Approved;
                self.decided_at = Some(now);
            }
        }
    }

    /// The steps open now.
    pub fn open_steps(&self) -> impl Iterator<Item = &StepState> {
        self.steps.iter().filter(|s| s.status == StepStatus::Pending)
    }

    /// The open step a user holding `roles` decides at `now`: the one for `asked`, or the only
    /// one they may decide.
    fn step_for(
        &self,
        roles: &[ApproverRole],
        asked: Option<ApproverRole>,
        now: OffsetDateTime,
    ) -> Result<usize, ValidationErrors> {
        if self.status != ApprovalStatus::Pending {
            return Err(state_error(format!(
                "the request is {}; only a pending one is decided",
                self.status
            )));
        }
        let mine: Vec<usize> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == StepStatus::Pending)
            .filter(|(_, s)| asked.is_none_or(|a| s.role == a))
            .filter(|(_, s)| s.deciding_roles(now).iter().any(|r| roles.contains(r)))
            .map(|(i, _)| i)
            .collect();
        match (mine.as_slice(), asked) {
            ([one], _) => Ok(*one),
            ([], Some(role)) => Err(ValidationErrors::single(
                "role",
                format!("no open step for {role} that you may decide"),
            )),
            ([], None) => Err(state_error("no open step of this request is yours to decide".into())),
            (_, _) => Err(ValidationErrors::single(
                "role",
                "you may decide several open steps: name the role you decide for",
            )),
        }
    }

    /// `by` (holding `roles`) approves or rejects an open step at `now`. The last approval
    /// approves the request; a rejection ends it.
    pub fn decide(
        &self,
        by: UserId,
        roles: &[ApproverRole],
        decision: &ApprovalDecision,
        approve: bool,
        now: OffsetDateTime,
    ) -> Result<ApprovalFields, ValidationErrors> {
        if by == self.requested_by {
            return Err(state_error(
                "you asked for this approval: another approver decides it".into(),
            ));
        }
        let comment = text::optional(decision.comment.as_deref(), BODY_MAX)
            .map_err(|e| ValidationErrors::single("comment", e))?;
        if !approve && comment.is_none() {
            return Err(ValidationErrors::single(
                "comment",
                "say why: the seller needs to know what to change",
            ));
        }
        let index = self.step_for(roles, decision.role, now)?;
        let mut next = self.clone();
        let step = &mut next.steps[index];
        step.status = if approve {
            StepStatus::Approved
        } else {
            StepStatus::Rejected
        };
        step.decided_by = Some(by);
        step.decided_at = Some(now);
        step.comment = comment;
        let order = step.order;
        if !approve {
            next.close(ApprovalStatus::Rejected, now);
        } else if !next
            .steps
            .iter()
            .any(|s| s.order == order && s.status == StepStatus::Pending)
        {
            next.open_next(now);
        }
        Ok(next)
    }

    /// Ends the request as `status`; steps never decided are cancelled.
    fn close(&mut self, status: ApprovalStatus, now: OffsetDateTime) {
        for step in &mut self.steps {
            if matches!(step.status, StepStatus::Waiting | StepStatus::Pending) {
                step.status = StepStatus::Cancelled;
            }
        }
        self.status = status;
        self.decided_at = Some(now);
    }

    /// The seller takes a pending request back.
    pub fn recall(&self, now: OffsetDateTime) -> Result<ApprovalFields, ValidationErrors> {
        if self.status != ApprovalStatus::Pending {
            return Err(state_error(format!(
                "the request is {}; only a pending one is recalled",
                self.status
            )));
        }
        let mut next = self.clone();
        next.close(ApprovalStatus::Recalled, now);
        Ok(next)
    }

    /// An approved request whose quote changed beyond what it approved.
    pub fn invalidate(&self) -> Result<ApprovalFields, ValidationErrors> {
        if self.status != ApprovalStatus::Approved {
            return Err(state_error(format!(
                "the request is {}; only an approved one is invalidated",
                self.status
            )));
        }
        Ok(ApprovalFields {
            status: ApprovalStatus::Invalidated,
            ..self.clone()
        })
    }

    /// It was approved at some point, so its values count for later revisions.
    pub fn was_approved(&self) -> bool {
        matches!(self.status, ApprovalStatus::Approved | ApprovalStatus::Invalidated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(discount_bp: i64, max_line_discount_bp: i64) -> QuoteTotals {
        QuoteTotals {
            list_total_minor: 100_000,
            net_total_minor: 100_000 - discount_bp * 10,
            discount_minor: discount_bp * 10,
            discount_bp,
            max_line_discount_bp,
            promotion_discount_minor: 0,
            total_minor: 100_000 - discount_bp * 10,
        }
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}"))
    }

    fn roles(need: &ApprovalNeed) -> Vec<(u8, &'static str)> {
        need.chain.iter().map(|s| (s.order, s.role.as_str())).collect()
    }

    #[test]
    fn the_ladder_climbs_with_the_discount() {
        let matrix = default_matrix();
        let need = |kind, bp, terms| approval_needed(&matrix, kind, &totals(bp, bp), cny(), terms);
        assert_eq!(
            need(DealKind::B2b, 1_000, PaymentTerms::Net30),
            None,
            "10% is the seller's own"
        );
        let manager = need(DealKind::B2b, 1_001, PaymentTerms::Net30).unwrap_or_else(|| panic!("approval"));
        assert_eq!(roles(&manager), [(1, "sales_manager")]);
        assert_eq!(manager.reasons, [ApprovalReason::Discount]);
        let director = need(DealKind::B2b, 2_500, PaymentTerms::Net30).unwrap_or_else(|| panic!("approval"));
        assert_eq!(roles(&director), [(1, "sales_manager"), (2, "director")]);
        let top = need(DealKind::B2b, 4_500, PaymentTerms::Net30).unwrap_or_else(|| panic!("approval"));
        assert_eq!(
            roles(&top),
            [(1, "sales_manager"), (2, "director"), (3, "cfo"), (3, "ceo")],
            "the CFO and the CEO decide together"
        );
        assert_eq!(need(DealKind::B2c, 1_500, PaymentTerms::DueOnReceipt), None);
        assert!(need(DealKind::B2c, 1_600, PaymentTerms::DueOnReceipt).is_some());
    }

    #[test]
    fn a_consumer_discount_stacked_past_the_cap_needs_the_manager() {
        let matrix = default_matrix();
        // 10% by hand, then promotions: the seller's own discount never needs approval alone.
        let stacked = |promotion_minor: i64| QuoteTotals {
            promotion_discount_minor: promotion_minor,
            total_minor: 90_000 - promotion_minor,
            ..totals(1_000, 1_000)
        };
        let need = |promotion_minor| {
            approval_needed(
                &matrix,
                DealKind::B2c,
                &stacked(promotion_minor),
                cny(),
                PaymentTerms::DueOnReceipt,
            )
        };
        assert_eq!(need(20_000), None, "30% in all is at the cap");
        let past = need(20_100).unwrap_or_else(|| panic!("approval past the cap"));
        assert_eq!(past.reasons, [ApprovalReason::TotalDiscountCap]);
        assert_eq!(roles(&past), [(1, "sales_manager")]);
        assert_eq!(
            approval_needed(&matrix, DealKind::B2b, &stacked(50_000), cny(), PaymentTerms::Net30),
            None,
            "the cap is for consumers"
        );
        let lenient = ApprovalMatrix {
            max_b2c_total_discount_bp: 6_000,
            ..default_matrix()
        };
        assert_eq!(
            approval_needed(
                &lenient,
                DealKind::B2c,
                &stacked(20_100),
                cny(),
                PaymentTerms::DueOnReceipt
            ),
            None
        );
    }

    #[test]
    fn a_deep_line_counts_even_when_the_total_is_shallow() {
        let need = approval_needed(
            &default_matrix(),
            DealKind::B2b,
            &totals(500, 2_200),
            cny(),
            PaymentTerms::Net30,
        )
        .unwrap_or_else(|| panic!("approval"));
        assert_eq!(need.discount_bp, 2_200);
        assert_eq!(roles(&need), [(1, "sales_manager"), (2, "director")]);
    }

    #[test]
    fn long_terms_go_to_the_deal_desk_last() {
        let matrix = default_matrix();
        let terms_only = approval_needed(&matrix, DealKind::B2b, &totals(0, 0), cny(), PaymentTerms::Net60)
            .unwrap_or_else(|| panic!("approval"));
        assert_eq!(terms_only.reasons, [ApprovalReason::PaymentTerms]);
        assert_eq!(roles(&terms_only), [(1, "deal_desk")]);
        let both = approval_needed(
            &matrix,
            DealKind::B2b,
            &totals(1_500, 1_500),
            cny(),
            PaymentTerms::Net45,
        )
        .unwrap_or_else(|| panic!("approval"));
        assert_eq!(roles(&both), [(1, "sales_manager"), (2, "deal_desk")]);
        for fine in [
            PaymentTerms::Net30,
            PaymentTerms::EarlyDiscountNet30,
            PaymentTerms::SignatureThenAcceptance,
        ] {
            assert_eq!(
                approval_needed(&matrix, DealKind::B2b, &totals(0, 0), cny(), fine),
                None,
                "{fine}"
            );
        }
    }

    fn quote(lines: &[(u128, i64, i64)], terms: PaymentTerms) -> Quote {
        use crate::money::Currency;
        use crate::pricing::{QuoteFields, QuoteStatus};
        let lines = lines
            .iter()
            .map(|&(product, list, net)| {
                QuoteLine::priced(
                    Some(ProductId(uuid::Uuid::from_u128(product))),
                    format!("p{product}"),
                    1,
                    list,
                    net,
                )
                .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let fields = QuoteFields {
            deal_id: DealId(uuid::Uuid::from_u128(1)),
            revision: 1,
            currency: Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            status: QuoteStatus::Draft,
            lines,
            payment_terms: terms,
            valid_until: time::macros::date!(2030 - 01 - 01),
            notes: None,
            sent_at: None,
            decided_at: None,
            channel: None,
            promotion_codes: Vec::new(),
            promotions: Vec::new(),
        };
        Quote::new(QuoteId(uuid::Uuid::from_u128(2)), fields, RecordMeta::created(at(0)))
    }

    fn at(hours: i64) -> OffsetDateTime {
        time::macros::datetime!(2026-11-02 09:00 UTC) + Duration::hours(hours)
    }

    fn user(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn submitted(quote: &Quote) -> ApprovalFields {
        let need = approval_needed(
            &default_matrix(),
            DealKind::B2b,
            &quote.totals,
            quote.fields.currency,
            quote.fields.payment_terms,
        )
        .unwrap_or_else(|| panic!("approval"));
        ApprovalFields::submit(quote, &need, user(1), &ApprovalSubmission::default(), at(0))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn approve(request: &ApprovalFields, by: u128, roles: &[ApproverRole], hours: i64) -> ApprovalFields {
        request
            .decide(user(by), roles, &ApprovalDecision::default(), true, at(hours))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn steps_open_in_order_and_parallel_steps_all_decide() {
        use ApproverRole::*;
        // 45% off: manager, then director, then the CFO and the CEO together.
        let request = submitted(&quote(&[(7, 10_000, 5_500)], PaymentTerms::Net30));
        let open = |r: &ApprovalFields| r.open_steps().map(|s| s.role).collect::<Vec<_>>();
        assert_eq!(open(&request), [SalesManager]);
        assert_eq!(request.steps[0].due_at, Some(at(24)));
        let early = request.decide(user(3), &[Director], &ApprovalDecision::default(), true, at(1));
        assert!(early.is_err(), "the director waits for the manager");
        let request = approve(&request, 2, &[SalesManager], 1);
        assert_eq!(open(&request), [Director]);
        let request = approve(&request, 3, &[Director], 2);
        assert_eq!(open(&request), [Cfo, Ceo]);
        let request = approve(&request, 4, &[Cfo], 3);
        assert_eq!(request.status, ApprovalStatus::Pending, "the CEO has not decided");
        assert_eq!(open(&request), [Ceo]);
        let request = approve(&request, 5, &[Ceo], 4);
        assert_eq!(request.status, ApprovalStatus::Approved);
        assert_eq!(request.decided_at, Some(at(4)));
    }

    #[test]
    fn a_rejection_ends_the_request_and_needs_a_reason() {
        let request = submitted(&quote(&[(7, 10_000, 7_500)], PaymentTerms::Net30));
        let no_reason = request.decide(
            user(2),
            &[ApproverRole::SalesManager],
            &ApprovalDecision::default(),
            false,
            at(1),
        );
        assert!(no_reason.is_err_and(|e| e.to_string().contains("comment")));
        let decision = ApprovalDecision {
            role: None,
            comment: Some("Trade the discount for a two-year term".into()),
        };
        let rejected = request
            .decide(user(2), &[ApproverRole::SalesManager], &decision, false, at(1))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rejected.status, ApprovalStatus::Rejected);
        let statuses: Vec<_> = rejected.steps.iter().map(|s| s.status).collect();
        assert_eq!(statuses, [StepStatus::Rejected, StepStatus::Cancelled]);
        assert!(rejected.recall(at(2)).is_err(), "a decided request is not recalled");
    }

    #[test]
    fn the_requester_never_approves_their_own_request() {
        let request = submitted(&quote(&[(7, 10_000, 8_500)], PaymentTerms::Net30));
        let own = request.decide(
            user(1),
            &[ApproverRole::SalesManager],
            &ApprovalDecision::default(),
            true,
            at(1),
        );
        assert!(own.is_err());
    }

    #[test]
    fn an_overdue_step_escalates_one_level_up_and_beyond() {
        let request = submitted(&quote(&[(7, 10_000, 8_500)], PaymentTerms::Net30));
        let before = request.decide(
            user(3),
            &[ApproverRole::Director],
            &ApprovalDecision::default(),
            true,
            at(23),
        );
        assert!(before.is_err(), "within the SLA only the manager decides");
        let after = approve(&request, 3, &[ApproverRole::Director], 25);
        assert_eq!(after.status, ApprovalStatus::Approved);
        let ceo = approve(&request, 4, &[ApproverRole::Ceo], 25);
        assert_eq!(ceo.steps[0].decided_by, Some(user(4)));
    }

    #[test]
    fn someone_holding_two_open_roles_names_the_one_decided() {
        use ApproverRole::*;
        let request = submitted(&quote(&[(7, 10_000, 5_500)], PaymentTerms::Net30));
        let request = approve(&approve(&request, 2, &[SalesManager], 1), 3, &[Director], 2);
        let founder = [Cfo, Ceo];
        let unnamed = request.decide(user(9), &founder, &ApprovalDecision::default(), true, at(3));
        assert!(unnamed.is_err_and(|e| e.to_string().contains("name the role")));
        let named = |role| ApprovalDecision {
            role: Some(role),
            comment: None,
        };
        let request = request
            .decide(user(9), &founder, &named(Cfo), true, at(3))
            .and_then(|r| r.decide(user(9), &founder, &named(Ceo), true, at(3)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(request.status, ApprovalStatus::Approved);
    }

    #[test]
    fn unchanged_lines_keep_their_approval() {
        let matrix = default_matrix();
        // Line 7 approved at 25% off: the manager and the director said yes.
        let approved = ApprovedValues::of(&quote(&[(7, 10_000, 7_500), (8, 10_000, 10_000)], PaymentTerms::Net30));
        let still = |q: &Quote| approval_still_needed(&matrix, DealKind::B2b, q, Some(&approved));
        let same = quote(&[(7, 10_000, 7_500), (8, 10_000, 10_000)], PaymentTerms::Net30);
        assert_eq!(still(&same), None, "nothing changed");
        let shallower = quote(&[(7, 10_000, 8_000)], PaymentTerms::Net30);
        assert_eq!(still(&shallower), None, "a smaller discount is covered");
        let new_line = quote(&[(7, 10_000, 7_500), (9, 10_000, 8_500)], PaymentTerms::Net30);
        let need = still(&new_line).unwrap_or_else(|| panic!("the new line needs approval"));
        assert_eq!(need.discount_bp, 1_500, "judged on the new line alone");
        assert_eq!(roles(&need), [(1, "sales_manager")]);
        let deeper = quote(&[(7, 10_000, 6_500), (8, 10_000, 10_000)], PaymentTerms::Net30);
        assert_eq!(
            still(&deeper).map(|n| roles(&n)),
            Some(vec![(1, "sales_manager"), (2, "director"), (3, "cro")])
        );
        let longer = quote(&[(7, 10_000, 7_500), (8, 10_000, 10_000)], PaymentTerms::Net60);
        assert_eq!(still(&longer).map(|n| roles(&n)), Some(vec![(1, "deal_desk")]));
    }

    #[test]
    fn an_amount_band_applies_in_its_own_currency_only() {
        use ApproverRole::{Director, SalesManager};
        let mut matrix = default_matrix();
        matrix.tiers.push(DiscountTier {
            deal_kind: DealKind::B2b,
            above_bp: 1_000,
            min_amount: Some(MatrixAmount {
                currency: "cny".into(),
                amount_minor: 100_000_000,
            }),
            chain: chain(&[&[SalesManager], &[Director]]),
            sla_hours: 48,
        });
        let matrix = matrix.parse().unwrap_or_else(|e| panic!("{e}"));
        let at = |net_total_minor: i64, currency: &str| {
            let totals = QuoteTotals {
                list_total_minor: net_total_minor * 100 / 85,
                net_total_minor,
                discount_minor: 0,
                discount_bp: 1_500,
                max_line_discount_bp: 1_500,
                promotion_discount_minor: 0,
                total_minor: 0,
            };
            let currency = Currency::parse(currency).unwrap_or_else(|e| panic!("{e}"));
            approval_needed(&matrix, DealKind::B2b, &totals, currency, PaymentTerms::Net30)
                .map(|n| (roles(&n), n.sla_hours))
        };
        assert_eq!(
            at(200_000_000, "CNY"),
            Some((vec![(1, "sales_manager"), (2, "director")], 48))
        );
        assert_eq!(
            at(50_000_000, "CNY"),
            Some((vec![(1, "sales_manager")], 24)),
            "below the band"
        );
        assert_eq!(
            at(200_000_000, "USD"),
            Some((vec![(1, "sales_manager")], 24)),
            "another currency is never converted"
        );
    }

    #[test]
    fn a_matrix_is_checked_row_by_row() {
        let bad = ApprovalMatrix {
            tiers: vec![
                DiscountTier {
                    deal_kind: DealKind::B2b,
                    above_bp: 20_000,
                    min_amount: Some(MatrixAmount {
                        currency: "XYZ".into(),
                        amount_minor: -1,
                    }),
                    chain: vec![
                        ApprovalStep {
                            order: 1,
                            role: ApproverRole::Cfo,
                        },
                        ApprovalStep {
                            order: 3,
                            role: ApproverRole::Cfo,
                        },
                    ],
                    sla_hours: 0,
                },
                DiscountTier {
                    deal_kind: DealKind::B2c,
                    above_bp: 1_500,
                    min_amount: None,
                    chain: Vec::new(),
                    sla_hours: 24,
                },
            ],
            max_b2c_total_discount_bp: -5,
        };
        let errors = bad.parse().err().unwrap_or_else(|| panic!("refused"));
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "max_b2c_total_discount_bp",
                "tiers[0].above_bp",
                "tiers[0].sla_hours",
                "tiers[0].chain",
                "tiers[0].chain[1].role",
                "tiers[0].min_amount.currency",
                "tiers[0].min_amount.amount_minor",
                "tiers[1].chain",
            ]
        );
        let default = default_matrix();
        assert_eq!(default.parse(), Ok(default.clone()), "the default matrix is valid");
    }
}
