//! Closer's pure sales domain.
//!
//! Everything here is plain Rust: no database, no HTTP, no async and no clock reads (the caller
//! passes the time in). Inputs arrive as drafts of raw values and leave as validated types built by
//! `parse`; once built, a value is trusted everywhere else.

pub mod access;
pub mod activity;
pub mod approvals;
pub mod audit;
pub mod billing;
pub mod committee;
pub mod contact;
pub mod contracts;
pub mod cycle;
pub mod deal;
pub mod duplicates;
#[cfg(test)]
mod fixtures;
pub mod gates;
pub mod ids;
pub mod import;
pub mod import_deals;
pub mod meeting;
pub mod money;
pub mod party;
pub mod playbook;
pub mod pricing;
pub mod promotions;
pub mod qualification;
pub mod record;
pub mod relationships;
pub mod revision;
pub mod rules;
pub mod team;
pub mod telemarketing;
pub mod text;
pub mod user;
pub mod validation;
pub mod zone;

pub use validation::{FieldError, Validation, ValidationErrors};

/// Declares an enum stored and sent as a snake_case string, with `as_str`, `parse` and `ALL`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!(
                        "'{other}' is not one of: {}",
                        [$($text),*].join(", ")
                    )),
                }
            }
        }

        // Written by hand: the derive does not see renames made through macro fragments.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),*]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
