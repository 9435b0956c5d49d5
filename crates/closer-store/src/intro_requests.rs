//! Requests for warm introductions, and how often each connector was asked lately.

use std::collections::HashMap;

use closer_domain::ids::{DealId, IntroRequestId, MeetingId, PartyId, UserId, WorkspaceId};
use closer_domain::relationships::{IntroRequest, IntroRequestFields, IntroStatus, Participant};
use sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::records::{self, Deleted, Page, PageRequest, from_json_text, json_text, label};
use crate::schema::IntroRequests;

#[derive(FromRow)]
struct Row {
    id: Uuid,
    requester_id: Uuid,
    connector: String,
    target_id: Uuid,
    deal_id: Option<Uuid>,
    path_score: f64,
    status: String,
    message: Option<String>,
    requested_at: Option<OffsetDateTime>,
    expires_at: Option<OffsetDateTime>,
    answered_at: Option<OffsetDateTime>,
    decline_reason: Option<String>,
    meeting_id: Option<Uuid>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_request(self) -> Result<IntroRequest> {
        let connector: Participant = from_json_text("intro request connector", &self.connector)?;
        Ok(IntroRequest {
            id: IntroRequestId(self.id),
            fields: IntroRequestFields {
                requester_id: UserId(self.requester_id),
                connector,
                target_id: PartyId(self.target_id),
                deal_id: self.deal_id.map(DealId),
                path_score: self.path_score,
                status: label(IntroStatus::parse, &self.status)?,
                message: self.message,
                requested_at: self.requested_at,
                expires_at: self.expires_at,
                answered_at: self.answered_at,
                decline_reason: self.decline_reason,
                meeting_id: self.meeting_id.map(MeetingId),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            IntroRequests::Id,
            IntroRequests::RequesterId,
            IntroRequests::Connector,
            IntroRequests::TargetId,
            IntroRequests::DealId,
            IntroRequests::PathScore,
            IntroRequests::Status,
            IntroRequests::Message,
            IntroRequests::RequestedAt,
            IntroRequests::ExpiresAt,
            IntroRequests::AnsweredAt,
            IntroRequests::DeclineReason,
            IntroRequests::MeetingId,
            IntroRequests::Version,
            IntroRequests::CreatedAt,
            IntroRequests::UpdatedAt,
            IntroRequests::DeletedAt,
        ])
        .from(IntroRequests::Table)
        .and_where(Expr::col(IntroRequests::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: IntroRequestId) -> Result<Option<IntroRequest>> {
    let statement = select(workspace)
        .and_where(Expr::col(IntroRequests::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_request)
        .transpose()
}

fn values(request: &IntroRequest) -> Vec<(IntroRequests, Expr)> {
    let f = &request.fields;
    vec![
        (IntroRequests::RequesterId, f.requester_id.as_uuid().into()),
        (IntroRequests::Connector, json_text(&f.connector).into()),
        (IntroRequests::ConnectorId, f.connector.node().uuid().into()),
        (IntroRequests::TargetId, f.target_id.as_uuid().into()),
        (IntroRequests::DealId, f.deal_id.map(|d| d.as_uuid()).into()),
        (IntroRequests::PathScore, f.path_score.into()),
        (IntroRequests::Status, f.status.as_str().into()),
        (IntroRequests::Message, f.message.clone().into()),
        (IntroRequests::RequestedAt, f.requested_at.into()),
        (IntroRequests::ExpiresAt, f.expires_at.into()),
        (IntroRequests::AnsweredAt, f.answered_at.into()),
        (IntroRequests::DeclineReason, f.decline_reason.clone().into()),
        (IntroRequests::MeetingId, f.meeting_id.map(|m| m.as_uuid()).into()),
    ]
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, request: &IntroRequest) -> Result<()> {
    records::insert_record(
        conn,
        IntroRequests::Table,
        workspace,
        request.id.as_uuid(),
        &request.meta,
        values(request),
    )
    .await
}

/// Writes a changed request if it is still at `expected_version`; false when it is not.
pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    request: &IntroRequest,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        IntroRequests::Table,
        workspace,
        request.id.as_uuid(),
        &request.meta,
        expected_version,
        values(request),
    )
    .await
}

/// The requests `user` made or was asked, one page, oldest first.
pub async fn involving(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    user: Option<UserId>,
    deleted: Deleted,
    page: PageRequest,
) -> Result<Page<IntroRequest>> {
    let mut statement = select(workspace);
    if let Some(user) = user {
        statement.cond_where(
            sea_query::Cond::any()
                .add(Expr::col(IntroRequests::RequesterId).eq(user.as_uuid()))
                .add(Expr::col(IntroRequests::ConnectorId).eq(user.as_uuid())),
        );
    }
    records::scope_page(&mut statement, IntroRequests::Table, workspace, deleted, page);
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    let items = rows.into_iter().map(Row::into_request).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |r| r.id.as_uuid()))
}

/// How many introductions each of `connectors` was asked for since `since`.
pub async fn asked_since(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    connectors: &[Uuid],
    since: OffsetDateTime,
) -> Result<HashMap<Uuid, u32>> {
    #[derive(FromRow)]
    struct Count {
        connector_id: Uuid,
        asked: i64,
    }
    if connectors.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .column(IntroRequests::ConnectorId)
        .expr_as(
            Func::count(Expr::col(IntroRequests::Id)),
            sea_query::Alias::new("asked"),
        )
        .from(IntroRequests::Table)
        .and_where(Expr::col(IntroRequests::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(IntroRequests::ConnectorId).is_in(connectors.to_vec()))
        .and_where(Expr::col(IntroRequests::RequestedAt).gte(since))
        .and_where(Expr::col(IntroRequests::DeletedAt).is_null())
        .group_by_col(IntroRequests::ConnectorId)
        .to_owned();
    let rows: Vec<Count> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.connector_id, u32::try_from(r.asked).unwrap_or(u32::MAX)))
        .collect())
}

/// Which of `targets` `requester` has asked to be introduced to and is still waiting for, or
/// was introduced to (drafts, declined and expired requests do not count).
pub async fn targets_asked(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    requester: UserId,
    targets: &[PartyId],
    now: OffsetDateTime,
) -> Result<std::collections::HashSet<PartyId>> {
    #[derive(FromRow)]
    struct Target {
        target_id: Uuid,
    }
    if targets.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let live = [
        IntroStatus::Accepted,
        IntroStatus::IntroMade,
        IntroStatus::MeetingBooked,
    ]
    .map(|s| s.as_str());
    let statement = Query::select()
        .distinct()
        .column(IntroRequests::TargetId)
        .from(IntroRequests::Table)
        .and_where(Expr::col(IntroRequests::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(IntroRequests::RequesterId).eq(requester.as_uuid()))
        .and_where(Expr::col(IntroRequests::TargetId).is_in(targets.iter().map(|t| t.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(IntroRequests::DeletedAt).is_null())
        .cond_where(
            sea_query::Cond::any()
                .add(Expr::col(IntroRequests::Status).is_in(live))
                .add(
                    Expr::col(IntroRequests::Status)
                        .eq(IntroStatus::Requested.as_str())
                        .and(Expr::col(IntroRequests::ExpiresAt).gt(now)),
                ),
        )
        .to_owned();
    let rows: Vec<Target> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| PartyId(r.target_id)).collect())
}
