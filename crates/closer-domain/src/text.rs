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
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
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
