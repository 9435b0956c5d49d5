//! Use cases for meetings and visits: arrange, change, log as held or no-show, cancel, move.

use closer_domain::audit::AuditAction;
use closer_domain::ids::{DealId, MeetingId};
use closer_domain::meeting::{
    Meeting, MeetingDraft, MeetingFields, MeetingLog, MeetingPatch, MeetingReschedule, cancel,
};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, audit, deals, meetings};

use super::resources::References;
use super::{AppError, AppResult, Ctx, Expected, begin_update, create, finish_change, finish_update, new_id, now};

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

/// Records how a meeting went.
pub async fn log_meeting(ctx: &Ctx, id: MeetingId, version: &Expected, log: &MeetingLog) -> AppResult<Meeting> {
    let (tx, current) = begin_update::<Meeting>(ctx, id.as_uuid(), version).await?;
    let next = Meeting::new(current.id, log.apply(&current.fields)?, current.meta.clone());
    finish_update(ctx, tx, &current, next).await
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
