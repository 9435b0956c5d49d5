//! Telling likely duplicates apart: names that differ only in case, spacing, punctuation, order
//! or one typing slip; and what a record kept in a merge holds.

use crate::ValidationErrors;
use crate::ids::PartyId;
use crate::import::union;
use crate::party::{OrganisationDraft, OrganisationFields, PersonDraft, PersonFields};

/// The name's words in lower case, punctuation left out.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Edits (insert, delete, replace a character) from `a` to `b`.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let replace = previous[j] + usize::from(ca != cb);
            current[j + 1] = replace.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Whether two names likely name one person: the same letters spaced differently, the same
/// words in any order ("Lee, Ann" and
/// "ann lee"), or one slip apart in names of five characters or more ("Jon Smith", "John
/// Smith").
pub fn similar_names(a: &str, b: &str) -> bool {
    let (mut wa, mut wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return false;
    }
    // Spacing alone ("王 小明", "王小明").
    if wa.concat() == wb.concat() {
        return true;
    }
    wa.sort();
    wb.sort();
    if wa == wb {
        return true;
    }
    let ca: Vec<char> = wa.concat().chars().collect();
    let cb: Vec<char> = wb.concat().chars().collect();
    ca.len().min(cb.len()) >= 5 && edit_distance(&ca, &cb) <= 1
}

fn texts<T: AsRef<str>>(items: &[T]) -> Vec<String> {
    items.iter().map(|item| item.as_ref().to_owned()).collect()
}

/// The person kept by a merge: its own name, the duplicate's time zone when it has none, and
/// the e-mails and phones of both (a merge never drops a way to reach someone).
pub fn merged_person(kept: &PersonFields, duplicate: &PersonFields) -> Result<PersonFields, ValidationErrors> {
    PersonDraft {
        name: kept.name.clone(),
        emails: union(texts(&kept.emails), &texts(&duplicate.emails)),
        phones: union(texts(&kept.phones), &texts(&duplicate.phones)),
        timezone: kept.timezone.clone().or_else(|| duplicate.timezone.clone()),
    }
    .parse()
}

/// The organisation kept by a merge: its own values, the duplicate's where it has none, the
/// e-mails and phones of both. Its parent, if that was the duplicate, becomes the duplicate's
/// parent (never itself).
pub fn merged_organisation(
    kept_id: PartyId,
    kept: &OrganisationFields,
    duplicate_id: PartyId,
    duplicate: &OrganisationFields,
) -> Result<OrganisationFields, ValidationErrors> {
    let or = |mine: &Option<String>, theirs: &Option<String>| mine.clone().or_else(|| theirs.clone());
    let parent_id = match kept.parent_id {
        Some(parent) if parent == duplicate_id => duplicate.parent_id,
        parent => parent.or(duplicate.parent_id),
    }
    .filter(|parent| *parent != kept_id);
    OrganisationDraft {
        name: kept.name.clone(),
        legal_name: or(&kept.legal_name, &duplicate.legal_name),
        tax_id: or(&kept.tax_id, &duplicate.tax_id),
        industry: or(&kept.industry, &duplicate.industry),
        employee_band: kept.employee_band.or(duplicate.employee_band),
        region: or(&kept.region, &duplicate.region),
        website: or(&kept.website, &duplicate.website),
        emails: union(texts(&kept.emails), &texts(&duplicate.emails)),
        phones: union(texts(&kept.phones), &texts(&duplicate.phones)),
        parent_id,
        requires_po: kept.requires_po || duplicate.requires_po,
    }
    .parse()
}

#[cfg(test)]
mod tests {
    use super::{merged_organisation, merged_person, similar_names};
    use crate::ids::PartyId;
    use crate::party::{OrganisationDraft, PersonDraft};

    #[test]
    fn a_merged_person_keeps_its_name_and_gains_the_other_ways_to_reach_them() {
        let kept = PersonDraft {
            name: "Ann Lee".into(),
            emails: vec!["ann@acme.test".into()],
            phones: vec!["+8613800138000".into()],
            timezone: None,
        }
        .parse()
        .unwrap();
        let duplicate = PersonDraft {
            name: "ann lee".into(),
            emails: vec!["ANN@acme.test".into(), "ann.lee@home.test".into()],
            phones: vec!["+8613800138000".into()],
            timezone: Some("Asia/Shanghai".into()),
        }
        .parse()
        .unwrap();
        let merged = merged_person(&kept, &duplicate).unwrap();
        assert_eq!(merged.name, "Ann Lee");
        let emails: Vec<&str> = merged.emails.iter().map(|e| e.as_str()).collect();
        assert_eq!(emails, ["ann@acme.test", "ann.lee@home.test"]);
        assert_eq!(merged.phones.len(), 1);
        assert_eq!(merged.timezone.as_deref(), Some("Asia/Shanghai"));
    }

    #[test]
    fn a_merged_organisation_fills_its_gaps_and_never_becomes_its_own_parent() {
        let kept_id = PartyId(uuid::Uuid::now_v7());
        let duplicate_id = PartyId(uuid::Uuid::now_v7());
        let group = PartyId(uuid::Uuid::now_v7());
        let kept = OrganisationDraft {
            name: "Acme".into(),
            parent_id: Some(duplicate_id),
            ..OrganisationDraft::default()
        }
        .parse()
        .unwrap();
        let duplicate = OrganisationDraft {
            name: "ACME Ltd".into(),
            tax_id: Some("91310000MA1FL0001X".into()),
            website: Some("https://acme.test".into()),
            parent_id: Some(group),
            requires_po: true,
            ..OrganisationDraft::default()
        }
        .parse()
        .unwrap();
        let merged = merged_organisation(kept_id, &kept, duplicate_id, &duplicate).unwrap();
        assert_eq!(merged.name, "Acme");
        assert_eq!(merged.tax_id.as_deref(), Some("91310000MA1FL0001X"));
        assert_eq!(merged.parent_id, Some(group));
        assert!(merged.requires_po);
        let looped = OrganisationDraft {
            parent_id: Some(kept_id),
            ..OrganisationDraft::default()
        };
        let looped = OrganisationDraft {
            name: "x".into(),
            ..looped
        }
        .parse()
        .unwrap();
        let merged = merged_organisation(kept_id, &kept, duplicate_id, &looped).unwrap();
        assert_eq!(merged.parent_id, None);
    }

    #[test]
    fn names_match_across_case_order_punctuation_and_one_slip() {
        assert!(similar_names("Ann Lee", "lee,  ANN"));
        assert!(similar_names("Jon Smith", "John Smith"));
        assert!(similar_names("王小明", "王 小明"));
        assert!(!similar_names("Ann Lee", "Bo Lee"));
        assert!(!similar_names("Li Na", "Li Ma"), "short names need to be the same");
        assert!(!similar_names("", "Ann"));
    }
}
