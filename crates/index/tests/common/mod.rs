//! Helpers shared by the integration tests: every evaluation path over one fleet.

#![allow(dead_code)] // each test binary uses a different subset

use dyngroup_index::{
    DynamicGroup, EvalOptions, GroupId, Index, IndexBuilder, Memberships, Principal, PrincipalId,
    reference,
};

/// An inventory and its groups, engine-independent.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    pub principals: Vec<Principal>,
    pub groups: Vec<DynamicGroup>,
}

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
    // Snapshot round-trip and incremental replay join here when the snapshot crate
    // and the incremental API exist: add a variant and its arm in `run`.
}

pub const PATHS: [Path; 5] = [
    Path::Reference,
    Path::ReferenceParallel,
    Path::BitmapSequential,
    Path::BitmapParallel,
    Path::BitmapParallelSplit,
];

pub fn build(fleet: &Fleet) -> Index {
    let mut b = IndexBuilder::new();
    b.add_principals(&fleet.principals);
    for (i, g) in fleet.groups.iter().enumerate() {
        let id = b
            .add_group(g.clone())
            .expect("test groups have valid, unique names");
        assert_eq!(id, GroupId(i as u32));
    }
    b.build()
}

pub fn options(path: Path) -> Option<EvalOptions> {
    match path {
        Path::Reference | Path::ReferenceParallel => None,
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
            m.groups_of(PrincipalId(p as u32)),
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
