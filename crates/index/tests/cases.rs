//! The case corpus: `testdata/cases/*.txt`, run through every evaluation path.
//!
//! The format is line-based and engine-independent (see `testdata/cases/README.md`):
//!
//! ```text
//! case <title>
//! principal <ocid> <compartment> <tenancy> [type=T] [state=S] [tag=ns.key=value]...
//! group <tenancy> <name> <rule, to the end of the line>
//! expect <group name> [member ocid]...
//! limits tenancy=<n> principal=<n>
//! expect-invalid <group name>
//! expect-tenancy-over <tenancy>
//! expect-principal-over <ocid> <group name>...
//! expect-unknown <group name> <kind> <value>
//! ```
//!
//! Every group needs an `expect` line. The limits report must match the `expect-*`
//! lines exactly (no line: nothing reported).

mod common;

use common::{Fleet, PATHS, build, run};
use dyngroup_index::{DefinedTag, DynamicGroup, Limits, Principal, PrincipalId};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default)]
struct Case {
    file: String,
    title: String,
    fleet: Fleet,
    /// Group name → expected member OCIDs, sorted.
    expect: BTreeMap<String, Vec<String>>,
    limits: Limits,
    invalid: Vec<String>,
    tenancies_over: Vec<String>,
    principals_over: Vec<(String, Vec<String>)>,
    unknown: Vec<(String, String, String)>,
}

fn parse_cases(file: &str, text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = || format!("{file}:{}", n + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        if word == "case" {
            cases.push(Case {
                file: file.to_owned(),
                title: rest.to_owned(),
                ..Case::default()
            });
            continue;
        }
        let case = cases
            .last_mut()
            .unwrap_or_else(|| panic!("{}: line before any `case`", at()));
        let mut fields = rest.split_whitespace();
        let mut next = |what: &str| {
            fields
                .next()
                .unwrap_or_else(|| panic!("{}: missing {what}", at()))
                .to_owned()
        };
        match word {
            "principal" => {
                let mut p = Principal {
                    id: next("id"),
                    compartment_id: next("compartment"),
                    tenancy_id: next("tenancy"),
                    ..Principal::default()
                };
                for attr in rest.split_whitespace().skip(3) {
                    let (k, v) = attr
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{}: bad `{attr}`", at()));
                    match k {
                        "type" => p.resource_type = Some(v.to_owned()),
                        "state" => p.lifecycle_state = Some(v.to_owned()),
                        "tag" => {
                            let (name, value) = v
                                .split_once('=')
                                .unwrap_or_else(|| panic!("{}: bad tag", at()));
                            let (ns, key) = name
                                .split_once('.')
                                .unwrap_or_else(|| panic!("{}: bad tag", at()));
                            p.defined_tags.push(DefinedTag {
                                namespace: ns.into(),
                                key: key.into(),
                                value: value.into(),
                            });
                        }
                        _ => panic!("{}: unknown attribute `{k}`", at()),
                    }
                }
                case.fleet.principals.push(p);
            }
            "group" => {
                let tenancy = next("tenancy");
                let name = next("name");
                let rule = rest
                    .split_once(' ')
                    .unwrap()
                    .1
                    .trim_start()
                    .split_once(' ')
                    .map_or("", |x| x.1);
                let n = case.fleet.groups.len();
                case.fleet.groups.push(DynamicGroup {
                    domain: None,
                    id: format!("ocid1.dynamicgroup.oc1..g{n}"),
                    name,
                    description: String::new(),
                    matching_rule: rule.trim().to_owned(),
                    tenancy_id: tenancy,
                });
            }
            "expect" => {
                let name = next("group name");
                let mut members: Vec<String> =
                    rest.split_whitespace().skip(1).map(String::from).collect();
                members.sort();
                assert!(
                    case.expect.insert(name, members).is_none(),
                    "{}: duplicate expect",
                    at()
                );
            }
            "limits" => {
                for attr in rest.split_whitespace() {
                    match attr.split_once('=') {
                        Some(("tenancy", v)) => {
                            case.limits.max_groups_per_tenancy = v.parse().unwrap()
                        }
                        Some(("principal", v)) => {
                            case.limits.max_groups_per_principal = v.parse().unwrap()
                        }
                        _ => panic!("{}: bad limit `{attr}`", at()),
                    }
                }
            }
            "expect-invalid" => case.invalid.push(next("group name")),
            "expect-tenancy-over" => case.tenancies_over.push(next("tenancy")),
            "expect-principal-over" => {
                let ocid = next("principal");
                let groups = rest.split_whitespace().skip(1).map(String::from).collect();
                case.principals_over.push((ocid, groups));
            }
            "expect-unknown" => {
                let (g, kind, value) = (next("group"), next("kind"), next("value"));
                case.unknown.push((g, kind, value));
            }
            _ => panic!("{}: unknown line kind `{word}`", at()),
        }
    }
    cases
}

fn load() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/cases exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let cases: Vec<Case> = files
        .iter()
        .flat_map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            parse_cases(&name, &std::fs::read_to_string(p).unwrap())
        })
        .collect();
    assert!(
        cases.len() >= 15,
        "the corpus loaded ({} cases)",
        cases.len()
    );
    cases
}

#[test]
fn every_case_on_every_path() {
    for case in load() {
        let what = format!("{} / {}", case.file, case.title);
        let names: Vec<&str> = case.fleet.groups.iter().map(|g| g.name.as_str()).collect();
        for name in &names {
            assert!(
                case.expect.contains_key(*name),
                "{what}: no `expect` for group {name}"
            );
        }
        for name in case.expect.keys() {
            assert!(
                names.contains(&name.as_str()),
                "{what}: `expect` for unknown group {name}"
            );
        }
        let index = build(&case.fleet);
        for path in PATHS {
            let got = run(path, &case.fleet, &index);
            for (g, name) in names.iter().enumerate() {
                assert_eq!(
                    got[g], case.expect[*name],
                    "{what}: group {name} on path {path:?}"
                );
            }
        }
        check_explain(&case, &index);
        check_limits(&case, &index);
    }
}

/// Explain's verdict agrees with the expected members, for every principal and group.
fn check_explain(case: &Case, index: &dyngroup_index::Index) {
    for g in index.group_ids() {
        let expected = &case.expect[&index.group(g).name];
        for p in 0..index.principal_count() as u32 {
            let why = index.explain(PrincipalId(p), g);
            let member = expected.iter().any(|id| id == &why.principal_id);
            assert_eq!(
                why.member, member,
                "{} / {}: explain\n{why}",
                case.file, case.title
            );
            assert_eq!(why.tree.is_none(), why.rule_error.is_some());
        }
    }
}

fn check_limits(case: &Case, index: &dyngroup_index::Index) {
    let what = format!("{} / {}", case.file, case.title);
    for parallel in [false, true] {
        let m = if parallel {
            index.evaluate()
        } else {
            index.evaluate_sequential()
        };
        let report = index.limits_report(&m, &case.limits);
        let name = |g: dyngroup_index::GroupId| index.group(g).name.clone();

        let invalid: Vec<String> = report
            .invalid_groups
            .iter()
            .map(|i| name(i.group))
            .collect();
        assert_eq!(invalid, case.invalid, "{what}: invalid groups");
        for i in &report.invalid_groups {
            assert!(
                !i.error
                    .render(&index.group(i.group).matching_rule)
                    .is_empty()
            );
            assert!(
                m.members(i.group).is_empty(),
                "{what}: invalid groups fail closed"
            );
        }

        let tenancies: Vec<String> = report
            .tenancies_over_limit
            .iter()
            .map(|t| t.tenancy_id.clone())
            .collect();
        assert_eq!(
            tenancies, case.tenancies_over,
            "{what}: tenancies over the limit"
        );
        for t in &report.tenancies_over_limit {
            assert_eq!(t.groups.len(), index.tenancy_groups(t.tenancy).len());
        }

        let mut principals: Vec<(String, Vec<String>)> = report
            .principals_over_limit
            .iter()
            .map(|p| {
                (
                    p.principal_id.clone(),
                    p.groups.iter().map(|&g| name(g)).collect(),
                )
            })
            .collect();
        principals.sort();
        let mut expected = case.principals_over.clone();
        expected.sort();
        assert_eq!(principals, expected, "{what}: principals over the limit");

        let mut unknown: Vec<(String, String, String)> = report
            .unknown_references
            .iter()
            .map(|u| (name(u.group), u.kind.as_str().to_owned(), u.value.clone()))
            .collect();
        unknown.sort();
        let mut expected = case.unknown.clone();
        expected.sort();
        assert_eq!(unknown, expected, "{what}: unknown references");
        assert_eq!(
            report.is_clean(),
            case.invalid.is_empty()
                && case.tenancies_over.is_empty()
                && case.principals_over.is_empty()
                && case.unknown.is_empty()
        );
    }
}

#[test]
fn the_case_format_parses() {
    let cases = parse_cases(
        "inline",
        "# c\ncase one\nprincipal ocid1.instance.oc1..a c t type=X state=RUNNING tag=Ns.K=v=1\n\
         group t g1 ALL {instance.id = 'x', resource.type = 'y'}\nexpect g1\nexpect-unknown g1 instance-id x\n",
    );
    assert_eq!(cases.len(), 1);
    let c = &cases[0];
    assert_eq!(c.fleet.principals[0].defined_tags[0].value, "v=1");
    assert_eq!(c.fleet.principals[0].resource_type.as_deref(), Some("X"));
    assert_eq!(
        c.fleet.groups[0].matching_rule,
        "ALL {instance.id = 'x', resource.type = 'y'}"
    );
    assert_eq!(c.fleet.groups[0].tenancy_id, "t");
    assert_eq!(c.expect["g1"], Vec::<String>::new());
}
