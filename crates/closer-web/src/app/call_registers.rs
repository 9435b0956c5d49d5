//! The registers a dialler consults before every call (R9.1): the do-not-call list (a
//! customer's request, the company's own entries, imported national registries) and each
//! customer's consents per channel, with evidence; and the check itself for one number.

use closer_domain::audit::AuditAction;
use closer_domain::contact::PhoneNumber;
use closer_domain::ids::{ConsentId, DncEntryId, PartyId};
use closer_domain::party::Person;
use closer_domain::record::RecordMeta;
use closer_domain::telemarketing::{
    Consent, ConsentChannel, ConsentDraft, DEFAULT_WINDOW, DialBlock, DialFacts, DncEntry, DncEntryDraft, DncScope,
    DncSource, EVERYWHERE, JurisdictionDraft, JurisdictionPack, Laws, PackSource, PhoneConsent, built_in, may_dial,
    may_ever_dial, pack_region, phone_consent, region_of,
};
use closer_domain::zone::Zone;
use closer_store::call_registers;
use closer_store::records::{Deleted, Page, PageRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::imports::{ImportReport, RowError};
use super::{AppError, AppResult, Ctx, create, get, insert_in, new_id, now};

/// Puts a number on a do-not-call list. A number already listed in that scope keeps its entry,
/// which is returned with `false` (nothing new was made).
pub async fn add_dnc(ctx: &Ctx, draft: &DncEntryDraft) -> AppResult<(DncEntry, bool)> {
    let at = now();
    let fields = draft.parse(ctx.actor(), at)?;
    if let Some(listed) = listed(ctx, &fields.phone, fields.scope).await? {
        return Ok((listed, false));
    }
    let entry = DncEntry {
        id: DncEntryId(new_id()),
        fields,
        meta: RecordMeta::created(at),
    };
    Ok((create(ctx, entry).await?, true))
}

/// The entry in force for `phone` in `scope`, if any.
async fn listed(ctx: &Ctx, phone: &PhoneNumber, scope: DncScope) -> AppResult<Option<DncEntry>> {
    let mut conn = ctx.db.acquire().await?;
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    let at = now();
    Ok(
        call_registers::list_dnc(conn.conn(), ctx.workspace, Some(phone), Deleted::Hide, page)
            .await?
            .items
            .into_iter()
            .find(|e| e.fields.scope == scope && e.fields.in_force(at)),
    )
}

pub async fn list_dnc(
    ctx: &Ctx,
    phone: Option<&str>,
    deleted: Deleted,
    page: PageRequest,
) -> AppResult<Page<DncEntry>> {
    let phone = phone
        .map(PhoneNumber::parse)
        .transpose()
        .map_err(|m| closer_domain::ValidationErrors::single("phone", m))?;
    let mut conn = ctx.db.acquire().await?;
    Ok(call_registers::list_dnc(conn.conn(), ctx.workspace, phone.as_ref(), deleted, page).await?)
}

/// Imports a registry or a company list of numbers (one per line, or the first column of a
/// CSV), for administrators and managers: each valid number not yet listed is added.
pub async fn import_dnc(ctx: &Ctx, bytes: &[u8], scope: DncScope) -> AppResult<ImportReport> {
    if !ctx.principal.keeps_catalogue() {
        return Err(AppError::Forbidden(
            "administrators and managers import do-not-call lists".into(),
        ));
    }
    let text = super::imports::decoded_text(bytes)?;
    let source = if scope == DncScope::NationalRegistry {
        DncSource::RegistryImport
    } else {
        DncSource::Manual
    };
    let mut report = ImportReport::default();
    let at = now();
    let mut fresh: Vec<(usize, DncEntry)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let cell = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if cell.is_empty() || (index == 0 && !cell.starts_with(['+', '0'])) {
            // Blank lines and a header row.
            continue;
        }
        report.read += 1;
        let draft = DncEntryDraft {
            phone: cell.to_owned(),
            scope: Some(scope),
            source: Some(source),
            note: None,
            expires_at: None,
        };
        match draft.parse(ctx.actor(), at) {
            Ok(fields) if !seen.insert(fields.phone.as_str().to_owned()) => {
                report.skipped += 1;
                *report
                    .skipped_because
                    .entry("listed twice in the file".into())
                    .or_default() += 1;
            }
            Ok(fields) => fresh.push((
                index + 1,
                DncEntry {
                    id: DncEntryId(new_id()),
                    fields,
                    meta: RecordMeta::created(at),
                },
            )),
            Err(errors) => {
                report.failed += 1;
                report.errors.extend(errors.0.into_iter().take(1).map(|e| RowError {
                    row: index + 1,
                    column: Some(e.field),
                    reason: e.message,
                }));
            }
        }
    }
    for batch in fresh.chunks(500) {
        let phones: Vec<&str> = batch.iter().map(|(_, e)| e.fields.phone.as_str()).collect();
        let mut conn = ctx.db.acquire().await?;
        let already = call_registers::blocked_numbers(conn.conn(), ctx.workspace, &phones, at).await?;
        drop(conn);
        let mut tx = ctx.begin().await?;
        for (_, entry) in batch {
            if already.contains(entry.fields.phone.as_str()) {
                report.skipped += 1;
                *report
                    .skipped_because
                    .entry("already on a do-not-call list".into())
                    .or_default() += 1;
                continue;
            }
            insert_in(ctx, tx.conn(), entry).await?;
            report.created += 1;
        }
        tx.commit().await?;
    }
    Ok(report)
}

/// Records a consent given or withdrawn, for a person the principal may see.
pub async fn record_consent(ctx: &Ctx, draft: &ConsentDraft) -> AppResult<Consent> {
    person(ctx, draft.person_id).await?;
    let at = now();
    let consent = Consent {
        id: ConsentId(new_id()),
        fields: draft.parse(ctx.actor(), at)?,
        meta: RecordMeta::created(at),
    };
    create(ctx, consent).await
}

/// A person the principal may see; a hidden one reads as missing, under the field's name.
async fn person(ctx: &Ctx, id: PartyId) -> AppResult<Person> {
    match get::<Person>(ctx, id.as_uuid()).await {
        Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => Err(AppError::MissingReference(
            closer_domain::ValidationErrors::single("person_id", format!("person {id} does not exist")),
        )),
        other => other,
    }
}

/// The consent records of a person the principal may see, oldest first.
pub async fn consents_of(ctx: &Ctx, id: PartyId) -> AppResult<Vec<Consent>> {
    person(ctx, id).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(call_registers::consents_of(conn.conn(), ctx.workspace, id).await?)
}

/// Whether a number may be dialled now, and why not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DialCheck {
    pub phone: String,
    pub allowed: bool,
    /// `do_not_call`, `no_consent`, `outside_calling_window` or `unknown_time_zone`.
    pub reason: Option<&'static str>,
    /// The number's region (ISO code), when Closer knows it.
    pub region: Option<&'static str>,
    /// `none`, `granted` or `withdrawn`: the person's latest phone consent.
    pub consent: &'static str,
    /// The time zone used: the person's own, or none (the region's zones).
    pub time_zone: Option<String>,
}

/// Checks `phone` (of `person`, if given: their consent and time zone count) against the
/// do-not-call list, the consent its region requires and the default calling window (R9.1).
pub async fn check_dial(ctx: &Ctx, phone: &str, person_id: Option<PartyId>) -> AppResult<DialCheck> {
    let phone = PhoneNumber::parse(phone).map_err(|m| closer_domain::ValidationErrors::single("phone", m))?;
    let at = now();
    let (zone, consent) = match person_id {
        Some(id) => {
            let found = person(ctx, id).await?;
            let zone = found.fields.timezone.as_deref().and_then(|name| Zone::named(name).ok());
            let mut conn = ctx.db.acquire().await?;
            let records = call_registers::consents_of_people(conn.conn(), ctx.workspace, &[id], ConsentChannel::Phone)
                .await?
                .remove(&id)
                .unwrap_or_default();
            (zone, phone_consent(&records))
        }
        None => (None, PhoneConsent::None),
    };
    let on_dnc = {
        let mut conn = ctx.db.acquire().await?;
        !call_registers::blocked_numbers(conn.conn(), ctx.workspace, &[phone.as_str()], at)
            .await?
            .is_empty()
    };
    let law = {
        let mut conn = ctx.db.acquire().await?;
        laws(conn.conn(), ctx.workspace).await?.for_number(phone.as_str(), None)
    };
    let facts = DialFacts {
        phone: phone.as_str(),
        zone: zone.as_ref(),
        on_dnc,
        consent,
        law,
    };
    let verdict = may_dial(&facts, &DEFAULT_WINDOW, at);
    Ok(DialCheck {
        phone: phone.as_str().to_owned(),
        allowed: verdict.is_ok(),
        reason: verdict.err().map(DialBlock::as_str),
        region: region_of(phone.as_str()).map(|r| r.code),
        consent: match consent {
            PhoneConsent::None => "none",
            PhoneConsent::Granted => "granted",
            PhoneConsent::Withdrawn => "withdrawn",
        },
        time_zone: zone.map(|z| z.name().to_owned()),
    })
}

/// For each person with a phone number: whether some number of theirs may be called at all (on
/// no do-not-call list, with the consent its region requires), whatever the hour.
pub(crate) async fn callable_people(
    mut conn: closer_store::Conn<'_>,
    workspace: closer_domain::ids::WorkspaceId,
    phones_of: &[(PartyId, &[String])],
    at: time::OffsetDateTime,
) -> AppResult<std::collections::HashMap<PartyId, bool>> {
    let with_phones: Vec<&(PartyId, &[String])> = phones_of.iter().filter(|(_, phones)| !phones.is_empty()).collect();
    if with_phones.is_empty() {
        return Ok(Default::default());
    }
    let numbers: Vec<&str> = with_phones
        .iter()
        .flat_map(|(_, phones)| phones.iter().map(String::as_str))
        .collect();
    let people: Vec<PartyId> = with_phones.iter().map(|(id, _)| *id).collect();
    let blocked = call_registers::blocked_numbers(conn.reborrow(), workspace, &numbers, at).await?;
    let consents =
        call_registers::consents_of_people(conn.reborrow(), workspace, &people, ConsentChannel::Phone).await?;
    let laws = laws(conn, workspace).await?;
    Ok(with_phones
        .into_iter()
        .map(|(id, phones)| {
            let consent = phone_consent(consents.get(id).into_iter().flatten());
            let callable = phones.iter().any(|phone| {
                may_ever_dial(&DialFacts {
                    phone,
                    zone: None,
                    on_dnc: blocked.contains(phone.as_str()),
                    consent,
                    law: laws.for_number(phone, None),
                })
                .is_ok()
            });
            (*id, callable)
        })
        .collect())
}

/// The calling laws in force in the workspace: its own packs over the built-in ones.
pub(crate) async fn laws(conn: closer_store::Conn<'_>, workspace: closer_domain::ids::WorkspaceId) -> AppResult<Laws> {
    Ok(Laws::new(call_registers::jurisdictions(conn, workspace).await?))
}

/// The calling laws in force: the built-in packs (China: consent; everyone: 08:00–21:00) and the
/// workspace's own, which win for their region.
pub async fn list_jurisdictions(ctx: &Ctx) -> AppResult<Vec<JurisdictionPack>> {
    let own = {
        let mut conn = ctx.db.acquire().await?;
        call_registers::jurisdictions(conn.conn(), ctx.workspace).await?
    };
    let mut packs: Vec<JurisdictionPack> = own
        .iter()
        .map(|(region, law)| JurisdictionPack::new(region, law, PackSource::Workspace))
        .collect();
    for region in [EVERYWHERE, "CN"] {
        if let Some(law) = built_in(region).filter(|_| !own.iter().any(|(r, _)| r == region)) {
            packs.push(JurisdictionPack::new(region, &law, PackSource::BuiltIn));
        }
    }
    packs.sort_by(|a, b| a.region.cmp(&b.region));
    Ok(packs)
}

/// Sets the workspace's calling law for a region (`*`: every region without its own);
/// administrators only, audited.
pub async fn put_jurisdiction(ctx: &Ctx, region: &str, draft: &JurisdictionDraft) -> AppResult<JurisdictionPack> {
    super::admin::require_admin(ctx)?;
    let region = pack_region(region).map_err(|m| closer_domain::ValidationErrors::single("region", m))?;
    let law = draft.parse()?;
    let at = now();
    let before = list_jurisdictions(ctx).await?.into_iter().find(|p| p.region == region);
    let pack = JurisdictionPack::new(&region, &law, PackSource::Workspace);
    let mut tx = ctx.begin().await?;
    call_registers::put_jurisdiction(tx.conn(), ctx.workspace, &region, &law, ctx.actor(), at).await?;
    let entries = ctx.audit_change(
        at,
        "calling_jurisdiction",
        ctx.workspace.as_uuid(),
        if before.is_some() {
            AuditAction::Update
        } else {
            AuditAction::Create
        },
        before.as_ref(),
        &pack,
    );
    closer_store::audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(pack)
}

/// Takes the workspace's own law for a region away: the built-in pack applies again. False when
/// the workspace had none for it.
pub async fn delete_jurisdiction(ctx: &Ctx, region: &str) -> AppResult<bool> {
    super::admin::require_admin(ctx)?;
    let region = pack_region(region).map_err(|m| closer_domain::ValidationErrors::single("region", m))?;
    let Some(before) = list_jurisdictions(ctx)
        .await?
        .into_iter()
        .find(|p| p.region == region && p.source == PackSource::Workspace)
    else {
        return Ok(false);
    };
    let at = now();
    let mut tx = ctx.begin().await?;
    call_registers::delete_jurisdiction(tx.conn(), ctx.workspace, &region).await?;
    let entries = ctx.audit_change(
        at,
        "calling_jurisdiction",
        ctx.workspace.as_uuid(),
        AuditAction::Delete,
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        &serde_json::json!({ "region": region }),
    );
    closer_store::audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(true)
}
