//! The index's case corpus (`crates/index/testdata/cases/*.txt`, format in its
//! README) through the snapshot round trip: every case's index is written, opened and
//! queried, and each group's members must be the case's `expect` line; the rebuilt
//! index must evaluate to the same memberships. Only the `principal`, `group` and
//! `expect` lines matter here (limits are the index's business).

use dyngroup_index::{DefinedTag, DynamicGroup, IndexBuilder, Principal};
use dyngroup_snapshot::{Snapshot, WriteOptions};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Default)]
struct Case {
    title: String,
    principals: Vec<Principal>,
    groups: Vec<DynamicGroup>,
    expect: BTreeMap<String, Vec<String>>,
}

fn parse(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines().map(str::trim) {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let fields: Vec<&str> = rest.split_whitespace().collect();
        match word {
            "case" => cases.push(Case {
                title: rest.to_owned(),
                ..Case::default()
            }),
            "principal" => {
                let mut p = Principal {
                    id: fields[0].into(),
                    compartment_id: fields[1].into(),
                    tenancy_id: fields[2].into(),
                    ..Principal::default()
                };
                for attr in &fields[3..] {
                    match attr.split_once('=').expect("key=value") {
                        ("type", v) => p.resource_type = Some(v.into()),
                        ("state", v) => p.lifecycle_state = Some(v.into()),
                        ("tag", v) => {
                            let (name, value) = v.split_once('=').expect("ns.key=value");
                            let (ns, key) = name.split_once('.').expect("ns.key");
                            p.defined_tags.push(DefinedTag {
                                namespace: ns.into(),
                                key: key.into(),
                                value: value.into(),
                            });
                        }
                        (k, _) => panic!("unknown attribute {k}"),
                    }
                }
                cases.last_mut().unwrap().principals.push(p);
            }
            "group" => {
                let case = cases.last_mut().unwrap();
                let rule = rest.splitn(3, ' ').nth(2).unwrap_or("").trim();
                case.groups.push(DynamicGroup {
                    id: format!("ocid1.dynamicgroup.oc1..g{}", case.groups.len()),
                    name: fields[1].into(),
                    matching_rule: rule.into(),
                    tenancy_id: fields[0].into(),
                    ..DynamicGroup::default()
                });
            }
            "expect" => {
                let mut members: Vec<String> = fields[1..].iter().map(|m| m.to_string()).collect();
                members.sort();
                cases
                    .last_mut()
                    .unwrap()
                    .expect
                    .insert(fields[0].into(), members);
            }
            _ => {}
        }
    }
    cases
}

#[test]
fn every_case_round_trips_through_a_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../index/testdata/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the index's case corpus")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut checked = 0;
    for file in files {
        for case in parse(&std::fs::read_to_string(&file).unwrap()) {
            let what = format!("{}: {}", file.display(), case.title);
            let mut builder = IndexBuilder::new();
            builder.add_principals(&case.principals);
            for g in &case.groups {
                builder.add_group(g.clone()).expect(&what);
            }
            let index = builder.build();
            let memberships = index.evaluate();
            let bytes = dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default())
                .expect(&what);
            let s = Snapshot::from_bytes(&bytes).expect(&what);
            s.verify().expect(&what);
            for g in &case.groups {
                let id = s.group_id(&g.tenancy_id, &g.name).expect(&what);
                let mut members: Vec<String> = s
                    .member_ocids(id)
                    .unwrap()
                    .into_iter()
                    .map(String::from)
                    .collect();
                members.sort();
                assert_eq!(
                    Some(&members),
                    case.expect.get(&g.name),
                    "{what}: {}",
                    g.name
                );
                for m in &members {
                    let p = s.principal_id(m).expect(&what);
                    assert!(
                        s.groups_of(p).any(|x| x == id),
                        "{what}: {m} lists {}",
                        g.name
                    );
                }
                checked += 1;
            }
            let (again, stored) = s.to_index().expect(&what);
            assert_eq!(stored, memberships, "{what}");
            assert_eq!(again.evaluate(), memberships, "{what}");
        }
    }
    assert!(checked > 50, "the corpus was read ({checked} groups)");
}
