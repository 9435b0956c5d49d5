//! Deals and notes read from other CRMs' exports: the deal's stage in a playbook (from the stage
//! names Salesforce, HubSpot, Pipedrive, SuiteCRM and Odoo use, in English or Chinese), its
//! amount in minor units, who it is with, and what a note is about.

use std::collections::BTreeMap;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::contact::{EmailAddress, PhoneNumber};
use crate::deal::{LeadSource, LostReason};
use crate::import::{Field, ImportKind, NaturalKey, WorkplaceRef, normalise_header, one};
use crate::money::{AMOUNT_MAX, Currency};
use crate::playbook::{DealKind, DealStatus, Playbook, Stage};

/// Errors of a row, each naming the file's column.
type RowErrors = Vec<(Option<String>, String)>;

/// The usual names of a deal's or a note's columns, normalised.
pub(crate) fn aliases(kind: ImportKind, field: Field) -> &'static [&'static str] {
    use Field::*;
    match (kind, field) {
        (ImportKind::Deals, ExternalId) => &[
            "id",
            "recordid",
            "dealid",
            "opportunityid",
            "externalid",
            "商机编号",
            "编号",
        ],
        (ImportKind::Deals, Name) => &[
            "name",
            "title",
            "dealname",
            "dealtitle",
            "opportunityname",
            "opportunity",
            "subject",
            "商机名称",
            "商机",
            "名称",
        ],
        (ImportKind::Deals, Amount) => &[
            "amount",
            "value",
            "dealvalue",
            "expectedrevenue",
            "opportunityamount",
            "金额",
            "商机金额",
            "预计金额",
        ],
        (ImportKind::Deals, Currency) => &[
            "currency",
            "currencycode",
            "currencyisocode",
            "dealcurrency",
            "币种",
            "货币",
        ],
        (ImportKind::Deals, Stage) => &[
            "stage",
            "stagename",
            "dealstage",
            "salesstage",
            "pipelinestage",
            "阶段",
            "销售阶段",
            "商机阶段",
        ],
        (ImportKind::Deals, Status) => &["status", "dealstatus", "outcome", "state", "状态"],
        (ImportKind::Deals, DealKind) => &[
            "kind",
            "type",
            "dealtype",
            "opportunitytype",
            "customertype",
            "类型",
            "客户类型",
        ],
        (ImportKind::Deals, Playbook) => &["playbook", "pipeline", "salesprocess", "salesteam", "销售流程", "管道"],
        (ImportKind::Deals, ExpectedClose) => &[
            "expectedclose",
            "closedate",
            "expectedclosedate",
            "expectedclosingdate",
            "dateclosed",
            "wonlosttime",
            "预计成交日期",
            "成交日期",
            "结单日期",
        ],
        (ImportKind::Deals, LeadSource) => &["leadsource", "source", "originalsource", "来源", "线索来源", "客户来源"],
        (ImportKind::Deals, LostReason) => &[
            "lostreason",
            "closedlostreason",
            "reasonlost",
            "lossreason",
            "输单原因",
            "丢单原因",
        ],
        (ImportKind::Deals, Owner) => &[
            "owner",
            "owneremail",
            "dealowner",
            "opportunityowner",
            "assignedusername",
            "salesperson",
            "负责人",
        ],
        (ImportKind::Deals, Organisation) => &[
            "organisation",
            "organization",
            "company",
            "companyname",
            "account",
            "accountname",
            "associatedcompany",
            "organisationname",
            "organizationname",
            "customer",
            "公司",
            "公司名称",
            "客户",
            "客户名称",
        ],
        (ImportKind::Deals | ImportKind::Notes, OrganisationDomain) => &[
            "companydomain",
            "companydomainname",
            "organisationdomain",
            "organizationdomain",
        ],
        (ImportKind::Deals | ImportKind::Notes, OrganisationTaxId) => &[
            "companytaxid",
            "organisationtaxid",
            "organizationtaxid",
            "统一社会信用代码",
            "税号",
        ],
        (ImportKind::Deals, Counterparty) => &["counterparty", "counterpartyname", "对方", "客户名称"],
        (ImportKind::Deals, CounterpartyId) => &[
            "counterpartyid",
            "accountid",
            "companyid",
            "organizationid",
            "organisationid",
            "associatedcompanyid",
            "associatedcompanyids",
            "contactid",
            "personid",
        ],
        (ImportKind::Deals | ImportKind::Notes, Person) => &[
            "person",
            "contact",
            "contactname",
            "personname",
            "associatedcontact",
            "联系人",
        ],
        (ImportKind::Deals | ImportKind::Notes, Email) => {
            &["email", "contactemail", "personemail", "emailwork", "邮箱", "电子邮件"]
        }
        (ImportKind::Deals | ImportKind::Notes, Phone) => &[
            "phone",
            "contactphone",
            "personphone",
            "mobile",
            "phonework",
            "电话",
            "手机",
        ],
        (ImportKind::Notes, Body) => &[
            "body",
            "note",
            "notes",
            "content",
            "notebody",
            "description",
            "text",
            "备注",
            "内容",
            "记录",
        ],
        (ImportKind::Notes, Deal) => &["deal", "dealid", "opportunityid", "relatedto", "商机编号"],
        (ImportKind::Notes, Organisation) => &[
            "organisation",
            "organization",
            "company",
            "account",
            "accountname",
            "公司",
            "客户",
        ],
        (ImportKind::Notes, At) => &[
            "at",
            "date",
            "createdat",
            "createdate",
            "createddate",
            "addtime",
            "日期",
            "时间",
            "创建时间",
        ],
        _ => &[],
    }
}

/// Who a deal is with, or whom a note is about, as the file names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterpartyRef {
    pub organisation: Option<WorkplaceRef>,
    pub person_name: Option<String>,
    /// The counterparty's id in the system the file comes from (Closer's own export writes
    /// `counterparty_id`; Salesforce, `Account ID`).
    pub external_id: Option<String>,
    /// A name that is the organisation's for a B2B deal and the person's for a B2C one
    /// (Closer's own export writes `counterparty`).
    pub name: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
}

impl CounterpartyRef {
    /// The keys of the person: e-mails and E.164 phones (values that do not parse are none).
    pub fn person_keys(&self) -> Vec<NaturalKey> {
        let emails = self
            .emails
            .iter()
            .filter_map(|e| EmailAddress::parse(e).ok())
            .map(|e| NaturalKey::Email(e.as_str().to_lowercase()));
        let phones = self
            .phones
            .iter()
            .filter_map(|p| PhoneNumber::parse(p).ok())
            .map(|p| NaturalKey::Phone(p.as_str().to_owned()));
        emails.chain(phones).collect()
    }

    pub fn organisation_keys(&self) -> Vec<NaturalKey> {
        self.organisation().as_ref().map(WorkplaceRef::keys).unwrap_or_default()
    }

    /// The organisation the row names: its own columns, else the counterparty's name.
    pub fn organisation(&self) -> Option<WorkplaceRef> {
        self.organisation.clone().or_else(|| {
            self.name.as_ref().map(|name| WorkplaceRef {
                name: Some(name.clone()),
                domain: None,
                tax_id: None,
                title: None,
                department: None,
            })
        })
    }

    /// The person's name the row gives: its own column, else the counterparty's name.
    pub fn person_name(&self) -> Option<&str> {
        self.person_name.as_deref().or(self.name.as_deref())
    }
}

/// A deal as a row gives it; the stage and playbook are found by the writer, which knows them.
#[derive(Debug, Clone)]
pub struct DealRow {
    pub external_id: Option<String>,
    pub title: Option<String>,
    pub owner: Option<String>,
    /// In minor units of `currency`.
    pub amount_minor: Option<i64>,
    pub currency: Option<Currency>,
    pub stage: Option<String>,
    pub status: Option<DealStatus>,
    pub kind: Option<DealKind>,
    pub playbook: Option<String>,
    pub expected_close: Option<Date>,
    pub lead_source: Option<LeadSource>,
    pub lost_reason: Option<LostReason>,
    /// The lost reason as written, when it is none of Closer's.
    pub lost_note: Option<String>,
    pub counterparty: CounterpartyRef,
}

impl DealRow {
    /// The kind of the deal: as the row says, else B2B when it names an organisation.
    pub fn kind(&self) -> DealKind {
        self.kind.unwrap_or(if self.counterparty.organisation.is_some() {
            DealKind::B2b
        } else {
            DealKind::B2c
        })
    }
}

/// What a note is about: a deal (by its id in the other system), else a person, else an
/// organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoteSubject {
    pub deal: Option<String>,
    pub counterparty: CounterpartyRef,
}

/// A note as a row gives it.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub body: String,
    pub subject: NoteSubject,
    /// When it was written, if the file says.
    pub at: Option<OffsetDateTime>,
}

/// Longest note kept, in characters (the API's limit).
const NOTE_MAX: usize = 20_000;

fn organisation_ref(cells: &BTreeMap<Field, Vec<&str>>) -> Option<WorkplaceRef> {
    let found = WorkplaceRef {
        name: one(cells, Field::Organisation),
        domain: one(cells, Field::OrganisationDomain),
        tax_id: one(cells, Field::OrganisationTaxId),
        title: None,
        department: None,
    };
    (found.name.is_some() || found.domain.is_some() || found.tax_id.is_some()).then_some(found)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn read_deal(
    cells: &BTreeMap<Field, Vec<&str>>,
    column: &dyn Fn(Field) -> Option<String>,
    external_id: Option<String>,
    owner: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    title: Option<String>,
    default_currency: Option<&str>,
) -> Result<DealRow, RowErrors> {
    let mut errors: RowErrors = Vec::new();
    let mut fail = |field: Field, message: String| errors.push((column(field), message));
    let currency = match one(cells, Field::Currency).or_else(|| default_currency.map(str::to_owned)) {
        None => None,
        Some(code) => match Currency::parse(code.trim()) {
            Ok(currency) => Some(currency),
            Err(e) => {
                fail(Field::Currency, e);
                None
            }
        },
    };
    let amount_minor = match one(cells, Field::Amount) {
        None => None,
        Some(raw) => match (amount_in_minor_units(&raw, currency.as_ref()), currency) {
            (Ok(amount), Some(_)) => Some(amount),
            (Ok(_), None) => {
                fail(
                    Field::Amount,
                    format!("'{raw}' needs a currency: add a currency column or choose one"),
                );
                None
            }
            (Err(e), _) => {
                fail(Field::Amount, e);
                None
            }
        },
    };
    let status = match one(cells, Field::Status) {
        None => None,
        Some(raw) => match status_of(&raw) {
            Some(status) => Some(status),
            None => {
                fail(Field::Status, format!("'{raw}' is none of open, won or lost"));
                None
            }
        },
    };
    let kind = match one(cells, Field::DealKind) {
        None => None,
        Some(raw) => match kind_of(&raw) {
            Some(kind) => Some(kind),
            None => {
                fail(
                    Field::DealKind,
                    format!("'{raw}' is neither B2B (a company) nor B2C (a person)"),
                );
                None
            }
        },
    };
    let expected_close = match one(cells, Field::ExpectedClose) {
        None => None,
        Some(raw) => match date_of(&raw) {
            Some(date) => Some(date),
            None => {
                fail(
                    Field::ExpectedClose,
                    format!("'{raw}' is not a date such as 2026-03-31"),
                );
                None
            }
        },
    };
    let lost_text = one(cells, Field::LostReason);
    let lost_reason = lost_text.as_deref().map(lost_reason_of);
    let lost_note = lost_text.filter(|_| lost_reason == Some(LostReason::Other));
    if title.as_deref().is_some_and(|t| t.chars().count() > 200) {
        fail(Field::Name, "is longer than 200 characters".into());
    }
    let counterparty = CounterpartyRef {
        organisation: organisation_ref(cells),
        person_name: one(cells, Field::Person),
        external_id: one(cells, Field::CounterpartyId),
        name: one(cells, Field::Counterparty),
        emails,
        phones,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DealRow {
        external_id,
        title,
        owner,
        amount_minor,
        currency,
        stage: one(cells, Field::Stage),
        status,
        kind,
        playbook: one(cells, Field::Playbook),
        expected_close,
        lead_source: one(cells, Field::LeadSource).as_deref().and_then(lead_source_of),
        lost_reason,
        lost_note,
        counterparty,
    })
}

pub(crate) fn read_note(
    cells: &BTreeMap<Field, Vec<&str>>,
    column: &dyn Fn(Field) -> Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
) -> Result<NoteRow, RowErrors> {
    let mut errors: RowErrors = Vec::new();
    let body = cells
        .get(&Field::Body)
        .map(|parts| parts.join("\n"))
        .unwrap_or_default();
    if body.trim().is_empty() {
        errors.push((column(Field::Body), "a note needs its text".into()));
    } else if body.chars().count() > NOTE_MAX {
        errors.push((column(Field::Body), format!("is longer than {NOTE_MAX} characters")));
    }
    let at = match one(cells, Field::At) {
        None => None,
        Some(raw) => match instant_of(&raw) {
            Some(at) => Some(at),
            None => {
                errors.push((
                    column(Field::At),
                    format!("'{raw}' is not a date such as 2026-03-31 or 2026-03-31 14:30"),
                ));
                None
            }
        },
    };
    let subject = NoteSubject {
        deal: one(cells, Field::Deal),
        counterparty: CounterpartyRef {
            organisation: organisation_ref(cells),
            person_name: one(cells, Field::Person),
            emails,
            phones,
            ..CounterpartyRef::default()
        },
    };
    if subject.deal.is_none()
        && subject.counterparty.person_keys().is_empty()
        && subject.counterparty.organisation.is_none()
    {
        errors.push((
            column(Field::Deal)
                .or_else(|| column(Field::Email))
                .or_else(|| column(Field::Organisation)),
            "the row does not say what the note is about: a deal id, an e-mail or phone, or an organisation".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NoteRow { body, subject, at })
}

/// An amount as spreadsheets write it ("12,345.60", "12.345,60", "¥ 8 800", "$1,200") in minor
/// units of `currency` (two digits when it is not known yet).
pub fn amount_in_minor_units(raw: &str, currency: Option<&Currency>) -> Result<i64, String> {
    let kept: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    let invalid = || format!("'{raw}' is not an amount such as 12,345.60");
    if kept.is_empty() || !kept.chars().any(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    if kept.starts_with('-') {
        return Err(format!("'{raw}' is negative; a deal's amount is 0 or more"));
    }
    // The last separator is the decimal one when one to two digits follow it (or a lone "."
    // followed by three: "1.500" is read as one and a half only with a dot and no comma).
    let last = kept.rfind(['.', ',']);
    let (whole, fraction) = match last {
        Some(at) => {
            let after = &kept[at + 1..];
            let separator = kept.as_bytes()[at];
            let decimal = (1..=2).contains(&after.len())
                || (after.len() == 3 && separator == b'.' && !kept[..at].contains([',', '.']));
            if decimal && !after.contains(['.', ',']) {
                (&kept[..at], after)
            } else {
                (kept.as_str(), "")
            }
        }
        None => (kept.as_str(), ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    if whole.is_empty() && fraction.is_empty() {
        return Err(invalid());
    }
    let digits = u32::from(currency.map_or(2, Currency::minor_digits));
    if fraction.len() as u32 > digits.max(1) || (digits == 0 && fraction.chars().any(|c| c != '0')) {
        return Err(format!("'{raw}' has more decimals than the currency has"));
    }
    let scale = 10_i64.pow(digits);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let mut fraction_minor: i64 = 0;
    for (i, d) in fraction.chars().enumerate().take(digits as usize) {
        fraction_minor += i64::from(d.to_digit(10).unwrap_or(0)) * 10_i64.pow(digits - 1 - i as u32);
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction_minor))
        .filter(|amount| *amount <= AMOUNT_MAX)
        .ok_or_else(|| format!("'{raw}' is larger than Closer keeps"))
}

fn status_of(raw: &str) -> Option<DealStatus> {
    match normalise_header(raw).as_str() {
        "open" | "active" | "inprogress" | "进行中" | "跟进中" => Some(DealStatus::Open),
        "won" | "closedwon" | "win" | "赢单" | "成交" | "已成交" | "赢" => Some(DealStatus::Won),
        "lost" | "closedlost" | "lose" | "输单" | "丢单" | "已丢单" | "输" => Some(DealStatus::Lost),
        _ => None,
    }
}

fn kind_of(raw: &str) -> Option<DealKind> {
    match normalise_header(raw).as_str() {
        "b2b" | "business" | "company" | "organisation" | "organization" | "enterprise" | "existingbusiness"
        | "newbusiness" | "企业" | "公司" | "对公" => Some(DealKind::B2b),
        "b2c" | "consumer" | "person" | "individual" | "personal" | "retail" | "个人" | "消费者" | "零售" => {
            Some(DealKind::B2c)
        }
        _ => None,
    }
}

fn lead_source_of(raw: &str) -> Option<LeadSource> {
    let key = normalise_header(raw);
    let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
    if has(&["warm", "introduc", "引荐"]) {
        Some(LeadSource::WarmIntro)
    } else if has(&["referral", "referred", "wordofmouth", "转介绍", "推荐"]) {
        Some(LeadSource::Referral)
    } else if has(&["telemarketing", "coldcall", "phone", "电话", "电销"]) {
        Some(LeadSource::Telemarketing)
    } else if has(&["partner", "reseller", "channel", "合作伙伴", "渠道"]) {
        Some(LeadSource::Partner)
    } else if has(&["event", "tradeshow", "seminar", "conference", "展会", "活动", "会议"]) {
        Some(LeadSource::Event)
    } else if has(&["store", "walkin", "到店", "门店"]) {
        Some(LeadSource::StoreVisit)
    } else if has(&["outbound", "prospect", "外呼", "陌拜"]) {
        Some(LeadSource::Outbound)
    } else if has(&[
        "web", "inbound", "organic", "search", "social", "ads", "advert", "email", "form", "官网", "网站", "搜索",
        "广告",
    ]) {
        Some(LeadSource::Inbound)
    } else {
        None
    }
}

fn lost_reason_of(raw: &str) -> LostReason {
    let key = normalise_header(raw);
    let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
    if has(&["price", "expensive", "cost", "价格", "太贵"]) {
        LostReason::Price
    } else if has(&["competitor", "competition", "竞品", "竞争"]) {
        LostReason::Competitor
    } else if has(&["budget", "funds", "预算"]) {
        LostReason::NoBudget
    } else if has(&["timing", "time", "later", "时机", "推迟"]) {
        LostReason::Timing
    } else if has(&["noresponse", "unresponsive", "ghost", "失联", "无回应"]) {
        LostReason::NoResponse
    } else if has(&["nodecision", "donothing", "statusquo", "未决策"]) {
        LostReason::NoDecision
    } else if has(&["unqualified", "notafit", "nofit", "不合适"]) {
        LostReason::Unqualified
    } else {
        LostReason::Other
    }
}

/// A date as spreadsheets write it: `2026-03-31`, `2026/3/31`, `2026年3月31日`, `31.03.2026`,
/// `3/31/2026` (US, when the day tells it apart) or `31/03/2026`, with any time after it.
pub fn date_of(raw: &str) -> Option<Date> {
    let text = raw.trim();
    let day_part = text.split(['T', ' ']).next().unwrap_or(text);
    let numbers: Vec<u32> = day_part
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    let [a, b, c] = numbers[..] else { return None };
    let (year, month, day) = if a >= 1000 {
        (a, b, c)
    } else if c >= 1000 {
        // Day first unless the first number cannot be a month... or the second cannot be one.
        if b > 12 { (c, a, b) } else { (c, b, a) }
    } else {
        return None;
    };
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// An instant as spreadsheets write it: a date, with a time (`14:30`, `14:30:05`) if given,
/// read as UTC; or RFC 3339.
pub fn instant_of(raw: &str) -> Option<OffsetDateTime> {
    let text = raw.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Some(at);
    }
    let date = date_of(text)?;
    let clock = text.split(['T', ' ']).nth(1).unwrap_or("");
    let parts: Vec<u8> = clock.split(':').filter_map(|p| p.trim().parse().ok()).collect();
    let time = match parts[..] {
        [h, m] => Time::from_hms(h, m, 0).ok()?,
        [h, m, s] => Time::from_hms(h, m, s).ok()?,
        _ => Time::MIDNIGHT,
    };
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// The steps of a sale other systems name, and the stage of Closer's default playbooks each is.
const STEPS: &[(&[&str], &str, &str)] = &[
    (
        &[
            "newlead",
            "lead",
            "leadin",
            "new",
            "prospecting",
            "prospect",
            "appointmentscheduled",
            "线索",
            "新线索",
            "初步接触",
            "潜在客户",
        ],
        "b2b_qualify",
        "b2c_new_lead",
    ),
    (
        &[
            "qualification",
            "qualified",
            "qualifiedtobuy",
            "contactmade",
            "contacted",
            "资格审查",
            "已联系",
            "需求确认",
        ],
        "b2b_qualify",
        "b2c_qualified",
    ),
    (
        &[
            "needsanalysis",
            "demoscheduled",
            "presentationscheduled",
            "firstmeeting",
            "meeting",
            "discovery",
            "需求分析",
            "拜访",
            "首次拜访",
            "首次会议",
            "演示",
        ],
        "b2b_first_meeting",
        "b2c_offer",
    ),
    (
        &[
            "valueproposition",
            "iddecisionmakers",
            "decisionmakerboughtin",
            "perceptionanalysis",
            "decisionmaker",
            "决策人",
            "高层拜访",
            "方案确认",
        ],
        "b2b_decision_maker_meeting",
        "b2c_offer",
    ),
    (
        &[
            "proposalpricequote",
            "proposal",
            "proposalmade",
            "quote",
            "quoted",
            "proposition",
            "negotiationreview",
            "negotiation",
            "negotiationsstarted",
            "offer",
            "方案",
            "报价",
            "谈判",
            "商务谈判",
        ],
        "b2b_proposal_negotiation",
        "b2c_offer",
    ),
    (
        &[
            "contractsent",
            "contract",
            "closing",
            "commit",
            "合同",
            "签约",
            "合同审批",
        ],
        "b2b_company_contract",
        "b2c_sign_pay",
    ),
    (
        &["payment", "invoice", "invoiced", "回款", "付款", "开票"],
        "b2b_payment",
        "b2c_sign_pay",
    ),
    (
        &["closedwon", "won", "win", "赢单", "成交", "已成交"],
        "b2b_won",
        "b2c_won",
    ),
    (
        &["closedlost", "lost", "lose", "输单", "丢单", "已丢单"],
        "b2b_lost",
        "b2c_lost",
    ),
];

/// The stage of `playbook` another system's stage name stands for: the stage with that key or
/// name (case, spacing and punctuation aside), else the stage of the default playbooks that
/// step of a sale maps to, when the playbook has it.
pub fn stage_of<'p>(playbook: &'p Playbook, raw: &str) -> Option<&'p Stage> {
    let wanted = normalise_header(raw);
    if wanted.is_empty() {
        return None;
    }
    let direct = playbook.stages.iter().find(|stage| {
        let key = normalise_header(&stage.key);
        let short = normalise_header(stage.key.split_once('_').map_or(stage.key.as_str(), |(_, rest)| rest));
        wanted == key || wanted == short || wanted == normalise_header(&stage.name)
    });
    if direct.is_some() {
        return direct;
    }
    let (_, b2b, b2c) = STEPS.iter().find(|(names, ..)| names.contains(&wanted.as_str()))?;
    let key = match playbook.kind {
        DealKind::B2b => b2b,
        DealKind::B2c => b2c,
    };
    playbook.stages.iter().find(|stage| stage.key == *key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::{B2B_DEFAULT, B2C_DEFAULT};

    fn built(template: &crate::playbook::PlaybookTemplate) -> Playbook {
        crate::fixtures::playbook(template)
    }

    #[test]
    fn amounts_are_read_as_spreadsheets_write_them() {
        let cny = Currency::parse("CNY").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount_in_minor_units("12,345.60", Some(&cny)), Ok(1_234_560));
        assert_eq!(amount_in_minor_units("12.345,6", Some(&cny)), Ok(1_234_560));
        assert_eq!(amount_in_minor_units("¥ 8 800", Some(&cny)), Ok(880_000));
        assert_eq!(amount_in_minor_units("$1,200", Some(&cny)), Ok(120_000));
        assert_eq!(amount_in_minor_units("1.5", Some(&cny)), Ok(150));
        assert_eq!(amount_in_minor_units("1,500", Some(&jpy)), Ok(1_500));
        assert!(amount_in_minor_units("-5", Some(&cny)).is_err());
        assert!(amount_in_minor_units("about ten", Some(&cny)).is_err());
        assert!(amount_in_minor_units("99999999999999999999", Some(&cny)).is_err());
    }

    #[test]
    fn dates_in_the_usual_spreadsheet_forms() {
        let d = |y, m, day| Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap();
        assert_eq!(date_of("2026-03-31"), Some(d(2026, 3, 31)));
        assert_eq!(date_of("2026/3/5 14:00"), Some(d(2026, 3, 5)));
        assert_eq!(date_of("2026年3月5日"), Some(d(2026, 3, 5)));
        assert_eq!(date_of("3/31/2026"), Some(d(2026, 3, 31)));
        assert_eq!(date_of("31/03/2026"), Some(d(2026, 3, 31)));
        assert_eq!(date_of("2026-02-30"), None);
        assert_eq!(date_of("soon"), None);
        let at = instant_of("2026-03-05 14:30").unwrap();
        assert_eq!((at.hour(), at.minute()), (14, 30));
    }

    #[test]
    fn other_systems_stage_names_find_the_playbooks_stages() {
        let b2b = built(&B2B_DEFAULT);
        let b2c = built(&B2C_DEFAULT);
        let key = |playbook: &Playbook, raw: &str| stage_of(playbook, raw).map(|s| s.key.clone());
        assert_eq!(
            key(&b2b, "Proposal/Price Quote").as_deref(),
            Some("b2b_proposal_negotiation")
        );
        assert_eq!(
            key(&b2b, "Id. Decision Makers").as_deref(),
            Some("b2b_decision_maker_meeting")
        );
        assert_eq!(
            key(&b2b, "decisionmakerboughtin").as_deref(),
            Some("b2b_decision_maker_meeting")
        );
        assert_eq!(key(&b2b, "Closed Won").as_deref(), Some("b2b_won"));
        assert_eq!(key(&b2b, "Company contract").as_deref(), Some("b2b_company_contract"));
        assert_eq!(key(&b2b, "first_meeting").as_deref(), Some("b2b_first_meeting"));
        assert_eq!(key(&b2b, "商务谈判").as_deref(), Some("b2b_proposal_negotiation"));
        assert_eq!(key(&b2c, "Negotiation/Review").as_deref(), Some("b2c_offer"));
        assert_eq!(key(&b2c, "Lead In").as_deref(), Some("b2c_new_lead"));
        assert_eq!(key(&b2b, "Perhaps next year"), None);
    }

    #[test]
    fn words_for_outcome_kind_source_and_loss() {
        assert_eq!(status_of("Closed Won"), Some(DealStatus::Won));
        assert_eq!(status_of("丢单"), Some(DealStatus::Lost));
        assert_eq!(kind_of("个人"), Some(DealKind::B2c));
        assert_eq!(kind_of("New Business"), Some(DealKind::B2b));
        assert_eq!(lead_source_of("Word of mouth"), Some(LeadSource::Referral));
        assert_eq!(lead_source_of("Trade Show"), Some(LeadSource::Event));
        assert_eq!(lead_source_of("Web"), Some(LeadSource::Inbound));
        assert_eq!(lost_reason_of("Too expensive"), LostReason::Price);
        assert_eq!(lost_reason_of("went quiet"), LostReason::Other);
    }
}
