//! The life cycle every record shares: create, read, update under a version check, soft delete
//! and restore, each with its audit rows in the same transaction.

use std::future::Future;

use closer_domain::audit::AuditAction;
use closer_domain::ids::WorkspaceId;
use closer_domain::record::RecordMeta;
use closer_store::records::{RecordTable, set_deleted};
use closer_store::{Conn, StoreError, Tx, audit};
use serde::Serialize;
use uuid::Uuid;

use super::{AppError, AppResult, Ctx, Expected, now};

/// A stored record with stamps, a table and store functions.
pub trait Resource: Serialize + Clone + Send + Sync + Sized + 'static {
    /// The name used in messages and the audit trail ("person", "deal").
    const ENTITY: &'static str;
    const TABLE: RecordTable;

    fn id(&self) -> Uuid;
    fn meta(&self) -> &RecordMeta;
    fn meta_mut(&mut self) -> &mut RecordMeta;

    /// Loads a record, deleted or not.
    fn load(
        conn: Conn<'_>,
        workspace: WorkspaceId,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
    fn insert(&self, conn: Conn<'_>, workspace: WorkspaceId) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes the record if the stored one is still at `expected_version`.
    fn update(
        &self,
        conn: Conn<'_>,
        workspace: WorkspaceId,
        expected_version: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

fn live<R: Resource>(record: Option<R>, id: Uuid) -> AppResult<R> {
    match record {
        None => Err(AppError::NotFound { entity: R::ENTITY, id }),
        Some(r) if r.meta().deleted_at.is_some() => Err(AppError::Deleted { entity: R::ENTITY, id }),
        Some(r) => Ok(r),
    }
}

fn check_version<R: Resource>(record: &R, expected: &Expected) -> AppResult<()> {
    if expected.admits(record.meta().version) {
        Ok(())
    } else {
        Err(AppError::StaleVersion {
            expected: expected.clone(),
            current: record.meta().version,
        })
    }
}

/// A live record.
pub async fn get<R: Resource>(ctx: &Ctx, id: Uuid) -> AppResult<R> {
    let mut conn = ctx.db.acquire().await?;
    live(R::load(conn.conn(), ctx.workspace, id).await?, id)
}

/// Stores a new record with its audit row.
pub async fn create<R: Resource>(ctx: &Ctx, record: R) -> AppResult<R> {
    let mut tx = ctx.begin().await?;
    record.insert(tx.conn(), ctx.workspace).await?;
    let entries = ctx.audit_change(
        record.meta().created_at,
        R::ENTITY,
        record.id(),
        AuditAction::Create,
        None,
        &record,
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(record)
}

/// Opens an update: the transaction and the live record, if `If-Match` admits its version. Compute the new record (looking up what it refers to in the same transaction),
/// then call [`finish_update`].
pub async fn begin_update<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<(Tx, R)> {
    let mut tx = ctx.begin().await?;
    let current = live(R::load(tx.conn(), ctx.workspace, id).await?, id)?;
    check_version(&current, expected)?;
    Ok((tx, current))
}

/// Writes `next` over `current` with a bumped version, audits the changed fields and commits.
pub async fn finish_update<R: Resource>(ctx: &Ctx, tx: Tx, current: &R, next: R) -> AppResult<R> {
    finish_change(ctx, tx, current, next, AuditAction::Update).await
}

/// Like [`finish_update`], recording the change as `action` in the audit trail.
pub async fn finish_change<R: Resource>(
    ctx: &Ctx,
    mut tx: Tx,
    current: &R,
    mut next: R,
    action: AuditAction,
) -> AppResult<R> {
    let at = now();
    *next.meta_mut() = RecordMeta {
        version: current.meta().version + 1,
        updated_at: at,
        ..current.meta().clone()
    };
    if !next.update(tx.conn(), ctx.workspace, current.meta().version).await? {
        return Err(AppError::Conflict(format!(
            "{} {} changed meanwhile; reload and retry",
            R::ENTITY,
            current.id()
        )));
    }
    let entries = ctx.audit_change(at, R::ENTITY, current.id(), action, Some(current), &next);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(next)
}

async fn set_deleted_state<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected, delete: bool) -> AppResult<R> {
    let mut tx = ctx.begin().await?;
    let current = R::load(tx.conn(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound { entity: R::ENTITY, id })?;
    let is_deleted = current.meta().deleted_at.is_some();
    if delete && is_deleted {
        return Err(AppError::Deleted { entity: R::ENTITY, id });
    }
    if !delete && !is_deleted {
        return Err(AppError::Conflict(format!("{} {id} is not deleted", R::ENTITY)));
    }
    check_version(&current, expected)?;
    let at = now();
    let deleted_at = delete.then_some(at);
    let version = current.meta().version;
    if !set_deleted(tx.conn(), R::TABLE, ctx.workspace, id, version, deleted_at, at).await? {
        return Err(AppError::Conflict(format!(
            "{} {id} changed meanwhile; reload and retry",
            R::ENTITY
        )));
    }
    let mut next = current.clone();
    *next.meta_mut() = RecordMeta {
        version: version + 1,
        updated_at: at,
        deleted_at,
        ..current.meta().clone()
    };
    let action = if delete {
        AuditAction::Delete
    } else {
        AuditAction::Restore
    };
    let entries = ctx.audit_change(at, R::ENTITY, id, action, Some(&current), &next);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(next)
}

/// Soft-deletes a live record; it stays restorable.
pub async fn remove<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<R> {
    set_deleted_state(ctx, id, expected, true).await
}

/// Brings a deleted record back.
pub async fn restore<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<R> {
    set_deleted_state(ctx, id, expected, false).await
}
