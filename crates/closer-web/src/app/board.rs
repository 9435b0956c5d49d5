//! The pipeline board of a playbook: its open deals by stage, with what a card shows.

use std::collections::{BTreeMap, HashMap};

use closer_domain::cycle::DealHealth;
use closer_domain::deal::Deal;
use closer_domain::ids::{PlaybookId, StageId, TeamId, UserId};
use closer_domain::playbook::{DealKind, DealStatus, Playbook, Stage};
use closer_store::deals::{self, DealFilter};
use closer_store::{deal_health, parties, playbooks, teams, users};
use time::Date;

use super::{AppResult, Ctx};

/// Cards a column shows before it offers the rest on demand.
pub const CARDS_PER_COLUMN: usize = 50;
/// Cards an expanded column shows at most; a stage larger than this needs filters.
const EXPANDED_LIMIT: usize = 2_000;

/// A deal as its card shows it.
#[derive(Debug, Clone)]
pub struct BoardCard {
    pub deal: Deal,
    pub counterparty: String,
    pub owner: String,
    /// As the last deal-health run found; `None` before the first run.
    pub health: Option<DealHealth>,
    /// Next best actions open when they were last worked out; `None` before that.
    pub open_recommendations: Option<i64>,
    /// The stages a card can be moved to from the board: the open and won stages of the deal's
    /// playbook revision (losing a deal asks for a reason, in the deal workspace).
    pub targets: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub stage: Stage,
    /// Every open deal in the stage the caller may see (and the filters admit).
    pub count: usize,
    /// Amounts by currency code, over every deal in the stage.
    pub totals: BTreeMap<String, i64>,
    /// The first [`CARDS_PER_COLUMN`] cards (up to [`EXPANDED_LIMIT`] in the expanded column),
    /// the longest in the stage first.
    pub cards: Vec<BoardCard>,
}

#[derive(Debug, Clone)]
pub struct Board {
    /// The playbooks new deals start in, one tab each.
    pub playbooks: Vec<Playbook>,
    pub playbook: Playbook,
    pub columns: Vec<BoardColumn>,
    /// Everyone who can own deals, by name, for the owner filter.
    pub owners: Vec<(UserId, String)>,
    /// Every team, by name, for the team filter.
    pub teams: Vec<(TeamId, String)>,
}

/// Which board, and which of its deals.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter<'a> {
    /// The playbook's key; the first default playbook (of `kind`, when given) when `None`.
    pub playbook: Option<&'a str>,
    /// Only playbooks of this kind are offered.
    pub kind: Option<DealKind>,
    pub owner: Option<UserId>,
    pub team: Option<TeamId>,
    pub expected_close_from: Option<Date>,
    pub expected_close_to: Option<Date>,
    /// The stage whose column shows all its cards.
    pub expanded: Option<&'a str>,
}

/// The board `filter` asks for (`None` when there is no such playbook), showing only the deals
/// the caller may see. Deals on older revisions of the playbook sit in the column of the stage
/// with the same key.
pub async fn load(ctx: &Ctx, filter: &BoardFilter<'_>) -> AppResult<Option<Board>> {
    let expanded = filter.expanded;
    let mut conn = ctx.db.acquire().await?;
    let all = playbooks::list(conn.conn(), ctx.workspace).await?;
    let mut current: Vec<Playbook> = all
        .iter()
        .filter(|p| p.is_default && filter.kind.is_none_or(|kind| p.kind == kind))
        .cloned()
        .collect();
    current.sort_by(|a, b| a.kind.as_str().cmp(b.kind.as_str()).then(a.name.cmp(&b.name)));
    let found = match filter.playbook {
        Some(key) => current.iter().find(|p| p.key == key),
        None => current.first(),
    };
    let Some(playbook) = found.cloned() else {
        return Ok(None);
    };
    let targets: HashMap<PlaybookId, Vec<Stage>> = all
        .iter()
        .filter(|p| p.key == playbook.key)
        .map(|p| {
            (
                p.id,
                p.stages
                    .iter()
                    .filter(|s| s.status != DealStatus::Lost)
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    // Deals on older revisions sit in the column of the stage with the same key.
    let mut revisions_of: HashMap<&str, Vec<StageId>> = HashMap::new();
    for stage in all
        .iter()
        .filter(|p| p.key == playbook.key)
        .flat_map(|p| p.stages.iter())
    {
        revisions_of.entry(stage.key.as_str()).or_default().push(stage.id);
    }
    let mut columns: Vec<BoardColumn> = playbook
        .stages
        .iter()
        .filter(|s| s.status == DealStatus::Open)
        .map(|stage| BoardColumn {
            stage: stage.clone(),
            count: 0,
            totals: BTreeMap::new(),
            cards: Vec::new(),
        })
        .collect();
    let column_of: HashMap<StageId, usize> = columns
        .iter()
        .enumerate()
        .flat_map(|(index, column)| {
            revisions_of
                .get(column.stage.key.as_str())
                .into_iter()
                .flatten()
                .map(move |id| (*id, index))
        })
        .collect();

    // The stages say the deals are open and of the playbook's kind.
    let deal_filter = DealFilter {
        owner_id: filter.owner,
        team_id: filter.team,
        expected_close_from: filter.expected_close_from,
        expected_close_to: filter.expected_close_to,
        ..Default::default()
    };
    let visibility = ctx.visibility();
    let stage_ids: Vec<StageId> = column_of.keys().copied().collect();
    for total in deals::stage_totals(conn.conn(), ctx.workspace, &visibility, &deal_filter, &stage_ids).await? {
        let Some(column) = column_of.get(&StageId(total.stage_id)).map(|&i| &mut columns[i]) else {
            continue;
        };
        column.count = column.count.saturating_add(usize::try_from(total.deals).unwrap_or(0));
        let sum = column.totals.entry(total.currency).or_default();
        *sum = sum.saturating_add(total.amount_minor);
    }
    let mut shown = Vec::new();
    for column in &mut columns {
        let limit = if expanded == Some(column.stage.key.as_str()) {
            EXPANDED_LIMIT
        } else {
            CARDS_PER_COLUMN
        };
        let mut cards = Vec::new();
        for stage in revisions_of.get(column.stage.key.as_str()).into_iter().flatten() {
            cards.extend(
                deals::stage_cards(
                    conn.conn(),
                    ctx.workspace,
                    &visibility,
                    &deal_filter,
                    *stage,
                    limit as u64,
                )
                .await?,
            );
        }
        cards.sort_by_key(|d| (d.progress.stage_entered_at, d.id.as_uuid()));
        cards.truncate(limit);
        for deal in cards {
            shown.push(deal.clone());
            column.cards.push(BoardCard {
                targets: targets.get(&deal.progress.playbook_id).cloned().unwrap_or_default(),
                deal,
                counterparty: String::new(),
                owner: String::new(),
                health: None,
                open_recommendations: None,
            });
        }
    }

    let parties: Vec<_> = shown.iter().map(|d| d.terms.counterparty_id).collect();
    let names = parties::names(conn.conn(), ctx.workspace, &parties).await?;
    let ids: Vec<_> = shown.iter().map(|d| d.id).collect();
    let mut health = deal_health::for_deals(conn.conn(), ctx.workspace, &ids).await?;
    let open_recommendations = deal_health::open_recommendations(conn.conn(), ctx.workspace, &ids).await?;
    let users = users::list(conn.conn(), ctx.workspace).await?;
    let people: HashMap<UserId, String> = users.iter().map(|u| (u.user_id(), u.display_name.clone())).collect();
    let mut owners: Vec<(UserId, String)> = users
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| (u.user_id(), u.display_name))
        .collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let mut all_teams: Vec<(TeamId, String)> = teams::list(conn.conn(), ctx.workspace)
        .await?
        .into_iter()
        .map(|t| (TeamId(t.id), t.name))
        .collect();
    all_teams.sort_by(|a, b| a.1.cmp(&b.1));
    for card in columns.iter_mut().flat_map(|c| c.cards.iter_mut()) {
        card.counterparty = names.get(&card.deal.terms.counterparty_id).cloned().unwrap_or_default();
        card.owner = people.get(&card.deal.ownership.owner_id).cloned().unwrap_or_default();
        card.health = health.remove(&card.deal.id);
        card.open_recommendations = open_recommendations.get(&card.deal.id).copied();
    }
    Ok(Some(Board {
        playbooks: current,
        playbook,
        columns,
        owners,
        teams: all_teams,
    }))
}
