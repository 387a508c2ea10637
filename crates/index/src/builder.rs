//! [`IndexBuilder`]: collects principals and groups, then builds the immutable
//! [`Index`].

use crate::groups::{GroupEntry, GroupError, GroupNames, check_group_definition, lower_rule};
use crate::ids::{GroupId, PrincipalId, TenancyId};
use crate::index::{Index, Tenancy, ordinals_by_id};
use crate::intern::{Interner, Sym};
use crate::model::{DynamicGroup, Principal, resource_type_of};
use crate::postings::{PostingsBuilder, terms_of};
use crate::records::{PrincipalRecord, Records};
use dyngroup_rules::{ParseOptions, Rule};
use hashbrown::HashMap;
use rayon::prelude::*;
use roaring::RoaringBitmap;
use std::ops::Range;

/// A principal as added: interned, not yet given an ordinal.
#[derive(Clone, Debug)]
struct Pending {
    id: Sym,
    compartment: Sym,
    tenancy: Sym,
    resource_type: Sym,
    /// Its tags in [`IndexBuilder::tags`].
    tags: Range<u32>,
    /// False once a later record with the same OCID replaced it.
    live: bool,
}

/// Collects principals and groups, then [`build`](IndexBuilder::build)s an [`Index`].
///
/// Strings are interned as they are added, so the builder holds one copy of each.
///
/// **Duplicate principal OCIDs: the last record wins.** An inventory is read in order,
/// and a later line describes the principal's later state (for example, a listing
/// concatenated with a later one); a later `TERMINATED` record therefore removes the
/// principal. Principals whose lifecycle state is `TERMINATED` or `TERMINATING` are not
/// indexed.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    strings: Interner,
    pending: Vec<Pending>,
    /// (folded namespace, folded key, exact value) of every pending principal.
    tags: Vec<(Sym, Sym, Sym)>,
    /// OCID → its live record in `pending`.
    by_id: HashMap<Sym, u32>,
    groups: Vec<GroupEntry>,
    /// Each group's lowered rule (`None` when it did not parse), until the plans are
    /// compiled: the index does not keep them.
    rules: Vec<Option<Rule>>,
    group_names: GroupNames,
    parse_options: ParseOptions,
}

impl IndexBuilder {
    /// An empty builder that parses rules with the default options.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Parse group rules with these options (`strict` rejects legacy forms, which
    /// then count as invalid rules). Applies to groups added afterwards.
    pub fn parse_options(mut self, options: ParseOptions) -> IndexBuilder {
        self.parse_options = options;
        self
    }

    /// Adds (or, for a known OCID, replaces) a principal.
    pub fn add_principal(&mut self, p: &Principal) {
        if !p.is_indexed() {
            // A terminated record ends the principal: drop an earlier live record.
            if let Some(sym) = self.strings.get(&p.id)
                && let Some(old) = self.by_id.remove(&sym)
            {
                self.pending[old as usize].live = false;
            }
            return;
        }
        let s = &mut self.strings;
        let id = s.intern(&p.id);
        let compartment = s.intern(&p.compartment_id);
        let tenancy = s.intern(&p.tenancy_id);
        let resource_type = s.intern_folded(match &p.resource_type {
            Some(t) => t,
            None => resource_type_of(&p.id),
        });
        let start = self.tags.len() as u32;
        for t in &p.defined_tags {
            let tag = (
                s.intern_folded(&t.namespace),
                s.intern_folded(&t.key),
                s.intern(&t.value),
            );
            self.tags.push(tag);
        }
        let index = u32::try_from(self.pending.len()).expect("fewer than 2^32 principals");
        self.pending.push(Pending {
            id,
            compartment,
            tenancy,
            resource_type,
            tags: start..self.tags.len() as u32,
            live: true,
        });
        if let Some(old) = self.by_id.insert(id, index) {
            self.pending[old as usize].live = false;
        }
    }

    /// Adds every principal of an iterator.
    pub fn add_principals<'a>(&mut self, principals: impl IntoIterator<Item = &'a Principal>) {
        for p in principals {
            self.add_principal(p);
        }
    }

    /// Adds a group and returns its id, or refuses it for an invalid or duplicate name
    /// (names are unique per tenancy, case-insensitively) or a description that is
    /// too long ([`check_group_definition`](crate::check_group_definition)).
    ///
    /// A rule that does not parse is accepted: the group has no members (fail closed)
    /// and [`Index::limits_report`] lists it.
    pub fn add_group(&mut self, group: DynamicGroup) -> Result<GroupId, GroupError> {
        check_group_definition(&group.name, &group.description)?;
        let tenancy_sym = self.strings.intern(&group.tenancy_id);
        if self
            .group_names
            .get(&self.groups, tenancy_sym, &group.name)
            .is_some()
        {
            return Err(GroupError::DuplicateName {
                name: group.name,
                tenancy_id: group.tenancy_id,
            });
        }
        let (rule, warnings) = match lower_rule(&group.matching_rule, &self.parse_options) {
            Ok((rule, warnings)) => (Some(rule), Ok(warnings)),
            Err(e) => (None, Err(e)),
        };
        let id = GroupId(u32::try_from(self.groups.len()).expect("fewer than 2^32 groups"));
        self.groups.push(GroupEntry {
            def: group,
            tenancy_sym,
            tenancy: TenancyId(u32::MAX),
            rule: warnings,
        });
        self.rules.push(rule);
        self.group_names.insert(&self.groups, id);
        Ok(id)
    }

    /// Builds the index: assigns ordinals clustered by tenancy then compartment, fills
    /// and compresses the postings, and compiles every group's plan.
    pub fn build(self) -> Index {
        let IndexBuilder {
            mut strings,
            pending,
            tags,
            by_id: _,
            mut groups,
            rules,
            group_names,
            parse_options,
        } = self;

        // Clustered ordinals: sort live records by (tenancy, compartment). Symbols are
        // numbered in first-seen order, which is as good as text order for clustering
        // and much cheaper to sort by; the record index keeps the sort deterministic.
        let mut order: Vec<u32> = (0..pending.len() as u32)
            .filter(|&i| pending[i as usize].live)
            .collect();
        order.par_sort_unstable_by_key(|&i| {
            let p = &pending[i as usize];
            (p.tenancy, p.compartment, i)
        });

        // Tenancies sorted by symbol, so that ordinal ranges ascend with them.
        let mut tenancy_syms: Vec<Sym> = order
            .iter()
            .map(|&i| pending[i as usize].tenancy)
            .chain(groups.iter().map(|g| g.tenancy_sym))
            .collect();
        tenancy_syms.sort_unstable();
        tenancy_syms.dedup();
        let tenancy_of: HashMap<Sym, TenancyId> = tenancy_syms
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, TenancyId(i as u32)))
            .collect();
        let mut tenancies: Vec<Tenancy> = tenancy_syms
            .iter()
            .map(|&sym| Tenancy {
                sym,
                range: 0..0,
                universe: RoaringBitmap::new(),
                instances: RoaringBitmap::new(),
                groups: Vec::new(),
            })
            .collect();

        strings.freeze();
        let instance_type = strings.get("instance");
        let mut principals = Vec::with_capacity(order.len());
        let mut postings = PostingsBuilder::default();
        for (ordinal, &i) in order.iter().enumerate() {
            let p = &pending[i as usize];
            let ordinal = ordinal as u32;
            let pid = PrincipalId(ordinal);
            let tenancy = tenancy_of[&p.tenancy];
            let t = &mut tenancies[tenancy.index()];
            if t.range.is_empty() {
                t.range = ordinal..ordinal + 1;
            } else {
                t.range.end = ordinal + 1;
            }
            if Some(p.resource_type) == instance_type {
                let _ = t.instances.try_push(ordinal);
            }
            principals.push(PrincipalRecord {
                id: p.id,
                compartment: p.compartment,
                resource_type: p.resource_type,
            });
            let own_tags = &tags[p.tags.start as usize..p.tags.end as usize];
            for key in terms_of(p.compartment, p.resource_type, own_tags.iter().copied()) {
                postings.add(key, pid);
            }
        }
        drop(tags);
        drop(pending);
        let postings = postings.finish();
        let principals = Records::new(&principals);
        let by_id = ordinals_by_id(&principals);
        for t in &mut tenancies {
            t.universe.insert_range(t.range.clone());
            t.universe.optimize();
            t.instances.optimize();
        }
        for (g, entry) in groups.iter_mut().enumerate() {
            entry.tenancy = tenancy_of[&entry.tenancy_sym];
            tenancies[entry.tenancy.index()]
                .groups
                .push(GroupId(g as u32));
        }

        Index {
            strings,
            principals,
            tenancies,
            populated: Vec::new(),
            postings,
            by_id,
            groups,
            group_names,
            plans: Vec::new(),
            unknown: Vec::new(),
            instance_type,
            parse_options,
        }
        .derive(&rules)
    }
}
