//! The bitmap evaluator equals the reference evaluator on random compartment trees,
//! fleets, groups, policies and questions, for `who-can` and for every principal's
//! `decide`.

use dyngroup_index::{DefinedTag, DynamicGroup, IdentityDomain, IndexBuilder, Principal};
use dyngroup_policy::{
    Compartment, CompartmentTree, Decision, Evaluator, Policy, PolicySet, PolicyStatement,
    Reference, Request, ResourceTable, Verb,
};
use proptest::prelude::*;

/// A small deterministic generator (splitmix64), so a failing seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const NAMES: [&str; 4] = ["A", "B", "C", "Prod"];
const RESOURCES: [&str; 9] = [
    "buckets",
    "objects",
    "object-family",
    "instances",
    "instance-family",
    "all-resources",
    "volume-family",
    "volumes",
    "volume-attachments",
];

struct World {
    compartments: Vec<Compartment>,
    principals: Vec<Principal>,
    groups: Vec<DynamicGroup>,
    policies: Vec<Policy>,
}

fn world(seed: u64) -> World {
    let mut rng = Rng(seed);
    let tenancies = ["ocid1.tenancy.oc1..t0", "ocid1.tenancy.oc1..t1"];
    let mut compartments = Vec::new();
    // Per tenancy: its compartments' OCIDs and the path of names to each.
    let mut nodes: Vec<Vec<(String, Vec<String>)>> = Vec::new();
    for (t, tenancy) in tenancies.iter().enumerate() {
        compartments.push(Compartment {
            id: (*tenancy).into(),
            name: format!("root{t}"),
            parent_id: None,
        });
        let mut mine = vec![((*tenancy).to_owned(), Vec::new())];
        for c in 0..rng.below(9) {
            let (parent, parent_path) = rng.pick(&mine).clone();
            let name = (*rng.pick(&NAMES)).to_owned();
            let id = format!("ocid1.compartment.oc1..t{t}c{c}");
            let mut path = parent_path.clone();
            path.push(name.clone());
            compartments.push(Compartment {
                id: id.clone(),
                name,
                parent_id: Some(parent),
            });
            mine.push((id, path));
        }
        nodes.push(mine);
    }
    let mut principals = Vec::new();
    for i in 0..rng.below(40) {
        let t = rng.below(2);
        let (compartment, _) = rng.pick(&nodes[t]).clone();
        let kind = *rng.pick(&["instance", "fnfunc"]);
        let mut p = Principal {
            id: format!("ocid1.{kind}.oc1..p{i}"),
            compartment_id: compartment,
            tenancy_id: tenancies[t].into(),
            ..Principal::default()
        };
        if rng.chance(50) {
            p.defined_tags.push(DefinedTag {
                namespace: "ops".into(),
                key: "role".into(),
                value: (*rng.pick(&["a", "b"])).into(),
            });
        }
        if rng.chance(5) {
            p.lifecycle_state = Some("TERMINATED".into());
        }
        principals.push(p);
    }
    let mut groups = Vec::new();
    for (t, tenancy) in tenancies.iter().enumerate() {
        for g in 0..rng.below(5) {
            let (c, _) = rng.pick(&nodes[t]).clone();
            let rule = match rng.below(6) {
                0 => format!("resource.compartment.id = '{c}'"),
                1 => "resource.type = 'fnfunc'".to_owned(),
                2 => "tag.ops.role.value = 'a'".to_owned(),
                3 => format!("ANY {{instance.compartment.id = '{c}', tag.ops.role.value = 'b'}}"),
                4 => "ALL {tag.ops.role.value, resource.type != 'instance'}".to_owned(),
                _ => "ALL {this does not parse".to_owned(),
            };
            // A third of the groups belong to an identity domain living in one of the
            // tenancy's compartments (or in one the tree lacks); the tree scopes them.
            let domain = rng.chance(33).then(|| {
                let home = if rng.chance(10) {
                    "ocid1.compartment.oc1..gone".to_owned()
                } else {
                    rng.pick(&nodes[t]).0.clone()
                };
                IdentityDomain {
                    id: format!("ocid1.domain.oc1..t{t}d{}", rng.below(2)),
                    compartment_id: Some(home),
                    outside: None,
                }
            });
            groups.push(DynamicGroup {
                id: format!("ocid1.dynamicgroup.oc1..t{t}g{g}"),
                name: format!("g{g}"),
                matching_rule: rule,
                tenancy_id: (*tenancy).into(),
                domain,
                ..DynamicGroup::default()
            });
        }
    }
    let mut policies = Vec::new();
    for p in 0..rng.below(7) {
        let t = rng.below(2);
        // Half the policies at the root (where `tenancy` is allowed), half anywhere.
        let (attached, attached_path) = if rng.chance(50) {
            nodes[t][0].clone()
        } else {
            rng.pick(&nodes[t]).clone()
        };
        let mut statements = Vec::new();
        for _ in 0..1 + rng.below(5) {
            let effect = if rng.chance(25) { "Deny" } else { "Allow" };
            let subject = match rng.below(6) {
                0 => "any-user".to_owned(),
                1 => "any-group".to_owned(),
                2 => format!("dynamic-group g{}", rng.below(5)),
                3 => format!(
                    "dynamic-group id ocid1.dynamicgroup.oc1..t{}g{}",
                    rng.below(2),
                    rng.below(5)
                ),
                4 => format!("dynamic-group g{}, G{}", rng.below(5), rng.below(5)),
                _ => "group admins".to_owned(),
            };
            let action = if rng.chance(10) {
                "{INSTANCE_DELETE}".to_owned()
            } else {
                rng.pick(&Verb::ALL).as_str().to_owned()
            };
            let resource = rng.pick(&RESOURCES);
            let location = match rng.below(4) {
                0 => "tenancy".to_owned(),
                1 => {
                    // A path below the attachment, when there is one; else a random name.
                    let below: Vec<&(String, Vec<String>)> = nodes[t]
                        .iter()
                        .filter(|(_, path)| {
                            path.len() > attached_path.len() && path.starts_with(&attached_path)
                        })
                        .collect();
                    match below.is_empty() {
                        true => format!("compartment {}", rng.pick(&NAMES)),
                        false => format!(
                            "compartment {}",
                            rng.pick(&below).1[attached_path.len()..].join(":")
                        ),
                    }
                }
                2 => {
                    let other = rng.below(2);
                    format!("compartment id {}", rng.pick(&nodes[other]).0)
                }
                _ => format!("compartment {}", rng.pick(&NAMES)),
            };
            let condition = match rng.below(7) {
                0 => " where request.principal.type = 'instance'",
                1 => " where request.operation = 'GetObject'",
                2 => " where target.compartment.name = 'A'",
                3 => " where any {request.principal.type = 'fnfunc', request.region = 'phx'}",
                4 => {
                    " where all {target.compartment.name != /pr*/, request.principal.compartment.id != 'x'}"
                }
                _ => "",
            };
            statements.push(PolicyStatement {
                text: format!("{effect} {subject} to {action} {resource} in {location}{condition}"),
                origin: None,
            });
        }
        policies.push(Policy {
            id: format!("ocid1.policy.oc1..p{p}"),
            name: format!("p{p}"),
            compartment_id: attached,
            statements,
        });
    }
    World {
        compartments,
        principals,
        groups,
        policies,
    }
}

fn check(seed: u64) -> Result<(), TestCaseError> {
    let mut w = world(seed);
    let tree = CompartmentTree::new(&w.compartments);
    tree.apply_domain_scopes(&mut w.groups);
    let mut builder = IndexBuilder::new();
    builder.add_principals(&w.principals);
    for g in &w.groups {
        builder.add_group(g.clone()).expect("unique names");
    }
    let index = builder.build();
    let memberships = index.evaluate();
    let set = PolicySet::compile(w.policies.clone(), &tree);
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    let reference = Reference::new(&w.principals, &w.groups, &tree, &set);
    let effective = evaluator.effective_grants();
    for (i, p) in w.principals.iter().enumerate() {
        let fast = index
            .principal_id(&p.id)
            .map_or_else(Vec::new, |id| effective[id.raw() as usize].clone());
        prop_assert_eq!(
            fast,
            reference.effective_grants(i),
            "effective grants of {}",
            p.id
        );
    }
    let mut rng = Rng(seed ^ 0xabcdef);
    for _ in 0..12 {
        let c = &w.compartments[rng.below(w.compartments.len())];
        let request = Request {
            verb: *rng.pick(&Verb::ALL),
            resource: ResourceTable::builtin()
                .resolve(RESOURCES[rng.below(RESOURCES.len())])
                .set,
            compartment: tree
                .get(&c.id)
                .expect("every generated compartment is in the tree"),
        };
        let (allowed, conditional) = evaluator.who_can_sets(&request);
        let listed = evaluator.who_can(&request);
        prop_assert_eq!(allowed.len() + conditional.len(), listed.len() as u64);
        for w in &listed {
            let set = if w.decision == Decision::Allowed {
                &allowed
            } else {
                &conditional
            };
            prop_assert!(set.contains(w.principal.raw()));
        }
        let mut fast: Vec<(String, Decision)> = listed
            .into_iter()
            .map(|w| (index.principal_ocid(w.principal).to_owned(), w.decision))
            .collect();
        let mut slow: Vec<(String, Decision)> = reference
            .who_can(&request)
            .into_iter()
            .map(|(p, d)| (w.principals[p].id.clone(), d))
            .collect();
        fast.sort();
        slow.sort();
        prop_assert_eq!(&fast, &slow, "who-can {:?}", request);
        for (i, p) in w.principals.iter().enumerate() {
            let decided = index.principal_id(&p.id).map_or(Decision::Denied, |id| {
                evaluator.decide(id, &request).decision
            });
            prop_assert_eq!(decided, reference.decide(i, &request), "decide {}", p.id);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn bitmap_equals_reference(seed in any::<u64>()) {
        check(seed)?;
    }
}

#[test]
fn the_generator_makes_interesting_worlds() {
    // Guard against a generator that silently stops producing grants or answers.
    let (mut grants, mut answers) = (0, 0);
    for seed in 0..50 {
        let w = world(seed);
        let tree = CompartmentTree::new(&w.compartments);
        let set = PolicySet::compile(w.policies.clone(), &tree);
        grants += set.grants().len();
        let reference = Reference::new(&w.principals, &w.groups, &tree, &set);
        for c in &w.compartments {
            answers += reference
                .who_can(&Request {
                    verb: Verb::Inspect,
                    resource: ResourceTable::builtin().resolve("buckets").set,
                    compartment: tree.get(&c.id).unwrap(),
                })
                .len();
        }
    }
    assert!(grants > 100, "{grants} grants");
    assert!(answers > 200, "{answers} answers");
}
