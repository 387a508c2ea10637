//! The predicate text of every rule form.

use super::*;

fn pred(rule: &str) -> String {
    rule_predicate(rule).unwrap_or_else(|| panic!("{rule} parses"))
}

const TV: &str = "list_contains(p.tag_values, ";
const TK: &str = "list_contains(p.tag_keys, ";

#[test]
fn instance_variables_only_hold_for_instances() {
    assert_eq!(
        pred("instance.id = 'ocid1.instance.oc1..a'"),
        "(p.is_instance AND p.id = 'ocid1.instance.oc1..a')"
    );
    assert_eq!(
        pred("instance.id != 'ocid1.instance.oc1..a'"),
        "(p.is_instance AND p.id <> 'ocid1.instance.oc1..a')"
    );
    assert_eq!(
        pred("instance.compartment.id = 'c1'"),
        "(p.is_instance AND p.compartment = 'c1')"
    );
    assert_eq!(
        pred("Instance.Compartment.Id != \"c1\""),
        "(p.is_instance AND p.compartment <> 'c1')"
    );
}

#[test]
fn resource_variables_range_over_every_principal() {
    assert_eq!(pred("resource.id = 'x'"), "p.id = 'x'");
    assert_eq!(pred("resource.id != 'x'"), "p.id <> 'x'");
    assert_eq!(pred("resource.compartment.id = 'c'"), "p.compartment = 'c'");
    assert_eq!(
        pred("resource.compartment.id != 'c'"),
        "p.compartment <> 'c'"
    );
}

#[test]
fn resource_type_is_lower_cased_and_values_are_not() {
    assert_eq!(
        pred("resource.type = 'ApiGateway'"),
        "p.rtype = 'apigateway'"
    );
    assert_eq!(pred("resource.type != 'FnFunc'"), "p.rtype <> 'fnfunc'");
    assert_eq!(
        pred("resource.id = 'OCID1.Instance'"),
        "p.id = 'OCID1.Instance'"
    );
}

#[test]
fn tags_fold_names_keep_values_and_negate_to_not_contains() {
    assert_eq!(
        pred("tag.Ops.Role.value"),
        format!("{TK}'ops' || chr(31) || 'role')")
    );
    assert_eq!(
        pred("tag.Ops.Role.value = 'Web'"),
        format!("{TV}'ops' || chr(31) || 'role' || chr(31) || 'Web')")
    );
    // A missing tag satisfies `!=`: NOT of the `=` form.
    assert_eq!(
        pred("tag.Ops.Role.value != 'Web'"),
        format!("NOT {TV}'ops' || chr(31) || 'role' || chr(31) || 'Web')")
    );
    assert_eq!(
        pred("tag.Oracle-Tags.CreatedBy.value = 'default/a@b.example.com'"),
        format!(
            "{TV}'oracle-tags' || chr(31) || 'createdby' || chr(31) || 'default/a@b.example.com')"
        )
    );
}

#[test]
fn groups_nest_with_parentheses() {
    assert_eq!(
        pred("ANY {resource.id = 'a', resource.id = 'b'}"),
        "(p.id = 'a' OR p.id = 'b')"
    );
    assert_eq!(
        pred("ALL {resource.compartment.id = 'c', ANY {resource.type = 'fnfunc', tag.a.b.value}}"),
        format!("(p.compartment = 'c' AND (p.rtype = 'fnfunc' OR {TK}'a' || chr(31) || 'b')))")
    );
    // A one-member group is just its member.
    assert_eq!(pred("ALL {resource.id = 'a'}"), "p.id = 'a'");
    assert_eq!(pred("any {all {resource.id = 'a'},}"), "p.id = 'a'");
}

#[test]
fn legacy_forms_translate_like_their_modern_ones() {
    // A bare top-level list is ANY; an unquoted single-token value is a value.
    assert_eq!(
        pred("resource.id = 'a', tag.x.y.value = abc123"),
        format!("(p.id = 'a' OR {TV}'x' || chr(31) || 'y' || chr(31) || 'abc123'))")
    );
}

#[test]
fn quotes_inside_values_are_doubled() {
    assert_eq!(pred("resource.id = \"it's\""), "p.id = 'it''s'");
    assert_eq!(quote("a'b''c"), "'a''b''''c'");
}

#[test]
fn rules_that_do_not_parse_have_no_predicate() {
    assert_eq!(rule_predicate("ANY {}"), None);
    assert_eq!(rule_predicate("compartment.id = 'x'"), None);
    assert_eq!(rule_predicate(""), None);
}

#[test]
fn group_predicates_keep_order_tenancy_and_names() {
    let groups = vec![
        dyngroup_index::DynamicGroup {
            id: "g0".into(),
            name: "web".into(),
            matching_rule: "resource.id = 'a'".into(),
            tenancy_id: "t1".into(),
            ..Default::default()
        },
        dyngroup_index::DynamicGroup {
            id: "g1".into(),
            name: "broken".into(),
            matching_rule: "ANY {".into(),
            tenancy_id: "t2".into(),
            ..Default::default()
        },
    ];
    let preds = group_predicates(&groups);
    assert_eq!(
        preds,
        [
            GroupPredicate {
                group: 0,
                tenancy: "t1".into(),
                id: "g0".into(),
                name: "web".into(),
                predicate: Some("p.id = 'a'".into()),
            },
            GroupPredicate {
                group: 1,
                tenancy: "t2".into(),
                id: "g1".into(),
                name: "broken".into(),
                predicate: None,
            },
        ]
    );
}
