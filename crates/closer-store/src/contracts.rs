//! Contracts of deals, and the paper process each organisation is known to follow. A contract
//! row carries its customer approval chain and its signature envelope as JSON documents: they
//! are always read and written with the contract.

use closer_domain::contracts::{
    Contract, ContractFields, ContractKind, ContractStatus, CustomerStep, CustomerStepDraft, Signature,
};
use closer_domain::ids::{ContractId, DealId, PartyId, QuoteId, UserId, WorkspaceId};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};
use crate::records::{self, label};
use crate::schema::{Contracts, PaperProcesses};

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("contract {what}: {error}"))
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    deal_id: Uuid,
    kind: String,
    title: String,
    contract_version: i64,
    status: String,
    quote_id: Option<Uuid>,
    start_date: Option<Date>,
    end_date: Option<Date>,
    cooling_off_days: Option<i64>,
    our_signatory_id: Option<Uuid>,
    their_signatory_ids: String,
    customer_steps: String,
    signature: String,
    executed_at: Option<OffsetDateTime>,
    ended_at: Option<OffsetDateTime>,
    notes: Option<String>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

impl Row {
    fn into_contract(self) -> Result<Contract> {
        let their: Vec<PartyId> =
            serde_json::from_str(&self.their_signatory_ids).map_err(|e| corrupt("signatories", e))?;
        let steps: Vec<CustomerStep> = serde_json::from_str(&self.customer_steps).map_err(|e| corrupt("steps", e))?;
        let signature: Signature = serde_json::from_str(&self.signature).map_err(|e| corrupt("signature", e))?;
        Ok(Contract {
            id: ContractId(self.id),
            fields: ContractFields {
                deal_id: DealId(self.deal_id),
                kind: label(ContractKind::parse, &self.kind)?,
                title: self.title,
                contract_version: self.contract_version,
                status: label(ContractStatus::parse, &self.status)?,
                quote_id: self.quote_id.map(QuoteId),
                start_date: self.start_date,
                end_date: self.end_date,
                cooling_off_days: self
                    .cooling_off_days
                    .map(|d| u16::try_from(d).map_err(|e| corrupt("cooling-off days", e)))
                    .transpose()?,
                our_signatory_id: self.our_signatory_id.map(UserId),
                their_signatory_ids: their,
                customer_steps: steps,
                signature,
                executed_at: self.executed_at,
                ended_at: self.ended_at,
                notes: self.notes,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns([
            Contracts::Id,
            Contracts::DealId,
            Contracts::Kind,
            Contracts::Title,
            Contracts::ContractVersion,
            Contracts::Status,
            Contracts::QuoteId,
            Contracts::StartDate,
            Contracts::EndDate,
            Contracts::CoolingOffDays,
            Contracts::OurSignatoryId,
            Contracts::TheirSignatoryIds,
            Contracts::CustomerSteps,
            Contracts::Signature,
            Contracts::ExecutedAt,
            Contracts::EndedAt,
            Contracts::Notes,
            Contracts::Version,
            Contracts::CreatedAt,
            Contracts::UpdatedAt,
            Contracts::DeletedAt,
        ])
        .from(Contracts::Table)
        .and_where(Expr::col(Contracts::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned()
}

fn values(contract: &Contract) -> Vec<(Contracts, Expr)> {
    let f = &contract.fields;
    vec![
        (Contracts::DealId, f.deal_id.as_uuid().into()),
        (Contracts::Kind, f.kind.as_str().into()),
        (Contracts::Title, f.title.clone().into()),
        (Contracts::ContractVersion, f.contract_version.into()),
        (Contracts::Status, f.status.as_str().into()),
        (Contracts::QuoteId, f.quote_id.map(|q| q.as_uuid()).into()),
        (Contracts::StartDate, f.start_date.into()),
        (Contracts::EndDate, f.end_date.into()),
        (Contracts::CoolingOffDays, f.cooling_off_days.map(i64::from).into()),
        (
            Contracts::OurSignatoryId,
            f.our_signatory_id.map(|u| u.as_uuid()).into(),
        ),
        (
            Contracts::TheirSignatoryIds,
            records::json_text(&f.their_signatory_ids).into(),
        ),
        (Contracts::CustomerSteps, records::json_text(&f.customer_steps).into()),
        (Contracts::Signature, records::json_text(&f.signature).into()),
        (Contracts::ExecutedAt, f.executed_at.into()),
        (Contracts::EndedAt, f.ended_at.into()),
        (Contracts::Notes, f.notes.clone().into()),
    ]
}

pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: ContractId) -> Result<Option<Contract>> {
    let statement = select(workspace)
        .and_where(Expr::col(Contracts::Id).eq(id.as_uuid()))
        .to_owned();
    let row: Option<Row> = conn.fetch_optional(&statement).await?;
    row.map(Row::into_contract).transpose()
}

/// The live contracts of several deals, oldest first.
pub async fn for_deals(conn: Conn<'_>, workspace: WorkspaceId, deals: &[DealId]) -> Result<Vec<Contract>> {
    if deals.is_empty() {
        return Ok(Vec::new());
    }
    let statement = select(workspace)
        .and_where(Expr::col(Contracts::DealId).is_in(deals.iter().map(|d| d.as_uuid()).collect::<Vec<_>>()))
        .and_where(Expr::col(Contracts::DeletedAt).is_null())
        .order_by(Contracts::CreatedAt, Order::Asc)
        .order_by(Contracts::Id, Order::Asc)
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(Row::into_contract).collect()
}

pub async fn for_deal(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<Contract>> {
    for_deals(conn, workspace, &[deal]).await
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, contract: &Contract) -> Result<()> {
    records::insert_record(
        conn,
        Contracts::Table,
        workspace,
        contract.id.as_uuid(),
        &contract.meta,
        values(contract),
    )
    .await
}

pub async fn update(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    contract: &Contract,
    expected_version: i64,
) -> Result<bool> {
    records::update_record(
        conn,
        Contracts::Table,
        workspace,
        contract.id.as_uuid(),
        &contract.meta,
        expected_version,
        values(contract),
    )
    .await
}

/// The approval chain an organisation's last signed contract went through.
pub async fn paper_process(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    organisation: PartyId,
) -> Result<Option<Vec<CustomerStepDraft>>> {
    #[derive(FromRow)]
    struct Stored {
        steps: String,
    }
    let statement = Query::select()
        .column(PaperProcesses::Steps)
        .from(PaperProcesses::Table)
        .and_where(Expr::col(PaperProcesses::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(PaperProcesses::OrganisationId).eq(organisation.as_uuid()))
        .to_owned();
    let row: Option<Stored> = conn.fetch_optional(&statement).await?;
    row.map(|r| serde_json::from_str(&r.steps).map_err(|e| corrupt("paper process", e)))
        .transpose()
}

/// Remembers the chain `contract` went through as the organisation's paper process.
pub async fn remember_paper_process(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    organisation: PartyId,
    contract: &Contract,
    now: OffsetDateTime,
) -> Result<()> {
    let steps = records::json_text(&contract.fields.paper_process());
    let statement = Query::insert()
        .into_table(PaperProcesses::Table)
        .columns([
            PaperProcesses::WorkspaceId,
            PaperProcesses::OrganisationId,
            PaperProcesses::Steps,
            PaperProcesses::LearnedFrom,
            PaperProcesses::UpdatedAt,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            organisation.as_uuid().into(),
            steps.into(),
            contract.id.as_uuid().into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([PaperProcesses::WorkspaceId, PaperProcesses::OrganisationId])
                .update_columns([
                    PaperProcesses::Steps,
                    PaperProcesses::LearnedFrom,
                    PaperProcesses::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}
