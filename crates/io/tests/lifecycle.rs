//! Lifecycle states as read from an inventory: TERMINATED, TERMINATING, DELETED and
//! DELETING (any case) make a principal a member of nothing, in the batch index, the
//! engine (initial build and live upserts) and the reference evaluator alike.

use dyngroup_index::engine::{Change, Engine, EngineOptions};
use dyngroup_index::{IndexBuilder, reference};
use dyngroup_io::{ReadOptions, read_groups_from, read_inventory_from};

const T: &str = "ocid1.tenancy.oc1..t";

fn record(id: &str, state: &str) -> String {
    format!(
        r#"{{"id": "{id}", "compartment-id": "ocid1.compartment.oc1..c", "tenancy-id": "{T}", "lifecycle-state": "{state}"}}"#
    )
}

#[test]
fn ended_principals_are_members_of_nothing_on_every_path() {
    let states = [
        ("ocid1.fnfunc.oc1..running", "ACTIVE"),
        ("ocid1.fnfunc.oc1..deleted", "DELETED"),
        ("ocid1.fnfunc.oc1..deleting", "deleting"),
        ("ocid1.instance.oc1..terminated", "Terminated"),
        ("ocid1.instance.oc1..terminating", "TERMINATING"),
        ("ocid1.instance.oc1..stopped", "STOPPED"),
    ];
    let text: String = states
        .iter()
        .map(|(id, state)| record(id, state) + "\n")
        .collect();
    let inventory =
        read_inventory_from(text.as_bytes(), "fleet.jsonl", &ReadOptions::default()).expect("read");
    let groups = read_groups_from(
        format!(r#"{{"name": "all", "matching-rule": "resource.compartment.id = 'ocid1.compartment.oc1..c'", "compartment-id": "{T}"}}"#).as_bytes(),
        "groups.jsonl",
        &ReadOptions::default(),
    )
    .expect("read");
    let live = ["ocid1.fnfunc.oc1..running", "ocid1.instance.oc1..stopped"];

    let mut builder = IndexBuilder::new();
    builder.add_principals(inventory.principals());
    for g in groups.groups() {
        builder.add_group(g.clone()).expect("group");
    }
    let index = builder.build();
    let memberships = index.evaluate();
    let mut batch: Vec<&str> = memberships
        .member_ocids(&index, index.group_ids().next().expect("a group"))
        .collect();
    batch.sort_unstable();
    assert_eq!(batch, live);

    let oracle = reference::evaluate(inventory.principals(), groups.groups());
    assert_eq!(oracle.member_ids(inventory.principals(), 0), live);

    let (mut engine, refused) = Engine::build(
        inventory.principals(),
        groups.groups().iter().cloned(),
        EngineOptions::default(),
    );
    assert!(refused.is_empty());
    let snapshot = engine.reader().snapshot();
    let mut held: Vec<&str> = snapshot.groups()[0].members().collect();
    held.sort_unstable();
    assert_eq!(held, live);

    // A live principal that becomes DELETING leaves its group.
    let mut deleting = inventory.principals()[0].clone();
    deleting.lifecycle_state = Some("Deleting".to_owned());
    let delta = engine
        .apply_one(Change::UpsertPrincipal(deleting))
        .expect("applied");
    assert!(!delta.is_empty(), "{delta:?}");
    let snapshot = engine.reader().snapshot();
    let held: Vec<&str> = snapshot.groups()[0].members().collect();
    assert_eq!(held, ["ocid1.instance.oc1..stopped"]);
}
