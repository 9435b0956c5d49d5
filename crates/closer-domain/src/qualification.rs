//! What the seller has learned about a deal (BANT-lite for B2C, MEDDPICC for B2B), as short
//! evidence notes; stage gates check that the ones they need are there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::string_enum;
use crate::text;
use crate::validation::{Validation, ValidationErrors};

string_enum!(
    /// One thing a seller qualifies.
    QualificationKey {
        /// What the customer wants (B2C).
        Need => "need",
        Budget => "budget",
        Timeline => "timeline",
        /// The measurable gain the buyer expects (MEDDPICC M).
        Metrics => "metrics",
        /// The pain that makes them act (MEDDPICC I).
        IdentifiedPain => "identified_pain",
        /// How they will choose (MEDDPICC D).
        DecisionCriteria => "decision_criteria",
        /// Who decides, in which steps (MEDDPICC D).
        DecisionProcess => "decision_process",
        /// The steps from decision to signed contract (MEDDPICC P).
        PaperProcess => "paper_process",
        Competition => "competition",
        /// The buyer said, with evidence, that they choose us.
        VerbalSelection => "verbal_selection",
    }
);

/// At most this many characters per note.
pub const NOTE_MAX: usize = 2_000;

/// Evidence notes by key; a key with no note is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Qualification(pub BTreeMap<QualificationKey, String>);

impl Qualification {
    pub fn has(&self, key: QualificationKey) -> bool {
        self.0.contains_key(&key)
    }

    /// Applies changes: a note sets a key, `null` or a blank note clears it.
    pub fn apply(
        &self,
        changes: &BTreeMap<QualificationKey, Option<String>>,
    ) -> Result<Qualification, ValidationErrors> {
        let mut check = Validation::new();
        let mut next = self.0.clone();
        for (key, note) in changes {
            match check.check(
                &format!("qualification.{key}"),
                text::optional(note.as_deref(), NOTE_MAX),
            ) {
                Some(Some(note)) => {
                    next.insert(*key, note);
                }
                Some(None) => {
                    next.remove(key);
                }
                None => {}
            }
        }
        check.finish(|| Some(Qualification(next)))
    }
}
