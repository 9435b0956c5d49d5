//! The records of the core model as [`Resource`]s, and the checks of what they refer to.

use closer_domain::access::{Action, Owned, RecordType};
use closer_domain::activity::{Note, Subject, SubjectType, Task};
use closer_domain::approvals::Approval;
use closer_domain::billing::{Invoice, Payment};
use closer_domain::contracts::Contract;
use closer_domain::deal::Deal;
use closer_domain::ids::{
    ApprovalId, CallAttemptId, CallCampaignId, CampaignId, ConsentId, ContractId, DealTeamMemberId, DncEntryId,
    EndorsementId, InteractionId, IntroRequestId, InvoiceId, MeetingId, PaymentId, ProductId, PromotionId, QuoteId,
    StakeholderId,
};
use closer_domain::ids::{DealId, EmploymentId, NoteId, PartyId, TaskId, UserId, WorkspaceId};
use closer_domain::meeting::Meeting;
use closer_domain::party::{Employment, Organisation, PartyKind, Person};
use closer_domain::pricing::{Product, Quote};
use closer_domain::promotions::{Campaign, Promotion};
use closer_domain::record::{Ownership, RecordMeta};
use closer_domain::relationships::{Endorsement, Interaction, IntroRequest};
use closer_domain::team::DealTeamMember;
use closer_domain::telemarketing::{CallAttempt, Campaign as CallCampaign, Consent, DncEntry};
use closer_domain::{FieldError, ValidationErrors};
use closer_store::records::RecordTable;
use closer_store::stakeholders::StoredStakeholder;
use closer_store::{
    Conn, StoreError, approvals, billing, call_campaigns, call_registers, contracts, deal_team, deals, employments,
    endorsements, interactions, intro_requests, meetings, notes, parties, products, promotions, quotes, stakeholders,
    tasks, users,
};
use uuid::Uuid;

use super::records::{Decision, decide};
use super::{AppError, AppResult, Ctx, Guard, Resource};

macro_rules! resource {
    ($ty:ty, $entity:literal, $table:ident, $id:ident, $load:path, $insert:path, $update:path, |$r:ident| $guard:expr) => {
        impl Resource for $ty {
            const ENTITY: &'static str = $entity;
            const TABLE: RecordTable = RecordTable::$table;

            fn id(&self) -> Uuid {
                self.id.as_uuid()
            }

            fn meta(&self) -> &RecordMeta {
                &self.meta
            }

            fn meta_mut(&mut self) -> &mut RecordMeta {
                &mut self.meta
            }

            fn guard(&self) -> Guard {
                let $r = self;
                $guard
            }

            async fn load(conn: Conn<'_>, workspace: WorkspaceId, id: Uuid) -> Result<Option<Self>, StoreError> {
                $load(conn, workspace, $id(id)).await
            }

            async fn insert(&self, conn: Conn<'_>, workspace: WorkspaceId) -> Result<(), StoreError> {
                $insert(conn, workspace, self).await
            }

            async fn update(
                &self,
                conn: Conn<'_>,
                workspace: WorkspaceId,
                expected_version: i64,
            ) -> Result<bool, StoreError> {
                $update(conn, workspace, self, expected_version).await
            }
        }
    };
}

fn owned(record_type: RecordType, ownership: &Ownership, id: Uuid) -> Guard {
    Guard::Owned(
        Owned {
            record_type,
            owner: ownership.owner_id,
            team: ownership.team_id,
            shared: None,
        },
        id,
    )
}

resource!(
    Person,
    "person",
    Parties,
    PartyId,
    parties::get_person,
    parties::insert_person,
    parties::update_person,
    |p| owned(p.record_type, &p.ownership, p.id.as_uuid())
);
resource!(
    Organisation,
    "organisation",
    Parties,
    PartyId,
    parties::get_organisation,
    parties::insert_organisation,
    parties::update_organisation,
    |o| owned(RecordType::Organisation, &o.ownership, o.id.as_uuid())
);
resource!(
    Employment,
    "employment",
    Employments,
    EmploymentId,
    employments::get,
    employments::insert,
    employments::update,
    |e| Guard::Part(Subject {
        kind: SubjectType::Person,
        id: e.fields.person_id.as_uuid()
    })
);
resource!(
    Deal,
    "deal",
    Deals,
    DealId,
    deals::get,
    deals::insert,
    deals::update,
    |d| owned(RecordType::Deal, &d.ownership, d.id.as_uuid())
);
resource!(
    Note,
    "note",
    Notes,
    NoteId,
    notes::get,
    notes::insert,
    notes::update,
    |n| Guard::Child {
        parent: n.fields.subject,
        author: Some(n.fields.author_id)
    }
);
resource!(
    Task,
    "task",
    Tasks,
    TaskId,
    tasks::get,
    tasks::insert,
    tasks::update,
    |t| match t.fields.subject() {
        Some(subject) => Guard::Child {
            parent: subject,
            author: Some(t.fields.assignee_id)
        },
        None => Guard::Personal(t.fields.assignee_id),
    }
);

fn part_of_deal(deal: DealId) -> Guard {
    Guard::Part(Subject {
        kind: SubjectType::Deal,
        id: deal.as_uuid(),
    })
}

resource!(
    StoredStakeholder,
    "stakeholder",
    Stakeholders,
    StakeholderId,
    stakeholders::get,
    stakeholders::insert,
    stakeholders::update,
    |s| part_of_deal(s.fields.deal_id)
);
resource!(
    DealTeamMember,
    "deal_team_member",
    DealTeamMembers,
    DealTeamMemberId,
    deal_team::get,
    deal_team::insert,
    deal_team::update,
    |m| part_of_deal(m.fields.deal_id)
);
resource!(
    Interaction,
    "interaction",
    Interactions,
    InteractionId,
    interactions::get,
    interactions::insert,
    interactions::update,
    |i| interaction_guard(i)
);

resource!(
    Endorsement,
    "endorsement",
    Endorsements,
    EndorsementId,
    endorsements::get,
    endorsements::insert,
    endorsements::update,
    |e| part_of_deal(e.fields.deal_id)
);

resource!(
    IntroRequest,
    "intro_request",
    IntroRequests,
    IntroRequestId,
    intro_requests::get,
    intro_requests::insert,
    intro_requests::update,
    |r| Guard::Between(
        [Some(r.fields.requester_id), r.fields.connector.user_id]
            .into_iter()
            .flatten()
            .collect()
    )
);

resource!(
    DncEntry,
    "do_not_call_entry",
    DoNotCall,
    DncEntryId,
    call_registers::get_dnc,
    call_registers::insert_dnc,
    call_registers::update_dnc,
    |_e| Guard::Register
);

resource!(
    Consent,
    "consent",
    Consents,
    ConsentId,
    call_registers::get_consent,
    call_registers::insert_consent,
    call_registers::update_consent,
    |c| Guard::Child {
        parent: Subject {
            kind: SubjectType::Person,
            id: c.fields.person_id.as_uuid(),
        },
        author: Some(c.fields.recorded_by),
    }
);

resource!(
    CallCampaign,
    "call_campaign",
    CallCampaigns,
    CallCampaignId,
    call_campaigns::get_campaign,
    call_campaigns::insert_campaign,
    call_campaigns::update_campaign,
    |_c| Guard::Catalogue
);

resource!(
    CallAttempt,
    "call_attempt",
    CallAttempts,
    CallAttemptId,
    call_campaigns::get_attempt,
    call_campaigns::insert_attempt,
    call_campaigns::update_attempt,
    |a| Guard::Personal(a.fields.agent_id)
);

/// An interaction is read with the first person in it, and by whoever recorded it; an
/// interaction among colleagues only is its recorder's.
fn interaction_guard(interaction: &Interaction) -> Guard {
    let person = interaction.fields.participants.iter().find_map(|p| p.person_id);
    match person {
        Some(person) => Guard::Child {
            parent: Subject {
                kind: SubjectType::Person,
                id: person.as_uuid(),
            },
            author: Some(interaction.fields.recorded_by),
        },
        None => Guard::Personal(interaction.fields.recorded_by),
    }
}

resource!(
    Meeting,
    "meeting",
    Meetings,
    MeetingId,
    meetings::get,
    meetings::insert,
    meetings::update,
    |m| Guard::Meeting {
        deal: m.fields.deal_id,
        organiser: m.fields.organiser_id,
        sellers: m.fields.attendees.iter().filter_map(|a| a.user_id).collect(),
    }
);

resource!(
    Product,
    "product",
    Products,
    ProductId,
    products::get,
    products::insert,
    products::update,
    |_p| Guard::Catalogue
);
resource!(
    Quote,
    "quote",
    Quotes,
    QuoteId,
    quotes::get,
    quotes::insert,
    quotes::update,
    |q| part_of_deal(q.fields.deal_id)
);
resource!(
    Promotion,
    "promotion",
    Promotions,
    PromotionId,
    promotions::get,
    promotions::insert,
    promotions::update,
    |_p| Guard::Catalogue
);
resource!(
    Campaign,
    "campaign",
    PromotionCampaigns,
    CampaignId,
    promotions::get_campaign,
    promotions::insert_campaign,
    promotions::update_campaign,
    |_c| Guard::Catalogue
);
resource!(
    Contract,
    "contract",
    Contracts,
    ContractId,
    contracts::get,
    contracts::insert,
    contracts::update,
    |c| part_of_deal(c.fields.deal_id)
);
resource!(
    Invoice,
    "invoice",
    Invoices,
    InvoiceId,
    billing::get_invoice,
    billing::insert_invoice,
    billing::update_invoice,
    |i| part_of_deal(i.fields.deal_id)
);
resource!(
    Payment,
    "payment",
    Payments,
    PaymentId,
    billing::get_payment,
    billing::insert_payment,
    billing::update_payment,
    |p| part_of_deal(p.fields.deal_id)
);
resource!(
    Approval,
    "approval",
    Approvals,
    ApprovalId,
    approvals::get,
    approvals::insert,
    approvals::update,
    |a| part_of_deal(a.fields.deal_id)
);

/// Records whose owner and team change only through the assign action.
pub trait Assignable: Resource {
    fn ownership(&self) -> Ownership;
    fn set_ownership(&mut self, ownership: Ownership);
}

macro_rules! assignable {
    ($($ty:ty),*) => {$(
        impl Assignable for $ty {
            fn ownership(&self) -> Ownership {
                self.ownership
            }

            fn set_ownership(&mut self, ownership: Ownership) {
                self.ownership = ownership;
            }
        }
    )*};
}

assignable!(Person, Organisation, Deal);

/// Collects problems with what a draft refers to (owners, parties, subjects), to be reported
/// together with the draft's own field errors. A record the principal may not see counts as
/// missing, so references never reveal hidden records.
#[derive(Default)]
pub struct References {
    errors: Vec<FieldError>,
    /// True while every problem found is a reference to a record that does not exist.
    only_missing: bool,
}

impl References {
    pub fn new() -> Self {
        Self {
            errors: Vec::new(),
            only_missing: true,
        }
    }

    /// A reference of the wrong kind, or otherwise unusable.
    pub fn push_error(&mut self, field: &str, message: impl Into<String>) {
        self.only_missing = false;
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// A reference to a record that does not exist (or is deleted, or hidden).
    pub fn missing(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// The user must exist and be active.
    pub async fn user(
        &mut self,
        mut conn: Conn<'_>,
        workspace: WorkspaceId,
        field: &str,
        id: Option<UserId>,
    ) -> AppResult<()> {
        if let Some(id) = id
            && !users::exists(conn.reborrow(), workspace, id).await?
        {
            self.missing(field, format!("no such user: {id}"));
        }
        Ok(())
    }

    /// The kind of a live party the principal may see (None after reporting it missing).
    pub async fn visible_party(
        &mut self,
        ctx: &Ctx,
        mut conn: Conn<'_>,
        field: &str,
        id: PartyId,
    ) -> AppResult<Option<PartyKind>> {
        let kind = parties::live_kind(conn.reborrow(), ctx.workspace, id).await?;
        let visible = match kind {
            None => false,
            Some(kind) => {
                let subject_type = match kind {
                    PartyKind::Person => SubjectType::Person,
                    PartyKind::Organisation => SubjectType::Organisation,
                };
                let guard = Guard::Child {
                    parent: Subject {
                        kind: subject_type,
                        id: id.as_uuid(),
                    },
                    author: None,
                };
                decide(ctx, conn, guard, Action::Read).await? != Decision::Hidden
            }
        };
        if !visible {
            self.missing(field, format!("no such person or organisation: {id}"));
            return Ok(None);
        }
        Ok(kind)
    }

    /// The party must exist, be visible and be of `kind`.
    pub async fn party(
        &mut self,
        ctx: &Ctx,
        conn: Conn<'_>,
        field: &str,
        id: PartyId,
        kind: PartyKind,
    ) -> AppResult<()> {
        match self.visible_party(ctx, conn, field, id).await? {
            Some(found) if found != kind => self.push_error(field, format!("{id} is a {found}, not a {kind}")),
            _ => {}
        }
        Ok(())
    }

    /// The subject of a note or task must exist, be live and be visible.
    pub async fn subject(&mut self, ctx: &Ctx, mut conn: Conn<'_>, subject: Subject) -> AppResult<()> {
        let live = match subject.kind {
            SubjectType::Deal => deals::get(conn.reborrow(), ctx.workspace, DealId(subject.id))
                .await?
                .is_some_and(|d| d.meta.deleted_at.is_none()),
            SubjectType::Person | SubjectType::Organisation => {
                let expected = if subject.kind == SubjectType::Person {
                    PartyKind::Person
                } else {
                    PartyKind::Organisation
                };
                parties::live_kind(conn.reborrow(), ctx.workspace, PartyId(subject.id)).await? == Some(expected)
            }
        };
        let guard = Guard::Child {
            parent: subject,
            author: None,
        };
        if !live || decide(ctx, conn, guard, Action::Read).await? == Decision::Hidden {
            self.missing("subject_id", format!("no such {}: {}", subject.kind, subject.id));
        }
        Ok(())
    }

    /// Ends the checks with a missing record that stops the draft from being parsed at all.
    pub fn fail_missing(mut self, field: &str, message: impl Into<String>) -> AppError {
        self.missing(field, message);
        self.into_error()
    }

    fn into_error(self) -> AppError {
        if self.only_missing {
            AppError::MissingReference(ValidationErrors(self.errors))
        } else {
            AppError::Invalid(ValidationErrors(self.errors))
        }
    }

    /// The parsed value when neither the references nor the draft had a problem. Otherwise every
    /// problem at once: as missing references (404) when that is all there is, else as invalid
    /// input (422).
    pub fn merge<T>(self, parsed: Result<T, ValidationErrors>) -> AppResult<T> {
        match parsed {
            Ok(value) if self.errors.is_empty() => Ok(value),
            Ok(_) => Err(self.into_error()),
            Err(ValidationErrors(mut errors)) => {
                errors.extend(self.errors);
                Err(AppError::Invalid(ValidationErrors(errors)))
            }
        }
    }
}
