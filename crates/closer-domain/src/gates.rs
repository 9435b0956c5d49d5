//! Stage gates (D4): the exit criteria of every stage of the default playbooks, checked against
//! a snapshot of the deal (its committee, team and meetings) and nothing else. Each criterion
//! says which difference it comes from (D1…D9) and what action satisfies it.
//!
//! A hard criterion blocks a forward move unless a manager overrides it with a reason; a soft one
//! only warns. Criteria that need records later parts of Closer keep (mutual action plans) are
//! declared now and answer "pending": they never block.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::approvals::{Approval, ApprovalMatrix};
use crate::billing::{BillingProfile, Invoice, InvoiceStatus, Payment};
use crate::committee::{BuyingRole, Engagement, Stakeholder};
use crate::contracts::{Contract, ContractStatus, CustomerStepStatus};
use crate::deal::Deal;
use crate::meeting::{Meeting, MeetingPurpose, MeetingStatus, Side, Venue};
use crate::playbook::{DealStatus, Playbook, Stage};
use crate::pricing::{Quote, QuoteStatus};
use crate::qualification::QualificationKey;
use crate::string_enum;
use crate::team::DealTeamMember;

string_enum!(
    /// How strictly a criterion is enforced.
    Gate { Hard => "hard", Soft => "soft" }
);

string_enum!(
    /// What the records say about a criterion.
    Verdict {
        Met => "met",
        Unmet => "unmet",
        /// Needs records Closer does not keep yet; never blocks.
        Pending => "pending",
    }
);

/// A criterion of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct CriterionDef {
    pub key: &'static str,
    pub gate: Gate,
    pub differences: &'static [&'static str],
    /// What must be true.
    pub requirement: &'static str,
    /// What a seller does to make it true.
    pub action: &'static str,
}

const fn hard(
    key: &'static str,
    differences: &'static [&'static str],
    requirement: &'static str,
    action: &'static str,
) -> CriterionDef {
    CriterionDef {
        key,
        gate: Gate::Hard,
        differences,
        requirement,
        action,
    }
}

const fn soft(
    key: &'static str,
    differences: &'static [&'static str],
    requirement: &'static str,
    action: &'static str,
) -> CriterionDef {
    CriterionDef {
        key,
        gate: Gate::Soft,
        differences,
        requirement,
        action,
    }
}

/// The exit criteria of a stage of the default playbooks, by stage key.
pub fn criteria_for(stage_key: &str) -> &'static [CriterionDef] {
    match stage_key {
        "b2c_new_lead" => {
            const {
                &[
                    hard(
                        "contact_point",
                        &["D9"],
                        "the customer has a phone number or e-mail address",
                        "Add a phone number or e-mail to the customer",
                    ),
                    hard(
                        "consent_ok",
                        &["D9"],
                        "the customer is not on a do-not-call list and consented",
                        "Check consent before calling",
                    ),
                    hard(
                        "human_contact_call",
                        &["D9"],
                        "a call reached the customer, or they were met",
                        "Call the customer",
                    ),
                ]
            }
        }
        "b2c_qualified" => {
            const {
                &[
                    hard(
                        "need_captured",
                        &["D9"],
                        "the customer's need is recorded",
                        "Record what the customer wants (qualification: need)",
                    ),
                    soft(
                        "budget_range",
                        &["D5"],
                        "a budget range is recorded",
                        "Ask for a budget range",
                    ),
                    soft(
                        "timeline",
                        &["D7"],
                        "a timeline is recorded",
                        "Ask when they want to buy",
                    ),
                    hard(
                        "visit_or_offer",
                        &["D8", "D9"],
                        "a store or office visit is booked, or an offer sent",
                        "Invite the customer to visit us, or send an offer",
                    ),
                ]
            }
        }
        "b2c_offer" => {
            const {
                &[
                    hard(
                        "quote_validated",
                        &["D5"],
                        "a quote exists and its promotions validate",
                        "Quote with the promotions that apply",
                    ),
                    soft(
                        "visited_us",
                        &["D8"],
                        "the customer visited our office or store",
                        "Invite the customer to our office or store",
                    ),
                ]
            }
        }
        "b2c_sign_pay" => {
            const {
                &[
                    hard(
                        "agreement_executed",
                        &["D2"],
                        "the personal agreement is signed",
                        "Have the customer sign the agreement",
                    ),
                    hard(
                        "payment_succeeded",
                        &["D3"],
                        "the payment or deposit succeeded",
                        "Take the payment",
                    ),
                ]
            }
        }
        "b2b_qualify" => {
            const {
                &[
                    hard(
                        "organisation_linked",
                        &["D1"],
                        "the counterparty is an organisation",
                        "Link the deal to the customer's organisation",
                    ),
                    hard(
                        "stakeholder_named",
                        &["D1"],
                        "at least one stakeholder is on the buying committee",
                        "Add the first stakeholder",
                    ),
                    hard(
                        "first_meeting_scheduled",
                        &["D4"],
                        "a first meeting is scheduled",
                        "Schedule the first meeting",
                    ),
                    soft(
                        "pain_hypothesis",
                        &["D1"],
                        "a pain hypothesis is recorded",
                        "Record the pain you expect (qualification: identified_pain)",
                    ),
                    soft(
                        "budget_indication",
                        &["D3"],
                        "a budget indication is recorded",
                        "Ask for a budget indication",
                    ),
                ]
            }
        }
        "b2b_first_meeting" => {
            const {
                &[
                    hard(
                        "first_meeting_held",
                        &["D4"],
                        "a first meeting was held with a buyer who attended",
                        "Hold the first meeting and log who attended",
                    ),
                    hard(
                        "pain_and_metrics",
                        &["D1"],
                        "the identified pain and the metrics are recorded",
                        "Record the pain and the metrics that matter to them",
                    ),
                    hard(
                        "decision_maker_named",
                        &["D1", "D4"],
                        "the decision process is recorded and a decision-maker is named on the committee",
                        "Ask who decides, and add them with the economic buyer or decision-maker role",
                    ),
                    hard(
                        "decision_maker_meeting_planned",
                        &["D4"],
                        "a decision-maker meeting is planned with that decision-maker invited",
                        "Plan the meeting with the leader who decides",
                    ),
                    soft(
                        "champion_candidate",
                        &["D1"],
                        "the committee has a champion or a coach",
                        "Find who sells for you inside",
                    ),
                    soft(
                        "trust_endorsement",
                        &["D5"],
                        "a reference, warm introduction or mutual connection backs the deal",
                        "Ask a customer they know to vouch for you",
                    ),
                ]
            }
        }
        "b2b_decision_maker_meeting" => {
            const {
                &[
                    hard(
                        "decision_maker_met_face_to_face",
                        &["D1", "D4", "D9"],
                        "a decision-maker attended a held, face-to-face decision-maker meeting",
                        "Meet the decision-maker in person and log the meeting",
                    ),
                    hard(
                        "decision_criteria",
                        &["D1"],
                        "the decision criteria are recorded",
                        "Record how they will choose",
                    ),
                    hard(
                        "mutual_action_plan",
                        &["D4"],
                        "a mutual action plan dates the steps to signature and payment",
                        "Agree a plan with the buyer",
                    ),
                    soft(
                        "home_ground",
                        &["D8"],
                        "the decision-maker meeting took place at our office",
                        "Invite the decision-maker to our office",
                    ),
                    soft(
                        "two_seller_roles",
                        &["D6"],
                        "two or more of our people attended the decision-maker meeting",
                        "Bring a solution engineer or an executive sponsor",
                    ),
                    soft(
                        "two_departments",
                        &["D1"],
                        "stakeholders from two or more departments were met",
                        "Meet people from another department",
                    ),
                ]
            }
        }
        "b2b_proposal_negotiation" => {
            const {
                &[
                    hard(
                        "quote_approved",
                        &["D5"],
                        "the quote is issued and its discounts approved",
                        "Issue the quote and get the approvals",
                    ),
                    hard(
                        "negotiation_face_to_face",
                        &["D9"],
                        "a face-to-face negotiation with a negotiation plan was held",
                        "Plan the negotiation and hold it in person",
                    ),
                    hard(
                        "verbal_selection",
                        &["D4"],
                        "the buyer's verbal selection is recorded with evidence",
                        "Record when and how they said yes",
                    ),
                    soft(
                        "competition_recorded",
                        &["D5"],
                        "the competition is recorded",
                        "Record who else they consider",
                    ),
                ]
            }
        }
        "b2b_company_contract" => {
            const {
                &[
                    hard(
                        "paper_process_mapped",
                        &["D2"],
                        "the customer's approval chain is mapped",
                        "Map the customer's approval steps",
                    ),
                    hard(
                        "customer_approvals",
                        &["D2"],
                        "every customer approval step is approved",
                        "Follow up the approval chain",
                    ),
                    hard(
                        "envelope_completed",
                        &["D2"],
                        "the contract is signed by the customer's signatory",
                        "Get the contract signed",
                    ),
                    hard(
                        "billing_profile",
                        &["D3"],
                        "the billing profile is complete, with a PO number when required",
                        "Complete the billing details",
                    ),
                ]
            }
        }
        "b2b_payment" => {
            const {
                &[
                    hard(
                        "invoice_finalised",
                        &["D3"],
                        "the invoice is issued",
                        "Issue the invoice",
                    ),
                    hard(
                        "first_payment",
                        &["D3"],
                        "the first instalment is paid",
                        "Collect the first payment",
                    ),
                ]
            }
        }
        _ => &[],
    }
}

/// A criterion a stage checks, and how strictly (admins may relax hard to soft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageCriterion {
    /// A key of the criteria catalogue.
    pub key: String,
    pub gate: Gate,
}

/// Every stage key of the default playbooks; with `criteria_for` they form the catalogue.
const CATALOGUE_STAGES: [&str; 10] = [
    "b2c_new_lead",
    "b2c_qualified",
    "b2c_offer",
    "b2c_sign_pay",
    "b2b_qualify",
    "b2b_first_meeting",
    "b2b_decision_maker_meeting",
    "b2b_proposal_negotiation",
    "b2b_company_contract",
    "b2b_payment",
];

/// Every criterion Closer knows how to judge.
pub fn catalogue() -> impl Iterator<Item = &'static CriterionDef> {
    CATALOGUE_STAGES.iter().flat_map(|stage| criteria_for(stage).iter())
}

/// The catalogue entry of a criterion.
pub fn definition(key: &str) -> Option<&'static CriterionDef> {
    catalogue().find(|c| c.key == key)
}

/// The criteria a default stage starts with.
pub fn default_criteria(stage_key: &str) -> Vec<StageCriterion> {
    criteria_for(stage_key)
        .iter()
        .map(|c| StageCriterion {
            key: c.key.to_owned(),
            gate: c.gate,
        })
        .collect()
}

/// Everything the criteria look at.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    pub deal: &'a Deal,
    /// The counterparty is an organisation.
    pub counterparty_is_organisation: bool,
    /// The counterparty has a phone number or e-mail address.
    pub counterparty_reachable: bool,
    pub committee: &'a [Stakeholder],
    pub meetings: &'a [Meeting],
    pub team: &'a [DealTeamMember],
    /// The deal's quote revisions.
    pub quotes: &'a [Quote],
    /// The approval requests about those quotes, newest first.
    pub approvals: &'a [Approval],
    /// The workspace's discount matrix.
    pub approval_matrix: &'a ApprovalMatrix,
    /// The deal's contracts, every version's latest state.
    pub contracts: &'a [Contract],
    /// The deal's invoices and payments.
    pub invoices: &'a [Invoice],
    pub payments: &'a [Payment],
    /// The customer's billing profile, if one was filled in.
    pub billing_profile: Option<&'a BillingProfile>,
    /// What backs the deal with trust the buyer already has (D5).
    pub endorsements: &'a [crate::relationships::Endorsement],
    /// How warm the committee is from the owner's position; none when not worked out.
    pub ties: Option<&'a crate::relationships::CommitteeTies>,
    /// The calls made to the customer (a person), newest first.
    pub calls: &'a [crate::telemarketing::CallAttempt],
    /// Whether the customer may be called on some number: off every do-not-call list, with the
    /// consent its region requires; none when they have no number.
    pub callable_number: Option<bool>,
    /// For a B2C deal held up by its price (R5.1): the best promotions valid now, when they give
    /// more than the offer already does.
    pub better_offer: Option<&'a crate::promotions::BetterOffer>,
}

impl Snapshot<'_> {
    /// A quote was given to the customer: sent, or already accepted.
    fn offer_made(&self) -> bool {
        self.quotes
            .iter()
            .any(|q| matches!(q.fields.status, QuoteStatus::Sent | QuoteStatus::Accepted))
    }

    /// Contracts neither cancelled nor terminated.
    fn live_contracts(&self) -> impl Iterator<Item = &Contract> {
        self.contracts.iter().filter(|c| c.fields.live())
    }

    /// A contract was signed.
    fn signed(&self) -> bool {
        self.contracts
            .iter()
            .any(|c| c.fields.status == ContractStatus::Executed)
    }

    fn noted(&self, key: QualificationKey) -> bool {
        self.deal.terms.qualification.has(key)
    }

    fn meetings_for(&self, purpose: MeetingPurpose) -> impl Iterator<Item = &Meeting> {
        self.meetings.iter().filter(move |m| m.fields.purpose == purpose)
    }

    fn decision_makers(&self) -> impl Iterator<Item = &Stakeholder> {
        self.committee.iter().filter(|s| s.fields.is_decision_maker())
    }

    /// Held decision-maker meetings that a decision-maker attended.
    fn decision_maker_meetings_held(&self) -> impl Iterator<Item = &Meeting> {
        self.meetings_for(MeetingPurpose::DecisionMakerMeeting)
            .filter(|m| self.decision_makers().any(|dm| m.attended_by(dm.fields.person_id)))
    }
}

fn verdict(met: bool) -> Verdict {
    if met { Verdict::Met } else { Verdict::Unmet }
}

fn scheduled(meeting: &Meeting) -> bool {
    matches!(
        meeting.fields.status,
        MeetingStatus::Planned | MeetingStatus::Confirmed | MeetingStatus::Held
    )
}

/// What the snapshot says about one criterion.
pub fn judge(key: &str, s: &Snapshot) -> Verdict {
    use QualificationKey as Q;
    match key {
        "contact_point" => verdict(s.counterparty_reachable),
        "need_captured" => verdict(s.noted(Q::Need)),
        "budget_range" | "budget_indication" => verdict(s.noted(Q::Budget)),
        "timeline" => verdict(s.noted(Q::Timeline)),
        "visit_or_offer" => verdict(
            s.offer_made()
                || s.meetings
                    .iter()
                    .any(|m| m.fields.venue == Venue::OurOffice && scheduled(m)),
        ),
        // No promotion can be applied yet, so a quote given to the customer has none to fail.
        "quote_validated" => verdict(s.offer_made()),
        // A quote that needs approval cannot be sent before it has it, so an issued quote is an
        // approved one.
        "quote_approved" => verdict(s.offer_made()),
        "agreement_executed" | "envelope_completed" => verdict(s.signed()),
        "billing_profile" => verdict(s.billing_profile.is_some_and(|p| p.missing().is_empty())),
        "invoice_finalised" => verdict(s.invoices.iter().any(|i| {
            matches!(
                i.fields.status,
                InvoiceStatus::Open | InvoiceStatus::Paid | InvoiceStatus::Uncollectible
            )
        })),
        "first_payment" | "payment_succeeded" => verdict(s.payments.iter().any(|p| p.fields.net_minor() > 0)),
        "paper_process_mapped" => verdict(s.live_contracts().any(|c| !c.fields.customer_steps.is_empty())),
        "customer_approvals" => verdict(s.live_contracts().any(|c| {
            !c.fields.customer_steps.is_empty()
                && c.fields
                    .customer_steps
                    .iter()
                    .all(|step| step.status == CustomerStepStatus::Approved)
        })),
        "visited_us" => verdict(s.meetings.iter().any(|m| {
            m.fields.venue == Venue::OurOffice && m.fields.status == MeetingStatus::Held && m.buyer_attended()
        })),
        "organisation_linked" => verdict(s.counterparty_is_organisation),
        "stakeholder_named" => verdict(!s.committee.is_empty()),
        "first_meeting_scheduled" => verdict(s.meetings_for(MeetingPurpose::FirstMeeting).any(scheduled)),
        "pain_hypothesis" => verdict(s.noted(Q::IdentifiedPain)),
        "first_meeting_held" => verdict(
            s.meetings_for(MeetingPurpose::FirstMeeting)
                .any(|m| m.fields.status == MeetingStatus::Held && m.buyer_attended()),
        ),
        "pain_and_metrics" => verdict(s.noted(Q::IdentifiedPain) && s.noted(Q::Metrics)),
        "decision_maker_named" => verdict(s.noted(Q::DecisionProcess) && s.decision_makers().next().is_some()),
        "decision_maker_meeting_planned" => verdict(
            s.meetings_for(MeetingPurpose::DecisionMakerMeeting)
                .filter(|m| scheduled(m))
                .any(|m| {
                    s.decision_makers().any(|dm| {
                        m.fields
                            .attendees
                            .iter()
                            .any(|a| a.person_id == Some(dm.fields.person_id))
                    })
                }),
        ),
        "champion_candidate" => {
            verdict(s.committee.iter().any(|st| {
                st.fields.roles.contains(&BuyingRole::Champion) || st.fields.roles.contains(&BuyingRole::Coach)
            }))
        }
        "decision_maker_met_face_to_face" => verdict(s.decision_maker_meetings_held().any(|m| m.face_to_face)),
        "decision_criteria" => verdict(s.noted(Q::DecisionCriteria)),
        "home_ground" => verdict(s.decision_maker_meetings_held().any(|m| m.home_ground)),
        "two_seller_roles" => verdict(s.decision_maker_meetings_held().any(|m| {
            m.fields
                .attendees
                .iter()
                .filter(|a| a.side == Side::Seller && a.attendance == crate::meeting::Attendance::Attended)
                .count()
                >= 2
        })),
        "two_departments" => verdict({
            let met: std::collections::BTreeSet<&str> = s
                .committee
                .iter()
                .filter(|st| matches!(st.engagement, Engagement::Met | Engagement::Engaged))
                .filter_map(|st| st.fields.department.as_deref())
                .collect();
            met.len() >= 2
        }),
        "negotiation_face_to_face" => verdict(s.meetings_for(MeetingPurpose::Negotiation).any(|m| {
            m.fields.status == MeetingStatus::Held
                && m.face_to_face
                && m.fields.negotiation_plan.is_some()
                && m.buyer_attended()
        })),
        "verbal_selection" => verdict(s.noted(Q::VerbalSelection)),
        "competition_recorded" => verdict(s.deal.terms.competitor.is_some() || s.noted(Q::Competition)),
        "trust_endorsement" => verdict(!s.endorsements.is_empty()),
        // Without a number there is nothing to call, so nothing to be refused.
        "consent_ok" => verdict(s.callable_number != Some(false)),
        // A customer met in person was reached at least as well as by a call.
        "human_contact_call" => verdict(
            s.calls.iter().any(|c| c.fields.disposition.right_party())
                || s.meetings
                    .iter()
                    .any(|m| m.fields.status == MeetingStatus::Held && m.buyer_attended()),
        ),
        // Mutual action plans arrive with a later part of Closer.
        _ => Verdict::Pending,
    }
}

/// One criterion, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CriterionResult {
    pub stage_key: String,
    pub key: String,
    pub gate: Gate,
    /// The differences between B2C and B2B selling this criterion comes from (D1…D9).
    pub differences: Vec<String>,
    pub verdict: Verdict,
    pub requirement: String,
    pub action: String,
}

/// Judges every exit criterion of a stage, with the gate the stage gives it.
pub fn evaluate(stage: &Stage, snapshot: &Snapshot) -> Vec<CriterionResult> {
    stage
        .criteria
        .iter()
        .filter_map(|chosen| definition(&chosen.key).map(|c| (chosen.gate, c)))
        .map(|(gate, c)| CriterionResult {
            stage_key: stage.key.clone(),
            key: c.key.to_owned(),
            gate,
            differences: c.differences.iter().map(|d| (*d).to_owned()).collect(),
            verdict: judge(c.key, snapshot),
            requirement: c.requirement.to_owned(),
            action: c.action.to_owned(),
        })
        .collect()
}

/// What the gates say about a move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct GateCheck {
    /// Hard criteria that are not met: the move needs an override.
    pub blocking: Vec<CriterionResult>,
    /// Soft criteria not met, and criteria that cannot be checked yet.
    pub warnings: Vec<CriterionResult>,
}

/// The gates between `from` and `to`: every open stage the deal leaves on the way forward must
/// meet its hard criteria. Moving back, reopening and losing pass no gate.
pub fn check_move(playbook: &Playbook, from: &Stage, to: &Stage, snapshot: &Snapshot) -> GateCheck {
    let mut check = GateCheck::default();
    if to.status == DealStatus::Lost || from.status != DealStatus::Open || to.position <= from.position {
        return check;
    }
    let left = playbook
        .stages
        .iter()
        .filter(|s| s.status == DealStatus::Open && s.position >= from.position && s.position < to.position);
    for stage in left {
        for result in evaluate(stage, snapshot) {
            match (result.gate, result.verdict) {
                (_, Verdict::Met) => {}
                (Gate::Hard, Verdict::Unmet) => check.blocking.push(result),
                _ => check.warnings.push(result),
            }
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::{B2B_DEFAULT, B2C_DEFAULT};

    use crate::committee::{BuyingRole, Contact};
    use crate::fixtures::{self, meeting, now, stakeholder};
    use crate::meeting::{MeetingPurpose, MeetingStatus, Venue};
    use crate::qualification::QualificationKey;
    use time::Duration;

    /// A quote of `deal` given to the customer.
    fn sent_quote(deal: &Deal) -> Quote {
        let fields = crate::pricing::QuoteFields {
            deal_id: deal.id,
            revision: 1,
            currency: deal.terms.amount.currency,
            status: QuoteStatus::Sent,
            lines: Vec::new(),
            payment_terms: crate::pricing::PaymentTerms::DueOnReceipt,
            valid_until: now().date(),
            notes: None,
            sent_at: Some(now()),
            decided_at: None,
            channel: None,
            promotion_codes: Vec::new(),
            promotions: Vec::new(),
        };
        Quote::new(
            crate::ids::QuoteId(uuid::Uuid::from_u128(9)),
            fields,
            crate::record::RecordMeta::created(now()),
        )
    }

    fn snapshot<'a>(
        deal: &'a Deal,
        committee: &'a [Stakeholder],
        meetings: &'a [Meeting],
        organisation: bool,
        reachable: bool,
    ) -> Snapshot<'a> {
        Snapshot {
            deal,
            counterparty_is_organisation: organisation,
            counterparty_reachable: reachable,
            committee,
            meetings,
            team: &[],
            quotes: &[],
            approvals: &[],
            approval_matrix: &crate::approvals::NO_MATRIX,
            contracts: &[],
            invoices: &[],
            payments: &[],
            billing_profile: None,
            endorsements: &[],
            ties: None,
            calls: &[],
            callable_number: None,
            better_offer: None,
        }
    }

    fn unmet(results: &[CriterionResult]) -> Vec<&str> {
        results
            .iter()
            .filter(|r| r.verdict == Verdict::Unmet)
            .map(|r| r.key.as_str())
            .collect()
    }

    #[test]
    fn b2c_criteria_read_contact_points_need_and_visits() {
        let playbook = fixtures::playbook(&B2C_DEFAULT);
        let mut deal = fixtures::deal(&playbook, "b2c_new_lead", 0);
        let new_lead = fixtures::stage(&playbook, "b2c_new_lead");
        let results = evaluate(new_lead, &snapshot(&deal, &[], &[], false, false));
        assert_eq!(
            unmet(&results),
            ["contact_point", "human_contact_call"],
            "no number: nothing to refuse"
        );
        let refused = Snapshot {
            callable_number: Some(false),
            ..snapshot(&deal, &[], &[], false, true)
        };
        assert_eq!(
            unmet(&evaluate(new_lead, &refused)),
            ["consent_ok", "human_contact_call"]
        );
        let machine = [fixtures::call(&deal, crate::telemarketing::Disposition::Machine, 30)];
        let answered = [fixtures::call(&deal, crate::telemarketing::Disposition::Contacted, 30)];
        let callable = Snapshot {
            callable_number: Some(true),
            calls: &machine,
            ..refused
        };
        assert_eq!(
            unmet(&evaluate(new_lead, &callable)),
            ["human_contact_call"],
            "a machine is no contact"
        );
        assert!(
            unmet(&evaluate(
                new_lead,
                &Snapshot {
                    calls: &answered,
                    ..callable
                }
            ))
            .is_empty()
        );
        let qualified = fixtures::stage(&playbook, "b2c_qualified");
        assert_eq!(
            unmet(&evaluate(qualified, &snapshot(&deal, &[], &[], false, true))),
            ["need_captured", "budget_range", "timeline", "visit_or_offer"]
        );
        deal.terms
            .qualification
            .0
            .insert(QualificationKey::Need, "Solar".into());
        let visit = meeting(
            MeetingPurpose::StoreVisit,
            Venue::OurOffice,
            MeetingStatus::Held,
            &[1],
            now(),
        );
        let results = evaluate(
            qualified,
            &snapshot(&deal, &[], std::slice::from_ref(&visit), false, true),
        );
        assert!(
            results
                .iter()
                .any(|r| r.key == "visit_or_offer" && r.verdict == Verdict::Met)
        );
        let offer = fixtures::stage(&playbook, "b2c_offer");
        let results = evaluate(offer, &snapshot(&deal, &[], std::slice::from_ref(&visit), false, true));
        assert!(
            results
                .iter()
                .any(|r| r.key == "visited_us" && r.verdict == Verdict::Met)
        );
        // One sitting: new lead to won when the hard criteria that can be checked hold, the
        // offer made in that sitting included.
        let won = fixtures::stage(&playbook, "b2c_won");
        let without_offer = check_move(&playbook, new_lead, won, &snapshot(&deal, &[], &[], false, true));
        assert_eq!(
            without_offer
                .blocking
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            [
                "human_contact_call",
                "visit_or_offer",
                "quote_validated",
                "agreement_executed",
                "payment_succeeded"
            ]
        );
        // The customer came in: met face to face, which reaches them better than a call.
        let offer_sent = [sent_quote(&deal)];
        let signed = [fixtures::signed_contract(&deal)];
        let paid = [fixtures::payment(&deal)];
        let with_offer = Snapshot {
            quotes: &offer_sent,
            contracts: &signed,
            payments: &paid,
            ..snapshot(&deal, &[], std::slice::from_ref(&visit), false, true)
        };
        assert!(check_move(&playbook, new_lead, won, &with_offer).blocking.is_empty());
        deal.terms.qualification.0.clear();
        let with_offer = Snapshot {
            quotes: &offer_sent,
            contracts: &signed,
            payments: &paid,
            ..snapshot(&deal, &[], std::slice::from_ref(&visit), false, true)
        };
        let blocked = check_move(&playbook, new_lead, won, &with_offer);
        assert_eq!(
            blocked.blocking.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            ["need_captured"]
        );
    }

    #[test]
    fn a_b2b_proposal_needs_an_issued_and_approved_quote() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_proposal_negotiation", 3);
        let proposal = fixtures::stage(&playbook, "b2b_proposal_negotiation");
        let verdict_of = |snapshot: &Snapshot| {
            evaluate(proposal, snapshot)
                .into_iter()
                .find(|r| r.key == "quote_approved")
                .map(|r| r.verdict)
        };
        assert_eq!(verdict_of(&snapshot(&deal, &[], &[], true, true)), Some(Verdict::Unmet));
        let mut draft = sent_quote(&deal);
        draft.fields.status = QuoteStatus::Draft;
        let drafts = [draft];
        let only_a_draft = Snapshot {
            quotes: &drafts,
            ..snapshot(&deal, &[], &[], true, true)
        };
        assert_eq!(verdict_of(&only_a_draft), Some(Verdict::Unmet), "a draft is not issued");
        let issued = [sent_quote(&deal)];
        let with_quote = Snapshot {
            quotes: &issued,
            ..snapshot(&deal, &[], &[], true, true)
        };
        assert_eq!(
            verdict_of(&with_quote),
            Some(Verdict::Met),
            "a quote is sent only once its approvals are given"
        );
    }

    #[test]
    fn b2b_criteria_follow_the_designed_steps() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let mut deal = fixtures::deal(&playbook, "b2b_first_meeting", 3);
        let met = Contact {
            invited: 1,
            attended: 1,
            attended_face_to_face: 1,
            last_met_at: Some(now()),
        };
        let head = stakeholder(1, &[BuyingRole::TechnicalBuyer], "IT", met);
        let ceo = stakeholder(2, &[BuyingRole::DecisionMaker], "Executive", Contact::default());
        let first_meeting = fixtures::stage(&playbook, "b2b_first_meeting");
        let held_first = meeting(
            MeetingPurpose::FirstMeeting,
            Venue::ClientSite,
            MeetingStatus::Held,
            &[1],
            now() - Duration::days(2),
        );
        let committee = [head.clone(), ceo.clone()];
        let meetings = [held_first.clone()];
        assert_eq!(
            unmet(&evaluate(
                first_meeting,
                &snapshot(&deal, &committee, &meetings, true, true)
            )),
            [
                "pain_and_metrics",
                "decision_maker_named",
                "decision_maker_meeting_planned",
                "champion_candidate",
                "trust_endorsement"
            ]
        );
        for key in [
            QualificationKey::IdentifiedPain,
            QualificationKey::Metrics,
            QualificationKey::DecisionProcess,
            QualificationKey::DecisionCriteria,
        ] {
            deal.terms.qualification.0.insert(key, "noted".into());
        }
        let planned = meeting(
            MeetingPurpose::DecisionMakerMeeting,
            Venue::Online,
            MeetingStatus::Planned,
            &[2],
            now() + Duration::days(1),
        );
        let meetings = [held_first.clone(), planned];
        assert_eq!(
            unmet(&evaluate(
                first_meeting,
                &snapshot(&deal, &committee, &meetings, true, true)
            )),
            ["champion_candidate", "trust_endorsement"],
            "the soft ones warn"
        );

        // The decision-maker meeting must be held, attended by a decision-maker, face to face.
        let dm_stage = fixtures::stage(&playbook, "b2b_decision_maker_meeting");
        let online = meeting(
            MeetingPurpose::DecisionMakerMeeting,
            Venue::Online,
            MeetingStatus::Held,
            &[2],
            now(),
        );
        let meetings = [held_first.clone(), online];
        assert_eq!(
            unmet(&evaluate(dm_stage, &snapshot(&deal, &committee, &meetings, true, true)))[0],
            "decision_maker_met_face_to_face"
        );
        let at_ours = meeting(
            MeetingPurpose::DecisionMakerMeeting,
            Venue::OurOffice,
            MeetingStatus::Held,
            &[2],
            now(),
        );
        let meetings = [held_first, at_ours];
        let results = evaluate(dm_stage, &snapshot(&deal, &committee, &meetings, true, true));
        assert!(!unmet(&results).contains(&"decision_maker_met_face_to_face"));
        assert!(
            results
                .iter()
                .any(|r| r.key == "home_ground" && r.verdict == Verdict::Met)
        );
        assert!(
            results
                .iter()
                .any(|r| r.key == "mutual_action_plan" && r.verdict == Verdict::Pending)
        );
        // Gates apply forward only.
        let qualify = fixtures::stage(&playbook, "b2b_qualify");
        let lost = fixtures::stage(&playbook, "b2b_lost");
        assert_eq!(
            check_move(&playbook, dm_stage, qualify, &snapshot(&deal, &[], &[], true, true)),
            GateCheck::default()
        );
        assert_eq!(
            check_move(&playbook, qualify, lost, &snapshot(&deal, &[], &[], true, true)),
            GateCheck::default()
        );
    }

    #[test]
    fn every_default_stage_declares_its_criteria_with_their_differences() {
        for template in [B2C_DEFAULT, B2B_DEFAULT] {
            for stage in template.stages.iter().filter(|s| s.status == DealStatus::Open) {
                let criteria = criteria_for(stage.key);
                assert!(!criteria.is_empty(), "{} has exit criteria", stage.key);
                for c in criteria {
                    assert!(
                        !c.differences.is_empty() && c.differences.iter().all(|d| d.len() == 2 && d.starts_with('D'))
                    );
                    assert!(!c.action.is_empty() && !c.requirement.is_empty());
                }
            }
        }
    }
}
