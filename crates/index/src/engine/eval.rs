//! The engine's two ways of evaluating a normalised [`Rule`]:
//!
//! - on **one principal's attributes**, for a principal change: the crate's one
//!   per-principal evaluator (`holds`), asked about a [`PrincipalView`] whose tests
//!   are the string comparisons below (at most the tenancy's 50 rules cost less than
//!   touching their postings would: no bitmap is read, none is built);
//! - as **bitmaps over a tenancy's postings** ([`members`]), for a rule change:
//!   intersections smallest first, `!=` as and-not, ANY as a union, the same shape as
//!   the index's planner (without its cross-group sharing: one rule at a time).
//!
//! Both follow DESIGN.md §2: `instance.*` tests hold only for instances, `!=` is the
//! complement within the variable's domain.

use super::atoms::{Atom, AtomTable};
use super::state::{Loc, PrincipalView};
use super::tenancy::{TenancyIndex, TermKey};
use crate::holds::Attributes;
use dyngroup_rules::{Leaf, Rule, Test};
use hashbrown::HashMap;
use roaring::{MultiOps, RoaringBitmap};
use std::borrow::Cow;

impl Attributes for PrincipalView {
    fn is_instance(&self) -> bool {
        self.instance
    }

    fn passes(&self, test: &Test) -> bool {
        match test {
            Test::InstanceId(id) | Test::ResourceId(id) => *self.id == **id,
            Test::InstanceCompartment(c) | Test::ResourceCompartment(c) => *self.compartment == **c,
            // Lowering folded the rule's side, interning folded the principal's.
            Test::ResourceType(t) => *self.resource_type == **t,
            Test::TagExists(k) => self
                .tags
                .iter()
                .any(|t| *t.namespace == *k.namespace && *t.key == *k.key),
            Test::TagValue(k, v) => self
                .tags
                .iter()
                .any(|t| *t.namespace == *k.namespace && *t.key == *k.key && *t.value == **v),
        }
    }
}

/// What a bitmap evaluation reads: one tenancy's postings, and where principals are
/// (for id conditions).
pub(crate) struct Postings<'a> {
    pub(crate) tenancy: &'a Atom,
    pub(crate) index: &'a TenancyIndex,
    pub(crate) atoms: &'a AtomTable,
    pub(crate) principals: &'a HashMap<Atom, Loc>,
}

/// The members of `rule` in the tenancy: principal ordinals.
pub(crate) fn members(rule: &Rule, ctx: &Postings<'_>) -> RoaringBitmap {
    match rule {
        Rule::Leaf(leaf) => all(&[leaf], &[], ctx),
        Rule::All(items) => {
            let (mut leaves, mut subs) = (Vec::new(), Vec::new());
            for item in items {
                match item {
                    Rule::Leaf(l) => leaves.push(l),
                    other => subs.push(other),
                }
            }
            all(&leaves, &subs, ctx)
        }
        Rule::Any(items) => {
            let parts: Vec<Cow<'_, RoaringBitmap>> = items
                .iter()
                .map(|item| match item {
                    Rule::Leaf(leaf) if !leaf.negated => {
                        let list = posting(&leaf.test, ctx);
                        if leaf.test.is_instance_only() {
                            Cow::Owned(&*list & &ctx.index.instances)
                        } else {
                            list
                        }
                    }
                    other => Cow::Owned(members(other, ctx)),
                })
                .collect();
            parts.iter().map(|c| &**c).union()
        }
    }
}

/// `domain ∩ positives ∩ sub-rules − negatives`, intersecting smallest first; the
/// domain is the instances when any condition is an `instance.*` one.
fn all(leaves: &[&Leaf], subs: &[&Rule], ctx: &Postings<'_>) -> RoaringBitmap {
    let domain = if leaves.iter().any(|l| l.test.is_instance_only()) {
        &ctx.index.instances
    } else {
        &ctx.index.universe
    };
    let mut operands: Vec<Cow<'_, RoaringBitmap>> = vec![Cow::Borrowed(domain)];
    let mut negatives = Vec::new();
    for leaf in leaves {
        let list = posting(&leaf.test, ctx);
        if leaf.negated {
            negatives.push(list);
        } else {
            operands.push(list);
        }
    }
    operands.extend(subs.iter().map(|r| Cow::Owned(members(r, ctx))));
    operands.sort_by_key(|b| b.len());
    let mut acc = operands[0].clone().into_owned();
    for b in &operands[1..] {
        if acc.is_empty() {
            break;
        }
        acc &= &**b;
    }
    for n in &negatives {
        if acc.is_empty() {
            break;
        }
        acc -= &**n;
    }
    acc
}

/// The tenancy's principals passing a positive test (instance restriction aside).
fn posting<'a>(test: &Test, ctx: &Postings<'a>) -> Cow<'a, RoaringBitmap> {
    let atom = |s: &str| ctx.atoms.get(s).cloned();
    let key = match test {
        Test::InstanceId(id) | Test::ResourceId(id) => {
            return Cow::Owned(match ctx.principals.get(id.as_str()) {
                Some(loc) if loc.tenancy == *ctx.tenancy => RoaringBitmap::from_iter([loc.ordinal]),
                _ => RoaringBitmap::new(),
            });
        }
        Test::InstanceCompartment(c) | Test::ResourceCompartment(c) => {
            atom(c).map(TermKey::Compartment)
        }
        Test::ResourceType(t) => atom(t).map(TermKey::Type),
        Test::TagExists(k) => atom(&k.namespace)
            .zip(atom(&k.key))
            .map(|(n, k)| TermKey::TagKey(n, k)),
        Test::TagValue(k, v) => atom(&k.namespace)
            .zip(atom(&k.key))
            .zip(atom(v))
            .map(|((n, k), v)| TermKey::TagValue(n, k, v)),
    };
    match key.and_then(|k| ctx.index.posting(&k)) {
        Some(list) => Cow::Borrowed(list),
        None => Cow::Owned(RoaringBitmap::new()),
    }
}
