//! How warm a B2B account is from its committee's reach (§7.3).

use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::ids::PartyId;

/// How much a stakeholder's reach counts in an account's warmth (§7.3): the weight of their
/// weightiest role.
pub fn role_weight<'a>(roles: impl IntoIterator<Item = &'a BuyingRole>) -> f64 {
    use BuyingRole::*;
    roles
        .into_iter()
        .map(|role| match role {
            EconomicBuyer | DecisionMaker => 1.0,
            Champion => 0.8,
            TechnicalBuyer => 0.6,
            UserBuyer => 0.4,
            Procurement | Legal | Finance => 0.3,
            _ => 0.2,
        })
        .fold(0.2, f64::max)
}

/// A stakeholder reached this well counts as a thread into the account.
pub const THREAD_REACH: f64 = 0.40;

/// How warm a B2B account is (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Warmth {
    /// Σ role weight × reach / Σ role weight over the committee, 0–1.
    pub warmth: f64,
    /// Stakeholders reached at least 0.40.
    pub threads: usize,
    /// One thread or none: the deal hangs on a single relationship.
    pub single_threaded: bool,
}

/// The warmth of an account from each stakeholder's role weight and reach.
pub fn warmth(stakeholders: &[(f64, f64)]) -> Warmth {
    let weights: f64 = stakeholders.iter().map(|(weight, _)| weight).sum();
    let reached: f64 = stakeholders.iter().map(|(weight, reach)| weight * reach).sum();
    let threads = stakeholders.iter().filter(|(_, reach)| *reach >= THREAD_REACH).count();
    Warmth {
        warmth: if weights > 0.0 { reached / weights } else { 0.0 },
        threads,
        single_threaded: threads <= 1,
    }
}

/// One stakeholder as the deal's owner is tied to them, for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderTies {
    pub person_id: PartyId,
    pub name: String,
    /// The chance one of the owner's best paths to them works, 0–1.
    pub reach: f64,
    /// The best path through someone else when the owner does not know them well themselves:
    /// whom to ask, and how good the path is.
    pub introducer: Option<(String, f64)>,
    /// The owner already asked someone to introduce them.
    pub intro_asked: bool,
}

/// How warm a B2B deal's committee is from its owner's position (§7.2–7.3).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitteeTies {
    pub warmth: Warmth,
    pub stakeholders: Vec<StakeholderTies>,
}

impl CommitteeTies {
    /// The ties to `person`, if they are on the committee and may be seen.
    pub fn of(&self, person: PartyId) -> Option<&StakeholderTies> {
        self.stakeholders.iter().find(|s| s.person_id == person)
    }

    /// Whether `person` is a thread into the account by warmth alone (§7.3).
    pub fn warm_thread(&self, person: PartyId) -> bool {
        self.of(person).is_some_and(|s| s.reach >= THREAD_REACH)
    }
}
