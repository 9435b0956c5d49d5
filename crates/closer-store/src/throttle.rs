//! Failed sign-in counters per key (an account, a client address), shared by every server through
//! the database. A key is locked while its failures in the current window reach the limit.

use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::FromRow;
use time::{Duration, OffsetDateTime};

use crate::db::{Conn, Result};
use crate::schema::LoginThrottle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct Counter {
    pub window_started_at: OffsetDateTime,
    pub failures: i64,
}

/// The failures counted for `key` in the window that is open at `now` (0 when it closed).
pub async fn failures(conn: Conn<'_>, key: &str, now: OffsetDateTime, window: Duration) -> Result<Counter> {
    let statement = Query::select()
        .columns([LoginThrottle::WindowStartedAt, LoginThrottle::Failures])
        .from(LoginThrottle::Table)
        .and_where(Expr::col(LoginThrottle::Key).eq(key))
        .to_owned();
    let counter: Option<Counter> = conn.fetch_optional(&statement).await?;
    Ok(match counter {
        Some(counter) if counter.window_started_at + window > now => counter,
        _ => Counter {
            window_started_at: now,
            failures: 0,
        },
    })
}

/// Counts one more failure for `key`, opening a new window when the last one closed.
pub async fn record_failure(mut conn: Conn<'_>, key: &str, now: OffsetDateTime, window: Duration) -> Result<()> {
    let current = failures(conn.reborrow(), key, now, window).await?;
    let statement = Query::insert()
        .into_table(LoginThrottle::Table)
        .columns([
            LoginThrottle::Key,
            LoginThrottle::WindowStartedAt,
            LoginThrottle::Failures,
        ])
        .values_panic([
            key.into(),
            current.window_started_at.into(),
            (current.failures + 1).into(),
        ])
        .on_conflict(
            OnConflict::column(LoginThrottle::Key)
                .update_columns([LoginThrottle::WindowStartedAt, LoginThrottle::Failures])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
pub async fn reset(conn: Conn<'_>, key: &str) -> Result<()> {
    let statement = Query::delete()
        .from_table(LoginThrottle::Table)
        .and_where(Expr::col(LoginThrottle::Key).eq(key))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}
