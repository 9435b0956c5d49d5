//! The buying committee of a B2B deal (D1): the people on the customer's side, their buying
//! roles, influence and stance. The key person (关键人, the main contact who drives the deal) is a
//! flag of its own and implies no decision power; decision power comes from the roles.
//!
//! Invariants: a stakeholder is a person; a person sits once on a committee; a committee has at
//! most one economic buyer; engagement is derived from meetings actually attended, never typed in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::ids::{DealId, PartyId, StakeholderId};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, LABEL_MAX, LabelText, OptionalBodyText};
use crate::validation::{Validation, ValidationErrors, patch};

string_enum!(
    /// What a stakeholder does in the buying decision (Miller Heiman, MEDDPICC).
    BuyingRole {
        EconomicBuyer => "economic_buyer", DecisionMaker => "decision_maker", Champion => "champion",
        Coach => "coach", TechnicalBuyer => "technical_buyer", UserBuyer => "user_buyer",
        Influencer => "influencer", Procurement => "procurement", Legal => "legal", Finance => "finance",
        Signatory => "signatory", Gatekeeper => "gatekeeper", Blocker => "blocker",
    }
);

string_enum!(
    /// Where a stakeholder stands on our offer.
    Stance { Supporter => "supporter", Neutral => "neutral", Opponent => "opponent", Unknown => "unknown" }
);

string_enum!(
    /// How a stakeholder sees change (Miller Heiman response modes).
    ResponseMode {
        Growth => "growth", Trouble => "trouble", EvenKeel => "even_keel", Overconfident => "overconfident",
        Unknown => "unknown",
    }
);

string_enum!(
    /// How far we have got with a stakeholder, derived from meetings.
    Engagement {
        /// On the committee, not yet in any meeting.
        Identified => "identified",
        /// Invited to a meeting that has not been held with them.
        Contacted => "contacted",
        /// Attended one held meeting.
        Met => "met",
        /// Attended two or more held meetings, or a champion who was met.
        Engaged => "engaged",
    }
);

/// Influence on the decision, 1 (little) to 5 (decisive).
pub const INFLUENCE_RANGE: std::ops::RangeInclusive<i32> = 1..=5;

/// A stakeholder as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeholderDraft {
    /// A person; usually employed by the deal's organisation.
    pub person_id: PartyId,
    /// Defaults to the person's department at the deal's organisation.
    #[schema(value_type = Option<LabelText>)]
    pub department: Option<String>,
    #[serde(default)]
    pub roles: Vec<BuyingRole>,
    /// The main contact who drives the deal; says nothing about decision power.
    #[serde(default)]
    pub is_key_person: bool,
    /// 1–5, default 3.
    #[schema(minimum = 1, maximum = 5)]
    pub influence: Option<i32>,
    pub stance: Option<Stance>,
    pub response_mode: Option<ResponseMode>,
    /// What this person personally needs to win.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub win_result: Option<String>,
}

/// Changes to a stakeholder; the person never changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeholderPatch {
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub roles: Option<Vec<BuyingRole>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub is_key_person: Option<bool>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false, minimum = 1, maximum = 5)]
    pub influence: Option<i32>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub stance: Option<Stance>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub response_mode: Option<ResponseMode>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<OptionalBodyText>)]
    pub win_result: Option<Option<String>>,
}

/// A stakeholder's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StakeholderFields {
    pub deal_id: DealId,
    pub person_id: PartyId,
    pub department: Option<String>,
    pub roles: BTreeSet<BuyingRole>,
    pub is_key_person: bool,
    pub influence: i32,
    pub stance: Stance,
    pub response_mode: ResponseMode,
    pub win_result: Option<String>,
}

impl StakeholderFields {
    /// Holds a role that can say the final yes.
    pub fn is_decision_maker(&self) -> bool {
        self.roles.contains(&BuyingRole::EconomicBuyer) || self.roles.contains(&BuyingRole::DecisionMaker)
    }
}

fn parse_influence(value: i32) -> Result<i32, String> {
    if INFLUENCE_RANGE.contains(&value) {
        Ok(value)
    } else {
        Err("must be between 1 and 5".into())
    }
}

impl StakeholderDraft {
    /// Checks the draft; `department` is the person's department at the deal's organisation,
    /// used when the draft names none.
    pub fn parse(&self, deal: DealId, department: Option<String>) -> Result<StakeholderFields, ValidationErrors> {
        let mut check = Validation::new();
        let department_given = check.check("department", text::optional(self.department.as_deref(), LABEL_MAX));
        let influence = check.check("influence", parse_influence(self.influence.unwrap_or(3)));
        let win_result = check.check("win_result", text::optional(self.win_result.as_deref(), text::BODY_MAX));
        check.finish(|| {
            Some(StakeholderFields {
                deal_id: deal,
                person_id: self.person_id,
                department: department_given?.or(department),
                roles: self.roles.iter().copied().collect(),
                is_key_person: self.is_key_person,
                influence: influence?,
                stance: self.stance.unwrap_or(Stance::Unknown),
                response_mode: self.response_mode.unwrap_or(ResponseMode::Unknown),
                win_result: win_result?,
            })
        })
    }
}

impl StakeholderPatch {
    pub fn apply(&self, current: &StakeholderFields) -> Result<StakeholderFields, ValidationErrors> {
        let mut check = Validation::new();
        let department = match &self.department {
            Some(value) => check.check("department", text::optional(value.as_deref(), LABEL_MAX)),
            None => Some(current.department.clone()),
        };
        let influence = check.check(
            "influence",
            parse_influence(self.influence.unwrap_or(current.influence)),
        );
        let win_result = match &self.win_result {
            Some(value) => check.check("win_result", text::optional(value.as_deref(), text::BODY_MAX)),
            None => Some(current.win_result.clone()),
        };
        check.finish(|| {
            Some(StakeholderFields {
                department: department?,
                roles: self
                    .roles
                    .as_ref()
                    .map_or_else(|| current.roles.clone(), |r| r.iter().copied().collect()),
                is_key_person: self.is_key_person.unwrap_or(current.is_key_person),
                influence: influence?,
                stance: self.stance.unwrap_or(current.stance),
                response_mode: self.response_mode.unwrap_or(current.response_mode),
                win_result: win_result?,
                ..current.clone()
            })
        })
    }
}

/// What meetings say about a stakeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
pub struct Contact {
    /// Meetings the person was invited to (any status).
    pub invited: u32,
    /// Held meetings the person attended.
    pub attended: u32,
    /// Held face-to-face meetings the person attended.
    pub attended_face_to_face: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_met_at: Option<OffsetDateTime>,
}

impl Contact {
    pub fn engagement(&self, roles: &BTreeSet<BuyingRole>) -> Engagement {
        match self.attended {
            0 if self.invited > 0 => Engagement::Contacted,
            0 => Engagement::Identified,
            1 if !roles.contains(&BuyingRole::Champion) => Engagement::Met,
            _ => Engagement::Engaged,
        }
    }
}

/// A stored stakeholder with what meetings say about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Stakeholder {
    pub id: StakeholderId,
    #[serde(flatten)]
    pub fields: StakeholderFields,
    /// Derived from meetings actually attended.
    pub engagement: Engagement,
    pub met_face_to_face: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_met_at: Option<OffsetDateTime>,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl Stakeholder {
    pub fn new(id: StakeholderId, fields: StakeholderFields, contact: Contact, meta: RecordMeta) -> Self {
        Self {
            id,
            engagement: contact.engagement(&fields.roles),
            met_face_to_face: contact.attended_face_to_face > 0,
            last_met_at: contact.last_met_at,
            fields,
            meta,
        }
    }
}

/// Checks the committee-wide invariants for `candidate` among the other live stakeholders.
pub fn check_committee(candidate: &StakeholderFields, others: &[&StakeholderFields]) -> Result<(), ValidationErrors> {
    let mut check = Validation::new();
    if others.iter().any(|o| o.person_id == candidate.person_id) {
        check.push("person_id", "this person is already on the buying committee");
    }
    if candidate.roles.contains(&BuyingRole::EconomicBuyer)
        && others.iter().any(|o| o.roles.contains(&BuyingRole::EconomicBuyer))
    {
        check.push(
            "roles",
            "the committee already has an economic buyer; a deal has only one (D1)",
        );
    }
    check.finish(|| Some(()))
}

/// How well the committee is covered (D1): departments, threads, the decision-maker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommitteeCoverage {
    pub stakeholders: usize,
    /// Departments with a stakeholder.
    pub departments: Vec<String>,
    /// Departments with a stakeholder we have met.
    pub departments_engaged: Vec<String>,
    /// Stakeholders we have met: the threads the deal hangs by.
    pub threads: usize,
    /// Fewer than two threads: one person leaving or changing their mind ends the deal.
    pub single_threaded: bool,
    pub decision_maker_identified: bool,
    pub decision_maker_met: bool,
    pub key_person_identified: bool,
}

/// The committee's coverage.
pub fn coverage(committee: &[Stakeholder]) -> CommitteeCoverage {
    let met = |s: &&Stakeholder| matches!(s.engagement, Engagement::Met | Engagement::Engaged);
    let departments: BTreeSet<String> = committee.iter().filter_map(|s| s.fields.department.clone()).collect();
    let engaged: BTreeSet<String> = committee
        .iter()
        .filter(met)
        .filter_map(|s| s.fields.department.clone())
        .collect();
    let threads = committee.iter().filter(met).count();
    CommitteeCoverage {
        stakeholders: committee.len(),
        departments: departments.into_iter().collect(),
        departments_engaged: engaged.into_iter().collect(),
        threads,
        single_threaded: threads < 2,
        decision_maker_identified: committee.iter().any(|s| s.fields.is_decision_maker()),
        decision_maker_met: committee.iter().filter(met).any(|s| s.fields.is_decision_maker()),
        key_person_identified: committee.iter().any(|s| s.fields.is_key_person),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn fields(person: u128, roles: &[BuyingRole], department: &str) -> StakeholderFields {
        StakeholderFields {
            deal_id: DealId(Uuid::from_u128(1)),
            person_id: PartyId(Uuid::from_u128(person)),
            department: Some(department.into()),
            roles: roles.iter().copied().collect(),
            is_key_person: false,
            influence: 3,
            stance: Stance::Unknown,
            response_mode: ResponseMode::Unknown,
            win_result: None,
        }
    }

    fn meta() -> RecordMeta {
        RecordMeta::created(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn one_economic_buyer_and_one_seat_per_person() {
        let cfo = fields(10, &[BuyingRole::EconomicBuyer], "Finance");
        let ceo = fields(11, &[BuyingRole::EconomicBuyer, BuyingRole::DecisionMaker], "Executive");
        let errors = check_committee(&ceo, &[&cfo]).expect_err("two economic buyers");
        assert_eq!(errors.0[0].field, "roles");
        assert_eq!(
            check_committee(&fields(10, &[], "IT"), &[&cfo])
                .expect_err("same person")
                .0[0]
                .field,
            "person_id"
        );
        assert!(check_committee(&fields(12, &[BuyingRole::DecisionMaker], "IT"), &[&cfo]).is_ok());
    }

    #[test]
    fn engagement_comes_from_attendance_only() {
        let roles = BTreeSet::new();
        assert_eq!(Contact::default().engagement(&roles), Engagement::Identified);
        assert_eq!(
            Contact {
                invited: 2,
                ..Contact::default()
            }
            .engagement(&roles),
            Engagement::Contacted
        );
        assert_eq!(
            Contact {
                invited: 1,
                attended: 1,
                ..Contact::default()
            }
            .engagement(&roles),
            Engagement::Met
        );
        assert_eq!(
            Contact {
                invited: 2,
                attended: 2,
                ..Contact::default()
            }
            .engagement(&roles),
            Engagement::Engaged
        );
        let champion: BTreeSet<_> = [BuyingRole::Champion].into_iter().collect();
        assert_eq!(
            Contact {
                invited: 1,
                attended: 1,
                ..Contact::default()
            }
            .engagement(&champion),
            Engagement::Engaged
        );
    }

    #[test]
    fn a_key_person_is_not_a_decision_maker_and_one_thread_is_a_warning() {
        let mut head = fields(10, &[BuyingRole::TechnicalBuyer], "IT");
        head.is_key_person = true;
        let met = Contact {
            invited: 1,
            attended: 1,
            attended_face_to_face: 1,
            last_met_at: None,
        };
        let ceo = fields(11, &[BuyingRole::DecisionMaker], "Executive");
        let committee = vec![
            Stakeholder::new(StakeholderId(Uuid::from_u128(1)), head, met, meta()),
            Stakeholder::new(StakeholderId(Uuid::from_u128(2)), ceo, Contact::default(), meta()),
        ];
        let covered = coverage(&committee);
        assert!(covered.key_person_identified && covered.decision_maker_identified);
        assert!(
            !covered.decision_maker_met,
            "meeting the key person is not meeting the decision-maker (D1)"
        );
        assert!(covered.single_threaded);
        assert_eq!(covered.departments, ["Executive", "IT"]);
        assert_eq!(covered.departments_engaged, ["IT"]);
    }
}
