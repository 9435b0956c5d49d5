//! What every mutable record carries besides its own fields.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::ids::{TeamId, UserId};

/// Version and lifecycle stamps. `version` starts at 1 and grows by one on every change; the API
/// sends it as the ETag and expects it back in `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordMeta {
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Set when the record is deleted; a deleted record can be restored.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
}

impl RecordMeta {
    /// The stamps of a record created at `now`.
    pub fn created(now: OffsetDateTime) -> Self {
        Self {
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

/// Who owns a record and which team it belongs to. Set on create and changed only by the assign
/// action, never by an ordinary write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ownership {
    pub owner_id: UserId,
    /// The team whose members and managers share the record (per the access defaults).
    pub team_id: Option<TeamId>,
}
