//! The reference evaluator: for each group, walk the rule's syntax tree once per
//! principal of the group's tenancy.
//!
//! It is deliberately simple and shares nothing with the index: no interning, no
//! postings, no IR, no planner. It derives resource types and folds case itself.
//! It is the oracle of the differential tests and the naive baseline of the benches.

use crate::model::{DynamicGroup, Principal};
use dyngroup_rules::{Ast, Expr, GroupKind, Op, Variable, parse};
use hashbrown::HashMap;
use rayon::prelude::*;

/// Each group's members, as indices into the principal slice that was evaluated,
/// ascending; one list per group, in input order. A group whose rule does not parse
/// has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceMemberships {
    /// `members[g]`: the indices of group `g`'s members.
    pub members: Vec<Vec<usize>>,
}

impl ReferenceMemberships {
    /// The OCIDs of group `g`'s members, sorted.
    pub fn member_ids<'a>(&self, principals: &'a [Principal], g: usize) -> Vec<&'a str> {
        let mut ids: Vec<&str> = self.members[g]
            .iter()
            .map(|&i| principals[i].id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// Evaluates every group on one thread.
pub fn evaluate(principals: &[Principal], groups: &[DynamicGroup]) -> ReferenceMemberships {
    evaluate_impl(principals, groups, false)
}

/// Evaluates every group, each over its tenancy's principals in parallel.
pub fn evaluate_parallel(
    principals: &[Principal],
    groups: &[DynamicGroup],
) -> ReferenceMemberships {
    evaluate_impl(principals, groups, true)
}

fn evaluate_impl(
    principals: &[Principal],
    groups: &[DynamicGroup],
    parallel: bool,
) -> ReferenceMemberships {
    // The principals that count: not ended (terminated, deleted, …), and the last record of their OCID.
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, p) in principals.iter().enumerate() {
        last.insert(p.id.as_str(), i);
    }
    let mut by_tenancy: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in principals.iter().enumerate() {
        if last[p.id.as_str()] == i && !has_ended(p) {
            by_tenancy.entry(p.tenancy_id.as_str()).or_default().push(i);
        }
    }
    let members = groups
        .iter()
        .map(|g| {
            let Ok(parsed) = parse(&g.matching_rule) else {
                return Vec::new(); // fail closed
            };
            let candidates = by_tenancy
                .get(g.tenancy_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            let keep = |&&i: &&usize| {
                matches(&principals[i], &g.tenancy_id, &parsed.ast)
                    && in_domain_scope(&principals[i], g)
            };
            if parallel {
                candidates.par_iter().filter(keep).copied().collect()
            } else {
                candidates.iter().filter(keep).copied().collect()
            }
        })
        .collect();
    ReferenceMemberships { members }
}

/// Whether `p` is inside group `g`'s identity-domain scope, written out here rather
/// than through the model's helpers: a group of a domain that does not live in the
/// tenancy's root compartment keeps out the principals directly in a compartment the
/// tree places outside the domain's subtree, when the scope is known; otherwise it
/// admits the whole tenancy.
pub fn in_domain_scope(p: &Principal, g: &DynamicGroup) -> bool {
    let Some(domain) = &g.domain else {
        return true;
    };
    if domain.compartment_id.as_deref() == Some(g.tenancy_id.as_str()) {
        return true;
    }
    match &domain.outside {
        Some(outside) => !outside.contains(&p.compartment_id),
        None => true,
    }
}

/// Written out here rather than calling `Principal::is_indexed`: the oracle decides
/// lifecycle on its own (docs/semantics.md §2: gone or going means not a member).
fn has_ended(p: &Principal) -> bool {
    p.lifecycle_state.as_deref().is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        matches!(
            s.as_str(),
            "terminated" | "terminating" | "deleted" | "deleting"
        )
    })
}

/// Whether principal `p` satisfies `rule` for a group of tenancy `group_tenancy`
/// (lifecycle state and duplicates are not considered here).
pub fn matches(p: &Principal, group_tenancy: &str, rule: &Ast) -> bool {
    p.tenancy_id == group_tenancy && expr_holds(p, &rule.root)
}

fn expr_holds(p: &Principal, expr: &Expr) -> bool {
    match expr {
        Expr::Group(g) => match g.kind {
            GroupKind::Any => g.items.iter().any(|e| expr_holds(p, e)),
            GroupKind::All => g.items.iter().all(|e| expr_holds(p, e)),
        },
        Expr::Condition(c) => {
            let Some(cmp) = &c.comparison else {
                // Tag existence (the parser allows no other variable without a value).
                return match &c.variable {
                    Variable::Tag { namespace, key } => {
                        tag_value(p, namespace, key).next().is_some()
                    }
                    _ => false,
                };
            };
            let equal = equals(p, &c.variable, &cmp.value);
            match cmp.op {
                Op::Eq => equal,
                // Complement within the variable's domain: instance.* only ranges over
                // instances; everything else over every principal (so a missing tag
                // satisfies `!=`).
                Op::Ne => (!c.variable.is_instance_only() || is_instance(p)) && !equal,
            }
        }
    }
}

fn equals(p: &Principal, variable: &Variable, value: &str) -> bool {
    match variable {
        Variable::InstanceId => is_instance(p) && p.id == value,
        Variable::InstanceCompartmentId => is_instance(p) && p.compartment_id == value,
        Variable::ResourceId => p.id == value,
        Variable::ResourceCompartmentId => p.compartment_id == value,
        Variable::ResourceType => type_of(p).eq_ignore_ascii_case(value),
        Variable::Tag { namespace, key } => tag_value(p, namespace, key).any(|v| v == value),
    }
}

fn type_of(p: &Principal) -> &str {
    match &p.resource_type {
        Some(t) => t,
        None => p.id.split('.').nth(1).unwrap_or(""),
    }
}

fn is_instance(p: &Principal) -> bool {
    type_of(p).eq_ignore_ascii_case("instance")
}

/// The values of every tag `namespace.key` (names compared ignoring ASCII case).
fn tag_value<'a>(
    p: &'a Principal,
    namespace: &'a str,
    key: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    p.defined_tags
        .iter()
        .filter(move |t| {
            t.namespace.eq_ignore_ascii_case(namespace) && t.key.eq_ignore_ascii_case(key)
        })
        .map(|t| t.value.as_str())
}
