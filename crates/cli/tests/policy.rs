//! `dyngroup policy check`, `can` and `who-can` through the real binary, on fixtures
//! shaped like the OCI CLI's output (tests/data/policy).

mod common;

use common::{dyngroup, jsonl, stderr, stdout};
use serde_json::Value;

fn data(name: &str) -> String {
    format!("{}/tests/data/policy/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The input flags every `can` / `who-can` run gets, then `extra`.
fn run(command: &str, extra: &[&str]) -> std::process::Output {
    let (inventory, groups, compartments, policies) = (
        data("inventory.jsonl"),
        data("groups.jsonl"),
        data("compartments.json"),
        data("policies.json"),
    );
    let mut args = vec![
        command,
        "--inventory",
        &inventory,
        "--groups",
        &groups,
        "--compartments",
        &compartments,
        "--policies",
        &policies,
    ];
    args.extend_from_slice(extra);
    dyngroup(&args)
}

const WEB01: &str = "ocid1.instance.oc1.phx.web01";
const WEB02: &str = "ocid1.instance.oc1.phx.web02";
const REPORT: &str = "ocid1.fnfunc.oc1.phx.report";
const WEB_ACCESS: &str = "ocid1.policy.oc1..aaaaaaaawebaccess";

#[test]
fn policy_check_one_statement() {
    let out = dyngroup(&[
        "policy",
        "check",
        "--canonical",
        "ALLOW dynamic-group web TO read Bucket IN compartment Prod:App",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Allow dynamic-group web to read buckets in compartment Prod:App\n"
    );

    let out = dyngroup(&[
        "policy",
        "check",
        "Allow dynamic-group web to raed buckets in tenancy",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown verb `raed`: expected inspect, read, use or manage\n --> 1:28\n  |\n1 | Allow dynamic-group web to raed buckets in tenancy\n  |                            ^^^^\n  = help: did you mean `read`?\n"
    );
}

#[test]
fn policy_check_files_reports_each_statement_at_its_string() {
    let (broken, policies, compartments, groups) = (
        data("broken.json"),
        data("policies.json"),
        data("compartments.json"),
        data("groups.jsonl"),
    );
    let out = dyngroup(&[
        "policy",
        "check",
        "--policies",
        &broken,
        "--policies",
        &policies,
        "--compartments",
        &compartments,
        "--groups",
        &groups,
        "--canonical",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "broken.json:1:140: error: policy `broken`, statement 1: expected `Allow`, `Deny`, `Define`, `Endorse` or `Admit`, found `Alow`",
        "    1 | Alow dynamic-group web to read buckets in tenancy\n      | ^^^^\n      = help: did you mean `Allow`?",
        "broken.json:1:193: warning: policy `broken`, statement 2: no dynamic group named `ghosts` in tenancy `ocid1.tenancy.oc1..aaaaaaaaexampletenancy`",
        "broken.json:1:250: note: policy `broken`, statement 3: `define` is a cross-tenancy statement: reported, not evaluated",
        "broken.json:1:306: error: policy `broken`, statement 4: location does not resolve: no compartment `Sandbox` under `example (ocid1.tenancy.oc1..aaaaaaaaexampletenancy)`; not evaluated",
        "broken.json:1:372: warning: policy `broken`, statement 5: unknown resource type `instances-family`",
        "= help: did you mean `instance-family`?",
        "compartments.json:51:5: note: skipped compartment `ocid1.compartment.oc1..aaaaaaaasandbox`: it is DELETED",
        "dyngroup: 9 statements in 3 policies: 6 evaluated, 2 statements rejected, 0 records rejected",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    let canonical = stdout(&out);
    assert_eq!(canonical.lines().count(), 8, "{canonical}");
    assert!(canonical.contains(
        "Allow dynamic-group id ocid1.dynamicgroup.oc1..aaaaaaaafns to read secret-family in compartment id ocid1.compartment.oc1..aaaaaaaastaging where request.principal.type = 'fnfunc'\n"
    ));

    let out = dyngroup(&[
        "policy",
        "check",
        "--policies",
        &policies,
        "--compartments",
        &compartments,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn who_can_lists_allowed_principals_with_the_chain() {
    let out = run(
        "who-can",
        &[
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            "Prod",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    let expected: Vec<Value> = [WEB01, WEB02]
        .iter()
        .map(|id| {
            serde_json::json!({
                "id": id,
                "tenancy-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy",
                "decision": "allowed",
                "via": [{
                    "group": "web",
                    "policy-id": WEB_ACCESS,
                    "statement": "Allow dynamic-group web to read object-family in compartment Prod",
                }],
            })
        })
        .collect();
    assert_eq!(records, expected);
    assert!(
        stderr(&out).contains("2 may read buckets in Prod"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn who_can_deny_and_inheritance_and_ocid_or_path() {
    // The deny of `manage buckets` in Prod:App takes buckets away there...
    let out = run(
        "who-can",
        &[
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            "Prod:App",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    // ...but not objects, which the grant in Prod covers below it.
    let out = run(
        "who-can",
        &[
            "--verb",
            "read",
            "--resource-type",
            "objects",
            "--compartment",
            "ocid1.compartment.oc1..aaaaaaaaapp",
        ],
    );
    let ids: Vec<String> = jsonl(&stdout(&out))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [WEB01, WEB02]);
    // Nothing reaches Staging from Prod.
    let out = run(
        "who-can",
        &[
            "--verb",
            "read",
            "--resource-type",
            "objects",
            "--compartment",
            "Staging",
        ],
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn who_can_conditional_as_csv() {
    let out = run(
        "who-can",
        &[
            "--verb",
            "manage",
            "--resource-type",
            "instances",
            "--compartment",
            "Prod:App",
            "--format",
            "csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let statement = "Allow dynamic-group web to manage instance-family in compartment Prod:App where request.operation = 'LaunchInstance'";
    assert_eq!(
        stdout(&out),
        format!(
            "principal_id,tenancy_id,decision,group_name,policy_id,statement\n\
             {WEB01},ocid1.tenancy.oc1..aaaaaaaaexampletenancy,conditional,web,{WEB_ACCESS},{statement}\n\
             {WEB02},ocid1.tenancy.oc1..aaaaaaaaexampletenancy,conditional,web,{WEB_ACCESS},{statement}\n"
        )
    );
}

#[test]
fn can_decides_one_request_with_file_and_line() {
    let out = run(
        "can",
        &[
            "--principal",
            WEB01,
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            "Prod:App",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["decision"], "denied");
    assert_eq!(doc["compartment"]["path"], "Prod:App");
    let allow = &doc["allowed-by"][0];
    assert!(
        allow["at"]
            .as_str()
            .unwrap()
            .ends_with("policies.json:13:9"),
        "{allow}"
    );
    assert_eq!(allow["groups"][0]["name"], "web");
    assert_eq!(
        allow["groups"][0]["why"][1],
        "true     tag.Operations.Role.value = 'web'"
    );
    let deny = &doc["denied-by"][0];
    assert_eq!(
        deny["statement"],
        "Deny dynamic-group web to manage buckets in compartment Prod:App"
    );
    assert!(
        deny["at"].as_str().unwrap().ends_with("policies.json:15:9"),
        "{deny}"
    );

    let out = run(
        "can",
        &[
            "--principal",
            REPORT,
            "--verb",
            "read",
            "--resource-type",
            "secrets",
            "--compartment",
            "Staging",
        ],
    );
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{REPORT} may read secrets in Staging (ocid1.compartment.oc1..aaaaaaaastaging): allowed\n")), "{text}");
    assert!(
        text.contains("through functions ocid1.dynamicgroup.oc1..aaaaaaaafns"),
        "{text}"
    );
}

#[test]
fn can_lists_every_grant_of_a_principal() {
    let out = run("can", &["--principal", WEB01, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let grants = doc["grants"].as_array().unwrap();
    let summary: Vec<(String, String, String, String)> = grants
        .iter()
        .map(|g| {
            (
                g["verb"].as_str().unwrap().to_owned(),
                g["resource-type"].as_str().unwrap().to_owned(),
                g["compartment"]["path"].as_str().unwrap().to_owned(),
                g["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let owned = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned())
    };
    assert_eq!(
        summary,
        [
            owned("read", "object-family", "Prod", "partly-denied"),
            owned("manage", "instance-family", "Prod:App", "conditional"),
        ]
    );
    // Filters keep the grants that cover them.
    let out = run("can", &["--principal", WEB01, "--verb", "manage", "--json"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["grants"].as_array().unwrap().len(), 1);
    // A principal of no group holds nothing.
    let out = run(
        "can",
        &["--principal", REPORT, "--resource-type", "buckets"],
    );
    assert_eq!(
        stdout(&out),
        format!("{REPORT} holds no grant that matches\n")
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run("can", &["--principal", "ocid1.instance.oc1..nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no indexed principal has id ocid1.instance.oc1..nobody"));
    let out = run(
        "who-can",
        &[
            "--verb",
            "destroy",
            "--resource-type",
            "buckets",
            "--compartment",
            "Prod",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown verb `destroy`"));
    let out = run(
        "who-can",
        &[
            "--verb",
            "read",
            "--resource-type",
            "buckets",
            "--compartment",
            "Nowhere:Else",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no compartment at path `Nowhere:Else`"));
    let out = dyngroup(&[
        "who-can",
        "--verb",
        "read",
        "--resource-type",
        "buckets",
        "--compartment",
        "Prod",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing --policies and --compartments"
    );
}

#[test]
fn a_bad_statement_is_reported_and_the_rest_still_answers() {
    let (inventory, groups, compartments, policies, broken) = (
        data("inventory.jsonl"),
        data("groups.jsonl"),
        data("compartments.json"),
        data("policies.json"),
        data("broken.json"),
    );
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
        "--policies",
        &broken,
        "--verb",
        "read",
        "--resource-type",
        "buckets",
        "--compartment",
        "Prod",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(jsonl(&stdout(&out)).len(), 2);
    assert!(stderr(&out).contains("broken.json:1:140: error: policy `broken`, statement 1"));
}

#[test]
fn policy_check_reports_unnamed_groups_and_paths_over_the_limit() {
    let dir = common::scratch("policy-report");
    let groups = common::path(&dir, "groups.jsonl");
    let extra = r#"{"id": "ocid1.dynamicgroup.oc1..aaaaaaaaidle", "name": "idle", "matching-rule": "resource.type = 'instance'", "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy"}"#;
    let known = std::fs::read_to_string(data("groups.jsonl")).unwrap();
    std::fs::write(&groups, format!("{known}{extra}\n")).unwrap();
    let many = common::path(&dir, "many.json");
    let statements: Vec<String> = (0..497)
        .map(|_| "\"Allow dynamic-group web to inspect buckets in compartment id ocid1.compartment.oc1..aaaaaaaaapp\"".to_owned())
        .collect();
    std::fs::write(
        &many,
        format!(
            "{{\"id\": \"ocid1.policy.oc1..many\", \"name\": \"many\", \"compartment-id\": \"ocid1.compartment.oc1..aaaaaaaaapp\", \"statements\": [{}]}}\n",
            statements.join(", ")
        ),
    )
    .unwrap();
    let (policies, compartments) = (data("policies.json"), data("compartments.json"));
    let out = dyngroup(&[
        "policy",
        "check",
        "--policies",
        &policies,
        "--policies",
        &many,
        "--compartments",
        &compartments,
        "--groups",
        &groups,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("dyngroup: note: dynamic group `idle` (ocid1.dynamicgroup.oc1..aaaaaaaaidle) is named by no statement"),
        "{err}"
    );
    // 3 statements at the root + 497 in App = 500: at the limit, not over it.
    assert!(!err.contains("over OCI's limit"), "{err}");

    std::fs::write(
        &many,
        std::fs::read_to_string(&many).unwrap().replacen(
            "[",
            "[\"Allow any-user to inspect buckets in tenancy\", ",
            1,
        ),
    )
    .unwrap();
    let out = dyngroup(&[
        "policy",
        "check",
        "--policies",
        &policies,
        "--policies",
        &many,
        "--compartments",
        &compartments,
    ]);
    assert!(
        stderr(&out).contains("dyngroup: warning: the path to compartment `Prod:App` (ocid1.compartment.oc1..aaaaaaaaapp) holds 501 statements, over OCI's limit of 500"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn policy_check_counts_rejected_records_apart_from_statements() {
    let dir = common::scratch("check-records");
    let policies = common::path(&dir, "policies.jsonl");
    std::fs::write(
        &policies,
        concat!(
            r#"{"id": "ocid1.policy.oc1..a", "name": "a", "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy", "statements": ["Allow any-user to read buckets in tenancy", 42, "Alow any-user to read buckets in tenancy"]}"#,
            "\n",
            r#"{"id": "ocid1.policy.oc1..b", "name": "b", "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy"}"#,
            "\n",
            "not json\n",
        ),
    )
    .unwrap();
    let compartments = data("compartments.json");
    let out = dyngroup(&[
        "policy",
        "check",
        "--policies",
        &policies,
        "--compartments",
        &compartments,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "policies.jsonl:1:167: error: policy `a`, statement 2: a statement must be a string, found a number; left out",
        "policies.jsonl:1:171: error: policy `a`, statement 3: expected `Allow`",
        "policies.jsonl:2:1: error: missing `statements`",
        "dyngroup: 2 statements in 1 policies: 1 evaluated, 2 statements rejected, 2 records rejected\n",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}
