//! The limits report: tenancies and principals over OCI's limits, invalid rules, and
//! rule references to things the inventory does not have.

use crate::ids::{GroupId, PrincipalId, TenancyId};
use crate::index::Index;
use crate::memberships::Memberships;
use crate::postings::{PostingList, TermRef};
use dyngroup_rules::{ParseError, Rule, Test};
use rayon::prelude::*;

/// The limits to check. The defaults are OCI's published ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most dynamic groups a tenancy may have (default 50).
    pub max_groups_per_tenancy: usize,
    /// Most dynamic groups a principal may be a member of (default 5).
    pub max_groups_per_principal: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_groups_per_tenancy: 50,
            max_groups_per_principal: 5,
        }
    }
}

/// A tenancy with more groups than allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenancyOverLimit {
    /// The tenancy.
    pub tenancy: TenancyId,
    /// Its OCID.
    pub tenancy_id: String,
    /// All its groups.
    pub groups: Vec<GroupId>,
}

/// A principal in more groups than allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalOverLimit {
    /// The principal.
    pub principal: PrincipalId,
    /// Its OCID.
    pub principal_id: String,
    /// All its groups.
    pub groups: Vec<GroupId>,
}

/// A group whose rule did not parse; it has no members (fail closed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidGroup {
    /// The group.
    pub group: GroupId,
    /// Why (render it over the rule text with [`ParseError::render`]).
    pub error: ParseError,
}

/// What kind of thing a rule names that the inventory lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferenceKind {
    /// A compartment no indexed principal is in.
    Compartment,
    /// An `instance.id` that is no indexed instance.
    InstanceId,
    /// A `resource.id` that is no indexed principal.
    ResourceId,
    /// A tag `namespace.key` (lower-cased) no principal carries.
    TagKey,
    /// A tag `namespace.key=value` (names lower-cased) no principal carries, though
    /// some carry the key.
    TagValue,
}

impl ReferenceKind {
    /// A short lower-case name (`compartment`, `instance-id`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Compartment => "compartment",
            ReferenceKind::InstanceId => "instance-id",
            ReferenceKind::ResourceId => "resource-id",
            ReferenceKind::TagKey => "tag-key",
            ReferenceKind::TagValue => "tag-value",
        }
    }
}

/// A rule naming something that no principal of the group's tenancy has (a stale OCID
/// is the most common rule bug; an OCID of another tenancy can never match either:
/// tenancy isolation). Checked against the indexed principals of the group's tenancy,
/// so a run split by tenancy (`--shard`) finds the same references.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnknownReference {
    /// The group whose rule names it.
    pub group: GroupId,
    /// What it is.
    pub kind: ReferenceKind,
    /// The OCID, `namespace.key` or `namespace.key=value`.
    pub value: String,
}

/// Every violation found by [`Index::limits_report`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitsReport {
    /// Tenancies with more groups than allowed, ascending.
    pub tenancies_over_limit: Vec<TenancyOverLimit>,
    /// Principals in more groups than allowed, ascending.
    pub principals_over_limit: Vec<PrincipalOverLimit>,
    /// Groups whose rule did not parse, ascending.
    pub invalid_groups: Vec<InvalidGroup>,
    /// Rule references to things the inventory lacks, by group.
    pub unknown_references: Vec<UnknownReference>,
}

impl LimitsReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.tenancies_over_limit.is_empty()
            && self.principals_over_limit.is_empty()
            && self.invalid_groups.is_empty()
            && self.unknown_references.is_empty()
    }
}

impl Index {
    /// Checks `memberships` (evaluated from this index) against `limits`, and lists
    /// invalid rules and unknown references. Batch computation reports violations; it
    /// never drops memberships because of them.
    pub fn limits_report(&self, memberships: &Memberships, limits: &Limits) -> LimitsReport {
        let tenancies_over_limit = (0..self.tenancy_count() as u32)
            .map(TenancyId)
            .filter(|&t| self.tenancy_groups(t).len() > limits.max_groups_per_tenancy)
            .map(|t| TenancyOverLimit {
                tenancy: t,
                tenancy_id: self.tenancy_ocid(t).to_owned(),
                groups: self.tenancy_groups(t).to_vec(),
            })
            .collect();
        let principals_over_limit = memberships
            .principal_groups()
            .par_iter()
            .enumerate()
            .filter(|(_, gs)| gs.len() > limits.max_groups_per_principal)
            .map(|(p, gs)| PrincipalOverLimit {
                principal: PrincipalId(p as u32),
                principal_id: self.principal_ocid(PrincipalId(p as u32)).to_owned(),
                groups: gs.to_vec(),
            })
            .collect();
        let invalid_groups = self
            .groups
            .iter()
            .enumerate()
            .filter_map(|(g, e)| {
                e.rule.as_ref().err().map(|error| InvalidGroup {
                    group: GroupId(g as u32),
                    error: error.clone(),
                })
            })
            .collect();
        LimitsReport {
            tenancies_over_limit,
            principals_over_limit,
            invalid_groups,
            unknown_references: self.unknown.clone(),
        }
    }
}

/// Every rule reference to a compartment, instance, resource or tag that no indexed
/// principal of the group's tenancy has, deduplicated per group. Resource types are not checked: a type with
/// no principal yet (no functions deployed) is normal, not a stale reference.
/// `rules` holds each group's lowered rule (`None` when it did not parse).
pub(crate) fn unknown_references(index: &Index, rules: &[Option<Rule>]) -> Vec<UnknownReference> {
    // Groups are independent: looked at in parallel, listed in group order.
    let per_group: Vec<Vec<UnknownReference>> = rules
        .par_iter()
        .enumerate()
        .map(|(g, rule)| match rule {
            Some(rule) => unknown_in(index, GroupId(g as u32), rule),
            None => Vec::new(),
        })
        .collect();
    per_group.concat()
}

/// One group's references to what its tenancy does not have, sorted, each once.
fn unknown_in(index: &Index, group: GroupId, rule: &Rule) -> Vec<UnknownReference> {
    let tenancy = index.group_tenancy(group);
    let absent = |test: &Test| !present_in(index, index.resolve(test), tenancy);
    let mut out = Vec::new();
    for leaf in rule.leaves() {
        let missing = match &leaf.test {
            Test::InstanceId(id) => match index.resolve(&leaf.test) {
                TermRef::One(p) if index.is_instance(p) && index.tenancy_of(p) == tenancy => None,
                _ => Some((ReferenceKind::InstanceId, id.clone())),
            },
            Test::ResourceId(id) => {
                absent(&leaf.test).then(|| (ReferenceKind::ResourceId, id.clone()))
            }
            Test::InstanceCompartment(c) | Test::ResourceCompartment(c) => {
                absent(&leaf.test).then(|| (ReferenceKind::Compartment, c.clone()))
            }
            Test::ResourceType(_) => None,
            Test::TagExists(k) => absent(&leaf.test)
                .then(|| (ReferenceKind::TagKey, format!("{}.{}", k.namespace, k.key))),
            Test::TagValue(k, v) => {
                let key = Test::TagExists(k.clone());
                if absent(&key) {
                    Some((ReferenceKind::TagKey, format!("{}.{}", k.namespace, k.key)))
                } else if absent(&leaf.test) {
                    Some((
                        ReferenceKind::TagValue,
                        format!("{}.{}={v}", k.namespace, k.key),
                    ))
                } else {
                    None
                }
            }
        };
        if let Some((kind, value)) = missing {
            out.push(UnknownReference { group, kind, value });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether some principal of tenancy `t` is in `term`.
fn present_in(index: &Index, term: TermRef, t: TenancyId) -> bool {
    let universe = index.tenancy_principals(t);
    match term {
        TermRef::Empty => false,
        TermRef::One(p) => index.tenancy_of(p) == t,
        TermRef::List(term) => match index.postings.list(term) {
            PostingList::One(p) => universe.contains(p),
            PostingList::Small(list) => list.iter().any(|&p| universe.contains(p)),
            PostingList::Large(list) => !list.is_disjoint(universe),
        },
    }
}
