//! The index's case corpus (`crates/index/testdata/cases/*.txt`, read by the shared
//! `dyngroup-testsupport` crate) through the snapshot: every case's index is written,
//! opened and queried; opened as a live engine (`Engine::open`); checkpointed and
//! opened again. Each group's members must be the case's `expect` line on every path,
//! and the rebuilt index must evaluate to the same memberships. (Limits are the
//! index's business.)

use dyngroup_index::engine::{Engine, EngineOptions};
use dyngroup_snapshot::{EngineFile, Snapshot, WriteOptions};
use dyngroup_testsupport::{Case, load};

/// Per group of the case (in input order), the sorted members `members` gives.
fn check(case: &Case, what: &str, path: &str, members: &dyn Fn(&str, &str) -> Vec<String>) {
    for g in &case.fleet.groups {
        let mut got = members(&g.tenancy_id, &g.name);
        got.sort();
        assert_eq!(
            Some(&got),
            case.expect.get(&g.name),
            "{what}: {} on {path}",
            g.name
        );
    }
}

fn engine_members(engine: &Engine) -> impl Fn(&str, &str) -> Vec<String> + '_ {
    move |tenancy, name| {
        let s = engine.snapshot();
        let group = s.group_by_name(tenancy, name).expect("every group is held");
        group.members().map(String::from).collect()
    }
}

#[test]
fn every_case_round_trips_through_a_snapshot_and_an_engine() {
    let dir = std::env::temp_dir().join(format!("dgs-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("case.dgs");
    let mut checked = 0;
    for case in load() {
        let what = format!("{}: {}", case.file, case.title);
        let mut builder = dyngroup_index::IndexBuilder::new();
        builder.add_principals(&case.fleet.principals);
        for g in &case.fleet.groups {
            builder.add_group(g.clone()).expect(&what);
        }
        let index = builder.build();
        let memberships = index.evaluate();
        let bytes = dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default())
            .expect(&what);
        let s = Snapshot::from_bytes(&bytes).expect(&what);
        s.verify().expect(&what);
        check(&case, &what, "the snapshot", &|tenancy, name| {
            let id = s.group_id(tenancy, name).expect(&what);
            let members = s.member_ocids(id).unwrap();
            for m in &members {
                let p = s.principal_id(m).expect(&what);
                assert!(s.groups_of(p).any(|x| x == id), "{what}: {m} lists {name}");
            }
            members.into_iter().map(String::from).collect()
        });
        let (again, stored) = s.to_index().expect(&what);
        assert_eq!(stored, memberships, "{what}");
        assert_eq!(again.evaluate(), memberships, "{what}");

        // Opened as a live engine, then checkpointed and opened again.
        std::fs::write(&file, &bytes).unwrap();
        let engine = Engine::open(&file, EngineOptions::default()).expect(&what);
        check(&case, &what, "Engine::open", &engine_members(&engine));
        engine.checkpoint(&file).expect(&what);
        let reopened = Engine::open(&file, EngineOptions::default()).expect(&what);
        check(
            &case,
            &what,
            "checkpoint → open",
            &engine_members(&reopened),
        );
        checked += case.fleet.groups.len();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(checked > 50, "the corpus was read ({checked} groups)");
}
