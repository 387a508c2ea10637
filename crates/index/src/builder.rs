//! [`IndexBuilder`]: collects principals and groups, then builds the immutable
//! [`Index`].

use crate::groups::{GroupEntry, GroupError, GroupNames, check_group_definition, lower_rule};
use crate::ids::{GroupId, TenancyId};
use crate::index::{Index, Tenancy, ordinals_by_id};
use crate::intern::{Interner, LocalStrings, Sym};
use crate::model::{DynamicGroup, Principal, resource_type_of};
use crate::postings::{Postings, terms_of};
use crate::records::{PrincipalRecord, Records};
use dyngroup_rules::{ParseOptions, Rule};
use hashbrown::{DefaultHashBuilder, HashMap};
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
    /// By symbol: the live record in `pending` of the principal with that OCID, or
    /// [`NONE`]. Indexed, not hashed: a new OCID is a new symbol, so adding a
    /// principal writes near the end of it.
    by_id: Vec<u32>,
    groups: Vec<GroupEntry>,
    /// Each group's lowered rule (`None` when it did not parse), until the plans are
    /// compiled: the index does not keep them.
    rules: Vec<Option<Rule>>,
    group_names: GroupNames,
    parse_options: ParseOptions,
    /// Buffers reused across small batches.
    scratch: LocalBatch,
    syms: Vec<Sym>,
}

/// What the builder reads of a principal: a [`Principal`] as read, or a live
/// engine's principal (a checkpoint indexes those without copying them).
pub(crate) trait PrincipalFields: Sync {
    /// Whether it is indexed at all (not terminated).
    fn indexed(&self) -> bool;
    fn id(&self) -> &str;
    fn compartment_id(&self) -> &str;
    fn tenancy_id(&self) -> &str;
    /// Its resource type as given, or as its OCID says.
    fn resource_type(&self) -> &str;
    /// Its defined tags: (namespace, key, value).
    fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)>;
}

impl PrincipalFields for Principal {
    fn indexed(&self) -> bool {
        self.is_indexed()
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn compartment_id(&self) -> &str {
        &self.compartment_id
    }
    fn tenancy_id(&self) -> &str {
        &self.tenancy_id
    }
    fn resource_type(&self) -> &str {
        match &self.resource_type {
            Some(t) => t,
            None => resource_type_of(&self.id),
        }
    }
    fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.defined_tags
            .iter()
            .map(|t| (t.namespace.as_str(), t.key.as_str(), t.value.as_str()))
    }
}

/// What [`IndexBuilder::reserve`] expects of a principal: tags, distinct strings
/// (its OCID and a unique tag value such as a creation time; tenancies, compartments
/// and tag names are shared) and their bytes. Shaped on OCI's listings, and above what
/// datagen's M measures (4.5 tags, 2.06 strings, 119 bytes): a table that outgrows its
/// reservation near the end is copied, or rehashed, whole.
const TAGS_PER_PRINCIPAL: usize = 6;
const STRINGS_PER_PRINCIPAL: usize = 3;
const STRING_BYTES_PER_PRINCIPAL: usize = 128;

/// No record, in [`IndexBuilder::by_id`].
const NONE: u32 = u32::MAX;

/// Principals prepared together (on one thread of the pool).
const BATCH: usize = 2048;
/// Principals taken from the caller's iterator at a time: prepared in parallel while
/// the previous round is added.
const ROUND: usize = 16 * BATCH;
/// Up to this many principals in one call are prepared on the calling thread, not on
/// the pool: see [`IndexBuilder::STREAM_BATCH`].
const SMALL: usize = IndexBuilder::STREAM_BATCH;

/// A batch of principals with its strings deduplicated and hashed, numbered locally.
#[derive(Debug, Default)]
struct LocalBatch {
    strings: LocalStrings,
    /// Per principal, in order: `None` for one that is not indexed (terminated).
    records: Vec<Option<LocalRecord>>,
    /// (folded namespace, folded key, exact value) of every record.
    tags: Vec<(u32, u32, u32)>,
}

/// A principal's strings as local numbers of its batch.
#[derive(Debug)]
struct LocalRecord {
    id: u32,
    compartment: u32,
    tenancy: u32,
    resource_type: u32,
    tags: Range<u32>,
}

impl LocalBatch {
    /// Prepares `principals` (in reused buffers), hashing as `hasher` does. The strings
    /// are numbered in the order [`IndexBuilder::add_principal`] interns them.
    fn fill<P: PrincipalFields>(&mut self, principals: &[&P], hasher: &DefaultHashBuilder) {
        self.strings.clear();
        self.records.clear();
        self.tags.clear();
        let s = &mut self.strings;
        for p in principals {
            if !p.indexed() {
                self.records.push(None);
                continue;
            }
            let id = s.intern(hasher, p.id());
            let compartment = s.intern(hasher, p.compartment_id());
            let tenancy = s.intern(hasher, p.tenancy_id());
            let resource_type = s.intern_folded(hasher, p.resource_type());
            let start = self.tags.len() as u32;
            for (namespace, key, value) in p.tags() {
                let tag = (
                    s.intern_folded(hasher, namespace),
                    s.intern_folded(hasher, key),
                    s.intern(hasher, value),
                );
                self.tags.push(tag);
            }
            self.records.push(Some(LocalRecord {
                id,
                compartment,
                tenancy,
                resource_type,
                tags: start..self.tags.len() as u32,
            }));
        }
    }
}

/// Prepares `principals` in batches of [`BATCH`] on rayon's threads.
fn prepare<P: PrincipalFields>(principals: &[&P], hasher: &DefaultHashBuilder) -> Vec<LocalBatch> {
    principals
        .par_chunks(BATCH)
        .map(|chunk| {
            let mut batch = LocalBatch::default();
            batch.fill(chunk, hasher);
            batch
        })
        .collect()
}

impl IndexBuilder {
    /// How many principals a reader that parses on rayon's pool while it builds should
    /// hand to [`add_principals`](IndexBuilder::add_principals) at a time. Batches up
    /// to this size are prepared on the calling thread: a caller outside the pool
    /// would otherwise send the work to a pool busy parsing, where it waits behind the
    /// parse while the caller sleeps (on M, preparing on the caller cut the read from
    /// 2.05 s to 1.65 s). Larger calls are prepared on the pool, in rounds.
    pub const STREAM_BATCH: usize = 2 * BATCH;

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

    /// Makes room for about `principals` more principals: a hint (from an input's
    /// size, say), so that the tables do not grow, copy and rehash their way up as
    /// they fill. A low estimate only means growing later; a high one costs address
    /// space more than memory (pages never written are never touched).
    pub fn reserve(&mut self, principals: usize) {
        self.pending.reserve(principals);
        self.tags.reserve(TAGS_PER_PRINCIPAL * principals);
        self.by_id.reserve(STRINGS_PER_PRINCIPAL * principals);
        self.strings.reserve(
            STRINGS_PER_PRINCIPAL * principals,
            STRING_BYTES_PER_PRINCIPAL * principals,
        );
    }

    /// Adds (or, for a known OCID, replaces) a principal.
    pub fn add_principal(&mut self, p: &Principal) {
        self.add_principals([p]);
    }

    /// Adds (or replaces) every principal of an iterator, in order, as
    /// [`add_principal`](IndexBuilder::add_principal) one after another would.
    ///
    /// In batches: each batch's strings are deduplicated and hashed on rayon's
    /// threads, and the one shared interner then takes each distinct string of the
    /// batch once; the next batches are prepared while one is added.
    pub fn add_principals<'a>(&mut self, principals: impl IntoIterator<Item = &'a Principal>) {
        self.add_all(principals);
    }

    /// [`add_principals`](IndexBuilder::add_principals) over any principal's fields
    /// (a live engine's principals are added as they are held, not copied).
    pub(crate) fn add_all<'a, P: PrincipalFields + 'a>(
        &mut self,
        principals: impl IntoIterator<Item = &'a P>,
    ) {
        let hasher = self.strings.hasher();
        let mut principals = principals.into_iter();
        self.reserve(principals.size_hint().0);
        let mut take = || -> Vec<&'a P> { principals.by_ref().take(ROUND).collect() };
        let mut round = take();
        if round.len() <= SMALL {
            // A few principals (one, often), or a streaming reader's batch: prepared
            // here, in reused buffers.
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.fill(&round, &hasher);
            self.add_batch(&round, &scratch);
            self.scratch = scratch;
            return;
        }
        let mut prepared = prepare(&round, &hasher);
        while !round.is_empty() {
            let next = take();
            let (next_prepared, ()) = rayon::join(
                || prepare(&next, &hasher),
                || {
                    for (principals, batch) in round.chunks(BATCH).zip(&prepared) {
                        self.add_batch(principals, batch);
                    }
                },
            );
            (round, prepared) = (next, next_prepared);
        }
    }

    /// Adds a prepared batch: its strings interned, then its records in order.
    fn add_batch<P: PrincipalFields>(&mut self, principals: &[&P], batch: &LocalBatch) {
        let mut syms = std::mem::take(&mut self.syms);
        self.strings.intern_local(&batch.strings, &mut syms);
        let sym = |i: u32| syms[i as usize];
        for (p, record) in principals.iter().zip(&batch.records) {
            let Some(r) = record else {
                // A terminated record ends the principal: drop an earlier live record.
                if let Some(sym) = self.strings.get(p.id())
                    && let Some(old) = self
                        .by_id
                        .get_mut(sym.0 as usize)
                        .map(|at| std::mem::replace(at, NONE))
                        .filter(|&old| old != NONE)
                {
                    self.pending[old as usize].live = false;
                }
                continue;
            };
            let start = self.tags.len() as u32;
            self.tags.extend(
                batch.tags[r.tags.start as usize..r.tags.end as usize]
                    .iter()
                    .map(|&(n, k, v)| (sym(n), sym(k), sym(v))),
            );
            let index = u32::try_from(self.pending.len()).expect("fewer than 2^32 principals");
            let id = sym(r.id);
            self.pending.push(Pending {
                id,
                compartment: sym(r.compartment),
                tenancy: sym(r.tenancy),
                resource_type: sym(r.resource_type),
                tags: start..self.tags.len() as u32,
                live: true,
            });
            if self.by_id.len() <= id.0 as usize {
                self.by_id.resize(self.strings.len(), NONE);
            }
            let old = std::mem::replace(&mut self.by_id[id.0 as usize], index);
            if old != NONE {
                self.pending[old as usize].live = false;
            }
        }
        self.syms = syms;
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
            scratch: _,
            syms: _,
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
        let principals: Vec<PrincipalRecord> = order
            .par_iter()
            .map(|&i| {
                let p = &pending[i as usize];
                PrincipalRecord {
                    id: p.id,
                    compartment: p.compartment,
                    resource_type: p.resource_type,
                }
            })
            .collect();
        // Ordinals come tenancy by tenancy: the tenancy is looked up when it changes.
        let mut current = None;
        for (ordinal, &i) in order.iter().enumerate() {
            let p = &pending[i as usize];
            let ordinal = ordinal as u32;
            let tenancy = match current {
                Some((sym, tenancy)) if sym == p.tenancy => tenancy,
                _ => {
                    let tenancy = tenancy_of[&p.tenancy];
                    current = Some((p.tenancy, tenancy));
                    tenancy
                }
            };
            let t = &mut tenancies[tenancy.index()];
            if t.range.is_empty() {
                t.range = ordinal..ordinal + 1;
            } else {
                t.range.end = ordinal + 1;
            }
            if Some(p.resource_type) == instance_type {
                let _ = t.instances.try_push(ordinal);
            }
        }
        let postings = Postings::build(order.len() as u32, |ordinal| {
            let p = &pending[order[ordinal as usize] as usize];
            let own_tags = &tags[p.tags.start as usize..p.tags.end as usize];
            terms_of(p.compartment, p.resource_type, own_tags.iter().copied())
        });
        drop(tags);
        drop(pending);
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
        // The index outlives the build: no room left over in the vectors that grew.
        tenancies.iter_mut().for_each(|t| t.groups.shrink_to_fit());
        groups.shrink_to_fit();

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DefinedTag;

    /// A fleet past several rounds of batches, with what crosses batch edges: an
    /// OCID repeated (the last record wins), terminated and launched again, tags in
    /// any case, strings first seen late.
    fn fleet(n: u64) -> Vec<Principal> {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        (0..n)
            .map(|i| {
                let id = if next(10) == 0 { next(i + 1) } else { i };
                let state = match next(20) {
                    0 => Some("TERMINATED".to_owned()),
                    1 => Some("running".to_owned()),
                    _ => None,
                };
                let tags = (0..next(4))
                    .map(|_| DefinedTag {
                        namespace: ["Ops", "ops", "Finance"][next(3) as usize].into(),
                        key: ["Role", "ENV"][next(2) as usize].into(),
                        value: format!("v{}", next(i / 100 + 2)),
                    })
                    .collect();
                Principal {
                    id: format!("ocid1.instance.oc1..p{id}"),
                    compartment_id: format!("c{}", next(500)),
                    tenancy_id: format!("t{}", next(7)),
                    resource_type: (next(5) == 0).then(|| "FnFunc".to_owned()),
                    defined_tags: tags,
                    lifecycle_state: state,
                }
            })
            .collect()
    }

    #[test]
    fn batches_build_what_one_principal_at_a_time_builds() {
        let fleet = fleet(3 * ROUND as u64 + 777);
        let mut one_by_one = IndexBuilder::new();
        for p in &fleet {
            one_by_one.add_principal(p);
        }
        let mut batched = IndexBuilder::new();
        batched.add_principals(&fleet[..5]);
        batched.add_principals(&fleet[5..]);
        let (a, b) = (one_by_one.build(), batched.build());
        assert!(a.principal_count() > 2 * ROUND);
        assert_eq!(a.to_parts(), b.to_parts());
    }
}
