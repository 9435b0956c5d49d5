//! Use cases for people, organisations and employments.

use closer_domain::access::RecordType;
use closer_domain::ids::{EmploymentId, PartyId};
use closer_domain::party::{
    Employment, EmploymentDraft, EmploymentPatch, Organisation, OrganisationDraft, OrganisationPatch, PartyKind,
    Person, PersonDraft, PersonPatch,
};
use closer_domain::record::RecordMeta;
use closer_store::{Conn, parties};

use super::resources::References;
use super::{AppResult, Ctx, Expected, begin_update, create, finish_update, insert_in, new_id, now};

pub async fn create_person(ctx: &Ctx, draft: &PersonDraft) -> AppResult<Person> {
    let person = Person {
        id: PartyId(new_id()),
        fields: draft.parse()?,
        record_type: RecordType::Consumer,
        ownership: ctx.new_ownership(),
        meta: RecordMeta::created(now()),
    };
    create(ctx, person).await
}

/// Where a new person works, recorded with them.
#[derive(Debug, Clone)]
pub struct Workplace {
    pub organisation_id: PartyId,
    pub title: Option<String>,
    pub department: Option<String>,
}

/// A new person and, when given, their current employment: both are made, or neither.
pub async fn create_person_at(ctx: &Ctx, draft: &PersonDraft, workplace: Option<&Workplace>) -> AppResult<Person> {
    let Some(workplace) = workplace else {
        return create_person(ctx, draft).await;
    };
    let id = PartyId(new_id());
    let employment_draft = EmploymentDraft {
        person_id: id,
        organisation_id: workplace.organisation_id,
        title: workplace.title.clone(),
        department: workplace.department.clone(),
        seniority: None,
        started_on: None,
        ended_on: None,
    };
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.party(
        ctx,
        conn.conn(),
        "organisation_id",
        workplace.organisation_id,
        PartyKind::Organisation,
    )
    .await?;
    drop(conn);
    let parsed = match (draft.parse(), employment_draft.parse()) {
        (Ok(person), Ok(employment)) => Ok((person, employment)),
        (person, employment) => {
            let mut errors = closer_domain::ValidationErrors::default();
            errors.0.extend(person.err().into_iter().flat_map(|e| e.0));
            errors.0.extend(employment.err().into_iter().flat_map(|e| e.0));
            Err(errors)
        }
    };
    let (person_fields, employment_fields) = refs.merge(parsed)?;
    let at = now();
    let person = Person {
        id,
        fields: person_fields,
        record_type: RecordType::Consumer,
        ownership: ctx.new_ownership(),
        meta: RecordMeta::created(at),
    };
    let employment = Employment {
        id: EmploymentId(new_id()),
        fields: employment_fields,
        meta: RecordMeta::created(at),
    };
    let mut tx = ctx.begin().await?;
    insert_in(ctx, tx.conn(), &person).await?;
    insert_in(ctx, tx.conn(), &employment).await?;
    tx.commit().await?;
    ctx.graphs.hire(&ctx.db, ctx.workspace, &employment).await;
    Ok(person)
}

pub async fn patch_person(ctx: &Ctx, id: PartyId, version: &Expected, patch: &PersonPatch) -> AppResult<Person> {
    let (tx, current) = begin_update::<Person>(ctx, id.as_uuid(), version).await?;
    let next = Person {
        fields: patch.apply(&current.fields)?,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

/// Checks an organisation's parent: a visible organisation that is not the organisation itself
/// nor one of its descendants.
async fn check_parent(
    refs: &mut References,
    mut conn: Conn<'_>,
    ctx: &Ctx,
    this: Option<PartyId>,
    parent: Option<PartyId>,
) -> AppResult<()> {
    let Some(parent) = parent else { return Ok(()) };
    refs.party(ctx, conn.reborrow(), "parent_id", parent, PartyKind::Organisation)
        .await?;
    let Some(this) = this else { return Ok(()) };
    let mut cursor = Some(parent);
    // A bounded walk up the chain; real group structures are a handful of levels deep.
    for _ in 0..64 {
        let Some(id) = cursor else { break };
        if id == this {
            refs.push_error("parent_id", "would make the organisation its own ancestor");
            break;
        }
        cursor = parties::get_organisation(conn.reborrow(), ctx.workspace, id)
            .await?
            .and_then(|o| o.fields.parent_id);
    }
    Ok(())
}

pub async fn create_organisation(ctx: &Ctx, draft: &OrganisationDraft) -> AppResult<Organisation> {
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    check_parent(&mut refs, conn.conn(), ctx, None, draft.parent_id).await?;
    drop(conn);
    let organisation = Organisation {
        id: PartyId(new_id()),
        fields: refs.merge(draft.parse())?,
        ownership: ctx.new_ownership(),
        meta: RecordMeta::created(now()),
    };
    create(ctx, organisation).await
}

pub async fn patch_organisation(
    ctx: &Ctx,
    id: PartyId,
    version: &Expected,
    patch: &OrganisationPatch,
) -> AppResult<Organisation> {
    let (mut tx, current) = begin_update::<Organisation>(ctx, id.as_uuid(), version).await?;
    let mut refs = References::new();
    check_parent(&mut refs, tx.conn(), ctx, Some(id), patch.parent_id.flatten()).await?;
    let next = Organisation {
        fields: refs.merge(patch.apply(&current.fields))?,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}

pub async fn create_employment(ctx: &Ctx, draft: &EmploymentDraft) -> AppResult<Employment> {
    let mut refs = References::new();
    let mut conn = ctx.db.acquire().await?;
    refs.party(ctx, conn.conn(), "person_id", draft.person_id, PartyKind::Person)
        .await?;
    refs.party(
        ctx,
        conn.conn(),
        "organisation_id",
        draft.organisation_id,
        PartyKind::Organisation,
    )
    .await?;
    drop(conn);
    let employment = Employment {
        id: EmploymentId(new_id()),
        fields: refs.merge(draft.parse())?,
        meta: RecordMeta::created(now()),
    };
    let employment = create(ctx, employment).await?;
    ctx.graphs.hire(&ctx.db, ctx.workspace, &employment).await;
    Ok(employment)
}

pub async fn patch_employment(
    ctx: &Ctx,
    id: EmploymentId,
    version: &Expected,
    patch: &EmploymentPatch,
) -> AppResult<Employment> {
    let (tx, current) = begin_update::<Employment>(ctx, id.as_uuid(), version).await?;
    let next = Employment {
        fields: patch.apply(&current.fields)?,
        ..current.clone()
    };
    finish_update(ctx, tx, &current, next).await
}
