//! Past interactions from files (D5): a CSV of e-mails, calls and meetings, or an iCalendar
//! (`.ics`) export of a calendar. Only metadata is read — who, when, how; a subject, a body, a
//! description or a location's name is never kept. People and users are found by e-mail
//! address; addresses Closer does not know are counted but not added. Every row gets a stable
//! key, so importing the same file again adds nothing.

use std::collections::{HashMap, HashSet};

use closer_domain::ids::{InteractionId, PartyId, UserId};
use closer_domain::record::RecordMeta;
use closer_domain::relationships::{
    Direction, Interaction, InteractionDraft, InteractionKind, InteractionSource, ParticipantDraft, Provenance,
};
use closer_domain::zone::Zone;
use closer_store::{interactions, parties, users};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use super::imports::{ImportReport, RowError};
use super::imports::{csv_table, decoded_text, invalid_file};
use super::{AppError, AppResult, Ctx, insert_in, new_id, now};

/// The files Closer reads interactions from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    ICalendar,
}

impl FileFormat {
    /// The format a media type or a file name names.
    pub fn from_name(name: &str) -> Option<FileFormat> {
        let name = name.trim().to_ascii_lowercase();
        if name.starts_with("text/csv") || name.ends_with(".csv") {
            Some(FileFormat::Csv)
        } else if name.starts_with("text/calendar") || name.ends_with(".ics") || name.ends_with(".ical") {
            Some(FileFormat::ICalendar)
        } else {
            None
        }
    }
}

/// Interactions written per transaction.
const BATCH: usize = 500;
const ALREADY_IMPORTED: &str = "already imported";
const TOO_FEW_KNOWN: &str = "fewer than two participants known to Closer";
const CANCELLED: &str = "cancelled";
const NOT_YET: &str = "not held yet";
/// Names every imported interaction's key, so the same row always gets the same id.
const IMPORT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6c6f_7365_722d_696d_706f_7274_2d6b_6579);

/// One interaction read from a file, its participants still e-mail addresses.
#[derive(Debug, Clone)]
struct Found {
    row: usize,
    key: String,
    kind: InteractionKind,
    occurred_at: OffsetDateTime,
    emails: Vec<(String, Option<Direction>)>,
    /// Everyone on it, known to Closer or not.
    participant_count: u32,
    two_way: bool,
    face_to_face: bool,
    duration_seconds: Option<u32>,
}

enum Read {
    Found(Found),
    Skipped(&'static str),
    Failed(RowError),
}

/// Imports the interactions in `bytes`, times without a zone read in `zone`.
pub async fn import(ctx: &Ctx, format: FileFormat, bytes: Vec<u8>, zone: Zone) -> AppResult<ImportReport> {
    let at = now();
    // Parsing is CPU work on the whole file: off the async workers, and a parser that fails in
    // an unforeseen way fails the import, not the server.
    let (rows, mut report) = tokio::task::spawn_blocking(move || match format {
        FileFormat::Csv => read_csv(&bytes, &zone),
        FileFormat::ICalendar => read_ics(&bytes, &zone, at),
    })
    .await
    .map_err(|_| AppError::Conflict("the file could not be read".into()))??;
    report.read = rows.len();
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        match row {
            Read::Found(f) => found.push(f),
            Read::Skipped(reason) => report.skip(reason),
            Read::Failed(error) => report.fail(error),
        }
    }
    let (people, colleagues) = resolve(ctx, &found).await?;
    let mut ready = Vec::with_capacity(found.len());
    for row in found {
        let mut nodes: Vec<ParticipantDraft> = Vec::new();
        let mut seen = HashSet::new();
        for (email, direction) in &row.emails {
            let (person_id, user_id) = match (people.get(email), colleagues.get(email)) {
                (_, Some(user)) => (None, Some(*user)),
                (Some(person), None) => (Some(*person), None),
                (None, None) => continue,
            };
            if seen.insert((person_id, user_id)) {
                nodes.push(ParticipantDraft {
                    person_id,
                    user_id,
                    direction: *direction,
                });
            }
        }
        if nodes.len() < 2 {
            report.skip(TOO_FEW_KNOWN);
            continue;
        }
        nodes.truncate(closer_domain::relationships::PARTICIPANTS_MAX);
        // Files fill every column on every row: what does not apply to the kind is left out
        // rather than refused.
        let threads = matches!(row.kind, InteractionKind::EmailThread | InteractionKind::Message);
        let draft = InteractionDraft {
            kind: row.kind,
            occurred_at: row.occurred_at,
            participant_count: Some(row.participant_count.max(2)),
            participants: nodes,
            two_way: row.two_way && threads,
            face_to_face: row.face_to_face && row.kind == InteractionKind::Meeting,
            duration_seconds: row.duration_seconds.filter(|_| row.kind == InteractionKind::Call),
            expires_at: None,
        };
        let provenance = Provenance {
            source: InteractionSource::Import,
            source_id: Some(uuid::Uuid::new_v5(&IMPORT_NAMESPACE, row.key.as_bytes())),
            recorded_by: ctx.actor(),
        };
        match draft.parse(at, provenance) {
            Ok(fields) => ready.push((row.row, fields)),
            Err(errors) => report.fail_all(
                errors
                    .0
                    .into_iter()
                    .map(|error| RowError {
                        row: row.row,
                        column: Some(error.field),
                        reason: error.message,
                    })
                    .collect(),
            ),
        }
    }
    for batch in ready.chunks(BATCH) {
        let mut tx = ctx.begin().await?;
        let mut written = Vec::with_capacity(batch.len());
        let mut keys_in_batch = HashSet::new();
        for (_, fields) in batch {
            let Some(source_id) = fields.source_id else { continue };
            let known =
                interactions::from_source(tx.conn(), ctx.workspace, InteractionSource::Import, source_id).await?;
            if known.is_some() || !keys_in_batch.insert(source_id) {
                report.skip(ALREADY_IMPORTED);
                continue;
            }
            let interaction = Interaction {
                id: InteractionId(new_id()),
                fields: fields.clone(),
                meta: RecordMeta::created(at),
            };
            insert_in(ctx, tx.conn(), &interaction).await?;
            written.push(interaction);
        }
        tx.commit().await?;
        report.created += written.len();
        for interaction in &written {
            ctx.graphs.record(ctx.workspace, interaction);
        }
    }
    Ok(report)
}

/// The people the caller may see and the users of the workspace, by lower-case e-mail.
async fn resolve(ctx: &Ctx, found: &[Found]) -> AppResult<(HashMap<String, PartyId>, HashMap<String, UserId>)> {
    let emails: Vec<String> = found
        .iter()
        .flat_map(|f| f.emails.iter().map(|(email, _)| email.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut conn = ctx.db.acquire().await?;
    let colleagues: HashMap<String, UserId> = users::list(conn.conn(), ctx.workspace)
        .await?
        .into_iter()
        .map(|u| (u.email.to_lowercase(), u.user_id()))
        .collect();
    let unknown: Vec<String> = emails.into_iter().filter(|e| !colleagues.contains_key(e)).collect();
    let people = parties::people_by_email(conn.conn(), ctx.workspace, &ctx.visibility(), &unknown).await?;
    Ok((people, colleagues))
}

/// The e-mail addresses in a cell: `a@x.com; B <b@y.com>, c@z.com`, lower case.
fn addresses(cell: &str) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for part in cell.split([';', ',', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let address = match (part.rfind('<'), part.rfind('>')) {
            (Some(open), Some(close)) if open < close => &part[open + 1..close],
            _ => part,
        };
        let address = address
            .trim()
            .trim_start_matches("mailto:")
            .trim_start_matches("MAILTO:");
        let parsed = closer_domain::contact::EmailAddress::parse(address)?;
        found.push(parsed.as_str().to_lowercase());
    }
    Ok(found)
}

/// A moment as files write it: RFC 3339, or a date and time (or a date alone) in `zone`.
fn moment(value: &str, zone: &Zone) -> Result<OffsetDateTime, String> {
    let value = value.trim();
    if let Ok(at) = OffsetDateTime::parse(value, &Rfc3339) {
        return Ok(at);
    }
    let formats = [
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        time::macros::format_description!("[year]/[month]/[day] [hour]:[minute]"),
    ];
    for format in formats {
        if let Ok(local) = PrimitiveDateTime::parse(value, format) {
            return Ok(zone.instant(local.date(), local.time()));
        }
    }
    let dates = [
        time::macros::format_description!("[year]-[month]-[day]"),
        time::macros::format_description!("[year]/[month]/[day]"),
    ];
    for format in dates {
        if let Ok(date) = Date::parse(value, format) {
            return Ok(zone.instant(date, Time::MIDNIGHT));
        }
    }
    Err(format!(
        "'{value}' is not a time; write 2026-03-01T09:30:00+08:00, 2026-03-01 09:30 or 2026-03-01"
    ))
}

fn yes(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" => Ok(false),
        "true" | "yes" | "y" | "1" => Ok(true),
        other => Err(format!("'{other}' is not yes or no")),
    }
}

fn kind_named(value: &str) -> Result<InteractionKind, String> {
    let value = value.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    let value = match value.as_str() {
        "email" | "e_mail" | "mail" => "email_thread",
        "phone" | "phone_call" => "call",
        "chat" | "wechat" | "sms" => "message",
        "know_well" | "assertion" => "manual_assertion",
        other => other,
    };
    InteractionKind::parse(value).map_err(|_| {
        format!("'{value}' is not a kind; use email_thread, meeting, call, message, connection or manual_assertion")
    })
}

/// What a CSV header means, by its normalised name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    OccurredAt,
    Kind,
    Participants,
    From,
    To,
    Cc,
    TwoWay,
    FaceToFace,
    DurationMinutes,
    DurationSeconds,
}

fn column_named(header: &str) -> Option<Column> {
    let name = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    Some(match name.as_str() {
        "id" | "external_id" | "uid" => Column::Id,
        "occurred_at" | "date" | "start" | "when" | "time" | "timestamp" | "sent_at" => Column::OccurredAt,
        "kind" | "type" | "channel" => Column::Kind,
        "participants" | "attendees" | "emails" | "with" => Column::Participants,
        "from" | "organizer" | "organiser" => Column::From,
        "to" => Column::To,
        "cc" => Column::Cc,
        "two_way" | "replied" => Column::TwoWay,
        "face_to_face" | "in_person" => Column::FaceToFace,
        "duration_minutes" | "minutes" => Column::DurationMinutes,
        "duration_seconds" | "seconds" => Column::DurationSeconds,
        _ => return None,
    })
}

type Readings = (Vec<Read>, ImportReport);

fn read_csv(bytes: &[u8], zone: &Zone) -> AppResult<Readings> {
    let text = decoded_text(bytes)?;
    let (headers, mut reader) = csv_table(&text)?;
    let mut report = ImportReport::default();
    let columns: Vec<Option<Column>> = headers.iter().map(column_named).collect();
    for (header, column) in headers.iter().zip(&columns) {
        let list = if column.is_some() {
            &mut report.columns_used
        } else {
            &mut report.columns_ignored
        };
        list.push(header.trim_start_matches('\u{feff}').to_owned());
    }
    let has = |wanted: Column| columns.contains(&Some(wanted));
    if !has(Column::OccurredAt) {
        return Err(invalid_file("the header row has no occurred_at (or date) column"));
    }
    if !(has(Column::Participants) || has(Column::From) || has(Column::To)) {
        return Err(invalid_file(
            "the header row has no participants column (nor from and to columns)",
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let row = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                rows.push(Read::Failed(RowError {
                    row,
                    column: None,
                    reason: format!("the row cannot be read: {e}"),
                }));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        rows.push(csv_row(row, &headers, &columns, &record, zone));
    }
    Ok((rows, report))
}

fn csv_row(
    row: usize,
    headers: &csv::StringRecord,
    columns: &[Option<Column>],
    record: &csv::StringRecord,
    zone: &Zone,
) -> Read {
    let fail = |index: usize, reason: String| {
        Read::Failed(RowError {
            row,
            column: headers.get(index).map(|h| h.trim_start_matches('\u{feff}').to_owned()),
            reason,
        })
    };
    let mut id = None;
    let mut occurred_at = None;
    let mut kind = InteractionKind::EmailThread;
    let mut emails: Vec<(String, Option<Direction>)> = Vec::new();
    let (mut two_way, mut face_to_face, mut duration_seconds) = (false, false, None);
    for (index, (column, cell)) in columns.iter().zip(record.iter()).enumerate() {
        let Some(column) = column else { continue };
        let cell = cell.trim();
        let direction = match column {
            Column::From => Some(Direction::From),
            Column::To => Some(Direction::To),
            Column::Cc => Some(Direction::Cc),
            _ => None,
        };
        let outcome: Result<(), String> = match column {
            Column::Id => {
                id = Some(cell.to_owned()).filter(|c| !c.is_empty());
                Ok(())
            }
            Column::OccurredAt => moment(cell, zone).map(|at| occurred_at = Some((at, cell.to_owned()))),
            Column::Kind if cell.is_empty() => Ok(()),
            Column::Kind => kind_named(cell).map(|k| kind = k),
            Column::Participants | Column::From | Column::To | Column::Cc => {
                addresses(cell).map(|found| emails.extend(found.into_iter().map(|e| (e, direction))))
            }
            Column::TwoWay => yes(cell).map(|v| two_way = v),
            Column::FaceToFace => yes(cell).map(|v| face_to_face = v),
            Column::DurationMinutes | Column::DurationSeconds if cell.is_empty() => Ok(()),
            Column::DurationMinutes | Column::DurationSeconds => {
                let scale = if *column == Column::DurationMinutes { 60 } else { 1 };
                cell.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0 && *v * f64::from(scale) <= f64::from(u32::MAX))
                    .map(|v| duration_seconds = Some((v * f64::from(scale)).round() as u32))
                    .ok_or_else(|| {
                        format!(
                            "'{cell}' is not a number of {}",
                            if scale == 60 { "minutes" } else { "seconds" }
                        )
                    })
            }
        };
        if let Err(reason) = outcome {
            return fail(index, reason);
        }
    }
    let Some((occurred_at, written_at)) = occurred_at else {
        let index = columns.iter().position(|c| *c == Some(Column::OccurredAt)).unwrap_or(0);
        return fail(index, "a time is required".into());
    };
    let participant_count = u32::try_from(emails.len()).unwrap_or(u32::MAX);
    let key = match id {
        Some(id) => format!("csv:id:{id}"),
        None => {
            let mut sorted: Vec<&str> = emails.iter().map(|(e, _)| e.as_str()).collect();
            sorted.sort_unstable();
            sorted.dedup();
            // The time as written: the key must not change with the zone it is read in.
            format!("csv:{kind}:{written_at}:{}", sorted.join(","))
        }
    };
    Read::Found(Found {
        row,
        key,
        kind,
        occurred_at,
        emails,
        participant_count,
        two_way,
        face_to_face,
        duration_seconds,
    })
}

/// A property's parameter, by name.
fn param<'a>(property: &'a ical::property::Property, name: &str) -> Option<&'a str> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

/// An iCalendar DATE-TIME or DATE: UTC (`Z`), in the zone its TZID names, or floating (read in
/// `zone`).
fn ics_moment(property: &ical::property::Property, zone: &Zone) -> Result<OffsetDateTime, String> {
    let value = property.value.as_deref().unwrap_or("").trim();
    let basic = time::macros::format_description!("[year][month][day]T[hour][minute][second]");
    let day = time::macros::format_description!("[year][month][day]");
    if let Some(utc) = value.strip_suffix('Z') {
        return PrimitiveDateTime::parse(utc, basic)
            .map(PrimitiveDateTime::assume_utc)
            .map_err(|_| format!("'{value}' is not an iCalendar time"));
    }
    let local_zone = match param(property, "TZID") {
        Some(name) => Zone::named(name.trim_matches('"')).unwrap_or_else(|_| zone.clone()),
        None => zone.clone(),
    };
    if let Ok(local) = PrimitiveDateTime::parse(value, basic) {
        return Ok(local_zone.instant(local.date(), local.time()));
    }
    Date::parse(value, day)
        .map(|date| local_zone.instant(date, Time::MIDNIGHT))
        .map_err(|_| format!("'{value}' is not an iCalendar time"))
}

/// An iCalendar DURATION (`PT1H30M`, `P1D`), in seconds.
fn ics_duration(value: &str) -> Option<i64> {
    let value = value.trim().trim_start_matches('+');
    let rest = value.strip_prefix('P')?;
    let (mut seconds, mut number, mut in_time) = (0_i64, String::new(), false);
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => number.push(c),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                seconds += n * match (unit, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
            }
        }
    }
    number.is_empty().then_some(seconds)
}

/// Somewhere to meet in person rather than a link or a call.
fn in_person(location: &str) -> bool {
    let location = location.trim().to_lowercase();
    let online = [
        "http",
        "zoom",
        "teams",
        "meet.google",
        "webex",
        "skype",
        "online",
        "phone",
        "腾讯会议",
        "飞书",
        "钉钉",
        "线上",
        "电话",
    ];
    !location.is_empty() && !online.iter().any(|word| location.contains(word))
}

fn read_ics(bytes: &[u8], zone: &Zone, now: OffsetDateTime) -> AppResult<Readings> {
    let reader = std::io::BufReader::new(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes));
    let mut rows = Vec::new();
    let mut number = 0;
    for calendar in ical::IcalParser::new(reader) {
        let calendar = calendar.map_err(|e| invalid_file(format!("the calendar cannot be read: {e}")))?;
        for event in &calendar.events {
            number += 1;
            rows.push(ics_event(number, &event.properties, zone, now));
        }
    }
    Ok((rows, ImportReport::default()))
}

fn ics_event(row: usize, properties: &[ical::property::Property], zone: &Zone, now: OffsetDateTime) -> Read {
    let get = |name: &str| properties.iter().find(|p| p.name.eq_ignore_ascii_case(name));
    let fail = |column: &str, reason: String| {
        Read::Failed(RowError {
            row,
            column: Some(column.to_owned()),
            reason,
        })
    };
    if get("STATUS")
        .and_then(|p| p.value.as_deref())
        .is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
    {
        return Read::Skipped(CANCELLED);
    }
    let Some(start) = get("DTSTART") else {
        return fail("DTSTART", "an event needs a start".into());
    };
    // The start as written: the event's key must not change with the zone it is read in.
    let written_start = start.value.clone().unwrap_or_default();
    let start = match ics_moment(start, zone) {
        Ok(at) => at,
        Err(reason) => return fail("DTSTART", reason),
    };
    if start > now {
        return Read::Skipped(NOT_YET);
    }
    let end = get("DTEND").and_then(|p| ics_moment(p, zone).ok()).or_else(|| {
        get("DURATION")
            .and_then(|p| p.value.as_deref())
            .and_then(ics_duration)
            .map(|s| start + Duration::seconds(s))
    });
    let mut emails: Vec<(String, Option<Direction>)> = Vec::new();
    let mut everyone = 0_u32;
    for property in properties {
        let organiser = property.name.eq_ignore_ascii_case("ORGANIZER");
        if !(organiser || property.name.eq_ignore_ascii_case("ATTENDEE")) {
            continue;
        }
        let declined = param(property, "PARTSTAT").is_some_and(|s| s.eq_ignore_ascii_case("DECLINED"));
        let room = param(property, "CUTYPE").is_some_and(|c| !c.eq_ignore_ascii_case("INDIVIDUAL"));
        if declined || room {
            continue;
        }
        let value = property.value.as_deref().unwrap_or("");
        if let Ok(found) = addresses(value) {
            for email in found {
                if !emails.iter().any(|(known, _)| *known == email) {
                    everyone += 1;
                    emails.push((
                        email,
                        Some(if organiser {
                            Direction::From
                        } else {
                            Direction::Attendee
                        }),
                    ));
                }
            }
        }
    }
    let uid = get("UID").and_then(|p| p.value.clone()).unwrap_or_default();
    let occurrence = get("RECURRENCE-ID")
        .and_then(|p| p.value.clone())
        .unwrap_or_else(|| written_start.clone());
    let key = if uid.is_empty() {
        let mut sorted: Vec<&str> = emails.iter().map(|(e, _)| e.as_str()).collect();
        sorted.sort_unstable();
        format!("ics::{written_start}:{}", sorted.join(","))
    } else {
        format!("ics:{uid}:{occurrence}")
    };
    let location = get("LOCATION").and_then(|p| p.value.as_deref()).unwrap_or("");
    let face_to_face = in_person(location) && get("URL").is_none();
    Read::Found(Found {
        row,
        key,
        kind: if location.to_lowercase().contains("phone") || location.contains("电话") {
            InteractionKind::Call
        } else {
            InteractionKind::Meeting
        },
        occurred_at: start,
        participant_count: everyone,
        emails,
        two_way: true,
        face_to_face,
        duration_seconds: end
            .map(|end| (end - start).whole_seconds())
            .and_then(|s| u32::try_from(s).ok()),
    })
}
