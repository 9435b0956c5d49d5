//! Data out (issue 10): a list view with its filters as CSV, as the principal may see it,
//! streamed a page at a time so memory stays bounded however long the list. Every cell a
//! spreadsheet could read as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is
//! neutralised with a leading apostrophe.

use std::borrow::Cow;
use std::collections::HashMap;

use closer_domain::deal::Deal;
use closer_domain::ids::{PartyId, StageId, UserId};
use closer_domain::party::Person;
use closer_store::deals::{self, DealFilter};
use closer_store::parties::{self, PartyFilter};
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
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// One CSV line of `cells`, each neutralised.
fn line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a bug: the line is then empty.
    let _ = writer.write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()));
    writer.into_inner().unwrap_or_default()
}

fn time_text(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Sends the file made by `rows` over a channel as it is read: the header, then a page at a
/// time. An error ends the stream (the client sees a cut-off body, never a partial file
/// passed off as whole).
fn stream<F, Fut>(header: &'static [&'static str], rows: F) -> ReceiverStream<Chunk>
where
    F: FnOnce(mpsc::Sender<Chunk>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = AppResult<()>> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        // The byte-order mark tells spreadsheets the file is UTF-8 (names in Chinese).
        let mut first = b"\xef\xbb\xbf".to_vec();
        first.extend(line(header));
        if sender.send(Ok(first)).await.is_err() {
            return;
        }
        if let Err(e) = rows(sender.clone()).await {
            tracing::error!(error = %e, "an export stopped");
            let _ = sender.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    ReceiverStream::new(receiver)
}

/// The users' e-mail addresses, to name owners.
async fn user_emails(ctx: &Ctx) -> AppResult<HashMap<UserId, String>> {
    let mut conn = ctx.db.acquire().await?;
    Ok(users::list(conn.conn(), ctx.workspace)
        .await?
        .into_iter()
        .map(|u| (u.user_id(), u.email))
        .collect())
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

/// The people the principal sees that match `filter`, as CSV.
pub fn people_csv(ctx: Ctx, filter: PartyFilter) -> ReceiverStream<Chunk> {
    stream(PEOPLE_HEADER, move |sender| async move {
        let owners = user_emails(&ctx).await?;
        let visibility = ctx.visibility();
        let mut page = PageRequest {
            after: None,
            limit: PAGE,
        };
        loop {
            let found: Page<Person> = {
                let mut conn = ctx.db.acquire().await?;
                parties::list_people(conn.conn(), ctx.workspace, &visibility, &filter, page).await?
            };
            let mut chunk = Vec::new();
            for p in &found.items {
                let f = &p.fields;
                let emails: Vec<&str> = f.emails.iter().map(|e| e.as_str()).collect();
                let phones: Vec<&str> = f.phones.iter().map(|n| n.as_str()).collect();
                chunk.extend(line(&[
                    p.id.to_string(),
                    f.name.clone(),
                    emails.join("; "),
                    phones.join("; "),
                    f.timezone.clone().unwrap_or_default(),
                    owners.get(&p.ownership.owner_id).cloned().unwrap_or_default(),
                    time_text(p.meta.created_at),
                    time_text(p.meta.updated_at),
                ]));
            }
            if sender.send(Ok(chunk)).await.is_err() {
                return Ok(());
            }
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(()),
            }
        }
    })
}

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

/// The deals the principal sees that match `filter`, as CSV; amounts in units (`12500.50`).
pub fn deals_csv(ctx: Ctx, filter: DealFilter) -> ReceiverStream<Chunk> {
    stream(DEALS_HEADER, move |sender| async move {
        let owners = user_emails(&ctx).await?;
        let stages: HashMap<StageId, String> = {
            let mut conn = ctx.db.acquire().await?;
            playbooks::list(conn.conn(), ctx.workspace)
                .await?
                .into_iter()
                .flat_map(|p| p.stages.into_iter().map(|s| (s.id, s.name)))
                .collect()
        };
        let visibility = ctx.visibility();
        let mut page = PageRequest {
            after: None,
            limit: PAGE,
        };
        loop {
            let (found, names): (Page<Deal>, HashMap<PartyId, String>) = {
                let mut conn = ctx.db.acquire().await?;
                let found = deals::list(conn.conn(), ctx.workspace, &visibility, &filter, page).await?;
                let parties: Vec<PartyId> = found.items.iter().map(|d| d.terms.counterparty_id).collect();
                let names = parties::names(conn.conn(), ctx.workspace, &parties).await?;
                (found, names)
            };
            let mut chunk = Vec::new();
            for d in &found.items {
                let (t, p) = (&d.terms, &d.progress);
                chunk.extend(line(&[
                    d.id.to_string(),
                    t.title.clone(),
                    p.kind.to_string(),
                    p.status.to_string(),
                    stages.get(&p.stage_id).cloned().unwrap_or_default(),
                    t.amount.decimal(),
                    t.amount.currency.to_string(),
                    t.counterparty_id.to_string(),
                    names.get(&t.counterparty_id).cloned().unwrap_or_default(),
                    owners.get(&d.ownership.owner_id).cloned().unwrap_or_default(),
                    t.lead_source.map(|s| s.to_string()).unwrap_or_default(),
                    t.expected_close.map(|day| day.to_string()).unwrap_or_default(),
                    p.lost_reason.map(|r| r.to_string()).unwrap_or_default(),
                    time_text(d.meta.created_at),
                    p.closed_at.map(time_text).unwrap_or_default(),
                ]));
            }
            if sender.send(Ok(chunk)).await.is_err() {
                return Ok(());
            }
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(()),
            }
        }
    })
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
