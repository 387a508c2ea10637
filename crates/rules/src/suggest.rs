//! "Did you mean" suggestions for unknown variables.

use crate::ast::Variable;

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

/// Levenshtein distance over bytes (keywords and variable names are ASCII); shared
/// with the policy language's suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
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
    fn far_words_get_nothing() {
        assert_eq!(suggest_variable("banana"), None);
    }
}
