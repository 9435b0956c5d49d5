//! Use cases for notes and tasks.

use closer_domain::activity::{Note, NoteDraft, NotePatch, Subject, Task, TaskDraft, TaskPatch};
use closer_domain::ids::{NoteId, TaskId};
use closer_domain::record::RecordMeta;

use super::resources::References;
use super::{AppResult, Ctx, Expected, begin_update, create, finish_update, new_id, now};

pub async fn create_note(ctx: &Ctx, draft: &NoteDraft) -> AppResult<Note> {
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.subject(
        ctx,
        conn.conn(),
        Subject {
            kind: draft.subject_type,
            id: draft.subject_id,
        },
    )
    .await?;
    drop(conn);
    let note = Note {
        id: NoteId(new_id()),
        fields: refs.merge(draft.parse(ctx.actor()))?,
        meta: RecordMeta::created(now()),
    };
    create(ctx, note).await
}

pub async fn patch_note(ctx: &Ctx, id: NoteId, version: &Expected, patch: &NotePatch) -> AppResult<Note> {
    let (tx, current) = begin_update::<Note>(ctx, id.as_uuid(), version).await?;
    let next = Note {
        fields: patch.apply(&current.fields)?,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

pub async fn create_task(ctx: &Ctx, draft: &TaskDraft) -> AppResult<Task> {
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.user(conn.conn(), ctx.workspace, "assignee_id", draft.assignee_id)
        .await?;
    if let (Some(kind), Some(id)) = (draft.subject_type, draft.subject_id) {
        refs.subject(ctx, conn.conn(), Subject { kind, id }).await?;
    }
    drop(conn);
    let at = now();
    let fields = refs.merge(draft.parse(ctx.actor(), at))?;
    let done = fields.done_at.is_some();
    create(
        ctx,
        Task {
            id: TaskId(new_id()),
            fields,
            done,
            meta: RecordMeta::created(at),
        },
    )
    .await
}

pub async fn patch_task(ctx: &Ctx, id: TaskId, version: &Expected, patch: &TaskPatch) -> AppResult<Task> {
    let (mut tx, current) = begin_update::<Task>(ctx, id.as_uuid(), version).await?;
    let mut refs = References::new();
    refs.user(tx.conn(), ctx.workspace, "assignee_id", patch.assignee_id)
        .await?;
    let fields = refs.merge(patch.apply(&current.fields, now()))?;
    let done = fields.done_at.is_some();
    let next = Task {
        fields,
        done,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}
