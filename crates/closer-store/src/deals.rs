//! Deals and their stage-transition log.

use closer_domain::access::ReadScope;
use closer_domain::deal::{Deal, DealProgress, DealTerms, LeadSource, LostReason};
use closer_domain::ids::{DealId, PartyId, PlaybookId, StageId, TeamId, UserId, WorkspaceId};
use closer_domain::money::{Currency, Money};
use closer_domain::playbook::{DealKind, DealStatus};
use closer_domain::record::Ownership;
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{self, Visibility};
use crate::db::{Backend, Conn, Result, StoreError};
use crate::records::{self, Deleted, Page, PageRequest, label, like_contains, optional_label};
use crate::schema::{DealHealthRows, DealKeys, DealStageTotals, DealTeamMembers, Deals, Parties, StageTransitions};

#[derive(FromRow)]
struct DealRow {
    id: Uuid,
    title: String,
    kind: String,
    counterparty_id: Uuid,
    playbook_id: Uuid,
    stage_id: Uuid,
    status: String,
    amount_minor: i64,
    currency: String,
    expected_close: Option<Date>,
    lead_source: Option<String>,
    owner_id: Uuid,
    competitor: Option<String>,
    stage_entered_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
    lost_reason: Option<String>,
    lost_note: Option<String>,
    team_id: Option<Uuid>,
    qualification: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
}

const COLUMNS: [Deals; 23] = [
    Deals::Id,
    Deals::Title,
    Deals::Kind,
    Deals::CounterpartyId,
    Deals::PlaybookId,
    Deals::StageId,
    Deals::Status,
    Deals::AmountMinor,
    Deals::Currency,
    Deals::ExpectedClose,
    Deals::LeadSource,
    Deals::OwnerId,
    Deals::Competitor,
    Deals::StageEnteredAt,
    Deals::ClosedAt,
    Deals::LostReason,
    Deals::LostNote,
    Deals::TeamId,
    Deals::Qualification,
    Deals::Version,
    Deals::CreatedAt,
    Deals::UpdatedAt,
    Deals::DeletedAt,
];

impl DealRow {
    fn into_deal(self) -> Result<Deal> {
        Ok(Deal {
            id: DealId(self.id),
            terms: DealTerms {
                title: self.title,
                counterparty_id: PartyId(self.counterparty_id),
                amount: Money {
                    amount_minor: self.amount_minor,
                    currency: Currency::parse(&self.currency).map_err(StoreError::Corrupt)?,
                },
                expected_close: self.expected_close,
                lead_source: optional_label(LeadSource::parse, self.lead_source.as_deref())?,
                competitor: self.competitor,
                qualification: serde_json::from_str(&self.qualification)
                    .map_err(|e| StoreError::Corrupt(format!("qualification: {e}")))?,
            },
            ownership: Ownership {
                owner_id: UserId(self.owner_id),
                team_id: self.team_id.map(TeamId),
            },
            progress: DealProgress {
                kind: label(DealKind::parse, &self.kind)?,
                playbook_id: PlaybookId(self.playbook_id),
                stage_id: StageId(self.stage_id),
                status: label(DealStatus::parse, &self.status)?,
                stage_entered_at: self.stage_entered_at,
                closed_at: self.closed_at,
                lost_reason: optional_label(LostReason::parse, self.lost_reason.as_deref())?,
                lost_note: self.lost_note,
            },
            meta: records::meta(self.version, self.created_at, self.updated_at, self.deleted_at),
        })
    }
}

fn values(deal: &Deal) -> Vec<(Deals, Expr)> {
    let (t, p) = (&deal.terms, &deal.progress);
    vec![
        (Deals::Title, t.title.clone().into()),
        (Deals::Kind, p.kind.as_str().into()),
        (Deals::CounterpartyId, t.counterparty_id.as_uuid().into()),
        (Deals::PlaybookId, p.playbook_id.as_uuid().into()),
        (Deals::StageId, p.stage_id.as_uuid().into()),
        (Deals::Status, p.status.as_str().into()),
        (Deals::AmountMinor, t.amount.amount_minor.into()),
        (Deals::Currency, t.amount.currency.code().to_owned().into()),
        (Deals::ExpectedClose, t.expected_close.into()),
        (Deals::LeadSource, t.lead_source.map(|s| s.as_str()).into()),
        (Deals::OwnerId, deal.ownership.owner_id.as_uuid().into()),
        (Deals::TeamId, deal.ownership.team_id.map(|t| t.as_uuid()).into()),
        (Deals::Competitor, t.competitor.clone().into()),
        (
            Deals::Qualification,
            serde_json::to_string(&t.qualification)
                .unwrap_or_else(|_| "{}".into())
                .into(),
        ),
        (Deals::StageEnteredAt, p.stage_entered_at.into()),
        (Deals::ClosedAt, p.closed_at.into()),
        (Deals::LostReason, p.lost_reason.map(|r| r.as_str()).into()),
        (Deals::LostNote, p.lost_note.clone().into()),
    ]
}

fn select(workspace: WorkspaceId) -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Deals::Table, c)))
        .from(Deals::Table)
        .and_where(Expr::col((Deals::Table, Deals::WorkspaceId)).eq(workspace.as_uuid()))
        .to_owned()
}

/// A deal by id, deleted or not.
pub async fn get(conn: Conn<'_>, workspace: WorkspaceId, id: DealId) -> Result<Option<Deal>> {
    let statement = select(workspace)
        .and_where(Expr::col((Deals::Table, Deals::Id)).eq(id.as_uuid()))
        .to_owned();
    conn.fetch_optional::<DealRow, _>(&statement)
        .await?
        .map(DealRow::into_deal)
        .transpose()
}

pub async fn insert(conn: Conn<'_>, workspace: WorkspaceId, deal: &Deal) -> Result<()> {
    records::insert_record(
        conn,
        Deals::Table,
        workspace,
        deal.id.as_uuid(),
        &deal.meta,
        values(deal),
    )
    .await
}

/// Writes a changed deal if it is still at `expected_version`; false when it is not.
pub async fn update(conn: Conn<'_>, workspace: WorkspaceId, deal: &Deal, expected_version: i64) -> Result<bool> {
    records::update_record(
        conn,
        Deals::Table,
        workspace,
        deal.id.as_uuid(),
        &deal.meta,
        expected_version,
        values(deal),
    )
    .await
}

/// Filters of the deal list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealFilter {
    pub kind: Option<DealKind>,
    pub status: Option<DealStatus>,
    pub stage_id: Option<StageId>,
    pub playbook_id: Option<PlaybookId>,
    pub owner_id: Option<UserId>,
    /// Deals the team owns.
    pub team_id: Option<TeamId>,
    /// Deals expected to close on or after this day, and on or before the next; either bound
    /// leaves out deals with no expected close.
    pub expected_close_from: Option<Date>,
    pub expected_close_to: Option<Date>,
    /// Deals whose counterparty is each of these parties (so two different ones match nothing).
    pub counterparties: Vec<PartyId>,
    /// Text in the deal title or in the counterparty's name, e-mails or phones.
    pub search: Option<String>,
    /// As the last health check found.
    pub rotting: Option<bool>,
    pub over_budget: Option<bool>,
    pub deleted: Deleted,
}

/// The deals `visibility` admits that match `filter`, one page.
pub async fn list(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &DealFilter,
    page: PageRequest,
) -> Result<Page<Deal>> {
    let mut statement = select(workspace);
    narrow(&mut statement, workspace, visibility, filter);
    records::scope_page(&mut statement, Deals::Table, workspace, filter.deleted, page);
    let rows: Vec<DealRow> = conn.fetch_all(&statement).await?;
    let deals = rows.into_iter().map(DealRow::into_deal).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(deals, page, |d| d.id.as_uuid()))
}

/// Open B2C deals from an inbound lead created in `[from, to)`, oldest first, at most `limit`
/// (speed to lead looks for the ones nobody has called yet).
pub async fn inbound_leads(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    from: OffsetDateTime,
    to: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Deal>> {
    let col = |c: Deals| Expr::col((Deals::Table, c));
    let statement = select(workspace)
        .and_where(col(Deals::Kind).eq(DealKind::B2c.as_str()))
        .and_where(col(Deals::Status).eq(DealStatus::Open.as_str()))
        .and_where(col(Deals::LeadSource).eq(closer_domain::deal::LeadSource::Inbound.as_str()))
        .and_where(col(Deals::CreatedAt).gte(from))
        .and_where(col(Deals::CreatedAt).lt(to))
        .and_where(col(Deals::DeletedAt).is_null())
        .order_by((Deals::Table, Deals::CreatedAt), sea_query::Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<DealRow> = conn.fetch_all(&statement).await?;
    rows.into_iter().map(DealRow::into_deal).collect()
}

/// How many deals of one stage in one currency, and their amounts added up.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StageTotal {
    pub stage_id: Uuid,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i64,
}

/// Counts and totals by stage and currency of the live deals in `stages` that `visibility`
/// admits and `filter` matches (a board's columns over any number of deals). Filtered by owner
/// or team only, they are added up from `deal_stage_totals`, which triggers keep on every write
/// to deals; other filters count the deals themselves.
pub async fn stage_totals(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &DealFilter,
    stages: &[StageId],
) -> Result<Vec<StageTotal>> {
    if stages.is_empty() {
        return Ok(Vec::new());
    }
    let by_owner_and_team_only = DealFilter {
        owner_id: filter.owner_id,
        team_id: filter.team_id,
        ..DealFilter::default()
    };
    if *filter != by_owner_and_team_only {
        return counted(conn, workspace, visibility, filter, stages).await;
    }
    let t = |c: DealStageTotals| Expr::col((DealStageTotals::Table, c));
    let mut statement = Query::select()
        .expr_as(t(DealStageTotals::StageId), Alias::new("stage_id"))
        .expr_as(t(DealStageTotals::Currency), Alias::new("currency"))
        .expr_as(
            Expr::cust(r#"CAST(SUM("deal_stage_totals"."deals") AS BIGINT)"#),
            Alias::new("deals"),
        )
        .expr_as(
            Expr::cust(r#"CAST(SUM("deal_stage_totals"."amount_minor") AS BIGINT)"#),
            Alias::new("amount_minor"),
        )
        .from(DealStageTotals::Table)
        .and_where(t(DealStageTotals::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(t(DealStageTotals::StageId).is_in(stages.iter().map(|s| s.as_uuid())))
        .group_by_col((DealStageTotals::Table, DealStageTotals::StageId))
        .group_by_col((DealStageTotals::Table, DealStageTotals::Currency))
        .and_having(Expr::cust(r#"SUM("deal_stage_totals"."deals")"#).gt(0))
        .to_owned();
    if let Some(owner) = filter.owner_id {
        statement.and_where(t(DealStageTotals::OwnerId).eq(owner.as_uuid()));
    }
    if let Some(team) = filter.team_id {
        statement.and_where(t(DealStageTotals::TeamKey).eq(team.as_uuid()));
    }
    let ReadScope::OwnedOrTeams { owner, teams, shared } = &visibility.deal else {
        return conn.fetch_all(&statement).await;
    };
    let team_ids: Vec<Uuid> = teams.iter().map(|t| t.as_uuid()).collect();
    let mut own = Cond::any().add(t(DealStageTotals::OwnerId).eq(owner.as_uuid()));
    if !team_ids.is_empty() {
        own = own.add(t(DealStageTotals::TeamKey).is_in(team_ids.clone()));
    }
    statement.cond_where(own);
    let mut totals: Vec<StageTotal> = conn.reborrow().fetch_all(&statement).await?;
    if *shared {
        // Deals they see through a place on the deal team, besides their own and their teams'.
        let col = |c: Deals| Expr::col((Deals::Table, c));
        let mut outside = stage_sums(workspace, stages);
        from_deal_teams_of(&mut outside, conn.backend(), workspace, *owner);
        outside.and_where(col(Deals::OwnerId).ne(owner.as_uuid()));
        if !team_ids.is_empty() {
            outside.cond_where(
                Cond::any()
                    .add(col(Deals::TeamId).is_null())
                    .add(col(Deals::TeamId).is_not_in(team_ids)),
            );
        }
        narrow(&mut outside, workspace, &Visibility::everything(workspace), filter);
        let extras: Vec<StageTotal> = conn.fetch_all(&outside).await?;
        for extra in extras {
            match totals
                .iter_mut()
                .find(|t| t.stage_id == extra.stage_id && t.currency == extra.currency)
            {
                Some(total) => {
                    total.deals += extra.deals;
                    total.amount_minor = total.amount_minor.saturating_add(extra.amount_minor);
                }
                None => totals.push(extra),
            }
        }
    }
    Ok(totals)
}

/// Makes `statement` read the deals on whose deal team `user` has a live place, starting from
/// those places (a few hundred) rather than from the deals: SQLite keeps a CROSS JOIN's order;
/// PostgreSQL, given a join, hashes every deal of the stage, so it gets the places as an array
/// and probes the deals' index with it.
fn from_deal_teams_of(statement: &mut SelectStatement, backend: Backend, workspace: WorkspaceId, user: UserId) {
    let m = |c: DealTeamMembers| Expr::col((DealTeamMembers::Table, c));
    let places = |select: &mut SelectStatement| {
        select
            .and_where(m(DealTeamMembers::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(m(DealTeamMembers::UserId).eq(user.as_uuid()))
            .and_where(m(DealTeamMembers::DeletedAt).is_null());
    };
    match backend {
        Backend::Sqlite => {
            statement.from(DealTeamMembers::Table).cross_join(Deals::Table);
            places(statement);
            statement.and_where(
                Expr::col((Deals::Table, Deals::Id)).equals((DealTeamMembers::Table, DealTeamMembers::DealId)),
            );
        }
        Backend::Postgres => {
            let mut ids = Query::select()
                .column((DealTeamMembers::Table, DealTeamMembers::DealId))
                .from(DealTeamMembers::Table)
                .to_owned();
            places(&mut ids);
            statement.from(Deals::Table).and_where(Expr::cust_with_exprs(
                "$1 = ANY(ARRAY $2)",
                [
                    Expr::col((Deals::Table, Deals::Id)),
                    Expr::SubQuery(None, Box::new(ids.into())),
                ],
            ));
        }
    }
}

/// The live deals of `stages` counted and summed by stage and currency, as [`StageTotal`] rows;
/// the caller names the tables (`deals`, maybe joined) and adds its conditions.
fn stage_sums(workspace: WorkspaceId, stages: &[StageId]) -> SelectStatement {
    let col = |c: Deals| Expr::col((Deals::Table, c));
    Query::select()
        .expr_as(col(Deals::StageId), Alias::new("stage_id"))
        .expr_as(col(Deals::Currency), Alias::new("currency"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("deals"))
        // PostgreSQL sums BIGINT as NUMERIC; both backends give BIGINT back this way.
        .expr_as(
            Expr::cust(r#"CAST(SUM("deals"."amount_minor") AS BIGINT)"#),
            Alias::new("amount_minor"),
        )
        .and_where(col(Deals::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(col(Deals::StageId).is_in(stages.iter().map(|s| s.as_uuid())))
        .and_where(col(Deals::DeletedAt).is_null())
        .group_by_col((Deals::Table, Deals::StageId))
        .group_by_col((Deals::Table, Deals::Currency))
        .to_owned()
}

/// Counts and totals added up from the deals themselves.
async fn counted(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &DealFilter,
    stages: &[StageId],
) -> Result<Vec<StageTotal>> {
    let mut statement = stage_sums(workspace, stages);
    statement.from(Deals::Table);
    narrow(&mut statement, workspace, visibility, filter);
    conn.fetch_all(&statement).await
}

/// The first `limit` live deals of one stage that `visibility` admits and `filter` matches, the
/// longest in the stage first.
///
/// Someone who sees only some deals gets them branch by branch (their own, each team's, those
/// whose deal team they are on), each read in stage order from its own index and cut at `limit`,
/// then merged: filtering the whole stage instead reads every deal in it when few are theirs.
pub async fn stage_cards(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    visibility: &Visibility,
    filter: &DealFilter,
    stage: StageId,
    limit: u64,
) -> Result<Vec<Deal>> {
    let col = |c: Deals| Expr::col((Deals::Table, c));
    let shaped = |statement: &mut SelectStatement| {
        statement
            .columns(COLUMNS.map(|c| (Deals::Table, c)))
            .and_where(col(Deals::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(col(Deals::StageId).eq(stage.as_uuid()))
            .and_where(col(Deals::DeletedAt).is_null())
            .order_by((Deals::Table, Deals::StageEnteredAt), Order::Asc)
            .order_by((Deals::Table, Deals::Id), Order::Asc)
            .limit(limit)
            .to_owned()
    };
    let in_stage = || shaped(Query::select().from(Deals::Table));
    let ReadScope::OwnedOrTeams { owner, teams, shared } = &visibility.deal else {
        let mut statement = in_stage();
        narrow(&mut statement, workspace, visibility, filter);
        let rows: Vec<DealRow> = conn.fetch_all(&statement).await?;
        return rows.into_iter().map(DealRow::into_deal).collect();
    };
    let everything = Visibility::everything(workspace);
    let mut branches = vec![in_stage().and_where(col(Deals::OwnerId).eq(owner.as_uuid())).to_owned()];
    for team in teams {
        branches.push(in_stage().and_where(col(Deals::TeamId).eq(team.as_uuid())).to_owned());
    }
    if *shared {
        let mut through_team = Query::select();
        from_deal_teams_of(&mut through_team, conn.backend(), workspace, *owner);
        branches.push(shaped(&mut through_team));
    }
    let mut cards: Vec<Deal> = Vec::new();
    for mut branch in branches {
        narrow(&mut branch, workspace, &everything, filter);
        let rows: Vec<DealRow> = conn.reborrow().fetch_all(&branch).await?;
        for row in rows {
            let deal = row.into_deal()?;
            if !cards.iter().any(|c| c.id == deal.id) {
                cards.push(deal);
            }
        }
    }
    cards.sort_by_key(|d| (d.progress.stage_entered_at, d.id.as_uuid()));
    cards.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(cards)
}

/// Adds to `statement` (over `deals`) what `visibility` hides and what `filter` asks for.
fn narrow(statement: &mut SelectStatement, workspace: WorkspaceId, visibility: &Visibility, filter: &DealFilter) {
    statement.cond_where(access::deals(visibility));
    let col = |c: Deals| Expr::col((Deals::Table, c));
    if let Some(kind) = filter.kind {
        statement.and_where(col(Deals::Kind).eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        statement.and_where(col(Deals::Status).eq(status.as_str()));
    }
    if let Some(stage) = filter.stage_id {
        statement.and_where(col(Deals::StageId).eq(stage.as_uuid()));
    }
    if let Some(playbook) = filter.playbook_id {
        statement.and_where(col(Deals::PlaybookId).eq(playbook.as_uuid()));
    }
    if let Some(owner) = filter.owner_id {
        statement.and_where(col(Deals::OwnerId).eq(owner.as_uuid()));
    }
    if let Some(team) = filter.team_id {
        statement.and_where(col(Deals::TeamId).eq(team.as_uuid()));
    }
    if let Some(from) = filter.expected_close_from {
        statement.and_where(col(Deals::ExpectedClose).gte(from));
    }
    if let Some(to) = filter.expected_close_to {
        statement.and_where(col(Deals::ExpectedClose).lte(to));
    }
    for party in &filter.counterparties {
        statement.and_where(col(Deals::CounterpartyId).eq(party.as_uuid()));
    }
    if let Some(needle) = &filter.search {
        let pattern = like_contains(needle);
        // Only parties the principal may see, so a search never reveals a hidden name.
        let matching_parties = access::visible_party_ids(workspace, visibility)
            .and_where(
                Expr::col((Parties::Table, Parties::SearchText)).like(LikeExpr::new(pattern.clone()).escape('\\')),
            )
            .to_owned();
        statement.and_where(
            Expr::expr(Func::lower(col(Deals::Title)))
                .like(LikeExpr::new(pattern).escape('\\'))
                .or(col(Deals::CounterpartyId).in_subquery(matching_parties)),
        );
    }
    for (flag, column) in [
        (filter.rotting, DealHealthRows::Rotting),
        (filter.over_budget, DealHealthRows::OverBudget),
    ] {
        if let Some(wanted) = flag {
            let flagged = Query::select()
                .column(DealHealthRows::DealId)
                .from(DealHealthRows::Table)
                .and_where(Expr::col(DealHealthRows::WorkspaceId).eq(workspace.as_uuid()))
                .and_where(Expr::col(column).eq(true))
                .to_owned();
            let condition = if wanted {
                col(Deals::Id).in_subquery(flagged)
            } else {
                col(Deals::Id).not_in_subquery(flagged)
            };
            statement.and_where(condition);
        }
    }
}

/// One entry of a deal's stage history; kept forever, it feeds the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageTransition {
    pub id: Uuid,
    pub deal_id: DealId,
    pub from_stage_id: Option<StageId>,
    pub to_stage_id: StageId,
    pub at: OffsetDateTime,
    pub actor_id: Option<UserId>,
    pub reason: Option<String>,
}

#[derive(FromRow)]
struct TransitionRow {
    id: Uuid,
    deal_id: Uuid,
    from_stage_id: Option<Uuid>,
    to_stage_id: Uuid,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    reason: Option<String>,
}

pub async fn insert_transition(conn: Conn<'_>, workspace: WorkspaceId, transition: &StageTransition) -> Result<()> {
    let statement = Query::insert()
        .into_table(StageTransitions::Table)
        .columns([
            StageTransitions::WorkspaceId,
            StageTransitions::Id,
            StageTransitions::DealId,
            StageTransitions::FromStageId,
            StageTransitions::ToStageId,
            StageTransitions::At,
            StageTransitions::ActorId,
            StageTransitions::Reason,
        ])
        .values_panic([
            workspace.as_uuid().into(),
            transition.id.into(),
            transition.deal_id.as_uuid().into(),
            transition.from_stage_id.map(|s| s.as_uuid()).into(),
            transition.to_stage_id.as_uuid().into(),
            transition.at.into(),
            transition.actor_id.map(|a| a.as_uuid()).into(),
            transition.reason.clone().into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// A deal's stage history, oldest first.
pub async fn transitions(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId) -> Result<Vec<StageTransition>> {
    let statement = Query::select()
        .columns([
            StageTransitions::Id,
            StageTransitions::DealId,
            StageTransitions::FromStageId,
            StageTransitions::ToStageId,
            StageTransitions::At,
            StageTransitions::ActorId,
            StageTransitions::Reason,
        ])
        .from(StageTransitions::Table)
        .and_where(Expr::col(StageTransitions::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(StageTransitions::DealId).eq(deal.as_uuid()))
        .order_by(StageTransitions::Id, Order::Asc)
        .to_owned();
    let rows: Vec<TransitionRow> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .map(|r| StageTransition {
            id: r.id,
            deal_id: DealId(r.deal_id),
            from_stage_id: r.from_stage_id.map(StageId),
            to_stage_id: StageId(r.to_stage_id),
            at: r.at,
            actor_id: r.actor_id.map(UserId),
            reason: r.reason,
        })
        .collect())
}

/// Ids of deals in other systems asked about in one statement.
const KEYS_PER_QUERY: usize = 500;

/// The live deals holding each of `keys` (ids in other systems, `source:id`).
pub async fn find_by_keys(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    keys: &[String],
) -> Result<std::collections::HashMap<String, DealId>> {
    #[derive(FromRow)]
    struct KeyRow {
        key_value: String,
        deal_id: Uuid,
    }
    let mut found = std::collections::HashMap::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let k = |c: DealKeys| Expr::col((DealKeys::Table, c));
        let statement = Query::select()
            .expr_as(k(DealKeys::KeyValue), Alias::new("key_value"))
            .expr_as(k(DealKeys::DealId), Alias::new("deal_id"))
            .from(DealKeys::Table)
            .inner_join(
                Deals::Table,
                Expr::col((Deals::Table, Deals::WorkspaceId))
                    .equals((DealKeys::Table, DealKeys::WorkspaceId))
                    .and(Expr::col((Deals::Table, Deals::Id)).equals((DealKeys::Table, DealKeys::DealId))),
            )
            .and_where(k(DealKeys::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(k(DealKeys::KeyValue).is_in(chunk.iter().map(String::as_str)))
            .and_where(Expr::col((Deals::Table, Deals::DeletedAt)).is_null())
            .to_owned();
        let rows: Vec<KeyRow> = conn.reborrow().fetch_all(&statement).await?;
        found.extend(rows.into_iter().map(|row| (row.key_value, DealId(row.deal_id))));
    }
    Ok(found)
}

/// Keeps a deal's id in another system; a key already held (by a deleted deal, say) passes to
/// this one.
pub async fn set_key(conn: Conn<'_>, workspace: WorkspaceId, deal: DealId, key: &str) -> Result<()> {
    let statement = Query::insert()
        .into_table(DealKeys::Table)
        .columns([DealKeys::WorkspaceId, DealKeys::KeyValue, DealKeys::DealId])
        .values_panic([workspace.as_uuid().into(), key.into(), deal.as_uuid().into()])
        .on_conflict(
            sea_query::OnConflict::columns([DealKeys::WorkspaceId, DealKeys::KeyValue])
                .update_column(DealKeys::DealId)
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}
