//! Next best actions: the rules of the design (R1.x…R9.x) that the deal's records can check,
//! each carrying the differences it comes from. Rules propose; people act, dismiss (with a
//! reason, kept) or snooze. Gate rules (R1.1, R1.2, R4.2–R4.4, R9.3) live in `gates`.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::approvals::{ApprovalReason, ApprovalStatus, approval_still_needed, approved_base};
use crate::committee::{BuyingRole, Engagement, ResponseMode, Stance, coverage};
use crate::cycle::DealHealth;
use crate::gates::Snapshot;
use crate::meeting::{InviteResponse, Meeting, MeetingPurpose, MeetingStatus, Side, Venue};
use crate::playbook::{DealKind, DealStatus, Playbook};
use crate::pricing::QuoteStatus;
use crate::team::SellerRole;

/// One proposed action on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Proposal {
    /// Stable while the situation lasts: the rule and what it is about (`R1.7:<stakeholder>`).
    pub key: String,
    pub rule: String,
    pub differences: Vec<String>,
    /// Higher first.
    pub priority: i32,
    /// In English.
    pub title: String,
    /// In English.
    pub action: String,
    /// Which text this is (a key of [`MESSAGES`]), for showing it in another language.
    pub message: String,
    /// What fills the message's `{0}`, `{1}`…: numbers, or labels named by their translation
    /// key (`purpose.negotiation`).
    pub args: Vec<String>,
}

/// Every text a rule proposes: its key, title and action in English. `{0}`, `{1}`… stand for the
/// proposal's arguments; translations use the same keys.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "first_meeting_without_decision_maker",
        "The first meeting was held without the decision-maker",
        "Ask the key person how decisions and sign-off work and who signs; ask for an introduction to the decision-maker",
    ),
    (
        "single_threaded",
        "Single-threaded: {0} stakeholder(s) met or warmly connected, {1} department(s) met",
        "Meet a technical, finance or procurement stakeholder as well",
    ),
    (
        "no_need_to_change",
        "An influential stakeholder is in {0} mode",
        "Teach: bring a commercial insight tailored to what this person needs to win",
    ),
    (
        "influential_opponent",
        "An influential stakeholder opposes the deal",
        "Give them a counterpart on our team and plan a one-to-one",
    ),
    (
        "champion_going_dark",
        "The champion has not been met for over two weeks",
        "Call the champion",
    ),
    (
        "no_solution_engineer",
        "No solution engineer on the deal team",
        "Add a solution engineer to face the technical buyer",
    ),
    (
        "coverage_gap",
        "{0} has no counterpart",
        "Give this buying role a counterpart on our team",
    ),
    (
        "key_meeting_understaffed",
        "Only {0} of our people invited to the {1}",
        "Invite a solution engineer or an executive sponsor",
    ),
    (
        "key_meeting_away",
        "The {0} is not at our office",
        "Propose to host it at our office: home ground gives the initiative",
    ),
    (
        "visit_without_plan",
        "A visit to the client has no visit plan",
        "Plan the visit: travel, attendees, objectives, materials",
    ),
    (
        "negotiation_without_plan",
        "The negotiation has no negotiation plan",
        "Set objectives, opening, target, walk-away, concessions and BATNA",
    ),
    (
        "meeting_unconfirmed",
        "A face-to-face meeting within a day is not confirmed by the buyer",
        "Call to confirm the meeting",
    ),
    (
        "no_visit_planned",
        "No store or office visit planned",
        "Invite the customer to visit our store or office",
    ),
    (
        "no_next_step",
        "No next step is planned",
        "Plan the next meeting or call",
    ),
    (
        "rotting",
        "Nothing has happened for {0} days",
        "Re-engage: call or meet this week",
    ),
    (
        "over_budget_b2b",
        "Over the {0}-day budget before signature",
        "Ask your manager to review the deal",
    ),
    (
        "over_budget_b2c",
        "Over the {0}-day budget",
        "Move the customer to nurture, or close the deal as lost",
    ),
    (
        "quote_needs_approval",
        "Revision {0} of the quote needs approval before it goes out",
        "Submit it for approval, with why the discount or the terms are worth it",
    ),
    (
        "approval_overdue",
        "The approval of revision {0} is past its SLA at the {1}",
        "Ask the approver to decide; the level above may decide it now",
    ),
    (
        "warm_introduction",
        "{0} can introduce you to {1}",
        "Ask for a warm introduction before reaching out cold",
    ),
    (
        "cold_account",
        "A large deal in a cold account: {0}% warm",
        "Have an executive sponsor reach out to the economic buyer",
    ),
    (
        "discount_before_relationship",
        "A {0} discount is asked before the decision-maker was met",
        "Meet the decision-maker first: in B2B trust moves the deal more than price",
    ),
    (
        "no_endorsement",
        "Nothing backs the deal with trust the buyer already has",
        "Ask a reference customer in their industry or region to vouch for you",
    ),
    (
        "contract_missing",
        "No company contract yet",
        "Draw up the contract with the account's approval chain and confirm it with the champion",
    ),
    (
        "customer_step_slipping",
        "The customer's {0} review has taken longer than its {1} days",
        "Ask the champion to unblock it",
    ),
    (
        "promotion_expiring",
        "The offer's promotion {0} ends in {1} hours",
        "Call the customer now: the price holds only until then",
    ),
    (
        "billing_profile_incomplete",
        "The billing profile lacks {0} detail(s)",
        "Collect the legal entity, tax id, billing address and accounts-payable contact, and whether a PO is needed",
    ),
    (
        "payment_failed",
        "A payment failed",
        "Send the payment link again or offer another method: WeChat Pay, Alipay or card",
    ),
    (
        "invoice_overdue",
        "Invoice {0} is {1} days overdue",
        "Remind accounts payable and give the owner and finance a task",
    ),
    (
        "invoice_overdue_escalate",
        "Invoice {0} is {1} days overdue",
        "Escalate to the champion or the economic buyer",
    ),
    (
        "better_promotion",
        "The price holds the customer back: {0} would give them {1} more",
        "Offer the promotion and send the revised quote",
    ),
    (
        "offer_accepted_on_call",
        "The customer said yes on the call",
        "Send the personal agreement to sign, with its payment link, while they are on the line",
    ),
    (
        "inbound_lead_waiting",
        "An inbound lead has waited {0} minutes without a call",
        "Call now: a lead called within five minutes is far likelier to buy",
    ),
    (
        "slow_stage",
        "{0} days in the stage; its target is {1}",
        "Move the deal on, or record why it waits",
    ),
];

/// `template` with `{0}`, `{1}`… replaced by each argument as `read` reads it.
pub fn fill(template: &str, args: &[String], read: impl Fn(&str) -> String) -> String {
    args.iter().enumerate().fold(template.to_owned(), |text, (i, arg)| {
        text.replace(&format!("{{{i}}}"), &read(arg))
    })
}

/// An argument in plain English: a label key (`purpose.decision_maker_meeting`) reads as its
/// value in words ("decision maker meeting"); anything else as it is.
pub fn english_arg(arg: &str) -> String {
    match arg.split_once('.') {
        Some((_, value)) if arg.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') => {
            value.replace('_', " ")
        }
        _ => arg.to_owned(),
    }
}

fn proposal(
    rule: &str,
    subject: impl std::fmt::Display,
    differences: &[&str],
    priority: i32,
    message: &str,
    args: Vec<String>,
) -> Proposal {
    let (_, title, action) = MESSAGES
        .iter()
        .find(|(key, _, _)| *key == message)
        .copied()
        .unwrap_or((message, message, ""));
    Proposal {
        key: format!("{rule}:{subject}"),
        rule: rule.to_owned(),
        differences: differences.iter().map(|d| (*d).to_owned()).collect(),
        priority,
        title: fill(title, &args, english_arg),
        action: action.to_owned(),
        message: message.to_owned(),
        args,
    }
}

fn upcoming(meeting: &Meeting, now: OffsetDateTime) -> bool {
    matches!(meeting.fields.status, MeetingStatus::Planned | MeetingStatus::Confirmed)
        && meeting.fields.planned_start >= now
}

fn sellers_invited(meeting: &Meeting) -> usize {
    meeting
        .fields
        .attendees
        .iter()
        .filter(|a| a.side == Side::Seller)
        .count()
}

/// The approvals of price and terms: a draft that needs approval (R3.5 for B2B terms and
/// discounts, R5.3 for B2C), a step past its SLA, and a deep B2B discount asked before the
/// decision-maker was met (R5.6).
fn approval_rules(snapshot: &Snapshot, b2b: bool, now: OffsetDateTime, out: &mut Vec<Proposal>) {
    let rule = if b2b { "R3.5" } else { "R5.3" };
    let differences: &[&str] = if b2b { &["D3", "D5"] } else { &["D5"] };
    let base = approved_base(snapshot.approvals);
    for draft in snapshot.quotes.iter().filter(|q| q.fields.status == QuoteStatus::Draft) {
        let asked = snapshot
            .approvals
            .iter()
            .any(|a| a.fields.quote_id == draft.id && a.fields.status == ApprovalStatus::Pending);
        let needed =
            approval_still_needed(snapshot.approval_matrix, snapshot.deal.progress.kind, draft, base).is_some();
        if needed && !asked {
            out.push(proposal(
                rule,
                draft.id,
                differences,
                75,
                "quote_needs_approval",
                vec![draft.fields.revision.to_string()],
            ));
        }
    }
    for request in snapshot
        .approvals
        .iter()
        .filter(|a| a.fields.status == ApprovalStatus::Pending)
    {
        if let Some(late) = request.fields.open_steps().find(|s| s.overdue(now)) {
            out.push(proposal(
                rule,
                format!("sla:{}", request.id),
                differences,
                70,
                "approval_overdue",
                vec![
                    request.fields.revision.to_string(),
                    format!("approver_role.{}", late.role.as_str()),
                ],
            ));
        }
    }
    // R5.6: price before relationship. A discount beyond the manager's tier, asked before anyone
    // who decides has been met, buys nothing that trust would not.
    let decision_maker_met = snapshot
        .meetings
        .iter()
        .any(|m| m.fields.purpose == MeetingPurpose::DecisionMakerMeeting && m.fields.status == MeetingStatus::Held);
    if b2b && !decision_maker_met {
        for request in snapshot.approvals.iter().filter(|a| {
            matches!(a.fields.status, ApprovalStatus::Pending | ApprovalStatus::Approved)
                && a.fields.reasons.contains(&ApprovalReason::Discount)
                && a.fields.discount_bp > DEEP_DISCOUNT_BP
        }) {
            out.push(proposal(
                "R5.6",
                request.id,
                &["D5", "D1"],
                72,
                "discount_before_relationship",
                vec![format!("{}%", request.fields.discount_bp / 100)],
            ));
        }
    }
}

/// The company contract: one is drawn up when the deal reaches the contract stage (R2.2), and a
/// customer approval step in review longer than expected is chased through the champion (R2.4).
fn contract_rules(snapshot: &Snapshot, stage_key: &str, now: OffsetDateTime, out: &mut Vec<Proposal>) {
    let live: Vec<_> = snapshot.contracts.iter().filter(|c| c.fields.live()).collect();
    if stage_key == "b2b_company_contract" && live.is_empty() {
        out.push(proposal("R2.2", "contract", &["D2"], 78, "contract_missing", vec![]));
    }
    for contract in live {
        for step in contract.fields.customer_steps.iter().filter(|s| s.slipping(now)) {
            out.push(proposal(
                "R2.4",
                format!("{}:{}", contract.id, step.function),
                &["D2", "D4"],
                68,
                "customer_step_slipping",
                vec![
                    format!("customer_function.{}", step.function.as_str()),
                    step.expected_days.to_string(),
                ],
            ));
        }
    }
}

/// Getting paid: the billing details collected before the contract (R3.2), a failed consumer
/// payment retried another way (R3.1), and overdue invoices chased by how late they are (R3.4).
fn billing_rules(snapshot: &Snapshot, b2b: bool, stage_key: &str, now: OffsetDateTime, out: &mut Vec<Proposal>) {
    use crate::billing::PaymentStatus;
    if b2b && matches!(stage_key, "b2b_company_contract" | "b2b_payment") {
        let missing = snapshot.billing_profile.map_or(4, |p| p.missing().len());
        if missing > 0 {
            out.push(proposal(
                "R3.2",
                "billing_profile",
                &["D3"],
                66,
                "billing_profile_incomplete",
                vec![missing.to_string()],
            ));
        }
    }
    if !b2b {
        // R5.2: the offer rests on a promotion about to end.
        for quote in snapshot.quotes.iter().filter(|q| q.fields.status == QuoteStatus::Sent) {
            let ending = quote
                .fields
                .promotions
                .iter()
                .filter_map(|p| p.ends_at.map(|end| (p, end)))
                .find(|(_, end)| *end > now && *end - now <= Duration::hours(48));
            if let Some((promotion, end)) = ending {
                out.push(proposal(
                    "R5.2",
                    quote.id,
                    &["D5", "D7"],
                    84,
                    "promotion_expiring",
                    vec![promotion.name.clone(), (end - now).whole_hours().max(1).to_string()],
                ));
            }
        }
        for payment in snapshot
            .payments
            .iter()
            .filter(|p| p.fields.status == PaymentStatus::Failed)
        {
            let paid_since = snapshot
                .payments
                .iter()
                .any(|p| p.fields.invoice_id == payment.fields.invoice_id && p.fields.net_minor() > 0);
            if !paid_since {
                out.push(proposal("R3.1", payment.id, &["D3"], 90, "payment_failed", vec![]));
            }
        }
    }
    let today = now.date();
    for invoice in snapshot.invoices {
        let late = invoice.fields.days_overdue(today);
        if late > 0 {
            let (priority, message) = if late > 30 {
                (82, "invoice_overdue_escalate")
            } else {
                (72, "invoice_overdue")
            };
            out.push(proposal(
                "R3.4",
                invoice.id,
                &["D3"],
                priority,
                message,
                vec![invoice.fields.number.clone().unwrap_or_default(), late.to_string()],
            ));
        }
    }
}

/// How long a sent consumer quote may wait for payment before the price is taken to hold the
/// customer back (R5.1).
pub const QUOTE_UNPAID_FOR: Duration = Duration::hours(24);
/// How soon an inbound consumer lead is called (R7.3).
pub const SPEED_TO_LEAD: Duration = Duration::minutes(5);
/// After a day a lead is no longer hot: rotting and the cycle budget (R7.1, R7.2) take over.
pub const LEAD_HOT_FOR: Duration = Duration::hours(24);

/// The calls made since the deal began, newest first.
fn calls_since_created<'a>(snapshot: &'a Snapshot) -> impl Iterator<Item = &'a crate::telemarketing::CallAttempt> {
    let created = snapshot.deal.meta.created_at;
    snapshot.calls.iter().filter(move |c| c.fields.ended_at >= created)
}

/// A B2C deal the price holds back (R5.1's trigger): its latest call ended on a price objection,
/// or a quote sent a day ago is still unpaid.
pub fn price_holds_back(snapshot: &Snapshot, now: OffsetDateTime) -> bool {
    use crate::telemarketing::Disposition;
    let deal = snapshot.deal;
    if deal.progress.kind != DealKind::B2c || deal.progress.status != DealStatus::Open {
        return false;
    }
    let objected = calls_since_created(snapshot)
        .next()
        .is_some_and(|c| c.fields.disposition == Disposition::PriceObjection);
    let paid = snapshot.payments.iter().any(|p| p.fields.net_minor() > 0);
    let waiting = snapshot.quotes.iter().any(|q| {
        q.fields.status == QuoteStatus::Sent && q.fields.sent_at.is_some_and(|sent| now - sent >= QUOTE_UNPAID_FOR)
    });
    objected || (waiting && !paid)
}

/// The consumer on the phone (D9 with D2, D5, D7): the best promotion for a customer the price
/// holds back (R5.1), the personal agreement when they said yes on the call (R2.1), and an
/// inbound lead nobody has called within minutes (R7.3).
fn consumer_call_rules(snapshot: &Snapshot, playbook: &Playbook, now: OffsetDateTime, out: &mut Vec<Proposal>) {
    use crate::telemarketing::Disposition;
    if let Some(offer) = snapshot.better_offer.filter(|_| price_holds_back(snapshot, now)) {
        out.push(proposal(
            "R5.1",
            "promotion",
            &["D5"],
            86,
            "better_promotion",
            vec![
                offer.promotions.join(", "),
                format!("{} {}", offer.extra.currency, offer.extra.decimal()),
            ],
        ));
    }
    let latest = calls_since_created(snapshot).next().map(|c| c.fields.disposition);
    let accepted_quote = snapshot.quotes.iter().any(|q| q.fields.status == QuoteStatus::Accepted);
    let said_yes = latest == Some(Disposition::Sale)
        || (accepted_quote && matches!(latest, Some(Disposition::Interested | Disposition::AppointmentSet)));
    if said_yes && !snapshot.contracts.iter().any(|c| c.fields.live()) {
        out.push(proposal(
            "R2.1",
            "agreement",
            &["D2", "D9"],
            92,
            "offer_accepted_on_call",
            vec![],
        ));
    }
    let deal = snapshot.deal;
    let first_stage = playbook.stages.iter().map(|s| s.position).min();
    let at_first_stage = playbook
        .stage(deal.progress.stage_id)
        .is_some_and(|s| Some(s.position) == first_stage);
    let waited = now - deal.meta.created_at;
    let met = snapshot
        .meetings
        .iter()
        .any(|m| m.fields.status == MeetingStatus::Held && m.buyer_attended());
    if deal.terms.lead_source == Some(crate::deal::LeadSource::Inbound)
        && at_first_stage
        && waited >= SPEED_TO_LEAD
        && waited < LEAD_HOT_FOR
        && calls_since_created(snapshot).next().is_none()
        && !met
    {
        out.push(proposal(
            "R7.3",
            "speed_to_lead",
            &["D7", "D9"],
            95,
            "inbound_lead_waiting",
            vec![waited.whole_minutes().to_string()],
        ));
    }
}

/// Colder than this, a large account needs an executive to open doors (R5.7).
const COLD_ACCOUNT: f64 = 0.20;
/// Without an amount band in the approval matrix, a deal is large from this many units of its
/// currency (100,000 dollars, yuan, euros…).
const LARGE_DEAL_UNITS: i64 = 100_000;

/// The amount from which a deal in `currency` counts as large: the lowest amount band the
/// approval matrix sets for that currency (a company that names large deals there has said what
/// large means), else [`LARGE_DEAL_UNITS`].
fn large_deal_minor(matrix: &crate::approvals::ApprovalMatrix, currency: &crate::money::Currency) -> i64 {
    matrix
        .tiers
        .iter()
        .filter_map(|t| t.min_amount.as_ref())
        .filter(|band| band.currency == currency.code())
        .map(|band| band.amount_minor)
        .min()
        .unwrap_or_else(|| LARGE_DEAL_UNITS.saturating_mul(10_i64.pow(u32::from(currency.minor_digits()))))
}

/// D5 for B2B: a warm introduction to a stakeholder not met yet (R5.4), and an executive
/// sponsor for a large deal in a cold account (R5.7).
fn relationship_rules(snapshot: &Snapshot, ties: &crate::relationships::CommitteeTies, out: &mut Vec<Proposal>) {
    for stakeholder in snapshot
        .committee
        .iter()
        .filter(|s| s.engagement == Engagement::Identified)
    {
        let Some(found) = ties.of(stakeholder.fields.person_id) else {
            continue;
        };
        if let Some((introducer, score)) = &found.introducer
            && *score >= crate::relationships::THREAD_REACH
            && !found.intro_asked
        {
            out.push(proposal(
                "R5.4",
                found.person_id,
                &["D5", "D1"],
                58,
                "warm_introduction",
                vec![introducer.clone(), found.name.clone()],
            ));
        }
    }
    let amount = &snapshot.deal.terms.amount;
    if !ties.stakeholders.is_empty()
        && ties.warmth.warmth < COLD_ACCOUNT
        && amount.amount_minor >= large_deal_minor(snapshot.approval_matrix, &amount.currency)
    {
        let percent = (ties.warmth.warmth * 100.0).round().to_string();
        out.push(proposal(
            "R5.7",
            "executive_sponsor",
            &["D5", "D6"],
            64,
            "cold_account",
            vec![percent],
        ));
    }
}

/// Deeper than the sales manager's tier of the default ladder (20%).
const DEEP_DISCOUNT_BP: i64 = 2_000;

/// Everything the rules propose for a deal now, best first.
pub fn propose(
    snapshot: &Snapshot,
    playbook: &Playbook,
    health: Option<&DealHealth>,
    has_open_task: bool,
    now: OffsetDateTime,
) -> Vec<Proposal> {
    let deal = snapshot.deal;
    if deal.progress.status != DealStatus::Open {
        return Vec::new();
    }
    let mut out = Vec::new();
    let b2b = deal.progress.kind == DealKind::B2b;
    let stage = playbook.stage(deal.progress.stage_id);
    let position = stage.map_or(0, |s| s.position);
    let stage_key = stage.map_or("", |s| s.key.as_str());
    let committee = snapshot.committee;

    if b2b {
        // R1.3: a meeting was held, but nobody who decides came.
        let decision_makers: Vec<_> = committee
            .iter()
            .filter(|s| s.fields.is_decision_maker())
            .map(|s| s.fields.person_id)
            .collect();
        for meeting in snapshot
            .meetings
            .iter()
            .filter(|m| m.fields.status == MeetingStatus::Held)
        {
            let came_without_dm =
                meeting.buyer_attended() && !decision_makers.iter().any(|dm| meeting.attended_by(*dm));
            if came_without_dm && meeting.fields.purpose == MeetingPurpose::FirstMeeting {
                out.push(proposal(
                    "R1.3",
                    meeting.id,
                    &["D1"],
                    80,
                    "first_meeting_without_decision_maker",
                    vec![],
                ));
            }
        }
        let covered = coverage(committee);
        // R1.4: single-threaded from the decision-maker stage on. A thread is a stakeholder met,
        // or one the owner reaches warmly enough (§7.3).
        let threads = committee
            .iter()
            .filter(|s| {
                matches!(s.engagement, Engagement::Met | Engagement::Engaged)
                    || snapshot.ties.is_some_and(|t| t.warm_thread(s.fields.person_id))
            })
            .count();
        if position >= 3 && (threads < 2 || covered.departments_engaged.len() < 2) {
            out.push(proposal(
                "R1.4",
                "committee",
                &["D1"],
                70,
                "single_threaded",
                vec![threads.to_string(), covered.departments_engaged.len().to_string()],
            ));
        }
        if let Some(ties) = snapshot.ties {
            relationship_rules(snapshot, ties, &mut out);
        }
        for stakeholder in committee {
            let f = &stakeholder.fields;
            // R1.5: an influential stakeholder who sees no need to change.
            if f.influence >= 4 && matches!(f.response_mode, ResponseMode::EvenKeel | ResponseMode::Overconfident) {
                out.push(proposal(
                    "R1.5",
                    stakeholder.id,
                    &["D1"],
                    50,
                    "no_need_to_change",
                    vec![format!("response_mode.{}", f.response_mode)],
                ));
            }
            // R1.7: an influential opponent.
            if f.influence >= 4 && f.stance == Stance::Opponent {
                out.push(proposal(
                    "R1.7",
                    stakeholder.id,
                    &["D1", "D6"],
                    75,
                    "influential_opponent",
                    vec![],
                ));
            }
            // R1.6: the champion is going dark.
            if position >= 3 && f.roles.contains(&BuyingRole::Champion) {
                let silent = stakeholder.last_met_at.is_none_or(|met| now - met > Duration::days(14));
                if silent || stakeholder.engagement == Engagement::Identified {
                    out.push(proposal(
                        "R1.6",
                        stakeholder.id,
                        &["D1"],
                        65,
                        "champion_going_dark",
                        vec![],
                    ));
                }
            }
        }
        // R6.2: from the decision-maker stage, the team should pair an account owner with a
        // solution engineer; coverage gaps are named.
        if position >= 3 {
            let roles: Vec<SellerRole> = snapshot.team.iter().map(|m| m.fields.role).collect();
            if !roles.contains(&SellerRole::SolutionEngineer) {
                out.push(proposal(
                    "R6.2",
                    "solution_engineer",
                    &["D6"],
                    55,
                    "no_solution_engineer",
                    vec![],
                ));
            }
            for gap in crate::team::coverage(snapshot.team, committee).gap_roles() {
                out.push(proposal(
                    "R6.2",
                    format!("{} has no counterpart", gap.as_str().replace('_', " ")),
                    &["D6"],
                    45,
                    "coverage_gap",
                    vec![format!("role.{gap}")],
                ));
            }
        }
        for meeting in snapshot.meetings.iter().filter(|m| upcoming(m, now)) {
            let key_meeting = matches!(
                meeting.fields.purpose,
                MeetingPurpose::DecisionMakerMeeting | MeetingPurpose::Negotiation
            );
            // R6.3: a key meeting with fewer than two of ours.
            if key_meeting && sellers_invited(meeting) < 2 {
                out.push(proposal(
                    "R6.3",
                    meeting.id,
                    &["D6"],
                    60,
                    "key_meeting_understaffed",
                    vec![
                        sellers_invited(meeting).to_string(),
                        format!("purpose.{}", meeting.fields.purpose),
                    ],
                ));
            }
            // R8.2: a key meeting away from home ground.
            if key_meeting && meeting.fields.venue != Venue::OurOffice {
                out.push(proposal(
                    "R8.2",
                    meeting.id,
                    &["D8"],
                    55,
                    "key_meeting_away",
                    vec![format!("purpose.{}", meeting.fields.purpose)],
                ));
            }
            // R8.3: a visit without a visit plan.
            if meeting.fields.venue == Venue::ClientSite && meeting.fields.visit_plan.is_none() {
                out.push(proposal(
                    "R8.3",
                    meeting.id,
                    &["D8", "D9"],
                    40,
                    "visit_without_plan",
                    vec![],
                ));
            }
            // R9.4: a negotiation without a negotiation plan.
            if meeting.fields.purpose == MeetingPurpose::Negotiation && meeting.fields.negotiation_plan.is_none() {
                out.push(proposal(
                    "R9.4",
                    meeting.id,
                    &["D9"],
                    70,
                    "negotiation_without_plan",
                    vec![],
                ));
            }
            // R9.5: a face-to-face meeting within a day that buyers have not accepted.
            let soon = meeting.fields.planned_start - now <= Duration::hours(24);
            let unconfirmed = meeting
                .fields
                .attendees
                .iter()
                .any(|a| a.side == Side::Buyer && a.response != InviteResponse::Accepted);
            if meeting.face_to_face && soon && unconfirmed {
                out.push(proposal("R9.5", meeting.id, &["D9"], 65, "meeting_unconfirmed", vec![]));
            }
        }
    } else if stage_key == "b2c_qualified"
        && !snapshot
            .meetings
            .iter()
            .any(|m| m.fields.venue == Venue::OurOffice && (upcoming(m, now) || m.fields.status == MeetingStatus::Held))
    {
        // R8.1: bring the consumer to us.
        out.push(proposal("R8.1", "visit", &["D8"], 60, "no_visit_planned", vec![]));
    }

    approval_rules(snapshot, b2b, now, &mut out);
    if b2b {
        contract_rules(snapshot, stage_key, now, &mut out);
        // R5.5: on the way to the leader who decides, something should back us with trust.
        if stage_key == "b2b_first_meeting" && snapshot.endorsements.is_empty() {
            out.push(proposal("R5.5", "endorsement", &["D5"], 62, "no_endorsement", vec![]));
        }
    }
    billing_rules(snapshot, b2b, stage_key, now, &mut out);
    if !b2b {
        consumer_call_rules(snapshot, playbook, now, &mut out);
    }

    // R4.5: nothing is planned next.
    let next_meeting = snapshot.meetings.iter().any(|m| upcoming(m, now));
    if !next_meeting && !has_open_task {
        out.push(proposal("R4.5", "next_step", &["D4"], 60, "no_next_step", vec![]));
    }
    if let Some(health) = health {
        // R7.1: rotting.
        if health.rotting {
            out.push(proposal(
                "R7.1",
                "rotting",
                &["D7"],
                85,
                "rotting",
                vec![(now - health.last_activity_at).whole_days().to_string()],
            ));
        }
        // R7.2: over the cycle budget.
        if health.over_budget {
            let message = if b2b { "over_budget_b2b" } else { "over_budget_b2c" };
            let budget = vec![playbook.cycle_budget_max_days.to_string()];
            out.push(proposal("R7.2", "budget", &["D7"], 80, message, budget));
        }
        // R7.4: longer in the stage than its target, not yet rotting.
        if let Some(target) = stage.and_then(|s| s.target_days)
            && !health.rotting
            && health.days_in_stage > i64::from(target)
        {
            out.push(proposal(
                "R7.4",
                stage_key,
                &["D7"],
                35,
                "slow_stage",
                vec![health.days_in_stage.to_string(), target.to_string()],
            ));
        }
    }
    out.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::Approval;
    use crate::committee::Contact;
    use crate::fixtures::{self, meeting, now, stakeholder};
    use crate::playbook::{B2B_DEFAULT, B2C_DEFAULT};

    fn rules(proposals: &[Proposal]) -> Vec<&str> {
        proposals.iter().map(|p| p.rule.as_str()).collect()
    }

    fn snapshot<'a>(
        deal: &'a crate::deal::Deal,
        committee: &'a [crate::committee::Stakeholder],
        meetings: &'a [Meeting],
    ) -> Snapshot<'a> {
        Snapshot {
            deal,
            counterparty_is_organisation: true,
            counterparty_reachable: true,
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

    #[test]
    fn a_first_meeting_without_the_decision_maker_asks_for_one() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_first_meeting", 3);
        let met = Contact {
            invited: 1,
            attended: 1,
            attended_face_to_face: 1,
            last_met_at: Some(now()),
        };
        let committee = [
            stakeholder(1, &[BuyingRole::TechnicalBuyer], "IT", met),
            stakeholder(2, &[BuyingRole::DecisionMaker], "Executive", Contact::default()),
        ];
        let meetings = [meeting(
            MeetingPurpose::FirstMeeting,
            Venue::ClientSite,
            MeetingStatus::Held,
            &[1],
            now() - Duration::days(1),
        )];
        let proposals = propose(&snapshot(&deal, &committee, &meetings), &playbook, None, false, now());
        assert!(rules(&proposals).contains(&"R1.3"), "{proposals:?}");
        assert!(rules(&proposals).contains(&"R4.5"), "nothing planned next");
        assert!(rules(&proposals).contains(&"R5.5"), "nothing backs the deal yet");
        assert!(proposals.iter().all(|p| !p.differences.is_empty()));
        let reference = crate::relationships::Endorsement {
            id: crate::ids::EndorsementId(uuid::Uuid::from_u128(9)),
            fields: crate::relationships::EndorsementFields {
                deal_id: deal.id,
                kind: crate::relationships::EndorsementKind::ReferenceCustomer,
                by_person_id: Some(crate::ids::PartyId(uuid::Uuid::from_u128(8))),
                meeting_id: None,
                note: None,
                recorded_by: crate::ids::UserId(uuid::Uuid::from_u128(7)),
            },
            meta: crate::record::RecordMeta::created(now()),
        };
        let endorsed = Snapshot {
            endorsements: std::slice::from_ref(&reference),
            ..snapshot(&deal, &committee, &meetings)
        };
        let proposals = propose(&endorsed, &playbook, None, false, now());
        assert!(!rules(&proposals).contains(&"R5.5"), "a reference backs it");
    }

    #[test]
    fn key_meetings_want_home_ground_two_of_us_and_a_plan() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_proposal_negotiation", 15);
        let negotiation = meeting(
            MeetingPurpose::Negotiation,
            Venue::ClientSite,
            MeetingStatus::Planned,
            &[1],
            now() + Duration::hours(5),
        );
        let committee = [stakeholder(1, &[BuyingRole::Champion], "IT", Contact::default())];
        let proposals = propose(
            &snapshot(&deal, &committee, std::slice::from_ref(&negotiation)),
            &playbook,
            None,
            false,
            now(),
        );
        let fired = rules(&proposals);
        for rule in ["R6.3", "R8.2", "R8.3", "R9.4", "R1.4", "R1.6", "R6.2"] {
            assert!(fired.contains(&rule), "{rule} in {fired:?}");
        }
        assert!(!fired.contains(&"R4.5"), "a meeting is planned");
        assert!(!fired.contains(&"R9.5"), "the buyer accepted");
        assert!(proposals.windows(2).all(|w| w[0].priority >= w[1].priority), "ranked");
    }

    #[test]
    fn opponents_and_complacent_influencers_get_attention() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_qualify", 1);
        let mut opponent = stakeholder(1, &[BuyingRole::Finance], "Finance", Contact::default());
        opponent.fields.influence = 5;
        opponent.fields.stance = Stance::Opponent;
        opponent.fields.response_mode = ResponseMode::Overconfident;
        let proposals = propose(
            &snapshot(&deal, std::slice::from_ref(&opponent), &[]),
            &playbook,
            None,
            true,
            now(),
        );
        assert_eq!(rules(&proposals), ["R1.7", "R1.5"]);
    }

    #[test]
    fn b2c_rules_invite_a_visit_and_watch_the_clock() {
        let playbook = fixtures::playbook(&B2C_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2c_qualified", 12);
        let health = crate::cycle::health(&deal, &playbook, deal.meta.created_at, now());
        let proposals = propose(&snapshot(&deal, &[], &[]), &playbook, Some(&health), true, now());
        assert_eq!(rules(&proposals), ["R7.1", "R7.2", "R8.1"]);
        assert!(proposals[1].action.contains("nurture"));
        let fresh = crate::cycle::health(&deal, &playbook, now(), now());
        let proposals = propose(&snapshot(&deal, &[], &[]), &playbook, Some(&fresh), true, now());
        assert!(rules(&proposals).contains(&"R7.4"), "past the stage's 2-day target");
        let mut won = deal.clone();
        won.progress.status = DealStatus::Won;
        assert!(propose(&snapshot(&won, &[], &[]), &playbook, Some(&health), true, now()).is_empty());
    }

    #[test]
    fn approvals_of_price_are_asked_chased_and_weighed_against_the_relationship() {
        use crate::approvals::{ApprovalFields, ApprovalSubmission, approval_needed, default_matrix};
        use crate::pricing::QuoteStatus;
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_proposal_negotiation", 3);
        let at_list = fixtures::quote(&deal, 1, QuoteStatus::Draft, 100_000);
        let deep = fixtures::quote(&deal, 2, QuoteStatus::Draft, 70_000);
        let matrix = default_matrix();
        let keys = |quotes: &[crate::pricing::Quote], approvals: &[Approval], when| {
            let snapshot = Snapshot {
                quotes,
                approvals,
                approval_matrix: &matrix,
                ..snapshot(&deal, &[], &[])
            };
            propose(&snapshot, &playbook, None, true, when)
                .into_iter()
                .filter(|p| matches!(p.rule.as_str(), "R3.5" | "R5.6"))
                .map(|p| p.message)
                .collect::<Vec<_>>()
        };
        assert!(
            keys(std::slice::from_ref(&at_list), &[], now()).is_empty(),
            "list price needs nobody"
        );
        let drafts = [deep.clone()];
        assert_eq!(keys(&drafts, &[], now()), ["quote_needs_approval"]);

        let need = approval_needed(
            &default_matrix(),
            deal.progress.kind,
            &deep.totals,
            deep.fields.currency,
            deep.fields.payment_terms,
        )
        .unwrap_or_else(|| panic!("30% needs approval"));
        let fields = ApprovalFields::submit(
            &deep,
            &need,
            deal.ownership.owner_id,
            &ApprovalSubmission::default(),
            now(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let request = Approval {
            id: crate::ids::ApprovalId(uuid::Uuid::from_u128(77)),
            fields,
            meta: crate::record::RecordMeta::created(now()),
        };
        let asked = [request];
        assert_eq!(
            keys(&drafts, &asked, now()),
            ["discount_before_relationship"],
            "asked, so no reminder; but 30% before meeting the decision-maker"
        );
        let later = now() + time::Duration::hours(25);
        let mut chased = keys(&drafts, &asked, later);
        chased.sort();
        assert_eq!(chased, ["approval_overdue", "discount_before_relationship"]);
    }

    #[test]
    fn getting_paid_is_chased() {
        use crate::billing::{Due, Invoice, InvoiceFields, InvoiceStatus, PaymentStatus};
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_payment", 20);
        let late = Invoice {
            id: crate::ids::InvoiceId(uuid::Uuid::from_u128(5)),
            fields: InvoiceFields {
                deal_id: deal.id,
                customer_id: deal.terms.counterparty_id,
                quote_id: None,
                number: Some("INV-000007".into()),
                status: InvoiceStatus::Open,
                currency: deal.terms.amount.currency,
                label: "net_30".into(),
                amount_due_minor: 1_000,
                amount_paid_minor: 0,
                due: Due::DaysAfterIssue { days: 30 },
                po_number: None,
                issue_date: Some((now() - time::Duration::days(75)).date()),
                due_date: Some((now() - time::Duration::days(45)).date()),
                notes: None,
            },
            meta: crate::record::RecordMeta::created(now()),
        };
        let invoices = [late];
        let overdue = Snapshot {
            invoices: &invoices,
            ..snapshot(&deal, &[], &[])
        };
        let found: Vec<(String, String)> = propose(&overdue, &playbook, None, true, now())
            .into_iter()
            .filter(|p| matches!(p.rule.as_str(), "R3.2" | "R3.4"))
            .map(|p| (p.message, p.title))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "invoice_overdue_escalate".to_owned(),
                    "Invoice INV-000007 is 45 days overdue".to_owned()
                ),
                (
                    "billing_profile_incomplete".to_owned(),
                    "The billing profile lacks 4 detail(s)".to_owned()
                ),
            ]
        );

        let b2c = fixtures::playbook(&B2C_DEFAULT);
        let consumer = fixtures::deal(&b2c, "b2c_sign_pay", 1);
        let mut failed = fixtures::payment(&consumer);
        failed.fields.status = PaymentStatus::Failed;
        let payments = [failed];
        let paid_nothing = Snapshot {
            payments: &payments,
            ..snapshot(&consumer, &[], &[])
        };
        let rules: Vec<String> = propose(&paid_nothing, &b2c, None, true, now())
            .into_iter()
            .map(|p| p.rule)
            .collect();
        assert!(rules.contains(&"R3.1".to_owned()), "{rules:?}");
    }

    #[test]
    fn consumer_calls_bring_the_best_promotion_the_agreement_and_speed_to_lead() {
        use crate::deal::LeadSource;
        use crate::money::{Currency, Money};
        use crate::pricing::QuoteStatus;
        use crate::promotions::BetterOffer;
        use crate::telemarketing::Disposition;
        let playbook = fixtures::playbook(&B2C_DEFAULT);
        let fired = |snapshot: &Snapshot| -> Vec<String> {
            propose(snapshot, &playbook, None, true, now())
                .into_iter()
                .map(|p| p.rule)
                .filter(|r| matches!(r.as_str(), "R5.1" | "R2.1" | "R7.3"))
                .collect()
        };
        let deal = fixtures::deal(&playbook, "b2c_offer", 1);
        let offer = BetterOffer {
            promotions: vec!["Spring sale (code SPRING)".into()],
            extra: Money {
                amount_minor: 12_050,
                currency: Currency::parse("CNY").expect("CNY"),
            },
        };
        // R5.1: a price objection on the latest call, and a promotion that gives more.
        let objected = [fixtures::call(&deal, Disposition::PriceObjection, 10)];
        let held_back = Snapshot {
            calls: &objected,
            better_offer: Some(&offer),
            ..snapshot(&deal, &[], &[])
        };
        let proposals = propose(&held_back, &playbook, None, true, now());
        let best = proposals.iter().find(|p| p.rule == "R5.1").expect("R5.1");
        assert_eq!(
            best.title,
            "The price holds the customer back: Spring sale (code SPRING) would give them CNY 120.50 more"
        );
        assert!(
            fired(&Snapshot {
                better_offer: None,
                ..held_back
            })
            .is_empty(),
            "nothing better to offer"
        );
        let later = [
            fixtures::call(&deal, Disposition::Contacted, 5),
            fixtures::call(&deal, Disposition::PriceObjection, 10),
        ];
        assert!(
            fired(&Snapshot {
                calls: &later,
                ..held_back
            })
            .is_empty(),
            "the objection was answered"
        );
        let before = [fixtures::call(&deal, Disposition::PriceObjection, 3 * 24 * 60)];
        assert!(
            fired(&Snapshot {
                calls: &before,
                ..held_back
            })
            .is_empty(),
            "a call before this deal"
        );
        // …or a quote sent more than a day ago and still unpaid.
        let mut sent = fixtures::quote(&deal, 1, QuoteStatus::Sent, 100_000);
        sent.fields.sent_at = Some(now() - time::Duration::hours(25));
        let quotes = [sent.clone()];
        let unpaid = Snapshot {
            quotes: &quotes,
            better_offer: Some(&offer),
            ..snapshot(&deal, &[], &[])
        };
        assert!(price_holds_back(&unpaid, now()));
        let payments = [fixtures::payment(&deal)];
        assert!(
            !price_holds_back(
                &Snapshot {
                    payments: &payments,
                    ..unpaid
                },
                now()
            ),
            "paid"
        );
        sent.fields.sent_at = Some(now() - time::Duration::hours(2));
        let fresh_quote = [sent];
        assert!(
            !price_holds_back(
                &Snapshot {
                    quotes: &fresh_quote,
                    ..unpaid
                },
                now()
            ),
            "sent today"
        );

        // R2.1: a yes on the call asks for the personal agreement, until there is one.
        let sale = [fixtures::call(&deal, Disposition::Sale, 1)];
        let said_yes = Snapshot {
            calls: &sale,
            ..snapshot(&deal, &[], &[])
        };
        assert_eq!(fired(&said_yes), ["R2.1"]);
        let signed = [fixtures::signed_contract(&deal)];
        assert!(
            fired(&Snapshot {
                contracts: &signed,
                ..said_yes
            })
            .is_empty()
        );
        let interested = [fixtures::call(&deal, Disposition::Interested, 1)];
        let accepted = [fixtures::quote(&deal, 2, QuoteStatus::Accepted, 100_000)];
        let on_the_call = Snapshot {
            calls: &interested,
            ..snapshot(&deal, &[], &[])
        };
        assert!(fired(&on_the_call).is_empty(), "interest alone is no yes");
        assert_eq!(
            fired(&Snapshot {
                quotes: &accepted,
                ..on_the_call
            }),
            ["R2.1"]
        );

        // R7.3: an inbound lead not called within five minutes.
        let mut lead = fixtures::deal(&playbook, "b2c_new_lead", 0);
        lead.terms.lead_source = Some(LeadSource::Inbound);
        lead.meta.created_at = now() - time::Duration::minutes(7);
        let waiting = propose(&snapshot(&lead, &[], &[]), &playbook, None, true, now());
        let alert = waiting.iter().find(|p| p.rule == "R7.3").expect("R7.3");
        assert_eq!(
            (alert.title.as_str(), alert.priority),
            ("An inbound lead has waited 7 minutes without a call", 95)
        );
        let called = [fixtures::call(&lead, Disposition::NoAnswer, 1)];
        assert!(
            fired(&Snapshot {
                calls: &called,
                ..snapshot(&lead, &[], &[])
            })
            .is_empty(),
            "an attempt was made"
        );
        lead.meta.created_at = now() - time::Duration::minutes(4);
        assert!(fired(&snapshot(&lead, &[], &[])).is_empty(), "within the five minutes");
        lead.meta.created_at = now() - time::Duration::hours(25);
        assert!(fired(&snapshot(&lead, &[], &[])).is_empty(), "no longer hot");
        lead.meta.created_at = now() - time::Duration::minutes(7);
        lead.terms.lead_source = Some(LeadSource::Referral);
        assert!(fired(&snapshot(&lead, &[], &[])).is_empty(), "not inbound");
    }

    #[test]
    fn an_offer_resting_on_an_ending_promotion_is_urgent() {
        use crate::pricing::QuoteStatus;
        use crate::promotions::{AppliedPromotion, PromotionClass};
        let playbook = fixtures::playbook(&B2C_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2c_offer", 2);
        let mut quote = fixtures::quote(&deal, 1, QuoteStatus::Sent, 100_000);
        let applied = |hours: i64| AppliedPromotion {
            promotion_id: crate::ids::PromotionId(uuid::Uuid::from_u128(3)),
            campaign_id: None,
            name: "Autumn".into(),
            code: None,
            class: PromotionClass::Order,
            discount_minor: 10_000,
            gift: None,
            ends_at: Some(now() + Duration::hours(hours)),
        };
        let titles = |quote: &crate::pricing::Quote| {
            let quotes = [quote.clone()];
            let with_quote = Snapshot {
                quotes: &quotes,
                ..snapshot(&deal, &[], &[])
            };
            propose(&with_quote, &playbook, None, true, now())
                .into_iter()
                .filter(|p| p.rule == "R5.2")
                .map(|p| p.title)
                .collect::<Vec<_>>()
        };
        quote.fields.promotions = vec![applied(30)];
        assert_eq!(titles(&quote), ["The offer's promotion Autumn ends in 30 hours"]);
        quote.fields.promotions = vec![applied(72)];
        assert!(titles(&quote).is_empty(), "three days left is not urgent yet");
    }

    fn ties(stakeholders: Vec<crate::relationships::StakeholderTies>) -> crate::relationships::CommitteeTies {
        let weighed: Vec<(f64, f64)> = stakeholders.iter().map(|s| (1.0, s.reach)).collect();
        crate::relationships::CommitteeTies {
            warmth: crate::relationships::warmth(&weighed),
            stakeholders,
        }
    }

    fn tied(n: u128, reach: f64, introducer: Option<(&str, f64)>) -> crate::relationships::StakeholderTies {
        crate::relationships::StakeholderTies {
            person_id: fixtures::person(n),
            name: format!("Person {n}"),
            reach,
            introducer: introducer.map(|(who, score)| (who.to_owned(), score)),
            intro_asked: false,
        }
    }

    #[test]
    fn a_familiar_path_to_a_stakeholder_not_met_asks_for_an_introduction() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_qualify", 2);
        let committee = [
            stakeholder(1, &[BuyingRole::DecisionMaker], "Executive", Contact::default()),
            stakeholder(2, &[BuyingRole::Finance], "Finance", Contact::default()),
            stakeholder(3, &[BuyingRole::TechnicalBuyer], "IT", Contact::default()),
        ];
        let known = ties(vec![
            tied(1, 0.55, Some(("Ann Lee", 0.55))),
            tied(2, 0.2, Some(("Bo Chen", 0.2))),
            tied(3, 0.7, None),
        ]);
        let warm = Snapshot {
            ties: Some(&known),
            ..snapshot(&deal, &committee, &[])
        };
        let proposals = propose(&warm, &playbook, None, true, now());
        let intros: Vec<&Proposal> = proposals.iter().filter(|p| p.rule == "R5.4").collect();
        assert_eq!(intros.len(), 1, "only the familiar path through someone: {proposals:?}");
        assert_eq!(intros[0].key, format!("R5.4:{}", fixtures::person(1)));
        assert_eq!(intros[0].title, "Ann Lee can introduce you to Person 1");

        let mut asked = known.clone();
        asked.stakeholders[0].intro_asked = true;
        let already = Snapshot {
            ties: Some(&asked),
            ..snapshot(&deal, &committee, &[])
        };
        assert!(!rules(&propose(&already, &playbook, None, true, now())).contains(&"R5.4"));
        // Without the index nothing is claimed either way.
        assert!(
            !rules(&propose(
                &snapshot(&deal, &committee, &[]),
                &playbook,
                None,
                true,
                now()
            ))
            .contains(&"R5.4")
        );
    }

    #[test]
    fn a_large_deal_in_a_cold_account_needs_an_executive_sponsor() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let mut deal = fixtures::deal(&playbook, "b2b_qualify", 2);
        let committee = [stakeholder(
            1,
            &[BuyingRole::EconomicBuyer],
            "Executive",
            Contact::default(),
        )];
        let cold = ties(vec![tied(1, 0.1, None)]);
        let fired = |deal: &crate::deal::Deal, ties: &crate::relationships::CommitteeTies| {
            let with_ties = Snapshot {
                ties: Some(ties),
                ..snapshot(deal, &committee, &[])
            };
            rules(&propose(&with_ties, &playbook, None, true, now())).contains(&"R5.7")
        };
        assert!(!fired(&deal, &cold), "a small deal");
        deal.terms.amount.amount_minor = 100_000 * 100;
        assert!(fired(&deal, &cold), "large (100,000 dollars) and cold");
        assert!(!fired(&deal, &ties(vec![tied(1, 0.5, None)])), "warm enough");
        // A matrix band in the deal's currency says what large means.
        let mut matrix = crate::approvals::default_matrix();
        matrix.tiers[0].min_amount = Some(crate::approvals::MatrixAmount {
            currency: "USD".into(),
            amount_minor: 1_000_000 * 100,
        });
        let banded = Snapshot {
            ties: Some(&cold),
            approval_matrix: &matrix,
            ..snapshot(&deal, &committee, &[])
        };
        assert!(!rules(&propose(&banded, &playbook, None, true, now())).contains(&"R5.7"));
    }

    #[test]
    fn a_warm_stakeholder_counts_as_a_thread() {
        let playbook = fixtures::playbook(&B2B_DEFAULT);
        let deal = fixtures::deal(&playbook, "b2b_decision_maker_meeting", 8);
        let met = Contact {
            invited: 1,
            attended: 1,
            attended_face_to_face: 1,
            last_met_at: Some(now()),
        };
        let committee = [
            stakeholder(1, &[BuyingRole::Champion], "IT", met),
            stakeholder(2, &[BuyingRole::Finance], "Finance", met),
            stakeholder(3, &[BuyingRole::DecisionMaker], "Executive", Contact::default()),
        ];
        let single = [committee[0].clone(), committee[2].clone()];
        let cold = ties(vec![tied(1, 0.0, None), tied(3, 0.1, None)]);
        let warm = ties(vec![tied(1, 0.0, None), tied(3, 0.6, None)]);
        let fired = |committee: &[crate::committee::Stakeholder], ties: &crate::relationships::CommitteeTies| {
            let with_ties = Snapshot {
                ties: Some(ties),
                ..snapshot(&deal, committee, &[])
            };
            propose(&with_ties, &playbook, None, true, now())
                .into_iter()
                .find(|p| p.rule == "R1.4")
        };
        let alone = fired(&single, &cold).expect("one thread");
        assert_eq!(alone.args[0], "1");
        // Two departments met, and the decision-maker reached warmly: three threads, no warning.
        assert!(fired(&committee, &warm).is_none());
        // One department met stays a warning, however warm.
        let warned = fired(&single, &warm).expect("one department met");
        assert_eq!(warned.args, vec!["2".to_owned(), "1".to_owned()]);
    }
}
