//! Editing a playbook (admins): stages, budgets and the exit criteria chosen from the catalogue,
//! each hard or soft. An edit makes a new revision; deals keep the revision they started in.

use std::collections::BTreeSet;

use serde::Deserialize;
use utoipa::ToSchema;

use crate::gates::{StageCriterion, default_criteria, definition};
use crate::ids::{PlaybookId, StageId};
use crate::playbook::{DealStatus, Playbook, Stage, WonAt};
use crate::text::{self, NAME_MAX, NameText, OptionalBodyText};
use crate::validation::{Validation, ValidationErrors};

/// The longest cycle budget and stage duration, in days.
pub const DAYS_MAX: i32 = 3_650;
/// The most stages a playbook may have.
pub const STAGES_MAX: usize = 20;

/// One stage of a revised playbook.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageDraft {
    /// Stable key (`[a-z0-9_]`), used by rules and translations.
    pub key: String,
    #[schema(value_type = NameText)]
    pub name: String,
    pub status: DealStatus,
    #[schema(minimum = 0, maximum = 100)]
    pub probability: i32,
    #[schema(minimum = 0, maximum = 3650)]
    pub target_days: Option<i32>,
    #[schema(minimum = 0, maximum = 3650)]
    pub rot_days: Option<i32>,
    #[schema(value_type = Option<OptionalBodyText>)]
    pub guidance: Option<String>,
    /// Exit criteria from the catalogue; the defaults of the key when left out.
    pub criteria: Option<Vec<StageCriterion>>,
}

/// Changes to a playbook; left-out fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRevisionDraft {
    #[schema(value_type = Option<NameText>)]
    pub name: Option<String>,
    pub allow_skip: Option<bool>,
    pub allow_backward: Option<bool>,
    #[schema(minimum = 1, maximum = 3650)]
    pub cycle_budget_min_days: Option<i32>,
    #[schema(minimum = 1, maximum = 3650)]
    pub cycle_budget_max_days: Option<i32>,
    pub won_at: Option<WonAt>,
    /// Every stage, in order: working stages first, then one won and one lost stage.
    pub stages: Option<Vec<StageDraft>>,
}

fn days(check: &mut Validation, field: String, value: Option<i32>) {
    if value.is_some_and(|d| !(0..=DAYS_MAX).contains(&d)) {
        check.push(field, format!("must be between 0 and {DAYS_MAX}"));
    }
}

fn stages(check: &mut Validation, drafts: &[StageDraft], mut new_id: impl FnMut() -> StageId) -> Option<Vec<Stage>> {
    if !(3..=STAGES_MAX).contains(&drafts.len()) {
        check.push(
            "stages",
            format!("a playbook has 3 to {STAGES_MAX} stages: working ones, then won and lost"),
        );
        return None;
    }
    let mut keys = BTreeSet::new();
    let mut built = Vec::with_capacity(drafts.len());
    for (index, draft) in drafts.iter().enumerate() {
        let at = |field: &str| format!("stages[{index}].{field}");
        let key_ok = !draft.key.is_empty()
            && draft.key.len() <= 64
            && draft
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            check.push(at("key"), "use 1 to 64 lower-case letters, digits or underscores");
        } else if !keys.insert(draft.key.clone()) {
            check.push(at("key"), "another stage has this key");
        }
        let name = check.check(&at("name"), text::required(&draft.name, NAME_MAX));
        let guidance = check.check(&at("guidance"), text::optional(draft.guidance.as_deref(), 1_000));
        if !(0..=100).contains(&draft.probability) {
            check.push(at("probability"), "must be between 0 and 100");
        }
        days(check, at("target_days"), draft.target_days);
        days(check, at("rot_days"), draft.rot_days);
        let criteria = draft.criteria.clone().unwrap_or_else(|| default_criteria(&draft.key));
        let mut seen = BTreeSet::new();
        for (position, criterion) in criteria.iter().enumerate() {
            let field = format!("stages[{index}].criteria[{position}].key");
            if definition(&criterion.key).is_none() {
                check.push(field, format!("'{}' is not in the criteria catalogue", criterion.key));
            } else if !seen.insert(criterion.key.clone()) {
                check.push(field, "listed twice");
            }
        }
        if draft.status != DealStatus::Open && !criteria.is_empty() {
            check.push(at("criteria"), "a closing stage has no exit criteria");
        }
        if let (Some(name), Some(guidance)) = (name, guidance) {
            built.push(Stage {
                id: new_id(),
                key: draft.key.clone(),
                name,
                position: i32::try_from(index + 1).unwrap_or(i32::MAX),
                status: draft.status,
                probability: draft.probability,
                target_days: draft.target_days,
                rot_days: draft.rot_days,
                guidance: guidance.unwrap_or_default(),
                criteria,
            });
        }
    }
    let statuses: Vec<DealStatus> = drafts.iter().map(|d| d.status).collect();
    let open = statuses.iter().filter(|s| **s == DealStatus::Open).count();
    let won = statuses.iter().filter(|s| **s == DealStatus::Won).count();
    let lost = statuses.iter().filter(|s| **s == DealStatus::Lost).count();
    let closing_last = statuses
        .iter()
        .skip_while(|s| **s == DealStatus::Open)
        .all(|s| *s != DealStatus::Open);
    if open == 0 || won != 1 || lost != 1 || !closing_last {
        check.push(
            "stages",
            "list the working stages first, then exactly one won and one lost stage",
        );
    }
    (built.len() == drafts.len()).then_some(built)
}

impl PlaybookRevisionDraft {
    /// The next revision of `current`, with fresh ids.
    pub fn apply(
        &self,
        current: &Playbook,
        id: PlaybookId,
        new_stage_id: impl FnMut() -> StageId,
    ) -> Result<Playbook, ValidationErrors> {
        let mut check = Validation::new();
        let name = match &self.name {
            Some(name) => check.check("name", text::required(name, NAME_MAX)),
            None => Some(current.name.clone()),
        };
        let min = self.cycle_budget_min_days.unwrap_or(current.cycle_budget_min_days);
        let max = self.cycle_budget_max_days.unwrap_or(current.cycle_budget_max_days);
        if !(1..=DAYS_MAX).contains(&min) {
            check.push("cycle_budget_min_days", format!("must be between 1 and {DAYS_MAX}"));
        }
        if !(1..=DAYS_MAX).contains(&max) {
            check.push("cycle_budget_max_days", format!("must be between 1 and {DAYS_MAX}"));
        } else if max < min {
            check.push("cycle_budget_max_days", "must not be below cycle_budget_min_days");
        }
        let stages = match &self.stages {
            Some(drafts) => stages(&mut check, drafts, new_stage_id),
            None => {
                let mut new_stage_id = new_stage_id;
                Some(
                    current
                        .stages
                        .iter()
                        .map(|s| Stage {
                            id: new_stage_id(),
                            ..s.clone()
                        })
                        .collect(),
                )
            }
        };
        check.finish(|| {
            Some(Playbook {
                id,
                key: current.key.clone(),
                revision: current.revision + 1,
                is_default: true,
                name: name?,
                kind: current.kind,
                allow_skip: self.allow_skip.unwrap_or(current.allow_skip),
                allow_backward: self.allow_backward.unwrap_or(current.allow_backward),
                cycle_budget_min_days: min,
                cycle_budget_max_days: max,
                won_at: self.won_at.unwrap_or(current.won_at),
                stages: stages?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::gates::Gate;
    use crate::playbook::B2B_DEFAULT;
    use uuid::Uuid;

    #[test]
    fn a_revision_relaxes_a_gate_and_keeps_the_shape_valid() {
        let current = fixtures::playbook(&B2B_DEFAULT);
        let mut n = 0u128;
        let mut ids = || {
            n += 1;
            StageId(Uuid::from_u128(900 + n))
        };
        let relaxed = PlaybookRevisionDraft {
            cycle_budget_max_days: Some(40),
            stages: Some(
                current
                    .stages
                    .iter()
                    .map(|s| StageDraft {
                        key: s.key.clone(),
                        name: s.name.clone(),
                        status: s.status,
                        probability: s.probability,
                        target_days: s.target_days,
                        rot_days: s.rot_days,
                        guidance: None,
                        criteria: (s.key == "b2b_decision_maker_meeting").then(|| {
                            vec![StageCriterion {
                                key: "decision_maker_met_face_to_face".into(),
                                gate: Gate::Soft,
                            }]
                        }),
                    })
                    .collect(),
            ),
            ..PlaybookRevisionDraft::default()
        };
        let next = relaxed
            .apply(&current, PlaybookId(Uuid::from_u128(2)), &mut ids)
            .expect("valid");
        assert_eq!((next.revision, next.cycle_budget_max_days), (2, 40));
        let dm = next
            .stages
            .iter()
            .find(|s| s.key == "b2b_decision_maker_meeting")
            .expect("stage");
        assert_eq!(
            dm.criteria,
            [StageCriterion {
                key: "decision_maker_met_face_to_face".into(),
                gate: Gate::Soft
            }]
        );
        assert!(next.stages.iter().all(|s| current.stage(s.id).is_none()), "new ids");

        let mut broken = relaxed.clone();
        if let Some(stages) = broken.stages.as_mut() {
            stages.retain(|s| s.status != DealStatus::Won);
            stages[0].criteria = Some(vec![StageCriterion {
                key: "vibes".into(),
                gate: Gate::Hard,
            }]);
        }
        broken.cycle_budget_min_days = Some(50);
        let errors = broken
            .apply(&current, PlaybookId(Uuid::from_u128(3)), &mut ids)
            .expect_err("invalid");
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"stages")
                && fields.contains(&"stages[0].criteria[0].key")
                && fields.contains(&"cycle_budget_max_days"),
            "{fields:?}"
        );
    }
}
