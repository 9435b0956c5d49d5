//! Every tie of a workspace indexed by pair, and the warm paths through it (§7.2).

use std::collections::HashMap;

use time::OffsetDateTime;

use super::*;

/// The extra hop through someone outside our company costs this much (§7.2).
pub const OUTSIDE_HOP: f64 = 0.8;
/// Paths weaker than this are not worth an introduction.
pub const PATH_FLOOR: f64 = 0.01;

/// Who a warm path goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The seller knows the target themselves.
    Direct,
    /// A colleague knows the target (the colleague hop is free).
    Colleague(UserId),
    /// Someone outside the company the seller knows, who knows the target.
    Connector(PartyId),
}

/// One way to the target, and how good it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPath {
    pub via: Via,
    /// The seller's tie to the connector (1 for a colleague or the seller themselves).
    pub first_hop: Strength,
    /// The connector's (or the seller's own) tie to the target.
    pub last_hop: Strength,
    pub score: f64,
}

/// How much a connector is worth asking again, after `recent_requests` introductions asked of
/// them in the last 30 days.
pub fn fatigue(recent_requests: u32) -> f64 {
    (1.0 - 0.2 * f64::from(recent_requests)).max(0.2)
}

/// The chance that at least one of the paths works, from the best three through different
/// connectors (noisy-OR): more good paths mean better reach.
pub fn reach(paths: &[ScoredPath]) -> f64 {
    let mut seen: Vec<Via> = Vec::with_capacity(3);
    let mut miss = 1.0;
    let mut best: Vec<&ScoredPath> = paths.iter().collect();
    best.sort_by(|a, b| b.score.total_cmp(&a.score));
    for path in best {
        if seen.len() == 3 {
            break;
        }
        if !seen.contains(&path.via) {
            seen.push(path.via);
            miss *= 1.0 - path.score;
        }
    }
    1.0 - miss
}

/// Every tie of a workspace, indexed for warm-path questions: who is tied to whom and how
/// strongly. Interactions are added as they arrive; nothing is ever looked up in the database.
#[derive(Debug, Default)]
pub struct Graph {
    /// Each node's number.
    numbers: HashMap<Node, u32>,
    nodes: Vec<Node>,
    /// For each node, its neighbours and the number of the tie between them.
    adjacency: Vec<Vec<(u32, u32)>>,
    /// The tie of each pair of nodes, found by the pair's numbers (smaller first).
    tie_of_pair: HashMap<u64, u32>,
    ties: Vec<Tie>,
}

fn pair_key(a: u32, b: u32) -> u64 {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    (u64::from(low) << 32) | u64::from(high)
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn tie_count(&self) -> usize {
        self.ties.len()
    }

    fn number(&mut self, node: Node) -> u32 {
        if let Some(number) = self.numbers.get(&node) {
            return *number;
        }
        let number = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.numbers.insert(node, number);
        self.nodes.push(node);
        self.adjacency.push(Vec::new());
        number
    }

    /// Adds one interaction to the ties between each two of its participants.
    pub fn add(&mut self, interaction: &InteractionFields) {
        let contribution = interaction.contribution();
        if matches!(contribution, Contribution::Fading { weight, reciprocal: false } if weight <= 0.0) {
            // A one-way e-mail or a crowded meeting ties nobody.
            return;
        }
        for (a, b) in interaction.pairs() {
            self.add_pair(a, b, contribution, interaction.occurred_at);
        }
    }

    /// Adds what one interaction contributed to the tie between `a` and `b`.
    pub fn add_pair(&mut self, a: Node, b: Node, contribution: Contribution, at: OffsetDateTime) {
        let (a, b) = (self.number(a), self.number(b));
        let key = pair_key(a, b);
        let tie = match self.tie_of_pair.get(&key) {
            Some(tie) => *tie,
            None => {
                let tie = u32::try_from(self.ties.len()).unwrap_or(u32::MAX);
                self.ties.push(Tie::default());
                self.tie_of_pair.insert(key, tie);
                self.adjacency[a as usize].push((b, tie));
                self.adjacency[b as usize].push((a, tie));
                tie
            }
        };
        self.ties[tie as usize].add(contribution, at);
    }

    /// The tie between two people, if they ever interacted.
    pub fn tie(&self, a: Node, b: Node) -> Option<&Tie> {
        let (a, b) = (self.numbers.get(&a)?, self.numbers.get(&b)?);
        let tie = self.tie_of_pair.get(&pair_key(*a, *b))?;
        self.ties.get(*tie as usize)
    }

    /// Everyone `node` is tied to, with the tie.
    pub fn neighbours(&self, node: Node) -> impl Iterator<Item = (Node, &Tie)> {
        self.numbers
            .get(&node)
            .map(|n| self.adjacency[*n as usize].as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(other, tie)| (self.nodes[*other as usize], &self.ties[*tie as usize]))
    }

    /// Every warm path from `seller` to `target` at `now` (§7.2), best first: the seller's own
    /// tie, colleagues' ties (of those `shares` says share their connections), and people
    /// outside the company the seller knows who know the target. Two hops at most.
    pub fn paths(
        &self,
        seller: UserId,
        target: PartyId,
        now: OffsetDateTime,
        shares: impl Fn(UserId) -> bool,
    ) -> Vec<ScoredPath> {
        let me = Node::User(seller);
        let mut paths = Vec::new();
        for (connector, tie) in self.neighbours(Node::Person(target)) {
            let last_hop = tie.strength(now);
            let (via, first_hop) = match connector {
                node if node == me => (Via::Direct, Strength::of(1.0)),
                Node::User(colleague) if shares(colleague) => (Via::Colleague(colleague), Strength::of(1.0)),
                Node::User(_) => continue,
                Node::Person(person) => match self.tie(me, connector) {
                    Some(mine) => (Via::Connector(person), mine.strength(now)),
                    None => continue,
                },
            };
            let hop = if matches!(via, Via::Connector(_)) {
                OUTSIDE_HOP
            } else {
                1.0
            };
            let score = first_hop.score * last_hop.score * hop;
            if score >= PATH_FLOOR {
                paths.push(ScoredPath {
                    via,
                    first_hop,
                    last_hop,
                    score,
                });
            }
        }
        paths.sort_by(|a, b| b.score.total_cmp(&a.score));
        paths
    }

    /// The same paths found the plain way, by a breadth-first search from the seller two hops
    /// deep: the baseline the indexed question is measured against.
    pub fn paths_by_search(
        &self,
        seller: UserId,
        target: PartyId,
        now: OffsetDateTime,
        shares: impl Fn(UserId) -> bool,
    ) -> Vec<ScoredPath> {
        let me = Node::User(seller);
        let goal = Node::Person(target);
        let mut paths = Vec::new();
        for (first, first_tie) in self.neighbours(me) {
            if first == goal {
                paths.push((Via::Direct, Strength::of(1.0), first_tie.strength(now)));
                continue;
            }
            for (second, second_tie) in self.neighbours(first) {
                if second == goal
                    && let Node::Person(person) = first
                {
                    paths.push((
                        Via::Connector(person),
                        first_tie.strength(now),
                        second_tie.strength(now),
                    ));
                }
            }
        }
        // Colleagues are a free hop: each one's own tie to the target.
        for (colleague, _) in self.neighbours(goal) {
            if let Node::User(user) = colleague
                && user != seller
                && shares(user)
                && let Some(tie) = self.tie(colleague, goal)
            {
                paths.push((Via::Colleague(user), Strength::of(1.0), tie.strength(now)));
            }
        }
        let mut scored: Vec<ScoredPath> = paths
            .into_iter()
            .map(|(via, first_hop, last_hop)| {
                let hop = if matches!(via, Via::Connector(_)) {
                    OUTSIDE_HOP
                } else {
                    1.0
                };
                ScoredPath {
                    via,
                    first_hop,
                    last_hop,
                    score: first_hop.score * last_hop.score * hop,
                }
            })
            .filter(|p| p.score >= PATH_FLOOR)
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        scored
    }
}
