//! Data out (issue 10): a list view with its filters as CSV, as the principal may see it,
//! streamed a page at a time so memory stays bounded however long the list. Every cell a
//! spreadsheet could read as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is
//! neutralised with a leading apostrophe.

use std::borrow::Cow;
use std::collections::HashMap;

use closer_domain::activity::Task;
use closer_domain::deal::Deal;
use closer_domain::ids::{PartyId, StageId, UserId};
use closer_domain::meeting::{Meeting, Side};
use closer_domain::party::{Organisation, Person};
use closer_store::deals::{self, DealFilter};
use closer_store::meetings::{self, MeetingFilter};
use closer_store::parties::{self, PartyFilter};
use closer_store::tasks::{self, TaskFilter};
use closer_store::{Page, PageRequest, playbooks, users};
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{AppResult, Ctx};

/// A chunk of the CSV file, or why it stopped.
pub type Chunk = Result<Vec<u8>, std::io::Error>;

/// Records read (and sent) at a time.
const PAGE: u32 = 500;

/// `cell` as a spreadsheet may safely open it: one that starts like a formula gets a leading
/// apostrophe (OWASP's advice for CSV injection).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// One CSV line of `cells`, each neutralised.
pub(crate) fn line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a bug: the line is then empty.
    let _ = writer.write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()));
    writer.into_inner().unwrap_or_default()
}

fn time_text(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// A list to export, with its filters.
#[derive(Debug, Clone)]
pub enum Export {
    People(PartyFilter),
    Organisations(PartyFilter),
    Deals(DealFilter),
    Tasks(TaskFilter),
    Meetings(MeetingFilter),
}

pub const PEOPLE_HEADER: &[&str] = &[
    "id",
    "name",
    "emails",
    "phones",
    "timezone",
    "owner",
    "created_at",
    "updated_at",
];

pub const ORGANISATIONS_HEADER: &[&str] = &[
    "id",
    "name",
    "legal_name",
    "tax_id",
    "industry",
    "employee_band",
    "region",
    "website",
    "emails",
    "phones",
    "parent_id",
    "requires_po",
    "owner",
    "created_at",
    "updated_at",
];

pub const DEALS_HEADER: &[&str] = &[
    "id",
    "title",
    "kind",
    "status",
    "stage",
    "amount",
    "currency",
    "counterparty_id",
    "counterparty",
    "owner",
    "lead_source",
    "expected_close",
    "lost_reason",
    "created_at",
    "closed_at",
];

pub const TASKS_HEADER: &[&str] = &[
    "id",
    "title",
    "due_on",
    "done_at",
    "assignee",
    "subject_type",
    "subject_id",
    "created_at",
];

pub const MEETINGS_HEADER: &[&str] = &[
    "id",
    "purpose",
    "venue",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "deal_id",
    "location",
    "buyer_attendees",
    "organiser",
    "objective",
    "agreed_next_step",
    "next_step_due",
    "outcome_notes",
    "created_at",
];

impl Export {
    fn header(&self) -> &'static [&'static str] {
        match self {
            Export::People(_) => PEOPLE_HEADER,
            Export::Organisations(_) => ORGANISATIONS_HEADER,
            Export::Deals(_) => DEALS_HEADER,
            Export::Tasks(_) => TASKS_HEADER,
            Export::Meetings(_) => MEETINGS_HEADER,
        }
    }
}

/// What rows name by id: users by e-mail, stages by name.
struct Names {
    owners: HashMap<UserId, String>,
    stages: HashMap<StageId, String>,
}

impl Names {
    async fn load(ctx: &Ctx) -> AppResult<Names> {
        let mut conn = ctx.db.acquire().await?;
        let owners = users::list(conn.conn(), ctx.workspace)
            .await?
            .into_iter()
            .map(|u| (u.user_id(), u.email))
            .collect();
        let stages = playbooks::list(conn.conn(), ctx.workspace)
            .await?
            .into_iter()
            .flat_map(|p| p.stages.into_iter().map(|s| (s.id, s.name)))
            .collect();
        Ok(Names { owners, stages })
    }

    fn owner(&self, id: UserId) -> String {
        self.owners.get(&id).cloned().unwrap_or_default()
    }
}

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join("; ")
}

/// One page of `export`'s rows, and where the next page starts.
async fn page_rows(
    ctx: &Ctx,
    export: &Export,
    names: &Names,
    page: PageRequest,
) -> AppResult<(Vec<Vec<String>>, Option<uuid::Uuid>)> {
    let visibility = ctx.visibility();
    let mut conn = ctx.db.acquire().await?;
    Ok(match export {
        Export::People(filter) => {
            let found: Page<Person> =
                parties::list_people(conn.conn(), ctx.workspace, &visibility, filter, page).await?;
            let rows = found
                .items
                .iter()
                .map(|p| {
                    let f = &p.fields;
                    vec![
                        p.id.to_string(),
                        f.name.clone(),
                        joined(f.emails.iter().map(|e| e.as_str())),
                        joined(f.phones.iter().map(|n| n.as_str())),
                        f.timezone.clone().unwrap_or_default(),
                        names.owner(p.ownership.owner_id),
                        time_text(p.meta.created_at),
                        time_text(p.meta.updated_at),
                    ]
                })
                .collect();
            (rows, found.next_after)
        }
        Export::Organisations(filter) => {
            let found: Page<Organisation> =
                parties::list_organisations(conn.conn(), ctx.workspace, &visibility, filter, page).await?;
            let rows = found
                .items
                .iter()
                .map(|o| {
                    let f = &o.fields;
                    vec![
                        o.id.to_string(),
                        f.name.clone(),
                        f.legal_name.clone().unwrap_or_default(),
                        f.tax_id.clone().unwrap_or_default(),
                        f.industry.clone().unwrap_or_default(),
                        f.employee_band.map(|b| b.to_string()).unwrap_or_default(),
                        f.region.clone().unwrap_or_default(),
                        f.website.clone().unwrap_or_default(),
                        joined(f.emails.iter().map(|e| e.as_str())),
                        joined(f.phones.iter().map(|n| n.as_str())),
                        f.parent_id.map(|id| id.to_string()).unwrap_or_default(),
                        f.requires_po.to_string(),
                        names.owner(o.ownership.owner_id),
                        time_text(o.meta.created_at),
                        time_text(o.meta.updated_at),
                    ]
                })
                .collect();
            (rows, found.next_after)
        }
        Export::Deals(filter) => {
            let found: Page<Deal> = deals::list(conn.conn(), ctx.workspace, &visibility, filter, page).await?;
            let parties: Vec<PartyId> = found.items.iter().map(|d| d.terms.counterparty_id).collect();
            let counterparties = parties::names(conn.conn(), ctx.workspace, &parties).await?;
            let rows = found
                .items
                .iter()
                .map(|d| {
                    let (t, p) = (&d.terms, &d.progress);
                    vec![
                        d.id.to_string(),
                        t.title.clone(),
                        p.kind.to_string(),
                        p.status.to_string(),
                        names.stages.get(&p.stage_id).cloned().unwrap_or_default(),
                        t.amount.decimal(),
                        t.amount.currency.to_string(),
                        t.counterparty_id.to_string(),
                        counterparties.get(&t.counterparty_id).cloned().unwrap_or_default(),
                        names.owner(d.ownership.owner_id),
                        t.lead_source.map(|s| s.to_string()).unwrap_or_default(),
                        t.expected_close.map(|day| day.to_string()).unwrap_or_default(),
                        p.lost_reason.map(|r| r.to_string()).unwrap_or_default(),
                        time_text(d.meta.created_at),
                        p.closed_at.map(time_text).unwrap_or_default(),
                    ]
                })
                .collect();
            (rows, found.next_after)
        }
        Export::Tasks(filter) => {
            let found: Page<Task> = tasks::list(conn.conn(), ctx.workspace, &visibility, filter, page).await?;
            let rows = found
                .items
                .iter()
                .map(|task| {
                    let f = &task.fields;
                    vec![
                        task.id.to_string(),
                        f.title.clone(),
                        f.due_on.map(|day| day.to_string()).unwrap_or_default(),
                        f.done_at.map(time_text).unwrap_or_default(),
                        names.owner(f.assignee_id),
                        f.subject_type.map(|t| t.to_string()).unwrap_or_default(),
                        f.subject_id.map(|id| id.to_string()).unwrap_or_default(),
                        time_text(task.meta.created_at),
                    ]
                })
                .collect();
            (rows, found.next_after)
        }
        Export::Meetings(filter) => {
            let found: Page<Meeting> = meetings::list(conn.conn(), ctx.workspace, &visibility, filter, page).await?;
            let buyers: Vec<PartyId> = found
                .items
                .iter()
                .flat_map(|m| m.fields.attendees.iter())
                .filter(|a| a.side == Side::Buyer)
                .filter_map(|a| a.person_id)
                .collect();
            let buyer_names = parties::names(conn.conn(), ctx.workspace, &buyers).await?;
            let rows = found
                .items
                .iter()
                .map(|m| {
                    let f = &m.fields;
                    let attendees = f
                        .attendees
                        .iter()
                        .filter(|a| a.side == Side::Buyer)
                        .filter_map(|a| a.person_id.and_then(|id| buyer_names.get(&id)))
                        .map(String::as_str);
                    vec![
                        m.id.to_string(),
                        f.purpose.to_string(),
                        f.venue.to_string(),
                        f.status.to_string(),
                        time_text(f.planned_start),
                        time_text(f.planned_end),
                        f.actual_start.map(time_text).unwrap_or_default(),
                        f.actual_end.map(time_text).unwrap_or_default(),
                        f.deal_id.map(|id| id.to_string()).unwrap_or_default(),
                        f.location.clone().unwrap_or_default(),
                        joined(attendees),
                        names.owner(f.organiser_id),
                        f.objective.clone().unwrap_or_default(),
                        f.agreed_next_step.clone().unwrap_or_default(),
                        f.next_step_due.map(|day| day.to_string()).unwrap_or_default(),
                        f.outcome_notes.clone().unwrap_or_default(),
                        time_text(m.meta.created_at),
                    ]
                })
                .collect();
            (rows, found.next_after)
        }
    })
}

/// The list as CSV, sent over a channel as it is read: the header, then a page at a time. An
/// error ends the stream early (the client sees a cut-off body, never a partial file passed
/// off as whole).
pub fn csv(ctx: Ctx, export: Export) -> ReceiverStream<Chunk> {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        // The byte-order mark tells spreadsheets the file is UTF-8 (names in Chinese).
        let mut first = b"\xef\xbb\xbf".to_vec();
        first.extend(line(export.header()));
        if sender.send(Ok(first)).await.is_err() {
            return;
        }
        let written = async {
            let names = Names::load(&ctx).await?;
            let mut page = PageRequest {
                after: None,
                limit: PAGE,
            };
            loop {
                let (rows, next) = page_rows(&ctx, &export, &names, page).await?;
                let chunk: Vec<u8> = rows.iter().flat_map(|row| line(row)).collect();
                if sender.send(Ok(chunk)).await.is_err() {
                    // The client went away.
                    return Ok(());
                }
                match next {
                    Some(after) => page.after = Some(after),
                    None => return Ok::<_, super::AppError>(()),
                }
            }
        };
        if let Err(e) = written.await {
            tracing::error!(error = %e, "an export stopped");
            let _ = sender.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    ReceiverStream::new(receiver)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_formulas_are_neutralised() {
        for risky in ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(risky), format!("'{risky}"));
        }
        assert_eq!(neutralise("Ann = Lee"), "Ann = Lee");
        assert_eq!(neutralise(""), "");
        let written = String::from_utf8(line(&["=HYPERLINK(\"x\")", "a,b"])).expect("utf-8");
        assert_eq!(written, "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\"\n");
    }
}
