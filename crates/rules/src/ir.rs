//! The normalised rule the engine evaluates.
//!
//! Lowering from [`Ast`](crate::Ast) folds case where OCI compares case-insensitively
//! (tag namespaces and keys, resource types), flattens nested groups of the same kind,
//! collapses one-member groups, and sorts and dedupes each group's members so that
//! equal rules lower to equal values (the engine shares work between them).
//! Values and OCIDs are kept exactly as written.

use crate::ast::{Ast, Expr, GroupKind, Op, Variable};

/// A normalised rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// One condition.
    Leaf(Leaf),
    /// Union; at least two members, none of them an `Any`, sorted, no duplicates.
    Any(Vec<Rule>),
    /// Intersection; at least two members, none of them an `All`, sorted, no duplicates.
    All(Vec<Rule>),
}

/// A condition, possibly negated (`!=`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Leaf {
    /// The positive test.
    pub test: Test,
    /// True for `!=`: the complement of `test` within [`Test::is_instance_only`]'s domain.
    pub negated: bool,
}

/// A positive test on one principal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Test {
    /// The principal is an instance with this OCID.
    InstanceId(String),
    /// The principal is an instance directly in this compartment.
    InstanceCompartment(String),
    /// The principal has this OCID.
    ResourceId(String),
    /// The principal is directly in this compartment.
    ResourceCompartment(String),
    /// The principal's resource type, ASCII lower-cased.
    ResourceType(String),
    /// The principal has the defined tag (any value).
    TagExists(TagKey),
    /// The principal has the defined tag with exactly this value.
    TagValue(TagKey, String),
}

/// A defined tag's namespace and key, both ASCII lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagKey {
    /// The namespace, lower-cased.
    pub namespace: String,
    /// The key, lower-cased.
    pub key: String,
}

impl TagKey {
    /// A key from names as written; folds their case.
    pub fn new(namespace: &str, key: &str) -> TagKey {
        TagKey {
            namespace: namespace.to_ascii_lowercase(),
            key: key.to_ascii_lowercase(),
        }
    }
}

impl Test {
    /// Whether the test (and so its negation's domain) is restricted to instances.
    pub fn is_instance_only(&self) -> bool {
        matches!(self, Test::InstanceId(_) | Test::InstanceCompartment(_))
    }
}

impl Rule {
    /// Lowers a syntax tree to the normalised rule.
    pub fn lower(ast: &Ast) -> Rule {
        lower_expr(&ast.root)
    }

    /// The normalised intersection of `rules` (as `ALL {…}` of them would lower to);
    /// `None` for no rules.
    pub fn all_of(rules: impl IntoIterator<Item = Rule>) -> Option<Rule> {
        normalised(GroupKind::All, rules)
    }

    /// The normalised union of `rules` (as `ANY {…}` of them would lower to); `None`
    /// for no rules.
    pub fn any_of(rules: impl IntoIterator<Item = Rule>) -> Option<Rule> {
        normalised(GroupKind::Any, rules)
    }

    /// Every leaf of the rule, in order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Rule::Leaf(leaf) => out.push(leaf),
            Rule::Any(items) | Rule::All(items) => items.iter().for_each(|r| r.collect_leaves(out)),
        }
    }
}

fn lower_expr(expr: &Expr) -> Rule {
    match expr {
        Expr::Condition(c) => {
            let value = c.comparison.as_ref().map(|cmp| cmp.value.clone());
            let test = match (&c.variable, value) {
                (Variable::InstanceId, Some(v)) => Test::InstanceId(v),
                (Variable::InstanceCompartmentId, Some(v)) => Test::InstanceCompartment(v),
                (Variable::ResourceId, Some(v)) => Test::ResourceId(v),
                (Variable::ResourceCompartmentId, Some(v)) => Test::ResourceCompartment(v),
                (Variable::ResourceType, Some(v)) => Test::ResourceType(v.to_ascii_lowercase()),
                (Variable::Tag { namespace, key }, Some(v)) => {
                    Test::TagValue(TagKey::new(namespace, key), v)
                }
                (Variable::Tag { namespace, key }, None) => {
                    Test::TagExists(TagKey::new(namespace, key))
                }
                // The parser only accepts a missing operator on tags; treat any other
                // hand-built tree as an exact match on the empty string.
                (_, None) => empty_match_fallback(&c.variable),
            };
            let negated = matches!(c.comparison.as_ref().map(|c| c.op), Some(Op::Ne));
            Rule::Leaf(Leaf { test, negated })
        }
        // The parser never gives an empty group; a hand-built one stays empty.
        Expr::Group(g) => {
            normalised(g.kind, g.items.iter().map(lower_expr)).unwrap_or(match g.kind {
                GroupKind::Any => Rule::Any(Vec::new()),
                GroupKind::All => Rule::All(Vec::new()),
            })
        }
    }
}

/// A group of `kind` over `items`, normalised: nested groups of the same kind
/// flattened, members sorted and deduplicated, one member standing alone; `None`
/// for no members.
fn normalised(kind: GroupKind, items: impl IntoIterator<Item = Rule>) -> Option<Rule> {
    let mut flat = Vec::new();
    for item in items {
        match (kind, item) {
            (GroupKind::Any, Rule::Any(inner)) | (GroupKind::All, Rule::All(inner)) => {
                flat.extend(inner)
            }
            (_, other) => flat.push(other),
        }
    }
    flat.sort();
    flat.dedup();
    if flat.len() <= 1 {
        return flat.pop();
    }
    Some(match kind {
        GroupKind::Any => Rule::Any(flat),
        GroupKind::All => Rule::All(flat),
    })
}

/// A tree built by hand (not by the parser) may hold a non-tag variable without a
/// comparison; it lowers to a test no principal passes rather than panicking.
fn empty_match_fallback(variable: &Variable) -> Test {
    match variable {
        Variable::InstanceId => Test::InstanceId(String::new()),
        Variable::InstanceCompartmentId => Test::InstanceCompartment(String::new()),
        Variable::ResourceId => Test::ResourceId(String::new()),
        Variable::ResourceCompartmentId => Test::ResourceCompartment(String::new()),
        Variable::ResourceType => Test::ResourceType(String::new()),
        Variable::Tag { namespace, key } => Test::TagExists(TagKey::new(namespace, key)),
    }
}
