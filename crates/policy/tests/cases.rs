//! Runs every case of `testdata/cases` through the bitmap `who-can`, the
//! per-principal `decide` and the reference evaluator.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use dyngroup_index::IndexBuilder;
use dyngroup_policy::{
    CompartmentTree, Decision, Evaluator, FindingKind, PolicySet, Reference, Request, ResourceTable,
};

fn kind_name(kind: FindingKind) -> Option<&'static str> {
    Some(match kind {
        FindingKind::UnknownGroup => "unknown-group",
        FindingKind::CrossTenancy => "cross-tenancy",
        FindingKind::UnresolvedLocation => "unresolved-location",
        FindingKind::NotEvaluatedSubject => "not-evaluated-subject",
        FindingKind::PermissionList => "permission-list",
        FindingKind::Syntax => "syntax",
        _ => return None,
    })
}

fn run_file(name: &str) {
    let file = format!("{}/testdata/cases/{name}", env!("CARGO_MANIFEST_DIR"));
    let cases = common::read_cases(&file);
    assert!(!cases.is_empty(), "{file} has cases");
    for case in cases {
        let title = format!("{name}: {}", case.title);
        let tree = CompartmentTree::new(&case.compartments);
        assert!(tree.problems().is_empty(), "{title}: {:?}", tree.problems());
        let mut case = case;
        tree.apply_domain_scopes(&mut case.groups);
        let mut builder = IndexBuilder::new();
        builder.add_principals(&case.principals);
        for g in &case.groups {
            builder.add_group(g.clone()).expect("valid test groups");
        }
        let index = builder.build();
        let memberships = index.evaluate();
        let set = PolicySet::compile(case.policies.clone(), &tree);
        let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
        let reference = Reference::new(&case.principals, &case.groups, &tree, &set);

        let reported: BTreeSet<String> = set
            .findings()
            .iter()
            .chain(evaluator.findings())
            .filter_map(|f| kind_name(f.kind))
            .map(str::to_owned)
            .collect();
        assert_eq!(
            reported,
            case.findings,
            "{title}: findings {:#?}",
            set.findings()
        );

        for q in &case.questions {
            let at = format!("{title} (line {})", q.line);
            let request = Request {
                verb: q.verb,
                resource: ResourceTable::builtin().resolve(&q.resource).set,
                compartment: tree
                    .get(&q.compartment)
                    .unwrap_or_else(|| panic!("{at}: compartment")),
            };
            let bitmap: BTreeMap<String, Decision> = evaluator
                .who_can(&request)
                .into_iter()
                .map(|w| (index.principal_ocid(w.principal).to_owned(), w.decision))
                .collect();
            assert_eq!(bitmap, q.expect, "{at}: bitmap who-can");
            let by_reference: BTreeMap<String, Decision> = reference
                .who_can(&request)
                .into_iter()
                .map(|(p, d)| (case.principals[p].id.clone(), d))
                .collect();
            assert_eq!(by_reference, q.expect, "{at}: reference who-can");
            for p in &case.principals {
                let expected = q.expect.get(&p.id).copied().unwrap_or(Decision::Denied);
                let decided = index.principal_id(&p.id).map_or(Decision::Denied, |id| {
                    evaluator.decide(id, &request).decision
                });
                assert_eq!(decided, expected, "{at}: decide {}", p.id);
            }
        }
    }
}

#[test]
fn inheritance() {
    run_file("inheritance.txt");
}

#[test]
fn relative_paths() {
    run_file("relative-paths.txt");
}

#[test]
fn deny_over_allow() {
    run_file("deny-over-allow.txt");
}

#[test]
fn conditional_grants() {
    run_file("conditional.txt");
}

#[test]
fn any_user() {
    run_file("any-user.txt");
}

#[test]
fn group_by_ocid() {
    run_file("group-by-ocid.txt");
}

#[test]
fn renamed_group() {
    run_file("renamed-group.txt");
}

#[test]
fn cross_tenancy_ignored() {
    run_file("cross-tenancy.txt");
}

#[test]
fn domain_scope() {
    run_file("domain-scope.txt");
}

#[test]
fn report_additions_paths_over_the_limit_and_groups_without_statements() {
    use dyngroup_index::DynamicGroup;
    use dyngroup_policy::{Compartment, Policy, PolicyStatement};

    let t = "ocid1.tenancy.oc1..t";
    let tree = CompartmentTree::new(&[
        Compartment {
            id: t.into(),
            name: "acme".into(),
            parent_id: None,
        },
        Compartment {
            id: "a".into(),
            name: "A".into(),
            parent_id: Some(t.into()),
        },
        Compartment {
            id: "b".into(),
            name: "B".into(),
            parent_id: Some("a".into()),
        },
        Compartment {
            id: "c".into(),
            name: "C".into(),
            parent_id: Some(t.into()),
        },
    ]);
    let statements = |n: usize| {
        (0..n)
            .map(|_| PolicyStatement {
                text: "Allow dynamic-group used to read buckets in tenancy".into(),
                origin: None,
            })
            .collect::<Vec<_>>()
    };
    let policy = |id: &str, at: &str, n: usize| Policy {
        id: id.into(),
        name: id.into(),
        compartment_id: at.into(),
        statements: statements(n),
    };
    let set = PolicySet::compile(
        vec![
            policy("root", t, 300),
            policy("pa", "a", 150),
            policy("pb", "b", 60),
            policy("pc", "c", 10),
        ],
        &tree,
    );
    // acme→A→B holds 510; acme→A 450 and acme→C 310 stay under.
    assert_eq!(
        set.paths_over_limit(&tree, dyngroup_policy::STATEMENTS_PER_PATH),
        [(tree.get("b").unwrap(), 510)]
    );
    assert_eq!(
        set.paths_over_limit(&tree, 400),
        [(tree.get("b").unwrap(), 510)]
    );
    assert_eq!(set.paths_over_limit(&tree, 305).len(), 2);

    let mut builder = IndexBuilder::new();
    for name in ["used", "unused"] {
        builder
            .add_group(DynamicGroup {
                id: format!("ocid1.dynamicgroup.oc1..{name}"),
                name: name.into(),
                matching_rule: "resource.type = 'instance'".into(),
                tenancy_id: t.into(),
                ..DynamicGroup::default()
            })
            .unwrap();
    }
    let index = builder.build();
    let memberships = index.evaluate();
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    let unused: Vec<&str> = evaluator
        .groups_without_statements()
        .into_iter()
        .map(|g| index.group(g).name.as_str())
        .collect();
    assert_eq!(unused, ["unused"]);
}
