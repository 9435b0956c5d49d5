//! Parties: people and organisations, and the employments that link them over time.
//!
//! A B2C customer is a person with no employment; a B2B counterparty is an organisation whose
//! employees (people with an employment) form the buying side.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::access::RecordType;
use crate::contact::{EmailAddress, PhoneNumber};
use crate::ids::{EmploymentId, PartyId};
use crate::record::{Ownership, RecordMeta};
use crate::string_enum;
use crate::text::{
    self, CodeText, LABEL_MAX, LabelText, NAME_MAX, NameText, OptionalNameText, TimezoneText, WebsiteText,
};
use crate::validation::{Validation, ValidationErrors, patch};

/// At most this many e-mail addresses or phone numbers per party.
pub const CONTACT_POINTS_MAX: usize = 10;

string_enum!(
    /// Whether a party is a person or an organisation.
    PartyKind { Person => "person", Organisation => "organisation" }
);

string_enum!(
    /// Head-count band of an organisation.
    EmployeeBand {
        Micro => "1-10", Small => "11-50", Medium => "51-200", Large => "201-500",
        Larger => "501-1000", Enterprise => "1001-5000", Giant => "5001+",
    }
);

string_enum!(
    /// Seniority of a job; used to find who can decide (D1).
    Seniority {
        IndividualContributor => "individual_contributor", Manager => "manager",
        Director => "director", VicePresident => "vice_president", CLevel => "c_level",
        Owner => "owner",
    }
);

fn parse_timezone(value: Option<&str>) -> Result<Option<String>, String> {
    let Some(zone) = text::optional(value, 64)? else {
        return Ok(None);
    };
    let well_formed = zone == "UTC"
        || (zone.contains('/')
            && zone
                .split('/')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))));
    if well_formed {
        Ok(Some(zone))
    } else {
        Err(format!(
            "'{zone}' is not an IANA time zone name such as Asia/Shanghai or Europe/London"
        ))
    }
}

fn parse_website(value: Option<&str>) -> Result<Option<String>, String> {
    let Some(url) = text::optional(value, 300)? else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("'{url}' must start with http:// or https://"))?;
    if host.is_empty() || host.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err(format!("'{url}' is not a web address"));
    }
    Ok(Some(url))
}

/// Fields common to both kinds of party, checked.
fn contact_points(
    check: &mut Validation,
    emails: &[String],
    phones: &[String],
) -> (Option<Vec<EmailAddress>>, Option<Vec<PhoneNumber>>) {
    let emails = check.check_each("emails", emails, CONTACT_POINTS_MAX, |e| EmailAddress::parse(e));
    let phones = check.check_each("phones", phones, CONTACT_POINTS_MAX, |p| PhoneNumber::parse(p));
    (emails, phones)
}

// ---------------------------------------------------------------------------------------------
// People

/// A person as a client sends it on create.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonDraft {
    /// Full name as the person writes it ("Ann Lee", "王小明").
    #[schema(value_type = NameText)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Vec<EmailAddress>)]
    pub emails: Vec<String>,
    /// Phone numbers in international format (stored as E.164).
    #[serde(default)]
    #[schema(value_type = Vec<PhoneNumber>)]
    pub phones: Vec<String>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    #[schema(value_type = Option<TimezoneText>)]
    pub timezone: Option<String>,
}

/// Changes to a person: absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = NameText)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = Vec<EmailAddress>)]
    pub emails: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = Vec<PhoneNumber>)]
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<TimezoneText>)]
    pub timezone: Option<Option<String>>,
}

/// A person's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonFields {
    pub name: String,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<PhoneNumber>,
    pub timezone: Option<String>,
}

impl PersonDraft {
    /// Checks every field.
    pub fn parse(&self) -> Result<PersonFields, ValidationErrors> {
        let mut check = Validation::new();
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        let (emails, phones) = contact_points(&mut check, &self.emails, &self.phones);
        let timezone = check.check("timezone", parse_timezone(self.timezone.as_deref()));
        check.finish(|| {
            Some(PersonFields {
                name: name?,
                emails: emails?,
                phones: phones?,
                timezone: timezone?,
            })
        })
    }
}

impl PersonPatch {
    /// The fields after this patch, checked as a whole.
    pub fn apply(&self, current: &PersonFields) -> Result<PersonFields, ValidationErrors> {
        let draft = PersonDraft {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            emails: self.emails.clone().unwrap_or_else(|| strings(&current.emails)),
            phones: self.phones.clone().unwrap_or_else(|| strings(&current.phones)),
            timezone: self.timezone.clone().unwrap_or_else(|| current.timezone.clone()),
        };
        draft.parse()
    }
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Person {
    pub id: PartyId,
    #[serde(flatten)]
    pub fields: PersonFields,
    /// `contact` while the person has an employment (a B2B contact), else `consumer` (a B2C
    /// customer); each has its own access default.
    pub record_type: RecordType,
    #[serde(flatten)]
    pub ownership: Ownership,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

// ---------------------------------------------------------------------------------------------
// Organisations

/// An organisation as a client sends it on create.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationDraft {
    /// The name people use ("Acme", "星辰科技").
    #[schema(value_type = NameText)]
    pub name: String,
    /// Registered legal name, for contracts and invoices.
    #[schema(value_type = Option<OptionalNameText>)]
    pub legal_name: Option<String>,
    /// Tax or company registration number (e.g. unified social credit code).
    #[schema(value_type = Option<CodeText>)]
    pub tax_id: Option<String>,
    #[schema(value_type = Option<LabelText>)]
    pub industry: Option<String>,
    pub employee_band: Option<EmployeeBand>,
    #[schema(value_type = Option<LabelText>)]
    pub region: Option<String>,
    #[schema(value_type = Option<WebsiteText>)]
    pub website: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<EmailAddress>)]
    pub emails: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Vec<PhoneNumber>)]
    pub phones: Vec<String>,
    /// The parent organisation, for groups and subsidiaries.
    pub parent_id: Option<PartyId>,
    /// The customer requires a purchase order number on invoices (D3).
    #[serde(default)]
    pub requires_po: bool,
}

/// Changes to an organisation: absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = NameText)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<OptionalNameText>)]
    pub legal_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<CodeText>)]
    pub tax_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub employee_band: Option<Option<EmployeeBand>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<WebsiteText>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = Vec<EmailAddress>)]
    pub emails: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = Vec<PhoneNumber>)]
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub parent_id: Option<Option<PartyId>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub requires_po: Option<bool>,
}

/// An organisation's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrganisationFields {
    pub name: String,
    pub legal_name: Option<String>,
    pub tax_id: Option<String>,
    pub industry: Option<String>,
    pub employee_band: Option<EmployeeBand>,
    pub region: Option<String>,
    pub website: Option<String>,
    pub emails: Vec<EmailAddress>,
    pub phones: Vec<PhoneNumber>,
    pub parent_id: Option<PartyId>,
    pub requires_po: bool,
}

impl OrganisationDraft {
    pub fn parse(&self) -> Result<OrganisationFields, ValidationErrors> {
        let mut check = Validation::new();
        let name = check.check("name", text::required(&self.name, NAME_MAX));
        let legal_name = check.check("legal_name", text::optional(self.legal_name.as_deref(), NAME_MAX));
        let tax_id = check.check("tax_id", text::optional(self.tax_id.as_deref(), 64));
        let industry = check.check("industry", text::optional(self.industry.as_deref(), LABEL_MAX));
        let region = check.check("region", text::optional(self.region.as_deref(), LABEL_MAX));
        let website = check.check("website", parse_website(self.website.as_deref()));
        let (emails, phones) = contact_points(&mut check, &self.emails, &self.phones);
        check.finish(|| {
            Some(OrganisationFields {
                name: name?,
                legal_name: legal_name?,
                tax_id: tax_id?,
                industry: industry?,
                employee_band: self.employee_band,
                region: region?,
                website: website?,
                emails: emails?,
                phones: phones?,
                parent_id: self.parent_id,
                requires_po: self.requires_po,
            })
        })
    }
}

impl OrganisationPatch {
    pub fn apply(&self, current: &OrganisationFields) -> Result<OrganisationFields, ValidationErrors> {
        let keep =
            |change: &Option<Option<String>>, now: &Option<String>| change.clone().unwrap_or_else(|| now.clone());
        let draft = OrganisationDraft {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            legal_name: keep(&self.legal_name, &current.legal_name),
            tax_id: keep(&self.tax_id, &current.tax_id),
            industry: keep(&self.industry, &current.industry),
            employee_band: self.employee_band.unwrap_or(current.employee_band),
            region: keep(&self.region, &current.region),
            website: keep(&self.website, &current.website),
            emails: self.emails.clone().unwrap_or_else(|| strings(&current.emails)),
            phones: self.phones.clone().unwrap_or_else(|| strings(&current.phones)),
            parent_id: self.parent_id.unwrap_or(current.parent_id),
            requires_po: self.requires_po.unwrap_or(current.requires_po),
        };
        draft.parse()
    }
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Organisation {
    pub id: PartyId,
    #[serde(flatten)]
    pub fields: OrganisationFields,
    #[serde(flatten)]
    pub ownership: Ownership,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

// ---------------------------------------------------------------------------------------------
// Employments

/// A person's job at an organisation, as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentDraft {
    pub person_id: PartyId,
    pub organisation_id: PartyId,
    #[schema(value_type = Option<LabelText>)]
    pub title: Option<String>,
    /// Department inside the organisation; departments engaged count for D1 coverage.
    #[schema(value_type = Option<LabelText>)]
    pub department: Option<String>,
    pub seniority: Option<Seniority>,
    pub started_on: Option<Date>,
    /// Set when the person left; an employment without it is current.
    pub ended_on: Option<Date>,
}

/// Changes to an employment. The person and organisation of an employment never change: end it
/// and create another.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmploymentPatch {
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub seniority: Option<Option<Seniority>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub started_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub ended_on: Option<Option<Date>>,
}

/// An employment's checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EmploymentFields {
    pub person_id: PartyId,
    pub organisation_id: PartyId,
    pub title: Option<String>,
    pub department: Option<String>,
    pub seniority: Option<Seniority>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
}

impl EmploymentDraft {
    pub fn parse(&self) -> Result<EmploymentFields, ValidationErrors> {
        let mut check = Validation::new();
        let title = check.check("title", text::optional(self.title.as_deref(), LABEL_MAX));
        let department = check.check("department", text::optional(self.department.as_deref(), LABEL_MAX));
        if self.person_id == self.organisation_id {
            check.push("organisation_id", "must differ from person_id");
        }
        if let (Some(start), Some(end)) = (self.started_on, self.ended_on)
            && end < start
        {
            check.push("ended_on", format!("must not be before started_on ({start})"));
        }
        check.finish(|| {
            Some(EmploymentFields {
                person_id: self.person_id,
                organisation_id: self.organisation_id,
                title: title?,
                department: department?,
                seniority: self.seniority,
                started_on: self.started_on,
                ended_on: self.ended_on,
            })
        })
    }
}

impl EmploymentPatch {
    pub fn apply(&self, current: &EmploymentFields) -> Result<EmploymentFields, ValidationErrors> {
        EmploymentDraft {
            person_id: current.person_id,
            organisation_id: current.organisation_id,
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            department: self.department.clone().unwrap_or_else(|| current.department.clone()),
            seniority: self.seniority.unwrap_or(current.seniority),
            started_on: self.started_on.unwrap_or(current.started_on),
            ended_on: self.ended_on.unwrap_or(current.ended_on),
        }
        .parse()
    }
}

impl EmploymentFields {
    /// True while the person still works there on `today`.
    pub fn is_current(&self, today: Date) -> bool {
        self.ended_on.is_none_or(|end| end >= today)
    }
}

/// A stored employment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Employment {
    pub id: EmploymentId,
    #[serde(flatten)]
    pub fields: EmploymentFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

fn strings<T: Clone + Into<String>>(values: &[T]) -> Vec<String> {
    values.iter().cloned().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn person_draft_names_every_bad_field() {
        let draft = PersonDraft {
            name: " ".into(),
            emails: vec!["ok@example.com".into(), "nope".into()],
            phones: vec!["12345".into()],
            timezone: Some("Mars Time".into()),
        };
        let errors = draft.parse().expect_err("invalid draft");
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "emails[1]", "phones[0]", "timezone"]);
    }

    #[test]
    fn patch_keeps_clears_and_revalidates() {
        let current = PersonDraft {
            name: "Ann Lee".into(),
            phones: vec!["+86 138 0013 8000".into()],
            timezone: Some("Asia/Shanghai".into()),
            ..Default::default()
        }
        .parse()
        .expect("valid");
        let cleared = PersonPatch {
            timezone: Some(None),
            ..Default::default()
        }
        .apply(&current)
        .expect("valid");
        assert_eq!(cleared.timezone, None);
        assert_eq!(cleared.phones, current.phones);
        assert!(
            PersonPatch {
                name: Some("".into()),
                ..Default::default()
            }
            .apply(&current)
            .is_err()
        );
    }

    #[test]
    fn employment_end_before_start_is_rejected() {
        let date = |d| Date::from_ordinal_date(2026, d).expect("date");
        let draft = EmploymentDraft {
            person_id: PartyId(Uuid::from_u128(1)),
            organisation_id: PartyId(Uuid::from_u128(2)),
            title: None,
            department: None,
            seniority: None,
            started_on: Some(date(100)),
            ended_on: Some(date(50)),
        };
        assert_eq!(draft.parse().expect_err("invalid").0[0].field, "ended_on");
    }
}
