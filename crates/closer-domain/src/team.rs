//! Our side of the table (D6): the deal team, the seller role each member plays, the buying
//! roles each one covers, and the gaps where a buying role has no counterpart.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::committee::{BuyingRole, Stakeholder};
use crate::ids::{DealId, DealTeamMemberId, UserId};
use crate::record::RecordMeta;
use crate::string_enum;
use crate::validation::{ValidationErrors, patch};

string_enum!(
    /// The part a member of our team plays on a deal.
    SellerRole {
        AccountOwner => "account_owner", SolutionEngineer => "solution_engineer",
        ProductSpecialist => "product_specialist", OperationsSpecialist => "operations_specialist",
        DealDesk => "deal_desk", ImplementationLead => "implementation_lead",
        ExecutiveSponsor => "executive_sponsor", Telesales => "telesales",
    }
);

string_enum!(
    /// What a place on the deal team lets a user do to the deal.
    TeamAccess { Read => "read", Edit => "edit" }
);

impl SellerRole {
    /// The buying roles this seller role faces by default (the coverage map of the design).
    pub fn default_covers(self) -> BTreeSet<BuyingRole> {
        use BuyingRole::*;
        let roles: &[BuyingRole] = match self {
            SellerRole::AccountOwner => &[Champion, Coach, Influencer, Gatekeeper],
            SellerRole::SolutionEngineer => &[TechnicalBuyer],
            SellerRole::ProductSpecialist | SellerRole::OperationsSpecialist => &[UserBuyer],
            SellerRole::DealDesk => &[Procurement, Legal, Finance],
            SellerRole::ExecutiveSponsor => &[EconomicBuyer, DecisionMaker, Signatory],
            SellerRole::ImplementationLead | SellerRole::Telesales => &[],
        };
        roles.iter().copied().collect()
    }
}

/// A place on the deal team, as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealTeamMemberDraft {
    pub user_id: UserId,
    pub role: SellerRole,
    /// The buying roles this member faces; the role's defaults when left out.
    pub covers: Option<Vec<BuyingRole>>,
    /// Defaults to `edit`.
    pub access: Option<TeamAccess>,
}

/// Changes to a place on the deal team; the user never changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealTeamMemberPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub role: Option<SellerRole>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub covers: Option<Vec<BuyingRole>>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub access: Option<TeamAccess>,
}

/// A place on the deal team, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealTeamMemberFields {
    pub deal_id: DealId,
    pub user_id: UserId,
    pub role: SellerRole,
    pub covers: BTreeSet<BuyingRole>,
    pub access: TeamAccess,
}

impl DealTeamMemberDraft {
    /// Checks the draft against the places already taken on the deal's team.
    pub fn parse(
        &self,
        deal: DealId,
        others: &[&DealTeamMemberFields],
    ) -> Result<DealTeamMemberFields, ValidationErrors> {
        if others.iter().any(|o| o.user_id == self.user_id) {
            return Err(ValidationErrors::single(
                "user_id",
                "this user is already on the deal team",
            ));
        }
        Ok(DealTeamMemberFields {
            deal_id: deal,
            user_id: self.user_id,
            role: self.role,
            covers: self
                .covers
                .as_ref()
                .map_or_else(|| self.role.default_covers(), |c| c.iter().copied().collect()),
            access: self.access.unwrap_or(TeamAccess::Edit),
        })
    }
}

impl DealTeamMemberPatch {
    pub fn apply(&self, current: &DealTeamMemberFields) -> DealTeamMemberFields {
        let role = self.role.unwrap_or(current.role);
        let covers = match (&self.covers, self.role) {
            (Some(covers), _) => covers.iter().copied().collect(),
            // A new role brings its own defaults unless the coverage is given too.
            (None, Some(role)) if role != current.role => role.default_covers(),
            (None, _) => current.covers.clone(),
        };
        DealTeamMemberFields {
            role,
            covers,
            access: self.access.unwrap_or(current.access),
            ..current.clone()
        }
    }
}

/// A stored place on the deal team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealTeamMember {
    pub id: DealTeamMemberId,
    #[serde(flatten)]
    pub fields: DealTeamMemberFields,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// One buying role on the committee and who faces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoleCoverage {
    pub buying_role: BuyingRole,
    pub covered_by: Vec<UserId>,
}

impl RoleCoverage {
    /// Nobody on our team covers the role. Nobody answers to a blocker: they are managed, not
    /// covered.
    pub fn is_gap(&self) -> bool {
        self.covered_by.is_empty() && self.buying_role != BuyingRole::Blocker
    }
}

impl TeamCoverage {
    /// The buying roles nobody on our team covers.
    pub fn gap_roles(&self) -> Vec<BuyingRole> {
        self.roles
            .iter()
            .filter(|r| r.is_gap())
            .map(|r| r.buying_role)
            .collect()
    }
}

/// The coverage map of a deal (D6): every buying role the committee holds, who covers it, and the
/// gaps in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TeamCoverage {
    pub roles: Vec<RoleCoverage>,
    pub gaps: Vec<String>,
    /// Distinct seller roles on the team.
    pub seller_roles: Vec<SellerRole>,
}

pub fn coverage(team: &[DealTeamMember], committee: &[Stakeholder]) -> TeamCoverage {
    let held: BTreeSet<BuyingRole> = committee.iter().flat_map(|s| s.fields.roles.iter().copied()).collect();
    let roles: Vec<RoleCoverage> = held
        .into_iter()
        .map(|role| RoleCoverage {
            buying_role: role,
            covered_by: team
                .iter()
                .filter(|m| m.fields.covers.contains(&role))
                .map(|m| m.fields.user_id)
                .collect(),
        })
        .collect();
    let gaps = roles
        .iter()
        .filter(|r| r.is_gap())
        .map(|r| format!("{} has no counterpart", r.buying_role.as_str().replace('_', " ")))
        .collect();
    let seller_roles: BTreeSet<SellerRole> = team.iter().map(|m| m.fields.role).collect();
    TeamCoverage {
        roles,
        gaps,
        seller_roles: seller_roles.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::committee::{Contact, ResponseMode, StakeholderFields, Stance};
    use crate::ids::{PartyId, StakeholderId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    #[test]
    fn gaps_name_the_buying_roles_nobody_faces() {
        let meta = RecordMeta::created(OffsetDateTime::UNIX_EPOCH);
        let stakeholder = |n: u128, roles: &[BuyingRole]| {
            let fields = StakeholderFields {
                deal_id: DealId(Uuid::from_u128(1)),
                person_id: PartyId(Uuid::from_u128(n)),
                department: None,
                roles: roles.iter().copied().collect(),
                is_key_person: false,
                influence: 3,
                stance: Stance::Unknown,
                response_mode: ResponseMode::Unknown,
                win_result: None,
            };
            Stakeholder::new(
                StakeholderId(Uuid::from_u128(n)),
                fields,
                Contact::default(),
                meta.clone(),
            )
        };
        let committee = vec![
            stakeholder(1, &[BuyingRole::TechnicalBuyer]),
            stakeholder(2, &[BuyingRole::EconomicBuyer, BuyingRole::Blocker]),
        ];
        let owner = DealTeamMemberDraft {
            user_id: UserId(Uuid::from_u128(9)),
            role: SellerRole::ExecutiveSponsor,
            covers: None,
            access: None,
        }
        .parse(DealId(Uuid::from_u128(1)), &[])
        .expect("valid");
        let team = vec![DealTeamMember {
            id: DealTeamMemberId(Uuid::from_u128(3)),
            fields: owner,
            meta,
        }];
        let map = coverage(&team, &committee);
        assert_eq!(map.gaps, ["technical buyer has no counterpart"]);
        assert_eq!(
            map.roles
                .iter()
                .find(|r| r.buying_role == BuyingRole::EconomicBuyer)
                .map(|r| r.covered_by.len()),
            Some(1)
        );
    }
}
