//! Typed identifiers. Every id is a UUIDv7 made by the caller (time-ordered, so any server can
//! make one and keyset pagination by id follows creation order).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

typed_id!(
    /// The tenant: every row belongs to exactly one workspace.
    WorkspaceId,
    /// A user of Closer (our side of the table).
    UserId,
    /// A person or an organisation.
    PartyId,
    EmploymentId,
    DealId,
    PlaybookId,
    StageId,
    NoteId,
    TaskId,
    AuditId,
    TeamId,
    StakeholderId,
    DealTeamMemberId,
    MeetingId,
    /// An API token (its id, not its secret).
    TokenId,
    ProductId,
    QuoteId,
    /// A request for our side's approval of a quote.
    ApprovalId,
    PromotionId,
    /// A promotion campaign, with its budget.
    CampaignId,
    /// One use of a promotion by a customer.
    RedemptionId,
    ContractId,
    InvoiceId,
    PaymentId,
    /// One interaction between people (metadata only).
    InteractionId,
    /// A request to a connector for a warm introduction.
    IntroRequestId,
    EndorsementId,
    /// A file imported (people, organisations…), kept to resume and to revert it.
    ImportId,
    /// A number on a do-not-call list.
    DncEntryId,
    /// A customer's consent to be contacted on a channel, or its withdrawal.
    ConsentId,
    /// A telemarketing campaign: its script and dialling rules.
    CallCampaignId,
    /// One person to call in a campaign.
    CallEntryId,
    /// One call made to an entry, with its disposition.
    CallAttemptId,
);
