//! `closer bench import`: a contacts CSV of `rows` rows imported by `closer import` (matching on
//! e-mail and phone, so every row is looked up) against the raw bulk insert of the same rows
//! into an empty SQLite database of the same schema, indexes and settings, measured in the same
//! run. The raw insert writes each person's row and its two keys in one transaction — once with
//! a prepared statement per row, once 500 rows to a statement: what the import writes at the
//! least, without its checks, audit rows and progress.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use closer_store::{Db, SqliteDb};
use closer_web::app::bootstrap::{self, AdminSetup, Installation};
use closer_web::app::importer::{self, ImportFile, ImportRequest, ImportSettings};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Executor};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct ImportBench {
    pub rows: u64,
    /// Rows repeating an earlier row's e-mail (1 in 100): updates, not new people.
    pub repeated_rows: u64,
    pub import_seconds: f64,
    pub import_rows_per_second: f64,
    pub baseline_rows_per_second: f64,
    /// Import rate ÷ raw insert rate (goal: 0.5 or more).
    pub ratio: f64,
    /// The raw insert again, 500 rows to a statement.
    pub multi_row_baseline_rows_per_second: f64,
    pub multi_row_ratio: f64,
    pub created: i64,
    pub updated: i64,
    pub failed: i64,
    /// The process's peak resident memory after the import, and after the baseline.
    pub peak_rss_mib_after_import: f64,
    pub file_mib: f64,
}

/// Every hundredth row repeats the row 50 before it (same e-mail, a new phone): found, updated.
fn row(i: u64) -> (u64, String, String) {
    let person = if i % 100 == 99 { i - 50 } else { i };
    (person, format!("p{person}@example.com"), format!("+44 7{i:09}"))
}

/// Rows to a statement in the multi-row baseline.
const MULTI_ROW: usize = 500;

fn write_file(path: &std::path::Path, rows: u64) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "Record ID,First Name,Last Name,Email,Phone Number")?;
    let mut repeated = 0;
    for i in 0..rows {
        let (person, email, phone) = row(i);
        repeated += u64::from(person != i);
        writeln!(out, "{i},Person,{person},{email},{phone}")?;
    }
    out.flush()?;
    Ok(repeated)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn run(db: &Db, installation: Installation, rows: u64) -> anyhow::Result<ImportBench> {
    if !matches!(db, Db::Sqlite(_)) {
        bail!("the import bench compares with SQLite's raw insert: run it on a SQLite database");
    }
    let dir = tempfile_dir()?;
    let file = dir.join("contacts.csv");
    let repeated_rows = write_file(&file, rows)?;
    let file_mib = std::fs::metadata(&file)?.len() as f64 / 1024.0 / 1024.0;

    let ctx = closer_web::app::admin_ctx(db, &installation)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let request = ImportRequest {
        kind: closer_domain::import::ImportKind::People,
        mode: closer_domain::import::ImportMode::CreateOrUpdate,
        settings: ImportSettings::default(),
        file_name: "contacts.csv".into(),
        resume: None,
    };
    let started = Instant::now();
    let import = importer::run(&ctx, &request, ImportFile::Path(file.clone()), &|_| {})
        .await
        .map_err(|e| anyhow::anyhow!("import: {e}"))?;
    let import_seconds = started.elapsed().as_secs_f64();
    let peak_rss_mib_after_import = peak_rss_mib();

    let baseline_rows_per_second = raw_insert(&dir, &file, 1).await?;
    let multi_row_baseline_rows_per_second = raw_insert(&dir, &file, MULTI_ROW).await?;
    let _ = std::fs::remove_dir_all(&dir);
    let import_rows_per_second = rows as f64 / import_seconds;
    Ok(ImportBench {
        rows,
        repeated_rows,
        import_seconds,
        import_rows_per_second,
        baseline_rows_per_second,
        ratio: import_rows_per_second / baseline_rows_per_second,
        multi_row_baseline_rows_per_second,
        multi_row_ratio: import_rows_per_second / multi_row_baseline_rows_per_second,
        created: import.counts.created,
        updated: import.counts.updated,
        failed: import.counts.failed,
        peak_rss_mib_after_import,
        file_mib,
    })
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("closer-bench-import-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot make {}", dir.display()))?;
    Ok(dir)
}

/// A person row of the raw insert and the keys it adds.
struct RawRow {
    party: Option<(Uuid, String, String, String, String)>,
    keys: Vec<(&'static str, String, Uuid)>,
}

/// The same rows inserted straight into a fresh SQLite database: each new person's row and its
/// e-mail and phone keys (a repeated row adds its phone to the person made before), `per_statement`
/// rows to a statement (1: one prepared insert per row, as SQLite's own advice for bulk loads has
/// it; more: multi-row inserts, the fastest plain SQL we know).
async fn raw_insert(dir: &std::path::Path, file: &std::path::Path, per_statement: usize) -> anyhow::Result<f64> {
    let url = format!(
        "sqlite://{}",
        dir.join(format!("baseline-{per_statement}.db")).display()
    );
    let db = Db::connect(&url, 2).await?;
    db.migrate().await?;
    let started = bootstrap::ensure_installation(
        &db,
        &AdminSetup {
            password: Some("baseline-password-1".into()),
            ..AdminSetup::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let Db::Sqlite(SqliteDb { pool, .. }) = &db else {
        bail!("the baseline is SQLite");
    };
    let workspace = started.installation.workspace.as_uuid();
    let owner = started.installation.admin.as_uuid();
    let mut conn = pool.acquire().await?;
    let mut reader = csv::Reader::from_path(file)?;
    let mut ids: std::collections::HashMap<String, Uuid> = std::collections::HashMap::new();
    let now = OffsetDateTime::now_utc();
    let began = Instant::now();
    let mut count = 0u64;
    let mut batch: Vec<RawRow> = Vec::with_capacity(per_statement);
    conn.execute("BEGIN IMMEDIATE").await?;
    let mut records = reader.records();
    loop {
        let record = records.next().transpose()?;
        if let Some(record) = &record {
            let name = format!("{} {}", &record[1], &record[2]);
            let email = record[3].to_lowercase();
            let phone = format!(
                "+{}",
                record[4].chars().filter(char::is_ascii_digit).collect::<String>()
            );
            let mut row = RawRow {
                party: None,
                keys: Vec::new(),
            };
            let party = match ids.get(&email) {
                Some(id) => *id,
                None => {
                    let id = Uuid::now_v7();
                    let search = format!("{} {email} {}", name.to_lowercase(), &phone[1..]);
                    row.keys.push(("email", email.clone(), id));
                    row.party = Some((id, name, format!("[\"{email}\"]"), format!("[\"{phone}\"]"), search));
                    ids.insert(email, id);
                    id
                }
            };
            row.keys.push(("phone", phone, party));
            batch.push(row);
            count += 1;
        }
        if batch.len() == per_statement || (record.is_none() && !batch.is_empty()) {
            let parties: Vec<_> = batch.iter().filter_map(|r| r.party.as_ref()).collect();
            if !parties.is_empty() {
                let tuples = vec!["(?, ?, 'person', ?, ?, ?, ?, ?, 1, ?, ?)"; parties.len()].join(", ");
                let sql = format!(
                    "INSERT INTO parties (workspace_id, id, kind, name, emails, phones, owner_id, search_text, \
                     version, created_at, updated_at) VALUES {tuples}"
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for (id, name, emails, phones, search) in parties {
                    query = query
                        .bind(workspace)
                        .bind(*id)
                        .bind(name)
                        .bind(emails)
                        .bind(phones)
                        .bind(owner)
                        .bind(search)
                        .bind(now)
                        .bind(now);
                }
                query.execute(&mut *conn).await?;
            }
            let keys: Vec<_> = batch.iter().flat_map(|r| r.keys.iter()).collect();
            let tuples = vec!["(?, ?, ?, ?)"; keys.len()].join(", ");
            let sql = format!("INSERT INTO party_keys (workspace_id, key_kind, key_value, party_id) VALUES {tuples}");
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (kind, value, party) in keys {
                query = query.bind(workspace).bind(*kind).bind(value).bind(*party);
            }
            query.execute(&mut *conn).await?;
            batch.clear();
        }
        if record.is_none() {
            break;
        }
    }
    conn.execute("COMMIT").await?;
    let rate = count as f64 / began.elapsed().as_secs_f64();
    drop(conn);
    db.close().await;
    Ok(rate)
}
