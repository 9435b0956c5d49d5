//! `closer bench`: the data generator, the load generator and the benchmark run that measures
//! Closer against baselines taken in the same run.

mod baseline;
mod graph;
mod hopper;
mod import;
mod load;
mod run;

use std::path::PathBuf;
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
    /// Load generator, run as its own process: sends requests to this machine from many
    /// connections for a while, then prints one JSON line (requests, errors, req/s, p50 and p99
    /// round trip and server time in µs).
    Load {
        /// Repeatable: the URLs are requested in turn.
        #[arg(long = "url", required = true)]
        urls: Vec<String>,
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
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    /// The warm-path index at scale, in memory as the server keeps it: build time, the memory it
    /// takes, and warm-path questions against a breadth-first search over the same adjacency;
    /// prints one JSON line.
    WarmPaths {
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
        #[arg(long, default_value_t = 10_000_000)]
        interactions: u64,
        /// Sellers, each working 2,000 accounts.
        #[arg(long, default_value_t = 200)]
        sellers: u64,
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// The telemarketing hopper on the configured database (best empty): a campaign of
    /// `entries` people, then `agents` agents taking calls at once; next-call latency against
    /// the plain due-entries query run as often at once; prints one JSON line.
    Hopper {
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        #[arg(long, default_value_t = 50)]
        agents: usize,
        /// Calls each agent takes.
        #[arg(long, default_value_t = 40)]
        calls: usize,
    },
    /// Import speed on the configured SQLite database (best empty): a contacts CSV of `rows`
    /// rows (1 in 100 repeating an earlier e-mail) imported matching on e-mail and phone, against
    /// the raw insert of the same rows into a fresh database in the same run; prints one JSON line.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
    },
    /// The benchmarks: for each size, a fresh database is generated and served by this binary,
    /// loaded by `closer bench load` processes and compared with baselines measured in the same
    /// run (a hello-world route, raw inserts); prints a table and writes a Markdown report.
    Run {
        /// Database sizes in deals (as many people), comma-separated, e.g. 10000,100000,1000000.
        #[arg(long, value_delimiter = ',', default_value = "10000")]
        deals: Vec<usize>,
        /// Also measure PostgreSQL: a server URL whose user may create databases (a fresh
        /// database is made for each size and dropped after).
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Skip SQLite (with --postgres).
        #[arg(long)]
        no_sqlite: bool,
        /// How long each workload runs.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Connections of the throughput workloads (latency workloads use one).
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Where the Markdown report goes.
        #[arg(long, default_value = "BENCHMARKS.md")]
        report: PathBuf,
        /// Where the SQLite databases go (default: a fresh temporary directory, removed after).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

/// Runs the commands that open no database of the settings (the load generator, the benchmark
/// run with databases of its own); gives the others back.
pub async fn run_without_database(command: BenchCommand) -> anyhow::Result<Option<BenchCommand>> {
    match command {
        BenchCommand::Load {
            urls,
            method,
            body,
            headers,
            concurrency,
            seconds,
        } => {
            let plan = load::LoadPlan::new(urls, &method, body, &headers, concurrency, seconds)?;
            let report = load::run(plan).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(None)
        }
        BenchCommand::Run {
            deals,
            postgres,
            no_sqlite,
            seconds,
            concurrency,
            report,
            work_dir,
            seed,
        } => {
            let options = run::RunOptions {
                sizes: deals,
                postgres,
                sqlite: !no_sqlite,
                seconds,
                concurrency,
                report,
                work_dir,
                seed,
            };
            run::run(options).await?;
            Ok(None)
        }
        BenchCommand::WarmPaths {
            people,
            interactions,
            sellers,
            queries,
            seed,
        } => {
            if people < 2 || sellers == 0 {
                bail!("ask for at least two people and one seller");
            }
            let report = graph::run(people, sellers, interactions, queries, seed);
            println!("{}", serde_json::to_string(&report)?);
            Ok(None)
        }
        other => Ok(Some(other)),
    }
}

pub async fn run(db: &Db, installation: Installation, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Load { .. } | BenchCommand::Run { .. } | BenchCommand::WarmPaths { .. } => {
            bail!("this bench command opens no database of the settings")
        }
        BenchCommand::Hopper { entries, agents, calls } => {
            let report = hopper::run(db, installation, entries, agents, calls).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        BenchCommand::Import { rows } => {
            let report = import::run(db, installation, rows).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
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
