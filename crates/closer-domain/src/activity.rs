//! Notes and tasks: the everyday record of work on a deal, a person or an organisation.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::ids::{NoteId, TaskId, UserId};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::text::{self, BODY_MAX, BodyText, NAME_MAX, NameText};
use crate::validation::{Validation, ValidationErrors, patch};

string_enum!(
    /// The kind of record a note or task is about.
    SubjectType { Deal => "deal", Person => "person", Organisation => "organisation" }
);

/// The record a note or task is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subject {
    #[serde(rename = "subject_type")]
    pub kind: SubjectType,
    #[serde(rename = "subject_id")]
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
}

/// A note as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteDraft {
    pub subject_type: SubjectType,
    #[schema(value_type = String, format = Uuid)]
    pub subject_id: uuid::Uuid,
    /// Plain text, up to 20,000 characters.
    #[schema(value_type = BodyText)]
    pub body: String,
}

/// Changes to a note: only its text changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotePatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = BodyText)]
    pub body: Option<String>,
}

/// A note's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NoteFields {
    #[serde(flatten)]
    pub subject: Subject,
    pub body: String,
    pub author_id: UserId,
}

impl NoteDraft {
    pub fn parse(&self, author: UserId) -> Result<NoteFields, ValidationErrors> {
        let mut check = Validation::new();
        let body = check.check("body", text::required(&self.body, BODY_MAX));
        check.finish(|| {
            Some(NoteFields {
                subject: Subject {
                    kind: self.subject_type,
                    id: self.subject_id,
                },
                body: body?,
                author_id: author,
            })
        })
    }
}

impl NotePatch {
    pub fn apply(&self, current: &NoteFields) -> Result<NoteFields, ValidationErrors> {
        let mut check = Validation::new();
        let body = match &self.body {
            Some(body) => check.check("body", text::required(body, BODY_MAX)),
            None => Some(current.body.clone()),
        };
        check.finish(|| {
            Some(NoteFields {
                body: body?,
                ..current.clone()
            })
        })
    }
}

/// A stored note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Note {
    pub id: NoteId,
    #[serde(flatten)]
    pub fields: NoteFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// A task as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskDraft {
    #[schema(value_type = NameText)]
    pub title: String,
    pub due_on: Option<Date>,
    /// Defaults to the user making the request.
    pub assignee_id: Option<UserId>,
    /// The record the task is about, if any (give both or neither).
    pub subject_type: Option<SubjectType>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub done: bool,
}

/// Changes to a task; `done: true` completes it, `done: false` reopens it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = NameText)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub due_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub assignee_id: Option<UserId>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub done: Option<bool>,
}

/// A task's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaskFields {
    pub title: String,
    pub due_on: Option<Date>,
    pub assignee_id: UserId,
    pub subject_type: Option<SubjectType>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject_id: Option<uuid::Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

impl TaskFields {
    pub fn subject(&self) -> Option<Subject> {
        Some(Subject {
            kind: self.subject_type?,
            id: self.subject_id?,
        })
    }
}

impl TaskDraft {
    /// Checks the draft; `now` stamps `done_at` for a task created done.
    pub fn parse(&self, default_assignee: UserId, now: OffsetDateTime) -> Result<TaskFields, ValidationErrors> {
        let mut check = Validation::new();
        let title = check.check("title", text::required(&self.title, NAME_MAX));
        if self.subject_type.is_some() != self.subject_id.is_some() {
            let missing = if self.subject_type.is_none() {
                "subject_type"
            } else {
                "subject_id"
            };
            check.push(missing, "give subject_type and subject_id together");
        }
        check.finish(|| {
            Some(TaskFields {
                title: title?,
                due_on: self.due_on,
                assignee_id: self.assignee_id.unwrap_or(default_assignee),
                subject_type: self.subject_type,
                subject_id: self.subject_id,
                done_at: self.done.then_some(now),
            })
        })
    }
}

impl TaskPatch {
    pub fn apply(&self, current: &TaskFields, now: OffsetDateTime) -> Result<TaskFields, ValidationErrors> {
        let mut check = Validation::new();
        let title = match &self.title {
            Some(title) => check.check("title", text::required(title, NAME_MAX)),
            None => Some(current.title.clone()),
        };
        let done_at = match self.done {
            None => current.done_at,
            Some(true) => current.done_at.or(Some(now)),
            Some(false) => None,
        };
        check.finish(|| {
            Some(TaskFields {
                title: title?,
                due_on: self.due_on.unwrap_or(current.due_on),
                assignee_id: self.assignee_id.unwrap_or(current.assignee_id),
                done_at,
                ..current.clone()
            })
        })
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    #[serde(flatten)]
    pub fields: TaskFields,
    /// True once the task is done.
    pub done: bool,
    #[serde(flatten)]
    pub meta: RecordMeta,
}
