//! The input readers through the real binary on real files: tags given twice, the tag
//! cap, ended lifecycle states, streams of JSON documents and identity-domain exports.

mod common;

use common::{dyngroup, jsonl, path, scratch, stderr, stdout};

use std::fs;

use serde_json::Value;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaatenancy";

fn principal(id: &str, tags: &str, state: &str) -> String {
    format!(
        r#"{{"id": "{id}", "compartment-id": "ocid1.compartment.oc1..c", "tenancy-id": "{TENANCY}", "lifecycle-state": "{state}", "defined-tags": {tags}}}"#
    )
}

fn group(name: &str, rule: &str) -> String {
    format!(r#"{{"name": "{name}", "matching-rule": "{rule}", "compartment-id": "{TENANCY}"}}"#)
}

/// `compute --by group` members of `name`, sorted.
fn members(out: &str, name: &str) -> Vec<String> {
    let records = jsonl(out);
    let record = records
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("group {name} in {out}"));
    let mut ids: Vec<String> = record["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m.as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_tag_given_twice_rejects_the_record_and_the_rest_is_computed() {
    let dir = scratch("twice");
    let inventory = [
        principal(
            "ocid1.instance.oc1..both",
            r#"{"ops": {"role": "web", "ROLE": "db"}}"#,
            "RUNNING",
        ),
        principal(
            "ocid1.instance.oc1..ns",
            r#"{"ops": {"role": "web"}, "OPS": {"Role": "db"}}"#,
            "RUNNING",
        ),
        principal(
            "ocid1.instance.oc1..web",
            r#"{"ops": {"role": "web"}}"#,
            "RUNNING",
        ),
    ]
    .join("\n");
    fs::write(dir.join("fleet.jsonl"), inventory).unwrap();
    fs::write(
        dir.join("groups.jsonl"),
        [
            group("web", "tag.ops.role.value = 'web'"),
            group("db", "tag.ops.role.value = 'db'"),
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.jsonl"),
        "--groups",
        &path(&dir, "groups.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let fleet = path(&dir, "fleet.jsonl");
    assert!(
        err.contains(&format!("{fleet}:1:208: error: defined tag `ops.ROLE` is given twice (first as `ops.role`): a tag has one value")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{fleet}:2:215: error: defined tag `OPS.Role` is given twice (first as `ops.role`): a tag has one value"
        )),
        "{err}"
    );
    assert_eq!(members(&stdout(&out), "web"), ["ocid1.instance.oc1..web"]);
    assert!(members(&stdout(&out), "db").is_empty());
}

#[test]
fn a_record_past_the_tag_cap_is_rejected_and_does_not_stall_the_run() {
    let dir = scratch("cap");
    let keys: Vec<String> = (0..200_000).map(|i| format!(r#""k{i}": "v""#)).collect();
    let huge = format!(r#"{{"ops": {{{}}}}}"#, keys.join(","));
    let inventory = [
        principal("ocid1.instance.oc1..huge", &huge, "RUNNING"),
        principal(
            "ocid1.instance.oc1..small",
            r#"{"ops": {"k1": "v"}}"#,
            "RUNNING",
        ),
    ]
    .join("\n");
    fs::write(dir.join("fleet.jsonl"), inventory).unwrap();
    fs::write(dir.join("groups.jsonl"), group("k1", "tag.ops.k1.value")).unwrap();
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.jsonl"),
        "--groups",
        &path(&dir, "groups.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:1:176: error: more than 1000 defined tags in one record",
            path(&dir, "fleet.jsonl")
        )),
        "{err}"
    );
    assert_eq!(members(&stdout(&out), "k1"), ["ocid1.instance.oc1..small"]);
}

#[test]
fn deleted_deleting_terminated_and_terminating_principals_are_in_nothing() {
    let dir = scratch("lifecycle");
    let tags = r#"{"ops": {"role": "fn"}}"#;
    let inventory = [
        principal("ocid1.fnfunc.oc1..active", tags, "ACTIVE"),
        principal("ocid1.fnfunc.oc1..deleted", tags, "DELETED"),
        principal("ocid1.fnfunc.oc1..deleting", tags, "Deleting"),
        principal("ocid1.instance.oc1..terminated", tags, "terminated"),
        principal("ocid1.instance.oc1..terminating", tags, "TERMINATING"),
    ]
    .join("\n");
    fs::write(dir.join("fleet.jsonl"), inventory).unwrap();
    fs::write(
        dir.join("groups.jsonl"),
        group("fn", "tag.ops.role.value = 'fn'"),
    )
    .unwrap();
    let snapshot = path(&dir, "fleet.dgs");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.jsonl"),
        "--groups",
        &path(&dir, "groups.jsonl"),
        "--snapshot",
        &snapshot,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(members(&stdout(&out), "fn"), ["ocid1.fnfunc.oc1..active"]);
    assert!(
        stderr(&out).contains("5 principals (1 indexed)"),
        "{}",
        stderr(&out)
    );

    // Live: the function goes DELETING and leaves its group.
    let change = format!(
        r#"{{"op": "upsert-principal", "principal": {}}}"#,
        principal("ocid1.fnfunc.oc1..active", tags, "DELETING")
    );
    fs::write(dir.join("changes.jsonl"), change + "\n").unwrap();
    let out = dyngroup(&[
        "apply",
        "--snapshot",
        &snapshot,
        "--changes",
        &path(&dir, "changes.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let delta = jsonl(&stdout(&out));
    assert_eq!(delta.len(), 1, "{}", stdout(&out));
    assert_eq!(
        delta[0]["left"],
        serde_json::json!(["ocid1.fnfunc.oc1..active"])
    );
}

/// A record as `jq '.data[]'` prints it.
fn pretty(id: &str) -> String {
    format!(
        "{{\n  \"compartment-id\": \"ocid1.compartment.oc1..c\",\n  \"id\": \"{id}\",\n  \"tenancy-id\": \"{TENANCY}\"\n}}\n"
    )
}

#[test]
fn jq_output_and_several_pages_are_read_whole_and_a_broken_document_is_skipped() {
    let dir = scratch("stream");
    let broken = "{\n  \"compartment-id\": \"ocid1.compartment.oc1..c\"\n  \"id\": \"ocid1.instance.oc1..broken\"\n}\n";
    let inventory = pretty("ocid1.instance.oc1..a") + broken + &pretty("ocid1.instance.oc1..b");
    fs::write(dir.join("fleet.json"), inventory).unwrap();
    let pages = format!(
        "{{\n  \"data\": [\n    {}\n  ]\n}}\n{{\n  \"data\": [\n    {}\n  ]\n}}\n",
        group("one", "resource.type = 'instance'"),
        group("two", "resource.id = 'ocid1.instance.oc1..b'")
    );
    fs::write(dir.join("groups.json"), pages).unwrap();
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.json"),
        "--groups",
        &path(&dir, "groups.json"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:8:3: error: invalid JSON: expected `,` or `}}` (from line 6 to line 9 left out; reading resumes at line 10)",
            path(&dir, "fleet.json")
        )),
        "{err}"
    );
    let out = stdout(&out);
    assert_eq!(
        members(&out, "one"),
        ["ocid1.instance.oc1..a", "ocid1.instance.oc1..b"]
    );
    assert_eq!(members(&out, "two"), ["ocid1.instance.oc1..b"]);
}

#[test]
fn two_documents_on_one_line_give_both_records() {
    let dir = scratch("one-line");
    let a = principal("ocid1.instance.oc1..a", "{}", "RUNNING");
    let b = principal("ocid1.instance.oc1..b", "{}", "RUNNING");
    fs::write(
        dir.join("groups.jsonl"),
        group("all", "resource.type = 'instance'"),
    )
    .unwrap();
    for (name, text) in [
        (
            "spaced.json",
            format!("{{\"data\": [{a}]}}  {{\"data\": [{b}]}}\n"),
        ),
        (
            "joined.json",
            format!("{{\"data\": [{a}]}}{{\"data\": [{b}]}}\n"),
        ),
        ("records.json", format!("{a} {b}\n")),
    ] {
        fs::write(dir.join(name), text).unwrap();
        let out = dyngroup(&[
            "compute",
            "--inventory",
            &path(&dir, name),
            "--groups",
            &path(&dir, "groups.jsonl"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("0 records rejected"),
            "{name}: {}",
            stderr(&out)
        );
        assert_eq!(
            members(&stdout(&out), "all"),
            ["ocid1.instance.oc1..a", "ocid1.instance.oc1..b"],
            "{name}"
        );
    }
}

#[test]
fn invalid_utf8_in_an_array_element_rejects_that_element_only_and_is_one_problem() {
    let dir = scratch("array-utf8");
    let bad = principal(
        "ocid1.instance.oc1..a",
        r#"{"ops": {"role": "wXXb"}}"#,
        "RUNNING",
    );
    let bad = bad.as_bytes().to_vec();
    // Where the bad byte goes: after the `[`, so at byte `at + 1` of the line.
    let at = bad.windows(3).position(|w| w == b"XXb").unwrap();
    let mut text = b"[".to_vec();
    text.extend_from_slice(&bad[..at]);
    text.push(0xff);
    text.extend_from_slice(&bad[at + 2..]);
    text.extend_from_slice(b",\n");
    text.extend_from_slice(principal("ocid1.instance.oc1..b", "{}", "RUNNING").as_bytes());
    text.extend_from_slice(b"]\n");
    let inventory = path(&dir, "fleet.json");
    fs::write(&inventory, &text).unwrap();
    fs::write(
        dir.join("groups.jsonl"),
        group("all", "resource.type = 'instance'"),
    )
    .unwrap();
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &inventory,
        "--groups",
        &path(&dir, "groups.jsonl"),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with(&inventory)).collect();
    assert_eq!(
        problems,
        [format!(
            "{inventory}:1:{}: error: invalid UTF-8 at byte {} of line 1 (0xff) (line 1 left out; reading resumes at line 2)",
            at + 2,
            at + 1
        )],
        "{err}"
    );
    assert!(err.contains("1 records rejected"), "{err}");
    assert_eq!(members(&stdout(&out), "all"), ["ocid1.instance.oc1..b"]);
}

#[test]
fn identity_domain_exports_are_groups_and_unapplied_domain_scopes_are_reported_once() {
    let dir = scratch("domains");
    fs::write(
        dir.join("fleet.jsonl"),
        principal("ocid1.fnfunc.oc1..f", "{}", "ACTIVE"),
    )
    .unwrap();
    let drg = |name: &str, domain: &str, compartment: &str, rule: &str| {
        format!(
            r#"{{"display-name": "{name}", "id": "scim-{name}", "ocid": "ocid1.dynamicgroup.oc1..{name}", "domain-ocid": "{domain}", "compartment-ocid": "{compartment}", "tenancy-ocid": "{TENANCY}", "matching-rule": {rule}}}"#
        )
    };
    let export = format!(
        "{{\n  \"data\": {{\n    \"resources\": [\n      {},\n      {},\n      {}\n    ],\n    \"total-results\": 3\n  }}\n}}\n",
        drg(
            "DefaultFns",
            "ocid1.domain.oc1..default",
            TENANCY,
            "\"resource.type = 'fnfunc'\""
        ),
        drg(
            "TeamFns",
            "ocid1.domain.oc1..team",
            "ocid1.compartment.oc1..team",
            "\"resource.type = 'fnfunc'\""
        ),
        drg(
            "NoRule",
            "ocid1.domain.oc1..team",
            "ocid1.compartment.oc1..team",
            "null"
        ),
    );
    fs::write(dir.join("drg.json"), export).unwrap();
    let report = path(&dir, "report.json");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.jsonl"),
        "--groups",
        &path(&dir, "drg.json"),
        "--report",
        &report,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:6:256: error: no `matching-rule` for group `NoRule`: identity-domain exports leave it out unless asked; re-export with `oci identity-domains dynamic-resource-groups list --attribute-sets all`",
            path(&dir, "drg.json")
        )),
        "{err}"
    );
    assert_eq!(err.matches("domain scope").count(), 1, "{err}");
    assert!(
        err.contains("dyngroup: note: 1 group of identity domains outside the root compartment is evaluated over the whole tenancy"),
        "{err}"
    );
    let records = jsonl(&stdout(&out));
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["group-id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "ocid1.dynamicgroup.oc1..DefaultFns",
            "ocid1.dynamicgroup.oc1..TeamFns"
        ]
    );
    assert_eq!(members(&stdout(&out), "TeamFns"), ["ocid1.fnfunc.oc1..f"]);

    let report: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        report["domain-scope-not-applied"],
        serde_json::json!([{
            "tenancy-id": TENANCY,
            "group-id": "ocid1.dynamicgroup.oc1..TeamFns",
            "name": "TeamFns",
            "domain-id": "ocid1.domain.oc1..team",
            "domain-compartment-id": "ocid1.compartment.oc1..team",
            "reason": "no compartment tree was given, or it does not hold the domain's compartment under the group's tenancy",
        }])
    );
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1);
}

/// A fleet of functions in a small tree, and one identity-domain group of each kind.
///
/// ```text
/// tenancy ─┬─ team ── team-child      f-team, f-child
///          └─ other                   f-other, f-root (in the root)
/// (not in the tree)                   f-unplaced
/// ```
fn domain_fleet(dir: &std::path::Path) {
    let function = |name: &str, compartment: &str| {
        format!(
            r#"{{"id": "ocid1.fnfunc.oc1..{name}", "compartment-id": "{compartment}", "tenancy-id": "{TENANCY}"}}"#
        )
    };
    let fleet = [
        function("team", "ocid1.compartment.oc1..team"),
        function("child", "ocid1.compartment.oc1..teamchild"),
        function("other", "ocid1.compartment.oc1..other"),
        function("root", TENANCY),
        function("unplaced", "ocid1.compartment.oc1..createdsince"),
    ];
    fs::write(dir.join("fleet.jsonl"), fleet.join("\n") + "\n").unwrap();
    let compartment = |id: &str, name: &str, parent: &str| {
        format!(
            r#"{{"id": "{id}", "name": "{name}", "compartment-id": "{parent}", "lifecycle-state": "ACTIVE"}}"#
        )
    };
    let tree = [
        format!(r#"{{"id": "{TENANCY}", "name": "acme", "lifecycle-state": "ACTIVE"}}"#),
        compartment("ocid1.compartment.oc1..team", "team", TENANCY),
        compartment(
            "ocid1.compartment.oc1..teamchild",
            "team-child",
            "ocid1.compartment.oc1..team",
        ),
        compartment("ocid1.compartment.oc1..other", "other", TENANCY),
    ];
    fs::write(
        dir.join("compartments.json"),
        format!("{{\"data\": [{}]}}\n", tree.join(",\n")),
    )
    .unwrap();
    let drg = |name: &str, domain: &str, compartment: &str| {
        format!(
            r#"{{"displayName": "{name}", "id": "scim-{name}", "ocid": "ocid1.dynamicgroup.oc1..{name}", "domainOcid": "{domain}", "compartmentOcid": "{compartment}", "tenancyOcid": "{TENANCY}", "matchingRule": "resource.type = 'fnfunc'"}}"#
        )
    };
    let export = [
        drg("DefaultFns", "ocid1.domain.oc1..default", TENANCY),
        drg(
            "TeamFns",
            "ocid1.domain.oc1..team",
            "ocid1.compartment.oc1..team",
        ),
        drg(
            "GoneFns",
            "ocid1.domain.oc1..gone",
            "ocid1.compartment.oc1..gone",
        ),
    ];
    fs::write(
        dir.join("drg.json"),
        format!(
            "{{\"data\": {{\"resources\": [{}]}}}}\n",
            export.join(",\n")
        ),
    )
    .unwrap();
}

#[test]
fn with_the_compartment_tree_a_domain_group_matches_only_its_domain_subtree() {
    let dir = scratch("domain-scope");
    domain_fleet(&dir);
    let (fleet, drg, tree) = (
        path(&dir, "fleet.jsonl"),
        path(&dir, "drg.json"),
        path(&dir, "compartments.json"),
    );
    let report = path(&dir, "report.json");
    let snapshot = path(&dir, "s.dgs");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &fleet,
        "--groups",
        &drg,
        "--compartments",
        &tree,
        "--report",
        &report,
        "--snapshot",
        &snapshot,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all =
        ["child", "other", "root", "team", "unplaced"].map(|n| format!("ocid1.fnfunc.oc1..{n}"));
    assert_eq!(members(&stdout(&out), "DefaultFns"), all);
    assert_eq!(
        members(&stdout(&out), "TeamFns"),
        [all[0].clone(), all[3].clone(), all[4].clone()],
        "the subtree's, and the compartment the tree does not place (too many, never too few)"
    );
    // A domain whose compartment the tree does not hold keeps its whole tenancy, and
    // is the one group reported.
    assert_eq!(members(&stdout(&out), "GoneFns"), all);
    let err = stderr(&out);
    assert!(
        err.contains("dyngroup: note: 1 group of identity domains outside the root compartment is evaluated over the whole tenancy"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let unscoped = report["domain-scope-not-applied"].as_array().unwrap();
    assert_eq!(unscoped.len(), 1);
    assert_eq!(unscoped[0]["name"], "GoneFns");

    // Explain shows the scope beside the rule, in text and JSON.
    let explain_team = |principal: &str, extra: &[&str]| {
        let base = [
            "explain",
            "--inventory",
            &fleet,
            "--groups",
            &drg,
            "--principal",
            principal,
            "--group",
            "TeamFns",
        ];
        dyngroup(&[&base[..], extra].concat())
    };
    let with_tree = ["--compartments", tree.as_str()];
    let out = explain_team(&all[1], &with_tree);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("group TeamFns (tenancy"), "{text}");
    assert!(text.contains(": not a member"), "{text}");
    assert!(
        text.contains("false  identity domain ocid1.domain.oc1..team: the group matches only principals in the subtree of compartment ocid1.compartment.oc1..team, and this principal's compartment ocid1.compartment.oc1..other is outside it"),
        "{text}"
    );
    let out = explain_team(&all[0], &[&with_tree[..], &["--json"]].concat());
    let answer: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let group = &answer["groups"][0];
    assert_eq!(group["member"], true, "{answer}");
    assert_eq!(group["domain-scope"]["holds"], true, "{answer}");
    assert_eq!(group["domain-scope"]["applied"], true, "{answer}");
    // Without the tree, explain says the scope is not applied, and the group matches.
    let out = explain_team(&all[1], &[]);
    let text = stdout(&out);
    assert!(text.contains(": member"), "{text}");
    assert!(text.contains("scope not applied"), "{text}");

    let out = dyngroup(&["inspect", &snapshot]);
    assert!(
        stdout(&out)
            .contains("3 groups of identity domains, 1 of them with the domain scope not applied"),
        "{}",
        stdout(&out)
    );
    // The snapshot keeps the scope: query answers as compute did, and a principal
    // moved into the domain's subtree joins the group through `apply`.
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--group",
        "TeamFns",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&all[0]) && !text.contains(&all[1]), "{text}");
    fs::write(
        dir.join("changes.jsonl"),
        format!(
            r#"{{"op": "upsert-principal", "principal": {{"id": "{}", "compartment-id": "ocid1.compartment.oc1..teamchild", "tenancy-id": "{TENANCY}"}}}}"#,
            all[1]
        ) + "\n",
    )
    .unwrap();
    let moved = path(&dir, "moved.dgs");
    let out = dyngroup(&[
        "apply",
        "--snapshot",
        &snapshot,
        "--changes",
        &path(&dir, "changes.jsonl"),
        "--out",
        &moved,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The snapshot still says which scope is not applied.
    assert!(
        stderr(&out).contains("1 group of identity domains outside the root compartment"),
        "{}",
        stderr(&out)
    );
    let delta = stdout(&out);
    assert!(
        delta.contains("TeamFns") && delta.contains(&all[1]),
        "{delta}"
    );
    assert!(!delta.contains("DefaultFns"), "{delta}");
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &moved,
        "--group",
        "TeamFns",
        "--json",
    ]);
    let text = stdout(&out);
    assert!(text.contains(&all[0]) && text.contains(&all[1]), "{text}");
    assert!(!text.contains(&all[2]), "{text}");
}

#[test]
fn a_broken_compartment_record_without_policies_is_in_the_report_and_the_exit_code() {
    let dir = scratch("domain-tree-broken");
    domain_fleet(&dir);
    let tree = fs::read_to_string(dir.join("compartments.json")).unwrap();
    let broken = tree.replacen(r#""name": "other""#, r#""name": 7"#, 1);
    assert_ne!(broken, tree);
    fs::write(dir.join("compartments.json"), broken).unwrap();
    let report = path(&dir, "report.json");
    let out = dyngroup(&[
        "compute",
        "--inventory",
        &path(&dir, "fleet.jsonl"),
        "--groups",
        &path(&dir, "drg.json"),
        "--compartments",
        &path(&dir, "compartments.json"),
        "--report",
        &report,
        "--out",
        "/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{report}");
    assert!(
        rejected[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("compartments.json"),
        "{report}"
    );
    assert_eq!(report["totals"]["rejected-records"], 1, "{report}");
}
