//! `dyngroup compute --policies F --compartments F` through the real binary: each
//! principal's effective grants in `--by principal` output (every format), the
//! policy findings in `--report` and on stderr, shards, exit codes.

mod common;

use std::fs;

use common::{dyngroup, jsonl, path, scratch, stderr, stdout};
use serde_json::{Value, json};

fn data(name: &str) -> String {
    format!("{}/tests/data/policy/{name}", env!("CARGO_MANIFEST_DIR"))
}

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";
const WEB01: &str = "ocid1.instance.oc1.phx.web01";
const REPORT: &str = "ocid1.fnfunc.oc1.phx.report";
const WEB_ACCESS: &str = "ocid1.policy.oc1..aaaaaaaawebaccess";

/// `compute` on the policy fixtures with `policies` as the policy files, then `extra`.
fn compute(policies: &[&str], extra: &[&str]) -> std::process::Output {
    let (inventory, groups, compartments) = (
        data("inventory.jsonl"),
        data("groups.jsonl"),
        data("compartments.json"),
    );
    let mut args = vec![
        "compute",
        "--inventory",
        &inventory,
        "--groups",
        &groups,
        "--compartments",
        &compartments,
    ];
    for p in policies {
        args.extend(["--policies", p]);
    }
    args.extend_from_slice(extra);
    dyngroup(&args)
}

#[test]
fn by_principal_carries_each_principals_effective_grants() {
    let policies = data("policies.json");
    let out = compute(&[&policies], &["--by", "principal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 3);
    let web01 = records.iter().find(|r| r["id"] == WEB01).expect("web01");
    assert_eq!(web01["groups"], json!(["web"]));
    assert_eq!(
        web01["grants"],
        json!([
            {"effect": "allow", "verb": "read", "resource-type": "object-family",
             "compartment-id": "ocid1.compartment.oc1..aaaaaaaaproduction",
             "compartment-path": "Prod", "conditional": false, "via": ["web"],
             "policy-id": WEB_ACCESS,
             "statement": "Allow dynamic-group web to read object-family in compartment Prod"},
            {"effect": "allow", "verb": "manage", "resource-type": "instance-family",
             "compartment-id": "ocid1.compartment.oc1..aaaaaaaaapp",
             "compartment-path": "Prod:App", "conditional": true, "via": ["web"],
             "policy-id": WEB_ACCESS,
             "statement": "Allow dynamic-group web to manage instance-family in compartment Prod:App where request.operation = 'LaunchInstance'"},
            {"effect": "deny", "verb": "manage", "resource-type": "buckets",
             "compartment-id": "ocid1.compartment.oc1..aaaaaaaaapp",
             "compartment-path": "Prod:App", "conditional": false, "via": ["web"],
             "policy-id": WEB_ACCESS,
             "statement": "Deny dynamic-group web to manage buckets in compartment Prod:App"},
        ])
    );
    // The function's grant is by group OCID, under a condition decided from the
    // inventory (`request.principal.type = 'fnfunc'` holds for it).
    let report = records.iter().find(|r| r["id"] == REPORT).expect("report");
    assert_eq!(report["grants"][0]["via"], json!(["functions"]));
    assert_eq!(report["grants"][0]["conditional"], json!(false));
    assert_eq!(report["grants"][0]["compartment-path"], json!("Staging"));
    assert!(stderr(&out).contains(
        "dyngroup: policies: 4 statements in 2 policies (4 evaluated, 0 rejected), 7 grants to 3 principals\n"
    ));

    // JSON: the same records as one array.
    let out = compute(&[&policies], &["--by", "principal", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let array: Value = serde_json::from_str(&stdout(&out)).expect("a JSON array");
    assert_eq!(array, Value::Array(records));

    // --by group is unchanged by the policies.
    let plain = dyngroup(&[
        "compute",
        "--inventory",
        &data("inventory.jsonl"),
        "--groups",
        &data("groups.jsonl"),
    ]);
    let with = compute(&[&policies], &[]);
    assert_eq!(stdout(&plain), stdout(&with));
    assert!(stderr(&with).contains(
        "dyngroup: note: the effective grants are written with --by principal; --by group writes the memberships only\n"
    ));
}

#[test]
fn by_principal_csv_has_a_row_per_group_then_per_grant() {
    let out = compute(
        &[&data("policies.json")],
        &["--by", "principal", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "principal_id,tenancy_id,group_name,effect,verb,resource_type,compartment_id,compartment_path,conditional,via,policy_id,statement"
    );
    let report: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with(REPORT))
        .collect();
    assert_eq!(
        report,
        [
            format!("{REPORT},{TENANCY},functions,,,,,,,,,"),
            format!(
                "{REPORT},{TENANCY},,allow,read,secret-family,ocid1.compartment.oc1..aaaaaaaastaging,Staging,false,functions,ocid1.policy.oc1..aaaaaaaafnaccess,allow dynamic-group id ocid1.dynamicgroup.oc1..aaaaaaaafns to READ secret-family in compartment id ocid1.compartment.oc1..aaaaaaaastaging where request.principal.type = 'fnfunc'"
            ),
        ]
    );
    // 3 principals: one group row each, 3 + 3 + 1 grant rows.
    assert_eq!(lines.len(), 1 + 3 + 7);
}

#[test]
fn report_lists_the_policy_findings_and_rejections_exit_1() {
    let dir = scratch("findings");
    // 506 statements on the path to Prod:App (the limit is 500): 251 + 5 (broken.json)
    // at the root, 250 in Prod.
    let many = |n: usize, location: &str| -> Vec<String> {
        (0..n)
            .map(|i| format!("Allow dynamic-group web to inspect buckets in {location} where request.operation = 'op{i}'"))
            .collect()
    };
    let big = json!({"data": [
        {"id": "ocid1.policy.oc1..root", "name": "root-many", "compartment-id": TENANCY,
         "statements": many(251, "tenancy")},
        {"id": "ocid1.policy.oc1..prod", "name": "prod-many",
         "compartment-id": "ocid1.compartment.oc1..aaaaaaaaproduction",
         "statements": many(250, "compartment App")},
    ]});
    let big_path = path(&dir, "big.json");
    fs::write(&big_path, serde_json::to_string_pretty(&big).unwrap()).unwrap();
    let broken = data("broken.json");
    let report_path = path(&dir, "report.json");
    let out = compute(
        &[&broken, &big_path],
        &["--by", "principal", "--report", &report_path],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "broken.json:1:140: error: policy `broken`, statement 1: expected `Allow`",
        "broken.json:1:306: error: policy `broken`, statement 4: location does not resolve",
        "dyngroup: policies: 506 statements in 3 policies (503 evaluated, 2 rejected)",
        "dyngroup: note: 1 compartments whose path holds over 500 statements (see --report)",
        "dyngroup: note: 1 statements naming dynamic groups that do not exist (see --report)",
        "dyngroup: note: 1 dynamic groups named by no statement (see --report)",
        "dyngroup: note: 1 statements whose location does not resolve (see --report)",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    let report: Value = serde_json::from_str(&fs::read_to_string(&report_path).unwrap()).unwrap();
    let policies = &report["policies"];
    assert_eq!(
        policies["paths-over-statement-limit"],
        json!([{"tenancy-id": TENANCY, "compartment-id": "ocid1.compartment.oc1..aaaaaaaaapp",
                "path": "Prod:App", "statements": 506}])
    );
    assert_eq!(
        policies["statements-naming-unknown-groups"],
        json!([{"policy-id": "ocid1.policy.oc1..aaaaaaaabroken", "policy": "broken",
                "statement": "Allow dynamic-group ghosts to read buckets in tenancy",
                "at": format!("{broken}:1:193"),
                "message": format!("no dynamic group named `ghosts` in tenancy `{TENANCY}`: that subject grants nothing")}])
    );
    // `web` is named; `functions` only by the policies file not given here.
    assert_eq!(
        policies["groups-without-statements"],
        json!([{"tenancy-id": TENANCY, "group-id": "ocid1.dynamicgroup.oc1..aaaaaaaafns", "name": "functions"}])
    );
    let unresolved = policies["unresolved-locations"].as_array().unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(
        unresolved[0]["statement"],
        "Allow dynamic-group web to read buckets in compartment Sandbox"
    );
    assert_eq!(unresolved[0]["at"], format!("{broken}:1:306"));
    assert_eq!(policies["totals"]["rejected"], 2);
    assert_eq!(policies["rejected"].as_array().unwrap().len(), 2);
    assert_eq!(policies["rejected"][0]["line"], 1);
    assert_eq!(policies["rejected"][0]["column"], 140);
}

#[test]
fn shards_split_the_grants_and_the_findings() {
    let policies = data("policies.json");
    let broken = data("broken.json");
    let whole = compute(&[&policies, &broken], &["--by", "principal"]);
    let mut lines: Vec<String> = stdout(&whole).lines().map(str::to_owned).collect();
    let mut shard_lines = Vec::new();
    let mut rejected = 0;
    for k in 0..3 {
        let shard = format!("{k}/3");
        let out = compute(
            &[&policies, &broken],
            &["--by", "principal", "--shard", &shard],
        );
        shard_lines.extend(stdout(&out).lines().map(str::to_owned));
        rejected += stderr(&out).matches(": error: policy `broken`").count();
    }
    lines.sort();
    shard_lines.sort();
    assert_eq!(lines, shard_lines);
    assert_eq!(rejected, 2, "each rejected statement once over the shards");
}

#[test]
fn policy_inputs_go_together_and_are_never_outputs() {
    let out = dyngroup(&["compute", "--policies", &data("policies.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--compartments"), "{}", stderr(&out));

    let dir = scratch("overwrite");
    let copy = path(&dir, "policies.json");
    fs::copy(data("policies.json"), &copy).unwrap();
    let out = compute(&[&copy], &["--report", &copy]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--report names the --policies file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(&copy).unwrap(),
        fs::read(data("policies.json")).unwrap()
    );
}

#[test]
fn can_and_who_can_answer_from_a_snapshot_as_from_the_files() {
    let dir = scratch("snapshot");
    let snapshot = path(&dir, "fleet.dgs");
    let policies = data("policies.json");
    let out = compute(
        &[&policies],
        &["--snapshot", &snapshot, "--out", "/dev/null"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let files = [
        "--inventory",
        &data("inventory.jsonl"),
        "--groups",
        &data("groups.jsonl"),
        "--compartments",
        &data("compartments.json"),
        "--policies",
        &policies,
    ];
    for question in [
        &[
            "who-can",
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            "Prod",
        ][..],
        &[
            "who-can",
            "--verb",
            "manage",
            "--resource-type",
            "instances",
            "--compartment",
            "Prod:App",
            "--format",
            "csv",
        ],
        &["can", "--principal", WEB01, "--json"],
        &[
            "can",
            "--principal",
            REPORT,
            "--verb",
            "read",
            "--resource-type",
            "secrets",
            "--compartment",
            "Staging",
            "--json",
        ],
    ] {
        let mut from_files: Vec<&str> = question.to_vec();
        from_files.extend_from_slice(&files);
        let mut from_snapshot: Vec<&str> = question.to_vec();
        from_snapshot.extend(["--snapshot", &snapshot]);
        let (a, b) = (dyngroup(&from_files), dyngroup(&from_snapshot));
        assert_eq!(b.status.code(), Some(0), "{question:?}: {}", stderr(&b));
        assert!(!stdout(&b).is_empty());
        assert_eq!(stdout(&a), stdout(&b), "{question:?}");
    }

    // `apply` keeps the stored policies: the snapshot it writes answers as before.
    let changes = path(&dir, "changes.jsonl");
    fs::write(&changes, "").unwrap();
    let applied = path(&dir, "applied.dgs");
    let out = dyngroup(&[
        "apply",
        "--snapshot",
        &snapshot,
        "--changes",
        &changes,
        "--out",
        &applied,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let question = ["can", "--principal", WEB01, "--json", "--snapshot"];
    let before = dyngroup(&[&question[..], &[snapshot.as_str()]].concat());
    let after = dyngroup(&[&question[..], &[applied.as_str()]].concat());
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert_eq!(stdout(&before), stdout(&after));

    // A snapshot without policies (or of format version 1) cannot answer.
    let plain = path(&dir, "plain.dgs");
    let out = dyngroup(&["compute", "--snapshot", &plain, "--out", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v1 = format!(
        "{}/../snapshot/tests/data/v1.dgs",
        env!("CARGO_MANIFEST_DIR")
    );
    for (file, version) in [(&plain, 3), (&v1, 1)] {
        let out = dyngroup(&["can", "--snapshot", file, "--principal", WEB01]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!(
                "dyngroup: snapshot: {file}: holds no policies (format version {version}); write it with `dyngroup compute --policies F --compartments F --snapshot FILE`\n"
            )
        );
    }
    // The snapshot replaces the input files, it is not mixed with them.
    let out = dyngroup(&[
        "who-can",
        "--snapshot",
        &snapshot,
        "--policies",
        &policies,
        "--verb",
        "read",
        "--resource-type",
        "buckets",
        "--compartment",
        "Prod",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
