//! The one per-principal evaluator: whether one principal satisfies a normalised
//! [`Rule`] or one condition, knowing only whether it is an instance and which
//! positive tests it passes.
//!
//! Two kinds of principal answer those questions: a changed principal's attributes in
//! the live engine (string comparisons: at most the tenancy's 50 rules, cheaper than
//! touching their postings), and an indexed principal through the index's postings
//! (explain). The semantics live here once (docs/semantics.md §2): `instance.*` conditions
//! hold only for instances, and `!=` is the complement within the condition's domain,
//! so a principal without the tag satisfies `tag.x.y.value != 'v'`. The reference
//! evaluator stays apart: it is the oracle this is tested against.

use dyngroup_rules::{Leaf, Rule, Test};

/// A principal as the evaluator sees it.
pub(crate) trait Attributes {
    /// Whether it is an instance: the domain of `instance.*` conditions.
    fn is_instance(&self) -> bool;

    /// Whether it passes a positive test, the instance restriction aside.
    fn passes(&self, test: &Test) -> bool;
}

/// Whether principal `p` satisfies `rule` (its tenancy is the caller's business).
pub(crate) fn rule_holds(rule: &Rule, p: &impl Attributes) -> bool {
    match rule {
        Rule::Leaf(leaf) => leaf_holds(leaf, p),
        Rule::All(items) => items.iter().all(|r| rule_holds(r, p)),
        Rule::Any(items) => items.iter().any(|r| rule_holds(r, p)),
    }
}

/// A condition's truth for `p`: in the condition's domain, and passing the test (`=`)
/// or not passing it (`!=`).
pub(crate) fn leaf_holds(leaf: &Leaf, p: &impl Attributes) -> bool {
    let in_domain = !leaf.test.is_instance_only() || p.is_instance();
    in_domain && p.passes(&leaf.test) != leaf.negated
}
