//! Meetings and visits (D4, D8, D9): why we meet, where (our office is home ground; face to face
//! or not follows from the venue), who comes from both sides and who actually attended, the
//! up-front objective and the next step agreed, and the plans for visits and negotiations.
//!
//! Status machine: planned → confirmed (a buyer accepted) → held (logged with a buyer who
//! attended, an objective and an agreed next step) or no-show (no buyer came); planned or
//! confirmed → cancelled or rescheduled (to a new meeting). Held, no-show, cancelled and
//! rescheduled are final. Only attendance counts as evidence; an accepted invite does not.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::ids::{DealId, MeetingId, PartyId, UserId};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX, LABEL_MAX, LabelText, OptionalBodyText};
use crate::validation::{Validation, ValidationErrors, patch};

string_enum!(
    /// Why we meet.
    MeetingPurpose {
        FirstMeeting => "first_meeting", Discovery => "discovery", DecisionMakerMeeting => "decision_maker_meeting",
        Demo => "demo", Workshop => "workshop", Negotiation => "negotiation", ContractReview => "contract_review",
        Signing => "signing", StoreVisit => "store_visit", Kickoff => "kickoff", Other => "other",
    }
);

string_enum!(
    /// Where we meet.
    Venue {
        /// Our office: home ground (D8).
        OurOffice => "our_office", ClientSite => "client_site", Online => "online", Phone => "phone",
        ThirdPlace => "third_place",
    }
);

string_enum!(
    MeetingStatus {
        Planned => "planned", Confirmed => "confirmed", Held => "held", NoShow => "no_show",
        Cancelled => "cancelled", Rescheduled => "rescheduled",
    }
);

string_enum!(
    /// Which side of the table an attendee sits on.
    Side { Buyer => "buyer", Seller => "seller" }
);

string_enum!(InviteType { Required => "required", Optional => "optional", Resource => "resource" });
string_enum!(InviteResponse { None => "none", Accepted => "accepted", Tentative => "tentative", Declined => "declined" });
string_enum!(Attendance { Unknown => "unknown", Attended => "attended", Absent => "absent" });

impl Venue {
    /// In the same room (D9: B2B is won face to face).
    pub fn face_to_face(self) -> bool {
        matches!(self, Venue::OurOffice | Venue::ClientSite | Venue::ThirdPlace)
    }

    /// On our ground (D8).
    pub fn home_ground(self) -> bool {
        self == Venue::OurOffice
    }
}

impl MeetingStatus {
    pub fn is_open(self) -> bool {
        matches!(self, MeetingStatus::Planned | MeetingStatus::Confirmed)
    }
}

/// The longest a meeting may last.
pub const MEETING_MAX: Duration = Duration::days(14);
/// The most attendees a meeting may list.
pub const ATTENDEES_MAX: usize = 100;

/// An attendee as a client names them: a person from the customer's side, or one of our users.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeDraft {
    /// A person on the buyer's side.
    pub person_id: Option<PartyId>,
    /// One of our users (the seller's side).
    pub user_id: Option<UserId>,
    pub invite: Option<InviteType>,
    pub response: Option<InviteResponse>,
}

/// Who is invited and whether they came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attendee {
    pub side: Side,
    pub person_id: Option<PartyId>,
    pub user_id: Option<UserId>,
    pub invite: InviteType,
    pub response: InviteResponse,
    pub attendance: Attendance,
}

/// Logistics of a visit to the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitPlan {
    #[schema(value_type = Option<OptionalBodyText>)]
    pub address: Option<String>,
    #[schema(value_type = Option<LabelText>)]
    pub travel_from: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub depart_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub materials: Option<String>,
}

/// Something we give and what we ask in return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Concession {
    #[schema(value_type = LabelText)]
    pub give: String,
    #[schema(value_type = LabelText)]
    pub get: String,
}

/// How we mean to negotiate (D9).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiationPlan {
    #[schema(value_type = Option<OptionalBodyText>)]
    pub objectives: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub our_opening: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub our_target: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub walk_away: Option<String>,
    #[serde(default)]
    pub concessions: Vec<Concession>,
    /// Best alternative to a negotiated agreement.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub batna: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub their_likely_positions: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub roles_in_room: Option<String>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub agenda: Option<String>,
}

/// A meeting as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingDraft {
    pub deal_id: Option<DealId>,
    pub purpose: MeetingPurpose,
    pub venue: Venue,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub location: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_end: OffsetDateTime,
    /// The up-front contract: what the meeting is to achieve.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub objective: Option<String>,
    #[serde(default)]
    pub attendees: Vec<AttendeeDraft>,
    pub visit_plan: Option<VisitPlan>,
    pub negotiation_plan: Option<NegotiationPlan>,
}

/// Changes to an open meeting. Times change by rescheduling, the outcome by logging.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub purpose: Option<MeetingPurpose>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub venue: Option<Venue>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<OptionalBodyText>)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<OptionalBodyText>)]
    pub objective: Option<Option<String>>,
    /// Replaces the attendee list.
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub attendees: Option<Vec<AttendeeDraft>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub visit_plan: Option<Option<VisitPlan>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub negotiation_plan: Option<Option<NegotiationPlan>>,
}

/// A meeting's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MeetingFields {
    pub deal_id: Option<DealId>,
    pub purpose: MeetingPurpose,
    pub venue: Venue,
    pub location: Option<String>,
    pub status: MeetingStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_end: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub actual_start: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub actual_end: Option<OffsetDateTime>,
    pub objective: Option<String>,
    pub agreed_next_step: Option<String>,
    pub next_step_due: Option<Date>,
    pub outcome_notes: Option<String>,
    pub attendees: Vec<Attendee>,
    pub visit_plan: Option<VisitPlan>,
    pub negotiation_plan: Option<NegotiationPlan>,
    /// The meeting that replaced this one when it was rescheduled.
    pub rescheduled_to: Option<MeetingId>,
    /// The user who arranged the meeting.
    pub organiser_id: UserId,
}

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    #[serde(flatten)]
    pub fields: MeetingFields,
    /// Derived from the venue.
    pub face_to_face: bool,
    /// Derived from the venue: at our office.
    pub home_ground: bool,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl Meeting {
    pub fn new(id: MeetingId, fields: MeetingFields, meta: RecordMeta) -> Self {
        Self {
            id,
            face_to_face: fields.venue.face_to_face(),
            home_ground: fields.venue.home_ground(),
            fields,
            meta,
        }
    }

    /// A buyer-side attendee came.
    pub fn buyer_attended(&self) -> bool {
        self.fields
            .attendees
            .iter()
            .any(|a| a.side == Side::Buyer && a.attendance == Attendance::Attended)
    }

    /// `person` attended this meeting and it was held.
    pub fn attended_by(&self, person: PartyId) -> bool {
        self.fields.status == MeetingStatus::Held
            && self
                .fields
                .attendees
                .iter()
                .any(|a| a.person_id == Some(person) && a.attendance == Attendance::Attended)
    }
}

fn attendees(check: &mut Validation, drafts: &[AttendeeDraft]) -> Option<Vec<Attendee>> {
    let parsed = check.check_each("attendees", drafts, ATTENDEES_MAX, |draft| {
        let side = match (draft.person_id, draft.user_id) {
            (Some(_), None) => Side::Buyer,
            (None, Some(_)) => Side::Seller,
            _ => return Err("name either person_id (the buyer's side) or user_id (ours)".into()),
        };
        Ok(Attendee {
            side,
            person_id: draft.person_id,
            user_id: draft.user_id,
            invite: draft.invite.unwrap_or(InviteType::Required),
            response: draft.response.unwrap_or(InviteResponse::None),
            attendance: Attendance::Unknown,
        })
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for attendee in &parsed {
        let key = (attendee.person_id.map(|p| p.0), attendee.user_id.map(|u| u.0));
        if !seen.insert(key) {
            check.push("attendees", "someone is listed twice");
            return None;
        }
    }
    Some(parsed)
}

fn plan_text(check: &mut Validation, field: &str, value: &Option<String>) -> Option<String> {
    check.check(field, text::optional(value.as_deref(), BODY_MAX)).flatten()
}

fn visit_plan(check: &mut Validation, plan: &Option<VisitPlan>) -> Option<Option<VisitPlan>> {
    let Some(plan) = plan else { return Some(None) };
    let travel_from = check.check(
        "visit_plan.travel_from",
        text::optional(plan.travel_from.as_deref(), LABEL_MAX),
    );
    Some(Some(VisitPlan {
        address: plan_text(check, "visit_plan.address", &plan.address),
        travel_from: travel_from?,
        depart_at: plan.depart_at,
        materials: plan_text(check, "visit_plan.materials", &plan.materials),
    }))
}

fn negotiation_plan(check: &mut Validation, plan: &Option<NegotiationPlan>) -> Option<Option<NegotiationPlan>> {
    let Some(plan) = plan else { return Some(None) };
    let concessions = check.check_each("negotiation_plan.concessions", &plan.concessions, 50, |c| {
        Ok(Concession {
            give: text::required(&c.give, LABEL_MAX)?,
            get: text::required(&c.get, LABEL_MAX)?,
        })
    })?;
    Some(Some(NegotiationPlan {
        objectives: plan_text(check, "negotiation_plan.objectives", &plan.objectives),
        our_opening: plan_text(check, "negotiation_plan.our_opening", &plan.our_opening),
        our_target: plan_text(check, "negotiation_plan.our_target", &plan.our_target),
        walk_away: plan_text(check, "negotiation_plan.walk_away", &plan.walk_away),
        concessions,
        batna: plan_text(check, "negotiation_plan.batna", &plan.batna),
        their_likely_positions: plan_text(
            check,
            "negotiation_plan.their_likely_positions",
            &plan.their_likely_positions,
        ),
        roles_in_room: plan_text(check, "negotiation_plan.roles_in_room", &plan.roles_in_room),
        agenda: plan_text(check, "negotiation_plan.agenda", &plan.agenda),
    }))
}

/// Confirmed once any buyer accepted; planned otherwise.
fn open_status(attendees: &[Attendee]) -> MeetingStatus {
    if attendees
        .iter()
        .any(|a| a.side == Side::Buyer && a.response == InviteResponse::Accepted)
    {
        MeetingStatus::Confirmed
    } else {
        MeetingStatus::Planned
    }
}

fn check_times(check: &mut Validation, start: OffsetDateTime, end: OffsetDateTime) {
    if end <= start {
        check.push("planned_end", "must be after planned_start");
    } else if end - start > MEETING_MAX {
        check.push("planned_end", "a meeting lasts at most 14 days");
    }
}

impl MeetingDraft {
    pub fn parse(&self, organiser: UserId) -> Result<MeetingFields, ValidationErrors> {
        let mut check = Validation::new();
        check_times(&mut check, self.planned_start, self.planned_end);
        let location = check.check("location", text::optional(self.location.as_deref(), BODY_MAX));
        let objective = check.check("objective", text::optional(self.objective.as_deref(), BODY_MAX));
        let attendees = attendees(&mut check, &self.attendees);
        let visit = visit_plan(&mut check, &self.visit_plan);
        let negotiation = negotiation_plan(&mut check, &self.negotiation_plan);
        check.finish(|| {
            let attendees = attendees?;
            Some(MeetingFields {
                deal_id: self.deal_id,
                purpose: self.purpose,
                venue: self.venue,
                location: location?,
                status: open_status(&attendees),
                planned_start: self.planned_start,
                planned_end: self.planned_end,
                actual_start: None,
                actual_end: None,
                objective: objective?,
                agreed_next_step: None,
                next_step_due: None,
                outcome_notes: None,
                attendees,
                visit_plan: visit?,
                negotiation_plan: negotiation?,
                rescheduled_to: None,
                organiser_id: organiser,
            })
        })
    }
}

fn require_open(check: &mut Validation, current: &MeetingFields) {
    if !current.status.is_open() {
        check.push(
            "status",
            format!(
                "the meeting is {}; only planned or confirmed meetings change",
                current.status
            ),
        );
    }
}

impl MeetingPatch {
    pub fn apply(&self, current: &MeetingFields) -> Result<MeetingFields, ValidationErrors> {
        let mut check = Validation::new();
        require_open(&mut check, current);
        let location = match &self.location {
            Some(value) => check.check("location", text::optional(value.as_deref(), BODY_MAX)),
            None => Some(current.location.clone()),
        };
        let objective = match &self.objective {
            Some(value) => check.check("objective", text::optional(value.as_deref(), BODY_MAX)),
            None => Some(current.objective.clone()),
        };
        let attendees = match &self.attendees {
            Some(drafts) => attendees(&mut check, drafts),
            None => Some(current.attendees.clone()),
        };
        let visit = match &self.visit_plan {
            Some(plan) => visit_plan(&mut check, plan),
            None => Some(current.visit_plan.clone()),
        };
        let negotiation = match &self.negotiation_plan {
            Some(plan) => negotiation_plan(&mut check, plan),
            None => Some(current.negotiation_plan.clone()),
        };
        check.finish(|| {
            let attendees = attendees?;
            Some(MeetingFields {
                purpose: self.purpose.unwrap_or(current.purpose),
                venue: self.venue.unwrap_or(current.venue),
                location: location?,
                objective: objective?,
                status: open_status(&attendees),
                attendees,
                visit_plan: visit?,
                negotiation_plan: negotiation?,
                ..current.clone()
            })
        })
    }
}

/// Who came, as recorded when a meeting is logged.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceEntry {
    pub person_id: Option<PartyId>,
    pub user_id: Option<UserId>,
    pub attended: bool,
}

string_enum!(
    /// How a meeting ended.
    MeetingOutcome { Held => "held", NoShow => "no_show" }
);

/// Logging a meeting that took place (or that the buyer missed).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingLog {
    pub outcome: MeetingOutcome,
    /// Who came and who did not; attendees left out stay unknown.
    #[serde(default)]
    pub attendance: Vec<AttendanceEntry>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub actual_start: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub actual_end: Option<OffsetDateTime>,
    /// Required for a held meeting: what was agreed to do next.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub agreed_next_step: Option<String>,
    pub next_step_due: Option<Date>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub outcome_notes: Option<String>,
}

impl MeetingLog {
    /// The meeting after logging; a held meeting needs an objective, an agreed next step and a
    /// buyer who attended.
    pub fn apply(&self, current: &MeetingFields) -> Result<MeetingFields, ValidationErrors> {
        let mut check = Validation::new();
        require_open(&mut check, current);
        let next_step = check
            .check(
                "agreed_next_step",
                text::optional(self.agreed_next_step.as_deref(), BODY_MAX),
            )
            .flatten();
        let notes = check
            .check("outcome_notes", text::optional(self.outcome_notes.as_deref(), BODY_MAX))
            .flatten();
        let mut attendees = current.attendees.clone();
        for (index, entry) in self.attendance.iter().enumerate() {
            let found = attendees.iter_mut().find(|a| {
                (entry.person_id.is_some() && a.person_id == entry.person_id)
                    || (entry.user_id.is_some() && a.user_id == entry.user_id)
            });
            match found {
                Some(attendee) => {
                    attendee.attendance = if entry.attended {
                        Attendance::Attended
                    } else {
                        Attendance::Absent
                    };
                }
                None => check.push(format!("attendance[{index}]"), "not an attendee of this meeting"),
            }
        }
        let buyer_came = attendees
            .iter()
            .any(|a| a.side == Side::Buyer && a.attendance == Attendance::Attended);
        let status = match self.outcome {
            MeetingOutcome::Held => {
                if current.objective.is_none() {
                    check.push(
                        "objective",
                        "set the meeting's objective before logging it as held (the up-front contract)",
                    );
                }
                if next_step.is_none() {
                    check.push(
                        "agreed_next_step",
                        "a held meeting records the next step both sides agreed",
                    );
                }
                if !buyer_came {
                    check.push(
                        "attendance",
                        "a held meeting has at least one attendee from the buyer's side who attended",
                    );
                }
                MeetingStatus::Held
            }
            MeetingOutcome::NoShow => {
                if buyer_came {
                    check.push("outcome", "a buyer attended, so the meeting was held, not a no-show");
                }
                MeetingStatus::NoShow
            }
        };
        if let (Some(start), Some(end)) = (self.actual_start, self.actual_end)
            && end < start
        {
            check.push("actual_end", "must not be before actual_start");
        }
        check.finish(|| {
            Some(MeetingFields {
                status,
                attendees: attendees.clone(),
                actual_start: self.actual_start.or(current.actual_start),
                actual_end: self.actual_end.or(current.actual_end),
                agreed_next_step: next_step.clone(),
                next_step_due: self.next_step_due,
                outcome_notes: notes.clone(),
                ..current.clone()
            })
        })
    }
}

/// Moving a meeting to new times.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingReschedule {
    #[serde(with = "time::serde::rfc3339")]
    pub planned_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_end: OffsetDateTime,
}

impl MeetingReschedule {
    /// The replacement meeting (planned again, responses reset) and the old one marked
    /// rescheduled to it.
    pub fn apply(
        &self,
        current: &MeetingFields,
        replacement: MeetingId,
    ) -> Result<(MeetingFields, MeetingFields), ValidationErrors> {
        let mut check = Validation::new();
        require_open(&mut check, current);
        check_times(&mut check, self.planned_start, self.planned_end);
        check.finish(|| {
            let attendees: Vec<Attendee> = current
                .attendees
                .iter()
                .map(|a| Attendee {
                    response: InviteResponse::None,
                    attendance: Attendance::Unknown,
                    ..a.clone()
                })
                .collect();
            let new = MeetingFields {
                planned_start: self.planned_start,
                planned_end: self.planned_end,
                status: MeetingStatus::Planned,
                attendees,
                rescheduled_to: None,
                ..current.clone()
            };
            let old = MeetingFields {
                status: MeetingStatus::Rescheduled,
                rescheduled_to: Some(replacement),
                ..current.clone()
            };
            Some((old, new))
        })
    }
}

/// Cancels an open meeting.
pub fn cancel(current: &MeetingFields) -> Result<MeetingFields, ValidationErrors> {
    let mut check = Validation::new();
    require_open(&mut check, current);
    check.finish(|| {
        Some(MeetingFields {
            status: MeetingStatus::Cancelled,
            ..current.clone()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn draft(venue: Venue) -> MeetingDraft {
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        MeetingDraft {
            deal_id: None,
            purpose: MeetingPurpose::DecisionMakerMeeting,
            venue,
            location: None,
            planned_start: start,
            planned_end: start + Duration::hours(1),
            objective: Some("Agree the rollout plan".into()),
            attendees: vec![
                AttendeeDraft {
                    person_id: Some(PartyId(Uuid::from_u128(1))),
                    user_id: None,
                    invite: None,
                    response: None,
                },
                AttendeeDraft {
                    person_id: None,
                    user_id: Some(UserId(Uuid::from_u128(2))),
                    invite: None,
                    response: None,
                },
            ],
            visit_plan: None,
            negotiation_plan: None,
        }
    }

    fn organiser() -> UserId {
        UserId(Uuid::from_u128(2))
    }

    #[test]
    fn venue_decides_face_to_face_and_home_ground() {
        assert!(Venue::OurOffice.face_to_face() && Venue::OurOffice.home_ground());
        assert!(Venue::ClientSite.face_to_face() && !Venue::ClientSite.home_ground());
        assert!(!Venue::Online.face_to_face() && !Venue::Phone.face_to_face());
    }

    #[test]
    fn a_held_meeting_needs_a_buyer_who_came_and_a_next_step() {
        let planned = draft(Venue::OurOffice).parse(organiser()).expect("valid");
        assert_eq!(planned.status, MeetingStatus::Planned);
        let log = |attended: bool, next: Option<&str>| MeetingLog {
            outcome: MeetingOutcome::Held,
            attendance: vec![AttendanceEntry {
                person_id: Some(PartyId(Uuid::from_u128(1))),
                user_id: None,
                attended,
            }],
            actual_start: None,
            actual_end: None,
            agreed_next_step: next.map(str::to_owned),
            next_step_due: None,
            outcome_notes: None,
        };
        let fields: Vec<_> = log(false, None)
            .apply(&planned)
            .expect_err("invalid")
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["agreed_next_step", "attendance"]);
        let held = log(true, Some("Send the contract draft"))
            .apply(&planned)
            .expect("valid");
        assert_eq!(held.status, MeetingStatus::Held);
        assert!(cancel(&held).is_err(), "a held meeting stays held");
    }

    #[test]
    fn accepting_confirms_and_rescheduling_links_the_new_meeting() {
        let mut accepted = draft(Venue::ClientSite);
        accepted.attendees[0].response = Some(InviteResponse::Accepted);
        let confirmed = accepted.parse(organiser()).expect("valid");
        assert_eq!(confirmed.status, MeetingStatus::Confirmed);
        let later = MeetingReschedule {
            planned_start: confirmed.planned_start + Duration::days(2),
            planned_end: confirmed.planned_end + Duration::days(2),
        };
        let (old, new) = later.apply(&confirmed, MeetingId(Uuid::from_u128(9))).expect("valid");
        assert_eq!(old.status, MeetingStatus::Rescheduled);
        assert_eq!(old.rescheduled_to, Some(MeetingId(Uuid::from_u128(9))));
        assert_eq!(new.status, MeetingStatus::Planned);
        assert_eq!(new.attendees[0].response, InviteResponse::None);
        let mut backwards = draft(Venue::Online);
        backwards.planned_end = backwards.planned_start;
        assert_eq!(
            backwards.parse(organiser()).expect_err("invalid").0[0].field,
            "planned_end"
        );
    }
}
