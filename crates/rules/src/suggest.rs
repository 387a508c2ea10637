//! "Did you mean" suggestions for unknown variables and group keywords.

use crate::ast::{GroupKind, Variable};

/// The group keyword nearest to `word` (written before a `{`) and a help sentence.
///
/// A unique nearest keyword within two edits (a swap of neighbours is one edit:
/// `AYN` → `ANY`) is suggested; otherwise both are named and the group is read as ALL.
pub(crate) fn suggest_keyword(word: &str) -> (GroupKind, String) {
    let word = word.to_ascii_lowercase();
    let any = edit_distance(&word, "any");
    let all = edit_distance(&word, "all");
    match (any.min(all) <= 2, any.cmp(&all)) {
        (true, std::cmp::Ordering::Less) => (GroupKind::Any, "did you mean `ANY`?".into()),
        (true, std::cmp::Ordering::Greater) => (GroupKind::All, "did you mean `ALL`?".into()),
        _ => (
            GroupKind::All,
            "a group starts with ANY (one member must hold) or ALL (every member must hold)".into(),
        ),
    }
}

/// The fixed variables closest to `word`, as a help sentence, if any is close.
///
/// A name that ends with the word (`compartment.id` → `instance.compartment.id`,
/// `resource.compartment.id`) or equals it once empty segments are dropped
/// (`instance..id`) wins; otherwise the names at the smallest edit distance, when
/// that distance is small for the word's length.
pub(crate) fn suggest_variable(word: &str) -> Option<String> {
    let word = word.to_ascii_lowercase();
    let collapsed: Vec<&str> = word.split('.').filter(|s| !s.is_empty()).collect();
    let collapsed = collapsed.join(".");
    let names = Variable::FIXED_NAMES;
    let mut picks: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| *n == collapsed || n.ends_with(&format!(".{collapsed}")))
        .collect();
    if picks.is_empty() {
        let distances: Vec<(usize, &str)> = names
            .iter()
            .map(|n| (edit_distance(&word, n), *n))
            .collect();
        let best = distances
            .iter()
            .map(|(d, _)| *d)
            .min()
            .unwrap_or(usize::MAX);
        if best <= (word.len() / 4).max(2) {
            picks = distances
                .iter()
                .filter(|(d, _)| *d == best)
                .map(|(_, n)| *n)
                .collect();
        }
    }
    if picks.is_empty() {
        // `instance.type` → `resource.type`: the other family has the name.
        let swapped = if let Some(rest) = word.strip_prefix("instance.") {
            format!("resource.{rest}")
        } else if let Some(rest) = word.strip_prefix("resource.") {
            format!("instance.{rest}")
        } else {
            String::new()
        };
        picks.extend(names.iter().copied().filter(|n| *n == swapped));
    }
    if picks.is_empty() && !word.contains('.') {
        let (kind, help) = suggest_keyword(&word);
        if help.starts_with("did you mean") {
            return Some(format!("did you mean `{} {{…}}`?", kind.keyword()));
        }
    }
    if picks.is_empty() && word.starts_with("tag") {
        return Some("tag variables are written `tag.<namespace>.<key>.value`".to_string());
    }
    match picks.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => {
            let quoted: Vec<String> = many.iter().map(|n| format!("`{n}`")).collect();
            let (last, rest) = quoted.split_last().expect("at least two");
            Some(format!("did you mean {} or {last}?", rest.join(", ")))
        }
    }
}

/// Edit distance over bytes (names are ASCII) where inserting, deleting or replacing
/// a byte, or swapping two neighbours, is one edit (optimal string alignment); shared
/// with the policy language's suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            let mut best = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb {
                best = best.min(before[j - 1] + 1);
            }
            cur[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_suggests_both_compartments() {
        assert_eq!(
            suggest_variable("compartment.id").as_deref(),
            Some("did you mean `instance.compartment.id` or `resource.compartment.id`?")
        );
    }

    #[test]
    fn typo_suggests_nearest() {
        assert_eq!(
            suggest_variable("instnce.id").as_deref(),
            Some("did you mean `instance.id`?")
        );
        assert_eq!(
            suggest_variable("instance..id").as_deref(),
            Some("did you mean `instance.id`?")
        );
    }

    #[test]
    fn the_other_family_is_suggested() {
        assert_eq!(
            suggest_variable("instance.type").as_deref(),
            Some("did you mean `resource.type`?")
        );
        assert_eq!(
            suggest_variable("Instance.Type").as_deref(),
            Some("did you mean `resource.type`?")
        );
    }

    #[test]
    fn keywords_are_suggested() {
        assert_eq!(suggest_keyword("ALLL").0, GroupKind::All);
        assert_eq!(suggest_keyword("AYN").0, GroupKind::Any);
        assert_eq!(suggest_keyword("any_").0, GroupKind::Any);
        assert!(suggest_keyword("FOO").1.starts_with("a group starts with"));
        assert_eq!(
            suggest_variable("ALLL").as_deref(),
            Some("did you mean `ALL {…}`?")
        );
    }

    #[test]
    fn a_swap_is_one_edit() {
        assert_eq!(edit_distance("ayn", "any"), 1);
        assert_eq!(edit_distance("instnace.id", "instance.id"), 1);
        assert_eq!(edit_distance("", "any"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn far_words_get_nothing() {
        assert_eq!(suggest_variable("banana"), None);
    }
}
