//! The demo workspace: a deterministic, realistic set of organisations, people, B2C and B2B deals
//! at every stage, notes and tasks, in English and Chinese. The same seed always gives the same
//! records and ids; dates are placed relative to the day of loading so the pipeline looks current.

use closer_domain::access::RecordType;
use closer_domain::activity::{Note, NoteFields, Subject, SubjectType, Task, TaskFields};
use closer_domain::approvals::ApproverRole;
use closer_domain::billing::BillingProfile;
use closer_domain::contact::{EmailAddress, PhoneNumber};
use closer_domain::deal::{Deal, DealProgress, DealTerms, LeadSource, LostReason};
use closer_domain::ids::{CampaignId, InteractionId, PromotionId, TeamId};
use closer_domain::ids::{DealId, EmploymentId, NoteId, PartyId, TaskId, UserId, WorkspaceId};
use closer_domain::money::{Currency, Money};
use closer_domain::party::{
    EmployeeBand, Employment, EmploymentFields, Organisation, OrganisationFields, Person, PersonFields, Seniority,
};
use closer_domain::playbook::{DealKind, DealStatus, Playbook};
use closer_domain::promotions::{
    BudgetKind, Campaign, CampaignBudget, CampaignDraft, CombinesWith, Eligibility, Promotion, PromotionClass,
    PromotionDraft, Reward,
};
use closer_domain::record::Ownership;
use closer_domain::record::RecordMeta;
use closer_domain::relationships::{
    Interaction, InteractionFields, InteractionKind, InteractionSource, Node, Participant,
};
use closer_store::access::Visibility;
use closer_store::deals::{self, DealFilter, StageTransition};
use closer_store::teams::{self, Team};
use closer_store::{Db, PageRequest, Tx, employments, notes, parties, playbooks, tasks, users};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use self::data::{B2B_PRODUCTS, B2C_PRODUCTS, DEPARTMENTS, EN_FAMILY, EN_GIVEN, ORGANISATIONS, ZH_FAMILY, ZH_GIVEN};
use super::bootstrap::Installation;
use super::{AppError, AppResult, auth, now};

mod calls;
mod data;
mod story;

const SEED: u64 = 20_170_407;

/// How much data to make. The demo is small and shown to people; benchmarks ask for a million
/// deals and people, written in batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub seed: u64,
    pub organisations: usize,
    /// People who buy for themselves (B2C), besides the organisations' employees.
    pub consumers: usize,
    pub b2c_deals: usize,
    pub b2b_deals: usize,
    /// Deals written per transaction; the demo writes everything in one.
    pub batch: usize,
    /// Closed deals are spread over this many days before today (0: all recent).
    pub history_days: i64,
    /// Sellers besides the demo's four, in teams of ten: a large pipeline has many owners.
    pub extra_sellers: usize,
}

impl Scale {
    /// The demo workspace.
    pub const DEMO: Scale = Scale {
        seed: SEED,
        organisations: 32,
        consumers: 40,
        b2c_deals: 30,
        b2b_deals: 30,
        batch: usize::MAX,
        history_days: 0,
        extra_sellers: 0,
    };

    /// About `deals` deals (half B2C, half B2B) and `people` people, from `seed`. An organisation
    /// has 5.5 employees and about 3 deals; employees are at most 60% of the people (with few
    /// people, organisations get more deals each), the others are consumers.
    pub fn sized(deals: usize, people: usize, seed: u64) -> Scale {
        let b2b_deals = deals / 2;
        let organisations = (b2b_deals / 3).min(people * 6 / 55).max(1);
        let employees = organisations * 11 / 2;
        Scale {
            seed,
            organisations,
            consumers: people.saturating_sub(employees).max(1),
            b2c_deals: deals - b2b_deals,
            b2b_deals,
            batch: 500,
            history_days: 365,
            // About one seller per 2,000 deals (a few hundred open each).
            extra_sellers: deals / 2_000,
        }
    }
}

/// What the demo loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// The password every demo user signs in with (generated per load).
    pub password: String,
    pub users: usize,
    pub organisations: usize,
    pub people: usize,
    pub employments: usize,
    pub deals: usize,
    pub notes: usize,
    pub tasks: usize,
    pub meetings: usize,
    pub interactions: usize,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} users, {} organisations, {} people, {} employments, {} deals, {} meetings, {} notes, {} tasks, \
             {} interactions",
            self.users,
            self.organisations,
            self.people,
            self.employments,
            self.deals,
            self.meetings,
            self.notes,
            self.tasks,
            self.interactions
        )
    }
}

/// Makes deterministic, time-ordered ids.
struct Ids {
    rng: fastrand::Rng,
    millis: u64,
}

impl Ids {
    fn next(&mut self) -> Uuid {
        // A fixed base instant (2026-01-01) keeps ids identical from one load to the next.
        self.millis += 1;
        let random: [u8; 10] = std::array::from_fn(|_| self.rng.u8(..));
        uuid::Builder::from_unix_timestamp_millis(1_767_225_600_000 + self.millis, &random).into_uuid()
    }
}

pub(super) struct Seeder {
    rng: fastrand::Rng,
    ids: Ids,
    /// Closed deals are spread over this many days before today.
    history_days: i64,
    /// Records written per transaction.
    batch: usize,
    now: OffsetDateTime,
    workspace: WorkspaceId,
    summary: DemoSummary,
    /// Invoices numbered so far.
    invoices_issued: i64,
}

fn email(raw: &str) -> AppResult<EmailAddress> {
    EmailAddress::parse(raw).map_err(|e| AppError::Conflict(format!("demo e-mail: {e}")))
}

fn phone(raw: &str) -> AppResult<PhoneNumber> {
    PhoneNumber::parse(raw).map_err(|e| AppError::Conflict(format!("demo phone: {e}")))
}

fn currency(code: &str) -> AppResult<Currency> {
    Currency::parse(code).map_err(|e| AppError::Conflict(format!("demo currency: {e}")))
}

impl Seeder {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    /// Stamps of a record created a random number of days (in `days`) ago.
    fn meta(&mut self, days: std::ops::Range<i64>) -> RecordMeta {
        let days_ago = self.rng.i64(days);
        RecordMeta::created(self.now - Duration::days(days_ago))
    }

    /// Stores an interaction learnt or told.
    async fn interaction(&mut self, tx: &mut Tx, fields: InteractionFields) -> AppResult<()> {
        let interaction = Interaction {
            id: InteractionId(self.ids.next()),
            meta: RecordMeta::created(fields.occurred_at),
            fields,
        };
        closer_store::interactions::insert(tx.conn(), self.workspace, &interaction).await?;
        self.summary.interactions += 1;
        Ok(())
    }

    /// A person's name, e-mail local part and phone for the locale.
    fn person_identity(&mut self, chinese: bool) -> (String, String, String) {
        if chinese {
            let (family, family_py) = *self.pick(ZH_FAMILY);
            let (given, given_py) = *self.pick(ZH_GIVEN);
            let mobile = format!("+86 1{}{:09}", self.rng.u8(3..=9), self.rng.u32(..1_000_000_000));
            (format!("{family}{given}"), format!("{given_py}.{family_py}"), mobile)
        } else {
            let given = *self.pick(EN_GIVEN);
            let family = *self.pick(EN_FAMILY);
            let mobile = format!("+1 {} 555 {:04}", self.rng.u16(201..=989), self.rng.u16(..10_000));
            (
                format!("{given} {family}"),
                format!("{}.{}", given.to_lowercase(), family.to_lowercase()),
                mobile,
            )
        }
    }

    async fn person(
        &mut self,
        tx: &mut Tx,
        owner: Ownership,
        chinese: bool,
        domain: Option<&str>,
    ) -> AppResult<Person> {
        let (name, local, mobile) = self.person_identity(chinese);
        let record_type = if domain.is_some() {
            RecordType::Contact
        } else {
            RecordType::Consumer
        };
        let domain = match domain {
            Some(domain) => domain.to_owned(),
            None if chinese => (*self.pick(&["qq.com", "163.com", "126.com"])).to_owned(),
            None => (*self.pick(&["gmail.com", "outlook.com", "example.net"])).to_owned(),
        };
        let suffix = self.rng.u16(1..100);
        let person = Person {
            id: PartyId(self.ids.next()),
            fields: PersonFields {
                name,
                emails: vec![email(&format!("{local}{suffix}@{domain}"))?],
                phones: vec![phone(&mobile)?],
                timezone: Some(if chinese { "Asia/Shanghai" } else { "America/New_York" }.to_owned()),
            },
            record_type,
            ownership: owner,
            meta: self.meta(20..120),
        };
        parties::insert_person(tx.conn(), self.workspace, &person).await?;
        self.summary.people += 1;
        Ok(person)
    }
}

/// Loads the demo into the installation's workspace. Returns `None` (and changes nothing) when
/// the workspace already has deals.
pub async fn load(db: &Db, installation: Installation) -> AppResult<Option<DemoSummary>> {
    generate(db, installation, Scale::DEMO).await
}

/// Makes `scale`'s data in the installation's workspace, the same for the same seed. Returns
/// `None` (and changes nothing) when the workspace already has deals.
pub async fn generate(db: &Db, installation: Installation, scale: Scale) -> AppResult<Option<DemoSummary>> {
    let workspace = installation.workspace;
    // One password for every demo user, new on each load and shown once.
    let password = auth::random_secret()?[..16].to_owned();
    let password_hash = auth::hash_password(&password).await?;
    let mut conn = db.acquire().await?;
    let existing = deals::list(
        conn.conn(),
        workspace,
        &Visibility::everything(workspace),
        &DealFilter::default(),
        PageRequest { after: None, limit: 1 },
    )
    .await?;
    if !existing.items.is_empty() {
        return Ok(None);
    }
    let playbooks = playbooks::list(conn.conn(), workspace).await?;
    drop(conn);
    // Writes only from here on, sent in batches (one round trip each on PostgreSQL).
    let mut tx = db.begin_bulk().await?;
    let mut seeder = Seeder {
        invoices_issued: 0,
        rng: fastrand::Rng::with_seed(scale.seed),
        ids: Ids {
            rng: fastrand::Rng::with_seed(scale.seed ^ 0x5eed),
            millis: 0,
        },
        history_days: scale.history_days,
        batch: scale.batch,
        now: now(),
        workspace,
        summary: DemoSummary {
            password: String::new(),
            users: 0,
            organisations: 0,
            people: 0,
            employments: 0,
            deals: 0,
            notes: 0,
            tasks: 0,
            meetings: 0,
            interactions: 0,
        },
    };
    let reps = seed_users(
        &mut seeder,
        &mut tx,
        installation.admin,
        &password_hash,
        scale.extra_sellers,
    )
    .await?;
    seed_promotions(&mut seeder, &mut tx).await?;
    let organisations = seed_organisations(&mut seeder, &mut tx, &reps, scale.organisations).await?;
    seed_relationships(&mut seeder, &mut tx, &organisations, installation.admin).await?;
    let consumers_needed = if scale == Scale::DEMO {
        210usize.saturating_sub(seeder.summary.people).max(scale.consumers)
    } else {
        scale.consumers
    };
    let mut consumers = Vec::with_capacity(consumers_needed);
    let mut to_call = Vec::new();
    for i in 0..consumers_needed {
        let owner = reps[i % reps.len()];
        let chinese = i % 2 == 0;
        let person = seeder.person(&mut tx, owner, chinese, None).await?;
        consumers.push((person.id, person.ownership, chinese));
        if scale == Scale::DEMO && to_call.len() < 60 {
            to_call.push(person);
        }
        if (i + 1) % (scale.batch.saturating_mul(4)) == 0 {
            next_batch(&mut tx).await?;
        }
    }
    if !to_call.is_empty() {
        next_batch(&mut tx).await?;
        calls::seed_call_campaign(&mut seeder, &mut tx, &to_call, installation.admin).await?;
    }
    let b2c = playbooks.iter().find(|p| p.kind == DealKind::B2c).cloned();
    let b2b = playbooks.iter().find(|p| p.kind == DealKind::B2b).cloned();
    let (Some(b2c), Some(b2b)) = (b2c, b2b) else {
        return Err(AppError::Conflict("the workspace lacks a B2C or B2B playbook".into()));
    };
    for i in 0..scale.b2c_deals {
        if i > 0 && i % scale.batch == 0 {
            next_batch(&mut tx).await?;
            if i == scale.batch {
                // PostgreSQL planned its foreign-key checks while the tables were empty, as scans
                // of the whole table; statistics taken now that they hold rows make it replan
                // them as index probes at the next batch (a 4× slower load at 100k otherwise).
                db.analyze_only().await?;
            }
        }
        let (customer, ownership, chinese) = consumers[i % consumers.len()];
        seed_deal(&mut seeder, &mut tx, &b2c, i, customer, ownership, chinese, &reps, &[]).await?;
    }
    for i in 0..scale.b2b_deals {
        if i > 0 && i % scale.batch == 0 {
            next_batch(&mut tx).await?;
        }
        let (organisation, ownership, chinese, staff) = &organisations[i % organisations.len()];
        seed_deal(
            &mut seeder,
            &mut tx,
            &b2b,
            i,
            *organisation,
            *ownership,
            *chinese,
            &reps,
            staff,
        )
        .await?;
    }
    // Written once at the end: a statement amid a bulk load's inserts would split their groups.
    closer_store::billing::set_last_invoice_number(tx.conn(), seeder.workspace, seeder.invoices_issued).await?;
    tx.commit().await?;
    seeder.summary.password = password;
    db.analyze().await?;
    Ok(Some(seeder.summary))
}

/// Two sales teams, each with a manager and a rep, and `extra_sellers` more in teams of ten; the
/// admin owns a share of the records too. Returns who owns what, admin first.
async fn seed_users(
    seeder: &mut Seeder,
    tx: &mut Tx,
    admin: UserId,
    password_hash: &str,
    extra_sellers: usize,
) -> AppResult<Vec<Ownership>> {
    let teams_and_reps = [
        (
            "华东销售 East",
            [
                ("wang.fang@closer.local", "王芳 Wang Fang", true),
                ("chen.jie@closer.local", "陈杰 Chen Jie", false),
            ],
        ),
        (
            "West Coast Sales",
            [
                ("emily.carter@closer.local", "Emily Carter", true),
                ("james.wilson@closer.local", "James Wilson", false),
            ],
        ),
    ];
    // The founder signs off what a team manager may not: every approver role above the manager.
    let founder_roles = [
        ApproverRole::SalesManager,
        ApproverRole::Director,
        ApproverRole::VpSales,
        ApproverRole::Cro,
        ApproverRole::Cfo,
        ApproverRole::Ceo,
        ApproverRole::DealDesk,
        ApproverRole::Legal,
    ];
    closer_store::approvals::set_roles(tx.conn(), seeder.workspace, admin, &founder_roles, seeder.now).await?;
    let mut owners = vec![Ownership {
        owner_id: admin,
        team_id: None,
    }];
    for (team_name, reps) in teams_and_reps {
        let team = Team {
            id: seeder.ids.next(),
            name: team_name.into(),
        };
        teams::insert(tx.conn(), seeder.workspace, &team, seeder.now).await?;
        for (address, name, manages) in reps {
            let role = if manages { "manager" } else { "member" };
            let user = users::User {
                id: seeder.ids.next(),
                email: address.into(),
                display_name: name.into(),
                role: role.into(),
                disabled_at: None,
                language: None,
                time_zone: None,
            };
            users::insert(tx.conn(), seeder.workspace, &user, Some(password_hash), seeder.now).await?;
            teams::set_member(
                tx.conn(),
                seeder.workspace,
                TeamId(team.id),
                user.user_id(),
                manages,
                seeder.now,
            )
            .await?;
            owners.push(Ownership {
                owner_id: user.user_id(),
                team_id: Some(TeamId(team.id)),
            });
            seeder.summary.users += 1;
        }
    }
    let mut team = None;
    for n in 0..extra_sellers {
        let manages = n % 10 == 0;
        if manages {
            let new_team = Team {
                id: seeder.ids.next(),
                name: format!("Sales team {}", n / 10 + 1),
            };
            teams::insert(tx.conn(), seeder.workspace, &new_team, seeder.now).await?;
            team = Some(TeamId(new_team.id));
        }
        let Some(team) = team else {
            continue;
        };
        let user = users::User {
            id: seeder.ids.next(),
            email: format!("seller{}@bench.closer.local", n + 1),
            display_name: format!("Seller {}", n + 1),
            role: if manages { "manager" } else { "member" }.into(),
            disabled_at: None,
            language: None,
            time_zone: None,
        };
        users::insert(tx.conn(), seeder.workspace, &user, Some(password_hash), seeder.now).await?;
        teams::set_member(tx.conn(), seeder.workspace, team, user.user_id(), manages, seeder.now).await?;
        owners.push(Ownership {
            owner_id: user.user_id(),
            team_id: Some(team),
        });
        seeder.summary.users += 1;
    }
    Ok(owners)
}

/// An organisation as the deals need it: id, owner, Chinese or not, and its employees.
type Customer = (PartyId, Ownership, bool, Vec<story::Staff>);

/// Commits what the transaction holds and goes on in the next one.
async fn next_batch(tx: &mut Tx) -> AppResult<()> {
    Ok(tx.checkpoint().await?)
}

async fn seed_organisations(
    seeder: &mut Seeder,
    tx: &mut Tx,
    reps: &[Ownership],
    count: usize,
) -> AppResult<Vec<Customer>> {
    let bands = EmployeeBand::ALL;
    let mut organisations = Vec::with_capacity(count);
    let mut profiles = Vec::new();
    for index in 0..count {
        let seed = &ORGANISATIONS[index % ORGANISATIONS.len()];
        // Past the list, the same companies again as numbered branches.
        let round = index / ORGANISATIONS.len();
        let name = if round == 0 {
            seed.name.to_owned()
        } else {
            format!("{} {}", seed.name, round + 1)
        };
        let owner = reps[1 + index % (reps.len() - 1)];
        let switchboard = if seed.chinese {
            format!("+86 21 {:08}", seeder.rng.u32(..100_000_000))
        } else {
            format!("+1 212 555 {:04}", seeder.rng.u16(..10_000))
        };
        let organisation = Organisation {
            id: PartyId(seeder.ids.next()),
            fields: OrganisationFields {
                name,
                legal_name: Some(seed.legal_name.into()),
                tax_id: seed
                    .chinese
                    .then(|| format!("91310000{:010}", seeder.rng.u64(..10_000_000_000))),
                industry: Some(seed.industry.into()),
                employee_band: Some(bands[1 + index % (bands.len() - 1)]),
                region: Some(seed.region.into()),
                website: Some(format!("https://www.{}", seed.domain)),
                emails: vec![email(&format!("info@{}", seed.domain))?],
                phones: vec![phone(&switchboard)?],
                parent_id: None,
                requires_po: index % 3 == 0,
            },
            ownership: owner,
            meta: seeder.meta(60..200),
        };
        parties::insert_organisation(tx.conn(), seeder.workspace, &organisation).await?;
        seeder.summary.organisations += 1;
        // Two accounts in three have their billing details on file; the rest are for R3.2 to
        // ask about once their deals reach the contract.
        if index % 3 != 2 {
            let profile = BillingProfile {
                legal_entity: Some(seed.legal_name.into()),
                tax_id: organisation.fields.tax_id.clone().or_else(|| {
                    Some(format!(
                        "{:02}-{:07}",
                        seeder.rng.u8(10..99),
                        seeder.rng.u32(..10_000_000)
                    ))
                }),
                billing_address: Some(seed.region.into()),
                ap_contact_id: None,
                ap_email: Some(format!("ap@{}", seed.domain)),
                invoice_portal: None,
                requires_po: organisation.fields.requires_po,
                fapiao_required: seed.chinese,
            };
            profiles.push((organisation.id, profile));
        }
        let headcount = seeder.rng.usize(3..=8);
        let mut staff = Vec::with_capacity(headcount);
        for position in 0..headcount {
            let person = seeder.person(tx, owner, seed.chinese, Some(seed.domain)).await?;
            // The first is the leader who decides; the second a department head (often the key
            // person but not the decision-maker, D1); the rest spread over departments.
            let (department, seniority, title_en, title_zh) = match position {
                0 => (DEPARTMENTS[0], Seniority::CLevel, "Chief Executive Officer", "总经理"),
                1 => (
                    DEPARTMENTS[3 + index % 2],
                    Seniority::Director,
                    "Head of department",
                    "部门总监",
                ),
                _ => {
                    let department = DEPARTMENTS[1 + seeder.rng.usize(..DEPARTMENTS.len() - 1)];
                    if seeder.rng.bool() {
                        (department, Seniority::Manager, "Manager", "经理")
                    } else {
                        (department, Seniority::IndividualContributor, "Specialist", "专员")
                    }
                }
            };
            let (department_name, title) = if seed.chinese {
                (
                    department.1.to_owned(),
                    format!("{}{}", department.1.trim_end_matches('部'), title_zh),
                )
            } else {
                (department.0.to_owned(), format!("{title_en}, {}", department.0))
            };
            let employment = Employment {
                id: EmploymentId(seeder.ids.next()),
                fields: EmploymentFields {
                    person_id: person.id,
                    organisation_id: organisation.id,
                    title: Some(title),
                    department: Some(department_name),
                    seniority: Some(seniority),
                    started_on: Some((seeder.now - Duration::days(seeder.rng.i64(200..3000))).date()),
                    ended_on: None,
                },
                meta: person.meta.clone(),
            };
            employments::insert(tx.conn(), seeder.workspace, &employment).await?;
            staff.push((person.id, employment.fields.department.clone().unwrap_or_default()));
            seeder.summary.employments += 1;
        }
        organisations.push((organisation.id, organisation.ownership, seed.chinese, staff));
        if (index + 1) % seeder.batch == 0 {
            next_batch(tx).await?;
        }
    }
    // Upserts, written after every account: amid the plain inserts they would split the groups
    // and send a later account's staff before the account.
    for (organisation, profile) in &profiles {
        closer_store::billing::save_profile(tx.conn(), seeder.workspace, *organisation, profile, seeder.now).await?;
    }
    Ok(organisations)
}

/// Who knows whom: each company's leader knows the leader of the company before it (peers
/// meet), each account's owner writes with its department head, and the founder has met every
/// fourth leader: enough for warm paths of every kind (direct, colleague, through a connector).
async fn seed_relationships(
    seeder: &mut Seeder,
    tx: &mut Tx,
    organisations: &[Customer],
    founder: UserId,
) -> AppResult<()> {
    let now = seeder.now;
    let node = |person: PartyId| Participant::of(Node::Person(person), None);
    let user = |id: UserId| Participant::of(Node::User(id), None);
    for (index, (_, ownership, _, staff)) in organisations.iter().enumerate() {
        let Some((leader, _)) = staff.first() else { continue };
        let told = |kind, days_ago: i64, participants: Vec<Participant>| InteractionFields {
            kind,
            occurred_at: now - Duration::days(days_ago),
            participant_count: u32::try_from(participants.len()).unwrap_or(2),
            participants,
            two_way: kind == InteractionKind::EmailThread,
            face_to_face: kind == InteractionKind::Meeting,
            duration_seconds: None,
            expires_at: None,
            source: InteractionSource::Import,
            source_id: None,
            recorded_by: founder,
        };
        let mut batch = Vec::new();
        if index > 0
            && let Some((peer, _)) = organisations[index - 1].3.first()
        {
            for days_ago in [40 + index as i64 % 50, 200 + index as i64 % 90] {
                batch.push(told(
                    InteractionKind::Meeting,
                    days_ago,
                    vec![node(*leader), node(*peer)],
                ));
            }
        }
        if let Some((head, _)) = staff.get(1) {
            for days_ago in [3, 9, 20] {
                batch.push(told(
                    InteractionKind::EmailThread,
                    days_ago,
                    vec![user(ownership.owner_id), node(*head)],
                ));
            }
        }
        if index % 4 == 0 {
            batch.push(told(InteractionKind::Meeting, 60, vec![user(founder), node(*leader)]));
            batch.push(told(
                InteractionKind::Connection,
                400,
                vec![user(founder), node(*leader)],
            ));
        }
        for fields in batch {
            seeder.interaction(tx, fields).await?;
        }
        if (index + 1) % seeder.batch == 0 {
            next_batch(tx).await?;
        }
    }
    Ok(())
}

/// A shopping-festival campaign with a spend budget and its automatic discount, a welcome code
/// for first orders, and a loyalty code that ended last month: the promotions page and the
/// engine's reasons have something to show.
async fn seed_promotions(seeder: &mut Seeder, tx: &mut Tx) -> AppResult<()> {
    let now = seeder.now;
    let campaign = Campaign {
        id: CampaignId(seeder.ids.next()),
        fields: CampaignDraft {
            name: "Singles' Day 11.11".into(),
            starts_at: now - Duration::days(20),
            ends_at: Some(now + Duration::days(10)),
            budget: Some(CampaignBudget {
                kind: BudgetKind::Spend,
                limit: 5_000_000,
                currency: Some("CNY".into()),
            }),
        }
        .parse()?,
        used_count: 0,
        spent_minor: 0,
        meta: seeder.meta(20..25),
    };
    closer_store::promotions::insert_campaign(tx.conn(), seeder.workspace, &campaign).await?;
    let promotion =
        |name: &str, code: Option<&str>, reward, eligibility, starts: i64, ends: Option<i64>| PromotionDraft {
            name: name.into(),
            campaign_id: None,
            code: code.map(str::to_owned),
            class: PromotionClass::Order,
            reward,
            eligibility,
            currency: Some("CNY".into()),
            starts_at: now - Duration::days(starts),
            ends_at: ends.map(|days| now + Duration::days(days)),
            usage_limit_total: None,
            usage_limit_per_customer: Some(1),
            combines_with: CombinesWith::default(),
            priority: 0,
            status: None,
        };
    let festival = PromotionDraft {
        campaign_id: Some(campaign.id),
        usage_limit_per_customer: None,
        ..promotion(
            "11.11: 11% off orders from ¥1,000",
            None,
            Reward::Percentage { bp: 1_100 },
            Eligibility {
                min_subtotal_minor: Some(100_000),
                ..Eligibility::default()
            },
            20,
            Some(10),
        )
    };
    let welcome = promotion(
        "Welcome: ¥200 off a first order",
        Some("WELCOME"),
        Reward::FixedAmount { amount_minor: 20_000 },
        Eligibility {
            first_order_only: true,
            ..Eligibility::default()
        },
        90,
        None,
    );
    let loyalty = promotion(
        "Loyalty week: 15% off",
        Some("LOYAL15"),
        Reward::Percentage { bp: 1_500 },
        Eligibility::default(),
        45,
        Some(-30),
    );
    for draft in [festival, welcome, loyalty] {
        let promotion = Promotion {
            id: PromotionId(seeder.ids.next()),
            fields: draft.parse()?,
            used_count: 0,
            meta: seeder.meta(20..90),
        };
        closer_store::promotions::insert(tx.conn(), seeder.workspace, &promotion).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn seed_deal(
    seeder: &mut Seeder,
    tx: &mut Tx,
    playbook: &Playbook,
    index: usize,
    counterparty: PartyId,
    ownership: Ownership,
    chinese: bool,
    reps: &[Ownership],
    staff: &[story::Staff],
) -> AppResult<()> {
    let owner = ownership.owner_id;
    let stage = &playbook.stages[index % playbook.stages.len()];
    let open_stages: Vec<_> = playbook
        .stages
        .iter()
        .filter(|s| s.status == DealStatus::Open)
        .collect();
    let b2b = playbook.kind == DealKind::B2b;
    // The path the deal took: every open stage up to its current one (B2B never skips), or for a
    // closed deal, some of the way and then won or lost.
    let mut path: Vec<_> = match stage.status {
        DealStatus::Open => open_stages
            .iter()
            .take_while(|s| s.position <= stage.position)
            .copied()
            .collect(),
        DealStatus::Won => open_stages.clone(),
        DealStatus::Lost => open_stages
            .iter()
            .take(1 + index % open_stages.len())
            .copied()
            .collect(),
    };
    if stage.status != DealStatus::Open {
        path.push(stage);
    }
    let step_days: i64 = if b2b { 4 } else { 1 };
    let closed_long_ago = if stage.status == DealStatus::Open || seeder.history_days == 0 {
        0
    } else {
        seeder.rng.i64(0..seeder.history_days)
    };
    let age_days = step_days * path.len() as i64 + seeder.rng.i64(0..3) + closed_long_ago;
    let created = seeder.now - Duration::days(age_days);
    let products = if b2b { B2B_PRODUCTS } else { B2C_PRODUCTS };
    let (title_en, title_zh, base) = *seeder.pick(products);
    let amount = base / 100 * seeder.rng.i64(80..=130);
    let (title, currency_code) = if chinese { (title_zh, "CNY") } else { (title_en, "USD") };
    let lost = stage.status == DealStatus::Lost;
    let lost_reason = lost.then(|| {
        [
            LostReason::Price,
            LostReason::Competitor,
            LostReason::NoDecision,
            LostReason::Timing,
        ][index % 4]
    });
    let sources: &[LeadSource] = if b2b {
        &[
            LeadSource::WarmIntro,
            LeadSource::Referral,
            LeadSource::Event,
            LeadSource::Outbound,
            LeadSource::Partner,
        ]
    } else {
        &[
            LeadSource::Telemarketing,
            LeadSource::Inbound,
            LeadSource::StoreVisit,
            LeadSource::Referral,
        ]
    };
    let stage_entered = created + Duration::days(step_days * (path.len() as i64 - 1));
    let deal = Deal {
        id: DealId(seeder.ids.next()),
        terms: DealTerms {
            qualification: story::qualification(&path.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), chinese),
            title: title.to_owned(),
            counterparty_id: counterparty,
            amount: Money {
                amount_minor: amount,
                currency: currency(currency_code)?,
            },
            expected_close: Some((seeder.now + Duration::days(if b2b { 20 } else { 5 } - age_days / 2)).date()),
            lead_source: Some(sources[index % sources.len()]),
            competitor: (lost_reason == Some(LostReason::Competitor))
                .then(|| if chinese { "竞争对手甲" } else { "Rival Corp" }.to_owned()),
        },
        ownership,
        progress: DealProgress {
            kind: playbook.kind,
            playbook_id: playbook.id,
            stage_id: stage.id,
            status: stage.status,
            stage_entered_at: stage_entered,
            closed_at: (stage.status != DealStatus::Open).then_some(stage_entered),
            lost_reason,
            lost_note: None,
        },
        meta: RecordMeta {
            updated_at: stage_entered,
            ..RecordMeta::created(created)
        },
    };
    deals::insert(tx.conn(), seeder.workspace, &deal).await?;
    let passed: Vec<&str> = path.iter().map(|s| s.key.as_str()).collect();
    story::tell(seeder, tx, &deal, &passed, staff, reps, chinese).await?;
    seeder.summary.deals += 1;
    let mut from = None;
    for (step, to) in path.iter().enumerate() {
        let transition = StageTransition {
            id: seeder.ids.next(),
            deal_id: deal.id,
            from_stage_id: from,
            to_stage_id: to.id,
            at: created + Duration::days(step_days * step as i64),
            actor_id: Some(owner),
            reason: None,
        };
        deals::insert_transition(tx.conn(), seeder.workspace, &transition).await?;
        from = Some(to.id);
    }
    let body = match (chinese, stage.status) {
        (true, DealStatus::Won) => "客户已签约并付款，安排交付启动会。",
        (true, DealStatus::Lost) => "客户决定暂不推进，三个月后回访。",
        (true, _) => "客户对方案感兴趣，下一步确认预算和决策人。",
        (false, DealStatus::Won) => "Signed and paid; kickoff meeting to be scheduled.",
        (false, DealStatus::Lost) => "Customer decided not to go ahead; follow up next quarter.",
        (false, _) => "Interested in the offer; next step is to confirm budget and who decides.",
    };
    let note = Note {
        id: NoteId(seeder.ids.next()),
        fields: NoteFields {
            subject: Subject {
                kind: SubjectType::Deal,
                id: deal.id.as_uuid(),
            },
            body: body.into(),
            author_id: owner,
        },
        meta: RecordMeta::created(stage_entered),
    };
    notes::insert(tx.conn(), seeder.workspace, &note).await?;
    seeder.summary.notes += 1;
    if stage.status == DealStatus::Open {
        let due = (seeder.now + Duration::days(seeder.rng.i64(-2..5))).date();
        let (title, done_at) = if b2b {
            (
                if chinese {
                    "邀请决策人来公司参观"
                } else {
                    "Invite the decision-maker to our office"
                },
                None,
            )
        } else {
            (
                if chinese {
                    "电话跟进报价"
                } else {
                    "Call back about the offer"
                },
                index.is_multiple_of(5).then_some(seeder.now),
            )
        };
        let task = Task {
            id: TaskId(seeder.ids.next()),
            done: done_at.is_some(),
            fields: TaskFields {
                title: title.into(),
                due_on: Some(due),
                assignee_id: reps[index % reps.len()].owner_id,
                subject_type: Some(SubjectType::Deal),
                subject_id: Some(deal.id.as_uuid()),
                done_at,
            },
            meta: RecordMeta::created(stage_entered),
        };
        tasks::insert(tx.conn(), seeder.workspace, &task).await?;
        seeder.summary.tasks += 1;
    }
    Ok(())
}
