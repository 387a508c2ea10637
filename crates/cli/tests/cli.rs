//! The real `dyngroup` binary on real files.

mod common;

use common::{dyngroup, jsonl, scratch, stderr, stdout};

use std::fs;
use std::path::Path;

use serde_json::Value;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).expect("write input");
    path.to_string_lossy().into_owned()
}

fn members_of<'a>(records: &'a [Value], name: &str) -> Vec<&'a str> {
    let record = records
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("group {name} in output"));
    record["members"]
        .as_array()
        .expect("members array")
        .iter()
        .map(|m| m.as_str().expect("member id"))
        .collect()
}

#[test]
fn compute_without_inputs_runs_the_builtin_sample() {
    let out = dyngroup(&["compute"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("using the built-in sample dataset"), "{err}");
    assert!(err.contains("14 groups in 2 tenancies"), "{err}");
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 14);
    assert_eq!(
        members_of(&records, "prod-without-bastion"),
        [
            "ocid1.instance.oc1.phx.anyhqljrexampleweb01",
            "ocid1.instance.oc1.phx.anyhqljrexampleweb02"
        ]
    );
    // Tenancy isolation: the rule names the partner tenancy's instance.
    assert!(members_of(&records, "partner-web").is_empty());
    // A missing tag satisfies `!=`; the terminated instance is in nothing.
    let not_web = members_of(&records, "not-web");
    assert!(not_web.contains(&"ocid1.instance.oc1.phx.anyhqljrexamplebastion"));
    assert!(!stdout(&out).contains("exampleold01"));
    // The JSON number 42 matches '42'; `FnFunc` matches type fnfunc.
    assert!(
        members_of(&records, "cost-center-42")
            .contains(&"ocid1.fnfunc.oc1.phx.aaaaaaaaexamplefunction")
    );
}

#[test]
fn compute_by_principal_as_csv() {
    let out = dyngroup(&["compute", "--by", "principal", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("principal_id,tenancy_id,group_name"));
    assert!(text.contains(&format!(
        "ocid1.fnfunc.oc1.phx.aaaaaaaaexamplefunction,{TENANCY},functions\n"
    )));
}

#[test]
fn compute_writes_files_and_a_report() {
    let dir = scratch("report");
    let out_path = dir.join("members.json");
    let report_path = dir.join("report.json");
    let out = dyngroup(&[
        "compute",
        "--format",
        "json",
        "--out",
        out_path.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let members: Value = serde_json::from_str(&fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(members.as_array().map(Vec::len), Some(14));
    let report: Value = serde_json::from_str(&fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(report["totals"]["principals-indexed"], 9);
    assert_eq!(report["totals"]["warnings"], 1);
    assert_eq!(
        report["principals-over-limit"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(report["unknown-references"][0]["name"], "stale-compartment");
    assert_eq!(report["unknown-references"][0]["kind"], "compartment");
}

#[test]
fn bad_records_are_reported_and_the_rest_is_computed() {
    let dir = scratch("bad");
    let inventory = write(
        &dir,
        "inventory.jsonl",
        concat!(
            r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "ocid1.compartment.oc1..c"}"#,
            "\n",
            r#"{"id": "ocid1.instance.oc1..b", "compartment-id": "#,
            "\n",
            r#"{"id": "ocid1.instance.oc1..c", "compartment-id": "ocid1.compartment.oc1..c"}"#,
            "\n",
        ),
    );
    let groups = write(
        &dir,
        "groups.jsonl",
        concat!(
            r#"{"name": "all", "matching-rule": "instance.compartment.id = 'ocid1.compartment.oc1..c'"}"#,
            "\n",
            r#"{"name": "broken", "matching-rule": "ALL {compartment.id = 'x'}"}"#,
            "\n",
        ),
    );
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &inventory,
        "--groups",
        &groups,
        "--tenancy",
        "ocid1.tenancy.oc1..t",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{inventory}:2:")), "{err}");
    assert!(err.contains(&format!("{groups}:2:")), "{err}");
    assert!(err.contains("did you mean `instance.compartment.id` or `resource.compartment.id`?"));
    let records = jsonl(&stdout(&out));
    assert_eq!(
        members_of(&records, "all"),
        ["ocid1.instance.oc1..a", "ocid1.instance.oc1..c"]
    );
    // The broken rule fails closed.
    assert!(members_of(&records, "broken").is_empty());
}

#[test]
fn a_failed_run_leaves_the_previous_output_alone() {
    let dir = scratch("atomic");
    let out_path = dir.join("members.jsonl");
    fs::write(&out_path, "previous\n").unwrap();
    let missing = dir.join("missing.jsonl");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        missing.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.jsonl"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&out_path).unwrap(), "previous\n");
    let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn check_renders_diagnostics_and_sets_the_exit_code() {
    let out = dyngroup(&[
        "check",
        "--canonical",
        "all {Instance.Id = \"ocid1.instance.oc1..a\"}",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "ALL {instance.id = 'ocid1.instance.oc1..a'}\n"
    );

    let out = dyngroup(&["check", "ANY {instnce.id = 'a'}"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown variable `instnce.id`\n --> 1:6\n  |\n1 | ANY {instnce.id = 'a'}\n  |      ^^^^^^^^^^\n  = help: did you mean `instance.id`?\n"
    );

    let out = dyngroup(&["check", "--strict", "tag.a.b.value = abc"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("rejected in strict mode"));
}

#[test]
fn check_groups_file() {
    let dir = scratch("check-groups");
    let groups = write(
        &dir,
        "groups.json",
        r#"{"data": [
  {"name": "ok", "matching-rule": "resource.type = 'fnfunc'", "compartment-id": "ocid1.tenancy.oc1..t"},
  {"name": "bad", "matching-rule": "ANY {}", "compartment-id": "ocid1.tenancy.oc1..t"}
]}"#,
    );
    let out = dyngroup(&["check", "--canonical", "--groups", &groups]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "ocid1.tenancy.oc1..t\tok\tresource.type = 'fnfunc'\n"
    );
    assert!(
        stderr(&out).contains(&format!("{groups}:3:")),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("1 valid rules, 1 invalid rules"));
}

#[test]
fn explain_shows_each_condition() {
    let out = dyngroup(&[
        "explain",
        "--principal",
        "ocid1.instance.oc1.phx.anyhqljrexamplebastion",
        "--group",
        "prod-without-bastion",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("group prod-without-bastion"), "{text}");
    assert!(text.contains("not a member"), "{text}");
    assert!(text.contains("false"), "{text}");

    let out = dyngroup(&[
        "explain",
        "--json",
        "--principal",
        "ocid1.instance.oc1.phx.anyhqljrexampleweb01",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let groups = json["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 13, "every group of the tenancy");
    let web = groups.iter().find(|g| g["name"] == "web-tier").unwrap();
    assert_eq!(web["member"], true);
    assert_eq!(web["tree"]["kind"], "condition");
    assert_eq!(web["tree"]["holds"], true);
}

#[test]
fn explain_a_terminated_principal_says_why() {
    let out = dyngroup(&[
        "explain",
        "--principal",
        "ocid1.instance.oc1.phx.anyhqljrexampleold01",
    ]);
    // An answer, not an error (issue 11): in no group, and why.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("its lifecycle state is TERMINATED"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_wrong_flag_is_a_usage_error() {
    let out = dyngroup(&["compute", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'xml'"),
        "{}",
        stderr(&out)
    );
    let out = dyngroup(&["compute", "--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn shards_concatenate_to_the_whole_run() {
    let whole = dyngroup(&["compute"]);
    let mut records: Vec<String> = stdout(&whole).lines().map(str::to_owned).collect();
    let mut sharded = Vec::new();
    for k in 0..3 {
        let out = dyngroup(&["compute", "--shard", &format!("{k}/3")]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        sharded.extend(stdout(&out).lines().map(str::to_owned));
    }
    records.sort();
    sharded.sort();
    assert_eq!(records, sharded);

    let out = dyngroup(&["compute", "--shard", "3/3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("need 0 <= K < N"), "{}", stderr(&out));
}
