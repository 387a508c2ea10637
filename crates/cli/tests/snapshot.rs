//! The real `dyngroup` binary with snapshot files: `compute --snapshot`, `query`,
//! `inspect`, `diff`, and damaged files.

mod common;

use common::{dyngroup, jsonl, path, sample_snapshot, scratch, stderr, stdout};

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";
const PARTNER: &str = "ocid1.tenancy.oc1..aaaaaaaapartnertenancy";

#[test]
fn query_answers_like_compute_for_every_principal_and_group() {
    let dir = scratch("query");
    let snapshot = sample_snapshot(&dir, "sample.dgs");

    let by_principal = dyngroup(&["compute", "--by", "principal"]);
    for record in jsonl(&stdout(&by_principal)) {
        let id = record["id"].as_str().unwrap();
        let out = dyngroup(&[
            "query",
            "--snapshot",
            &snapshot,
            "--principal",
            id,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let answer: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(answer["groups"], record["groups"], "{id}");
        assert_eq!(answer["tenancy-id"], record["tenancy-id"], "{id}");
        assert_eq!(answer["id"], record["id"]);
    }

    let by_group = dyngroup(&["compute"]);
    for record in jsonl(&stdout(&by_group)) {
        let (name, tenancy) = (
            record["name"].as_str().unwrap(),
            record["tenancy-id"].as_str().unwrap(),
        );
        let out = dyngroup(&[
            "query",
            "--snapshot",
            &snapshot,
            "--group",
            name,
            "--tenancy",
            tenancy,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let answer: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(answer, record, "{name}");
    }

    // Text: one member per line; one `name<TAB>group-id` per group.
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--group",
        "PROD-without-bastion",
    ]);
    assert_eq!(
        stdout(&out),
        "ocid1.instance.oc1.phx.anyhqljrexampleweb01\nocid1.instance.oc1.phx.anyhqljrexampleweb02\n"
    );
    let out = dyngroup(&[
        "query",
        "--snapshot",
        &snapshot,
        "--principal",
        "ocid1.apigateway.oc1.phx.amaaaaaaexamplegateway",
    ]);
    assert_eq!(
        stdout(&out),
        "not-web\tocid1.dynamicgroup.oc1..aaaaaaaanotweb\n\
         data-science\tocid1.dynamicgroup.oc1..aaaaaaaanotebooks\n"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn query_refusals_and_their_exit_codes() {
    let dir = scratch("refusals");
    let snapshot = sample_snapshot(&dir, "sample.dgs");
    let q = |extra: &[&str]| {
        let mut args = vec!["query", "--snapshot", snapshot.as_str()];
        args.extend_from_slice(extra);
        dyngroup(&args)
    };

    let out = q(&["--principal", "ocid1.instance.oc1.phx.anyhqljrexampleold01"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no indexed principal has id"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");

    let out = q(&["--group", "web-tier"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "dyngroup: 2 tenancies have a group named web-tier ({TENANCY}, {PARTNER}): \
             pass --tenancy\n"
        )
    );
    let out = q(&["--group", "web-tier", "--tenancy", PARTNER]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "ocid1.instance.oc1.iad.anuwcljrpartnerweb01\n"
    );

    let out = q(&["--group", "nope", "--tenancy", TENANCY]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no group named nope in tenancy"),
        "{}",
        stderr(&out)
    );

    // Usage errors: neither question, both, --tenancy without --group.
    assert_eq!(q(&[]).status.code(), Some(2));
    assert_eq!(
        q(&["--principal", "x", "--group", "y"]).status.code(),
        Some(2)
    );
    assert_eq!(
        q(&["--principal", "x", "--tenancy", TENANCY]).status.code(),
        Some(2)
    );

    let missing = path(&dir, "missing.dgs");
    let out = dyngroup(&["query", "--snapshot", &missing, "--principal", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("dyngroup: snapshot: "),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("missing.dgs"), "{}", stderr(&out));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inspect_shows_the_header_sections_and_verdict() {
    let dir = scratch("inspect");
    let snapshot = sample_snapshot(&dir, "sample.dgs");
    let out = dyngroup(&["inspect", &snapshot]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("format version 3, flags 0x0"), "{text}");
    for name in [
        "meta",
        "strings",
        "postings",
        "members",
        "principal-groups",
        "policies",
        "domains",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.ends_with("ok")),
            "{text}"
        );
    }
    assert!(
        text.contains("9 principals, 2 tenancies, 14 groups, 35 memberships"),
        "{text}"
    );
    assert!(text.ends_with("valid\n"), "{text}");

    let out = dyngroup(&["inspect", &snapshot, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["version"], 3);
    assert_eq!(report["error"], Value::Null);
    assert_eq!(report["sections"].as_array().unwrap().len(), 12);
    assert_eq!(report["counts"]["groups"], 14);
    assert_eq!(
        report["bytes"].as_u64().unwrap(),
        fs::metadata(&snapshot).unwrap().len()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_snapshots_are_fatal_with_the_section_named() {
    let dir = scratch("damaged");
    let snapshot = sample_snapshot(&dir, "sample.dgs");
    let report: Value =
        serde_json::from_str(&stdout(&dyngroup(&["inspect", &snapshot, "--json"]))).unwrap();
    let postings = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "postings")
        .unwrap();
    let at = postings["offset"].as_u64().unwrap() as usize + 10;
    let mut bytes = fs::read(&snapshot).unwrap();
    bytes[at] ^= 0x20;
    let damaged = path(&dir, "damaged.dgs");
    fs::write(&damaged, &bytes).unwrap();

    // Named by file: `diff` opens two.
    let expected =
        format!("dyngroup: snapshot: {damaged}: section \"postings\" checksum mismatch\n");
    let out = dyngroup(&["query", "--snapshot", &damaged, "--principal", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), expected);
    assert_eq!(stdout(&out), "");
    let out = dyngroup(&["diff", &snapshot, &damaged]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), expected);

    let out = dyngroup(&["inspect", &damaged]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), expected);
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("postings") && l.ends_with("MISMATCH")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("members") && l.ends_with("ok")),
        "{text}"
    );
    assert!(
        text.ends_with("invalid: snapshot: section \"postings\" checksum mismatch\n"),
        "{text}"
    );
    let out = dyngroup(&["inspect", &damaged, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["counts"], Value::Null);

    let truncated = path(&dir, "truncated.dgs");
    fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let out = dyngroup(&["query", "--snapshot", &truncated, "--group", "functions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "dyngroup: snapshot: {truncated}: section \"principal-groups\" truncated"
        )),
        "{}",
        stderr(&out)
    );

    let not_one = path(&dir, "m.jsonl");
    fs::write(&not_one, "{\"id\": \"ocid1.instance.oc1..a\"}\n").unwrap();
    let out = dyngroup(&["inspect", &not_one]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("dyngroup: snapshot: {not_one}: not a dyngroup snapshot (bad magic number)\n")
    );
    assert!(stdout(&out).contains("header not readable"));

    // An unwritable snapshot path stops compute.
    let nowhere = path(&dir.join("no-such-dir"), "s.dgs");
    let out = dyngroup(&["compute", "--snapshot", &nowhere]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("s.dgs"), "{}", stderr(&out));
    fs::remove_dir_all(&dir).unwrap();
}

fn principal(n: &str, compartment: &str, role: &str, state: &str) -> Value {
    json!({
        "id": format!("ocid1.instance.oc1..{n}"),
        "compartment-id": format!("ocid1.compartment.oc1..{compartment}"),
        "tenancy-id": TENANCY,
        "lifecycle-state": state,
        "defined-tags": {"Ops": {"Role": role}},
    })
}

fn group(n: &str, rule: &str) -> Value {
    json!({
        "id": format!("ocid1.dynamicgroup.oc1..{n}"),
        "name": n,
        "description": "",
        "matching-rule": rule,
        "compartment-id": TENANCY,
    })
}

fn write_jsonl(dir: &Path, name: &str, records: &[Value]) -> String {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    fs::write(dir.join(name), text).unwrap();
    path(dir, name)
}

#[test]
fn diff_lists_joins_leaves_and_created_and_deleted_groups() {
    let dir = scratch("diff");
    let web = "tag.ops.role.value = 'web'";
    let before_inventory = write_jsonl(
        &dir,
        "before.jsonl",
        &[
            principal("a", "prod", "web", "RUNNING"),
            principal("b", "prod", "web", "RUNNING"),
            principal("c", "dev", "db", "RUNNING"),
        ],
    );
    let before_groups = write_jsonl(
        &dir,
        "before-groups.jsonl",
        &[
            group("web", web),
            group(
                "prod",
                "instance.compartment.id = 'ocid1.compartment.oc1..prod'",
            ),
            group("old", "tag.ops.role.value"),
        ],
    );
    let after_inventory = write_jsonl(
        &dir,
        "after.jsonl",
        &[
            principal("a", "prod", "db", "RUNNING"), // retagged: leaves web
            principal("b", "prod", "web", "TERMINATED"), // terminated: leaves everything
            principal("c", "prod", "db", "RUNNING"), // moved: joins prod
            principal("d", "dev", "web", "RUNNING"), // launched: joins web
        ],
    );
    let after_groups = write_jsonl(
        &dir,
        "after-groups.jsonl",
        &[
            group("web", web),
            group(
                "prod",
                "instance.compartment.id = 'ocid1.compartment.oc1..prod'",
            ),
            group(
                "dev",
                "instance.compartment.id = 'ocid1.compartment.oc1..dev'",
            ),
        ],
    );
    let (old, new) = (path(&dir, "old.dgs"), path(&dir, "new.dgs"));
    for (inventory, groups, snapshot) in [
        (&before_inventory, &before_groups, &old),
        (&after_inventory, &after_groups, &new),
    ] {
        let out = dyngroup(&[
            "compute",
            "--inventory",
            inventory,
            "--groups",
            groups,
            "--snapshot",
            snapshot,
            "--out",
            "/dev/null",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    let out = dyngroup(&["diff", &old, &new, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = |n: &str| format!("ocid1.instance.oc1..{n}");
    let record = |name: &str, change: &str, joined: Vec<String>, left: Vec<String>| {
        json!({
            "tenancy-id": TENANCY,
            "group-id": format!("ocid1.dynamicgroup.oc1..{name}"),
            "name": name,
            "change": change,
            "rule-changed": false,
            "joined": joined,
            "left": left,
        })
    };
    assert_eq!(
        jsonl(&stdout(&out)),
        [
            record("web", "updated", vec![id("d")], vec![id("a"), id("b")]),
            record("prod", "updated", vec![id("c")], vec![id("b")]),
            record("dev", "created", vec![id("d")], vec![]),
            record("old", "deleted", vec![], vec![id("a"), id("b"), id("c")]),
        ]
    );
    assert!(
        stderr(&out)
            .contains("4 groups changed (1 created, 1 deleted, 2 updated): 3 joins, 6 leaves"),
        "{}",
        stderr(&out)
    );

    let out = dyngroup(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "updated web ({TENANCY}): 1 joined, 2 left\n  + {}\n  - {}\n  - {}\n",
            id("d"),
            id("a"),
            id("b")
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("deleted old ({TENANCY}): 0 joined, 3 left\n")),
        "{text}"
    );

    let out = dyngroup(&["diff", &old, &old, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("0 groups changed"),
        "{}",
        stderr(&out)
    );
    fs::remove_dir_all(&dir).unwrap();
}
