//! Use cases for the buying committee (D1) and the deal team (D6) of a deal.

use closer_domain::ValidationErrors;
use closer_domain::committee::{
    CommitteeCoverage, Contact, Stakeholder, StakeholderDraft, StakeholderPatch, check_committee, coverage,
};
use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, DealTeamMemberId, PartyId, StakeholderId, WorkspaceId};
use closer_domain::meeting::{Meeting, MeetingStatus};
use closer_domain::party::PartyKind;
use closer_domain::playbook::DealKind;
use closer_domain::record::RecordMeta;
use closer_domain::team::{self, DealTeamMember, DealTeamMemberDraft, DealTeamMemberPatch, TeamCoverage};
use closer_store::employments::{self, EmploymentFilter};
use closer_store::stakeholders::{self, StoredStakeholder};
use closer_store::{Conn, PageRequest, deal_team, meetings};
use serde::Serialize;
use utoipa::ToSchema;

use super::resources::References;
use super::{AppResult, Ctx, Expected, begin_update, create, finish_update, get, new_id, now};

/// What the meetings of a deal say about one person.
fn contact_of(person: PartyId, meetings: &[Meeting]) -> Contact {
    let mut contact = Contact::default();
    for meeting in meetings {
        if !meeting.fields.attendees.iter().any(|a| a.person_id == Some(person)) {
            continue;
        }
        contact.invited += 1;
        if meeting.attended_by(person) {
            contact.attended += 1;
            if meeting.face_to_face {
                contact.attended_face_to_face += 1;
            }
            let when = meeting.fields.actual_start.unwrap_or(meeting.fields.planned_start);
            contact.last_met_at = Some(contact.last_met_at.map_or(when, |last| last.max(when)));
        }
    }
    contact
}

fn enrich(stored: StoredStakeholder, meetings: &[Meeting]) -> Stakeholder {
    let contact = contact_of(stored.fields.person_id, meetings);
    Stakeholder::new(stored.id, stored.fields, contact, stored.meta)
}

/// A deal's committee, each stakeholder with what the deal's meetings say about them.
pub async fn committee_of(mut conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> AppResult<Vec<Stakeholder>> {
    let stored = stakeholders::for_deal(conn.reborrow(), workspace, deal).await?;
    let meetings = meetings::for_deal(conn, workspace, deal).await?;
    Ok(committee_from(stored, &meetings))
}

/// A committee from its stored stakeholders and the deal's meetings (cancelled ones say nothing).
pub(crate) fn committee_from(stored: Vec<StoredStakeholder>, meetings: &[Meeting]) -> Vec<Stakeholder> {
    let relevant: Vec<Meeting> = meetings
        .iter()
        .filter(|m| m.fields.status != MeetingStatus::Cancelled)
        .cloned()
        .collect();
    stored.into_iter().map(|s| enrich(s, &relevant)).collect()
}

/// The buying committee of a deal and how well it is covered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Committee {
    pub stakeholders: Vec<Stakeholder>,
    pub coverage: CommitteeCoverage,
}

pub async fn committee(ctx: &Ctx, deal: DealId) -> AppResult<Committee> {
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let stakeholders = committee_of(conn.conn(), ctx.workspace, deal).await?;
    Ok(Committee {
        coverage: coverage(&stakeholders),
        stakeholders,
    })
}

/// One stakeholder, with what meetings say about them.
pub async fn stakeholder(ctx: &Ctx, id: StakeholderId) -> AppResult<Stakeholder> {
    let stored: StoredStakeholder = get(ctx, id.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let held = meetings::for_deal(conn.conn(), ctx.workspace, stored.fields.deal_id).await?;
    Ok(enrich(stored, &held))
}

/// The person's department at the deal's organisation, from their live employment there.
async fn department_at(conn: Conn<'_>, ctx: &Ctx, person: PartyId, deal: &Deal) -> AppResult<Option<String>> {
    let filter = EmploymentFilter {
        person_id: Some(person),
        organisation_id: Some(deal.terms.counterparty_id),
        ..Default::default()
    };
    let page = employments::list(
        conn,
        ctx.workspace,
        &closer_store::access::Visibility::everything(ctx.workspace),
        &filter,
        PageRequest::default(),
    )
    .await?;
    Ok(page.items.into_iter().find_map(|e| e.fields.department))
}

pub async fn add_stakeholder(ctx: &Ctx, deal_id: DealId, draft: &StakeholderDraft) -> AppResult<Stakeholder> {
    let deal: Deal = get(ctx, deal_id.as_uuid()).await?;
    if deal.progress.kind != DealKind::B2b {
        return Err(ValidationErrors::single(
            "deal_id",
            "a B2C deal has one decider, the customer (D1); buying committees belong to B2B deals",
        )
        .into());
    }
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.party(ctx, conn.conn(), "person_id", draft.person_id, PartyKind::Person)
        .await?;
    let department = department_at(conn.conn(), ctx, draft.person_id, &deal).await?;
    let others = stakeholders::for_deal(conn.conn(), ctx.workspace, deal_id).await?;
    drop(conn);
    let fields = refs.merge(draft.parse(deal_id, department))?;
    check_committee(&fields, &others.iter().map(|o| &o.fields).collect::<Vec<_>>())?;
    let stored = StoredStakeholder {
        id: StakeholderId(new_id()),
        fields,
        meta: RecordMeta::created(now()),
    };
    let stored = create(ctx, stored).await?;
    stakeholder(ctx, stored.id).await
}

pub async fn patch_stakeholder(
    ctx: &Ctx,
    id: StakeholderId,
    version: &Expected,
    patch: &StakeholderPatch,
) -> AppResult<Stakeholder> {
    let (mut tx, current) = begin_update::<StoredStakeholder>(ctx, id.as_uuid(), version).await?;
    let fields = patch.apply(&current.fields)?;
    let others = stakeholders::for_deal(tx.conn(), ctx.workspace, current.fields.deal_id).await?;
    let others: Vec<_> = others.iter().filter(|o| o.id != id).map(|o| &o.fields).collect();
    check_committee(&fields, &others)?;
    let next = StoredStakeholder {
        fields,
        ..current.clone()
    };
    let stored = finish_update(ctx, tx, &current, next).await?;
    stakeholder(ctx, stored.id).await
}

/// The deal team and how it covers the committee.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealTeam {
    pub members: Vec<DealTeamMember>,
    pub coverage: TeamCoverage,
}

pub async fn deal_team(ctx: &Ctx, deal: DealId) -> AppResult<DealTeam> {
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    let members = deal_team::for_deal(conn.conn(), ctx.workspace, deal).await?;
    let committee = committee_of(conn.conn(), ctx.workspace, deal).await?;
    Ok(DealTeam {
        coverage: team::coverage(&members, &committee),
        members,
    })
}

pub async fn add_member(ctx: &Ctx, deal: DealId, draft: &DealTeamMemberDraft) -> AppResult<DealTeamMember> {
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.user(conn.conn(), ctx.workspace, "user_id", Some(draft.user_id))
        .await?;
    let others = deal_team::for_deal(conn.conn(), ctx.workspace, deal).await?;
    drop(conn);
    refs.merge(Ok(()))?;
    let fields = draft.parse(deal, &others.iter().map(|o| &o.fields).collect::<Vec<_>>())?;
    create(
        ctx,
        DealTeamMember {
            id: DealTeamMemberId(new_id()),
            fields,
            meta: RecordMeta::created(now()),
        },
    )
    .await
}

pub async fn patch_member(
    ctx: &Ctx,
    id: DealTeamMemberId,
    version: &Expected,
    patch: &DealTeamMemberPatch,
) -> AppResult<DealTeamMember> {
    let (tx, current) = begin_update::<DealTeamMember>(ctx, id.as_uuid(), version).await?;
    let next = DealTeamMember {
        fields: patch.apply(&current.fields),
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}
