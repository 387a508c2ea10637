//! The case corpus: `testdata/cases/*.txt`, run through every evaluation path (read by
//! the shared `dyngroup-testsupport` crate, which also feeds the snapshot crate's tests).
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

use common::{PATHS, build, run};
use dyngroup_index::PrincipalId;
use dyngroup_testsupport::{Case, load};

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
            let why = index.explain(PrincipalId::from_raw(p), g);
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
