//! Connections, transactions and statement execution for both backends.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
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
        Ok(())
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

    /// A transaction for bulk loads: on PostgreSQL its writes go to the server in batches (see
    /// [`Tx::PostgresBulk`]); SQLite, in process, gains nothing from that and writes as usual.
    pub async fn begin_bulk(&self) -> Result<Tx> {
        Ok(match self.begin().await? {
            Tx::Postgres(tx) => Tx::PostgresBulk(tx, Bulk::default()),
            other => other,
        })
    }

    /// Refreshes PostgreSQL's planner statistics after a bulk load: until autovacuum gets to the
    /// new rows (minutes later) it plans as if the tables were nearly empty, sorting whole tables
    /// instead of reading an index. SQLite plans without statistics and is left as it is.
    pub async fn analyze(&self) -> Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
        Ok(())
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
    /// PostgreSQL for bulk loads: writes are kept and sent together at each checkpoint and at
    /// commit, one round trip for thousands of rows; reads are refused.
    PostgresBulk(Transaction<'static, Postgres>, Bulk),
}

/// The writes a PostgreSQL bulk transaction keeps until it sends them. Plain inserts into one
/// table with the same columns become one multi-row insert; any other statement keeps its place,
/// so only runs of plain inserts between two such statements are grouped (parents before
/// children, as they came: a group is placed where its table's first row came).
#[derive(Debug, Default)]
pub struct Bulk {
    entries: Vec<BulkEntry>,
    /// Where the groups of the current run of plain inserts begin in `entries`.
    run_start: usize,
}

#[derive(Debug)]
enum BulkEntry {
    /// `INSERT INTO … VALUES ` and the row tuples, comma-separated.
    Rows {
        prefix: String,
        rows: String,
    },
    Statement(String),
}

impl Bulk {
    fn push(&mut self, sql: String) {
        match plain_insert(&sql) {
            Some((prefix, rows)) => {
                let run = &mut self.entries[self.run_start..];
                let group = run.iter_mut().find_map(|entry| match entry {
                    BulkEntry::Rows { prefix: p, rows } if p == prefix => Some(rows),
                    _ => None,
                });
                match group {
                    Some(existing) => {
                        existing.push_str(", ");
                        existing.push_str(rows);
                    }
                    None => self.entries.push(BulkEntry::Rows {
                        prefix: prefix.to_owned(),
                        rows: rows.to_owned(),
                    }),
                }
            }
            None => {
                self.entries.push(BulkEntry::Statement(sql));
                self.run_start = self.entries.len();
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Everything kept, as one script, and nothing kept any more.
    fn take_script(&mut self) -> String {
        self.run_start = 0;
        std::mem::take(&mut self.entries)
            .into_iter()
            .map(|entry| match entry {
                BulkEntry::Rows { prefix, rows } => format!("{prefix}{rows}"),
                BulkEntry::Statement(sql) => sql,
            })
            .collect::<Vec<_>>()
            .join(";\n")
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
            Tx::PostgresBulk(_, kept) => Conn::Bulk(kept),
        }
    }

    pub async fn commit(mut self) -> Result<()> {
        self.flush().await?;
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) | Tx::PostgresBulk(tx, _) => tx.commit().await?,
        }
        Ok(())
    }

    /// Sends the writes a bulk transaction kept.
    async fn flush(&mut self) -> Result<()> {
        if let Tx::PostgresBulk(tx, kept) = self
            && !kept.is_empty()
        {
            let script = kept.take_script();
            sqlx::raw_sql(AssertSqlSafe(script)).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Commits what the transaction holds and goes on in a new one on the same connection, for
    /// bulk loads written in batches. (Opening the next transaction before committing this one
    /// would wait on SQLite's single writer: this one.)
    pub async fn checkpoint(&mut self) -> Result<()> {
        self.flush().await?;
        match self {
            Tx::Sqlite(tx) => tx.checkpoint().await?,
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
    /// The writes of a PostgreSQL bulk transaction ([`Db::begin_bulk`]), kept as statements with
    /// their values written in by sea-query's escaping.
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
            Conn::Postgres(_) | Conn::Bulk(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; returns the number of rows it touched (in a bulk transaction, where the
    /// statement runs later, 1).
    pub async fn execute<S: SqlxBinder + QueryStatementWriter>(self, statement: &S) -> Result<u64> {
        Ok(match self {
            Conn::Bulk(kept) => {
                kept.push(statement.to_string(PostgresQueryBuilder));
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
    use super::{Bulk, plain_insert, redact_url};

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

        let mut bulk = Bulk::default();
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (1)"#.into());
        bulk.push(r#"INSERT INTO "c" ("p") VALUES (1)"#.into());
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (2)"#.into());
        bulk.push(r#"UPDATE "p" SET "x" = 1"#.into());
        bulk.push(r#"INSERT INTO "p" ("id") VALUES (3)"#.into());
        assert_eq!(
            bulk.take_script(),
            "INSERT INTO \"p\" (\"id\") VALUES (1), (2);\nINSERT INTO \"c\" (\"p\") VALUES (1);\n\
             UPDATE \"p\" SET \"x\" = 1;\nINSERT INTO \"p\" (\"id\") VALUES (3)"
        );
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
