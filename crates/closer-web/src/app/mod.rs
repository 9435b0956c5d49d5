//! Use cases: load what a decision needs, ask the domain, write the result and its audit rows in
//! one transaction. The HTTP and CLI edges call these and nothing below them.

pub mod activity;
pub mod admin;
pub mod approvals;
pub mod auth;
pub mod billing;
pub mod board;
pub mod bootstrap;
pub mod call_lists;
pub mod call_registers;
pub mod committee;
pub mod contracts;
pub mod deal_import;
pub mod deal_view;
pub mod deals;
pub mod demo;
pub mod duplicates;
pub mod exports;
pub mod history;
pub mod importer;
pub mod imports;
pub mod interaction_import;
pub mod jobs;
pub mod meetings;
pub mod merges;
pub mod my_day;
pub mod parties;
pub mod playbooks;
pub mod pricing;
pub mod promotions;
pub mod recommendations;
pub(crate) mod records;
pub mod relationships;
pub mod resources;
pub mod telemarketing;

use closer_domain::ValidationErrors;
use closer_domain::access::{AccessDefaults, Principal};
use closer_domain::audit::{AuditAction, AuditEntry, changed_fields};
use closer_domain::ids::{AuditId, UserId, WorkspaceId};
use closer_domain::record::Ownership;
use closer_store::access::Visibility;
use closer_store::{Db, StoreError, Tx};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

pub use records::{
    Guard, Resource, begin_change, begin_update, create, finish_change, finish_update, get, insert_in, remove, restore,
    update_in,
};

/// Who acts, where, under which access defaults and request id.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub db: Db,
    pub workspace: WorkspaceId,
    pub principal: Principal,
    pub defaults: AccessDefaults,
    pub request_id: Option<String>,
    /// The server's relationship indexes.
    pub graphs: relationships::Graphs,
}

/// The versions a change may apply to, from `If-Match`: any, or one of those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Any,
    OneOf(Vec<i64>),
}

impl Expected {
    pub fn admits(&self, version: i64) -> bool {
        match self {
            Expected::Any => true,
            Expected::OneOf(versions) => versions.contains(&version),
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Any => f.write_str("any version"),
            Expected::OneOf(versions) if versions.is_empty() => f.write_str("no version"),
            Expected::OneOf(versions) => {
                let listed: Vec<String> = versions.iter().map(i64::to_string).collect();
                write!(f, "version {}", listed.join(" or "))
            }
        }
    }
}

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: Uuid },
    #[error("{entity} {id} was deleted")]
    Deleted { entity: &'static str, id: Uuid },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The input refers to records that do not exist.
    #[error("{0}")]
    MissingReference(ValidationErrors),
    #[error("the record is at version {current}, not {expected}")]
    StaleVersion { expected: Expected, current: i64 },
    #[error("{0}")]
    Conflict(String),
    /// A forward move that hard stage gates block.
    #[error("the stage gates are not met")]
    GateBlocked(closer_domain::gates::GateCheck),
    /// The principal may see the record but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type AppResult<T> = Result<T, AppError>;

/// A context acting as the installation's first administrator, for the command line.
pub async fn admin_ctx(db: &Db, installation: &bootstrap::Installation) -> AppResult<Ctx> {
    let mut conn = db.acquire().await?;
    let admin = closer_store::users::get(conn.conn(), installation.workspace, installation.admin)
        .await?
        .ok_or_else(|| AppError::Conflict("the installation's administrator is missing".into()))?;
    let defaults = closer_store::access_defaults::load(conn.conn(), installation.workspace).await?;
    drop(conn);
    let principal = auth::principal_for(db, installation.workspace, &admin).await?;
    Ok(Ctx {
        db: db.clone(),
        workspace: installation.workspace,
        principal,
        defaults,
        request_id: None,
        graphs: relationships::Graphs::default(),
    })
}

/// The current time, cut to microseconds so that it survives a round trip through PostgreSQL.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

/// A fresh time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

impl Ctx {
    /// The user the change is made by (and audited as).
    pub fn actor(&self) -> UserId {
        self.principal.user
    }

    /// What the principal may see, for list queries.
    pub fn visibility(&self) -> Visibility {
        Visibility::of(self.workspace, &self.principal, &self.defaults)
    }

    /// The ownership of a record the principal creates: theirs, in their first team.
    pub fn new_ownership(&self) -> Ownership {
        Ownership {
            owner_id: self.principal.user,
            team_id: self.principal.teams.first().copied(),
        }
    }

    pub async fn begin(&self) -> AppResult<Tx> {
        Ok(self.db.begin().await?)
    }

    fn audit(&self, at: OffsetDateTime, entity: &str, id: Uuid, action: AuditAction) -> AuditEntry {
        AuditEntry {
            id: AuditId(new_id()),
            at,
            actor_id: Some(self.principal.user),
            request_id: self.request_id.clone(),
            entity_type: entity.to_owned(),
            entity_id: id,
            action,
            field: None,
            old_value: None,
            new_value: None,
        }
    }

    /// Audit rows for a change from `old` to `new`: one per changed field (one row with the whole
    /// record for a create).
    pub fn audit_change<T: Serialize>(
        &self,
        at: OffsetDateTime,
        entity: &str,
        id: Uuid,
        action: AuditAction,
        old: Option<&T>,
        new: &T,
    ) -> Vec<AuditEntry> {
        let new_json = serde_json::to_value(new).unwrap_or_default();
        match old {
            None => vec![AuditEntry {
                new_value: Some(new_json),
                ..self.audit(at, entity, id, action)
            }],
            Some(old) => {
                let old_json = serde_json::to_value(old).unwrap_or_default();
                changed_fields(&old_json, &new_json)
                    .into_iter()
                    .map(|(field, before, after)| AuditEntry {
                        field: Some(field),
                        old_value: Some(before),
                        new_value: Some(after),
                        ..self.audit(at, entity, id, action)
                    })
                    .collect()
            }
        }
    }
}
