//! The duplicate finder: pairs of people (or organisations) that likely are one, with why —
//! a shared e-mail, phone, web domain, tax id or name (organisations), or similar names at the
//! same organisation (people). Only pairs whose both records the principal may see.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use closer_domain::duplicates::similar_names;
use closer_domain::ids::PartyId;
use closer_domain::import::NaturalKey;
use closer_domain::party::PartyKind;
use closer_store::{employments, parties, party_keys};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppResult, Ctx};

/// Shared keys looked at, at most.
const KEYS_LOOKED_AT: u64 = 5_000;
/// Pairs answered, at most.
const PAIRS_SHOWN: usize = 500;
/// Ids asked about in one statement (PostgreSQL binds at most 65,535 values).
const NAMES_PER_QUERY: usize = 1_000;
/// Staff of one organisation compared pairwise, at most (the first so many).
const STAFF_COMPARED: usize = 300;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateParty {
    pub id: PartyId,
    pub name: String,
}

/// Two records that likely are one, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicatePair {
    pub a: DuplicateParty,
    pub b: DuplicateParty,
    /// Why, most certain first ("same e-mail ann@acme.example").
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Duplicates {
    pub pairs: Vec<DuplicatePair>,
    /// More pairs may exist than shown (at most 500).
    pub truncated: bool,
}

fn reason(key: &NaturalKey) -> String {
    let what = match key {
        NaturalKey::Email(_) => "same e-mail",
        NaturalKey::Phone(_) => "same phone",
        NaturalKey::Domain(_) => "same web domain",
        NaturalKey::TaxId(_) => "same tax id",
        NaturalKey::Name(_) => "same name",
        NaturalKey::External(_) => "same id in another system",
    };
    format!("{what} {}", key.value())
}

/// The likely duplicates among people or organisations the principal may see.
pub async fn find(ctx: &Ctx, kind: PartyKind) -> AppResult<Duplicates> {
    let mut conn = ctx.db.acquire().await?;
    let kinds: &[&str] = match kind {
        PartyKind::Person => &["email", "phone"],
        PartyKind::Organisation => &["tax_id", "domain", "email", "phone", "name"],
    };
    let keys = party_keys::shared(conn.conn(), ctx.workspace, kinds, KEYS_LOOKED_AT).await?;
    let holders = party_keys::find(conn.conn(), ctx.workspace, kind, &keys).await?;
    let mut reasons: BTreeMap<(PartyId, PartyId), Vec<String>> = BTreeMap::new();
    let mut ordered: Vec<(&NaturalKey, &Vec<PartyId>)> = holders.iter().filter(|(_, ids)| ids.len() > 1).collect();
    ordered.sort();
    for (key, ids) in ordered {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                reasons.entry((*a.min(b), *a.max(b))).or_default().push(reason(key));
            }
        }
    }
    if kind == PartyKind::Person {
        let mut staff: HashMap<PartyId, Vec<PartyId>> = HashMap::new();
        employments::for_each_live(conn.conn(), ctx.workspace, 1_000, |e| {
            staff
                .entry(e.fields.organisation_id)
                .or_default()
                .push(e.fields.person_id);
        })
        .await?;
        staff.retain(|_, people| people.len() > 1);
        let people: Vec<PartyId> = staff
            .values()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let organisations: Vec<PartyId> = staff.keys().copied().collect();
        let mut names = HashMap::new();
        for chunk in people.chunks(NAMES_PER_QUERY) {
            names.extend(parties::names(conn.conn(), ctx.workspace, chunk).await?);
        }
        let mut organisation_names = HashMap::new();
        for chunk in organisations.chunks(NAMES_PER_QUERY) {
            organisation_names.extend(parties::names(conn.conn(), ctx.workspace, chunk).await?);
        }
        for (organisation, members) in &staff {
            let members: Vec<&PartyId> = members
                .iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .take(STAFF_COMPARED)
                .collect();
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    let (Some(na), Some(nb)) = (names.get(a), names.get(b)) else {
                        continue;
                    };
                    if similar_names(na, nb) {
                        let at = organisation_names.get(organisation).map_or("", String::as_str);
                        reasons
                            .entry((**a.min(b), **a.max(b)))
                            .or_default()
                            .push(format!("similar names at {at}"));
                    }
                }
            }
        }
    }
    let ids: Vec<PartyId> = reasons
        .keys()
        .flat_map(|(a, b)| [*a, *b])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let visibility = ctx.visibility();
    let mut visible = HashMap::new();
    for chunk in ids.chunks(NAMES_PER_QUERY) {
        visible.extend(parties::visible_names(conn.conn(), ctx.workspace, kind, &visibility, chunk).await?);
    }
    let mut pairs: Vec<DuplicatePair> = reasons
        .into_iter()
        .filter_map(|((a, b), reasons)| {
            Some(DuplicatePair {
                a: DuplicateParty {
                    id: a,
                    name: visible.get(&a)?.clone(),
                },
                b: DuplicateParty {
                    id: b,
                    name: visible.get(&b)?.clone(),
                },
                reasons,
            })
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.reasons
            .len()
            .cmp(&x.reasons.len())
            .then_with(|| x.a.name.cmp(&y.a.name))
    });
    let truncated = pairs.len() > PAIRS_SHOWN || keys.len() as u64 == KEYS_LOOKED_AT;
    pairs.truncate(PAIRS_SHOWN);
    Ok(Duplicates { pairs, truncated })
}

/// What a record about to be made would be found by.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub name: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub website: Option<String>,
    pub tax_id: Option<String>,
}

/// A record already there that a new one would duplicate, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateMatch {
    pub id: PartyId,
    pub name: String,
    pub reasons: Vec<String>,
}

/// The records the principal sees that a new person or organisation would duplicate: for a
/// warning before it is made. Values that do not parse are passed over.
pub async fn check(ctx: &Ctx, kind: PartyKind, candidate: &Candidate) -> AppResult<Vec<DuplicateMatch>> {
    use closer_domain::contact::{EmailAddress, PhoneNumber};
    use closer_domain::import::{domain_of, normalise_name, normalise_tax_id};
    let mut keys: Vec<NaturalKey> = candidate
        .emails
        .iter()
        .filter_map(|e| EmailAddress::parse(e).ok())
        .map(|e| NaturalKey::Email(e.as_str().to_lowercase()))
        .chain(
            candidate
                .phones
                .iter()
                .filter_map(|p| PhoneNumber::parse(p).ok())
                .map(|p| NaturalKey::Phone(p.as_str().to_owned())),
        )
        .collect();
    if kind == PartyKind::Organisation {
        keys.extend(candidate.website.as_deref().and_then(domain_of).map(NaturalKey::Domain));
        keys.extend(
            candidate
                .tax_id
                .as_deref()
                .map(|t| NaturalKey::TaxId(normalise_tax_id(t))),
        );
        keys.extend(
            candidate
                .name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| NaturalKey::Name(normalise_name(n))),
        );
    }
    let mut conn = ctx.db.acquire().await?;
    let holders = party_keys::find(conn.conn(), ctx.workspace, kind, &keys).await?;
    let mut reasons: BTreeMap<PartyId, Vec<String>> = BTreeMap::new();
    for key in &keys {
        for id in holders.get(key).into_iter().flatten() {
            reasons.entry(*id).or_default().push(reason(key));
        }
    }
    let ids: Vec<PartyId> = reasons.keys().copied().collect();
    let visible = parties::visible_names(conn.conn(), ctx.workspace, kind, &ctx.visibility(), &ids).await?;
    Ok(reasons
        .into_iter()
        .filter_map(|(id, reasons)| {
            Some(DuplicateMatch {
                id,
                name: visible.get(&id)?.clone(),
                reasons,
            })
        })
        .collect())
}
