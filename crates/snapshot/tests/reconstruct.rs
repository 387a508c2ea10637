//! `Snapshot::principals` and `Snapshot::groups` give back an inventory and groups
//! that, indexed again, answer exactly as the snapshot does.

mod common;

use common::{Fleet, answers, fleet, small_fleet, snapshot_of};
use dyngroup_index::DefinedTag;
use dyngroup_snapshot::Snapshot;
use proptest::prelude::*;

fn reconstructed(s: &Snapshot) -> Fleet {
    Fleet {
        principals: s.principals().expect("a valid snapshot"),
        groups: s.groups(),
    }
}

#[test]
fn small_fleet_comes_back_with_case_folded_tags() {
    let fleet = small_fleet();
    let (_, _, bytes) = snapshot_of(&fleet);
    let s = Snapshot::from_bytes(&bytes).unwrap();
    let again = reconstructed(&s);
    assert_eq!(again.groups, fleet.groups);
    assert_eq!(again.principals.len(), fleet.principals.len());
    for original in &fleet.principals {
        let p = again
            .principals
            .iter()
            .find(|p| p.id == original.id)
            .expect("every principal comes back");
        assert_eq!(p.compartment_id, original.compartment_id);
        assert_eq!(p.tenancy_id, original.tenancy_id);
        assert_eq!(p.resource_type(), original.resource_type());
        assert_eq!(p.lifecycle_state, None);
        let folded: Vec<DefinedTag> = original
            .defined_tags
            .iter()
            .map(|t| DefinedTag {
                namespace: t.namespace.to_ascii_lowercase(),
                key: t.key.to_ascii_lowercase(),
                value: t.value.clone(),
            })
            .collect();
        assert_eq!(p.defined_tags, folded);
    }
    let (_, _, rebuilt) = snapshot_of(&again);
    assert_eq!(
        answers(&Snapshot::from_bytes(&rebuilt).unwrap()),
        answers(&s)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reconstructed_fleets_answer_alike(fleet in fleet()) {
        let (_, _, bytes) = snapshot_of(&fleet);
        let s = Snapshot::from_bytes(&bytes).unwrap();
        let again = reconstructed(&s);
        prop_assert_eq!(again.principals.len(), s.principal_count());
        let (_, _, rebuilt) = snapshot_of(&again);
        let r = Snapshot::from_bytes(&rebuilt).unwrap();
        prop_assert_eq!(answers(&r), answers(&s));
    }
}
