//! Connections, transactions and statement execution for both backends.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value, Values};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::sqlite_writer::{WriteTx, Writer};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("a bulk transaction only writes; read on another connection")]
    BulkRead,
    #[error("the commit that held this write failed: {0}")]
    GroupCommit(String),
}

impl StoreError {
    /// True when the database refused the write because another one holds the lock or a
    /// serialisation conflict happened; the caller may retry.
    pub fn is_contention(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                let code = e.code();
                matches!(code.as_deref(), Some("5" | "517" | "40001" | "40P01"))
            }
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            _ => false,
        }
    }

    /// True when a UNIQUE or PRIMARY KEY constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The SQLite settings Closer applies on every connection, reported at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteSettings {
    pub journal_mode: String,
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
    pub secure_delete: bool,
}

/// A pool of connections to one of the two backends.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// SQLite: pooled connections for reads, and the one connection every write transaction goes
/// through (see [`crate::sqlite_writer`]).
#[derive(Clone)]
pub struct SqliteDb {
    pub pool: SqlitePool,
    writer: Arc<Writer>,
}

/// Shows only the backend: the pools' own Debug output includes connection options, passwords
/// among them.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Db::Sqlite(_) => f.write_str("Db::Sqlite"),
            Db::Postgres(_) => f.write_str("Db::Postgres"),
        }
    }
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Opens a pool for `url` (`sqlite://path`, `sqlite::memory:` or `postgres://…`). SQLite
    /// files are created if missing and opened with WAL, `synchronous=FULL`, foreign keys,
    /// a busy timeout and `secure_delete`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .pragma("secure_delete", "ON");
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            let writer = Writer::new(pool.acquire().await?.detach());
            Ok(Db::Sqlite(SqliteDb { pool, writer }))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?.application_name("closer");
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(SqliteDb { pool, .. }) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        crate::party_keys::run_backfills(self).await
    }

    /// Reads back the SQLite settings of a pooled connection (None on PostgreSQL).
    pub async fn sqlite_settings(&self) -> Result<Option<SqliteSettings>> {
        let Db::Sqlite(SqliteDb { pool, .. }) = self else {
            return Ok(None);
        };
        let mut conn = pool.acquire().await?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await?;
        let busy_timeout_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await?;
        let secure_delete: i64 = sqlx::query_scalar("PRAGMA secure_delete").fetch_one(&mut *conn).await?;
        Ok(Some(SqliteSettings {
            journal_mode,
            synchronous,
            foreign_keys: foreign_keys == 1,
            busy_timeout_ms,
            secure_delete: secure_delete == 1,
        }))
    }

    /// A pooled connection for reads.
    pub async fn acquire(&self) -> Result<DbConn> {
        Ok(match self {
            Db::Sqlite(SqliteDb { pool, .. }) => DbConn::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => DbConn::Postgres(pool.acquire().await?),
        })
    }

    /// Starts a write transaction. On SQLite it waits its turn for the one writing connection
    /// (so a read-then-write cannot fail half-way on a concurrent writer) and shares a commit
    /// with the writes around it.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(sqlite) => Tx::Sqlite(WriteTx::begin(&sqlite.writer).await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A transaction for bulk loads: its writes are kept and sent in batches, plain inserts into
    /// one table as multi-row inserts (see [`Bulk`]); reads are refused.
    pub async fn begin_bulk(&self) -> Result<Tx> {
        Ok(match self.begin().await? {
            Tx::Postgres(tx) => Tx::PostgresBulk(tx, Bulk::new(Backend::Postgres)),
            Tx::Sqlite(tx) => Tx::SqliteBulk(tx, Bulk::new(Backend::Sqlite)),
            other => other,
        })
    }

    /// Refreshes PostgreSQL's planner statistics and visibility map after a bulk load: until
    /// autovacuum gets to the new rows (minutes later) it plans as if the tables were nearly
    /// empty, sorting whole tables instead of reading an index. SQLite plans without statistics
    /// and is left as it is.
    pub async fn analyze(&self) -> Result<()> {
        if let Db::Postgres(pool) = self {
            // VACUUM as well: it marks the new pages all-visible, so that index-only scans (a
            // rep's deal-team places) need not visit the table, and the planner counts on them.
            sqlx::query("VACUUM ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    /// Refreshes PostgreSQL's planner statistics only (quick, for the middle of a bulk load).
    pub async fn analyze_only(&self) -> Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    /// Copies an SQLite database to `path` (a file that does not exist yet) while it is in use:
    /// `VACUUM INTO` reads one snapshot, so the copy holds every transaction committed before it
    /// began and none after. False on PostgreSQL, which is backed up with `pg_dump`.
    pub async fn backup_into(&self, path: &std::path::Path) -> Result<bool> {
        let Db::Sqlite(SqliteDb { pool, .. }) = self else {
            return Ok(false);
        };
        // The file name is bound, never spliced into the statement.
        sqlx::query("VACUUM INTO ?")
            .bind(path.to_string_lossy().into_owned())
            .execute(pool)
            .await?;
        Ok(true)
    }

    /// Answers when the database does (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.acquire().await?;
        let _: i64 = match conn.conn() {
            Conn::Sqlite(c) => sqlx::query_scalar("SELECT 1").fetch_one(&mut *c).await?,
            Conn::Postgres(c) => sqlx::query_scalar("SELECT 1::BIGINT").fetch_one(&mut *c).await?,
            Conn::Bulk(_) => return Err(StoreError::BulkRead),
        };
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(SqliteDb { pool, writer }) => {
                writer.close().await;
                pool.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// What is wrong with the SQLite file at `path` as a Closer database: the problems
/// `PRAGMA integrity_check` finds, or no applied migrations; empty when it is sound. The file is
/// opened read-only.
pub async fn check_sqlite_file(path: &std::path::Path) -> Result<Vec<String>> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePool::connect_with(options).await?;
    let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&pool).await?;
    let mut problems: Vec<String> = found.into_iter().filter(|line| line != "ok").collect();
    let migrated: std::result::Result<i64, sqlx::Error> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await;
    match migrated {
        Ok(count) if count > 0 => {}
        _ => problems.push("no Closer migrations are recorded: this is not a Closer database".into()),
    }
    pool.close().await;
    Ok(problems)
}

/// A database URL with any password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// A pooled connection of either backend.
pub enum DbConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl DbConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            DbConn::Sqlite(c) => Conn::Sqlite(c),
            DbConn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// An open transaction of either backend. Dropping it without [`Tx::commit`] rolls it back.
pub enum Tx {
    Sqlite(WriteTx),
    Postgres(Transaction<'static, Postgres>),
    /// For bulk loads: writes are kept and sent together at each checkpoint and at commit, one
    /// round trip (PostgreSQL) or one hand-over to SQLite's thread per thousands of rows; reads
    /// are refused.
    PostgresBulk(Transaction<'static, Postgres>, Bulk),
    SqliteBulk(WriteTx, Bulk),
}

/// Most parameters one SQLite statement may bind (`SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
const SQLITE_MAX_PARAMETERS: usize = 32_766;

/// The writes a bulk transaction keeps until it sends them. Plain inserts into one table with the
/// same columns become one multi-row insert; any other statement keeps its place, so only runs of
/// plain inserts between two such statements are grouped (parents before children, as they
/// came: a group is placed where its table's first row came). PostgreSQL's statements carry their
/// values written in by sea-query's escaping; SQLite's carry them as parameters, bound in order.
#[derive(Debug)]
pub struct Bulk {
    backend: Backend,
    entries: Vec<BulkEntry>,
    /// Where the groups of the current run of plain inserts begin in `entries`.
    run_start: usize,
}

#[derive(Debug)]
enum BulkEntry {
    Rows {
        /// `INSERT INTO … VALUES `
        prefix: String,
        /// The first row's tuple: with parameters, every row of the group has this one.
        tuple: String,
        /// The row tuples, comma-separated.
        rows: String,
        count: usize,
        /// Every row's parameters, in order.
        values: Vec<Value>,
    },
    Statement(String, Vec<Value>),
}

/// One statement of a flushed bulk transaction.
struct BulkStatement {
    sql: String,
    values: Vec<Value>,
}

impl Bulk {
    fn new(backend: Backend) -> Bulk {
        Bulk {
            backend,
            entries: Vec::new(),
            run_start: 0,
        }
    }

    fn push(&mut self, sql: String, values: Vec<Value>) {
        let Some((prefix, tuple)) = plain_insert(&sql) else {
            self.entries.push(BulkEntry::Statement(sql, values));
            self.run_start = self.entries.len();
            return;
        };
        let group = self.entries[self.run_start..].iter_mut().find(|entry| {
            matches!(entry, BulkEntry::Rows { prefix: p, tuple: t, values: v, .. }
                if p == prefix && (v.is_empty() && values.is_empty() || t == tuple))
        });
        match group {
            Some(BulkEntry::Rows {
                rows,
                count,
                values: kept,
                ..
            }) => {
                rows.push_str(", ");
                rows.push_str(tuple);
                *count += 1;
                kept.extend(values);
            }
            _ => self.entries.push(BulkEntry::Rows {
                prefix: prefix.to_owned(),
                tuple: tuple.to_owned(),
                rows: tuple.to_owned(),
                count: 1,
                values,
            }),
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Everything kept, as statements to run in order, and nothing kept any more. Without
    /// parameters (PostgreSQL) that is one script; with them, each group is split where it would
    /// bind more parameters than SQLite takes.
    fn take_statements(&mut self) -> Vec<BulkStatement> {
        self.run_start = 0;
        let entries = std::mem::take(&mut self.entries);
        if self.backend == Backend::Postgres {
            let script = entries
                .into_iter()
                .map(|entry| match entry {
                    BulkEntry::Rows { prefix, rows, .. } => format!("{prefix}{rows}"),
                    BulkEntry::Statement(sql, _) => sql,
                })
                .collect::<Vec<_>>()
                .join(";\n");
            return vec![BulkStatement {
                sql: script,
                values: Vec::new(),
            }];
        }
        let mut statements = Vec::new();
        for entry in entries {
            match entry {
                BulkEntry::Statement(sql, values) => statements.push(BulkStatement { sql, values }),
                BulkEntry::Rows {
                    prefix, rows, values, ..
                } if values.is_empty() => statements.push(BulkStatement {
                    sql: format!("{prefix}{rows}"),
                    values,
                }),
                BulkEntry::Rows {
                    prefix,
                    tuple,
                    count,
                    values,
                    ..
                } => {
                    let per_row = (values.len() / count).max(1);
                    let rows_per_statement = (SQLITE_MAX_PARAMETERS / per_row).max(1);
                    let mut values = values.into_iter();
                    let mut left = count;
                    while left > 0 {
                        let rows = left.min(rows_per_statement);
                        left -= rows;
                        statements.push(BulkStatement {
                            sql: format!("{prefix}{}", vec![tuple.as_str(); rows].join(", ")),
                            values: values.by_ref().take(rows * per_row).collect(),
                        });
                    }
                }
            }
        }
        statements
    }
}

/// `INSERT INTO … VALUES ` and its row tuples, when `sql` is a plain insert (no `ON CONFLICT`,
/// no `RETURNING`) as sea-query writes it for PostgreSQL: strings in `'…'` or `E'…'` with
/// backslash escapes.
fn plain_insert(sql: &str) -> Option<(&str, &str)> {
    if !sql.starts_with("INSERT INTO ") {
        return None;
    }
    // Identifiers and columns come first, in double quotes; the first ` VALUES ` is the keyword.
    let at = sql.find(" VALUES (")? + " VALUES ".len();
    let (prefix, rows) = sql.split_at(at);
    let mut depth = 0usize;
    let mut quoted = false;
    let mut chars = rows.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if quoted {
            match c {
                '\\' => {
                    chars.next();
                }
                '\'' if chars.peek().is_some_and(|(_, next)| *next == '\'') => {
                    chars.next();
                }
                '\'' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '\'' => quoted = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let rest = rows[index + 1..].trim_start();
                    if rest.is_empty() {
                        return Some((prefix, rows));
                    }
                    if !rest.starts_with(',') {
                        return None;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx.connection()),
            Tx::Postgres(tx) => Conn::Postgres(tx),
            Tx::PostgresBulk(_, kept) | Tx::SqliteBulk(_, kept) => Conn::Bulk(kept),
        }
    }

    pub async fn commit(mut self) -> Result<()> {
        self.flush().await?;
        match self {
            Tx::Sqlite(tx) | Tx::SqliteBulk(tx, _) => tx.commit().await?,
            Tx::Postgres(tx) | Tx::PostgresBulk(tx, _) => tx.commit().await?,
        }
        Ok(())
    }

    /// Sends the writes a bulk transaction kept.
    async fn flush(&mut self) -> Result<()> {
        match self {
            Tx::PostgresBulk(tx, kept) if !kept.is_empty() => {
                for statement in kept.take_statements() {
                    sqlx::raw_sql(AssertSqlSafe(statement.sql)).execute(&mut **tx).await?;
                }
            }
            Tx::SqliteBulk(tx, kept) if !kept.is_empty() => {
                for statement in kept.take_statements() {
                    // Each statement is run once: keeping it prepared would only fill the cache.
                    sqlx::query_with(AssertSqlSafe(statement.sql), SqlxValues(Values(statement.values)))
                        .persistent(false)
                        .execute(tx.connection())
                        .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Commits what the transaction holds and goes on in a new one on the same connection, for
    /// bulk loads written in batches. (Opening the next transaction before committing this one
    /// would wait on SQLite's single writer: this one.)
    pub async fn checkpoint(&mut self) -> Result<()> {
        self.flush().await?;
        match self {
            Tx::Sqlite(tx) | Tx::SqliteBulk(tx, _) => tx.checkpoint().await?,
            Tx::Postgres(tx) | Tx::PostgresBulk(tx, _) => {
                sqlx::query("COMMIT").execute(&mut **tx).await?;
                sqlx::query("BEGIN").execute(&mut **tx).await?;
            }
        }
        Ok(())
    }
}

/// A borrowed connection, from a pool or inside a transaction; every store function takes one.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
    /// The writes of a bulk transaction ([`Db::begin_bulk`]), kept to be sent in batches.
    Bulk(&'c mut Bulk),
}

/// A row type that decodes from both backends.
pub trait AnyRow: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> AnyRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl Conn<'_> {
    /// A shorter-lived copy of this borrow, to run several statements on one connection.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
            Conn::Bulk(kept) => Conn::Bulk(kept),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
            Conn::Bulk(kept) => kept.backend,
        }
    }

    /// Runs a statement; returns the number of rows it touched (in a bulk transaction, where the
    /// statement runs later, 1).
    pub async fn execute<S: SqlxBinder + QueryStatementWriter>(self, statement: &S) -> Result<u64> {
        Ok(match self {
            Conn::Bulk(kept) => {
                match kept.backend {
                    Backend::Postgres => kept.push(statement.to_string(PostgresQueryBuilder), Vec::new()),
                    Backend::Sqlite => {
                        let (sql, values) = statement.build(SqliteQueryBuilder);
                        kept.push(sql, values.0);
                    }
                }
                1
            }
            Conn::Sqlite(c) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
            Conn::Postgres(c) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(c)
                    .await?
                    .rows_affected()
            }
        })
    }

    pub async fn fetch_all<T: AnyRow, S: SqlxBinder>(self, statement: &S) -> Result<Vec<T>> {
        Ok(match self {
            Conn::Bulk(_) => return Err(StoreError::BulkRead),
            Conn::Sqlite(c) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with(AssertSqlSafe(sql), values).fetch_all(c).await?
            }
            Conn::Postgres(c) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with(AssertSqlSafe(sql), values).fetch_all(c).await?
            }
        })
    }

    pub async fn fetch_optional<T: AnyRow, S: SqlxBinder>(self, statement: &S) -> Result<Option<T>> {
        Ok(match self {
            Conn::Bulk(_) => return Err(StoreError::BulkRead),
            Conn::Sqlite(c) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with(AssertSqlSafe(sql), values)
                    .fetch_optional(c)
                    .await?
            }
            Conn::Postgres(c) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with(AssertSqlSafe(sql), values)
                    .fetch_optional(c)
                    .await?
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Backend, Bulk, plain_insert, redact_url};
    use sea_query::Value;

    #[test]
    fn plain_inserts_are_told_from_others_and_grouped_in_order() {
        let tricky = r#"INSERT INTO "t" ("a", "b") VALUES (E'it\'s a \\ back\' VALUES (x)', 5), ('第二', NULL)"#;
        let (prefix, rows) = plain_insert(tricky).expect("a plain insert");
        assert_eq!(prefix, r#"INSERT INTO "t" ("a", "b") VALUES "#);
        assert!(rows.ends_with("('第二', NULL)"));
        let quoted = r#"INSERT INTO "t" ("a") VALUES ('a '') ON CONFLICT')"#;
        assert!(
            plain_insert(quoted).is_some(),
            "a doubled quote stays inside the string"
        );
        assert!(plain_insert(r#"INSERT INTO "t" ("a") VALUES (1) ON CONFLICT ("a") DO NOTHING"#).is_none());
        assert!(plain_insert(r#"INSERT INTO "t" ("a") VALUES (1) RETURNING "a""#).is_none());
        assert!(plain_insert(r#"DELETE FROM "t" WHERE "a" = 1"#).is_none());

        let mut bulk = Bulk::new(Backend::Postgres);
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (1)"#.into(), Vec::new());
        bulk.push(r#"INSERT INTO "c" ("p") VALUES (1)"#.into(), Vec::new());
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (2)"#.into(), Vec::new());
        bulk.push(r#"UPDATE "p" SET "x" = 1"#.into(), Vec::new());
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (3)"#.into(), Vec::new());
        let statements = bulk.take_statements();
        assert_eq!(statements.len(), 1, "PostgreSQL gets one script");
        assert_eq!(
            statements[0].sql,
            "INSERT INTO \"p\" (\"id\") VALUES (1), (2);\nINSERT INTO \"c\" (\"p\") VALUES (1);\n\
             UPDATE \"p\" SET \"x\" = 1;\nINSERT INTO \"p\" (\"id\") VALUES (3)"
        );
        assert!(bulk.is_empty());
    }

    #[test]
    fn sqlite_bulk_groups_bind_every_row_and_split_at_the_parameter_limit() {
        let mut bulk = Bulk::new(Backend::Sqlite);
        let rows = 40_000usize;
        for n in 0..rows {
            let id = i64::try_from(n).expect("small");
            bulk.push(
                r#"INSERT INTO "p" ("id") VALUES (?)"#.into(),
                vec![Value::BigInt(Some(id))],
            );
        }
        bulk.push(r#"UPDATE "p" SET "x" = ?"#.into(), vec![Value::BigInt(Some(7))]);
        bulk.push(
            r#"INSERT INTO "p" ("id", "x") VALUES (?, ?)"#.into(),
            vec![Value::BigInt(Some(1)), Value::BigInt(Some(2))],
        );
        let statements = bulk.take_statements();
        assert_eq!(statements.len(), 4);
        assert_eq!(statements[0].values.len(), super::SQLITE_MAX_PARAMETERS);
        assert_eq!(statements[0].sql.matches("(?)").count(), super::SQLITE_MAX_PARAMETERS);
        assert_eq!(statements[1].values.len(), rows - super::SQLITE_MAX_PARAMETERS);
        assert_eq!(statements[1].values.last(), Some(&Value::BigInt(Some(39_999))));
        assert_eq!(statements[2].sql, r#"UPDATE "p" SET "x" = ?"#);
        assert_eq!(statements[3].sql, r#"INSERT INTO "p" ("id", "x") VALUES (?, ?)"#);
        assert!(bulk.is_empty());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://closer:s3cret@db:5432/closer"),
            "postgres://closer:***@db:5432/closer"
        );
        assert_eq!(redact_url("postgres://closer@db/closer"), "postgres://closer@db/closer");
        assert_eq!(
            redact_url("sqlite://./closer-data/closer.db"),
            "sqlite://./closer-data/closer.db"
        );
    }
}
