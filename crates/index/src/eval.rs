//! Evaluating the plans: every group of every tenancy, sequentially or with rayon
//! (over tenancies, and over the nodes of one level within a large tenancy).
//!
//! Both paths run the same set operations on the same operands in the same order, so
//! their results are identical, not merely equal as sets.

use crate::ids::GroupId;
use crate::index::{Index, Tenancy};
use crate::memberships::Memberships;
use crate::plan::{Domain, Node, NodeId, TenancyPlan};
use crate::postings::{PostingList, TermRef};
use rayon::prelude::*;
use roaring::{MultiOps, RoaringBitmap};
use smallvec::SmallVec;

/// How to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvalOptions {
    /// Use rayon (the global pool) over tenancies and within large tenancies.
    pub parallel: bool,
    /// A tenancy with at least this many principals (and more than one plan node)
    /// also evaluates the nodes of each plan level in parallel. Small tenancies stay
    /// on one thread: their nodes take microseconds, less than a task hand-off.
    pub split_tenancy_at: u64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions::parallel()
    }
}

impl EvalOptions {
    /// One thread.
    pub fn sequential() -> EvalOptions {
        EvalOptions {
            parallel: false,
            split_tenancy_at: u64::MAX,
        }
    }

    /// Rayon over tenancies, and within tenancies of at least 65 536 principals.
    pub fn parallel() -> EvalOptions {
        EvalOptions {
            parallel: true,
            split_tenancy_at: 1 << 16,
        }
    }
}

impl Index {
    /// Every group's members and every principal's groups, in parallel.
    pub fn evaluate(&self) -> Memberships {
        self.evaluate_with(&EvalOptions::parallel())
    }

    /// Every group's members and every principal's groups, on the calling thread.
    pub fn evaluate_sequential(&self) -> Memberships {
        self.evaluate_with(&EvalOptions::sequential())
    }

    /// Every group's members and every principal's groups.
    pub fn evaluate_with(&self, options: &EvalOptions) -> Memberships {
        let groups = self.evaluate_groups(options);
        Memberships::from_group_bitmaps(self, groups, options.parallel)
    }

    /// Every group's members (indexed by [`GroupId`]), without the reverse map.
    pub fn evaluate_groups(&self, options: &EvalOptions) -> Vec<RoaringBitmap> {
        let run = |plan: &TenancyPlan| {
            let t = &self.tenancies[plan.tenancy.index()];
            let split = options.parallel
                && t.universe.len() >= options.split_tenancy_at
                && plan.nodes.len() > 1;
            evaluate_tenancy(self, plan, split)
        };
        let per_tenancy: Vec<Vec<(GroupId, RoaringBitmap)>> = if options.parallel {
            self.plans.par_iter().map(run).collect()
        } else {
            self.plans.iter().map(run).collect()
        };
        let mut out = vec![RoaringBitmap::new(); self.groups.len()];
        for (g, members) in per_tenancy.into_iter().flatten() {
            out[g.index()] = members;
        }
        out
    }
}

fn domain_of(t: &Tenancy, domain: Domain) -> &RoaringBitmap {
    match domain {
        Domain::Tenancy => &t.universe,
        Domain::Instances => &t.instances,
    }
}

/// Evaluates one tenancy's plan level by level; returns each valid group's members.
fn evaluate_tenancy(
    index: &Index,
    plan: &TenancyPlan,
    split: bool,
) -> Vec<(GroupId, RoaringBitmap)> {
    let t = &index.tenancies[plan.tenancy.index()];
    let mut values: Vec<RoaringBitmap> = vec![RoaringBitmap::new(); plan.nodes.len()];
    for level in &plan.levels {
        let eval = |&n: &NodeId| evaluate_node(index, t, &plan.nodes[n.0 as usize], &values);
        let results: Vec<RoaringBitmap> = if split {
            level.par_iter().map(eval).collect()
        } else {
            level.iter().map(eval).collect()
        };
        for (&n, value) in level.iter().zip(results) {
            values[n.0 as usize] = value;
        }
    }
    // Several groups may share a root; move it out on its last use, clone before.
    let mut uses = vec![0u32; plan.nodes.len()];
    for &(_, root) in &plan.roots {
        uses[root.0 as usize] += 1;
    }
    plan.roots
        .iter()
        .map(|&(g, root)| {
            let r = root.0 as usize;
            uses[r] -= 1;
            let members = if uses[r] == 0 {
                std::mem::take(&mut values[r])
            } else {
                values[r].clone()
            };
            debug_assert!(members.is_subset(&t.universe), "tenancy isolation");
            (g, members)
        })
        .collect()
}

/// A posting as an operand of set operations.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Empty,
    One(u32),
    /// A short posting list: ascending ordinals.
    Slice(&'a [u32]),
    Bitmap(&'a RoaringBitmap),
}

fn operand(index: &Index, term: TermRef) -> Operand<'_> {
    match term {
        TermRef::Empty => Operand::Empty,
        TermRef::One(p) => Operand::One(p.0),
        TermRef::List(t) => match index.postings.list(t) {
            PostingList::One(p) => Operand::One(p),
            PostingList::Small(s) => Operand::Slice(s),
            PostingList::Large(b) => Operand::Bitmap(b),
        },
    }
}

fn evaluate_node(
    index: &Index,
    t: &Tenancy,
    node: &Node,
    values: &[RoaringBitmap],
) -> RoaringBitmap {
    match node {
        Node::All {
            domain,
            pos,
            neg,
            subs,
        } => {
            let mut ones: SmallVec<[u32; 2]> = SmallVec::new();
            let mut slices: SmallVec<[&[u32]; 4]> = SmallVec::new();
            let mut bitmaps: SmallVec<[&RoaringBitmap; 8]> = SmallVec::new();
            bitmaps.push(domain_of(t, *domain));
            for &term in pos {
                match operand(index, term) {
                    Operand::Empty => return RoaringBitmap::new(),
                    Operand::One(p) => ones.push(p),
                    Operand::Slice(s) => slices.push(s),
                    Operand::Bitmap(b) => bitmaps.push(b),
                }
            }
            bitmaps.extend(subs.iter().map(|s| &values[s.0 as usize]));
            let mut acc = if let Some(&p) = ones.first() {
                // An id condition leaves at most one candidate: test it against the rest.
                let keep = ones.iter().all(|&q| q == p)
                    && slices.iter().all(|s| s.binary_search(&p).is_ok())
                    && bitmaps.iter().all(|b| b.contains(p));
                if keep {
                    RoaringBitmap::from_iter([p])
                } else {
                    RoaringBitmap::new()
                }
            } else if !slices.is_empty() {
                // A short list bounds the result: keep those of its ordinals that every
                // other operand holds, testing the smallest operands first.
                slices.sort_by_key(|s| s.len());
                bitmaps.sort_by_key(|b| b.len());
                let (shortest, others) = slices.split_first().expect("not empty");
                let kept = shortest.iter().copied().filter(|&p| {
                    others.iter().all(|s| s.binary_search(&p).is_ok())
                        && bitmaps.iter().all(|b| b.contains(p))
                });
                RoaringBitmap::from_sorted_iter(kept).expect("posting lists ascend")
            } else {
                intersect_smallest_first(&mut bitmaps)
            };
            // And-not one negative at a time rather than subtracting their union: each
            // step costs in proportion to `acc` (at most the tenancy), whereas a union
            // of global postings costs in proportion to every tenancy's principals.
            for &term in neg {
                if acc.is_empty() {
                    break;
                }
                match operand(index, term) {
                    Operand::Empty => {}
                    Operand::One(p) => {
                        acc.remove(p);
                    }
                    Operand::Slice(s) => {
                        for &p in s {
                            acc.remove(p);
                        }
                    }
                    Operand::Bitmap(b) => acc -= b,
                }
            }
            acc
        }
        Node::Any { pos, inst, subs } => {
            let mut parts: SmallVec<[RoaringBitmap; 8]> = SmallVec::new();
            // The ordinals of ids and short lists, gathered into one bitmap.
            let mut loose: SmallVec<[u32; 16]> = SmallVec::new();
            let restricted = pos
                .iter()
                .map(|&x| (x, &t.universe))
                .chain(inst.iter().map(|&x| (x, &t.instances)));
            for (term, domain) in restricted {
                // Postings are global; cutting each down to the tenancy first keeps the
                // union as small as the tenancy (roaring skips other tenancies'
                // containers without touching them).
                match operand(index, term) {
                    Operand::Empty => {}
                    Operand::One(p) => {
                        if domain.contains(p) {
                            loose.push(p);
                        }
                    }
                    Operand::Slice(s) => {
                        loose.extend(s.iter().copied().filter(|&p| domain.contains(p)))
                    }
                    Operand::Bitmap(b) => parts.push(b & domain),
                }
            }
            if !loose.is_empty() {
                loose.sort_unstable();
                loose.dedup();
                parts
                    .push(RoaringBitmap::from_sorted_iter(loose).expect("sorted and deduplicated"));
            }
            parts
                .iter()
                .chain(subs.iter().map(|s| &values[s.0 as usize]))
                .union()
        }
    }
}

/// Intersects bitmaps in ascending `len()` order (MultiOps orders by container count,
/// which says little about cardinality), stopping as soon as the result is empty.
fn intersect_smallest_first(bitmaps: &mut [&RoaringBitmap]) -> RoaringBitmap {
    bitmaps.sort_by_key(|b| b.len());
    let mut acc = match bitmaps {
        [] => return RoaringBitmap::new(),
        [only] => (*only).clone(),
        [a, b, ..] => *a & *b,
    };
    for b in bitmaps.iter().skip(2) {
        if acc.is_empty() {
            break;
        }
        acc &= *b;
    }
    acc
}
