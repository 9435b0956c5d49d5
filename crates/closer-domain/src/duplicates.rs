//! Telling likely duplicates apart: names that differ only in case, spacing, punctuation, order
//! or one typing slip.

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

#[cfg(test)]
mod tests {
    use super::similar_names;

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
