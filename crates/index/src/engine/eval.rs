//! The engine's two ways of evaluating a normalised [`Rule`]:
//!
//! - on **one principal's attributes**, for a principal change: the crate's one
//!   per-principal evaluator (`holds`), asked about a [`PrincipalView`] whose tests
//!   are the string comparisons below (at most the tenancy's 50 rules cost less than
//!   touching their postings would: no bitmap is read, none is built);
//! - as **bitmaps over a tenancy's postings** ([`members`]), for a rule change: the
//!   crate's one planner and bitmap evaluator (`plan`, `eval`), over this tenancy's
//!   postings instead of the index's.
//!
//! Both follow docs/semantics.md §2: `instance.*` tests hold only for instances, `!=` is the
//! complement within the variable's domain.

use super::atoms::{Atom, AtomTable};
use super::state::{PrincipalView, State};
use super::tenancy::{TenancyIndex, TermKey};
use crate::eval::{Operand, Source, evaluate_plan};
use crate::holds::Attributes;
use crate::ids::GroupId;
use crate::plan;
use dyngroup_rules::{Rule, Test};
use roaring::RoaringBitmap;

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
    pub(crate) state: &'a State,
}

/// The members of `rule` in the tenancy: principal ordinals. The rule is compiled by
/// the crate's one planner and evaluated by its one bitmap evaluator, over this
/// tenancy's postings.
pub(crate) fn members(rule: &Rule, ctx: &Postings<'_>) -> RoaringBitmap {
    let plan = plan::compile([(GroupId(0), rule)], |test| operand(test, ctx));
    let mut values = evaluate_plan(ctx, &plan, false);
    values.pop().map(|(_, members)| members).unwrap_or_default()
}

impl<'a> Source for Postings<'a> {
    /// Conditions resolve to the tenancy's posting lists themselves.
    type Term = Operand<'a>;

    fn operand(&self, term: Operand<'a>) -> Operand<'_> {
        term
    }

    fn universe(&self) -> &RoaringBitmap {
        &self.index.universe
    }

    fn instances(&self) -> &RoaringBitmap {
        &self.index.instances
    }
}

/// The tenancy's principals passing a positive test (instance restriction aside).
fn operand<'a>(test: &Test, ctx: &Postings<'a>) -> Operand<'a> {
    let atom = |s: &str| ctx.atoms.get(s).cloned();
    let key = match test {
        Test::InstanceId(id) | Test::ResourceId(id) => {
            return match ctx.state.locate(id) {
                Some(loc) if loc.tenancy == *ctx.tenancy => Operand::One(loc.ordinal),
                _ => Operand::Empty,
            };
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
    key.and_then(|k| ctx.index.posting(&k))
        .unwrap_or(Operand::Empty)
}
