//! The life cycle every record shares: create, read, update under a version check, soft delete
//! and restore; each checks the access policy before touching anything and writes its audit rows
//! in the same transaction as the change.
//!
//! A record the principal may not read answers exactly like a record that does not exist (404);
//! one it may read but not change answers 403.

use std::future::Future;

use closer_domain::access::{Action, Owned, RecordType, can};
use closer_domain::activity::{Subject, SubjectType};
use closer_domain::audit::AuditAction;
use closer_domain::ids::{DealId, PartyId, UserId, WorkspaceId};
use closer_domain::record::RecordMeta;
use closer_store::records::{RecordTable, set_deleted};
use closer_store::{Conn, StoreError, Tx, audit, deal_team, deals, parties};
use serde::Serialize;
use uuid::Uuid;

use super::{AppError, AppResult, Ctx, Expected, now};

/// Whose rules decide access to a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// An owned record (person, organisation, deal) with its id: the policy decides from owner,
    /// team and, for deals, the principal's place on the deal team.
    Owned(Owned, Uuid),
    /// A part of another record (a stakeholder or deal-team place of a deal, an employment of a
    /// person): read with the parent, changed (created too) by whoever may edit the parent.
    Part(Subject),
    /// A meeting: seen by whoever sees its deal and by the users in it; changed by its organiser
    /// or by whoever may edit the deal.
    Meeting {
        deal: Option<DealId>,
        organiser: UserId,
        sellers: Vec<UserId>,
    },
    /// A record that lives under another (note, task, employment): readable with its parent and
    /// by its author (a note's writer, a task's assignee); changed by its author, or by whoever
    /// may edit the parent.
    Child { parent: Subject, author: Option<UserId> },
    /// A task about nothing in particular: its assignee's alone.
    Personal(UserId),
    /// The workspace's catalogue (products, prices): everyone reads it; admins and managers keep
    /// it.
    Catalogue,
    /// A record between users (a request for an introduction: who asked and the colleague
    /// asked): theirs and administrators'.
    Between(Vec<UserId>),
    /// A workspace register everyone adds to (the do-not-call list): everyone reads it, anyone
    /// who writes adds to it, administrators and managers correct it.
    Register,
}

/// A stored record with stamps, a table, an access guard and store functions.
pub trait Resource: Serialize + Clone + Send + Sync + Sized + 'static {
    /// The name used in messages and the audit trail ("person", "deal").
    const ENTITY: &'static str;
    const TABLE: RecordTable;

    fn id(&self) -> Uuid;
    fn meta(&self) -> &RecordMeta;
    fn meta_mut(&mut self) -> &mut RecordMeta;
    fn guard(&self) -> Guard;

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

/// The access facts of a deal, person or organisation, as they concern the principal.
pub async fn owned(ctx: &Ctx, mut conn: Conn<'_>, subject: Subject) -> AppResult<Option<Owned>> {
    let workspace = ctx.workspace;
    let fact = |record_type, ownership: closer_domain::record::Ownership| Owned {
        record_type,
        owner: ownership.owner_id,
        team: ownership.team_id,
        shared: None,
    };
    Ok(match subject.kind {
        SubjectType::Deal => match deals::get(conn.reborrow(), workspace, DealId(subject.id)).await? {
            None => None,
            Some(deal) => Some(Owned {
                shared: deal_team::access_of(conn, workspace, deal.id, ctx.principal.user).await?,
                ..fact(RecordType::Deal, deal.ownership)
            }),
        },
        SubjectType::Person => parties::get_person(conn, workspace, PartyId(subject.id))
            .await?
            .map(|p| fact(p.record_type, p.ownership)),
        SubjectType::Organisation => parties::get_organisation(conn, workspace, PartyId(subject.id))
            .await?
            .map(|o| fact(RecordType::Organisation, o.ownership)),
    })
}

/// The outcome of an access check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// The principal may not even see the record.
    Hidden,
    /// The principal sees the record but may not do this.
    Denied,
}

/// Decides whether the principal may do `action` to a record with `guard`.
pub async fn decide(ctx: &Ctx, mut conn: Conn<'_>, guard: Guard, action: Action) -> AppResult<Decision> {
    let p = &ctx.principal;
    let (read, act) = match guard {
        Guard::Owned(mut record, id) => {
            if record.record_type == RecordType::Deal {
                record.shared = deal_team::access_of(conn.reborrow(), ctx.workspace, DealId(id), p.user).await?;
            }
            (
                can(p, Action::Read, &record, &ctx.defaults),
                can(p, action, &record, &ctx.defaults),
            )
        }
        Guard::Part(parent) => match owned(ctx, conn, parent).await? {
            None => (false, false),
            Some(parent) => {
                let read = can(p, Action::Read, &parent, &ctx.defaults);
                let act = if action == Action::Read {
                    read
                } else {
                    can(p, Action::Edit, &parent, &ctx.defaults)
                };
                (read, act)
            }
        },
        Guard::Meeting {
            deal,
            organiser,
            sellers,
        } => {
            let parent = match deal {
                Some(deal) => {
                    owned(
                        ctx,
                        conn,
                        Subject {
                            kind: SubjectType::Deal,
                            id: deal.as_uuid(),
                        },
                    )
                    .await?
                }
                None => None,
            };
            let mine = organiser == p.user;
            let in_it = mine || sellers.contains(&p.user);
            let read = p.is_admin() || in_it || parent.as_ref().is_some_and(|d| can(p, Action::Read, d, &ctx.defaults));
            let act = match action {
                Action::Read => read,
                Action::Create => p.writes() && (deal.is_none() || read),
                _ => {
                    p.writes()
                        && (p.is_admin()
                            || mine
                            || parent.as_ref().is_some_and(|d| can(p, Action::Edit, d, &ctx.defaults)))
                }
            };
            (read, act)
        }
        Guard::Child { parent, author } => {
            let mine = author == Some(p.user);
            match owned(ctx, conn, parent).await? {
                None => (mine, mine && p.writes()),
                Some(parent) => {
                    // Whoever wrote a note, or must do a task, keeps it in sight.
                    let read = mine || can(p, Action::Read, &parent, &ctx.defaults);
                    let act = match action {
                        Action::Read => read,
                        Action::Create => read && p.writes(),
                        _ => p.writes() && (mine || can(p, Action::Edit, &parent, &ctx.defaults)),
                    };
                    (read, act)
                }
            }
        }
        Guard::Personal(assignee) => {
            let read = p.is_admin() || assignee == p.user;
            (read, read && (action == Action::Read || p.writes()))
        }
        Guard::Between(users) => {
            let read = p.is_admin() || users.contains(&p.user);
            (read, read && (action == Action::Read || p.writes()))
        }
        Guard::Catalogue => (true, action == Action::Read || p.keeps_catalogue()),
        Guard::Register => (
            true,
            action == Action::Read || (action == Action::Create && p.writes()) || p.keeps_catalogue(),
        ),
    };
    Ok(match (read, act) {
        (_, true) => Decision::Allowed,
        (false, false) => Decision::Hidden,
        (true, false) => Decision::Denied,
    })
}

/// Refuses `action` on `record` unless the policy allows it: 404 when the principal may not see
/// it, 403 when they see it but may not do this.
pub async fn refuse_unless<R: Resource>(ctx: &Ctx, conn: Conn<'_>, record: &R, action: Action) -> AppResult<()> {
    refused::<R>(decide(ctx, conn, record.guard(), action).await?, action, record.id())
}

fn refused<R: Resource>(decision: Decision, action: Action, id: Uuid) -> AppResult<()> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Hidden => Err(AppError::NotFound { entity: R::ENTITY, id }),
        Decision::Denied => Err(AppError::Forbidden(format!("you may not {action} this {}", R::ENTITY))),
    }
}

/// Loads a record the principal may do `action` to; deleted records count as missing unless
/// `deleted_ok`.
pub(super) async fn load_for<R: Resource>(
    ctx: &Ctx,
    mut conn: Conn<'_>,
    id: Uuid,
    action: Action,
    deleted_ok: bool,
) -> AppResult<R> {
    let record = R::load(conn.reborrow(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound { entity: R::ENTITY, id })?;
    refused::<R>(decide(ctx, conn, record.guard(), action).await?, action, id)?;
    if record.meta().deleted_at.is_some() && !deleted_ok {
        return Err(AppError::Deleted { entity: R::ENTITY, id });
    }
    Ok(record)
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

/// A live record the principal may read.
pub async fn get<R: Resource>(ctx: &Ctx, id: Uuid) -> AppResult<R> {
    let mut conn = ctx.db.acquire().await?;
    load_for(ctx, conn.conn(), id, Action::Read, false).await
}

/// Stores a new record with its audit row, if the principal may create it.
pub async fn create<R: Resource>(ctx: &Ctx, record: R) -> AppResult<R> {
    let mut tx = ctx.begin().await?;
    insert_in(ctx, tx.conn(), &record).await?;
    tx.commit().await?;
    Ok(record)
}

/// Inserts a new record inside a transaction that makes several together (all or nothing), if
/// the principal may create it; audited like [`create`].
pub async fn insert_in<R: Resource>(ctx: &Ctx, mut conn: Conn<'_>, record: &R) -> AppResult<()> {
    refused::<R>(
        decide(ctx, conn.reborrow(), record.guard(), Action::Create).await?,
        Action::Create,
        record.id(),
    )?;
    record.insert(conn.reborrow(), ctx.workspace).await?;
    let entries = ctx.audit_change(
        record.meta().created_at,
        R::ENTITY,
        record.id(),
        AuditAction::Create,
        None,
        record,
    );
    audit::insert(conn, ctx.workspace, &entries).await?;
    Ok(())
}

/// Opens a change of kind `action`: the transaction and the live record, if the principal may
/// make it and `If-Match` admits the record's version. Compute the new record (looking up what it
/// refers to in the same transaction), then call [`finish_update`] or [`finish_change`].
pub async fn begin_change<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected, action: Action) -> AppResult<(Tx, R)> {
    let mut tx = ctx.begin().await?;
    let current: R = load_for(ctx, tx.conn(), id, action, false).await?;
    check_version(&current, expected)?;
    Ok((tx, current))
}

/// [`begin_change`] for an edit.
pub async fn begin_update<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<(Tx, R)> {
    begin_change(ctx, id, expected, Action::Edit).await
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
    next: R,
    action: AuditAction,
) -> AppResult<R> {
    let next = update_in(ctx, tx.conn(), current, next, action).await?;
    tx.commit().await?;
    Ok(next)
}

/// Writes `next` over `current` with a bumped version and audits it as `action`, inside a
/// transaction that changes several records together; returns what was written.
pub async fn update_in<R: Resource>(
    ctx: &Ctx,
    mut conn: Conn<'_>,
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
    if !next
        .update(conn.reborrow(), ctx.workspace, current.meta().version)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "{} {} changed meanwhile; reload and retry",
            R::ENTITY,
            current.id()
        )));
    }
    let entries = ctx.audit_change(at, R::ENTITY, current.id(), action, Some(current), &next);
    audit::insert(conn, ctx.workspace, &entries).await?;
    Ok(next)
}

async fn set_deleted_state<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected, delete: bool) -> AppResult<R> {
    let mut tx = ctx.begin().await?;
    let action = if delete { Action::Delete } else { Action::Restore };
    let current: R = load_for(ctx, tx.conn(), id, action, true).await?;
    let is_deleted = current.meta().deleted_at.is_some();
    if delete && is_deleted {
        return Err(AppError::Deleted { entity: R::ENTITY, id });
    }
    if !delete && !is_deleted {
        return Err(AppError::Conflict(format!("{} {id} is not deleted", R::ENTITY)));
    }
    check_version(&current, expected)?;
    let next = write_deleted_state(ctx, tx.conn(), &current, delete).await?;
    tx.commit().await?;
    Ok(next)
}

/// Marks `current` deleted (or restores it) with a bumped version, and audits it.
pub(super) async fn write_deleted_state<R: Resource>(
    ctx: &Ctx,
    mut conn: Conn<'_>,
    current: &R,
    delete: bool,
) -> AppResult<R> {
    let id = current.id();
    let at = now();
    let deleted_at = delete.then_some(at);
    let version = current.meta().version;
    if !set_deleted(conn.reborrow(), R::TABLE, ctx.workspace, id, version, deleted_at, at).await? {
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
    let audit_action = if delete {
        AuditAction::Delete
    } else {
        AuditAction::Restore
    };
    let entries = ctx.audit_change(at, R::ENTITY, id, audit_action, Some(current), &next);
    audit::insert(conn, ctx.workspace, &entries).await?;
    Ok(next)
}

/// Soft-deletes those of `ids` (records of `entity`) still live, audited, without asking the
/// access policy: for undoing what the principal's own import made. Returns how many were
/// deleted and how many were gone already.
pub(crate) async fn delete_created(ctx: &Ctx, conn: Conn<'_>, entity: &str, ids: &[Uuid]) -> AppResult<(i64, i64)> {
    use closer_domain::activity::Note;
    use closer_domain::deal::Deal;
    use closer_domain::party::{Employment, Organisation, Person};
    match entity {
        Note::ENTITY => delete_live::<Note>(ctx, conn, ids).await,
        Deal::ENTITY => delete_live::<Deal>(ctx, conn, ids).await,
        Person::ENTITY => delete_live::<Person>(ctx, conn, ids).await,
        Organisation::ENTITY => delete_live::<Organisation>(ctx, conn, ids).await,
        Employment::ENTITY => delete_live::<Employment>(ctx, conn, ids).await,
        other => Err(AppError::Conflict(format!(
            "records of kind {other} are not removed this way"
        ))),
    }
}

async fn delete_live<R: Resource>(ctx: &Ctx, mut conn: Conn<'_>, ids: &[Uuid]) -> AppResult<(i64, i64)> {
    let (mut deleted, mut gone) = (0, 0);
    for id in ids {
        match R::load(conn.reborrow(), ctx.workspace, *id).await? {
            Some(current) if current.meta().deleted_at.is_none() => {
                write_deleted_state(ctx, conn.reborrow(), &current, true).await?;
                deleted += 1;
            }
            _ => gone += 1,
        }
    }
    Ok((deleted, gone))
}

/// Soft-deletes a live record; it stays restorable.
pub async fn remove<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<R> {
    set_deleted_state(ctx, id, expected, true).await
}

/// Brings a deleted record back.
pub async fn restore<R: Resource>(ctx: &Ctx, id: Uuid, expected: &Expected) -> AppResult<R> {
    set_deleted_state(ctx, id, expected, false).await
}
