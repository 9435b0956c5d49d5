//! Which entry an agent calls next: the callbacks they promised first, then the pool's due
//! callbacks, then by priority, then the one waiting longest. Never an entry suppressed,
//! exhausted or closed, one another agent holds, or one outside its callee's calling window.
//! The store claims the chosen entry atomically; this is the choice.

use std::cmp::Reverse;

use time::OffsetDateTime;

use super::{DialBlock, EntryStatus};
use crate::ids::UserId;

/// An entry as the hopper sees it; `K` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<K> {
    pub key: K,
    pub status: EntryStatus,
    /// Higher first.
    pub priority: i32,
    /// When it is due (a retry, a callback); none for an entry due at once.
    pub next_attempt_at: Option<OffsetDateTime>,
    /// The agent who promised the callback; none for the pool.
    pub callback_agent: Option<UserId>,
    /// While an agent holds it.
    pub claimed_until: Option<OffsetDateTime>,
    /// Since when it waits: when it fell due, or was added.
    pub waiting_since: OffsetDateTime,
}

impl<K> Candidate<K> {
    /// Up for a call by `agent` at `now`, before its number is checked.
    pub fn due(&self, agent: UserId, now: OffsetDateTime) -> bool {
        let ready = self.next_attempt_at.is_none_or(|at| at <= now);
        match self.status {
            EntryStatus::New | EntryStatus::Queued | EntryStatus::RetryLater => ready,
            EntryStatus::CallbackScheduled => ready && self.callback_agent.is_none_or(|a| a == agent),
            // An agent who took it and never answered: the lease ran out.
            EntryStatus::InProgress => self.claimed_until.is_some_and(|until| until <= now),
            EntryStatus::Converted | EntryStatus::Closed | EntryStatus::Suppressed | EntryStatus::Exhausted => false,
        }
    }

    /// The hopper's order for `agent`: lower first.
    pub fn rank(&self, agent: UserId) -> (u8, Reverse<i32>, OffsetDateTime) {
        let tier = match (self.status, self.callback_agent) {
            (EntryStatus::CallbackScheduled, Some(promised)) if promised == agent => 0,
            (EntryStatus::CallbackScheduled, _) => 1,
            _ => 2,
        };
        (tier, Reverse(self.priority), self.waiting_since)
    }
}

/// The hopper's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick<K> {
    /// The entry to call, if any may be called now.
    pub call: Option<K>,
    /// Entries met on the way that may never be called (do-not-call, no consent): to suppress.
    pub suppress: Vec<(K, DialBlock)>,
}

/// The entry `agent` calls next among `candidates` at `now`; `check` says whether an entry's
/// number may be dialled now (`compliance::may_dial`).
pub fn next_call<K: Clone>(
    candidates: &[Candidate<K>],
    agent: UserId,
    now: OffsetDateTime,
    check: impl Fn(&Candidate<K>) -> Result<(), DialBlock>,
) -> Pick<K> {
    let (callable, suppress) = callable(candidates, agent, now, check, 1);
    Pick {
        call: callable.into_iter().next(),
        suppress,
    }
}

/// Up to `wanted` entries `agent` may call now, best first, and the entries met on the way that
/// may never be called. Agents racing for the same entries try the first few in different
/// orders rather than all the first.
pub fn callable<K: Clone>(
    candidates: &[Candidate<K>],
    agent: UserId,
    now: OffsetDateTime,
    check: impl Fn(&Candidate<K>) -> Result<(), DialBlock>,
    wanted: usize,
) -> (Vec<K>, Vec<(K, DialBlock)>) {
    let mut due: Vec<&Candidate<K>> = candidates.iter().filter(|c| c.due(agent, now)).collect();
    due.sort_by_key(|c| c.rank(agent));
    let mut found = Vec::new();
    let mut suppress = Vec::new();
    for candidate in due {
        if found.len() == wanted {
            break;
        }
        match check(candidate) {
            Ok(()) => found.push(candidate.key.clone()),
            Err(block) if block.suppresses() => suppress.push((candidate.key.clone(), block)),
            Err(_) => {}
        }
    }
    (found, suppress)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use time::{Duration, macros::datetime};

    use super::super::{DEFAULT_WINDOW, DialFacts, PhoneConsent, may_dial};
    use super::*;
    use crate::zone::Zone;

    const PHONES: &[&str] = &[
        "+8613800138000",
        "+14155550100",
        "+442079460000",
        "+61291234567",
        "+99912345678",
    ];
    const ZONES: &[&str] = &["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney"];
    const START: OffsetDateTime = datetime!(2026-11-27 00:00 UTC);

    fn agent(n: u8) -> UserId {
        UserId(uuid::Uuid::from_u128(u128::from(n) + 1))
    }

    #[derive(Debug, Clone)]
    struct Entry {
        phone: usize,
        zone: Option<usize>,
        status: EntryStatus,
        priority: i32,
        next_in_minutes: Option<i64>,
        callback_agent: Option<u8>,
        claimed_for_minutes: Option<i64>,
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (
            0..PHONES.len(),
            proptest::option::of(0..ZONES.len()),
            proptest::sample::select(EntryStatus::ALL.to_vec()),
            -3..3,
            proptest::option::of(-600_i64..600),
            proptest::option::of(0_u8..3),
            proptest::option::of(-30_i64..30),
        )
            .prop_map(|(phone, zone, status, priority, next, callback, claimed)| Entry {
                phone,
                zone,
                status,
                priority,
                next_in_minutes: next,
                callback_agent: callback,
                claimed_for_minutes: claimed,
            })
    }

    proptest! {
        #[test]
        fn the_hopper_never_offers_a_blocked_closed_or_held_entry(
            entries in proptest::collection::vec(entry(), 0..40),
            dnc in proptest::collection::hash_set(0..PHONES.len(), 0..3),
            consented in proptest::collection::hash_set(0..PHONES.len(), 0..5),
            withdrawn in proptest::collection::hash_set(0..PHONES.len(), 0..2),
            minutes in 0_i64..(7 * 1_440),
            who in 0_u8..3,
        ) {
            let now = START + Duration::minutes(minutes);
            let me = agent(who);
            let zones: Vec<Zone> = ZONES.iter().map(|z| Zone::named(z).expect("zone")).collect();
            let candidates: Vec<Candidate<usize>> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| Candidate {
                    key: i,
                    status: e.status,
                    priority: e.priority,
                    next_attempt_at: e.next_in_minutes.map(|m| now + Duration::minutes(m)),
                    callback_agent: e.callback_agent.map(agent),
                    claimed_until: e.claimed_for_minutes.map(|m| now + Duration::minutes(m)),
                    waiting_since: e.next_in_minutes.map_or(START, |m| now + Duration::minutes(m)),
                })
                .collect();
            let check = |c: &Candidate<usize>| {
                let e = &entries[c.key];
                let consent = if withdrawn.contains(&e.phone) {
                    PhoneConsent::Withdrawn
                } else if consented.contains(&e.phone) {
                    PhoneConsent::Granted
                } else {
                    PhoneConsent::None
                };
                let facts = DialFacts {
                    phone: PHONES[e.phone],
                    zone: e.zone.map(|z| &zones[z]),
                    on_dnc: dnc.contains(&e.phone),
                    consent,
                    law: super::super::Laws::default().for_number(PHONES[e.phone], None),
                };
                may_dial(&facts, &DEFAULT_WINDOW, now)
            };
            let pick = next_call(&candidates, me, now, check);
            if let Some(key) = pick.call {
                let chosen = &candidates[key];
                prop_assert!(chosen.status.open(), "{:?}", chosen.status);
                prop_assert!(chosen.due(me, now));
                prop_assert!(check(chosen).is_ok(), "never blocked: {:?}", check(chosen));
                if chosen.status == EntryStatus::InProgress {
                    prop_assert!(chosen.claimed_until.is_some_and(|u| u <= now), "never one another agent holds");
                }
                if chosen.status == EntryStatus::CallbackScheduled {
                    prop_assert!(chosen.callback_agent.is_none_or(|a| a == me), "never another agent's callback");
                }
                // Nothing callable ranks before it.
                for other in candidates.iter().filter(|c| c.due(me, now) && check(c).is_ok()) {
                    prop_assert!(chosen.rank(me) <= other.rank(me));
                }
            } else {
                prop_assert!(candidates.iter().all(|c| !c.due(me, now) || check(c).is_err()));
            }
            let suppressed: HashSet<usize> = pick.suppress.iter().map(|(k, _)| *k).collect();
            for (key, block) in &pick.suppress {
                prop_assert!(block.suppresses());
                prop_assert_eq!(check(&candidates[*key]), Err(*block));
            }
            prop_assert_eq!(suppressed.len(), pick.suppress.len());
        }
    }

    #[test]
    fn the_agents_own_callbacks_come_first_then_the_pools_then_priority() {
        let now = START + Duration::hours(3);
        let me = agent(0);
        let entry = |key: u8, status, priority, callback_agent| Candidate {
            key,
            status,
            priority,
            next_attempt_at: Some(now - Duration::minutes(1)),
            callback_agent,
            claimed_until: None,
            waiting_since: now - Duration::minutes(1),
        };
        let all = vec![
            entry(1, EntryStatus::Queued, 9, None),
            entry(2, EntryStatus::CallbackScheduled, 0, None),
            entry(3, EntryStatus::CallbackScheduled, 0, Some(me)),
            entry(4, EntryStatus::CallbackScheduled, 5, Some(agent(1))),
        ];
        let order = |list: &[Candidate<u8>]| next_call(list, me, now, |_| Ok(())).call;
        assert_eq!(order(&all), Some(3), "the callback I promised");
        assert_eq!(order(&all[..2]), Some(2), "then the pool's");
        assert_eq!(order(&all[..1]), Some(1));
        assert_eq!(order(&all[3..]), None, "another agent's callback is theirs");
        let blocked = next_call(&all, me, now, |c| {
            if c.key == 3 {
                Err(DialBlock::DoNotCall)
            } else {
                Err(DialBlock::OutsideWindow)
            }
        });
        assert_eq!(
            blocked,
            Pick {
                call: None,
                suppress: vec![(3, DialBlock::DoNotCall)]
            }
        );
    }
}
