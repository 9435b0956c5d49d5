//! Imported files (`imports`), what each of their rows did (`import_rows`) and why rows failed
//! (`import_errors`). An import's counts and `rows_done` are written in the same transaction as
//! its rows' records, so an interrupted import resumes exactly where its last batch ended.

use std::collections::BTreeMap;

use closer_domain::ids::{ImportId, UserId, WorkspaceId};
use closer_domain::import::{ImportKind, ImportMode, ImportStatus, Source};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{PageRequest, label};
use crate::schema::{ImportErrors, ImportRows, Imports};

/// An import and its counts so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub id: ImportId,
    pub actor_id: UserId,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub source: Source,
    pub file_name: String,
    pub file_sha256: String,
    /// The column map and read options, as given (JSON).
    pub settings: serde_json::Value,
    pub status: ImportStatus,
    pub counts: ImportCounts,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub reverted_at: Option<OffsetDateTime>,
}

/// Rows done so far and what they did: `created + updated + skipped + failed = rows_done`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub rows_done: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub skipped_because: BTreeMap<String, i64>,
}

#[derive(FromRow)]
struct ImportRow {
    id: Uuid,
    actor_id: Uuid,
    kind: String,
    mode: String,
    source: String,
    file_name: String,
    file_sha256: String,
    settings: String,
    status: String,
    rows_done: i64,
    created: i64,
    updated: i64,
    skipped: i64,
    failed: i64,
    skipped_because: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    reverted_at: Option<OffsetDateTime>,
}

const COLUMNS: [Imports; 19] = [
    Imports::Id,
    Imports::ActorId,
    Imports::Kind,
    Imports::Mode,
    Imports::Source,
    Imports::FileName,
    Imports::FileSha256,
    Imports::Settings,
    Imports::Status,
    Imports::RowsDone,
    Imports::Created,
    Imports::Updated,
    Imports::Skipped,
    Imports::Failed,
    Imports::SkippedBecause,
    Imports::CreatedAt,
    Imports::UpdatedAt,
    Imports::FinishedAt,
    Imports::RevertedAt,
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("import {what}: {e}"))
}

impl ImportRow {
    fn into_import(self) -> Result<Import> {
        Ok(Import {
            id: ImportId(self.id),
            actor_id: UserId(self.actor_id),
            kind: label(ImportKind::parse, &self.kind)?,
            mode: label(ImportMode::parse, &self.mode)?,
            source: label(Source::parse, &self.source)?,
            file_name: self.file_name,
            file_sha256: self.file_sha256,
            settings: serde_json::from_str(&self.settings).map_err(|e| corrupt("settings", e))?,
            status: label(ImportStatus::parse, &self.status)?,
            counts: ImportCounts {
                rows_done: self.rows_done,
                created: self.created,
                updated: self.updated,
                skipped: self.skipped,
                failed: self.failed,
                skipped_because: serde_json::from_str(&self.skipped_because).map_err(|e| corrupt("counts", e))?,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            finished_at: self.finished_at,
            reverted_at: self.reverted_at,
        })
    }
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, import: &Import) -> Result<()> {
    let statement = Query::insert()
        .into_table(Imports::Table)
        .columns([
            Imports::WorkspaceId,
            Imports::Id,
            Imports::ActorId,
            Imports::Kind,
            Imports::Mode,
            Imports::Source,
            Imports::FileName,
            Imports::FileSha256,
            Imports::Settings,
            Imports::Status,
            Imports::CreatedAt,
            Imports::UpdatedAt,
        ])
        .values([
            workspace.as_uuid().into(),
            import.id.as_uuid().into(),
            import.actor_id.as_uuid().into(),
            import.kind.as_str().into(),
            import.mode.as_str().into(),
            import.source.as_str().into(),
            import.file_name.clone().into(),
            import.file_sha256.clone().into(),
            import.settings.to_string().into(),
            import.status.as_str().into(),
            import.created_at.into(),
            import.updated_at.into(),
        ])
        .map_err(|e| corrupt("insert", e))?
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: ImportId) -> Result<Option<Import>> {
    let statement = Query::select()
        .columns(COLUMNS)
        .from(Imports::Table)
        .and_where(Expr::col(Imports::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Imports::Id).eq(id.as_uuid()))
        .to_owned();
    let row: Option<ImportRow> = conn.fetch_optional(&statement).await?;
    row.map(ImportRow::into_import).transpose()
}

/// Imports newest first, a page; only `actor`'s when given.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    actor: Option<UserId>,
    page: PageRequest,
) -> Result<Vec<Import>> {
    let mut statement = Query::select()
        .columns(COLUMNS)
        .from(Imports::Table)
        .and_where(Expr::col(Imports::WorkspaceId).eq(workspace.as_uuid()))
        .order_by(Imports::Id, Order::Desc)
        .limit(u64::from(page.limit))
        .to_owned();
    if let Some(actor) = actor {
        statement.and_where(Expr::col(Imports::ActorId).eq(actor.as_uuid()));
    }
    if let Some(after) = page.after {
        statement.and_where(Expr::col(Imports::Id).lt(after));
    }
    let rows: Vec<ImportRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(ImportRow::into_import).collect()
}

/// Writes an import's counts, status and stamps.
pub async fn save_progress(conn: Conn<'_>, workspace: WorkspaceId, import: &Import) -> Result<()> {
    let counts = &import.counts;
    let statement = Query::update()
        .table(Imports::Table)
        .values([
            (Imports::Status, import.status.as_str().into()),
            (Imports::RowsDone, counts.rows_done.into()),
            (Imports::Created, counts.created.into()),
            (Imports::Updated, counts.updated.into()),
            (Imports::Skipped, counts.skipped.into()),
            (Imports::Failed, counts.failed.into()),
            (
                Imports::SkippedBecause,
                serde_json::to_string(&counts.skipped_because)
                    .unwrap_or_else(|_| "{}".into())
                    .into(),
            ),
            (Imports::UpdatedAt, import.updated_at.into()),
            (Imports::FinishedAt, import.finished_at.into()),
            (Imports::RevertedAt, import.reverted_at.into()),
        ])
        .and_where(Expr::col(Imports::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Imports::Id).eq(import.id.as_uuid()))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// What one row did to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowEffect {
    pub row_number: i64,
    pub entity_type: &'static str,
    pub entity_id: Uuid,
    pub created: bool,
}

pub async fn record_effects(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    import: ImportId,
    effects: &[RowEffect],
) -> Result<()> {
    if effects.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert()
        .into_table(ImportRows::Table)
        .columns([
            ImportRows::WorkspaceId,
            ImportRows::ImportId,
            ImportRows::RowNumber,
            ImportRows::EntityType,
            ImportRows::EntityId,
            ImportRows::Action,
        ])
        .to_owned();
    for effect in effects {
        statement
            .values([
                workspace.as_uuid().into(),
                import.as_uuid().into(),
                effect.row_number.into(),
                effect.entity_type.into(),
                effect.entity_id.into(),
                if effect.created { "created" } else { "updated" }.into(),
            ])
            .map_err(|e| corrupt("rows", e))?;
    }
    statement.on_conflict(sea_query::OnConflict::new().do_nothing().to_owned());
    conn.execute(&statement).await?;
    Ok(())
}

/// The records of `entity_type` an import created, a page in id order.
pub async fn created_records(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    import: ImportId,
    entity_type: &str,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>> {
    #[derive(FromRow)]
    struct IdRow {
        entity_id: Uuid,
    }
    let mut statement = Query::select()
        .column(ImportRows::EntityId)
        .from(ImportRows::Table)
        .and_where(Expr::col(ImportRows::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ImportRows::ImportId).eq(import.as_uuid()))
        .and_where(Expr::col(ImportRows::EntityType).eq(entity_type))
        .and_where(Expr::col(ImportRows::Action).eq("created"))
        .order_by(ImportRows::EntityId, Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(after) = after {
        statement.and_where(Expr::col(ImportRows::EntityId).gt(after));
    }
    let rows: Vec<IdRow> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.entity_id).collect())
}

/// Why a row failed.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StoredRowError {
    pub row_number: i64,
    pub column_name: Option<String>,
    pub reason: String,
}

pub async fn record_errors(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    import: ImportId,
    errors: &[StoredRowError],
) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert()
        .into_table(ImportErrors::Table)
        .columns([
            ImportErrors::WorkspaceId,
            ImportErrors::ImportId,
            ImportErrors::RowNumber,
            ImportErrors::Position,
            ImportErrors::ColumnName,
            ImportErrors::Reason,
        ])
        .to_owned();
    for (position, error) in errors.iter().enumerate() {
        statement
            .values([
                workspace.as_uuid().into(),
                import.as_uuid().into(),
                error.row_number.into(),
                i64::try_from(position).unwrap_or(i64::MAX).into(),
                error.column_name.clone().into(),
                error.reason.clone().into(),
            ])
            .map_err(|e| corrupt("errors", e))?;
    }
    statement.on_conflict(sea_query::OnConflict::new().do_nothing().to_owned());
    conn.execute(&statement).await?;
    Ok(())
}

/// An import's row errors in file order, a page after row `after_row`.
pub async fn errors(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    import: ImportId,
    after_row: i64,
    limit: u64,
) -> Result<Vec<StoredRowError>> {
    let statement = Query::select()
        .columns([ImportErrors::RowNumber, ImportErrors::ColumnName, ImportErrors::Reason])
        .from(ImportErrors::Table)
        .and_where(Expr::col(ImportErrors::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(ImportErrors::ImportId).eq(import.as_uuid()))
        .and_where(Expr::col(ImportErrors::RowNumber).gt(after_row))
        .order_by(ImportErrors::RowNumber, Order::Asc)
        .order_by(ImportErrors::Position, Order::Asc)
        .limit(limit)
        .to_owned();
    conn.fetch_all(&statement).await
}
