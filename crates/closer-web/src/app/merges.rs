//! Merging duplicates: one record is kept, the other's deals, meetings, notes, tasks,
//! interactions, stakeholder roles, employments, call entries, consents, invoices and ids in
//! other systems move to it, and the other is deleted. All in one transaction, every changed row
//! in the audit trail (`merge`), so what was merged can be told and traced back.

use std::collections::BTreeMap;

use closer_domain::ValidationErrors;
use closer_domain::access::Action;
use closer_domain::audit::{AuditAction, AuditEntry};
use closer_domain::duplicates::{merged_organisation, merged_person};
use closer_domain::ids::{AuditId, PartyId};
use closer_domain::party::{Organisation, PartyKind, Person};
use closer_store::{StoreError, audit, merges};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::records::{load_for, write_deleted_state};
use super::{AppError, AppResult, Ctx, Expected, Resource, begin_update, new_id, now, update_in};

/// What a merge did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergeOutcome {
    /// The record kept, and its version after the merge.
    pub kept_id: PartyId,
    pub kept_version: i64,
    /// The record merged in, now deleted.
    pub merged_id: PartyId,
    /// Records that named the merged one and now name the kept one, by kind ("deal": 2).
    pub moved: BTreeMap<String, u64>,
    /// Records the kept one already had the like of (an employment at the same company, a
    /// place on the same committee), deleted rather than doubled, by kind.
    pub removed_doubles: BTreeMap<String, u64>,
}

/// Merges the person `duplicate` into `kept`: `kept` keeps its name and gains the other's
/// e-mails, phones and relations; `duplicate` is deleted. The principal must be able to edit
/// `kept` (at `expected`) and delete `duplicate`.
pub async fn merge_people(
    ctx: &Ctx,
    kept: PartyId,
    duplicate: PartyId,
    expected: &Expected,
) -> AppResult<MergeOutcome> {
    merge::<Person>(ctx, PartyKind::Person, kept, duplicate, expected, |kept, duplicate| {
        Ok(Person {
            fields: merged_person(&kept.fields, &duplicate.fields)?,
            ..kept.clone()
        })
    })
    .await
}

/// Merges the organisation `duplicate` into `kept`, as [`merge_people`]; `kept` also takes the
/// other's staff, subsidiaries, legal and tax details it lacked.
pub async fn merge_organisations(
    ctx: &Ctx,
    kept: PartyId,
    duplicate: PartyId,
    expected: &Expected,
) -> AppResult<MergeOutcome> {
    merge::<Organisation>(
        ctx,
        PartyKind::Organisation,
        kept,
        duplicate,
        expected,
        |kept, duplicate| {
            Ok(Organisation {
                fields: merged_organisation(kept.id, &kept.fields, duplicate.id, &duplicate.fields)?,
                ..kept.clone()
            })
        },
    )
    .await
}

async fn merge<R: Resource>(
    ctx: &Ctx,
    kind: PartyKind,
    kept_id: PartyId,
    duplicate_id: PartyId,
    expected: &Expected,
    merged: impl FnOnce(&R, &R) -> AppResult<R>,
) -> AppResult<MergeOutcome> {
    if kept_id == duplicate_id {
        return Err(ValidationErrors::single("duplicate_id", "is the record kept; name the other one").into());
    }
    let (mut tx, kept) = begin_update::<R>(ctx, kept_id.as_uuid(), expected).await?;
    let duplicate: R = match load_for(ctx, tx.conn(), duplicate_id.as_uuid(), Action::Delete, false).await {
        Err(AppError::NotFound { .. }) => {
            return Err(AppError::MissingReference(ValidationErrors::single(
                "duplicate_id",
                format!("no {} {duplicate_id} that you can see", R::ENTITY),
            )));
        }
        other => other?,
    };
    let next = merged(&kept, &duplicate)?;
    let kept = update_in(ctx, tx.conn(), &kept, next, AuditAction::Merge).await?;
    let at = now();
    let moved = merges::move_references(tx.conn(), ctx.workspace, kind, duplicate_id, kept_id, at).await?;
    write_deleted_state(ctx, tx.conn(), &duplicate, true).await?;

    let entry = |entity: &str, id: Uuid, field: &str, old: serde_json::Value, new: serde_json::Value| AuditEntry {
        id: AuditId(new_id()),
        at,
        actor_id: Some(ctx.actor()),
        request_id: ctx.request_id.clone(),
        entity_type: entity.to_owned(),
        entity_id: id,
        action: AuditAction::Merge,
        field: Some(field.to_owned()),
        old_value: Some(old),
        new_value: Some(new),
    };
    let id_value = |id: PartyId| serde_json::Value::String(id.as_uuid().to_string());
    let mut entries = vec![
        entry(
            R::ENTITY,
            kept_id.as_uuid(),
            "merged_from",
            serde_json::Value::Null,
            id_value(duplicate_id),
        ),
        entry(
            R::ENTITY,
            duplicate_id.as_uuid(),
            "merged_into",
            serde_json::Value::Null,
            id_value(kept_id),
        ),
    ];
    let mut outcome = MergeOutcome {
        kept_id,
        kept_version: kept.meta().version,
        merged_id: duplicate_id,
        moved: BTreeMap::new(),
        removed_doubles: BTreeMap::new(),
    };
    for row in &moved {
        let (counts, old, new) = if row.field == "deleted_at" {
            (&mut outcome.removed_doubles, serde_json::Value::Null, timestamp(at)?)
        } else {
            (&mut outcome.moved, id_value(duplicate_id), id_value(kept_id))
        };
        *counts.entry(row.entity.to_owned()).or_default() += 1;
        entries.push(entry(row.entity, row.id, row.field, old, new));
    }
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    // Ties through the merged person are now the kept one's: this server's index is built again
    // at the next question.
    ctx.graphs.forget(ctx.workspace);
    Ok(outcome)
}

fn timestamp(at: OffsetDateTime) -> AppResult<serde_json::Value> {
    let text = at
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(serde_json::Value::String(text))
}
