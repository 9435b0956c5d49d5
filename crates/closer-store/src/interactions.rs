//! Interactions between people, kept as metadata only, and who took part in each.

use closer_domain::ids::{InteractionId, UserId, WorkspaceId};
use closer_domain::relationships::{Interaction, InteractionFields, InteractionKind, InteractionSource, Participant};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::records::{self, Deleted, Page, PageRequest, from_json_text, json_text, label};
use crate::schema::{InteractionParticipants, Interactions, Users};

#[derive(FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    occurred_at: OffsetDateTime,
    participants: String,
    participant_count: i64,
    two_way: bool,
    face_to_face: bool,
    duration_seconds: Option<i64>,
    expires_at: Option<OffsetDateTime>,
    source: String,
    source_id: Option<Uuid>,
    recorded_by: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_interaction(self) -> Result<Interaction> {
        let participants: Vec<Participant> = from_json_text("interaction participants", &self.participants)?;
        Ok(Interaction {
            id: InteractionId(self.id),
            fields: InteractionFields {
                kind: label(InteractionKind::parse, &self.kind)?,
                occurred_at: self.occurred_at,
                participants,
                participant_count: u32::try_from(self.participant_count).unwrap_or(u32::MAX),
                two_way: self.two_way,
                face_to_face: self.face_to_face,
                duration_seconds: self.duration_seconds.and_then(|d| u32::try_from(d).ok()),
                expires_at: self.expires_at,
                source: label(InteractionSource::parse, &self.source)?,
                source_id: self.source_id,
                recorded_by: UserId(self.recorded_by),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            (Interactions::Table, Interactions::Id),
            (Interactions::Table, Interactions::Kind),
            (Interactions::Table, Interactions::OccurredAt),
            (Interactions::Table, Interactions::Participants),
            (Interactions::Table, Interactions::ParticipantCount),
            (Interactions::Table, Interactions::TwoWay),
            (Interactions::Table, Interactions::FaceToFace),
            (Interactions::Table, Interactions::DurationSeconds),
            (Interactions::Table, Interactions::ExpiresAt),
            (Interactions::Table, Interactions::Source),
            (Interactions::Table, Interactions::SourceId),
            (Interactions::Table, Interactions::RecordedBy),
            (Interactions::Table, Interactions::Version),
            (Interactions::Table, Interactions::CreatedAt),
            (Interactions::Table, Interactions::UpdatedAt),
            (Interactions::Table, Interactions::DeletedAt),
        ])
        .from(Interactions::Table)
        .and_where(Expr::col((Interactions::Table, Interactions::WorkspaceId)).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: InteractionId) -> Result<Option<Interaction>> {
    let statement = select(workspace)
        .and_where(Expr::col((Interactions::Table, Interactions::Id)).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_interaction)
        .transpose()
}

/// The interaction learnt from a record (a logged meeting), if there is one.
pub async fn from_source(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    source: InteractionSource,
    source_id: Uuid,
) -> Result<Option<Interaction>> {
    let statement = select(workspace)
        .and_where(Expr::col((Interactions::Table, Interactions::Source)).eq(source.as_str()))
        .and_where(Expr::col((Interactions::Table, Interactions::SourceId)).eq(source_id))
        .to_owned();
    conn.fetch_optional::<Row, _>(&statement)
        .await?
        .map(Row::into_interaction)
        .transpose()
}

pub async fn insert(mut conn: Conn<'_>, workspace: WorkspaceId, interaction: &Interaction) -> Result<()> {
    let f = &interaction.fields;
    let row = vec![
        (Interactions::Kind, f.kind.as_str().into()),
        (Interactions::OccurredAt, f.occurred_at.into()),
        (Interactions::Participants, json_text(&f.participants).into()),
        (Interactions::ParticipantCount, i64::from(f.participant_count).into()),
        (Interactions::TwoWay, f.two_way.into()),
        (Interactions::FaceToFace, f.face_to_face.into()),
        (Interactions::DurationSeconds, f.duration_seconds.map(i64::from).into()),
        (Interactions::ExpiresAt, f.expires_at.into()),
        (Interactions::Source, f.source.as_str().into()),
        (Interactions::SourceId, f.source_id.into()),
        (Interactions::RecordedBy, f.recorded_by.as_uuid().into()),
    ];
    records::insert_record(
        conn.reborrow(),
        Interactions::Table,
        workspace,
        interaction.id.as_uuid(),
        &interaction.meta,
        row,
    )
    .await?;
    let mut statement = Query::insert()
        .into_table(InteractionParticipants::Table)
        .columns([
            InteractionParticipants::WorkspaceId,
            InteractionParticipants::InteractionId,
            InteractionParticipants::ParticipantId,
        ])
        .to_owned();
    for participant in &f.participants {
        statement.values_panic([
            workspace.as_uuid().into(),
            interaction.id.as_uuid().into(),
            participant.node().uuid().into(),
        ]);
    }
    conn.execute(&statement).await?;
    Ok(())
}

/// Writes a changed interaction (only its stamps change: deleted or restored) if it is still at
/// `expected_version`.
pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    interaction: &Interaction,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        Interactions::Table,
        workspace,
        interaction.id.as_uuid(),
        &interaction.meta,
        expected_version,
        Vec::<(Interactions, sea_query::Expr)>::new(),
    )
    .await
}

/// Filters of the interaction list.
#[derive(Debug, Clone, Default)]
pub struct InteractionFilter {
    /// Only interactions this person or user took part in.
    pub participant: Option<Uuid>,
    /// Only the interactions this user recorded.
    pub recorded_by: Option<UserId>,
    pub kind: Option<InteractionKind>,
    pub deleted: Deleted,
}

/// One page of interactions, oldest recorded first.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    filter: &InteractionFilter,
    page: PageRequest,
) -> Result<Page<Interaction>> {
    let mut statement = select(workspace);
    if let Some(participant) = filter.participant {
        statement.and_where(
            Expr::col((Interactions::Table, Interactions::Id)).in_subquery(
                Query::select()
                    .column(InteractionParticipants::InteractionId)
                    .from(InteractionParticipants::Table)
                    .and_where(Expr::col(InteractionParticipants::WorkspaceId).eq(workspace.as_uuid()))
                    .and_where(Expr::col(InteractionParticipants::ParticipantId).eq(participant))
                    .to_owned(),
            ),
        );
    }
    if let Some(user) = filter.recorded_by {
        statement.and_where(Expr::col((Interactions::Table, Interactions::RecordedBy)).eq(user.as_uuid()));
    }
    if let Some(kind) = filter.kind {
        statement.and_where(Expr::col((Interactions::Table, Interactions::Kind)).eq(kind.as_str()));
    }
    records::scope_page(&mut statement, Interactions::Table, workspace, filter.deleted, page);
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    let items = rows
        .into_iter()
        .map(Row::into_interaction)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |i| i.id.as_uuid()))
}

/// Every live interaction of the workspace, handed to `each` a chunk at a time (by id, so in
/// the order they were made): what the warm-path index is built from, in bounded memory.
pub async fn for_each_live(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    chunk: u64,
    mut each: impl FnMut(Interaction),
) -> Result<u64> {
    let mut after: Option<Uuid> = None;
    let mut count = 0;
    loop {
        let mut statement = select(workspace)
            .and_where(Expr::col((Interactions::Table, Interactions::DeletedAt)).is_null())
            .order_by((Interactions::Table, Interactions::Id), Order::Asc)
            .limit(chunk)
            .to_owned();
        if let Some(after) = after {
            statement.and_where(Expr::col((Interactions::Table, Interactions::Id)).gt(after));
        }
        let rows: Vec<Row> = conn.reborrow().fetch_all(&statement).await?;
        let full = rows.len() as u64 == chunk;
        for row in rows {
            after = Some(row.id);
            each(row.into_interaction()?);
            count += 1;
        }
        if !full {
            return Ok(count);
        }
    }
}

/// The live interactions recorded since `since`, oldest first: how a server learns of the
/// interactions others recorded.
pub async fn recorded_since(conn: Conn<'_>, workspace: WorkspaceId, since: OffsetDateTime) -> Result<Vec<Interaction>> {
    let statement = select(workspace)
        .and_where(Expr::col((Interactions::Table, Interactions::CreatedAt)).gte(since))
        .and_where(Expr::col((Interactions::Table, Interactions::DeletedAt)).is_null())
        .order_by((Interactions::Table, Interactions::CreatedAt), Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(Row::into_interaction).collect()
}

/// The users who keep their connections to themselves: warm paths never go through them.
pub async fn private_users(conn: Conn<'_>, workspace: WorkspaceId) -> Result<Vec<UserId>> {
    #[derive(FromRow)]
    struct Id {
        id: Uuid,
    }
    let statement = Query::select()
        .column(Users::Id)
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::SharesConnections).eq(false))
        .to_owned();
    let rows: Vec<Id> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| UserId(r.id)).collect())
}

/// Says whether `user` shares their connections for colleagues' warm paths.
pub async fn set_sharing(conn: Conn<'_>, workspace: WorkspaceId, user: UserId, shares: bool) -> Result<bool> {
    let statement = Query::update()
        .table(Users::Table)
        .value(Users::SharesConnections, shares)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(user.as_uuid()))
        .to_owned();
    Ok(conn.execute(&statement).await? > 0)
}

/// Whether `user` shares their connections for colleagues' warm paths.
pub async fn shares(conn: Conn<'_>, workspace: WorkspaceId, user: UserId) -> Result<bool> {
    #[derive(FromRow)]
    struct Sharing {
        shares_connections: bool,
    }
    let statement = Query::select()
        .column(Users::SharesConnections)
        .from(Users::Table)
        .and_where(Expr::col(Users::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Users::Id).eq(user.as_uuid()))
        .to_owned();
    let row: Option<Sharing> = conn.fetch_optional(&statement).await?;
    Ok(row.is_none_or(|r| r.shares_connections))
}
