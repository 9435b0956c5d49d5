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
