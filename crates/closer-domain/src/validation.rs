//! Field-level validation errors.
//!
//! A draft is checked as a whole so that one answer names every bad field, not only the first.

use serde::Serialize;
use utoipa::ToSchema;

/// One rejected field: its JSON path and the reason, phrased for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found in one input.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("{} invalid field(s): {}", .0.len(), summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

/// Collects errors while a draft is parsed field by field.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps the value of a successful parse; records the error of a failed one.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.push(field, message);
                None
            }
        }
    }

    /// Parses each element of a list, naming failures by index (`emails[1]`).
    pub fn check_each<T, R>(
        &mut self,
        field: &str,
        items: &[R],
        max_items: usize,
        parse: impl Fn(&R) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        if items.len() > max_items {
            self.push(field, format!("at most {max_items} entries are allowed"));
            return None;
        }
        let mut parsed = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            match parse(item) {
                Ok(value) => parsed.push(value),
                Err(message) => {
                    self.push(format!("{field}[{index}]"), message);
                    ok = false;
                }
            }
        }
        ok.then_some(parsed)
    }

    /// Keeps the value of a nested check, or takes over all of its errors.
    pub fn absorb<T>(&mut self, result: Result<T, ValidationErrors>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(ValidationErrors(errors)) => {
                self.errors.extend(errors);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends the check: the built value when no error was recorded, else all the errors.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ValidationErrors> {
        if !self.errors.is_empty() {
            return Err(ValidationErrors(self.errors));
        }
        // `build` only returns None when a field failed, and that failure was recorded above.
        build().ok_or_else(|| ValidationErrors::single("", "invalid input"))
    }
}

/// Serde helpers for PATCH bodies, where a missing field and an explicit `null` mean different
/// things.
pub mod patch {
    use serde::{Deserialize, Deserializer};

    /// For `Option<Option<T>>` fields: missing → `None` (keep), `null` → `Some(None)` (clear),
    /// a value → `Some(Some(value))`. Use with `#[serde(default)]`.
    pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    /// For `Option<T>` fields that cannot be cleared: missing → `None` (keep), `null` → an error.
    /// Use with `#[serde(default)]`.
    pub fn required<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        T::deserialize(deserializer).map(Some)
    }
}
