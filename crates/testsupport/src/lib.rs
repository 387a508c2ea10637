//! Test support shared by the workspace's test suites (a dev-dependency only, never
//! published): the reader of the engine-independent case corpus
//! (`crates/index/testdata/cases/*.txt`, format in its README), so that the index's
//! evaluation paths, the snapshot round trip and the engine opened from a snapshot
//! all run the same cases from one parser.
//!
//! ```text
//! case <title>
//! principal <ocid> <compartment> <tenancy> [type=T] [state=S] [tag=ns.key=value]...
//! group <tenancy> <name> <rule, to the end of the line>
//! domain <group name> <domain ocid> <domain compartment | -> [outside=<c>,<c>...]
//! expect <group name> [member ocid]...
//! limits tenancy=<n> principal=<n>
//! expect-invalid <group name>
//! expect-tenancy-over <tenancy>
//! expect-principal-over <ocid> <group name>...
//! expect-unknown <group name> <kind> <value>
//! ```
#![deny(missing_docs)]

use dyngroup_index::{DefinedTag, DynamicGroup, IdentityDomain, Limits, Principal};
use std::collections::BTreeMap;
use std::path::Path;

/// An inventory and its groups, engine-independent.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    /// The principals, in input order.
    pub principals: Vec<Principal>,
    /// The groups, in input order.
    pub groups: Vec<DynamicGroup>,
}

/// One case of the corpus.
#[derive(Debug, Default)]
pub struct Case {
    /// The file it comes from.
    pub file: String,
    /// Its `case` line.
    pub title: String,
    /// Its principals and groups (group OCIDs `ocid1.dynamicgroup.oc1..g<n>`).
    pub fleet: Fleet,
    /// Group name → expected member OCIDs, sorted.
    pub expect: BTreeMap<String, Vec<String>>,
    /// The `limits` line, or the defaults.
    pub limits: Limits,
    /// `expect-invalid` group names.
    pub invalid: Vec<String>,
    /// `expect-tenancy-over` tenancies.
    pub tenancies_over: Vec<String>,
    /// `expect-principal-over` principals and their group names.
    pub principals_over: Vec<(String, Vec<String>)>,
    /// `expect-unknown` (group name, kind, value).
    pub unknown: Vec<(String, String, String)>,
}

/// Parses the cases of one file; panics naming `file:line` on a malformed line.
pub fn parse_cases(file: &str, text: &str) -> Vec<Case> {
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
            "domain" => {
                let name = next("group name");
                let id = next("domain ocid");
                let compartment = next("domain compartment");
                let outside = rest.split_whitespace().nth(3).map(|attr| {
                    let list = attr
                        .strip_prefix("outside=")
                        .unwrap_or_else(|| panic!("{}: bad `{attr}`", at()));
                    list.split(',')
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect::<Vec<_>>()
                        .into()
                });
                let group = case
                    .fleet
                    .groups
                    .iter_mut()
                    .find(|g| g.name == name)
                    .unwrap_or_else(|| panic!("{}: no group `{name}` above", at()));
                group.domain = Some(IdentityDomain {
                    id,
                    compartment_id: (compartment != "-").then_some(compartment),
                    outside,
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

/// Every case of the corpus, `crates/index/testdata/cases/*.txt`, files in name order.
pub fn load() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../index/testdata/cases");
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_corpus_loads() {
        assert!(load().len() >= 15);
    }
}
