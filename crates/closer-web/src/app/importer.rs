//! Importing people and organisations from a CSV file (issue 10): the file is read as it goes
//! (a reader thread, batches of rows through a bounded channel), each batch is matched against
//! the records already there by natural keys and written in one transaction together with the
//! import's progress. An interrupted import therefore resumes at its last batch without
//! duplicates, and a finished one can be reverted: what it created is removed, nothing else.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use closer_domain::access::{Action, RecordType, Role};
use closer_domain::audit::AuditAction;
use closer_domain::ids::{EmploymentId, ImportId, PartyId, TeamId, UserId};
use closer_domain::import::{
    ColumnMap, Field, ImportKind, ImportMode, ImportStatus, NaturalKey, OrganisationRow, PersonRow, ReadOptions,
    RowRecord, Source, WorkplaceRef, organisation_update, person_update, read_row,
};
use closer_domain::party::{Employment, EmploymentDraft, Organisation, OrganisationDraft, PartyKind, Person};
use closer_domain::record::{Ownership, RecordMeta};
use closer_store::imports::{self, Import, ImportCounts, RowEffect, StoredRowError};
use closer_store::{Conn, parties, party_keys, teams, users};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::imports::{FileShape, invalid_file, open_csv, row_cells};
use super::records::{Decision, decide};
use super::{AppError, AppResult, Ctx, Resource, new_id, now, update_in};

/// Rows written per transaction.
pub const BATCH_ROWS: usize = 500;

/// Rows shown by a preview.
const PREVIEW_ROWS: usize = 20;

/// How a file is to be imported.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// The system the file comes from; detected from the headers when absent.
    pub source: Option<Source>,
    /// Header → field, over what the source's names give; `null` leaves a column alone.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub mapping: BTreeMap<String, Option<Field>>,
    /// The calling code (`+86`) put before numbers written without one.
    pub phone_prefix: Option<String>,
    /// Deals: the currency (ISO 4217) of amounts in rows without a currency column.
    pub currency: Option<String>,
    /// Deals: stage names of the file → the key of a playbook's stage, over the names Closer
    /// knows (`{"Verbal yes": "b2b_company_contract"}`).
    #[serde(default)]
    pub stages: BTreeMap<String, String>,
}

impl ImportSettings {
    fn read_options(&self) -> AppResult<ReadOptions> {
        if let Some(prefix) = &self.phone_prefix {
            let digits = prefix.strip_prefix('+').unwrap_or("");
            if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(AppError::Invalid(closer_domain::ValidationErrors::single(
                    "phone_prefix",
                    format!("'{prefix}' is not a calling code such as +86 or +44"),
                )));
            }
        }
        if let Some(code) = &self.currency
            && let Err(e) = closer_domain::money::Currency::parse(code)
        {
            return Err(AppError::Invalid(closer_domain::ValidationErrors::single(
                "currency", e,
            )));
        }
        Ok(ReadOptions {
            phone_prefix: self.phone_prefix.clone(),
            currency: self.currency.clone(),
        })
    }
}

/// A file to import, from memory or from disk.
pub enum ImportFile {
    /// Shared, so opening the file again (to hash it, to read it) copies nothing.
    Bytes(std::sync::Arc<[u8]>),
    Path(std::path::PathBuf),
}

impl ImportFile {
    fn open(&self) -> AppResult<Box<dyn Read + Send>> {
        Ok(match self {
            ImportFile::Bytes(bytes) => Box::new(std::io::Cursor::new(std::sync::Arc::clone(bytes))),
            ImportFile::Path(path) => Box::new(
                std::fs::File::open(path)
                    .map_err(|e| invalid_file(format!("{} cannot be opened: {e}", path.display())))?,
            ),
        })
    }

    /// The SHA-256 of the file's bytes: a resumed import must be given the same file.
    fn sha256(&self) -> AppResult<String> {
        let mut hasher = Sha256::new();
        match self {
            ImportFile::Bytes(bytes) => hasher.update(bytes),
            ImportFile::Path(_) => {
                let mut file = self.open()?;
                std::io::copy(&mut file, &mut hasher)
                    .map_err(|e| invalid_file(format!("the file cannot be read: {e}")))?;
            }
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

/// A file's shape, how its columns map, and its first rows as they would be imported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    pub shape: FileShape,
    pub source: Source,
    pub columns: Vec<PreviewColumn>,
    pub rows: Vec<PreviewRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewColumn {
    pub header: String,
    /// The field the column fills, or none (left alone).
    pub field: Option<Field>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewRow {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub row: i64,
    /// The values read, by field.
    pub values: BTreeMap<Field, String>,
    pub errors: Vec<ImportRowError>,
}

/// Why a row failed: its number (the header is row 1), the column and the reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportRowError {
    pub row: i64,
    pub column: Option<String>,
    pub reason: String,
}

/// The column map of a file's headers under `settings`; a wrong mapping refuses the file.
fn column_map(
    kind: ImportKind,
    shape: &FileShape,
    settings: &ImportSettings,
    first: &[String],
) -> AppResult<ColumnMap> {
    let mut mapping = settings.mapping.clone();
    if !shape.has_header {
        // No names to go by: the cells of the first row tell e-mails and phones, and the first
        // other text is taken for the name, unless the caller mapped the columns.
        let mut named = mapping.values().flatten().any(|f| *f == Field::Name);
        for (header, cell) in shape.headers.iter().zip(first) {
            if mapping.contains_key(header) {
                continue;
            }
            let guess = if cell.contains('@') {
                Some(Field::Email)
            } else if cell.chars().filter(char::is_ascii_digit).count() >= 7 {
                Some(Field::Phone)
            } else if !named && !cell.trim().is_empty() {
                named = true;
                Some(Field::Name)
            } else {
                None
            };
            mapping.insert(header.clone(), guess);
        }
    }
    Ok(ColumnMap::new(kind, &shape.headers, settings.source, &mapping)?)
}

/// Reads the beginning of a file: its shape, its column map and its first rows, checked as the
/// import would check them (matching aside).
pub async fn preview(kind: ImportKind, settings: &ImportSettings, file: ImportFile) -> AppResult<Preview> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || preview_now(kind, &settings, file))
        .await
        .map_err(|e| AppError::Conflict(format!("the preview stopped: {e}")))?
}

/// Reads `bytes` as a file of each kind, as a preview does (shape, column map, first rows),
/// with and without options. For the fuzzer (`fuzz/`) and the replay of its corpus: no input
/// may panic.
pub fn read_for_fuzzing(bytes: &[u8]) {
    let shared: std::sync::Arc<[u8]> = bytes.into();
    let plain = ImportSettings::default();
    let with_options = ImportSettings {
        phone_prefix: Some("+86".into()),
        currency: Some("CNY".into()),
        ..ImportSettings::default()
    };
    for kind in ImportKind::ALL {
        for settings in [&plain, &with_options] {
            let _ = preview_now(*kind, settings, ImportFile::Bytes(shared.clone()));
        }
    }
}

fn preview_now(kind: ImportKind, settings: &ImportSettings, file: ImportFile) -> AppResult<Preview> {
    let options = settings.read_options()?;
    {
        let mut csv = open_csv(file.open()?)?;
        let mut rows: Vec<(i64, Result<Vec<String>, String>)> = Vec::new();
        let mut record = csv::ByteRecord::new();
        while rows.len() < PREVIEW_ROWS {
            match csv.reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => rows.push((row_number(&csv.shape, rows.len() as i64), row_cells(&record))),
                Err(e) => {
                    rows.push((row_number(&csv.shape, rows.len() as i64), Err(e.to_string())));
                    break;
                }
            }
        }
        let first = rows
            .first()
            .and_then(|(_, r)| r.as_ref().ok())
            .cloned()
            .unwrap_or_default();
        let map = column_map(kind, &csv.shape, settings, &first)?;
        let headers = &csv.shape.headers;
        let rows = rows
            .into_iter()
            .map(|(row, cells)| {
                let mut values = BTreeMap::new();
                let errors = match cells {
                    Err(reason) => vec![ImportRowError {
                        row,
                        column: None,
                        reason,
                    }],
                    Ok(cells) => {
                        for (field, cell) in map.columns.iter().zip(&cells) {
                            if let Some(field) = field
                                && !cell.trim().is_empty()
                            {
                                values
                                    .entry(*field)
                                    .and_modify(|v: &mut String| {
                                        v.push_str("; ");
                                        v.push_str(cell.trim());
                                    })
                                    .or_insert_with(|| cell.trim().to_owned());
                            }
                        }
                        row_errors(row, read_row(kind, &map, headers, &cells, &options).err())
                    }
                };
                PreviewRow { row, values, errors }
            })
            .collect();
        Ok(Preview {
            columns: map
                .pairs(headers)
                .into_iter()
                .map(|(header, field)| PreviewColumn { header, field })
                .collect(),
            source: map.source,
            shape: csv.shape,
            rows,
        })
    }
}

fn row_errors(row: i64, errors: Option<Vec<(Option<String>, String)>>) -> Vec<ImportRowError> {
    errors
        .unwrap_or_default()
        .into_iter()
        .map(|(column, reason)| ImportRowError { row, column, reason })
        .collect()
}

/// A data row's number as a spreadsheet shows it: the header is row 1.
fn row_number(shape: &FileShape, index: i64) -> i64 {
    index + if shape.has_header { 2 } else { 1 }
}

/// Rows from the reader thread.
enum Chunk {
    Rows(Vec<(i64, Result<Vec<String>, String>)>),
    /// The file stopped being readable (a broken quote, an I/O error).
    Broken(String),
}

/// An import to start or resume.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub settings: ImportSettings,
    pub file_name: String,
    /// An import left running (interrupted), to go on with: same file, same kind.
    pub resume: Option<ImportId>,
}

/// Where an import started by [`start`] stands when it answers.
#[derive(Debug)]
pub enum Started {
    Finished(ImportId),
    /// Still running on its own task; follow it by its id.
    Running(ImportId),
}

/// Runs an import on a task of its own and answers when it finishes within `wait`, or else as
/// soon as its first batch is written (its id is then known). The import goes on when the
/// caller stops waiting; a server that dies leaves it `running`, to be resumed with the file.
pub async fn start(
    ctx: &Ctx,
    request: ImportRequest,
    file: ImportFile,
    wait: std::time::Duration,
) -> AppResult<Started> {
    let (seen, mut started) = tokio::sync::watch::channel(None::<ImportId>);
    let task_ctx = ctx.clone();
    let mut task = tokio::spawn(async move {
        run(&task_ctx, &request, file, &|import| {
            seen.send_replace(Some(import.id));
        })
        .await
    });
    let ended = |joined: Result<AppResult<Import>, tokio::task::JoinError>| {
        joined
            .map_err(|e| AppError::Conflict(format!("the import stopped: {e}")))?
            .map(|import| Started::Finished(import.id))
    };
    if let Ok(joined) = tokio::time::timeout(wait, &mut task).await {
        return ended(joined);
    }
    loop {
        if let Some(id) = *started.borrow_and_update() {
            return Ok(Started::Running(id));
        }
        tokio::select! {
            joined = &mut task => return ended(joined),
            changed = started.changed() => {
                if changed.is_err() {
                    // The task dropped its sender: it has ended.
                    return ended(task.await);
                }
            }
        }
    }
}

/// Starts (or resumes) an import of `file` and runs it to the end. `progress` hears of each
/// batch written.
pub async fn run(
    ctx: &Ctx,
    request: &ImportRequest,
    file: ImportFile,
    progress: &(dyn Fn(&Import) + Sync),
) -> AppResult<Import> {
    let ImportRequest {
        kind,
        mode,
        settings,
        file_name,
        resume,
    } = request;
    let (kind, mode, resume) = (*kind, *mode, *resume);
    if ctx.principal.role == Role::Viewer {
        return Err(AppError::Forbidden("viewers do not import records".into()));
    }
    let options = settings.read_options()?;
    let (file, sha256) = tokio::task::spawn_blocking(move || file.sha256().map(|sha| (file, sha)))
        .await
        .map_err(|e| AppError::Conflict(format!("the file could not be read: {e}")))??;
    let mut import = match resume {
        Some(id) => resumable(ctx, id, kind, &sha256).await?,
        None => Import {
            id: ImportId(new_id()),
            actor_id: ctx.principal.user,
            kind,
            mode,
            source: Source::Generic,
            file_name: file_name.chars().take(200).collect(),
            file_sha256: sha256,
            settings: serde_json::to_value(settings).unwrap_or_default(),
            status: ImportStatus::Running,
            counts: ImportCounts::default(),
            created_at: now(),
            updated_at: now(),
            finished_at: None,
            reverted_at: None,
        },
    };
    // A resumed import goes on as it began.
    let settings: ImportSettings = serde_json::from_value(import.settings.clone()).unwrap_or_default();
    let skip = import.counts.rows_done;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(2);
    let (shape_tx, shape_rx) = tokio::sync::oneshot::channel::<AppResult<(FileShape, Vec<String>)>>();
    let reader = std::thread::spawn(move || read_rows(file, skip, shape_tx, tx));
    let (shape, first) = shape_rx
        .await
        .map_err(|_| invalid_file("the file could not be read"))??;
    let map = column_map(import.kind, &shape, &settings, &first)?;
    if import.kind == ImportKind::Deals {
        super::deal_import::check_stage_map(ctx, &settings.stages).await?;
    }
    if resume.is_none() {
        import.source = map.source;
        imports::insert(ctx.db.acquire().await?.conn(), ctx.workspace, &import).await?;
    }
    let numbering = shape.clone();
    let mut writer = match import.kind {
        ImportKind::People | ImportKind::Organisations => Writer::Parties(Box::new(
            BatchWriter::new(ctx, &import, map, shape.clone(), options).await?,
        )),
        ImportKind::Deals | ImportKind::Notes => Writer::Deals(Box::new(
            super::deal_import::DealWriter::new(ctx, &import, (map, shape.clone(), options), &settings.stages).await?,
        )),
    };
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Chunk::Rows(rows) => {
                match &mut writer {
                    Writer::Parties(w) => w.write(&mut import, rows).await?,
                    Writer::Deals(w) => w.write(&mut import, rows).await?,
                }
                progress(&import);
            }
            Chunk::Broken(reason) => {
                // What was read is kept; the rest of the file cannot be told apart into rows.
                let row = row_number(&numbering, import.counts.rows_done);
                let mut outcome = BatchOutcome::default();
                outcome.fail(
                    row,
                    vec![(None, format!("the file cannot be read from here on: {reason}"))],
                );
                let tx = ctx.begin().await?;
                finish_batch(ctx, tx, &mut import, outcome).await?;
            }
        }
    }
    let _ = reader.join();
    import.status = ImportStatus::Finished;
    import.finished_at = Some(now());
    import.updated_at = now();
    imports::save_progress(ctx.db.acquire().await?.conn(), ctx.workspace, &import).await?;
    progress(&import);
    Ok(import)
}

/// The import `id`, if the principal may resume it with this file.
async fn resumable(ctx: &Ctx, id: ImportId, kind: ImportKind, sha256: &str) -> AppResult<Import> {
    let import = get(ctx, id).await?;
    if import.status != ImportStatus::Running {
        return Err(AppError::Conflict(format!(
            "import {} is {}; only a running one resumes",
            id, import.status
        )));
    }
    if import.kind != kind {
        return Err(AppError::Conflict(format!(
            "import {id} imports {}, not {kind}",
            import.kind
        )));
    }
    if import.file_sha256 != sha256 {
        return Err(invalid_file(format!(
            "this is not the file import {id} began with (its SHA-256 differs)"
        )));
    }
    Ok(import)
}

/// An import the principal may see: their own, or any for an administrator.
pub async fn get(ctx: &Ctx, id: ImportId) -> AppResult<Import> {
    let mut conn = ctx.db.acquire().await?;
    match imports::get(conn.conn(), ctx.workspace, id).await? {
        Some(import) if import.actor_id == ctx.principal.user || ctx.principal.is_admin() => Ok(import),
        _ => Err(AppError::NotFound {
            entity: "import",
            id: id.as_uuid(),
        }),
    }
}

/// The reader thread: opens the file, tells its shape, skips the rows already done and sends
/// the rest in batches.
fn read_rows(
    file: ImportFile,
    skip: i64,
    shape_tx: tokio::sync::oneshot::Sender<AppResult<(FileShape, Vec<String>)>>,
    tx: tokio::sync::mpsc::Sender<Chunk>,
) {
    let mut csv = match file.open().and_then(open_csv) {
        Ok(csv) => csv,
        Err(e) => {
            let _ = shape_tx.send(Err(e));
            return;
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut index: i64 = 0;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut shape_tx = Some((shape_tx, csv.shape.clone()));
    loop {
        match csv.reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let cells = row_cells(&record);
                if let Some((sender, shape)) = shape_tx.take() {
                    let first = cells.clone().unwrap_or_default();
                    if sender.send(Ok((shape, first))).is_err() {
                        return;
                    }
                }
                if index >= skip {
                    batch.push((row_number(&csv.shape, index), cells));
                }
                index += 1;
                if batch.len() == BATCH_ROWS && tx.blocking_send(Chunk::Rows(std::mem::take(&mut batch))).is_err() {
                    return;
                }
            }
            Err(e) => {
                if let Some((sender, shape)) = shape_tx.take() {
                    let _ = sender.send(Ok((shape, Vec::new())));
                }
                if !batch.is_empty() && tx.blocking_send(Chunk::Rows(std::mem::take(&mut batch))).is_err() {
                    return;
                }
                let _ = tx.blocking_send(Chunk::Broken(e.to_string()));
                return;
            }
        }
    }
    if let Some((sender, shape)) = shape_tx.take() {
        let _ = sender.send(Ok((shape, Vec::new())));
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Chunk::Rows(batch));
    }
}

/// The record a row's keys find, most certain key first. A record that holds another id of
/// the same system than the row's is not found by a phone, a web domain or a name alone (two
/// companies of one group behind one switchboard number are two records there, and here); an
/// e-mail or a tax id still finds it.
fn target_of(
    keys: &[NaturalKey],
    found: &HashMap<NaturalKey, Vec<PartyId>>,
    externals: &HashMap<PartyId, Vec<String>>,
) -> Option<PartyId> {
    let own = keys.iter().find_map(|k| match k {
        NaturalKey::External(value) => Some(value.as_str()),
        _ => None,
    });
    let other_id_there = |party: &PartyId| {
        own.is_some_and(|own| {
            let system = own.split_once(':').map_or("", |(system, _)| system);
            externals.get(party).is_some_and(|held| {
                held.iter()
                    .any(|id| id != own && id.split_once(':').is_some_and(|(s, _)| s == system))
            })
        })
    };
    keys.iter().find_map(|key| {
        let ids = found.get(key)?;
        match key {
            // One e-mail or tax id is one person or company, however many records the other
            // system kept of it: those merge.
            NaturalKey::External(_) | NaturalKey::Email(_) | NaturalKey::TaxId(_) => ids.first().copied(),
            NaturalKey::Phone(_) | NaturalKey::Domain(_) | NaturalKey::Name(_) => {
                ids.iter().copied().find(|id| !other_id_there(id))
            }
        }
    })
}

/// The writer of an import's kind of record.
enum Writer<'c> {
    Parties(Box<BatchWriter<'c>>),
    Deals(Box<super::deal_import::DealWriter>),
}

/// The context an import writes in: every audit row it writes names it (`import:ID`).
pub(super) fn import_ctx(base: &Ctx, import: &Import) -> Ctx {
    let mut ctx = base.clone();
    ctx.request_id = Some(format!("import:{}", import.id));
    ctx
}

/// Users a file may name as owners, by e-mail, with their first team.
pub(super) struct Owners {
    by_email: HashMap<String, (UserId, Option<TeamId>)>,
}

impl Owners {
    pub(super) async fn load(ctx: &Ctx) -> AppResult<Owners> {
        let mut conn = ctx.db.acquire().await?;
        let memberships = teams::memberships(conn.conn(), ctx.workspace, None, None).await?;
        let mut first_team: HashMap<UserId, TeamId> = HashMap::new();
        for m in memberships {
            first_team.entry(UserId(m.user_id)).or_insert(TeamId(m.team_id));
        }
        let by_email = users::list(conn.conn(), ctx.workspace)
            .await?
            .into_iter()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| {
                let id = UserId(u.id);
                (u.email.to_lowercase(), (id, first_team.get(&id).copied()))
            })
            .collect();
        Ok(Owners { by_email })
    }

    pub(super) fn ownership(&self, ctx: &Ctx, owner: Option<&str>) -> Result<Ownership, String> {
        let Some(owner) = owner else {
            return Ok(ctx.new_ownership());
        };
        match self.by_email.get(&owner.trim().to_lowercase()) {
            Some((user, _)) if *user == ctx.principal.user => Ok(ctx.new_ownership()),
            Some(_) if !matches!(ctx.principal.role, Role::Admin | Role::Manager) => {
                Err("only managers and administrators import records for other owners".into())
            }
            Some((user, team)) => Ok(Ownership {
                owner_id: *user,
                team_id: *team,
            }),
            None => Err(format!("no active user has the e-mail '{owner}'")),
        }
    }
}

/// Writes batches of one import.
struct BatchWriter<'c> {
    ctx: Ctx,
    base: &'c Ctx,
    kind: ImportKind,
    mode: ImportMode,
    map: ColumnMap,
    shape: FileShape,
    options: ReadOptions,
    owners: Owners,
}

/// What one batch did, written with it.
#[derive(Default)]
pub(super) struct BatchOutcome {
    pub(super) counts: ImportCounts,
    effects: Vec<RowEffect>,
    errors: Vec<StoredRowError>,
}

impl BatchOutcome {
    pub(super) fn fail(&mut self, row: i64, errors: Vec<(Option<String>, String)>) {
        self.counts.failed += 1;
        self.errors
            .extend(errors.into_iter().map(|(column_name, reason)| StoredRowError {
                row_number: row,
                column_name,
                reason,
            }));
    }

    pub(super) fn skip(&mut self, reason: &str) {
        self.counts.skipped += 1;
        *self.counts.skipped_because.entry(reason.to_owned()).or_default() += 1;
    }

    pub(super) fn effect(&mut self, row: i64, entity_type: &'static str, id: uuid::Uuid, created: bool) {
        self.effects.push(RowEffect {
            row_number: row,
            entity_type,
            entity_id: id,
            created,
        });
    }
}

/// Records a batch makes, written together at its end (a few multi-row statements instead of
/// several statements per row).
#[derive(Default)]
struct Pending {
    /// New parties, in the order made.
    parties: Vec<PartyId>,
    made: HashSet<PartyId>,
    employments: Vec<Employment>,
    /// (person, organisation) pairs employed by this batch.
    employed: HashSet<(PartyId, PartyId)>,
    /// Ids in other systems, for new and changed parties.
    external_keys: Vec<(PartyId, Vec<NaturalKey>)>,
}

/// A party as the batch holds it: as stored (or as this batch made it).
#[derive(Clone)]
enum Held {
    Person(Person),
    Organisation(Organisation),
}

impl<'c> BatchWriter<'c> {
    async fn new(
        base: &'c Ctx,
        import: &Import,
        map: ColumnMap,
        shape: FileShape,
        options: ReadOptions,
    ) -> AppResult<BatchWriter<'c>> {
        let ctx = import_ctx(base, import);
        Ok(BatchWriter {
            owners: Owners::load(base).await?,
            ctx,
            base,
            kind: import.kind,
            mode: import.mode,
            map,
            shape,
            options,
        })
    }

    /// Writes one batch of rows, all or nothing, with the import's progress.
    async fn write(&mut self, import: &mut Import, rows: Vec<(i64, Result<Vec<String>, String>)>) -> AppResult<()> {
        let ctx = &self.ctx;
        let read = rows.len() as i64;
        let (records, mut outcome) = read_batch(self.kind, &self.map, &self.shape, &self.options, rows);
        // This writer imports parties only (deals and notes: `deal_import`).
        let own_kind = match self.kind {
            ImportKind::Organisations => PartyKind::Organisation,
            _ => PartyKind::Person,
        };
        let mut keys: Vec<NaturalKey> = records.iter().flat_map(|(_, r)| r.keys(self.map.source)).collect();
        keys.sort();
        keys.dedup();
        let workplace_keys: Vec<NaturalKey> = records
            .iter()
            .filter_map(|(_, r)| match r {
                RowRecord::Person(p) => p.workplace.as_ref().map(WorkplaceRef::keys),
                _ => None,
            })
            .flatten()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut tx = ctx.begin().await?;
        let mut found = party_keys::find(tx.conn(), ctx.workspace, own_kind, &keys).await?;
        let mut organisations_found =
            party_keys::find(tx.conn(), ctx.workspace, PartyKind::Organisation, &workplace_keys).await?;
        let candidates: Vec<PartyId> = found
            .values()
            .flatten()
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut externals = party_keys::externals_of(tx.conn(), ctx.workspace, &candidates).await?;
        let matched: Vec<PartyId> = records
            .iter()
            .filter_map(|(_, r)| target_of(&r.keys(self.map.source), &found, &externals))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut held: HashMap<PartyId, Held> = match own_kind {
            PartyKind::Person => parties::people_by_ids(tx.conn(), ctx.workspace, &matched)
                .await?
                .into_iter()
                .map(|p| (p.id, Held::Person(p)))
                .collect(),
            PartyKind::Organisation => parties::organisations_by_ids(tx.conn(), ctx.workspace, &matched)
                .await?
                .into_iter()
                .map(|o| (o.id, Held::Organisation(o)))
                .collect(),
        };
        // Rows of this batch that made or changed a record: a later row with the same key
        // finds it here (earlier batches' records are found in the store).
        let mut made_here: HashMap<PartyId, i64> = HashMap::new();
        let mut pending = Pending::default();
        for (row, record) in records {
            let record_keys = record.keys(self.map.source);
            let target = target_of(&record_keys, &found, &externals);
            let ownership = match self.owners.ownership(ctx, record.owner()) {
                Ok(ownership) => ownership,
                Err(reason) => {
                    outcome.fail(
                        row,
                        vec![(
                            self.map.header_of(&self.shape.headers, Field::Owner).map(str::to_owned),
                            reason,
                        )],
                    );
                    continue;
                }
            };
            let party = match (self.mode, target) {
                (ImportMode::Create, Some(id)) => {
                    match made_here.get(&id) {
                        Some(earlier) => outcome.skip(&format!("repeats row {earlier}")),
                        None => outcome.skip("matches a record already there"),
                    }
                    continue;
                }
                (ImportMode::Update, None) => {
                    outcome.skip("matches no record");
                    continue;
                }
                (_, None) => {
                    if !record.named() {
                        let column = self
                            .map
                            .header_of(&self.shape.headers, Field::Name)
                            .or_else(|| self.map.header_of(&self.shape.headers, Field::FirstName))
                            .map(str::to_owned);
                        outcome.fail(row, vec![(column, "a new record needs a name".into())]);
                        continue;
                    }
                    match self.create(tx.conn(), &record, ownership).await {
                        Ok(made) => {
                            let id = made.id();
                            outcome.counts.created += 1;
                            outcome.effect(row, self.entity(), id.as_uuid(), true);
                            held.insert(id, made);
                            pending.parties.push(id);
                            pending.made.insert(id);
                            id
                        }
                        Err(WriteError::Row(reason)) => {
                            outcome.fail(row, vec![(None, reason)]);
                            continue;
                        }
                        Err(e) => return Err(e.into_app()),
                    }
                }
                (_, Some(id)) => {
                    let Some(current) = held.get(&id).cloned() else {
                        outcome.fail(row, vec![(None, "the matching record could not be read".into())]);
                        continue;
                    };
                    match self
                        .update(tx.conn(), current, &record, pending.made.contains(&id))
                        .await
                    {
                        Ok(Some(next)) => {
                            outcome.counts.updated += 1;
                            outcome.effect(row, self.entity(), id.as_uuid(), false);
                            held.insert(id, next);
                        }
                        Ok(None) => outcome.skip("unchanged"),
                        Err(WriteError::Row(reason)) => {
                            outcome.fail(row, vec![(None, reason)]);
                            continue;
                        }
                        Err(e) => return Err(e.into_app()),
                    }
                    id
                }
            };
            made_here.entry(party).or_insert(row);
            // What this row made is found by the rows after it.
            for key in &record_keys {
                found.entry(key.clone()).or_insert_with(|| vec![party]);
            }
            if let Some(external) = record_keys.iter().find(|k| matches!(k, NaturalKey::External(_))) {
                pending.external_keys.push((party, vec![external.clone()]));
                externals.entry(party).or_default().push(external.value().to_owned());
            }
            if let RowRecord::Person(person) = &record
                && let Some(workplace) = &person.workplace
            {
                let Some(Held::Person(stored)) = held.get(&party).cloned() else {
                    continue;
                };
                match self
                    .employ(
                        tx.conn(),
                        &stored,
                        workplace,
                        &mut organisations_found,
                        &mut held,
                        &mut pending,
                        &mut outcome,
                        row,
                    )
                    .await
                {
                    Ok(()) => {}
                    Err(WriteError::Row(reason)) => {
                        // The person stands; where they work is reported for the row.
                        outcome.errors.push(StoredRowError {
                            row_number: row,
                            column_name: self
                                .map
                                .header_of(&self.shape.headers, Field::Organisation)
                                .map(str::to_owned),
                            reason: format!("the person was imported, their workplace not: {reason}"),
                        });
                    }
                    Err(e) => return Err(e.into_app()),
                }
            }
        }
        outcome.counts.rows_done = read;
        self.write_pending(tx.conn(), &held, &pending).await?;
        let hired = pending.employments;
        finish_batch(&self.ctx, tx, import, outcome).await?;
        for employment in &hired {
            self.base
                .graphs
                .hire(&self.base.db, self.base.workspace, employment)
                .await;
        }
        Ok(())
    }

    fn entity(&self) -> &'static str {
        match self.kind {
            ImportKind::Organisations => Organisation::ENTITY,
            _ => Person::ENTITY,
        }
    }

    /// A new record as the row gives it, if the principal may create it; written with the
    /// batch (see [`Pending`]).
    async fn create(&self, conn: Conn<'_>, record: &RowRecord, ownership: Ownership) -> Result<Held, WriteError> {
        let at = now();
        let made = match record {
            RowRecord::Person(PersonRow { draft, .. }) => Held::Person(Person {
                id: PartyId(new_id()),
                fields: draft.parse().map_err(|e| WriteError::Row(e.to_string()))?,
                record_type: RecordType::Consumer,
                ownership,
                meta: RecordMeta::created(at),
            }),
            RowRecord::Organisation(OrganisationRow { draft, .. }) => Held::Organisation(Organisation {
                id: PartyId(new_id()),
                fields: draft.parse().map_err(|e| WriteError::Row(e.to_string()))?,
                ownership,
                meta: RecordMeta::created(at),
            }),
            RowRecord::Deal(_) | RowRecord::Note(_) => {
                return Err(WriteError::Row("deals and notes are not parties".into()));
            }
        };
        self.may(conn, &made, Action::Create).await?;
        Ok(made)
    }

    /// Whether the principal may do `action` to `record`; a row error when not.
    async fn may(&self, conn: Conn<'_>, record: &Held, action: Action) -> Result<(), WriteError> {
        let (guard, entity) = match record {
            Held::Person(p) => (p.guard(), Person::ENTITY),
            Held::Organisation(o) => (o.guard(), Organisation::ENTITY),
        };
        match decide(&self.ctx, conn, guard, action).await.map_err(WriteError::from)? {
            Decision::Allowed => Ok(()),
            _ if action == Action::Create => Err(WriteError::Row(format!("you may not create this {entity}"))),
            _ => Err(WriteError::Row(format!(
                "it matches {entity} {} you may not change",
                record.id()
            ))),
        }
    }

    /// Writes what the batch made: parties (with their keys), employments, ids in other
    /// systems and the audit rows of every record made, as it stands at the batch's end.
    async fn write_pending(
        &self,
        mut conn: Conn<'_>,
        held: &HashMap<PartyId, Held>,
        pending: &Pending,
    ) -> AppResult<()> {
        let ctx = &self.ctx;
        let mut people = Vec::new();
        let mut organisations = Vec::new();
        let mut audit = Vec::new();
        for id in &pending.parties {
            match held.get(id) {
                Some(Held::Person(p)) => {
                    audit.extend(ctx.audit_change(
                        p.meta.created_at,
                        Person::ENTITY,
                        id.as_uuid(),
                        AuditAction::Create,
                        None,
                        p,
                    ));
                    people.push(p.clone());
                }
                Some(Held::Organisation(o)) => {
                    audit.extend(ctx.audit_change(
                        o.meta.created_at,
                        Organisation::ENTITY,
                        id.as_uuid(),
                        AuditAction::Create,
                        None,
                        o,
                    ));
                    organisations.push(o.clone());
                }
                None => {}
            }
        }
        parties::insert_many(conn.reborrow(), ctx.workspace, &people, &organisations).await?;
        closer_store::employments::insert_many(conn.reborrow(), ctx.workspace, &pending.employments).await?;
        for e in &pending.employments {
            audit.extend(ctx.audit_change(
                e.meta.created_at,
                Employment::ENTITY,
                e.id.as_uuid(),
                AuditAction::Create,
                None,
                e,
            ));
        }
        party_keys::add_many(conn.reborrow(), ctx.workspace, &pending.external_keys).await?;
        closer_store::audit::insert(conn, ctx.workspace, &audit).await?;
        Ok(())
    }

    /// Changes a stored record as the row says; `None` when nothing changes.
    /// `made_here`: the record is one this batch makes, changed before it is written.
    async fn update(
        &self,
        mut conn: Conn<'_>,
        current: Held,
        record: &RowRecord,
        made_here: bool,
    ) -> Result<Option<Held>, WriteError> {
        let ctx = &self.ctx;
        if !made_here {
            self.may(conn.reborrow(), &current, Action::Edit).await?;
        }
        match (current, record) {
            (Held::Person(current), RowRecord::Person(row)) => {
                let fields = person_update(&current.fields, row).map_err(|e| WriteError::Row(e.to_string()))?;
                if fields == current.fields {
                    return Ok(None);
                }
                let next = Person {
                    fields,
                    ..current.clone()
                };
                if made_here {
                    return Ok(Some(Held::Person(next)));
                }
                let next = update_in(ctx, conn, &current, next, AuditAction::Update)
                    .await
                    .map_err(WriteError::from)?;
                Ok(Some(Held::Person(next)))
            }
            (Held::Organisation(current), RowRecord::Organisation(row)) => {
                let fields = organisation_update(&current.fields, row).map_err(|e| WriteError::Row(e.to_string()))?;
                if fields == current.fields {
                    return Ok(None);
                }
                let next = Organisation {
                    fields,
                    ..current.clone()
                };
                if made_here {
                    return Ok(Some(Held::Organisation(next)));
                }
                let next = update_in(ctx, conn, &current, next, AuditAction::Update)
                    .await
                    .map_err(WriteError::from)?;
                Ok(Some(Held::Organisation(next)))
            }
            _ => Err(WriteError::Row("the row and the record are of different kinds".into())),
        }
    }

    /// Records where a person works: the organisation found by tax id, domain or name, or made
    /// when none is; an employment there unless the person has one already.
    #[allow(clippy::too_many_arguments)]
    async fn employ(
        &self,
        mut conn: Conn<'_>,
        person: &Person,
        workplace: &WorkplaceRef,
        organisations: &mut HashMap<NaturalKey, Vec<PartyId>>,
        held: &mut HashMap<PartyId, Held>,
        pending: &mut Pending,
        outcome: &mut BatchOutcome,
        row: i64,
    ) -> Result<(), WriteError> {
        let ctx = &self.ctx;
        let keys = workplace.keys();
        let found = keys
            .iter()
            .find_map(|k| organisations.get(k).and_then(|ids| ids.first().copied()));
        let organisation_id = match found {
            Some(id) => id,
            None => {
                let Some(name) = workplace.name.clone().or_else(|| workplace.domain.clone()) else {
                    return Err(WriteError::Row(
                        "no organisation has that tax id; give its name to create it".into(),
                    ));
                };
                let organisation = Held::Organisation(Organisation {
                    id: PartyId(new_id()),
                    fields: OrganisationDraft {
                        name,
                        legal_name: None,
                        tax_id: workplace.tax_id.clone(),
                        industry: None,
                        employee_band: None,
                        region: None,
                        website: workplace
                            .domain
                            .as_deref()
                            .and_then(closer_domain::import::domain_of)
                            .map(|d| format!("https://{d}")),
                        emails: Vec::new(),
                        phones: Vec::new(),
                        parent_id: None,
                        requires_po: false,
                    }
                    .parse()
                    .map_err(|e| WriteError::Row(e.to_string()))?,
                    ownership: person.ownership,
                    meta: RecordMeta::created(now()),
                });
                self.may(conn.reborrow(), &organisation, Action::Create).await?;
                let id = organisation.id();
                outcome.effect(row, Organisation::ENTITY, id.as_uuid(), true);
                for key in keys {
                    organisations.entry(key).or_insert_with(|| vec![id]);
                }
                held.insert(id, organisation);
                pending.parties.push(id);
                pending.made.insert(id);
                id
            }
        };
        // A person or organisation made by this batch has no employment stored yet.
        let fresh = pending.made.contains(&person.id) || pending.made.contains(&organisation_id);
        if pending.employed.contains(&(person.id, organisation_id))
            || (!fresh
                && closer_store::employments::of_person_at(conn, ctx.workspace, person.id, organisation_id)
                    .await
                    .map_err(|e| WriteError::App(e.into()))?)
        {
            return Ok(());
        }
        // Whoever may make or change the person may record where they work.
        let employment = Employment {
            id: EmploymentId(new_id()),
            fields: EmploymentDraft {
                person_id: person.id,
                organisation_id,
                title: workplace.title.clone(),
                department: workplace.department.clone(),
                seniority: None,
                started_on: None,
                ended_on: None,
            }
            .parse()
            .map_err(|e| WriteError::Row(e.to_string()))?,
            meta: RecordMeta::created(now()),
        };
        outcome.effects.push(RowEffect {
            row_number: row,
            entity_type: Employment::ENTITY,
            entity_id: employment.id.as_uuid(),
            created: true,
        });
        pending.employed.insert((person.id, organisation_id));
        pending.employments.push(employment);
        Ok(())
    }
}

impl Held {
    fn id(&self) -> PartyId {
        match self {
            Held::Person(p) => p.id,
            Held::Organisation(o) => o.id,
        }
    }
}

/// A batch's rows read into records; those that cannot be are failed in the outcome.
pub(super) fn read_batch(
    kind: ImportKind,
    map: &ColumnMap,
    shape: &FileShape,
    options: &ReadOptions,
    rows: Vec<(i64, Result<Vec<String>, String>)>,
) -> (Vec<(i64, RowRecord)>, BatchOutcome) {
    let mut outcome = BatchOutcome::default();
    let mut records = Vec::with_capacity(rows.len());
    for (row, cells) in rows {
        let record = cells
            .map_err(|reason| vec![(None, reason)])
            .and_then(|cells| read_row(kind, map, &shape.headers, &cells, options));
        match record {
            Ok(record) => records.push((row, record)),
            Err(errors) => outcome.fail(row, errors),
        }
    }
    (records, outcome)
}

/// Writes a batch's effects, errors and the import's new counts, and commits.
pub(super) async fn finish_batch(
    ctx: &Ctx,
    mut tx: closer_store::Tx,
    import: &mut Import,
    outcome: BatchOutcome,
) -> AppResult<()> {
    imports::record_effects(tx.conn(), ctx.workspace, import.id, &outcome.effects).await?;
    imports::record_errors(tx.conn(), ctx.workspace, import.id, &outcome.errors).await?;
    let counts = &mut import.counts;
    counts.rows_done += outcome.counts.rows_done;
    counts.created += outcome.counts.created;
    counts.updated += outcome.counts.updated;
    counts.skipped += outcome.counts.skipped;
    counts.failed += outcome.counts.failed;
    for (reason, n) in outcome.counts.skipped_because {
        *counts.skipped_because.entry(reason).or_default() += n;
    }
    import.updated_at = now();
    imports::save_progress(tx.conn(), ctx.workspace, import).await?;
    tx.commit().await?;
    Ok(())
}

/// Why writing a row stopped: the row alone (reported, the batch goes on), or the whole
/// import (a store failure: the batch is rolled back and the import can resume).
pub(super) enum WriteError {
    Row(String),
    App(AppError),
}

impl From<closer_store::StoreError> for WriteError {
    fn from(e: closer_store::StoreError) -> Self {
        WriteError::App(AppError::Store(e))
    }
}

impl From<AppError> for WriteError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Store(_) => WriteError::App(e),
            other => WriteError::Row(other.to_string()),
        }
    }
}

impl WriteError {
    pub(super) fn into_app(self) -> AppError {
        match self {
            WriteError::App(e) => e,
            WriteError::Row(reason) => AppError::Conflict(reason),
        }
    }
}

/// What a revert removed.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RevertReport {
    /// Records removed, by kind (`person`, `organisation`, `employment`, `deal`, `note`).
    pub removed: BTreeMap<String, i64>,
    /// Records the import created that were already deleted.
    pub already_gone: i64,
}

/// Removes (soft-deletes, restorable) every record an import created, and nothing else; the
/// import is then `reverted`. Its author or an administrator may revert it.
pub async fn revert(ctx: &Ctx, id: ImportId) -> AppResult<(Import, RevertReport)> {
    let mut import = get(ctx, id).await?;
    if import.status == ImportStatus::Reverted {
        return Err(AppError::Conflict(format!("import {id} is already reverted")));
    }
    let mut ctx = ctx.clone();
    ctx.request_id = Some(format!("import:{id}:revert"));
    let mut report = RevertReport::default();
    // What points at others first: notes at deals and parties, deals and employments at parties.
    for entity in ["note", "deal", Employment::ENTITY, Person::ENTITY, Organisation::ENTITY] {
        let mut after = None;
        loop {
            let mut tx = ctx.begin().await?;
            let ids = imports::created_records(tx.conn(), ctx.workspace, id, entity, after, BATCH_ROWS as u64).await?;
            let Some(last) = ids.last().copied() else { break };
            let (removed, gone) = super::records::delete_created(&ctx, tx.conn(), entity, &ids).await?;
            tx.commit().await?;
            *report.removed.entry(entity.to_owned()).or_default() += removed;
            report.already_gone += gone;
            after = Some(last);
        }
    }
    import.status = ImportStatus::Reverted;
    import.reverted_at = Some(now());
    import.updated_at = now();
    imports::save_progress(ctx.db.acquire().await?.conn(), ctx.workspace, &import).await?;
    Ok((import, report))
}

/// Imports newest first: the principal's own, or every one for an administrator.
pub async fn list(ctx: &Ctx, page: closer_store::PageRequest) -> AppResult<Vec<Import>> {
    let mut conn = ctx.db.acquire().await?;
    let actor = (!ctx.principal.is_admin()).then_some(ctx.principal.user);
    Ok(imports::list(conn.conn(), ctx.workspace, actor, page).await?)
}

/// An import's failed rows in file order, a page after row `after_row`.
pub async fn errors(ctx: &Ctx, id: ImportId, after_row: i64, limit: u64) -> AppResult<Vec<ImportRowError>> {
    get(ctx, id).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(imports::errors(conn.conn(), ctx.workspace, id, after_row, limit)
        .await?
        .into_iter()
        .map(|e| ImportRowError {
            row: e.row_number,
            column: e.column_name,
            reason: e.reason,
        })
        .collect())
}

/// An import as the API and the page show it: where it stands, its counts and its first errors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportView {
    pub id: ImportId,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub source: Source,
    pub status: ImportStatus,
    pub file_name: String,
    /// Rows read so far; `created + updated + skipped + failed = rows_read`.
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    /// How many rows were skipped for each reason.
    pub skipped_because: BTreeMap<String, i64>,
    /// The first errors (at most 100) in file order; all of them at `/imports/{id}/errors`.
    pub errors: Vec<ImportRowError>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reverted_at: Option<time::OffsetDateTime>,
}

/// Errors read at a time for the report.
const ERROR_PAGE: u64 = 1_000;

/// Errors a view lists.
const ERRORS_IN_VIEW: u64 = 100;

/// The view of import `id`.
pub async fn view(ctx: &Ctx, id: ImportId) -> AppResult<ImportView> {
    let import = get(ctx, id).await?;
    let errors = errors(ctx, id, 0, ERRORS_IN_VIEW).await?;
    Ok(view_of(import, errors))
}

pub fn view_of(import: Import, errors: Vec<ImportRowError>) -> ImportView {
    let c = import.counts;
    ImportView {
        id: import.id,
        kind: import.kind,
        mode: import.mode,
        source: import.source,
        status: import.status,
        file_name: import.file_name,
        rows_read: c.rows_done,
        created: c.created,
        updated: c.updated,
        skipped: c.skipped,
        failed: c.failed,
        skipped_because: c.skipped_because,
        errors,
        created_at: import.created_at,
        updated_at: import.updated_at,
        finished_at: import.finished_at,
        reverted_at: import.reverted_at,
    }
}

/// Every failed row of an import as CSV (`row,column,reason`), streamed.
pub async fn error_report(
    ctx: Ctx,
    id: ImportId,
) -> AppResult<tokio_stream::wrappers::ReceiverStream<super::exports::Chunk>> {
    get(&ctx, id).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut first = b"\xef\xbb\xbf".to_vec();
        first.extend(super::exports::line(&["row", "column", "reason"]));
        if sender.send(Ok(first)).await.is_err() {
            return;
        }
        let mut after = 0;
        loop {
            let mut page = match errors(&ctx, id, after, ERROR_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = sender.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let full = page.len() as u64 == ERROR_PAGE;
            // A full page may end part-way through a row's errors: that row comes whole next.
            if let Some(last) = page.last().map(|e| e.row)
                && full
                && page.iter().any(|e| e.row != last)
            {
                page.retain(|e| e.row != last);
            }
            let Some(last) = page.last() else { return };
            after = last.row;
            let chunk: Vec<u8> = page
                .iter()
                .flat_map(|e| {
                    super::exports::line(&[
                        e.row.to_string(),
                        e.column.clone().unwrap_or_default(),
                        e.reason.clone(),
                    ])
                })
                .collect();
            if sender.send(Ok(chunk)).await.is_err() || !full {
                return;
            }
        }
    });
    Ok(tokio_stream::wrappers::ReceiverStream::new(receiver))
}

#[cfg(test)]
mod matching {
    use std::collections::HashMap;

    use closer_domain::ids::PartyId;
    use closer_domain::import::NaturalKey;

    use super::target_of;

    #[test]
    fn a_record_with_another_id_of_the_same_system_is_not_the_rows() {
        let (greenfield, harbor) = (PartyId(uuid::Uuid::from_u128(1)), PartyId(uuid::Uuid::from_u128(2)));
        let phone = NaturalKey::Phone("+12125558540".into());
        let found = HashMap::from([(phone.clone(), vec![greenfield])]);
        let externals = HashMap::from([(greenfield, vec!["closer:aaa".to_owned()])]);
        let row = |id: &str| vec![NaturalKey::External(id.into()), phone.clone()];
        assert_eq!(
            target_of(&row("closer:bbb"), &found, &externals),
            None,
            "Harbor is not Greenfield"
        );
        assert_eq!(target_of(&row("closer:aaa"), &found, &externals), Some(greenfield));
        assert_eq!(
            target_of(&row("hubspot:7"), &found, &externals),
            Some(greenfield),
            "another system's id tells nothing"
        );
        assert_eq!(
            target_of(std::slice::from_ref(&phone), &found, &externals),
            Some(greenfield)
        );
        let both = HashMap::from([(phone.clone(), vec![greenfield, harbor])]);
        assert_eq!(
            target_of(&row("closer:bbb"), &both, &externals),
            Some(harbor),
            "the next holder that fits"
        );
    }
}

#[cfg(test)]
mod fuzz_corpus {
    use super::read_for_fuzzing;

    /// The fuzzer's corpus (`fuzz/corpus/csv_file`), replayed on the stable toolchain; and
    /// every prefix of the hand-written seeds (the files named `*.csv`: files cut short by an
    /// upload, a broken copy).
    #[test]
    fn the_csv_file_corpus_reads_without_panicking() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/csv_file");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus is in the repository") {
            let path = entry.expect("an entry").path();
            let bytes = std::fs::read(&path).expect("a corpus file");
            if path.extension().is_some_and(|e| e == "csv") {
                for end in 0..bytes.len().min(256) {
                    read_for_fuzzing(&bytes[..end]);
                }
            }
            read_for_fuzzing(&bytes);
            read += 1;
        }
        assert!(read >= 9, "the corpus holds its seeds ({read} read)");
    }
}
