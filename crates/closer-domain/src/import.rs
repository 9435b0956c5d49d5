//! Reading other systems' files: which column holds what (presets for the exports of Salesforce,
//! HubSpot, Pipedrive, SuiteCRM, Odoo and Closer itself), a row turned into a draft, and the
//! natural keys a row is matched on (e-mail, phone, web domain, tax id, the source's own id).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contact::{EmailAddress, PhoneNumber};
use crate::party::{EmployeeBand, OrganisationDraft, OrganisationFields, PersonDraft, PersonFields};
use crate::string_enum;
use crate::validation::{FieldError, ValidationErrors};

fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

string_enum!(
    /// What a file holds, one record per row.
    ImportKind { People => "people", Organisations => "organisations", Deals => "deals", Notes => "notes" }
);

string_enum!(
    /// What a row does when it matches (or not) a record already there: `create` makes new
    /// records only (a row that matches one is skipped), `update` changes records that are
    /// there (a row that matches none is skipped), `create_or_update` does either.
    ImportMode { Create => "create", Update => "update", CreateOrUpdate => "create_or_update" }
);

string_enum!(
    /// Where an import stands: `running` until its last row is done (or it was interrupted:
    /// it then resumes where it stopped), `finished`, or `reverted` (what it created removed).
    ImportStatus { Running => "running", Finished => "finished", Reverted => "reverted" }
);

string_enum!(
    /// The system a file was exported from; it names the columns and the ids. `generic` is a
    /// spreadsheet of one's own, its columns named as people name them (English or Chinese).
    Source {
        Closer => "closer", Salesforce => "salesforce", Hubspot => "hubspot", Pipedrive => "pipedrive",
        Suitecrm => "suitecrm", Odoo => "odoo", Generic => "generic",
    }
);

impl Source {
    /// Headers only this system writes (normalised, see [`normalise_header`]).
    fn signature(self) -> &'static [&'static str] {
        match self {
            Source::Closer => &["id", "emails", "phones", "owner", "createdat", "updatedat"],
            Source::Salesforce => &[
                "contactid",
                "accountid",
                "mailingstreet",
                "mailingcity",
                "mailingcountry",
                "billingstreet",
                "billingcity",
                "ownerid",
                "createddate",
                "accountnumber",
            ],
            Source::Hubspot => &[
                "recordid",
                "contactowner",
                "companyowner",
                "createdate",
                "lifecyclestage",
                "associatedcompany",
                "companydomainname",
            ],
            Source::Pipedrive => &[
                "emailwork",
                "emailhome",
                "phonework",
                "phonemobile",
                "labels",
                "opendeals",
                "personsid",
            ],
            Source::Suitecrm => &[
                "assignedusername",
                "assigneduserid",
                "nonprimaryemails",
                "officephone",
                "primaryaddressstreet",
                "donotcall",
                "modifiedbyname",
                "datecreated",
            ],
            Source::Odoo => &[
                "externalid",
                "relatedcompany",
                "jobposition",
                "iscompany",
                "companytype",
                "vat",
            ],
            Source::Generic => &[],
        }
    }
}

string_enum!(
    /// What a column holds. `external_id` is the record's id in the system the file comes from
    /// (Closer's own id in a Closer export); `email` and `phone` may come from several columns,
    /// each holding one or more (`;` between them); `owner` is a user's e-mail; `organisation`,
    /// `organisation_domain` and `organisation_tax_id` say where a person works; `domain` is an
    /// organisation's web domain when no web address is given.
    Field {
        ExternalId => "external_id", Name => "name", FirstName => "first_name", LastName => "last_name",
        Email => "email", Phone => "phone", Timezone => "timezone", Owner => "owner",
        Organisation => "organisation", OrganisationDomain => "organisation_domain",
        OrganisationTaxId => "organisation_tax_id", Title => "title", Department => "department",
        LegalName => "legal_name", TaxId => "tax_id", Industry => "industry", EmployeeBand => "employee_band",
        Region => "region", Website => "website", Domain => "domain", RequiresPo => "requires_po",
        Amount => "amount", Currency => "currency", Stage => "stage", Status => "status",
        DealKind => "deal_kind", Playbook => "playbook", ExpectedClose => "expected_close",
        LeadSource => "lead_source", LostReason => "lost_reason", Person => "person", Body => "body",
        Deal => "deal", At => "at", Counterparty => "counterparty", CounterpartyId => "counterparty_id",
    }
);

impl Field {
    /// The fields a kind of record reads.
    pub fn of(kind: ImportKind) -> &'static [Field] {
        match kind {
            ImportKind::People => &[
                Field::ExternalId,
                Field::Name,
                Field::FirstName,
                Field::LastName,
                Field::Email,
                Field::Phone,
                Field::Timezone,
                Field::Owner,
                Field::Organisation,
                Field::OrganisationDomain,
                Field::OrganisationTaxId,
                Field::Title,
                Field::Department,
            ],
            ImportKind::Organisations => &[
                Field::ExternalId,
                Field::Name,
                Field::LegalName,
                Field::TaxId,
                Field::Industry,
                Field::EmployeeBand,
                Field::Region,
                Field::Website,
                Field::Domain,
                Field::Email,
                Field::Phone,
                Field::Owner,
                Field::RequiresPo,
            ],
            ImportKind::Deals => &[
                Field::ExternalId,
                Field::Name,
                Field::Amount,
                Field::Currency,
                Field::Stage,
                Field::Status,
                Field::DealKind,
                Field::Playbook,
                Field::ExpectedClose,
                Field::LeadSource,
                Field::LostReason,
                Field::Owner,
                Field::Organisation,
                Field::OrganisationDomain,
                Field::OrganisationTaxId,
                Field::Person,
                Field::Email,
                Field::Phone,
                Field::Counterparty,
                Field::CounterpartyId,
            ],
            ImportKind::Notes => &[
                Field::Body,
                Field::Deal,
                Field::Person,
                Field::Email,
                Field::Phone,
                Field::Organisation,
                Field::OrganisationDomain,
                Field::OrganisationTaxId,
                Field::At,
            ],
        }
    }

    /// Fields that may come from several columns.
    fn repeats(self) -> bool {
        matches!(self, Field::Email | Field::Phone)
    }
}

/// Lower case letters and digits of a header, everything else left out ("E-mail Address" →
/// "emailaddress"; "电子邮箱" stays).
pub fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Pipedrive writes `Person - Email - Work`, `Organization - Name`: the record's kind, then the
/// field.
fn without_record_prefix(header: &str) -> &str {
    for prefix in ["Person - ", "Organization - ", "Organisation - ", "Deal - ", "Lead - "] {
        if let Some(rest) = header.trim().strip_prefix(prefix) {
            return rest;
        }
    }
    header
}

/// The usual names of a field's column, normalised, across the systems Closer reads.
fn aliases(kind: ImportKind, field: Field) -> &'static [&'static str] {
    use Field::*;
    match (kind, field) {
        (ImportKind::Deals | ImportKind::Notes, _) => crate::import_deals::aliases(kind, field),
        (_, ExternalId) => &[
            "id",
            "recordid",
            "externalid",
            "contactid",
            "personid",
            "accountid",
            "companyid",
            "organizationid",
            "organisationid",
            "编号",
        ],
        (ImportKind::People, Name) => &["name", "fullname", "contactname", "personname", "displayname", "姓名"],
        (ImportKind::Organisations, Name) => &[
            "name",
            "companyname",
            "accountname",
            "organizationname",
            "organisationname",
            "company",
            "organization",
            "organisation",
            "displayname",
            "公司名称",
            "企业名称",
            "客户名称",
            "名称",
            "公司",
        ],
        (_, FirstName) => &["firstname", "givenname", "名"],
        (_, LastName) => &["lastname", "surname", "familyname", "姓"],
        (_, Email) => &[
            "email",
            "emails",
            "emailaddress",
            "emailaddresses",
            "workemail",
            "personalemail",
            "otheremail",
            "email1",
            "email2",
            "email3",
            "nonprimaryemails",
            "emailwork",
            "emailhome",
            "emailother",
            "邮箱",
            "电子邮件",
            "电子邮箱",
            "邮件",
        ],
        (_, Phone) => &[
            "phone",
            "phones",
            "phonenumber",
            "mobile",
            "mobilephone",
            "mobilephonenumber",
            "officephone",
            "workphone",
            "homephone",
            "otherphone",
            "telephone",
            "tel",
            "phonework",
            "phonemobile",
            "phonehome",
            "phoneother",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话号码",
        ],
        (_, Timezone) => &["timezone", "时区"],
        (_, Owner) => &[
            "owner",
            "owneremail",
            "contactowner",
            "companyowner",
            "accountowner",
            "assignedusername",
            "assignedto",
            "salesperson",
            "负责人",
        ],
        (ImportKind::People, Organisation) => &[
            "organisation",
            "organization",
            "company",
            "companyname",
            "accountname",
            "associatedcompany",
            "relatedcompany",
            "organisationname",
            "organizationname",
            "公司",
            "公司名称",
            "单位",
            "所属公司",
        ],
        (ImportKind::People, OrganisationDomain) => &[
            "companydomain",
            "organisationdomain",
            "organizationdomain",
            "companydomainname",
        ],
        (ImportKind::People, OrganisationTaxId) => &["companytaxid", "organisationtaxid", "organizationtaxid"],
        (ImportKind::People, Title) => &["title", "jobtitle", "jobposition", "position", "职位", "职务"],
        (ImportKind::People, Department) => &["department", "部门"],
        (ImportKind::Organisations, LegalName) => &["legalname", "registeredname", "法定名称", "注册名称"],
        (ImportKind::Organisations, TaxId) => &[
            "taxid",
            "vat",
            "vatnumber",
            "taxnumber",
            "companyregistrationnumber",
            "unifiedsocialcreditcode",
            "统一社会信用代码",
            "税号",
            "纳税人识别号",
        ],
        (ImportKind::Organisations, Industry) => &["industry", "行业"],
        (ImportKind::Organisations, EmployeeBand) => &[
            "employeeband",
            "employees",
            "numberofemployees",
            "companysize",
            "员工人数",
            "规模",
        ],
        (ImportKind::Organisations, Region) => {
            &["region", "country", "countryregion", "billingcountry", "地区", "国家"]
        }
        (ImportKind::Organisations, Website) => &["website", "websiteurl", "url", "web", "网站", "官网"],
        (ImportKind::Organisations, Domain) => &["domain", "companydomainname", "域名"],
        (ImportKind::Organisations, RequiresPo) => &["requirespo"],
        _ => &[],
    }
}

/// Which field each column of a file holds (`None`: left alone), and the system it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub source: Source,
    pub columns: Vec<Option<Field>>,
}

/// Guesses the system a header row comes from: the one whose own headers it holds most of.
pub fn detect_source(headers: &[String]) -> Source {
    let pipedrive = headers.iter().any(|h| without_record_prefix(h).len() != h.trim().len());
    if pipedrive {
        return Source::Pipedrive;
    }
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut best = (0, Source::Generic);
    for source in Source::ALL.iter().copied() {
        let hits = source
            .signature()
            .iter()
            .filter(|s| normalised.iter().any(|h| h == *s))
            .count();
        // Closer's own export is recognised only whole: "id" and "owner" alone are too common.
        let enough = if source == Source::Closer {
            hits == source.signature().len()
        } else {
            hits >= 1
        };
        if enough && hits > best.0 {
            best = (hits, source);
        }
    }
    best.1
}

impl ColumnMap {
    /// The columns of `headers` as `source` names them (detected when `None`), with `overrides`
    /// (header → field, or `None` to leave a column alone) applied on top. An override naming
    /// no header, or a field the kind does not read, is an error; so is a field that only one
    /// column may hold claimed by two.
    pub fn new(
        kind: ImportKind,
        headers: &[String],
        source: Option<Source>,
        overrides: &BTreeMap<String, Option<Field>>,
    ) -> Result<ColumnMap, ValidationErrors> {
        let source = source.unwrap_or_else(|| detect_source(headers));
        let fields = Field::of(kind);
        let mut columns: Vec<Option<Field>> = headers
            .iter()
            .map(|header| {
                let key = normalise_header(without_record_prefix(header));
                fields
                    .iter()
                    .copied()
                    .find(|field| aliases(kind, *field).contains(&key.as_str()))
            })
            .collect();
        let mut errors = Vec::new();
        for (header, field) in overrides {
            let Some(at) = headers.iter().position(|h| h.trim() == header.trim()) else {
                errors.push(field_error(
                    format!("mapping.{header}"),
                    format!("the file has no column '{header}'"),
                ));
                continue;
            };
            if let Some(field) = field
                && !fields.contains(field)
            {
                errors.push(field_error(
                    format!("mapping.{header}"),
                    format!("{kind} are not imported with a {field} column"),
                ));
                continue;
            }
            columns[at] = *field;
        }
        // A field held by two columns: the first keeps it, unless overridden on purpose.
        let mut seen: Vec<Field> = Vec::new();
        for (at, column) in columns.iter_mut().enumerate() {
            let Some(field) = *column else { continue };
            if field.repeats() || !seen.contains(&field) {
                seen.push(field);
                continue;
            }
            let header = &headers[at];
            if overrides.contains_key(header.trim()) {
                errors.push(field_error(
                    format!("mapping.{header}"),
                    format!("another column already holds {field}"),
                ));
            }
            *column = None;
        }
        match kind {
            ImportKind::People | ImportKind::Organisations => {
                let named = seen
                    .iter()
                    .any(|f| matches!(f, Field::Name | Field::FirstName | Field::LastName));
                let keyed = seen
                    .iter()
                    .any(|f| matches!(f, Field::ExternalId | Field::Email | Field::Phone));
                if !named && !keyed {
                    errors.push(field_error(
                        "mapping",
                        "no column holds a name, an e-mail, a phone or an id: map one (e.g. \"Full name\": \"name\")",
                    ));
                }
            }
            ImportKind::Deals => {
                if !seen.iter().any(|f| matches!(f, Field::Name | Field::ExternalId)) {
                    errors.push(field_error(
                        "mapping",
                        "no column holds the deal's name or id: map one (e.g. \"Opportunity\": \"name\")",
                    ));
                }
            }
            ImportKind::Notes => {
                if !seen.contains(&Field::Body) {
                    errors.push(field_error(
                        "mapping",
                        "no column holds the note's text: map one (e.g. \"Content\": \"body\")",
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(ColumnMap { source, columns })
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// The header of the first column holding `field`, for error reports.
    pub fn header_of<'h>(&self, headers: &'h [String], field: Field) -> Option<&'h str> {
        self.columns
            .iter()
            .position(|c| *c == Some(field))
            .map(|at| headers[at].as_str())
    }

    /// The header → field pairs, for a preview.
    pub fn pairs(&self, headers: &[String]) -> Vec<(String, Option<Field>)> {
        headers.iter().cloned().zip(self.columns.iter().copied()).collect()
    }
}

/// How cells are read beyond the column map.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The calling code (`+86`) put before numbers written without one; a leading trunk `0`
    /// is dropped.
    pub phone_prefix: Option<String>,
    /// The currency of amounts in rows without a currency column (ISO 4217).
    pub currency: Option<String>,
}

/// A row's cells by field (several cells for e-mails and phones), trimmed, empty ones left out.
/// Excel's leading apostrophe (Closer's own export writes `'+86…`) is taken off.
pub(crate) fn cells_by_field<'r>(map: &ColumnMap, row: &'r [String]) -> BTreeMap<Field, Vec<&'r str>> {
    let mut cells: BTreeMap<Field, Vec<&str>> = BTreeMap::new();
    for (at, column) in map.columns.iter().enumerate() {
        let (Some(field), Some(cell)) = (column, row.get(at)) else {
            continue;
        };
        let cell = cell.trim();
        let cell = match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => cell,
        };
        if !cell.is_empty() {
            cells.entry(*field).or_default().push(cell);
        }
    }
    cells
}

pub(crate) fn one(cells: &BTreeMap<Field, Vec<&str>>, field: Field) -> Option<String> {
    cells.get(&field).and_then(|v| v.first()).map(|s| (*s).to_owned())
}

/// Every address or number the cells hold: Closer writes `a; b`, others `a, b` or one per column.
pub(crate) fn split_all(cells: &BTreeMap<Field, Vec<&str>>, field: Field, separators: &[char]) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for cell in cells.get(&field).into_iter().flatten() {
        for item in cell.split(separators).map(str::trim).filter(|s| !s.is_empty()) {
            if !items.iter().any(|seen| seen.eq_ignore_ascii_case(item)) {
                items.push(item.to_owned());
            }
        }
    }
    items
}

pub(crate) fn phones(cells: &BTreeMap<Field, Vec<&str>>, options: &ReadOptions) -> Vec<String> {
    split_all(cells, Field::Phone, &[';', ','])
        .into_iter()
        .map(|raw| match &options.phone_prefix {
            Some(prefix) if !raw.starts_with('+') && !raw.starts_with("00") => {
                format!("{prefix}{}", raw.trim_start_matches('0'))
            }
            _ => raw,
        })
        .collect()
}

/// Where a person works, as the file names the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkplaceRef {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub tax_id: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

impl WorkplaceRef {
    /// The keys the organisation is looked up by, most certain first.
    pub fn keys(&self) -> Vec<NaturalKey> {
        let mut keys = Vec::new();
        if let Some(tax_id) = &self.tax_id {
            keys.push(NaturalKey::TaxId(normalise_tax_id(tax_id)));
        }
        if let Some(domain) = self.domain.as_deref().and_then(domain_of) {
            keys.push(NaturalKey::Domain(domain));
        }
        if let Some(name) = &self.name {
            keys.push(NaturalKey::Name(normalise_name(name)));
        }
        keys
    }
}

pub use crate::import_deals::{CounterpartyRef, DealRow, NoteRow, NoteSubject};

/// A person as a row gives them.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Checked; its name is empty when the row gives none (an update keeps the stored one).
    pub draft: PersonDraft,
    pub external_id: Option<String>,
    pub owner: Option<String>,
    pub workplace: Option<WorkplaceRef>,
}

/// An organisation as a row gives it.
#[derive(Debug, Clone)]
pub struct OrganisationRow {
    /// Checked; its name is empty when the row gives none (an update keeps the stored one).
    pub draft: OrganisationDraft,
    pub external_id: Option<String>,
    pub owner: Option<String>,
}

/// One record read from a row.
#[derive(Debug, Clone)]
pub enum RowRecord {
    Person(PersonRow),
    Organisation(OrganisationRow),
    Deal(Box<DealRow>),
    Note(NoteRow),
}

impl RowRecord {
    pub fn external_id(&self) -> Option<&str> {
        match self {
            RowRecord::Person(p) => p.external_id.as_deref(),
            RowRecord::Organisation(o) => o.external_id.as_deref(),
            RowRecord::Deal(d) => d.external_id.as_deref(),
            RowRecord::Note(_) => None,
        }
    }

    /// Whether the row names the record: a new record needs a name.
    pub fn named(&self) -> bool {
        match self {
            RowRecord::Person(p) => !p.draft.name.trim().is_empty(),
            RowRecord::Organisation(o) => !o.draft.name.trim().is_empty(),
            RowRecord::Deal(d) => d.title.is_some(),
            RowRecord::Note(_) => true,
        }
    }

    pub fn owner(&self) -> Option<&str> {
        match self {
            RowRecord::Person(p) => p.owner.as_deref(),
            RowRecord::Organisation(o) => o.owner.as_deref(),
            RowRecord::Deal(d) => d.owner.as_deref(),
            RowRecord::Note(_) => None,
        }
    }

    /// The keys this record is matched on, most certain first: the source's id, then tax id,
    /// e-mails, phones and web domain. A name is not a key: two people may share one.
    pub fn keys(&self, source: Source) -> Vec<NaturalKey> {
        let mut keys = Vec::new();
        if let Some(id) = self.external_id() {
            keys.push(NaturalKey::External(format!("{}:{id}", source.as_str())));
        }
        let (emails, phones) = match self {
            RowRecord::Person(p) => (&p.draft.emails, &p.draft.phones),
            RowRecord::Organisation(o) => {
                if let Some(tax_id) = &o.draft.tax_id {
                    keys.push(NaturalKey::TaxId(normalise_tax_id(tax_id)));
                }
                (&o.draft.emails, &o.draft.phones)
            }
            // A deal is matched by its id in the other system only; a note not at all.
            RowRecord::Deal(_) | RowRecord::Note(_) => return keys,
        };
        keys.extend(
            emails
                .iter()
                .filter_map(|e| EmailAddress::parse(e).ok())
                .map(|e| NaturalKey::Email(e.as_str().to_lowercase())),
        );
        keys.extend(
            phones
                .iter()
                .filter_map(|p| PhoneNumber::parse(p).ok())
                .map(|p| NaturalKey::Phone(p.as_str().to_owned())),
        );
        if let RowRecord::Organisation(o) = self
            && let Some(domain) = o.draft.website.as_deref().and_then(domain_of)
        {
            keys.push(NaturalKey::Domain(domain));
        }
        keys
    }
}

/// A row read into a record, or why it cannot be: each error names the file's column.
pub fn read_row(
    kind: ImportKind,
    map: &ColumnMap,
    headers: &[String],
    row: &[String],
    options: &ReadOptions,
) -> Result<RowRecord, Vec<(Option<String>, String)>> {
    let cells = cells_by_field(map, row);
    let column = |field: Field| map.header_of(headers, field).map(str::to_owned);
    let external_id = one(&cells, Field::ExternalId);
    let owner = one(&cells, Field::Owner);
    let emails = split_all(&cells, Field::Email, &[';', ',', ' ']);
    let phones = phones(&cells, options);
    let given_name = || {
        let first = one(&cells, Field::FirstName);
        let last = one(&cells, Field::LastName);
        match (first, last) {
            (Some(first), Some(last)) if is_cjk(&last) && is_cjk(&first) => Some(format!("{last}{first}")),
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (first, last) => first.or(last),
        }
    };
    let name = one(&cells, Field::Name).or_else(given_name);
    let name_column = || {
        column(Field::Name)
            .or_else(|| column(Field::FirstName))
            .or_else(|| column(Field::LastName))
    };
    let record = match kind {
        ImportKind::Deals => {
            let deal = crate::import_deals::read_deal(
                &cells,
                &column,
                external_id,
                owner,
                emails,
                phones,
                name,
                options.currency.as_deref(),
            )?;
            RowRecord::Deal(Box::new(deal))
        }
        ImportKind::Notes => RowRecord::Note(crate::import_deals::read_note(&cells, &column, emails, phones)?),
        ImportKind::People => {
            let draft = PersonDraft {
                name: name.unwrap_or_default(),
                emails,
                phones,
                timezone: one(&cells, Field::Timezone),
            };
            let workplace = WorkplaceRef {
                name: one(&cells, Field::Organisation),
                domain: one(&cells, Field::OrganisationDomain),
                tax_id: one(&cells, Field::OrganisationTaxId),
                title: one(&cells, Field::Title),
                department: one(&cells, Field::Department),
            };
            let names_workplace = workplace.name.is_some() || workplace.domain.is_some() || workplace.tax_id.is_some();
            let probe = PersonDraft {
                name: name_for_checking(&draft.name),
                ..draft.clone()
            };
            let errors = probe.parse().err();
            if let Some(errors) = errors {
                return Err(errors
                    .0
                    .into_iter()
                    .map(|e| {
                        let field = match e.field.split('[').next().unwrap_or("") {
                            "name" => name_column(),
                            "emails" => column(Field::Email),
                            "phones" => column(Field::Phone),
                            "timezone" => column(Field::Timezone),
                            _ => None,
                        };
                        (field, e.message)
                    })
                    .collect());
            }
            RowRecord::Person(PersonRow {
                draft,
                external_id,
                owner,
                workplace: names_workplace.then_some(workplace),
            })
        }
        ImportKind::Organisations => {
            let website = one(&cells, Field::Website)
                .map(|w| if w.contains("://") { w } else { format!("https://{w}") })
                .or_else(|| {
                    one(&cells, Field::Domain)
                        .and_then(|d| domain_of(&d))
                        .map(|d| format!("https://{d}"))
                });
            let mut errors = Vec::new();
            let employee_band = match one(&cells, Field::EmployeeBand) {
                None => None,
                Some(raw) => match employee_band(&raw) {
                    Some(band) => Some(band),
                    None => {
                        errors.push((
                            column(Field::EmployeeBand),
                            format!("'{raw}' is neither a number of employees nor a band such as 51-200"),
                        ));
                        None
                    }
                },
            };
            let requires_po = match one(&cells, Field::RequiresPo).as_deref().map(str::to_lowercase) {
                None => false,
                Some(v) if ["true", "yes", "1", "y", "是"].contains(&v.as_str()) => true,
                Some(v) if ["false", "no", "0", "n", "否"].contains(&v.as_str()) => false,
                Some(v) => {
                    errors.push((column(Field::RequiresPo), format!("'{v}' is neither yes nor no")));
                    false
                }
            };
            let draft = OrganisationDraft {
                name: name.unwrap_or_default(),
                legal_name: one(&cells, Field::LegalName),
                tax_id: one(&cells, Field::TaxId),
                industry: one(&cells, Field::Industry),
                employee_band,
                region: one(&cells, Field::Region),
                website,
                emails,
                phones,
                parent_id: None,
                requires_po,
            };
            let probe = OrganisationDraft {
                name: name_for_checking(&draft.name),
                ..draft.clone()
            };
            if let Err(invalid) = probe.parse() {
                errors.extend(invalid.0.into_iter().map(|e| {
                    let field = match e.field.split('[').next().unwrap_or("") {
                        "name" => name_column(),
                        "legal_name" => column(Field::LegalName),
                        "tax_id" => column(Field::TaxId),
                        "industry" => column(Field::Industry),
                        "region" => column(Field::Region),
                        "website" => column(Field::Website).or_else(|| column(Field::Domain)),
                        "emails" => column(Field::Email),
                        "phones" => column(Field::Phone),
                        _ => None,
                    };
                    (field, e.message)
                }));
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            RowRecord::Organisation(OrganisationRow {
                draft,
                external_id,
                owner,
            })
        }
    };
    Ok(record)
}

/// Reads `text` as a file of each kind: its first line the headers, the others rows, cells
/// split on tabs; mapped by the headers and with a hand-made mapping, read with and without
/// options. For the fuzzer (`fuzz/`) and the replay of its corpus: no input may panic.
pub fn read_for_fuzzing(text: &str) {
    let mut lines = text
        .split('\n')
        .map(|line| line.split('\t').map(str::to_owned).collect::<Vec<_>>());
    let headers = lines.next().unwrap_or_default();
    let rows: Vec<Vec<String>> = lines.collect();
    let plain = ReadOptions::default();
    let with_options = ReadOptions {
        phone_prefix: Some("+86".into()),
        currency: Some("CNY".into()),
    };
    for kind in ImportKind::ALL {
        let mut overrides = BTreeMap::new();
        for (header, field) in headers.iter().zip(Field::of(*kind).iter().rev()) {
            overrides.insert(header.clone(), Some(*field));
        }
        for mapping in [BTreeMap::new(), overrides] {
            let Ok(map) = ColumnMap::new(*kind, &headers, None, &mapping) else {
                continue;
            };
            let _ = map.pairs(&headers);
            for row in &rows {
                for options in [&plain, &with_options] {
                    if let Ok(record) = read_row(*kind, &map, &headers, row, options) {
                        let _ = (record.keys(map.source), record.named(), record.owner());
                    }
                }
            }
        }
    }
    for cell in rows.iter().flatten() {
        let _ = crate::import_deals::amount_in_minor_units(cell, None);
        let _ = crate::import_deals::date_of(cell);
        let _ = crate::import_deals::instant_of(cell);
        let _ = (domain_of(cell), normalise_tax_id(cell), normalise_name(cell));
    }
}

/// Items of `current` then those of `extra` it lacks (case aside).
pub(crate) fn union(current: Vec<String>, extra: &[String]) -> Vec<String> {
    let mut items = current;
    for item in extra {
        if !items.iter().any(|i| i.eq_ignore_ascii_case(item)) {
            items.push(item.clone());
        }
    }
    items
}

/// A stored person changed by a row: the row's name and time zone when it gives them, its
/// e-mails and phones added to those kept (an import never drops a way to reach someone).
pub fn person_update(current: &PersonFields, row: &PersonRow) -> Result<PersonFields, ValidationErrors> {
    let draft = &row.draft;
    PersonDraft {
        name: if draft.name.is_empty() {
            current.name.clone()
        } else {
            draft.name.clone()
        },
        emails: union(
            current.emails.iter().map(|e| e.as_str().to_owned()).collect(),
            &draft.emails,
        ),
        phones: union(
            current.phones.iter().map(|p| p.as_str().to_owned()).collect(),
            &draft.phones,
        ),
        timezone: draft.timezone.clone().or_else(|| current.timezone.clone()),
    }
    .parse()
}

/// A stored organisation changed by a row: what the row gives replaces what is stored, e-mails
/// and phones are added, and what the row leaves empty stays.
pub fn organisation_update(
    current: &OrganisationFields,
    row: &OrganisationRow,
) -> Result<OrganisationFields, ValidationErrors> {
    let draft = &row.draft;
    let or = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    OrganisationDraft {
        name: if draft.name.is_empty() {
            current.name.clone()
        } else {
            draft.name.clone()
        },
        legal_name: or(&draft.legal_name, &current.legal_name),
        tax_id: or(&draft.tax_id, &current.tax_id),
        industry: or(&draft.industry, &current.industry),
        employee_band: draft.employee_band.or(current.employee_band),
        region: or(&draft.region, &current.region),
        website: or(&draft.website, &current.website),
        emails: union(
            current.emails.iter().map(|e| e.as_str().to_owned()).collect(),
            &draft.emails,
        ),
        phones: union(
            current.phones.iter().map(|p| p.as_str().to_owned()).collect(),
            &draft.phones,
        ),
        parent_id: current.parent_id,
        requires_po: current.requires_po || draft.requires_po,
    }
    .parse()
}

/// The name a draft is checked with: a row without one may still update a record (the name is
/// required only when one is made).
fn name_for_checking(name: &str) -> String {
    if name.is_empty() { "-".into() } else { name.to_owned() }
}

fn is_cjk(text: &str) -> bool {
    text.chars()
        .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c))
}

/// A number of employees, or a band's own label, as a band.
fn employee_band(raw: &str) -> Option<EmployeeBand> {
    if let Ok(band) = EmployeeBand::parse(raw.trim()) {
        return Some(band);
    }
    let count: u64 = raw.trim().replace([',', ' '], "").parse().ok()?;
    Some(match count {
        0..=10 => EmployeeBand::Micro,
        11..=50 => EmployeeBand::Small,
        51..=200 => EmployeeBand::Medium,
        201..=500 => EmployeeBand::Large,
        501..=1000 => EmployeeBand::Larger,
        1001..=5000 => EmployeeBand::Enterprise,
        _ => EmployeeBand::Giant,
    })
}

/// A value a record is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum NaturalKey {
    /// `source:id`, e.g. `hubspot:5107`.
    External(String),
    /// An e-mail address in lower case.
    Email(String),
    /// An E.164 number.
    Phone(String),
    /// A web domain without `www.`.
    Domain(String),
    /// A tax id in upper case without spaces or dashes.
    TaxId(String),
    /// An organisation's name in lower case with single spaces: for finding where a person works.
    Name(String),
}

impl NaturalKey {
    pub fn kind(&self) -> &'static str {
        match self {
            NaturalKey::External(_) => "external",
            NaturalKey::Email(_) => "email",
            NaturalKey::Phone(_) => "phone",
            NaturalKey::Domain(_) => "domain",
            NaturalKey::TaxId(_) => "tax_id",
            NaturalKey::Name(_) => "name",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            NaturalKey::External(v)
            | NaturalKey::Email(v)
            | NaturalKey::Phone(v)
            | NaturalKey::Domain(v)
            | NaturalKey::TaxId(v)
            | NaturalKey::Name(v) => v,
        }
    }

    pub fn from_parts(kind: &str, value: String) -> Option<NaturalKey> {
        Some(match kind {
            "external" => NaturalKey::External(value),
            "email" => NaturalKey::Email(value),
            "phone" => NaturalKey::Phone(value),
            "domain" => NaturalKey::Domain(value),
            "tax_id" => NaturalKey::TaxId(value),
            "name" => NaturalKey::Name(value),
            _ => return None,
        })
    }
}

/// The keys a stored person is found by.
pub fn person_keys(fields: &PersonFields) -> Vec<NaturalKey> {
    let mut keys: Vec<NaturalKey> = fields
        .emails
        .iter()
        .map(|e| NaturalKey::Email(e.as_str().to_lowercase()))
        .chain(fields.phones.iter().map(|p| NaturalKey::Phone(p.as_str().to_owned())))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The keys a stored organisation is found by.
pub fn organisation_keys(fields: &OrganisationFields) -> Vec<NaturalKey> {
    let mut keys: Vec<NaturalKey> = fields
        .emails
        .iter()
        .map(|e| NaturalKey::Email(e.as_str().to_lowercase()))
        .chain(fields.phones.iter().map(|p| NaturalKey::Phone(p.as_str().to_owned())))
        .chain(fields.website.as_deref().and_then(domain_of).map(NaturalKey::Domain))
        .chain(fields.tax_id.as_deref().map(|t| NaturalKey::TaxId(normalise_tax_id(t))))
        .chain(std::iter::once(NaturalKey::Name(normalise_name(&fields.name))))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The host of a web address or a bare domain, in lower case without `www.`: `acme.com`.
pub fn domain_of(address: &str) -> Option<String> {
    let lower = address.trim().to_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host).trim_end_matches('.');
    (host.contains('.') && !host.starts_with('.') && !host.contains(char::is_whitespace)).then(|| host.to_owned())
}

pub fn normalise_tax_id(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn normalise_name(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sources_are_told_apart_by_their_own_headers() {
        let hubspot = strings(&["Record ID", "First Name", "Last Name", "Email", "Contact owner"]);
        assert_eq!(detect_source(&hubspot), Source::Hubspot);
        let pipedrive = strings(&["Person - Name", "Person - Email - Work", "Person - Organization"]);
        assert_eq!(detect_source(&pipedrive), Source::Pipedrive);
        let suite = strings(&[
            "ID",
            "First Name",
            "Last Name",
            "Email Address",
            "Office Phone",
            "Assigned User Name",
        ]);
        assert_eq!(detect_source(&suite), Source::Suitecrm);
        let odoo = strings(&["External ID", "Name", "Related Company", "Job Position", "Email"]);
        assert_eq!(detect_source(&odoo), Source::Odoo);
        let salesforce = strings(&["Contact ID", "First Name", "Last Name", "Account Name", "Mailing City"]);
        assert_eq!(detect_source(&salesforce), Source::Salesforce);
        let closer = strings(&[
            "id",
            "name",
            "emails",
            "phones",
            "timezone",
            "owner",
            "created_at",
            "updated_at",
        ]);
        assert_eq!(detect_source(&closer), Source::Closer);
        let own = strings(&["姓名", "手机", "邮箱", "公司"]);
        assert_eq!(detect_source(&own), Source::Generic);
    }

    #[test]
    fn columns_map_to_fields_across_languages_and_sources() {
        let headers = strings(&["姓名", "手机", "邮箱", "公司", "职位", "备注"]);
        let map = ColumnMap::new(ImportKind::People, &headers, None, &BTreeMap::new()).expect("map");
        assert_eq!(
            map.columns,
            vec![
                Some(Field::Name),
                Some(Field::Phone),
                Some(Field::Email),
                Some(Field::Organisation),
                Some(Field::Title),
                None
            ]
        );
        let pipedrive = strings(&["Person - Name", "Person - Email - Work", "Person - Phone - Mobile"]);
        let map = ColumnMap::new(ImportKind::People, &pipedrive, None, &BTreeMap::new()).expect("map");
        assert_eq!(
            map.columns,
            vec![Some(Field::Name), Some(Field::Email), Some(Field::Phone)]
        );
    }

    #[test]
    fn overrides_win_and_bad_overrides_are_named() {
        let headers = strings(&["Full", "Mail", "Mail"]);
        let overrides = BTreeMap::from([
            ("Full".to_owned(), Some(Field::Name)),
            ("Mail".to_owned(), Some(Field::Email)),
        ]);
        let map = ColumnMap::new(ImportKind::People, &headers, None, &overrides).expect("map");
        assert_eq!(map.columns[0], Some(Field::Name));
        let wrong = BTreeMap::from([
            ("Nope".to_owned(), Some(Field::Name)),
            ("Full".to_owned(), Some(Field::TaxId)),
        ]);
        let errors = ColumnMap::new(ImportKind::People, &headers, None, &wrong).expect_err("refused");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["mapping.Full", "mapping.Nope", "mapping"]);
        let unnamed = ColumnMap::new(ImportKind::People, &strings(&["x", "y"]), None, &BTreeMap::new());
        assert!(unnamed.is_err());
    }

    #[test]
    fn rows_become_drafts_with_errors_by_column() {
        let headers = strings(&["First Name", "Last Name", "Email", "Mobile", "Company"]);
        let map = ColumnMap::new(ImportKind::People, &headers, None, &BTreeMap::new()).expect("map");
        let options = ReadOptions {
            phone_prefix: Some("+86".into()),
            currency: None,
        };
        let row = strings(&["Ann", "Lee", "ann@x.com; ANN@x.com, ann2@x.com", "013800138000", "Acme"]);
        let RowRecord::Person(person) = read_row(ImportKind::People, &map, &headers, &row, &options).expect("row")
        else {
            panic!("a person")
        };
        assert_eq!(person.draft.name, "Ann Lee");
        assert_eq!(person.draft.emails, vec!["ann@x.com", "ann2@x.com"]);
        assert_eq!(person.draft.phones, vec!["+8613800138000"]);
        assert_eq!(person.workplace.and_then(|w| w.name), Some("Acme".into()));
        let chinese = strings(&["小明", "王", "", "'+8613800138000", ""]);
        let RowRecord::Person(person) =
            read_row(ImportKind::People, &map, &headers, &chinese, &ReadOptions::default()).expect("row")
        else {
            panic!("a person")
        };
        assert_eq!(person.draft.name, "王小明");
        assert_eq!(person.draft.phones, vec!["+8613800138000"]);
        let bad = strings(&["", "", "not-mail", "12345", ""]);
        let errors = read_row(ImportKind::People, &map, &headers, &bad, &ReadOptions::default()).expect_err("bad");
        let columns: Vec<Option<&str>> = errors.iter().map(|(c, _)| c.as_deref()).collect();
        assert_eq!(columns, vec![Some("Email"), Some("Mobile")]);
        let unnamed = strings(&["", "", "ann@x.com", "", ""]);
        let record = read_row(ImportKind::People, &map, &headers, &unnamed, &ReadOptions::default()).expect("row");
        assert!(!record.named(), "a row without a name may still update");
    }

    #[test]
    fn organisations_read_bands_domains_and_keys() {
        let headers = strings(&["Company name", "Company Domain Name", "Number of Employees", "Tax ID"]);
        let map = ColumnMap::new(ImportKind::Organisations, &headers, None, &BTreeMap::new()).expect("map");
        let row = strings(&["Acme", "WWW.Acme.com", "1,200", "91-3100 00"]);
        let record = read_row(ImportKind::Organisations, &map, &headers, &row, &ReadOptions::default()).expect("row");
        let RowRecord::Organisation(org) = &record else {
            panic!("an organisation")
        };
        assert_eq!(org.draft.website.as_deref(), Some("https://acme.com"));
        assert_eq!(org.draft.employee_band, Some(EmployeeBand::Enterprise));
        assert_eq!(
            record.keys(Source::Hubspot),
            vec![
                NaturalKey::TaxId("91310000".into()),
                NaturalKey::Domain("acme.com".into())
            ]
        );
        let bad = strings(&["Acme", "", "lots", ""]);
        let errors =
            read_row(ImportKind::Organisations, &map, &headers, &bad, &ReadOptions::default()).expect_err("bad");
        assert_eq!(errors[0].0.as_deref(), Some("Number of Employees"));
    }

    #[test]
    fn updates_add_ways_to_reach_and_keep_what_the_row_leaves_out() {
        let current = PersonDraft {
            name: "Ann Lee".into(),
            emails: vec!["ann@x.com".into()],
            phones: vec![],
            timezone: Some("Asia/Shanghai".into()),
        }
        .parse()
        .expect("valid");
        let row = PersonRow {
            draft: PersonDraft {
                name: String::new(),
                emails: vec!["ANN@x.com".into(), "lee@y.com".into()],
                phones: vec!["+8613800138000".into()],
                timezone: None,
            },
            external_id: None,
            owner: None,
            workplace: None,
        };
        let next = person_update(&current, &row).expect("valid");
        assert_eq!(next.name, "Ann Lee");
        let emails: Vec<&str> = next.emails.iter().map(|e| e.as_str()).collect();
        assert_eq!(emails, vec!["ann@x.com", "lee@y.com"]);
        assert_eq!(next.timezone.as_deref(), Some("Asia/Shanghai"));
        assert_eq!(next.phones.len(), 1);
    }

    #[test]
    fn domains_are_hosts_without_www() {
        assert_eq!(domain_of("https://www.Acme.com/about?x=1").as_deref(), Some("acme.com"));
        assert_eq!(domain_of("acme.co.uk").as_deref(), Some("acme.co.uk"));
        assert_eq!(domain_of("http://localhost:8080"), None);
        assert_eq!(domain_of("not a domain"), None);
    }
}

#[cfg(test)]
mod fuzz_corpus {
    use proptest::prelude::*;

    use super::read_for_fuzzing;

    /// The fuzzer's corpus (`fuzz/corpus/row_mapper`), replayed on the stable toolchain.
    #[test]
    fn the_row_mapper_corpus_reads_without_panicking() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/row_mapper");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus is in the repository") {
            let bytes = std::fs::read(entry.expect("an entry").path()).expect("a corpus file");
            read_for_fuzzing(&String::from_utf8_lossy(&bytes));
            read += 1;
        }
        assert!(read >= 3, "the corpus holds its seeds ({read} read)");
    }

    proptest! {
        #[test]
        fn any_text_reads_without_panicking(text in "(?s).{0,400}") {
            read_for_fuzzing(&text);
        }

        #[test]
        fn any_table_of_usual_words_reads_without_panicking(
            cells in proptest::collection::vec(
                prop_oneof![
                    Just("Email".to_owned()), Just("Stage".to_owned()), Just("Amount".to_owned()),
                    Just("Name".to_owned()), Just("手机".to_owned()), Just("Close Date".to_owned()),
                    Just("1,2.3".to_owned()), Just("+86 0".to_owned()), Just("2026/13/40".to_owned()),
                    "[ -~]{0,12}", "[\\u{4e00}-\\u{4e20}]{0,4}",
                ],
                0..40,
            ),
            width in 1usize..8,
        ) {
            let text: Vec<String> = cells.chunks(width).map(|row| row.join("\t")).collect();
            read_for_fuzzing(&text.join("\n"));
        }
    }
}
