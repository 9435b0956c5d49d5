//! Write transactions under concurrency, on both databases: every committed write is there and
//! visible once its commit returns, every abandoned one is gone, and requests that give up while
//! waiting their turn do not stall the others (SQLite's writes share commits; see
//! `sqlite_writer`).

use std::time::Duration;

use closer_store::{Backend, Db, throttle};
use sqlx::Connection;
use time::OffsetDateTime;

const WINDOW: time::Duration = time::Duration::minutes(15);

async fn failures(db: &Db, key: &str) -> i64 {
    let mut conn = db.acquire().await.expect("read connection");
    throttle::failures(conn.conn(), key, OffsetDateTime::now_utc(), WINDOW)
        .await
        .expect("read")
        .failures
}

async fn concurrent_writes_commit_or_vanish_whole(db: &Db) {
    let mut tasks = Vec::new();
    for n in 0..60 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("key-{n}");
            let mut tx = db.begin().await.expect("begin");
            throttle::record_failure(tx.conn(), &key, OffsetDateTime::now_utc(), WINDOW)
                .await
                .expect("write");
            throttle::record_failure(tx.conn(), &key, OffsetDateTime::now_utc(), WINDOW)
                .await
                .expect("second write");
            if n % 3 == 0 {
                drop(tx); // abandoned: a refusal or an error after some writes
                return;
            }
            tx.commit().await.expect("commit");
            // Answered only after the commit: a fresh read sees it.
            assert_eq!(failures(&db, &key).await, 2, "{key} is visible once committed");
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    for n in 0..60 {
        let expected = if n % 3 == 0 { 0 } else { 2 };
        assert_eq!(failures(db, &format!("key-{n}")).await, expected, "key-{n}");
    }

    // Requests that give up while waiting for their turn (a client gone, a timeout) leave no
    // trace and do not stall the ones behind them.
    let holder = db.begin().await.expect("begin");
    let mut impatient = Vec::new();
    for n in 0..5 {
        let db = db.clone();
        impatient.push(tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            throttle::record_failure(tx.conn(), &format!("late-{n}"), OffsetDateTime::now_utc(), WINDOW)
                .await
                .expect("write");
            tx.commit().await.expect("commit");
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    for task in &impatient {
        task.abort();
    }
    drop(holder);
    let db2 = db.clone();
    tokio::time::timeout(Duration::from_secs(10), async move {
        let mut tx = db2.begin().await.expect("begin after the impatient ones");
        throttle::record_failure(tx.conn(), "after", OffsetDateTime::now_utc(), WINDOW)
            .await
            .expect("write");
        tx.commit().await.expect("commit");
    })
    .await
    .expect("the writer is not stalled");
    assert_eq!(failures(db, "after").await, 1);
    if db.backend() == Backend::Sqlite {
        // They were all waiting behind the holder for SQLite's one writer.
        for n in 0..5 {
            assert_eq!(
                failures(db, &format!("late-{n}")).await,
                0,
                "late-{n} gave up before writing"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("writes.db").display()), 4)
        .await
        .expect("open");
    db.migrate().await.expect("migrate");
    concurrent_writes_commit_or_vanish_whole(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_postgres() {
    let Some(admin_url) = std::env::var("CLOSER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var("CLOSER_REQUIRE_POSTGRES").map_or(true, |v| v != "1"),
            "CLOSER_REQUIRE_POSTGRES=1 but CLOSER_TEST_POSTGRES_URL is not set"
        );
        eprintln!("PostgreSQL half skipped: set CLOSER_TEST_POSTGRES_URL to run it");
        return;
    };
    let name = format!("closer_test_writes_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create");
    let url = match admin_url.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("CLOSER_TEST_POSTGRES_URL needs a database path"),
    };
    let db = Db::connect(&url, 8).await.expect("open");
    db.migrate().await.expect("migrate");
    concurrent_writes_commit_or_vanish_whole(&db).await;
    db.close().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .expect("drop");
}
