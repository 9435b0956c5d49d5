//! What every file import shares: reading the text (UTF-8, with or without a byte-order mark),
//! a CSV reader whose delimiter is sniffed from the header row, and the report whose counts add
//! up (`created + skipped + failed = read`) with each failed row's line, column and reason.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, AppResult};

/// A row (CSV) or event (iCalendar) that could not be imported, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// The line of the CSV row, or the number of the event in the calendar (from 1).
    pub row: usize,
    pub column: Option<String>,
    pub reason: String,
}

/// What an import did. `created + skipped + failed = read`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows or events read.
    pub read: usize,
    pub created: usize,
    /// Rows left out on purpose (already imported or listed, a cancelled or future event…).
    pub skipped: usize,
    pub failed: usize,
    /// How many rows were skipped for each reason.
    pub skipped_because: BTreeMap<String, usize>,
    /// The first errors (at most 1,000), in file order.
    pub errors: Vec<RowError>,
    /// Columns read (CSV), and columns left alone because they are unknown or not kept.
    pub columns_used: Vec<String>,
    pub columns_ignored: Vec<String>,
}

/// Errors listed in full; beyond, only counted.
pub(crate) const ERRORS_SHOWN: usize = 1_000;

impl ImportReport {
    pub(crate) fn fail(&mut self, error: RowError) {
        self.fail_all(vec![error]);
    }

    /// One row failed, for one reason or several.
    pub(crate) fn fail_all(&mut self, errors: Vec<RowError>) {
        self.failed += 1;
        let room = ERRORS_SHOWN.saturating_sub(self.errors.len());
        self.errors.extend(errors.into_iter().take(room));
    }

    pub(crate) fn skip(&mut self, reason: &str) {
        self.skipped += 1;
        *self.skipped_because.entry(reason.to_owned()).or_default() += 1;
    }
}

/// The whole file refused, with why.
pub(crate) fn invalid_file(message: impl Into<String>) -> AppError {
    AppError::Invalid(closer_domain::ValidationErrors::single("file", message))
}

/// The file as UTF-8 text, a leading byte-order mark left out.
pub(crate) fn utf8_text(bytes: &[u8]) -> AppResult<&str> {
    std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|e| invalid_file(format!("the file is not UTF-8 text (byte {})", e.valid_up_to())))
}

/// A CSV reader over `text` (rows may have more or fewer cells than the header) and its header
/// row. The delimiter is the most frequent of comma, semicolon and tab in the first line.
pub(crate) fn csv_table(text: &str) -> AppResult<(csv::StringRecord, csv::Reader<&[u8]>)> {
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| invalid_file(format!("the header row cannot be read: {e}")))?
        .clone();
    Ok((headers, reader))
}
