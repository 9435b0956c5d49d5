//! What happened on a demo deal so far, consistent with the stages it passed: the buying
//! committee, the deal team, the meetings held and planned, and the qualification notes, so that
//! the gates and coverage of every demo deal tell a true story.

use closer_domain::approvals::{Approval, ApprovalFields, ApprovalSubmission, approval_needed, default_matrix};
use closer_domain::billing::{Invoice, InvoiceFields, Payment, PaymentFields, PaymentMethod, PaymentStatus};
use closer_domain::committee::{BuyingRole, ResponseMode, StakeholderFields, Stance};
use closer_domain::contracts::{
    Contract, ContractDraft, ContractStatus, CustomerStepStatus, Signature, SignatureStatus, default_paper_process,
};
use closer_domain::deal::Deal;
use closer_domain::ids::{
    ApprovalId, ContractId, DealTeamMemberId, InvoiceId, MeetingId, PartyId, PaymentId, QuoteId, StakeholderId,
};
use closer_domain::meeting::{
    Attendance, Attendee, InviteResponse, InviteType, Meeting, MeetingFields, MeetingPurpose, MeetingStatus,
    NegotiationPlan, Side, Venue,
};
use closer_domain::playbook::{DealKind, DealStatus};
use closer_domain::pricing::{PaymentTerms, Quote, QuoteFields, QuoteLine, QuoteStatus};
use closer_domain::qualification::{Qualification, QualificationKey};
use closer_domain::record::{Ownership, RecordMeta};
use closer_domain::relationships::InteractionFields;
use closer_domain::team::{DealTeamMember, DealTeamMemberFields, SellerRole, TeamAccess};
use closer_store::stakeholders::StoredStakeholder;
use closer_store::{Tx, approvals, billing, contracts, deal_team, meetings, quotes, stakeholders};
use time::Duration;

use super::Seeder;
use crate::app::AppResult;

/// An employee of the demo organisation: the person and their department.
pub type Staff = (PartyId, String);

/// The qualification notes a deal that passed `stages` has gathered.
pub fn qualification(stages: &[&str], chinese: bool) -> Qualification {
    let passed = |key: &str| stages.contains(&key);
    let mut notes = Qualification::default();
    let mut note = |key, en: &str, zh: &str| {
        notes.0.insert(key, if chinese { zh } else { en }.to_owned());
    };
    if passed("b2c_qualified") {
        note(
            QualificationKey::Need,
            "Wants it installed before the holidays",
            "希望节前安装",
        );
        note(QualificationKey::Budget, "Around the list price", "预算接近标价");
    }
    if passed("b2b_first_meeting") {
        note(
            QualificationKey::IdentifiedPain,
            "Month-end close takes nine days",
            "月底结账需要九天",
        );
    }
    if passed("b2b_decision_maker_meeting") {
        note(
            QualificationKey::Metrics,
            "Close the books in three days",
            "三天内完成结账",
        );
        note(
            QualificationKey::DecisionProcess,
            "Department review, then the CEO decides",
            "部门评审后由总经理决定",
        );
    }
    if passed("b2b_proposal_negotiation") {
        note(
            QualificationKey::DecisionCriteria,
            "Local support and total cost",
            "本地服务与总成本",
        );
    }
    if passed("b2b_company_contract") {
        note(
            QualificationKey::VerbalSelection,
            "The CEO confirmed the choice by e-mail",
            "总经理邮件确认选择我们",
        );
    }
    notes
}

fn attendee(side: Side, person: Option<PartyId>, user: Option<closer_domain::ids::UserId>, attended: bool) -> Attendee {
    Attendee {
        side,
        person_id: person,
        user_id: user,
        invite: InviteType::Required,
        response: InviteResponse::Accepted,
        attendance: if attended {
            Attendance::Attended
        } else {
            Attendance::Unknown
        },
    }
}

/// Adds the committee, team and meetings of a B2B deal that passed `stages`.
#[allow(clippy::too_many_arguments)]
pub async fn tell(
    seeder: &mut Seeder,
    tx: &mut Tx,
    deal: &Deal,
    stages: &[&str],
    staff: &[Staff],
    reps: &[Ownership],
    chinese: bool,
) -> AppResult<()> {
    offer(seeder, tx, deal, stages).await?;
    let signatory = match deal.progress.kind {
        DealKind::B2c => Some(deal.terms.counterparty_id),
        DealKind::B2b => staff.first().map(|(person, _)| *person),
    };
    paperwork(seeder, tx, deal, stages, signatory).await?;
    let (Some(leader), Some(head)) = (staff.first(), staff.get(1)) else {
        return Ok(());
    };
    let passed = |key: &str| stages.contains(&key);
    let owner = deal.ownership.owner_id;
    let start = deal.meta.created_at;
    let meta = |at| RecordMeta::created(at);
    let mut committee = vec![(head, vec![BuyingRole::TechnicalBuyer, BuyingRole::Champion], true)];
    if passed("b2b_first_meeting") {
        committee.push((
            leader,
            vec![BuyingRole::DecisionMaker, BuyingRole::EconomicBuyer],
            false,
        ));
    }
    for (position, ((person, department), roles, key)) in committee.into_iter().enumerate() {
        let stakeholder = StoredStakeholder {
            id: StakeholderId(seeder.ids.next()),
            fields: StakeholderFields {
                deal_id: deal.id,
                person_id: *person,
                department: Some(department.clone()),
                roles: roles.into_iter().collect(),
                is_key_person: key,
                influence: if position == 0 { 4 } else { 5 },
                stance: if position == 0 {
                    Stance::Supporter
                } else {
                    Stance::Neutral
                },
                response_mode: ResponseMode::Growth,
                win_result: None,
            },
            meta: meta(start),
        };
        stakeholders::insert(tx.conn(), seeder.workspace, &stakeholder).await?;
    }
    // A teammate of the owner faces the technical buyer.
    let engineer = reps
        .iter()
        .find(|r| r.owner_id != owner && r.team_id.is_some() && r.team_id == deal.ownership.team_id);
    if let Some(engineer) = engineer {
        let member = DealTeamMember {
            id: DealTeamMemberId(seeder.ids.next()),
            fields: DealTeamMemberFields {
                deal_id: deal.id,
                user_id: engineer.owner_id,
                role: SellerRole::SolutionEngineer,
                covers: SellerRole::SolutionEngineer.default_covers(),
                access: TeamAccess::Edit,
            },
            meta: meta(start),
        };
        deal_team::insert(tx.conn(), seeder.workspace, &member).await?;
    }
    let text = |en: &str, zh: &str| Some(if chinese { zh } else { en }.to_owned());
    // (purpose, venue, who from the buyer, entered at stage, held once the deal left stage)
    let plan = [
        (
            MeetingPurpose::FirstMeeting,
            Venue::ClientSite,
            head.0,
            "b2b_qualify",
            "b2b_first_meeting",
        ),
        (
            MeetingPurpose::DecisionMakerMeeting,
            Venue::OurOffice,
            leader.0,
            "b2b_first_meeting",
            "b2b_decision_maker_meeting",
        ),
        (
            MeetingPurpose::Negotiation,
            Venue::ClientSite,
            leader.0,
            "b2b_decision_maker_meeting",
            "b2b_proposal_negotiation",
        ),
    ];
    for (step, (purpose, venue, person, planned_in, held_after)) in plan.into_iter().enumerate() {
        if !passed(planned_in) {
            continue;
        }
        let held = passed(held_after) && stages.iter().position(|s| *s == held_after) < Some(stages.len() - 1);
        let when = start + Duration::days(2 + 4 * step as i64) + Duration::hours(2);
        let fields = MeetingFields {
            deal_id: Some(deal.id),
            purpose,
            venue,
            location: None,
            status: if held {
                MeetingStatus::Held
            } else {
                MeetingStatus::Confirmed
            },
            planned_start: when,
            planned_end: when + Duration::hours(1),
            actual_start: held.then_some(when),
            actual_end: held.then_some(when + Duration::hours(1)),
            objective: text("Agree the next step towards a decision", "就下一步达成一致"),
            agreed_next_step: if held {
                text("Send the proposal and book the next meeting", "发送方案并约定下次会议")
            } else {
                None
            },
            next_step_due: None,
            outcome_notes: None,
            attendees: vec![
                attendee(Side::Buyer, Some(person), None, held),
                attendee(Side::Seller, None, Some(owner), held),
            ],
            visit_plan: None,
            negotiation_plan: (purpose == MeetingPurpose::Negotiation).then(|| NegotiationPlan {
                objectives: text("Close at list price with a two-year term", "以标价签两年合同"),
                walk_away: text("More than 12% discount", "折扣超过12%"),
                ..NegotiationPlan::default()
            }),
            rescheduled_to: None,
            organiser_id: owner,
        };
        let meeting = Meeting::new(MeetingId(seeder.ids.next()), fields, meta(start));
        meetings::insert(tx.conn(), seeder.workspace, &meeting).await?;
        seeder.summary.meetings += 1;
        // Held in Closer, so learnt as an interaction, as logging it would have.
        if let Some(fields) = InteractionFields::of_meeting(&meeting, owner, seeder.now) {
            seeder.interaction(tx, fields).await?;
        }
    }
    Ok(())
}

/// A deal that reached its offer (B2C) or proposal (B2B) stage has given the customer a quote:
/// one line at the deal's amount, accepted when the deal was won.
async fn offer(seeder: &mut Seeder, tx: &mut Tx, deal: &Deal, stages: &[&str]) -> AppResult<()> {
    if !stages
        .iter()
        .any(|s| matches!(*s, "b2c_offer" | "b2b_proposal_negotiation"))
    {
        return Ok(());
    }
    let b2b = deal.progress.kind == DealKind::B2b;
    let sent_at = deal.progress.stage_entered_at.min(seeder.now);
    let won = deal.progress.status == DealStatus::Won;
    let amount = deal.terms.amount.amount_minor;
    let line = QuoteLine::priced(None, deal.terms.title.clone(), 1, amount, amount)
        .map_err(|e| crate::app::AppError::Invalid(closer_domain::ValidationErrors::single("amount_minor", e)))?;
    let fields = QuoteFields {
        deal_id: deal.id,
        revision: 1,
        currency: deal.terms.amount.currency,
        status: if won { QuoteStatus::Accepted } else { QuoteStatus::Sent },
        lines: vec![line],
        payment_terms: PaymentTerms::default_for(deal.progress.kind),
        valid_until: (seeder.now + Duration::days(if b2b { 30 } else { 10 })).date(),
        notes: None,
        sent_at: Some(sent_at),
        decided_at: won.then_some(sent_at),
        channel: None,
        promotion_codes: Vec::new(),
        promotions: Vec::new(),
    };
    let quote = Quote::new(QuoteId(seeder.ids.next()), fields, RecordMeta::created(sent_at));
    quotes::insert(tx.conn(), seeder.workspace, &quote).await?;
    if won {
        bill(seeder, tx, deal, &quote, sent_at).await?;
    }
    // A team deal: its manager or the founder decides (the founder never approves their own).
    if b2b && deal.progress.status == DealStatus::Open && deal.ownership.team_id.is_some() && seeder.rng.u8(..3) == 0 {
        discount_awaiting_approval(seeder, tx, deal, &quote).await?;
    }
    Ok(())
}

/// The contract of a deal that reached the signing stage: signed if the deal went past it,
/// otherwise under way (a consumer's agreement out for signature, a company contract with the
/// customer's legal department approved and procurement reviewing).
async fn paperwork(
    seeder: &mut Seeder,
    tx: &mut Tx,
    deal: &Deal,
    stages: &[&str],
    signatory: Option<PartyId>,
) -> AppResult<()> {
    let (signing, beyond) = match deal.progress.kind {
        DealKind::B2c => ("b2c_sign_pay", "b2c_won"),
        DealKind::B2b => ("b2b_company_contract", "b2b_payment"),
    };
    if !stages.contains(&signing) || deal.progress.status == DealStatus::Lost {
        return Ok(());
    }
    let signed = stages.contains(&beyond) || deal.progress.status == DealStatus::Won;
    let draft = ContractDraft {
        their_signatory_ids: signatory.into_iter().collect(),
        cooling_off_days: (deal.progress.kind == DealKind::B2c).then_some(7),
        ..ContractDraft::default()
    };
    let mut fields = draft.parse(
        deal.id,
        deal.progress.kind,
        &deal.terms.title,
        None,
        &default_paper_process(),
    )?;
    let at = deal.progress.stage_entered_at.min(seeder.now);
    let steps = fields.customer_steps.len();
    for (index, step) in fields.customer_steps.iter_mut().enumerate() {
        let (status, opened) = match (signed, index) {
            (true, _) | (false, 0) => (CustomerStepStatus::Approved, true),
            (false, 1) => (CustomerStepStatus::InReview, true),
            _ => (CustomerStepStatus::Waiting, false),
        };
        step.status = status;
        step.opened_at = opened.then_some(at);
        step.decided_at = (status == CustomerStepStatus::Approved).then_some(at);
    }
    fields.status = match (signed, steps) {
        (true, _) => ContractStatus::Executed,
        (false, 0) => ContractStatus::OutForSignature,
        (false, _) => ContractStatus::WithCustomer,
    };
    if fields.status != ContractStatus::WithCustomer {
        fields.signature = Signature {
            provider: Some("paper".into()),
            external_id: None,
            status: Some(if signed {
                SignatureStatus::Completed
            } else {
                SignatureStatus::Sent
            }),
            sent_at: Some(at),
            completed_at: signed.then_some(at),
        };
    }
    fields.executed_at = signed.then_some(at);
    let contract = Contract {
        id: ContractId(seeder.ids.next()),
        fields,
        meta: RecordMeta::created(at),
    };
    contracts::insert(tx.conn(), seeder.workspace, &contract).await?;
    Ok(())
}

/// The invoices of a won deal's accepted quote, issued when it was won: a consumer paid at once
/// by WeChat Pay; a company paid its first instalment by bank transfer once it fell due well
/// before today, and owes the rest.
async fn bill(seeder: &mut Seeder, tx: &mut Tx, deal: &Deal, quote: &Quote, at: time::OffsetDateTime) -> AppResult<()> {
    let b2b = deal.progress.kind == DealKind::B2b;
    for (index, fields) in InvoiceFields::from_quote(quote, deal.terms.counterparty_id)
        .into_iter()
        .enumerate()
    {
        // Numbered here, since a bulk load reads nothing back; the counter is set at the end.
        seeder.invoices_issued += 1;
        let number = seeder.invoices_issued;
        let issued = fields.finalise(format!("INV-{number:06}"), at.date(), false)?;
        // Older company invoices are paid; the last few weeks' are still owed, some late.
        let settled = issued
            .due_date
            .is_some_and(|due| due < (seeder.now - time::Duration::days(20)).date());
        let paid = (!b2b || (index == 0 && settled)) && issued.amount_due_minor > 0;
        let invoice = Invoice {
            id: InvoiceId(seeder.ids.next()),
            fields: if paid {
                issued.with_paid(issued.amount_due_minor)
            } else {
                issued
            },
            meta: RecordMeta::created(at),
        };
        billing::insert_invoice(tx.conn(), seeder.workspace, &invoice).await?;
        if paid {
            let payment = Payment {
                id: PaymentId(seeder.ids.next()),
                fields: PaymentFields {
                    invoice_id: invoice.id,
                    deal_id: deal.id,
                    method: if b2b {
                        PaymentMethod::BankTransfer
                    } else {
                        PaymentMethod::WechatPay
                    },
                    currency: invoice.fields.currency,
                    amount_minor: invoice.fields.amount_due_minor,
                    status: PaymentStatus::Succeeded,
                    reference: None,
                    received_at: Some(at),
                    refunded_minor: 0,
                    refunds: Vec::new(),
                },
                meta: RecordMeta::created(at),
            };
            billing::insert_payment(tx.conn(), seeder.workspace, &payment).await?;
        }
    }
    Ok(())
}

/// The customer pushed back on price: a second revision 20% off, waiting for the manager and the
/// director.
async fn discount_awaiting_approval(seeder: &mut Seeder, tx: &mut Tx, deal: &Deal, sent: &Quote) -> AppResult<()> {
    let amount = deal.terms.amount.amount_minor;
    let line = QuoteLine::priced(None, deal.terms.title.clone(), 1, amount, amount - amount / 5)
        .map_err(|e| crate::app::AppError::Invalid(closer_domain::ValidationErrors::single("amount_minor", e)))?;
    let fields = QuoteFields {
        revision: 2,
        status: QuoteStatus::Draft,
        lines: vec![line],
        sent_at: None,
        decided_at: None,
        ..sent.fields.clone()
    };
    let asked_at = seeder.now - Duration::hours(seeder.rng.i64(1..30));
    let draft = Quote::new(QuoteId(seeder.ids.next()), fields, RecordMeta::created(asked_at));
    quotes::insert(tx.conn(), seeder.workspace, &draft).await?;
    let Some(need) = approval_needed(
        &default_matrix(),
        deal.progress.kind,
        &draft.totals,
        draft.fields.currency,
        draft.fields.payment_terms,
    ) else {
        return Ok(());
    };
    let submission = ApprovalSubmission {
        justification: Some("The customer matched a competitor's offer; a two-year term in return".into()),
    };
    let fields = ApprovalFields::submit(&draft, &need, deal.ownership.owner_id, &submission, asked_at)?;
    let approval = Approval {
        id: ApprovalId(seeder.ids.next()),
        fields,
        meta: RecordMeta::created(asked_at),
    };
    approvals::insert(tx.conn(), seeder.workspace, &approval).await?;
    Ok(())
}
