//! Campaigns (§3.9): a script beside the customer's history, dialling rules, and the people to
//! call (entries), with every call made to them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{DialRules, Disposition, EntryStatus};
use crate::contact::PhoneNumber;
use crate::ids::{CallAttemptId, CallCampaignId, CallEntryId, DealId, PartyId, UserId};
use crate::record::{Ownership, RecordMeta};
use crate::string_enum;
use crate::text::{self, BODY_MAX, NAME_MAX};
use crate::validation::{Validation, ValidationErrors};

string_enum!(
    /// Whether agents get calls from a campaign.
    CampaignStatus { Active => "active", Paused => "paused", Ended => "ended" }
);

string_enum!(
    /// How numbers are dialled: the agent sees the customer first, then calls.
    DialingMode { Preview => "preview" }
);

/// An answer to an objection the customer may raise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionHandler {
    pub objection: String,
    pub answer: String,
}

/// What the agent says: an opener, a bank of questions (situation, problem, implication,
/// need-payoff), answers to objections, and a close.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub opener: String,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default)]
    pub objections: Vec<ObjectionHandler>,
    #[serde(default)]
    pub close: String,
}

const SCRIPT_ITEMS_MAX: usize = 50;

impl Script {
    fn check(&self, check: &mut Validation) -> Option<Script> {
        let opener = check.check("script.opener", text::required(&self.opener, BODY_MAX));
        if self.questions.len() > SCRIPT_ITEMS_MAX || self.objections.len() > SCRIPT_ITEMS_MAX {
            check.push(
                "script",
                format!("at most {SCRIPT_ITEMS_MAX} questions and {SCRIPT_ITEMS_MAX} objections"),
            );
        }
        let questions: Vec<Option<String>> = self
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| check.check(&format!("script.questions[{i}]"), text::required(q, BODY_MAX)))
            .collect();
        let objections: Vec<Option<ObjectionHandler>> = self
            .objections
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let objection = check.check(
                    &format!("script.objections[{i}].objection"),
                    text::required(&o.objection, BODY_MAX),
                );
                let answer = check.check(
                    &format!("script.objections[{i}].answer"),
                    text::required(&o.answer, BODY_MAX),
                );
                Some(ObjectionHandler {
                    objection: objection?,
                    answer: answer?,
                })
            })
            .collect();
        let close = check.check("script.close", text::optional(Some(&self.close), BODY_MAX));
        Some(Script {
            opener: opener?,
            questions: questions.into_iter().collect::<Option<Vec<_>>>()?,
            objections: objections.into_iter().collect::<Option<Vec<_>>>()?,
            close: close?.unwrap_or_default(),
        })
    }
}

/// A campaign as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignDraft {
    pub name: String,
    /// ISO 4217: the currency of the deals the campaign's calls open.
    pub currency: String,
    /// `active` (the default), `paused` or `ended`.
    pub status: Option<CampaignStatus>,
    /// `preview`, the only mode so far.
    pub dialing_mode: Option<DialingMode>,
    /// The calling window and the retry policy (the defaults: 08:00–21:00, 6 attempts).
    pub rules: Option<DialRules>,
    pub script: Script,
    /// Inbound consumer leads nobody called within five minutes come here, first in line for
    /// the next free agent (speed to lead, R7.3). Default false.
    pub takes_inbound_leads: Option<bool>,
}

/// A campaign's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignFields {
    pub name: String,
    #[schema(value_type = String)]
    pub currency: crate::money::Currency,
    pub status: CampaignStatus,
    pub dialing_mode: DialingMode,
    pub rules: DialRules,
    pub script: Script,
    /// Goes up by one each time the script changes; every call records the version it used.
    pub script_version: i32,
    pub takes_inbound_leads: bool,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Campaign {
    pub id: CallCampaignId,
    #[serde(flatten)]
    pub fields: CampaignFields,
    #[serde(flatten)]
    pub ownership: Ownership,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl CampaignDraft {
    /// The fields, the script at `script_version`.
    pub fn parse(&self, script_version: i32) -> Result<CampaignFields, ValidationErrors> {
        let mut check = Validation::new();
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        let currency = check.check("currency", crate::money::Currency::parse(&self.currency));
        let mut rules = self.rules.clone().unwrap_or_default();
        match rules.check() {
            // The region as Closer writes it (`cn` is `CN`).
            Ok(checked) => rules.jurisdiction = checked.home.map(str::to_owned),
            Err(errors) => {
                for error in errors.0 {
                    check.push(format!("rules.{}", error.field), error.message);
                }
            }
        }
        let script = self.script.check(&mut check);
        check.finish(|| {
            Some(CampaignFields {
                name: name?,
                currency: currency?,
                status: self.status.unwrap_or(CampaignStatus::Active),
                dialing_mode: self.dialing_mode.unwrap_or(DialingMode::Preview),
                rules,
                script: script?,
                script_version,
                takes_inbound_leads: self.takes_inbound_leads.unwrap_or(false),
            })
        })
    }
}

/// People to add to a campaign: a list of them, or everyone a people filter finds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntriesDraft {
    /// 1–1,000 people; each is called on their first phone number.
    #[serde(default)]
    pub person_ids: Vec<PartyId>,
    /// Instead of `person_ids`: everyone the people list shows with these filters.
    pub filter: Option<PeopleFilter>,
    /// Higher is called first (default 0), from -1,000 to 1,000.
    pub priority: Option<i32>,
}

/// The people list's filters, kept as a call list's source.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeopleFilter {
    /// Text in the name, e-mails or phones.
    pub search: Option<String>,
    pub owner_id: Option<UserId>,
    /// People employed there, now or before.
    pub organisation_id: Option<PartyId>,
}

/// The highest priority a list may give; routed inbound leads come above it.
pub const PRIORITY_MAX: i32 = 1_000;

impl EntriesDraft {
    /// The priority, checked.
    pub fn priority(&self) -> Result<i32, ValidationErrors> {
        match self.priority.unwrap_or(0) {
            p if (-PRIORITY_MAX..=PRIORITY_MAX).contains(&p) => Ok(p),
            _ => Err(ValidationErrors::single(
                "priority",
                format!("from -{PRIORITY_MAX} to {PRIORITY_MAX}"),
            )),
        }
    }
}

pub const ENTRIES_PER_REQUEST: usize = 1_000;

/// One person to call in a campaign, and where the calls stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallEntryFields {
    pub campaign_id: CallCampaignId,
    pub person_id: PartyId,
    #[schema(value_type = String)]
    pub phone: PhoneNumber,
    /// The person's time zone when added (else the number's region is used).
    pub timezone: Option<String>,
    pub priority: i32,
    pub status: EntryStatus,
    pub attempts: u8,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When it is due again (a retry, a callback, the end of a cool-down).
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Since when it waits: when it fell due, or was added.
    #[serde(with = "time::serde::rfc3339")]
    pub waiting_since: OffsetDateTime,
    /// The agent who promised a callback; none: the pool's.
    pub callback_agent_id: Option<UserId>,
    /// The agent calling now, until `claimed_until`.
    pub claimed_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub claimed_until: Option<OffsetDateTime>,
    /// The deal the calls led to, or the inbound lead's deal.
    pub deal_id: Option<DealId>,
    /// When the inbound lead came in, for an entry that is one (speed to lead).
    #[serde(with = "time::serde::rfc3339::option")]
    pub lead_at: Option<OffsetDateTime>,
}

impl CallEntryFields {
    /// A person added to a campaign at `at`, not called yet.
    pub fn fresh(
        campaign_id: CallCampaignId,
        person_id: PartyId,
        phone: PhoneNumber,
        timezone: Option<String>,
        priority: i32,
        at: OffsetDateTime,
    ) -> CallEntryFields {
        CallEntryFields {
            campaign_id,
            person_id,
            phone,
            timezone,
            priority,
            status: EntryStatus::New,
            attempts: 0,
            last_attempt_at: None,
            next_attempt_at: None,
            waiting_since: at,
            callback_agent_id: None,
            claimed_by: None,
            claimed_until: None,
            deal_id: None,
            lead_at: None,
        }
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallEntry {
    pub id: CallEntryId,
    #[serde(flatten)]
    pub fields: CallEntryFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// What an agent records when a call ends.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionDraft {
    pub disposition: Disposition,
    pub notes: Option<String>,
    /// For a requested callback: when.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub callback_at: Option<OffsetDateTime>,
    /// The callback is the agent's own (true, the default) or the pool's.
    pub callback_to_me: Option<bool>,
    /// Seconds talked.
    pub talk_seconds: Option<u32>,
}

/// One call made to an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallAttemptFields {
    pub campaign_id: CallCampaignId,
    pub entry_id: CallEntryId,
    pub person_id: PartyId,
    pub agent_id: UserId,
    pub disposition: Disposition,
    pub script_version: i32,
    /// When the agent took the entry.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    pub talk_seconds: Option<u32>,
    pub notes: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub callback_at: Option<OffsetDateTime>,
}

/// A stored call attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallAttempt {
    pub id: CallAttemptId,
    #[serde(flatten)]
    pub fields: CallAttemptFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl DispositionDraft {
    /// The notes, checked.
    pub fn notes(&self) -> Result<Option<String>, ValidationErrors> {
        text::optional(self.notes.as_deref(), BODY_MAX).map_err(|m| ValidationErrors::single("notes", m))
    }

    /// Refuses what an agent may not record.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        if !self.disposition.agent_selectable() {
            return Err(ValidationErrors::single(
                "disposition",
                format!("'{}' is recorded by the dialler, not by an agent", self.disposition),
            ));
        }
        if self.callback_at.is_some() && self.disposition != Disposition::CallbackRequested {
            return Err(ValidationErrors::single(
                "callback_at",
                "only a callback_requested disposition takes a callback time",
            ));
        }
        Ok(())
    }
}

impl CallEntry {
    /// The entry as the hopper sees it.
    pub fn candidate(&self) -> super::Candidate<CallEntryId> {
        let f = &self.fields;
        super::Candidate {
            key: self.id,
            status: f.status,
            priority: f.priority,
            next_attempt_at: f.next_attempt_at,
            callback_agent: f.callback_agent_id,
            claimed_until: f.claimed_until,
            waiting_since: f.waiting_since,
        }
    }
}
