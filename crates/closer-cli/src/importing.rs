//! `closer import --kind people|organisations|deals|notes`: a preview, an import with a progress bar (that
//! resumes with --resume), and --revert.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail};
use closer_domain::ids::ImportId;
use closer_domain::import::{Field, ImportKind, ImportMode, Source};
use closer_store::Db;
use closer_store::imports::Import;
use closer_web::app::bootstrap::Installation;
use closer_web::app::importer::{self, ImportFile, ImportRequest, ImportSettings};
use indicatif::{ProgressBar, ProgressStyle};

/// What to do, from the command line.
pub struct Job {
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub source: Option<String>,
    pub mapping: Vec<String>,
    pub phone_prefix: Option<String>,
    pub currency: Option<String>,
    /// `Stage name=stage_key` pairs (deals).
    pub stages: Vec<String>,
    pub preview: bool,
    pub resume: Option<uuid::Uuid>,
    pub revert: Option<uuid::Uuid>,
}

/// `Header=field` pairs (`Header=` leaves a column alone).
/// `--stage 'Verbal yes=b2b_company_contract'` pairs.
fn stage_map(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| match pair.rsplit_once('=') {
            Some((name, key)) if !name.trim().is_empty() && !key.trim().is_empty() => {
                Ok((name.trim().to_owned(), key.trim().to_owned()))
            }
            _ => Err(anyhow!("--stage '{pair}': write it as 'Stage name=stage_key'")),
        })
        .collect()
}

fn mapping(pairs: &[String]) -> anyhow::Result<BTreeMap<String, Option<Field>>> {
    let mut mapping = BTreeMap::new();
    for pair in pairs {
        let (header, field) = pair
            .rsplit_once('=')
            .ok_or_else(|| anyhow!("--map {pair}: write Header=field, e.g. --map \"Full name=name\""))?;
        let field = match field.trim() {
            "" => None,
            name => Some(Field::parse(name).map_err(|e| anyhow!("--map {pair}: {e}"))?),
        };
        mapping.insert(header.trim().to_owned(), field);
    }
    Ok(mapping)
}

pub async fn run(db: &Db, installation: &Installation, file: Option<&Path>, job: Job) -> anyhow::Result<()> {
    let ctx = closer_web::app::admin_ctx(db, installation)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if let Some(id) = job.revert {
        let (import, report) = importer::revert(&ctx, ImportId(id))
            .await
            .map_err(|e| anyhow!("import {id}: {e}"))?;
        let removed: Vec<String> = report.removed.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
        println!(
            "import {} reverted: removed {}; {} already gone",
            import.id,
            if removed.is_empty() {
                "nothing".to_owned()
            } else {
                removed.join(", ")
            },
            report.already_gone
        );
        return Ok(());
    }
    let file = file.ok_or_else(|| anyhow!("give the file to import"))?;
    let name = file.to_string_lossy().into_owned();
    if !file.is_file() {
        bail!("{name}: no such file");
    }
    let settings = ImportSettings {
        source: job
            .source
            .as_deref()
            .map(|s| Source::parse(s).map_err(|e| anyhow!("--source: {e}")))
            .transpose()?,
        mapping: mapping(&job.mapping)?,
        phone_prefix: job.phone_prefix.clone(),
        currency: job.currency.clone(),
        stages: stage_map(&job.stages)?,
    };
    if job.preview {
        let preview = importer::preview(job.kind, &settings, ImportFile::Path(file.to_owned()))
            .await
            .map_err(|e| anyhow!("{name}: {e}"))?;
        println!(
            "{name}: {:?}, delimiter {:?}, {}, from {}",
            preview.shape.encoding,
            preview.shape.delimiter,
            if preview.shape.has_header {
                "a header row"
            } else {
                "no header row"
            },
            preview.source
        );
        for column in &preview.columns {
            let field = column.field.map_or("(left alone)".to_owned(), |f| f.to_string());
            println!("  {} -> {field}", column.header);
        }
        for row in &preview.rows {
            let values: Vec<String> = row.values.iter().map(|(f, v)| format!("{f}={v}")).collect();
            println!("  row {}: {}", row.row, values.join(", "));
            for error in &row.errors {
                println!("    {}: {}", error.column.as_deref().unwrap_or("row"), error.reason);
            }
        }
        return Ok(());
    }
    let request = ImportRequest {
        kind: job.kind,
        mode: job.mode,
        settings,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone()),
        resume: job.resume.map(ImportId),
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}] {pos} rows ({per_sec})").context("progress style")?,
    );
    let announced = Mutex::new(false);
    let import: Import = importer::run(&ctx, &request, ImportFile::Path(file.to_owned()), &|import| {
        if let Ok(mut told) = announced.lock()
            && !*told
        {
            *told = true;
            // The id to give --resume should the import be interrupted.
            bar.suspend(|| eprintln!("import {} of {name} started", import.id));
            bar.set_message(format!("importing {}", import.kind));
        }
        bar.set_position(u64::try_from(import.counts.rows_done).unwrap_or(0));
    })
    .await
    .map_err(|e| anyhow!("{name}: {e}"))?;
    bar.finish_and_clear();
    let c = &import.counts;
    println!(
        "import {}: {} rows read, {} created, {} updated, {} skipped, {} failed",
        import.id, c.rows_done, c.created, c.updated, c.skipped, c.failed
    );
    for (reason, count) in &c.skipped_because {
        println!("  skipped {count}: {reason}");
    }
    let errors = importer::errors(&ctx, import.id, 0, 20)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    for error in &errors {
        let column = error.column.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        println!("  row {}{column}: {}", error.row, error.reason);
    }
    if c.failed > 0 {
        println!("  every failed row: GET /api/v1/imports/{}/errors", import.id);
    }
    Ok(())
}
