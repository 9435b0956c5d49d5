//! Seller-side approvals of a quote (D5, D3): how deep a discount may go before whom, and which
//! payment terms need the deal desk. The matrix is data; this module ships the usual ladder as
//! the default and works out, for one quote, the chain of approvers it needs.

use serde::Serialize;
use utoipa::ToSchema;

use crate::playbook::DealKind;
use crate::pricing::{PaymentTerms, QuoteTotals};
use crate::string_enum;

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
    }
);

/// One row of the discount matrix: deals of `deal_kind` discounted beyond `above_bp` need this
/// chain. Approvers with the same `order` decide in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiscountTier {
    pub deal_kind: DealKind,
    /// Applies to discounts strictly deeper than this, in basis points.
    pub above_bp: i64,
    pub chain: Vec<ApprovalStep>,
    /// How long each approver has before the request escalates.
    pub sla_hours: u16,
}

/// One approver of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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
pub fn default_matrix() -> Vec<DiscountTier> {
    use ApproverRole::{Ceo, Cfo, Cro, Director, SalesManager};
    let tier = |deal_kind, above_bp, roles: &[&[ApproverRole]]| DiscountTier {
        deal_kind,
        above_bp,
        chain: chain(roles),
        sla_hours: 24,
    };
    vec![
        tier(DealKind::B2b, 1_000, &[&[SalesManager]]),
        tier(DealKind::B2b, 2_000, &[&[SalesManager], &[Director]]),
        tier(DealKind::B2b, 3_000, &[&[SalesManager], &[Director], &[Cro]]),
        tier(DealKind::B2b, 4_000, &[&[SalesManager], &[Director], &[Cfo, Ceo]]),
        tier(DealKind::B2c, 1_500, &[&[SalesManager]]),
    ]
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

/// The approvals a quote of a `kind` deal with these totals and terms needs under `matrix`;
/// `None` when the seller may send it alone.
pub fn approval_needed(
    matrix: &[DiscountTier],
    kind: DealKind,
    totals: &QuoteTotals,
    terms: PaymentTerms,
) -> Option<ApprovalNeed> {
    let discount_bp = totals.discount_bp.max(totals.max_line_discount_bp);
    let tier = matrix
        .iter()
        .filter(|t| t.deal_kind == kind && discount_bp > t.above_bp)
        .max_by_key(|t| t.above_bp);
    let mut reasons = Vec::new();
    let mut steps = Vec::new();
    let mut sla_hours = 24;
    if let Some(tier) = tier {
        reasons.push(ApprovalReason::Discount);
        steps.extend(tier.chain.iter().cloned());
        sla_hours = tier.sla_hours;
    }
    if terms_need_approval(terms) {
        reasons.push(ApprovalReason::PaymentTerms);
        let order = steps.iter().map(|s| s.order).max().unwrap_or(0) + 1;
        steps.push(ApprovalStep {
            order,
            role: ApproverRole::DealDesk,
        });
    }
    (!reasons.is_empty()).then_some(ApprovalNeed {
        reasons,
        discount_bp,
        chain: steps,
        sla_hours,
    })
}

/// Payment later than Net 30, or less than 30% up front (R3.5).
fn terms_need_approval(terms: PaymentTerms) -> bool {
    terms.beyond_net_30()
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
        }
    }

    fn roles(need: &ApprovalNeed) -> Vec<(u8, &'static str)> {
        need.chain.iter().map(|s| (s.order, s.role.as_str())).collect()
    }

    #[test]
    fn the_ladder_climbs_with_the_discount() {
        let matrix = default_matrix();
        let need = |kind, bp, terms| approval_needed(&matrix, kind, &totals(bp, bp), terms);
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
    fn a_deep_line_counts_even_when_the_total_is_shallow() {
        let need = approval_needed(
            &default_matrix(),
            DealKind::B2b,
            &totals(500, 2_200),
            PaymentTerms::Net30,
        )
        .unwrap_or_else(|| panic!("approval"));
        assert_eq!(need.discount_bp, 2_200);
        assert_eq!(roles(&need), [(1, "sales_manager"), (2, "director")]);
    }

    #[test]
    fn long_terms_go_to_the_deal_desk_last() {
        let matrix = default_matrix();
        let terms_only = approval_needed(&matrix, DealKind::B2b, &totals(0, 0), PaymentTerms::Net60)
            .unwrap_or_else(|| panic!("approval"));
        assert_eq!(terms_only.reasons, [ApprovalReason::PaymentTerms]);
        assert_eq!(roles(&terms_only), [(1, "deal_desk")]);
        let both = approval_needed(&matrix, DealKind::B2b, &totals(1_500, 1_500), PaymentTerms::Net45)
            .unwrap_or_else(|| panic!("approval"));
        assert_eq!(roles(&both), [(1, "sales_manager"), (2, "deal_desk")]);
        for fine in [
            PaymentTerms::Net30,
            PaymentTerms::EarlyDiscountNet30,
            PaymentTerms::SignatureThenAcceptance,
        ] {
            assert_eq!(
                approval_needed(&matrix, DealKind::B2b, &totals(0, 0), fine),
                None,
                "{fine}"
            );
        }
    }
}
