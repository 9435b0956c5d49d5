//! Use cases for meetings and visits: arrange, change, log as held or no-show, cancel, move.

use closer_domain::audit::AuditAction;
use closer_domain::ids::{DealId, MeetingId};
use closer_domain::meeting::{
    Attendance, Attendee, InviteResponse, InviteType, Meeting, MeetingDraft, MeetingFields, MeetingLog, MeetingPatch,
    MeetingPurpose, MeetingReschedule, MeetingStatus, Side, Venue, cancel,
};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, audit, deals, meetings, stakeholders};
use time::Duration;

use super::resources::References;
use super::{
    AppError, AppResult, Ctx, Expected, begin_update, create, finish_change, finish_update, new_id, now, update_in,
};

/// Checks that the people and users a meeting names exist and are visible.
async fn check_people(ctx: &Ctx, mut conn: Conn<'_>, refs: &mut References, fields: &MeetingFields) -> AppResult<()> {
    for (index, attendee) in fields.attendees.iter().enumerate() {
        let field = format!("attendees[{index}]");
        if let Some(person) = attendee.person_id {
            refs.party(
                ctx,
                conn.reborrow(),
                &field,
                person,
                closer_domain::party::PartyKind::Person,
            )
            .await?;
        }
        if attendee.user_id.is_some() {
            refs.user(conn.reborrow(), ctx.workspace, &field, attendee.user_id)
                .await?;
        }
    }
    Ok(())
}

async fn check_deal(ctx: &Ctx, conn: Conn<'_>, refs: &mut References, deal: Option<DealId>) -> AppResult<()> {
    if let Some(deal) = deal {
        let live = deals::get(conn, ctx.workspace, deal)
            .await?
            .is_some_and(|d| d.meta.deleted_at.is_none());
        if !live
            || super::get::<closer_domain::deal::Deal>(ctx, deal.as_uuid())
                .await
                .is_err()
        {
            refs.missing("deal_id", format!("no such deal: {deal}"));
        }
    }
    Ok(())
}

pub async fn create_meeting(ctx: &Ctx, draft: &MeetingDraft) -> AppResult<Meeting> {
    let parsed = draft.parse(ctx.actor());
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    check_deal(ctx, conn.conn(), &mut refs, draft.deal_id).await?;
    if let Ok(fields) = &parsed {
        check_people(ctx, conn.conn(), &mut refs, fields).await?;
    }
    drop(conn);
    let fields = refs.merge(parsed)?;
    create(
        ctx,
        Meeting::new(MeetingId(new_id()), fields, RecordMeta::created(now())),
    )
    .await
}

pub async fn patch_meeting(ctx: &Ctx, id: MeetingId, version: &Expected, patch: &MeetingPatch) -> AppResult<Meeting> {
    let (mut tx, current) = begin_update::<Meeting>(ctx, id.as_uuid(), version).await?;
    let parsed = patch.apply(&current.fields);
    let mut refs = References::new();
    if let Ok(fields) = &parsed {
        check_people(ctx, tx.conn(), &mut refs, fields).await?;
    }
    let fields = refs.merge(parsed)?;
    let next = Meeting::new(current.id, fields, current.meta.clone());
    finish_update(ctx, tx, &current, next).await
}

/// Records how a meeting went. A first meeting held without the decision-maker plans the
/// decision-maker meeting at once (R4.1), at our office, three days later.
pub async fn log_meeting(ctx: &Ctx, id: MeetingId, version: &Expected, log: &MeetingLog) -> AppResult<Meeting> {
    let (mut tx, current) = begin_update::<Meeting>(ctx, id.as_uuid(), version).await?;
    let next = Meeting::new(current.id, log.apply(&current.fields)?, current.meta.clone());
    let logged = update_in(ctx, tx.conn(), &current, next, AuditAction::Update).await?;
    // A meeting held is an interaction between those who came: the warm paths learn of it.
    let learnt = super::relationships::learn_from_meeting(ctx, tx.conn(), &logged).await?;
    tx.commit().await?;
    if let Some(interaction) = learnt {
        ctx.graphs.record(ctx.workspace, &interaction);
    }
    if logged.fields.status == MeetingStatus::Held && logged.fields.purpose == MeetingPurpose::FirstMeeting {
        plan_decision_maker_meeting(ctx, &logged).await?;
    }
    Ok(logged)
}

async fn plan_decision_maker_meeting(ctx: &Ctx, first: &Meeting) -> AppResult<()> {
    let Some(deal) = first.fields.deal_id else {
        return Ok(());
    };
    let mut conn = ctx.db.acquire().await?;
    let committee = stakeholders::for_deal(conn.conn(), ctx.workspace, deal).await?;
    let deciders: Vec<_> = committee
        .iter()
        .filter(|s| s.fields.is_decision_maker())
        .map(|s| s.fields.person_id)
        .collect();
    let already = meetings::for_deal(conn.conn(), ctx.workspace, deal)
        .await?
        .iter()
        .any(|m| m.fields.purpose == MeetingPurpose::DecisionMakerMeeting && m.fields.status.is_open());
    drop(conn);
    if deciders.is_empty() || already || deciders.iter().any(|dm| first.attended_by(*dm)) {
        return Ok(());
    }
    let start = first.fields.actual_start.unwrap_or(first.fields.planned_start) + Duration::days(3);
    let length = first.fields.planned_end - first.fields.planned_start;
    let mut attendees: Vec<Attendee> = deciders
        .into_iter()
        .map(|person| Attendee {
            side: Side::Buyer,
            person_id: Some(person),
            user_id: None,
            invite: InviteType::Required,
            response: InviteResponse::None,
            attendance: Attendance::Unknown,
        })
        .collect();
    attendees.push(Attendee {
        side: Side::Seller,
        person_id: None,
        user_id: Some(first.fields.organiser_id),
        invite: InviteType::Required,
        response: InviteResponse::Accepted,
        attendance: Attendance::Unknown,
    });
    let fields = MeetingFields {
        purpose: MeetingPurpose::DecisionMakerMeeting,
        venue: Venue::OurOffice,
        location: None,
        status: MeetingStatus::Planned,
        planned_start: start,
        planned_end: start + length,
        actual_start: None,
        actual_end: None,
        objective: Some("Meet the leader who decides (planned after the first meeting, R4.1)".into()),
        agreed_next_step: None,
        next_step_due: None,
        outcome_notes: None,
        attendees,
        visit_plan: None,
        negotiation_plan: None,
        rescheduled_to: None,
        ..first.fields.clone()
    };
    create(
        ctx,
        Meeting::new(MeetingId(new_id()), fields, RecordMeta::created(now())),
    )
    .await?;
    Ok(())
}

pub async fn cancel_meeting(ctx: &Ctx, id: MeetingId, version: &Expected) -> AppResult<Meeting> {
    let (tx, current) = begin_update::<Meeting>(ctx, id.as_uuid(), version).await?;
    let next = Meeting::new(current.id, cancel(&current.fields)?, current.meta.clone());
    finish_update(ctx, tx, &current, next).await
}

/// Moves a meeting: the old one is marked rescheduled and a new planned one replaces it.
/// Returns the new meeting.
pub async fn reschedule_meeting(
    ctx: &Ctx,
    id: MeetingId,
    version: &Expected,
    request: &MeetingReschedule,
) -> AppResult<Meeting> {
    let (mut tx, current) = begin_update::<Meeting>(ctx, id.as_uuid(), version).await?;
    let replacement_id = MeetingId(new_id());
    let (old, new) = request.apply(&current.fields, replacement_id)?;
    let at = now();
    let replacement = Meeting::new(replacement_id, new, RecordMeta::created(at));
    meetings::insert(tx.conn(), ctx.workspace, &replacement).await?;
    let entries = ctx.audit_change(
        at,
        "meeting",
        replacement_id.as_uuid(),
        AuditAction::Create,
        None,
        &replacement,
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    let old = Meeting::new(current.id, old, current.meta.clone());
    finish_change(ctx, tx, &current, old, AuditAction::Update).await?;
    super::get(ctx, replacement_id.as_uuid()).await.map_err(|e| match e {
        AppError::NotFound { .. } => AppError::Conflict("the rescheduled meeting is not visible to you".into()),
        other => other,
    })
}
