//! Next best actions: the rules of the design (R1.x…R9.x) that the deal's records can check,
//! each carrying the differences it comes from. Rules propose; people act, dismiss (with a
//! reason, kept) or snooze. Gate rules (R1.1, R1.2, R4.2–R4.4, R9.3) live in `gates`.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::committee::{BuyingRole, Engagement, ResponseMode, Stance, coverage};
use crate::cycle::DealHealth;
use crate::gates::Snapshot;
use crate::meeting::{InviteResponse, Meeting, MeetingPurpose, MeetingStatus, Side, Venue};
use crate::playbook::{DealKind, DealStatus, Playbook};
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
    pub title: String,
    pub action: String,
}

fn proposal(
    rule: &str,
    subject: impl std::fmt::Display,
    differences: &[&str],
    priority: i32,
    title: String,
    action: &str,
) -> Proposal {
    Proposal {
        key: format!("{rule}:{subject}"),
        rule: rule.to_owned(),
        differences: differences.iter().map(|d| (*d).to_owned()).collect(),
        priority,
        title,
        action: action.to_owned(),
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
                out.push(proposal("R1.3", meeting.id, &["D1"], 80,
                    "The first meeting was held without the decision-maker".into(),
                    "Ask the key person how decisions and sign-off work and who signs; ask for an introduction to the decision-maker"));
            }
        }
        let covered = coverage(committee);
        // R1.4: single-threaded from the decision-maker stage on.
        if position >= 3 && (covered.threads < 2 || covered.departments_engaged.len() < 2) {
            out.push(proposal(
                "R1.4",
                "committee",
                &["D1"],
                70,
                format!(
                    "Single-threaded: {} stakeholder(s) met in {} department(s)",
                    covered.threads,
                    covered.departments_engaged.len()
                ),
                "Meet a technical, finance or procurement stakeholder as well",
            ));
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
                    format!("An influential stakeholder is in {} mode", f.response_mode),
                    "Teach: bring a commercial insight tailored to what this person needs to win",
                ));
            }
            // R1.7: an influential opponent.
            if f.influence >= 4 && f.stance == Stance::Opponent {
                out.push(proposal(
                    "R1.7",
                    stakeholder.id,
                    &["D1", "D6"],
                    75,
                    "An influential stakeholder opposes the deal".into(),
                    "Give them a counterpart on our team and plan a one-to-one",
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
                        "The champion has not been met for over two weeks".into(),
                        "Call the champion",
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
                    "No solution engineer on the deal team".into(),
                    "Add a solution engineer to face the technical buyer",
                ));
            }
            for gap in crate::team::coverage(snapshot.team, committee).gaps {
                out.push(proposal(
                    "R6.2",
                    &gap,
                    &["D6"],
                    45,
                    gap.clone(),
                    "Give this buying role a counterpart on our team",
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
                    format!(
                        "Only {} of our people invited to the {}",
                        sellers_invited(meeting),
                        meeting.fields.purpose
                    ),
                    "Invite a solution engineer or an executive sponsor",
                ));
            }
            // R8.2: a key meeting away from home ground.
            if key_meeting && meeting.fields.venue != Venue::OurOffice {
                out.push(proposal(
                    "R8.2",
                    meeting.id,
                    &["D8"],
                    55,
                    format!("The {} is not at our office", meeting.fields.purpose),
                    "Propose to host it at our office: home ground gives the initiative",
                ));
            }
            // R8.3: a visit without a visit plan.
            if meeting.fields.venue == Venue::ClientSite && meeting.fields.visit_plan.is_none() {
                out.push(proposal(
                    "R8.3",
                    meeting.id,
                    &["D8", "D9"],
                    40,
                    "A visit to the client has no visit plan".into(),
                    "Plan the visit: travel, attendees, objectives, materials",
                ));
            }
            // R9.4: a negotiation without a negotiation plan.
            if meeting.fields.purpose == MeetingPurpose::Negotiation && meeting.fields.negotiation_plan.is_none() {
                out.push(proposal(
                    "R9.4",
                    meeting.id,
                    &["D9"],
                    70,
                    "The negotiation has no negotiation plan".into(),
                    "Set objectives, opening, target, walk-away, concessions and BATNA",
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
                out.push(proposal(
                    "R9.5",
                    meeting.id,
                    &["D9"],
                    65,
                    "A face-to-face meeting within a day is not confirmed by the buyer".into(),
                    "Call to confirm the meeting",
                ));
            }
        }
    } else if stage_key == "b2c_qualified"
        && !snapshot
            .meetings
            .iter()
            .any(|m| m.fields.venue == Venue::OurOffice && (upcoming(m, now) || m.fields.status == MeetingStatus::Held))
    {
        // R8.1: bring the consumer to us.
        out.push(proposal(
            "R8.1",
            "visit",
            &["D8"],
            60,
            "No store or office visit planned".into(),
            "Invite the customer to visit our store or office",
        ));
    }

    // R4.5: nothing is planned next.
    let next_meeting = snapshot.meetings.iter().any(|m| upcoming(m, now));
    if !next_meeting && !has_open_task {
        out.push(proposal(
            "R4.5",
            "next_step",
            &["D4"],
            60,
            "No next step is planned".into(),
            "Plan the next meeting or call",
        ));
    }
    if let Some(health) = health {
        // R7.1: rotting.
        if health.rotting {
            out.push(proposal(
                "R7.1",
                "rotting",
                &["D7"],
                85,
                format!(
                    "Nothing has happened for {} days",
                    (now - health.last_activity_at).whole_days()
                ),
                "Re-engage: call or meet this week",
            ));
        }
        // R7.2: over the cycle budget.
        if health.over_budget {
            let (title, action) = if b2b {
                (
                    "Over the 25-day budget before signature",
                    "Ask your manager to review the deal",
                )
            } else {
                (
                    "Over the 10-day budget",
                    "Move the customer to nurture, or close the deal as lost",
                )
            };
            out.push(proposal("R7.2", "budget", &["D7"], 80, title.into(), action));
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
                format!("{} days in the stage; its target is {target}", health.days_in_stage),
                "Move the deal on, or record why it waits",
            ));
        }
    }
    out.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(proposals.iter().all(|p| !p.differences.is_empty()));
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
}
