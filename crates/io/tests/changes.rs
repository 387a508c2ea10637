//! Reading changes files: every kind of change, and every kind of bad line reported as
//! `file:line:column: message` and skipped.

use dyngroup_index::engine::Change;
use dyngroup_index::{DefinedTag, DynamicGroup, Principal};
use dyngroup_io::{ProblemKind, ReadOptions, Severity, read_changes, read_changes_from};

const INPUT: &str = r#"{"op": "upsert-principal", "principal": {"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t", "defined-tags": {"Ops": {"Role": "web", "Size": 4}}}}
{"op": "remove-principal", "id": "ocid1.instance.oc1..b"}
{"op": "upsert-group", "group": {"name": "web", "matching-rule": "tag.ops.role.value = 'web'", "compartment-id": "t"}}
{"op": "delete-group", "id": "ocid1.dynamicgroup.oc1..g", "force": true}

{"op": "upsert-principal", "principal": {"id": "ocid1.instance.oc1..c"}}
{"op": "frob"}
  {"op": "upsert-principal", "principal": {"id": "x", "compartmentId": "c", "tenancyId": "t", "definedTags": {"Ops": {"Role": [1]}}}}
{"op": "delete-group", "id": "g", "force": "yes"}
{"op": "upsert-group", "group": {"name": "bad name!", "matching-rule": "x", "compartment-id": "t"}}
{"op": "remove-principal"}
{"op": "remove-principal", "id": "a"
[1, 2]
{"op": "upsert-group", "group": "web"}
{"op": "upsert-group", "group": {"name": "broken", "matching-rule": "ANY {", "compartment-id": "t"}}
{"op": "upsert-principal", "principal": {"id": "ocid1.instance.oc1..d", "compartment-id": "c", "lifecycle-state": "TERMINATED"}}
{"op": "delete-group", "id": "g2"}
{"op": "upsert-group", "group": {"id": "ocid1.dynamicgroup.oc1..x", "name": "db", "matching-rule": "x", "lifecycle-state": "DELETED"}}
{"op": "upsert-group", "group": {"id": "ocid1.dynamicgroup.oc1..y", "name": "db", "matching-rule": "tag.ops.role.value = 'db'"}}
{"op": "remove-principal", "id": ""}
"#;

fn options() -> ReadOptions {
    ReadOptions {
        tenancy: Some("T".to_owned()),
        ..ReadOptions::default()
    }
}

#[test]
fn changes_and_problems_with_their_positions() {
    let changes = read_changes_from(INPUT.as_bytes(), "changes.jsonl", &options()).unwrap();
    assert_eq!(changes.file, "changes.jsonl");
    let lines: Vec<usize> = changes.changes.iter().map(|c| c.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 15, 16, 17, 19]);
    let got: Vec<&Change> = changes.changes.iter().map(|c| &c.change).collect();
    let tag = |key: &str, value: &str| DefinedTag {
        namespace: "Ops".into(),
        key: key.into(),
        value: value.into(),
    };
    assert_eq!(
        got[0],
        &Change::UpsertPrincipal(Principal {
            id: "ocid1.instance.oc1..a".into(),
            compartment_id: "c".into(),
            tenancy_id: "t".into(),
            defined_tags: vec![tag("Role", "web"), tag("Size", "4")],
            ..Principal::default()
        })
    );
    assert_eq!(
        got[1],
        &Change::RemovePrincipal {
            id: "ocid1.instance.oc1..b".into()
        }
    );
    // No `id`: an empty one, for the engine to resolve by name or make up.
    assert_eq!(
        got[2],
        &Change::UpsertGroup(DynamicGroup {
            domain: None,
            id: String::new(),
            name: "web".into(),
            description: String::new(),
            matching_rule: "tag.ops.role.value = 'web'".into(),
            tenancy_id: "t".into(),
        })
    );
    assert_eq!(
        got[3],
        &Change::DeleteGroup {
            id: "ocid1.dynamicgroup.oc1..g".into(),
            force: true
        }
    );
    // A rule that does not parse is kept, as in groups files.
    assert!(matches!(got[4], Change::UpsertGroup(g) if g.name == "broken"));
    // --tenancy fills in; a terminated principal is an upsert (it leaves every group).
    match got[5] {
        Change::UpsertPrincipal(p) => {
            assert_eq!(p.tenancy_id, "T");
            assert_eq!(p.lifecycle_state.as_deref(), Some("TERMINATED"));
            assert!(!p.is_indexed());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        got[6],
        &Change::DeleteGroup {
            id: "g2".into(),
            force: false
        }
    );
    assert!(
        matches!(got[7], Change::UpsertGroup(g) if g.id == "ocid1.dynamicgroup.oc1..y" && g.tenancy_id == "T")
    );

    let problems: Vec<String> = changes.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "changes.jsonl:6:41: missing `compartment-id`",
            "changes.jsonl:7:8: unknown op `frob`: expected upsert-principal, remove-principal, \
             upsert-group or delete-group",
            "changes.jsonl:8:127: defined tag `Ops.Role` must be a string, number or boolean, \
             found an array",
            "changes.jsonl:9:44: `force` must be a boolean, found a string",
            "changes.jsonl:10:42: group name `bad name!` breaks the name rules: 1 to 100 \
             characters of A-Z, a-z, 0-9, `.`, `_`, `-`",
            "changes.jsonl:11:1: missing `id`",
            "changes.jsonl:12:36: invalid JSON: EOF while parsing an object",
            "changes.jsonl:13:1: a change must be a JSON object, found an array",
            "changes.jsonl:14:33: `group` must be an object, found a string",
            "changes.jsonl:15:69: invalid matching rule of group `broken`: 1:6: expected a \
             condition or an ANY/ALL group, found the end of the rule",
            "changes.jsonl:18:33: skipped group `db`: it is DELETED (use a `delete-group` change)",
            "changes.jsonl:20:34: empty `id`",
        ]
    );
    let kinds: Vec<ProblemKind> = changes.problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds[9], ProblemKind::BadRule);
    assert!(
        changes
            .problems
            .iter()
            .all(|p| p.severity == Severity::Error)
    );
    assert_eq!(changes.rejected(), 11, "the bad rule's group is kept");
}

#[test]
fn files_blank_lines_and_byte_order_marks() {
    let dir = std::env::temp_dir().join(format!("dyngroup-io-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.jsonl");
    std::fs::write(
        &path,
        "\u{feff}{\"op\": \"remove-principal\", \"id\": \"p\"}\n\n  \n{\"op\": 1}\n",
    )
    .unwrap();
    let changes = read_changes(&path, &ReadOptions::default()).unwrap();
    assert_eq!(changes.changes.len(), 1);
    assert_eq!(changes.changes[0].line, 1);
    let name = path.display().to_string();
    assert_eq!(
        changes.problems[0].to_string(),
        format!("{name}:4:8: `op` must be a string, found a number")
    );
    assert!(read_changes(dir.join("missing.jsonl"), &ReadOptions::default()).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
