//! Reading compartments and policies in every container shape, with problems at
//! `file:line:column`, and statement findings at their string plus the span inside.

use dyngroup_io::{
    ProblemKind, ReadOptions, Severity, read_compartments_from, read_policies_from,
    statement_problem,
};
use dyngroup_policy::{CompartmentTree, PolicySet};

fn options() -> ReadOptions {
    ReadOptions::default()
}

const COMPARTMENTS_JSONL: &str = r#"{"id": "ocid1.tenancy.oc1..t", "name": "acme"}
{"id": "ocid1.compartment.oc1..p", "name": "Prod", "compartment-id": "ocid1.tenancy.oc1..t", "lifecycle-state": "ACTIVE"}
{"id": "ocid1.compartment.oc1..a", "name": "App", "compartmentId": "ocid1.compartment.oc1..p"}
"#;

#[test]
fn compartments_in_every_container_shape() {
    let records: Vec<&str> = COMPARTMENTS_JSONL.lines().collect();
    let shapes = [
        COMPARTMENTS_JSONL.to_owned(),
        format!("[{}]", records.join(",\n")),
        format!("{{\"data\": [{}]}}", records.join(", ")),
        format!(
            "{{\n  \"data\": [\n    {}\n  ]\n}}\n",
            records.join(",\n    ")
        ),
    ];
    for text in shapes {
        let read = read_compartments_from(text.as_bytes(), "c.json", &options()).unwrap();
        assert!(read.problems().is_empty(), "{text}: {:?}", read.problems());
        let tree = CompartmentTree::new(read.compartments());
        let app = tree
            .get("ocid1.compartment.oc1..a")
            .expect("App is in the tree");
        assert_eq!(tree.path(app), "Prod:App", "{text}");
    }
}

#[test]
fn compartment_problems_name_file_line_and_column() {
    let text = r#"{"id": "ocid1.tenancy.oc1..t", "name": "acme"}
{"id": "ocid1.compartment.oc1..p", "name": "Prod", "compartment-id": "ocid1.tenancy.oc1..t"}
{"id": "ocid1.compartment.oc1..p", "name": "Prod2", "compartment-id": "ocid1.tenancy.oc1..t"}
{"id": "ocid1.compartment.oc1..x", "compartment-id": "ocid1.tenancy.oc1..t"}
{"id": "ocid1.compartment.oc1..d", "name": "Old", "lifecycle-state": "DELETED"}
not json
"#;
    let read = read_compartments_from(text.as_bytes(), "c.jsonl", &options()).unwrap();
    let problems: Vec<String> = read.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "c.jsonl:3:8: duplicate compartment id `ocid1.compartment.oc1..p` (first at line 2)",
            "c.jsonl:4:1: missing `name`",
            "c.jsonl:5:1: skipped compartment `ocid1.compartment.oc1..d`: it is DELETED",
            "c.jsonl:6:2: invalid JSON: expected ident",
        ]
    );
    assert_eq!(read.compartments().len(), 2);
}

const POLICIES: &str = r#"{
  "data": [
    {
      "id": "ocid1.policy.oc1..p",
      "name": "web-policy",
      "compartment-id": "ocid1.tenancy.oc1..t",
      "lifecycle-state": "ACTIVE",
      "statements": [
        "Allow dynamic-group web to read buckets in compartment Prod",
        "Alow dynamic-group web to read objects in tenancy",
        "Allow dynamic-group web to read buckets in compartment Nowhere"
      ]
    },
    {
      "id": "ocid1.policy.oc1..gone",
      "name": "old",
      "compartment-id": "ocid1.tenancy.oc1..t",
      "lifecycle-state": "DELETED",
      "statements": []
    },
    {"id": "ocid1.policy.oc1..bad", "name": "bad", "compartment-id": "ocid1.tenancy.oc1..t", "statements": "Allow any-user to read buckets in tenancy"},
    {"id": "ocid1.policy.oc1..bad2", "name": "bad2", "compartment-id": "ocid1.tenancy.oc1..t", "statements": ["Allow any-user to read buckets in tenancy", 7]},
    {"id": "ocid1.policy.oc1..bad3", "name": "bad3", "compartment-id": "ocid1.tenancy.oc1..t"}
  ]
}
"#;

#[test]
fn policies_with_statement_positions_and_record_problems() {
    let read = read_policies_from(POLICIES.as_bytes(), "p.json", &options()).unwrap();
    let problems: Vec<String> = read.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "p.json:14:5: skipped policy `old` (ocid1.policy.oc1..gone): it is DELETED",
            "p.json:21:108: `statements` must be a list of strings, found a string",
            "p.json:22:156: policy `bad2`, statement 2: a statement must be a string, found a number; left out",
            "p.json:23:5: missing `statements`",
        ]
    );
    // A statement that is not a string is left out on its own: the policy is kept.
    assert_eq!(read.problems()[2].kind, ProblemKind::BadStatement);
    assert!(!read.problems()[2].rejects_record());
    assert_eq!(read.policies().len(), 2);
    assert_eq!(read.policies()[1].statements.len(), 1);
    let origins: Vec<String> = read.policies()[0]
        .statements
        .iter()
        .map(|s| s.origin.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(origins, ["p.json:9:9", "p.json:10:9", "p.json:11:9"]);

    let compartments =
        read_compartments_from(COMPARTMENTS_JSONL.as_bytes(), "c.jsonl", &options()).unwrap();
    let tree = CompartmentTree::new(compartments.compartments());
    let set = PolicySet::compile(read.policies().to_vec(), &tree);
    let problems: Vec<_> = set
        .findings()
        .iter()
        .map(|f| statement_problem(&set, f))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(
        problems[0].to_string(),
        "p.json:10:9: policy `web-policy`, statement 2: expected `Allow`, `Deny`, `Define`, `Endorse` or `Admit`, found `Alow`"
    );
    assert_eq!(problems[0].kind, ProblemKind::BadStatement);
    assert_eq!(problems[0].severity, Severity::Error);
    assert!(
        problems[0]
            .rendered
            .as_deref()
            .unwrap()
            .contains("1 | Alow dynamic-group web to read objects in tenancy\n  | ^^^^\n  = help: did you mean `Allow`?"),
        "{:?}",
        problems[0].rendered
    );
    assert_eq!(
        problems[1].to_string(),
        "p.json:11:9: policy `web-policy`, statement 3: location does not resolve: no compartment `Nowhere` under `acme (ocid1.tenancy.oc1..t)`; not evaluated"
    );
    assert!(!problems[1].rejects_record());
}

#[test]
fn policies_as_json_lines_and_arrays() {
    let line = r#"{"id": "ocid1.policy.oc1..p", "name": "p", "compartment_id": "ocid1.tenancy.oc1..t", "statements": ["Allow any-user to inspect all-resources in tenancy"]}"#;
    for text in [format!("{line}\n"), format!("[\n{line}\n]\n")] {
        let read = read_policies_from(text.as_bytes(), "p", &options()).unwrap();
        assert!(read.problems().is_empty(), "{:?}", read.problems());
        assert_eq!(read.policies()[0].statements.len(), 1);
        assert_eq!(read.policies()[0].compartment_id, "ocid1.tenancy.oc1..t");
    }
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_policies_from(&bytes[..], "p", &options());
            let _ = read_compartments_from(&bytes[..], "c", &options());
        }

        #[test]
        fn policy_shaped_input_never_panics(
            statements in proptest::collection::vec(".{0,60}", 0..4),
            id in "[a-z.]{0,12}",
        ) {
            let record = serde_json::json!({
                "id": id, "name": "p", "compartment-id": "ocid1.tenancy.oc1..t", "statements": statements,
            });
            let text = format!("{record}\n");
            let read = read_policies_from(text.as_bytes(), "p", &options()).unwrap();
            let tree = CompartmentTree::new(&[dyngroup_policy::Compartment {
                id: "ocid1.tenancy.oc1..t".into(),
                name: "t".into(),
                parent_id: None,
            }]);
            let set = PolicySet::compile(read.policies().to_vec(), &tree);
            for finding in set.findings() {
                let problem = statement_problem(&set, finding);
                prop_assert!(problem.rendered.is_some());
            }
        }
    }
}

#[test]
fn a_statement_that_is_not_a_string_keeps_the_numbers_of_the_others() {
    let json = r#"{"id": "ocid1.policy.oc1..p", "name": "p", "compartment-id": "ocid1.tenancy.oc1..t",
 "statements": [{"text": "Allow any-user to read buckets in tenancy"}, null, "Alow any-user to read buckets in tenancy"]}"#;
    let read = read_policies_from(json.as_bytes(), "p.json", &options()).unwrap();
    let problems: Vec<String> = read.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "p.json:2:17: policy `p`, statement 1: a statement must be a string, found an object; left out",
            "p.json:2:72: policy `p`, statement 2: a statement must be a string, found null; left out",
        ]
    );
    let compartments =
        read_compartments_from(COMPARTMENTS_JSONL.as_bytes(), "c.jsonl", &options()).unwrap();
    let tree = CompartmentTree::new(compartments.compartments());
    let set = PolicySet::compile(read.policies().to_vec(), &tree);
    let problems: Vec<String> = set
        .findings()
        .iter()
        .map(|f| statement_problem(&set, f).to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "p.json:2:78: policy `p`, statement 3: expected `Allow`, `Deny`, `Define`, `Endorse` or `Admit`, found `Alow`"
        ]
    );
}
