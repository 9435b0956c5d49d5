//! Deals: one sale to a person (B2C) or to an organisation (B2B), moving through the stages of its
//! playbook. A B2C deal's counterparty is a person, a B2B deal's an organisation (D1).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use std::collections::BTreeMap;

use crate::ids::{DealId, PartyId, PlaybookId, StageId};
use crate::money::{Currency, Money};
use crate::party::PartyKind;
use crate::playbook::{DealKind, DealStatus, Playbook, Stage};
use crate::qualification::{Qualification, QualificationKey};
use crate::record::{Ownership, RecordMeta};
use crate::string_enum;
use crate::text::{self, LABEL_MAX, LabelText, NAME_MAX, NameText, OptionalBodyText};
use crate::validation::{Validation, ValidationErrors, patch};

string_enum!(
    /// Where the deal came from.
    LeadSource {
        Inbound => "inbound", Telemarketing => "telemarketing", Referral => "referral",
        WarmIntro => "warm_intro", Event => "event", Partner => "partner",
        Outbound => "outbound", StoreVisit => "store_visit",
    }
);

string_enum!(
    /// Why a deal was lost; feeds win/loss analytics.
    LostReason {
        Price => "price", NoDecision => "no_decision", Competitor => "competitor",
        NoBudget => "no_budget", Timing => "timing", NoResponse => "no_response",
        Unqualified => "unqualified", Other => "other",
    }
);

/// Checks that the counterparty fits the kind of deal (D1).
pub fn check_counterparty(kind: DealKind, counterparty: PartyKind) -> Result<(), String> {
    match (kind, counterparty) {
        (DealKind::B2c, PartyKind::Person) | (DealKind::B2b, PartyKind::Organisation) => Ok(()),
        (DealKind::B2c, PartyKind::Organisation) => {
            Err("a B2C deal sells to a person; this is an organisation (use kind b2b)".into())
        }
        (DealKind::B2b, PartyKind::Person) => Err(
            "a B2B deal sells to an organisation; this is a person (use kind b2c, or the person's organisation)".into(),
        ),
    }
}

/// A deal as a client sends it on create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealDraft {
    #[schema(value_type = NameText)]
    pub title: String,
    pub kind: DealKind,
    /// A person for B2C, an organisation for B2B.
    pub counterparty_id: PartyId,
    /// Defaults to the workspace's default playbook for the kind.
    pub playbook_id: Option<PlaybookId>,
    /// An open stage of the playbook; defaults to its first stage.
    pub stage_id: Option<StageId>,
    /// Amount in minor units of the currency (cents, fen).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// ISO-4217 code.
    #[schema(value_type = Currency)]
    pub currency: String,
    pub expected_close: Option<Date>,
    pub lead_source: Option<LeadSource>,
    #[schema(value_type = Option<LabelText>)]
    pub competitor: Option<String>,
    /// Qualification notes (need, budget, metrics, identified pain, decision process, …).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub qualification: BTreeMap<QualificationKey, String>,
}

/// Changes to a deal. Stages change through `/deals/{id}/move`; the kind never changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = NameText)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub counterparty_id: Option<PartyId>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount_minor: Option<i64>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    #[schema(value_type = Currency)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub expected_close: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub lead_source: Option<Option<LeadSource>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<LabelText>)]
    pub competitor: Option<Option<String>>,
    /// Qualification notes to set; `null` or a blank note clears one; keys left out stay.
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(value_type = Option<BTreeMap<String, Option<String>>>, nullable = false)]
    pub qualification: Option<BTreeMap<QualificationKey, Option<String>>>,
}

/// The fields a user edits directly, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealTerms {
    pub title: String,
    pub counterparty_id: PartyId,
    pub amount: Money,
    pub expected_close: Option<Date>,
    pub lead_source: Option<LeadSource>,
    pub competitor: Option<String>,
    pub qualification: Qualification,
}

/// Where the deal stands in its playbook; changed only by moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealProgress {
    pub kind: DealKind,
    pub playbook_id: PlaybookId,
    pub stage_id: StageId,
    pub status: DealStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub stage_entered_at: OffsetDateTime,
    /// When the deal was won or lost.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub lost_reason: Option<LostReason>,
    pub lost_note: Option<String>,
}

/// A stored deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Deal {
    pub id: DealId,
    #[serde(flatten)]
    pub terms: DealTerms,
    #[serde(flatten)]
    pub ownership: Ownership,
    #[serde(flatten)]
    pub progress: DealProgress,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

struct RawTerms<'a> {
    title: &'a str,
    counterparty_id: PartyId,
    amount_minor: i64,
    currency: &'a str,
    expected_close: Option<Date>,
    lead_source: Option<LeadSource>,
    competitor: Option<&'a str>,
    qualification: Result<Qualification, ValidationErrors>,
}

impl RawTerms<'_> {
    fn parse(&self, check: &mut Validation) -> Option<DealTerms> {
        let title = check.check("title", text::required(self.title, NAME_MAX));
        let amount = check.check("amount_minor", Money::parse_amount(self.amount_minor));
        let currency = check.check("currency", Currency::parse(self.currency));
        let competitor = check.check("competitor", text::optional(self.competitor, LABEL_MAX));
        let qualification = check.absorb(self.qualification.clone());
        Some(DealTerms {
            title: title?,
            counterparty_id: self.counterparty_id,
            amount: Money {
                amount_minor: amount?,
                currency: currency?,
            },
            expected_close: self.expected_close,
            lead_source: self.lead_source,
            competitor: competitor?,
            qualification: qualification?,
        })
    }
}

/// A new deal, checked against its playbook and counterparty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeal {
    pub terms: DealTerms,
    pub kind: DealKind,
    pub playbook_id: PlaybookId,
    pub stage_id: StageId,
}

impl DealDraft {
    /// Checks the draft. `playbook` is the one the draft names, or the default for its kind;
    /// `counterparty` is the kind of the named party (`None` when it does not exist, which the
    /// caller reports).
    pub fn parse(&self, playbook: &Playbook, counterparty: Option<PartyKind>) -> Result<NewDeal, ValidationErrors> {
        let mut check = Validation::new();
        let terms = RawTerms {
            title: &self.title,
            counterparty_id: self.counterparty_id,
            amount_minor: self.amount_minor,
            currency: &self.currency,
            expected_close: self.expected_close,
            lead_source: self.lead_source,
            competitor: self.competitor.as_deref(),
            qualification: Qualification::default()
                .apply(&self.qualification.iter().map(|(k, v)| (*k, Some(v.clone()))).collect()),
        }
        .parse(&mut check);
        if let Some(party) = counterparty {
            check.check("counterparty_id", check_counterparty(self.kind, party));
        }
        if playbook.kind != self.kind {
            check.push(
                "playbook_id",
                format!(
                    "playbook '{}' is for {} deals, not {}",
                    playbook.name, playbook.kind, self.kind
                ),
            );
        }
        let stage = match self.stage_id {
            None => playbook.first_stage(),
            Some(id) => match playbook.stage(id) {
                Some(stage) if stage.status == DealStatus::Open => Some(stage),
                Some(stage) => {
                    check.push(
                        "stage_id",
                        format!("'{}' closes a deal; create it open and move it", stage.name),
                    );
                    None
                }
                None => {
                    check.push("stage_id", format!("not a stage of playbook '{}'", playbook.name));
                    None
                }
            },
        };
        check.finish(|| {
            Some(NewDeal {
                terms: terms?,
                kind: self.kind,
                playbook_id: playbook.id,
                stage_id: stage?.id,
            })
        })
    }
}

impl DealPatch {
    /// The terms after this patch; `counterparty` is the kind of the new counterparty when the
    /// patch changes it (`None` when it does not exist, which the caller reports).
    pub fn apply(&self, deal: &Deal, counterparty: Option<PartyKind>) -> Result<DealTerms, ValidationErrors> {
        let current = &deal.terms;
        let mut check = Validation::new();
        if let Some(party) = counterparty
            && self.counterparty_id.is_some_and(|id| id != current.counterparty_id)
        {
            check.check("counterparty_id", check_counterparty(deal.progress.kind, party));
        }
        let currency = current.amount.currency.to_string();
        let terms = RawTerms {
            title: self.title.as_deref().unwrap_or(&current.title),
            counterparty_id: self.counterparty_id.unwrap_or(current.counterparty_id),
            amount_minor: self.amount_minor.unwrap_or(current.amount.amount_minor),
            currency: self.currency.as_deref().unwrap_or(&currency),
            expected_close: self.expected_close.unwrap_or(current.expected_close),
            lead_source: self.lead_source.unwrap_or(current.lead_source),
            competitor: match &self.competitor {
                Some(change) => change.as_deref(),
                None => current.competitor.as_deref(),
            },
            qualification: match &self.qualification {
                Some(changes) => current.qualification.apply(changes),
                None => Ok(current.qualification.clone()),
            },
        }
        .parse(&mut check);
        check.finish(|| terms)
    }
}

/// A request to move a deal to another stage.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealMove {
    pub stage_id: StageId,
    /// Why: required to move back or to reopen a closed deal.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub reason: Option<String>,
    /// Required when the target stage is a lost stage.
    pub lost_reason: Option<LostReason>,
    /// Details of the loss; required when `lost_reason` is `other`.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub lost_note: Option<String>,
    /// Set by a manager or admin to move past hard gates that are not met; audited with the move.
    #[schema(value_type = Option<OptionalBodyText>)]
    pub override_reason: Option<String>,
    /// Who won instead; required when `lost_reason` is `competitor` (unless already on the deal).
    #[schema(value_type = Option<LabelText>)]
    pub competitor: Option<String>,
}

/// A checked move: the deal's progress after it and the reason to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMove {
    pub from: StageId,
    pub progress: DealProgress,
    pub competitor: Option<String>,
    pub reason: Option<String>,
}

impl DealMove {
    /// Checks the move against the playbook; `now` stamps the stage entry and closing.
    pub fn check(
        &self,
        deal: &Deal,
        playbook: &Playbook,
        now: OffsetDateTime,
    ) -> Result<CheckedMove, ValidationErrors> {
        let mut check = Validation::new();
        let reason = check
            .check("reason", text::optional(self.reason.as_deref(), text::BODY_MAX))
            .flatten();
        let lost_note = check
            .check("lost_note", text::optional(self.lost_note.as_deref(), text::BODY_MAX))
            .flatten();
        let competitor = check
            .check("competitor", text::optional(self.competitor.as_deref(), LABEL_MAX))
            .flatten()
            .or_else(|| deal.terms.competitor.clone());
        let from = playbook.stage(deal.progress.stage_id);
        let Some(to) = playbook.stage(self.stage_id) else {
            check.push("stage_id", format!("not a stage of playbook '{}'", playbook.name));
            return check.finish(|| None);
        };
        if let Some(from) = from
            && let Err(refusal) = playbook.check_move(from, to, reason.is_some())
        {
            check.push(refusal_field(&refusal), refusal.to_string());
        }
        let lost_reason = if to.status == DealStatus::Lost {
            match self.lost_reason {
                None => check.push("lost_reason", "required to mark a deal lost"),
                Some(LostReason::Other) if lost_note.is_none() => {
                    check.push("lost_note", "required when the lost reason is 'other'")
                }
                Some(LostReason::Competitor) if competitor.is_none() => {
                    check.push("competitor", "name the competitor who won")
                }
                Some(_) => {}
            }
            self.lost_reason
        } else {
            if self.lost_reason.is_some() {
                check.push(
                    "lost_reason",
                    format!("only allowed when moving to a lost stage, not '{}'", to.name),
                );
            }
            None
        };
        check.finish(|| {
            Some(CheckedMove {
                from: deal.progress.stage_id,
                progress: progress_after(deal, to, now, lost_reason, lost_note.clone()),
                competitor: competitor.clone(),
                reason: reason.clone(),
            })
        })
    }
}

fn refusal_field(refusal: &crate::playbook::MoveRefusal) -> &'static str {
    match refusal {
        crate::playbook::MoveRefusal::ReasonRequired(_) => "reason",
        _ => "stage_id",
    }
}

fn progress_after(
    deal: &Deal,
    to: &Stage,
    now: OffsetDateTime,
    lost_reason: Option<LostReason>,
    lost_note: Option<String>,
) -> DealProgress {
    let closed = to.status != DealStatus::Open;
    DealProgress {
        kind: deal.progress.kind,
        playbook_id: deal.progress.playbook_id,
        stage_id: to.id,
        status: to.status,
        stage_entered_at: now,
        closed_at: closed.then_some(now),
        lost_reason,
        lost_note: if lost_reason.is_some() { lost_note } else { None },
    }
}
