//! Relationships (D5): interactions recorded as metadata, the in-memory index of every tie in a
//! workspace (built on first use, kept current as interactions arrive, caught up with what
//! other servers recorded), and warm paths to a person under the access rules.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use closer_domain::deal::Deal;
use closer_domain::ids::{DealId, EndorsementId, InteractionId, IntroRequestId, PartyId, UserId, WorkspaceId};
use closer_domain::meeting::Meeting;
use closer_domain::party::{Employment, EmploymentFields, Person};
use closer_domain::record::RecordMeta;
use closer_domain::relationships::{
    Endorsement, EndorsementDraft, Graph, Interaction, InteractionDraft, InteractionFields, InteractionSource,
    IntroRequest, IntroRequestDraft, IntroRequestFields, IntroStep, Node, Participant, Provenance, STAFF_MAX,
    ScoredPath, Strength, Via, Warmth, fatigue, reach, role_weight, warmth,
};
use closer_store::access::Visibility;
use closer_store::{Conn, Db, interactions, parties, users};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::{AppError, AppResult, Ctx, Expected, get, insert_in, new_id, now};

/// Interactions read from the database per round trip while an index is built.
const BUILD_CHUNK: u64 = 10_000;
/// How often a server looks for interactions other servers recorded.
const CATCH_UP_EVERY: Duration = Duration::seconds(5);
/// How far back it looks: a transaction that began earlier may commit after the last look.
const CATCH_UP_OVERLAP: Duration = Duration::minutes(2);

/// One workspace's index and what it has taken in.
#[derive(Debug)]
struct WorkspaceGraph {
    graph: Graph,
    /// Users who keep their connections to themselves.
    private: HashSet<UserId>,
    /// When the index last looked for others' interactions.
    caught_up_at: OffsetDateTime,
    /// The interactions and employments recorded lately that are in the index, by id, with
    /// when they were recorded: a catch-up skips them.
    recent: HashMap<uuid::Uuid, OffsetDateTime>,
}

impl WorkspaceGraph {
    fn take(&mut self, interaction: &Interaction) {
        if self
            .recent
            .insert(interaction.id.as_uuid(), interaction.meta.created_at)
            .is_none()
        {
            self.graph.add(&interaction.fields);
        }
    }

    /// Ties a new employment's person to the colleagues the company had on file before it
    /// (`staff`: every live employment there, at most one more than the index weighs), so
    /// each pair counts once whichever server learns of it.
    fn take_employment(&mut self, new: &Employment, staff: &[Employment], at: OffsetDateTime) {
        if self.recent.insert(new.id.as_uuid(), new.meta.created_at).is_some() || staff.len() > STAFF_MAX {
            return;
        }
        let earlier: Vec<EmploymentFields> = staff
            .iter()
            .filter(|e| (e.meta.created_at, e.id.as_uuid()) < (new.meta.created_at, new.id.as_uuid()))
            .map(|e| e.fields.clone())
            .collect();
        self.graph.add_employment(&new.fields, &earlier, at);
    }
}

/// The live employments at the company of each of `new`, keyed by company.
async fn staff_of(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    new: &[Employment],
) -> AppResult<HashMap<PartyId, Vec<Employment>>> {
    let mut staff = HashMap::new();
    for employment in new {
        let company = employment.fields.organisation_id;
        if let std::collections::hash_map::Entry::Vacant(slot) = staff.entry(company) {
            let limit = STAFF_MAX as u64 + 1;
            slot.insert(closer_store::employments::at_organisation(conn.reborrow(), workspace, company, limit).await?);
        }
    }
    Ok(staff)
}

/// Every workspace's index, shared by the requests of one server.
#[derive(Debug, Clone, Default)]
pub struct Graphs {
    by_workspace: Arc<Mutex<HashMap<WorkspaceId, Arc<RwLock<WorkspaceGraph>>>>>,
    /// Held while an index is built: questions arriving meanwhile wait for it rather than build
    /// the same index again.
    building: Arc<tokio::sync::Mutex<()>>,
}

/// Statistics of a built index, for the benchmark and the logs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IndexSize {
    pub interactions: u64,
    pub people: usize,
    pub ties: usize,
}

impl Graphs {
    fn cached(&self, workspace: WorkspaceId) -> Option<Arc<RwLock<WorkspaceGraph>>> {
        self.by_workspace.lock().ok()?.get(&workspace).cloned()
    }

    /// Forgets a workspace's index: the next question builds it again (after a deletion, which
    /// cannot be taken out of a tie's sums exactly).
    pub(super) fn forget(&self, workspace: WorkspaceId) {
        if let Ok(mut all) = self.by_workspace.lock() {
            all.remove(&workspace);
        }
    }

    /// Builds `workspace`'s index from the database and keeps it.
    pub async fn build(&self, conn: Conn<'_>, workspace: WorkspaceId) -> AppResult<IndexSize> {
        let mut conn = conn;
        let started = now();
        let mut built = WorkspaceGraph {
            graph: Graph::new(),
            private: interactions::private_users(conn.reborrow(), workspace)
                .await?
                .into_iter()
                .collect(),
            caught_up_at: started,
            recent: HashMap::new(),
        };
        let horizon = started - CATCH_UP_OVERLAP;
        let count = interactions::for_each_live(conn.reborrow(), workspace, BUILD_CHUNK, |interaction| {
            if interaction.meta.created_at >= horizon {
                built
                    .recent
                    .insert(interaction.id.as_uuid(), interaction.meta.created_at);
            }
            built.graph.add(&interaction.fields);
        })
        .await?;
        // Who worked together (§7.1): each company's staff, unless it has too many on file.
        let mut staff: HashMap<PartyId, Vec<EmploymentFields>> = HashMap::new();
        closer_store::employments::for_each_live(conn, workspace, BUILD_CHUNK, |employment| {
            if employment.meta.created_at >= horizon {
                built.recent.insert(employment.id.as_uuid(), employment.meta.created_at);
            }
            let company = staff.entry(employment.fields.organisation_id).or_default();
            if company.len() <= STAFF_MAX {
                company.push(employment.fields);
            }
        })
        .await?;
        for company in staff.values() {
            built.graph.add_staff(company, started);
        }
        let size = IndexSize {
            interactions: count,
            people: built.graph.node_count(),
            ties: built.graph.tie_count(),
        };
        if let Ok(mut all) = self.by_workspace.lock() {
            all.insert(workspace, Arc::new(RwLock::new(built)));
        }
        Ok(size)
    }

    /// The workspace's index, built if need be and caught up with what other servers recorded.
    async fn current(&self, db: &Db, workspace: WorkspaceId) -> AppResult<Arc<RwLock<WorkspaceGraph>>> {
        let mut conn = db.acquire().await?;
        let Some(graph) = self.cached(workspace) else {
            let _building = self.building.lock().await;
            if self.cached(workspace).is_none() {
                self.build(conn.conn(), workspace).await?;
            }
            return self
                .cached(workspace)
                .ok_or_else(|| AppError::Conflict("the relationship index could not be kept".into()));
        };
        let since = {
            let read = graph.read().map_err(|_| poisoned())?;
            (now() - read.caught_up_at >= CATCH_UP_EVERY).then_some(read.caught_up_at - CATCH_UP_OVERLAP)
        };
        if let Some(since) = since {
            let at = now();
            let arrived = interactions::recorded_since(conn.conn(), workspace, since).await?;
            let private = interactions::private_users(conn.conn(), workspace).await?;
            let hired = closer_store::employments::created_since(conn.conn(), workspace, since).await?;
            let staff = staff_of(conn.conn(), workspace, &hired).await?;
            let mut write = graph.write().map_err(|_| poisoned())?;
            for interaction in &arrived {
                write.take(interaction);
            }
            for employment in &hired {
                let colleagues = staff
                    .get(&employment.fields.organisation_id)
                    .map_or(&[][..], Vec::as_slice);
                write.take_employment(employment, colleagues, at);
            }
            write.private = private.into_iter().collect();
            write.caught_up_at = at;
            let horizon = at - CATCH_UP_OVERLAP * 2;
            write.recent.retain(|_, created| *created >= horizon);
        }
        Ok(graph)
    }

    /// Takes in an employment this server just recorded: its person is tied to the colleagues
    /// the company had on file. The employment is already stored, so a failure here is only
    /// logged: the next catch-up takes it in.
    pub(super) async fn hire(&self, db: &Db, workspace: WorkspaceId, employment: &Employment) {
        if let Err(e) = self.try_hire(db, workspace, employment).await {
            tracing::warn!(error = %e, "the relationship index will take the employment in at its next catch-up");
        }
    }

    async fn try_hire(&self, db: &Db, workspace: WorkspaceId, employment: &Employment) -> AppResult<()> {
        let Some(graph) = self.cached(workspace) else {
            return Ok(());
        };
        let staff = {
            let mut conn = db.acquire().await?;
            staff_of(conn.conn(), workspace, std::slice::from_ref(employment)).await?
        };
        let colleagues = staff
            .get(&employment.fields.organisation_id)
            .map_or(&[][..], Vec::as_slice);
        graph
            .write()
            .map_err(|_| poisoned())?
            .take_employment(employment, colleagues, now());
        Ok(())
    }

    /// Takes in an interaction this server just recorded.
    pub(super) fn record(&self, workspace: WorkspaceId, interaction: &Interaction) {
        if let Some(graph) = self.cached(workspace)
            && let Ok(mut write) = graph.write()
        {
            write.take(interaction);
        }
    }
}

fn poisoned() -> AppError {
    AppError::Conflict("the relationship index was left half-changed; retry".into())
}

/// Refuses participants who are not people the principal may see, or users of the workspace.
/// A hidden person reads as missing: the answer does not tell that they exist.
async fn participants_exist(ctx: &Ctx, draft: &InteractionDraft) -> AppResult<()> {
    let mut missing = closer_domain::ValidationErrors::default();
    for (index, participant) in draft.participants.iter().enumerate() {
        let (what, id, exists) = match (participant.person_id, participant.user_id) {
            (Some(person), _) => ("person", person.as_uuid(), visible(ctx, person).await?),
            (None, Some(user)) => {
                let mut conn = ctx.db.acquire().await?;
                let found = users::get(conn.conn(), ctx.workspace, user).await?;
                ("user", user.as_uuid(), found.is_some())
            }
            (None, None) => continue,
        };
        if !exists {
            missing.0.push(closer_domain::FieldError {
                field: format!("participants[{index}]"),
                message: format!("{what} {id} does not exist"),
            });
        }
    }
    if missing.0.is_empty() {
        Ok(())
    } else {
        Err(AppError::MissingReference(missing))
    }
}

/// Whether the principal may see `person` (a path never shows whom the access rules hide).
async fn visible(ctx: &Ctx, person: PartyId) -> AppResult<bool> {
    match get::<Person>(ctx, person.as_uuid()).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound { .. } | AppError::Deleted { .. } | AppError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Records an interaction and adds it to the index.
pub async fn record(ctx: &Ctx, draft: &InteractionDraft) -> AppResult<Interaction> {
    record_from(ctx, draft, InteractionSource::Api, None).await
}

/// Records an interaction learnt from `source` (a record of `source_id`).
pub async fn record_from(
    ctx: &Ctx,
    draft: &InteractionDraft,
    source: InteractionSource,
    source_id: Option<uuid::Uuid>,
) -> AppResult<Interaction> {
    let at = now();
    let provenance = Provenance {
        source,
        source_id,
        recorded_by: ctx.actor(),
    };
    let interaction = Interaction {
        id: InteractionId(new_id()),
        fields: draft.parse(at, provenance)?,
        meta: RecordMeta::created(at),
    };
    participants_exist(ctx, draft).await?;
    let mut tx = ctx.begin().await?;
    insert_in(ctx, tx.conn(), &interaction).await?;
    tx.commit().await?;
    ctx.graphs.record(ctx.workspace, &interaction);
    Ok(interaction)
}

/// Records the interaction a meeting just logged as held amounts to, in the transaction that
/// logs it, once per meeting. The caller hands it to the index after committing.
pub async fn learn_from_meeting(ctx: &Ctx, mut conn: Conn<'_>, meeting: &Meeting) -> AppResult<Option<Interaction>> {
    let Some(fields) = InteractionFields::of_meeting(meeting, ctx.actor(), now()) else {
        return Ok(None);
    };
    let known = interactions::from_source(
        conn.reborrow(),
        ctx.workspace,
        InteractionSource::Meeting,
        meeting.id.as_uuid(),
    )
    .await?;
    if known.is_some() {
        return Ok(None);
    }
    let interaction = Interaction {
        id: InteractionId(new_id()),
        fields,
        meta: RecordMeta::created(now()),
    };
    interactions::insert(conn, ctx.workspace, &interaction).await?;
    Ok(Some(interaction))
}

/// Deletes an interaction; the index is rebuilt without it on the next question.
pub async fn delete(ctx: &Ctx, id: InteractionId, expected: &Expected) -> AppResult<Interaction> {
    let deleted = super::records::remove::<Interaction>(ctx, id.as_uuid(), expected).await?;
    ctx.graphs.forget(ctx.workspace);
    Ok(deleted)
}

/// Whether the principal shares their own connections for colleagues' warm paths.
pub async fn set_sharing(ctx: &Ctx, shares: bool) -> AppResult<bool> {
    let mut conn = ctx.db.acquire().await?;
    interactions::set_sharing(conn.conn(), ctx.workspace, ctx.actor(), shares).await?;
    if let Some(graph) = ctx.graphs.cached(ctx.workspace)
        && let Ok(mut write) = graph.write()
    {
        if shares {
            write.private.remove(&ctx.actor());
        } else {
            write.private.insert(ctx.actor());
        }
    }
    Ok(shares)
}

/// Whether the principal shares their own connections.
pub async fn shares(ctx: &Ctx) -> AppResult<bool> {
    let mut conn = ctx.db.acquire().await?;
    Ok(interactions::shares(conn.conn(), ctx.workspace, ctx.actor()).await?)
}

/// Records what backs a deal with trust the buyer already has; who vouches must be a person
/// the principal may see, the meeting one of the deal's.
pub async fn endorse(ctx: &Ctx, deal: DealId, draft: &EndorsementDraft) -> AppResult<Endorsement> {
    let endorsement = Endorsement {
        id: EndorsementId(new_id()),
        fields: draft.parse(deal, ctx.actor())?,
        meta: RecordMeta::created(now()),
    };
    // The deal first: 404 when it cannot be seen.
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let missing = |field: &str, message: String| {
        AppError::MissingReference(closer_domain::ValidationErrors::single(field, message))
    };
    if let Some(person) = draft.by_person_id
        && !visible(ctx, person).await?
    {
        return Err(missing("by_person_id", format!("person {person} does not exist")));
    }
    if let Some(meeting) = draft.meeting_id {
        let found = get::<Meeting>(ctx, meeting.as_uuid()).await.ok();
        if found.is_none_or(|m| m.fields.deal_id != Some(deal)) {
            return Err(missing(
                "meeting_id",
                format!("meeting {meeting} is not one of this deal's"),
            ));
        }
    }
    super::create(ctx, endorsement).await
}

/// The deal's endorsements, oldest first.
pub async fn endorsements_of(ctx: &Ctx, deal: DealId) -> AppResult<Vec<Endorsement>> {
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(closer_store::endorsements::for_deals(conn.conn(), ctx.workspace, &[deal]).await?)
}

/// The score of the path to `target` through `connector` now, 0 when there is none.
async fn path_score(ctx: &Ctx, target: PartyId, connector: &Participant) -> AppResult<f64> {
    let graph = ctx.graphs.current(&ctx.db, ctx.workspace).await?;
    let read = graph.read().map_err(|_| poisoned())?;
    let wanted = match connector.node() {
        Node::User(user) => Via::Colleague(user),
        Node::Person(person) => Via::Connector(person),
    };
    Ok(read
        .graph
        .paths(ctx.actor(), target, now(), |user| !read.private.contains(&user))
        .iter()
        .find(|p| p.via == wanted)
        .map_or(0.0, |p| p.score))
}

/// Asks a colleague, or someone outside the company, to introduce the principal to a person.
/// The person, an outside connector and the deal must be ones the principal may see.
pub async fn ask_intro(ctx: &Ctx, draft: &IntroRequestDraft) -> AppResult<IntroRequest> {
    let missing = |field: &str, message: String| {
        AppError::MissingReference(closer_domain::ValidationErrors::single(field, message))
    };
    let fields = draft.parse(ctx.actor(), 0.0, now())?;
    if !visible(ctx, draft.target_id).await? {
        return Err(missing(
            "target_id",
            format!("person {} does not exist", draft.target_id),
        ));
    }
    if let Some(person) = draft.connector_person_id
        && !visible(ctx, person).await?
    {
        return Err(missing(
            "connector_person_id",
            format!("person {person} does not exist"),
        ));
    }
    if let Some(user) = draft.connector_user_id {
        let mut conn = ctx.db.acquire().await?;
        if users::get(conn.conn(), ctx.workspace, user).await?.is_none() {
            return Err(missing("connector_user_id", format!("user {user} does not exist")));
        }
    }
    if let Some(deal) = draft.deal_id
        && get::<Deal>(ctx, deal.as_uuid()).await.is_err()
    {
        return Err(missing("deal_id", format!("deal {deal} does not exist")));
    }
    let score = path_score(ctx, draft.target_id, &fields.connector).await?;
    let request = IntroRequest {
        id: IntroRequestId(new_id()),
        fields: IntroRequestFields {
            path_score: score,
            ..fields
        },
        meta: RecordMeta::created(now()),
    };
    super::create(ctx, request).await
}

/// The requests the principal made or was asked (every one, for administrators), oldest first.
pub async fn intro_requests(ctx: &Ctx, page: closer_store::PageRequest) -> AppResult<closer_store::Page<IntroRequest>> {
    let mut conn = ctx.db.acquire().await?;
    let user = (!ctx.principal.is_admin()).then(|| ctx.actor());
    Ok(closer_store::intro_requests::involving(conn.conn(), ctx.workspace, user, Default::default(), page).await?)
}

/// Moves a request on. The requester sends it and says when the introduction was made and the
/// meeting booked; the answer is the colleague's to give, or the requester's to record when the
/// connector is outside the company.
pub async fn step_intro(
    ctx: &Ctx,
    id: IntroRequestId,
    expected: &Expected,
    step: &IntroStep,
) -> AppResult<IntroRequest> {
    let (tx, current) = super::begin_update::<IntroRequest>(ctx, id.as_uuid(), expected).await?;
    let f = &current.fields;
    let answering = matches!(step, IntroStep::Accept | IntroStep::Decline { .. });
    let answerer = f.connector.user_id.unwrap_or(f.requester_id);
    let allowed = ctx.principal.is_admin()
        || if answering {
            ctx.actor() == answerer
        } else {
            ctx.actor() == f.requester_id
        };
    if !allowed {
        return Err(AppError::Forbidden(if answering {
            "only the colleague asked answers this request".into()
        } else {
            "only who asked moves this request on".into()
        }));
    }
    if let IntroStep::MeetingBooked { meeting } = step
        && get::<Meeting>(ctx, meeting.as_uuid()).await.is_err()
    {
        return Err(AppError::MissingReference(closer_domain::ValidationErrors::single(
            "meeting_id",
            format!("meeting {meeting} does not exist"),
        )));
    }
    let next = IntroRequest {
        fields: f.step(step, now())?,
        ..current.clone()
    };
    super::finish_update(ctx, tx, &current, next).await
}

/// Someone a path goes through.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Connector {
    /// `user` for a colleague, `person` for someone outside the company.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub name: String,
}

/// One warm path as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarmPathView {
    /// `direct` (you know them), `colleague` or `connector` (someone outside you know).
    pub via: &'static str,
    /// Who to ask; none for a direct path.
    pub connector: Option<Connector>,
    /// Your tie to the connector (1 for yourself and colleagues).
    pub first_hop: Strength,
    /// The connector's (or your own) tie to the person.
    pub last_hop: Strength,
    /// How likely the path is to work, 0–1.
    pub score: f64,
    /// Introductions asked of this connector in the last 30 days.
    pub asked_lately: u32,
    /// The score discounted for a connector asked often lately: the order paths are shown in.
    pub rank: f64,
}

/// The ways to one person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarmPaths {
    #[schema(value_type = String, format = Uuid)]
    pub to: PartyId,
    /// The chance at least one of the best three paths through different people works.
    pub reach: f64,
    /// Best first, one per connector.
    pub paths: Vec<WarmPathView>,
}

/// The connector a path goes through, by id.
fn via_id(via: Via) -> Option<uuid::Uuid> {
    match via {
        Via::Direct => None,
        Via::Colleague(user) => Some(user.as_uuid()),
        Via::Connector(person) => Some(person.as_uuid()),
    }
}

/// How many paths are shown at most.
const PATHS_SHOWN: usize = 5;

/// The warm paths from the principal to `to` (§7.2): only through people the principal may see,
/// and never through a colleague who keeps their connections to themselves.
pub async fn warm_paths(ctx: &Ctx, to: PartyId) -> AppResult<WarmPaths> {
    // Refused (404) when the principal may not see the person.
    let _target: Person = get(ctx, to.as_uuid()).await?;
    let graph = ctx.graphs.current(&ctx.db, ctx.workspace).await?;
    let at = now();
    let mut found: Vec<ScoredPath> = {
        let read = graph.read().map_err(|_| poisoned())?;
        read.graph
            .paths(ctx.actor(), to, at, |user| !read.private.contains(&user))
    };
    // A connector asked often lately is worth asking less (§7.2).
    let connectors: Vec<uuid::Uuid> = found.iter().filter_map(|p| via_id(p.via)).collect();
    let asked = {
        let mut conn = ctx.db.acquire().await?;
        closer_store::intro_requests::asked_since(conn.conn(), ctx.workspace, &connectors, at - Duration::days(30))
            .await?
    };
    let asked_of = |path: &ScoredPath| via_id(path.via).and_then(|id| asked.get(&id).copied()).unwrap_or(0);
    let rank = |path: &ScoredPath| path.score * fatigue(asked_of(path));
    found.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
    let mut shown = Vec::with_capacity(PATHS_SHOWN);
    let mut kept: Vec<ScoredPath> = Vec::with_capacity(PATHS_SHOWN);
    // Candidates are checked a few at a time: most questions need only the first.
    for batch in found.chunks(PATHS_SHOWN * 2) {
        let mut conn = ctx.db.acquire().await?;
        let outside: Vec<PartyId> = batch
            .iter()
            .filter_map(|p| match p.via {
                Via::Connector(person) => Some(person),
                _ => None,
            })
            .collect();
        let names = parties::names(conn.conn(), ctx.workspace, &outside).await?;
        for path in batch {
            if shown.len() == PATHS_SHOWN {
                break;
            }
            let connector = match path.via {
                Via::Direct => None,
                Via::Colleague(user) => {
                    let Some(colleague) = users::get(conn.conn(), ctx.workspace, user).await? else {
                        continue;
                    };
                    Some(Connector {
                        kind: "user",
                        id: user.as_uuid(),
                        name: colleague.display_name,
                    })
                }
                Via::Connector(person) => {
                    if !visible(ctx, person).await? {
                        continue;
                    }
                    Some(Connector {
                        kind: "person",
                        id: person.as_uuid(),
                        name: names.get(&person).cloned().unwrap_or_default(),
                    })
                }
            };
            kept.push(*path);
            shown.push(WarmPathView {
                via: match path.via {
                    Via::Direct => "direct",
                    Via::Colleague(_) => "colleague",
                    Via::Connector(_) => "connector",
                },
                connector,
                first_hop: path.first_hop,
                last_hop: path.last_hop,
                score: path.score,
                asked_lately: asked_of(path),
                rank: rank(path),
            });
        }
        if shown.len() == PATHS_SHOWN {
            break;
        }
    }
    Ok(WarmPaths {
        to,
        reach: reach(&kept),
        paths: shown,
    })
}

/// One stakeholder's part in the account's warmth.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StakeholderReach {
    #[schema(value_type = String, format = Uuid)]
    pub person_id: PartyId,
    pub role_weight: f64,
    /// The chance one of the best paths to them works (0 for someone the caller may not see).
    pub reach: f64,
}

/// How warm a B2B deal's account is, and through whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DealWarmth {
    #[serde(flatten)]
    pub warmth: Warmth,
    pub stakeholders: Vec<StakeholderReach>,
}

/// Each stakeholder of the deal with their role weight and reach, and the warm paths to them
/// (none for someone the principal may not see).
pub async fn committee_paths(ctx: &Ctx, deal: DealId) -> AppResult<Vec<(StakeholderReach, Option<WarmPaths>)>> {
    let _deal: Deal = get(ctx, deal.as_uuid()).await?;
    let committee = {
        let mut conn = ctx.db.acquire().await?;
        closer_store::stakeholders::for_deals(conn.conn(), ctx.workspace, &[deal]).await?
    };
    let mut found = Vec::with_capacity(committee.len());
    for stakeholder in &committee {
        let person = stakeholder.fields.person_id;
        let paths = match warm_paths(ctx, person).await {
            Ok(paths) => Some(paths),
            Err(AppError::NotFound { .. } | AppError::Deleted { .. }) => None,
            Err(e) => return Err(e),
        };
        let reach = StakeholderReach {
            person_id: person,
            role_weight: role_weight(&stakeholder.fields.roles),
            reach: paths.as_ref().map_or(0.0, |p| p.reach),
        };
        found.push((reach, paths));
    }
    Ok(found)
}

/// The warmth of an account from its committee's reach (§7.3).
pub fn warmth_of(committee: &[(StakeholderReach, Option<WarmPaths>)]) -> DealWarmth {
    let pairs: Vec<(f64, f64)> = committee.iter().map(|(s, _)| (s.role_weight, s.reach)).collect();
    DealWarmth {
        warmth: warmth(&pairs),
        stakeholders: committee.iter().map(|(s, _)| s.clone()).collect(),
    }
}

/// The warmth of the deal's account from its committee (§7.3).
pub async fn deal_warmth(ctx: &Ctx, deal: DealId) -> AppResult<DealWarmth> {
    Ok(warmth_of(&committee_paths(ctx, deal).await?))
}

/// The deal owners' views (what each may see), loaded once per owner: the rules weigh a
/// committee's ties from its owner's position.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    defaults: Option<closer_domain::access::AccessDefaults>,
    seen: HashMap<UserId, Option<Visibility>>,
}

impl Owners {
    /// What `owner` may see; none for a user no longer in the workspace.
    async fn visibility(&mut self, db: &Db, workspace: WorkspaceId, owner: UserId) -> AppResult<Option<Visibility>> {
        if let Some(known) = self.seen.get(&owner) {
            return Ok(known.clone());
        }
        let mut conn = db.acquire().await?;
        if self.defaults.is_none() {
            self.defaults = Some(closer_store::access_defaults::load(conn.conn(), workspace).await?);
        }
        let user = users::get(conn.conn(), workspace, owner).await?;
        drop(conn);
        let visibility = match (user, &self.defaults) {
            (Some(user), Some(defaults)) => {
                let principal = super::auth::principal_for(db, workspace, &user).await?;
                Some(Visibility::of(workspace, &principal, defaults))
            }
            _ => None,
        };
        self.seen.insert(owner, visibility.clone());
        Ok(visibility)
    }
}

/// A path's connector, to be named once it is known the owner may see them.
fn introducer_of(path: &ScoredPath) -> Option<Via> {
    (path.via != Via::Direct).then_some(path.via)
}

/// Works out, for each open B2B deal in `deals`, how warm its committee is from its owner's
/// position (§7.2–7.3), and keeps it in the deal's loaded snapshot for the rules: reach and
/// warmth, the best introduction to each stakeholder, and who was already asked about. Paths go
/// only through people the owner may see and colleagues who share their connections.
pub(crate) async fn weigh_committees(
    db: &Db,
    graphs: &Graphs,
    workspace: WorkspaceId,
    deals: &[Deal],
    loaded: &mut HashMap<DealId, super::deals::Loaded>,
    owners: &mut Owners,
    at: OffsetDateTime,
) -> AppResult<()> {
    use closer_domain::playbook::{DealKind, DealStatus};
    use closer_domain::relationships::{CommitteeTies, StakeholderTies, THREAD_REACH};
    let b2b: Vec<&Deal> = deals
        .iter()
        .filter(|d| d.progress.kind == DealKind::B2b && d.progress.status == DealStatus::Open)
        .filter(|d| loaded.get(&d.id).is_some_and(|l| !l.committee.is_empty()))
        .collect();
    if b2b.is_empty() {
        return Ok(());
    }
    let graph = graphs.current(db, workspace).await?;
    let mut colleagues: HashMap<UserId, String> = HashMap::new();
    for deal in b2b {
        let owner = deal.ownership.owner_id;
        let Some(visibility) = owners.visibility(db, workspace, owner).await? else {
            continue;
        };
        let Some(snapshot) = loaded.get_mut(&deal.id) else {
            continue;
        };
        let people: Vec<PartyId> = snapshot.committee.iter().map(|s| s.fields.person_id).collect();
        let found: Vec<Vec<ScoredPath>> = {
            let read = graph.read().map_err(|_| poisoned())?;
            people
                .iter()
                .map(|person| {
                    read.graph
                        .paths(owner, *person, at, |user| !read.private.contains(&user))
                })
                .collect()
        };
        let mut conn = db.acquire().await?;
        let mut asked_about: Vec<PartyId> = people.clone();
        asked_about.extend(found.iter().flatten().filter_map(|p| match p.via {
            Via::Connector(person) => Some(person),
            _ => None,
        }));
        let names = parties::visible_people(conn.conn(), workspace, &visibility, &asked_about).await?;
        for user in found.iter().flatten().filter_map(|p| match p.via {
            Via::Colleague(user) => Some(user),
            _ => None,
        }) {
            if !colleagues.contains_key(&user)
                && let Some(colleague) = users::get(conn.conn(), workspace, user).await?
            {
                colleagues.insert(user, colleague.display_name);
            }
        }
        let asked = closer_store::intro_requests::targets_asked(conn.conn(), workspace, owner, &people, at).await?;
        drop(conn);
        let name_of = |via: Via| match via {
            Via::Direct => None,
            Via::Colleague(user) => colleagues.get(&user).cloned(),
            Via::Connector(person) => names.get(&person).cloned(),
        };
        let mut weighed = Vec::with_capacity(people.len());
        let mut stakeholders = Vec::with_capacity(people.len());
        for (stakeholder, paths) in snapshot.committee.iter().zip(found) {
            let person = stakeholder.fields.person_id;
            let weight = role_weight(&stakeholder.fields.roles);
            let Some(name) = names.get(&person) else {
                weighed.push((weight, 0.0));
                continue;
            };
            let usable: Vec<ScoredPath> = paths
                .into_iter()
                .filter(|p| p.via == Via::Direct || name_of(p.via).is_some())
                .collect();
            let knows_them = usable.iter().any(|p| p.via == Via::Direct && p.score >= THREAD_REACH);
            let introducer = usable
                .iter()
                .filter(|_| !knows_them)
                .find_map(|p| introducer_of(p).and_then(name_of).map(|who| (who, p.score)));
            let reached = reach(&usable);
            weighed.push((weight, reached));
            stakeholders.push(StakeholderTies {
                person_id: person,
                name: name.clone(),
                reach: reached,
                introducer,
                intro_asked: asked.contains(&person),
            });
        }
        snapshot.ties = Some(CommitteeTies {
            warmth: warmth(&weighed),
            stakeholders,
        });
    }
    Ok(())
}

/// The principal's own time zone (UTC when none is set).
pub async fn own_zone(ctx: &Ctx) -> AppResult<closer_domain::zone::Zone> {
    let mut conn = ctx.db.acquire().await?;
    let user = users::get(conn.conn(), ctx.workspace, ctx.actor()).await?;
    Ok(user
        .and_then(|u| u.time_zone)
        .and_then(|name| closer_domain::zone::Zone::named(&name).ok())
        .unwrap_or_default())
}
