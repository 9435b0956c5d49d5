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

/// Key rows per insert: four parameters each, well under SQLite's limit.
const KEYS_PER_INSERT: usize = 4_000;

fn insert_keys(workspace: WorkspaceId, rows: &[(PartyId, &NaturalKey)]) -> Result<InsertStatement> {
    let mut statement = Query::insert()
        .into_table(PartyKeys::Table)
        .columns([
            PartyKeys::WorkspaceId,
            PartyKeys::KeyKind,
            PartyKeys::KeyValue,
            PartyKeys::PartyId,
        ])
        .to_owned();
    for (party, key) in rows {
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

fn rows_of(party: PartyId, keys: &[NaturalKey]) -> Vec<(PartyId, &NaturalKey)> {
    keys.iter().map(|key| (party, key)).collect()
}

/// Writes `keys` for a party; keys it has already are left as they are.
pub async fn add(conn: Conn<'_>, workspace: WorkspaceId, party: PartyId, keys: &[NaturalKey]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut statement = insert_keys(workspace, &rows_of(party, keys))?;
    statement.on_conflict(sea_query::OnConflict::new().do_nothing().to_owned());
    conn.execute(&statement).await?;
    Ok(())
}

/// A new party's keys: a plain insert, so bulk loads send many parties' keys in one statement.
pub(crate) async fn add_new(conn: Conn<'_>, workspace: WorkspaceId, party: PartyId, keys: &[NaturalKey]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    conn.execute(&insert_keys(workspace, &rows_of(party, keys))?).await?;
    Ok(())
}

/// Many parties' keys, in as few statements as the parameter limits allow; keys already there
/// are left as they are.
pub async fn add_many(mut conn: Conn<'_>, workspace: WorkspaceId, keyed: &[(PartyId, Vec<NaturalKey>)]) -> Result<()> {
    let rows: Vec<(PartyId, &NaturalKey)> = keyed
        .iter()
        .flat_map(|(party, keys)| keys.iter().map(move |key| (*party, key)))
        .collect();
    for chunk in rows.chunks(KEYS_PER_INSERT) {
        let mut statement = insert_keys(workspace, chunk)?;
        statement.on_conflict(sea_query::OnConflict::new().do_nothing().to_owned());
        conn.reborrow().execute(&statement).await?;
    }
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

/// The live parties of `kind` holding each of `keys`, oldest first.
pub async fn find(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    kind: PartyKind,
    keys: &[NaturalKey],
) -> Result<HashMap<NaturalKey, Vec<PartyId>>> {
    // Two questions, each walking a primary key: the keys (one per kind of key and chunk of
    // values), then which of their parties are live and of `kind`. Joined in one statement,
    // SQLite without statistics walked every party of the kind instead.
    let mut by_kind: HashMap<&'static str, Vec<&str>> = HashMap::new();
    for key in keys {
        by_kind.entry(key.kind()).or_default().push(key.value());
    }
    let mut holders: Vec<(NaturalKey, Uuid)> = Vec::new();
    for (kind_of_key, values) in by_kind {
        for chunk in values.chunks(KEYS_PER_QUERY) {
            let statement = Query::select()
                .columns([PartyKeys::KeyKind, PartyKeys::KeyValue, PartyKeys::PartyId])
                .from(PartyKeys::Table)
                .and_where(Expr::col(PartyKeys::WorkspaceId).eq(workspace.as_uuid()))
                .and_where(Expr::col(PartyKeys::KeyKind).eq(kind_of_key))
                .and_where(Expr::col(PartyKeys::KeyValue).is_in(chunk.iter().copied()))
                .to_owned();
            let rows: Vec<KeyRow> = conn.reborrow().fetch_all(&statement).await?;
            holders.extend(
                rows.into_iter()
                    .filter_map(|row| NaturalKey::from_parts(&row.key_kind, row.key_value).map(|k| (k, row.party_id))),
            );
        }
    }
    #[derive(FromRow)]
    struct LiveRow {
        id: Uuid,
    }
    let mut ids: Vec<Uuid> = holders.iter().map(|(_, id)| *id).collect();
    ids.sort();
    ids.dedup();
    let mut live: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    for chunk in ids.chunks(KEYS_PER_QUERY) {
        let statement = Query::select()
            .column(Parties::Id)
            .from(Parties::Table)
            .and_where(Expr::col(Parties::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(Parties::Id).is_in(chunk.iter().copied()))
            .and_where(Expr::col(Parties::Kind).eq(kind.as_str()))
            .and_where(Expr::col(Parties::DeletedAt).is_null())
            .to_owned();
        let rows: Vec<LiveRow> = conn.reborrow().fetch_all(&statement).await?;
        live.extend(rows.into_iter().map(|row| row.id));
    }
    let mut found: HashMap<NaturalKey, Vec<PartyId>> = HashMap::new();
    // Ids are UUIDv7: in id order is in order of making, so a key's first holder is the oldest.
    holders.sort_by_key(|(_, id)| *id);
    for (key, id) in holders {
        if live.contains(&id) {
            found.entry(key).or_default().push(PartyId(id));
        }
    }
    Ok(found)
}

/// The ids in other systems (`source:id`) each of `parties` holds.
pub async fn externals_of(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    parties: &[PartyId],
) -> Result<HashMap<PartyId, Vec<String>>> {
    let mut held: HashMap<PartyId, Vec<String>> = HashMap::new();
    for chunk in parties.chunks(KEYS_PER_QUERY) {
        let statement = Query::select()
            .columns([PartyKeys::KeyKind, PartyKeys::KeyValue, PartyKeys::PartyId])
            .from(PartyKeys::Table)
            .and_where(Expr::col(PartyKeys::WorkspaceId).eq(workspace.as_uuid()))
            .and_where(Expr::col(PartyKeys::PartyId).is_in(chunk.iter().map(|p| p.as_uuid())))
            .and_where(Expr::col(PartyKeys::KeyKind).eq("external"))
            .to_owned();
        let rows: Vec<KeyRow> = conn.reborrow().fetch_all(&statement).await?;
        for row in rows {
            held.entry(PartyId(row.party_id)).or_default().push(row.key_value);
        }
    }
    Ok(held)
}

/// Keys of `kinds` that more than one party holds (deleted and live, of either kind), at most
/// `limit`, in key order: where duplicates are to be looked for.
pub async fn shared(conn: Conn<'_>, workspace: WorkspaceId, kinds: &[&str], limit: u64) -> Result<Vec<NaturalKey>> {
    #[derive(FromRow)]
    struct SharedRow {
        key_kind: String,
        key_value: String,
    }
    let statement = Query::select()
        .columns([PartyKeys::KeyKind, PartyKeys::KeyValue])
        .from(PartyKeys::Table)
        .and_where(Expr::col(PartyKeys::WorkspaceId).eq(workspace.as_uuid()))
        .and_where(Expr::col(PartyKeys::KeyKind).is_in(kinds.iter().copied()))
        .group_by_columns([PartyKeys::KeyKind, PartyKeys::KeyValue])
        .and_having(Expr::col(PartyKeys::PartyId).count().gt(1))
        .order_by(PartyKeys::KeyKind, sea_query::Order::Asc)
        .order_by(PartyKeys::KeyValue, sea_query::Order::Asc)
        .limit(limit)
        .to_owned();
    let rows: Vec<SharedRow> = conn.fetch_all(&statement).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| NaturalKey::from_parts(&r.key_kind, r.key_value))
        .collect())
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
