//! Call lists (D9): the people a campaign calls, added by hand, from a people filter (the people
//! list's search, owner and organisation), or from a CSV file of people or bare numbers. Each
//! person is called on their first phone number, once per campaign.

use std::collections::HashSet;

use closer_domain::ValidationErrors;
use closer_domain::contact::PhoneNumber;
use closer_domain::ids::{CallCampaignId, CallEntryId, PartyId};
use closer_domain::party::{Person, PersonDraft};
use closer_domain::record::RecordMeta;
use closer_domain::telemarketing::{
    CallEntry, CallEntryFields, Campaign, ENTRIES_PER_REQUEST, EntriesDraft, PRIORITY_MAX, PeopleFilter,
};
use closer_store::parties::{self, PartyFilter};
use closer_store::{PageRequest, call_campaigns};
use serde::Serialize;
use utoipa::ToSchema;

use super::imports::{ImportReport, RowError, csv_table, decoded_text, invalid_file};
use super::{AppError, AppResult, Ctx, get, new_id, now};

/// Someone not added to a campaign, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotAdded {
    #[schema(value_type = String, format = Uuid)]
    pub person_id: PartyId,
    pub reason: String,
}

/// What adding people to a campaign did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EntriesAdded {
    pub added_count: usize,
    /// The entries made (the first 1,000).
    pub added: Vec<CallEntry>,
    pub not_added_count: usize,
    /// Who was not added and why (the first 1,000).
    pub not_added: Vec<NotAdded>,
}

/// Listed in full up to this many; counted beyond.
const SHOWN: usize = 1_000;
/// Entries written per transaction.
const BATCH: usize = 500;
/// The most people one filter adds at a time.
pub const FILTER_MAX: usize = 100_000;

impl EntriesAdded {
    fn refuse(&mut self, person_id: PartyId, reason: impl Into<String>) {
        self.not_added_count += 1;
        if self.not_added.len() < SHOWN {
            self.not_added.push(NotAdded {
                person_id,
                reason: reason.into(),
            });
        }
    }
}

async fn campaign_to_build(ctx: &Ctx, id: CallCampaignId) -> AppResult<Campaign> {
    let campaign: Campaign = get(ctx, id.as_uuid()).await?;
    if !ctx.principal.keeps_catalogue() {
        return Err(AppError::Forbidden(
            "administrators and managers build call lists".into(),
        ));
    }
    Ok(campaign)
}

/// Adds people (ones the principal may see) to a campaign: those named, or everyone the filter
/// finds. A number already in the campaign is not added twice. Administrators and managers build
/// lists.
pub async fn add_entries(ctx: &Ctx, campaign: CallCampaignId, draft: &EntriesDraft) -> AppResult<EntriesAdded> {
    let campaign = campaign_to_build(ctx, campaign).await?;
    let priority = draft.priority()?;
    let mut outcome = EntriesAdded::default();
    let people = match (&draft.filter, draft.person_ids.len()) {
        (None, 1..=ENTRIES_PER_REQUEST) => named(ctx, &draft.person_ids, &mut outcome).await?,
        (Some(filter), 0) => filtered(ctx, filter).await?,
        (Some(_), _) => {
            return Err(ValidationErrors::single("filter", "give either person_ids or a filter, not both").into());
        }
        (None, _) => {
            return Err(ValidationErrors::single(
                "person_ids",
                format!("give 1 to {ENTRIES_PER_REQUEST} people, or a filter"),
            )
            .into());
        }
    };
    let wanted: Vec<(Person, Option<PhoneNumber>)> = people.into_iter().map(|p| (p, None)).collect();
    add_people(ctx, &campaign, wanted, |_| priority, &mut outcome).await?;
    Ok(outcome)
}

async fn named(ctx: &Ctx, ids: &[PartyId], outcome: &mut EntriesAdded) -> AppResult<Vec<Person>> {
    let mut people = Vec::with_capacity(ids.len());
    for id in ids {
        match get::<Person>(ctx, id.as_uuid()).await {
            Ok(person) => people.push(person),
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
                outcome.refuse(*id, format!("person {id} does not exist"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(people)
}

/// Everyone the people list shows the principal with `filter`, up to [`FILTER_MAX`].
async fn filtered(ctx: &Ctx, filter: &PeopleFilter) -> AppResult<Vec<Person>> {
    let search = match filter.search.as_deref().map(str::trim) {
        Some(text) if text.chars().count() > 200 => {
            return Err(ValidationErrors::single("filter.search", "at most 200 characters").into());
        }
        Some(text) => closer_store::records::search_needle(text),
        None => None,
    };
    let query = PartyFilter {
        search,
        owner_id: filter.owner_id,
        organisation_id: filter.organisation_id,
        deleted: Default::default(),
    };
    let visibility = ctx.visibility();
    let mut page = PageRequest {
        after: None,
        limit: 500,
    };
    let mut people = Vec::new();
    let mut conn = ctx.db.acquire().await?;
    loop {
        let found = parties::list_people(conn.conn(), ctx.workspace, &visibility, &query, page).await?;
        people.extend(found.items);
        if people.len() >= FILTER_MAX {
            people.truncate(FILTER_MAX);
            return Ok(people);
        }
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(people),
        }
    }
}

/// Makes an entry for each person (on the number given, else their first), skipping numbers
/// already in the campaign or met twice, a few hundred per transaction.
async fn add_people(
    ctx: &Ctx,
    campaign: &Campaign,
    people: Vec<(Person, Option<PhoneNumber>)>,
    priority_of: impl Fn(usize) -> i32,
    outcome: &mut EntriesAdded,
) -> AppResult<()> {
    let at = now();
    let mut seen = HashSet::new();
    let mut fresh = Vec::new();
    for (index, (person, phone)) in people.into_iter().enumerate() {
        let Some(phone) = phone.or_else(|| person.fields.phones.first().cloned()) else {
            outcome.refuse(person.id, "has no phone number");
            continue;
        };
        if !seen.insert(phone.as_str().to_owned()) {
            outcome.refuse(person.id, format!("{} is listed twice", phone.as_str()));
            continue;
        }
        fresh.push(CallEntry {
            id: CallEntryId(new_id()),
            fields: CallEntryFields::fresh(
                campaign.id,
                person.id,
                phone,
                person.fields.timezone.clone(),
                priority_of(index),
                at,
            ),
            meta: RecordMeta::created(at),
        });
    }
    for batch in fresh.chunks(BATCH) {
        let mut tx = ctx.begin().await?;
        let phones: Vec<&str> = batch.iter().map(|e| e.fields.phone.as_str()).collect();
        let known = call_campaigns::numbers_in(tx.conn(), ctx.workspace, campaign.id, &phones).await?;
        for entry in batch {
            if known.contains(entry.fields.phone.as_str()) {
                outcome.refuse(
                    entry.fields.person_id,
                    format!("{} is already in the campaign", entry.fields.phone.as_str()),
                );
                continue;
            }
            call_campaigns::insert_entry(tx.conn(), ctx.workspace, entry).await?;
            outcome.added_count += 1;
            if outcome.added.len() < SHOWN {
                outcome.added.push(entry.clone());
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// What importing a call list did: the rows read (created counts the entries made), and the
/// people the file brought who were not on file yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallListImport {
    #[serde(flatten)]
    pub report: ImportReport,
    pub people_created: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Phone,
    Name,
    Email,
    PersonId,
    Timezone,
    Priority,
}

fn column_named(header: &str) -> Option<Column> {
    let name = header.trim().to_lowercase().replace([' ', '-'], "_");
    Some(match name.as_str() {
        "phone" | "phone_number" | "mobile" | "mobile_phone" | "telephone" | "tel" | "number" | "电话" | "手机"
        | "手机号" | "电话号码" => Column::Phone,
        "name" | "full_name" | "contact" | "contact_name" | "姓名" | "名字" => Column::Name,
        "email" | "e_mail" | "email_address" | "邮箱" | "电子邮件" => Column::Email,
        "person_id" | "id" => Column::PersonId,
        "timezone" | "time_zone" | "tz" | "时区" => Column::Timezone,
        "priority" | "优先级" => Column::Priority,
        _ => return None,
    })
}

/// One row, read.
struct Row {
    line: usize,
    phone: PhoneNumber,
    name: Option<String>,
    email: Option<String>,
    person_id: Option<PartyId>,
    timezone: Option<String>,
    priority: i32,
}

/// The rows of a call-list CSV; rows that cannot be read are reported with their line.
fn read_rows(bytes: &[u8], default_priority: i32, report: &mut ImportReport) -> AppResult<Vec<Row>> {
    let text = decoded_text(bytes)?;
    let (headers, mut reader) = csv_table(&text)?;
    let columns: Vec<Option<Column>> = headers.iter().map(column_named).collect();
    for (header, column) in headers.iter().zip(&columns) {
        match column {
            Some(_) => report.columns_used.push(header.to_owned()),
            None => report.columns_ignored.push(header.to_owned()),
        }
    }
    if !columns.contains(&Some(Column::Phone)) {
        return Err(invalid_file(
            "the header row has no phone column (phone, mobile, telephone, 电话 or 手机)",
        ));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                report.read += 1;
                fail(report, line, None, format!("the row cannot be read: {e}"));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        report.read += 1;
        let cell = |wanted: Column| {
            columns
                .iter()
                .position(|c| *c == Some(wanted))
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let phone = match cell(Column::Phone).map(PhoneNumber::parse) {
            Some(Ok(phone)) => phone,
            Some(Err(message)) => {
                fail(report, line, Some("phone"), message);
                continue;
            }
            None => {
                fail(report, line, Some("phone"), "no phone number".into());
                continue;
            }
        };
        let person_id = match cell(Column::PersonId).map(uuid::Uuid::parse_str) {
            Some(Ok(id)) => Some(PartyId(id)),
            Some(Err(_)) => {
                fail(report, line, Some("person_id"), "not an id".into());
                continue;
            }
            None => None,
        };
        let priority = match cell(Column::Priority).map(str::parse::<i32>) {
            Some(Ok(p)) if (-PRIORITY_MAX..=PRIORITY_MAX).contains(&p) => p,
            Some(_) => {
                fail(
                    report,
                    line,
                    Some("priority"),
                    format!("a whole number from -{PRIORITY_MAX} to {PRIORITY_MAX}"),
                );
                continue;
            }
            None => default_priority,
        };
        rows.push(Row {
            line,
            phone,
            name: cell(Column::Name).map(str::to_owned),
            email: cell(Column::Email).map(str::to_owned),
            person_id,
            timezone: cell(Column::Timezone).map(str::to_owned),
            priority,
        });
    }
    Ok(rows)
}

fn fail(report: &mut ImportReport, line: usize, column: Option<&str>, reason: String) {
    report.fail(RowError {
        row: line,
        column: column.map(str::to_owned),
        reason,
    });
}

/// Imports a call list from CSV (a header row with at least a phone column; name, email,
/// person_id, timezone and priority are read when present). Each row's person is the one named
/// by id, else the one with that phone number, else with that e-mail, among those the principal
/// may see; a row that matches nobody and has a name adds the person. The number given is the
/// one called. Counts add up: read = created (entries) + skipped + failed.
pub async fn import_entries(
    ctx: &Ctx,
    campaign: CallCampaignId,
    bytes: &[u8],
    priority: Option<i32>,
) -> AppResult<CallListImport> {
    let campaign = campaign_to_build(ctx, campaign).await?;
    let default_priority = EntriesDraft {
        person_ids: Vec::new(),
        filter: None,
        priority,
    }
    .priority()?;
    let mut report = ImportReport::default();
    let rows = read_rows(bytes, default_priority, &mut report)?;
    let mut people_created = 0;
    let mut wanted: Vec<(Person, Option<PhoneNumber>)> = Vec::new();
    let mut priorities = Vec::new();
    for row in rows {
        let found = match row.person_id {
            Some(id) => match get::<Person>(ctx, id.as_uuid()).await {
                Ok(person) => Some(person),
                Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
                    fail(
                        &mut report,
                        row.line,
                        Some("person_id"),
                        format!("person {id} does not exist"),
                    );
                    continue;
                }
                Err(e) => return Err(e),
            },
            None => find(ctx, &row.phone, row.email.as_deref()).await?,
        };
        let person = match (found, &row.name) {
            (Some(person), _) => person,
            (None, Some(name)) => {
                let draft = PersonDraft {
                    name: name.clone(),
                    emails: row.email.iter().cloned().collect(),
                    phones: vec![row.phone.as_str().to_owned()],
                    timezone: row.timezone.clone(),
                };
                match super::parties::create_person(ctx, &draft).await {
                    Ok(person) => {
                        people_created += 1;
                        person
                    }
                    Err(AppError::Invalid(errors)) => {
                        let first = errors.0.into_iter().next();
                        let (column, reason) =
                            first.map_or((None, "invalid".to_owned()), |e| (Some(e.field), e.message));
                        fail(&mut report, row.line, column.as_deref(), reason);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            (None, None) => {
                fail(
                    &mut report,
                    row.line,
                    Some("name"),
                    "nobody has this number or e-mail: give a name to add them".into(),
                );
                continue;
            }
        };
        priorities.push(row.priority);
        wanted.push((person, Some(row.phone)));
    }
    let mut outcome = EntriesAdded::default();
    add_people(ctx, &campaign, wanted, |i| priorities[i], &mut outcome).await?;
    report.created = outcome.added_count;
    report.skipped = outcome.not_added_count;
    for refused in outcome.not_added {
        let reason = if refused.reason.ends_with("already in the campaign") {
            "already in the campaign"
        } else {
            "listed twice in the file"
        };
        *report.skipped_because.entry(reason.into()).or_default() += 1;
    }
    report.errors.sort_by_key(|e| e.row);
    Ok(CallListImport { report, people_created })
}

/// The person (one the principal may see) with this number, else with this e-mail.
async fn find(ctx: &Ctx, phone: &PhoneNumber, email: Option<&str>) -> AppResult<Option<Person>> {
    let visibility = ctx.visibility();
    let mut conn = ctx.db.acquire().await?;
    let needles = std::iter::once((phone.as_str(), true)).chain(email.map(|e| (e, false)));
    for (needle, by_phone) in needles {
        let filter = PartyFilter {
            search: closer_store::records::search_needle(needle),
            ..PartyFilter::default()
        };
        let page = PageRequest { after: None, limit: 20 };
        let found = parties::list_people(conn.conn(), ctx.workspace, &visibility, &filter, page).await?;
        let same = |p: &Person| {
            if by_phone {
                p.fields.phones.iter().any(|x| x == phone)
            } else {
                p.fields.emails.iter().any(|e| e.as_str().eq_ignore_ascii_case(needle))
            }
        };
        if let Some(person) = found.items.into_iter().find(same) {
            return Ok(Some(person));
        }
    }
    Ok(None)
}
