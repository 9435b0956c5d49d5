//! Relationship intelligence (D5, §3.10, §7): interactions kept as metadata only (who, with
//! whom, when, how; never what was said), the strength of the tie between two people that they
//! add up to, and the warm paths from a seller to a person on the buying side.
//!
//! A tie keeps, for each of the four half-lives a tie can have (90, 180, 270 and 360 days, as
//! its tenure reaches 0, 1, 2 and 3 whole years), the decayed sum of what its interactions
//! contributed. An interaction arriving adds to the four sums in constant time, and the
//! strength at any later moment decays the sum of the tie's current half-life: the same number
//! §7.1's formula gives, without keeping the interactions in memory.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::committee::BuyingRole;
use crate::ids::{DealId, EndorsementId, InteractionId, IntroRequestId, MeetingId, PartyId, UserId};
use crate::meeting::{Attendance, Meeting, MeetingStatus, Venue};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::validation::{Validation, ValidationErrors};

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

/// Minutes since 1970: a tie keeps its moments this coarse, in four bytes.
type Minute = i32;

const MINUTES_PER_DAY: f64 = 1_440.0;
const MINUTES_PER_YEAR: i64 = 525_600;
/// The half-lives of a tie of 0, 1, 2 and 3 or more years, in days (§7.1: 90 d × (1 + years)).
const HALF_LIVES: [f64; 4] = [90.0, 180.0, 270.0, 360.0];
const NEVER: Minute = Minute::MIN;

fn minute(at: OffsetDateTime) -> Minute {
    let minutes = at.unix_timestamp().div_euclid(60);
    Minute::try_from(minutes).unwrap_or(if minutes < 0 { Minute::MIN + 1 } else { Minute::MAX })
}

/// The tie between two people, as their interactions built it up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tie {
    /// Σ weight × 2^(−age / half-life) at `at`, one per half-life.
    sums: [f32; 4],
    at: Minute,
    /// The first and last interaction that showed both sides engaged (`NEVER` without one).
    first_reciprocal: Minute,
    last_reciprocal: Minute,
    connected: bool,
    /// The latest end of a "knows them well" assertion (`NEVER` without one).
    asserted_until: Minute,
}

impl Default for Tie {
    fn default() -> Self {
        Tie {
            sums: [0.0; 4],
            at: NEVER,
            first_reciprocal: NEVER,
            last_reciprocal: NEVER,
            connected: false,
            asserted_until: NEVER,
        }
    }
}

/// How strong a tie is at a moment, and its bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Strength {
    /// From 0 (strangers) to 1.
    pub score: f64,
    pub bucket: TieBucket,
}

impl Strength {
    pub fn of(score: f64) -> Strength {
        let bucket = match score {
            s if s >= 0.70 => TieBucket::Strong,
            s if s >= 0.40 => TieBucket::Familiar,
            s if s >= 0.15 => TieBucket::Weak,
            _ => TieBucket::None,
        };
        Strength { score, bucket }
    }
}

impl Tie {
    /// Adds one interaction that happened `at`.
    pub fn add(&mut self, contribution: Contribution, at: OffsetDateTime) {
        let at = minute(at);
        match contribution {
            Contribution::Fading { weight, reciprocal } => {
                if weight > 0.0 {
                    if self.at == NEVER || at >= self.at {
                        let elapsed = if self.at == NEVER { 0 } else { at - self.at };
                        for (sum, half_life) in self.sums.iter_mut().zip(HALF_LIVES) {
                            *sum = (f64::from(*sum) * decay(elapsed, half_life) + weight) as f32;
                        }
                        self.at = at;
                    } else {
                        // An older interaction, imported late: it has already faded.
                        for (sum, half_life) in self.sums.iter_mut().zip(HALF_LIVES) {
                            *sum = (f64::from(*sum) + weight * decay(self.at - at, half_life)) as f32;
                        }
                    }
                }
                if reciprocal {
                    self.first_reciprocal = if self.first_reciprocal == NEVER {
                        at
                    } else {
                        self.first_reciprocal.min(at)
                    };
                    self.last_reciprocal = self.last_reciprocal.max(at);
                }
            }
            Contribution::Connection => self.connected = true,
            Contribution::Assertion { until } => self.asserted_until = self.asserted_until.max(minute(until)),
        }
    }

    /// Whole years between the first and the last interaction that showed both sides engaged:
    /// silence does not add tenure.
    fn tenure_years(&self) -> usize {
        if self.first_reciprocal == NEVER {
            return 0;
        }
        let minutes = i64::from(self.last_reciprocal) - i64::from(self.first_reciprocal);
        usize::try_from(minutes / MINUTES_PER_YEAR).unwrap_or(0).min(3)
    }

    /// The tie's half-life now, in days: 90 for a new tie, up to 360 after three years.
    pub fn half_life_days(&self) -> f64 {
        HALF_LIVES[self.tenure_years()]
    }

    /// The tie's strength at `now` (§7.1).
    pub fn strength(&self, now: OffsetDateTime) -> Strength {
        let now = minute(now);
        let years = self.tenure_years();
        let fading = if self.at == NEVER {
            0.0
        } else {
            f64::from(self.sums[years]) * decay((now - self.at).max(0), HALF_LIVES[years])
        };
        let total = fading + if self.connected { 0.5 } else { 0.0 };
        let mut score = 1.0 - (-total / 3.0).exp();
        if self.first_reciprocal == NEVER {
            // A connection or a one-way exchange alone is no relationship.
            score = score.min(0.15);
        }
        if self.asserted_until != NEVER && now < self.asserted_until {
            score = score.max(0.60);
        }
        Strength::of(score)
    }
}

/// What is left after `minutes` of a contribution with this half-life in days.
fn decay(minutes: Minute, half_life_days: f64) -> f64 {
    (-(f64::from(minutes) / MINUTES_PER_DAY) / half_life_days).exp2()
}

/// The extra hop through someone outside our company costs this much (§7.2).
pub const OUTSIDE_HOP: f64 = 0.8;
/// Paths weaker than this are not worth an introduction.
pub const PATH_FLOOR: f64 = 0.01;

/// Who a warm path goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The seller knows the target themselves.
    Direct,
    /// A colleague knows the target (the colleague hop is free).
    Colleague(UserId),
    /// Someone outside the company the seller knows, who knows the target.
    Connector(PartyId),
}

/// One way to the target, and how good it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPath {
    pub via: Via,
    /// The seller's tie to the connector (1 for a colleague or the seller themselves).
    pub first_hop: Strength,
    /// The connector's (or the seller's own) tie to the target.
    pub last_hop: Strength,
    pub score: f64,
}

/// How much a connector is worth asking again, after `recent_requests` introductions asked of
/// them in the last 30 days.
pub fn fatigue(recent_requests: u32) -> f64 {
    (1.0 - 0.2 * f64::from(recent_requests)).max(0.2)
}

/// The chance that at least one of the paths works, from the best three through different
/// connectors (noisy-OR): more good paths mean better reach.
pub fn reach(paths: &[ScoredPath]) -> f64 {
    let mut seen: Vec<Via> = Vec::with_capacity(3);
    let mut miss = 1.0;
    let mut best: Vec<&ScoredPath> = paths.iter().collect();
    best.sort_by(|a, b| b.score.total_cmp(&a.score));
    for path in best {
        if seen.len() == 3 {
            break;
        }
        if !seen.contains(&path.via) {
            seen.push(path.via);
            miss *= 1.0 - path.score;
        }
    }
    1.0 - miss
}

/// Every tie of a workspace, indexed for warm-path questions: who is tied to whom and how
/// strongly. Interactions are added as they arrive; nothing is ever looked up in the database.
#[derive(Debug, Default)]
pub struct Graph {
    /// Each node's number.
    numbers: HashMap<Node, u32>,
    nodes: Vec<Node>,
    /// For each node, its neighbours and the number of the tie between them.
    adjacency: Vec<Vec<(u32, u32)>>,
    /// The tie of each pair of nodes, found by the pair's numbers (smaller first).
    tie_of_pair: HashMap<u64, u32>,
    ties: Vec<Tie>,
}

fn pair_key(a: u32, b: u32) -> u64 {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    (u64::from(low) << 32) | u64::from(high)
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn tie_count(&self) -> usize {
        self.ties.len()
    }

    fn number(&mut self, node: Node) -> u32 {
        if let Some(number) = self.numbers.get(&node) {
            return *number;
        }
        let number = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.numbers.insert(node, number);
        self.nodes.push(node);
        self.adjacency.push(Vec::new());
        number
    }

    /// Adds one interaction to the ties between each two of its participants.
    pub fn add(&mut self, interaction: &InteractionFields) {
        let contribution = interaction.contribution();
        if matches!(contribution, Contribution::Fading { weight, reciprocal: false } if weight <= 0.0) {
            // A one-way e-mail or a crowded meeting ties nobody.
            return;
        }
        for (a, b) in interaction.pairs() {
            self.add_pair(a, b, contribution, interaction.occurred_at);
        }
    }

    /// Adds what one interaction contributed to the tie between `a` and `b`.
    pub fn add_pair(&mut self, a: Node, b: Node, contribution: Contribution, at: OffsetDateTime) {
        let (a, b) = (self.number(a), self.number(b));
        let key = pair_key(a, b);
        let tie = match self.tie_of_pair.get(&key) {
            Some(tie) => *tie,
            None => {
                let tie = u32::try_from(self.ties.len()).unwrap_or(u32::MAX);
                self.ties.push(Tie::default());
                self.tie_of_pair.insert(key, tie);
                self.adjacency[a as usize].push((b, tie));
                self.adjacency[b as usize].push((a, tie));
                tie
            }
        };
        self.ties[tie as usize].add(contribution, at);
    }

    /// The tie between two people, if they ever interacted.
    pub fn tie(&self, a: Node, b: Node) -> Option<&Tie> {
        let (a, b) = (self.numbers.get(&a)?, self.numbers.get(&b)?);
        let tie = self.tie_of_pair.get(&pair_key(*a, *b))?;
        self.ties.get(*tie as usize)
    }

    /// Everyone `node` is tied to, with the tie.
    pub fn neighbours(&self, node: Node) -> impl Iterator<Item = (Node, &Tie)> {
        self.numbers
            .get(&node)
            .map(|n| self.adjacency[*n as usize].as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(other, tie)| (self.nodes[*other as usize], &self.ties[*tie as usize]))
    }

    /// Every warm path from `seller` to `target` at `now` (§7.2), best first: the seller's own
    /// tie, colleagues' ties (of those `shares` says share their connections), and people
    /// outside the company the seller knows who know the target. Two hops at most.
    pub fn paths(
        &self,
        seller: UserId,
        target: PartyId,
        now: OffsetDateTime,
        shares: impl Fn(UserId) -> bool,
    ) -> Vec<ScoredPath> {
        let me = Node::User(seller);
        let mut paths = Vec::new();
        for (connector, tie) in self.neighbours(Node::Person(target)) {
            let last_hop = tie.strength(now);
            let (via, first_hop) = match connector {
                node if node == me => (Via::Direct, Strength::of(1.0)),
                Node::User(colleague) if shares(colleague) => (Via::Colleague(colleague), Strength::of(1.0)),
                Node::User(_) => continue,
                Node::Person(person) => match self.tie(me, connector) {
                    Some(mine) => (Via::Connector(person), mine.strength(now)),
                    None => continue,
                },
            };
            let hop = if matches!(via, Via::Connector(_)) {
                OUTSIDE_HOP
            } else {
                1.0
            };
            let score = first_hop.score * last_hop.score * hop;
            if score >= PATH_FLOOR {
                paths.push(ScoredPath {
                    via,
                    first_hop,
                    last_hop,
                    score,
                });
            }
        }
        paths.sort_by(|a, b| b.score.total_cmp(&a.score));
        paths
    }

    /// The same paths found the plain way, by a breadth-first search from the seller two hops
    /// deep: the baseline the indexed question is measured against.
    pub fn paths_by_search(
        &self,
        seller: UserId,
        target: PartyId,
        now: OffsetDateTime,
        shares: impl Fn(UserId) -> bool,
    ) -> Vec<ScoredPath> {
        let me = Node::User(seller);
        let goal = Node::Person(target);
        let mut paths = Vec::new();
        for (first, first_tie) in self.neighbours(me) {
            if first == goal {
                paths.push((Via::Direct, Strength::of(1.0), first_tie.strength(now)));
                continue;
            }
            for (second, second_tie) in self.neighbours(first) {
                if second == goal
                    && let Node::Person(person) = first
                {
                    paths.push((
                        Via::Connector(person),
                        first_tie.strength(now),
                        second_tie.strength(now),
                    ));
                }
            }
        }
        // Colleagues are a free hop: each one's own tie to the target.
        for (colleague, _) in self.neighbours(goal) {
            if let Node::User(user) = colleague
                && user != seller
                && shares(user)
                && let Some(tie) = self.tie(colleague, goal)
            {
                paths.push((Via::Colleague(user), Strength::of(1.0), tie.strength(now)));
            }
        }
        let mut scored: Vec<ScoredPath> = paths
            .into_iter()
            .map(|(via, first_hop, last_hop)| {
                let hop = if matches!(via, Via::Connector(_)) {
                    OUTSIDE_HOP
                } else {
                    1.0
                };
                ScoredPath {
                    via,
                    first_hop,
                    last_hop,
                    score: first_hop.score * last_hop.score * hop,
                }
            })
            .filter(|p| p.score >= PATH_FLOOR)
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        scored
    }
}

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

/// How much a stakeholder's reach counts in an account's warmth (§7.3): the weight of their
/// weightiest role.
pub fn role_weight<'a>(roles: impl IntoIterator<Item = &'a BuyingRole>) -> f64 {
    use BuyingRole::*;
    roles
        .into_iter()
        .map(|role| match role {
            EconomicBuyer | DecisionMaker => 1.0,
            Champion => 0.8,
            TechnicalBuyer => 0.6,
            UserBuyer => 0.4,
            Procurement | Legal | Finance => 0.3,
            _ => 0.2,
        })
        .fold(0.2, f64::max)
}

/// A stakeholder reached this well counts as a thread into the account.
pub const THREAD_REACH: f64 = 0.40;

/// How warm a B2B account is (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Warmth {
    /// Σ role weight × reach / Σ role weight over the committee, 0–1.
    pub warmth: f64,
    /// Stakeholders reached at least 0.40.
    pub threads: usize,
    /// One thread or none: the deal hangs on a single relationship.
    pub single_threaded: bool,
}

/// The warmth of an account from each stakeholder's role weight and reach.
pub fn warmth(stakeholders: &[(f64, f64)]) -> Warmth {
    let weights: f64 = stakeholders.iter().map(|(weight, _)| weight).sum();
    let reached: f64 = stakeholders.iter().map(|(weight, reach)| weight * reach).sum();
    let threads = stakeholders.iter().filter(|(_, reach)| *reach >= THREAD_REACH).count();
    Warmth {
        warmth: if weights > 0.0 { reached / weights } else { 0.0 },
        threads,
        single_threaded: threads <= 1,
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
