//! Helpers shared by the integration tests: every evaluation path over one fleet.

#![allow(dead_code)] // each test binary uses a different subset

use dyngroup_index::{
    EvalOptions, GroupId, Index, IndexBuilder, Memberships, PrincipalId, reference,
};

pub use dyngroup_testsupport::Fleet;

/// Every way of computing memberships. Each returns, per group in input order, the
/// sorted OCIDs of its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Reference,
    ReferenceParallel,
    BitmapSequential,
    BitmapParallel,
    /// Parallel, with every tenancy split by plan level (exercises the inner split).
    BitmapParallelSplit,
    /// An empty `engine::Engine` fed the fleet as changes, one at a time (groups
    /// first, then principals in order; and the other way round, which must agree),
    /// with the deltas summed along the way.
    Incremental,
    /// An engine made from the built index without replay (`Engine::from_index`),
    /// then turned back into an index of its version (`Version::to_index`, what a
    /// checkpoint writes) and made into an engine again; both engines answer. (The
    /// snapshot file round trip and `Engine::open` run these cases in the snapshot
    /// crate's tests.)
    EngineFromIndex,
}

pub const PATHS: [Path; 7] = [
    Path::Reference,
    Path::ReferenceParallel,
    Path::BitmapSequential,
    Path::BitmapParallel,
    Path::BitmapParallelSplit,
    Path::Incremental,
    Path::EngineFromIndex,
];

pub fn build(fleet: &Fleet) -> Index {
    let mut b = IndexBuilder::new();
    b.add_principals(&fleet.principals);
    for (i, g) in fleet.groups.iter().enumerate() {
        let id = b
            .add_group(g.clone())
            .expect("test groups have valid, unique names");
        assert_eq!(id, GroupId::from_raw(i as u32));
    }
    b.build()
}

pub fn options(path: Path) -> Option<EvalOptions> {
    match path {
        Path::Reference | Path::ReferenceParallel | Path::Incremental | Path::EngineFromIndex => {
            None
        }
        Path::BitmapSequential => Some(EvalOptions::sequential()),
        Path::BitmapParallel => Some(EvalOptions::parallel()),
        Path::BitmapParallelSplit => Some(EvalOptions {
            parallel: true,
            split_tenancy_at: 0,
        }),
    }
}

/// Per group, the sorted OCIDs of its members.
pub fn run(path: Path, fleet: &Fleet, index: &Index) -> Vec<Vec<String>> {
    if path == Path::Incremental {
        let groups_first = replay(fleet, true);
        assert_eq!(groups_first, replay(fleet, false), "replay order");
        return groups_first;
    }
    if path == Path::EngineFromIndex {
        return from_index(fleet, index);
    }
    match options(path) {
        None => {
            let r = if path == Path::Reference {
                reference::evaluate(&fleet.principals, &fleet.groups)
            } else {
                reference::evaluate_parallel(&fleet.principals, &fleet.groups)
            };
            (0..fleet.groups.len())
                .map(|g| {
                    r.member_ids(&fleet.principals, g)
                        .into_iter()
                        .map(String::from)
                        .collect()
                })
                .collect()
        }
        Some(o) => {
            let m = index.evaluate_with(&o);
            check_transpose(index, &m);
            ocids(index, &m)
        }
    }
}

pub fn ocids(index: &Index, m: &Memberships) -> Vec<Vec<String>> {
    index
        .group_ids()
        .map(|g| {
            let mut v: Vec<String> = m.member_ocids(index, g).map(String::from).collect();
            v.sort();
            v
        })
        .collect()
}

/// principal → groups is exactly the transpose of group → members, ascending.
pub fn check_transpose(index: &Index, m: &Memberships) {
    let mut expected: Vec<Vec<GroupId>> = vec![Vec::new(); index.principal_count()];
    for g in index.group_ids() {
        for p in m.members(g) {
            expected[p as usize].push(g);
        }
    }
    for (p, groups) in expected.iter().enumerate() {
        assert_eq!(
            m.groups_of(PrincipalId::from_raw(p as u32)),
            &groups[..],
            "groups of principal {p}"
        );
    }
    for g in index.group_ids() {
        let t = index.group_tenancy(g);
        assert!(
            m.members(g).is_subset(index.tenancy_principals(t)),
            "tenancy isolation"
        );
    }
}

/// Per group in input order, the sorted OCIDs of its members in an engine made from
/// `index`, and in one made from that engine's version turned back into an index.
pub fn from_index(fleet: &Fleet, index: &Index) -> Vec<Vec<String>> {
    use dyngroup_index::engine::{Engine, EngineOptions};
    let members = |engine: &Engine| -> Vec<Vec<String>> {
        let snapshot = engine.snapshot();
        fleet
            .groups
            .iter()
            .map(|g| {
                let group = snapshot
                    .group_by_name(&g.tenancy_id, &g.name)
                    .expect("every group is held");
                let mut members: Vec<String> = group.members().map(String::from).collect();
                members.sort();
                members
            })
            .collect()
    };
    let engine = Engine::from_index(index.clone(), EngineOptions::default());
    let first = members(&engine);
    let (again, _) = engine.snapshot().to_index();
    assert_eq!(again.principal_count(), index.principal_count());
    assert_eq!(
        members(&Engine::from_index(again, EngineOptions::default())),
        first
    );
    first
}

/// Replays the fleet into an empty engine as single changes and returns, per group in
/// input order, the sorted OCIDs of its members. Checks on the way that the deltas add
/// up to the final memberships and that no change is refused but a group whose rule
/// does not parse (a live create refuses it; batch keeps it, with no members).
pub fn replay(fleet: &Fleet, groups_first: bool) -> Vec<Vec<String>> {
    use dyngroup_index::Limits;
    use dyngroup_index::engine::{Change, ChangeError, Engine, EngineOptions};
    use std::collections::{BTreeMap, BTreeSet};

    // Batch evaluation reports a tenancy over the group limit; it does not refuse.
    let options = EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: usize::MAX,
            ..Limits::default()
        },
        ..EngineOptions::default()
    };
    let mut engine = Engine::with_options(options);
    let groups = fleet.groups.iter().map(|g| Change::CreateGroup(g.clone()));
    let principals = fleet
        .principals
        .iter()
        .map(|p| Change::UpsertPrincipal(p.clone()));
    let changes: Vec<Change> = if groups_first {
        groups.chain(principals).collect()
    } else {
        principals.chain(groups).collect()
    };
    let mut summed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut refused = BTreeSet::new();
    for change in changes {
        let delta = match engine.apply_one(change.clone()) {
            Ok(delta) => delta,
            Err(ChangeError::InvalidRule { name, .. }) => {
                let Change::CreateGroup(g) = change else {
                    panic!("only a create is refused")
                };
                refused.insert((g.tenancy_id, name));
                continue;
            }
            Err(e) => panic!("replayed changes are accepted: {e}"),
        };
        for g in delta.groups {
            let members = summed.entry(g.group_id.to_string()).or_default();
            for p in &g.left {
                assert!(members.remove(&**p), "left without being a member");
            }
            for p in &g.joined {
                assert!(members.insert(p.to_string()), "joined twice");
            }
        }
    }
    let snapshot = engine.snapshot();
    fleet
        .groups
        .iter()
        .map(|g| {
            if refused.contains(&(g.tenancy_id.clone(), g.name.clone())) {
                return Vec::new();
            }
            let group = snapshot
                .group_by_name(&g.tenancy_id, &g.name)
                .expect("every group was created");
            let mut members: Vec<String> = group.members().map(String::from).collect();
            members.sort();
            let from_deltas: Vec<String> = summed
                .get(group.id())
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            assert_eq!(members, from_deltas, "deltas add up, group {}", g.name);
            members
        })
        .collect()
}
