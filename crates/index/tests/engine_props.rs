//! Equivalence of the incremental engine with a full recompute, on random fleets and
//! random change sequences (principal churn, moves across compartments and tenancies,
//! retags, terminations; group creates, updates, upserts and deletes, valid or not).
//!
//! After every step: the engine's memberships equal the reference evaluator's on the
//! resulting inventory; the delta is exactly the difference between before and after;
//! a change is refused exactly when an independent model of docs/semantics.md §3's lifecycle
//! rules says so, with the same error, and a refused change changes nothing. At the
//! end of each case, the index builder agrees too, and removing everything leaves an
//! engine with no ordinals, postings or tenancies in use. Each case starts from an
//! engine built from the inventory, or made from its index (`Engine::from_index`),
//! or opened from a snapshot file's bytes; and may be made again that way part way.

mod common;

use dyngroup_index::engine::{
    Change, ChangeError, Engine, EngineOptions, GroupChange, GroupUpdate, Version,
};
use dyngroup_index::{
    DefinedTag, DynamicGroup, IdentityDomain, Limits, Principal, is_valid_group_name, reference,
};
use dyngroup_rules::ParseOptions;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const KINDS: [&str; 4] = ["instance", "fnfunc", "instance", "apigateway"];
const STATES: [Option<&str>; 5] = [
    None,
    Some("RUNNING"),
    None,
    Some("TERMINATED"),
    Some("Terminating"),
];
const NAMESPACES: [&str; 3] = ["Ops", "ops", "fin"];
const KEYS: [&str; 3] = ["Role", "env", "ROLE"];
/// The last is a principal's OCID: a string that is an OCID and a tag value at once.
const VALUES: [&str; 5] = ["web", "db", "45", "Web", "ocid1.instance.oc1..p1"];
const NAMES: [&str; 7] = ["web", "Web", "db", "ops.team-1", "bad name", "", "db"];
const LIMIT: usize = 3;

fn tenancy(t: usize) -> String {
    format!("ocid1.tenancy.oc1..t{t}")
}

fn compartment(t: usize, c: usize) -> String {
    format!("ocid1.compartment.oc1..t{t}c{c}")
}

fn principal() -> impl Strategy<Value = Principal> {
    (
        0..12u32,
        0..KINDS.len(),
        // Mostly tenancy 0 and 1, so groups have members; sometimes a move to 2.
        prop_oneof![4 => 0..2usize, 1 => 2..3usize],
        0..3usize,
        0..STATES.len(),
        prop::collection::vec((0..3usize, 0..3usize, 0..VALUES.len()), 0..3),
        prop::option::weighted(0.1, Just("Instance".to_owned())),
    )
        .prop_map(|(n, kind, t, c, state, tags, explicit)| Principal {
            // The same few ids again and again: churn of the same principals.
            id: format!("ocid1.{}.oc1..p{n}", KINDS[kind]),
            compartment_id: compartment(t, c),
            tenancy_id: tenancy(t),
            resource_type: explicit,
            defined_tags: tags
                .into_iter()
                .map(|(n, k, v)| DefinedTag {
                    namespace: NAMESPACES[n].into(),
                    key: KEYS[k].into(),
                    value: VALUES[v].into(),
                })
                .collect(),
            lifecycle_state: STATES[state].map(String::from),
        })
}

fn condition() -> impl Strategy<Value = String> {
    let id = (0..KINDS.len(), 0..12u32).prop_map(|(k, n)| format!("ocid1.{}.oc1..p{n}", KINDS[k]));
    let var_value = prop_oneof![
        id.clone().prop_map(|v| ("instance.id".to_owned(), v)),
        id.prop_map(|v| ("resource.id".to_owned(), v)),
        (0..3usize, 0..3usize)
            .prop_map(|(t, c)| ("instance.compartment.id".to_owned(), compartment(t, c))),
        (0..3usize, 0..3usize)
            .prop_map(|(t, c)| ("resource.compartment.id".to_owned(), compartment(t, c))),
        (0..KINDS.len()).prop_map(|k| ("resource.type".to_owned(), KINDS[k].to_ascii_uppercase())),
        (0..3usize, 0..3usize, 0..VALUES.len()).prop_map(|(n, k, v)| (
            format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k]),
            VALUES[v].to_owned()
        )),
    ];
    prop_oneof![
        4 => (var_value, any::<bool>()).prop_map(|((var, value), ne)| {
            format!("{var} {} '{value}'", if ne { "!=" } else { "=" })
        }),
        1 => (0..3usize, 0..3usize).prop_map(|(n, k)| format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k])),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    let rule = condition().prop_recursive(3, 12, 3, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 1..4)).prop_map(|(any, items)| {
            format!(
                "{} {{{}}}",
                if any { "ANY" } else { "all" },
                items.join(", ")
            )
        })
    });
    prop_oneof![10 => rule, 1 => Just("ANY {".to_owned())]
}

fn group() -> impl Strategy<Value = DynamicGroup> {
    (
        0..NAMES.len(),
        prop_oneof![4 => 0..2usize, 1 => 2..3usize],
        rule(),
        prop_oneof![8 => Just(0usize), 1 => Just(401usize), 1 => Just(400usize)],
        prop_oneof![3 => Just(None), 1 => (0..4u32).prop_map(Some)],
        (0..4u8, prop::collection::vec(0..3usize, 0..3)),
    )
        .prop_map(|(name, t, rule, description, id, domain)| DynamicGroup {
            domain: identity_domain(t, domain),
            id: id.map_or_else(String::new, |n| format!("ocid1.dynamicgroup.oc1..x{n}")),
            name: NAMES[name].to_owned(),
            description: "é".repeat(description),
            matching_rule: rule,
            tenancy_id: tenancy(t),
        })
}

/// (kind, compartments outside the scope): 0–1 classic, 2 a domain whose scope is
/// not applied, 3 a domain whose scope keeps out some of the tenancy's compartments
/// (which principals move into and out of).
fn identity_domain(t: usize, (kind, scope): (u8, Vec<usize>)) -> Option<IdentityDomain> {
    (kind >= 2).then(|| IdentityDomain {
        id: format!("ocid1.domain.oc1..d{t}"),
        compartment_id: Some(compartment(t, 0)),
        outside: (kind == 3).then(|| {
            scope
                .iter()
                .map(|&c| compartment(t, c))
                .collect::<Vec<_>>()
                .into()
        }),
    })
}

/// A change, with groups named by position among the live ones (resolved when run).
#[derive(Clone, Debug)]
enum Op {
    Upsert(Principal),
    Remove(u32, usize),
    Create(DynamicGroup),
    Update(usize, Option<String>, Option<String>),
    Upsert2(DynamicGroup, Option<usize>),
    Delete(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => principal().prop_map(Op::Upsert),
        2 => (0..12u32, 0..KINDS.len()).prop_map(|(n, k)| Op::Remove(n, k)),
        4 => group().prop_map(Op::Create),
        2 => (any::<usize>(), prop::option::of(rule()),
              prop::option::of(prop_oneof![Just(3usize), Just(401usize)]))
            .prop_map(|(g, r, d)| Op::Update(g, r, d.map(|n| "d".repeat(n)))),
        1 => (group(), prop::option::of(any::<usize>())).prop_map(|(g, at)| Op::Upsert2(g, at)),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(g, force)| Op::Delete(g, force)),
    ]
}

/// The inventory and groups a full recompute starts from, and the lifecycle rules
/// written out again, independently of the engine.
#[derive(Default)]
struct Model {
    principals: BTreeMap<String, Principal>,
    groups: Vec<DynamicGroup>,
}

type Dump = BTreeMap<String, BTreeSet<String>>;

impl Model {
    fn recompute(&self) -> Dump {
        let principals: Vec<Principal> = self.principals.values().cloned().collect();
        let r = reference::evaluate(&principals, &self.groups);
        self.groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let ids = r.member_ids(&principals, g).into_iter().map(String::from);
                (group.id.clone(), ids.collect())
            })
            .collect()
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }

    /// A live create: the loading checks, then the rule must parse.
    fn check_live_create(&self, g: &DynamicGroup) -> Result<(), ChangeError> {
        self.check_create(g)?;
        check_rule(&g.name, &g.matching_rule)
    }

    /// A group loaded with the inventory: a rule that does not parse is kept.
    fn check_create(&self, g: &DynamicGroup) -> Result<(), ChangeError> {
        if !is_valid_group_name(&g.name) {
            return Err(ChangeError::InvalidGroupName {
                name: g.name.clone(),
            });
        }
        let len = g.description.chars().count();
        if len > 400 {
            return Err(ChangeError::DescriptionTooLong {
                name: g.name.clone(),
                len,
            });
        }
        let same_tenancy = self.groups.iter().filter(|x| x.tenancy_id == g.tenancy_id);
        if same_tenancy
            .clone()
            .any(|x| x.name.eq_ignore_ascii_case(&g.name))
        {
            return Err(ChangeError::DuplicateGroupName {
                name: g.name.clone(),
                tenancy_id: g.tenancy_id.clone(),
            });
        }
        if !g.id.is_empty() && self.find(&g.id).is_some() {
            return Err(ChangeError::DuplicateGroupId { id: g.id.clone() });
        }
        if same_tenancy.count() >= LIMIT {
            return Err(ChangeError::TenancyGroupLimit {
                tenancy_id: g.tenancy_id.clone(),
                limit: LIMIT,
            });
        }
        Ok(())
    }

    fn check_update(&self, u: &GroupUpdate) -> Result<usize, ChangeError> {
        let at = self
            .find(&u.id)
            .ok_or_else(|| ChangeError::UnknownGroup { id: u.id.clone() })?;
        if let Some(d) = &u.description {
            let len = d.chars().count();
            if len > 400 {
                return Err(ChangeError::DescriptionTooLong {
                    name: self.groups[at].name.clone(),
                    len,
                });
            }
        }
        let old = &self.groups[at];
        match &u.matching_rule {
            Some(rule) if *rule != old.matching_rule => check_rule(&old.name, rule)?,
            _ => {}
        }
        Ok(at)
    }

    fn update(&mut self, at: usize, u: GroupUpdate) {
        let g = &mut self.groups[at];
        if let Some(d) = u.description {
            g.description = d;
        }
        if let Some(r) = u.matching_rule {
            g.matching_rule = r;
        }
    }

    /// Turns an op into a change and the expected outcome; applies it to the model
    /// when it is accepted (`created` gives the OCID the engine chose, if any).
    fn resolve(&self, op: &Op) -> Change {
        let pick = |i: usize| match self.groups.len() {
            0 => "ocid1.dynamicgroup.oc1..unknown".to_owned(),
            n => self.groups[i % n].id.clone(),
        };
        match op {
            Op::Upsert(p) => Change::UpsertPrincipal(p.clone()),
            Op::Remove(n, k) => Change::RemovePrincipal {
                id: format!("ocid1.{}.oc1..p{n}", KINDS[*k]),
            },
            Op::Create(g) => Change::CreateGroup(g.clone()),
            Op::Update(i, rule, description) => Change::UpdateGroup(GroupUpdate {
                id: pick(*i),
                description: description.clone(),
                matching_rule: rule.clone(),
            }),
            Op::Upsert2(g, at) => {
                let mut g = g.clone();
                if let Some(i) = at {
                    g.id = pick(*i);
                }
                Change::UpsertGroup(g)
            }
            Op::Delete(i, force) => Change::DeleteGroup {
                id: pick(*i),
                force: *force,
            },
        }
    }

    /// The model's verdict on a change, applied to the model if accepted.
    fn apply(
        &mut self,
        change: &Change,
        before: &Dump,
        created_id: Option<String>,
    ) -> Result<(), ChangeError> {
        match change.clone() {
            Change::UpsertPrincipal(p) => {
                if p.is_indexed() {
                    self.principals.insert(p.id.clone(), p);
                } else {
                    self.principals.remove(&p.id);
                }
                Ok(())
            }
            Change::RemovePrincipal { id } => {
                // Not held: a no-op.
                self.principals.remove(&id);
                Ok(())
            }
            Change::CreateGroup(mut g) => {
                self.check_live_create(&g)?;
                if g.id.is_empty() {
                    g.id = created_id.expect("the delta names a created group");
                }
                self.groups.push(g);
                Ok(())
            }
            Change::UpdateGroup(u) => {
                let at = self.check_update(&u)?;
                self.update(at, u);
                Ok(())
            }
            Change::UpsertGroup(g) => {
                let target = if g.id.is_empty() {
                    self.groups.iter().position(|x| {
                        x.tenancy_id == g.tenancy_id && x.name.eq_ignore_ascii_case(&g.name)
                    })
                } else if let Some(at) = self.find(&g.id) {
                    let old = &self.groups[at];
                    if old.tenancy_id != g.tenancy_id {
                        return Err(ChangeError::GroupTenancyChange {
                            id: g.id,
                            tenancy_id: old.tenancy_id.clone(),
                            requested: g.tenancy_id,
                        });
                    }
                    if !old.name.eq_ignore_ascii_case(&g.name) {
                        return Err(ChangeError::GroupRename {
                            id: g.id,
                            name: old.name.clone(),
                            requested: g.name,
                        });
                    }
                    Some(at)
                } else {
                    None
                };
                match target {
                    Some(at) => {
                        let u = GroupUpdate {
                            id: self.groups[at].id.clone(),
                            description: Some(g.description),
                            matching_rule: Some(g.matching_rule),
                        };
                        let at = self.check_update(&u)?;
                        self.update(at, u);
                        Ok(())
                    }
                    None => self.apply(&Change::CreateGroup(g), before, created_id),
                }
            }
            Change::DeleteGroup { id, force } => {
                let at = self
                    .find(&id)
                    .ok_or_else(|| ChangeError::UnknownGroup { id: id.clone() })?;
                let members = before[&id].len() as u64;
                if members > 0 && !force {
                    return Err(ChangeError::GroupHasMembers { id, members });
                }
                self.groups.remove(at);
                Ok(())
            }
            other => panic!("unexpected change {other:?}"),
        }
    }
}

/// A live change's rule must parse.
fn check_rule(name: &str, rule: &str) -> Result<(), ChangeError> {
    match dyngroup_rules::parse_with(rule, &ParseOptions::default()) {
        Ok(_) => Ok(()),
        Err(error) => Err(ChangeError::InvalidRule {
            name: name.to_owned(),
            error,
        }),
    }
}

/// The same engine made again the other way: its version as an index, and an engine
/// made from that index without replay.
///
/// `through_file`: the version goes through a snapshot's bytes as a checkpoint
/// writes them, and the engine is made as `Engine::open` makes it (deep verify,
/// index from the parts, no replay).
fn reload(engine: &Engine, through_file: bool) -> Engine {
    let version = engine.snapshot();
    let (index, memberships) = version.to_index();
    if !through_file {
        return Engine::from_index(index, options());
    }
    let bytes = dyngroup_snapshot::to_bytes(
        &index,
        &memberships,
        &dyngroup_snapshot::WriteOptions {
            parse_options: version.rules_parse_options(),
        },
    )
    .expect("a small index fits");
    let file = dyngroup_snapshot::Snapshot::from_bytes(&bytes).expect("it opens");
    let (index, memberships) = file.verified_index().expect("it verifies");
    Engine::from_evaluated(index, &memberships, options())
}

fn dump(s: &Version) -> Dump {
    s.groups()
        .iter()
        .map(|g| (g.id().to_owned(), g.members().map(String::from).collect()))
        .collect()
}

fn options() -> EngineOptions {
    EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: LIMIT,
            ..Limits::default()
        },
        ..EngineOptions::default()
    }
}

/// Every principal OCID the ops can name.
fn all_ids() -> BTreeSet<String> {
    KINDS
        .iter()
        .flat_map(|k| (0..12u32).map(move |n| format!("ocid1.{k}.oc1..p{n}")))
        .collect()
}

/// What a version answers about one principal, ordinal aside (it differs between
/// an engine made from an index and one built by replay).
type Seen = Option<(String, String, String, bool, Vec<(String, String, String)>)>;

fn seen(s: &Version, id: &str) -> Seen {
    s.principal(id).map(|p| {
        (
            p.compartment_id().to_owned(),
            p.tenancy_id().to_owned(),
            p.resource_type().to_owned(),
            p.is_instance(),
            p.tags()
                .map(|(n, k, v)| (n.to_owned(), k.to_owned(), v.to_owned()))
                .collect(),
        )
    })
}

/// The principals a version holds, and what it says of each, equal those of an
/// engine built by replay from the model's inventory; an id not held is unknown to
/// every reader call; the sizes agree.
fn check_principals(engine: &Engine, model: &Model) -> Result<(), TestCaseError> {
    let s = engine.snapshot();
    let principals: Vec<Principal> = model.principals.values().cloned().collect();
    let (replayed, _) = Engine::build(&principals, [], options());
    let r = replayed.snapshot();
    for id in all_ids() {
        let got = seen(&s, &id);
        prop_assert_eq!(&got, &seen(&r, &id), "principal {}", id);
        match model.principals.get(&id) {
            Some(p) => {
                let got = got.expect("held");
                prop_assert_eq!((&got.0, &got.1), (&p.compartment_id, &p.tenancy_id));
                let info = s.principal(&id).unwrap();
                prop_assert_eq!(info.id(), id.as_str());
                let tags: Vec<_> = info.tags().collect();
                let mut sorted = tags.clone();
                sorted.sort_unstable();
                prop_assert_eq!(tags, sorted, "tags sorted");
            }
            None => {
                prop_assert!(s.groups_of(&id).is_none(), "groups_of {}", id);
                for g in &model.groups {
                    prop_assert!(!s.is_member(&id, &g.id));
                    prop_assert!(s.explain(&id, &g.id).is_err());
                }
            }
        }
    }
    let stats = engine.stats();
    prop_assert_eq!(stats.principals, model.principals.len());
    let tenancies: BTreeSet<&str> = model
        .principals
        .values()
        .map(|p| p.tenancy_id.as_str())
        .chain(model.groups.iter().map(|g| g.tenancy_id.as_str()))
        .collect();
    prop_assert_eq!(stats.tenancies, tenancies.len());
    prop_assert_eq!(s.tenancy_ids(), tenancies.into_iter().collect::<Vec<_>>());
    prop_assert!(stats.own_tenancies <= stats.tenancies);
    prop_assert!(stats.ordinal_span >= stats.principals);
    Ok(())
}

fn check_step(engine: &Engine, model: &Model, expected: &Dump) -> Result<(), TestCaseError> {
    check_principals(engine, model)?;
    let s = engine.snapshot();
    prop_assert_eq!(&dump(&s), expected);
    prop_assert_eq!(s.principal_count(), model.principals.len());
    // Group definitions as the model has them.
    for g in &model.groups {
        let info = s.group(&g.id).expect("a live group");
        prop_assert_eq!(
            (info.name(), info.tenancy_id()),
            (g.name.as_str(), g.tenancy_id.as_str())
        );
        prop_assert_eq!(
            (info.description(), info.matching_rule()),
            (g.description.as_str(), g.matching_rule.as_str())
        );
        // No stale ordinal in the bitmap (`members()` skips free ordinals).
        prop_assert_eq!(info.member_count(), expected[&g.id].len() as u64);
    }
    // principal → groups is the transpose; explain agrees with membership.
    for id in model.principals.keys() {
        let mut got: Vec<&str> = s
            .groups_of(id)
            .expect("held")
            .iter()
            .map(|g| g.id())
            .collect();
        got.sort_unstable();
        let want: Vec<&str> = expected
            .iter()
            .filter(|(_, m)| m.contains(id))
            .map(|(g, _)| g.as_str())
            .collect();
        prop_assert_eq!(got, want);
        for g in &model.groups {
            let member = expected[&g.id].contains(id);
            prop_assert_eq!(s.is_member(id, &g.id), member);
            prop_assert_eq!(s.explain(id, &g.id).unwrap().member, member);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn engine_equals_a_full_recompute_after_every_step(
        initial in prop::collection::vec(principal(), 0..20),
        initial_groups in prop::collection::vec(group(), 0..4),
        ops in prop::collection::vec(op(), 40..80),
        batch_at in 0..80usize,
        reload_at in prop::option::of(0..80usize),
        from_index in any::<bool>(),
        through_file in any::<bool>(),
    ) {
        // Start from a built engine (principals first, then groups as bitmaps), or
        // from that engine's index without replay, directly or through a snapshot
        // file's bytes; part way through, the engine may be made again the same way
        // from its own version (as a checkpoint and an open do).
        let mut model = Model::default();
        let (mut engine, refused) = Engine::build(&initial, initial_groups.clone(), options());
        if from_index {
            engine = reload(&engine, through_file);
        }
        let empty = Dump::new();
        for p in &initial {
            model.apply(&Change::UpsertPrincipal(p.clone()), &empty, None).unwrap();
        }
        let mut refused_at: Vec<usize> = Vec::new();
        for (i, g) in initial_groups.into_iter().enumerate() {
            let verdict = model.check_create(&g);
            if g.id.is_empty() && verdict.is_ok() {
                // The engine chose an id: find it by name.
                let s = engine.snapshot();
                let id = s.group_by_name(&g.tenancy_id, &g.name).unwrap().id().to_owned();
                model.groups.push(DynamicGroup { id, ..g });
            } else if verdict.is_ok() {
                model.groups.push(g);
            } else {
                refused_at.push(i);
            }
        }
        prop_assert_eq!(refused.iter().map(|r| r.index).collect::<Vec<_>>(), refused_at);
        let mut before = model.recompute();
        check_step(&engine, &model, &before)?;
        // The same changes, all in one batch, to an engine made from this version's
        // index: its tenancies are copied out of the base on all threads first. (Only
        // when the engine is not made again part way: a made engine numbers the group
        // ids it makes up afresh, and later changes name the ids it made.)
        let mut batched = (from_index && reload_at.is_none()).then(|| reload(&engine, through_file));
        let (mut sequence, mut refusals) = (Vec::new(), 0);

        for (step, op) in ops.iter().enumerate() {
            if reload_at == Some(step) {
                engine = reload(&engine, through_file);
                check_step(&engine, &model, &before)
                    .map_err(|e| TestCaseError::fail(format!("reloaded at step {step}: {e}")))?;
            }
            let change = model.resolve(op);
            let version = engine.version();
            // A reader's version taken before the change (and any copy it makes).
            let held = engine.snapshot();
            let held_seen: Vec<Seen> = all_ids().iter().map(|id| seen(&held, id)).collect();
            let result = if step == batch_at {
                // One step goes through the batch API.
                let applied = engine.apply([change.clone()]);
                match applied.refused.first() {
                    Some(r) => Err(r.error.clone()),
                    None => Ok(applied.delta),
                }
            } else {
                engine.apply_one(change.clone())
            };
            let created = result.as_ref().ok().and_then(|d| {
                d.groups.iter().find(|g| g.change == GroupChange::Created).map(|g| g.group_id.to_string())
            });
            let verdict = model.apply(&change, &before, created);
            sequence.push(change.clone());
            refusals += usize::from(result.is_err());
            let after = model.recompute();
            match (&result, &verdict) {
                (Ok(delta), Ok(())) => {
                    // before + delta = after, group by group.
                    let mut summed = before.clone();
                    for g in &delta.groups {
                        let kind = match (before.contains_key(&*g.group_id), after.contains_key(&*g.group_id)) {
                            (false, true) => GroupChange::Created,
                            (true, false) => GroupChange::Deleted,
                            _ => GroupChange::Updated,
                        };
                        prop_assert_eq!(g.change, kind, "change kind");
                        let members = summed.entry(g.group_id.to_string()).or_default();
                        for p in &g.left {
                            prop_assert!(members.remove(&**p), "left {} without being in {}", p, g.group_id);
                        }
                        for p in &g.joined {
                            prop_assert!(members.insert(p.to_string()), "joined {} twice", p);
                        }
                        if g.change == GroupChange::Deleted {
                            prop_assert!(members.is_empty());
                            summed.remove(&*g.group_id);
                        }
                    }
                    prop_assert_eq!(&summed, &after, "deltas add up, step {} {:?}", step, change);
                }
                (Err(got), Err(want)) => {
                    prop_assert_eq!(got, want, "step {} {:?}", step, change);
                    prop_assert_eq!(engine.version(), version, "a refused change publishes nothing");
                    prop_assert_eq!(&before, &after);
                }
                _ => prop_assert!(false, "step {step} {change:?}: engine {result:?}, model {verdict:?}"),
            }
            check_step(&engine, &model, &after)
                .map_err(|e| TestCaseError::fail(format!("step {step} {change:?}: {e}")))?;
            // The version read before the change still answers as it did.
            prop_assert_eq!(&dump(&held), &before, "an old version, step {}", step);
            prop_assert_eq!(
                all_ids().iter().map(|id| seen(&held, id)).collect::<Vec<_>>(),
                held_seen,
                "an old version's principals, step {}", step
            );
            before = after;
        }

        if let Some(batched) = &mut batched {
            let applied = batched.apply(sequence);
            prop_assert_eq!(applied.refused.len(), refusals);
            check_step(batched, &model, &before)
                .map_err(|e| TestCaseError::fail(format!("one batch: {e}")))?;
        }

        // The batch index agrees as well.
        let fleet = common::Fleet {
            principals: model.principals.values().cloned().collect(),
            groups: model.groups.clone(),
        };
        let index = common::build(&fleet);
        let m = index.evaluate();
        for (g, members) in common::ocids(&index, &m).into_iter().enumerate() {
            prop_assert_eq!(&members.into_iter().collect::<BTreeSet<_>>(), &before[&fleet.groups[g].id]);
        }

        // A checkpoint of the final version (base and own tenancies mixed) holds the
        // same memberships, and an engine made from it answers the same.
        let (index, m) = engine.snapshot().to_index();
        prop_assert_eq!(index.principal_count(), model.principals.len());
        for (g, members) in index.group_ids().zip(common::ocids(&index, &m)) {
            let id = index.group(g).id.clone();
            prop_assert_eq!(&members.into_iter().collect::<BTreeSet<_>>(), &before[&id]);
        }
        let again = Engine::from_index(index, options());
        prop_assert_eq!(&dump(&again.snapshot()), &before);
        check_principals(&again, &model)?;

        // Remove everything: nothing stays allocated.
        let mut all: Vec<Change> = model
            .principals
            .keys()
            .map(|id| Change::RemovePrincipal { id: id.clone() })
            .collect();
        all.extend(model.groups.iter().map(|g| Change::DeleteGroup { id: g.id.clone(), force: true }));
        let applied = engine.apply(all);
        prop_assert!(applied.refused.is_empty());
        let stats = engine.stats();
        prop_assert_eq!((stats.principals, stats.groups, stats.tenancies), (0, 0, 0));
        prop_assert_eq!((stats.terms, stats.ordinal_span), (0, 0));
        prop_assert!(dump(&engine.snapshot()).is_empty());
    }
}
