//! Playbooks as data: the stages a deal of one kind goes through, their priors, target and rot
//! days, and the cycle budget of D7. The two defaults follow the B2C and B2B playbooks of the
//! design (one-session close for B2C; a designed, unskippable sequence for B2B).
//!
//! Stage exit criteria (gates) arrive with the playbook engine; this module already decides which
//! moves a playbook allows at all (skipping forward, moving back, reopening).

use serde::Serialize;
use utoipa::ToSchema;

use crate::gates::StageCriterion;
use crate::ids::{PlaybookId, StageId};
use crate::string_enum;

string_enum!(
    /// Selling to a person (B2C) or to an organisation (B2B).
    DealKind { B2c => "b2c", B2b => "b2b" }
);

string_enum!(
    /// Where a deal stands: still being worked, won, or lost.
    DealStatus { Open => "open", Won => "won", Lost => "lost" }
);

string_enum!(
    /// The event that makes a deal won (decision 1 of the design: won at payment by default).
    WonAt { Signature => "signature", FirstPayment => "first_payment", FullPayment => "full_payment" }
);

/// One stage of a playbook.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stage {
    pub id: StageId,
    /// Stable key, e.g. `b2b_decision_maker_meeting`; used by rules and translations.
    pub key: String,
    pub name: String,
    /// 1-based order inside the playbook.
    pub position: i32,
    /// `open` for working stages; the closing stages are `won` and `lost`.
    pub status: DealStatus,
    /// Prior win probability in percent; the forecast recalibrates it from history.
    pub probability: i32,
    /// Expected days in the stage.
    pub target_days: Option<i32>,
    /// Idle days after which a deal in this stage is rotting.
    pub rot_days: Option<i32>,
    pub guidance: String,
    /// The exit criteria checked when a deal leaves the stage, each hard or soft.
    pub criteria: Vec<StageCriterion>,
}

/// A playbook and its stages, in order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Playbook {
    pub id: PlaybookId,
    pub key: String,
    /// Editing a playbook makes a new revision; deals keep the revision they started in.
    pub revision: i32,
    /// The revision new deals of its kind start in.
    pub is_default: bool,
    pub name: String,
    pub kind: DealKind,
    /// May a deal jump forward over stages (B2C one-session close)?
    pub allow_skip: bool,
    /// May a deal move back to an earlier stage (with a reason)?
    pub allow_backward: bool,
    /// D7 cycle budget to signature, in days.
    pub cycle_budget_min_days: i32,
    pub cycle_budget_max_days: i32,
    pub won_at: WonAt,
    pub stages: Vec<Stage>,
}

/// Why a playbook refuses a stage move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefusal {
    #[error("the deal is already in this stage")]
    SameStage,
    #[error("the stage belongs to another playbook")]
    ForeignStage,
    #[error("this playbook does not allow skipping stages (D4): move to '{next}' first")]
    SkipNotAllowed { next: String },
    #[error("this playbook does not allow moving back to an earlier stage")]
    BackwardNotAllowed,
    #[error("{0} needs a reason")]
    ReasonRequired(&'static str),
}

impl Playbook {
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The stage a new deal starts in.
    pub fn first_stage(&self) -> Option<&Stage> {
        self.stages
            .iter()
            .filter(|s| s.status == DealStatus::Open)
            .min_by_key(|s| s.position)
    }

    fn next_open_or_won(&self, from: &Stage) -> Option<&Stage> {
        self.stages
            .iter()
            .filter(|s| s.status != DealStatus::Lost && s.position > from.position)
            .min_by_key(|s| s.position)
    }

    /// Checks a move from one stage to another against the playbook's shape. `has_reason` tells
    /// whether the mover gave a reason (needed to go back or to reopen).
    pub fn check_move(&self, from: &Stage, to: &Stage, has_reason: bool) -> Result<(), MoveRefusal> {
        if self.stage(to.id).is_none() {
            return Err(MoveRefusal::ForeignStage);
        }
        if from.id == to.id {
            return Err(MoveRefusal::SameStage);
        }
        if to.status == DealStatus::Lost {
            return Ok(());
        }
        if from.status != DealStatus::Open {
            return if has_reason {
                Ok(())
            } else {
                Err(MoveRefusal::ReasonRequired("reopening a closed deal"))
            };
        }
        if to.position < from.position {
            if !self.allow_backward {
                return Err(MoveRefusal::BackwardNotAllowed);
            }
            return if has_reason {
                Ok(())
            } else {
                Err(MoveRefusal::ReasonRequired("moving back"))
            };
        }
        match self.next_open_or_won(from) {
            Some(next) if next.id != to.id && !self.allow_skip => Err(MoveRefusal::SkipNotAllowed {
                next: next.name.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// A stage of a default playbook before it is stored.
#[derive(Debug, Clone, Copy)]
pub struct StageTemplate {
    pub key: &'static str,
    pub name: &'static str,
    pub status: DealStatus,
    pub probability: i32,
    pub target_days: Option<i32>,
    pub rot_days: Option<i32>,
    pub guidance: &'static str,
}

/// A default playbook before it is stored.
#[derive(Debug, Clone, Copy)]
pub struct PlaybookTemplate {
    pub key: &'static str,
    pub name: &'static str,
    pub kind: DealKind,
    pub allow_skip: bool,
    pub allow_backward: bool,
    pub cycle_budget_min_days: i32,
    pub cycle_budget_max_days: i32,
    pub won_at: WonAt,
    pub stages: &'static [StageTemplate],
}

const fn open(
    key: &'static str,
    name: &'static str,
    probability: i32,
    target_days: i32,
    rot_days: i32,
    guidance: &'static str,
) -> StageTemplate {
    StageTemplate {
        key,
        name,
        status: DealStatus::Open,
        probability,
        target_days: Some(target_days),
        rot_days: Some(rot_days),
        guidance,
    }
}

const fn closed(key: &'static str, name: &'static str, status: DealStatus) -> StageTemplate {
    let probability = if matches!(status, DealStatus::Won) { 100 } else { 0 };
    StageTemplate {
        key,
        name,
        status,
        probability,
        target_days: None,
        rot_days: None,
        guidance: "",
    }
}

/// B2C: one person decides and can sign and pay in one sitting (D1, D2, D4); 1–10 days (D7).
pub const B2C_DEFAULT: PlaybookTemplate = PlaybookTemplate {
    key: "b2c_default",
    name: "B2C — consumer sale",
    kind: DealKind::B2c,
    allow_skip: true,
    allow_backward: true,
    cycle_budget_min_days: 1,
    cycle_budget_max_days: 10,
    won_at: WonAt::FirstPayment,
    stages: &[
        open(
            "b2c_new_lead",
            "New lead",
            5,
            1,
            1,
            "Call within minutes of an inbound inquiry; check consent and do-not-call first.",
        ),
        open(
            "b2c_qualified",
            "Contacted & qualified",
            25,
            2,
            2,
            "Capture the need, budget range and timeline; book a store visit or send an offer.",
        ),
        open(
            "b2c_offer",
            "Offer / visit",
            50,
            3,
            3,
            "Quote with the promotions that apply; invite the customer to visit us.",
        ),
        open(
            "b2c_sign_pay",
            "Sign & pay",
            85,
            2,
            2,
            "Personal agreement signed in the session, payment taken at once.",
        ),
        closed("b2c_won", "Won", DealStatus::Won),
        closed("b2c_lost", "Lost", DealStatus::Lost),
    ],
};

/// B2B: a buying group, a designed multi-step process, company contract and payment (D1–D4);
/// 15–25 days to signature (D7).
pub const B2B_DEFAULT: PlaybookTemplate = PlaybookTemplate {
    key: "b2b_default",
    name: "B2B — company sale",
    kind: DealKind::B2b,
    allow_skip: false,
    allow_backward: true,
    cycle_budget_min_days: 15,
    cycle_budget_max_days: 25,
    won_at: WonAt::FirstPayment,
    stages: &[
        open(
            "b2b_qualify",
            "Qualify",
            10,
            2,
            3,
            "Link the organisation, name a first stakeholder and schedule the first meeting.",
        ),
        open(
            "b2b_first_meeting",
            "First meeting",
            20,
            4,
            5,
            "Meet the department head or key person; identify pain, metrics and who decides.",
        ),
        open(
            "b2b_decision_maker_meeting",
            "Decision-maker meeting",
            40,
            5,
            6,
            "Bring the leader who decides, ideally to our office; agree the mutual action plan.",
        ),
        open(
            "b2b_proposal_negotiation",
            "Proposal & negotiation",
            60,
            4,
            5,
            "Approved quote, face-to-face negotiation with a plan, the buyer's verbal selection.",
        ),
        open(
            "b2b_company_contract",
            "Company contract",
            80,
            5,
            7,
            "Walk the contract through the customer's approval chain to signature.",
        ),
        open(
            "b2b_payment",
            "Payment",
            95,
            30,
            31,
            "Invoice with terms and PO; the first payment wins the deal.",
        ),
        closed("b2b_won", "Won", DealStatus::Won),
        closed("b2b_lost", "Lost", DealStatus::Lost),
    ],
};

/// The playbooks every new workspace starts with.
pub const DEFAULT_PLAYBOOKS: [PlaybookTemplate; 2] = [B2C_DEFAULT, B2B_DEFAULT];

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn build(template: &PlaybookTemplate) -> Playbook {
        Playbook {
            id: PlaybookId(Uuid::from_u128(1)),
            key: template.key.into(),
            revision: 1,
            is_default: true,
            name: template.name.into(),
            kind: template.kind,
            allow_skip: template.allow_skip,
            allow_backward: template.allow_backward,
            cycle_budget_min_days: template.cycle_budget_min_days,
            cycle_budget_max_days: template.cycle_budget_max_days,
            won_at: template.won_at,
            stages: template
                .stages
                .iter()
                .enumerate()
                .map(|(i, s)| Stage {
                    id: StageId(Uuid::from_u128(100 + i as u128)),
                    key: s.key.into(),
                    name: s.name.into(),
                    position: i as i32 + 1,
                    status: s.status,
                    probability: s.probability,
                    target_days: s.target_days,
                    rot_days: s.rot_days,
                    guidance: s.guidance.into(),
                    criteria: crate::gates::default_criteria(s.key),
                })
                .collect(),
        }
    }

    #[test]
    fn default_targets_fit_the_cycle_budget() {
        let b2c: i32 = B2C_DEFAULT.stages.iter().filter_map(|s| s.target_days).sum();
        assert!(b2c <= B2C_DEFAULT.cycle_budget_max_days);
        // The B2B clock stops at signature, so the payment stage is outside the budget.
        let b2b: i32 = B2B_DEFAULT
            .stages
            .iter()
            .filter(|s| s.key != "b2b_payment")
            .filter_map(|s| s.target_days)
            .sum();
        assert!((B2B_DEFAULT.cycle_budget_min_days..=B2B_DEFAULT.cycle_budget_max_days).contains(&b2b));
    }

    #[test]
    fn b2b_cannot_skip_but_b2c_can() {
        let b2b = build(&B2B_DEFAULT);
        let s = &b2b.stages;
        assert_eq!(b2b.check_move(&s[0], &s[1], false), Ok(()));
        assert!(matches!(
            b2b.check_move(&s[0], &s[2], false),
            Err(MoveRefusal::SkipNotAllowed { .. })
        ));
        assert!(matches!(
            b2b.check_move(&s[0], &s[6], false),
            Err(MoveRefusal::SkipNotAllowed { .. })
        ));
        assert_eq!(b2b.check_move(&s[5], &s[6], false), Ok(()));
        assert_eq!(
            b2b.check_move(&s[2], &s[7], false),
            Ok(()),
            "any open stage may be lost"
        );
        assert_eq!(
            b2b.check_move(&s[2], &s[1], false),
            Err(MoveRefusal::ReasonRequired("moving back"))
        );
        assert_eq!(b2b.check_move(&s[2], &s[1], true), Ok(()));
        assert_eq!(
            b2b.check_move(&s[7], &s[2], false),
            Err(MoveRefusal::ReasonRequired("reopening a closed deal"))
        );

        let b2c = build(&B2C_DEFAULT);
        assert_eq!(
            b2c.check_move(&b2c.stages[0], &b2c.stages[4], false),
            Ok(()),
            "one-session close"
        );
    }
}
