//! Round trip: on random fleets, a snapshot answers every query exactly as the
//! in-memory index and memberships it was written from, and rebuilds them.

mod common;

use common::{Fleet, build, fleet, snapshot_of, tenancy};
use dyngroup_index::{DynamicGroup, GroupId, IndexBuilder, Principal, PrincipalId};
use dyngroup_rules::ParseOptions;
use dyngroup_snapshot::{Snapshot, WriteOptions};
use proptest::prelude::*;

fn check_round_trip(fleet: &Fleet) -> Result<(), TestCaseError> {
    let (index, m, bytes) = snapshot_of(fleet);
    let s = Snapshot::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(s.verify().is_ok(), "{:?}", s.verify());
    prop_assert_eq!(s.principal_count(), index.principal_count());
    prop_assert_eq!(s.group_count(), index.group_count());
    prop_assert_eq!(s.tenancy_count(), index.tenancy_count());
    prop_assert_eq!(s.term_count(), index.stats().terms);
    prop_assert_eq!(s.string_count(), index.stats().strings);

    for p in 0..index.principal_count() as u32 {
        let p = PrincipalId::from_raw(p);
        prop_assert_eq!(s.principal(p), index.principal(p));
        prop_assert_eq!(s.tenancy_of(p), index.tenancy_of(p));
        prop_assert_eq!(s.groups_of(p).collect::<Vec<_>>(), m.groups_of(p).to_vec());
    }
    // Every OCID of the inventory (terminated ones included) and some unknown ones.
    let unknown = [
        "",
        "ocid1.instance.oc1..nope",
        "ocid1.instance.oc1..p",
        "zzz",
    ];
    for ocid in fleet
        .principals
        .iter()
        .map(|p| p.id.as_str())
        .chain(unknown)
    {
        prop_assert_eq!(s.principal_id(ocid), index.principal_id(ocid), "{}", ocid);
        prop_assert_eq!(
            s.groups_of_ocid(ocid),
            m.groups_of_ocid(&index, ocid).map(<[GroupId]>::to_vec)
        );
    }
    for g in index.group_ids() {
        let (group, got) = (index.group(g), s.group(g));
        prop_assert_eq!(got.ordinal, g);
        prop_assert_eq!(got.id, &group.id);
        prop_assert_eq!(got.name, &group.name);
        prop_assert_eq!(got.description, &group.description);
        prop_assert_eq!(got.matching_rule, &group.matching_rule);
        prop_assert_eq!(got.tenancy_id, &group.tenancy_id);
        prop_assert_eq!(s.group_tenancy(g), index.group_tenancy(g));
        let upper = group.name.to_ascii_uppercase();
        prop_assert_eq!(s.group_id(&group.tenancy_id, &upper), Some(g));
        prop_assert!(s.groups_named(&upper).contains(&g));
        prop_assert_eq!(&s.members(g).unwrap(), m.members(g));
        prop_assert_eq!(
            s.member_ocids(g).unwrap(),
            m.member_ocids(&index, g).collect::<Vec<_>>()
        );
    }
    for t in 0..4 {
        for name in ["g0", "g7", "nope"] {
            prop_assert_eq!(
                s.group_id(&tenancy(t), name),
                index.group_id(&tenancy(t), name)
            );
        }
    }
    prop_assert_eq!(s.group_id("ocid1.tenancy.oc1..none", "g0"), None);

    // Rebuilt, the index is the same index and evaluates to the same memberships.
    let (again, stored) = s
        .to_index()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&stored, &m);
    prop_assert_eq!(&again.evaluate(), &m);
    prop_assert_eq!(again.to_parts(), index.to_parts());
    let bytes_again = dyngroup_snapshot::to_bytes(&again, &stored, &WriteOptions::default())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        bytes_again == bytes,
        "writing the rebuilt index gives the same bytes"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn snapshot_answers_like_the_index(fleet in fleet()) {
        check_round_trip(&fleet)?;
    }
}

#[test]
fn empty_index_round_trips() {
    check_round_trip(&Fleet::default()).unwrap();
}

#[test]
fn written_file_opens_mapped_and_is_replaced_atomically() {
    let dir = std::env::temp_dir().join(format!("dgs-round-trip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fleet.dgs");
    let fleet = common::small_fleet();
    let index = build(&fleet);
    let m = index.evaluate();
    let len = dyngroup_snapshot::write(&path, &index, &m, &WriteOptions::default()).unwrap();
    assert_eq!(len, std::fs::metadata(&path).unwrap().len());

    let mapped = Snapshot::open(&path).unwrap();
    assert!(mapped.is_mapped());
    let read = Snapshot::read(&path).unwrap();
    assert!(!read.is_mapped());
    assert_eq!(common::answers(&mapped), common::answers(&read));
    assert_eq!(mapped.file_len(), len);

    // Replacing the file while it is open: the open snapshot keeps the old bytes.
    let empty = build(&Fleet::default());
    dyngroup_snapshot::write(&path, &empty, &empty.evaluate(), &WriteOptions::default()).unwrap();
    assert_eq!(common::answers(&mapped), common::answers(&read));
    assert_eq!(Snapshot::open(&path).unwrap().principal_count(), 0);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["fleet.dgs"], "no temporary file is left behind");

    let missing = dir.join("missing.dgs");
    let err = Snapshot::open(&missing).unwrap_err();
    assert!(err.to_string().starts_with("snapshot: "), "{err}");
    assert!(err.to_string().contains("missing.dgs"), "{err}");
    let err = dyngroup_snapshot::write(
        dir.join("no-such-dir").join("x.dgs"),
        &index,
        &m,
        &WriteOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("x.dgs"), "{err}");
    drop((mapped, read));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parse_options_are_stored_and_used_to_rebuild() {
    let legacy = DynamicGroup {
        id: "ocid1.dynamicgroup.oc1..legacy".into(),
        name: "legacy".into(),
        // A bare top-level list: accepted with a warning, refused under --strict.
        matching_rule: "resource.type = 'fnfunc', resource.type = 'instance'".into(),
        tenancy_id: tenancy(0),
        ..DynamicGroup::default()
    };
    let p = Principal {
        id: "ocid1.fnfunc.oc1..f".into(),
        compartment_id: "ocid1.compartment.oc1..c".into(),
        tenancy_id: tenancy(0),
        ..Principal::default()
    };
    for strict in [false, true] {
        let parse_options = ParseOptions {
            strict,
            ..ParseOptions::default()
        };
        let mut b = IndexBuilder::new().parse_options(parse_options);
        b.add_principal(&p);
        let g = b.add_group(legacy.clone()).unwrap();
        let index = b.build();
        let m = index.evaluate();
        assert_eq!(m.members(g).len(), u64::from(!strict));
        let options = WriteOptions { parse_options };
        let s = Snapshot::from_bytes(&dyngroup_snapshot::to_bytes(&index, &m, &options).unwrap())
            .unwrap();
        assert_eq!(s.parse_options(), parse_options);
        let (again, _) = s.to_index().unwrap();
        assert_eq!(again.group_rule(g).is_ok(), !strict);
        assert_eq!(again.evaluate(), m);
    }
}

#[test]
fn memberships_of_another_index_are_refused() {
    let index = build(&common::small_fleet());
    let other = build(&Fleet::default());
    let err = dyngroup_snapshot::to_bytes(&index, &other.evaluate(), &WriteOptions::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "snapshot: cannot write: the memberships are not those of this index"
    );
}

#[test]
fn a_snapshot_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Snapshot>();
}
