//! What backs a deal with trust (endorsements) and requests for introductions (§4.11).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::*;

string_enum!(
    /// What backs a B2B deal with trust the buyer already has (D5).
    EndorsementKind {
        /// A customer they know vouches for us.
        ReferenceCustomer => "reference_customer",
        /// Someone they know introduced us.
        WarmIntro => "warm_intro",
        /// We know people in common.
        MutualConnection => "mutual_connection",
        IndustryAssociation => "industry_association",
        Certification => "certification",
        CaseStudy => "case_study",
    }
);

impl EndorsementKind {
    /// Kinds that stand on a person vouching, who must be named.
    fn needs_person(self) -> bool {
        matches!(
            self,
            EndorsementKind::ReferenceCustomer | EndorsementKind::WarmIntro | EndorsementKind::MutualConnection
        )
    }
}

/// An endorsement as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorsementDraft {
    pub kind: EndorsementKind,
    /// Who vouches: needed for a reference customer, a warm introduction or a mutual connection.
    pub by_person_id: Option<PartyId>,
    /// The meeting where it was used, if any.
    pub meeting_id: Option<MeetingId>,
    /// Up to 20,000 characters.
    pub note: Option<String>,
}

/// An endorsement's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EndorsementFields {
    pub deal_id: DealId,
    pub kind: EndorsementKind,
    pub by_person_id: Option<PartyId>,
    pub meeting_id: Option<MeetingId>,
    pub note: Option<String>,
    pub recorded_by: UserId,
}

/// A stored endorsement of a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Endorsement {
    pub id: EndorsementId,
    #[serde(flatten)]
    pub fields: EndorsementFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl EndorsementDraft {
    pub fn parse(&self, deal_id: DealId, recorded_by: UserId) -> Result<EndorsementFields, ValidationErrors> {
        let mut check = Validation::new();
        if self.kind.needs_person() && self.by_person_id.is_none() {
            check.push("by_person_id", format!("a {} names who vouches", self.kind));
        }
        let note = check.check(
            "note",
            crate::text::optional(self.note.as_deref(), crate::text::BODY_MAX),
        );
        check.finish(|| {
            Some(EndorsementFields {
                deal_id,
                kind: self.kind,
                by_person_id: self.by_person_id,
                meeting_id: self.meeting_id,
                note: note?,
                recorded_by,
            })
        })
    }
}

string_enum!(
    /// Where a request for a warm introduction stands (§4.11).
    IntroStatus {
        /// Written, not sent yet.
        Draft => "draft",
        /// Asked of the connector, waiting for their answer (seven days).
        Requested => "requested",
        Accepted => "accepted",
        Declined => "declined",
        /// The connector made the introduction.
        IntroMade => "intro_made",
        /// The introduction led to a meeting.
        MeetingBooked => "meeting_booked",
        /// Seven days passed without an answer.
        Expired => "expired",
    }
);

/// A connector who has not answered in this many days is not waiting any more.
pub const INTRO_ANSWER_DAYS: i64 = 7;

/// A request for an introduction as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroRequestDraft {
    /// The person to be introduced to.
    pub target_id: PartyId,
    /// Who is asked: a colleague…
    pub connector_user_id: Option<UserId>,
    /// …or someone outside the company.
    pub connector_person_id: Option<PartyId>,
    pub deal_id: Option<DealId>,
    /// What to tell the connector, up to 20,000 characters.
    pub message: Option<String>,
    /// Keep it as a draft instead of asking at once.
    #[serde(default)]
    pub draft: bool,
}

/// A request for an introduction, checked.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IntroRequestFields {
    pub requester_id: UserId,
    pub connector: Participant,
    pub target_id: PartyId,
    pub deal_id: Option<DealId>,
    /// How good the path through the connector was when asked, 0–1.
    pub path_score: f64,
    pub status: IntroStatus,
    pub message: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub requested_at: Option<OffsetDateTime>,
    /// When an unanswered request expires.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    pub decline_reason: Option<String>,
    pub meeting_id: Option<MeetingId>,
}

/// A stored request for an introduction.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IntroRequest {
    pub id: IntroRequestId,
    #[serde(flatten)]
    pub fields: IntroRequestFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// What happens to a request for an introduction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntroStep {
    /// The requester asks the connector.
    Request,
    Accept,
    Decline {
        reason: Option<String>,
    },
    IntroMade,
    MeetingBooked {
        meeting: MeetingId,
    },
}

impl IntroStep {
    fn name(&self) -> &'static str {
        match self {
            IntroStep::Request => "requested",
            IntroStep::Accept => "accepted",
            IntroStep::Decline { .. } => "declined",
            IntroStep::IntroMade => "marked as made",
            IntroStep::MeetingBooked { .. } => "marked as booked",
        }
    }
}

impl IntroRequestDraft {
    pub fn parse(
        &self,
        requester: UserId,
        path_score: f64,
        now: OffsetDateTime,
    ) -> Result<IntroRequestFields, ValidationErrors> {
        let mut check = Validation::new();
        let connector = match (self.connector_person_id, self.connector_user_id) {
            (Some(person), None) => Some(Participant::of(Node::Person(person), None)),
            (None, Some(user)) if user == requester => {
                check.push("connector_user_id", "you cannot introduce yourself");
                None
            }
            (None, Some(user)) => Some(Participant::of(Node::User(user), None)),
            _ => {
                check.push(
                    "connector_user_id",
                    "name the connector: a connector_user_id or a connector_person_id",
                );
                None
            }
        };
        if self.connector_person_id == Some(self.target_id) {
            check.push(
                "connector_person_id",
                "the connector is someone other than the person to meet",
            );
        }
        let message = check.check(
            "message",
            crate::text::optional(self.message.as_deref(), crate::text::BODY_MAX),
        );
        let asked = (!self.draft).then_some(now);
        check.finish(|| {
            Some(IntroRequestFields {
                requester_id: requester,
                connector: connector?,
                target_id: self.target_id,
                deal_id: self.deal_id,
                path_score: path_score.clamp(0.0, 1.0),
                status: if self.draft {
                    IntroStatus::Draft
                } else {
                    IntroStatus::Requested
                },
                message: message?,
                requested_at: asked,
                expires_at: asked.map(|at| at + Duration::days(INTRO_ANSWER_DAYS)),
                answered_at: None,
                decline_reason: None,
                meeting_id: None,
            })
        })
    }
}

impl IntroRequestFields {
    /// The status at `now`: a request left unanswered past its week has expired.
    pub fn status_at(&self, now: OffsetDateTime) -> IntroStatus {
        match (self.status, self.expires_at) {
            (IntroStatus::Requested, Some(end)) if now >= end => IntroStatus::Expired,
            (status, _) => status,
        }
    }

    /// The request after `step` at `now`, or why it cannot happen.
    pub fn step(&self, step: &IntroStep, now: OffsetDateTime) -> Result<IntroRequestFields, ValidationErrors> {
        use IntroStatus::*;
        let current = self.status_at(now);
        let mut next = self.clone();
        match (current, step) {
            (Draft, IntroStep::Request) => {
                next.status = Requested;
                next.requested_at = Some(now);
                next.expires_at = Some(now + Duration::days(INTRO_ANSWER_DAYS));
            }
            (Requested, IntroStep::Accept) => {
                next.status = Accepted;
                next.answered_at = Some(now);
            }
            (Requested, IntroStep::Decline { reason }) => {
                next.status = Declined;
                next.answered_at = Some(now);
                next.decline_reason = crate::text::optional(reason.as_deref(), crate::text::BODY_MAX)
                    .map_err(|m| ValidationErrors::single("reason", m))?;
            }
            (Accepted, IntroStep::IntroMade) => next.status = IntroMade,
            (IntroMade | Accepted, IntroStep::MeetingBooked { meeting }) => {
                next.status = MeetingBooked;
                next.meeting_id = Some(*meeting);
            }
            (status, step) => {
                return Err(ValidationErrors::single(
                    "status",
                    format!("an intro request that is {status} cannot be {}", step.name()),
                ));
            }
        }
        Ok(next)
    }
}
