//! Meetings and their attendees.

use closer_domain::ids::{DealId, MeetingId, PartyId, UserId, WorkspaceId};
use closer_domain::meeting::{
    Attendance, Attendee, InviteResponse, InviteType, Meeting, MeetingFields, MeetingPurpose, MeetingStatus, Side,
    Venue,
};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{self, Visibility};
use crate::db::{Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, label};
use crate::schema::{Deals, MeetingAttendees, Meetings};

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Option<Uuid>,
    purpose: String,
    venue: String,
    location: Option<String>,
    status: String,
    planned_start: OffsetDateTime,
    planned_end: OffsetDateTime,
    actual_start: Option<OffsetDateTime>,
    actual_end: Option<OffsetDateTime>,
    objective: Option<String>,
    agreed_next_step: Option<String>,
    next_step_due: Option<Date>,
    outcome_notes: Option<String>,
    visit_plan: Option<String>,
    negotiation_plan: Option<String>,
    rescheduled_to: Option<Uuid>,
    organiser_id: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct AttendeeRow {
    meeting_id: Uuid,
    side: String,
    person_id: Option<Uuid>,
    user_id: Option<Uuid>,
    invite: String,
    response: String,
    attendance: String,
}

fn json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Result<Option<T>> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("meeting plan: {e}"))))
        .transpose()
}

impl AttendeeRow {
    fn into_attendee(self) -> Result<Attendee> {
        Ok(Attendee {
            side: label(Side::parse, &self.side)?,
            person_id: self.person_id.map(PartyId),
            user_id: self.user_id.map(UserId),
            invite: label(InviteType::parse, &self.invite)?,
            response: label(InviteResponse::parse, &self.response)?,
            attendance: label(Attendance::parse, &self.attendance)?,
        })
    }
}

impl Row {
    fn into_meeting(self, attendees: Vec<Attendee>) -> Result<Meeting> {
        let fields = MeetingFields {
            deal_id: self.deal_id.map(DealId),
            purpose: label(MeetingPurpose::parse, &self.purpose)?,
            venue: label(Venue::parse, &self.venue)?,
            location: self.location,
            status: label(MeetingStatus::parse, &self.status)?,
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            actual_start: self.actual_start,
            actual_end: self.actual_end,
            objective: self.objective,
            agreed_next_step: self.agreed_next_step,
            next_step_due: self.next_step_due,
            outcome_notes: self.outcome_notes,
            attendees,
            visit_plan: json(self.visit_plan)?,
            negotiation_plan: json(self.negotiation_plan)?,
            rescheduled_to: self.rescheduled_to.map(MeetingId),
            organiser_id: UserId(self.organiser_id),
        };
        let meta = records::meta(self.version, self.created_at, self.updated_at, self.deleted_at);
        Ok(Meeting::new(MeetingId(self.id), fields, meta))
    }
}

const COLUMNS: [Meetings; 22] = [
    Meetings::Id,
    Meetings::DealId,
    Meetings::Purpose,
    Meetings::Venue,
    Meetings::Location,
    Meetings::Status,
    Meetings::PlannedStart,
    Meetings::PlannedEnd,
    Meetings::ActualStart,
    Meetings::ActualEnd,
    Meetings::Objective,
    Meetings::AgreedNextStep,
    Meetings::NextStepDue,
    Meetings::OutcomeNotes,
    Meetings::VisitPlan,
    Meetings::NegotiationPlan,
    Meetings::RescheduledTo,
    Meetings::OrganiserId,
    Meetings::Version,
    Meetings::CreatedAt,
    Meetings::UpdatedAt,
    Meetings::DeletedAt,
];

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Meetings::Table, c)))
        .from(Meetings::Table)
        .and_where(Expr::col((Meetings::Table, Meetings::WorkspaceId)).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(fields: &MeetingFields) -> Vec<(Meetings, Expr)> {
    let to_json = |value: Option<String>| Expr::from(value);
    vec![
        (Meetings::DealId, fields.deal_id.map(|d| d.as_uuid()).into()),
        (Meetings::Purpose, fields.purpose.as_str().into()),
        (Meetings::Venue, fields.venue.as_str().into()),
        (Meetings::Location, fields.location.clone().into()),
        (Meetings::Status, fields.status.as_str().into()),
        (Meetings::PlannedStart, fields.planned_start.into()),
        (Meetings::PlannedEnd, fields.planned_end.into()),
        (Meetings::ActualStart, fields.actual_start.into()),
        (Meetings::ActualEnd, fields.actual_end.into()),
        (Meetings::Objective, fields.objective.clone().into()),
        (Meetings::AgreedNextStep, fields.agreed_next_step.clone().into()),
        (Meetings::NextStepDue, fields.next_step_due.into()),
        (Meetings::OutcomeNotes, fields.outcome_notes.clone().into()),
        (
            Meetings::VisitPlan,
            to_json(fields.visit_plan.as_ref().and_then(|p| serde_json::to_string(p).ok())),
        ),
        (
            Meetings::NegotiationPlan,
            to_json(
                fields
                    .negotiation_plan
                    .as_ref()
                    .and_then(|p| serde_json::to_string(p).ok()),
            ),
        ),
        (
            Meetings::RescheduledTo,
            fields.rescheduled_to.map(|m| m.as_uuid()).into(),
        ),
        (Meetings::OrganiserId, fields.organiser_id.as_uuid().into()),
    ]
}

async fn attendees_of(conn: Conn<'_>, workspace: WorkspaceId, meetings: &[Uuid]) -> Result<Vec<AttendeeRow>> {
    if meetings.is_empty() {
        return Ok(Vec::new());
    }
    let statement = Query::select()
        .columns([
            MeetingAttendees::MeetingId,
            MeetingAttendees::Side,
            MeetingAttendees::PersonId,
            MeetingAttendees::UserId,
            MeetingAttendees::Invite,
            MeetingAttendees::Response,
            MeetingAttendees::Attendance,
        ])
        .from(MeetingAttendees::Table)
        .and_where(Expr::col(MeetingAttendees::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(MeetingAttendees::MeetingId).is_in(meetings.to_vec()))
        .order_by(MeetingAttendees::MeetingId, Order::Asc)
        .order_by(MeetingAttendees::Position, Order::Asc)
        .to_owned();
    conn.fetch_all(&statement).await
}

async fn assemble(mut conn: Conn<'_>, workspace: WorkspaceId, rows: Vec<Row>) -> Result<Vec<Meeting>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut attendees = attendees_of(conn.reborrow(), workspace, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut attendees)
                .into_iter()
                .partition(|a| a.meeting_id == row.id);
            attendees = rest;
            let list = mine
                .into_iter()
                .map(AttendeeRow::into_attendee)
                .collect::<Result<Vec<_>>>()?;
            row.into_meeting(list)
        })
        .collect()
}

/// A meeting by id, deleted or not.
pub async fn get(mut conn: Conn<'_>, workspace: WorkspaceId, id: MeetingId) -> Result<Option<Meeting>> {
    let statement = select(workspace)
        .and_where(Expr::col((Meetings::Table, Meetings::Id)).eq(id.as_uuid()))
        .to_owned();
    let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
    Ok(assemble(conn, workspace, rows).await?.into_iter().next())
}

/// Every live meeting of a deal, earliest first.
pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<Meeting>> {
    for_deals(conn, workspace, &[deal]).await
}

/// Every live meeting of several deals, earliest first.
pub async fn for_deals(mut conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Meeting>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(
            Expr::col((Meetings::Table, Meetings::DealId)).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()),
        )
        .and_where(Expr::col((Meetings::Table, Meetings::DeletedAt)).is_null())
        .order_by((Meetings::Table, Meetings::PlannedStart), Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
    assemble(conn, workspace, rows).await
}

/// Replaces a meeting's attendees with those it lists now.
async fn write_attendees(mut conn: Conn<'_>, workspace: WorkspaceId, meeting: &Meeting) -> Result<()> {
    let clear = Query::delete()
        .from_table(MeetingAttendees::Table)
        .and_where(Expr::col(MeetingAttendees::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(MeetingAttendees::MeetingId).eq(meeting.id.as_uuid()))
        .to_owned();
    conn.reborrow().execute(&clear).await?;
    insert_attendees(conn, workspace, meeting).await
}

/// Writes the attendees of a meeting that has none stored yet.
async fn insert_attendees(conn: Conn<'_>, workspace: WorkspaceId, meeting: &Meeting) -> Result<()> {
    if meeting.fields.attendees.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(MeetingAttendees::Table)
        .columns([
            MeetingAttendees::WorkspaceId,
            MeetingAttendees::MeetingId,
            MeetingAttendees::Position,
            MeetingAttendees::Side,
            MeetingAttendees::PersonId,
            MeetingAttendees::UserId,
            MeetingAttendees::Invite,
            MeetingAttendees::Response,
            MeetingAttendees::Attendance,
        ])
        .to_owned();
    for (position, attendee) in meeting.fields.attendees.iter().enumerate() {
        insert.values_panic([
            workspace.as_uuid().into(),
            meeting.id.as_uuid().into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            attendee.side.as_str().into(),
            attendee.person_id.map(|p| p.as_uuid()).into(),
            attendee.user_id.map(|u| u.as_uuid()).into(),
            attendee.invite.as_str().into(),
            attendee.response.as_str().into(),
            attendee.attendance.as_str().into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}

pub async fn insert(mut conn: Conn<'_>, workspace: WorkspaceId, meeting: &Meeting) -> Result<()> {
    records::insert_record(
        conn.reborrow(),
        Meetings::Table,
        workspace,
        meeting.id.as_uuid(),
        &meeting.meta,
        values(&meeting.fields),
    )
    .await?;
    insert_attendees(conn, workspace, meeting).await
}

pub async fn update(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    meeting: &Meeting,
    expected_version: i64,
) -> Result<bool> {
    let (id, meta) = (meeting.id.as_uuid(), &meeting.meta);
    let written = records::update_record(
        conn.reborrow(),
        Meetings::Table,
        workspace,
        id,
        meta,
        expected_version,
        values(&meeting.fields),
    )
    .await?;
    if written {
        write_attendees(conn, workspace, meeting).await?;
    }
    Ok(written)
}

/// Filters of the meeting list.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub deal_id: Option<DealId>,
    pub status: Option<MeetingStatus>,
    pub organiser_id: Option<UserId>,
    /// Meetings with this person among the buyer's attendees, or on deals with this person or
    /// organisation as the counterparty.
    pub party_id: Option<PartyId>,
    /// Meetings planned to start at or after this instant.
    pub from: Option<OffsetDateTime>,
    /// Meetings planned to start before this instant.
    pub to: Option<OffsetDateTime>,
    pub deleted: Deleted,
}

/// Meetings the principal may see (on a deal they see, arranged by them, or with them attending)
/// that match `filter`, one page in id order.
pub async fn list(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &MeetingFilter,
    page: PageRequest,
) -> Result<Page<Meeting>> {
    let mut statement = select(workspace);
    let col = |c: Meetings| Expr::col((Meetings::Table, c));
    if !visibility.admin {
        let attending = Query::select()
            .column(MeetingAttendees::MeetingId)
            .from(MeetingAttendees::Table)
            .and_where(Expr::col(MeetingAttendees::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(MeetingAttendees::UserId).eq(visibility.user.as_uuid()))
            .to_owned();
        statement.cond_where(
            Cond::any()
                .add(col(Meetings::OrganiserId).eq(visibility.user.as_uuid()))
                .add(col(Meetings::Id).in_subquery(attending))
                .add(col(Meetings::DealId).in_subquery(access::visible_deal_ids(workspace, visibility))),
        );
    }
    if let Some(deal) = filter.deal_id {
        statement.and_where(col(Meetings::DealId).eq(deal.as_uuid()));
    }
    if let Some(status) = filter.status {
        statement.and_where(col(Meetings::Status).eq(status.as_str()));
    }
    if let Some(organiser) = filter.organiser_id {
        statement.and_where(col(Meetings::OrganiserId).eq(organiser.as_uuid()));
    }
    if let Some(party) = filter.party_id {
        let attended = Query::select()
            .column(MeetingAttendees::MeetingId)
            .from(MeetingAttendees::Table)
            .and_where(Expr::col(MeetingAttendees::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(MeetingAttendees::PersonId).eq(party.as_uuid()))
            .to_owned();
        let their_deals = Query::select()
            .column(Deals::Id)
            .from(Deals::Table)
            .and_where(Expr::col(Deals::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(Deals::CounterpartyId).eq(party.as_uuid()))
            .to_owned();
        statement.cond_where(
            Cond::any()
                .add(col(Meetings::Id).in_subquery(attended))
                .add(col(Meetings::DealId).in_subquery(their_deals)),
        );
    }
    if let Some(from) = filter.from {
        statement.and_where(col(Meetings::PlannedStart).gte(from));
    }
    if let Some(to) = filter.to {
        statement.and_where(col(Meetings::PlannedStart).lt(to));
    }
    records::scope_page(&mut statement, Meetings::Table, workspace, filter.deleted, page);
    let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
    let meetings = assemble(conn, workspace, rows).await?;
    Ok(Page::from_rows(meetings, page, |m| m.id.as_uuid()))
}
