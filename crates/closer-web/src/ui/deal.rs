//! The deal workspace: one page with everything about a deal, the cycle clock and the committee
//! map drawn rather than tabulated.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::access::Role;
use closer_domain::approvals::ApprovalStatus;
use closer_domain::committee::{BuyingRole, StakeholderDraft, Stance};
use closer_domain::deal::LostReason;
use closer_domain::gates::Gate;
use closer_domain::ids::{DealId, PartyId};
use closer_domain::meeting::{MeetingPurpose, MeetingStatus, Venue};
use closer_domain::pricing::{PaymentTerms, QuoteStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, render, see_other, translated};
use crate::app::AppError;
use crate::app::committee;
use crate::app::deal_view::{self, DealView};
use crate::app::recommendations::{self, DecisionDraft};

/// The deal's editable fields, as text for the form.
struct Details {
    title: String,
    amount: String,
    currency: String,
    expected_close: String,
    lead_source: String,
    competitor: String,
}

struct Header {
    title: String,
    kind: &'static str,
    playbook: String,
    playbook_key: String,
    stage: String,
    counterparty: String,
    amount: String,
    owner: String,
    cycle_age_days: i64,
    days_in_stage: i64,
    budget_days: i32,
    /// The cycle clock's hand: 0–100 percent of the budget.
    cycle_percent: i64,
    over_budget: bool,
    rotting: bool,
}

struct GateRow {
    requirement: String,
    action: String,
    differences: String,
    hard: bool,
    gate: &'static str,
    verdict: &'static str,
    verdict_label: &'static str,
}

struct Recommendation {
    key: String,
    title: String,
    action: String,
    differences: String,
}

struct StakeholderCard {
    id: String,
    version: i64,
    name: String,
    roles: Vec<&'static str>,
    key_person: bool,
    decision_maker: bool,
    stance: &'static str,
    stance_label: &'static str,
    engagement: &'static str,
    engagement_label: &'static str,
    influence: i32,
}

struct Department {
    name: String,
    people: Vec<StakeholderCard>,
}

struct Member {
    name: String,
    role: &'static str,
    covers: Vec<&'static str>,
}

/// A buying role the committee holds, and who of ours faces it.
struct CoverageRow {
    role: &'static str,
    covered_by: Vec<String>,
    /// Nobody faces it (blockers are managed, not covered, so never a gap).
    gap: bool,
}

struct MeetingRow {
    id: String,
    version: i64,
    /// Planned or confirmed: it can still be logged.
    open: bool,
    /// Who was invited, as `person:<id>` or `user:<id>` with a name, for the attendance boxes.
    attendees: Vec<(String, String)>,
    when: String,
    purpose: &'static str,
    venue: &'static str,
    home_ground: bool,
    face_to_face: bool,
    status: &'static str,
    status_label: &'static str,
    objective: String,
    next_step: String,
}

/// One quote revision as the quote panel shows it.
struct QuoteRow {
    id: String,
    version: i64,
    revision: i64,
    status: &'static str,
    status_label: &'static str,
    list_total: String,
    net_total: String,
    /// The whole quote's discount off list, e.g. "11.1%"; empty without one.
    discount: String,
    terms: &'static str,
    valid_until: String,
    /// Sent and past its validity.
    expired: bool,
    lines: Vec<QuoteLineRow>,
    draft: bool,
    sent: bool,
    /// Sent, declined or superseded: a new revision can start from it.
    revisable: bool,
    /// Who must approve the draft before it is sent ("Sales manager → Director"); empty when
    /// nobody.
    needs_approval: String,
    /// The latest approval request about this revision.
    approval: Option<ApprovalRow>,
    /// That request is pending: the draft is frozen until it is decided or recalled.
    waiting: bool,
    /// The promotions applied: name (with its code) and what it takes off.
    promotions: Vec<(String, String)>,
    /// The gifts given: "2 × Towel (worth ¥100.00)".
    gifts: Vec<String>,
    /// What the customer pays after promotions; empty when no promotion took anything off.
    to_pay: String,
    /// The codes given, as typed back into the form.
    codes: String,
}

/// One invoice as the invoice panel shows it.
struct InvoiceRow {
    id: String,
    version: i64,
    number: String,
    label: String,
    status: &'static str,
    status_label: &'static str,
    amount_due: String,
    /// What is left to pay, as the payment form's default ("1,234.50").
    outstanding_plain: String,
    paid: String,
    due: String,
    days_overdue: i64,
    po_number: String,
    draft: bool,
    open: bool,
    payments: Vec<PaymentRow>,
}

/// One payment of an invoice, with what may still happen to it.
struct PaymentRow {
    id: String,
    version: i64,
    text: String,
    /// Waiting for the provider: it may be marked received or failed.
    pending: bool,
    /// What is left to refund, as the refund form's default ("" when nothing is).
    refundable_plain: String,
}

/// One contract as the contract panel shows it.
struct ContractRow {
    id: String,
    version: i64,
    title: String,
    kind: &'static str,
    status: &'static str,
    status_label: &'static str,
    contract_version: i64,
    /// "Signed on …", "Out for signature since …" or the signature's news.
    signature: String,
    signatories: String,
    steps: Vec<CustomerStepRow>,
    /// The buttons this status offers: (action, label).
    actions: Vec<(&'static str, &'static str)>,
    /// Being redlined: the new-version form shows.
    redlining: bool,
}

struct CustomerStepRow {
    index: usize,
    order: u8,
    function: &'static str,
    approver: String,
    status: &'static str,
    status_label: &'static str,
    expected_days: u16,
    slipping: bool,
    notes: String,
    in_review: bool,
}

struct ApprovalRow {
    id: String,
    version: i64,
    status: &'static str,
    status_label: &'static str,
    pending: bool,
    steps: Vec<ApprovalStepRow>,
}

struct ApprovalStepRow {
    role: &'static str,
    status: &'static str,
    status_label: &'static str,
    /// Who decided, and when.
    decided: String,
    comment: String,
    overdue: bool,
}

struct QuoteLineRow {
    description: String,
    quantity: String,
    list_unit: String,
    net_unit: String,
    net_total: String,
    discount: String,
}

/// Basis points as a percentage with one decimal ("12.5%"); empty for none.
pub(super) fn percent(basis_points: i64) -> String {
    if basis_points == 0 {
        return String::new();
    }
    let sign = if basis_points < 0 { "-" } else { "" };
    let tenths = (basis_points.abs() + 5) / 10;
    format!("{sign}{}.{}%", tenths / 10, tenths % 10)
}

struct Line {
    /// A task's id and version, for ticking it off (empty for notes and history).
    id: String,
    version: i64,
    when: String,
    who: String,
    text: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "deal.html")]
struct DealPage {
    chrome: Chrome,
    deal_id: String,
    invoices: Vec<InvoiceRow>,
    /// An accepted quote is not invoiced yet.
    may_invoice: bool,
    payment_methods: Vec<(&'static str, &'static str)>,
    /// Who can introduce us to the people of the deal.
    intros: super::warm_paths::IntroPanel,
    /// What backs the deal with trust: kind, who vouches, note.
    endorsements: Vec<(&'static str, String, String)>,
    endorsement_kinds: Vec<(&'static str, &'static str)>,
    refund_reasons: Vec<(&'static str, &'static str)>,
    contracts: Vec<ContractRow>,
    /// People who may sign for the customer: the committee (B2B) or the consumer.
    signatory_choices: Vec<(String, String)>,
    /// A consumer deal: its quotes take promotion codes.
    b2c: bool,
    /// The promotions the open draft did not get, each with why.
    promotions_left_out: Vec<(String, &'static str)>,
    /// Why the last form sent from this page was refused, and what it held.
    refusal: Option<Refusal>,
    /// People who can be added to the committee.
    people: Vec<(String, String)>,
    /// Our active users, who can join the deal team.
    sellers: Vec<(String, String)>,
    seller_roles: Vec<(&'static str, &'static str)>,
    /// The deal's own fields as the details form shows them.
    details: Details,
    currencies: Vec<&'static str>,
    lead_sources: Vec<(&'static str, &'static str)>,
    buying_roles: Vec<(&'static str, &'static str)>,
    stances: Vec<(&'static str, &'static str)>,
    purposes: Vec<(&'static str, &'static str)>,
    venues: Vec<(&'static str, &'static str)>,
    /// Stakeholders who can be invited, as `person:<id>` with their names.
    invitees: Vec<(String, String)>,
    version: i64,
    /// Every stage of the deal's playbook: id, name, is it the current one.
    stages: Vec<(String, String, bool)>,
    lost_reasons: Vec<(&'static str, &'static str)>,
    /// Managers and admins may move past hard gates with a reason.
    may_override: bool,
    header: Header,
    gates: Vec<GateRow>,
    /// The next stage's name and exit criteria, judged now.
    next_gates: Option<(String, Vec<GateRow>)>,
    can_advance: bool,
    recommendations: Vec<Recommendation>,
    departments: Vec<Department>,
    single_threaded: bool,
    stakeholder_count: usize,
    members: Vec<Member>,
    coverage: Vec<CoverageRow>,
    gap_count: usize,
    meetings: Vec<MeetingRow>,
    notes: Vec<Line>,
    tasks: Vec<Line>,
    history: Vec<Line>,
    quotes: Vec<QuoteRow>,
    /// Products sold in the deal's currency: id and "SKU · name · list price".
    products: Vec<(String, String)>,
    payment_terms: Vec<(&'static str, &'static str)>,
    /// The deal is open: quotes can be made.
    quotable: bool,
    /// No revision is a draft: a new quote may start.
    may_start_quote: bool,
}

/// A form on the deal page the server refused: which panel it came from, why, and what it held.
pub struct Refusal {
    pub panel: &'static str,
    pub message: String,
    pub kept: FormValues,
}

impl DealPage {
    /// The refusal of the form in `panel`, if that is the one refused.
    fn refused(&self, panel: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.panel == panel)
            .map(|r| r.message.as_str())
    }

    /// A field of the details form: as typed when that form was refused, else as stored.
    fn detail(&self, field: &str) -> String {
        if self.refused("details").is_some() {
            return self.kept().get(field).to_owned();
        }
        let d = &self.details;
        match field {
            "title" => d.title.clone(),
            "amount" => d.amount.clone(),
            "currency" => d.currency.clone(),
            "expected_close" => d.expected_close.clone(),
            "lead_source" => d.lead_source.clone(),
            "competitor" => d.competitor.clone(),
            _ => String::new(),
        }
    }

    /// What the refused form held (nothing when no form was refused).
    fn kept(&self) -> FormValues {
        self.refusal.as_ref().map(|r| r.kept.clone()).unwrap_or_default()
    }
}

pub async fn show(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    deal_page(viewer, DealId(id), None, StatusCode::OK).await
}

pub(super) async fn deal_page(viewer: Viewer, id: DealId, refusal: Option<Refusal>, status: StatusCode) -> Response {
    let choices = async {
        let people = people_choices(&viewer.ctx).await?;
        let sellers: Vec<(String, String)> = crate::app::admin::list_users(&viewer.ctx)
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .map(|u| (u.id.to_string(), u.display_name))
            .collect();
        Ok::<_, AppError>(Choices { people, sellers })
    };
    let people = match choices.await {
        Ok(choices) => choices,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    match deal_view::load(&viewer.ctx, id).await {
        Ok(view) => {
            let may_override = matches!(viewer.ctx.principal.role, Role::Admin | Role::Manager);
            let intros = match intros(&viewer.ctx, &chrome, &view).await {
                Ok(intros) => intros,
                Err(e) => return crate::api::problem::Problem::from(e).into_response(),
            };
            let mut page = page(chrome, view, refusal, people, may_override);
            page.intros = intros;
            render(&page, status)
        }
        Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
            error_page(&chrome, StatusCode::NOT_FOUND, "deal.not_found")
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

/// Who can introduce us: to the consumer of a B2C deal, to each of a B2B deal's committee.
async fn intros(
    ctx: &crate::app::Ctx,
    chrome: &Chrome,
    view: &DealView,
) -> crate::app::AppResult<super::warm_paths::IntroPanel> {
    let name = |id| view.people.get(&id).cloned().unwrap_or_default();
    if view.deal.progress.kind == closer_domain::playbook::DealKind::B2c {
        let customer = view.deal.terms.counterparty_id;
        return super::warm_paths::to_person(ctx, chrome, customer, &name(customer)).await;
    }
    super::warm_paths::to_committee(ctx, chrome, view.deal.id, name, 8).await
}

/// What the page's pickers offer.
struct Choices {
    people: Vec<(String, String)>,
    sellers: Vec<(String, String)>,
}

/// How long "later" puts a recommendation away.
const SNOOZE: time::Duration = time::Duration::days(3);

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    key: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

/// Acts on, dismisses (with a reason) or snoozes one of the deal's recommendations.
pub async fn decide(mut viewer: Viewer, Path(id): Path<Uuid>, Form(form): Form<DecisionForm>) -> Response {
    if let Some(refused) = viewer.refuse_forged(&form.csrf_token) {
        return refused;
    }
    let deal_id = DealId(id);
    viewer.chrome.here = format!("/deals/{deal_id}");
    let snoozed_until = (form.decision == "snoozed").then(|| crate::app::now() + SNOOZE);
    let reason = (!form.reason.trim().is_empty()).then_some(form.reason);
    let draft = DecisionDraft {
        key: form.key,
        decision: form.decision,
        reason,
        snoozed_until,
    };
    match recommendations::decide(&viewer.ctx, deal_id, &draft).await {
        Ok(()) => see_other(format!("/deals/{deal_id}")),
        Err(AppError::Invalid(errors) | AppError::MissingReference(errors)) => {
            let refusal = Refusal {
                panel: "recommendations",
                message: summary(&errors),
                kept: FormValues::default(),
            };
            deal_page(viewer, deal_id, Some(refusal), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => {
            error_page(&viewer.chrome, StatusCode::NOT_FOUND, "deal.not_found")
        }
        Err(e) => crate::api::problem::Problem::from(e).into_response(),
    }
}

pub(super) fn summary(errors: &closer_domain::ValidationErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// People the committee form offers, by name; more than this needs the people list's search.
async fn people_choices(ctx: &crate::app::Ctx) -> crate::app::AppResult<Vec<(String, String)>> {
    let mut conn = ctx.db.acquire().await?;
    let page = closer_store::PageRequest {
        after: None,
        limit: 200,
    };
    let filter = closer_store::parties::PartyFilter::default();
    let found =
        closer_store::parties::list_people(conn.conn(), ctx.workspace, &ctx.visibility(), &filter, page).await?;
    let mut people: Vec<(String, String)> = found
        .items
        .into_iter()
        .map(|p| (p.id.to_string(), p.fields.name))
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(people)
}

/// Records an endorsement of the deal from the trust panel's form.
pub async fn endorse(viewer: Viewer, Path(id): Path<Uuid>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let deal = DealId(id);
    super::deal_panels::panel_form(viewer, deal, "trust", fields, async |viewer, kept| {
        let invalid =
            |field: &str, message: String| AppError::Invalid(closer_domain::ValidationErrors::single(field, message));
        let kind =
            closer_domain::relationships::EndorsementKind::parse(kept.get("kind")).map_err(|m| invalid("kind", m))?;
        let by_person_id = match kept.get("by_person_id").trim() {
            "" => None,
            text => {
                Some(PartyId(Uuid::parse_str(text).map_err(|_| {
                    invalid("by_person_id", "choose a person from the list".into())
                })?))
            }
        };
        let draft = closer_domain::relationships::EndorsementDraft {
            kind,
            by_person_id,
            meeting_id: None,
            note: Some(kept.get("note").trim())
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        };
        crate::app::relationships::endorse(&viewer.ctx, deal, &draft).await
    })
    .await
}

/// Adds a stakeholder to the buying committee from the committee panel's form.
pub async fn add_stakeholder(
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let kept = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(kept.get("csrf_token")) {
        return refused;
    }
    let deal_id = DealId(id);
    let refuse = |message: String, kept: FormValues| Refusal {
        panel: "committee",
        message,
        kept,
    };
    let draft = match stakeholder_draft(&kept) {
        Ok(draft) => draft,
        Err(message) => {
            return deal_page(
                viewer,
                deal_id,
                Some(refuse(message, kept)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let outcome = committee::add_stakeholder(&viewer.ctx, deal_id, &draft).await;
    super::deal_panels::answer(viewer, deal_id, "committee", kept, outcome).await
}

fn stakeholder_draft(form: &FormValues) -> Result<StakeholderDraft, String> {
    let person_id = Uuid::parse_str(form.get("person_id"))
        .map(PartyId)
        .map_err(|_| "choose the person".to_owned())?;
    let roles = form
        .all("roles")
        .map(BuyingRole::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let optional = |name: &str| Some(form.get(name).trim()).filter(|v| !v.is_empty());
    let stance = optional("stance").map(Stance::parse).transpose()?;
    let influence = optional("influence")
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| "influence is a number from 1 to 5".to_owned())
        })
        .transpose()?;
    Ok(StakeholderDraft {
        person_id,
        department: optional("department").map(str::to_owned),
        roles,
        is_key_person: form.has("is_key_person", "true"),
        influence,
        stance,
        response_mode: None,
        win_result: None,
    })
}

fn page(chrome: Chrome, view: DealView, refusal: Option<Refusal>, choices: Choices, may_override: bool) -> DealPage {
    let locale = chrome.locale;
    let text = |key: String| locale.text(&key);
    let user = |id| view.users.get(&id).cloned().unwrap_or_default();
    let person = |id| view.people.get(&id).cloned().unwrap_or_default();
    let stage = view.playbook.stage(view.deal.progress.stage_id);
    let budget_days = view.playbook.cycle_budget_max_days.max(1);
    let header = Header {
        title: view.deal.terms.title.clone(),
        kind: text(format!("kind.{}", view.deal.progress.kind.as_str())),
        playbook: translated(&chrome, &format!("playbook.{}", view.playbook.key), &view.playbook.name),
        playbook_key: view.playbook.key.clone(),
        stage: stage.map_or_else(String::new, |s| {
            translated(&chrome, &format!("stage.{}", s.key), &s.name)
        }),
        counterparty: view.counterparty.clone(),
        amount: locale.money(&view.deal.terms.amount),
        owner: user(view.deal.ownership.owner_id),
        cycle_age_days: view.health.cycle_age_days,
        days_in_stage: view.health.days_in_stage,
        budget_days,
        cycle_percent: (view.health.cycle_age_days * 100 / i64::from(budget_days)).clamp(0, 100),
        over_budget: view.health.over_budget,
        rotting: view.health.rotting,
    };
    let rows = |criteria: &[closer_domain::gates::CriterionResult]| -> Vec<GateRow> {
        criteria
            .iter()
            .map(|c| GateRow {
                requirement: locale.criterion(&c.key, &c.requirement).to_owned(),
                action: locale.criterion_action(&c.key, &c.action).to_owned(),
                differences: c.differences.join(" "),
                hard: c.gate == Gate::Hard,
                gate: text(format!("gate.{}", c.gate.as_str())),
                verdict: c.verdict.as_str(),
                verdict_label: text(format!("verdict.{}", c.verdict.as_str())),
            })
            .collect()
    };
    let gates = rows(&view.gates.criteria);
    let next_gates = view.gates.next.as_ref().and_then(|next| {
        let stage = view.playbook.stage(next.stage_id)?;
        let name = translated(&chrome, &format!("stage.{}", stage.key), &stage.name);
        Some((name, rows(&next.criteria)))
    });
    let recommendations = view
        .recommendations
        .iter()
        .map(|p| {
            let (title, action) = locale.proposal(p);
            Recommendation {
                key: p.key.clone(),
                title,
                action,
                differences: p.differences.join(" "),
            }
        })
        .collect();
    let mut by_department: BTreeMap<String, Vec<StakeholderCard>> = BTreeMap::new();
    for s in &view.committee.stakeholders {
        let card = StakeholderCard {
            id: s.id.to_string(),
            version: s.meta.version,
            name: person(s.fields.person_id),
            roles: s
                .fields
                .roles
                .iter()
                .map(|r| text(format!("role.{}", r.as_str())))
                .collect(),
            key_person: s.fields.is_key_person,
            decision_maker: s.fields.is_decision_maker(),
            stance: s.fields.stance.as_str(),
            stance_label: text(format!("stance.{}", s.fields.stance.as_str())),
            engagement: s.engagement.as_str(),
            engagement_label: text(format!("engagement.{}", s.engagement.as_str())),
            influence: s.fields.influence,
        };
        let department = s
            .fields
            .department
            .clone()
            .unwrap_or_else(|| chrome.text("deal.no_department").to_owned());
        by_department.entry(department).or_default().push(card);
    }
    let departments = by_department
        .into_iter()
        .map(|(name, people)| Department { name, people })
        .collect();
    let members = view
        .team
        .members
        .iter()
        .map(|m| Member {
            name: user(m.fields.user_id),
            role: text(format!("seller_role.{}", m.fields.role.as_str())),
            covers: m
                .fields
                .covers
                .iter()
                .map(|r| text(format!("role.{}", r.as_str())))
                .collect(),
        })
        .collect();
    let coverage: Vec<CoverageRow> = view
        .team
        .coverage
        .roles
        .iter()
        .map(|r| CoverageRow {
            role: text(format!("role.{}", r.buying_role.as_str())),
            covered_by: r.covered_by.iter().map(|id| user(*id)).collect(),
            gap: r.covered_by.is_empty() && r.buying_role != BuyingRole::Blocker,
        })
        .collect();
    let meetings = view
        .meetings
        .iter()
        .map(|m| MeetingRow {
            id: m.id.to_string(),
            version: m.meta.version,
            open: matches!(m.fields.status, MeetingStatus::Planned | MeetingStatus::Confirmed),
            attendees: m
                .fields
                .attendees
                .iter()
                .filter_map(|a| match (a.person_id, a.user_id) {
                    (Some(p), _) => Some((format!("person:{p}"), person(p))),
                    (None, Some(u)) => Some((format!("user:{u}"), user(u))),
                    (None, None) => None,
                })
                .collect(),
            when: chrome.day_and_time(m.fields.planned_start),
            purpose: text(format!("purpose.{}", m.fields.purpose.as_str())),
            venue: text(format!("venue.{}", m.fields.venue.as_str())),
            home_ground: m.home_ground,
            face_to_face: m.face_to_face,
            status: m.fields.status.as_str(),
            status_label: text(format!("meeting_status.{}", m.fields.status.as_str())),
            objective: m.fields.objective.clone().unwrap_or_default(),
            next_step: m.fields.agreed_next_step.clone().unwrap_or_default(),
        })
        .collect();
    let money = |amount_minor: i64| {
        locale.money(&closer_domain::money::Money {
            amount_minor,
            currency: view.deal.terms.amount.currency,
        })
    };
    let today = crate::app::now().date();
    let latest_approval =
        |q: &closer_domain::pricing::Quote| view.approvals.requests.iter().find(|a| a.fields.quote_id == q.id);
    let quotes: Vec<QuoteRow> = view
        .quotes
        .iter()
        .map(|q| QuoteRow {
            id: q.id.to_string(),
            version: q.meta.version,
            revision: q.fields.revision,
            status: q.fields.status.as_str(),
            status_label: text(format!("quote_status.{}", q.fields.status.as_str())),
            list_total: money(q.totals.list_total_minor),
            net_total: money(q.totals.net_total_minor),
            discount: percent(q.totals.discount_bp),
            terms: text(format!("terms.{}", q.fields.payment_terms.as_str())),
            valid_until: locale.date(q.fields.valid_until),
            expired: q.fields.expired(today),
            lines: q
                .fields
                .lines
                .iter()
                .map(|l| QuoteLineRow {
                    description: l.description.clone(),
                    quantity: locale.number(l.quantity),
                    list_unit: money(l.list_unit_price_minor),
                    net_unit: money(l.net_unit_price_minor),
                    net_total: money(l.net_total_minor),
                    discount: percent(l.discount_bp),
                })
                .collect(),
            draft: q.fields.status == QuoteStatus::Draft,
            sent: q.fields.status == QuoteStatus::Sent,
            revisable: matches!(
                q.fields.status,
                QuoteStatus::Sent | QuoteStatus::Declined | QuoteStatus::Superseded
            ),
            needs_approval: match q.fields.status {
                QuoteStatus::Draft => view
                    .approvals
                    .still_needed(&view.deal, q)
                    .map(|need| approver_chain(&need, &text))
                    .unwrap_or_default(),
                _ => String::new(),
            },
            approval: latest_approval(q).map(|a| approval_row(a, &text, &user, &chrome)),
            waiting: latest_approval(q).is_some_and(|a| a.fields.status == ApprovalStatus::Pending),
            promotions: q
                .fields
                .promotions
                .iter()
                .filter(|p| p.discount_minor > 0)
                .map(|p| {
                    let name = match &p.code {
                        Some(code) => format!("{} ({code})", p.name),
                        None => p.name.clone(),
                    };
                    (name, format!("−{}", money(p.discount_minor)))
                })
                .collect(),
            gifts: q
                .fields
                .promotions
                .iter()
                .filter_map(|p| p.gift.as_ref().map(|g| (p, g)))
                .map(|(p, g)| {
                    let product = view
                        .products
                        .iter()
                        .find(|product| product.id == g.product_id)
                        .map_or_else(|| p.name.clone(), |product| product.fields.name.clone());
                    format!("{} × {product} ({})", g.quantity, money(g.value_minor))
                })
                .collect(),
            to_pay: if q.totals.promotion_discount_minor > 0 {
                money(q.totals.total_minor)
            } else {
                String::new()
            },
            codes: q.fields.promotion_codes.join(", "),
        })
        .collect();
    let currency = view.deal.terms.amount.currency;
    let products = view
        .products
        .iter()
        .filter_map(|p| {
            let price = p.fields.price_in(currency)?;
            Some((
                p.id.to_string(),
                format!("{} · {} · {}", p.fields.sku, p.fields.name, money(price)),
            ))
        })
        .collect();
    let payment_terms = PaymentTerms::ALL
        .iter()
        .map(|t| (t.as_str(), text(format!("terms.{}", t.as_str()))))
        .collect();
    let quotable = view.deal.progress.status == closer_domain::playbook::DealStatus::Open;
    let may_start_quote = quotable && !view.quotes.iter().any(|q| q.fields.status == QuoteStatus::Draft);
    let notes = view
        .notes
        .iter()
        .map(|n| Line {
            id: String::new(),
            version: 0,
            when: chrome.day(n.meta.created_at),
            who: user(n.fields.author_id),
            text: n.fields.body.clone(),
            done: false,
        })
        .collect();
    let tasks = view
        .tasks
        .iter()
        .map(|t| Line {
            id: t.id.to_string(),
            version: t.meta.version,
            when: t.fields.due_on.map(|d| locale.date(d)).unwrap_or_default(),
            who: user(t.fields.assignee_id),
            text: t.fields.title.clone(),
            done: t.done,
        })
        .collect();
    let history = view
        .history
        .iter()
        .map(|e| Line {
            id: String::new(),
            version: 0,
            when: chrome.day(e.at),
            who: e.actor_id.map(user).unwrap_or_default(),
            text: describe_change(e),
            done: false,
        })
        .collect();
    let b2b_deal = view.deal.progress.kind == closer_domain::playbook::DealKind::B2b;
    let promotions_left_out = view
        .promotion_outcome
        .iter()
        .flat_map(|o| o.explanations.iter())
        .filter(|e| e.verdict != closer_domain::promotions::Verdict::Applied)
        .map(|e| {
            (
                e.name.clone(),
                text(format!("promotion_verdict.{}", e.verdict.as_str())),
            )
        })
        .collect();
    let now = crate::app::now();
    let contracts = view
        .contracts
        .iter()
        .map(|c| contract_row(c, &text, &chrome, &view.people, now))
        .collect();
    let mut signatory_choices: Vec<(String, String)> = if b2b_deal {
        view.committee
            .stakeholders
            .iter()
            .map(|s| {
                let id = s.fields.person_id;
                (id.to_string(), view.people.get(&id).cloned().unwrap_or_default())
            })
            .collect()
    } else {
        vec![(view.deal.terms.counterparty_id.to_string(), view.counterparty.clone())]
    };
    signatory_choices.dedup();
    let today = now.date();
    let invoices: Vec<InvoiceRow> = view
        .invoices
        .iter()
        .map(|i| {
            let f = &i.fields;
            InvoiceRow {
                id: i.id.to_string(),
                version: i.meta.version,
                number: f.number.clone().unwrap_or_default(),
                label: f.label.clone(),
                status: f.status.as_str(),
                status_label: text(format!("invoice_status.{}", f.status.as_str())),
                amount_due: money(f.amount_due_minor),
                outstanding_plain: super::deal_form::amount_text(&closer_domain::money::Money {
                    amount_minor: f.outstanding(),
                    currency: f.currency,
                }),
                paid: money(f.amount_paid_minor),
                due: f.due_date.map(|d| locale.date(d)).unwrap_or_default(),
                days_overdue: f.days_overdue(today),
                po_number: f.po_number.clone().unwrap_or_default(),
                draft: f.status == closer_domain::billing::InvoiceStatus::Draft,
                open: f.status == closer_domain::billing::InvoiceStatus::Open,
                payments: view
                    .payments
                    .iter()
                    .filter(|p| p.fields.invoice_id == i.id)
                    .map(|p| {
                        let refundable = p.fields.net_minor();
                        PaymentRow {
                            id: p.id.to_string(),
                            version: p.meta.version,
                            text: format!(
                                "{} · {} · {}",
                                text(format!("payment_method.{}", p.fields.method.as_str())),
                                money(p.fields.amount_minor - p.fields.refunded_minor),
                                text(format!("payment_status.{}", p.fields.status.as_str()))
                            ),
                            pending: matches!(
                                p.fields.status,
                                closer_domain::billing::PaymentStatus::Pending
                                    | closer_domain::billing::PaymentStatus::RequiresAction
                            ),
                            refundable_plain: if refundable > 0 {
                                super::deal_form::amount_text(&closer_domain::money::Money {
                                    amount_minor: refundable,
                                    currency: p.fields.currency,
                                })
                            } else {
                                String::new()
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let may_invoice = view.quotes.iter().any(|q| {
        q.fields.status == QuoteStatus::Accepted
            && !view.invoices.iter().any(|i| {
                i.fields.quote_id == Some(q.id) && i.fields.status != closer_domain::billing::InvoiceStatus::Void
            })
    });
    let payment_methods = closer_domain::billing::PaymentMethod::ALL
        .iter()
        .map(|m| (m.as_str(), text(format!("payment_method.{}", m.as_str()))))
        .collect();
    let refund_reasons = closer_domain::billing::RefundReason::ALL
        .iter()
        .map(|r| (r.as_str(), text(format!("refund_reason.{}", r.as_str()))))
        .collect();
    DealPage {
        deal_id: view.deal.id.to_string(),
        invoices,
        intros: Default::default(),
        endorsements: view
            .endorsements
            .iter()
            .map(|e| {
                (
                    text(format!("endorsement.{}", e.fields.kind.as_str())),
                    e.fields.by_person_id.map(person).unwrap_or_default(),
                    e.fields.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
        endorsement_kinds: closer_domain::relationships::EndorsementKind::ALL
            .iter()
            .map(|k| (k.as_str(), text(format!("endorsement.{}", k.as_str()))))
            .collect(),
        refund_reasons,
        may_invoice,
        payment_methods,
        contracts,
        signatory_choices,
        b2c: view.deal.progress.kind == closer_domain::playbook::DealKind::B2c,
        promotions_left_out,
        version: view.deal.meta.version,
        stages: view
            .playbook
            .stages
            .iter()
            .map(|s| {
                let name = translated(&chrome, &format!("stage.{}", s.key), &s.name);
                (s.id.to_string(), name, s.id == view.deal.progress.stage_id)
            })
            .collect(),
        lost_reasons: LostReason::ALL
            .iter()
            .map(|r| (r.as_str(), locale.text(&format!("lost_reason.{}", r.as_str()))))
            .collect(),
        may_override,
        refusal,
        people: choices.people,
        sellers: choices.sellers,
        seller_roles: closer_domain::team::SellerRole::ALL
            .iter()
            .map(|r| (r.as_str(), locale.text(&format!("seller_role.{}", r.as_str()))))
            .collect(),
        details: Details {
            title: view.deal.terms.title.clone(),
            amount: super::deal_form::amount_text(&view.deal.terms.amount),
            currency: view.deal.terms.amount.currency.code().to_owned(),
            expected_close: view
                .deal
                .terms
                .expected_close
                .map(|d| d.to_string())
                .unwrap_or_default(),
            lead_source: view
                .deal
                .terms
                .lead_source
                .map(|l| l.as_str().to_owned())
                .unwrap_or_default(),
            competitor: view.deal.terms.competitor.clone().unwrap_or_default(),
        },
        currencies: super::deal_form::CURRENCIES.to_vec(),
        lead_sources: closer_domain::deal::LeadSource::ALL
            .iter()
            .map(|l| (l.as_str(), locale.text(&format!("lead_source.{}", l.as_str()))))
            .collect(),
        buying_roles: BuyingRole::ALL
            .iter()
            .map(|r| (r.as_str(), locale.text(&format!("role.{}", r.as_str()))))
            .collect(),
        stances: Stance::ALL
            .iter()
            .map(|s| (s.as_str(), locale.text(&format!("stance.{}", s.as_str()))))
            .collect(),
        purposes: MeetingPurpose::ALL
            .iter()
            .map(|p| (p.as_str(), locale.text(&format!("purpose.{}", p.as_str()))))
            .collect(),
        venues: Venue::ALL
            .iter()
            .map(|v| (v.as_str(), locale.text(&format!("venue.{}", v.as_str()))))
            .collect(),
        invitees: view
            .committee
            .stakeholders
            .iter()
            .map(|s| (format!("person:{}", s.fields.person_id), person(s.fields.person_id)))
            .collect(),
        header,
        can_advance: view.gates.can_advance,
        gates,
        next_gates,
        recommendations,
        departments,
        single_threaded: view.committee.coverage.single_threaded,
        stakeholder_count: view.committee.stakeholders.len(),
        members,
        gap_count: coverage.iter().filter(|c| c.gap).count(),
        coverage,
        meetings,
        notes,
        tasks,
        history,
        quotes,
        products,
        payment_terms,
        quotable,
        may_start_quote,
        chrome,
    }
}

/// One audit row as a line: the action, and the field with its new value when there is one.
fn describe_change(entry: &closer_domain::audit::AuditEntry) -> String {
    let value = entry.new_value.as_ref().map(|v| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    match (&entry.field, value) {
        (Some(field), Some(value)) => format!("{} {field}: {value}", entry.action.as_str()),
        (Some(field), None) => format!("{} {field}", entry.action.as_str()),
        (None, _) => entry.action.as_str().to_owned(),
    }
}

/// The approvers of a need in order, parallel ones joined: "Sales manager → CFO + CEO".
fn approver_chain(need: &closer_domain::approvals::ApprovalNeed, text: &impl Fn(String) -> &'static str) -> String {
    let mut groups: Vec<(u8, Vec<&'static str>)> = Vec::new();
    for step in &need.chain {
        let label = text(format!("approver_role.{}", step.role.as_str()));
        match groups.last_mut() {
            Some((order, labels)) if *order == step.order => labels.push(label),
            _ => groups.push((step.order, vec![label])),
        }
    }
    groups
        .iter()
        .map(|(_, labels)| labels.join(" + "))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn approval_row(
    approval: &closer_domain::approvals::Approval,
    text: &impl Fn(String) -> &'static str,
    user: &impl Fn(closer_domain::ids::UserId) -> String,
    chrome: &Chrome,
) -> ApprovalRow {
    let now = crate::app::now();
    ApprovalRow {
        id: approval.id.to_string(),
        version: approval.meta.version,
        status: approval.fields.status.as_str(),
        status_label: text(format!("approval_status.{}", approval.fields.status.as_str())),
        pending: approval.fields.status == ApprovalStatus::Pending,
        steps: approval
            .fields
            .steps
            .iter()
            .map(|step| ApprovalStepRow {
                role: text(format!("approver_role.{}", step.role.as_str())),
                status: step.status.as_str(),
                status_label: text(format!("approval_step.{}", step.status.as_str())),
                decided: match (step.decided_by, step.decided_at) {
                    (Some(by), Some(at)) => format!("{} · {}", user(by), chrome.day(at)),
                    _ => String::new(),
                },
                comment: step.comment.clone().unwrap_or_default(),
                overdue: step.overdue(now),
            })
            .collect(),
    }
}

fn contract_row(
    contract: &closer_domain::contracts::Contract,
    text: &impl Fn(String) -> &'static str,
    chrome: &Chrome,
    people: &std::collections::HashMap<PartyId, String>,
    now: time::OffsetDateTime,
) -> ContractRow {
    use closer_domain::contracts::{ContractKind, ContractStatus, CustomerStepStatus};
    let f = &contract.fields;
    let b2c = f.kind == ContractKind::PersonalAgreement;
    let name = |id: &PartyId| people.get(id).cloned().unwrap_or_default();
    let action = |key: &'static str| (key, text(format!("contract_action.{key}")));
    let mut actions = match f.status {
        ContractStatus::Draft if b2c => vec![action("out_for_signature")],
        ContractStatus::Draft => vec![action("ready")],
        ContractStatus::ReadyToSend => vec![action("send_to_customer")],
        ContractStatus::CustomerApproved => vec![action("out_for_signature")],
        ContractStatus::OutForSignature => vec![action("signed"), action("declined"), action("voided")],
        ContractStatus::Executed => vec![action("terminate")],
        _ => Vec::new(),
    };
    let cooling = f.status == ContractStatus::Executed
        && matches!((f.cooling_off_days, f.executed_at), (Some(days), Some(at)) if now - at <= time::Duration::days(i64::from(days)));
    if f.live() && (f.status != ContractStatus::Executed || cooling) {
        actions.push(action("cancel"));
    }
    let signature = match (f.executed_at, f.signature.sent_at) {
        (Some(at), _) => format!("{} {}", text("contract.signed_on".into()), chrome.day(at)),
        (None, Some(at)) if f.status == ContractStatus::OutForSignature => {
            format!("{} {}", text("contract.out_since".into()), chrome.day(at))
        }
        _ => String::new(),
    };
    ContractRow {
        id: contract.id.to_string(),
        version: contract.meta.version,
        title: f.title.clone(),
        kind: text(format!("contract_kind.{}", f.kind.as_str())),
        status: f.status.as_str(),
        status_label: text(format!("contract_status.{}", f.status.as_str())),
        contract_version: f.contract_version,
        signature,
        signatories: f.their_signatory_ids.iter().map(name).collect::<Vec<_>>().join(", "),
        steps: f
            .customer_steps
            .iter()
            .enumerate()
            .map(|(index, step)| CustomerStepRow {
                index,
                order: step.order,
                function: text(format!("customer_function.{}", step.function.as_str())),
                approver: step.approver_id.as_ref().map(name).unwrap_or_default(),
                status: step.status.as_str(),
                status_label: text(format!("customer_step.{}", step.status.as_str())),
                expected_days: step.expected_days,
                slipping: step.slipping(now),
                notes: step.notes.clone().unwrap_or_default(),
                in_review: step.status == CustomerStepStatus::InReview,
            })
            .collect(),
        actions,
        redlining: f.status == ContractStatus::Redlining,
    }
}
