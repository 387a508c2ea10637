//! Regressions found by reviewing the CLI as a hostile user, each through the real
//! binary on files shaped as the OCI CLI prints them.

mod common;

use common::{dyngroup, path, scratch, stderr, stdout};
use std::fs;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaareview";

/// `oci iam policy list --all` output: the policies' `statements` field must be read
/// (a merge once dropped its key, so every policy was "missing `statements`" and
/// `who-can` answered nobody).
#[test]
fn who_can_reads_the_statements_of_an_oci_policy_listing() {
    let dir = scratch("statements");
    let inventory = path(&dir, "inventory.jsonl");
    let groups = path(&dir, "groups.jsonl");
    let compartments = path(&dir, "compartments.json");
    let policies = path(&dir, "policies.json");
    fs::write(
        &inventory,
        format!(
            r#"{{"id": "ocid1.instance.oc1..web01", "compartment-id": "{TENANCY}", "tenancy-id": "{TENANCY}", "lifecycle-state": "RUNNING"}}
"#
        ),
    )
    .unwrap();
    fs::write(
        &groups,
        format!(
            r#"{{"id": "ocid1.dynamicgroup.oc1..web", "name": "web", "matching-rule": "resource.type = 'instance'", "compartment-id": "{TENANCY}"}}
"#
        ),
    )
    .unwrap();
    fs::write(
        &compartments,
        format!(
            r#"{{"data": [{{"compartment-id": null, "id": "{TENANCY}", "name": "review", "lifecycle-state": "ACTIVE"}}]}}"#
        ),
    )
    .unwrap();
    fs::write(
        &policies,
        format!(
            r#"{{"data": [{{"compartment-id": "{TENANCY}", "id": "ocid1.policy.oc1..p", "name": "p", "lifecycle-state": "ACTIVE",
  "statements": ["Allow dynamic-group web to read buckets in tenancy"]}}]}}"#
        ),
    )
    .unwrap();
    let out = dyngroup(&[
        "who-can",
        "--inventory",
        &inventory,
        "--groups",
        &groups,
        "--compartments",
        &compartments,
        "--policies",
        &policies,
        "--verb",
        "read",
        "--resource-type",
        "buckets",
        "--compartment",
        TENANCY,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("missing `statements`"),
        "{}",
        stderr(&out)
    );
    let lines = common::jsonl(&stdout(&out));
    assert_eq!(lines.len(), 1, "{}", stdout(&out));
    assert_eq!(lines[0]["id"], "ocid1.instance.oc1..web01");
    assert_eq!(lines[0]["decision"], "allowed");
}

/// A record is a record even when it carries an unknown field named `data` (unknown
/// fields are ignored): it was read as a `{"data": …}` listing, so a JSON Lines record
/// with `"data": []` vanished without a word and one with `"data": "x"` was rejected.
#[test]
fn a_record_with_an_unknown_data_field_is_still_a_record() {
    let dir = scratch("data-field");
    let groups = path(&dir, "groups.jsonl");
    fs::write(
        &groups,
        format!(
            r#"{{"name": "all", "matching-rule": "resource.compartment.id = 'c1'", "compartment-id": "{TENANCY}"}}
"#
        ),
    )
    .unwrap();
    let record = |id: &str, data: &str| {
        format!(
            r#"{{"id": "{id}", "compartment-id": "c1", "tenancy-id": "{TENANCY}", "data": {data}}}"#
        )
    };
    // JSON Lines (the first line decides the container), then a pretty document stream.
    let lines = path(&dir, "lines.jsonl");
    fs::write(
        &lines,
        format!(
            "{}\n{}\n{}\n",
            record("ocid1.instance.oc1..a", "\"x\""),
            record("ocid1.instance.oc1..b", "[]"),
            record("ocid1.instance.oc1..c", "{\"k\": 1}")
        ),
    )
    .unwrap();
    let pretty = path(&dir, "pretty.json");
    fs::write(
        &pretty,
        format!(
            "{}\n{{\n  \"data\": [{}]\n}}\n",
            record("ocid1.instance.oc1..d", "[]").replace(", ", ",\n  "),
            record("ocid1.instance.oc1..e", "null")
        ),
    )
    .unwrap();
    for (file, ids) in [(&lines, &["a", "b", "c"][..]), (&pretty, &["d", "e"][..])] {
        let out = dyngroup(&[
            "compute",
            "--inventory",
            file,
            "--groups",
            &groups,
            "--by",
            "principal",
        ]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let got: Vec<String> = common::jsonl(&stdout(&out))
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = ids
            .iter()
            .map(|i| format!("ocid1.instance.oc1..{i}"))
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

/// A rule pasted from a word processor: the help was "quote the value", which gives
/// `'‘worker’'`, a value that never matches. It must say to use a straight quote.
#[test]
fn a_typographic_quote_around_a_rule_value_asks_for_a_straight_one() {
    for (rule, straight) in [
        ("tag.ops.role.value = ‘worker’", "`'`"),
        ("ANY {tag.ops.role.value = “two words”}", "`\"`"),
    ] {
        let out = dyngroup(&["check", rule]);
        assert_eq!(out.status.code(), Some(1), "{rule}");
        let err = stderr(&out);
        assert!(err.contains("typographic quote"), "{err}");
        assert!(
            err.contains(&format!("help: use a straight quote {straight}")),
            "{err}"
        );
        assert!(!err.contains("quote the value"), "{err}");
    }
}

/// `--compartment C` when two compartments under the root are named `C`: the message
/// said "no compartment at path `C`" (there are two), and for `prod` it gave no hint
/// that `Prod` exists; `policy check` says both for a statement's location.
#[test]
fn an_unresolved_compartment_path_says_why() {
    let dir = scratch("path-why");
    let compartments = path(&dir, "compartments.json");
    fs::write(
        &compartments,
        format!(
            r#"{{"data": [
  {{"compartment-id": null, "id": "{TENANCY}", "name": "root", "lifecycle-state": "ACTIVE"}},
  {{"compartment-id": "{TENANCY}", "id": "ocid1.compartment.oc1..c1", "name": "C", "lifecycle-state": "ACTIVE"}},
  {{"compartment-id": "{TENANCY}", "id": "ocid1.compartment.oc1..c2", "name": "C", "lifecycle-state": "ACTIVE"}},
  {{"compartment-id": "{TENANCY}", "id": "ocid1.compartment.oc1..p", "name": "Prod", "lifecycle-state": "ACTIVE"}}
]}}"#
        ),
    )
    .unwrap();
    let (inventory, groups, policies) = (
        path(&dir, "inventory.jsonl"),
        path(&dir, "groups.jsonl"),
        path(&dir, "policies.json"),
    );
    fs::write(&inventory, "").unwrap();
    fs::write(&groups, "").unwrap();
    fs::write(&policies, r#"{"data": []}"#).unwrap();
    for (at, why) in [
        ("C", "several compartments named `C`"),
        ("prod", "(there is `Prod`: names are compared exactly)"),
    ] {
        let out = dyngroup(&[
            "who-can",
            "--inventory",
            &inventory,
            "--groups",
            &groups,
            "--compartments",
            &compartments,
            "--policies",
            &policies,
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            at,
        ]);
        assert_eq!(out.status.code(), Some(2), "{at}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("no compartment at path `{at}`")),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
    }
}

/// A groups file without `compartment-id` (a hand-written one, as `compute --tenancy`
/// reads): `check --groups` rejected every group with "no --tenancy given", a flag
/// `check` did not have. It has it now.
#[test]
fn check_groups_takes_the_tenancy_its_message_asks_for() {
    let dir = scratch("check-tenancy");
    let groups = path(&dir, "groups.jsonl");
    fs::write(
        &groups,
        "{\"name\": \"web\", \"matching-rule\": \"resource.type = 'instance'\"}\n",
    )
    .unwrap();
    let out = dyngroup(&["check", "--json", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no --tenancy given"),
        "{}",
        stderr(&out)
    );

    let out = dyngroup(&["check", "--json", "--groups", &groups, "--tenancy", TENANCY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = common::jsonl(&stdout(&out));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["tenancy-id"], TENANCY);
    assert_eq!(records[0]["valid"], true);
}

/// `compute --inventory X` without `--groups` runs (checking a file is legal) but says
/// that there is nothing to compute, instead of a silent, empty success.
#[test]
fn half_of_the_inputs_is_noted() {
    let out = dyngroup(&[
        "compute",
        "--inventory",
        "../../datasets/sample/inventory.jsonl",
        "--out",
        "/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("dyngroup: note: no --groups given: there is no group to compute"),
        "{}",
        stderr(&out)
    );
    let out = dyngroup(&[
        "compute",
        "--groups",
        "../../datasets/sample/groups.jsonl",
        "--out",
        "/dev/null",
    ]);
    assert!(
        stderr(&out).contains("no --inventory given: every group has no members"),
        "{}",
        stderr(&out)
    );
}
