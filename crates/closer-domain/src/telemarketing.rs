//! Telemarketing for B2C (D9, §3.9, §4.10): campaigns with a calling window and a retry policy,
//! call-list entries and their states, the dispositions an agent gives a call and what each
//! one does to the entry. Whether a number may be dialled at all (do-not-call, consent, the
//! callee's local time) is in `compliance`; which entry an agent gets next, in `hopper`.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time};
use utoipa::ToSchema;

use crate::string_enum;
use crate::validation::{Validation, ValidationErrors};

mod campaigns;
mod compliance;
mod hopper;
mod jurisdictions;
mod metrics;
mod registers;

pub use campaigns::*;
pub use compliance::*;
pub use hopper::*;
pub use jurisdictions::*;
pub use metrics::*;
pub use registers::*;

string_enum!(
    /// How a call ended, as the agent (or the dialler, for a dropped call) records it.
    Disposition {
        NoAnswer => "no_answer",
        Busy => "busy",
        /// An answering machine; nothing left.
        Machine => "machine",
        LeftMessage => "left_message",
        WrongNumber => "wrong_number",
        /// Answered, but nobody was free to take it: counts against the abandonment cap.
        Dropped => "dropped",
        /// The right person, no outcome yet.
        Contacted => "contacted",
        Interested => "interested",
        NotInterested => "not_interested",
        PriceObjection => "price_objection",
        CallbackRequested => "callback_requested",
        AppointmentSet => "appointment_set",
        Sale => "sale",
        DoNotCall => "do_not_call",
    }
);

impl Disposition {
    /// A person picked up (the connect rate's numerator).
    pub fn human_answered(self) -> bool {
        !matches!(
            self,
            Disposition::NoAnswer | Disposition::Busy | Disposition::Machine | Disposition::LeftMessage
        )
    }

    /// The person the entry is for was on the line (right-party contact).
    pub fn right_party(self) -> bool {
        self.human_answered() && !matches!(self, Disposition::WrongNumber | Disposition::Dropped)
    }

    /// The call moves the customer to a deal: created, or advanced.
    pub fn converts(self) -> bool {
        matches!(
            self,
            Disposition::Interested | Disposition::AppointmentSet | Disposition::Sale
        )
    }

    /// An agent may choose it (a dropped call is the dialler's to record).
    pub fn agent_selectable(self) -> bool {
        self != Disposition::Dropped
    }
}

string_enum!(
    /// Where a call-list entry stands (§4.10).
    EntryStatus {
        /// Not yet checked against do-not-call and consent.
        New => "new",
        Queued => "queued",
        /// An agent has it (until the lease ends).
        InProgress => "in_progress",
        /// Called without reaching anyone; due again at `next_attempt_at`.
        RetryLater => "retry_later",
        CallbackScheduled => "callback_scheduled",
        Converted => "converted",
        Closed => "closed",
        /// On a do-not-call list, or without the consent its region requires.
        Suppressed => "suppressed",
        /// As many attempts as the campaign allows, without an outcome.
        Exhausted => "exhausted",
    }
);

impl EntryStatus {
    /// The entry may come up for a call again.
    pub fn open(self) -> bool {
        matches!(
            self,
            EntryStatus::New
                | EntryStatus::Queued
                | EntryStatus::InProgress
                | EntryStatus::RetryLater
                | EntryStatus::CallbackScheduled
        )
    }
}

/// How long a not-interested customer is left alone.
pub const COOL_DOWN_DAYS: i64 = 90;
/// How long an agent holds an entry: after that, it goes back to the hopper.
pub const CLAIM_LEASE: Duration = Duration::minutes(15);
pub const MAX_ATTEMPTS_DEFAULT: u8 = 6;
const MAX_ATTEMPTS_LIMIT: u8 = 30;

/// A campaign's dialling rules as an administrator sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DialRules {
    /// The earliest local time to call the customer (`08:00` by default).
    #[serde(default = "default_window_start")]
    pub window_start: String,
    /// The latest local time to call (`21:00` by default; a call may not start after it).
    #[serde(default = "default_window_end")]
    pub window_end: String,
    /// Attempts before the entry is exhausted (1–30, 6 by default).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u8,
    /// Minutes before trying again after a call that reached nobody (or a dropped one).
    #[serde(default = "default_retry_minutes")]
    pub retry_minutes: u32,
    /// Minutes before trying again after a contact without an outcome or a price objection.
    #[serde(default = "default_follow_up_minutes")]
    pub follow_up_minutes: u32,
    /// The region (ISO code) whose calling law the campaign follows as well as the callee's:
    /// a campaign run from China asks for consent whoever it calls. None: the callee's alone.
    #[serde(default)]
    pub jurisdiction: Option<String>,
}

fn default_window_start() -> String {
    "08:00".into()
}
fn default_window_end() -> String {
    "21:00".into()
}
fn default_max_attempts() -> u8 {
    MAX_ATTEMPTS_DEFAULT
}
fn default_retry_minutes() -> u32 {
    240
}
fn default_follow_up_minutes() -> u32 {
    1_440
}

impl Default for DialRules {
    fn default() -> Self {
        DialRules {
            window_start: default_window_start(),
            window_end: default_window_end(),
            max_attempts: default_max_attempts(),
            retry_minutes: default_retry_minutes(),
            follow_up_minutes: default_follow_up_minutes(),
            jurisdiction: None,
        }
    }
}

/// A local time of day written `HH:MM`.
pub fn time_of_day(text: &str) -> Result<Time, String> {
    let format = time::macros::format_description!("[hour]:[minute]");
    Time::parse(text.trim(), format).map_err(|_| format!("'{}' is not a time of day such as 08:00", text.trim()))
}

/// Checked dialling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRules {
    pub window: CallingWindow,
    pub max_attempts: u8,
    pub retry: Duration,
    pub follow_up: Duration,
    /// The region whose law applies besides the callee's.
    pub home: Option<&'static str>,
}

/// A calling window written `HH:MM` to `HH:MM`, checked into `check` (fields `window_start`,
/// `window_end`): it must end after it starts, on the same day.
pub fn calling_window(check: &mut Validation, start: &str, end: &str) -> Option<CallingWindow> {
    let start = check.check("window_start", time_of_day(start));
    let end = check.check("window_end", time_of_day(end));
    match (start, end) {
        (Some(start), Some(end)) if start < end => Some(CallingWindow { start, end }),
        (Some(_), Some(_)) => {
            check.push("window_end", "the window must end after it starts, on the same day");
            None
        }
        _ => None,
    }
}

impl DialRules {
    pub fn check(&self) -> Result<CheckedRules, ValidationErrors> {
        let mut check = Validation::new();
        let window = calling_window(&mut check, &self.window_start, &self.window_end);
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&self.max_attempts) {
            check.push("max_attempts", format!("must be 1 to {MAX_ATTEMPTS_LIMIT}"));
        }
        for (field, minutes) in [
            ("retry_minutes", self.retry_minutes),
            ("follow_up_minutes", self.follow_up_minutes),
        ] {
            if !(5..=43_200).contains(&minutes) {
                check.push(field, "must be 5 minutes to 30 days");
            }
        }
        let home = match self.jurisdiction.as_deref() {
            None => Some(None),
            Some(code) => check.check("jurisdiction", known_region(code).map(Some)),
        };
        check.finish(|| {
            Some(CheckedRules {
                window: window?,
                home: home?,
                max_attempts: self.max_attempts,
                retry: Duration::minutes(i64::from(self.retry_minutes)),
                follow_up: Duration::minutes(i64::from(self.follow_up_minutes)),
            })
        })
    }
}

/// The code of a region Closer knows the calling law and clocks of (`cn` reads as `CN`).
pub fn known_region(code: &str) -> Result<&'static str, String> {
    let wanted = code.trim().to_ascii_uppercase();
    REGIONS
        .iter()
        .map(|r| r.code)
        .find(|known| *known == wanted)
        .ok_or_else(|| {
            let codes: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
            format!(
                "'{}' is not a region Closer knows; one of {}",
                code.trim(),
                codes.join(", ")
            )
        })
}

/// Where an entry goes after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterCall {
    pub status: EntryStatus,
    pub attempts: u8,
    /// When it is due again (retry, callback or the end of a cool-down).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// The number goes on the company's own do-not-call list.
    pub add_to_dnc: bool,
}

/// What a disposition does to an entry that had `attempts` calls before this one (§4.10, R9.2).
/// A requested callback needs its time.
pub fn after_call(
    disposition: Disposition,
    attempts: u8,
    callback_at: Option<OffsetDateTime>,
    rules: &CheckedRules,
    now: OffsetDateTime,
) -> Result<AfterCall, String> {
    use Disposition::*;
    let attempts = attempts.saturating_add(1);
    let again = |wait: Duration| {
        if attempts >= rules.max_attempts {
            (EntryStatus::Exhausted, None)
        } else {
            (EntryStatus::RetryLater, Some(now + wait))
        }
    };
    let (status, next_attempt_at) = match disposition {
        NoAnswer | Busy | Machine | LeftMessage | Dropped => again(rules.retry),
        Contacted | PriceObjection => again(rules.follow_up),
        CallbackRequested => match callback_at {
            Some(at) if at > now => (EntryStatus::CallbackScheduled, Some(at)),
            Some(_) => return Err("the callback must be in the future".into()),
            None => return Err("a callback needs its time".into()),
        },
        Interested | AppointmentSet | Sale => (EntryStatus::Converted, None),
        NotInterested => (EntryStatus::Closed, Some(now + Duration::days(COOL_DOWN_DAYS))),
        WrongNumber => (EntryStatus::Closed, None),
        DoNotCall => (EntryStatus::Suppressed, None),
    };
    Ok(AfterCall {
        status,
        attempts,
        next_attempt_at,
        add_to_dnc: disposition == DoNotCall,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-27 10:00 UTC);

    fn rules() -> CheckedRules {
        DialRules::default().check().expect("the defaults hold")
    }

    #[test]
    fn each_disposition_moves_the_entry_as_the_design_says() {
        let r = rules();
        let after = |d, attempts| after_call(d, attempts, None, &r, NOW).expect("moves");
        let missed = after(Disposition::NoAnswer, 0);
        assert_eq!(
            (missed.status, missed.attempts, missed.next_attempt_at),
            (EntryStatus::RetryLater, 1, Some(NOW + Duration::hours(4)))
        );
        assert_eq!(
            after(Disposition::Busy, 5).status,
            EntryStatus::Exhausted,
            "the sixth attempt was the last"
        );
        assert_eq!(
            after(Disposition::PriceObjection, 1).next_attempt_at,
            Some(NOW + Duration::days(1))
        );
        assert_eq!(after(Disposition::Sale, 0).status, EntryStatus::Converted);
        let refused = after(Disposition::NotInterested, 2);
        assert_eq!(
            (refused.status, refused.next_attempt_at),
            (EntryStatus::Closed, Some(NOW + Duration::days(90)))
        );
        assert_eq!(after(Disposition::WrongNumber, 0).status, EntryStatus::Closed);
        let dnc = after(Disposition::DoNotCall, 0);
        assert!(dnc.add_to_dnc && dnc.status == EntryStatus::Suppressed);
        let later = NOW + Duration::hours(2);
        let callback = after_call(Disposition::CallbackRequested, 5, Some(later), &r, NOW).expect("scheduled");
        assert_eq!(
            (callback.status, callback.next_attempt_at),
            (EntryStatus::CallbackScheduled, Some(later)),
            "a promised callback is kept even past the attempts"
        );
        assert!(after_call(Disposition::CallbackRequested, 0, None, &r, NOW).is_err());
        assert!(after_call(Disposition::CallbackRequested, 0, Some(NOW), &r, NOW).is_err());
        assert!(
            Disposition::Dropped.human_answered()
                && !Disposition::Dropped.right_party()
                && !Disposition::Dropped.agent_selectable()
        );
        assert!(!Disposition::Machine.human_answered() && Disposition::Sale.converts());
    }

    #[test]
    fn dial_rules_are_checked_field_by_field() {
        let bad = DialRules {
            window_start: "21:00".into(),
            window_end: "08:00".into(),
            max_attempts: 0,
            retry_minutes: 1,
            follow_up_minutes: 1_440,
            jurisdiction: Some("Atlantis".into()),
        };
        let errors = bad.check().expect_err("refused");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["window_end", "max_attempts", "retry_minutes", "jurisdiction"]);
        let from_china = DialRules {
            jurisdiction: Some("cn".into()),
            ..DialRules::default()
        };
        assert_eq!(from_china.check().map(|r| r.home), Ok(Some("CN")));
        let typo = DialRules {
            window_start: "8am".into(),
            ..DialRules::default()
        };
        assert_eq!(typo.check().expect_err("refused").0[0].field, "window_start");
    }
}
