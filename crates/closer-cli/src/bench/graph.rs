//! `closer bench warm-paths`: the relationship index at scale. A synthetic workspace of people in
//! companies and sellers with their accounts is built in memory, as the server builds it; then
//! warm paths are asked of it, and the same questions answered by a plain breadth-first search
//! over the same adjacency (the baseline measured in the same run).

use std::time::Instant;

use closer_domain::ids::{PartyId, UserId};
use closer_domain::relationships::{Contribution, Graph, Node};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// What the run measured.
#[derive(Debug, Serialize)]
pub struct GraphReport {
    pub people: usize,
    pub sellers: usize,
    pub interactions: usize,
    pub ties: usize,
    pub build_seconds: f64,
    pub interactions_per_second: f64,
    /// Resident memory the index added, in MiB (Linux; 0 elsewhere).
    pub index_rss_mib: f64,
    pub queries: usize,
    pub index_p50_us: f64,
    pub index_p99_us: f64,
    pub search_p50_us: f64,
    pub search_p99_us: f64,
    /// How many times faster the index answers at p99 than the search.
    pub p99_speedup: f64,
    /// Paths found per question, on average (both ways find the same).
    pub paths_per_query: f64,
}

/// The resident set of this process in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn quantile_us(sorted: &[u128], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1_000.0
}

/// The ids of the synthetic workspace: people and sellers numbered from 1.
fn person(n: u64) -> PartyId {
    PartyId(Uuid::from_u64_pair(1, n))
}

fn seller(n: u64) -> UserId {
    UserId(Uuid::from_u64_pair(2, n))
}

/// Builds the workspace: people in companies of 50, who mostly deal with colleagues and with
/// people of a few partner companies; sellers who each work 2,000 accounts' people. One
/// interaction in five involves a seller.
fn build(people: u64, sellers: u64, interactions: u64, seed: u64) -> (Graph, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = OffsetDateTime::now_utc();
    let kinds = [
        Contribution::Fading {
            weight: 1.0,
            reciprocal: true,
        },
        Contribution::Fading {
            weight: 3.0,
            reciprocal: true,
        },
        Contribution::Fading {
            weight: 1.5,
            reciprocal: true,
        },
        Contribution::Connection,
    ];
    let companies = (people / 50).max(1);
    let mut graph = Graph::new();
    let started = Instant::now();
    for _ in 0..interactions {
        let at = now - Duration::days(rng.i64(0..1_000));
        let contribution = kinds[rng.usize(..kinds.len())];
        let a = rng.u64(0..people);
        let (from, to) = if rng.u8(..5) == 0 {
            // A seller and someone at one of their accounts.
            let who = rng.u64(0..sellers.max(1));
            let account = (who * 2_000 + rng.u64(0..2_000)) % companies;
            let someone = (account * 50 + rng.u64(0..50)).min(people - 1);
            (Node::User(seller(who + 1)), Node::Person(person(someone + 1)))
        } else {
            let company = a / 50;
            let other = if rng.u8(..4) == 0 {
                // A partner company: one of the ten next to it.
                let partner = (company + rng.u64(1..=10)) % companies;
                partner * 50 + rng.u64(0..50)
            } else {
                company * 50 + rng.u64(0..50)
            }
            .min(people - 1);
            if other == a {
                continue;
            }
            (Node::Person(person(a + 1)), Node::Person(person(other + 1)))
        };
        graph.add_pair(from, to, contribution, at);
    }
    (graph, started.elapsed().as_secs_f64())
}

/// Builds the index, then asks `queries` warm-path questions both ways.
pub fn run(people: u64, sellers: u64, interactions: u64, queries: usize, seed: u64) -> GraphReport {
    let before = rss_kib();
    let (graph, build_seconds) = build(people, sellers, interactions, seed);
    let index_kib = rss_kib().saturating_sub(before);
    let now = OffsetDateTime::now_utc();
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x9a7);
    let companies = (people / 50).max(1);
    let mut indexed = Vec::with_capacity(queries);
    let mut searched = Vec::with_capacity(queries);
    let mut found = 0usize;
    for _ in 0..queries {
        // A seller asks about someone at one of their accounts' partner companies.
        let who = rng.u64(0..sellers.max(1));
        let account = (who * 2_000 + rng.u64(0..2_000)) % companies;
        let partner = (account + rng.u64(1..=10)) % companies;
        let target = person((partner * 50 + rng.u64(0..50)).min(people - 1) + 1);
        let me = seller(who + 1);
        let started = Instant::now();
        let fast = graph.paths(me, target, now, |_| true);
        indexed.push(started.elapsed().as_nanos());
        let started = Instant::now();
        let slow = graph.paths_by_search(me, target, now, |_| true);
        searched.push(started.elapsed().as_nanos());
        debug_assert_eq!(fast.len(), slow.len());
        found += fast.len();
    }
    indexed.sort_unstable();
    searched.sort_unstable();
    let index_p99_us = quantile_us(&indexed, 0.99);
    let search_p99_us = quantile_us(&searched, 0.99);
    GraphReport {
        people: people as usize,
        sellers: sellers as usize,
        interactions: interactions as usize,
        ties: graph.tie_count(),
        build_seconds,
        interactions_per_second: interactions as f64 / build_seconds.max(1e-9),
        index_rss_mib: index_kib as f64 / 1_024.0,
        queries,
        index_p50_us: quantile_us(&indexed, 0.5),
        index_p99_us,
        search_p50_us: quantile_us(&searched, 0.5),
        search_p99_us,
        p99_speedup: search_p99_us / index_p99_us.max(1e-3),
        paths_per_query: found as f64 / queries.max(1) as f64,
    }
}
