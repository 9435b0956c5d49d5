//! Merging a duplicate party into the record kept: every row that names the duplicate is
//! pointed at the kept record, inside the caller's transaction, and each moved row is answered
//! so the caller can audit it.
//!
//! The list of references below is the schema's: a new column that names a party belongs here.

use closer_domain::ids::{PartyId, WorkspaceId};
use closer_domain::party::PartyKind;
use sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, UpdateStatement};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};

/// A column that names a party.
#[derive(Debug, Clone, Copy)]
struct Reference {
    table: &'static str,
    column: &'static str,
    /// The record the row belongs to, as the audit trail names it, and the column holding its id.
    entity: &'static str,
    key: &'static str,
    /// Only rows about a subject of this type (notes and tasks name deals, people and
    /// organisations in one column).
    subject_type: Option<&'static str>,
    /// The table keeps a version: a moved row's version goes up, so an edit made from a copy
    /// read before the merge is refused rather than pointing the row back.
    versioned: bool,
}

const fn reference(table: &'static str, column: &'static str, entity: &'static str) -> Reference {
    Reference {
        table,
        column,
        entity,
        key: "id",
        subject_type: None,
        versioned: true,
    }
}

const fn about(table: &'static str, entity: &'static str, subject_type: &'static str) -> Reference {
    Reference {
        subject_type: Some(subject_type),
        ..reference(table, "subject_id", entity)
    }
}

const fn unversioned(table: &'static str, column: &'static str, entity: &'static str, key: &'static str) -> Reference {
    Reference {
        key,
        versioned: false,
        ..reference(table, column, entity)
    }
}

/// What names a person. Meeting attendance and interaction participation are moved apart (their
/// rows have no id of their own, and the same person may not appear twice in one).
const PERSON_REFERENCES: &[Reference] = &[
    reference("employments", "person_id", "employment"),
    reference("deals", "counterparty_id", "deal"),
    reference("stakeholders", "person_id", "stakeholder"),
    about("notes", "note", "person"),
    about("tasks", "task", "person"),
    reference("endorsements", "by_person_id", "endorsement"),
    reference("intro_requests", "target_id", "intro_request"),
    reference("intro_requests", "connector_id", "intro_request"),
    reference("consents", "person_id", "consent"),
    reference("call_entries", "person_id", "call_entry"),
    reference("call_attempts", "person_id", "call_attempt"),
    reference("invoices", "customer_id", "invoice"),
    unversioned("promotion_redemptions", "customer_id", "promotion_redemption", "id"),
];

/// What names an organisation.
const ORGANISATION_REFERENCES: &[Reference] = &[
    reference("employments", "organisation_id", "employment"),
    reference("deals", "counterparty_id", "deal"),
    about("notes", "note", "organisation"),
    about("tasks", "task", "organisation"),
    reference("parties", "parent_id", "organisation"),
    reference("invoices", "customer_id", "invoice"),
    unversioned("promotion_redemptions", "customer_id", "promotion_redemption", "id"),
];

/// One row changed by a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub entity: &'static str,
    pub id: Uuid,
    /// The column that named the duplicate, or `deleted_at` for a row the kept record already
    /// had the like of (an employment at the same company, a place on the same committee), which
    /// is deleted rather than doubled.
    pub field: &'static str,
}

fn col(name: &'static str) -> Alias {
    Alias::new(name)
}

fn in_workspace(statement: &mut UpdateStatement, workspace: WorkspaceId) {
    statement.and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()));
}

/// Runs an update that answers the key of each row it changed.
async fn changed(conn: Conn<'_>, mut statement: UpdateStatement, key: &'static str) -> Result<Vec<Uuid>> {
    statement.returning(Query::returning().column(col(key)));
    let rows: Vec<(Uuid,)> = conn.fetch_all(&statement).await?;
    Ok(rows.into_iter().map(|(key,)| key).collect())
}

fn stamped(table: &'static str, workspace: WorkspaceId, at: OffsetDateTime) -> UpdateStatement {
    let mut statement = Query::update()
        .table(col(table))
        .value(col("updated_at"), at)
        .value(col("version"), Expr::col(col("version")).add(1))
        .to_owned();
    in_workspace(&mut statement, workspace);
    statement
}

/// The values of `column` on the live rows of `table` that name `party` in `by`.
fn live_values_of(
    table: &'static str,
    column: &'static str,
    by: &'static str,
    workspace: WorkspaceId,
    party: PartyId,
) -> SelectStatement {
    Query::select()
        .column(col(column))
        .from(col(table))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col(by)).eq(party.as_uuid()))
        .and_where(Expr::col(col("deleted_at")).is_null())
        .to_owned()
}

/// Deletes the duplicate's live rows of `table` whose `pair` column the kept record's live rows
/// share (the same company, the same deal): the kept record's row stands for both.
async fn delete_doubles(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    (table, entity, by, pair): (&'static str, &'static str, &'static str, &'static str),
    duplicate: PartyId,
    kept: PartyId,
    at: OffsetDateTime,
) -> Result<Vec<Moved>> {
    let mut statement = stamped(table, workspace, at);
    statement
        .value(col("deleted_at"), at)
        .and_where(Expr::col(col(by)).eq(duplicate.as_uuid()))
        .and_where(Expr::col(col("deleted_at")).is_null())
        .and_where(Expr::col(col(pair)).in_subquery(live_values_of(table, pair, by, workspace, kept)));
    Ok(changed(conn, statement, "id")
        .await?
        .into_iter()
        .map(|id| Moved {
            entity,
            id,
            field: "deleted_at",
        })
        .collect())
}

/// Points every row that names `duplicate` at `kept`, and answers each row changed. The two
/// parties are of `kind`; the caller has checked both and writes the parties themselves.
pub async fn move_references(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    kind: PartyKind,
    duplicate: PartyId,
    kept: PartyId,
    at: OffsetDateTime,
) -> Result<Vec<Moved>> {
    let mut moved = Vec::new();
    let (references, doubles): (&[Reference], &[_]) = match kind {
        PartyKind::Person => (
            PERSON_REFERENCES,
            &[
                ("employments", "employment", "person_id", "organisation_id"),
                ("stakeholders", "stakeholder", "person_id", "deal_id"),
            ],
        ),
        PartyKind::Organisation => (
            ORGANISATION_REFERENCES,
            &[("employments", "employment", "organisation_id", "person_id")],
        ),
    };
    for double in doubles {
        moved.extend(delete_doubles(conn.reborrow(), workspace, *double, duplicate, kept, at).await?);
    }
    if kind == PartyKind::Person {
        moved.extend(move_participation(conn.reborrow(), workspace, duplicate, kept, at).await?);
    }
    for reference in references {
        let mut statement = if reference.versioned {
            stamped(reference.table, workspace, at)
        } else {
            let mut statement = Query::update().table(col(reference.table)).to_owned();
            in_workspace(&mut statement, workspace);
            statement
        };
        statement
            .value(col(reference.column), kept.as_uuid())
            .and_where(Expr::col(col(reference.column)).eq(duplicate.as_uuid()))
            // An organisation whose parent was the duplicate is the kept one itself at most once;
            // the caller has given it its new parent already.
            .and_where(Expr::col(col(reference.key)).ne(kept.as_uuid()));
        if let Some(subject_type) = reference.subject_type {
            statement.and_where(Expr::col(col("subject_type")).eq(subject_type));
        }
        if reference.table == "intro_requests" && reference.column == "connector_id" {
            // The connector is also written out as `{"person_id": …}`.
            statement.value(col("connector"), replaced("connector", duplicate, kept));
        }
        for id in changed(conn.reborrow(), statement, reference.key).await? {
            moved.push(Moved {
                entity: reference.entity,
                id,
                field: reference.column,
            });
        }
    }
    moved.extend(
        move_single(
            conn.reborrow(),
            workspace,
            ("billing_profiles", "billing_profile", "party_id"),
            duplicate,
            kept,
        )
        .await?,
    );
    if kind == PartyKind::Organisation {
        moved.extend(
            move_single(
                conn.reborrow(),
                workspace,
                ("paper_processes", "paper_process", "organisation_id"),
                duplicate,
                kept,
            )
            .await?,
        );
    }
    move_keys(conn, workspace, duplicate, kept).await?;
    Ok(moved)
}

/// `column` with every mention of `duplicate`'s id replaced by `kept`'s (ids are written in
/// JSON as hyphenated text, which no other value can contain by chance).
fn replaced(column: &'static str, duplicate: PartyId, kept: PartyId) -> Expr {
    Func::cust(Alias::new("replace"))
        .arg(Expr::col(col(column)))
        .arg(duplicate.as_uuid().hyphenated().to_string())
        .arg(kept.as_uuid().hyphenated().to_string())
        .into()
}

/// Meetings the duplicate attended and interactions it took part in now name the kept person.
async fn move_participation(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    duplicate: PartyId,
    kept: PartyId,
    at: OffsetDateTime,
) -> Result<Vec<Moved>> {
    let mut moved = Vec::new();
    let attended = Query::select()
        .column(col("meeting_id"))
        .from(col("meeting_attendees"))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col("person_id")).eq(duplicate.as_uuid()))
        .to_owned();
    let mut meetings = stamped("meetings", workspace, at);
    meetings.and_where(Expr::col(col("id")).in_subquery(attended));
    for id in changed(conn.reborrow(), meetings, "id").await? {
        moved.push(Moved {
            entity: "meeting",
            id,
            field: "attendees",
        });
    }
    let mut attendees = Query::update()
        .table(col("meeting_attendees"))
        .value(col("person_id"), kept.as_uuid())
        .and_where(Expr::col(col("person_id")).eq(duplicate.as_uuid()))
        .to_owned();
    in_workspace(&mut attendees, workspace);
    conn.reborrow().execute(&attendees).await?;

    let took_part = |party: PartyId| {
        Query::select()
            .column(col("interaction_id"))
            .from(col("interaction_participants"))
            .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
            .and_where(Expr::col(col("participant_id")).eq(party.as_uuid()))
            .to_owned()
    };
    let mut interactions = stamped("interactions", workspace, at);
    interactions
        .value(col("participants"), replaced("participants", duplicate, kept))
        .and_where(Expr::col(col("id")).in_subquery(took_part(duplicate)));
    for id in changed(conn.reborrow(), interactions, "id").await? {
        moved.push(Moved {
            entity: "interaction",
            id,
            field: "participants",
        });
    }
    // The participant index has one row per person and interaction: where both took part, the
    // kept person's row stands for both.
    let both = Query::delete()
        .from_table(col("interaction_participants"))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col("participant_id")).eq(duplicate.as_uuid()))
        .and_where(Expr::col(col("interaction_id")).in_subquery(took_part(kept)))
        .to_owned();
    conn.reborrow().execute(&both).await?;
    let mut participants = Query::update()
        .table(col("interaction_participants"))
        .value(col("participant_id"), kept.as_uuid())
        .and_where(Expr::col(col("participant_id")).eq(duplicate.as_uuid()))
        .to_owned();
    in_workspace(&mut participants, workspace);
    conn.execute(&participants).await?;
    Ok(moved)
}

/// A table holding at most one row per party (billing profile, paper process): the duplicate's
/// row moves when the kept record has none, and stays with the duplicate otherwise.
async fn move_single(
    conn: Conn<'_>,
    workspace: WorkspaceId,
    (table, entity, column): (&'static str, &'static str, &'static str),
    duplicate: PartyId,
    kept: PartyId,
) -> Result<Vec<Moved>> {
    let kept_has = Query::select()
        .expr(Expr::val(1))
        .from(col(table))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col(column)).eq(kept.as_uuid()))
        .to_owned();
    let mut statement = Query::update()
        .table(col(table))
        .value(col(column), kept.as_uuid())
        .and_where(Expr::col(col(column)).eq(duplicate.as_uuid()))
        .and_where(Expr::exists(kept_has).not())
        .to_owned();
    in_workspace(&mut statement, workspace);
    Ok(changed(conn, statement, column)
        .await?
        .into_iter()
        .map(|id| Moved {
            entity,
            id,
            field: column,
        })
        .collect())
}

/// The duplicate's ids in other systems go to the kept record (a later import of the same
/// export then updates it); its other keys go, since the kept record's fields now hold them.
async fn move_keys(mut conn: Conn<'_>, workspace: WorkspaceId, duplicate: PartyId, kept: PartyId) -> Result<()> {
    let kept_external = Query::select()
        .column(col("key_value"))
        .from(col("party_keys"))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col("party_id")).eq(kept.as_uuid()))
        .and_where(Expr::col(col("key_kind")).eq("external"))
        .to_owned();
    let mut external = Query::update()
        .table(col("party_keys"))
        .value(col("party_id"), kept.as_uuid())
        .and_where(Expr::col(col("party_id")).eq(duplicate.as_uuid()))
        .and_where(Expr::col(col("key_kind")).eq("external"))
        .and_where(Expr::col(col("key_value")).not_in_subquery(kept_external))
        .to_owned();
    in_workspace(&mut external, workspace);
    conn.reborrow().execute(&external).await?;
    let rest = Query::delete()
        .from_table(col("party_keys"))
        .and_where(Expr::col(col("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(col("party_id")).eq(duplicate.as_uuid()))
        .to_owned();
    conn.execute(&rest).await?;
    Ok(())
}
