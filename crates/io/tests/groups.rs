//! Reading dynamic groups from real files.

mod common;

use common::{TempDir, shown};
use dyngroup_index::DynamicGroup;
use dyngroup_io::{
    GroupsReader, ProblemKind, ReadOptions, Severity, assigned_group_id, is_valid_group_name,
    read_groups, read_groups_from,
};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";

/// What `oci iam dynamic-group list --all` prints.
const OCI_GROUP_LIST: &str = r#"{
  "data": [
    {
      "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy",
      "defined-tags": {
        "Oracle-Tags": {
          "CreatedBy": "oracleidentitycloudservice/jane.doe@example.com",
          "CreatedOn": "2026-01-05T09:00:00.000Z"
        }
      },
      "description": "Every instance in the production compartment",
      "freeform-tags": {},
      "id": "ocid1.dynamicgroup.oc1..aaaaaaaaprodinstances",
      "inactive-status": null,
      "lifecycle-state": "ACTIVE",
      "matching-rule": "instance.compartment.id = 'ocid1.compartment.oc1..aaaaaaaaproduction'",
      "name": "prod-instances",
      "time-created": "2026-01-05T09:00:00.123000+00:00"
    },
    {
      "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy",
      "defined-tags": {},
      "description": "Functions in the functions compartment",
      "freeform-tags": {},
      "id": "ocid1.dynamicgroup.oc1..aaaaaaaafunctions",
      "inactive-status": null,
      "lifecycle-state": "ACTIVE",
      "matching-rule": "ALL {resource.type = 'fnfunc', resource.compartment.id = 'ocid1.compartment.oc1..aaaaaaaafunctions'}",
      "name": "functions",
      "time-created": "2026-01-06T09:00:00.123000+00:00"
    },
    {
      "compartment-id": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy",
      "defined-tags": {},
      "description": "Removed last week",
      "freeform-tags": {},
      "id": "ocid1.dynamicgroup.oc1..aaaaaaaaold",
      "inactive-status": null,
      "lifecycle-state": "DELETED",
      "matching-rule": "ANY {instance.id = 'ocid1.instance.oc1..gone'}",
      "name": "old",
      "time-created": "2025-06-01T09:00:00.123000+00:00"
    }
  ]
}
"#;

fn options() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn reads_oci_cli_dynamic_group_list_output() {
    let dir = TempDir::new("groups-list");
    let path = dir.file("groups.json", OCI_GROUP_LIST);
    let groups = read_groups([&path], &options()).unwrap();
    assert_eq!(
        groups.groups(),
        [
            DynamicGroup {
                domain: None,
                id: "ocid1.dynamicgroup.oc1..aaaaaaaaprodinstances".to_owned(),
                name: "prod-instances".to_owned(),
                description: "Every instance in the production compartment".to_owned(),
                matching_rule:
                    "instance.compartment.id = 'ocid1.compartment.oc1..aaaaaaaaproduction'"
                        .to_owned(),
                tenancy_id: TENANCY.to_owned(),
            },
            DynamicGroup {
                domain: None,
                id: "ocid1.dynamicgroup.oc1..aaaaaaaafunctions".to_owned(),
                name: "functions".to_owned(),
                description: "Functions in the functions compartment".to_owned(),
                matching_rule: "ALL {resource.type = 'fnfunc', resource.compartment.id = 'ocid1.compartment.oc1..aaaaaaaafunctions'}".to_owned(),
                tenancy_id: TENANCY.to_owned(),
            },
        ]
    );
    // The deleted group is skipped with a note, not an error.
    assert_eq!(
        shown(groups.problems(), dir.path()),
        ["groups.json:32:5: skipped group `old`: it is DELETED"]
    );
    assert_eq!(groups.problems()[0].severity, Severity::Note);
    assert_eq!(groups.problems()[0].kind, ProblemKind::Deleted);
    assert_eq!(groups.rejected(), 0);
}

#[test]
fn an_absent_id_is_assigned_from_tenancy_and_name() {
    let text = concat!(
        r#"{"name": "web", "matching_rule": "resource.type = 'instance'", "compartmentId": "ocid1.tenancy.oc1..t"}"#,
        "\n",
        r#"{"name": "db", "matchingRule": "resource.type = 'instance'", "compartment_id": "ocid1.tenancy.oc1..t"}"#,
        "\n",
    );
    let first = read_groups_from(text.as_bytes(), "g.jsonl", &options()).unwrap();
    let second = read_groups_from(text.as_bytes(), "g.jsonl", &options()).unwrap();
    assert_eq!(first.problems(), []);
    assert_eq!(first.groups(), second.groups());
    let ids: Vec<&str> = first.groups().iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            assigned_group_id("ocid1.tenancy.oc1..t", "web"),
            assigned_group_id("ocid1.tenancy.oc1..t", "db"),
        ]
    );
    assert!(ids[0].starts_with("ocid1.dynamicgroup.oc1..aaaaaaaa"));
    assert_eq!(ids[0].len(), "ocid1.dynamicgroup.oc1..aaaaaaaa".len() + 26);
    assert_ne!(ids[0], ids[1]);
    assert_eq!(first.groups()[0].description, "");
}

#[test]
fn the_tenancy_falls_back_to_the_option() {
    let text = r#"{"name": "web", "matching-rule": "resource.type = 'instance'"}"#;
    let without = read_groups_from(text.as_bytes(), "g.jsonl", &options()).unwrap();
    assert_eq!(without.groups(), []);
    assert_eq!(
        without.problems()[0].to_string(),
        "g.jsonl:1:1: missing `compartment-id` (the group's tenancy) and no --tenancy given"
    );
    let with = read_groups_from(
        text.as_bytes(),
        "g.jsonl",
        &ReadOptions {
            tenancy: Some(TENANCY.to_owned()),
            ..options()
        },
    )
    .unwrap();
    assert_eq!(with.problems(), []);
    assert_eq!(with.groups()[0].tenancy_id, TENANCY);
}

#[test]
fn a_bad_rule_keeps_its_group_and_is_reported_with_the_rendered_rule() {
    let dir = TempDir::new("bad-rule");
    let path = dir.file(
        "groups.jsonl",
        concat!(
            r#"{"id": "g1", "name": "typo", "matching-rule": "ALL {compartment.id = 'x'}", "compartment-id": "t"}"#,
            "\n",
        ),
    );
    let groups = read_groups([&path], &options()).unwrap();
    assert_eq!(
        groups.groups().len(),
        1,
        "the group is kept (it fails closed)"
    );
    assert_eq!(groups.rejected(), 0);
    let problem = &groups.problems()[0];
    assert_eq!(problem.kind, ProblemKind::BadRule);
    assert_eq!(problem.severity, Severity::Error);
    assert!(!problem.rejects_record());
    assert_eq!(
        shown(groups.problems(), dir.path()),
        [
            "groups.jsonl:1:47: invalid matching rule of group `typo`: 1:6: unknown variable `compartment.id`"
        ]
    );
    assert_eq!(
        problem.rendered.as_deref(),
        Some(concat!(
            "error: unknown variable `compartment.id`\n",
            " --> 1:6\n",
            "  |\n",
            "1 | ALL {compartment.id = 'x'}\n",
            "  |      ^^^^^^^^^^^^^^\n",
            "  = help: did you mean `instance.compartment.id` or `resource.compartment.id`?\n",
        ))
    );
}

#[test]
fn legacy_rules_warn_and_strict_makes_them_errors() {
    let text = r#"{"id": "g1", "name": "legacy", "matching-rule": "tag.Ops.Role.value = web", "compartment-id": "t"}"#;
    let lenient = read_groups_from(text.as_bytes(), "g.jsonl", &options()).unwrap();
    assert_eq!(lenient.groups().len(), 1);
    let warning = &lenient.problems()[0];
    assert_eq!(
        (warning.severity, warning.kind),
        (Severity::Warning, ProblemKind::LegacyRule)
    );
    assert_eq!(
        warning.to_string(),
        "g.jsonl:1:49: matching rule of group `legacy`: 1:22: unquoted value `web` is a legacy form"
    );
    assert!(
        warning
            .rendered
            .as_deref()
            .unwrap()
            .starts_with("warning: ")
    );

    let strict = ReadOptions {
        strict: true,
        ..options()
    };
    let strict = read_groups_from(text.as_bytes(), "g.jsonl", &strict).unwrap();
    assert_eq!(strict.groups().len(), 1);
    let error = &strict.problems()[0];
    assert_eq!(
        (error.severity, error.kind),
        (Severity::Error, ProblemKind::BadRule)
    );
    assert!(
        error.to_string().ends_with("(rejected in strict mode)"),
        "{error}"
    );
    assert!(error.rendered.as_deref().unwrap().starts_with("error: "));
}

#[test]
fn every_group_problem_names_file_line_and_column() {
    let long = "d".repeat(401);
    let text = [
        r#"{"id": "g1", "name": "Web", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "g2", "name": "web", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "g3", "name": "web", "matching-rule": "resource.type = 'instance'", "compartment-id": "t2"}"#.to_owned(),
        r#"{"id": "g1", "name": "other", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "g5", "name": "has space", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        format!(r#"{{"id": "g6", "name": "{}", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}}"#, "n".repeat(101)),
        r#"{"id": "g7", "name": "", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        format!(r#"{{"id": "g8", "name": "long", "description": "{long}", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}}"#),
        r#"{"id": "g9", "name": "norule", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "", "name": "emptyid", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "g11", "name": "käse", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1"}"#.to_owned(),
        r#"{"id": "g12", "name": "ok.name_1-2", "description": "fine", "matching-rule": "resource.type = 'instance'", "compartment-id": "t1", "lifecycle-state": "INACTIVE"}"#.to_owned(),
        r#"{"id": "g13", "name": "gone", "matching-rule": "broken {", "compartment-id": "t1", "lifecycle-state": "DELETING"}"#.to_owned(),
    ]
    .join("\n");
    let dir = TempDir::new("group-problems");
    let path = dir.file("groups.jsonl", &text);
    let groups = read_groups([&path], &options()).unwrap();
    let names: Vec<&str> = groups.groups().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Web", "web", "ok.name_1-2"]);
    assert_eq!(
        shown(groups.problems(), dir.path()),
        [
            "groups.jsonl:2:22: duplicate group name `web` in tenancy `t1` (first at line 1)".to_owned(),
            "groups.jsonl:4:8: duplicate group id `g1` (first at line 1)".to_owned(),
            "groups.jsonl:5:22: group name `has space` breaks the name rules: 1 to 100 characters of A-Z, a-z, 0-9, `.`, `_`, `-`".to_owned(),
            format!("groups.jsonl:6:22: group name `{}…` breaks the name rules: 1 to 100 characters of A-Z, a-z, 0-9, `.`, `_`, `-`", "n".repeat(100)),
            "groups.jsonl:7:22: empty `name`".to_owned(),
            "groups.jsonl:8:45: description of group `long` is 401 characters long, more than 400".to_owned(),
            "groups.jsonl:9:1: missing `matching-rule`".to_owned(),
            "groups.jsonl:10:8: empty `id`".to_owned(),
            "groups.jsonl:11:23: group name `käse` breaks the name rules: 1 to 100 characters of A-Z, a-z, 0-9, `.`, `_`, `-`".to_owned(),
            "groups.jsonl:13:1: skipped group `gone`: it is DELETING".to_owned(),
        ]
    );
    assert_eq!(groups.rejected(), 9);
    let kinds: Vec<ProblemKind> = groups.problems().iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::DuplicateName,
            ProblemKind::DuplicateId,
            ProblemKind::BadName,
            ProblemKind::BadName,
            ProblemKind::EmptyField,
            ProblemKind::DescriptionTooLong,
            ProblemKind::MissingField,
            ProblemKind::EmptyField,
            ProblemKind::BadName,
            ProblemKind::Deleted,
        ]
    );
}

#[test]
fn a_duplicate_name_across_files_names_the_first_file() {
    let dir = TempDir::new("group-files");
    let a = dir.file(
        "a.jsonl",
        r#"{"name": "web", "matching-rule": "resource.type = 'instance'", "compartment-id": "t"}"#,
    );
    let b = dir.file(
        "b.json",
        "[\n  {\"name\": \"WEB\", \"matching-rule\": \"resource.type = 'instance'\", \"compartment-id\": \"t\"}\n]",
    );
    let mut reader = GroupsReader::new(options());
    reader.read_path(&a).unwrap();
    reader.read_path(&b).unwrap();
    let groups = reader.finish();
    assert_eq!(groups.groups().len(), 1);
    assert_eq!(
        shown(groups.problems(), dir.path()),
        ["b.json:2:12: duplicate group name `WEB` in tenancy `t` (first at a.jsonl:1)"]
    );
}

#[test]
fn a_bad_rule_of_a_rejected_duplicate_is_not_reported_twice() {
    let text = concat!(
        r#"{"name": "web", "matching-rule": "resource.type = 'instance'", "compartment-id": "t"}"#,
        "\n",
        r#"{"name": "web", "matching-rule": "ANY {}", "compartment-id": "t"}"#,
    );
    let groups = read_groups_from(text.as_bytes(), "g.jsonl", &options()).unwrap();
    let problems: Vec<String> = groups.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        ["g.jsonl:2:10: duplicate group name `web` in tenancy `t` (first at line 1)"]
    );
}

#[test]
fn name_rules() {
    assert!(is_valid_group_name("a"));
    assert!(is_valid_group_name("Prod.web_01-x"));
    assert!(is_valid_group_name(&"x".repeat(100)));
    assert!(!is_valid_group_name(&"x".repeat(101)));
    assert!(!is_valid_group_name(""));
    assert!(!is_valid_group_name("a b"));
    assert!(!is_valid_group_name("é"));
    assert!(!is_valid_group_name("a/b"));
}
