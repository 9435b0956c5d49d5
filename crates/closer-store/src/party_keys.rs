//! The values parties are found by (`party_keys`): e-mails, phones, web domains, tax ids,
//! organisation names and ids in other systems. Written with every party; read by imports (to
//! match rows to records) and by the duplicate finder.

use std::collections::HashMap;

use closer_domain::ids::{PartyId, WorkspaceId};
use closer_domain::import::{NaturalKey, organisation_keys, person_keys};
use closer_domain::party::PartyKind;
use sea_query::{Expr, ExprTrait, InsertStatement, Query};
use sqlx::FromRow;
use uuid::Uuid;

use crate::db::{Conn, Db, Result, StoreError};
use crate::records::PageRequest;
use crate::schema::{Parties, PartyKeys, PendingBackfills};

/// Keys asked about in one statement.
const KEYS_PER_QUERY: usize = 500;

fn insert_keys(workspace: WorkspaceId, party: PartyId, keys: &[NaturalKey]) -> Result<InsertStatement> {
    let mut statement = Query::insert()
        .into_table(PartyKeys::Table)
        .columns([
            PartyKeys::WorkspaceId,
            PartyKeys::KeyKind,
            PartyKeys::KeyValue,
            PartyKeys::PartyId,
        ])
        .to_owned();
    for key in keys {
        statement
            .values([
                workspace.as_uuid().into(),
                key.kind().into(),
                key.value().into(),
                party.as_uuid().into(),
            ])
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    }
    Ok(statement)
}

/// Writes `keys` for a party; keys it has already are left as they are.
pub async fn add(conn: Conn<'_>, workspace: WorkspaceId, party: PartyId, keys: &[NaturalKey]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut statement = insert_keys(workspace, party, keys)?;
    statement.on_conflict(sea_query::OnConflict::new().do_nothing().to_owned());
    conn.execute(&statement).await?;
    Ok(())
}

/// A new party's keys: a plain insert, so bulk loads send many parties' keys in one statement.
pub(crate) async fn add_new(conn: Conn<'_>, workspace: WorkspaceId, party: PartyId, keys: &[NaturalKey]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    conn.execute(&insert_keys(workspace, party, keys)?).await?;
    Ok(())
}

/// Replaces a party's keys drawn from its fields with `keys`; ids from other systems stay.
pub(crate) async fn replace(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    party: PartyId,
    keys: &[NaturalKey],
) -> Result<()> {
    let statement = Query::delete()
        .from_table(PartyKeys::Table)
        .and_where(Expr::col(PartyKeys::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(PartyKeys::PartyId).eq(party.as_uuid()))
        .and_where(Expr::col(PartyKeys::KeyKind).ne("external"))
        .to_owned();
    conn.reborrow().execute(&statement).await?;
    add(conn, workspace, party, keys).await
}

#[derive(FromRow)]
struct KeyRow {
    key_kind: String,
    key_value: String,
    party_id: Uuid,
}

/// The live parties of `kind` holding each of `keys` (oldest first).
pub async fn find(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    kind: PartyKind,
    keys: &[NaturalKey],
) -> Result<HashMap<NaturalKey, Vec<PartyId>>> {
    let mut found: HashMap<NaturalKey, Vec<PartyId>> = HashMap::new();
    // One question per kind of key and chunk of values: `key_kind = ? AND key_value IN (…)`
    // walks the primary key (an OR of pairs made SQLite scan every key for each pair).
    let mut by_kind: HashMap<&'static str, Vec<&str>> = HashMap::new();
    for key in keys {
        by_kind.entry(key.kind()).or_default().push(key.value());
    }
    for (kind_of_key, values) in by_kind {
        for chunk in values.chunks(KEYS_PER_QUERY) {
            let statement = Query::select()
                .columns([
                    (PartyKeys::Table, PartyKeys::KeyKind),
                    (PartyKeys::Table, PartyKeys::KeyValue),
                    (PartyKeys::Table, PartyKeys::PartyId),
                ])
                .from(PartyKeys::Table)
                .inner_join(
                    Parties::Table,
                    Expr::col((Parties::Table, Parties::WorkspaceId))
                        .equals((PartyKeys::Table, PartyKeys::WorkspaceId))
                        .and(Expr::col((Parties::Table, Parties::Id)).equals((PartyKeys::Table, PartyKeys::PartyId))),
                )
                .and_where(Expr::col((PartyKeys::Table, PartyKeys::WorkspaceId)).eq(workspace.as_uuid()))
                .and_where(Expr::col((PartyKeys::Table, PartyKeys::KeyKind)).eq(kind_of_key))
                .and_where(Expr::col((PartyKeys::Table, PartyKeys::KeyValue)).is_in(chunk.iter().copied()))
                .and_where(Expr::col((Parties::Table, Parties::Kind)).eq(kind.as_str()))
                .and_where(Expr::col((Parties::Table, Parties::DeletedAt)).is_null())
                .order_by((Parties::Table, Parties::CreatedAt), sea_query::Order::Asc)
                .order_by((Parties::Table, Parties::Id), sea_query::Order::Asc)
                .to_owned();
            let rows: Vec<KeyRow> = conn.reborrow().fetch_all(&statement).await?;
            for row in rows {
                if let Some(key) = NaturalKey::from_parts(&row.key_kind, row.key_value) {
                    found.entry(key).or_default().push(PartyId(row.party_id));
                }
            }
        }
    }
    Ok(found)
}

/// Work left for Rust after the migrations: the keys of the parties stored before keys were
/// kept. Safe to run on several servers at once (keys already there are left alone).
pub(crate) async fn run_backfills(db: &Db) -> Result<()> {
    #[derive(FromRow)]
    struct NameRow {
        name: String,
    }
    let mut conn = db.acquire().await?;
    let pending: Vec<NameRow> = conn
        .conn()
        .fetch_all(
            &Query::select()
                .column(PendingBackfills::Name)
                .from(PendingBackfills::Table)
                .to_owned(),
        )
        .await?;
    drop(conn);
    for backfill in pending {
        if backfill.name == "party_keys" {
            backfill_party_keys(db).await?;
        }
        let mut tx = db.begin().await?;
        tx.conn()
            .execute(
                &Query::delete()
                    .from_table(PendingBackfills::Table)
                    .and_where(Expr::col(PendingBackfills::Name).eq(backfill.name.as_str()))
                    .to_owned(),
            )
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

async fn backfill_party_keys(db: &Db) -> Result<()> {
    for workspace in crate::workspaces::all_ids(db).await? {
        for kind in [PartyKind::Person, PartyKind::Organisation] {
            let mut after = None;
            loop {
                let page = PageRequest { after, limit: 500 };
                let mut tx = db.begin().await?;
                let keyed: Vec<(PartyId, Vec<NaturalKey>)> = match kind {
                    PartyKind::Person => {
                        let people = crate::parties::page_of_people(tx.conn(), workspace, &page).await?;
                        people.iter().map(|p| (p.id, person_keys(&p.fields))).collect()
                    }
                    PartyKind::Organisation => {
                        let organisations = crate::parties::page_of_organisations(tx.conn(), workspace, &page).await?;
                        organisations
                            .iter()
                            .map(|o| (o.id, organisation_keys(&o.fields)))
                            .collect()
                    }
                };
                for (party, keys) in &keyed {
                    add(tx.conn(), workspace, *party, keys).await?;
                }
                tx.commit().await?;
                match keyed.last() {
                    Some((last, _)) if keyed.len() == 500 => after = Some(last.as_uuid()),
                    _ => break,
                }
            }
        }
    }
    Ok(())
}
