//! The audit trail, written in the same transaction as the change it records.

use closer_domain::audit::{AuditAction, AuditEntry};
use closer_domain::ids::{AuditId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{Page, PageRequest, label};
use crate::schema::AuditLog;

/// Entries per statement: eleven parameters each, well under SQLite's limit.
const ENTRIES_PER_INSERT: usize = 2_000;

/// Writes audit entries (one statement per two thousand).
pub async fn insert(mut conn: Conn<'_>, workspace: WorkspaceId, entries: &[AuditEntry]) -> Result<()> {
    for chunk in entries.chunks(ENTRIES_PER_INSERT) {
        insert_chunk(conn.reborrow(), workspace, chunk).await?;
    }
    Ok(())
}

async fn insert_chunk(conn: Conn<'_>, workspace: WorkspaceId, entries: &[AuditEntry]) -> Result<()> {
    let mut statement = Query::insert()
        .into_table(AuditLog::Table)
        .columns([
            AuditLog::WorkspaceId,
            AuditLog::Id,
            AuditLog::At,
            AuditLog::ActorId,
            AuditLog::RequestId,
            AuditLog::EntityType,
            AuditLog::EntityId,
            AuditLog::Action,
            AuditLog::Field,
            AuditLog::OldValue,
            AuditLog::NewValue,
        ])
        .to_owned();
    for entry in entries {
        statement.values_panic([
            workspace.as_uuid().into(),
            entry.id.as_uuid().into(),
            entry.at.into(),
            entry.actor_id.map(|a| a.as_uuid()).into(),
            entry.request_id.clone().into(),
            entry.entity_type.clone().into(),
            entry.entity_id.into(),
            entry.action.as_str().into(),
            entry.field.clone().into(),
            entry.old_value.as_ref().map(ToString::to_string).into(),
            entry.new_value.as_ref().map(ToString::to_string).into(),
        ]);
    }
    conn.execute(&statement).await?;
    Ok(())
}

#[derive(FromRow)]
struct AuditRow {
    id: Uuid,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    request_id: Option<String>,
    entity_type: String,
    entity_id: Uuid,
    action: String,
    field: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
}

fn json(text: Option<String>) -> Result<Option<serde_json::Value>> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("audit value: {e}"))))
        .transpose()
}

/// Filters of the audit list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_id: Option<Uuid>,
    pub entity_type: Option<String>,
    pub actor_id: Option<UserId>,
}

/// Audit entries in the order they were written.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>> {
    let mut statement = Query::select()
        .columns([
            AuditLog::Id,
            AuditLog::At,
            AuditLog::ActorId,
            AuditLog::RequestId,
            AuditLog::EntityType,
            AuditLog::EntityId,
            AuditLog::Action,
            AuditLog::Field,
            AuditLog::OldValue,
            AuditLog::NewValue,
        ])
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned();
    if let Some(entity) = filter.entity_id {
        statement.and_where(Expr::col(AuditLog::EntityId).eq(entity));
    }
    if let Some(kind) = &filter.entity_type {
        statement.and_where(Expr::col(AuditLog::EntityType).eq(kind.clone()));
    }
    if let Some(actor) = filter.actor_id {
        statement.and_where(Expr::col(AuditLog::ActorId).eq(actor.as_uuid()));
    }
    if let Some(after) = page.after {
        statement.and_where(Expr::col(AuditLog::Id).gt(after));
    }
    statement
        .order_by(AuditLog::Id, sea_query::Order::Asc)
        .limit(u64::from(page.limit) + 1);
    let rows: Vec<AuditRow> = conn.fetch_all(&statement).await?;
    let entries = rows
        .into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: AuditId(r.id),
                at: r.at,
                actor_id: r.actor_id.map(UserId),
                request_id: r.request_id,
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                action: label(AuditAction::parse, &r.action)?,
                field: r.field,
                old_value: json(r.old_value)?,
                new_value: json(r.new_value)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(entries, page, |e| e.id.as_uuid()))
}
