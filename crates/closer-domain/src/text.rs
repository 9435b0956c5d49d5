//! Limits and normalisation for free text typed by users.

/// Names of people, organisations, deals, tasks.
pub const NAME_MAX: usize = 200;
/// Short labels: titles, departments, industries, regions, competitor names.
pub const LABEL_MAX: usize = 120;
/// Notes and descriptions.
pub const BODY_MAX: usize = 20_000;

/// Trims and checks a required text: not blank, at most `max` characters, no control characters
/// other than line breaks and tabs (they break exports and terminals).
pub fn required(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be blank".into());
    }
    bounded(trimmed, max)
}

/// Like [`required`], but blank means "no value".
pub fn optional(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(text, max).map(Some),
    }
}

fn bounded(text: &str, max: usize) -> Result<String, String> {
    let length = text.chars().count();
    if length > max {
        return Err(format!("must be at most {max} characters (got {length})"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(required("  Ann ", 10), Ok("Ann".into()));
        assert!(required("   ", 10).is_err());
        assert!(required("abcdefghijk", 10).is_err());
        assert_eq!(required("王小明", 3), Ok("王小明".into()));
        assert!(required("a\u{0}b", 10).is_err());
        assert_eq!(optional(Some(" "), 5), Ok(None));
    }
}

/// No control characters other than tab and line breaks (JSON Schema, ECMA-262 syntax).
const PLAIN_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// As [`PLAIN_PATTERN`], and at least one character that is not white space.
const VISIBLE_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Declares a schema-only type that documents the rules a text field is checked by, for use as
/// `#[schema(value_type = …)]` on `String` fields.
macro_rules! text_schema {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some($min))
                    .max_length(Some($max))
                    .pattern(Some($pattern))
                    .description(Some($description))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

text_schema!(
    /// A required name.
    NameText, 1, NAME_MAX, VISIBLE_PATTERN,
    "Required text: at most 200 characters, not blank, no control characters"
);
text_schema!(
    /// An optional short label; blank means none.
    LabelText, 0, LABEL_MAX, PLAIN_PATTERN,
    "Optional text: at most 120 characters, no control characters; blank means none"
);
text_schema!(
    /// An optional code such as a tax id; blank means none.
    CodeText, 0, 64, PLAIN_PATTERN,
    "Optional text: at most 64 characters, no control characters; blank means none"
);
text_schema!(
    /// A required long text.
    BodyText, 1, BODY_MAX, VISIBLE_PATTERN,
    "Required text: at most 20,000 characters, not blank, no control characters other than tabs and line breaks"
);
text_schema!(
    /// An optional long text; blank means none.
    OptionalBodyText, 0, BODY_MAX, PLAIN_PATTERN,
    "Optional text: at most 20,000 characters, no control characters other than tabs and line breaks"
);
text_schema!(
    /// An IANA time zone name.
    TimezoneText, 0, 64, "^(UTC|[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)+)?$",
    "IANA time zone name, e.g. Asia/Shanghai"
);
text_schema!(
    /// A web address.
    WebsiteText, 0, 300, "^(https?://[^\\s/\\u0000-\\u001F\\u007F-\\u009F][^\\s\\u0000-\\u001F\\u007F-\\u009F]*)?$",
    "Web address starting with http:// or https://"
);
text_schema!(
    /// An optional name; blank means none.
    OptionalNameText, 0, NAME_MAX, PLAIN_PATTERN,
    "Optional text: at most 200 characters, no control characters; blank means none"
);
