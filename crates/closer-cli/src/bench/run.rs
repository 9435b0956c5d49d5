//! `closer bench run`: for each database and size, a fresh database generated in process, this
//! binary serving it in a child process, `closer bench load` processes measuring it, and the
//! baselines of the same run beside every figure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use closer_domain::access::TokenScope;
use closer_store::{Db, SqliteDb};
use closer_web::app::bootstrap::{self, AdminSetup, Installation};
use closer_web::app::demo::{self, Scale};
use closer_web::app::{auth, jobs};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

use super::baseline::{self, InsertRates};
use super::load::LoadReport;

const ADMIN_EMAIL: &str = "admin@closer.local";
/// A rep (member role) of the generated workspace: sees their own deals and their team's.
const REP_EMAIL: &str = "chen.jie@closer.local";
/// Stakeholders, meetings and notes of the one deal the gate workload evaluates.
const BIG_COMMITTEE: usize = 120;
const BIG_MEETINGS: usize = 60;
const BIG_NOTES: usize = 200;
/// The largest size at which the deal-health job is run and timed.
const HEALTH_JOB_UP_TO: usize = 100_000;

#[derive(Debug)]
pub struct RunOptions {
    pub sizes: Vec<usize>,
    pub postgres: Option<String>,
    pub sqlite: bool,
    pub seconds: f64,
    pub concurrency: usize,
    pub report: PathBuf,
    pub work_dir: Option<PathBuf>,
    pub seed: u64,
}

/// Where one measurement's database lives.
#[derive(Debug, Clone)]
enum Target {
    Sqlite(PathBuf),
    /// The server URL given; the run's database is made beside the one it names.
    Postgres(String),
}

impl Target {
    fn backend(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "SQLite",
            Target::Postgres(_) => "PostgreSQL",
        }
    }
}

/// One workload's figures.
#[derive(Debug, Clone)]
struct Measured {
    name: &'static str,
    connections: usize,
    load: LoadReport,
}

/// Everything measured at one size on one database.
#[derive(Debug, Clone)]
struct SizeResult {
    backend: &'static str,
    deals: usize,
    people: usize,
    open_deals: usize,
    generate_seconds: f64,
    /// None where the job was not run (above [`HEALTH_JOB_UP_TO`]).
    health_job_seconds: Option<f64>,
    database_bytes: u64,
    cold_start_ms: f64,
    rss_idle_kib: u64,
    rss_peak_kib: u64,
    reads: Vec<Measured>,
    write: Measured,
    inserts: InsertRates,
}

pub async fn run(options: RunOptions) -> anyhow::Result<()> {
    if options.sizes.is_empty() || options.sizes.contains(&0) {
        bail!("give sizes of at least one deal, e.g. --deals 10000,100000");
    }
    if !options.sqlite && options.postgres.is_none() {
        bail!("nothing to measure: --no-sqlite needs --postgres URL");
    }
    let binary = std::env::current_exe().context("cannot find this binary")?;
    let binary_bytes = std::fs::metadata(&binary)?.len();
    let (work, temporary) = match &options.work_dir {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!("closer-bench-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&work).with_context(|| format!("cannot make {}", work.display()))?;
    let mut targets = Vec::new();
    if options.sqlite {
        targets.push(Target::Sqlite(work.clone()));
    }
    if let Some(url) = &options.postgres {
        targets.push(Target::Postgres(url.clone()));
    }
    let mut results = Vec::new();
    for target in &targets {
        for &deals in &options.sizes {
            eprintln!("bench: {} with {deals} deals", target.backend());
            let result = measure(&binary, target, deals, &options)
                .await
                .with_context(|| format!("{} at {deals} deals", target.backend()))?;
            println!("{}", table(&result));
            results.push(result);
        }
    }
    if temporary {
        let _ = std::fs::remove_dir_all(&work);
    }
    let earlier = std::fs::read_to_string(&options.report).ok();
    let report = markdown(&results, binary_bytes, &options, earlier.as_deref());
    std::fs::write(&options.report, report).with_context(|| format!("cannot write {}", options.report.display()))?;
    println!("report written to {}", options.report.display());
    Ok(())
}

/// A fresh, empty database for one measurement; its URL.
async fn fresh_database(target: &Target, deals: usize) -> anyhow::Result<String> {
    match target {
        Target::Sqlite(dir) => {
            let path = dir.join(format!("closer-{deals}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file)?;
                }
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        Target::Postgres(url) => {
            let name = postgres_name();
            eprintln!("bench: PostgreSQL database {name}");
            let admin = Db::connect(url, 1).await?;
            let Db::Postgres(pool) = &admin else {
                bail!("--postgres takes a postgres:// URL");
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(pool)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(pool)
                .await?;
            admin.close().await;
            let mut parsed = reqwest::Url::parse(url).context("--postgres is not a URL")?;
            parsed.set_path(&format!("/{name}"));
            Ok(parsed.to_string())
        }
    }
}

/// The run's own PostgreSQL database (one per process, so runs side by side do not collide).
fn postgres_name() -> String {
    format!("closer_bench_{}", std::process::id())
}

async fn drop_database(target: &Target) -> anyhow::Result<()> {
    match target {
        Target::Sqlite(_) => Ok(()),
        Target::Postgres(url) => {
            let admin = Db::connect(url, 1).await?;
            if let Db::Postgres(pool) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    postgres_name()
                )))
                .execute(pool)
                .await?;
            }
            admin.close().await;
            Ok(())
        }
    }
}

/// What the in-process setup leaves for the server-side workloads.
struct Prepared {
    installation: Installation,
    people: usize,
    open_deals: usize,
    generate_seconds: f64,
    /// None where the job was not run (above [`HEALTH_JOB_UP_TO`]).
    health_job_seconds: Option<f64>,
    database_bytes: u64,
    token: String,
    admin_session: String,
    rep_session: String,
    rep_id: Uuid,
    deal_ids: Vec<Uuid>,
}

async fn prepare(url: &str, deals: usize, seed: u64) -> anyhow::Result<Prepared> {
    let db = Db::connect(url, 4).await?;
    db.migrate().await?;
    let admin_password = auth::random_secret()?;
    let setup = AdminSetup {
        email: ADMIN_EMAIL.into(),
        password: Some(admin_password.clone()),
    };
    let installation = bootstrap::ensure_installation(&db, &setup).await?.installation;
    let started = Instant::now();
    let summary = demo::generate(&db, installation, Scale::sized(deals, deals, seed))
        .await?
        .context("the fresh database already had deals")?;
    let generate_seconds = started.elapsed().as_secs_f64();

    // The hourly deal-health job, run now so that the server does not start it mid-measurement;
    // above HEALTH_JOB_UP_TO deals it is only put off for an hour (it takes minutes there).
    let health_job_seconds = if deals <= HEALTH_JOB_UP_TO {
        jobs::schedule(&db, installation.workspace).await?;
        let started = Instant::now();
        jobs::run_due(&db, &Default::default(), "closer-bench").await?;
        let seconds = started.elapsed().as_secs_f64();
        // The job filled the deal-health table after the generator's statistics were taken;
        // measure what autovacuum would see a minute later, not a table planned as empty.
        db.analyze().await?;
        Some(seconds)
    } else {
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        closer_store::jobs::ensure(&db, installation.workspace, jobs::DEAL_HEALTH, later).await?;
        None
    };

    let (_, token) = auth::create_token(
        &db,
        installation.workspace,
        installation.admin,
        "closer bench",
        TokenScope::ReadWrite,
        None,
    )
    .await?;
    let admin_session = auth::login(&db, installation.workspace, ADMIN_EMAIL, &admin_password, None, None)
        .await
        .map_err(|_| anyhow::anyhow!("the administrator cannot sign in"))?;
    let rep_session = auth::login(&db, installation.workspace, REP_EMAIL, &summary.password, None, None)
        .await
        .map_err(|_| anyhow::anyhow!("the demo rep cannot sign in"))?;
    let (deal_ids, open_deals) = sample_deals(&db, installation.workspace.as_uuid()).await?;
    let database_bytes = database_bytes(&db, url).await?;
    db.close().await;
    Ok(Prepared {
        installation,
        people: summary.people,
        open_deals,
        generate_seconds,
        health_job_seconds,
        database_bytes,
        token,
        admin_session: admin_session.secret,
        rep_id: rep_session.user.id,
        rep_session: rep_session.secret,
        deal_ids,
    })
}

/// 256 deal ids spread over the whole table, and how many deals are open.
async fn sample_deals(db: &Db, workspace: Uuid) -> anyhow::Result<(Vec<Uuid>, usize)> {
    let (ids, open): (Vec<Uuid>, i64) = match db {
        Db::Sqlite(SqliteDb { pool, .. }) => (
            sqlx::query_scalar("SELECT id FROM deals WHERE workspace_id = ? ORDER BY id")
                .bind(workspace)
                .fetch_all(pool)
                .await?,
            sqlx::query_scalar("SELECT COUNT(*) FROM deals WHERE workspace_id = ? AND status = 'open'")
                .bind(workspace)
                .fetch_one(pool)
                .await?,
        ),
        Db::Postgres(pool) => (
            sqlx::query_scalar("SELECT id FROM deals WHERE workspace_id = $1 ORDER BY id")
                .bind(workspace)
                .fetch_all(pool)
                .await?,
            sqlx::query_scalar("SELECT COUNT(*) FROM deals WHERE workspace_id = $1 AND status = 'open'")
                .bind(workspace)
                .fetch_one(pool)
                .await?,
        ),
    };
    let step = (ids.len() / 256).max(1);
    let sample = ids.into_iter().step_by(step).take(256).collect();
    Ok((sample, usize::try_from(open).unwrap_or(0)))
}

/// The database's size on disk (SQLite: the file after a checkpoint; PostgreSQL: the database).
async fn database_bytes(db: &Db, url: &str) -> anyhow::Result<u64> {
    match db {
        Db::Sqlite(SqliteDb { pool, .. }) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
            let path = url.trim_start_matches("sqlite://");
            let mut bytes = 0;
            for suffix in ["", "-wal"] {
                bytes += std::fs::metadata(format!("{path}{suffix}"))
                    .map(|m| m.len())
                    .unwrap_or(0);
            }
            Ok(bytes)
        }
        Db::Postgres(pool) => {
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(pool)
                .await?;
            Ok(u64::try_from(bytes).unwrap_or(0))
        }
    }
}

/// A server child process and where it listens.
struct Server {
    child: Child,
    base: String,
    cold_start_ms: f64,
}

async fn start_server(binary: &Path, url: &str) -> anyhow::Result<Server> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["--database-url", url, "serve", "--listen", "127.0.0.1:0"])
        .env("CLOSER_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the server")?;
    let stdout = child.stdout.take().context("no server output")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let Some(line) = tokio::time::timeout(Duration::from_secs(120), lines.next_line()).await?? else {
            bail!("the server stopped before listening");
        };
        if let Some(address) = line.strip_prefix("Closer listening on ") {
            break address.trim().to_owned();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = reqwest::Client::new();
    loop {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the server did not answer within two minutes");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(Server {
        child,
        base,
        cold_start_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Stops the server as an operator would (SIGTERM), killing it if it lingers.
async fn stop_server(mut server: Server) -> anyhow::Result<()> {
    if let Some(pid) = server.child.id() {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
    }
    if tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .is_err()
    {
        server.child.kill().await?;
    }
    Ok(())
}

/// Resident and peak resident memory of a process, in KiB (Linux; zero elsewhere).
fn memory_kib(pid: u32) -> (u64, u64) {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return (0, 0);
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One workload for `closer bench load`.
struct Workload {
    name: &'static str,
    method: &'static str,
    urls: Vec<String>,
    body: Option<String>,
    headers: Vec<String>,
    connections: usize,
}

async fn load(binary: &Path, workload: &Workload, seconds: f64) -> anyhow::Result<Measured> {
    let mut command = Command::new(binary);
    command.args(["bench", "load", "--method", workload.method]);
    command.args(["--concurrency", &workload.connections.to_string()]);
    command.args(["--seconds", &seconds.to_string()]);
    for url in &workload.urls {
        command.args(["--url", url]);
    }
    for header in &workload.headers {
        command.args(["--header", header]);
    }
    if let Some(body) = &workload.body {
        command.args(["--body", body]);
    }
    let output = command.stderr(Stdio::inherit()).output().await?;
    if !output.status.success() {
        bail!("the load generator failed on {}", workload.name);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let load: LoadReport =
        serde_json::from_str(text.trim()).with_context(|| format!("the load generator said {text}"))?;
    Ok(Measured {
        name: workload.name,
        connections: workload.connections,
        load,
    })
}

/// Makes, over the API, one B2B deal with a large buying committee, meetings, notes and tasks;
/// returns its id.
async fn big_deal(base: &str, token: &str) -> anyhow::Result<Uuid> {
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let request = client
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(token)
            .json(&body);
        async move {
            let answer = request.send().await?;
            let status = answer.status();
            let body: Value = answer.json().await?;
            if !status.is_success() {
                bail!("setting up the large deal: {status} {body}");
            }
            Ok::<Value, anyhow::Error>(body)
        }
    };
    let id = |v: &Value| v["id"].as_str().unwrap_or_default().to_owned();
    let organisation = id(&post("/organisations", json!({ "name": "Bench Heavy Industries" })).await?);
    let deal = id(&post(
        "/deals",
        json!({ "title": "Plant-wide rollout", "kind": "b2b", "counterparty_id": organisation, "currency": "CNY", "amount_minor": 980_000_000 }),
    )
    .await?);
    let departments = [
        "IT",
        "Finance",
        "Operations",
        "Procurement",
        "Legal",
        "Executive",
        "Production",
        "Quality",
    ];
    let roles = [
        "technical_buyer",
        "user_buyer",
        "influencer",
        "coach",
        "finance",
        "legal",
        "procurement",
        "gatekeeper",
    ];
    let mut people = Vec::new();
    for n in 0..BIG_COMMITTEE {
        let person = id(&post("/people", json!({ "name": format!("Committee Member {n}") })).await?);
        let department = departments[n % departments.len()];
        post(
            "/employments",
            json!({ "person_id": person, "organisation_id": organisation, "department": department, "title": format!("{department} lead") }),
        )
        .await?;
        let role = if n == 0 {
            "economic_buyer"
        } else {
            roles[n % roles.len()]
        };
        post(
            &format!("/deals/{deal}/stakeholders"),
            json!({ "person_id": person, "roles": [role], "influence": 1 + n % 5, "is_key_person": n == 1 }),
        )
        .await?;
        people.push(person);
    }
    for n in 0..BIG_MEETINGS {
        let day = 1 + n % 28;
        let venue = ["our_office", "client_site", "online"][n % 3];
        post(
            "/meetings",
            json!({
                "deal_id": deal, "purpose": "discovery", "venue": venue,
                "planned_start": format!("2027-02-{day:02}T02:00:00Z"), "planned_end": format!("2027-02-{day:02}T03:00:00Z"),
                "objective": "Walk the plant with the department heads",
                "attendees": [{ "person_id": people[n % people.len()] }, { "person_id": people[(n * 7 + 3) % people.len()] }]
            }),
        )
        .await?;
    }
    for n in 0..BIG_NOTES {
        post(
            "/notes",
            json!({ "subject_type": "deal", "subject_id": deal, "body": format!("Call notes {n}: concerns about rollout order and training.") }),
        )
        .await?;
    }
    Uuid::parse_str(&deal).context("the API gave no deal id")
}

async fn measure(binary: &Path, target: &Target, deals: usize, options: &RunOptions) -> anyhow::Result<SizeResult> {
    let url = fresh_database(target, deals).await?;
    let prepared = prepare(&url, deals, options.seed).await?;
    let server = start_server(binary, &url).await?;
    let pid = server.child.id().unwrap_or(0);
    let base = server.base.clone();
    let big = big_deal(&base, &prepared.token).await?;
    let (rss_idle_kib, _) = memory_kib(pid);

    let bearer = vec![format!("Authorization: Bearer {}", prepared.token)];
    let admin_cookie = vec![format!("Cookie: closer_session={}", prepared.admin_session)];
    let rep_cookie = vec![format!("Cookie: closer_session={}", prepared.rep_session)];
    let many = options.concurrency;
    let reads = vec![
        Workload {
            name: "hello world (GET /healthz)",
            method: "GET",
            urls: vec![format!("{base}/healthz")],
            body: None,
            headers: Vec::new(),
            connections: many,
        },
        Workload {
            name: "GET one deal",
            method: "GET",
            urls: prepared
                .deal_ids
                .iter()
                .map(|id| format!("{base}/api/v1/deals/{id}"))
                .collect(),
            body: None,
            headers: bearer.clone(),
            connections: many,
        },
        Workload {
            name: "list page (50 deals)",
            method: "GET",
            urls: vec![format!("{base}/api/v1/deals?limit=50")],
            body: None,
            headers: bearer.clone(),
            connections: many,
        },
        Workload {
            name: "filtered list page (open B2B)",
            method: "GET",
            urls: vec![format!("{base}/api/v1/deals?kind=b2b&status=open&limit=50")],
            body: None,
            headers: bearer.clone(),
            connections: 1,
        },
        Workload {
            name: "filtered list page (a rep's open deals)",
            method: "GET",
            urls: vec![format!(
                "{base}/api/v1/deals?status=open&owner_id={}&limit=50",
                prepared.rep_id
            )],
            body: None,
            headers: bearer.clone(),
            connections: 1,
        },
        Workload {
            name: "board, administrator (B2B pipeline)",
            method: "GET",
            urls: vec![format!("{base}/board?kind=b2b")],
            body: None,
            headers: admin_cookie,
            connections: 1,
        },
        Workload {
            name: "board, rep (B2C pipeline)",
            method: "GET",
            urls: vec![format!("{base}/board?kind=b2c")],
            body: None,
            headers: rep_cookie,
            connections: 1,
        },
        Workload {
            name: "gates of a deal with 120 stakeholders",
            method: "GET",
            urls: vec![format!("{base}/api/v1/deals/{big}/gates")],
            body: None,
            headers: bearer.clone(),
            connections: 1,
        },
        Workload {
            name: "next best actions of that deal",
            method: "GET",
            urls: vec![format!("{base}/api/v1/deals/{big}/recommendations")],
            body: None,
            headers: bearer.clone(),
            connections: 1,
        },
    ];
    let mut measured = Vec::new();
    for workload in &reads {
        measured.push(load(binary, workload, options.seconds).await?);
    }
    let counterparty = first_person(&base, &prepared.token).await?;
    let write = Workload {
        name: "create a deal (POST /api/v1/deals)",
        method: "POST",
        urls: vec![format!("{base}/api/v1/deals")],
        body: Some(
            json!({ "title": "Bench deal", "kind": "b2c", "counterparty_id": counterparty, "currency": "CNY", "amount_minor": 129_900 })
                .to_string(),
        ),
        headers: bearer,
        connections: many,
    };
    let write = load(binary, &write, options.seconds).await?;
    let (_, rss_peak_kib) = memory_kib(pid);
    let cold_start_ms = server.cold_start_ms;
    stop_server(server).await?;

    let db = Db::connect(&url, 2).await?;
    let rows = (deals / 2).clamp(2_000, 50_000);
    let inserts = baseline::measure(
        &db,
        prepared.installation.workspace.as_uuid(),
        big,
        rows,
        options.seconds,
    )
    .await?;
    db.close().await;
    drop_database(target).await?;
    Ok(SizeResult {
        backend: target.backend(),
        deals,
        people: prepared.people,
        open_deals: prepared.open_deals,
        generate_seconds: prepared.generate_seconds,
        health_job_seconds: prepared.health_job_seconds,
        database_bytes: prepared.database_bytes,
        cold_start_ms,
        rss_idle_kib,
        rss_peak_kib,
        reads: measured,
        write,
        inserts,
    })
}

/// A consumer to sell to in the write workload.
async fn first_person(base: &str, token: &str) -> anyhow::Result<String> {
    let people: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/people?limit=1"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    people["items"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .context("the generated workspace has no people")
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_048_576.0)
}

/// The figures of one size, as a Markdown section.
fn table(r: &SizeResult) -> String {
    let mut out = String::new();
    let hello = r.reads.first().map_or(1.0, |m| m.load.requests_per_second.max(1e-9));
    let _ = writeln!(
        out,
        "### {} — {} deals, {} people ({} open deals)\n",
        r.backend, r.deals, r.people, r.open_deals
    );
    let _ = writeln!(
        out,
        "| workload | connections | req/s | % of hello world | p50 ms | p99 ms | server p50 ms | server p99 ms | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in r.reads.iter().chain(std::iter::once(&r.write)) {
        let l = &m.load;
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.0}% | {} | {} | {} | {} | {} |",
            m.name,
            m.connections,
            l.requests_per_second,
            100.0 * l.requests_per_second / hello,
            ms(l.p50_us),
            ms(l.p99_us),
            ms(l.server_p50_us),
            ms(l.server_p99_us),
            l.errors
        );
    }
    let api = r.write.load.requests_per_second;
    let _ = writeln!(out, "\n| write path | rows/s | API create ÷ this |\n|---|---:|---:|");
    let _ = writeln!(
        out,
        "| API create, {} connections, every answer after its commit | {:.0} | 1.00 |",
        r.write.connections, api
    );
    let _ = writeln!(
        out,
        "| raw insert of the deals row, prepared, one transaction | {:.0} | {:.2} |",
        r.inserts.one_transaction,
        api / r.inserts.one_transaction.max(1e-9)
    );
    let _ = writeln!(
        out,
        "| raw insert of the deals row, one commit per row{} | {:.0} | {:.2} |",
        if r.backend == "SQLite" {
            " (`synchronous=FULL`)"
        } else {
            " (`synchronous_commit=on`)"
        },
        r.inserts.commit_per_row,
        api / r.inserts.commit_per_row.max(1e-9)
    );
    let per_million = r.database_bytes as f64 * 1_000_000.0 / r.deals as f64;
    let _ = writeln!(
        out,
        "\n| size and memory | |\n|---|---:|\n\
         | generated in (deals and people, with committees, meetings, notes, tasks) | {:.1} s ({:.0} deals/s) |\n\
         | deal-health job over every open deal | {} |\n\
         | database on disk | {} MiB ({} MiB per 1M deals with their people) |\n\
         | cold start to first answer | {:.0} ms |\n\
         | server RSS idle / peak under load | {} / {} MiB |",
        r.generate_seconds,
        r.deals as f64 / r.generate_seconds.max(1e-9),
        r.health_job_seconds
            .map_or_else(|| "not run at this size".to_owned(), |s| format!("{s:.1} s")),
        mib(r.database_bytes),
        mib(per_million as u64),
        r.cold_start_ms,
        mib(r.rss_idle_kib * 1024),
        mib(r.rss_peak_kib * 1024),
    );
    out
}

/// A goal of the issue, checked against one result.
fn goals(r: &SizeResult) -> Vec<(String, String, bool)> {
    let measured = |prefix: &str| r.reads.iter().find(|m| m.name.starts_with(prefix));
    let find = |prefix: &str| measured(prefix).map(|m| &m.load);
    let mut rows = Vec::new();
    let per_row = r.write.load.requests_per_second / r.inserts.commit_per_row.max(1e-9);
    rows.push((
        "API create ≥ 3× one commit per row".to_owned(),
        format!("{per_row:.2}×"),
        per_row >= 3.0,
    ));
    if let (Some(hello), Some(deal)) = (find("hello world"), find("GET one deal")) {
        let share = deal.requests_per_second / hello.requests_per_second.max(1e-9);
        rows.push((
            "GET one deal ≥ 40% of hello world".to_owned(),
            format!("{:.0}%", share * 100.0),
            share >= 0.4,
        ));
    }
    for (prefix, limit) in [
        ("board, administrator", 20.0),
        ("board, rep", 20.0),
        ("filtered list page (open B2B)", 10.0),
        ("filtered list page (a rep", 10.0),
    ] {
        if let Some(m) = measured(prefix) {
            let p99 = m.load.server_p99_us as f64 / 1000.0;
            rows.push((
                format!("{}: server p99 ≤ {limit} ms", m.name),
                format!("{p99:.1} ms"),
                p99 <= limit,
            ));
        }
    }
    let peak = r.rss_peak_kib as f64 / 1024.0;
    rows.push((
        "RSS ≤ 150 MB under load".to_owned(),
        format!("{peak:.0} MiB"),
        peak <= 150.0 * 0.953_674,
    ));
    rows
}

/// Text kept from an earlier report: everything from its `## Notes` heading on.
const NOTES: &str = "\n## Notes";

fn markdown(results: &[SizeResult], binary_bytes: u64, options: &RunOptions, earlier: Option<&str>) -> String {
    let mut out = String::from("# Benchmarks\n\n");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "Measured by `closer bench run --deals {}{}` (Closer {}) on {cores} cores; every workload ran {} s; \
         the server and its load generator share the machine. Ratios compare figures of the same run. \
         Binary: {} MiB. This file is written by the run; the notes at the end are kept.\n",
        options
            .sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        if options.postgres.is_some() {
            " --postgres URL"
        } else {
            ""
        },
        env!("CARGO_PKG_VERSION"),
        options.seconds,
        mib(binary_bytes)
    );
    out.push_str("## Goals\n\n| database | deals | goal | measured | met |\n|---|---:|---|---:|---|\n");
    for r in results {
        for (goal, measured, met) in goals(r) {
            let _ = writeln!(
                out,
                "| {} | {} | {goal} | {measured} | {} |",
                r.backend,
                r.deals,
                if met { "yes" } else { "**no**" }
            );
        }
    }
    out.push_str("\n## Figures\n\n");
    for r in results {
        out.push_str(&table(r));
        out.push('\n');
    }
    if let Some(notes) = earlier.and_then(|text| text.find(NOTES).map(|at| &text[at..])) {
        out.push_str(notes.trim_start_matches('\n'));
    }
    out
}
