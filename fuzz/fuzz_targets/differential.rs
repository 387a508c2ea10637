//! The fast path against the oracle: on a fuzzed fleet and fuzzed rules, the bitmap
//! evaluator (`IndexBuilder` + `Index::evaluate_with`: sequential, parallel, and
//! parallel with every tenancy split) gives every group exactly the members the
//! reference evaluator (`dyngroup_index::reference`, which walks the syntax tree)
//! gives it, and principal → groups is the transpose of group → members. Any
//! difference is a crash.
//!
//! The input is decoded with `arbitrary` into a small fleet and a few rules drawn from
//! one small vocabulary (three tenancies, a few compartments, OCIDs, resource types, tag
//! names in several cases and values), so that rules actually match: duplicate OCIDs,
//! terminated principals, explicit and derived resource types, tags given twice,
//! `!=` on missing tags, legacy bare lists and unquoted values, and rules that do not
//! parse (fail closed) all occur.
#![no_main]

use dyngroup_index::{
    DefinedTag, DynamicGroup, EvalOptions, GroupId, IdentityDomain, IndexBuilder, Principal,
    PrincipalId, reference,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const MAX_PRINCIPALS: usize = 48;
const MAX_GROUPS: usize = 8;
const MAX_TAGS: usize = 4;
const MAX_TOKENS: usize = 24;
const MAX_DEPTH: usize = 5;

/// The second segment of a principal's OCID ("" for an OCID without one).
const KINDS: [&str; 8] = [
    "instance",
    "instance",
    "fnfunc",
    "apigateway",
    "Instance",
    "autonomousdatabase",
    "datasciencenotebooksession",
    "",
];
const EXPLICIT_TYPES: [Option<&str>; 8] = [
    None,
    None,
    None,
    None,
    Some("Instance"),
    Some("FNFUNC"),
    Some("apigateway"),
    Some("instance"),
];
const STATES: [Option<&str>; 8] = [
    None,
    None,
    Some("RUNNING"),
    Some("TERMINATED"),
    Some("terminating"),
    Some("STOPPED"),
    Some("DELETED"),
    Some("Deleting"),
];
const NAMESPACES: [&str; 6] = ["Ops", "ops", "OPS", "fin", "Oracle-Tags", "été"];
const KEYS: [&str; 5] = ["Role", "role", "env", "Count", "CreatedBy"];
const VALUES: [&str; 8] = ["web", "db", "45", "true", "Web", "", "a b", "été"];
const RULE_TYPES: [&str; 8] = [
    "instance",
    "Instance",
    "fnfunc",
    "ApiGateway",
    "nothing",
    "AUTONOMOUSDATABASE",
    "datasciencenotebooksession",
    "",
];

#[derive(Arbitrary, Debug)]
struct Input {
    principals: Vec<FuzzPrincipal>,
    groups: Vec<FuzzGroup>,
}

#[derive(Arbitrary, Debug)]
struct FuzzPrincipal {
    tenancy: u8,
    compartment: u8,
    kind: u8,
    number: u8,
    explicit_type: u8,
    state: u8,
    tags: Vec<(u8, u8, u8)>,
}

#[derive(Arbitrary, Debug)]
struct FuzzGroup {
    tenancy: u8,
    /// Its identity domain: `% 4` 0–1 none, 2 one whose scope is not applied, 3 one
    /// whose scope keeps out the compartments of the tenancy that `scope`'s bits pick.
    domain: u8,
    scope: u8,
    /// How the top level is written: a bare condition or list, or wrapped in ANY/ALL.
    top: u8,
    tokens: Vec<Token>,
}

#[derive(Arbitrary, Debug)]
enum Token {
    Open { any: bool, case: u8 },
    Close,
    Condition(Condition),
}

#[derive(Arbitrary, Debug)]
struct Condition {
    variable: u8,
    not_equal: bool,
    value: u8,
    other: u8,
    case: u8,
    unquoted: bool,
}

fn tenancy(t: u8) -> String {
    format!("ocid1.tenancy.oc1..t{t}")
}

fn compartment(t: u8, c: u8) -> String {
    format!("ocid1.compartment.oc1..t{t}c{c}")
}

fn ocid(kind: u8, number: u8) -> String {
    match KINDS[kind as usize % KINDS.len()] {
        "" => format!("p{}", number % 16),
        kind => format!("ocid1.{kind}.oc1..p{}", number % 16),
    }
}

fn pick<T: Copy>(list: &[T], i: u8) -> T {
    list[i as usize % list.len()]
}

fn domain(g: &FuzzGroup) -> Option<IdentityDomain> {
    let t = g.tenancy % 4;
    let outside: Vec<String> = (0..4u8)
        .filter(|c| g.scope & (1 << c) != 0)
        .map(|c| compartment(t, c))
        .collect();
    match g.domain % 4 {
        2 => Some(IdentityDomain {
            id: "ocid1.domain.oc1..d".into(),
            compartment_id: Some(compartment(t, 0)),
            outside: None,
        }),
        3 => Some(IdentityDomain {
            id: "ocid1.domain.oc1..d".into(),
            compartment_id: Some(compartment(t, 0)),
            outside: Some(outside.into()),
        }),
        _ => None,
    }
}

fn principal(p: &FuzzPrincipal) -> Principal {
    Principal {
        id: ocid(p.kind, p.number),
        compartment_id: compartment(p.tenancy % 3, p.compartment % 3),
        tenancy_id: tenancy(p.tenancy % 3),
        resource_type: pick(&EXPLICIT_TYPES, p.explicit_type).map(String::from),
        defined_tags: p
            .tags
            .iter()
            .take(MAX_TAGS)
            .map(|&(n, k, v)| DefinedTag {
                namespace: pick(&NAMESPACES, n).into(),
                key: pick(&KEYS, k).into(),
                value: pick(&VALUES, v).into(),
            })
            .collect(),
        lifecycle_state: pick(&STATES, p.state).map(String::from),
    }
}

/// Upper-cases the ASCII letters of `s` where `mask` has a bit set.
fn cased(s: &str, mask: u8) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 8) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn condition(c: &Condition) -> String {
    let (variable, value) = match c.variable % 8 {
        0 => ("instance.id".to_owned(), ocid(c.value, c.other)),
        1 => ("resource.id".to_owned(), ocid(c.value, c.other)),
        2 => (
            "instance.compartment.id".to_owned(),
            compartment(c.value % 4, c.other % 4),
        ),
        3 => (
            "resource.compartment.id".to_owned(),
            compartment(c.value % 4, c.other % 4),
        ),
        4 => (
            "resource.type".to_owned(),
            pick(&RULE_TYPES, c.value).into(),
        ),
        5 => {
            // Tag existence: no operator, no value.
            let tag = format!(
                "tag.{}.{}.value",
                pick(&NAMESPACES, c.value),
                pick(&KEYS, c.other)
            );
            return cased(&tag, c.case & 0x0f);
        }
        _ => (
            format!(
                "tag.{}.{}.value",
                pick(&NAMESPACES, c.other),
                pick(&KEYS, c.other / 8)
            ),
            pick(&VALUES, c.value).into(),
        ),
    };
    let variable = cased(&variable, c.case);
    let op = if c.not_equal { "!=" } else { "=" };
    let simple = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if c.unquoted && simple {
        format!("{variable} {op} {value}")
    } else {
        format!("{variable} {op} '{value}'")
    }
}

/// The rule text of a group: the tokens opened and closed as written, every group
/// still open at the end closed, nesting at most `MAX_DEPTH`.
fn rule(g: &FuzzGroup) -> String {
    let mut stack: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for token in g.tokens.iter().take(MAX_TOKENS) {
        match token {
            Token::Open { any, case } if stack.len() <= MAX_DEPTH => {
                stack.push((cased(if *any { "any" } else { "all" }, *case), Vec::new()));
            }
            Token::Open { .. } => {}
            Token::Close if stack.len() > 1 => close(&mut stack),
            Token::Close => {}
            Token::Condition(c) => stack.last_mut().unwrap().1.push(condition(c)),
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    let items = stack.pop().unwrap().1.join(", ");
    match g.top % 4 {
        0 => format!("ALL {{{items}}}"),
        1 => format!("any {{ {items} }}"),
        _ => items, // a bare condition, or a legacy bare list
    }
}

fn close(stack: &mut Vec<(String, Vec<String>)>) {
    let (keyword, items) = stack.pop().unwrap();
    let text = format!("{keyword} {{{}}}", items.join(", "));
    stack.last_mut().unwrap().1.push(text);
}

fuzz_target!(|input: Input| {
    let principals: Vec<Principal> = input
        .principals
        .iter()
        .take(MAX_PRINCIPALS)
        .map(principal)
        .collect();
    let groups: Vec<DynamicGroup> = input
        .groups
        .iter()
        .take(MAX_GROUPS)
        .enumerate()
        .map(|(i, g)| DynamicGroup {
            id: format!("ocid1.dynamicgroup.oc1..g{i}"),
            name: format!("g{i}"),
            description: String::new(),
            matching_rule: rule(g),
            tenancy_id: tenancy(g.tenancy % 4),
            domain: domain(g),
            ..DynamicGroup::default()
        })
        .collect();

    let oracle = reference::evaluate(&principals, &groups);
    assert_eq!(reference::evaluate_parallel(&principals, &groups), oracle);
    let expected: Vec<Vec<&str>> = (0..groups.len())
        .map(|g| oracle.member_ids(&principals, g))
        .collect();

    let mut builder = IndexBuilder::new();
    builder.add_principals(&principals);
    for (i, g) in groups.iter().enumerate() {
        let id = builder.add_group(g.clone()).expect("valid, unique names");
        assert_eq!(id, GroupId::from_raw(i as u32));
    }
    let index = builder.build();
    if std::env::var_os("DYNGROUP_FUZZ_STATS").is_some() {
        // What an input exercises, to check on a replayed corpus that rules parse and
        // groups have members (benches/RESULTS.md, "Fuzzing", has the command).
        let parsed = groups
            .iter()
            .filter(|g| dyngroup_rules::parse(&g.matching_rule).is_ok())
            .count();
        let nonempty = expected.iter().filter(|m| !m.is_empty()).count();
        let members: usize = expected.iter().map(Vec::len).sum();
        eprintln!(
            "stats principals={} indexed={} groups={} parsed={parsed} nonempty={nonempty} members={members}",
            principals.len(),
            index.principal_count(),
            groups.len(),
        );
    }
    let paths = [
        EvalOptions::sequential(),
        EvalOptions::parallel(),
        EvalOptions {
            parallel: true,
            split_tenancy_at: 0,
        },
    ];
    for options in &paths {
        let memberships = index.evaluate_with(options);
        for (i, g) in groups.iter().enumerate() {
            let id = GroupId::from_raw(i as u32);
            let mut got: Vec<&str> = memberships.member_ocids(&index, id).collect();
            got.sort_unstable();
            assert_eq!(
                got, expected[i],
                "group {} with rule {:?} ({options:?}): bitmap evaluator (left) != reference (right)",
                g.name, g.matching_rule
            );
        }
        for p in 0..index.principal_count() as u32 {
            let p = PrincipalId::from_raw(p);
            let transposed: Vec<GroupId> = index
                .group_ids()
                .filter(|&g| memberships.members(g).contains(p.raw()))
                .collect();
            assert_eq!(memberships.groups_of(p), &transposed[..], "groups of {p:?}");
        }
    }
});
