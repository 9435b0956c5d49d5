//! Table and column names, checked by the compiler wherever a statement is built.
//! Every column of the schema is listed, including those no statement reads yet.
#![allow(dead_code)]

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum Workspaces {
    Table,
    Id,
    Name,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    WorkspaceId,
    Id,
    Email,
    DisplayName,
    Role,
    PasswordHash,
    DisabledAt,
    Language,
    TimeZone,
    SharesConnections,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Parties {
    Table,
    WorkspaceId,
    Id,
    Kind,
    Name,
    LegalName,
    TaxId,
    Industry,
    EmployeeBand,
    Region,
    Website,
    Timezone,
    Emails,
    Phones,
    ParentId,
    RequiresPo,
    OwnerId,
    TeamId,
    SearchText,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Employments {
    Table,
    WorkspaceId,
    Id,
    PersonId,
    OrganisationId,
    Title,
    Department,
    Seniority,
    StartedOn,
    EndedOn,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Playbooks {
    Table,
    WorkspaceId,
    Id,
    Key,
    Name,
    Kind,
    AllowSkip,
    AllowBackward,
    CycleBudgetMinDays,
    CycleBudgetMaxDays,
    WonAt,
    IsDefault,
    Revision,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Stages {
    Table,
    WorkspaceId,
    Id,
    PlaybookId,
    Key,
    Name,
    Position,
    Status,
    Probability,
    TargetDays,
    RotDays,
    Guidance,
    Criteria,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Deals {
    Table,
    WorkspaceId,
    Id,
    Title,
    Kind,
    CounterpartyId,
    PlaybookId,
    StageId,
    Status,
    AmountMinor,
    Currency,
    ExpectedClose,
    LeadSource,
    OwnerId,
    Competitor,
    StageEnteredAt,
    ClosedAt,
    LostReason,
    LostNote,
    TeamId,
    Qualification,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum StageTransitions {
    Table,
    WorkspaceId,
    Id,
    DealId,
    FromStageId,
    ToStageId,
    At,
    ActorId,
    Reason,
}

#[derive(Iden, Clone, Copy)]
pub enum Notes {
    Table,
    WorkspaceId,
    Id,
    SubjectType,
    SubjectId,
    Body,
    AuthorId,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Tasks {
    Table,
    WorkspaceId,
    Id,
    Title,
    DueOn,
    AssigneeId,
    SubjectType,
    SubjectId,
    DoneAt,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditLog {
    Table,
    WorkspaceId,
    Id,
    At,
    ActorId,
    RequestId,
    EntityType,
    EntityId,
    Action,
    Field,
    OldValue,
    NewValue,
}

#[derive(Iden, Clone, Copy)]
pub enum IdempotencyKeys {
    Table,
    WorkspaceId,
    Scope,
    Key,
    RequestHash,
    StatusCode,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Teams {
    Table,
    WorkspaceId,
    Id,
    Name,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum TeamMembers {
    Table,
    WorkspaceId,
    TeamId,
    UserId,
    IsManager,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    TokenHash,
    WorkspaceId,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    ClientAddress,
    UserAgent,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    WorkspaceId,
    Id,
    UserId,
    Name,
    TokenHash,
    Scope,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginThrottle {
    Table,
    Key,
    WindowStartedAt,
    Failures,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessDefaults {
    Table,
    WorkspaceId,
    RecordType,
    Level,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Stakeholders {
    Table,
    WorkspaceId,
    Id,
    DealId,
    PersonId,
    Department,
    Roles,
    IsKeyPerson,
    Influence,
    Stance,
    ResponseMode,
    WinResult,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DealTeamMembers {
    Table,
    WorkspaceId,
    Id,
    DealId,
    UserId,
    Role,
    Covers,
    Access,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Meetings {
    Table,
    WorkspaceId,
    Id,
    DealId,
    Purpose,
    Venue,
    Location,
    Status,
    PlannedStart,
    PlannedEnd,
    ActualStart,
    ActualEnd,
    Objective,
    AgreedNextStep,
    NextStepDue,
    OutcomeNotes,
    VisitPlan,
    NegotiationPlan,
    RescheduledTo,
    OrganiserId,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum MeetingAttendees {
    Table,
    WorkspaceId,
    MeetingId,
    Position,
    Side,
    PersonId,
    UserId,
    Invite,
    Response,
    Attendance,
}

#[derive(Iden, Clone, Copy)]
pub enum DealStageTotals {
    Table,
    WorkspaceId,
    StageId,
    OwnerId,
    TeamKey,
    Currency,
    Deals,
    AmountMinor,
}

#[derive(Iden, Clone, Copy)]
#[iden = "deal_health"]
pub enum DealHealthRows {
    Table,
    WorkspaceId,
    DealId,
    CycleAgeDays,
    DaysInStage,
    LastActivityAt,
    Rotting,
    OverBudget,
    CheckedAt,
    OpenRecommendations,
}

#[derive(Iden, Clone, Copy)]
pub enum RecommendationDecisions {
    Table,
    WorkspaceId,
    DealId,
    Key,
    Decision,
    Reason,
    SnoozedUntil,
    DecidedBy,
    DecidedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Products {
    Table,
    WorkspaceId,
    Id,
    Sku,
    Name,
    Category,
    Description,
    Unit,
    Prices,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Quotes {
    Table,
    WorkspaceId,
    Id,
    DealId,
    Revision,
    Currency,
    Status,
    PaymentTerms,
    ValidUntil,
    Notes,
    SentAt,
    DecidedAt,
    ListTotalMinor,
    NetTotalMinor,
    Channel,
    PromotionCodes,
    Promotions,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum QuoteLines {
    Table,
    WorkspaceId,
    QuoteId,
    Position,
    ProductId,
    Description,
    Quantity,
    ListUnitPriceMinor,
    NetUnitPriceMinor,
}

#[derive(Iden, Clone, Copy)]
pub enum ApproverRoles {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Approvals {
    Table,
    WorkspaceId,
    Id,
    QuoteId,
    DealId,
    Revision,
    Reasons,
    DiscountBp,
    Status,
    RequestedBy,
    Justification,
    SlaHours,
    ApprovedValues,
    SubmittedAt,
    DecidedAt,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ApprovalSteps {
    Table,
    WorkspaceId,
    ApprovalId,
    Position,
    StepOrder,
    Role,
    Status,
    OpenedAt,
    DueAt,
    DecidedBy,
    DecidedAt,
    Comment,
}

#[derive(Iden, Clone, Copy)]
pub enum ApprovalMatrices {
    Table,
    WorkspaceId,
    Matrix,
    Version,
    UpdatedAt,
    UpdatedBy,
}

#[derive(Iden, Clone, Copy)]
pub enum PromotionCampaigns {
    Table,
    WorkspaceId,
    Id,
    Name,
    StartsAt,
    EndsAt,
    BudgetKind,
    BudgetLimit,
    BudgetCurrency,
    UsedCount,
    SpentMinor,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Promotions {
    Table,
    WorkspaceId,
    Id,
    Name,
    CampaignId,
    Code,
    Class,
    Reward,
    Eligibility,
    Currency,
    StartsAt,
    EndsAt,
    UsageLimitTotal,
    UsageLimitPerCustomer,
    CombinesWith,
    Priority,
    Status,
    UsedCount,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PromotionRedemptions {
    Table,
    WorkspaceId,
    Id,
    PromotionId,
    CampaignId,
    CustomerId,
    DealId,
    QuoteId,
    DiscountMinor,
    Currency,
    RedeemedAt,
    ReleasedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Contracts {
    Table,
    WorkspaceId,
    Id,
    DealId,
    Kind,
    Title,
    ContractVersion,
    Status,
    QuoteId,
    StartDate,
    EndDate,
    CoolingOffDays,
    OurSignatoryId,
    TheirSignatoryIds,
    CustomerSteps,
    Signature,
    ExecutedAt,
    EndedAt,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaperProcesses {
    Table,
    WorkspaceId,
    OrganisationId,
    Steps,
    LearnedFrom,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum BillingProfiles {
    Table,
    WorkspaceId,
    PartyId,
    Profile,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum InvoiceCounters {
    Table,
    WorkspaceId,
    LastNumber,
}

#[derive(Iden, Clone, Copy)]
pub enum Invoices {
    Table,
    WorkspaceId,
    Id,
    DealId,
    CustomerId,
    QuoteId,
    Number,
    Status,
    Currency,
    Label,
    AmountDueMinor,
    AmountPaidMinor,
    Due,
    PoNumber,
    IssueDate,
    DueDate,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Payments {
    Table,
    WorkspaceId,
    Id,
    InvoiceId,
    DealId,
    Method,
    Currency,
    AmountMinor,
    Status,
    Reference,
    ReceivedAt,
    RefundedMinor,
    Refunds,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Interactions {
    Table,
    WorkspaceId,
    Id,
    Kind,
    OccurredAt,
    Participants,
    ParticipantCount,
    TwoWay,
    FaceToFace,
    DurationSeconds,
    ExpiresAt,
    Source,
    SourceId,
    RecordedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum InteractionParticipants {
    Table,
    WorkspaceId,
    InteractionId,
    ParticipantId,
}

#[derive(Iden, Clone, Copy)]
pub enum Endorsements {
    Table,
    WorkspaceId,
    Id,
    DealId,
    Kind,
    ByPersonId,
    MeetingId,
    Note,
    RecordedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum IntroRequests {
    Table,
    WorkspaceId,
    Id,
    RequesterId,
    Connector,
    ConnectorId,
    TargetId,
    DealId,
    PathScore,
    Status,
    Message,
    RequestedAt,
    ExpiresAt,
    AnsweredAt,
    DeclineReason,
    MeetingId,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CallingJurisdictions {
    Table,
    WorkspaceId,
    Region,
    WindowStart,
    WindowEnd,
    ConsentRequired,
    UpdatedAt,
    UpdatedBy,
}

#[derive(Iden, Clone, Copy)]
pub enum DoNotCall {
    Table,
    WorkspaceId,
    Id,
    Phone,
    Scope,
    Source,
    Note,
    ExpiresAt,
    RecordedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Consents {
    Table,
    WorkspaceId,
    Id,
    PersonId,
    Channel,
    Granted,
    Purpose,
    Evidence,
    At,
    RecordedBy,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CallCampaigns {
    Table,
    WorkspaceId,
    Id,
    Name,
    Currency,
    Status,
    DialingMode,
    Rules,
    Script,
    ScriptVersion,
    TakesInboundLeads,
    OwnerId,
    TeamId,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CallScriptVersions {
    Table,
    WorkspaceId,
    CampaignId,
    ScriptVersion,
    Script,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CallEntries {
    Table,
    WorkspaceId,
    Id,
    CampaignId,
    PersonId,
    Phone,
    Timezone,
    Priority,
    Status,
    Attempts,
    LastAttemptAt,
    NextAttemptAt,
    WaitingSince,
    CallbackAgentId,
    ClaimedBy,
    ClaimedUntil,
    DealId,
    LeadAt,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum CallAttempts {
    Table,
    WorkspaceId,
    Id,
    CampaignId,
    EntryId,
    PersonId,
    AgentId,
    Disposition,
    ScriptVersion,
    StartedAt,
    EndedAt,
    TalkSeconds,
    Notes,
    CallbackAt,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PartyKeys {
    Table,
    WorkspaceId,
    KeyKind,
    KeyValue,
    PartyId,
}

#[derive(Iden, Clone, Copy)]
pub enum PendingBackfills {
    Table,
    Name,
}

#[derive(Iden, Clone, Copy)]
pub enum Imports {
    Table,
    WorkspaceId,
    Id,
    ActorId,
    Kind,
    Mode,
    Source,
    FileName,
    FileSha256,
    Settings,
    Status,
    RowsDone,
    Created,
    Updated,
    Skipped,
    Failed,
    SkippedBecause,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
    RevertedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ImportRows {
    Table,
    WorkspaceId,
    ImportId,
    RowNumber,
    EntityType,
    EntityId,
    Action,
}

#[derive(Iden, Clone, Copy)]
pub enum ImportErrors {
    Table,
    WorkspaceId,
    ImportId,
    RowNumber,
    Position,
    ColumnName,
    Reason,
}

#[derive(Iden, Clone, Copy)]
pub enum DealKeys {
    Table,
    WorkspaceId,
    KeyValue,
    DealId,
}
