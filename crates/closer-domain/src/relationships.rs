//! Relationship intelligence (D5, §3.10, §7): interactions kept as metadata only (who, with
//! whom, when, how; never what was said), the strength of the tie between two people that they
//! add up to, and the warm paths from a seller to a person on the buying side.
//!
//! A tie keeps, for each of the four half-lives a tie can have (90, 180, 270 and 360 days, as
//! its tenure reaches 0, 1, 2 and 3 whole years), the decayed sum of what its interactions
//! contributed. An interaction arriving adds to the four sums in constant time, and the
//! strength at any later moment decays the sum of the tie's current half-life: the same number
//! §7.1's formula gives, without keeping the interactions in memory.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::committee::BuyingRole;
use crate::ids::{DealId, EndorsementId, InteractionId, IntroRequestId, MeetingId, PartyId, UserId};
use crate::meeting::{Attendance, Meeting, MeetingStatus, Venue};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::validation::{Validation, ValidationErrors};

mod colleagues;
mod graph;
mod ties;
mod trust;
mod warmth;

pub use colleagues::*;
pub use graph::*;
pub use ties::*;
pub use trust::*;
pub use warmth::*;

string_enum!(
    /// How two or more people were in touch.
    InteractionKind {
        /// An e-mail thread; it counts when both sides wrote (`two_way`).
        EmailThread => "email_thread",
        Meeting => "meeting",
        Call => "call",
        /// A chat thread (WeChat, WhatsApp, Slack…); it counts when both sides wrote.
        Message => "message",
        /// Connected on a professional network: weak, and it never fades.
        Connection => "connection",
        /// Someone says they know the other well; it holds for 180 days unless told otherwise.
        ManualAssertion => "manual_assertion",
    }
);

string_enum!(
    /// A participant's part in the interaction.
    Direction { From => "from", To => "to", Cc => "cc", Attendee => "attendee" }
);

string_enum!(
    /// Where an interaction was learnt from.
    InteractionSource {
        /// Recorded through the API.
        Api => "api",
        /// A CSV or iCalendar file.
        Import => "import",
        /// A meeting held and logged in Closer.
        Meeting => "meeting",
    }
);

string_enum!(
    /// How close two people are (§7.1).
    TieBucket { Strong => "strong", Familiar => "familiar", Weak => "weak", None => "none" }
);

/// At most this many participants are listed on one interaction.
pub const PARTICIPANTS_MAX: usize = 50;
/// A manual assertion holds this long unless it says when it ends.
pub const ASSERTION_DAYS: i64 = 180;
/// The longest a manual assertion may hold.
const ASSERTION_MAX_DAYS: i64 = 730;
/// Clocks disagree a little: an interaction may be stamped this far ahead of ours.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// One side of a tie: a person (customer, partner, investor…) or one of our users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Person(PartyId),
    User(UserId),
}

impl Node {
    pub fn uuid(self) -> uuid::Uuid {
        match self {
            Node::Person(id) => id.as_uuid(),
            Node::User(id) => id.as_uuid(),
        }
    }
}

/// A participant as a client sends it: a person or a user, and optionally their part.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantDraft {
    pub person_id: Option<PartyId>,
    pub user_id: Option<UserId>,
    pub direction: Option<Direction>,
}

/// A participant of a stored interaction: exactly one of `person_id` and `user_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub person_id: Option<PartyId>,
    pub user_id: Option<UserId>,
    pub direction: Option<Direction>,
}

impl Participant {
    pub fn node(&self) -> Node {
        match (self.person_id, self.user_id) {
            (Some(person), _) => Node::Person(person),
            (None, Some(user)) => Node::User(user),
            // `parse` lets no participant through without one of the two.
            (None, None) => Node::Person(PartyId(uuid::Uuid::nil())),
        }
    }

    pub fn of(node: Node, direction: Option<Direction>) -> Participant {
        match node {
            Node::Person(id) => Participant {
                person_id: Some(id),
                user_id: None,
                direction,
            },
            Node::User(id) => Participant {
                person_id: None,
                user_id: Some(id),
                direction,
            },
        }
    }
}

/// An interaction as a client sends it. Only metadata: there is no field for a subject or a
/// body, and none is accepted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionDraft {
    pub kind: InteractionKind,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The people and users who took part, 2–50.
    pub participants: Vec<ParticipantDraft>,
    /// Everyone on the thread or in the room, listed or not (defaults to those listed): a big
    /// meeting says less about two of its attendees than a small one.
    pub participant_count: Option<u32>,
    /// E-mail and message threads: both sides wrote.
    #[serde(default)]
    pub two_way: bool,
    /// Meetings: in person rather than online.
    #[serde(default)]
    pub face_to_face: bool,
    /// Calls: how long the call was connected.
    pub duration_seconds: Option<u32>,
    /// Manual assertions: when the assertion stops holding (180 days by default).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// An interaction's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InteractionFields {
    pub kind: InteractionKind,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub participants: Vec<Participant>,
    pub participant_count: u32,
    pub two_way: bool,
    pub face_to_face: bool,
    pub duration_seconds: Option<u32>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub source: InteractionSource,
    /// The record it came from (the meeting logged in Closer), if any.
    pub source_id: Option<uuid::Uuid>,
    pub recorded_by: UserId,
}

/// A stored interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Interaction {
    pub id: InteractionId,
    #[serde(flatten)]
    pub fields: InteractionFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Where an interaction came from and who recorded it.
#[derive(Debug, Clone, Copy)]
pub struct Provenance {
    pub source: InteractionSource,
    pub source_id: Option<uuid::Uuid>,
    pub recorded_by: UserId,
}

impl InteractionDraft {
    pub fn parse(&self, now: OffsetDateTime, provenance: Provenance) -> Result<InteractionFields, ValidationErrors> {
        use InteractionKind::*;
        let mut check = Validation::new();
        if self.occurred_at > now + CLOCK_SKEW {
            check.push("occurred_at", "an interaction is recorded once it happened, not before");
        }
        if self.occurred_at < OffsetDateTime::UNIX_EPOCH {
            check.push("occurred_at", "from 1970 on");
        }
        let pair_only = matches!(self.kind, Connection | ManualAssertion);
        let listed = self.participants.len();
        if pair_only && listed != 2 {
            check.push("participants", format!("a {} is between exactly two people", self.kind));
        } else if !(2..=PARTICIPANTS_MAX).contains(&listed) {
            check.push("participants", format!("from 2 to {PARTICIPANTS_MAX} participants"));
        }
        let mut participants: Vec<Participant> = Vec::with_capacity(listed);
        for (index, draft) in self.participants.iter().enumerate() {
            let at = format!("participants[{index}]");
            let participant = match (draft.person_id, draft.user_id) {
                (Some(_), Some(_)) | (None, None) => {
                    check.push(at, "give a person_id or a user_id, not both");
                    continue;
                }
                (person, user) => Participant {
                    person_id: person,
                    user_id: user,
                    direction: draft.direction,
                },
            };
            if participants.iter().any(|p| p.node() == participant.node()) {
                check.push(at, "listed twice");
                continue;
            }
            participants.push(participant);
        }
        let participant_count = self.participant_count.unwrap_or(listed as u32);
        if (participant_count as usize) < listed || participant_count > 100_000 {
            check.push("participant_count", format!("from the {listed} listed to 100000"));
        }
        if self.duration_seconds.is_some() && self.kind != Call {
            check.push("duration_seconds", "only calls have a duration");
        }
        if self.face_to_face && self.kind != Meeting {
            check.push("face_to_face", "only meetings are face to face");
        }
        if self.two_way && !matches!(self.kind, EmailThread | Message) {
            check.push("two_way", "only e-mail and message threads are one- or two-way");
        }
        let expires_at = match (self.kind, self.expires_at) {
            (ManualAssertion, None) => Some(self.occurred_at + Duration::days(ASSERTION_DAYS)),
            (ManualAssertion, Some(end)) => {
                if end <= self.occurred_at || end > self.occurred_at + Duration::days(ASSERTION_MAX_DAYS) {
                    check.push(
                        "expires_at",
                        format!("after occurred_at, and at most {ASSERTION_MAX_DAYS} days after it"),
                    );
                }
                Some(end)
            }
            (_, Some(_)) => {
                check.push("expires_at", "only manual assertions expire");
                None
            }
            (_, None) => None,
        };
        check.finish(|| {
            Some(InteractionFields {
                kind: self.kind,
                occurred_at: self.occurred_at,
                participants,
                participant_count,
                two_way: self.two_way,
                face_to_face: self.face_to_face,
                duration_seconds: self.duration_seconds,
                expires_at,
                source: provenance.source,
                source_id: provenance.source_id,
                recorded_by: provenance.recorded_by,
            })
        })
    }
}

impl InteractionFields {
    /// The interaction a meeting held and logged in Closer amounts to: the attendees who came
    /// (those not marked absent), a call when it was by phone, face to face when in the same
    /// room; logged ahead of its planned time, it happened `now`. `None` while it is not held,
    /// or when fewer than two came.
    pub fn of_meeting(meeting: &Meeting, recorded_by: UserId, now: OffsetDateTime) -> Option<InteractionFields> {
        if meeting.fields.status != MeetingStatus::Held {
            return None;
        }
        let came: Vec<Participant> = meeting
            .fields
            .attendees
            .iter()
            .filter(|a| a.attendance != Attendance::Absent)
            .filter_map(|a| match (a.person_id, a.user_id) {
                (Some(person), _) => Some(Participant::of(Node::Person(person), Some(Direction::Attendee))),
                (None, Some(user)) => Some(Participant::of(Node::User(user), Some(Direction::Attendee))),
                (None, None) => None,
            })
            .take(PARTICIPANTS_MAX)
            .collect();
        if came.len() < 2 {
            return None;
        }
        let f = &meeting.fields;
        let start = f.actual_start.unwrap_or(f.planned_start);
        let end = f.actual_end.unwrap_or(f.planned_end);
        let by_phone = f.venue == Venue::Phone;
        Some(InteractionFields {
            kind: if by_phone {
                InteractionKind::Call
            } else {
                InteractionKind::Meeting
            },
            occurred_at: start.min(now),
            participant_count: u32::try_from(came.len()).unwrap_or(u32::MAX),
            participants: came,
            two_way: false,
            face_to_face: f.venue.face_to_face(),
            duration_seconds: by_phone.then(|| u32::try_from((end - start).whole_seconds().max(0)).unwrap_or(u32::MAX)),
            expires_at: None,
            source: InteractionSource::Meeting,
            source_id: Some(meeting.id.as_uuid()),
            recorded_by,
        })
    }
}

/// What one interaction adds to the tie between any two of its participants (§7.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Contribution {
    /// Adds `weight`, fading with the tie's half-life; `reciprocal` when it shows both sides
    /// engaged (a two-way thread, a shared meeting, a call).
    Fading { weight: f64, reciprocal: bool },
    /// A network connection: 0.5 that never fades.
    Connection,
    /// "Knows them well" until then: the tie is at least Familiar (0.60).
    Assertion { until: OffsetDateTime },
}

impl InteractionFields {
    pub fn contribution(&self) -> Contribution {
        use InteractionKind::*;
        let small = self.participant_count <= 4;
        match self.kind {
            EmailThread | Message => Contribution::Fading {
                weight: if self.two_way && small { 1.0 } else { 0.0 },
                reciprocal: self.two_way && small,
            },
            Meeting => {
                let weight = match self.participant_count {
                    0..=4 => 3.0,
                    5..=10 => 1.0,
                    _ => 0.0,
                };
                let face = if self.face_to_face { 1.5 } else { 1.0 };
                Contribution::Fading {
                    weight: weight * face,
                    reciprocal: weight > 0.0,
                }
            }
            Call => {
                // A call logged without its length was a conversation; one under a minute was not.
                let connected = self.duration_seconds.is_none_or(|s| s >= 60);
                Contribution::Fading {
                    weight: if connected { 1.5 } else { 0.0 },
                    reciprocal: connected,
                }
            }
            Connection => Contribution::Connection,
            ManualAssertion => Contribution::Assertion {
                until: self
                    .expires_at
                    .unwrap_or(self.occurred_at + Duration::days(ASSERTION_DAYS)),
            },
        }
    }

    /// Every pair of participants the interaction ties, each once.
    pub fn pairs(&self) -> impl Iterator<Item = (Node, Node)> + '_ {
        self.participants
            .iter()
            .enumerate()
            .flat_map(move |(i, a)| self.participants[i + 1..].iter().map(move |b| (a.node(), b.node())))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

    fn person(n: u128) -> PartyId {
        PartyId(uuid::Uuid::from_u128(n))
    }

    fn user(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(1_000 + n))
    }

    fn provenance() -> Provenance {
        Provenance {
            source: InteractionSource::Api,
            source_id: None,
            recorded_by: user(0),
        }
    }

    fn draft(kind: InteractionKind, days_ago: i64, nodes: &[Node]) -> InteractionDraft {
        InteractionDraft {
            kind,
            occurred_at: NOW - Duration::days(days_ago),
            participants: nodes
                .iter()
                .map(|n| ParticipantDraft {
                    person_id: match n {
                        Node::Person(p) => Some(*p),
                        Node::User(_) => None,
                    },
                    user_id: match n {
                        Node::User(u) => Some(*u),
                        Node::Person(_) => None,
                    },
                    direction: None,
                })
                .collect(),
            participant_count: None,
            two_way: kind == InteractionKind::EmailThread,
            face_to_face: false,
            duration_seconds: None,
            expires_at: None,
        }
    }

    fn fields(draft: &InteractionDraft) -> InteractionFields {
        draft.parse(NOW, provenance()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn tie_of(drafts: &[InteractionDraft]) -> Tie {
        let mut tie = Tie::default();
        for d in drafts {
            let f = fields(d);
            tie.add(f.contribution(), f.occurred_at);
        }
        tie
    }

    const A: Node = Node::Person(PartyId(uuid::Uuid::from_u128(1)));
    const B: Node = Node::Person(PartyId(uuid::Uuid::from_u128(2)));

    #[test]
    fn the_worked_checks_of_the_model_hold() {
        let threads: Vec<_> = (0..6)
            .map(|_| draft(InteractionKind::EmailThread, 15, &[A, B]))
            .collect();
        let strong = tie_of(&threads).strength(NOW);
        assert!((strong.score - 0.83).abs() < 0.01, "{strong:?}");
        assert_eq!(strong.bucket, TieBucket::Strong);
        let old_meeting = tie_of(&[draft(InteractionKind::Meeting, 425, &[A, B])]).strength(NOW);
        assert!((old_meeting.score - 0.037).abs() < 0.005, "{old_meeting:?}");
        assert_eq!(old_meeting.bucket, TieBucket::None);
    }

    #[test]
    fn without_both_sides_engaged_there_is_no_relationship() {
        let connected = tie_of(&[draft(InteractionKind::Connection, 400, &[A, B])]).strength(NOW);
        assert_eq!(
            (connected.bucket, (connected.score * 100.0).round()),
            (TieBucket::Weak, 15.0),
            "a connection is weak and never fades"
        );
        let mut one_way = draft(InteractionKind::EmailThread, 1, &[A, B]);
        one_way.two_way = false;
        assert_eq!(
            tie_of(&[one_way.clone(), one_way]).strength(NOW).bucket,
            TieBucket::None
        );
        let mut crowded = draft(InteractionKind::EmailThread, 1, &[A, B]);
        crowded.participant_count = Some(6);
        assert_eq!(
            tie_of(&[crowded]).strength(NOW).score,
            0.0,
            "a thread of six says nothing about two of them"
        );
        let mut big = draft(InteractionKind::Meeting, 1, &[A, B]);
        big.participant_count = Some(11);
        assert_eq!(tie_of(&[big]).strength(NOW).score, 0.0);
        let mut short_call = draft(InteractionKind::Call, 1, &[A, B]);
        short_call.duration_seconds = Some(20);
        assert_eq!(
            tie_of(&[short_call]).strength(NOW).score,
            0.0,
            "a call under a minute did not connect"
        );
    }

    #[test]
    fn meeting_in_person_counts_half_as_much_again() {
        let online = tie_of(&[draft(InteractionKind::Meeting, 30, &[A, B])])
            .strength(NOW)
            .score;
        let mut visit = draft(InteractionKind::Meeting, 30, &[A, B]);
        visit.face_to_face = true;
        let in_person = tie_of(&[visit]).strength(NOW).score;
        let r = |s: f64| -3.0 * (1.0 - s).ln();
        assert!((r(in_person) / r(online) - 1.5).abs() < 1e-3, "{online} {in_person}");
    }

    #[test]
    fn long_ties_fade_slowly_and_new_ones_fast() {
        // The same last call 200 days ago: after three years of calls the tie holds, a new one faded.
        let old_friends: Vec<_> = [1_300, 900, 500, 200]
            .iter()
            .map(|d| draft(InteractionKind::Call, *d, &[A, B]))
            .collect();
        let long = tie_of(&old_friends);
        assert_eq!(long.half_life_days(), 360.0);
        let new = tie_of(&[draft(InteractionKind::Call, 200, &[A, B])]);
        assert_eq!(new.half_life_days(), 90.0);
        assert!(long.strength(NOW).score > 2.0 * new.strength(NOW).score);
    }

    #[test]
    fn an_assertion_holds_the_tie_familiar_until_it_expires() {
        let tie = tie_of(&[draft(InteractionKind::ManualAssertion, 10, &[A, B])]);
        assert_eq!(tie.strength(NOW).score, 0.60);
        assert_eq!(
            tie.strength(NOW + Duration::days(171)).bucket,
            TieBucket::None,
            "180 days after it was made"
        );
    }

    #[test]
    fn interactions_are_checked() {
        let mut future = draft(InteractionKind::Meeting, -2, &[A, B]);
        future.face_to_face = true;
        let errors = |d: &InteractionDraft| -> Vec<String> {
            d.parse(NOW, provenance())
                .err()
                .map(|e| e.0.into_iter().map(|f| f.field).collect())
                .unwrap_or_default()
        };
        assert_eq!(errors(&future), ["occurred_at"]);
        assert_eq!(errors(&draft(InteractionKind::Meeting, 1, &[A])), ["participants"]);
        assert_eq!(
            errors(&draft(InteractionKind::Connection, 1, &[A, B, Node::User(user(1))])),
            ["participants"]
        );
        assert_eq!(
            errors(&draft(InteractionKind::Meeting, 1, &[A, B, A])),
            ["participants[2]"]
        );
        let mut both = draft(InteractionKind::Call, 1, &[A, B]);
        both.participants[0].user_id = Some(user(1));
        both.expires_at = Some(NOW);
        assert_eq!(errors(&both), ["participants[0]", "expires_at"]);
        let mut crowd = draft(InteractionKind::Meeting, 1, &[A, B]);
        crowd.participant_count = Some(1);
        assert_eq!(errors(&crowd), ["participant_count"]);
        let body = serde_json::json!({
            "kind": "email_thread", "occurred_at": "2026-11-01T10:00:00Z", "body": "the text",
            "participants": [{ "person_id": uuid::Uuid::from_u128(1) }, { "person_id": uuid::Uuid::from_u128(2) }]
        });
        assert!(
            serde_json::from_value::<InteractionDraft>(body).is_err(),
            "no message body is taken"
        );
        let assertion = fields(&draft(InteractionKind::ManualAssertion, 0, &[A, B]));
        assert_eq!(assertion.expires_at, Some(NOW + Duration::days(ASSERTION_DAYS)));
    }

    fn graph(interactions: &[InteractionDraft]) -> Graph {
        let mut graph = Graph::new();
        for d in interactions {
            graph.add(&fields(d));
        }
        graph
    }

    #[test]
    fn warm_paths_go_direct_through_colleagues_and_through_one_outside_connector() {
        let (me, colleague, shy) = (Node::User(user(1)), Node::User(user(2)), Node::User(user(3)));
        let (target, friend) = (person(10), Node::Person(person(11)));
        let to = Node::Person(target);
        let threads = |a, b, n: usize| (0..n).map(move |_| draft(InteractionKind::EmailThread, 10, &[a, b]));
        let g = graph(
            &threads(me, to, 1)
                .chain(threads(colleague, to, 4))
                .chain(threads(shy, to, 6))
                .chain(threads(me, friend, 6))
                .chain(threads(friend, to, 6))
                .collect::<Vec<_>>(),
        );
        let shares = |u: UserId| u != user(3);
        let paths = g.paths(user(1), target, NOW, shares);
        let vias: Vec<Via> = paths.iter().map(|p| p.via).collect();
        assert_eq!(
            vias,
            [Via::Colleague(user(2)), Via::Connector(person(11)), Via::Direct],
            "{paths:?}"
        );
        let outside = paths[1];
        assert!((outside.score - outside.first_hop.score * outside.last_hop.score * 0.8).abs() < 1e-9);
        assert!(
            !vias.contains(&Via::Colleague(user(3))),
            "a colleague who does not share is never a path"
        );
        let everything = reach(&paths);
        assert!(everything > paths[0].score && everything < 1.0);
        assert_eq!(g.paths(user(1), person(99), NOW, shares), [], "nobody knows a stranger");
    }

    #[test]
    fn an_intro_request_is_answered_within_a_week_then_made_then_met() {
        let draft = IntroRequestDraft {
            target_id: person(10),
            connector_user_id: None,
            connector_person_id: Some(person(11)),
            deal_id: None,
            message: Some("Could you introduce me to Li Wei?".into()),
            draft: false,
        };
        let asked = draft.parse(user(1), 0.62, NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (asked.status, asked.expires_at),
            (IntroStatus::Requested, Some(NOW + Duration::days(7)))
        );
        let refused =
            |fields: &IntroRequestFields, step, at| fields.step(&step, at).err().map(|e| e.0[0].message.clone());
        assert_eq!(
            refused(&asked, IntroStep::IntroMade, NOW).as_deref(),
            Some("an intro request that is requested cannot be marked as made")
        );
        assert_eq!(asked.status_at(NOW + Duration::days(8)), IntroStatus::Expired);
        assert!(
            refused(&asked, IntroStep::Accept, NOW + Duration::days(8)).is_some(),
            "too late to accept"
        );
        let accepted = asked
            .step(&IntroStep::Accept, NOW + Duration::days(2))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            accepted.status_at(NOW + Duration::days(30)),
            IntroStatus::Accepted,
            "an answer does not expire"
        );
        let made = accepted
            .step(&IntroStep::IntroMade, NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        let meeting = MeetingId(uuid::Uuid::from_u128(5));
        let met = made
            .step(&IntroStep::MeetingBooked { meeting }, NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (met.status, met.meeting_id),
            (IntroStatus::MeetingBooked, Some(meeting))
        );
        let declined = asked
            .step(&IntroStep::Decline { reason: None }, NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(refused(&declined, IntroStep::Accept, NOW).is_some(), "a no stays a no");
        let to_self = IntroRequestDraft {
            connector_user_id: Some(user(1)),
            connector_person_id: None,
            ..draft.clone()
        };
        assert!(to_self.parse(user(1), 0.5, NOW).is_err());
        let kept = IntroRequestDraft { draft: true, ..draft };
        let waiting = kept.parse(user(1), 0.5, NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((waiting.status, waiting.expires_at), (IntroStatus::Draft, None));
        assert_eq!(
            waiting.step(&IntroStep::Request, NOW).map(|f| f.status),
            Ok(IntroStatus::Requested)
        );
    }

    #[test]
    fn an_account_is_as_warm_as_its_weighty_stakeholders_are_reached() {
        use crate::committee::BuyingRole::*;
        assert_eq!(
            role_weight(&[Influencer, DecisionMaker]),
            1.0,
            "the weightiest role counts"
        );
        assert_eq!(role_weight(&[]), 0.2);
        let account = warmth(&[
            (role_weight(&[DecisionMaker]), 0.5),
            (role_weight(&[Champion]), 0.9),
            (role_weight(&[Gatekeeper]), 0.0),
        ]);
        assert!((account.warmth - (0.5 + 0.72) / 2.0).abs() < 1e-9, "{account:?}");
        assert_eq!((account.threads, account.single_threaded), (2, false));
        assert_eq!(warmth(&[]).warmth, 0.0);
        assert!(warmth(&[(1.0, 0.39)]).single_threaded);
    }

    #[test]
    fn connectors_asked_often_rank_lower() {
        let tenths = [0, 1, 3, 4, 9].map(|n| (fatigue(n) * 10.0).round());
        assert_eq!(tenths, [10.0, 8.0, 4.0, 2.0, 2.0], "never below a fifth");
    }

    proptest! {
        #[test]
        fn the_index_finds_what_a_search_finds(
            edges in proptest::collection::vec((0u8..12, 0u8..12, 0u8..4, 0i64..700), 1..80),
            seller in 0u8..3,
            target in 3u8..12,
        ) {
            let node = |n: u8| if n < 3 { Node::User(user(u128::from(n))) } else { Node::Person(person(u128::from(n))) };
            let kinds = [InteractionKind::EmailThread, InteractionKind::Meeting, InteractionKind::Call, InteractionKind::Connection];
            let drafts: Vec<InteractionDraft> = edges
                .iter()
                .filter(|(a, b, _, _)| a != b)
                .map(|(a, b, kind, days)| draft(kinds[usize::from(*kind)], *days, &[node(*a), node(*b)]))
                .collect();
            let g = graph(&drafts);
            let shares = |u: UserId| u != user(2);
            let seller = user(u128::from(seller));
            let target = person(u128::from(target));
            let indexed = g.paths(seller, target, NOW, shares);
            let searched = g.paths_by_search(seller, target, NOW, shares);
            let key = |paths: &[ScoredPath]| {
                let mut k: Vec<(String, i64)> = paths.iter().map(|p| (format!("{:?}", p.via), (p.score * 1e9) as i64)).collect();
                k.sort();
                k
            };
            prop_assert_eq!(key(&indexed), key(&searched));
        }

        #[test]
        fn the_order_interactions_arrive_in_does_not_matter(
            days in proptest::collection::vec(0i64..2_000, 1..30),
            seed in any::<u64>(),
        ) {
            let kinds = [InteractionKind::EmailThread, InteractionKind::Meeting, InteractionKind::Call];
            let drafts: Vec<InteractionDraft> = days.iter().enumerate().map(|(i, d)| draft(kinds[i % 3], *d, &[A, B])).collect();
            let mut order: Vec<usize> = (0..drafts.len()).collect();
            order.sort_by_key(|i| (*i as u64 + 1).wrapping_mul(seed | 1).rotate_left(17));
            let shuffled: Vec<InteractionDraft> = order.iter().map(|i| drafts[*i].clone()).collect();
            let (a, b) = (tie_of(&drafts).strength(NOW).score, tie_of(&shuffled).strength(NOW).score);
            prop_assert!((a - b).abs() < 1e-4, "{} vs {}", a, b);
        }
    }
}
