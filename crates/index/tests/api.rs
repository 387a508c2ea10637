//! The public API: building, ordinals, lookups, group names, explain output.

use dyngroup_index::{
    DefinedTag, DynamicGroup, ExplainKind, GroupError, GroupId, Index, IndexBuilder, Limits,
    Principal, PrincipalId,
};

const T1: &str = "ocid1.tenancy.oc1..t1";
const T2: &str = "ocid1.tenancy.oc1..t2";

fn principal(id: &str, compartment: &str, tenancy: &str) -> Principal {
    Principal {
        id: id.into(),
        compartment_id: compartment.into(),
        tenancy_id: tenancy.into(),
        ..Principal::default()
    }
}

fn group(tenancy: &str, name: &str, rule: &str) -> DynamicGroup {
    DynamicGroup {
        domain: None,
        id: format!("ocid1.dynamicgroup.oc1..{name}"),
        name: name.into(),
        description: String::new(),
        matching_rule: rule.into(),
        tenancy_id: tenancy.into(),
    }
}

#[test]
fn ordinals_are_clustered_by_tenancy_then_compartment() {
    let mut b = IndexBuilder::new();
    // Interleaved on input.
    for i in 0..60 {
        let t = [T1, T2][i % 2];
        let c = format!("ocid1.compartment.oc1..{}c{}", &t[t.len() - 2..], i % 3);
        b.add_principal(&principal(&format!("ocid1.instance.oc1..p{i}"), &c, t));
    }
    let index = b.build();
    assert_eq!(index.principal_count(), 60);
    let runs: Vec<(&str, &str)> = (0..60)
        .map(|p| {
            let r = index.principal(PrincipalId::from_raw(p));
            (r.tenancy_id, r.compartment_id)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, pair) in runs.iter().enumerate() {
        if i == 0 || runs[i - 1] != *pair {
            assert!(seen.insert(*pair), "{pair:?} is not contiguous");
        }
    }
    assert_eq!(seen.len(), 6);
    for t in [T1, T2] {
        let t = index.tenancy_id(t).unwrap();
        let universe = index.tenancy_principals(t);
        assert_eq!(universe.len(), 30);
        assert_eq!(
            universe.max().unwrap() - universe.min().unwrap(),
            29,
            "a contiguous range"
        );
    }
}

#[test]
fn group_names_are_validated_and_unique_per_tenancy_case_insensitively() {
    let mut b = IndexBuilder::new();
    let web = b
        .add_group(group(T1, "Web-Servers", "resource.type = 'instance'"))
        .unwrap();
    assert_eq!(
        b.add_group(group(T1, "web-servers", "resource.type = 'fnfunc'")),
        Err(GroupError::DuplicateName {
            name: "web-servers".into(),
            tenancy_id: T1.into()
        })
    );
    let other = b
        .add_group(group(T2, "WEB-SERVERS", "resource.type = 'instance'"))
        .unwrap();
    assert!(matches!(
        b.add_group(group(T1, "has space", "x")),
        Err(GroupError::InvalidName { .. })
    ));
    assert!(matches!(
        b.add_group(group(T1, "", "x")),
        Err(GroupError::InvalidName { .. })
    ));
    let index = b.build();
    assert_eq!(index.group_count(), 2);
    assert_eq!(index.group_id(T1, "WEB-servers"), Some(web));
    assert_eq!(index.group_id(T2, "web-servers"), Some(other));
    assert_eq!(
        index.group_id("ocid1.tenancy.oc1..none", "web-servers"),
        None
    );
    assert_eq!(index.group_id(T1, "nope"), None);
    assert_eq!(index.tenancy_count(), 2);
    assert_eq!(index.principal_count(), 0);
    let m = index.evaluate();
    assert!(m.members(web).is_empty());
    assert_eq!(
        m.members_of_named(&index, T2, "Web-Servers")
            .map(|b| b.len()),
        Some(0)
    );
}

#[test]
fn each_string_is_stored_once() {
    let mut b = IndexBuilder::new();
    for i in 0..100 {
        let mut p = principal(
            &format!("ocid1.instance.oc1..p{i}"),
            "ocid1.compartment.oc1..c",
            T1,
        );
        p.defined_tags.push(DefinedTag {
            namespace: if i % 2 == 0 { "Ops" } else { "OPS" }.into(),
            key: "Role".into(),
            value: "web".into(),
        });
        b.add_principal(&p);
    }
    let stats = b.build().stats();
    // 100 ids + compartment + tenancy + "instance" + "ops" + "role" + "web".
    assert_eq!(stats.strings, 106);
    assert_eq!(stats.principals, 100);
    // compartment, type, tag key, tag key=value.
    assert_eq!(stats.terms, 4);
}

#[test]
fn lookups_by_ocid_and_point_queries() {
    let mut b = IndexBuilder::new();
    b.add_principal(&principal(
        "ocid1.instance.oc1..a",
        "ocid1.compartment.oc1..c1",
        T1,
    ));
    b.add_principal(&principal(
        "ocid1.fnfunc.oc1..f",
        "ocid1.compartment.oc1..c1",
        T1,
    ));
    let mut gone = principal("ocid1.instance.oc1..z", "ocid1.compartment.oc1..c1", T1);
    gone.lifecycle_state = Some("TERMINATED".into());
    b.add_principal(&gone);
    let g0 = b
        .add_group(group(
            T1,
            "all",
            "resource.compartment.id = 'ocid1.compartment.oc1..c1'",
        ))
        .unwrap();
    let g1 = b
        .add_group(group(
            T1,
            "inst",
            "instance.compartment.id = 'ocid1.compartment.oc1..c1'",
        ))
        .unwrap();
    let index = b.build();
    let m = index.evaluate();
    assert_eq!(
        m.groups_of_ocid(&index, "ocid1.instance.oc1..a"),
        Some(&[g0, g1][..])
    );
    assert_eq!(
        m.groups_of_ocid(&index, "ocid1.fnfunc.oc1..f"),
        Some(&[g0][..])
    );
    assert_eq!(m.groups_of_ocid(&index, "ocid1.instance.oc1..z"), None);
    assert_eq!(index.principal_id("ocid1.instance.oc1..z"), None);
    let a = index.principal_id("ocid1.instance.oc1..a").unwrap();
    assert!(index.is_instance(a));
    assert_eq!(index.principal(a).resource_type, "instance");
    assert_eq!(index.principal_ocid(a), "ocid1.instance.oc1..a");
    assert!(index.limits_report(&m, &Limits::default()).is_clean());
}

#[test]
fn explain_renders_the_tree_with_truth_values() {
    let mut b = IndexBuilder::new();
    let mut p = principal("ocid1.instance.oc1..a", "ocid1.compartment.oc1..c1", T1);
    p.defined_tags.push(DefinedTag {
        namespace: "Ops".into(),
        key: "Role".into(),
        value: "web".into(),
    });
    b.add_principal(&p);
    b.add_principal(&principal(
        "ocid1.instance.oc1..b",
        "ocid1.compartment.oc1..c1",
        T2,
    ));
    let g = b
        .add_group(group(
            T1,
            "web",
            "ALL {instance.compartment.id = 'ocid1.compartment.oc1..c1', ANY {tag.Ops.Role.value = 'db', tag.ops.role.value != 'x'}}",
        ))
        .unwrap();
    let bad = b.add_group(group(T1, "bad", "ANY {}")).unwrap();
    let index: Index = b.build();

    let why = index.explain_ocid("ocid1.instance.oc1..a", g).unwrap();
    assert!(why.member && why.same_tenancy);
    let tree = why.tree.as_ref().unwrap();
    assert_eq!(tree.kind, ExplainKind::All);
    assert_eq!(
        tree.children[1].children[0].text,
        "tag.Ops.Role.value = 'db'"
    );
    assert!(!tree.children[1].children[0].holds);
    assert_eq!(
        &why.rule[tree.children[0].start..tree.children[0].end],
        "instance.compartment.id = 'ocid1.compartment.oc1..c1'"
    );
    assert_eq!(
        why.to_string(),
        "principal ocid1.instance.oc1..a (tenancy ocid1.tenancy.oc1..t1)\n\
         group web (tenancy ocid1.tenancy.oc1..t1): member\n\
         \x20 true   ALL {\n\
         \x20 true     instance.compartment.id = 'ocid1.compartment.oc1..c1'\n\
         \x20 true     ANY {\n\
         \x20 false      tag.Ops.Role.value = 'db'\n\
         \x20 true       tag.ops.role.value != 'x'\n\
         \x20          }\n\
         \x20        }\n"
    );

    // Same compartment OCID, other tenancy: conditions may hold, the verdict does not.
    let other = index.explain_ocid("ocid1.instance.oc1..b", g).unwrap();
    assert!(!other.member && !other.same_tenancy);
    assert!(other.tree.as_ref().unwrap().holds);
    assert!(other.to_string().contains("not in the group's tenancy"));

    let invalid = index.explain_ocid("ocid1.instance.oc1..a", bad).unwrap();
    assert!(!invalid.member && invalid.tree.is_none());
    assert!(invalid.to_string().contains("the rule does not parse"));
    assert!(index.explain_ocid("ocid1.instance.oc1..nope", g).is_err());
    assert_eq!(index.group_ast(bad), None);
    assert!(index.group_rule(bad).is_err());
    assert_eq!(
        index.group_tenancy(GroupId::from_raw(0)),
        index.tenancy_id(T1).unwrap()
    );
}
