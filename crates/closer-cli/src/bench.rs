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
}

pub async fn run(db: &Db, installation: Installation, command: BenchCommand) -> anyhow::Result<()> {
    match command {
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
