//! The immutable index: interned strings, principal records, tenancies, postings,
//! groups and their compiled plans.

use crate::groups::{GroupEntry, GroupNames, lower_rule, scoped_rule};
use crate::ids::{GroupId, PrincipalId, TenancyId};
use crate::intern::{Interner, Sym};
use crate::limits::UnknownReference;
use crate::model::DynamicGroup;
use crate::plan::Plan;
use crate::postings::{Postings, TermKey, TermRef};
use crate::records::Records;
use dyngroup_rules::{Ast, Diagnostic, ParseError, ParseOptions, Rule, Test, parse_with};
use rayon::prelude::*;
use roaring::RoaringBitmap;
use std::borrow::Cow;
use std::ops::Range;

/// A tenancy: its contiguous range of ordinals, its universes, its groups.
#[derive(Clone, Debug)]
pub(crate) struct Tenancy {
    pub(crate) sym: Sym,
    pub(crate) range: Range<u32>,
    /// Every indexed principal of the tenancy (`range` as a bitmap: one run).
    pub(crate) universe: RoaringBitmap,
    /// The tenancy's instances: the domain of `instance.*` conditions.
    pub(crate) instances: RoaringBitmap,
    /// Its groups, ascending.
    pub(crate) groups: Vec<GroupId>,
}

/// A principal as the index holds it, with borrowed strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrincipalRef<'a> {
    /// Its ordinal.
    pub ordinal: PrincipalId,
    /// Its OCID.
    pub id: &'a str,
    /// The compartment that directly holds it.
    pub compartment_id: &'a str,
    /// Its tenancy.
    pub tenancy_id: &'a str,
    /// Its resource type, ASCII lower-cased.
    pub resource_type: &'a str,
}

/// Sizes of an index, for progress lines and benches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Indexed principals.
    pub principals: usize,
    /// Tenancies (with principals or groups).
    pub tenancies: usize,
    /// Groups, valid or not.
    pub groups: usize,
    /// Groups whose rule did not parse.
    pub invalid_groups: usize,
    /// Distinct interned strings.
    pub strings: usize,
    /// Bytes of interned string data.
    pub string_bytes: usize,
    /// Posting lists.
    pub terms: usize,
    /// Bytes of the posting lists in the portable roaring format.
    pub posting_bytes: usize,
}

/// The membership index, built by [`IndexBuilder`](crate::IndexBuilder). Immutable.
///
/// Evaluate it with [`Index::evaluate`] (or [`Index::evaluate_sequential`],
/// [`Index::evaluate_with`]), explain one membership with [`Index::explain`], check
/// limits with [`Index::limits_report`].
#[derive(Clone, Debug)]
pub struct Index {
    pub(crate) strings: Interner,
    /// The principals' strings; the tenancy is the one whose range of ordinals holds
    /// the principal.
    pub(crate) principals: Records,
    pub(crate) tenancies: Vec<Tenancy>,
    /// The tenancies with principals, ascending (so are their ranges of ordinals).
    pub(crate) populated: Vec<TenancyId>,
    pub(crate) postings: Postings,
    /// Every ordinal, sorted by the principal's OCID symbol: the OCID → ordinal map
    /// (4 bytes a principal, searched through `principals`).
    pub(crate) by_id: Vec<PrincipalId>,
    pub(crate) groups: Vec<GroupEntry>,
    pub(crate) group_names: GroupNames,
    /// Tenancy `t`'s plan at `t`.
    pub(crate) plans: Vec<Plan<TermRef>>,
    pub(crate) unknown: Vec<UnknownReference>,
    pub(crate) instance_type: Option<Sym>,
    /// How the rules were parsed (to parse one again for its tree).
    pub(crate) parse_options: ParseOptions,
}

impl Index {
    /// How many principals are indexed (terminated ones and superseded duplicates
    /// are not).
    pub fn principal_count(&self) -> usize {
        self.principals.len()
    }

    /// The ordinal of the principal with this OCID, if indexed.
    pub fn principal_id(&self, ocid: &str) -> Option<PrincipalId> {
        self.principal_by_sym(self.strings.get(ocid)?)
    }

    /// The ordinal of the principal whose OCID is the interned string `id`.
    pub(crate) fn principal_by_sym(&self, id: Sym) -> Option<PrincipalId> {
        let i = self
            .by_id
            .binary_search_by_key(&id, |&p| self.principals.id(p))
            .ok()?;
        Some(self.by_id[i])
    }

    /// A principal's data. Panics if `p` is not an ordinal of this index.
    pub fn principal(&self, p: PrincipalId) -> PrincipalRef<'_> {
        let r = self.principals.get(p);
        PrincipalRef {
            ordinal: p,
            id: self.strings.resolve(r.id),
            compartment_id: self.strings.resolve(r.compartment),
            tenancy_id: self.tenancy_ocid(self.tenancy_of(p)),
            resource_type: self.strings.resolve(r.resource_type),
        }
    }

    /// A principal's OCID. Panics if `p` is not an ordinal of this index.
    pub fn principal_ocid(&self, p: PrincipalId) -> &str {
        self.strings.resolve(self.principals.id(p))
    }

    /// The tenancy of a principal.
    /// Panics if `p` is not an ordinal of this index.
    pub fn tenancy_of(&self, p: PrincipalId) -> TenancyId {
        assert!(p.index() < self.principals.len(), "{p:?} is not indexed");
        // The last populated tenancy whose range starts at or before `p`.
        let i = self
            .populated
            .partition_point(|t| self.tenancies[t.index()].range.start <= p.0);
        self.populated[i - 1]
    }

    /// Whether a principal is an instance.
    pub fn is_instance(&self, p: PrincipalId) -> bool {
        Some(self.principals.resource_type(p)) == self.instance_type
    }

    /// How many tenancies the index knows (from principals or groups).
    pub fn tenancy_count(&self) -> usize {
        self.tenancies.len()
    }

    /// The ordinal of a tenancy.
    pub fn tenancy_id(&self, ocid: &str) -> Option<TenancyId> {
        let sym = self.strings.get(ocid)?;
        let i = self.tenancies.binary_search_by_key(&sym, |t| t.sym).ok()?;
        Some(TenancyId(i as u32))
    }

    /// A tenancy's OCID.
    pub fn tenancy_ocid(&self, t: TenancyId) -> &str {
        self.strings.resolve(self.tenancies[t.index()].sym)
    }

    /// Every indexed principal of a tenancy (a contiguous range of ordinals).
    pub fn tenancy_principals(&self, t: TenancyId) -> &RoaringBitmap {
        &self.tenancies[t.index()].universe
    }

    /// The instances of a tenancy.
    pub fn tenancy_instances(&self, t: TenancyId) -> &RoaringBitmap {
        &self.tenancies[t.index()].instances
    }

    /// The groups of a tenancy, ascending.
    pub fn tenancy_groups(&self, t: TenancyId) -> &[GroupId] {
        &self.tenancies[t.index()].groups
    }

    /// How many groups the index holds.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Every group id, ascending.
    pub fn group_ids(&self) -> impl ExactSizeIterator<Item = GroupId> + '_ {
        (0..self.groups.len() as u32).map(GroupId)
    }

    /// A group's definition. Panics if `g` is not a group of this index.
    pub fn group(&self, g: GroupId) -> &DynamicGroup {
        &self.groups[g.index()].def
    }

    /// The tenancy of a group.
    pub fn group_tenancy(&self, g: GroupId) -> TenancyId {
        self.groups[g.index()].tenancy
    }

    /// The group of a tenancy with this name, compared ASCII case-insensitively.
    pub fn group_id(&self, tenancy_ocid: &str, name: &str) -> Option<GroupId> {
        let tenancy = self.strings.get(tenancy_ocid)?;
        self.group_names.get(&self.groups, tenancy, name)
    }

    /// A group's normalised rule, or why its rule text did not parse. The index does
    /// not keep lowered rules once their plans are compiled (they repeat every string
    /// of the rule): this parses and lowers the rule text again.
    pub fn group_rule(&self, g: GroupId) -> Result<Rule, ParseError> {
        let entry = &self.groups[g.index()];
        if let Err(e) = &entry.rule {
            return Err(e.clone());
        }
        lower_rule(&entry.def.matching_rule, &self.parse_options).map(|(rule, _)| rule)
    }

    /// A group's syntax tree, if its rule parsed. The index does not keep trees (they
    /// are several times the size of the rule text): this parses the rule again.
    pub fn group_ast(&self, g: GroupId) -> Option<Ast> {
        let entry = &self.groups[g.index()];
        entry.rule.as_ref().ok()?;
        parse_with(&entry.def.matching_rule, &self.parse_options)
            .ok()
            .map(|parsed| parsed.ast)
    }

    /// Warnings about legacy forms in a group's rule.
    pub fn group_warnings(&self, g: GroupId) -> &[Diagnostic] {
        match &self.groups[g.index()].rule {
            Ok(warnings) => warnings,
            Err(_) => &[],
        }
    }

    /// Sizes, for progress lines and benches.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            principals: self.principals.len(),
            tenancies: self.tenancies.len(),
            groups: self.groups.len(),
            invalid_groups: self.groups.iter().filter(|g| g.rule.is_err()).count(),
            strings: self.strings.len(),
            string_bytes: self.strings.bytes(),
            terms: self.postings.len(),
            posting_bytes: self.postings.serialized_bytes(),
        }
    }

    /// The posting a positive test resolves to. Unknown names resolve to
    /// [`TermRef::Empty`]; rule strings are looked up, never interned, so rules do not
    /// grow the index.
    pub(crate) fn resolve(&self, test: &Test) -> TermRef {
        let s = &self.strings;
        let list = |key: Option<TermKey>| match key.and_then(|k| self.postings.term(k)) {
            Some(t) => TermRef::List(t),
            None => TermRef::Empty,
        };
        match test {
            Test::InstanceId(id) | Test::ResourceId(id) => {
                match s.get(id).and_then(|sym| self.principal_by_sym(sym)) {
                    Some(p) => TermRef::One(p),
                    None => TermRef::Empty,
                }
            }
            Test::InstanceCompartment(c) | Test::ResourceCompartment(c) => {
                list(s.get(c).map(TermKey::Compartment))
            }
            // The IR already folded these; `get_folded` keeps a hand-built Rule honest.
            Test::ResourceType(t) => list(s.get_folded(t).map(TermKey::Type)),
            Test::TagExists(k) => list(
                s.get_folded(&k.namespace)
                    .zip(s.get_folded(&k.key))
                    .map(|(n, k)| TermKey::TagKey(n, k)),
            ),
            Test::TagValue(k, v) => list(
                s.get_folded(&k.namespace)
                    .zip(s.get_folded(&k.key))
                    .zip(s.get(v))
                    .map(|((n, k), v)| TermKey::TagValue(n, k, v)),
            ),
        }
    }
}

impl Index {
    /// Computes what follows from the rest — the populated tenancies, each tenancy's
    /// plan, the unknown references — in one place, so that building and rebuilding
    /// from parts cannot drift apart.
    pub(crate) fn derive(mut self, rules: &[Option<Rule>]) -> Index {
        self.populated = populated_tenancies(&self.tenancies);
        // Plans evaluate each rule within its group's domain scope; the unknown
        // references are those of the rules as written.
        let planned: Vec<Option<Cow<'_, Rule>>> = rules
            .iter()
            .zip(&self.groups)
            .map(|(rule, entry)| {
                let rule = rule.as_ref()?;
                Some(match entry.def.domain_outside() {
                    Some(outside) => Cow::Owned(scoped_rule(rule.clone(), Some(outside))),
                    None => Cow::Borrowed(rule),
                })
            })
            .collect();
        self.plans = crate::plan::compile_all(&self, &planned);
        self.unknown = crate::limits::unknown_references(&self, rules);
        self
    }
}

/// The tenancies with principals, ascending, for [`Index::populated`].
fn populated_tenancies(tenancies: &[Tenancy]) -> Vec<TenancyId> {
    (0..tenancies.len() as u32)
        .map(TenancyId)
        .filter(|t| !tenancies[t.index()].range.is_empty())
        .collect()
}

/// Every ordinal sorted by OCID symbol (then ordinal), for [`Index::by_id`].
pub(crate) fn ordinals_by_id(principals: &Records) -> Vec<PrincipalId> {
    let mut by_id: Vec<PrincipalId> = (0..principals.len() as u32).map(PrincipalId).collect();
    by_id.par_sort_unstable_by_key(|&p| (principals.id(p), p));
    by_id
}

/// An indexed principal, its tests answered by the postings.
pub(crate) struct Indexed<'a> {
    pub(crate) index: &'a Index,
    pub(crate) principal: PrincipalId,
}

impl crate::holds::Attributes for Indexed<'_> {
    fn is_instance(&self) -> bool {
        self.index.is_instance(self.principal)
    }

    fn passes(&self, test: &Test) -> bool {
        self.index
            .postings
            .holds(self.index.resolve(test), self.principal)
    }
}
