//! `--shard K/N` through the real binary, on the committed datagen fleet
//! (`datasets/sample`) with bad records mixed in: the shards' output lines are exactly
//! the whole run's lines, and their reports and stderr add up to the whole run's.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{dyngroup, path, scratch, stderr, stdout};
use serde_json::Value;

const INVENTORY: &str = "../../datasets/sample/inventory.jsonl";
const GROUPS: &str = "../../datasets/sample/groups.jsonl";

/// The sample fleet with bad records mixed in, in `dir`: per tenancy of the first
/// `tenancies`, a record without a compartment, a duplicate id, a bad tag value, an
/// invalid rule, a legacy rule (warning), a duplicate group name and a bad group name;
/// plus lines that belong to no tenancy.
fn fleet(dir: &Path, tenancies: usize) -> (String, String) {
    let inventory = fs::read_to_string(INVENTORY).unwrap();
    let groups = fs::read_to_string(GROUPS).unwrap();
    let records: Vec<Value> = inventory
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let group_records: Vec<Value> = groups
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    let picked: Vec<&Value> = records
        .iter()
        .filter(|r| seen.insert(r["tenancy-id"].as_str().unwrap().to_owned()))
        .take(tenancies)
        .collect();

    let mut bad_inventory = String::new();
    // First in the file: for each picked tenancy, a principal of the next one in the
    // compartment of its last principal. The whole run interns that compartment first;
    // a shard without the next tenancy interns it in its place: the ordinals differ.
    for pair in picked.windows(2) {
        let tenancy = pair[0]["tenancy-id"].as_str().unwrap();
        let last = records
            .iter()
            .rev()
            .find(|r| r["tenancy-id"] == tenancy)
            .unwrap();
        bad_inventory += &format!(
            "{}\n",
            serde_json::json!({
                "id": format!("ocid1.instance.oc1..intruder{}", bad_inventory.len()),
                "compartment-id": last["compartment-id"],
                "tenancy-id": pair[1]["tenancy-id"],
            })
        );
    }
    bad_inventory += &inventory;
    let mut bad_groups = groups.clone();
    for (i, record) in picked.iter().enumerate() {
        let tenancy = record["tenancy-id"].as_str().unwrap();
        let lines = [
            serde_json::json!({"id": format!("ocid1.instance.oc1..nocompartment{i}"), "tenancy-id": tenancy}),
            serde_json::json!({"id": record["id"], "compartment-id": "ocid1.compartment.oc1..x", "tenancy-id": tenancy}),
            serde_json::json!({"id": format!("ocid1.instance.oc1..badtag{i}"), "compartment-id": "ocid1.compartment.oc1..x", "tenancy-id": tenancy, "defined-tags": {"ops": {"role": [1]}}}),
        ];
        for line in lines {
            bad_inventory += &format!("{line}\n");
        }
        let existing = group_records
            .iter()
            .find(|g| g["compartment-id"] == tenancy)
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| format!("first{i}"));
        let lines = [
            serde_json::json!({"name": format!("broken{i}"), "matching-rule": "ALL {instance.id = }", "compartment-id": tenancy}),
            serde_json::json!({"name": format!("legacy{i}"), "matching-rule": "instance.id = 'a', instance.id = 'b'", "compartment-id": tenancy}),
            serde_json::json!({"name": existing, "matching-rule": "resource.type = 'fnfunc'", "compartment-id": tenancy}),
            serde_json::json!({"name": format!("bad name {i}"), "matching-rule": "resource.type = 'fnfunc'", "compartment-id": tenancy}),
        ];
        for line in lines {
            bad_groups += &format!("{line}\n");
        }
    }
    // No tenancy at all: reported by shard 0 only.
    bad_inventory += "{not json\n";
    bad_inventory += "{\"id\": \"ocid1.instance.oc1..notenancy\", \"compartment-id\": \"c\"}\n";
    bad_groups += "[1, 2\n";

    let (inventory_path, groups_path) = (path(dir, "inventory.jsonl"), path(dir, "groups.jsonl"));
    fs::write(&inventory_path, bad_inventory).unwrap();
    fs::write(&groups_path, bad_groups).unwrap();
    (inventory_path, groups_path)
}

/// One run: its exit code, output lines (sorted), report, and problem lines on stderr.
struct Run {
    code: i32,
    lines: Vec<String>,
    report: Value,
    problems: Vec<String>,
}

fn run(dir: &Path, inventory: &str, groups: &str, by: &str, shard: Option<String>) -> Run {
    let name = shard.as_deref().unwrap_or("whole").replace('/', "of");
    let report = path(dir, &format!("report-{by}-{name}.json"));
    let mut args = vec![
        "compute",
        "--inventory",
        inventory,
        "--groups",
        groups,
        "--by",
        by,
        "--report",
        &report,
    ];
    if let Some(shard) = &shard {
        args.extend(["--shard", shard]);
    }
    let out = dyngroup(&args);
    let err = stderr(&out);
    let mut lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    lines.sort();
    let problems = err
        .lines()
        .filter(|l| l.contains(": error: ") || l.contains(": warning: ") || l.contains(": note: "))
        .filter(|l| !l.starts_with("dyngroup: "))
        .map(str::to_owned)
        .collect();
    Run {
        code: out.status.code().unwrap(),
        lines,
        report: serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap(),
        problems,
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn shards_add_up_to_the_whole_run() {
    let dir = scratch("shards");
    let (inventory, groups) = fleet(&dir, 8);
    for by in ["group", "principal"] {
        let whole = run(&dir, &inventory, &groups, by, None);
        assert_eq!(whole.code, 1, "bad records are rejected");
        assert!(whole.report["totals"]["rejected-records"].as_u64().unwrap() >= 8 * 5);
        assert!(whole.report["totals"]["warnings"].as_u64().unwrap() >= 8);
        assert!(whole.report["totals"]["invalid-groups"].as_u64().unwrap() >= 8);
        assert!(
            !whole.report["unknown-references"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        for n in [2, 3] {
            let shards: Vec<Run> = (0..n)
                .map(|k| run(&dir, &inventory, &groups, by, Some(format!("{k}/{n}"))))
                .collect();
            let what = format!("--by {by}, {n} shards");

            let lines = sorted(shards.iter().flat_map(|s| s.lines.clone()).collect());
            let differing: Vec<&String> = lines
                .iter()
                .zip(&whole.lines)
                .filter(|(a, b)| a != b)
                .map(|(a, _)| a)
                .take(1)
                .collect();
            assert!(
                lines.len() == whole.lines.len() && differing.is_empty(),
                "{what}: {} shard lines, {} whole-run lines; first that differs: {differing:?}",
                lines.len(),
                whole.lines.len()
            );

            for key in [
                "principals-read",
                "principals-indexed",
                "groups",
                "tenancies",
                "memberships",
                "rejected-records",
                "invalid-groups",
                "warnings",
            ] {
                let sum: u64 = shards
                    .iter()
                    .map(|s| s.report["totals"][key].as_u64().unwrap())
                    .sum();
                assert_eq!(
                    sum,
                    whole.report["totals"][key].as_u64().unwrap(),
                    "{what}: {key}"
                );
            }
            for key in [
                "rejected",
                "warnings",
                "invalid-groups",
                "tenancies-over-limit",
                "principals-over-limit",
                "unknown-references",
            ] {
                let mut union: Vec<String> = shards
                    .iter()
                    .flat_map(|s| s.report[key].as_array().unwrap().iter())
                    .map(Value::to_string)
                    .collect();
                union.sort();
                let mut expected: Vec<String> = whole.report[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(Value::to_string)
                    .collect();
                expected.sort();
                assert_eq!(union, expected, "{what}: report {key}");
            }

            let problems = sorted(shards.iter().flat_map(|s| s.problems.clone()).collect());
            assert_eq!(problems, sorted(whole.problems.clone()), "{what}: stderr");

            for (k, shard) in shards.iter().enumerate() {
                let totals = &shard.report["totals"];
                let rejected = totals["rejected-records"].as_u64().unwrap()
                    + totals["invalid-groups"].as_u64().unwrap();
                assert_eq!(
                    shard.code,
                    i32::from(rejected > 0),
                    "{what}: shard {k} exit code"
                );
                // Every shard has tenancies with bad records: none is trivially empty.
                assert!(rejected > 0, "{what}: shard {k} has its own rejections");
                let no_tenancy = shard
                    .problems
                    .iter()
                    .filter(|p| p.contains("no --tenancy given"))
                    .count();
                assert_eq!(no_tenancy, usize::from(k == 0), "{what}: shard {k}");
            }
        }
    }
}
