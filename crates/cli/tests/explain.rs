//! `dyngroup explain` through the real binary: every principal the inputs name gets an
//! answer that says why (terminated, not an instance, another tenancy, another shard).

mod common;

use std::fs;
use std::path::PathBuf;

use common::{dyngroup, path, scratch, stderr, stdout};
use serde_json::Value;

const T1: &str = "ocid1.tenancy.oc1..one";
const T2: &str = "ocid1.tenancy.oc1..two";
const I1: &str = "ocid1.instance.oc1..i1";
const F1: &str = "ocid1.fnfunc.oc1..f1";
const GONE: &str = "ocid1.instance.oc1..gone";
const J1: &str = "ocid1.instance.oc1..j1";

/// Two tenancies: T1 with an instance, a function and a terminated instance; T2 with
/// one instance and a group named `only-two`.
fn fleet(name: &str) -> (PathBuf, String, String) {
    let dir = scratch(name);
    let inventory = [
        format!(
            r#"{{"id": "{I1}", "compartment-id": "ocid1.compartment.oc1..c1", "tenancy-id": "{T1}", "defined-tags": {{"ops": {{"role": "web"}}}}}}"#
        ),
        format!(
            r#"{{"id": "{F1}", "compartment-id": "ocid1.compartment.oc1..c1", "tenancy-id": "{T1}"}}"#
        ),
        format!(
            r#"{{"id": "{GONE}", "compartment-id": "ocid1.compartment.oc1..c1", "tenancy-id": "{T1}", "lifecycle-state": "TERMINATED", "defined-tags": {{"ops": {{"role": "web"}}}}}}"#
        ),
        format!(
            r#"{{"id": "{J1}", "compartment-id": "ocid1.compartment.oc1..c2", "tenancy-id": "{T2}", "defined-tags": {{"ops": {{"role": "web"}}}}}}"#
        ),
    ];
    let groups = [
        format!(
            r#"{{"name": "not-i1", "matching-rule": "instance.id != '{I1}'", "compartment-id": "{T1}"}}"#
        ),
        format!(
            r#"{{"name": "web", "matching-rule": "tag.ops.role.value = 'web'", "compartment-id": "{T1}"}}"#
        ),
        format!(
            r#"{{"name": "only-two", "matching-rule": "tag.ops.role.value = 'web'", "compartment-id": "{T2}"}}"#
        ),
    ];
    let (inv, grp) = (path(&dir, "inventory.jsonl"), path(&dir, "groups.jsonl"));
    fs::write(&inv, inventory.join("\n") + "\n").unwrap();
    fs::write(&grp, groups.join("\n") + "\n").unwrap();
    (dir, inv, grp)
}

/// Runs explain; expects exit code 0 and returns stdout.
fn explain(inv: &str, grp: &str, extra: &[&str]) -> String {
    let mut args = vec!["explain", "--inventory", inv, "--groups", grp];
    args.extend_from_slice(extra);
    let out = dyngroup(&args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn a_terminated_principal_is_in_no_group_and_says_why() {
    let (_dir, inv, grp) = fleet("terminated");
    let text = explain(&inv, &grp, &["--principal", GONE]);
    assert_eq!(
        text,
        format!(
            "principal {GONE} (tenancy {T1}): in no group here: its lifecycle state is \
             TERMINATED: a principal that is TERMINATED, TERMINATING, DELETED or DELETING is \
             not indexed, so no rule matches it\n"
        )
    );
    let json: Value =
        serde_json::from_str(&explain(&inv, &grp, &["--principal", GONE, "--json"])).unwrap();
    assert_eq!(json["indexed"], false);
    assert_eq!(json["lifecycle-state"], "TERMINATED");
    assert_eq!(json["groups"], serde_json::json!([]));
    assert!(json["why"].as_str().unwrap().contains("not indexed"));
    // With --group too.
    let text = explain(&inv, &grp, &["--principal", GONE, "--group", "web"]);
    assert!(text.contains("in no group here"), "{text}");
}

#[test]
fn an_instance_condition_on_a_function_says_it_holds_only_for_instances() {
    let (_dir, inv, grp) = fleet("not-instance");
    let text = explain(&inv, &grp, &["--principal", F1, "--group", "not-i1"]);
    assert!(text.contains("not a member"), "{text}");
    assert!(
        text.contains(&format!(
            "false  instance.id != '{I1}'  (`instance.*` conditions, `!=` included, hold only \
             for instances; this principal is a fnfunc)"
        )),
        "{text}"
    );
    let json: Value = serde_json::from_str(&explain(
        &inv,
        &grp,
        &["--principal", F1, "--group", "not-i1", "--json"],
    ))
    .unwrap();
    let tree = &json["groups"][0]["tree"];
    assert_eq!(tree["holds"], false);
    assert!(
        tree["note"]
            .as_str()
            .unwrap()
            .contains("hold only for instances")
    );
    // The same condition on an instance it excludes: false, and no note (the text
    // shows why).
    let json: Value = serde_json::from_str(&explain(
        &inv,
        &grp,
        &["--principal", I1, "--group", "not-i1", "--json"],
    ))
    .unwrap();
    assert_eq!(json["groups"][0]["tree"]["holds"], false);
    assert!(json["groups"][0]["tree"].get("note").is_none());
}

#[test]
fn a_group_of_another_tenancy_can_never_match_by_tenancy_isolation() {
    let (_dir, inv, grp) = fleet("isolation");
    // The rule holds for i1 (it has the tag), yet i1 is not a member: isolation.
    let text = explain(&inv, &grp, &["--principal", I1, "--group", "only-two"]);
    assert!(
        text.contains(&format!("group only-two (tenancy {T2}): not a member")),
        "{text}"
    );
    assert!(text.contains("tenancy isolation"), "{text}");
    assert!(text.contains("true   tag.ops.role.value = 'web'"), "{text}");
    let json: Value = serde_json::from_str(&explain(
        &inv,
        &grp,
        &["--principal", I1, "--group", "only-two", "--json"],
    ))
    .unwrap();
    let group = &json["groups"][0];
    assert_eq!(group["member"], false);
    assert_eq!(group["same-tenancy"], false);
    assert_eq!(group["tenancy-id"], T2);
    assert!(group["why"].as_str().unwrap().contains("tenancy isolation"));
    // A name no tenancy has is still an error.
    let out = dyngroup(&[
        "explain",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--principal",
        I1,
        "--group",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no group named nope in any tenancy"));
}

#[test]
fn a_principal_of_another_shard_says_which_shard_has_it() {
    let (_dir, inv, grp) = fleet("shard");
    let shard_of = |t: &str, n: u64| xxhash_rust::xxh3::xxh3_64(t.as_bytes()) % n;
    let n = (2..64)
        .find(|&n| shard_of(T1, n) != shard_of(T2, n))
        .expect("some N splits the two tenancies");
    let (mine, theirs) = (shard_of(T1, n), shard_of(T2, n));
    let shard = format!("{theirs}/{n}");
    let text = explain(&inv, &grp, &["--principal", I1, "--shard", &shard]);
    assert!(
        text.contains(&format!(
            "its tenancy {T1} belongs to shard {mine}/{n}, not to this one ({theirs}/{n})"
        )),
        "{text}"
    );
    let json: Value = serde_json::from_str(&explain(
        &inv,
        &grp,
        &["--principal", I1, "--shard", &shard, "--json"],
    ))
    .unwrap();
    assert_eq!(json["principal-shard"], format!("{mine}/{n}"));
    assert_eq!(json["shard"], shard);
    // In its own shard it is explained as usual.
    let text = explain(
        &inv,
        &grp,
        &["--principal", I1, "--shard", &format!("{mine}/{n}")],
    );
    assert!(text.contains("group web"), "{text}");
    assert!(!text.contains("only-two"), "{text}");
}

/// A principal whose record was rejected gets an answer that names the line, and any
/// rejected record makes explain exit 1, as compute does.
#[test]
fn a_rejected_record_is_named_and_rejections_exit_1() {
    let (dir, inv, grp) = fleet("rejected");
    let bad = "ocid1.instance.oc1..bad";
    let mut text = fs::read_to_string(&inv).unwrap();
    text.push_str(&format!(
        r#"{{"id": "{bad}", "compartment-id": "ocid1.compartment.oc1..c1", "tenancy-id": "{T1}", "defined-tags": {{"ops": {{"role": "web", "ROLE": "db"}}}}}}"#
    ));
    text.push('\n');
    fs::write(&inv, text).unwrap();

    let out = dyngroup(&[
        "explain",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--principal",
        bad,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let line = format!("{inv}:5:");
    assert!(
        stdout(&out).starts_with(&format!(
            "principal {bad} (tenancy {T1}): in no group here: its record was rejected, so it is not indexed: {line}"
        )),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("given twice"), "{}", stdout(&out));

    let out = dyngroup(&[
        "explain",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--principal",
        bad,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let answer: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(answer["indexed"], false);
    assert!(answer["why"].as_str().unwrap().contains(&line), "{answer}");

    // Another principal is explained as before, but the run rejected a record.
    let out = dyngroup(&[
        "explain",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--principal",
        I1,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("web"), "{}", stdout(&out));
    assert!(stderr(&out).contains(&line), "{}", stderr(&out));
    let _ = fs::remove_dir_all(dir);
}

/// explain reports, and counts in its exit code, what concerns its answer: as compute
/// on the principal's tenancy alone. An invalid rule there exits 1; another tenancy's
/// invalid rule or rejected record is neither printed nor counted.
#[test]
fn only_the_principals_tenancy_problems_are_reported_and_set_the_exit_code() {
    let (dir, inv, grp) = fleet("tenancy-problems");
    let mut groups = fs::read_to_string(&grp).unwrap();
    groups.push_str(&format!(
        r#"{{"name": "broken", "matching-rule": "ANY {{resource.id = }}", "compartment-id": "{T2}"}}"#
    ));
    groups.push('\n');
    fs::write(&grp, groups).unwrap();
    let mut inventory = fs::read_to_string(&inv).unwrap();
    inventory.push_str(&format!(
        r#"{{"id": "ocid1.instance.oc1..nocompartment", "tenancy-id": "{T2}"}}"#
    ));
    inventory.push('\n');
    fs::write(&inv, inventory).unwrap();

    for json in [false, true] {
        let mut args = vec!["explain", "--inventory", &inv, "--groups", &grp];
        if json {
            args.push("--json");
        }
        // T1: nothing of T2 concerns it.
        let out = dyngroup(&[&args[..], &["--principal", I1]].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "", "json: {json}");
        // T2: its invalid rule and its rejected record, as compute reports them.
        let out = dyngroup(&[&args[..], &["--principal", J1]].concat());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{grp}:4:"))
                && err.contains("invalid matching rule of group `broken`"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{inv}:5:1: error: missing `compartment-id`")),
            "{err}"
        );
    }
    let compute = dyngroup(&["compute", "--inventory", &inv, "--groups", &grp]);
    assert_eq!(compute.status.code(), Some(1), "{}", stderr(&compute));
    let _ = fs::remove_dir_all(dir);
}
