//! Ties from working at the same company at the same time (§7.1, "overlapping employment"):
//! weight 1, ×1.5 in the same department, fading from the end of the overlap. Alone they never
//! make more than a weak tie, since neither side showed they engaged.

use time::{Date, OffsetDateTime, Time};

use super::*;
use crate::party::EmploymentFields;

/// A company with more people on file than this says little about who knows whom: its
/// employments tie nobody.
pub const STAFF_MAX: usize = 200;

/// What working together adds to the tie between the people of `a` and `b`, and when it stopped
/// (or `now`, while it lasts); none for one person, two companies or two periods apart.
pub fn overlap(
    a: &EmploymentFields,
    b: &EmploymentFields,
    now: OffsetDateTime,
) -> Option<(Contribution, OffsetDateTime)> {
    if a.person_id == b.person_id || a.organisation_id != b.organisation_id {
        return None;
    }
    let starts = a.started_on.max(b.started_on);
    let ends = match (a.ended_on, b.ended_on) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    if let (Some(start), Some(end)) = (starts, ends)
        && start > end
    {
        return None;
    }
    let midnight = |day: Date| day.with_time(Time::MIDNIGHT).assume_utc();
    let until = ends.map_or(now, midnight).min(now);
    let same_department = match (&a.department, &b.department) {
        (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        _ => false,
    };
    let weight = if same_department { 1.5 } else { 1.0 };
    Some((
        Contribution::Fading {
            weight,
            reciprocal: false,
        },
        until,
    ))
}

impl Graph {
    /// Ties the people of one company's employments to each other where their periods overlap.
    /// `staff` is every employment at that company; a company with more than [`STAFF_MAX`]
    /// adds nothing.
    pub fn add_staff(&mut self, staff: &[EmploymentFields], now: OffsetDateTime) {
        if staff.len() > STAFF_MAX {
            return;
        }
        for (i, a) in staff.iter().enumerate() {
            for b in &staff[i + 1..] {
                self.add_overlap(a, b, now);
            }
        }
    }

    /// Ties the person of a new employment to the company's other staff (`staff`, which may
    /// include the new one).
    pub fn add_employment(&mut self, new: &EmploymentFields, staff: &[EmploymentFields], now: OffsetDateTime) {
        if staff.len() > STAFF_MAX {
            return;
        }
        for other in staff.iter().filter(|s| *s != new) {
            self.add_overlap(new, other, now);
        }
    }

    fn add_overlap(&mut self, a: &EmploymentFields, b: &EmploymentFields, now: OffsetDateTime) {
        if let Some((contribution, at)) = overlap(a, b, now) {
            self.add_pair(Node::Person(a.person_id), Node::Person(b.person_id), contribution, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::ids::PartyId;

    const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

    fn job(
        person: u128,
        company: u128,
        department: Option<&str>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> EmploymentFields {
        EmploymentFields {
            person_id: PartyId(uuid::Uuid::from_u128(person)),
            organisation_id: PartyId(uuid::Uuid::from_u128(company)),
            title: None,
            department: department.map(str::to_owned),
            seniority: None,
            started_on: from,
            ended_on: to,
        }
    }

    #[test]
    fn working_together_makes_a_weak_tie_that_fades_from_the_end_of_the_overlap() {
        let ann = job(1, 100, Some("Finance"), Some(date!(2020 - 01 - 01)), None);
        let bo = job(
            2,
            100,
            Some("finance "),
            Some(date!(2022 - 01 - 01)),
            Some(date!(2026 - 11 - 01)),
        );
        let (contribution, until) = overlap(&ann, &bo, NOW).expect("they overlapped");
        assert_eq!(
            contribution,
            Contribution::Fading {
                weight: 1.5,
                reciprocal: false
            }
        );
        assert_eq!(until, datetime!(2026-11-01 0:00 UTC));
        let elsewhere = job(3, 200, None, None, None);
        assert!(overlap(&ann, &elsewhere, NOW).is_none(), "another company");
        let before = job(4, 100, None, Some(date!(2010 - 01 - 01)), Some(date!(2019 - 12 - 31)));
        assert!(overlap(&ann, &before, NOW).is_none(), "left before Ann came");
        assert!(overlap(&ann, &ann, NOW).is_none());
        let current = job(5, 100, Some("IT"), None, None);
        assert_eq!(
            overlap(&ann, &current, NOW),
            Some((
                Contribution::Fading {
                    weight: 1.0,
                    reciprocal: false
                },
                NOW
            ))
        );

        let mut graph = Graph::new();
        graph.add_staff(&[ann.clone(), bo.clone(), current.clone(), before.clone()], NOW);
        let strength = |a: &EmploymentFields, b: &EmploymentFields| {
            graph
                .tie(Node::Person(a.person_id), Node::Person(b.person_id))
                .map(|t| t.strength(NOW).score)
        };
        let colleagues = strength(&ann, &bo).expect("a tie");
        assert!(
            (colleagues - 0.15).abs() < 1e-9,
            "capped: nobody showed they engaged ({colleagues})"
        );
        assert!(strength(&ann, &before).is_none());

        let mut big = Graph::new();
        let crowd: Vec<EmploymentFields> = (0..=STAFF_MAX as u128)
            .map(|n| job(10 + n, 300, None, None, None))
            .collect();
        big.add_staff(&crowd, NOW);
        assert_eq!(big.tie_count(), 0, "a directory says nothing");
        let mut late = Graph::new();
        late.add_employment(&ann, &[ann.clone(), bo.clone()], NOW);
        assert_eq!(late.tie_count(), 1);
    }
}
