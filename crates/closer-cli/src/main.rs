//! The `closer` binary: serve the web UI and JSON API, migrate the database, load demo data.

mod config;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use closer_store::Db;
use closer_web::app::bootstrap::{self, Installation};
use closer_web::app::demo;
use closer_web::{AppState, router};
use config::{Overrides, Settings};
use std::io::Write;

/// Closer: a sales CRM that runs a different playbook for B2C and B2B deals.
#[derive(Debug, Parser)]
#[command(name = "closer", version, about, long_about = None)]
struct Cli {
    /// Settings file (default: ./closer.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (env CLOSER_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Directory of the default SQLite database (env CLOSER_DATA_DIR; default ./closer-data).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server: web UI and JSON API; applies migrations first.
    Serve {
        /// Address to listen on (env CLOSER_LISTEN; default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Load the demo workspace first, if the database has no deals yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo workspace (organisations, people, B2C and B2B deals, notes, tasks).
    Demo,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let settings = Settings::load(
        cli.config.as_deref(),
        Overrides {
            database_url: cli.database_url.clone(),
            data_dir: cli.data_dir.clone(),
            listen,
        },
    )?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&settings.log).context("invalid log filter")?)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve { demo, .. } => serve(&settings, demo).await,
        Command::Migrate => {
            let db = open(&settings).await?;
            println!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Demo => {
            let db = open(&settings).await?;
            let installation = bootstrap::ensure_installation(&db).await?;
            load_demo(&db, installation).await?;
            db.close().await;
            Ok(())
        }
    }
}

/// Connects, applies migrations and reports what it opened.
async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.resolved_database_url()?;
    let db = Db::connect(&url, settings.max_connections)
        .await
        .with_context(|| format!("cannot open the database {}", closer_store::redact_url(&url)))?;
    db.migrate().await.context("cannot apply migrations")?;
    println!("database: {}", closer_store::redact_url(&url));
    if let Some(sqlite) = db.sqlite_settings().await? {
        println!(
            "sqlite: journal_mode={} synchronous={} foreign_keys={} busy_timeout={}ms secure_delete={}",
            sqlite.journal_mode,
            match sqlite.synchronous {
                0 => "OFF",
                1 => "NORMAL",
                2 => "FULL",
                _ => "EXTRA",
            },
            if sqlite.foreign_keys { "ON" } else { "OFF" },
            sqlite.busy_timeout_ms,
            if sqlite.secure_delete { "ON" } else { "OFF" },
        );
    }
    Ok(db)
}

async fn load_demo(db: &Db, installation: Installation) -> anyhow::Result<()> {
    match demo::load(db, installation).await? {
        Some(summary) => println!("demo data loaded: {summary}"),
        None => println!("demo data skipped: the workspace already has deals"),
    }
    Ok(())
}

async fn serve(settings: &Settings, with_demo: bool) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let installation = bootstrap::ensure_installation(&db).await?;
    if with_demo {
        load_demo(&db, installation).await?;
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    // Tests and scripts read this line to find the port when listening on port 0.
    println!("Closer listening on http://{address}");
    std::io::stdout().flush()?;
    let app = router(AppState {
        db: db.clone(),
        installation,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    db.close().await;
    println!("Closer stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
