//! Builders for the domain's unit tests: a deal in a default playbook, stakeholders, meetings.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::committee::{BuyingRole, Contact, ResponseMode, Stakeholder, StakeholderFields, Stance};
use crate::deal::{Deal, DealProgress, DealTerms};
use crate::ids::{DealId, MeetingId, PartyId, PlaybookId, StageId, StakeholderId, UserId};
use crate::meeting::{
    Attendance, Attendee, InviteResponse, InviteType, Meeting, MeetingFields, MeetingPurpose, MeetingStatus, Side,
    Venue,
};
use crate::money::{Currency, Money};
use crate::playbook::{DealStatus, Playbook, PlaybookTemplate, Stage};
use crate::qualification::Qualification;
use crate::record::{Ownership, RecordMeta};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

pub fn playbook(template: &PlaybookTemplate) -> Playbook {
    Playbook {
        id: PlaybookId(Uuid::from_u128(1)),
        key: template.key.into(),
        revision: 1,
        is_default: true,
        name: template.name.into(),
        kind: template.kind,
        allow_skip: template.allow_skip,
        allow_backward: template.allow_backward,
        cycle_budget_min_days: template.cycle_budget_min_days,
        cycle_budget_max_days: template.cycle_budget_max_days,
        won_at: template.won_at,
        stages: template
            .stages
            .iter()
            .zip(1..)
            .map(|(s, position)| Stage {
                id: StageId(Uuid::from_u128(100 + position as u128)),
                key: s.key.into(),
                name: s.name.into(),
                position,
                status: s.status,
                probability: s.probability,
                target_days: s.target_days,
                rot_days: s.rot_days,
                guidance: s.guidance.into(),
                criteria: crate::gates::default_criteria(s.key),
            })
            .collect(),
    }
}

pub fn stage<'a>(playbook: &'a Playbook, key: &str) -> &'a Stage {
    playbook.stages.iter().find(|s| s.key == key).expect("a stage")
}

/// A deal of the playbook's kind in `stage_key`, created `age_days` ago.
pub fn deal(playbook: &Playbook, stage_key: &str, age_days: i64) -> Deal {
    let created = now() - Duration::days(age_days);
    let stage = stage(playbook, stage_key);
    Deal {
        id: DealId(Uuid::from_u128(7)),
        terms: DealTerms {
            title: "Deal".into(),
            counterparty_id: PartyId(Uuid::from_u128(8)),
            amount: Money {
                amount_minor: 100,
                currency: Currency::parse("USD").expect("USD"),
            },
            expected_close: None,
            lead_source: None,
            competitor: None,
            qualification: Qualification::default(),
        },
        ownership: Ownership {
            owner_id: UserId(Uuid::from_u128(9)),
            team_id: None,
        },
        progress: DealProgress {
            kind: playbook.kind,
            playbook_id: playbook.id,
            stage_id: stage.id,
            status: DealStatus::Open,
            stage_entered_at: created,
            closed_at: None,
            lost_reason: None,
            lost_note: None,
        },
        meta: RecordMeta::created(created),
    }
}

pub fn person(n: u128) -> PartyId {
    PartyId(Uuid::from_u128(1_000 + n))
}

pub fn stakeholder(n: u128, roles: &[BuyingRole], department: &str, contact: Contact) -> Stakeholder {
    let fields = StakeholderFields {
        deal_id: DealId(Uuid::from_u128(7)),
        person_id: person(n),
        department: Some(department.into()),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        is_key_person: false,
        influence: 3,
        stance: Stance::Unknown,
        response_mode: ResponseMode::Unknown,
        win_result: None,
    };
    Stakeholder::new(
        StakeholderId(Uuid::from_u128(2_000 + n)),
        fields,
        contact,
        RecordMeta::created(now()),
    )
}

/// A meeting on the deal with the given buyers (by person number) and one of our users.
pub fn meeting(
    purpose: MeetingPurpose,
    venue: Venue,
    status: MeetingStatus,
    buyers: &[u128],
    start: OffsetDateTime,
) -> Meeting {
    let attended = status == MeetingStatus::Held;
    let mut attendees: Vec<Attendee> = buyers
        .iter()
        .map(|n| Attendee {
            side: Side::Buyer,
            person_id: Some(person(*n)),
            user_id: None,
            invite: InviteType::Required,
            response: InviteResponse::Accepted,
            attendance: if attended {
                Attendance::Attended
            } else {
                Attendance::Unknown
            },
        })
        .collect();
    attendees.push(Attendee {
        side: Side::Seller,
        person_id: None,
        user_id: Some(UserId(Uuid::from_u128(9))),
        invite: InviteType::Required,
        response: InviteResponse::Accepted,
        attendance: if attended {
            Attendance::Attended
        } else {
            Attendance::Unknown
        },
    });
    let fields = MeetingFields {
        deal_id: Some(DealId(Uuid::from_u128(7))),
        purpose,
        venue,
        location: None,
        status,
        planned_start: start,
        planned_end: start + Duration::hours(1),
        actual_start: None,
        actual_end: None,
        objective: Some("Objective".into()),
        agreed_next_step: attended.then(|| "Next".to_owned()),
        next_step_due: None,
        outcome_notes: None,
        attendees,
        visit_plan: None,
        negotiation_plan: None,
        rescheduled_to: None,
        organiser_id: UserId(Uuid::from_u128(9)),
    };
    Meeting::new(
        MeetingId(Uuid::from_u128(start.unix_timestamp() as u128)),
        fields,
        RecordMeta::created(now()),
    )
}

/// A one-line quote revision of `deal`: list 100,000, net as given.
pub fn quote(deal: &Deal, n: u128, status: crate::pricing::QuoteStatus, net: i64) -> crate::pricing::Quote {
    use crate::pricing::{PaymentTerms, Quote, QuoteFields, QuoteLine};
    let line = QuoteLine::priced(None, "Platform".into(), 1, 100_000, net).unwrap_or_else(|e| panic!("{e}"));
    let fields = QuoteFields {
        deal_id: deal.id,
        revision: i64::try_from(n).unwrap_or(1),
        currency: deal.terms.amount.currency,
        status,
        lines: vec![line],
        payment_terms: PaymentTerms::Net30,
        valid_until: (now() + Duration::days(30)).date(),
        notes: None,
        sent_at: None,
        decided_at: None,
        channel: None,
        promotion_codes: Vec::new(),
        promotions: Vec::new(),
    };
    Quote::new(
        crate::ids::QuoteId(Uuid::from_u128(n)),
        fields,
        RecordMeta::created(now()),
    )
}

/// A contract of `deal` signed now: a personal agreement for B2C, a company contract whose
/// customer chain approved it for B2B.
pub fn signed_contract(deal: &Deal) -> crate::contracts::Contract {
    use crate::contracts::{
        Contract, ContractDraft, CustomerStepStatus, SignatureEvent, SignatureStatus, default_paper_process,
    };
    let draft = ContractDraft {
        their_signatory_ids: vec![person(99)],
        ..ContractDraft::default()
    };
    let mut fields = draft
        .parse(deal.id, deal.progress.kind, "Contract", None, &default_paper_process())
        .unwrap_or_else(|e| panic!("{e}"));
    for step in &mut fields.customer_steps {
        step.status = CustomerStepStatus::Approved;
    }
    if !fields.customer_steps.is_empty() {
        fields.status = crate::contracts::ContractStatus::CustomerApproved;
    }
    let event = |status| SignatureEvent {
        status,
        provider: None,
        external_id: None,
    };
    let signed = fields
        .send_for_signature(&event(SignatureStatus::Sent), now())
        .and_then(|f| f.signature_news(&event(SignatureStatus::Completed), now()))
        .unwrap_or_else(|e| panic!("{e}"));
    Contract {
        id: crate::ids::ContractId(Uuid::from_u128(77)),
        fields: signed,
        meta: RecordMeta::created(now()),
    }
}

/// A payment of 1,000 that succeeded on `deal`.
pub fn payment(deal: &Deal) -> crate::billing::Payment {
    use crate::billing::{Payment, PaymentFields, PaymentMethod, PaymentStatus};
    Payment {
        id: crate::ids::PaymentId(Uuid::from_u128(88)),
        fields: PaymentFields {
            invoice_id: crate::ids::InvoiceId(Uuid::from_u128(87)),
            deal_id: deal.id,
            method: PaymentMethod::WechatPay,
            currency: deal.terms.amount.currency,
            amount_minor: 1_000,
            status: PaymentStatus::Succeeded,
            reference: None,
            received_at: Some(now()),
            refunded_minor: 0,
            refunds: Vec::new(),
        },
        meta: RecordMeta::created(now()),
    }
}

/// A call to `deal`'s customer that ended `minutes_ago` with `disposition`.
pub fn call(
    deal: &Deal,
    disposition: crate::telemarketing::Disposition,
    minutes_ago: i64,
) -> crate::telemarketing::CallAttempt {
    use crate::ids::{CallAttemptId, CallCampaignId, CallEntryId};
    use crate::telemarketing::{CallAttempt, CallAttemptFields};
    let ended_at = now() - Duration::minutes(minutes_ago);
    CallAttempt {
        id: CallAttemptId(Uuid::from_u128(50 + u128::try_from(minutes_ago).unwrap_or(0))),
        fields: CallAttemptFields {
            campaign_id: CallCampaignId(Uuid::from_u128(40)),
            entry_id: CallEntryId(Uuid::from_u128(41)),
            person_id: deal.terms.counterparty_id,
            agent_id: deal.ownership.owner_id,
            disposition,
            script_version: 1,
            started_at: ended_at - Duration::minutes(3),
            ended_at,
            talk_seconds: Some(120),
            notes: None,
            callback_at: None,
        },
        meta: RecordMeta::created(ended_at),
    }
}
