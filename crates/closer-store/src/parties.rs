//! People and organisations, stored together in `parties` and told apart by `kind`.

use std::collections::HashMap;

use closer_domain::access::RecordType;
use closer_domain::contact::{EmailAddress, PhoneNumber};
use closer_domain::ids::{PartyId, TeamId, UserId, WorkspaceId};
use closer_domain::import::{organisation_keys, person_keys};
use closer_domain::party::{EmployeeBand, Organisation, OrganisationFields, PartyKind, Person, PersonFields};
use closer_domain::record::Ownership;
use sea_query::{Alias, Expr, ExprTrait, LikeExpr, Query, SelectStatement};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::{self, Visibility};
use crate::db::{Conn, Result, StoreError};
use crate::party_keys;
use crate::records::{self, Deleted, Page, PageRequest, label, like_contains, optional_label};
use crate::schema::{Employments, Parties};

#[derive(FromRow)]
struct PartyRow {
    id: Uuid,
    name: String,
    legal_name: Option<String>,
    tax_id: Option<String>,
    industry: Option<String>,
    employee_band: Option<String>,
    region: Option<String>,
    website: Option<String>,
    timezone: Option<String>,
    emails: String,
    phones: String,
    parent_id: Option<Uuid>,
    requires_po: bool,
    owner_id: Uuid,
    team_id: Option<Uuid>,
    employed: bool,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

const COLUMNS: [Parties; 19] = [
    Parties::Id,
    Parties::Name,
    Parties::LegalName,
    Parties::TaxId,
    Parties::Industry,
    Parties::EmployeeBand,
    Parties::Region,
    Parties::Website,
    Parties::Timezone,
    Parties::Emails,
    Parties::Phones,
    Parties::ParentId,
    Parties::RequiresPo,
    Parties::OwnerId,
    Parties::TeamId,
    Parties::Version,
    Parties::CreatedAt,
    Parties::UpdatedAt,
    Parties::DeletedAt,
];

fn decode_list<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("contact list: {e}")))
}

fn encode_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

impl PartyRow {
    fn meta(&self) -> closer_domain::record::RecordMeta {
        records::meta(self.version, self.created_at, self.updated_at, self.deleted_at)
    }

    fn ownership(&self) -> Ownership {
        Ownership {
            owner_id: UserId(self.owner_id),
            team_id: self.team_id.map(TeamId),
        }
    }

    fn into_person(self) -> Result<Person> {
        Ok(Person {
            id: PartyId(self.id),
            meta: self.meta(),
            ownership: self.ownership(),
            record_type: if self.employed {
                RecordType::Contact
            } else {
                RecordType::Consumer
            },
            fields: PersonFields {
                emails: decode_list::<EmailAddress>(&self.emails)?,
                phones: decode_list::<PhoneNumber>(&self.phones)?,
                name: self.name,
                timezone: self.timezone,
            },
        })
    }

    fn into_organisation(self) -> Result<Organisation> {
        Ok(Organisation {
            id: PartyId(self.id),
            meta: self.meta(),
            ownership: self.ownership(),
            fields: OrganisationFields {
                emails: decode_list::<EmailAddress>(&self.emails)?,
                phones: decode_list::<PhoneNumber>(&self.phones)?,
                employee_band: optional_label(EmployeeBand::parse, self.employee_band.as_deref())?,
                name: self.name,
                legal_name: self.legal_name,
                tax_id: self.tax_id,
                industry: self.industry,
                region: self.region,
                website: self.website,
                parent_id: self.parent_id.map(PartyId),
                requires_po: self.requires_po,
            },
        })
    }
}

fn select_kind(workspace: WorkspaceId, kind: PartyKind) -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Parties::Table, c)))
        .expr_as(access::employed(workspace), Alias::new("employed"))
        .from(Parties::Table)
        .and_where(Expr::col((Parties::Table, Parties::WorkspaceId)).eq(workspace.as_uuid()))
        .and_where(Expr::col((Parties::Table, Parties::Kind)).eq(kind.as_str()))
        .to_owned()
}

async fn get_row(conn: Conn<'_>, workspace: WorkspaceId, kind: PartyKind, id: PartyId) -> Result<Option<PartyRow>> {
    let statement = select_kind(workspace, kind)
        .and_where(Expr::col((Parties::Table, Parties::Id)).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional(&statement).await
}

/// For each of `ids` that exists (deleted or not): its kind, and whether it has an e-mail or a
/// phone to be reached at.
pub async fn reachability(conn: Conn<'_>, workspace: WorkspaceId, ids: &[PartyId]) -> Result<HashMap<PartyId, Reach>> {
    #[derive(FromRow)]
    struct Row {
        id: Uuid,
        kind: String,
        emails: String,
        phones: String,
    }
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([Parties::Id, Parties::Kind, Parties::Emails, Parties::Phones])
        .from(Parties::Table)
        .and_where(Expr::col(Parties::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Parties::Id).is_in(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter()
        .map(|row| {
            let emails = decode_list::<String>(&row.emails)?;
            let reach = Reach {
                kind: label(PartyKind::parse, &row.kind)?,
                has_email: !emails.is_empty(),
                phones: decode_list::<String>(&row.phones)?,
            };
            Ok((PartyId(row.id), reach))
        })
        .collect()
}

/// How a party can be reached.
#[derive(Debug, Clone)]
pub struct Reach {
    pub kind: PartyKind,
    pub has_email: bool,
    /// E.164, as stored.
    pub phones: Vec<String>,
}

impl Reach {
    /// A phone number or an e-mail address is on file.
    pub fn reachable(&self) -> bool {
        self.has_email || !self.phones.is_empty()
    }
}

/// A person by id, deleted or not.
pub async fn get_person(conn: Conn<'_>, workspace: WorkspaceId, id: PartyId) -> Result<Option<Person>> {
    get_row(conn, workspace, PartyKind::Person, id)
        .await?
        .map(PartyRow::into_person)
        .transpose()
}

/// An organisation by id, deleted or not.
pub async fn get_organisation(conn: Conn<'_>, workspace: WorkspaceId, id: PartyId) -> Result<Option<Organisation>> {
    get_row(conn, workspace, PartyKind::Organisation, id)
        .await?
        .map(PartyRow::into_organisation)
        .transpose()
}

#[derive(FromRow)]
struct KindRow {
    kind: String,
}

/// The kind of a live (not deleted) party, or None when there is no such party.
pub async fn live_kind(conn: Conn<'_>, workspace: WorkspaceId, id: PartyId) -> Result<Option<PartyKind>> {
    let statement = Query::select()
        .column(Parties::Kind)
        .from(Parties::Table)
        .and_where(Expr::col(Parties::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Parties::Id).eq(id.as_uuid()))
        .and_where(Expr::col(Parties::DeletedAt).is_null())
        .to_owned();
    let row: Option<KindRow> = conn.fetch_optional(&statement).await?;
    row.map(|r| label(PartyKind::parse, &r.kind)).transpose()
}

fn person_values(person: &Person) -> Vec<(Parties, Expr)> {
    let f = &person.fields;
    let emails: Vec<&str> = f.emails.iter().map(EmailAddress::as_str).collect();
    let phones: Vec<&str> = f.phones.iter().map(PhoneNumber::as_str).collect();
    let digits: Vec<String> = phones.iter().map(|p| p.trim_start_matches('+').to_owned()).collect();
    let search = records::search_text(
        std::iter::once(f.name.as_str())
            .chain(emails.iter().copied())
            .chain(digits.iter().map(String::as_str)),
    );
    vec![
        (Parties::Name, f.name.clone().into()),
        (Parties::Timezone, f.timezone.clone().into()),
        (Parties::Emails, encode_list(&emails).into()),
        (Parties::Phones, encode_list(&phones).into()),
        (Parties::SearchText, search.into()),
    ]
}

fn with_ownership(mut values: Vec<(Parties, Expr)>, ownership: &Ownership) -> Vec<(Parties, Expr)> {
    values.push((Parties::OwnerId, ownership.owner_id.as_uuid().into()));
    values.push((Parties::TeamId, ownership.team_id.map(|t| t.as_uuid()).into()));
    values
}

fn organisation_values(organisation: &Organisation) -> Vec<(Parties, Expr)> {
    let f = &organisation.fields;
    let emails: Vec<&str> = f.emails.iter().map(EmailAddress::as_str).collect();
    let phones: Vec<&str> = f.phones.iter().map(PhoneNumber::as_str).collect();
    let digits: Vec<String> = phones.iter().map(|p| p.trim_start_matches('+').to_owned()).collect();
    let search = records::search_text(
        [
            Some(f.name.as_str()),
            f.legal_name.as_deref(),
            f.tax_id.as_deref(),
            f.website.as_deref(),
        ]
        .into_iter()
        .flatten()
        .chain(emails.iter().copied())
        .chain(digits.iter().map(String::as_str)),
    );
    vec![
        (Parties::Name, f.name.clone().into()),
        (Parties::LegalName, f.legal_name.clone().into()),
        (Parties::TaxId, f.tax_id.clone().into()),
        (Parties::Industry, f.industry.clone().into()),
        (Parties::EmployeeBand, f.employee_band.map(|b| b.as_str()).into()),
        (Parties::Region, f.region.clone().into()),
        (Parties::Website, f.website.clone().into()),
        (Parties::Emails, encode_list(&emails).into()),
        (Parties::Phones, encode_list(&phones).into()),
        (Parties::ParentId, f.parent_id.map(|p| p.as_uuid()).into()),
        (Parties::RequiresPo, f.requires_po.into()),
        (Parties::SearchText, search.into()),
    ]
}

async fn insert(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    id: PartyId,
    kind: PartyKind,
    meta: &closer_domain::record::RecordMeta,
    mut values: Vec<(Parties, Expr)>,
) -> Result<()> {
    values.push((Parties::Kind, kind.as_str().into()));
    records::insert_record(conn, Parties::Table, workspace, id.as_uuid(), meta, values).await
}

async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    id: PartyId,
    meta: &closer_domain::record::RecordMeta,
    expected_version: i64,
    values: Vec<(Parties, Expr)>,
) -> Result<bool> {
    records::update_record(
        conn,
        Parties::Table,
        workspace,
        id.as_uuid(),
        meta,
        expected_version,
        values,
    )
    .await
}

pub async fn insert_person(mut conn: Conn<'_>, workspace: WorkspaceId, person: &Person) -> Result<()> {
    insert(
        conn.reborrow(),
        workspace,
        person.id,
        PartyKind::Person,
        &person.meta,
        with_ownership(person_values(person), &person.ownership),
    )
    .await?;
    party_keys::add_new(conn, workspace, person.id, &person_keys(&person.fields)).await
}

/// Writes a changed person if it is still at `expected_version`; false when it is not.
pub async fn update_person(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    person: &Person,
    expected_version: i64,
) -> Result<bool> {
    let written = update(
        conn.reborrow(),
        workspace,
        person.id,
        &person.meta,
        expected_version,
        with_ownership(person_values(person), &person.ownership),
    )
    .await?;
    if written {
        party_keys::replace(conn, workspace, person.id, &person_keys(&person.fields)).await?;
    }
    Ok(written)
}

pub async fn insert_organisation(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    organisation: &Organisation,
) -> Result<()> {
    insert(
        conn.reborrow(),
        workspace,
        organisation.id,
        PartyKind::Organisation,
        &organisation.meta,
        with_ownership(organisation_values(organisation), &organisation.ownership),
    )
    .await?;
    party_keys::add_new(
        conn,
        workspace,
        organisation.id,
        &organisation_keys(&organisation.fields),
    )
    .await
}

pub async fn update_organisation(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    organisation: &Organisation,
    expected_version: i64,
) -> Result<bool> {
    let written = update(
        conn.reborrow(),
        workspace,
        organisation.id,
        &organisation.meta,
        expected_version,
        with_ownership(organisation_values(organisation), &organisation.ownership),
    )
    .await?;
    if written {
        party_keys::replace(
            conn,
            workspace,
            organisation.id,
            &organisation_keys(&organisation.fields),
        )
        .await?;
    }
    Ok(written)
}

/// Inserts many new people and organisations (each with its keys) in a few statements: for
/// imports.
pub async fn insert_many(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    people: &[Person],
    organisations: &[Organisation],
) -> Result<()> {
    let organisation_rows = organisations
        .iter()
        .map(|o| {
            let mut values = with_ownership(organisation_values(o), &o.ownership);
            values.push((Parties::Kind, PartyKind::Organisation.as_str().into()));
            (o.id.as_uuid(), &o.meta, values)
        })
        .collect();
    records::insert_records(conn.reborrow(), Parties::Table, workspace, organisation_rows).await?;
    let people_rows = people
        .iter()
        .map(|p| {
            let mut values = with_ownership(person_values(p), &p.ownership);
            values.push((Parties::Kind, PartyKind::Person.as_str().into()));
            (p.id.as_uuid(), &p.meta, values)
        })
        .collect();
    records::insert_records(conn.reborrow(), Parties::Table, workspace, people_rows).await?;
    let keys: Vec<(PartyId, Vec<closer_domain::import::NaturalKey>)> = organisations
        .iter()
        .map(|o| (o.id, organisation_keys(&o.fields)))
        .chain(people.iter().map(|p| (p.id, person_keys(&p.fields))))
        .collect();
    party_keys::add_many(conn, workspace, &keys).await
}

/// Every party of `kind` in the workspace (deleted ones too), a page in id order: for work
/// over all of them.
async fn page_of(conn: Conn<'_>, workspace: WorkspaceId, kind: PartyKind, page: &PageRequest) -> Result<Vec<PartyRow>> {
    let mut statement = select_kind(workspace, kind)
        .order_by((Parties::Table, Parties::Id), sea_query::Order::Asc)
        .limit(u64::from(page.limit))
        .to_owned();
    if let Some(after) = page.after {
        statement.and_where(Expr::col((Parties::Table, Parties::Id)).gt(after));
    }
    conn.fetch_all(&statement).await
}

pub async fn page_of_people(conn: Conn<'_>, workspace: WorkspaceId, page: &PageRequest) -> Result<Vec<Person>> {
    page_of(conn, workspace, PartyKind::Person, page)
        .await?
        .into_iter()
        .map(PartyRow::into_person)
        .collect()
}

pub async fn page_of_organisations(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<Organisation>> {
    page_of(conn, workspace, PartyKind::Organisation, page)
        .await?
        .into_iter()
        .map(PartyRow::into_organisation)
        .collect()
}

async fn rows_by_ids(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    kind: PartyKind,
    ids: &[PartyId],
) -> Result<Vec<PartyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select_kind(workspace, kind)
        .and_where(
            Expr::col((Parties::Table, Parties::Id)).is_in(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()),
        )
        .to_owned();
    conn.fetch_all(&statement).await
}

/// The people among `ids` (deleted ones too), in one question.
pub async fn people_by_ids(conn: Conn<'_>, workspace: WorkspaceId, ids: &[PartyId]) -> Result<Vec<Person>> {
    rows_by_ids(conn, workspace, PartyKind::Person, ids)
        .await?
        .into_iter()
        .map(PartyRow::into_person)
        .collect()
}

/// The organisations among `ids` (deleted ones too), in one question.
pub async fn organisations_by_ids(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    ids: &[PartyId],
) -> Result<Vec<Organisation>> {
    rows_by_ids(conn, workspace, PartyKind::Organisation, ids)
        .await?
        .into_iter()
        .map(PartyRow::into_organisation)
        .collect()
}

/// Filters of the people and organisation lists.
#[derive(Debug, Clone, Default)]
pub struct PartyFilter {
    /// Text that must appear in the name, e-mails or phones (see `records::search_needle`).
    pub search: Option<String>,
    pub owner_id: Option<UserId>,
    /// People: currently or formerly employed there. Organisations: children of it.
    pub organisation_id: Option<PartyId>,
    pub deleted: Deleted,
}

fn filtered(
    workspace: WorkspaceId,
    kind: PartyKind,
    visibility: &Visibility,
    filter: &PartyFilter,
    page: PageRequest,
) -> SelectStatement {
    let mut select = select_kind(workspace, kind);
    select.cond_where(match kind {
        PartyKind::Person => access::people(workspace, visibility),
        PartyKind::Organisation => access::organisations(visibility),
    });
    if let Some(needle) = &filter.search {
        select.and_where(
            Expr::col((Parties::Table, Parties::SearchText)).like(LikeExpr::new(like_contains(needle)).escape('\\')),
        );
    }
    if let Some(owner) = filter.owner_id {
        select.and_where(Expr::col((Parties::Table, Parties::OwnerId)).eq(owner.as_uuid()));
    }
    if let Some(organisation) = filter.organisation_id {
        match kind {
            PartyKind::Person => {
                let employed = Query::select()
                    .column(Employments::PersonId)
                    .from(Employments::Table)
                    .and_where(Expr::col(Employments::WorkspaceId).eq(workspace.as_uuid()))
                    .and_where(Expr::col(Employments::OrganisationId).eq(organisation.as_uuid()))
                    .and_where(Expr::col(Employments::DeletedAt).is_null())
                    .to_owned();
                select.and_where(Expr::col((Parties::Table, Parties::Id)).in_subquery(employed));
            }
            PartyKind::Organisation => {
                select.and_where(Expr::col((Parties::Table, Parties::ParentId)).eq(organisation.as_uuid()));
            }
        }
    }
    records::scope_page(&mut select, Parties::Table, workspace, filter.deleted, page);
    select
}

/// The people `visibility` admits that match `filter`, one page.
pub async fn list_people(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &PartyFilter,
    page: PageRequest,
) -> Result<Page<Person>> {
    let rows: Vec<PartyRow> = conn
        .fetch_all(&filtered(workspace, PartyKind::Person, visibility, filter, page))
        .await?;
    let people = rows
        .into_iter()
        .map(PartyRow::into_person)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(people, page, |p| p.id.as_uuid()))
}

/// The organisations `visibility` admits that match `filter`, one page.
pub async fn list_organisations(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &PartyFilter,
    page: PageRequest,
) -> Result<Page<Organisation>> {
    let rows: Vec<PartyRow> = conn
        .fetch_all(&filtered(workspace, PartyKind::Organisation, visibility, filter, page))
        .await?;
    let organisations = rows
        .into_iter()
        .map(PartyRow::into_organisation)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(organisations, page, |o| o.id.as_uuid()))
}

/// The names of those of `ids` that are live people `visibility` admits: one question for a
/// batch of warm paths' connectors.
pub async fn visible_people(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    ids: &[PartyId],
) -> Result<HashMap<PartyId, String>> {
    visible_names(conn, workspace, PartyKind::Person, visibility, ids).await
}

/// The names of those of `ids` that are live parties of `kind` that `visibility` admits.
pub async fn visible_names(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    kind: PartyKind,
    visibility: &Visibility,
    ids: &[PartyId],
) -> Result<HashMap<PartyId, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([(Parties::Table, Parties::Id), (Parties::Table, Parties::Name)])
        .from(Parties::Table)
        .and_where(Expr::col((Parties::Table, Parties::WorkspaceId)).eq(workspace.as_uuid()))
        .and_where(Expr::col((Parties::Table, Parties::Kind)).eq(kind.as_str()))
        .and_where(
            Expr::col((Parties::Table, Parties::Id)).is_in(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()),
        )
        .and_where(Expr::col((Parties::Table, Parties::DeletedAt)).is_null())
        .cond_where(match kind {
            PartyKind::Person => access::people(workspace, visibility),
            PartyKind::Organisation => access::organisations(visibility),
        })
        .to_owned();
    let rows: Vec<NameRow> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| (PartyId(r.id), r.name)).collect())
}

/// The live people `visibility` admits who have one of `emails` (lower case), by e-mail: for
/// files that name people by address. Several people with one address: the oldest record.
pub async fn people_by_email(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    emails: &[String],
) -> Result<HashMap<String, PartyId>> {
    #[derive(FromRow)]
    struct EmailsRow {
        id: Uuid,
        emails: String,
    }
    let mut found = HashMap::new();
    // A chunk of addresses per question: each is a scan of the search text until e-mails get
    // their own index.
    for chunk in emails.chunks(50) {
        let mut any = sea_query::Cond::any();
        for email in chunk {
            any = any.add(
                Expr::col((Parties::Table, Parties::SearchText)).like(LikeExpr::new(like_contains(email)).escape('\\')),
            );
        }
        let statement = Query::select()
            .columns([(Parties::Table, Parties::Id), (Parties::Table, Parties::Emails)])
            .from(Parties::Table)
            .and_where(Expr::col((Parties::Table, Parties::WorkspaceId)).eq(workspace.as_uuid()))
            .and_where(Expr::col((Parties::Table, Parties::Kind)).eq(PartyKind::Person.as_str()))
            .and_where(Expr::col((Parties::Table, Parties::DeletedAt)).is_null())
            .cond_where(any)
            .cond_where(access::people(workspace, visibility))
            .order_by((Parties::Table, Parties::Id), sea_query::Order::Asc)
            .to_owned();
        let rows: Vec<EmailsRow> = conn.reborrow().fetch_all(&statement).await?;
        for row in rows {
            for email in decode_list::<String>(&row.emails)? {
                let email = email.to_lowercase();
                if chunk.contains(&email) {
                    found.entry(email).or_insert(PartyId(row.id));
                }
            }
        }
    }
    Ok(found)
}

#[derive(FromRow)]
struct NameRow {
    id: Uuid,
    name: String,
}

/// The names of `ids` (deleted parties included, so old records still read well), for labels.
pub async fn names(conn: Conn<'_>, workspace: WorkspaceId, ids: &[PartyId]) -> Result<HashMap<PartyId, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = Query::select()
        .columns([Parties::Id, Parties::Name])
        .from(Parties::Table)
        .and_where(Expr::col(Parties::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(Parties::Id).is_in(ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>()))
        .to_owned();
    let rows: Vec<NameRow> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|r| (PartyId(r.id), r.name)).collect())
}
