//! Cycle budgets (D7): how old a deal is against its playbook's budget, how long it has sat in
//! its stage, and whether it is rotting (no activity for the stage's rot days).

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::deal::Deal;
use crate::playbook::{DealStatus, Playbook};

/// The health of a deal at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealHealth {
    /// Days since the deal was created (until it closed, for a closed deal).
    pub cycle_age_days: i64,
    pub days_in_stage: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity_at: OffsetDateTime,
    /// Open, and nothing happened for the stage's rot days.
    pub rotting: bool,
    /// Open, and older than the playbook's cycle budget (B2C: nurture it; B2B: manager review).
    pub over_budget: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
}

/// The deal's health at `now`, given when anything last happened on it.
pub fn health(deal: &Deal, playbook: &Playbook, last_activity: OffsetDateTime, now: OffsetDateTime) -> DealHealth {
    let open = deal.progress.status == DealStatus::Open;
    let end = if open {
        now
    } else {
        deal.progress.closed_at.unwrap_or(now)
    };
    let cycle_age_days = (end - deal.meta.created_at).whole_days().max(0);
    let days_in_stage = (end - deal.progress.stage_entered_at).whole_days().max(0);
    let last_activity = last_activity
        .max(deal.progress.stage_entered_at)
        .max(deal.meta.updated_at);
    let rot_days = playbook.stage(deal.progress.stage_id).and_then(|s| s.rot_days);
    let idle_days = (now - last_activity).whole_days();
    DealHealth {
        cycle_age_days,
        days_in_stage,
        last_activity_at: last_activity,
        rotting: open && rot_days.is_some_and(|limit| idle_days >= i64::from(limit)),
        over_budget: open && cycle_age_days > i64::from(playbook.cycle_budget_max_days),
        checked_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, now};
    use crate::playbook::{B2B_DEFAULT, B2C_DEFAULT};
    use time::Duration;

    #[test]
    fn rotting_follows_the_stage_and_over_budget_the_playbook() {
        let b2c = fixtures::playbook(&B2C_DEFAULT);
        let deal = fixtures::deal(&b2c, "b2c_qualified", 11);
        let idle = health(&deal, &b2c, deal.meta.created_at, now());
        assert!(idle.rotting && idle.over_budget, "2 rot days and a 10-day budget");
        assert_eq!((idle.cycle_age_days, idle.days_in_stage), (11, 11));
        let busy = health(&deal, &b2c, now() - Duration::hours(3), now());
        assert!(!busy.rotting && busy.over_budget);

        let b2b = fixtures::playbook(&B2B_DEFAULT);
        let young = fixtures::deal(&b2b, "b2b_decision_maker_meeting", 20);
        let checked = health(&young, &b2b, now() - Duration::days(5), now());
        assert!(!checked.rotting, "6 rot days");
        assert!(!checked.over_budget, "20 days is inside 25");
        let mut closed = fixtures::deal(&b2b, "b2b_won", 40);
        closed.progress.status = DealStatus::Won;
        closed.progress.closed_at = Some(now() - Duration::days(10));
        let done = health(&closed, &b2b, closed.meta.created_at, now());
        assert!(!done.rotting && !done.over_budget);
        assert_eq!(done.cycle_age_days, 30, "the clock stops when the deal closes");
    }
}
