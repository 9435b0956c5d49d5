//! The job table: recurring background work, claimed by one worker at a time. PostgreSQL claims
//! with `FOR UPDATE SKIP LOCKED`, so several servers share the work; SQLite has one writer.

use closer_domain::ids::WorkspaceId;
use sqlx::FromRow;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Db, Result, SqliteDb};

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Job {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub kind: String,
}

/// Makes sure a recurring job of `kind` exists for the workspace (first run at `first_run`).
pub async fn ensure(db: &Db, workspace: WorkspaceId, kind: &str, first_run: OffsetDateTime) -> Result<()> {
    let id = Uuid::now_v7();
    match db {
        Db::Sqlite(SqliteDb { pool, .. }) => {
            sqlx::query(
                "INSERT INTO jobs (id, workspace_id, kind, run_at, created_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (workspace_id, kind) DO NOTHING",
            )
            .bind(id)
            .bind(workspace.as_uuid())
            .bind(kind)
            .bind(first_run)
            .bind(first_run)
            .execute(pool)
            .await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO jobs (id, workspace_id, kind, run_at, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (workspace_id, kind) DO NOTHING",
            )
            .bind(id)
            .bind(workspace.as_uuid())
            .bind(kind)
            .bind(first_run)
            .bind(first_run)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// Claims one due job for `lease`, or None when nothing is due.
pub async fn claim(db: &Db, worker: &str, now: OffsetDateTime, lease: Duration) -> Result<Option<Job>> {
    let until = now + lease;
    Ok(match db {
        Db::Sqlite(SqliteDb { pool, .. }) => {
            sqlx::query_as(
                "UPDATE jobs SET locked_until = ?, locked_by = ?, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM jobs WHERE run_at <= ? AND (locked_until IS NULL OR locked_until < ?) \
                             ORDER BY run_at LIMIT 1) \
                 RETURNING id, workspace_id, kind",
            )
            .bind(until)
            .bind(worker)
            .bind(now)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as(
                "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM jobs WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
                             ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, workspace_id, kind",
            )
            .bind(until)
            .bind(worker)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }
    })
}

/// Releases a job after a run and schedules its next one; `error` is kept for operators.
pub async fn finish(
    db: &Db,
    job: Uuid,
    next_run: OffsetDateTime,
    now: OffsetDateTime,
    error: Option<&str>,
) -> Result<()> {
    match db {
        Db::Sqlite(SqliteDb { pool, .. }) => {
            sqlx::query(
                "UPDATE jobs SET run_at = ?, locked_until = NULL, locked_by = NULL, last_error = ?, last_run_at = ?, \
                 attempts = CASE WHEN ? IS NULL THEN 0 ELSE attempts END WHERE id = ?",
            )
            .bind(next_run)
            .bind(error)
            .bind(now)
            .bind(error)
            .bind(job)
            .execute(pool)
            .await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, locked_until = NULL, locked_by = NULL, last_error = $2, last_run_at = $3, \
                 attempts = CASE WHEN $2::TEXT IS NULL THEN 0 ELSE attempts END WHERE id = $4",
            )
            .bind(next_run)
            .bind(error)
            .bind(now)
            .bind(job)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}
