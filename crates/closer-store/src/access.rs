//! Renders the domain's read scopes as SQL conditions, so every list, search and count asks the
//! database only for what the principal may see (never filtering after fetching).

use closer_domain::access::{AccessDefaults, Principal, ReadScope, RecordType, read_scope};
use closer_domain::ids::{UserId, WorkspaceId};
use sea_query::{Alias, Cond, Expr, ExprTrait, IntoIden, Query, SelectStatement};

use crate::schema::{DealTeamMembers, Deals, Employments, Parties};

/// The read scopes of one principal for every record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub workspace: WorkspaceId,
    pub user: UserId,
    pub admin: bool,
    pub organisation: ReadScope,
    pub contact: ReadScope,
    pub consumer: ReadScope,
    pub deal: ReadScope,
}

impl Visibility {
    pub fn of(workspace: WorkspaceId, principal: &Principal, defaults: &AccessDefaults) -> Self {
        Self {
            workspace,
            user: principal.user,
            admin: principal.is_admin(),
            organisation: read_scope(principal, RecordType::Organisation, defaults),
            contact: read_scope(principal, RecordType::Contact, defaults),
            consumer: read_scope(principal, RecordType::Consumer, defaults),
            deal: read_scope(principal, RecordType::Deal, defaults),
        }
    }

    /// Sees everything: no condition needed.
    pub fn everything(workspace: WorkspaceId) -> Self {
        let user = UserId(uuid::Uuid::nil());
        Self {
            workspace,
            user,
            admin: true,
            organisation: ReadScope::All,
            contact: ReadScope::All,
            consumer: ReadScope::All,
            deal: ReadScope::All,
        }
    }
}

/// True for a row of `table` (deals) on whose deal team `user` has a place: probed row by row
/// through the deal's few members, so the cost does not grow with how many deal teams the user
/// is on.
fn on_deal_team(workspace: WorkspaceId, table: impl IntoIden + Copy, user: UserId) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(DealTeamMembers::Table)
            .and_where(Expr::col((DealTeamMembers::Table, DealTeamMembers::WorkspaceId)).eq(workspace.as_uuid()))
            .and_where(Expr::col((DealTeamMembers::Table, DealTeamMembers::DealId)).equals((table, Alias::new("id"))))
            .and_where(Expr::col((DealTeamMembers::Table, DealTeamMembers::UserId)).eq(user.as_uuid()))
            .and_where(Expr::col((DealTeamMembers::Table, DealTeamMembers::DeletedAt)).is_null())
            .to_owned(),
    )
}

/// `scope` on a table with `owner_id` and `team_id` columns.
fn owned_by(workspace: WorkspaceId, table: impl IntoIden + Copy, scope: &ReadScope) -> Cond {
    match scope {
        ReadScope::All => Cond::all(),
        ReadScope::OwnedOrTeams { owner, teams, shared } => {
            let mut any = Cond::any().add(Expr::col((table, Alias::new("owner_id"))).eq(owner.as_uuid()));
            if !teams.is_empty() {
                let ids: Vec<uuid::Uuid> = teams.iter().map(|t| t.as_uuid()).collect();
                any = any.add(Expr::col((table, Alias::new("team_id"))).is_in(ids));
            }
            if *shared {
                any = any.add(on_deal_team(workspace, table, *owner));
            }
            any
        }
    }
}

/// True for a person row with a live employment (a B2B contact rather than a consumer).
pub(crate) fn employed(workspace: WorkspaceId) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(Employments::Table)
            .and_where(Expr::col((Employments::Table, Employments::WorkspaceId)).eq(workspace.as_uuid()))
            .and_where(Expr::col((Employments::Table, Employments::PersonId)).equals((Parties::Table, Parties::Id)))
            .and_where(Expr::col((Employments::Table, Employments::DeletedAt)).is_null())
            .to_owned(),
    )
}

/// The visible rows of `parties` that are people.
pub(crate) fn people(workspace: WorkspaceId, visibility: &Visibility) -> Cond {
    match (&visibility.contact, &visibility.consumer) {
        (ReadScope::All, ReadScope::All) => Cond::all(),
        (contact, consumer) => Cond::any()
            .add(
                Cond::all()
                    .add(employed(workspace))
                    .add(owned_by(workspace, Parties::Table, contact)),
            )
            .add(
                Cond::all()
                    .add(employed(workspace).not())
                    .add(owned_by(workspace, Parties::Table, consumer)),
            ),
    }
}

/// The visible rows of `parties` that are organisations.
pub(crate) fn organisations(visibility: &Visibility) -> Cond {
    owned_by(visibility.workspace, Parties::Table, &visibility.organisation)
}

/// The visible rows of `deals`.
pub(crate) fn deals(visibility: &Visibility) -> Cond {
    owned_by(visibility.workspace, Deals::Table, &visibility.deal)
}

/// Ids of the visible parties of either kind.
pub(crate) fn visible_party_ids(workspace: WorkspaceId, visibility: &Visibility) -> SelectStatement {
    Query::select()
        .column((Parties::Table, Parties::Id))
        .from(Parties::Table)
        .and_where(Expr::col((Parties::Table, Parties::WorkspaceId)).eq(workspace.as_uuid()))
        .cond_where(
            Cond::any()
                .add(
                    Cond::all()
                        .add(Expr::col((Parties::Table, Parties::Kind)).eq("person"))
                        .add(people(workspace, visibility)),
                )
                .add(
                    Cond::all()
                        .add(Expr::col((Parties::Table, Parties::Kind)).eq("organisation"))
                        .add(organisations(visibility)),
                ),
        )
        .to_owned()
}

/// Ids of the visible people.
pub(crate) fn visible_people_ids(workspace: WorkspaceId, visibility: &Visibility) -> SelectStatement {
    Query::select()
        .column((Parties::Table, Parties::Id))
        .from(Parties::Table)
        .and_where(Expr::col((Parties::Table, Parties::WorkspaceId)).eq(workspace.as_uuid()))
        .and_where(Expr::col((Parties::Table, Parties::Kind)).eq("person"))
        .cond_where(people(workspace, visibility))
        .to_owned()
}

/// Ids of the visible deals.
pub(crate) fn visible_deal_ids(workspace: WorkspaceId, visibility: &Visibility) -> SelectStatement {
    Query::select()
        .column((Deals::Table, Deals::Id))
        .from(Deals::Table)
        .and_where(Expr::col((Deals::Table, Deals::WorkspaceId)).eq(workspace.as_uuid()))
        .cond_where(deals(visibility))
        .to_owned()
}

/// Rows of a child table (notes, tasks) whose subject the principal may see.
pub(crate) fn visible_subjects(
    workspace: WorkspaceId,
    visibility: &Visibility,
    subject_type: impl IntoIden + Copy,
    subject_id: impl IntoIden + Copy,
) -> Cond {
    Cond::any()
        .add(
            Cond::all()
                .add(Expr::col(subject_type).eq("deal"))
                .add(Expr::col(subject_id).in_subquery(visible_deal_ids(workspace, visibility))),
        )
        .add(
            Cond::all()
                .add(Expr::col(subject_type).is_in(["person", "organisation"]))
                .add(Expr::col(subject_id).in_subquery(visible_party_ids(workspace, visibility))),
        )
}
