//! Who may do what to which record: roles, org-wide access defaults per record type, and the one
//! policy that answers both "may this principal do this to this record" ([`can`]) and "which
//! records may it see" ([`read_scope`], rendered into every list query by the store).
//!
//! Invariants: everything is denied unless a rule grants it; writes never exceed reads
//! (`can(p, write, r)` implies `can(p, Read, r)`); a read-only token never writes; a viewer never
//! writes; the admin may do everything (and is audited like everyone else).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{TeamId, UserId};
use crate::string_enum;
use crate::team::TeamAccess;

string_enum!(
    /// What a user may do in general; records narrow it further.
    Role { Admin => "admin", Manager => "manager", Member => "member", Viewer => "viewer" }
);

string_enum!(
    /// How widely records of one type are shared by default (Salesforce-style org-wide default).
    AccessLevel {
        /// Owner, the managers of the record's team, admins.
        Private => "private",
        /// As private, and members of the record's team may read.
        TeamRead => "team_read",
        /// Members of the record's team may read and edit.
        TeamWrite => "team_write",
        /// Everyone may read; owner, team managers and admins edit.
        PublicRead => "public_read",
        /// Everyone may read and edit.
        PublicWrite => "public_write",
    }
);

string_enum!(
    /// The kinds of owned record that carry their own access default.
    RecordType {
        Organisation => "organisation",
        /// A person employed by an organisation (a B2B contact).
        Contact => "contact",
        /// A person without an employment: a B2C customer, private by default.
        Consumer => "consumer",
        Deal => "deal",
    }
);

string_enum!(
    /// What an API token may do on behalf of its user.
    TokenScope { Read => "read", ReadWrite => "read_write" }
);

string_enum!(
    /// An action on a record.
    Action {
        Read => "read", Create => "create", Edit => "edit", Delete => "delete", Restore => "restore",
        /// Change the owner or team.
        Assign => "assign",
    }
);

impl AccessLevel {
    fn team_reads(self) -> bool {
        !matches!(self, AccessLevel::Private)
    }

    fn team_writes(self) -> bool {
        matches!(self, AccessLevel::TeamWrite | AccessLevel::PublicWrite)
    }

    fn everyone_reads(self) -> bool {
        matches!(self, AccessLevel::PublicRead | AccessLevel::PublicWrite)
    }

    fn everyone_writes(self) -> bool {
        matches!(self, AccessLevel::PublicWrite)
    }
}

/// The access level of each record type in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessDefaults {
    pub organisation: AccessLevel,
    pub contact: AccessLevel,
    pub consumer: AccessLevel,
    pub deal: AccessLevel,
}

impl Default for AccessDefaults {
    /// Companies are known to everyone; contacts and deals to the team; B2C consumers' personal
    /// data stays with their owner.
    fn default() -> Self {
        Self {
            organisation: AccessLevel::PublicRead,
            contact: AccessLevel::TeamRead,
            consumer: AccessLevel::Private,
            deal: AccessLevel::TeamRead,
        }
    }
}

impl AccessDefaults {
    pub fn level(&self, record_type: RecordType) -> AccessLevel {
        match record_type {
            RecordType::Organisation => self.organisation,
            RecordType::Contact => self.contact,
            RecordType::Consumer => self.consumer,
            RecordType::Deal => self.deal,
        }
    }

    pub fn set(&mut self, record_type: RecordType, level: AccessLevel) {
        match record_type {
            RecordType::Organisation => self.organisation = level,
            RecordType::Contact => self.contact = level,
            RecordType::Consumer => self.consumer = level,
            RecordType::Deal => self.deal = level,
        }
    }
}

/// Who is asking: a signed-in user, or an API token acting for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub role: Role,
    /// Teams the user belongs to.
    pub teams: Vec<TeamId>,
    /// Teams the user manages (a subset of `teams`).
    pub managed: Vec<TeamId>,
    /// Sessions act with `ReadWrite`; a token with its own scope.
    pub scope: TokenScope,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May this principal write at all (role and token scope)?
    pub fn writes(&self) -> bool {
        self.scope == TokenScope::ReadWrite && self.role != Role::Viewer
    }

    /// May this principal change the workspace's catalogue (products, promotions, campaigns)?
    /// Administrators and managers who write.
    pub fn keeps_catalogue(&self) -> bool {
        self.writes() && matches!(self.role, Role::Admin | Role::Manager)
    }

    fn manages(&self, team: Option<TeamId>) -> bool {
        team.is_some_and(|t| self.managed.contains(&t))
    }

    fn member_of(&self, team: Option<TeamId>) -> bool {
        team.is_some_and(|t| self.teams.contains(&t))
    }
}

/// What the policy needs to know about one owned record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    pub record_type: RecordType,
    pub owner: UserId,
    pub team: Option<TeamId>,
    /// The principal's place on the record's deal team, if any (deals only).
    pub shared: Option<TeamAccess>,
}

/// May `principal` do `action` to `record`?
pub fn can(principal: &Principal, action: Action, record: &Owned, defaults: &AccessDefaults) -> bool {
    if action != Action::Read && !principal.writes() {
        return false;
    }
    if principal.is_admin() {
        return true;
    }
    let level = defaults.level(record.record_type);
    let owner_or_manager = record.owner == principal.user || principal.manages(record.team);
    match action {
        Action::Read => {
            owner_or_manager
                || record.shared.is_some()
                || level.everyone_reads()
                || (level.team_reads() && principal.member_of(record.team))
        }
        Action::Create => true,
        Action::Edit | Action::Delete | Action::Restore => {
            owner_or_manager
                || record.shared == Some(TeamAccess::Edit)
                || level.everyone_writes()
                || (level.team_writes() && principal.member_of(record.team))
        }
        Action::Assign => principal.role == Role::Manager && principal.manages(record.team),
    }
}

/// Which records of one type a principal may read, in a form a query can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// Every record.
    All,
    /// Records owned by `owner`, whose team is one of `teams`, or (when `shared`) on whose deal
    /// team the principal has a place.
    OwnedOrTeams {
        owner: UserId,
        teams: Vec<TeamId>,
        shared: bool,
    },
}

impl ReadScope {
    /// Does the scope admit a record with this owner and team? (The store renders the same test
    /// as SQL; this form exists to check the two agree.)
    pub fn admits(&self, owner: UserId, team: Option<TeamId>, shared_with_me: bool) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::OwnedOrTeams {
                owner: me,
                teams,
                shared,
            } => owner == *me || team.is_some_and(|t| teams.contains(&t)) || (*shared && shared_with_me),
        }
    }
}

/// The records of `record_type` that `principal` may read.
pub fn read_scope(principal: &Principal, record_type: RecordType, defaults: &AccessDefaults) -> ReadScope {
    let level = defaults.level(record_type);
    if principal.is_admin() || level.everyone_reads() {
        return ReadScope::All;
    }
    let mut teams = principal.managed.clone();
    if level.team_reads() {
        teams.extend(principal.teams.iter().copied());
    }
    teams.sort();
    teams.dedup();
    // Only deals have deal teams.
    ReadScope::OwnedOrTeams {
        owner: principal.user,
        teams,
        shared: record_type == RecordType::Deal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn team(n: u128) -> TeamId {
        TeamId(Uuid::from_u128(100 + n))
    }

    fn level() -> impl Strategy<Value = AccessLevel> {
        prop::sample::select(AccessLevel::ALL.to_vec())
    }

    prop_compose! {
        fn principal()(user_n in 0u128..4, role in prop::sample::select(Role::ALL.to_vec()),
                       teams in prop::collection::vec(0u128..3, 0..3), manage in any::<bool>(),
                       scope in prop::sample::select(TokenScope::ALL.to_vec())) -> Principal {
            let teams: Vec<TeamId> = teams.into_iter().map(team).collect();
            let managed = if manage && role == Role::Manager { teams.clone() } else { Vec::new() };
            Principal { user: user(user_n), role, teams, managed, scope }
        }
    }

    prop_compose! {
        fn owned()(owner in 0u128..4, team_n in prop::option::of(0u128..3),
                   record_type in prop::sample::select(RecordType::ALL.to_vec()),
                   shared in prop::option::of(prop::sample::select(TeamAccess::ALL.to_vec()))) -> Owned {
            // Only deals have deal teams.
            let shared = if record_type == RecordType::Deal { shared } else { None };
            Owned { record_type, owner: user(owner), team: team_n.map(team), shared }
        }
    }

    prop_compose! {
        fn defaults()(organisation in level(), contact in level(), consumer in level(), deal in level()) -> AccessDefaults {
            AccessDefaults { organisation, contact, consumer, deal }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn the_list_scope_admits_exactly_the_readable_records(p in principal(), r in owned(), d in defaults()) {
            prop_assert_eq!(
                read_scope(&p, r.record_type, &d).admits(r.owner, r.team, r.shared.is_some()),
                can(&p, Action::Read, &r, &d)
            );
        }

        #[test]
        fn writing_implies_reading(p in principal(), r in owned(), d in defaults()) {
            for action in [Action::Edit, Action::Delete, Action::Restore, Action::Assign] {
                if can(&p, action, &r, &d) {
                    prop_assert!(can(&p, Action::Read, &r, &d));
                }
            }
        }

        #[test]
        fn read_only_principals_never_write(p in principal(), r in owned(), d in defaults()) {
            if p.scope == TokenScope::Read || p.role == Role::Viewer {
                for action in [Action::Create, Action::Edit, Action::Delete, Action::Restore, Action::Assign] {
                    prop_assert!(!can(&p, action, &r, &d));
                }
            }
        }
    }

    #[test]
    fn consumers_are_private_by_default() {
        let defaults = AccessDefaults::default();
        let rep_a = Principal {
            user: user(1),
            role: Role::Member,
            teams: vec![team(1)],
            managed: vec![],
            scope: TokenScope::ReadWrite,
        };
        let rep_b = Principal {
            user: user(2),
            ..rep_a.clone()
        };
        let manager = Principal {
            user: user(3),
            role: Role::Manager,
            managed: vec![team(1)],
            ..rep_a.clone()
        };
        let consumer = Owned {
            record_type: RecordType::Consumer,
            owner: user(1),
            team: Some(team(1)),
            shared: None,
        };
        let deal = Owned {
            record_type: RecordType::Deal,
            ..consumer
        };
        assert!(can(&rep_a, Action::Read, &consumer, &defaults));
        assert!(
            !can(&rep_b, Action::Read, &consumer, &defaults),
            "a teammate does not see a B2C customer"
        );
        assert!(can(&manager, Action::Edit, &consumer, &defaults));
        assert!(can(&rep_b, Action::Read, &deal, &defaults), "team members read deals");
        assert!(!can(&rep_b, Action::Edit, &deal, &defaults), "but do not edit them");
        assert!(can(&manager, Action::Assign, &deal, &defaults));
        assert!(!can(&rep_a, Action::Assign, &deal, &defaults), "reps do not reassign");
        // A place on the deal team opens the deal to someone from another team.
        let rep_c = Principal {
            user: user(4),
            teams: vec![team(2)],
            ..rep_a.clone()
        };
        let shared_read = Owned {
            shared: Some(TeamAccess::Read),
            ..deal
        };
        assert!(
            can(&rep_c, Action::Read, &shared_read, &defaults) && !can(&rep_c, Action::Edit, &shared_read, &defaults)
        );
        assert!(can(
            &rep_c,
            Action::Edit,
            &Owned {
                shared: Some(TeamAccess::Edit),
                ..deal
            },
            &defaults
        ));
    }
}
