//! The planner: each tenancy's normalised rules become one DAG of set operations
//! over postings, with identical sub-rules shared.
//!
//! It is the one planner of the crate: the batch index compiles every tenancy's rules
//! over its postings (terms are [`TermRef`]s), and the live engine compiles the one
//! rule that changed over its tenancy's postings (terms are the operands themselves);
//! [`eval`](crate::eval) evaluates both.
//!
//! Leaves never become nodes of their own inside a group: an `ALL` takes its
//! conditions' postings directly (positives to intersect, negatives to subtract) and
//! an `ANY` takes its positive conditions' postings directly (to union). Only a
//! negated condition under `ANY` (or a whole rule that is one condition) needs a node,
//! and that node is an `ALL` with a single member.

use crate::ids::GroupId;
use crate::index::Index;
use crate::postings::TermRef;
use dyngroup_rules::{Leaf, Rule, Test};
use hashbrown::HashMap;
use rayon::prelude::*;
use std::borrow::Cow;

/// A node of a tenancy's plan; its value is a bitmap of the tenancy's principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct NodeId(pub(crate) u32);

/// The set a node's members are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Every principal of the tenancy.
    Tenancy,
    /// The tenancy's instances (an `instance.*` condition is present).
    Instances,
}

/// One set operation over terms `T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node<T> {
    /// `domain ∩ pos… ∩ subs… − neg…`: intersect in ascending size, stop when empty,
    /// then and-not each negative. With no positives and no subs this is the domain
    /// minus the negatives, the only place a complement is formed.
    All {
        domain: Domain,
        pos: Vec<T>,
        neg: Vec<T>,
        subs: Vec<NodeId>,
    },
    /// `(pos… ∩ tenancy) ∪ (inst… ∩ instances) ∪ subs…`, one many-way union.
    Any {
        pos: Vec<T>,
        inst: Vec<T>,
        subs: Vec<NodeId>,
    },
}

/// The plan of one tenancy's groups: its nodes in dependency order, grouped by height
/// so that each level only reads lower levels (and can be evaluated in parallel).
#[derive(Clone, Debug)]
pub(crate) struct Plan<T> {
    pub(crate) nodes: Vec<Node<T>>,
    pub(crate) levels: Vec<Vec<NodeId>>,
    /// The root node of each group whose rule parsed; invalid groups have none.
    pub(crate) roots: Vec<(GroupId, NodeId)>,
}

/// Compiles every tenancy's groups; `rules` holds each group's lowered rule (`None`
/// when it did not parse). Plan `t` is tenancy `t`'s.
pub(crate) fn compile_all(index: &Index, rules: &[Option<Cow<'_, Rule>>]) -> Vec<Plan<TermRef>> {
    // Tenancies are independent: compile them in parallel (the result, in tenancy
    // order, is the sequential one).
    (0..index.tenancies.len() as u32)
        .into_par_iter()
        .map(|t| {
            let groups = &index.tenancies[t as usize].groups;
            let parsed = groups
                .iter()
                .filter_map(|&g| rules[g.index()].as_deref().map(|rule| (g, rule)));
            compile(parsed, |test| index.resolve(test))
        })
        .collect()
}

/// Compiles groups' rules into one shared DAG, each condition's posting given by
/// `resolve`.
pub(crate) fn compile<'a, T>(
    rules: impl IntoIterator<Item = (GroupId, &'a Rule)>,
    resolve: impl Fn(&Test) -> T,
) -> Plan<T> {
    let mut c = Compiler {
        resolve,
        memo: HashMap::new(),
        nodes: Vec::new(),
        heights: Vec::new(),
    };
    let mut roots = Vec::new();
    for (g, rule) in rules {
        roots.push((g, c.compile(rule)));
    }
    let mut levels: Vec<Vec<NodeId>> = Vec::new();
    for (i, &h) in c.heights.iter().enumerate() {
        let h = h as usize;
        if levels.len() <= h {
            levels.resize_with(h + 1, Vec::new);
        }
        levels[h].push(NodeId(i as u32));
    }
    // The plans outlive the build: give back what the vectors grew into and do not use.
    let mut nodes = c.nodes;
    for node in &mut nodes {
        match node {
            Node::All { pos, neg, subs, .. } => {
                pos.shrink_to_fit();
                neg.shrink_to_fit();
                subs.shrink_to_fit();
            }
            Node::Any { pos, inst, subs } => {
                pos.shrink_to_fit();
                inst.shrink_to_fit();
                subs.shrink_to_fit();
            }
        }
    }
    nodes.shrink_to_fit();
    levels.iter_mut().for_each(Vec::shrink_to_fit);
    levels.shrink_to_fit();
    roots.shrink_to_fit();
    Plan {
        nodes,
        levels,
        roots,
    }
}

struct Compiler<'a, T, R> {
    resolve: R,
    /// Normalised sub-rule → its node: equal sub-rules of the tenancy's groups are
    /// evaluated once (the IR sorts and dedupes, so equal meaning is often equal value).
    memo: HashMap<&'a Rule, NodeId>,
    nodes: Vec<Node<T>>,
    heights: Vec<u32>,
}

impl<'a, T, R: Fn(&Test) -> T> Compiler<'a, T, R> {
    fn compile(&mut self, rule: &'a Rule) -> NodeId {
        if let Some(&id) = self.memo.get(rule) {
            return id;
        }
        let node = match rule {
            Rule::Leaf(leaf) => {
                let mut node = Node::All {
                    domain: Domain::Tenancy,
                    pos: Vec::new(),
                    neg: Vec::new(),
                    subs: Vec::new(),
                };
                self.all_member_leaf(&mut node, leaf);
                node
            }
            Rule::All(items) => {
                let mut node = Node::All {
                    domain: Domain::Tenancy,
                    pos: Vec::new(),
                    neg: Vec::new(),
                    subs: Vec::new(),
                };
                for item in items {
                    match item {
                        Rule::Leaf(leaf) => self.all_member_leaf(&mut node, leaf),
                        other => {
                            let sub = self.compile(other);
                            if let Node::All { subs, .. } = &mut node {
                                subs.push(sub);
                            }
                        }
                    }
                }
                node
            }
            Rule::Any(items) => {
                let (mut pos, mut inst, mut subs) = (Vec::new(), Vec::new(), Vec::new());
                for item in items {
                    match item {
                        Rule::Leaf(leaf) if !leaf.negated => {
                            let term = (self.resolve)(&leaf.test);
                            if leaf.test.is_instance_only() {
                                inst.push(term);
                            } else {
                                pos.push(term);
                            }
                        }
                        // A negated leaf under ANY is a complement within its domain:
                        // a one-member ALL node (shared like any other sub-rule).
                        other => subs.push(self.compile(other)),
                    }
                }
                Node::Any { pos, inst, subs }
            }
        };
        let height = match &node {
            Node::All { subs, .. } | Node::Any { subs, .. } => subs
                .iter()
                .map(|s| self.heights[s.0 as usize] + 1)
                .max()
                .unwrap_or(0),
        };
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.heights.push(height);
        self.memo.insert(rule, id);
        id
    }

    /// Adds a condition to an `ALL` node: a positive posting to intersect or a
    /// negative one to subtract; an `instance.*` condition narrows the domain.
    fn all_member_leaf(&self, node: &mut Node<T>, leaf: &Leaf) {
        let Node::All {
            domain, pos, neg, ..
        } = node
        else {
            return;
        };
        if leaf.test.is_instance_only() {
            *domain = Domain::Instances;
        }
        let term = (self.resolve)(&leaf.test);
        if leaf.negated {
            neg.push(term);
        } else {
            pos.push(term);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{DynamicGroup, IndexBuilder, Principal};

    #[test]
    fn equal_sub_rules_of_a_tenancy_share_one_node() {
        let mut b = IndexBuilder::new();
        b.add_principal(&Principal {
            id: "ocid1.instance.oc1..a".into(),
            compartment_id: "ocid1.compartment.oc1..c".into(),
            tenancy_id: "t".into(),
            ..Principal::default()
        });
        let rules = [
            "ALL {resource.type = 'instance', ANY {tag.a.b.value, tag.c.d.value}}",
            "ALL {tag.e.f.value, ANY {tag.C.D.value, tag.a.b.value}}",
            "all {ANY {tag.c.d.value, tag.A.B.value}, RESOURCE.TYPE = 'Instance'}",
            "ANY {tag.c.d.value, tag.A.B.value}",
        ];
        for (i, rule) in rules.iter().enumerate() {
            b.add_group(DynamicGroup {
                name: format!("g{i}"),
                matching_rule: (*rule).into(),
                tenancy_id: "t".into(),
                ..DynamicGroup::default()
            })
            .unwrap();
        }
        let index = b.build();
        let plan = &index.plans[0];
        // The ANY once, the two distinct ALLs once each.
        assert_eq!(plan.nodes.len(), 3);
        assert_eq!(plan.levels.len(), 2);
        let roots: Vec<u32> = plan.roots.iter().map(|(_, n)| n.0).collect();
        assert_eq!(roots[0], roots[2], "equal rules, written differently");
        assert_eq!(
            roots[3], 0,
            "a group's whole rule can be another's sub-rule"
        );
    }
}
