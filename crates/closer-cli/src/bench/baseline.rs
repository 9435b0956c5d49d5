//! Baselines for the write path: the deals row the API writes, inserted straight through the
//! driver into the same database (same schema, indexes, size and durability settings) — once
//! as many rows in one transaction with a prepared statement, once one commit per row.

use std::time::{Duration, Instant};

use closer_store::{Db, SqliteDb};
use sqlx::{AssertSqlSafe, Executor};
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows per second of both baselines.
#[derive(Debug, Clone, Copy)]
pub struct InsertRates {
    pub one_transaction: f64,
    pub commit_per_row: f64,
}

const COLUMNS: &str = "workspace_id, id, title, kind, counterparty_id, playbook_id, stage_id, status, \
                       amount_minor, currency, owner_id, stage_entered_at, qualification, version, created_at, updated_at";

/// The deal every inserted row copies (keeping every foreign key valid).
#[derive(Debug, Clone, sqlx::FromRow)]
struct Template {
    workspace_id: Uuid,
    title: String,
    kind: String,
    counterparty_id: Uuid,
    playbook_id: Uuid,
    stage_id: Uuid,
    status: String,
    amount_minor: i64,
    currency: String,
    owner_id: Uuid,
    stage_entered_at: OffsetDateTime,
    qualification: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

fn insert_sql(postgres: bool) -> String {
    let placeholders: Vec<String> = (1..=16)
        .map(|n| if postgres { format!("${n}") } else { "?".to_owned() })
        .collect();
    format!("INSERT INTO deals ({COLUMNS}) VALUES ({})", placeholders.join(", "))
}

fn select_sql(postgres: bool) -> String {
    let (workspace, id) = if postgres { ("$1", "$2") } else { ("?", "?") };
    format!("SELECT {COLUMNS} FROM deals WHERE workspace_id = {workspace} AND id = {id}")
}

/// Binds a new row copying `t` to the insert.
macro_rules! bind_row {
    ($sql:expr, $t:expr) => {
        sqlx::query(AssertSqlSafe($sql))
            .bind($t.workspace_id)
            .bind(Uuid::now_v7())
            .bind(&$t.title)
            .bind(&$t.kind)
            .bind($t.counterparty_id)
            .bind($t.playbook_id)
            .bind($t.stage_id)
            .bind(&$t.status)
            .bind($t.amount_minor)
            .bind(&$t.currency)
            .bind($t.owner_id)
            .bind($t.stage_entered_at)
            .bind(&$t.qualification)
            .bind($t.version)
            .bind($t.created_at)
            .bind($t.updated_at)
    };
}

/// Measures both baselines on `db`, copying the deal `template`: `rows` in one transaction,
/// then single-row commits for `seconds`.
pub async fn measure(
    db: &Db,
    workspace: Uuid,
    template: Uuid,
    rows: usize,
    seconds: f64,
) -> anyhow::Result<InsertRates> {
    let budget = Duration::from_secs_f64(seconds);
    // The same steps on either backend's connection type; the placeholders, the way a write
    // transaction begins, and whether a lone row needs one differ (PostgreSQL autocommits each
    // statement, flushed to disk under synchronous_commit's default).
    macro_rules! on {
        ($pool:expr, $postgres:expr, $begin:expr) => {{
            let sql = insert_sql($postgres);
            let mut conn = $pool.acquire().await?;
            let t: Template = sqlx::query_as(AssertSqlSafe(select_sql($postgres)))
                .bind(workspace)
                .bind(template)
                .fetch_one(&mut *conn)
                .await?;
            let started = Instant::now();
            conn.execute($begin).await?;
            for _ in 0..rows {
                bind_row!(sql.as_str(), t).execute(&mut *conn).await?;
            }
            conn.execute("COMMIT").await?;
            let one_transaction = rows as f64 / started.elapsed().as_secs_f64();
            let started = Instant::now();
            let mut committed = 0usize;
            while started.elapsed() < budget {
                if $postgres {
                    bind_row!(sql.as_str(), t).execute(&mut *conn).await?;
                } else {
                    conn.execute($begin).await?;
                    bind_row!(sql.as_str(), t).execute(&mut *conn).await?;
                    conn.execute("COMMIT").await?;
                }
                committed += 1;
            }
            Ok(InsertRates {
                one_transaction,
                commit_per_row: committed as f64 / started.elapsed().as_secs_f64(),
            })
        }};
    }
    match db {
        Db::Sqlite(SqliteDb { pool, .. }) => on!(pool, false, "BEGIN IMMEDIATE"),
        Db::Postgres(pool) => on!(pool, true, "BEGIN"),
    }
}
