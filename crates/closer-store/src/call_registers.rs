//! The registers a dialler consults: do-not-call entries by number, consent records by person.

use std::collections::{HashMap, HashSet};

use closer_domain::contact::PhoneNumber;
use closer_domain::ids::{ConsentId, DncEntryId, PartyId, UserId, WorkspaceId};
use closer_domain::telemarketing::{
    Consent, ConsentChannel, ConsentFields, DncEntry, DncEntryFields, DncScope, DncSource,
};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, label};
use crate::schema::{Consents, DoNotCall};

#[derive(FromRow)]
struct DncRow {
    id: Uuid,
    phone: String,
    scope: String,
    source: String,
    note: Option<String>,
    expires_at: Option<OffsetDateTime>,
    recorded_by: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl DncRow {
    fn into_entry(self) -> Result<DncEntry> {
        Ok(DncEntry {
            id: DncEntryId(self.id),
            fields: DncEntryFields {
                phone: PhoneNumber::parse(&self.phone)
                    .map_err(|e| StoreError::Corrupt(format!("do_not_call.phone: {e}")))?,
                scope: label(DncScope::parse, &self.scope)?,
                source: label(DncSource::parse, &self.source)?,
                note: self.note,
                expires_at: self.expires_at,
                recorded_by: UserId(self.recorded_by),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_dnc(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            DoNotCall::Id,
            DoNotCall::Phone,
            DoNotCall::Scope,
            DoNotCall::Source,
            DoNotCall::Note,
            DoNotCall::ExpiresAt,
            DoNotCall::RecordedBy,
            DoNotCall::Version,
            DoNotCall::CreatedAt,
            DoNotCall::UpdatedAt,
            DoNotCall::DeletedAt,
        ])
        .from(DoNotCall::Table)
        .and_where(Expr::col(DoNotCall::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get_dnc(conn: Conn<'_>, workspace: WorkspaceId, id: DncEntryId) -> Result<Option<DncEntry>> {
    let statement = select_dnc(workspace)
        .and_where(Expr::col(DoNotCall::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<DncRow, _>(&statement)
        .await?
        .map(DncRow::into_entry)
        .transpose()
}

pub async fn insert_dnc(conn: Conn<'_>, workspace: WorkspaceId, entry: &DncEntry) -> Result<()> {
    let f = &entry.fields;
    let row = vec![
        (DoNotCall::Phone, f.phone.as_str().into()),
        (DoNotCall::Scope, f.scope.as_str().into()),
        (DoNotCall::Source, f.source.as_str().into()),
        (DoNotCall::Note, f.note.clone().into()),
        (DoNotCall::ExpiresAt, f.expires_at.into()),
        (DoNotCall::RecordedBy, f.recorded_by.as_uuid().into()),
    ];
    records::insert_record(conn, DoNotCall::Table, workspace, entry.id.as_uuid(), &entry.meta, row).await
}

/// Writes a changed entry (deleted or restored) if it is still at `expected_version`.
pub async fn update_dnc(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    entry: &DncEntry,
    expected_version: i64,
) -> Result<bool> {
    records::update_stamps(
        conn,
        DoNotCall::Table,
        workspace,
        entry.id.as_uuid(),
        &entry.meta,
        expected_version,
    )
    .await
}

/// Do-not-call entries, one page in id order: all, or those for one number.
pub async fn list_dnc(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    phone: Option<&PhoneNumber>,
    deleted: Deleted,
    page: PageRequest,
) -> Result<Page<DncEntry>> {
    let mut statement = select_dnc(workspace);
    if let Some(phone) = phone {
        statement.and_where(Expr::col(DoNotCall::Phone).eq(phone.as_str()));
    }
    records::scope_page(&mut statement, DoNotCall::Table, workspace, deleted, page);
    let rows: Vec<DncRow> = conn.fetch_all(&statement).await?;
    let items = rows.into_iter().map(DncRow::into_entry).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page, |e| e.id.as_uuid()))
}

/// Which of `phones` are on a do-not-call list in force at `now`.
pub async fn blocked_numbers(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    phones: &[&str],
    now: OffsetDateTime,
) -> Result<HashSet<String>> {
    #[derive(FromRow)]
    struct Phone {
        phone: String,
    }
    if phones.is_empty() {
        return Ok(HashSet::new());
    }
    let statement = Query::select()
        .distinct()
        .column(DoNotCall::Phone)
        .from(DoNotCall::Table)
        .and_where(Expr::col(DoNotCall::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(DoNotCall::Phone).is_in(phones.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>()))
        .and_where(Expr::col(DoNotCall::DeletedAt).is_null())
        .cond_where(
            Cond::any()
                .add(Expr::col(DoNotCall::ExpiresAt).is_null())
                .add(Expr::col(DoNotCall::ExpiresAt).gt(now)),
        )
        .to_owned();
    let rows: Vec<Phone> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| r.phone).collect())
}

#[derive(FromRow)]
struct ConsentRow {
    id: Uuid,
    person_id: Uuid,
    channel: String,
    granted: bool,
    purpose: String,
    evidence: String,
    at: OffsetDateTime,
    recorded_by: Uuid,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl ConsentRow {
    fn into_consent(self) -> Result<Consent> {
        Ok(Consent {
            id: ConsentId(self.id),
            fields: ConsentFields {
                person_id: PartyId(self.person_id),
                channel: label(ConsentChannel::parse, &self.channel)?,
                granted: self.granted,
                purpose: self.purpose,
                evidence: self.evidence,
                at: self.at,
                recorded_by: UserId(self.recorded_by),
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select_consents(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Consents::Id,
            Consents::PersonId,
            Consents::Channel,
            Consents::Granted,
            Consents::Purpose,
            Consents::Evidence,
            Consents::At,
            Consents::RecordedBy,
            Consents::Version,
            Consents::CreatedAt,
            Consents::UpdatedAt,
            Consents::DeletedAt,
        ])
        .from(Consents::Table)
        .and_where(Expr::col(Consents::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

pub async fn get_consent(conn: Conn<'_>, workspace: WorkspaceId, id: ConsentId) -> Result<Option<Consent>> {
    let statement = select_consents(workspace)
        .and_where(Expr::col(Consents::Id).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<ConsentRow, _>(&statement)
        .await?
        .map(ConsentRow::into_consent)
        .transpose()
}

pub async fn insert_consent(conn: Conn<'_>, workspace: WorkspaceId, consent: &Consent) -> Result<()> {
    let f = &consent.fields;
    let row = vec![
        (Consents::PersonId, f.person_id.as_uuid().into()),
        (Consents::Channel, f.channel.as_str().into()),
        (Consents::Granted, f.granted.into()),
        (Consents::Purpose, f.purpose.clone().into()),
        (Consents::Evidence, f.evidence.clone().into()),
        (Consents::At, f.at.into()),
        (Consents::RecordedBy, f.recorded_by.as_uuid().into()),
    ];
    records::insert_record(
        conn,
        Consents::Table,
        workspace,
        consent.id.as_uuid(),
        &consent.meta,
        row,
    )
    .await
}

/// Consent records are evidence and never change; this only exists for the record machinery.
pub async fn update_consent(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    consent: &Consent,
    expected_version: i64,
) -> Result<bool> {
    records::update_stamps(
        conn,
        Consents::Table,
        workspace,
        consent.id.as_uuid(),
        &consent.meta,
        expected_version,
    )
    .await
}

/// The consent records of `person`, oldest first.
pub async fn consents_of(conn: Conn<'_>, workspace: WorkspaceId, person: PartyId) -> Result<Vec<Consent>> {
    let statement = select_consents(workspace)
        .and_where(Expr::col(Consents::PersonId).eq(person.as_uuid()))
        .and_where(Expr::col(Consents::DeletedAt).is_null())
        .order_by(Consents::At, Order::Asc)
        .order_by(Consents::Id, Order::Asc)
        .to_owned();
    let rows: Vec<ConsentRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(ConsentRow::into_consent).collect()
}

/// The consent records of each of `people` on `channel`, for a batch of dialling checks.
pub async fn consents_of_people(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    people: &[PartyId],
    channel: ConsentChannel,
) -> Result<HashMap<PartyId, Vec<ConsentFields>>> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = select_consents(workspace)
        .and_where(Expr::col(Consents::PersonId).is_in(people.iter().map(|p| p.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Consents::Channel).eq(channel.as_str()))
        .and_where(Expr::col(Consents::DeletedAt).is_null())
        .to_owned();
    let rows: Vec<ConsentRow> = conn.fetch_all(&statement).await?;
    let mut found: HashMap<PartyId, Vec<ConsentFields>> = HashMap::new();
    for row in rows {
        let consent = row.into_consent()?;
        found.entry(consent.fields.person_id).or_default().push(consent.fields);
    }
    Ok(found)
}

/// The workspace's own calling laws, by region (ISO code, or `*`).
pub async fn jurisdictions(
    conn: Conn<'_>,
    workspace: WorkspaceId,
) -> Result<Vec<(String, closer_domain::telemarketing::Jurisdiction)>> {
    use crate::schema::CallingJurisdictions as J;
    #[derive(FromRow)]
    struct Row {
        region: String,
        window_start: String,
        window_end: String,
        consent_required: bool,
    }
    let statement = Query::select()
        .columns([J::Region, J::WindowStart, J::WindowEnd, J::ConsentRequired])
        .from(J::Table)
        .and_where(Expr::col(J::WorkspaceId).eq(workspace.as_uuid()))
        .order_by(J::Region, Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter()
        .map(|row| {
            let time = |text: &str| {
                closer_domain::telemarketing::time_of_day(text)
                    .map_err(|e| StoreError::Corrupt(format!("calling_jurisdictions: {e}")))
            };
            let law = closer_domain::telemarketing::Jurisdiction {
                window: closer_domain::telemarketing::CallingWindow {
                    start: time(&row.window_start)?,
                    end: time(&row.window_end)?,
                },
                consent_required: row.consent_required,
            };
            Ok((row.region, law))
        })
        .collect()
}

/// Sets the workspace's own law for `region`.
pub async fn put_jurisdiction(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    region: &str,
    law: &closer_domain::telemarketing::Jurisdiction,
    by: UserId,
    at: OffsetDateTime,
) -> Result<()> {
    use crate::schema::CallingJurisdictions as J;
    let format = time::macros::format_description!("[hour]:[minute]");
    let show = |t: time::Time| t.format(format).unwrap_or_default();
    let statement = Query::insert()
        .into_table(J::Table)
        .columns([
            J::WorkspaceId,
            J::Region,
            J::WindowStart,
            J::WindowEnd,
            J::ConsentRequired,
            J::UpdatedAt,
            J::UpdatedBy,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            region.into(),
            show(law.window.start).into(),
            show(law.window.end).into(),
            law.consent_required.into(),
            at.into(),
            by.as_uuid().into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns([J::WorkspaceId, J::Region])
                .update_columns([
                    J::WindowStart,
                    J::WindowEnd,
                    J::ConsentRequired,
                    J::UpdatedAt,
                    J::UpdatedBy,
                ])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Removes the workspace's own law for `region`; false when it had none.
pub async fn delete_jurisdiction(conn: Conn<'_>, workspace: WorkspaceId, region: &str) -> Result<bool> {
    use crate::schema::CallingJurisdictions as J;
    let statement = Query::delete()
        .from_table(J::Table)
        .and_where(Expr::col(J::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(J::Region).eq(region))
        .to_owned();
    Ok(conn.execute(&statement).await? > 0)
}
