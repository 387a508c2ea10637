//! `dyngroup query --group` on a group whose rule is invalid: it says so (exit code 1)
//! instead of printing an empty answer that looks like a valid one.

mod common;

use std::fs;

use common::{dyngroup, path, scratch, stderr, stdout};
use serde_json::Value;

#[test]
fn a_group_with_an_invalid_rule_says_so() {
    let dir = scratch("invalid-rule");
    let (inventory, groups, snapshot) = (
        path(&dir, "inventory.jsonl"),
        path(&dir, "groups.jsonl"),
        path(&dir, "fleet.dgs"),
    );
    fs::write(
        &inventory,
        r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "ocid1.tenancy.oc1..t"}"#,
    )
    .unwrap();
    fs::write(
        &groups,
        concat!(
            r#"{"name": "broken", "matching-rule": "ALL {instance.id = }", "compartment-id": "ocid1.tenancy.oc1..t"}"#,
            "\n",
            r#"{"name": "empty", "matching-rule": "resource.type = 'fnfunc'", "compartment-id": "ocid1.tenancy.oc1..t"}"#,
            "\n"
        ),
    )
    .unwrap();
    let made = dyngroup(&[
        "compute",
        "--inventory",
        &inventory,
        "--groups",
        &groups,
        "--out",
        "/dev/null",
        "--snapshot",
        &snapshot,
    ]);
    assert_eq!(made.status.code(), Some(1), "{}", stderr(&made));

    let out = dyngroup(&["query", "--snapshot", &snapshot, "--group", "broken"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "dyngroup: group broken (tenancy ocid1.tenancy.oc1..t) has an invalid matching rule, \
         so it has no members:\nerror: `=` has no value after it\n --> 1:18\n  |\n\
         1 | ALL {instance.id = }\n  |                  ^\n"
    );

    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--group",
        "broken",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let record: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(record["count"], 0);
    assert_eq!(record["rule-error"], "1:18: `=` has no value after it");

    // A valid group without members is a plain, clean answer.
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--group",
        "empty",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let record: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(record.get("rule-error").is_none());

    // An indexed principal in no group: an empty list on stdout, and stderr says why.
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--principal",
        "ocid1.instance.oc1..a",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "dyngroup: ocid1.instance.oc1..a is indexed and in no group\n"
    );
}
