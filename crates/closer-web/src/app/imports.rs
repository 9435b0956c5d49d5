//! What every file import shares: reading the text (UTF-8 with or without a byte-order mark,
//! UTF-16, GB18030), a CSV reader whose delimiter and header row are sniffed, and the report
//! whose counts add up (`created + skipped + failed = read`) with each failed row's line, column
//! and reason.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

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

/// The text encodings files come in: UTF-8 (with or without a byte-order mark), UTF-16 (as
/// Excel's "Unicode text" writes it) and GB18030 (Chinese spreadsheets; GBK is a subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    Utf16le,
    Utf16be,
    Gb18030,
}

impl TextEncoding {
    /// The encoding of a file that begins with `head`, and the length of its byte-order mark.
    /// Without a mark: UTF-16 when every other byte of the beginning is zero, UTF-8 when the
    /// beginning is valid UTF-8, GB18030 otherwise.
    pub fn sniff(head: &[u8]) -> (TextEncoding, usize) {
        if head.starts_with(b"\xef\xbb\xbf") {
            return (TextEncoding::Utf8, 3);
        }
        if head.starts_with(b"\xff\xfe") {
            return (TextEncoding::Utf16le, 2);
        }
        if head.starts_with(b"\xfe\xff") {
            return (TextEncoding::Utf16be, 2);
        }
        let sample = &head[..head.len().min(4096)];
        let zeros_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|b| **b == 0).count();
        let half = sample.len() / 2;
        if half >= 2 && zeros_at(1) * 10 >= half * 9 {
            return (TextEncoding::Utf16le, 0);
        }
        if half >= 2 && zeros_at(0) * 10 >= half * 9 {
            return (TextEncoding::Utf16be, 0);
        }
        match std::str::from_utf8(head) {
            Ok(_) => (TextEncoding::Utf8, 0),
            // Cut in the middle of a character by the end of the sample: still UTF-8.
            Err(e) if e.error_len().is_none() => (TextEncoding::Utf8, 0),
            Err(_) => (TextEncoding::Gb18030, 0),
        }
    }

    fn decoder(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            TextEncoding::Utf8 => None,
            TextEncoding::Utf16le => Some(encoding_rs::UTF_16LE),
            TextEncoding::Utf16be => Some(encoding_rs::UTF_16BE),
            TextEncoding::Gb18030 => Some(encoding_rs::GB18030),
        }
    }
}

/// The whole file as text, whatever its encoding (see [`TextEncoding::sniff`]).
pub(crate) fn decoded_text(bytes: &[u8]) -> AppResult<Cow<'_, str>> {
    let (encoding, mark) = TextEncoding::sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]);
    let body = &bytes[mark..];
    match encoding.decoder() {
        None => std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| invalid_file(format!("the file is not UTF-8 text (byte {})", e.valid_up_to() + mark))),
        Some(decoder) => Ok(decoder.decode_without_bom_handling(body).0),
    }
}

/// How much of a file's beginning its encoding and shape are told from.
const SNIFF_BYTES: usize = 64 * 1024;

/// What a CSV file looks like, told from its beginning.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileShape {
    pub encoding: TextEncoding,
    /// `,`, `;`, tab or `|`.
    pub delimiter: String,
    /// Whether the first row names the columns. Without one, the columns are called
    /// `Column 1`, `Column 2`… and the first row is data.
    pub has_header: bool,
    pub headers: Vec<String>,
}

/// A CSV file being read: its shape and a reader positioned at the first data row.
pub struct CsvFile {
    pub shape: FileShape,
    pub reader: csv::Reader<BufReader<Box<dyn Read + Send>>>,
}

/// Opens a CSV file: its encoding, delimiter and header row sniffed from its beginning, the
/// rest read as it is needed (a file of any size is read in bounded memory).
pub fn open_csv(mut source: Box<dyn Read + Send>) -> AppResult<CsvFile> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut source)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| invalid_file(format!("the file cannot be read: {e}")))?;
    let (encoding, mark) = TextEncoding::sniff(&head);
    // The shape is told from the beginning decoded here; the reader decodes it again as it goes.
    let start = match encoding.decoder() {
        None => String::from_utf8_lossy(&head[mark..]).into_owned(),
        Some(decoder) => decoder.decode_without_bom_handling(&head[mark..]).0.into_owned(),
    };
    let whole: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(source));
    let mut whole = whole;
    std::io::copy(&mut (&mut whole).take(mark as u64), &mut std::io::sink())
        .map_err(|e| invalid_file(format!("the file cannot be read: {e}")))?;
    let text: Box<dyn Read + Send> = match encoding.decoder() {
        None => whole,
        Some(decoder) => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(decoder))
                .build(whole),
        ),
    };
    let buffered = BufReader::with_capacity(SNIFF_BYTES, text);
    let delimiter = sniff_delimiter(&start);
    let first = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(start.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| invalid_file("the file is empty"))?;
    let has_header = !first.iter().any(looks_like_data);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(buffered);
    let headers = if has_header {
        let mut record = csv::ByteRecord::new();
        reader
            .read_byte_record(&mut record)
            .map_err(|e| invalid_file(format!("the header row cannot be read: {e}")))?;
        record
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_owned())
            .collect()
    } else {
        (1..=first.len()).map(|n| format!("Column {n}")).collect()
    };
    Ok(CsvFile {
        shape: FileShape {
            encoding,
            delimiter: char::from(delimiter).to_string(),
            has_header,
            headers,
        },
        reader,
    })
}

/// The delimiter of a CSV text: the most frequent of comma, semicolon, tab and bar outside
/// quotes in its first line (comma when none appears).
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(at) = candidates.iter().position(|c| *c == byte) {
                    counts[at] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|at| (counts[*at], 4 - at)).unwrap_or(0);
    candidates[best]
}

/// A cell no header would hold: an e-mail address, a phone number, a date or an amount.
fn looks_like_data(cell: &str) -> bool {
    let cell = cell.trim();
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    cell.contains('@') || (digits >= 4 && digits * 2 >= cell.chars().count())
}

/// A row's cells as text: a row that is not valid text in the file's encoding is an error.
pub(crate) fn row_cells(record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    record
        .iter()
        .map(|cell| {
            std::str::from_utf8(cell)
                .map(str::to_owned)
                .map_err(|_| "the row is not valid UTF-8 text (was the file saved in another encoding?)".to_owned())
        })
        .collect()
}

/// A CSV reader over `text` (rows may have more or fewer cells than the header) and its header
/// row, the delimiter sniffed (see [`sniff_delimiter`]).
pub(crate) fn csv_table(text: &str) -> AppResult<(csv::StringRecord, csv::Reader<&[u8]>)> {
    let delimiter = sniff_delimiter(text);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_files_are_told_and_read() {
        let text = "姓名;手机;邮箱;公司\n王小明;+86 139 0000 0001;xm@example.cn;星辰科技\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        assert_eq!(TextEncoding::sniff(&gb).0, TextEncoding::Gb18030);
        let csv = open_csv(Box::new(Cursor::new(gb.into_owned()))).expect("readable");
        assert_eq!(csv.shape.delimiter, ";");
        assert_eq!(csv.shape.headers, ["姓名", "手机", "邮箱", "公司"]);
    }
}
