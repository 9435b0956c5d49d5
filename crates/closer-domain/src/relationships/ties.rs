//! The strength of the tie between two people (§7.1), kept as four decayed sums.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::*;

/// Minutes since 1970: a tie keeps its moments this coarse, in four bytes.
type Minute = i32;

const MINUTES_PER_DAY: f64 = 1_440.0;
const MINUTES_PER_YEAR: i64 = 525_600;
/// The half-lives of a tie of 0, 1, 2 and 3 or more years, in days (§7.1: 90 d × (1 + years)).
const HALF_LIVES: [f64; 4] = [90.0, 180.0, 270.0, 360.0];
const NEVER: Minute = Minute::MIN;

fn minute(at: OffsetDateTime) -> Minute {
    let minutes = at.unix_timestamp().div_euclid(60);
    Minute::try_from(minutes).unwrap_or(if minutes < 0 { Minute::MIN + 1 } else { Minute::MAX })
}

/// The tie between two people, as their interactions built it up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tie {
    /// Σ weight × 2^(−age / half-life) at `at`, one per half-life.
    sums: [f32; 4],
    at: Minute,
    /// The first and last interaction that showed both sides engaged (`NEVER` without one).
    first_reciprocal: Minute,
    last_reciprocal: Minute,
    connected: bool,
    /// The latest end of a "knows them well" assertion (`NEVER` without one).
    asserted_until: Minute,
}

impl Default for Tie {
    fn default() -> Self {
        Tie {
            sums: [0.0; 4],
            at: NEVER,
            first_reciprocal: NEVER,
            last_reciprocal: NEVER,
            connected: false,
            asserted_until: NEVER,
        }
    }
}

/// How strong a tie is at a moment, and its bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Strength {
    /// From 0 (strangers) to 1.
    pub score: f64,
    pub bucket: TieBucket,
}

impl Strength {
    pub fn of(score: f64) -> Strength {
        let bucket = match score {
            s if s >= 0.70 => TieBucket::Strong,
            s if s >= 0.40 => TieBucket::Familiar,
            s if s >= 0.15 => TieBucket::Weak,
            _ => TieBucket::None,
        };
        Strength { score, bucket }
    }
}

impl Tie {
    /// Adds one interaction that happened `at`.
    pub fn add(&mut self, contribution: Contribution, at: OffsetDateTime) {
        let at = minute(at);
        match contribution {
            Contribution::Fading { weight, reciprocal } => {
                if weight > 0.0 {
                    if self.at == NEVER || at >= self.at {
                        let elapsed = if self.at == NEVER { 0 } else { at - self.at };
                        for (sum, half_life) in self.sums.iter_mut().zip(HALF_LIVES) {
                            *sum = (f64::from(*sum) * decay(elapsed, half_life) + weight) as f32;
                        }
                        self.at = at;
                    } else {
                        // An older interaction, imported late: it has already faded.
                        for (sum, half_life) in self.sums.iter_mut().zip(HALF_LIVES) {
                            *sum = (f64::from(*sum) + weight * decay(self.at - at, half_life)) as f32;
                        }
                    }
                }
                if reciprocal {
                    self.first_reciprocal = if self.first_reciprocal == NEVER {
                        at
                    } else {
                        self.first_reciprocal.min(at)
                    };
                    self.last_reciprocal = self.last_reciprocal.max(at);
                }
            }
            Contribution::Connection => self.connected = true,
            Contribution::Assertion { until } => self.asserted_until = self.asserted_until.max(minute(until)),
        }
    }

    /// Whole years between the first and the last interaction that showed both sides engaged:
    /// silence does not add tenure.
    fn tenure_years(&self) -> usize {
        if self.first_reciprocal == NEVER {
            return 0;
        }
        let minutes = i64::from(self.last_reciprocal) - i64::from(self.first_reciprocal);
        usize::try_from(minutes / MINUTES_PER_YEAR).unwrap_or(0).min(3)
    }

    /// The tie's half-life now, in days: 90 for a new tie, up to 360 after three years.
    pub fn half_life_days(&self) -> f64 {
        HALF_LIVES[self.tenure_years()]
    }

    /// The tie's strength at `now` (§7.1).
    pub fn strength(&self, now: OffsetDateTime) -> Strength {
        let now = minute(now);
        let years = self.tenure_years();
        let fading = if self.at == NEVER {
            0.0
        } else {
            f64::from(self.sums[years]) * decay((now - self.at).max(0), HALF_LIVES[years])
        };
        let total = fading + if self.connected { 0.5 } else { 0.0 };
        let mut score = 1.0 - (-total / 3.0).exp();
        if self.first_reciprocal == NEVER {
            // A connection or a one-way exchange alone is no relationship.
            score = score.min(0.15);
        }
        if self.asserted_until != NEVER && now < self.asserted_until {
            score = score.max(0.60);
        }
        Strength::of(score)
    }
}

/// What is left after `minutes` of a contribution with this half-life in days.
fn decay(minutes: Minute, half_life_days: f64) -> f64 {
    (-(f64::from(minutes) / MINUTES_PER_DAY) / half_life_days).exp2()
}
