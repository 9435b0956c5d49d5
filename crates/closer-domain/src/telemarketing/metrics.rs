//! Telemarketing metrics per day and agent (§3.9): dials per hour, connect rate, right-party
//! contact rate, conversion, abandonment and callbacks kept.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::{CallAttemptFields, Disposition};
use crate::ids::{CallEntryId, UserId};
use crate::zone::Zone;

/// A callback is kept when the next call comes at most this late.
pub const CALLBACK_GRACE: Duration = Duration::minutes(15);
/// An agent's day counts at least this long, so one quick call is not a thousand an hour.
const SHORTEST_SHIFT: Duration = Duration::minutes(15);

/// One agent's calls on one day (of the reader's clocks).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CallMetrics {
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    pub agent_id: UserId,
    pub dials: u32,
    /// Someone picked up.
    pub connects: u32,
    /// The customer themself was on the line.
    pub right_party_contacts: u32,
    /// Interested, appointment set or sale.
    pub conversions: u32,
    pub sales: u32,
    /// Answered but nobody free to take it.
    pub dropped: u32,
    pub callbacks_promised: u32,
    /// Callbacks due that day that were made on time (within 15 minutes).
    pub callbacks_kept: u32,
    pub callbacks_due: u32,
    pub talk_seconds: u64,
    /// Dials over the time from the first call to the end of the last (at least 15 minutes).
    pub dials_per_hour: f64,
    /// Connects over dials.
    pub connect_rate: f64,
    /// Right-party contacts over dials.
    pub right_party_rate: f64,
    /// Sales over right-party contacts.
    pub conversion_rate: f64,
    /// Dropped over connects (the cap is 3% per 30 days).
    pub abandonment_rate: f64,
    /// Inbound leads whose first call this agent made that day.
    pub leads_called: u32,
    /// The median time from an inbound lead's arrival to its first call, in seconds.
    pub speed_to_lead_seconds: Option<i64>,
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

#[derive(Default)]
struct Tally {
    dials: u32,
    connects: u32,
    right_party: u32,
    conversions: u32,
    sales: u32,
    dropped: u32,
    promised: u32,
    kept: u32,
    due: u32,
    talk: u64,
    first: Option<OffsetDateTime>,
    last: Option<OffsetDateTime>,
    lead_waits: Vec<i64>,
}

/// The middle value (the lower of the two middle ones for an even count).
fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// The metrics of `attempts` (a campaign's calls, in any order) per day on `zone`'s clocks and
/// agent, by day then agent. `leads` says when each entry that is an inbound lead came in: its
/// first call after that counts for speed to lead.
pub fn call_metrics(
    attempts: &[(CallEntryId, CallAttemptFields)],
    leads: &std::collections::HashMap<CallEntryId, OffsetDateTime>,
    zone: &Zone,
) -> Vec<CallMetrics> {
    let mut tallies: BTreeMap<(Date, UserId), Tally> = BTreeMap::new();
    for (_, attempt) in attempts {
        let day = zone.local(attempt.started_at).date();
        let tally = tallies.entry((day, attempt.agent_id)).or_default();
        let d = attempt.disposition;
        tally.dials += 1;
        tally.connects += u32::from(d.human_answered());
        tally.right_party += u32::from(d.right_party());
        tally.conversions += u32::from(d.converts());
        tally.sales += u32::from(d == Disposition::Sale);
        tally.dropped += u32::from(d == Disposition::Dropped);
        tally.promised += u32::from(d == Disposition::CallbackRequested);
        tally.talk += u64::from(attempt.talk_seconds.unwrap_or(0));
        tally.first = Some(tally.first.map_or(attempt.started_at, |t| t.min(attempt.started_at)));
        tally.last = Some(tally.last.map_or(attempt.ended_at, |t| t.max(attempt.ended_at)));
    }
    // Callbacks: each promise against the next call to the same entry.
    let mut by_entry: BTreeMap<CallEntryId, Vec<&CallAttemptFields>> = BTreeMap::new();
    for (entry, attempt) in attempts {
        by_entry.entry(*entry).or_default().push(attempt);
    }
    for (entry, calls) in &mut by_entry {
        calls.sort_by_key(|a| a.started_at);
        if let Some(lead_at) = leads.get(entry)
            && let Some(first) = calls.iter().find(|a| a.started_at >= *lead_at)
        {
            let tally = tallies
                .entry((zone.local(first.started_at).date(), first.agent_id))
                .or_default();
            tally.lead_waits.push((first.started_at - *lead_at).whole_seconds());
        }
        for (i, promise) in calls.iter().enumerate() {
            let Some(due) = promise
                .callback_at
                .filter(|_| promise.disposition == Disposition::CallbackRequested)
            else {
                continue;
            };
            let tally = tallies.entry((zone.local(due).date(), promise.agent_id)).or_default();
            tally.due += 1;
            let kept = calls
                .get(i + 1)
                .is_some_and(|next| next.started_at <= due + CALLBACK_GRACE);
            tally.kept += u32::from(kept);
        }
    }
    tallies
        .into_iter()
        .map(|((day, agent_id), mut t)| {
            let shift = match (t.first, t.last) {
                (Some(first), Some(last)) => (last - first).max(SHORTEST_SHIFT),
                _ => SHORTEST_SHIFT,
            };
            CallMetrics {
                day,
                agent_id,
                dials: t.dials,
                connects: t.connects,
                right_party_contacts: t.right_party,
                conversions: t.conversions,
                sales: t.sales,
                dropped: t.dropped,
                callbacks_promised: t.promised,
                callbacks_kept: t.kept,
                callbacks_due: t.due,
                talk_seconds: t.talk,
                dials_per_hour: if t.dials == 0 {
                    0.0
                } else {
                    f64::from(t.dials) / (shift.as_seconds_f64() / 3_600.0)
                },
                connect_rate: ratio(t.connects, t.dials),
                right_party_rate: ratio(t.right_party, t.dials),
                conversion_rate: ratio(t.sales, t.right_party),
                abandonment_rate: ratio(t.dropped, t.connects),
                leads_called: u32::try_from(t.lead_waits.len()).unwrap_or(u32::MAX),
                speed_to_lead_seconds: median(&mut t.lead_waits),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ids::{CallCampaignId, PartyId};

    fn call(
        entry: u128,
        agent: u128,
        at: OffsetDateTime,
        disposition: Disposition,
        callback_at: Option<OffsetDateTime>,
    ) -> (CallEntryId, CallAttemptFields) {
        let entry = CallEntryId(uuid::Uuid::from_u128(entry));
        (
            entry,
            CallAttemptFields {
                campaign_id: CallCampaignId(uuid::Uuid::from_u128(1)),
                entry_id: entry,
                person_id: PartyId(uuid::Uuid::from_u128(entry.as_uuid().as_u128() + 100)),
                agent_id: UserId(uuid::Uuid::from_u128(agent)),
                disposition,
                script_version: 1,
                started_at: at,
                ended_at: at + Duration::minutes(3),
                talk_seconds: Some(120),
                notes: None,
                callback_at,
            },
        )
    }

    #[test]
    fn a_day_of_calls_adds_up_by_hand() {
        let zone = Zone::named("Asia/Shanghai").expect("zone");
        let nine = datetime!(2026-11-27 01:00 UTC); // 09:00 in Shanghai
        let calls = vec![
            call(1, 7, nine, Disposition::NoAnswer, None),
            call(2, 7, nine + Duration::minutes(10), Disposition::Machine, None),
            call(3, 7, nine + Duration::minutes(20), Disposition::Dropped, None),
            call(
                4,
                7,
                nine + Duration::minutes(30),
                Disposition::CallbackRequested,
                Some(nine + Duration::hours(3)),
            ),
            call(5, 7, nine + Duration::minutes(40), Disposition::NotInterested, None),
            call(6, 7, nine + Duration::minutes(57), Disposition::Sale, None),
            // The callback, made ten minutes late: kept.
            call(
                4,
                7,
                nine + Duration::hours(3) + Duration::minutes(10),
                Disposition::Interested,
                None,
            ),
            // Another agent, the next day in Shanghai.
            call(8, 9, datetime!(2026-11-27 17:00 UTC), Disposition::WrongNumber, None),
        ];
        // Entry 5 was an inbound lead that came in at 08:32 and was called at 09:40; entry 6 one
        // that came in at 09:55, called at 09:57.
        let leads = std::collections::HashMap::from([
            (calls[4].0, nine - Duration::minutes(28)),
            (calls[5].0, nine + Duration::minutes(55)),
        ]);
        let found = call_metrics(&calls, &leads, &zone);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].leads_called, found[0].speed_to_lead_seconds), (2, Some(120)));
        assert_eq!((found[1].leads_called, found[1].speed_to_lead_seconds), (0, None));
        let day = &found[0];
        assert_eq!(day.day, time::macros::date!(2026 - 11 - 27));
        assert_eq!(
            (
                day.dials,
                day.connects,
                day.right_party_contacts,
                day.conversions,
                day.sales,
                day.dropped
            ),
            (7, 5, 4, 2, 1, 1)
        );
        assert_eq!(
            (day.callbacks_promised, day.callbacks_due, day.callbacks_kept),
            (1, 1, 1)
        );
        assert_eq!(day.talk_seconds, 840);
        // 7 dials from 09:00 to 12:13.
        assert!(
            (day.dials_per_hour - 7.0 / (193.0 / 60.0)).abs() < 1e-9,
            "{}",
            day.dials_per_hour
        );
        assert!((day.connect_rate - 5.0 / 7.0).abs() < 1e-9);
        assert!(
            (day.conversion_rate - 0.25).abs() < 1e-9,
            "one sale in four right-party contacts"
        );
        assert!((day.abandonment_rate - 0.2).abs() < 1e-9);
        let next = &found[1];
        assert_eq!(
            (next.day, next.dials, next.connects, next.right_party_contacts),
            (time::macros::date!(2026 - 11 - 28), 1, 1, 0)
        );
        assert!(
            (next.dials_per_hour - 4.0).abs() < 1e-9,
            "one call counts a 15-minute shift"
        );

        let late = vec![
            call(
                4,
                7,
                nine,
                Disposition::CallbackRequested,
                Some(nine + Duration::hours(1)),
            ),
            call(4, 7, nine + Duration::hours(2), Disposition::NoAnswer, None),
        ];
        assert_eq!(
            call_metrics(&late, &Default::default(), &zone)[0].callbacks_kept,
            0,
            "an hour late is not kept"
        );
    }
}
