//! The case-corpus reader shared by the integration tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use dyngroup_index::{DefinedTag, DynamicGroup, Principal};
use dyngroup_policy::{Compartment, Decision, Policy, PolicyStatement, Verb};

#[derive(Debug, Default)]
pub struct Case {
    pub title: String,
    pub compartments: Vec<Compartment>,
    pub principals: Vec<Principal>,
    pub groups: Vec<DynamicGroup>,
    pub policies: Vec<Policy>,
    pub questions: Vec<Question>,
    pub findings: BTreeSet<String>,
}

#[derive(Debug)]
pub struct Question {
    pub line: usize,
    pub verb: Verb,
    pub resource: String,
    pub compartment: String,
    /// Every principal not listed is denied.
    pub expect: BTreeMap<String, Decision>,
}

pub fn read_cases(file: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut cases: Vec<Case> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
        let at = format!("{file}:{}", i + 1);
        if keyword == "case" {
            cases.push(Case {
                title: rest.to_owned(),
                ..Case::default()
            });
            continue;
        }
        let case = cases
            .last_mut()
            .unwrap_or_else(|| panic!("{at}: no `case` line yet"));
        let fields: Vec<&str> = rest.split(' ').collect();
        match keyword {
            "compartment" => case.compartments.push(Compartment {
                id: fields[0].into(),
                name: fields[1].into(),
                parent_id: (fields[2] != "-").then(|| fields[2].into()),
            }),
            "principal" => {
                let mut p = Principal {
                    id: fields[0].into(),
                    compartment_id: fields[1].into(),
                    tenancy_id: fields[2].into(),
                    ..Principal::default()
                };
                for extra in &fields[3..] {
                    let (k, v) = extra
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{at}: {extra}"));
                    match k {
                        "type" => p.resource_type = Some(v.into()),
                        "state" => p.lifecycle_state = Some(v.into()),
                        "tag" => {
                            let (name, value) = v.split_once('=').expect("tag=ns.key=value");
                            let (ns, key) = name.split_once('.').expect("ns.key");
                            p.defined_tags.push(DefinedTag {
                                namespace: ns.into(),
                                key: key.into(),
                                value: value.into(),
                            });
                        }
                        _ => panic!("{at}: unknown principal field {k}"),
                    }
                }
                case.principals.push(p);
            }
            "group" => {
                let (tenancy, rest) = rest.split_once(' ').expect("group tenancy");
                let (id, rest) = rest.split_once(' ').expect("group id");
                let (name, rule) = rest.split_once(' ').expect("group name");
                case.groups.push(DynamicGroup {
                    id: id.into(),
                    name: name.into(),
                    matching_rule: rule.into(),
                    tenancy_id: tenancy.into(),
                    ..DynamicGroup::default()
                });
            }
            "domain" => {
                let mut fields = rest.split(' ');
                let (group, domain, compartment) = (
                    fields.next().expect("domain group"),
                    fields.next().expect("domain ocid"),
                    fields.next().expect("domain compartment"),
                );
                let group = case
                    .groups
                    .iter_mut()
                    .find(|g| g.id == group)
                    .expect("a group above");
                group.domain = Some(dyngroup_index::IdentityDomain {
                    id: domain.into(),
                    compartment_id: Some(compartment.into()),
                    outside: None,
                });
            }
            "policy" => {
                let (id, rest) = rest.split_once(' ').expect("policy id");
                let (attached, statement) = rest.split_once(' ').expect("policy compartment");
                let statement = PolicyStatement {
                    text: statement.into(),
                    origin: None,
                };
                match case.policies.iter_mut().find(|p| p.id == id) {
                    Some(p) => p.statements.push(statement),
                    None => case.policies.push(Policy {
                        id: id.into(),
                        name: format!("policy-{}", case.policies.len()),
                        compartment_id: attached.into(),
                        statements: vec![statement],
                    }),
                }
            }
            "who-can" => {
                let (ask, answer) = rest
                    .split_once("=>")
                    .unwrap_or_else(|| panic!("{at}: no =>"));
                let ask: Vec<&str> = ask.split_whitespace().collect();
                let expect = answer
                    .split_whitespace()
                    .map(|pair| {
                        let (id, d) = pair
                            .split_once('=')
                            .unwrap_or_else(|| panic!("{at}: {pair}"));
                        let d = match d {
                            "allowed" => Decision::Allowed,
                            "conditional" => Decision::Conditional,
                            _ => panic!("{at}: decision {d}"),
                        };
                        (id.to_owned(), d)
                    })
                    .collect();
                case.questions.push(Question {
                    line: i + 1,
                    verb: Verb::from_word(ask[0]).unwrap_or_else(|| panic!("{at}: verb")),
                    resource: ask[1].into(),
                    compartment: ask[2].into(),
                    expect,
                });
            }
            "finding" => {
                case.findings.insert(rest.to_owned());
            }
            _ => panic!("{at}: unknown line {keyword}"),
        }
    }
    cases
}
