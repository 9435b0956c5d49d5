//! The audit trail: one row per changed field, written in the same transaction as the change.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::ids::{AuditId, UserId};
use crate::string_enum;

string_enum!(
    /// What happened to the record.
    AuditAction {
        Create => "create", Update => "update", Delete => "delete", Restore => "restore",
        Move => "move", Merge => "merge",
    }
);

/// One recorded change. For a create, `field` is empty and `new_value` holds the whole record.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    pub request_id: Option<String>,
    pub entity_type: String,
    #[schema(value_type = String, format = Uuid)]
    pub entity_id: uuid::Uuid,
    pub action: AuditAction,
    pub field: Option<String>,
    pub old_value: Option<serde_json::Value>,
    pub new_value: Option<serde_json::Value>,
}

/// The field-level differences between two JSON renderings of a record, skipping bookkeeping
/// fields that change on every write.
pub fn changed_fields(
    old: &serde_json::Value,
    new: &serde_json::Value,
) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    const BOOKKEEPING: [&str; 3] = ["version", "updated_at", "created_at"];
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| !BOOKKEEPING.contains(&key.as_str()))
        .filter_map(|key| {
            let before = old.get(key).cloned().unwrap_or(serde_json::Value::Null);
            let after = new.get(key).cloned().unwrap_or(serde_json::Value::Null);
            (before != after).then(|| (key.clone(), before, after))
        })
        .collect()
}
