//! `closer bench`: the data generator that benchmarks run against (and, later, the workloads).

use std::time::Instant;

use anyhow::bail;
use clap::Subcommand;
use closer_store::Db;
use closer_web::app::bootstrap::Installation;
use closer_web::app::demo::{self, Scale};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill an empty database with deterministic, realistic data: organisations with their
    /// employees, consumers, B2C and B2B deals over every stage and the past year, committees,
    /// deal teams, meetings, notes and tasks.
    Generate {
        /// How many deals (half B2C, half B2B).
        #[arg(long, default_value_t = 10_000)]
        deals: usize,
        /// How many people (employees of the organisations and consumers).
        #[arg(long, default_value_t = 10_000)]
        people: usize,
        /// The same seed makes the same records and ids.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Load generator, run as its own process: sends requests to one URL from many connections
    /// for a while, then prints one JSON line (requests, errors, req/s, p50 and p99 in µs).
    Load {
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "GET")]
        method: String,
        /// A JSON body to send with every request.
        #[arg(long)]
        body: Option<String>,
        /// Extra headers, `Name: value`, repeatable (e.g. `Authorization: Bearer …`).
        #[arg(long = "header")]
        headers: Vec<String>,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

/// What one load run measured.
#[derive(Debug, serde::Serialize)]
struct LoadReport {
    requests: usize,
    /// Answers outside 2xx, and requests that failed.
    errors: usize,
    seconds: f64,
    requests_per_second: f64,
    p50_us: u64,
    p99_us: u64,
}

/// The `q`-quantile of sorted latencies.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

struct LoadPlan {
    url: String,
    method: reqwest::Method,
    body: Option<String>,
    headers: reqwest::header::HeaderMap,
    concurrency: usize,
    seconds: u64,
}

fn plan(
    url: String,
    method: &str,
    body: Option<String>,
    headers: &[String],
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<LoadPlan> {
    if !url.starts_with("http://127.0.0.1") && !url.starts_with("http://localhost") && !url.starts_with("http://[::1]")
    {
        bail!("the load generator only targets this machine (http://127.0.0.1…)");
    }
    if concurrency == 0 || seconds == 0 {
        bail!("give at least one connection and one second");
    }
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| anyhow::anyhow!("'{method}' is not an HTTP method"))?;
    let mut map = reqwest::header::HeaderMap::new();
    for header in headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!("write a header as 'Name: value', not '{header}'");
        };
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())?,
            reqwest::header::HeaderValue::from_str(value.trim())?,
        );
    }
    if body.is_some() {
        map.insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
    }
    Ok(LoadPlan {
        url,
        method,
        body,
        headers: map,
        concurrency,
        seconds,
    })
}

async fn load(plan: LoadPlan) -> anyhow::Result<LoadReport> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    let started = Instant::now();
    let deadline = started + std::time::Duration::from_secs(plan.seconds);
    let plan = std::sync::Arc::new(plan);
    let mut workers = Vec::with_capacity(plan.concurrency);
    for _ in 0..plan.concurrency {
        let client = client.clone();
        let plan = plan.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let mut request = client
                    .request(plan.method.clone(), &plan.url)
                    .headers(plan.headers.clone());
                if let Some(body) = &plan.body {
                    request = request.body(body.clone());
                }
                let ok = match request.send().await {
                    Ok(answer) => {
                        let ok = answer.status().is_success();
                        ok && answer.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                if !ok {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mine, failed) = worker.await?;
        latencies.extend(mine);
        errors += failed;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(LoadReport {
        requests: latencies.len(),
        errors,
        seconds,
        requests_per_second: latencies.len() as f64 / seconds,
        p50_us: quantile(&latencies, 0.50),
        p99_us: quantile(&latencies, 0.99),
    })
}

/// Runs the commands that need no database (the load generator); gives the others back.
pub async fn run_without_database(command: BenchCommand) -> anyhow::Result<Option<BenchCommand>> {
    match command {
        BenchCommand::Load {
            url,
            method,
            body,
            headers,
            concurrency,
            seconds,
        } => {
            let report = load(plan(url, &method, body, &headers, concurrency, seconds)?).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(None)
        }
        other => Ok(Some(other)),
    }
}

pub async fn run(db: &Db, installation: Installation, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Load { .. } => bail!("the load generator needs no database"),
        BenchCommand::Generate { deals, people, seed } => {
            if deals == 0 || people == 0 {
                bail!("ask for at least one deal and one person");
            }
            let started = Instant::now();
            let Some(summary) = demo::generate(db, installation, Scale::sized(deals, people, seed)).await? else {
                bail!("the workspace already has deals; generate into an empty database");
            };
            let seconds = started.elapsed().as_secs_f64().max(0.001);
            println!("generated: {summary}");
            println!(
                "in {seconds:.1} s: {:.0} deals/s, {:.0} people/s",
                summary.deals as f64 / seconds,
                summary.people as f64 / seconds
            );
            Ok(())
        }
    }
}
