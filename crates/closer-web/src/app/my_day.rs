//! A rep's day: open tasks, today's meetings, next steps that are overdue, rotting deals, and the
//! recommendations across their open deals.

use std::collections::HashMap;

use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, PartyId};
use closer_domain::meeting::{Meeting, MeetingStatus};
use closer_domain::playbook::DealStatus;
use closer_domain::rules::Proposal;
use closer_domain::zone::Zone;
use closer_store::deals::{self, DealFilter};
use closer_store::meetings::{self, MeetingFilter};
use closer_store::tasks::{self, TaskFilter};
use closer_store::{PageRequest, parties};
use time::{Date, Duration, OffsetDateTime, Time};

use super::{AppError, AppResult, Ctx, get, recommendations};

/// Open deals whose recommendations the day lists; the rest wait for their own page.
const DEALS_ADVISED: u32 = 25;
/// How far back held meetings are searched for next steps still due.
const NEXT_STEP_LOOKBACK_DAYS: i64 = 60;

pub struct MyDay {
    pub today: Date,
    pub tasks: Vec<closer_domain::activity::Task>,
    /// Planned, confirmed or held today, in time order; organised by or attended by the user.
    pub meetings: Vec<Meeting>,
    /// Held meetings of the user's whose agreed next step is past due.
    pub overdue_next_steps: Vec<Meeting>,
    pub rotting: Vec<Deal>,
    /// Across the user's open deals, highest priority first.
    pub recommendations: Vec<(Deal, Proposal)>,
    pub deal_titles: HashMap<DealId, String>,
    pub names: HashMap<PartyId, String>,
}

fn mine(meeting: &Meeting, ctx: &Ctx) -> bool {
    meeting.fields.organiser_id == ctx.actor()
        || meeting.fields.attendees.iter().any(|a| a.user_id == Some(ctx.actor()))
}

/// The day of `now` on the signed-in user's clocks (`zone`).
pub async fn load(ctx: &Ctx, now: OffsetDateTime, zone: &Zone) -> AppResult<MyDay> {
    let today = zone.local(now).date();
    let start = zone.instant(today, Time::MIDNIGHT);
    let end = today.next_day().map_or(start + Duration::days(1), |tomorrow| {
        zone.instant(tomorrow, Time::MIDNIGHT)
    });
    let mut conn = ctx.db.acquire().await?;
    let visibility = ctx.visibility();
    let page = PageRequest {
        after: None,
        limit: 200,
    };

    let task_filter = TaskFilter {
        assignee_id: Some(ctx.actor()),
        done: Some(false),
        ..Default::default()
    };
    let mut tasks = tasks::list(conn.conn(), ctx.workspace, &visibility, &task_filter, page)
        .await?
        .items;
    tasks.sort_by_key(|t| (t.fields.due_on.is_none(), t.fields.due_on));

    let today_filter = MeetingFilter {
        from: Some(start),
        to: Some(end),
        ..Default::default()
    };
    let mut meetings: Vec<Meeting> = meetings::list(conn.conn(), ctx.workspace, &visibility, &today_filter, page)
        .await?
        .items
        .into_iter()
        .filter(|m| mine(m, ctx) && !matches!(m.fields.status, MeetingStatus::Cancelled | MeetingStatus::Rescheduled))
        .collect();
    meetings.sort_by_key(|m| m.fields.planned_start);

    let recent = MeetingFilter {
        status: Some(MeetingStatus::Held),
        from: Some(start - Duration::days(NEXT_STEP_LOOKBACK_DAYS)),
        ..Default::default()
    };
    let mut overdue_next_steps: Vec<Meeting> = meetings::list(conn.conn(), ctx.workspace, &visibility, &recent, page)
        .await?
        .items
        .into_iter()
        .filter(|m| mine(m, ctx) && m.fields.next_step_due.is_some_and(|due| due < today))
        .collect();
    overdue_next_steps.sort_by_key(|m| m.fields.next_step_due);

    let my_open = DealFilter {
        owner_id: Some(ctx.actor()),
        status: Some(DealStatus::Open),
        ..Default::default()
    };
    let rotting_filter = DealFilter {
        rotting: Some(true),
        ..my_open.clone()
    };
    let rotting = deals::list(conn.conn(), ctx.workspace, &visibility, &rotting_filter, page)
        .await?
        .items;
    let advised = PageRequest {
        after: None,
        limit: DEALS_ADVISED,
    };
    let open_deals = deals::list(conn.conn(), ctx.workspace, &visibility, &my_open, advised)
        .await?
        .items;
    drop(conn);

    let mut advice = Vec::new();
    for deal in &open_deals {
        for proposal in recommendations::open(ctx, deal.id).await? {
            advice.push((deal.clone(), proposal));
        }
    }
    advice.sort_by(|a, b| {
        b.1.priority
            .cmp(&a.1.priority)
            .then(a.0.id.as_uuid().cmp(&b.0.id.as_uuid()))
    });

    let mut deal_ids: Vec<DealId> = overdue_next_steps
        .iter()
        .chain(&meetings)
        .filter_map(|m| m.fields.deal_id)
        .collect();
    deal_ids.sort_by_key(|d| d.as_uuid());
    deal_ids.dedup();
    // A meeting the user attends may be on a deal they may not see: its title stays hidden.
    let mut deal_titles = HashMap::new();
    for id in deal_ids {
        match get::<Deal>(ctx, id.as_uuid()).await {
            Ok(deal) => {
                deal_titles.insert(id, deal.terms.title);
            }
            Err(AppError::NotFound { .. } | AppError::Deleted { .. } | AppError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let mut conn = ctx.db.acquire().await?;
    let counterparties: Vec<PartyId> = rotting
        .iter()
        .chain(advice.iter().map(|(d, _)| d))
        .map(|d| d.terms.counterparty_id)
        .collect();
    let names = parties::names(conn.conn(), ctx.workspace, &counterparties).await?;
    Ok(MyDay {
        today,
        tasks,
        meetings,
        overdue_next_steps,
        rotting,
        recommendations: advice,
        deal_titles,
        names,
    })
}
