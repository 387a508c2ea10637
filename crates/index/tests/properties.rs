//! Property tests on random fleets and random rules:
//! - the bitmap evaluator, sequential and parallel, equals the reference evaluator,
//!   group by group, and principal → groups is the transpose of group → members;
//! - set laws: `X` and `X !=` partition X's domain, De Morgan, `ALL{x, y} ⊆ ANY{x, y}`.

mod common;

use common::{Fleet, PATHS, build, ocids, run};
use dyngroup_index::{
    DefinedTag, DynamicGroup, EvalOptions, GroupId, IdentityDomain, Index, Principal, PrincipalId,
};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

const KINDS: [&str; 5] = [
    "instance",
    "fnfunc",
    "apigateway",
    "instance",
    "autonomousdatabase",
];
const EXPLICIT_TYPES: [Option<&str>; 6] = [
    None,
    None,
    None,
    Some("Instance"),
    Some("FNFUNC"),
    Some("ApiGateway"),
];
const STATES: [Option<&str>; 6] = [
    None,
    None,
    Some("RUNNING"),
    Some("TERMINATED"),
    Some("terminating"),
    Some("STOPPED"),
];
const NAMESPACES: [&str; 4] = ["Ops", "ops", "OPS", "fin"];
const KEYS: [&str; 4] = ["Role", "role", "env", "Count"];
const VALUES: [&str; 5] = ["web", "db", "45", "true", "Web"];
const RULE_TYPES: [&str; 6] = [
    "instance",
    "Instance",
    "fnfunc",
    "ApiGateway",
    "nothing",
    "AUTONOMOUSDATABASE",
];

fn tenancy(t: usize) -> String {
    format!("ocid1.tenancy.oc1..t{t}")
}

fn compartment(t: usize, c: usize) -> String {
    format!("ocid1.compartment.oc1..t{t}c{c}")
}

fn principal() -> impl Strategy<Value = Principal> {
    (
        0..3usize,
        0..4usize,
        0..KINDS.len(),
        0..30u32,
        0..EXPLICIT_TYPES.len(),
        0..STATES.len(),
        prop::collection::vec((0..NAMESPACES.len(), 0..KEYS.len(), 0..VALUES.len()), 0..4),
    )
        .prop_map(|(t, c, kind, num, ty, state, tags)| Principal {
            id: format!("ocid1.{}.oc1..p{num}", KINDS[kind]),
            compartment_id: compartment(t, c),
            tenancy_id: tenancy(t),
            resource_type: EXPLICIT_TYPES[ty].map(String::from),
            defined_tags: tags
                .into_iter()
                .map(|(n, k, v)| DefinedTag {
                    namespace: NAMESPACES[n].into(),
                    key: KEYS[k].into(),
                    value: VALUES[v].into(),
                })
                .collect(),
            lifecycle_state: STATES[state].map(String::from),
        })
}

/// Randomly upper-cases the ASCII letters of a keyword or variable name.
fn cased(s: &str, mask: u32) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A value for a variable: mostly names from the fleets (any tenancy), some unknown.
fn id_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0..KINDS.len(), 0..30u32).prop_map(|(k, n)| format!("ocid1.{}.oc1..p{n}", KINDS[k])),
        1 => Just("ocid1.instance.oc1..unknown".to_owned()),
    ]
}

fn compartment_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0..4usize, 0..4usize).prop_map(|(t, c)| compartment(t, c)),
        1 => Just("ocid1.compartment.oc1..unknown".to_owned()),
    ]
}

/// A condition with a value: (variable text, value).
fn valued_condition() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        (any::<u32>(), id_value()).prop_map(|(m, v)| (cased("instance.id", m & 0x3), v)),
        (any::<u32>(), id_value()).prop_map(|(m, v)| (cased("resource.id", m & 0x3), v)),
        compartment_value().prop_map(|v| ("instance.compartment.id".to_owned(), v)),
        compartment_value().prop_map(|v| ("resource.compartment.id".to_owned(), v)),
        (0..RULE_TYPES.len()).prop_map(|t| ("resource.type".to_owned(), RULE_TYPES[t].to_owned())),
        (0..NAMESPACES.len(), 0..KEYS.len(), 0..VALUES.len()).prop_map(|(n, k, v)| (
            format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k]),
            VALUES[v].to_owned()
        )),
        Just(("tag.ops.missing.value".to_owned(), "web".to_owned())),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (valued_condition(), any::<bool>()).prop_map(|((var, value), ne)| {
            let op = if ne { "!=" } else { "=" };
            format!("{var} {op} '{value}'")
        }),
        1 => (0..NAMESPACES.len(), 0..KEYS.len()).prop_map(|(n, k)| format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k])),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    condition().prop_recursive(4, 24, 4, |inner| {
        (
            any::<bool>(),
            any::<u32>(),
            prop::collection::vec(inner, 1..4),
        )
            .prop_map(|(any, mask, items)| {
                let kw = cased(if any { "any" } else { "all" }, mask);
                format!("{kw} {{{}}}", items.join(", "))
            })
    })
}

fn group_rule() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => rule(),
        1 => rule().prop_map(|r| format!("{r}}}")), // does not parse: fails closed
    ]
}

/// (kind, compartments outside the scope): kind 0–5 classic, 6 a domain in the root
/// compartment, 7 a domain whose scope is not applied, 8–9 a domain whose scope keeps
/// out some compartments of the group's tenancy (4 = one no principal is in).
fn domain_choice() -> impl Strategy<Value = (u8, Vec<usize>)> {
    (0..10u8, prop::collection::vec(0..5usize, 0..4))
}

fn identity_domain(t: usize, (kind, scope): (u8, Vec<usize>)) -> Option<IdentityDomain> {
    let domain = |compartment: String, outside: Option<Vec<String>>| IdentityDomain {
        id: format!("ocid1.domain.oc1..d{kind}"),
        compartment_id: Some(compartment),
        outside: outside.map(Into::into),
    };
    let scoped = scope
        .iter()
        .map(|&c| match c {
            4 => "ocid1.compartment.oc1..unknown".to_owned(),
            c => compartment(t, c),
        })
        .collect();
    match kind {
        0..=5 => None,
        // The root's domain ranges over the whole tenancy, whatever scope it carries.
        6 => Some(domain(tenancy(t), Some(scoped))),
        7 => Some(domain(compartment(t, 0), None)),
        _ => Some(domain(compartment(t, 0), Some(scoped))),
    }
}

fn fleet() -> impl Strategy<Value = Fleet> {
    (
        prop::collection::vec(principal(), 0..150),
        prop::collection::vec((0..4usize, group_rule(), domain_choice()), 1..9),
    )
        .prop_map(|(principals, groups)| Fleet {
            principals,
            groups: groups
                .into_iter()
                .enumerate()
                .map(|(i, (t, rule, domain))| DynamicGroup {
                    domain: identity_domain(t, domain),
                    id: format!("ocid1.dynamicgroup.oc1..g{i}"),
                    name: format!("g{i}"),
                    description: String::new(),
                    matching_rule: rule,
                    tenancy_id: tenancy(t),
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn bitmap_paths_equal_the_reference(fleet in fleet()) {
        let index = build(&fleet);
        let expected = run(PATHS[0], &fleet, &index);
        for path in &PATHS[1..] {
            // `run` also checks principal → groups against the transpose.
            prop_assert_eq!(&run(*path, &fleet, &index), &expected, "path {:?}", path);
        }
        // Explain's verdict agrees, for every principal and group.
        let m = index.evaluate_with(&EvalOptions::sequential());
        for g in index.group_ids() {
            for p in 0..index.principal_count() as u32 {
                let p = PrincipalId::from_raw(p);
                prop_assert_eq!(index.explain(p, g).member, m.members(g).contains(p.raw()));
            }
        }
    }
}

/// The OCIDs of the principals that count (not terminated, last record of their id)
/// in tenancy `t`, and those of them that are instances; computed from the fleet.
fn domains(fleet: &Fleet, t: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut last: HashMap<&str, &Principal> = HashMap::new();
    for p in &fleet.principals {
        last.insert(&p.id, p);
    }
    let live: Vec<&Principal> = last
        .values()
        .copied()
        .filter(|p| p.is_indexed() && p.tenancy_id == t)
        .collect();
    let all = live.iter().map(|p| p.id.clone()).collect();
    let instances = live
        .iter()
        .filter(|p| p.is_instance())
        .map(|p| p.id.clone())
        .collect();
    (all, instances)
}

fn set(members: &[String]) -> BTreeSet<String> {
    members.iter().cloned().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn set_laws(
        fleet in fleet(),
        t in 0..3usize,
        (a, x) in valued_condition(),
        (b, y) in valued_condition(),
        r1 in rule(),
        r2 in rule(),
    ) {
        let tenancy = tenancy(t);
        let rules = [
            format!("{a} = '{x}'"),                     // 0: A
            format!("{a} != '{x}'"),                    // 1: not A
            format!("{b} = '{y}'"),                     // 2: B
            format!("{b} != '{y}'"),                    // 3: not B
            format!("ALL {{{a} != '{x}', {b} != '{y}'}}"), // 4
            format!("ANY {{{a} = '{x}', {b} = '{y}'}}"),   // 5
            format!("ANY {{{a} != '{x}', {b} != '{y}'}}"), // 6
            format!("ALL {{{a} = '{x}', {b} = '{y}'}}"),   // 7
            format!("ALL {{{r1}, {r2}}}"),               // 8
            format!("ANY {{{r1}, {r2}}}"),               // 9
            r1.clone(),                                  // 10
        ];
        let mut fleet = fleet;
        fleet.groups = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| DynamicGroup {
                name: format!("law{i}"),
                matching_rule: rule.clone(),
                tenancy_id: tenancy.clone(),
                ..DynamicGroup::default()
            })
            .collect();
        let index: Index = build(&fleet);
        let m = index.evaluate();
        let got: Vec<BTreeSet<String>> = ocids(&index, &m).iter().map(|v| set(v)).collect();
        prop_assert_eq!(
            &got,
            &run(PATHS[0], &fleet, &index).iter().map(|v| set(v)).collect::<Vec<_>>()
        );

        let (all, instances) = domains(&fleet, &tenancy);
        let domain = |var: &str| if var.to_ascii_lowercase().starts_with("instance.") { &instances } else { &all };
        let (da, db) = (domain(&a), domain(&b));

        // X and X != partition X's domain.
        for (eq, ne, d) in [(0, 1, da), (2, 3, db)] {
            prop_assert!(got[eq].is_disjoint(&got[ne]));
            prop_assert_eq!(&got[eq].union(&got[ne]).cloned().collect::<BTreeSet<_>>(), d);
        }
        // De Morgan: ALL{a != x, b != y} = (Da ∩ Db) − ANY{a = x, b = y}.
        let both: BTreeSet<String> = da.intersection(db).cloned().collect();
        prop_assert_eq!(&got[4], &both.difference(&got[5]).cloned().collect());
        // ANY{a != x, b != y} = (Da − A) ∪ (Db − B), and when the domains agree,
        // D − ALL{a = x, b = y}.
        let expected_any: BTreeSet<String> =
            da.difference(&got[0]).chain(db.difference(&got[2])).cloned().collect();
        prop_assert_eq!(&got[6], &expected_any);
        if da == db {
            prop_assert_eq!(&got[6], &da.difference(&got[7]).cloned().collect());
        }
        // ALL{x, y} ⊆ x ⊆ ANY{x, y}, whether or not the rules parse (invalid: empty).
        prop_assert!(got[8].is_subset(&got[9]));
        prop_assert!(got[8].is_subset(&got[10]));
        prop_assert!(got[10].is_subset(&got[9]) || index.group_rule(GroupId::from_raw(9)).is_err());
    }
}
