//! The reference evaluator: a deliberately simple oracle that walks every
//! (principal, statement) pair. It shares the parser, the compiled statements, the
//! condition logic and [`bearing`] with the bitmap path, but not how subjects become
//! principals (it matches each group's rule on each principal with the index's own
//! reference matcher), how inheritance is decided (it walks parent links) or how the
//! decision is combined (booleans, not bitmaps).

use dyngroup_index::reference::{in_domain_scope, matches};
use dyngroup_index::{DynamicGroup, Principal};
use dyngroup_rules::{Ast, parse};

use crate::compile::{PolicySet, SubjectGroup, Subjects};
use crate::condition::{Facts, Truth, evaluate};
use crate::decision::{Bearing, Decision, Request, bearing};
use crate::tree::{CompartmentId, CompartmentTree};

/// The inputs of the oracle, with every group's rule parsed once.
#[derive(Debug)]
pub struct Reference<'a> {
    principals: &'a [Principal],
    groups: &'a [DynamicGroup],
    rules: Vec<Option<Ast>>,
    /// Per grant, the groups its subject names (by a plain scan over the groups).
    named: Vec<Vec<usize>>,
    /// The grants of each tenancy (by the root's OCID), ascending.
    by_tenancy: std::collections::HashMap<String, Vec<usize>>,
    tree: &'a CompartmentTree,
    set: &'a PolicySet,
}

impl<'a> Reference<'a> {
    /// The oracle over these inputs.
    pub fn new(
        principals: &'a [Principal],
        groups: &'a [DynamicGroup],
        tree: &'a CompartmentTree,
        set: &'a PolicySet,
    ) -> Reference<'a> {
        let rules = groups
            .iter()
            .map(|g| parse(&g.matching_rule).ok().map(|p| p.ast))
            .collect();
        let mut groups_of: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (g, group) in groups.iter().enumerate() {
            groups_of
                .entry(group.tenancy_id.as_str())
                .or_default()
                .push(g);
        }
        let named = set
            .grants()
            .iter()
            .map(|grant| {
                let tenancy = tree.ocid(grant.tenancy);
                let Subjects::DynamicGroups(refs) = &grant.subjects else {
                    return Vec::new();
                };
                let candidates = groups_of.get(tenancy).map_or(&[][..], Vec::as_slice);
                candidates
                    .iter()
                    .copied()
                    .filter(|&g| {
                        let group = &groups[g];
                        group.tenancy_id == tenancy
                            && refs.iter().any(|r| match r {
                                SubjectGroup::Name(name, _) => {
                                    group.name.eq_ignore_ascii_case(name)
                                }
                                SubjectGroup::Id(ocid, _) => group.id == *ocid,
                            })
                    })
                    .collect()
            })
            .collect();
        let mut by_tenancy: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, grant) in set.grants().iter().enumerate() {
            by_tenancy
                .entry(tree.ocid(grant.tenancy).to_owned())
                .or_default()
                .push(i);
        }
        Reference {
            principals,
            groups,
            rules,
            named,
            by_tenancy,
            tree,
            set,
        }
    }

    fn member(&self, p: &Principal, g: usize) -> bool {
        let group = &self.groups[g];
        self.rules[g]
            .as_ref()
            .is_some_and(|ast| matches(p, &group.tenancy_id, ast) && in_domain_scope(p, group))
    }

    fn in_subject(&self, p: &Principal, grant: usize, tenancy: &str) -> bool {
        if p.tenancy_id != tenancy {
            return false;
        }
        match &self.set.grants()[grant].subjects {
            Subjects::Everyone => true,
            Subjects::DynamicGroups(_) => self.named[grant].iter().any(|&g| self.member(p, g)),
        }
    }

    fn grants_of(&self, tenancy: &str) -> &[usize] {
        self.by_tenancy.get(tenancy).map_or(&[], Vec::as_slice)
    }

    fn within(&self, ancestor: CompartmentId, c: CompartmentId) -> bool {
        let mut at = Some(c);
        while let Some(n) = at {
            if n == ancestor {
                return true;
            }
            at = self.tree.parent(n);
        }
        false
    }

    /// The decision for principal `p` (an index into the principals).
    pub fn decide(&self, p: usize, request: &Request) -> Decision {
        let principal = &self.principals[p];
        if !principal.is_indexed() {
            return Decision::Denied;
        }
        let target = request.compartment;
        let tenancy = self.tree.ocid(self.tree.root(target));
        let resource_type = principal.resource_type();
        let facts = Facts {
            principal_id: &principal.id,
            principal_type: &resource_type,
            principal_compartment: &principal.compartment_id,
            target: Some((self.tree.ocid(target), self.tree.name(target))),
        };
        let (mut allow, mut allow_maybe, mut deny, mut deny_maybe) = (false, false, false, false);
        for &i in self.grants_of(&principal.tenancy_id) {
            let grant = &self.set.grants()[i];
            if self.tree.ocid(grant.tenancy) != tenancy
                || !self.within(grant.location, target)
                || !self.in_subject(principal, i, tenancy)
            {
                continue;
            }
            let truth = grant
                .condition
                .as_ref()
                .map_or(Truth::True, |c| evaluate(c, &facts));
            match (bearing(grant, request), truth) {
                (_, Truth::False) | (Bearing::Irrelevant, _) => {}
                (Bearing::Allows, Truth::True) => allow = true,
                (Bearing::Allows, Truth::Unknown) => allow_maybe = true,
                (Bearing::Denies, Truth::True) => deny = true,
                (Bearing::Denies | Bearing::MayDeny, _) => deny_maybe = true,
            }
        }
        if deny || !(allow || allow_maybe) {
            Decision::Denied
        } else if allow && !deny_maybe {
            Decision::Allowed
        } else {
            Decision::Conditional
        }
    }

    /// The statements whose subject includes principal `p` and whose condition is not
    /// false for it (targets unknown), with that truth, ascending.
    pub fn effective_grants(&self, p: usize) -> Vec<(u32, Truth)> {
        let principal = &self.principals[p];
        if !principal.is_indexed() {
            return Vec::new();
        }
        let resource_type = principal.resource_type();
        let facts = Facts {
            principal_id: &principal.id,
            principal_type: &resource_type,
            principal_compartment: &principal.compartment_id,
            target: None,
        };
        let mut out = Vec::new();
        for &i in self.grants_of(&principal.tenancy_id) {
            let grant = &self.set.grants()[i];
            if !self.in_subject(principal, i, self.tree.ocid(grant.tenancy)) {
                continue;
            }
            let truth = grant
                .condition
                .as_ref()
                .map_or(Truth::True, |c| evaluate(c, &facts));
            if truth != Truth::False {
                out.push((i as u32, truth));
            }
        }
        out
    }

    /// Every principal allowed or conditional, as (index, decision), in input order.
    pub fn who_can(&self, request: &Request) -> Vec<(usize, Decision)> {
        (0..self.principals.len())
            .map(|p| (p, self.decide(p, request)))
            .filter(|(_, d)| *d != Decision::Denied)
            .collect()
    }
}
