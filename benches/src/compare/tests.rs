//! The comparison's logic on a tiny fleet: every engine gives every group the same
//! member count. No timing is asserted. The DuckDB peer runs only when
//! `DYNGROUP_TEST_DUCKDB=1` (it installs the `duckdb` Python package into a venv).

use std::path::{Path, PathBuf};

use super::{Options, run, run_in_memory};
use crate::engines::Fleet;
use crate::report::{Engine, Phase, disagreements};
use dyngroup_index::{DefinedTag, DynamicGroup, Principal};
use serde_json::json;

const T1: &str = "ocid1.tenancy.oc1..one";
const T2: &str = "ocid1.tenancy.oc1..two";
const PROD: &str = "ocid1.compartment.oc1..prod";
const DEV: &str = "ocid1.compartment.oc1..dev";
const OTHER: &str = "ocid1.compartment.oc1..other"; // in T2

fn tag(ns: &str, key: &str, value: &str) -> DefinedTag {
    DefinedTag {
        namespace: ns.into(),
        key: key.into(),
        value: value.into(),
    }
}

fn principal(
    id: &str,
    compartment: &str,
    tenancy: &str,
    tags: Vec<DefinedTag>,
    state: &str,
) -> Principal {
    Principal {
        id: id.into(),
        compartment_id: compartment.into(),
        tenancy_id: tenancy.into(),
        resource_type: None,
        defined_tags: tags,
        lifecycle_state: Some(state.into()),
    }
}

/// Instances and other resources in two tenancies, with tags in several cases, a
/// terminated and a terminating principal.
fn principals() -> Vec<Principal> {
    vec![
        principal(
            "ocid1.instance.oc1.phx.web1",
            PROD,
            T1,
            vec![
                tag("Ops", "Role", "web"),
                tag("Oracle-Tags", "CreatedBy", "alice"),
            ],
            "RUNNING",
        ),
        principal(
            "ocid1.instance.oc1.phx.web2",
            PROD,
            T1,
            vec![tag("ops", "role", "Web")],
            "STOPPED",
        ),
        principal(
            "ocid1.instance.oc1.phx.db1",
            PROD,
            T1,
            vec![tag("OPS", "ROLE", "db"), tag("Ops", "Tier", "1")],
            "RUNNING",
        ),
        principal("ocid1.instance.oc1.phx.dev1", DEV, T1, vec![], "RUNNING"),
        principal(
            "ocid1.instance.oc1.phx.gone",
            PROD,
            T1,
            vec![tag("Ops", "Role", "web")],
            "TERMINATED",
        ),
        principal(
            "ocid1.instance.oc1.phx.going",
            DEV,
            T1,
            vec![],
            "terminating",
        ),
        principal(
            "ocid1.fnfunc.oc1.phx.f1",
            PROD,
            T1,
            vec![tag("Ops", "Role", "web")],
            "ACTIVE",
        ),
        principal("ocid1.ApiGateway.oc1.phx.g1", DEV, T1, vec![], "ACTIVE"),
        principal(
            "ocid1.datasciencenotebooksession.oc1.phx.n1",
            DEV,
            T1,
            vec![tag("Ops", "Role", "it's")],
            "ACTIVE",
        ),
        principal(
            "ocid1.instance.oc1.iad.x1",
            OTHER,
            T2,
            vec![tag("Ops", "Role", "web")],
            "RUNNING",
        ),
        principal("ocid1.fnfunc.oc1.iad.f2", OTHER, T2, vec![], "ACTIVE"),
    ]
}

/// One group per rule form, some in each tenancy; a rule that does not parse; a group
/// whose name clashes (refused by the index, so in no engine's list).
fn groups() -> Vec<DynamicGroup> {
    let rules: &[(&str, &str)] = &[
        (
            T1,
            "instance.compartment.id = 'ocid1.compartment.oc1..prod'",
        ),
        (
            T1,
            "instance.compartment.id != 'ocid1.compartment.oc1..prod'",
        ),
        (
            T1,
            "resource.compartment.id = 'ocid1.compartment.oc1..prod'",
        ),
        (
            T1,
            "resource.compartment.id != 'ocid1.compartment.oc1..prod'",
        ),
        (T1, "instance.id = 'ocid1.instance.oc1.phx.web1'"),
        (
            T1,
            "ALL {instance.compartment.id = 'ocid1.compartment.oc1..prod', instance.id != 'ocid1.instance.oc1.phx.web1', instance.id != 'ocid1.instance.oc1.phx.db1'}",
        ),
        (T1, "resource.id = 'ocid1.fnfunc.oc1.phx.f1'"),
        (T1, "resource.id != 'ocid1.fnfunc.oc1.phx.f1'"),
        (T1, "resource.type = 'ApiGateway'"),
        (T1, "resource.type != 'instance'"),
        (
            T1,
            "ALL {resource.type = 'fnfunc', resource.compartment.id = 'ocid1.compartment.oc1..prod'}",
        ),
        (T1, "tag.ops.role.value"),
        (T1, "tag.OPS.ROLE.value = 'web'"),
        (T1, "tag.Ops.Role.value != 'web'"),
        (T1, "tag.Ops.Role.value = \"it's\""),
        (T1, "tag.Ops.Tier.value = '1'"),
        (
            T1,
            "ANY {ALL {tag.Ops.Role.value = 'web', resource.type = 'instance'}, ALL {tag.ops.role.value = 'db'}}",
        ),
        (
            T1,
            "ANY {instance.id = 'ocid1.instance.oc1.phx.web1', instance.id = 'ocid1.instance.oc1.phx.web2', instance.id = 'ocid1.instance.oc1.phx.stale'}",
        ),
        // An OCID of another tenancy: tenancy isolation gives no member.
        (
            T1,
            "ANY {instance.id = 'ocid1.instance.oc1.iad.x1', resource.compartment.id = 'ocid1.compartment.oc1..other'}",
        ),
        (T1, "resource.id = 'ocid1.instance.oc1.phx.gone'"),
        (
            T1,
            "resource.compartment.id = 'ocid1.compartment.oc1..prod', tag.Ops.Role.value = abc",
        ),
        (T1, "ANY {compartment.id = 'x'}"),
        (T2, "tag.ops.role.value = 'web'"),
        (
            T2,
            "ALL {resource.compartment.id != 'ocid1.compartment.oc1..prod', tag.x.y.value != 'z'}",
        ),
    ];
    let mut groups: Vec<DynamicGroup> = rules
        .iter()
        .enumerate()
        .map(|(i, (tenancy, rule))| DynamicGroup {
            domain: None,
            id: format!("ocid1.dynamicgroup.oc1..g{i}"),
            name: format!("group-{i}"),
            description: String::new(),
            matching_rule: (*rule).into(),
            tenancy_id: (*tenancy).into(),
        })
        .collect();
    groups.push(DynamicGroup {
        id: "ocid1.dynamicgroup.oc1..dup".into(),
        name: "GROUP-0".into(),
        matching_rule: "resource.id = 'x'".into(),
        tenancy_id: T1.into(),
        ..DynamicGroup::default()
    });
    groups
}

#[test]
fn engines_agree_on_every_group_of_a_tiny_fleet() {
    let fleet = Fleet::new(principals(), groups());
    assert_eq!(fleet.groups.len(), 24, "the duplicate name is refused");
    let result = run_in_memory(&fleet, 1, 1);
    let labels: Vec<&str> = result.counts.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "dyngroup evaluate",
            "dyngroup-1t evaluate",
            "dyngroup transpose",
            "dyngroup-1t transpose",
            "naive-1t evaluate",
            "naive evaluate"
        ]
    );
    let d = disagreements(&result.counts, &|g| fleet.groups[g].matching_rule.clone());
    assert!(d.is_empty(), "{d:#?}");

    let counts = &result.counts[0].counts;
    assert_eq!(counts[0], 3, "web1, web2, db1: instances in prod");
    assert_eq!(counts[1], 1, "dev1: the other instances of the tenancy");
    assert_eq!(counts[7], 6, "every live principal of T1 but f1");
    assert_eq!(counts[8], 1, "resource.type compares case-insensitively");
    assert_eq!(
        counts[13], 5,
        "a missing tag satisfies !=; 'Web' is not 'web'"
    );
    assert_eq!(counts[14], 1, "a quote inside the value");
    assert_eq!(counts[18], 0, "tenancy isolation");
    assert_eq!(counts[19], 0, "terminated principals are no members");
    assert_eq!(counts[21], 0, "a rule that does not parse has no members");
    assert_eq!(counts[22], 1);
    assert_eq!(counts[23], 2);
    assert_eq!(result.indexed_principals, 9);

    let phases: Vec<(Engine, Phase)> = result.rows.iter().map(|r| (r.engine, r.phase)).collect();
    assert!(phases.contains(&(Engine::Dyngroup, Phase::Build)));
    assert!(phases.contains(&(Engine::Dyngroup1t, Phase::Transpose)));
    assert!(phases.contains(&(Engine::Naive1t, Phase::Evaluate)));
}

/// Writes the fleet as JSON Lines, as datagen does.
fn write_fleet(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut inventory = String::new();
    for p in principals() {
        let mut tags = serde_json::Map::new();
        for t in &p.defined_tags {
            let ns = tags.entry(t.namespace.clone()).or_insert_with(|| json!({}));
            ns[&t.key] = json!(t.value);
        }
        let record = json!({
            "id": p.id,
            "compartment-id": p.compartment_id,
            "tenancy-id": p.tenancy_id,
            "lifecycle-state": p.lifecycle_state,
            "defined-tags": tags,
        });
        inventory.push_str(&record.to_string());
        inventory.push('\n');
    }
    let mut groups = String::new();
    for g in self::groups() {
        let record = json!({
            "id": g.id,
            "name": g.name,
            "description": g.description,
            "matching-rule": g.matching_rule,
            "compartment-id": g.tenancy_id,
        });
        groups.push_str(&record.to_string());
        groups.push('\n');
    }
    std::fs::write(dir.join("inventory.jsonl"), inventory).unwrap();
    std::fs::write(dir.join("groups.jsonl"), groups).unwrap();
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dyngroup-benches-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn options(dir: &Path, duckdb: bool) -> Options {
    Options {
        profile: "tiny".into(),
        data_dir: dir.join("data"),
        generate: false,
        runs: 1,
        peer_runs: 1,
        duckdb,
        venv: crate::duckdb::default_venv(),
        work_dir: dir.join("work"),
        bandwidth_mib: 1,
        measure_heap: false,
    }
}

#[test]
fn the_whole_comparison_from_files_without_duckdb() {
    let dir = scratch("files");
    write_fleet(&dir.join("data"));
    let report = run(&options(&dir, false)).expect("the comparison runs");
    let _ = std::fs::remove_dir_all(&dir);

    assert!(report.counts_agree(), "{}", report.table());
    assert_eq!(report.principals, 11);
    assert_eq!(report.indexed_principals, 9);
    assert_eq!(report.groups, 24);
    assert!(report.compared.iter().any(|l| l == "dyngroup end-to-end"));
    assert_eq!(report.duckdb_skipped.as_deref(), Some("--no-duckdb"));
    let json = report.json();
    for field in [
        "profile",
        "principals",
        "groups",
        "counts_agree",
        "bytes_per_principal",
        "rows",
    ] {
        assert!(json.get(field).is_some(), "{field} in {json}");
    }
    let rows: Vec<(String, String)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["engine"].as_str().unwrap().to_owned(),
                r["phase"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (engine, phase) in [
        ("dyngroup", "build"),
        ("dyngroup", "evaluate"),
        ("dyngroup-1t", "evaluate"),
        ("naive-1t", "evaluate"),
        ("naive", "evaluate"),
        ("dyngroup", "transpose"),
        ("dyngroup", "end-to-end"),
    ] {
        assert!(
            rows.contains(&(engine.into(), phase.into())),
            "{engine} {phase} in {rows:?}"
        );
    }
}

/// DuckDB over the same files: the SQL translation checked against the engines.
#[test]
fn duckdb_agrees_when_enabled() {
    if std::env::var("DYNGROUP_TEST_DUCKDB").as_deref() != Ok("1") {
        eprintln!("skipped: set DYNGROUP_TEST_DUCKDB=1 to run the DuckDB peer");
        return;
    }
    let dir = scratch("duckdb");
    write_fleet(&dir.join("data"));
    let report = run(&options(&dir, true)).expect("the comparison runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(report.duckdb_skipped, None, "{}", report.table());
    assert!(report.compared.iter().any(|l| l == "duckdb evaluate"));
    assert!(report.compared.iter().any(|l| l == "duckdb end-to-end"));
    assert!(report.counts_agree(), "{}", report.table());
}
