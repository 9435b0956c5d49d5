//! Use cases for playbooks: administrators revise them; deals keep the revision they started in.

use closer_domain::audit::AuditAction;
use closer_domain::ids::{PlaybookId, StageId};
use closer_domain::playbook::Playbook;
use closer_domain::revision::PlaybookRevisionDraft;
use closer_store::{audit, playbooks};

use super::{AppError, AppResult, Ctx, new_id, now};

/// Makes a new revision of the current playbook `id`; new deals of its kind start in it.
pub async fn revise(ctx: &Ctx, id: PlaybookId, draft: &PlaybookRevisionDraft) -> AppResult<Playbook> {
    if !(ctx.principal.is_admin() && ctx.principal.writes()) {
        return Err(AppError::Forbidden("only an administrator may edit playbooks".into()));
    }
    let mut tx = ctx.begin().await?;
    let current = playbooks::get(tx.conn(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "playbook",
            id: id.as_uuid(),
        })?;
    if !current.is_default {
        return Err(AppError::Conflict(format!(
            "revision {} is not the current one; revise the current revision",
            current.revision
        )));
    }
    let next = draft.apply(&current, PlaybookId(new_id()), || StageId(new_id()))?;
    let at = now();
    playbooks::insert(tx.conn(), ctx.workspace, &next, true, at).await?;
    playbooks::retire(tx.conn(), ctx.workspace, current.id, at).await?;
    let entries = ctx.audit_change(at, "playbook", next.id.as_uuid(), AuditAction::Create, None, &next);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(next)
}
