//! `closer bench hopper`: the telemarketing hopper at scale on the configured database. A
//! campaign gets `entries` people to call (a share of them at night on their clocks, a few on
//! the do-not-call list); `agents` agents then take calls at once, each recording "no answer"
//! before taking the next. The next-call latency is compared with the plain query of due
//! entries the hopper starts from, run by as many tasks at once in the same run (the baseline).

use std::time::Instant;

use closer_domain::access::Role;
use closer_domain::contact::PhoneNumber;
use closer_domain::ids::{CallCampaignId, CallEntryId, DncEntryId, PartyId};
use closer_domain::money::Currency;
use closer_domain::party::{Person, PersonFields};
use closer_domain::record::{Ownership, RecordMeta};
use closer_domain::telemarketing::{
    CallEntry, CallEntryFields, Campaign, CampaignFields, CampaignStatus, DialRules, DialingMode, Disposition,
    DispositionDraft, DncEntry, DncEntryFields, DncScope, DncSource, Script,
};
use closer_domain::user::UserDraft;
use closer_store::{Db, call_campaigns, call_registers, parties, users};
use closer_web::app::bootstrap::Installation;
use closer_web::app::{Ctx, admin, auth, now, telemarketing};
use serde::Serialize;
use uuid::Uuid;

/// What the run measured.
#[derive(Debug, Serialize)]
pub struct HopperReport {
    pub entries: u64,
    pub agents: usize,
    pub calls: usize,
    pub load_seconds: f64,
    pub next_call_p50_ms: f64,
    pub next_call_p99_ms: f64,
    pub disposition_p50_ms: f64,
    pub disposition_p99_ms: f64,
    /// The plain due-entries query (50 rows), run by as many tasks at once.
    pub baseline_p50_ms: f64,
    pub baseline_p99_ms: f64,
    /// Next-call p99 over the baseline's p99.
    pub p99_ratio: f64,
    /// Calls the agents got, all different entries.
    pub distinct_entries: usize,
}

fn quantile_ms(sorted: &[u128], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1_000_000.0
}

/// A fixed-offset zone where it is now about `hour` o'clock.
fn zone_at(hour: i64) -> String {
    let utc = i64::from(time::OffsetDateTime::now_utc().hour());
    let offset = (hour - utc + 36).rem_euclid(24) - 12;
    match offset {
        0 => "Etc/GMT".to_owned(),
        east if east > 0 => format!("Etc/GMT-{east}"),
        west => format!("Etc/GMT+{}", -west),
    }
}

/// Fills the campaign: `entries` people with UK numbers, seven in ten awake now, one in a hundred
/// on the do-not-call list.
async fn load(db: &Db, installation: &Installation, entries: u64) -> anyhow::Result<CallCampaignId> {
    let workspace = installation.workspace;
    let at = now();
    let owner = Ownership {
        owner_id: installation.admin,
        team_id: None,
    };
    let campaign = Campaign {
        id: CallCampaignId(closer_web::app::new_id()),
        fields: CampaignFields {
            name: "Bench".into(),
            currency: Currency::parse("GBP").map_err(anyhow::Error::msg)?,
            status: CampaignStatus::Active,
            dialing_mode: DialingMode::Preview,
            rules: DialRules::default(),
            script: Script {
                opener: "Hello".into(),
                ..Script::default()
            },
            script_version: 1,
            takes_inbound_leads: false,
        },
        ownership: owner,
        meta: RecordMeta::created(at),
    };
    let (day, night) = (zone_at(12), zone_at(2));
    let mut tx = db.begin_bulk().await?;
    call_campaigns::insert_campaign(tx.conn(), workspace, &campaign).await?;
    for n in 0..entries {
        let phone = PhoneNumber::parse(&format!("+4470{n:09}")).map_err(anyhow::Error::msg)?;
        let zone = if n % 10 < 7 { &day } else { &night };
        let person = Person {
            id: PartyId(Uuid::now_v7()),
            fields: PersonFields {
                name: format!("Customer {n}"),
                emails: Vec::new(),
                phones: vec![phone.clone()],
                timezone: Some(zone.clone()),
            },
            record_type: closer_domain::access::RecordType::Consumer,
            ownership: owner,
            meta: RecordMeta::created(at),
        };
        parties::insert_person(tx.conn(), workspace, &person).await?;
        let entry = CallEntry {
            id: CallEntryId(Uuid::now_v7()),
            fields: CallEntryFields::fresh(
                campaign.id,
                person.id,
                phone.clone(),
                Some(zone.clone()),
                i32::try_from(n % 3).unwrap_or(0),
                at,
            ),
            meta: RecordMeta::created(at),
        };
        call_campaigns::insert_entry(tx.conn(), workspace, &entry).await?;
        if n % 100 == 50 {
            let listed = DncEntry {
                id: DncEntryId(Uuid::now_v7()),
                fields: DncEntryFields {
                    phone,
                    scope: DncScope::EntitySpecific,
                    source: DncSource::CustomerRequest,
                    note: None,
                    expires_at: None,
                    recorded_by: installation.admin,
                },
                meta: RecordMeta::created(at),
            };
            call_registers::insert_dnc(tx.conn(), workspace, &listed).await?;
        }
        if (n + 1) % 2_000 == 0 {
            tx.checkpoint().await?;
        }
    }
    tx.commit().await?;
    db.analyze().await?;
    Ok(campaign.id)
}

/// A context acting as a new member agent.
async fn agent(db: &Db, installation: &Installation, admin_ctx: &Ctx, n: usize) -> anyhow::Result<Ctx> {
    let draft = UserDraft {
        email: format!("agent{n}.{}@bench.local", Uuid::now_v7().simple()),
        display_name: format!("Agent {n}"),
        role: Role::Member,
        password: None,
    };
    let (view, _) = admin::create_user(admin_ctx, &draft)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut conn = db.acquire().await?;
    let user = users::get(conn.conn(), installation.workspace, view.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the agent just made is missing"))?;
    drop(conn);
    let principal = auth::principal_for(db, installation.workspace, &user)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Ctx {
        principal,
        ..admin_ctx.clone()
    })
}

pub async fn run(
    db: &Db,
    installation: Installation,
    entries: u64,
    agents: usize,
    calls_per_agent: usize,
) -> anyhow::Result<HopperReport> {
    anyhow::ensure!(entries >= 10, "ask for at least 10 entries");
    anyhow::ensure!((1..=500).contains(&agents), "ask for 1 to 500 agents");
    let admin_ctx = closer_web::app::admin_ctx(db, &installation)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let campaign = load(db, &installation, entries).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let mut contexts = Vec::with_capacity(agents);
    for n in 0..agents {
        contexts.push(agent(db, &installation, &admin_ctx, n).await?);
    }

    // The baseline: the due-entries query alone, as many at once.
    let mut baseline = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for ctx in &contexts {
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let mut timings = Vec::with_capacity(calls_per_agent);
            for _ in 0..calls_per_agent {
                let began = Instant::now();
                let mut conn = ctx.db.acquire().await?;
                call_campaigns::due_entries(conn.conn(), ctx.workspace, campaign, ctx.actor(), now(), 50, 0).await?;
                timings.push(began.elapsed().as_nanos());
            }
            Ok::<_, anyhow::Error>(timings)
        });
    }
    while let Some(done) = tasks.join_next().await {
        baseline.extend(done??);
    }

    // The agents at work: next call, then "no answer", again and again.
    let mut next_timings = Vec::new();
    let mut disposition_timings = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut tasks = tokio::task::JoinSet::new();
    for ctx in contexts {
        tasks.spawn(async move {
            let mut found = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..calls_per_agent {
                let began = Instant::now();
                let call = telemarketing::next(&ctx, campaign)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                found.0.push(began.elapsed().as_nanos());
                let Some(call) = call else { break };
                found.2.push(call.entry.id);
                let draft = DispositionDraft {
                    disposition: Disposition::NoAnswer,
                    notes: None,
                    callback_at: None,
                    callback_to_me: None,
                    talk_seconds: None,
                };
                let began = Instant::now();
                telemarketing::dispose(&ctx, call.entry.id, &draft)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                found.1.push(began.elapsed().as_nanos());
            }
            Ok::<_, anyhow::Error>(found)
        });
    }
    let mut calls = 0;
    while let Some(done) = tasks.join_next().await {
        let (next, disposed, entries) = done??;
        next_timings.extend(next);
        disposition_timings.extend(disposed);
        calls += entries.len();
        taken.extend(entries);
    }
    for list in [&mut baseline, &mut next_timings, &mut disposition_timings] {
        list.sort_unstable();
    }
    let next_p99 = quantile_ms(&next_timings, 0.99);
    let baseline_p99 = quantile_ms(&baseline, 0.99);
    Ok(HopperReport {
        entries,
        agents,
        calls,
        load_seconds,
        next_call_p50_ms: quantile_ms(&next_timings, 0.50),
        next_call_p99_ms: next_p99,
        disposition_p50_ms: quantile_ms(&disposition_timings, 0.50),
        disposition_p99_ms: quantile_ms(&disposition_timings, 0.99),
        baseline_p50_ms: quantile_ms(&baseline, 0.50),
        baseline_p99_ms: baseline_p99,
        p99_ratio: if baseline_p99 > 0.0 {
            next_p99 / baseline_p99
        } else {
            0.0
        },
        distinct_entries: taken.len(),
    })
}
