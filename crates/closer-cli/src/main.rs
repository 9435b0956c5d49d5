//! The `closer` binary: serve the web UI and JSON API, migrate the database, load demo data.

mod bench;
mod config;
mod importing;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use closer_domain::access::Role;
use closer_domain::user::{UserDraft, UserPatch};
use closer_store::Db;
use closer_web::app::admin;
use closer_web::app::bootstrap::{self, AdminSetup, Installation};
use closer_web::app::demo;
use closer_web::{AppState, router};
use config::{Overrides, Settings};
use std::io::Write;

/// mimalloc rather than the system allocator: a page renders hundreds of small strings across
/// threads, and glibc's arenas spent a fifth of the board's time in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Manage users from the command line (acts as the first administrator).
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Start the server: web UI and JSON API; applies migrations first.
    Serve {
        /// Address to listen on (env CLOSER_LISTEN; default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// E-mail of the administrator made on first start (default admin@closer.local).
        #[arg(long, env = "CLOSER_ADMIN_EMAIL")]
        admin_email: Option<String>,
        /// Password of the administrator made on first start; generated and printed once if absent.
        #[arg(long, env = "CLOSER_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
        /// Load the demo workspace first, if the database has no deals yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo workspace (organisations, people, B2C and B2B deals, notes, tasks).
    Demo,
    /// Import records from a file, as the first administrator. People, organisations, deals and
    /// notes from a CSV (UTF-8, UTF-16 or GB18030; the exports of Salesforce, HubSpot, Pipedrive, SuiteCRM,
    /// Odoo and Closer are recognised), matched to the records already there by id, tax id,
    /// e-mail, phone and domain; past interactions from a CSV or an iCalendar (.ics) export.
    /// An interrupted import goes on with --resume and the same file.
    Import {
        /// What the file holds.
        #[arg(long, value_enum)]
        kind: ImportKind,
        /// The file (.csv, or .ics for interactions); not needed with --revert.
        #[arg(required_unless_present = "revert")]
        file: Option<std::path::PathBuf>,
        /// create, update or create-or-update (people and organisations).
        #[arg(long, value_enum, default_value = "create-or-update")]
        mode: ImportModeArg,
        /// The system the file comes from (closer, salesforce, hubspot, pipedrive, suitecrm,
        /// odoo, generic); told from the headers when absent.
        #[arg(long)]
        source: Option<String>,
        /// A column mapped by hand, `Header=field` (or `Header=` to leave it alone); repeatable.
        #[arg(long = "map")]
        mapping: Vec<String>,
        /// The calling code (+86) put before phone numbers written without one.
        #[arg(long)]
        phone_prefix: Option<String>,
        /// Deals: the currency (CNY, USD…) of amounts in rows without a currency column.
        #[arg(long)]
        currency: Option<String>,
        /// Deals: a stage name of the file and the stage key it is, `Name=key`; repeatable.
        #[arg(long = "stage")]
        stages: Vec<String>,
        /// Show how the file reads (shape, columns, first rows) and import nothing.
        #[arg(long)]
        preview: bool,
        /// Go on with an interrupted import (its id), from its last row written.
        #[arg(long)]
        resume: Option<uuid::Uuid>,
        /// Take back an import (its id): what it created is removed.
        #[arg(long, conflicts_with = "resume")]
        revert: Option<uuid::Uuid>,
        /// The IANA zone of times written without one (interactions; default UTC).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Export a list as CSV (UTF-8), as the first administrator: every record, formulas
    /// neutralised. To a file, or to the standard output.
    Export {
        #[arg(long, value_enum)]
        kind: ExportKind,
        /// The file to write (default: the standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Copy the SQLite database to FILE while Closer runs (one consistent snapshot), then check
    /// the copy. On PostgreSQL, says how to use pg_dump.
    Backup {
        /// The copy to write; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup, after checking it. Stop every Closer server
    /// on this database first.
    Restore {
        /// A file `closer backup` wrote.
        file: std::path::PathBuf,
    },
    /// Benchmarks: generate data at scale.
    Bench {
        #[command(subcommand)]
        action: bench::BenchCommand,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ImportKind {
    People,
    Organisations,
    /// Deals, each in a stage of a playbook (other systems' stage names are mapped).
    Deals,
    /// Notes on deals (by their id in the other system), people or organisations.
    Notes,
    /// Who was in touch with whom, and when (metadata only).
    Interactions,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ImportModeArg {
    Create,
    Update,
    CreateOrUpdate,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ExportKind {
    People,
    Organisations,
    Deals,
    Tasks,
    Meetings,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; without --password one is generated and printed once.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, member or viewer.
        #[arg(long, default_value = "member")]
        role: String,
        #[arg(long, env = "CLOSER_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable a user: every session and token of theirs stops working at once.
    Disable { email: String },
    /// Enable a disabled user again.
    Enable { email: String },
    /// Set a new password (generated and printed once without --password); ends their sessions.
    ResetPassword {
        email: String,
        #[arg(long, env = "CLOSER_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List every user with role, teams and state.
    List,
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
        Command::Serve {
            demo,
            admin_email,
            admin_password,
            ..
        } => {
            let setup = AdminSetup {
                email: admin_email.unwrap_or_default(),
                password: admin_password,
            };
            serve(&settings, &setup, demo).await
        }
        Command::User { action } => {
            let db = open(&settings).await?;
            let started = start(&db, &AdminSetup::default()).await?;
            let result = user_command(&db, &started.installation, action).await;
            db.close().await;
            result
        }
        Command::Migrate => {
            let db = open(&settings).await?;
            println!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Bench { action } => {
            let Some(action) = bench::run_without_database(action).await? else {
                return Ok(());
            };
            let db = open(&settings).await?;
            let started = start(&db, &AdminSetup::default()).await?;
            let result = bench::run(&db, started.installation, action).await;
            db.close().await;
            result
        }
        Command::Import {
            kind,
            file,
            mode,
            source,
            mapping,
            phone_prefix,
            currency,
            stages,
            preview,
            resume,
            revert,
            timezone,
        } => {
            let db = open(&settings).await?;
            let started = start(&db, &AdminSetup::default()).await?;
            let result = match kind {
                ImportKind::Interactions => match &file {
                    Some(file) => import(&db, &started.installation, file, timezone.as_deref()).await,
                    None => Err(anyhow::anyhow!("give the file to import")),
                },
                ImportKind::People | ImportKind::Organisations | ImportKind::Deals | ImportKind::Notes => {
                    let kind = match kind {
                        ImportKind::People => closer_domain::import::ImportKind::People,
                        ImportKind::Organisations => closer_domain::import::ImportKind::Organisations,
                        ImportKind::Deals => closer_domain::import::ImportKind::Deals,
                        _ => closer_domain::import::ImportKind::Notes,
                    };
                    let mode = match mode {
                        ImportModeArg::Create => closer_domain::import::ImportMode::Create,
                        ImportModeArg::Update => closer_domain::import::ImportMode::Update,
                        ImportModeArg::CreateOrUpdate => closer_domain::import::ImportMode::CreateOrUpdate,
                    };
                    let job = importing::Job {
                        kind,
                        mode,
                        source,
                        mapping,
                        phone_prefix,
                        currency,
                        stages,
                        preview,
                        resume,
                        revert,
                    };
                    importing::run(&db, &started.installation, file.as_deref(), job).await
                }
            };
            db.close().await;
            result
        }
        Command::Export { kind, out } => {
            // The standard output may be the file itself.
            let db = open_telling(&settings, &mut std::io::stderr()).await?;
            let started = start_telling(&db, &AdminSetup::default(), &mut std::io::stderr()).await?;
            let result = export(&db, &started.installation, kind, out.as_deref()).await;
            db.close().await;
            result
        }
        Command::Backup { file } => {
            let db = open(&settings).await?;
            let result = backup(&db, &file).await;
            db.close().await;
            result
        }
        Command::Restore { file } => restore(&settings, &file).await,
        Command::Demo => {
            let db = open(&settings).await?;
            let started = start(&db, &AdminSetup::default()).await?;
            load_demo(&db, started.installation).await?;
            db.close().await;
            Ok(())
        }
    }
}

/// Connects, applies migrations and reports what it opened.
async fn open(settings: &Settings) -> anyhow::Result<Db> {
    open_telling(settings, &mut std::io::stdout()).await
}

/// Opens the database, telling `out` which one and how it is set up (the standard error when
/// the standard output is data).
async fn open_telling(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<Db> {
    let url = settings.resolved_database_url()?;
    let db = Db::connect(&url, settings.max_connections)
        .await
        .with_context(|| format!("cannot open the database {}", closer_store::redact_url(&url)))?;
    db.migrate().await.context("cannot apply migrations")?;
    writeln!(out, "database: {}", closer_store::redact_url(&url))?;
    if let Some(sqlite) = db.sqlite_settings().await? {
        writeln!(
            out,
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
        )?;
    }
    Ok(db)
}

/// Opens the installation, creating it on first start and printing the new admin's password once.
async fn start(db: &Db, setup: &AdminSetup) -> anyhow::Result<bootstrap::Started> {
    start_telling(db, setup, &mut std::io::stdout()).await
}

/// [`start`], telling `out` of a new administrator (the standard error when the standard output
/// is data).
async fn start_telling(db: &Db, setup: &AdminSetup, out: &mut dyn Write) -> anyhow::Result<bootstrap::Started> {
    let started = bootstrap::ensure_installation(db, setup)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(email) = &started.created_admin {
        match &started.generated_password {
            Some(password) => writeln!(
                out,
                "administrator created: {email} with password {password} (shown once; change it after signing in)"
            )?,
            None => writeln!(out, "administrator created: {email} with the password you gave")?,
        }
    }
    Ok(started)
}

async fn load_demo(db: &Db, installation: Installation) -> anyhow::Result<()> {
    match demo::load(db, installation).await? {
        Some(summary) => {
            println!("demo data loaded: {summary}");
            println!(
                "demo users wang.fang@, chen.jie@, emily.carter@, james.wilson@closer.local sign in with password {} (shown once)",
                summary.password
            );
        }
        None => println!("demo data skipped: the workspace already has deals"),
    }
    Ok(())
}

async fn import(
    db: &Db,
    installation: &Installation,
    file: &std::path::Path,
    timezone: Option<&str>,
) -> anyhow::Result<()> {
    use closer_web::app::interaction_import::{self, FileFormat};
    let name = file.to_string_lossy();
    let format = FileFormat::from_name(&name).ok_or_else(|| anyhow::anyhow!("{name}: give a .csv or an .ics file"))?;
    let zone =
        closer_domain::zone::Zone::named(timezone.unwrap_or("UTC")).map_err(|e| anyhow::anyhow!("--timezone: {e}"))?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let ctx = closer_web::app::admin_ctx(db, installation)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = interaction_import::import(&ctx, format, bytes, zone)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    println!(
        "{name}: {} read, {} created, {} skipped, {} failed",
        report.read, report.created, report.skipped, report.failed
    );
    for (reason, count) in &report.skipped_because {
        println!("  skipped {count}: {reason}");
    }
    for error in &report.errors {
        let column = error.column.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        println!("  row {}{column}: {}", error.row, error.reason);
    }
    if !report.columns_ignored.is_empty() {
        println!("  columns not read: {}", report.columns_ignored.join(", "));
    }
    Ok(())
}

async fn backup(db: &Db, file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists already: give a new file", file.display());
    }
    if !db.backup_into(file).await.context("the backup failed")? {
        anyhow::bail!(
            "this is a PostgreSQL database: back it up with pg_dump while Closer runs, e.g. \
             pg_dump --format=custom --file=closer.dump \"$CLOSER_DATABASE_URL\", and restore with \
             pg_restore --clean --if-exists --dbname=\"$CLOSER_DATABASE_URL\" closer.dump"
        );
    }
    let problems = closer_store::check_sqlite_file(file).await?;
    if !problems.is_empty() {
        anyhow::bail!("the copy {} is not sound: {}", file.display(), problems.join("; "));
    }
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written: {} ({size} bytes), integrity ok", file.display());
    Ok(())
}

/// Puts a checked backup in place of the configured SQLite file (copied beside it first, the
/// current file kept as `….before-restore`), then opens it, which applies any newer migrations.
async fn restore(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let url = settings.resolved_database_url()?;
    let Some(target) = url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
    else {
        anyhow::bail!("restore replaces an SQLite file; for PostgreSQL use pg_restore");
    };
    let target = std::path::PathBuf::from(target);
    if !file.is_file() {
        anyhow::bail!("cannot read {}", file.display());
    }
    let problems = closer_store::check_sqlite_file(file)
        .await
        .with_context(|| format!("{} is not an SQLite database", file.display()))?;
    if !problems.is_empty() {
        anyhow::bail!("{} is not a sound backup: {}", file.display(), problems.join("; "));
    }
    let staged = target.with_extension("db.restoring");
    std::fs::copy(file, &staged).with_context(|| format!("cannot write {}", staged.display()))?;
    // The current database (with its write-ahead log, which must not meet the restored file)
    // is kept aside, not deleted: a restore can be undone by hand.
    for suffix in ["", "-wal", "-shm"] {
        let current = std::path::PathBuf::from(format!("{}{suffix}", target.display()));
        if current.exists() {
            let aside = format!("{}.before-restore{suffix}", target.display());
            std::fs::rename(&current, &aside).with_context(|| format!("cannot move {} aside", current.display()))?;
        }
    }
    std::fs::rename(&staged, &target).with_context(|| format!("cannot replace {}", target.display()))?;
    let db = open(settings).await?;
    db.close().await;
    println!("restored {} from {}", target.display(), file.display());
    Ok(())
}

async fn export(
    db: &Db,
    installation: &Installation,
    kind: ExportKind,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use closer_web::app::exports;
    use tokio_stream::StreamExt;
    let ctx = closer_web::app::admin_ctx(db, installation)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut chunks = exports::csv(
        ctx,
        match kind {
            ExportKind::People => exports::Export::People(Default::default()),
            ExportKind::Organisations => exports::Export::Organisations(Default::default()),
            ExportKind::Deals => exports::Export::Deals(Default::default()),
            ExportKind::Tasks => exports::Export::Tasks(Default::default()),
            ExportKind::Meetings => exports::Export::Meetings(Default::default()),
        },
    );
    // A command line tool writing one file: plain blocking writes are fine.
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut bytes = 0usize;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.context("the export stopped")?;
        bytes += chunk.len();
        sink.write_all(&chunk)?;
    }
    sink.flush()?;
    if let Some(path) = out {
        eprintln!("{}: {bytes} bytes written", path.display());
    }
    Ok(())
}

async fn user_command(db: &Db, installation: &Installation, action: UserCommand) -> anyhow::Result<()> {
    let ctx = closer_web::app::admin_ctx(db, installation)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let find = |email: String| {
        let ctx = ctx.clone();
        async move {
            let wanted = email.trim().to_lowercase();
            admin::list_users(&ctx)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .into_iter()
                .find(|u| u.email == wanted)
                .ok_or_else(|| anyhow::anyhow!("no user with the e-mail {email}"))
        }
    };
    match action {
        UserCommand::Add {
            email,
            name,
            role,
            password,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let draft = UserDraft {
                email,
                display_name: name,
                role,
                password,
            };
            let (user, generated) = admin::create_user(&ctx, &draft)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("user added: {} ({}, {})", user.email, user.display_name, user.role);
            if let Some(password) = generated {
                println!("password: {password} (shown once)");
            }
        }
        UserCommand::Disable { email } => {
            let user = find(email).await?;
            let patch = UserPatch {
                disabled: Some(true),
                ..UserPatch::default()
            };
            admin::patch_user(&ctx, user.id, &patch)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("user disabled: {} (sessions and tokens ended)", user.email);
        }
        UserCommand::Enable { email } => {
            let user = find(email).await?;
            let patch = UserPatch {
                disabled: Some(false),
                ..UserPatch::default()
            };
            admin::patch_user(&ctx, user.id, &patch)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("user enabled: {}", user.email);
        }
        UserCommand::ResetPassword { email, password } => {
            let user = find(email).await?;
            let generated = admin::reset_password(&ctx, user.id, password.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("password reset: {} (sessions ended)", user.email);
            if let Some(password) = generated {
                println!("password: {password} (shown once)");
            }
        }
        UserCommand::List => {
            for user in admin::list_users(&ctx).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{}\tteams={}",
                    user.email,
                    user.display_name,
                    user.role,
                    state,
                    user.teams.len()
                );
            }
        }
    }
    Ok(())
}

async fn serve(settings: &Settings, setup: &AdminSetup, with_demo: bool) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let installation = start(&db, setup).await?.installation;
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
    closer_web::app::jobs::schedule(&db, installation.workspace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The job worker and the requests share one relationship index.
    let graphs = closer_web::app::relationships::Graphs::default();
    let worker = tokio::spawn(closer_web::app::jobs::work(
        db.clone(),
        graphs.clone(),
        std::time::Duration::from_secs(60),
    ));
    let app = router(AppState {
        db: db.clone(),
        installation,
        graphs,
    });
    // Connection info gives sign-in throttling the client's address.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    worker.abort();
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
