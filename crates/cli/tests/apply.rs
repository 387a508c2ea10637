//! The real `dyngroup` binary: `apply` on a snapshot of the built-in sample, checked
//! against `diff` of the two snapshots and against a recompute from scratch.

mod common;

use common::{dyngroup, jsonl, path, sample_snapshot, scratch, stderr, stdout};

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";
const PRODUCTION: &str = "ocid1.compartment.oc1..aaaaaaaaproduction";
const STAGING: &str = "ocid1.compartment.oc1..aaaaaaaastaging";
const WEB01: &str = "ocid1.instance.oc1.phx.anyhqljrexampleweb01";
const WEB02: &str = "ocid1.instance.oc1.phx.anyhqljrexampleweb02";
const STAGE01: &str = "ocid1.instance.oc1.phx.anyhqljrexamplestage01";
const NEW01: &str = "ocid1.instance.oc1.phx.anyhqljrexamplenew01";
const FUNCTION: &str = "ocid1.fnfunc.oc1.phx.aaaaaaaaexamplefunction";
const GATEWAY: &str = "ocid1.apigateway.oc1.phx.amaaaaaaexamplegateway";
const WEB_TIER: &str = "ocid1.dynamicgroup.oc1..aaaaaaaawebtier";
const FUNCTIONS: &str = "ocid1.dynamicgroup.oc1..aaaaaaaafunctions";
const NOTEBOOKS: &str = "ocid1.dynamicgroup.oc1..aaaaaaaanotebooks";

/// Records sorted by group OCID, for comparing outputs whatever their order.
fn by_group(mut records: Vec<Value>) -> Vec<Value> {
    records.sort_by(|a, b| a["group-id"].as_str().cmp(&b["group-id"].as_str()));
    records
}

fn principal(id: &str, compartment: &str, tags: Value) -> Value {
    json!({"id": id, "compartment-id": compartment, "tenancy-id": TENANCY, "defined-tags": tags})
}

/// The changes file: one line per kind of change, a refused delete and a broken line.
fn changes() -> Vec<String> {
    let lines = [
        // 1: retag: web02 is a database now.
        json!({"op": "upsert-principal", "principal": principal(WEB02, PRODUCTION,
            json!({"Operations": {"CostCenter": 42, "Role": "database"}}))}),
        // 2: move: stage01 to production.
        json!({"op": "upsert-principal", "principal": principal(STAGE01, PRODUCTION,
            json!({"operations": {"role": "web"}}))}),
        // 3: termination.
        json!({"op": "upsert-principal", "principal": {"id": WEB01, "compartment-id": PRODUCTION,
            "tenancy-id": TENANCY, "lifecycle-state": "TERMINATED"}}),
        // 4: a new principal.
        json!({"op": "upsert-principal", "principal": principal(NEW01, STAGING,
            json!({"Operations": {"Role": "web"}}))}),
        // 5: a new group (the engine names it).
        json!({"op": "upsert-group", "group": {"name": "staging", "description": "staging instances",
            "matching-rule": format!("instance.compartment.id = '{STAGING}'"), "compartment-id": TENANCY}}),
        // 6: a rule update.
        json!({"op": "upsert-group", "group": {"id": NOTEBOOKS, "name": "data-science",
            "matching-rule": "resource.type = 'datasciencenotebooksession'", "compartment-id": TENANCY}}),
        // 7: a delete of a group with members, without force: refused.
        json!({"op": "delete-group", "id": WEB_TIER, "force": false}),
        // 8: a forced delete.
        json!({"op": "delete-group", "id": FUNCTIONS, "force": true}),
    ];
    let mut text: Vec<String> = lines.iter().map(Value::to_string).collect();
    // 9: broken JSON.
    text.push(r#"{"op": "remove-principal", "id": "#.to_owned());
    text
}

/// A `query --json` answer with its lists sorted (ordinals, and so list orders, may
/// differ between two snapshots of the same memberships).
fn normalized(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).expect("a JSON answer");
    for key in ["members", "groups", "group-ids"] {
        if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
            list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    v
}

fn members(records: &[Value], group: &str, list: &str) -> Vec<String> {
    let r = records
        .iter()
        .find(|r| r["group-id"] == group)
        .unwrap_or_else(|| panic!("a record for {group}"));
    r[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn apply_prints_the_delta_diff_would_and_writes_what_a_recompute_gives() {
    let dir = scratch("sample");
    let old = sample_snapshot(&dir, "old.dgs");
    let changes_path = path(&dir, "changes.jsonl");
    fs::write(&changes_path, changes().join("\n") + "\n").unwrap();
    let new = path(&dir, "new.dgs");

    let out = dyngroup(&[
        "apply",
        "--snapshot",
        &old,
        "--changes",
        &changes_path,
        "--out",
        &new,
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{changes_path}:7: error: group {WEB_TIER} has 2 members; delete it with force, \
             or empty it first"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{changes_path}:9:32: error: invalid JSON: EOF while parsing a value"
        )),
        "{err}"
    );
    let records = jsonl(&stdout(&out));

    // The retag, the move, the termination and the new principal.
    let not_web = "ocid1.dynamicgroup.oc1..aaaaaaaanotweb";
    assert_eq!(members(&records, not_web, "joined"), [WEB02]);
    let prod = "ocid1.dynamicgroup.oc1..aaaaaaaaprodinstances";
    assert_eq!(members(&records, prod, "joined"), [STAGE01]);
    assert_eq!(members(&records, prod, "left"), [WEB01]);
    let all = "ocid1.dynamicgroup.oc1..aaaaaaaaallinstances";
    assert_eq!(members(&records, all, "joined"), [NEW01]);
    assert_eq!(members(&records, all, "left"), [WEB01]);
    // web-tier was not deleted: web01 and web02 left, the new one joined.
    assert_eq!(members(&records, WEB_TIER, "joined"), [NEW01]);
    assert_eq!(members(&records, WEB_TIER, "left"), [WEB01, WEB02]);
    let web_tier = records.iter().find(|r| r["group-id"] == WEB_TIER).unwrap();
    assert_eq!(web_tier["change"], "updated");
    // The new group, with an OCID the engine made up.
    let staging = records
        .iter()
        .find(|r| r["name"] == "staging")
        .expect("the new group");
    assert_eq!(staging["change"], "created");
    assert_eq!(staging["tenancy-id"], TENANCY);
    assert_eq!(staging["joined"], json!([NEW01]));
    let staging_id = staging["group-id"].as_str().unwrap().to_owned();
    assert!(
        staging_id.starts_with("ocid1.dynamicgroup.oc1.."),
        "{staging_id}"
    );
    // The rule update and the forced delete.
    let notebooks = records.iter().find(|r| r["group-id"] == NOTEBOOKS).unwrap();
    assert_eq!(notebooks["change"], "updated");
    assert_eq!(notebooks["rule-changed"], true);
    assert_eq!(notebooks["left"], json!([GATEWAY]));
    let functions = records.iter().find(|r| r["group-id"] == FUNCTIONS).unwrap();
    assert_eq!(functions["change"], "deleted");
    assert_eq!(functions["left"], json!([FUNCTION]));

    // `diff OLD NEW --json` says the same, in the same order.
    let diff = dyngroup(&["diff", &old, &new, "--json"]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let diffed = jsonl(&stdout(&diff));
    assert_eq!(by_group(diffed.clone()), by_group(records.clone()));
    assert_eq!(diffed, records);

    // A recompute from scratch of the changed inventory gives the new snapshot's
    // memberships.
    let sample = |name: &str| {
        fs::read_to_string(format!("{}/src/sample/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let mut inventory: Vec<Value> = jsonl(&sample("inventory.jsonl"))
        .into_iter()
        .filter(|p| p["id"] != WEB01 && p["id"] != WEB02 && p["id"] != STAGE01)
        .collect();
    for line in &changes()[..4] {
        let change: Value = serde_json::from_str(line).unwrap();
        inventory.push(change["principal"].clone());
    }
    let mut groups: Vec<Value> = jsonl(&sample("groups.jsonl"))
        .into_iter()
        .filter(|g| g["id"] != FUNCTIONS)
        .map(|mut g| {
            if g["id"] == NOTEBOOKS {
                g["matching-rule"] = json!("resource.type = 'datasciencenotebooksession'");
            }
            g
        })
        .collect();
    groups.push(json!({"id": staging_id, "name": "staging",
        "matching-rule": format!("instance.compartment.id = '{STAGING}'"), "compartment-id": TENANCY}));
    let lines = |v: &[Value]| v.iter().map(|r| r.to_string() + "\n").collect::<String>();
    let (inv_path, groups_path) = (path(&dir, "inventory.jsonl"), path(&dir, "groups.jsonl"));
    fs::write(&inv_path, lines(&inventory)).unwrap();
    fs::write(&groups_path, lines(&groups)).unwrap();
    let fresh = path(&dir, "fresh.dgs");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &inv_path,
        "--groups",
        &groups_path,
        "--snapshot",
        &fresh,
        "--out",
        &path(&dir, "m2"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let query = |snapshot: &str, flag: &str, what: &str| {
        let out = dyngroup(&["query", "--snapshot", snapshot, flag, what, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        normalized(&stdout(&out))
    };
    for p in [WEB02, STAGE01, NEW01, GATEWAY] {
        assert_eq!(
            query(&new, "--principal", p),
            query(&fresh, "--principal", p),
            "{p}"
        );
    }
    for g in [
        "web-tier",
        "staging",
        "data-science",
        "prod-instances",
        "not-web",
    ] {
        let args = ["--tenancy", TENANCY];
        let run = |s: &str| {
            let out = dyngroup(&[
                "query",
                "--snapshot",
                s,
                "--group",
                g,
                args[0],
                args[1],
                "--json",
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            normalized(&stdout(&out))
        };
        assert_eq!(run(&new), run(&fresh), "{g}");
    }
    let out = dyngroup(&["query", "--snapshot", &new, "--principal", WEB01]);
    assert_eq!(out.status.code(), Some(1), "web01 is terminated");
    let same = dyngroup(&["diff", &new, &fresh, "--json"]);
    assert_eq!(stdout(&same), "", "the new snapshot is a recompute's");
}

#[test]
fn without_out_the_snapshot_is_replaced_and_a_clean_run_exits_0() {
    let dir = scratch("inplace");
    let snapshot = sample_snapshot(&dir, "old.dgs");
    let before = fs::read(&snapshot).unwrap();
    let changes_path = path(&dir, "changes.jsonl");
    let line = json!({"op": "remove-principal", "id": GATEWAY});
    fs::write(&changes_path, format!("{line}\n")).unwrap();
    let out = dyngroup(&["apply", "--snapshot", &snapshot, "--changes", &changes_path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    let groups: Vec<&str> = records
        .iter()
        .map(|r| r["group-id"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["ocid1.dynamicgroup.oc1..aaaaaaaanotweb", NOTEBOOKS]
    );
    assert!(records.iter().all(|r| r["left"] == json!([GATEWAY])));
    assert_ne!(fs::read(&snapshot).unwrap(), before, "replaced in place");
    let out = dyngroup(&["query", "--snapshot", &snapshot, "--principal", GATEWAY]);
    assert_eq!(out.status.code(), Some(1), "the gateway is gone");
}

#[test]
fn a_damaged_snapshot_is_fatal() {
    let dir = scratch("damaged");
    let snapshot = sample_snapshot(&dir, "old.dgs");
    let mut bytes = fs::read(&snapshot).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&snapshot, &bytes).unwrap();
    let changes_path = path(&dir, "changes.jsonl");
    fs::write(&changes_path, "").unwrap();
    let out = dyngroup(&["apply", "--snapshot", &snapshot, "--changes", &changes_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("dyngroup: snapshot: {snapshot}: section ")),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

/// Runs `apply` of `lines` on a copy of `snapshot` written to `dir/new.dgs`, checks
/// that the printed delta is `diff OLD NEW --json`'s, and returns the output.
fn apply_and_diff(dir: &Path, snapshot: &str, lines: &[Value], extra: &[&str]) -> (Output, String) {
    let changes_path = path(dir, "changes.jsonl");
    let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    fs::write(&changes_path, text).unwrap();
    let new = path(dir, "new.dgs");
    let mut args = vec![
        "apply",
        "--snapshot",
        snapshot,
        "--changes",
        &changes_path,
        "--out",
        &new,
    ];
    args.extend_from_slice(extra);
    let out = dyngroup(&args);
    let diff = dyngroup(&["diff", snapshot, &new, "--json"]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    assert_eq!(stdout(&out), stdout(&diff), "apply's delta is diff's");
    (out, new)
}

fn members_of(snapshot: &str, group: &str) -> Value {
    let out = dyngroup(&[
        "query",
        "--snapshot",
        snapshot,
        "--group",
        group,
        "--tenancy",
        TENANCY,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = normalized(&stdout(&out));
    json!([v["rule"].clone(), v["members"].clone()])
}

#[test]
fn an_upsert_whose_rule_does_not_parse_is_refused_and_changes_nothing() {
    let dir = scratch("badrule");
    let old = sample_snapshot(&dir, "old.dgs");
    let before = members_of(&old, "web-tier");
    let lines = [
        json!({"op": "upsert-group", "group": {"id": WEB_TIER, "name": "web-tier",
            "matching-rule": "ALL {tag.operations.role.value = 'web',", "compartment-id": TENANCY}}),
        json!({"op": "upsert-group", "group": {"name": "broken", "matching-rule": "ANY {",
            "compartment-id": TENANCY}}),
    ];
    let (out, new) = apply_and_diff(&dir, &old, &lines, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Each bad rule is reported once, by the reader, at its column and rendered,
    // saying that the change is refused.
    let reports: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(reports.len(), 2, "{err}");
    assert!(
        reports[0].contains(":1:")
            && reports[0].contains("invalid matching rule of group `web-tier`")
            && reports[0].ends_with("(the change is refused)"),
        "{err}"
    );
    assert!(
        reports[1].contains(":2:")
            && reports[1].contains("invalid matching rule of group `broken`")
            && reports[1].ends_with("(the change is refused)"),
        "{err}"
    );
    assert_eq!(err.matches("-->").count(), 2, "rendered: {err}");
    assert!(err.contains("2 changes refused"), "{err}");
    assert_eq!(stdout(&out), "", "nothing changed");
    assert_eq!(
        members_of(&new, "web-tier"),
        before,
        "old rule and members stay"
    );
    let broken = dyngroup(&["query", "--snapshot", &new, "--group", "broken"]);
    assert_eq!(broken.status.code(), Some(1), "not created");
}

#[test]
fn removing_a_principal_that_is_not_indexed_is_a_no_op() {
    let dir = scratch("remove");
    let old = sample_snapshot(&dir, "old.dgs");
    let lines = [
        // Never seen.
        json!({"op": "remove-principal", "id": "ocid1.instance.oc1..neverseen"}),
        // Terminated, then removed: the removal is a no-op.
        json!({"op": "upsert-principal", "principal": {"id": WEB01, "compartment-id": PRODUCTION,
            "tenancy-id": TENANCY, "lifecycle-state": "TERMINATED"}}),
        json!({"op": "remove-principal", "id": WEB01}),
        // Removed twice (a feed delivers at least once).
        json!({"op": "remove-principal", "id": GATEWAY}),
        json!({"op": "remove-principal", "id": GATEWAY}),
        // A terminated record of a principal never seen.
        json!({"op": "upsert-principal", "principal": {"id": "ocid1.instance.oc1..gone",
            "compartment-id": PRODUCTION, "tenancy-id": TENANCY, "lifecycle-state": "terminated"}}),
    ];
    let (out, _) = apply_and_diff(&dir, &old, &lines, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
    let records = jsonl(&stdout(&out));
    assert!(records.iter().any(|r| r["left"] == json!([WEB01])));
    assert!(records.iter().any(|r| r["left"] == json!([GATEWAY])));
}

/// Tenancy A arrives with three groups, B with one; the limit is two.
fn over_the_limit_snapshot(dir: &Path) -> String {
    let other = "ocid1.tenancy.oc1..bbbbother";
    let group = |tenancy: &str, name: &str| {
        json!({"id": format!("ocid1.dynamicgroup.oc1..{name}"), "name": name,
            "matching-rule": "resource.type = 'instance'", "compartment-id": tenancy})
    };
    let groups = [
        group(TENANCY, "a1"),
        group(TENANCY, "a2"),
        group(TENANCY, "a3"),
        group(other, "b1"),
    ];
    let inventory = [
        json!({"id": WEB01, "compartment-id": PRODUCTION, "tenancy-id": TENANCY}),
        json!({"id": "ocid1.instance.oc1..b", "compartment-id": PRODUCTION, "tenancy-id": other}),
    ];
    let lines = |v: &[Value]| v.iter().map(|r| r.to_string() + "\n").collect::<String>();
    let (inv, grp) = (path(dir, "inventory.jsonl"), path(dir, "groups.jsonl"));
    fs::write(&inv, lines(&inventory)).unwrap();
    fs::write(&grp, lines(&groups)).unwrap();
    let snapshot = path(dir, "old.dgs");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--snapshot",
        &snapshot,
        "--max-groups-per-tenancy",
        "2",
        "--out",
        &path(dir, "m"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    snapshot
}

#[test]
fn the_group_limit_is_per_tenancy() {
    let dir = scratch("limit");
    let old = over_the_limit_snapshot(&dir);
    let other = "ocid1.tenancy.oc1..bbbbother";
    let create = |tenancy: &str, name: &str| {
        json!({"op": "upsert-group", "group": {"name": name,
            "matching-rule": "resource.type = 'instance'", "compartment-id": tenancy}})
    };
    let lines = [
        // A keeps its three groups, and an update of one of them is fine...
        json!({"op": "upsert-group", "group": {"id": "ocid1.dynamicgroup.oc1..a3", "name": "a3",
            "matching-rule": "resource.type = 'fnfunc'", "compartment-id": TENANCY}}),
        // ...but it gets no new one.
        create(TENANCY, "a4"),
        // B has one: one more reaches the limit; A's three do not raise it.
        create(other, "b2"),
        create(other, "b3"),
    ];
    let (out, new) = apply_and_diff(&dir, &old, &lines, &["--max-groups-per-tenancy", "2"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            ":2: error: tenancy {TENANCY} already has 2 groups"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(":4: error: tenancy {other} already has 2 groups")),
        "{err}"
    );
    assert!(
        !err.contains(":1: error") && !err.contains(":3: error"),
        "{err}"
    );
    let records = jsonl(&stdout(&out));
    let changed: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["change"].as_str().unwrap()))
        .collect();
    assert_eq!(changed, [("a3", "updated"), ("b2", "created")]);
    for name in ["a1", "a2", "a3"] {
        let q = dyngroup(&["query", "--snapshot", &new, "--group", name]);
        assert_eq!(q.status.code(), Some(0), "{name} is kept");
    }
}

#[test]
fn under_strict_the_snapshot_rules_stay_and_the_delta_is_diffs() {
    let dir = scratch("strict");
    // A legacy rule (a bare list at top level: ANY, with a warning) in the snapshot.
    let legacy =
        format!("instance.compartment.id = '{PRODUCTION}', instance.compartment.id = '{STAGING}'");
    let groups = [
        json!({"id": "ocid1.dynamicgroup.oc1..legacy", "name": "legacy",
        "matching-rule": legacy, "compartment-id": TENANCY}),
    ];
    let inventory = [json!({"id": WEB01, "compartment-id": PRODUCTION, "tenancy-id": TENANCY})];
    let lines = |v: &[Value]| v.iter().map(|r| r.to_string() + "\n").collect::<String>();
    let (inv, grp) = (path(&dir, "inventory.jsonl"), path(&dir, "groups.jsonl"));
    fs::write(&inv, lines(&inventory)).unwrap();
    fs::write(&grp, lines(&groups)).unwrap();
    let old = path(&dir, "old.dgs");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &inv,
        "--groups",
        &grp,
        "--snapshot",
        &old,
        "--out",
        &path(&dir, "m"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let changes = [
        // A new principal joins the legacy group: its rule is what it is.
        json!({"op": "upsert-principal", "principal": {"id": STAGE01, "compartment-id": STAGING,
            "tenancy-id": TENANCY}}),
        // A new legacy rule is refused under --strict.
        json!({"op": "upsert-group", "group": {"name": "another", "matching-rule": legacy,
            "compartment-id": TENANCY}}),
    ];
    let (out, new) = apply_and_diff(&dir, &old, &changes, &["--strict"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["name"], "legacy");
    assert_eq!(records[0]["joined"], json!([STAGE01]));
    let q = dyngroup(&["query", "--snapshot", &new, "--group", "another"]);
    assert_eq!(q.status.code(), Some(1), "not created");
    // The new snapshot keeps the old rules valid: a later apply without --strict
    // still sees the legacy group's members. (Renamed first: an --out never names
    // the --snapshot it starts from.)
    let later = path(&dir, "later.dgs");
    fs::rename(&new, &later).unwrap();
    let (out, _) = apply_and_diff(&dir, &later, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A writer that lies: members stored that the rules do not give, with every
/// checksum valid. `query` answers from it (its fast path); `apply` and `diff`
/// run the deep check and refuse it.
#[test]
fn a_crafted_snapshot_is_refused_by_apply_and_diff() {
    use dyngroup_index::{DynamicGroup, IndexBuilder, Memberships, Principal};
    let dir = scratch("crafted");
    let mut builder = IndexBuilder::new();
    for id in [WEB01, WEB02] {
        builder.add_principal(&Principal {
            id: id.into(),
            compartment_id: PRODUCTION.into(),
            tenancy_id: TENANCY.into(),
            ..Principal::default()
        });
    }
    builder
        .add_group(DynamicGroup {
            id: WEB_TIER.into(),
            name: "web-tier".into(),
            matching_rule: format!("instance.id = '{WEB01}'"),
            tenancy_id: TENANCY.into(),
            ..DynamicGroup::default()
        })
        .unwrap();
    let index = builder.build();
    let honest = index.evaluate();
    let mut lie = honest.group_bitmaps().to_vec();
    lie[0].insert(index.principal_id(WEB02).unwrap().raw());
    let lie = Memberships::from_group_bitmaps(&index, lie, true);
    let (crafted, good) = (path(&dir, "crafted.dgs"), path(&dir, "good.dgs"));
    dyngroup_snapshot::write(&crafted, &index, &lie, &Default::default()).unwrap();
    dyngroup_snapshot::write(&good, &index, &honest, &Default::default()).unwrap();

    let q = dyngroup(&[
        "query",
        "--snapshot",
        &crafted,
        "--principal",
        WEB02,
        "--json",
    ]);
    assert_eq!(q.status.code(), Some(0), "query keeps its fast path");
    // Named by file: `diff` below opens the crafted one on either side.
    let message = format!(
        "dyngroup: snapshot: {crafted}: section \"members\" group 0 does not hold the members its rule gives"
    );
    let changes_path = path(&dir, "changes.jsonl");
    fs::write(&changes_path, "").unwrap();
    let before = fs::read(&crafted).unwrap();
    let out = dyngroup(&["apply", "--snapshot", &crafted, "--changes", &changes_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with(&message), "{}", stderr(&out));
    assert_eq!(fs::read(&crafted).unwrap(), before, "nothing written");
    for args in [[&crafted, &good], [&good, &crafted]] {
        let out = dyngroup(&["diff", args[0], args[1], "--json"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).starts_with(&message), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
    let inspect = dyngroup(&["inspect", &crafted]);
    assert!(
        stdout(&inspect).contains("does not hold the members"),
        "{}",
        stdout(&inspect)
    );
}

/// A fault in the writer part way through the checkpoint: the file-size limit of the
/// process is below the new snapshot's size, and SIGXFSZ is ignored, so a write fails
/// with EFBIG in the middle of the file. The old snapshot stays as it was, no
/// temporary file is left, nothing is printed on stdout, and the exit code is 2.
#[cfg(unix)]
#[test]
fn a_checkpoint_that_fails_part_way_leaves_the_old_snapshot() {
    let dir = scratch("fault");
    let snapshot = sample_snapshot(&dir, "old.dgs");
    let before = fs::read(&snapshot).unwrap();
    assert!(before.len() > 8 * 512, "larger than the limit below");
    let changes_path = path(&dir, "changes.jsonl");
    let line = json!({"op": "remove-principal", "id": GATEWAY});
    fs::write(&changes_path, format!("{line}\n")).unwrap();
    let script = format!(
        "trap '' XFSZ; ulimit -f 8; exec '{}' apply --snapshot '{snapshot}' --changes '{changes_path}'",
        env!("CARGO_BIN_EXE_dyngroup")
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert_eq!(
        stdout(&out),
        "",
        "no delta for a snapshot that was not written"
    );
    assert_eq!(
        fs::read(&snapshot).unwrap(),
        before,
        "the old snapshot is intact"
    );
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(names, Vec::<String>::new(), "no temporary file is left");
}

/// A checkpoint killed part way leaves the old snapshot as it was and no temporary
/// file: the kernel kills `apply` with `SIGXFSZ` once the new snapshot passes the
/// file-size limit (`ulimit -f`), part way through writing it. With the signal
/// ignored, the same write fails (`EFBIG`) instead: a clear error, and the same.
#[test]
fn a_checkpoint_killed_or_failing_part_way_leaves_the_old_snapshot_and_nothing_else() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    let dir = scratch("killed");
    let snapshot = sample_snapshot(&dir, "old.dgs");
    let before = fs::read(&snapshot).unwrap();
    // bash counts the limit in 1024-byte blocks: the snapshot must be longer.
    assert!(
        before.len() > 2048,
        "the sample snapshot has {} bytes",
        before.len()
    );
    let changes_path = path(&dir, "changes.jsonl");
    fs::write(&changes_path, changes().join("\n")).unwrap();
    let names = || {
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let names_before = names();

    const SIGXFSZ: i32 = 25; // Linux
    for ignore_signal in [false, true] {
        let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
        let script =
            format!(r#"{trap}ulimit -f 1; exec "$0" apply --snapshot "$1" --changes "$2""#);
        let out = Command::new("bash")
            .args([
                "-c",
                &script,
                env!("CARGO_BIN_EXE_dyngroup"),
                &snapshot,
                &changes_path,
            ])
            .output()
            .expect("bash runs");
        if ignore_signal {
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
            assert!(stderr(&out).contains("File too large"), "{}", stderr(&out));
            assert!(stderr(&out).contains("old.dgs"), "{}", stderr(&out));
        } else {
            assert_eq!(out.status.signal(), Some(SIGXFSZ), "{out:?}");
        }
        assert_eq!(
            fs::read(&snapshot).unwrap(),
            before,
            "the old snapshot is intact"
        );
        assert_eq!(names(), names_before, "no temporary file is left");
    }
}
