//! The registers a dialler consults (R9.1): numbers on do-not-call lists, and what each
//! customer consented to (or withdrew) per channel, with the evidence.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{ConsentChannel, DncScope, DncSource, PhoneConsent};
use crate::contact::PhoneNumber;
use crate::ids::{ConsentId, DncEntryId, PartyId, UserId};
use crate::record::RecordMeta;
use crate::text::{self, BODY_MAX, LABEL_MAX};
use crate::validation::{Validation, ValidationErrors};

/// A number to put on a do-not-call list, as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DncEntryDraft {
    /// In international format (`+8613800138000`).
    pub phone: String,
    /// `entity_specific` (the customer asked us; the default), `internal` or `national_registry`.
    pub scope: Option<DncScope>,
    /// `customer_request` (the default), `complaint`, `registry_import` or `manual`.
    pub source: Option<DncSource>,
    pub note: Option<String>,
    /// When the entry stops counting (a registry's listing period); none: for good.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A do-not-call entry's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DncEntryFields {
    #[schema(value_type = String)]
    pub phone: PhoneNumber,
    pub scope: DncScope,
    pub source: DncSource,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub recorded_by: UserId,
}

/// A stored do-not-call entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DncEntry {
    pub id: DncEntryId,
    #[serde(flatten)]
    pub fields: DncEntryFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

impl DncEntryDraft {
    pub fn parse(&self, recorded_by: UserId, now: OffsetDateTime) -> Result<DncEntryFields, ValidationErrors> {
        let mut check = Validation::new();
        let phone = check.check("phone", PhoneNumber::parse(&self.phone));
        let note = check.check("note", text::optional(self.note.as_deref(), BODY_MAX));
        if self.expires_at.is_some_and(|at| at <= now) {
            check.push("expires_at", "must be in the future");
        }
        check.finish(|| {
            Some(DncEntryFields {
                phone: phone?,
                scope: self.scope.unwrap_or(DncScope::EntitySpecific),
                source: self.source.unwrap_or(DncSource::CustomerRequest),
                note: note?,
                expires_at: self.expires_at,
                recorded_by,
            })
        })
    }
}

impl DncEntryFields {
    /// The entry counts at `now`.
    pub fn in_force(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }
}

/// A consent given or withdrawn, as a client sends it. Records are never changed: a later
/// record says what holds now.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDraft {
    pub person_id: PartyId,
    pub channel: ConsentChannel,
    /// True: the customer agrees to be contacted; false: they withdraw it.
    pub granted: bool,
    /// What for (`marketing` by default).
    pub purpose: Option<String>,
    /// Where the consent is shown: a call recording's reference, a signed form, a web opt-in.
    pub evidence: String,
    /// When it was given or withdrawn (now by default; not in the future).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

/// A consent record's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConsentFields {
    pub person_id: PartyId,
    pub channel: ConsentChannel,
    pub granted: bool,
    pub purpose: String,
    pub evidence: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub recorded_by: UserId,
}

/// A stored consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Consent {
    pub id: ConsentId,
    #[serde(flatten)]
    pub fields: ConsentFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Clocks disagree a little: a record may be stamped this far ahead of ours.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

impl ConsentDraft {
    pub fn parse(&self, recorded_by: UserId, now: OffsetDateTime) -> Result<ConsentFields, ValidationErrors> {
        let mut check = Validation::new();
        let purpose = check.check(
            "purpose",
            text::required(self.purpose.as_deref().unwrap_or("marketing"), LABEL_MAX),
        );
        let evidence = check.check("evidence", text::required(&self.evidence, BODY_MAX));
        let at = self.at.unwrap_or(now);
        if at > now + CLOCK_SKEW {
            check.push("at", "must not be in the future");
        }
        check.finish(|| {
            Some(ConsentFields {
                person_id: self.person_id,
                channel: self.channel,
                granted: self.granted,
                purpose: purpose?,
                evidence: evidence?,
                at,
                recorded_by,
            })
        })
    }
}

/// What a person's records say about calling them now: the latest record on the phone channel.
pub fn phone_consent<'a>(records: impl IntoIterator<Item = &'a ConsentFields>) -> PhoneConsent {
    records
        .into_iter()
        .filter(|r| r.channel == ConsentChannel::Phone)
        .max_by_key(|r| r.at)
        .map_or(PhoneConsent::None, |latest| {
            if latest.granted {
                PhoneConsent::Granted
            } else {
                PhoneConsent::Withdrawn
            }
        })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-27 10:00 UTC);

    #[test]
    fn a_do_not_call_entry_has_a_real_number_and_a_future_end() {
        let user = UserId(uuid::Uuid::from_u128(1));
        let draft = DncEntryDraft {
            phone: "+86 138-0013-8000".into(),
            scope: None,
            source: None,
            note: None,
            expires_at: None,
        };
        let entry = draft.parse(user, NOW).expect("valid");
        assert_eq!(
            (entry.phone.as_str(), entry.scope, entry.source),
            ("+8613800138000", DncScope::EntitySpecific, DncSource::CustomerRequest)
        );
        assert!(entry.in_force(NOW));
        let bad = DncEntryDraft {
            phone: "13800138000".into(),
            expires_at: Some(NOW - time::Duration::days(1)),
            ..draft
        };
        let fields: Vec<String> = bad
            .parse(user, NOW)
            .expect_err("refused")
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["phone", "expires_at"]);
    }

    #[test]
    fn the_latest_phone_record_says_what_holds() {
        let record = |granted, day: i64, channel| ConsentFields {
            person_id: PartyId(uuid::Uuid::from_u128(2)),
            channel,
            granted,
            purpose: "marketing".into(),
            evidence: "call recording".into(),
            at: NOW - time::Duration::days(day),
            recorded_by: UserId(uuid::Uuid::from_u128(1)),
        };
        assert_eq!(phone_consent(&[]), PhoneConsent::None);
        let granted_then_withdrawn = [
            record(true, 10, ConsentChannel::Phone),
            record(false, 2, ConsentChannel::Phone),
        ];
        assert_eq!(phone_consent(&granted_then_withdrawn), PhoneConsent::Withdrawn);
        let regranted = [
            record(false, 10, ConsentChannel::Phone),
            record(true, 1, ConsentChannel::Phone),
            record(false, 0, ConsentChannel::Email),
        ];
        assert_eq!(
            phone_consent(&regranted),
            PhoneConsent::Granted,
            "an e-mail opt-out says nothing of calls"
        );
    }
}
