//! Identity-domain exports: `oci identity-domains dynamic-resource-groups list` prints
//! `{"data": {"resources": [...]}}` (page counters with one page, none with `--all`),
//! SCIM DynamicResourceGroups read as dynamic groups.

use dyngroup_index::{DynamicGroup, IdentityDomain};
use dyngroup_io::{Groups, ProblemKind, ReadOptions, Severity, read_groups_from};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaatenancy";

fn read(text: &str) -> Groups {
    read_groups_from(text.as_bytes(), "drg.json", &ReadOptions::default()).expect("read")
}

fn problems(groups: &Groups) -> Vec<String> {
    groups.problems().iter().map(|p| p.to_string()).collect()
}

/// One page as the CLI prints it without `--all` (kebab-case, counters present); the
/// second group belongs to a domain that lives in a compartment below the root.
const ONE_PAGE: &str = r#"{
  "data": {
    "items-per-page": 50,
    "resources": [
      {
        "compartment-ocid": "ocid1.tenancy.oc1..aaaatenancy",
        "delete-in-progress": null,
        "description": "build runners",
        "display-name": "BuildRunners",
        "domain-ocid": "ocid1.domain.oc1..default",
        "id": "7b6e2a0e0c6a4d2f9d1e3c5b7a9f1e2d",
        "matching-rule": "ALL {resource.type = 'fnfunc', tag.ops.role.value = 'build'}",
        "meta": {"resource-type": "DynamicResourceGroup", "version": "1"},
        "ocid": "ocid1.dynamicgroup.oc1..buildrunners",
        "schemas": ["urn:ietf:params:scim:schemas:oracle:idcs:DynamicResourceGroup"],
        "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"
      },
      {
        "compartment-ocid": "ocid1.compartment.oc1..teamdomain",
        "display-name": "TeamFunctions",
        "domain-ocid": "ocid1.domain.oc1..team",
        "id": "0f3c",
        "matching-rule": "resource.type = 'fnfunc'",
        "ocid": "ocid1.dynamicgroup.oc1..teamfunctions",
        "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"
      }
    ],
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "start-index": 1,
    "total-results": 2
  }
}
"#;

fn build_runners() -> DynamicGroup {
    DynamicGroup {
        id: "ocid1.dynamicgroup.oc1..buildrunners".into(),
        name: "BuildRunners".into(),
        description: "build runners".into(),
        matching_rule: "ALL {resource.type = 'fnfunc', tag.ops.role.value = 'build'}".into(),
        tenancy_id: TENANCY.into(),
        domain: Some(IdentityDomain {
            id: "ocid1.domain.oc1..default".into(),
            compartment_id: Some(TENANCY.into()),
            outside: None,
        }),
    }
}

fn team_functions() -> DynamicGroup {
    DynamicGroup {
        id: "ocid1.dynamicgroup.oc1..teamfunctions".into(),
        name: "TeamFunctions".into(),
        description: String::new(),
        matching_rule: "resource.type = 'fnfunc'".into(),
        tenancy_id: TENANCY.into(),
        domain: Some(IdentityDomain {
            id: "ocid1.domain.oc1..team".into(),
            compartment_id: Some("ocid1.compartment.oc1..teamdomain".into()),
            outside: None,
        }),
    }
}

#[test]
fn a_page_of_domain_groups_reads_as_groups_with_their_domain() {
    let groups = read(ONE_PAGE);
    assert_eq!(problems(&groups), Vec::<String>::new());
    assert_eq!(groups.groups(), [build_runners(), team_functions()]);
    // A domain in the root compartment (as the Default domain is) scopes the whole
    // tenancy; one below it would narrow the group, which is not applied yet.
    assert!(!groups.groups()[0].has_domain_scope());
    assert!(groups.groups()[1].has_domain_scope());
}

#[test]
fn the_all_pages_shape_camel_case_and_scim_resources_read_the_same() {
    // `--all` keeps only the list members, concatenated across pages.
    let all = ONE_PAGE
        .replace("    \"items-per-page\": 50,\n", "")
        .replace("    \"start-index\": 1,\n", "")
        .replace(",\n    \"total-results\": 2", "");
    assert!(!all.contains("total-results"));
    assert_eq!(read(&all).groups(), [build_runners(), team_functions()]);

    let camel = ONE_PAGE
        .replace("\"resources\"", "\"Resources\"")
        .replace("compartment-ocid", "compartmentOcid")
        .replace("display-name", "displayName")
        .replace("domain-ocid", "domainOcid")
        .replace("matching-rule", "matchingRule")
        .replace("tenancy-ocid", "tenancyOcid")
        .replace("total-results", "totalResults");
    let groups = read(&camel);
    assert_eq!(problems(&groups), Vec::<String>::new());
    assert_eq!(groups.groups(), [build_runners(), team_functions()]);

    // Pages one after another (a script that pages by hand), and classic groups beside.
    let classic = r#"{"data": [{"id": "ocid1.dynamicgroup.oc1..classic", "name": "classic", "matching-rule": "resource.type = 'instance'", "compartment-id": "ocid1.tenancy.oc1..aaaatenancy", "lifecycle-state": "ACTIVE"}]}"#;
    let both = format!("{all}{classic}\n");
    let groups = read(&both);
    assert_eq!(problems(&groups), Vec::<String>::new());
    let names: Vec<&str> = groups.groups().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["BuildRunners", "TeamFunctions", "classic"]);
    assert_eq!(groups.groups()[2].domain, None);
    assert!(!groups.groups()[2].has_domain_scope());
}

#[test]
fn a_null_matching_rule_names_the_re_export_flag() {
    let text = r#"{"data": {"resources": [
{"display-name": "NoRule", "matching-rule": null, "ocid": "ocid1.dynamicgroup.oc1..norule", "id": "1", "domain-ocid": "ocid1.domain.oc1..d", "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"},
{"display-name": "Left", "ocid": "ocid1.dynamicgroup.oc1..left", "id": "2", "domain-ocid": "ocid1.domain.oc1..d", "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"},
{"display-name": "Kept", "matching-rule": "resource.type = 'fnfunc'", "ocid": "ocid1.dynamicgroup.oc1..kept", "id": "3", "domain-ocid": "ocid1.domain.oc1..d", "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"}
]}}"#;
    let groups = read(text);
    let hint = "identity-domain exports leave it out unless asked; re-export with `oci identity-domains dynamic-resource-groups list --attribute-sets all`";
    assert_eq!(
        problems(&groups),
        [
            format!("drg.json:2:45: no `matching-rule` for group `NoRule`: {hint}"),
            format!("drg.json:3:1: no `matching-rule` for group `Left`: {hint}"),
        ]
    );
    assert!(
        groups
            .problems()
            .iter()
            .all(|p| p.kind == ProblemKind::MissingField && p.rejects_record())
    );
    let names: Vec<&str> = groups.groups().iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Kept"]);
    // No compartment given: the domain's scope is unknown, so it is not applied.
    assert!(groups.groups()[0].has_domain_scope());
}

#[test]
fn a_domain_group_without_ocid_gets_an_assigned_one_not_its_scim_id() {
    let text = r#"{"data": {"resources": [{"displayName": "g", "matchingRule": "resource.type = 'fnfunc'", "id": "scim-id", "domainOcid": "ocid1.domain.oc1..d", "compartmentOcid": "ocid1.tenancy.oc1..aaaatenancy", "tenancyOcid": "ocid1.tenancy.oc1..aaaatenancy"}]}}"#;
    let groups = read(text);
    assert_eq!(problems(&groups), Vec::<String>::new());
    assert_eq!(
        groups.groups()[0].id,
        dyngroup_io::assigned_group_id(TENANCY, "g")
    );
}

#[test]
fn a_group_being_deleted_is_skipped_with_a_note() {
    let text = r#"{"data": {"resources": [{"display-name": "gone", "matching-rule": "resource.type = 'fnfunc'", "ocid": "ocid1.dynamicgroup.oc1..gone", "delete-in-progress": true, "domain-ocid": "ocid1.domain.oc1..d", "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy"}]}}"#;
    let groups = read(text);
    assert_eq!(groups.groups(), []);
    assert_eq!(
        problems(&groups),
        ["drg.json:1:25: skipped group `gone`: it is being deleted (`delete-in-progress`)"]
    );
    assert_eq!(groups.problems()[0].severity, Severity::Note);
}

#[test]
fn a_domain_compartment_without_the_domain_is_read_as_a_tenancy_group_with_a_warning() {
    let text = r#"{"data": {"resources": [{"display-name": "Orphan", "ocid": "ocid1.dynamicgroup.oc1..orphan", "compartment-ocid": "ocid1.compartment.oc1..team", "domain-ocid": null, "tenancy-ocid": "ocid1.tenancy.oc1..aaaatenancy", "matching-rule": "resource.type = 'fnfunc'"}]}}"#;
    let groups = read(text);
    assert_eq!(groups.groups().len(), 1);
    assert_eq!(groups.groups()[0].domain, None);
    let problems = groups.problems();
    assert_eq!(problems.len(), 1, "{:?}", problems);
    assert_eq!(problems[0].severity, Severity::Warning);
    assert!(
        problems[0]
            .to_string()
            .contains("group `Orphan` gives its domain's compartment `ocid1.compartment.oc1..team` but no `domain-ocid`: read as a group of the whole tenancy, with no domain scope"),
        "{}",
        problems[0]
    );
}
