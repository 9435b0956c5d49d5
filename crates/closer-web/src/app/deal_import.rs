//! Deals and notes from other CRMs' exports, through the importer's batches (`importer::run`):
//! each deal lands in a stage of a playbook (other systems' stage names are mapped), with its
//! counterparty found by tax id, web domain, name, e-mail or phone, or made; each note lands on
//! the deal, person or organisation it is about. Rows that fail are reported, the rest import.

use std::collections::HashMap;

use closer_domain::access::Action;
use closer_domain::access::RecordType;
use closer_domain::activity::Note;
use closer_domain::activity::{Subject, SubjectType};
use closer_domain::audit::AuditAction;
use closer_domain::deal::{Deal, DealDraft, DealProgress};
use closer_domain::ids::{DealId, NoteId, PartyId};
use closer_domain::import::{
    ColumnMap, CounterpartyRef, DealRow, Field, ImportKind, ImportMode, NaturalKey, NoteRow, ReadOptions, RowRecord,
};
use closer_domain::import_deals::stage_of;
use closer_domain::party::{Organisation, OrganisationDraft, PartyKind, Person, PersonDraft};
use closer_domain::playbook::{DealKind, DealStatus, Playbook, Stage};
use closer_domain::record::{Ownership, RecordMeta};
use closer_store::imports::Import;
use closer_store::{Conn, deals, parties, party_keys, playbooks};
use time::Time;

use super::importer::{BatchOutcome, Owners, WriteError, finish_batch, import_ctx, read_batch};
use super::imports::FileShape;
use super::records::{Decision, decide};
use super::{AppError, AppResult, Ctx, Resource, insert_in, new_id, now, update_in};

/// Writes batches of deal or note rows.
pub(super) struct DealWriter {
    ctx: Ctx,
    kind: ImportKind,
    mode: ImportMode,
    map: ColumnMap,
    shape: FileShape,
    options: ReadOptions,
    owners: Owners,
    playbooks: Vec<Playbook>,
    /// Stage names of the file (normalised) → stage keys, as the import was told.
    stage_map: HashMap<String, String>,
}

/// Refuses a stage map that names a stage key no playbook has.
pub(super) async fn check_stage_map(ctx: &Ctx, stages: &std::collections::BTreeMap<String, String>) -> AppResult<()> {
    if stages.is_empty() {
        return Ok(());
    }
    let mut conn = ctx.db.acquire().await?;
    let playbooks = playbooks::list(conn.conn(), ctx.workspace).await?;
    let mut errors = closer_domain::ValidationErrors::default();
    for (name, key) in stages {
        if !playbooks.iter().flat_map(|p| p.stages.iter()).any(|s| s.key == *key) {
            errors.0.extend(
                closer_domain::ValidationErrors::single(
                    format!("stages.{name}"),
                    format!("no playbook has a stage '{key}'"),
                )
                .0,
            );
        }
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Why a row failed, and the field whose column the report names.
struct Failure {
    field: Option<Field>,
    error: WriteError,
}

impl Failure {
    fn at(field: Field) -> impl FnOnce(WriteError) -> Failure {
        move |error| Failure {
            field: Some(field),
            error,
        }
    }
}

impl<E: Into<WriteError>> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure {
            field: None,
            error: error.into(),
        }
    }
}

/// A batch being written: what it looked up before its rows, and what its rows did.
struct Batch {
    found: Found,
    outcome: BatchOutcome,
}

/// What a batch looked up before its rows: deals by their ids elsewhere, parties by key.
#[derive(Default)]
struct Found {
    deals: HashMap<String, DealId>,
    organisations: HashMap<NaturalKey, Vec<PartyId>>,
    people: HashMap<NaturalKey, Vec<PartyId>>,
}

impl DealWriter {
    /// `stages`: the import's hand-made map of stage names to stage keys.
    pub(super) async fn new(
        base: &Ctx,
        import: &Import,
        (map, shape, options): (ColumnMap, FileShape, ReadOptions),
        stages: &std::collections::BTreeMap<String, String>,
    ) -> AppResult<DealWriter> {
        let ctx = import_ctx(base, import);
        let mut conn = base.db.acquire().await?;
        let playbooks = playbooks::list(conn.conn(), base.workspace).await?;
        let stage_map = stages
            .iter()
            .map(|(name, key)| (closer_domain::import::normalise_header(name), key.clone()))
            .collect();
        Ok(DealWriter {
            stage_map,
            owners: Owners::load(base).await?,
            ctx,
            kind: import.kind,
            mode: import.mode,
            map,
            shape,
            options,
            playbooks,
        })
    }

    fn column(&self, field: Field) -> Option<String> {
        self.map.header_of(&self.shape.headers, field).map(str::to_owned)
    }

    fn deal_key(&self, id: &str) -> String {
        format!("{}:{id}", self.map.source.as_str())
    }

    /// The keys a record of the other system, by its id there, may be held by: this file's
    /// source first, then the others.
    fn external_keys(&self, id: &str) -> Vec<NaturalKey> {
        self.deal_keys_of(id).into_iter().map(NaturalKey::External).collect()
    }

    /// The keys the counterparty a row names is found by, most certain first.
    fn counterparty_keys(&self, named: &CounterpartyRef, kind: PartyKind) -> Vec<NaturalKey> {
        let mut keys = named
            .external_id
            .as_deref()
            .map(|id| self.external_keys(id))
            .unwrap_or_default();
        keys.extend(match kind {
            PartyKind::Organisation => named.organisation_keys(),
            PartyKind::Person => named.person_keys(),
        });
        keys
    }

    /// The keys a note's deal may be held by: this file's source first, then the others (a
    /// file of notes may not be told apart as the same system's export as its deals).
    fn deal_keys_of(&self, id: &str) -> Vec<String> {
        let mut keys = vec![self.deal_key(id)];
        keys.extend(
            closer_domain::import::Source::ALL
                .iter()
                .filter(|s| **s != self.map.source)
                .map(|s| format!("{}:{id}", s.as_str())),
        );
        keys
    }

    /// Writes one batch of rows, all or nothing, with the import's progress.
    pub(super) async fn write(
        &mut self,
        import: &mut Import,
        rows: Vec<(i64, Result<Vec<String>, String>)>,
    ) -> AppResult<()> {
        let read = rows.len() as i64;
        let (records, outcome) = read_batch(self.kind, &self.map, &self.shape, &self.options, rows);
        let mut deal_keys = Vec::new();
        let mut organisation_keys = Vec::new();
        let mut person_keys = Vec::new();
        for (_, record) in &records {
            let counterparty = match record {
                RowRecord::Deal(d) => {
                    deal_keys.extend(d.external_id.as_deref().map(|id| self.deal_key(id)));
                    &d.counterparty
                }
                RowRecord::Note(n) => {
                    deal_keys.extend(
                        n.subject
                            .deal
                            .as_deref()
                            .map(|id| self.deal_keys_of(id))
                            .unwrap_or_default(),
                    );
                    &n.subject.counterparty
                }
                _ => continue,
            };
            organisation_keys.extend(self.counterparty_keys(counterparty, PartyKind::Organisation));
            person_keys.extend(self.counterparty_keys(counterparty, PartyKind::Person));
        }
        let mut tx = self.ctx.begin().await?;
        let ctx = &self.ctx;
        let found = Found {
            deals: deals::find_by_keys(tx.conn(), ctx.workspace, &deal_keys).await?,
            organisations: party_keys::find(tx.conn(), ctx.workspace, PartyKind::Organisation, &organisation_keys)
                .await?,
            people: party_keys::find(tx.conn(), ctx.workspace, PartyKind::Person, &person_keys).await?,
        };
        let mut batch = Batch { found, outcome };
        for (row, record) in records {
            let written = match &record {
                RowRecord::Deal(deal) => self.write_deal(tx.conn(), row, deal, &mut batch).await,
                RowRecord::Note(note) => self.write_note(tx.conn(), row, note, &mut batch).await,
                _ => Err(WriteError::Row("this import reads deals and notes only".into()).into()),
            };
            match written {
                Ok(()) => {}
                Err(Failure {
                    field,
                    error: WriteError::Row(reason),
                }) => batch
                    .outcome
                    .fail(row, vec![(field.and_then(|f| self.column(f)), reason)]),
                Err(Failure {
                    error: WriteError::App(e),
                    ..
                }) => return Err(e),
            }
        }
        batch.outcome.counts.rows_done = read;
        finish_batch(&self.ctx, tx, import, batch.outcome).await?;
        Ok(())
    }

    /// The playbook a row's deal goes in: the one it names (by name or key), else the default
    /// for its kind.
    fn playbook_for(&self, deal: &DealRow, kind: DealKind) -> Result<&Playbook, WriteError> {
        let of_kind = || self.playbooks.iter().filter(move |p| p.kind == kind);
        match &deal.playbook {
            None => of_kind()
                .next()
                .ok_or_else(|| WriteError::Row(format!("the workspace has no {kind} playbook"))),
            Some(named) => {
                let wanted = closer_domain::import::normalise_header(named);
                of_kind()
                    .find(|p| {
                        closer_domain::import::normalise_header(&p.name) == wanted
                            || closer_domain::import::normalise_header(&p.key) == wanted
                    })
                    .or_else(|| {
                        of_kind()
                            .next()
                            .filter(|_| self.playbooks.iter().filter(|p| p.kind == kind).count() == 1)
                    })
                    .ok_or_else(|| {
                        let names: Vec<&str> = of_kind().map(|p| p.name.as_str()).collect();
                        WriteError::Row(format!(
                            "'{named}' is not a {kind} playbook here: one of {}",
                            names.join(", ")
                        ))
                    })
            }
        }
    }

    /// The stage and status a row's deal is at in `playbook`.
    fn stage_for<'p>(&self, deal: &DealRow, playbook: &'p Playbook) -> Result<&'p Stage, WriteError> {
        let by_status = |status: DealStatus| playbook.stages.iter().find(|s| s.status == status);
        let stage = match &deal.stage {
            Some(raw) => self
                .stage_map
                .get(&closer_domain::import::normalise_header(raw))
                .and_then(|key| playbook.stages.iter().find(|s| s.key == *key))
                .or_else(|| stage_of(playbook, raw))
                .ok_or_else(|| {
                    let names: Vec<&str> = playbook.stages.iter().map(|s| s.name.as_str()).collect();
                    WriteError::Row(format!(
                        "'{raw}' is not a stage of '{}': one of {}",
                        playbook.name,
                        names.join(", ")
                    ))
                })?,
            None => by_status(deal.status.unwrap_or(DealStatus::Open))
                .ok_or_else(|| WriteError::Row(format!("'{}' has no stages", playbook.name)))?,
        };
        match deal.status {
            Some(status) if status != stage.status && status != DealStatus::Open => {
                // "Proposal" with status "Lost": lost (from that stage).
                by_status(status).ok_or_else(|| WriteError::Row(format!("'{}' has no {status} stage", playbook.name)))
            }
            Some(DealStatus::Open) if stage.status != DealStatus::Open => Err(WriteError::Row(format!(
                "the stage '{}' is closed but the status says open",
                stage.name
            ))),
            _ => Ok(stage),
        }
    }

    /// Finds who a row names (a visible record), or makes them.
    async fn counterparty(
        &self,
        mut conn: Conn<'_>,
        row: i64,
        named: &CounterpartyRef,
        kind: PartyKind,
        ownership: Ownership,
        batch: &mut Batch,
    ) -> Result<PartyId, WriteError> {
        let keys = self.counterparty_keys(named, kind);
        let held = match kind {
            PartyKind::Organisation => &mut batch.found.organisations,
            PartyKind::Person => &mut batch.found.people,
        };
        if let Some(id) = keys
            .iter()
            .find_map(|k| held.get(k).and_then(|ids| ids.first().copied()))
        {
            let visible = match kind {
                PartyKind::Organisation => {
                    match parties::get_organisation(conn.reborrow(), self.ctx.workspace, id).await? {
                        Some(o) => decide(&self.ctx, conn, o.guard(), Action::Read).await?,
                        None => Decision::Hidden,
                    }
                }
                PartyKind::Person => match parties::get_person(conn.reborrow(), self.ctx.workspace, id).await? {
                    Some(p) => decide(&self.ctx, conn, p.guard(), Action::Read).await?,
                    None => Decision::Hidden,
                },
            };
            return match visible {
                Decision::Hidden => Err(WriteError::Row(format!("it names a {kind} you may not see"))),
                _ => Ok(id),
            };
        }
        let at = now();
        let id = PartyId(new_id());
        match kind {
            PartyKind::Organisation => {
                let Some(workplace) = &named.organisation() else {
                    return Err(WriteError::Row("a B2B deal needs its organisation".into()));
                };
                let Some(name) = workplace.name.clone() else {
                    return Err(WriteError::Row(
                        "no organisation has this tax id or web domain; give its name to make it".into(),
                    ));
                };
                let draft = OrganisationDraft {
                    name,
                    tax_id: workplace.tax_id.clone(),
                    website: workplace
                        .domain
                        .as_deref()
                        .and_then(closer_domain::import::domain_of)
                        .map(|d| format!("https://{d}")),
                    ..OrganisationDraft::default()
                };
                let organisation = Organisation {
                    id,
                    fields: draft.parse().map_err(|e| WriteError::Row(e.to_string()))?,
                    ownership,
                    meta: RecordMeta::created(at),
                };
                insert_in(&self.ctx, conn.reborrow(), &organisation).await?;
                batch.outcome.effect(row, Organisation::ENTITY, id.as_uuid(), true);
            }
            PartyKind::Person => {
                let Some(name) = named.person_name().map(str::to_owned) else {
                    return Err(WriteError::Row(
                        "no person has this e-mail or phone; give their name to make them".into(),
                    ));
                };
                let draft = PersonDraft {
                    name,
                    emails: named.emails.clone(),
                    phones: named.phones.clone(),
                    timezone: None,
                };
                let person = Person {
                    id,
                    fields: draft.parse().map_err(|e| WriteError::Row(e.to_string()))?,
                    record_type: RecordType::Consumer,
                    ownership,
                    meta: RecordMeta::created(at),
                };
                insert_in(&self.ctx, conn.reborrow(), &person).await?;
                batch.outcome.effect(row, Person::ENTITY, id.as_uuid(), true);
            }
        }
        // Its id in the other system finds it again (the next row, the next import).
        if let Some(external) = &named.external_id {
            let key = NaturalKey::External(self.deal_key(external));
            party_keys::add(conn, self.ctx.workspace, id, std::slice::from_ref(&key)).await?;
        }
        for key in keys {
            held.entry(key).or_insert_with(|| vec![id]);
        }
        Ok(id)
    }

    async fn write_deal(&self, mut conn: Conn<'_>, row: i64, deal: &DealRow, batch: &mut Batch) -> Result<(), Failure> {
        let ctx = &self.ctx;
        let key = deal.external_id.as_deref().map(|id| self.deal_key(id));
        let matched = key.as_ref().and_then(|k| batch.found.deals.get(k).copied());
        match (self.mode, matched) {
            (ImportMode::Create, Some(_)) => {
                batch.outcome.skip("matches a record already there");
                return Ok(());
            }
            (ImportMode::Update, None) => {
                batch.outcome.skip("matches no record");
                return Ok(());
            }
            (_, Some(id)) => return self.update_deal(conn, row, deal, id, &mut batch.outcome).await,
            (_, None) => {}
        }
        let Some(title) = deal.title.clone() else {
            return Err(Failure::at(Field::Name)(WriteError::Row(
                "a new deal needs a name".into(),
            )));
        };
        let ownership = self
            .owners
            .ownership(ctx, deal.owner.as_deref())
            .map_err(|reason| Failure::at(Field::Owner)(WriteError::Row(reason)))?;
        let kind = deal.kind();
        let playbook = self.playbook_for(deal, kind).map_err(Failure::at(Field::Playbook))?;
        let stage = self.stage_for(deal, playbook).map_err(Failure::at(Field::Stage))?;
        let currency = deal.currency.as_ref().ok_or_else(|| {
            Failure::at(Field::Currency)(WriteError::Row(
                "a deal needs a currency: add a currency column or choose one for the import".into(),
            ))
        })?;
        let party_kind = match kind {
            DealKind::B2b => PartyKind::Organisation,
            DealKind::B2c => PartyKind::Person,
        };
        let counterparty_field = match kind {
            DealKind::B2b => Field::Organisation,
            DealKind::B2c => Field::Person,
        };
        let counterparty = self
            .counterparty(conn.reborrow(), row, &deal.counterparty, party_kind, ownership, batch)
            .await
            .map_err(Failure::at(counterparty_field))?;
        let draft = DealDraft {
            title,
            kind,
            counterparty_id: counterparty,
            playbook_id: Some(playbook.id),
            stage_id: None,
            amount_minor: deal.amount_minor.unwrap_or(0),
            currency: currency.code().to_owned(),
            expected_close: deal.expected_close,
            lead_source: deal.lead_source,
            competitor: None,
            qualification: Default::default(),
        };
        let new = draft
            .parse(playbook, Some(party_kind))
            .map_err(|e| WriteError::Row(e.to_string()))?;
        let at = now();
        let closed = stage.status != DealStatus::Open;
        let closed_at = closed.then(|| {
            deal.expected_close
                .map(|day| day.with_time(Time::MIDNIGHT).assume_utc())
                .filter(|day| *day <= at)
                .unwrap_or(at)
        });
        let made = Deal {
            id: DealId(new_id()),
            terms: new.terms,
            ownership,
            progress: DealProgress {
                kind,
                playbook_id: playbook.id,
                stage_id: stage.id,
                status: stage.status,
                stage_entered_at: closed_at.unwrap_or(at),
                closed_at,
                lost_reason: (stage.status == DealStatus::Lost).then_some(deal.lost_reason).flatten(),
                lost_note: (stage.status == DealStatus::Lost)
                    .then(|| deal.lost_note.clone())
                    .flatten(),
            },
            meta: RecordMeta::created(at),
        };
        insert_in(ctx, conn.reborrow(), &made).await?;
        let transition = deals::StageTransition {
            id: new_id(),
            deal_id: made.id,
            from_stage_id: None,
            to_stage_id: stage.id,
            at,
            actor_id: Some(ctx.actor()),
            reason: Some(format!("import:{}", self.import_id())),
        };
        deals::insert_transition(conn.reborrow(), ctx.workspace, &transition).await?;
        if let Some(key) = &key {
            deals::set_key(conn, ctx.workspace, made.id, key).await?;
            batch.found.deals.insert(key.clone(), made.id);
        }
        batch.outcome.counts.created += 1;
        batch.outcome.effect(row, Deal::ENTITY, made.id.as_uuid(), true);
        Ok(())
    }

    fn import_id(&self) -> &str {
        self.ctx
            .request_id
            .as_deref()
            .and_then(|r| r.strip_prefix("import:"))
            .unwrap_or("")
    }

    /// Changes a deal the row matches: its name, amount, expected close and source as the row
    /// gives them; a stage the row names is recorded as a move.
    async fn update_deal(
        &self,
        mut conn: Conn<'_>,
        row: i64,
        deal: &DealRow,
        id: DealId,
        outcome: &mut BatchOutcome,
    ) -> Result<(), Failure> {
        let ctx = &self.ctx;
        let Some(current) = deals::get(conn.reborrow(), ctx.workspace, id).await? else {
            return Err(WriteError::Row("the matching deal could not be read".into()).into());
        };
        match decide(ctx, conn.reborrow(), current.guard(), Action::Edit).await? {
            Decision::Allowed => {}
            _ => return Err(WriteError::Row(format!("it matches deal {id} you may not change")).into()),
        }
        let mut next = current.clone();
        if let Some(title) = &deal.title {
            next.terms.title = title.clone();
        }
        if let Some(amount) = deal.amount_minor {
            next.terms.amount.amount_minor = amount;
        }
        if let Some(currency) = deal.currency {
            next.terms.amount.currency = currency;
        }
        if deal.expected_close.is_some() {
            next.terms.expected_close = deal.expected_close;
        }
        if deal.lead_source.is_some() {
            next.terms.lead_source = deal.lead_source;
        }
        let playbook = self
            .playbooks
            .iter()
            .find(|p| p.id == current.progress.playbook_id)
            .cloned();
        let mut moved_from = None;
        if let Some(playbook) = &playbook
            && (deal.stage.is_some() || deal.status.is_some())
        {
            let stage = self.stage_for(deal, playbook).map_err(Failure::at(Field::Stage))?;
            if stage.id != current.progress.stage_id {
                let at = now();
                moved_from = Some(current.progress.stage_id);
                next.progress.stage_id = stage.id;
                next.progress.status = stage.status;
                next.progress.stage_entered_at = at;
                next.progress.closed_at = (stage.status != DealStatus::Open).then_some(at);
                next.progress.lost_reason = (stage.status == DealStatus::Lost).then_some(deal.lost_reason).flatten();
                next.progress.lost_note = (stage.status == DealStatus::Lost)
                    .then(|| deal.lost_note.clone())
                    .flatten();
            }
        }
        if next.terms == current.terms && next.progress == current.progress {
            outcome.skip("unchanged");
            return Ok(());
        }
        let written = update_in(ctx, conn.reborrow(), &current, next, AuditAction::Update).await?;
        if let Some(from) = moved_from {
            let transition = deals::StageTransition {
                id: new_id(),
                deal_id: id,
                from_stage_id: Some(from),
                to_stage_id: written.progress.stage_id,
                at: written.meta.updated_at,
                actor_id: Some(ctx.actor()),
                reason: Some(format!("import:{}", self.import_id())),
            };
            deals::insert_transition(conn, ctx.workspace, &transition).await?;
        }
        outcome.counts.updated += 1;
        outcome.effect(row, Deal::ENTITY, id.as_uuid(), false);
        Ok(())
    }

    async fn write_note(&self, conn: Conn<'_>, row: i64, note: &NoteRow, batch: &mut Batch) -> Result<(), Failure> {
        let (found, outcome) = (&batch.found, &mut batch.outcome);
        let ctx = &self.ctx;
        let first = |held: &HashMap<NaturalKey, Vec<PartyId>>, keys: Vec<NaturalKey>| {
            keys.iter()
                .find_map(|k| held.get(k).and_then(|ids| ids.first().copied()))
        };
        let named = &note.subject.counterparty;
        let subject = if let Some(deal) = &note.subject.deal {
            let id = self
                .deal_keys_of(deal)
                .iter()
                .find_map(|k| found.deals.get(k))
                .ok_or_else(|| {
                    Failure::at(Field::Deal)(WriteError::Row(format!(
                        "no deal has the id '{deal}' from this import's source; import the deals first"
                    )))
                })?;
            Subject {
                kind: SubjectType::Deal,
                id: id.as_uuid(),
            }
        } else if let Some(person) = first(&found.people, named.person_keys()) {
            Subject {
                kind: SubjectType::Person,
                id: person.as_uuid(),
            }
        } else if let Some(organisation) = first(&found.organisations, named.organisation_keys()) {
            Subject {
                kind: SubjectType::Organisation,
                id: organisation.as_uuid(),
            }
        } else {
            return Err(
                WriteError::Row("no deal, person or organisation here matches what the row names".into()).into(),
            );
        };
        let at = note.at.filter(|at| *at <= now()).unwrap_or_else(now);
        let made = Note {
            id: NoteId(new_id()),
            fields: closer_domain::activity::NoteFields {
                subject,
                body: note.body.clone(),
                author_id: ctx.actor(),
            },
            meta: RecordMeta::created(at),
        };
        match insert_in(ctx, conn, &made).await {
            Ok(()) => {}
            Err(AppError::NotFound { .. }) => {
                return Err(WriteError::Row(format!("it is about a {} you may not see", subject.kind)).into());
            }
            Err(e) => return Err(e.into()),
        }
        outcome.counts.created += 1;
        outcome.effect(row, Note::ENTITY, made.id.as_uuid(), true);
        Ok(())
    }
}
