//! Reading inventories from real files: every container, every alias, every problem.

mod common;

use common::{TempDir, shown};
use dyngroup_index::{DefinedTag, Principal};
use dyngroup_io::{
    Error, InventoryReader, ProblemKind, ReadOptions, Severity, read_inventory, read_inventory_from,
};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";

/// What `oci compute instance list --compartment-id … --all` prints (two instances,
/// abridged only in the number of fields inside nested objects).
const OCI_INSTANCE_LIST: &str = r#"{
  "data": [
    {
      "agent-config": {
        "are-all-plugins-disabled": false,
        "is-management-disabled": false,
        "is-monitoring-disabled": false,
        "plugins-config": null
      },
      "availability-config": {
        "is-live-migration-preferred": null,
        "recovery-action": "RESTORE_INSTANCE"
      },
      "availability-domain": "Uocm:PHX-AD-1",
      "capacity-reservation-id": null,
      "compartment-id": "ocid1.compartment.oc1..aaaaaaaaproduction",
      "dedicated-vm-host-id": null,
      "defined-tags": {
        "Operations": {
          "CostCenter": "42",
          "Role": "web"
        },
        "Oracle-Tags": {
          "CreatedBy": "oracleidentitycloudservice/jane.doe@example.com",
          "CreatedOn": "2026-03-02T10:11:12.000Z"
        }
      },
      "display-name": "web-01",
      "extended-metadata": {},
      "fault-domain": "FAULT-DOMAIN-2",
      "freeform-tags": {
        "team": "storefront"
      },
      "id": "ocid1.instance.oc1.phx.anyhqljrexampleweb01",
      "image-id": "ocid1.image.oc1.phx.aaaaaaaaexampleimage",
      "instance-options": {
        "are-legacy-imds-endpoints-disabled": false
      },
      "ipxe-script": null,
      "launch-mode": "PARAVIRTUALIZED",
      "lifecycle-state": "RUNNING",
      "metadata": {
        "ssh_authorized_keys": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ example"
      },
      "region": "phx",
      "shape": "VM.Standard.E4.Flex",
      "shape-config": {
        "gpus": 0,
        "memory-in-gbs": 16.0,
        "ocpus": 1.0,
        "processor-description": "2.55 GHz AMD EPYC\u2122 7J13"
      },
      "source-details": {
        "boot-volume-size-in-gbs": null,
        "image-id": "ocid1.image.oc1.phx.aaaaaaaaexampleimage",
        "source-type": "image"
      },
      "system-tags": {},
      "time-created": "2026-03-02T10:11:12.345000+00:00",
      "time-maintenance-reboot-due": null
    },
    {
      "availability-domain": "Uocm:PHX-AD-2",
      "compartment-id": "ocid1.compartment.oc1..aaaaaaaaproduction",
      "defined-tags": {
        "Operations": {
          "CostCenter": 17,
          "Critical": true
        }
      },
      "display-name": "db-01",
      "freeform-tags": {},
      "id": "ocid1.instance.oc1.phx.anyhqljrexampledb01",
      "lifecycle-state": "STOPPED",
      "shape": "VM.Standard.E4.Flex",
      "time-created": "2026-01-15T08:00:00.000000+00:00"
    }
  ]
}
"#;

fn options() -> ReadOptions {
    ReadOptions {
        tenancy: Some(TENANCY.to_owned()),
        ..ReadOptions::default()
    }
}

fn tag(namespace: &str, key: &str, value: &str) -> DefinedTag {
    DefinedTag {
        namespace: namespace.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

fn expected_instances() -> Vec<Principal> {
    vec![
        Principal {
            id: "ocid1.instance.oc1.phx.anyhqljrexampleweb01".to_owned(),
            compartment_id: "ocid1.compartment.oc1..aaaaaaaaproduction".to_owned(),
            tenancy_id: TENANCY.to_owned(),
            resource_type: None,
            defined_tags: vec![
                tag("Operations", "CostCenter", "42"),
                tag("Operations", "Role", "web"),
                tag(
                    "Oracle-Tags",
                    "CreatedBy",
                    "oracleidentitycloudservice/jane.doe@example.com",
                ),
                tag("Oracle-Tags", "CreatedOn", "2026-03-02T10:11:12.000Z"),
            ],
            lifecycle_state: Some("RUNNING".to_owned()),
        },
        Principal {
            id: "ocid1.instance.oc1.phx.anyhqljrexampledb01".to_owned(),
            compartment_id: "ocid1.compartment.oc1..aaaaaaaaproduction".to_owned(),
            tenancy_id: TENANCY.to_owned(),
            resource_type: None,
            defined_tags: vec![
                tag("Operations", "CostCenter", "17"),
                tag("Operations", "Critical", "true"),
            ],
            lifecycle_state: Some("STOPPED".to_owned()),
        },
    ]
}

/// The records of `OCI_INSTANCE_LIST`, one per line.
fn as_jsonl(document: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(document).unwrap();
    value["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| format!("{record}\n"))
        .collect()
}

#[test]
fn reads_oci_cli_instance_list_output() {
    let dir = TempDir::new("oci-list");
    let path = dir.file("instances.json", OCI_INSTANCE_LIST);
    let inventory = read_inventory([&path], &options()).unwrap();
    assert_eq!(inventory.problems(), []);
    assert_eq!(inventory.principals(), expected_instances());
}

#[test]
fn jsonl_array_and_data_document_read_the_same() {
    let dir = TempDir::new("containers");
    let jsonl = as_jsonl(OCI_INSTANCE_LIST);
    let lines: Vec<&str> = jsonl.lines().collect();
    let array = format!("[{}]", lines.join(",\n"));
    let pretty_array = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(OCI_INSTANCE_LIST).unwrap()["data"],
    )
    .unwrap();
    let one_line_data = format!("{{\"data\": [{}]}}\n", lines.join(", "));
    for (name, text) in [
        ("fleet.jsonl", jsonl.as_str()),
        ("array.json", array.as_str()),
        ("pretty-array.json", pretty_array.as_str()),
        ("one-line-data.json", one_line_data.as_str()),
        ("pretty-data.json", OCI_INSTANCE_LIST),
    ] {
        let path = dir.file(name, text);
        let inventory = read_inventory([&path], &options()).unwrap();
        assert_eq!(inventory.problems(), [], "{name}");
        assert_eq!(inventory.principals(), expected_instances(), "{name}");
    }
}

#[test]
fn a_single_record_document_is_one_principal() {
    // `oci compute instance get` prints `{"data": {...}}`.
    let dir = TempDir::new("get");
    let record = r#"{"id": "ocid1.instance.oc1..a", "compartment-id": "ocid1.compartment.oc1..c"}"#;
    let get = format!("{{\n  \"data\": {record},\n  \"etag\": \"abc\"\n}}\n");
    let pretty_record = "{\n  \"id\": \"ocid1.instance.oc1..a\",\n  \"compartment-id\": \"ocid1.compartment.oc1..c\"\n}\n";
    for (name, text) in [("get.json", get.as_str()), ("record.json", pretty_record)] {
        let path = dir.file(name, text);
        let inventory = read_inventory([&path], &options()).unwrap();
        assert_eq!(inventory.problems(), [], "{name}");
        assert_eq!(inventory.principals().len(), 1, "{name}");
        assert_eq!(inventory.principals()[0].id, "ocid1.instance.oc1..a");
    }
}

#[test]
fn snake_case_and_camel_case_keys_are_accepted() {
    let kebab = r#"{"id": "ocid1.fnfunc.oc1..f", "compartment-id": "c", "tenancy-id": "t", "resource-type": "fnfunc", "lifecycle-state": "ACTIVE", "defined-tags": {"ns": {"k": "v"}}}"#;
    let snake = r#"{"id": "ocid1.fnfunc.oc1..f", "compartment_id": "c", "tenancy_id": "t", "resource_type": "fnfunc", "lifecycle_state": "ACTIVE", "defined_tags": {"ns": {"k": "v"}}}"#;
    let camel = r#"{"id": "ocid1.fnfunc.oc1..f", "compartmentId": "c", "tenancyId": "t", "resourceType": "fnfunc", "lifecycleState": "ACTIVE", "definedTags": {"ns": {"k": "v"}}}"#;
    let expected = Principal {
        id: "ocid1.fnfunc.oc1..f".to_owned(),
        compartment_id: "c".to_owned(),
        tenancy_id: "t".to_owned(),
        resource_type: Some("fnfunc".to_owned()),
        defined_tags: vec![tag("ns", "k", "v")],
        lifecycle_state: Some("ACTIVE".to_owned()),
    };
    for text in [kebab, snake, camel] {
        let inventory = read_inventory_from(text.as_bytes(), "x.jsonl", &options()).unwrap();
        assert_eq!(inventory.problems(), [], "{text}");
        assert_eq!(
            inventory.principals(),
            std::slice::from_ref(&expected),
            "{text}"
        );
    }
}

#[test]
fn numbers_and_booleans_as_tag_values_keep_their_json_text() {
    let text = r#"{"id": "i", "compartment-id": "c", "defined-tags": {"n": {"int": 45, "neg": -1, "dec": 4.50, "exp": 1e3, "yes": true, "no": false, "s": "x\"y"}}}"#;
    let inventory = read_inventory_from(text.as_bytes(), "x.jsonl", &options()).unwrap();
    assert_eq!(inventory.problems(), []);
    let values: Vec<(&str, &str)> = inventory.principals()[0]
        .defined_tags
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [
            ("int", "45"),
            ("neg", "-1"),
            ("dec", "4.50"),
            ("exp", "1e3"),
            ("yes", "true"),
            ("no", "false"),
            ("s", "x\"y"),
        ]
    );
}

#[test]
fn tenancy_comes_from_the_record_else_the_option_else_the_record_is_rejected() {
    let text = "{\"id\": \"a\", \"compartment-id\": \"c\", \"tenancy-id\": \"own\"}\n{\"id\": \"b\", \"compartment-id\": \"c\"}\n";
    let with = read_inventory_from(text.as_bytes(), "t.jsonl", &options()).unwrap();
    let tenancies: Vec<&str> = with
        .principals()
        .iter()
        .map(|p| p.tenancy_id.as_str())
        .collect();
    assert_eq!(tenancies, ["own", TENANCY]);

    let without = read_inventory_from(text.as_bytes(), "t.jsonl", &ReadOptions::default()).unwrap();
    assert_eq!(without.principals().len(), 1);
    assert_eq!(
        without.problems()[0].to_string(),
        "t.jsonl:2:1: missing `tenancy-id` and no --tenancy given"
    );
}

/// One JSONL file with one of each problem, between valid lines.
const BROKEN: &str = concat!(
    r#"{"id": "ocid1.instance.oc1..ok1", "compartment-id": "c"}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..x", "compartment-id": "c",}"#,
    "\n",
    r#"["not", "an", "object"]"#,
    "\n",
    "\n",
    r#"  {"compartment-id": "c"}"#,
    "\n",
    r#"{"id": "", "compartment-id": "c"}"#,
    "\n",
    r#"{"id": 17, "compartment-id": "c"}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..nocomp"}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..ok1", "compartment-id": "c2"}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..t1", "compartment-id": "c", "defined-tags": {"Ops": {"Role": null}}}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..t2", "compartment-id": "c", "defined-tags": {"Ops": {"Role": ["a"]}}}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..t3", "compartment-id": "c", "defined-tags": {"Ops": {"Role": {"a": 1}}}}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..t4", "compartment-id": "c", "defined-tags": {"Ops": "Role"}}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..t5", "compartment-id": "c", "defined-tags": []}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..d", "compartment-id": "c", "compartmentId": "c"}"#,
    "\n",
    r#"{"id": "ocid1.instance.oc1..é", "compartment-id": "c", "lifecycle-state": 3}"#,
    "\n",
    "{\"id\": \"ocid1.instance.oc1..ok2\", \"compartment-id\": \"c\"}\r\n",
    "\"just a string\"\n",
    "{\"id\": \"ocid1.instance.oc1..cut\", \"compartment-id\": \"c\"\n",
    r#"{"id": "ocid1.instance.oc1..ok3", "compartment-id": "c", "freeform-tags": {"a": [1, {"b": null}]}, "unknown": 1}"#,
);

#[test]
fn every_problem_names_file_line_and_column_and_the_rest_is_read() {
    let dir = TempDir::new("broken");
    let path = dir.file("broken.jsonl", BROKEN);
    let inventory = read_inventory([&path], &options()).unwrap();
    assert_eq!(
        shown(inventory.problems(), dir.path()),
        [
            "broken.jsonl:2:55: invalid JSON: trailing comma",
            "broken.jsonl:3:1: expected a JSON object, found an array",
            "broken.jsonl:5:3: missing `id`",
            "broken.jsonl:6:8: empty `id`",
            "broken.jsonl:7:8: `id` must be a string, found a number",
            "broken.jsonl:8:1: missing `compartment-id`",
            "broken.jsonl:9:8: duplicate principal id `ocid1.instance.oc1..ok1` (first at line 1)",
            "broken.jsonl:10:90: defined tag `Ops.Role` must be a string, number or boolean, found null",
            "broken.jsonl:11:90: defined tag `Ops.Role` must be a string, number or boolean, found an array",
            "broken.jsonl:12:90: defined tag `Ops.Role` must be a string, number or boolean, found an object",
            "broken.jsonl:13:81: defined tag namespace `Ops` must be an object, found a string",
            "broken.jsonl:14:73: `defined-tags` must be an object, found an array",
            "broken.jsonl:15:73: field `compartment-id` is given twice (under this or another spelling)",
            "broken.jsonl:16:75: `lifecycle-state` must be a string, found a number",
            "broken.jsonl:18:1: expected a JSON object, found a string",
            "broken.jsonl:19:55: invalid JSON: EOF while parsing an object",
        ]
    );
    let ids: Vec<&str> = inventory
        .principals()
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "ocid1.instance.oc1..ok1",
            "ocid1.instance.oc1..ok2",
            "ocid1.instance.oc1..ok3"
        ]
    );
    assert_eq!(
        inventory.principals()[0].compartment_id,
        "c",
        "the first of duplicates wins"
    );
    assert_eq!(inventory.rejected(), 16);
    assert!(
        inventory
            .problems()
            .iter()
            .all(|p| p.severity == Severity::Error)
    );
    let kinds: Vec<ProblemKind> = inventory.problems().iter().map(|p| p.kind).collect();
    assert_eq!(kinds[0], ProblemKind::InvalidJson);
    assert_eq!(kinds[6], ProblemKind::DuplicateId);
    assert_eq!(kinds[7], ProblemKind::BadTagValue);
}

#[test]
fn small_chunks_give_the_same_result() {
    let dir = TempDir::new("chunks");
    let path = dir.file("broken.jsonl", BROKEN);
    let whole = read_inventory([&path], &options()).unwrap();
    for chunk_bytes in [1, 7, 100, 1000] {
        let options = ReadOptions {
            chunk_bytes,
            ..options()
        };
        let chunked = read_inventory([&path], &options).unwrap();
        assert_eq!(chunked.principals(), whole.principals(), "{chunk_bytes}");
        assert_eq!(chunked.problems(), whole.problems(), "{chunk_bytes}");
    }
}

#[test]
fn a_broken_first_line_does_not_turn_jsonl_into_a_document() {
    let text = concat!(
        "{\"id\": \"ocid1.instance.oc1..cut\", \"compartment-id\": \n",
        "{\"id\": \"ocid1.instance.oc1..a\", \"compartment-id\": \"c\"}\n",
        "{\"id\": \"ocid1.instance.oc1..b\", \"compartment-id\": \"c\"}\n",
    );
    let inventory = read_inventory_from(text.as_bytes(), "f.jsonl", &options()).unwrap();
    assert_eq!(inventory.principals().len(), 2);
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "f.jsonl:1:51: invalid JSON: EOF while parsing a value (line 1 left out; reading resumes at line 2)"
        ]
    );
}

#[test]
fn problems_in_a_document_point_at_the_record_in_the_file() {
    let document = concat!(
        "{\n",
        "  \"data\": [\n",
        "    {\n",
        "      \"compartment-id\": \"c\",\n",
        "      \"id\": \"ocid1.instance.oc1..a\"\n",
        "    },\n",
        "    \"oops\",\n",
        "    {\n",
        "      \"compartment-id\": \"c\"\n",
        "    },\n",
        "    {\n",
        "      \"compartment-id\": \"c\",\n",
        "      \"id\": \"ocid1.instance.oc1..a\"\n",
        "    }\n",
        "  ]\n",
        "}\n",
    );
    let inventory = read_inventory_from(document.as_bytes(), "list.json", &options()).unwrap();
    assert_eq!(inventory.principals().len(), 1);
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "list.json:7:5: expected a JSON object, found a string",
            "list.json:8:5: missing `id`",
            "list.json:13:13: duplicate principal id `ocid1.instance.oc1..a` (first at line 5)",
        ]
    );
}

#[test]
fn a_document_that_is_not_json_is_one_problem_at_its_place() {
    let document = "{\n  \"data\": [\n    {\"id\": \"a\", \"compartment-id\": \"c\"},\n    {\"id\": \"b\" \"compartment-id\": \"c\"}\n  ]\n}\n";
    let inventory = read_inventory_from(document.as_bytes(), "list.json", &options()).unwrap();
    assert_eq!(inventory.principals(), []);
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "list.json:4:16: invalid JSON: expected `,` or `}` (from line 1 to the end left out: no document follows)"
        ]
    );

    let bad_data = "{\"data\": \"nothing\"}";
    let inventory = read_inventory_from(bad_data.as_bytes(), "d.json", &options()).unwrap();
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        ["d.json:1:10: `data` must be an array of records, found a string"]
    );

    let junk_after = "[{\"id\": \"a\", \"compartment-id\": \"c\"}]\n]\n";
    let inventory = read_inventory_from(junk_after.as_bytes(), "t.json", &options()).unwrap();
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(inventory.principals().len(), 1);
    assert_eq!(
        problems,
        [
            "t.json:2:1: invalid JSON: expected value (from line 2 to the end left out: no document follows)"
        ]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "{\"display-name\": \"café—ünïcode\", \"id\": 5, \"compartment-id\": \"c\"}\n";
    let inventory = read_inventory_from(text.as_bytes(), "u.jsonl", &options()).unwrap();
    let problems: Vec<String> = inventory.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        ["u.jsonl:1:40: `id` must be a string, found a number"]
    );
}

#[test]
fn blank_lines_crlf_and_a_byte_order_mark_are_fine() {
    let text = "\u{feff}\r\n\n{\"id\": \"a\", \"compartment-id\": \"c\"}\r\n   \r\n{\"id\": \"b\", \"compartment-id\": \"c\"}";
    let inventory = read_inventory_from(text.as_bytes(), "w.jsonl", &options()).unwrap();
    assert_eq!(inventory.problems(), []);
    assert_eq!(inventory.principals().len(), 2);
    assert_eq!(inventory.principals()[1].compartment_id, "c");

    let empty = read_inventory_from(&b""[..], "e.jsonl", &options()).unwrap();
    assert_eq!((empty.principals().len(), empty.problems().len()), (0, 0));
}

#[test]
fn several_files_make_one_inventory_and_duplicates_name_the_first_file() {
    let dir = TempDir::new("several");
    let a = dir.file(
        "a.jsonl",
        "{\"id\": \"x\", \"compartment-id\": \"c\"}\n{\"id\": \"y\", \"compartment-id\": \"c\"}\n",
    );
    let b = dir.file("b.json", "[\n  {\"id\": \"z\", \"compartment-id\": \"c\"},\n  {\"id\": \"y\", \"compartment-id\": \"c\"}\n]\n");
    let inventory = read_inventory([&a, &b], &options()).unwrap();
    let ids: Vec<&str> = inventory
        .principals()
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["x", "y", "z"]);
    assert_eq!(
        shown(inventory.problems(), dir.path()),
        ["b.json:3:10: duplicate principal id `y` (first at a.jsonl:2)"]
    );

    let mut reader = InventoryReader::new(options());
    reader.read_path(&a).unwrap();
    reader.read_path(&b).unwrap();
    let again = reader.finish();
    assert_eq!(again.principals(), inventory.principals());
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let dir = TempDir::new("missing");
    let path = dir.path().join("nope.jsonl");
    let err = read_inventory([&path], &options()).unwrap_err();
    assert!(matches!(err, Error::Read { .. }));
    assert_eq!(err.path(), path);
    assert_eq!(err.io_error().kind(), std::io::ErrorKind::NotFound);
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", path.display())),
        "{err}"
    );

    let err = read_inventory([dir.path()], &options()).unwrap_err();
    assert!(err.to_string().starts_with("cannot read "), "{err}");
}

#[test]
fn terminated_principals_are_read_for_the_index_to_skip() {
    let text = "{\"id\": \"a\", \"compartment-id\": \"c\", \"lifecycle-state\": \"TERMINATED\"}\n";
    let inventory = read_inventory_from(text.as_bytes(), "t.jsonl", &options()).unwrap();
    assert_eq!(inventory.principals().len(), 1);
    assert!(!inventory.principals()[0].is_indexed());
}
